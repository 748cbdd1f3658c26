/*
 * log.c - format an event line and hand it to the installed sink.
 *
 * A line often quotes what a user wrote (a ctl line, a trace line, a
 * file name), so every control byte (0x00..0x1f, 0x7f) in the formatted
 * line becomes '?' before the sink sees it, as ctl's quoted words do:
 * nothing written to a ctl file can move a terminal that shows the log.
 */
#include <config.h>

#include <stdio.h>

#include "vmlab/log.h"

void
vm_log_clean(char *line)
{
	for (unsigned char *c = (unsigned char *)line; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
}

void
vm_vlog(const struct vm_log *log, int level, const char *fmt, va_list ap)
{
	char line[512];

	if (!log || !log->fn)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	vm_log_clean(line);
	log->fn(log->ctx, level, line);
}

void
vm_log(const struct vm_log *log, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vm_vlog(log, level, fmt, ap);
	va_end(ap);
}
