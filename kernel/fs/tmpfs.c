/*
 * tmpfs (tmpfs.h).  fs->lock, a leaf spinlock, guards everything here;
 * the public functions take it, the _locked helpers assert it, and the
 * helpers given only a node (find_child, link_node, ...) run under it too.
 *
 * A node is found by inode number in fs->inodes, a name by (directory,
 * name) in fs->names, and a readdir position by (directory, cookie) in
 * fs->entries: red-black trees over the whole tmpfs, O(log n) each, so a
 * directory of 100k entries costs no more per lookup or readdir step
 * than one of ten.  A file's data is an array of page pointers, one
 * heap page per PAGE_SIZE bytes, allocated when first written: a read or
 * write costs the bytes it moves, an append never copies what is there,
 * and the array doubles when it grows.  A gap never written has no page
 * and reads as zeros.
 */
#include "tmpfs.h"

#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "list.h"
#include "panic.h"
#include "ramfs.h"

#define TMPFS_FILE_MAX ((uint64_t)1 << 40) /* bytes in one file: -EFBIG */

struct tmpfs_node {
    /* fs->lock must be held when using these: */
    struct rb_node by_ino;     /* in fs->inodes */
    struct rb_node by_name;    /* named: in fs->names, by (parent, name) */
    struct rb_node by_cookie;  /* named: in fs->entries, (parent, cookie) */
    struct tmpfs_node *parent; /* NULL: the root, or no name any more */
    uint64_t ino;
    uint64_t cookie; /* its readdir index in parent (never reused) */
    uint32_t mode;   /* type and permission bits */
    uint32_t nlink;  /* names (a directory: 2 + subdirectories) */
    unsigned opens;  /* open references (tmpfs_open) */
    size_t namelen;  /* bytes of name */
    char name[FS_NAME_MAX + 1];
    /* a directory: */
    size_t nchildren;     /* its entries (in fs->names and fs->entries) */
    uint64_t next_cookie; /* the next entry's readdir index */
    /* a regular file: */
    uint64_t size;
    uint8_t **pages; /* npages slots; NULL: a page never written */
    size_t npages;
};

static bool ino_less(const struct rb_node *a, const struct rb_node *b)
{
    return rb_entry(a, struct tmpfs_node, by_ino)->ino <
           rb_entry(b, struct tmpfs_node, by_ino)->ino;
}

static struct tmpfs_node *find_locked(struct tmpfs *fs, uint64_t ino)
{
    struct rb_node *n;

    KASSERT(holding(&fs->lock));
    n = fs->inodes.root;
    while (n != NULL) {
        struct tmpfs_node *t = rb_entry(n, struct tmpfs_node, by_ino);

        if (t->ino == ino) {
            return t;
        }
        n = ino < t->ino ? n->left : n->right;
    }
    return NULL;
}

static struct tmpfs_node *node_new_locked(struct tmpfs *fs, uint32_t mode)
{
    struct tmpfs_node *t = kcalloc(1, sizeof(*t));

    KASSERT(holding(&fs->lock));
    if (t == NULL) {
        return NULL;
    }
    t->ino = fs->next_ino++;
    t->mode = mode;
    t->nlink = FS_ISDIR(mode) ? 2 : 1;
    t->next_cookie = 2; /* after "." and ".." */
    rb_insert(&fs->inodes, &t->by_ino, ino_less);
    fs->nodes++;
    return t;
}

/* Free pages from index first on (the file keeps the slots). */
static void pages_free_locked(struct tmpfs *fs, struct tmpfs_node *t,
                              size_t first)
{
    KASSERT(holding(&fs->lock));
    for (size_t i = first; i < t->npages; i++) {
        if (t->pages[i] != NULL) {
            kfree(t->pages[i]);
            t->pages[i] = NULL;
            fs->used -= PAGE_SIZE;
        }
    }
}

/* Free t if it has neither a name nor an open reference. */
static void node_maybe_free_locked(struct tmpfs *fs, struct tmpfs_node *t)
{
    KASSERT(holding(&fs->lock));
    if (t->nlink > 0 || t->opens > 0) {
        return;
    }
    pages_free_locked(fs, t, 0);
    kfree(t->pages);
    rb_erase(&fs->inodes, &t->by_ino);
    fs->nodes--;
    kfree(t);
}

