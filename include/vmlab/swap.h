/*
 * swap.h - the swap store: numbered slots of 4 KiB pages kept in LMDB.
 *
 * Page reclaim gives a dirty anonymous page a slot (vm_swap_alloc), stores
 * its bytes there (vm_swap_write) and puts the slot number in the PTE.
 * Every further PTE or swap-cache entry that shares the slot takes a
 * reference (vm_swap_dup) and drops it with vm_swap_free; the last drop
 * releases the slot and its storage.  Slot numbers run from 1 to nslots:
 * slot 0 is never handed out, so a swap entry is never all zero.
 *
 * On disk the store is one LMDB environment, the single file DIR/swap.mdb
 * (MDB_NOSUBDIR; LMDB adds DIR/swap.mdb-lock).  Page contents live in the
 * named database "data"; the name "meta" is reserved for a later
 * hibernation image next to it.  See src/swap.c for the layout.
 *
 * Locking: none inside.  The caller serialises every call on one store,
 * the const ones included (the machine lock does this).
 */
#ifndef VMLAB_SWAP_H
#define VMLAB_SWAP_H

#include <stdint.h>

#include "vmlab/log.h"

#define VM_SWAP_PAGE_SIZE 4096
/* The environment's file inside the state directory. */
#define VM_SWAP_FILE "swap.mdb"
/* Pages per stored value when vm_swap_opts.cluster is 0 (4 KiB pages). */
#define VM_SWAP_CLUSTER_DEFAULT 16
#define VM_SWAP_CLUSTER_MAX 256
/* Largest nslots accepted: 8 TiB of swap. */
#define VM_SWAP_SLOTS_MAX (UINT64_C(1) << 31)

struct vm_swap;

struct vm_swap_opts {
	uint64_t nslots;	  /* capacity in pages: slots 1..nslots */
	uint64_t mapsize;	  /* LMDB map size in bytes, 0 = from nslots */
	unsigned cluster;	  /* pages per stored value, 0 = default */
	const struct vm_log *log; /* LMDB errors go here; may be NULL */
};

struct vm_swap_info {
	uint64_t nslots;      /* capacity */
	uint64_t cluster;     /* pages per stored value */
	uint64_t used;	      /* slots with a reference (= stored + zero) */
	uint64_t stored;      /* used slots whose page is kept in a cluster */
	uint64_t zero;	      /* used slots that read as zeros, not kept */
	uint64_t buffered;    /* stored pages held in the open cluster */
	uint64_t clusters;    /* values in the LMDB "data" database */
	uint64_t disk_bytes;  /* LMDB pages in use * page size, see swap.c */
	uint64_t file_bytes;  /* blocks allocated to swap.mdb * 512 */
	uint64_t map_size;    /* LMDB map size: the most disk_bytes can be */
	uint64_t writes;      /* vm_swap_write calls that succeeded */
	uint64_t zero_writes; /* ... of which wrote a zero-filled page */
	uint64_t reads;	      /* vm_swap_read calls that succeeded */
	uint64_t commits;     /* LMDB write transactions committed */
	uint64_t compacted;   /* pages moved out of sparse clusters */
};

/*
 * Creates DIR (one level, mode 0700) if it does not exist and opens a swap
 * store of o->nslots slots in DIR/swap.mdb.  The store starts empty: the
 * content of an earlier store in DIR is discarded (the file is truncated).
 * Only one store may use DIR at a time; the file is flock()ed.
 * Returns 0 and sets *out, or: -EINVAL for a NULL argument, nslots 0 or
 * above VM_SWAP_SLOTS_MAX, cluster above VM_SWAP_CLUSTER_MAX; -EBUSY if
 * another store holds DIR; -errno of mkdir/open; -ENOMEM; -EIO (or
 * -ENOSPC) if LMDB fails, logged to o->log.  On failure nothing is left
 * open.  Takes about 21 bytes of address space per slot; the host's
 * memory pays only for the part that slots in use touch.
 */
int vm_swap_open(const char *dir, const struct vm_swap_opts *o,
		 struct vm_swap **out);

/*
 * Writes buffered pages to LMDB, then closes the environment and frees sw.
 * A failing final write is logged and otherwise ignored: nothing in the
 * store outlives it.  The files stay in the directory.  sw may be NULL.
 */
void vm_swap_close(struct vm_swap *sw);

/*
 * Takes the lowest free slot and gives it one reference; it reads as zeros
 * until written.  Returns the slot (1..nslots), -ENOSPC when every slot is
 * in use, -EINVAL if sw is NULL.  O(nslots / 64) worst case.
 */
int64_t vm_swap_alloc(struct vm_swap *sw);

/*
 * Adds a reference to a slot in use (a second PTE shares it after fork, or
 * the swap cache holds it).  Returns 0, -EINVAL if sw is NULL or slot is
 * not in use, -EOVERFLOW at 2^32 - 1 references.
 */
int vm_swap_dup(struct vm_swap *sw, uint64_t slot);

/*
 * Drops a reference.  At zero the slot becomes free and its page's storage
 * is released (a cluster left with no live page is deleted from LMDB at the
 * next commit).  Never touches LMDB, so it cannot fail on I/O.  Returns 0,
 * or -EINVAL if sw is NULL or slot is not in use.
 */
int vm_swap_free(struct vm_swap *sw, uint64_t slot);

/* References held on slot; 0 if it is free, out of range or sw is NULL. */
unsigned vm_swap_count(const struct vm_swap *sw, uint64_t slot);

/*
 * Stores the 4096 bytes at page as the slot's content, replacing what it
 * held.  A zero-filled page is not stored, only noted.  The bytes are
 * copied into the open cluster; when it is full it is first written to
 * LMDB in one transaction, which may also move pages out of sparse
 * clusters (at most cluster - 1 page copies).  Returns 0, -EINVAL (NULL
 * sw or page, slot not in use), -ENOMEM, -ENOSPC when the LMDB map is
 * full, -EIO on any other LMDB error.  On failure the slot keeps its
 * former content and everything stored stays readable.
 */
int vm_swap_write(struct vm_swap *sw, uint64_t slot, const void *page);

/*
 * Copies the slot's 4096 bytes to page; a slot never written, or written
 * with zeros, reads as zeros.  Returns 0, -EINVAL (NULL sw or page, slot
 * not in use), -EIO if LMDB fails (logged).
 */
int vm_swap_read(struct vm_swap *sw, uint64_t slot, void *page);

/*
 * Puts the open cluster and pending deletions into LMDB in one write
 * transaction (no fsync: see swap.c).  Does nothing if nothing is
 * pending.  Returns 0, -EINVAL if sw is NULL, -ENOSPC if the map is full,
 * -EIO.  On failure the buffered pages stay readable and pending.
 */
int vm_swap_flush(struct vm_swap *sw);

/*
 * The smallest slot in use above after, or 0 if there is none (or sw is
 * NULL).  Iterate with s = 0; (s = vm_swap_next_used(sw, s)) != 0;.
 */
uint64_t vm_swap_next_used(const struct vm_swap *sw, uint64_t after);

/*
 * Fills *info.  The counters are exact; clusters, disk_bytes, file_bytes
 * and map_size are read from LMDB and the file as of the last commit
 * (left 0 and logged if that fails).  Walks LMDB's freelist: O(free pages).
 * Does nothing if sw or info is NULL.
 */
void vm_swap_get_info(const struct vm_swap *sw, struct vm_swap_info *info);

#endif /* VMLAB_SWAP_H */
