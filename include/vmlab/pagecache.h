/*
 * pagecache.h - the files of files/ as pager objects: the page cache.
 *
 * A struct vm_file is one real file of the backing directory, known by its
 * host (device, inode): the same file opened twice, by two mappings or by
 * a mapping and a read through files/, is one object, so its pages are
 * one set of frames.  Its pages live in simulated frames (VM_FRAME_FILE)
 * in the pager's index under (file, page index): reads and writes of
 * files/ and faults of file mappings all go through them, so a write by
 * any of them is seen at once by all the others.
 *
 * Page cache frames compete with anonymous ones under the replacement
 * policy.  A dirty one (written by write(2), or through a shared mapping:
 * a D bit in a PTE) goes back to its file when it is cleaned (msync,
 * fsync, eviction, drop at unmount), never to swap; a clean one is simply
 * dropped.  The file's length is the object's: writes past the end grow
 * it at once, the host file follows at writeback; truncation is written
 * through to the host file at once.
 *
 * Lifetime: an object lives while it has references (mappings, open
 * handles of a front end) or pages in the cache; vm_pagecache_drop and
 * the machine's end free objects left with neither, as Linux keeps an
 * unused inode cached until memory is wanted.
 */
#ifndef VMLAB_PAGECACHE_H
#define VMLAB_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmlab/pager.h"

struct vm_machine;
struct vm_proc;

struct vm_file {
	struct vm_pobj obj;	/* first: the pager's view of it */
	int fd;			/* the host file, O_RDWR if it may be written */
	bool rdonly;		/* the host file could only be opened O_RDONLY */
	bool deleted;		/* unlinked from files/ while still in use */
	uint64_t dev, ino;	/* host identity; shmem: ino alone, its own */
	uint64_t size;		/* bytes */
	unsigned refs;		/* mappings and open handles */
	char *path;		/* its name under files/, for maps */
	struct vm_file *next;	/* the machine's list */
	/* VM_POBJ_SHMEM: no host file (fd -1), not on the list */
	struct vm_machine *m;	/* to free it at its last reference */
	uint64_t *slots;	/* the swap slot of each page, 0 = none */
};

/*
 * The memory of a new shared anonymous region of pages pages (Linux's
 * shmem object): its pages are zeros until written, shared by every
 * mapping of it, swapped out to slots of its own, named by an inode
 * number of its own (1, 2, ... in the order made).  Returns 0 with *out
 * holding one reference, or -ENOMEM.  The last vm_file_put frees its
 * unmapped pages and its slots at once, and the object with its last
 * page.
 */
int vm_shmem_create(struct vm_machine *m, uint64_t pages,
		    struct vm_file **out);

/* Pager hooks for shmem: page index read back from its slot (or zeros)
 * into a new anonymous frame, attached; written to its slot; a frame of
 * it was freed. */
int vm_shmem_pagein(struct vm_machine *m, struct vm_file *f, uint64_t index,
		    struct vm_proc *owner, uint64_t *pfn, bool *major);
int vm_shmem_pageout(struct vm_machine *m, struct vm_file *f, uint64_t pfn);
void vm_shmem_detached(struct vm_machine *m, struct vm_file *f);

/*
 * Opens path (relative to the machine's files/ directory; no "..", no
 * symlink followed) and returns its object with one more reference.
 * Returns 0, -ENOENT, -EACCES, -ELOOP, -EISDIR, -ENODEV (not a regular
 * file), -ENOMEM, or another -errno of the host.
 */
int vm_file_open(struct vm_machine *m, const char *path,
		 struct vm_file **out);

/*
 * The same for a host file a front end has already opened (fd is dup'd;
 * the caller keeps its own).  path names it under files/.
 */
int vm_file_adopt(struct vm_machine *m, int fd, const char *path,
		  struct vm_file **out);