int tmpfs_init(struct tmpfs *fs, size_t limit)
{
    memset(fs, 0, sizeof(*fs));
    spin_init(&fs->lock, "tmpfs");
    rb_init(&fs->inodes, NULL);
    rb_init(&fs->names, NULL);
    rb_init(&fs->entries, NULL);
    fs->next_ino = TMPFS_ROOT_INO;
    fs->limit = limit;
    spin_lock(&fs->lock);
    fs->root = node_new_locked(fs, FS_IFDIR | 01777);
    spin_unlock(&fs->lock);
    return fs->root != NULL ? 0 : -ENOMEM;
}

void tmpfs_release(struct tmpfs *fs)
{
    struct rb_node *n;

    spin_lock(&fs->lock);
    while ((n = rb_first(&fs->inodes)) != NULL) {
        struct tmpfs_node *t = rb_entry(n, struct tmpfs_node, by_ino);

        t->nlink = 0;
        t->opens = 0;
        node_maybe_free_locked(fs, t);
    }
    fs->root = NULL;
    rb_init(&fs->names, NULL); /* their nodes went with the inodes */
    rb_init(&fs->entries, NULL);
    spin_unlock(&fs->lock);
}

size_t tmpfs_used(struct tmpfs *fs)
{
    size_t used;

    spin_lock(&fs->lock);
    used = fs->used;
    spin_unlock(&fs->lock);
    return used;
}

size_t tmpfs_nodes(struct tmpfs *fs)
{
    size_t n;

    spin_lock(&fs->lock);
    n = fs->nodes;
    spin_unlock(&fs->lock);
    return n;
}

/* Directory ino, live and linked: 0 with *out, -ENOENT or -ENOTDIR. */
static int dir_locked(struct tmpfs *fs, uint64_t ino, struct tmpfs_node **out)
{
    struct tmpfs_node *d = find_locked(fs, ino); /* asserts fs->lock */

    if (d == NULL || d->nlink == 0) {
        return -ENOENT;
    }
    if (!FS_ISDIR(d->mode)) {
        return -ENOTDIR;
    }
    *out = d;
    return 0;
}

/* (dir, name) against c's (parent, name): <0, 0, >0.  Names order by
 * length first, then bytes: any total order serves a lookup. */
static int name_cmp(uint64_t dir, const char *name, size_t len,
                    const struct tmpfs_node *c)
{
    if (dir != c->parent->ino) {
        return dir < c->parent->ino ? -1 : 1;
    }
    if (len != c->namelen) {
        return len < c->namelen ? -1 : 1;
    }
    return memcmp(name, c->name, len);
}

static bool name_less(const struct rb_node *a, const struct rb_node *b)
{
    const struct tmpfs_node *x = rb_entry(a, struct tmpfs_node, by_name);

    return name_cmp(x->parent->ino, x->name, x->namelen,
                    rb_entry(b, struct tmpfs_node, by_name)) < 0;
}

static bool cookie_less(const struct rb_node *a, const struct rb_node *b)
{
    const struct tmpfs_node *x = rb_entry(a, struct tmpfs_node, by_cookie);
    const struct tmpfs_node *y = rb_entry(b, struct tmpfs_node, by_cookie);

    return x->parent->ino != y->parent->ino ? x->parent->ino < y->parent->ino
                                            : x->cookie < y->cookie;
}

/* d's entry called name: O(log n) in the names of the whole tmpfs. */
static struct tmpfs_node *find_child(struct tmpfs *fs, struct tmpfs_node *d,
                                     const char *name, size_t len)
{
    struct rb_node *n = fs->names.root;

    while (n != NULL) {
        struct tmpfs_node *c = rb_entry(n, struct tmpfs_node, by_name);
        int cmp = name_cmp(d->ino, name, len, c);

        if (cmp == 0) {
            return c;
        }
        n = cmp < 0 ? n->left : n->right;
    }
    return NULL;
}

