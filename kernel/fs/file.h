/*
 * Open files (docs/fs.md, "Open files"): the object a descriptor refers
 * to, shared by every descriptor that refers to it (dup, fork, inherited
 * stdio), with one offset and one set of status flags, as on Linux.  A
 * descriptor table (kernel/proc/fd.h) holds references; the last
 * file_put frees the object.
 *
 * Locking: f->lock guards offset and the changeable status flags; refs is
 * atomic; everything else is constant once file_open returns.  f->lock is
 * a leaf: nothing is taken inside it.
 */
#ifndef KAIROS_FILE_H
#define KAIROS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spinlock.h"
#include "vfs.h"

/* open(2)'s flags, Linux x86_64's values (the host's <fcntl.h> agrees). */
#ifndef O_RDONLY
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_ACCMODE   03
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_DSYNC     010000
#define O_DIRECT    040000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define O_SYNC      04010000
#define O_PATH      010000000
#endif
#define FILE_O_ASYNC     020000    /* FASYNC */
#define FILE_O_LARGEFILE 0100000   /* the kernel's value (libcs may pass 0) */
#define FILE_O_TMPFILE   020000000 /* __O_TMPFILE, with O_DIRECTORY */
/* Every bit Linux's open knows; any other is -EINVAL here. */
#define FILE_O_KNOWN                                                      \
    (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |       \
     O_NONBLOCK | O_DSYNC | FILE_O_ASYNC | O_DIRECT | FILE_O_LARGEFILE |  \
     O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | \
     FILE_O_TMPFILE)
/* Status flags F_SETFL may change later (issue 11); kept in f->flags. */
#define FILE_O_SETFL (O_APPEND | O_NONBLOCK)

enum file_kind {
    FILE_CHR,  /* a character device: /dev/console, /dev/null, or a driver */
    FILE_REG,  /* a regular file of the initramfs */
    FILE_DIR,  /* a directory: the initramfs's or /dev */
    FILE_PIPE, /* one end of a pipe (pipe.h): O_RDONLY or O_WRONLY */
    FILE_TMP,  /* a regular file of the tmpfs at /tmp (writable) */
};

struct chardev;
struct file;
struct pipe;

/* What a kind implemented above this layer (pipes: kernel/sys/sys_pipe.c)
 * does when its file goes. */
struct file_ops {
    /* The last reference was dropped: f is freed when this returns. */
    void (*release)(struct file *f);
};

struct file {
    /* lock must be held when using these: */
    struct spinlock lock;
    uint64_t offset; /* FILE_REG, FILE_TMP: bytes; FILE_DIR: readdir index */
    int flags;       /* O_ACCMODE, O_APPEND, O_NONBLOCK (never O_CLOEXEC) */

    unsigned refs; /* atomic: descriptors and kernel users holding it */

    /* Constant once opened: */
    enum file_kind kind;
    struct vnode node;          /* what stat reports */
    struct chardev *in, *out;   /* FILE_CHR: what read / write use (NULL:
                                 none; /dev/null has neither) */
    struct pipe *pipe;          /* FILE_PIPE: the pipe it is an end of */
    const struct file_ops *ops; /* NULL, or the kind's release */
    bool fixed;                 /* not from the heap (stdio): never freed */
};

struct file_stats {
    size_t open;   /* file objects alive, from the heap */
    size_t opened; /* ever opened */
};

/*
 * Open vnode v with flags (O_ACCMODE and status flags; the path-level ones
 * are open's, already applied): a new file with one reference in *out (a
 * tmpfs node's open reference too: it lives while the file does).
 * -EISDIR (a directory for writing), -EROFS (an initramfs file for writing
 * or truncating), -ELOOP (a symlink), -ENXIO (a device without its
 * driver), -ENOENT (a tmpfs node removed meanwhile), -ENOMEM.
 */
int file_open(const struct vnode *v, int flags, struct file **out);
/*
 * Make f (static storage, e.g. stdio) a file over the devices in and out
 * with node dn (NULL: none), holding one reference that is never dropped,
 * so it is never freed.
 */
void file_init_fixed(struct file *f, struct chardev *in, struct chardev *out,
                     const struct devnode *dn, int flags);
/*
 * A heap file over the given devices (tests and drivers: a device with no
 * node in /dev), access mode from flags.  NULL when out of memory.
 */
struct file *file_open_chardev(struct chardev *in, struct chardev *out,
                               int flags);
/*
 * A heap file on one end of pipe p (flags: O_RDONLY for the read end or
 * O_WRONLY, and O_NONBLOCK), whose last reference calls ops->release.
 * NULL when out of memory.
 */
struct file *file_open_pipe(struct pipe *p, int flags,
                            const struct file_ops *ops);
/* Take a reference: f, for chaining. */
struct file *file_get(struct file *f);
/* Drop a reference; the last one frees a heap file.  NULL does nothing. */
void file_put(struct file *f);
/* True when f was opened for reading / for writing. */
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);
/* True for a terminal: the console's node (TCGETS, TIOCGWINSZ). */
bool file_is_tty(const struct file *f);
/* True for /dev/null: reads end at once, writes vanish. */
bool file_is_null(const struct file *f);
/*
 * Claim the next up to len bytes of regular file f (size bytes long) at
 * its offset: the offset they start at in *off and their count, the offset
 * moved past them (so two descriptors sharing f never read the same
 * bytes).  file_unclaim gives back what a failed copy did not use.
 */
size_t file_claim(struct file *f, uint64_t size, size_t len, uint64_t *off);
void file_unclaim(struct file *f, uint64_t off, size_t claimed, size_t used);
/*
 * lseek on f: whence SEEK_SET 0, SEEK_CUR 1, SEEK_END 2, SEEK_DATA 3,
 * SEEK_HOLE 4.  The new offset, or -EINVAL (bad whence, a negative or
 * overflowing result), -ENXIO (DATA/HOLE past the end), -ESPIPE (a
 * terminal).  Directories: SEEK_SET and SEEK_CUR to an index; /dev/null 0.
 */
long file_lseek(struct file *f, int64_t off, unsigned whence);
/* The offset, and set it (getdents64's cursor). */
uint64_t file_offset(struct file *f);
void file_set_offset(struct file *f, uint64_t off);
/* The status flags (O_ACCMODE, O_APPEND, O_NONBLOCK); change the
 * FILE_O_SETFL ones to those in flags. */
int file_flags(struct file *f);
void file_set_flags(struct file *f, int flags);
/* Counters (tests: every file freed). */
struct file_stats file_stats(void);

#endif
