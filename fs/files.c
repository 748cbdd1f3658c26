/*
 * files.c - files/: the real files of a backing directory, served the
 * way passthrough_ll of libfuse's examples serves a directory.
 *
 * Inodes.  Each inode of files/ is a struct finode holding an O_PATH |
 * O_NOFOLLOW descriptor of its host object, opened from its parent's
 * descriptor by one name, never by a path string, so nothing a lookup
 * meets is followed; the root of files/ holds the backing directory.
 * Finodes are keyed by the host's (st_dev, st_ino), so two names of one
 * host file (hard links made from outside) are one inode, and numbered by
 * a 64-bit counter that never reuses a number (FILES_INO_BIT | id, see
 * files.h).  A finode lives while the kernel holds lookup references to
 * it (nlookup, dropped by FORGET); the root lives until unmount.  While a
 * request on an inode is in flight, and while a file of it is open (until
 * its release is answered), the kernel holds the inode, so a finode a
 * handler has found cannot be forgotten under it.
 *
 * `..` never escapes: the kernel resolves it from the parent it keeps,
 * and the parent of files/ is the mount root.  A lookup of ".", ".." or
 * of a name with '/' is refused (EACCES) should one ever arrive.
 *
 *	host object   open, create          readlink
 *	regular file  yes                   EINVAL
 *	directory     opendir; EISDIR       EINVAL
 *	symlink       ELOOP: never          the target when the mount is
 *	              followed              nosymfollow (-o nosymfollow,
 *	                                    files_mounted), else ELOOP
 *	other         EPERM                 EINVAL
 *
 * Made here: regular files (create; mknod of S_IFREG) and directories.
 * Refused with EPERM: symlink and link (a symlink made here could lead
 * out; a hard link could pull a file in from anywhere on the same host
 * file system), and mknod of devices, FIFOs and sockets (a device node
 * opened by this daemon reaches what its owner can).  Permissions are
 * the host's, checked with this process's credentials; mount with -o
 * default_permissions to have the kernel check each caller's as well.
 *
 * The data path.  File content and the size getattr shows pass through
 * files_data_*() and nothing else: they are the machine's page cache
 * (vm_file_read, vm_file_write, vm_file_truncate, vm_file_sync, and the
 * object's size), so a write through a mapping is seen here at once and
 * the other way round, and reads are replied straight from the cache's
 * frames.  Each inode holds one host descriptor, f->data_fd, opened at
 * the first open by reopening /proc/self/fd/N of the O_PATH descriptor
 * (which names exactly that inode) and closed at the last release, and
 * while it is open the machine's object for the file (f->vf), made from
 * it.  Files are opened direct_io, so the host kernel keeps no cached
 * copy of them: the lab's page cache is the only cache, and every read
 * and write reaches it (a host cache kept coherent by invalidation would
 * answer reads the machine never sees; bench/fs.sh has the numbers).  The
 * host file has what was written back (fsync, msync, eviction, unmount),
 * as a disk under Linux's page cache.
 *
 * Locks: lab.lock (the machine lock) around every files_data_* call, and
 * over data_fd, data_acc and data_users; files.lock over the table and
 * nlookup.  lab.lock comes first; files.lock is never held across a
 * system call.  Namespace calls (mkdir, unlink, rename, ...) take
 * neither: the host makes each one atomic.
 */
#include <config.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "files.h"
#include "lab.h"
#include "procfmt.h"
#include "vmlab/mmu.h"
#include "vmlab/pagecache.h"

#define NBUCKETS 1024

struct finode {
	/* set when made, read-only after */
	uint64_t id;		/* the inode number is FILES_INO_BIT | id */
	int fd;			/* O_PATH | O_NOFOLLOW: the host object */
	dev_t dev;
	ino_t ino;		/* the host's identity: the table's key */
	mode_t type;		/* S_IFMT bits of the host object */
	/* under files.lock */
	uint64_t nlookup;	/* the kernel's references */
	struct finode *next_key, *next_id;
	/* the data path, under lab.lock */
	int data_fd;		/* the content; -1 while nobody uses it */
	int data_acc;		/* what data_fd may do: O_RDONLY, O_WRONLY, O_RDWR */
	unsigned data_users;	/* open files, and truncations without one */
	struct vm_file *vf;	/* the machine's object: its page cache */
};

/* An open file, in fi->fh. */
struct fhandle {
	struct finode *f;
	bool append;		/* O_APPEND: every write goes at the end */
};