/* d's first entry whose cookie is at least index, or NULL: O(log n). */
static struct tmpfs_node *entry_from(struct tmpfs *fs, struct tmpfs_node *d,
                                     uint64_t index)
{
    struct rb_node *n = fs->entries.root;
    struct tmpfs_node *best = NULL;

    while (n != NULL) {
        struct tmpfs_node *c = rb_entry(n, struct tmpfs_node, by_cookie);

        if (c->parent->ino > d->ino ||
            (c->parent->ino == d->ino && c->cookie >= index)) {
            best = c; /* at or after (d, index): look for an earlier one */
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best != NULL && best->parent == d ? best : NULL;
}

static bool is_dots(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') ||
           (len == 2 && name[0] == '.' && name[1] == '.');
}

int tmpfs_lookup(struct tmpfs *fs, uint64_t dir, const char *name, size_t len,
                 uint64_t *ino)
{
    struct tmpfs_node *d, *c = NULL;
    int err;

    if (len > FS_NAME_MAX) {
        return -ENAMETOOLONG;
    }
    spin_lock(&fs->lock);
    err = dir_locked(fs, dir, &d);
    if (err == 0 && len == 1 && name[0] == '.') {
        c = d;
    } else if (err == 0 && len == 2 && name[0] == '.' && name[1] == '.') {
        c = d->parent != NULL ? d->parent : d;
    } else if (err == 0) {
        c = find_child(fs, d, name, len);
    }
    if (err == 0 && c == NULL) {
        err = -ENOENT;
    }
    if (err == 0) {
        *ino = c->ino;
    }
    spin_unlock(&fs->lock);
    return err;
}

/* Give t the name (len bytes) in directory d. */
static void link_node(struct tmpfs *fs, struct tmpfs_node *d,
                      struct tmpfs_node *t, const char *name, size_t len)
{
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    t->namelen = len;
    t->parent = d;
    t->cookie = d->next_cookie++;
    rb_insert(&fs->names, &t->by_name, name_less);
    rb_insert(&fs->entries, &t->by_cookie, cookie_less);
    d->nchildren++;
    if (FS_ISDIR(t->mode)) {
        d->nlink++; /* its ".." */
    }
}

/* Take t's name away (it stays alive while open). */
static void unlink_node(struct tmpfs *fs, struct tmpfs_node *t)
{
    struct tmpfs_node *d = t->parent;

    rb_erase(&fs->names, &t->by_name);
    rb_erase(&fs->entries, &t->by_cookie);
    d->nchildren--;
    if (FS_ISDIR(t->mode)) {
        d->nlink--;
    }
    t->parent = NULL;
}

static int name_ok(const char *name, size_t len)
{
    if (len > FS_NAME_MAX) {
        return -ENAMETOOLONG;
    }
    if (len == 0 || is_dots(name, len)) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '/' || name[i] == '\0') {
            return -EINVAL;
        }
    }
    return 0;
}

int tmpfs_create(struct tmpfs *fs, uint64_t dir, const char *name, size_t len,
                 uint32_t mode, uint64_t *ino)
{
    struct tmpfs_node *d, *t;
    int err = name_ok(name, len);

    if (err == -EINVAL && is_dots(name, len)) {
        return -EEXIST;
    }
    if (err == 0 && !FS_ISREG(mode) && !FS_ISDIR(mode)) {
        err = -EINVAL;
    }
    if (err != 0) {
        return err;
    }
    spin_lock(&fs->lock);
    err = dir_locked(fs, dir, &d);
    if (err == 0 && find_child(fs, d, name, len) != NULL) {
        err = -EEXIST;
    }
    if (err == 0) {
        t = node_new_locked(fs, mode & (FS_IFMT | 07777));
        err = t == NULL ? -ENOMEM : 0;
    }
    if (err == 0) {
        link_node(fs, d, t, name, len);
        *ino = t->ino;
    }
    spin_unlock(&fs->lock);
    return err;
}

int tmpfs_unlink(struct tmpfs *fs, uint64_t dir, const char *name, size_t len,
                 bool isdir)
{
    struct tmpfs_node *d, *t = NULL;
    int err = len > FS_NAME_MAX ? -ENAMETOOLONG : 0;

    if (err != 0) {
        return err;
    }
    spin_lock(&fs->lock);
    err = dir_locked(fs, dir, &d);
    if (err == 0 && (t = find_child(fs, d, name, len)) == NULL) {
        err = -ENOENT;
    }
    if (err == 0 && FS_ISDIR(t->mode) != isdir) {
        err = isdir ? -ENOTDIR : -EISDIR;
    }
    if (err == 0 && isdir && t->nchildren > 0) {
        err = -ENOTEMPTY;
    }
    if (err == 0) {
        unlink_node(fs, t);
        t->nlink = 0;
        node_maybe_free_locked(fs, t);
    }
    spin_unlock(&fs->lock);
    return err;
}

