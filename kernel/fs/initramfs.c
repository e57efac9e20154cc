/*
 * The booted root filesystem (initramfs.h).
 */
#include "initramfs.h"
#include "kerrno.h"
#include "klog.h"

static struct ramfs root_fs; /* written once in initramfs_init, then frozen */

static void log_tree(const struct boot_module *m)
{
    const struct ramfs_stats *s = &root_fs.stats;

    kprintf("initramfs: %lu files, %lu KiB (%lu directories, %lu symlinks, "
            "%lu KiB of heap)\n",
            (unsigned long)s->files, (unsigned long)(m->size + 1023) / 1024,
            (unsigned long)s->dirs, (unsigned long)s->symlinks,
            (unsigned long)(s->heap_bytes + 1023) / 1024);
}

int initramfs_init(const struct boot_module *m)
{
    int err;

    if (m == NULL) {
        kprintf("initramfs: no boot module, empty root\n");
        return ramfs_init_empty(&root_fs);
    }
    err = ramfs_unpack(&root_fs, m->data, m->size);
    if (err == 0) {
        log_tree(m);
        return 0;
    }
    kprintf("initramfs: bad archive (%s at offset %lu: %s), empty root\n",
            errno_name(err), (unsigned long)root_fs.error_offset,
            root_fs.error);
    if (ramfs_init_empty(&root_fs) != 0) {
        kprintf("initramfs: no memory even for an empty root\n");
    }
    return err;
}

const struct ramfs *initramfs(void)
{
    return &root_fs;
}
