/*
 * The namespace (vfs.h): the initramfs at "/", the device directory
 * overlaid at "/dev" and the tmpfs at "/tmp".
 *
 * A path is walked one component at a time so that "dev" met in the root
 * directory, by any route ("/dev", "/bin/../dev", "//dev/./null"), enters
 * the device directory instead of the initramfs's own /dev, if it has one
 * ("tmp" likewise the tmpfs; ".." from either's root is the root).
 * Each other component is one ramfs_lookup from the directory reached so
 * far, which follows the links it meets inside the initramfs; a link's
 * target never enters /dev or /tmp (docs/fs.md).  No lock here: the
 * initramfs and /dev are constant after boot, and the tmpfs takes its own.
 */
#include "vfs.h"

#include "initramfs.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"

/* Linux's numbers: /dev/console is 5,1 (crw--w----), /dev/null 1,3. */
static const struct devnode devnodes[] = {
    {"console", 2, FS_IFCHR | 0620, 5, 1, "keyboard", "console", true},
    {"null", 3, FS_IFCHR | 0666, 1, 3, NULL, NULL, false},
};
#define NDEVNODES  (sizeof(devnodes) / sizeof(devnodes[0]))
#define DEVDIR_INO 1 /* the root of /dev's numbering */

static const struct ramfs *root_override; /* tests: vfs_set_root */
static struct tmpfs tmp;                  /* /tmp: tmpfs.h's lock rule */

int vfs_tmpfs_init(size_t limit)
{
    return tmpfs_init(&tmp, limit);
}

struct tmpfs *vfs_tmpfs(void)
{
    return &tmp;
}

bool vfs_is_tmpfs(const struct vnode *v)
{
    return v->kind == VNODE_TMPFS;
}

static struct vnode tmp_vnode(uint64_t ino)
{
    return (struct vnode){VNODE_TMPFS, NULL, NULL, ino};
}

static const struct ramfs *root_fs(void)
{
    return root_override != NULL ? root_override : initramfs();
}

const struct devnode *vfs_console(void)
{
    return &devnodes[0];
}

void vfs_set_root(const struct ramfs *fs)
{
    root_override = fs;
}

struct vnode vfs_root(void)
{
    return (struct vnode){VNODE_RAMFS, ramfs_root(root_fs()), NULL, 0};
}

static bool is_root(const struct vnode *v)
{
    return v->kind == VNODE_RAMFS && v->rn == ramfs_root(root_fs());
}

/* One component from a tmpfs directory: ".." of its root is the root. */
static int step_tmp(struct vnode *cur, const char *name, size_t clen)
{
    uint64_t ino;
    int err;

    if (cur->ino == TMPFS_ROOT_INO && clen == 2 && name[0] == '.' &&
        name[1] == '.') {
        *cur = vfs_root();
        return 0;
    }
    err = tmpfs_lookup(&tmp, cur->ino, name, clen, &ino);
    if (err == 0) {
        *cur = tmp_vnode(ino);
    }
    return err;
}

/* One component c (clen bytes, a NUL after it in name) from dir. */
static int step(struct vnode *cur, const char *name, size_t clen, int rflags)
{
    if (cur->kind == VNODE_DEVDIR) {
        if (clen == 1 && name[0] == '.') {
            return 0;
        }
        if (clen == 2 && name[0] == '.' && name[1] == '.') {
            *cur = vfs_root();
            return 0;
        }
        for (size_t i = 0; i < NDEVNODES; i++) {
            if (strncmp(devnodes[i].name, name, clen) == 0 &&
                devnodes[i].name[clen] == '\0') {
                *cur = (struct vnode){VNODE_DEV, NULL, &devnodes[i], 0};
                return 0;
            }
        }
        return -ENOENT;
    }
    if (cur->kind == VNODE_TMPFS) {
        return step_tmp(cur, name, clen);
    }
    if (cur->kind != VNODE_RAMFS) {
        return -ENOTDIR;
    }
    if (is_root(cur) && clen == 3 && memcmp(name, "dev", 3) == 0) {
        *cur = (struct vnode){VNODE_DEVDIR, NULL, NULL, 0};
        return 0;
    }
    if (is_root(cur) && clen == 3 && memcmp(name, "tmp", 3) == 0) {
        *cur = tmp_vnode(TMPFS_ROOT_INO);
        return 0;
    }
    return ramfs_lookup(root_fs(), cur->rn, name, rflags, &cur->rn);
}

