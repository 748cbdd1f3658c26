/*
 * machine.c - building and tearing down a machine; counting.
 *
 * The kernel half.  Every address space's root entry 511 points at one
 * shared table (kernel_top), and under it a chain of tables leads to the
 * kernel's pages at VM_KERNEL_BASE (0xffffffff80000000: PML4 511, PDPT 510,
 * PD 0, PT 0..).  The chain's entries are P|RW without US, so any
 * user-mode access to the kernel half faults on the first level it meets;
 * the leaves are global (G): their TLB entries survive address-space
 * switches.  Page 0 is the kernel's text (read-only, executable), the rest
 * its data (RW, NX).  Each page is filled with a line naming it, so that a
 * supervisor read of it is recognisable in a hexdump.
 *
 * Frames are taken and given back in frame.c, the TLB is kept in tlb.c,
 * where a page lives in pager.c: this file only builds and tears down.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmlab/machine.h"
#include "vmlab/pagecache.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/reclaim.h"

/* Allocates one kernel frame; machine creation cannot fail half-way
 * through this because the frames were just mapped and are all free. */
static uint64_t
kernel_frame(struct vm_machine *m)
{
	int64_t pfn = vm_phys_alloc(&m->phys, VM_FRAME_KERNEL);

	return (uint64_t)pfn;
}

static void
kernel_fill(struct vm_machine *m, uint64_t pfn, unsigned i)
{
	char line[80];
	uint8_t *page = vm_phys_ptr(&m->phys, pfn);
	size_t len;

	/* 63 characters and a newline: 64 lines a page */
	len = (size_t)snprintf(line, sizeof(line),
			       "vmlab kernel page %3u: supervisor only, global",
			       i % 1000);
	memset(line + len, ' ', 63 - len);
	line[63] = '\n';
	for (unsigned off = 0; off < VM_PAGE_SIZE; off += 64)
		memcpy(page + off, line, 64);
}

static void
kernel_build(struct vm_machine *m)
{
	int top = (int)m->cfg.levels - 1;
	uint64_t tbl, leaf;

	m->kernel_top = kernel_frame(m);
	tbl = m->kernel_top;
	for (int l = top - 1; l > 0; l--) {
		uint64_t next = kernel_frame(m);

		vm_pt_table(m, tbl)[VM_PX(l, VM_KERNEL_BASE)] =
			VM_PFN2PTE(next) | VM_PTE_P | VM_PTE_RW;
		vm_phys_frame(&m->phys, tbl)->nent++;
		tbl = next;
	}
	leaf = tbl;
	for (unsigned i = 0; i < m->cfg.kernel_pages; i++) {
		uint64_t pfn = kernel_frame(m);
		vm_pte_t pte = VM_PFN2PTE(pfn) | VM_PTE_P | VM_PTE_G;

		pte |= i == 0 ? 0 : VM_PTE_RW | VM_PTE_NX;
		vm_pt_table(m, leaf)[VM_PX(0, VM_KERNEL_BASE) + i] = pte;
		vm_phys_frame(&m->phys, leaf)->nent++;
		kernel_fill(m, pfn, i);
		m->kernel_pfn[i] = pfn;
	}
}

/* Opens the files/ directory, when there is one. */
static int
machine_files_open(struct vm_machine *m)
{
	m->files_fd = -1;
	m->cfg.files_dir = NULL;
	if (!m->files_dir)
		return 0;
	m->cfg.files_dir = m->files_dir;
	m->files_fd = open(m->files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return m->files_fd < 0 ? -errno : 0;
}

int
vm_machine_create(const struct vm_config *c, const struct vm_log *log,
		  struct vm_machine **out)
{
	struct vm_machine *m;
	int rc;

	*out = NULL;
	if (vm_config_check(c, NULL))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *c;
	if (c->state_dir) {
		m->state_dir = strdup(c->state_dir);
		if (!m->state_dir) {
			free(m);
			return -ENOMEM;
		}
	}
	m->cfg.state_dir = m->state_dir;
	if (c->files_dir) {
		m->files_dir = strdup(c->files_dir);
		if (!m->files_dir) {
			free(m->state_dir);
			free(m);
			return -ENOMEM;
		}
	}
	m->va_bits = 12 + 9 * c->levels;
	if (log)
		m->log = *log;
	rc = vm_phys_init(&m->phys, c->frames, c->levels);
	if (rc)
		goto err_free;
	rc = vm_tlb_init(&m->cpu.tlb, c->tlb_entries, c->tlb_ways);
	if (rc)
		goto err_phys;
	kernel_build(m);
	rc = vm_reclaim_init(m);
	if (rc)
		goto err_tlb;
	rc = machine_files_open(m);
	if (rc)
		goto err_files;
	rc = vm_pager_init(m);
	if (rc)
		goto err_files;
	m->asid_used[0] = 1; /* ASID 0 means "untagged" */
	*out = m;
	return 0;

err_files:
	vm_pagecache_fini(m);
	vm_reclaim_fini(m);
err_tlb:
	vm_tlb_fini(&m->cpu.tlb);
err_phys:
	vm_phys_fini(&m->phys);
err_free:
	free(m->files_dir);
	free(m->state_dir);
	free(m);
	return rc;
}

void
vm_machine_destroy(struct vm_machine *m)
{
	if (!m)
		return;
	while (m->procs)
		vm_proc_reap(m, m->procs);
	vm_pagecache_fini(m);
	vm_pager_fini(m);
	vm_reclaim_fini(m);
	vm_tlb_fini(&m->cpu.tlb);
	vm_phys_fini(&m->phys);
	free(m->files_dir);
	free(m->state_dir);
	free(m);
}

struct vm_proc *
vm_machine_proc(struct vm_machine *m, int pid)
{
	for (struct vm_proc *p = m->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

void
vm_count(struct vm_machine *m, struct vm_proc *p, enum vm_stat s, uint64_t n)
{
	m->stats.v[s] += n;
	if (p)
		p->stats.v[s] += n;
}
