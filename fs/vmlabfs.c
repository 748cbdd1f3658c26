/*
 * vmlabfs.c - mount a vmlab machine with FUSE (the low-level API).
 *
 * Handlers are named vmlabfs_<op> and stay thin: they find the node, take
 * the machine lock, and call tree.c (names, attributes, rendered text) or
 * libvmlab.  Every handler that touches the machine holds lab.lock for
 * its whole length, replies included, with one exception: a write whose
 * work grows with its length (a ctl command in steps, a trace) lets the
 * lock go to the waiting requests every LAB_STEP_PAGES pages
 * (lab_yield()), and stops there when the kernel says the writer was
 * interrupted (a signal), or when the daemon is shutting down: EINTR,
 * what was done stays and is logged.  A handle's wlock keeps one write or
 * flush at a time on its session or parser while the machine lock is let
 * go.  A read of PID/mem replies with an iovec pointing at the frames
 * themselves (no copy here; the kernel's writev is the one copy), and the
 * frames must neither move nor change until the reply is written.  While
 * such a reply is built its frames are pinned, so that faulting in a
 * later page of the same read cannot evict an earlier one.
 *
 * Files are opened direct_io: sizes are 0 like /proc's, and reads are not
 * cut at st_size.  Observation files are rendered at open into the handle
 * (one snapshot a reader); access files act at each read or write.
 *
 * files/ (real files in a backing directory) is files.c's: every request
 * on one of its inodes (files_ino()) is handed there first thing.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "lab.h"
#include "procfmt.h"
#include "sbuf.h"
#include "tree.h"
#include "vmlab/config.h"
#include "vmlab/ctl.h"
#include "vmlab/exec.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/parse.h"
#include "vmlab/proc.h"
#include "vmlab/reclaim.h"
#include "vmlab/swap.h"

struct lab lab;

/* ---- the machine lock --------------------------------------------------- */

void
lab_lock(void)
{
	atomic_fetch_add(&lab.waiting, 1);
	pthread_mutex_lock(&lab.lock);
	atomic_fetch_sub(&lab.waiting, 1);
	atomic_fetch_add(&lab.grants, 1);
}

void
lab_unlock(void)
{
	pthread_mutex_unlock(&lab.lock);
}

/* The handoff waits only while a waiter is on its way to the lock: once
 * one has it (grants moved) this thread blocks in lab_lock() like any. */
void
lab_yield(void)
{
	unsigned long seen;

	if (atomic_load(&lab.waiting) == 0)
		return;
	seen = atomic_load(&lab.grants);
	pthread_mutex_unlock(&lab.lock);
	while (atomic_load(&lab.grants) == seen &&
	       atomic_load(&lab.waiting) > 0)
		sched_yield();
	lab_lock();
}

bool
lab_req_stopped(fuse_req_t req)
{
	return (req && fuse_req_interrupted(req)) ||
	       (lab.se && fuse_session_exited(lab.se));
}

/*
 * Carries a ctl write or close on in steps (session.h) while it returns
 * -EINPROGRESS: between two steps the machine goes to whoever waits for
 * it, and lab_req_stopped() (a signal to the writer, a shutdown) stops
 * the command there: -EINTR, what was done stays, the log says how far
 * it got.  Machine lock held.
 */
static ssize_t
ctl_steps(fuse_req_t req, struct handle *h, ssize_t rc)
{
	while (rc == -EINPROGRESS) {
		lab_yield();
		if (lab_req_stopped(req))
			rc = vm_ctl_session_cancel(lab.m, &h->ctl);
		else
			rc = vm_ctl_session_resume(lab.m, &h->ctl);
	}
	return rc;
}

/* ---- lookups and attributes ------------------------------------------- */

/* -o default_permissions was given: the kernel checks each caller. */
static bool kernel_checks;

/*
 * files/ holds the host files of the user who mounted, reached with that
 * user's credentials, so the host's own checks do not see who asks.
 * Another user (-o allow_other) is refused everything there (EACCES),
 * unless the kernel checks the caller against the host files' modes
 * (-o default_permissions); root is not refused.  Replies EACCES and
 * returns true when refused.
 */
static bool
files_denied(fuse_req_t req)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);

	if (kernel_checks || c->uid == 0 || c->uid == getuid())
		return false;
	fuse_reply_err(req, EACCES);
	return true;
}

static void
vmlabfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct node dir, *n;
	struct child c;
	int rc;

	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent)) {
		files_lookup(req, parent, name);
		return;
	}
	if (!node_find(&lab, parent, &dir)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	LOCK();
	rc = tree_lookup(&lab, &dir, name, &c);
	if (rc == -ENOENT && dir.type == N_ROOT)
		rc = tree_lookup_reader(&lab, name, fuse_req_ctx(req)->pid, &c);
	if (rc == 0 && c.type != N_FILES)
		rc = tree_getattr(&lab, c.type, c.pid, c.arg, &e.attr);
	UNLOCK();
	if (rc == 0 && c.type == N_FILES) {
		if (!files_denied(req))
			files_lookup_root(req);
		return;
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	n = node_get(&lab, c.type, c.pid, c.arg, true);
	if (!n) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.ino = n->ino;
	e.attr.st_ino = n->ino;
	fuse_reply_entry(req, &e);
}

static void
vmlabfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	if (files_ino(ino))
		files_forget(ino, nlookup);
	else
		node_forget(&lab, ino, nlookup);
	fuse_reply_none(req);
}

static void
vmlabfs_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++) {
		if (files_ino(forgets[i].ino))
			files_forget(forgets[i].ino, forgets[i].nlookup);
		else
			node_forget(&lab, forgets[i].ino, forgets[i].nlookup);
	}
	fuse_reply_none(req);
}

