/*
 * backtest: the execution model, positions, cash, costs, stops, sizing
 * and the portfolio of bp-backtest.  See backtest.h for the order of
 * events inside a timestamp and bp-backtest(1) for every rule.
 *
 * Money flows through one cash account: a fill of dq units (signed, > 0
 * buys) at price P costs dq * P plus the fee |dq| * P * fee_bps / 1e4 plus
 * the fixed fee; equity is cash plus every position marked at its last
 * price.  Each trade keeps its own cash flow, so the pnl of all trades
 * adds up to the change in equity.
 */
#include "backtest.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonout.h"
#include "stream.h"
#include "ts.h"
#include "util.h"

#define YEAR_MS (365.0 * 86400000.0)

/* The trade currently open on a symbol. */
struct trade {
	int side;
	int64_t entry_ts;
	double buy_qty, buy_val;	/* increases: units and money */
	double sell_qty, sell_val;	/* decreases */
	double buy_px, sell_px;		/* price of the first buy, sell */
	int buys, sells;		/* fills of each kind */
	double flow;			/* -sum(dq * P) */
	double fees, slippage, borrow, max_size;
	double sl, tp;			/* price levels, NaN = none */
	double trail_dist;		/* ATR trail distance, or NaN */
	double trail_pct;		/* pct trail fraction, or NaN */
	double peak;			/* best price of the closed bars */
	double risk;			/* money at risk per unit, or NaN */
	double bars;			/* closes with the position on */
	int at_close;			/* entered at a close */
};

struct sym {
	char *name;
	size_t namelen;
	uint64_t bars;
	int64_t first_ts, last_ts;
	double first_open, last_close, px;
	const struct bp_bt_bar *bar;	/* the bar of this step, or NULL */
	/* indicators as of the last close */
	double atr, tr_sum;
	int tr_n;
	double *ring;			/* log returns for vol targeting */
	int ring_n, ring_i;
	double *closes, fsum, ssum;	/* for --sma-cross */
	uint64_t cn;
	/* decisions */
	double target;			/* -1/0/1 or a weight */
	double done;			/* weight mode: last executed target */
	int pending;			/* weight mode: target changed */
	int lock;			/* direction locked after a stop exit */
	/* the position */
	double q;
	struct trade tr;
	/* buy and hold */
	int in_bh;
	double bh_q;
	/* statistics */
	uint64_t bars_in, trades, wins, with_r;
	double pnl, fees, slippage, borrow, sum_r, traded;
};

struct bp_bt {
	struct bp_bt_opts o;
	double fee_rate;
	struct sym *sym;
	size_t nsym, symalloc;
	int *table;			/* open addressing, -1 = empty */
	size_t tabsize;
	double cash;
	double bh_cash;
	size_t bh_n;
	int started;
	int64_t ts;
	struct bp_perf perf, bh;
	struct bp_perf_clock clock;
	struct bp_bt_point pt;
	bp_bt_trade_fn sink;
	void *sink_ctx;
	int sink_failed;
	json_t *assume;
	uint64_t rows;
	double fees, slippage, borrow;
	/* reasons an order could not be filled, for the warnings */
	uint64_t no_atr, no_vol, no_cash, late_bh;
	int64_t ruined_ts;
	int ruined;
};

/* ---- symbols ---------------------------------------------------------- */

