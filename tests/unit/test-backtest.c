/*
 * test-backtest: the engine's rules on bars small enough to follow by
 * hand (the arithmetic is in the comments), plus properties on random
 * bars: no look-ahead (a change to the signal of bar k cannot move equity
 * before bar k + 1 under next-open or next-close fills), every unit of
 * equity change accounted for by the trades, no cash borrowed for longs.
 * The summary-level cases (one long trade, one short, stops, gaps, costs,
 * a portfolio, no trades) live in tests/bp-backtest.bats with values from
 * tests/unit/ref/backtest_ref.py.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest.h"
#include "tap.h"
#include "util.h"

#define HOUR 3600000LL
#define T0 1704499200000LL	/* 2024-01-06T00:00:00Z, a Saturday */
#define MAXT 512

struct rec {
	struct bp_bt_trade t[MAXT];
	char reason[MAXT][16];
	int n;
	double eq[2048];
	int neq;
};

static int
sink(void *ctx, const struct bp_bt_trade *t)
{
	struct rec *r = ctx;

	if (r->n < MAXT) {
		r->t[r->n] = *t;
		snprintf(r->reason[r->n], sizeof(r->reason[0]), "%s",
			 t->reason);
		r->n++;
	}
	return 0;
}

/* bars: rows of open, high, low, close, value (NAN: null) for one symbol */
static struct bp_bt *
run1(const struct bp_bt_opts *o, const double (*b)[5], int n, struct rec *r,
     const double *atr)
{
	struct bp_bt *bt = bp_bt_new(o);
	int sym = bp_bt_symbol(bt, "X", 1);

	memset(r, 0, sizeof(*r));
	bp_bt_set_trade_sink(bt, sink, r);
	for (int i = 0; i < n; i++) {
		struct bp_bt_bar bar = { sym, b[i][0], b[i][1], b[i][2],
					 b[i][3], b[i][4],
					 atr ? atr[i] : NAN };
		struct bp_bt_point pt;

		bp_bt_step(bt, T0 + i * HOUR, &bar, 1);
		bp_bt_point(bt, &pt);
		r->eq[r->neq++] = pt.equity;
	}
	bp_bt_finish(bt);
	return bt;
}

/* Exact arithmetic on these small numbers leaves a few ulps at most. */
#define EPS 1e-12

static void
trailing_stop(void)
{
	/*
	 * --trail 5%: bought 100 units at 100.  The trail follows the best
	 * high of the bars already closed: 95 during t1 (only the entry
	 * price so far), 104 * 0.95 = 98.8 during t2 (t2's low 99 stays
	 * above), 110 * 0.95 = 104.5 during t3, whose low 104 reaches it:
	 * sold at 104.5, pnl 450, R = 450 / (5 * 100) = 0.9.
	 */
	static const double b[][5] = {
		{ 100, 101, 99, 100, 1 },
		{ 100, 104, 96, 103, 1 },
		{ 103, 110, 99, 108, 1 },
		{ 108, 109, 104, 105, 1 },
		{ 105, 106, 104, 105, 1 },
	};
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct rec r;
	struct bp_bt *bt;

	bp_bt_parse_level("5%", &o.trail);
	bt = run1(&o, b, 5, &r, NULL);
	ok(r.n == 1 && strcmp(r.reason[0], "trail") == 0, "trail exit");
	is_close(r.t[0].exit_price, 104.5, EPS, "trail fills at 104.5");
	is_close(r.t[0].pnl, 450, EPS, "pnl 450");
	is_close(r.t[0].r, 0.9, EPS, "R 0.9 (initial risk: 5 a unit)");
	is_close(r.eq[4], 10450, EPS, "locked out afterwards: flat");
	bp_bt_free(&bt);
}

