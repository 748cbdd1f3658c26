/*
 * test_pagecache.c - files as pager objects: read/write through the page
 * cache, shared and private file mappings, SIGBUS past the end,
 * truncation, write-back on msync and eviction, drop_caches.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"
#include "vmlab/exec.h"
#include "vmlab/pagecache.h"
#include "vmlab/probe.h"

#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x40000000ull

static char files_dir[128];

/* A machine whose files/ is t_state/files; swap when swap_pages > 0. */
static struct vm_machine *
file_machine(uint64_t frames, uint64_t limit, uint64_t swap_pages)
{
	struct vm_config c;

	snprintf(files_dir, sizeof(files_dir), "%s/files", t_state);
	mkdir(files_dir, 0700);
	vm_config_default(&c);
	c.frames = frames;
	c.user_limit = limit;
	c.swap_pages = swap_pages;
	c.state_dir = t_state;
	c.files_dir = files_dir;
	return t_machine_cfg(&c);
}

/* Makes files/name of pages pages, page i all 'A' + i, plus tail bytes. */
static void
make_file(const char *name, int pages, int tail)
{
	char path[256], page[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", files_dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < pages; i++) {
		memset(page, 'A' + i, sizeof(page));
		ck_assert_int_eq(write(fd, page, 4096), 4096);
	}
	memset(page, 't', sizeof(page));
	ck_assert_int_eq(write(fd, page, (size_t)tail), tail);
	close(fd);
}

/* The host file's byte at off, or -1 past its end. */
static int
host_byte(const char *name, off_t off)
{
	char path[256];
	unsigned char b;
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", files_dir, name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = (int)pread(fd, &b, 1, off);
	close(fd);
	return n == 1 ? b : -1;
}

static int
ctl(struct vm_machine *m, struct vm_proc *p, const char *line)
{
	struct vm_ctl_cmd cmd;
	char err[256];
	int rc = vm_ctl_parse(line, strlen(line), p ? VM_CTL_PROC
						    : VM_CTL_GLOBAL, &cmd, err,
			      sizeof(err));

	return rc ? rc : vm_ctl_exec(m, p, &cmd, NULL, err, sizeof(err));
}

static uint8_t
byte_at(struct vm_machine *m, struct vm_proc *p, uint64_t va)
{
	uint8_t b = 0;

	ck_assert_int_eq(vm_mem_read(m, p, va, &b, 1), 1);
	return b;
}

static void
poke(struct vm_machine *m, struct vm_proc *p, uint64_t va, uint8_t b)
{
	ck_assert_int_eq(vm_mem_write(m, p, va, &b, 1), 1);
}

START_TEST(test_pagecache_shared_mapping)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct vm_file *f;
	char buf[8];

	make_file("data", 3, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 12K rw- file=data shared"),
			 0);
	ck_assert_int_eq(ctl(m, q, "mmap 0x50000000 8K r-- file=data@4K "
				   "shared"), 0);
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096), 'B');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgmajfault], 1);
	/* q maps the same page: found in the cache, a minor fault */
	ck_assert_uint_eq(byte_at(m, q, 0x50000000), 'B');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgmajfault], 1);
	ck_assert_uint_eq(VM_PTE2PFN(t_pte(m, p, BASE + 4096)),
			  VM_PTE2PFN(t_pte(m, q, 0x50000000)));
	poke(m, p, BASE + 4096 + 5, 'z');
	ck_assert_uint_eq(byte_at(m, q, 0x50000000 + 5), 'z');
	f = p->vmas.v[0].file;
	ck_assert_int_eq(vm_file_read(m, f, buf, 8, 4096), 8);
	ck_assert_int_eq(buf[5], 'z');
	/* the host file has it only once written back */
	ck_assert_int_eq(host_byte("data", 4096 + 5), 'B');
	ck_assert_int_eq(ctl(m, p, "msync 0x40000000 12K"), 0);
	ck_assert_int_eq(host_byte("data", 4096 + 5), 'z');
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgout], 4);
	/* write(2) through the cache is seen by the mapping at once */
	ck_assert_int_eq(vm_file_write(m, f, "WW", 2, 8192), 2);
	ck_assert_uint_eq(byte_at(m, p, BASE + 8192), 'W');
	ck_assert_uint_eq(byte_at(m, q, 0x50001000), 'W');
	vm_machine_destroy(m);
	/* and the machine's end writes it back */
	ck_assert_int_eq(host_byte("data", 8192), 'W');
}
END_TEST

