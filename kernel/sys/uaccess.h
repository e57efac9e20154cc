/*
 * The caller's memory, whoever the caller is (docs/user.md, "User
 * copies").  A user process's pointers are user addresses: checked
 * against the user half and copied with fault recovery, never used in
 * place.  A kernel process's are kernel addresses: checked with
 * arch_access_ok (mapped, writable for a write), then copied.  System call
 * handlers use only these.
 */
#ifndef KAIROS_UACCESS_H
#define KAIROS_UACCESS_H

#include <stdbool.h>
#include <stddef.h>

/* True when the running process is a user process. */
bool caller_is_user(void);
/*
 * May [p, p + n) be the caller's buffer for a call that reads it (write
 * false) or fills it?  A user caller's range must lie in the user half
 * (Linux's access_ok; the copies find unmapped pages); a kernel caller's
 * must pass arch_access_ok.  Checked before a transfer starts, so a bad
 * range moves nothing.  0 or -EFAULT.
 */
int check_caller_range(const void *p, size_t n, bool write);
/* n bytes from the caller's src into dst.  0 or -EFAULT. */
int copy_from_caller(void *dst, const void *src, size_t n);
/* n bytes from src to the caller's dst.  0 or -EFAULT. */
int copy_to_caller(void *dst, const void *src, size_t n);
/*
 * Can n (at most 64) bytes be written at the caller's dst?  0 or -EFAULT,
 * changing nothing: a call checks this before acting (waiting, reaping)
 * so that a bad pointer harms nothing, then copies with copy_to_caller.
 */
int check_caller_writable(void *dst, size_t n);
/*
 * The caller's NUL-terminated string at src into buf (size bytes, size >
 * 0): its length; -EFAULT; -ENAMETOOLONG if it does not end within size -
 * 1 bytes (buf then holds nothing useful).
 */
long string_from_caller(char *buf, const void *src, size_t size);

#endif
