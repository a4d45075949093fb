/*
 * test-derived: returns, lags, rolling statistics, bar shape and calendar
 * fields against pandas (ref/derived_ref.py -> ref/derived-btc.csv), plus
 * fuzzy memberships and their gap check by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derived.h"
#include "fuzzy.h"
#include "ta.h"
#include "tap.h"
#include "ts.h"
#include "util.h"

#define MAXCOL 64
#define MAXROW 512

static char *colname[MAXCOL];
static char *tstext[MAXROW];
static double col[MAXCOL][MAXROW];
static int ncol, nrow;

static int
load(void)
{
	const char *dir = getenv("BP_SRCDIR");
	char path[512], line[8192], *f[MAXCOL], *p;
	FILE *fp;
	int n;

	snprintf(path, sizeof(path), "%s%stests/unit/ref/derived-btc.csv",
		 dir ? dir : "", dir ? "/" : "");
	if (!(fp = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), fp) && nrow < MAXROW) {
		line[strcspn(line, "\n")] = '\0';
		n = 0;
		f[n++] = line;
		for (p = line; *p && n < MAXCOL; p++)
			if (*p == ',') {
				*p = '\0';
				f[n++] = p + 1;
			}
		if (!ncol) {
			ncol = n;
			for (int i = 0; i < n; i++)
				colname[i] = bp_xstrdup(f[i]);
			continue;
		}
		tstext[nrow] = bp_xstrdup(f[0]);
		for (int i = 1; i < ncol; i++)
			col[i][nrow] = i < n && *f[i] ? strtod(f[i], NULL)
							: NAN;
		nrow++;
	}
	fclose(fp);
	return 0;
}

static int
find(const char *name)
{
	for (int i = 0; i < ncol; i++)
		if (strcmp(colname[i], name) == 0)
			return i;
	return -1;
}

static void
check(enum bp_derived_kind kind, int k, const char *src)
{
	char name[64];
	int c, s = find(src ? src : "close"), bad = -1, first = -1;
	struct bp_derived *d = bp_derived_new(kind, k);
	double bar[BP_TA_NINPUT];

	bp_derived_colname(name, sizeof(name), kind, k, src);
	c = find(name);
	if (!ok(c >= 0 && s >= 0, "pandas has %s", name)) {
		bp_derived_free(&d);
		return;
	}
	for (int r = 0; r < nrow; r++) {
		int64_t ts;
		double got, want = col[c][r];

		bar[BP_TA_OPEN] = col[find("open")][r];
		bar[BP_TA_HIGH] = col[find("high")][r];
		bar[BP_TA_LOW] = col[find("low")][r];
		bar[BP_TA_CLOSE] = col[find("close")][r];
		bp_ts_parse(tstext[r], strlen(tstext[r]), &ts);
		got = bp_derived_step(d, ts, col[s][r], bar);
		if (first < 0 && !isnan(got))
			first = r;
		/* pandas sums differently (running sums): 1e-9 relative, or
		 * absolute below 1, covers its rounding, not a wrong value */
		if (isnan(got) != isnan(want) ||
		    (!isnan(got) && fabs(got - want) > 1e-9 *
		     (fabs(want) > 1 ? fabs(want) : 1))) {
			if (bad < 0) {
				bad = r;
				printf("# %s row %d: got %.17g want %.17g\n",
				       name, r, got, want);
			}
		}
	}
	ok(bad < 0, "%s agrees with pandas on %d rows", name, nrow);
	ok(first == bp_derived_lookback(kind, k), "%s: first value at %d "
	   "(lookback %d)", name, first, bp_derived_lookback(kind, k));
	bp_derived_free(&d);
}