/* An open directory, in fi->fh; read as passthrough_ll does. */
struct fdir {
	pthread_mutex_t lock;
	DIR *dp;
	dev_t dev;		/* the directory's, for inode hints */
	off_t offset;		/* the offset dp is at */
	struct dirent *entry;	/* read from dp but not yet replied, or NULL */
};

static struct {
	pthread_mutex_t lock;
	struct finode root;
	struct finode *by_key[NBUCKETS], *by_id[NBUCKETS];
	uint64_t next_id;
	char *dir;		/* the backing directory (real path) */
	char *mnt;		/* the mount point (real path), for maps */
	bool links_shown;	/* the mount is nosymfollow: readlink answers */
} files = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.root = { .fd = -1, .data_fd = -1 },
};

/* ---- the inode table --------------------------------------------------- */

static size_t
key_bucket(dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ (uint64_t)dev << 40) *
		     0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 40) % NBUCKETS;
}

/* The finode numbered id, or NULL.  files.lock held. */
static struct finode *
find_id(uint64_t id)
{
	struct finode *f = files.by_id[id % NBUCKETS];

	while (f && f->id != id)
		f = f->next_id;
	return f;
}

/* The finode of the host object (dev, ino), or NULL.  files.lock held. */
static struct finode *
find_key(dev_t dev, ino_t ino)
{
	struct finode *f = files.by_key[key_bucket(dev, ino)];

	while (f && !(f->dev == dev && f->ino == ino))
		f = f->next_key;
	return f;
}

static void
insert(struct finode *f)
{
	size_t kb = key_bucket(f->dev, f->ino);

	f->next_key = files.by_key[kb];
	files.by_key[kb] = f;
	f->next_id = files.by_id[f->id % NBUCKETS];
	files.by_id[f->id % NBUCKETS] = f;
}

static void
unlink_finode(struct finode *f)
{
	struct finode **k = &files.by_key[key_bucket(f->dev, f->ino)];
	struct finode **i = &files.by_id[f->id % NBUCKETS];

	while (*k != f)
		k = &(*k)->next_key;
	*k = f->next_key;
	while (*i != f)
		i = &(*i)->next_id;
	*i = f->next_id;
}

static fuse_ino_t
ino_of(const struct finode *f)
{
	return FILES_INO_BIT | f->id;
}

/* The finode of an inode number the kernel sent, or NULL (ESTALE). */
static struct finode *
finode_of(fuse_ino_t ino)
{
	struct finode *f;

	pthread_mutex_lock(&files.lock);
	f = find_id(ino & ~FILES_INO_BIT);
	pthread_mutex_unlock(&files.lock);
	return f;
}

/*
 * The finode of the host object fd (an O_PATH | O_NOFOLLOW descriptor
 * whose stat is st), made if new, with one kernel reference more.  fd is
 * taken: it becomes the new finode's, or is closed.  NULL: out of memory.
 */
static struct finode *
finode_ref(int fd, const struct stat *st)
{
	struct finode *f, *made = calloc(1, sizeof(*made));

	pthread_mutex_lock(&files.lock);
	f = find_key(st->st_dev, st->st_ino);
	if (!f && made) {
		f = made;
		made = NULL;
		f->id = ++files.next_id;
		f->fd = fd;
		fd = -1;
		f->dev = st->st_dev;
		f->ino = st->st_ino;
		f->type = st->st_mode & S_IFMT;
		f->data_fd = -1;
		insert(f);
	}
	if (f)
		f->nlookup++;
	pthread_mutex_unlock(&files.lock);
	free(made);
	if (fd >= 0)
		close(fd);
	return f;
}

/* The finode of fd, an O_PATH | O_NOFOLLOW descriptor; takes fd. */
static int
adopt(int fd, struct finode **out)
{
	struct stat st;
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*out = finode_ref(fd, &st);
	return *out ? 0 : -ENOMEM;
}

void
files_forget(fuse_ino_t ino, uint64_t n)
{
	struct finode *f;

	pthread_mutex_lock(&files.lock);
	f = find_id(ino & ~FILES_INO_BIT);
	if (f && f != &files.root) {
		f->nlookup = f->nlookup > n ? f->nlookup - n : 0;
		if (f->nlookup == 0)
			unlink_finode(f);
		else
			f = NULL;
	} else {
		f = NULL;
	}
	pthread_mutex_unlock(&files.lock);
	if (f) {
		close(f->fd);
		free(f);
	}
}

