/*
 * ramfs: the tree, its name hash, unpacking and lookup (ramfs.h).
 *
 * Every node but the root sits in one hash table keyed by (parent inode,
 * name), so a lookup step is one bucket, never a scan of a directory; a
 * directory also keeps its children in an array, in archive order, which
 * is what makes readdir O(1) by index.  The tree is immutable once
 * ramfs_unpack returns: no locks.
 */
#include "ramfs.h"
#include "cpio.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"

#define HASH_INITIAL   16 /* buckets before the first growth */
#define CHILDREN_FIRST 4  /* slots of a directory's first children array */
#define IMPLIED_MODE   (FS_IFDIR | 0755)

static const char no_memory[] = "out of memory"; /* the one -ENOMEM reason */

struct ramfs_node {
    struct ramfs_node *hash_next; /* chain in fs->hash */
    struct ramfs_node *parent;    /* the root's is itself */
    uint32_t hash;                /* of (parent->ino, name) */
    uint32_t ino, mode, nlink, uid, gid, mtime;
    bool explicit;       /* named by an archive entry, not only implied */
    const uint8_t *data; /* files and symlinks: size bytes in the archive */
    uint64_t size;
    struct ramfs_node **children; /* directories: nchildren of cap */
    uint32_t nchildren, cap;
    uint16_t namelen;
    char name[]; /* NUL-terminated; "/" for the root */
};

static uint32_t name_hash(uint32_t parent_ino, const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ (parent_ino * 2654435761u); /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    }
    return h;
}

static struct ramfs_node *find_child(const struct ramfs *fs,
                                     const struct ramfs_node *dir,
                                     const char *name, size_t len)
{
    uint32_t h = name_hash(dir->ino, name, len);
    struct ramfs_node *n;

    if (fs->nbuckets == 0) {
        return NULL;
    }
    for (n = fs->hash[h & (fs->nbuckets - 1)]; n != NULL; n = n->hash_next) {
        if (n->hash == h && n->parent == dir && n->namelen == len &&
            memcmp(n->name, name, len) == 0) {
            return n;
        }
    }
    return NULL;
}

/* Double the table once it holds as many nodes as buckets: 0 or -ENOMEM. */
static int hash_grow(struct ramfs *fs)
{
    size_t nb = fs->nbuckets == 0 ? HASH_INITIAL : fs->nbuckets * 2;
    struct ramfs_node **t = kcalloc(nb, sizeof(*t));

    if (t == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < fs->nbuckets; i++) {
        while (fs->hash[i] != NULL) {
            struct ramfs_node *n = fs->hash[i];

            fs->hash[i] = n->hash_next;
            n->hash_next = t[n->hash & (nb - 1)];
            t[n->hash & (nb - 1)] = n;
        }
    }
    fs->stats.heap_bytes += ksize(t);
    fs->stats.heap_bytes -= ksize(fs->hash);
    kfree(fs->hash);
    fs->hash = t;
    fs->nbuckets = nb;
    return 0;
}

static int add_child(struct ramfs *fs, struct ramfs_node *dir,
                     struct ramfs_node *n)
{
    if (dir->nchildren == dir->cap) {
        uint32_t cap = dir->cap == 0 ? CHILDREN_FIRST : dir->cap * 2;
        size_t old = ksize(dir->children);
        struct ramfs_node **c = krealloc(dir->children, cap * sizeof(*c));

        if (c == NULL) {
            return -ENOMEM;
        }
        fs->stats.heap_bytes += ksize(c) - old;
        dir->children = c;
        dir->cap = cap;
    }
    dir->children[dir->nchildren++] = n;
    return 0;
}

