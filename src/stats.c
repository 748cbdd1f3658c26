/*
 * stats.c - counter names.  The counters themselves are plain arrays in
 * struct vm_stats, bumped by the modules that see the events.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "vmlab/stats.h"

static const char *const stat_names[VM_STAT_NR] = {
#define VM_STAT_NAME(name) #name,
	VM_STAT_LIST(VM_STAT_NAME)
#undef VM_STAT_NAME
};

const char *
vm_stat_name(unsigned i)
{
	return i < VM_STAT_NR ? stat_names[i] : NULL;
}

int
vm_stat_lookup(const char *name)
{
	for (unsigned i = 0; i < VM_STAT_NR; i++)
		if (strcmp(stat_names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}
