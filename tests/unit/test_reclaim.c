/*
 * test_reclaim.c - eviction to the LMDB swap store and back, the swap
 * cache, OOM, and leaks.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x30000000ull


static struct vm_machine *
swap_machine(uint64_t frames, uint64_t limit, uint64_t swap_pages,
	     uint64_t mapsize)
{
	struct vm_config c;

	vm_config_default(&c);
	c.frames = frames;
	c.user_limit = limit;
	c.swap_pages = swap_pages;
	c.swap_mapsize = mapsize;
	c.state_dir = t_state;
	return t_machine_cfg(&c);
}

static void
fill_page(uint8_t *buf, uint64_t page)
{
	for (unsigned i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(page * 31 + i * 7 + (i >> 8));
}

START_TEST(test_reclaim_roundtrip)
{
	/* 128 pages of data through 32 resident frames */
	struct vm_machine *m = swap_machine(256, 32, 1024, 0);
	struct vm_proc *p = t_spawn(m);
	uint8_t out[4096], in[4096];
	uint64_t npages = 128;

	t_map(m, p, BASE, npages * 4096, RW);
	for (uint64_t i = 0; i < npages; i++) {
		fill_page(out, i);
		ck_assert_int_eq(vm_mem_write(m, p, BASE + i * 4096, out, 4096),
				 4096);
	}
	ck_assert_uint_eq(m->user_pages, 32);
	ck_assert_uint_eq(p->rss_anon, 32);
	ck_assert_uint_eq(p->swapents, 96);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 96);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 0);
	/* an evicted page's PTE holds its slot as a swap entry */
	ck_assert(VM_PTE_IS_SWAP(t_pte(m, p, BASE)));
	ck_assert_uint_eq(vm_swap_count(m->swap, VM_SWP_SLOT(t_pte(m, p, BASE))),
			  1);
	for (uint64_t i = 0; i < npages; i++) {
		fill_page(out, i);
		ck_assert_int_eq(vm_mem_read(m, p, BASE + i * 4096, in, 4096),
				 4096);
		ck_assert_msg(memcmp(in, out, 4096) == 0, "page %llu differs",
			      (unsigned long long)i);
	}
	/* reading 0..31 pushed out 96..127 (dirty: written now), so every
	 * page came back from swap, each a major fault */
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpin], 128);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgmajfault], 128);
	ck_assert_uint_eq(p->stats.v[VM_STAT_pgmajfault], 128);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 128 + 128);
	ck_assert_uint_eq(p->rss_anon + p->swapents, npages);
	/* reading does not dirty: the 96 pages read back and evicted again
	 * still had their swap copies, and were not written twice */
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 96 + 32);
	ck_assert_uint_eq(m->stats.v[VM_STAT_swap_clean], 96);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgsteal_anon], 96 + 128);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_swap_cache)
{
	struct vm_machine *m = swap_machine(128, 0, 64, 0);
	struct vm_proc *p = t_spawn(m);
	uint64_t v, slot;

	t_map(m, p, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 0xfeed), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 1);
	slot = VM_SWP_SLOT(t_pte(m, p, BASE));
	ck_assert_uint_eq(slot, 1);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_uint_eq(v, 0xfeed);
	/* resident again, the copy kept: the slot is still taken */
	ck_assert_uint_eq(vm_swap_count(m->swap, slot), 1);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_swap_clean], 1);
	ck_assert_uint_eq(VM_SWP_SLOT(t_pte(m, p, BASE)), slot);
	/* dirtied after swap-in: written again, to the same slot */
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 0xbeef), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 2);
	ck_assert_uint_eq(VM_SWP_SLOT(t_pte(m, p, BASE)), slot);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_uint_eq(v, 0xbeef);
	/* unmapping a resident page with a copy frees the slot */
	ck_assert_int_eq(vm_munmap(m, p, BASE, 4096), 0);
	ck_assert_uint_eq(vm_swap_count(m->swap, slot), 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_zero_page_dropped)
{
	struct vm_machine *m = swap_machine(128, 0, 64, 0);
	struct vm_proc *p = t_spawn(m);
	uint64_t v = 1;

	t_map(m, p, BASE, 4096, RW);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	/* never written: nothing to keep, the PTE is empty again */
	ck_assert_uint_eq(t_pte(m, p, BASE), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 0);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_demand_zero], 2);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_memcg_limit)
{
	struct vm_machine *m = swap_machine(256, 0, 256, 0);
	struct vm_proc *a = t_spawn(m), *b = t_spawn(m);

	a->limit = 8;
	t_map(m, a, BASE, 32 * 4096, RW);
	t_map(m, b, BASE, 32 * 4096, RW);
	ck_assert_int_eq(vm_touch(m, b, BASE, 32 * 4096, VM_ACC_W), 0);
	ck_assert_int_eq(vm_touch(m, a, BASE, 32 * 4096, VM_ACC_W), 0);
	/* a is held to 8 frames, from its own pages; b keeps all of its */
	ck_assert_uint_eq(a->rss_anon, 8);
	ck_assert_uint_eq(a->swapents, 24);
	ck_assert_uint_eq(b->rss_anon, 32);
	ck_assert_uint_eq(b->swapents, 0);
	ck_assert_uint_eq(a->stats.v[VM_STAT_pswpout], 24);
	ck_assert_uint_eq(b->stats.v[VM_STAT_pswpout], 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_swap_full_oom)
{
	/* 16 data frames, 16 swap slots: room for 32 pages in all */
	struct vm_machine *m = swap_machine(256, 16, 16, 0);
	struct vm_proc *a = t_spawn(m), *b = t_spawn(m);
	int rc = 0;

	t_map(m, a, BASE, 64 * 4096, RW);
	t_map(m, b, BASE, 8 * 4096, RW);
	ck_assert_int_eq(vm_touch(m, b, BASE, 8 * 4096, VM_ACC_W), 0);
	for (uint64_t i = 0; i < 64 && rc == 0; i++)
		rc = vm_touch(m, a, BASE + i * 4096, 1, VM_ACC_W);
	/* a grew until memory and swap were full; it was the largest */
	ck_assert_int_eq(rc, -ENOMEM);
	ck_assert_uint_eq(a->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(a->exit_signal, 9);
	ck_assert_uint_eq(b->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 1);
	ck_assert_ptr_nonnull(strstr(t_log_last, "Killed process 1 (test)"));
	/* the machine goes on: b's pages read back */
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_int_eq(vm_touch(m, b, BASE + i * 4096, 8, VM_ACC_R),
				 0);
	vm_machine_destroy(m);
}
END_TEST

/* Lowering a process's limit below its resident set evicts its pages
 * to swap at once, as writing memory.max does. */
START_TEST(test_reclaim_set_limit_swaps)
{
	struct vm_machine *m = swap_machine(256, 0, 64, 0);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	uint64_t v;

	t_map(m, p, BASE, 16 * 4096, RW);
	t_map(m, q, BASE, 4 * 4096, RW);
	ck_assert_int_eq(vm_touch(m, q, BASE, 4 * 4096, VM_ACC_W), 0);
	for (uint64_t i = 0; i < 16; i++)
		ck_assert_int_eq(vm_store(m, p, BASE + i * 4096, 8, i + 100),
				 0);
	ck_assert_uint_eq(p->charged, 16);
	/* a limit above the charge, or none, evicts nothing */
	ck_assert_int_eq(vm_proc_set_limit(m, p, 20), 0);
	ck_assert_int_eq(vm_proc_set_limit(m, p, 0), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 0);
	ck_assert_int_eq(vm_proc_set_limit(m, p, 10), 0);
	ck_assert_uint_eq(p->limit, 10);
	ck_assert_uint_eq(p->charged, 10);
	ck_assert_uint_eq(p->rss_anon, 10);
	ck_assert_uint_eq(p->swapents, 6);
	ck_assert_uint_eq(p->stats.v[VM_STAT_pswpout], 6);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 6);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 0);
	/* q was not touched; p's data comes back under the limit */
	ck_assert_uint_eq(q->rss_anon, 4);
	ck_assert_uint_eq(q->swapents, 0);
	for (uint64_t i = 0; i < 16; i++) {
		ck_assert_int_eq(vm_load(m, p, BASE + i * 4096, 8, &v), 0);
		ck_assert_uint_eq(v, i + 100);
		ck_assert_uint_le(p->charged, 10);
	}
	ck_assert_uint_eq(p->state, VM_PROC_RUNNING);
	vm_machine_destroy(m);
}
END_TEST

