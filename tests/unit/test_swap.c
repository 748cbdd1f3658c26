/*
 * test_swap.c - the swap store: contents round-trip byte for byte, slots
 * and references are counted exactly, zero pages and freed slots cost no
 * disk, a page of random data costs at most 4.5 KiB, and every bad
 * argument or full store is an errno, not a crash.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/log.h"
#include "vmlab/swap.h"

#include "lib.h"

#define PG VM_SWAP_PAGE_SIZE

/* base: one mkdtemp directory per tcase, made and removed in the parent
 * (a failed forked test exits without its teardown); dir: the test's own
 * directory inside it. */
static char base[64];
static char dir[96];
static struct vm_swap *sw;

/* Log sink: counts lines and keeps the last one. */
static int nlog;
static char last_log[512];

static void
sink(void *ctx, int level, const char *line)
{
	(void)ctx;
	(void)level;
	nlog++;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

static const struct vm_log test_log = {.fn = sink};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
base_setup(void)
{
	snprintf(base, sizeof(base), "%s", "/tmp/vmlab-swap-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void
base_teardown(void)
{
	nftw(base, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sw = NULL;
	nlog = 0;
	last_log[0] = '\0';
}

static void
teardown(void)
{
	vm_swap_close(sw);
	sw = NULL;
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
open_store(uint64_t nslots, uint64_t mapsize, unsigned cluster)
{
	struct vm_swap_opts o = {
		.nslots = nslots,
		.mapsize = mapsize,
		.cluster = cluster,
		.log = &test_log,
	};

	ck_assert_int_eq(vm_swap_open(dir, &o, &sw), 0);
	ck_assert_ptr_nonnull(sw);
}

static uint64_t
mix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Random-looking, never zero-filled content for (slot, version). */
static void
pattern(unsigned char *page, uint64_t slot, uint64_t ver)
{
	uint64_t x = slot * 1000003 + ver, w;
	size_t i;

	for (i = 0; i < PG; i += sizeof(w)) {
		w = mix(&x);
		memcpy(page + i, &w, sizeof(w));
	}
}

static void
write_pattern(uint64_t slot, uint64_t ver)
{
	unsigned char page[PG];

	pattern(page, slot, ver);
	ck_assert_int_eq(vm_swap_write(sw, slot, page), 0);
}

static void
check_pattern(uint64_t slot, uint64_t ver)
{
	unsigned char want[PG], got[PG];

	pattern(want, slot, ver);
	ck_assert_int_eq(vm_swap_read(sw, slot, got), 0);
	ck_assert_msg(memcmp(want, got, PG) == 0, "slot %llu differs",
		      (unsigned long long)slot);
}

static void
check_zero(uint64_t slot)
{
	static const unsigned char zero[PG];
	unsigned char got[PG];

	memset(got, 0xa5, sizeof(got));
	ck_assert_int_eq(vm_swap_read(sw, slot, got), 0);
	ck_assert(memcmp(zero, got, PG) == 0);
}

static void
alloc_n(uint64_t n)
{
	uint64_t i;

	for (i = 1; i <= n; i++)
		ck_assert_int_eq(vm_swap_alloc(sw), (int64_t)i);
}

static struct vm_swap_info
info(void)
{
	struct vm_swap_info in;

	vm_swap_get_info(sw, &in);
	return in;
}

/* ---- core ---- */

START_TEST(test_swap_alloc_starts_at_one)
{
	open_store(16, 0, 0);
	ck_assert_int_eq(vm_swap_alloc(sw), 1);
	ck_assert_int_eq(vm_swap_alloc(sw), 2);
	ck_assert_uint_eq(vm_swap_count(sw, 1), 1);
	ck_assert_uint_eq(vm_swap_count(sw, 0), 0);
	ck_assert_uint_eq(vm_swap_count(sw, 3), 0);
	ck_assert_uint_eq(info().used, 2);
}
END_TEST

START_TEST(test_swap_roundtrip_many)
{
	struct vm_swap_info in;
	uint64_t s;

	open_store(200, 0, 0);
	alloc_n(200);
	for (s = 1; s <= 200; s++)
		write_pattern(s, 7);
	for (s = 1; s <= 200; s++)
		check_pattern(s, 7);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	for (s = 200; s >= 1; s--)
		check_pattern(s, 7);
	in = info();
	ck_assert_uint_eq(in.stored, 200);
	ck_assert_uint_eq(in.zero, 0);
	ck_assert_uint_eq(in.writes, 200);
	ck_assert_uint_eq(in.reads, 400);
	/* 12 full clusters of 16 and the open one with 8 */
	ck_assert_uint_eq(in.clusters, 13);
	ck_assert_uint_eq(in.buffered, 8);
}
END_TEST

START_TEST(test_swap_overwrite)
{
	uint64_t s;

	open_store(64, 0, 0);
	alloc_n(60);
	for (s = 1; s <= 40; s++)
		write_pattern(s, 0);
	write_pattern(3, 1);  /* sealed cluster: moves */
	write_pattern(35, 1); /* open cluster: in place */
	for (s = 1; s <= 40; s++)
		check_pattern(s, s == 3 || s == 35);
	ck_assert_uint_eq(info().stored, 40);
	/* fill the open cluster (33..40, 3, 41..47), flush, rewrite 35 in
	 * place; writing 48 seals it, and 35 is then read from LMDB */
	for (s = 41; s <= 47; s++)
		write_pattern(s, 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	write_pattern(35, 2);
	for (s = 48; s <= 60; s++)
		write_pattern(s, 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	check_pattern(3, 1);
	check_pattern(35, 2);
	check_pattern(4, 0);
	check_pattern(60, 0);
	ck_assert_uint_eq(info().stored, 60);
	ck_assert_uint_eq(info().clusters, 4);
}
END_TEST

START_TEST(test_swap_unwritten_reads_zero)
{
	open_store(16, 0, 0);
	alloc_n(2);
	write_pattern(1, 0);
	check_zero(2);
	ck_assert_uint_eq(info().zero, 1);
	ck_assert_uint_eq(info().stored, 1);
}
END_TEST

START_TEST(test_swap_zero_page_not_stored)
{
	static const unsigned char zero[PG];
	struct vm_swap_info a, b;
	uint64_t s;

	open_store(64, 0, 0);
	alloc_n(30);
	for (s = 1; s <= 20; s++)
		write_pattern(s, 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	a = info();
	for (s = 21; s <= 30; s++)
		ck_assert_int_eq(vm_swap_write(sw, s, zero), 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	b = info();
	ck_assert_uint_eq(b.stored, 20);
	ck_assert_uint_eq(b.zero, 10);
	ck_assert_uint_eq(b.zero_writes, 10);
	ck_assert_uint_eq(b.commits, a.commits);
	ck_assert_uint_eq(b.disk_bytes, a.disk_bytes);
	ck_assert_uint_eq(b.clusters, a.clusters);
	for (s = 21; s <= 30; s++)
		check_zero(s);
	/* a stored page overwritten with zeros gives up its storage */
	ck_assert_int_eq(vm_swap_write(sw, 5, zero), 0);
	check_zero(5);
	ck_assert_uint_eq(info().stored, 19);
	ck_assert_uint_eq(info().zero, 11);
}
END_TEST

START_TEST(test_swap_refcount_dup_free)
{
	open_store(8, 0, 0);
	alloc_n(1);
	write_pattern(1, 3);
	ck_assert_int_eq(vm_swap_dup(sw, 1), 0);
	ck_assert_int_eq(vm_swap_dup(sw, 1), 0);
	ck_assert_uint_eq(vm_swap_count(sw, 1), 3);
	ck_assert_int_eq(vm_swap_free(sw, 1), 0);
	ck_assert_uint_eq(vm_swap_count(sw, 1), 2);
	check_pattern(1, 3);
	ck_assert_int_eq(vm_swap_free(sw, 1), 0);
	ck_assert_uint_eq(vm_swap_count(sw, 1), 1);
	ck_assert_uint_eq(info().stored, 1);
	ck_assert_int_eq(vm_swap_free(sw, 1), 0);
	ck_assert_uint_eq(vm_swap_count(sw, 1), 0);
	ck_assert_uint_eq(info().used, 0);
	ck_assert_uint_eq(info().stored, 0);
	ck_assert_int_eq(vm_swap_free(sw, 1), -EINVAL);
	ck_assert_int_eq(vm_swap_dup(sw, 1), -EINVAL);
}
END_TEST

START_TEST(test_swap_slot_reuse_after_free)
{
	open_store(8, 0, 0);
	alloc_n(3);
	write_pattern(2, 0);
	ck_assert_int_eq(vm_swap_free(sw, 2), 0);
	ck_assert_int_eq(vm_swap_alloc(sw), 2);
	check_zero(2); /* no stale content */
	ck_assert_int_eq(vm_swap_alloc(sw), 4);
}
END_TEST

START_TEST(test_swap_next_used)
{
	uint64_t s, seen[8], n = 0;

	open_store(10, 0, 0);
	ck_assert_uint_eq(vm_swap_next_used(sw, 0), 0);
	alloc_n(10);
	ck_assert_int_eq(vm_swap_free(sw, 2), 0);
	ck_assert_int_eq(vm_swap_free(sw, 3), 0);
	ck_assert_int_eq(vm_swap_free(sw, 10), 0);
	for (s = 0; (s = vm_swap_next_used(sw, s)) != 0;) {
		ck_assert_uint_lt(n, 8);
		seen[n++] = s;
	}
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(seen[0], 1);
	ck_assert_uint_eq(seen[1], 4);
	ck_assert_uint_eq(seen[6], 9);
	ck_assert_uint_eq(vm_swap_next_used(sw, 9), 0);
	ck_assert_uint_eq(vm_swap_next_used(sw, UINT64_MAX), 0);
}
END_TEST

START_TEST(test_swap_disk_per_page)
{
	struct vm_swap_info in;
	uint64_t s;

	open_store(4096, 0, 0);
	alloc_n(4096);
	for (s = 1; s <= 4096; s++)
		write_pattern(s, 1);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	in = info();
	ck_assert_uint_eq(in.clusters, 256);
	ck_assert_uint_ge(in.disk_bytes, 4096 * PG);
	ck_assert_uint_le(in.disk_bytes, 4096 * (PG + PG / 8));
	ck_assert_uint_le(in.file_bytes, 4096 * (PG + PG / 8));
	check_pattern(1, 1);
	check_pattern(4096, 1);
}
END_TEST

START_TEST(test_swap_free_all_no_leak)
{
	struct vm_swap_info in;
	uint64_t s;

	open_store(1000, 0, 0);
	alloc_n(1000);
	for (s = 1; s <= 1000; s++) {
		if (s % 10)
			write_pattern(s, 0);
		if (s % 7 == 0)
			ck_assert_int_eq(vm_swap_dup(sw, s), 0);
	}
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	ck_assert_uint_eq(info().clusters, 57);
	for (s = 1; s <= 1000; s++) {
		ck_assert_int_eq(vm_swap_free(sw, s), 0);
		if (s % 7 == 0)
			ck_assert_int_eq(vm_swap_free(sw, s), 0);
	}
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	in = info();
	ck_assert_uint_eq(in.used, 0);
	ck_assert_uint_eq(in.stored, 0);
	ck_assert_uint_eq(in.zero, 0);
	ck_assert_uint_eq(in.buffered, 0);
	ck_assert_uint_eq(in.clusters, 0);
	ck_assert_uint_le(in.disk_bytes, 16 * PG);
	ck_assert_uint_eq(vm_swap_next_used(sw, 0), 0);
	/* everything is free again, from slot 1 */
	alloc_n(1000);
}
END_TEST

START_TEST(test_swap_reopen_discards)
{
	uint64_t s;

	open_store(100, 0, 0);
	alloc_n(100);
	for (s = 1; s <= 100; s++)
		write_pattern(s, 0);
	vm_swap_close(sw);
	sw = NULL;
	open_store(100, 0, 0);
	ck_assert_uint_eq(info().used, 0);
	ck_assert_uint_eq(info().clusters, 0);
	ck_assert_uint_le(info().file_bytes, 16 * PG);
	ck_assert_int_eq(vm_swap_alloc(sw), 1);
	check_zero(1);
}
END_TEST

/*
 * 32 clusters each left with one live page.  Each of the next three writes
 * seals the open cluster and copies single pages together, keeping one
 * page free for the write: 15, 15, then 1 move, which brings the waste in
 * sealed clusters (15 pages) within one cluster.  Left: two full clusters,
 * one with a single page, and the open one with two.
 */
START_TEST(test_swap_compaction)
{
	struct vm_swap_info in;
	uint64_t s;

	open_store(1024, 0, 0);
	alloc_n(512);
	for (s = 1; s <= 512; s++)
		write_pattern(s, 0);
	for (s = 1; s <= 512; s++)
		if ((s - 1) % 16)
			ck_assert_int_eq(vm_swap_free(sw, s), 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	ck_assert_uint_eq(info().clusters, 32);
	for (s = 2; s <= 4; s++) {
		ck_assert_int_eq(vm_swap_alloc(sw), (int64_t)s);
		write_pattern(s, 9);
	}
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	in = info();
	ck_assert_uint_eq(in.compacted, 31);
	ck_assert_uint_eq(in.clusters, 4);
	ck_assert_uint_eq(in.stored, 35);
	/* three values of 17 LMDB pages, one of 3, 8 for metas and trees
	 * (544 pages before) */
	ck_assert_uint_le(in.disk_bytes, (3 * 17 + 3 + 8) * PG);
	for (s = 1; s <= 512; s += 16)
		check_pattern(s, 0);
	for (s = 2; s <= 4; s++)
		check_pattern(s, 9);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_swap_full_enospc)
{
	open_store(8, 0, 0);
	alloc_n(8);
	ck_assert_int_eq(vm_swap_alloc(sw), -ENOSPC);
	ck_assert_int_eq(vm_swap_free(sw, 5), 0);
	ck_assert_int_eq(vm_swap_alloc(sw), 5);
	ck_assert_int_eq(vm_swap_alloc(sw), -ENOSPC);
	ck_assert_uint_eq(info().used, 8);
}
END_TEST

START_TEST(test_swap_last_slot)
{
	open_store(70, 0, 0);
	alloc_n(70);
	ck_assert_int_eq(vm_swap_alloc(sw), -ENOSPC);
	write_pattern(70, 1);
	check_pattern(70, 1);
	ck_assert_uint_eq(vm_swap_next_used(sw, 69), 70);
	ck_assert_uint_eq(vm_swap_next_used(sw, 70), 0);
	ck_assert_int_eq(vm_swap_free(sw, 64), 0);
	ck_assert_uint_eq(vm_swap_next_used(sw, 63), 65);
	ck_assert_int_eq(vm_swap_alloc(sw), 64);
}
END_TEST

/* A 256 KiB map holds three clusters of 16 pages: the fourth put fails. */
START_TEST(test_swap_map_full)
{
	uint64_t s, n = 0;
	int rc = 0;

	open_store(1024, 256 * 1024, 16);
	for (s = 1; s <= 1024 && rc == 0; s++) {
		ck_assert_int_eq(vm_swap_alloc(sw), (int64_t)s);
		rc = vm_swap_write(sw, s, (unsigned char[PG]){1});
		if (rc == 0)
			n = s;
	}
	ck_assert_int_eq(rc, -ENOSPC);
	ck_assert_uint_eq(n, 64);
	ck_assert_ptr_nonnull(strstr(last_log, "MDB_MAP_FULL"));
	ck_assert_int_eq(vm_swap_flush(sw), -ENOSPC);
	/* what was written stays readable, the failed write left zeros */
	for (s = 1; s <= n; s++) {
		unsigned char want[PG] = {1}, got[PG];

		ck_assert_int_eq(vm_swap_read(sw, s, got), 0);
		ck_assert(memcmp(want, got, PG) == 0);
	}
	check_zero(n + 1);
	ck_assert_uint_eq(info().stored, 64);
	ck_assert_uint_eq(info().clusters, 3);
}
END_TEST

static void
roundtrip_cluster(unsigned k)
{
	uint64_t s;

	open_store(100, 0, k);
	alloc_n(100);
	for (s = 1; s <= 100; s++)
		write_pattern(s, k);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	for (s = 1; s <= 100; s++)
		check_pattern(s, k);
	ck_assert_uint_eq(info().clusters, (100 + k - 1) / k);
}

START_TEST(test_swap_cluster_of_one)
{
	roundtrip_cluster(1);
}
END_TEST

START_TEST(test_swap_cluster_max)
{
	roundtrip_cluster(VM_SWAP_CLUSTER_MAX);
}
END_TEST

/*
 * Random alloc/write/dup/free/read/flush against a model of what each slot
 * must hold: every read matches, nothing fails with the default map size,
 * and the clusters stay near live / 16.  Long: the operations and the
 * model's updates are read together, in one loop.
 */
#define CHURN_SLOTS 512

START_TEST(test_swap_churn_matches_model)
{
	static const unsigned char zero[PG];
	static uint64_t ver[CHURN_SLOTS + 1]; /* 0: zeros */
	static unsigned refs[CHURN_SLOTS + 1];
	uint64_t x = 42, s, used = 0, stored = 0, i;
	struct vm_swap_info in;
	int64_t a;
	unsigned op;

	open_store(CHURN_SLOTS, 0, 0);
	for (i = 0; i < 40000; i++) {
		op = mix(&x) % 100;
		s = mix(&x) % CHURN_SLOTS + 1;
		if (op < 25) {
			a = vm_swap_alloc(sw);
			if (used == CHURN_SLOTS) {
				ck_assert_int_eq(a, -ENOSPC);
				continue;
			}
			ck_assert_int_gt(a, 0);
			s = (uint64_t)a;
			ck_assert_uint_eq(refs[s], 0);
			refs[s] = 1;
			ver[s] = 0;
			used++;
		}
		if (!refs[s])
			continue;
		if (op < 55) {
			ver[s] = op % 10 ? i + 1 : 0;
			if (ver[s])
				write_pattern(s, ver[s]);
			else
				ck_assert_int_eq(vm_swap_write(sw, s, zero), 0);
		} else if (op < 60) {
			ck_assert_int_eq(vm_swap_dup(sw, s), 0);
			refs[s]++;
		} else if (op < 75) {
			ck_assert_int_eq(vm_swap_free(sw, s), 0);
			if (--refs[s] == 0)
				used--;
		} else if (op < 98) {
			if (ver[s])
				check_pattern(s, ver[s]);
			else
				check_zero(s);
		} else {
			ck_assert_int_eq(vm_swap_flush(sw), 0);
		}
	}
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	for (s = 1; s <= CHURN_SLOTS; s++) {
		ck_assert_uint_eq(vm_swap_count(sw, s), refs[s]);
		stored += refs[s] && ver[s];
		if (refs[s] && ver[s])
			check_pattern(s, ver[s]);
	}
	in = info();
	ck_assert_uint_eq(in.used, used);
	ck_assert_uint_eq(in.stored, stored);
	ck_assert_uint_le(in.clusters, (stored / 16 + 1) * 33 / 31 + 2);
	ck_assert_uint_eq(nlog, 0);
	for (s = 1; s <= CHURN_SLOTS; s++)
		while (refs[s]--)
			ck_assert_int_eq(vm_swap_free(sw, s), 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	ck_assert_uint_eq(info().clusters, 0);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_swap_open_bad_args)
{
	struct vm_swap_opts o = {.nslots = 16};

	ck_assert_int_eq(vm_swap_open(NULL, &o, &sw), -EINVAL);
	ck_assert_int_eq(vm_swap_open(dir, NULL, &sw), -EINVAL);
	ck_assert_int_eq(vm_swap_open(dir, &o, NULL), -EINVAL);
	o.nslots = 0;
	ck_assert_int_eq(vm_swap_open(dir, &o, &sw), -EINVAL);
	o.nslots = VM_SWAP_SLOTS_MAX + 1;
	ck_assert_int_eq(vm_swap_open(dir, &o, &sw), -EINVAL);
	o.nslots = 16;
	o.cluster = VM_SWAP_CLUSTER_MAX + 1;
	ck_assert_int_eq(vm_swap_open(dir, &o, &sw), -EINVAL);
	ck_assert_ptr_null(sw);
}
END_TEST

START_TEST(test_swap_open_missing_parent)
{
	struct vm_swap_opts o = {.nslots = 16};
	char path[128];

	snprintf(path, sizeof(path), "%s/no/such", dir);
	ck_assert_int_eq(vm_swap_open(path, &o, &sw), -ENOENT);
	ck_assert_ptr_null(sw);
	snprintf(path, sizeof(path), "%s/sub", dir);
	ck_assert_int_eq(vm_swap_open(path, &o, &sw), 0);
}
END_TEST

START_TEST(test_swap_open_busy)
{
	struct vm_swap_opts o = {.nslots = 16};
	struct vm_swap *other = NULL;

	open_store(16, 0, 0);
	ck_assert_int_eq(vm_swap_open(dir, &o, &other), -EBUSY);
	ck_assert_ptr_null(other);
	/* the holder still works */
	alloc_n(1);
	write_pattern(1, 0);
	ck_assert_int_eq(vm_swap_flush(sw), 0);
	check_pattern(1, 0);
}
END_TEST

START_TEST(test_swap_bad_slot)
{
	static const uint64_t bad[] = {0, 2, 9, UINT64_MAX};
	unsigned char page[PG] = {1};
	struct vm_swap_info in = {.used = 99};
	size_t i;

	open_store(8, 0, 0);
	alloc_n(2);
	ck_assert_int_eq(vm_swap_free(sw, 2), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(vm_swap_dup(sw, bad[i]), -EINVAL);
		ck_assert_int_eq(vm_swap_free(sw, bad[i]), -EINVAL);
		ck_assert_int_eq(vm_swap_write(sw, bad[i], page), -EINVAL);
		ck_assert_int_eq(vm_swap_read(sw, bad[i], page), -EINVAL);
		ck_assert_uint_eq(vm_swap_count(sw, bad[i]), 0);
	}
	ck_assert_int_eq(vm_swap_write(sw, 1, NULL), -EINVAL);
	ck_assert_int_eq(vm_swap_read(sw, 1, NULL), -EINVAL);
	ck_assert_uint_eq(info().writes, 0);
	ck_assert_uint_eq(info().used, 1);

	ck_assert_int_eq(vm_swap_alloc(NULL), -EINVAL);
	ck_assert_int_eq(vm_swap_dup(NULL, 1), -EINVAL);
	ck_assert_int_eq(vm_swap_free(NULL, 1), -EINVAL);
	ck_assert_int_eq(vm_swap_write(NULL, 1, page), -EINVAL);
	ck_assert_int_eq(vm_swap_read(NULL, 1, page), -EINVAL);
	ck_assert_int_eq(vm_swap_flush(NULL), -EINVAL);
	ck_assert_uint_eq(vm_swap_count(NULL, 1), 0);
	ck_assert_uint_eq(vm_swap_next_used(NULL, 0), 0);
	vm_swap_get_info(NULL, &in);
	ck_assert_uint_eq(in.used, 99);
	vm_swap_get_info(sw, NULL);
	vm_swap_close(NULL);
	ck_assert_int_eq(nlog, 0);
}
END_TEST

static TCase *
tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	return tc;
}

Suite *
suite_swap(void)
{
	Suite *s = suite_create("swap");
	TCase *tc;

	tc = tcase("core");
	tcase_add_test(tc, test_swap_alloc_starts_at_one);
	tcase_add_test(tc, test_swap_roundtrip_many);
	tcase_add_test(tc, test_swap_overwrite);
	tcase_add_test(tc, test_swap_unwritten_reads_zero);
	tcase_add_test(tc, test_swap_zero_page_not_stored);
	tcase_add_test(tc, test_swap_refcount_dup_free);
	tcase_add_test(tc, test_swap_slot_reuse_after_free);
	tcase_add_test(tc, test_swap_next_used);
	tcase_add_test(tc, test_swap_disk_per_page);
	tcase_add_test(tc, test_swap_free_all_no_leak);
	tcase_add_test(tc, test_swap_reopen_discards);
	tcase_add_test(tc, test_swap_compaction);
	suite_add_tcase(s, tc);

	tc = tcase("limits");
	tcase_add_test(tc, test_swap_full_enospc);
	tcase_add_test(tc, test_swap_last_slot);
	tcase_add_test(tc, test_swap_map_full);
	tcase_add_test(tc, test_swap_cluster_of_one);
	tcase_add_test(tc, test_swap_cluster_max);
	tcase_add_test(tc, test_swap_churn_matches_model);
	suite_add_tcase(s, tc);

	tc = tcase("errors");
	tcase_add_test(tc, test_swap_open_bad_args);
	tcase_add_test(tc, test_swap_open_missing_parent);
	tcase_add_test(tc, test_swap_open_busy);
	tcase_add_test(tc, test_swap_bad_slot);
	suite_add_tcase(s, tc);

	return s;
}
