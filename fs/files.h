/*
 * files.h - files/: real files in a backing directory (files.c).
 *
 * Inode numbers: files/ and everything under it are numbered
 * FILES_INO_BIT | id, id 0 being files/ itself; they are kept in files.c's
 * own table, never in the node table of node.c (whose numbers count up
 * from 1 and, as directory hints, have bit 63 set).  vmlabfs.c sends every
 * request on such an inode here (files_ino()), and the lookup of "files"
 * in the root to files_lookup_root().
 *
 * The handlers below take the arguments of the fuse_lowlevel_ops member
 * of the same name and reply to req themselves, with fuse_reply_err on
 * failure.  They are called without the machine lock; they take it
 * around the data path (files_data_*), and only there.
 */
#ifndef VMLABFS_FILES_H
#define VMLABFS_FILES_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define FILES_INO_BIT (1ull << 62)
#define FILES_ROOT_INO FILES_INO_BIT

/* One file, directory or symlink of files/ (files.c). */
struct finode;

/* Replies to a read with the n spans' bytes, straight from simulated
 * memory (the caller keeps them pinned until this returns); vmlabfs.c,
 * which replies to PID/mem reads the same way. */
struct vm_mem_span;
void lab_reply_spans(fuse_req_t req, const struct vm_mem_span *sp,
		     size_t n);

/* Is ino in files/ (files/ itself included)? */
static inline bool
files_ino(fuse_ino_t ino)
{
	return (ino >> 62) == 1;
}

/*
 * Makes the backing directory dir if it is missing (mode 0700, one
 * level) and opens it once; also sets the process umask to 0 so that the
 * modes the kernel sends (already masked with the caller's umask) are
 * the modes made.  0, or -errno with nothing kept.  Before the mount.
 */
int files_init(const char *dir);

/*
 * Called once the mount exists, when the nosymfollow option asks for
 * it: asks the kernel not to follow symlinks on it, so that readlink
 * can show a symlink of the backing directory without anyone ever
 * following it (the root's self then cannot be followed either).  Where
 * that is not allowed (not root), and without the option, readlink
 * fails with ELOOP instead.
 */
void files_mounted(const char *mountpoint);

/* Records where the tree will be mounted (before the mount: finding its
 * real path after it would ask this very server), for the names file
 * regions show in maps.  0 or -errno. */
int files_set_mount(const char *mountpoint);

/* The backing directory's real path, after files_init; else NULL. */
const char *files_dir(void);

/*
 * procfmt's file hook: names a file region in maps and smaps as
 * MOUNTPOINT/files/PATH (renames followed, " (deleted)" once unlinked),
 * with the host file's device and inode.  0, or -1 when it has no name.
 */
struct vm_vma;
struct fmt_file_id;
int files_vma_id(const struct vm_vma *a, struct fmt_file_id *id);

/* Logs where files/ lives and how its symlinks are shown. */
void files_log(void);

/* Closes every descriptor and frees the table.  Safe without init. */
void files_fini(void);

void files_lookup_root(fuse_req_t req);
void files_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void files_forget(fuse_ino_t ino, uint64_t nlookup);
void files_getattr(fuse_req_t req, fuse_ino_t ino);
void files_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		   int to_set, struct fuse_file_info *fi);
void files_readlink(fuse_req_t req, fuse_ino_t ino);
void files_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode, dev_t rdev);
void files_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode);
void files_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void files_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void files_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		  fuse_ino_t newparent, const char *newname,
		  unsigned int flags);
void files_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		   const char *name);
void files_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		const char *newname);
void files_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void files_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, struct fuse_file_info *fi);
void files_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void files_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		 size_t size, off_t off, struct fuse_file_info *fi);
void files_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void files_release(fuse_req_t req, fuse_ino_t ino,
		   struct fuse_file_info *fi);
void files_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi);
void files_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void files_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void files_releasedir(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi);
void files_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		    struct fuse_file_info *fi);
void files_statfs(fuse_req_t req, fuse_ino_t ino);

/*
 * The data path: every byte of a file's content, and its size, pass
 * through these and nothing else (see files.c).  All are called with the
 * machine lock held.  f's content is reachable between files_data_open
 * and the matching files_data_close; read, write, truncate and fsync are
 * only called in between.
 */
int files_data_open(struct finode *f, int acc, int newfd);
void files_data_close(struct finode *f);
ssize_t files_data_read(struct finode *f, void *buf, size_t size, off_t off);
ssize_t files_data_write(struct finode *f, const void *buf, size_t size,
			 off_t off);
int files_data_truncate(struct finode *f, off_t size);
int files_data_fsync(struct finode *f, int datasync);
off_t files_data_size(struct finode *f);

#endif
