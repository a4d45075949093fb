/*
 * test-ta: the indicator kernels against TA-Lib and against hand-computed
 * values.
 *
 * ref/ta-btc.csv and ref/ta-spy.csv hold bars and the outputs of
 * ref/talib_ref.py, a line-by-line Python transcription of TA-Lib's C
 * functions (see that file).  Every value must agree to a relative error
 * of 1e-9 (the bound; in practice the doubles are identical
 * because the operations are TA-Lib's, in TA-Lib's order), and the first
 * output must sit exactly at TA-Lib's lookback.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta.h"
#include "tap.h"
#include "util.h"

#define MAXCOL 128
#define MAXROW 4096

struct config {
	const char *name;
	double p[BP_TA_MAXPARAM];
	int np;
};

/* Every indicator and parameter set the reference computes. */
static const struct config configs[] = {
	{ "sma", { 20 }, 1 }, { "sma", { 5 }, 1 },
	{ "ema", { 20 }, 1 }, { "ema", { 5 }, 1 },
	{ "wma", { 20 }, 1 }, { "wma", { 5 }, 1 },
	{ "dema", { 20 }, 1 }, { "dema", { 5 }, 1 },
	{ "tema", { 20 }, 1 }, { "tema", { 5 }, 1 },
	{ "kama", { 30 }, 1 }, { "kama", { 10 }, 1 },
	{ "rsi", { 14 }, 1 }, { "rsi", { 2 }, 1 },
	{ "macd", { 12, 26, 9 }, 3 }, { "macd", { 5, 35, 5 }, 3 },
	{ "macd", { 3, 10, 1 }, 3 },
	{ "bbands", { 20, 2 }, 2 }, { "bbands", { 10, 1.5 }, 2 },
	{ "stddev", { 20, 1 }, 2 }, { "stddev", { 5, 2 }, 2 },
	{ "atr", { 14 }, 1 }, { "atr", { 1 }, 1 },
	{ "natr", { 14 }, 1 }, { "trange", { 0 }, 0 },
	{ "adx", { 14 }, 1 }, { "plus_di", { 14 }, 1 },
	{ "minus_di", { 14 }, 1 },
	{ "adx", { 5 }, 1 }, { "plus_di", { 5 }, 1 }, { "minus_di", { 5 }, 1 },
	{ "stoch", { 5, 3, 3 }, 3 }, { "stoch", { 14, 1, 3 }, 3 },
	{ "stochf", { 5, 3 }, 2 }, { "stochrsi", { 14, 5, 3 }, 3 },
	{ "cci", { 14 }, 1 }, { "cci", { 20 }, 1 },
	{ "mfi", { 14 }, 1 }, { "obv", { 0 }, 0 },
	{ "roc", { 10 }, 1 }, { "mom", { 10 }, 1 },
	{ "willr", { 14 }, 1 }, { "vwap", { 20 }, 1 },
	{ "vwap_session", { 0 }, 0 }, { "donchian", { 20 }, 1 },
	{ "keltner", { 20, 2 }, 2 },
};

static char *colname[MAXCOL];
static double *col[MAXCOL];	/* MAXROW each, NaN = empty */
static int ncol, nrow;

static char *
src_path(const char *file)
{
	const char *env = getenv("BP_SRCDIR");
	struct bp_buf b = BP_BUF_INIT;

	if (env)
		bp_buf_addf(&b, "%s/tests/unit/ref/%s", env, file);
	else
		bp_buf_addf(&b, "tests/unit/ref/%s", file);
	return bp_buf_detach(&b, NULL);
}

/* Split a CSV line in place (no quoting in these files). */
static int
split(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p == ',' && n < max) {
			*p = '\0';
			f[n++] = p + 1;
		} else if (*p == '\n') {
			*p = '\0';
		}
	}
	return n;
}

static int
load(const char *file)
{
	char *path = src_path(file), line[1 << 14], *f[MAXCOL];
	FILE *fp = fopen(path, "r");
	int n;

	for (int i = 0; i < ncol; i++) {
		free(colname[i]);
		free(col[i]);
	}
	ncol = nrow = 0;
	if (!fp) {
		printf("# cannot open %s\n", path);
		free(path);
		return -1;
	}
	free(path);
	if (!fgets(line, sizeof(line), fp)) {
		fclose(fp);
		return -1;
	}
	ncol = split(line, f, MAXCOL);
	for (int i = 0; i < ncol; i++) {
		colname[i] = bp_xstrdup(f[i]);
		col[i] = bp_xcalloc(MAXROW, sizeof(double));
	}
	while (fgets(line, sizeof(line), fp) && nrow < MAXROW) {
		n = split(line, f, MAXCOL);
		for (int i = 0; i < ncol; i++)
			col[i][nrow] = (i < n && *f[i]) ? strtod(f[i], NULL)
							: NAN;
		nrow++;
	}
	fclose(fp);
	return 0;
}

