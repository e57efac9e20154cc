/*
 * The console on the host: output reaches every sink and the kernel log,
 * long writes reach the sinks in chunks of KLOG_CHUNK, the log keeps the
 * newest bytes, the sink table has a limit, kprintf formats, the
 * "keyboard" facade reads from its inputs in order without letting a
 * failing one hide the others, and an input ring's overflow is logged once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "klog.h"
#include "console.h"
#include "driver.h"
#include "frame.h"
#include "input.h"
#include "kerrno.h"
#include "param.h"

static char captured[4096];
static size_t ncaptured;

static void capture(const char *buf, size_t len)
{
    for (size_t i = 0; i < len && ncaptured < sizeof(captured) - 1; i++) {
        captured[ncaptured++] = buf[i];
    }
    captured[ncaptured] = '\0';
}

static size_t second_sink_bytes;

static void count_sink(const char *buf, size_t len)
{
    (void)buf;
    second_sink_bytes += len;
}

static void test_output_reaches_sinks_and_log(void **state)
{
    char tail[64];

    (void)state;
    ncaptured = 0;
    second_sink_bytes = 0;
    assert_int_equal(klog_add_sink(capture), 0);
    assert_int_equal(klog_add_sink(count_sink), 0);
    assert_int_equal(kprintf("hello %d %s\n", 42, "world"), 15);
    assert_string_equal(captured, "hello 42 world\n");
    assert_int_equal(second_sink_bytes, 15);
    klog_tail(tail, sizeof(tail));
    assert_non_null(strstr(tail, "hello 42 world\n"));
}

/* What chunk_sink saw: calls, the largest, interrupts on in any, bytes. */
static struct {
    size_t calls, largest, bytes;
    bool irq_on;
    char data[1024];
} chunks;

static void chunk_sink(const char *buf, size_t len)
{
    chunks.calls++;
    chunks.largest = len > chunks.largest ? len : chunks.largest;
    chunks.irq_on |= arch_irq_enabled();
    for (size_t i = 0; i < len && chunks.bytes < sizeof(chunks.data); i++) {
        chunks.data[chunks.bytes++] = buf[i];
    }
}

/* A long console write reaches the sinks whole, KLOG_CHUNK bytes at a time
 * with interrupts off, and leaves interrupts as the caller had them. */
static void test_long_write_goes_in_chunks(void **state)
{
    static char out[1000];
    struct chardev *con;

    (void)state;
    for (size_t i = 0; i < sizeof(out); i++) {
        out[i] = (char)('a' + i % 26);
    }
    assert_int_equal(klog_add_sink(chunk_sink), 0);
    assert_int_equal(console_devices_init(NULL, 0), 0);
    con = driver_find("console");
    assert_non_null(con);
    arch_irq_enable();
    assert_int_equal(dev_write(con, out, sizeof(out)), sizeof(out));
    assert_true(arch_irq_enabled());
    assert_int_equal(chunks.calls, (sizeof(out) + KLOG_CHUNK - 1) / KLOG_CHUNK);
    assert_int_equal(chunks.largest, KLOG_CHUNK);
    assert_false(chunks.irq_on);
    assert_int_equal(chunks.bytes, sizeof(out));
    assert_memory_equal(chunks.data, out, sizeof(out));
    driver_reset();
}

static void test_sink_table_is_bounded(void **state)
{
    int err = 0;

    (void)state;
    for (int i = 0; i < CONSOLE_MAX_SINKS && err == 0; i++) {
        err = klog_add_sink(count_sink);
    }
    assert_int_equal(err, -ENOSPC);
}

