/*
 * Pipes and the descriptor calls (docs/syscalls.md, "Pipes and
 * descriptors"): pipe, pipe2, dup, dup2, dup3, fcntl, and the pipe side
 * of read, write and poll.  The ring itself is kernel/fs/pipe.h.
 */
#ifndef KAIROS_SYS_PIPE_H
#define KAIROS_SYS_PIPE_H

#include <stdbool.h>
#include <stddef.h>

struct file;
struct poll_entry;
struct poll_waiter;

/* fcntl's commands and FD_CLOEXEC, Linux's values. */
#define KF_DUPFD         0
#define KF_GETFD         1
#define KF_SETFD         2
#define KF_GETFL         3
#define KF_SETFL         4
#define KF_DUPFD_CLOEXEC 1030
#define KFD_CLOEXEC      1

/*
 * Read up to len bytes (len > 0, the range checked) from pipe end f:
 * blocks while the pipe is empty and has writers (block false, or
 * O_NONBLOCK: -EAGAIN instead); 0 at EOF (no writers left); -EINTR when
 * a signal ends the wait; -EFAULT when nothing could be copied.
 */
long pipe_read(struct file *f, void *buf, size_t len, bool block);
/*
 * Write len bytes (len > 0, the range checked) to pipe end f: a write of
 * at most PIPE_BUF bytes goes in whole or waits; a longer one may be cut
 * into pieces.  The bytes written, or (none written) -EAGAIN (O_NONBLOCK),
 * -EINTR, -EFAULT, or -EPIPE with SIGPIPE sent to the caller when no
 * reader is left.
 */
long pipe_write(struct file *f, const void *buf, size_t len);
/* pipe_write from kernel memory (sendfile's source): never -EFAULT. */
long pipe_write_kernel(struct file *f, const void *buf, size_t len);
/* poll's events on pipe end f now; e not NULL: put it on the pipe's
 * list for w first, so a later change wakes w. */
short pipe_poll(struct file *f, struct poll_entry *e, struct poll_waiter *w);

/* The handlers, for syscall.c's table (arg: rdi, rsi, rdx, r10, r8, r9). */
long do_pipe(const long arg[6]);
long do_pipe2(const long arg[6]);
long do_dup(const long arg[6]);
long do_dup2(const long arg[6]);
long do_dup3(const long arg[6]);
long do_fcntl(const long arg[6]);
long do_poll(const long arg[6]);
long do_ppoll(const long arg[6]);

#endif