/* vfs_lookup on the first len bytes of path (len < FS_PATH_MAX). */
static int lookup_n(const struct vnode *start, const char *path, size_t len,
                    int flags, struct vnode *out)
{
    struct vnode cur =
        start != NULL && (len == 0 || path[0] != '/') ? *start : vfs_root();
    char name[FS_NAME_MAX + 2]; /* a component, maybe "/", and the NUL */
    size_t i = 0;

    if (len == 0 || cur.kind == VNODE_NONE ||
        (cur.kind == VNODE_RAMFS && cur.rn == NULL)) {
        return -ENOENT;
    }
    while (i < len) {
        size_t c, clen;
        bool last;
        int err;

        while (i < len && path[i] == '/') {
            i++;
        }
        if (i == len) {
            break;
        }
        for (c = i; i < len && path[i] != '/'; i++) {
        }
        clen = i - c;
        if (clen > FS_NAME_MAX) {
            return -ENAMETOOLONG;
        }
        for (last = true, c = i; c < len; c++) {
            last = last && path[c] == '/';
        }
        memcpy(name, path + i - clen, clen);
        /* A trailing slash asks for a directory (ramfs checks it). */
        name[clen] = last && i < len ? '/' : '\0';
        name[clen + 1] = '\0';
        err = step(&cur, name, clen,
                   last && (flags & VFS_NOFOLLOW) ? RAMFS_NOFOLLOW : 0);
        if (err != 0) {
            return err;
        }
        if (last) {
            break;
        }
    }
    if (len > 0 && path[len - 1] == '/' && !vfs_is_dir(&cur)) {
        return -ENOTDIR;
    }
    *out = cur;
    return 0;
}

int vfs_lookup(const struct vnode *start, const char *path, int flags,
               struct vnode *out)
{
    size_t len = strnlen(path, FS_PATH_MAX);

    return len == FS_PATH_MAX ? -ENAMETOOLONG
                              : lookup_n(start, path, len, flags, out);
}

int vfs_lookup_parent(const struct vnode *start, const char *path)
{
    size_t len = strnlen(path, FS_PATH_MAX);
    struct vnode v;
    int err;

    if (len == FS_PATH_MAX) {
        return -ENAMETOOLONG;
    }
    while (len > 0 && path[len - 1] == '/') {
        len--;
    }
    while (len > 0 && path[len - 1] != '/') {
        len--;
    }
    if (len == 0) { /* a name alone: its parent is start (or the root) */
        v = start != NULL && path[0] != '/' ? *start : vfs_root();
        return vfs_is_dir(&v) ? 0 : -ENOTDIR;
    }
    err = lookup_n(start, path, len, 0, &v);
    return err != 0 ? err : vfs_is_dir(&v) ? 0 : -ENOTDIR;
}

int vfs_create(const struct vnode *start, const char *path, uint32_t mode,
               struct vnode *out)
{
    size_t len = strnlen(path, FS_PATH_MAX), end;
    struct vnode dir;
    uint64_t ino;
    int err;

    if (len == FS_PATH_MAX) {
        return -ENAMETOOLONG;
    }
    if (len == 0 || path[len - 1] == '/') {
        return len == 0 ? -ENOENT : -EISDIR;
    }
    for (end = len; end > 0 && path[end - 1] != '/';) {
        end--;
    }
    if (end == 0) {
        dir = start != NULL && path[0] != '/' ? *start : vfs_root();
        err = 0;
    } else {
        err = lookup_n(start, path, end, 0, &dir);
    }
    if (err != 0) {
        return err;
    }
    if (dir.kind != VNODE_TMPFS) {
        return vfs_is_dir(&dir) ? -EROFS : -ENOTDIR;
    }
    err = tmpfs_create(&tmp, dir.ino, path + end, len - end,
                       FS_IFREG | (mode & 07777), &ino);
    if (err == 0) {
        *out = tmp_vnode(ino);
    }
    return err;
}

static long path_root(char *buf, size_t size)
{
    if (size < 2) {
        return -ERANGE;
    }
    memcpy(buf, "/", 2);
    return 1;
}

long vfs_path(const struct vnode *dir, char *buf, size_t size)
{
    static const char devdir[] = "/dev";

    switch (dir->kind) {
    case VNODE_RAMFS:
        if (dir->rn != NULL) {
            return vfs_is_dir(dir) ? ramfs_path(dir->rn, buf, size) : -ENOTDIR;
        }
        return path_root(buf, size); /* an empty root */
    case VNODE_NONE:
        return path_root(buf, size);
    case VNODE_TMPFS:
        return tmpfs_path(&tmp, dir->ino, "/tmp", buf, size);
    case VNODE_DEVDIR:
        if (size < sizeof(devdir)) {
            return -ERANGE;
        }
        memcpy(buf, devdir, sizeof(devdir));
        return sizeof(devdir) - 1;
    default:
        return -ENOTDIR;
    }
}

long vfs_readlink(const struct vnode *v, char *buf, size_t len)
{
    return v->kind == VNODE_RAMFS && v->rn != NULL
               ? ramfs_readlink(v->rn, buf, len)
               : -EINVAL;
}

uint32_t vfs_type(const struct vnode *v)
{
    struct ramfs_stat st;

    switch (v->kind) {
    case VNODE_RAMFS:
        ramfs_stat(v->rn, &st);
        return st.mode & FS_IFMT;
    case VNODE_DEVDIR:
        return FS_IFDIR;
    case VNODE_PIPE:
        return FS_IFIFO;
    case VNODE_TMPFS: {
        struct tmpfs_stat ts;

        return tmpfs_stat(&tmp, v->ino, &ts) == 0 ? ts.mode & FS_IFMT : 0;
    }
    default:
        return FS_IFCHR;
    }
}