START_TEST(test_pagecache_private_mapping)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_file *f;

	make_file("data", 2, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 8K rw- file=data private"),
			 0);
	f = p->vmas.v[0].file;
	ck_assert_uint_eq(byte_at(m, p, BASE), 'A');
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096), 'B');
	ck_assert(t_pte(m, p, BASE) & VM_PTE_COW);
	ck_assert(!(t_pte(m, p, BASE) & VM_PTE_RW));
	/* a write copies the page: the file never sees it */
	poke(m, p, BASE, 'p');
	ck_assert_uint_eq(m->stats.v[VM_STAT_cow_break], 1);
	ck_assert_uint_eq(p->rss_anon, 1);
	ck_assert_uint_eq(p->rss_file, 1);
	/* a later write(2) shows in the page not yet written, only */
	ck_assert_int_eq(vm_file_write(m, f, "xx", 2, 0), 2);
	ck_assert_int_eq(vm_file_write(m, f, "yy", 2, 4096), 2);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'p');
	ck_assert_uint_eq(byte_at(m, p, BASE + 1), 'A');
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096), 'y');
	ck_assert_int_eq(ctl(m, p, "msync 0x40000000 8K"), 0);
	vm_machine_destroy(m);
	ck_assert_int_eq(host_byte("data", 0), 'x');
	ck_assert_int_eq(host_byte("data", 4096), 'y');
}
END_TEST

START_TEST(test_pagecache_sigbus_past_eof)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	uint8_t b;

	make_file("short", 1, 100);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 16K r-- file=short "
				   "shared"), 0);
	/* the partial last page reads zeros past the end */
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096 + 99), 't');
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096 + 100), 0);
	/* PID/mem past it: EIO for the reader, no one killed */
	ck_assert_int_eq(vm_mem_read(m, p, BASE + 8192, &b, 1), -EFAULT);
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	/* the process's own access: SIGBUS */
	ck_assert_int_eq(ctl(m, p, "touch 0x40002000 1 r"), 0);
	ck_assert_int_eq(p->state, VM_PROC_ZOMBIE);
	ck_assert_int_eq(p->exit_signal, 7);
	ck_assert_uint_eq(m->stats.v[VM_STAT_sigbus], 1);
	ck_assert_ptr_nonnull(strstr(t_log_last, "SIGBUS"));
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_truncate_unmaps)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m), *q = t_spawn(m);
	struct vm_file *f;

	make_file("data", 3, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 12K rw- file=data shared"),
			 0);
	ck_assert_int_eq(ctl(m, q, "mmap 0x40000000 12K rw- file=data "
				   "private"), 0);
	f = p->vmas.v[0].file;
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(byte_at(m, p, BASE + i * 4096ull), 'A' + i);
	poke(m, q, BASE + 8192, 'q');		/* a private copy */
	ck_assert_int_eq(vm_file_truncate(m, f, 4096 + 10), 0);
	ck_assert_uint_eq(t_pte(m, p, BASE + 8192), 0);
	ck_assert_uint_eq(t_pte(m, q, BASE + 8192), 0);
	ck_assert(t_pte(m, p, BASE + 4096) & VM_PTE_P);
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096 + 9), 'B');
	ck_assert_uint_eq(byte_at(m, p, BASE + 4096 + 10), 0);
	ck_assert_int_eq(host_byte("data", 4096 + 10), -1);
	ck_assert_int_eq(ctl(m, q, "touch 0x40002000 1 r"), 0);
	ck_assert_int_eq(q->exit_signal, 7);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_eviction_writes_back)
{
	/* 8 resident user pages; 32 dirty shared file pages go round them */
	struct vm_machine *m = file_machine(256, 8, 64);
	struct vm_proc *p = t_spawn(m);

	make_file("big", 32, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 128K rw- file=big shared"),
			 0);
	for (int i = 0; i < 32; i++)
		poke(m, p, BASE + i * 4096ull, 'a' + i % 26);
	ck_assert_uint_le(m->user_pages, 8);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 0);
	ck_assert_uint_ge(m->stats.v[VM_STAT_pgsteal_file], 24);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgout],
			  4 * m->stats.v[VM_STAT_pgsteal_file]);
	ck_assert_int_eq(host_byte("big", 0), 'a');
	ck_assert_uint_eq(byte_at(m, p, BASE), 'a');
	vm_machine_destroy(m);
	for (int i = 0; i < 32; i++)
		ck_assert_int_eq(host_byte("big", i * 4096), 'a' + i % 26);
}
END_TEST

