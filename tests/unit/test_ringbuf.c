/*
 * The SPSC byte ring: order, capacity, wrap-around, drops and their
 * once-per-episode report, partial reads.
 * The ring is checked against a simple model (a FIFO count and the next
 * byte expected) after long runs of mixed operations with a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ringbuf.h"

#define SIZE 16

static void test_starts_empty(void **state)
{
    uint8_t store[SIZE], b = 0x77;
    struct ringbuf rb;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    assert_int_equal(ringbuf_count(&rb), 0);
    assert_false(ringbuf_get(&rb, &b));
    assert_int_equal(b, 0x77); /* untouched when empty */
    assert_int_equal(ringbuf_read(&rb, &b, 1), 0);
    assert_int_equal(rb.dropped, 0);
}

/* A ring of size N holds exactly N bytes, in order. */
static void test_fill_to_capacity(void **state)
{
    uint8_t store[SIZE], out[SIZE];
    struct ringbuf rb;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    for (int i = 0; i < SIZE; i++) {
        assert_true(ringbuf_put(&rb, (uint8_t)(i + 1)));
    }
    assert_int_equal(ringbuf_count(&rb), SIZE);
    assert_int_equal(ringbuf_read(&rb, out, sizeof(out)), SIZE);
    for (int i = 0; i < SIZE; i++) {
        assert_int_equal(out[i], i + 1);
    }
    assert_int_equal(ringbuf_count(&rb), 0);
}

/* When full, new bytes are refused and counted; old ones survive. */
static void test_full_drops_new_bytes(void **state)
{
    uint8_t store[SIZE], b;
    struct ringbuf rb;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    for (int i = 0; i < SIZE; i++) {
        ringbuf_put(&rb, (uint8_t)i);
    }
    for (int i = 0; i < 5; i++) {
        assert_false(ringbuf_put(&rb, 0xee));
    }
    assert_int_equal(rb.dropped, 5);
    assert_int_equal(ringbuf_count(&rb), SIZE);
    assert_true(ringbuf_get(&rb, &b));
    assert_int_equal(b, 0);              /* the oldest byte, not overwritten */
    assert_true(ringbuf_put(&rb, 0xaa)); /* room again after one read */
    assert_false(ringbuf_put(&rb, 0xbb));
    assert_int_equal(rb.dropped, 6);
}

/*
 * Drops are reported once per overflow episode: nothing while the ring
 * still holds unread bytes (the stream keeps it full: one episode), the
 * episode's count once the reader has emptied it, then nothing again.
 */
static void test_drops_reported_once_per_episode(void **state)
{
    uint8_t store[SIZE], out[SIZE];
    struct ringbuf rb;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    assert_int_equal(ringbuf_take_drops(&rb), 0);
    for (int i = 0; i < SIZE + 3; i++) {
        ringbuf_put(&rb, (uint8_t)i);
    }
    assert_int_equal(ringbuf_read(&rb, out, 4), 4);
    assert_int_equal(ringbuf_take_drops(&rb), 0); /* not caught up */
    for (int i = 0; i < 6; i++) {
        ringbuf_put(&rb, 0xee); /* 4 fit, 2 more dropped: same episode */
    }
    assert_int_equal(ringbuf_read(&rb, out, SIZE), SIZE);
    assert_int_equal(ringbuf_take_drops(&rb), 5);
    assert_int_equal(ringbuf_take_drops(&rb), 0); /* once */
    assert_true(ringbuf_put(&rb, 1));             /* no drop: no episode */
    assert_int_equal(ringbuf_read(&rb, out, 1), 1);
    assert_int_equal(ringbuf_take_drops(&rb), 0);
    for (int i = 0; i < SIZE + 1; i++) {
        ringbuf_put(&rb, (uint8_t)i); /* a second episode */
    }
    assert_int_equal(ringbuf_read(&rb, out, SIZE), SIZE);
    assert_int_equal(ringbuf_take_drops(&rb), 1);
    assert_int_equal(rb.dropped, 6); /* the total, per ring */
}

/* A read asks for more than is waiting, or less: it takes what there is. */
static void test_partial_reads(void **state)
{
    uint8_t store[SIZE], out[SIZE];
    struct ringbuf rb;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    for (int i = 0; i < 10; i++) {
        ringbuf_put(&rb, (uint8_t)('a' + i));
    }
    assert_int_equal(ringbuf_read(&rb, out, 3), 3);
    assert_memory_equal(out, "abc", 3);
    assert_int_equal(ringbuf_count(&rb), 7);
    memset(out, 0, sizeof(out));
    assert_int_equal(ringbuf_read(&rb, out, sizeof(out)), 7);
    assert_memory_equal(out, "defghij", 7);
    assert_int_equal(out[7], 0); /* nothing written past what was read */
    assert_int_equal(ringbuf_read(&rb, out, sizeof(out)), 0);
}

/* A read that spans the end of the storage comes back in order. */
static void test_read_across_the_end(void **state)
{
    uint8_t store[SIZE], out[SIZE];
    struct ringbuf rb;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    for (int i = 0; i < 12; i++) {
        ringbuf_put(&rb, 0);
    }
    ringbuf_read(&rb, out, 12); /* indices now 12: next writes wrap */
    for (int i = 0; i < SIZE; i++) {
        assert_true(ringbuf_put(&rb, (uint8_t)(100 + i)));
    }
    assert_int_equal(ringbuf_read(&rb, out, SIZE), SIZE);
    for (int i = 0; i < SIZE; i++) {
        assert_int_equal(out[i], 100 + i);
    }
}

/* Tiny deterministic generator (xorshift32) so runs are repeatable. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/*
 * Thousands of random bursts of puts and reads wrap the ring many times;
 * after each step the ring must match the model: the count, the bytes in
 * sequence, and every refused put counted as dropped.
 */
static void test_wraps_many_times_against_model(void **state)
{
    uint8_t store[SIZE], out[SIZE + 4];
    struct ringbuf rb;
    uint32_t seed = 12345;
    uint8_t next_in = 0, next_out = 0;
    size_t model = 0, drops = 0, total = 0;

    (void)state;
    ringbuf_init(&rb, store, SIZE);
    for (int step = 0; step < 20000; step++) {
        uint32_t r = rng_next(&seed);
        size_t burst = r % (SIZE + 4);

        if (r & 0x100) {
            for (size_t i = 0; i < burst; i++) {
                bool ok = ringbuf_put(&rb, next_in);

                assert_int_equal(ok, model < SIZE);
                if (ok) {
                    next_in++;
                    model++;
                } else {
                    drops++;
                }
            }
        } else {
            size_t n = ringbuf_read(&rb, out, burst);

            assert_int_equal(n, burst < model ? burst : model);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(out[i], next_out++);
            }
            model -= n;
            total += n;
        }
        assert_int_equal(ringbuf_count(&rb), model);
        assert_int_equal(rb.dropped, drops);
    }
    assert_true(total > 100 * SIZE); /* really did wrap many times */
    assert_true(drops > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts_empty),
        cmocka_unit_test(test_fill_to_capacity),
        cmocka_unit_test(test_full_drops_new_bytes),
        cmocka_unit_test(test_drops_reported_once_per_episode),
        cmocka_unit_test(test_partial_reads),
        cmocka_unit_test(test_read_across_the_end),
        cmocka_unit_test(test_wraps_many_times_against_model),
    };

    return cmocka_run_group_tests_name("ringbuf", tests, NULL, NULL);
}
