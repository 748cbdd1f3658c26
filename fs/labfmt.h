/*
 * labfmt.h - the lab's own text formats, for what Linux has no file for:
 * the walk of translate/VA and the words of TLB entries and table levels.
 *
 * Pure renderers: each one turns a description the core filled (struct
 * vm_xlate, TLB flags) into text, and reads nothing else of the machine.
 * Text renderers append to sb and return sb->err (0 or -ENOMEM).
 */
#ifndef VMLABFS_LABFMT_H
#define VMLABFS_LABFMT_H

#include <stddef.h>

#include "sbuf.h"

struct vm_xlate;

/* "PT", "PD", "PDPT", "PML4", "PML5" for levels 0..4. */
const char *fmt_level_name(int level);

/* "4K", "2M" or "1G" for an enum vm_tlb_size. */
const char *fmt_tlb_size(unsigned size);

/* The words of a TLB entry's flags ("RW US D G NX", "R" when read-only),
 * NUL-terminated in buf. */
void fmt_tlb_flags(unsigned flags, char *buf, size_t len);

/*
 * translate/VA: a header line (va, pid, asid), one line per entry the
 * walk reads, the physical address and the rights or the fault an access
 * would take, and the TLB's state.  A non-canonical address gets the
 * header and the #GP line only.  0 or -ENOMEM.
 */
int fmt_translate(const struct vm_xlate *x, int pid, struct sbuf *sb);

#endif /* VMLABFS_LABFMT_H */
