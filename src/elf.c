/*
 * elf.c - exec of an ELF64 x86-64 executable, as Linux's binfmt_elf.
 *
 * Phases (load_elf_binary()'s, in order):
 *
 *   check    ELF header and program headers read through the page cache
 *            and checked; the image planned (vm_elf_parse).  Nothing has
 *            changed yet: a refusal leaves the process as it was.
 *   drop     the point of no return: the old address space goes
 *            (vm_proc_drop_mm).  From here on a failure kills the
 *            process with SIGSEGV, as force_fatal_sig() does in Linux.
 *   map      each PT_LOAD becomes a private file mapping of its page
 *            range with its own permissions (elf_map); when p_memsz >
 *            p_filesz the rest of the last file page is zeroed by a store
 *            through the mapping, which copies that page (padzero; a
 *            read-only segment keeps the file's bytes there, as Linux
 *            ignores the fault), and the whole pages past it are
 *            anonymous rw memory (vm_brk_flags: x too if the segment is).
 *   stack    a new [stack] below VM_STACK_TOP; create_elf_tables()'s
 *            layout written as the process's own stores, from the top:
 *            8 zero bytes, the file name (AT_EXECFN), the environment
 *            strings (none), the argument strings (argv[0] = the path),
 *            16-byte alignment, "x86_64" (AT_PLATFORM), 16 random bytes
 *            (AT_RANDOM), then, 16-byte aligned at the bottom, argc,
 *            argv[], NULL, envp[] (empty), NULL, and the auxv pairs.
 *
 * Where the image goes: ET_EXEC at its addresses; ET_DYN with an
 * interpreter (a PIE), or with a PT_LOAD aligned above a page, at
 * ELF_ET_DYN_BASE aligned to the largest p_align, less its first
 * p_vaddr; an ET_DYN without one (a static PIE, a loader) top-down from
 * Linux's mmap_base.  There is no randomization: the addresses are
 * those of a Linux run under setarch -R.  brk starts at the page-aligned
 * end of the image, but an ET_DYN without an interpreter has its brk
 * moved to ELF_ET_DYN_BASE, out of the mmap area, as Linux (6.15 on) does
 * even without randomization; as in Linux, no [heap] region exists
 * before a first brk.
 *
 * Not modelled: loading the interpreter (PT_INTERP is only recorded and
 * logged; AT_BASE is 0), the vDSO (no AT_SYSINFO_EHDR), registers (the
 * entry point is logged and in AT_ENTRY), PT_GNU_STACK (the stack is rw).
 */
#include <config.h>

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "vmlab/elf.h"
#include "vmlab/machine.h"
#include "vmlab/mm.h"
#include "vmlab/mmu.h"
#include "vmlab/pagecache.h"
#include "vmlab/proc.h"
#include "vmlab/pt.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56

#define PAGE_START(a) ((a) & VM_PAGE_MASK)
#define PAGE_OFF(a) ((a) & ~VM_PAGE_MASK)
#define PAGE_ALIGN(a) (((a) + VM_PAGE_SIZE - 1) & VM_PAGE_MASK)

/* Little-endian fields of a header. */
static uint64_t
get(const unsigned char *b, size_t off, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = (v << 8) | b[off + i];
	return v;
}