/* ---- the data path ----------------------------------------------------- */

/* /proc/self/fd/N of f's O_PATH descriptor: opening it opens f itself. */
static void
proc_path(const struct finode *f, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", f->fd);
}

/* May this process, now, do acc (O_RDONLY, O_WRONLY, O_RDWR) to f? */
static int
data_allowed(const struct finode *f, int acc)
{
	int how = acc == O_RDWR ? R_OK | W_OK : acc == O_WRONLY ? W_OK : R_OK;
	char path[40];

	proc_path(f, path, sizeof(path));
	return faccessat(AT_FDCWD, path, how, AT_EACCESS) ? -errno : 0;
}

/* A new descriptor of f's content: O_RDWR if the host allows, else acc;
 * *got says which.  The descriptor, or -errno. */
static int
data_reopen(const struct finode *f, int acc, int *got)
{
	char path[40];
	int fd;

	proc_path(f, path, sizeof(path));
	*got = O_RDWR;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && acc != O_RDWR) {
		*got = acc;
		fd = open(path, acc | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* f's path under files/, for the machine's log lines: the host's name
 * of fd with the backing directory cut off. */
static void
data_name(int fd, char *buf, size_t len)
{
	char proc[64], host[PATH_MAX];
	size_t dl = strlen(files.dir);
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, host, sizeof(host) - 1);
	host[n > 0 ? n : 0] = '\0';
	if (n > 0 && !strncmp(host, files.dir, dl) && host[dl] == '/')
		snprintf(buf, len, "%s", host + dl + 1);
	else
		snprintf(buf, len, "?");
}

/*
 * Hands the machine the host file behind fd: f's page-cache object, made
 * or found (by the host's device and inode: the file a mapping opened by
 * name is the same object).  A writable fd replaces a read-only one the
 * object had.  0 or -errno.  lab.lock held.
 */
static int
data_attach(struct finode *f, int fd)
{
	struct vm_file *vf;
	char name[PATH_MAX];
	int rc;

	data_name(fd, name, sizeof(name));
	rc = vm_file_adopt(lab.m, fd, name, &vf);
	if (rc)
		return rc;
	if (f->vf)
		vm_file_put(vf); /* one reference an inode */
	else
		f->vf = vf;
	return 0;
}

/*
 * Makes f's content reachable for one more user that reads (acc
 * O_RDONLY), writes (O_WRONLY) or both (O_RDWR).  The host decides, with
 * this process's credentials, whether that is allowed now; then data_fd
 * is opened, or reopened if it cannot do what acc asks.  newfd, when >= 0,
 * is an O_RDWR descriptor of f got as f was created (a file made with
 * mode 0444 is writable through the open that made it, as anywhere): it
 * is taken, and no check is made.  0 or -errno (-EACCES, -EROFS, ...),
 * with no user added on failure.  lab.lock held.
 */
int
files_data_open(struct finode *f, int acc, int newfd)
{
	int fd = newfd, got = O_RDWR, rc;

	if (fd < 0) {
		rc = data_allowed(f, acc);
		if (rc)
			return rc;
	}
	if (f->data_fd >= 0 && (f->data_acc == O_RDWR || f->data_acc == acc)) {
		if (fd >= 0)
			close(fd);
		f->data_users++;
		return 0;
	}
	if (fd < 0)
		fd = data_reopen(f, acc, &got);
	if (fd < 0)
		return fd;
	rc = data_attach(f, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	if (f->data_fd >= 0)
		close(f->data_fd);
	f->data_fd = fd;
	f->data_acc = got;
	f->data_users++;
	return 0;
}

/* One user less; the last one closes data_fd.  lab.lock held. */
void
files_data_close(struct finode *f)
{
	assert(f->data_users > 0);
	if (--f->data_users == 0) {
		vm_file_put(f->vf); /* its pages stay cached */
		f->vf = NULL;
		close(f->data_fd);
		f->data_fd = -1;
	}
}

/* Reads up to size bytes at off through the page cache: the count
 * (short only at the end of the file) or -errno.  lab.lock held, f
 * opened. */
ssize_t
files_data_read(struct finode *f, void *buf, size_t size, off_t off)
{
	assert(f->vf);
	return vm_file_read(lab.m, f->vf, buf, size, (uint64_t)off);
}

/* Writes size bytes at off into the page cache, growing the file as
 * needed: the count or -errno.  lab.lock held, f opened for writing. */
ssize_t
files_data_write(struct finode *f, const void *buf, size_t size, off_t off)
{
	assert(f->vf);
	if (f->data_acc == O_RDONLY)
		return -EBADF;
	return vm_file_write(lab.m, f->vf, buf, size, (uint64_t)off);
}

/* Cuts or extends (with zeros) f to size bytes; pages past a new end
 * leave every mapping.  0 or -errno.  lab.lock held, f opened for
 * writing. */
int
files_data_truncate(struct finode *f, off_t size)
{
	assert(f->vf);
	return vm_file_truncate(lab.m, f->vf, (uint64_t)size);
}

/* Writes f's dirty pages back and puts them on the host's disk.  0 or
 * -errno.  lab.lock held, f opened. */
int
files_data_fsync(struct finode *f, int datasync)
{
	(void)datasync;
	assert(f->vf);
	return vm_file_sync(lab.m, f->vf);
}

/* f's size in bytes, or -errno: the page cache's when the machine knows
 * the file (it may be ahead of the host's), else the host's.  Open or
 * not.  lab.lock held. */
off_t
files_data_size(struct finode *f)
{
	struct vm_file *vf = f->vf ? f->vf : vm_file_find(lab.m, f->dev,
							   f->ino);
	struct stat st;

	if (vf)
		return (off_t)vf->size;
	if (fstat(f->data_fd >= 0 ? f->data_fd : f->fd, &st) != 0)
		return -errno;
	return st.st_size;
}

/* The name a file region shows in maps: MOUNTPOINT/files/PATH, the path
 * the host gives the region's file now (renames followed, " (deleted)"
 * after an unlink, as Linux shows it), with the host's device and inode. */
int
files_vma_id(const struct vm_vma *a, struct fmt_file_id *id)
{
	char proc[64], host[PATH_MAX];
	size_t dl = files.dir ? strlen(files.dir) : 0;
	ssize_t n;

	if (!a->file || !files.dir)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", a->file->fd);
	n = readlink(proc, host, sizeof(host) - 1);
	if (n <= 0)
		return -1;
	host[n] = '\0';
	if (strncmp(host, files.dir, dl) || host[dl] != '/')
		return -1;
	snprintf(id->path, sizeof(id->path), "%s/files/%s", files.mnt,
		 host + dl + 1);
	id->major = major(a->file->dev);
	id->minor = minor(a->file->dev);
	id->ino = a->file->ino;
	return 0;
}

/* ---- attributes and names ---------------------------------------------- */

/* The host's attributes of f, with the lab's inode number and the size
 * the data path gives.  0 or -errno. */
static int
finode_stat(struct finode *f, struct stat *st)
{
	off_t size;

	if (fstat(f->fd, st) != 0)
		return -errno;
	st->st_ino = ino_of(f);
	if (S_ISREG(st->st_mode)) {
		LOCK();
		size = files_data_size(f);
		UNLOCK();
		if (size < 0)
			return (int)size;
		st->st_size = size;
		/* data not yet written back has no host blocks: count it */
		if (st->st_blocks < (size + 511) / 512)
			st->st_blocks = (size + 511) / 512;
	}
	return 0;
}

/* Replies to a lookup, mknod or mkdir with f, for which one kernel
 * reference was taken; the reference goes if the reply is an error. */
static void
reply_entry(fuse_req_t req, struct finode *f)
{
	struct fuse_entry_param e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = finode_stat(f, &e.attr);
	if (rc) {
		files_forget(ino_of(f), 1);
		fuse_reply_err(req, -rc);
		return;
	}
	e.ino = ino_of(f);
	fuse_reply_entry(req, &e);
}

/* A name that stays in its directory: not "", ".", ".." nor with '/'. */
static bool
name_ok(const char *name)
{
	return name[0] && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

/* Looks name up in dir: its finode, with one kernel reference more.
 * 0 or -errno (-ENOENT, -ENOTDIR, -EACCES for a bad name). */
static int
lookup_name(struct finode *dir, const char *name, struct finode **out)
{
	if (!name_ok(name))
		return -EACCES;
	return adopt(openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC),
		     out);
}

/* Replies to mknod or mkdir: rc, or the entry of name, just made. */
static void
reply_made(fuse_req_t req, struct finode *dir, const char *name, int rc)
{
	struct finode *f;

	if (rc == 0)
		rc = lookup_name(dir, name, &f);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, f);
}

void
files_lookup_root(fuse_req_t req)
{
	pthread_mutex_lock(&files.lock);
	files.root.nlookup++;
	pthread_mutex_unlock(&files.lock);
	reply_entry(req, &files.root);
}

void
files_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct finode *dir = finode_of(parent), *f;
	int rc = dir ? lookup_name(dir, name, &f) : -ESTALE;

	if (rc)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, f);
}