/* Nothing can be made here: EACCES in a directory that exists, ENOENT in
 * one that is gone (a shell's redirect to a dead process's ctl).  Also
 * tells whether any node is still there (ENOENT when not). */
static int
no_create(fuse_ino_t parent)
{
	struct stat st;
	struct node n;
	int rc;

	if (!node_find(&lab, parent, &n))
		return ENOENT;
	LOCK();
	rc = tree_getattr(&lab, n.type, n.pid, n.arg, &st);
	UNLOCK();
	return rc ? ENOENT : EACCES;
}

static void
vmlabfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, struct fuse_file_info *fi)
{
	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent))
		files_create(req, parent, name, mode, fi);
	else
		fuse_reply_err(req, no_create(parent));
}

static void
vmlabfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode, dev_t rdev)
{
	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent))
		files_mknod(req, parent, name, mode, rdev);
	else
		fuse_reply_err(req, no_create(parent));
}

static void
vmlabfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	struct node n;
	int rc;

	if (files_ino(ino) && files_denied(req))
		return;
	if (files_ino(ino)) {
		files_getattr(req, ino);
		return;
	}
	if (!node_find(&lab, ino, &n)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	LOCK();
	rc = tree_getattr(&lab, n.type, n.pid, n.arg, &st);
	UNLOCK();
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	st.st_ino = ino;
	fuse_reply_attr(req, &st, 0);
}

/* Truncation is accepted and ignored: `echo cmd > ctl` opens with
 * O_TRUNC, and what a ctl file holds is not a length; so are times
 * (touch), as /proc ignores them.  Modes and owners are the tree's own:
 * chmod and chown fail with EPERM, as they do on /proc/PID's files.
 * Under files/, size, mode, owner and times are the real file's. */
static void
vmlabfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi)
{
	if (files_ino(ino) && files_denied(req))
		return;
	if (files_ino(ino))
		files_setattr(req, ino, attr, to_set, fi);
	else if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
			   FUSE_SET_ATTR_GID))
		fuse_reply_err(req, no_create(ino) == ENOENT ? ENOENT : EPERM);
	else
		vmlabfs_getattr(req, ino, fi);
}

/* ---- directories ------------------------------------------------------- */

/* A listing made at opendir: entries back to back, ends[i] the offset
 * just past entry i (the offset the kernel passes to resume after it). */
struct dirbuf {
	pthread_mutex_t lock;	/* held while replying from buf */
	char *buf;
	size_t len, cap;
	size_t *ends;
	size_t n;
	fuse_req_t req;
};

static void
dir_add(void *ctx, const char *name, mode_t mode, int type, int pid,
	uint64_t arg)
{
	struct dirbuf *d = ctx;
	struct stat st = { .st_mode = mode };
	size_t need;

	st.st_ino = type == N_FILES ? FILES_ROOT_INO
				    : node_ino_hint(&lab, type, pid, arg);
	need = fuse_add_direntry(d->req, NULL, 0, name, NULL, 0);
	if (d->len + need > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		char *b;
		size_t *e;

		while (cap < d->len + need)
			cap *= 2;
		b = realloc(d->buf, cap);
		if (b)
			d->buf = b;
		e = realloc(d->ends, cap / 16 * sizeof(*e));
		if (e)
			d->ends = e;
		if (!b || !e)
			return;
		d->cap = cap;
	}
	/* the offset of an entry is the position of the next one */
	fuse_add_direntry(d->req, d->buf + d->len, need, name, &st,
			  (off_t)(d->len + need));
	d->len += need;
	d->ends[d->n++] = d->len;
}

static void
vmlabfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dirbuf *d;
	struct node n;
	int rc;

	if (files_ino(ino) && files_denied(req))
		return;
	if (files_ino(ino)) {
		files_opendir(req, ino, fi);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d || !node_find(&lab, ino, &n)) {
		free(d);
		fuse_reply_err(req, d ? ENOENT : ENOMEM);
		return;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->req = req;
	dir_add(d, ".", S_IFDIR, n.type, n.pid, n.arg);
	dir_add(d, "..", S_IFDIR, N_ROOT, 0, 0);
	LOCK();
	rc = tree_list(&lab, &n, dir_add, d);
	UNLOCK();
	if (rc) {
		free(d->buf);
		free(d->ends);
		free(d);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uintptr_t)d;
	fuse_reply_open(req, fi);
}

static void
vmlabfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	struct dirbuf *d = (struct dirbuf *)(uintptr_t)fi->fh;

	if (files_ino(ino)) {
		files_readdir(req, ino, size, off, fi);
		return;
	}
	if ((size_t)off >= d->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	/* whole entries only: up to the last one that fits */
	pthread_mutex_lock(&d->lock);
	{
		size_t i = 0, end = (size_t)off;

		while (i < d->n && d->ends[i] <= (size_t)off)
			i++;
		while (i < d->n && d->ends[i] - (size_t)off <= size)
			end = d->ends[i++];
		fuse_reply_buf(req, d->buf + off, end - (size_t)off);
	}
	pthread_mutex_unlock(&d->lock);
}

static void
vmlabfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dirbuf *d = (struct dirbuf *)(uintptr_t)fi->fh;

	if (files_ino(ino)) {
		files_releasedir(req, ino, fi);
		return;
	}
	pthread_mutex_lock(&d->lock);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
	free(d->buf);
	free(d->ends);
	free(d);
	fuse_reply_err(req, 0);
}

/* ---- open and release -------------------------------------------------- */