static uint64_t
hash_name(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void
rehash(struct bp_bt *bt, size_t size)
{
	free(bt->table);
	bt->table = bp_xmalloc(size * sizeof(*bt->table));
	for (size_t i = 0; i < size; i++)
		bt->table[i] = -1;
	bt->tabsize = size;
	for (size_t k = 0; k < bt->nsym; k++) {
		size_t i = hash_name(bt->sym[k].name, bt->sym[k].namelen) &
			   (size - 1);

		while (bt->table[i] >= 0)
			i = (i + 1) & (size - 1);
		bt->table[i] = (int)k;
	}
}

int
bp_bt_symbol(struct bp_bt *bt, const char *name, size_t n)
{
	size_t i = hash_name(name, n) & (bt->tabsize - 1);
	struct sym *s;

	while (bt->table[i] >= 0) {
		s = &bt->sym[bt->table[i]];
		if (s->namelen == n && memcmp(s->name, name, n) == 0)
			return bt->table[i];
		i = (i + 1) & (bt->tabsize - 1);
	}
	BP_GROW(bt->sym, bt->symalloc, bt->nsym + 1);
	s = &bt->sym[bt->nsym];
	memset(s, 0, sizeof(*s));
	s->name = bp_xstrndup(name, n);
	s->namelen = n;
	s->atr = NAN;
	s->last_close = NAN;
	s->first_open = NAN;
	s->ring = bp_xcalloc((size_t)bt->o.vol_window, sizeof(*s->ring));
	if (bt->o.sma_slow > 0)
		s->closes = bp_xcalloc((size_t)bt->o.sma_slow,
				       sizeof(*s->closes));
	bt->table[i] = (int)bt->nsym;
	bt->nsym++;
	if (2 * bt->nsym > bt->tabsize)
		rehash(bt, 2 * bt->tabsize);
	return (int)bt->nsym - 1;
}

const char *
bp_bt_symbol_name(const struct bp_bt *bt, int sym)
{
	return bt->sym[sym].name;
}

size_t
bp_bt_nsymbols(const struct bp_bt *bt)
{
	return bt->nsym;
}

/* ---- life cycle ------------------------------------------------------- */

struct bp_bt *
bp_bt_new(const struct bp_bt_opts *opts)
{
	struct bp_bt *bt = bp_xcalloc(1, sizeof(*bt));

	bt->o = *opts;
	if (bt->o.vol_window < 2)
		bt->o.vol_window = 2;
	if (bt->o.atr_period < 1)
		bt->o.atr_period = 14;
	bt->fee_rate = bt->o.fee_bps / 1e4;
	bt->cash = bt->o.capital;
	bt->bh_cash = bt->o.capital;
	bp_perf_init(&bt->perf, bt->o.capital);
	bp_perf_init(&bt->bh, bt->o.capital);
	bt->assume = json_object();
	rehash(bt, 16);
	bt->pt.equity = bt->o.capital;
	bt->pt.cash = bt->o.capital;
	bt->pt.bh_equity = bt->o.capital;
	return bt;
}

void
bp_bt_free(struct bp_bt **btp)
{
	struct bp_bt *bt = *btp;

	if (!bt)
		return;
	for (size_t i = 0; i < bt->nsym; i++) {
		free(bt->sym[i].name);
		free(bt->sym[i].ring);
		free(bt->sym[i].closes);
	}
	free(bt->sym);
	free(bt->table);
	bp_perf_clock_release(&bt->clock);
	json_decref(bt->assume);
	free(bt);
	*btp = NULL;
}

void
bp_bt_set_trade_sink(struct bp_bt *bt, bp_bt_trade_fn fn, void *ctx)
{
	bt->sink = fn;
	bt->sink_ctx = ctx;
}

void
bp_bt_set_assumption(struct bp_bt *bt, const char *key, const char *v)
{
	json_object_set_new(bt->assume, key, v ? json_string(v) : json_null());
}

/* ---- fills and trades ------------------------------------------------- */

static int
sign(double x)
{
	return (x > 0) - (x < 0);
}

/* The price a buy (or sell) at ref actually gets: slippage is adverse. */
static double
fill_price(const struct bp_bt *bt, const struct bp_bt_bar *b, double ref,
	   int buy)
{
	double adj = ref * bt->o.slippage_bps / 1e4 +
		     bt->o.slippage_range * (b->high - b->low);

	return buy ? ref + adj : ref - adj;
}

static int
emit_trade(struct bp_bt *bt, struct sym *s, int64_t ts, const char *reason,
	   double mark)
{
	struct trade *t = &s->tr;
	struct bp_bt_trade out;
	double pnl = t->flow + s->q * mark - t->fees - t->borrow;

	out.symbol = s->name;
	out.side = t->side;
	out.entry_ts = t->entry_ts;
	out.exit_ts = ts;
	/* mean fill prices; a single fill's price exactly */
	if (t->side > 0)
		out.entry_price = t->buys == 1 ? t->buy_px :
				  t->buy_val / t->buy_qty;
	else
		out.entry_price = t->sells == 1 ? t->sell_px :
				  t->sell_val / t->sell_qty;
	if (s->q != 0) {
		/* still open: the rest is valued at mark */
		double qty = (t->side > 0 ? t->sell_qty : t->buy_qty) +
			     fabs(s->q);
		double val = (t->side > 0 ? t->sell_val : t->buy_val) +
			     fabs(s->q) * mark;

		out.exit_price = (t->side > 0 ? t->sells : t->buys) == 0 ?
				 mark : val / qty;
	} else if (t->side > 0) {
		out.exit_price = t->sells == 1 ? t->sell_px :
				 t->sell_val / t->sell_qty;
	} else {
		out.exit_price = t->buys == 1 ? t->buy_px :
				 t->buy_val / t->buy_qty;
	}
	out.size = t->max_size;
	out.fees = t->fees;
	out.slippage = t->slippage;
	out.borrow = t->borrow;
	out.pnl = pnl;
	out.ret = pnl / (t->side > 0 ? t->buy_val : t->sell_val);
	out.r = isnan(t->risk) || t->risk <= 0 ? NAN :
		pnl / (t->risk * t->max_size);
	out.bars = t->bars;
	out.reason = reason;

	bp_perf_trade(&bt->perf, pnl, out.ret, out.r, t->bars);
	s->trades++;
	if (pnl > 0)
		s->wins++;
	s->pnl += pnl;
	if (!isnan(out.r)) {
		s->with_r++;
		s->sum_r += out.r;
	}
	if (bt->sink && !bt->sink_failed && bt->sink(bt->sink_ctx, &out) < 0)
		bt->sink_failed = 1;
	return bt->sink_failed ? -1 : 0;
}

/* Stop and target levels of a trade just opened at price e. */
static void
set_levels(struct bp_bt *bt, struct sym *s, double e)
{
	struct trade *t = &s->tr;
	const struct bp_bt_opts *o = &bt->o;
	double d = t->side, stop0 = NAN;

	t->sl = t->tp = t->trail_dist = t->trail_pct = NAN;
	if (o->sl.kind == BP_BT_LEVEL_PCT)
		t->sl = e * (1 - d * o->sl.x);
	else if (o->sl.kind == BP_BT_LEVEL_ATR)
		t->sl = e - d * o->sl.x * s->atr;
	if (o->tp.kind == BP_BT_LEVEL_PCT)
		t->tp = e * (1 + d * o->tp.x);
	else if (o->tp.kind == BP_BT_LEVEL_ATR)
		t->tp = e + d * o->tp.x * s->atr;
	if (o->trail.kind == BP_BT_LEVEL_PCT)
		t->trail_pct = o->trail.x;
	else if (o->trail.kind == BP_BT_LEVEL_ATR)
		t->trail_dist = o->trail.x * s->atr;
	t->peak = e;
	/* the initial risk: the nearer of stop-loss and first trail level */
	if (!isnan(t->sl))
		stop0 = t->sl;
	if (!isnan(t->trail_pct) || !isnan(t->trail_dist)) {
		double tr0 = !isnan(t->trail_pct) ? e * (1 - d * t->trail_pct)
						 : e - d * t->trail_dist;

		if (isnan(stop0) || d * tr0 > d * stop0)
			stop0 = tr0;
	}
	t->risk = isnan(stop0) ? NAN : fabs(e - stop0);
}

/*
 * Trade dq units of s at reference price ref during bar b (time ts).  The
 * caller never crosses zero in one fill.  reason names the exit when the
 * position ends.  Returns 0, or -1 when the trade sink failed.
 */
static int
fill(struct bp_bt *bt, struct sym *s, double dq, double ref,
     const struct bp_bt_bar *b, int64_t ts, int at_close, const char *reason)
{
	struct trade *t = &s->tr;
	double p = fill_price(bt, b, ref, dq > 0), notional = fabs(dq) * p;
	double fee = notional * bt->fee_rate + bt->o.fee_fixed;
	double slip = fabs(dq) * fabs(p - ref);

	if (s->q == 0) {
		memset(t, 0, sizeof(*t));
		t->side = sign(dq);
		t->entry_ts = ts;
		t->at_close = at_close;
	}
	bt->cash -= dq * p + fee;
	t->flow -= dq * p;
	t->fees += fee;
	t->slippage += slip;
	if (dq > 0) {
		t->buy_qty += dq;
		t->buy_val += notional;
		if (t->buys++ == 0)
			t->buy_px = p;
	} else {
		t->sell_qty -= dq;
		t->sell_val += notional;
		if (t->sells++ == 0)
			t->sell_px = p;
	}
	bt->fees += fee;
	bt->slippage += slip;
	s->fees += fee;
	s->slippage += slip;
	s->traded += notional;
	bp_perf_traded(&bt->perf, notional);
	if (s->q == 0)
		set_levels(bt, s, p);
	s->q += dq;
	if (fabs(s->q) > t->max_size)
		t->max_size = fabs(s->q);
	/* rounding must not leave dust behind a closing fill */
	if (sign(s->q) != t->side || fabs(s->q) < 1e-12 * t->max_size) {
		s->q = 0;
		return emit_trade(bt, s, ts, reason, 0);
	}
	return 0;
}

/* Close the whole position of s at ref; the direction is then locked
 * when the exit came from a stop, target or max-hold. */
static int
exit_all(struct bp_bt *bt, struct sym *s, double ref, int64_t ts,
	 const char *reason, int lock)
{
	int side = sign(s->q);

	if (fill(bt, s, -s->q, ref, s->bar, ts, 0, reason) < 0)
		return -1;
	if (lock)
		s->lock = side;
	return 0;
}

/* ---- stops ------------------------------------------------------------ */

/* The effective stop price of the open trade (NaN: none) and its name. */
static double
stop_level(const struct sym *s, const char **reason)
{
	const struct trade *t = &s->tr;
	double d = t->side, tr = NAN, st = t->sl;

	*reason = "sl";
	if (!isnan(t->trail_pct))
		tr = t->peak * (1 - d * t->trail_pct);
	else if (!isnan(t->trail_dist))
		tr = t->peak - d * t->trail_dist;
	if (!isnan(tr) && (isnan(st) || d * tr > d * st)) {
		st = tr;
		*reason = "trail";
	}
	return st;
}

/* A gap through a stop or target: exit at the open. */
static int
gap_exit(struct bp_bt *bt, struct sym *s, int64_t ts)
{
	const struct bp_bt_bar *b = s->bar;
	const char *why;
	double d = sign(s->q), st = stop_level(s, &why), tp = s->tr.tp;

	if (!isnan(st) && d * b->open <= d * st)
		return exit_all(bt, s, b->open, ts, why, 1);
	if (!isnan(tp) && d * b->open >= d * tp)
		return exit_all(bt, s, b->open, ts, "tp", 1);
	return 0;
}

/*
 * Stops inside the bar: the stop fills at its price when the bar's low
 * (high for a short) reaches it, the target likewise; both inside one
 * bar is resolved pessimistically: the stop.
 */
static int
bar_exit(struct bp_bt *bt, struct sym *s, int64_t ts)
{
	const struct bp_bt_bar *b = s->bar;
	const char *why;
	double d = sign(s->q), st = stop_level(s, &why), tp = s->tr.tp;
	double lo = fmin(b->low, fmin(b->open, b->close));
	double hi = fmax(b->high, fmax(b->open, b->close));
	double worst = d > 0 ? lo : hi, best = d > 0 ? hi : lo;

	if (!isnan(st) && d * worst <= d * st)
		return exit_all(bt, s, st, ts, why, 1);
	if (!isnan(tp) && d * best >= d * tp)
		return exit_all(bt, s, tp, ts, "tp", 1);
	return 0;
}

/* ---- sizing and orders ------------------------------------------------ */

static double
equity_now(const struct bp_bt *bt)
{
	double e = bt->cash;

	for (size_t i = 0; i < bt->nsym; i++)
		if (bt->sym[i].q != 0)
			e += bt->sym[i].q * bt->sym[i].px;
	return e;
}

/* The target after the stop lock and the long-only rule. */
static double
effective(const struct bp_bt *bt, const struct sym *s)
{
	double v = s->target;

	if (bt->o.long_only && v < 0)
		v = 0;
	if (s->lock && sign(v) == s->lock)
		v = 0;
	return v;
}

/* Realised volatility (annualised) of the last vol_window log returns. */
static double
realised_vol(const struct bp_bt *bt, const struct sym *s)
{
	int w = bt->o.vol_window;
	double mu = 0, ss = 0, bpy;

	if (s->ring_n < w)
		return NAN;
	bpy = bt->o.bars_per_year > 0 ? bt->o.bars_per_year :
	      bp_perf_bars_per_year(&bt->clock, NULL, 0);
	for (int i = 0; i < w; i++)
		mu += s->ring[i];
	mu /= w;
	for (int i = 0; i < w; i++)
		ss += (s->ring[i] - mu) * (s->ring[i] - mu);
	return sqrt(ss / (w - 1)) * sqrt(bpy);
}

/*
 * Money to put into a new position of s, costs included: its share of
 * equity e (or the notional), scaled for volatility targeting.  NaN when
 * the sizing cannot be known yet.
 */
static double
allocation(struct bp_bt *bt, const struct sym *s, double e, double share,
	   double w)
{
	double a;

	if (bt->o.weights)
		return fabs(w) * e;
	switch (bt->o.size) {
	case BP_BT_FRACTION:
		return bt->o.size_x * share * e;
	case BP_BT_NOTIONAL:
		return bt->o.size_x;
	case BP_BT_VOL_TARGET:
		a = realised_vol(bt, s);
		if (isnan(a))
			return NAN;
		return share * e * (a > 0 ? fmin(1, bt->o.size_x / a) : 1);
	default:
		return share * e;
	}
}

/*
 * Quantity (signed by dir) that allocation a buys at ref, costs included:
 * (a - fixed fee) / (fill price * (1 + fee rate)).  0 when a is too small.
 */
static double
quantity(const struct bp_bt *bt, const struct sym *s, double a, double ref,
	 int dir)
{
	double p = fill_price(bt, s->bar, ref, dir > 0);
	double q = (a - bt->o.fee_fixed) / (p * (1 + bt->fee_rate));

	return q > 0 && isfinite(q) ? dir * q : 0;
}

/* Cap a buy of dq > 0 by the cash available (no margin). */
static double
cash_cap(struct bp_bt *bt, const struct sym *s, double dq, double ref)
{
	double p = fill_price(bt, s->bar, ref, 1);
	double most = (bt->cash - bt->o.fee_fixed) / (p * (1 + bt->fee_rate));

	if (dq <= most)
		return dq;
	bt->no_cash++;
	return most > 0 ? most : 0;
}

/* The order of s at this fill: the signed quantity wanted, or NaN. */
static double
wanted(struct bp_bt *bt, struct sym *s, double e, double share, double ref)
{
	double v = effective(bt, s), a;
	int dir = sign(v), opening;

	if (!bt->o.weights) {
		if (dir == sign(s->q))
			return NAN;
		if (dir == 0)
			return 0;
	} else {
		if (!s->pending && !(s->q != 0 && v == 0))
			return NAN;
		if (v == 0)
			return 0;
	}
	opening = s->q == 0 || sign(s->q) != dir;
	if (opening && isnan(s->atr) && (bt->o.sl.kind == BP_BT_LEVEL_ATR ||
					 bt->o.tp.kind == BP_BT_LEVEL_ATR ||
					 bt->o.trail.kind == BP_BT_LEVEL_ATR)) {
		/* ATR-based levels need an ATR: wait (but do close) */
		bt->no_atr++;
		return s->q != 0 ? 0 : NAN;
	}
	a = allocation(bt, s, e, share, v);
	if (isnan(a)) {
		/* no volatility estimate yet: wait (but do close) */
		bt->no_vol++;
		return opening && s->q != 0 ? 0 : NAN;
	}
	return quantity(bt, s, a, ref, dir);
}

/*
 * Execute the orders of the bars in this step at their open (at_close 0)
 * or close: first every exit and reduction, then every entry and increase,
 * so that cash freed by one symbol can fund another.
 */
static int
execute(struct bp_bt *bt, const struct bp_bt_bar *bars, size_t n, int64_t ts,
	int at_close)
{
	double e = equity_now(bt), share = 1;
	double want[64], *wq = n <= 64 ? want : bp_xmalloc(n * sizeof(*wq));
	int rc = 0;

	if (!bt->o.weights) {
		size_t active = 0;

		if (bt->o.alloc == BP_BT_SIGNAL) {
			for (size_t i = 0; i < bt->nsym; i++)
				active += effective(bt, &bt->sym[i]) != 0;
		} else {
			active = bt->nsym;
		}
		share = active ? 1.0 / (double)active : 0;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct sym *s = &bt->sym[bars[i].sym];
		double ref = at_close ? bars[i].close : bars[i].open, q;

		wq[i] = q = e > 0 || s->q != 0 ? wanted(bt, s, e, share, ref)
					       : NAN;
		if (isnan(q))
			continue;
		if (bt->o.weights)
			s->pending = 0, s->done = s->target;
		if (s->q != 0 && sign(q) != sign(s->q))
			rc = exit_all(bt, s, ref, ts, "signal", 0);
		else if (s->q != 0 && fabs(q) < fabs(s->q))
			rc = fill(bt, s, q - s->q, ref, s->bar, ts, at_close,
				  "signal");
	}
	/* new positions are sized on the equity left after the exits' costs */
	if (rc == 0)
		e = equity_now(bt);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct sym *s = &bt->sym[bars[i].sym];
		double ref = at_close ? bars[i].close : bars[i].open, dq;

		if (isnan(wq[i]) || wq[i] == 0 || fabs(wq[i]) <= fabs(s->q))
			continue;
		if (s->q == 0)
			wq[i] = quantity(bt, s, allocation(bt, s, e, share,
							   effective(bt, s)),
					 ref, sign(wq[i]));
		dq = wq[i] - s->q;
		if (dq > 0)
			dq = cash_cap(bt, s, dq, ref);
		if (dq != 0)
			rc = fill(bt, s, dq, ref, s->bar, ts, at_close,
				  "signal");
	}
	if (wq != want)
		free(wq);
	return rc;
}