/* Pages never written are dropped, so a limit needs no swap for them. */
START_TEST(test_reclaim_set_limit_drops_clean)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);

	t_map(m, p, BASE, 16 * 4096, RW);
	ck_assert_int_eq(vm_touch(m, p, BASE, 16 * 4096, VM_ACC_R), 0);
	ck_assert_int_eq(vm_proc_set_limit(m, p, 4), 0);
	ck_assert_uint_eq(p->charged, 4);
	ck_assert_uint_eq(p->rss_anon, 4);
	ck_assert_uint_eq(p->swapents, 0);
	ck_assert_uint_eq(p->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 0);
	vm_machine_destroy(m);
}
END_TEST

/* Without swap, dirty pages cannot go: the process is OOM-killed as by
 * a memory cgroup, and the write of the limit succeeds. */
START_TEST(test_reclaim_set_limit_oom)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	char want[200];

	t_map(m, p, BASE, 16 * 4096, RW);
	t_map(m, q, BASE, 4 * 4096, RW);
	ck_assert_int_eq(vm_touch(m, p, BASE, 16 * 4096, VM_ACC_W), 0);
	ck_assert_int_eq(vm_touch(m, q, BASE, 4 * 4096, VM_ACC_W), 0);
	/* 16 + 132 KiB of regions, 4 tables */
	snprintf(want, sizeof(want),
		 "Memory cgroup out of memory: Killed process %d (test) "
		 "total-vm:%llukB, anon-rss:64kB, swap:0kB, pgtables:16kB",
		 p->pid, (unsigned long long)(16 * 4 + VM_STACK_SIZE / 1024));
	ck_assert_int_eq(vm_proc_set_limit(m, p, 10), 0);
	ck_assert_str_eq(t_log_last, want);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 9);
	ck_assert_uint_eq(p->stats.v[VM_STAT_oom_kill], 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 1);
	ck_assert_uint_eq(q->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(q->rss_anon, 4);
	/* a zombie's limit cannot be set */
	ck_assert_int_eq(vm_proc_set_limit(m, p, 100), -ESRCH);
	ck_assert_uint_eq(p->limit, 10);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_map_full)
{
	/* 2000 slots, but a 256 KiB LMDB map: about 64 stored pages */
	struct vm_machine *m = swap_machine(256, 16, 2000, 256 * 1024);
	struct vm_proc *p = t_spawn(m);
	uint8_t buf[4096];
	uint64_t i;
	ssize_t rc = 0;

	t_map(m, p, BASE, 512 * 4096, RW);
	for (i = 0; i < 512 && rc >= 0; i++) {
		fill_page(buf, i);
		rc = vm_mem_write(m, p, BASE + i * 4096, buf, 4096);
	}
	/* LMDB's map filled: eviction failed, the OOM killer stepped in */
	ck_assert_int_eq(rc, -ENOMEM);
	ck_assert_uint_lt(i, 200);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 1);
	vm_machine_destroy(m);
}
END_TEST

