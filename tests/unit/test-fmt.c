/*
 * test-fmt: shortest round-trip formatting and exact parsing of numbers.
 * Reference: tests/unit/ref/fmt-cases.txt from Python's repr() (shortest
 * round-trip by David Gay's algorithm), made by ref/fmt_ref.py, and
 * glibc's strtod (correctly rounded) for a million generated doubles and
 * for random decimal strings.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "tap.h"
#include "util.h"

static int
sig_digits(const char *s)
{
	int n = 0, lead = 1, trail = 0;

	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (lead && *s == '0')
			continue;
		lead = 0;
		n++;
		trail = *s == '0' ? trail + 1 : 0;
	}
	return n - trail > 0 ? n - trail : 1;
}

static void
exact(double x, const char *want)
{
	char buf[BP_FMT_BUFSZ];
	size_t n = bp_fmt_double(buf, x);

	ok(strcmp(buf, want) == 0 && n == strlen(want), "fmt %s -> '%s'",
	   want, buf);
}

static void
parse(const char *s, double want)
{
	double got = -12345;
	int rc = bp_parse_double(s, strlen(s), &got);

	ok(rc == 0 && memcmp(&got, &want, sizeof(got)) == 0,
	   "parse '%s' -> %.17g", s, got);
}

static void
reject(const char *s)
{
	double got;

	ok(bp_parse_double(s, strlen(s), &got) < 0, "reject '%s'", s);
}

/* 1 when s is in one of the forms lib/fmt.h documents. */
static int
good_form(const char *s)
{
	const char *p = s, *dot, *e;

	if (*p == '-')
		p++;
	e = strchr(p, 'e');
	dot = strchr(p, '.');
	if (!e) {
		/* fixed: no exponent, no trailing zero after a point */
		if (dot && (s[strlen(s) - 1] == '0' || s[strlen(s) - 1] == '.'))
			return 0;
		return strlen(s) <= 24;
	}
	/* d[.ddd]e(+|-)XX[X] */
	if (p[0] < '1' || p[0] > '9')
		return 0;
	if (dot && (dot != p + 1 || e[-1] == '0' || e == dot + 1))
		return 0;
	if (!dot && e != p + 1)
		return 0;
	if ((e[1] != '+' && e[1] != '-') || strlen(e + 2) < 2 ||
	    strlen(e + 2) > 3)
		return 0;
	return 1;
}

/*
 * Check bp_fmt_double(x): round trip through strtod and bp_parse_double,
 * and a documented form.  Returns 0 when all is well.
 */
static int
check_one(double x, char *buf)
{
	double back;
	size_t n = bp_fmt_double(buf, x);

	if (n != strlen(buf) || !good_form(buf))
		return 1;
	back = strtod(buf, NULL);
	if (memcmp(&back, &x, sizeof(x)) != 0)
		return 1;
	if (bp_parse_double(buf, n, &back) < 0 ||
	    memcmp(&back, &x, sizeof(x)) != 0)
		return 1;
	return 0;
}

/*
 * A million doubles made here: every bit pattern (uniform over the
 * finite ones), integers, price-like decimals and indicator-like values.
 */
static void
random_doubles(void)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7,
				      1e8 };
	struct bp_rng r;
	int bad[4] = { 0, 0, 0, 0 };
	char buf[BP_FMT_BUFSZ];
	static const char *what[4] = { "bit patterns", "integers", "prices",
				       "indicator values" };

	bp_rng_seed(&r, 20261121);
	for (int i = 0; i < 1000000; i++) {
		int kind = i & 3;
		uint64_t u;
		double x;

		switch (kind) {
		case 0:
			do
				u = bp_rng_u64(&r);
			while (((u >> 52) & 0x7ff) == 0x7ff);
			memcpy(&x, &u, sizeof(x));
			break;
		case 1:
			x = (double)(int64_t)(bp_rng_u64(&r) >>
					      bp_rng_below(&r, 64));
			if (bp_rng_below(&r, 2))
				x = -x;
			break;
		case 2:
			u = bp_rng_below(&r, 9);
			x = (double)bp_rng_below(&r, (uint64_t)(1e6 * p10[u])) /
			    p10[u];
			break;
		default:
			x = (bp_rng_uniform(&r) * 200 - 100) / 3.0 *
			    p10[bp_rng_below(&r, 9)] / 1e4;
			break;
		}
		if (check_one(x, buf) && bad[kind]++ < 3)
			printf("# %a: '%s' does not round-trip or has a "
			       "bad form\n", x, buf);
	}
	for (int k = 0; k < 4; k++)
		ok(bad[k] == 0, "250000 %s round-trip exactly (%d do not)",
		   what[k], bad[k]);
}

/*
 * Random decimal strings (1 to 40 digits, any exponent) parse exactly as
 * glibc's correctly rounded strtod does.
 */