/* ---- the step --------------------------------------------------------- */

/* ATR (Wilder; the first value is the mean of the first period ranges)
 * and the return ring, with the bar that just closed. */
static void
update_indicators(struct bp_bt *bt, struct sym *s, const struct bp_bt_bar *b)
{
	int p = bt->o.atr_period;

	if (bt->o.atr_col) {
		if (!isnan(b->atr))
			s->atr = b->atr;
	} else if (s->bars > 1) {
		double pc = s->last_close;
		double tr = fmax(b->high - b->low,
				 fmax(fabs(b->high - pc), fabs(b->low - pc)));

		if (s->tr_n < p) {
			s->tr_sum += tr;
			if (++s->tr_n == p)
				s->atr = s->tr_sum / p;
		} else {
			s->atr = (s->atr * (p - 1) + tr) / p;
		}
	}
	if (s->bars > 1 && bt->o.size == BP_BT_VOL_TARGET) {
		s->ring[s->ring_i] = log(b->close / s->last_close);
		s->ring_i = (s->ring_i + 1) % bt->o.vol_window;
		if (s->ring_n < bt->o.vol_window)
			s->ring_n++;
	}
}

/*
 * The --sma-cross signal after close c: the sign of SMA(fast) - SMA(slow)
 * of the closes so far, NaN until slow closes are known.  Running sums,
 * recomputed exactly every slow bars so rounding cannot drift.
 */
