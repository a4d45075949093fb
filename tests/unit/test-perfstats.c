/*
 * test-perfstats: the statistics of an equity curve and a trade list
 * against numpy (tests/unit/ref/perfstats_ref.py, its output in
 * perfstats-cases.txt), and the annualisation rules against values that
 * follow from their definitions.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perfstats.h"
#include "tap.h"
#include "ts.h"
#include "util.h"

#define HOUR 3600000LL
#define DAY (24 * HOUR)

/*
 * numpy sums the returns in another order than Welford's update and the
 * powers and logs round differently: agreement to 1e-10 (relative) is
 * what double precision leaves after a few hundred operations.
 */
#define TOL 1e-10

static double
field(const struct bp_perf_result *r, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} map[] = {
		{ "total_return", offsetof(struct bp_perf_result,
					   total_return) },
		{ "log_return", offsetof(struct bp_perf_result, log_return) },
		{ "annual_return", offsetof(struct bp_perf_result,
					    annual_return) },
		{ "annual_vol", offsetof(struct bp_perf_result, annual_vol) },
		{ "sharpe", offsetof(struct bp_perf_result, sharpe) },
		{ "sortino", offsetof(struct bp_perf_result, sortino) },
		{ "max_drawdown", offsetof(struct bp_perf_result,
					   max_drawdown) },
		{ "calmar", offsetof(struct bp_perf_result, calmar) },
		{ "max_dd_days", offsetof(struct bp_perf_result, max_dd_days) },
		{ "win_rate", offsetof(struct bp_perf_result, win_rate) },
		{ "profit_factor", offsetof(struct bp_perf_result,
					    profit_factor) },
		{ "avg_win", offsetof(struct bp_perf_result, avg_win) },
		{ "avg_loss", offsetof(struct bp_perf_result, avg_loss) },
		{ "expectancy", offsetof(struct bp_perf_result, expectancy) },
		{ "total_r", offsetof(struct bp_perf_result, total_r) },
		{ "expectancy_r", offsetof(struct bp_perf_result,
					   expectancy_r) },
	};

	if (strcmp(key, "max_dd_bars") == 0)
		return (double)r->max_dd_bars;
	for (size_t i = 0; i < BP_ARRAY_SIZE(map); i++)
		if (strcmp(map[i].key, key) == 0)
			return *(const double *)((const char *)r + map[i].off);
	return NAN;
}

static void
reference_cases(void)
{
	const char *dir = getenv("BP_REF_DIR");
	char path[1024], line[512], name[64] = "";
	struct bp_perf p;
	struct bp_perf_result res;
	double capital = 0, bpy = 0;
	int computed = 0, cases = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/perfstats-cases.txt",
		 dir ? dir : "tests/unit/ref");
	fp = fopen(path, "r");
	ok(fp != NULL, "open %s", path);
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char key[64], val[64];
		long long h;
		double a, b, c, d;

		if (sscanf(line, "case %63s", name) == 1) {
			computed = 0;
		} else if (sscanf(line, "capital %lf", &capital) == 1) {
			bp_perf_init(&p, capital);
		} else if (sscanf(line, "bpy %lf", &bpy) == 1) {
			continue;
		} else if (sscanf(line, "point %lld %lf", &h, &a) == 2) {
			bp_perf_point(&p, h * HOUR, a, 0);
		} else if (sscanf(line, "trade %lf %lf %63s %lf", &a, &b, val,
				  &d) == 4) {
			c = strcmp(val, "nan") == 0 ? NAN : strtod(val, NULL);
			bp_perf_trade(&p, a, b, c, d);
		} else if (sscanf(line, "expect %63s %63s", key, val) == 2) {
			double want = strcmp(val, "nan") == 0 ? NAN :
				      strtod(val, NULL);

			if (!computed) {
				bp_perf_compute(&p, bpy, &res);
				computed = 1;
			}
			is_close(field(&res, key), want, TOL, "%s: %s", name,
				 key);
		} else if (strncmp(line, "end", 3) == 0) {
			cases++;
		}
	}
	fclose(fp);
	ok(cases == 3, "three reference cases (%d)", cases);
}