static int
find_col(const char *name)
{
	for (int i = 0; i < ncol; i++)
		if (strcmp(colname[i], name) == 0)
			return i;
	return -1;
}

/* Run one config over the loaded bars and compare each output column. */
static void
check_config(const char *data, const struct config *c, int *used)
{
	const struct bp_ta_info *info = bp_ta_find(c->name);
	struct bp_ta *t;
	double in[BP_TA_NINPUT], out[BP_TA_MAXOUT], *got[BP_TA_MAXOUT];
	char name[128];
	int lb;

	if (!ok(info != NULL, "%s: indicator '%s' exists", data, c->name))
		return;
	lb = bp_ta_lookback(info, c->p);
	t = bp_ta_new(info, c->p);
	for (int o = 0; o < info->nout; o++)
		got[o] = bp_xcalloc((size_t)nrow, sizeof(double));
	for (int r = 0; r < nrow; r++) {
		in[BP_TA_OPEN] = col[1][r];
		in[BP_TA_HIGH] = col[2][r];
		in[BP_TA_LOW] = col[3][r];
		in[BP_TA_CLOSE] = col[4][r];
		in[BP_TA_VOLUME] = col[5][r];
		bp_ta_update(t, (int64_t)col[0][r] * 1000, in, out);
		for (int o = 0; o < info->nout; o++)
			got[o][r] = out[o];
	}
	for (int o = 0; o < info->nout; o++) {
		int k, first_want = -1, first_got = -1, bad = -1, same = 0;
		double worst = 0;

		bp_ta_colname(name, sizeof(name), info, o, c->p, NULL);
		k = find_col(name);
		if (!ok(k >= 0, "%s: reference has column %s", data, name))
			continue;
		used[k] = 1;
		for (int r = 0; r < nrow; r++) {
			double w = col[k][r], g = got[o][r], e;

			if (first_want < 0 && !isnan(w))
				first_want = r;
			if (first_got < 0 && !isnan(g))
				first_got = r;
			if (isnan(w) || isnan(g)) {
				if (isnan(w) != isnan(g) && bad < 0)
					bad = r;
				continue;
			}
			if (g == w) {
				same++;
				continue;
			}
			/* the bound of the issue: relative error 1e-9 */
			e = fabs(g - w) / fabs(w);
			if (e > worst)
				worst = e;
			if (!(e <= 1e-9) && bad < 0)
				bad = r;
		}
		ok(bad < 0, "%s: %s agrees with TA-Lib to 1e-9 (%d identical, "
		   "worst relative error %.3g)", data, name, same, worst);
		if (bad >= 0)
			printf("#   row %d: got %.17g, want %.17g\n", bad,
			       got[o][bad], col[k][bad]);
		ok(first_want == lb && first_got == lb,
		   "%s: %s first output at the lookback %d (reference %d, "
		   "ours %d)", data, name, lb, first_want, first_got);
	}
	for (int o = 0; o < info->nout; o++)
		free(got[o]);
	bp_ta_free(&t);
}

static void
check_file(const char *file)
{
	int used[MAXCOL] = { 0 }, unused = 0;

	if (!ok(load(file) == 0 && nrow > 500, "%s loads (%d bars)", file,
		nrow))
		return;
	for (size_t i = 0; i < BP_ARRAY_SIZE(configs); i++)
		check_config(file, &configs[i], used);
	for (int i = 6; i < ncol; i++) {
		if (!used[i]) {
			printf("# column %s is not checked\n", colname[i]);
			unused++;
		}
	}
	ok(unused == 0, "%s: every reference column is checked", file);
}

/* ---- hand-computed cases ----------------------------------------------- */

