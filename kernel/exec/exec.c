/*
 * spawn_user_process (exec.h): look the program up in the initramfs, check
 * it (elf_load_plan), build its address space (uvm) and its first stack
 * (ustack_build), then hand both to a new process, which owns them from
 * its first instant and leaves for ring 3 when it first runs.
 */
#include "exec.h"

#include "arch.h"
#include "heap.h"
#include "initramfs.h"
#include "kelf.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "random.h"
#include "ramfs.h"
#include "ustack.h"
#include "uvm.h"

#define USTACK_FIRST_TRY 4096 /* most stacks fit; else up to the limit */

static unsigned arch_prot(unsigned elf_prot)
{
    return ARCH_PROT_READ | (elf_prot & ELF_PROT_WRITE ? ARCH_PROT_WRITE : 0) |
           (elf_prot & ELF_PROT_EXEC ? ARCH_PROT_EXEC : 0);
}

/* The PT_LOAD segments: areas, pages, file bytes (the rest stays zero). */
static int load_segments(struct uvm *vm, const struct elf_plan *plan,
                         const uint8_t *image)
{
    for (unsigned i = 0; i < plan->nsegs; i++) {
        const struct elf_segment *s = &plan->segs[i];
        int err = uvm_add_area(vm, s->map_start, s->map_end, arch_prot(s->prot),
                               UVM_IMAGE);

        if (err == 0) {
            err = uvm_populate(vm, s->map_start, s->map_end);
        }
        if (err == 0) {
            err = uvm_write(vm, s->vaddr, image + s->offset, s->filesz);
        }
        if (err != 0) {
            return err == -EFAULT ? -ENOEXEC : err;
        }
    }
    return 0;
}

/* The stack area, its first pages and the System V start-up image. */
static int load_stack(struct uvm *vm, const struct elf_plan *plan,
                      const char *path, const char *const argv[],
                      const char *const envp[])
{
    uint8_t random[USTACK_RANDOM_BYTES];
    struct ustack_info in = {
        .argv = argv,
        .envp = envp,
        .execfn = path,
        .random = random,
        .phdr = plan->phdr_addr,
        .phent = plan->phent,
        .phnum = plan->phnum,
        .entry = plan->entry,
        .hwcap = arch_hwcap(),
    };
    size_t size = USTACK_FIRST_TRY;
    uint64_t rsp;
    uint8_t *buf;
    int err;

    err = uvm_add_area(vm, UVM_STACK_TOP - UVM_STACK_MAX, UVM_STACK_TOP,
                       ARCH_PROT_READ | ARCH_PROT_WRITE |
                           (plan->exec_stack ? ARCH_PROT_EXEC : 0),
                       UVM_STACK);
    if (err != 0) {
        return err;
    }
    random_bytes(random, sizeof(random));
    for (;;) {
        buf = kmalloc(size);
        if (buf == NULL) {
            return -ENOMEM;
        }
        err = ustack_build(buf, size, UVM_STACK_TOP, &in, &rsp);
        if (err != -E2BIG || size > USTACK_ARG_MAX) {
            break;
        }
        kfree(buf); /* too small: once more at the largest it may be */
        size = USTACK_ARG_MAX + 2 * USTACK_FIRST_TRY;
    }
    if (err == 0) {
        err = uvm_populate(vm, rsp & ~(uint64_t)(PAGE_SIZE - 1), UVM_STACK_TOP);
    }
    if (err == 0) {
        err = uvm_write(vm, rsp, buf + size - (UVM_STACK_TOP - rsp),
                        UVM_STACK_TOP - rsp);
    }
    kfree(buf);
    vm->sp = rsp;
    return err;
}

/* The new process's first code, in kernel mode, its vm loaded. */
static int user_start(void *arg)
{
    (void)arg;
    uvm_start();
}

/* path's last component, cut to a process name. */
static void name_of(const char *path, char name[PROCESS_NAME_MAX])
{
    const char *base = path;

    for (const char *c = path; *c != '\0'; c++) {
        if (*c == '/' && c[1] != '\0') {
            base = c + 1;
        }
    }
    kstrlcpy(name, base, PROCESS_NAME_MAX);
    for (char *c = name; *c != '\0'; c++) {
        if (*c == '/') {
            *c = '\0'; /* a trailing slash */
        }
    }
}

pid_t spawn_user_process(const char *path, const char *const argv[],
                         const char *const envp[])
{
    const struct ramfs_node *node;
    struct elf_plan plan;
    const uint8_t *image;
    char name[PROCESS_NAME_MAX];
    struct uvm *vm;
    size_t len;
    pid_t pid;
    int err;

    if (path == NULL) {
        return -EINVAL;
    }
    err = ramfs_lookup(initramfs(), NULL, path, 0, &node);
    if (err != 0) {
        return err;
    }
    image = ramfs_data(node, &len);
    if (image == NULL) {
        return -EACCES; /* a directory (or anything not a file) */
    }
    if (elf_load_plan(image, len, &plan) != 0) {
        return -ENOEXEC;
    }
    vm = uvm_create(&err);
    if (vm == NULL) {
        return err;
    }
    vm->entry = plan.entry;
    vm->brk_start = vm->brk = plan.image_end;
    err = load_segments(vm, &plan, image);
    if (err == 0) {
        err = load_stack(vm, &plan, path, argv, envp);
    }
    name_of(path, name);
    pid = err == 0 ? proc_spawn(name[0] ? name : "user", user_start, NULL, vm)
                   : err;
    if (pid < 0) {
        uvm_destroy(vm);
    }
    return pid;
}