static void
max_hold(void)
{
	/* next-open: in at t1's open, out at t3's open after 2 bars */
	static const double b[][5] = {
		{ 100, 101, 99, 100, 1 },
		{ 100, 103, 99, 102, 1 },
		{ 102, 105, 101, 104, 1 },
		{ 106, 107, 105, 106, 1 },
		{ 106, 107, 105, 107, 1 },
	};
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct rec r;
	struct bp_bt *bt;

	o.max_hold = 2;
	bt = run1(&o, b, 5, &r, NULL);
	ok(r.n == 1 && strcmp(r.reason[0], "max_hold") == 0 &&
	   r.t[0].bars == 2, "max-hold 2: one trade of 2 bars");
	is_close(r.t[0].exit_price, 106, EPS, "exit at t3's open 106");
	ok(r.t[0].exit_ts == T0 + 3 * HOUR, "exit at t3");
	is_close(r.eq[4], 10600, EPS, "no re-entry while the signal stays 1");
	bp_bt_free(&bt);

	/* this-close: in at t0's close 100, out at t2's close 104 */
	o.fill = BP_BT_THIS_CLOSE;
	bt = run1(&o, b, 5, &r, NULL);
	ok(r.n == 1 && r.t[0].entry_ts == T0 && r.t[0].exit_ts == T0 +
	   2 * HOUR && r.t[0].bars == 2, "this-close: closes t0 to t2");
	is_close(r.t[0].exit_price, 104, EPS, "exit at t2's close 104");
	bp_bt_free(&bt);
}

static void
atr_stop(void)
{
	/*
	 * Every bar spans 99..101 around a flat 100: true range 2, so
	 * Wilder's ATR(14) is 2 from bar 14 (the mean of the ranges of bars
	 * 1..14) on.  The signal is 1 from the start, but a 1.5atr stop
	 * needs the ATR: the buy waits for bar 15's open.  Stop 100 - 3 =
	 * 97; bar 17 dips to 96.5: sold at 97, R = -1.
	 */
	double b[20][5], atr[20];
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct rec r;
	struct bp_bt *bt;
	json_t *sum;

	for (int i = 0; i < 20; i++) {
		b[i][0] = 100, b[i][1] = 101, b[i][2] = 99, b[i][3] = 100;
		b[i][4] = 1;
		atr[i] = i < 3 ? NAN : 2;
	}
	b[17][2] = 96.5;
	bp_bt_parse_level("1.5atr", &o.sl);
	bt = run1(&o, b, 20, &r, NULL);
	ok(r.n == 1 && r.t[0].entry_ts == T0 + 15 * HOUR,
	   "entry waits for the ATR: bar 15");
	is_close(r.t[0].exit_price, 97, EPS, "stop at 100 - 1.5 * 2");
	is_close(r.t[0].r, -1, EPS, "R -1");
	sum = bp_bt_summary(bt);
	ok(strstr(json_string_value(json_array_get(json_object_get(sum,
	   "warnings"), 1)), "waited for the ATR") != NULL,
	   "the wait is reported");
	json_decref(sum);
	bp_bt_free(&bt);

	/* an ATR column known from bar 3: the buy is at bar 4's open */
	o.atr_col = 1;
	bt = run1(&o, b, 20, &r, atr);
	ok(r.n == 1 && r.t[0].entry_ts == T0 + 4 * HOUR &&
	   r.t[0].exit_price == 97, "atr column: in at bar 4, out at 97");
	bp_bt_free(&bt);
}

static void
vol_target(void)
{
	/*
	 * Closes alternate 100, 110: log returns +-a, a = ln 1.1.  Over a
	 * window of 4 the sample sd is a * sqrt(4/3); annualised (24/7
	 * hourly: 8760) s = a * sqrt(4/3) * sqrt(8760).  vol-target:V buys
	 * min(1, V / s) of equity.  The first 4 returns exist after bar 4.
	 */
	static const double b[][5] = {
		{ 100, 110, 100, 100, 1 },
		{ 100, 110, 100, 110, 1 },
		{ 110, 110, 100, 100, 1 },
		{ 100, 110, 100, 110, 1 },
		{ 110, 110, 100, 100, 1 },
		{ 100, 110, 100, 100, 1 },
	};
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct rec r;
	struct bp_bt *bt;
	double s = log(1.1) * sqrt(4.0 / 3) * sqrt(8760.0), v = s / 4;

	o.size = BP_BT_VOL_TARGET;
	o.size_x = v;
	o.vol_window = 4;
	bt = run1(&o, b, 6, &r, NULL);
	ok(r.n == 1 && r.t[0].entry_ts == T0 + 5 * HOUR,
	   "vol-target buys once 4 returns are known");
	is_close(r.t[0].size, 10000 * 0.25 / 100, 1e-12,
		 "a quarter of equity for a target of a quarter of the vol");
	bp_bt_free(&bt);
}

