/*
 * ctl.c - parse one ctl line into a struct vm_ctl_cmd (grammar in ctl.h).
 *
 * Design: one table, ctl_defs[], indexed by op - 1, gives each command its
 * word, its scope, its usage line and the function that reads its
 * arguments.  vm_ctl_parse() splits off the command word, checks the
 * scope, and hands a cursor over the rest of the line to that function;
 * each argument reader takes the next word or fails with the usage line.
 *
 * Case table (first failure wins, reading left to right):
 *
 *	blank / "# ..."			-> 0, op VM_CTL_NONE
 *	'\n' before the end		-> EINVAL "line break inside line"
 *	unknown word			-> EINVAL "unknown command 'w'"
 *	command of the other file	-> EINVAL "'w' is a global command"
 *	missing argument		-> EINVAL "usage: <usage line>"
 *	malformed number / word		-> EINVAL "bad length 'w'" etc.
 *	number past 2^64		-> EINVAL "length 'w' out of range"
 *	LEN 0, range past 2^64		-> EINVAL naming the length word
 *	repeated or clashing option	-> EINVAL naming both words
 *	word after the last argument	-> EINVAL "unexpected word 'w'"
 *
 * Invariants: on failure *cmd is all zero; on success every field the op
 * does not use is zero; nothing is allocated; the line is only read.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmlab/ctl.h"

#define CTL_QUOTE_MAX 40 /* bytes of an offending word shown */
#define CTL_SIZE_2M (UINT64_C(2) << 20)
#define CTL_SIZE_1G (UINT64_C(1) << 30)

struct ctl_ctx {
	struct vm_parse_lex lx;
	struct vm_ctl_cmd *cmd;
	const char *usage;
	char *err;
	size_t errlen;
};

typedef int ctl_args_fn(struct ctl_ctx *c);

struct ctl_def {
	const char *name;
	int scope;
	const char *usage;
	ctl_args_fn *args;
};

static ctl_args_fn ctl_args_none, ctl_args_spawn, ctl_args_kill;
static ctl_args_fn ctl_args_mmap, ctl_args_range, ctl_args_mprotect;
static ctl_args_fn ctl_args_madvise, ctl_args_exec, ctl_args_touch;

#define G VM_CTL_GLOBAL
#define P VM_CTL_PROC
static const struct ctl_def ctl_defs[] = {
	{"spawn", G, "spawn [NAME]", ctl_args_spawn},
	{"kill", G, "kill PID", ctl_args_kill},
	{"drop_caches", G, "drop_caches", ctl_args_none},
	{"hibernate", G, "hibernate", ctl_args_none},
	{"reset", G, "reset", ctl_args_none},
	{"mmap", P,
	 "mmap ADDR|auto LEN PROT [anon | file=PATH[@OFF]] "
	 "[shared | private] [huge=2M|1G] [populate]",
	 ctl_args_mmap},
	{"munmap", P, "munmap ADDR LEN", ctl_args_range},
	{"mprotect", P, "mprotect ADDR LEN PROT", ctl_args_mprotect},
	{"msync", P, "msync ADDR LEN", ctl_args_range},
	{"madvise", P, "madvise ADDR LEN dontneed|willneed|pageout",
	 ctl_args_madvise},
	{"fork", P, "fork", ctl_args_none},
	{"exec", P, "exec PATH", ctl_args_exec},
	{"touch", P, "touch ADDR [LEN] r|w|x [kernel]", ctl_args_touch},
	{"exit", P, "exit", ctl_args_none},
};
#undef G
#undef P

_Static_assert(sizeof(ctl_defs) / sizeof(ctl_defs[0]) == VM_CTL_NR_OPS - 1,
	       "ctl_defs[] must list every op in enum order");

static const char *const ctl_advice_names[] = {
	[VM_CTL_MADV_DONTNEED] = "dontneed",
	[VM_CTL_MADV_WILLNEED] = "willneed",
	[VM_CTL_MADV_PAGEOUT] = "pageout",
};

