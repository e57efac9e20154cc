/*
 * Red-black trees (see rbtree.h): CLRS insert and erase with parent
 * pointers and NULL leaves, plus the augmented value kept by update().
 */
#include "rbtree.h"

static void set_child(struct rb_tree *t, struct rb_node *parent,
                      struct rb_node *old, struct rb_node *n)
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
static void rotated(struct rb_tree *t, struct rb_node *down, struct rb_node *up)
{
    if (t->update != NULL) {
        t->update(down);
        t->update(up);
    }
}

static void rotate_left(struct rb_tree *t, struct rb_node *x)
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
    rotated(t, x, y);
}

static void rotate_right(struct rb_tree *t, struct rb_node *x)
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
    rotated(t, x, y);
}

/* Recompute from n up while values change. */
static void propagate(struct rb_tree *t, struct rb_node *n)
{
    if (t->update == NULL) {
        return;
    }
    while (n != NULL && t->update(n)) {
        n = n->parent;
    }
}

static bool is_red(const struct rb_node *n)
{
    return n != NULL && n->red;
}

static void insert_fixup(struct rb_tree *t, struct rb_node *n)
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
                rotate_left(t, p);
                p = n;
            }
            rotate_right(t, g);
        } else {
            if (n == p->left) {
                rotate_right(t, p);
                p = n;
            }
            rotate_left(t, g);
        }
        p->red = false;
        g->red = true;
        break;
    }
    t->root->red = false;
}

void rb_insert(struct rb_tree *t, struct rb_node *n, rb_less_t less)
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
    if (t->update != NULL) {
        t->update(n);
        propagate(t, parent);
    }
    insert_fixup(t, n);
}

struct rb_node *rb_next(const struct rb_node *n)
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

struct rb_node *rb_prev(const struct rb_node *n)
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
static void erase_fixup(struct rb_tree *t, struct rb_node *x,
                        struct rb_node *xp)
{
    struct rb_node *w;

    while (x != t->root && !is_red(x)) {
        if (x == xp->left) {
            w = xp->right;
            if (w->red) {
                w->red = false;
                xp->red = true;
                rotate_left(t, xp);
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
                rotate_right(t, w);
                w = xp->right;
            }
            w->red = xp->red;
            xp->red = false;
            w->right->red = false;
            rotate_left(t, xp);
        } else {
            w = xp->left;
            if (w->red) {
                w->red = false;
                xp->red = true;
                rotate_right(t, xp);
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
                rotate_left(t, w);
                w = xp->left;
            }
            w->red = xp->red;
            xp->red = false;
            w->left->red = false;
            rotate_right(t, xp);
        }
        x = t->root;
    }
    if (x != NULL) {
        x->red = false;
    }
}

/* Put n (perhaps NULL) where old was under old's parent. */
static void transplant(struct rb_tree *t, struct rb_node *old,
                       struct rb_node *n)
{
    set_child(t, old->parent, old, n);
    if (n != NULL) {
        n->parent = old->parent;
    }
}

void rb_erase(struct rb_tree *t, struct rb_node *z)
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
    if (t->update != NULL) {
        struct rb_node *n = xp;

        if (y != NULL) {
            /* Up to y, which took z's place, every value changed; above
             * it the stored values are comparable again. */
            for (; n != y; n = n->parent) {
                t->update(n);
            }
            t->update(y);
            n = y->parent;
        }
        propagate(t, n);
    }
    if (!removed_red) {
        erase_fixup(t, x, xp);
    }
}
