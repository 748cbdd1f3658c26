/*
 * tree.c - the mounted tree of DESIGN.md §2: names, attributes, and the
 * text of the files that are rendered (observation files).
 *
 * Observation files change nothing: they read PTEs through the walker
 * without setting A bits, peek at the TLB without touching its LRU
 * stamps, and read frames and swap slots directly.  Their text is
 * rendered once at open, so a reader sees one consistent snapshot.
 *
 * Page-table directories: pt/ is the root table; each present entry that
 * points at a lower table is a subdirectory named by its index in three
 * hex digits.  A node's arg holds its path from the root: depth in bits
 * 0..2 and the index taken at depth i in bits 3 + 9i .. 11 + 9i.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "labfmt.h"
#include "procfmt.h"
#include "sysfmt.h"
#include "tree.h"
#include "vmlab/census.h"
#include "vmlab/config.h"
#include "vmlab/mm.h"
#include "vmlab/parse.h"
#include "vmlab/probe.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"
#include "vmlab/swap.h"

#define DIR_MODE (S_IFDIR | 0555)

struct entry {
	const char *name;
	int type;
	mode_t mode;
};

static const struct entry root_entries[] = {
	{ "README", N_README, S_IFREG | 0444 },
	{ "ctl", N_CTL, S_IFREG | 0200 },
	{ "log", N_LOG, S_IFREG | 0444 },
	{ "vmstat", N_VMSTAT, S_IFREG | 0444 },
	{ "meminfo", N_MEMINFO, S_IFREG | 0444 },
	{ "swaps", N_SWAPS, S_IFREG | 0444 },
	{ "kpageflags", N_KPAGEFLAGS, S_IFREG | 0400 },
	{ "kpagecount", N_KPAGECOUNT, S_IFREG | 0400 },
	{ "uptime", N_UPTIME, S_IFREG | 0444 },
	{ "stat", N_STAT, S_IFREG | 0444 },
	{ "cpuinfo", N_CPUINFO, S_IFREG | 0444 },
	{ "loadavg", N_LOADAVG, S_IFREG | 0444 },
	{ "self", N_SELF, S_IFLNK | 0777 },
	{ "last_pid", N_LAST_PID, S_IFREG | 0444 },
	{ "trace", N_TRACE, S_IFREG | 0200 },
	{ "tlb", N_TLB, S_IFREG | 0444 },
	{ "config", N_CONFIG_DIR, DIR_MODE },
	{ "phys", N_PHYS_DIR, DIR_MODE },
	{ "swap", N_SWAP_DIR, DIR_MODE },
	{ "files", N_FILES, S_IFDIR | 0755 },
};

static const struct entry phys_entries[] = {
	{ "mem", N_PHYS_MEM, S_IFREG | 0400 },
	{ "frames", N_PHYS_FRAMES, S_IFREG | 0400 },
	{ "buddyinfo", N_PHYS_BUDDYINFO, S_IFREG | 0444 },
};

static const struct entry pid_entries[] = {
	{ "ctl", N_PID_CTL, S_IFREG | 0200 },
	{ "trace", N_PID_TRACE, S_IFREG | 0200 },
	{ "mem", N_PID_MEM, S_IFREG | 0600 },
	{ "maps", N_PID_MAPS, S_IFREG | 0444 },
	{ "smaps", N_PID_SMAPS, S_IFREG | 0444 },
	{ "pagemap", N_PID_PAGEMAP, S_IFREG | 0400 },
	{ "status", N_PID_STATUS, S_IFREG | 0444 },
	{ "stat", N_PID_STAT, S_IFREG | 0444 },
	{ "statm", N_PID_STATM, S_IFREG | 0444 },
	{ "cmdline", N_PID_CMDLINE, S_IFREG | 0444 },
	{ "limit", N_PID_LIMIT, S_IFREG | 0644 },
	{ "smaps_rollup", N_PID_SMAPS_ROLLUP, S_IFREG | 0444 },
	{ "comm", N_PID_COMM, S_IFREG | 0444 },
	{ "environ", N_PID_ENVIRON, S_IFREG | 0400 },
	{ "oom_score", N_PID_OOM_SCORE, S_IFREG | 0444 },
	{ "oom_score_adj", N_PID_OOM_ADJ, S_IFREG | 0444 },
	{ "clear_refs", N_PID_CLEAR_REFS, S_IFREG | 0200 },
	{ "pt", N_PT_DIR, DIR_MODE },
	{ "translate", N_XLATE_DIR, DIR_MODE },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- config knobs ------------------------------------------------------ */

