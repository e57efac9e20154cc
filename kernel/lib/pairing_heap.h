/*
 * An intrusive pairing heap (Fredman, Sedgewick, Sleator, Tarjan 1986).
 *
 * The node lives in the caller's structure, so inserting never allocates
 * and never fails.  Costs, n nodes: insert and min O(1); pop_min and
 * remove O(log n) amortised (the two-pass pairing of the removed node's
 * children).  The heap orders nodes by the caller's strict less(); it must
 * be a total order for pops to come out in a defined order (timers break
 * ties by arming order).  No locking: the caller serialises.
 */
#ifndef KAIROS_PAIRING_HEAP_H
#define KAIROS_PAIRING_HEAP_H

#include <stdbool.h>
#include <stddef.h>

struct ph_node {
    struct ph_node *child; /* leftmost child */
    struct ph_node *next;  /* right sibling */
    struct ph_node *prev;  /* left sibling, or the parent if leftmost */
};

typedef bool (*ph_less_fn)(const struct ph_node *a, const struct ph_node *b);

struct pairing_heap {
    struct ph_node *root; /* the least node, NULL when empty */
    size_t count;         /* nodes in the heap */
    ph_less_fn less;
};

/* An empty heap ordered by less. */
void ph_init(struct pairing_heap *h, ph_less_fn less);

/* The least node, or NULL when the heap is empty. */
static inline struct ph_node *ph_min(const struct pairing_heap *h)
{
    return h->root;
}

/* Add n, which must not be in any heap.  O(1). */
void ph_insert(struct pairing_heap *h, struct ph_node *n);
/* Remove and return the least node, or NULL when empty. */
struct ph_node *ph_pop_min(struct pairing_heap *h);
/* Remove n, which must be in h. */
void ph_remove(struct pairing_heap *h, struct ph_node *n);
/*
 * Check every invariant: links agree both ways, no child is less than its
 * parent, the root has no siblings, count matches.  0, or -EINVAL.  O(n)
 * times the widest sibling list; for tests.
 */
int ph_check(const struct pairing_heap *h);

#endif
