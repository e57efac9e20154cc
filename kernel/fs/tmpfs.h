/*
 * tmpfs (docs/fs.md, "tmpfs"): a writable in-memory tree of directories
 * and regular files, mounted at /tmp.  Callers name nodes by inode number,
 * never by pointer: numbers are never reused, so a stale one (a removed
 * working directory) answers -ENOENT instead of touching freed memory.
 *
 * Locking: fs->lock (a spinlock, a leaf) guards the whole tree, every
 * node's fields and the data pages.  Each call takes it and drops it
 * before returning; no call sleeps or touches caller memory under it
 * (buffers passed in are kernel memory: the system calls bounce).
 *
 * Lifetime: a node lives while it has a name (nlink > 0) or an open
 * reference (tmpfs_open); the last of both frees it and its pages.
 */
#ifndef KAIROS_TMPFS_H
#define KAIROS_TMPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "param.h"
#include "rbtree.h"
#include "spinlock.h"

#define TMPFS_ROOT_INO    1
#define TMPFS_DIRENT_SIZE 20 /* a directory's st_size per entry (Linux's) */
#define TMPFS_NOREPLACE   1  /* tmpfs_rename: -EEXIST if new exists */

struct tmpfs_node;

struct tmpfs {
    /* lock must be held when using these: */
    struct spinlock lock;
    struct rb_tree inodes;   /* every live node, by ino */
    struct rb_tree names;    /* every named node, by (parent ino, name) */
    struct rb_tree entries;  /* the same, by (parent ino, readdir cookie) */
    struct tmpfs_node *root; /* the mount's root directory */
    uint64_t next_ino;       /* the next inode number (never reused) */
    size_t used;             /* bytes of data pages held */
    size_t nodes;            /* live nodes, the root included */

    size_t limit; /* constant after tmpfs_init: most bytes of data */
};

struct tmpfs_stat {
    uint64_t ino;
    uint32_t mode; /* FS_IFDIR or FS_IFREG and permission bits */
    uint32_t nlink;
    uint64_t size;   /* bytes; a directory: TMPFS_DIRENT_SIZE per entry */
    uint64_t blocks; /* 512-byte units of the pages held */
};

struct tmpfs_dirent {
    char name[FS_NAME_MAX + 1]; /* a copy: the entry may go meanwhile */
    size_t namelen;
    uint64_t ino;
    uint32_t mode;
    uint64_t next; /* the index to ask for the entry after this one */
};

/* An empty tmpfs whose data may take limit bytes: 0, or -ENOMEM. */
int tmpfs_init(struct tmpfs *fs, size_t limit);
/* Free every node and page (no file may be open on it). */
void tmpfs_release(struct tmpfs *fs);
/* Bytes of data pages held, and nodes alive (the root counts). */
size_t tmpfs_used(struct tmpfs *fs);
size_t tmpfs_nodes(struct tmpfs *fs);
/*
 * Name (len bytes, no '/') in directory dir: 0 with *ino.  ".." of the
 * root is the root (the vfs leaves the mount first).  -ENOENT (missing,
 * or dir removed), -ENOTDIR, -ENAMETOOLONG.
 */
int tmpfs_lookup(struct tmpfs *fs, uint64_t dir, const char *name, size_t len,
                 uint64_t *ino);
/*
 * A new node name in dir, mode's type FS_IFREG or FS_IFDIR: 0 with *ino.
 * -EEXIST, -ENOENT (dir removed), -ENOTDIR, -ENAMETOOLONG, -EINVAL (another
 * type), -ENOMEM.
 */
int tmpfs_create(struct tmpfs *fs, uint64_t dir, const char *name, size_t len,
                 uint32_t mode, uint64_t *ino);
/*
 * Remove name from dir; isdir: rmdir (-ENOTDIR for a file, -ENOTEMPTY),
 * else unlink (-EISDIR for a directory).  -ENOENT, -ENOTDIR for dir.
 * An open node lives on, nameless, until tmpfs_close.
 */
int tmpfs_unlink(struct tmpfs *fs, uint64_t dir, const char *name, size_t len,
                 bool isdir);
/*
 * rename(2) within fs: oname in odir becomes nname in ndir, replacing
 * what was there (flags TMPFS_NOREPLACE: -EEXIST).  -ENOENT, -ENOTDIR (a
 * directory over a file), -EISDIR (a file over a directory), -ENOTEMPTY,
 * -EINVAL (a directory into itself).  The same node twice: 0, nothing done.
 */
int tmpfs_rename(struct tmpfs *fs, uint64_t odir, const char *oname,
                 size_t olen, uint64_t ndir, const char *nname, size_t nlen,
                 unsigned flags);
/* Take / drop an open reference on ino: tmpfs_open -ENOENT when gone. */
int tmpfs_open(struct tmpfs *fs, uint64_t ino);
void tmpfs_close(struct tmpfs *fs, uint64_t ino);
/* What stat reports: 0, or -ENOENT. */
int tmpfs_stat(struct tmpfs *fs, uint64_t ino, struct tmpfs_stat *st);
/* Set the permission bits (mode & 07777): 0 or -ENOENT. */
int tmpfs_chmod(struct tmpfs *fs, uint64_t ino, uint32_t mode);
/* Up to len bytes at off into buf: the count (0 at or past the end), or
 * -ENOENT, -EISDIR. */
long tmpfs_read(struct tmpfs *fs, uint64_t ino, uint64_t off, void *buf,
                size_t len);
/*
 * len bytes from buf at *off (append: at the end; *off is set to it),
 * growing the file (a gap reads as zeros): the count, *off past it.
 * -ENOSPC past the limit (a short count if some fit), -EFBIG, -ENOENT,
 * -EISDIR, -ENOMEM.
 */
long tmpfs_write(struct tmpfs *fs, uint64_t ino, uint64_t *off, const void *buf,
                 size_t len, bool append);
/* Set the size (shrinking frees pages): 0, -EISDIR, -EFBIG, -ENOENT. */
int tmpfs_truncate(struct tmpfs *fs, uint64_t ino, uint64_t size);
/*
 * The path of directory dir into buf (size bytes with the NUL), prefix
 * (the mount point, e.g. "/tmp") first: its length, -ERANGE when it does
 * not fit, -ENOENT for a removed directory, -ENOTDIR.
 */
long tmpfs_path(struct tmpfs *fs, uint64_t dir, const char *prefix, char *buf,
                size_t size);
/*
 * Entry index of directory dir: 0 ".", 1 "..", then its entries in the
 * order made.  1 with *out (out->next: the index after it), 0 past the
 * last, -ENOTDIR, -ENOENT.  Entries made or removed meanwhile never make
 * another entry be skipped or repeated.
 */
int tmpfs_readdir(struct tmpfs *fs, uint64_t dir, uint64_t index,
                  struct tmpfs_dirent *out);

#endif
