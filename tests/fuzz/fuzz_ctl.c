/* Build: clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -I. tests/fuzz/fuzz_ctl.c src/ctl.c src/parse.c -o fuzz_ctl */
/*
 * fuzz_ctl.c - libFuzzer entry point over vm_ctl_parse().
 *
 * The first byte picks the scope; the rest is a ctl write.  Each line is
 * parsed, and the result is checked against what ctl.h promises: 0 or
 * -EINVAL, a message on failure and a zeroed command, fields within their
 * ranges on success, and vm_ctl_format() output that parses back to the
 * same command.  The whole buffer is also parsed as one line.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static int
is_range_op(int op)
{
	return op == VM_CTL_MMAP || op == VM_CTL_MUNMAP ||
	       op == VM_CTL_MPROTECT || op == VM_CTL_MSYNC ||
	       op == VM_CTL_MADVISE || op == VM_CTL_TOUCH;
}

/* Checks the field ranges ctl.h promises for a parsed command. */
static void
check_fields(const struct vm_ctl_cmd *c)
{
	CHECK(c->op > VM_CTL_NONE && c->op < VM_CTL_NR_OPS);
	if (is_range_op(c->op)) {
		CHECK(c->len > 0);
		CHECK(c->len - 1 <= UINT64_MAX - c->addr);
	}
	if (c->flags & VM_CTL_MAP_AUTO)
		CHECK(c->addr == 0);
	if (c->flags & VM_CTL_MAP_FILE)
		CHECK(c->len - 1 <= UINT64_MAX - c->offset);
	CHECK(c->huge == 0 || c->huge == (2u << 20) || c->huge == (1u << 30));
	CHECK(c->prot <= 7);
	CHECK(c->op != VM_CTL_TOUCH || c->access == 1 || c->access == 2 ||
	      c->access == 4);
	CHECK(c->op != VM_CTL_KILL ||
	      (c->pid >= 1 && c->pid <= VM_PARSE_PID_MAX));
	CHECK(memchr(c->name, '\0', sizeof(c->name)) != NULL);
	CHECK(memchr(c->path, '\0', sizeof(c->path)) != NULL);
	if (c->op == VM_CTL_EXEC || (c->flags & VM_CTL_MAP_FILE))
		CHECK(c->path[0] != '\0');
}

static void
check_line(const char *line, size_t len, int scope)
{
	static const struct vm_ctl_cmd zero;
	static struct vm_ctl_cmd cmd, again;
	static char out[VM_CTL_PATH_MAX + 160];
	char err[128];
	int rc, n;

	rc = vm_ctl_parse(line, len, scope, &cmd, err, sizeof(err));
	CHECK(rc == 0 || rc == -EINVAL);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc) {
		CHECK(err[0] != '\0');
		CHECK(memcmp(&cmd, &zero, sizeof(cmd)) == 0);
		return;
	}
	CHECK(err[0] == '\0');
	if (cmd.op == VM_CTL_NONE) {
		CHECK(memcmp(&cmd, &zero, sizeof(cmd)) == 0);
		return;
	}
	check_fields(&cmd);
	CHECK(strcmp(vm_ctl_op_name(cmd.op), "unknown") != 0);
	n = vm_ctl_format(&cmd, out, sizeof(out));
	CHECK(n > 0 && (size_t)n == strlen(out));
	rc = vm_ctl_parse(out, (size_t)n, scope, &again, err, sizeof(err));
	CHECK(rc == 0);
	CHECK(memcmp(&cmd, &again, sizeof(cmd)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *pos, *end, *line;
	size_t n;
	int scope;

	if (size == 0)
		return 0;
	scope = 1 + data[0] % 3;
	pos = (const char *)data + 1;
	end = (const char *)data + size;
	check_line(pos, (size_t)(end - pos), scope);
	for (line = vm_ctl_next_line(&pos, end, &n); line;
	     line = vm_ctl_next_line(&pos, end, &n)) {
		CHECK(line + n <= end && !memchr(line, '\n', n));
		check_line(line, n, scope);
	}
	return 0;
}