static int
render_knob(struct lab *l, uint64_t i, struct sbuf *sb)
{
	char value[64];
	int rc = vm_knob_get(l->m, (unsigned)i, value, sizeof(value));

	if (rc)
		return rc;
	sbuf_printf(sb, "%s\n", value);
	return 0;
}

static bool
knob_readonly(uint64_t i)
{
	const struct vm_knob *k = vm_knob_at((unsigned)i);

	return k && k->readonly;
}

/* ---- page-table paths -------------------------------------------------- */

static unsigned
pt_depth(uint64_t arg)
{
	return (unsigned)(arg & 7);
}

static unsigned
pt_index(uint64_t arg, unsigned i)
{
	return (unsigned)((arg >> (3 + 9 * i)) & 0x1ff);
}

static uint64_t
pt_child(uint64_t arg, unsigned idx)
{
	unsigned d = pt_depth(arg);

	return (arg & ~7ull) | (uint64_t)idx << (3 + 9 * d) | (d + 1);
}

/* The table frame at a pt path of p, or -ENOENT.  *level: its level. */
static int64_t
pt_table(struct lab *l, struct vm_proc *p, uint64_t arg, int *level)
{
	int top = (int)l->m->cfg.levels - 1;
	uint64_t tbl = p->cr3;

	if (p->state == VM_PROC_ZOMBIE || (int)pt_depth(arg) > top)
		return -ENOENT;
	for (unsigned i = 0; i < pt_depth(arg); i++) {
		vm_pte_t e = vm_pt_table(l->m, tbl)[pt_index(arg, i)];

		if (!(e & VM_PTE_P) || (e & VM_PTE_PS))
			return -ENOENT;
		tbl = VM_PTE2PFN(e);
	}
	*level = top - (int)pt_depth(arg);
	return (int64_t)tbl;
}

static bool
pt_is_table_entry(vm_pte_t e, int level)
{
	return level > 0 && (e & VM_PTE_P) && !(e & VM_PTE_PS);
}

static void
render_pt_entries(struct lab *l, uint64_t tbl, int level, struct sbuf *sb)
{
	const vm_pte_t *t = vm_pt_table(l->m, tbl);
	char flags[96];

	for (unsigned i = 0; i < VM_PTES_PER_TABLE; i++) {
		vm_pte_t e = t[i];

		if (e == 0)
			continue;
		if (VM_PTE_IS_SWAP(e)) {
			sbuf_printf(sb, "%03x %016" PRIx64 " swap type %" PRIu64
				    " slot %" PRIu64 "\n", i, e,
				    (uint64_t)VM_SWP_TYPE(e),
				    (uint64_t)VM_SWP_SLOT(e));
			continue;
		}
		vm_pte_flags_str(e, level, flags, sizeof(flags));
		sbuf_printf(sb, "%03x %016" PRIx64 " %s -> %s pfn %" PRIu64
			    "\n", i, e, flags,
			    pt_is_table_entry(e, level)
				    ? fmt_level_name(level - 1)
			    : level == 0 ? "page" : level == 1 ? "2M page"
			    : "1G page",
			    (uint64_t)VM_PTE2PFN(e));
	}
}

/* ---- machine-wide text ------------------------------------------------- */

