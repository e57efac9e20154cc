/*
 * The driver registry on the host heap: registration and lookup, name
 * rules, duplicates, growth far past the initial table with records that
 * never move, dispatch through the ops, out of memory, and the heap back at
 * its baseline after driver_reset.
 *
 * Every test starts from an empty registry (driver_reset in the setup).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driver.h"
#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "param.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ARENA_SIZE    (16u << 20)

/* ---- Devices that record how they were called --------------------------- */

struct calls {
    struct chardev *dev; /* the device the last op was called with */
    const void *buf;
    size_t len;
    int reads, writes;
};

static long rec_read(struct chardev *dev, void *buf, size_t len)
{
    struct calls *c = dev->priv;

    c->dev = dev;
    c->buf = buf;
    c->len = len;
    c->reads++;
    return 3; /* an arbitrary result, passed back unchanged */
}

static long rec_write(struct chardev *dev, const void *buf, size_t len)
{
    struct calls *c = dev->priv;

    c->dev = dev;
    c->buf = buf;
    c->len = len;
    c->writes++;
    return -EIO; /* errors pass back unchanged too */
}

static const struct chardev_ops rw_ops = {.read = rec_read, .write = rec_write};
static const struct chardev_ops read_only_ops = {.read = rec_read};
static const struct chardev_ops write_only_ops = {.write = rec_write};
static const struct chardev_ops no_ops = {0};

/* ---- Registration and lookup ---------------------------------------------- */

static void test_register_and_find(void **state)
{
    int priv;
    struct chardev *d;

    (void)state;
    assert_int_equal(driver_register("serial0", &rw_ops, &priv), 0);
    d = driver_find("serial0");
    assert_non_null(d);
    assert_string_equal(d->name, "serial0");
    assert_ptr_equal(d->ops, &rw_ops);
    assert_ptr_equal(d->priv, &priv);
    assert_null(driver_find("serial1"));
    assert_null(driver_find("serial"));
    assert_int_equal(driver_count(), 1);
    assert_ptr_equal(driver_at(0), d);
    assert_null(driver_at(1));
}

static void test_empty_registry(void **state)
{
    (void)state;
    assert_int_equal(driver_count(), 0);
    assert_null(driver_at(0));
    assert_null(driver_find("console"));
}

/* A name taken stays with its first owner. */
static void test_duplicate_is_eexist(void **state)
{
    int first, second;

    (void)state;
    assert_int_equal(driver_register("kbd", &rw_ops, &first), 0);
    assert_int_equal(driver_register("kbd", &read_only_ops, &second), -EEXIST);
    assert_int_equal(driver_count(), 1);
    assert_ptr_equal(driver_find("kbd")->priv, &first);
    assert_ptr_equal(driver_find("kbd")->ops, &rw_ops);
}

struct name_case {
    const char *name;
    const char *dev; /* the name registered */
    const struct chardev_ops *ops;
    int err;
};

static const struct name_case name_cases[] = {
    {"name_ok", "serial0", &rw_ops, 0},
    {"name_longest", "abcdefghijklmno", &rw_ops, 0}, /* 15 + NUL = 16 */
    {"name_too_long", "abcdefghijklmnop", &rw_ops, -EINVAL},
    {"name_empty", "", &rw_ops, -EINVAL},
    {"name_null", NULL, &rw_ops, -EINVAL},
    {"name_with_space", "vga 0", &rw_ops, -EINVAL},
    {"name_leading_space", " vga", &rw_ops, -EINVAL},
    {"name_with_tab", "vga\t0", &rw_ops, -EINVAL},
    {"name_with_newline", "vga\n", &rw_ops, -EINVAL},
    {"name_punctuation_ok", "tty-0.a_b", &rw_ops, 0},
    {"ops_null", "serial0", NULL, -EINVAL},
    {"ops_all_null_ok", "null", &no_ops, 0},
};

