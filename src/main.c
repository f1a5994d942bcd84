// SPDX-License-Identifier: MIT
/* main.c - start-up in stages, then the loop; nothing else */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "conf/conf.h"
#include "conf/fwd_spec.h"
#include "ctl/ctl.h"
#include "ctl/pesto.h"
#include "ctl/slirp_api.h"
#include "flow/fdbudget.h"
#include "flow/flow.h"
#include "follow/follow.h"
#include "fwd/fwd.h"
#include "l2/arp.h"
#include "l2/dhcp.h"
#include "l2/dhcpv6.h"
#include "l2/egress.h"
#include "l2/guest.h"
#include "l2/ingress.h"
#include "l2/ndp.h"
#include "l4/icmp.h"
#include "l4/nat.h"
#include "l4/tcp.h"
#include "l4/tcp_splice.h"
#include "l4/udp.h"
#include "l4/udp_inbound.h"
#include "lib/log.h"
#include "lib/util.h"
#include "link/link.h"
#include "link/pcap.h"
#include "loop.h"
#include "loops.h"
#include "ns/ns.h"
#include "ns/proc.h"
#include "sandbox/sandbox.h"
#include "sock/prepare.h"

static struct conf conf;

/* Raise the soft fd limit to the hard one: every flow holds sockets */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Any rule of @kind (FWD_*) in auto mode? */
static bool fwd_auto_of(const struct conf *c, unsigned kind)
{
	int i;

	for (i = 0; i < c->fwd.n[kind]; i++)
		if (c->fwd.rule[kind][i]->mode == FWD_MODE_AUTO)
			return true;
	return false;
}

/* What the loop of this configuration still needs, for the sandbox */
static void sandbox_profile(const struct conf *c, struct sandbox_profile *p)
{
	bool pasta = c->mode == MODE_PASTA;
	bool ns_auto = fwd_auto_of(c, FWD_TCP_OUT) || fwd_auto_of(c, FWD_UDP_OUT);
	bool follow = follow_sandbox_needs();

	*p = (struct sandbox_profile){
		.off = c->proc.no_sandbox,
		.own_userns = !pasta,
		.ns_fd = pasta ? ns_netfd() : -1,
		.child = pasta ? ns_child_pid() : 0,
		.splice = pasta && c->ns.splice,
		.ns_bind = pasta && (c->ns.splice || ns_auto),
		.stream = !pasta && c->link.fd < 0,
		.vhost_user = !pasta && c->link.vhost_user,
		.auto_scan = ns_auto || fwd_auto_of(c, FWD_TCP_IN) ||
			     fwd_auto_of(c, FWD_UDP_IN),
		.tcp_bind_auto = fwd_auto_of(c, FWD_TCP_IN) ||
				 fwd_auto_of(c, FWD_TCP_OUT) ||
				 c->fwd.api_path[0] || c->fwd.ctl_path[0],
		.bind_rt = c->fwd.api_path[0] || c->fwd.ctl_path[0],
		.tcp_bind_eph = c->ip4.outbound.s_addr ||
				!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.outbound),
		.nsquit_path = pasta && ns_quit_stats(),
		.syslog = log_to_syslog_later(),
		.logfile = c->log.file,
		.chroot_fallback = c->proc.chroot_fallback,
		.follow = follow,
		.ns_net_admin = follow && pasta && c->ns.config_net,
	};
}

static void flush_hook(struct loop *lp)
{
	egress_flush(lp);
}

/* How many loops: one per tap queue (pasta), else one */
static unsigned loops_wanted(const struct conf *c)
{
	if (c->mode != MODE_PASTA || c->ns.splice_only)
		return 1;
	if (c->proc.threads == CONF_THREADS_AUTO)
		return MIN(conf_cpus_usable(), CONF_THREADS_MAX);
	return c->proc.threads;
}

/* What every loop has: its flow table, link, egress and ingress, the
 * translators */
static void loop_data_path(struct loop *lp)
{
	loop_poll_max(lp, conf.proc.busy_poll_us);
	loop_stats_every(lp, conf.proc.stats_s);
	flow_init(lp);
	link_init(lp);
}

