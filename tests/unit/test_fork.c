/*
 * test_fork.c - fork with copy-on-write, the swap cache shared by forked
 * pages, and pinned reads of PID/mem.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "lib.h"
#include "vmlab/frame.h"
#include "vmlab/pager.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x30000000ull
#define PAGES 16

static struct vm_machine *
fork_machine(uint64_t frames, uint64_t swap_pages)
{
	struct vm_config c;

	vm_config_default(&c);
	c.frames = frames;
	c.swap_pages = swap_pages;
	c.state_dir = swap_pages ? t_state : NULL;
	return t_machine_cfg(&c);
}

/* p with PAGES pages at BASE, page i filled with byte 'a' + i. */
static struct vm_proc *
parent_with_pages(struct vm_machine *m)
{
	struct vm_proc *p = t_spawn(m);
	uint8_t page[4096];

	t_map(m, p, BASE, PAGES * 4096, RW);
	for (int i = 0; i < PAGES; i++) {
		memset(page, 'a' + i, sizeof(page));
		ck_assert_int_eq(vm_mem_write(m, p, BASE + i * 4096ull, page,
					      4096), 4096);
	}
	return p;
}

static uint8_t
byte_at(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	uint8_t b = 0;

	ck_assert_int_eq(vm_mem_read(m, p, va, &b, 1), 1);
	return b;
}

static void
poke(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint8_t b)
{
	ck_assert_int_eq(vm_mem_write(m, p, va, &b, 1), 1);
}

