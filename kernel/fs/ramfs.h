/*
 * ramfs: a read-only in-memory filesystem unpacked from a cpio newc archive.
 *
 * The tree (directories, regular files, symbolic links) is built once by
 * ramfs_unpack and never changes afterwards, so every reader may use it
 * without a lock from any context; ramfs_release is for a tree nothing else
 * can still see (host tests, a failed unpack).  File data and link targets
 * are not copied: nodes point into the archive, which must stay mapped and
 * unchanged while the tree lives (a boot module's frames are reserved).
 *
 * Costs (n = nodes): unpack O(archive bytes + n) expected; a lookup costs
 * O(1) expected per path component (a hash of the parent's inode and the
 * name, load factor <= 1); readdir O(1) per entry by index; read O(bytes).
 * Memory: one heap block per node (its name inline), one children array
 * per directory and the hash table, all counted in ramfs_stats.heap_bytes.
 * docs/fs.md.
 */
#ifndef KAIROS_RAMFS_H
#define KAIROS_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* File types in a mode, with Linux's values (st_mode's S_IF*). */
#define FS_IFMT     0170000
#define FS_IFSOCK   0140000
#define FS_IFLNK    0120000
#define FS_IFREG    0100000
#define FS_IFBLK    0060000
#define FS_IFDIR    0040000
#define FS_IFCHR    0020000
#define FS_IFIFO    0010000
#define FS_ISDIR(m) (((m)&FS_IFMT) == FS_IFDIR)
#define FS_ISREG(m) (((m)&FS_IFMT) == FS_IFREG)
#define FS_ISLNK(m) (((m)&FS_IFMT) == FS_IFLNK)
#define FS_ISCHR(m) (((m)&FS_IFMT) == FS_IFCHR)

#define RAMFS_NOFOLLOW 1 /* lookup flag: a final symlink is the result */

#define RAMFS_ROOT_INO \
    1 /* the root's inode; others count up in archive order */

struct ramfs_node; /* opaque: ramfs_stat and the functions below read it */

struct ramfs_stats {
    size_t files, dirs, symlinks; /* nodes of each type, the root included */
    size_t skipped;    /* device, FIFO and socket entries, not created */
    size_t file_bytes; /* sum of regular file sizes (in the archive) */
    size_t heap_bytes; /* heap the tree holds: ksize of every block */
};

/* One filesystem.  Zero-initialised it is empty (lookups give -ENOENT). */
struct ramfs {
    struct ramfs_node *root;
    struct ramfs_node **hash; /* buckets of (parent, name), power of two */
    size_t nbuckets;
    size_t nnodes;
    uint32_t next_ino;
    struct ramfs_stats stats;
    const char *error;   /* after a failed unpack: why, for a log line */
    size_t error_offset; /* and the archive offset of the entry at fault */
};

/* What stat reports (st_mode, st_ino, ... of Linux's struct stat). */
struct ramfs_stat {
    uint32_t mode; /* type and permission bits */
    uint32_t ino;
    uint32_t nlink; /* directories: 2 + subdirectories; others 1 */
    uint32_t uid, gid, mtime;
    uint64_t size; /* files: bytes; symlinks: target length; dirs: 0 */
};

/* One directory entry from ramfs_readdir. */
struct ramfs_dirent {
    const char *name; /* NUL-terminated; lives as long as the tree */
    size_t namelen;
    uint32_t ino;
    uint32_t mode;
    const struct ramfs_node *node;
};

/*
 * Build fs (which must be empty) from len bytes of newc archive.  Parent
 * directories an archive lacks are created (mode 0755); names are taken
 * relative to "/" ("./" and "/" prefixes, "." components and repeated
 * slashes are dropped).  0, or -ENOMEM, or -EINVAL for a corrupt archive
 * (cpio_next's reasons) or a bad tree: ".." in a name, a component over
 * FS_NAME_MAX, a name given twice (a directory entry may still name a
 * parent created before it), a name under a non-directory, a directory
 * with data, an empty or NUL-holding link target, an unknown type.  On
 * error fs is left empty, every block freed, and fs->error says why.
 */
int ramfs_unpack(struct ramfs *fs, const void *archive, size_t len);
/* Make fs (empty) a root directory alone: 0 or -ENOMEM. */
int ramfs_init_empty(struct ramfs *fs);
/* Free every block of fs and leave it empty.  Nothing may use it after. */
void ramfs_release(struct ramfs *fs);

/* The root directory, or NULL for an empty fs. */
const struct ramfs_node *ramfs_root(const struct ramfs *fs);
/*
 * Resolve path: absolute from the root, else relative to dir (NULL: the
 * root).  "." and ".." (the root's is itself) and repeated slashes work as
 * in Linux; symbolic links met on the way are followed (targets relative to
 * the link's directory), and so is a final one unless flags has
 * RAMFS_NOFOLLOW or the path ends in "/".  0 with *out, or -ENOENT (missing,
 * or an empty path), -ENOTDIR (a component, or a path ending in "/", is not
 * a directory), -ENAMETOOLONG (path >= FS_PATH_MAX or a component >
 * FS_NAME_MAX), -ELOOP (more than FS_SYMLINK_MAX links).
 */
int ramfs_lookup(const struct ramfs *fs, const struct ramfs_node *dir,
                 const char *path, int flags, const struct ramfs_node **out);
/* Fill *st for node. */
void ramfs_stat(const struct ramfs_node *node, struct ramfs_stat *st);
/*
 * Copy up to len bytes of a regular file from offset off into buf: the
 * bytes copied (0 at or past the end), -EISDIR for a directory, -EINVAL for
 * anything else.
 */
long ramfs_read(const struct ramfs_node *node, uint64_t off, void *buf,
                size_t len);
/*
 * A regular file's bytes in place (read-only; for mapping and loading),
 * its size in *size; NULL for anything but a regular file.
 */
const void *ramfs_data(const struct ramfs_node *node, size_t *size);
/*
 * A symlink's target, as readlink(2): up to len bytes into buf, no NUL
 * added; the bytes copied, or -EINVAL when node is not a symlink.
 */
long ramfs_readlink(const struct ramfs_node *node, char *buf, size_t len);
/*
 * The absolute path of node from the root ("/" for the root; no links,
 * since a node has one parent) into buf with its NUL: its length, or
 * -ERANGE when it needs more than size bytes.  O(depth).
 */
long ramfs_path(const struct ramfs_node *node, char *buf, size_t size);
/*
 * Entry number index of directory dir into *out: 0 is ".", 1 is "..", then
 * the children in archive order.  1 when filled, 0 past the last entry,
 * -ENOTDIR when dir is not a directory.  O(1), so index is a cursor that
 * stays valid (the tree never changes).
 */
int ramfs_readdir(const struct ramfs_node *dir, uint64_t index,
                  struct ramfs_dirent *out);

#endif
