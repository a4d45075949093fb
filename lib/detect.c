/*
 * detect: ADWIN, Page-Hinkley and CUSUM change detectors over streams.
 * The formulas and their sources are in detect.h.
 */
#include "detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ADWIN_LEVELS 64		/* bucket sizes 2^0 .. 2^63 */
#define ADWIN_MAX_M 64
#define ADWIN_MIN_WINDOW 5	/* shortest sub-window tested */
#define PH_MIN_INSTANCES 30

static const char *const method_names[] = {
	"adwin", "page-hinkley", "cusum",
};

const char *
bp_detect_method_name(enum bp_detect_method m)
{
	return (unsigned)m < BP_ARRAY_SIZE(method_names) ? method_names[m]
							  : "?";
}

void
bp_detect_params_init(struct bp_detect_params *p, enum bp_detect_method m)
{
	memset(p, 0, sizeof(*p));
	p->method = m;
	p->delta = NAN;
	p->lambda = NAN;
	p->alpha = NAN;
	p->threshold = NAN;
}

/* A bucket: the sum of its 2^level values and their squared deviations. */
struct bucket {
	double total;
	double var;
};

struct bp_detector {
	struct bp_detect_params p;
	uint64_t n;			/* values fed since creation */
	/* ADWIN */
	struct bucket *lv;		/* [level][M + 1], 0 the oldest */
	int cnt[ADWIN_LEVELS];
	int top;			/* highest level in use + 1 */
	uint64_t width;
	double total, var;		/* window sum, squared deviations */
	int tick;
	/* Page-Hinkley */
	uint64_t ph_n;
	double ph_mean, up, up_min, dn, dn_max;
	/* CUSUM */
	uint64_t cu_n;
	double cu_mean, cu_m2, mu0, sd0, sp, sn;
};

struct bp_detector *
bp_detector_new(const struct bp_detect_params *p)
{
	struct bp_detector *d = bp_xcalloc(1, sizeof(*d));

	d->p = *p;
	switch (p->method) {
	case BP_DETECT_ADWIN:
		if (isnan(d->p.delta))
			d->p.delta = 0.002;
		if (d->p.clock <= 0)
			d->p.clock = 32;
		if (d->p.max_buckets <= 0)
			d->p.max_buckets = 5;
		if (d->p.max_buckets > ADWIN_MAX_M)
			d->p.max_buckets = ADWIN_MAX_M;
		d->lv = bp_xcalloc((size_t)ADWIN_LEVELS *
				   (d->p.max_buckets + 1),
				   sizeof(*d->lv));
		break;
	case BP_DETECT_PAGE_HINKLEY:
		if (isnan(d->p.delta))
			d->p.delta = 0.005;
		if (isnan(d->p.lambda))
			d->p.lambda = 50;
		if (isnan(d->p.alpha))
			d->p.alpha = 1 - 0.0001;
		break;
	case BP_DETECT_CUSUM:
		if (isnan(d->p.delta))
			d->p.delta = 0.5;
		if (isnan(d->p.threshold))
			d->p.threshold = 8;
		if (d->p.warmup <= 1)
			d->p.warmup = 200;
		break;
	}
	return d;
}

void
bp_detector_free(struct bp_detector **dp)
{
	if (!*dp)
		return;
	free((*dp)->lv);
	free(*dp);
	*dp = NULL;
}

uint64_t
bp_detector_width(const struct bp_detector *d)
{
	return d->width;
}

int
bp_detector_buckets(const struct bp_detector *d)
{
	int n = 0;

	for (int i = 0; i < d->top; i++)
		n += d->cnt[i];
	return n;
}

/* ---- ADWIN --------------------------------------------------------------- */

/* The buckets of size 2^i, oldest first. */
static struct bucket *
level(const struct bp_detector *d, int i)
{
	return d->lv + (size_t)i * (d->p.max_buckets + 1);
}

/* Squared deviations of two merged groups (Chan et al.'s update). */
static double
merge_var(double n1, double t1, double v1, double n2, double t2, double v2)
{
	double d = t1 / n1 - t2 / n2;

	return v1 + v2 + n1 * n2 / (n1 + n2) * d * d;
}