static void
render_tlb(struct lab *l, struct sbuf *sb)
{
	const struct vm_tlb *t = &l->m->cpu.tlb;
	char flags[64];

	sbuf_printf(sb, "%-4s %-3s %-4s %-16s %-12s %-4s %s\n", "set", "way",
		    "asid", "vpn", "pfn", "size", "flags");
	for (unsigned i = 0; i < t->entries; i++) {
		const struct vm_tlb_entry *e = &t->e[i];

		if (!(e->flags & VM_TLB_V))
			continue;
		fmt_tlb_flags(e->flags, flags, sizeof(flags));
		sbuf_printf(sb, "%-4u %-3u %-4u %016" PRIx64 " %-12" PRIu64
			    " %-4s %s\n", i / t->ways, i % t->ways, e->asid,
			    e->tag << (9 * e->size), e->pfn,
			    fmt_tlb_size(e->size), flags);
	}
}

static const char *const use_names[] = { "free", "anon", "file", "pgtable",
					 "kernel" };

struct mappers {
	struct sbuf *sb;
	int n;
};

static int
add_mapper(void *ctx, struct vm_proc *p, uint64_t va)
{
	struct mappers *mp = ctx;

	sbuf_printf(mp->sb, "%s%d:0x%" PRIx64, mp->n++ ? "," : "", p->pid, va);
	return 0;
}

/* The frame's list places and own bits as words joined by ',', or "-";
 * a frame of a huge page also says head or tail, and thp (2 MiB) or
 * hugetlb (1 GiB).  A tail has no mappers of its own: its refcount and
 * list places are its head's. */
static void
put_frame_flags(struct sbuf *sb, const struct vm_frame_info *fi)
{
	const struct {
		bool set;
		const char *name;
	} words[] = {
		{ fi->lru, "lru" }, { fi->active, "active" },
		{ fi->swapcache, "swapcache" }, { fi->flag_dirty, "dirty" },
		{ fi->pinned, "pinned" }, { fi->flag_referenced, "referenced" },
		{ fi->compound == VM_COMPOUND_HEAD, "head" },
		{ fi->compound == VM_COMPOUND_TAIL, "tail" },
		{ fi->compound && !fi->hugetlb, "thp" },
		{ fi->compound && fi->hugetlb, "hugetlb" },
	};
	int n = 0;

	for (size_t i = 0; i < NELEM(words); i++)
		if (words[i].set)
			sbuf_printf(sb, "%s%s", n++ ? "," : "", words[i].name);
	if (!n)
		sbuf_put(sb, "-", 1);
}

static void
render_frames(struct lab *l, struct sbuf *sb)
{
	struct vm_phys *ph = &l->m->phys;
	struct vm_frame_info fi;

	sbuf_printf(sb, "%-8s %-7s %-8s %s %s\n", "pfn", "use", "refcount",
		    "mappers", "flags");
	for (uint64_t pfn = 0; pfn < ph->nframes; pfn++) {
		struct mappers mp = { .sb = sb };

		vm_frame_census(l->m, pfn, &fi);
		sbuf_printf(sb, "%-8" PRIu64 " %-7s %-8u ", pfn,
			    use_names[fi.use],
			    fi.use == VM_FRAME_PT ? fi.entries : fi.mapcount);
		vm_rmap_each(ph, pfn, add_mapper, &mp);
		if (!mp.n)
			sbuf_put(sb, "-", 1);
		sbuf_put(sb, " ", 1);
		put_frame_flags(sb, &fi);
		sbuf_put(sb, "\n", 1);
	}
}

static void
render_config_help(struct sbuf *sb)
{
	for (unsigned i = 0; i < vm_knob_count(); i++) {
		const struct vm_knob *k = vm_knob_at(i);

		sbuf_printf(sb, "%-16s %s%s\n", k->name, k->help,
			    k->readonly ? " [read-only]" : "");
	}
}