static int
refuse(char *why, size_t whylen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
refuse(char *why, size_t whylen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Reads exactly len bytes at off: 0, -ENOEXEC when the file is short,
 * or the reader's error. */
static int
read_full(vm_elf_read_fn read, void *ctx, void *buf, size_t len, uint64_t off)
{
	ssize_t n = read(ctx, buf, len, off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -ENOEXEC;
}

/* The ELF header's checks (elf_check_arch and friends). */
static int
check_ehdr(const unsigned char *e, char *why, size_t whylen)
{
	uint64_t type = get(e, 16, 2), machine = get(e, 18, 2);

	if (memcmp(e, "\177ELF", 4))
		return refuse(why, whylen, -ENOEXEC, "not an ELF file");
	if (e[4] != 2)
		return refuse(why, whylen, -ENOEXEC,
			      "not a 64-bit ELF (class %u)", e[4]);
	if (e[5] != 1)
		return refuse(why, whylen, -ENOEXEC,
			      "not little-endian (data %u)", e[5]);
	if (type != VM_ET_EXEC && type != VM_ET_DYN)
		return refuse(why, whylen, -ENOEXEC,
			      "not an executable (e_type %u)", (unsigned)type);
	if (machine != EM_X86_64)
		return refuse(why, whylen, -ENOEXEC,
			      "not x86-64 (e_machine %u)", (unsigned)machine);
	if (get(e, 54, 2) != PHDR_SIZE)
		return refuse(why, whylen, -ENOEXEC, "bad e_phentsize %u",
			      (unsigned)get(e, 54, 2));
	if (get(e, 56, 2) < 1 || get(e, 56, 2) > 65536 / PHDR_SIZE)
		return refuse(why, whylen, -ENOEXEC, "bad e_phnum %u",
			      (unsigned)get(e, 56, 2));
	return 0;
}

/* Records PT_INTERP: a NUL-terminated path of 2 to PATH_MAX bytes. */
static int
read_interp(vm_elf_read_fn read, void *ctx, const unsigned char *ph,
	    struct vm_elf_image *img, char *why, size_t whylen)
{
	uint64_t off = get(ph, 8, 8), len = get(ph, 32, 8);
	int rc;

	if (len < 2 || len > VM_ELF_INTERP_MAX)
		return refuse(why, whylen, -ENOEXEC, "bad PT_INTERP size %llu",
			      (unsigned long long)len);
	rc = read_full(read, ctx, img->interp, (size_t)len, off);
	if (rc == -ENOEXEC)
		return refuse(why, whylen, rc, "PT_INTERP past the end of "
			      "the file");
	if (rc)
		return refuse(why, whylen, rc, "reading PT_INTERP: %s",
			      strerror(-rc));
	if (img->interp[len - 1] != '\0') {
		img->interp[0] = '\0';
		return refuse(why, whylen, -ENOEXEC,
			      "PT_INTERP is not NUL-terminated");
	}
	return 0;
}

/* Checks PT_LOAD number n (ph) and adds it to img, bias not yet applied.
 * Segments must come in address order without sharing a page. */
static int
add_load(const unsigned char *ph, unsigned n, uint64_t size,
	 uint64_t user_top, struct vm_elf_image *img, char *why,
	 size_t whylen)
{
	uint64_t flags = get(ph, 4, 4), off = get(ph, 8, 8);
	uint64_t va = get(ph, 16, 8), filesz = get(ph, 32, 8);
	uint64_t memsz = get(ph, 40, 8);
	struct vm_elf_seg *s = &img->seg[img->nseg];

	if (memsz == 0)
		return 0; /* maps nothing */
	if (img->nseg == VM_ELF_MAX_LOADS)
		return refuse(why, whylen, -ENOEXEC, "more than %d PT_LOAD "
			      "segments", VM_ELF_MAX_LOADS);
	if (filesz > memsz)
		return refuse(why, whylen, -EINVAL, "segment %u: p_filesz > "
			      "p_memsz", n);
	if (PAGE_OFF(off) != PAGE_OFF(va))
		return refuse(why, whylen, -EINVAL, "segment %u: p_offset and "
			      "p_vaddr differ modulo the page size", n);
	if (off > size || filesz > size - off)
		return refuse(why, whylen, -EINVAL, "segment %u: file bytes "
			      "past the end of the file (truncated)", n);
	if (va >= user_top || memsz > user_top - va)
		return refuse(why, whylen, -EINVAL, "segment %u: too large, "
			      "past the end of the user address space", n);
	if (img->nseg && PAGE_START(va) < PAGE_ALIGN(s[-1].vaddr +
						      s[-1].memsz))
		return refuse(why, whylen, -EINVAL, "segment %u overlaps the "
			      "one before it (or is out of order)", n);
	s->vaddr = va;
	s->memsz = memsz;
	s->offset = off;
	s->filesz = filesz;
	s->prot = ((flags & PF_R) ? VM_PROT_READ : 0) |
		  ((flags & PF_W) ? VM_PROT_WRITE : 0) |
		  ((flags & PF_X) ? VM_PROT_EXEC : 0);
	img->nseg++;
	return 0;
}

/* AT_PHDR (before the bias): the address of the program headers in the
 * PT_LOAD whose file bytes hold them, or 0. */
static uint64_t
phdr_addr(const struct vm_elf_image *img, uint64_t phoff)
{
	for (size_t i = 0; i < img->nseg; i++) {
		const struct vm_elf_seg *s = &img->seg[i];

		if (s->offset <= phoff && phoff < s->offset + s->filesz)
			return phoff - s->offset + s->vaddr;
	}
	return 0;
}

/* maximum_alignment(): the largest power-of-two p_align of the PT_LOADs,
 * at least a page. */
static uint64_t
max_align(const unsigned char *phs, unsigned phnum)
{
	uint64_t a = 0;

	for (unsigned i = 0; i < phnum; i++) {
		const unsigned char *ph = phs + (size_t)i * PHDR_SIZE;
		uint64_t al = get(ph, 48, 8);

		if (get(ph, 0, 4) == PT_LOAD && al && !(al & (al - 1)) &&
		    al > a)
			a = al;
	}
	return a > VM_PAGE_SIZE ? a : VM_PAGE_SIZE;
}

/* Sets the load bias of an ET_DYN (load_elf_binary's first-PT_LOAD
 * case): 0 or -EINVAL (too large for the mmap area). */
static int
dyn_bias(struct vm_elf_image *img, uint64_t align, char *why, size_t whylen)
{
	uint64_t first = PAGE_START(img->seg[0].vaddr);
	const struct vm_elf_seg *l = &img->seg[img->nseg - 1];
	uint64_t total = PAGE_ALIGN(l->vaddr + l->memsz - first);

	if (img->interp[0] || align > VM_PAGE_SIZE) {
		img->bias = PAGE_START((VM_ELF_ET_DYN_BASE & ~(align - 1)) -
				       first);
		return 0;
	}
	if (total > VM_ELF_MMAP_BASE - VM_MMAP_MIN)
		return refuse(why, whylen, -EINVAL, "image of %llu bytes: too "
			      "large", (unsigned long long)total);
	img->bias = VM_ELF_MMAP_BASE - total - first; /* top-down */
	return 0;
}

/* start_code .. end_data of load_elf_binary(), from the placed segments:
 * the lowest executable start, the highest start, and the highest ends
 * of file bytes, executable and all. */
static void
set_bounds(struct vm_elf_image *img)
{
	img->start_code = UINT64_MAX;
	for (size_t i = 0; i < img->nseg; i++) {
		const struct vm_elf_seg *s = &img->seg[i];
		uint64_t fend = s->vaddr + s->filesz;

		if ((s->prot & VM_PROT_EXEC) && s->vaddr < img->start_code)
			img->start_code = s->vaddr;
		if (s->vaddr > img->start_data)
			img->start_data = s->vaddr;
		if ((s->prot & VM_PROT_EXEC) && fend > img->end_code)
			img->end_code = fend;
		if (fend > img->end_data)
			img->end_data = fend;
	}
	if (img->start_code == UINT64_MAX)
		img->start_code = 0;
}

/* Applies the bias and fills what follows from the segments: entry,
 * AT_PHDR, the code and data bounds, brk; then checks where it all
 * lands. */
static int
place(struct vm_elf_image *img, uint64_t entry, uint64_t phoff,
      uint64_t user_top, char *why, size_t whylen)
{
	uint64_t lo, hi, b = img->bias;

	img->entry = entry + b;
	img->phdr = phdr_addr(img, phoff);
	img->phdr += img->phdr ? b : 0;
	for (size_t i = 0; i < img->nseg; i++)
		img->seg[i].vaddr += b;
	set_bounds(img);
	lo = PAGE_START(img->seg[0].vaddr);
	hi = PAGE_ALIGN(img->seg[img->nseg - 1].vaddr +
			img->seg[img->nseg - 1].memsz);
	img->brk = hi;
	if (img->type == VM_ET_DYN && !img->interp[0])
		img->brk = PAGE_ALIGN(VM_ELF_ET_DYN_BASE); /* a loader's brk */
	if (lo < VM_MMAP_MIN)
		return refuse(why, whylen, -EINVAL, "image at 0x%llx, below "
			      "the lowest mappable address 0x%llx",
			      (unsigned long long)lo,
			      (unsigned long long)VM_MMAP_MIN);
	if (hi > VM_STACK_TOP - VM_STACK_SIZE || hi > user_top)
		return refuse(why, whylen, -EINVAL, "image up to 0x%llx: too "
			      "large, it reaches the stack",
			      (unsigned long long)hi);
	return 0;
}

/* Reads the program headers and checks each (all of e_phnum). */
static int
read_phdrs(vm_elf_read_fn read, void *ctx, const unsigned char *e,
	   uint64_t size, uint64_t user_top, unsigned char *phs,
	   struct vm_elf_image *img, char *why, size_t whylen)
{
	unsigned phnum = (unsigned)get(e, 56, 2);
	uint64_t phoff = get(e, 32, 8);
	int rc = read_full(read, ctx, phs, (size_t)phnum * PHDR_SIZE, phoff);

	if (rc == -ENOEXEC)
		return refuse(why, whylen, rc, "program headers past the end "
			      "of the file (truncated)");
	if (rc)
		return refuse(why, whylen, rc, "reading the program headers: "
			      "%s", strerror(-rc));
	for (unsigned i = 0; i < phnum && rc == 0; i++) {
		const unsigned char *ph = phs + (size_t)i * PHDR_SIZE;

		if (get(ph, 0, 4) == PT_LOAD)
			rc = add_load(ph, i, size, user_top, img, why, whylen);
		else if (get(ph, 0, 4) == PT_INTERP && !img->interp[0])
			rc = read_interp(read, ctx, ph, img, why, whylen);
	}
	return rc;
}

int
vm_elf_parse(vm_elf_read_fn read, void *ctx, uint64_t size,
	     uint64_t user_top, struct vm_elf_image *img, char *why,
	     size_t whylen)
{
	unsigned char e[EHDR_SIZE], *phs;
	int rc;

	memset(img, 0, sizeof(*img));
	rc = read_full(read, ctx, e, sizeof(e), 0);
	if (rc == -ENOEXEC)
		return refuse(why, whylen, rc, "not an ELF file (%llu bytes, "
			      "shorter than an ELF header)",
			      (unsigned long long)size);
	if (rc)
		return refuse(why, whylen, rc, "reading the ELF header: %s",
			      strerror(-rc));
	rc = check_ehdr(e, why, whylen);
	if (rc)
		return rc;
	phs = malloc(get(e, 56, 2) * PHDR_SIZE);
	if (!phs)
		return refuse(why, whylen, -ENOMEM, "no memory for the "
			      "program headers");
	rc = read_phdrs(read, ctx, e, size, user_top, phs, img, why, whylen);
	if (rc == 0 && !img->nseg)
		rc = refuse(why, whylen, -ENOEXEC, "no PT_LOAD segment");
	img->type = (int)get(e, 16, 2);
	img->phnum = (unsigned)get(e, 56, 2);
	if (rc == 0 && img->type == VM_ET_DYN)
		rc = dyn_bias(img, max_align(phs, img->phnum), why, whylen);
	free(phs);
	if (rc)
		return rc;
	return place(img, get(e, 24, 8), get(e, 32, 8), user_top, why,
		     whylen);
}

/* ---- building the new address space -------------------------------- */

#define STACK_BUF 16384 /* the top of the stack, built on the host */

struct file_reader {
	struct vm_machine *m;
	struct vm_file *f;
};

static ssize_t
file_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct file_reader *r = ctx;

	return vm_file_read(r->m, r->f, buf, len, off);
}

/* padzero(): zeros from va to the end of its page, as a store by p. */
static int
pad_zero(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	static const unsigned char zeros[VM_PAGE_SIZE];
	ssize_t n;

	if (!PAGE_OFF(va))
		return 0;
	n = vm_mem_write(m, p, va, zeros, VM_PAGE_SIZE - PAGE_OFF(va));
	return n < 0 ? (int)n : 0;
}

/* elf_load(): one PT_LOAD as a private file mapping of its pages, the
 * tail of its last file page zeroed, anonymous pages for the rest. */
static int
map_seg(struct vm_machine *m, struct vm_proc *p, struct vm_file *f,
	const struct vm_elf_seg *s)
{
	uint64_t start = PAGE_START(s->vaddr), at;
	uint64_t fend = start, mend = PAGE_ALIGN(s->vaddr + s->memsz);
	struct vm_mmap_req r = { .addr = start, .prot = s->prot,
				 .flags = VM_MAP_FIXED, .file = f,
				 .offset = PAGE_START(s->offset) };
	int rc = 0;

	if (s->filesz) {
		fend = PAGE_ALIGN(s->vaddr + s->filesz);
		r.len = fend - start;
		rc = vm_mmap(m, p, &r, &at);
		if (rc == 0 && s->memsz > s->filesz &&
		    (s->prot & VM_PROT_WRITE))
			rc = pad_zero(m, p, s->vaddr + s->filesz);
	}
	if (rc == 0 && mend > fend) {
		struct vm_mmap_req b = {
			.addr = fend, .len = mend - fend,
			.prot = VM_PROT_READ | VM_PROT_WRITE |
				(s->prot & VM_PROT_EXEC),
			.flags = VM_MAP_FIXED,
		};

		rc = vm_mmap(m, p, &b, &at);
	}
	return rc;
}

/* The 16 bytes of AT_RANDOM: from the machine's seed, the pid and the
 * clock (splitmix64), so that a run repeats exactly. */
static void
random_bytes(const struct vm_machine *m, const struct vm_proc *p,
	     unsigned char out[16])
{
	uint64_t x = m->cfg.seed ^ ((uint64_t)p->pid << 32) ^ m->clock;

	for (int i = 0; i < 2; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(out + 8 * i, &z, 8);
	}
}

/* This host's auxv as the kernel gave it, read once from /proc/self/auxv
 * (the C library rewrites some: glibc's getauxval(AT_HWCAP) is its own
 * x86-64 bit, not the CPU's).  *n pairs, 0 when it cannot be read. */
struct host_auxv {
	uint64_t kv[64][2];
	size_t n;
};

static void
host_auxv_read(struct host_auxv *h)
{
	FILE *f = fopen("/proc/self/auxv", "re");

	h->n = 0;
	if (!f)
		return;
	while (h->n < 64 && fread(h->kv[h->n], sizeof(h->kv[0]), 1, f) == 1 &&
	       h->kv[h->n][0] != AT_NULL)
		h->n++;
	fclose(f);
}

/* The host's value of auxv entry type (getauxval's when unread). */
static uint64_t
host_aux(const struct host_auxv *h, uint64_t type)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->kv[i][0] == type)
			return h->kv[i][1];
	return getauxval((unsigned long)type);
}

