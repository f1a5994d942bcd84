// SPDX-License-Identifier: MIT
/* test_slirp_api.c - unit tests for the JSON reader and the requests of
 * slirp4netns's API socket */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/json.h"
#include "ctl/slirp_api.h"

/* ---- json_walk() ------------------------------------------------------ */

static char got[2048];

static int collect(void *opaque, const char *path, const struct json_val *v)
{
	size_t n = strlen(got);

	(void)opaque;
	switch (v->type) {
	case JSON_STRING:
		snprintf(got + n, sizeof(got) - n, "%s=s:%s;", path, v->s);
		break;
	case JSON_INT:
		snprintf(got + n, sizeof(got) - n, "%s=i:%lld;", path,
			 (long long)v->n);
		break;
	case JSON_BOOL:
		snprintf(got + n, sizeof(got) - n, "%s=b:%lld;", path,
			 (long long)v->n);
		break;
	case JSON_NULL:
		snprintf(got + n, sizeof(got) - n, "%s=null;", path);
		break;
	}
	return 0;
}

static int walk(const char *s)
{
	got[0] = '\0';
	return json_walk(s, strlen(s), collect, NULL);
}

static void test_json_members(void **state)
{
	(void)state;
	assert_int_equal(walk(" { \"a\" : \"x\", \"b\":{\"c\":-12, \"d\":true,"
			      "\"e\":{}},\"f\":null,\"g\":false}\n"), 0);
	assert_string_equal(got, "a=s:x;b.c=i:-12;b.d=b:1;f=null;g=b:0;");
	assert_int_equal(walk("{}"), 0);
	assert_string_equal(got, "");
	/* escapes, \u as UTF-8 */
	assert_int_equal(walk("{\"k\":\"\\\"\\\\\\/\\n\\u0041\\u00e9\\u20ac\"}"),
			 0);
	assert_string_equal(got, "k=s:\"\\/\nA\xc3\xa9\xe2\x82\xac;");
	assert_int_equal(walk("{\"n\":0,\"m\":123456789012345678}"), 0);
	assert_string_equal(got, "n=i:0;m=i:123456789012345678;");
}

static void test_json_refused(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
		"{,}", "{\"a\":1}x", "{\"a\":1}{}", "{a:1}", "{'a':1}",
		"{\"a\":[1]}", "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":01}",
		"{\"a\":-}", "{\"a\":1234567890123456789}", "{\"a\":tru}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\x01\"}", "{\"a\":\"open}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}",
	};
	char longstr[JSON_STR_MAX + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (walk(bad[i]) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
	}
	/* Not NUL-terminated: the length is the end */
	assert_int_equal(json_walk("{\"a\":1}", 6, collect, NULL), -EINVAL);
	/* Strings up to JSON_STR_MAX - 1 bytes */
	memset(longstr, 0, sizeof(longstr));
	strcpy(longstr, "{\"a\":\"");
	memset(longstr + 6, 'x', JSON_STR_MAX - 1);
	strcat(longstr, "\"}");
	assert_int_equal(walk(longstr), 0);
	longstr[6 + JSON_STR_MAX - 1] = 'x';
	strcpy(longstr + 6 + JSON_STR_MAX, "\"}");
	assert_int_equal(walk(longstr), -EINVAL);
}

static int stop_at_b(void *opaque, const char *path, const struct json_val *v)
{
	(void)opaque;
	(void)v;
	return strcmp(path, "b") ? 0 : 42;
}

static void test_json_callback_stops(void **state)
{
	(void)state;
	assert_int_equal(json_walk("{\"a\":1,\"b\":2,\"c\":3}", 19, stop_at_b,
				   NULL), 42);
}

static void test_json_str(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(json_str(out, sizeof(out), "a\"b\\c\n"), 15);
	assert_string_equal(out, "\"a\\\"b\\\\c\\u000a\"");
	assert_int_equal(json_str(out, 4, "abcdef"), 3);
	assert_string_equal(out, "\"ab");
}

/* ---- slirp_api_parse() ----------------------------------------------- */

static struct in_addr guest4(void)
{
	struct in_addr a;

	inet_pton(AF_INET, "10.0.2.100", &a);
	return a;
}

static const char *why_of(const char *req)
{
	struct slirp_api_req q;
	const char *why;

	if (!slirp_api_parse(req, strlen(req), guest4(), &q, &why))
		return "ok";
	return why;
}

