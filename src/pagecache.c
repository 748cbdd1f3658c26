/*
 * pagecache.c - file objects and their pages.  See pagecache.h.
 *
 * Case table of a page of a file:
 *
 *   read(2), fault, not cached     -> read from the host file into a new
 *                                     frame (pgpgin, a major fault)
 *   read(2), fault, cached         -> that frame (a minor fault)
 *   write(2), whole page or past
 *   the end, not cached            -> a new zeroed frame, no read
 *   write(2), partial, not cached  -> read first, then copy
 *   grown (write(2), truncate)     -> the cached last page's bytes past
 *                                     the old end zeroed first
 *   clean, dirty                   -> pwrite of the page's bytes below the
 *                                     file's end (pgpgout)
 *   evicted clean                  -> dropped; PTEs mapping it emptied
 *
 * pgpgin and pgpgout count KiB, as Linux's do (4 a page).  The clock
 * charges a read as a major fault and a write as a page out.
 *
 * Objects are on a plain list: a lab has tens of files, not millions.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reclaim.h"
#include "vmlab/frame.h"
#include "vmlab/hostdir.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/pagecache.h"
#include "vmlab/proc.h"
#include "vmlab/reclaim.h"

#define F(m, pfn) vm_phys_frame(&(m)->phys, (pfn))

struct vm_file *
vm_file_find(struct vm_machine *m, uint64_t dev, uint64_t ino)
{
	for (struct vm_file *f = m->files; f; f = f->next)
		if (f->dev == dev && f->ino == ino)
			return f;
	return NULL;
}

/* Makes the object of host file fd (which it takes over), or finds the
 * one that exists (closing fd). */
static int
file_make(struct vm_machine *m, int fd, bool rdonly, const char *path,
	  struct vm_file **out)
{
	struct stat st;
	struct vm_file *f;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;

		if (e == 0 || !S_ISREG(st.st_mode))
			e = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
		close(fd);
		return -e;
	}
	f = vm_file_find(m, st.st_dev, st.st_ino);
	if (f && f->rdonly && !rdonly) {
		close(f->fd); /* the host lets us write it now: keep this fd */
		f->fd = fd;
		f->rdonly = false;
		fd = -1;
	}
	if (f) {
		if (fd >= 0)
			close(fd);
		f->refs++;
		*out = f;
		return 0;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path ? path : "?"))) {
		free(f);
		close(fd);
		return -ENOMEM;
	}
	f->obj.kind = VM_POBJ_FILE;
	f->fd = fd;
	f->rdonly = rdonly;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = (uint64_t)st.st_size;
	f->refs = 1;
	f->next = m->files;
	m->files = f;
	*out = f;
	return 0;
}