static void
random_strings(void)
{
	struct bp_rng r;
	char s[128];
	int bad = 0;

	bp_rng_seed(&r, 7);
	for (int i = 0; i < 300000; i++) {
		int nd = 1 + (int)bp_rng_below(&r, i % 2 ? 19 : 40);
		int point = (int)bp_rng_below(&r, (uint64_t)nd + 1);
		int len = 0, e10 = (int)bp_rng_below(&r, 700) - 350;
		double want, got;

		if (bp_rng_below(&r, 2))
			s[len++] = '-';
		for (int j = 0; j < nd; j++) {
			if (j == point && j > 0)
				s[len++] = '.';
			s[len++] = (char)((j == 0 ? '1' : '0') +
					  bp_rng_below(&r, j == 0 ? 9 : 10));
		}
		if (i % 3)
			len += snprintf(s + len, sizeof(s) - (size_t)len,
					"e%d", e10 / (i % 3 == 1 ? 1 : 20));
		s[len] = '\0';
		want = strtod(s, NULL);
		if (bp_parse_double(s, (size_t)len, &got) < 0 ||
		    memcmp(&got, &want, sizeof(got)) != 0) {
			if (bad++ < 3)
				printf("# '%s': got %a, want %a\n", s, got,
				       want);
		}
	}
	ok(bad == 0, "300000 random decimal strings parse as strtod (%d not)",
	   bad);
}

/*
 * 1 when s[0 .. n) is a JSON number (RFC 8259, section 6), by its grammar
 * read as a regular expression: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static int
json_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		size_t d = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t d;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

/*
 * Texts near the numbers of a stream, a few bytes changed: whatever path
 * parses them (SIMD or portable), a text is taken exactly when it is a
 * JSON number, and then as strtod reads it, and both paths agree to the
 * bit.  Lengths cross the SIMD path's limits (19 digits, 32 bytes).
 */
static void
mutated_strings(void)
{
	static const char alpha[] = "0123456789-.eE+ x\"\0";
	struct bp_rng r;
	char s[64];
	int bad = 0, agree = 0, taken = 0, simd = bp_parse_simd(1);

	bp_rng_seed(&r, 11);
	for (int i = 0; i < 400000; i++) {
		size_t n = 0, nd = 1 + bp_rng_below(&r, 24);
		size_t lead = bp_rng_below(&r, 4) ? 0 : bp_rng_below(&r, 6);
		double a = -1, b = -2, want;
		int ra, rb, ok_ref;

		if (bp_rng_below(&r, 2))
			s[n++] = '-';
		if (lead) {
			s[n++] = '0';
			s[n++] = '.';
			while (lead-- > 1)
				s[n++] = '0';
		}
		for (size_t j = 0; j < nd && n < 40; j++) {
			s[n++] = (char)('0' + bp_rng_below(&r, 10));
			if (!lead && j == 0 && bp_rng_below(&r, 3) == 0)
				s[n++] = '.';
		}
		if (bp_rng_below(&r, 8) == 0)
			n += (size_t)snprintf(s + n, 12, "e%d",
					      (int)bp_rng_below(&r, 40) - 20);
		for (uint64_t c = bp_rng_below(&r, 3); c-- > 0;)
			s[bp_rng_below(&r, n)] =
				alpha[bp_rng_below(&r, sizeof(alpha) - 1)];
		if (bp_rng_below(&r, 16) == 0)
			n = bp_rng_below(&r, n + 1);	/* cut short */
		s[n] = '\0';
		ok_ref = json_number(s, n);
		bp_parse_simd(simd);
		ra = bp_parse_double(s, n, &a);
		bp_parse_simd(0);
		rb = bp_parse_double(s, n, &b);
		want = ok_ref ? strtod(s, NULL) : 0;
		agree += ra == rb && (ra < 0 || memcmp(&a, &b, sizeof(a)) == 0);
		taken += ok_ref;
		if ((ra == 0) != ok_ref ||
		    (ok_ref && memcmp(&a, &want, sizeof(a)) != 0)) {
			if (bad++ < 3)
				printf("# '%.*s' (%zu bytes): rc %d, got %a, "
				       "want %s %a\n", (int)n, s, n, ra, a,
				       ok_ref ? "taken" : "refused", want);
		}
	}
	bp_parse_simd(simd);
	ok(bad == 0, "400000 changed numbers (%d of them numbers) taken or "
	   "refused as JSON's grammar says, read as strtod (%d not; SIMD "
	   "path %s)", taken, bad, simd ? "on" : "not on this processor");
	ok(agree == 400000, "the SIMD and portable paths agree on all "
	   "(%d do)", agree);
}

