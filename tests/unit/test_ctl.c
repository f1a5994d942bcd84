// SPDX-License-Identifier: MIT
/* test_ctl.c - unit tests for the control socket's requests (pesto) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl.h"

static struct ctl_req q;

static int parse(const char *s)
{
	return ctl_parse(s, strlen(s), &q);
}

static void test_ctl_changes(void **state)
{
	(void)state;
	assert_int_equal(parse("tether-ctl 1\nclear\n"
			       "add tcp 0.0.0.0 8080 8081 80\n"
			       "add udp :: 53 53 5353\n"
			       "del tcp * 22 22\nshow\n"), 0);
	assert_int_equal(q.n, 4);
	assert_int_equal(q.ch[0].op, CTL_CLEAR);
	assert_int_equal(q.ch[1].op, CTL_ADD);
	assert_int_equal(q.ch[1].r.kind, FWD_TCP_IN);
	assert_true(q.ch[1].r.has_addr);
	assert_true(inany_is_v4(&q.ch[1].r.addr));
	assert_int_equal(q.ch[1].r.first, 8080);
	assert_int_equal(q.ch[1].r.last, 8081);
	assert_int_equal(q.ch[1].r.tfirst, 80);
	assert_int_equal(q.ch[2].r.kind, FWD_UDP_IN);
	assert_false(inany_is_v4(&q.ch[2].r.addr));
	assert_int_equal(q.ch[3].op, CTL_DEL);
	assert_false(q.ch[3].r.has_addr);
	assert_int_equal(q.query, CTL_Q_SHOW);

	assert_int_equal(parse("tether-ctl 1\nflows json"), 0);
	assert_int_equal(q.query, CTL_Q_FLOWS);
	assert_true(q.json);
	assert_int_equal(parse("tether-ctl 1\n\n\tstats\n"), 0);
	assert_int_equal(q.query, CTL_Q_STATS);
	assert_false(q.json);
	assert_int_equal(parse("tether-ctl 1\n"), 0);
	assert_int_equal(q.n, 0);
}

static void test_ctl_refused(void **state)
{
	static const struct { const char *req, *why; } t[] = {
		{ "", "empty request" },
		{ "tether-ctl 2\nshow\n", "speaks 'tether-ctl 1' only" },
		{ "basil:s\n", "speaks 'tether-ctl 1' only" },
		{ "tether-ctl 1\nshow\nstats\n", "nothing may follow 'show'" },
		{ "tether-ctl 1\nshow\nadd tcp * 1 1 1\n", "nothing may follow" },
		{ "tether-ctl 1\nadd sctp * 1 1 1\n", "line 2: protocol" },
		{ "tether-ctl 1\nadd tcp x 1 1 1\n", "line 2: bad address" },
		{ "tether-ctl 1\nadd tcp * 0 1 1\n", "bad port range" },
		{ "tether-ctl 1\nadd tcp * 5 4 1\n", "bad port range" },
		{ "tether-ctl 1\nadd tcp * 1 65536 1\n", "bad port range" },
		{ "tether-ctl 1\nadd tcp * -1 1 1\n", "bad port range" },
		{ "tether-ctl 1\nadd tcp * 1 10 65530\n", "bad target port" },
		{ "tether-ctl 1\nadd tcp * 1 1\n", "wrong number of words" },
		{ "tether-ctl 1\ndel tcp * 1 1 1\n", "wrong number of words" },
		{ "tether-ctl 1\nflows xml\n", "unknown request 'flows'" },
		{ "tether-ctl 1\nhalt\n", "unknown request 'halt'" },
	};
	char many[CTL_REQ_MAX + 64] = "tether-ctl 1\n";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!parse(t[i].req) || !strstr(q.why, t[i].why))
			fail_msg("'%s': '%s', want '%s'", t[i].req, q.why,
				 t[i].why);
	}
	assert_int_equal(ctl_parse("tether-ctl 1\n\0show", 18, &q), -EINVAL);
	assert_non_null(strstr(q.why, "NUL"));
	for (i = 0; i <= CTL_LINES_MAX; i++)
		strcat(many, "clear\n");
	assert_int_equal(parse(many), -EINVAL);
	assert_non_null(strstr(q.why, "more than"));
	memset(many, 'x', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	assert_int_equal(parse(many), -EINVAL);
	assert_non_null(strstr(q.why, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_changes),
		cmocka_unit_test(test_ctl_refused),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