/* Copies w into dst (size CTL_QUOTE_MAX + 4) with control bytes as '?'. */
static void
ctl_quote(char *dst, const struct vm_parse_word *w)
{
	size_t i, n = w->len > CTL_QUOTE_MAX ? CTL_QUOTE_MAX : w->len;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)w->s[i];
		dst[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (n < w->len) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/*
 * Writes "<pre>'<w>'<post>" (or "<pre><post>" when w is NULL) to the
 * error buffer.  Returns -EINVAL, for "return ctl_fail(...)".
 */
static int
ctl_fail(struct ctl_ctx *c, const char *pre, const struct vm_parse_word *w,
	 const char *post)
{
	char q[CTL_QUOTE_MAX + 4];

	if (c->errlen == 0)
		return -EINVAL;
	if (w) {
		ctl_quote(q, w);
		snprintf(c->err, c->errlen, "%s'%s'%s", pre, q, post);
	} else {
		snprintf(c->err, c->errlen, "%s%s", pre, post);
	}
	return -EINVAL;
}

static int
ctl_usage(struct ctl_ctx *c)
{
	return ctl_fail(c, "usage: ", NULL, c->usage);
}

/* Takes the next word into *w; a missing word is a usage error. */
static int
ctl_need(struct ctl_ctx *c, struct vm_parse_word *w)
{
	if (!vm_parse_lex_next(&c->lx, w))
		return ctl_usage(c);
	return 0;
}

/* Fails unless the line has no word left. */
static int
ctl_end(struct ctl_ctx *c)
{
	struct vm_parse_word w;

	if (vm_parse_lex_next(&c->lx, &w))
		return ctl_fail(c, "unexpected word ", &w, "");
	return 0;
}

/* Returns 1 if the line has no word left, without taking one. */
static int
ctl_at_end(const struct ctl_ctx *c)
{
	struct vm_parse_lex lx = c->lx;
	struct vm_parse_word w;

	return !vm_parse_lex_next(&lx, &w);
}

/* Parses w as a number; what ("address", "length") names it on failure. */
static int
ctl_num(struct ctl_ctx *c, const struct vm_parse_word *w, const char *what,
	uint64_t *v)
{
	char pre[32];
	int rc;

	rc = vm_parse_u64n(w->s, w->len, v);
	if (rc == 0)
		return 0;
	if (rc == -ERANGE) {
		snprintf(pre, sizeof(pre), "%s ", what);
		return ctl_fail(c, pre, w, " out of range");
	}
	snprintf(pre, sizeof(pre), "bad %s ", what);
	return ctl_fail(c, pre, w, "");
}

/* Reads LEN for a range starting at base: nonzero, not past 2^64. */
static int
ctl_len_word(struct ctl_ctx *c, const struct vm_parse_word *w, uint64_t base)
{
	uint64_t len;
	int rc;

	rc = ctl_num(c, w, "length", &len);
	if (rc)
		return rc;
	if (len == 0)
		return ctl_fail(c, "bad length ", w, ": must be > 0");
	if (len - 1 > UINT64_MAX - base)
		return ctl_fail(c, "length ", w,
				" runs past the end of the address space");
	c->cmd->len = len;
	return 0;
}

/* Reads "ADDR LEN" into cmd->addr and cmd->len. */
static int
ctl_addr_len(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int rc;

	rc = ctl_need(c, &w);
	if (!rc)
		rc = ctl_num(c, &w, "address", &c->cmd->addr);
	if (!rc)
		rc = ctl_need(c, &w);
	if (!rc)
		rc = ctl_len_word(c, &w, c->cmd->addr);
	return rc;
}

/* Reads PROT into cmd->prot. */
static int
ctl_prot(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int rc;

	rc = ctl_need(c, &w);
	if (rc)
		return rc;
	if (vm_parse_protn(w.s, w.len, &c->cmd->prot))
		return ctl_fail(c, "bad protection ", &w, "");
	return 0;
}

/* Copies n bytes at s into cmd->path; w (the whole word) names errors. */
static int
ctl_path(struct ctl_ctx *c, const char *s, size_t n,
	 const struct vm_parse_word *w)
{
	size_t i;

	if (n == 0)
		return ctl_fail(c, "empty path in ", w, "");
	if (n >= VM_CTL_PATH_MAX)
		return ctl_fail(c, "path too long ", w, "");
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return ctl_fail(c, "control character in path ", w, "");
	}
	memcpy(c->cmd->path, s, n);
	c->cmd->path[n] = '\0';
	return 0;
}

