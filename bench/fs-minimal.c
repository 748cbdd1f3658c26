/*
 * bench/fs-minimal.c - the fastest FUSE server this machine allows, as the
 * baseline of bench/fs.sh.
 *
 * One regular file, `data`, of a fixed size (default 256 MiB), lives in
 * an anonymous mapping that is populated (every page written) before the
 * mount, so neither side pays page faults while measured.  The file is
 * opened direct_io, as vmlabfs opens PID/mem, so reads and writes bypass
 * the kernel page cache and arrive as requests of up to 1 MiB:
 *   read   replies straight from the buffer: fuse_reply_buf() hands the
 *          kernel an iovec pointing into it, and the kernel's writev on
 *          /dev/fuse is the one copy (into the reader's pages);
 *   write  memcpy()s from libfuse's receive buffer into the buffer.
 * A second file, `stats`, reports how many requests arrived and the
 * largest of each kind, so a benchmark can check that 1 MiB requests
 * really reach the server.
 *
 * Other paths can be chosen, to show that the defaults are the fastest:
 *   -o reply=data   reads answered with fuse_reply_data() of a memory
 *                   fuse_bufvec and FUSE_BUF_SPLICE_MOVE, with
 *                   FUSE_CAP_SPLICE_WRITE: libfuse vmsplices the header
 *                   and write()s the data into a pipe, then splices the
 *                   pipe to /dev/fuse, which copies it again
 *   -o recv=splice  FUSE_CAP_SPLICE_READ and a write_buf handler: a write
 *                   request is spliced into a pipe and fuse_buf_copy()
 *                   read()s it into the buffer
 * libfuse splices only when its pipe holds a whole request: for 1 MiB
 * requests the pipe must grow past 1 MiB, which fs.pipe-max-size
 * (1048576 by default) forbids without CAP_SYS_RESOURCE; libfuse then
 * falls back, silently, to writev and read.  Measured with the limit
 * raised to 4 MiB (2 CPUs, Linux 6.18): reply=data read 30% slower than
 * reply=buf (3.1-3.8 against 4.5-5.9 GB/s), recv=splice wrote 0-10%
 * slower than recv=read.
 *
 * Requests are served by the multithreaded loop; no lock guards the
 * buffer (like a block device, overlapping writers race, and the
 * benchmark has one).  The counters are atomics.
 *
 * Built standalone (no config.h: it needs nothing from configure):
 *   gcc -O2 -Wall -Wextra -Werror $(pkg-config --cflags fuse3) \
 *       -DFUSE_USE_VERSION=34 bench/fs-minimal.c \
 *       $(pkg-config --libs fuse3) -o bench/fs-minimal
 *
 * usage: fs-minimal [-f] [-o size=SIZE] [-o reply=buf|data]
 *                   [-o recv=read|splice] [-o max_read=N] MOUNTPOINT
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define INO_DATA 2
#define INO_STATS 3
#define STATS_MAX 256

enum reply_mode { REPLY_BUF, REPLY_DATA };
enum recv_mode { RECV_READ, RECV_SPLICE };

struct opts {
	char *size;
	char *reply;
	char *recv;
	unsigned max_read; /* 0: not given */
};

static struct {
	char *buf;
	size_t size;
	enum reply_mode reply;
	enum recv_mode recv;
	unsigned max_read;
	atomic_size_t nread, nwrite, max_rsize, max_wsize;
} fs;

/* ---- the two files ----------------------------------------------------- */

static void
file_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return;
	}
	st->st_mode = S_IFREG | (ino == INO_DATA ? 0644 : 0444);
	st->st_nlink = 1;
	st->st_size = ino == INO_DATA ? (off_t)fs.size : 0;
}

/* Renders `stats` into out[STATS_MAX].  Returns its length. */
static size_t
stats_render(char *out)
{
	int n = snprintf(out, STATS_MAX,
			 "reads %zu max_read_size %zu\n"
			 "writes %zu max_write_size %zu\n",
			 atomic_load(&fs.nread), atomic_load(&fs.max_rsize),
			 atomic_load(&fs.nwrite), atomic_load(&fs.max_wsize));

	return n < 0 ? 0 : (size_t)n < STATS_MAX ? (size_t)n : STATS_MAX - 1;
}

/* Raises *max to at least v. */
static void
atomic_max(atomic_size_t *max, size_t v)
{
	size_t cur = atomic_load(max);

	while (cur < v && !atomic_compare_exchange_weak(max, &cur, v))
		;
}

