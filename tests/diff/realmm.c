/*
 * realmm.c - runs a memory scenario against this machine's real kernel and
 * prints its transcript; tests/diff/labmm.sh runs the same scenario through
 * a mounted lab, and tests/diff/run.sh wants the two transcripts identical.
 *
 *	realmm SCENARIO		run it with real mmap, fork and files
 *	realmm -n SCENARIO	print it parsed, one command a line, for labmm.sh
 *	realmm -p SIZE		print SIZE bytes of the file pattern
 *
 * The scenario language (tests/diff/run.sh repeats it for the reader).
 * One command a line; words separated by blanks; a word starting with '#'
 * starts a comment.  Numbers are decimal or 0x hex, with an optional
 * suffix p (4096), K or M.  BYTES is a double-quoted string with escapes
 * \\ \" \n \t \0 \xHH.  P and Q name processes ([A-Za-z][A-Za-z0-9_]*,
 * 15 bytes at most), NAME a file ([A-Za-z0-9_][A-Za-z0-9_.-]*).  ADDR, LEN
 * of map, munmap, mprotect, msync and OFF of file= are page-aligned.
 *
 *	file NAME SIZE		create the file, SIZE bytes of the pattern:
 *				byte i is 'a' + (i / 4096) % 26
 *	proc P			a new process
 *	map P ADDR LEN PROT anon|file=NAME[@OFF] [shared|private]
 *				mmap at ADDR; PROT like rw-; private if
 *				neither is given
 *	munmap P ADDR LEN	mprotect P ADDR LEN PROT	msync P ADDR LEN
 *	store P ADDR BYTES	P's own stores, byte by byte, in order
 *	load P ADDR LEN		P's own loads; the bytes go in the transcript
 *	fork P Q		P forks; Q is its child
 *	exit P			P exits
 *	fwrite NAME OFF BYTES	write(2) to the file at OFF
 *	fread NAME OFF LEN	read(2) from the file at OFF, up to LEN bytes
 *	truncate NAME SIZE	ftruncate(2)
 *
 * After the last line every living process exits (an "exit" line each, in
 * the order they were made) and every file is read whole: "end NAME".
 *
 * The transcript: one line a command, its canonical text (numbers in hex,
 * bytes quoted), ": " and the outcome: "ok", an error text (strerror's),
 * or for load, fread and end a byte count and then the bytes as rows
 * "  ADDRESS  hh hh ...  |text|", 16 bytes a row; a run of rows equal to
 * the row before shows as one "  *" (the last row is always shown).
 * Loads and stores go byte by byte in address order and stop at a fault:
 * the outcome is then "N bytes, SIGBUS at 0xADDR" (or SIGSEGV), N the
 * bytes moved before the faulting one at ADDR, followed for a load by the
 * rows of those N bytes.  Here the signal is caught and the process lives
 * on; the lab side reports the same word for the access its PID/mem
 * refuses with EIO, the process living on there too (see labmm.sh).
 *
 * Keep scenarios to what both sides define: a map takes a range nothing
 * is mapped at (MAP_FIXED_NOREPLACE here); no loads from -w- memory (x86
 * lets them through, the lab refuses them); no stores past the end of a
 * file into its last page (what the kernel keeps of them is the file
 * system's business).
 *
 * How it runs: the file lives in a mkdtemp() directory.  Each scenario
 * process is a real process, the first of each "proc" forked from this
 * driver, the rest by fork(2) in their parent.  The driver sends each
 * command (its index in the parsed scenario, which every process has a
 * copy of) over a socket pair and reads back the transcript text; "fork"
 * carries the child's end of a new socket pair (SCM_RIGHTS).  fwrite,
 * fread, truncate and end are the driver's pwrite, pread, ftruncate.
 *
 * Exit status: 0 after a run (whatever the transcript says), 1 when the
 * machine failed us, 2 for a bad scenario, 77 when pages are not 4 KiB.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17; older: a hint, checked */
#endif

#define PAGE 4096u
#define NAME_MAX_LEN 15	       /* process names, as the lab's spawn NAME */
#define FILE_MAX_LEN 64	       /* file names */
#define ACCESS_MAX (1u << 20)  /* bytes one load or store may move */
#define FREAD_MAX (16u << 20)  /* bytes one fread or end may move */
#define MAX_TOKS 8
#define RUN_SECONDS 120	       /* a hung run is killed by SIGALRM */

enum op {
	OP_FILE,
	OP_PROC,
	OP_MAP,
	OP_MUNMAP,
	OP_MPROTECT,
	OP_MSYNC,
	OP_STORE,
	OP_LOAD,
	OP_FORK,
	OP_EXIT,
	OP_FWRITE,
	OP_FREAD,
	OP_TRUNCATE,
	OP_END,
};

/* One parsed command; which members an op uses: parse_line() and below. */
struct cmd {
	enum op op;
	int proc;	     /* index into procs[], or -1 */
	int proc2;	     /* fork: the child's index */
	int file;	     /* index into files[], or -1 */
	uint64_t addr;	     /* ADDR, or OFF of fwrite/fread */
	uint64_t len;	     /* LEN, or SIZE of file/truncate */
	uint64_t off;	     /* map: file offset */
	int prot;	     /* PROT_* */
	int anon, shared;    /* map */
	unsigned char *data; /* store, fwrite */
	size_t dlen;
	char *canon;	     /* the canonical text */
};

