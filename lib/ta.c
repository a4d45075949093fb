/*
 * ta: streaming indicator kernels.
 *
 * Reference: TA-Lib's ta_func/ta_*.c (releases 0.4.0 to 0.6.4).  Each step
 * function below performs the same floating-point operations, in the same
 * order, as TA-Lib's loop body for that bar, so the results are the same
 * doubles; comments name the TA-Lib function and the details that differ
 * from textbook definitions.  Rings hold the last n inputs a window needs;
 * they live in one allocation per instance (t->buf).
 */
#include "ta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "util.h"

/* TA-Lib's ta_utility.h (0.4.0 .. 0.6.4): a fixed band around zero. */
#define TA_IS_ZERO(v) (((-0.00000001) < (v)) && ((v) < 0.00000001))
#define TA_IS_ZERO_OR_NEG(v) ((v) < 0.00000001)

#define DAY_MS 86400000LL

/* ---- building blocks -------------------------------------------------- */

/* TA_INT_SMA: running total, add the new value, divide, drop the oldest. */
struct sma_k {
	int p, pos;
	long n;
	double total;
	double *ring;		/* p */
};

static void
sma_init(struct sma_k *s, int p, double *ring)
{
	s->p = p;
	s->pos = 0;
	s->n = 0;
	s->total = 0.0;
	s->ring = ring;
}

static double
sma_step(struct sma_k *s, double x)
{
	double out;

	s->ring[s->pos] = x;
	if (++s->pos == s->p)
		s->pos = 0;
	s->n++;
	s->total += x;
	if (s->n < s->p)
		return NAN;
	out = s->total / s->p;
	s->total -= s->ring[s->pos];	/* the oldest of the window */
	return out;
}

/*
 * TA_INT_EMA, default compatibility: the first output is the plain mean of
 * the first period values (summed in order, then divided), later ones
 * prev + (x - prev) * k with k = 2 / (period + 1).
 */
struct ema_k {
	int p;
	long n;
	double k, v;
};

static void
ema_init(struct ema_k *e, int p)
{
	e->p = p;
	e->n = 0;
	e->k = 2.0 / (double)(p + 1);
	e->v = 0.0;
}

static double
ema_step(struct ema_k *e, double x)
{
	e->n++;
	if (e->n < e->p) {
		e->v += x;
		return NAN;
	}
	if (e->n == e->p) {
		e->v += x;
		e->v = e->v / e->p;
		return e->v;
	}
	e->v = ((x - e->v) * e->k) + e->v;
	return e->v;
}

/* Highest high and lowest low of the last p bars (any exact max/min is
 * TA-Lib's: its index bookkeeping only decides when to rescan). */
struct hl_k {
	int p, pos;
	long n;
	double *hi, *lo;	/* p each */
};

static void
hl_init(struct hl_k *w, int p, double *buf)
{
	w->p = p;
	w->pos = 0;
	w->n = 0;
	w->hi = buf;
	w->lo = buf + p;
}

static int
hl_step(struct hl_k *w, double h, double l, double *hh, double *ll)
{
	double mx, mn;

	w->hi[w->pos] = h;
	w->lo[w->pos] = l;
	if (++w->pos == w->p)
		w->pos = 0;
	w->n++;
	if (w->n < w->p)
		return 0;
	mx = w->hi[0];
	mn = w->lo[0];
	for (int i = 1; i < w->p; i++) {
		if (w->hi[i] > mx)
			mx = w->hi[i];
		if (w->lo[i] < mn)
			mn = w->lo[i];
	}
	*hh = mx;
	*ll = mn;
	return 1;
}

/* TA_STOCH / TA_STOCHF raw %K: (close - LL) / ((HH - LL) / 100), 0 when
 * HH == LL.  Dividing by (HH - LL) / 100 rounds differently from
 * 100 * (close - LL) / (HH - LL); TA-Lib divides. */
static double
rawk(double hh, double ll, double c)
{
	double diff = (hh - ll) / 100.0;

	return diff != 0.0 ? (c - ll) / diff : 0.0;
}

/* Wilder RSI state (TA_RSI). */
struct rsi_k {
	int p;
	long n;
	double prev, gain, loss;
};

static void
rsi_init(struct rsi_k *r, int p)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
}

static double
rsi_value(double gain, double loss)
{
	double t = gain + loss;

	return TA_IS_ZERO(t) ? 0.0 : 100.0 * (gain / t);
}

static double
rsi_step(struct rsi_k *r, double x)
{
	long i = r->n++;
	double d;

	if (i == 0) {
		r->prev = x;
		return NAN;
	}
	d = x - r->prev;
	r->prev = x;
	if (i <= r->p) {
		/* sum the first period changes, then average */
		if (d < 0.0)
			r->loss -= d;
		else
			r->gain += d;
		if (i < r->p)
			return NAN;
		r->loss /= (double)r->p;
		r->gain /= (double)r->p;
		return rsi_value(r->gain, r->loss);
	}
	r->loss *= (double)(r->p - 1);
	r->gain *= (double)(r->p - 1);
	if (d < 0.0)
		r->loss -= d;
	else
		r->gain += d;
	r->loss /= (double)r->p;
	r->gain /= (double)r->p;
	return rsi_value(r->gain, r->loss);
}

double
bp_ta_true_range(double high, double low, double prev_close)
{
	double greatest = high - low, v;

	v = fabs(prev_close - high);
	if (v > greatest)
		greatest = v;
	v = fabs(prev_close - low);
	if (v > greatest)
		greatest = v;
	return greatest;
}

/*
 * TA_ATR: true range from the second bar; the first ATR is the mean of the
 * first period true ranges, later ones ((prev * (p - 1)) + tr) / p.
 */
void
bp_ta_atr_init(struct bp_ta_atr *a, int period)
{
	a->p = period;
	a->n = 0;
	a->prev_close = 0.0;
	a->v = 0.0;
}

double
bp_ta_atr_step(struct bp_ta_atr *a, double high, double low, double close)
{
	long i = a->n++;
	double tr;

	if (i == 0) {
		a->prev_close = close;
		return NAN;
	}
	tr = bp_ta_true_range(high, low, a->prev_close);
	a->prev_close = close;
	if (i <= a->p) {
		a->v += tr;
		if (i < a->p)
			return NAN;
		a->v = a->v / a->p;
		return a->v;
	}
	a->v *= a->p - 1;
	a->v += tr;
	a->v /= a->p;
	return a->v;
}

/*
 * Directional movement (TA_PLUS_DI, TA_MINUS_DI, TA_ADX).  Bars 1..p-1
 * sum +DM, -DM and TR; from bar p each is smoothed as
 * prev - prev / p + today; DI = 100 * DM / TR (0 when TR is 0); ADX's first
 * value is the mean of the p DX of bars p..2p-1, then Wilder smoothing.
 * A DX whose TR or DI sum is 0 is skipped (ADX keeps its value).
 */
