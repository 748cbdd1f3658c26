/*
 * swap.c - the swap store: slots of 4 KiB pages in a small log-structured
 * store on top of LMDB.
 *
 * Why not one LMDB value per slot: a 4096-byte value goes to an overflow
 * page chain with a 16-byte header, so it takes two 4 KiB pages, 8 KiB on
 * disk per swapped page.  Instead slot numbers are decoupled from where the
 * bytes are:
 *
 *   slot table   slot[s] = {count, loc}; loc is LOC_ZERO (reads as zeros,
 *                nothing stored) or 1 + cid * K + idx: page idx of cluster
 *                cid.  A bitmap of used slots serves alloc (lowest free
 *                slot) and next_used.
 *   clusters     K pages (K = 16 by default; 15 where LMDB pages are 16 or
 *                64 KiB, to fill them) stored as ONE LMDB value of
 *                K * 4096 bytes under the integer key cid in the "data"
 *                database: K + 1 LMDB pages, 4.25 KiB per page.  Per
 *                cluster: live (pages still referenced), rmap[cid*K+idx]
 *                (the slot stored there, 0 = dead).
 *   open cluster the one cluster being filled, in memory (buf).  Writes are
 *                appended to it; a rewrite of a page that is in it is done
 *                in place.  When it is full and room is needed it is
 *                "sealed": put into LMDB and a new open cluster is started.
 *                vm_swap_flush puts it early (a shorter value under the
 *                same key, overwritten by the next put).
 *
 * Cluster states:
 *
 *   state    where the bytes are   live   in LMDB   in a bucket list
 *   open     buf (+ LMDB if put)   >= 0   maybe     no
 *   sealed   LMDB                  >= 1   yes       bucket[live]
 *   free     nowhere               0      doomed?   no (id on free_ids)
 *
 * A slot rewritten outside the open cluster gets a new location, the old
 * one is released.  A sealed cluster whose live count drops to 0 is
 * "doomed": its id is free at once and it is mdb_del'd in the next write
 * transaction, before the put (so a reused id is deleted, then put).  The
 * open cluster whose live count drops to 0 is rewound to empty.
 * vm_swap_free therefore never touches LMDB.
 *
 * Zero-filled pages are not stored (LOC_ZERO).
 *
 * Compaction: sparse sealed clusters waste disk.  After each seal, while
 * the waste in sealed clusters (nsealed * K - live pages in them) is above
 * K * (1 + nsealed / 32), the live pages of the emptiest sealed cluster
 * (buckets by live count make it O(K) to find) are copied into the new
 * open cluster, keeping one page free for the write that caused the seal.
 * This bounds the sealed clusters to about (live / K + 1) * 32 / 31, i.e.
 * at most ~4.4 KiB on disk per stored page in steady state.  The price is
 * the usual one of a log-structured store kept ~97% full: under random
 * overwrites or random frees of a full store, measured at 6.6 to 7 page
 * copies per write (memcpy from the map, plus the cluster puts they
 * cause); a slack of 1/8 would cost 2.3 copies but 4.9 KiB per page.
 * Fresh writes and frees of whole clusters move nothing.  Frees alone do
 * not compact: a store that only shrinks keeps its sparse clusters until
 * writes resume (their disk pages were paid for at the peak).
 *
 * LMDB use: one environment, MDB_NOSUBDIR file DIR/swap.mdb, named
 * databases "data" (and, later, "meta" for hibernation; maxdbs leaves room).
 * vm_swap_open takes an flock on the file (one store per directory), then
 * truncates it, so LMDB starts a new, empty environment and the file does
 * not keep an old store's size.  A resume call can later take the same
 * lock, skip the truncation and rebuild the tables from "meta" and the
 * cluster keys.
 * Flags MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS: swap content is worthless
 * after a crash (processes die with the machine, and open discards the
 * store), so no fsync is ever paid.  Reads use one long-lived MDB_RDONLY
 * transaction: renewed before a get when it is reset, and reset before
 * every write transaction.  Only this store writes, so between writes the
 * snapshot cannot go stale, and resetting it before each write lets LMDB
 * reuse freed pages.  A get returns a pointer into the map; only the 4096
 * bytes of the page are copied out.
 *
 * Errors: swap_err() is the one place LMDB codes become errnos
 * (MDB_MAP_FULL -> -ENOSPC, anything else -> -EIO) and are logged with
 * mdb_strerror's text.  A failed write transaction is aborted and nothing
 * in memory changes: the open cluster stays full and readable, doomed
 * clusters stay pending.  Limitation: LMDB reuses a freed page only from
 * the second commit after the one that freed it (it keeps the previous
 * snapshot), so with a map too small for nslots a store that hit -ENOSPC
 * may stay full; the default map size leaves room for the whole swap.
 *
 * disk_bytes = (me_last_pgno + 1 - pages on LMDB's freelist) * page size:
 * the LMDB pages holding data, B-tree, freelist and the two meta pages.
 * file_bytes is the allocated size of the file, which keeps its high-water
 * mark (LMDB never shrinks a file).
 *
 * Locking: none; the caller serialises all calls (see swap.h).
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "vmlab/swap.h"

#define PAGE VM_SWAP_PAGE_SIZE
#define LOC_ZERO 0
#define NIL UINT32_MAX
/* Sealed-cluster waste above K * (1 + nsealed / SLACK_DIV) triggers
 * compaction. */