static double
sma_cross(struct bp_bt *bt, struct sym *s, double c)
{
	uint64_t f = (uint64_t)bt->o.sma_fast, sl = (uint64_t)bt->o.sma_slow;
	size_t k = (size_t)(s->cn % sl);
	double old_s = s->cn >= sl ? s->closes[k] : 0;
	double old_f = s->cn >= f ? s->closes[(s->cn - f) % sl] : 0;

	s->closes[k] = c;
	s->cn++;
	s->ssum += c - old_s;
	s->fsum += c - old_f;
	if (s->cn % sl == 0) {
		s->ssum = s->fsum = 0;
		for (uint64_t i = 0; i < sl; i++)
			s->ssum += s->closes[i];
		for (uint64_t i = 0; i < f; i++)
			s->fsum += s->closes[(s->cn - 1 - i) % sl];
	}
	if (s->cn < sl)
		return NAN;
	return sign(s->fsum / (double)f - s->ssum / (double)sl);
}

/* The bar's signal or weight becomes the symbol's target. */
static void
read_signal(struct bp_bt *bt, struct sym *s, const struct bp_bt_bar *b)
{
	double v = bt->o.sma_slow > 0 ? sma_cross(bt, s, b->close) : b->value;

	if (isnan(v))
		return;
	if (bt->o.long_only && v < 0)
		v = 0;
	/* a signal of another direction (or flat) lifts a stop's lock */
	if (s->lock && sign(v) != s->lock)
		s->lock = 0;
	if (bt->o.weights && v != s->done)
		s->pending = 1;
	else if (bt->o.weights)
		s->pending = 0;
	s->target = v;
}

static void
buy_and_hold(struct bp_bt *bt, const struct bp_bt_bar *bars, size_t n)
{
	bt->bh_n = n;
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &bt->sym[bars[i].sym];
		double a = bt->o.capital / (double)n;
		double p = fill_price(bt, &bars[i], bars[i].open, 1);
		double q = (a - bt->o.fee_fixed) / (p * (1 + bt->fee_rate));

		s->in_bh = 1;
		if (q <= 0 || !isfinite(q))
			continue;
		s->bh_q = q;
		bt->bh_cash -= q * p * (1 + bt->fee_rate) + bt->o.fee_fixed;
	}
}

/*
 * Borrow on a short carried from the symbol's previous close: its notional
 * at that close times the yearly rate, pro rata for the time between the
 * two bars (365-day year).
 */
static void
charge_borrow(struct bp_bt *bt, struct sym *s, int64_t ts)
{
	double c = -s->q * s->last_close * bt->o.borrow_bps_year / 1e4 *
		   (double)(ts - s->last_ts) / YEAR_MS;

	bt->cash -= c;
	s->tr.borrow += c;
	s->borrow += c;
	bt->borrow += c;
}

