/*
 * The driver registry: character devices registered by name at run time.
 *
 * A device is a table of operations (xv6's devsw, Plan 9's Dev) plus a
 * private pointer.  Device records never move once registered, so
 * descriptors may keep pointers to them.  The table of records grows on the
 * heap; driver_lock guards it.
 */
#ifndef KAIROS_DRIVER_H
#define KAIROS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "param.h"

struct chardev;

struct chardev_ops {
    /* Read up to len bytes; bytes read (0 when nothing is waiting) or -errno. */
    long (*read)(struct chardev *dev, void *buf, size_t len);
    /* Write len bytes; bytes written or -errno. */
    long (*write)(struct chardev *dev, const void *buf, size_t len);
    /* True when read would return at once (bytes queued); under input_lock,
     * like read.  NULL: a device whose read never waits (always ready). */
    bool (*ready)(struct chardev *dev);
};

struct chardev {
    char name[DRIVER_NAME_MAX];    /* unique, e.g. "serial0" */
    const struct chardev_ops *ops; /* either operation may be NULL */
    void *priv;                    /* the driver's own state */
};

/*
 * Register a device.  0, or -EINVAL (bad name or ops), -EEXIST (name
 * taken), -ENOMEM (the table could not grow; nothing changes).
 */
int driver_register(const char *name, const struct chardev_ops *ops,
                    void *priv);
/* The device called name, or NULL. */
struct chardev *driver_find(const char *name);
/* Number of devices, and the i-th in registration order (NULL past the end). */
size_t driver_count(void);
struct chardev *driver_at(size_t i);
/* Read or write through a device: the op's result, or -EINVAL if it has none. */
long dev_read(struct chardev *dev, void *buf, size_t len);
long dev_write(struct chardev *dev, const void *buf, size_t len);
/* Would a read of dev return at once?  The ready op's answer; true for a
 * device without one.  Caller holds input_lock for an input device. */
bool dev_ready(struct chardev *dev);
/* Forget every device and free the table (host tests only). */
void driver_reset(void);

#endif