struct dm_k {
	int p;
	long n;
	double ph, pl, pc;
	double pdm, mdm, tr;
	double sumdx, adx;
};

static void
dm_init(struct dm_k *d, int p)
{
	memset(d, 0, sizeof(*d));
	d->p = p;
}

/* Returns 1 and sets *pdi, *mdi, *adx (NaN until ready) from bar p on. */
static void
dm_step(struct dm_k *d, double h, double l, double c, double *pdi,
	double *mdi, double *adx)
{
	long i = d->n++;
	double diffp, diffm, tr, m, p, s, dx = 0.0;
	int ok = 0;

	*pdi = *mdi = *adx = NAN;
	if (i == 0) {
		d->ph = h;
		d->pl = l;
		d->pc = c;
		return;
	}
	diffp = h - d->ph;
	d->ph = h;
	diffm = d->pl - l;
	d->pl = l;
	tr = bp_ta_true_range(h, l, d->pc);
	d->pc = c;
	if (i < d->p) {
		if ((diffm > 0) && (diffp < diffm))
			d->mdm += diffm;
		else if ((diffp > 0) && (diffp > diffm))
			d->pdm += diffp;
		d->tr += tr;
		return;
	}
	d->mdm -= d->mdm / d->p;
	d->pdm -= d->pdm / d->p;
	if ((diffm > 0) && (diffp < diffm))
		d->mdm += diffm;
	else if ((diffp > 0) && (diffp > diffm))
		d->pdm += diffp;
	d->tr = d->tr - (d->tr / d->p) + tr;
	if (!TA_IS_ZERO(d->tr)) {
		m = 100.0 * (d->mdm / d->tr);
		p = 100.0 * (d->pdm / d->tr);
		*mdi = m;
		*pdi = p;
		s = m + p;
		if (!TA_IS_ZERO(s)) {
			dx = 100.0 * (fabs(m - p) / s);
			ok = 1;
		}
	} else {
		*mdi = *pdi = 0.0;
	}
	if (i < 2 * (long)d->p - 1) {
		if (ok)
			d->sumdx += dx;
		return;
	}
	if (i == 2 * (long)d->p - 1) {
		if (ok)
			d->sumdx += dx;
		d->adx = d->sumdx / d->p;
	} else if (ok) {
		d->adx = ((d->adx * (d->p - 1)) + dx) / d->p;
	}
	*adx = d->adx;
}

/* ---- the indicator instances ------------------------------------------ */

struct bp_ta {
	const struct bp_ta_info *info;
	double p[BP_TA_MAXPARAM];
	long n;			/* bars fed with every input present */
	double *buf;
	size_t nbuf;
	union {
		struct sma_k sma;
		struct ema_k ema;
		struct {
			struct ema_k e1, e2, e3;
		} xema;
		struct {
			int p, pos;
			double sum, sub, trailing, divider;
			double *ring;
		} wma;
		struct {
			int p;
			double sumroc, trailing, kama;
			double *ring;	/* p + 1 */
			int pos;
		} kama;
		struct rsi_k rsi;
		struct {
			int fast, slow, signal;
			double fk, sk, gk;
			double fast_sum, slow_sum, sig_sum;
			double fv, sv, gv;
		} macd;
		struct {
			struct sma_k mid;
			double total2;
		} bb;
		struct {
			int p, pos;
			double t1, t2;
			double *ring;
		} var;
		struct bp_ta_atr atr;
		struct {
			double prev_close;
		} tr;
		struct dm_k dm;
		struct {
			struct hl_k w;
			struct sma_k s1, s2;
		} stoch;
		struct {
			struct rsi_k rsi;
			struct hl_k w;
			struct sma_k s;
		} srsi;
		struct {
			int p;
			double *ring;
		} cci;
		struct {
			int p;
			double prev, pos, neg;
			double *ppos, *pneg;
		} mfi;
		struct {
			double obv, prev;
		} obv;
		struct {
			int p, pos;
			double *ring;	/* p + 1 */
		} lag;
		struct hl_k hl;
		struct {
			int p, pos;
			double *pv, *v;
		} vwap;
		struct {
			int64_t day;
			double pv, v;
		} svwap;
		struct {
			struct ema_k ema;
			struct bp_ta_atr atr;
		} kelt;
	} u;
};

static int
ip(const double *p, int i)
{
	return (int)p[i];
}

/* ring helpers for kernels that keep the last n values (pos = next slot) */
static void
ring_put(double *ring, int n, int *pos, double x)
{
	ring[*pos] = x;
	if (++*pos == n)
		*pos = 0;
}

/* the value k steps back from the newest (k = 0: newest) */
static double
ring_back(const double *ring, int n, int pos, int k)
{
	int i = pos - 1 - k;

	while (i < 0)
		i += n;
	return ring[i];
}

/* ---- SMA, EMA, WMA, DEMA, TEMA, KAMA ---------------------------------- */

static int lb_p1(const double *p) { return ip(p, 0) - 1; }
static int lb_p(const double *p) { return ip(p, 0); }
static int lb_0(const double *p) { (void)p; return 0; }
static int lb_1(const double *p) { (void)p; return 1; }
static size_t nb_0(const double *p) { (void)p; return 0; }
static size_t nb_p(const double *p) { return (size_t)ip(p, 0); }
static size_t nb_2p(const double *p) { return 2 * (size_t)ip(p, 0); }
static size_t nb_p1(const double *p) { return (size_t)ip(p, 0) + 1; }

static void
sma_setup(struct bp_ta *t)
{
	sma_init(&t->u.sma, ip(t->p, 0), t->buf);
}

static void
sma_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	(void)ts;
	out[0] = sma_step(&t->u.sma, in[BP_TA_CLOSE]);
}

static void
ema_setup(struct bp_ta *t)
{
	ema_init(&t->u.ema, ip(t->p, 0));
}

static void
ema_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	(void)ts;
	out[0] = ema_step(&t->u.ema, in[BP_TA_CLOSE]);
}

/*
 * TA_WMA: weights 1..p; periodSum holds sum(w * x) and periodSub sum(x),
 * updated incrementally exactly as TA-Lib does (periodSum -= periodSub
 * after each output), divided by p(p+1)/2.
 */
static void
wma_setup(struct bp_ta *t)
{
	int p = ip(t->p, 0);

	t->u.wma.p = p;
	t->u.wma.pos = 0;
	t->u.wma.sum = t->u.wma.sub = t->u.wma.trailing = 0.0;
	t->u.wma.divider = (double)((p * (p + 1)) >> 1);
	t->u.wma.ring = t->buf;
}

