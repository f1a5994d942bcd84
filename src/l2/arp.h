/* SPDX-License-Identifier: MIT */
/* arp.h - proxy ARP on the tap link */
#ifndef TETHER_ARP_H
#define TETHER_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "loop.h"

void arp_init(const struct conf_ip4 *ip4);
/* arp_from_tap() - an ARP frame (Ethernet header onward, @len checked >= 14) */
void arp_from_tap(struct loop *lp, const uint8_t *frame, size_t len);

#endif /* TETHER_ARP_H */