#define SLACK_DIV 32
/* LMDB's overflow page header (PAGEHDRSZ). */
#define OVF_HDR 16
#define ENV_FLAGS (MDB_NOSUBDIR | MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS)
#define DATA_DB "data"
#define MAX_DBS 4

/* cluster flags */
#define CL_ONDISK 1u /* a value under this id is in LMDB */
#define CL_DOOMED 2u /* queued in sw->doomed for mdb_del */

struct swap_slot {
	uint32_t count; /* references; 0 = free */
	uint64_t loc;	/* LOC_ZERO or 1 + cid * K + idx */
};

struct swap_cluster {
	uint32_t live;	     /* pages here still referenced by a slot */
	uint32_t flags;	     /* CL_* */
	uint32_t prev, next; /* bucket[live] links while sealed */
};

struct vm_swap {
	MDB_env *env;
	MDB_dbi data;
	MDB_txn *rtxn; /* read txn, reset while rtxn_live is false */
	bool rtxn_live;
	int lock_fd; /* holds the flock on swap.mdb */
	const struct vm_log *log;

	uint64_t nslots;
	unsigned k;		/* pages per cluster */
	struct swap_slot *slot; /* [nslots + 1] */
	uint64_t *map;		/* bit s set: slot s not free (0, tail too) */
	uint64_t nwords;
	uint64_t hint; /* no free slot below it */
	uint64_t used;
	uint64_t stored;

	struct swap_cluster *cl; /* [cl_cap] */
	uint32_t *rmap;		 /* [cl_cap * k] slot at each page, 0 dead */
	uint32_t *free_ids;	 /* stack of free ids below ncl */
	uint32_t *doomed;	 /* ids to mdb_del at the next commit */
	uint32_t ncl, cl_cap, nfree_ids, ndoomed;
	uint32_t bucket[VM_SWAP_CLUSTER_MAX + 1]; /* sealed, by live count */
	uint64_t nsealed;			  /* sealed clusters */
	uint64_t sealed_live;			  /* live pages in them */

	uint32_t open;	    /* the open cluster's id */
	unsigned fill;	    /* pages appended to buf */
	bool dirty;	    /* buf differs from LMDB's value */
	unsigned char *buf; /* k pages */

	uint64_t writes, zero_writes, reads, commits, compacted;
};

/*
 * The one translation of LMDB results: logs rc with mdb_strerror's text and
 * returns -ENOSPC for MDB_MAP_FULL, -EIO for anything else.
 */
static int
swap_err(const struct vm_log *log, int rc, const char *what)
{
	vm_log(log, VM_LOG_ERR, "swap: %s: %s", what, mdb_strerror(rc));
	return rc == MDB_MAP_FULL ? -ENOSPC : -EIO;
}

