/*
 * census.h - what each physical frame is, in plain words, and the frame
 * table summed up.
 *
 * The views of memory (Linux's kpageflags, kpagecount, meminfo and
 * vmstat, the lab's phys/frames) describe frames by the same facts: what
 * a frame holds, how many entries map it, where it stands with reclaim,
 * whether it is dirty or referenced.  Some of these live in the frame
 * table and some in the page-table entries that map the frame (D and A),
 * and a frame inside a huge page is described by its huge page.  The
 * census decides them once, here, so that every front end reports the
 * same state; the front ends only encode it (KPF bits, words, sums).
 *
 * Everything here is an observation: reverse maps are followed and
 * tables walked without VM_WALK_ALLOC, and no bit, list, counter or clock
 * changes.
 */
#ifndef VMLAB_CENSUS_H
#define VMLAB_CENSUS_H

#include <stdbool.h>
#include <stdint.h>

struct vm_machine;

enum vm_frame_compound {
	VM_COMPOUND_NONE = 0,
	VM_COMPOUND_HEAD,	/* the first frame of a huge page */
	VM_COMPOUND_TAIL,	/* a later frame of a huge page */
};

/*
 * One frame.  For a tail frame of a huge page every field but compound
 * and head describes the huge page, that is its head frame.
 */
struct vm_frame_info {
	int use;		/* enum vm_frame_use */
	uint32_t mapcount;	/* entries that map it (its reverse map) */
	uint32_t entries;	/* a table frame's non-zero entries */
	bool lru;		/* on the replacement policy's lists */
	bool active;		/* on the active list */
	bool swapcache;		/* its swap slot holds the same data */
	bool pinned;		/* may not be evicted now */
	bool dirty;		/* its own bit, or D in an entry to it */
	bool referenced;	/* its own bit, or A in an entry to it */
	bool flag_dirty;	/* the frame's own dirty bit (page cache) */
	bool flag_referenced;	/* the frame's own referenced bit */
	bool shmem;		/* anonymous, of a shared region's shmem */
	int compound;		/* enum vm_frame_compound */
	bool hugetlb;		/* of a 1 GiB page (Linux's hugetlb), else
				 * of a 2 MiB one (a THP) when compound */
	uint64_t head;		/* a tail's head frame, else the frame */
	uint64_t pages;		/* frames in its huge page, else 1 */
};

/*
 * Describes frame pfn.  Returns 0, or -ENOENT past the last frame (*out
 * zeroed).  Costs O(mapcount) page walks (of the head's mappings for a
 * frame of a huge page).
 */
int vm_frame_census(struct vm_machine *m, uint64_t pfn,
		    struct vm_frame_info *out);

/*
 * The data frames (anonymous and page cache) summed up; in frames.  A
 * 2 MiB page counts its 512 frames by its head's state; the frames of
 * 1 GiB pages count only in hugetlb, as Linux's hugetlb pages are in no
 * LRU list and no anonymous count.
 */
struct vm_frame_totals {
	uint64_t active_anon;	/* on the lists: anonymous, shmem too */
	uint64_t inactive_anon;
	uint64_t active_file;	/* on the lists: page cache */
	uint64_t inactive_file;
	uint64_t unevictable;	/* pinned (and then not counted above) */
	uint64_t anon_mapped;	/* mapped anonymous frames, not shmem */
	uint64_t file_mapped;	/* mapped page-cache and shmem frames */
	uint64_t shmem;		/* anonymous frames of shared regions */
	uint64_t file;		/* page-cache frames */
	uint64_t swapcached;	/* frames with an up-to-date swap copy */
	uint64_t file_dirty;	/* page-cache frames newer than files */
	uint64_t anon_thp;	/* frames of mapped 2 MiB pages */
	uint64_t hugetlb;	/* frames of 1 GiB pages */
};

/*
 * Sums the frame table.  One pass: O(frames) (a huge page is stepped
 * over at its head), plus the page walks of mapped page-cache frames
 * whose own dirty bit is clear.
 */
void vm_frame_totals(struct vm_machine *m, struct vm_frame_totals *t);

#endif /* VMLAB_CENSUS_H */
