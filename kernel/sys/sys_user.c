/*
 * System calls about a user process's own memory, TLS and identity
 * (handlers.h, docs/user.md, docs/syscalls.md).  Kernel processes have no
 * user memory: brk returns 0 for them, the others -EINVAL.
 */
#include "handlers.h"

#include "arch.h"
#include "exec.h"
#include "fd.h"
#include "file.h"
#include "heap.h"
#include "kerrno.h"
#include "klog.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "ramfs.h"
#include "spinlock.h"
#include "uaccess.h"
#include "uvm.h"

#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4

#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE            0x0f
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_NORESERVE       0x4000
#define MAP_POPULATE        0x8000
#define MAP_STACK           0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_KNOWN                                                          \
    (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE | \
     MAP_STACK | MAP_FIXED_NOREPLACE)

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static struct uvm *caller_vm(void)
{
    struct process *p = proc_current();

    return p != NULL ? p->vm : NULL;
}

long sys_brk(const long arg[6])
{
    struct uvm *vm = caller_vm();

    return vm != NULL ? (long)uvm_brk(vm, (uintptr_t)arg[0]) : 0;
}

/* PROT_* as the page tables can hold them (x86: write and execute imply
 * read); -1 for unknown bits. */
static int to_prot(long prot)
{
    if (prot & ~(long)(PROT_READ | PROT_WRITE | PROT_EXEC)) {
        return -1;
    }
    if (prot == 0) {
        return ARCH_PROT_NONE;
    }
    return (int)(ARCH_PROT_READ | (prot & PROT_WRITE ? ARCH_PROT_WRITE : 0) |
                 (prot & PROT_EXEC ? ARCH_PROT_EXEC : 0));
}

/* Can the file at fd be mapped so?  0, -EBADF, -ENODEV (a device or a
 * directory), -EACCES (not readable; shared and writable: the initramfs
 * is read-only). */
static long file_mappable(int fd, bool shared_writable)
{
    struct file *f = fd_get(fd);
    long err = 0;

    if (f == NULL) {
        return -EBADF;
    }
    if (f->kind != FILE_REG) {
        err = -ENODEV;
    } else if (!file_readable(f) || shared_writable) {
        err = -EACCES;
    }
    file_put(f);
    return err;
}

/*
 * A file mapping: the initramfs file at fd copied into fresh pages from
 * off (the rest zero).  The filesystem is read-only, so a private copy is
 * exactly what MAP_PRIVATE promises, and MAP_SHARED (read-only) sees the
 * same bytes.  0 or -ENOMEM (file_mappable has passed).
 */
static long map_file(struct uvm *vm, long start, size_t len, int fd,
                     uint64_t off)
{
    struct file *f = fd_get(fd);
    size_t size = 0;
    const uint8_t *data = f != NULL ? ramfs_data(f->node.rn, &size) : NULL;
    long err = 0;

    if (data != NULL && off < size) {
        size_t n = size - off < len ? size - off : len;

        err = uvm_populate(vm, (uintptr_t)start, (uintptr_t)start + len);
        if (err == 0) {
            err = uvm_write(vm, (uintptr_t)start, data + off, n);
        }
    }
    if (f != NULL) {
        file_put(f);
    }
    return err;
}

/*
 * mmap(addr, len, prot, flags, fd, off): anonymous memory, private or
 * shared (the same until fork exists), or a private copy of an initramfs
 * file (map_file), placed top down or fixed.
 */
long sys_mmap(const long arg[6])
{
    struct uvm *vm = caller_vm();
    uintptr_t addr = (uintptr_t)arg[0];
    size_t len = (size_t)arg[1];
    int prot = to_prot(arg[2]);
    long flags = (int)arg[3], type = flags & MAP_TYPE;
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    long r;

    if (vm == NULL || prot < 0 || (flags & ~(long)MAP_KNOWN) ||
        (type != MAP_SHARED && type != MAP_PRIVATE &&
         type != MAP_SHARED_VALIDATE) ||
        arg[5] % (long)PAGE_SIZE != 0 || len == 0 ||
        (fixed && addr % PAGE_SIZE != 0)) {
        return -EINVAL;
    }
    if (!(flags & MAP_ANONYMOUS)) {
        long err = file_mappable((int)arg[4], type != MAP_PRIVATE &&
                                                  (prot & ARCH_PROT_WRITE));

        if (err != 0) {
            return err; /* before anything is mapped or replaced */
        }
    }
    r = uvm_mmap_anon(vm, addr, len, (unsigned)prot,
                      !fixed                          ? UVM_MAP_ANYWHERE
                      : (flags & MAP_FIXED_NOREPLACE) ? UVM_MAP_NOREPLACE
                                                      : UVM_MAP_FIXED);
    if (r >= 0 && !(flags & MAP_ANONYMOUS)) {
        long err = map_file(vm, r, len, (int)arg[4], (uint64_t)arg[5]);

        if (err != 0) {
            uvm_munmap(vm, (uintptr_t)r, len);
            return err;
        }
    }
    if (r >= 0 && (flags & MAP_POPULATE)) {
        uvm_populate(vm, (uintptr_t)r, (uintptr_t)r + len);
    }
    return r;
}

