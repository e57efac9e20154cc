/*
 * cpio newc: parse one header at a time, bounds first (cpio.h).
 *
 * Offsets are size_t and every comparison is written as "wanted > what is
 * left" so no sum can wrap; a field is eight hex digits, so it is at most
 * 2^32 - 1 and a name or data length never exceeds the archive's remainder
 * unchecked.
 */
#include "cpio.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"

#define MAGIC_LEN   6
#define FIELD_LEN   8
#define FIELD_COUNT 13
#define MAGIC_NEWC  "070701"
#define MAGIC_CRC   "070702"
#define ALIGN4(x)   (((x) + 3) & ~(size_t)3)

/* Header fields in order, after the magic. */
enum {
    F_INO,
    F_MODE,
    F_UID,
    F_GID,
    F_NLINK,
    F_MTIME,
    F_FILESIZE,
    F_DEVMAJOR,
    F_DEVMINOR,
    F_RDEVMAJOR,
    F_RDEVMINOR,
    F_NAMESIZE,
    F_CHECK,
};

void cpio_reader_init(struct cpio_reader *r, const void *archive, size_t len)
{
    *r = (struct cpio_reader){
        archive, archive != NULL ? len : 0, 0, false, NULL, 0};
}

static int fail(struct cpio_reader *r, const char *why)
{
    r->done = true;
    r->why = why;
    r->why_off = r->off;
    return -EINVAL;
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20; /* lower case */
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Eight hex digits at p into *out; false on any other character. */
static bool parse_field(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < FIELD_LEN; i++) {
        int d = hex_digit(p[i]);

        if (d < 0) {
            return false;
        }
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

static uint32_t data_sum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < n; i++) {
        sum += p[i];
    }
    return sum;
}

/* The header at r->off into f[]; 0 or -EINVAL. */
static int read_header(struct cpio_reader *r, uint32_t f[FIELD_COUNT],
                       bool *crc)
{
    const uint8_t *h = r->base + r->off;

    if (CPIO_HEADER_SIZE > r->len - r->off) {
        return fail(r, r->off == r->len ? "no trailer" : "truncated header");
    }
    *crc = memcmp(h, MAGIC_CRC, MAGIC_LEN) == 0;
    if (!*crc && memcmp(h, MAGIC_NEWC, MAGIC_LEN) != 0) {
        return fail(r, "bad magic (not newc)");
    }
    for (int i = 0; i < FIELD_COUNT; i++) {
        if (!parse_field(h + MAGIC_LEN + i * FIELD_LEN, &f[i])) {
            return fail(r, "header field not hex");
        }
    }
    return 0;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e)
{
    uint32_t f[FIELD_COUNT];
    size_t name_off, data_off, left;
    bool crc;

    if (r->done) {
        return r->why != NULL ? -EINVAL : 0;
    }
    if (read_header(r, f, &crc) != 0) {
        return -EINVAL;
    }
    name_off = r->off + CPIO_HEADER_SIZE;
    left = r->len - name_off;
    if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > FS_PATH_MAX) {
        return fail(r, "bad name size");
    }
    if (f[F_NAMESIZE] > left) {
        return fail(r, "truncated name");
    }
    e->name = (const char *)r->base + name_off;
    e->namelen = f[F_NAMESIZE] - 1;
    if (strnlen(e->name, f[F_NAMESIZE]) != e->namelen) {
        return fail(r, "name without its NUL, or with one inside");
    }
    data_off = ALIGN4(name_off + f[F_NAMESIZE]);
    if (data_off > r->len) {
        return fail(r, "truncated name padding");
    }
    if (f[F_FILESIZE] > r->len - data_off) {
        return fail(r, "truncated data");
    }
    e->data = r->base + data_off;
    e->size = f[F_FILESIZE];
    if (crc && data_sum(e->data, e->size) != f[F_CHECK]) {
        return fail(r, "070702 checksum mismatch");
    }
    e->ino = f[F_INO];
    e->mode = f[F_MODE];
    e->uid = f[F_UID];
    e->gid = f[F_GID];
    e->nlink = f[F_NLINK];
    e->mtime = f[F_MTIME];
    e->offset = r->off;
    if (strcmp(e->name, CPIO_TRAILER) == 0) {
        r->done = true;
        return 0;
    }
    /* The padding may be missing only where a header cannot follow. */
    r->off = ALIGN4(data_off + e->size) < r->len ? ALIGN4(data_off + e->size)
                                                 : r->len;
    return 1;
}