/* The auxiliary vector in create_elf_tables()'s order, as an x86-64
 * kernel with rseq gives it; returns the number of words (pairs * 2,
 * AT_NULL included).  The values that are the CPU's or the kernel's
 * (AT_MINSIGSTKSZ, AT_HWCAP, AT_HWCAP2, the rseq sizes) are this host's. */
static size_t
auxv(uint64_t *v, const struct vm_elf_image *img, uint64_t rnd,
     uint64_t execfn, uint64_t platform)
{
	struct host_auxv h;

	host_auxv_read(&h);
	const uint64_t pairs[][2] = {
		{AT_MINSIGSTKSZ, host_aux(&h, AT_MINSIGSTKSZ)},
		{AT_HWCAP, host_aux(&h, AT_HWCAP)},
		{AT_PAGESZ, VM_PAGE_SIZE}, {AT_CLKTCK, 100},
		{AT_PHDR, img->phdr}, {AT_PHENT, PHDR_SIZE},
		{AT_PHNUM, img->phnum}, {AT_BASE, 0}, {AT_FLAGS, 0},
		{AT_ENTRY, img->entry}, {AT_UID, getuid()},
		{AT_EUID, geteuid()}, {AT_GID, getgid()},
		{AT_EGID, getegid()}, {AT_SECURE, 0},
		{AT_RANDOM, rnd}, {AT_HWCAP2, host_aux(&h, AT_HWCAP2)},
		{AT_EXECFN, execfn}, {AT_PLATFORM, platform},
		{AT_RSEQ_FEATURE_SIZE,
		 host_aux(&h, AT_RSEQ_FEATURE_SIZE)},
		{AT_RSEQ_ALIGN, host_aux(&h, AT_RSEQ_ALIGN)},
		{AT_NULL, 0},
	};

	memcpy(v, pairs, sizeof(pairs));
	return 2 * (sizeof(pairs) / sizeof(pairs[0]));
}