long sys_munmap(const long arg[6])
{
    struct uvm *vm = caller_vm();

    return vm != NULL ? uvm_munmap(vm, (uintptr_t)arg[0], (size_t)arg[1])
                      : -EINVAL;
}

long sys_mprotect(const long arg[6])
{
    struct uvm *vm = caller_vm();
    int prot = to_prot(arg[2]);

    if (vm == NULL || prot < 0) {
        return -EINVAL;
    }
    return uvm_mprotect(vm, (uintptr_t)arg[0], (size_t)arg[1], (unsigned)prot);
}

/* arch_prctl(code, addr): the TLS base, as musl sets it at start-up. */
long sys_arch_prctl(const long arg[6])
{
    struct uvm *vm = caller_vm();
    uint64_t fs;

    if (vm == NULL) {
        return -EINVAL;
    }
    switch (arg[0]) {
    case ARCH_SET_FS:
        return arch_set_tls(&vm->uctx, (uintptr_t)arg[1]) == 0 ? 0 : -EPERM;
    case ARCH_GET_FS:
        fs = arch_get_tls(&vm->uctx);
        return copy_to_caller((void *)arg[1], &fs, sizeof(fs));
    default:
        return -EINVAL;
    }
}

/* set_tid_address(tidptr): one thread per process, never cleared at
 * exit (no one could wait on it): the caller's tid. */
long sys_set_tid_address(const long arg[6])
{
    (void)arg;
    return current_pid();
}

struct utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65],
        domainname[65];
};

/* uname: a Linux-shaped release so that C libraries that parse it (glibc's
 * minimum-version check) accept it; the name says what runs. */
long sys_uname(const long arg[6])
{
    struct utsname u;

    memset(&u, 0, sizeof(u));
    kstrlcpy(u.sysname, "Kairos", sizeof(u.sysname));
    kstrlcpy(u.nodename, "kairos", sizeof(u.nodename));
    kstrlcpy(u.release, "6.1.0-kairos", sizeof(u.release));
    kstrlcpy(u.version, "#1 Kairos", sizeof(u.version));
    kstrlcpy(u.machine, ARCH_NAME, sizeof(u.machine));
    kstrlcpy(u.domainname, "(none)", sizeof(u.domainname));
    return copy_to_caller((void *)arg[0], &u, sizeof(u));
}

/* getuid, geteuid, getgid, getegid: everything runs as root (0). */
long sys_getuid(const long arg[6])
{
    (void)arg;
    return 0;
}

long sys_gettid(const long arg[6])
{
    (void)arg;
    return current_pid();
}

/* ---- kairos_spawn ------------------------------------------------------ */

struct args {
    const char **v;  /* NULL-terminated, into buf */
    size_t n, bytes; /* strings, and bytes used (pointers and strings) */
};

/*
 * The caller's NULL-terminated array of strings at uv into kernel copies
 * in buf (room bytes in all, pointers included).  0, -EFAULT, -E2BIG.
 */
static int copy_strings(const void *uv, char *buf, size_t room, struct args *a,
                        const char **ptrs, size_t maxptrs)
{
    a->v = ptrs;
    a->n = 0;
    for (;; a->n++) {
        const char *s;
        long len;

        if (a->n + 1 >= maxptrs) {
            return -E2BIG;
        }
        if (uv == NULL) {
            break;
        }
        if (copy_from_caller(&s, (const char *const *)uv + a->n, sizeof(s))) {
            return -EFAULT;
        }
        if (s == NULL) {
            break;
        }
        a->bytes += sizeof(char *);
        if (a->bytes >= room) {
            return -E2BIG;
        }
        len = string_from_caller(buf + a->bytes, s,
                                 room - a->bytes < USTACK_STRLEN_MAX
                                     ? room - a->bytes
                                     : USTACK_STRLEN_MAX);
        if (len == -ENAMETOOLONG) {
            return -E2BIG;
        }
        if (len < 0) {
            return (int)len;
        }
        ptrs[a->n] = buf + a->bytes;
        a->bytes += (size_t)len + 1;
    }
    ptrs[a->n] = NULL;
    return 0;
}

