/*
 * The pipe ring (pipe.h): the lock rule is at the top of pipe.h.
 */
#include "pipe.h"

#include "heap.h"
#include "kstring.h"
#include "panic.h"

static size_t nopen, nopened; /* atomic: pipe_stats */

struct pipe *pipe_alloc(void)
{
    struct pipe *p = kcalloc(1, sizeof(*p));

    if (p == NULL) {
        return NULL;
    }
    p->buf = kmalloc(PIPE_SIZE);
    if (p->buf == NULL) {
        kfree(p);
        return NULL;
    }
    spin_init(&p->lock, "pipe");
    p->readers = p->writers = 1;
    list_init(&p->polls);
    __atomic_add_fetch(&nopen, 1, __ATOMIC_RELAXED);
    p->ino = __atomic_add_fetch(&nopened, 1, __ATOMIC_RELAXED);
    return p;
}

bool pipe_close_end_locked(struct pipe *p, bool writer)
{
    unsigned *ends = writer ? &p->writers : &p->readers;

    KASSERT(holding(&p->lock));
    KASSERT(*ends > 0);
    (*ends)--;
    return p->readers == 0 && p->writers == 0;
}

void pipe_free(struct pipe *p)
{
    KASSERT(p->readers == 0 && p->writers == 0 && list_empty(&p->polls));
    __atomic_sub_fetch(&nopen, 1, __ATOMIC_RELAXED);
    kfree(p->buf);
    kfree(p);
}

size_t pipe_room_locked(const struct pipe *p)
{
    KASSERT(holding(&p->lock));
    return PIPE_SIZE - p->count;
}

size_t pipe_peek_locked(const struct pipe *p, void *dst, size_t n)
{
    size_t first;

    KASSERT(holding(&p->lock));
    n = n < p->count ? n : p->count;
    first = PIPE_SIZE - p->head < n ? PIPE_SIZE - p->head : n;
    memcpy(dst, p->buf + p->head, first);
    memcpy((uint8_t *)dst + first, p->buf, n - first);
    return n;
}

void pipe_consume_locked(struct pipe *p, size_t n)
{
    KASSERT(holding(&p->lock));
    KASSERT(n <= p->count);
    p->head = (p->head + n) % PIPE_SIZE;
    p->count -= n;
    if (p->count == 0) {
        p->head = 0; /* keep small writes in one piece */
    }
}

void pipe_append_locked(struct pipe *p, const void *src, size_t n)
{
    size_t tail, first;

    KASSERT(holding(&p->lock));
    KASSERT(n <= PIPE_SIZE - p->count);
    tail = (p->head + p->count) % PIPE_SIZE;
    first = PIPE_SIZE - tail < n ? PIPE_SIZE - tail : n;
    memcpy(p->buf + tail, src, first);
    memcpy(p->buf, (const uint8_t *)src + first, n - first);
    p->count += n;
}

struct pipe_stats pipe_stats(void)
{
    return (struct pipe_stats){__atomic_load_n(&nopen, __ATOMIC_RELAXED),
                               __atomic_load_n(&nopened, __ATOMIC_RELAXED)};
}
