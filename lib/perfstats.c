/*
 * perfstats: one-pass performance statistics and annualisation.
 *
 * Returns are accumulated with Welford's update (mean and sum of squared
 * deviations) so a million bars of tiny returns lose no precision; the
 * drawdown is tracked against the running peak, starting at the capital.
 */
#include "perfstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DAY_MS 86400000.0

/* ---- annualisation ---------------------------------------------------- */

void
bp_perf_clock_release(struct bp_perf_clock *c)
{
	free(c->gap);
	free(c->count);
	memset(c, 0, sizeof(*c));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void
bp_perf_clock_add(struct bp_perf_clock *c, int64_t ts)
{
	int64_t day = floor_div(ts, 86400000), wd;

	/* 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays */
	wd = ((day + 4) % 7 + 7) % 7;
	if (wd == 0 || wd == 6)
		c->weekend++;
	if (c->n == 0 || day != c->lastday)
		c->days++;
	c->lastday = day;
	if (c->n > 0) {
		int64_t g = ts - c->last;
		size_t lo = 0, hi = c->ngap;

		/* the same spacing as last time is the common case */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (c->gap[mid] < g)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->ngap && c->gap[lo] == g) {
			c->count[lo]++;
		} else {
			size_t a = c->alloc;

			BP_GROW(c->gap, a, c->ngap + 1);
			a = c->alloc;
			BP_GROW(c->count, a, c->ngap + 1);
			c->alloc = a;
			memmove(c->gap + lo + 1, c->gap + lo,
				(c->ngap - lo) * sizeof(*c->gap));
			memmove(c->count + lo + 1, c->count + lo,
				(c->ngap - lo) * sizeof(*c->count));
			c->gap[lo] = g;
			c->count[lo] = 1;
			c->ngap++;
		}
	}
	c->last = ts;
	c->n++;
}

/* The k-th smallest spacing (0-based). */
static double
kth_gap(const struct bp_perf_clock *c, uint64_t k)
{
	uint64_t seen = 0;

	for (size_t i = 0; i < c->ngap; i++) {
		seen += c->count[i];
		if (k < seen)
			return (double)c->gap[i];
	}
	return NAN;
}

double
bp_perf_clock_median(const struct bp_perf_clock *c)
{
	uint64_t m;

	if (c->n < 2)
		return NAN;
	m = c->n - 1;		/* number of spacings */
	if (m % 2)
		return kth_gap(c, m / 2);
	return (kth_gap(c, m / 2 - 1) + kth_gap(c, m / 2)) / 2;
}

double
bp_perf_bars_per_year(const struct bp_perf_clock *c, char *rule,
		      size_t rulelen)
{
	char dummy[8];
	double d = bp_perf_clock_median(c), h = d / 3600000.0, wk, bpy;

	if (!rule) {
		rule = dummy;
		rulelen = sizeof(dummy);
	}
	if (isnan(d) || d <= 0) {
		snprintf(rule, rulelen, "fewer than two bars: no timeframe");
		return NAN;
	}
	wk = (double)c->weekend / (double)c->n;
	if (h < 20) {
		if (wk >= 0.05) {
			bpy = 365 * DAY_MS / d;
			snprintf(rule, rulelen, "intraday bars with weekend "
				 "bars (24/7 market): 365 days * 24h / median "
				 "spacing %gh", h);
		} else {
			double bpd = (double)c->n / (double)c->days;

			bpy = 252 * bpd;
			snprintf(rule, rulelen, "intraday bars without weekend "
				 "bars (session market): 252 days * %g bars "
				 "per day observed", bpd);
		}
	} else if (h <= 28) {
		bpy = wk >= 0.05 ? 365 : 252;
		snprintf(rule, rulelen, wk >= 0.05 ? "daily bars with weekend "
			 "bars (7-day market): 365" : "daily bars on weekdays "
			 "only (trading days): 252");
	} else if (d >= 6 * DAY_MS && d <= 8 * DAY_MS) {
		bpy = 52;
		snprintf(rule, rulelen, "weekly bars: 52");
	} else if (d >= 27 * DAY_MS && d <= 32 * DAY_MS) {
		bpy = 12;
		snprintf(rule, rulelen, "monthly bars: 12");
	} else {
		bpy = 365.25 * DAY_MS / d;
		snprintf(rule, rulelen, "365.25 days / median spacing %g days",
			 d / DAY_MS);
	}
	return bpy;
}

/* ---- equity curve and trades ------------------------------------------ */

void
bp_perf_init(struct bp_perf *p, double capital)
{
	memset(p, 0, sizeof(*p));
	p->capital = capital;
	p->last = capital;
	p->peak = capital;
	p->peak_i = -1;
}

