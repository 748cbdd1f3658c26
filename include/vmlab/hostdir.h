/*
 * hostdir.h - names inside the backing directory of files/.
 */
#ifndef VMLAB_HOSTDIR_H
#define VMLAB_HOSTDIR_H

#include <sys/types.h>

/*
 * Opens path, relative to dirfd, component by component with
 * openat(O_NOFOLLOW): "." and empty components are skipped, ".." is
 * refused (-EACCES), an absolute path is refused (-EINVAL), a symlink
 * anywhere is refused (-ELOOP).  Returns the fd or -errno.
 */
int vm_hostdir_open(int dirfd, const char *path, int flags, mode_t mode);

#endif /* VMLAB_HOSTDIR_H */