static void test_log_keeps_newest_bytes(void **state)
{
    static char tail[KLOG_SIZE + 16];
    size_t n;

    (void)state;
    for (int i = 0; i < 2 * KLOG_SIZE / 10; i++) {
        kprintf("line %04d\n", i % 10000);
    }
    kprintf("the end\n");
    n = klog_tail(tail, sizeof(tail));
    assert_int_equal(n, KLOG_SIZE);
    assert_int_equal(strlen(tail), KLOG_SIZE);
    assert_string_equal(tail + n - 8, "the end\n");
    n = klog_tail(tail, 9);
    assert_int_equal(n, 8);
    assert_string_equal(tail, "the end\n");
    assert_int_equal(klog_tail(tail, 0), 0);
}

/* A fake input device: returns its script, one result per read. */
struct script {
    long result;
    char byte;
};

static long script_read(struct chardev *dev, void *buf, size_t len)
{
    struct script *s = dev->priv;

    if (s->result > 0 && len > 0) {
        *(char *)buf = s->byte;
        return 1;
    }
    return s->result;
}

static const struct chardev_ops script_ops = {.read = script_read};

static void test_keyboard_facade(void **state)
{
    static const char *const inputs[] = {"in0", "missing", "in1"};
    struct script in0 = {0, 0}, in1 = {1, 'k'};
    struct chardev *kbd, *con;
    char c = 0;

    (void)state;
    assert_int_equal(driver_register("in0", &script_ops, &in0), 0);
    assert_int_equal(driver_register("in1", &script_ops, &in1), 0);
    assert_int_equal(console_devices_init(inputs, 3), 0);
    kbd = driver_find("keyboard");
    con = driver_find("console");
    assert_non_null(kbd);
    assert_non_null(con);
    assert_int_equal(dev_read(kbd, &c, 1), 1); /* in0 empty: in1 answers */
    assert_int_equal(c, 'k');
    in0.result = -EIO;
    assert_int_equal(dev_read(kbd, &c, 1), 1); /* a failing in0 hides nothing */
    in1.result = 0;
    assert_int_equal(dev_read(kbd, &c, 1), -EIO); /* only an error left */
    in0.result = 0;
    assert_int_equal(dev_read(kbd, &c, 1), 0);
    assert_int_equal(dev_write(con, "xyz", 3), 3);
    assert_int_equal(dev_write(kbd, "xyz", 3), -EINVAL);
    driver_reset();
}

/*
 * A device reading its receive ring through input_ring_read says once in
 * the log how many bytes an overflow episode dropped, naming the device.
 */
static void test_input_overflow_logged_once(void **state)
{
    static struct chardev dev = {.name = "rx-test"};
    static const char msg[] = "input: 3 bytes dropped on rx-test\n";
    uint8_t store[8], out[8];
    struct ringbuf rb;
    char tail[256];

    (void)state;
    ringbuf_init(&rb, store, sizeof(store));
    for (int i = 0; i < 11; i++) {
        ringbuf_put(&rb, (uint8_t)i);
    }
    assert_int_equal(input_ring_read(&rb, &dev, out, 5), 5);
    klog_tail(tail, sizeof(tail));
    assert_null(strstr(tail, msg));
    assert_int_equal(input_ring_read(&rb, &dev, out, sizeof(out)), 3);
    assert_int_equal(input_ring_read(&rb, &dev, out, sizeof(out)), 0);
    klog_tail(tail, sizeof(tail));
    assert_non_null(strstr(tail, msg));
    assert_null(strstr(strstr(tail, msg) + 1, msg)); /* once */
}

int main(void)
{
    static uint8_t arena[4 << 20] __attribute__((aligned(4096)));
    struct mem_range r = {(uintptr_t)arena, sizeof(arena), MEM_USABLE};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_reaches_sinks_and_log),
        cmocka_unit_test(test_long_write_goes_in_chunks),
        cmocka_unit_test(test_sink_table_is_bounded),
        cmocka_unit_test(test_log_keeps_newest_bytes),
        cmocka_unit_test(test_keyboard_facade),
        cmocka_unit_test(test_input_overflow_logged_once),
    };

    if (frame_init(&r, 1, NULL, 0) != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