static void
fuzzy_cases(void)
{
	struct bp_fuzzy_set *s;
	size_t n;
	char err[128];
	struct bp_buf b = BP_BUF_INIT;

	ok(bp_fuzzy_parse("lo=tri(0,20,30),mid=trap(25,40,60,75),"
			  "hi=tri(70,100,100),g=gauss(50,10)", &s, &n, err,
			  sizeof(err)) == 0 && n == 4, "parse four sets");
	is_close(bp_fuzzy_eval(&s[0], 5), 0.25, 1e-15, "tri rising");
	is_close(bp_fuzzy_eval(&s[0], 20), 1, 0, "tri peak");
	is_close(bp_fuzzy_eval(&s[0], 25), 0.5, 1e-15, "tri falling");
	is_close(bp_fuzzy_eval(&s[0], 30), 0, 0, "tri right foot");
	is_close(bp_fuzzy_eval(&s[0], -1), 0, 0, "tri outside");
	is_close(bp_fuzzy_eval(&s[1], 50), 1, 0, "trap plateau");
	is_close(bp_fuzzy_eval(&s[1], 70), 1.0 / 3, 1e-15, "trap falling");
	is_close(bp_fuzzy_eval(&s[2], 100), 1, 0, "tri right shoulder");
	is_close(bp_fuzzy_eval(&s[3], 60), exp(-0.5), 1e-15, "gauss 1 sigma");
	ok(isnan(bp_fuzzy_eval(&s[0], NAN)), "null stays null");
	ok(bp_fuzzy_gaps(s, 3, 0, 100, &b) == 0, "covering sets: no gap");
	ok(bp_fuzzy_gaps(s, 1, 0, 100, &b) == 1 &&
	   strcmp(b.s, "[30, 100]") == 0, "one set leaves %s", b.s);
	bp_buf_reset(&b);
	ok(bp_fuzzy_gaps(s, 4, 0, 100, &b) == 0, "a gauss covers everything");
	bp_fuzzy_sets_free(s, n);
	ok(bp_fuzzy_parse("a=tri(0,1,2),b=tri(5,6,7)", &s, &n, err,
			  sizeof(err)) == 0, "parse two apart");
	ok(bp_fuzzy_gaps(s, n, NAN, NAN, &b) == 1 &&
	   strcmp(b.s, "[2, 5]") == 0, "gap between the sets: %s", b.s);
	bp_fuzzy_sets_free(s, n);
	bp_buf_release(&b);
	ok(bp_fuzzy_parse("a=tri(0,1)", &s, &n, err, sizeof(err)) < 0 &&
	   strcmp(err, "set 'a': tri takes 3 numbers, not 2") == 0,
	   "too few numbers: %s", err);
	ok(bp_fuzzy_parse("a b=tri(0,1,2)", &s, &n, err, sizeof(err)) < 0,
	   "bad set name: %s", err);
}

int
main(void)
{
	if (!ok(load() == 0 && nrow == 300, "reference loads (%d rows)", nrow))
		return done_testing();
	check(BP_DERIVED_RET, 1, NULL);
	check(BP_DERIVED_RET, 5, NULL);
	check(BP_DERIVED_LOGRET, 3, NULL);
	check(BP_DERIVED_LAG, 2, "close");
	check(BP_DERIVED_MEAN, 10, "close");
	check(BP_DERIVED_STD, 10, "close");
	check(BP_DERIVED_ZSCORE, 10, "close");
	check(BP_DERIVED_MIN, 10, "close");
	check(BP_DERIVED_MAX, 10, "close");
	check(BP_DERIVED_RANK, 10, "close");
	check(BP_DERIVED_ZSCORE, 20, "volume");
	check(BP_DERIVED_RANGE, 0, NULL);
	check(BP_DERIVED_BODY, 0, NULL);
	check(BP_DERIVED_UPPER_WICK, 0, NULL);
	check(BP_DERIVED_LOWER_WICK, 0, NULL);
	check(BP_DERIVED_HOUR, 0, NULL);
	check(BP_DERIVED_WEEKDAY, 0, NULL);
	check(BP_DERIVED_MONTH, 0, NULL);
	fuzzy_cases();
	for (int i = 0; i < ncol; i++)
		free(colname[i]);
	for (int r = 0; r < nrow; r++)
		free(tstext[r]);
	return done_testing();
}