static const char readme[] =
	"vmlab: a virtual-memory laboratory, mounted.\n"
	"\n"
	"This tree is one simulated x86-64 machine: physical frames, a TLB,\n"
	"x86-64 page tables, demand paging, replacement, swap.  Files follow\n"
	"/proc where Linux has one.  Reading an observation file changes\n"
	"nothing; reading or writing PID/mem, ctl and trace acts as the\n"
	"machine would.  See vmlab(7) for every file and the ctl language.\n"
	"\n"
	"First steps:\n"
	"  echo spawn demo > ctl; cat last_pid          # a new process\n"
	"  echo 'mmap 0x10000000 1M rw-' > 1/ctl        # map memory\n"
	"  printf 'hello' | dd of=1/mem bs=1 seek=$((0x10000000)) \\\n"
	"      conv=notrunc                             # store bytes\n"
	"  dd if=1/mem bs=4096 skip=$((0x10000)) count=1 | hexdump -C\n"
	"  cat 1/maps 1/status; cat 1/translate/0x10000000\n"
	"  cat 1/pt/entries; ls 1/pt; cat tlb; grep pg vmstat\n"
	"  echo 'madvise 0x10000000 1M pageout' > 1/ctl; ls swap\n"
	"  cat prog.trace > 1/trace                     # replay a trace\n"
	"  echo '1 w 0x10000000' > trace                # PID r|w|x ADDR lines\n"
	"  echo lru > config/policy; cat config/README\n"
	"  cp prog.trace files/; ls -l files/           # real files, kept\n"
	"  tail -f log\n";

/* ---- the tree ---------------------------------------------------------- */

struct vm_proc *
tree_proc(struct lab *l, int pid)
{
	return vm_machine_proc(l->m, pid);
}

bool
tree_is_text(int type)
{
	switch (type) {
	case N_README: case N_VMSTAT: case N_MEMINFO: case N_SWAPS:
	case N_UPTIME: case N_LAST_PID: case N_TLB: case N_CONFIG:
	case N_PHYS_FRAMES: case N_PHYS_BUDDYINFO:
	case N_PID_MAPS: case N_PID_SMAPS:
	case N_PID_STATUS: case N_PID_STAT: case N_PID_STATM:
	case N_PID_CMDLINE: case N_PID_LIMIT: case N_PT_ENTRIES: case N_XLATE:
	case N_STAT: case N_CPUINFO: case N_LOADAVG: case N_PID_SMAPS_ROLLUP:
	case N_PID_COMM: case N_PID_ENVIRON: case N_PID_OOM_SCORE:
	case N_PID_OOM_ADJ:
		return true;
	default:
		return false;
	}
}

/* Text of the nodes that need a process. */
static int
render_pid(struct lab *l, struct vm_proc *p, int type, uint64_t arg,
	   struct sbuf *sb)
{
	struct vm_machine *m = l->m;
	struct vm_xlate x;
	int64_t tbl;
	int level;

	switch (type) {
	case N_PID_MAPS: return fmt_maps(m, p, sb);
	case N_PID_SMAPS: return fmt_smaps(m, p, sb);
	case N_PID_STATUS: return fmt_status(m, p, sb);
	case N_PID_STAT: return fmt_stat(m, p, sb);
	case N_PID_STATM: return fmt_statm(m, p, sb);
	case N_PID_CMDLINE: return fmt_cmdline(m, p, sb);
	case N_PID_SMAPS_ROLLUP: return fmt_smaps_rollup(m, p, sb);
	case N_PID_COMM: return fmt_comm(m, p, sb);
	case N_PID_ENVIRON: return 0;	/* processes here have none */
	case N_PID_OOM_SCORE: return fmt_oom_score(m, p, sb);
	case N_PID_OOM_ADJ:
		sbuf_printf(sb, "0\n");
		return 0;
	case N_PID_LIMIT:
		sbuf_printf(sb, "%" PRIu64 "\n", p->limit);
		return 0;
	case N_PT_ENTRIES:
		tbl = pt_table(l, p, arg, &level);
		if (tbl < 0)
			return (int)tbl;
		render_pt_entries(l, (uint64_t)tbl, level, sb);
		return 0;
	case N_XLATE:
		if (vm_probe_translate(m, p, arg, &x))
			return -ENOENT;	/* a zombie has no tables */
		return fmt_translate(&x, p->pid, sb);
	default:
		return -ENOENT;
	}
}

