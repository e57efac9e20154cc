/*
 * The scheduler's trace ring (trace.h, docs/trace.md).
 *
 * Writers hold sched_lock, so they never race each other; readers take no
 * lock and trust a copy only if the record's stamp was 1 + its sequence
 * number both before and after they copied it.  The release stores and
 * acquire loads below are plain moves on x86_64; they keep the compiler
 * (and a weaker CPU) from moving the field accesses across the stamp.
 */
#include "trace.h"

#include "arch.h"
#include "klog.h"
#include "kstring.h"
#include "panic.h"
#include "printf.h"
#include "timer.h"

#define TRACE_MASK (TRACE_RECORDS - 1)
_Static_assert((TRACE_RECORDS & TRACE_MASK) == 0,
               "TRACE_RECORDS must be a power of two");

struct trace_state trace_state;
static struct trace_record ring[TRACE_RECORDS];

static const char *const event_names[TRACE_NEVENTS] = {
    [TRACE_NONE] = "none",   [TRACE_SWITCH] = "switch",
    [TRACE_WAKE] = "wake",   [TRACE_BLOCK] = "block",
    [TRACE_EXIT] = "exit",   [TRACE_PREEMPT] = "preempt",
    [TRACE_BOOST] = "boost",
};

const char *trace_event_name(uint32_t type)
{
    return type < TRACE_NEVENTS ? event_names[type] : "?";
}

void trace_emit_locked(enum trace_event type, int32_t a, int32_t b, int32_t c,
                       uint64_t arg)
{
    uint64_t seq = trace_state.next++;
    struct trace_record *r = &ring[seq & TRACE_MASK];

    KASSERT(holding(&sched_lock));
    __atomic_store_n(&r->stamp, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* stamp 0 before the fields */
    r->cycles = arch_cycles();
    r->ticks = timer_ticks();
    r->arg = arg;
    r->a = a;
    r->b = b;
    r->c = c;
    r->type = (uint32_t)type;
    __atomic_store_n(&r->stamp, seq + 1, __ATOMIC_RELEASE);
}

void trace_switch_locked(struct process *prev, struct process *next)
{
    trace_emit_locked(TRACE_SWITCH, prev->pid, next->pid, (int32_t)prev->state,
                      0);
    arch_context_switch(&prev->context, &next->context);
}

void trace_set(bool on)
{
    spin_lock(&sched_lock);
    if (on && !trace_state.on) {
        trace_state.start = trace_state.next;
    }
    trace_state.on = on;
    spin_unlock(&sched_lock);
}

struct trace_stats trace_stats(void)
{
    struct trace_stats st;
    uint64_t next = __atomic_load_n(&trace_state.next, __ATOMIC_ACQUIRE);
    uint64_t start = trace_state.start;
    uint64_t oldest = next > TRACE_RECORDS ? next - TRACE_RECORDS : 0;

    if (start > next) { /* a torn pair from a concurrent trace_set */
        start = next;
    }
    st.on = trace_state.on;
    st.next = next;
    st.first = oldest > start ? oldest : start;
    st.recorded = next - start;
    st.overwritten = st.first - start;
    return st;
}

bool trace_copy(uint64_t seq, struct trace_record *out)
{
    const struct trace_record *r = &ring[seq & TRACE_MASK];

    if (__atomic_load_n(&r->stamp, __ATOMIC_ACQUIRE) != seq + 1) {
        return false;
    }
    out->stamp = seq + 1;
    out->cycles = r->cycles;
    out->ticks = r->ticks;
    out->arg = r->arg;
    out->a = r->a;
    out->b = r->b;
    out->c = r->c;
    out->type = r->type;
    return true;
}

bool trace_intact(uint64_t seq)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the copy before the check */
    return __atomic_load_n(&ring[seq & TRACE_MASK].stamp, __ATOMIC_RELAXED) ==
           seq + 1;
}

bool trace_read(uint64_t seq, struct trace_record *out)
{
    return trace_copy(seq, out) && trace_intact(seq);
}

/* Up to max bytes of s, unprintable bytes and spaces as '?', so a name is
 * one word of the dump. */
static void name_word(const char *s, size_t max, char *out)
{
    size_t i;

    for (i = 0; i < max && s[i] != '\0'; i++) {
        out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
    }
    out[i] = '\0';
}

int trace_format(uint64_t seq, const struct trace_record *r, char *buf,
                 size_t size)
{
    char name[sizeof(r->arg) + 1];
    int n = ksnprintf(buf, size, "%lu %lu %lu %s", (unsigned long)seq,
                      (unsigned long)r->ticks, (unsigned long)r->cycles,
                      trace_event_name(r->type));
    size_t used = n > 0 && (size_t)n < size ? (size_t)n : size;
    char *p = buf + used;
    size_t left = size - used;

    switch (r->type) {
    case TRACE_SWITCH:
        return n + ksnprintf(p, left, " prev=%d next=%d state=%s", r->a, r->b,
                             proc_state_name((enum process_state)r->c));
    case TRACE_WAKE:
        return n + ksnprintf(p, left, " pid=%d by=%d chan=0x%lx", r->a, r->b,
                             (unsigned long)r->arg);
    case TRACE_BLOCK:
        return n + ksnprintf(p, left, " pid=%d chan=0x%lx", r->a,
                             (unsigned long)r->arg);
    case TRACE_EXIT:
        name_word((const char *)&r->arg, sizeof(r->arg), name);
        return n +
               ksnprintf(p, left, " pid=%d code=%d name=%s", r->a, r->b, name);
    case TRACE_PREEMPT:
        return n + ksnprintf(p, left, " pid=%d next=%d", r->a, r->b);
    case TRACE_BOOST:
        return n +
               ksnprintf(p, left, " pid=%d from=%d to=%d", r->a, r->b, r->c);
    default:
        return n;
    }
}

static void dump_proc_name(struct process *p, void *ctx)
{
    char name[PROCESS_NAME_MAX];

    (void)ctx;
    name_word(p->name, PROCESS_NAME_MAX - 1, name);
    kprintf("proc pid=%d name=%s\n", p->pid, name);
}

/*
 * The events of the recording held when the dump starts, oldest first,
 * then the live processes' names.  Events overwritten before their turn
 * (tracing goes on meanwhile) are counted as lost, never printed torn.
 */
void trace_dump(void)
{
    struct trace_stats st = trace_stats();
    uint64_t printed = 0, lost = 0;
    char line[128];

    kprintf("trace-begin version=1 hz=%u records=%u recorded=%lu "
            "overwritten=%lu first=%lu next=%lu state=%s\n",
            timer_hz(), (unsigned)TRACE_RECORDS, (unsigned long)st.recorded,
            (unsigned long)st.overwritten, (unsigned long)st.first,
            (unsigned long)st.next, st.on ? "on" : "off");
    for (uint64_t seq = st.first; seq < st.next; seq++) {
        struct trace_record r;

        if (!trace_read(seq, &r)) {
            lost++;
            continue;
        }
        trace_format(seq, &r, line, sizeof(line));
        kprintf("%s\n", line);
        printed++;
    }
    proc_foreach_nolock(dump_proc_name, NULL);
    kprintf("trace-end printed=%lu lost=%lu\n", (unsigned long)printed,
            (unsigned long)lost);
}

void trace_reset(void)
{
    trace_state.on = false;
    trace_state.next = trace_state.start = 0;
    memset(ring, 0, sizeof(ring));
}
