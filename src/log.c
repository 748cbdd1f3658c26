/*
 * log.c - format an event line and hand it to the installed sink.
 */
#include <config.h>

#include <stdio.h>

#include "vmlab/log.h"

void
vm_vlog(const struct vm_log *log, int level, const char *fmt, va_list ap)
{
	char line[512];

	if (!log || !log->fn)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
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
