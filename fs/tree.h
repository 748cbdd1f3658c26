/*
 * tree.h - the mounted tree: what each node is, its children, its
 * attributes, and the contents of its files.
 *
 * Every function here is called with the machine lock held.
 */
#ifndef VMLABFS_TREE_H
#define VMLABFS_TREE_H

#include <stdbool.h>
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

/* The process of a pid node, alive or zombie, or NULL. */
struct vm_proc *tree_proc(struct lab *l, int pid);

/* The table frame at page-table path arg of p (pt/raw), or -ENOENT. */
int64_t tree_pt_table(struct lab *l, struct vm_proc *p, uint64_t arg);

#endif
