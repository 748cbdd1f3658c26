/*
 * parse.c - numbers, protections, pids and words, for the ctl and trace
 * parsers.
 *
 * Design: every function reads a byte range and writes its result only on
 * success, so a caller can try one form and then another on the same word.
 * Syntax is checked in full before range: "99999999999999999999Q" is
 * -EINVAL (not a number at all), "99999999999999999999" is -ERANGE.
 *
 * Number cases (after the optional "0x" the digits are hexadecimal):
 *
 *	"4096"  -> 4096		"0x1000" -> 4096	"4K", "4KiB" -> 4096
 *	"0x10K" -> 16384	"010"    -> 10		"0x1g" -> 2^30
 *	"1KB", "-1", " 1", "", "0x" -> EINVAL
 *	"18446744073709551616", "16777216T" -> ERANGE
 *
 * No locale, no errno, no allocation: safe from any thread.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "vmlab/parse.h"

static int
parse_hexdigit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
parse_isblank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/*
 * Reads the suffix in [p, end): returns the shift it stands for (0 when
 * empty), or -1 if it is not a suffix.
 */
static int
parse_suffix(const char *p, const char *end)
{
	static const char units[] = "kmgt";
	const char *u;

	if (p == end)
		return 0;
	u = memchr(units, *p | 0x20, 4);
	if (!u)
		return -1;
	p++;
	if (p == end)
		return 10 * (int)(u - units + 1);
	if (end - p != 2 || (p[0] | 0x20) != 'i' || (p[1] | 0x20) != 'b')
		return -1;
	return 10 * (int)(u - units + 1);
}

/*
 * Reads hexadecimal digits from *pp: at least one.  Sets *ovf if the value
 * outgrows 64 bits.  Returns 0, or -EINVAL if there is no digit.
 */
static int
parse_hex_digits(const char **pp, const char *end, uint64_t *v, int *ovf)
{
	const char *p = *pp;
	int d;

	for (*v = 0; p < end; p++) {
		d = parse_hexdigit((unsigned char)*p);
		if (d < 0)
			break;
		if (*v >> 60)
			*ovf = 1;
		*v = *v << 4 | (uint64_t)d;
	}
	if (p == *pp)
		return -EINVAL;
	*pp = p;
	return 0;
}

/* As parse_hex_digits(), in decimal. */
static int
parse_dec_digits(const char **pp, const char *end, uint64_t *v, int *ovf)
{
	const char *p = *pp;
	unsigned d;

	for (*v = 0; p < end && *p >= '0' && *p <= '9'; p++) {
		d = (unsigned)(*p - '0');
		if (*v > (UINT64_MAX - d) / 10)
			*ovf = 1;
		*v = *v * 10 + d;
	}
	if (p == *pp)
		return -EINVAL;
	*pp = p;
	return 0;
}

int
vm_parse_u64n(const char *s, size_t len, uint64_t *out)
{
	const char *p = s, *end = s + len;
	uint64_t v;
	int ovf = 0, shift, rc;

	if (len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		p += 2;
		rc = parse_hex_digits(&p, end, &v, &ovf);
	} else {
		rc = parse_dec_digits(&p, end, &v, &ovf);
	}
	if (rc)
		return rc;
	shift = parse_suffix(p, end);
	if (shift < 0)
		return -EINVAL;
	if (ovf || (shift && v > UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int
vm_parse_u64(const char *s, uint64_t *out)
{
	return vm_parse_u64n(s, strlen(s), out);
}

/* The r?w?x? form: at least one letter, each at most once, in order. */
static int
parse_prot_letters(const char *s, size_t len, unsigned *prot)
{
	static const char order[] = "rwx";
	unsigned bits = 0;
	size_t i, k = 0;

	for (i = 0; i < len; i++) {
		while (k < 3 && s[i] != order[k])
			k++;
		if (k == 3)
			return -EINVAL;
		bits |= 1u << k++;
	}
	if (!bits)
		return -EINVAL;
	*prot = bits;
	return 0;
}

int
vm_parse_protn(const char *s, size_t len, unsigned *prot)
{
	static const char order[] = "rwx";
	unsigned bits = 0;
	size_t i;

	if (len == 4 && memcmp(s, "none", 4) == 0) {
		*prot = 0;
		return 0;
	}
	if (len != 3 || !memchr(s, '-', 3))
		return parse_prot_letters(s, len, prot);
	for (i = 0; i < 3; i++) {
		if (s[i] == order[i])
			bits |= 1u << i;
		else if (s[i] != '-')
			return -EINVAL;
	}
	*prot = bits;
	return 0;
}

int
vm_parse_prot(const char *s, unsigned *prot)
{
	return vm_parse_protn(s, strlen(s), prot);
}

int
vm_parse_pid(const char *s, size_t len, uint32_t *pid)
{
	const char *p = s;
	uint64_t v;
	int ovf = 0;

	if (parse_dec_digits(&p, s + len, &v, &ovf) || p != s + len)
		return -EINVAL;
	if (ovf || v > VM_PARSE_PID_MAX)
		return -ERANGE;
	if (v == 0)
		return -EINVAL;
	*pid = (uint32_t)v;
	return 0;
}

void
vm_parse_lex_init(struct vm_parse_lex *lx, const char *s, size_t len)
{
	lx->pos = s;
	lx->end = s + len;
}

int
vm_parse_lex_next(struct vm_parse_lex *lx, struct vm_parse_word *w)
{
	const char *p = lx->pos;

	while (p < lx->end && parse_isblank((unsigned char)*p))
		p++;
	if (p == lx->end || *p == '#') {
		lx->pos = lx->end;
		return 0;
	}
	w->s = p;
	while (p < lx->end && !parse_isblank((unsigned char)*p))
		p++;
	w->len = (size_t)(p - w->s);
	lx->pos = p;
	return 1;
}

int
vm_parse_word_is(const struct vm_parse_word *w, const char *lit)
{
	size_t n = strlen(lit);

	return w->len == n && memcmp(w->s, lit, n) == 0;
}