/* True when a is d or one of d's ancestors. */
static bool is_ancestor(const struct tmpfs_node *a, const struct tmpfs_node *d)
{
    for (; d != NULL; d = d->parent) {
        if (d == a) {
            return true;
        }
    }
    return false;
}

/* May t replace the existing v (rename(2)'s rules)?  0 or the error. */
static int replace_ok(const struct tmpfs_node *t, const struct tmpfs_node *v,
                      unsigned flags)
{
    if (flags & TMPFS_NOREPLACE) {
        return -EEXIST;
    }
    if (FS_ISDIR(t->mode) && !FS_ISDIR(v->mode)) {
        return -ENOTDIR;
    }
    if (!FS_ISDIR(t->mode) && FS_ISDIR(v->mode)) {
        return -EISDIR;
    }
    return FS_ISDIR(v->mode) && v->nchildren > 0 ? -ENOTEMPTY : 0;
}

/* rename with both directories found and the names checked. */
static int rename_locked(struct tmpfs *fs, struct tmpfs_node *od,
                         const char *oname, size_t olen, struct tmpfs_node *nd,
                         const char *nname, size_t nlen, unsigned flags)
{
    struct tmpfs_node *t = find_child(fs, od, oname, olen), *v;
    int err;

    KASSERT(holding(&fs->lock));
    if (t == NULL) {
        return -ENOENT;
    }
    v = find_child(fs, nd, nname, nlen);
    if (v == t) {
        return 0;
    }
    if (FS_ISDIR(t->mode) && is_ancestor(t, nd)) {
        return -EINVAL; /* into itself or below */
    }
    if (v != NULL && (err = replace_ok(t, v, flags)) != 0) {
        return err;
    }
    if (v != NULL) {
        unlink_node(fs, v);
        v->nlink = 0;
        node_maybe_free_locked(fs, v);
    }
    unlink_node(fs, t);
    link_node(fs, nd, t, nname, nlen);
    return 0;
}

int tmpfs_rename(struct tmpfs *fs, uint64_t odir, const char *oname,
                 size_t olen, uint64_t ndir, const char *nname, size_t nlen,
                 unsigned flags)
{
    struct tmpfs_node *od, *nd;
    int err = name_ok(oname, olen);

    if (err == 0) {
        err = name_ok(nname, nlen);
    }
    if (err == -EINVAL) {
        err = -EBUSY; /* ".", ".." (Linux: a mount point or in use) */
    }
    if (err != 0) {
        return err;
    }
    spin_lock(&fs->lock);
    err = dir_locked(fs, odir, &od);
    if (err == 0) {
        err = dir_locked(fs, ndir, &nd);
    }
    if (err == 0) {
        err = rename_locked(fs, od, oname, olen, nd, nname, nlen, flags);
    }
    spin_unlock(&fs->lock);
    return err;
}

int tmpfs_open(struct tmpfs *fs, uint64_t ino)
{
    struct tmpfs_node *t;

    spin_lock(&fs->lock);
    t = find_locked(fs, ino);
    if (t != NULL) {
        t->opens++;
    }
    spin_unlock(&fs->lock);
    return t != NULL ? 0 : -ENOENT;
}

void tmpfs_close(struct tmpfs *fs, uint64_t ino)
{
    struct tmpfs_node *t;

    spin_lock(&fs->lock);
    t = find_locked(fs, ino);
    KASSERT(t != NULL && t->opens > 0);
    t->opens--;
    node_maybe_free_locked(fs, t);
    spin_unlock(&fs->lock);
}