/* A refused name leaves the registry as it was. */
static void test_name(void **state)
{
    const struct name_case *c = *state;

    assert_int_equal(driver_register(c->dev, c->ops, NULL), c->err);
    assert_int_equal(driver_count(), c->err == 0 ? 1 : 0);
    if (c->err == 0) {
        assert_string_equal(driver_at(0)->name, c->dev);
    }
}

/*
 * Growth: 100 devices, far past DRIVER_TABLE_INITIAL.  A record, once
 * registered, never moves, and the order is registration order.
 */
static void test_growth_keeps_records_in_place(void **state)
{
    enum { N = 100 };
    static struct chardev *seen[N];
    char name[DRIVER_NAME_MAX];

    (void)state;
    assert_true(N > 8 * DRIVER_TABLE_INITIAL);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "dev%d", i);
        assert_int_equal(driver_register(name, &rw_ops, &seen[i]), 0);
        seen[i] = driver_find(name);
        assert_non_null(seen[i]);
        for (int j = 0; j < i; j++) { /* every earlier one still in place */
            assert_ptr_equal(driver_at((size_t)j), seen[j]);
        }
    }
    assert_int_equal(driver_count(), N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "dev%d", i);
        assert_ptr_equal(driver_find(name), seen[i]);
        assert_string_equal(seen[i]->name, name);
        assert_ptr_equal(seen[i]->priv, &seen[i]);
    }
    assert_null(driver_at(N));
}

/* ---- Dispatch ------------------------------------------------------------- */

static void test_dispatch(void **state)
{
    struct calls c = {0};
    char buf[8];
    struct chardev *d;

    (void)state;
    assert_int_equal(driver_register("rec", &rw_ops, &c), 0);
    d = driver_find("rec");
    assert_int_equal(dev_read(d, buf, sizeof(buf)), 3);
    assert_int_equal(c.reads, 1);
    assert_ptr_equal(c.dev, d);
    assert_ptr_equal(c.buf, buf);
    assert_int_equal(c.len, sizeof(buf));
    assert_int_equal(dev_write(d, "hi", 2), -EIO);
    assert_int_equal(c.writes, 1);
    assert_int_equal(c.len, 2);
}

/* A missing op is -EINVAL, and the other op is not called instead. */
static void test_missing_op_is_einval(void **state)
{
    struct calls ro = {0}, wo = {0};
    char buf[4];

    (void)state;
    assert_int_equal(driver_register("ro", &read_only_ops, &ro), 0);
    assert_int_equal(driver_register("wo", &write_only_ops, &wo), 0);
    assert_int_equal(driver_register("none", &no_ops, NULL), 0);
    assert_int_equal(dev_write(driver_find("ro"), "x", 1), -EINVAL);
    assert_int_equal(dev_read(driver_find("wo"), buf, sizeof(buf)), -EINVAL);
    assert_int_equal(dev_read(driver_find("none"), buf, 1), -EINVAL);
    assert_int_equal(dev_write(driver_find("none"), "x", 1), -EINVAL);
    assert_int_equal(ro.reads + ro.writes + wo.reads + wo.writes, 0);
}

/* ---- Memory --------------------------------------------------------------- */

/* Every allocation made by driver_register is freed by driver_reset. */
static void test_reset_returns_heap_to_baseline(void **state)
{
    struct heap_stats before, after;
    char name[DRIVER_NAME_MAX];

    (void)state;
    before = heap_stats();
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "d%d", i);
        assert_int_equal(driver_register(name, &rw_ops, NULL), 0);
    }
    assert_true(heap_stats().live_allocs > before.live_allocs);
    driver_register("d0", &rw_ops, NULL);       /* refused: frees its record */
    driver_register("bad name", &rw_ops, NULL); /* refused before allocating */
    driver_reset();
    after = heap_stats();
    assert_int_equal(after.live_allocs, before.live_allocs);
    assert_int_equal(after.bytes_in_use, before.bytes_in_use);
    assert_int_equal(after.bad_frees, before.bad_frees);
    assert_int_equal(driver_count(), 0);
}

/* Allocations holding the heap full, so the next kmalloc fails. */
struct hog {
    void *p[4096];
    size_t n;
};

