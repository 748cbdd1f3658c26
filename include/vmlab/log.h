/*
 * log.h - the machine's event log sink.
 *
 * libvmlab never prints.  Every event worth a line (a fault that kills, an
 * OOM kill, a swap error, a bad ctl line) goes through vm_log(), which
 * formats it and hands it to the sink the front end installed.  With no sink
 * the line is dropped.  The sink is called with the machine lock held and
 * must not call back into the library.  A line reaches the sink without
 * control bytes: each one is replaced by '?' (vm_log_clean).
 */
#ifndef VMLAB_LOG_H
#define VMLAB_LOG_H

#include <stdarg.h>

enum vm_log_level {
	VM_LOG_ERR = 3,
	VM_LOG_WARN = 4,
	VM_LOG_INFO = 6,
	VM_LOG_DEBUG = 7,
};

typedef void vm_log_fn(void *ctx, int level, const char *line);

struct vm_log {
	vm_log_fn *fn;
	void *ctx;
};

/* Formats one event line (no trailing newline needed) and passes it to
 * log->fn.  log may be NULL or have no fn: the line is dropped. */
void vm_log(const struct vm_log *log, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void vm_vlog(const struct vm_log *log, int level, const char *fmt,
	     va_list ap);

/* Replaces each control byte (0x00..0x1f, 0x7f) of the NUL-terminated
 * line by '?', in place; other bytes (UTF-8 included) are kept. */
void vm_log_clean(char *line);

#endif /* VMLAB_LOG_H */
