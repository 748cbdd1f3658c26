/*
 * lab.h - vmlabfs's shared state: the lab (a machine and its lock, the
 * event log), the inode table, and the per-open file state.
 *
 * Lock order: a handle's wlock, then lab->lock (the machine lock), then
 * lab->log_lock.  The machine lock is held around every libvmlab call; a
 * request whose work grows with its length (a ctl command in steps, a
 * trace write) lets every waiting thread have it between steps
 * (lab_yield()), so that no request holds the machine for long.  The
 * node table has its
 * own lock (nodes are looked up from every FUSE thread, also for files
 * that never touch the machine); the log has its own so that the
 * machine's log sink, called with the machine lock held, can append.
 * files.c's inode table has its own too, also taken after the machine
 * lock, which files/ holds around file content (see files.c).
 */
#ifndef VMLABFS_LAB_H
#define VMLABFS_LAB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <fuse_lowlevel.h>

#include "vmlab/machine.h"
#include "vmlab/session.h"
#include "vmlab/trace.h"

/*
 * What an inode is.  A node is (type, pid, arg); arg's meaning is the
 * type's: a config knob, a swap slot, a page-table path, a VA.
 *
 * files/ is the exception: it and everything under it have their own
 * range of inode numbers (FILES_INO_BIT set, see files.h), kept by
 * files.c in its own table and never in this one.  N_FILES only names the
 * entry "files" of the root, so that tree.c lists it and its lookup can
 * be handed to files.c.
 */
enum node_type {
	N_ROOT = 1,
	N_README,
	N_CTL,
	N_LOG,
	N_VMSTAT,
	N_MEMINFO,
	N_SWAPS,
	N_KPAGEFLAGS,
	N_KPAGECOUNT,
	N_UPTIME,
	N_LAST_PID,
	N_TRACE,	/* the machine-wide, multi-process trace */
	N_TLB,
	N_CONFIG_DIR,
	N_CONFIG,	/* arg: knob index */
	N_PHYS_DIR,
	N_PHYS_MEM,
	N_PHYS_FRAMES,
	N_PHYS_BUDDYINFO,
	N_SWAP_DIR,
	N_SWAP_SLOT,	/* arg: slot */
	N_SELF,		/* a symlink to the current process, see sysfmt.h */
	N_STAT,
	N_CPUINFO,
	N_LOADAVG,
	N_FILES,	/* files/: served by files.c, see above */
	N_PID_DIR,	/* the rest have a pid */
	N_PID_CTL,
	N_PID_TRACE,
	N_PID_MEM,
	N_PID_MAPS,
	N_PID_SMAPS,
	N_PID_PAGEMAP,
	N_PID_STATUS,
	N_PID_STAT,
	N_PID_STATM,
	N_PID_CMDLINE,
	N_PID_LIMIT,
	N_PID_SMAPS_ROLLUP,
	N_PID_COMM,
	N_PID_ENVIRON,
	N_PID_OOM_SCORE,
	N_PID_OOM_ADJ,
	N_PID_CLEAR_REFS,
	N_PT_DIR,	/* arg: page-table path, see pt_path_* */
	N_PT_ENTRIES,
	N_PT_RAW,
	N_XLATE_DIR,
	N_XLATE,	/* arg: the virtual address */
	N_TYPES
};

struct node {
	uint64_t ino;
	int type;
	int pid;
	uint64_t arg;
	uint64_t nlookup;	/* kernel references; under the node lock */
	struct node *next_key, *next_ino;
};

/* One reader of the log (an open file): where its offsets meet the
 * log's, and the marker it was shown where text had been dropped. */
struct lab_log_reader {
	uint64_t skew;		/* log offset = reader's offset + skew */
	uint64_t mark_at;	/* the reader's offset of the marker */
	size_t mark_len;	/* 0: no marker */
	char mark[96];
};

/* The event log: every line ever logged, as one growing text. */
struct lab_log {
	pthread_mutex_t lock;
	char *buf;
	size_t len, cap;
	uint64_t dropped;	/* bytes dropped off the front past the cap */
	uint64_t lines;
};

