/*
 * test_huge.c - huge pages: PS leaves, the 2 MiB fallback, splits, fork
 * and reclaim of huge pages, 1 GiB pages.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "vmlab/frame.h"
#include "vmlab/huge.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define M2 (UINT64_C(2) << 20)
#define G1 (UINT64_C(1) << 30)
#define BASE UINT64_C(0x40000000) /* 1 GiB aligned */

static uint64_t
stat_of(struct vm_machine *m, enum vm_stat s)
{
	return m->stats.v[s];
}

static int
map_huge(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	 uint64_t len, unsigned vflags)
{
	struct vm_mmap_req r = { .addr = addr, .len = len, .prot = RW,
				 .flags = VM_MAP_FIXED, .vma_flags = vflags };
	uint64_t at;

	return vm_mmap(m, p, &r, &at);
}

/* The entry mapping va and its level (0: 4 KiB). */
static vm_pte_t
leaf(struct vm_machine *m, struct vm_proc *p, uint64_t va, int *level)
{
	struct vm_walk w;

	if (vm_pt_walk(m, p, va, 0, 0, &w) && !(*w.pte[w.level] & VM_PTE_P)) {
		*level = -1;
		return 0;
	}
	*level = w.level;
	return *w.pte[w.level];
}

static uint64_t
load(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	uint64_t v = 0;

	ck_assert_int_eq(vm_load(m, p, va, 8, &v), 0);
	return v;
}

/* Writes i * 7 + seed at the start of each 4 KiB page of [va, +len). */
static void
fill(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint64_t len,
     uint64_t seed)
{
	for (uint64_t i = 0; i < len / VM_PAGE_SIZE; i++)
		ck_assert_int_eq(vm_store(m, p, va + i * VM_PAGE_SIZE, 8,
					  i * 7 + seed), 0);
}

static void
check(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint64_t len,
      uint64_t seed)
{
	for (uint64_t i = 0; i < len / VM_PAGE_SIZE; i++)
		ck_assert_uint_eq(load(m, p, va + i * VM_PAGE_SIZE),
				  i * 7 + seed);
}

/* One write maps a whole 2 MiB page with one PS leaf and one TLB entry:
 * the rest of the page is hits, no more faults. */
START_TEST(test_huge_2m_fault)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	uint64_t pa, pa2, faults, misses;
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, 2 * M2, VM_VMA_HUGE_2M), 0);
	faults = stat_of(m, VM_STAT_pgfault);
	ck_assert_int_eq(vm_access(m, p, BASE + 5, VM_ACC_W, VM_MODE_USER, 0,
				   &pa, NULL), 0);
	e = leaf(m, p, BASE + M2 - 1, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & VM_PTE_PS);
	ck_assert_uint_eq(VM_PTE2PFN(e) % 512, 0);
	ck_assert_uint_eq(pa, (VM_PTE2PFN(e) << 12) + 5);
	ck_assert_uint_eq(stat_of(m, VM_STAT_pgfault) - faults, 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_alloc), 1);
	ck_assert_uint_eq(p->rss_anon, 512);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, VM_PTE2PFN(e)), 1);
	misses = stat_of(m, VM_STAT_tlb_miss);
	ck_assert_int_eq(vm_access(m, p, BASE + M2 - 8, VM_ACC_R,
				   VM_MODE_USER, 0, &pa2, NULL), 0);
	ck_assert_uint_eq(pa2, (VM_PTE2PFN(e) << 12) + M2 - 8);
	ck_assert_uint_eq(stat_of(m, VM_STAT_tlb_miss), misses);
	ck_assert_uint_eq(stat_of(m, VM_STAT_pgfault) - faults, 1);
	/* the whole region out: its 512 frames free again */
	ck_assert_int_eq(vm_munmap(m, p, BASE, 2 * M2), 0);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_huge_bad_requests)
{
	struct vm_machine *m = t_machine(1024);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .len = M2, .prot = RW,
				 .vma_flags = VM_VMA_HUGE_2M };
	uint64_t at;

	ck_assert_int_eq(map_huge(m, p, BASE + 4096, M2, VM_VMA_HUGE_2M),
			 -EINVAL);
	ck_assert_int_eq(map_huge(m, p, BASE, M2 + 4096, VM_VMA_HUGE_2M),
			 -EINVAL);
	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_1G), -EINVAL);
	/* no address given: an aligned one */
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(at % M2, 0);
	vm_machine_destroy(m);
}
END_TEST

