/*
 * The fair class (SCHED_OTHER): EEVDF, as in Linux 6.6+ (docs/sched.md).
 *
 * Time is counted in timer ticks; virtual time in units of 1/FAIR_UNIT of
 * a tick at nice 0.  A running process's vruntime grows by
 * FAIR_UNIT * 1024 / weight per tick, weight from nice (Linux's
 * sched_prio_to_weight).  V, the weight-averaged vruntime of the class's
 * processes (queued and running), is what an ideal fair CPU would have
 * given each; a process's lag is V - vruntime.  It is eligible when its
 * lag is >= 0 (vruntime <= V).  Each request is one slice (slice= ticks):
 * deadline = vruntime + slice * FAIR_UNIT * 1024 / weight.  Pick-next runs
 * the eligible process with the earliest deadline.
 *
 * The queue is a red-black tree ordered by deadline (FIFO among equal
 * ones), each node augmented with the least vruntime in its subtree: the
 * earliest eligible deadline is found in one descent, O(log n), and at
 * once when the first node is eligible.  V is kept as sum and load
 * (Linux's avg_vruntime): sum = Σ (vruntime - min_vruntime) * weight and
 * load = Σ weight over the class's processes, queued and running, so a
 * switch between two of them changes neither and a tick or a yield adds
 * its one charge.
 *
 * A process that leaves (blocks, changes class) keeps its lag, bounded by
 * two slices of virtual time; when it comes back it is placed at
 * V - lag (scaled as Linux's place_entity, so the average does not move),
 * so it neither loses its place nor gains more than that bound.
 * sched_lock guards everything here.
 */
#include "sched_class.h"

#define FAIR_UNIT   (1ULL << 16) /* virtual time of one tick at nice 0 */
#define NICE_0_LOAD 1024