static int
ctl_args_none(struct ctl_ctx *c)
{
	return ctl_end(c);
}

static int
ctl_args_spawn(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	size_t i;

	if (!vm_parse_lex_next(&c->lx, &w))
		return 0;
	if (w.len > VM_CTL_NAME_MAX)
		return ctl_fail(c, "name too long ", &w, " (15 bytes at most)");
	for (i = 0; i < w.len; i++) {
		if ((unsigned char)w.s[i] < 0x20 || w.s[i] == 0x7f)
			return ctl_fail(c, "control character in name ", &w,
					"");
	}
	memcpy(c->cmd->name, w.s, w.len);
	c->cmd->name[w.len] = '\0';
	return ctl_end(c);
}

static int
ctl_args_kill(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int rc;

	rc = ctl_need(c, &w);
	if (rc)
		return rc;
	rc = vm_parse_pid(w.s, w.len, &c->cmd->pid);
	if (rc == -ERANGE)
		return ctl_fail(c, "pid ", &w, " out of range");
	if (rc)
		return ctl_fail(c, "bad pid ", &w, "");
	return ctl_end(c);
}

/* file=PATH[@OFF]: the offset follows the last '@'. */
static int
ctl_mmap_file(struct ctl_ctx *c, const struct vm_parse_word *w)
{
	const char *s = w->s + 5;
	size_t n = w->len - 5, at = n;
	struct vm_parse_word off;
	int rc;

	while (at > 0 && s[at - 1] != '@')
		at--;
	if (at == 0)
		return ctl_path(c, s, n, w);
	off.s = s + at;
	off.len = n - at;
	rc = vm_parse_u64n(off.s, off.len, &c->cmd->offset);
	if (rc == -ERANGE)
		return ctl_fail(c, "file offset ", &off, " out of range");
	if (rc)
		return ctl_fail(c, "bad file offset ", &off, "");
	return ctl_path(c, s, at - 1, w);
}

static int
ctl_mmap_huge(struct ctl_ctx *c, const struct vm_parse_word *w)
{
	uint64_t v;

	if (vm_parse_u64n(w->s + 5, w->len - 5, &v) ||
	    (v != CTL_SIZE_2M && v != CTL_SIZE_1G))
		return ctl_fail(c, "bad huge page size ", w, " (2M or 1G)");
	c->cmd->huge = v;
	return 0;
}

enum { OPT_BACKING, OPT_SHARING, OPT_HUGE, OPT_POPULATE, OPT_NR };

/* Applies one mmap option; stores its class in *cls. */
static int
ctl_mmap_opt(struct ctl_ctx *c, const struct vm_parse_word *w, int *cls)
{
	struct vm_ctl_cmd *cmd = c->cmd;

	*cls = OPT_BACKING;
	if (vm_parse_word_is(w, "anon"))
		return 0;
	if (w->len >= 5 && memcmp(w->s, "file=", 5) == 0) {
		cmd->flags |= VM_CTL_MAP_FILE;
		return ctl_mmap_file(c, w);
	}
	*cls = OPT_SHARING;
	if (vm_parse_word_is(w, "private"))
		return 0;
	if (vm_parse_word_is(w, "shared")) {
		cmd->flags |= VM_CTL_MAP_SHARED;
		return 0;
	}
	*cls = OPT_HUGE;
	if (w->len >= 5 && memcmp(w->s, "huge=", 5) == 0)
		return ctl_mmap_huge(c, w);
	*cls = OPT_POPULATE;
	if (vm_parse_word_is(w, "populate")) {
		cmd->flags |= VM_CTL_MAP_POPULATE;
		return 0;
	}
	return ctl_fail(c, "unknown mmap option ", w, "");
}

