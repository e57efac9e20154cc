/*
 * A reader for cpio "newc" archives (the initramfs format).
 *
 * An archive is a run of entries, each a 110-byte ASCII header (magic
 * "070701", or "070702" whose check field is the sum of the data bytes),
 * the name with its NUL padded to 4 bytes, then the data padded to 4
 * bytes, ended by the entry named "TRAILER!!!".  The reader never copies:
 * an entry points into the archive.  Every length and offset is checked
 * against the archive's end before use, so a truncated or hostile archive
 * gives -EINVAL and nothing is read past its end.
 */
#ifndef KAIROS_CPIO_H
#define KAIROS_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER     "TRAILER!!!"

/* One entry, valid for as long as the archive is. */
struct cpio_entry {
    const char *name;    /* NUL-terminated, inside the archive */
    size_t namelen;      /* strlen(name) */
    const uint8_t *data; /* size bytes inside the archive */
    size_t size;
    uint32_t ino, mode, uid, gid, nlink, mtime; /* as the header gives them */
    size_t offset; /* of the entry's header from the archive's start */
};

/* A position in an archive; fields are the reader's own. */
struct cpio_reader {
    const uint8_t *base;
    size_t len;
    size_t off;      /* next header */
    bool done;       /* trailer seen or an error returned */
    const char *why; /* after -EINVAL: what was wrong, for a log line */
    size_t why_off;  /* and the offset of the entry it was in */
};

/* Start reading len bytes at archive (NULL with len 0 is an empty input). */
void cpio_reader_init(struct cpio_reader *r, const void *archive, size_t len);
/*
 * The next entry into *e: 1 for an entry, 0 once the trailer has been read
 * (bytes after it are ignored, as cpio pads archives to 512 bytes), or
 * -EINVAL for a bad magic, a non-hex field, a name or data running past the
 * end, a name without its NUL or longer than FS_PATH_MAX, a 070702 data sum
 * that does not match, or an end without a trailer.  After 0 or -EINVAL
 * every further call returns the same.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e);

#endif