int
tree_render(struct lab *l, int type, int pid, uint64_t arg, struct sbuf *sb)
{
	struct vm_machine *m = l->m;

	switch (type) {
	case N_README: sbuf_put(sb, readme, sizeof(readme) - 1); break;
	case N_VMSTAT: return fmt_vmstat(m, sb);
	case N_MEMINFO: return fmt_meminfo(m, sb);
	case N_SWAPS: return fmt_swaps(m, sb);
	case N_UPTIME: return fmt_uptime(m, sb);
	case N_STAT: return fmt_cpu_stat(m, l->btime, sb);
	case N_CPUINFO: return fmt_cpuinfo(m, sb);
	case N_LOADAVG: return fmt_loadavg(m, sb);
	case N_LAST_PID: sbuf_printf(sb, "%d\n", m->last_pid); break;
	case N_TLB: render_tlb(l, sb); break;
	case N_PHYS_FRAMES: render_frames(l, sb); break;
	case N_PHYS_BUDDYINFO: return fmt_buddyinfo(m, sb);
	case N_CONFIG:
		if (arg == vm_knob_count())
			render_config_help(sb);
		else
			return render_knob(l, arg, sb);
		break;
	default: {
		struct vm_proc *p = tree_proc(l, pid);

		return p ? render_pid(l, p, type, arg, sb) : -ENOENT;
	}
	}
	return sb->err;
}

/* Does the node still exist? */
static int
node_alive(struct lab *l, int type, int pid, uint64_t arg)
{
	struct vm_proc *p;
	int level;

	if (type < N_PID_DIR) {
		if (type == N_SWAP_SLOT)
			return vm_pager_slot_refs(l->m, arg) ? 0 : -ENOENT;
		if (type == N_SELF)
			return fmt_self(l->m) ? 0 : -ENOENT;
		return 0;
	}
	p = tree_proc(l, pid);
	if (!p)
		return -ENOENT;
	if (type == N_PT_DIR || type == N_PT_ENTRIES || type == N_PT_RAW)
		return pt_table(l, p, arg, &level) < 0 ? -ENOENT : 0;
	return 0;
}

static mode_t
node_mode(int type)
{
	const struct entry *sets[] = { root_entries, phys_entries, pid_entries };
	const size_t lens[] = { NELEM(root_entries), NELEM(phys_entries),
				NELEM(pid_entries) };

	switch (type) {
	case N_ROOT: case N_PID_DIR: case N_XLATE_DIR: case N_PT_DIR:
		return DIR_MODE;
	case N_CONFIG: return S_IFREG | 0644;
	case N_SWAP_SLOT: return S_IFREG | 0400;
	case N_PT_ENTRIES: case N_XLATE: return S_IFREG | 0444;
	case N_PT_RAW: return S_IFREG | 0444;
	}
	for (size_t s = 0; s < 3; s++)
		for (size_t i = 0; i < lens[s]; i++)
			if (sets[s][i].type == type)
				return sets[s][i].mode;
	return S_IFREG | 0444;
}

int
tree_getattr(struct lab *l, int type, int pid, uint64_t arg, struct stat *st)
{
	int rc = node_alive(l, type, pid, arg);

	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->st_mode = node_mode(type);
	if (type == N_CONFIG && (knob_readonly(arg) || arg == vm_knob_count()))
		st->st_mode = S_IFREG | 0444;
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	if (type == N_LOG)
		st->st_size = (off_t)lablog_size(&l->log);
	else if (type == N_PHYS_MEM)
		st->st_size = (off_t)(l->m->phys.nframes << VM_PAGE_SHIFT);
	else if (type == N_SWAP_SLOT || type == N_PT_RAW)
		st->st_size = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = time(NULL);
	return 0;
}

