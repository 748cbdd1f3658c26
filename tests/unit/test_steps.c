/*
 * test_steps.c - long commands in steps: vm_ctl_begin()/vm_ctl_step()
 * slices that do as much as asked and no more, a range found again after
 * the machine changed between steps, and ctl sessions that stop after a
 * step (-EINPROGRESS), go on (resume) or stop for good (cancel).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib.h"
#include "vmlab/exec.h"
#include "vmlab/session.h"

#define BASE 0x400000ull
#define PG 4096ull

/* Parses a process line and begins it; fails the test on error. */
static void
begin(struct vm_machine *m, struct vm_proc *p, const char *line,
      struct vm_ctl_job *job)
{
	struct vm_ctl_cmd cmd;
	char err[128];

	ck_assert_int_eq(vm_ctl_parse(line, strlen(line), VM_CTL_PROC, &cmd,
				      err, sizeof(err)), 0);
	ck_assert_int_eq(vm_ctl_begin(m, p, &cmd, job, NULL, err,
				      sizeof(err)), 0);
}

/* Present leaf PTEs of p in [va, va + n pages). */
static unsigned
present(struct vm_machine *m, struct vm_proc *p, uint64_t va, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += (t_pte(m, p, va + i * PG) & VM_PTE_P) != 0;
	return k;
}

static ssize_t
put(struct vm_machine *m, struct vm_ctl_session *s, const char *text)
{
	return vm_ctl_session_write(m, s, text, strlen(text));
}

/* Each step faults in exactly its slice; the sum is the whole populate. */
START_TEST(test_steps_populate_slices)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct vm_ctl_job job;
	struct vm_ctl_result res;
	struct vm_ctl_cmd cmd;
	char err[128];
	unsigned steps = 0;

	begin(m, p, "mmap 0x400000 64K rw- populate", &job);
	ck_assert_int_eq(job.kind, VM_JOB_POPULATE);
	ck_assert_uint_eq(job.start, BASE);
	ck_assert_uint_eq(job.len, 64 * 1024);
	ck_assert_uint_eq(job.done, 0);
	ck_assert_ptr_nonnull(vm_vma_find(&p->vmas, BASE));
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_uint_eq(job.done, 4 * PG);
	ck_assert_uint_eq(p->rss_anon, 4);
	ck_assert_uint_eq(p->stats.v[VM_STAT_pgfault], 4);
	ck_assert_uint_eq(present(m, p, BASE, 16), 4);
	ck_assert_uint_eq(present(m, p, BASE, 4), 4);
	for (steps = 1; vm_ctl_job_more(&job); steps++)
		ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_uint_eq(steps, 4);
	ck_assert_uint_eq(job.done, job.len);
	/* the same as the command done at once */
	ck_assert_int_eq(vm_ctl_parse("mmap 0x400000 64K rw- populate", 30,
				      VM_CTL_PROC, &cmd, err, sizeof(err)), 0);
	ck_assert_int_eq(vm_ctl_exec(m, q, &cmd, &res, err, sizeof(err)), 0);
	ck_assert_uint_eq(q->rss_anon, p->rss_anon);
	ck_assert_uint_eq(q->stats.v[VM_STAT_pgfault],
			  p->stats.v[VM_STAT_pgfault]);
	for (unsigned i = 0; i < 16; i++) {
		uint64_t va = BASE + i * PG;

		ck_assert_uint_eq(t_pte(m, p, va) & ~VM_PTE_PFN_MASK,
				  t_pte(m, q, va) & ~VM_PTE_PFN_MASK);
	}
	/* a step of a job with nothing left does nothing */
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_uint_eq(p->stats.v[VM_STAT_pgfault], 16);
	vm_machine_destroy(m);
}
END_TEST

/* A touch that starts inside a page: slices end on page boundaries and
 * every page is one access, as at once. */
