/*
 * The ELF64 load plan (kernel/exec/elf.c): a synthetic image built here
 * with the C library's <elf.h> (not the kernel's definitions) and its exact
 * plan; a table of corrupt images, one per check; static programs the
 * Makefile builds, each loaded by the plan and started with ustack_build in
 * a child process; and a fuzz test that mutates valid images from fixed
 * seeds and checks every accepted plan against the plan's invariants.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "kelf.h"
#include "kerrno.h"
#include "ustack.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NPH           8 /* program header slots in a synthetic image */

/* ---- A synthetic image ---------------------------------------------------
 *
 * Headers at 0, then the file bytes of three PT_LOADs:
 *   R    offset 0x0000 vaddr 0x400000 size 0x1000 (the headers)
 *   R X  offset 0x1000 vaddr 0x401000 size 0x100  (entry 0x401010)
 *   R W  offset 0x2010 vaddr 0x402010 file 0x20 mem 0x3000 (bss)
 * and a PT_GNU_STACK without X.
 */
#define IMG_LEN 0x2030

struct img {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[NPH];
    size_t len; /* bytes of the file */
};

static void ph_set(Elf64_Phdr *p, uint32_t type, uint32_t flags, uint64_t off,
                   uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    *p = (Elf64_Phdr){.p_type = type,
                      .p_flags = flags,
                      .p_offset = off,
                      .p_vaddr = vaddr,
                      .p_paddr = vaddr,
                      .p_filesz = filesz,
                      .p_memsz = memsz,
                      .p_align = 0x1000};
}

static void img_init(struct img *m)
{
    memset(m, 0, sizeof(*m));
    memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
    m->eh.e_ident[EI_CLASS] = ELFCLASS64;
    m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    m->eh.e_ident[EI_VERSION] = EV_CURRENT;
    m->eh.e_type = ET_EXEC;
    m->eh.e_machine = EM_X86_64;
    m->eh.e_version = EV_CURRENT;
    m->eh.e_entry = 0x401010;
    m->eh.e_phoff = sizeof(Elf64_Ehdr);
    m->eh.e_ehsize = sizeof(Elf64_Ehdr);
    m->eh.e_phentsize = sizeof(Elf64_Phdr);
    m->eh.e_phnum = 4;
    ph_set(&m->ph[0], PT_LOAD, PF_R, 0, 0x400000, 0x1000, 0x1000);
    ph_set(&m->ph[1], PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100);
    ph_set(&m->ph[2], PT_LOAD, PF_R | PF_W, 0x2010, 0x402010, 0x20, 0x3000);
    ph_set(&m->ph[3], PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
    m->ph[3].p_align = 16;
    m->len = IMG_LEN;
}

/*
 * The file bytes: a pattern, the file header at 0 and the program headers
 * at e_phoff (at 64 when e_phoff points past the buffer).  At least the
 * headers' size is allocated; the file is the first len bytes.
 */
static uint8_t *img_bytes(const struct img *m)
{
    size_t hdrs = sizeof(m->eh) + sizeof(m->ph);
    size_t n = m->len > hdrs ? m->len : hdrs;
    uint8_t *b = malloc(n);

    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(i * 7 + 1);
    }
    memcpy(b, &m->eh, sizeof(m->eh));
    memcpy(b + (m->eh.e_phoff <= n - sizeof(m->ph) ? m->eh.e_phoff : 64),
           &m->ph, sizeof(m->ph));
    return b;
}

/* elf_load_plan on an exact-size heap copy, so ASan sees any overread. */
static int plan_of(const struct img *m, struct elf_plan *plan)
{
    uint8_t *b = img_bytes(m);
    uint8_t *exact = malloc(m->len ? m->len : 1);
    int r;

    memcpy(exact, b, m->len);
    r = elf_load_plan(exact, m->len, plan);
    free(exact);
    free(b);
    return r;
}

/* ---- The invariants of an accepted plan ------------------------------- */

