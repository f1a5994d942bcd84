// SPDX-License-Identifier: MIT
/* arp.c - STUB */
#include "l2/arp.h"
void arp_init(const struct conf *c) { (void)c; }
void arp_from_tap(const uint8_t *frame, size_t len) { (void)frame; (void)len; }
