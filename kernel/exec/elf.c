/*
 * The ELF64 loader's portable half: from an image in memory to a load plan
 * (docs/exec.md).  Every field of the file is untrusted: each offset and
 * size is checked against the image before it is used, every sum is
 * checked before it is formed, and headers are copied out with memcpy, so
 * an image at any alignment (a cpio member is 4-aligned) is read safely.
 */
#include "kelf.h"
#include "kerrno.h"
#include "kstring.h"

_Static_assert(sizeof(struct elf64_ehdr) == ELF_EHDR_SIZE, "ehdr layout");
_Static_assert(sizeof(struct elf64_phdr) == ELF_PHDR_SIZE, "phdr layout");

static uint64_t page_down(uint64_t a)
{
    return a & ~(uint64_t)(PAGE_SIZE - 1);
}

/* Only for a <= USER_TOP, so it cannot wrap. */
static uint64_t page_up(uint64_t a)
{
    return page_down(a + PAGE_SIZE - 1);
}

static void read_phdr(const void *image, const struct elf64_ehdr *eh,
                      unsigned i, struct elf64_phdr *ph)
{
    memcpy(ph, (const uint8_t *)image + eh->e_phoff + i * ELF_PHDR_SIZE,
           ELF_PHDR_SIZE);
}

static bool ident_ok(const uint8_t *id)
{
    return id[0] == 0x7f && id[1] == 'E' && id[2] == 'L' && id[3] == 'F' &&
           id[4] == ELF_CLASS64 && id[5] == ELF_DATA2LSB &&
           id[6] == ELF_EV_CURRENT &&
           (id[7] == ELF_OSABI_SYSV || id[7] == ELF_OSABI_GNU);
}

/* The file header, and that the program header table lies in the image. */
static int check_ehdr(const struct elf64_ehdr *eh, size_t len)
{
    uint64_t table = (uint64_t)eh->e_phnum * ELF_PHDR_SIZE;

    if (!ident_ok(eh->e_ident) || eh->e_version != ELF_EV_CURRENT ||
        eh->e_machine != ELF_EM_X86_64 ||
        (eh->e_type != ELF_ET_EXEC && eh->e_type != ELF_ET_DYN)) {
        return -ENOEXEC;
    }
    if (eh->e_phentsize != ELF_PHDR_SIZE || eh->e_phnum == 0 ||
        eh->e_phnum > ELF_MAX_PHNUM) {
        return -ENOEXEC;
    }
    /* 8-aligned, so AT_PHDR's entries are aligned in user memory. */
    if (eh->e_phoff % 8 != 0 || eh->e_phoff > len ||
        table > len - eh->e_phoff) {
        return -ENOEXEC;
    }
    return 0;
}

/*
 * The headers that are not PT_LOAD: no interpreter, the stack's
 * permission.  *first gets the first loaded segment's p_vaddr (the table is
 * sorted by p_vaddr, gABI; the segment loop checks it).
 */
static int scan_phdrs(const void *image, const struct elf64_ehdr *eh,
                      struct elf_plan *plan, uint64_t *first)
{
    struct elf64_phdr ph;
    bool seen = false;

    plan->exec_stack = false; /* no PT_GNU_STACK: Linux x86_64's default */
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        read_phdr(image, eh, i, &ph);
        if (ph.p_type == ELF_PT_INTERP) {
            return -ENOEXEC; /* needs a dynamic linker: none here */
        }
        if (ph.p_type == ELF_PT_GNU_STACK) {
            plan->exec_stack = (ph.p_flags & ELF_PF_X) != 0;
        }
        if (ph.p_type == ELF_PT_LOAD && ph.p_memsz != 0 && !seen) {
            *first = ph.p_vaddr;
            seen = true;
        }
    }
    return seen ? 0 : -ENOEXEC;
}

static unsigned prot_of(uint32_t flags)
{
    return ((flags & ELF_PF_R) ? ELF_PROT_READ : 0) |
           ((flags & ELF_PF_W) ? ELF_PROT_WRITE : 0) |
           ((flags & ELF_PF_X) ? ELF_PROT_EXEC : 0);
}

/* Sizes, file bounds and alignment of one PT_LOAD, before the bias. */
static int check_load(const struct elf64_phdr *ph, size_t len)
{
    uint64_t a = ph->p_align;

    if (ph->p_filesz > ph->p_memsz) {
        return -ENOEXEC;
    }
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset) {
        return -ENOEXEC;
    }
    if (a > 1 && ((a & (a - 1)) != 0 || a > ELF_MAX_ALIGN ||
                  ((ph->p_vaddr - ph->p_offset) & (a - 1)) != 0)) {
        return -ENOEXEC;
    }
    /* Page congruence even for p_align 0/1: file pages map as they are. */
    if (((ph->p_vaddr - ph->p_offset) & (PAGE_SIZE - 1)) != 0) {
        return -ENOEXEC;
    }
    return 0;
}

