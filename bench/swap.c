/*
 * bench/swap.c - the swap store against raw LMDB, in one run.
 *
 * Baseline (raw): N values of 4096 random bytes put under integer keys
 * 1..N, B puts per write transaction, same environment flags as the store
 * (no sync); then a get of every key in one read transaction, copying the
 * 4096 bytes out (a swap-in must land in a frame too).
 * Store: N pages swapped out with vm_swap_alloc + vm_swap_write and one
 * vm_swap_flush; then read back with vm_swap_read.
 * Both read passes are timed warm: an untimed pass first checks every
 * page and brings the file into the page cache.
 * Machine: the same through the whole simulator: a process's N resident
 * pages evicted by madvise(pageout) (reverse map, PTE to swap entry, TLB
 * shootdown, swap write), then read back through faults (a major fault
 * each: the pager's swap-cache lookup, frame, swap read, PTE, TLB fill).
 * Its read is timed warm too, as the baselines' are: an untimed look at
 * every slot first (vm_pager_swap_peek, an observation) maps the store's
 * pages into this process.  Cold, the first touch of each LMDB page of
 * the mapped file costs the host 1.5-3 us on the machine this was
 * written on (a plain mmap of a file shows it outside vmlab: 1.5 us a
 * page cold, 0.025 us warm), several times the whole warm swap-in; that,
 * not the simulator's path (about 3900 instructions a swap-in, of which
 * about 1000 are LMDB's get), is what a cold run measures.
 *
 * Prints pages/s, the ratios store/raw (targets: >= 0.5) and disk bytes
 * per page (target for the store: <= 4.5 KiB).  Content comes from a pool
 * of 1024 random pages, page i being pool[i % 1024].
 *
 * usage: bench-swap [-n N] [-b B]     (N = 65536, B = 16)
 * The state lives in a mkdtemp directory under $TMPDIR (or /tmp) and is
 * removed at the end.
 */
#include <config.h>

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/pager.h"
#include "vmlab/proc.h"
#include "vmlab/swap.h"

#include "bench.h"

#define PG VM_SWAP_PAGE_SIZE
#define POOL 1024
#define DIR_MAX 256
#define RAW_FLAGS (MDB_NOSUBDIR | MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS)

struct result {
	double out_s, in_s; /* seconds for N puts / N gets */
	uint64_t disk;	    /* bytes of LMDB pages in use */
};

static unsigned char *
make_pool(void)
{
	unsigned char *pool = malloc((size_t)POOL * PG);
	uint64_t x = 0x2545f4914f6cdd1d;
	size_t i;

	if (!pool)
		return NULL;
	for (i = 0; i < (size_t)POOL * PG; i += sizeof(x)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(pool + i, &x, sizeof(x));
	}
	return pool;
}

static const unsigned char *
page_of(const unsigned char *pool, uint64_t i)
{
	return pool + (size_t)(i % POOL) * PG;
}

static int
lmdb_fail(const char *what, int rc)
{
	fprintf(stderr, "bench-swap: raw %s: %s\n", what, mdb_strerror(rc));
	return -1;
}

/* (me_last_pgno + 1 - freelist pages) * psize, as vm_swap_get_info. */
static int
raw_disk(MDB_env *env, uint64_t *bytes)
{
	MDB_envinfo ei;
	MDB_stat ms;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t freepg = 0;
	int rc;

	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	mdb_env_info(env, &ei);
	mdb_env_stat(env, &ms);
	rc = mdb_cursor_open(txn, 0, &cur);
	if (!rc) {
		while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
			freepg += *(const size_t *)v.mv_data;
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	mdb_txn_abort(txn);
	*bytes = ((uint64_t)ei.me_last_pgno + 1 - freepg) * ms.ms_psize;
	return rc;
}

static int
raw_puts(MDB_env *env, MDB_dbi dbi, uint64_t n, unsigned batch,
	 const unsigned char *pool)
{
	MDB_txn *txn = NULL;
	size_t key;
	MDB_val k = {.mv_size = sizeof(key), .mv_data = &key};
	MDB_val v = {.mv_size = PG};
	uint64_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (!txn) {
			rc = mdb_txn_begin(env, NULL, 0, &txn);
			if (rc)
				return lmdb_fail("begin", rc);
		}
		key = (size_t)i + 1;
		v.mv_data = (void *)page_of(pool, i);
		rc = mdb_put(txn, dbi, &k, &v, 0);
		if (rc) {
			mdb_txn_abort(txn);
			return lmdb_fail("put", rc);
		}
		if ((i + 1) % batch == 0 || i + 1 == n) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
			if (rc)
				return lmdb_fail("commit", rc);
		}
	}
	return 0;
}

