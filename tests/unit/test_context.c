/*
 * The arch contract's contexts on the host: arch_context_init starts
 * entry(arg) on the given stack with interrupts as the switch left them
 * (off: the core switches with them off, and entry turns them on once it
 * has released its lock), and arch_context_switch moves between contexts,
 * each resuming where it left off with its own locals intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"

#define STACK_SIZE (64 * 1024)
#define ROUNDS     100

static struct arch_context main_ctx, ctx_a, ctx_b;
static char trace[2 * ROUNDS + 1];
static size_t ntrace;

struct worker {
    char letter;
    struct arch_context *self, *next;
    void *stack_lo, *stack_hi; /* where its locals must live */
    bool irq_off_on_entry;     /* entry ran with interrupts off */
    bool locals_on_own_stack;
};

static struct worker wa, wb;

static void worker_entry(void *arg)
{
    struct worker *w = arg;
    volatile int counter = 0; /* must survive every switch away and back */

    w->irq_off_on_entry = !arch_irq_enabled();
    arch_irq_enable(); /* entry's job, not the port's */
    w->locals_on_own_stack =
        (void *)&counter >= w->stack_lo && (void *)&counter < w->stack_hi;
    for (int i = 0; i < ROUNDS; i++) {
        trace[ntrace++] = w->letter;
        counter++;
        arch_irq_save(); /* the core switches with interrupts off */
        arch_context_switch(w->self, w->next);
    }
    trace[ntrace] = '\0';
    assert_int_equal(counter, ROUNDS);
    arch_context_switch(w->self, &main_ctx);
    fail_msg("a finished context was resumed");
}

static void *new_stack(void)
{
    void *s = aligned_alloc(16, STACK_SIZE);

    assert_non_null(s);
    return s;
}

static void test_two_contexts_alternate(void **state)
{
    void *sa = new_stack(), *sb = new_stack();

    (void)state;
    wa = (struct worker){.letter = 'a',
                         .self = &ctx_a,
                         .next = &ctx_b,
                         .stack_lo = sa,
                         .stack_hi = (char *)sa + STACK_SIZE};
    wb = (struct worker){.letter = 'b',
                         .self = &ctx_b,
                         .next = &ctx_a,
                         .stack_lo = sb,
                         .stack_hi = (char *)sb + STACK_SIZE};
    arch_context_init(&ctx_a, sa, STACK_SIZE, worker_entry, &wa);
    arch_context_init(&ctx_b, sb, STACK_SIZE, worker_entry, &wb);
    ntrace = 0;
    arch_irq_save();
    arch_context_switch(&main_ctx, &ctx_a);
    arch_irq_enable();
    /* a runs first, then strict alternation; a finishes and returns here. */
    assert_int_equal(ntrace, 2 * ROUNDS);
    for (size_t i = 0; i < ntrace; i++) {
        assert_int_equal(trace[i], i % 2 == 0 ? 'a' : 'b');
    }
    assert_true(wa.irq_off_on_entry && wb.irq_off_on_entry);
    assert_true(wa.locals_on_own_stack && wb.locals_on_own_stack);
    free(sa);
    free(sb);
}

static void test_saved_sp_is_inside_stack(void **state)
{
    void *s = new_stack();
    struct arch_context c;
    uintptr_t sp;

    (void)state;
    arch_context_init(&c, s, STACK_SIZE, worker_entry, NULL);
    sp = arch_context_sp(&c);
    assert_true(sp > (uintptr_t)s && sp < (uintptr_t)s + STACK_SIZE);
    assert_int_equal(sp % 8, 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_contexts_alternate),
        cmocka_unit_test(test_saved_sp_is_inside_stack),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
