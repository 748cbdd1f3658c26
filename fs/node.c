/*
 * node.c - the inode table: (type, pid, arg) <-> inode number.
 *
 * Nodes live while the kernel holds a reference (nlookup > 0) and are
 * freed at forget; inode numbers are never reused (a 64-bit counter), so
 * the kernel can never confuse an old node with a new one.  The root and
 * other static nodes simply never reach nlookup 0: they are made with a
 * reference the kernel does not know of.  Two chained hash tables, by key
 * and by inode, of a fixed bucket count (nodes are few: the kernel forgets
 * what it does not cache).
 */
#include <config.h>

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define NBUCKETS 4096

static size_t
hash_key(int type, int pid, uint64_t arg)
{
	uint64_t h = (uint64_t)type * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)pid * 0xc2b2ae3d27d4eb4full ^
		     arg * 0x165667b19e3779f9ull;

	h ^= h >> 29;
	return (size_t)(h % NBUCKETS);
}

int
nodes_init(struct lab *l)
{
	struct node *root;

	pthread_mutex_init(&l->nlock, NULL);
	l->nbuckets = NBUCKETS;
	l->by_key = calloc(NBUCKETS, sizeof(*l->by_key));
	l->by_ino = calloc(NBUCKETS, sizeof(*l->by_ino));
	if (!l->by_key || !l->by_ino)
		return -ENOMEM;
	l->next_ino = FUSE_ROOT_ID;
	root = node_get(l, N_ROOT, 0, 0, true);
	return root && root->ino == FUSE_ROOT_ID ? 0 : -ENOMEM;
}

void
nodes_fini(struct lab *l)
{
	for (size_t b = 0; l->by_key && b < l->nbuckets; b++) {
		struct node *n = l->by_key[b];

		while (n) {
			struct node *next = n->next_key;

			free(n);
			n = next;
		}
	}
	free(l->by_key);
	free(l->by_ino);
	l->by_key = l->by_ino = NULL;
}

static struct node *
node_lookup_key(struct lab *l, int type, int pid, uint64_t arg)
{
	struct node *n = l->by_key[hash_key(type, pid, arg)];

	while (n && !(n->type == type && n->pid == pid && n->arg == arg))
		n = n->next_key;
	return n;
}

struct node *
node_get(struct lab *l, int type, int pid, uint64_t arg, bool ref)
{
	struct node *n;

	pthread_mutex_lock(&l->nlock);
	n = node_lookup_key(l, type, pid, arg);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (n) {
			size_t kb = hash_key(type, pid, arg);

			n->type = type;
			n->pid = pid;
			n->arg = arg;
			n->ino = l->next_ino++;
			n->next_key = l->by_key[kb];
			l->by_key[kb] = n;
			n->next_ino = l->by_ino[n->ino % NBUCKETS];
			l->by_ino[n->ino % NBUCKETS] = n;
		}
	}
	if (n && ref)
		n->nlookup++;
	pthread_mutex_unlock(&l->nlock);
	return n;
}

bool
node_find(struct lab *l, uint64_t ino, struct node *out)
{
	struct node *n;

	pthread_mutex_lock(&l->nlock);
	n = l->by_ino[ino % NBUCKETS];
	while (n && n->ino != ino)
		n = n->next_ino;
	if (n)
		*out = *n;
	pthread_mutex_unlock(&l->nlock);
	return n != NULL;
}

static void
unlink_node(struct lab *l, struct node *n)
{
	struct node **k = &l->by_key[hash_key(n->type, n->pid, n->arg)];
	struct node **i = &l->by_ino[n->ino % NBUCKETS];

	while (*k != n)
		k = &(*k)->next_key;
	*k = n->next_key;
	while (*i != n)
		i = &(*i)->next_ino;
	*i = n->next_ino;
}

void
node_forget(struct lab *l, uint64_t ino, uint64_t nl)
{
	struct node *n;

	pthread_mutex_lock(&l->nlock);
	n = l->by_ino[ino % NBUCKETS];
	while (n && n->ino != ino)
		n = n->next_ino;
	if (n && ino != FUSE_ROOT_ID) {
		n->nlookup = n->nlookup > nl ? n->nlookup - nl : 0;
		if (n->nlookup == 0) {
			unlink_node(l, n);
			free(n);
		}
	}
	pthread_mutex_unlock(&l->nlock);
}

uint64_t
node_ino_hint(struct lab *l, int type, int pid, uint64_t arg)
{
	struct node *n;
	uint64_t ino;

	pthread_mutex_lock(&l->nlock);
	n = node_lookup_key(l, type, pid, arg);
	ino = n ? n->ino : (1ull << 63) | hash_key(type, pid, arg) << 20 |
				  (uint64_t)(unsigned)pid;
	pthread_mutex_unlock(&l->nlock);
	return ino;
}
