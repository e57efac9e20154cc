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
typedef bool (*rb_update_t)(struct rb_node *n);

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
/* Put n (not in t) in old's place, O(1) plus the augmented values' walk
 * up: the caller knows n sorts where old did (after every node before
 * old, before every node after it).  old leaves t. */
void rb_replace(struct rb_tree *t, struct rb_node *old, struct rb_node *n);

/*
 * The algorithms, inline: a caller on a hot path (the fair class) calls
 * rb_insert_with / rb_erase_with with constant less and update (t->update
 * is then not used), so the compiler inlines them: no indirect call per
 * node.  rb_next / rb_prev: the in-order successor and predecessor, or
 * NULL.  rb_replace_with: rb_replace with a constant update.
 */
static inline __attribute__((always_inline)) void
set_child(struct rb_tree *t, struct rb_node *parent, struct rb_node *old,
          struct rb_node *n)
{
    if (parent == NULL) {
        t->root = n;
    } else if (parent->left == old) {
        parent->left = n;
    } else {
        parent->right = n;
    }
}

/* The node and the child taking its place: their subtrees changed. */
static inline __attribute__((always_inline)) void
rotated(rb_update_t update, struct rb_node *down, struct rb_node *up)
{
    if (update != NULL) {
        update(down);
        update(up);
    }
}

static inline __attribute__((always_inline)) void
rotate_left(struct rb_tree *t, struct rb_node *x, rb_update_t update)
{
    struct rb_node *y = x->right;

    x->right = y->left;
    if (y->left != NULL) {
        y->left->parent = x;
    }
    y->parent = x->parent;
    set_child(t, x->parent, x, y);
    y->left = x;
    x->parent = y;
    rotated(update, x, y);
}

static inline __attribute__((always_inline)) void
rotate_right(struct rb_tree *t, struct rb_node *x, rb_update_t update)
{
    struct rb_node *y = x->left;

    x->left = y->right;
    if (y->right != NULL) {
        y->right->parent = x;
    }
    y->parent = x->parent;
    set_child(t, x->parent, x, y);
    y->right = x;
    x->parent = y;
    rotated(update, x, y);
}

/* Recompute from n up while values change. */
static inline __attribute__((always_inline)) void propagate(rb_update_t update,
                                                            struct rb_node *n)
{
    if (update == NULL) {
        return;
    }
    while (n != NULL && update(n)) {
        n = n->parent;
    }
}

static inline __attribute__((always_inline)) bool
is_red(const struct rb_node *n)
{
    return n != NULL && n->red;
}

static inline __attribute__((always_inline)) void
insert_fixup(struct rb_tree *t, struct rb_node *n, rb_update_t update)
{
    struct rb_node *p, *g, *u;

    while ((p = n->parent) != NULL && p->red) {
        g = p->parent; /* p is red, so not the root */
        u = p == g->left ? g->right : g->left;
        if (is_red(u)) {
            p->red = u->red = false;
            g->red = true;
            n = g;
            continue;
        }
        if (p == g->left) {
            if (n == p->right) {
                rotate_left(t, p, update);
                p = n;
            }
            rotate_right(t, g, update);
        } else {
            if (n == p->left) {
                rotate_right(t, p, update);
                p = n;
            }
            rotate_left(t, g, update);
        }
        p->red = false;
        g->red = true;
        break;
    }
    t->root->red = false;
}

static inline __attribute__((always_inline)) void
rb_insert_with(struct rb_tree *t, struct rb_node *n, rb_less_t less,
               rb_update_t update)
{
    struct rb_node **link = &t->root, *parent = NULL;
    bool first = true, last = true;

    if (t->last != NULL && !less(n, t->last)) {
        parent = t->last; /* the common case of a queue: append */
        link = &parent->right;
        first = false;
    } else {
        while (*link != NULL) {
            parent = *link;
            if (less(n, parent)) {
                link = &parent->left;
                last = false;
            } else {
                link = &parent->right;
                first = false;
            }
        }
    }
    n->parent = parent;
    n->left = n->right = NULL;
    n->red = true;
    *link = n;
    if (first) {
        t->first = n;
    }
    if (last) {
        t->last = n;
    }
    if (update != NULL) {
        update(n);
        propagate(update, parent);
    }
    insert_fixup(t, n, update);
}

