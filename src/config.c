/*
 * config.c - configuration defaults and checks, and the knob table.
 *
 * A knob is a row of the table: its name and help, what kind of value it
 * takes (which says how a new value is checked and applied) and where the
 * value lives in struct vm_config, with the C type of that field.
 *
 * Case table of vm_knob_set:
 *
 *   read-only knob                 -> -EACCES, before the text is read
 *   not exactly one word           -> -EINVAL "one value expected"
 *   policy                         -> vm_reclaim_set_policy(), its error
 *   not a number                   -> -EINVAL "bad number"
 *   bool, asid: not 0 or 1         -> -EINVAL
 *   asid                           -> vm_tlb_set_asid(), its error
 *   tlb_*: above the TLB's maximum -> -EINVAL
 *   tlb_*                          -> vm_tlb_resize(), its error
 *   positive: 0                    -> -EINVAL
 *   drop_caches: 1 or 3            -> clean page-cache pages dropped,
 *                                     logged (2, Linux's slab: nothing);
 *                                     anything else -> -EINVAL; reads 0
 *   otherwise                      -> stored; read where it is used
 *
 * Every failure leaves the configuration as it was.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmlab/config.h"
#include "vmlab/machine.h"
#include "vmlab/pagecache.h"
#include "vmlab/parse.h"
#include "vmlab/reclaim.h"
#include "vmlab/swap.h"

void
vm_config_default(struct vm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->frames = 4096;
	c->levels = 4;
	c->tlb_entries = 64;
	c->tlb_ways = 4;
	c->asid = true;
	c->kernel_pages = 4;
	c->cost_tlb_hit = 1;
	c->cost_mem_ref = 100;
	c->cost_minor_fault = 1000;
	c->cost_major_fault = 100000;
	c->cost_swap_out = 100000;
	snprintf(c->policy, sizeof(c->policy), "clock");
	c->seed = 1;
	c->aging_period = 1000;
	c->ws_tau = 1000;
}

int
vm_config_check(const struct vm_config *c, const char **why)
{
	const char *bad = NULL;
	unsigned sets = c->tlb_ways ? c->tlb_entries / c->tlb_ways : 0;

	if (c->frames < VM_FRAMES_MIN || c->frames > VM_FRAMES_MAX)
		bad = "frames out of range (16 .. 2^26)";
	else if (c->levels != 4 && c->levels != 5)
		bad = "levels must be 4 or 5";
	else if (c->tlb_entries == 0 || c->tlb_entries > VM_TLB_ENTRIES_MAX)
		bad = "tlb_entries out of range (1 .. 65536)";
	else if (c->tlb_ways == 0 || c->tlb_ways > c->tlb_entries ||
		 c->tlb_entries % c->tlb_ways || (sets & (sets - 1)))
		bad = "tlb_ways must divide tlb_entries into a power of two of sets";
	else if (c->kernel_pages == 0 || c->kernel_pages > VM_KERNEL_PAGES_MAX ||
		 c->kernel_pages + c->levels + 8 > c->frames)
		bad = "kernel_pages out of range";
	else if (!vm_policy_find(c->policy))
		bad = "unknown policy";
	else if (c->aging_period == 0 || c->ws_tau == 0)
		bad = "aging_period and ws_tau must be positive";
	else if (c->swap_pages > VM_SWAP_SLOTS_MAX)
		bad = "swap out of range (at most 8T, 2^31 pages)";
	else if (c->swap_pages && !c->state_dir)
		bad = "swap needs a state directory";
	else if (c->swap_pages == 1)
		bad = "swap needs two pages at least: its header and a slot";
	if (why)
		*why = bad;
	return bad ? -EINVAL : 0;
}

/* ---- the knob table ---------------------------------------------------- */

/* How a knob's value is checked and applied. */
enum knob_kind {
	K_RO,		/* fixed when the machine is built */
	K_U64,		/* any number */
	K_POSITIVE,	/* a number above 0 */
	K_BOOL,		/* 0 or 1 */
	K_ASID,		/* 0 or 1, through vm_tlb_set_asid() */
	K_TLB_ENTRIES,	/* through vm_tlb_resize() */
	K_TLB_WAYS,
	K_POLICY,	/* a name, through vm_reclaim_set_policy() */
	K_DROP,		/* 1, 2 or 3, as Linux's vm.drop_caches: an action */
};