START_TEST(test_fork_shares_every_page_cow)
{
	struct vm_machine *m = fork_machine(256, 0);
	struct vm_proc *p = parent_with_pages(m), *c;
	uint64_t alloc = m->stats.v[VM_STAT_pgalloc_normal];

	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	/* page tables only: the child's root, PDPT, PD and PT */
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgalloc_normal] - alloc, 4);
	ck_assert_int_eq(c->ppid, p->pid);
	ck_assert_str_eq(c->comm, p->comm);
	ck_assert_uint_eq(c->rss_anon, PAGES);
	for (int i = 0; i < PAGES; i++) {
		uint64_t va = BASE + i * 4096ull;
		uint64_t pp = t_pte(m, p, va), cp = t_pte(m, c, va);

		ck_assert_uint_eq(VM_PTE2PFN(pp), VM_PTE2PFN(cp));
		ck_assert(pp & VM_PTE_COW && !(pp & VM_PTE_RW));
		ck_assert(cp & VM_PTE_COW && !(cp & VM_PTE_RW));
		ck_assert_uint_eq(vm_frame_mapcount(&m->phys, VM_PTE2PFN(pp)), 2);
	}
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_write_copies_then_reuses)
{
	struct vm_machine *m = fork_machine(256, 0);
	struct vm_proc *p = parent_with_pages(m), *c;
	uint64_t pfn0;

	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	pfn0 = VM_PTE2PFN(t_pte(m, p, BASE));
	poke(m, c, BASE, 'X');			/* child: a copy */
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 1);
	ck_assert_uint_ne(VM_PTE2PFN(t_pte(m, c, BASE)), pfn0);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, pfn0), 1);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'a');
	ck_assert_uint_eq(byte_at(m, c, BASE), 'X');
	poke(m, p, BASE, 'Y');			/* parent: alone now, reuse */
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_reuse], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 1);
	ck_assert_uint_eq(VM_PTE2PFN(t_pte(m, p, BASE)), pfn0);
	ck_assert(t_pte(m, p, BASE) & VM_PTE_RW);
	ck_assert(!(t_pte(m, p, BASE) & VM_PTE_COW));
	ck_assert_uint_eq(byte_at(m, c, BASE), 'X');
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096), 'b');
	ck_assert_uint_eq(byte_at(m, c, BASE + 4096), 'b');
	/* the child's exit leaves the parent every page, now its alone */
	vm_proc_reap(m, c);
	for (int i = 1; i < PAGES; i++)
		ck_assert_uint_eq(
			vm_frame_mapcount(&m->phys, VM_PTE2PFN(t_pte(m, p, BASE + i * 4096ull))), 1);
	poke(m, p, BASE + 4096, 'Z');
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_reuse], 2);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_swap_cache_one_frame)
{
	struct vm_machine *m = fork_machine(256, 256);
	struct vm_proc *p = parent_with_pages(m), *c;
	uint64_t slot, pfn;

	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, PAGES * 4096, VM_ADV_PAGEOUT),
			 0);
	/* written once, each slot held by both PTEs */
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], PAGES);
	ck_assert_uint_eq(p->swapents, PAGES);
	ck_assert_uint_eq(c->swapents, PAGES);
	ck_assert_uint_eq(c->rss_anon, 0);
	slot = VM_SWP_SLOT(t_pte(m, p, BASE));
	ck_assert_uint_eq(VM_SWP_SLOT(t_pte(m, c, BASE)), slot);
	ck_assert_uint_eq(vm_pager_slot_refs(m, slot), 2);
	/* the parent reads it back: one read; the child finds the frame */
	ck_assert_uint_eq(byte_at(m, p, BASE), 'a');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 1);
	ck_assert_uint_eq(byte_at(m, c, BASE), 'a');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgmajfault], 1);
	pfn = VM_PTE2PFN(t_pte(m, p, BASE));
	ck_assert_uint_eq(VM_PTE2PFN(t_pte(m, c, BASE)), pfn);
	ck_assert_uint_eq(vm_frame_mapcount(&m->phys, pfn), 2);
	/* the swap cache's reference only */
	ck_assert_uint_eq(vm_pager_slot_refs(m, slot), 1);
	/* still shared: a write copies, the other keeps the old bytes */
	poke(m, c, BASE, 'Q');
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 1);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'a');
	vm_proc_reap(m, c);
	vm_proc_reap(m, p);
	ck_assert_uint_eq(vm_pager_swap_next(m, 0), 0);
	ck_assert_uint_eq(m->user_pages, 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_swapped_page_written_by_one)
{
	struct vm_machine *m = fork_machine(256, 256);
	struct vm_proc *p = parent_with_pages(m), *c;

	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	/* the child writes the swapped page: read in, then copied */
	poke(m, c, BASE + 10, 'W');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 1);
	ck_assert_uint_eq(byte_at(m, p, BASE + 10), 'a');
	ck_assert_uint_eq(byte_at(m, c, BASE + 10), 'W');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 1);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_shared_anon_stays_shared)
{
	struct vm_machine *m = fork_machine(256, 0);
	struct vm_proc *p = t_spawn(m), *c;
	struct vm_mmap_req r = { .addr = BASE, .len = 2 * 4096, .prot = RW,
				 .flags = VM_MAP_FIXED | VM_MAP_SHARED };
	uint64_t at;

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	poke(m, p, BASE, 'p');
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	ck_assert(t_pte(m, c, BASE) & VM_PTE_RW);
	poke(m, c, BASE, 'c');
	ck_assert_uint_eq(byte_at(m, p, BASE), 'c');
	/* a page first faulted after the fork is shared too (shmem) */
	poke(m, p, BASE + 4096, 'q');
	ck_assert_uint_eq(byte_at(m, c, BASE + 4096), 'q');
	ck_assert_uint_eq(VM_PTE2PFN(t_pte(m, c, BASE + 4096)),
			  VM_PTE2PFN(t_pte(m, p, BASE + 4096)));
	/* dropped by one side, it is read back from the object */
	ck_assert_int_eq(vm_madvise(m, c, BASE, 8192, VM_ADV_DONTNEED), 0);
	ck_assert_uint_eq(byte_at(m, c, BASE + 4096), 'q');
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_shared_clean_page_stays_shared)
{
	/* a shared page read but never written is still the one page both
	 * sides share: evicting it must not leave each its own zeros */
	struct vm_machine *m = fork_machine(256, 64);
	struct vm_proc *p = t_spawn(m), *c;
	struct vm_mmap_req r = { .addr = BASE, .len = 4096, .prot = RW,
				 .flags = VM_MAP_FIXED | VM_MAP_SHARED };
	uint64_t at;

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(byte_at(m, p, BASE), 0);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(t_pte(m, c, BASE), 0); /* the object keeps it */
	poke(m, p, BASE, 'p');
	ck_assert_uint_eq(byte_at(m, c, BASE), 'p');
	/* written, evicted: to a slot of the object's, read back by both */
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 1);
	ck_assert_uint_eq(byte_at(m, c, BASE), 'p');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 1);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'p');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 1);
	vm_proc_reap(m, c);
	vm_proc_reap(m, p);
	ck_assert_uint_eq(vm_pager_swap_next(m, 0), 0); /* slot freed */
	ck_assert_uint_eq(m->user_pages, 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_readonly_private_stays_private)
{
	/* a read-only private page is shared COW too: mprotect may give
	 * either side write access later */
	struct vm_machine *m = fork_machine(256, 0);
	struct vm_proc *p = t_spawn(m), *c;

	t_map(m, p, BASE, 4096, RW);
	poke(m, p, BASE, 'a');
	ck_assert_int_eq(vm_mprotect(m, p, BASE, 4096, VM_PROT_READ), 0);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), 0);
	ck_assert(t_pte(m, p, BASE) & VM_PTE_COW);
	ck_assert(t_pte(m, c, BASE) & VM_PTE_COW);
	ck_assert_int_eq(vm_mprotect(m, c, BASE, 4096, RW), 0);
	ck_assert(!(t_pte(m, c, BASE) & VM_PTE_RW));
	poke(m, c, BASE, 'c');
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 1);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'a');
	ck_assert_uint_eq(byte_at(m, c, BASE), 'c');
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_pinned_read_under_limit)
{
	/* a 100-byte read across two pages by a process limited to one
	 * frame: no pin may starve it, no one is killed, nothing is short */
	struct vm_machine *m = fork_machine(256, 256);
	struct vm_proc *p = t_spawn(m), *other = t_spawn(m);
	struct vm_mem_span sp[2];
	uint8_t buf[100];
	size_t n;

	t_map(m, p, BASE, 2 * 4096, RW);
	t_map(m, other, BASE, 4096, RW);
	poke(m, other, BASE, 'o');
	poke(m, p, BASE + 4096 - 50, 'L');
	poke(m, p, BASE + 4096, 'R');
	p->limit = 1;
	ck_assert_int_eq(vm_mem_pin_read(m, p, BASE + 4096 - 50, 100, sp, &n),
			 -E2BIG);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(vm_mem_read(m, p, BASE + 4096 - 50, buf, 100), 100);
	ck_assert_uint_eq(buf[0], 'L');
	ck_assert_uint_eq(buf[50], 'R');
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 0);
	ck_assert_int_eq(other->state, VM_PROC_RUNNING);
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	/* with room, the same read pins both frames and gives them back */
	p->limit = 0;
	ck_assert_int_eq(vm_mem_pin_read(m, p, BASE + 4096 - 50, 100, sp, &n),
			 100);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(m->phys.frames[sp[0].pfn].pin, 1);
	ck_assert_uint_eq(m->phys.frames[sp[1].pfn].pin, 1);
	vm_mem_unpin(m, sp, n);
	ck_assert_uint_eq(m->phys.frames[sp[0].pfn].pin, 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_fork_of_zombie_refused)
{
	struct vm_machine *m = fork_machine(256, 0);
	struct vm_proc *p = t_spawn(m), *c;

	vm_proc_kill(m, p, 9);
	ck_assert_int_eq(vm_proc_fork(m, p, &c), -ESRCH);
	ck_assert_ptr_null(c);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_fork(void)
{
	Suite *s = suite_create("fork");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_fork_shares_every_page_cow);
	tcase_add_test(core, test_fork_write_copies_then_reuses);
	tcase_add_test(core, test_fork_swap_cache_one_frame);
	tcase_add_test(core, test_fork_swapped_page_written_by_one);
	tcase_add_test(core, test_fork_shared_anon_stays_shared);
	tcase_add_test(core, test_fork_readonly_private_stays_private);
	tcase_add_test(core, test_fork_shared_clean_page_stays_shared);
	tcase_add_test(core, test_fork_pinned_read_under_limit);
	tcase_add_test(errors, test_fork_of_zombie_refused);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
