/*
 * The pairing heap (pairing_heap.h).  Every walk is a loop, never a
 * recursion: a heap that has only seen inserts is one wide level, and one
 * that has seen pops can be deep, and either must fit a kernel stack.
 */
#include "pairing_heap.h"

#include "kerrno.h"

void ph_init(struct pairing_heap *h, ph_less_fn less)
{
    h->root = NULL;
    h->count = 0;
    h->less = less;
}

/* Two detached trees into one: the greater root becomes the other's
 * leftmost child.  Returns the new root (its next and prev untouched). */
static struct ph_node *meld(const struct pairing_heap *h, struct ph_node *a,
                            struct ph_node *b)
{
    if (h->less(b, a)) {
        struct ph_node *t = a;

        a = b;
        b = t;
    }
    b->prev = a;
    b->next = a->child;
    if (a->child != NULL) {
        a->child->prev = b;
    }
    a->child = b;
    return a;
}

/*
 * One tree from a list of siblings, by the standard two passes: meld
 * pairs left to right, then meld the results right to left.  The first
 * pass stacks its results through their next links.
 */
static struct ph_node *merge_pairs(const struct pairing_heap *h,
                                   struct ph_node *first)
{
    struct ph_node *stack = NULL, *root;

    while (first != NULL) {
        struct ph_node *a = first, *b = a->next, *m;

        first = b != NULL ? b->next : NULL;
        a->next = a->prev = NULL;
        m = a;
        if (b != NULL) {
            b->next = b->prev = NULL;
            m = meld(h, a, b);
        }
        m->next = stack;
        stack = m;
    }
    root = stack;
    if (root == NULL) {
        return NULL;
    }
    stack = root->next;
    root->next = NULL;
    while (stack != NULL) {
        struct ph_node *n = stack;

        stack = n->next;
        n->next = NULL;
        root = meld(h, root, n);
    }
    return root;
}

void ph_insert(struct pairing_heap *h, struct ph_node *n)
{
    n->child = n->next = n->prev = NULL;
    h->root = h->root == NULL ? n : meld(h, h->root, n);
    h->count++;
}

struct ph_node *ph_pop_min(struct pairing_heap *h)
{
    struct ph_node *min = h->root;

    if (min == NULL) {
        return NULL;
    }
    h->root = merge_pairs(h, min->child);
    h->count--;
    min->child = min->next = min->prev = NULL;
    return min;
}

void ph_remove(struct pairing_heap *h, struct ph_node *n)
{
    struct ph_node *sub;

    if (n == h->root) {
        ph_pop_min(h);
        return;
    }
    if (n->prev->child == n) {
        n->prev->child = n->next; /* leftmost: prev is the parent */
    } else {
        n->prev->next = n->next;
    }
    if (n->next != NULL) {
        n->next->prev = n->prev;
    }
    sub = merge_pairs(h, n->child);
    if (sub != NULL) {
        h->root = meld(h, h->root, sub);
    }
    h->count--;
    n->child = n->next = n->prev = NULL;
}

/* n's parent (NULL for the root): left along the siblings to the leftmost,
 * whose prev is the parent. */
static struct ph_node *parent_of(const struct ph_node *n)
{
    while (n->prev != NULL && n->prev->child != n) {
        n = n->prev;
    }
    return n->prev;
}

/* n's children: each linked back to its left neighbour (the first to n),
 * none less than n.  Adds them to *seen; false on a violation. */
static bool children_ok(const struct pairing_heap *h, const struct ph_node *n,
                        size_t *seen)
{
    const struct ph_node *left = n;

    for (const struct ph_node *c = n->child; c != NULL; c = c->next) {
        if (c->prev != left || h->less(c, n) || ++*seen > h->count) {
            return false;
        }
        left = c;
    }
    return true;
}

int ph_check(const struct pairing_heap *h)
{
    const struct ph_node *n = h->root;
    size_t seen = n != NULL ? 1 : 0;

    if (n != NULL && (n->prev != NULL || n->next != NULL)) {
        return -EINVAL;
    }
    while (n != NULL) { /* preorder, by the links themselves */
        if (!children_ok(h, n, &seen)) {
            return -EINVAL;
        }
        if (n->child != NULL) {
            n = n->child;
            continue;
        }
        while (n != NULL && n->next == NULL) {
            n = parent_of(n);
        }
        n = n != NULL ? n->next : NULL;
    }
    return seen == h->count ? 0 : -EINVAL;
}