static bool
writable(int type)
{
	switch (type) {
	case N_CTL: case N_PID_CTL: case N_PID_TRACE: case N_TRACE:
	case N_PID_MEM: case N_CONFIG: case N_PID_LIMIT: case N_PID_CLEAR_REFS:
		return true;
	default:
		return false;
	}
}

static bool
readable(int type)
{
	return type != N_CTL && type != N_PID_CTL && type != N_PID_TRACE &&
	       type != N_TRACE && type != N_PID_CLEAR_REFS;
}

static void
handle_free(struct handle *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->wlock);
	free(h->text);
	free(h->tp);
	vm_ctl_session_fini(&h->ctl);
	free(h);
}

/* Whether the caller of req is in group gid (its own or a supplementary
 * one). */
static bool
caller_in_group(fuse_req_t req, const struct fuse_ctx *c, gid_t gid)
{
	gid_t list[64];
	int n;

	if (c->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 64, list);
	for (int i = 0; i < n && i < 64; i++)
		if (list[i] == gid)
			return true;
	return false;
}

/*
 * Whether the caller of req may open a file of the tree shown as st for
 * acc (O_RDONLY, O_WRONLY, O_RDWR), by the mode it shows, as the kernel
 * would check it: the owner's bits, the group's or the others'; root
 * (CAP_DAC_OVERRIDE) may always.  The kernel checks modes itself only
 * with -o default_permissions; with -o allow_other and without it, this
 * check is what keeps phys/mem, swap/N, PID/mem and the ctl files the
 * owner's.
 */
static bool
caller_may_open(fuse_req_t req, const struct stat *st, int acc)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	unsigned want = (acc != O_WRONLY ? 4u : 0) | (acc != O_RDONLY ? 2u : 0);
	unsigned bits;

	if (c->uid == 0)
		return true;
	if (c->uid == st->st_uid)
		bits = (st->st_mode >> 6) & 7;
	else if (caller_in_group(req, c, st->st_gid))
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (bits & want) == want;
}

/* Checks the open mode and the caller's right to it, and makes the
 * handle; renders text files. */
static int
handle_open(fuse_req_t req, const struct node *n, int flags,
	    struct handle **out)
{
	int acc = flags & O_ACCMODE;
	struct handle *h;
	struct stat st;
	int rc;

	if ((acc != O_RDONLY && !writable(n->type)) ||
	    (acc != O_WRONLY && !readable(n->type)))
		return -EACCES;
	rc = tree_getattr(&lab, n->type, n->pid, n->arg, &st);
	if (rc)
		return rc;
	if (n->type == N_CONFIG && acc != O_RDONLY && !(st.st_mode & 0200))
		return -EACCES;
	if (!caller_may_open(req, &st, acc))
		return -EACCES;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->wlock, NULL);
	h->type = n->type;
	h->pid = n->pid;
	h->arg = n->arg;
	vm_ctl_session_init(&h->ctl, n->type == N_CTL ? VM_CTL_GLOBAL
						      : VM_CTL_PROC, n->pid);
	h->ctl.step = LAB_STEP_PAGES;
	if (tree_is_text(n->type) && acc != O_WRONLY) {
		struct sbuf sb;

		sbuf_init(&sb);
		rc = tree_render(&lab, n->type, n->pid, n->arg, &sb);
		h->text = sbuf_take(&sb, &h->len);
	}
	if (rc == 0 && (n->type == N_PID_TRACE || n->type == N_TRACE)) {
		h->tp = malloc(sizeof(*h->tp));
		if (h->tp)
			vm_trace_init(h->tp, n->type == N_PID_TRACE
						     ? VM_TRACE_NO_PID : 0);
		else
			rc = -ENOMEM;
	}
	if (rc) {
		handle_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static void
vmlabfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = NULL;
	struct node n;
	int rc;

	if (files_ino(ino) && files_denied(req))
		return;
	if (files_ino(ino)) {
		files_open(req, ino, fi);
		return;
	}
	if (!node_find(&lab, ino, &n)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	LOCK();
	rc = handle_open(req, &n, fi->flags, &h);
	UNLOCK();
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	fi->nonseekable = 0;
	fuse_reply_open(req, fi);
}

static int replay_cb(void *ctx, const struct vm_trace_rec *rec);
static int trace_errno(struct handle *h, int rc);

/* At each close: run what is still waiting (a ctl line without newline,
 * a last trace line), so that its error reaches close(2); req (NULL at
 * release) may interrupt it. */
static int
handle_flush(fuse_req_t req, struct handle *h)
{
	int rc = 0;

	pthread_mutex_lock(&h->wlock);
	LOCK();
	if (h->tp && !h->reported) {
		h->req = req;
		rc = trace_errno(h, vm_trace_finish(h->tp, replay_cb, h));
		h->req = NULL;
	} else {
		rc = (int)ctl_steps(req, h,
				    vm_ctl_session_close(lab.m, &h->ctl));
	}
	UNLOCK();
	pthread_mutex_unlock(&h->wlock);
	return rc;
}

static void
vmlabfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (files_ino(ino)) {
		files_flush(req, ino, fi);
		return;
	}
	fuse_reply_err(req,
		       -handle_flush(req, (struct handle *)(uintptr_t)fi->fh));
}

static void
vmlabfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;

	if (files_ino(ino)) {
		files_release(req, ino, fi);
		return;
	}
	handle_flush(NULL, h);
	handle_free(h);
	fuse_reply_err(req, 0);
}

/* ---- reads ------------------------------------------------------------- */

