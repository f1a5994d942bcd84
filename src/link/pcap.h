/* SPDX-License-Identifier: MIT */
/* pcap.h - --pcap: capture the frames on the guest link, both ways */
#ifndef TETHER_PCAP_H
#define TETHER_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "link/frame.h"

#define PCAP_SNAPLEN	262144	/* above any frame, GSO ones included */

/* pcap_fd - the open capture file, -1 when not capturing */
extern int pcap_fd;

/* pcap_on() - a capture is running: the one branch the data path pays */
static inline bool pcap_on(void)
{
	return pcap_fd >= 0;
}

/* pcap_open() - create (truncate) @path, mode 0600, and write the file
 * header; dies naming the path and the cause on failure */
void pcap_open(const char *path);
/* pcap_start() - capture to @fd (taken over): write the file header.
 * Return: 0, or -errno (then @fd is closed and nothing is captured) */
int pcap_start(int fd);
/* pcap_stop() - close the capture, if any */
void pcap_stop(void);

/* pcap_rx() - record @n frames read from the guest */
void pcap_rx(const struct frame *f, int n);
/* pcap_tx() - record @n frames for the guest: frame i is made of
 * iov[i * @stride + @skip ...], @cnt[i] - @skip entries (@skip: a link
 * header, as a virtio-net one, that isn't part of the frame) */
void pcap_tx(const struct iovec *iov, const int *cnt, int n, size_t stride,
	     int skip);

#endif /* TETHER_PCAP_H */
