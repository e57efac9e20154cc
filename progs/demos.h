/*
 * Demos the shell spawns by name (`spawn <demo> [n]`): small programs that
 * show the scheduler at work.  Each runs as kernel processes, prints what it
 * did on stdout (fd 1) and exits; none runs forever.  docs/shell.md says what
 * each one shows.
 */
#ifndef KAIROS_DEMOS_H
#define KAIROS_DEMOS_H

#include <stdbool.h>
#include <stddef.h>

#include "process.h"

struct demo {
    const char *name;      /* what `spawn` takes; also the process name */
    const char *n_means;   /* what n counts, for help: "processes", ... */
    const char *help;      /* one line */
    unsigned long n_def;   /* n when omitted */
    unsigned long n_max;   /* largest n accepted; the smallest is 1 */
    bool copies;           /* n processes run entry(NULL); else one runs
                              entry((void *)n) */
    process_entry_t entry; /* the process body; its return is the exit code */
    bool zero_ok;          /* n may be 0 (else the smallest is 1) */
};

/* Number of demos, and the i-th (NULL past the end), for listings. */
size_t demo_count(void);
const struct demo *demo_at(size_t i);
/* The demo called name, or NULL. */
const struct demo *demo_find(const char *name);

#endif
