/*
 * A byte ring buffer for device input: one producer (an interrupt handler),
 * one consumer (a reader).  With one producer and one consumer no lock is
 * needed: the producer writes only head, the consumer only tail, and each
 * publishes its index after touching the data.  When full, new bytes are
 * dropped and counted; old input is never overwritten.
 */
#ifndef KAIROS_RINGBUF_H
#define KAIROS_RINGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ringbuf {
    uint8_t *data;           /* storage, size bytes */
    size_t size;             /* capacity: a power of two */
    volatile size_t head;    /* next byte to write (producer only) */
    volatile size_t tail;    /* next byte to read (consumer only) */
    volatile size_t dropped; /* bytes refused because the ring was full */
    size_t reported;         /* dropped as of the last ringbuf_take_drops
                                (consumer only) */
};

/* Use storage[0..size) as an empty ring; size must be a power of two >= 2. */
void ringbuf_init(struct ringbuf *rb, uint8_t *storage, size_t size);
/* Append one byte; false (and dropped++) when full. */
bool ringbuf_put(struct ringbuf *rb, uint8_t byte);
/* Remove the oldest byte into *byte; false when empty. */
bool ringbuf_get(struct ringbuf *rb, uint8_t *byte);
/* Remove up to len bytes into dst; returns how many. */
size_t ringbuf_read(struct ringbuf *rb, void *dst, size_t len);
/* Bytes waiting to be read. */
size_t ringbuf_count(const struct ringbuf *rb);
/*
 * Consumer side: the bytes dropped in the overflow episode that just
 * ended, or 0.  An episode runs from a drop until the reader has emptied
 * the ring, so a stream that keeps the ring full is one episode, however
 * long: while the ring is not empty this returns 0 and keeps the count.
 */
size_t ringbuf_take_drops(struct ringbuf *rb);

#endif