static void
reply_text(fuse_req_t req, const char *text, size_t len, size_t size,
	   off_t off)
{
	if ((size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	fuse_reply_buf(req, text + off, size);
}

/* The errno of a PID/mem transfer that moved nothing: EIO, as /proc's
 * mem says, or ENOMEM when memory and swap ran out. */
static int
mem_errno(int rc)
{
	return rc == -ENOMEM ? ENOMEM : EIO;
}

/* A read of PID/mem through a bounce buffer, for machines too small to
 * pin a whole request. */
static void
read_mem_copy(fuse_req_t req, struct vm_proc *p, size_t size, off_t off)
{
	char *buf = malloc(size ? size : 1);
	ssize_t n;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = vm_mem_read(lab.m, p, (uint64_t)off, buf, size);
	if (n < 0)
		fuse_reply_err(req, mem_errno((int)n));
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

/* A read of PID/mem: p's user-mode loads, replied from the frames
 * themselves, pinned until the reply is written. */
static void
read_mem(fuse_req_t req, struct vm_proc *p, size_t size, off_t off)
{
	struct vm_machine *m = lab.m;
	size_t max = size ? vm_mem_pages((uint64_t)off, size) : 1, n = 0;
	struct vm_mem_span *sp = malloc(max * sizeof(*sp));
	ssize_t rc;

	if (!sp) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = vm_mem_pin_read(m, p, (uint64_t)off, size, sp, &n);
	if (rc == -E2BIG)
		read_mem_copy(req, p, size, off);
	else if (rc <= 0)
		fuse_reply_err(req, rc ? mem_errno((int)rc) : EIO);
	else
		lab_reply_spans(req, sp, n);
	vm_mem_unpin(m, sp, n);
	free(sp);
}

void
lab_reply_spans(fuse_req_t req, const struct vm_mem_span *sp, size_t n)
{
	struct iovec *iov = malloc((n ? n : 1) * sizeof(*iov));

	if (!iov) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		iov[i].iov_base = sp[i].ptr;
		iov[i].iov_len = sp[i].len;
	}
	fuse_reply_iov(req, iov, (int)n);
	free(iov);
}

/* pagemap, kpageflags, kpagecount: 8 bytes an entry, aligned. */
static void
read_u64s(fuse_req_t req, const struct handle *h, size_t size, off_t off)
{
	struct vm_machine *m = lab.m;
	uint64_t first = (uint64_t)off / 8, n = size / 8, end, *buf;
	struct vm_proc *p = NULL;
	int rc = 0;

	if ((off | (off_t)size) & 7) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (h->type == N_PID_PAGEMAP) {
		p = tree_proc(&lab, h->pid);
		if (!p) {
			fuse_reply_err(req, ESRCH);
			return;
		}
		end = vm_user_top(m) >> VM_PAGE_SHIFT;
	} else {
		end = m->phys.nframes;
	}
	if (first >= end || n == 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (n > end - first)
		n = end - first;
	buf = malloc(n * 8);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (p)
		rc = fmt_pagemap(m, p, first, n, buf);
	else if (h->type == N_KPAGEFLAGS)
		fmt_kpageflags_fill(m, first, n, buf);
	else
		fmt_kpagecount_fill(m, first, n, buf);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, (const char *)buf, n * 8);
	free(buf);
}

/* phys/mem, swap/N, pt/raw: bytes read as they are, changing nothing. */
static void
read_raw(fuse_req_t req, const struct handle *h, size_t size, off_t off)
{
	struct vm_machine *m = lab.m;
	static __thread char page[4096];
	const char *src = page;
	uint64_t len = 4096;

	if (h->type == N_PHYS_MEM) {
		src = (const char *)m->phys.mem;
		len = m->phys.nframes << VM_PAGE_SHIFT;
	} else if (h->type == N_SWAP_SLOT) {
		int rc = vm_pager_swap_peek(m, h->arg, page);

		if (rc) {
			fuse_reply_err(req, rc == -EINVAL ? ENOENT : -rc);
			return;
		}
	} else {
		struct vm_proc *p = tree_proc(&lab, h->pid);
		int64_t tbl = p ? tree_pt_table(&lab, p, h->arg) : -ENOENT;

		if (tbl < 0) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		src = vm_phys_ptr(&m->phys, (uint64_t)tbl);
	}
	reply_text(req, src, len, size, off);
}

static void
vmlabfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	struct vm_proc *p;

	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (files_ino(ino)) {
		files_read(req, ino, size, off, fi);
		return;
	}
	if (tree_is_text(h->type)) {
		pthread_mutex_lock(&h->lock);
		reply_text(req, h->text ? h->text : "", h->len, size, off);
		pthread_mutex_unlock(&h->lock);
		return;
	}
	if (h->type == N_LOG) {
		char *buf = malloc(size ? size : 1);
		size_t n = buf ? lablog_read(&lab.log, &h->logr,
					     (uint64_t)off, buf, size)
			       : 0;

		if (buf)
			fuse_reply_buf(req, buf, n);
		else
			fuse_reply_err(req, ENOMEM);
		free(buf);
		return;
	}
	LOCK();
	switch (h->type) {
	case N_PID_MEM:
		p = tree_proc(&lab, h->pid);
		if (p)
			read_mem(req, p, size, off);
		else
			fuse_reply_err(req, ESRCH);
		break;
	case N_PID_PAGEMAP: case N_KPAGEFLAGS: case N_KPAGECOUNT:
		read_u64s(req, h, size, off);
		break;
	case N_PHYS_MEM: case N_SWAP_SLOT: case N_PT_RAW:
		read_raw(req, h, size, off);
		break;
	default:
		fuse_reply_err(req, EINVAL);
	}
	UNLOCK();
}

/* ---- writes ------------------------------------------------------------ */

/* Replays one record: as the handle's process (PID/trace) or as the one
 * the record names (the machine-wide trace). */
static int
replay_cb(void *ctx, const struct vm_trace_rec *rec)
{
	struct handle *h = ctx;
	struct vm_replay r = {
		.m = lab.m,
		.flags = lab.m->cfg.strict ? VM_REPLAY_STRICT : 0,
	};
	int rc;

	if (h->type == N_PID_TRACE) {
		r.p = tree_proc(&lab, h->pid);
		if (!r.p) {
			h->why = "the process is gone";
			return -ESRCH;
		}
	} else if (!rec->pid) {
		h->why = "a line of the machine-wide trace needs a pid";
		return -EINVAL;
	}
	rc = vm_replay_rec(&r, rec);
	h->work += rec->size ? vm_mem_pages(rec->addr, rec->size) : 1;
	if (rc == 0 && h->work >= LAB_STEP_PAGES) {
		h->work = 0;
		lab_yield();
		if (lab_req_stopped(h->req)) {
			h->why = "interrupted";
			return -EINTR;
		}
	}
	if (rc == -EFAULT && !r.p)
		r.p = vm_machine_proc(lab.m, (int)rec->pid);
	if (rc == -ENOENT)
		h->why = "no process with that pid";
	else if (rc == -EFAULT && r.p && r.p->exit_signal == 7)
		h->why = "the access killed the process (SIGBUS)";
	else if (rc == -EFAULT)
		h->why = "the access killed the process (SIGSEGV)";
	else if (rc == -ESRCH)
		h->why = "the process is dead";
	else if (rc == -ENOMEM)
		h->why = "out of memory and swap";
	return rc;
}

/* Logs a failed trace write once and maps the error for write(2). */
static int
trace_errno(struct handle *h, int rc)
{
	uint64_t line = 0;
	const char *why;

	if (rc >= 0)
		return rc;
	why = vm_trace_error(h->tp, &line);
	if (!why) {
		why = h->why ? h->why : strerror(-rc);
		line = h->tp->lineno;
	}
	if (!h->reported) {
		vm_log(&lab.m->log, VM_LOG_WARN, "%s%.0d%strace: line %" PRIu64
		       ": %s; replay stopped", h->pid ? "pid " : "", h->pid,
		       h->pid ? " " : "", line, why);
		h->reported = true;
	}
	if (rc == -EFAULT)
		return -ESRCH;
	return rc;
}

/* Sets PID/limit from its word; err says why not. */
static int
set_limit(int pid, const char *word, char *err, size_t errlen)
{
	struct vm_proc *p = tree_proc(&lab, pid);
	uint64_t v;
	int rc;

	if (vm_parse_u64(word, &v)) {
		snprintf(err, errlen, "limit: bad number '%s'", word);
		return -EINVAL;
	}
	rc = p ? vm_proc_set_limit(lab.m, p, v) : -ESRCH;
	if (rc == -EINVAL)
		snprintf(err, errlen, "limit: %s pages is more than the "
			 "machine's %" PRIu64 " frames", word,
			 lab.m->phys.nframes);
	else if (rc)
		snprintf(err, errlen, "limit: %s", strerror(-rc));
	return rc;
}

/* A write to config/KNOB or PID/limit: one value, checked by the core
 * (vm_setting_word); every refusal is logged. */
static int
write_simple(struct handle *h, const char *buf, size_t size)
{
	const struct vm_knob *k = vm_knob_at((unsigned)h->arg);
	char word[VM_SETTING_MAX + 1], err[256];
	bool knob = h->type == N_CONFIG;
	int rc;

	rc = vm_setting_word(!knob ? "limit" : k ? k->name : "config", buf,
			     size, word, err, sizeof(err));
	if (rc == 0 && knob)
		rc = vm_knob_set(lab.m, (unsigned)h->arg, word, err,
				 sizeof(err));
	else if (rc == 0)
		rc = set_limit(h->pid, word, err, sizeof(err));
	if (rc && knob)
		vm_log(&lab.m->log, VM_LOG_WARN, "config: %s", err);
	else if (rc)
		vm_log(&lab.m->log, VM_LOG_WARN, "pid %d %s", h->pid, err);
	return rc ? rc : (int)size;
}

static void
vmlabfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
	      off_t off, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	struct vm_proc *p;
	ssize_t rc;

	if (files_ino(ino)) {
		files_write(req, ino, buf, size, off, fi);
		return;
	}
	pthread_mutex_lock(&h->wlock);
	LOCK();
	switch (h->type) {
	case N_CTL: case N_PID_CTL:
		rc = ctl_steps(req, h, vm_ctl_session_write(lab.m, &h->ctl,
							    buf, size));
		break;
	case N_PID_TRACE: case N_TRACE:
		h->req = req;
		rc = trace_errno(h, vm_trace_feed(h->tp, buf, size, replay_cb,
						  h));
		h->req = NULL;
		if (rc >= 0)
			rc = (ssize_t)size;
		break;
	case N_PID_MEM:
		p = tree_proc(&lab, h->pid);
		rc = p ? vm_mem_write(lab.m, p, (uint64_t)off, buf, size)
		       : -ESRCH;
		if (rc < 0 && p)
			rc = -mem_errno((int)rc);
		break;
	case N_CONFIG: case N_PID_LIMIT:
		rc = write_simple(h, buf, size);
		break;
	case N_PID_CLEAR_REFS:
		p = tree_proc(&lab, h->pid);
		rc = p ? vm_clear_refs_write(lab.m, p, buf, size) : -ESRCH;
		if (rc == 0)
			rc = (ssize_t)size;
		break;
	default:
		rc = -EBADF;
	}
	UNLOCK();
	pthread_mutex_unlock(&h->wlock);
	if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	else
		fuse_reply_write(req, (size_t)rc);
}

