/*
 * vma.c - the sorted array of a process's regions.
 *
 * Invariants: v[0..n) sorted by start, disjoint, each non-empty and page
 * aligned; two neighbours that touch are never both mergeable (private
 * anonymous, same prot and flags): they would have been merged.  Regions
 * with an object (a file, or the shmem of shared anonymous memory) are
 * never merged.  Stack and heap regions keep their own identity (never merged),
 * as their labels in maps depend on it.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/pagecache.h"
#include "vmlab/pt.h"
#include "vmlab/vma.h"

void
vm_vmas_init(struct vm_vmas *vs)
{
	memset(vs, 0, sizeof(*vs));
}

/* A region of a file holds a reference on it. */
static void
vma_hold(const struct vm_vma *a)
{
	if (a->file)
		vm_file_hold(a->file);
}

static void
vma_put(const struct vm_vma *a)
{
	if (a->file)
		vm_file_put(a->file);
}

void
vm_vmas_fini(struct vm_vmas *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		vma_put(&vs->v[i]);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

/* Index of the first region with end > va (n if none). */
static size_t
vma_index(const struct vm_vmas *vs, uint64_t va)
{
	size_t lo = 0, hi = vs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vs->v[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vm_vma *
vm_vma_next(const struct vm_vmas *vs, uint64_t va)
{
	size_t i = vma_index(vs, va);

	return i < vs->n ? &vs->v[i] : NULL;
}

struct vm_vma *
vm_vma_find(const struct vm_vmas *vs, uint64_t va)
{
	struct vm_vma *a = vm_vma_next(vs, va);

	return a && a->start <= va ? a : NULL;
}

static int
vma_reserve(struct vm_vmas *vs, size_t extra)
{
	size_t cap;
	struct vm_vma *v;

	if (vs->n + extra <= vs->cap)
		return 0;
	cap = vs->cap ? vs->cap * 2 : 8;
	while (cap < vs->n + extra)
		cap *= 2;
	v = realloc(vs->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	vs->v = v;
	vs->cap = cap;
	return 0;
}

static bool
vma_mergeable(const struct vm_vma *a, const struct vm_vma *b)
{
	unsigned keep = VM_VMA_STACK | VM_VMA_HEAP | VM_VMA_FILE;

	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags && !(a->flags & keep) && !a->file &&
	       !b->file;
}

/* Merges v[i] with v[i + 1] when they allow it. */
static void
vma_try_merge(struct vm_vmas *vs, size_t i)
{
	if (i + 1 >= vs->n || !vma_mergeable(&vs->v[i], &vs->v[i + 1]))
		return;
	vs->v[i].end = vs->v[i + 1].end;
	memmove(&vs->v[i + 1], &vs->v[i + 2],
		(vs->n - i - 2) * sizeof(vs->v[0]));
	vs->n--;
}

int
vm_vma_insert(struct vm_vmas *vs, const struct vm_vma *a)
{
	size_t i;

	if (a->start >= a->end || (a->start | a->end) & ~VM_PAGE_MASK)
		return -EINVAL;
	i = vma_index(vs, a->start);
	if (i < vs->n && vs->v[i].start < a->end)
		return -EINVAL;
	if (vma_reserve(vs, 1))
		return -ENOMEM;
	memmove(&vs->v[i + 1], &vs->v[i], (vs->n - i) * sizeof(vs->v[0]));
	vs->v[i] = *a;
	vs->n++;
	vma_hold(a);
	vma_try_merge(vs, i);
	if (i > 0)
		vma_try_merge(vs, i - 1);
	return 0;
}

/* Splits the region containing addr so that a region starts at addr. */
static int
vma_split(struct vm_vmas *vs, uint64_t addr)
{
	size_t i = vma_index(vs, addr);
	struct vm_vma *a;

	if (i >= vs->n || vs->v[i].start >= addr)
		return 0;
	if (vma_reserve(vs, 1))
		return -ENOMEM;
	memmove(&vs->v[i + 1], &vs->v[i], (vs->n - i) * sizeof(vs->v[0]));
	vs->n++;
	a = &vs->v[i];
	a[1].start = addr;
	if (a->file)
		a[1].pgoff = a->pgoff + ((addr - a->start) >> VM_PAGE_SHIFT);
	a->end = addr;
	vma_hold(a);
	return 0;
}

int
vm_vma_remove(struct vm_vmas *vs, uint64_t start, uint64_t end)
{
	size_t i, j;

	/* room for both splits up front, so a failure changes nothing */
	if (vma_reserve(vs, 2))
		return -ENOMEM;
	vma_split(vs, start);
	vma_split(vs, end);
	i = vma_index(vs, start);
	for (j = i; j < vs->n && vs->v[j].end <= end; j++)
		vma_put(&vs->v[j]);
	memmove(&vs->v[i], &vs->v[j], (vs->n - j) * sizeof(vs->v[0]));
	vs->n -= j - i;
	return 0;
}

/* True when [start, end) is covered by regions with no hole. */
static bool
vma_covered(const struct vm_vmas *vs, uint64_t start, uint64_t end)
{
	size_t i = vma_index(vs, start);
	uint64_t at = start;

	for (; i < vs->n && at < end; i++) {
		if (vs->v[i].start > at)
			return false;
		at = vs->v[i].end;
	}
	return at >= end;
}

int
vm_vma_protect(struct vm_vmas *vs, uint64_t start, uint64_t end,
	       unsigned prot)
{
	size_t i;

	if (!vma_covered(vs, start, end))
		return -ENOMEM;
	if (vma_reserve(vs, 2))
		return -ENOMEM;
	vma_split(vs, start);
	vma_split(vs, end);
	for (i = vma_index(vs, start); i < vs->n && vs->v[i].start < end; i++)
		vs->v[i].prot = prot;
	/* merge back, right to left, what the change made alike */
	for (i = vma_index(vs, end); i-- > 0;) {
		vma_try_merge(vs, i);
		if (vs->v[i].end < start)
			break;
	}
	return 0;
}

int64_t
vm_vma_gap(const struct vm_vmas *vs, uint64_t len, uint64_t lo, uint64_t hi)
{
	size_t i = vma_index(vs, hi);
	uint64_t top = hi;

	if (len == 0 || len > hi - lo)
		return -ENOMEM;
	/* walk down from hi: the gap below each region that ends under top */
	while (1) {
		uint64_t floor = i > 0 ? vs->v[i - 1].end : lo;

		if (i < vs->n && vs->v[i].start < top)
			top = vs->v[i].start;
		if (floor < lo)
			floor = lo;
		if (top >= floor + len && top - len >= lo)
			return (int64_t)(top - len);
		if (i == 0 || vs->v[i - 1].end <= lo)
			return -ENOMEM;
		i--;
		top = vs->v[i].start;
	}
}

int
vm_vmas_copy(struct vm_vmas *dst, const struct vm_vmas *src)
{
	vm_vmas_init(dst);
	if (vma_reserve(dst, src->n ? src->n : 1))
		return -ENOMEM;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(src->v[0]));
	dst->n = src->n;
	for (size_t i = 0; i < dst->n; i++)
		vma_hold(&dst->v[i]);
	return 0;
}

uint64_t
vm_vmas_size(const struct vm_vmas *vs)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < vs->n; i++)
		sum += vs->v[i].end - vs->v[i].start;
	return sum;
}