struct proc {
	char name[NAME_MAX_LEN + 1];
	int chan;  /* driver: its socket end, or -1 when gone */
	pid_t pid; /* driver: the pid when the driver forked it, else 0 */
};

struct file {
	char name[FILE_MAX_LEN + 1];
	char *path; /* driver: path in the temporary directory */
	int fd;	    /* driver: open O_RDWR */
};

/* A growing string: the transcript text of one command. */
struct text {
	char *s;
	size_t len, cap;
};

static struct cmd *cmds;
static size_t ncmds;
static struct proc procs[64];
static size_t nprocs;
static struct file files[16];
static size_t nfiles;
static char tmpdir[256];

static sigjmp_buf fault_env;

static void __attribute__((noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("realmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
			      t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if (t->s && t->len + (size_t)n < t->cap)
			break;
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
	t->len += (size_t)n;
}

/* ---- the transcript's formats ------------------------------------- */

/* Appends BYTES as the scenario writes it: "..." with escapes. */
static void
text_quoted(struct text *t, const unsigned char *b, size_t n)
{
	size_t i;

	text_printf(t, "\"");
	for (i = 0; i < n; i++) {
		if (b[i] == '"' || b[i] == '\\')
			text_printf(t, "\\%c", b[i]);
		else if (b[i] >= 0x20 && b[i] < 0x7f)
			text_printf(t, "%c", b[i]);
		else
			text_printf(t, "\\x%02x", b[i]);
	}
	text_printf(t, "\"");
}

/* Appends one row: address, up to 16 bytes in hex, then as text. */
static void
text_row(struct text *t, uint64_t at, const unsigned char *b, size_t n)
{
	char hex[16 * 3 + 1], asc[17];
	size_t i, h = 0;

	hex[0] = '\0';
	for (i = 0; i < n; i++) {
		h += (size_t)snprintf(hex + h, sizeof(hex) - h, "%s%02x",
				      i ? " " : "", b[i]);
		asc[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	}
	asc[n] = '\0';
	text_printf(t, "  %08" PRIx64 "  %-47s  |%s|\n", at, hex, asc);
}

/*
 * Appends the rows of n bytes that start at address base: 16 a row; a run
 * of rows equal to the row before them shows as a single "  *", but the
 * last row is always shown, so the dump ends where the bytes end.
 */
static void
text_dump(struct text *t, uint64_t base, const unsigned char *b, size_t n)
{
	size_t i, k;
	int starred = 0;

	for (i = 0; i < n; i += 16) {
		k = n - i < 16 ? n - i : 16;
		if (i > 0 && i + 16 < n &&
		    memcmp(b + i, b + i - 16, 16) == 0) {
			if (!starred)
				text_printf(t, "  *\n");
			starred = 1;
			continue;
		}
		starred = 0;
		text_row(t, base + i, b + i, k);
	}
}

/* ": N bytes[, SIGxxx at 0xA]" and the rows of a load, fread or end. */
static void
text_bytes(struct text *t, uint64_t base, const unsigned char *b, size_t n,
	   int sig)
{
	text_printf(t, ": %zu bytes", n);
	if (sig)
		text_printf(t, ", %s at 0x%" PRIx64,
			    sig == SIGBUS ? "SIGBUS" : "SIGSEGV", base + n);
	text_printf(t, "\n");
	text_dump(t, base, b, n);
}

/* ---- parsing -------------------------------------------------------- */

struct tok {
	char *s; /* NUL-terminated; a quoted string is decoded in place */
	size_t n;
	int quoted;
};

struct parser {
	const char *path;
	int line;
	char err[160];
	char *alive; /* alive[i]: procs[i] exists at this line */
};

static int
perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, sizeof(ps->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the quoted string at *pp (past its '"') in place. */
static int
tok_quoted(struct parser *ps, char **pp, struct tok *t)
{
	char *r = *pp, *w = *pp;
	int hi, lo;

	t->s = w;
	t->quoted = 1;
	for (;; r++) {
		if (*r == '\0')
			return perr(ps, "unterminated string");
		if (*r == '"')
			break;
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		switch (*++r) {
		case '\\': *w++ = '\\'; break;
		case '"': *w++ = '"'; break;
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case '0': *w++ = '\0'; break;
		case 'x':
			hi = hexval(r[1]);
			lo = hi < 0 ? -1 : hexval(r[2]);
			if (lo < 0)
				return perr(ps, "bad \\x escape");
			*w++ = (char)(hi * 16 + lo);
			r += 2;
			break;
		default:
			return perr(ps, "bad escape '\\%c'", *r ? *r : '0');
		}
	}
	t->n = (size_t)(w - t->s);
	r++;
	if (*r && !isspace((unsigned char)*r))
		return perr(ps, "no blank after a string");
	*pp = r;
	return 0;
}

/* Splits a line into at most MAX_TOKS words; returns the count or -1. */
static int
tokenize(struct parser *ps, char *p, struct tok *tv)
{
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		if (n == MAX_TOKS)
			return perr(ps, "too many words");
		if (*p == '"') {
			p++;
			if (tok_quoted(ps, &p, &tv[n]))
				return -1;
		} else {
			tv[n].s = p;
			tv[n].quoted = 0;
			while (*p && !isspace((unsigned char)*p))
				p++;
			tv[n].n = (size_t)(p - tv[n].s);
		}
		if (*p)
			*p++ = '\0';
		n++;
		if (tv[n - 1].quoted)
			tv[n - 1].s[tv[n - 1].n] = '\0';
	}
}

/* Parses decimal or 0x hex with an optional suffix p, K or M. */
static int
parse_num(struct parser *ps, const struct tok *t, uint64_t *v)
{
	const char *s = t->s;
	char *end;
	uint64_t mul = 1;

	if (t->quoted || !isdigit((unsigned char)s[0]))
		return perr(ps, "bad number '%s'", s);
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		*v = strtoull(s + 2, &end, 16);
	else
		*v = strtoull(s, &end, 10);
	if (errno || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		      end == s + 2))
		return perr(ps, "bad number '%s'", s);
	if (*end == 'p')
		mul = PAGE;
	else if (*end == 'K')
		mul = 1024;
	else if (*end == 'M')
		mul = 1024 * 1024;
	if (mul != 1)
		end++;
	if (*end != '\0' || *v > UINT64_MAX / mul)
		return perr(ps, "bad number '%s'", s);
	*v *= mul;
	return 0;
}

static int
parse_prot(struct parser *ps, const struct tok *t, int *prot)
{
	const char *s = t->s;

	if (t->n != 3 || (s[0] != 'r' && s[0] != '-') ||
	    (s[1] != 'w' && s[1] != '-') || (s[2] != 'x' && s[2] != '-'))
		return perr(ps, "bad protection '%s' (like rw-)", s);
	*prot = (s[0] == 'r' ? PROT_READ : 0) |
		(s[1] == 'w' ? PROT_WRITE : 0) | (s[2] == 'x' ? PROT_EXEC : 0);
	return 0;
}

static int
name_ok(const char *s, size_t n, size_t max, int proc)
{
	size_t i;

	if (n == 0 || n > max)
		return 0;
	if (proc ? !isalpha((unsigned char)s[0])
		 : !isalnum((unsigned char)s[0]) && s[0] != '_')
		return 0;
	for (i = 1; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    (proc || (s[i] != '.' && s[i] != '-')))
			return 0;
	}
	return 1;
}

static int
find_proc(const char *s)
{
	size_t i;

	for (i = 0; i < nprocs; i++)
		if (strcmp(procs[i].name, s) == 0)
			return (int)i;
	return -1;
}

static int
find_file(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < nfiles; i++)
		if (strlen(files[i].name) == n &&
		    memcmp(files[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

/* A process that exists now, named by t. */
static int
parse_live_proc(struct parser *ps, const struct tok *t, int *idx)
{
	*idx = find_proc(t->s);
	if (*idx < 0)
		return perr(ps, "no process '%s'", t->s);
	if (!ps->alive[*idx])
		return perr(ps, "process '%s' has exited", t->s);
	return 0;
}

/* A new process named by t. */
static int
parse_new_proc(struct parser *ps, const struct tok *t, int *idx)
{
	if (t->quoted || !name_ok(t->s, t->n, NAME_MAX_LEN, 1))
		return perr(ps, "bad process name '%s'", t->s);
	if (find_proc(t->s) >= 0)
		return perr(ps, "process '%s' named twice", t->s);
	if (nprocs == sizeof(procs) / sizeof(procs[0]))
		return perr(ps, "too many processes");
	*idx = (int)nprocs;
	snprintf(procs[nprocs].name, sizeof(procs[0].name), "%s", t->s);
	procs[nprocs].chan = -1;
	ps->alive[nprocs++] = 1;
	return 0;
}

static int
parse_file_ref(struct parser *ps, const struct tok *t, int *idx)
{
	*idx = find_file(t->s, t->n);
	return *idx < 0 ? perr(ps, "no file '%s'", t->s) : 0;
}

static int
parse_bytes(struct parser *ps, const struct tok *t, struct cmd *c)
{
	if (!t->quoted)
		return perr(ps, "bytes must be a \"quoted string\"");
	if (t->n == 0 || t->n > ACCESS_MAX)
		return perr(ps, "a string of 1 to %u bytes", ACCESS_MAX);
	c->data = xrealloc(NULL, t->n);
	memcpy(c->data, t->s, t->n);
	c->dlen = t->n;
	return 0;
}

/* Reads ADDR LEN at tv[0], tv[1]; aligned asks for page alignment. */
static int
parse_range(struct parser *ps, const struct tok *tv, struct cmd *c,
	    int aligned, uint64_t max)
{
	if (parse_num(ps, &tv[0], &c->addr) || parse_num(ps, &tv[1], &c->len))
		return -1;
	if (c->len == 0 || c->len > max || c->addr + c->len < c->addr)
		return perr(ps, "bad length '%s'", tv[1].s);
	if (aligned && (c->addr % PAGE || c->len % PAGE))
		return perr(ps, "address and length must be page-aligned");
	return 0;
}

/* map P ADDR LEN PROT anon|file=NAME[@OFF] [shared|private] */
static int
parse_map(struct parser *ps, struct tok *tv, int n, struct cmd *c)
{
	char *at;

	if (n < 6 || n > 7)
		return perr(ps, "usage: map P ADDR LEN PROT anon|file=NAME[@OFF]"
			    " [shared|private]");
	if (parse_range(ps, tv + 2, c, 1, UINT64_MAX) ||
	    parse_prot(ps, &tv[4], &c->prot))
		return -1;
	if (strcmp(tv[5].s, "anon") == 0) {
		c->anon = 1;
	} else if (strncmp(tv[5].s, "file=", 5) == 0) {
		at = strchr(tv[5].s + 5, '@');
		c->file = find_file(tv[5].s + 5, at ? (size_t)(at - tv[5].s - 5)
						    : tv[5].n - 5);
		if (c->file < 0)
			return perr(ps, "no file in '%s'", tv[5].s);
		if (at) {
			struct tok o = { at + 1, strlen(at + 1), 0 };

			if (parse_num(ps, &o, &c->off))
				return -1;
			if (c->off % PAGE)
				return perr(ps, "file offset not page-aligned");
		}
	} else {
		return perr(ps, "'anon' or 'file=NAME[@OFF]', not '%s'",
			    tv[5].s);
	}
	if (n == 7 && strcmp(tv[6].s, "shared") == 0)
		c->shared = 1;
	else if (n == 7 && strcmp(tv[6].s, "private") != 0)
		return perr(ps, "'shared' or 'private', not '%s'", tv[6].s);
	return 0;
}

/* The commands naming a process first: P is tv[1]. */
static int
parse_proc_cmd(struct parser *ps, struct tok *tv, int n, struct cmd *c)
{
	static const int nargs[] = {
		[OP_MUNMAP] = 4, [OP_MPROTECT] = 5, [OP_MSYNC] = 4,
		[OP_STORE] = 4, [OP_LOAD] = 4, [OP_FORK] = 3, [OP_EXIT] = 2,
	};

	if (n < 2 || parse_live_proc(ps, &tv[1], &c->proc))
		return n < 2 ? perr(ps, "no process named") : -1;
	if (c->op == OP_MAP)
		return parse_map(ps, tv, n, c);
	if (n != nargs[c->op])
		return perr(ps, "%s takes %d words", tv[0].s, nargs[c->op] - 1);
	switch (c->op) {
	case OP_MUNMAP:
	case OP_MSYNC:
		return parse_range(ps, tv + 2, c, 1, UINT64_MAX);
	case OP_MPROTECT:
		return parse_range(ps, tv + 2, c, 1, UINT64_MAX) ||
		       parse_prot(ps, &tv[4], &c->prot);
	case OP_STORE:
		if (parse_num(ps, &tv[2], &c->addr) ||
		    parse_bytes(ps, &tv[3], c))
			return -1;
		c->len = c->dlen;
		return 0;
	case OP_LOAD:
		return parse_range(ps, tv + 2, c, 0, ACCESS_MAX);
	case OP_FORK:
		return parse_new_proc(ps, &tv[2], &c->proc2);
	default: /* OP_EXIT */
		ps->alive[c->proc] = 0;
		return 0;
	}
}

/* file, fwrite, fread, truncate: NAME is tv[1]. */
static int
parse_file_cmd(struct parser *ps, struct tok *tv, int n, struct cmd *c)
{
	if (n != (c->op == OP_FWRITE || c->op == OP_FREAD ? 4 : 3))
		return perr(ps, "wrong number of words for %s", tv[0].s);
	if (c->op == OP_FILE) {
		if (tv[1].quoted ||
		    !name_ok(tv[1].s, tv[1].n, FILE_MAX_LEN, 0))
			return perr(ps, "bad file name '%s'", tv[1].s);
		if (find_file(tv[1].s, tv[1].n) >= 0)
			return perr(ps, "file '%s' made twice", tv[1].s);
		if (nfiles == sizeof(files) / sizeof(files[0]))
			return perr(ps, "too many files");
		c->file = (int)nfiles;
		snprintf(files[nfiles++].name, FILE_MAX_LEN + 1, "%s",
			 tv[1].s);
		files[c->file].fd = -1;
	} else if (parse_file_ref(ps, &tv[1], &c->file)) {
		return -1;
	}
	switch (c->op) {
	case OP_FILE:
	case OP_TRUNCATE:
		return parse_num(ps, &tv[2], &c->len);
	case OP_FWRITE:
		if (parse_num(ps, &tv[2], &c->addr) ||
		    parse_bytes(ps, &tv[3], c))
			return -1;
		c->len = c->dlen;
		return 0;
	default: /* OP_FREAD */
		return parse_range(ps, tv + 2, c, 0, FREAD_MAX);
	}
}

static const char *const op_names[] = {
	[OP_FILE] = "file",	[OP_PROC] = "proc",
	[OP_MAP] = "map",	[OP_MUNMAP] = "munmap",
	[OP_MPROTECT] = "mprotect", [OP_MSYNC] = "msync",
	[OP_STORE] = "store",	[OP_LOAD] = "load",
	[OP_FORK] = "fork",	[OP_EXIT] = "exit",
	[OP_FWRITE] = "fwrite", [OP_FREAD] = "fread",
	[OP_TRUNCATE] = "truncate", [OP_END] = "end",
};

static void
prot_str(char *s, int prot)
{
	s[0] = prot & PROT_READ ? 'r' : '-';
	s[1] = prot & PROT_WRITE ? 'w' : '-';
	s[2] = prot & PROT_EXEC ? 'x' : '-';
	s[3] = '\0';
}

/*
 * Sets c->canon: the command as the transcript shows it.  One case a
 * command, so the formats are read side by side: longer than most.
 */
static void
make_canon(struct cmd *c)
{
	struct text t = { 0 };
	char prot[4];
	const char *p = c->proc >= 0 ? procs[c->proc].name : "";
	const char *f = c->file >= 0 ? files[c->file].name : "";

	prot_str(prot, c->prot);
	switch (c->op) {
	case OP_FILE:
	case OP_TRUNCATE:
		text_printf(&t, "%s %s 0x%" PRIx64, op_names[c->op], f, c->len);
		break;
	case OP_PROC:
		text_printf(&t, "proc %s", p);
		break;
	case OP_MAP:
		text_printf(&t, "%s map 0x%" PRIx64 " 0x%" PRIx64 " %s ", p,
			    c->addr, c->len, prot);
		if (c->anon)
			text_printf(&t, "anon");
		else
			text_printf(&t, "file=%s@0x%" PRIx64, f, c->off);
		text_printf(&t, " %s", c->shared ? "shared" : "private");
		break;
	case OP_MUNMAP:
	case OP_MSYNC:
	case OP_LOAD:
		text_printf(&t, "%s %s 0x%" PRIx64 " 0x%" PRIx64, p,
			    op_names[c->op], c->addr, c->len);
		break;
	case OP_MPROTECT:
		text_printf(&t, "%s mprotect 0x%" PRIx64 " 0x%" PRIx64 " %s", p,
			    c->addr, c->len, prot);
		break;
	case OP_STORE:
		text_printf(&t, "%s store 0x%" PRIx64 " ", p, c->addr);
		text_quoted(&t, c->data, c->dlen);
		break;
	case OP_FORK:
		text_printf(&t, "%s fork %s", p, procs[c->proc2].name);
		break;
	case OP_EXIT:
		text_printf(&t, "%s exit", p);
		break;
	case OP_FWRITE:
		text_printf(&t, "fwrite %s 0x%" PRIx64 " ", f, c->addr);
		text_quoted(&t, c->data, c->dlen);
		break;
	case OP_FREAD:
		text_printf(&t, "fread %s 0x%" PRIx64 " 0x%" PRIx64, f,
			    c->addr, c->len);
		break;
	case OP_END:
		text_printf(&t, "end %s", f);
		break;
	}
	c->canon = t.s;
}

static struct cmd *
new_cmd(enum op op)
{
	struct cmd *c;

	cmds = xrealloc(cmds, (ncmds + 1) * sizeof(*cmds));
	c = &cmds[ncmds++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->proc = c->proc2 = c->file = -1;
	return c;
}

/* Parses one line into a new command (none for a blank line). */
static int
parse_line(struct parser *ps, char *line)
{
	struct tok tv[MAX_TOKS];
	struct cmd *c;
	int n, op;

	n = tokenize(ps, line, tv);
	if (n <= 0)
		return n;
	for (op = 0; op < OP_END; op++)
		if (!tv[0].quoted && strcmp(tv[0].s, op_names[op]) == 0)
			break;
	if (op == OP_END)
		return perr(ps, "unknown command '%s'", tv[0].s);
	c = new_cmd((enum op)op);
	if (op == OP_PROC) {
		if (n != 2)
			return perr(ps, "usage: proc P");
		if (parse_new_proc(ps, &tv[1], &c->proc))
			return -1;
	} else if (op == OP_FILE || op == OP_FWRITE || op == OP_FREAD ||
		   op == OP_TRUNCATE) {
		if (parse_file_cmd(ps, tv, n, c))
			return -1;
	} else if (parse_proc_cmd(ps, tv, n, c)) {
		return -1;
	}
	make_canon(c);
	return 0;
}

/* Reads the scenario at path into cmds[], with its implicit ending. */
static void
parse_scenario(const char *path)
{
	struct parser ps = { .path = path };
	char alive[sizeof(procs) / sizeof(procs[0])] = { 0 };
	char line[4096];
	FILE *f;
	size_t i;

	ps.alive = alive;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "realmm: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		ps.line++;
		if (!strchr(line, '\n') && !feof(f))
			perr(&ps, "line too long");
		else if (parse_line(&ps, line) == 0)
			continue;
		fprintf(stderr, "realmm: %s:%d: %s\n", path, ps.line, ps.err);
		exit(2);
	}
	fclose(f);
	for (i = 0; i < nprocs; i++) {
		if (alive[i]) {
			new_cmd(OP_EXIT)->proc = (int)i;
			make_canon(&cmds[ncmds - 1]);
		}
	}
	for (i = 0; i < nfiles; i++) {
		new_cmd(OP_END)->file = (int)i;
		make_canon(&cmds[ncmds - 1]);
	}
}

/* ---- -n: the parsed scenario, for labmm.sh ------------------------ */

/* Prints bytes as \ooo escapes, for the format of printf(1). */
static void
print_octal(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("\\%03o", b[i]);
}

/*
 * One line a command: the canonical text, a tab, then the op and its
 * operands as plain words (numbers in decimal; bytes as \ooo escapes).
 * A case a command, like make_canon().
 */
static void
print_parsed(void)
{
	const struct cmd *c;
	char prot[4];
	size_t i;

	for (i = 0; i < ncmds; i++) {
		c = &cmds[i];
		prot_str(prot, c->prot);
		printf("%s\t%s", c->canon, op_names[c->op]);
		if (c->proc >= 0)
			printf(" %s", procs[c->proc].name);
		if (c->file >= 0 && c->op != OP_MAP)
			printf(" %s", files[c->file].name);
		switch (c->op) {
		case OP_MAP:
			printf(" %" PRIu64 " %" PRIu64 " %s", c->addr, c->len,
			       prot);
			if (c->anon)
				printf(" anon");
			else
				printf(" file=%s@%" PRIu64,
				       files[c->file].name, c->off);
			printf(" %s", c->shared ? "shared" : "private");
			break;
		case OP_MPROTECT:
			printf(" %" PRIu64 " %" PRIu64 " %s", c->addr, c->len,
			       prot);
			break;
		case OP_FORK:
			printf(" %s", procs[c->proc2].name);
			break;
		case OP_FILE:
		case OP_TRUNCATE:
			printf(" %" PRIu64, c->len);
			break;
		case OP_PROC:
		case OP_EXIT:
		case OP_END:
			break;
		default: /* ADDR|OFF LEN [BYTES] */
			printf(" %" PRIu64 " %" PRIu64, c->addr, c->len);
			if (c->data) {
				printf(" ");
				print_octal(c->data, c->dlen);
			}
			break;
		}
		printf("\n");
	}
}

/* ---- the scenario processes ------------------------------------------ */

static void
on_fault(int sig)
{
	siglongjmp(fault_env, sig);
}

/*
 * Moves n bytes between the process's memory at addr and buf, one byte at
 * a time in order (stores when store is set).  Returns the bytes moved;
 * *sig is the signal that stopped it (SIGBUS or SIGSEGV) or 0.
 */
static size_t
access_bytes(uintptr_t addr, unsigned char *buf, size_t n, int store,
	     int *sig)
{
	static volatile size_t done; /* static: survives the siglongjmp */
	int s;

	done = 0;
	s = sigsetjmp(fault_env, 1);
	if (s == 0) {
		volatile unsigned char *p = (volatile unsigned char *)addr;

		for (; done < n; done++) {
			if (store)
				p[done] = buf[done];
			else
				buf[done] = p[done];
		}
	}
	*sig = s;
	return done;
}

static void
proc_map(const struct cmd *c, struct text *t)
{
	int fd = -1, flags;
	void *p;

	flags = (c->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE;
	if (c->anon) {
		flags |= MAP_ANONYMOUS;
	} else {
		fd = open(files[c->file].path, O_RDWR);
		if (fd < 0) {
			text_printf(t, ": %s\n", strerror(errno));
			return;
		}
	}
	p = mmap((void *)(uintptr_t)c->addr, c->len, c->prot, flags, fd,
		 (off_t)c->off);
	if (p == MAP_FAILED) {
		text_printf(t, ": %s\n", strerror(errno));
	} else if (p != (void *)(uintptr_t)c->addr) {
		munmap(p, c->len);
		text_printf(t, ": %s\n", strerror(EEXIST));
	} else {
		text_printf(t, ": ok\n");
	}
	if (fd >= 0)
		close(fd);
}

static void
proc_access(const struct cmd *c, struct text *t)
{
	unsigned char *buf;
	size_t done;
	int sig;

	if (c->op == OP_STORE) {
		done = access_bytes((uintptr_t)c->addr, c->data, c->dlen, 1,
				    &sig);
		if (sig)
			text_printf(t, ": %zu bytes, %s at 0x%" PRIx64 "\n",
				    done, sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
				    c->addr + done);
		else
			text_printf(t, ": ok\n");
		return;
	}
	buf = xrealloc(NULL, c->len);
	done = access_bytes((uintptr_t)c->addr, buf, c->len, 0, &sig);
	text_bytes(t, c->addr, buf, done, sig);
	free(buf);
}

static void
result_errno(struct text *t, int rc)
{
	text_printf(t, ": %s\n", rc ? strerror(errno) : "ok");
}

/* Sends a reply: its length, then its text. */
static void
send_text(int chan, const struct text *t)
{
	uint32_t n = (uint32_t)t->len;
	struct iovec iov[2] = { { &n, sizeof(n) }, { t->s, t->len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (sendmsg(chan, &mh, 0) != (ssize_t)(sizeof(n) + t->len))
		_exit(1); /* the driver sees the channel close */
}

/* Receives a command index and maybe an fd; 0 at the driver's EOF. */
static int
recv_cmd(int chan, int32_t *idx, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { idx, sizeof(*idx) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t r;

	*fd = -1;
	r = recvmsg(chan, &mh, 0);
	if (r != sizeof(*idx))
		return 0;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 1;
}

/* P forks: the child goes on with the channel fd; returns the new chan. */
static int
proc_fork(int chan, int fd, struct text *t)
{
	pid_t pid;

	if (fd < 0) {
		text_printf(t, ": no channel for the child\n");
		return chan;
	}
	pid = fork();
	if (pid == 0) {
		close(chan);
		return fd;
	}
	close(fd);
	result_errno(t, pid < 0);
	return chan;
}

/* Runs one of P's commands other than fork and exit; appends the outcome. */
static void
proc_run(const struct cmd *c, struct text *t)
{
	void *at = (void *)(uintptr_t)c->addr;

	switch (c->op) {
	case OP_MAP:
		proc_map(c, t);
		break;
	case OP_MUNMAP:
		result_errno(t, munmap(at, c->len));
		break;
	case OP_MPROTECT:
		result_errno(t, mprotect(at, c->len, c->prot));
		break;
	case OP_MSYNC:
		result_errno(t, msync(at, c->len, MS_SYNC));
		break;
	default: /* OP_STORE, OP_LOAD */
		proc_access(c, t);
		break;
	}
}

/* The loop of one scenario process: a command in, its text out. */
static void __attribute__((noreturn))
proc_main(int chan)
{
	struct text t = { 0 };
	const struct cmd *c;
	int32_t idx;
	int fd, mine;

	for (;;) {
		if (!recv_cmd(chan, &idx, &fd) || idx < 0 ||
		    (size_t)idx >= ncmds)
			_exit(0);
		c = &cmds[idx];
		t.len = 0;
		text_printf(&t, "%s", c->canon);
		if (c->op == OP_FORK) {
			mine = chan;
			chan = proc_fork(chan, fd, &t);
			if (chan != mine)
				continue; /* the child: its parent replies */
		} else if (c->op == OP_EXIT) {
			text_printf(&t, ": ok\n");
			send_text(chan, &t);
			_exit(0);
		} else {
			if (fd >= 0)
				close(fd);
			proc_run(c, &t);
		}
		send_text(chan, &t);
	}
}

/* ---- the driver ---------------------------------------------------- */

static void
close_driver_fds(void)
{
	size_t i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].chan >= 0)
			close(procs[i].chan);
	for (i = 0; i < nfiles; i++)
		if (files[i].fd >= 0)
			close(files[i].fd);
}

/* A scenario process's signals: faults caught, children reaped. */
static void
proc_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, NULL);
}

/* proc P: a process forked from the driver. */
static void
drv_proc(const struct cmd *c, struct text *t)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		close_driver_fds();
		proc_signals();
		proc_main(sv[1]);
	}
	close(sv[1]);
	procs[c->proc].chan = sv[0];
	procs[c->proc].pid = pid;
	text_printf(t, ": ok\n");
}

static int
read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Puts fd into mh as SCM_RIGHTS, in cbuf (room for one fd). */
static void
attach_fd(struct msghdr *mh, char *cbuf, size_t len, int fd)
{
	struct cmsghdr *cm;

	memset(cbuf, 0, len);
	mh->msg_control = cbuf;
	mh->msg_controllen = len;
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
}

/*
 * Sends command i to its process (for fork, with the child's end of a new
 * socket pair) and appends the reply; a process gone is said so.
 */
static void
drv_send(size_t i, struct text *t)
{
	struct proc *p = &procs[cmds[i].proc];
	int32_t idx = (int32_t)i;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &idx, sizeof(idx) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2] = { -1, -1 };
	char *reply;
	uint32_t n;

	if (p->chan < 0) {
		text_printf(t, "%s: no such process\n", cmds[i].canon);
		return;
	}
	if (cmds[i].op == OP_FORK) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair: %s", strerror(errno));
		attach_fd(&mh, cbuf, sizeof(cbuf), sv[1]);
	}
	if (sendmsg(p->chan, &mh, 0) != sizeof(idx) ||
	    read_full(p->chan, &n, sizeof(n))) {
		text_printf(t, "%s: the process is gone\n", cmds[i].canon);
		close(p->chan);
		p->chan = -1;
	} else {
		reply = xrealloc(NULL, n);
		if (read_full(p->chan, reply, n))
			die("%s: short reply", cmds[i].canon);
		text_printf(t, "%.*s", (int)n, reply);
		free(reply);
	}
	if (sv[1] >= 0) {
		close(sv[1]);
		procs[cmds[i].proc2].chan = sv[0];
	}
}

