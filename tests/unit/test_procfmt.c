/*
 * test_procfmt.c - the /proc renderers of vmlabfs, read back with the
 * parsing Linux tools do (sscanf of maps lines, "Key: value kB" keys in
 * a fixed order, the 52 stat fields, 8-byte pagemap entries), and the
 * rule that rendering an observation file changes nothing.
 *
 * Every test builds a real machine and makes its state by the library's
 * own calls: mmap, stores and loads that fault pages in, madvise pageout
 * to swap.  One lab has a region of each kind: heap, private anonymous
 * with dirty, clean, swapped and untouched pages, read-execute, shared
 * anonymous, and the stack.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "vmlab/pagecache.h"
#include "vmlab/vma.h"

#include "../../fs/procfmt.h"

Suite *suite_procfmt(void);

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define RX (VM_PROT_READ | VM_PROT_EXEC)
#define H_BASE 0x08000000ull /* [heap], 4 pages rw-, page 0 written */
#define A_BASE 0x10000000ull /* 8 pages rw-: see lab_make() */
#define X_BASE 0x20000000ull /* 2 pages r-x, page 0 read */
#define S_BASE 0x30000000ull /* 2 pages rw-s, page 0 written */
#define FRAMES 256
#define SWAP_PAGES 64
#define MAXLINES 512

typedef int proc_fmt_fn(struct vm_machine *m, struct vm_proc *p,
			struct sbuf *sb);
typedef int mach_fmt_fn(struct vm_machine *m, struct sbuf *sb);


/* ---- helpers -------------------------------------------------------- */

static struct vm_machine *
swap_machine(void)
{
	struct vm_config c;

	vm_config_default(&c);
	c.frames = FRAMES;
	c.swap_pages = SWAP_PAGES;
	c.state_dir = t_state;
	return t_machine_cfg(&c);
}

static void
map_req(struct vm_machine *m, struct vm_proc *p, uint64_t addr, uint64_t len,
	unsigned prot, unsigned flags, unsigned vma_flags)
{
	struct vm_mmap_req r = {
		.addr = addr,
		.len = len,
		.prot = prot,
		.flags = VM_MAP_FIXED | flags,
		.vma_flags = vma_flags,
	};
	uint64_t at = 0;

	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(at, addr);
}

struct lab {
	struct vm_machine *m;
	struct vm_proc *p;
	uint64_t slot; /* swap slot of A's page 1 */
};

/*
 * The lab process.  A: pages 0 and 2 written (dirty), 1 written then
 * paged out (swapped), 3 and 4 read (clean zero pages), 5..7 untouched.
 */
static void
lab_make(struct lab *l)
{
	struct vm_machine *m = swap_machine();
	struct vm_proc *p;
	uint64_t v;

	m->clock = 2500000000ull; /* 2.5 s: starttime 250 ticks */
	p = t_spawn(m);
	map_req(m, p, H_BASE, 4 * 4096, RW, 0, VM_VMA_HEAP);
	t_map(m, p, A_BASE, 8 * 4096, RW);
	t_map(m, p, X_BASE, 2 * 4096, RX);
	map_req(m, p, S_BASE, 2 * 4096, RW, VM_MAP_SHARED, 0);
	ck_assert_int_eq(vm_store(m, p, H_BASE, 8, 1), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(vm_store(m, p, A_BASE + i * 4096, 8, 7), 0);
	ck_assert_int_eq(vm_load(m, p, A_BASE + 3 * 4096, 8, &v), 0);
	ck_assert_int_eq(vm_load(m, p, A_BASE + 4 * 4096, 8, &v), 0);
	ck_assert_int_eq(vm_load(m, p, X_BASE, 8, &v), 0);
	ck_assert_int_eq(vm_store(m, p, S_BASE, 8, 3), 0);
	ck_assert_int_eq(vm_store(m, p, p->start_stack, 8, 9), 0);
	ck_assert_int_eq(vm_madvise(m, p, A_BASE + 4096, 4096, VM_ADV_PAGEOUT),
			 0);
	l->m = m;
	l->p = p;
	l->slot = VM_SWP_SLOT(t_pte(m, p, A_BASE + 4096));
	ck_assert(VM_PTE_IS_SWAP(t_pte(m, p, A_BASE + 4096)));
	ck_assert_uint_ne(l->slot, 0);
}

static char *
take(struct sbuf *sb, size_t *len)
{
	size_t n;
	char *b = sbuf_take(sb, &n);

	if (!b)
		b = calloc(1, 1);
	ck_assert_ptr_nonnull(b);
	if (len)
		*len = n;
	return b;
}

static char *
render_p(proc_fmt_fn *fn, struct vm_machine *m, struct vm_proc *p, size_t *len)
{
	struct sbuf sb;

	sbuf_init(&sb);
	ck_assert_int_eq(fn(m, p, &sb), 0);
	return take(&sb, len);
}

static char *
render_m(mach_fmt_fn *fn, struct vm_machine *m)
{
	struct sbuf sb;

	sbuf_init(&sb);
	ck_assert_int_eq(fn(m, &sb), 0);
	return take(&sb, NULL);
}

/* Splits buf in place at newlines; every line must end with one. */
static size_t
split_lines(char *buf, char **line, size_t max)
{
	size_t n = 0;

	while (*buf) {
		char *nl = strchr(buf, '\n');

		ck_assert_ptr_nonnull(nl);
		ck_assert_uint_lt(n, max);
		*nl = '\0';
		line[n++] = buf;
		buf = nl + 1;
	}
	return n;
}

/* Pages of p resident in the frames the test can see. */
static uint64_t
anon_mapped_frames(struct vm_machine *m)
{
	uint64_t n = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		struct vm_frame *f = vm_phys_frame(&m->phys, pfn);

		n += f->use == VM_FRAME_ANON &&
		     vm_frame_mapcount(&m->phys, pfn) > 0;
	}
	return n;
}

/* Maps `from`'s page at va into `to` at va too, as a fork would share
 * it: the same PTE, one more reverse-map entry. */
static void
share_page(struct vm_machine *m, struct vm_proc *from, struct vm_proc *to,
	   uint64_t va)
{
	uint64_t pte = t_pte(m, from, va);
	struct vm_walk w;

	ck_assert(pte & VM_PTE_P);
	ck_assert_int_eq(vm_pt_walk(m, to, va, 0, VM_WALK_ALLOC, &w), 0);
	vm_pt_set(m, &w, 0, pte);
	ck_assert_int_eq(vm_rmap_add(&m->phys, VM_PTE2PFN(pte), to, va), 0);
	to->rss_anon++;
}

/* ---- maps ----------------------------------------------------------- */

struct maps_fields {
	uint64_t start, end, off, ino;
	unsigned major, minor;
	char perms[8];
	int hdr; /* bytes up to the end of the inode */
};

static void
parse_maps_line(const char *line, struct maps_fields *f)
{
	ck_assert_int_eq(sscanf(line,
				"%" SCNx64 "-%" SCNx64 " %4s %" SCNx64
				" %x:%x %" SCNu64 "%n",
				&f->start, &f->end, f->perms, &f->off,
				&f->major, &f->minor, &f->ino, &f->hdr),
			 7);
	ck_assert_int_eq(line[f->hdr], ' ');
}