/* Hand-checked: two trades, exposure and turnover, nulls when empty. */
static void
hand_cases(void)
{
	struct bp_perf p;
	struct bp_perf_result r;

	bp_perf_init(&p, 100);
	bp_perf_compute(&p, 252, &r);
	ok(isnan(r.sharpe) && isnan(r.win_rate) && isnan(r.profit_factor) &&
	   isnan(r.expectancy) && isnan(r.exposure) && r.total_return == 0,
	   "no bars: undefined statistics are NaN, total return 0");

	/* flat equity: zero volatility gives no Sharpe, not a division */
	bp_perf_init(&p, 100);
	for (int i = 0; i < 5; i++)
		bp_perf_point(&p, i * DAY, 100, 0);
	bp_perf_compute(&p, 252, &r);
	ok(r.annual_vol == 0 && isnan(r.sharpe) && isnan(r.sortino) &&
	   isnan(r.calmar) && r.max_drawdown == 0 && r.exposure == 0,
	   "flat equity: vol 0, Sharpe/Sortino/Calmar undefined");

	/* exposure 2 of 4 bars; mean gross (1 + 0.5) / 4; turnover 300 of
	 * mean equity 100 = 3, over 4/252 years = 189 a year */
	bp_perf_init(&p, 100);
	bp_perf_point(&p, 0, 100, 0);
	bp_perf_point(&p, DAY, 100, 1);
	bp_perf_point(&p, 2 * DAY, 100, 0.5);
	bp_perf_point(&p, 3 * DAY, 100, 0);
	bp_perf_traded(&p, 100);
	bp_perf_traded(&p, 200);
	bp_perf_trade(&p, 0, 0, NAN, 2);
	bp_perf_compute(&p, 252, &r);
	is_close(r.exposure, 0.5, 0, "exposure = 2/4");
	is_close(r.avg_gross_exposure, 0.375, 1e-15, "mean gross = 1.5/4");
	is_close(r.turnover, 3, 1e-15, "turnover = 300 / 100");
	is_close(r.annual_turnover, 189, 1e-12,
		 "annual turnover = 3 / (4/252)");
	ok(r.trades == 1 && r.wins == 0 && r.losses == 0 &&
	   r.win_rate == 0 && isnan(r.profit_factor) && r.expectancy == 0 &&
	   r.avg_bars_held == 2, "a zero-pnl trade is neither win nor loss");
}

/* Feed n timestamps from start, step apart, skipping weekends if asked. */
static void
feed(struct bp_perf_clock *c, int64_t start, int64_t step, int n,
     int weekdays)
{
	int64_t t = start;

	for (int i = 0; i < n; t += step) {
		int64_t day = t / DAY, wd = (day + 4) % 7;

		if (weekdays && (wd == 0 || wd == 6))
			continue;
		bp_perf_clock_add(c, t);
		i++;
	}
}

static void
annualisation(void)
{
	struct bp_perf_clock c = BP_PERF_CLOCK_INIT;
	char rule[256];
	int64_t mon = 1704067200000LL;	/* 2024-01-01T00:00:00Z, a Monday */
	double bpy;

	bpy = bp_perf_bars_per_year(&c, rule, sizeof(rule));
	ok(isnan(bpy), "no bars: no bars per year (%s)", rule);

	feed(&c, mon, HOUR, 1000, 0);
	is_close(bp_perf_clock_median(&c), 3600000, 0, "median spacing 1h");
	is_close(bp_perf_bars_per_year(&c, rule, sizeof(rule)), 8760, 0,
		 "hourly 24/7: 365 * 24 = 8760 (%s)", rule);
	bp_perf_clock_release(&c);

	feed(&c, mon, DAY, 300, 0);
	is_close(bp_perf_bars_per_year(&c, rule, sizeof(rule)), 365, 0,
		 "daily with weekends: 365 (%s)", rule);
	bp_perf_clock_release(&c);

	feed(&c, mon + 14 * HOUR + 30 * 60000, DAY, 300, 1);
	is_close(bp_perf_clock_median(&c), (double)DAY, 0,
		 "weekdays: median spacing one day despite weekend gaps");
	is_close(bp_perf_bars_per_year(&c, rule, sizeof(rule)), 252, 0,
		 "daily on weekdays: 252 (%s)", rule);
	bp_perf_clock_release(&c);

	/* a 6.5h session in 30-minute bars: 13 bars a day */
	for (int d = 0; d < 60; d++) {
		int64_t day = mon + d * DAY, wd = (day / DAY + 4) % 7;

		if (wd == 0 || wd == 6)
			continue;
		for (int k = 0; k < 13; k++)
			bp_perf_clock_add(&c, day + 14 * HOUR + 30 * 60000 +
					  k * 30 * 60000);
	}
	is_close(bp_perf_bars_per_year(&c, rule, sizeof(rule)), 252 * 13,
		 1e-12, "30m session bars: 252 * 13 (%s)", rule);
	bp_perf_clock_release(&c);

	feed(&c, mon, 7 * DAY, 100, 0);
	is_close(bp_perf_bars_per_year(&c, NULL, 0), 52, 0, "weekly: 52");
	bp_perf_clock_release(&c);

	/* month starts: 29..31 days apart */
	for (int m = 0; m < 24; m++)
		bp_perf_clock_add(&c, bp_ts_days_from_civil(2020 + m / 12,
					(unsigned)(m % 12 + 1), 1) * DAY);
	is_close(bp_perf_bars_per_year(&c, NULL, 0), 12, 0, "monthly: 12");
	bp_perf_clock_release(&c);

	feed(&c, mon, 3 * DAY, 100, 0);
	is_close(bp_perf_bars_per_year(&c, NULL, 0), 365.25 / 3, 1e-15,
		 "3-day bars: 365.25 / 3");
	bp_perf_clock_release(&c);

	/* the median of spacings 1,1,2,5 (hours) is 1.5h */
	bp_perf_clock_add(&c, 0);
	bp_perf_clock_add(&c, HOUR);
	bp_perf_clock_add(&c, 2 * HOUR);
	bp_perf_clock_add(&c, 4 * HOUR);
	bp_perf_clock_add(&c, 9 * HOUR);
	is_close(bp_perf_clock_median(&c), 1.5 * HOUR, 0,
		 "median of an even number of spacings");
	bp_perf_clock_release(&c);
}

int
main(void)
{
	reference_cases();
	hand_cases();
	annualisation();
	return done_testing();
}