/* No free aligned 2 MiB block: 4 KiB pages, counted as Linux's THP. */
START_TEST(test_huge_fallback)
{
	struct vm_machine *m = t_machine(1024);
	struct vm_proc *p = t_spawn(m);
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, 2 * M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 1); /* the one free 512-block */
	leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(vm_store(m, p, BASE + M2, 8, 99), 0);
	leaf(m, p, BASE + M2, &level);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_fallback), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_alloc), 1);
	ck_assert_uint_eq(load(m, p, BASE + M2), 99);
	check(m, p, BASE, M2, 1);
	vm_machine_destroy(m);
}
END_TEST

/* munmap of one page of a huge one splits it; the bytes stay. */
START_TEST(test_huge_split_munmap)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	uint64_t head, anon;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 3);
	head = VM_PTE2PFN(leaf(m, p, BASE, &level));
	anon = m->phys.count[VM_FRAME_ANON];
	ck_assert_int_eq(vm_munmap(m, p, BASE + 4096, 4096), 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_pmd), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_page), 1);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], anon - 1);
	ck_assert_uint_eq(p->rss_anon, 511);
	ck_assert_uint_eq(VM_PTE2PFN(leaf(m, p, BASE + 8192, &level)),
			  head + 2);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(load(m, p, BASE), 3);
	check(m, p, BASE + 8192, M2 - 8192, 3 + 14);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head + 100), 1);
	vm_machine_destroy(m);
}
END_TEST

/* A pin on a frame of a huge page (a reply being written from it) keeps
 * that frame, and only it, past the page's unmapping; its unpin while
 * the page lives frees nothing. */
START_TEST(test_huge_pinned_tail)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	uint64_t head, anon;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 1);
	head = VM_PTE2PFN(leaf(m, p, BASE, &level));
	anon = m->phys.count[VM_FRAME_ANON];
	vm_frame_pin(m, head + 5);
	vm_frame_unpin(m, head + 5);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], anon);
	check(m, p, BASE, M2, 1);
	vm_frame_pin(m, head + 5);
	vm_frame_pin(m, head);
	ck_assert_int_eq(vm_munmap(m, p, BASE, M2), 0);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], 2);
	ck_assert_uint_eq(*(uint64_t *)vm_phys_ptr(&m->phys, head + 5),
			  5 * 7 + 1);
	vm_frame_unpin(m, head + 5);
	vm_frame_unpin(m, head);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], 0);
	vm_machine_destroy(m);
}
END_TEST

/* mprotect of part of a huge page splits it; the rest keeps its rights. */
START_TEST(test_huge_split_mprotect)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m);
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 5);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, M2 / 2, VM_PROT_READ), 0);
	e = leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 0);
	ck_assert(!(e & VM_PTE_RW));
	e = leaf(m, p, BASE + M2 / 2, &level);
	ck_assert(e & VM_PTE_RW);
	check(m, p, BASE, M2, 5);
	ck_assert_int_eq(vm_store(m, p, BASE + M2 / 2, 8, 1), 0);
	/* a write to the read-only half kills, as any write there would */
	vm_store(m, p, BASE, 8, 1);
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	vm_machine_destroy(m);
}
END_TEST

/* fork shares a huge page COW; the child's write splits it and copies
 * one 4 KiB page; the parent, alone again, gets a whole page back. */
START_TEST(test_huge_fork)
{
	struct vm_machine *m = t_machine(4096);
	struct vm_proc *p = t_spawn(m), *c;
	uint64_t head;
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 11);
	head = VM_PTE2PFN(leaf(m, p, BASE, &level));
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	e = leaf(m, c, BASE, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & VM_PTE_COW);
	ck_assert(!(e & VM_PTE_RW));
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head), 2);
	ck_assert_uint_eq(c->rss_anon, 512);
	check(m, c, BASE, M2, 11);
	ck_assert_int_eq(vm_store(m, c, BASE + 4096 * 9, 8, 12345), 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_page), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_pmd), 2);
	ck_assert_uint_eq(stat_of(m, VM_STAT_cow_break), 1);
	ck_assert_uint_eq(load(m, c, BASE + 4096 * 9), 12345);
	ck_assert_uint_eq(load(m, p, BASE + 4096 * 9), 9 * 7 + 11);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head + 8), 2);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, head + 9), 1);
	vm_proc_reap(m, c);
	/* a second page, forked, then the child gone: the parent reuses it */
	ck_assert_int_eq(map_huge(m, p, BASE + M2, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE + M2, M2, 2);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	vm_proc_reap(m, c);
	ck_assert_int_eq(vm_store(m, p, BASE + M2, 8, 7), 0);
	e = leaf(m, p, BASE + M2, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & VM_PTE_RW);
	ck_assert_uint_eq(stat_of(m, VM_STAT_cow_reuse), 1);
	vm_machine_destroy(m);
}
END_TEST

