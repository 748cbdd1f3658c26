/*
 * test_elf.c - exec of ELF images: the checks and the plan of
 * vm_elf_parse on hand-built headers, and vm_elf_exec on a machine.
 */
#include <config.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"
#include "vmlab/elf.h"
#include "vmlab/exec.h"
#include "vmlab/pagecache.h"

#define TOP (1ull << 47)
#define R 4u
#define W 2u
#define X 1u

struct tseg {
	uint32_t type, flags;
	uint64_t off, va, filesz, memsz, align;
};

static void
put_le(unsigned char *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* An ELF64 x86-64 image of size bytes: a pattern, the header, then the
 * program headers at 64. */
static void
mk_elf(unsigned char *b, size_t size, int type, uint64_t entry,
       const struct tseg *s, int n)
{
	for (size_t i = 0; i < size; i++)
		b[i] = (unsigned char)(i * 7 + 3);
	memset(b, 0, 64);
	memcpy(b, "\177ELF\2\1\1", 7);
	put_le(b + 16, (uint64_t)type, 2);
	put_le(b + 18, 62, 2);
	put_le(b + 20, 1, 4);
	put_le(b + 24, entry, 8);
	put_le(b + 32, 64, 8);
	put_le(b + 52, 64, 2);
	put_le(b + 54, 56, 2);
	put_le(b + 56, (uint64_t)n, 2);
	for (int i = 0; i < n; i++) {
		unsigned char *ph = b + 64 + 56 * i;

		memset(ph, 0, 56);
		put_le(ph, s[i].type, 4);
		put_le(ph + 4, s[i].flags, 4);
		put_le(ph + 8, s[i].off, 8);
		put_le(ph + 16, s[i].va, 8);
		put_le(ph + 24, s[i].va, 8);
		put_le(ph + 32, s[i].filesz, 8);
		put_le(ph + 40, s[i].memsz, 8);
		put_le(ph + 48, s[i].align ? s[i].align : 0x1000, 8);
	}
}

struct mem {
	const unsigned char *b;
	size_t size;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;

	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = m->size - off;
	memcpy(buf, m->b + off, len);
	return (ssize_t)len;
}

static unsigned char img_buf[3 * 4096];
static struct vm_elf_image img;
static char why[200];

/* The standard image: text r-x with the headers, data rw- with bss. */
static const struct tseg std_segs[] = {
	{PT_LOAD, R | X, 0, 0x400000, 0x1100, 0x1100, 0},
	{PT_LOAD, R | W, 0x2100, 0x602100, 0x200, 0x3000, 0},
};

static int
parse(size_t size)
{
	struct mem m = { img_buf, size };

	why[0] = '\0';
	return vm_elf_parse(mem_read, &m, size, TOP, &img, why, sizeof(why));
}

START_TEST(test_elf_parse_exec)
{
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, std_segs, 2);
	ck_assert_int_eq(parse(sizeof(img_buf)), 0);
	ck_assert_int_eq(img.type, VM_ET_EXEC);
	ck_assert_uint_eq(img.bias, 0);
	ck_assert_uint_eq(img.entry, 0x400080);
	ck_assert_uint_eq(img.phdr, 0x400040);
	ck_assert_uint_eq(img.phnum, 2);
	ck_assert_uint_eq(img.nseg, 2);
	ck_assert_uint_eq(img.seg[0].prot, VM_PROT_READ | VM_PROT_EXEC);
	ck_assert_uint_eq(img.seg[1].prot, VM_PROT_READ | VM_PROT_WRITE);
	ck_assert_uint_eq(img.start_code, 0x400000);
	ck_assert_uint_eq(img.end_code, 0x401100);
	ck_assert_uint_eq(img.start_data, 0x602100);
	ck_assert_uint_eq(img.end_data, 0x602300);
	ck_assert_uint_eq(img.brk, 0x606000);
	ck_assert_str_eq(img.interp, "");
}
END_TEST

/* A PIE: with an interpreter at ELF_ET_DYN_BASE, aligned to its largest
 * p_align; without one top-down from mmap_base. */