static struct ramfs_node *node_alloc(struct ramfs *fs, const char *name,
                                     size_t len, uint32_t mode)
{
    struct ramfs_node *n = kmalloc(sizeof(*n) + len + 1);

    if (n == NULL) {
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    memcpy(n->name, name, len);
    n->name[len] = '\0';
    n->namelen = (uint16_t)len;
    n->mode = mode;
    n->nlink = FS_ISDIR(mode) ? 2 : 1;
    n->ino = fs->next_ino++;
    fs->stats.heap_bytes += ksize(n);
    fs->stats.dirs += FS_ISDIR(mode);
    fs->stats.files += FS_ISREG(mode);
    fs->stats.symlinks += FS_ISLNK(mode);
    return n;
}

/*
 * A new child of dir: hashed and in dir's array before it is returned, so
 * a failure leaves nothing that ramfs_release would miss.  NULL: no memory.
 */
static struct ramfs_node *node_create(struct ramfs *fs, struct ramfs_node *dir,
                                      const char *name, size_t len,
                                      uint32_t mode)
{
    struct ramfs_node *n;

    if (fs->nnodes + 1 > fs->nbuckets && hash_grow(fs) != 0) {
        return NULL;
    }
    n = node_alloc(fs, name, len, mode);
    if (n == NULL) {
        return NULL;
    }
    n->parent = dir;
    n->hash = name_hash(dir->ino, name, len);
    n->hash_next = fs->hash[n->hash & (fs->nbuckets - 1)];
    fs->hash[n->hash & (fs->nbuckets - 1)] = n;
    fs->nnodes++;
    if (add_child(fs, dir, n) != 0) {
        return NULL; /* hashed, so released with the rest */
    }
    dir->nlink += FS_ISDIR(mode);
    return n;
}

int ramfs_init_empty(struct ramfs *fs)
{
    *fs = (struct ramfs){.next_ino = RAMFS_ROOT_INO};
    fs->root = node_alloc(fs, "/", 1, IMPLIED_MODE);
    if (fs->root == NULL) {
        return -ENOMEM;
    }
    fs->root->parent = fs->root;
    return 0;
}

static void node_free(struct ramfs_node *n)
{
    kfree(n->children);
    kfree(n);
}

void ramfs_release(struct ramfs *fs)
{
    for (size_t i = 0; i < fs->nbuckets; i++) {
        while (fs->hash[i] != NULL) {
            struct ramfs_node *n = fs->hash[i];

            fs->hash[i] = n->hash_next;
            node_free(n);
        }
    }
    if (fs->root != NULL) {
        node_free(fs->root);
    }
    kfree(fs->hash);
    *fs = (struct ramfs){0};
}

/* ---- Unpacking ----------------------------------------------------------- */

/*
 * The next name component at *p before end into (*c, *clen), skipping
 * slashes and "." components; false when none is left.
 */
static bool next_component(const char **p, const char *end, const char **c,
                           size_t *clen)
{
    for (;;) {
        const char *s = *p;

        while (s < end && *s == '/') {
            s++;
        }
        if (s == end) {
            *p = s;
            return false;
        }
        *c = s;
        while (s < end && *s != '/') {
            s++;
        }
        *clen = (size_t)(s - *c);
        *p = s;
        if (!(*clen == 1 && (*c)[0] == '.')) {
            return true;
        }
    }
}

static void set_attrs(struct ramfs_node *n, const struct cpio_entry *e)
{
    n->mode = (n->mode & FS_IFMT) | (e->mode & 07777);
    n->uid = e->uid;
    n->gid = e->gid;
    n->mtime = e->mtime;
    n->explicit = true;
    if (!FS_ISDIR(n->mode)) {
        n->data = e->data;
        n->size = e->size;
    }
}

static bool has_nul(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            return true;
        }
    }
    return false;
}

/* NULL when an entry of this type may exist, else why not. */
static const char *check_type(const struct cpio_entry *e)
{
    switch (e->mode & FS_IFMT) {
    case FS_IFDIR:
        return e->size == 0 ? NULL : "a directory with data";
    case FS_IFREG:
        return NULL;
    case FS_IFLNK:
        if (e->size == 0 || e->size >= FS_PATH_MAX ||
            has_nul(e->data, e->size)) {
            return "a bad symlink target";
        }
        return NULL;
    default:
        return "an unknown file type";
    }
}

static bool skipped_type(uint32_t mode)
{
    uint32_t t = mode & FS_IFMT;

    return t == FS_IFCHR || t == FS_IFBLK || t == FS_IFIFO || t == FS_IFSOCK;
}

