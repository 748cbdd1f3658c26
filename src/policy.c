/*
 * policy.c - the replacement policies, behind struct vm_policy_ops.
 *
 *   fifo     evict the frame resident longest
 *   lru      exact LRU: every access moves the frame to the list's tail
 *   clock    second chance over a circle: a frame with A set loses it and
 *            is passed over once
 *   nru      enhanced clock: classes (A,D) = (0,0) < (0,1) < (1,0) < (1,1),
 *            four sweeps as in Silberschatz, clearing A in sweeps 2 and 4
 *   random   a uniformly chosen resident frame; xorshift64* seeded from
 *            the config's seed, so runs repeat exactly
 *   aging    8-bit counters, shifted right every aging_period accesses
 *            with A as the new top bit (A cleared); evict the smallest
 *   wsclock  the working-set clock: a frame not used for ws_tau accesses
 *            is out of the working set; clean ones are evicted, dirty ones
 *            written to swap and passed over
 *   opt      Belady: evict the frame used furthest in the future (needs a
 *            trace replay's view of the future; FIFO without one)
 *   lru2     two lists as Linux keeps them: new pages inactive, a page
 *            found referenced on the inactive list is activated, the
 *            active list is kept no larger than the inactive one
 *
 * Every policy keeps the resident frames on one list (lru2: two) and
 * victim() never removes its pick: eviction does, through remove().  A
 * victim must satisfy vm_frame_eligible() (the memcg filter); each frame a
 * sweep looks at is counted by vm_reclaim_scanned().  Ties go to the frame
 * nearer the list's head (the older one).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reclaim.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/reclaim.h"

struct pol {
	struct vm_lru list;	/* all resident frames; lru2: inactive */
	struct vm_lru active;	/* lru2 */
	uint64_t hand;		/* clocks: next frame to look at */
	uint64_t rng;		/* random */
	uint64_t ticks;		/* accesses since the last tick */
	bool warned;		/* opt without a future, said once */
};

#define POL(m) ((struct pol *)(m)->pol_state)
#define F(m, pfn) vm_phys_frame(&(m)->phys, (pfn))

static uint64_t
vtime(struct vm_machine *m)
{
	return m->stats.v[VM_STAT_accesses];
}

static int
pol_init(struct vm_machine *m)
{
	struct pol *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	vm_lru_init(&s->list);
	vm_lru_init(&s->active);
	s->hand = VM_PFN_NONE;
	s->rng = m->cfg.seed ? m->cfg.seed : 0x9e3779b97f4a7c15ull;
	m->pol_state = s;
	return 0;
}

static void
pol_fini(struct vm_machine *m)
{
	free(m->pol_state);
	m->pol_state = NULL;
}

static void
list_insert(struct vm_machine *m, uint64_t pfn)
{
	F(m, pfn)->pdata = vtime(m);
	vm_lru_add_tail(m, &POL(m)->list, pfn);
}

static void
list_remove(struct vm_machine *m, uint64_t pfn)
{
	struct pol *s = POL(m);

	if (s->hand == pfn)
		s->hand = s->list.n > 1 ? vm_lru_next_wrap(m, &s->list, pfn)
					: VM_PFN_NONE;
	if (F(m, pfn)->flags & VM_FF_ACTIVE)
		vm_lru_del(m, &s->active, pfn);
	else
		vm_lru_del(m, &s->list, pfn);
}

/* The first eligible frame from the head of l. */
static int64_t
list_first(struct vm_machine *m, struct vm_lru *l, struct vm_proc *only)
{
	for (uint64_t pfn = l->head; pfn != VM_PFN_NONE; pfn = F(m, pfn)->next) {
		vm_reclaim_scanned(m, pfn);
		if (vm_frame_eligible(m, pfn, only))
			return (int64_t)pfn;
	}
	return -ENOMEM;
}

/* fifo, and lru's victim */
static int64_t
fifo_victim(struct vm_machine *m, struct vm_proc *only)
{
	return list_first(m, &POL(m)->list, only);
}

static void
lru_touch(struct vm_machine *m, uint64_t pfn)
{
	struct pol *s = POL(m);

	if (s->list.tail == pfn)
		return;
	vm_lru_del(m, &s->list, pfn);
	list_insert(m, pfn);
}

/* clock: new frames go just behind the hand, last to be looked at */
static void
clock_insert(struct vm_machine *m, uint64_t pfn)
{
	struct pol *s = POL(m);

	F(m, pfn)->pdata = vtime(m);
	vm_lru_add_before(m, &s->list, s->hand, pfn);
	if (s->hand == VM_PFN_NONE)
		s->hand = pfn;
}

/* Returns the frame under the hand and moves the hand on. */
static uint64_t
clock_step(struct vm_machine *m)
{
	struct pol *s = POL(m);
	uint64_t pfn = s->hand;

	s->hand = vm_lru_next_wrap(m, &s->list, pfn);
	return pfn;
}