static inline __attribute__((always_inline)) struct rb_node *
rb_next(const struct rb_node *n)
{
    const struct rb_node *p;

    if (n->right != NULL) {
        for (n = n->right; n->left != NULL; n = n->left) {
        }
        return (struct rb_node *)n;
    }
    while ((p = n->parent) != NULL && n == p->right) {
        n = p;
    }
    return (struct rb_node *)p;
}

static inline __attribute__((always_inline)) struct rb_node *
rb_prev(const struct rb_node *n)
{
    const struct rb_node *p;

    if (n->left != NULL) {
        for (n = n->left; n->right != NULL; n = n->right) {
        }
        return (struct rb_node *)n;
    }
    while ((p = n->parent) != NULL && n == p->left) {
        n = p;
    }
    return (struct rb_node *)p;
}

/* x (perhaps NULL) under xp carries an extra black: restore the rules. */
static inline __attribute__((always_inline)) void
erase_fixup(struct rb_tree *t, struct rb_node *x, struct rb_node *xp,
            rb_update_t update)
{
    struct rb_node *w;

    while (x != t->root && !is_red(x)) {
        if (x == xp->left) {
            w = xp->right;
            if (w->red) {
                w->red = false;
                xp->red = true;
                rotate_left(t, xp, update);
                w = xp->right;
            }
            if (!is_red(w->left) && !is_red(w->right)) {
                w->red = true;
                x = xp;
                xp = x->parent;
                continue;
            }
            if (!is_red(w->right)) {
                w->left->red = false;
                w->red = true;
                rotate_right(t, w, update);
                w = xp->right;
            }
            w->red = xp->red;
            xp->red = false;
            w->right->red = false;
            rotate_left(t, xp, update);
        } else {
            w = xp->left;
            if (w->red) {
                w->red = false;
                xp->red = true;
                rotate_right(t, xp, update);
                w = xp->left;
            }
            if (!is_red(w->left) && !is_red(w->right)) {
                w->red = true;
                x = xp;
                xp = x->parent;
                continue;
            }
            if (!is_red(w->left)) {
                w->right->red = false;
                w->red = true;
                rotate_left(t, w, update);
                w = xp->left;
            }
            w->red = xp->red;
            xp->red = false;
            w->left->red = false;
            rotate_right(t, xp, update);
        }
        x = t->root;
    }
    if (x != NULL) {
        x->red = false;
    }
}

/* Put n (perhaps NULL) where old was under old's parent. */
static inline __attribute__((always_inline)) void
transplant(struct rb_tree *t, struct rb_node *old, struct rb_node *n)
{
    set_child(t, old->parent, old, n);
    if (n != NULL) {
        n->parent = old->parent;
    }
}

static inline __attribute__((always_inline)) void
rb_erase_with(struct rb_tree *t, struct rb_node *z, rb_update_t update)
{
    struct rb_node *x, *xp, *y = NULL;
    bool removed_red = z->red;

    if (t->first == z) {
        t->first = rb_next(z);
    }
    if (t->last == z) {
        t->last = rb_prev(z);
    }
    if (z->left == NULL || z->right == NULL) {
        x = z->left != NULL ? z->left : z->right;
        xp = z->parent;
        transplant(t, z, x);
    } else {
        for (y = z->right; y->left != NULL; y = y->left) {
        }
        removed_red = y->red;
        x = y->right;
        if (y->parent == z) {
            xp = y;
        } else {
            xp = y->parent;
            transplant(t, y, y->right);
            y->right = z->right;
            y->right->parent = y;
        }
        transplant(t, z, y);
        y->left = z->left;
        y->left->parent = y;
        y->red = z->red;
    }
    if (update != NULL) {
        struct rb_node *n = xp;

        if (y != NULL) {
            /* Up to y, which took z's place, every value changed; above
             * it the stored values are comparable again. */
            for (; n != y; n = n->parent) {
                update(n);
            }
            update(y);
            n = y->parent;
        }
        propagate(update, n);
    }
    if (!removed_red) {
        erase_fixup(t, x, xp, update);
    }
}

static inline __attribute__((always_inline)) void
rb_replace_with(struct rb_tree *t, struct rb_node *old, struct rb_node *n,
                rb_update_t update)
{
    *n = *old; /* links and colour */
    set_child(t, old->parent, old, n);
    if (n->left != NULL) {
        n->left->parent = n;
    }
    if (n->right != NULL) {
        n->right->parent = n;
    }
    if (t->first == old) {
        t->first = n;
    }
    if (t->last == old) {
        t->last = n;
    }
    /* The caller gave n old's augmented value: from n up, recompute while
     * it changes. */
    propagate(update, n);
}

#endif