static uint64_t
loc_make(const struct vm_swap *sw, uint32_t cid, unsigned idx)
{
	return 1 + (uint64_t)cid * sw->k + idx;
}

static uint32_t
loc_cid(const struct vm_swap *sw, uint64_t loc)
{
	return (uint32_t)((loc - 1) / sw->k);
}

static unsigned
loc_idx(const struct vm_swap *sw, uint64_t loc)
{
	return (unsigned)((loc - 1) % sw->k);
}

static bool
slot_in_use(const struct vm_swap *sw, uint64_t slot)
{
	return sw && slot >= 1 && slot <= sw->nslots && sw->slot[slot].count;
}

static bool
page_is_zero(const unsigned char *p)
{
	return p[0] == 0 && memcmp(p, p + 1, PAGE - 1) == 0;
}

static void
bucket_add(struct vm_swap *sw, uint32_t cid)
{
	struct swap_cluster *c = &sw->cl[cid];
	uint32_t head = sw->bucket[c->live];

	c->prev = NIL;
	c->next = head;
	if (head != NIL)
		sw->cl[head].prev = cid;
	sw->bucket[c->live] = cid;
}

static void
bucket_del(struct vm_swap *sw, uint32_t cid)
{
	struct swap_cluster *c = &sw->cl[cid];

	if (c->prev != NIL)
		sw->cl[c->prev].next = c->next;
	else
		sw->bucket[c->live] = c->next;
	if (c->next != NIL)
		sw->cl[c->next].prev = c->prev;
}

/* Queues a cluster that has a value in LMDB for deletion (once). */
static void
swap_doom(struct vm_swap *sw, uint32_t cid)
{
	struct swap_cluster *c = &sw->cl[cid];

	if (!(c->flags & CL_ONDISK) || (c->flags & CL_DOOMED))
		return;
	c->flags |= CL_DOOMED;
	sw->doomed[sw->ndoomed++] = cid;
}

/* Empties the open cluster once nothing in it is referenced. */
static void
swap_rewind(struct vm_swap *sw)
{
	swap_doom(sw, sw->open);
	sw->fill = 0;
	sw->dirty = false;
}

/*
 * Forgets the page at loc: its cluster loses a live page; a sealed cluster
 * left empty is doomed and its id freed, the open one is rewound.
 */
static void
swap_release(struct vm_swap *sw, uint64_t loc)
{
	uint32_t cid;
	struct swap_cluster *c;

	if (loc == LOC_ZERO)
		return;
	cid = loc_cid(sw, loc);
	c = &sw->cl[cid];
	assert(c->live > 0);
	sw->rmap[loc - 1] = 0;
	sw->stored--;
	if (cid == sw->open) {
		if (--c->live == 0)
			swap_rewind(sw);
		return;
	}
	bucket_del(sw, cid);
	sw->sealed_live--;
	if (--c->live > 0) {
		bucket_add(sw, cid);
		return;
	}
	sw->nsealed--;
	swap_doom(sw, cid);
	sw->free_ids[sw->nfree_ids++] = cid;
}

/*
 * Appends page (not inside buf) to the open cluster, which has room, as
 * slot's content.  The old location is released first: if it was the last
 * live page of the open cluster, that rewinds it.
 */
static void
swap_place(struct vm_swap *sw, uint64_t slot, const void *page)
{
	unsigned idx;
	uint64_t loc;

	swap_release(sw, sw->slot[slot].loc);
	idx = sw->fill++;
	assert(idx < sw->k);
	loc = loc_make(sw, sw->open, idx);
	memcpy(sw->buf + (size_t)idx * PAGE, page, PAGE);
	sw->slot[slot].loc = loc;
	sw->rmap[loc - 1] = (uint32_t)slot;
	sw->cl[sw->open].live++;
	sw->stored++;
	sw->dirty = true;
}

static void
swap_rtxn_end(struct vm_swap *sw)
{
	if (!sw->rtxn_live)
		return;
	mdb_txn_reset(sw->rtxn);
	sw->rtxn_live = false;
}

/* Points v at the stored value of sealed cluster cid (valid until the next
 * write transaction).  Returns 0 or the translated error. */
