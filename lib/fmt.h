/*
 * fmt: shortest round-trip formatting of doubles as JSON numbers.
 *
 * bp_fmt_double writes the shortest decimal string that reads back (by a
 * correctly rounding strtod) as exactly the same double: 0.1 prints "0.1",
 * 100 prints "100", 1e-7 prints "1e-07"... (see fmt.c for the exact forms).
 * Fixed notation is used for 1e-5 <= |x| < 1e16, exponent notation outside.
 * NaN and infinities have no JSON form: callers print null for them.
 */
#ifndef BP_FMT_H
#define BP_FMT_H

#include <stddef.h>
#include <stdint.h>

#define BP_FMT_BUFSZ 32

/* x must be finite.  Writes a NUL-terminated string; returns its length. */
size_t bp_fmt_double(char *buf, double x);
/* Decimal integer; returns length. */
size_t bp_fmt_int(char *buf, int64_t v);

/*
 * Parse a JSON number (or a plain decimal such as "1.5e3") of exactly n
 * bytes, correctly rounded.  Returns 0, or -1 when s is not a number.
 */
int bp_parse_double(const char *s, size_t n, double *out);

#endif
