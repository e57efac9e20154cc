/*
 * Intrusive circular doubly-linked lists (as in Linux and Zephyr's dlist).
 *
 * A struct list is both a list head and a link embedded in an element; an
 * empty head points to itself.  Every operation is O(1).  The caller
 * provides the locking.
 */
#ifndef KAIROS_LIST_H
#define KAIROS_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
    struct list *next;
    struct list *prev;
};

#define LIST_INIT(name)  \
    {                    \
        &(name), &(name) \
    }

/* The element of type `type` whose member `member` is the link l. */
#define list_entry(l, type, member) \
    ((type *)((char *)(l)-offsetof(type, member)))

#define list_for_each(pos, head) \
    for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

static inline void list_init(struct list *l)
{
    l->next = l;
    l->prev = l;
}

static inline bool list_empty(const struct list *head)
{
    return head->next == head;
}

/* Insert n between a and b, which must be adjacent. */
static inline void list_insert_between(struct list *n, struct list *a,
                                       struct list *b)
{
    n->prev = a;
    n->next = b;
    a->next = n;
    b->prev = n;
}

/* Add n at the tail of head (FIFO order with list_pop_front). */
static inline void list_push_back(struct list *head, struct list *n)
{
    list_insert_between(n, head->prev, head);
}

static inline void list_push_front(struct list *head, struct list *n)
{
    list_insert_between(n, head, head->next);
}

/* Unlink n from whatever list holds it and make it an empty list. */
static inline void list_remove(struct list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

/* Unlink and return the first element, or NULL when empty. */
static inline struct list *list_pop_front(struct list *head)
{
    struct list *n = head->next;

    if (n == head) {
        return NULL;
    }
    list_remove(n);
    return n;
}

#endif