START_TEST(test_pagecache_drop_caches)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_file *f;
	char buf[4096 * 4];

	make_file("data", 4, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=data shared"),
			 0);
	f = p->vmas.v[0].file;
	ck_assert_int_eq(vm_file_read(m, f, buf, sizeof(buf), 0), 4 * 4096);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgin], 16);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'A');	/* mapped: stays */
	ck_assert_int_eq(vm_file_write(m, f, "d", 1, 8192), 1); /* dirty */
	ck_assert_uint_eq(m->phys.count[VM_FRAME_FILE], 4);
	ck_assert_int_eq(ctl(m, NULL, "drop_caches"), 0);
	ck_assert_uint_eq(m->phys.count[VM_FRAME_FILE], 2);
	ck_assert_ptr_nonnull(strstr(t_log_last, "2 page-cache pages"));
	ck_assert_int_eq(vm_file_read(m, f, buf, 1, 4096), 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgin], 20);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_write_grows_file)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_file *f;
	char buf[16];

	make_file("empty", 0, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 8K rw- file=empty shared"),
			 0);
	f = p->vmas.v[0].file;
	ck_assert_int_eq(vm_file_write(m, f, "hi", 2, 5000), 2);
	ck_assert_uint_eq(f->size, 5002);
	ck_assert_int_eq(vm_file_read(m, f, buf, sizeof(buf), 4990), 12);
	ck_assert_int_eq(buf[0], 0);
	ck_assert_int_eq(buf[10], 'h');
	ck_assert_uint_eq(byte_at(m, p, BASE + 5001), 'i');
	ck_assert_uint_eq(byte_at(m, p, BASE), 0);
	ck_assert_int_eq(vm_file_sync(m, f), 0);
	ck_assert_int_eq(host_byte("empty", 5001), 'i');
	ck_assert_int_eq(host_byte("empty", 5002), -1);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_msync_unfaulted)
{
	/* msync writes the file range back, also pages this process never
	 * faulted in (dirtied by write(2)), as vfs_fsync_range does */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_file *f;

	make_file("data", 4, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 8K rw- file=data@4K "
				   "shared"), 0);
	f = p->vmas.v[0].file;
	ck_assert_int_eq(vm_file_write(m, f, "in", 2, 8192), 2);  /* mapped */
	ck_assert_int_eq(vm_file_write(m, f, "out", 3, 12288), 3); /* not */
	ck_assert_uint_eq(t_pte(m, p, BASE + 4096), 0);
	ck_assert_int_eq(ctl(m, p, "msync 0x40000000 8K"), 0);
	ck_assert_int_eq(host_byte("data", 8192), 'i');
	ck_assert_int_eq(host_byte("data", 12288), 'D'); /* outside: dirty */
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgout], 4);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_populate_past_eof)
{
	/* MAP_POPULATE and WILLNEED go as far as the file goes */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_xlate x;

	make_file("data", 2, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 16K r-- file=data shared "
				   "populate"), 0);
	ck_assert(t_pte(m, p, BASE) & VM_PTE_P);
	ck_assert(t_pte(m, p, BASE + 4096) & VM_PTE_P);
	ck_assert_uint_eq(t_pte(m, p, BASE + 8192), 0);
	ck_assert_int_eq(ctl(m, p, "madvise 0x40000000 16K willneed"), 0);
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	/* translate/ says what an access would do */
	ck_assert_int_eq(vm_probe_translate(m, p, BASE + 8192, &x), 0);
	ck_assert_int_eq(x.result, VM_XLATE_NOTPRESENT);
	ck_assert_int_eq(x.fill, VM_XLATE_EOF);
	ck_assert_int_eq(ctl(m, p, "madvise 0x40000000 4K dontneed"), 0);
	ck_assert_int_eq(vm_probe_translate(m, p, BASE, &x), 0);
	ck_assert_int_eq(x.fill, VM_XLATE_CACHED);
	ck_assert_int_eq(ctl(m, NULL, "drop_caches"), 0);
	ck_assert_int_eq(vm_probe_translate(m, p, BASE, &x), 0);
	ck_assert_int_eq(x.fill, VM_XLATE_READ);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_populate_stops_at_eof)
{
	/* MAP_POPULATE and WILLNEED fault in what there is of the file and
	 * stop at its end, as Linux's populate ignores the rest */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .addr = BASE, .len = 4 * 4096,
				 .prot = VM_PROT_READ,
				 .flags = VM_MAP_FIXED | VM_MAP_SHARED |
					  VM_MAP_POPULATE };
	uint64_t at;

	make_file("short", 1, 100);
	ck_assert_int_eq(vm_file_open(m, "short", &r.file), 0);
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert(t_pte(m, p, BASE) & VM_PTE_P);
	ck_assert(t_pte(m, p, BASE + 4096) & VM_PTE_P);
	ck_assert_uint_eq(t_pte(m, p, BASE + 8192), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4 * 4096, VM_ADV_DONTNEED), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4 * 4096, VM_ADV_WILLNEED), 0);
	ck_assert(t_pte(m, p, BASE + 4096) & VM_PTE_P);
	ck_assert_int_eq(p->state, VM_PROC_RUNNING);
	vm_file_put(r.file);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_read_only_host_file)
{
	/* a file the host lets the machine only read: no shared writable
	 * mapping, now or by mprotect (EACCES, as Linux) */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .addr = BASE, .len = 4096,
				 .prot = VM_PROT_READ,
				 .flags = VM_MAP_FIXED | VM_MAP_SHARED };
	char path[256];
	uint64_t at;
	int fd;

	make_file("ro", 1, 0);
	snprintf(path, sizeof(path), "%s/ro", files_dir);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(vm_file_adopt(m, fd, "ro", &r.file), 0);
	close(fd);
	ck_assert(r.file->rdonly);
	r.prot = VM_PROT_READ | VM_PROT_WRITE;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), -EACCES);
	r.prot = VM_PROT_READ;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_int_eq(vm_mprotect(m, p, BASE, 4096, RW), -EACCES);
	ck_assert_int_eq(vm_file_write(m, r.file, "x", 1, 0), -EBADF);
	/* a private mapping may be written: its copies never reach the file */
	r.addr = BASE + 4096;
	r.flags = VM_MAP_FIXED;
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_int_eq(vm_mprotect(m, p, BASE + 4096, 4096, RW), 0);
	poke(m, p, BASE + 4096, 'w');
	vm_file_put(r.file);
	vm_machine_destroy(m);
	ck_assert_int_eq(host_byte("ro", 0), 'A');
}
END_TEST