static void loop_translators(struct loop *lp)
{
	egress_init(lp, &conf.link);
	ingress_init(lp, &conf.ip4, &conf.ip6);
	tcp_init(lp, &conf.link, &conf.ip6);
	udp_init(lp, &conf.ip4, &conf.ip6, &conf.svc);
	icmp_init(lp, &conf.ip6, &conf.svc);
	ingress_register(lp, INGRESS_TCP, conf.svc.tcp ? tcp_from_tap : NULL);
	ingress_register(lp, INGRESS_UDP, conf.svc.udp ? udp_from_tap : NULL);
	ingress_register(lp, INGRESS_ICMP,
			 conf.svc.icmp ? icmp_from_tap : NULL);
	udp_inbound_init(lp);	/* what forwarding hands connections to */
}

int main(int argc, char **argv)
{
	int tapfd[CONF_THREADS_MAX];
	struct sandbox_profile sb;
	unsigned n = 1, i;
	bool udp_gso = false;
	struct loop *lp;
	int pidfile;

	if (conf_persona(argv[0]) == PERSONA_PESTO)	/* a client, no more */
		return pesto_main(argc, argv);

	signal(SIGPIPE, SIG_IGN);
	conf_parse_cli(&conf, argc, argv);
	sandbox_close_inherited((int[]){ conf.link.fd, conf.proc.exit_fd,
					 conf.proc.ready_fd }, 3);
	log_setup(&conf.log);	/* before discovery: it has things to say */
	conf_resolve(&conf);
	raise_nofile();
	pidfile = proc_pidfile_open(&conf.proc);
	if (conf.link.pcap)	/* host side, before namespaces and sandbox */
		pcap_open(conf.link.pcap);
	proc_runas(&conf.proc);	/* before creating or joining namespaces */
	/* resolv.conf's reader: a fork, so while the process is small */
	follow_prepare(&conf, sandbox_reader);

	/* 1. The link back-end: a tap queue per loop, or one socket */
	if (conf.mode == MODE_PASTA) {
		ns_setup(&conf);
		if (conf.ns.splice_only)
			ns_lo_up();	/* no tap, no link: nothing reads frames */
		else
			n = ns_tap_open(&conf, &udp_gso, tapfd,
					loops_wanted(&conf));
	}
	lp = loops_new(n);
	for (i = 0; i < n; i++)
		loop_data_path(loops_at(lp, i));
	if (conf.mode == MODE_PASTA) {
		for (i = 0; i < n && !conf.ns.splice_only; i++)
			link_tun_use(loops_at(lp, i), tapfd[i], udp_gso);
	} else if (conf.link.vhost_user) {
		link_vu_open(lp, &conf);
	} else {
		link_stream_open(lp, &conf);
	}
	conf_print(&conf);

	/* 2. Frame ingress, link services and translators */
	guest_init(&conf.ip4, &conf.ip6);
	nat_init(&conf.ip4, &conf.ip6);
	sock_prepare_init(&conf.ip4, &conf.ip6);
	arp_init(&conf.ip4);
	dhcp_init(&conf.ip4, &conf.link, &conf.svc);
	dhcpv6_init(&conf);
	for (i = 0; i < n; i++)
		loop_translators(loops_at(lp, i));
	ndp_init(lp, &conf.ip6, &conf.link, &conf.ns, &conf.svc);
	if (conf.mode == MODE_PASTA && conf.ns.splice)
		tcp_splice_init(lp);
	fwd_init(lp, &conf);	/* bind failures must reach the caller */
	slirp_api_init(lp, conf.fwd.api_path, &conf.ip4);
	ctl_init(lp, conf.fwd.ctl_path, &conf.fwd);
	follow_init(lp, &conf);	/* changes conf in place, between batches */
	for (i = 0; i < n; i++) {
		struct loop *l = loops_at(lp, i);

		link_wire(l, ingress_batch, guest_forget);
		link_start(l);
		loop_post_add(l, flush_hook);	/* after translators queued */
	}
	fdbudget_init();	/* what is open now is fixed */

	/* 3. Detach if asked, confine, tell whoever waits, let it run */
	if (!conf.proc.foreground)
		proc_daemonize();
	if (conf.mode == MODE_PASTA)
		ns_quit_watch(lp, &conf);	/* opens what it watches */
	proc_exit_fd_watch(lp, &conf.proc);
	sandbox_profile(&conf, &sb);
	sb.threads = n > 1;
	sandbox_enter(&sb);		/* from here: no files, few calls */
	loops_start(lp);		/* loops 1...: threads, in the sandbox */
	proc_ready(pidfile);
	proc_ready_tell(&conf.proc);
	if (conf.mode == MODE_PASTA && conf.ns.target == NS_SPAWN)
		ns_release_child(lp);

	loop_run(lp);
	loops_stop(lp);
	return lp->status;
}
