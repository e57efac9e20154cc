/*
 * Descriptor tables (docs/fs.md, "Open files"): each process has MAX_FDS
 * slots, each NULL or a reference to a shared struct file (kernel/fs/
 * file.h), a close-on-exec bit per slot, and a bit per slot in use
 * (fd_open), so that finding the lowest free slot, copying a table at
 * fork and emptying it at exit cost the descriptors open, not MAX_FDS.
 *
 * Locking: a process's table is changed only by the process itself, and
 * under sched_lock, so that process_descriptor, which reads another
 * process's table under sched_lock, never sees a file being freed (the
 * slot is emptied under the lock before its reference is dropped).  The
 * process reads its own table without a lock.  The idle task has no
 * descriptors: it cannot block, and every call here refuses it.
 */
#ifndef KAIROS_FD_H
#define KAIROS_FD_H

#include <stdbool.h>

#include "file.h"

struct process;

/* The running process's file at fd with a new reference (file_put it), or
 * NULL: fd < 0, >= MAX_FDS, not open, or no descriptors (idle). */
struct file *fd_get(int fd);
/*
 * Put f at the running process's lowest free descriptor, taking over the
 * caller's reference.  The descriptor, or -EMFILE (table full, or idle:
 * the reference stays the caller's).
 */
int fd_install(struct file *f, bool cloexec);
/* fd_install at the lowest free descriptor >= min (F_DUPFD): -EMFILE
 * when none is free (min >= MAX_FDS too), -EINVAL for min < 0. */
int fd_install_from(struct file *f, int min, bool cloexec);
/*
 * Make descriptor fd of the running process refer to f (a new reference;
 * NULL: close it), dropping what it held.  0, or -EBADF (fd out of range,
 * or idle).
 */
int fd_assign(int fd, struct file *f, bool cloexec);
/* Close the running process's fd: 0 or -EBADF (not open). */
int fd_close(int fd);
/* fd's close-on-exec bit: 0 or 1, or -EBADF.  set >= 0 changes it. */
int fd_cloexec(int fd, int set);
/*
 * A new process's descriptors, before it runs: 0, 1 and 2 share the
 * parent's open files (the boot's stdio files when the parent is idle);
 * the rest are closed.  No lock: child is not yet published.
 */
void fd_inherit(struct process *child, const struct process *parent);
/* Close every descriptor of p (its exit, or a failed spawn). */
void fd_release_all(struct process *p);
/* execve: close the running process p's close-on-exec descriptors. */
void fd_exec(struct process *p);
/* A forked child's table: every descriptor of parent (the running
 * process) shared, close-on-exec flags too. */
void fd_fork(struct process *child, const struct process *parent);

#endif