START_TEST(test_steps_touch_unaligned)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_job job;
	char err[128];

	t_map(m, p, BASE, 32 * 1024, VM_PROT_READ);
	begin(m, p, "touch 0x400ffe 0x3004 r", &job);
	ck_assert_int_eq(job.kind, VM_JOB_TOUCH);
	ck_assert_uint_eq(job.len, 0x3004);
	ck_assert_int_eq(vm_ctl_step(m, &job, 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(job.done, 2);
	ck_assert_uint_eq(p->stats.v[VM_STAT_accesses], 1);
	ck_assert_int_eq(vm_ctl_step(m, &job, 2, err, sizeof(err)), 0);
	ck_assert_uint_eq(job.done, 2 + 2 * PG);
	ck_assert_uint_eq(p->stats.v[VM_STAT_accesses], 3);
	ck_assert_int_eq(vm_ctl_step(m, &job, 0, err, sizeof(err)), 0);
	ck_assert(!vm_ctl_job_more(&job));
	ck_assert_uint_eq(p->stats.v[VM_STAT_accesses], 5);
	ck_assert_uint_eq(present(m, p, BASE, 8), 5);
	vm_machine_destroy(m);
}
END_TEST

/* Between steps the range changed: the next step works on the regions
 * as they are then. */
START_TEST(test_steps_regions_found_again)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_job job;
	char err[128];

	begin(m, p, "mmap 0x400000 64K rw- populate", &job);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_int_eq(vm_munmap(m, p, BASE + 4 * PG, 4 * PG), 0);
	ck_assert_int_eq(vm_mprotect(m, p, BASE + 8 * PG, 4 * PG,
				     VM_PROT_NONE), 0);
	ck_assert_int_eq(vm_mprotect(m, p, BASE + 12 * PG, 4 * PG,
				     VM_PROT_READ), 0);
	ck_assert_int_eq(vm_ctl_step(m, &job, 0, err, sizeof(err)), 0);
	ck_assert(!vm_ctl_job_more(&job));
	ck_assert_uint_eq(present(m, p, BASE, 4), 4);
	ck_assert_uint_eq(present(m, p, BASE + 4 * PG, 8), 0);
	ck_assert_uint_eq(present(m, p, BASE + 12 * PG, 4), 4);
	/* the read-only part has the rights of its region now */
	ck_assert(!(t_pte(m, p, BASE + 12 * PG) & VM_PTE_RW));
	ck_assert(t_pte(m, p, BASE) & VM_PTE_RW);
	vm_machine_destroy(m);
}
END_TEST

/* A job on regions passes over holes without a step of its own: two
 * regions far apart in a 1 GiB range take a step each, and one more
 * finds nothing after them. */
START_TEST(test_steps_skip_holes)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_job job;
	char err[128];
	unsigned steps = 0;

	t_map(m, p, BASE, 4 * PG, VM_PROT_READ | VM_PROT_WRITE);
	t_map(m, p, BASE + 0x10000000, 4 * PG, VM_PROT_READ);
	begin(m, p, "madvise 0x400000 1G willneed", &job);
	for (; vm_ctl_job_more(&job); steps++)
		ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_uint_eq(steps, 3);
	ck_assert_uint_eq(present(m, p, BASE, 4), 4);
	ck_assert_uint_eq(present(m, p, BASE + 0x10000000, 4), 4);
	ck_assert_uint_eq(p->stats.v[VM_STAT_pgfault], 8);
	vm_machine_destroy(m);
}
END_TEST

/* The process reaped, or killed, between steps: -ESRCH, the job over. */
START_TEST(test_steps_process_gone)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct vm_ctl_job job, jq;
	char err[128];

	begin(m, p, "mmap 0x400000 64K rw- populate", &job);
	begin(m, q, "mmap 0x400000 64K rw- populate", &jq);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_int_eq(vm_ctl_step(m, &jq, 4, err, sizeof(err)), 0);
	vm_proc_reap(m, p);
	vm_proc_kill(m, q, 9);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), -ESRCH);
	ck_assert_str_eq(err, "the process is gone");
	ck_assert(!vm_ctl_job_more(&job));
	ck_assert_uint_eq(job.done, 4 * PG);
	ck_assert_int_eq(vm_ctl_step(m, &jq, 4, err, sizeof(err)), -ESRCH);
	ck_assert_str_eq(err, "the process is dead");
	ck_assert(!vm_ctl_job_more(&jq));
	vm_machine_destroy(m);
}
END_TEST

