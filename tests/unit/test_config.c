/*
 * test_config.c - configuration checks and the knob table: names, values
 * as text, and every refusal with its errno and message.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib.h"
#include "vmlab/config.h"
#include "vmlab/proc.h"

Suite *suite_config(void);

/* The index of a knob that must exist. */
static unsigned
knob(const char *name)
{
	int i = vm_knob_lookup(name);

	ck_assert_int_ge(i, 0);
	return (unsigned)i;
}

/* The text value of a knob. */
static const char *
knob_text(struct vm_machine *m, const char *name)
{
	static char buf[64];

	ck_assert_int_eq(vm_knob_get(m, knob(name), buf, sizeof(buf)), 0);
	return buf;
}

/* Sets a knob, expecting rc and (when not NULL) the message. */
static void
knob_expect(struct vm_machine *m, const char *name, const char *text, int rc,
	    const char *msg)
{
	char err[256] = "untouched";

	ck_assert_int_eq(vm_knob_set(m, knob(name), text, err, sizeof(err)),
			 rc);
	ck_assert_str_eq(err, msg ? msg : "untouched");
}

START_TEST(test_config_check)
{
	struct vm_config c;
	const char *why = NULL;
	struct vm_machine *m = (void *)1;

	vm_config_default(&c);
	ck_assert_int_eq(vm_config_check(&c, &why), 0);
	ck_assert_ptr_null(why);
	c.frames = 8;
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "frames"));
	ck_assert_int_eq(vm_machine_create(&c, NULL, &m), -EINVAL);
	ck_assert_ptr_null(m);
	vm_config_default(&c);
	c.levels = 3;
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
	vm_config_default(&c);
	c.tlb_ways = 3;
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "tlb_ways"));
	vm_config_default(&c);
	snprintf(c.policy, sizeof(c.policy), "magic");
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
	vm_config_default(&c);
	c.swap_pages = 100;
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
	vm_config_default(&c);
	c.state_dir = "/nonexistent";
	c.swap_pages = 1; /* a header and no slot */
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "header"));
	vm_config_default(&c);
	c.kernel_pages = 0;
	ck_assert_int_eq(vm_config_check(&c, &why), -EINVAL);
}
END_TEST

