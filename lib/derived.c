/*
 * derived: returns, lags, rolling statistics, bar shape, calendar.
 *
 * Rolling statistics are recomputed from the window each bar (O(window)),
 * two-pass for the variance, so there is no drift from running sums and
 * the result depends only on the window's values.  The standard deviation
 * is the sample one (divisor W - 1), as pandas' rolling().std(); rank is
 * pandas' rolling().rank(pct=True): the average 1-based rank of the newest
 * value among the window's values, divided by W.
 */
#include "derived.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta.h"
#include "ts.h"
#include "util.h"

#define DAY_MS 86400000LL

static const char *const kind_names[BP_DERIVED_NKIND] = {
	"ret", "logret", "lag", "mean", "std", "zscore", "min", "max", "rank",
	"bar_range", "bar_body", "bar_upper_wick", "bar_lower_wick", "hour",
	"weekday", "month",
};

struct bp_derived {
	enum bp_derived_kind kind;
	int k;			/* bars back or window */
	int n;			/* ring size */
	int pos;
	long count;		/* values seen */
	double *ring;
};

const char *
bp_derived_kind_name(enum bp_derived_kind kind)
{
	return kind < BP_DERIVED_NKIND ? kind_names[kind] : "?";
}

int
bp_derived_stat(const char *name)
{
	for (int i = BP_DERIVED_MEAN; i <= BP_DERIVED_RANK; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

int
bp_derived_has_k(enum bp_derived_kind kind)
{
	return kind <= BP_DERIVED_RANK;
}

int
bp_derived_has_src(enum bp_derived_kind kind)
{
	return kind <= BP_DERIVED_RANK;
}

int
bp_derived_kmin(enum bp_derived_kind kind)
{
	switch (kind) {
	case BP_DERIVED_STD:
	case BP_DERIVED_ZSCORE:
		return 2;
	default:
		return 1;
	}
}

int
bp_derived_lookback(enum bp_derived_kind kind, int k)
{
	switch (kind) {
	case BP_DERIVED_RET:
	case BP_DERIVED_LOGRET:
	case BP_DERIVED_LAG:
		return k;
	case BP_DERIVED_MEAN:
	case BP_DERIVED_STD:
	case BP_DERIVED_ZSCORE:
	case BP_DERIVED_MIN:
	case BP_DERIVED_MAX:
	case BP_DERIVED_RANK:
		return k - 1;
	default:
		return 0;
	}
}

size_t
bp_derived_colname(char *buf, size_t n, enum bp_derived_kind kind, int k,
		   const char *src)
{
	int len;
	int isclose = !src || strcmp(src, "close") == 0;

	switch (kind) {
	case BP_DERIVED_RET:
	case BP_DERIVED_LOGRET:
		if (isclose)
			len = snprintf(buf, n, "%s_%d", kind_names[kind], k);
		else
			len = snprintf(buf, n, "%s_%s_%d", src,
				       kind_names[kind], k);
		break;
	case BP_DERIVED_LAG:
	case BP_DERIVED_MEAN:
	case BP_DERIVED_STD:
	case BP_DERIVED_ZSCORE:
	case BP_DERIVED_MIN:
	case BP_DERIVED_MAX:
	case BP_DERIVED_RANK:
		len = snprintf(buf, n, "%s_%s_%d", src ? src : "close",
			       kind_names[kind], k);
		break;
	default:
		len = snprintf(buf, n, "%s", kind_names[kind]);
		break;
	}
	if (len < 0)
		len = 0;
	return (size_t)len < n ? (size_t)len : n - 1;
}

struct bp_derived *
bp_derived_new(enum bp_derived_kind kind, int k)
{
	struct bp_derived *d = bp_xcalloc(1, sizeof(*d));

	d->kind = kind;
	d->k = k;
	switch (kind) {
	case BP_DERIVED_RET:
	case BP_DERIVED_LOGRET:
	case BP_DERIVED_LAG:
		d->n = k + 1;
		break;
	case BP_DERIVED_MEAN:
	case BP_DERIVED_STD:
	case BP_DERIVED_ZSCORE:
	case BP_DERIVED_MIN:
	case BP_DERIVED_MAX:
	case BP_DERIVED_RANK:
		d->n = k;
		break;
	default:
		d->n = 0;
		break;
	}
	if (d->n)
		d->ring = bp_xcalloc((size_t)d->n, sizeof(double));
	return d;
}

void
bp_derived_free(struct bp_derived **dp)
{
	if (!*dp)
		return;
	free((*dp)->ring);
	free(*dp);
	*dp = NULL;
}

void
bp_derived_reset(struct bp_derived *d)
{
	d->pos = 0;
	d->count = 0;
}

/* Window statistic over the ring (all n slots hold values). */
static double
rolling(const struct bp_derived *d, double x)
{
	const double *w = d->ring;
	int n = d->n;
	double s = 0.0, m, ss = 0.0, sd, v;
	double lt = 0, eq = 0;

	switch (d->kind) {
	case BP_DERIVED_MIN:
		v = w[0];
		for (int i = 1; i < n; i++)
			if (w[i] < v)
				v = w[i];
		return v;
	case BP_DERIVED_MAX:
		v = w[0];
		for (int i = 1; i < n; i++)
			if (w[i] > v)
				v = w[i];
		return v;
	case BP_DERIVED_RANK:
		for (int i = 0; i < n; i++) {
			if (w[i] < x)
				lt++;
			else if (w[i] == x)
				eq++;
		}
		/* average of the ranks lt+1 .. lt+eq, over n */
		return (lt + (eq + 1.0) / 2.0) / n;
	default:
		break;
	}
	/* a constant window: exactly its value and a deviation of 0 (a sum
	 * and division could be an ulp off and make a tiny noise std) */
	for (int i = 1; i < n && w[i] == w[0]; i++)
		if (i == n - 1)
			return d->kind == BP_DERIVED_MEAN ? w[0] :
			       d->kind == BP_DERIVED_STD ? 0.0 : NAN;
	for (int i = 0; i < n; i++)
		s += w[i];
	m = s / n;
	if (d->kind == BP_DERIVED_MEAN)
		return m;
	for (int i = 0; i < n; i++)
		ss += (w[i] - m) * (w[i] - m);
	sd = sqrt(ss / (n - 1));
	if (d->kind == BP_DERIVED_STD)
		return sd;
	return sd > 0.0 ? (x - m) / sd : NAN;	/* zscore */
}

static void
civil(int64_t ts, int64_t *days, unsigned *month, int *hour)
{
	int64_t z = ts >= 0 ? ts / DAY_MS : -((-ts + DAY_MS - 1) / DAY_MS);
	int64_t y;
	unsigned m, dd;

	*days = z;
	*hour = (int)((ts - z * DAY_MS) / 3600000);
	bp_ts_civil_from_days(z, &y, &m, &dd);
	*month = m;
}

double
bp_derived_step(struct bp_derived *d, int64_t ts, double x, const double *bar)
{
	double o, h, l, c, r, old;
	int64_t days;
	unsigned month;
	int hour;

	switch (d->kind) {
	case BP_DERIVED_RANGE:
	case BP_DERIVED_BODY:
	case BP_DERIVED_UPPER_WICK:
	case BP_DERIVED_LOWER_WICK:
		o = bar[BP_TA_OPEN];
		h = bar[BP_TA_HIGH];
		l = bar[BP_TA_LOW];
		c = bar[BP_TA_CLOSE];
		r = h - l;
		if (d->kind == BP_DERIVED_RANGE)
			return c != 0.0 ? r / c : NAN;
		if (!(r > 0.0))
			return NAN;
		if (d->kind == BP_DERIVED_BODY)
			return (c - o) / r;
		if (d->kind == BP_DERIVED_UPPER_WICK)
			return (h - (o > c ? o : c)) / r;
		return ((o < c ? o : c) - l) / r;
	case BP_DERIVED_HOUR:
	case BP_DERIVED_WEEKDAY:
	case BP_DERIVED_MONTH:
		civil(ts, &days, &month, &hour);
		if (d->kind == BP_DERIVED_HOUR)
			return hour;
		if (d->kind == BP_DERIVED_MONTH)
			return month;
		/* 1970-01-01 was a Thursday (3 with Monday = 0) */
		return (double)(((days % 7) + 7 + 3) % 7);
	default:
		break;
	}
	if (isnan(x))
		return NAN;
	d->ring[d->pos] = x;
	if (++d->pos == d->n)
		d->pos = 0;
	d->count++;
	if (d->count < d->n)
		return NAN;
	switch (d->kind) {
	case BP_DERIVED_RET:
	case BP_DERIVED_LOGRET:
	case BP_DERIVED_LAG:
		old = d->ring[d->pos];	/* k bars back */
		if (d->kind == BP_DERIVED_LAG)
			return old;
		if (d->kind == BP_DERIVED_RET)
			return old != 0.0 ? x / old - 1.0 : NAN;
		return (old > 0.0 && x > 0.0) ? log(x / old) : NAN;
	default:
		return rolling(d, x);
	}
}