int tmpfs_stat(struct tmpfs *fs, uint64_t ino, struct tmpfs_stat *st)
{
    struct tmpfs_node *t;
    size_t held = 0;

    spin_lock(&fs->lock);
    t = find_locked(fs, ino);
    if (t != NULL) {
        for (size_t i = 0; i < t->npages; i++) {
            held += t->pages[i] != NULL;
        }
        st->ino = t->ino;
        st->mode = t->mode;
        st->nlink = t->nlink;
        st->size = FS_ISDIR(t->mode) ? (t->nchildren + 2) * TMPFS_DIRENT_SIZE
                                     : t->size;
        st->blocks = held * (PAGE_SIZE / 512);
    }
    spin_unlock(&fs->lock);
    return t != NULL ? 0 : -ENOENT;
}

int tmpfs_chmod(struct tmpfs *fs, uint64_t ino, uint32_t mode)
{
    struct tmpfs_node *t;

    spin_lock(&fs->lock);
    t = find_locked(fs, ino);
    if (t != NULL) {
        t->mode = (t->mode & FS_IFMT) | (mode & 07777);
    }
    spin_unlock(&fs->lock);
    return t != NULL ? 0 : -ENOENT;
}

/* Regular file ino: 0 with *out, -ENOENT or -EISDIR. */
static int file_locked(struct tmpfs *fs, uint64_t ino, struct tmpfs_node **out)
{
    struct tmpfs_node *t = find_locked(fs, ino); /* asserts fs->lock */

    if (t == NULL) {
        return -ENOENT;
    }
    if (FS_ISDIR(t->mode)) {
        return -EISDIR;
    }
    *out = t;
    return 0;
}

long tmpfs_read(struct tmpfs *fs, uint64_t ino, uint64_t off, void *buf,
                size_t len)
{
    struct tmpfs_node *t;
    size_t done = 0;
    int err;

    spin_lock(&fs->lock);
    err = file_locked(fs, ino, &t);
    if (err == 0 && off < t->size) {
        len = t->size - off < len ? (size_t)(t->size - off) : len;
        while (done < len) {
            uint64_t pos = off + done;
            size_t in = pos % PAGE_SIZE, n = PAGE_SIZE - in;
            const uint8_t *pg = t->pages[pos / PAGE_SIZE];

            n = n < len - done ? n : len - done;
            if (pg != NULL) {
                memcpy((uint8_t *)buf + done, pg + in, n);
            } else {
                memset((uint8_t *)buf + done, 0, n);
            }
            done += n;
        }
    }
    spin_unlock(&fs->lock);
    return err != 0 ? err : (long)done;
}

/* Room in t's page array for npages pages: 0 or -ENOMEM. */
static int grow_slots(struct tmpfs_node *t, size_t npages)
{
    size_t cap = t->npages;
    uint8_t **p;

    if (npages <= cap) {
        return 0;
    }
    cap = cap == 0 ? 1 : cap;
    while (cap < npages) {
        cap *= 2;
    }
    p = krealloc(t->pages, cap * sizeof(*p));
    if (p == NULL) {
        return -ENOMEM;
    }
    memset(p + t->npages, 0, (cap - t->npages) * sizeof(*p));
    t->pages = p;
    t->npages = cap;
    return 0;
}

/* Page i of t, allocated (zeroed) if it has none: NULL at the limit
 * (*err -ENOSPC) or out of memory (-ENOMEM). */
