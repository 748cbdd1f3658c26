/*
 * test_sysfmt.c - the CPU's and the tasks' /proc files (stat, cpuinfo,
 * loadavg, comm, oom_score, and whom self names), and the clock's
 * split into user and system time they read.
 *
 * Machines are built and driven by the library's own calls: stores that
 * fault pages in, madvise pageout to swap, loads that read them back.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#include "../../fs/procfmt.h"
#include "../../fs/sysfmt.h"

Suite *suite_sysfmt(void);

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x10000000ull

static struct vm_machine *
swap_machine(uint64_t frames)
{
	struct vm_config c;

	vm_config_default(&c);
	c.frames = frames;
	c.swap_pages = 64;
	c.state_dir = t_state;
	return t_machine_cfg(&c);
}

static char *
take(struct sbuf *sb)
{
	size_t n;
	char *b;

	ck_assert_int_eq(sb->err, 0);
	b = sbuf_take(sb, &n);
	if (!b)
		b = calloc(1, 1);
	ck_assert_ptr_nonnull(b);
	return b;
}

static char *
render_stat(struct vm_machine *m, uint64_t btime)
{
	struct sbuf sb;

	sbuf_init(&sb);
	ck_assert_int_eq(fmt_cpu_stat(m, btime, &sb), 0);
	return take(&sb);
}

static char *
render_m(int (*fn)(struct vm_machine *, struct sbuf *), struct vm_machine *m)
{
	struct sbuf sb;

	sbuf_init(&sb);
	ck_assert_int_eq(fn(m, &sb), 0);
	return take(&sb);
}

static char *
render_p(int (*fn)(struct vm_machine *, struct vm_proc *, struct sbuf *),
	 struct vm_machine *m, struct vm_proc *p)
{
	struct sbuf sb;

	sbuf_init(&sb);
	ck_assert_int_eq(fn(m, p, &sb), 0);
	return take(&sb);
}

/* ---- the clock's system part ---------------------------------------- */

/* A fault and swap I/O are system time; accesses are user time. */
START_TEST(test_sysfmt_clock_split)
{
	struct vm_machine *m = swap_machine(64);
	struct vm_proc *p = t_spawn(m);
	const struct vm_config *c = &m->cfg;
	uint64_t v, sys;

	t_map(m, p, BASE, 4096, RW);
	ck_assert_uint_eq(m->clock_sys, 0);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 7), 0);
	ck_assert_uint_eq(m->clock_sys, c->cost_minor_fault);
	ck_assert_uint_gt(m->clock - m->clock_sys, 0);
	sys = m->clock_sys;
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_uint_eq(m->clock_sys, sys); /* a hit: user time only */
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(m->clock_sys, sys + c->cost_swap_out);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_uint_eq(m->clock_sys,
			  sys + c->cost_swap_out + c->cost_major_fault);
	ck_assert_uint_le(m->clock_sys, m->clock);
	vm_machine_destroy(m);
}
END_TEST

/* A process's time is that of its own accesses and what they did: two
 * processes' add up to the clock but for a pageout no access made, and
 * stat's utime and stime are it in ticks. */
START_TEST(test_sysfmt_proc_time)
{
	struct vm_machine *m = swap_machine(64);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	const struct vm_config *c = &m->cfg;
	uint64_t v, out;
	char *s;

	m->cfg.cost_minor_fault = 30000000; /* 3 ticks a fault */
	t_map(m, p, BASE, 4096, RW);
	t_map(m, q, BASE, 2 * 4096, RW);
	ck_assert_int_eq(vm_store(m, p, BASE, 8, 7), 0);
	ck_assert_int_eq(vm_store(m, q, BASE, 8, 7), 0);
	ck_assert_int_eq(vm_store(m, q, BASE + 4096, 8, 7), 0);
	ck_assert_uint_eq(p->cpu_sys_ns, c->cost_minor_fault);
	ck_assert_uint_eq(q->cpu_sys_ns, 2 * c->cost_minor_fault);
	ck_assert_uint_eq(p->cpu_ns + q->cpu_ns, m->clock);
	out = m->clock;
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_int_eq(vm_load(m, p, BASE, 8, &v), 0); /* a major fault */
	ck_assert_uint_eq(p->cpu_sys_ns,
			  c->cost_minor_fault + c->cost_major_fault);
	ck_assert_uint_eq(p->cpu_ns + q->cpu_ns + c->cost_swap_out, m->clock);
	ck_assert_uint_gt(m->clock, out);
	s = render_p(fmt_stat, m, q);
	{
		/* fields 14 and 15, counted from 3 (state) after the name */
		const char *at = strrchr(s, ')') + 2;
		unsigned long long ut = 0, st = 0;

		for (int field = 3; field < 14; field++)
			at = strchr(at, ' ') + 1;
		ck_assert_int_eq(sscanf(at, "%llu %llu", &ut, &st), 2);
		ck_assert_uint_eq(ut, (q->cpu_ns - q->cpu_sys_ns) / 10000000);
		ck_assert_uint_eq(st, q->cpu_sys_ns / 10000000);
	}
	ck_assert_uint_eq(q->cpu_sys_ns / 10000000, 6);
	free(s);
	vm_machine_destroy(m);
}
END_TEST

