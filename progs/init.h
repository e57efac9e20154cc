/*
 * init: the first process (pid 1).  It runs the shell and reaps orphans.
 */
#ifndef KAIROS_INIT_H
#define KAIROS_INIT_H

/*
 * init's body: start the shell ("sh"), or the init= program (its
 * arguments in init.args=, comma-separated), then wait for children forever,
 * reaping every orphan given to init and starting a new shell when the shell
 * exits (unless it failed: a negative exit code).  Powers the machine off
 * when init has no child left.  Never returns.
 */
int init_main(void *arg);
/* Orphans init has reaped since boot (the shell's `stats`).  Lock-free. */
unsigned long init_orphans_reaped(void);

#endif