int
bp_bt_step(struct bp_bt *bt, int64_t ts, const struct bp_bt_bar *bars,
	   size_t n)
{
	double gross = 0, bh;

	bt->ts = ts;
	bt->rows += n;
	bp_perf_clock_add(&bt->clock, ts);
	if (!bt->started) {
		buy_and_hold(bt, bars, n);
		bt->started = 1;
	}
	/* 1. the open: forced exits, then next-open orders */
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &bt->sym[bars[i].sym];

		s->bar = &bars[i];
		s->px = bars[i].open;
		if (s->bars++ == 0) {
			s->first_ts = ts;
			s->first_open = bars[i].open;
			if (!s->in_bh && bt->bh_n)
				bt->late_bh++;
		}
		if (s->q == 0)
			continue;
		if (s->q < 0 && bt->o.borrow_bps_year > 0)
			charge_borrow(bt, s, ts);
		if (gap_exit(bt, s, ts) < 0)
			return -1;
		if (s->q != 0 && !s->tr.at_close && bt->o.max_hold > 0 &&
		    s->tr.bars >= bt->o.max_hold &&
		    exit_all(bt, s, bars[i].open, ts, "max_hold", 1) < 0)
			return -1;
	}
	if (bt->o.fill == BP_BT_NEXT_OPEN && execute(bt, bars, n, ts, 0) < 0)
		return -1;
	/* 2. inside the bar */
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &bt->sym[bars[i].sym];

		if (s->q != 0 && bar_exit(bt, s, ts) < 0)
			return -1;
	}
	/* 3. the close */
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &bt->sym[bars[i].sym];

		s->px = bars[i].close;
		if (s->q != 0 && s->tr.at_close && bt->o.max_hold > 0 &&
		    s->tr.bars >= bt->o.max_hold &&
		    exit_all(bt, s, bars[i].close, ts, "max_hold", 1) < 0)
			return -1;
	}
	if (bt->o.fill == BP_BT_NEXT_CLOSE && execute(bt, bars, n, ts, 1) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &bt->sym[bars[i].sym];

		update_indicators(bt, s, &bars[i]);
		read_signal(bt, s, &bars[i]);
	}
	if (bt->o.fill == BP_BT_THIS_CLOSE && execute(bt, bars, n, ts, 1) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &bt->sym[bars[i].sym];
		const struct bp_bt_bar *b = &bars[i];

		if (s->q != 0) {
			/* the trail follows the best price of closed bars */
			if (s->tr.entry_ts != ts || !s->tr.at_close)
				s->tr.peak = s->q > 0 ?
					     fmax(s->tr.peak, b->high) :
					     fmin(s->tr.peak, b->low);
			s->tr.bars++;
			s->bars_in++;
		}
		s->last_close = b->close;
		s->last_ts = ts;
		s->bar = NULL;
	}
	/* 4. mark the portfolio */
	bt->pt.ts = ts;
	bt->pt.cash = bt->cash;
	bt->pt.equity = bt->cash;
	bh = bt->bh_cash;
	for (size_t i = 0; i < bt->nsym; i++) {
		struct sym *s = &bt->sym[i];

		if (s->q != 0) {
			bt->pt.equity += s->q * s->last_close;
			gross += fabs(s->q * s->last_close);
		}
		if (s->bh_q != 0)
			bh += s->bh_q * s->last_close;
	}
	bt->pt.exposure = bt->pt.equity > 0 ? gross / bt->pt.equity : NAN;
	bt->pt.bh_equity = bh;
	/* a position with equity <= 0 still counts as in the market */
	bt->pt.drawdown = bp_perf_point(&bt->perf, ts, bt->pt.equity,
					gross > 0 ? fmax(bt->pt.exposure,
							 1e-300) : 0);
	bp_perf_point(&bt->bh, ts, bh, 0);
	if (bt->pt.equity <= 0 && !bt->ruined) {
		bt->ruined = 1;
		bt->ruined_ts = ts;
	}
	return 0;
}

void
bp_bt_point(const struct bp_bt *bt, struct bp_bt_point *pt)
{
	*pt = bt->pt;
}

double
bp_bt_position(const struct bp_bt *bt, int sym)
{
	return bt->sym[sym].q;
}

int
bp_bt_finish(struct bp_bt *bt)
{
	for (size_t i = 0; i < bt->nsym; i++) {
		struct sym *s = &bt->sym[i];

		if (s->q != 0 && emit_trade(bt, s, s->last_ts, "end",
					    s->last_close) < 0)
			return -1;
	}
	return bt->sink_failed ? -1 : 0;
}

/* ---- the summary ------------------------------------------------------ */

int
bp_bt_parse_level(const char *text, struct bp_bt_level *out)
{
	size_t n = strlen(text), k;
	double x;

	out->kind = BP_BT_LEVEL_NONE;
	out->x = 0;
	if (strcmp(text, "none") == 0 || strcmp(text, "0") == 0)
		return 0;
	if (n > 1 && text[n - 1] == '%') {
		k = n - 1;
		out->kind = BP_BT_LEVEL_PCT;
	} else if (n > 3 && strcmp(text + n - 3, "atr") == 0) {
		k = n - 3;
		out->kind = BP_BT_LEVEL_ATR;
	} else {
		return -1;
	}
	if (bp_parse_double(text, k, &x) < 0 || !(x > 0) || !isfinite(x)) {
		out->kind = BP_BT_LEVEL_NONE;
		return -1;
	}
	out->x = out->kind == BP_BT_LEVEL_PCT ? x / 100 : x;
	return 0;
}

static json_t *
level_json(const struct bp_bt_level *l)
{
	char buf[BP_FMT_BUFSZ + 8];
	size_t n;

	if (l->kind == BP_BT_LEVEL_NONE)
		return json_null();
	n = bp_fmt_double(buf, l->kind == BP_BT_LEVEL_PCT ? l->x * 100 : l->x);
	strcpy(buf + n, l->kind == BP_BT_LEVEL_PCT ? "%" : "atr");
	return json_string(buf);
}

static json_t *
ts_json(int64_t ms)
{
	char buf[BP_TS_BUFSZ];

	bp_ts_format(buf, ms);
	return json_string(buf);
}

static json_t *
assumptions(const struct bp_bt *bt)
{
	static const char *const fills[] = { "next-open", "next-close",
					     "this-close" };
	static const char *const sizes[] = { "all-in", "fraction", "notional",
					     "vol-target" };
	const struct bp_bt_opts *o = &bt->o;
	json_t *a = json_object();
	char buf[96], num[BP_FMT_BUFSZ];

	json_object_set_new(a, "mode", json_string(o->weights ? "weight" :
						   "signal"));
	json_object_update(a, bt->assume);
	json_object_set_new(a, "fill", json_string(fills[o->fill]));
	json_object_set_new(a, "capital", bp_json_real(o->capital));
	json_object_set_new(a, "fee_bps", bp_json_real(o->fee_bps));
	json_object_set_new(a, "fee_fixed", bp_json_real(o->fee_fixed));
	json_object_set_new(a, "slippage_bps", bp_json_real(o->slippage_bps));
	json_object_set_new(a, "slippage_range",
			    bp_json_real(o->slippage_range));
	json_object_set_new(a, "borrow_bps_year",
			    bp_json_real(o->borrow_bps_year));
	json_object_set_new(a, "sl", level_json(&o->sl));
	json_object_set_new(a, "tp", level_json(&o->tp));
	json_object_set_new(a, "trail", level_json(&o->trail));
	json_object_set_new(a, "max_hold", o->max_hold > 0 ?
			    json_integer(o->max_hold) : json_null());
	if (o->weights) {
		json_object_set_new(a, "size", json_string("weight"));
	} else if (o->size == BP_BT_ALL_IN) {
		json_object_set_new(a, "size", json_string("all-in"));
	} else {
		bp_fmt_double(num, o->size_x);
		snprintf(buf, sizeof(buf), "%s:%s", sizes[o->size], num);
		json_object_set_new(a, "size", json_string(buf));
	}
	json_object_set_new(a, "alloc", json_string(o->alloc == BP_BT_SIGNAL ?
						    "signal" : "equal"));
	json_object_set_new(a, "long_only", json_boolean(o->long_only));
	if (!o->atr_col) {
		snprintf(buf, sizeof(buf), "Wilder ATR(%d) of the bars so far",
			 o->atr_period);
		if (!json_object_get(a, "atr"))
			json_object_set_new(a, "atr", json_string(buf));
	}
	if (o->size == BP_BT_VOL_TARGET && !o->weights)
		json_object_set_new(a, "vol_window",
				    json_integer(o->vol_window));
	json_object_set_new(a, "stops", json_string(
		"checked against each bar's high and low after entry; a stop "
		"and a target inside one bar: the stop; a gap through either "
		"fills at the open"));
	json_object_set_new(a, "reentry", json_string(
		"after a sl, tp, trail or max_hold exit the symbol stays flat "
		"until its signal takes another direction or 0"));
	json_object_set_new(a, "buy_and_hold", json_string(
		"equal shares of capital in the symbols of the first bar, "
		"bought at its open with the same costs, held to the end"));
	return a;
}