void
files_getattr(fuse_req_t req, fuse_ino_t ino)
{
	struct finode *f = finode_of(ino);
	struct stat st;
	int rc = f ? finode_stat(f, &st) : -ESTALE;

	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0);
}

/* ---- setattr ----------------------------------------------------------- */

static int
set_mode(const struct finode *f, mode_t mode)
{
	char path[40];

	if (S_ISLNK(f->type))
		return -EOPNOTSUPP; /* as lchmod on Linux */
	proc_path(f, path, sizeof(path));
	return chmod(path, mode & 07777) ? -errno : 0;
}

static int
set_owner(const struct finode *f, const struct stat *attr, int to_set)
{
	uid_t uid = to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
	gid_t gid = to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;

	return fchownat(f->fd, "", uid, gid,
			AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

/* Truncates or extends f through the data path: through the open file
 * that asks (open), or opening f for just this. */
static int
set_size(struct finode *f, off_t size, bool open)
{
	int rc = 0;

	if (S_ISDIR(f->type))
		return -EISDIR;
	if (!S_ISREG(f->type))
		return -EINVAL;
	LOCK();
	if (!open)
		rc = files_data_open(f, O_WRONLY, -1);
	if (rc == 0) {
		rc = files_data_truncate(f, size);
		if (!open)
			files_data_close(f);
	}
	UNLOCK();
	return rc;
}

static int
set_times(const struct finode *f, const struct stat *attr, int to_set)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };

	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;
	return utimensat(f->fd, "", ts, AT_EMPTY_PATH) ? -errno : 0;
}

