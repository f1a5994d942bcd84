/* SPDX-License-Identifier: MIT */
/* userns.h - a new user namespace for this process, mapped to its ids */
#ifndef TETHER_USERNS_H
#define TETHER_USERNS_H

#include <sys/types.h>

/*
 * userns_new() - move this process into a new user namespace, where
 * @inner_uid/@inner_gid map to our current effective ids (one id each,
 * setgroups denied). In there we hold every capability, and none outside.
 *
 * Return: 0, or -errno (with *@what naming the step that failed)
 */
int userns_new(uid_t inner_uid, gid_t inner_gid, const char **what);

#endif /* TETHER_USERNS_H */
