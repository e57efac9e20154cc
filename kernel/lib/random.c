/*
 * The kernel's random bytes (random.h).
 */
#include "random.h"

#include <stdint.h>

#include "arch.h"
#include "spinlock.h"

static struct spinlock random_lock = SPINLOCK_INIT("random");
static uint64_t state; /* guarded by random_lock; 0 until seeded */

static uint64_t next(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void random_bytes(void *buf, size_t n)
{
    uint8_t *out = buf;

    uint64_t hw;

    spin_lock(&random_lock);
    if (state == 0) {
        state = arch_cycles() ^ (arch_rtc_seconds() << 32) ^ 0x4B41524F53ULL;
    }
    state ^= arch_cycles(); /* each call stirs in the time it happens */
    if (arch_random_u64(&hw)) {
        state ^= hw;
    }
    while (n > 0) {
        uint64_t v = next();

        for (int i = 0; i < 8 && n > 0; i++, n--) {
            *out++ = (uint8_t)(v >> (8 * i));
        }
    }
    spin_unlock(&random_lock);
}