static void
stats_json(json_t *j, const struct bp_perf_result *r)
{
	json_object_set_new(j, "final_equity", bp_json_real(r->final_equity));
	json_object_set_new(j, "total_return", bp_json_real(r->total_return));
	json_object_set_new(j, "log_return", bp_json_real(r->log_return));
	json_object_set_new(j, "annualized_return",
			    bp_json_real(r->annual_return));
	json_object_set_new(j, "annualized_volatility",
			    bp_json_real(r->annual_vol));
	json_object_set_new(j, "sharpe", bp_json_real(r->sharpe));
	json_object_set_new(j, "sortino", bp_json_real(r->sortino));
	json_object_set_new(j, "calmar", bp_json_real(r->calmar));
	json_object_set_new(j, "max_drawdown", bp_json_real(r->max_drawdown));
	json_object_set_new(j, "max_drawdown_duration_bars",
			    json_integer((json_int_t)r->max_dd_bars));
	json_object_set_new(j, "max_drawdown_duration_days",
			    bp_json_real(r->max_dd_days));
}

static json_t *
per_symbol(const struct bp_bt *bt)
{
	json_t *all = json_object();

	for (size_t i = 0; i < bt->nsym; i++) {
		const struct sym *s = &bt->sym[i];
		json_t *j = json_object();
		double b = (double)s->bars;

		json_object_set_new(j, "bars",
				    json_integer((json_int_t)s->bars));
		json_object_set_new(j, "start", ts_json(s->first_ts));
		json_object_set_new(j, "end", ts_json(s->last_ts));
		json_object_set_new(j, "trades",
				    json_integer((json_int_t)s->trades));
		json_object_set_new(j, "win_rate", bp_json_real(s->trades ?
				    (double)s->wins / (double)s->trades : NAN));
		json_object_set_new(j, "pnl", bp_json_real(s->pnl));
		json_object_set_new(j, "return_contribution",
				    bp_json_real(s->pnl / bt->o.capital));
		json_object_set_new(j, "exposure", bp_json_real(b > 0 ?
				    (double)s->bars_in / b : NAN));
		json_object_set_new(j, "total_r", bp_json_real(s->with_r ?
				    s->sum_r : NAN));
		json_object_set_new(j, "traded_notional",
				    bp_json_real(s->traded));
		json_object_set_new(j, "fees_paid", bp_json_real(s->fees));
		json_object_set_new(j, "slippage_paid",
				    bp_json_real(s->slippage));
		json_object_set_new(j, "borrow_paid", bp_json_real(s->borrow));
		json_object_set_new(j, "buy_and_hold_return",
				    bp_json_real(s->last_close / s->first_open -
						 1));
		json_object_set_new(all, s->name, j);
	}
	return all;
}

static void
warn_add(json_t *w, const char *fmt, ...) BP_PRINTF(2, 3);

static void
warn_add(json_t *w, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(w, json_string(buf));
}

static json_t *
warnings(const struct bp_bt *bt, const struct bp_perf_result *r, double bpy)
{
	json_t *w = json_array();
	char t[BP_TS_BUFSZ];

	if (bt->o.fill == BP_BT_THIS_CLOSE)
		warn_add(w, "fill this-close trades at the close of the bar "
			 "that produced the signal: the results use "
			 "information a trader did not have in time");
	if (bt->perf.n == 0)
		warn_add(w, "no bars in the input");
	else if (isnan(bpy))
		warn_add(w, "fewer than two timestamps: annualised "
			 "statistics are null");
	if (r->years > 0 && r->years < 0.25)
		warn_add(w, "the bars span %.3g days: annualised figures "
			 "extrapolate from a short sample", r->years * 365);
	if (bt->perf.n > 0 && r->trades == 0)
		warn_add(w, "no trades: trade statistics are null");
	if (bt->no_atr)
		warn_add(w, "%llu order(s) waited for the ATR of the stops "
			 "(it needs %d bars)", (unsigned long long)bt->no_atr,
			 bt->o.atr_col ? 0 : bt->o.atr_period + 1);
	if (bt->no_vol)
		warn_add(w, "%llu order(s) waited for a volatility estimate "
			 "(%d returns)", (unsigned long long)bt->no_vol,
			 bt->o.vol_window);
	if (bt->no_cash)
		warn_add(w, "%llu buy(s) were cut to the cash available",
			 (unsigned long long)bt->no_cash);
	if (bt->late_bh)
		warn_add(w, "%llu symbol(s) start after the first timestamp "
			 "and are not part of buy_and_hold",
			 (unsigned long long)bt->late_bh);
	if (bt->ruined) {
		bp_ts_format(t, bt->ruined_ts);
		warn_add(w, "equity fell to zero or below at %s", t);
	}
	return w;
}

