/*
 * Intrusive red-black trees with an optional augmented value per node (as
 * Linux's rbtree_augmented and Zephyr's rb.h).
 *
 * A struct rb_node is embedded in the element; the tree keeps no keys of
 * its own: insertion takes a less() over nodes, and equal keys go after
 * the ones already there (FIFO among equals).  The tree caches its first
 * and last node, so rb_first/rb_last are O(1) and inserting after the last
 * skips the descent.  Insert and erase are O(log n).
 *
 * Augmentation: update(n), if given, recomputes n's augmented value from n
 * and its children and returns true if it changed.  The tree calls it on
 * every node whose subtree changed (the path up from an insert or erase,
 * stopping where nothing changed, and both nodes of a rotation), so the
 * value is always right for every node.  The caller provides the locking.
 */
#ifndef KAIROS_RBTREE_H
#define KAIROS_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

struct rb_node {
    struct rb_node *parent, *left, *right;
    bool red;
};

struct rb_tree {
    struct rb_node *root;
    struct rb_node *first, *last; /* leftmost and rightmost, NULL if empty */
    bool (*update)(struct rb_node *n); /* NULL: no augmented value */
};

typedef bool (*rb_less_t)(const struct rb_node *a, const struct rb_node *b);

#define rb_entry(n, type, member) ((type *)((char *)(n)-offsetof(type, member)))

/* An empty tree; update may be NULL. */
static inline void rb_init(struct rb_tree *t, bool (*update)(struct rb_node *))
{
    t->root = t->first = t->last = NULL;
    t->update = update;
}

static inline struct rb_node *rb_first(const struct rb_tree *t)
{
    return t->first;
}

static inline struct rb_node *rb_last(const struct rb_tree *t)
{
    return t->last;
}

/* Insert n after every node not greater than it (less decides). */
void rb_insert(struct rb_tree *t, struct rb_node *n, rb_less_t less);
/* Remove n, which is in t. */
void rb_erase(struct rb_tree *t, struct rb_node *n);
/* In-order successor and predecessor, or NULL. */
struct rb_node *rb_next(const struct rb_node *n);
struct rb_node *rb_prev(const struct rb_node *n);

#endif
