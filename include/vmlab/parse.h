/*
 * parse.h - the lexical layer shared by the ctl and trace parsers.
 *
 * Everything here works on byte ranges (pointer + length), never allocates
 * and keeps no state between calls, so the same code serves a FUSE write
 * buffer, a line read from a file and a fuzzer's input.
 *
 * Numbers (vm_parse_u64):
 *
 *	number := ( DIGIT+ | "0" ("x" | "X") HEXDIGIT+ ) [ suffix ]
 *	suffix := ( "K" | "M" | "G" | "T" ) [ "iB" ]	(letters in any case)
 *
 * Suffixes are binary: K = 2^10, M = 2^20, G = 2^30, T = 2^40, and "KiB"
 * means the same as "K".  "KB" is refused: it reads as 1000 to many people.
 * A leading zero does not mean octal ("010" is ten).  No sign, no blanks,
 * no digit separators.  A value that does not fit in 64 bits, before or
 * after the suffix, is -ERANGE; anything else malformed is -EINVAL.
 *
 * Protections (vm_parse_prot), as a mask of enum vm_prot bits:
 *
 *	prot := "none" | [r-][w-][x-] | r?w?x? (at least one letter)
 *
 * so "rw-", "r-x", "---", "rwx", "r", "rw", "rx", "wx" and "none" are all
 * accepted; letters are lower case and in r, w, x order.  Linux's
 * four-character maps form ("rw-p") is refused: sharing is a separate word
 * in the ctl language.
 *
 * Words (vm_parse_lex_*): a line is split at blanks (space, tab, CR, LF,
 * VT, FF).  A word that begins with '#' starts a comment that runs to the
 * end of the line; a '#' inside a word is an ordinary byte, as in sh(1).
 */
#ifndef VMLAB_PARSE_H
#define VMLAB_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The protection bits (VM_PROT_READ 1, VM_PROT_WRITE 2, VM_PROT_EXEC 4)
 * are enum vm_prot of vma.h: one definition for parser and machine.  Only
 * the names are used here; nothing of the vma module is called.
 */
#include "vmlab/vma.h"

/* Largest pid the parsers accept (pids are 1..VM_PARSE_PID_MAX, as pid_t). */
#define VM_PARSE_PID_MAX 0x7fffffffu

/* One word of a line: not NUL-terminated, s points into the caller's text. */
struct vm_parse_word {
	const char *s;
	size_t len;
};

/* Cursor over one line; initialise with vm_parse_lex_init(). */
struct vm_parse_lex {
	const char *pos;
	const char *end;
};

/*
 * Parses the NUL-terminated string s as a number (grammar above).
 * Returns 0 and stores the value in *out, -EINVAL if s is not a number,
 * -ERANGE if it does not fit in 64 bits.  *out is untouched on failure.
 */
int vm_parse_u64(const char *s, uint64_t *out);

/* As vm_parse_u64(), over the len bytes at s (which need no NUL). */
int vm_parse_u64n(const char *s, size_t len, uint64_t *out);

/*
 * Parses the NUL-terminated string s as a protection (grammar above) into
 * a mask of VM_PROT_* bits.  Returns 0, or -EINVAL with *prot untouched.
 */
int vm_parse_prot(const char *s, unsigned *prot);

/* As vm_parse_prot(), over the len bytes at s. */
int vm_parse_protn(const char *s, size_t len, unsigned *prot);

/*
 * Parses the len bytes at s as a pid: decimal digits only, no suffix,
 * 1..VM_PARSE_PID_MAX.  Returns 0, -EINVAL if malformed or zero, -ERANGE
 * if too large.  *pid is untouched on failure.
 */
int vm_parse_pid(const char *s, size_t len, uint32_t *pid);

/*
 * Points lx at the len bytes at s.  The text is not copied: it must
 * outlive the cursor and the words it returns.
 */
void vm_parse_lex_init(struct vm_parse_lex *lx, const char *s, size_t len);

/*
 * Returns 1 and fills *w with the next word, or 0 when the line (or the
 * comment that ends it) is reached; after 0 every further call returns 0.
 * O(length of the blanks and the word).
 */
int vm_parse_lex_next(struct vm_parse_lex *lx, struct vm_parse_word *w);

/* Returns 1 if the word w is exactly the NUL-terminated string lit. */
int vm_parse_word_is(const struct vm_parse_word *w, const char *lit);

#endif /* VMLAB_PARSE_H */