/* A touch job whose later pages were unmapped meanwhile kills its
 * process there, and ends without error, as a touch does. */
START_TEST(test_steps_touch_kills)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_job job;
	char err[128];

	t_map(m, p, BASE, 16 * PG, VM_PROT_READ | VM_PROT_WRITE);
	begin(m, p, "touch 0x400000 64K w", &job);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_int_eq(vm_munmap(m, p, BASE + 8 * PG, 8 * PG), 0);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 11);
	ck_assert(!vm_ctl_job_more(&job));
	vm_machine_destroy(m);
}
END_TEST

/* madvise in slices: dontneed drops the slice's pages only; willneed
 * brings back the slice's pages only; a bad range fails at begin. */
START_TEST(test_steps_madvise)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_job job;
	struct vm_ctl_cmd cmd;
	char err[128];

	begin(m, p, "mmap 0x400000 64K rw- populate", &job);
	ck_assert_int_eq(vm_ctl_step(m, &job, 0, err, sizeof(err)), 0);
	begin(m, p, "madvise 0x400000 64K dontneed", &job);
	ck_assert_int_eq(job.kind, VM_JOB_MADVISE);
	ck_assert_int_eq(vm_ctl_step(m, &job, 4, err, sizeof(err)), 0);
	ck_assert_uint_eq(p->rss_anon, 12);
	ck_assert_uint_eq(present(m, p, BASE, 4), 0);
	begin(m, p, "madvise 0x400000 64K willneed", &job);
	ck_assert_int_eq(vm_ctl_step(m, &job, 2, err, sizeof(err)), 0);
	ck_assert_uint_eq(present(m, p, BASE, 4), 2);
	ck_assert_int_eq(vm_ctl_parse("madvise 0x400001 4K dontneed", 28,
				      VM_CTL_PROC, &cmd, err, sizeof(err)), 0);
	ck_assert_int_eq(vm_ctl_begin(m, p, &cmd, &job, NULL, err,
				      sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "madvise: Invalid argument");
	ck_assert(!vm_ctl_job_more(&job));
	vm_machine_destroy(m);
}
END_TEST

/* Memory runs out part way (no swap, written pages): a step fails with
 * -ENOMEM, the OOM killer took the process, the job is over. */
START_TEST(test_steps_oom)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_job job;
	char err[128];
	int rc = 0;
	unsigned steps = 0;

	t_map(m, p, BASE, 1 << 20, VM_PROT_READ | VM_PROT_WRITE);
	begin(m, p, "touch 0x400000 1M w", &job);
	while (vm_ctl_job_more(&job) && rc == 0) {
		rc = vm_ctl_step(m, &job, 8, err, sizeof(err));
		steps++;
	}
	ck_assert_int_eq(rc, -ENOMEM);
	ck_assert_str_eq(err, "touch: Cannot allocate memory");
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 9);
	ck_assert(!vm_ctl_job_more(&job));
	ck_assert_uint_lt(steps, 64 / 8 + 2);
	ck_assert_uint_eq(job.done, (steps - 1) * 8 * PG);
	vm_machine_destroy(m);
}
END_TEST

/* A session with a step size: the write stops after each step and goes
 * on with resume; the lines after the long one run after it; a write or
 * close meanwhile is refused. */
