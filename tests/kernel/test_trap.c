/*
 * Exceptions provoked on purpose are reported with the right vector, error
 * code, RIP and CR2; the kernel's page permissions hold.
 */
#include "arch.h"
#include "ktest.h"
#include "layout.h"
#include "x86.h"

void fault_div0(void);
void fault_read(uintptr_t addr);
void fault_write(uintptr_t addr);
void fault_exec(uintptr_t addr);
void fault_ud(void);
extern char fault_div0_ip[], fault_div0_resume[];
extern char fault_read_ip[], fault_read_resume[];
extern char fault_write_ip[], fault_write_resume[];
extern char fault_exec_resume[];
extern char fault_ud_ip[], fault_ud_resume[];

#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_FETCH   0x10

static void divide_error(void)
{
    struct trap_record rec;

    trap_expect(0, (uintptr_t)fault_div0_resume, &rec);
    fault_div0();
    KT_ASSERT(rec.hit);
    KT_EQ(rec.vector, 0);
    KT_EQ(rec.rip, (uintptr_t)fault_div0_ip);
    KT_ASSERT(ktest_log_contains("EXCEPTION 0: #DE divide error", 4096));
    KT_ASSERT(ktest_log_contains("<fault_div0_ip+0x0>", 4096));
    KT_ASSERT(ktest_log_contains("RAX=", 4096));
    KT_ASSERT(ktest_log_contains("backtrace:", 4096));
}

static void page_fault_unmapped(void)
{
    struct trap_record rec;
    uintptr_t addr = 0xdead0008;

    trap_expect(14, (uintptr_t)fault_read_resume, &rec);
    fault_read(addr);
    KT_ASSERT(rec.hit);
    KT_EQ(rec.vector, 14);
    KT_EQ(rec.cr2, addr);
    KT_EQ(rec.rip, (uintptr_t)fault_read_ip);
    KT_EQ(rec.error & (PF_PRESENT | PF_WRITE), 0); /* read, not present */
    KT_ASSERT(ktest_log_contains("CR2=00000000dead0008", 4096));
    KT_ASSERT(ktest_log_contains("page not present", 4096));
}

static void null_is_unmapped(void)
{
    struct trap_record rec;

    trap_expect(14, (uintptr_t)fault_read_resume, &rec);
    fault_read(0);
    KT_ASSERT(rec.hit);
    KT_EQ(rec.cr2, 0);
}

static void text_is_read_only(void)
{
    struct trap_record rec;
    uintptr_t target = (uintptr_t)fault_ud; /* any kernel text */

    trap_expect(14, (uintptr_t)fault_write_resume, &rec);
    fault_write(target);
    KT_ASSERT(rec.hit);
    KT_EQ(rec.cr2, target);
    KT_EQ(rec.rip, (uintptr_t)fault_write_ip);
    KT_EQ(rec.error & (PF_PRESENT | PF_WRITE), PF_PRESENT | PF_WRITE);
}

static void rodata_is_read_only(void)
{
    static const int constant = 42;
    struct trap_record rec;

    trap_expect(14, (uintptr_t)fault_write_resume, &rec);
    fault_write((uintptr_t)&constant);
    KT_ASSERT(rec.hit);
    KT_EQ(rec.cr2, (uintptr_t)&constant);
    KT_EQ(constant, 42);
}

/* The physmap alias of an address in the image. */
static uintptr_t physmap_alias(const void *p)
{
    return (uintptr_t)arch_phys_to_virt(arch_virt_to_phys(p));
}

/* A direct write through the physmap alias of text or rodata faults. */
static void read_only_aliases_fault(void)
{
    static const int constant = 42;
    const uintptr_t targets[] = {
        physmap_alias(&constant),
        physmap_alias((const void *)(uintptr_t)fault_ud),
        (uintptr_t)arch_phys_to_virt(KERNEL_PHYS), /* the boot page */
    };

    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        struct trap_record rec;

        trap_expect(14, (uintptr_t)fault_write_resume, &rec);
        fault_write(targets[i]);
        KT_ASSERT(rec.hit);
        KT_EQ(rec.cr2, targets[i]);
        KT_EQ(rec.rip, (uintptr_t)fault_write_ip);
        KT_EQ(rec.error & (PF_PRESENT | PF_WRITE), PF_PRESENT | PF_WRITE);
    }
    KT_EQ(constant, 42);
}

/* The split 2 MiB page's other pages stay writable: data, and low memory. */
static void data_alias_is_writable(void)
{
    static volatile uint64_t word;
    volatile uint64_t *alias =
        (volatile uint64_t *)physmap_alias((const void *)(uintptr_t)&word);

    word = 1;
    *alias = 0x1234;
    KT_EQ(word, 0x1234);
    KT_ASSERT(arch_access_ok((const void *)alias, 8, true));
    KT_ASSERT(arch_access_ok(arch_phys_to_virt(0x1000), 8, true));
}

static void data_is_not_executable(void)
{
    static unsigned char ret_insn[16] = {0xC3}; /* ret */
    struct trap_record rec;

    KT_ASSERT(arch_has_nx()); /* QEMU's default CPU has NX */
    trap_expect(14, (uintptr_t)fault_exec_resume, &rec);
    fault_exec((uintptr_t)ret_insn);
    KT_ASSERT(rec.hit);
    KT_EQ(rec.rip, (uintptr_t)ret_insn);
    KT_ASSERT(rec.error & PF_FETCH);
}

static void invalid_opcode(void)
{
    struct trap_record rec;

    trap_expect(6, (uintptr_t)fault_ud_resume, &rec);
    fault_ud();
    KT_ASSERT(rec.hit);
    KT_EQ(rec.rip, (uintptr_t)fault_ud_ip);
    KT_ASSERT(ktest_log_contains("#UD invalid opcode", 4096));
}

/* A vector raised by software looks like an IRQ the PIC did not have in
 * service: exactly what a spurious IRQ 7 or 15 is. */
static void spurious_irqs_counted(void)
{
    uint64_t before = irq_spurious_count();
    uint64_t irq7 = irq_count(7), irq15 = irq_count(15);

    __asm__ volatile("int $0x27"); /* IRQ 7 */
    __asm__ volatile("int $0x2F"); /* IRQ 15 */
    KT_EQ(irq_spurious_count(), before + 2);
    KT_EQ(irq_count(7), irq7); /* not counted as real interrupts */
    KT_EQ(irq_count(15), irq15);
}

static void unexpected_vector_ignored(void)
{
    __asm__ volatile("int $0x50");
    KT_ASSERT(ktest_log_contains("unexpected vector 80 ignored", 256));
}

static const struct ktest_case trap_cases[] = {
    {"divide_error", divide_error},
    {"page_fault_unmapped", page_fault_unmapped},
    {"null_is_unmapped", null_is_unmapped},
    {"invalid_opcode", invalid_opcode},
    {"spurious_irqs_counted", spurious_irqs_counted},
    {"unexpected_vector_ignored", unexpected_vector_ignored},
};
KTEST_SUITE(suite_trap, "trap", trap_cases);

static const struct ktest_case paging_cases[] = {
    {"text_is_read_only", text_is_read_only},
    {"rodata_is_read_only", rodata_is_read_only},
    {"read_only_aliases_fault", read_only_aliases_fault},
    {"data_alias_is_writable", data_alias_is_writable},
    {"data_is_not_executable", data_is_not_executable},
};
KTEST_SUITE(suite_paging, "paging", paging_cases);