/* Mode, owner, size, then times (so that times set with a size stay). */
static int
set_attrs(struct finode *f, const struct stat *attr, int to_set, bool open)
{
	int rc = 0;

	if (to_set & FUSE_SET_ATTR_MODE)
		rc = set_mode(f, attr->st_mode);
	if (!rc && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		rc = set_owner(f, attr, to_set);
	if (!rc && (to_set & FUSE_SET_ATTR_SIZE))
		rc = set_size(f, attr->st_size, open);
	if (!rc && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
			      FUSE_SET_ATTR_ATIME_NOW |
			      FUSE_SET_ATTR_MTIME_NOW)))
		rc = set_times(f, attr, to_set);
	return rc;
}

void
files_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
	      struct fuse_file_info *fi)
{
	struct finode *f = finode_of(ino);
	int rc = f ? set_attrs(f, attr, to_set, fi != NULL) : -ESTALE;

	if (rc)
		fuse_reply_err(req, -rc);
	else
		files_getattr(req, ino);
}

/* ---- names: make, remove, rename --------------------------------------- */

/* The target of the symlink f, in buf: its length, or -errno. */
static ssize_t
link_target(const struct finode *f, char *buf, size_t size)
{
	ssize_t n;

	if (!S_ISLNK(f->type))
		return -EINVAL;
	if (!files.links_shown)
		return -ELOOP; /* the kernel would follow what it reads */
	n = readlinkat(f->fd, "", buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

void
files_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct finode *f = finode_of(ino);
	char buf[PATH_MAX + 1];
	ssize_t n = f ? link_target(f, buf, sizeof(buf)) : -ESTALE;

	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_readlink(req, buf);
}

/* Only regular files: devices, FIFOs and sockets are EPERM. */
void
files_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	    dev_t rdev)
{
	struct finode *dir = finode_of(parent);
	int rc = 0;

	if (!dir) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (!S_ISREG(mode))
		rc = -EPERM;
	else if (!name_ok(name))
		rc = -EACCES;
	else if (mknodat(dir->fd, name, S_IFREG | (mode & 07777), 0))
		rc = -errno;
	reply_made(req, dir, name, rc);
}

void
files_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct finode *dir = finode_of(parent);
	int rc = 0;

	if (!dir) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (!name_ok(name))
		rc = -EACCES;
	else if (mkdirat(dir->fd, name, mode & 07777))
		rc = -errno;
	reply_made(req, dir, name, rc);
}

