/*
 * The initial user stack (docs/exec.md has the diagram).  From rsp up:
 * argc, argv[], NULL, envp[], NULL, the auxv pairs ending in AT_NULL,
 * padding, AT_RANDOM's 16 bytes, then the argv, envp and AT_EXECFN
 * strings, and an 8-byte zero end marker just below top (as Linux).
 * Everything is sized first, so a failure writes nothing.
 */
#include "ustack.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"

#define AUX_PAIRS 15 /* the entries ustack_build writes, AT_NULL included */

/* Where the pieces go, in user addresses. */
struct layout {
    uint64_t argc, envc; /* entries in argv and envp */
    uint64_t strings;    /* first string byte */
    uint64_t random;     /* AT_RANDOM's bytes */
    uint64_t rsp;        /* argc */
};

/*
 * Count a NULL-terminated vector and add its strings (NULs included) to
 * *bytes.  -E2BIG once a string is too long or the total passes the limit.
 */
static int measure(const char *const *v, uint64_t *count, uint64_t *bytes)
{
    *count = 0;
    for (; v != NULL && v[*count] != NULL; (*count)++) {
        size_t n = strnlen(v[*count], USTACK_STRLEN_MAX);

        if (n == USTACK_STRLEN_MAX) {
            return -E2BIG;
        }
        *bytes += n + 1 + sizeof(uint64_t); /* the string and its pointer */
        if (*bytes > USTACK_ARG_MAX) {
            return -E2BIG;
        }
    }
    return 0;
}

static int plan_layout(const struct ustack_info *in, uint64_t top, size_t size,
                       struct layout *l)
{
    uint64_t bytes = 2 * sizeof(uint64_t); /* the two NULL pointers */
    uint64_t strings, words, fn;
    int err = measure(in->argv, &l->argc, &bytes);

    if (err == 0) {
        err = measure(in->envp, &l->envc, &bytes);
    }
    fn = strnlen(in->execfn, USTACK_STRLEN_MAX);
    if (err != 0 || fn == USTACK_STRLEN_MAX) {
        return -E2BIG;
    }
    /* bytes - pointers = the argv and envp strings; add AT_EXECFN's. */
    strings = bytes - (l->argc + l->envc + 2) * 8 + fn + 1;
    l->strings = top - 8 - strings;
    l->random = (l->strings - USTACK_RANDOM_BYTES) & ~15ULL;
    words = 1 + l->argc + 1 + l->envc + 1 + 2 * AUX_PAIRS;
    l->rsp = (l->random - words * 8) & ~15ULL;
    return top - l->rsp > size ? -E2BIG : 0;
}

/* The buffer's byte for user address u (in [top - size, top)). */
static uint8_t *at(uint8_t *buf, size_t size, uint64_t top, uint64_t u)
{
    return buf + (size - (top - u));
}

static void put_word(uint8_t *p, uint64_t w)
{
    memcpy(p, &w, sizeof(w));
}

/* Copy the strings of v from user address *s on, pointers from *slot on. */
static void put_vector(uint8_t **slot, uint64_t *s, const char *const *v,
                       uint64_t n, uint8_t *buf, size_t size, uint64_t top)
{
    for (uint64_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;

        memcpy(at(buf, size, top, *s), v[i], len);
        put_word(*slot, *s);
        *slot += 8;
        *s += len;
    }
    put_word(*slot, 0);
    *slot += 8;
}

static void put_auxv(uint8_t *p, const struct ustack_info *in,
                     const struct layout *l, uint64_t execfn)
{
    const uint64_t aux[AUX_PAIRS][2] = {
        {AT_HWCAP, in->hwcap},  {AT_PAGESZ, PAGE_SIZE},
        {AT_PHDR, in->phdr},    {AT_PHENT, in->phent},
        {AT_PHNUM, in->phnum},  {AT_BASE, 0},
        {AT_ENTRY, in->entry},  {AT_UID, 0},
        {AT_EUID, 0},           {AT_GID, 0},
        {AT_EGID, 0},           {AT_SECURE, 0},
        {AT_RANDOM, l->random}, {AT_EXECFN, execfn},
        {AT_NULL, 0},
    };

    memcpy(p, aux, sizeof(aux));
}

int ustack_build(void *buf, size_t size, uint64_t top,
                 const struct ustack_info *in, uint64_t *rsp)
{
    struct layout l;
    uint8_t *b = buf, *slot;
    uint64_t s;
    int err;

    if (top % 16 != 0 || top > USER_TOP || size > top ||
        (buf == NULL && size != 0) || in == NULL || in->execfn == NULL ||
        in->random == NULL) {
        return -EINVAL;
    }
    err = plan_layout(in, top, size, &l);
    if (err != 0) {
        return err;
    }
    memset(at(b, size, top, l.rsp), 0, top - l.rsp);
    slot = at(b, size, top, l.rsp);
    put_word(slot, l.argc);
    slot += 8;
    s = l.strings;
    put_vector(&slot, &s, in->argv, l.argc, b, size, top);
    put_vector(&slot, &s, in->envp, l.envc, b, size, top);
    put_auxv(slot, in, &l, s);
    memcpy(at(b, size, top, s), in->execfn, strlen(in->execfn) + 1);
    memcpy(at(b, size, top, l.random), in->random, USTACK_RANDOM_BYTES);
    *rsp = l.rsp;
    return 0;
}
