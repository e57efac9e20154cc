/*
 * Red-black trees (see rbtree.h, which holds the algorithms inline): the
 * out-of-line entry points, using the tree's own update.
 */
#include "rbtree.h"

void rb_insert(struct rb_tree *t, struct rb_node *n, rb_less_t less)
{
    rb_insert_with(t, n, less, t->update);
}

void rb_erase(struct rb_tree *t, struct rb_node *n)
{
    rb_erase_with(t, n, t->update);
}

void rb_replace(struct rb_tree *t, struct rb_node *old, struct rb_node *n)
{
    rb_replace_with(t, old, n, t->update);
}