/* ---- requests only files/ has (files.c) -------------------------------- */

static void
vmlabfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode)
{
	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent))
		files_mkdir(req, parent, name, mode);
	else
		fuse_reply_err(req, no_create(parent));
}

static void
vmlabfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent))
		files_unlink(req, parent, name);
	else
		fuse_reply_err(req, no_create(parent));
}

static void
vmlabfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent))
		files_rmdir(req, parent, name);
	else
		fuse_reply_err(req, no_create(parent));
}

/* Within files/ only: EXDEV between files/ and the rest. */
static void
vmlabfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	if ((files_ino(parent) || files_ino(newparent)) && files_denied(req))
		return;
	if (files_ino(parent) && files_ino(newparent))
		files_rename(req, parent, name, newparent, newname, flags);
	else if (files_ino(parent) || files_ino(newparent))
		fuse_reply_err(req, EXDEV);
	else
		fuse_reply_err(req, no_create(parent));
}

static void
vmlabfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	if (files_ino(parent) && files_denied(req))
		return;
	if (files_ino(parent))
		files_symlink(req, link, parent, name);
	else
		fuse_reply_err(req, no_create(parent));
}

static void
vmlabfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	     const char *newname)
{
	if (files_ino(newparent) && files_denied(req))
		return;
	if (files_ino(newparent))
		files_link(req, ino, newparent, newname);
	else
		fuse_reply_err(req, no_create(newparent));
}