static int
swap_get(struct vm_swap *sw, uint32_t cid, MDB_val *v)
{
	size_t id = cid;
	MDB_val key = {.mv_size = sizeof(id), .mv_data = &id};
	int rc;

	if (!sw->rtxn_live) {
		rc = mdb_txn_renew(sw->rtxn);
		if (rc)
			return swap_err(sw->log, rc, "renew read txn");
		sw->rtxn_live = true;
	}
	rc = mdb_get(sw->rtxn, sw->data, &key, v);
	if (rc)
		return swap_err(sw->log, rc, "get cluster");
	if (v->mv_size != (size_t)sw->k * PAGE)
		return swap_err(sw->log, MDB_CORRUPTED, "cluster size");
	return 0;
}

/* Deletes the doomed clusters and/or puts the open one inside txn.
 * Returns an LMDB code. */
static int
swap_txn_fill(struct vm_swap *sw, MDB_txn *txn, bool dels, bool put)
{
	size_t id;
	MDB_val key = {.mv_size = sizeof(id), .mv_data = &id};
	MDB_val val;
	uint32_t i;
	int rc;

	for (i = 0; dels && i < sw->ndoomed; i++) {
		id = sw->doomed[i];
		rc = mdb_del(txn, sw->data, &key, NULL);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	if (!put)
		return 0;
	id = sw->open;
	val.mv_size = (size_t)sw->fill * PAGE;
	val.mv_data = sw->buf;
	return mdb_put(txn, sw->data, &key, &val, 0);
}

/* Bookkeeping after a successful commit of swap_txn_fill's work. */
static void
swap_committed(struct vm_swap *sw, bool dels, bool put)
{
	uint32_t i;

	for (i = 0; dels && i < sw->ndoomed; i++)
		sw->cl[sw->doomed[i]].flags &= ~(CL_ONDISK | CL_DOOMED);
	if (dels)
		sw->ndoomed = 0;
	if (put) {
		sw->cl[sw->open].flags |= CL_ONDISK;
		sw->dirty = false;
	}
	sw->commits++;
}

/*
 * One write transaction: pending deletions first, then the open cluster if
 * it is dirty.  Returns 0 or the translated error; on error nothing in
 * memory has changed.
 */
static int
swap_sync(struct vm_swap *sw)
{
	bool dels = sw->ndoomed > 0, put = sw->dirty && sw->fill > 0;
	MDB_txn *txn;
	int rc;

	if (!dels && !put)
		return 0;
	swap_rtxn_end(sw);
	rc = mdb_txn_begin(sw->env, NULL, 0, &txn);
	if (rc)
		return swap_err(sw->log, rc, "begin write txn");
	rc = swap_txn_fill(sw, txn, dels, put);
	if (rc) {
		mdb_txn_abort(txn);
		return swap_err(sw->log, rc,
				put ? "put cluster" : "delete cluster");
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return swap_err(sw->log, rc, "commit");
	swap_committed(sw, dels, put);
	return 0;
}

/* Grows the cluster arrays to twice their size.  Returns 0 or -ENOMEM. */
static int
swap_grow(struct vm_swap *sw)
{
	uint32_t cap = sw->cl_cap * 2;
	void *p;

	if (cap <= sw->cl_cap)
		return -ENOMEM;
	p = realloc(sw->cl, cap * sizeof(*sw->cl));
	if (!p)
		return -ENOMEM;
	sw->cl = p;
	p = realloc(sw->rmap, (size_t)cap * sw->k * sizeof(*sw->rmap));
	if (!p)
		return -ENOMEM;
	sw->rmap = p;
	p = realloc(sw->free_ids, cap * sizeof(*sw->free_ids));
	if (!p)
		return -ENOMEM;
	sw->free_ids = p;
	p = realloc(sw->doomed, cap * sizeof(*sw->doomed));
	if (!p)
		return -ENOMEM;
	sw->doomed = p;
	sw->cl_cap = cap;
	return 0;
}

/* Makes a fresh cluster id the open cluster; swap_grow made room. */
static void
swap_open_new(struct vm_swap *sw)
{
	uint32_t cid;

	if (sw->nfree_ids > 0) {
		cid = sw->free_ids[--sw->nfree_ids];
	} else {
		assert(sw->ncl < sw->cl_cap);
		cid = sw->ncl++;
		sw->cl[cid].flags = 0;
	}
	sw->cl[cid].live = 0;
	sw->open = cid;
	sw->fill = 0;
	sw->dirty = false;
}

static bool
swap_fragmented(const struct vm_swap *sw)
{
	uint64_t waste = sw->nsealed * sw->k - sw->sealed_live;

	return waste > sw->k * (1 + sw->nsealed / SLACK_DIV);
}

static uint32_t
swap_emptiest(const struct vm_swap *sw)
{
	unsigned n;

	for (n = 1; n < sw->k; n++)
		if (sw->bucket[n] != NIL)
			return sw->bucket[n];
	return NIL;
}

/* Copies the live pages of sealed cluster cid into the open cluster, which
 * has room for them.  Returns 0 or the translated error. */
static int
swap_move(struct vm_swap *sw, uint32_t cid)
{
	const unsigned char *src;
	MDB_val v;
	unsigned idx;
	uint32_t s;
	int rc;

	rc = swap_get(sw, cid, &v);
	if (rc)
		return rc;
	src = v.mv_data;
	for (idx = 0; idx < sw->k; idx++) {
		s = sw->rmap[(size_t)cid * sw->k + idx];
		if (!s)
			continue;
		swap_place(sw, s, src + (size_t)idx * PAGE);
		sw->compacted++;
	}
	return 0;
}

/* Moves sparse sealed clusters into the (fresh) open cluster while the
 * store is fragmented, leaving it one free page.  Best effort: an error
 * was logged and only stops it. */
static void
swap_compact(struct vm_swap *sw)
{
	uint32_t cid;

	while (swap_fragmented(sw)) {
		cid = swap_emptiest(sw);
		if (cid == NIL || sw->cl[cid].live + 1 > sw->k - sw->fill)
			break;
		if (swap_move(sw, cid))
			break;
	}
}

/*
 * Makes room in the full open cluster: puts it into LMDB, turns it into a
 * sealed cluster and opens a new one, then compacts.  Returns 0, -ENOMEM
 * or the translated LMDB error (nothing changed then).
 */
static int
swap_seal(struct vm_swap *sw)
{
	struct swap_cluster *c = &sw->cl[sw->open];
	int rc;

	if (sw->nfree_ids == 0 && sw->ncl == sw->cl_cap) {
		rc = swap_grow(sw);
		if (rc)
			return rc;
		c = &sw->cl[sw->open];
	}
	rc = swap_sync(sw);
	if (rc)
		return rc;
	assert(c->live > 0 && (c->flags & CL_ONDISK));
	sw->nsealed++;
	sw->sealed_live += c->live;
	bucket_add(sw, sw->open);
	swap_open_new(sw);
	swap_compact(sw);
	return 0;
}

int
vm_swap_write(struct vm_swap *sw, uint64_t slot, const void *page)
{
	uint64_t loc;
	int rc;

	if (!page || !slot_in_use(sw, slot))
		return -EINVAL;
	loc = sw->slot[slot].loc;
	if (page_is_zero(page)) {
		swap_release(sw, loc);
		sw->slot[slot].loc = LOC_ZERO;
		sw->zero_writes++;
	} else if (loc != LOC_ZERO && loc_cid(sw, loc) == sw->open) {
		memcpy(sw->buf + (size_t)loc_idx(sw, loc) * PAGE, page, PAGE);
		sw->dirty = true;
	} else {
		if (sw->fill == sw->k) {
			rc = swap_seal(sw);
			if (rc)
				return rc;
		}
		swap_place(sw, slot, page);
	}
	sw->writes++;
	return 0;
}

int
vm_swap_read(struct vm_swap *sw, uint64_t slot, void *page)
{
	uint64_t loc;
	MDB_val v;
	int rc;

	if (!page || !slot_in_use(sw, slot))
		return -EINVAL;
	loc = sw->slot[slot].loc;
	if (loc == LOC_ZERO) {
		memset(page, 0, PAGE);
	} else if (loc_cid(sw, loc) == sw->open) {
		memcpy(page, sw->buf + (size_t)loc_idx(sw, loc) * PAGE, PAGE);
	} else {
		rc = swap_get(sw, loc_cid(sw, loc), &v);
		if (rc)
			return rc;
		memcpy(page,
		       (const unsigned char *)v.mv_data +
			       (size_t)loc_idx(sw, loc) * PAGE,
		       PAGE);
	}
	sw->reads++;
	return 0;
}

int
vm_swap_flush(struct vm_swap *sw)
{
	if (!sw)
		return -EINVAL;
	return swap_sync(sw);
}

int64_t
vm_swap_alloc(struct vm_swap *sw)
{
	uint64_t w, s;

	if (!sw)
		return -EINVAL;
	if (sw->used == sw->nslots)
		return -ENOSPC;
	for (w = sw->hint / 64; sw->map[w] == UINT64_MAX; w++)
		assert(w + 1 < sw->nwords);
	s = w * 64 + (uint64_t)__builtin_ctzll(~sw->map[w]);
	assert(s >= 1 && s <= sw->nslots && sw->slot[s].count == 0);
	sw->map[w] |= UINT64_C(1) << (s % 64);
	sw->slot[s].count = 1;
	sw->slot[s].loc = LOC_ZERO;
	sw->used++;
	sw->hint = s + 1;
	return (int64_t)s;
}

int
vm_swap_dup(struct vm_swap *sw, uint64_t slot)
{
	if (!slot_in_use(sw, slot))
		return -EINVAL;
	if (sw->slot[slot].count == UINT32_MAX)
		return -EOVERFLOW;
	sw->slot[slot].count++;
	return 0;
}

int
vm_swap_free(struct vm_swap *sw, uint64_t slot)
{
	struct swap_slot *e;

	if (!slot_in_use(sw, slot))
		return -EINVAL;
	e = &sw->slot[slot];
	if (--e->count > 0)
		return 0;
	swap_release(sw, e->loc);
	e->loc = LOC_ZERO;
	sw->map[slot / 64] &= ~(UINT64_C(1) << (slot % 64));
	sw->used--;
	if (slot < sw->hint)
		sw->hint = slot;
	return 0;
}

unsigned
vm_swap_count(const struct vm_swap *sw, uint64_t slot)
{
	if (!sw || slot < 1 || slot > sw->nslots)
		return 0;
	return sw->slot[slot].count;
}

uint64_t
vm_swap_next_used(const struct vm_swap *sw, uint64_t after)
{
	uint64_t s, w, word;

	if (!sw || after >= sw->nslots)
		return 0;
	s = after + 1;
	w = s / 64;
	word = sw->map[w] & (UINT64_MAX << (s % 64));
	while (!word) {
		if (++w == sw->nwords)
			return 0;
		word = sw->map[w];
	}
	s = w * 64 + (uint64_t)__builtin_ctzll(word);
	return s <= sw->nslots ? s : 0;
}

/* Sums the pages on LMDB's freelist (FREE_DBI, dbi 0), as mdb_stat -f
 * does: each record is an IDL whose first word is its length. */
static int
swap_free_pages(MDB_txn *txn, uint64_t *pages)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	*pages = 0;
	rc = mdb_cursor_open(txn, 0, &cur);
	if (rc)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
		*pages += *(const size_t *)v.mv_data;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Fills the LMDB and file measures of info.  Returns an LMDB code. */
static int
swap_measure(const struct vm_swap *sw, struct vm_swap_info *info)
{
	MDB_envinfo ei;
	MDB_stat ms;
	MDB_txn *txn;
	uint64_t freepg;
	struct stat st;
	int rc;

	rc = mdb_txn_begin(sw->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	rc = mdb_env_info(sw->env, &ei);
	if (!rc)
		rc = mdb_stat(txn, sw->data, &ms);
	if (!rc)
		rc = swap_free_pages(txn, &freepg);
	mdb_txn_abort(txn);
	if (rc)
		return rc;
	info->clusters = ms.ms_entries;
	info->disk_bytes =
		((uint64_t)ei.me_last_pgno + 1 - freepg) * ms.ms_psize;
	info->map_size = ei.me_mapsize;
	if (fstat(sw->lock_fd, &st) == 0)
		info->file_bytes = (uint64_t)st.st_blocks * 512;
	return 0;
}

void
vm_swap_get_info(const struct vm_swap *sw, struct vm_swap_info *info)
{
	int rc;

	if (!sw || !info)
		return;
	memset(info, 0, sizeof(*info));
	info->nslots = sw->nslots;
	info->cluster = sw->k;
	info->used = sw->used;
	info->stored = sw->stored;
	info->zero = sw->used - sw->stored;
	info->buffered = sw->cl[sw->open].live;
	info->writes = sw->writes;
	info->zero_writes = sw->zero_writes;
	info->reads = sw->reads;
	info->commits = sw->commits;
	info->compacted = sw->compacted;
	rc = swap_measure(sw, info);
	if (rc)
		swap_err(sw->log, rc, "measure");
}

/* ---- open and close ---- */

static unsigned
swap_default_cluster(uint64_t psize)
{
	uint64_t pages;

	if (psize <= PAGE)
		return VM_SWAP_CLUSTER_DEFAULT;
	/* Bigger LMDB pages: fill whole pages with the 16-byte header. */
	pages = (VM_SWAP_CLUSTER_DEFAULT * PAGE + psize - 1) / psize;
	return (unsigned)((pages * psize - OVF_HDR) / PAGE);
}

/* Room for every slot stored in full clusters, plus a quarter for
 * fragmentation and pages LMDB has not yet reused, plus 64 clusters and
 * 1 MiB for the B-tree and freelist. */
static uint64_t
swap_default_mapsize(uint64_t nslots, unsigned k, uint64_t psize)
{
	uint64_t per =
		((uint64_t)k * PAGE + OVF_HDR + psize - 1) / psize * psize;
	uint64_t bytes = (nslots + k - 1) / k * per;

	bytes += bytes / 4 + 64 * per + (UINT64_C(1) << 20);
	return (bytes + psize - 1) / psize * psize;
}

/* Opens, locks and truncates DIR/swap.mdb.  Returns 0 or -errno. */
static int
swap_lock_file(const char *dir, char *path, size_t len, int *fd)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(path, len, "%s/%s", dir, VM_SWAP_FILE) >= len)
		return -ENAMETOOLONG;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0 || ftruncate(*fd, 0) != 0) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(*fd);
		return err;
	}
	return 0;
}

