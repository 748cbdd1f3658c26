/*
 * sbuf.h - a growable text buffer for rendering observation files.
 *
 * Appends never fail from the caller's view: an allocation failure sets
 * err (-ENOMEM) and later appends do nothing; the renderer returns
 * sb->err at the end.
 */
#ifndef VMLABFS_SBUF_H
#define VMLABFS_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *buf;
	size_t len, cap;
	int err;
};

void sbuf_init(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
void sbuf_put(struct sbuf *sb, const void *data, size_t len);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Gives the buffer away (caller frees); the sbuf is empty after. */
char *sbuf_take(struct sbuf *sb, size_t *len);

#endif