static int64_t
clock_victim(struct vm_machine *m, struct vm_proc *only)
{
	struct pol *s = POL(m);

	for (uint64_t i = 0; s->list.n && i <= 2 * s->list.n; i++) {
		uint64_t pfn = clock_step(m);

		if (!vm_frame_eligible(m, pfn, only))
			continue;
		vm_reclaim_scanned(m, pfn);
		if (!vm_frame_young(m, pfn, true))
			return (int64_t)pfn;
	}
	return -ENOMEM;
}

/* One sweep of nru looking for class (0, dirty); clears A when asked. */
static int64_t
nru_sweep(struct vm_machine *m, struct vm_proc *only, bool dirty, bool clear)
{
	struct pol *s = POL(m);

	for (uint64_t i = 0; i < s->list.n; i++) {
		uint64_t pfn = clock_step(m);
		bool young;

		if (!vm_frame_eligible(m, pfn, only))
			continue;
		vm_reclaim_scanned(m, pfn);
		young = vm_frame_young(m, pfn, clear);
		if (!young && vm_frame_dirty(m, pfn) == dirty)
			return (int64_t)pfn;
	}
	return -ENOMEM;
}

static int64_t
nru_victim(struct vm_machine *m, struct vm_proc *only)
{
	for (int round = 0; round < 2; round++) {
		int64_t pfn = nru_sweep(m, only, false, false);

		if (pfn >= 0)
			return pfn;
		pfn = nru_sweep(m, only, true, true);
		if (pfn >= 0)
			return pfn;
	}
	return -ENOMEM;
}

