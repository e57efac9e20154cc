/*
 * Symbolic names for error numbers, for dumps and test output.
 */
#include <stddef.h>

#include "kerrno.h"

static const char *const names[] = {
    [EPERM] = "EPERM",
    [ENOENT] = "ENOENT",
    [ESRCH] = "ESRCH",
    [EINTR] = "EINTR",
    [EIO] = "EIO",
    [E2BIG] = "E2BIG",
    [ENOEXEC] = "ENOEXEC",
    [EBADF] = "EBADF",
    [ECHILD] = "ECHILD",
    [EAGAIN] = "EAGAIN",
    [ENOMEM] = "ENOMEM",
    [EACCES] = "EACCES",
    [EFAULT] = "EFAULT",
    [EBUSY] = "EBUSY",
    [EEXIST] = "EEXIST",
    [ENODEV] = "ENODEV",
    [ENOTDIR] = "ENOTDIR",
    [EISDIR] = "EISDIR",
    [EINVAL] = "EINVAL",
    [EFBIG] = "EFBIG",
    [ENOSPC] = "ENOSPC",
    [ERANGE] = "ERANGE",
    [ENAMETOOLONG] = "ENAMETOOLONG",
    [ENOSYS] = "ENOSYS",
    [ELOOP] = "ELOOP",
    [EALREADY] = "EALREADY",
    [ENXIO] = "ENXIO",
    [ENFILE] = "ENFILE",
    [EMFILE] = "EMFILE",
    [ENOTTY] = "ENOTTY",
    [ESPIPE] = "ESPIPE",
    [EROFS] = "EROFS",
    [EOVERFLOW] = "EOVERFLOW",
    [EPIPE] = "EPIPE",
    [EXDEV] = "EXDEV",
    [ENOTEMPTY] = "ENOTEMPTY",
    [EOPNOTSUPP] = "EOPNOTSUPP",
    [ETIMEDOUT] = "ETIMEDOUT",
};

/* Lock-free and bounds-checked, so a dump on a wedged machine can use it. */
const char *errno_name(int err)
{
    /* Widen before negating: -INT_MIN does not fit an int. */
    long e = err < 0 ? -(long)err : err;

    if (e >= (long)(sizeof(names) / sizeof(names[0])) || names[e] == NULL) {
        return "E?";
    }
    return names[e];
}
