/*
 * The IDT: every vector points at its stub in vectors.S.
 *
 * All gates are interrupt gates (interrupts off on entry).  Only #BP and
 * #OF (int3, into) may be raised from ring 3 (DPL 3), as on Linux, so a
 * user's int3 is a breakpoint (SIGTRAP); every other gate is ring 0 only,
 * so a user-mode "int $n" raises #GP (SIGSEGV) — int $0x80 included: user
 * processes enter through `syscall`, kernel processes through int $0x80.
 * The double fault runs on its own stack (IST1, see gdt.c).
 */
#include <stdint.h>

#include "layout.h"
#include "x86.h"

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; /* present, DPL, 64-bit interrupt gate (GATE_*) */
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

#define GATE_KERNEL 0x8E /* present, DPL 0, 64-bit interrupt gate */
#define GATE_USER   0xEE /* present, DPL 3, 64-bit interrupt gate */

extern const uint64_t trap_vectors[256];
static struct idt_gate idt[256];

static void set_gate(unsigned v, uint64_t handler, uint8_t ist, uint8_t type)
{
    idt[v] = (struct idt_gate){
        .offset_low = handler & 0xFFFF,
        .selector = SEL_KCODE,
        .ist = ist,
        .type = type,
        .offset_mid = (handler >> 16) & 0xFFFF,
        .offset_high = handler >> 32,
    };
}

void idt_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof(idt) - 1, (uint64_t)idt};

    for (unsigned v = 0; v < 256; v++) {
        set_gate(v, trap_vectors[v], v == 8 ? IST_DOUBLE_FAULT : 0,
                 v == 3 || v == 4 ? GATE_USER : GATE_KERNEL);
    }
    __asm__ volatile("lidt %0" : : "m"(ptr));
}