int
main(void)
{
	const char *dir = getenv("BP_REF_DIR");
	char path[1024], line[256];
	FILE *fp;
	int cases = 0, bad_rt = 0, bad_len = 0, bad_text = 0;

	exact(0.1, "0.1");
	exact(100, "100");
	exact(-2.5, "-2.5");
	exact(0, "0");
	exact(-0.0, "-0");
	exact(43210.57, "43210.57");
	exact(1.0 / 3, "0.3333333333333333");
	exact(0.30000000000000004, "0.30000000000000004");
	exact(0.00012345, "0.00012345");
	exact(1e-5, "0.00001");
	exact(-1.5e-5, "-0.000015");
	exact(9.999999999999999e-6, "9.999999999999999e-06");
	exact(1.5e-7, "1.5e-07");
	exact(123456789012345.6, "123456789012345.6");
	exact(1e15, "1000000000000000");
	exact(9999999999999998.0, "9999999999999998");
	exact(1e16, "1e+16");
	exact(-1.2345678901234568e+17, "-1.2345678901234568e+17");
	exact(9007199254740993.0, "9007199254740992");
	exact(1e23, "1e+23");
	exact(5e-324, "5e-324");
	exact(1e-323, "1e-323");
	exact(2.2250738585072014e-308, "2.2250738585072014e-308");
	exact(1.7976931348623157e308, "1.7976931348623157e+308");
	exact(-1.7976931348623157e308, "-1.7976931348623157e+308");
	{
		char buf[BP_FMT_BUFSZ];
		int64_t iv[] = { 0, 7, -7, 1234567890, INT64_MAX, INT64_MIN };
		const char *is[] = { "0", "7", "-7", "1234567890",
				     "9223372036854775807",
				     "-9223372036854775808" };

		for (size_t i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
			size_t n = bp_fmt_int(buf, iv[i]);

			ok(strcmp(buf, is[i]) == 0 && n == strlen(is[i]),
			   "fmt_int %s -> '%s'", is[i], buf);
		}
		ok(bp_fmt_double(buf, NAN) == 4 && strcmp(buf, "null") == 0,
		   "NaN prints null");
	}

	parse("0.1", 0.1);
	parse("-0", -0.0);
	parse("16199.91", 16199.91);
	parse("1e3", 1000);
	parse("1.5E-3", 0.0015);
	parse("12345678901234567890", 12345678901234567890.0);
	parse("0.000000000000000000000000001", 1e-27);
	parse("1.7976931348623157e308", 1.7976931348623157e308);
	parse("4.9406564584124654e-324", 4.9406564584124654e-324);
	parse("9007199254740993", 9007199254740992.0);	/* ties to even */
	parse("0.30000000000000004", 0.30000000000000004);
	parse("2.2250738585072011e-308", 2.2250738585072011e-308);
	/* the exact value of the double 0.1, 55 digits */
	parse("0.1000000000000000055511151231257827021181583404541015625",
	      0.1);
	/* exactly half-way between 1 and the next double: to even (1) */
	parse("1.00000000000000011102230246251565404236316680908203125", 1.0);
	/* a hair above half-way: up, decided by the 55th digit */
	parse("1.00000000000000011102230246251565404236316680908203126",
	      1.0000000000000002);
	parse("123456789012345678901234567890e-10", 12345678901234567890.0);
	reject("");
	reject("-");
	reject("01");
	reject("1.");
	reject(".5");
	reject("1e");
	reject("+1");
	reject("1x");
	reject("NaN");

	snprintf(path, sizeof(path), "%s/fmt-cases.txt",
		 dir ? dir : "tests/unit/ref");
	fp = fopen(path, "r");
	ok(fp != NULL, "open %s", path);
	while (fp && fgets(line, sizeof(line), fp)) {
		unsigned long long bits;
		int want_digits;
		double x, back;
		char buf[BP_FMT_BUFSZ], rep[64], want[64];

		if (sscanf(line, "%llx %d %63s %63s", &bits, &want_digits,
			   rep, want) != 4)
			continue;
		memcpy(&x, &bits, sizeof(x));
		bp_fmt_double(buf, x);
		back = strtod(buf, NULL);
		cases++;
		if (memcmp(&back, &x, sizeof(x)) != 0) {
			if (bad_rt++ < 5)
				printf("# round trip: %s gave '%s'\n", rep,
				       buf);
		} else if (sig_digits(buf) > want_digits) {
			if (bad_len++ < 5)
				printf("# not shortest: %s gave '%s'\n", rep,
				       buf);
		} else if (strcmp(buf, want) != 0) {
			if (bad_text++ < 5)
				printf("# %s: want '%s', got '%s'\n", rep,
				       want, buf);
		}
		if (bp_parse_double(buf, strlen(buf), &back) < 0 ||
		    memcmp(&back, &x, sizeof(x)) != 0)
			bad_rt++;
	}
	if (fp)
		fclose(fp);
	ok(cases > 6000, "read %d reference cases", cases);
	ok(bad_rt == 0, "every case round-trips (%d do not)", bad_rt);
	ok(bad_len == 0, "every case is as short as repr() (%d are longer)",
	   bad_len);
	ok(bad_text == 0, "every case prints repr()'s digits in our form "
	   "(%d differ)", bad_text);
	random_doubles();
	random_strings();
	if (bp_parse_simd(0) == 0) {
		random_strings();	/* again, by the portable code alone */
		bp_parse_simd(1);
	}
	mutated_strings();
	return done_testing();
}