static void check_plan(const uint8_t *image, size_t len,
                       const struct elf_plan *p)
{
    uint64_t table = p->phnum * p->phent;
    int entry_in = 0, phdr_in = 0;

    assert_true(p->nsegs >= 1 && p->nsegs <= ELF_MAX_LOADS);
    assert_int_equal(p->phent, sizeof(Elf64_Phdr));
    for (unsigned i = 0; i < p->nsegs; i++) {
        const struct elf_segment *s = &p->segs[i];

        assert_true(s->map_start >= USER_MIN_ADDR);
        assert_true(s->map_start <= s->vaddr);
        assert_true(s->memsz > 0 && s->filesz <= s->memsz);
        assert_true(s->memsz <= USER_TOP - s->vaddr);
        assert_true(s->vaddr + s->memsz <= s->map_end);
        assert_true(s->map_end <= USER_TOP);
        assert_int_equal(s->map_start % 4096, 0);
        assert_int_equal(s->map_end % 4096, 0);
        assert_true(s->map_end - s->vaddr - s->memsz < 4096);
        assert_int_equal(s->zero_start, s->vaddr + s->filesz);
        assert_true(s->offset <= len && s->filesz <= len - s->offset);
        assert_int_equal((s->vaddr - s->offset) % 4096, 0);
        assert_int_equal(s->prot & ~7u, 0);
        if (i > 0) {
            assert_true(s->map_start >= p->segs[i - 1].map_end);
        }
        if ((s->prot & ELF_PROT_EXEC) && p->entry >= s->vaddr &&
            p->entry < s->vaddr + s->memsz) {
            entry_in = 1;
        }
        if (p->phdr_addr >= s->vaddr &&
            p->phdr_addr + table <= s->vaddr + s->filesz) {
            /* What lands at AT_PHDR is the image's header table. */
            const Elf64_Ehdr *eh = (const void *)image;

            assert_memory_equal(image + s->offset + (p->phdr_addr - s->vaddr),
                                image + eh->e_phoff, table);
            phdr_in = 1;
        }
    }
    assert_true(entry_in);
    assert_true(phdr_in);
    assert_int_equal(p->image_end, p->segs[p->nsegs - 1].map_end);
    assert_true(p->image_end - p->segs[0].map_start <= ELF_MAX_MEM);
    if (!p->pie) {
        assert_int_equal(p->load_bias, 0);
    }
}

/* ---- The valid synthetic image ----------------------------------------- */

static void test_valid_image_plan(void **state)
{
    struct img m;
    struct elf_plan p;
    uint8_t *b;

    (void)state;
    img_init(&m);
    assert_int_equal(plan_of(&m, &p), 0);
    assert_false(p.pie);
    assert_int_equal(p.load_bias, 0);
    assert_int_equal(p.entry, 0x401010);
    assert_int_equal(p.phdr_addr, 0x400040);
    assert_int_equal(p.phnum, 4);
    assert_false(p.exec_stack);
    assert_int_equal(p.nsegs, 3);
    assert_int_equal(p.segs[0].prot, ELF_PROT_READ);
    assert_int_equal(p.segs[1].prot, ELF_PROT_READ | ELF_PROT_EXEC);
    assert_int_equal(p.segs[2].prot, ELF_PROT_READ | ELF_PROT_WRITE);
    assert_int_equal(p.segs[2].vaddr, 0x402010);
    assert_int_equal(p.segs[2].offset, 0x2010);
    assert_int_equal(p.segs[2].filesz, 0x20);
    assert_int_equal(p.segs[2].memsz, 0x3000);
    assert_int_equal(p.segs[2].map_start, 0x402000);
    assert_int_equal(p.segs[2].map_end, 0x406000);
    assert_int_equal(p.segs[2].zero_start, 0x402030);
    assert_int_equal(p.image_end, 0x406000);
    b = img_bytes(&m);
    check_plan(b, m.len, &p);
    free(b);
}

static bool plans_equal(const struct elf_plan *a, const struct elf_plan *b)
{
    if (a->entry != b->entry || a->load_bias != b->load_bias ||
        a->phdr_addr != b->phdr_addr || a->phnum != b->phnum ||
        a->image_end != b->image_end || a->pie != b->pie ||
        a->exec_stack != b->exec_stack || a->nsegs != b->nsegs) {
        return false;
    }
    for (unsigned i = 0; i < a->nsegs; i++) {
        const struct elf_segment *x = &a->segs[i], *y = &b->segs[i];

        if (x->vaddr != y->vaddr || x->memsz != y->memsz ||
            x->offset != y->offset || x->filesz != y->filesz ||
            x->map_start != y->map_start || x->map_end != y->map_end ||
            x->zero_start != y->zero_start || x->prot != y->prot) {
            return false;
        }
    }
    return true;
}