/* Checks the name column: an unnamed line ends with the header's
 * space; a named one has spaces up to byte 73 and the name there. */
static void
check_name(const char *line, const struct maps_fields *f, const char *name)
{
	if (!name) {
		ck_assert_uint_eq(strlen(line), (size_t)f->hdr + 1);
		return;
	}
	ck_assert_uint_lt((size_t)f->hdr, 72);
	for (int i = f->hdr; i < 73; i++)
		ck_assert_int_eq(line[i], ' ');
	ck_assert_str_eq(line + 73, name);
}

static void
check_maps_vma(const char *line, const struct vm_vma *a, const char *perms,
	       const char *name)
{
	struct maps_fields f;

	parse_maps_line(line, &f);
	ck_assert_uint_eq(f.start, a->start);
	ck_assert_uint_eq(f.end, a->end);
	ck_assert_str_eq(f.perms, perms);
	ck_assert_uint_eq(f.off, 0);
	ck_assert_uint_eq(f.major, 0);
	if (name && strcmp(name, "/dev/zero (deleted)") == 0) {
		/* shared anonymous: shmem's device and the object's inode */
		ck_assert_uint_eq(f.minor, 1);
		ck_assert_uint_eq(f.ino, a->file->ino);
		ck_assert_uint_ne(f.ino, 0);
	} else {
		ck_assert_uint_eq(f.minor, 0);
		ck_assert_uint_eq(f.ino, 0);
	}
	/* at least 8 hex digits, lowercase */
	ck_assert_int_eq(strspn(line, "0123456789abcdef") >= 8, 1);
	check_name(line, &f, name);
}

START_TEST(test_procfmt_maps_regions)
{
	static const char *const perms[] = {"rw-p", "rw-p", "r-xp", "rw-s",
					    "rw-p"};
	static const char *const names[] = {"[heap]", NULL, NULL,
					    "/dev/zero (deleted)", "[stack]"};
	struct lab l;
	char *line[MAXLINES], *out;
	size_t n, len;

	lab_make(&l);
	out = render_p(fmt_maps, l.m, l.p, &len);
	ck_assert_uint_eq(strlen(out), len);
	n = split_lines(out, line, MAXLINES);
	ck_assert_uint_eq(n, l.p->vmas.n);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		check_maps_vma(line[i], &l.p->vmas.v[i], perms[i], names[i]);
	/* the exact bytes of one unnamed and one named line */
	ck_assert_str_eq(line[1], "10000000-10008000 rw-p 00000000 00:00 0 ");
	ck_assert_str_eq(line[0], "08000000-08004000 rw-p 00000000 00:00 0"
				  "                                  [heap]");
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

/* A file hook as vmlabfs will give: names by the region's start. */
static int
test_hook(const struct vm_vma *a, struct fmt_file_id *id)
{
	if (a->start == 0x40000000ull) {
		id->major = 0;
		id->minor = 42;
		id->ino = 7;
		snprintf(id->path, sizeof(id->path), "/lab/files/a\nb.bin");
		return 0;
	}
	if (a->start == 0x7e0000000000ull) {
		id->major = 0xfff;
		id->minor = 0xfffff;
		id->ino = UINT64_MAX;
		snprintf(id->path, sizeof(id->path), "/long");
		return 0;
	}
	return -1;
}

static void
insert_file_vma(struct vm_proc *p, uint64_t start, uint64_t pgoff)
{
	struct vm_vma a = {
		.start = start,
		.end = start + 4096,
		.pgoff = pgoff,
		.prot = VM_PROT_READ,
		.flags = VM_VMA_FILE,
	};

	ck_assert_int_eq(vm_vma_insert(&p->vmas, &a), 0);
}

START_TEST(test_procfmt_maps_file_names)
{
	struct vm_machine *m = t_machine(64);
	struct vm_proc *p = t_spawn(m);
	char *line[MAXLINES], *out;
	struct maps_fields f;
	size_t n;

	insert_file_vma(p, 0x40000000ull, 3);
	insert_file_vma(p, 0x50000000ull, 1);
	insert_file_vma(p, 0x7e0000000000ull, 0xfffffffffull);
	fmt_set_file_hook(test_hook);
	out = render_p(fmt_maps, m, p, NULL);
	n = split_lines(out, line, MAXLINES);
	ck_assert_uint_eq(n, 4);
	/* a named file: offset in bytes, device, inode, escaped newline */
	parse_maps_line(line[0], &f);
	ck_assert_uint_eq(f.off, 3 * 4096);
	ck_assert_uint_eq(f.minor, 42);
	ck_assert_uint_eq(f.ino, 7);
	ck_assert_str_eq(f.perms, "r--p");
	check_name(line[0], &f, "/lab/files/a\\012b.bin");
	/* the hook has no name for it: no name, but still the offset */
	parse_maps_line(line[1], &f);
	ck_assert_uint_eq(f.off, 4096);
	check_name(line[1], &f, NULL);
	/* a header of 72 bytes or more: one space, then the name */
	parse_maps_line(line[2], &f);
	ck_assert_int_ge(f.hdr, 72);
	ck_assert_str_eq(line[2], "7e0000000000-7e0000001000 r--p "
				  "fffffffff000 fff:fffff "
				  "18446744073709551615  /long");
	ck_assert_str_eq(line[3] + 73, "[stack]");
	fmt_set_file_hook(NULL);
	free(out);
	vm_machine_destroy(m);
}
END_TEST

/* ---- smaps ---------------------------------------------------------- */

static const char *const smaps_keys[] = {
	"Size",		 "KernelPageSize", "MMUPageSize",     "Rss",
	"Pss",		 "Pss_Dirty",	   "Shared_Clean",    "Shared_Dirty",
	"Private_Clean", "Private_Dirty",  "Referenced",      "Anonymous",
	"KSM",		 "LazyFree",	   "AnonHugePages",   "ShmemPmdMapped",
	"FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap",
	"SwapPss",	 "Locked",	   "THPeligible",     "VmFlags",
};
#define NKEYS (sizeof(smaps_keys) / sizeof(smaps_keys[0]))

/* One parsed smaps block: values in kB by key index, the VmFlags. */
struct smap {
	struct maps_fields hdr;
	uint64_t v[NKEYS];
	char flags[128];
};

static int
key_index(const char *key)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (!strcmp(smaps_keys[k], key))
			return (int)k;
	return -1;
}

static uint64_t
sv(const struct smap *s, const char *key)
{
	int k = key_index(key);

	ck_assert_int_ge(k, 0);
	return s->v[k];
}

/* Parses line k of a block: "Label:" padded to 16, "%8lu kB" (the
 * 16-byte label: one space and "%7lu"), THPeligible "%8u". */
static void
parse_smap_key(const char *line, size_t k, struct smap *s)
{
	char key[32];
	int n = 0;

	if (k == NKEYS - 1) {
		ck_assert_int_eq(strncmp(line, "VmFlags: ", 9), 0);
		snprintf(s->flags, sizeof(s->flags), "%s", line + 9);
		return;
	}
	ck_assert_int_eq(
		sscanf(line, "%31[^:]: %" SCNu64 "%n", key, &s->v[k], &n), 2);
	ck_assert_str_eq(key, smaps_keys[k]);
	ck_assert_int_eq(n, 24);
	if (strlen(key) < 15)
		ck_assert_int_eq(line[15], ' ');
	ck_assert_str_eq(line + n, k == NKEYS - 2 ? "" : " kB");
}

