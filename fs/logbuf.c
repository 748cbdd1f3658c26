/*
 * logbuf.c - the event log behind the log file.
 *
 * One growing text, one line an event, each stamped with the simulated
 * clock like dmesg: "[    1.000200] pid 3: ...".  File offsets are
 * absolute and never move back: past LOG_CAP bytes the oldest half is
 * dropped and `dropped` remembers how many bytes went, so a reader (tail
 * -f) keeps its place and the size only grows.
 *
 * A reader that asks for dropped text (cat from 0, or a tail -f that fell
 * behind) gets a marker line instead, "[stamp] log: N bytes dropped ...",
 * and then the text that is kept.  Its offsets then run behind the log's
 * by a skew of its own (struct lab_log_reader), so that going on from
 * where it stopped it sees each byte once: the kernel moves a reader on
 * by what it was given, not by where that came from.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "vmlab/log.h"

#define LOG_CAP (16u << 20)

int
lablog_init(struct lab_log *lg)
{
	memset(lg, 0, sizeof(*lg));
	pthread_mutex_init(&lg->lock, NULL);
	return 0;
}

void
lablog_fini(struct lab_log *lg)
{
	free(lg->buf);
	lg->buf = NULL;
}

void
lablog_append(struct lab_log *lg, const char *line)
{
	size_t n = strlen(line);

	pthread_mutex_lock(&lg->lock);
	if (lg->len + n + 1 > LOG_CAP && lg->len > LOG_CAP / 2) {
		size_t cut = lg->len / 2;

		/* cut at a line end */
		while (cut < lg->len && lg->buf[cut - 1] != '\n')
			cut++;
		memmove(lg->buf, lg->buf + cut, lg->len - cut);
		lg->len -= cut;
		lg->dropped += cut;
	}
	if (lg->len + n + 1 > lg->cap) {
		size_t cap = lg->cap ? lg->cap : 4096;
		char *b;

		while (cap < lg->len + n + 1)
			cap *= 2;
		b = realloc(lg->buf, cap);
		if (!b) {
			pthread_mutex_unlock(&lg->lock);
			return;
		}
		lg->buf = b;
		lg->cap = cap;
	}
	memcpy(lg->buf + lg->len, line, n);
	lg->buf[lg->len + n] = '\n';
	lg->len += n + 1;
	lg->lines++;
	pthread_mutex_unlock(&lg->lock);
}

/* Room for a marker line: a stamp, the text and a 20-digit count. */
#define MARK_MAX sizeof(((struct lab_log_reader *)0)->mark)

/*
 * Where a reader whose text at log offset pos was dropped goes on: the
 * first line that starts MARK_MAX bytes or more past pos, and not in the
 * dropped part.  So its marker fits between, and the reader's offsets
 * stay below the log's: never past the size (tail -f takes a size below
 * its offset for a truncation, and starts again).
 */
static uint64_t
resume_at(const struct lab_log *lg, uint64_t pos)
{
	uint64_t at = pos + MARK_MAX, end = lg->dropped + lg->len;

	if (at < lg->dropped)
		at = lg->dropped;
	while (at > lg->dropped && at < end &&
	       lg->buf[at - 1 - lg->dropped] != '\n')
		at++;
	return at < end ? at : end;
}

/* Gives r, at its offset off (log offset pos, dropped), the marker line
 * that stands for what it lost, stamped as the line after it. */
static void
log_mark(const struct lab_log *lg, struct lab_log_reader *r, uint64_t off,
	 uint64_t pos)
{
	uint64_t at = resume_at(lg, pos), end = lg->dropped + lg->len;
	const char *line = lg->buf + (at - lg->dropped), *e = NULL;
	int stamp = 0, n;

	if (at < end && *line == '[')
		e = memchr(line, ']', end - at < 24 ? (size_t)(end - at) : 24);
	if (e && e + 1 < lg->buf + lg->len && e[1] == ' ')
		stamp = (int)(e + 2 - line);
	n = snprintf(r->mark, sizeof(r->mark),
		     "%.*slog: %" PRIu64 " bytes "
		     "dropped (past the %u MiB cap)\n",
		     stamp, line, at - pos, LOG_CAP >> 20);
	if (n < 0)
		n = 0;
	r->mark_len =
		(size_t)n < sizeof(r->mark) ? (size_t)n : sizeof(r->mark) - 1;
	r->mark_at = off;
	r->skew = at - off - r->mark_len;
}

size_t
lablog_read(struct lab_log *lg, struct lab_log_reader *r, uint64_t off,
	    char *buf, size_t size)
{
	size_t n = 0, k;
	uint64_t pos, end;

	pthread_mutex_lock(&lg->lock);
	end = lg->dropped + lg->len;
	while (n < size) {
		if (r->mark_len && off >= r->mark_at &&
		    off < r->mark_at + r->mark_len) {
			k = (size_t)(r->mark_at + r->mark_len - off);
			if (k > size - n)
				k = size - n;
			memcpy(buf + n, r->mark + (off - r->mark_at), k);
		} else {
			pos = off + r->skew;
			if (pos < lg->dropped) {
				log_mark(lg, r, off, pos);
				continue;
			}
			if (pos >= end)
				break;
			k = size - n;
			if (end - pos < k)
				k = (size_t)(end - pos);
			memcpy(buf + n, lg->buf + (pos - lg->dropped), k);
		}
		n += k;
		off += k;
	}
	pthread_mutex_unlock(&lg->lock);
	return n;
}

uint64_t
lablog_size(struct lab_log *lg)
{
	uint64_t s;

	pthread_mutex_lock(&lg->lock);
	s = lg->dropped + lg->len;
	pthread_mutex_unlock(&lg->lock);
	return s;
}

void
lab_log_sink(void *ctx, int level, const char *line)
{
	struct lab *l = ctx;
	uint64_t ns = l->m ? l->m->clock : 0;
	char buf[640];

	snprintf(buf, sizeof(buf), "[%5llu.%06llu] %s",
		 (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns / 1000ull % 1000000ull), line);
	lablog_append(&l->log, buf);
}

void
lab_logf(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vm_log_clean(line);
	lab_log_sink(&lab, VM_LOG_INFO, line);
}