/* Gets every key, copying into out; with check, compares it too. */
static int
raw_gets(MDB_env *env, MDB_dbi dbi, uint64_t n, const unsigned char *pool,
	 int check)
{
	static unsigned char out[PG];
	MDB_txn *txn;
	size_t key;
	MDB_val k = {.mv_size = sizeof(key), .mv_data = &key}, v;
	uint64_t i;
	int rc;

	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return lmdb_fail("begin read", rc);
	for (i = 0; i < n; i++) {
		key = (size_t)i + 1;
		rc = mdb_get(txn, dbi, &k, &v);
		if (rc || v.mv_size != PG)
			break;
		memcpy(out, v.mv_data, PG);
		if (check && memcmp(out, page_of(pool, i), PG) != 0)
			break;
	}
	mdb_txn_abort(txn);
	if (i < n) {
		fprintf(stderr, "bench-swap: raw key %llu bad\n",
			(unsigned long long)i + 1);
		return -1;
	}
	return 0;
}

static int
raw_open(const char *path, uint64_t n, MDB_env **env, MDB_dbi *dbi)
{
	MDB_txn *txn;
	int rc;

	rc = mdb_env_create(env);
	if (rc)
		return lmdb_fail("env create", rc);
	/* two LMDB pages a value, a quarter more, 64 MiB for the tree */
	rc = mdb_env_set_mapsize(*env,
				 (size_t)(n * 2 * PG * 5 / 4) + (64 << 20));
	if (!rc)
		rc = mdb_env_open(*env, path, RAW_FLAGS, 0600);
	if (!rc)
		rc = mdb_txn_begin(*env, NULL, 0, &txn);
	if (!rc) {
		rc = mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, dbi);
		if (!rc)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	if (rc) {
		mdb_env_close(*env);
		return lmdb_fail("env open", rc);
	}
	return 0;
}

static int
bench_raw(const char *dir, uint64_t n, unsigned batch,
	  const unsigned char *pool, struct result *r)
{
	char path[DIR_MAX + 16];
	MDB_env *env;
	MDB_dbi dbi;
	double t;
	int rc;

	snprintf(path, sizeof(path), "%s/raw.mdb", dir);
	if (raw_open(path, n, &env, &dbi))
		return -1;
	sync(); /* start every phase with no writeback pending */
	t = bench_now();
	rc = raw_puts(env, dbi, n, batch, pool);
	r->out_s = bench_now() - t;
	if (!rc)
		rc = raw_gets(env, dbi, n, pool, 1);
	if (!rc) {
		t = bench_now();
		rc = raw_gets(env, dbi, n, pool, 0);
		r->in_s = bench_now() - t;
	}
	if (!rc && raw_disk(env, &r->disk))
		rc = -1;
	mdb_env_close(env);
	return rc;
}

static int
store_out(struct vm_swap *sw, uint64_t n, const unsigned char *pool)
{
	int64_t s;
	uint64_t i;
	int rc;

	for (i = 0; i < n; i++) {
		s = vm_swap_alloc(sw);
		if (s < 0)
			return (int)s;
		rc = vm_swap_write(sw, (uint64_t)s, page_of(pool, i));
		if (rc)
			return rc;
	}
	return vm_swap_flush(sw);
}