/* Parses smaps text into blocks; every block has every key in order. */
static size_t
parse_smaps(char *out, struct smap *blk, size_t max)
{
	char *line[MAXLINES];
	size_t n = split_lines(out, line, MAXLINES), nb = 0;

	ck_assert_uint_eq(n % (NKEYS + 1), 0);
	for (size_t i = 0; i < n; i += NKEYS + 1, nb++) {
		ck_assert_uint_lt(nb, max);
		memset(&blk[nb], 0, sizeof(blk[nb]));
		parse_maps_line(line[i], &blk[nb].hdr);
		for (size_t k = 0; k < NKEYS; k++)
			parse_smap_key(line[i + 1 + k], k, &blk[nb]);
	}
	return nb;
}

START_TEST(test_procfmt_smaps_values)
{
	struct lab l;
	struct smap b[8];
	char *out;
	size_t nb;

	lab_make(&l);
	out = render_p(fmt_smaps, l.m, l.p, NULL);
	nb = parse_smaps(out, b, 8);
	ck_assert_uint_eq(nb, 5);
	/* [heap]: one dirty page of four */
	ck_assert_uint_eq(b[0].hdr.start, H_BASE);
	ck_assert_uint_eq(sv(&b[0], "Size"), 16);
	ck_assert_uint_eq(sv(&b[0], "Rss"), 4);
	ck_assert_uint_eq(sv(&b[0], "Private_Dirty"), 4);
	ck_assert_str_eq(b[0].flags, "rd wr mr mw me ac ");
	/* A: dirty 0 and 2, clean 3 and 4, swapped 1 */
	ck_assert_uint_eq(b[1].hdr.start, A_BASE);
	ck_assert_uint_eq(sv(&b[1], "Size"), 32);
	ck_assert_uint_eq(sv(&b[1], "KernelPageSize"), 4);
	ck_assert_uint_eq(sv(&b[1], "MMUPageSize"), 4);
	ck_assert_uint_eq(sv(&b[1], "Rss"), 16);
	ck_assert_uint_eq(sv(&b[1], "Pss"), 16);
	ck_assert_uint_eq(sv(&b[1], "Pss_Dirty"), 8);
	ck_assert_uint_eq(sv(&b[1], "Private_Dirty"), 8);
	ck_assert_uint_eq(sv(&b[1], "Private_Clean"), 8);
	ck_assert_uint_eq(sv(&b[1], "Shared_Clean"), 0);
	ck_assert_uint_eq(sv(&b[1], "Shared_Dirty"), 0);
	ck_assert_uint_eq(sv(&b[1], "Referenced"), 16);
	ck_assert_uint_eq(sv(&b[1], "Anonymous"), 16);
	ck_assert_uint_eq(sv(&b[1], "Swap"), 4);
	ck_assert_uint_eq(sv(&b[1], "SwapPss"), 4);
	ck_assert_uint_eq(sv(&b[1], "THPeligible"), 0);
	/* r-x: one clean page */
	ck_assert_uint_eq(sv(&b[2], "Rss"), 4);
	ck_assert_uint_eq(sv(&b[2], "Private_Clean"), 4);
	ck_assert_str_eq(b[2].flags, "rd ex mr mw me ");
	/* shared anonymous is shmem: resident, not Anonymous */
	ck_assert_uint_eq(sv(&b[3], "Rss"), 4);
	ck_assert_uint_eq(sv(&b[3], "Anonymous"), 0);
	ck_assert_uint_eq(sv(&b[3], "Private_Dirty"), 4);
	ck_assert_str_eq(b[3].flags, "rd wr sh mr mw me ms ");
	/* the stack */
	ck_assert_uint_eq(sv(&b[4], "Size"), 132);
	ck_assert_uint_eq(sv(&b[4], "Rss"), 4);
	ck_assert_str_eq(b[4].flags, "rd wr mr mw me gd ac ");
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

START_TEST(test_procfmt_smaps_shared_page)
{
	struct vm_machine *m = t_machine(128);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct smap b[4];
	uint64_t e, pfn;
	char *out;

	t_map(m, p, A_BASE, 2 * 4096, RW);
	t_map(m, q, A_BASE, 2 * 4096, RW);
	ck_assert_int_eq(vm_store(m, p, A_BASE, 8, 1), 0);
	ck_assert_int_eq(vm_store(m, p, A_BASE + 4096, 8, 1), 0);
	share_page(m, p, q, A_BASE);
	pfn = VM_PTE2PFN(t_pte(m, p, A_BASE));
	out = render_p(fmt_smaps, m, p, NULL);
	ck_assert_uint_eq(parse_smaps(out, b, 4), 2);
	/* one private dirty page, one dirty page mapped twice */
	ck_assert_uint_eq(sv(&b[0], "Rss"), 8);
	ck_assert_uint_eq(sv(&b[0], "Pss"), 6);
	ck_assert_uint_eq(sv(&b[0], "Pss_Dirty"), 6);
	ck_assert_uint_eq(sv(&b[0], "Shared_Dirty"), 4);
	ck_assert_uint_eq(sv(&b[0], "Private_Dirty"), 4);
	free(out);
	/* pagemap: not exclusive; kpagecount: 2 */
	ck_assert_int_eq(fmt_pagemap(m, p, A_BASE >> 12, 1, &e), 0);
	ck_assert(e & FMT_PM_PRESENT);
	ck_assert(!(e & FMT_PM_EXCLUSIVE));
	ck_assert_uint_eq(e & FMT_PM_PFN_MASK, pfn);
	ck_assert_uint_eq(fmt_kpagecount(m, pfn), 2);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_procfmt_smaps_rollup)
{
	struct lab l;
	struct smap b[8];
	char *line[MAXLINES], *out, *rollup;
	uint64_t rss = 0, swap = 0, v;
	struct maps_fields f;
	size_t nb, n;
	char key[32];

	lab_make(&l);
	out = render_p(fmt_smaps, l.m, l.p, NULL);
	nb = parse_smaps(out, b, 8);
	for (size_t i = 0; i < nb; i++) {
		rss += sv(&b[i], "Rss");
		swap += sv(&b[i], "Swap");
	}
	rollup = render_p(fmt_smaps_rollup, l.m, l.p, NULL);
	n = split_lines(rollup, line, MAXLINES);
	ck_assert_uint_eq(n, 1 + 22);
	parse_maps_line(line[0], &f);
	ck_assert_uint_eq(f.start, H_BASE);
	ck_assert_uint_eq(f.end, VM_STACK_TOP);
	ck_assert_str_eq(f.perms, "---p");
	check_name(line[0], &f, "[rollup]");
	ck_assert_int_eq(sscanf(line[1], "%31[^:]: %" SCNu64, key, &v), 2);
	ck_assert_str_eq(key, "Rss");
	ck_assert_uint_eq(v, rss);
	ck_assert_int_eq(sscanf(line[4], "%31[^:]: %" SCNu64, key, &v), 2);
	ck_assert_str_eq(key, "Pss_Anon");
	ck_assert_int_eq(sscanf(line[20], "%31[^:]: %" SCNu64, key, &v), 2);
	ck_assert_str_eq(key, "Swap");
	ck_assert_uint_eq(v, swap);
	free(rollup);
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

/* ---- status, stat, statm, cmdline ----------------------------------- */

static const char *const status_keys[] = {
	"Name",
	"Umask",
	"State",
	"Tgid",
	"Ngid",
	"Pid",
	"PPid",
	"TracerPid",
	"Uid",
	"Gid",
	"FDSize",
	"Groups",
	"NStgid",
	"NSpid",
	"NSpgid",
	"NSsid",
	"Kthread",
	"VmPeak",
	"VmSize",
	"VmLck",
	"VmPin",
	"VmHWM",
	"VmRSS",
	"RssAnon",
	"RssFile",
	"RssShmem",
	"VmData",
	"VmStk",
	"VmExe",
	"VmLib",
	"VmPTE",
	"VmSwap",
	"HugetlbPages",
	"CoreDumping",
	"THP_enabled",
	"untag_mask",
	"Threads",
	"SigQ",
	"SigPnd",
	"ShdPnd",
	"SigBlk",
	"SigIgn",
	"SigCgt",
	"CapInh",
	"CapPrm",
	"CapEff",
	"CapBnd",
	"CapAmb",
	"NoNewPrivs",
	"Seccomp",
	"Seccomp_filters",
	"Speculation_Store_Bypass",
	"SpeculationIndirectBranch",
	"Cpus_allowed",
	"Cpus_allowed_list",
	"Mems_allowed",
	"Mems_allowed_list",
	"voluntary_ctxt_switches",
	"nonvoluntary_ctxt_switches",
};
#define NSTATUS (sizeof(status_keys) / sizeof(status_keys[0]))

/* The value of key in parsed status lines; a kB key must read
 * "Key:\t%8lu kB" exactly. */
static const char *
status_val(char **line, size_t n, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(line[i], key, kl) && line[i][kl] == ':') {
			ck_assert_int_eq(line[i][kl + 1], '\t');
			return line[i] + kl + 2;
		}
	return NULL;
}

static uint64_t
status_kb(char **line, size_t n, const char *key)
{
	const char *v = status_val(line, n, key);
	uint64_t kb;
	int used = 0;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(sscanf(v, "%8" SCNu64 "%n", &kb, &used), 1);
	ck_assert_int_eq(used, 8);
	ck_assert_str_eq(v + 8, " kB");
	return kb;
}

START_TEST(test_procfmt_status_keys)
{
	struct lab l;
	char *line[MAXLINES], *out;
	uint64_t rss_kb;
	size_t n;

	lab_make(&l);
	out = render_p(fmt_status, l.m, l.p, NULL);
	n = split_lines(out, line, MAXLINES);
	ck_assert_uint_eq(n, NSTATUS);
	for (size_t i = 0; i < n; i++) {
		size_t kl = strlen(status_keys[i]);

		ck_assert_msg(!strncmp(line[i], status_keys[i], kl) &&
				      line[i][kl] == ':' &&
				      line[i][kl + 1] == '\t',
			      "line %zu: '%s', want key %s", i, line[i],
			      status_keys[i]);
	}
	ck_assert_str_eq(status_val(line, n, "Name"), "test");
	ck_assert_str_eq(status_val(line, n, "State"), "R (running)");
	ck_assert_str_eq(status_val(line, n, "Pid"), "1");
	ck_assert_str_eq(status_val(line, n, "Tgid"), "1");
	ck_assert_str_eq(status_val(line, n, "PPid"), "0");
	rss_kb = vm_proc_rss(l.p) * 4;
	ck_assert_uint_eq(status_kb(line, n, "VmSize"), 16 + 32 + 8 + 8 + 132);
	ck_assert_uint_eq(status_kb(line, n, "VmPeak"), 196);
	ck_assert_uint_eq(status_kb(line, n, "VmRSS"), rss_kb);
	ck_assert_uint_eq(rss_kb, 4 * 4 + 4 + 4 + 4 + 4);
	ck_assert_uint_eq(status_kb(line, n, "RssShmem"), 4);
	ck_assert_uint_eq(status_kb(line, n, "RssAnon"), rss_kb - 4);
	ck_assert_uint_eq(status_kb(line, n, "RssFile"), 0);
	ck_assert_uint_eq(status_kb(line, n, "VmData"), 16 + 32);
	ck_assert_uint_eq(status_kb(line, n, "VmStk"), 132);
	ck_assert_uint_eq(status_kb(line, n, "VmExe"), 8);
	ck_assert_uint_eq(status_kb(line, n, "VmLib"), 0);
	ck_assert_uint_eq(status_kb(line, n, "VmPTE"), l.p->pt_pages * 4);
	ck_assert_uint_eq(status_kb(line, n, "VmSwap"), 4);
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

/* Splits a stat line: f[1] is the pid, f[2] the comm without its
 * parentheses, f[3].. the fields after the last ')'.  Returns the
 * number of fields. */
static int
split_stat(char *s, char **f)
{
	char *open = strchr(s, '('), *close = strrchr(s, ')'), *save = NULL;
	int n = 2;

	ck_assert_ptr_nonnull(open);
	ck_assert_ptr_nonnull(close);
	ck_assert_int_eq(close[1], ' ');
	open[-1] = '\0';
	*close = '\0';
	f[1] = s;
	f[2] = open + 1;
	for (char *t = strtok_r(close + 2, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save)) {
		ck_assert_int_lt(n, 60);
		f[++n] = t;
	}
	return n;
}

static uint64_t
fu(char **f, int i)
{
	return strtoull(f[i], NULL, 10);
}

START_TEST(test_procfmt_stat_fields)
{
	struct lab l;
	char *f[64], *out;
	uint64_t v, start_stack;
	struct vm_vma *stack;
	size_t len;

	lab_make(&l);
	/* a swap-in: one major fault */
	ck_assert_int_eq(vm_load(l.m, l.p, A_BASE + 4096, 8, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_uint_eq(l.p->stats.v[VM_STAT_pgmajfault], 1);
	out = render_p(fmt_stat, l.m, l.p, &len);
	ck_assert_int_eq(out[len - 1], '\n');
	ck_assert_int_eq(split_stat(out, f), 52);
	ck_assert_str_eq(f[1], "1");
	ck_assert_str_eq(f[2], "test");
	ck_assert_str_eq(f[3], "R");
	ck_assert_str_eq(f[4], "0");
	ck_assert_uint_eq(fu(f, 10), l.p->stats.v[VM_STAT_pgfault] - 1);
	ck_assert_uint_gt(fu(f, 10), 5);
	ck_assert_uint_eq(fu(f, 12), 1);
	ck_assert_str_eq(f[20], "1");
	ck_assert_uint_eq(fu(f, 22), 250);
	ck_assert_uint_eq(fu(f, 23), 196 * 1024);
	ck_assert_uint_eq(fu(f, 24), vm_proc_rss(l.p));
	ck_assert_str_eq(f[25], "18446744073709551615");
	ck_assert_uint_eq(fu(f, 26), X_BASE);
	ck_assert_uint_eq(fu(f, 27), X_BASE + 2 * 4096);
	start_stack = fu(f, 28);
	stack = vm_vma_find(&l.p->vmas, start_stack);
	ck_assert_ptr_nonnull(stack);
	ck_assert(stack->flags & VM_VMA_STACK);
	ck_assert_str_eq(f[38], "17");
	ck_assert_uint_eq(fu(f, 47), H_BASE);
	ck_assert_str_eq(f[52], "0");
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

START_TEST(test_procfmt_statm_cmdline)
{
	struct lab l;
	uint64_t v[7];
	char *out;
	size_t len;

	lab_make(&l);
	out = render_p(fmt_statm, l.m, l.p, NULL);
	ck_assert_int_eq(sscanf(out,
				"%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
				" %" SCNu64 " %" SCNu64 " %" SCNu64,
				&v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
				&v[6]),
			 7);
	ck_assert_uint_eq(v[0], 196 / 4);
	ck_assert_uint_eq(v[1], vm_proc_rss(l.p));
	ck_assert_uint_eq(v[2], 1);		 /* the shared page */
	ck_assert_uint_eq(v[3], 2);		 /* r-x text */
	ck_assert_uint_eq(v[5], (48 + 132) / 4); /* data + stack */
	free(out);
	out = render_p(fmt_cmdline, l.m, l.p, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(out, "test\0", 5), 0);
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

START_TEST(test_procfmt_zombie)
{
	struct lab l;
	char *line[MAXLINES], *f[64], *out;
	struct sbuf sb;
	uint64_t pm[4] = {1, 1, 1, 1};
	size_t len, n;

	lab_make(&l);
	vm_proc_kill(l.m, l.p, 11);
	out = render_p(fmt_maps, l.m, l.p, &len);
	ck_assert_uint_eq(len, 0);
	free(out);
	out = render_p(fmt_smaps, l.m, l.p, &len);
	ck_assert_uint_eq(len, 0);
	free(out);
	out = render_p(fmt_cmdline, l.m, l.p, &len);
	ck_assert_uint_eq(len, 0);
	free(out);
	sbuf_init(&sb);
	ck_assert_int_eq(fmt_smaps_rollup(l.m, l.p, &sb), -ESRCH);
	sbuf_free(&sb);
	out = render_p(fmt_status, l.m, l.p, NULL);
	n = split_lines(out, line, MAXLINES);
	ck_assert_str_eq(status_val(line, n, "State"), "Z (zombie)");
	ck_assert_ptr_null(status_val(line, n, "VmSize"));
	ck_assert_ptr_null(status_val(line, n, "Umask"));
	ck_assert_ptr_nonnull(status_val(line, n, "Threads"));
	free(out);
	out = render_p(fmt_stat, l.m, l.p, NULL);
	ck_assert_int_eq(split_stat(out, f), 52);
	ck_assert_str_eq(f[3], "Z");
	ck_assert_str_eq(f[23], "0");
	ck_assert_str_eq(f[24], "0");
	ck_assert_str_eq(f[28], "0");
	ck_assert_str_eq(f[52], "11");
	free(out);
	out = render_p(fmt_statm, l.m, l.p, NULL);
	ck_assert_str_eq(out, "0 0 0 0 0 0 0\n");
	free(out);
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, A_BASE >> 12, 4, pm), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(pm[i], 0);
	vm_machine_destroy(l.m);
}
END_TEST

/* ---- pagemap -------------------------------------------------------- */

START_TEST(test_procfmt_pagemap_entries)
{
	struct lab l;
	uint64_t pm[10], pte0, e;

	lab_make(&l);
	/* from one page below A to one page past it */
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, (A_BASE >> 12) - 1, 10, pm), 0);
	ck_assert_uint_eq(pm[0], 0); /* hole: no region */
	/* page 0: present, exclusive, anonymous, its PFN; never soft-dirty
	 * (no soft-dirty tracking, as without CONFIG_MEM_SOFT_DIRTY) */
	pte0 = t_pte(l.m, l.p, A_BASE);
	e = pm[1];
	ck_assert(e & FMT_PM_PRESENT);
	ck_assert(!(e & FMT_PM_SWAP));
	ck_assert(!(e & FMT_PM_FILE));
	ck_assert(e & FMT_PM_EXCLUSIVE);
	ck_assert(!(e & FMT_PM_SOFT_DIRTY));
	ck_assert_uint_eq(e & FMT_PM_PFN_MASK, VM_PTE2PFN(pte0));
	ck_assert_uint_eq(e, FMT_PM_PRESENT | FMT_PM_EXCLUSIVE |
				     VM_PTE2PFN(pte0));
	/* page 1: swapped, type 0, offset = slot */
	e = pm[2];
	ck_assert_uint_eq(e, FMT_PM_SWAP | (l.slot << 5));
	ck_assert_uint_eq(e & 0x1f, 0);
	ck_assert_uint_eq((e & FMT_PM_PFN_MASK) >> 5, l.slot);
	/* pages 2..4 present, 5..7 untouched, then past the region */
	for (int i = 3; i <= 5; i++)
		ck_assert(pm[i] & FMT_PM_PRESENT);
	for (int i = 6; i <= 9; i++)
		ck_assert_uint_eq(pm[i], 0);
	/* shared anonymous: bit 61 */
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, S_BASE >> 12, 2, pm), 0);
	ck_assert(pm[0] & FMT_PM_PRESENT);
	ck_assert(pm[0] & FMT_PM_FILE);
	ck_assert_uint_eq(pm[0] & FMT_PM_PFN_MASK,
			  VM_PTE2PFN(t_pte(l.m, l.p, S_BASE)));
	ck_assert_uint_eq(pm[1], 0);
	vm_machine_destroy(l.m);
}
END_TEST

START_TEST(test_procfmt_pagemap_sparse)
{
	struct lab l;
	uint64_t n = 1ull << 20, top, nonzero = 0;
	uint64_t *pm = malloc(n * sizeof(*pm));

	lab_make(&l);
	ck_assert_ptr_nonnull(pm);
	/* 4 GiB from address 0: every entry the lab has below 4 GiB */
	memset(pm, 0xff, n * sizeof(*pm));
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, 0, n, pm), 0);
	for (uint64_t i = 0; i < n; i++)
		nonzero += pm[i] != 0;
	ck_assert_uint_eq(nonzero, 1 + 5 + 1 + 1); /* heap, A, r-x, shared */
	/* the file ends at TASK_SIZE, the stack's top: the last page below
	 * 2^47 has no entry, as in Linux; a read across the end reads
	 * zeros past it */
	top = fmt_pagemap_entries(l.m);
	ck_assert_uint_eq(top, ((1ull << 47) >> 12) - 1);
	ck_assert_uint_eq(top, VM_STACK_TOP >> 12);
	memset(pm, 0xff, 8 * sizeof(*pm));
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, top - 1, 8, pm), 0);
	ck_assert(pm[0] & FMT_PM_PRESENT); /* the stack's touched page */
	for (int i = 1; i < 8; i++)
		ck_assert_uint_eq(pm[i], 0);
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, top + 5, 2, pm), 0);
	ck_assert_uint_eq(pm[0] | pm[1], 0);
	/* the stack's touched page is the one below its top */
	ck_assert_int_eq(fmt_pagemap(l.m, l.p, (VM_STACK_TOP >> 12) - 1, 1, pm),
			 0);
	ck_assert(pm[0] & FMT_PM_PRESENT);
	free(pm);
	vm_machine_destroy(l.m);
}
END_TEST