static uint8_t *page_locked(struct tmpfs *fs, struct tmpfs_node *t, size_t i,
                            int *err)
{
    KASSERT(holding(&fs->lock));
    if (t->pages[i] != NULL) {
        return t->pages[i];
    }
    if (fs->used + PAGE_SIZE > fs->limit) {
        *err = -ENOSPC;
        return NULL;
    }
    t->pages[i] = kcalloc(1, PAGE_SIZE);
    if (t->pages[i] == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    fs->used += PAGE_SIZE;
    return t->pages[i];
}

static long write_locked(struct tmpfs *fs, struct tmpfs_node *t, uint64_t off,
                         const uint8_t *buf, size_t len)
{
    size_t done = 0;
    int err = 0;

    KASSERT(holding(&fs->lock));
    if (off >= TMPFS_FILE_MAX || len > TMPFS_FILE_MAX - off) {
        return -EFBIG;
    }
    err = grow_slots(t, (size_t)((off + len + PAGE_SIZE - 1) / PAGE_SIZE));
    while (err == 0 && done < len) {
        uint64_t pos = off + done;
        size_t in = pos % PAGE_SIZE, n = PAGE_SIZE - in;
        uint8_t *pg = page_locked(fs, t, (size_t)(pos / PAGE_SIZE), &err);

        if (pg == NULL) {
            break;
        }
        n = n < len - done ? n : len - done;
        memcpy(pg + in, buf + done, n);
        done += n;
    }
    if (done > 0 && off + done > t->size) {
        t->size = off + done;
    }
    return done > 0 ? (long)done : err;
}

long tmpfs_write(struct tmpfs *fs, uint64_t ino, uint64_t *off, const void *buf,
                 size_t len, bool append)
{
    struct tmpfs_node *t;
    long ret;

    spin_lock(&fs->lock);
    ret = file_locked(fs, ino, &t);
    if (ret == 0) {
        if (append) {
            *off = t->size;
        }
        ret = len == 0 ? 0 : write_locked(fs, t, *off, buf, len);
    }
    if (ret > 0) {
        *off += (uint64_t)ret;
    }
    spin_unlock(&fs->lock);
    return ret;
}

int tmpfs_truncate(struct tmpfs *fs, uint64_t ino, uint64_t size)
{
    struct tmpfs_node *t;
    int err;

    if (size > TMPFS_FILE_MAX) {
        return -EFBIG;
    }
    spin_lock(&fs->lock);
    err = file_locked(fs, ino, &t);
    if (err == 0 && size < t->size) {
        size_t keep = (size_t)((size + PAGE_SIZE - 1) / PAGE_SIZE);

        pages_free_locked(fs, t, keep);
        if (size % PAGE_SIZE != 0 && t->pages[keep - 1] != NULL) {
            /* what grows back past size must read as zeros */
            memset(t->pages[keep - 1] + size % PAGE_SIZE, 0,
                   PAGE_SIZE - size % PAGE_SIZE);
        }
    }
    if (err == 0) {
        t->size = size;
    }
    spin_unlock(&fs->lock);
    return err;
}

static void fill_dirent(const struct tmpfs_node *t, const char *name,
                        size_t len, uint64_t next, struct tmpfs_dirent *out)
{
    memcpy(out->name, name, len);
    out->name[len] = '\0';
    out->namelen = len;
    out->ino = t->ino;
    out->mode = t->mode;
    out->next = next;
}

int tmpfs_readdir(struct tmpfs *fs, uint64_t dir, uint64_t index,
                  struct tmpfs_dirent *out)
{
    struct tmpfs_node *d = NULL;
    int got = 0;

    spin_lock(&fs->lock);
    d = find_locked(fs, dir);
    if (d == NULL || !FS_ISDIR(d->mode)) {
        got = d == NULL ? -ENOENT : -ENOTDIR;
    } else if (index < 2) {
        fill_dirent(index == 0 || d->parent == NULL ? d : d->parent, "..",
                    index + 1, index + 1, out);
        got = 1;
    } else {
        struct tmpfs_node *c = entry_from(fs, d, index);

        if (c != NULL) {
            fill_dirent(c, c->name, c->namelen, c->cookie + 1, out);
            got = 1;
        }
    }
    spin_unlock(&fs->lock);
    return got;
}

static long build_path(const struct tmpfs_node *d, const char *prefix,
                       char *buf, size_t size)
{
    size_t plen = strlen(prefix), len = plen, at;
    const struct tmpfs_node *c;

    for (c = d; c->parent != NULL; c = c->parent) {
        len += 1 + c->namelen;
    }
    if (len + 1 > size) {
        return -ERANGE;
    }
    memcpy(buf, prefix, plen);
    buf[len] = '\0';
    for (at = len, c = d; c->parent != NULL; c = c->parent) {
        at -= c->namelen;
        memcpy(buf + at, c->name, c->namelen);
        buf[--at] = '/';
    }
    return (long)len;
}

long tmpfs_path(struct tmpfs *fs, uint64_t dir, const char *prefix, char *buf,
                size_t size)
{
    struct tmpfs_node *d;
    long ret;

    spin_lock(&fs->lock);
    ret = dir_locked(fs, dir, &d);
    if (ret == 0) {
        ret = build_path(d, prefix, buf, size);
    }
    spin_unlock(&fs->lock);
    return ret;
}