static void
wma_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double x = in[BP_TA_CLOSE];
	long i = t->n;		/* 0-based index of this bar */
	int p = t->u.wma.p;

	(void)ts;
	ring_put(t->u.wma.ring, p, &t->u.wma.pos, x);
	if (i < p - 1) {
		t->u.wma.sub += x;
		t->u.wma.sum += x * (double)(i + 1);
		out[0] = NAN;
		return;
	}
	t->u.wma.sub += x;
	t->u.wma.sub -= t->u.wma.trailing;
	t->u.wma.sum += x * (double)p;
	t->u.wma.trailing = t->u.wma.ring[t->u.wma.pos];	/* x[i-p+1] */
	out[0] = t->u.wma.sum / t->u.wma.divider;
	t->u.wma.sum -= t->u.wma.sub;
}

static int lb_dema(const double *p) { return 2 * (ip(p, 0) - 1); }
static int lb_tema(const double *p) { return 3 * (ip(p, 0) - 1); }

static void
xema_setup(struct bp_ta *t)
{
	ema_init(&t->u.xema.e1, ip(t->p, 0));
	ema_init(&t->u.xema.e2, ip(t->p, 0));
	ema_init(&t->u.xema.e3, ip(t->p, 0));
}

/* TA_DEMA: (2 * e1) - e2, e2 the EMA of e1 (seeded on e1's first p). */
static void
dema_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double e1, e2;

	(void)ts;
	out[0] = NAN;
	e1 = ema_step(&t->u.xema.e1, in[BP_TA_CLOSE]);
	if (isnan(e1))
		return;
	e2 = ema_step(&t->u.xema.e2, e1);
	if (isnan(e2))
		return;
	out[0] = (2.0 * e1) - e2;
}

/* TA_TEMA: e3 + ((3 * e1) - (3 * e2)). */
static void
tema_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double e1, e2, e3;

	(void)ts;
	out[0] = NAN;
	e1 = ema_step(&t->u.xema.e1, in[BP_TA_CLOSE]);
	if (isnan(e1))
		return;
	e2 = ema_step(&t->u.xema.e2, e1);
	if (isnan(e2))
		return;
	e3 = ema_step(&t->u.xema.e3, e2);
	if (isnan(e3))
		return;
	out[0] = e3 + ((3.0 * e1) - (3.0 * e2));
}

/*
 * TA_KAMA: efficiency ratio |x[t] - x[t-p]| / sum |x[i] - x[i-1]| over the
 * last p changes (1 when the sum is 0 or not above the change), smoothing
 * (er * (2/3 - 2/31) + 2/31)^2; the first KAMA (bar p) starts from x[p-1].
 */
static void
kama_setup(struct bp_ta *t)
{
	t->u.kama.p = ip(t->p, 0);
	t->u.kama.sumroc = t->u.kama.trailing = t->u.kama.kama = 0.0;
	t->u.kama.ring = t->buf;
	t->u.kama.pos = 0;
}

static void
kama_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	const double cmax = 2.0 / (30.0 + 1.0);
	const double cdiff = 2.0 / (2.0 + 1.0) - cmax;
	double x = in[BP_TA_CLOSE], prev, old, roc, er, sc;
	int p = t->u.kama.p, n = p + 1;
	long i = t->n;

	(void)ts;
	out[0] = NAN;
	if (i == 0) {
		ring_put(t->u.kama.ring, n, &t->u.kama.pos, x);
		return;
	}
	prev = ring_back(t->u.kama.ring, n, t->u.kama.pos, 0);
	if (i < p) {
		t->u.kama.sumroc += fabs(prev - x);
		ring_put(t->u.kama.ring, n, &t->u.kama.pos, x);
		return;
	}
	/* x[i-p]: p back from x, i.e. p-1 back from the newest stored */
	old = ring_back(t->u.kama.ring, n, t->u.kama.pos, p - 1);
	if (i == p) {
		t->u.kama.sumroc += fabs(prev - x);
		t->u.kama.kama = prev;
	} else {
		t->u.kama.sumroc -= fabs(t->u.kama.trailing - old);
		t->u.kama.sumroc += fabs(x - prev);
	}
	roc = x - old;
	t->u.kama.trailing = old;
	if ((t->u.kama.sumroc <= roc) || TA_IS_ZERO(t->u.kama.sumroc))
		er = 1.0;
	else
		er = fabs(roc / t->u.kama.sumroc);
	sc = (er * cdiff) + cmax;
	sc *= sc;
	t->u.kama.kama = ((x - t->u.kama.kama) * sc) + t->u.kama.kama;
	ring_put(t->u.kama.ring, n, &t->u.kama.pos, x);
	out[0] = t->u.kama.kama;
}

/* ---- RSI, MACD --------------------------------------------------------- */

static void
rsi_setup(struct bp_ta *t)
{
	rsi_init(&t->u.rsi, ip(t->p, 0));
}

static void
rsi_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	(void)ts;
	out[0] = rsi_step(&t->u.rsi, in[BP_TA_CLOSE]);
}

static int
lb_macd(const double *p)
{
	return (ip(p, 1) - 1) + (ip(p, 2) - 1);
}

static void
macd_setup(struct bp_ta *t)
{
	memset(&t->u.macd, 0, sizeof(t->u.macd));
	t->u.macd.fast = ip(t->p, 0);
	t->u.macd.slow = ip(t->p, 1);
	t->u.macd.signal = ip(t->p, 2);
	t->u.macd.fk = 2.0 / (double)(t->u.macd.fast + 1);
	t->u.macd.sk = 2.0 / (double)(t->u.macd.slow + 1);
	t->u.macd.gk = 2.0 / (double)(t->u.macd.signal + 1);
}

/*
 * TA_MACD: both EMAs first output at bar slow-1, the slow one seeded with
 * the mean of bars 0..slow-1 and the fast one with the mean of bars
 * slow-fast..slow-1 (not 0..fast-1: a standalone EMA(fast) differs).  The
 * signal is the EMA of the MACD line seeded with the mean of its first
 * signal values; all three are output from bar slow + signal - 2.
 */
static void
macd_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double x = in[BP_TA_CLOSE], m;
	long i = t->n;
	int fast = t->u.macd.fast, slow = t->u.macd.slow;
	int sig = t->u.macd.signal;

	(void)ts;
	out[0] = out[1] = out[2] = NAN;
	if (i < slow) {
		t->u.macd.slow_sum += x;
		if (i >= slow - fast)
			t->u.macd.fast_sum += x;
		if (i < slow - 1)
			return;
		t->u.macd.sv = t->u.macd.slow_sum / slow;
		t->u.macd.fv = t->u.macd.fast_sum / fast;
	} else {
		t->u.macd.fv = (x - t->u.macd.fv) * t->u.macd.fk +
			       t->u.macd.fv;
		t->u.macd.sv = (x - t->u.macd.sv) * t->u.macd.sk +
			       t->u.macd.sv;
	}
	m = t->u.macd.fv - t->u.macd.sv;
	if (i < slow - 1 + sig - 1) {
		t->u.macd.sig_sum += m;
		return;
	}
	if (i == slow - 1 + sig - 1) {
		t->u.macd.sig_sum += m;
		t->u.macd.gv = t->u.macd.sig_sum / sig;
	} else {
		t->u.macd.gv = (m - t->u.macd.gv) * t->u.macd.gk +
			       t->u.macd.gv;
	}
	out[0] = m;
	out[1] = t->u.macd.gv;
	out[2] = m - t->u.macd.gv;
}