/* The object of host file (dev, ino), or NULL; no reference taken. */
struct vm_file *vm_file_find(struct vm_machine *m, uint64_t dev,
			     uint64_t ino);

/* One more reference / one less.  A file left with none stays known
 * (with its cached pages) until vm_pagecache_drop or the machine's end;
 * shmem goes at once (see vm_shmem_create). */
void vm_file_hold(struct vm_file *f);
void vm_file_put(struct vm_file *f);

/*
 * read(2) and write(2) through the page cache, at most len bytes at off.
 * A read stops at the file's end; a write past it grows the file (the gap
 * reads as zeros).  Every page touched is marked referenced; written pages
 * are dirty.  Returns the bytes moved or -errno (-ENOMEM, -EIO, -EBADF for
 * a write to a read-only host file); a later page failing ends it short.
 */
ssize_t vm_file_read(struct vm_machine *m, struct vm_file *f, void *buf,
		     size_t len, uint64_t off);
ssize_t vm_file_write(struct vm_machine *m, struct vm_file *f,
		      const void *buf, size_t len, uint64_t off);

/*
 * read(2) without the copy, for a reply written straight from the page
 * cache: the pages of [off, off + len) (cut at the file's end) are found
 * or read in and pinned, their bytes described in spans (room for
 * vm_mem_pages(off, len) of them).  Returns the bytes covered (give the
 * pins back with vm_mem_unpin), 0 at or past the end, -errno when the
 * first page fails, or -E2BIG with nothing pinned when the range is too
 * large to pin at once: the caller then uses vm_file_read.
 */
struct vm_mem_span;
ssize_t vm_file_pin_read(struct vm_machine *m, struct vm_file *f,
			 uint64_t off, size_t len, struct vm_mem_span *spans,
			 size_t *nspans);

/*
 * Sets the file's length.  Shrinking unmaps the pages past the new end
 * from every mapping of the file (private copies too, as Linux does), drops
 * them from the cache, zeroes the tail of the new last page, and truncates
 * the host file; growing adds bytes that read as zeros.  0 or -errno.
 */
int vm_file_truncate(struct vm_machine *m, struct vm_file *f, uint64_t size);

/* Writes every dirty page of f back to the host file, then fsyncs it.
 * 0 or -EIO (the pages that could not be written stay dirty). */
int vm_file_sync(struct vm_machine *m, struct vm_file *f);

/* The same for the pages [first, end) of f (msync): 0 or -EIO. */
int vm_file_sync_range(struct vm_machine *m, struct vm_file *f,
		       uint64_t first, uint64_t end);

/* Writes back every dirty page-cache page of the machine (unmount).
 * Returns 0 or the first error; it goes on past errors. */
int vm_pagecache_sync_all(struct vm_machine *m);

/*
 * drop_caches: frees every clean page-cache frame no PTE maps and no pin
 * holds, then every object left with no reference and no page.  Returns
 * the number of frames freed.
 */
uint64_t vm_pagecache_drop(struct vm_machine *m);

/* The machine's end: writes every dirty page back, frees the page cache
 * and every object, closes the files/ directory. */
void vm_pagecache_fini(struct vm_machine *m);

/* The front end renamed or unlinked the file under files/. */
int vm_file_set_path(struct vm_file *f, const char *path);
void vm_file_set_deleted(struct vm_file *f);

/* Pager hooks: read page index of f into a new frame charged to owner
 * (attached, on the policy's lists); write frame pfn back to f. */
int vm_file_pagein(struct vm_machine *m, struct vm_file *f, uint64_t index,
		   struct vm_proc *owner, uint64_t *pfn);
int vm_file_pageout(struct vm_machine *m, struct vm_file *f, uint64_t pfn);

/* Pages in f: the file's length rounded up to pages. */
static inline uint64_t
vm_file_pages(const struct vm_file *f)
{
	return (f->size + 4095) >> 12;
}

#endif /* VMLAB_PAGECACHE_H */