/* ---- kpageflags, kpagecount ----------------------------------------- */

static uint64_t
lru_bits(struct vm_machine *m, uint64_t pfn)
{
	struct vm_frame *f = vm_phys_frame(&m->phys, pfn);
	uint64_t u = 0;

	ck_assert(f->flags & VM_FF_LRU);
	u |= 1ull << FMT_KPF_LRU;
	if (f->flags & VM_FF_ACTIVE)
		u |= 1ull << FMT_KPF_ACTIVE;
	return u;
}

#define KPF(b) (1ull << FMT_KPF_##b)

START_TEST(test_procfmt_kpageflags)
{
	struct lab l;
	struct vm_machine *m;
	uint64_t dirty, clean, shm, free_pfn = UINT64_MAX, v, e[4];
	uint64_t anon = KPF(ANON) | KPF(MMAP) | KPF(SWAPBACKED) |
			KPF(UPTODATE) | KPF(REFERENCED);

	lab_make(&l);
	m = l.m;
	dirty = VM_PTE2PFN(t_pte(m, l.p, A_BASE));
	clean = VM_PTE2PFN(t_pte(m, l.p, A_BASE + 3 * 4096));
	shm = VM_PTE2PFN(t_pte(m, l.p, S_BASE));
	ck_assert_uint_eq(fmt_kpageflags(m, dirty),
			  anon | KPF(DIRTY) | lru_bits(m, dirty));
	ck_assert_uint_eq(fmt_kpageflags(m, clean), anon | lru_bits(m, clean));
	/* shared anonymous: swap-backed but not ANON (shmem) */
	ck_assert_uint_eq(fmt_kpageflags(m, shm),
			  (anon & ~KPF(ANON)) | KPF(DIRTY) | lru_bits(m, shm));
	ck_assert_uint_eq(fmt_kpageflags(m, l.p->cr3), KPF(PGTABLE));
	ck_assert_uint_eq(fmt_kpageflags(m, m->kernel_pfn[0]), KPF(RESERVED));
	ck_assert_uint_eq(fmt_kpageflags(m, m->phys.nframes), KPF(NOPAGE));
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++)
		if (vm_phys_frame(&m->phys, pfn)->use == VM_FRAME_FREE)
			free_pfn = pfn;
	ck_assert_uint_ne(free_pfn, UINT64_MAX);
	ck_assert_uint_eq(fmt_kpageflags(m, free_pfn), KPF(BUDDY));
	/* kpagecount */
	ck_assert_uint_eq(fmt_kpagecount(m, dirty), 1);
	ck_assert_uint_eq(fmt_kpagecount(m, l.p->cr3), 0);
	ck_assert_uint_eq(fmt_kpagecount(m, free_pfn), 0);
	ck_assert_uint_eq(fmt_kpagecount(m, m->kernel_pfn[0]), 0);
	ck_assert_uint_eq(fmt_kpagecount(m, m->phys.nframes), 0);
	/* swapped in: in the swap cache, clean, major */
	ck_assert_int_eq(vm_load(m, l.p, A_BASE + 4096, 8, &v), 0);
	v = VM_PTE2PFN(t_pte(m, l.p, A_BASE + 4096));
	ck_assert_uint_eq(fmt_kpageflags(m, v),
			  anon | KPF(SWAPCACHE) | lru_bits(m, v));
	/* the fill functions agree, and stop at nothing past the end */
	fmt_kpageflags_fill(m, m->phys.nframes - 2, 4, e);
	ck_assert_uint_eq(e[2], KPF(NOPAGE));
	ck_assert_uint_eq(e[0], fmt_kpageflags(m, m->phys.nframes - 2));
	fmt_kpagecount_fill(m, dirty, 1, e);
	ck_assert_uint_eq(e[0], 1);
	vm_machine_destroy(m);
}
END_TEST