/* Fails on a second option of a class: "'private' conflicts with 'shared'". */
static int
ctl_mmap_clash(struct ctl_ctx *c, const struct vm_parse_word *w,
	       const struct vm_parse_word *prev)
{
	char q[CTL_QUOTE_MAX + 4];
	char post[CTL_QUOTE_MAX + 32];

	if (w->len == prev->len && memcmp(w->s, prev->s, w->len) == 0)
		return ctl_fail(c, "duplicate option ", w, "");
	ctl_quote(q, prev);
	snprintf(post, sizeof(post), " conflicts with '%s'", q);
	return ctl_fail(c, "", w, post);
}

/* Reads the mmap options after PROT; checks OFF + LEN for a file. */
static int
ctl_mmap_opts(struct ctl_ctx *c)
{
	struct vm_parse_word seen[OPT_NR], w;
	struct vm_ctl_cmd *cmd = c->cmd;
	int cls, rc;

	memset(seen, 0, sizeof(seen));
	while (vm_parse_lex_next(&c->lx, &w)) {
		rc = ctl_mmap_opt(c, &w, &cls);
		if (rc)
			return rc;
		if (seen[cls].s)
			return ctl_mmap_clash(c, &w, &seen[cls]);
		seen[cls] = w;
	}
	if ((cmd->flags & VM_CTL_MAP_FILE) &&
	    cmd->len - 1 > UINT64_MAX - cmd->offset)
		return ctl_fail(c, "file offset in ", &seen[OPT_BACKING],
				" runs past 2^64 with this length");
	return 0;
}

static int
ctl_args_mmap(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int rc;

	rc = ctl_need(c, &w);
	if (rc)
		return rc;
	if (vm_parse_word_is(&w, "auto"))
		c->cmd->flags |= VM_CTL_MAP_AUTO;
	else
		rc = ctl_num(c, &w, "address", &c->cmd->addr);
	if (!rc)
		rc = ctl_need(c, &w);
	if (!rc)
		rc = ctl_len_word(c, &w, c->cmd->addr);
	if (!rc)
		rc = ctl_prot(c);
	if (!rc)
		rc = ctl_mmap_opts(c);
	return rc;
}

static int
ctl_args_range(struct ctl_ctx *c)
{
	int rc;

	rc = ctl_addr_len(c);
	return rc ? rc : ctl_end(c);
}

static int
ctl_args_mprotect(struct ctl_ctx *c)
{
	int rc;

	rc = ctl_addr_len(c);
	if (!rc)
		rc = ctl_prot(c);
	return rc ? rc : ctl_end(c);
}

static int
ctl_args_madvise(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int a, rc;

	rc = ctl_addr_len(c);
	if (!rc)
		rc = ctl_need(c, &w);
	if (rc)
		return rc;
	for (a = VM_CTL_MADV_DONTNEED; a <= VM_CTL_MADV_PAGEOUT; a++) {
		if (vm_parse_word_is(&w, ctl_advice_names[a])) {
			c->cmd->advice = a;
			return ctl_end(c);
		}
	}
	return ctl_fail(c, "bad advice ", &w,
			" (dontneed, willneed or pageout)");
}

static int
ctl_args_exec(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int rc;

	rc = ctl_need(c, &w);
	if (!rc)
		rc = ctl_path(c, w.s, w.len, &w);
	return rc ? rc : ctl_end(c);
}

/* Returns the VM_PROT_* bit of an access word "r", "w" or "x", or 0. */
static unsigned
ctl_access(const struct vm_parse_word *w)
{
	if (w->len != 1)
		return 0;
	switch (w->s[0]) {
	case 'r':
		return VM_PROT_READ;
	case 'w':
		return VM_PROT_WRITE;
	case 'x':
		return VM_PROT_EXEC;
	}
	return 0;
}

/* The word after ADDR is the last and no access: LEN without access? */
static int
ctl_touch_last(struct ctl_ctx *c, const struct vm_parse_word *w)
{
	uint64_t v;

	if (vm_parse_u64n(w->s, w->len, &v) != -EINVAL)
		return ctl_usage(c);
	return ctl_fail(c, "bad access ", w, " (r, w or x)");
}

