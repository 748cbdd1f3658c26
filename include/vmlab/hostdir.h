/*
 * hostdir.h - opening host files by a path that must stay inside one
 * directory.
 *
 * The machine opens files by the names users give it (ctl `mmap ...
 * file=PATH`, files/ of vmlabfs); those names must never reach outside
 * the backing directory, whatever a user or anybody else has put inside
 * it.  vm_hostdir_open resolves the path itself, one component at a
 * time with openat(2) and O_NOFOLLOW, instead of handing it to the
 * kernel whole:
 *
 *	path        what happens
 *	""          -ENOENT, as open(2) says for an empty path
 *	"/..."      -EINVAL: absolute paths are refused
 *	"a//b/./c"  empty and "." components are skipped: "a/b/c"
 *	"." "./"    the directory itself (openat(dirfd, ".", flags))
 *	"a/../b"    -EACCES: ".." is refused anywhere, even where it would
 *	            come back inside, so that no check on the name is
 *	            needed after
 *	"a/"        a trailing '/' asks for a directory (O_DIRECTORY)
 *	symlink     -ELOOP, as the last component or any earlier one,
 *	            whatever it points at, even with O_PATH
 *
 * Mount points inside the directory are crossed like any directory: they
 * are not links, and only whoever owns the directory can make them.
 * Permissions are the host's, checked with the caller's credentials at
 * every component.
 */
#ifndef VMLAB_HOSTDIR_H
#define VMLAB_HOSTDIR_H

#include <sys/types.h>

/*
 * Opens path relative to the directory dirfd as openat(dirfd, path,
 * flags, mode) would, but following no symlink and never leaving dirfd
 * (see the table above).  flags are open(2)'s (O_CREAT, O_EXCL, O_TRUNC,
 * O_PATH, ... all allowed); O_NOFOLLOW and O_CLOEXEC are always added.
 * O_CREAT makes only the last component: the directories on the way
 * must exist.  Returns the new descriptor, owned by the caller, or
 * -errno: -EINVAL, -EACCES, -ELOOP as above, -ENAMETOOLONG (a path of
 * PATH_MAX bytes or more, a component over NAME_MAX), -ENOTDIR (a
 * component on the way is not a directory), or what openat(2) returns.
 * No descriptor is left open on failure.
 */
int vm_hostdir_open(int dirfd, const char *path, int flags, mode_t mode);

#endif