/* Clamps a transfer of size bytes at off to the file.  Returns the bytes
 * that lie inside it (0 at or past the end). */
static size_t
clamp(size_t size, off_t off)
{
	if (off < 0 || (size_t)off >= fs.size)
		return 0;
	return size < fs.size - (size_t)off ? size : fs.size - (size_t)off;
}

/* ---- handlers ---------------------------------------------------------- */

static void
minimal_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_write = 1u << 20;
	if (fs.max_read)
		conn->max_read = fs.max_read;
	if (fs.reply == REPLY_DATA)
		conn->want |= conn->capable &
			      (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	if (fs.recv == RECV_SPLICE)
		conn->want |= conn->capable & FUSE_CAP_SPLICE_READ;
	else
		conn->want &= ~FUSE_CAP_SPLICE_READ;
}

static void
minimal_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (parent != FUSE_ROOT_ID)
		e.ino = 0;
	else if (strcmp(name, "data") == 0)
		e.ino = INO_DATA;
	else if (strcmp(name, "stats") == 0)
		e.ino = INO_STATS;
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.attr_timeout = e.entry_timeout = 3600.0;
	file_stat(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void
minimal_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	file_stat(ino, &st);
	fuse_reply_attr(req, &st, 3600.0);
}

/* The size is fixed: truncation (O_TRUNC, ftruncate) is accepted and
 * changes nothing, like a block device. */
static void
minimal_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	minimal_getattr(req, ino, fi);
}

static void
minimal_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	static const char *const names[] = {".", "..", "data", "stats"};
	static const fuse_ino_t inos[] = {FUSE_ROOT_ID, FUSE_ROOT_ID, INO_DATA,
					  INO_STATS};
	char buf[512];
	size_t len = 0;

	(void)ino;
	(void)fi;
	for (off_t i = off; i < 4; i++) {
		struct stat st;
		size_t n;

		file_stat(inos[i], &st);
		n = fuse_add_direntry(req, buf + len, sizeof(buf) - len,
				      names[i], &st, i + 1);
		if (n > sizeof(buf) - len || len + n > size)
			break;
		len += n;
	}
	fuse_reply_buf(req, buf, len);
}

static void
minimal_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == FUSE_ROOT_ID) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (ino == INO_STATS && (fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void
minimal_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);
	size_t n;

	(void)fi;
	if (ino == INO_STATS) {
		char text[STATS_MAX];
		size_t len = stats_render(text);

		n = off >= 0 && (size_t)off < len ? len - (size_t)off : 0;
		fuse_reply_buf(req, text + (n ? off : 0), n < size ? n : size);
		return;
	}
	atomic_fetch_add(&fs.nread, 1);
	atomic_max(&fs.max_rsize, size);
	n = clamp(size, off);
	if (fs.reply == REPLY_BUF) {
		fuse_reply_buf(req, fs.buf + (n ? off : 0), n);
		return;
	}
	bv.buf[0].size = n;
	bv.buf[0].mem = fs.buf + (n ? off : 0);
	fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
}

static void
minimal_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
	      off_t off, struct fuse_file_info *fi)
{
	size_t n = clamp(size, off);

	(void)ino;
	(void)fi;
	atomic_fetch_add(&fs.nwrite, 1);
	atomic_max(&fs.max_wsize, size);
	if (!n) {
		fuse_reply_err(req, size ? ENOSPC : 0);
		return;
	}
	memcpy(fs.buf + off, buf, n);
	fuse_reply_write(req, n);
}

/* Writes received through a pipe (recv=splice): copied out of the pipe
 * straight into the buffer. */
static void
minimal_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in,
		  off_t off, struct fuse_file_info *fi)
{
	size_t size = fuse_buf_size(in), n = clamp(size, off);
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(n);
	ssize_t rc;

	(void)ino;
	(void)fi;
	atomic_fetch_add(&fs.nwrite, 1);
	atomic_max(&fs.max_wsize, size);
	if (!n) {
		fuse_reply_err(req, size ? ENOSPC : 0);
		return;
	}
	out.buf[0].mem = fs.buf + off;
	rc = fuse_buf_copy(&out, in, 0);
	if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	else
		fuse_reply_write(req, (size_t)rc);
}

static struct fuse_lowlevel_ops minimal_ops = {
	.init = minimal_init,
	.lookup = minimal_lookup,
	.getattr = minimal_getattr,
	.setattr = minimal_setattr,
	.readdir = minimal_readdir,
	.open = minimal_open,
	.read = minimal_read,
	.write = minimal_write,
};

