# SPDX-License-Identifier: MIT
# tether - rootless user-mode networking: GNU make build

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# CFLAGS/LDFLAGS are the user's (optimisation, sanitizers); the flags the
# code needs are kept apart so that `make CFLAGS=...` can't drop them.
CFLAGS  ?= -O2 -g
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	   -Wno-unused-parameter -fstack-protector-strong -fPIE \
	   -DTETHER_VERSION='"$(VERSION)"' -Isrc
ifeq ($(findstring -O0,$(CFLAGS)),)
BASE_CFLAGS += -D_FORTIFY_SOURCE=2
endif
BASE_LDFLAGS := -pie -Wl,-z,relro,-z,now
LDLIBS  += -lmnl -lseccomp
# make SECCOMP_LOG=1: the filter logs (dmesg) instead of killing
ifneq ($(SECCOMP_LOG),)
BASE_CFLAGS += -DSECCOMP_LOG
endif
# make SANDBOX_TEST=1: test-only triggers (TETHER_SANDBOX_TEST=...), never
# in a release binary
ifneq ($(SANDBOX_TEST),)
BASE_CFLAGS += -DTETHER_SANDBOX_TEST
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(LDFLAGS)

SRCS := $(sort $(wildcard src/*.c src/*/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
DEPS := $(OBJS:.o=.d)

# Everything but main.c, for linking unit tests against the real code.
LIB_OBJS := $(filter-out $(BUILD)/obj/src/main.o,$(OBJS))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all clean install check unit integ asan bench demo FORCE libobjs structure \
	fuzz fuzz-build fuzz-replay
all: $(BUILD)/tether $(BUILD)/pasta $(BUILD)/passt $(BUILD)/slirp4netns \
	$(BUILD)/pesto

$(BUILD)/tether: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# help.c prints the version: rebuild it when `git describe` changes
$(BUILD)/version: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/obj/src/conf/help.o: $(BUILD)/version
FORCE:

$(BUILD)/pasta $(BUILD)/passt $(BUILD)/slirp4netns $(BUILD)/pesto: $(BUILD)/tether
	ln -sf tether $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-error=unused-function $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Fuzz targets (tests/fuzz/fuzz_NAME.c): libFuzzer builds with clang in
# $(FUZZ_BUILD), and replays of their corpus and regression inputs, built
# like unit tests and run with them
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/unit/replay_%)
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_S ?= 10
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)

# A target's own link flags, from a "/* LDFLAGS: ... */" line in its source
fuzz_ldflags = $$(sed -n 's|^/\* LDFLAGS: \(.*\) \*/$$|\1|p' $(1))

$(BUILD)/unit/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_OBJS) \
		$(wildcard tests/fuzz/*.h) tests/unit/l2test.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-error=unused-function $(ALL_LDFLAGS) \
		$(call fuzz_ldflags,$<) -o $@ $(filter %.c %.o,$^) \
		$(LDLIBS) -lcmocka

fuzz-replay: $(FUZZ_REPLAYS)
	@set -e; for n in $(FUZZ_NAMES); do \
		$(BUILD)/unit/replay_$$n tests/fuzz/corpus/$$n tests/fuzz/regress/$$n; \
	done

unit: $(UNIT_BINS) $(FUZZ_REPLAYS)
	@set -e; for t in $(UNIT_BINS); do $$t; done
	@$(MAKE) -s fuzz-replay

libobjs: $(LIB_OBJS)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		libobjs
	@set -e; for n in $(FUZZ_NAMES); do \
		echo "  FUZZ $$n"; \
		$(FUZZ_CC) $(BASE_CFLAGS) -Wno-unused-function -O1 -g \
			-fsanitize=fuzzer $(FUZZ_SAN) -o $(FUZZ_BUILD)/fuzz_$$n \
			tests/fuzz/fuzz_$$n.c \
			$(LIB_OBJS:$(BUILD)/%=$(FUZZ_BUILD)/%) \
			$(call fuzz_ldflags,tests/fuzz/fuzz_$$n.c) \
			$(LDLIBS) -lcmocka; \
	done

# make fuzz FUZZ_S=N: every target N seconds from its corpus (new inputs
# go to $(FUZZ_BUILD)/corpus, not into the tree); fails on a crash
fuzz: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/crash/$$n; \
		echo "fuzz: $$n for $(FUZZ_S) s"; \
		$(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_S) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crash/$$n/ \
			$(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n \
			2>&1 | grep -E "^(stat::number_of_executed_units|#[0-9]+ *DONE|==[0-9]+==ERROR|SUMMARY)" ; \
		test -z "$$(ls $(FUZZ_BUILD)/crash/$$n)" || { echo "fuzz: $$n crashed: $(FUZZ_BUILD)/crash/$$n"; exit 1; }; \
	done

# Integration tests need root to build the namespace topology; tether
# itself runs there as an unprivileged user.
integ: all
	tests/run-integ

# The layering (scripts/check-layers) and self-contained headers
structure:
	scripts/check-layers --self-test
	scripts/check-layers
	scripts/check-headers

check: structure all unit integ

# Sanitizer build in its own directory: make asan && make check BUILD=build-asan
asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" all

bench: all
	bench/run

demo: all
	scripts/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/tether $(DESTDIR)$(PREFIX)/bin/tether
	ln -sf tether $(DESTDIR)$(PREFIX)/bin/pasta
	ln -sf tether $(DESTDIR)$(PREFIX)/bin/passt
	ln -sf tether $(DESTDIR)$(PREFIX)/bin/slirp4netns
	ln -sf tether $(DESTDIR)$(PREFIX)/bin/pesto
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 doc/man/tether.1 doc/man/pesto.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/
	for p in pasta passt slirp4netns; do \
		echo '.so man1/tether.1' > $(DESTDIR)$(PREFIX)/share/man/man1/$$p.1; \
	done

clean:
	rm -rf $(BUILD) build-asan $(FUZZ_BUILD) build-sbtest build-log

-include $(DEPS)

# The option reference in doc/ is the --help text: regenerate after
# changing options (a test checks they agree).
doc/options.md: $(BUILD)/tether
	scripts/gen-options $(BUILD) > $@

# The man page's option lists come from --help (the prose is in the .in)
doc/man/tether.1: doc/man/tether.1.in scripts/gen-man all
	scripts/gen-man $(BUILD) < $< > $@
