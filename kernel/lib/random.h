/*
 * Random bytes for the kernel's own uses (AT_RANDOM, later getrandom):
 * a splitmix64 stream seeded at first use from the cycle counter and the
 * CMOS clock.  Unpredictable enough to vary between boots and calls; not
 * a cryptographic generator (issue 11 seeds it from RDRAND/RDSEED).
 */
#ifndef KAIROS_RANDOM_H
#define KAIROS_RANDOM_H

#include <stddef.h>

/* Fill buf with n bytes.  Any context; takes its own lock. */
void random_bytes(void *buf, size_t n);

#endif
