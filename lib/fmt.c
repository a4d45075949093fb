/*
 * fmt: shortest round-trip double formatting and exact number parsing.
 *
 * Formatting is Schubfach (R. Giulietti, "The Schubfach way to render
 * doubles", 2020/2022; the algorithm of Java 19's Double.toString).  For a
 * double v = c 2^q it picks the decimal exponent k from floor(q log10 2),
 * scales the rounding interval's ends by a 126-bit approximation g of
 * 10^-k (rop() below: one 64x128-bit product per end) and so obtains s =
 * floor(v 10^-k) together with exact knowledge of which of s 10^k,
 * (s + 1) 10^k and, one digit shorter, 10 floor(s / 10) 10^k and the next
 * multiple of 10 lie inside the interval.  Of the shortest candidates
 * inside it keeps the one closest to v (ties to even), which is what
 * Python's repr() and David Gay's shortest mode produce.  The tables come
 * from tests/unit/ref/fmt_tables.py (lib/fmt-tables.h), computed there
 * with exact integers.
 *
 * Parsing.  Clinger's fast path first: a decimal with at most 19
 * significant digits whose value m fits 2^53 and whose decimal exponent is
 * within +-22 is m * 10^e or m / 10^-e, one correctly rounded operation.
 * Otherwise the Eisel-Lemire algorithm (D. Lemire, "Number parsing at a
 * gigabyte per second", Software: Practice and Experience 51(8), 2021; the
 * variant with its conservative "give up" tests, as in Go's strconv) turns
 * the 64-bit mantissa and a 128-bit truncated power of ten into the
 * correctly rounded double, or says it cannot decide.  With more than 19
 * digits, m and m + 1 (the truncated mantissa's bounds) must agree.
 * Whatever is left (undecided cases, subnormal results, out-of-range
 * exponents) goes to strtod, which glibc rounds correctly.
 *
 * On x86-64 processors with AVX-512 VBMI2 the numbers streams are made
 * of (no exponent, at most 19 digits) take a path without a loop or a
 * branch that depends on the digits: one masked load, a compare that
 * marks the digits, compress and expand to line them up, multiply-adds
 * to sum them; then Clinger's division up to 15 digits and Eisel-Lemire
 * past them, chosen by the digit count (choosing by m <= 2^53 would be
 * mispredicted half the time on 16- and 17-digit values).  One core:
 * 13 ns a number where the portable code takes 22 (bench/predict.sh's
 * features, 16-17 digits), 10 ns where it takes 12 (bars' prices).
 */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-tables.h"
#include "util.h"

__extension__ typedef unsigned __int128 u128;

#define TWO53 9007199254740992.0
#define MASK63 0x7fffffffffffffffULL
#define C_MIN (1ULL << 52)	/* hidden bit of a normal double */
#define Q_MIN (-1074)		/* exponent of the smallest subnormal */

static const double pow10_tab[23] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* ---- digits ----------------------------------------------------------- */

/* Number of decimal digits of v > 0. */
static inline int
ndigits(uint64_t v)
{
	/* 1233 / 4096 ~ log10(2): a guess that is exact or one short */
	int n = ((64 - __builtin_clzll(v)) * 1233) >> 12;

	return n + (v >= pow10_u64[n]);
}

/* Exactly 8 digits of v < 10^8 at p. */
static inline void
put8(char *p, uint32_t v)
{
	uint32_t a = v / 10000, b = v % 10000;

	memcpy(p, digits2 + 2 * (a / 100), 2);
	memcpy(p + 2, digits2 + 2 * (a % 100), 2);
	memcpy(p + 4, digits2 + 2 * (b / 100), 2);
	memcpy(p + 6, digits2 + 2 * (b % 100), 2);
}

/* The n digits of v (which has at most n digits) ending just before end. */
static inline void
put_digits(char *end, uint64_t v, int n)
{
	uint32_t w;

	while (n >= 8) {
		uint64_t hi = v / 100000000;

		end -= 8;
		put8(end, (uint32_t)(v - hi * 100000000));
		v = hi;
		n -= 8;
	}
	w = (uint32_t)v;
	while (n >= 2) {
		end -= 2;
		memcpy(end, digits2 + 2 * (w % 100), 2);
		w /= 100;
		n -= 2;
	}
	if (n)
		*--end = (char)('0' + w);
}

