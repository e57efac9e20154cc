/*
 * The intrusive red-black tree, in the style of Zephyr's rbtree tests:
 * long runs of random inserts and erases from fixed seeds, with every
 * invariant checked after each operation against a simple model (an
 * array of the members): order (FIFO among equal keys), parent links,
 * no red node with a red child, equal black heights, the cached first
 * and last, and the augmented value (the minimum of a second field over
 * each subtree) at every node.  Some steps replace a member in place by a
 * new one of the same key (rb_replace), with a new augmented field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rbtree.h"

#define NODES 300
#define STEPS 20000

struct item {
    struct rb_node node;
    int key;           /* the order */
    int val, min_val;  /* augmented: min of val over the subtree */
    unsigned long seq; /* insertion order, for FIFO among equals */
    bool in;
};

static struct item items[NODES];
static unsigned long next_seq;
static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static struct item *item_of(const struct rb_node *n)
{
    return rb_entry(n, struct item, node);
}

static bool less(const struct rb_node *a, const struct rb_node *b)
{
    return item_of(a)->key < item_of(b)->key;
}

static bool update_min(struct rb_node *n)
{
    struct item *it = item_of(n);
    int m = it->val;

    if (n->left != NULL && item_of(n->left)->min_val < m) {
        m = item_of(n->left)->min_val;
    }
    if (n->right != NULL && item_of(n->right)->min_val < m) {
        m = item_of(n->right)->min_val;
    }
    if (m == it->min_val) {
        return false;
    }
    it->min_val = m;
    return true;
}

/* Checks the subtree under n; returns its black height, -1 if broken. */
static int check_subtree(const struct rb_node *n, const struct rb_node *parent,
                         int *count, bool aug)
{
    int l, r, m;

    if (n == NULL) {
        return 1;
    }
    (*count)++;
    assert_ptr_equal(n->parent, parent);
    if (n->red) {
        assert_false(n->left != NULL && n->left->red);
        assert_false(n->right != NULL && n->right->red);
    }
    m = item_of(n)->val;
    if (n->left != NULL) {
        assert_true(item_of(n->left)->key <= item_of(n)->key);
        m = item_of(n->left)->min_val < m ? item_of(n->left)->min_val : m;
    }
    if (n->right != NULL) {
        assert_true(item_of(n->right)->key >= item_of(n)->key);
        m = item_of(n->right)->min_val < m ? item_of(n->right)->min_val : m;
    }
    assert_int_equal(item_of(n)->min_val, aug ? m : item_of(n)->val);
    l = check_subtree(n->left, n, count, aug);
    r = check_subtree(n->right, n, count, aug);
    assert_int_equal(l, r);
    return l + (n->red ? 0 : 1);
}

/* The whole tree against the model. */
static void check_tree(const struct rb_tree *t, int members)
{
    const struct rb_node *n, *prev = NULL;
    int count = 0, walked = 0;

    assert_true(t->root == NULL || !t->root->red);
    check_subtree(t->root, NULL, &count, true);
    assert_int_equal(count, members);
    for (n = rb_first(t); n != NULL; prev = n, n = rb_next(n)) {
        walked++;
        assert_true(item_of(n)->in);
        if (prev != NULL) {
            const struct item *a = item_of(prev), *b = item_of(n);

            assert_true(a->key < b->key ||
                        (a->key == b->key && a->seq < b->seq));
            assert_ptr_equal(rb_prev(n), prev);
        }
    }
    assert_int_equal(walked, members);
    assert_ptr_equal(rb_last(t), prev);
    if (members == 0) {
        assert_null(rb_first(t));
    }
}

static void run(uint64_t seed, int key_range, bool augmented)
{
    struct rb_tree t;
    int members = 0;

    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    memset(items, 0, sizeof(items));
    rb_init(&t, augmented ? update_min : NULL);
    for (int step = 0; step < STEPS; step++) {
        struct item *it = &items[rnd() % NODES];

        if (!it->in) {
            it->key = (int)(rnd() % (uint64_t)key_range);
            it->val = it->min_val = (int)(rnd() % 1000);
            it->seq = next_seq++;
            it->in = true;
            rb_insert(&t, &it->node, less);
            members++;
        } else if (rnd() % 3 == 0 && !items[(it - items + 1) % NODES].in) {
            struct item *n = &items[(it - items + 1) % NODES];

            n->key = it->key;
            n->seq = it->seq; /* its place among equals */
            n->val = (int)(rnd() % 1000);
            n->min_val = augmented ? it->min_val : n->val;
            n->in = true;
            rb_replace(&t, &it->node, &n->node);
            it->in = false;
        } else {
            rb_erase(&t, &it->node);
            it->in = false;
            members--;
        }
        if (augmented) {
            check_tree(&t, members);
        } else {
            int count = 0;

            check_subtree(t.root, NULL, &count, false); /* min_val stays val */
            assert_int_equal(count, members);
        }
    }
}

/* Few distinct keys: many equals, so FIFO order among them is tested. */
static void test_random_many_equal_keys(void **state)
{
    (void)state;
    run(1, 8, true);
}

static void test_random_distinct_keys(void **state)
{
    (void)state;
    run(2, 1 << 30, true);
}

/* Ascending keys: every insert takes the append fast path. */
static void test_append_and_pop_first(void **state)
{
    struct rb_tree t;

    (void)state;
    memset(items, 0, sizeof(items));
    rb_init(&t, update_min);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NODES; i++) {
            items[i] = (struct item){.key = round * NODES + i,
                                     .val = NODES - i,
                                     .min_val = NODES - i,
                                     .seq = next_seq++,
                                     .in = true};
            rb_insert(&t, &items[i].node, less);
            check_tree(&t, i + 1);
        }
        for (int i = 0; i < NODES; i++) {
            assert_ptr_equal(rb_first(&t), &items[i].node);
            rb_erase(&t, rb_first(&t));
            items[i].in = false;
            check_tree(&t, NODES - i - 1);
        }
    }
}

static void test_random_without_augmentation(void **state)
{
    (void)state;
    run(3, 64, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_many_equal_keys),
        cmocka_unit_test(test_random_distinct_keys),
        cmocka_unit_test(test_append_and_pop_first),
        cmocka_unit_test(test_random_without_augmentation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