START_TEST(test_pagecache_grow_zeroes_past_old_end)
{
	/* bytes stored through a mapping past the end never show in the
	 * file, not even after it grows over them */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_file *f;
	char buf[8];

	make_file("tail", 0, 5);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K rw- file=tail shared"),
			 0);
	f = p->vmas.v[0].file;
	poke(m, p, BASE + 100, 'G');
	ck_assert_int_eq(ctl(m, p, "msync 0x40000000 4K"), 0);
	ck_assert_int_eq(vm_file_write(m, f, "end", 3, 200), 3);
	ck_assert_int_eq(vm_file_read(m, f, buf, 1, 100), 1);
	ck_assert_int_eq(buf[0], 0);
	ck_assert_uint_eq(byte_at(m, p, BASE + 100), 0);
	poke(m, p, BASE + 300, 'H');
	ck_assert_int_eq(vm_file_truncate(m, f, 400), 0);
	ck_assert_int_eq(vm_file_read(m, f, buf, 1, 300), 1);
	ck_assert_int_eq(buf[0], 0);
	vm_machine_destroy(m);
	ck_assert_int_eq(host_byte("tail", 100), 0);
}
END_TEST

START_TEST(test_pagecache_fifo_never_opened)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	char path[256];

	snprintf(path, sizeof(path), "%s/fifo", files_dir);
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=fifo shared"),
			 -ENODEV);
	ck_assert_ptr_null(m->files);
	vm_machine_destroy(m);
}
END_TEST