/* The same bytes at an odd address (a cpio member is only 4-aligned). */
static void test_unaligned_image(void **state)
{
    struct img m;
    struct elf_plan a, p;
    uint8_t *b, *odd;

    (void)state;
    img_init(&m);
    b = img_bytes(&m);
    odd = malloc(m.len + 1);
    memcpy(odd + 1, b, m.len);
    assert_int_equal(elf_load_plan(b, m.len, &a), 0);
    assert_int_equal(elf_load_plan(odd + 1, m.len, &p), 0);
    assert_true(plans_equal(&a, &p));
    free(odd);
    free(b);
}

/* ET_DYN: the first page lands at ELF_PIE_BASE, everything moves with it. */
static void test_static_pie_is_based(void **state)
{
    struct img m;
    struct elf_plan p;

    (void)state;
    img_init(&m);
    m.eh.e_type = ET_DYN;
    for (int i = 0; i < 3; i++) {
        m.ph[i].p_vaddr -= 0x400000;
    }
    m.eh.e_entry = 0x1010;
    assert_int_equal(plan_of(&m, &p), 0);
    assert_true(p.pie);
    assert_int_equal(p.load_bias, ELF_PIE_BASE);
    assert_int_equal(p.segs[0].vaddr, ELF_PIE_BASE);
    assert_int_equal(p.segs[2].vaddr, ELF_PIE_BASE + 0x2010);
    assert_int_equal(p.entry, ELF_PIE_BASE + 0x1010);
    assert_int_equal(p.phdr_addr, ELF_PIE_BASE + 0x40);
}

/* A static-PIE linked above 0 still starts at ELF_PIE_BASE. */
static void test_static_pie_linked_high(void **state)
{
    struct img m;
    struct elf_plan p;

    (void)state;
    img_init(&m);
    m.eh.e_type = ET_DYN;
    for (int i = 0; i < 3; i++) {
        m.ph[i].p_vaddr += 0x7000000000;
    }
    m.eh.e_entry += 0x7000000000;
    assert_int_equal(plan_of(&m, &p), 0);
    assert_int_equal(p.segs[0].vaddr, ELF_PIE_BASE);
    assert_int_equal(p.entry, ELF_PIE_BASE + 0x1010);
}

static void test_gnu_stack_and_osabi(void **state)
{
    struct img m;
    struct elf_plan p;

    (void)state;
    img_init(&m);
    m.ph[3].p_flags |= PF_X;
    assert_int_equal(plan_of(&m, &p), 0);
    assert_true(p.exec_stack);
    m.eh.e_phnum = 3; /* no PT_GNU_STACK: not executable */
    assert_int_equal(plan_of(&m, &p), 0);
    assert_false(p.exec_stack);
    m.eh.e_ident[EI_OSABI] = ELFOSABI_GNU;
    assert_int_equal(plan_of(&m, &p), 0);
}

/* Empty PT_LOADs, p_align 0 or 1, and headers we ignore are accepted. */
static void test_tolerated_headers(void **state)
{
    struct img m;
    struct elf_plan p;

    (void)state;
    img_init(&m);
    ph_set(&m.ph[3], PT_LOAD, PF_R, 0, 0x100000, 0, 0); /* empty: ignored */
    ph_set(&m.ph[4], PT_NOTE, PF_R, 0x100, 0x400100, 0x20, 0x20);
    ph_set(&m.ph[5], PT_TLS, PF_R, 0x2010, 0x402010, 0x8, 0x10);
    ph_set(&m.ph[6], 0x6ffffff0, 0, 0, 0, 0, 0); /* OS-specific */
    m.ph[1].p_align = 0;
    m.ph[2].p_align = 1;
    m.eh.e_phnum = 7;
    assert_int_equal(plan_of(&m, &p), 0);
    assert_int_equal(p.nsegs, 3);
    assert_int_equal(p.phnum, 7);
}

/* ---- Corrupt images: one case per check -------------------------------- */

typedef void (*mutate_fn)(struct img *m);

