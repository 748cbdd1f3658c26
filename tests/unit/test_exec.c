/*
 * test_exec.c - ctl lines carried out on a machine; traces replayed.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "lib.h"
#include "vmlab/exec.h"

/* Parses and carries out one line; returns the executor's result. */
static int
run(struct vm_machine *m, struct vm_proc *p, const char *line,
    struct vm_ctl_result *res)
{
	struct vm_ctl_cmd cmd;
	char err[128];
	int rc = vm_ctl_parse(line, strlen(line),
			      p ? VM_CTL_PROC : VM_CTL_GLOBAL, &cmd, err,
			      sizeof(err));

	if (rc)
		return rc;
	return vm_ctl_exec(m, p, &cmd, res, err, sizeof(err));
}

START_TEST(test_exec_spawn_mmap_touch)
{
	struct vm_machine *m = t_machine(256);
	struct vm_ctl_result res;
	struct vm_proc *p;

	ck_assert_int_eq(run(m, NULL, "spawn worker", &res), 0);
	ck_assert_int_eq(res.pid, 1);
	p = vm_machine_proc(m, 1);
	ck_assert_str_eq(p->comm, "worker");
	ck_assert_int_eq(run(m, p, "mmap 0x400000 16K rw- populate", &res), 0);
	ck_assert_uint_eq(res.addr, 0x400000);
	ck_assert_uint_eq(p->rss_anon, 4);
	ck_assert_int_eq(run(m, p, "mmap auto 8K r--", &res), 0);
	ck_assert_uint_eq(res.addr, VM_MMAP_BASE - 8192);
	ck_assert_int_eq(run(m, p, "touch 0x400000 3 w", &res), 0);
	ck_assert(t_pte(m, p, 0x400000) & VM_PTE_D);
	ck_assert_int_eq(run(m, p, "mprotect 0x400000 4K r--", &res), 0);
	ck_assert_int_eq(run(m, p, "madvise 0x401000 4K dontneed", &res), 0);
	ck_assert_uint_eq(p->rss_anon, 3);
	ck_assert_int_eq(run(m, p, "msync 0x400000 16K", &res), 0);
	ck_assert_int_eq(run(m, p, "msync 0x400000 20K", &res), -ENOMEM);
	ck_assert_int_eq(run(m, p, "munmap 0x400000 16K", &res), 0);
	ck_assert_uint_eq(p->rss_anon, 0);
	/* a write to a read-only page: the process dies, the line is done */
	ck_assert_int_eq(run(m, p, "touch auto 1 w", &res), -EINVAL);
	ck_assert_int_eq(run(m, p, "touch 0x7efffffff000 1 w", &res), 0);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(run(m, p, "touch 0x7efffffff000 1 r", &res), -ESRCH);
	ck_assert_int_eq(run(m, NULL, "kill 1", &res), 0);
	ck_assert_ptr_null(vm_machine_proc(m, 1));
	ck_assert_int_eq(run(m, NULL, "kill 1", &res), -ENOENT);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_exec_touch_kernel)
{
	struct vm_machine *m = t_machine(256);
	struct vm_ctl_result res;
	struct vm_proc *p = t_spawn(m);
	struct vm_tlb_entry *e;

	/* the supervisor reaches the kernel half: a global TLB entry */
	ck_assert_int_eq(run(m, p, "touch 0xffffffff80001000 8 r kernel", &res),
			 0);
	e = vm_tlb_peek(&m->cpu.tlb, p->asid, 0xffffffff80001000ull);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->flags & VM_TLB_G);
	ck_assert(!(e->flags & VM_TLB_US));
	/* and a user page, demand-zero as for the process */
	ck_assert_int_eq(run(m, p, "touch 0x7fffffffe000 1 w kernel", &res), 0);
	ck_assert_uint_eq(p->rss_anon, 1);
	/* refused: the write fails, the process lives */
	ck_assert_int_eq(run(m, p, "touch 0xffffffff80000000 1 w kernel",
			     &res), -EFAULT);
	ck_assert_int_eq(run(m, p, "touch 0x5000000 1 r kernel", &res),
			 -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_RUNNING);
	ck_assert_uint_eq(m->stats.v[VM_STAT_prot_fault], 2);
	ck_assert_uint_eq(m->stats.v[VM_STAT_segv], 0);
	ck_assert_int_eq(run(m, p, "touch 0x1000 1 r kernal", &res), -EINVAL);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_exec_errors)
{
	struct vm_machine *m = t_machine(256);
	struct vm_ctl_result res;
	struct vm_proc *p = t_spawn(m);

	ck_assert_int_eq(run(m, p, "mmap 0x400001 4K rw-", &res), -EINVAL);
	/* a machine without a files/ directory has no file to map */
	ck_assert_int_eq(run(m, p, "mmap 0x400000 4K rw- file=x", &res),
			 -ENOENT);
	/* huge pages: aligned, private and anonymous */
	ck_assert_int_eq(run(m, p, "mmap 0x500000 4M rw- huge=2M", &res),
			 -EINVAL);
	ck_assert_int_eq(run(m, p, "mmap 0x400000 3M rw- huge=2M", &res),
			 -EINVAL);
	ck_assert_int_eq(run(m, p, "mmap 0x400000 4M rw- shared huge=2M",
			     &res),
			 -EINVAL);
	ck_assert_int_eq(run(m, p, "exec x", &res), -ENOENT);
	ck_assert_int_eq(run(m, NULL, "hibernate", &res), -EOPNOTSUPP);
	ck_assert_int_eq(run(m, p, "munmap 0x400000 0", &res), -EINVAL);
	ck_assert_int_eq(run(m, p, "mprotect 0x400000 4K rw-", &res), -ENOMEM);
	/* nothing of that changed the process */
	ck_assert_uint_eq(p->vmas.n, 1);
	ck_assert_int_eq(run(m, p, "exit", &res), 0);
	ck_assert_ptr_null(m->procs);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_exec_reset)
{
	struct vm_machine *m = t_machine(256);
	struct vm_ctl_result res;
	uint64_t free0 = m->phys.nfree;

	ck_assert_int_eq(run(m, NULL, "spawn", &res), 0);
	ck_assert_int_eq(run(m, vm_machine_proc(m, 1),
			     "touch 0x7fffffffe000 4096 w", &res), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 1);
	ck_assert_int_eq(run(m, NULL, "reset", &res), 0);
	ck_assert_ptr_null(m->procs);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 0);
	ck_assert_uint_eq(m->clock, 0);
	ck_assert_uint_eq(m->phys.nfree, free0);
	/* pids go on from where they were */
	ck_assert_int_eq(run(m, NULL, "spawn", &res), 0);
	ck_assert_int_eq(res.pid, 2);
	vm_machine_destroy(m);
}
END_TEST

