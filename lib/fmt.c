/*
 * fmt: shortest round-trip double formatting and exact number parsing.
 *
 * Formatting.  For 1e-5 <= |x| < 1e16 we look for the fewest fractional
 * digits d such that an integer m satisfies m / 10^d == x exactly when
 * evaluated in double arithmetic.  While m < 2^53 and d <= 22, both m and
 * 10^d are exact doubles and the division is correctly rounded, so it gives
 * precisely what a correctly rounding strtod makes of the text "m e-d": the
 * test is an exact round-trip test, and the first d that passes gives the
 * shortest fixed-notation text.  Other numbers fall back to trying %.15g,
 * %.16g and %.17g and keeping the first that reads back exactly (17
 * significant digits always do).
 *
 * Parsing.  Clinger's fast path: a decimal with at most 19 significant
 * digits whose value m fits 2^53 and whose decimal exponent is within
 * +-22 is m * 10^e or m / 10^-e, one correctly rounded operation.  Anything
 * else goes to strtod (glibc's is correctly rounded).
 */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_tab[23] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define TWO53 9007199254740992.0

size_t
bp_fmt_int(char *buf, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

/* Write m with d fractional digits ("0.00123" for m=123, d=5). */
static size_t
put_fixed(char *buf, int neg, uint64_t m, int d)
{
	char dig[24];
	int n = 0;
	size_t len = 0;

	do {
		dig[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (neg)
		buf[len++] = '-';
	if (n <= d) {
		buf[len++] = '0';
		buf[len++] = '.';
		for (int i = 0; i < d - n; i++)
			buf[len++] = '0';
		while (n)
			buf[len++] = dig[--n];
	} else {
		while (n > d)
			buf[len++] = dig[--n];
		if (d > 0) {
			buf[len++] = '.';
			while (n)
				buf[len++] = dig[--n];
		}
	}
	buf[len] = '\0';
	return len;
}

/*
 * Fewest %.Ng digits that read back as x.  Round-tripping is monotone in
 * N (more digits are never further away), so search down from 15 when it
 * works and up to 17 (which always works) when it does not.
 */
static int
roundtrips(char *buf, int prec, double x)
{
	snprintf(buf, BP_FMT_BUFSZ, "%.*g", prec, x);
	return strtod(buf, NULL) == x;
}

static size_t
fmt_slow(char *buf, double x)
{
	int prec = 15;

	if (roundtrips(buf, prec, x)) {
		while (prec > 1 && roundtrips(buf, prec - 1, x))
			prec--;
		roundtrips(buf, prec, x);
	} else {
		while (prec < 17 && !roundtrips(buf, ++prec, x))
			;
	}
	return strlen(buf);
}

size_t
bp_fmt_double(char *buf, double x)
{
	double a = fabs(x);
	int neg = signbit(x) != 0;

	if (a == 0.0) {
		if (neg) {
			memcpy(buf, "-0", 3);
			return 2;
		}
		memcpy(buf, "0", 2);
		return 1;
	}
	if (a >= 1e-5 && a < 1e16) {
		for (int d = 0; d <= 22; d++) {
			double p = pow10_tab[d], t = a * p, m;

			if (t >= TWO53)
				break;
			m = nearbyint(t);
			if (m / p == a)
				return put_fixed(buf, neg, (uint64_t)m, d);
			if (m + 1 < TWO53 && (m + 1) / p == a)
				return put_fixed(buf, neg, (uint64_t)m + 1, d);
			if (m >= 1 && (m - 1) / p == a)
				return put_fixed(buf, neg, (uint64_t)m - 1, d);
		}
	}
	return fmt_slow(buf, x);
}

int
bp_parse_double(const char *s, size_t n, double *out)
{
	const char *p = s, *end = s + n;
	uint64_t m = 0;
	int ndig = 0, exp10 = 0, neg = 0, any = 0;
	char tmp[64], *copy, *ep;
	double v;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end)
		return -1;
	if (*p == '0') {
		p++;
		any = 1;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9') {
			if (ndig < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				ndig++;
			} else {
				exp10++;
				ndig++;
			}
			p++;
		}
		any = 1;
	}
	if (!any)
		return -1;
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9') {
			if (m == 0 && *p == '0') {
				exp10--;	/* leading zeros: no digit */
			} else if (ndig < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				ndig++;
				exp10--;
			} else {
				ndig++;
			}
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, e = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9') {
			if (e < 100000)
				e = e * 10 + (*p - '0');
			p++;
		}
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return -1;
	if (ndig <= 19 && m <= (uint64_t)TWO53 && exp10 >= -22 &&
	    exp10 <= 22) {
		v = (double)m;
		v = exp10 < 0 ? v / pow10_tab[-exp10] : v * pow10_tab[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	copy = n < sizeof(tmp) ? tmp : malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	v = strtod(copy, &ep);
	if (copy != tmp)
		free(copy);
	*out = v;
	return 0;
}
