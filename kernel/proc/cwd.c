/*
 * Working directories (cwd.h).  A process that never called chdir has a
 * VNODE_NONE cwd, read as "the root": so a test that swaps the root
 * (vfs_set_root) moves every such process with it.
 */
#include "cwd.h"

#include "kerrno.h"
#include "proc.h"

void cwd_inherit(struct process *child, const struct process *parent)
{
    child->cwd = parent != NULL && !parent->idle
                     ? parent->cwd
                     : (struct vnode){VNODE_NONE, NULL, NULL, 0};
}

struct vnode cwd_get(void)
{
    struct process *p = proc_current();

    return p != NULL && p->cwd.kind != VNODE_NONE ? p->cwd : vfs_root();
}

int cwd_lookup(const char *path, int flags, struct vnode *out)
{
    struct vnode start = cwd_get();

    return vfs_lookup(&start, path, flags, out);
}

int cwd_set(const struct vnode *dir)
{
    struct process *p = proc_current();

    if (p == NULL || p->idle) {
        return -EINVAL;
    }
    if (!vfs_is_dir(dir)) {
        return -ENOTDIR;
    }
    p->cwd = *dir;
    return 0;
}