/* Creates the environment at path with an empty "data" database and the
 * reset read txn.  Returns 0 or the translated error. */
static int
swap_env_open(struct vm_swap *sw, const char *path, uint64_t mapsize)
{
	MDB_txn *txn;
	int rc;

	rc = mdb_env_create(&sw->env);
	if (rc)
		return swap_err(sw->log, rc, "env create");
	rc = mdb_env_set_maxdbs(sw->env, MAX_DBS);
	if (!rc)
		rc = mdb_env_set_mapsize(sw->env, (size_t)mapsize);
	if (!rc)
		rc = mdb_env_open(sw->env, path, ENV_FLAGS, 0600);
	if (!rc)
		rc = mdb_txn_begin(sw->env, NULL, 0, &txn);
	if (rc)
		goto fail_env;
	rc = mdb_dbi_open(txn, DATA_DB, MDB_CREATE | MDB_INTEGERKEY, &sw->data);
	if (rc) {
		mdb_txn_abort(txn);
		goto fail_env;
	}
	rc = mdb_txn_commit(txn);
	if (!rc)
		rc = mdb_txn_begin(sw->env, NULL, MDB_RDONLY, &sw->rtxn);
	if (rc)
		goto fail_env;
	mdb_txn_reset(sw->rtxn);
	return 0;

fail_env:
	mdb_env_close(sw->env);
	sw->env = NULL;
	return swap_err(sw->log, rc, "env open");
}

