# SPDX-License-Identifier: MIT
# tether - rootless user-mode networking: GNU make build

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
	   -DTETHER_VERSION='"$(VERSION)"' -Isrc
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS  += -lmnl

SRCS := $(sort $(wildcard src/*.c src/*/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
DEPS := $(OBJS:.o=.d)

# Everything but main.c, for linking unit tests against the real code.
LIB_OBJS := $(filter-out $(BUILD)/obj/src/main.o,$(OBJS))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all clean install check unit integ asan bench
all: $(BUILD)/tether $(BUILD)/pasta $(BUILD)/passt

$(BUILD)/tether: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pasta $(BUILD)/passt: $(BUILD)/tether
	ln -sf tether $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-error=unused-function $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done

# Integration tests need root to build the namespace topology; tether
# itself runs there as an unprivileged user.
integ: all
	tests/run-integ

check: all unit integ

# Sanitizer build in its own directory: make asan && make check BUILD=build-asan
asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" all

bench: all
	bench/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/tether $(DESTDIR)$(PREFIX)/bin/tether
	ln -sf tether $(DESTDIR)$(PREFIX)/bin/pasta
	ln -sf tether $(DESTDIR)$(PREFIX)/bin/passt

clean:
	rm -rf $(BUILD) build-asan

-include $(DEPS)
