/*
 * elfstop.c - runs a program stopped at its first instruction and prints
 * what Linux made of its exec, for tests/fs/exec.sh to compare with the
 * lab's: /proc/PID/maps, then one "auxv TYPE VALUE" line per entry of
 * /proc/PID/auxv (decimal), then "stat " and /proc/PID/stat.
 *
 * The child turns address randomization off (personality
 * ADDR_NO_RANDOMIZE, as setarch -R), asks to be traced and execs PROG
 * with no environment; the exec stops it with SIGTRAP before its first
 * instruction.  It is killed after the look.  Exit 77 when ptrace or
 * personality is refused here, 1 on another error.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int
copy(pid_t pid, const char *name, const char *prefix)
{
	char path[64], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	fputs(prefix, stdout);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

static int
print_auxv(pid_t pid)
{
	char path[64];
	uint64_t kv[2];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fread(kv, sizeof(kv), 1, f) == 1 && kv[0])
		printf("auxv %llu %llu\n", (unsigned long long)kv[0],
		       (unsigned long long)kv[1]);
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	char *const envp[] = {NULL};
	int st, rc = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: elfstop PROG [ARG...]\n");
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (personality(ADDR_NO_RANDOMIZE) == -1 ||
		    ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1)
			_exit(77);
		execve(argv[1], argv + 1, envp);
		_exit(1);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st) == 77 ? 77 : 1;
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
		rc = 1;
	if (rc == 0 && (copy(pid, "maps", "") || print_auxv(pid) ||
			copy(pid, "stat", "stat ")))
		rc = 1;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return rc;
}