json_t *
bp_bt_summary(const struct bp_bt *bt)
{
	struct bp_perf_result r, b;
	char rule[256], tf[32];
	double bpy, med = bp_perf_clock_median(&bt->clock);
	json_t *j = json_object(), *an = json_object(), *bh = json_object();

	bpy = bp_perf_bars_per_year(&bt->clock, rule, sizeof(rule));
	if (bt->o.bars_per_year > 0) {
		bpy = bt->o.bars_per_year;
		snprintf(rule, sizeof(rule), "given by --bars-per-year");
	}
	bp_perf_compute(&bt->perf, bpy, &r);
	bp_perf_compute(&bt->bh, bpy, &b);

	json_object_set_new(j, "format", json_string("barpipe-backtest"));
	json_object_set_new(j, "version", json_integer(1));
	json_object_set_new(j, "start", bt->perf.n ?
			    ts_json(bt->perf.first_ts) : json_null());
	json_object_set_new(j, "end", bt->perf.n ? ts_json(bt->perf.last_ts) :
			    json_null());
	json_object_set_new(j, "bars", json_integer((json_int_t)bt->perf.n));
	json_object_set_new(j, "rows", json_integer((json_int_t)bt->rows));
	json_object_set_new(j, "symbols", json_integer((json_int_t)bt->nsym));
	json_object_set_new(j, "bars_per_year", bp_json_real(bpy));
	json_object_set_new(an, "bars_per_year", bp_json_real(bpy));
	json_object_set_new(an, "median_bar_ms", bp_json_real(med));
	if (isfinite(med) && med >= 1 && fmod(med, 1000) == 0) {
		bp_ts_format_duration(tf, (int64_t)med);
		json_object_set_new(an, "timeframe", json_string(tf));
	} else {
		json_object_set_new(an, "timeframe", json_null());
	}
	json_object_set_new(an, "weekend_fraction", bp_json_real(
		bt->clock.n ? (double)bt->clock.weekend / (double)bt->clock.n :
		NAN));
	json_object_set_new(an, "rule", json_string(rule));
	json_object_set_new(j, "annualization", an);
	json_object_set_new(j, "years", bp_json_real(r.years));
	json_object_set_new(j, "capital", bp_json_real(bt->o.capital));
	stats_json(j, &r);

	json_object_set_new(j, "trades", json_integer((json_int_t)r.trades));
	json_object_set_new(j, "wins", json_integer((json_int_t)r.wins));
	json_object_set_new(j, "losses", json_integer((json_int_t)r.losses));
	json_object_set_new(j, "win_rate", bp_json_real(r.win_rate));
	json_object_set_new(j, "profit_factor", bp_json_real(r.profit_factor));
	json_object_set_new(j, "avg_win", bp_json_real(r.avg_win));
	json_object_set_new(j, "avg_loss", bp_json_real(r.avg_loss));
	json_object_set_new(j, "avg_trade_return",
			    bp_json_real(r.avg_trade_return));
	json_object_set_new(j, "expectancy", bp_json_real(r.expectancy));
	json_object_set_new(j, "trades_with_r",
			    json_integer((json_int_t)r.with_r));
	json_object_set_new(j, "total_r", bp_json_real(r.total_r));
	json_object_set_new(j, "expectancy_r", bp_json_real(r.expectancy_r));
	json_object_set_new(j, "avg_bars_held", bp_json_real(r.avg_bars_held));
	json_object_set_new(j, "exposure", bp_json_real(r.exposure));
	json_object_set_new(j, "avg_gross_exposure",
			    bp_json_real(r.avg_gross_exposure));
	json_object_set_new(j, "traded_notional",
			    bp_json_real(r.traded_notional));
	json_object_set_new(j, "turnover", bp_json_real(r.turnover));
	json_object_set_new(j, "annual_turnover",
			    bp_json_real(r.annual_turnover));
	json_object_set_new(j, "fees_paid", bp_json_real(bt->fees));
	json_object_set_new(j, "slippage_paid", bp_json_real(bt->slippage));
	json_object_set_new(j, "borrow_paid", bp_json_real(bt->borrow));

	json_object_set_new(bh, "total_return", bp_json_real(b.total_return));
	json_object_set_new(bh, "annualized_return",
			    bp_json_real(b.annual_return));
	json_object_set_new(bh, "annualized_volatility",
			    bp_json_real(b.annual_vol));
	json_object_set_new(bh, "sharpe", bp_json_real(b.sharpe));
	json_object_set_new(bh, "max_drawdown", bp_json_real(b.max_drawdown));
	json_object_set_new(bh, "final_equity", bp_json_real(b.final_equity));
	json_object_set_new(bh, "symbols", json_integer((json_int_t)bt->bh_n));
	json_object_set_new(j, "buy_and_hold", bh);
	json_object_set_new(j, "per_symbol", per_symbol(bt));
	json_object_set_new(j, "assumptions", assumptions(bt));
	json_object_set_new(j, "warnings", warnings(bt, &r, bpy));
	return j;
}

/* ---- feeding from a row stream ---------------------------------------- */

/* The bars of one timestamp, kept until the next timestamp shows up. */
struct group {
	struct bp_bt_bar *bars;
	size_t n, alloc;
	int64_t ts;
	uint64_t no;		/* group number, for duplicate checks */
	uint64_t *stamp;	/* per symbol: last group it appeared in */
	size_t nstamp;
	struct bp_buf raw;	/* annotating: the rows' fields as JSON */
	size_t *end;		/* end of each row's text in raw */
	size_t endalloc;
};

/* Field positions of the last row, and its symbol, for the next one. */
struct hints {
	int ts, sym, open, high, low, close, value, atr;
	int lastsym;
	char last[64];
	size_t lastlen;
};

struct bp_bt_feed {
	struct bp_bt *bt;
	char *column, *atr_col;
	struct bp_writer *rows, *equity;
	struct group g;
	struct hints h;
};


int
bp_bt_write_trade(void *writer, const struct bp_bt_trade *t)
{
	struct bp_writer *w = writer;

	bp_writer_begin(w);
	bp_writer_str(w, "symbol", t->symbol);
	bp_writer_str(w, "side", t->side > 0 ? "long" : "short");
	bp_writer_ts(w, "entry_ts", t->entry_ts);
	bp_writer_num(w, "entry_price", t->entry_price);
	bp_writer_ts(w, "exit_ts", t->exit_ts);
	bp_writer_num(w, "exit_price", t->exit_price);
	bp_writer_num(w, "size", t->size);
	bp_writer_num(w, "fees", t->fees);
	bp_writer_num(w, "slippage", t->slippage);
	bp_writer_num(w, "borrow", t->borrow);
	bp_writer_num(w, "pnl", t->pnl);
	bp_writer_num(w, "return", t->ret);
	bp_writer_num(w, "r", t->r);
	bp_writer_num(w, "bars", t->bars);
	bp_writer_str(w, "exit_reason", t->reason);
	return bp_writer_end(w);
}

/* Step the buffered timestamp and write its equity and annotated rows. */
static int
write_group(struct bp_bt_feed *f)
{
	struct group *g = &f->g;
	struct bp_bt_point pt;
	char num[BP_FMT_BUFSZ];

	if (bp_bt_step(f->bt, g->ts, g->bars, g->n) < 0)
		return -1;
	bp_bt_point(f->bt, &pt);
	if (f->equity) {
		struct bp_writer *w = f->equity;

		bp_writer_begin(w);
		bp_writer_ts(w, "ts", pt.ts);
		bp_writer_num(w, "equity", pt.equity);
		bp_writer_num(w, "cash", pt.cash);
		bp_writer_num(w, "exposure", pt.exposure);
		bp_writer_num(w, "drawdown", pt.drawdown);
		bp_writer_num(w, "bh_equity", pt.bh_equity);
		if (bp_writer_end(w) < 0)
			return -1;
	}
	if (f->rows) {
		struct bp_writer *w = f->rows;
		size_t start = 0;

		for (size_t i = 0; i < g->n; i++) {
			struct bp_buf *b = &g->raw;
			double q = bp_bt_position(f->bt, g->bars[i].sym);

			bp_writer_write(w, "{", 1);
			bp_writer_write(w, b->s + start, g->end[i] - start);
			bp_writer_write(w, g->end[i] > start ? ",\"position\":"
					: "\"position\":",
					g->end[i] > start ? 12 : 11);
			bp_writer_write(w, num, bp_fmt_double(num, q == 0 ? 0 :
								  q));
			bp_writer_write(w, ",\"equity\":", 10);
			if (isfinite(pt.equity))
				bp_writer_write(w, num, bp_fmt_double(num,
								 pt.equity));
			else
				bp_writer_write(w, "null", 4);
			if (bp_writer_write(w, "}\n", 2) < 0)
				return -1;
			start = g->end[i];
		}
		bp_buf_reset(&g->raw);
	}
	g->n = 0;
	return 0;
}


