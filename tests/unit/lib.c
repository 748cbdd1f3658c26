/*
 * lib.c - shared helpers of the unit suites.
 */
#include <config.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

char t_log_last[512];
unsigned t_log_count;

static void
t_log_sink(void *ctx, int level, const char *line)
{
	snprintf(t_log_last, sizeof(t_log_last), "%s", line);
	t_log_count++;
}

static const struct vm_log t_log = { .fn = t_log_sink };

struct vm_machine *
t_machine_cfg(const struct vm_config *c)
{
	struct vm_machine *m = NULL;
	int rc = vm_machine_create(c, &t_log, &m);

	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(m);
	return m;
}

struct vm_machine *
t_machine(uint64_t frames)
{
	struct vm_config c;

	vm_config_default(&c);
	c.frames = frames;
	return t_machine_cfg(&c);
}

struct vm_proc *
t_spawn(struct vm_machine *m)
{
	struct vm_proc *p = NULL;

	ck_assert_int_eq(vm_proc_spawn(m, "test", &p), 0);
	return p;
}

void
t_map(struct vm_machine *m, struct vm_proc *p, uint64_t addr, uint64_t len,
      unsigned prot)
{
	struct vm_mmap_req r = {
		.addr = addr, .len = len, .prot = prot, .flags = VM_MAP_FIXED,
	};
	uint64_t at = 0;

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(at, addr);
}

uint64_t
t_pte(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	struct vm_walk w;

	if (p->state == VM_PROC_ZOMBIE || vm_pt_walk(m, p, va, 0, 0, &w))
		return 0; /* a zombie has no tables */
	return *w.pte[w.level];
}

char t_state[64];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

void
t_state_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(t_state, sizeof(t_state), "%s/vmlab-test-XXXXXX",
		 base && strlen(base) < 40 ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t_state));
}

void
t_state_teardown(void)
{
	nftw(t_state, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}