int
vm_file_open(struct vm_machine *m, const char *path, struct vm_file **out)
{
	bool rdonly = false;
	int fd;

	char proc[64];
	struct stat st;
	int pathfd;

	*out = NULL;
	if (m->files_fd < 0)
		return -ENOENT;
	/* the name first, without opening what it names: a FIFO or device
	 * placed in the directory is refused before anything opens it */
	pathfd = vm_hostdir_open(m->files_fd, path, O_PATH, 0);
	if (pathfd < 0)
		return pathfd;
	if (fstat(pathfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(pathfd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENODEV;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == ETXTBSY)) {
		rdonly = true;
		fd = open(proc, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		fd = -errno;
	close(pathfd);
	if (fd < 0)
		return fd;
	return file_make(m, fd, rdonly, path, out);
}

int
vm_file_adopt(struct vm_machine *m, int fd, const char *path,
	      struct vm_file **out)
{
	int flags = fcntl(fd, F_GETFL);
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	*out = NULL;
	if (flags < 0 || dup_fd < 0)
		return -errno;
	return file_make(m, dup_fd, (flags & O_ACCMODE) == O_RDONLY, path,
			 out);
}

void
vm_file_hold(struct vm_file *f)
{
	f->refs++;
}

/* Frees an object with no reference and no page. */
static void
file_free(struct vm_machine *m, struct vm_file *f)
{
	struct vm_file **link = &m->files;

	while (*link != f)
		link = &(*link)->next;
	*link = f->next;
	close(f->fd);
	free(f->path);
	free(f);
}

/* ---- shmem: the memory of shared anonymous regions --------------------- */

int
vm_shmem_create(struct vm_machine *m, uint64_t pages, struct vm_file **out)
{
	struct vm_file *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (!f || !(f->slots = calloc(pages ? pages : 1, sizeof(*f->slots)))) {
		free(f);
		return -ENOMEM;
	}
	f->obj.kind = VM_POBJ_SHMEM;
	f->fd = -1;
	f->ino = ++m->shmem_ino;
	f->size = pages << VM_PAGE_SHIFT;
	f->refs = 1;
	f->m = m;
	*out = f;
	return 0;
}

int
vm_shmem_pagein(struct vm_machine *m, struct vm_file *f, uint64_t index,
		struct vm_proc *owner, uint64_t *out, bool *major)
{
	uint64_t slot = f->slots[index];
	int64_t pfn;
	int rc = 0;

	pfn = vm_frame_alloc(m, VM_FRAME_ANON | (slot ? VM_FRAME_NOZERO : 0),
			     owner);
	if (pfn < 0)
		return (int)pfn;
	if (slot)
		rc = vm_pager_swap_load(m, slot, (uint64_t)pfn, owner);
	if (rc) {
		vm_frame_free(m, (uint64_t)pfn);
		return rc;
	}
	*major = slot != 0;
	vm_pager_attach(m, (uint64_t)pfn, &f->obj, index);
	vm_reclaim_add(m, (uint64_t)pfn);
	*out = (uint64_t)pfn;
	return 0;
}

int
vm_shmem_pageout(struct vm_machine *m, struct vm_file *f, uint64_t pfn)
{
	uint64_t index = F(m, pfn)->index;
	int64_t slot = (int64_t)f->slots[index];
	int rc;

	if (!slot) {
		slot = vm_pager_swap_alloc(m);
		if (slot < 0)
			return (int)slot;
	}
	rc = vm_pager_swap_store(m, (uint64_t)slot, pfn);
	if (rc) {
		if (!f->slots[index])
			vm_pager_swap_release(m, (uint64_t)slot);
		return rc;
	}
	f->slots[index] = (uint64_t)slot;
	return 0;
}

/* Frees shmem f once nothing refers to it and no frame holds its pages. */
static void
shmem_free_maybe(struct vm_file *f)
{
	if (!f->refs && !f->obj.nrpages) {
		free(f->slots);
		free(f);
	}
}

void
vm_shmem_detached(struct vm_machine *m, struct vm_file *f)
{
	(void)m;
	shmem_free_maybe(f);
}

/*
 * Frees the cached pages of f in [first, end) that no PTE maps and no pin
 * holds: looked up by index, or over the frame table when the range is
 * larger than the machine.  Returns true when f itself went with its last
 * page (a shmem object with no reference left).
 */
static bool
file_drop_pages(struct vm_machine *m, struct vm_file *f, uint64_t first,
		uint64_t end)
{
	bool by_index = end - first <= m->phys.nframes;
	uint64_t n = by_index ? end : m->phys.nframes;

	for (uint64_t i = by_index ? first : 0; i < n && f->obj.nrpages; i++) {
		int64_t pfn = by_index ? vm_pager_find(m, &f->obj, i)
				       : (int64_t)i;
		struct vm_frame *fr;
		bool last = f->obj.kind == VM_POBJ_SHMEM && !f->refs &&
			    f->obj.nrpages == 1;

		if (pfn < 0)
			continue;
		fr = F(m, pfn);
		if (fr->obj != &f->obj || fr->index < first ||
		    fr->index >= end || vm_frame_mapcount(&m->phys, (uint64_t)pfn) ||
		    fr->pin)
			continue;
		vm_frame_free(m, (uint64_t)pfn);
		if (last)
			return true;
	}
	return false;
}

/* The last reference to shmem f went: its slots and its pages no PTE
 * maps are freed now, the rest as their last mappings go. */
static void
shmem_release(struct vm_file *f)
{
	struct vm_machine *m = f->m;
	uint64_t pages = vm_file_pages(f);

	for (uint64_t i = 0; i < pages; i++)
		if (f->slots[i])
			vm_pager_swap_release(m, f->slots[i]);
	memset(f->slots, 0, pages * sizeof(*f->slots));
	if (!file_drop_pages(m, f, 0, pages))
		shmem_free_maybe(f);
}

void
vm_file_put(struct vm_file *f)
{
	if (--f->refs == 0 && f->obj.kind == VM_POBJ_SHMEM)
		shmem_release(f);
}

void
vm_pagecache_fini(struct vm_machine *m)
{
	vm_pagecache_sync_all(m);
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++)
		if (F(m, pfn)->use == VM_FRAME_FILE &&
		    !vm_frame_mapcount(&m->phys, pfn))
			vm_frame_free(m, pfn);
	while (m->files)
		file_free(m, m->files);
	if (m->files_fd >= 0)
		close(m->files_fd);
	m->files_fd = -1;
}

int
vm_file_pagein(struct vm_machine *m, struct vm_file *f, uint64_t index,
	       struct vm_proc *owner, uint64_t *out)
{
	uint64_t off = index << VM_PAGE_SHIFT;
	int64_t pfn;
	ssize_t n;
	uint8_t *page;

	if (off >= f->size)
		return -ENXIO;
	pfn = vm_frame_alloc(m, VM_FRAME_FILE | VM_FRAME_NOZERO, owner);
	if (pfn < 0)
		return (int)pfn;
	page = vm_phys_ptr(&m->phys, (uint64_t)pfn);
	n = pread(f->fd, page, VM_PAGE_SIZE, (off_t)off);
	if (n < 0) {
		vm_log(&m->log, VM_LOG_ERR, "files: read of %s page %llu: %s",
		       f->path, (unsigned long long)index, strerror(errno));
		vm_frame_free(m, (uint64_t)pfn);
		return -EIO;
	}
	/* past the host file's end, and past the file's own: zeros */
	if (off + (uint64_t)n > f->size)
		n = (ssize_t)(f->size - off);
	memset(page + n, 0, VM_PAGE_SIZE - (size_t)n);
	vm_pager_attach(m, (uint64_t)pfn, &f->obj, index);
	vm_reclaim_add(m, (uint64_t)pfn);
	vm_count(m, owner, VM_STAT_pgpgin, VM_PAGE_SIZE >> 10);
	vm_clock_sys(m, m->cfg.cost_major_fault);
	*out = (uint64_t)pfn;
	return 0;
}

int
vm_file_pageout(struct vm_machine *m, struct vm_file *f, uint64_t pfn)
{
	uint64_t off = F(m, pfn)->index << VM_PAGE_SHIFT;
	size_t len = VM_PAGE_SIZE;

	if (off >= f->size)
		return 0; /* past the end: nothing of it belongs to the file */
	if (f->size - off < len)
		len = (size_t)(f->size - off);
	if (f->rdonly ||
	    pwrite(f->fd, vm_phys_ptr(&m->phys, pfn), len, (off_t)off) !=
		    (ssize_t)len) {
		vm_log(&m->log, VM_LOG_ERR, "files: write-back of %s page %llu "
		       "failed: %s", f->path,
		       (unsigned long long)(off >> VM_PAGE_SHIFT),
		       f->rdonly ? "read-only file" : strerror(errno));
		return -EIO;
	}
	vm_count(m, F(m, pfn)->owner, VM_STAT_pgpgout, VM_PAGE_SIZE >> 10);
	vm_clock_sys(m, m->cfg.cost_swap_out);
	return 0;
}

/* The frame of page index for a write: cached, read in, or new. */
static int
file_page_for_write(struct vm_machine *m, struct vm_file *f, uint64_t index,
		    bool whole, uint64_t *pfn)
{
	int64_t found = vm_pager_find(m, &f->obj, index);
	bool major;

	if (found >= 0) {
		*pfn = (uint64_t)found;
		return 0;
	}
	if (!whole && (index << VM_PAGE_SHIFT) < f->size)
		return vm_pager_get(m, &f->obj, index, NULL, pfn, &major);
	found = vm_frame_alloc(m, VM_FRAME_FILE, NULL);
	if (found < 0)
		return (int)found;
	vm_pager_attach(m, (uint64_t)found, &f->obj, index);
	vm_reclaim_add(m, (uint64_t)found);
	*pfn = (uint64_t)found;
	return 0;
}

/*
 * The frame of page index of f for a read, read in if need be.  prev is
 * the frame of the page before (UINT64_MAX: none): a file read in in
 * order sits in ascending frames, so the frame after prev is tried
 * before the index, whose buckets are scattered over memory.  A frame is
 * one page's only while it is attached (obj set), so the guess cannot
 * be wrong.
 */
static int
file_page_next(struct vm_machine *m, struct vm_file *f, uint64_t index,
	       uint64_t prev, uint64_t *pfn)
{
	bool major;

	if (prev + 1 < m->phys.nframes) {
		const struct vm_frame *fr = F(m, prev + 1);

		if (fr->obj == &f->obj && fr->index == index) {
			*pfn = prev + 1;
			return 0;
		}
	}
	return vm_pager_get(m, &f->obj, index, NULL, pfn, &major);
}

ssize_t
vm_file_read(struct vm_machine *m, struct vm_file *f, void *buf, size_t len,
	     uint64_t off)
{
	uint64_t pfn = UINT64_MAX;
	size_t done = 0;

	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	while (done < len) {
		uint64_t at = off + done;
		size_t in = at & (VM_PAGE_SIZE - 1), n = VM_PAGE_SIZE - in;
		int rc;

		if (n > len - done)
			n = len - done;
		rc = file_page_next(m, f, at >> VM_PAGE_SHIFT, pfn, &pfn);
		if (rc)
			return done ? (ssize_t)done : rc;
		memcpy((char *)buf + done,
		       (char *)vm_phys_ptr(&m->phys, pfn) + in, n);
		F(m, pfn)->flags |= VM_FF_REFERENCED;
		vm_reclaim_access(m, pfn);
		done += n;
	}
	return (ssize_t)done;
}

ssize_t
vm_file_pin_read(struct vm_machine *m, struct vm_file *f, uint64_t off,
		 size_t len, struct vm_mem_span *spans, size_t *nspans)
{
	uint64_t pfn = UINT64_MAX;
	size_t done = 0, n = 0;
	int rc = 0;

	*nspans = 0;
	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	if (vm_mem_pages(off, len) > m->phys.nframes / 4 ||
	    (m->cfg.user_limit &&
	     vm_mem_pages(off, len) > m->cfg.user_limit / 2))
		return -E2BIG; /* pins would crowd out the rest: copy */
	while (done < len) {
		uint64_t at = off + done;
		size_t in = at & (VM_PAGE_SIZE - 1), k = VM_PAGE_SIZE - in;

		if (k > len - done)
			k = len - done;
		rc = file_page_next(m, f, at >> VM_PAGE_SHIFT, pfn, &pfn);
		if (rc)
			break;
		F(m, pfn)->flags |= VM_FF_REFERENCED;
		vm_reclaim_access(m, pfn);
		vm_frame_pin(m, pfn);
		spans[n].pfn = pfn;
		spans[n].ptr = (char *)vm_phys_ptr(&m->phys, pfn) + in;
		spans[n++].len = k;
		done += k;
	}
	*nspans = n;
	if (rc == -ENOMEM && done) {
		vm_mem_unpin(m, spans, n);
		*nspans = 0;
		return -E2BIG;
	}
	return done ? (ssize_t)done : rc;
}

/*
 * The file grows to size: the bytes of its old last page past the old end
 * (stores through a mapping may have left something there) are zeroed
 * first, so that the gap reads as zeros, as POSIX says.
 */
static void
file_grow(struct vm_machine *m, struct vm_file *f, uint64_t size)
{
	uint64_t in = f->size & (VM_PAGE_SIZE - 1);
	int64_t pfn;

	if (size <= f->size)
		return;
	pfn = in ? vm_pager_find(m, &f->obj, f->size >> VM_PAGE_SHIFT) : -1;
	if (pfn >= 0)
		memset((char *)vm_phys_ptr(&m->phys, (uint64_t)pfn) + in, 0,
		       VM_PAGE_SIZE - in);
	f->size = size;
}

ssize_t
vm_file_write(struct vm_machine *m, struct vm_file *f, const void *buf,
	      size_t len, uint64_t off)
{
	size_t done = 0;
	int rc = 0;

	if (f->rdonly)
		return -EBADF;
	if (len > UINT64_MAX - off)
		return -EFBIG;
	if (len && off + len > f->size)
		file_grow(m, f, off > f->size ? off : f->size);
	while (done < len) {
		uint64_t at = off + done, pfn;
		size_t in = at & (VM_PAGE_SIZE - 1), n = VM_PAGE_SIZE - in;

		if (n > len - done)
			n = len - done;
		rc = file_page_for_write(m, f, at >> VM_PAGE_SHIFT,
					 n == VM_PAGE_SIZE, &pfn);
		if (rc)
			break;
		memcpy((char *)vm_phys_ptr(&m->phys, pfn) + in,
		       (const char *)buf + done, n);
		F(m, pfn)->flags |= VM_FF_DIRTY | VM_FF_REFERENCED;
		vm_reclaim_access(m, pfn);
		done += n;
		if (at + n > f->size)
			f->size = at + n;
	}
	if (done)
		futimens(f->fd, NULL);
	return done ? (ssize_t)done : rc;
}

/* Unmaps file pages from index first on from every mapping of f. */
static void
file_unmap_from(struct vm_machine *m, struct vm_file *f, uint64_t first)
{
	for (struct vm_proc *p = m->procs; p; p = p->next) {
		for (size_t i = 0; i < p->vmas.n; i++) {
			struct vm_vma *a = &p->vmas.v[i];
			uint64_t pages = (a->end - a->start) >> VM_PAGE_SHIFT;
			uint64_t start = a->start;

			if (a->file != f || a->pgoff + pages <= first)
				continue;
			if (a->pgoff < first)
				start += (first - a->pgoff) << VM_PAGE_SHIFT;
			vm_mm_zap(m, p, start, a->end, false, true);
		}
	}
}

int
vm_file_truncate(struct vm_machine *m, struct vm_file *f, uint64_t size)
{
	uint64_t keep = (size + VM_PAGE_SIZE - 1) >> VM_PAGE_SHIFT;
	int64_t last;

	if (f->rdonly)
		return -EBADF;
	if (ftruncate(f->fd, (off_t)size) < 0)
		return -errno;
	if (size < f->size) {
		file_unmap_from(m, f, keep);
		file_drop_pages(m, f, keep, vm_file_pages(f));
		last = size & (VM_PAGE_SIZE - 1)
			       ? vm_pager_find(m, &f->obj, keep - 1) : -1;
		if (last >= 0)
			memset((char *)vm_phys_ptr(&m->phys, (uint64_t)last) +
				       (size & (VM_PAGE_SIZE - 1)),
			       0, VM_PAGE_SIZE - (size & (VM_PAGE_SIZE - 1)));
	}
	file_grow(m, f, size);
	f->size = size;
	futimens(f->fd, NULL);
	return 0;
}

/* Cleans every dirty frame of f (all files when f is NULL). */
static int
file_clean_all(struct vm_machine *m, struct vm_file *f)
{
	int first = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		struct vm_frame *fr = F(m, pfn);
		int rc;

		if (fr->use != VM_FRAME_FILE || (f && fr->obj != &f->obj))
			continue;
		rc = vm_pager_clean(m, pfn);
		if (rc && !first)
			first = rc;
	}
	return first;
}

/* Cleans the cached pages [first, end) of f, looked up by index. */
static int
file_clean_pages(struct vm_machine *m, struct vm_file *f, uint64_t first,
		 uint64_t end)
{
	int rc = 0;

	for (uint64_t i = first; i < end; i++) {
		int64_t pfn = vm_pager_find(m, &f->obj, i);
		int e = pfn < 0 ? 0 : vm_pager_clean(m, (uint64_t)pfn);

		if (e && !rc)
			rc = e;
	}
	return rc;
}

int
vm_file_sync_range(struct vm_machine *m, struct vm_file *f, uint64_t first,
		   uint64_t end)
{
	int rc;

	if (end > vm_file_pages(f))
		end = vm_file_pages(f);
	if (first >= end)
		return 0;
	if (end - first > m->phys.nframes)
		return vm_file_sync(m, f); /* cheaper over the frame table */
	rc = file_clean_pages(m, f, first, end);
	if (fdatasync(f->fd) < 0 && !rc && errno != EINVAL)
		rc = -EIO;
	return rc;
}

/* Writes back every dirty page of f: by index for a file of fewer pages
 * than the machine has frames, else over the frame table. */
int
vm_file_sync(struct vm_machine *m, struct vm_file *f)
{
	int rc = vm_file_pages(f) <= m->phys.nframes
			 ? file_clean_pages(m, f, 0, vm_file_pages(f))
			 : file_clean_all(m, f);

	if (fsync(f->fd) < 0 && !rc && errno != EINVAL)
		rc = -EIO;
	return rc;
}

int
vm_pagecache_sync_all(struct vm_machine *m)
{
	return file_clean_all(m, NULL);
}

uint64_t
vm_pagecache_drop(struct vm_machine *m)
{
	uint64_t n = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		struct vm_frame *fr = F(m, pfn);

		if (fr->use != VM_FRAME_FILE || vm_frame_mapcount(&m->phys, pfn) ||
		    fr->pin ||
		    vm_frame_dirty(m, pfn))
			continue;
		vm_frame_free(m, pfn);
		n++;
	}
	for (struct vm_file *f = m->files, *next; f; f = next) {
		next = f->next;
		if (!f->refs && !f->obj.nrpages)
			file_free(m, f);
	}
	return n;
}

int
vm_file_set_path(struct vm_file *f, const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	free(f->path);
	f->path = p;
	return 0;
}

void
vm_file_set_deleted(struct vm_file *f)
{
	f->deleted = true;
}
