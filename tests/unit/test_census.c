/*
 * test_census.c - what the census says of each kind of frame (dirty and
 * referenced through the entries that map it, shared anonymous memory,
 * the swap cache, huge pages), the totals, and that it changes nothing.
 * The huge-page case also checks kpageflags, which encodes it.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "vmlab/census.h"

#include "../../fs/procfmt.h"

Suite *suite_census(void);

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define A_BASE 0x10000000ull	/* 4 pages rw-, private */
#define S_BASE 0x20000000ull	/* 1 page rw-, shared */
#define KPF(b) (1ull << FMT_KPF_##b)
#define KPF_COMPOUND (KPF(COMPOUND_HEAD) | KPF(COMPOUND_TAIL) | KPF(HUGE) | \
		      KPF(THP))

static struct vm_machine *
census_machine(void)
{
	struct vm_config c;

	vm_config_default(&c);
	c.frames = 128;
	c.swap_pages = 16;
	c.state_dir = t_state;
	return t_machine_cfg(&c);
}

/* A: page 0 written, page 1 read, page 2 written and swapped out and
 * read back, page 3 untouched; S: page 0 written. */
static struct vm_proc *
census_lab(struct vm_machine *m)
{
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = {
		.addr = S_BASE, .len = 4096, .prot = RW,
		.flags = VM_MAP_FIXED | VM_MAP_SHARED,
	};
	uint64_t at, v;

	t_map(m, p, A_BASE, 4 * 4096, RW);
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_int_eq(vm_store(m, p, A_BASE, 8, 1), 0);
	ck_assert_int_eq(vm_load(m, p, A_BASE + 4096, 8, &v), 0);
	ck_assert_int_eq(vm_store(m, p, A_BASE + 2 * 4096, 8, 2), 0);
	ck_assert_int_eq(vm_madvise(m, p, A_BASE + 2 * 4096, 4096,
				    VM_ADV_PAGEOUT), 0);
	ck_assert_int_eq(vm_load(m, p, A_BASE + 2 * 4096, 8, &v), 0);
	ck_assert_int_eq(vm_store(m, p, S_BASE, 8, 3), 0);
	return p;
}

static uint64_t
pfn_of(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	return VM_PTE2PFN(t_pte(m, p, va));
}

START_TEST(test_census_anon)
{
	struct vm_machine *m = census_machine();
	struct vm_proc *p = census_lab(m);
	uint64_t dirty = pfn_of(m, p, A_BASE);
	uint64_t clean = pfn_of(m, p, A_BASE + 4096);
	struct vm_frame_info fi;
	struct vm_walk w;

	ck_assert_int_eq(vm_frame_census(m, dirty, &fi), 0);
	ck_assert_int_eq(fi.use, VM_FRAME_ANON);
	ck_assert_uint_eq(fi.mapcount, 1);
	ck_assert(fi.lru && fi.dirty && fi.referenced);
	ck_assert(!fi.flag_dirty && !fi.flag_referenced);
	ck_assert(!fi.swapcache && !fi.pinned && !fi.shmem);
	ck_assert_int_eq(fi.compound, VM_COMPOUND_NONE);
	ck_assert_uint_eq(fi.head, dirty);
	ck_assert_int_eq(vm_frame_census(m, clean, &fi), 0);
	ck_assert(fi.lru && !fi.dirty && fi.referenced);
	/* referenced is the A bit of the entry that maps it */
	ck_assert_int_eq(vm_pt_walk(m, p, A_BASE + 4096, 0, 0, &w), 0);
	*w.pte[0] &= ~VM_PTE_A;
	ck_assert_int_eq(vm_frame_census(m, clean, &fi), 0);
	ck_assert(!fi.referenced && !fi.dirty);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_census_swapcache_shmem)
{
	struct vm_machine *m = census_machine();
	struct vm_proc *p = census_lab(m);
	struct vm_frame_info fi;

	/* swapped in: a clean copy stays in the slot */
	ck_assert_int_eq(vm_frame_census(m, pfn_of(m, p, A_BASE + 2 * 4096),
					 &fi), 0);
	ck_assert(fi.swapcache && !fi.dirty && fi.referenced);
	ck_assert_uint_eq(fi.mapcount, 1);
	ck_assert_int_eq(vm_frame_census(m, pfn_of(m, p, S_BASE), &fi), 0);
	ck_assert_int_eq(fi.use, VM_FRAME_ANON);
	ck_assert(fi.shmem && fi.dirty);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_census_other_uses)
{
	struct vm_machine *m = census_machine();
	struct vm_proc *p = census_lab(m);
	struct vm_frame_info fi;
	uint64_t free_pfn = UINT64_MAX;
	unsigned nent = 0;

	for (unsigned i = 0; i < VM_PTES_PER_TABLE; i++)
		nent += vm_pt_table(m, p->cr3)[i] != 0;
	ck_assert_int_eq(vm_frame_census(m, p->cr3, &fi), 0);
	ck_assert_int_eq(fi.use, VM_FRAME_PT);
	ck_assert_uint_eq(fi.entries, nent);
	ck_assert_uint_eq(fi.mapcount, 0);
	ck_assert_int_eq(vm_frame_census(m, m->kernel_pfn[0], &fi), 0);
	ck_assert_int_eq(fi.use, VM_FRAME_KERNEL);
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++)
		if (vm_phys_frame(&m->phys, pfn)->use == VM_FRAME_FREE)
			free_pfn = pfn;
	ck_assert_int_eq(vm_frame_census(m, free_pfn, &fi), 0);
	ck_assert_int_eq(fi.use, VM_FRAME_FREE);
	ck_assert(!fi.lru && !fi.dirty && !fi.referenced);
	ck_assert_int_eq(vm_frame_census(m, m->phys.nframes, &fi), -ENOENT);
	ck_assert_int_eq(fi.use, 0);
	vm_machine_destroy(m);
}
END_TEST