START_TEST(test_config_drop_caches)
{
	struct vm_machine *m = t_machine(64);
	int i = vm_knob_lookup("drop_caches");
	char err[128], buf[16];

	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(vm_knob_set(m, (unsigned)i, "1\n", err, sizeof(err)),
			 0);
	ck_assert_ptr_nonnull(strstr(t_log_last, "0 page-cache pages dropped"));
	ck_assert_int_eq(vm_knob_set(m, (unsigned)i, "3", err, sizeof(err)), 0);
	ck_assert_int_eq(vm_knob_set(m, (unsigned)i, "2", err, sizeof(err)), 0);
	ck_assert_int_eq(vm_knob_set(m, (unsigned)i, "4", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(vm_knob_set(m, (unsigned)i, "0", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(vm_knob_get(m, (unsigned)i, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0");
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_config_knob_table)
{
	static const char *const names[] = {
		"frames", "levels", "swap_pages", "kernel_pages", "policy",
		"tlb_entries", "tlb_ways", "asid", "strict", "user_limit",
		"aging_period", "ws_tau", "seed", "cost_tlb_hit",
		"cost_mem_ref", "cost_minor_fault", "cost_major_fault",
		"cost_swap_out", "drop_caches",
	};
	unsigned n = sizeof(names) / sizeof(names[0]);

	ck_assert_uint_eq(vm_knob_count(), n);
	for (unsigned i = 0; i < n; i++) {
		const struct vm_knob *k = vm_knob_at(i);

		ck_assert_str_eq(k->name, names[i]);
		ck_assert_int_eq(vm_knob_lookup(names[i]), (int)i);
		ck_assert_int_eq(k->readonly, i < 4);
		ck_assert_uint_gt(strlen(k->help), 0);
	}
	ck_assert_ptr_null(vm_knob_at(n));
	ck_assert_int_eq(vm_knob_lookup("README"), -ENOENT);
	ck_assert_int_eq(vm_knob_lookup(""), -ENOENT);
	ck_assert_str_eq(vm_knob_at(knob("asid"))->help,
			 "ASID-tagged TLB (1) or flush (0)");
}
END_TEST

START_TEST(test_config_knob_get)
{
	struct vm_machine *m = t_machine(64);
	char small[3];

	ck_assert_str_eq(knob_text(m, "frames"), "64");
	ck_assert_str_eq(knob_text(m, "levels"), "4");
	ck_assert_str_eq(knob_text(m, "swap_pages"), "0");
	ck_assert_str_eq(knob_text(m, "kernel_pages"), "4");
	ck_assert_str_eq(knob_text(m, "policy"), "clock");
	ck_assert_str_eq(knob_text(m, "tlb_entries"), "64");
	ck_assert_str_eq(knob_text(m, "tlb_ways"), "4");
	ck_assert_str_eq(knob_text(m, "asid"), "1");
	ck_assert_str_eq(knob_text(m, "strict"), "0");
	ck_assert_str_eq(knob_text(m, "cost_major_fault"), "100000");
	ck_assert_int_eq(vm_knob_get(m, knob("policy"), small, sizeof(small)),
			 -ENOSPC);
	ck_assert_str_eq(small, "cl");
	ck_assert_int_eq(vm_knob_get(m, knob("frames"), small, sizeof(small)),
			 0);
	ck_assert_int_eq(vm_knob_get(m, vm_knob_count(), small, sizeof(small)),
			 -EINVAL);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_config_knob_set)
{
	struct vm_machine *m = t_machine(64);

	knob_expect(m, "policy", "lru\n", 0, NULL);
	ck_assert_str_eq(knob_text(m, "policy"), "lru");
	ck_assert_str_eq(m->pol->name, "lru");
	knob_expect(m, "tlb_entries", "128", 0, NULL);
	ck_assert_uint_eq(m->cpu.tlb.entries, 128);
	knob_expect(m, "tlb_ways", "8 \n", 0, NULL);
	ck_assert_uint_eq(m->cpu.tlb.ways, 8);
	ck_assert_uint_eq(m->cpu.tlb.sets, 16);
	knob_expect(m, "asid", "0", 0, NULL);
	ck_assert(!m->cfg.asid);
	knob_expect(m, "strict", "1\r\n", 0, NULL);
	ck_assert(m->cfg.strict);
	knob_expect(m, "seed", "0x10", 0, NULL);
	ck_assert_str_eq(knob_text(m, "seed"), "16");
	knob_expect(m, "user_limit", "1K", 0, NULL);
	ck_assert_uint_eq(m->cfg.user_limit, 1024);
	knob_expect(m, "user_limit", "0", 0, NULL);
	knob_expect(m, "ws_tau", "5", 0, NULL);
	ck_assert_uint_eq(m->cfg.ws_tau, 5);
	knob_expect(m, "cost_swap_out", "7", 0, NULL);
	ck_assert_uint_eq(m->cfg.cost_swap_out, 7);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_config_knob_errors)
{
	struct vm_machine *m = t_machine(64);
	char err[256];
	char longword[80];

	knob_expect(m, "frames", "5", -EACCES, "frames is fixed at mount");
	knob_expect(m, "kernel_pages", "", -EACCES,
		    "kernel_pages is fixed at mount");
	knob_expect(m, "seed", "", -EINVAL, "seed: one value expected");
	knob_expect(m, "seed", "\n", -EINVAL, "seed: one value expected");
	knob_expect(m, "seed", " 1", -EINVAL, "seed: one value expected");
	knob_expect(m, "user_limit", "1 2", -EINVAL,
		    "user_limit: one value expected");
	memset(longword, '1', 64);
	longword[64] = '\0';
	knob_expect(m, "seed", longword, -EINVAL, "seed: one value expected");
	longword[63] = '\0';
	knob_expect(m, "seed", longword, -EINVAL,
		    "seed: bad number '111111111111111111111111111111"
		    "111111111111111111111111111111111'");
	knob_expect(m, "policy", "magic", -EINVAL, "policy: unknown 'magic'");
	knob_expect(m, "policy", "lru x", -EINVAL,
		    "policy: one value expected");
	knob_expect(m, "seed", "1x", -EINVAL, "seed: bad number '1x'");
	knob_expect(m, "strict", "x", -EINVAL, "strict: bad number 'x'");
	knob_expect(m, "strict", "2", -EINVAL,
		    "strict: 2 not accepted (Invalid argument)");
	knob_expect(m, "asid", "2", -EINVAL,
		    "asid: 2 not accepted (Invalid argument)");
	knob_expect(m, "tlb_ways", "3", -EINVAL,
		    "tlb_ways: 3 not accepted (Invalid argument)");
	knob_expect(m, "tlb_entries", "65537", -EINVAL,
		    "tlb_entries: 65537 not accepted (Invalid argument)");
	knob_expect(m, "tlb_entries", "0", -EINVAL,
		    "tlb_entries: 0 not accepted (Invalid argument)");
	knob_expect(m, "aging_period", "0", -EINVAL,
		    "aging_period: 0 not accepted (Invalid argument)");
	knob_expect(m, "ws_tau", "0x0", -EINVAL,
		    "ws_tau: 0x0 not accepted (Invalid argument)");
	ck_assert_int_eq(vm_knob_set(m, vm_knob_count(), "1", err,
				     sizeof(err)), -EINVAL);
	/* nothing changed */
	ck_assert_str_eq(knob_text(m, "policy"), "clock");
	ck_assert_str_eq(knob_text(m, "tlb_ways"), "4");
	ck_assert_str_eq(knob_text(m, "tlb_entries"), "64");
	ck_assert_str_eq(knob_text(m, "strict"), "0");
	ck_assert_str_eq(knob_text(m, "seed"), "1");
	ck_assert_str_eq(knob_text(m, "aging_period"), "1000");
	vm_machine_destroy(m);
}
END_TEST

/* Turning ASIDs on with more live processes than there are ASIDs. */
START_TEST(test_config_knob_asid_exhausted)
{
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;

	vm_config_default(&c);
	c.frames = 8192;
	c.asid = false;
	m = t_machine_cfg(&c);
	for (unsigned i = 0; i <= VM_TLB_ASID_MAX; i++)
		ck_assert_int_eq(vm_proc_spawn(m, "many", &p), 0);
	knob_expect(m, "asid", "1", -EAGAIN,
		    "asid: 1 not accepted (Resource temporarily unavailable)");
	ck_assert_str_eq(knob_text(m, "asid"), "0");
	vm_machine_destroy(m);
}
END_TEST

/* The value of a settings write: one word, no NUL byte, 63 bytes at most;
 * blanks and line breaks around it are fine. */
START_TEST(test_config_setting_word)
{
	char word[VM_SETTING_MAX + 1], err[256], big[VM_SETTING_MAX + 2];
	struct {
		const char *buf;
		size_t len;
		const char *word, *err;
	} cases[] = {
		{ "lru\n", 4, "lru", NULL },
		{ " \t7 \r\n", 6, "7", NULL },
		{ "lru\0garbage", 11, NULL, "policy: a NUL byte in the value" },
		{ "7\0junk", 6, NULL, "policy: a NUL byte in the value" },
		{ "7\n\0", 3, NULL, "policy: a NUL byte in the value" },
		{ "9 junk words", 12, NULL, "policy: one value expected" },
		{ "9\njunk\n", 7, NULL, "policy: one value expected" },
		{ "", 0, NULL, "policy: one value expected" },
		{ " \n", 2, NULL, "policy: one value expected" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = vm_setting_word("policy", cases[i].buf, cases[i].len,
					 word, err, sizeof(err));

		if (cases[i].word) {
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(word, cases[i].word);
		} else {
			ck_assert_int_eq(rc, -EINVAL);
			ck_assert_str_eq(err, cases[i].err);
		}
	}
	memset(big, '1', sizeof(big));
	ck_assert_int_eq(vm_setting_word("seed", big, VM_SETTING_MAX, word, err,
					 sizeof(err)), 0);
	ck_assert_uint_eq(strlen(word), VM_SETTING_MAX);
	ck_assert_int_eq(vm_setting_word("seed", big, VM_SETTING_MAX + 1, word,
					 err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "seed: value longer than 63 bytes");
}
END_TEST

/* A process's limit above the machine's frames could never bind, and in
 * bytes (stat's rsslim) it would wrap: refused, the old one kept. */
START_TEST(test_config_limit_above_frames)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);

	ck_assert_int_eq(vm_proc_set_limit(m, p, m->phys.nframes), 0);
	ck_assert_uint_eq(p->limit, m->phys.nframes);
	ck_assert_int_eq(vm_proc_set_limit(m, p, m->phys.nframes + 1),
			 -EINVAL);
	ck_assert_int_eq(vm_proc_set_limit(m, p, UINT64_C(1) << 52), -EINVAL);
	ck_assert_uint_eq(p->limit, m->phys.nframes);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_config_knob_table);
	tcase_add_test(core, test_config_drop_caches);
	tcase_add_test(core, test_config_knob_get);
	tcase_add_test(core, test_config_knob_set);
	tcase_add_test(limits, test_config_knob_asid_exhausted);
	tcase_add_test(errors, test_config_check);
	tcase_add_test(errors, test_config_knob_errors);
	tcase_add_test(errors, test_config_setting_word);
	tcase_add_test(errors, test_config_limit_above_frames);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}