/* Puts len bytes at stack address va into the host copy of the top. */
static void
put(unsigned char *buf, uint64_t va, const void *src, size_t len)
{
	memcpy(buf + (va - (VM_STACK_TOP - STACK_BUF)), src, len);
}

/* create_elf_tables(): the new stack's contents, written as p's own
 * stores; sets p's start_stack and argument bounds. */
static int
fill_stack(struct vm_machine *m, struct vm_proc *p, const char *path,
	   const struct vm_elf_image *img, unsigned char *buf)
{
	size_t plen = strlen(path) + 1, words;
	uint64_t sp = VM_STACK_TOP - 8, execfn, platform, rnd, v[64];
	const uint64_t head[4] = {1, 0, 0, 0}; /* argc, argv, NULL, NULL */
	unsigned char r[16];
	ssize_t n;

	execfn = sp -= plen;
	put(buf, execfn, path, plen);
	p->layout.env_start = p->layout.env_end = execfn; /* no strings */
	p->layout.arg_end = execfn;
	p->layout.arg_start = sp -= plen;
	put(buf, sp, path, plen);
	sp &= ~15ull;
	platform = sp -= sizeof("x86_64");
	put(buf, sp, "x86_64", sizeof("x86_64"));
	rnd = sp -= sizeof(r);
	random_bytes(m, p, r);
	put(buf, sp, r, sizeof(r));
	words = auxv(v, img, rnd, execfn, platform);
	sp = (sp - (words + 4) * 8) & ~15ull;
	put(buf, sp, head, sizeof(head));
	put(buf, sp + 8, &p->layout.arg_start, 8);
	put(buf, sp + sizeof(head), v, words * 8);
	p->start_stack = sp;
	n = vm_mem_write(m, p, sp, buf + (sp - (VM_STACK_TOP - STACK_BUF)),
			 VM_STACK_TOP - sp);
	return n < 0 ? (int)n : 0;
}