static void bad_magic(struct img *m)
{
    m->eh.e_ident[EI_MAG1] = 'e';
}
static void bad_class(struct img *m)
{
    m->eh.e_ident[EI_CLASS] = ELFCLASS32;
}
static void bad_data(struct img *m)
{
    m->eh.e_ident[EI_DATA] = ELFDATA2MSB;
}
static void bad_ident_version(struct img *m)
{
    m->eh.e_ident[EI_VERSION] = 2;
}
static void bad_osabi(struct img *m)
{
    m->eh.e_ident[EI_OSABI] = ELFOSABI_ARM;
}
static void bad_version(struct img *m)
{
    m->eh.e_version = 0;
}
static void bad_machine(struct img *m)
{
    m->eh.e_machine = EM_386;
}
static void type_rel(struct img *m)
{
    m->eh.e_type = ET_REL;
}
static void type_core(struct img *m)
{
    m->eh.e_type = ET_CORE;
}
static void phentsize_small(struct img *m)
{
    m->eh.e_phentsize = 32;
}
static void phentsize_big(struct img *m)
{
    m->eh.e_phentsize = 64;
}
static void phnum_zero(struct img *m)
{
    m->eh.e_phnum = 0;
}
static void phnum_over_limit(struct img *m)
{
    m->eh.e_phnum = ELF_MAX_PHNUM + 1; /* the table still fits the file */
}
static void phnum_xnum(struct img *m)
{
    m->eh.e_phnum = PN_XNUM;
    m->len = 0xffff * sizeof(Elf64_Phdr) + 64;
}
static void phoff_past_file(struct img *m)
{
    m->eh.e_phoff = IMG_LEN + 8;
}
static void phoff_huge(struct img *m)
{
    m->eh.e_phoff = UINT64_MAX - 7; /* phoff + table wraps */
}
static void phoff_unaligned(struct img *m)
{
    m->eh.e_phoff = 0x44; /* the table is written there: only 4-aligned */
}
static void table_past_file(struct img *m)
{
    m->len = 64 + 3 * sizeof(Elf64_Phdr); /* 4 headers, room for 3 */
}
static void shorter_than_ehdr(struct img *m)
{
    m->len = 63;
}
static void has_interp(struct img *m)
{
    ph_set(&m->ph[3], PT_INTERP, PF_R, 0x200, 0x400200, 0x1c, 0x1c);
}
static void no_load(struct img *m)
{
    for (int i = 0; i < 3; i++) {
        m->ph[i].p_type = PT_NOTE;
    }
}
static void only_empty_loads(struct img *m)
{
    for (int i = 0; i < 3; i++) {
        m->ph[i].p_filesz = m->ph[i].p_memsz = 0;
    }
}
static void filesz_over_memsz(struct img *m)
{
    m->ph[2].p_filesz = 0x3001;
    m->len = 0x6000;
}
static void file_bytes_past_end(struct img *m)
{
    m->ph[2].p_filesz = 0x21;
}
static void offset_past_end(struct img *m)
{
    m->ph[1].p_offset = 0x3000; /* > the file's 0x2030 bytes */
}
static void offset_wraps(struct img *m)
{
    m->ph[1].p_offset = UINT64_MAX - 0xfff; /* offset + filesz wraps */
    m->ph[1].p_vaddr = 0x401000;
}
static void truncated_last_segment(struct img *m)
{
    m->len = 0x2020;
}
static void align_not_power_of_two(struct img *m)
{
    m->ph[1].p_align = 0x3000;
}
static void align_over_limit(struct img *m)
{
    m->ph[0].p_align = ELF_MAX_ALIGN * 2;
}
static void incongruent_with_align(struct img *m)
{
    m->ph[2].p_vaddr = 0x503010; /* - 0x2010: page- but not 0x2000-aligned */
    m->ph[2].p_align = 0x2000;
}
static void incongruent_with_page(struct img *m)
{
    m->ph[2].p_align = 0;
    m->ph[2].p_vaddr = 0x402018; /* offset 0x2010 */
}
static void overlapping_segments(struct img *m)
{
    m->ph[2].p_vaddr = 0x401010;
    m->ph[2].p_offset = 0x1010;
}
static void sharing_a_page(struct img *m)
{
    m->ph[1].p_memsz = 0x1020; /* ends at 0x402020, in the next's page */
}
static void out_of_order(struct img *m)
{
    Elf64_Phdr t = m->ph[1];

    m->ph[1] = m->ph[2];
    m->ph[2] = t;
}
static void in_kernel_half(struct img *m)
{
    m->ph[2].p_vaddr = USER_TOP + 0x10;
}
/* All three just below USER_TOP, the bss running 0x10 bytes past it. */
static void crosses_into_kernel_half(struct img *m)
{
    uint64_t shift = USER_TOP - 0x5000 - 0x400000;

    for (int i = 0; i < 3; i++) {
        m->ph[i].p_vaddr += shift;
    }
    m->eh.e_entry += shift;
}
static void vaddr_plus_memsz_wraps(struct img *m)
{
    m->ph[2].p_vaddr = UINT64_MAX - 0xfef; /* congruent with 0x2010 */
}
static void below_min_addr(struct img *m)
{
    m->ph[0].p_vaddr = 0;
}
static void memsz_over_limit(struct img *m)
{
    m->ph[2].p_memsz = ELF_MAX_MEM + 1;
}
static void span_over_limit(struct img *m)
{
    m->ph[2].p_vaddr += ELF_MAX_MEM;
}
static void entry_outside(struct img *m)
{
    m->eh.e_entry = 0x300000;
}
static void entry_not_executable(struct img *m)
{
    m->eh.e_entry = 0x400010;
}
static void entry_past_segment(struct img *m)
{
    m->eh.e_entry = 0x401100; /* one past the text */
}
static void phdrs_not_loaded(struct img *m)
{
    m->ph[0].p_offset = 0x1000; /* headers at 0x40 no longer in a segment */
    m->ph[0].p_vaddr = 0x400000;
    m->ph[0].p_filesz = m->ph[0].p_memsz = 0x10;
}
static void phdrs_cut_by_filesz(struct img *m)
{
    m->ph[0].p_filesz = 0x100; /* the table ends at 0x120 */
}
static void pie_entry_below_base(struct img *m)
{
    m->eh.e_type = ET_DYN;  /* bias 0: the first page is at ELF_PIE_BASE */
    m->eh.e_entry = 0x1010; /* below the first segment: not its 0x1010 */
}
/* Fits below USER_TOP as linked, but not once moved up to ELF_PIE_BASE. */
static void pie_based_past_top(struct img *m)
{
    m->eh.e_type = ET_DYN;
    for (int i = 0; i < 3; i++) {
        m->ph[i].p_vaddr -= 0x400000;
    }
    m->eh.e_entry -= 0x400000;
    m->ph[2].p_vaddr = USER_TOP - ELF_PIE_BASE - 0x1000 + 0x10;
}