/* ---- BBANDS, STDDEV ---------------------------------------------------- */

static void
bb_setup(struct bp_ta *t)
{
	sma_init(&t->u.bb.mid, ip(t->p, 0), t->buf);
	t->u.bb.total2 = 0.0;
}

/*
 * TA_BBANDS with matype SMA: middle = SMA; the deviation comes from
 * TA_INT_stddev_using_precalc_ma: a running sum of squares, mean of squares
 * minus SMA^2 (population variance), sqrt, 0 when below 1e-8.
 * upper/lower = middle +- dev * nbdev.  %B = (close - lower) / (upper -
 * lower) and bandwidth = (upper - lower) / middle are ours (null when the
 * denominator is 0).
 */
static void
bb_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	struct sma_k *s = &t->u.bb.mid;
	double x = in[BP_TA_CLOSE], mid, m2, sd, old, d, up, lo;

	(void)ts;
	for (int o = 0; o < 5; o++)
		out[o] = NAN;
	if (s->n < s->p - 1) {
		sma_step(s, x);
		t->u.bb.total2 += x * x;
		return;
	}
	mid = sma_step(s, x);
	old = s->ring[s->pos];	/* the value sma_step just dropped */
	t->u.bb.total2 += x * x;
	m2 = t->u.bb.total2 / s->p;
	t->u.bb.total2 -= old * old;
	m2 -= mid * mid;
	sd = !TA_IS_ZERO_OR_NEG(m2) ? sqrt(m2) : 0.0;
	d = sd * t->p[1];
	up = mid + d;
	lo = mid - d;
	out[0] = up;
	out[1] = mid;
	out[2] = lo;
	out[3] = up != lo ? (x - lo) / (up - lo) : NAN;
	out[4] = mid != 0.0 ? (up - lo) / mid : NAN;
}

static void
var_setup(struct bp_ta *t)
{
	t->u.var.p = ip(t->p, 0);
	t->u.var.pos = 0;
	t->u.var.t1 = t->u.var.t2 = 0.0;
	t->u.var.ring = t->buf;
}

/* TA_STDDEV over TA_INT_VAR: running sums of x and x^2, E[x^2] - E[x]^2,
 * sqrt times nbdev, 0 when the variance is below 1e-8. */
static void
stddev_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double x = in[BP_TA_CLOSE], m1, m2, old, v;
	int p = t->u.var.p;

	(void)ts;
	ring_put(t->u.var.ring, p, &t->u.var.pos, x);
	t->u.var.t1 += x;
	t->u.var.t2 += x * x;
	if (t->n < p - 1) {
		out[0] = NAN;
		return;
	}
	m1 = t->u.var.t1 / p;
	m2 = t->u.var.t2 / p;
	old = t->u.var.ring[t->u.var.pos];
	t->u.var.t1 -= old;
	t->u.var.t2 -= old * old;
	v = m2 - m1 * m1;
	out[0] = !TA_IS_ZERO_OR_NEG(v) ? sqrt(v) * t->p[1] : 0.0;
}

/* ---- ATR, NATR, TRANGE ------------------------------------------------ */

static void
atr_setup(struct bp_ta *t)
{
	bp_ta_atr_init(&t->u.atr, ip(t->p, 0));
}

static void
atr_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	(void)ts;
	out[0] = bp_ta_atr_step(&t->u.atr, in[BP_TA_HIGH], in[BP_TA_LOW],
				in[BP_TA_CLOSE]);
}

/* TA_NATR: ATR / close * 100, 0 when the close is 0. */
static void
natr_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double a, c = in[BP_TA_CLOSE];

	(void)ts;
	a = bp_ta_atr_step(&t->u.atr, in[BP_TA_HIGH], in[BP_TA_LOW], c);
	if (isnan(a))
		out[0] = NAN;
	else
		out[0] = !TA_IS_ZERO(c) ? a / c * 100.0 : 0.0;
}

static void
trange_setup(struct bp_ta *t)
{
	t->u.tr.prev_close = 0.0;
}

static void
trange_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	(void)ts;
	out[0] = t->n == 0 ? NAN : bp_ta_true_range(in[BP_TA_HIGH],
						   in[BP_TA_LOW],
						   t->u.tr.prev_close);
	t->u.tr.prev_close = in[BP_TA_CLOSE];
}

/* ---- ADX, +DI, -DI ---------------------------------------------------- */

static int lb_adx(const double *p) { return 2 * ip(p, 0) - 1; }

static void
dm_setup(struct bp_ta *t)
{
	dm_init(&t->u.dm, ip(t->p, 0));
}

static void
adx_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double pdi, mdi;

	(void)ts;
	dm_step(&t->u.dm, in[BP_TA_HIGH], in[BP_TA_LOW], in[BP_TA_CLOSE],
		&pdi, &mdi, &out[0]);
}

static void
pdi_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double mdi, adx;

	(void)ts;
	dm_step(&t->u.dm, in[BP_TA_HIGH], in[BP_TA_LOW], in[BP_TA_CLOSE],
		&out[0], &mdi, &adx);
}

static void
mdi_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double pdi, adx;

	(void)ts;
	dm_step(&t->u.dm, in[BP_TA_HIGH], in[BP_TA_LOW], in[BP_TA_CLOSE],
		&pdi, &out[0], &adx);
}

/* ---- STOCH, STOCHF, STOCHRSI, WILLR, Donchian -------------------------- */

static int
lb_stoch(const double *p)
{
	return (ip(p, 0) - 1) + (ip(p, 1) - 1) + (ip(p, 2) - 1);
}

static size_t
nb_stoch(const double *p)
{
	return 2 * (size_t)ip(p, 0) + (size_t)ip(p, 1) + (size_t)ip(p, 2);
}

static void
stoch_setup(struct bp_ta *t)
{
	int k = ip(t->p, 0), sk = ip(t->p, 1), sd = ip(t->p, 2);

	hl_init(&t->u.stoch.w, k, t->buf);
	sma_init(&t->u.stoch.s1, sk, t->buf + 2 * k);
	sma_init(&t->u.stoch.s2, sd, t->buf + 2 * k + sk);
}

/* TA_STOCH, both MA types SMA: slow %K = SMA(raw %K), %D = SMA(slow %K);
 * output from the first %D. */
static void
stoch_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double hh, ll, k, sk, sd;

	(void)ts;
	out[0] = out[1] = NAN;
	if (!hl_step(&t->u.stoch.w, in[BP_TA_HIGH], in[BP_TA_LOW], &hh, &ll))
		return;
	k = rawk(hh, ll, in[BP_TA_CLOSE]);
	sk = sma_step(&t->u.stoch.s1, k);
	if (isnan(sk))
		return;
	sd = sma_step(&t->u.stoch.s2, sk);
	if (isnan(sd))
		return;
	out[0] = sk;
	out[1] = sd;
}

