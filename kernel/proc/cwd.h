/*
 * Working directories (docs/process.md, "Working directory"): each process
 * has one, a plain vnode (vfs.h: the namespace never changes, so no
 * reference is held), inherited at spawn and changed only by the process
 * itself (chdir, fchdir), so it is read and written without a lock.
 * Relative paths of every call resolve from it: cwd_lookup is the one
 * "resolve a path for the caller" helper (it lives here, above kernel/fs,
 * because only the process layer knows who the caller is).
 */
#ifndef KAIROS_CWD_H
#define KAIROS_CWD_H

#include "vfs.h"

struct process;

/* child's working directory: parent's (the root for a child of idle or
 * of no one).  No lock: child is not yet published. */
void cwd_inherit(struct process *child, const struct process *parent);
/* The running process's working directory (the root outside a process,
 * and for one that never changed it: then whatever "/" is now). */
struct vnode cwd_get(void);
/* vfs_lookup of path from the caller's working directory (absolute
 * paths from "/"): 0 with *out, or vfs_lookup's errors. */
int cwd_lookup(const char *path, int flags, struct vnode *out);
/* Make dir the running process's working directory: 0, -ENOTDIR (not a
 * directory), -EINVAL (idle or outside a process). */
int cwd_set(const struct vnode *dir);

#endif
