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
#include "pgrp.h"
#include "cwd.h"
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

#define SCRIPT_MAX   256 /* a #! line's bytes, as Linux's BINPRM_BUF_SIZE */
#define SCRIPT_DEPTH 4   /* interpreters of interpreters: -ELOOP past it */

static int load(const char *path, const char *const argv[],
                const char *const envp[], int depth, struct uvm **out);

/*
 * A "#!interpreter [arg]" script: run the interpreter with argv
 * {interpreter, [arg,] path, argv[1..]}, as Linux does.  The line must end
 * within SCRIPT_MAX bytes; one optional argument (the rest of the line,
 * spaces and all, trailing blanks cut).
 */
static int load_script(const char *path, const uint8_t *image, size_t len,
                       const char *const argv[], const char *const envp[],
                       int depth, struct uvm **out)
{
    char line[SCRIPT_MAX];
    const char **args;
    size_t n = 0, i = 2, k = 0, nargs = 0;
    char *interp, *arg = NULL;
    int err;

    while (i < len && i < SCRIPT_MAX && image[i] != '\n') {
        line[n++] = (char)image[i++];
    }
    if (i >= len || image[i] != '\n' || depth >= SCRIPT_DEPTH) {
        return depth >= SCRIPT_DEPTH ? -ELOOP : -ENOEXEC;
    }
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
        n--;
    }
    line[n] = '\0';
    interp = line;
    while (*interp == ' ' || *interp == '\t') {
        interp++;
    }
    for (char *c = interp; *c != '\0'; c++) {
        if (*c == ' ' || *c == '\t') {
            *c++ = '\0';
            while (*c == ' ' || *c == '\t') {
                c++;
            }
            arg = *c != '\0' ? c : NULL;
            break;
        }
    }
    if (*interp == '\0') {
        return -ENOEXEC;
    }
    while (argv != NULL && argv[nargs] != NULL) {
        nargs++;
    }
    args = kmalloc((nargs + 4) * sizeof(*args));
    if (args == NULL) {
        return -ENOMEM;
    }
    args[k++] = interp;
    if (arg != NULL) {
        args[k++] = arg;
    }
    args[k++] = path;
    for (size_t a = 1; a < nargs; a++) {
        args[k++] = argv[a];
    }
    args[k] = NULL;
    err = load(interp, args, envp, depth + 1, out);
    kfree(args);
    return err;
}

/* path's program in a new uvm, ready to run (entry, sp set): 0 or the
 * errors of spawn_user_process. */
static int load(const char *path, const char *const argv[],
                const char *const envp[], int depth, struct uvm **out)
{
    struct vnode v;
    struct ramfs_stat st;
    struct elf_plan plan;
    const uint8_t *image;
    struct uvm *vm;
    size_t len;
    int err;

    if (path == NULL) {
        return -EINVAL;
    }
    err = cwd_lookup(path, 0, &v); /* relative: from the caller's cwd */
    if (err != 0) {
        return err;
    }
    if (v.kind != VNODE_RAMFS) {
        return -EACCES; /* /dev and its nodes are not programs */
    }
    image = ramfs_data(v.rn, &len);
    ramfs_stat(v.rn, &st);
    if (image == NULL || (st.mode & 0111) == 0) {
        return -EACCES; /* not a file, or no execute bit (as for root) */
    }
    if (len >= 2 && image[0] == '#' && image[1] == '!') {
        return load_script(path, image, len, argv, envp, depth, out);
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
    if (err != 0) {
        uvm_destroy(vm);
        return err;
    }
    *out = vm;
    return 0;
}

pid_t spawn_user_process(const char *path, const char *const argv[],
                         const char *const envp[])
{
    char name[PROCESS_NAME_MAX];
    struct uvm *vm;
    pid_t pid;
    int err = load(path, argv, envp, 0, &vm);

    if (err != 0) {
        return err;
    }
    name_of(path, name);
    pid = proc_spawn(name[0] ? name : "user", user_start, NULL, vm);
    if (pid < 0) {
        uvm_destroy(vm);
    } else {
        process_mark_exec(pid); /* as posix_spawn's child: it has exec'd */
    }
    return pid;
}

int exec_prepare(const char *path, const char *const argv[],
                 const char *const envp[], struct uvm **vm,
                 char name[PROCESS_NAME_MAX])
{
    int err;

    if (proc_current()->vm == NULL) {
        return -EINVAL; /* kernel processes spawn programs */
    }
    err = load(path, argv, envp, 0, vm);
    if (err == 0) {
        name_of(path, name);
        if (name[0] == '\0') {
            kstrlcpy(name, "user", PROCESS_NAME_MAX);
        }
    }
    return err;
}

_Noreturn void exec_finish(struct uvm *vm, const char *name)
{
    process_mark_exec(0);
    proc_exec(vm, name);
    uvm_start();
}
