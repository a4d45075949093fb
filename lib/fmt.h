/*
 * fmt: shortest round-trip formatting of doubles as JSON numbers.
 *
 * bp_fmt_double writes the shortest decimal string that reads back (by a
 * correctly rounding strtod) as exactly the same double, and of the
 * shortest strings the one closest to the double (ties to even): the
 * digits of Python's repr() and of David Gay's shortest mode.  The forms,
 * with E the decimal exponent of the first significant digit:
 *
 *	-5 <= E < 16	fixed notation, no exponent, no trailing zeros and
 *			no ".0": "100", "123.45", "0.1", "0.00001",
 *			"1234567890123456", "-2.5"
 *	otherwise	one digit, the rest after a point (omitted for one
 *			digit), "e", a sign and at least two exponent digits:
 *			"1e+16", "1.2345678901234568e+17", "1.5e-07",
 *			"5e-324", "1.7976931348623157e+308"
 *
 * Zero prints "0", negative zero "-0".  NaN and infinities have no JSON
 * form: callers print null for them (given one anyway, bp_fmt_double
 * writes "null").
 */
#ifndef BP_FMT_H
#define BP_FMT_H

#include <stddef.h>
#include <stdint.h>

#define BP_FMT_BUFSZ 48

/*
 * Writes a NUL-terminated string of at most 24 bytes and returns its
 * length; buf must have BP_FMT_BUFSZ bytes: the digits are stored in
 * whole words, past the end of the string.
 */
size_t bp_fmt_double(char *buf, double x);
/* Decimal integer; returns length. */
size_t bp_fmt_int(char *buf, int64_t v);

/*
 * Parse a JSON number (or a plain decimal such as "1.5e3") of exactly n
 * bytes, correctly rounded.  Returns 0, or -1 when s is not a number.
 */
int bp_parse_double(const char *s, size_t n, double *out);

/*
 * Whether bp_parse_double takes its AVX-512 path for the common numbers
 * (no exponent, at most 19 digits): on from the start on x86-64
 * processors with VBMI2, unless $BARPIPE_AVX512 is "0".  The portable
 * code takes the rest, and both give the same result.  on = 0 forces the
 * portable code, for tests and benchmarks; not to be called while other
 * threads parse.  Returns whether the path is in use.
 */
int bp_parse_simd(int on);

#endif