/* The C type of the field in struct vm_config. */
enum knob_type {
	T_U64,
	T_UINT,
	T_BOOL,
	T_STR,
	T_NONE,		/* no field: an action, read as 0 */
};

struct knob_def {
	struct vm_knob pub;
	int kind;	/* enum knob_kind */
	int type;	/* enum knob_type */
	size_t off;	/* of the field in struct vm_config */
};

#define KNOB(name, kind, type, field, help)                                   \
	{ { name, help, kind == K_RO }, kind, type,                           \
	  offsetof(struct vm_config, field) }

static const struct knob_def knobs[] = {
	KNOB("frames", K_RO, T_U64, frames,
	     "physical frames (fixed at mount)"),
	KNOB("levels", K_RO, T_UINT, levels,
	     "page-table levels (fixed at mount)"),
	KNOB("swap_pages", K_RO, T_U64, swap_pages,
	     "swap slots (fixed at mount)"),
	KNOB("kernel_pages", K_RO, T_UINT, kernel_pages, "kernel pages"),
	KNOB("policy", K_POLICY, T_STR, policy, "replacement policy"),
	KNOB("tlb_entries", K_TLB_ENTRIES, T_UINT, tlb_entries, "TLB entries"),
	KNOB("tlb_ways", K_TLB_WAYS, T_UINT, tlb_ways, "TLB ways"),
	KNOB("asid", K_ASID, T_BOOL, asid,
	     "ASID-tagged TLB (1) or flush (0)"),
	KNOB("strict", K_BOOL, T_BOOL, strict,
	     "trace replay: no on-demand mapping"),
	KNOB("user_limit", K_U64, T_U64, user_limit,
	     "resident user pages, 0 = all"),
	KNOB("aging_period", K_POSITIVE, T_U64, aging_period,
	     "aging: accesses/tick"),
	KNOB("ws_tau", K_POSITIVE, T_U64, ws_tau, "wsclock window, accesses"),
	KNOB("seed", K_U64, T_U64, seed, "random seed"),
	KNOB("cost_tlb_hit", K_U64, T_U64, cost_tlb_hit, "ns per TLB lookup"),
	KNOB("cost_mem_ref", K_U64, T_U64, cost_mem_ref,
	     "ns per memory reference"),
	KNOB("cost_minor_fault", K_U64, T_U64, cost_minor_fault, "ns"),
	KNOB("cost_major_fault", K_U64, T_U64, cost_major_fault, "ns"),
	KNOB("cost_swap_out", K_U64, T_U64, cost_swap_out, "ns per page out"),
	{ { "drop_caches", "1 or 3: drop clean page-cache pages (2: nothing "
			   "to drop)", false }, K_DROP, T_NONE, 0 },
};

#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

unsigned
vm_knob_count(void)
{
	return (unsigned)NKNOBS;
}

const struct vm_knob *
vm_knob_at(unsigned i)
{
	return i < NKNOBS ? &knobs[i].pub : NULL;
}

int
vm_knob_lookup(const char *name)
{
	for (unsigned i = 0; i < NKNOBS; i++)
		if (!strcmp(knobs[i].pub.name, name))
			return (int)i;
	return -ENOENT;
}

int
vm_knob_get(const struct vm_machine *m, unsigned i, char *buf, size_t len)
{
	const struct knob_def *d;
	const void *field;
	uint64_t v;
	int n;

	if (i >= NKNOBS)
		return -EINVAL;
	d = &knobs[i];
	field = (const char *)&m->cfg + d->off;
	if (d->type == T_STR)
		return snprintf(buf, len, "%s", (const char *)field) >= (int)len
			       ? -ENOSPC : 0;
	if (d->type == T_NONE)
		v = 0;
	else if (d->type == T_UINT)
		v = *(const unsigned *)field;
	else if (d->type == T_BOOL)
		v = *(const bool *)field;
	else
		v = *(const uint64_t *)field;
	n = snprintf(buf, len, "%" PRIu64, v);
	return n >= (int)len ? -ENOSPC : 0;
}

