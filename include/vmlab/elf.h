/*
 * elf.h - loading an ELF64 x86-64 executable into a process, as Linux's
 * binfmt_elf does (exec PATH in PID/ctl).
 *
 * Two steps.  vm_elf_parse() reads and checks the headers (any reader: a
 * file of files/ through the page cache, or bytes in memory) and plans
 * the image: where each PT_LOAD goes, the entry point, AT_PHDR, brk.  It
 * changes nothing, so every refusal leaves the process as it was.
 * vm_elf_exec() then drops the old address space and builds the new one
 * from the plan: a private file mapping per segment, the tail of its
 * last file page zeroed, anonymous bss past it, a new [stack] holding
 * argv, envp and the auxiliary vector as the kernel lays them out.
 */
#ifndef VMLAB_ELF_H
#define VMLAB_ELF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm_machine;
struct vm_proc;

/* Linux's ELF_ET_DYN_BASE on x86-64 with randomization off: 2/3 of
 * DEFAULT_MAP_WINDOW (the first PT_LOAD's page goes to 0x555555554000). */
#define VM_ELF_ET_DYN_BASE (0x7ffffffff000ull / 3 * 2)
/* Linux's mmap_base with randomization off and an 8 MiB stack limit:
 * TASK_SIZE less the minimum gap of 128 MiB.  An ET_DYN with no
 * interpreter (a static PIE, a loader) goes top-down below it. */
#define VM_ELF_MMAP_BASE (0x7ffffffff000ull - (128ull << 20))
#define VM_ELF_MAX_LOADS 32	/* PT_LOAD segments an image may have */
#define VM_ELF_INTERP_MAX 4096	/* PATH_MAX, as Linux bounds PT_INTERP */

enum vm_elf_type {
	VM_ET_EXEC = 2,
	VM_ET_DYN = 3,
};

/* One PT_LOAD, load bias applied. */
struct vm_elf_seg {
	uint64_t vaddr, memsz;	/* p_vaddr + bias, p_memsz */
	uint64_t offset, filesz;
	unsigned prot;		/* enum vm_prot, from p_flags */
};

/* What vm_elf_parse() found and planned. */
struct vm_elf_image {
	int type;		/* enum vm_elf_type */
	uint64_t bias;		/* load bias: 0 for ET_EXEC */
	uint64_t entry;		/* e_entry + bias: AT_ENTRY */
	uint64_t phdr;		/* AT_PHDR: the program headers in memory,
				 * or 0 when no PT_LOAD holds them */
	unsigned phnum;		/* AT_PHNUM */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t brk;		/* start_brk: the image's end, page aligned */
	size_t nseg;
	struct vm_elf_seg seg[VM_ELF_MAX_LOADS];
	char interp[VM_ELF_INTERP_MAX]; /* PT_INTERP, "" if none */
};

/* Reads up to len bytes at off; returns the bytes read (short at the
 * end of the file) or -errno. */
typedef ssize_t (*vm_elf_read_fn)(void *ctx, void *buf, size_t len,
				  uint64_t off);

/*
 * Reads the ELF header and program headers of a file of size bytes and
 * plans its image under a user half ending at user_top.  Returns 0 with
 * *img filled, or, with why naming the fault:
 *   -ENOEXEC  not an ELF file, not ELFCLASS64, not little-endian, not
 *             ET_EXEC or ET_DYN, not x86-64, a bad e_phentsize or
 *             e_phnum, headers or PT_INTERP cut short by the file's end,
 *             no PT_LOAD, too many PT_LOADs;
 *   -EINVAL   a bad segment: p_filesz > p_memsz, p_offset and p_vaddr
 *             not congruent modulo the page size, file bytes past the
 *             file's end, segments out of order or overlapping, an image
 *             below the lowest mappable address or reaching the stack;
 *   or the reader's error.
 */
int vm_elf_parse(vm_elf_read_fn read, void *ctx, uint64_t size,
		 uint64_t user_top, struct vm_elf_image *img, char *why,
		 size_t whylen);

/*
 * exec PATH: loads files/PATH into p.  The file is checked first
 * (vm_elf_parse); a refusal leaves p as it was and returns its error
 * with err naming what is wrong.  Then p's old address space is dropped
 * and the image built; p is renamed after the file's last component (15
 * bytes) and a log line gives the load address, the entry point and the
 * interpreter.  A failure after the old space is gone (out of memory)
 * kills p with SIGSEGV, as Linux does past exec's point of no return,
 * and returns the error (-ENOMEM).  Other errors: those of
 * vm_file_open(), -ESRCH for a zombie.
 */
int vm_elf_exec(struct vm_machine *m, struct vm_proc *p, const char *path,
		char *err, size_t errlen);

#endif /* VMLAB_ELF_H */