/* Close a stretch under water that ended at point `end` (time end_ts). */
static void
dd_stretch(struct bp_perf *p, uint64_t bars, int64_t end_ts)
{
	if (bars > p->dd_bars) {
		p->dd_bars = bars;
		p->dd_days = (double)(end_ts - p->peak_ts) / DAY_MS;
	}
}

double
bp_perf_point(struct bp_perf *p, int64_t ts, double equity, double gross)
{
	double prev = p->last, r, delta, dd;
	int64_t i = (int64_t)p->n;

	if (p->n == 0) {
		p->first_ts = ts;
		p->peak_ts = ts;
	}
	/* a ruined account (equity <= 0) has no further returns */
	r = prev > 0 ? equity / prev - 1 : 0;
	p->n++;
	delta = r - p->mean;
	p->mean += delta / (double)p->n;
	p->m2 += delta * (r - p->mean);
	if (r < 0)
		p->down2 += r * r;
	p->last = equity;
	p->last_ts = ts;
	if (equity >= p->peak) {
		if (i - p->peak_i > 1)
			dd_stretch(p, (uint64_t)(i - p->peak_i - 1), ts);
		p->peak = equity;
		p->peak_i = i;
		p->peak_ts = ts;
		dd = 0;
	} else {
		dd = p->peak > 0 ? 1 - equity / p->peak : NAN;
		if (dd > p->max_dd)
			p->max_dd = dd;
	}
	if (gross > 0)
		p->in_market++;
	if (isfinite(gross))
		p->sum_gross += gross;
	p->sum_equity += equity;
	return dd;
}

void
bp_perf_traded(struct bp_perf *p, double notional)
{
	p->traded += notional;
}

void
bp_perf_trade(struct bp_perf *p, double pnl, double ret, double r,
	      double bars)
{
	p->trades++;
	if (pnl > 0) {
		p->wins++;
		p->gross_win += pnl;
	} else if (pnl < 0) {
		p->losses++;
		p->gross_loss += pnl;
	}
	p->sum_ret += ret;
	p->sum_bars += bars;
	if (!isnan(r)) {
		p->with_r++;
		p->sum_r += r;
	}
}

static double
safe_div(double a, double b)
{
	return b != 0 && isfinite(a) && isfinite(b) ? a / b : NAN;
}

void
bp_perf_compute(const struct bp_perf *p, double bpy, struct bp_perf_result *o)
{
	double n = (double)p->n, sd, dsd, ratio;
	struct bp_perf tmp = *p;

	memset(o, 0, sizeof(*o));
	/* a stretch still under water at the end counts up to the last bar */
	if (p->n > 0 && (int64_t)p->n - 1 > p->peak_i)
		dd_stretch(&tmp, (uint64_t)((int64_t)p->n - 1 - p->peak_i),
			   p->last_ts);
	o->max_dd_bars = tmp.dd_bars;
	o->max_dd_days = tmp.dd_bars ? tmp.dd_days : 0;
	o->final_equity = p->last;
	ratio = p->last / p->capital;
	o->total_return = ratio - 1;
	o->log_return = ratio > 0 ? log(ratio) : NAN;
	o->years = bpy > 0 ? n / bpy : NAN;
	o->annual_return = ratio > 0 && o->years > 0 ?
			   pow(ratio, 1 / o->years) - 1 : NAN;
	sd = p->n > 1 ? sqrt(p->m2 / (n - 1)) : NAN;
	dsd = p->n > 0 ? sqrt(p->down2 / n) : NAN;
	o->annual_vol = sd * sqrt(bpy);
	o->sharpe = safe_div(p->mean, sd) * sqrt(bpy);
	o->sortino = safe_div(p->mean, dsd) * sqrt(bpy);
	o->max_drawdown = p->max_dd;
	o->calmar = safe_div(o->annual_return, p->max_dd);

	o->trades = p->trades;
	o->wins = p->wins;
	o->losses = p->losses;
	o->with_r = p->with_r;
	o->win_rate = safe_div((double)p->wins, (double)p->trades);
	o->profit_factor = safe_div(p->gross_win, -p->gross_loss);
	o->avg_win = safe_div(p->gross_win, (double)p->wins);
	o->avg_loss = safe_div(p->gross_loss, (double)p->losses);
	o->avg_trade_return = safe_div(p->sum_ret, (double)p->trades);
	o->expectancy = safe_div(p->gross_win + p->gross_loss,
				 (double)p->trades);
	o->expectancy_r = safe_div(p->sum_r, (double)p->with_r);
	o->total_r = p->with_r ? p->sum_r : NAN;
	o->avg_bars_held = safe_div(p->sum_bars, (double)p->trades);

	o->exposure = safe_div((double)p->in_market, n);
	o->avg_gross_exposure = safe_div(p->sum_gross, n);
	o->traded_notional = p->traded;
	o->turnover = safe_div(p->traded, safe_div(p->sum_equity, n));
	o->annual_turnover = safe_div(o->turnover, o->years);
}