/* ---- stat ----------------------------------------------------------- */

START_TEST(test_sysfmt_stat)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *a = t_spawn(m), *b = t_spawn(m);
	char *out, want[256];

	t_map(m, a, BASE, 4096, RW);
	t_map(m, b, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, a, BASE, 8, 1), 0);
	ck_assert_int_eq(vm_store(m, b, BASE, 8, 1), 0);
	ck_assert_int_eq(vm_store(m, a, BASE, 8, 1), 0);
	ck_assert_uint_eq(m->cpu.ctxt, 3); /* to a, to b, back to a */
	m->clock = 7000000000ull;	   /* 7 s: 700 ticks */
	m->clock_sys = 2500000000ull;	   /* 250 of them system */
	vm_proc_kill(m, b, 9);
	out = render_stat(m, 1700000000);
	snprintf(want, sizeof(want),
		 "cpu  450 0 250 0 0 0 0 0 0 0\n"
		 "cpu0 450 0 250 0 0 0 0 0 0 0\n"
		 "intr 0\nctxt 3\nbtime 1700000000\nprocesses 2\n"
		 "procs_running 1\nprocs_blocked 0\n"
		 "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
	ck_assert_str_eq(out, want);
	free(out);
	out = render_m(fmt_loadavg, m);
	ck_assert_str_eq(out, "1.00 1.00 1.00 1/2 2\n");
	free(out);
	vm_machine_destroy(m);
}
END_TEST

/* ---- cpuinfo -------------------------------------------------------- */

START_TEST(test_sysfmt_cpuinfo)
{
	struct vm_machine *m = t_machine(256); /* 1 MiB: 20 bits */
	char *out = render_m(fmt_cpuinfo, m), *flags;

	ck_assert_ptr_nonnull(strstr(out, "processor\t: 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nTLB size\t: 64 4K pages\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "\naddress sizes\t: 20 bits physical, "
			    "48 bits virtual\n"));
	flags = strstr(out, "\nflags\t\t: ");
	ck_assert_ptr_nonnull(flags);
	ck_assert_ptr_nonnull(strstr(flags, " pcid\n")); /* ASIDs on */
	ck_assert_ptr_null(strstr(out, "la57"));
	ck_assert_ptr_null(strstr(out, "processor\t: 1")); /* one CPU */
	ck_assert_str_eq(out + strlen(out) - 19, "power management:\n\n");
	free(out);
	vm_machine_destroy(m);
}
END_TEST

/* ---- self, comm, oom_score ------------------------------------------ */

START_TEST(test_sysfmt_self)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *a, *b;

	ck_assert_ptr_null(fmt_self(m));
	a = t_spawn(m);
	b = t_spawn(m);
	ck_assert_ptr_eq(fmt_self(m), b); /* nothing ran: the newest */
	t_map(m, a, BASE, 4096, RW);
	ck_assert_int_eq(vm_store(m, a, BASE, 8, 1), 0);
	ck_assert_ptr_eq(fmt_self(m), a); /* the one on the CPU */
	vm_proc_kill(m, a, 9);
	ck_assert_ptr_eq(fmt_self(m), b); /* off the CPU: the newest live */
	vm_proc_kill(m, b, 9);
	ck_assert_ptr_eq(fmt_self(m), b); /* all zombies: the newest */
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_sysfmt_comm_oom_score)
{
	struct vm_machine *m = swap_machine(64);
	struct vm_proc *p = t_spawn(m);
	uint64_t badness, want;
	char *out, buf[32];

	snprintf(p->comm, sizeof(p->comm), "%s", "fifteen-chars-x");
	out = render_p(fmt_comm, m, p);
	ck_assert_str_eq(out, "fifteen-chars-x\n");
	free(out);
	t_map(m, p, BASE, 8 * 4096, RW);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(vm_store(m, p, BASE + i * 4096, 8, 1), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 2 * 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(p->swapents, 2);
	badness = vm_proc_rss(p) + p->swapents + p->pt_pages;
	/* 64 frames and 63 slots: the swap area's first page is its header */
	want = (1000 + badness * 1000 / (64 + 63)) * 2 / 3;
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", want);
	out = render_p(fmt_oom_score, m, p);
	ck_assert_str_eq(out, buf);
	ck_assert_uint_gt(want, 666);
	free(out);
	vm_proc_kill(m, p, 9);
	out = render_p(fmt_oom_score, m, p);
	ck_assert_str_eq(out, "0\n");
	free(out);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_sysfmt(void)
{
	Suite *s = suite_create("sysfmt");
	TCase *core = tcase_create("core");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_sysfmt_clock_split);
	tcase_add_test(core, test_sysfmt_proc_time);
	tcase_add_test(core, test_sysfmt_stat);
	tcase_add_test(core, test_sysfmt_cpuinfo);
	tcase_add_test(core, test_sysfmt_self);
	tcase_add_test(core, test_sysfmt_comm_oom_score);
	suite_add_tcase(s, core);
	return s;
}