struct lab {
	pthread_mutex_t lock;	/* the machine lock */
	atomic_uint waiting;	/* threads blocked in lab_lock() */
	atomic_ulong grants;	/* times the machine lock was taken */
	struct vm_machine *m;
	struct fuse_session *se;	/* for fuse_session_exited() */
	struct lab_log log;
	struct vm_config cfg;	/* as mounted */
	uint64_t btime;		/* wall-clock second of the mount (stat) */
	char *state_dir;
	/* node table */
	pthread_mutex_t nlock;
	struct node **by_key, **by_ino;
	size_t nbuckets;
	uint64_t next_ino;
};

/* Per-open state, in fi->fh.  lock is held while a reply is written
 * from the handle's memory: the kernel may already have passed the data
 * on and sent the release on another thread while writev returns. */
struct handle {
	pthread_mutex_t lock;
	pthread_mutex_t wlock;	/* held through a write or flush: one at a
				 * time runs the ctl session or the trace */
	int type;
	int pid;
	uint64_t arg;
	char *text;		/* a rendered observation file, or NULL */
	size_t len;
	struct vm_trace_parser *tp; /* PID/trace and trace */
	const char *why;	/* trace: why the replay stopped */
	bool reported;		/* trace: the stop is in the log already */
	fuse_req_t req;		/* trace: the write being replayed */
	uint64_t work;		/* trace: pages replayed since a yield */
	struct vm_ctl_session ctl; /* ctl and PID/ctl */
	struct lab_log_reader logr; /* log */
};

extern struct lab lab;

/* The machine lock, around every libvmlab call and files/'s data path. */
#define LOCK() lab_lock()
#define UNLOCK() lab_unlock()

/* Pages a long request does between two lab_yield()s: a few milliseconds
 * of faults. */
#define LAB_STEP_PAGES 4096

void lab_lock(void);
void lab_unlock(void);

/*
 * With the machine lock held: when other threads wait for it, lets it go
 * until one of them has had it, then takes it back (a plain unlock and
 * lock would let this thread take it again first).  Anything may change
 * meanwhile: the caller finds its objects again afterwards.
 */
void lab_yield(void);

/* True when the work of req should stop: the kernel says its caller got
 * a signal, or the daemon is shutting down. */
bool lab_req_stopped(fuse_req_t req);

/* Node table (node.c). */
int nodes_init(struct lab *l);
void nodes_fini(struct lab *l);
/* The node for a key, made if new; nlookup += 1 when ref. NULL: ENOMEM. */
struct node *node_get(struct lab *l, int type, int pid, uint64_t arg,
		      bool ref);
/* The node of ino, or NULL.  The caller copies what it needs. */
bool node_find(struct lab *l, uint64_t ino, struct node *out);
void node_forget(struct lab *l, uint64_t ino, uint64_t n);
/* A stable inode number for a directory listing. */
uint64_t node_ino_hint(struct lab *l, int type, int pid, uint64_t arg);

/* The event log (logbuf.c). */
int lablog_init(struct lab_log *lg);
void lablog_fini(struct lab_log *lg);
void lablog_append(struct lab_log *lg, const char *line);
/*
 * Copies up to size bytes of the log to buf as reader r sees it at its
 * offset off; returns the count.  Where the text at off has been dropped
 * (past the cap), the copy starts with a marker line saying how many
 * bytes went, and the rest of the log follows it in r's offsets, so that
 * a reader going on from where it stopped sees every byte at most once.
 */
size_t lablog_read(struct lab_log *lg, struct lab_log_reader *r, uint64_t off,
		   char *buf, size_t size);
uint64_t lablog_size(struct lab_log *lg);
/* The machine's log sink: stamps lines with the simulated clock. */
void lab_log_sink(void *ctx, int level, const char *line);
/* Logs a line from the front end (machine lock held or not). */
void lab_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