START_TEST(test_steps_session_resume)
{
	static const char text[] = "mmap 0x400000 64K rw- populate\n"
				   "mmap 0x500000 4K rw-\n";
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_session s;
	unsigned resumes = 0;
	ssize_t rc;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	s.step = 4;
	ck_assert_int_eq(put(m, &s, text), -EINPROGRESS);
	ck_assert(s.busy);
	ck_assert_uint_eq(p->rss_anon, 4);
	ck_assert_ptr_null(vm_vma_find(&p->vmas, 0x500000));
	ck_assert_int_eq(put(m, &s, "exit\n"), -EBUSY);
	ck_assert_int_eq(vm_ctl_session_close(m, &s), -EBUSY);
	while ((rc = vm_ctl_session_resume(m, &s)) == -EINPROGRESS)
		resumes++;
	ck_assert_int_eq(rc, (ssize_t)strlen(text));
	ck_assert_uint_eq(resumes, 2);
	ck_assert(!s.busy);
	ck_assert_uint_eq(p->rss_anon, 16);
	ck_assert_ptr_nonnull(vm_vma_find(&p->vmas, 0x500000));
	ck_assert_uint_eq(s.lines, 2);
	ck_assert_int_eq(vm_ctl_session_resume(m, &s), -EINVAL);
	/* the line waiting for close runs in steps too */
	ck_assert_int_eq(put(m, &s, "touch 0x400000 64K r"), 20);
	ck_assert_int_eq(vm_ctl_session_close(m, &s), -EINPROGRESS);
	while ((rc = vm_ctl_session_resume(m, &s)) == -EINPROGRESS)
		;
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.lines, 3);
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

/* Cancel: the work done stays, the log says how far, the rest of the
 * write and the waiting line are dropped, the session goes on. */
START_TEST(test_steps_session_cancel)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_session s;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	s.step = 4;
	ck_assert_int_eq(vm_ctl_session_cancel(m, &s), 0);
	ck_assert_int_eq(put(m, &s, "mmap 0x400000 64K r--\n"
				    "touch 0x400000 64K r\n"
				    "mmap 0x500000 4K rw-\nmmap 0x6"),
			 -EINPROGRESS);
	ck_assert_int_eq(vm_ctl_session_resume(m, &s), -EINPROGRESS);
	ck_assert_int_eq(vm_ctl_session_cancel(m, &s), -EINTR);
	ck_assert_str_eq(t_log_last,
			 "pid 1 ctl: line 2 'touch 0x400000 64K r': "
			 "interrupted: 8 of 16 pages done (0x400000-0x408000)");
	ck_assert(!s.busy);
	ck_assert_uint_eq(s.clen, 0);
	ck_assert_uint_eq(present(m, p, BASE, 16), 8);
	ck_assert_ptr_null(vm_vma_find(&p->vmas, 0x500000));
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	ck_assert_int_eq(put(m, &s, "00000 4K rw-\n"), -EINVAL);
	ck_assert_str_eq(t_log_last, "pid 1 ctl: line 3 '00000 4K rw-': "
				     "unknown command '00000'");
	ck_assert_int_eq(put(m, &s, "mmap 0x500000 4K rw-\n"), 21);
	ck_assert_ptr_nonnull(vm_vma_find(&p->vmas, 0x500000));
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

/* The process reaped while the write was in steps: the line fails with
 * ESRCH, logged, and the write ends. */
START_TEST(test_steps_session_process_reaped)
{
	struct vm_machine *m = t_machine(256);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_session s;

	vm_ctl_session_init(&s, VM_CTL_PROC, p->pid);
	s.step = 4;
	ck_assert_int_eq(put(m, &s, "mmap 0x400000 64K rw- populate\n"
				    "mmap 0x500000 4K rw-\n"),
			 -EINPROGRESS);
	vm_proc_reap(m, p);
	ck_assert_int_eq(vm_ctl_session_resume(m, &s), -ESRCH);
	ck_assert_str_eq(t_log_last, "pid 1 ctl: line 1 'mmap 0x400000 64K "
				     "rw- populate': the process is gone");
	ck_assert(!s.busy);
	ck_assert_int_eq(put(m, &s, "mmap 0x500000 4K rw-\n"), -ESRCH);
	vm_ctl_session_fini(&s);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_steps(void)
{
	Suite *s = suite_create("steps");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_steps_populate_slices);
	tcase_add_test(core, test_steps_touch_unaligned);
	tcase_add_test(core, test_steps_regions_found_again);
	tcase_add_test(core, test_steps_madvise);
	tcase_add_test(core, test_steps_skip_holes);
	tcase_add_test(core, test_steps_session_resume);
	tcase_add_test(core, test_steps_session_cancel);
	tcase_add_test(errors, test_steps_process_gone);
	tcase_add_test(errors, test_steps_touch_kills);
	tcase_add_test(errors, test_steps_oom);
	tcase_add_test(errors, test_steps_session_process_reaped);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