bool vfs_is_dir(const struct vnode *v)
{
    return vfs_type(v) == FS_IFDIR;
}

static void stat_ramfs(const struct ramfs_node *n, struct kstat *st)
{
    struct ramfs_stat rs;

    ramfs_stat(n, &rs);
    st->st_dev = VFS_DEV_ROOT;
    st->st_ino = rs.ino;
    st->st_nlink = rs.nlink;
    st->st_mode = rs.mode;
    st->st_uid = rs.uid;
    st->st_gid = rs.gid;
    st->st_size = (int64_t)rs.size;
    /* Symlink targets live in their inode on tmpfs: no blocks. */
    st->st_blocks = FS_ISLNK(rs.mode)
                        ? 0
                        : (int64_t)((rs.size + PAGE_SIZE - 1) / PAGE_SIZE * 8);
    st->st_atime_sec = st->st_mtime_sec = st->st_ctime_sec = rs.mtime;
}

static void stat_tmp(uint64_t ino, struct kstat *st)
{
    struct tmpfs_stat ts;

    st->st_dev = VFS_DEV_TMP;
    st->st_ino = ino;
    if (tmpfs_stat(&tmp, ino, &ts) != 0) {
        return; /* removed meanwhile: nothing to say */
    }
    st->st_nlink = ts.nlink;
    st->st_mode = ts.mode;
    st->st_size = (int64_t)ts.size;
    st->st_blocks = (int64_t)ts.blocks;
}

void vfs_stat(const struct vnode *v, struct kstat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_blksize = PAGE_SIZE;
    switch (v->kind) {
    case VNODE_RAMFS:
        stat_ramfs(v->rn, st);
        return;
    case VNODE_DEVDIR:
        st->st_dev = VFS_DEV_DEVDIR;
        st->st_ino = DEVDIR_INO;
        st->st_nlink = 2;
        st->st_mode = FS_IFDIR | 0755;
        return;
    case VNODE_DEV:
        st->st_dev = VFS_DEV_DEVDIR;
        st->st_ino = v->dn->ino;
        st->st_nlink = 1;
        st->st_mode = v->dn->mode;
        st->st_rdev = VFS_MKDEV(v->dn->major, v->dn->minor);
        return;
    case VNODE_NONE:
        st->st_mode = FS_IFCHR | 0600; /* a bare device: no node */
        return;
    case VNODE_TMPFS:
        stat_tmp(v->ino, st);
        return;
    case VNODE_PIPE:
        st->st_dev = VFS_DEV_PIPE;
        st->st_ino = v->ino;
        st->st_nlink = 1;
        st->st_mode = FS_IFIFO | 0600;
        return;
    }
}

static int readdir_dev(uint64_t index, struct vfs_dirent *out)
{
    static const struct vfs_dirent dots[] = {
        {.name = ".", .namelen = 1, .ino = DEVDIR_INO, .type = VFS_DT_DIR},
        {.name = "..", .namelen = 2, .ino = RAMFS_ROOT_INO, .type = VFS_DT_DIR},
    };

    if (index < 2) {
        *out = dots[index];
        out->next = index + 1;
        return 1;
    }
    if (index - 2 >= NDEVNODES) {
        return 0;
    }
    out->name = devnodes[index - 2].name;
    out->namelen = strlen(out->name);
    out->ino = devnodes[index - 2].ino;
    out->type = VFS_DT_CHR;
    return 1;
}

static int readdir_tmp(uint64_t dir, uint64_t index, struct vfs_dirent *out)
{
    struct tmpfs_dirent e;
    int got = tmpfs_readdir(&tmp, dir, index, &e);

    if (got == 1) {
        memcpy(out->buf, e.name, e.namelen + 1);
        out->name = out->buf;
        out->namelen = e.namelen;
        out->ino = index == 1 && dir == TMPFS_ROOT_INO ? RAMFS_ROOT_INO : e.ino;
        out->type = (e.mode & FS_IFMT) >> 12;
        out->next = e.next;
    }
    return got;
}

int vfs_readdir(const struct vnode *dir, uint64_t index, struct vfs_dirent *out)
{
    struct ramfs_dirent e;
    int got;

    out->next = index + 1;
    if (dir->kind == VNODE_DEVDIR) {
        return readdir_dev(index, out);
    }
    if (dir->kind == VNODE_TMPFS) {
        return readdir_tmp(dir->ino, index, out);
    }
    if (dir->kind != VNODE_RAMFS) {
        return -ENOTDIR;
    }
    got = ramfs_readdir(dir->rn, index, &e);
    if (got == 1) {
        out->name = e.name;
        out->namelen = e.namelen;
        out->ino = e.ino;
        out->type = (e.mode & FS_IFMT) >> 12;
    }
    return got;
}
