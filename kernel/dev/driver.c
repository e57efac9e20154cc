/*
 * The driver registry (see driver.h and docs/drivers.md).
 *
 * Each record is kmalloc'ed on its own and never moves, so a descriptor may
 * hold a struct chardev * without a lock; only the table of pointers to the
 * records is reallocated as it grows.
 *
 * Locking: driver_lock guards the table (devs, ndevs, cap).  It nests
 * outside heap_lock (the table grows with driver_lock held) and inside
 * nothing: take no other lock while holding it.  A record's fields are
 * written before it is published under the lock and never change after, so
 * dev_read and dev_write run without it, and so may the ops they call.
 */
#include <stdbool.h>

#include "driver.h"

#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "spinlock.h"

static struct spinlock driver_lock = SPINLOCK_INIT("driver");

/* driver_lock guards these: */
static struct chardev **devs; /* records in registration order */
static size_t ndevs;          /* records in use */
static size_t cap;            /* slots in devs */

/* A name is 1..DRIVER_NAME_MAX-1 printable bytes without spaces. */
static bool valid_name(const char *name)
{
    size_t len;

    if (name == NULL) {
        return false;
    }
    len = strnlen(name, DRIVER_NAME_MAX);
    if (len == 0 || len == DRIVER_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (name[i] <= ' ' || name[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

/* Caller holds driver_lock. */
static struct chardev *find_locked(const char *name)
{
    KASSERT(holding(&driver_lock));
    for (size_t i = 0; i < ndevs; i++) {
        if (strcmp(devs[i]->name, name) == 0) {
            return devs[i];
        }
    }
    return NULL;
}

/*
 * Make room for one more record, doubling the table.  Caller holds
 * driver_lock.  0, or -ENOMEM with the table unchanged (krealloc leaves the
 * old block alone when it fails).
 */
static int grow_locked(void)
{
    size_t ncap = cap == 0 ? DRIVER_TABLE_INITIAL : cap * 2;
    struct chardev **n;

    KASSERT(holding(&driver_lock));
    if (ndevs < cap) {
        return 0;
    }
    n = krealloc(devs, ncap * sizeof(*n));
    if (n == NULL) {
        return -ENOMEM;
    }
    devs = n;
    cap = ncap;
    return 0;
}

/* The record is allocated before taking the lock, to keep the lock short. */
int driver_register(const char *name, const struct chardev_ops *ops, void *priv)
{
    struct chardev *d;
    int err;

    if (!valid_name(name) || ops == NULL) {
        return -EINVAL;
    }
    d = kmalloc(sizeof(*d));
    if (d == NULL) {
        return -ENOMEM;
    }
    kstrlcpy(d->name, name, sizeof(d->name));
    d->ops = ops;
    d->priv = priv;
    spin_lock(&driver_lock);
    err = find_locked(name) != NULL ? -EEXIST : grow_locked();
    if (err == 0) {
        devs[ndevs++] = d;
    }
    spin_unlock(&driver_lock);
    if (err != 0) {
        kfree(d);
    }
    return err;
}

struct chardev *driver_find(const char *name)
{
    struct chardev *d;

    spin_lock(&driver_lock);
    d = find_locked(name);
    spin_unlock(&driver_lock);
    return d;
}

size_t driver_count(void)
{
    size_t n;

    spin_lock(&driver_lock);
    n = ndevs;
    spin_unlock(&driver_lock);
    return n;
}

struct chardev *driver_at(size_t i)
{
    struct chardev *d;

    spin_lock(&driver_lock);
    d = i < ndevs ? devs[i] : NULL;
    spin_unlock(&driver_lock);
    return d;
}

long dev_read(struct chardev *dev, void *buf, size_t len)
{
    if (dev->ops->read == NULL) {
        return -EINVAL;
    }
    return dev->ops->read(dev, buf, len);
}

bool dev_ready(struct chardev *dev)
{
    return dev->ops->ready == NULL || dev->ops->ready(dev);
}

long dev_write(struct chardev *dev, const void *buf, size_t len)
{
    if (dev->ops->write == NULL) {
        return -EINVAL;
    }
    return dev->ops->write(dev, buf, len);
}

/* Records are freed too: no descriptor may still point at one. */
void driver_reset(void)
{
    spin_lock(&driver_lock);
    for (size_t i = 0; i < ndevs; i++) {
        kfree(devs[i]);
    }
    kfree(devs);
    devs = NULL;
    ndevs = 0;
    cap = 0;
    spin_unlock(&driver_lock);
}