static void
adwin_insert(struct bp_detector *d, double x)
{
	int M = d->p.max_buckets;

	if (d->width > 0) {
		double mean = d->total / (double)d->width;

		d->var += (double)d->width / (double)(d->width + 1) *
			  (x - mean) * (x - mean);
	}
	d->width++;
	d->total += x;
	level(d, 0)[d->cnt[0]].total = x;
	level(d, 0)[d->cnt[0]].var = 0;
	d->cnt[0]++;
	if (d->top == 0)
		d->top = 1;
	/* compress: M + 1 buckets of one size merge their two oldest */
	for (int i = 0; i < ADWIN_LEVELS - 1 && d->cnt[i] > M; i++) {
		struct bucket *b = level(d, i), *nb = level(d, i + 1);
		double sz = ldexp(1.0, i);

		nb[d->cnt[i + 1]].total = b[0].total + b[1].total;
		nb[d->cnt[i + 1]].var = merge_var(sz, b[0].total, b[0].var, sz,
						  b[1].total, b[1].var);
		d->cnt[i + 1]++;
		memmove(&b[0], &b[2], (d->cnt[i] - 2) * sizeof(*b));
		d->cnt[i] -= 2;
		if (i + 2 > d->top)
			d->top = i + 2;
	}
}

/* Drop the oldest bucket. */
static void
adwin_drop_oldest(struct bp_detector *d)
{
	int i = d->top - 1;
	struct bucket b = level(d, i)[0];
	double sz = ldexp(1.0, i), rest = (double)d->width - sz;

	memmove(&level(d, i)[0], &level(d, i)[1],
		(d->cnt[i] - 1) * sizeof(b));
	d->cnt[i]--;
	while (d->top > 0 && d->cnt[d->top - 1] == 0)
		d->top--;
	if (rest > 0) {
		double dm = b.total / sz - (d->total - b.total) / rest;

		d->var -= b.var + sz * rest / (sz + rest) * dm * dm;
		if (d->var < 0)
			d->var = 0;
	} else {
		d->var = 0;
	}
	d->width -= (uint64_t)sz;
	d->total -= b.total;
}

struct split {
	double n0, s0;		/* older sub-window W0: size and sum */
	double diff, eps;	/* mean0 - mean1 and the cut bound */
};

/*
 * Test the splits of the window at bucket boundaries, oldest first, for
 * |mean0 - mean1| > eps_cut.  Returns 1 at the first split that shows a
 * change; with best, scans them all and reports in *out the most
 * significant one (largest |diff| / eps), the estimate of where it was.
 */
static int
adwin_scan(const struct bp_detector *d, int best, struct split *out)
{
	double n0 = 0, s0 = 0, W = (double)d->width, var = d->var / W, dd;
	double ratio = 0;
	int cut = 0;

	if (d->width < 2 * ADWIN_MIN_WINDOW || d->top == 0)
		return 0;
	dd = log(2 * log(W) / d->p.delta);
	for (int i = d->top - 1; i >= 0; i--) {
		double sz = ldexp(1.0, i);

		for (int j = 0; j < d->cnt[i]; j++) {
			double n1, m, diff, eps;

			n0 += sz;
			s0 += level(d, i)[j].total;
			n1 = W - n0;
			if (n1 < ADWIN_MIN_WINDOW)
				return cut;
			if (n0 < ADWIN_MIN_WINDOW)
				continue;
			diff = s0 / n0 - (d->total - s0) / n1;
			m = 1 / (n0 - ADWIN_MIN_WINDOW + 1) +
			    1 / (n1 - ADWIN_MIN_WINDOW + 1);
			eps = sqrt(2 * m * var * dd) + 2.0 / 3 * dd * m;
			if (fabs(diff) > eps && fabs(diff) / eps > ratio) {
				cut = 1;
				ratio = fabs(diff) / eps;
				out->n0 = n0;
				out->s0 = s0;
				out->diff = diff;
				out->eps = eps;
				if (!best)
					return 1;
			}
		}
	}
	return cut;
}

/*
 * Drop the oldest bucket while some split shows a change.  Returns 1 on a
 * change, with the event describing the most significant split.
 */