/*
 * Cuts the one word of text into word (wlen bytes): 0, or -EINVAL when
 * there is none, it is too long, or more than blanks and line breaks
 * follow it.
 */
static int
knob_word(const char *text, char *word, size_t wlen)
{
	size_t n = strcspn(text, " \t\r\n");

	if (n == 0 || n >= wlen || text[n + strspn(text + n, " \t\r\n")])
		return -EINVAL;
	memcpy(word, text, n);
	word[n] = '\0';
	return 0;
}

int
vm_setting_word(const char *name, const char *buf, size_t len, char *word,
		char *err, size_t errlen)
{
	const char *blanks = " \t\r\n\v\f", *w;
	size_t lead, n;

	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "%s: a NUL byte in the value", name);
		return -EINVAL;
	}
	for (lead = 0; lead < len && strchr(blanks, buf[lead]); lead++)
		;
	w = buf + lead;
	for (n = 0; lead + n < len && !strchr(blanks, w[n]); n++)
		;
	for (size_t i = lead + n; i < len; i++) {
		if (!strchr(blanks, buf[i]))
			n = 0; /* a second word */
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: one value expected", name);
		return -EINVAL;
	}
	if (n > VM_SETTING_MAX) {
		snprintf(err, errlen, "%s: value longer than %d bytes", name,
			 VM_SETTING_MAX);
		return -EINVAL;
	}
	memcpy(word, w, n);
	word[n] = '\0';
	return 0;
}

/* Checks and applies the number v to a knob that takes one. */
static int
knob_apply(struct vm_machine *m, const struct knob_def *d, uint64_t v)
{
	void *field = (char *)&m->cfg + d->off;

	switch (d->kind) {
	case K_BOOL:
	case K_ASID:
		if (v > 1)
			return -EINVAL;
		if (d->kind == K_ASID)
			return vm_tlb_set_asid(m, v == 1);
		*(bool *)field = v == 1;
		return 0;
	case K_TLB_ENTRIES:
	case K_TLB_WAYS:
		if (v > VM_TLB_ENTRIES_MAX)
			return -EINVAL;
		if (d->kind == K_TLB_ENTRIES)
			return vm_tlb_resize(m, (unsigned)v,
						  m->cfg.tlb_ways);
		return vm_tlb_resize(m, m->cfg.tlb_entries, (unsigned)v);
	case K_DROP:
		if (v < 1 || v > 3)
			return -EINVAL;
		if (v & 1)
			vm_log(&m->log, VM_LOG_INFO, "drop_caches: %llu "
			       "page-cache pages dropped",
			       (unsigned long long)vm_pagecache_drop(m));
		return 0;
	case K_POSITIVE:
		if (v == 0)
			return -EINVAL;
		/* fall through */
	default:
		*(uint64_t *)field = v;
		return 0;
	}
}

int
vm_knob_set(struct vm_machine *m, unsigned i, const char *text, char *err,
	    size_t errlen)
{
	const struct knob_def *d;
	const char *name;
	char word[64];
	uint64_t v = 0;
	int rc;

	if (i >= NKNOBS) {
		snprintf(err, errlen, "no such setting");
		return -EINVAL;
	}
	d = &knobs[i];
	name = d->pub.name;
	if (d->kind == K_RO) {
		snprintf(err, errlen, "%s is fixed at mount", name);
		return -EACCES;
	}
	if (knob_word(text, word, sizeof(word))) {
		snprintf(err, errlen, "%s: one value expected", name);
		return -EINVAL;
	}
	if (d->kind == K_POLICY) {
		rc = vm_reclaim_set_policy(m, word);
		if (rc)
			snprintf(err, errlen, "policy: unknown '%s'", word);
		return rc;
	}
	if (vm_parse_u64(word, &v)) {
		snprintf(err, errlen, "%s: bad number '%s'", name, word);
		return -EINVAL;
	}
	rc = knob_apply(m, d, v);
	if (rc)
		snprintf(err, errlen, "%s: %s not accepted (%s)", name, word,
			 strerror(-rc));
	return rc;
}
