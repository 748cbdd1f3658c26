/*
 * tree.h - the mounted tree: what each node is, its children, its
 * attributes, and the contents of its files.
 *
 * Every function here is called with the machine lock held.
 */
#ifndef VMLABFS_TREE_H
#define VMLABFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lab.h"
#include "sbuf.h"

struct vm_proc;

/* A child found by name: its key. */
struct child {
	int type, pid;
	uint64_t arg;
};

/*
 * Resolves name under the directory (type, pid, arg).  Returns 0 with
 * *c, or -ENOENT (also when the node itself no longer exists), -ENOTDIR.
 */
int tree_lookup(struct lab *l, const struct node *dir, const char *name,
		struct child *c);

/* Fills st for a node; -ENOENT when it is gone (its process exited). */
int tree_getattr(struct lab *l, int type, int pid, uint64_t arg,
		 struct stat *st);

/*
 * Lists a directory: calls add(ctx, name, type, pid, arg) for ".." and
 * every child.  -ENOENT, -ENOTDIR.
 */
int tree_list(struct lab *l, const struct node *dir,
	      void (*add)(void *ctx, const char *name, mode_t mode, int type,
			  int pid, uint64_t arg),
	      void *ctx);

/* True for files whose text is rendered once at open (observation). */
bool tree_is_text(int type);

/* Renders a text file into sb.  -ENOENT when the node is gone. */
int tree_render(struct lab *l, int type, int pid, uint64_t arg,
		struct sbuf *sb);

/*
 * A name of the root that no process has but that is the reader's own
 * pid (on the host): the current process's directory, as self leads
 * to, under a node of its own (arg 1).  procps looks itself up by
 * getpid() in /proc.  0 with *c, or -ENOENT.
 */
int tree_lookup_reader(struct lab *l, const char *name, int reader,
		       struct child *c);

/*
 * The target of a symlink node (self: the current process's pid) into
 * buf.  -EINVAL for a node that is not a symlink, -ENOENT when the
 * link names nothing (a machine without processes).
 */
int tree_readlink(struct lab *l, int type, char *buf, size_t size);

/* The process of a pid node, alive or zombie, or NULL. */
struct vm_proc *tree_proc(struct lab *l, int pid);

/* The table frame at page-table path arg of p (pt/raw), or -ENOENT. */
int64_t tree_pt_table(struct lab *l, struct vm_proc *p, uint64_t arg);

#endif
