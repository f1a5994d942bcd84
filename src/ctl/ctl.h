/* SPDX-License-Identifier: MIT */
/* ctl.h - the control socket (-c PATH): forwarding rules, flows, stats */
#ifndef TETHER_CTL_H
#define TETHER_CTL_H

#include <stdbool.h>

#include "conf/conf.h"
#include "fwd/fwd.h"
#include "loop.h"

#define CTL_PROTO_VERSION	1
#define CTL_HELLO		"tether-ctl"	/* first line: "tether-ctl 1" */
#define CTL_REQ_MAX		4096	/* a request, bytes */
#define CTL_LINES_MAX		64	/* changes in one request */

enum ctl_op { CTL_ADD, CTL_DEL, CTL_CLEAR };

/* One change: add or delete @r, or clear every run-time rule */
struct ctl_change {
	enum ctl_op op;
	struct fwd_rule_rt r;
};

enum ctl_query { CTL_Q_NONE, CTL_Q_SHOW, CTL_Q_FLOWS, CTL_Q_STATS };

/**
 * struct ctl_req - one request, parsed
 * @ch:		its changes, in order
 * @n:		how many
 * @query:	what to show after them
 * @json:	flows and stats as JSON
 * @why:	what is wrong, if parsing failed
 */
struct ctl_req {
	struct ctl_change ch[CTL_LINES_MAX];
	int n;
	enum ctl_query query;
	bool json;
	char why[256];
};

/*
 * ctl_parse() - check one request (doc/control.md's grammar)
 * Return: 0, or -EINVAL with @q->why set
 */
int ctl_parse(const char *req, size_t len, struct ctl_req *q);

/*
 * ctl_init() - listen on @path for pesto (see doc/control.md), if not
 * empty; @c gives the command-line rules, shown beside the added ones
 */
void ctl_init(struct loop *lp, const char *path, const struct conf_fwd *c);

/*
 * ctl_handle() - answer one request (exposed for the fuzz target and unit
 * tests); Return: length of the reply written to @out
 */
size_t ctl_handle(struct loop *lp, const char *req, size_t len, char *out,
		  size_t outlen);


#endif /* TETHER_CTL_H */