size_t
bp_fmt_int(char *buf, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t len = 0;
	int n;

	if (v < 0)
		buf[len++] = '-';
	n = u ? ndigits(u) : 1;
	put_digits(buf + len + n, u, n);
	len += (size_t)n;
	buf[len] = '\0';
	return len;
}

/* ---- Schubfach -------------------------------------------------------- */

/* floor(q log10 2), floor(log10(3/4 2^q)), floor(e log2 10), |q|, |e| ~ 1e3 */
static inline int
flog10pow2(int q)
{
	return (int)(((int64_t)q * 661971961083LL) >> 41);
}

static inline int
flog10_34pow2(int q)
{
	return (int)(((int64_t)q * 661971961083LL - 274743187321LL) >> 41);
}

static inline int
flog2pow10(int e)
{
	return (int)(((int64_t)e * 913124641741LL) >> 38);
}

/*
 * Round to odd of cp g 2^-127, where g = g1 2^63 + g0 (paper, section 9.9,
 * figure 8): the low bit is set when the discarded part is non-zero.
 */
static inline uint64_t
rop(uint64_t g1, uint64_t g0, uint64_t cp)
{
	u128 x = (u128)g0 * cp, y = (u128)g1 * cp;
	uint64_t x1 = (uint64_t)(x >> 64);
	uint64_t y0 = (uint64_t)y, y1 = (uint64_t)(y >> 64);
	uint64_t z = (y0 >> 1) + x1;
	uint64_t vbp = y1 + (z >> 63);

	return vbp | (((z & MASK63) + MASK63) >> 63);
}

/*
 * The shortest decimal f 10^e in the rounding interval of v = c 2^q,
 * closest to v (paper, figure 7).  f may carry trailing zeros.
 *
 * Unlike Java, which prints at least two digits (4.9E-324), we want the
 * shortest: the one-digit-shorter candidates are tried whenever s has two
 * digits or more (only subnormals have fewer than 17).  The interval is
 * narrower than 10^(k+1), so at most one multiple of 10^(k+1) lies inside
 * it and the test below finds it when it exists.
 */
static inline void
schubfach(int q, uint64_t c, uint64_t *f, int *e)
{
	uint64_t out = c & 1, cb = c << 2, cbr = cb + 2, cbl;
	uint64_t vb, vbl, vbr, s, t;
	const uint64_t *g;
	int k, h, uin, win;

	if (c != C_MIN || q == Q_MIN) {
		cbl = cb - 2;
		k = flog10pow2(q);
	} else {
		/* at a power of two the interval below is half as wide */
		cbl = cb - 1;
		k = flog10_34pow2(q);
	}
	h = q + flog2pow10(-k) + 2;
	g = fmt_g[k - FMT_K_MIN];
	vb = rop(g[0], g[1], cb << h);
	vbl = rop(g[0], g[1], cbl << h);
	vbr = rop(g[0], g[1], cbr << h);
	s = vb >> 2;
	if (s >= 10) {
		/* floor(s / 10) = floor(s 115292150460684698 / 2^60) here */
		uint64_t sp10 = 10 * (uint64_t)(((u128)s *
			(115292150460684698ULL << 4)) >> 64);
		uint64_t tp10 = sp10 + 10;
		int upin = vbl + out <= sp10 << 2;
		int wpin = (tp10 << 2) + out <= vbr;

		if (upin != wpin) {
			*f = upin ? sp10 : tp10;
			*e = k;
			return;
		}
	}
	/*
	 * s or t = s + 1, whichever is inside; both: the closer to v, ties
	 * to even (vb is 4 v 10^-k, rounded).  Without branches: which one
	 * it is follows the digits, and a mispredicted branch here cost more
	 * than the rest of the function.
	 */
	t = s + 1;
	uin = vbl + out <= s << 2;
	win = (t << 2) + out <= vbr;
	*e = k;
	*f = s + (uint64_t)((uin ^ 1) | (win & ((vb > (s + t) << 1) |
		((vb == (s + t) << 1) & (int)(s & 1)))));
}