/* The new [stack], then its contents. */
static int
build_stack(struct vm_machine *m, struct vm_proc *p, const char *path,
	    const struct vm_elf_image *img)
{
	struct vm_mmap_req r = {
		.addr = VM_STACK_TOP - VM_STACK_SIZE, .len = VM_STACK_SIZE,
		.prot = VM_PROT_READ | VM_PROT_WRITE, .flags = VM_MAP_FIXED,
		.vma_flags = VM_VMA_STACK | VM_VMA_GROWSDOWN,
	};
	unsigned char *buf;
	uint64_t at;
	int rc = vm_mmap(m, p, &r, &at);

	if (rc)
		return rc;
	buf = calloc(1, STACK_BUF);
	if (!buf)
		return -ENOMEM;
	rc = fill_stack(m, p, path, img, buf);
	free(buf);
	return rc;
}

/* After the point of no return: the segments, the stack, the name. */
static int
build(struct vm_machine *m, struct vm_proc *p, struct vm_file *f,
      const char *path, const struct vm_elf_image *img)
{
	const char *base = strrchr(path, '/');
	int rc = 0;

	for (size_t i = 0; i < img->nseg && rc == 0; i++)
		rc = map_seg(m, p, f, &img->seg[i]);
	if (rc == 0)
		rc = build_stack(m, p, path, img);
	if (rc == 0 && p->state == VM_PROC_ZOMBIE)
		rc = -ENOMEM; /* the OOM killer took it meanwhile */
	if (rc)
		return rc;
	p->layout.start_code = img->start_code;
	p->layout.end_code = img->end_code;
	p->layout.start_data = img->start_data;
	p->layout.end_data = img->end_data;
	p->layout.start_brk = img->brk;
	p->layout.entry = img->entry;
	memset(p->comm, 0, VM_COMM_LEN);
	strncpy(p->comm, base ? base + 1 : path, VM_COMM_LEN - 1);
	return 0;
}

