/*
 * fault.h - the page-fault handler.
 */
#ifndef VMLAB_FAULT_H
#define VMLAB_FAULT_H

#include "vmlab/mmu.h"

/*
 * Resolves the fault fi that p took.  Returns 0 when the access may be
 * retried (a page was zero-filled, swapped in, COW-broken, or the TLB held
 * a stale entry), -EFAULT when the access is illegal (no region, against
 * the region's protection, a kernel address from user mode, non-canonical),
 * -ENXIO when the page is a file page wholly past the file's end (SIGBUS),
 * -ENOMEM when no frame can be found, -EIO when swap or the file could not
 * be read.
 * Counts pgfault, pgmajfault, demand_zero and charges the clock.
 */
int vm_fault(struct vm_machine *m, struct vm_proc *p,
	     const struct vm_fault_info *fi);

#endif /* VMLAB_FAULT_H */