static int
adwin_check(struct bp_detector *d, struct bp_detect_event *ev)
{
	struct split sp;

	if (!adwin_scan(d, 0, &sp))
		return 0;
	if (ev) {
		adwin_scan(d, 1, &sp);
		ev->stat = fabs(sp.diff);
		ev->bound = sp.eps;
		ev->up = sp.diff < 0;
		ev->mean_before = sp.s0 / sp.n0;
		ev->mean_after = (d->total - sp.s0) /
				 ((double)d->width - sp.n0);
	}
	do
		adwin_drop_oldest(d);
	while (adwin_scan(d, 0, &sp));
	if (ev)
		ev->width = (double)d->width;
	return 1;
}

static int
adwin_update(struct bp_detector *d, double x, struct bp_detect_event *ev)
{
	adwin_insert(d, x);
	if (++d->tick < d->p.clock)
		return 0;
	d->tick = 0;
	return adwin_check(d, ev);
}

/* ---- Page-Hinkley -------------------------------------------------------- */

static void
ph_reset(struct bp_detector *d)
{
	d->ph_n = 0;
	d->ph_mean = d->up = d->up_min = d->dn = d->dn_max = 0;
}

static int
ph_update(struct bp_detector *d, double x, struct bp_detect_event *ev)
{
	double dev, su, sd;

	d->ph_n++;
	d->ph_mean += (x - d->ph_mean) / (double)d->ph_n;
	dev = x - d->ph_mean;
	d->up = d->p.alpha * d->up + dev - d->p.delta;
	d->dn = d->p.alpha * d->dn + dev + d->p.delta;
	if (d->up < d->up_min)
		d->up_min = d->up;
	if (d->dn > d->dn_max)
		d->dn_max = d->dn;
	su = d->up - d->up_min;
	sd = d->dn_max - d->dn;
	if (d->ph_n < PH_MIN_INSTANCES || (su <= d->p.lambda &&
					   sd <= d->p.lambda))
		return 0;
	if (ev) {
		ev->up = su > d->p.lambda;
		ev->stat = ev->up ? su : sd;
		ev->bound = d->p.lambda;
		ev->mean_before = d->ph_mean;
		ev->mean_after = NAN;
		ev->width = NAN;
	}
	ph_reset(d);
	return 1;
}

/* ---- CUSUM --------------------------------------------------------------- */

static int
cusum_update(struct bp_detector *d, double x, struct bp_detect_event *ev)
{
	double z, k = d->p.delta, h = d->p.threshold;

	if (d->cu_n < (uint64_t)d->p.warmup) {
		/* Welford's running mean and squared deviations */
		double dx = x - d->cu_mean;

		d->cu_n++;
		d->cu_mean += dx / (double)d->cu_n;
		d->cu_m2 += dx * (x - d->cu_mean);
		if (d->cu_n == (uint64_t)d->p.warmup) {
			d->mu0 = d->cu_mean;
			d->sd0 = sqrt(d->cu_m2 / (double)(d->cu_n - 1));
			d->sp = d->sn = 0;
		}
		return 0;
	}
	if (d->sd0 > 0)
		z = (x - d->mu0) / d->sd0;
	else
		z = x == d->mu0 ? 0 : copysign(INFINITY, x - d->mu0);
	d->sp = fmax(0, d->sp + z - k);
	d->sn = fmax(0, d->sn - z - k);
	if (d->sp <= h && d->sn <= h)
		return 0;
	if (ev) {
		ev->up = d->sp > h;
		ev->stat = ev->up ? d->sp : d->sn;
		ev->bound = h;
		ev->mean_before = d->mu0;
		ev->mean_after = NAN;
		ev->width = NAN;
	}
	d->cu_n = 0;
	d->cu_mean = d->cu_m2 = 0;
	d->sp = d->sn = 0;
	return 1;
}

int
bp_detector_update(struct bp_detector *d, double x, struct bp_detect_event *ev)
{
	int hit = 0;

	d->n++;
	switch (d->p.method) {
	case BP_DETECT_ADWIN:
		hit = adwin_update(d, x, ev);
		break;
	case BP_DETECT_PAGE_HINKLEY:
		hit = ph_update(d, x, ev);
		break;
	case BP_DETECT_CUSUM:
		hit = cusum_update(d, x, ev);
		break;
	}
	if (hit && ev)
		ev->n = d->n;
	return hit;
}

/* ---- over a stream ------------------------------------------------------- */

struct series {
	char *symbol;
	struct bp_detector *d;
};

struct series_map {
	struct series *s;
	size_t n, alloc;
	size_t last;
};