static uint64_t
rng_next(struct pol *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

static int64_t
random_victim(struct vm_machine *m, struct vm_proc *only)
{
	struct pol *s = POL(m);
	uint64_t n = 0, k;

	for (uint64_t pfn = s->list.head; pfn != VM_PFN_NONE;
	     pfn = F(m, pfn)->next)
		n += vm_frame_eligible(m, pfn, only);
	if (n == 0)
		return -ENOMEM;
	k = rng_next(s) % n;
	for (uint64_t pfn = s->list.head; pfn != VM_PFN_NONE;
	     pfn = F(m, pfn)->next) {
		if (!vm_frame_eligible(m, pfn, only))
			continue;
		vm_reclaim_scanned(m, pfn);
		if (k-- == 0)
			return (int64_t)pfn;
	}
	return -ENOMEM;
}

/* aging: a frame just faulted in counts as referenced in this period */
static void
aging_insert(struct vm_machine *m, uint64_t pfn)
{
	vm_lru_add_tail(m, &POL(m)->list, pfn);
	F(m, pfn)->pdata = 0x80;
}

static void
aging_tick(struct vm_machine *m)
{
	struct pol *s = POL(m);

	for (uint64_t pfn = s->list.head; pfn != VM_PFN_NONE;
	     pfn = F(m, pfn)->next) {
		struct vm_frame *f = F(m, pfn);
		bool young = vm_frame_young(m, pfn, true);

		f->pdata = (f->pdata >> 1) | (young ? 0x80 : 0);
	}
}

static int64_t
aging_victim(struct vm_machine *m, struct vm_proc *only)
{
	struct pol *s = POL(m);
	int64_t best = -ENOMEM;

	for (uint64_t pfn = s->list.head; pfn != VM_PFN_NONE;
	     pfn = F(m, pfn)->next) {
		if (!vm_frame_eligible(m, pfn, only))
			continue;
		vm_reclaim_scanned(m, pfn);
		if (best < 0 || F(m, pfn)->pdata < F(m, best)->pdata)
			best = (int64_t)pfn;
	}
	return best;
}

/* The eligible frame with the smallest pdata (oldest use). */
static int64_t
oldest(struct vm_machine *m, struct vm_proc *only)
{
	return aging_victim(m, only);
}

static int64_t
wsclock_victim(struct vm_machine *m, struct vm_proc *only)
{
	struct pol *s = POL(m);
	uint64_t now = vtime(m);

	for (uint64_t i = 0; s->list.n && i < 2 * s->list.n; i++) {
		uint64_t pfn = clock_step(m);
		struct vm_frame *f = F(m, pfn);

		if (!vm_frame_eligible(m, pfn, only))
			continue;
		vm_reclaim_scanned(m, pfn);
		if (vm_frame_young(m, pfn, true)) {
			f->pdata = now;
			continue;
		}
		if (now - f->pdata <= m->cfg.ws_tau)
			continue;
		if (!vm_frame_dirty(m, pfn))
			return (int64_t)pfn;
		vm_pager_clean(m, pfn); /* scheduled write; next sweep */
	}
	return oldest(m, only);
}

struct opt_ctx {
	struct vm_machine *m;
	uint64_t next;
};

static int
opt_one(void *arg, struct vm_proc *p, uint64_t va)
{
	struct opt_ctx *c = arg;
	uint64_t n = c->m->next_use(c->m->next_use_ctx, p, va);

	if (n < c->next)
		c->next = n;
	return 0;
}

static int64_t
opt_victim(struct vm_machine *m, struct vm_proc *only)
{
	struct pol *s = POL(m);
	int64_t best = -ENOMEM;
	uint64_t far = 0;

	if (!m->next_use) {
		if (!s->warned)
			vm_log(&m->log, VM_LOG_WARN,
			       "policy opt: no known future here, evicting "
			       "in FIFO order");
		s->warned = true;
		return fifo_victim(m, only);
	}
	for (uint64_t pfn = s->list.head; pfn != VM_PFN_NONE;
	     pfn = F(m, pfn)->next) {
		struct opt_ctx c = { .m = m, .next = UINT64_MAX };

		if (!vm_frame_eligible(m, pfn, only))
			continue;
		vm_reclaim_scanned(m, pfn);
		vm_rmap_each(&m->phys, pfn, opt_one, &c);
		if (best < 0 || c.next > far) {
			best = (int64_t)pfn;
			far = c.next;
			if (far == UINT64_MAX)
				break; /* never used again: nothing beats it */
		}
	}
	return best;
}

/* lru2: the inactive list is s->list */
static void
lru2_balance(struct vm_machine *m)
{
	struct pol *s = POL(m);

	while (s->active.n > s->list.n) {
		uint64_t pfn = s->active.head;

		vm_frame_young(m, pfn, true);
		vm_lru_del(m, &s->active, pfn);
		F(m, pfn)->flags &= ~VM_FF_ACTIVE;
		vm_lru_add_tail(m, &s->list, pfn);
		vm_count(m, F(m, pfn)->owner, VM_STAT_pgdeactivate, 1);
	}
}

static int64_t
lru2_victim(struct vm_machine *m, struct vm_proc *only)
{
	struct pol *s = POL(m);
	uint64_t budget = 2 * (s->list.n + s->active.n);
	int64_t pfn;

	lru2_balance(m);
	while (budget-- && s->list.n) {
		pfn = s->list.head;

		if (!vm_frame_eligible(m, pfn, only)) {
			/* rotate: frames of others keep their order */
			vm_lru_del(m, &s->list, pfn);
			vm_lru_add_tail(m, &s->list, pfn);
			continue;
		}
		vm_reclaim_scanned(m, pfn);
		if (!vm_frame_young(m, pfn, true))
			return (int64_t)pfn;
		vm_lru_del(m, &s->list, pfn);
		F(m, pfn)->flags |= VM_FF_ACTIVE;
		vm_lru_add_tail(m, &s->active, pfn);
		vm_count(m, F(m, pfn)->owner, VM_STAT_pgactivate, 1);
		lru2_balance(m);
	}
	pfn = list_first(m, &s->list, only);
	/* a limited process whose every frame is active: its oldest one */
	return pfn >= 0 ? pfn : list_first(m, &s->active, only);
}

static const struct vm_policy_ops policies[] = {
	{ "fifo", "first in, first out", 0, pol_init, pol_fini,
	  list_insert, list_remove, NULL, fifo_victim, NULL },
	{ "lru", "exact least recently used", VM_POL_TOUCH, pol_init,
	  pol_fini, list_insert, list_remove, lru_touch, fifo_victim, NULL },
	{ "clock", "second chance on the A bits", 0, pol_init, pol_fini,
	  clock_insert, list_remove, NULL, clock_victim, NULL },
	{ "nru", "enhanced clock on (A, D) classes", 0, pol_init, pol_fini,
	  clock_insert, list_remove, NULL, nru_victim, NULL },
	{ "random", "uniform, seeded", 0, pol_init, pol_fini, list_insert,
	  list_remove, NULL, random_victim, NULL },
	{ "aging", "8-bit aging counters", VM_POL_TICK, pol_init, pol_fini,
	  aging_insert, list_remove, NULL, aging_victim, aging_tick },
	{ "wsclock", "working-set clock, window ws_tau", 0, pol_init,
	  pol_fini, clock_insert, list_remove, NULL, wsclock_victim, NULL },
	{ "opt", "Belady's optimal (trace replay)", VM_POL_FUTURE, pol_init,
	  pol_fini, list_insert, list_remove, NULL, opt_victim, NULL },
	{ "lru2", "active and inactive lists", 0, pol_init, pol_fini,
	  list_insert, list_remove, NULL, lru2_victim, NULL },
};

const struct vm_policy_ops *
vm_policy_find(const char *name)
{
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strcmp(policies[i].name, name) == 0)
			return &policies[i];
	return NULL;
}

const struct vm_policy_ops *
vm_policy_at(unsigned i)
{
	return i < sizeof(policies) / sizeof(policies[0]) ? &policies[i]
							  : NULL;
}

void
vm_reclaim_tick_maybe(struct vm_machine *m)
{
	struct pol *s = POL(m);

	if (++s->ticks >= m->cfg.aging_period) {
		s->ticks = 0;
		m->pol->tick(m);
	}
}