START_TEST(test_elf_parse_dyn)
{
	struct tseg s[3] = {
		{PT_INTERP, R, 0x200, 0, 8, 8, 1},
		{PT_LOAD, R | X, 0, 0, 0x1100, 0x1100, 0},
		{PT_LOAD, R | W, 0x2100, 0x3100, 0x200, 0x3000, 0},
	};

	mk_elf(img_buf, sizeof(img_buf), 3, 0x80, s, 3);
	memcpy(img_buf + 0x200, "/ld.so1", 8);
	ck_assert_int_eq(parse(sizeof(img_buf)), 0);
	ck_assert_uint_eq(img.bias, 0x555555554000);
	ck_assert_uint_eq(img.entry, 0x555555554080);
	ck_assert_uint_eq(img.phdr, 0x555555554040);
	ck_assert_uint_eq(img.seg[1].vaddr, 0x555555557100);
	ck_assert_str_eq(img.interp, "/ld.so1");
	s[1].align = 0x200000;
	mk_elf(img_buf, sizeof(img_buf), 3, 0x80, s, 3);
	memcpy(img_buf + 0x200, "/ld.so1", 8);
	ck_assert_int_eq(parse(sizeof(img_buf)), 0);
	ck_assert_uint_eq(img.bias, 0x555555400000);
	/* no interpreter: a static PIE ends at mmap_base */
	mk_elf(img_buf, sizeof(img_buf), 3, 0x80, s + 1, 2);
	put_le(img_buf + 64 + 48, 0x1000, 8); /* p_align back to a page */
	ck_assert_int_eq(parse(sizeof(img_buf)), 0);
	ck_assert_uint_eq(img.bias, VM_ELF_MMAP_BASE - 0x7000);
	ck_assert_uint_eq(img.brk, 0x555555555000); /* moved out of mmap */
}
END_TEST

/* One malformed image: parse fails with rc and a reason holding what. */
static void
refused(size_t size, int rc, const char *what)
{
	ck_assert_int_eq(parse(size), rc);
	ck_assert_msg(strstr(why, what), "'%s' lacks '%s'", why, what);
}

static void
std_with(int field_off, uint64_t v, int n)
{
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, std_segs, 2);
	put_le(img_buf + field_off, v, n);
}

START_TEST(test_elf_parse_refused)
{
	struct tseg s[2];

	std_with(0, 0, 1);
	refused(sizeof(img_buf), -ENOEXEC, "not an ELF file");
	std_with(4, 1, 1);
	refused(sizeof(img_buf), -ENOEXEC, "not a 64-bit ELF");
	std_with(5, 2, 1);
	refused(sizeof(img_buf), -ENOEXEC, "not little-endian");
	std_with(16, 1, 2);
	refused(sizeof(img_buf), -ENOEXEC, "not an executable");
	std_with(18, 3, 2);
	refused(sizeof(img_buf), -ENOEXEC, "not x86-64");
	std_with(54, 32, 2);
	refused(sizeof(img_buf), -ENOEXEC, "e_phentsize");
	std_with(56, 0, 2);
	refused(sizeof(img_buf), -ENOEXEC, "e_phnum");
	std_with(0, 0x7f, 1);
	refused(40, -ENOEXEC, "shorter than an ELF header");
	refused(100, -ENOEXEC, "program headers past the end");
	/* segments */
	memcpy(s, std_segs, sizeof(s));
	s[1].filesz = 0x4000;
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(sizeof(img_buf), -EINVAL, "p_filesz > p_memsz");
	memcpy(s, std_segs, sizeof(s));
	s[1].off = 0x2200;
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(sizeof(img_buf), -EINVAL, "differ modulo the page size");
	memcpy(s, std_segs, sizeof(s));
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(0x2200, -EINVAL, "past the end of the file");
	s[1].va = 0x401100;
	s[1].off = 0x1100;
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(sizeof(img_buf), -EINVAL, "overlaps");
	memcpy(s, std_segs, sizeof(s));
	s[1].va = 0x7ffffff00100;
	s[1].memsz = 0x200000;
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(sizeof(img_buf), -EINVAL, "too large");
	memcpy(s, std_segs, sizeof(s));
	s[0].va = 0x1000;
	mk_elf(img_buf, sizeof(img_buf), 2, 0x1080, s, 2);
	refused(sizeof(img_buf), -EINVAL, "below the lowest mappable");
	memcpy(s, std_segs, sizeof(s));
	s[0].type = s[1].type = 4; /* PT_NOTE */
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(sizeof(img_buf), -ENOEXEC, "no PT_LOAD");
	s[0].type = PT_INTERP;
	s[0].off = 0x200;
	s[0].filesz = 4;
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, s, 2);
	refused(sizeof(img_buf), -ENOEXEC, "not NUL-terminated");
}
END_TEST

/* ---- exec on a machine ---------------------------------------------- */

static char files_dir[128];

static struct vm_machine *
exec_machine(uint64_t frames)
{
	struct vm_config c;

	snprintf(files_dir, sizeof(files_dir), "%s/files", t_state);
	mkdir(files_dir, 0700);
	vm_config_default(&c);
	c.frames = frames;
	c.state_dir = t_state;
	c.files_dir = files_dir;
	return t_machine_cfg(&c);
}

static void
write_file(const char *name, const void *b, size_t n)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", files_dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	close(fd);
}