/* ---- meminfo, vmstat, swaps, uptime --------------------------------- */

static const char *const meminfo_keys[] = {
	"MemTotal",	   "MemFree",	     "MemAvailable",
	"Buffers",	   "Cached",	     "SwapCached",
	"Active",	   "Inactive",	     "Active(anon)",
	"Inactive(anon)",  "Active(file)",   "Inactive(file)",
	"Unevictable",	   "Mlocked",	     "SwapTotal",
	"SwapFree",	   "Zswap",	     "Zswapped",
	"Dirty",	   "Writeback",
	"AnonPages",	   "Mapped",	     "Shmem",
	"KReclaimable",	   "Slab",	     "SReclaimable",
	"SUnreclaim",	   "KernelStack",    "PageTables",
	"SecPageTables",   "NFS_Unstable",   "Bounce",
	"WritebackTmp",	   "CommitLimit",    "Committed_AS",
	"VmallocTotal",	   "VmallocUsed",    "VmallocChunk",
	"Percpu",	   "AnonHugePages",  "ShmemHugePages",
	"ShmemPmdMapped",  "FileHugePages",  "FilePmdMapped",
	"Balloon",	   "HugePages_Total", "HugePages_Free",
	"HugePages_Rsvd",  "HugePages_Surp", "Hugepagesize",
	"Hugetlb",	   "DirectMap4k",    "DirectMap2M",
};
#define NMEMINFO (sizeof(meminfo_keys) / sizeof(meminfo_keys[0]))