static void
run_close(const char *name, const double *p, const double *x, int n,
	  double *out)
{
	const struct bp_ta_info *info = bp_ta_find(name);
	struct bp_ta *t = bp_ta_new(info, p);
	double in[BP_TA_NINPUT] = { 0 }, o[BP_TA_MAXOUT];

	for (int i = 0; i < n; i++) {
		in[BP_TA_OPEN] = in[BP_TA_HIGH] = in[BP_TA_LOW] = x[i];
		in[BP_TA_CLOSE] = x[i];
		in[BP_TA_VOLUME] = 1;
		bp_ta_update(t, 0, in, o);
		out[i] = o[0];
	}
	bp_ta_free(&t);
}

static void
hand_cases(void)
{
	static const double x[10] = { 1, 2, 3, 4, 5, 4, 3, 2, 1, 2 };
	double out[10], p3[1] = { 3 };
	/* SMA(3): means of 3 (by hand) */
	static const double sma3[10] = { NAN, NAN, 2, 3, 4, 13.0 / 3, 4, 3,
					 2, 5.0 / 3 };
	/* EMA(3), k = 0.5, seeded with the mean of 1, 2, 3 */
	static const double ema3[10] = { NAN, NAN, 2, 3, 4, 4, 3.5, 2.75,
					 1.875, 1.9375 };
	/* RSI(3): gains 1,1,1 -> avg 1, loss 0; then Wilder: g = (2g+d)/3 */
	static const double rsi3[10] = { NAN, NAN, NAN, 100, 100,
					 100.0 * 2 / 3, 100.0 * 4 / 9,
					 100.0 * 8 / 27, 100.0 * 16 / 81,
					 100.0 * 113 / 243 };
	/* WMA(3): (1*x[t-2] + 2*x[t-1] + 3*x[t]) / 6 */
	static const double wma3[10] = { NAN, NAN, 14.0 / 6, 20.0 / 6,
					 26.0 / 6, 26.0 / 6, 22.0 / 6,
					 16.0 / 6, 10.0 / 6, 10.0 / 6 };
	/* MOM(3), ROC(3) */
	static const double mom3[10] = { NAN, NAN, NAN, 3, 3, 1, -1, -3, -3,
					 -1 };
	static const double roc3[10] = { NAN, NAN, NAN, 300, 150,
					 100.0 / 3, -25, -60, -75, -100.0 / 3 };

	run_close("sma", p3, x, 10, out);
	for (int i = 0; i < 10; i++)
		is_close(out[i], sma3[i], 1e-12, "hand: sma(3)[%d]", i);
	run_close("ema", p3, x, 10, out);
	for (int i = 0; i < 10; i++)
		is_close(out[i], ema3[i], 1e-12, "hand: ema(3)[%d]", i);
	run_close("rsi", p3, x, 10, out);
	for (int i = 0; i < 10; i++)
		is_close(out[i], rsi3[i], 1e-12, "hand: rsi(3)[%d]", i);
	run_close("wma", p3, x, 10, out);
	for (int i = 0; i < 10; i++)
		is_close(out[i], wma3[i], 1e-12, "hand: wma(3)[%d]", i);
	run_close("mom", p3, x, 10, out);
	for (int i = 0; i < 10; i++)
		is_close(out[i], mom3[i], 1e-12, "hand: mom(3)[%d]", i);
	run_close("roc", p3, x, 10, out);
	for (int i = 0; i < 10; i++)
		is_close(out[i], roc3[i], 1e-12, "hand: roc(3)[%d]", i);
	/* flat prices: RSI's denominator is 0 and TA-Lib says 0 */
	{
		static const double flat[6] = { 5, 5, 5, 5, 5, 5 };

		run_close("rsi", p3, flat, 6, out);
		ok(out[3] == 0.0 && out[5] == 0.0, "hand: rsi of flat prices "
		   "is 0 (TA-Lib's zero rule)");
	}
}