/* Pages cached out of order, and another file's pages between them with
 * the same indexes: reads find each page (the frame after the previous
 * page's is only a guess), copied or pinned. */
START_TEST(test_pagecache_read_order)
{
	static const int order[][2] = { { 0, 2 }, { 0, 0 }, { 1, 1 },
					{ 0, 1 }, { 1, 0 }, { 1, 2 } };
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_file *f[2];
	struct vm_mem_span sp[3];
	char buf[3 * 4096], one;
	size_t n;

	make_file("x", 3, 0);
	make_file("y", 3, 0);
	ck_assert_int_eq(vm_file_open(m, "x", &f[0]), 0);
	ck_assert_int_eq(vm_file_open(m, "y", &f[1]), 0);
	/* x2, x0, y1, x1, y0, y2: x0 is followed by y1, x1 by y0 */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		ck_assert_int_eq(vm_file_read(m, f[order[i][0]], &one, 1,
					      (uint64_t)order[i][1] * 4096),
				 1);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgin], 6 * 4);
	for (int k = 0; k < 2; k++) {
		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(vm_file_read(m, f[k], buf, sizeof(buf), 0),
				 3 * 4096);
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq(buf[i * 4096 + 4095], 'A' + i);
		ck_assert_int_eq(vm_file_pin_read(m, f[k], 100, 2 * 4096, sp,
						  &n), 2 * 4096);
		ck_assert_uint_eq(n, 3);
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(*(char *)sp[i].ptr, 'A' + (int)i);
		ck_assert_uint_eq(sp[0].len + sp[1].len + sp[2].len, 2 * 4096);
		vm_mem_unpin(m, sp, n);
	}
	ck_assert_uint_eq(m->stats.v[VM_STAT_pgpgin], 6 * 4); /* all cached */
	vm_file_put(f[0]);
	vm_file_put(f[1]);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_populated_copy_kept)
{
	/* a writable private mapping populated holds copies: they are the
	 * process's own bytes, kept through eviction, blind to write(2) */
	struct vm_machine *m = file_machine(256, 0, 64);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .addr = BASE, .len = 4096,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED | VM_MAP_POPULATE };
	uint64_t at;

	make_file("data", 1, 0);
	ck_assert_int_eq(vm_file_open(m, "data", &r.file), 0);
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_uint_eq(p->rss_anon, 1);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_PAGEOUT), 0);
	ck_assert_uint_eq(m->stats.v[VM_STAT_pswpout], 1);
	ck_assert_int_eq(vm_file_write(m, r.file, "x", 1, 0), 1);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'A');
	vm_file_put(r.file);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_willneed_copies_nothing)
{
	/* advice changes no byte: WILLNEED reads a writable private page
	 * in, it does not copy it, so the file's later bytes show */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_mmap_req r = { .addr = BASE, .len = 4096,
				 .prot = VM_PROT_READ | VM_PROT_WRITE,
				 .flags = VM_MAP_FIXED };
	uint64_t at;

	make_file("data", 1, 0);
	ck_assert_int_eq(vm_file_open(m, "data", &r.file), 0);
	ck_assert_int_eq(vm_mmap(m, p, &r, &at), 0);
	ck_assert_int_eq(vm_madvise(m, p, BASE, 4096, VM_ADV_WILLNEED), 0);
	ck_assert(t_pte(m, p, BASE) & VM_PTE_COW);
	ck_assert_uint_eq(p->rss_anon, 0);
	ck_assert_int_eq(vm_file_write(m, r.file, "x", 1, 0), 1);
	ck_assert_uint_eq(byte_at(m, p, BASE), 'x');
	vm_file_put(r.file);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_grow_zeroes_tail)
{
	/* a store through a shared mapping past the end of the last page
	 * is no part of the file: growing it, by write(2) or truncate,
	 * shows zeros there */
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	struct vm_file *f;
	char b = 1;

	make_file("short", 0, 100);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K rw- file=short shared"),
			 0);
	f = p->vmas.v[0].file;
	poke(m, p, BASE + 200, 'j');		/* past the end, same page */
	ck_assert_int_eq(vm_file_write(m, f, "w", 1, 300), 1);
	ck_assert_int_eq(vm_file_read(m, f, &b, 1, 200), 1);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(vm_file_truncate(m, f, 100), 0);
	poke(m, p, BASE + 200, 'j');
	ck_assert_int_eq(vm_file_truncate(m, f, 4096), 0);
	ck_assert_int_eq(vm_file_read(m, f, &b, 1, 200), 1);
	ck_assert_int_eq(b, 0);
	vm_machine_destroy(m);
}
END_TEST