/* Opens and checks path, a file of files/ as for mmap file=; on success
 * *f holds a reference. */
static int
exec_check(struct vm_machine *m, const char *path, struct vm_file **f,
	   struct vm_elf_image *img, char *why, size_t whylen)
{
	struct file_reader r = { .m = m };
	int rc = vm_file_open(m, path, &r.f);

	/* "files/NAME", the path from the mount's root, names NAME too */
	if (rc == -ENOENT && !strncmp(path, "files/", 6) && path[6])
		rc = vm_file_open(m, path + 6, &r.f);
	if (rc)
		return refuse(why, whylen, rc, "%s", strerror(-rc));
	rc = vm_elf_parse(file_read, &r, r.f->size, vm_user_top(m), img, why,
			  whylen);
	if (rc) {
		vm_file_put(r.f);
		return rc;
	}
	*f = r.f;
	return 0;
}

/* The log line of a loaded image. */
static void
exec_logged(struct vm_machine *m, const struct vm_proc *p, const char *path,
	    const struct vm_elf_image *img)
{
	vm_log(&m->log, VM_LOG_INFO, "pid %d: exec %.200s: %s at 0x%llx, "
	       "entry 0x%llx, brk 0x%llx, interpreter %.200s%s", p->pid, path,
	       img->type == VM_ET_EXEC ? "ET_EXEC" : "ET_DYN",
	       (unsigned long long)PAGE_START(img->seg[0].vaddr),
	       (unsigned long long)img->entry, (unsigned long long)img->brk,
	       img->interp[0] ? img->interp : "none",
	       img->interp[0] ? " (not loaded)" : "");
}

