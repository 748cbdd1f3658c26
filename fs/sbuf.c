/*
 * sbuf.c - a growable text buffer.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

void
sbuf_init(struct sbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
sbuf_free(struct sbuf *sb)
{
	free(sb->buf);
	sbuf_init(sb);
}

static int
sbuf_reserve(struct sbuf *sb, size_t extra)
{
	size_t cap = sb->cap ? sb->cap : 4096;
	char *b;

	if (sb->err)
		return sb->err;
	if (sb->len + extra + 1 <= sb->cap)
		return 0;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	b = realloc(sb->buf, cap);
	if (!b) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	sb->buf = b;
	sb->cap = cap;
	return 0;
}

void
sbuf_put(struct sbuf *sb, const void *data, size_t len)
{
	if (sbuf_reserve(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *
sbuf_take(struct sbuf *sb, size_t *len)
{
	char *b = sb->buf;

	*len = sb->len;
	sbuf_init(sb);
	return b;
}