/* Reclaim takes a huge page out as 512 pages, split first; they come
 * back from swap one by one, with their bytes. */
START_TEST(test_huge_pageout)
{
	struct vm_config cfg;
	struct vm_machine *m;
	struct vm_proc *p;
	int level;

	vm_config_default(&cfg);
	cfg.frames = 4096;
	cfg.swap_pages = 2048;
	cfg.state_dir = t_state;
	m = t_machine_cfg(&cfg);
	p = t_spawn(m);
	ck_assert_int_eq(map_huge(m, p, BASE, M2, VM_VMA_HUGE_2M), 0);
	fill(m, p, BASE, M2, 21);
	ck_assert_int_eq(vm_madvise(m, p, BASE, M2, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_split_page), 1);
	ck_assert_uint_eq(stat_of(m, VM_STAT_pswpout), 512);
	ck_assert_uint_eq(p->swapents, 512);
	ck_assert_uint_eq(p->rss_anon, 0);
	check(m, p, BASE, M2, 21);
	leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 0);
	vm_machine_destroy(m);
}
END_TEST

/* A 1 GiB page: one PS leaf in the PDPT; a cut through it is EINVAL; no
 * aligned free block is ENOMEM, not a fallback. */
START_TEST(test_huge_1g)
{
	struct vm_machine *m = t_machine((G1 >> 12) + 2048);
	struct vm_proc *p = t_spawn(m), *q;
	vm_pte_t e;
	int level;

	ck_assert_int_eq(map_huge(m, p, BASE, G1, VM_VMA_HUGE_1G), 0);
	ck_assert_int_eq(vm_store(m, p, BASE + G1 - 8, 8, 42), 0);
	e = leaf(m, p, BASE, &level);
	ck_assert_int_eq(level, 2);
	ck_assert(e & VM_PTE_PS);
	ck_assert_uint_eq(p->rss_anon, G1 >> 12);
	ck_assert_uint_eq(load(m, p, BASE + G1 - 8), 42);
	ck_assert_int_eq(vm_munmap(m, p, BASE + M2, M2), -EINVAL);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, M2, VM_PROT_READ), -EINVAL);
	/* the only 1 GiB block is taken: a second page cannot be had */
	q = t_spawn(m);
	ck_assert_int_eq(map_huge(m, q, BASE, G1, VM_VMA_HUGE_1G), 0);
	ck_assert_int_eq(vm_store(m, q, BASE, 8, 1), -ENOMEM);
	ck_assert_uint_eq(stat_of(m, VM_STAT_thp_fault_fallback), 0);
	ck_assert_int_eq(vm_munmap(m, p, BASE, G1), 0);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_ANON], 0);
	vm_machine_destroy(m);
}
END_TEST


/* ---- a random run against a shadow of each page's first word -------- */

#define S_PROCS 4
#define S_SLOTS 3 /* 2 MiB regions at BASE + k * M2 */
#define S_PAGES (S_SLOTS * 512)
#define S_STEPS 300

struct sproc {
	struct vm_proc *p;
	bool mapped[S_PAGES];
	bool ro[S_PAGES];
	uint64_t val[S_PAGES];
};

struct stress {
	struct vm_machine *m;
	struct sproc proc[S_PROCS];
	uint64_t rng;
	uint32_t *count; /* mappings found per PFN */
	int step;
};

static uint64_t
s_rand(struct stress *s, uint64_t n)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (s->rng * UINT64_C(2685821657736338717)) % n;
}

struct s_walk {
	struct stress *s;
	uint64_t rss, swap;
};

static int
s_count_one(void *ctx, uint64_t va, uint64_t pte, int level)
{
	struct s_walk *w = ctx;

	(void)va;
	if (!(pte & VM_PTE_P)) {
		w->swap++;
		return 0;
	}
	w->s->count[VM_PTE2PFN(pte)]++;
	w->rss += UINT64_C(1) << (9 * level);
	return 0;
}

