/*
 * Multiboot (version 1) information -> struct boot_info.
 *
 * Everything the kernel keeps is copied out here (command line, memory map,
 * loader name), so the loader's structures need not survive; only the
 * modules themselves are reserved, and handed to the core in place.  The first MiB is reserved too: it holds
 * the real-mode IVT, BIOS data, the EBDA and the VGA window.
 */
#include "arch.h"
#include "kstring.h"
#include "layout.h"
#include "panic.h"
#include "param.h"
#include "x86.h"

#define MB_BOOT_MAGIC 0x2BADB002
#define MBI_CMDLINE   (1U << 2)
#define MBI_MODS      (1U << 3)
#define MBI_MMAP      (1U << 6)
#define MBI_LOADER    (1U << 9)

struct mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
} __attribute__((packed));

struct mb_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t base;
    uint64_t length;
    uint32_t type; /* 1 = usable RAM */
} __attribute__((packed));

struct mb_module {
    uint32_t start, end;
    uint32_t string;
    uint32_t reserved;
};

static char cmdline[CMDLINE_MAX + 1]; /* +1: the parser sees an overlong line */
static char loader[64];

static void copy_string(char *dst, size_t size, uint32_t pa)
{
    kstrlcpy(dst, arch_phys_to_virt(pa), size);
}

static void add_range(struct mem_range *r, size_t *n, uint64_t base,
                      uint64_t len, enum mem_type type)
{
    if (*n < BOOT_MAX_RANGES) {
        r[(*n)++] = (struct mem_range){base, len, type};
    }
}

/* Record the memory map; returns the top of usable RAM (the physmap's end). */
static uint64_t parse_mmap(const struct mb_info *mbi, struct boot_info *bi)
{
    uintptr_t p = (uintptr_t)arch_phys_to_virt(mbi->mmap_addr);
    uintptr_t end = p + mbi->mmap_length;
    uint64_t top = 0;

    while (p + sizeof(struct mb_mmap_entry) <= end) {
        const struct mb_mmap_entry *e = (const void *)p;
        enum mem_type t = e->type == 1 ? MEM_USABLE : MEM_RESERVED;

        add_range(bi->ranges, &bi->nranges, e->base, e->length, t);
        if (t == MEM_USABLE && e->base + e->length > top) {
            top = e->base + e->length;
        }
        p += e->size + sizeof(e->size);
    }
    paging_set_mem_top(top);
    return top;
}

/*
 * Reserve every module; hand on those arch_mm_init's physmap will cover
 * (below top), which is all of them on any sane loader.
 */
static void parse_modules(const struct mb_info *mbi, struct boot_info *bi,
                          uint64_t top)
{
    const struct mb_module *m = arch_phys_to_virt(mbi->mods_addr);

    for (uint32_t i = 0; i < mbi->mods_count; i++) {
        if (m[i].end < m[i].start) {
            continue; /* a broken entry: neither reserved nor handed on */
        }
        add_range(bi->reserved, &bi->nreserved, m[i].start,
                  m[i].end - m[i].start, MEM_RESERVED);
        if (bi->nmodules < BOOT_MAX_MODULES && m[i].end <= top) {
            bi->modules[bi->nmodules++] = (struct boot_module){
                arch_phys_to_virt(m[i].start), m[i].end - m[i].start};
        }
    }
}

void multiboot_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi)
{
    const struct mb_info *mbi = arch_phys_to_virt(mbi_pa);
    uint64_t top;

    if (magic != MB_BOOT_MAGIC) {
        panic("not started by a Multiboot loader (magic 0x%x)", magic);
    }
    memset(bi, 0, sizeof(*bi));
    if (mbi->flags & MBI_CMDLINE) {
        copy_string(cmdline, sizeof(cmdline), mbi->cmdline);
    }
    kstrlcpy(loader, "unknown", sizeof(loader));
    if (mbi->flags & MBI_LOADER) {
        copy_string(loader, sizeof(loader), mbi->boot_loader_name);
    }
    bi->cmdline = cmdline;
    bi->loader = loader;
    if (!(mbi->flags & MBI_MMAP)) {
        panic("the boot loader gave no memory map");
    }
    top = parse_mmap(mbi, bi);
    add_range(bi->reserved, &bi->nreserved, 0, KERNEL_PHYS, MEM_RESERVED);
    add_range(bi->reserved, &bi->nreserved, KERNEL_PHYS,
              (uintptr_t)_image_end - KERNEL_VMA - KERNEL_PHYS, MEM_RESERVED);
    if (mbi->flags & MBI_MODS) {
        parse_modules(mbi, bi, top);
    }
}
