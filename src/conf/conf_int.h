/* SPDX-License-Identifier: MIT */
/* conf_int.h - interfaces between the conf/ files (not for other modules) */
#ifndef TETHER_CONF_INT_H
#define TETHER_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "lib/inany.h"

/* The stages conf_parse() runs, callable one by one for tests */
/* cli.c: options, no host state read */
void conf_parse_args(struct conf *c, int argc, char **argv);
void conf_fwd_add(struct conf *c, enum conf_fwd_kind kind, const char *arg);
/* cli_slirp.c: the slirp4netns personality's command line */
void conf_parse_slirp(struct conf *c, int argc, char **argv);
/* conf.c */
void conf_runas(struct conf_proc *p, uid_t euid, const char *uid_map);
void conf_fwd_finish(struct conf *c, const char *range_path);
void conf_services(struct conf *c);

/* discover.c: template interfaces, addresses, gateways (netlink) */
void conf_discover(struct conf *c);
struct nl_handle;
void conf_discover_nl(struct conf *c, struct nl_handle *nl, bool running);
void conf_derive(struct conf *c);

/* resolv.c: resolvers and search list */
void conf_dns(struct conf *c, const char *resolv_path);
void conf_dns_buf(struct conf *c, const char *buf, size_t len);

/* help.c */
const char *conf_name(const struct conf *c);
void conf_usage(const struct conf *c, FILE *f);
void conf_version(const struct conf *c);

/* parse.c: option values; all Return 0 or -EINVAL (or -ERANGE) */
int conf_parse_uint(const char *s, unsigned long max, unsigned long *v);
int conf_parse_size(const char *s, size_t *v);
int conf_parse_mac(const char *s, uint8_t mac[6]);
int conf_parse_addr(const char *s, union inany *a, int *prefix_len);
int conf_parse_netmask(const char *s, int *prefix_len);
int conf_parse_runas(const char *s, uid_t *uid, gid_t *gid);
bool conf_addr_is_special(const union inany *a);


#endif /* TETHER_CONF_INT_H */
