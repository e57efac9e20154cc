/*
 * Error numbers.  Kairos returns them negated (-ENOMEM), with the values
 * Linux uses on x86_64 so that the syscall ABI matches and host tests can
 * compare against <errno.h>.
 */
#ifndef KAIROS_KERRNO_H
#define KAIROS_KERRNO_H

#define EPERM        1   /* operation not permitted */
#define ENOENT       2   /* no such device or entry */
#define ESRCH        3   /* no such process */
#define EINTR        4   /* interrupted */
#define EIO          5   /* device error */
#define ENXIO        6   /* no such device (a node without its driver) */
#define E2BIG        7   /* argument list too long */
#define ENOEXEC      8   /* not an executable this kernel runs */
#define EBADF        9   /* bad file descriptor */
#define ECHILD       10  /* no such child */
#define EAGAIN       11  /* try again: a table is full or no data yet */
#define ENOMEM       12  /* out of memory */
#define EACCES       13  /* permission denied: not a file one can run */
#define EFAULT       14  /* bad address */
#define EBUSY        16  /* resource busy */
#define EEXIST       17  /* already exists */
#define EXDEV        18  /* a rename between file systems */
#define ENODEV       19  /* no such device */
#define ENOTDIR      20  /* a path component is not a directory */
#define EISDIR       21  /* is a directory */
#define EINVAL       22  /* invalid argument */
#define ENFILE       23  /* too many open files in the system */
#define EMFILE       24  /* too many open files in this process */
#define ENOTTY       25  /* not a terminal: no such ioctl here */
#define EFBIG        27  /* file too large */
#define ENOSPC       28  /* no space left */
#define ESPIPE       29  /* seek on something that has no offset */
#define EROFS        30  /* read-only file system */
#define EPIPE        32  /* a write to a pipe nobody reads */
#define ERANGE       34  /* result out of range */
#define ENAMETOOLONG 36  /* a path or one of its names is too long */
#define ENOSYS       38  /* no such system call */
#define ENOTEMPTY    39  /* rmdir of ".." (a directory not empty) */
#define ELOOP        40  /* too many symbolic links in a path */
#define EOVERFLOW    75  /* a value too large for its type */
#define EOPNOTSUPP   95  /* not supported here (O_TMPFILE on tmpfs) */
#define ETIMEDOUT    110 /* a wait reached its timeout (futex) */
#define EALREADY     114 /* already done: a double free */

/* errno_name: short symbolic name ("ENOMEM") for a positive or negative errno. */
const char *errno_name(int err);

#endif