static void test_api_requests(void **state)
{
	struct slirp_api_req q;
	const char *why, *req;

	(void)state;
	/* Podman 4.3's request, newline and all */
	req = "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
	      "\"host_addr\":\"0.0.0.0\",\"host_port\":8080,\"guest_addr\":"
	      "\"\",\"guest_port\":80}}\n";
	assert_int_equal(slirp_api_parse(req, strlen(req), guest4(), &q, &why),
			 0);
	assert_int_equal(q.cmd, SLIRP_API_ADD);
	assert_false(q.udp);
	assert_int_equal(q.host_addr.s_addr, 0);
	assert_int_equal(q.host_port, 8080);
	assert_int_equal(q.guest_port, 80);

	req = "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": "
	      "\"udp\", \"host_addr\": \"127.0.0.1\", \"host_port\": 5353, "
	      "\"guest_addr\": \"10.0.2.100\", \"guest_port\": 53, "
	      "\"other\": [\"ignored?\"]}}";
	assert_string_equal(why_of(req), "bad request: cannot parse JSON");
	req = "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": "
	      "\"udp\", \"host_addr\": \"127.0.0.1\", \"host_port\": 5353, "
	      "\"guest_addr\": \"10.0.2.100\", \"guest_port\": 53, "
	      "\"other\": 1}}";
	assert_int_equal(slirp_api_parse(req, strlen(req), guest4(), &q, &why),
			 0);
	assert_true(q.udp);
	assert_int_equal(ntohl(q.host_addr.s_addr), 0x7f000001);

	req = "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":7}}";
	assert_int_equal(slirp_api_parse(req, strlen(req), guest4(), &q, &why),
			 0);
	assert_int_equal(q.cmd, SLIRP_API_REMOVE);
	assert_int_equal(q.id, 7);
	assert_string_equal(why_of("{\"execute\":\"list_hostfwd\"}"), "ok");
}

/* slirp4netns's own descriptions, as its clients show them */
static void test_api_errors(void **state)
{
	static const struct { const char *req, *why; } t[] = {
		{ "nope", "bad request: cannot parse JSON" },
		{ "{}", "bad request: unknown execute" },
		{ "{\"execute\":1}", "bad request: unknown execute" },
		{ "{\"execute\":\"halt\"}", "bad request: unknown execute" },
		{ "{\"execute\":\"add_hostfwd\"}",
		  "bad request: add_hostfwd: bad arguments.proto" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":"
		  "\"sctp\"}}", "bad request: add_hostfwd: bad arguments.proto" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"guest_port\":1}}",
		  "bad request: add_hostfwd: bad arguments.host_port" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"host_port\":65536,\"guest_port\":1}}",
		  "bad request: add_hostfwd: bad arguments.host_port" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"host_port\":\"80\",\"guest_port\":1}}",
		  "bad request: add_hostfwd: bad arguments.host_port" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"host_addr\":\"::\",\"host_port\":1,\"guest_port\":1}}",
		  "bad request: add_hostfwd: bad arguments.host_addr" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"host_addr\":5,\"host_port\":1,\"guest_port\":1}}",
		  "bad request: add_hostfwd: bad arguments.host_addr" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"host_port\":1,\"guest_addr\":\"10.0.2.5\","
		  "\"guest_port\":1}}",
		  "bad request: add_hostfwd: bad arguments.guest_addr" },
		{ "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
		  "\"host_port\":1,\"guest_port\":0}}",
		  "bad request: add_hostfwd: bad arguments.guest_port" },
		{ "{\"execute\":\"remove_hostfwd\"}",
		  "bad request: remove_hostfwd: bad arguments.id" },
		{ "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":-1}}",
		  "bad request: remove_hostfwd: bad arguments.id" },
	};
	char reply[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *w = why_of(t[i].req);

		if (strcmp(w, t[i].why))
			fail_msg("'%s': '%s', want '%s'", t[i].req, w, t[i].why);
	}
	assert_int_equal(slirp_api_error(reply, sizeof(reply), "bad \"x\""),
			 strlen("{\"error\":{\"desc\":\"bad \\\"x\\\"\"}}"));
	assert_string_equal(reply, "{\"error\":{\"desc\":\"bad \\\"x\\\"\"}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_members),
		cmocka_unit_test(test_json_refused),
		cmocka_unit_test(test_json_callback_stops),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_api_requests),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests_name("slirp_api", tests, NULL, NULL);
}
