/*
 * The single-producer, single-consumer byte ring (see ringbuf.h).
 *
 * head and tail run freely and are reduced modulo size only to index data;
 * size is a power of two, so head - tail is the fill level even after the
 * counters wrap.  Each side reads its own index relaxed and the other's with
 * acquire, and publishes its own with release after touching data: the
 * consumer never sees an index before the byte it covers, and the producer
 * never reuses a slot before the consumer has finished reading it.
 */
#include "ringbuf.h"

#include "panic.h"

void ringbuf_init(struct ringbuf *rb, uint8_t *storage, size_t size)
{
    KASSERT(size >= 2 && (size & (size - 1)) == 0);
    rb->data = storage;
    rb->size = size;
    rb->head = 0;
    rb->tail = 0;
    rb->dropped = 0;
    rb->reported = 0;
}

/* Producer side only. */
bool ringbuf_put(struct ringbuf *rb, uint8_t byte)
{
    size_t head = __atomic_load_n(&rb->head, __ATOMIC_RELAXED);
    size_t tail = __atomic_load_n(&rb->tail, __ATOMIC_ACQUIRE);

    if (head - tail == rb->size) {
        /* Only the producer writes dropped: no read-modify-write needed. */
        __atomic_store_n(&rb->dropped, rb->dropped + 1, __ATOMIC_RELAXED);
        return false;
    }
    rb->data[head & (rb->size - 1)] = byte;
    __atomic_store_n(&rb->head, head + 1, __ATOMIC_RELEASE);
    return true;
}

/* Consumer side only. */
bool ringbuf_get(struct ringbuf *rb, uint8_t *byte)
{
    return ringbuf_read(rb, byte, 1) == 1;
}

/* Consumer side only; releases all the slots read at once. */
size_t ringbuf_read(struct ringbuf *rb, void *dst, size_t len)
{
    size_t tail = __atomic_load_n(&rb->tail, __ATOMIC_RELAXED);
    size_t head = __atomic_load_n(&rb->head, __ATOMIC_ACQUIRE);
    size_t n = head - tail < len ? head - tail : len;
    uint8_t *out = dst;

    for (size_t i = 0; i < n; i++) {
        out[i] = rb->data[(tail + i) & (rb->size - 1)];
    }
    __atomic_store_n(&rb->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

/* Either side; a snapshot that may be stale by the time it is used. */
size_t ringbuf_count(const struct ringbuf *rb)
{
    size_t tail = __atomic_load_n(&rb->tail, __ATOMIC_ACQUIRE);
    size_t head = __atomic_load_n(&rb->head, __ATOMIC_ACQUIRE);

    return head - tail;
}

/* Consumer side.  A drop that lands between the emptiness test and the
 * load (the ring refilled at once) is reported with this episode. */
size_t ringbuf_take_drops(struct ringbuf *rb)
{
    size_t dropped, n;

    if (ringbuf_count(rb) != 0) {
        return 0;
    }
    dropped = __atomic_load_n(&rb->dropped, __ATOMIC_ACQUIRE);
    n = dropped - rb->reported;
    rb->reported = dropped;
    return n;
}