/* exit P: sends it, then waits for the process to be gone. */
static void
drv_exit(size_t i, struct text *t)
{
	struct proc *p = &procs[cmds[i].proc];
	char b;

	drv_send(i, t);
	if (p->chan >= 0) {
		while (read(p->chan, &b, 1) > 0)
			;
		close(p->chan);
		p->chan = -1;
	}
	if (p->pid > 0)
		waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

static void
pattern(unsigned char *b, uint64_t from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)('a' + ((from + i) / PAGE) % 26);
}

static void
drv_file(const struct cmd *c, struct text *t)
{
	struct file *f = &files[c->file];
	unsigned char *b;
	size_t n;

	n = strlen(tmpdir) + strlen(f->name) + 2;
	f->path = xrealloc(NULL, n);
	snprintf(f->path, n, "%s/%s", tmpdir, f->name);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f->fd < 0)
		die("%s: %s", f->path, strerror(errno));
	b = xrealloc(NULL, c->len);
	pattern(b, 0, c->len);
	if (pwrite(f->fd, b, c->len, 0) != (ssize_t)c->len)
		die("%s: cannot write the pattern", f->path);
	free(b);
	text_printf(t, ": ok\n");
}

/* Reads up to n bytes at off, to EOF; returns the count. */
static size_t
pread_full(int fd, unsigned char *b, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, b + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("pread: %s", strerror(errno));
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void
drv_fileop(const struct cmd *c, struct text *t)
{
	int fd = files[c->file].fd;
	unsigned char *b;
	struct stat st;
	size_t n;

	switch (c->op) {
	case OP_FWRITE:
		result_errno(t, pwrite(fd, c->data, c->dlen, (off_t)c->addr) !=
					(ssize_t)c->dlen);
		break;
	case OP_TRUNCATE:
		result_errno(t, ftruncate(fd, (off_t)c->len));
		break;
	case OP_FREAD:
		b = xrealloc(NULL, c->len);
		n = pread_full(fd, b, c->len, c->addr);
		text_bytes(t, c->addr, b, n, 0);
		free(b);
		break;
	default: /* OP_END */
		if (fstat(fd, &st))
			die("fstat: %s", strerror(errno));
		b = xrealloc(NULL, FREAD_MAX);
		n = pread_full(fd, b, FREAD_MAX, 0);
		text_printf(t, ": size %jd, read %zu\n", (intmax_t)st.st_size,
			    n);
		text_dump(t, 0, b, n);
		free(b);
		break;
	}
}

static void
cleanup_files(void)
{
	size_t i;

	for (i = 0; i < nfiles; i++)
		if (files[i].path)
			unlink(files[i].path);
	if (tmpdir[0])
		rmdir(tmpdir);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "realmm: the run hung; killed\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	cleanup_files(); /* unlink and rmdir are async-signal-safe */
	_exit(1); /* the processes see their channels close and exit */
}

/* Runs every command and prints the transcript on stdout. */
static void
run(void)
{
	struct text t = { 0 };
	const char *td = getenv("TMPDIR");
	size_t i;

	snprintf(tmpdir, sizeof(tmpdir), "%s/realmm.XXXXXX",
		 td && *td ? td : "/tmp");
	if (!mkdtemp(tmpdir))
		die("mkdtemp %s: %s", tmpdir, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(RUN_SECONDS);
	for (i = 0; i < ncmds; i++) {
		t.len = 0;
		if (cmds[i].op == OP_PROC || cmds[i].op == OP_FILE ||
		    cmds[i].op == OP_FWRITE || cmds[i].op == OP_FREAD ||
		    cmds[i].op == OP_TRUNCATE || cmds[i].op == OP_END)
			text_printf(&t, "%s", cmds[i].canon);
		if (cmds[i].op == OP_PROC)
			drv_proc(&cmds[i], &t);
		else if (cmds[i].op == OP_FILE)
			drv_file(&cmds[i], &t);
		else if (cmds[i].proc < 0)
			drv_fileop(&cmds[i], &t);
		else if (cmds[i].op == OP_EXIT)
			drv_exit(i, &t);
		else
			drv_send(i, &t);
		fwrite(t.s, 1, t.len, stdout);
	}
	free(t.s);
	close_driver_fds();
	cleanup_files();
	if (fflush(stdout))
		die("stdout: %s", strerror(errno));
}

static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: realmm SCENARIO | realmm -n SCENARIO | realmm -p SIZE\n",
	      stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct parser ps = { .path = "-p" };
	unsigned char buf[PAGE];
	uint64_t size, at;
	size_t n;

	if (argc == 3 && strcmp(argv[1], "-p") == 0) {
		struct tok t = { argv[2], strlen(argv[2]), 0 };

		if (parse_num(&ps, &t, &size))
			usage();
		for (at = 0; at < size; at += n) {
			n = size - at < PAGE ? (size_t)(size - at) : PAGE;
			pattern(buf, at, n);
			if (fwrite(buf, 1, n, stdout) != n)
				die("stdout: %s", strerror(errno));
		}
		return fflush(stdout) ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "-n") == 0) {
		parse_scenario(argv[2]);
		print_parsed();
		return fflush(stdout) ? 1 : 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		usage();
	if (sysconf(_SC_PAGESIZE) != PAGE) {
		fprintf(stderr, "realmm: pages here are not 4 KiB\n");
		return 77;
	}
	parse_scenario(argv[1]);
	run();
	return 0;
}
