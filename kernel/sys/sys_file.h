/*
 * The file system calls (docs/syscalls.md, "Files"): read, write, pread64,
 * pwrite64, open, creat, close, stat, fstat, lseek, ioctl, readv, writev,
 * sendfile, getdents64, openat and newfstatat, with Linux's numbers,
 * structures and errors.  Each handler takes the six argument registers;
 * syscall.c's table calls them.
 */
#ifndef KAIROS_SYS_FILE_H
#define KAIROS_SYS_FILE_H

#include <stddef.h>
#include <stdint.h>

/* *at calls: the directory a relative path starts from, and flags
 * (Linux's values). */
#define KAT_FDCWD            (-100) /* the caller's working directory */
#define KAT_SYMLINK_NOFOLLOW 0x100
#define KAT_NO_AUTOMOUNT     0x800 /* accepted, nothing to do */
#define KAT_EMPTY_PATH       0x1000

/* ioctl requests (Linux's numbers, asm-generic/ioctls.h). */
#define KTCGETS     0x5401
#define KTIOCGWINSZ 0x5413
#define KFIONBIO    0x5421
#define KFIONCLEX   0x5450
#define KFIOCLEX    0x5451

#define KIOV_MAX 1024 /* readv / writev segments (Linux's UIO_MAXIOV) */

/* Linux's struct iovec. */
struct kiovec {
    void *iov_base;
    size_t iov_len;
};

/* The kernel's struct termios that TCGETS fills (36 bytes: the C
 * libraries' own is longer and they copy this prefix). */
#define KNCCS 19
struct ktermios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[KNCCS];
};

/* struct winsize (TIOCGWINSZ). */
struct kwinsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* struct linux_dirent64's fixed part: d_name follows, NUL-terminated, the
 * record padded to 8 bytes. */
struct kdirent64 {
    uint64_t d_ino;
    int64_t d_off; /* the cursor of the next entry (lseek to resume) */
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
} __attribute__((packed));
#define KDIRENT64_NAME 19 /* offsetof(d_name) */

#define CONSOLE_ROWS 25 /* TIOCGWINSZ: the VGA text screen */
#define CONSOLE_COLS 80

/*
 * The handlers, for syscall.c's table: arg is rdi, rsi, rdx, r10, r8, r9.
 * Each returns the call's result or -errno, as docs/syscalls.md lists;
 * no lock is held on entry; read, readv and open may block.
 */
/* The caller's path at upath in a new FS_PATH_MAX buffer (kfree it), or
 * NULL with *err -ENOMEM, -EFAULT or -ENAMETOOLONG (sys_path.c uses it). */
char *path_from_caller(const void *upath, long *err);
struct vnode;
/* Where path from dirfd starts: "/" for an absolute path, the caller's
 * cwd for AT_FDCWD, else dirfd's directory: 0, -EBADF, -ENOTDIR. */
long path_start(int dirfd, const char *path, struct vnode *start);

long do_read(const long arg[6]);
long do_write(const long arg[6]);
long do_pread64(const long arg[6]);
long do_pwrite64(const long arg[6]);
long do_open(const long arg[6]);
long do_creat(const long arg[6]);
long do_close(const long arg[6]);
long do_stat(const long arg[6]);
long do_fstat(const long arg[6]);
long do_lseek(const long arg[6]);
long do_ioctl(const long arg[6]);
long do_readv(const long arg[6]);
long do_writev(const long arg[6]);
long do_sendfile(const long arg[6]);
long do_getdents64(const long arg[6]);
long do_openat(const long arg[6]);
long do_newfstatat(const long arg[6]);

/* The caller's umask (022 for a kernel caller): what creating clears. */
unsigned caller_umask(void);

#endif
