/*
 * labels: a per-symbol ring of the rows whose labels are still unknown.
 *
 * Each new row ages the pending rows by one bar and settles what it can:
 * fixed-horizon labels at exactly h bars, triple barriers at the first
 * touch or at h.  A row leaves the ring once all its labels are settled,
 * which happens at the latest h_max bars later, so the ring never holds
 * more than h_max + 1 rows.
 */
#include "labels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derived.h"
#include "ta.h"
#include "util.h"

static const char *const kind_names[] = { "ret", "logret", "up", "tb" };

struct pend {
	void *row;
	int64_t ts;
	double close;
	int age;		/* bars seen since the row */
	int left;		/* labels not settled */
	unsigned char *done;	/* per def */
	double *up, *dn;	/* per def: tb barriers */
};

struct vol {
	struct bp_ta_atr atr;
	struct bp_derived *ret, *std;
};

struct bp_labeler {
	const struct bp_label_def *defs;
	size_t n;
	int cap, head, count;
	struct pend *ring;
	struct vol *vol;	/* per def (tb only) */
};

int
bp_label_kind_find(const char *name)
{
	for (size_t i = 0; i < BP_ARRAY_SIZE(kind_names); i++)
		if (strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
bp_label_kind_name(enum bp_label_kind kind)
{
	return kind_names[kind];
}

char *
bp_label_default_name(const struct bp_label_def *def)
{
	struct bp_buf b = BP_BUF_INIT;

	switch (def->kind) {
	case BP_LABEL_RET:
	case BP_LABEL_LOGRET:
		bp_buf_addf(&b, "label_%s_%d", kind_names[def->kind],
			    def->horizon);
		break;
	case BP_LABEL_UP:
		bp_buf_adds(&b, "label_up");
		break;
	case BP_LABEL_TB:
		bp_buf_adds(&b, "label_tb");
		break;
	}
	return bp_buf_detach(&b, NULL);
}

void
bp_label_defaults(struct bp_label_def *def, enum bp_label_kind kind)
{
	memset(def, 0, sizeof(*def));
	def->kind = kind;
	def->horizon = kind == BP_LABEL_TB ? 10 : 1;
	def->deadzone = 0.0;
	def->tp = 1.0;
	def->sl = 1.0;
	def->vol = BP_LABEL_VOL_ATR;
	def->window = 14;
	def->touch_close = 0;
}

int
bp_label_nvalues(const struct bp_label_def *def)
{
	return def->kind == BP_LABEL_TB ? 2 : 1;
}

struct bp_labeler *
bp_labeler_new(const struct bp_label_def *defs, size_t n)
{
	struct bp_labeler *lb = bp_xcalloc(1, sizeof(*lb));
	int hmax = 1;

	lb->defs = defs;
	lb->n = n;
	for (size_t d = 0; d < n; d++)
		if (defs[d].horizon > hmax)
			hmax = defs[d].horizon;
	lb->cap = hmax + 1;
	lb->ring = bp_xcalloc((size_t)lb->cap, sizeof(*lb->ring));
	for (int i = 0; i < lb->cap; i++) {
		lb->ring[i].done = bp_xcalloc(n ? n : 1, 1);
		lb->ring[i].up = bp_xcalloc(n ? n : 1, sizeof(double));
		lb->ring[i].dn = bp_xcalloc(n ? n : 1, sizeof(double));
	}
	lb->vol = bp_xcalloc(n ? n : 1, sizeof(*lb->vol));
	for (size_t d = 0; d < n; d++) {
		if (defs[d].kind != BP_LABEL_TB)
			continue;
		bp_ta_atr_init(&lb->vol[d].atr, defs[d].window);
		lb->vol[d].ret = bp_derived_new(BP_DERIVED_RET, 1);
		lb->vol[d].std = bp_derived_new(BP_DERIVED_STD,
						defs[d].window);
	}
	return lb;
}

void
bp_labeler_free(struct bp_labeler **lbp)
{
	struct bp_labeler *lb = *lbp;

	if (!lb)
		return;
	for (int i = 0; i < lb->cap; i++) {
		free(lb->ring[i].done);
		free(lb->ring[i].up);
		free(lb->ring[i].dn);
	}
	for (size_t d = 0; d < lb->n; d++) {
		bp_derived_free(&lb->vol[d].ret);
		bp_derived_free(&lb->vol[d].std);
	}
	free(lb->vol);
	free(lb->ring);
	free(lb);
	*lbp = NULL;
}

static void
settle(struct bp_labeler *lb, struct pend *p, size_t d, double v,
       double bars, int64_t end, bp_label_fn fn, void *ctx)
{
	p->done[d] = 1;
	p->left--;
	if (isnan(v)) {
		bars = NAN;
		end = INT64_MIN;
	}
	if (p->row)
		fn(ctx, p->row, d, v, bars, end);
	(void)lb;
}

/* The fixed-horizon value from the entry and exit closes. */
static double
fixed_value(const struct bp_label_def *def, double c0, double c1)
{
	double r;

	if (isnan(c0) || isnan(c1) || c0 == 0.0)
		return NAN;
	switch (def->kind) {
	case BP_LABEL_RET:
		return c1 / c0 - 1.0;
	case BP_LABEL_LOGRET:
		return (c0 > 0.0 && c1 > 0.0) ? log(c1 / c0) : NAN;
	case BP_LABEL_UP:
		r = c1 / c0 - 1.0;
		if (r > def->deadzone)
			return 1.0;
		if (r < -def->deadzone)
			return 0.0;
		return NAN;
	default:
		return NAN;
	}
}

/* Settle what the new bar settles for pending row p. */
static void
age_row(struct bp_labeler *lb, struct pend *p, int64_t ts, double high,
	double low, double close, bp_label_fn fn, void *ctx)
{
	p->age++;
	for (size_t d = 0; d < lb->n; d++) {
		const struct bp_label_def *def = &lb->defs[d];
		double hi, lo;

		if (p->done[d])
			continue;
		if (def->kind != BP_LABEL_TB) {
			if (p->age == def->horizon)
				settle(lb, p, d, fixed_value(def, p->close,
							     close),
				       NAN, ts, fn, ctx);
			continue;
		}
		hi = def->touch_close ? close : high;
		lo = def->touch_close ? close : low;
		if (!isnan(lo) && lo <= p->dn[d])
			settle(lb, p, d, -1.0, p->age, ts, fn, ctx);
		else if (!isnan(hi) && hi >= p->up[d])
			settle(lb, p, d, 1.0, p->age, ts, fn, ctx);
		else if (p->age == def->horizon)
			settle(lb, p, d, 0.0, p->age, ts, fn, ctx);
	}
}

void
bp_labeler_push(struct bp_labeler *lb, void *row, int64_t ts, double high,
		double low, double close, bp_label_fn fn, void *ctx)
{
	struct pend *p;
	int have_bar = !isnan(high) && !isnan(low) && !isnan(close);

	for (int i = 0; i < lb->count; i++)
		age_row(lb, &lb->ring[(lb->head + i) % lb->cap], ts, high, low,
			close, fn, ctx);
	while (lb->count > 0 && lb->ring[lb->head].left == 0) {
		lb->head = (lb->head + 1) % lb->cap;
		lb->count--;
	}
	/* an unsettled row older than the largest horizon cannot exist */
	if (lb->count == lb->cap) {
		lb->head = (lb->head + 1) % lb->cap;
		lb->count--;
	}
	p = &lb->ring[(lb->head + lb->count) % lb->cap];
	lb->count++;
	p->row = row;
	p->ts = ts;
	p->close = close;
	p->age = 0;
	p->left = (int)lb->n;
	memset(p->done, 0, lb->n);
	for (size_t d = 0; d < lb->n; d++) {
		const struct bp_label_def *def = &lb->defs[d];
		struct vol *v = &lb->vol[d];
		double w = NAN, r;

		if (def->kind != BP_LABEL_TB) {
			if (isnan(close))
				settle(lb, p, d, NAN, NAN, 0, fn, ctx);
			continue;
		}
		if (def->vol == BP_LABEL_VOL_ATR) {
			if (have_bar)
				w = bp_ta_atr_step(&v->atr, high, low, close);
		} else {
			r = bp_derived_step(v->ret, ts, close, NULL);
			w = bp_derived_step(v->std, ts, r, NULL) * close;
		}
		if (isnan(close) || isnan(w)) {
			settle(lb, p, d, NAN, NAN, 0, fn, ctx);
			continue;
		}
		p->up[d] = close + def->tp * w;
		p->dn[d] = close - def->sl * w;
	}
	if (p->left == 0) {
		/* nothing to wait for: drop it again (it is the newest) */
		lb->count--;
	}
}