/* Parses meminfo in key order; every line is the key and ':' padded to
 * 16, the value in at least 8 columns, " kB" unless HugePages_*. */
static void
parse_meminfo(char *out, uint64_t *v)
{
	char *line[MAXLINES], want[64], key[32], label[40];
	size_t n = split_lines(out, line, MAXLINES);

	ck_assert_uint_eq(n, NMEMINFO);
	for (size_t i = 0; i < n; i++) {
		bool kb = strncmp(meminfo_keys[i], "HugePages_", 10) != 0;

		ck_assert_int_eq(
			sscanf(line[i], "%31[^:]: %" SCNu64, key, &v[i]), 2);
		ck_assert_str_eq(key, meminfo_keys[i]);
		snprintf(label, sizeof(label), "%s:", key);
		snprintf(want, sizeof(want), "%-16s%8" PRIu64 "%s", label, v[i],
			 kb ? " kB" : "");
		ck_assert_str_eq(line[i], want);
	}
}

static uint64_t
mv(const uint64_t *v, const char *key)
{
	for (size_t i = 0; i < NMEMINFO; i++)
		if (!strcmp(meminfo_keys[i], key))
			return v[i];
	ck_abort_msg("no key %s", key);
	return 0;
}

START_TEST(test_procfmt_meminfo)
{
	struct lab l;
	uint64_t v[NMEMINFO];
	char *out;

	lab_make(&l);
	out = render_m(fmt_meminfo, l.m);
	parse_meminfo(out, v);
	ck_assert_uint_eq(mv(v, "MemTotal"), FRAMES * 4);
	ck_assert_uint_eq(mv(v, "MemFree"), l.m->phys.nfree * 4);
	/* the swap area's first page is its header, as in Linux */
	ck_assert_uint_eq(mv(v, "SwapTotal"), (SWAP_PAGES - 1) * 4);
	ck_assert_uint_eq(mv(v, "SwapFree"), (SWAP_PAGES - 2) * 4);
	ck_assert_uint_eq(mv(v, "PageTables"),
			  l.m->phys.count[VM_FRAME_PT] * 4);
	ck_assert_uint_eq(mv(v, "Shmem"), 4);
	ck_assert_uint_eq(mv(v, "Cached"), 4);
	ck_assert_uint_eq(mv(v, "AnonPages"),
			  (anon_mapped_frames(l.m) - 1) * 4);
	ck_assert_uint_eq(mv(v, "AnonPages") + mv(v, "Shmem"),
			  vm_proc_rss(l.p) * 4);
	ck_assert_uint_eq(mv(v, "Active") + mv(v, "Inactive"),
			  vm_proc_rss(l.p) * 4);
	ck_assert_uint_eq(mv(v, "VmallocTotal"), 34359738367ull);
	ck_assert_uint_eq(mv(v, "Hugepagesize"), 2048);
	ck_assert_uint_eq(mv(v, "DirectMap4k"), FRAMES * 4);
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

START_TEST(test_procfmt_vmstat)
{
	struct lab l;
	char *line[MAXLINES], *out, name[64];
	unsigned seen[VM_STAT_NR] = {0};
	uint64_t v;
	size_t n;
	int used;

	lab_make(&l);
	out = render_m(fmt_vmstat, l.m);
	n = split_lines(out, line, MAXLINES);
	/* this kernel's keys, the lab's own counters, 3 lab gauges */
	ck_assert_uint_gt(n, VM_STAT_NR + 3);
	for (size_t i = 0; i < n; i++) {
		int k;

		/* each key once */
		for (size_t j = 0; j < i; j++)
			ck_assert_int_ne(strncmp(line[j], line[i],
						 strcspn(line[i], " ") + 1),
					 0);

		ck_assert_int_eq(
			sscanf(line[i], "%63s %" SCNu64 "%n", name, &v, &used),
			2);
		ck_assert_uint_eq((size_t)used, strlen(line[i]));
		ck_assert_int_eq(line[i][strlen(name)], ' ');
		if (!strcmp(name, "nr_free_pages"))
			ck_assert_uint_eq(v, l.m->phys.nfree);
		if (!strcmp(name, "nr_page_table_pages"))
			ck_assert_uint_eq(v, l.m->phys.count[VM_FRAME_PT]);
		if (!strcmp(name, "nr_shmem"))
			ck_assert_uint_eq(v, 1);
		if (!strcmp(name, "clock_ns"))
			ck_assert_uint_eq(v, l.m->clock);
		if (!strcmp(name, "swap_stored"))
			ck_assert_uint_eq(v, 1);
		k = vm_stat_lookup(name);
		if (k < 0)
			continue; /* a gauge, or a Linux key the lab lacks */
		ck_assert_uint_eq(v, l.m->stats.v[k]);
		seen[k]++;
	}
	for (unsigned k = 0; k < VM_STAT_NR; k++)
		ck_assert_uint_eq(seen[k], 1);
	ck_assert_int_eq(strncmp(line[0], "nr_free_pages ", 14), 0);
	/* Linux's order and names: pgpgin .. pswpout, pgalloc_normal,
	 * pgfree, pgfault; the lab's own counters after all of them */
	free(out); /* split into lines: render it again whole */
	out = render_m(fmt_vmstat, l.m);
	ck_assert_ptr_null(strstr(out, "\npgalloc "));
	{
		static const char *const order[] = {
			"\nnr_free_pages_blocks ", "\nnr_zone_inactive_anon ",
			"\nnr_inactive_anon ", "\nnr_swapcached ", "\npgpgin ",
			"\npgpgout ", "\npswpin ", "\npswpout ",
			"\npgalloc_dma32 ", "\npgalloc_normal ", "\npgfree ",
			"\npgfault ", "\npgmajfault ", "\noom_kill ",
			"\nnr_unstable ", "\naccesses ", "\nclock_ns "};

		for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
			ck_assert_ptr_nonnull(strstr(out, order[i - 1]));
			ck_assert(strstr(out, order[i - 1]) <
				  strstr(out, order[i]));
		}
	}
	free(out);
	vm_machine_destroy(l.m);
}
END_TEST

