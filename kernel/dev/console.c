/*
 * The "console" and "keyboard" facade devices (console.h).
 *
 * No lock of their own: inputs is written once at boot, before interrupts
 * are enabled; output goes through the kernel log's lock (klog.c).
 */
#include "console.h"

#include "driver.h"
#include "klog.h"

/* ---- The facade devices ------------------------------------------------ */

#define MAX_INPUTS 4

/* Written once by console_devices_init, before interrupts are enabled. */
static struct chardev *inputs[MAX_INPUTS]; /* what "keyboard" reads from */
static size_t ninputs;

static long console_dev_write(struct chardev *dev, const void *buf, size_t len)
{
    (void)dev;
    klog_write(buf, len);
    return (long)len;
}

/*
 * Read from the first input device that has data; never blocks.  A device
 * that fails does not hide the others: its error is returned only when no
 * other device has data.
 */
static long keyboard_dev_read(struct chardev *dev, void *buf, size_t len)
{
    long err = 0;

    (void)dev;
    for (size_t i = 0; i < ninputs; i++) {
        long n = dev_read(inputs[i], buf, len);

        if (n > 0) {
            return n;
        }
        if (n < 0) {
            err = n;
        }
    }
    return err;
}

/* Ready when any input is. */
static bool keyboard_dev_ready(struct chardev *dev)
{
    (void)dev;
    for (size_t i = 0; i < ninputs; i++) {
        if (dev_ready(inputs[i])) {
            return true;
        }
    }
    return false;
}

static const struct chardev_ops console_ops = {.write = console_dev_write};
static const struct chardev_ops keyboard_ops = {
    .read = keyboard_dev_read,
    .ready = keyboard_dev_ready,
};

int console_devices_init(const char *const *names, size_t nnames)
{
    int err;

    ninputs = 0;
    for (size_t i = 0; i < nnames && ninputs < MAX_INPUTS; i++) {
        struct chardev *d = driver_find(names[i]);

        if (d != NULL) {
            inputs[ninputs++] = d;
        }
    }
    err = driver_register("console", &console_ops, NULL);
    if (err == 0) {
        err = driver_register("keyboard", &keyboard_ops, NULL);
    }
    return err;
}
