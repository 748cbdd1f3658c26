/*
 * config.h - a machine's configuration: its defaults, its checks, and the
 * knobs that read and change it by name while the machine runs.
 *
 * struct vm_config (machine.h) is filled before a machine is built and
 * checked whole by vm_config_check().  Once the machine runs, its settings
 * are reached through the knob table: each knob has a name, a line of
 * help, and a value read and written as text, so that every front end
 * (the mounted config/ directory, the offline CLI) offers the same names,
 * the same checks and the same error messages.
 *
 * Knobs, in table order (the order of vm_knob_at()):
 *
 *   frames levels swap_pages kernel_pages   fixed when the machine is
 *                                            built: read-only (-EACCES)
 *   policy                                   a policy name; the new
 *                                            policy takes every resident page
 *   tlb_entries tlb_ways                     rebuild the TLB (emptied)
 *   asid                                     0 or 1; turning it on gives
 *                                            every live process an ASID
 *   strict                                   0 or 1
 *   user_limit seed cost_*                   any number
 *   aging_period ws_tau                      a positive number
 *
 * Numbers are read by vm_parse_u64() (decimal, 0x hex, K/M/G/T).  A value
 * is one word of at most 63 bytes: only blanks and line breaks may follow.
 */
#ifndef VMLAB_CONFIG_H
#define VMLAB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct vm_config;
struct vm_machine;

/* Fills c with the defaults: 4096 frames (16 MiB), 4 levels, a 64-entry
 * 4-way TLB with ASIDs, 4 kernel pages, clock policy, no swap. */
void vm_config_default(struct vm_config *c);

/*
 * Checks a configuration; returns 0 or -EINVAL and, when why is not NULL,
 * points it at a static phrase naming the bad field.
 */
int vm_config_check(const struct vm_config *c, const char **why);

/* What a front end shows of a knob.  The strings are static. */
struct vm_knob {
	const char *name;	/* "policy", "tlb_entries", ... */
	const char *help;	/* one short line */
	bool readonly;		/* fixed when the machine was built */
};

/* The number of knobs. */
unsigned vm_knob_count(void);

/* Knob i, or NULL when i >= vm_knob_count(). */
const struct vm_knob *vm_knob_at(unsigned i);

/* The index of the knob called name, or -ENOENT. */
int vm_knob_lookup(const char *name);

/*
 * Writes knob i's value as text into buf ("clock", "64", "1"), without a
 * newline, NUL-terminated when len > 0.  Returns 0, -EINVAL for no such
 * knob, -ENOSPC when buf was too short (it then holds a cut value).
 * Changes nothing.
 */
int vm_knob_get(const struct vm_machine *m, unsigned i, char *buf,
		size_t len);

/* The longest value a setting takes, in bytes. */
#define VM_SETTING_MAX 63

/*
 * Takes the value of a write to a setting (a knob, a process's limit):
 * the len bytes at buf, which need no NUL, must hold exactly one word of
 * 1..VM_SETTING_MAX bytes, blanks and line breaks around it allowed.
 * Copies the word, NUL-terminated, into word (VM_SETTING_MAX + 1 bytes).
 * Returns 0, or -EINVAL with err (errlen bytes, NUL-terminated when
 * errlen > 0) a one-line reason that begins with name:
 *   "policy: a NUL byte in the value"    any NUL byte ("lru\0junk")
 *   "limit: one value expected"          no word, or two ("9 junk")
 *   "seed: value longer than 63 bytes"
 */
int vm_setting_word(const char *name, const char *buf, size_t len,
		    char *word, char *err, size_t errlen);

/*
 * Sets knob i from text, a NUL-terminated word that blanks and a line
 * break may follow, and applies it at once (a policy switch, a new TLB,
 * ASIDs on or off).  Returns 0, or -errno with err holding a one-line
 * reason that names the knob (NUL-terminated when errlen > 0; left alone
 * on success):
 *   -EACCES  a read-only knob        "frames is fixed at mount"
 *   -EINVAL  no word, or two         "seed: one value expected"
 *   -EINVAL  an unknown policy       "policy: unknown 'magic'"
 *   -EINVAL  not a number            "seed: bad number '1x'"
 *   -EINVAL  a value out of range    "tlb_ways: 3 not accepted (Invalid
 *            argument)"; -EAGAIN (out of ASIDs) and -ENOMEM the same way
 * On failure the knob keeps its old value.
 */
int vm_knob_set(struct vm_machine *m, unsigned i, const char *text,
		char *err, size_t errlen);

#endif /* VMLAB_CONFIG_H */
