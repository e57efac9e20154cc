/*
 * printf-style formatting without libc.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%.  Length modifiers hh, h, l, ll,
 * z, t, j.  Flags '-' (left justify) and '0' (pad numbers with zeros after
 * the sign or 0x); '0' is ignored with '-' or a precision, as in C.  A field
 * width and a precision, each a number or '*' (a negative '*' width means
 * '-').  Precision is the most bytes printed for %s and the fewest digits
 * for integers.
 *
 * %p always prints "0x" and 16 lower-case hex digits (0x00000000001234ab),
 * so addresses line up in dumps; NULL is 0x0000000000000000.  A NULL %s
 * prints "(null)".  An unknown conversion (or an unsupported flag such as
 * '+') is printed as written, from the '%' to the offending character, so a
 * bad format string shows up in the output instead of crashing.
 *
 * No allocation, locks or static state: callable from any context,
 * including interrupt handlers and panic.
 */
#ifndef KAIROS_PRINTF_H
#define KAIROS_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Output one character; ctx is the caller's. */
typedef void (*fmt_putc_t)(char c, void *ctx);

/* Format to a callback; returns the number of characters produced. */
int kvformat(fmt_putc_t putc, void *ctx, const char *fmt, va_list ap);

/*
 * Format into buf (always NUL-terminated when size > 0).  Returns the length
 * the full output would have had, like C99 snprintf.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
