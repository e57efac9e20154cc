/*
 * Starting programs (docs/user.md, docs/exec.md): the kernel's posix_spawn.
 */
#ifndef KAIROS_EXEC_H
#define KAIROS_EXEC_H

#include "process.h"

/*
 * A new user process, child of the caller, running the static ELF program
 * at path in the initramfs with argv and envp (NULL-terminated kernel
 * arrays of kernel strings; NULL: empty), its descriptors 0-2 inherited,
 * its name path's last component.  The image is checked and loaded before
 * this returns, so every error is the caller's to see: its pid, or
 * -ENOENT / -ENOTDIR / -ELOOP / -ENAMETOOLONG (the path), -EACCES (not a
 * regular file), -ENOEXEC (not a static x86_64 ELF this kernel runs),
 * -E2BIG (argv + envp over USTACK_ARG_MAX, a string over
 * USTACK_STRLEN_MAX), -ENOMEM, -EAGAIN (the process table is full),
 * -ENOSYS (no user mode: the host), -EINVAL (path or name NULL).
 */
pid_t spawn_user_process(const char *path, const char *const argv[],
                         const char *const envp[]);

#endif