/* Removes name from parent: a file (flags 0) or an empty directory
 * (AT_REMOVEDIR).  0 or -errno. */
static int
remove_name(fuse_ino_t parent, const char *name, int flags)
{
	struct finode *dir = finode_of(parent);

	if (!dir)
		return -ESTALE;
	if (!name_ok(name))
		return -EACCES;
	return unlinkat(dir->fd, name, flags) ? -errno : 0;
}

void
files_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, -remove_name(parent, name, 0));
}

void
files_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, -remove_name(parent, name, AT_REMOVEDIR));
}

/* As rename(2), over an existing file or empty directory; flags are
 * renameat2's (RENAME_NOREPLACE, RENAME_EXCHANGE). */
void
files_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	     fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct finode *from = finode_of(parent), *to = finode_of(newparent);
	int rc = 0;

	if (!from || !to)
		rc = -ESTALE;
	else if (!name_ok(name) || !name_ok(newname))
		rc = -EACCES;
	else if (renameat2(from->fd, name, to->fd, newname, flags))
		rc = -errno;
	fuse_reply_err(req, -rc);
}

/* Symlinks are not made here: one could lead out of files/. */
void
files_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
	      const char *name)
{
	fuse_reply_err(req, EPERM);
}

/* Nor hard links: all names of a file stay ones made from outside. */
void
files_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	   const char *newname)
{
	fuse_reply_err(req, EPERM);
}

/* ---- open files -------------------------------------------------------- */

static struct fhandle *
handle_of(const struct fuse_file_info *fi)
{
	return (struct fhandle *)(uintptr_t)fi->fh;
}

/* Puts h in fi.  direct_io: the host kernel keeps no cached copy of
 * files/, so the machine's page cache will be the only cache. */
static void
fi_set(struct fuse_file_info *fi, struct fhandle *h)
{
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	fi->keep_cache = 0;
}

/* Can a file of this type be opened?  Only a regular file: 0, or the
 * errno (a symlink is never followed: ELOOP, as under O_NOFOLLOW). */
static int
openable(mode_t type)
{
	if (S_ISREG(type))
		return 0;
	if (S_ISDIR(type))
		return -EISDIR;
	if (S_ISLNK(type))
		return -ELOOP;
	return -EPERM;
}

/*
 * Opens f as open(2) with flags would: a regular file only (openable),
 * its content made reachable (files_data_open, newfd as there) and
 * truncated for O_TRUNC.  0 with *out, or -errno; newfd is taken.
 */
static int
handle_open(struct finode *f, int flags, int newfd, struct fhandle **out)
{
	int acc = flags & O_ACCMODE, rc = openable(f->type);
	struct fhandle *h = NULL;

	if (rc == 0)
		h = calloc(1, sizeof(*h));
	if (rc || !h) {
		if (newfd >= 0)
			close(newfd);
		return rc ? rc : -ENOMEM;
	}
	if ((flags & O_TRUNC) && acc == O_RDONLY)
		acc = O_RDWR; /* truncating needs write permission */
	h->f = f;
	h->append = (flags & O_APPEND) != 0;
	LOCK();
	rc = files_data_open(f, acc, newfd);
	if (rc == 0 && (flags & O_TRUNC)) {
		rc = files_data_truncate(f, 0);
		if (rc)
			files_data_close(f);
	}
	UNLOCK();
	if (rc)
		free(h);
	else
		*out = h;
	return rc;
}

/* Undoes handle_open: the handle goes, and its use of f's content. */
static void
handle_close(struct fhandle *h)
{
	LOCK();
	files_data_close(h->f);
	UNLOCK();
	free(h);
}

void
files_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct finode *f = finode_of(ino);
	struct fhandle *h = NULL;
	int rc = f ? handle_open(f, fi->flags, -1, &h) : -ESTALE;

	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi_set(fi, h);
	fuse_reply_open(req, fi);
}

/*
 * Makes name in dir and opens it, as open(2) with O_CREAT and flags
 * would: a name that is there already is opened as it is (-EEXIST under
 * O_EXCL; a symlink there is never followed).  *f (with one kernel
 * reference) and *h, or -errno.
 */
static int
create_open(struct finode *dir, const char *name, mode_t mode, int flags,
	    struct finode **f, struct fhandle **h)
{
	char path[40];
	int fd, rc;