static int
s_visit(void *ctx, struct vm_proc *p, uint64_t va)
{
	(void)p;
	(void)va;
	(*(uint32_t *)ctx)++;
	return 0;
}

/* The word at va, as an observer reads it: from the frame, from the slot
 * of a swapped page, zeros for an untouched one; nothing is faulted in. */
static uint64_t
s_peek(struct stress *s, struct vm_proc *p, uint64_t va)
{
	uint64_t v = UINT64_MAX;

	ck_assert_uint_eq(vm_mem_peek(s->m, p, va, &v, 8), 8);
	return v;
}

/* Every mapping counted once, on the head for a huge leaf; mapcount,
 * the rmap's visits, rss and swap entries agree; the bytes are the
 * shadow's. */
static void
s_check(struct stress *s)
{
	struct vm_machine *m = s->m;

	memset(s->count, 0, m->phys.nframes * sizeof(*s->count));
	for (int i = 0; i < S_PROCS; i++) {
		struct sproc *sp = &s->proc[i];
		struct s_walk w = { .s = s };

		if (!sp->p || sp->p->state == VM_PROC_ZOMBIE)
			continue;
		vm_mm_each_pte(m, sp->p, BASE, BASE + S_SLOTS * M2,
			       s_count_one, &w);
		ck_assert_msg(w.rss == sp->p->rss_anon,
			      "step %d pid %d: rss %llu, entries %llu", s->step,
			      sp->p->pid, (unsigned long long)sp->p->rss_anon,
			      (unsigned long long)w.rss);
		ck_assert_uint_eq(w.swap, sp->p->swapents);
		for (int k = 0; k < S_PAGES; k++) {
			uint64_t v;

			if (!sp->mapped[k])
				continue;
			v = s_peek(s, sp->p, BASE + (uint64_t)k * VM_PAGE_SIZE);

			ck_assert_msg(v == sp->val[k],
				      "step %d pid %d page %d: %llx, want %llx",
				      s->step, sp->p->pid, k,
				      (unsigned long long)v,
				      (unsigned long long)sp->val[k]);
		}
	}
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		const struct vm_frame *f = vm_phys_frame(&m->phys, pfn);
		uint32_t visits = 0;

		if (f->use != VM_FRAME_ANON)
			continue;
		ck_assert_msg(vm_frame_mapcount(&m->phys, pfn) == s->count[pfn],
			      "step %d pfn %llu: mapcount %u, mappings %u",
			      s->step, (unsigned long long)pfn,
			      vm_frame_mapcount(&m->phys, pfn), s->count[pfn]);
		vm_rmap_each(&m->phys, pfn, s_visit, &visits);
		ck_assert_msg(visits == s->count[pfn],
			      "step %d pfn %llu: rmap visits %u, mappings %u",
			      s->step, (unsigned long long)pfn, visits,
			      s->count[pfn]);
		if (f->flags & VM_FF_COMPOUND)
			for (uint64_t j = 1; j < (UINT64_C(1) << f->nent); j++)
				ck_assert_uint_eq(vm_frame_mapcount(&m->phys,
								    pfn + j),
						  0);
	}
}

static struct sproc *
s_pick(struct stress *s)
{
	int i = (int)s_rand(s, S_PROCS);

	for (int n = 0; n < S_PROCS; n++, i = (i + 1) % S_PROCS)
		if (s->proc[i].p && s->proc[i].p->state != VM_PROC_ZOMBIE)
			return &s->proc[i];
	return NULL;
}

static struct sproc *
s_free_slot(struct stress *s)
{
	for (int i = 0; i < S_PROCS; i++)
		if (!s->proc[i].p)
			return &s->proc[i];
	return NULL;
}