static int
ctl_args_touch(struct ctl_ctx *c)
{
	struct vm_parse_word w;
	int rc;

	rc = ctl_need(c, &w);
	if (!rc)
		rc = ctl_num(c, &w, "address", &c->cmd->addr);
	if (!rc)
		rc = ctl_need(c, &w);
	if (rc)
		return rc;
	c->cmd->len = 1;
	c->cmd->access = ctl_access(&w);
	if (!c->cmd->access) {
		if (ctl_at_end(c))
			return ctl_touch_last(c, &w);
		rc = ctl_len_word(c, &w, c->cmd->addr);
		if (!rc)
			rc = ctl_need(c, &w);
		if (rc)
			return rc;
		c->cmd->access = ctl_access(&w);
		if (!c->cmd->access)
			return ctl_fail(c, "bad access ", &w, " (r, w or x)");
	}
	if (ctl_at_end(c))
		return 0;
	rc = ctl_need(c, &w);
	if (rc)
		return rc;
	if (!vm_parse_word_is(&w, "kernel"))
		return ctl_fail(c, "unexpected word ", &w, "");
	c->cmd->flags |= VM_CTL_TOUCH_KERNEL;
	return ctl_end(c);
}

/* Looks up the command word; returns its op or VM_CTL_NONE. */
static int
ctl_lookup(const struct vm_parse_word *w)
{
	int op;

	for (op = 1; op < VM_CTL_NR_OPS; op++) {
		if (vm_parse_word_is(w, ctl_defs[op - 1].name))
			return op;
	}
	return VM_CTL_NONE;
}

/* vm_ctl_parse() once the line is known to be a single line. */
static int
ctl_parse_line(struct ctl_ctx *c, int scope)
{
	const struct ctl_def *def;
	struct vm_parse_word w;
	int op;

	if (!vm_parse_lex_next(&c->lx, &w))
		return 0;
	op = ctl_lookup(&w);
	if (op == VM_CTL_NONE)
		return ctl_fail(c, "unknown command ", &w, "");
	def = &ctl_defs[op - 1];
	if (!(def->scope & scope))
		return ctl_fail(c, "", &w,
				def->scope == VM_CTL_GLOBAL
					? " is a global command"
					: " is a process command");
	c->cmd->op = op;
	c->usage = def->usage;
	return def->args(c);
}

int
vm_ctl_parse(const char *line, size_t len, int scope, struct vm_ctl_cmd *cmd,
	     char *err, size_t errlen)
{
	struct ctl_ctx c = {.cmd = cmd, .err = err, .errlen = errlen};
	int rc;

	memset(cmd, 0, sizeof(*cmd));
	if (errlen)
		err[0] = '\0';
	if (len && line[len - 1] == '\n')
		len--;
	if (len == 0)
		return 0;
	if (memchr(line, '\n', len)) {
		rc = ctl_fail(&c, "line break inside line", NULL, "");
	} else {
		vm_parse_lex_init(&c.lx, line, len);
		rc = ctl_parse_line(&c, scope);
	}
	if (rc)
		memset(cmd, 0, sizeof(*cmd));
	return rc;
}

const char *
vm_ctl_next_line(const char **pos, const char *end, size_t *linelen)
{
	const char *s = *pos, *nl;
	size_t n;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	n = (size_t)((nl ? nl : end) - s);
	*pos = nl ? nl + 1 : end;
	if (n && s[n - 1] == '\r')
		n--;
	*linelen = n;
	return s;
}

const char *
vm_ctl_op_name(int op)
{
	if (op == VM_CTL_NONE)
		return "none";
	if (op < 0 || op >= VM_CTL_NR_OPS)
		return "unknown";
	return ctl_defs[op - 1].name;
}

/* An output buffer for vm_ctl_format(); len counts what was wanted. */
struct ctl_out {
	char *buf;
	size_t size;
	size_t len;
};

