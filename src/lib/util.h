/* SPDX-License-Identifier: MIT */
/* util.h - small macros shared by every layer */
#ifndef TETHER_UTIL_H
#define TETHER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#endif
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ROUND_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))

/* Unaligned big-endian accessors: frames are never assumed aligned. */
static inline uint16_t rd16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void wr16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void wr32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
}

/* Milliseconds between two CLOCK_MONOTONIC readings. */
static inline int64_t ts_ms_diff(const struct timespec *a,
				 const struct timespec *b)
{
	return (int64_t)(a->tv_sec - b->tv_sec) * 1000 +
	       (a->tv_nsec - b->tv_nsec) / 1000000;
}

/* Nanoseconds between two CLOCK_MONOTONIC readings. */
static inline int64_t ts_ns_diff(const struct timespec *a,
				 const struct timespec *b)
{
	return (int64_t)(a->tv_sec - b->tv_sec) * 1000000000 +
	       (a->tv_nsec - b->tv_nsec);
}

/* TCP sequence comparisons, RFC 9293 section 3.4 (modulo 2^32). */
#define SEQ_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define SEQ_LE(a, b)	((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)
#define SEQ_GE(a, b)	((int32_t)((a) - (b)) >= 0)

#endif /* TETHER_UTIL_H */