/* ---- options ----------------------------------------------------------- */

/* clang-format off */
#define OPT(t, p) { t, offsetof(struct opts, p), 1 }
enum { KEY_MAX_READ };

static const struct fuse_opt opt_spec[] = {
	OPT("size=%s", size),
	OPT("reply=%s", reply),
	OPT("recv=%s", recv),
	FUSE_OPT_KEY("max_read=", KEY_MAX_READ),
	FUSE_OPT_END
};
/* clang-format on */

/* Notes max_read=N for init() and keeps it for the mount: libfuse 3.14
 * wants the same value in both places. */
static int
opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct opts *o = data;

	(void)outargs;
	if (key == KEY_MAX_READ)
		o->max_read =
			(unsigned)strtoul(arg + strlen("max_read="), NULL, 0);
	return 1;
}

/* Parses "256M"-style sizes.  Returns 0, or -1 if s is not one. */
static int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	/* clang-format off */
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	/* clang-format on */
	if (end == s || *end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Checks the options and fills fs.  Returns 0, or -1 after a message. */
static int
apply_opts(const struct opts *o)
{
	if (parse_size(o->size, &fs.size)) {
		fprintf(stderr, "fs-minimal: bad size '%s'\n", o->size);
		return -1;
	}
	if (strcmp(o->reply, "buf") && strcmp(o->reply, "data")) {
		fprintf(stderr, "fs-minimal: reply must be buf or data\n");
		return -1;
	}
	if (strcmp(o->recv, "read") && strcmp(o->recv, "splice")) {
		fprintf(stderr, "fs-minimal: recv must be read or splice\n");
		return -1;
	}
	fs.reply = strcmp(o->reply, "buf") ? REPLY_DATA : REPLY_BUF;
	fs.recv = strcmp(o->recv, "read") ? RECV_SPLICE : RECV_READ;
	fs.max_read = o->max_read;
	if (fs.recv == RECV_SPLICE)
		minimal_ops.write_buf = minimal_write_buf;
	return 0;
}

static void
usage(const char *prog)
{
	printf("usage: %s [options] MOUNTPOINT\n\n"
	       "Serves one file, data, from memory (direct_io).\n"
	       "    -o size=SIZE       size of data (default 256M)\n"
	       "    -o reply=buf|data  read reply path (default buf)\n"
	       "    -o recv=read|splice  write receive path (default read)\n"
	       "    -o max_read=N      largest read request\n\n",
	       prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* ---- main -------------------------------------------------------------- */

/* Parses the options, maps and populates the buffer, mounts, and serves
 * until unmounted; the steps of hello_ll.c, with one cleanup label for
 * each thing set up. */
int
main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct opts o = {0};
	struct fuse_cmdline_opts cl;
	struct fuse_loop_config loop;
	struct fuse_session *se;
	int ret = 1;

	o.size = strdup("256M");
	o.reply = strdup("buf");
	o.recv = strdup("read");
	if (!o.size || !o.reply || !o.recv ||
	    fuse_opt_parse(&args, &o, opt_spec, opt_proc) == -1)
		goto out_opts;
	if (fuse_parse_cmdline(&args, &cl) != 0)
		goto out_opts;
	if (cl.show_help || cl.show_version || !cl.mountpoint) {
		usage(argv[0]);
		ret = !(cl.show_help || cl.show_version);
		goto out_cmdline;
	}
	if (apply_opts(&o))
		goto out_cmdline;
	fs.buf = mmap(NULL, fs.size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (fs.buf == MAP_FAILED) {
		perror("fs-minimal: mmap");
		goto out_cmdline;
	}
	se = fuse_session_new(&args, &minimal_ops, sizeof(minimal_ops), NULL);
	if (!se)
		goto out_buf;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, cl.mountpoint))
		goto out_signals;
	fuse_daemonize(cl.foreground);
	if (cl.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		loop.clone_fd = cl.clone_fd;
		loop.max_idle_threads = cl.max_idle_threads;
		ret = fuse_session_loop_mt(se, &loop);
	}
	ret = ret != 0;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_buf:
	munmap(fs.buf, fs.size);
out_cmdline:
	free(cl.mountpoint);
out_opts:
	fuse_opt_free_args(&args);
	free(o.size);
	free(o.reply);
	free(o.recv);
	return ret;
}
