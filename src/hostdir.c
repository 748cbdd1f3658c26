/*
 * hostdir.c - paths resolved inside one directory, component by
 * component, following no symlink (the rules are in hostdir.h).
 *
 * A path is checked whole before anything is opened (absolute, "..",
 * lengths), so a refused path costs no system call.  Then each component
 * but the last is opened O_PATH | O_NOFOLLOW from the previous one and
 * must be a directory: a symlink there opens as itself (O_PATH) and is
 * refused by its type, which fstat tells.  The last component is opened
 * with the caller's flags plus O_NOFOLLOW, so the kernel refuses a
 * symlink with ELOOP (ENOTDIR when O_DIRECTORY is asked for, told apart
 * here), except under O_PATH, where the type is checked the same way.
 * Only the descriptor of the current directory is open at a time; the
 * caller's dirfd is never closed.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmlab/hostdir.h"

/*
 * The next component at *pos, skipping '/'s and "." components: sets
 * *name to its first byte and *pos past it, and returns its length, or 0
 * at the end of the path.
 */
static size_t
next_component(const char **pos, const char **name)
{
	const char *p = *pos;
	size_t n;

	for (;;) {
		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n != 1 || p[0] != '.')
			break;
		p++;
	}
	*name = p;
	*pos = p + n;
	return n;
}

/* The path as a whole: 0, or why it is refused before any lookup. */
static int
check_path(const char *path)
{
	const char *pos = path, *name;
	size_t n;

	if (!path[0])
		return -ENOENT;
	if (path[0] == '/')
		return -EINVAL;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	for (n = next_component(&pos, &name); n;
	     n = next_component(&pos, &name)) {
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n == 2 && name[0] == '.' && name[1] == '.')
			return -EACCES;
	}
	return 0;
}

/*
 * Closes fd and returns -ELOOP if it is a symlink, -ENOTDIR if want_dir
 * and it is no directory; else returns fd.  fd < 0 is -errno of openat.
 */
static int
check_type(int fd, bool want_dir)
{
	struct stat st;
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if (S_ISLNK(st.st_mode))
		rc = -ELOOP;
	else if (want_dir && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * Opens the last component name in dir with the caller's flags.  Under
 * O_PATH a symlink opens as itself, so its type is checked here.  With
 * O_DIRECTORY the kernel calls a symlink -ENOTDIR: it is -ELOOP here, as
 * everywhere else.
 */
static int
open_last(int dir, const char *name, int flags, mode_t mode)
{
	int fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	struct stat st;

	if (fd >= 0 && (flags & O_PATH))
		return check_type(fd, false);
	if (fd >= 0)
		return fd;
	fd = -errno;
	if (fd == -ENOTDIR && (flags & O_DIRECTORY) &&
	    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return fd;
}

int
vm_hostdir_open(int dirfd, const char *path, int flags, mode_t mode)
{
	const char *pos = path, *name, *next;
	char comp[NAME_MAX + 1];
	int cur = dirfd, fd;
	size_t n, len;

	assert(path);
	fd = check_path(path);
	if (fd)
		return fd;
	len = next_component(&pos, &name);
	if (len == 0)
		return open_last(dirfd, ".", flags, mode);
	for (;;) {
		memcpy(comp, name, len);
		comp[len] = '\0';
		n = next_component(&pos, &next);
		if (n == 0) {
			/* "a/" and "a/." ask for a directory */
			if (name[len])
				flags |= O_DIRECTORY;
			fd = open_last(cur, comp, flags, mode);
			break;
		}
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		fd = check_type(fd, true);
		if (cur != dirfd)
			close(cur);
		if (fd < 0)
			return fd;
		cur = fd;
		name = next;
		len = n;
	}
	if (cur != dirfd)
		close(cur);
	return fd;
}