	if (!name_ok(name))
		return -EACCES;
	fd = openat(dir->fd, name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW |
					   O_CLOEXEC, mode & 07777);
	if (fd < 0 && (errno != EEXIST || (flags & O_EXCL)))
		return -errno;
	if (fd < 0) {
		rc = lookup_name(dir, name, f);
		flags &= ~O_CREAT;
	} else {
		/* the O_PATH descriptor of what was made, not of the name */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rc = adopt(open(path, O_PATH | O_CLOEXEC), f);
		flags &= ~O_TRUNC; /* it is empty */
	}
	if (rc) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	rc = handle_open(*f, flags, fd, h);
	if (rc)
		files_forget(ino_of(*f), 1);
	return rc;
}

void
files_create(fuse_req_t req, fuse_ino_t parent, const char *name,
	     mode_t mode, struct fuse_file_info *fi)
{
	struct finode *dir = finode_of(parent), *f = NULL;
	struct fuse_entry_param e;
	struct fhandle *h = NULL;
	int rc = dir ? create_open(dir, name, mode, fi->flags, &f, &h)
		     : -ESTALE;

	memset(&e, 0, sizeof(e));
	if (rc == 0)
		rc = finode_stat(f, &e.attr);
	if (rc) {
		if (h)
			handle_close(h);
		if (f)
			files_forget(ino_of(f), 1);
		fuse_reply_err(req, -rc);
		return;
	}
	e.ino = ino_of(f);
	fi_set(fi, h);
	fuse_reply_create(req, &e, fi);
}

/* A read through a bounce buffer.  lab.lock held. */
static void
read_copy(fuse_req_t req, struct finode *f, size_t size, off_t off)
{
	char *buf = malloc(size ? size : 1);
	ssize_t n = buf ? files_data_read(f, buf, size, off) : -ENOMEM;

	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

/* A read replied straight from the page cache's frames, pinned until the
 * reply is written (the machine lock is held as long); a copy when the
 * range is too large to pin. */
void
files_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	   struct fuse_file_info *fi)
{
	struct fhandle *h = handle_of(fi);
	size_t max = size ? vm_mem_pages((uint64_t)off, size) : 1, n = 0;
	struct vm_mem_span *sp = malloc(max * sizeof(*sp));
	ssize_t rc = -ENOMEM;

	(void)ino;
	LOCK();
	if (sp && off >= 0)
		rc = vm_file_pin_read(lab.m, h->f->vf, (uint64_t)off, size, sp,
				      &n);
	else if (off < 0)
		rc = -EINVAL;
	if (rc == -E2BIG)
		read_copy(req, h->f, size, off);
	else if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	else
		lab_reply_spans(req, sp, n);
	vm_mem_unpin(lab.m, sp, n);
	UNLOCK();
	free(sp);
}

/* A write at off, or at the end under O_APPEND (whatever off the kernel
 * computed from a size it may not know yet). */
void
files_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
	    off_t off, struct fuse_file_info *fi)
{
	struct fhandle *h = handle_of(fi);
	ssize_t n;

	LOCK();
	if (h->append)
		off = files_data_size(h->f);
	n = off < 0 ? off : files_data_write(h->f, buf, size, off);
	UNLOCK();
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* Nothing waits at close: every write has reached the data path. */
void
files_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

void
files_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	handle_close(handle_of(fi));
	fuse_reply_err(req, 0);
}

void
files_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	    struct fuse_file_info *fi)
{
	struct fhandle *h = handle_of(fi);
	int rc;

	LOCK();
	rc = files_data_fsync(h->f, datasync);
	UNLOCK();
	fuse_reply_err(req, -rc);
}

/* ---- directories ------------------------------------------------------- */

static struct fdir *
dir_of(const struct fuse_file_info *fi)
{
	return (struct fdir *)(uintptr_t)fi->fh;
}