static void
weights(void)
{
	/*
	 * Weights are read at a close and filled at the next open.  t1: half
	 * of 10000 at 100 -> 50 units.  Equity at t2's close 110: 10500;
	 * weight 0.25 -> at t3's open 110 the target is 2625 / 110 units and
	 * the rest is sold.  Weight -0.5 at t3 -> at t4's open 100 the long
	 * is closed and half of the equity is sold short; t5 closes at 90,
	 * 10 a unit in the short's favour.
	 */
	static const double b[][5] = {
		{ 100, 101, 99, 100, 0.5 },
		{ 100, 121, 99, 120, 0.5 },
		{ 120, 121, 109, 110, 0.25 },
		{ 110, 111, 99, 100, -0.5 },
		{ 100, 101, 99, 100, NAN },
		{ 95, 96, 89, 90, NAN },
	};
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct rec r;
	struct bp_bt *bt;
	double q3 = 0.25 * 10500 / 110, cash3, e4, qs;

	o.weights = 1;
	bt = run1(&o, b, 6, &r, NULL);
	is_close(r.eq[2], 10500, EPS, "50 units at 110 + 5000 cash");
	cash3 = 5000 + (50 - q3) * 110;
	is_close(r.eq[3], cash3 + q3 * 100, EPS, "resized to a quarter");
	e4 = cash3 + q3 * 100;
	qs = 0.5 * e4 / 100;
	ok(r.n == 2 && r.t[0].side == 1 && r.t[1].side == -1,
	   "a flip closes the long and opens a short");
	is_close(r.t[0].pnl, e4 - 10000, EPS, "long pnl = equity change");
	is_close(r.t[0].size, 50, EPS, "largest size of the long: 50");
	is_close(r.t[1].size, qs, EPS, "short of half the equity");
	is_close(r.eq[5], e4 + qs * 10, EPS, "short gains 10 a unit");
	bp_bt_free(&bt);
}

static void
alloc_and_long_only(void)
{
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct bp_bt *bt;
	struct bp_bt_bar bars[2];
	int a, c;

	/* --alloc signal: only A has a signal, so A gets all of equity */
	o.alloc = BP_BT_SIGNAL;
	bt = bp_bt_new(&o);
	a = bp_bt_symbol(bt, "A", 1);
	c = bp_bt_symbol(bt, "C", 1);
	for (int i = 0; i < 3; i++) {
		bars[0] = (struct bp_bt_bar){ a, 10, 10, 10, 10, 1, NAN };
		bars[1] = (struct bp_bt_bar){ c, 20, 20, 20, 20, 0, NAN };
		bp_bt_step(bt, T0 + i * HOUR, bars, 2);
	}
	is_close(bp_bt_position(bt, a), 1000, EPS, "alloc signal: A all-in");
	ok(bp_bt_position(bt, c) == 0, "C flat");
	bp_bt_free(&bt);

	/* equal: A gets half even though C is flat */
	o.alloc = BP_BT_EQUAL;
	bt = bp_bt_new(&o);
	a = bp_bt_symbol(bt, "A", 1);
	c = bp_bt_symbol(bt, "C", 1);
	for (int i = 0; i < 3; i++) {
		bars[0] = (struct bp_bt_bar){ a, 10, 10, 10, 10, 1, NAN };
		bars[1] = (struct bp_bt_bar){ c, 20, 20, 20, 20, -1, NAN };
		bp_bt_step(bt, T0 + i * HOUR, bars, 2);
	}
	is_close(bp_bt_position(bt, a), 500, EPS, "alloc equal: A half");
	is_close(bp_bt_position(bt, c), -250, EPS, "C short half");
	bp_bt_free(&bt);

	o.long_only = 1;
	bt = bp_bt_new(&o);
	a = bp_bt_symbol(bt, "A", 1);
	for (int i = 0; i < 3; i++) {
		bars[0] = (struct bp_bt_bar){ a, 10, 10, 10, 10, -1, NAN };
		bp_bt_step(bt, T0 + i * HOUR, bars, 1);
	}
	ok(bp_bt_position(bt, a) == 0, "long-only: -1 means flat");
	bp_bt_free(&bt);
}

/* ---- properties on random bars ---------------------------------------- */

