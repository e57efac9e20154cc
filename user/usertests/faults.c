/*
 * Faults: each case does one thing a user program may not, and the suite
 * checks that the process, and only it, was killed by the signal Linux
 * sends for it.  Coming back from the faulting line fails the case.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ut.h"

#define RET 0xc3 /* x86 `ret`: code that would return if it ran */

static void read_at(uintptr_t addr)
{
    volatile long v = *(volatile long *)addr;
    (void)v;
}

static void call_at(void *code)
{
    void (*fn)(void) = (void (*)(void))(uintptr_t)code;
    fn();
}

void t_read_null(void)
{
    read_at(0);
}

void t_read_kernel_text(void)
{
    read_at(0xffffffff80100000UL);
}

void t_read_kernel_physmap(void)
{
    read_at(0xffff800000000000UL);
}

void t_read_noncanonical(void)
{
    read_at(0x0000800000000000UL);
}

void t_write_kernel(void)
{
    *(volatile long *)0xffffffff80100000UL = 0;
}

void t_write_own_text(void)
{
    *(volatile unsigned char *)(uintptr_t)t_write_own_text = RET;
}

void t_exec_stack(void)
{
    volatile unsigned char code[16] = {RET};
    call_at((void *)code);
}

void t_exec_heap(void)
{
    unsigned char *code = malloc(64);

    if (code == NULL) {
        ut_fail("malloc(64) gave NULL");
    }
    memset(code, RET, 64);
    call_at(code);
}

static unsigned char data_code[64] = {RET};

void t_exec_data(void)
{
    call_at(data_code);
}

void t_cli(void)
{
    __asm__ volatile("cli");
}

void t_hlt(void)
{
    __asm__ volatile("hlt");
}

void t_in(void)
{
    __asm__ volatile("inb $0x60, %%al" ::: "eax");
}

void t_out(void)
{
    __asm__ volatile("outb %%al, $0x80" ::"a"(0));
}

void t_mov_cr3(void)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(0UL));
}

void t_lgdt(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = {0, 0};
    __asm__ volatile("lgdt %0" ::"m"(gdtr));
}

void t_ud2(void)
{
    __asm__ volatile("ud2");
}

void t_int3(void)
{
    __asm__ volatile("int3");
}

void t_divide_by_zero(void)
{
    __asm__ volatile("xor %%edx, %%edx\n\t"
                     "mov $1, %%eax\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "div %%ecx" ::
                         : "eax", "ecx", "edx");
}

/* INT_MIN / -1 does not fit: #DE as well. */
void t_divide_overflow(void)
{
    __asm__ volatile("mov $0x80000000, %%eax\n\t"
                     "cltd\n\t"
                     "mov $-1, %%ecx\n\t"
                     "idiv %%ecx" ::
                         : "eax", "ecx", "edx");
}

/* Never reached, but the compiler cannot know (so no "infinite
 * recursion" error and no call removed). */
static volatile long depth_limit = -1;

/* Each frame holds a page, used after the call so it is no tail call. */
static __attribute__((noinline)) long recurse(long depth)
{
    volatile char frame[4096];

    if (depth == depth_limit) {
        return 0;
    }

    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = (char)depth;
    return recurse(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

void t_unbounded_recursion(void)
{
    ut_say("# unbounded_recursion: came back with %ld\n", recurse(0));
}
