/*
 * hostdir.c - safe names inside the backing directory of files/: no name
 * may leave it, so nothing is opened by a string path: each component is
 * opened relative to its parent's fd, never following a symlink.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vmlab/hostdir.h"

int
vm_hostdir_open(int dirfd, const char *path, int flags, mode_t mode)
{
	char name[256];
	int cur = dirfd;

	if (!path || path[0] == '/')
		return -EINVAL;
	for (;;) {
		size_t n;
		int next;

		while (*path == '/')
			path++;
		n = strcspn(path, "/");
		if (n == 0 || (n == 1 && path[0] == '.' && !path[1]))
			break;
		if (n >= sizeof(name))
			return cur != dirfd ? (close(cur), -ENAMETOOLONG)
					    : -ENAMETOOLONG;
		memcpy(name, path, n);
		name[n] = '\0';
		path += n;
		while (*path == '/')
			path++;
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			if (cur != dirfd)
				close(cur);
			return -EACCES;
		}
		if (!*path) {
			next = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC,
				      mode);
		} else {
			next = openat(cur, name, O_PATH | O_DIRECTORY |
					       O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int e = errno == ENOTDIR && *path ? ELOOP : errno;

			if (cur != dirfd)
				close(cur);
			return -e;
		}
		if (cur != dirfd)
			close(cur);
		cur = next;
		if (!*path)
			return cur;
	}
	return cur != dirfd ? cur : -EISDIR;
}