#define NB 400

static void
random_bars(struct bp_rng *g, double (*b)[5], int n, double flip)
{
	double c = 100, s = 0;

	for (int i = 0; i < n; i++) {
		double o = c * exp(0.002 * bp_rng_normal(g));

		c = o * exp(0.01 * bp_rng_normal(g));
		b[i][0] = o;
		b[i][3] = c;
		b[i][1] = fmax(o, c) * exp(0.004 * fabs(bp_rng_normal(g)));
		b[i][2] = fmin(o, c) * exp(-0.004 * fabs(bp_rng_normal(g)));
		if (bp_rng_uniform(g) < flip)
			s = (double)bp_rng_below(g, 3) - 1;
		b[i][4] = bp_rng_uniform(g) < 0.05 ? NAN : s;
	}
}

static void
no_look_ahead(void)
{
	static double b[NB][5], b2[NB][5];
	static struct rec r1, r2;
	struct bp_rng g;
	const enum bp_bt_fill fills[] = { BP_BT_NEXT_OPEN, BP_BT_NEXT_CLOSE,
					  BP_BT_THIS_CLOSE };
	int bad[3] = { 0, 0, 0 }, same_k[3] = { 0, 0, 0 }, tried = 0;

	bp_rng_seed(&g, 42);
	random_bars(&g, b, NB, 0.1);
	for (int trial = 0; trial < 40; trial++) {
		int k = 20 + (int)bp_rng_below(&g, NB - 40);

		memcpy(b2, b, sizeof(b));
		/* change the signal at bar k (and its future) */
		for (int i = k; i < NB; i++)
			b2[i][4] = isnan(b[i][4]) || b[i][4] <= 0 ? 1 : -1;
		tried++;
		for (int f = 0; f < 3; f++) {
			struct bp_bt_opts o = BP_BT_OPTS_INIT;
			struct bp_bt *x, *y;

			o.fill = fills[f];
			o.fee_bps = 10;
			bp_bt_parse_level("2%", &o.sl);
			x = run1(&o, b, NB, &r1, NULL);
			y = run1(&o, b2, NB, &r2, NULL);
			for (int i = 0; i < k; i++)
				bad[f] += r1.eq[i] != r2.eq[i];
			same_k[f] += r1.eq[k] == r2.eq[k];
			bp_bt_free(&x);
			bp_bt_free(&y);
		}
	}
	ok(bad[0] == 0 && bad[1] == 0 && bad[2] == 0,
	   "no fill model lets bar k's signal move equity before bar k");
	ok(same_k[0] == tried && same_k[1] == tried,
	   "next-open and next-close: equity at bar k untouched too");
	ok(same_k[2] < tried, "this-close: bar k's own signal moves bar k "
	   "(%d of %d unchanged): the look-ahead the warning names",
	   same_k[2], tried);
}

static void
look_ahead_is_visible(void)
{
	/*
	 * A signal that peeks at the next bar (1 when the next close is
	 * higher) is the honest momentum signal shifted one bar into the
	 * future.  No fill model can tell a column's provenance, but the
	 * default one shows the leak plainly: the peeking signal turns 10000
	 * into a fortune where the honest one (the same rule on the last
	 * completed bar) goes nowhere.  Filling at the signal bar's own
	 * close (this-close) makes it worse still.
	 */
	static double b[NB][5];
	static struct rec r;
	struct bp_rng g;
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct bp_bt *bt;
	double peek_close, peek_open, honest;

	bp_rng_seed(&g, 7);
	random_bars(&g, b, NB, 0);
	for (int i = 0; i < NB - 1; i++)
		b[i][4] = b[i + 1][3] > b[i][3] ? 1 : -1;
	b[NB - 1][4] = 0;
	o.fill = BP_BT_THIS_CLOSE;
	bt = run1(&o, b, NB, &r, NULL);
	peek_close = r.eq[NB - 1];
	bp_bt_free(&bt);
	o.fill = BP_BT_NEXT_OPEN;
	bt = run1(&o, b, NB, &r, NULL);
	peek_open = r.eq[NB - 1];
	bp_bt_free(&bt);
	/* the honest version of the same rule: yesterday's move */
	for (int i = NB - 1; i > 0; i--)
		b[i][4] = b[i - 1][4];
	b[0][4] = 0;
	bt = run1(&o, b, NB, &r, NULL);
	honest = r.eq[NB - 1];
	bp_bt_free(&bt);
	ok(peek_open > 10 * honest, "next-open: the peeking signal makes "
	   "%g, the honest one %g", peek_open, honest);
	ok(peek_close > peek_open, "this-close flatters it more: %g",
	   peek_close);
}