/* self is the tree's one symlink; files/ may hold others. */
static void
vmlabfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char target[24];
	struct node n;
	int rc;

	if (files_ino(ino) && files_denied(req))
		return;
	if (files_ino(ino)) {
		files_readlink(req, ino);
		return;
	}
	if (!node_find(&lab, ino, &n)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	LOCK();
	rc = tree_readlink(&lab, n.type, target, sizeof(target));
	UNLOCK();
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, target);
}

/* The rest of the tree has nothing to sync: 0, never ENOSYS, which would
 * make the kernel stop sending fsync for files/ too. */
static void
vmlabfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	if (files_ino(ino))
		files_fsync(req, ino, datasync, fi);
	else
		fuse_reply_err(req, 0);
}

static void
vmlabfs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	if (files_ino(ino))
		files_fsyncdir(req, ino, datasync, fi);
	else
		fuse_reply_err(req, 0);
}

/* files/: the host's figures; elsewhere what libfuse says by default. */
static void
vmlabfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = 512, .f_namemax = 255 };

	if (files_ino(ino))
		files_statfs(req, ino);
	else
		fuse_reply_statfs(req, &sv);
}

static void
vmlabfs_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->max_write = 1u << 20;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
}

static const struct fuse_lowlevel_ops vmlabfs_ops = {
	.init = vmlabfs_init,
	.lookup = vmlabfs_lookup,
	.forget = vmlabfs_forget,
	.forget_multi = vmlabfs_forget_multi,
	.getattr = vmlabfs_getattr,
	.setattr = vmlabfs_setattr,
	.create = vmlabfs_create,
	.mknod = vmlabfs_mknod,
	.opendir = vmlabfs_opendir,
	.readdir = vmlabfs_readdir,
	.releasedir = vmlabfs_releasedir,
	.open = vmlabfs_open,
	.read = vmlabfs_read,
	.write = vmlabfs_write,
	.flush = vmlabfs_flush,
	.release = vmlabfs_release,
	.mkdir = vmlabfs_mkdir,
	.unlink = vmlabfs_unlink,
	.rmdir = vmlabfs_rmdir,
	.rename = vmlabfs_rename,
	.symlink = vmlabfs_symlink,
	.link = vmlabfs_link,
	.readlink = vmlabfs_readlink,
	.fsync = vmlabfs_fsync,
	.fsyncdir = vmlabfs_fsyncdir,
	.statfs = vmlabfs_statfs,
};

/* ---- options and main -------------------------------------------------- */

struct options {
	char *frames, *mem, *swap, *state, *policy, *tlb_entries, *tlb_ways;
	char *asid, *levels, *limit, *seed, *files;
	int show_help;
	int nosymfollow;	/* show files/ symlinks' targets; self breaks */
};

#define OPT(t, f) { t, offsetof(struct options, f), 1 }
#define KEY_DEFAULT_PERMISSIONS 1
static const struct fuse_opt vmlabfs_opts[] = {
	OPT("frames=%s", frames), OPT("--frames=%s", frames),
	OPT("mem=%s", mem), OPT("--mem=%s", mem),
	OPT("swap=%s", swap), OPT("--swap=%s", swap),
	OPT("state=%s", state), OPT("--state=%s", state),
	OPT("policy=%s", policy), OPT("--policy=%s", policy),
	OPT("tlb_entries=%s", tlb_entries), OPT("--tlb_entries=%s", tlb_entries),
	OPT("--tlb-entries=%s", tlb_entries),
	OPT("tlb_ways=%s", tlb_ways), OPT("--tlb_ways=%s", tlb_ways),
	OPT("--tlb-ways=%s", tlb_ways),
	OPT("asid=%s", asid), OPT("--asid=%s", asid),
	OPT("levels=%s", levels), OPT("--levels=%s", levels),
	OPT("limit=%s", limit), OPT("--limit=%s", limit),
	OPT("seed=%s", seed), OPT("--seed=%s", seed),
	OPT("files=%s", files), OPT("--files=%s", files),
	OPT("nosymfollow", nosymfollow), OPT("--nosymfollow", nosymfollow),
	FUSE_OPT_KEY("default_permissions", KEY_DEFAULT_PERMISSIONS),
	FUSE_OPT_END
};