/* Allocates the slot table, bitmap, cluster arrays and buffer, and opens
 * the first cluster.  Returns 0 or -ENOMEM (swap_free_tables cleans up). */
/*
 * A zeroed table of n bytes that lasts as long as the store: address
 * space taken without a promise of memory (MAP_NORESERVE), so that the
 * host pays for the pages the slots in use touch.  An 8 TiB swap has a
 * 32 GiB slot table, more than many hosts would promise at once, and
 * which only a full swap ever touches.  NULL when it cannot be had.
 */
static void *
swap_table_new(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void
swap_table_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

static int
swap_tables(struct vm_swap *sw)
{
	uint64_t s;

	sw->nwords = sw->nslots / 64 + 1;
	sw->cl_cap = (uint32_t)((sw->nslots + sw->k - 1) / sw->k + 2);
	sw->slot = swap_table_new((sw->nslots + 1) * sizeof(*sw->slot));
	sw->map = swap_table_new(sw->nwords * sizeof(*sw->map));
	sw->cl = calloc(sw->cl_cap, sizeof(*sw->cl));
	sw->rmap = calloc((size_t)sw->cl_cap * sw->k, sizeof(*sw->rmap));
	sw->free_ids = calloc(sw->cl_cap, sizeof(*sw->free_ids));
	sw->doomed = calloc(sw->cl_cap, sizeof(*sw->doomed));
	sw->buf = malloc((size_t)sw->k * PAGE);
	if (!sw->slot || !sw->map || !sw->cl || !sw->rmap || !sw->free_ids ||
	    !sw->doomed || !sw->buf)
		return -ENOMEM;
	/* slot 0 and the bits past nslots never look free */
	sw->map[0] = 1;
	for (s = sw->nslots + 1; s < sw->nwords * 64; s++)
		sw->map[s / 64] |= UINT64_C(1) << (s % 64);
	for (s = 0; s <= VM_SWAP_CLUSTER_MAX; s++)
		sw->bucket[s] = NIL;
	sw->hint = 1;
	swap_open_new(sw);
	return 0;
}

static void
swap_free_tables(struct vm_swap *sw)
{
	free(sw->buf);
	free(sw->doomed);
	free(sw->free_ids);
	free(sw->rmap);
	free(sw->cl);
	swap_table_free(sw->map, sw->nwords * sizeof(*sw->map));
	swap_table_free(sw->slot, (sw->nslots + 1) * sizeof(*sw->slot));
}

int
vm_swap_open(const char *dir, const struct vm_swap_opts *o,
	     struct vm_swap **out)
{
	char path[PATH_MAX];
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t psize = ps > 0 ? (uint64_t)ps : PAGE;
	struct vm_swap *sw;
	uint64_t mapsize;
	int rc;

	if (!dir || !o || !out || o->nslots == 0 ||
	    o->nslots > VM_SWAP_SLOTS_MAX || o->cluster > VM_SWAP_CLUSTER_MAX)
		return -EINVAL;
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	sw->log = o->log;
	sw->nslots = o->nslots;
	sw->k = o->cluster ? o->cluster : swap_default_cluster(psize);
	rc = swap_tables(sw);
	if (rc)
		goto fail_tables;
	rc = swap_lock_file(dir, path, sizeof(path), &sw->lock_fd);
	if (rc)
		goto fail_tables;
	mapsize = o->mapsize;
	if (!mapsize)
		mapsize = swap_default_mapsize(sw->nslots, sw->k, psize);
	rc = swap_env_open(sw, path, mapsize);
	if (rc)
		goto fail_lock;
	*out = sw;
	return 0;

fail_lock:
	close(sw->lock_fd);
fail_tables:
	swap_free_tables(sw);
	free(sw);
	return rc;
}

void
vm_swap_close(struct vm_swap *sw)
{
	if (!sw)
		return;
	if (swap_sync(sw))
		vm_log(sw->log, VM_LOG_WARN,
		       "swap: close: buffered pages not written");
	mdb_txn_abort(sw->rtxn);
	mdb_env_close(sw->env);
	close(sw->lock_fd);
	swap_free_tables(sw);
	free(sw);
}