/* ---- output forms ----------------------------------------------------- */

/*
 * The eight decimal digits of v < 10^8 as the bytes 0-9 (not yet ASCII),
 * most significant first in memory order: two halves of four digits in
 * 32-bit lanes, each split into pairs in 16-bit lanes and each pair into
 * digits in bytes, by multiplications with reciprocals that are exact
 * over these ranges (n / 100 = n 5243 >> 19 for n < 10^4, m / 10 =
 * m 103 >> 10 for m < 100).  No table, no division, no loop.
 */
static inline uint64_t
digits8(uint32_t v)
{
	uint64_t y, q;

	y = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32;
	q = (y * 5243 >> 19) & 0x0000007f0000007fULL;
	y = q | (y - q * 100) << 16;
	q = (y * 103 >> 10) & 0x000f000f000f000fULL;
	y = q | (y - q * 10) << 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	y = __builtin_bswap64(y);
#endif
	return y;
}

/* Number of zero digits at the end of a digits8() word (not all zero). */
static inline int
zeros8(uint64_t y)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_ctzll(y) >> 3;
#else
	return __builtin_clzll(y) >> 3;
#endif
}

#define ASCII8 0x3030303030303030ULL

/*
 * Text for f 10^e (0 < f < 10^17) at p; returns the end.  f is first
 * widened to exactly 17 digits, d D1..D16: the leading digit d and two
 * words of eight digits, converted by digits8() and stored whole; the
 * trailing zeros are counted in the words.  The decimal point is put in
 * by storing the digits after it once more, one byte further on, from
 * the same registers shifted (a 128-bit shift), never by moving bytes
 * already written: a load of bytes just stored would stall on
 * store-to-load forwarding.  Writes scratch bytes up to p + 34.
 */
static inline char *
put_decimal(char *p, uint64_t f, int e)
{
	uint64_t hi, lo, w1, w2;
	unsigned d;
	int n, E, len;

	n = ndigits(f);		/* 16 or 17 out of Schubfach, at random */
	f *= pow10_u64[17 - n];
	e -= 17 - n;
	E = e + 16;			/* exponent of the leading digit */
	hi = f / 100000000;
	lo = f - hi * 100000000;
	d = (unsigned)(hi / 100000000);
	w1 = digits8((uint32_t)(hi - (uint64_t)d * 100000000));
	w2 = digits8((uint32_t)lo);
	/* significant digits: 17 less the trailing zeros */
	if (w2)
		len = 17 - zeros8(w2);
	else if (w1)
		len = 9 - zeros8(w1);
	else
		len = 1;
	w1 += ASCII8;
	w2 += ASCII8;
	if (E >= 0 && E < 16) {
		/* d D1..DE . D(E+1)..: the fraction stored again, shifted */
		u128 t = (u128)w2 << 64 | w1;

		p[0] = (char)('0' + d);
		memcpy(p + 1, &w1, 8);
		memcpy(p + 9, &w2, 8);
		if (len <= E + 1)
			return p + E + 1;	/* an integer */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		t = (u128)w1 << 64 | w2;
		t <<= 8 * E;
		w1 = (uint64_t)(t >> 64);
		w2 = (uint64_t)t;
#else
		t >>= 8 * E;
		w1 = (uint64_t)t;
		w2 = (uint64_t)(t >> 64);
#endif
		memcpy(p + E + 2, &w1, 8);
		memcpy(p + E + 10, &w2, 8);
		p[E + 1] = '.';
		return p + len + 1;
	}
	if (E < 0 && E >= -5) {
		/* 0.000ddd */
		memcpy(p, "0.00000", 8);
		p += 1 - E;
		p[0] = (char)('0' + d);
		memcpy(p + 1, &w1, 8);
		memcpy(p + 9, &w2, 8);
		return p + len;
	}
	/* d.ddde+XX / d.ddde-XXX */
	p[0] = (char)('0' + d);
	p[1] = '.';
	memcpy(p + 2, &w1, 8);
	memcpy(p + 10, &w2, 8);
	p += len > 1 ? len + 1 : 1;
	*p++ = 'e';
	if (E < 0) {
		*p++ = '-';
		E = -E;
	} else {
		*p++ = '+';
	}
	if (E >= 100) {
		*p++ = (char)('0' + E / 100);
		E %= 100;
	}
	memcpy(p, digits2 + 2 * E, 2);
	return p + 2;
}