/* Notes default_permissions and passes it on to the mount; keeps every
 * other argument for libfuse. */
static int
opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)data;
	(void)arg;
	(void)outargs;
	if (key == KEY_DEFAULT_PERMISSIONS)
		kernel_checks = true;
	return 1;
}

static void
free_options(struct options *o)
{
	char **all[] = { &o->frames, &o->mem, &o->swap, &o->state, &o->policy,
			 &o->tlb_entries, &o->tlb_ways, &o->asid, &o->levels,
			 &o->limit, &o->seed, &o->files };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		free(*all[i]);
		*all[i] = NULL;
	}
}

static void
usage(const char *prog)
{
	printf("usage: %s [options] MOUNTPOINT\n\n"
	       "Mounts a vmlab machine: a simulated x86-64 virtual-memory\n"
	       "system whose processes, page tables and counters are files.\n"
	       "\n"
	       "vmlab options (-o name=value, or --name=value):\n"
	       "    mem=SIZE          physical memory (default 64M)\n"
	       "    frames=N          physical memory in 4 KiB frames\n"
	       "    swap=SIZE         swap size, 0 for none (default 256M)\n"
	       "    state=DIR         state directory (default\n"
	       "                      $XDG_STATE_HOME/vmlab, ~/.local/state/vmlab)\n"
	       "    files=DIR         the directory files/ shows (default\n"
	       "                      STATE/files, made if missing)\n"
	       "    policy=NAME       fifo lru clock nru random aging wsclock\n"
	       "                      opt lru2 (default clock)\n"
	       "    tlb_entries=N     TLB entries (default 64)\n"
	       "    tlb_ways=N        TLB ways (default 4)\n"
	       "    asid=0|1          ASID-tagged TLB (default 1)\n"
	       "    levels=4|5        page-table levels (default 4)\n"
	       "    limit=N           resident user pages, 0 = all (default 0)\n"
	       "    seed=N            seed of the random policy (default 1)\n"
	       "    nosymfollow       mount nosymfollow: readlink shows the\n"
	       "                      targets of files/ symlinks, but self\n"
	       "                      can no longer be followed\n"
	       "Numbers (SIZE, N) are decimal or 0x hex, with an optional\n"
	       "binary suffix K, M, G or T (KiB, MiB, ... too).\n\n", prog);
}

/* Parses one numeric option into *out; complains and returns -1. */
static int
opt_u64(const char *name, const char *val, uint64_t *out)
{
	if (!val)
		return 0;
	if (vm_parse_u64(val, out)) {
		fprintf(stderr, "vmlabfs: %s: bad number '%s'\n", name, val);
		return -1;
	}
	return 0;
}

