// SPDX-License-Identifier: MIT
/* netlink.c - STUB */
#include "ns/netlink.h"
