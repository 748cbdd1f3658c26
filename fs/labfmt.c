/*
 * labfmt.c - translate/VA and the words of the lab's own text files.
 *
 * translate/VA, line by line:
 *
 *   va 0x<16 hex> pid <pid> asid <asid>
 *   <level> index <dec> (0x<hex>) entry 0x<16 hex> <flags>
 *                    one per entry, root first; the flags are (empty)
 *                    for 0 and (swap entry) for a swap entry
 *   physical 0x<pa> (pfn <pfn>, <4K|2M|1G> page)     when present, then
 *   access: user yes|no (...), write yes|no (...), exec yes|no (...)
 *   fault: not present, swapped out to slot <slot> (a major fault on access)
 *   fault: not present at <level> (demand zero on access | no mapping:
 *          SIGSEGV on access | file page in the page cache: a minor fault
 *          on access | file page read from its file on access: a major
 *          fault | file page past the end of the file: SIGBUS on access)
 *   fault: non-canonical address (#GP)               the only line after
 *                                                    the header
 *   tlb: miss | tlb: hit set <s> way <w> pfn <pfn> size <size> <flags>
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "labfmt.h"
#include "vmlab/probe.h"
#include "vmlab/pt.h"
#include "vmlab/tlb.h"

const char *
fmt_level_name(int level)
{
	static const char *const names[] = { "PT", "PD", "PDPT", "PML4",
					     "PML5" };

	return level >= 0 && level < VM_LEVELS_MAX ? names[level] : "?";
}

const char *
fmt_tlb_size(unsigned size)
{
	return size == VM_TLB_4K ? "4K" : size == VM_TLB_2M ? "2M" : "1G";
}

void
fmt_tlb_flags(unsigned fl, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", fl & VM_TLB_RW ? "RW " : "R ",
		 fl & VM_TLB_US ? "US " : "", fl & VM_TLB_D ? "D " : "",
		 fl & VM_TLB_G ? "G " : "", fl & VM_TLB_NX ? "NX" : "");
	len = strlen(buf);
	if (len && buf[len - 1] == ' ')
		buf[len - 1] = '\0';
}

/* What an access to a page not present would do, in words. */
static const char *
fill_words(const struct vm_xlate *x)
{
	static const char *const words[] = {
		[VM_XLATE_ZERO] = "demand zero on access",
		[VM_XLATE_CACHED] = "file page in the page cache: a minor "
				    "fault on access",
		[VM_XLATE_READ] = "file page read from its file on access: "
				  "a major fault",
		[VM_XLATE_EOF] = "file page past the end of the file: SIGBUS "
				 "on access",
	};

	if (!x->region)
		return "no mapping: SIGSEGV on access";
	return words[x->fill];
}

/* One line per entry of the walk, root first. */
static void
put_steps(const struct vm_xlate *x, struct sbuf *sb)
{
	char flags[96];

	for (int lv = x->top; lv >= x->level; lv--) {
		const struct vm_xlate_step *s = &x->step[lv];
		const char *words = flags;

		vm_pte_flags_str(s->entry, lv, flags, sizeof(flags));
		if (!s->entry)
			words = "(empty)";
		else if (VM_PTE_IS_SWAP(s->entry))
			words = "(swap entry)";
		sbuf_printf(sb, "%-4s index %3u (0x%03x) entry 0x%016" PRIx64
			    " %s\n", fmt_level_name(lv), s->index, s->index,
			    s->entry, words);
	}
}

static void
put_outcome(const struct vm_xlate *x, struct sbuf *sb)
{
	switch (x->result) {
	case VM_XLATE_PRESENT:
		sbuf_printf(sb, "physical 0x%" PRIx64 " (pfn %" PRIu64
			    ", %s page)\n", x->pa, x->pfn,
			    x->page_size == VM_LEVEL_SIZE(0) ? "4K"
			    : x->page_size == VM_LEVEL_SIZE(1) ? "2M" : "1G");
		sbuf_printf(sb, "access: user %s, write %s, exec %s\n",
			    x->user ? "yes" : "no (US=0: a user access faults)",
			    x->write ? "yes" : "no (RW=0)",
			    x->exec ? "yes" : "no (NX=1)");
		break;
	case VM_XLATE_SWAPPED:
		sbuf_printf(sb, "fault: not present, swapped out to slot %"
			    PRIu64 " (a major fault on access)\n", x->slot);
		break;
	default:
		sbuf_printf(sb, "fault: not present at %s (%s)\n",
			    fmt_level_name(x->level), fill_words(x));
	}
}

int
fmt_translate(const struct vm_xlate *x, int pid, struct sbuf *sb)
{
	char flags[64];

	sbuf_printf(sb, "va 0x%016" PRIx64 " pid %d asid %u\n", x->va, pid,
		    x->asid);
	if (x->result == VM_XLATE_NONCANON) {
		sbuf_printf(sb, "fault: non-canonical address (#GP)\n");
		return sb->err;
	}
	put_steps(x, sb);
	put_outcome(x, sb);
	if (!x->tlb.hit) {
		sbuf_printf(sb, "tlb: miss\n");
		return sb->err;
	}
	fmt_tlb_flags(x->tlb.flags, flags, sizeof(flags));
	sbuf_printf(sb, "tlb: hit set %u way %u pfn %" PRIu64 " size %s %s\n",
		    x->tlb.set, x->tlb.way, x->tlb.pfn,
		    fmt_tlb_size(x->tlb.size), flags);
	return sb->err;
}