static struct bp_detector *
series_get(struct series_map *m, const struct bp_detect_params *p,
	   const char *sym, size_t len)
{
	size_t lo = 0, hi = m->n;

	if (m->last < m->n && strlen(m->s[m->last].symbol) == len &&
	    !memcmp(m->s[m->last].symbol, sym, len))
		return m->s[m->last].d;
	/* sorted by symbol: binary search, insert when new */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(m->s[mid].symbol, sym, len);

		if (c == 0 && m->s[mid].symbol[len])
			c = 1;
		if (c == 0) {
			m->last = mid;
			return m->s[mid].d;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	BP_GROW(m->s, m->alloc, m->n + 1);
	memmove(&m->s[lo + 1], &m->s[lo], (m->n - lo) * sizeof(*m->s));
	m->s[lo].symbol = bp_xstrndup(sym, len);
	m->s[lo].d = bp_detector_new(p);
	m->n++;
	m->last = lo;
	return m->s[lo].d;
}

static void
write_event(struct bp_writer *w, const struct bp_detect_opts *o,
	    const struct bp_row *row, int its, int isym, double x,
	    const struct bp_detect_event *ev)
{
	bp_writer_begin(w);
	if (its >= 0)
		bp_writer_copy_field(w, row, its);
	else
		bp_writer_null(w, "ts");
	if (isym >= 0)
		bp_writer_copy_field(w, row, isym);
	else
		bp_writer_null(w, "symbol");
	bp_writer_str(w, "column", o->column);
	bp_writer_num(w, "value", x);
	bp_writer_str(w, "method", bp_detect_method_name(o->params.method));
	bp_writer_int(w, "n", (int64_t)ev->n);
	bp_writer_str(w, "direction", ev->up ? "up" : "down");
	bp_writer_num(w, "stat", ev->stat);
	bp_writer_num(w, "bound", ev->bound);
	bp_writer_num(w, "mean_before", ev->mean_before);
	bp_writer_num(w, "mean_after", ev->mean_after);
	bp_writer_num(w, "width", ev->width);
}

long
bp_detect_stream(const struct bp_detect_opts *o, struct bp_reader *r,
		 struct bp_writer *w)
{
	struct series_map map = { NULL, 0, 0, 0 };
	struct bp_row row = BP_ROW_INIT;
	struct bp_buf flag = BP_BUF_INIT;
	int hcol = -1, hts = -1, hsym = -1, rc;
	long hits = 0;

	bp_buf_addf(&flag, "drift_%s", o->column);
	while ((rc = bp_reader_next(r, &row)) > 0) {
		int ic = bp_row_find(&row, o->column, &hcol);
		int its = bp_row_find(&row, "ts", &hts);
		int isym = bp_row_find(&row, "symbol", &hsym);
		struct bp_detect_event ev;
		int hit = 0;
		double x = NAN;

		if (ic >= 0 && row.f[ic].type != BP_NULL &&
		    bp_field_num(&row.f[ic], &x) < 0) {
			bp_error("%s:%ld: '%s' is not a number",
				 bp_reader_name(r), row.lineno, o->column);
			rc = -1;
			break;
		}
		if (!isnan(x)) {
			const char *sym = "";
			size_t len = 0;
			struct bp_detector *d;

			if (isym >= 0 && row.f[isym].type == BP_STR) {
				sym = row.f[isym].str;
				len = row.f[isym].len;
			}
			d = series_get(&map, &o->params, sym, len);
			hit = bp_detector_update(d, x, &ev);
		}
		hits += hit;
		if (o->annotate) {
			bp_writer_begin(w);
			for (size_t i = 0; i < row.n; i++)
				if (strcmp(row.f[i].key, flag.s))
					bp_writer_copy_field(w, &row, i);
			bp_writer_bool(w, flag.s, hit);
		} else if (hit) {
			write_event(w, o, &row, its, isym, x, &ev);
		} else {
			continue;
		}
		if (bp_writer_end(w) < 0) {
			rc = -1;
			break;
		}
	}
	for (size_t i = 0; i < map.n; i++) {
		free(map.s[i].symbol);
		bp_detector_free(&map.s[i].d);
	}
	free(map.s);
	bp_row_release(&row);
	bp_buf_release(&flag);
	return rc < 0 ? -1 : hits;
}