/* The entry's last component, in dir; NULL or why it cannot be. */
static const char *add_last(struct ramfs *fs, struct ramfs_node *dir,
                            const char *c, size_t clen,
                            const struct cpio_entry *e)
{
    struct ramfs_node *n = find_child(fs, dir, c, clen);

    if (skipped_type(e->mode)) { /* its parents are made; it is not */
        fs->stats.skipped++;
        return NULL;
    }
    if (n != NULL) {
        if (!FS_ISDIR(n->mode) || n->explicit || !FS_ISDIR(e->mode)) {
            return "a name given twice";
        }
    } else {
        n = node_create(fs, dir, c, clen, e->mode & FS_IFMT);
        if (n == NULL) {
            return no_memory;
        }
    }
    set_attrs(n, e);
    if (FS_ISREG(n->mode)) {
        fs->stats.file_bytes += e->size;
    }
    return NULL;
}

/* Add one archive entry: NULL, or why it is refused. */
static const char *add_entry(struct ramfs *fs, const struct cpio_entry *e)
{
    const char *p = e->name, *end = e->name + e->namelen;
    struct ramfs_node *dir = fs->root;
    const char *c, *why;
    size_t clen;

    why = skipped_type(e->mode) ? NULL : check_type(e);
    if (why != NULL) {
        return why;
    }
    if (!next_component(&p, end, &c, &clen)) { /* the root itself */
        if (!FS_ISDIR(e->mode) || dir->explicit) {
            return "a second root";
        }
        set_attrs(dir, e);
        return NULL;
    }
    for (;;) {
        const char *next, *q = p;
        size_t nlen;
        bool more = next_component(&q, end, &next, &nlen);
        struct ramfs_node *child;

        if ((clen == 2 && c[0] == '.' && c[1] == '.') || clen > FS_NAME_MAX) {
            return clen > FS_NAME_MAX ? "a name over FS_NAME_MAX" : "\"..\"";
        }
        if (!more) {
            return add_last(fs, dir, c, clen, e);
        }
        child = find_child(fs, dir, c, clen);
        if (child == NULL) {
            child = node_create(fs, dir, c, clen, IMPLIED_MODE);
            if (child == NULL) {
                return no_memory;
            }
        } else if (!FS_ISDIR(child->mode)) {
            return "a name under a non-directory";
        }
        dir = child;
        c = next;
        clen = nlen;
        p = q;
    }
}

int ramfs_unpack(struct ramfs *fs, const void *archive, size_t len)
{
    struct cpio_reader r;
    struct cpio_entry e;
    const char *why = NULL;
    size_t where = 0;
    int got = 0, err = ramfs_init_empty(fs);

    if (err != 0) {
        ramfs_release(fs);
        fs->error = no_memory;
        return err;
    }
    cpio_reader_init(&r, archive, len);
    while (why == NULL && (got = cpio_next(&r, &e)) == 1) {
        why = add_entry(fs, &e);
        where = e.offset;
    }
    if (why == NULL && got == 0) {
        return 0;
    }
    err = why == no_memory ? -ENOMEM : -EINVAL;
    if (why == NULL) {
        why = r.why;
        where = r.why_off;
    }
    ramfs_release(fs);
    fs->error = why;
    fs->error_offset = where;
    return err;
}

/* ---- Reading ------------------------------------------------------------- */

const struct ramfs_node *ramfs_root(const struct ramfs *fs)
{
    return fs->root;
}

/*
 * Walk len bytes of path from dir (the root if path starts with '/').
 * *links counts the symlinks followed so far; the recursion for a link's
 * target is bounded by FS_SYMLINK_MAX.
 */