static int
replay_cb(void *ctx, const struct vm_trace_rec *rec)
{
	return vm_replay_rec(ctx, rec);
}

START_TEST(test_exec_replay_lackey)
{
	static const char trace[] =
		"==1234== Lackey, an example Valgrind tool\n"
		"I  04000000,3\n"
		" L 04222cac,8\n"
		" S 04222cb0,4\n"
		"I  04000003,4\n"
		" M 04223ffe,4\n"	/* crosses into the next page */
		" L 7ff000398,8\n";
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_replay r = { .m = m, .p = p };
	struct vm_trace_parser tp;

	vm_trace_init(&tp, VM_TRACE_NO_PID);
	/* fed in two pieces cut inside a line */
	ck_assert_int_eq(vm_trace_feed(&tp, trace, 60, replay_cb, &r), 0);
	ck_assert_int_eq(vm_trace_feed(&tp, trace + 60, sizeof(trace) - 61,
				       replay_cb, &r), 0);
	ck_assert_int_eq(vm_trace_finish(&tp, replay_cb, &r), 0);
	ck_assert_uint_eq(r.records, 6);
	/* pages 0x4000000, 0x4222000, 0x4223000, 0x4224000, 0x7ff000000 */
	ck_assert_uint_eq(r.mapped, 5);
	ck_assert_uint_eq(p->rss_anon, 5);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgfault], 5);
	ck_assert_uint_eq(m->stats.v[VM_STAT_accesses], 6);
	/* the modify wrote both pages it touched */
	ck_assert(t_pte(m, p, 0x4223000) & VM_PTE_D);
	ck_assert(t_pte(m, p, 0x4224000) & VM_PTE_D);
	ck_assert(!(t_pte(m, p, 0x4000000) & VM_PTE_D));
	/* on-demand pages next to each other are one region */
	ck_assert_ptr_eq(vm_vma_find(&p->vmas, 0x4222000),
			 vm_vma_find(&p->vmas, 0x4224000));
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_exec_replay_strict)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_replay r = { .m = m, .p = p, .flags = VM_REPLAY_STRICT };
	struct vm_trace_rec rec = { .addr = 0x5000000, .size = 8,
				    .access = VM_TRACE_R };

	ck_assert_int_eq(vm_replay_rec(&r, &rec), -EFAULT);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(vm_replay_rec(&r, &rec), -ESRCH);
	rec.pid = 9;
	ck_assert_int_eq(vm_replay_rec(&r, &rec), -ENOENT);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_exec(void)
{
	Suite *s = suite_create("exec");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_exec_spawn_mmap_touch);
	tcase_add_test(core, test_exec_reset);
	tcase_add_test(core, test_exec_replay_lackey);
	tcase_add_test(core, test_exec_touch_kernel);
	tcase_add_test(errors, test_exec_errors);
	tcase_add_test(errors, test_exec_replay_strict);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