static void ctl_put(struct ctl_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
ctl_put(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (o->len < o->size)
		n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void
ctl_put_prot(struct ctl_out *o, unsigned prot)
{
	ctl_put(o, " %c%c%c", prot & VM_PROT_READ ? 'r' : '-',
		prot & VM_PROT_WRITE ? 'w' : '-',
		prot & VM_PROT_EXEC ? 'x' : '-');
}

static void
ctl_put_mmap(struct ctl_out *o, const struct vm_ctl_cmd *cmd)
{
	if (cmd->flags & VM_CTL_MAP_AUTO)
		ctl_put(o, " auto");
	else
		ctl_put(o, " 0x%llx", (unsigned long long)cmd->addr);
	ctl_put(o, " 0x%llx", (unsigned long long)cmd->len);
	ctl_put_prot(o, cmd->prot);
	if (cmd->flags & VM_CTL_MAP_FILE)
		ctl_put(o, " file=%s@0x%llx", cmd->path,
			(unsigned long long)cmd->offset);
	else
		ctl_put(o, " anon");
	ctl_put(o, cmd->flags & VM_CTL_MAP_SHARED ? " shared" : " private");
	if (cmd->huge == CTL_SIZE_2M || cmd->huge == CTL_SIZE_1G)
		ctl_put(o, cmd->huge == CTL_SIZE_2M ? " huge=2M" : " huge=1G");
	else if (cmd->huge)
		ctl_put(o, " huge=0x%llx", (unsigned long long)cmd->huge);
	if (cmd->flags & VM_CTL_MAP_POPULATE)
		ctl_put(o, " populate");
}

/* Writes the arguments of cmd, each preceded by a blank. */
static void
ctl_put_args(struct ctl_out *o, const struct vm_ctl_cmd *cmd)
{
	int adv = cmd->advice;

	if (cmd->op == VM_CTL_MMAP) {
		ctl_put_mmap(o, cmd);
		return;
	}
	if (cmd->op >= VM_CTL_MUNMAP && cmd->op <= VM_CTL_MADVISE)
		ctl_put(o, " 0x%llx 0x%llx", (unsigned long long)cmd->addr,
			(unsigned long long)cmd->len);
	if (cmd->op == VM_CTL_TOUCH)
		ctl_put(o, " 0x%llx 0x%llx %c", (unsigned long long)cmd->addr,
			(unsigned long long)cmd->len,
			cmd->access == VM_PROT_WRITE  ? 'w'
			: cmd->access == VM_PROT_EXEC ? 'x'
						      : 'r');
	if (cmd->op == VM_CTL_TOUCH && (cmd->flags & VM_CTL_TOUCH_KERNEL))
		ctl_put(o, " kernel");
	if (cmd->op == VM_CTL_MPROTECT)
		ctl_put_prot(o, cmd->prot);
	if (cmd->op == VM_CTL_MADVISE)
		ctl_put(o, " %s",
			adv >= VM_CTL_MADV_DONTNEED &&
					adv <= VM_CTL_MADV_PAGEOUT
				? ctl_advice_names[adv]
				: "unknown");
	if (cmd->op == VM_CTL_SPAWN && cmd->name[0])
		ctl_put(o, " %.*s", VM_CTL_NAME_MAX, cmd->name);
	if (cmd->op == VM_CTL_KILL)
		ctl_put(o, " %u", (unsigned)cmd->pid);
	if (cmd->op == VM_CTL_EXEC)
		ctl_put(o, " %.*s", VM_CTL_PATH_MAX - 1, cmd->path);
}

int
vm_ctl_format(const struct vm_ctl_cmd *cmd, char *buf, size_t buflen)
{
	struct ctl_out o = {.buf = buf, .size = buflen, .len = 0};

	if (cmd->op <= VM_CTL_NONE || cmd->op >= VM_CTL_NR_OPS)
		return -EINVAL;
	ctl_put(&o, "%s", ctl_defs[cmd->op - 1].name);
	ctl_put_args(&o, cmd);
	if (o.len >= buflen)
		return -ENOSPC;
	return (int)o.len;
}
