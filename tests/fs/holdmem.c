/*
 * holdmem - a real process for tests/fs/golden.sh: maps 16 KiB shared
 * anonymous and 16 KiB private anonymous memory, writes a byte on each
 * page, prints "ready" and waits to be killed.
 */
#include <config.h>

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int
main(void)
{
	size_t len = 4 * 4096;
	char *shared = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *private = mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (shared == MAP_FAILED || private == MAP_FAILED) {
		perror("holdmem: mmap");
		return 1;
	}
	for (size_t i = 0; i < len; i += 4096)
		shared[i] = private[i] = 1;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