static int
lookup_pid_dir(struct lab *l, const struct node *dir, const char *name,
	       struct child *c)
{
	struct vm_proc *p = tree_proc(l, dir->pid);
	uint64_t v;

	if (!p)
		return -ENOENT;
	c->pid = dir->pid;
	c->arg = 0;
	if (dir->type == N_PID_DIR) {
		for (size_t i = 0; i < NELEM(pid_entries); i++) {
			if (!strcmp(name, pid_entries[i].name)) {
				c->type = pid_entries[i].type;
				return 0;
			}
		}
		return -ENOENT;
	}
	if (dir->type == N_XLATE_DIR) {
		if (vm_parse_u64(name, &v) || p->state == VM_PROC_ZOMBIE)
			return -ENOENT;
		c->type = N_XLATE;
		c->arg = v;
		return 0;
	}
	/* N_PT_DIR */
	{
		int level;
		int64_t tbl = pt_table(l, p, dir->arg, &level);
		char *end;
		unsigned long idx;

		if (tbl < 0)
			return -ENOENT;
		c->arg = dir->arg;
		if (!strcmp(name, "entries") || !strcmp(name, "raw")) {
			c->type = name[0] == 'e' ? N_PT_ENTRIES : N_PT_RAW;
			return 0;
		}
		idx = strtoul(name, &end, 16);
		if (strlen(name) != 3 || *end || idx > 511 ||
		    !pt_is_table_entry(vm_pt_table(l->m, (uint64_t)tbl)[idx],
				       level))
			return -ENOENT;
		c->type = N_PT_DIR;
		c->arg = pt_child(dir->arg, (unsigned)idx);
		return 0;
	}
}

static int
lookup_in(const struct entry *set, size_t n, const char *name,
	  struct child *c)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(name, set[i].name)) {
			c->type = set[i].type;
			c->pid = 0;
			c->arg = 0;
			return 0;
		}
	}
	return -ENOENT;
}

int
tree_lookup(struct lab *l, const struct node *dir, const char *name,
	    struct child *c)
{
	char *end;
	unsigned long long v;

	switch (dir->type) {
	case N_ROOT:
		v = strtoull(name, &end, 10);
		if (name[0] >= '1' && name[0] <= '9' && !*end && v <= INT32_MAX) {
			if (!tree_proc(l, (int)v))
				return -ENOENT;
			*c = (struct child){ N_PID_DIR, (int)v, 0 };
			return 0;
		}
		if (!strcmp(name, "self") && !fmt_self(l->m))
			return -ENOENT;
		return lookup_in(root_entries, NELEM(root_entries), name, c);
	case N_PHYS_DIR:
		return lookup_in(phys_entries, NELEM(phys_entries), name, c);
	case N_CONFIG_DIR: {
		int i = vm_knob_lookup(name);

		if (i < 0 && !strcmp(name, "README"))
			i = (int)vm_knob_count();
		if (i < 0)
			return -ENOENT;
		*c = (struct child){ N_CONFIG, 0, (uint64_t)i };
		return 0;
	}
	case N_SWAP_DIR:
		v = strtoull(name, &end, 10);
		if (name[0] < '1' || name[0] > '9' || *end ||
		    !vm_pager_slot_refs(l->m, v))
			return -ENOENT;
		*c = (struct child){ N_SWAP_SLOT, 0, v };
		return 0;
	case N_PID_DIR: case N_XLATE_DIR: case N_PT_DIR:
		return lookup_pid_dir(l, dir, name, c);
	default:
		return -ENOTDIR;
	}
}

typedef void add_fn(void *ctx, const char *name, mode_t mode, int type,
		    int pid, uint64_t arg);

static void
list_set(const struct entry *set, size_t n, int pid, add_fn *add, void *ctx)
{
	for (size_t i = 0; i < n; i++)
		add(ctx, set[i].name, set[i].mode, set[i].type, pid, 0);
}

