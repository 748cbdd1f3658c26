/*
 * test_policy.c - replacement policies on reference strings, eviction to
 * swap and back, OOM, and leaks.
 *
 * Fault counts are of every fault, compulsory ones included, with the
 * process limited to N resident data frames (page tables aside).  The
 * classic string is Silberschatz's; the counts of fifo, lru and opt are
 * the textbook's (15, 12, 9).  The others follow the policies as
 * policy.c defines them; the short string below is traced by hand.
 *
 * Clock on 1 2 3 1 4 1 5 with 3 frames (A bits in brackets, ^ the hand):
 *   1 2 3      3 faults, circle ^1[1] 2[1] 3[1]
 *   1          hit
 *   4          sweep clears 1, 2, 3 and comes back to 1: evict 1, 4 goes
 *              behind the hand: ^2[0] 3[0] 4[1]
 *   1          evict 2: ^3[0] 4[1] 1[1]
 *   5          evict 3: 6 faults in all
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x20000000ull

static const int classic[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3,
			       0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
static const int belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
static const int shortstr[] = { 1, 2, 3, 1, 4, 1, 5 };

/* The future of one reference string, for opt. */
struct future {
	const int *refs;
	size_t n, at;
};

static uint64_t
future_next(void *ctx, struct vm_proc *p, uint64_t va)
{
	struct future *f = ctx;
	int page = (int)((va - BASE) >> 12);

	for (size_t j = f->at + 1; j < f->n; j++)
		if (f->refs[j] == page)
			return j;
	return UINT64_MAX;
}

/* Runs refs under policy with frames data frames; returns the faults. */
static uint64_t
run_string(const char *policy, const int *refs, size_t n, unsigned frames,
	   uint64_t period)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	struct future fut = { .refs = refs, .n = n };
	uint64_t faults;

	vm_config_default(&c);
	c.frames = 128;
	c.aging_period = period;
	c.ws_tau = period;
	snprintf(c.policy, sizeof(c.policy), "%s", policy);
	m = t_machine_cfg(&c);
	m->next_use = future_next;
	m->next_use_ctx = &fut;
	p = t_spawn(m);
	p->limit = frames;
	t_map(m, p, BASE, 16 * 4096, RW);
	for (fut.at = 0; fut.at < n; fut.at++)
		ck_assert_int_eq(vm_touch(m, p, BASE + refs[fut.at] * 4096ull,
					  1, VM_ACC_R), 0);
	faults = p->stats.v[VM_STAT_pgfault];
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], faults);
	ck_assert_uint_le(p->rss_anon, frames);
	ck_assert_uint_eq(m->stats.v[VM_STAT_accesses], n);
	vm_machine_destroy(m);
	return faults;
}

#define RUN(pol, s, frames, period)                                           \
	run_string(pol, s, sizeof(s) / sizeof(s[0]), frames, period)

START_TEST(test_policy_textbook)
{
	ck_assert_uint_eq(RUN("fifo", classic, 3, 1000), 15);
	ck_assert_uint_eq(RUN("lru", classic, 3, 1000), 12);
	ck_assert_uint_eq(RUN("opt", classic, 3, 1000), 9);
}
END_TEST

START_TEST(test_policy_belady_anomaly)
{
	ck_assert_uint_eq(RUN("fifo", belady, 3, 1000), 9);
	ck_assert_uint_eq(RUN("fifo", belady, 4, 1000), 10);
	/* stack algorithms have no anomaly */
	ck_assert_uint_eq(RUN("lru", belady, 3, 1000), 10);
	ck_assert_uint_eq(RUN("lru", belady, 4, 1000), 8);
	ck_assert_uint_eq(RUN("opt", belady, 3, 1000), 7);
	ck_assert_uint_eq(RUN("opt", belady, 4, 1000), 6);
}
END_TEST

START_TEST(test_policy_every_policy)
{
	ck_assert_uint_eq(RUN("clock", shortstr, 3, 1000), 6);
	ck_assert_uint_eq(RUN("clock", classic, 3, 1000), 14);
	ck_assert_uint_eq(RUN("nru", classic, 3, 1000), 14);
	ck_assert_uint_eq(RUN("random", classic, 3, 1000), 12);
	/* aging that samples every access is LRU here; never is FIFO */
	ck_assert_uint_eq(RUN("aging", classic, 3, 1), 12);
	ck_assert_uint_eq(RUN("aging", classic, 3, 1000), 15);
	ck_assert_uint_eq(RUN("aging", classic, 3, 2), 14);
	ck_assert_uint_eq(RUN("wsclock", classic, 3, 2), 13);
	ck_assert_uint_eq(RUN("wsclock", classic, 3, 1000), 14);
	ck_assert_uint_eq(RUN("lru2", classic, 3, 1000), 13);
}
END_TEST

