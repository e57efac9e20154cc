/*
 * The root filesystem: the initramfs, a ramfs unpacked once at boot from
 * the first boot module (docs/fs.md).  Read-only and never changed after
 * boot, so any context may use it without a lock.
 */
#ifndef KAIROS_INITRAMFS_H
#define KAIROS_INITRAMFS_H

#include "boot.h"
#include "ramfs.h"

/*
 * Boot only, before any process: unpack module m (NULL: none) as "/" and
 * log "initramfs: N files, M KiB ...".  Without a module, or with a corrupt
 * one (logged with the reason and offset), "/" is an empty directory.
 * 0, or the unpack's error (-EINVAL, -ENOMEM) after falling back.
 */
int initramfs_init(const struct boot_module *m);
/* The root filesystem; empty (every lookup -ENOENT) before initramfs_init. */
const struct ramfs *initramfs(void);

#endif
