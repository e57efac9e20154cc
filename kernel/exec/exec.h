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
 * regular file, or no execute bit), -ENOEXEC (not a static x86_64 ELF this kernel runs),
 * -E2BIG (argv + envp over USTACK_ARG_MAX, a string over
 * USTACK_STRLEN_MAX), -ENOMEM, -EAGAIN (the process table is full),
 * -ENOSYS (no user mode: the host), -EINVAL (path or name NULL).
 */
pid_t spawn_user_process(const char *path, const char *const argv[],
                         const char *const envp[]);
struct uvm;

/*
 * execve for the running user process, in two steps.  exec_prepare loads
 * path (an ELF as above, or a "#!interpreter [arg]" script, at most 4
 * deep: -ELOOP) into a new address space *vm and names it; the caller is
 * untouched (its errors are spawn_user_process's; -EINVAL from a kernel
 * process), and may free its copies of argv and envp.  exec_finish then
 * replaces the old address space, closes the close-on-exec descriptors,
 * takes the name and leaves for the program's entry.
 */
int exec_prepare(const char *path, const char *const argv[],
                 const char *const envp[], struct uvm **vm,
                 char name[PROCESS_NAME_MAX]);
_Noreturn void exec_finish(struct uvm *vm, const char *name);

#endif