/* Take every byte the heap has, largest blocks first. */
static void hog_fill(struct hog *h)
{
    h->n = 0;
    for (size_t sz = 1u << 20; sz >= 16; sz /= 2) {
        void *p;

        while (h->n < ARRAY_SIZE(h->p) && (p = kmalloc(sz)) != NULL) {
            h->p[h->n++] = p;
        }
    }
}

static void hog_free(struct hog *h)
{
    while (h->n > 0) {
        kfree(h->p[--h->n]);
    }
}

/*
 * Out of memory: -ENOMEM, and nothing changes.  The table is exactly full,
 * so a registration needs a record and then a larger table.  Memory comes
 * back a block at a time, smallest first, and every attempt in between must
 * fail cleanly: first for want of the record, then (on a heap that splits
 * blocks) for want of the table, until one succeeds.
 */
static void test_enomem_changes_nothing(void **state)
{
    static struct hog hog;
    struct chardev *before[DRIVER_TABLE_INITIAL];
    char name[DRIVER_NAME_MAX];
    struct heap_stats held;
    int err;

    (void)state;
    for (int i = 0; i < DRIVER_TABLE_INITIAL; i++) {
        snprintf(name, sizeof(name), "d%d", i);
        assert_int_equal(driver_register(name, &rw_ops, NULL), 0);
        before[i] = driver_at((size_t)i);
    }
    hog_fill(&hog);
    held = heap_stats();
    err = driver_register("extra", &rw_ops, NULL);
    assert_int_equal(err, -ENOMEM);
    while (err == -ENOMEM) {
        assert_int_equal(driver_count(), DRIVER_TABLE_INITIAL);
        assert_null(driver_find("extra"));
        assert_int_equal(heap_stats().live_allocs, held.live_allocs);
        assert_true(hog.n > 0);
        kfree(hog.p[--hog.n]);
        held = heap_stats();
        err = driver_register("extra", &rw_ops, NULL);
    }
    assert_int_equal(err, 0);
    assert_int_equal(driver_count(), DRIVER_TABLE_INITIAL + 1);
    for (int i = 0; i < DRIVER_TABLE_INITIAL; i++) {
        assert_ptr_equal(driver_at((size_t)i), before[i]);
    }
    hog_free(&hog);
}

/* ---- Setup ---------------------------------------------------------------- */

static int give_heap_memory(void **state)
{
    void *arena = aligned_alloc(4096, ARENA_SIZE);

    (void)state;
    if (arena == NULL) {
        return -1;
    }
    return frame_init(
        &(struct mem_range){(uintptr_t)arena, ARENA_SIZE, MEM_USABLE}, 1, NULL,
        0);
}

static int empty_registry(void **state)
{
    (void)state;
    driver_reset();
    return 0;
}

int main(void)
{
    static struct CMUnitTest t[32];
    size_t n = 0;
    static const struct {
        const char *name;
        void (*fn)(void **);
    } plain[] = {
        {"register_and_find", test_register_and_find},
        {"empty_registry", test_empty_registry},
        {"duplicate_is_eexist", test_duplicate_is_eexist},
        {"growth_keeps_records_in_place", test_growth_keeps_records_in_place},
        {"dispatch", test_dispatch},
        {"missing_op_is_einval", test_missing_op_is_einval},
        {"reset_returns_heap_to_baseline", test_reset_returns_heap_to_baseline},
        {"enomem_changes_nothing", test_enomem_changes_nothing},
    };

    for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
        t[n++] = (struct CMUnitTest){.name = plain[i].name,
                                     .test_func = plain[i].fn,
                                     .setup_func = empty_registry};
    }
    for (size_t i = 0; i < ARRAY_SIZE(name_cases); i++) {
        t[n++] = (struct CMUnitTest){.name = name_cases[i].name,
                                     .test_func = test_name,
                                     .setup_func = empty_registry,
                                     .initial_state = (void *)&name_cases[i]};
    }
    return _cmocka_run_group_tests("driver", t, n, give_heap_memory, NULL);
}