static void
s_step(struct stress *s)
{
	struct vm_machine *m = s->m;
	struct sproc *sp = s_pick(s), *c;
	uint64_t k = s_rand(s, S_PAGES), n = 1 + s_rand(s, 700);
	uint64_t slot = s_rand(s, S_SLOTS), v;
	int op = (int)s_rand(s, 10);

	if (k + n > S_PAGES)
		n = S_PAGES - k;
	if (!sp || op == 0) {
		c = s_free_slot(s);
		if (c) {
			memset(c, 0, sizeof(*c));
			ck_assert_int_eq(vm_proc_spawn(m, "s", &c->p), 0);
		}
		return;
	}
	switch (op) {
	case 1: /* a whole 2 MiB region, replacing what was there */
		ck_assert_int_eq(map_huge(m, sp->p, BASE + slot * M2, M2,
					  VM_VMA_HUGE_2M), 0);
		for (uint64_t i = slot * 512; i < (slot + 1) * 512; i++) {
			sp->mapped[i] = true;
			sp->ro[i] = false;
			sp->val[i] = 0;
		}
		break;
	case 2: case 3: /* stores */
		for (uint64_t i = k; i < k + n; i += 1 + s_rand(s, 64)) {
			if (!sp->mapped[i] || sp->ro[i])
				continue;
			v = s->rng | 1;
			ck_assert_int_eq(vm_store(m, sp->p,
						  BASE + i * VM_PAGE_SIZE, 8,
						  v), 0);
			sp->val[i] = v;
		}
		break;
	case 4: /* fork */
		c = s_free_slot(s);
		if (!c)
			break;
		*c = *sp;
		ck_assert_int_eq(vm_proc_fork(m, sp->p, &c->p), 0);
		break;
	case 5: /* munmap of a part, huge pages cut */
		ck_assert_int_eq(vm_munmap(m, sp->p, BASE + k * VM_PAGE_SIZE,
					   n * VM_PAGE_SIZE), 0);
		for (uint64_t i = k; i < k + n; i++)
			sp->mapped[i] = false;
		break;
	case 6: /* mprotect of a part: read-only or read-write again */
		v = s_rand(s, 2);
		if (vm_mprotect(m, sp->p, BASE + k * VM_PAGE_SIZE,
				n * VM_PAGE_SIZE,
				v ? VM_PROT_READ : RW) == 0)
			for (uint64_t i = k; i < k + n; i++)
				sp->ro[i] = v;
		break;
	case 7: /* pageout */
		ck_assert_int_eq(vm_madvise(m, sp->p, BASE + k * VM_PAGE_SIZE,
					    n * VM_PAGE_SIZE,
					    VM_ADV_PAGEOUT), 0);
		break;
	case 8: /* dontneed: private anonymous pages read zeros again */
		ck_assert_int_eq(vm_madvise(m, sp->p, BASE + k * VM_PAGE_SIZE,
					    n * VM_PAGE_SIZE,
					    VM_ADV_DONTNEED), 0);
		for (uint64_t i = k; i < k + n; i++)
			sp->val[i] = 0;
		break;
	default: /* exit */
		vm_proc_reap(m, sp->p);
		memset(sp, 0, sizeof(*sp));
		break;
	}
}

/* Random runs of huge regions, stores, forks, cuts, protections,
 * pageouts and exits, checked after every step. */
START_TEST(test_huge_stress)
{
	struct vm_config cfg;
	struct stress s = { .rng = UINT64_C(0x9e3779b97f4a7c15) * (2 * _i + 1) };

	vm_config_default(&cfg);
	cfg.frames = _i % 2 ? 1536 : 8192; /* odd runs: reclaim, fallbacks */
	cfg.swap_pages = 16384;
	cfg.state_dir = t_state;
	s.m = t_machine_cfg(&cfg);
	s.count = calloc(cfg.frames, sizeof(*s.count));
	ck_assert_ptr_nonnull(s.count);
	for (s.step = 0; s.step < S_STEPS; s.step++) {
		s_step(&s);
		s_check(&s);
	}
	for (int i = 0; i < S_PROCS; i++)
		if (s.proc[i].p)
			vm_proc_reap(s.m, s.proc[i].p);
	ck_assert_uint_eq(s.m->phys.count[VM_FRAME_ANON], 0);
	free(s.count);
	vm_machine_destroy(s.m);
}
END_TEST

Suite *
suite_huge(void)
{
	Suite *s = suite_create("huge");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, t_state_setup, t_state_teardown);
	tcase_add_test(tc, test_huge_2m_fault);
	tcase_add_test(tc, test_huge_bad_requests);
	tcase_add_test(tc, test_huge_fallback);
	tcase_add_test(tc, test_huge_split_munmap);
	tcase_add_test(tc, test_huge_split_mprotect);
	tcase_add_test(tc, test_huge_pinned_tail);
	tcase_add_test(tc, test_huge_fork);
	tcase_add_test(tc, test_huge_pageout);
	tcase_add_test(tc, test_huge_1g);
	tcase_add_loop_test(tc, test_huge_stress, 0, 4);
	tcase_set_timeout(tc, 240);
	suite_add_tcase(s, tc);
	return s;
}