/* Past the point of no return: p dies of SIGSEGV, as in Linux. */
static void
exec_died(struct vm_machine *m, struct vm_proc *p, const char *path, int rc)
{
	if (p->state == VM_PROC_ZOMBIE) { /* the OOM killer was first */
		vm_log(&m->log, VM_LOG_ERR, "pid %d: exec %.200s: %s after "
		       "the old address space was dropped: killed (signal "
		       "%d)", p->pid, path, strerror(-rc), p->exit_signal);
		return;
	}
	vm_log(&m->log, VM_LOG_ERR, "pid %d: exec %.200s: %s after the old "
	       "address space was dropped: killed (SIGSEGV)", p->pid, path,
	       strerror(-rc));
	vm_proc_kill(m, p, 11);
}

int
vm_elf_exec(struct vm_machine *m, struct vm_proc *p, const char *path,
	    char *err, size_t errlen)
{
	struct vm_elf_image *img = malloc(sizeof(*img));
	struct vm_file *f = NULL;
	char why[200];
	int rc;

	if (!img)
		return refuse(err, errlen, -ENOMEM, "exec: out of memory");
	rc = p->state == VM_PROC_ZOMBIE ? -ESRCH
					 : exec_check(m, path, &f, img, why,
						      sizeof(why));
	if (rc) {
		if (rc == -ESRCH)
			snprintf(why, sizeof(why), "the process is dead");
		free(img);
		return refuse(err, errlen, rc, "exec: %.200s: %s", path, why);
	}
	rc = vm_proc_drop_mm(m, p);
	if (rc == 0)
		rc = build(m, p, f, path, img);
	vm_file_put(f); /* the regions hold their own references */
	if (rc)
		exec_died(m, p, path, rc);
	else
		exec_logged(m, p, path, img);
	free(img);
	return rc ? refuse(err, errlen, rc, "exec: %.200s: %s after the old "
			   "address space was dropped: process killed",
			   path, strerror(-rc))
		  : 0;
}
