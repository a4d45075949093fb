/*
 * test-fmt: shortest round-trip formatting and exact parsing of numbers.
 * Reference: tests/unit/ref/fmt-cases.txt from Python's repr() (shortest
 * round-trip by David Gay's algorithm), made by ref/fmt_ref.py.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "tap.h"

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

int
main(void)
{
	const char *dir = getenv("BP_REF_DIR");
	char path[1024], line[256];
	FILE *fp;
	int cases = 0, bad_rt = 0, bad_len = 0;

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
	exact(123456789012345.6, "123456789012345.6");

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
		char buf[BP_FMT_BUFSZ];

		if (sscanf(line, "%llx %d", &bits, &want_digits) != 2)
			continue;
		memcpy(&x, &bits, sizeof(x));
		bp_fmt_double(buf, x);
		back = strtod(buf, NULL);
		cases++;
		if (memcmp(&back, &x, sizeof(x)) != 0) {
			if (bad_rt++ < 5)
				printf("# round trip: %s gave '%s'\n",
				       strtok(line, "\n"), buf);
		} else if (sig_digits(buf) > want_digits) {
			if (bad_len++ < 5)
				printf("# not shortest: %s gave '%s'\n",
				       strtok(line, "\n"), buf);
		}
		if (bp_parse_double(buf, strlen(buf), &back) < 0 ||
		    memcmp(&back, &x, sizeof(x)) != 0)
			bad_rt++;
	}
	if (fp)
		fclose(fp);
	ok(cases > 3000, "read %d reference cases", cases);
	ok(bad_rt == 0, "every case round-trips (%d do not)", bad_rt);
	ok(bad_len == 0, "every case is as short as repr() (%d are longer)",
	   bad_len);
	return done_testing();
}