START_TEST(test_policy_global_limit)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;

	vm_config_default(&c);
	c.frames = 128;
	c.user_limit = 3;
	snprintf(c.policy, sizeof(c.policy), "fifo");
	m = t_machine_cfg(&c);
	p = t_spawn(m);
	t_map(m, p, BASE, 16 * 4096, RW);
	for (size_t i = 0; i < sizeof(classic) / sizeof(classic[0]); i++)
		ck_assert_int_eq(vm_touch(m, p, BASE + classic[i] * 4096ull, 1,
					  VM_ACC_R), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 15);
	ck_assert_uint_eq(m->user_pages, 3);
	/* 15 faults, 12 of them needed room */
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgsteal_direct], 12);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_policy_switch_at_run_time)
{
	struct vm_machine *m = t_machine(128);
	struct vm_proc *p = t_spawn(m);

	p->limit = 3;
	t_map(m, p, BASE, 16 * 4096, RW);
	ck_assert_int_eq(vm_touch(m, p, BASE, 3 * 4096, VM_ACC_R), 0);
	ck_assert_int_eq(vm_reclaim_set_policy(m, "nonsense"), -EINVAL);
	ck_assert_str_eq(m->cfg.policy, "clock");
	ck_assert_int_eq(vm_reclaim_set_policy(m, "fifo"), 0);
	ck_assert_str_eq(m->cfg.policy, "fifo");
	/* the resident pages were handed over in PFN order: 0 goes first */
	ck_assert_int_eq(vm_touch(m, p, BASE + 3 * 4096, 1, VM_ACC_R), 0);
	ck_assert_uint_eq(t_pte(m, p, BASE), 0);
	ck_assert(t_pte(m, p, BASE + 4096) & VM_PTE_P);
	ck_assert_ptr_null(vm_policy_find("bogus"));
	ck_assert_ptr_nonnull(vm_policy_at(0));
	vm_machine_destroy(m);
}
END_TEST

/* Every policy holds a limited process to its limit from its own pages
 * while another process's pages sit on the same lists. */
START_TEST(test_policy_limit_with_neighbour)
{
	for (unsigned i = 0; vm_policy_at(i); i++) {
		const char *name = vm_policy_at(i)->name;
		struct vm_machine *m = t_machine(256);
		struct vm_proc *a = t_spawn(m), *b = t_spawn(m);

		ck_assert_int_eq(vm_reclaim_set_policy(m, name), 0);
		t_map(m, a, BASE, 16 * 4096, RW);
		ck_assert_int_eq(vm_touch(m, a, BASE, 16 * 4096, VM_ACC_W), 0);
		b->limit = 3;
		t_map(m, b, BASE, 16 * 4096, RW);
		for (size_t k = 0; k < sizeof(classic) / sizeof(classic[0]); k++)
			ck_assert_msg(vm_touch(m, b, BASE + classic[k] * 4096ull,
					       1, VM_ACC_R) == 0,
				      "%s: reference %zu", name, k);
		ck_assert_uint_le(b->rss_anon, 3);
		ck_assert_uint_eq(a->rss_anon, 16);
		vm_machine_destroy(m);
	}
}
END_TEST

/* Without swap a dirty page cannot go; reclaim passes over it to the
 * clean ones instead of calling the OOM killer. */
START_TEST(test_policy_skip_unwritable)
{
	for (unsigned i = 0; vm_policy_at(i); i++) {
		const char *name = vm_policy_at(i)->name;
		struct vm_machine *m = t_machine(32);
		struct vm_proc *p = t_spawn(m);
		uint64_t v = 0;

		ck_assert_int_eq(vm_reclaim_set_policy(m, name), 0);
		t_map(m, p, BASE, 64 * 4096, RW);
		ck_assert_int_eq(vm_store(m, p, BASE, 8, 77), 0);
		for (uint64_t k = 1; k < 64; k++)
			ck_assert_msg(vm_touch(m, p, BASE + k * 4096, 1,
					       VM_ACC_R) == 0,
				      "%s: page %llu", name,
				      (unsigned long long)k);
		ck_assert_uint_eq(m->stats.v[VM_STAT_oom_kill], 0);
		ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
		ck_assert_uint_eq(v, 77);
		vm_machine_destroy(m);
	}
}
END_TEST

Suite *
suite_policy(void)
{
	Suite *s = suite_create("policy");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_policy_textbook);
	tcase_add_test(core, test_policy_belady_anomaly);
	tcase_add_test(core, test_policy_every_policy);
	tcase_add_test(core, test_policy_switch_at_run_time);
	tcase_add_test(limits, test_policy_global_limit);
	tcase_add_test(limits, test_policy_limit_with_neighbour);
	tcase_add_test(limits, test_policy_skip_unwritable);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
