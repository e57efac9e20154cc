/*
 * Random bytes (AT_RANDOM, getrandom): a splitmix64 stream, seeded at
 * first use from the CPU's generator (arch_random_u64: RDSEED or RDRAND)
 * when there is one, else from the cycle counter and the CMOS clock, and
 * stirred with the cycle counter (and the CPU's generator) at every call.
 * Varies between boots and calls; splitmix64 is not a cryptographic
 * generator, so its output is as good as its seed (docs/user.md).
 */
#ifndef KAIROS_RANDOM_H
#define KAIROS_RANDOM_H

#include <stddef.h>

/* Fill buf with n bytes.  Any context; takes its own lock. */
void random_bytes(void *buf, size_t n);

#endif
