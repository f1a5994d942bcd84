// SPDX-License-Identifier: MIT
/* icmp.c - STUB */
#include "l4/icmp.h"
void icmp_init(const struct conf *c) { (void)c; }
void icmp_from_tap(const struct pkt *p, const struct timespec *now) { (void)p; (void)now; }
void icmp_error_to_tap(const union inany *from, uint8_t type, uint8_t code, uint32_t info, const uint8_t *orig, size_t orig_len) { (void)from; (void)type; (void)code; (void)info; (void)orig; (void)orig_len; }