/* Reads slots 1..n (alloc hands them out in order); with check, compares. */
static int
store_in(struct vm_swap *sw, uint64_t n, const unsigned char *pool, int check)
{
	static unsigned char out[PG];
	uint64_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = vm_swap_read(sw, i + 1, out);
		if (rc)
			return rc;
		if (check && memcmp(out, page_of(pool, i), PG) != 0)
			return -EIO;
	}
	return 0;
}

static int
bench_store(const char *dir, uint64_t n, const unsigned char *pool,
	    struct result *r, unsigned *cluster)
{
	char path[DIR_MAX + 16];
	struct vm_swap_opts o = {.nslots = n};
	struct vm_swap_info info;
	struct vm_swap *sw;
	double t;
	int rc;

	snprintf(path, sizeof(path), "%s/store", dir);
	rc = vm_swap_open(path, &o, &sw);
	if (rc)
		return rc;
	sync(); /* earlier phases' writeback must not land in this one */
	t = bench_now();
	rc = store_out(sw, n, pool);
	r->out_s = bench_now() - t;
	if (!rc)
		rc = store_in(sw, n, pool, 1);
	if (!rc) {
		t = bench_now();
		rc = store_in(sw, n, pool, 0);
		r->in_s = bench_now() - t;
	}
	vm_swap_get_info(sw, &info);
	r->disk = info.disk_bytes;
	*cluster = (unsigned)info.cluster;
	vm_swap_close(sw);
	return rc;
}

#define MBASE 0x100000000ull

/* Fills a process with n pages, evicts them all, faults them back. */
static int
bench_machine(const char *dir, uint64_t n, const unsigned char *pool,
	      struct result *r)
{
	char path[DIR_MAX + 16];
	struct vm_config c;
	struct vm_machine *m;
	struct vm_proc *p;
	struct vm_mmap_req req = { .addr = MBASE, .len = n * PG,
				   .prot = VM_PROT_READ | VM_PROT_WRITE,
				   .flags = VM_MAP_FIXED };
	static unsigned char buf[PG];
	uint64_t at;
	double t;
	int rc;

	snprintf(path, sizeof(path), "%s/machine", dir);
	vm_config_default(&c);
	c.frames = n + 1024;
	c.swap_pages = n + 1; /* the header page and n slots */
	c.state_dir = path;
	rc = vm_machine_create(&c, NULL, &m);
	if (rc)
		return rc;
	rc = vm_proc_spawn(m, "bench", &p);
	if (!rc)
		rc = vm_mmap(m, p, &req, &at);
	for (uint64_t i = 0; !rc && i < n; i++)
		if (vm_mem_write(m, p, MBASE + i * PG, page_of(pool, i), PG) !=
		    PG)
			rc = -EIO;
	sync(); /* earlier phases' writeback must not land in this one */
	t = bench_now();
	if (!rc)
		rc = vm_madvise(m, p, MBASE, n * PG, VM_ADV_PAGEOUT);
	if (!rc)
		rc = vm_swap_flush(m->swap);
	r->out_s = bench_now() - t;
	if (!rc && m->stats.v[VM_STAT_pswpout] != n)
		rc = -EIO;
	/* warm, as the baselines' reads are: an untimed look at every
	 * slot (an observation: nothing simulated moves) brings the store's
	 * pages into this process's mapping of the file first */
	for (uint64_t s = vm_pager_swap_next(m, 0); !rc && s;
	     s = vm_pager_swap_next(m, s))
		rc = vm_pager_swap_peek(m, s, buf);
	t = bench_now();
	for (uint64_t i = 0; !rc && i < n; i++)
		if (vm_mem_read(m, p, MBASE + i * PG, buf, PG) != PG)
			rc = -EIO;
	r->in_s = bench_now() - t;
	/* resident now: check every page without faulting */
	for (uint64_t i = 0; !rc && i < n; i++)
		if (vm_mem_read(m, p, MBASE + i * PG, buf, PG) != PG ||
		    memcmp(buf, page_of(pool, i), PG))
			rc = -EIO;
	if (!rc && m->stats.v[VM_STAT_pgmajfault] != n)
		rc = -EIO;
	vm_machine_destroy(m);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
report(uint64_t n, unsigned batch, unsigned cluster, const struct result *raw,
       const struct result *st, const struct result *mc)
{
	double pages = (double)n;
	double out = pages / st->out_s, rput = pages / raw->out_s;
	double in = pages / st->in_s, rget = pages / raw->in_s;
	double kib = (double)st->disk / 1024.0 / pages;
	double rkib = (double)raw->disk / 1024.0 / pages;

	printf("swap bench: %llu pages, raw batch %u puts/txn, ",
	       (unsigned long long)n, batch);
	printf("store cluster %u pages\n", cluster);
	printf("swap-out: %.0f pages/s  raw-put: %.0f/s  ratio %.2f  (%s)\n",
	       out, rput, out / rput, out / rput >= 0.5 ? "ok" : "below 0.5");
	printf("swap-in:  %.0f pages/s  raw-get: %.0f/s  ratio %.2f  (%s)\n",
	       in, rget, in / rget, in / rget >= 0.5 ? "ok" : "below 0.5");
	printf("disk:     %.2f KiB/page  raw: %.2f KiB/page  ratio %.2f  ", kib,
	       rkib, kib / rkib);
	printf("(%s)\n", kib <= 4.5 ? "ok" : "above 4.5 KiB");
	out = pages / mc->out_s;
	in = pages / mc->in_s;
	printf("machine swap-out: %.0f pages/s  ratio to raw-put %.2f  (%s)\n",
	       out, out / rput, out / rput >= 0.5 ? "ok" : "below 0.5");
	printf("machine swap-in:  %.0f pages/s  ratio to raw-get %.2f  (%s)\n",
	       in, in / rget, in / rget >= 0.5 ? "ok" : "below 0.5");
}

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n PAGES] [-b PUTS_PER_TXN]\n", prog);
	return 2;
}