/* ATR(2), OBV, WILLR(2) on three hand-made bars. */
static void
hand_bars(void)
{
	/* high, low, close, volume */
	static const double b[4][4] = {
		{ 10, 8, 9, 100 }, { 12, 9, 11, 200 }, { 11, 7, 8, 50 },
		{ 9, 8, 8, 10 },
	};
	double p2[1] = { 2 }, in[BP_TA_NINPUT] = { 0 }, o[BP_TA_MAXOUT];
	double atr[4], obv[4], willr[4];
	struct bp_ta *ta = bp_ta_new(bp_ta_find("atr"), p2);
	struct bp_ta *tb = bp_ta_new(bp_ta_find("obv"), p2);
	struct bp_ta *tc = bp_ta_new(bp_ta_find("willr"), p2);

	for (int i = 0; i < 4; i++) {
		in[BP_TA_HIGH] = b[i][0];
		in[BP_TA_LOW] = b[i][1];
		in[BP_TA_CLOSE] = b[i][2];
		in[BP_TA_VOLUME] = b[i][3];
		bp_ta_update(ta, 0, in, o);
		atr[i] = o[0];
		bp_ta_update(tb, 0, in, o);
		obv[i] = o[0];
		bp_ta_update(tc, 0, in, o);
		willr[i] = o[0];
	}
	/* TR: bar1 max(3, |9-12|, |9-9|) = 3; bar2 max(4, 0, 4) = 4;
	 * bar3 max(1, |8-9|, 0) = 1.  ATR(2): (3+4)/2 = 3.5, then
	 * (3.5 * 1 + 1) / 2 = 2.25 */
	ok(isnan(atr[0]) && isnan(atr[1]), "hand: atr(2) null before bar 2");
	is_close(atr[2], 3.5, 1e-15, "hand: atr(2)[2] = mean of 2 TR");
	is_close(atr[3], 2.25, 1e-15, "hand: atr(2)[3] Wilder");
	/* OBV: 100, +200 (up), -50 (down), unchanged close: 250 */
	is_close(obv[0], 100, 0, "hand: obv starts at the first volume");
	is_close(obv[1], 300, 0, "hand: obv up close");
	is_close(obv[2], 250, 0, "hand: obv down close");
	is_close(obv[3], 250, 0, "hand: obv flat close");
	/* WILLR(2): bar1 HH 12 LL 8: (12-11)/(4/-100) = -25;
	 * bar2 HH 12 LL 7: (12-8)/(5/-100) = -80; bar3 HH 11 LL 7: -75 */
	is_close(willr[1], -25, 1e-12, "hand: willr(2)[1]");
	is_close(willr[2], -80, 1e-12, "hand: willr(2)[2]");
	is_close(willr[3], -75, 1e-12, "hand: willr(2)[3]");
	bp_ta_free(&ta);
	bp_ta_free(&tb);
	bp_ta_free(&tc);
}

/* A bar with a missing input gives null and leaves the state as it was. */
static void
missing_input(void)
{
	static const double x[6] = { 1, 2, 3, 4, 5, 4 };
	double p3[1] = { 3 }, a[6], b[7], xs[7];

	for (int i = 0, j = 0; i < 7; i++)
		xs[i] = i == 3 ? NAN : x[j++];
	run_close("ema", p3, x, 6, a);
	run_close("ema", p3, xs, 7, b);
	ok(isnan(b[3]), "missing close: output is null");
	ok(b[4] == a[3] && b[5] == a[4] && b[6] == a[5],
	   "missing close: the bar is skipped, not propagated");
}

static void
names_and_checks(void)
{
	char buf[64], err[128];
	double p[3] = { 12, 26, 9 };
	const struct bp_ta_info *macd = bp_ta_find("macd");

	bp_ta_colname(buf, sizeof(buf), macd, 1, p, NULL);
	ok(strcmp(buf, "macd_signal_12_26_9") == 0, "name %s", buf);
	bp_ta_colname(buf, sizeof(buf), bp_ta_find("sma"), 0, p, "volume");
	ok(strcmp(buf, "sma_12_volume") == 0, "name %s", buf);
	p[0] = 20;
	p[1] = 2;
	bp_ta_colname(buf, sizeof(buf), bp_ta_find("bbands"), 0, p, "close");
	ok(strcmp(buf, "bbands_upper_20_2") == 0, "name %s", buf);
	p[0] = 30;
	p[1] = 26;
	ok(bp_ta_check(macd, p, err, sizeof(err)) < 0, "macd fast > slow: %s",
	   err);
	ok(bp_ta_check_param(bp_ta_find("rsi"), 0, 1, err, sizeof(err)) < 0 &&
	   strcmp(err, "period must be an integer in [2, 100000]") == 0,
	   "rsi period 1 refused: %s", err);
	ok(bp_ta_check_param(bp_ta_find("rsi"), 0, 14.5, err, sizeof(err)) <
	   0, "rsi period 14.5 refused");
	ok(bp_ta_find("nope") == NULL, "unknown indicator");
}

int
main(void)
{
	check_file("ta-btc.csv");
	check_file("ta-spy.csv");
	hand_cases();
	hand_bars();
	missing_input();
	names_and_checks();
	for (int i = 0; i < ncol; i++) {
		free(colname[i]);
		free(col[i]);
	}
	return done_testing();
}
