/*
 * Signal frames for user processes (arch.h, docs/signals.md): Linux's
 * x86_64 rt_sigframe, so that C libraries' handlers and their restorer
 * (rt_sigreturn) work unchanged.
 *
 *   rsp -> pretcode (the restorer: where the handler returns)
 *          struct ucontext (flags, link, stack, sigcontext, sigmask)
 *          struct siginfo (128 bytes)
 *          the FPU state (fxsave, 512 bytes, 64-aligned)
 *
 * The frame goes on the alternate stack when the handler asked for it
 * (SA_ONSTACK) and the process is not on it yet, else below the red zone
 * of the stack it was on; one that would leave the alternate stack is not
 * built (Linux's get_sigframe).  The registers come from the trap frame
 * at the top of the kernel stack (user_frame) and go back there on
 * rt_sigreturn; every copy to and from the user stack is a checked user
 * copy.
 */
#include "arch.h"
#include "kerrno.h"
#include "ksignal.h"
#include "kstring.h"
#include "x86.h"

/* Linux's struct sigcontext (x86_64), 256 bytes. */
struct ksigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* user address of the fxsave area, or 0 */
    uint64_t reserved1[8];
};

struct kucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t ss_pad;
    uint64_t ss_size;
    struct ksigcontext mcontext;
    uint64_t sigmask;
};

struct ksiginfo {
    int32_t signo, errno_, code, pad;
    union {
        struct {
            int32_t pid, uid; /* kill, tkill; SIGCHLD: the child */
            int32_t status;   /* SIGCHLD */
        } kill;
        uint64_t addr; /* a fault's */
        uint8_t rest[112];
    } u;
};

struct rt_sigframe {
    uint64_t pretcode;
    struct kucontext uc;
    struct ksiginfo info;
};