static int walk(const struct ramfs *fs, const struct ramfs_node *dir,
                const char *path, size_t len, bool follow_last, int *links,
                const struct ramfs_node **out)
{
    const struct ramfs_node *n = len > 0 && path[0] == '/' ? fs->root : dir;
    size_t i = 0;

    while (i < len) {
        const struct ramfs_node *child;
        const char *c;
        size_t clen;

        while (i < len && path[i] == '/') {
            i++;
        }
        if (i == len) {
            break;
        }
        c = path + i;
        while (i < len && path[i] != '/') {
            i++;
        }
        clen = (size_t)(path + i - c);
        if (!FS_ISDIR(n->mode)) {
            return -ENOTDIR;
        }
        if (clen > FS_NAME_MAX) {
            return -ENAMETOOLONG;
        }
        if (clen <= 2 && c[0] == '.' && (clen == 1 || c[1] == '.')) {
            n = clen == 1 ? n : n->parent;
            continue;
        }
        child = find_child(fs, n, c, clen);
        if (child == NULL) {
            return -ENOENT;
        }
        /* A link is the result only as the very last thing in the path. */
        if (FS_ISLNK(child->mode) && (i < len || follow_last)) {
            int err;

            if (++*links > FS_SYMLINK_MAX) {
                return -ELOOP;
            }
            err = walk(fs, n, (const char *)child->data, child->size, true,
                       links, &child);
            if (err != 0) {
                return err;
            }
        }
        n = child;
    }
    if (len > 0 && path[len - 1] == '/' && !FS_ISDIR(n->mode)) {
        return -ENOTDIR;
    }
    *out = n;
    return 0;
}

int ramfs_lookup(const struct ramfs *fs, const struct ramfs_node *dir,
                 const char *path, int flags, const struct ramfs_node **out)
{
    size_t len = strnlen(path, FS_PATH_MAX);
    int links = 0;

    if (len == FS_PATH_MAX) {
        return -ENAMETOOLONG;
    }
    if (len == 0 || fs->root == NULL) {
        return -ENOENT;
    }
    return walk(fs, dir != NULL ? dir : fs->root, path, len,
                !(flags & RAMFS_NOFOLLOW), &links, out);
}

void ramfs_stat(const struct ramfs_node *n, struct ramfs_stat *st)
{
    *st = (struct ramfs_stat){n->mode, n->ino,   n->nlink, n->uid,
                              n->gid,  n->mtime, n->size};
}

long ramfs_read(const struct ramfs_node *n, uint64_t off, void *buf, size_t len)
{
    if (!FS_ISREG(n->mode)) {
        return FS_ISDIR(n->mode) ? -EISDIR : -EINVAL;
    }
    if (off >= n->size) {
        return 0;
    }
    if (len > n->size - off) {
        len = n->size - off;
    }
    memcpy(buf, n->data + off, len);
    return (long)len;
}

const void *ramfs_data(const struct ramfs_node *n, size_t *size)
{
    if (!FS_ISREG(n->mode)) {
        return NULL;
    }
    *size = n->size;
    return n->data;
}

long ramfs_readlink(const struct ramfs_node *n, char *buf, size_t len)
{
    if (!FS_ISLNK(n->mode)) {
        return -EINVAL;
    }
    if (len > n->size) {
        len = n->size;
    }
    memcpy(buf, n->data, len);
    return (long)len;
}

long ramfs_path(const struct ramfs_node *n, char *buf, size_t size)
{
    size_t len = 0, at;
    const struct ramfs_node *c;

    for (c = n; c->parent != c; c = c->parent) {
        len += 1 + c->namelen;
    }
    len = len == 0 ? 1 : len; /* the root is "/" */
    if (len + 1 > size) {
        return -ERANGE;
    }
    buf[0] = '/';
    buf[len] = '\0';
    for (at = len, c = n; c->parent != c; c = c->parent) {
        at -= c->namelen;
        memcpy(buf + at, c->name, c->namelen);
        buf[--at] = '/';
    }
    return (long)len;
}

int ramfs_readdir(const struct ramfs_node *dir, uint64_t index,
                  struct ramfs_dirent *out)
{
    static const char *const dots[] = {".", ".."};
    const struct ramfs_node *n;

    if (!FS_ISDIR(dir->mode)) {
        return -ENOTDIR;
    }
    if (index >= 2 + (uint64_t)dir->nchildren) {
        return 0;
    }
    n = index == 0 ? dir : index == 1 ? dir->parent : dir->children[index - 2];
    *out = (struct ramfs_dirent){index < 2 ? dots[index] : n->name,
                                 index < 2 ? index + 1 : n->namelen, n->ino,
                                 n->mode, n};
    return 1;
}