#define SPAWN_PTRS (USTACK_ARG_MAX / sizeof(char *))

/* The caller's (path, argv, envp) as kernel copies, then spawn (a new
 * process) or exec (this one, never returning if it works). */
static long spawn_or_exec(const long arg[6], bool exec)
{
    char *path = kmalloc(FS_PATH_MAX), *strings = kmalloc(USTACK_ARG_MAX);
    const char **argv = kmalloc(SPAWN_PTRS * sizeof(char *));
    const char **envp = kmalloc(SPAWN_PTRS * sizeof(char *));
    struct args a = {0}, e = {0};
    struct uvm *vm = NULL;
    char name[PROCESS_NAME_MAX];
    long r;

    if (path == NULL || strings == NULL || argv == NULL || envp == NULL) {
        r = -ENOMEM;
        goto out;
    }
    r = string_from_caller(path, (const void *)arg[0], FS_PATH_MAX);
    if (r >= 0) {
        r = copy_strings((const void *)arg[1], strings, USTACK_ARG_MAX, &a,
                         argv, SPAWN_PTRS);
    }
    if (r >= 0) {
        e.bytes = a.bytes;
        r = copy_strings((const void *)arg[2], strings, USTACK_ARG_MAX, &e,
                         envp, SPAWN_PTRS);
    }
    if (r >= 0) {
        r = exec ? exec_prepare(path, argv, envp, &vm, name)
                 : spawn_user_process(path, argv, envp);
    }
out:
    kfree(path);
    kfree(strings);
    kfree(argv);
    kfree(envp);
    if (exec && r == 0) {
        exec_finish(vm, name); /* the copies are on the new stack */
    }
    return r;
}

/* kairos_spawn(path, argv, envp): spawn_user_process for user programs
 * (docs/user.md): the new process's pid, or spawn_user_process's errors,
 * -EFAULT for a bad pointer. */
long sys_kairos_spawn(const long arg[6])
{
    return spawn_or_exec(arg, false);
}

/* execve(path, argv, envp): exec_current; returns only on failure, with
 * the caller untouched. */
long sys_execve(const long arg[6])
{
    return spawn_or_exec(arg, true);
}

/* set_robust_list(head, len): recorded nowhere — with one thread per
 * process no futex owner can die while others wait — but accepted, as
 * C libraries register one at start-up.  -EINVAL for a wrong len. */
long sys_set_robust_list(const long arg[6])
{
    return arg[1] == 24 ? 0 : -EINVAL; /* sizeof(struct robust_list_head) */
}

/* rseq: not supported (C libraries then do without it): -ENOSYS, without
 * the log line of an unknown call. */
long sys_rseq(const long arg[6])
{
    (void)arg;
    return -ENOSYS;
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

/* prctl: the process's name (PR_SET_NAME, PR_GET_NAME: 16 bytes with the
 * NUL, as Linux's comm); other options -EINVAL. */
long sys_prctl(const long arg[6])
{
    struct process *p = proc_current();
    char name[16];

    if (arg[0] == PR_SET_NAME) {
        long n = string_from_caller(name, (const void *)arg[1], sizeof(name));

        if (n == -ENAMETOOLONG) { /* Linux cuts it to 15 bytes */
            if (copy_from_caller(name, (const void *)arg[1], 15) != 0) {
                return -EFAULT;
            }
            name[15] = '\0';
        } else if (n < 0) {
            return n;
        }
        spin_lock(&sched_lock);
        kstrlcpy(p->name, name, sizeof(p->name));
        spin_unlock(&sched_lock);
        return 0;
    }
    if (arg[0] == PR_GET_NAME) {
        memset(name, 0, sizeof(name));
        spin_lock(&sched_lock);
        kstrlcpy(name, p->name, sizeof(name));
        spin_unlock(&sched_lock);
        return copy_to_caller((void *)arg[1], name, sizeof(name));
    }
    return -EINVAL;
}

void sys_log_unknown(long nr)
{
    struct process *p = proc_current();
    struct uvm *vm = p != NULL ? p->vm : NULL;
    unsigned bit = nr >= 0 && nr < 511 ? (unsigned)nr : 511;

    if (vm == NULL || (vm->logged[bit / 64] & (1ULL << (bit % 64)))) {
        return; /* kernel processes probe unknown numbers on purpose */
    }
    vm->logged[bit / 64] |= 1ULL << (bit % 64);
    kprintf("pid %d (%s): system call %ld is not implemented (-ENOSYS)\n",
            p->pid, p->name, nr);
}