static int
lb_stochf(const double *p)
{
	return (ip(p, 0) - 1) + (ip(p, 1) - 1);
}

static size_t
nb_stochf(const double *p)
{
	return 2 * (size_t)ip(p, 0) + (size_t)ip(p, 1);
}

static void
stochf_setup(struct bp_ta *t)
{
	int k = ip(t->p, 0), d = ip(t->p, 1);

	hl_init(&t->u.stoch.w, k, t->buf);
	sma_init(&t->u.stoch.s1, d, t->buf + 2 * k);
}

/* TA_STOCHF, SMA: fast %K = raw %K, %D = SMA(%K); output from the first %D. */
static void
stochf_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double hh, ll, k, d;

	(void)ts;
	out[0] = out[1] = NAN;
	if (!hl_step(&t->u.stoch.w, in[BP_TA_HIGH], in[BP_TA_LOW], &hh, &ll))
		return;
	k = rawk(hh, ll, in[BP_TA_CLOSE]);
	d = sma_step(&t->u.stoch.s1, k);
	if (isnan(d))
		return;
	out[0] = k;
	out[1] = d;
}

static int
lb_stochrsi(const double *p)
{
	return ip(p, 0) + (ip(p, 1) - 1) + (ip(p, 2) - 1);
}

static size_t
nb_stochrsi(const double *p)
{
	return 2 * (size_t)ip(p, 1) + (size_t)ip(p, 2);
}

static void
stochrsi_setup(struct bp_ta *t)
{
	int k = ip(t->p, 1), d = ip(t->p, 2);

	rsi_init(&t->u.srsi.rsi, ip(t->p, 0));
	hl_init(&t->u.srsi.w, k, t->buf);
	sma_init(&t->u.srsi.s, d, t->buf + 2 * k);
}

/* TA_STOCHRSI: TA_STOCHF with high = low = close = RSI(period). */
static void
stochrsi_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double r, hh, ll, k, d;

	(void)ts;
	out[0] = out[1] = NAN;
	r = rsi_step(&t->u.srsi.rsi, in[BP_TA_CLOSE]);
	if (isnan(r))
		return;
	if (!hl_step(&t->u.srsi.w, r, r, &hh, &ll))
		return;
	k = rawk(hh, ll, r);
	d = sma_step(&t->u.srsi.s, k);
	if (isnan(d))
		return;
	out[0] = k;
	out[1] = d;
}

static void
hl_setup(struct bp_ta *t)
{
	hl_init(&t->u.hl, ip(t->p, 0), t->buf);
}

/* TA_WILLR: (HH - close) / ((HH - LL) / -100), 0 when HH == LL. */
static void
willr_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double hh, ll, diff;

	(void)ts;
	out[0] = NAN;
	if (!hl_step(&t->u.hl, in[BP_TA_HIGH], in[BP_TA_LOW], &hh, &ll))
		return;
	diff = (hh - ll) / (-100.0);
	out[0] = diff != 0.0 ? (hh - in[BP_TA_CLOSE]) / diff : 0.0;
}

/* Donchian channel: highest high, (HH + LL) / 2, lowest low of p bars. */
static void
donchian_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double hh, ll;

	(void)ts;
	out[0] = out[1] = out[2] = NAN;
	if (!hl_step(&t->u.hl, in[BP_TA_HIGH], in[BP_TA_LOW], &hh, &ll))
		return;
	out[0] = hh;
	out[1] = (hh + ll) / 2.0;
	out[2] = ll;
}

/* ---- CCI, MFI, OBV, ROC, MOM ------------------------------------------ */

static void
cci_setup(struct bp_ta *t)
{
	t->u.cci.p = ip(t->p, 0);
	t->u.cci.ring = t->buf;
}

/*
 * TA_CCI: typical price (h + l + c) / 3 into a circular buffer whose slot
 * is the bar index mod p; the mean and the mean absolute deviation are
 * summed in slot order (as TA-Lib does); (tp - mean) / (0.015 * md), 0
 * when either is 0.
 */
static void
cci_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	int p = t->u.cci.p;
	double *b = t->u.cci.ring, last, avg = 0, md = 0, d;

	(void)ts;
	last = (in[BP_TA_HIGH] + in[BP_TA_LOW] + in[BP_TA_CLOSE]) / 3;
	b[t->n % p] = last;
	out[0] = NAN;
	if (t->n < p - 1)
		return;
	for (int j = 0; j < p; j++)
		avg += b[j];
	avg /= p;
	for (int j = 0; j < p; j++)
		md += fabs(b[j] - avg);
	d = last - avg;
	out[0] = (d != 0.0 && md != 0.0) ? d / (0.015 * (md / p)) : 0.0;
}

static void
mfi_setup(struct bp_ta *t)
{
	int p = ip(t->p, 0);

	t->u.mfi.p = p;
	t->u.mfi.prev = t->u.mfi.pos = t->u.mfi.neg = 0.0;
	t->u.mfi.ppos = t->buf;
	t->u.mfi.pneg = t->buf + p;
}

/*
 * TA_MFI: money flow tp * volume is positive when tp rose, negative when it
 * fell, neither when unchanged; running sums over p bars (old slot
 * subtracted before the new one is added); 100 * pos / (pos + neg), and 0
 * when that sum is below 1.
 */
static void
mfi_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	int p = t->u.mfi.p, slot;
	long i = t->n;
	double tp, d, mf, s;

	(void)ts;
	out[0] = NAN;
	tp = (in[BP_TA_HIGH] + in[BP_TA_LOW] + in[BP_TA_CLOSE]) / 3.0;
	if (i == 0) {
		t->u.mfi.prev = tp;
		return;
	}
	slot = (int)((i - 1) % p);
	if (i > p) {
		t->u.mfi.pos -= t->u.mfi.ppos[slot];
		t->u.mfi.neg -= t->u.mfi.pneg[slot];
	}
	d = tp - t->u.mfi.prev;
	t->u.mfi.prev = tp;
	mf = tp * in[BP_TA_VOLUME];
	if (d < 0) {
		t->u.mfi.pneg[slot] = mf;
		t->u.mfi.neg += mf;
		t->u.mfi.ppos[slot] = 0.0;
	} else if (d > 0) {
		t->u.mfi.ppos[slot] = mf;
		t->u.mfi.pos += mf;
		t->u.mfi.pneg[slot] = 0.0;
	} else {
		t->u.mfi.ppos[slot] = 0.0;
		t->u.mfi.pneg[slot] = 0.0;
	}
	if (i < p)
		return;
	s = t->u.mfi.pos + t->u.mfi.neg;
	out[0] = s < 1.0 ? 0.0 : 100.0 * (t->u.mfi.pos / s);
}

static void
obv_setup(struct bp_ta *t)
{
	t->u.obv.obv = t->u.obv.prev = 0.0;
}