struct corrupt_case {
    const char *name;
    mutate_fn mutate;
};

static const struct corrupt_case corrupt_cases[] = {
    {"bad_magic", bad_magic},
    {"bad_class", bad_class},
    {"bad_data", bad_data},
    {"bad_ident_version", bad_ident_version},
    {"bad_osabi", bad_osabi},
    {"bad_version", bad_version},
    {"bad_machine", bad_machine},
    {"type_rel", type_rel},
    {"type_core", type_core},
    {"phentsize_small", phentsize_small},
    {"phentsize_big", phentsize_big},
    {"phnum_zero", phnum_zero},
    {"phnum_over_limit", phnum_over_limit},
    {"phnum_xnum", phnum_xnum},
    {"phoff_past_file", phoff_past_file},
    {"phoff_huge", phoff_huge},
    {"phoff_unaligned", phoff_unaligned},
    {"table_past_file", table_past_file},
    {"shorter_than_ehdr", shorter_than_ehdr},
    {"has_interp", has_interp},
    {"no_load", no_load},
    {"only_empty_loads", only_empty_loads},
    {"filesz_over_memsz", filesz_over_memsz},
    {"file_bytes_past_end", file_bytes_past_end},
    {"offset_past_end", offset_past_end},
    {"offset_wraps", offset_wraps},
    {"truncated_last_segment", truncated_last_segment},
    {"align_not_power_of_two", align_not_power_of_two},
    {"align_over_limit", align_over_limit},
    {"incongruent_with_align", incongruent_with_align},
    {"incongruent_with_page", incongruent_with_page},
    {"overlapping_segments", overlapping_segments},
    {"sharing_a_page", sharing_a_page},
    {"out_of_order", out_of_order},
    {"in_kernel_half", in_kernel_half},
    {"crosses_into_kernel_half", crosses_into_kernel_half},
    {"vaddr_plus_memsz_wraps", vaddr_plus_memsz_wraps},
    {"below_min_addr", below_min_addr},
    {"memsz_over_limit", memsz_over_limit},
    {"span_over_limit", span_over_limit},
    {"entry_outside", entry_outside},
    {"entry_not_executable", entry_not_executable},
    {"entry_past_segment", entry_past_segment},
    {"phdrs_not_loaded", phdrs_not_loaded},
    {"phdrs_cut_by_filesz", phdrs_cut_by_filesz},
    {"pie_entry_below_base", pie_entry_below_base},
    {"pie_based_past_top", pie_based_past_top},
};

