/*
 * The kernel command line, parsed once at boot into key=value words.
 *
 * Any subsystem may ask for a value.  Unknown keys and malformed words are
 * reported with a warning and ignored, so a typo never stops a boot; a value
 * that does not parse or is out of range gives a warning and the default.
 */
#ifndef KAIROS_CMDLINE_H
#define KAIROS_CMDLINE_H

#include <stddef.h>

/*
 * Parse s (copied; may be NULL).  The first word is skipped when it has no
 * '=', because Multiboot loaders pass the kernel's path there.  Replaces any
 * earlier parse.  Returns the number of warnings printed.  Boot-time only:
 * not safe against concurrent readers (there is no lock).
 */
int cmdline_parse(const char *s);
/*
 * Value of key, or NULL when absent.  "key=" gives "".  The string lives
 * until the next cmdline_parse.
 */
const char *cmdline_get(const char *key);
/*
 * Numeric value of key in [min, max] (decimal or 0x hex), or def when the
 * key is absent; when the value is malformed or out of range, a warning and
 * def.
 */
unsigned long cmdline_get_ulong(const char *key, unsigned long def,
                                unsigned long min, unsigned long max);
/*
 * Number of words given (the skipped path and words past the limits not
 * counted), and the i-th in order: its key (the whole word when it has no
 * '='), value (NULL without '='), and why it was ignored (NULL when it is
 * in effect, the one kept for its key).  NULL past the end.
 */
size_t cmdline_count(void);
const char *cmdline_key(size_t i);
const char *cmdline_value(size_t i);
const char *cmdline_ignored(size_t i);
/*
 * For an image that does not read the test-only keys (test=, crash=): warn
 * about each one given and ignore it.  Call right after cmdline_parse.
 * Returns the number dropped.
 */
int cmdline_drop_test_only(void);
/* Warnings since the last cmdline_parse, cmdline_get_ulong's included. */
int cmdline_warnings(void);
/*
 * The keys the kernel knows, with a one-line description of each (for the
 * shell's listing); NULL past the end.
 */
size_t cmdline_known_count(void);
const char *cmdline_known_key(size_t i);
const char *cmdline_known_help(size_t i);
/*
 * The value in effect for known key i: for a number, what
 * cmdline_get_ulong last returned for it (written into buf), or NULL before
 * it is read; for a string, the kept value, or NULL when there is none.
 */
const char *cmdline_known_effective(size_t i, char *buf, size_t size);

#endif
