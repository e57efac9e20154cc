/*
 * Spinlocks and the interrupt-off nesting on the host (where "interrupts"
 * are the host port's flag), and errno names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "kerrno.h"
#include "spinlock.h"

static void test_lock_nesting_restores_interrupts(void **state)
{
    struct spinlock a = SPINLOCK_INIT("a"), b = SPINLOCK_INIT("b");

    (void)state;
    arch_irq_enable();
    spin_lock(&a);
    assert_false(arch_irq_enabled());
    assert_true(holding(&a));
    assert_false(holding(&b));
    spin_lock(&b);
    assert_int_equal(irq_off_depth(), 2);
    spin_unlock(&b);
    assert_false(arch_irq_enabled()); /* a is still held */
    spin_unlock(&a);
    assert_true(arch_irq_enabled());
    assert_int_equal(irq_off_depth(), 0);
    assert_false(holding(&a));
}

static void test_interrupts_stay_off_if_they_were(void **state)
{
    struct spinlock a = SPINLOCK_INIT("a");
    arch_irqstate_t s;

    (void)state;
    arch_irq_enable();
    s = arch_irq_save();
    spin_lock(&a);
    spin_unlock(&a);
    assert_false(arch_irq_enabled());
    arch_irq_restore(s);
    assert_true(arch_irq_enabled());
}

static void test_trylock(void **state)
{
    struct spinlock a;

    (void)state;
    spin_init(&a, "a");
    a.locked = 1; /* held by "another CPU" */
    a.owner = 8;  /* CPU 7 */
    assert_false(spin_trylock(&a));
    assert_true(arch_irq_enabled());
    assert_int_equal(irq_off_depth(), 0);
    a.locked = 0;
    a.owner = 0;
    assert_true(spin_trylock(&a));
    assert_true(holding(&a));
    spin_unlock(&a);
}

static void test_errno_names(void **state)
{
    (void)state;
    assert_string_equal(errno_name(ENOMEM), "ENOMEM");
    assert_string_equal(errno_name(-ENOMEM), "ENOMEM");
    assert_string_equal(errno_name(ECHILD), "ECHILD");
    assert_string_equal(errno_name(EALREADY), "EALREADY");
    assert_string_equal(errno_name(-ETIMEDOUT), "ETIMEDOUT"); /* the last */
    assert_string_equal(errno_name(0), "E?");
    assert_string_equal(errno_name(100000), "E?");
    assert_string_equal(errno_name(-100000), "E?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_nesting_restores_interrupts),
        cmocka_unit_test(test_interrupts_stay_off_if_they_were),
        cmocka_unit_test(test_trylock),
        cmocka_unit_test(test_errno_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