size_t
bp_fmt_double(char *buf, double x)
{
	uint64_t bits, t, c, f;
	int bq, q, e;
	char *p = buf;

	memcpy(&bits, &x, sizeof(bits));
	t = bits & (C_MIN - 1);
	bq = (int)(bits >> 52) & 0x7ff;
	if (bq == 0x7ff) {
		/* not a number: JSON has no form for it */
		memcpy(buf, "null", 5);
		return 4;
	}
	if (bits >> 63)
		*p++ = '-';
	if (bq != 0) {
		c = C_MIN | t;
		q = bq - 1075;		/* v = c 2^q */
		if (q < 0 && q > -53) {
			/* an integer below 2^53 is its own shortest form */
			f = c >> -q;
			if (f << -q == c) {
				e = 0;
				goto print;
			}
		}
	} else if (t > 2) {
		c = t;
		q = Q_MIN;
	} else if (t != 0) {
		/*
		 * The two smallest subnormals have intervals wider than 10^-323
		 * (their s has one digit): 5e-324 and 1e-323 are their
		 * shortest, closest decimals.
		 */
		f = t == 1 ? 5 : 1;
		e = t == 1 ? -324 : -323;
		goto print;
	} else {
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - buf);
	}
	schubfach(q, c, &f, &e);
print:
	p = put_decimal(p, f, e);
	*p = '\0';
	return (size_t)(p - buf);
}

/* ---- parsing ---------------------------------------------------------- */

/*
 * If the eight bytes at p are all digits, *m = *m 10^8 + their value and
 * return 1 (SWAR: a byte b is no digit when b - '0' borrows or b + 0x46
 * reaches the high bit; then pairs, quads and the eight are combined by
 * three multiplications).  Little-endian only; elsewhere always 0.
 */
static inline int
eight_digits(const char *p, uint64_t *m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;

	memcpy(&v, p, 8);
	if (((v - 0x3030303030303030ULL) | (v + 0x4646464646464646ULL)) &
	    0x8080808080808080ULL)
		return 0;
	v -= 0x3030303030303030ULL;
	/* byte pairs: 10 * first + second, in the low byte of each pair */
	v = v * 10 + (v >> 8);
	/* pairs into the whole: 10^6 a + 10^4 b + 100 c + d */
	v = ((v & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32)) +
	     ((v >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32))) >>
	    32;
	*m = *m * 100000000 + v;
	return 1;
#else
	(void)p;
	(void)m;
	return 0;
#endif
}

/* As eight_digits(), for four bytes: *m = *m 10^4 + their value. */
static inline int
four_digits(const char *p, uint64_t *m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t v;

	memcpy(&v, p, 4);
	if (((v - 0x30303030U) | (v + 0x46464646U)) & 0x80808080U)
		return 0;
	v -= 0x30303030U;
	v = v * 10 + (v >> 8);		/* pairs in bytes 0 and 2 */
	v = (v & 0xff) * 100 + ((v >> 16) & 0xff);
	*m = *m * 10000 + v;
	return 1;
#else
	(void)p;
	(void)m;
	return 0;
#endif
}

/*
 * Eisel-Lemire: the double nearest to man 10^e10 (man > 0), or -1 when
 * the 128-bit product cannot decide it (or the result is subnormal or out
 * of range): the caller then asks strtod.
 */