static void
accounting(void)
{
	/*
	 * Everything on at once over three symbols: the trades' pnl adds up
	 * to the change in equity, and a long-only book never has negative
	 * cash (no margin).
	 */
	static double b[3][NB][5];
	struct bp_rng g;
	struct bp_bt_opts o = BP_BT_OPTS_INIT;
	struct rec *r = bp_xcalloc(1, sizeof(*r));
	struct bp_bt *bt;
	struct bp_bt_point pt;
	double total = 0, mincash = 1e300;
	int ids[3];

	bp_rng_seed(&g, 3);
	for (int s = 0; s < 3; s++)
		random_bars(&g, b[s], NB, 0.08);
	for (int lo = 0; lo < 2; lo++) {
		o = (struct bp_bt_opts)BP_BT_OPTS_INIT;
		o.fee_bps = 10, o.fee_fixed = 0.5, o.slippage_bps = 3;
		o.slippage_range = 0.05, o.borrow_bps_year = 500;
		o.long_only = lo;
		bp_bt_parse_level("3%", &o.sl);
		bp_bt_parse_level("2atr", &o.tp);
		bp_bt_parse_level("4%", &o.trail);
		o.max_hold = 30;
		bt = bp_bt_new(&o);
		memset(r, 0, sizeof(*r));
		bp_bt_set_trade_sink(bt, sink, r);
		for (int s = 0; s < 3; s++)
			ids[s] = bp_bt_symbol(bt, s == 0 ? "A" : s == 1 ? "B" :
					      "C", 1);
		total = 0;
		mincash = 1e300;
		for (int i = 0; i < NB; i++) {
			struct bp_bt_bar bars[3];

			for (int s = 0; s < 3; s++)
				bars[s] = (struct bp_bt_bar){ ids[s],
					b[s][i][0], b[s][i][1], b[s][i][2],
					b[s][i][3], b[s][i][4], NAN };
			bp_bt_step(bt, T0 + i * HOUR, bars, 3);
			bp_bt_point(bt, &pt);
			mincash = fmin(mincash, pt.cash);
		}
		bp_bt_finish(bt);
		for (int i = 0; i < r->n; i++)
			total += r->t[i].pnl;
		ok(r->n > 10 && r->n < MAXT, "%s: %d trades",
		   lo ? "long-only" : "long-short", r->n);
		/* sums of a few hundred terms of ~1e4: 1e-9 relative */
		is_close(total, pt.equity - 10000, 1e-9,
			 "%s: trades' pnl = equity change",
			 lo ? "long-only" : "long-short");
		if (lo)
			ok(mincash > -1e-6, "long-only: cash never below 0 "
			   "(%g)", mincash);
		bp_bt_free(&bt);
	}
	free(r);
}

static void
levels(void)
{
	struct bp_bt_level l;

	ok(bp_bt_parse_level("2%", &l) == 0 && l.kind == BP_BT_LEVEL_PCT &&
	   l.x == 0.02, "2%% is 0.02");
	ok(bp_bt_parse_level("2.5atr", &l) == 0 && l.kind == BP_BT_LEVEL_ATR &&
	   l.x == 2.5, "2.5atr");
	ok(bp_bt_parse_level("none", &l) == 0 && l.kind == BP_BT_LEVEL_NONE,
	   "none");
	ok(bp_bt_parse_level("2", &l) < 0, "a bare number is refused");
	ok(bp_bt_parse_level("-1%", &l) < 0, "negative refused");
	ok(bp_bt_parse_level("x%", &l) < 0, "garbage refused");
	ok(bp_bt_parse_level("atr", &l) < 0, "no multiple refused");
}

int
main(void)
{
	trailing_stop();
	max_hold();
	atr_stop();
	vol_target();
	weights();
	alloc_and_long_only();
	no_look_ahead();
	look_ahead_is_visible();
	accounting();
	levels();
	return done_testing();
}
