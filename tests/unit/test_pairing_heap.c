/*
 * The intrusive pairing heap: pops in key order, removal of any node
 * (root, leftmost child, middle sibling, deep node), and the invariants
 * (ph_check) after every step of long randomised runs with a fixed seed,
 * against a model (a sorted view of what should be in the heap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pairing_heap.h"

struct item {
    struct ph_node node;
    unsigned key;
    bool in; /* the model: in the heap */
};

#define ITEM(n) ((struct item *)((char *)(n)-offsetof(struct item, node)))

/* Ties by address, so the order is total. */
static bool item_less(const struct ph_node *a, const struct ph_node *b)
{
    const struct item *x = ITEM(a), *y = ITEM(b);

    return x->key != y->key ? x->key < y->key : x < y;
}

static void test_empty(void **state)
{
    struct pairing_heap h;

    (void)state;
    ph_init(&h, item_less);
    assert_null(ph_min(&h));
    assert_null(ph_pop_min(&h));
    assert_int_equal(ph_check(&h), 0);
}

/* Keys in a scrambled order come out sorted. */
static void test_pops_in_order(void **state)
{
    enum { N = 257 };
    static struct item it[N];
    struct pairing_heap h;

    (void)state;
    unsigned least = N;

    ph_init(&h, item_less);
    for (unsigned i = 0; i < N; i++) {
        it[i].key = (i * 101) % N; /* a permutation of 0 .. N-1 */
        least = it[i].key < least ? it[i].key : least;
        ph_insert(&h, &it[i].node);
        assert_int_equal(ITEM(ph_min(&h))->key, least);
    }
    assert_int_equal(ph_check(&h), 0);
    for (unsigned k = 0; k < N; k++) {
        struct ph_node *n = ph_pop_min(&h);

        assert_non_null(n);
        assert_int_equal(ITEM(n)->key, k);
        assert_int_equal(ph_check(&h), 0);
    }
    assert_null(ph_pop_min(&h));
}

/* Removing the root, a leftmost child, a middle sibling and a deep node. */
static void test_remove_each_position(void **state)
{
    enum { N = 64 };
    static struct item it[N];
    struct pairing_heap h;

    (void)state;
    ph_init(&h, item_less);
    for (unsigned i = 0; i < N; i++) {
        it[i].key = N - i;
        ph_insert(&h, &it[i].node);
    }
    ph_pop_min(&h); /* pairs the root's children: the heap gets depth */
    assert_int_equal(ph_check(&h), 0);
    /* it[N-1] (key 1) was popped; the rest go in a scrambled order, which
     * reaches the root, leftmost children, middle siblings and leaves. */
    for (unsigned i = 0; i < N - 1; i++) {
        struct item *victim = &it[(i * 37) % (N - 1)];
        struct item *least = NULL;

        ph_remove(&h, &victim->node);
        assert_int_equal(ph_check(&h), 0);
        assert_int_equal(h.count, N - 2 - i);
        for (unsigned j = 0; j <= i; j++) {
            victim = &it[(j * 37) % (N - 1)]; /* removed: links cleared */
            assert_null(victim->node.prev);
        }
        for (unsigned j = 0; j < N - 1; j++) {
            if (it[j].node.prev != NULL || &it[j] == ITEM(h.root)) {
                least =
                    least == NULL || it[j].key < least->key ? &it[j] : least;
            }
        }
        assert_ptr_equal(h.root == NULL ? NULL : ITEM(h.root), least);
    }
    assert_null(h.root);
}

/* The least item the model holds, or NULL. */
static struct item *model_min(struct item *it, size_t n)
{
    struct item *best = NULL;

    for (size_t i = 0; i < n; i++) {
        if (it[i].in && (best == NULL || item_less(&it[i].node, &best->node))) {
            best = &it[i];
        }
    }
    return best;
}

/* Inserts, pops and removals at random; every invariant after every step. */
static void test_randomised_against_model(void **state)
{
    enum { N = 200, STEPS = 20000 };
    static struct item it[N];
    struct pairing_heap h;
    size_t in = 0;

    (void)state;
    srand(9);
    memset(it, 0, sizeof(it));
    ph_init(&h, item_less);
    for (int s = 0; s < STEPS; s++) {
        struct item *x = &it[rand() % N];
        int op = rand() % 3;

        if (!x->in) {
            x->key = (unsigned)rand() % 50; /* many equal keys */
            ph_insert(&h, &x->node);
            x->in = true;
            in++;
        } else if (op == 0) {
            struct item *want = model_min(it, N);
            struct ph_node *got = ph_pop_min(&h);

            assert_ptr_equal(ITEM(got), want);
            want->in = false;
            in--;
        } else {
            ph_remove(&h, &x->node);
            x->in = false;
            in--;
        }
        assert_int_equal(h.count, in);
        assert_int_equal(ph_check(&h), 0);
        assert_ptr_equal(h.root == NULL ? NULL : ITEM(h.root),
                         model_min(it, N));
    }
}

/* ph_check sees a child less than its parent and a broken back link. */
static void test_check_catches_damage(void **state)
{
    static struct item it[3];
    struct pairing_heap h;

    (void)state;
    ph_init(&h, item_less);
    for (unsigned i = 0; i < 3; i++) {
        it[i].key = i;
        ph_insert(&h, &it[i].node);
    }
    assert_int_equal(ph_check(&h), 0);
    it[2].key = 0; /* below its parent, it[0]... */
    it[0].key = 5; /* ...now certainly */
    assert_int_equal(ph_check(&h), -22);
    it[0].key = 0;
    it[2].key = 2;
    assert_int_equal(ph_check(&h), 0);
    it[2].node.prev = &it[2].node;
    assert_int_equal(ph_check(&h), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_pops_in_order),
        cmocka_unit_test(test_remove_each_position),
        cmocka_unit_test(test_randomised_against_model),
        cmocka_unit_test(test_check_catches_damage),
    };

    return cmocka_run_group_tests_name("pairing_heap", tests, NULL, NULL);
}