/* TA_OBV: starts at the first bar's volume. */
static void
obv_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double c = in[BP_TA_CLOSE], v = in[BP_TA_VOLUME];

	(void)ts;
	if (t->n == 0) {
		t->u.obv.obv = v;
	} else if (c > t->u.obv.prev) {
		t->u.obv.obv += v;
	} else if (c < t->u.obv.prev) {
		t->u.obv.obv -= v;
	}
	t->u.obv.prev = c;
	out[0] = t->u.obv.obv;
}

static void
lag_setup(struct bp_ta *t)
{
	t->u.lag.p = ip(t->p, 0);
	t->u.lag.pos = 0;
	t->u.lag.ring = t->buf;
}

/* TA_ROC: ((x / x[t-p]) - 1) * 100, 0 when x[t-p] is 0. */
static void
roc_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	int n = t->u.lag.p + 1;
	double x = in[BP_TA_CLOSE], old;

	(void)ts;
	ring_put(t->u.lag.ring, n, &t->u.lag.pos, x);
	out[0] = NAN;
	if (t->n < t->u.lag.p)
		return;
	old = t->u.lag.ring[t->u.lag.pos];	/* oldest of p + 1 */
	out[0] = old != 0.0 ? ((x / old) - 1.0) * 100.0 : 0.0;
}

/* TA_MOM: x - x[t-p]. */
static void
mom_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	int n = t->u.lag.p + 1;
	double x = in[BP_TA_CLOSE];

	(void)ts;
	ring_put(t->u.lag.ring, n, &t->u.lag.pos, x);
	out[0] = t->n < t->u.lag.p ? NAN : x - t->u.lag.ring[t->u.lag.pos];
}

/* ---- VWAP, Keltner ----------------------------------------------------- */

static void
vwap_setup(struct bp_ta *t)
{
	int p = ip(t->p, 0);

	t->u.vwap.p = p;
	t->u.vwap.pos = 0;
	t->u.vwap.pv = t->buf;
	t->u.vwap.v = t->buf + p;
}

/*
 * Rolling VWAP (not in TA-Lib): sum(tp * volume) / sum(volume) over the
 * last p bars, tp = (h + l + c) / 3, summed oldest first each bar (no
 * running sums, so no drift); null when the window's volume is 0.
 */
static void
vwap_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	int p = t->u.vwap.p, pos;
	double tp, spv = 0.0, sv = 0.0, v = in[BP_TA_VOLUME];

	(void)ts;
	tp = (in[BP_TA_HIGH] + in[BP_TA_LOW] + in[BP_TA_CLOSE]) / 3.0;
	t->u.vwap.pv[t->u.vwap.pos] = tp * v;
	t->u.vwap.v[t->u.vwap.pos] = v;
	if (++t->u.vwap.pos == p)
		t->u.vwap.pos = 0;
	out[0] = NAN;
	if (t->n < p - 1)
		return;
	pos = t->u.vwap.pos;
	for (int j = 0; j < p; j++) {
		spv += t->u.vwap.pv[pos];
		sv += t->u.vwap.v[pos];
		if (++pos == p)
			pos = 0;
	}
	out[0] = sv != 0.0 ? spv / sv : NAN;
}

static void
svwap_setup(struct bp_ta *t)
{
	t->u.svwap.day = INT64_MIN;
	t->u.svwap.pv = t->u.svwap.v = 0.0;
}

/* Session VWAP (not in TA-Lib): cumulative since the first bar of the bar's
 * UTC day (bar open time); null while the day's volume is 0. */
static void
svwap_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	int64_t day = ts >= 0 ? ts / DAY_MS : -((-ts + DAY_MS - 1) / DAY_MS);
	double tp, v = in[BP_TA_VOLUME];

	if (day != t->u.svwap.day) {
		t->u.svwap.day = day;
		t->u.svwap.pv = t->u.svwap.v = 0.0;
	}
	tp = (in[BP_TA_HIGH] + in[BP_TA_LOW] + in[BP_TA_CLOSE]) / 3.0;
	t->u.svwap.pv += tp * v;
	t->u.svwap.v += v;
	out[0] = t->u.svwap.v != 0.0 ? t->u.svwap.pv / t->u.svwap.v : NAN;
}

static void
kelt_setup(struct bp_ta *t)
{
	ema_init(&t->u.kelt.ema, ip(t->p, 0));
	bp_ta_atr_init(&t->u.kelt.atr, ip(t->p, 0));
}

/* Keltner channel (not in TA-Lib): middle = EMA(close, p) and
 * upper/lower = middle +- mult * ATR(p), both as TA-Lib computes them. */
static void
kelt_run(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	double m, a;

	(void)ts;
	out[0] = out[1] = out[2] = NAN;
	m = ema_step(&t->u.kelt.ema, in[BP_TA_CLOSE]);
	a = bp_ta_atr_step(&t->u.kelt.atr, in[BP_TA_HIGH], in[BP_TA_LOW],
			   in[BP_TA_CLOSE]);
	if (isnan(m) || isnan(a))
		return;
	out[0] = m + t->p[1] * a;
	out[1] = m;
	out[2] = m - t->p[1] * a;
}

/* ---- the table -------------------------------------------------------- */

#define NONE (NAN)
#define P_PERIOD(d, lo) { "period", d, lo, 100000, 1 }
#define N_C BP_TA_NEED_CLOSE
#define N_HLC (BP_TA_NEED_HIGH | BP_TA_NEED_LOW | BP_TA_NEED_CLOSE)
#define N_HLCV (N_HLC | BP_TA_NEED_VOLUME)
#define N_CV (BP_TA_NEED_CLOSE | BP_TA_NEED_VOLUME)