static uint64_t
swapcached(struct vm_machine *m)
{
	uint64_t n = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++)
		n += m->phys.frames[pfn].obj == &m->pager.swap;
	return n;
}

START_TEST(test_reclaim_no_leaks)
{
	struct vm_machine *m = swap_machine(256, 24, 512, 0);
	uint64_t free0 = m->phys.nfree;
	struct vm_swap_info si;
	struct vm_proc *p[3];

	for (int k = 0; k < 3; k++) {
		p[k] = t_spawn(m);
		t_map(m, p[k], BASE, 40 * 4096, RW);
		ck_assert_int_eq(vm_touch(m, p[k], BASE, 40 * 4096, VM_ACC_W),
				 0);
	}
	ck_assert_int_eq(vm_touch(m, p[0], BASE, 40 * 4096, VM_ACC_R), 0);
	ck_assert_int_eq(vm_munmap(m, p[1], BASE + 4096, 8 * 4096), 0);
	/* every slot in use is held by a PTE or by a swap-cached frame */
	vm_swap_get_info(m->swap, &si);
	ck_assert_uint_gt(si.used, 0);
	ck_assert_uint_eq(si.used, p[0]->swapents + p[1]->swapents +
					   p[2]->swapents + swapcached(m));
	for (int k = 0; k < 3; k++)
		vm_proc_reap(m, p[k]);
	ck_assert_uint_eq(m->phys.nfree, free0);
	ck_assert_uint_eq(m->user_pages, 0);
	vm_swap_get_info(m->swap, &si);
	ck_assert_uint_eq(si.used, 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_crossing_store)
{
	/* fifo, 3 frames: A is the oldest when the store that crosses from
	 * A into B faults B in, so B's fault evicts A itself */
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t v = 0, a = BASE, b = BASE + 4096;

	vm_config_default(&c);
	c.frames = 128;
	c.swap_pages = 64;
	c.state_dir = t_state;
	snprintf(c.policy, sizeof(c.policy), "fifo");
	m = t_machine_cfg(&c);
	p = t_spawn(m);
	p->limit = 3;
	t_map(m, p, BASE, 8 * 4096, RW);
	ck_assert_int_eq(vm_store(m, p, a, 8, 0x1111111111111111ull), 0);
	ck_assert_int_eq(vm_store(m, p, BASE + 2 * 4096, 8, 2), 0);
	ck_assert_int_eq(vm_store(m, p, BASE + 3 * 4096, 8, 3), 0);
	ck_assert_int_eq(vm_store(m, p, b - 4, 8, 0x0102030405060708ull), 0);
	ck_assert_uint_eq(p->rss_anon, 3);
	ck_assert_int_eq(vm_load(m, p, b - 4, 8, &v), 0);
	ck_assert_uint_eq(v, 0x0102030405060708ull);
	ck_assert_int_eq(vm_load(m, p, a, 8, &v), 0);
	ck_assert_uint_eq(v, 0x1111111111111111ull);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_reclaim_crossing_tight)
{
	/* 2 frames: the store across A|B must not lose A to B's fault; with
	 * 1 frame it cannot run at all, and must not write anywhere */
	struct vm_machine *m = swap_machine(128, 0, 64, 0);
	struct vm_proc *p = t_spawn(m);
	uint64_t a = BASE, x = BASE + 5 * 4096, v = 0;
	uint8_t page[4096], want[4096];

	t_map(m, p, BASE, 8 * 4096, RW);
	memset(want, 0xaa, sizeof(want));
	ck_assert_int_eq(vm_mem_write(m, p, a, want, 4096), 4096);
	ck_assert_int_eq(vm_store(m, p, x, 8, 5), 0);
	p->limit = 2;
	ck_assert_int_eq(vm_store(m, p, a + 4094, 4, 0x44332211), 0);
	want[4094] = 0x11;
	want[4095] = 0x22;
	ck_assert_int_eq(vm_mem_read(m, p, a, page, 4096), 4096);
	ck_assert_mem_eq(page, want, 4096);
	ck_assert_int_eq(vm_load(m, p, a + 4096, 2, &v), 0);
	ck_assert_uint_eq(v, 0x4433);
	p->limit = 1;
	ck_assert_int_eq(vm_store(m, p, a + 4096 + 4094, 4, 0x55555555),
			 -ENOMEM);
	ck_assert_int_eq(vm_mem_read(m, p, a + 4096, page, 8), 8);
	ck_assert_uint_eq(page[0], 0x33);
	ck_assert_uint_eq(page[1], 0x44);
	ck_assert_int_eq(vm_mem_read(m, p, a + 2 * 4096, page, 8), 8);
	ck_assert_uint_eq(page[0], 0);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_reclaim(void)
{
	Suite *s = suite_create("reclaim");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_unchecked_fixture(limits, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_reclaim_roundtrip);
	tcase_add_test(core, test_reclaim_swap_cache);
	tcase_add_test(core, test_reclaim_zero_page_dropped);
	tcase_add_test(core, test_reclaim_memcg_limit);
	tcase_add_test(core, test_reclaim_crossing_store);
	tcase_add_test(core, test_reclaim_crossing_tight);
	tcase_add_test(core, test_reclaim_set_limit_swaps);
	tcase_add_test(core, test_reclaim_set_limit_drops_clean);
	tcase_add_test(limits, test_reclaim_swap_full_oom);
	tcase_add_test(limits, test_reclaim_set_limit_oom);
	tcase_add_test(limits, test_reclaim_map_full);
	tcase_add_test(limits, test_reclaim_no_leaks);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
