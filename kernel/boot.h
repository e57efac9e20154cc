/*
 * What the boot loader told the arch port, in portable form.
 *
 * The x86_64 port fills this from Multiboot; a test fills it by hand.  The
 * core reads it once in kernel_main and never keeps pointers into it.
 */
#ifndef KAIROS_BOOT_H
#define KAIROS_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_RANGES  64 /* memory-map entries kept; extra ones are dropped */
#define BOOT_MAX_MODULES 8  /* boot modules kept; extra ones are dropped */

enum mem_type {
    MEM_USABLE,   /* RAM the frame allocator may hand out */
    MEM_RESERVED, /* anything else: firmware, ACPI, holes, defective RAM */
};

/* One memory-map entry: [base, base + length).  Entries may overlap. */
struct mem_range {
    uint64_t base;
    uint64_t length;
    enum mem_type type;
};

/*
 * A boot module (Multiboot's, from QEMU -initrd or GRUB `module`): size
 * bytes at data, mapped in the kernel's half.  Its frames are in reserved[],
 * so the memory stays valid, unchanged, for as long as the kernel runs.
 */
struct boot_module {
    const void *data;
    size_t size;
};

struct boot_info {
    const char *cmdline;                      /* NUL-terminated, may be "" */
    struct mem_range ranges[BOOT_MAX_RANGES]; /* the firmware memory map */
    size_t nranges;
    struct mem_range
        reserved[BOOT_MAX_RANGES]; /* kernel image, modules, boot data */
    size_t nreserved;
    const char *loader; /* boot loader name, or "unknown" */
    struct boot_module modules[BOOT_MAX_MODULES]; /* in the loader's order */
    size_t nmodules;
};

/* Portable kernel entry, called once by the arch port with interrupts off. */
_Noreturn void kernel_main(const struct boot_info *bi);
/*
 * The init process (pid 1): in the normal image it starts the shell and
 * reaps orphans; in the test image it runs the suites.
 */
int kernel_run(void *arg);
/*
 * True only in the image whose kernel_run reads the test-only options
 * (test=, crash=): the test image.  Defined beside each kernel_run; in the
 * others kernel_main warns about those options and ignores them.
 */
extern const bool kernel_run_reads_test_options;

#endif
