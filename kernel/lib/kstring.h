/*
 * String and memory functions.
 *
 * The standard names are implemented in string.c for the kernel (there is no
 * libc); host builds get them from the C library.  The k-prefixed helpers
 * exist in neither libc and are compiled everywhere.
 */
#ifndef KAIROS_KSTRING_H
#define KAIROS_KSTRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/*
 * Copy src into dst of size bytes, always NUL-terminating when size > 0.
 * Returns strlen(src); a result >= size means the copy was truncated.
 */
size_t kstrlcpy(char *dst, const char *src, size_t size);

/*
 * Parse an unsigned number in base 2..36; base 0 means hex after "0x", else
 * decimal (a leading 0 is not octal).  Base 16 also accepts "0x".  The whole
 * string must be digits: no sign or spaces.  0, -EINVAL (empty, "0x" alone,
 * stray characters, bad base) or -ERANGE (too big); *out is set only on 0.
 */
int kstrtoul(const char *s, int base, unsigned long *out);

#endif