static inline int
eisel_lemire(uint64_t man, int e10, double *out)
{
	const uint64_t *pw;
	uint64_t xhi, xlo, msb, ret, e2, bits;
	u128 x;
	int clz;

	if (e10 < FMT_Q_MIN || e10 > FMT_Q_MAX)
		return -1;
	pw = fmt_p10[e10 - FMT_Q_MIN];
	clz = __builtin_clzll(man);
	man <<= clz;
	/* (217706 e10) >> 16 = floor(e10 log2 10) over the table's range */
	e2 = (uint64_t)(((217706 * e10) >> 16) + 64 + 1023) - (uint64_t)clz;
	x = (u128)man * pw[0];
	xhi = (uint64_t)(x >> 64);
	xlo = (uint64_t)x;
	if ((xhi & 0x1ff) == 0x1ff && xlo + man < man) {
		/* the truncated power's low word may carry into the bits
		 * that decide the rounding: take it into account */
		u128 y = (u128)man * pw[1];
		uint64_t yhi = (uint64_t)(y >> 64), ylo = (uint64_t)y;
		uint64_t mhi = xhi, mlo = xlo + yhi;

		if (mlo < xlo)
			mhi++;
		if ((mhi & 0x1ff) == 0x1ff && mlo + 1 == 0 && ylo + man < man)
			return -1;
		xhi = mhi;
		xlo = mlo;
	}
	msb = xhi >> 63;
	ret = xhi >> (msb + 9);		/* 54 bits: 53 and a rounding bit */
	e2 -= 1 ^ msb;
	if (xlo == 0 && (xhi & 0x1ff) == 0 && (ret & 3) == 1)
		return -1;		/* maybe exactly half-way */
	ret += ret & 1;
	ret >>= 1;
	if (ret >> 53) {
		ret >>= 1;
		e2++;
	}
	if (e2 - 1 >= 0x7ff - 1)
		return -1;		/* subnormal, or too big */
	bits = e2 << 52 | (ret & (C_MIN - 1));
	memcpy(out, &bits, sizeof(*out));
	return 0;
}

static int
parse_slow(const char *s, size_t n, double *out)
{
	char tmp[64], *copy, *ep;

	copy = n < sizeof(tmp) ? tmp : malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	*out = strtod(copy, &ep);
	if (copy != tmp)
		free(copy);
	return 0;
}

#if (defined(__x86_64__) || defined(__i386__)) && \
	(defined(__GNUC__) || defined(__clang__))
#define PARSE_X86 1
#include <immintrin.h>
#define VBMI2 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2")))

/*
 * The common case by AVX-512 (VBMI2): -?(0|[1-9][0-9]*)(.[0-9]+)? with at
 * most 19 digits in all (leading zeros counted), no exponent.  One masked
 * load reads only the n bytes (a masked-off byte cannot fault, so s needs
 * no padding); a compare marks the digits; compress packs them together
 * and expand puts them at the end of a 24-byte window, most significant
 * first; then pairs, quads and eights are summed by three multiply-adds
 * and m is their three eights.  The rounding is the scalar code's own
 * (Clinger, else Eisel-Lemire), so the double is the same.  1 with *out
 * set; 0 for any other text, errors included: the scalar code decides.
 */