/* Linux's sched_prio_to_weight: nice -20..19 to weight. */
static const uint32_t prio_to_weight[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
    1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
    110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

static struct {
    struct rb_tree tree;   /* queued processes by run_node */
    struct process *curr;  /* the running process if it is fair */
    uint64_t min_vruntime; /* reference for the sum; never decreases */
    int64_t sum;           /* Σ (vruntime - min_vruntime) * weight: tree
                              and curr */
    int64_t load;          /* Σ weight: tree and curr */
    size_t nr;             /* queued */
} fair;

static struct process *of(const struct rb_node *n)
{
    return rb_entry(n, struct process, run_node);
}

/* The record keeps its weight and its virtual tick, both from nice
 * (sched_fair_set_nice): the switch path reads them, never divides. */
static int64_t weight(const struct process *p)
{
    return p->weight;
}

/* A request of one slice, in p's virtual time. */
static uint64_t vslice(const struct process *p)
{
    return (uint64_t)sched_slice_ticks * p->vtick;
}

static int64_t key(const struct process *p)
{
    return (int64_t)(p->vruntime - fair.min_vruntime);
}

static bool before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

static bool by_deadline(const struct rb_node *a, const struct rb_node *b)
{
    return before(of(a)->deadline, of(b)->deadline);
}

/* The augmented value: the least vruntime under n. */
static bool update_min(struct rb_node *n)
{
    struct process *p = of(n);
    uint64_t m = p->vruntime;

    if (n->left != NULL && before(of(n->left)->min_vruntime, m)) {
        m = of(n->left)->min_vruntime;
    }
    if (n->right != NULL && before(of(n->right)->min_vruntime, m)) {
        m = of(n->right)->min_vruntime;
    }
    if (m == p->min_vruntime) {
        return false;
    }
    p->min_vruntime = m;
    return true;
}

static void fair_init(void)
{
    rb_init(&fair.tree, update_min);
    fair.curr = NULL;
    fair.min_vruntime = 0;
    fair.sum = fair.load = 0;
    fair.nr = 0;
}

/* p is counted in V (joins the class), or no longer. */
static void join(const struct process *p)
{
    fair.sum += key(p) * weight(p);
    fair.load += weight(p);
}

static void leave(const struct process *p)
{
    fair.sum -= key(p) * weight(p);
    fair.load -= weight(p);
}

/* p's vruntime moves by d while p is counted (running or queued). */
static void advance(struct process *p, uint64_t d)
{
    p->vruntime += d;
    fair.sum += (int64_t)d * weight(p);
}

static void tree_add(struct process *p)
{
    p->min_vruntime = p->vruntime;
    rb_insert_with(&fair.tree, &p->run_node, by_deadline, update_min);
    fair.nr++;
}

static void tree_remove(struct process *p)
{
    rb_erase_with(&fair.tree, &p->run_node, update_min);
    fair.nr--;
}

/* What V is made of. */
struct avg {
    int64_t sum, load;
};

static struct avg totals(void)
{
    return (struct avg){fair.sum, fair.load};
}

/* V: the weighted average vruntime (rounded down). */
static uint64_t avg_vruntime(void)
{
    struct avg a = totals();

    if (a.load > 0) {
        if (a.sum < 0) {
            a.sum -= a.load - 1;
        }
        a.sum /= a.load;
    }
    return fair.min_vruntime + (uint64_t)a.sum;
}

/* v <= V, without the division: sum >= (v - min_vruntime) * load. */
static bool eligible(uint64_t v, struct avg a)
{
    return a.sum >= (int64_t)(v - fair.min_vruntime) * a.load;
}

/* Move the reference up to the least vruntime there is (never down). */
static void update_min_vruntime(void)
{
    uint64_t v = fair.min_vruntime;
    bool have = false;

    if (fair.curr != NULL) {
        v = fair.curr->vruntime;
        have = true;
    }
    if (fair.tree.root != NULL) {
        uint64_t m = of(fair.tree.root)->min_vruntime;

        v = !have || before(m, v) ? m : v;
    }
    if (before(fair.min_vruntime, v)) {
        fair.sum -= fair.load * (int64_t)(v - fair.min_vruntime);
        fair.min_vruntime = v;
    }
}

/* The eligible queued process with the earliest deadline, or NULL (none
 * queued, or none eligible: the running one holds V up); a is totals(). */
static inline __attribute__((always_inline)) struct process *
pick_eevdf_at(struct avg a)
{
    struct rb_node *n = rb_first(&fair.tree);

    if (n == NULL || eligible(of(n)->vruntime, a)) {
        return n != NULL ? of(n) : NULL;
    }
    for (n = fair.tree.root; n != NULL;) {
        if (n->left != NULL && eligible(of(n->left)->min_vruntime, a)) {
            n = n->left;
        } else if (eligible(of(n)->vruntime, a)) {
            return of(n);
        } else {
            n = n->right;
        }
    }
    return NULL;
}

/* Who runs next from the queue.  With nobody running in the class the
 * least vruntime is always eligible; while one runs, the earliest queued
 * one is who would follow it. */
static struct process *pick_eevdf(void)
{
    struct process *p = pick_eevdf_at(totals());

    return p != NULL || rb_first(&fair.tree) == NULL ? p
                                                     : of(rb_first(&fair.tree));
}

/* p's lag now, bounded by two slices of its virtual time. */
static int64_t bounded_lag(const struct process *p)
{
    int64_t limit = (int64_t)(2 * vslice(p));
    int64_t lag = (int64_t)(avg_vruntime() - p->vruntime);

    return lag > limit ? limit : lag < -limit ? -limit : lag;
}

/*
 * Place p, about to join, by its kept lag: vruntime = V - lag', with lag'
 * = lag * (load + w) / load so that V, which p's joining moves, ends up
 * where p's lag is what it kept (Linux's place_entity).  A new request.
 */
static void place(struct process *p)
{
    int64_t load = totals().load, lag = p->vlag;

    if (load > 0) {
        lag += lag * weight(p) / load;
    } else {
        lag = 0;
    }
    p->vruntime = avg_vruntime() - (uint64_t)lag;
    p->deadline = p->vruntime + vslice(p);
}

static void fair_enqueue(struct process *p, enum sched_enqueue why)
{
    if (why == ENQ_NEW || why == ENQ_WAKE) {
        place(p);
    }
    tree_add(p);
    join(p);
}

static void fair_dequeue(struct process *p, bool queued)
{
    p->vlag = bounded_lag(p);
    leave(p);
    if (queued) {
        tree_remove(p);
    } else {
        fair.curr = NULL;
    }
    update_min_vruntime();
}

static struct process *fair_pick_next(void)
{
    struct process *p = pick_eevdf();

    if (p != NULL) {
        tree_remove(p);
        fair.curr = p;
    }
    return p;
}

/*
 * Linux's yield_task_fair pushes the deadline one request on.  Time is
 * ticks here, so a process that yields before a tick lands on it would be
 * charged nothing and a yield loop would keep the CPU from ready processes
 * that ran a tick: a yield is charged one tick as well.
 */
static void charge_yield(struct process *p, enum sched_put why)
{
    if (why == PUT_YIELD && fair.nr > 0) {
        advance(p, p->vtick);
        p->deadline += vslice(p);
    }
}

static void fair_put_prev(struct process *p, enum sched_put why)
{
    charge_yield(p, why);
    fair.curr = NULL;
    tree_add(p);
}

/* Does p sort exactly where n is (after every node before n, before
 * every node after it)?  Then it can take n's place in the tree. */
static bool fits_at(const struct process *p, struct rb_node *n)
{
    struct rb_node *prev = n != rb_first(&fair.tree) ? rb_prev(n) : NULL;
    struct rb_node *next = n != rb_last(&fair.tree) ? rb_next(n) : NULL;

    return (prev == NULL || !before(p->deadline, of(prev)->deadline)) &&
           (next == NULL || before(p->deadline, of(next)->deadline));
}

/*
 * put_prev(p) then pick_next(), without the tree work they would do when
 * it can be avoided (Linux's pick_next_task_fair with prev): p stays out
 * of the tree while the choice is made; if it wins, nothing moves; if a
 * queued process wins and p sorts where that one was, p takes its node's
 * place in O(1) (two processes taking turns never rebalance the tree).
 * The choice is put_prev's and pick_next's: the eligible process with the
 * earliest deadline, p behind its equals.  The core calls it when no
 * earlier class has a process ready.
 */
struct process *sched_fair_put_prev_pick_locked(struct process *p,
                                                enum sched_put why)
{
    struct process *next;
    struct avg a;

    charge_yield(p, why);
    a = totals(); /* p is fair.curr: V counts it */
    next = pick_eevdf_at(a);
    if (next == NULL ||
        (before(p->deadline, next->deadline) && eligible(p->vruntime, a))) {
        return p;
    }
    if (fits_at(p, &next->run_node)) {
        p->min_vruntime = next->min_vruntime; /* the node's, to recompute */
        rb_replace_with(&fair.tree, &next->run_node, &p->run_node, update_min);
    } else {
        tree_remove(next);
        tree_add(p);
    }
    fair.curr = next;
    return next;
}

static void fair_set_curr(struct process *p)
{
    place(p);
    fair.curr = p;
    join(p);
}

/*
 * The end of p's request: a new one.  The reference min_vruntime moves up
 * here, once a request, not every tick: any reference is exact (keys are
 * relative to it), and this one trails the least vruntime by at most a
 * slice of the running process.
 */
static __attribute__((noinline)) bool new_request(struct process *p)
{
    p->deadline = p->vruntime + vslice(p);
    update_min_vruntime();
    return fair.nr > 0;
}

/* A tick of virtual time (the fast path stays call-free). */
bool sched_fair_tick_locked(struct process *p)
{
    advance(p, p->vtick);
    if (before(p->vruntime, p->deadline)) {
        return false;
    }
    return new_request(p);
}

/*
 * A fair process never takes the CPU from a running fair one: the running
 * one finishes its request (at most one slice), as Linux 6.6's
 * RUN_TO_PARITY while it is eligible; here also when it is not, so that a
 * wakeup or spawn among SCHED_OTHER processes never switches at once.  It
 * does take it from idle.
 */
static bool fair_preempts(const struct process *p, const struct process *curr)
{
    (void)p;
    return curr->sclass != &sched_fair_class;
}

void sched_fair_set_nice(struct process *p, int nice)
{
    p->nice = (int8_t)nice;
    p->weight = prio_to_weight[nice - NICE_MIN];
    p->vtick = (uint32_t)((FAIR_UNIT * NICE_0_LOAD) / p->weight);
}

void sched_fair_renice_locked(struct process *p, int nice)
{
    bool queued = p->state == PROCESS_READY && !p->idle;
    bool active = p->sclass == &sched_fair_class && (queued || p == fair.curr);
    int64_t old = weight(p);
    int64_t lag = 0, rel = 0;
    uint64_t v;

    if (active) {
        lag = (int64_t)(avg_vruntime() - p->vruntime);
        rel = (int64_t)(p->deadline - p->vruntime);
        leave(p); /* at its old weight */
        if (queued) {
            tree_remove(p);
        }
    }
    sched_fair_set_nice(p, nice);
    if (!active) {
        p->vlag = p->vlag * (int64_t)old / weight(p);
        return;
    }
    if (!queued) {
        join(p); /* V counts the running one, at its new weight */
    }
    /* The same lag and request in real time, at the new weight. */
    v = avg_vruntime() - (uint64_t)(lag * old / weight(p));
    if (queued) {
        p->vruntime = v;
    } else {
        advance(p, v - p->vruntime);
    }
    if (rel < 0 || (uint64_t)rel > vslice(p) * 64) {
        rel = (int64_t)vslice(p); /* far past yields: one request */
    } else {
        rel = rel * old / weight(p);
    }
    p->deadline = p->vruntime + (uint64_t)rel;
    if (queued) {
        tree_add(p);
        join(p);
    }
}

/* Walk the tree checking order, augmentation and the totals. */
struct fair_walk {
    void (*visit)(struct process *p, void *ctx);
    void *ctx;
    size_t n;
    int64_t sum, load;
    const char *err;
};

static uint64_t walk(struct rb_node *n, struct fair_walk *w)
{
    struct process *p = of(n);
    uint64_t m = p->vruntime;

    if (n->left != NULL) {
        uint64_t l = walk(n->left, w);

        m = before(l, m) ? l : m;
        if (before(p->deadline, of(n->left)->deadline)) {
            w->err = "fair tree out of deadline order";
        }
    }
    if (n->right != NULL) {
        uint64_t r = walk(n->right, w);

        m = before(r, m) ? r : m;
        if (before(of(n->right)->deadline, p->deadline)) {
            w->err = "fair tree out of deadline order";
        }
    }
    if (m != p->min_vruntime) {
        w->err = "fair tree: a subtree's least vruntime is wrong";
    }
    if (p->sclass != &sched_fair_class || p->prio != 0) {
        w->err = "fair tree holds a process of another class";
    }
    if (p->weight != prio_to_weight[p->nice - NICE_MIN]) {
        w->err = "fair weight does not match nice";
    }
    w->n++;
    w->sum += key(p) * weight(p);
    w->load += weight(p);
    w->visit(p, w->ctx);
    return m;
}

static const char *fair_check(void (*visit)(struct process *p, void *ctx),
                              void *ctx)
{
    struct fair_walk w = {.visit = visit, .ctx = ctx};

    if (fair.tree.root != NULL) {
        walk(fair.tree.root, &w);
    }
    if (w.err != NULL) {
        return w.err;
    }
    if (fair.curr != NULL) {
        w.sum += key(fair.curr) * weight(fair.curr);
        w.load += weight(fair.curr);
    }
    if (w.n != fair.nr || w.sum != fair.sum || w.load != fair.load) {
        return "fair totals (count, sum, load) wrong";
    }
    if (fair.curr != NULL && fair.curr->state != PROCESS_RUNNING) {
        return "fair current is not running";
    }
    return NULL;
}

const struct sched_class sched_fair_class = {
    .name = "fair",
    .rank = 1,
    .init = fair_init,
    .enqueue = fair_enqueue,
    .dequeue = fair_dequeue,
    .pick_next = fair_pick_next,
    .peek = pick_eevdf,
    .put_prev = fair_put_prev,
    .set_curr = fair_set_curr,
    .tick = sched_fair_tick_locked,
    .preempts = fair_preempts,
    .check = fair_check,
};