static int
opt_unsigned(const char *name, const char *val, unsigned *out)
{
	uint64_t v = *out;

	if (opt_u64(name, val, &v))
		return -1;
	if (v > UINT32_MAX) {
		fprintf(stderr, "vmlabfs: %s: too large\n", name);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* The default state directory, made if missing. */
static char *
default_state_dir(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = NULL, *parent = NULL;

	if (xdg && *xdg) {
		if (asprintf(&dir, "%s/vmlab", xdg) < 0)
			return NULL;
		mkdir(xdg, 0700);
	} else {
		if (asprintf(&parent, "%s/.local/state", home ? home : "/tmp") < 0)
			return NULL;
		if (asprintf(&dir, "%s/vmlab", parent) < 0)
			dir = NULL;
		if (home) {
			char *local = NULL;

			if (asprintf(&local, "%s/.local", home) > 0) {
				mkdir(local, 0700);
				free(local);
			}
		}
		mkdir(parent, 0700);
		free(parent);
	}
	return dir;
}

static int
make_config(const struct options *o, struct vm_config *c)
{
	uint64_t mem = 64ull << 20, swap = 256ull << 20;
	const char *why = NULL;

	vm_config_default(c);
	if (opt_u64("mem", o->mem, &mem) || opt_u64("swap", o->swap, &swap))
		return -1;
	c->frames = mem / VM_PAGE_SIZE;
	if (opt_u64("frames", o->frames, &c->frames) ||
	    opt_unsigned("tlb_entries", o->tlb_entries, &c->tlb_entries) ||
	    opt_unsigned("tlb_ways", o->tlb_ways, &c->tlb_ways) ||
	    opt_unsigned("levels", o->levels, &c->levels) ||
	    opt_u64("limit", o->limit, &c->user_limit) ||
	    opt_u64("seed", o->seed, &c->seed))
		return -1;
	c->swap_pages = swap / VM_PAGE_SIZE;
	if (o->asid) {
		uint64_t a = 2;

		if (opt_u64("asid", o->asid, &a) || a > 1) {
			fprintf(stderr, "vmlabfs: asid: 0 or 1\n");
			return -1;
		}
		c->asid = a == 1;
	}
	if (o->policy)
		snprintf(c->policy, sizeof(c->policy), "%s", o->policy);
	c->state_dir = c->swap_pages ? "-" : NULL; /* the real one comes later */
	if (vm_config_check(c, &why)) {
		fprintf(stderr, "vmlabfs: %s\n", why);
		return -1;
	}
	return 0;
}

/* Opens files/'s backing directory: files=DIR, or STATE/files (STATE made
 * if missing).  Prints why it could not. */
static int
lab_files(const struct options *o)
{
	char *dir = NULL;
	int rc;

	if (o->files)
		dir = strdup(o->files);
	else if (asprintf(&dir, "%s/files", lab.state_dir) < 0)
		dir = NULL;
	if (!dir)
		return -1;
	if (!o->files)
		mkdir(lab.state_dir, 0700);
	rc = files_init(dir);
	if (rc)
		fprintf(stderr, "vmlabfs: files directory %s: %s\n", dir,
			strerror(-rc));
	free(dir);
	return rc ? -1 : 0;
}

/* A mount point whose vmlabfs died (kill -9) answers ENOTCONN until it
 * is unmounted: say how, rather than only libfuse's strerror. */
static int
check_mountpoint(const char *mnt)
{
	struct stat st;

	if (stat(mnt, &st) == 0 || errno != ENOTCONN)
		return 0;
	fprintf(stderr, "vmlabfs: %s: %s: the vmlabfs that served it is "
		"gone; unmount it first with: fusermount3 -u %s\n", mnt,
		strerror(ENOTCONN), mnt);
	return -1;
}

/*
 * Takes the state directory for this mount, when the machine has swap
 * (the swap store is what cannot be shared): an flock on the directory
 * itself, by a descriptor that crosses the fork of daemonizing and is
 * held until the process ends.  The trial machine below is built and
 * destroyed before that fork, and the real one after it, so without
 * this two mounts started at once could both pass the trial, and the
 * loser would fail in the background after its parent had exited 0.
 * Prints why it could not.
 */
static int
claim_state_dir(void)
{
	int fd;

	if (!lab.cfg.swap_pages)
		return 0;
	mkdir(lab.state_dir, 0700);
	fd = open(lab.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0; /* fd stays open: the lock lasts as long as we do */
	if (errno == EWOULDBLOCK)
		fprintf(stderr, "vmlabfs: state directory %s is taken by "
			"another vmlabfs: choose another with -o state=DIR\n",
			lab.state_dir);
	else
		fprintf(stderr, "vmlabfs: state directory %s: %s\n",
			lab.state_dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static const struct vm_log lab_vm_log = { .fn = lab_log_sink, .ctx = &lab };

/* Builds the machine; prints why it could not. */
static int
lab_start(void)
{
	int rc = vm_machine_create(&lab.cfg, &lab_vm_log, &lab.m);

	if (rc == -EBUSY) {
		fprintf(stderr, "vmlabfs: state directory %s is taken by "
			"another vmlabfs: choose another with -o state=DIR\n",
			lab.state_dir);
		return -1;
	}
	if (rc) {
		fprintf(stderr, "vmlabfs: cannot build the machine in %s: %s\n",
			lab.state_dir, strerror(-rc));
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *loop;
	struct options o = { 0 };
	struct fuse_session *se;
	int ret = 1;

	if (fuse_opt_parse(&args, &o, vmlabfs_opts, opt_proc) == -1 ||
	    fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help) {
		usage(argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("vmlabfs %s\nFUSE library version %s\n", PACKAGE_VERSION,
		       fuse_pkgversion());
		fflush(stdout); /* before fusermount3 -V prints its own */
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [options] MOUNTPOINT\n"
			"       %s --help\n", argv[0], argv[0]);
		goto out_args;
	}
	if (check_mountpoint(opts.mountpoint) || make_config(&o, &lab.cfg))
		goto out_args;
	lab.state_dir = o.state ? strdup(o.state) : default_state_dir();
	if (!lab.state_dir)
		goto out_args;
	lab.cfg.state_dir = lab.cfg.swap_pages ? lab.state_dir : NULL;
	if (lab_files(&o) || files_set_mount(opts.mountpoint))
		goto out_args;
	lab.cfg.files_dir = files_dir();
	fmt_set_file_hook(files_vma_id);
	pthread_mutex_init(&lab.lock, NULL);
	lablog_init(&lab.log);
	if (nodes_init(&lab))
		goto out_args;
	/* a trial run before the fork of daemonizing, so that a bad state
	 * directory is reported here; LMDB must not cross a fork, the
	 * directory's lock does */
	if (claim_state_dir() || lab_start())
		goto out_nodes;
	vm_machine_destroy(lab.m);
	lab.m = NULL;
	se = fuse_session_new(&args, &vmlabfs_ops, sizeof(vmlabfs_ops), NULL);
	if (!se)
		goto out_nodes;
	lab.se = se;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (o.nosymfollow)
		files_mounted(opts.mountpoint);
	fuse_daemonize(opts.foreground);
	if (lab_start())
		goto out_unmount;
	lab.btime = (uint64_t)time(NULL);
	lab_logf("vmlabfs %s: %" PRIu64 " frames (%" PRIu64 " KiB), swap %"
		 PRIu64 " pages in %s, policy %s, TLB %u entries %u ways%s",
		 PACKAGE_VERSION, lab.cfg.frames, lab.cfg.frames * 4,
		 lab.cfg.swap_pages, lab.state_dir, lab.cfg.policy,
		 lab.cfg.tlb_entries, lab.cfg.tlb_ways,
		 lab.cfg.asid ? ", ASIDs" : "");
	files_log();
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		loop = fuse_loop_cfg_create();
		if (!loop)
			goto out_machine;
		fuse_loop_cfg_set_clone_fd(loop, (unsigned)opts.clone_fd);
		fuse_loop_cfg_set_max_threads(loop, opts.max_threads);
		ret = fuse_session_loop_mt(se, loop);
		fuse_loop_cfg_destroy(loop);
	}
out_machine:
	LOCK();
	vm_machine_destroy(lab.m);
	lab.m = NULL;
	UNLOCK();
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	lab.se = NULL;
	fuse_session_destroy(se);
out_nodes:
	nodes_fini(&lab);
	lablog_fini(&lab.log);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	free_options(&o);
	free(lab.state_dir);
	files_fini();
	return ret ? 1 : 0;
}