VBMI2 static int
parse_avx512(const char *s, size_t n, double *out)
{
	__mmask32 in, dig, other;
	__m256i d;
	uint64_t m, bits;
	size_t neg, dot, nfrac;
	unsigned cnt;
	int bad;
	double v;

	if (n - 1 >= 32)
		return 0;
	in = (__mmask32)(~0ULL >> (64 - n));
	d = _mm256_sub_epi8(_mm256_maskz_loadu_epi8(in, s),
			    _mm256_set1_epi8('0'));
	dig = _mm256_mask_cmplt_epu8_mask(in, d, _mm256_set1_epi8(10));
	neg = s[0] == '-';
	other = in & ~dig & ~(__mmask32)neg;
	cnt = (unsigned)__builtin_popcount(dig);
	/* at most one other byte, a '.' between digits; no leading zero */
	dot = other ? (size_t)__builtin_ctz(other) : n;
	bad = (cnt - 1 >= 19) | ((other & (other - 1)) != 0) |
	      ((other != 0) & ((s[dot] != '.') | (dot == neg) |
			       (dot == n - 1))) |
	      ((s[neg] == '0') & (dot != neg + 1));
	if (bad)
		return 0;
	d = _mm256_maskz_compress_epi8(dig, d);
	d = _mm256_maskz_expand_epi8((__mmask32)(((1U << cnt) - 1) <<
						 (24 - cnt)), d);
	d = _mm256_maddubs_epi16(d, _mm256_set1_epi16(0x010a));
	d = _mm256_madd_epi16(d, _mm256_set1_epi32(0x00010064));
	d = _mm256_add_epi64(_mm256_mul_epu32(d, _mm256_set1_epi64x(10000)),
			     _mm256_srli_epi64(d, 32));
	m = ((uint64_t)_mm256_extract_epi64(d, 0) * 100000000 +
	     (uint64_t)_mm256_extract_epi64(d, 1)) * 100000000 +
	    (uint64_t)_mm256_extract_epi64(d, 2);
	/*
	 * Up to 15 digits, m < 2^53: Clinger's one division (short prices,
	 * volumes).  Past that Eisel-Lemire, whatever m is: the branch then
	 * follows the digit count, the same for most values of a column,
	 * not m <= 2^53, which 16- and 17-digit values split at random.
	 * Both round correctly, so both give the portable code's double.
	 */
	nfrac = dot < n ? n - 1 - dot : 0;
	if (cnt <= 15 && nfrac <= 22)
		v = (double)m / pow10_tab[nfrac];
	else if (eisel_lemire(m, -(int)nfrac, &v) < 0)
		return 0;
	memcpy(&bits, &v, sizeof(bits));
	bits |= (uint64_t)neg << 63;
	memcpy(out, &bits, sizeof(*out));
	return 1;
}

static int
parse_cpu(void)
{
	if (!bp_avx512_allowed())
		return 0;
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512vbmi2");
}

/* parse_avx512() in use: set before main() runs, changed by bp_parse_simd */
static int use_avx512;

static void __attribute__((constructor))
parse_cpu_init(void)
{
	use_avx512 = parse_cpu();
}
#else
#define PARSE_X86 0
#endif

int
bp_parse_simd(int on)
{
#if PARSE_X86
	use_avx512 = on && parse_cpu();
	return use_avx512;
#else
	(void)on;
	return 0;
#endif
}

int
bp_parse_double(const char *s, size_t n, double *out)
{
	const char *p = s, *end = s + n;
	uint64_t m = 0;
	int ndig = 0, exp10 = 0, neg = 0, trunc = 0;
	double v;

#if PARSE_X86
	if (use_avx512 && parse_avx512(s, n, out))
		return 0;
#endif
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end)
		return -1;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (end - p >= 8 && ndig <= 11 && eight_digits(p, &m))
			p += 8, ndig += 8;
		while (end - p >= 4 && ndig <= 15 && four_digits(p, &m))
			p += 4, ndig += 4;
		while (p < end && *p >= '0' && *p <= '9') {
			if (ndig < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				ndig++;
			} else {
				trunc |= *p != '0';
				exp10++;
			}
			p++;
		}
	} else {
		return -1;
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9')
			return -1;
		if (m == 0) {
			while (p < end && *p == '0')
				p++, exp10--;	/* leading zeros: no digit */
		}
		while (end - p >= 8 && ndig <= 11 && eight_digits(p, &m))
			p += 8, ndig += 8, exp10 -= 8;
		while (end - p >= 4 && ndig <= 15 && four_digits(p, &m))
			p += 4, ndig += 4, exp10 -= 4;
		while (p < end && *p >= '0' && *p <= '9') {
			if (m == 0 && *p == '0') {
				exp10--;	/* leading zeros: no digit */
			} else if (ndig < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				ndig++;
				exp10--;
			} else {
				trunc |= *p != '0';
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
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (!trunc && m <= (uint64_t)TWO53 && exp10 >= -22 && exp10 <= 22) {
		v = (double)m;
		v = exp10 < 0 ? v / pow10_tab[-exp10] : v * pow10_tab[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	if (eisel_lemire(m, exp10, &v) == 0) {
		double hi;

		/* truncated digits: the value lies in (m, m + 1) 10^e */
		if (!trunc || (eisel_lemire(m + 1, exp10, &hi) == 0 &&
			       hi == v)) {
			*out = neg ? -v : v;
			return 0;
		}
	}
	return parse_slow(s, n, out);
}