/* Reads -n and -b.  Returns 0, or 2 after printing the usage. */
static int
parse_args(int argc, char **argv, uint64_t *n, unsigned *batch)
{
	unsigned long long b = *batch;
	int c;

	while ((c = getopt(argc, argv, "n:b:h")) != -1) {
		if (c == 'n')
			*n = strtoull(optarg, NULL, 0);
		else if (c == 'b')
			b = strtoull(optarg, NULL, 0);
		else
			return usage(argv[0]);
	}
	if (optind != argc || *n == 0 || *n > VM_SWAP_SLOTS_MAX || b == 0 ||
	    b > UINT32_MAX)
		return usage(argv[0]);
	*batch = (unsigned)b;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	struct result raw = {0}, st = {0}, mc = {0};
	unsigned batch = 16, cluster = 0;
	uint64_t n = 65536;
	unsigned char *pool;
	char dir[DIR_MAX];
	int rc;

	rc = parse_args(argc, argv, &n, &batch);
	if (rc)
		return rc;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/vmlab-bench-swap-XXXXXX",
			     tmp && *tmp ? tmp : "/tmp") >= sizeof(dir)) {
		fprintf(stderr, "bench-swap: TMPDIR too long\n");
		return 1;
	}
	pool = make_pool();
	if (!pool || !mkdtemp(dir)) {
		perror("bench-swap");
		free(pool);
		return 1;
	}
	rc = bench_raw(dir, n, batch, pool, &raw);
	if (!rc) {
		rc = bench_store(dir, n, pool, &st, &cluster);
		if (rc)
			fprintf(stderr, "bench-swap: store: %s\n",
				strerror(-rc));
	}
	/* each phase starts from an empty directory */
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (!rc && mkdir(dir, 0700))
		rc = -errno;
	if (!rc) {
		rc = bench_machine(dir, n, pool, &mc);
		if (rc)
			fprintf(stderr, "bench-swap: machine: %s\n",
				strerror(-rc));
	}
	if (!rc)
		report(n, batch, cluster, &raw, &st, &mc);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(pool);
	return rc ? 1 : 0;
}