static int
ctl(struct vm_machine *m, struct vm_proc *p, const char *line)
{
	struct vm_ctl_cmd cmd;
	char err[256];
	int rc = vm_ctl_parse(line, strlen(line), VM_CTL_PROC, &cmd, err,
			      sizeof(err));

	if (rc == 0)
		rc = vm_ctl_exec(m, p, &cmd, NULL, err, sizeof(err));
	return rc;
}

static uint64_t
load64(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	uint64_t v = 0;

	ck_assert_int_eq(vm_mem_read(m, p, va, &v, 8), 8);
	return v;
}

/* The value of auxv entry type on p's stack, or -1 if absent. */
static uint64_t
aux(struct vm_machine *m, struct vm_proc *p, uint64_t type)
{
	uint64_t sp = p->start_stack, argc = load64(m, p, sp);
	uint64_t at = sp + 8 * (argc + 2);

	while (load64(m, p, at)) /* envp */
		at += 8;
	for (at += 8;; at += 16) {
		uint64_t t = load64(m, p, at);

		if (t == type)
			return load64(m, p, at + 8);
		if (t == 0)
			return (uint64_t)-1;
	}
}

START_TEST(test_elf_exec_layout)
{
	struct vm_machine *m = exec_machine(512);
	struct vm_proc *p = t_spawn(m);
	const struct vm_vma *a;
	unsigned char b[0x1000];
	char s[32];

	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, std_segs, 2);
	write_file("prog", img_buf, sizeof(img_buf));
	ck_assert_int_eq(ctl(m, p, "exec files/prog"), 0);
	ck_assert_str_eq(p->comm, "prog");
	ck_assert_uint_eq(p->vmas.n, 4);
	a = &p->vmas.v[0];
	ck_assert_uint_eq(a->start, 0x400000);
	ck_assert_uint_eq(a->end, 0x402000);
	ck_assert_uint_eq(a->prot, VM_PROT_READ | VM_PROT_EXEC);
	ck_assert(a->flags & VM_VMA_FILE);
	ck_assert_uint_eq(a->pgoff, 0);
	a = &p->vmas.v[1];
	ck_assert_uint_eq(a->start, 0x602000);
	ck_assert_uint_eq(a->end, 0x603000);
	ck_assert_uint_eq(a->pgoff, 2);
	ck_assert(!(a->flags & VM_VMA_SHARED));
	a = &p->vmas.v[2];
	ck_assert_uint_eq(a->start, 0x603000);
	ck_assert_uint_eq(a->end, 0x606000);
	ck_assert(a->flags & VM_VMA_ANON);
	ck_assert_uint_eq(a->prot, VM_PROT_READ | VM_PROT_WRITE);
	ck_assert(p->vmas.v[3].flags & VM_VMA_STACK);
	/* the code at the entry point is the file's */
	ck_assert_int_eq(vm_mem_read(m, p, 0x400080, b, 64), 64);
	ck_assert(!memcmp(b, img_buf + 0x80, 64));
	/* file bytes, then zeros to the page's end (padzero copied the
	 * page: the file keeps its bytes), then zeroed bss */
	ck_assert_int_eq(vm_mem_read(m, p, 0x602000, b, 0x1000), 0x1000);
	ck_assert(!memcmp(b + 0x100, img_buf + 0x2100, 0x200));
	for (int i = 0x300; i < 0x1000; i++)
		ck_assert_uint_eq(b[i], 0);
	ck_assert_uint_ne(img_buf[0x2300], 0);
	ck_assert_int_eq(vm_mem_read(m, p, 0x603000, b, 16), 16);
	ck_assert_uint_eq(b[0] | b[15], 0);
	/* the stack: argc 1, argv[0] = the path, the auxiliary vector */
	ck_assert_uint_eq(p->start_stack & 15, 0);
	ck_assert_uint_eq(load64(m, p, p->start_stack), 1);
	ck_assert_int_eq(vm_mem_read(m, p, load64(m, p, p->start_stack + 8), s,
				     12), 12);
	ck_assert_str_eq(s, "files/prog");
	ck_assert_uint_eq(aux(m, p, AT_ENTRY), 0x400080);
	ck_assert_uint_eq(aux(m, p, AT_PHDR), 0x400040);
	ck_assert_uint_eq(aux(m, p, AT_PHNUM), 2);
	ck_assert_uint_eq(aux(m, p, AT_PHENT), 56);
	ck_assert_uint_eq(aux(m, p, AT_PAGESZ), 4096);
	ck_assert_uint_eq(aux(m, p, AT_BASE), 0);
	ck_assert_uint_eq(aux(m, p, AT_EXECFN), VM_STACK_TOP - 8 - 11);
	ck_assert_int_eq(vm_mem_read(m, p, aux(m, p, AT_PLATFORM), s, 7), 7);
	ck_assert_str_eq(s, "x86_64");
	ck_assert_uint_eq(aux(m, p, AT_RANDOM) + 16, aux(m, p, AT_PLATFORM));
	ck_assert_uint_eq(p->layout.start_brk, 0x606000);
	ck_assert_uint_eq(p->layout.arg_start, VM_STACK_TOP - 8 - 22);
	vm_machine_destroy(m);
}
END_TEST

