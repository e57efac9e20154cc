/*
 * The namespace system calls see (docs/fs.md, "The namespace"): the
 * initramfs at "/" with a small device directory overlaid at "/dev"
 * (console and null) and a tmpfs at "/tmp".  The first two are immutable
 * after boot, so their vnodes are plain values valid forever; a tmpfs
 * vnode is an inode number, never reused, so a stale one answers -ENOENT
 * (tmpfs.h).  No lock here, no reference counts.
 */
#ifndef KAIROS_VFS_H
#define KAIROS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ramfs.h"
#include "tmpfs.h"

/* Linux's makedev for the small numbers it uses here (new_encode_dev). */
#define VFS_MKDEV(ma, mi) ((uint64_t)(((ma) << 8) | (mi)))
#define VFS_DEV_ROOT      VFS_MKDEV(0, 1) /* st_dev of the initramfs */
#define VFS_DEV_DEVDIR    VFS_MKDEV(0, 5) /* st_dev of /dev (Linux: devtmpfs) */
#define VFS_DEV_PIPE      VFS_MKDEV(0, 12) /* st_dev of pipes (Linux: pipefs) */
#define VFS_DEV_TMP       VFS_MKDEV(0, 30) /* st_dev of /tmp (tmpfs) */

#define VFS_NOFOLLOW 1 /* lookup: a final symlink is the result */

/* d_type values of struct linux_dirent64 (Linux's DT_*: mode >> 12). */
#define VFS_DT_CHR 2
#define VFS_DT_DIR 4
#define VFS_DT_REG 8
#define VFS_DT_LNK 10

enum vnode_kind {
    VNODE_NONE,   /* nothing: a device file opened without a node */
    VNODE_RAMFS,  /* a node of the initramfs */
    VNODE_DEVDIR, /* /dev itself */
    VNODE_DEV,    /* a device node in /dev */
    VNODE_PIPE,   /* a pipe (no name): FS_IFIFO, st_ino its ino */
    VNODE_TMPFS,  /* a node of the tmpfs at /tmp: ino its number */
};

/* A character device node in /dev: what stat says and what it reaches. */
struct devnode {
    const char *name;      /* under /dev */
    uint32_t ino;          /* in /dev's own numbering (st_dev 0:5) */
    uint32_t mode;         /* FS_IFCHR and permissions */
    uint32_t major, minor; /* st_rdev: Linux's numbers */
    const char *in, *out;  /* drivers read and write use; NULL: none */
    bool tty;              /* answers TCGETS and TIOCGWINSZ */
};

/* What a path names.  Only the field of its kind is used. */
struct vnode {
    enum vnode_kind kind;
    const struct ramfs_node *rn; /* VNODE_RAMFS */
    const struct devnode *dn;    /* VNODE_DEV (may be NULL for VNODE_NONE) */
    uint64_t ino; /* VNODE_PIPE: the pipe's number; VNODE_TMPFS: inode */
};

/* Linux x86_64's struct stat, 144 bytes (asm/stat.h). */
struct kstat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks; /* 512-byte units, whole pages (as tmpfs) */
    int64_t st_atime_sec, st_atime_nsec;
    int64_t st_mtime_sec, st_mtime_nsec;
    int64_t st_ctime_sec, st_ctime_nsec;
    int64_t unused[3];
};

/* One entry from vfs_readdir. */
struct vfs_dirent {
    const char *name; /* NUL-terminated: forever, or (tmpfs) into buf */
    size_t namelen;
    uint64_t ino;
    unsigned type;             /* VFS_DT_* */
    uint64_t next;             /* the index of the entry after it */
    char buf[FS_NAME_MAX + 1]; /* a tmpfs name's copy */
};

/* Make the tmpfs at /tmp, its data at most limit bytes: 0 or -ENOMEM. */
int vfs_tmpfs_init(size_t limit);
/* The tmpfs at /tmp. */
struct tmpfs *vfs_tmpfs(void);
/* True for a node of the tmpfs. */
bool vfs_is_tmpfs(const struct vnode *v);
/* The device node called console: stdin, stdout and stderr's node. */
const struct devnode *vfs_console(void);
/*
 * Use fs as "/" (tests; NULL: the booted initramfs again).  Only while no
 * file is open on the old root.
 */
void vfs_set_root(const struct ramfs *fs);
/* The root directory. */
struct vnode vfs_root(void);
/*
 * Resolve path from start (NULL or an absolute path: the root), one
 * component at a time; "dev" in the root directory is the device
 * directory, "tmp" the tmpfs's root (whose ".." is the root).  Links are followed inside the initramfs (never into /dev); a
 * final one only without VFS_NOFOLLOW.  0 with *out, or ramfs_lookup's
 * errors (-ENOENT for an empty path; -ENOTDIR, -ENAMETOOLONG, -ELOOP).
 */
int vfs_lookup(const struct vnode *start, const char *path, int flags,
               struct vnode *out);
/*
 * The parent directory a missing final component would be created in:
 * 0 when every component before the last resolves to a directory, else
 * vfs_lookup's error.  (For O_CREAT: the parent exists, so -EROFS.)
 */
int vfs_lookup_parent(const struct vnode *start, const char *path);
/*
 * Create the regular file path names (its last component missing, the
 * rest resolving to a directory) with mode: 0 with *out.  -EROFS when the
 * directory is not the tmpfs's, -EISDIR for a trailing slash, tmpfs_create's
 * errors (-EEXIST when made meanwhile), vfs_lookup's.
 */
int vfs_create(const struct vnode *start, const char *path, uint32_t mode,
               struct vnode *out);
/*
 * The absolute path of directory dir into buf (size bytes with the NUL):
 * its length, -ERANGE when it does not fit, -ENOTDIR for a non-directory.
 * VNODE_NONE is taken as the root (a working directory never set).
 */
long vfs_path(const struct vnode *dir, char *buf, size_t size);
/* A symlink's target into buf (len bytes at most, no NUL): the bytes
 * copied, or -EINVAL when v is not a link (readlink(2)). */
long vfs_readlink(const struct vnode *v, char *buf, size_t len);
/* True for a directory (of either filesystem). */
bool vfs_is_dir(const struct vnode *v);
/* The file type of v: FS_IFREG, FS_IFDIR, FS_IFLNK or FS_IFCHR. */
uint32_t vfs_type(const struct vnode *v);
/* Fill *st as Linux's stat would (st_blksize 4096, times from mtime). */
void vfs_stat(const struct vnode *v, struct kstat *st);
/*
 * Entry index of directory dir: 0 ".", 1 "..", then its entries.  1 with
 * *out (out->next: the index to ask next), 0 past the last, -ENOTDIR.
 * index is a stable cursor (O(1), on tmpfs linear in the directory).
 */
int vfs_readdir(const struct vnode *dir, uint64_t index,
                struct vfs_dirent *out);

#endif
