/*
 * stream-fmt: ns per number for bp_fmt_double and bp_parse_double on
 * several kinds of doubles, next to snprintf("%.17g") and strtod.
 * Usage: stream-fmt [count]   (default 1000000 numbers per kind)
 * Times are CPU time of this process (clock(3)), so that other work on
 * the machine disturbs them less than it would wall-clock time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "util.h"

enum { KINDS = 5 };
static const char *kind_name[KINDS] = {
	"price (2-8 decimals)", "indicator (full precision)",
	"any magnitude (1-17 digits)", "random bit pattern", "integer",
};

static double
gen(struct bp_rng *r, int kind)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7,
				      1e8 };
	uint64_t u;
	double x;

	switch (kind) {
	case 0:		/* a price with 2..8 decimals, up to 100000 */
		u = 2 + bp_rng_below(r, 7);
		return (double)bp_rng_below(r, (uint64_t)(1e5 * p10[u])) /
		       p10[u];
	case 1:		/* an oscillator or a moving average */
		return (bp_rng_uniform(r) * 200 - 100) / 3.0;
	case 2:
		x = (double)bp_rng_below(r, 100000000000000000ULL) /
		    p10[bp_rng_below(r, 9)];
		return x / (double)(1ULL << bp_rng_below(r, 40));
	case 3:
		do
			u = bp_rng_u64(r);
		while (((u >> 52) & 0x7ff) == 0x7ff);
		memcpy(&x, &u, sizeof(x));
		return x;
	default:
		return (double)bp_rng_below(r, 10000000);
	}
}

static double
cpu(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	double *x = bp_xmalloc(n * sizeof(*x));
	char *txt = bp_xmalloc(n * BP_FMT_BUFSZ);
	size_t *len = bp_xmalloc(n * sizeof(*len));
	struct bp_rng r;
	volatile double sink = 0;

	/* touch the pages now so the first timing holds no page faults */
	memset(txt, 0, n * BP_FMT_BUFSZ);
	memset(len, 0, n * sizeof(*len));

	printf("%-28s %10s %10s %10s %10s\n", "kind", "fmt ns", "%.17g ns",
	       "parse ns", "strtod ns");
	for (int k = 0; k < KINDS; k++) {
		double t0, t1, t2, t3, t4, y;
		char buf[BP_FMT_BUFSZ];
		size_t bad = 0;

		bp_rng_seed(&r, 42 + (uint64_t)k);
		for (size_t i = 0; i < n; i++)
			x[i] = gen(&r, k);
		t0 = cpu();
		for (size_t i = 0; i < n; i++)
			len[i] = bp_fmt_double(txt + i * BP_FMT_BUFSZ, x[i]);
		t1 = cpu();
		for (size_t i = 0; i < n; i++)
			sink += snprintf(buf, sizeof(buf), "%.17g", x[i]);
		t2 = cpu();
		for (size_t i = 0; i < n; i++) {
			bp_parse_double(txt + i * BP_FMT_BUFSZ, len[i], &y);
			bad += y != x[i];
		}
		t3 = cpu();
		for (size_t i = 0; i < n; i++)
			sink += strtod(txt + i * BP_FMT_BUFSZ, NULL);
		t4 = cpu();
		printf("%-28s %10.1f %10.1f %10.1f %10.1f%s\n", kind_name[k],
		       (t1 - t0) * 1e9 / (double)n,
		       (t2 - t1) * 1e9 / (double)n,
		       (t3 - t2) * 1e9 / (double)n,
		       (t4 - t3) * 1e9 / (double)n,
		       bad ? "  ROUND TRIP FAILED" : "");
	}
	/* long inputs: 20-40 significant digits, beyond a 64-bit mantissa */
	{
		double t0, t1, t2, y;

		bp_rng_seed(&r, 7);
		for (size_t i = 0; i < n; i++) {
			char *s = txt + i * BP_FMT_BUFSZ;
			int nd = 20 + (int)bp_rng_below(&r, 10), k = 0;

			s[k++] = (char)('1' + bp_rng_below(&r, 9));
			for (int j = 1; j < nd; j++) {
				if (j == 5)
					s[k++] = '.';
				s[k++] = (char)('0' + bp_rng_below(&r, 10));
			}
			s[k] = '\0';
			len[i] = (size_t)k;
		}
		t0 = cpu();
		for (size_t i = 0; i < n; i++) {
			bp_parse_double(txt + i * BP_FMT_BUFSZ, len[i], &y);
			sink += y;
		}
		t1 = cpu();
		for (size_t i = 0; i < n; i++)
			sink += strtod(txt + i * BP_FMT_BUFSZ, NULL);
		t2 = cpu();
		printf("%-28s %10s %10s %10.1f %10.1f\n", "20-29 digit decimals",
		       "-", "-", (t1 - t0) * 1e9 / (double)n,
		       (t2 - t1) * 1e9 / (double)n);
	}
	free(x);
	free(txt);
	free(len);
	return 0;
}