/* A refused file leaves the process as it was, with a reason. */
START_TEST(test_elf_exec_refused_keeps_process)
{
	struct vm_machine *m = exec_machine(512);
	struct vm_proc *p = t_spawn(m);
	struct vm_ctl_cmd cmd;
	char err[256];
	uint64_t v = 0x1234;

	t_map(m, p, 0x10000000, 4096, VM_PROT_READ | VM_PROT_WRITE);
	ck_assert_int_eq(vm_mem_write(m, p, 0x10000000, &v, 8), 8);
	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, std_segs, 2);
	img_buf[18] = 3; /* EM_386 */
	write_file("i386", img_buf, sizeof(img_buf));
	ck_assert_int_eq(vm_ctl_parse("exec i386", 9, VM_CTL_PROC, &cmd, err,
				      sizeof(err)), 0);
	ck_assert_int_eq(vm_ctl_exec(m, p, &cmd, NULL, err, sizeof(err)),
			 -ENOEXEC);
	ck_assert_str_eq(err, "exec: i386: not x86-64 (e_machine 3)");
	ck_assert_int_eq(ctl(m, p, "exec nothere"), -ENOENT);
	ck_assert_int_eq(ctl(m, p, "exec /etc/passwd"), -EINVAL);
	ck_assert_uint_eq(p->vmas.n, 2);
	ck_assert_str_eq(p->comm, "test");
	ck_assert_uint_eq(load64(m, p, 0x10000000), 0x1234);
	vm_machine_destroy(m);
}
END_TEST

/* Two processes exec'ing one file map the same text frame. */
START_TEST(test_elf_exec_shares_text)
{
	struct vm_machine *m = exec_machine(512);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	uint64_t a, b;

	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, std_segs, 2);
	write_file("prog", img_buf, sizeof(img_buf));
	ck_assert_int_eq(ctl(m, p, "exec prog"), 0);
	ck_assert_int_eq(ctl(m, q, "exec prog"), 0);
	ck_assert_int_eq(ctl(m, p, "touch 0x400080 1 x"), 0);
	ck_assert_int_eq(ctl(m, q, "touch 0x400080 1 x"), 0);
	a = t_pte(m, p, 0x400000);
	b = t_pte(m, q, 0x400000);
	ck_assert(a & VM_PTE_P);
	ck_assert_uint_eq(VM_PTE2PFN(a), VM_PTE2PFN(b));
	ck_assert_uint_eq(m->phys.mapcount[VM_PTE2PFN(a)], 2);
	/* the padzero'd data page is each one's own copy */
	ck_assert_uint_ne(VM_PTE2PFN(t_pte(m, p, 0x602000)),
			  VM_PTE2PFN(t_pte(m, q, 0x602000)));
	vm_machine_destroy(m);
}
END_TEST

/* Out of memory after the old space is gone: the process dies of
 * SIGSEGV, as past Linux's point of no return. */
START_TEST(test_elf_exec_enomem_kills)
{
	struct vm_machine *m = exec_machine(512);
	struct vm_proc *p = t_spawn(m);

	mk_elf(img_buf, sizeof(img_buf), 2, 0x400080, std_segs, 2);
	write_file("prog", img_buf, sizeof(img_buf));
	/* one data frame allowed, no swap: padzero's copy takes it, and
	 * the stack's first page finds no room */
	ck_assert_int_eq(vm_proc_set_limit(m, p, 1), 0);
	ck_assert_int_eq(ctl(m, p, "exec prog"), -ENOMEM);
	ck_assert_uint_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 11);
	ck_assert_msg(strstr(t_log_last, "killed (SIGSEGV)"), "%s", t_log_last);
	ck_assert_int_eq(ctl(m, p, "exec prog"), -ESRCH);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_elf(void)
{
	Suite *s = suite_create("elf");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_unchecked_fixture(errors, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_elf_parse_exec);
	tcase_add_test(core, test_elf_parse_dyn);
	tcase_add_test(core, test_elf_exec_layout);
	tcase_add_test(core, test_elf_exec_shares_text);
	tcase_add_test(errors, test_elf_parse_refused);
	tcase_add_test(errors, test_elf_exec_refused_keeps_process);
	tcase_add_test(errors, test_elf_exec_enomem_kills);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