START_TEST(test_procfmt_swaps)
{
	struct lab l;
	struct vm_machine *m;
	char *line[MAXLINES], *out, path[128], want[256];
	size_t n, plen;

	lab_make(&l);
	out = render_m(fmt_swaps, l.m);
	n = split_lines(out, line, MAXLINES);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(line[0],
			 "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority");
	snprintf(path, sizeof(path), "%s/swap.mdb", t_state);
	plen = strlen(path);
	ck_assert_uint_lt(plen, 40);
	snprintf(want, sizeof(want), "%s%*s%s", path, (int)(40 - plen), "",
		 "file\t\t252\t\t4\t\t-2"); /* the header page left out */
	ck_assert_str_eq(line[1], want);
	free(out);
	vm_machine_destroy(l.m);
	/* no swap: the header alone */
	m = t_machine(64);
	out = render_m(fmt_swaps, m);
	ck_assert_str_eq(out, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\t"
			      "Priority\n");
	free(out);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_procfmt_uptime)
{
	struct vm_machine *m = t_machine(64);
	char *out;

	out = render_m(fmt_uptime, m);
	ck_assert_str_eq(out, "0.00 0.00\n");
	free(out);
	m->clock = 12345678901ull; /* truncated, not rounded */
	out = render_m(fmt_uptime, m);
	ck_assert_str_eq(out, "12.34 0.00\n");
	free(out);
	vm_machine_destroy(m);
}
END_TEST

/* ---- rendering changes nothing -------------------------------------- */

struct pte_list {
	uint64_t va[4096], pte[4096];
	int level[4096];
	size_t n;
};

static int
pte_collect(void *arg, uint64_t va, uint64_t pte, int level)
{
	struct pte_list *l = arg;

	ck_assert_uint_lt(l->n, 4096);
	l->va[l->n] = va;
	l->pte[l->n] = pte;
	l->level[l->n] = level;
	l->n++;
	return 0;
}

/* Everything a renderer could disturb, copied. */
struct snap {
	struct vm_stats stats, pstats[2];
	uint64_t clock, tlb_stamp, user_pages, rss[2], swapents[2];
	unsigned tlb_nhuge, log_count;
	struct vm_tlb_entry *tlb;
	struct vm_frame *frames;
	uint8_t *mem;
	struct pte_list *ptes[2];
	struct vm_proc *cur;
};