void
files_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct finode *f = finode_of(ino);
	struct fdir *d = calloc(1, sizeof(*d));
	int fd = -1, rc = !f ? ESTALE : !d ? ENOMEM : 0;

	if (rc == 0) {
		fd = openat(f->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		d->dp = fd < 0 ? NULL : fdopendir(fd);
		if (!d->dp)
			rc = errno;
	}
	if (rc) {
		if (fd >= 0)
			close(fd);
		free(d);
		fuse_reply_err(req, rc);
		return;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->dev = f->dev;
	fi->fh = (uintptr_t)d;
	fuse_reply_open(req, fi);
}

/* The inode number to list for a host entry: its finode's if it has one,
 * else the host's with bit 63 set, a number no inode has (a hint only,
 * as in the rest of the tree). */
static uint64_t
entry_ino(dev_t dev, ino_t ino)
{
	struct finode *f;
	uint64_t n;

	pthread_mutex_lock(&files.lock);
	f = find_key(dev, ino);
	n = f ? ino_of(f) : 1ull << 63 | (uint64_t)ino;
	pthread_mutex_unlock(&files.lock);
	return n;
}

/* Adds entries from d->offset on to buf until it is full: the bytes, or
 * -errno when nothing could be read.  d->lock held. */
static ssize_t
fill_dir(fuse_req_t req, struct fdir *d, char *buf, size_t size)
{
	size_t len = 0, n;
	struct stat st;

	for (;;) {
		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry)
				return errno && !len ? -errno : (ssize_t)len;
		}
		memset(&st, 0, sizeof(st));
		st.st_ino = entry_ino(d->dev, d->entry->d_ino);
		st.st_mode = (mode_t)d->entry->d_type << 12;
		n = fuse_add_direntry(req, buf + len, size - len,
				      d->entry->d_name, &st, d->entry->d_off);
		if (n > size - len)
			return (ssize_t)len;
		len += n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
}

void
files_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	      struct fuse_file_info *fi)
{
	struct fdir *d = dir_of(fi);
	char *buf = malloc(size ? size : 1);
	ssize_t n = -ENOMEM;

	if (buf) {
		pthread_mutex_lock(&d->lock);
		if (off != d->offset) {
			seekdir(d->dp, off);
			d->entry = NULL;
			d->offset = off;
		}
		n = fill_dir(req, d, buf, size);
		pthread_mutex_unlock(&d->lock);
	}
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

void
files_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fdir *d = dir_of(fi);

	closedir(d->dp);
	pthread_mutex_destroy(&d->lock);
	free(d);
	fuse_reply_err(req, 0);
}

void
files_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
	       struct fuse_file_info *fi)
{
	int fd = dirfd(dir_of(fi)->dp);
	int rc = datasync ? fdatasync(fd) : fsync(fd);

	fuse_reply_err(req, rc ? errno : 0);
}

/* The host file system's figures, where the backing directory is. */
void
files_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct finode *f = finode_of(ino);
	struct statvfs sv;

	if (!f)
		fuse_reply_err(req, ESTALE);
	else if (fstatvfs(f->fd, &sv) != 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* ---- setup ------------------------------------------------------------- */

int
files_init(const char *dir)
{
	struct finode *r = &files.root;
	struct stat st;
	int fd, rc;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	files.dir = realpath(dir, NULL);
	if (fstat(fd, &st) != 0 || !files.dir) {
		rc = files.dir ? -errno : -ENOMEM;
		close(fd);
		free(files.dir);
		files.dir = NULL;
		return rc;
	}
	*r = (struct finode){ .id = 0, .fd = fd, .dev = st.st_dev,
			      .ino = st.st_ino, .type = S_IFDIR,
			      .nlookup = 1, .data_fd = -1 };
	insert(r);
	umask(0);
	return 0;
}

int
files_set_mount(const char *mountpoint)
{
	free(files.mnt);
	files.mnt = realpath(mountpoint, NULL);
	return files.mnt ? 0 : -errno;
}

const char *
files_dir(void)
{
	return files.dir;
}

void
files_mounted(const char *mountpoint)
{
#if defined(SYS_mount_setattr) && defined(MOUNT_ATTR_NOSYMFOLLOW)
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSYMFOLLOW };

	files.links_shown = syscall(SYS_mount_setattr, AT_FDCWD, mountpoint, 0,
				    &attr, sizeof(attr)) == 0;
#endif
}

void
files_log(void)
{
	lab_logf("files/ in %s; symlinks there are never followed%s",
		 files.dir ? files.dir : "?",
		 files.links_shown ? " (mount nosymfollow)"
				   : " (readlink fails with ELOOP)");
}

void
files_fini(void)
{
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct finode *f = files.by_id[b], *next;

		for (; f; f = next) {
			next = f->next_id;
			if (f->data_fd >= 0)
				close(f->data_fd);
			close(f->fd);
			if (f != &files.root)
				free(f);
		}
		files.by_id[b] = NULL;
		files.by_key[b] = NULL;
	}
	files.root.fd = -1;
	free(files.dir);
	files.dir = NULL;
	free(files.mnt);
	files.mnt = NULL;
}