/*
 * Each case is -ENOEXEC, and the image minus that one change is accepted
 * (so the case fails for its own reason, not the base image's).
 */
static void test_corrupt_images(void **state)
{
    (void)state;
    int failed = 0;

    for (size_t i = 0; i < ARRAY_SIZE(corrupt_cases); i++) {
        struct img m;
        struct elf_plan p;
        int r;

        img_init(&m);
        assert_int_equal(plan_of(&m, &p), 0);
        corrupt_cases[i].mutate(&m);
        r = plan_of(&m, &p);
        if (r != -ENOEXEC) {
            print_error("%s: %d, not -ENOEXEC\n", corrupt_cases[i].name, r);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/*
 * A table of 17 disjoint PT_LOADs (one over ELF_MAX_LOADS) is refused;
 * 16 are accepted.  Built by hand: more headers than struct img holds.
 */
static int loads_image(unsigned nloads)
{
    size_t len = 0x1000 * (nloads + 1);
    uint8_t *b = calloc(1, len);
    struct elf_plan p;
    struct img m;
    Elf64_Ehdr eh;
    int r;

    img_init(&m);
    eh = m.eh;
    eh.e_phnum = (uint16_t)nloads;
    memcpy(b, &eh, sizeof(eh));
    for (unsigned i = 0; i < nloads; i++) {
        Elf64_Phdr ph;

        ph_set(&ph, PT_LOAD, i == 1 ? PF_R | PF_X : PF_R, 0x1000 * i,
               0x400000 + 0x1000 * i, 0x1000, 0x1000);
        memcpy(b + 64 + i * sizeof(ph), &ph, sizeof(ph));
    }
    r = elf_load_plan(b, len, &p);
    free(b);
    return r;
}

static void test_load_count_limit(void **state)
{
    (void)state;
    assert_int_equal(loads_image(ELF_MAX_LOADS), 0);
    assert_int_equal(loads_image(ELF_MAX_LOADS + 1), -ENOEXEC);
}

static void test_null_image(void **state)
{
    struct elf_plan p;

    (void)state;
    assert_int_equal(elf_load_plan(NULL, 100, &p), -ENOEXEC);
    assert_int_equal(ENOEXEC, 8); /* Linux's numbers, named in dumps */
    assert_int_equal(E2BIG, 7);
    assert_string_equal(errno_name(-ENOEXEC), "ENOEXEC");
    assert_string_equal(errno_name(-E2BIG), "E2BIG");
}

/* ---- Real static programs, built by the Makefile ---------------------- */

static uint8_t *read_fixture(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    uint8_t *b;
    long n;

    snprintf(path, sizeof(path), "%s/%s", ELF_FIXTURES, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int prot_host(unsigned prot)
{
    return ((prot & ELF_PROT_READ) ? PROT_READ : 0) |
           ((prot & ELF_PROT_WRITE) ? PROT_WRITE : 0) |
           ((prot & ELF_PROT_EXEC) ? PROT_EXEC : 0);
}

#define STACK_TOP  0x7e0000000000ULL
#define STACK_SIZE (256 * 1024)

/*
 * In a child: map and fill every segment exactly as the plan says (fresh
 * zeroed pages, the file bytes copied in), build the stack with
 * ustack_build, and jump to the entry.  Never returns; exit 100+ on a
 * host failure.
 */
static void exec_in_child(const uint8_t *img, const struct elf_plan *p,
                          const char *const *argv, const char *const *envp)
{
    static const uint8_t rnd[16] = {0xa5, 1, 2,  3,  4,  5,  6,  7,
                                    8,    9, 10, 11, 12, 13, 14, 0x5a};
    uint8_t *buf = malloc(STACK_SIZE);
    struct ustack_info in = {.argv = argv,
                             .envp = envp,
                             .execfn = "/bin/fixture",
                             .random = rnd,
                             .phdr = p->phdr_addr,
                             .phent = p->phent,
                             .phnum = p->phnum,
                             .entry = p->entry,
                             .hwcap = getauxval(AT_HWCAP)};
    uint64_t rsp;
    void *stack;

    for (unsigned i = 0; i < p->nsegs; i++) {
        const struct elf_segment *s = &p->segs[i];
        void *at = (void *)s->map_start;

        if (mmap(at, s->map_end - s->map_start, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                 0) != at) {
            _exit(100);
        }
        memcpy((void *)s->vaddr, img + s->offset, s->filesz);
        mprotect(at, s->map_end - s->map_start, prot_host(s->prot));
    }
    stack = (void *)(STACK_TOP - STACK_SIZE);
    if (mmap(stack, STACK_SIZE,
             PROT_READ | PROT_WRITE | (p->exec_stack ? PROT_EXEC : 0),
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
             0) != stack ||
        ustack_build(buf, STACK_SIZE, STACK_TOP, &in, &rsp) != 0) {
        _exit(101);
    }
    memcpy((void *)rsp, buf + STACK_SIZE - (STACK_TOP - rsp), STACK_TOP - rsp);
    /* Fixed registers: rdx and rbp are zeroed on the way. */
    __asm__ volatile("mov %%rcx, %%rsp\n\t"
                     "xor %%edx, %%edx\n\t" /* no atexit function (ABI) */
                     "xor %%ebp, %%ebp\n\t"
                     "jmp *%%rax"
                     :
                     : "c"(rsp), "a"(p->entry)
                     : "memory");
    __builtin_unreachable();
}

/* Run a fixture; its stdout into out[], its wait status returned. */
static int run_fixture(const uint8_t *img, const struct elf_plan *p,
                       const char *const *argv, const char *const *envp,
                       char *out, size_t outsz)
{
    int fds[2], status;
    size_t got = 0;
    ssize_t n;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A fault must end the child, not resume cmocka's tests in it. */
        for (int sig = 1; sig < NSIG; sig++) {
            signal(sig, SIG_DFL);
        }
        dup2(fds[1], 1);
        close(fds[0]);
        exec_in_child(img, p, argv, envp);
    }
    close(fds[1]);
    while (got + 1 < outsz &&
           (n = read(fds[0], out + got, outsz - 1 - got)) > 0) {
        got += (size_t)n;
    }
    out[got] = 0;
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void tiny_runs(const char *name, int pie)
{
    static const char *const argv[] = {"tiny", "ok", NULL};
    static const char *const envp[] = {"A=1", NULL};
    struct elf_plan p;
    char out[16];
    size_t len;
    uint8_t *img = read_fixture(name, &len);
    int status;

    if (img == NULL) {
        skip();
    }
    assert_int_equal(elf_load_plan(img, len, &p), 0);
    check_plan(img, len, &p);
    assert_int_equal(p.pie, pie);
    assert_false(p.exec_stack); /* linked with -z noexecstack */
    if (pie) {
        assert_int_equal(p.segs[0].map_start, ELF_PIE_BASE);
    }
    status = run_fixture(img, &p, argv, envp, out, sizeof(out));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0); /* its own checks: a bit each */
    free(img);
}

static void test_tiny_static_runs(void **state)
{
    (void)state;
    tiny_runs("tiny", 0);
}

static void test_tiny_static_pie_runs(void **state)
{
    (void)state;
    tiny_runs("tiny-pie", 1);
}

/* glibc's start-up reads argv, envp and the auxv (TLS from AT_PHDR). */
static void hello_runs(const char *name)
{
    static const char *const argv[] = {"hello", "a b", "", NULL};
    static const char *const envp[] = {"X=1", "KAIROS=yes", NULL};
    static const char expect[] = "argc=3 [hello] [a b] []\n"
                                 "KAIROS=yes\n"
                                 "execfn=/bin/fixture\n"
                                 "random=a501..5a\n"
                                 "bss=zero data=42 heap=ok\n";
    struct elf_plan p;
    char out[512];
    size_t len;
    uint8_t *img = read_fixture(name, &len);
    int status;

    if (img == NULL) {
        skip();
    }
    assert_int_equal(elf_load_plan(img, len, &p), 0);
    check_plan(img, len, &p);
    status = run_fixture(img, &p, argv, envp, out, sizeof(out));
    assert_string_equal(out, expect);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    free(img);
}

static void test_glibc_static_runs(void **state)
{
    (void)state;
    hello_runs("hello");
}

static void test_glibc_static_pie_runs(void **state)
{
    (void)state;
    hello_runs("hello-pie");
}

/* ---- Fuzz ----------------------------------------------------------------- */

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* elf_load_plan on an exact copy of b[0..len): 0 (invariants hold) or -ENOEXEC. */
static void fuzz_one(const uint8_t *b, size_t len, unsigned *accepted)
{
    uint8_t *exact = malloc(len ? len : 1);
    struct elf_plan p;
    int r;

    memcpy(exact, b, len);
    r = elf_load_plan(exact, len, &p);
    if (r == 0) {
        check_plan(exact, len, &p);
        (*accepted)++;
    } else if (r != -ENOEXEC) {
        fail_msg("elf_load_plan returned %d", r);
    }
    free(exact);
}

/* A field of the headers, overwritten with a value likely to matter. */
static void mutate_field(uint8_t *b, size_t len, uint32_t *seed)
{
    static const uint64_t vals[] = {0,
                                    1,
                                    0x1000,
                                    0xfff,
                                    0x400000,
                                    USER_TOP,
                                    USER_TOP - 0x1000,
                                    ELF_MAX_MEM,
                                    UINT32_MAX,
                                    UINT64_MAX,
                                    UINT64_MAX - 0xfff,
                                    0x8000000000000000ULL};
    uint16_t phnum;
    size_t off;
    uint64_t v = vals[rng_next(seed) % ARRAY_SIZE(vals)];
    unsigned width = 1u << (rng_next(seed) % 4);

    memcpy(&phnum, b + offsetof(Elf64_Ehdr, e_phnum), 2);
    phnum = phnum > NPH ? NPH : phnum;
    off = rng_next(seed) % (64 + phnum * sizeof(Elf64_Phdr));
    if (rng_next(seed) & 1) {
        v += (int32_t)(rng_next(seed) % 33) - 16;
    }
    if (off + width <= len) {
        memcpy(b + off, &v, width);
    }
}

static void fuzz_seed(const uint8_t *seed_img, size_t len, uint32_t seed,
                      int rounds, int truncate_all)
{
    uint8_t *b = malloc(len);
    unsigned accepted = 0;

    for (size_t cut = 0; truncate_all && cut <= len; cut++) {
        fuzz_one(seed_img, cut, &accepted);
    }
    for (int i = 0; i < rounds; i++) {
        int edits = 1 + (int)(rng_next(&seed) % 4);
        size_t cut = len;

        memcpy(b, seed_img, len);
        for (int e = 0; e < edits; e++) {
            uint32_t r = rng_next(&seed);

            if (r % 3 == 0) {
                size_t hot = 64 + NPH * sizeof(Elf64_Phdr);

                b[rng_next(&seed) % (len < hot ? len : hot)] = (uint8_t)r;
            } else {
                mutate_field(b, len, &seed);
            }
        }
        if (rng_next(&seed) % 8 == 0) {
            cut = rng_next(&seed) % (len + 1);
        }
        fuzz_one(b, cut, &accepted);
    }
    assert_true(accepted > 0); /* the mutations do not all break it */
    free(b);
}

/*
 * From the synthetic image and each fixture that exists: every
 * truncation, then thousands of random header edits (bytes and whole
 * fields).  Never a crash (ASan, UBSan), never a result but 0/-ENOEXEC.
 */
static void test_fuzz(void **state)
{
    static const char *const names[] = {"tiny", "tiny-pie", "hello",
                                        "hello-pie"};
    struct img m;
    uint8_t *b;

    (void)state;
    img_init(&m);
    b = img_bytes(&m);
    fuzz_seed(b, m.len, 1, 40000, 1);
    free(b);
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        size_t len;
        uint8_t *img = read_fixture(names[i], &len);

        if (img != NULL) {
            /* Truncations of the big ones: every length of the headers. */
            for (size_t cut = 0; cut < 4096 && cut <= len; cut++) {
                unsigned dummy = 0;

                fuzz_one(img, cut, &dummy);
            }
            fuzz_seed(img, len, 1000 + (uint32_t)i, len < 65536 ? 10000 : 1000,
                      len < 65536);
            free(img);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_image_plan),
        cmocka_unit_test(test_unaligned_image),
        cmocka_unit_test(test_static_pie_is_based),
        cmocka_unit_test(test_static_pie_linked_high),
        cmocka_unit_test(test_gnu_stack_and_osabi),
        cmocka_unit_test(test_tolerated_headers),
        cmocka_unit_test(test_corrupt_images),
        cmocka_unit_test(test_load_count_limit),
        cmocka_unit_test(test_null_image),
        cmocka_unit_test(test_tiny_static_runs),
        cmocka_unit_test(test_tiny_static_pie_runs),
        cmocka_unit_test(test_glibc_static_runs),
        cmocka_unit_test(test_glibc_static_pie_runs),
        cmocka_unit_test(test_fuzz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