static int
list_pt(struct lab *l, const struct node *dir, add_fn *add, void *ctx)
{
	struct vm_proc *p = tree_proc(l, dir->pid);
	int level;
	int64_t tbl = p ? pt_table(l, p, dir->arg, &level) : -ENOENT;
	char name[8];

	if (tbl < 0)
		return -ENOENT;
	add(ctx, "entries", S_IFREG | 0444, N_PT_ENTRIES, dir->pid, dir->arg);
	add(ctx, "raw", S_IFREG | 0444, N_PT_RAW, dir->pid, dir->arg);
	for (unsigned i = 0; i < VM_PTES_PER_TABLE; i++) {
		if (!pt_is_table_entry(vm_pt_table(l->m, (uint64_t)tbl)[i],
				       level))
			continue;
		snprintf(name, sizeof(name), "%03x", i);
		add(ctx, name, DIR_MODE, N_PT_DIR, dir->pid,
		    pt_child(dir->arg, i));
	}
	return 0;
}

int
tree_list(struct lab *l, const struct node *dir, add_fn *add, void *ctx)
{
	char name[24];

	switch (dir->type) {
	case N_ROOT:
		for (size_t i = 0; i < NELEM(root_entries); i++)
			if (root_entries[i].type != N_SELF || fmt_self(l->m))
				add(ctx, root_entries[i].name,
				    root_entries[i].mode, root_entries[i].type,
				    0, 0);
		for (struct vm_proc *p = l->m->procs; p; p = p->next) {
			snprintf(name, sizeof(name), "%d", p->pid);
			add(ctx, name, DIR_MODE, N_PID_DIR, p->pid, 0);
		}
		return 0;
	case N_PHYS_DIR:
		list_set(phys_entries, NELEM(phys_entries), 0, add, ctx);
		return 0;
	case N_CONFIG_DIR:
		add(ctx, "README", S_IFREG | 0444, N_CONFIG, 0,
		    vm_knob_count());
		for (unsigned i = 0; i < vm_knob_count(); i++)
			add(ctx, vm_knob_at(i)->name,
			    S_IFREG | (knob_readonly(i) ? 0444 : 0644),
			    N_CONFIG, 0, i);
		return 0;
	case N_SWAP_DIR:
		for (uint64_t s = vm_pager_swap_next(l->m, 0); s;
		     s = vm_pager_swap_next(l->m, s)) {
			snprintf(name, sizeof(name), "%" PRIu64, s);
			add(ctx, name, S_IFREG | 0400, N_SWAP_SLOT, 0, s);
		}
		return 0;
	case N_PID_DIR:
		if (!tree_proc(l, dir->pid))
			return -ENOENT;
		list_set(pid_entries, NELEM(pid_entries), dir->pid, add, ctx);
		return 0;
	case N_XLATE_DIR:
		return tree_proc(l, dir->pid) ? 0 : -ENOENT;
	case N_PT_DIR:
		return list_pt(l, dir, add, ctx);
	default:
		return -ENOTDIR;
	}
}

int64_t
tree_pt_table(struct lab *l, struct vm_proc *p, uint64_t arg)
{
	int level;

	return pt_table(l, p, arg, &level);
}

int
tree_readlink(struct lab *l, int type, char *buf, size_t size)
{
	struct vm_proc *p = type == N_SELF ? fmt_self(l->m) : NULL;

	if (type != N_SELF)
		return -EINVAL;
	if (!p)
		return -ENOENT;
	snprintf(buf, size, "%d", p->pid);
	return 0;
}

int
tree_lookup_reader(struct lab *l, const char *name, int reader,
		   struct child *c)
{
	struct vm_proc *p = fmt_self(l->m);
	char own[24];

	snprintf(own, sizeof(own), "%d", reader);
	if (reader <= 0 || strcmp(name, own) || !p)
		return -ENOENT;
	*c = (struct child){ N_PID_DIR, p->pid, 1 };
	return 0;
}
