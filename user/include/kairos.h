/*
 * Kairos's own system calls, for user programs (the Linux ones come from
 * musl's <sys/syscall.h>).  The numbers must match kernel/sys/syscall.h.
 */
#ifndef KAIROS_USER_H
#define KAIROS_USER_H

/*
 * kairos_spawn(path, argv, envp): a new user process running the static
 * program at path (an initramfs path) with these vectors, as the child of
 * the caller; returns its pid or a negative errno (-ENOENT, -ENOEXEC,
 * -ENOMEM, -E2BIG, -EFAULT).  Until fork and execve exist, the only way to
 * start a program.
 */
#ifndef SYS_kairos_spawn
#define SYS_kairos_spawn 500
#endif

#endif