static const struct bp_ta_info table[] = {
	{ "sma", "Simple Moving Average", "SMA", N_C, 1,
	  1, { P_PERIOD(20, 2) }, 1, { "sma" },
	  "mean of the last period values (running sum as TA-Lib)",
	  NONE, NONE, lb_p1, nb_p, sma_setup, sma_run },
	{ "ema", "Exponential Moving Average", "EMA", N_C, 1,
	  1, { P_PERIOD(20, 2) }, 1, { "ema" },
	  "k = 2/(period+1); first value = SMA of the first period values, "
	  "then ema + (x - ema) * k",
	  NONE, NONE, lb_p1, nb_0, ema_setup, ema_run },
	{ "wma", "Weighted Moving Average", "WMA", N_C, 1,
	  1, { P_PERIOD(20, 2) }, 1, { "wma" },
	  "weights 1..period, newest heaviest, divided by period(period+1)/2",
	  NONE, NONE, lb_p1, nb_p, wma_setup, wma_run },
	{ "dema", "Double Exponential Moving Average", "DEMA", N_C, 1,
	  1, { P_PERIOD(20, 2) }, 1, { "dema" },
	  "2 * EMA - EMA(EMA), each EMA seeded by its SMA",
	  NONE, NONE, lb_dema, nb_0, xema_setup, dema_run },
	{ "tema", "Triple Exponential Moving Average", "TEMA", N_C, 1,
	  1, { P_PERIOD(20, 2) }, 1, { "tema" },
	  "3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA))",
	  NONE, NONE, lb_tema, nb_0, xema_setup, tema_run },
	{ "kama", "Kaufman Adaptive Moving Average", "KAMA", N_C, 1,
	  1, { P_PERIOD(30, 2) }, 1, { "kama" },
	  "efficiency ratio over period changes, smoothing (er * (2/3 - "
	  "2/31) + 2/31)^2, started from the previous close",
	  NONE, NONE, lb_p, nb_p1, kama_setup, kama_run },
	{ "rsi", "Relative Strength Index (Wilder)", "RSI", N_C, 1,
	  1, { P_PERIOD(14, 2) }, 1, { "rsi" },
	  "100 * avg gain / (avg gain + avg loss); averages start as the "
	  "mean of the first period changes, then Wilder smoothing; 0 when "
	  "both are 0",
	  0, 100, lb_p, nb_0, rsi_setup, rsi_run },
	{ "macd", "Moving Average Convergence/Divergence", "MACD", N_C, 1,
	  3, { { "fast", 12, 2, 100000, 1 }, { "slow", 26, 2, 100000, 1 },
	       { "signal", 9, 1, 100000, 1 } },
	  3, { "macd", "macd_signal", "macd_hist" },
	  "EMA(fast) - EMA(slow), both first output at bar slow-1 (the fast "
	  "EMA seeded on bars slow-fast..slow-1); signal = EMA(macd, signal); "
	  "hist = macd - signal",
	  NONE, NONE, lb_macd, nb_0, macd_setup, macd_run },
	{ "bbands", "Bollinger Bands", "BBANDS", N_C, 1,
	  2, { P_PERIOD(20, 2), { "nbdev", 2, 0.0001, 1000, 0 } },
	  5, { "bbands_upper", "bbands_middle", "bbands_lower",
	       "bbands_pctb", "bbands_width" },
	  "middle = SMA; upper/lower = middle +- nbdev * population stddev "
	  "(running sums); pctb = (close - lower)/(upper - lower); width = "
	  "(upper - lower)/middle",
	  NONE, NONE, lb_p1, nb_p, bb_setup, bb_run },
	{ "stddev", "Standard Deviation (population)", "STDDEV", N_C, 1,
	  2, { P_PERIOD(20, 2), { "nbdev", 1, 0.0001, 1000, 0 } },
	  1, { "stddev" },
	  "nbdev * sqrt(E[x^2] - E[x]^2) over period (running sums), 0 below "
	  "a variance of 1e-8",
	  NONE, NONE, lb_p1, nb_p, var_setup, stddev_run },
	{ "atr", "Average True Range (Wilder)", "ATR", N_HLC, 0,
	  1, { P_PERIOD(14, 1) }, 1, { "atr" },
	  "true range from the second bar; first ATR = mean of period true "
	  "ranges, then (atr * (period-1) + tr) / period",
	  NONE, NONE, lb_p, nb_0, atr_setup, atr_run },
	{ "natr", "Normalized Average True Range", "NATR", N_HLC, 0,
	  1, { P_PERIOD(14, 1) }, 1, { "natr" },
	  "ATR / close * 100 (0 when close is 0)",
	  NONE, NONE, lb_p, nb_0, atr_setup, natr_run },
	{ "trange", "True Range", "TRANGE", N_HLC, 0,
	  0, { { NULL, 0, 0, 0, 0 } }, 1, { "trange" },
	  "max(high - low, |prev close - high|, |prev close - low|)",
	  NONE, NONE, lb_1, nb_0, trange_setup, trange_run },
	{ "adx", "Average Directional Movement Index", "ADX", N_HLC, 0,
	  1, { P_PERIOD(14, 2) }, 1, { "adx" },
	  "DX = 100 |+DI - -DI| / (+DI + -DI); first ADX = mean of period DX, "
	  "then Wilder smoothing",
	  0, 100, lb_adx, nb_0, dm_setup, adx_run },
	{ "plus_di", "Plus Directional Indicator", "PLUS_DI", N_HLC, 0,
	  1, { P_PERIOD(14, 2) }, 1, { "plus_di" },
	  "100 * smoothed +DM / smoothed TR (sums of period-1 bars, then "
	  "prev - prev/period + today); 0 when TR is 0",
	  0, 100, lb_p, nb_0, dm_setup, pdi_run },
	{ "minus_di", "Minus Directional Indicator", "MINUS_DI", N_HLC, 0,
	  1, { P_PERIOD(14, 2) }, 1, { "minus_di" },
	  "100 * smoothed -DM / smoothed TR, as plus_di",
	  0, 100, lb_p, nb_0, dm_setup, mdi_run },
	{ "stoch", "Stochastic (slow %K, %D)", "STOCH", N_HLC, 0,
	  3, { { "fastk", 5, 1, 100000, 1 }, { "slowk", 3, 1, 100000, 1 },
	       { "slowd", 3, 1, 100000, 1 } },
	  2, { "stoch_k", "stoch_d" },
	  "raw %K = (close - LL) / ((HH - LL) / 100) over fastk bars (0 when "
	  "HH = LL); slow %K = SMA(raw, slowk); %D = SMA(slow %K, slowd)",
	  0, 100, lb_stoch, nb_stoch, stoch_setup, stoch_run },
	{ "stochf", "Stochastic Fast (%K, %D)", "STOCHF", N_HLC, 0,
	  2, { { "fastk", 5, 1, 100000, 1 }, { "fastd", 3, 1, 100000, 1 } },
	  2, { "stochf_k", "stochf_d" },
	  "%K = raw %K over fastk bars; %D = SMA(%K, fastd)",
	  0, 100, lb_stochf, nb_stochf, stochf_setup, stochf_run },
	{ "stochrsi", "Stochastic RSI", "STOCHRSI", N_C, 1,
	  3, { P_PERIOD(14, 2), { "fastk", 5, 1, 100000, 1 },
	       { "fastd", 3, 1, 100000, 1 } },
	  2, { "stochrsi_k", "stochrsi_d" },
	  "STOCHF(fastk, fastd) applied to RSI(period) as high, low and close",
	  0, 100, lb_stochrsi, nb_stochrsi, stochrsi_setup, stochrsi_run },
	{ "cci", "Commodity Channel Index", "CCI", N_HLC, 0,
	  1, { P_PERIOD(14, 2) }, 1, { "cci" },
	  "(tp - mean(tp)) / (0.015 * mean |tp - mean(tp)|), tp = (h+l+c)/3; "
	  "0 when either is 0",
	  NONE, NONE, lb_p1, nb_p, cci_setup, cci_run },
	{ "mfi", "Money Flow Index", "MFI", N_HLCV, 0,
	  1, { P_PERIOD(14, 2) }, 1, { "mfi" },
	  "100 * positive flow / (positive + negative flow) over period; flow "
	  "= tp * volume; 0 when the flow sum is below 1",
	  0, 100, lb_p, nb_2p, mfi_setup, mfi_run },
	{ "obv", "On Balance Volume", "OBV", N_CV, 0,
	  0, { { NULL, 0, 0, 0, 0 } }, 1, { "obv" },
	  "starts at the first volume; + volume on an up close, - on a down "
	  "close",
	  NONE, NONE, lb_0, nb_0, obv_setup, obv_run },
	{ "roc", "Rate of Change", "ROC", N_C, 1,
	  1, { P_PERIOD(10, 1) }, 1, { "roc" },
	  "((x / x[t-period]) - 1) * 100, 0 when x[t-period] is 0",
	  NONE, NONE, lb_p, nb_p1, lag_setup, roc_run },
	{ "mom", "Momentum", "MOM", N_C, 1,
	  1, { P_PERIOD(10, 1) }, 1, { "mom" },
	  "x - x[t-period]",
	  NONE, NONE, lb_p, nb_p1, lag_setup, mom_run },
	{ "willr", "Williams %R", "WILLR", N_HLC, 0,
	  1, { P_PERIOD(14, 2) }, 1, { "willr" },
	  "(HH - close) / ((HH - LL) / -100) over period, 0 when HH = LL",
	  -100, 0, lb_p1, nb_2p, hl_setup, willr_run },
	{ "vwap", "Rolling Volume-Weighted Average Price", NULL, N_HLCV, 0,
	  1, { P_PERIOD(20, 1) }, 1, { "vwap" },
	  "sum(tp * volume) / sum(volume) over period bars, tp = (h+l+c)/3; "
	  "null when the volume is 0",
	  NONE, NONE, lb_p1, nb_2p, vwap_setup, vwap_run },
	{ "vwap_session", "Session VWAP (UTC day)", NULL, N_HLCV, 0,
	  0, { { NULL, 0, 0, 0, 0 } }, 1, { "vwap_session" },
	  "sum(tp * volume) / sum(volume) since the first bar of the UTC day",
	  NONE, NONE, lb_0, nb_0, svwap_setup, svwap_run },
	{ "donchian", "Donchian Channel", NULL, N_HLC, 0,
	  1, { P_PERIOD(20, 1) },
	  3, { "donchian_upper", "donchian_middle", "donchian_lower" },
	  "highest high, (HH + LL)/2, lowest low of period bars",
	  NONE, NONE, lb_p1, nb_2p, hl_setup, donchian_run },
	{ "keltner", "Keltner Channel", NULL, N_HLC, 0,
	  2, { P_PERIOD(20, 2), { "mult", 2, 0.0001, 1000, 0 } },
	  3, { "keltner_upper", "keltner_middle", "keltner_lower" },
	  "middle = EMA(close, period); upper/lower = middle +- mult * "
	  "ATR(period)",
	  NONE, NONE, lb_p, nb_0, kelt_setup, kelt_run },
};

