/*
 * Process helpers for the kernel suites (kproc.h).
 */
#include "kproc.h"

void gate_pass(struct gate *g)
{
    spin_lock(&g->lock);
    while (!g->open && block_current_locked((wait_channel_t)g, &g->lock) == 0) {
    }
    spin_unlock(&g->lock);
}

void gate_open(struct gate *g)
{
    spin_lock(&g->lock);
    g->open = true;
    wake_channel((wait_channel_t)g);
    spin_unlock(&g->lock);
}

bool wait_state(pid_t pid, enum process_state s, int tries)
{
    struct process_info info;

    for (int i = 0; i < tries; i++) {
        if (get_process(pid, &info) == 0 && info.state == s) {
            return true;
        }
        yield_now();
    }
    return get_process(pid, &info) == 0 && info.state == s;
}