static int
bad(const char *name, const struct bp_row *row, const char *what)
{
	return bp_error("%s:%ld: %s", name, row->lineno, what);
}

static int
price(const char *name, const struct bp_row *row, const char *key, int *hint,
      double *out)
{
	char msg[128];
	int rc = bp_row_num(row, key, hint, out);

	if (rc == 0 && *out > 0 && isfinite(*out))
		return 0;
	snprintf(msg, sizeof(msg), rc == 1 ? "'%s' is missing" :
		 rc < 0 ? "'%s' is not a number" : "'%s' is not a positive "
		 "price", key);
	return bad(name, row, msg);
}

/* Keep the row's fields (but position and equity) for --annotate. */
static void
keep_row(struct group *g, const struct bp_row *row)
{
	struct bp_buf *b = &g->raw;
	size_t before = b->len;

	for (size_t i = 0; i < row->n; i++) {
		const struct bp_field *f = &row->f[i];

		if (!strcmp(f->key, "position") || !strcmp(f->key, "equity"))
			continue;
		if (b->len > before)
			bp_buf_addc(b, ',');
		bp_json_escape(b, f->key, f->keylen);
		bp_buf_addc(b, ':');
		bp_buf_add(b, f->raw, f->rawlen);
	}
	BP_GROW(g->end, g->endalloc, g->n + 1);
	g->end[g->n] = b->len;
}

int
bp_bt_feed_row(struct bp_bt_feed *feed, const struct bp_row *row,
	       const char *name)
{
	struct hints *h = &feed->h;
	struct group *g = &feed->g;
	struct bp_bt_bar bar;
	const struct bp_field *f;
	int64_t ts;
	int i, rc;
	char msg[160];

	if ((i = bp_row_find(row, "ts", &h->ts)) < 0)
		return bad(name, row, "'ts' is missing");
	f = &row->f[i];
	if (!(f->type == BP_STR && bp_ts_parse(f->str, f->len, &ts) == 0) &&
	    !(f->type == BP_NUM && bp_field_num(f, &bar.open) == 0 &&
	      bp_ts_from_epoch(bar.open, &ts) == 0))
		return bad(name, row, "'ts' is not a time");
	if ((i = bp_row_find(row, "symbol", &h->sym)) < 0 ||
	    row->f[i].type != BP_STR)
		return bad(name, row, i < 0 ? "'symbol' is missing" :
			   "'symbol' is not a string");
	f = &row->f[i];
	if (h->lastsym >= 0 && f->len == h->lastlen &&
	    memcmp(f->str, h->last, f->len) == 0) {
		bar.sym = h->lastsym;
	} else {
		bar.sym = bp_bt_symbol(feed->bt, f->str, f->len);
		h->lastsym = f->len < sizeof(h->last) ? bar.sym : -1;
		if (h->lastsym >= 0) {
			memcpy(h->last, f->str, f->len);
			h->lastlen = f->len;
		}
	}
	if (price(name, row, "open", &h->open, &bar.open) < 0 ||
	    price(name, row, "high", &h->high, &bar.high) < 0 ||
	    price(name, row, "low", &h->low, &bar.low) < 0 ||
	    price(name, row, "close", &h->close, &bar.close) < 0)
		return -1;
	if (bar.high < bar.low)
		return bad(name, row, "'high' is below 'low'");
	bar.value = NAN;
	if (!feed->bt->o.sma_slow) {
		rc = bp_row_num(row, feed->column, &h->value, &bar.value);
		if (rc < 0 || (rc == 0 && !isfinite(bar.value)) ||
		    (rc == 0 && !feed->bt->o.weights && bar.value != 1 &&
		     bar.value != 0 && bar.value != -1)) {
			snprintf(msg, sizeof(msg), feed->bt->o.weights ?
				 "'%s' is not a number" :
				 "'%s' is not -1, 0 or 1", feed->column);
			return bad(name, row, msg);
		}
		if (rc == 1 && bp_row_find(row, feed->column, &h->value) < 0) {
			snprintf(msg, sizeof(msg), "no '%s' column (name one "
				 "with --signal or --weight)", feed->column);
			return bad(name, row, msg);
		}
	}
	bar.atr = NAN;
	if (feed->atr_col) {
		rc = bp_row_num(row, feed->atr_col, &h->atr, &bar.atr);
		if (rc < 0 || (rc == 0 && !(bar.atr >= 0))) {
			snprintf(msg, sizeof(msg), "'%s' is not an ATR",
				 feed->atr_col);
			return bad(name, row, msg);
		}
	}
	if (g->n > 0 && ts != g->ts) {
		if (ts < g->ts)
			return bad(name, row, "'ts' goes back in time (sort "
				   "the stream by ts)");
		if (write_group(feed) < 0)
			return -1;
	}
	if (g->n == 0) {
		g->ts = ts;
		g->no++;
	}
	if ((size_t)bar.sym >= g->nstamp) {
		size_t old = g->nstamp;

		BP_GROW(g->stamp, g->nstamp, (size_t)bar.sym + 1);
		memset(g->stamp + old, 0,
		       (g->nstamp - old) * sizeof(*g->stamp));
	}
	if (g->stamp[bar.sym] == g->no) {
		snprintf(msg, sizeof(msg), "a second bar of '%s' at the "
			 "same ts", bp_bt_symbol_name(feed->bt, bar.sym));
		return bad(name, row, msg);
	}
	g->stamp[bar.sym] = g->no;
	if (feed->rows)
		keep_row(g, row);
	BP_GROW(g->bars, g->alloc, g->n + 1);
	g->bars[g->n++] = bar;
	return 0;
}

struct bp_bt_feed *
bp_bt_feed_new(struct bp_bt *bt, const char *column, const char *atr_col,
	       struct bp_writer *rows, struct bp_writer *equity)
{
	struct bp_bt_feed *f = bp_xcalloc(1, sizeof(*f));
	struct hints h = { -1, -1, -1, -1, -1, -1, -1, -1, -1, "", 0 };

	f->bt = bt;
	f->column = bp_xstrdup(column ? column : "signal");
	f->atr_col = atr_col ? bp_xstrdup(atr_col) : NULL;
	f->rows = rows;
	f->equity = equity;
	f->h = h;
	return f;
}

void
bp_bt_feed_free(struct bp_bt_feed **fp)
{
	struct bp_bt_feed *f = *fp;

	if (!f)
		return;
	free(f->column);
	free(f->atr_col);
	free(f->g.bars);
	free(f->g.stamp);
	free(f->g.end);
	bp_buf_release(&f->g.raw);
	free(f);
	*fp = NULL;
}

int
bp_bt_feed_end(struct bp_bt_feed *f)
{
	return f->g.n > 0 ? write_group(f) : 0;
}