/* The huge page that maps va in p: its head frame. */
static uint64_t
huge_head(struct vm_machine *m, struct vm_proc *p, uint64_t va, int level)
{
	struct vm_walk w;

	ck_assert_int_eq(vm_pt_walk(m, p, va, 0, 0, &w), 0);
	ck_assert_int_eq(w.level, level);
	return VM_PTE2PFN(*w.pte[level]);
}

static void
map_huge(struct vm_machine *m, struct vm_proc *p, uint64_t va,
	 uint64_t len, unsigned vflags)
{
	struct vm_mmap_req r = { .addr = va, .len = len, .prot = RW,
				 .flags = VM_MAP_FIXED, .vma_flags = vflags };
	uint64_t at;

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
}

/* A 2 MiB page (a THP to Linux) and a 1 GiB page (hugetlb): the head is
 * the frame marked compound, every tail reports its huge page; the
 * totals count the 2 MiB page's 512 frames as anonymous, the 1 GiB
 * page's only as hugetlb; a split leaves 512 ordinary frames. */
START_TEST(test_census_huge)
{
	struct vm_machine *m = t_machine((1u << 18) + 4096);
	struct vm_proc *p = t_spawn(m);
	uint64_t va2 = 0x40000000, va1 = 0x80000000, h2, h1;
	struct vm_frame_info fi;
	struct vm_frame_totals t0, t;

	vm_frame_totals(m, &t0);
	map_huge(m, p, va2, 2u << 20, VM_VMA_HUGE_2M);
	map_huge(m, p, va1, 1u << 30, VM_VMA_HUGE_1G);
	ck_assert_int_eq(vm_store(m, p, va2 + 4096, 8, 1), 0);
	ck_assert_int_eq(vm_store(m, p, va1, 8, 1), 0);
	h2 = huge_head(m, p, va2, 1);
	h1 = huge_head(m, p, va1, 2);

	ck_assert_int_eq(vm_frame_census(m, h2, &fi), 0);
	ck_assert_int_eq(fi.compound, VM_COMPOUND_HEAD);
	ck_assert(!fi.hugetlb && fi.referenced && fi.dirty);
	ck_assert_uint_eq(fi.mapcount, 1);
	ck_assert_uint_eq(fi.pages, 512);
	ck_assert_int_eq(vm_frame_census(m, h2 + 511, &fi), 0);
	ck_assert_int_eq(fi.compound, VM_COMPOUND_TAIL);
	ck_assert_uint_eq(fi.head, h2);
	ck_assert_uint_eq(fi.mapcount, 1);
	ck_assert(fi.referenced && !fi.hugetlb);
	ck_assert_int_eq(vm_frame_census(m, h2 + 512, &fi), 0);
	ck_assert_int_ne(fi.compound, VM_COMPOUND_TAIL);
	ck_assert_int_eq(vm_frame_census(m, h1 + 262143, &fi), 0);
	ck_assert_int_eq(fi.compound, VM_COMPOUND_TAIL);
	ck_assert_uint_eq(fi.head, h1);
	ck_assert(fi.hugetlb);

	/* kpageflags: THP for 2 MiB, HUGE for 1 GiB (and, as hugetlb
	 * folios, neither on the LRU nor swap-backed); tails as heads */
	ck_assert_uint_eq(fmt_kpageflags(m, h2) & KPF_COMPOUND,
			  KPF(COMPOUND_HEAD) | KPF(THP));
	ck_assert(fmt_kpageflags(m, h2) & KPF(LRU));
	ck_assert_uint_eq(fmt_kpageflags(m, h2 + 1),
			  (fmt_kpageflags(m, h2) & ~KPF(COMPOUND_HEAD)) |
				  KPF(COMPOUND_TAIL));
	ck_assert_uint_eq(fmt_kpageflags(m, h1) & KPF_COMPOUND,
			  KPF(COMPOUND_HEAD) | KPF(HUGE));
	ck_assert_uint_eq(fmt_kpageflags(m, h1) &
				  (KPF(LRU) | KPF(SWAPBACKED) | KPF(ANON)),
			  KPF(ANON));
	ck_assert_uint_eq(fmt_kpageflags(m, h1 + 4096),
			  (fmt_kpageflags(m, h1) & ~KPF(COMPOUND_HEAD)) |
				  KPF(COMPOUND_TAIL));
	ck_assert_uint_eq(fmt_kpagecount(m, h2 + 7), 1);
	ck_assert_uint_eq(fmt_kpagecount(m, h1 + 7), 1);

	vm_frame_totals(m, &t);
	ck_assert_uint_eq(t.anon_thp, 512);
	ck_assert_uint_eq(t.hugetlb, 1u << 18);
	ck_assert_uint_eq(t.anon_mapped, t0.anon_mapped + 512);

	/* a 4 KiB cut splits the 2 MiB page: ordinary frames now */
	ck_assert_int_eq(vm_munmap(m, p, va2, 4096), 0);
	ck_assert_int_eq(vm_frame_census(m, h2 + 1, &fi), 0);
	ck_assert_int_eq(fi.compound, VM_COMPOUND_NONE);
	ck_assert_uint_eq(fi.pages, 1);
	ck_assert_uint_eq(fmt_kpageflags(m, h2 + 1) & KPF_COMPOUND, 0);
	vm_frame_totals(m, &t);
	ck_assert_uint_eq(t.anon_thp, 0);
	ck_assert_uint_eq(t.anon_mapped, t0.anon_mapped + 511);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_census_totals)
{
	struct vm_machine *m = census_machine();
	struct vm_proc *p = census_lab(m);
	struct vm_frame_totals t;

	vm_frame_totals(m, &t);
	/* A's pages 0, 1, 2 and S's page 0 are resident */
	ck_assert_uint_eq(vm_proc_rss(p), 4);
	ck_assert_uint_eq(t.anon_mapped, 3);
	ck_assert_uint_eq(t.shmem, 1);
	ck_assert_uint_eq(t.file_mapped, 1);
	ck_assert_uint_eq(t.active_anon + t.inactive_anon, 4);
	ck_assert_uint_eq(t.active_file + t.inactive_file, 0);
	ck_assert_uint_eq(t.swapcached, 1);
	ck_assert_uint_eq(t.file, 0);
	ck_assert_uint_eq(t.file_dirty, 0);
	ck_assert_uint_eq(t.unevictable, 0);
	vm_machine_destroy(m);
}
END_TEST

