/*
 * Process memory: records, kernel stacks, tracked regions, and the cache of
 * reaped records that makes spawn cheap.  Internal to the process core
 * (proc.c); other code uses proc_alloc/proc_free from proc.h.
 */
#ifndef KAIROS_PROC_MEM_H
#define KAIROS_PROC_MEM_H

#include "proc.h"

/* A zeroed record named name, with no stack (the idle task's), or NULL. */
struct process *proc_record_new(const char *name);
/*
 * A record named name with a ready kernel stack (filled, canary set): a
 * cached one if any, else a new one.  Fields other than the name, the
 * stack and its region are zero.  NULL when out of memory.  No lock held.
 */
struct process *proc_record_get(const char *name);
/* Give back a reaped record (with its stack): cached, or freed with the
 * stack when the cache is full.  Caller holds sched_lock. */
void proc_record_put_locked(struct process *p);
/* Free a record, its stack and every region it still has. */
void proc_record_destroy(struct process *p);
/* Free the regions a process holds besides its stack (at exit). */
void proc_release_regions(struct process *p);
/* Free every cached record.  Caller holds sched_lock. */
void proc_cache_trim_locked(void);

#endif