size_t
bp_ta_count(void)
{
	return BP_ARRAY_SIZE(table);
}

const struct bp_ta_info *
bp_ta_at(size_t i)
{
	return i < BP_ARRAY_SIZE(table) ? &table[i] : NULL;
}

const struct bp_ta_info *
bp_ta_find(const char *name)
{
	for (size_t i = 0; i < BP_ARRAY_SIZE(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

void
bp_ta_defaults(const struct bp_ta_info *info, double *p)
{
	for (int i = 0; i < info->nparam; i++)
		p[i] = info->param[i].def;
}

int
bp_ta_check_param(const struct bp_ta_info *info, int i, double v, char *err,
		  size_t errlen)
{
	const struct bp_ta_param *q = &info->param[i];
	char lo[BP_FMT_BUFSZ], hi[BP_FMT_BUFSZ];

	bp_fmt_double(lo, q->min);
	bp_fmt_double(hi, q->max);
	if (!isfinite(v) || v < q->min || v > q->max ||
	    (q->integer && v != floor(v))) {
		snprintf(err, errlen, "%s must be %s in [%s, %s]", q->name,
			 q->integer ? "an integer" : "a number", lo, hi);
		return -1;
	}
	return 0;
}

int
bp_ta_check(const struct bp_ta_info *info, const double *p, char *err,
	    size_t errlen)
{
	for (int i = 0; i < info->nparam; i++)
		if (bp_ta_check_param(info, i, p[i], err, errlen) < 0)
			return -1;
	if (strcmp(info->name, "macd") == 0 && p[0] > p[1]) {
		snprintf(err, errlen, "fast must not exceed slow");
		return -1;
	}
	return 0;
}

int
bp_ta_lookback(const struct bp_ta_info *info, const double *p)
{
	return info->lookback(p);
}

size_t
bp_ta_colname(char *buf, size_t n, const struct bp_ta_info *info, int o,
	      const double *p, const char *src)
{
	struct bp_buf b = BP_BUF_INIT;
	char num[BP_FMT_BUFSZ];
	size_t len;

	bp_buf_adds(&b, info->out[o]);
	for (int i = 0; i < info->nparam; i++) {
		bp_fmt_double(num, p[i]);
		bp_buf_addc(&b, '_');
		bp_buf_adds(&b, num);
	}
	if (src && strcmp(src, "close") != 0) {
		bp_buf_addc(&b, '_');
		bp_buf_adds(&b, src);
	}
	len = b.len < n ? b.len : n - 1;
	memcpy(buf, b.s, len);
	buf[len] = '\0';
	bp_buf_release(&b);
	return len;
}

struct bp_ta *
bp_ta_new(const struct bp_ta_info *info, const double *p)
{
	struct bp_ta *t = bp_xcalloc(1, sizeof(*t));

	t->info = info;
	for (int i = 0; i < info->nparam; i++)
		t->p[i] = p[i];
	t->nbuf = info->nbuf(p);
	t->buf = t->nbuf ? bp_xcalloc(t->nbuf, sizeof(double)) : NULL;
	info->init(t);
	return t;
}

void
bp_ta_free(struct bp_ta **tp)
{
	if (!*tp)
		return;
	free((*tp)->buf);
	free(*tp);
	*tp = NULL;
}

void
bp_ta_reset(struct bp_ta *t)
{
	t->n = 0;
	if (t->nbuf)
		memset(t->buf, 0, t->nbuf * sizeof(double));
	memset(&t->u, 0, sizeof(t->u));
	t->info->init(t);
}

void
bp_ta_update(struct bp_ta *t, int64_t ts, const double *in, double *out)
{
	const struct bp_ta_info *info = t->info;

	for (int i = 0; i < BP_TA_NINPUT; i++) {
		if ((info->needs & (1u << i)) && isnan(in[i])) {
			for (int o = 0; o < info->nout; o++)
				out[o] = NAN;
			return;
		}
	}
	info->step(t, ts, in, out);
	t->n++;
}