/* The census moves no counter, clock, bit or list. */
START_TEST(test_census_changes_nothing)
{
	struct vm_machine *m = census_machine();
	struct vm_proc *p = census_lab(m);
	size_t bytes = m->phys.nframes * sizeof(struct vm_frame);
	struct vm_frame *frames = malloc(bytes);
	struct vm_stats stats = m->stats;
	uint64_t clock = m->clock, leaf = t_pte(m, p, A_BASE);
	struct vm_frame_totals t;
	struct vm_frame_info fi;

	ck_assert_ptr_nonnull(frames);
	memcpy(frames, m->phys.frames, bytes);
	for (uint64_t pfn = 0; pfn <= m->phys.nframes; pfn++)
		vm_frame_census(m, pfn, &fi);
	vm_frame_totals(m, &t);
	ck_assert_int_eq(memcmp(frames, m->phys.frames, bytes), 0);
	ck_assert_int_eq(memcmp(&stats, &m->stats, sizeof(stats)), 0);
	ck_assert_uint_eq(clock, m->clock);
	ck_assert_uint_eq(leaf, t_pte(m, p, A_BASE));
	free(frames);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_census(void)
{
	Suite *s = suite_create("census");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_unchecked_fixture(limits, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_census_anon);
	tcase_add_test(core, test_census_swapcache_shmem);
	tcase_add_test(core, test_census_other_uses);
	tcase_add_test(core, test_census_totals);
	tcase_add_test(core, test_census_changes_nothing);
	tcase_add_test(limits, test_census_huge);
	tcase_set_timeout(limits, 60); /* a 1 GiB page is zeroed */
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