_Static_assert(sizeof(struct ksigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo");

#define RFLAGS_TF   (1UL << 8)
#define RFLAGS_DF   (1UL << 10)
#define RFLAGS_USER 0x0000000000254dd5UL /* what user code may change */
#define FP_SIZE     512

/* The siginfo Linux lays out for s (siginfo_layout): a fault's address
 * for the fault signals with a code of their own, else the sender. */
static void fill_info(struct ksiginfo *info, const struct arch_signal *s)
{
    bool own_code = s->code > KSI_USER && s->code < KSI_KERNEL;
    bool fault = s->sig == SIGSEGV || s->sig == SIGBUS || s->sig == SIGILL ||
                 s->sig == SIGFPE || s->sig == SIGTRAP;

    info->signo = s->sig;
    info->code = s->code;
    if (own_code && fault) {
        info->u.addr = s->addr;
        return;
    }
    info->u.kill.pid = s->pid; /* uid 0: everyone is root */
    if (own_code && s->sig == SIGCHLD) {
        info->u.kill.status = s->status;
    }
}

/* A system call cut short by the signal (-EINTR) starts again after the
 * handler if it asked so (SA_RESTART), except the sleeps and waits Linux
 * never restarts: pause 34, nanosleep 35, poll 7, ppoll 271,
 * clock_nanosleep 230, rt_sigsuspend 130. */
static void maybe_restart(struct trap_frame *tf, uint64_t flags)
{
    if (tf->error == (uint64_t)-1 && (int64_t)tf->rax == -EINTR &&
        (flags & KSA_RESTART) && tf->vector != 34 && tf->vector != 35 &&
        tf->vector != 7 && tf->vector != 271 && tf->vector != 230 &&
        tf->vector != 130) {
        tf->rax = tf->vector; /* the number again */
        tf->rip -= 2;         /* the syscall instruction */
    }
}

/* Where the frame and its FPU area go (*fpa), or 0 if it would overflow
 * the alternate stack. */
static uint64_t frame_place(const struct trap_frame *tf,
                            const struct arch_signal *s, uint64_t *fpa)
{
    const struct arch_sigstack *ss = &s->stack;
    bool nested = sigstack_on(ss, tf->rsp), entering = false;
    uint64_t sp = tf->rsp - 128, fa; /* below the red zone */

    if ((s->flags & KSA_ONSTACK) && sigstack_mode(ss, sp) == 0) {
        sp = ss->sp + ss->size;
        entering = true;
    }
    *fpa = (sp - FP_SIZE) & ~63UL;
    fa = ((*fpa - sizeof(struct rt_sigframe)) & ~15UL) - 8; /* as a call */
    if ((nested || entering) && !(fa > ss->sp && fa - ss->sp <= ss->size)) {
        return 0; /* it overflowed the alternate stack */
    }
    return fa;
}

static struct ksigcontext save_context(const struct trap_frame *tf,
                                       uint64_t old_blocked, uint64_t fpa)
{
    bool fault = tf->error != (uint64_t)-1 && tf->vector < 32;

    return (struct ksigcontext){
        .r8 = tf->r8,
        .r9 = tf->r9,
        .r10 = tf->r10,
        .r11 = tf->r11,
        .r12 = tf->r12,
        .r13 = tf->r13,
        .r14 = tf->r14,
        .r15 = tf->r15,
        .rdi = tf->rdi,
        .rsi = tf->rsi,
        .rbp = tf->rbp,
        .rbx = tf->rbx,
        .rdx = tf->rdx,
        .rax = tf->rax,
        .rcx = tf->rcx,
        .rsp = tf->rsp,
        .rip = tf->rip,
        .eflags = tf->rflags,
        .cs = (uint16_t)tf->cs,
        .ss = (uint16_t)tf->ss,
        .err = fault ? tf->error : 0,
        .trapno = fault ? tf->vector : 0,
        .oldmask = old_blocked,
        .fpstate = fpa,
    };
}

int arch_signal_setup(const struct arch_signal *s)
{
    struct trap_frame *tf = user_frame();
    _Alignas(16) uint8_t fp[FP_SIZE];
    struct rt_sigframe f;
    uint64_t fpa, fa;

    maybe_restart(tf, s->flags);
    fa = frame_place(tf, s, &fpa);
    if (fa == 0) {
        return -EFAULT;
    }
    __asm__ volatile("fxsave %0" : "=m"(fp)); /* the user's, still live */
    memset(&f, 0, sizeof(f));
    f.pretcode = s->restorer;
    f.uc.ss_sp = s->stack.sp;
    f.uc.ss_size = s->stack.size;
    f.uc.ss_flags =
        (int32_t)(s->stack.size != 0 /* as set, as Linux */
                      ? s->stack.flags
                      : KSS_DISABLE | (s->stack.flags & KSS_AUTODISARM));
    f.uc.mcontext = save_context(tf, s->old_blocked, fpa);
    f.uc.sigmask = s->old_blocked;
    fill_info(&f.info, s);
    if (arch_copy_to_user((void *)fpa, fp, sizeof(fp)) != 0 ||
        arch_copy_to_user((void *)fa, &f, sizeof(f)) != 0) {
        return -EFAULT;
    }
    user_fpu_reset(); /* a pending x87 exception must not fire in it */
    tf->rsp = fa;
    tf->rip = s->handler;
    tf->rdi = (uint64_t)s->sig;
    tf->rsi = fa + __builtin_offsetof(struct rt_sigframe, info);
    tf->rdx = fa + __builtin_offsetof(struct rt_sigframe, uc);
    tf->rax = 0;
    tf->rflags &= ~(RFLAGS_TF | RFLAGS_DF);
    return 0;
}

long arch_signal_return(uint64_t *blocked, struct arch_sigstack *stack)
{
    struct trap_frame *tf = user_frame();
    _Alignas(16) uint8_t fp[FP_SIZE];
    struct rt_sigframe f;
    uint64_t fa = tf->rsp - 8; /* the handler's ret popped pretcode */
    const struct ksigcontext *c = &f.uc.mcontext;

    if (arch_copy_from_user(&f, (const void *)fa, sizeof(f)) != 0 ||
        c->rip >= ARCH_USER_END || c->rsp >= ARCH_USER_END) {
        return -EFAULT;
    }
    if (c->fpstate != 0) {
        if (arch_copy_from_user(fp, (const void *)c->fpstate, sizeof(fp))) {
            return -EFAULT;
        }
        *(uint32_t *)(fp + 24) &= 0xffff; /* MXCSR: no reserved bits */
        __asm__ volatile("fxrstor %0" : : "m"(fp));
    }
    tf->r8 = c->r8, tf->r9 = c->r9, tf->r10 = c->r10, tf->r11 = c->r11;
    tf->r12 = c->r12, tf->r13 = c->r13, tf->r14 = c->r14, tf->r15 = c->r15;
    tf->rdi = c->rdi, tf->rsi = c->rsi, tf->rbp = c->rbp, tf->rbx = c->rbx;
    tf->rdx = c->rdx, tf->rax = c->rax, tf->rcx = c->rcx;
    tf->rsp = c->rsp;
    tf->rip = c->rip;
    /* user flags only, IF on; the selectors stay ring 3's own */
    tf->rflags =
        (tf->rflags & ~RFLAGS_USER) | (c->eflags & RFLAGS_USER) | RFLAGS_IF;
    *blocked = f.uc.sigmask;
    *stack = (struct arch_sigstack){f.uc.ss_sp, f.uc.ss_size,
                                    (uint32_t)f.uc.ss_flags};
    user_return_by_iret();
    return (long)c->rax;
}

uintptr_t arch_user_sp(void)
{
    return user_frame()->rsp;
}
