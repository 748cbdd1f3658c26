/*
 * main.c - runs every unit suite; the exit status is what automake reads.
 */
#include <config.h>

#include <stdlib.h>

#include "lib.h"

int
main(void)
{
	Suite *(*const suites[])(void) = {
		suite_pt,      suite_tlb,	suite_vma,     suite_mmu,
		suite_machine, suite_config,	suite_policy,  suite_reclaim,
		suite_exec,    suite_fork,	suite_pagecache, suite_hostdir,
		suite_procfmt, suite_swap,	suite_parse,   suite_ctl,
		suite_trace,   suite_probe,	suite_census,  suite_session,
		suite_phys,    suite_model,   suite_sysfmt,  suite_steps,
		suite_elf,     suite_huge,	suite_reach,
	};
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
