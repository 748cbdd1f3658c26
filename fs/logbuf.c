/*
 * logbuf.c - the event log behind the log file.
 *
 * One growing text, one line an event, each stamped with the simulated
 * clock like dmesg: "[    1.000200] pid 3: ...".  File offsets are
 * absolute and never move back: past LOG_CAP bytes the oldest half is
 * dropped and `dropped` remembers how many bytes went, so a reader (tail
 * -f) keeps its place and the size only grows.
 */
#include <config.h>

#include <errno.h>
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

size_t
lablog_read(struct lab_log *lg, uint64_t off, char *buf, size_t size)
{
	size_t n = 0;

	pthread_mutex_lock(&lg->lock);
	if (off < lg->dropped)
		off = lg->dropped;
	if (off < lg->dropped + lg->len) {
		n = (size_t)(lg->dropped + lg->len - off);
		if (n > size)
			n = size;
		memcpy(buf, lg->buf + (off - lg->dropped), n);
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