START_TEST(test_pagecache_errors)
{
	struct vm_machine *m = file_machine(256, 0, 0);
	struct vm_proc *p = t_spawn(m);
	char path[256];

	make_file("data", 1, 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=nope shared"),
			 -ENOENT);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=../x shared"),
			 -EACCES);
	snprintf(path, sizeof(path), "%s/link", files_dir);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=link shared"),
			 -ELOOP);
	snprintf(path, sizeof(path), "%s/dir", files_dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=dir shared"),
			 -EISDIR);
	ck_assert_int_eq(ctl(m, p, "mmap 0x40000000 4K r-- file=data@1 shared"),
			 -EINVAL);
	/* none of those left a region or an object behind */
	ck_assert_uint_eq(p->vmas.n, 1);
	vm_pagecache_drop(m);
	ck_assert_ptr_null(m->files);
	vm_machine_destroy(m);
}
END_TEST

Suite *
suite_pagecache(void)
{
	Suite *s = suite_create("pagecache");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_unchecked_fixture(core, t_state_setup, t_state_teardown);
	tcase_add_unchecked_fixture(errors, t_state_setup, t_state_teardown);
	tcase_add_test(core, test_pagecache_shared_mapping);
	tcase_add_test(core, test_pagecache_private_mapping);
	tcase_add_test(core, test_pagecache_sigbus_past_eof);
	tcase_add_test(core, test_pagecache_truncate_unmaps);
	tcase_add_test(core, test_pagecache_eviction_writes_back);
	tcase_add_test(core, test_pagecache_drop_caches);
	tcase_add_test(core, test_pagecache_write_grows_file);
	tcase_add_test(core, test_pagecache_msync_unfaulted);
	tcase_add_test(core, test_pagecache_populate_past_eof);
	tcase_add_test(core, test_pagecache_grow_zeroes_past_old_end);
	tcase_add_test(errors, test_pagecache_read_only_host_file);
	tcase_add_test(errors, test_pagecache_fifo_never_opened);
	tcase_add_test(core, test_pagecache_read_order);
	tcase_add_test(core, test_pagecache_populate_stops_at_eof);
	tcase_add_test(core, test_pagecache_populated_copy_kept);
	tcase_add_test(core, test_pagecache_willneed_copies_nothing);
	tcase_add_test(core, test_pagecache_grow_zeroes_tail);
	tcase_add_test(errors, test_pagecache_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
