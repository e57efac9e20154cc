/*
 * Build cpio newc archives in memory for the cpio and ramfs tests: each
 * test writes the archive it needs (headers, names, data, padding) rather
 * than carrying bytes.  newc_raw writes any header fields, so tests can
 * build the corrupt ones too.
 */
#ifndef KAIROS_TEST_NEWC_H
#define KAIROS_TEST_NEWC_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NEWC_MAX (3u << 20) /* room for a file over SYSCALL_IO_MAX */

struct newc {
    uint8_t buf[NEWC_MAX];
    size_t len;
    uint32_t ino;
};

/* Header fields a test may override; namesize 0 means strlen(name) + 1. */
struct newc_hdr {
    const char *magic; /* NULL: "070701" */
    uint32_t mode, uid, gid, nlink, mtime, check;
    uint32_t namesize, filesize;
    int raw_filesize; /* use filesize as given, not the data's length */
};

static inline void newc_pad(struct newc *a)
{
    while (a->len % 4 != 0) {
        a->buf[a->len++] = 0;
    }
}

/* One entry with name (namelen bytes written, then a NUL if nul) and data. */
static inline void newc_raw(struct newc *a, const struct newc_hdr *h,
                            const char *name, size_t namelen, int nul,
                            const void *data, size_t size)
{
    char hdr[111];
    uint32_t namesize = h->namesize ? h->namesize : (uint32_t)namelen + 1;
    uint32_t filesize = h->raw_filesize ? h->filesize : (uint32_t)size;

    snprintf(hdr, sizeof(hdr),
             "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             h->magic ? h->magic : "070701", ++a->ino, h->mode, h->uid, h->gid,
             h->nlink ? h->nlink : 1, h->mtime, filesize, 0, 0, 0, 0, namesize,
             h->check);
    memcpy(a->buf + a->len, hdr, 110);
    a->len += 110;
    memcpy(a->buf + a->len, name, namelen);
    a->len += namelen;
    if (nul) {
        a->buf[a->len++] = 0;
    }
    newc_pad(a);
    memcpy(a->buf + a->len, data, size);
    a->len += size;
    newc_pad(a);
}

/* An ordinary entry: name, mode (type and permissions), data. */
static inline void newc_add(struct newc *a, const char *name, uint32_t mode,
                            const void *data, size_t size)
{
    struct newc_hdr h = {.mode = mode};

    newc_raw(a, &h, name, strlen(name), 1, data, size);
}

static inline void newc_file(struct newc *a, const char *name, const char *text)
{
    newc_add(a, name, 0100644, text, strlen(text));
}

static inline void newc_dir(struct newc *a, const char *name, uint32_t perm)
{
    newc_add(a, name, 0040000 | perm, "", 0);
}

static inline void newc_link(struct newc *a, const char *name,
                             const char *target)
{
    newc_add(a, name, 0120777, target, strlen(target));
}

/* The trailer; returns the length up to and including it. */
static inline size_t newc_trailer(struct newc *a)
{
    newc_add(a, "TRAILER!!!", 0, "", 0);
    return a->len;
}

#endif
