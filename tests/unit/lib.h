/*
 * lib.h - shared helpers of the unit suites.
 */
#ifndef VMLAB_TESTS_LIB_H
#define VMLAB_TESTS_LIB_H

#include <check.h>
#include <stdint.h>

#include "vmlab/fault.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"
#include "vmlab/swap.h"

Suite *suite_census(void);
Suite *suite_config(void);
Suite *suite_ctl(void);
Suite *suite_elf(void);
Suite *suite_machine(void);
Suite *suite_mmu(void);
Suite *suite_model(void);
Suite *suite_parse(void);
Suite *suite_policy(void);
Suite *suite_probe(void);
Suite *suite_pt(void);
Suite *suite_phys(void);
Suite *suite_procfmt(void);
Suite *suite_exec(void);
Suite *suite_fork(void);
Suite *suite_pagecache(void);
Suite *suite_hostdir(void);
Suite *suite_huge(void);
Suite *suite_reach(void);
Suite *suite_reclaim(void);
Suite *suite_session(void);
Suite *suite_steps(void);
Suite *suite_swap(void);
Suite *suite_sysfmt(void);
Suite *suite_tlb(void);
Suite *suite_trace(void);
Suite *suite_vma(void);

/* A machine of frames frames with default config otherwise (no swap);
 * fails the test on error.  Log lines are kept in t_log_last. */
struct vm_machine *t_machine(uint64_t frames);

/* The same from a config the test filled. */
struct vm_machine *t_machine_cfg(const struct vm_config *c);

/* A fresh process of m; fails the test on error. */
struct vm_proc *t_spawn(struct vm_machine *m);

/* Maps len bytes anonymous rw- at addr (fixed); fails the test on error. */
void t_map(struct vm_machine *m, struct vm_proc *p, uint64_t addr,
	   uint64_t len, unsigned prot);

/* The leaf PTE of va in p, 0 when there is none (no side effects). */
uint64_t t_pte(struct vm_machine *m, struct vm_proc *p, uint64_t va);

/*
 * A state directory for machines with swap: t_state, made by
 * t_state_setup and removed with everything in it by t_state_teardown.
 * Use them as an unchecked fixture, run by the parent process, so that
 * the directory goes even when a forked test fails.
 */
extern char t_state[64];
void t_state_setup(void);
void t_state_teardown(void);

/* The last line logged by a machine made with t_machine(). */
extern char t_log_last[512];
extern unsigned t_log_count;

#endif