/*
 * One PT_LOAD into *s: its biased range must lie in [USER_MIN_ADDR,
 * USER_TOP).  rel is p_vaddr less the first segment's page (ET_DYN) or
 * p_vaddr itself (ET_EXEC, base 0).
 */
static int place_load(const struct elf64_phdr *ph, uint64_t rel, uint64_t base,
                      struct elf_segment *s)
{
    uint64_t vaddr;

    if (rel >= USER_TOP - base) {
        return -ENOEXEC;
    }
    vaddr = base + rel;
    if (vaddr < USER_MIN_ADDR || ph->p_memsz > USER_TOP - vaddr) {
        return -ENOEXEC;
    }
    s->vaddr = vaddr;
    s->memsz = ph->p_memsz;
    s->offset = ph->p_offset;
    s->filesz = ph->p_filesz;
    s->map_start = page_down(vaddr);
    s->map_end = page_up(vaddr + ph->p_memsz);
    s->zero_start = vaddr + ph->p_filesz;
    s->prot = prot_of(ph->p_flags);
    return 0;
}

/* Every PT_LOAD, in table order: ascending, whole pages disjoint. */
static int plan_loads(const void *image, size_t len,
                      const struct elf64_ehdr *eh, uint64_t first,
                      struct elf_plan *plan)
{
    uint64_t base = plan->pie ? ELF_PIE_BASE : 0;
    struct elf64_phdr ph;

    plan->nsegs = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        struct elf_segment *s = &plan->segs[plan->nsegs];

        read_phdr(image, eh, i, &ph);
        if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0) {
            continue;
        }
        if (plan->nsegs == ELF_MAX_LOADS || check_load(&ph, len) != 0 ||
            place_load(&ph, ph.p_vaddr - first, base, s) != 0) {
            return -ENOEXEC;
        }
        if (plan->nsegs > 0 && s->map_start < s[-1].map_end) {
            return -ENOEXEC; /* overlaps, shares a page or out of order */
        }
        plan->nsegs++;
    }
    plan->image_end = plan->segs[plan->nsegs - 1].map_end;
    if (plan->image_end - plan->segs[0].map_start > ELF_MAX_MEM) {
        return -ENOEXEC;
    }
    return 0;
}

/* The entry must be in an executable segment; the headers in a loaded one. */
static int find_entry_and_phdrs(const struct elf64_ehdr *eh,
                                struct elf_plan *plan)
{
    uint64_t table = (uint64_t)eh->e_phnum * ELF_PHDR_SIZE;
    bool entry_ok = false;

    plan->entry = eh->e_entry + plan->load_bias;
    plan->phdr_addr = 0;
    for (unsigned i = 0; i < plan->nsegs; i++) {
        const struct elf_segment *s = &plan->segs[i];

        if ((s->prot & ELF_PROT_EXEC) && plan->entry >= s->vaddr &&
            plan->entry - s->vaddr < s->memsz) {
            entry_ok = true;
        }
        if (eh->e_phoff >= s->offset && eh->e_phoff - s->offset <= s->filesz &&
            table <= s->filesz - (eh->e_phoff - s->offset)) {
            plan->phdr_addr = s->vaddr + (eh->e_phoff - s->offset);
        }
    }
    return entry_ok && plan->phdr_addr != 0 ? 0 : -ENOEXEC;
}

int elf_load_plan(const void *image, size_t len, struct elf_plan *plan)
{
    struct elf64_ehdr eh;
    uint64_t first = 0;
    int err;

    if (image == NULL || len < ELF_EHDR_SIZE) {
        return -ENOEXEC;
    }
    memcpy(&eh, image, ELF_EHDR_SIZE);
    err = check_ehdr(&eh, len);
    if (err == 0) {
        err = scan_phdrs(image, &eh, plan, &first);
    }
    if (err != 0) {
        return err;
    }
    plan->pie = eh.e_type == ELF_ET_DYN;
    first = plan->pie ? page_down(first) : 0;
    plan->load_bias = plan->pie ? ELF_PIE_BASE - first : 0;
    plan->phnum = eh.e_phnum;
    plan->phent = ELF_PHDR_SIZE;
    err = plan_loads(image, len, &eh, first, plan);
    if (err == 0) {
        err = find_entry_and_phdrs(&eh, plan);
    }
    return err;
}