static void
snap_take(struct vm_machine *m, struct vm_proc **p, struct snap *s)
{
	size_t ntlb = m->cpu.tlb.entries;

	s->stats = m->stats;
	s->clock = m->clock;
	s->tlb_stamp = m->cpu.tlb.stamp;
	s->tlb_nhuge = m->cpu.tlb.nhuge;
	s->user_pages = m->user_pages;
	s->log_count = t_log_count;
	s->cur = m->cpu.cur;
	s->tlb = malloc(ntlb * sizeof(*s->tlb));
	s->frames = malloc(m->phys.nframes * sizeof(*s->frames));
	s->mem = malloc(m->phys.size);
	ck_assert(s->tlb && s->frames && s->mem);
	memcpy(s->tlb, m->cpu.tlb.e, ntlb * sizeof(*s->tlb));
	memcpy(s->frames, m->phys.frames, m->phys.nframes * sizeof(*s->frames));
	memcpy(s->mem, m->phys.mem, m->phys.size);
	for (int i = 0; i < 2; i++) {
		s->pstats[i] = p[i]->stats;
		s->rss[i] = vm_proc_rss(p[i]);
		s->swapents[i] = p[i]->swapents;
		s->ptes[i] = calloc(1, sizeof(*s->ptes[i]));
		ck_assert_ptr_nonnull(s->ptes[i]);
		ck_assert_int_eq(vm_mm_each_pte(m, p[i], 0, vm_user_top(m),
						pte_collect, s->ptes[i]),
				 0);
	}
}

static void
snap_compare(struct snap *a, struct snap *b, struct vm_machine *m)
{
	ck_assert_int_eq(memcmp(&a->stats, &b->stats, sizeof(a->stats)), 0);
	ck_assert_int_eq(memcmp(a->pstats, b->pstats, sizeof(a->pstats)), 0);
	ck_assert_uint_eq(a->clock, b->clock);
	ck_assert_uint_eq(a->tlb_stamp, b->tlb_stamp);
	ck_assert_uint_eq(a->tlb_nhuge, b->tlb_nhuge);
	ck_assert_uint_eq(a->user_pages, b->user_pages);
	ck_assert_uint_eq(a->log_count, b->log_count);
	ck_assert_ptr_eq(a->cur, b->cur);
	ck_assert_int_eq(
		memcmp(a->tlb, b->tlb, m->cpu.tlb.entries * sizeof(*a->tlb)),
		0);
	ck_assert_int_eq(memcmp(a->frames, b->frames,
				m->phys.nframes * sizeof(*a->frames)),
			 0);
	ck_assert_int_eq(memcmp(a->mem, b->mem, m->phys.size), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(a->rss[i], b->rss[i]);
		ck_assert_uint_eq(a->swapents[i], b->swapents[i]);
		ck_assert_uint_eq(a->ptes[i]->n, b->ptes[i]->n);
		ck_assert_uint_gt(a->ptes[i]->n, 0);
		ck_assert_int_eq(
			memcmp(a->ptes[i], b->ptes[i], sizeof(*a->ptes[i])), 0);
	}
}

static void
snap_free(struct snap *s)
{
	free(s->tlb);
	free(s->frames);
	free(s->mem);
	free(s->ptes[0]);
	free(s->ptes[1]);
}

/* Clears A and D of va's PTE and drops its TLB entry, as a clock sweep
 * and a writeback would. */
static void
clear_ad(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	struct vm_walk w;

	ck_assert_int_eq(vm_pt_walk(m, p, va, 0, 0, &w), 0);
	*w.pte[0] &= ~(VM_PTE_A | VM_PTE_D);
	vm_tlb_flush_page(&m->cpu.tlb, p->asid, va);
}

/* Renders every file of the machine and of each process once. */
static void
render_all(struct vm_machine *m, struct vm_proc **p)
{
	proc_fmt_fn *const pf[] = {fmt_maps,   fmt_smaps, fmt_smaps_rollup,
				   fmt_status, fmt_stat,  fmt_statm,
				   fmt_cmdline};
	mach_fmt_fn *const mf[] = {fmt_meminfo, fmt_vmstat, fmt_swaps,
				   fmt_uptime};
	uint64_t n = 1ull << 16, *buf = malloc(n * sizeof(*buf));
	uint64_t top = fmt_pagemap_entries(m);

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < 2; i++) {
		for (size_t f = 0; f < sizeof(pf) / sizeof(pf[0]); f++)
			free(render_p(pf[f], m, p[i], NULL));
		for (uint64_t v = 0; v < 1ull << 20; v += n)
			fmt_pagemap(m, p[i], v, n, buf);
		fmt_pagemap(m, p[i], top - n, n, buf);
	}
	for (size_t f = 0; f < sizeof(mf) / sizeof(mf[0]); f++)
		free(render_m(mf[f], m));
	fmt_kpageflags_fill(m, 0, m->phys.nframes + 1, buf);
	fmt_kpagecount_fill(m, 0, m->phys.nframes + 1, buf);
	free(buf);
}

START_TEST(test_procfmt_observe_changes_nothing)
{
	struct lab l;
	struct vm_proc *p[2];
	struct snap before, after;

	lab_make(&l);
	p[0] = l.p;
	p[1] = t_spawn(l.m);
	t_map(l.m, p[1], A_BASE, 4 * 4096, RW);
	ck_assert_int_eq(vm_store(l.m, p[1], A_BASE, 8, 5), 0);
	share_page(l.m, p[0], p[1], A_BASE + 2 * 4096);
	/* some pages not referenced nor dirty since a sweep, so that a
	 * renderer setting A or D would show */
	clear_ad(l.m, p[0], A_BASE);
	clear_ad(l.m, p[0], A_BASE + 2 * 4096);
	clear_ad(l.m, p[0], S_BASE);
	/* the TLB holds entries of both processes */
	ck_assert_uint_gt(vm_tlb_used(&l.m->cpu.tlb), 2);
	snap_take(l.m, p, &before);
	render_all(l.m, p);
	render_all(l.m, p);
	snap_take(l.m, p, &after);
	snap_compare(&before, &after, l.m);
	snap_free(&before);
	snap_free(&after);
	vm_machine_destroy(l.m);
}
END_TEST

Suite *
suite_procfmt(void)
{
	Suite *s = suite_create("procfmt");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_unchecked_fixture(limits, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_procfmt_maps_regions);
	tcase_add_test(core, test_procfmt_maps_file_names);
	tcase_add_test(core, test_procfmt_smaps_values);
	tcase_add_test(core, test_procfmt_smaps_shared_page);
	tcase_add_test(core, test_procfmt_smaps_rollup);
	tcase_add_test(core, test_procfmt_status_keys);
	tcase_add_test(core, test_procfmt_stat_fields);
	tcase_add_test(core, test_procfmt_statm_cmdline);
	tcase_add_test(core, test_procfmt_pagemap_entries);
	tcase_add_test(core, test_procfmt_kpageflags);
	tcase_add_test(core, test_procfmt_meminfo);
	tcase_add_test(core, test_procfmt_vmstat);
	tcase_add_test(core, test_procfmt_swaps);
	tcase_add_test(core, test_procfmt_uptime);
	tcase_add_test(core, test_procfmt_observe_changes_nothing);
	tcase_add_test(limits, test_procfmt_zombie);
	tcase_add_test(limits, test_procfmt_pagemap_sparse);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
