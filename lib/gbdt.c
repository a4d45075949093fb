/*
 * gbdt: histogram gradient boosting (see gbdt.h for the method).
 *
 * Shapes: x (n, k) row-major doubles; bins (n, k) row-major bytes, bin
 * 255 holding nulls and 0..nb[j]-1 the values of feature j; cut (k, 256)
 * the bins' lower edges (see "binning"); a histogram is (k, 256) cells
 * of (sum g, sum h, rows); F (n, K) raw
 * scores with K = 1 or the number of classes; gh (n, K, 2) gradients and
 * hessians.
 *
 * The trained model is kept flat for prediction: 16-byte nodes whose two
 * children are adjacent, so one step is i = left + (goes right).
 */
#include "gbdt.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "model-internal.h"

#define NB 256			/* cells per feature histogram */
#define MISSING 255		/* the null bin */
#define ROW_BLOCK 16384		/* rows per task in row-parallel loops */
#define HESS_MIN 1e-16
#define PREFETCH 24		/* rows ahead to fetch in histogram loops */
#if defined(__GNUC__)
#define PREFETCH_READ(p) __builtin_prefetch((p), 0, 3)
#else
#define PREFETCH_READ(p) ((void)(p))
#endif
#define DLEFT_BIT 0x80000000u	/* in pnode.l: nulls go left */

/* ---- the trained model -------------------------------------------------- */

/*
 * f >= 0: split on x[f] at t, children at (l & ~DLEFT_BIT) and that + 1,
 * DLEFT_BIT set in l sends nulls left; f < 0: a leaf of value t.
 */
struct pnode {
	double t;
	int32_t f;
	uint32_t l;
};

struct bp_gbdt {
	enum bp_task task;
	size_t K;		/* outputs of the raw score: 1 or classes */
	size_t k;		/* features */
	double base[BP_MODEL_MAX_CLASSES];
	size_t ntrees;
	size_t *start;		/* (ntrees + 1) first node of each tree */
	struct pnode *nodes;
	size_t nnodes, nodealloc, treealloc;
	int rounds, best_round;
	/*
	 * The same trees, compiled for prediction when every tree is at most
	 * COMPLETE_MAX deep: each tree padded to a complete tree of its depth
	 * d in heap order (children of i at 2i+1 and 2i+2), so a row takes
	 * exactly d branch-free steps.  Padding nodes always go left.
	 */
	int complete;
	struct cnode *cn;	/* internal nodes of every tree */
	double *leaf;		/* leaves of every tree */
	size_t *cstart, *lstart;	/* (ntrees) offsets */
	int *depth;		/* (ntrees) */
	/*
	 * The complete trees once more with thresholds as ranks, for batch
	 * prediction: a row's feature j becomes q = the number of feature
	 * j's split thresholds below x (x <= t_r  <=>  q <= r), a null q = 0
	 * where it goes left and QNULL_RIGHT where it goes right, so that a
	 * step compares two small integers.
	 */
	int quant;
	struct qnode *qn;	/* parallel to cn */
	double *qt;		/* thresholds of each feature, sorted */
	size_t *qoff;		/* (k + 1) feature j: qt[qoff[j]..qoff[j+1]) */
};

#define QNULL_RIGHT 0xffff

/* fi < k: the row's q with nulls left; k + j: nulls right */
struct qnode {
	uint16_t fi;
	uint16_t r;
};

#define COMPLETE_MAX 8
#define BATCH 64		/* rows predicted together */

struct cnode {
	double t;
	int32_t f;
	uint32_t dl;		/* 1: nulls go left */
};

static void compile(struct bp_gbdt *g);

/* ---- binning ---------------------------------------------------------- */

/*
 * The bins of a feature are XGBoost's (1.x, "hist"): its values are
 * rounded to single precision, as XGBoost stores them, and summarised by
 * its weighted quantile sketch (every row weighs 1), which is then pruned
 * to max_bin + 1 entries whose values, the smallest excepted, are the cuts:
 * a value v is in bin b when cut[b - 1] <= v < cut[b], so that every
 * distinct value has its own bin when there are at most max_bin of them.
 * The same rows, in the same order, give the same cuts as XGBoost and
 * hence the same trees.  A split after bin b is stored as the threshold
 * halfway between the largest training value of bins 0..b and the
 * smallest of bins b + 1.. (x <= threshold goes left), which sends every
 * training row the way its bin went.
 */
struct binning {
	size_t k;
	int *nb;		/* (k) value bins */
	float *cut;		/* (k, NB) cut[b]: lower edge of bin b + 1 */
	double *thr;		/* (k, NB) threshold of a split after bin b */
	double *below;		/* (k) a threshold below every value */
};

/*
 * The weighted quantile summary of Chen and Guestrin ("XGBoost", 2016,
 * appendix), with ranks in single precision as XGBoost keeps them: each
 * entry is a value with bounds on the total weight of the values below
 * it (rmin) and up to it (rmax) and its own weight (wmin).
 */
struct qentry {
	float rmin, rmax, wmin, v;
};

struct summary {
	struct qentry *e;
	size_t n;
};

/* the exact summary of n (value, weight) pairs sorted by value */
static void
summary_exact(struct summary *s, const uint64_t *q, size_t n)
{
	float wsum = 0;

	s->n = 0;
	for (size_t i = 0; i < n;) {
		uint32_t u = (uint32_t)(q[i] >> 32), wb;
		float v, w = 0;
		size_t j = i;

		for (; j < n && (uint32_t)(q[j] >> 32) == u; j++) {
			float wj;

			wb = (uint32_t)q[j];
			memcpy(&wj, &wb, sizeof(wj));
			w += wj;
		}
		u = u & 0x80000000u ? u & ~0x80000000u : ~u;
		memcpy(&v, &u, sizeof(v));
		s->e[s->n++] = (struct qentry){ wsum, wsum + w, w, v };
		wsum += w;
		i = j;
	}
}

static void
summary_copy(struct summary *dst, const struct summary *src)
{
	memcpy(dst->e, src->e, src->n * sizeof(*src->e));
	dst->n = src->n;
}

/*
 * dst: at most maxsize entries of src, the first and the last and those
 * nearest to maxsize - 1 evenly spaced ranks in between.
 */
static void
summary_prune(struct summary *dst, const struct summary *src, size_t maxsize)
{
	const struct qentry *e = src->e;
	size_t n = maxsize - 1, i = 1, last = 0;
	float begin, range;

	if (src->n <= maxsize) {
		summary_copy(dst, src);
		return;
	}
	begin = e[0].rmax;
	range = e[src->n - 1].rmin - e[0].rmax;
	dst->e[0] = e[0];
	dst->n = 1;
	for (size_t r = 1; r < n; r++) {
		float d2 = 2 * ((float)r * range / (float)n + begin);

		/* the first i with d2 below twice the middle rank of i + 1 */
		while (i < src->n - 1 && d2 >= e[i + 1].rmax + e[i + 1].rmin)
			i++;
		if (i >= src->n - 1)
			break;
		if (d2 < (e[i].rmin + e[i].wmin) +
		    (e[i + 1].rmax - e[i + 1].wmin)) {
			if (i != last)
				dst->e[dst->n++] = e[last = i];
		} else if (i + 1 != last) {
			dst->e[dst->n++] = e[last = i + 1];
		}
	}
	if (last != src->n - 1)
		dst->e[dst->n++] = e[src->n - 1];
}

/* dst: the summary of the union of a's and b's values */
static void
summary_merge(struct summary *dst, const struct summary *a,
	      const struct summary *b)
{
	const struct qentry *p = a->e, *pe = a->e + a->n;
	const struct qentry *q = b->e, *qe = b->e + b->n;
	struct qentry *o = dst->e;
	float pnext = 0, qnext = 0, lo = 0, hi = 0;

	if (a->n == 0 || b->n == 0) {
		summary_copy(dst, a->n ? a : b);
		return;
	}
	while (p != pe && q != qe) {
		if (p->v == q->v) {
			*o++ = (struct qentry){ p->rmin + q->rmin,
						p->rmax + q->rmax,
						p->wmin + q->wmin, p->v };
			pnext = p->rmin + p->wmin;
			qnext = q->rmin + q->wmin;
			p++;
			q++;
		} else if (p->v < q->v) {
			*o++ = (struct qentry){ p->rmin + qnext,
						p->rmax + (q->rmax - q->wmin),
						p->wmin, p->v };
			pnext = p->rmin + p->wmin;
			p++;
		} else {
			*o++ = (struct qentry){ q->rmin + pnext,
						q->rmax + (p->rmax - p->wmin),
						q->wmin, q->v };
			qnext = q->rmin + q->wmin;
			q++;
		}
	}
	for (; p != pe; p++)
		*o++ = (struct qentry){ p->rmin + qnext, p->rmax + qe[-1].rmax,
					p->wmin, p->v };
	for (; q != qe; q++)
		*o++ = (struct qentry){ q->rmin + pnext, q->rmax + pe[-1].rmax,
					q->wmin, q->v };
	dst->n = (size_t)(o - dst->e);
	/* keep the bounds monotone and rmax >= rmin + wmin */
	for (size_t i = 0; i < dst->n; i++) {
		struct qentry *x = &dst->e[i];

		if (x->rmin < lo)
			x->rmin = lo;
		else
			lo = x->rmin;
		if (x->rmax < hi)
			x->rmax = hi;
		if (x->rmax < x->rmin + x->wmin)
			x->rmax = x->rmin + x->wmin;
		hi = x->rmax;
	}
}

/* float keys (top 32 bits, order-preserving) with 32 payload bits */
static uint64_t
float_key(float v, float w)
{
	uint32_t u, wb;

	memcpy(&u, &v, sizeof(u));
	memcpy(&wb, &w, sizeof(wb));
	u = u & 0x80000000u ? ~u : u | 0x80000000u;
	return (uint64_t)u << 32 | wb;
}

/* sort a (n) by the top 32 bits into b, LSD radix on 11-bit digits */
static void
radix_sort32(uint64_t *a, uint64_t *b, size_t n, size_t *cnt)
{
	for (int shift = 32; shift < 64; shift += 11) {
		size_t sum = 0;
		uint64_t *t;

		memset(cnt, 0, 2048 * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(a[i] >> shift) & 2047]++;
		for (size_t d = 0; d < 2048; d++) {
			size_t c = cnt[d];

			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[(a[i] >> shift) & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	/* three passes: the sorted keys end in the scratch buffer b */
}

/*
 * The sketch of one feature: values queue up (a run of equal values is
 * one weighted entry) until 2 limit entries are held; then their exact
 * summary, pruned to limit entries, climbs the levels, merging with each
 * full one on its way (the level keeps the merge when it still fits).
 */
struct sketch {
	size_t limit, nlevel;
	uint64_t *queue, *scratch;	/* (2 limit) float_key() pairs */
	size_t qcap, qtail;
	size_t *cnt;			/* (2048) radix counts */
	struct summary *level;		/* level[0] is scratch */
	struct summary temp, out;	/* (2 limit) */
};

static void
sketch_init(struct sketch *s, size_t maxn, double eps)
{
	size_t nlevel = 1, limit;

	memset(s, 0, sizeof(*s));
	for (;;) {
		limit = (size_t)ceil((double)nlevel / eps) + 1;
		if (limit > maxn)
			limit = maxn;
		if (((size_t)1 << nlevel) * limit >= maxn)
			break;
		nlevel++;
	}
	s->limit = limit ? limit : 1;
	s->queue = bp_xreallocarray(NULL, 4 * s->limit, sizeof(*s->queue));
	s->scratch = s->queue + 2 * s->limit;
	s->cnt = bp_xmalloc(2048 * sizeof(*s->cnt));
	s->qcap = 1;		/* one value held lazily, then 2 limit */
	s->temp.e = bp_xreallocarray(NULL, 4 * s->limit, sizeof(*s->temp.e));
	s->out.e = s->temp.e + 2 * s->limit;
}

static void
sketch_release(struct sketch *s)
{
	for (size_t l = 0; l < s->nlevel; l++)
		free(s->level[l].e);
	free(s->level);
	free(s->queue);
	free(s->cnt);
	free(s->temp.e);
}

/* the exact summary of the queue into out */
static void
sketch_queue_summary(struct sketch *s, struct summary *out)
{
	radix_sort32(s->queue, s->scratch, s->qtail, s->cnt);
	summary_exact(out, s->scratch, s->qtail);
}

static void
sketch_level(struct sketch *s, size_t l)
{
	if (l < s->nlevel)
		return;
	s->level = bp_xreallocarray(s->level, l + 1, sizeof(*s->level));
	for (; s->nlevel <= l; s->nlevel++) {
		s->level[s->nlevel].e = bp_xreallocarray(NULL, s->limit,
			sizeof(struct qentry));
		s->level[s->nlevel].n = 0;
	}
}

/* the summary in temp climbs the levels */
static void
sketch_climb(struct sketch *s)
{
	for (size_t l = 1;; l++) {
		sketch_level(s, l);
		if (s->level[l].n == 0) {
			summary_prune(&s->level[l], &s->temp, s->limit);
			return;
		}
		summary_prune(&s->level[0], &s->temp, s->limit);
		summary_merge(&s->temp, &s->level[0], &s->level[l]);
		if (s->temp.n <= s->limit) {
			summary_copy(&s->level[l], &s->temp);
			return;
		}
		s->level[l].n = 0;
	}
}

static void
sketch_push(struct sketch *s, float v)
{
	if (s->qtail == s->qcap &&
	    (uint32_t)(s->queue[s->qtail - 1] >> 32) !=
	    (uint32_t)(float_key(v, 0) >> 32)) {
		if (s->qcap == 1) {
			s->qcap = 2 * s->limit;
		} else {
			sketch_queue_summary(s, &s->temp);
			s->qtail = 0;
			sketch_climb(s);
		}
	}
	if (s->qtail && (uint32_t)(s->queue[s->qtail - 1] >> 32) ==
	    (uint32_t)(float_key(v, 0) >> 32)) {
		uint32_t wb = (uint32_t)s->queue[s->qtail - 1];
		float w;

		memcpy(&w, &wb, sizeof(w));
		s->queue[s->qtail - 1] = float_key(v, w + 1);
	} else {
		s->queue[s->qtail++] = float_key(v, 1);
	}
}

/* the summary of everything pushed, in s->out */
static void
sketch_finish(struct sketch *s)
{
	struct summary *out = &s->out, *l0;

	sketch_queue_summary(s, out);
	if (s->nlevel == 0) {
		if (out->n > s->limit) {
			summary_prune(&s->temp, out, s->limit);
			summary_copy(out, &s->temp);
		}
		return;
	}
	l0 = &s->level[0];
	summary_prune(l0, out, s->limit);
	for (size_t l = 1; l < s->nlevel; l++) {
		if (s->level[l].n == 0)
			continue;
		if (l0->n == 0) {
			summary_copy(l0, &s->level[l]);
		} else {
			summary_merge(out, l0, &s->level[l]);
			summary_prune(l0, out, s->limit);
		}
	}
	summary_copy(out, l0);
}

/*
 * The cuts of the m values v (single precision, row order, no NaN) into
 * cut; returns the number of bins (cuts + 1).  *lo and *hi get the
 * smallest and the largest value.
 */
static int
feature_cuts(const float *v, size_t m, int max_bin, float *cut, float *lo,
	     float *hi)
{
	struct sketch s;
	struct summary a, mid;
	size_t nbin = m < (size_t)max_bin ? m : (size_t)max_bin;
	size_t inter = m < (size_t)max_bin * 8 ? m : (size_t)max_bin * 8;
	size_t want = inter < (size_t)max_bin ? inter : (size_t)max_bin;
	int nc = 0;

	*lo = *hi = 0;
	if (m == 0)
		return 1;
	/* rank error 1/(8 bins) of the rows, as XGBoost asks of it */
	sketch_init(&s, m, 1.0 / ((float)(nbin ? nbin : 1) * 8.0f));
	for (size_t i = 0; i < m; i++)
		sketch_push(&s, v[i]);
	sketch_finish(&s);
	mid.e = bp_xreallocarray(NULL, inter + want + 2, sizeof(*mid.e));
	a.e = mid.e + inter + 1;
	summary_prune(&mid, &s.out, inter);
	summary_prune(&a, &mid, want + 1);
	*lo = a.e[0].v;
	*hi = a.e[a.n - 1].v;
	for (size_t i = 1; i < a.n && i < want; i++)
		if (nc == 0 || a.e[i].v > cut[nc - 1])
			cut[nc++] = a.e[i].v;
	free(mid.e);
	sketch_release(&s);
	return nc + 1;
}

/* the bin of v: the number of cuts at or below it (float rounding) */
static uint8_t
bin_of(const float *cut, int nb, double v)
{
	const float *base = cut;
	size_t len = (size_t)nb;
	float f = (float)v;

	if (isnan(v))
		return MISSING;
	while (len > 1) {	/* branch-free: the compare is unpredictable */
		size_t half = len / 2;

		base += (size_t)(base[half - 1] <= f) * half;
		len -= half;
	}
	return (uint8_t)(base - cut);
}

struct bin_job {
	const struct binning *b;
	const double *x;
	uint8_t *bins;
	size_t n;
	int max_bin;
	/* training rows: each thread's least and greatest value per bin */
	double *vmin, *vmax;	/* (threads, k, NB) or NULL */
	float *lo, *hi;		/* (k) smallest and largest values */
};

static void
edges_worker(void *arg, int tid, int nth)
{
	struct bin_job *j = arg;
	size_t k = j->b->k;
	float *v = bp_xreallocarray(NULL, j->n ? j->n : 1, sizeof(*v));

	for (size_t f = (size_t)tid; f < k; f += (size_t)nth) {
		size_t m = 0;

		for (size_t r = 0; r < j->n; r++) {
			float x = (float)j->x[r * k + f];

			if (!isnan(x))	/* -0 is 0, as it compares */
				v[m++] = x == 0 ? 0 : x;
		}
		j->b->nb[f] = feature_cuts(v, m, j->max_bin,
					   j->b->cut + f * NB, &j->lo[f],
					   &j->hi[f]);
	}
	free(v);
}

static void
bin_worker(void *arg, int tid, int nth)
{
	struct bin_job *j = arg;
	size_t k = j->b->k, nblocks = (j->n + ROW_BLOCK - 1) / ROW_BLOCK;
	double *mn = j->vmin ? j->vmin + (size_t)tid * k * NB : NULL;
	double *mx = j->vmax ? j->vmax + (size_t)tid * k * NB : NULL;

	for (size_t blk = (size_t)tid; blk < nblocks; blk += (size_t)nth) {
		size_t hi = (blk + 1) * ROW_BLOCK < j->n ?
			    (blk + 1) * ROW_BLOCK : j->n;

		for (size_t r = blk * ROW_BLOCK; r < hi; r++)
			for (size_t f = 0; f < k; f++) {
				double v = j->x[r * k + f];
				uint8_t b = bin_of(j->b->cut + f * NB,
						   j->b->nb[f], v);

				j->bins[r * k + f] = b;
				if (!mn || b == MISSING)
					continue;
				if (v < mn[f * NB + b])
					mn[f * NB + b] = v;
				if (v > mx[f * NB + b])
					mx[f * NB + b] = v;
			}
	}
}

/* a threshold t with a <= t < b */
static double
midpoint(double a, double b)
{
	double t = a / 2 + b / 2;

	return t >= b || t < a ? a : t;
}

/*
 * Cuts of the training rows x (n, k) and their bins (n, k) (returned);
 * the thresholds come from the values on either side of each cut.
 */
static uint8_t *
binning_fit(struct binning *b, const double *x, size_t n, size_t k,
	    int max_bin, struct bp_pool *pool)
{
	int nth = bp_pool_size(pool);
	size_t cells = (k ? k : 1) * NB;
	struct bin_job j = { 0 };

	b->k = k;
	b->nb = bp_xcalloc(k ? k : 1, sizeof(*b->nb));
	b->cut = bp_xcalloc(cells, sizeof(*b->cut));
	b->thr = bp_xcalloc(cells, sizeof(*b->thr));
	b->below = bp_xcalloc(k ? k : 1, sizeof(*b->below));
	j.b = b;
	j.x = x;
	j.n = n;
	j.max_bin = max_bin;
	j.lo = bp_xcalloc(k ? k : 1, sizeof(*j.lo));
	j.hi = bp_xcalloc(k ? k : 1, sizeof(*j.hi));
	bp_pool_run(pool, edges_worker, &j);
	j.bins = bp_xreallocarray(NULL, n * k > 0 ? n * k : 1, 1);
	j.vmin = bp_xreallocarray(NULL, (size_t)nth * cells, sizeof(double));
	j.vmax = bp_xreallocarray(NULL, (size_t)nth * cells, sizeof(double));
	for (size_t i = 0; i < (size_t)nth * cells; i++) {
		j.vmin[i] = INFINITY;
		j.vmax[i] = -INFINITY;
	}
	bp_pool_run(pool, bin_worker, &j);
	for (int t = 1; t < nth; t++)
		for (size_t i = 0; i < cells; i++) {
			j.vmin[i] = fmin(j.vmin[i], j.vmin[t * cells + i]);
			j.vmax[i] = fmax(j.vmax[i], j.vmax[t * cells + i]);
		}
	for (size_t f = 0; f < k; f++) {
		const double *mn = j.vmin + f * NB, *mx = j.vmax + f * NB;
		double left = -INFINITY, right = INFINITY;
		int nb = b->nb[f];

		/* below and above every value, where XGBoost puts them */
		b->below[f] = fmin((double)j.lo[f] - fabs((double)j.lo[f]) -
				   1e-5, nextafter(mn[0], -INFINITY));
		b->thr[f * NB + (size_t)nb - 1] = fmax((double)j.hi[f] +
			fabs((double)j.hi[f]) + 1e-5,
			nextafter(mx[nb - 1], INFINITY));
		for (int c = nb - 2; c >= 0; c--) {	/* after bin c */
			right = fmin(right, mn[c + 1]);
			b->thr[f * NB + (size_t)c] = right;
		}
		for (int c = 0; c < nb - 1; c++) {
			left = fmax(left, mx[c]);
			/* an empty side (all rows null): the cut itself */
			b->thr[f * NB + (size_t)c] = isinf(left) ||
				isinf(b->thr[f * NB + (size_t)c]) ?
				(double)b->cut[f * NB + (size_t)c] :
				midpoint(left, b->thr[f * NB + (size_t)c]);
		}
	}
	free(j.vmin);
	free(j.vmax);
	free(j.lo);
	free(j.hi);
	return j.bins;
}

struct transpose_job {
	const uint8_t *bins;
	uint8_t *cols;
	size_t n, k;
};

static void
transpose_worker(void *arg, int tid, int nth)
{
	struct transpose_job *j = arg;

	for (size_t f = (size_t)tid; f < j->k; f += (size_t)nth)
		for (size_t r = 0; r < j->n; r++)
			j->cols[f * j->n + r] = j->bins[r * j->k + f];
}

static void
binning_release(struct binning *b)
{
	free(b->nb);
	free(b->cut);
	free(b->thr);
	free(b->below);
}

/* ---- growing one tree ------------------------------------------------- */

/*
 * A histogram cell.  Every row has h > 0 (HESS_MIN), so h > 0 tells a
 * non-empty bin; row counts are kept (in cnt, beside the cells) only when
 * min_samples_leaf > 1 asks for them.
 */
struct cell {
	double g, h;
};

struct cand {
	double gain;
	double gl, hl;
	int bin;
	int dleft;
};

struct tnode {
	size_t begin, end;	/* rows[begin, end) */
	double G, H;
	int depth;
	struct cell *hist;	/* (k, NB) or NULL */
	uint32_t *cnt;		/* (k, NB) rows per bin, when counting */
	size_t nl;		/* rows sent left by the split */
	struct cand best;
	int feature;		/* of best; -1: no split */
	int left;		/* children at left, left + 1; -1: leaf */
	double value;
};

struct trainer {
	size_t n, k, K;
	const uint8_t *bins;	/* (n, k) */
	const uint8_t *cols;	/* (k, n): the same bins by feature */
	int counting;		/* min_samples_leaf > 1 */
	const struct binning *bn;
	const double *gh;	/* (n, K, 2) */
	size_t cls;		/* class of the tree being grown */
	uint32_t *rows, *tmp;
	const struct bp_gbdt_opts *o;
	struct bp_pool *pool;
	int *sel;		/* features of this tree */
	size_t nsel;
	struct tnode *nodes;
	size_t nnodes, nodealloc;
	struct cand *cands;	/* (node, k) per-feature best */
	size_t candalloc;
	struct cell **freehist;
	size_t nfree, freealloc;
	double *gain;		/* (k) importance */
};

static void
hist_get(struct trainer *t, struct tnode *nd)
{
	size_t cells = t->k * NB;

	if (t->nfree)
		nd->hist = t->freehist[--t->nfree];
	else
		nd->hist = bp_xmalloc(cells * sizeof(struct cell) +
				      (t->counting ? cells * sizeof(uint32_t) :
				       0));
	nd->cnt = t->counting ? (uint32_t *)(nd->hist + cells) : NULL;
}

static void
hist_put(struct trainer *t, struct tnode *nd)
{
	if (!nd->hist)
		return;
	BP_GROW(t->freehist, t->freealloc, t->nfree + 1);
	t->freehist[t->nfree++] = nd->hist;
	nd->hist = NULL;
	nd->cnt = NULL;
}

static int
can_split(const struct trainer *t, const struct tnode *nd)
{
	const struct bp_gbdt_opts *o = t->o;

	if (o->max_depth > 0 && nd->depth >= o->max_depth)
		return 0;
	return nd->end - nd->begin >= 2 * (size_t)o->min_samples_leaf &&
	       nd->H >= 2.0 * o->min_child_weight;
}

/*
 * The split gain (loss reduction) of sending GL, HL left and the rest of
 * the node (G, H) right, or -INFINITY when a side is empty or under
 * min_child_weight: XGBoost's loss_chg, in single precision as it keeps
 * it, so that gains which differ only by the order of their sums are
 * ties (the first one found wins).  parent is (float)(G^2/(H + lambda)).
 */
static double
split_gain(double GL, double HL, double G, double H, float parent,
	   double lam, double mcw)
{
	double GR = G - GL, HR = H - HL;

	/* h > 0 on every row: HL > 0 means a row went left */
	if (HL < mcw || HR < mcw || !(HL > 0) || !(HR > 0))
		return -INFINITY;
	return (float)(GL * GL / (HL + lam) + GR * GR / (HR + lam)) - parent;
}

static void
consider(struct cand *best, double gain, double GL, double HL, int bin,
	 int dleft)
{
	if (gain > best->gain) {	/* ties: the first one found */
		best->gain = gain;
		best->gl = GL;
		best->hl = HL;
		best->bin = bin;
		best->dleft = dleft;
	}
}

/*
 * Best split of node nd on feature j from its histogram, in XGBoost's
 * order: bins 0..b left with the nulls right, for b upwards; then, when
 * the node has nulls, bins b+1.. right with the nulls left, for b
 * downwards to -1 (every value right).  Without nulls the default
 * direction is right.
 */
static void
best_split(const struct trainer *t, const struct tnode *nd, int j,
	   struct cand *best)
{
	const struct bp_gbdt_opts *o = t->o;
	const struct cell *h = nd->hist + (size_t)j * NB, *mis = &h[MISSING];
	const uint32_t *cnt = nd->cnt ? nd->cnt + (size_t)j * NB : NULL;
	int nb = t->bn->nb[j];
	double G = nd->G, H = nd->H, lam = o->lambda, gs = 0, hs = 0;
	float parent = (float)(G * G / (H + lam));
	double mcw = o->min_child_weight;
	size_t C = nd->end - nd->begin, cs = 0;
	size_t msl = (size_t)o->min_samples_leaf;

	best->gain = -INFINITY;
	best->bin = 0;
	best->dleft = 0;
	for (int b = 0; b < nb; b++) {
		gs += h[b].g;
		hs += h[b].h;
		if (cnt) {
			cs += cnt[b];
			if (cs < msl || C - cs < msl)
				continue;
		}
		consider(best, split_gain(gs, hs, G, H, parent, lam, mcw), gs,
			 hs, b, 0);
	}
	if (!(mis->h > 0))
		return;
	gs = hs = 0;
	cs = 0;
	for (int b = nb - 1; b >= 0; b--) {
		gs += h[b].g;	/* bins b.. go right */
		hs += h[b].h;
		if (cnt) {
			cs += cnt[b];
			if (cs < msl || C - cs < msl)
				continue;
		}
		consider(best, split_gain(G - gs, H - hs, G, H, parent, lam,
					  mcw), G - gs, H - hs, b - 1, 1);
	}
}

/* One unit of histogram work: build small, derive large = parent - small. */
struct item {
	int small, large, parent;	/* node indices; large -1: root */
};

struct expand_job {
	struct trainer *t;
	const struct item *items;
	size_t nitems;
};

static void
build_hist(struct trainer *t, struct tnode *nd, size_t q0, size_t q1)
{
	const uint8_t *bins = t->bins;
	const double *gh = t->gh;
	size_t k = t->k, K = t->K, cls = t->cls;
	struct cell *hist = nd->hist;
	const int *sel = t->sel;
	const uint32_t *rows = t->rows;
	int all = t->nsel == k;

	for (size_t q = q0; q < q1; q++)
		memset(hist + (size_t)sel[q] * NB, 0, NB * sizeof(*hist));
	if (nd->cnt) {
		for (size_t q = q0; q < q1; q++)
			memset(nd->cnt + (size_t)sel[q] * NB, 0,
			       NB * sizeof(*nd->cnt));
		for (size_t i = nd->begin; i < nd->end; i++) {
			const uint8_t *b = bins + (size_t)rows[i] * k;

			for (size_t q = q0; q < q1; q++)
				nd->cnt[(size_t)sel[q] * NB + b[sel[q]]]++;
		}
	}
	if (all && K == 1) {	/* the common case, without indirection */
		for (size_t i = nd->begin; i < nd->end; i++) {
			size_t r = rows[i];
			const uint8_t *b = bins + r * k;
			double g = gh[2 * r], h = gh[2 * r + 1];

			/* a node's rows are scattered: fetch ahead */
			if (i + PREFETCH < nd->end) {
				size_t ra = rows[i + PREFETCH];

				PREFETCH_READ(bins + ra * k + q0);
				PREFETCH_READ(gh + 2 * ra);
			}

			for (size_t j = q0; j < q1; j++) {
				struct cell *c = hist + j * NB + b[j];

				c->g += g;
				c->h += h;
			}
		}
		return;
	}
	for (size_t i = nd->begin; i < nd->end; i++) {
		size_t r = rows[i];
		const uint8_t *b = bins + r * k;
		double g = gh[2 * (r * K + cls)], h = gh[2 * (r * K + cls) + 1];

		if (i + PREFETCH < nd->end) {
			size_t ra = rows[i + PREFETCH];

			PREFETCH_READ(bins + ra * k);
			PREFETCH_READ(gh + 2 * (ra * K + cls));
		}

		for (size_t q = q0; q < q1; q++) {
			struct cell *c = hist + (size_t)sel[q] * NB + b[sel[q]];

			c->g += g;
			c->h += h;
		}
	}
}

static void
expand_worker(void *arg, int tid, int nth)
{
	struct expand_job *e = arg;
	struct trainer *t = e->t;
	size_t q0 = t->nsel * (size_t)tid / (size_t)nth;
	size_t q1 = t->nsel * (size_t)(tid + 1) / (size_t)nth;

	for (size_t it = 0; it < e->nitems; it++) {
		const struct item *w = &e->items[it];
		struct tnode *s = &t->nodes[w->small];

		build_hist(t, s, q0, q1);
		if (w->large >= 0) {
			struct tnode *l = &t->nodes[w->large];
			struct tnode *p = &t->nodes[w->parent];

			for (size_t q = q0; q < q1; q++) {
				size_t off = (size_t)t->sel[q] * NB;
				struct cell *lh = l->hist + off;
				const struct cell *ph = p->hist + off;
				const struct cell *sh = s->hist + off;

				for (int b = 0; b < NB; b++) {
					lh[b].g = ph[b].g - sh[b].g;
					lh[b].h = ph[b].h - sh[b].h;
				}
				if (l->cnt) {
					uint32_t *lc = l->cnt + off;
					const uint32_t *pc = p->cnt + off;
					const uint32_t *sc = s->cnt + off;

					for (int b = 0; b < NB; b++)
						lc[b] = pc[b] - sc[b];
				}
			}
		}
		for (int side = 0; side < 2; side++) {
			int ni = side ? w->large : w->small;

			if (ni < 0 || !can_split(t, &t->nodes[ni]))
				continue;
			for (size_t q = q0; q < q1; q++)
				best_split(t, &t->nodes[ni], t->sel[q],
					   &t->cands[(size_t)ni * t->k +
						     (size_t)t->sel[q]]);
		}
	}
}

/* pick each expanded node's best split over features, in feature order */
static void
choose(struct trainer *t, int ni)
{
	struct tnode *nd = &t->nodes[ni];

	nd->feature = -1;
	nd->best.gain = -INFINITY;
	if (!can_split(t, nd))
		return;
	for (size_t q = 0; q < t->nsel; q++) {
		int j = t->sel[q];
		const struct cand *c = &t->cands[(size_t)ni * t->k + (size_t)j];

		if (c->gain > nd->best.gain && c->gain >= t->o->gamma &&
		    c->gain > 0) {
			nd->best = *c;
			nd->feature = j;
		}
	}
}

static void
run_expand(struct trainer *t, const struct item *items, size_t nitems)
{
	struct expand_job e = { t, items, nitems };

	BP_GROW(t->cands, t->candalloc, t->nnodes * t->k);
	bp_pool_run(t->pool, expand_worker, &e);
	for (size_t i = 0; i < nitems; i++) {
		choose(t, items[i].small);
		if (items[i].large >= 0)
			choose(t, items[i].large);
	}
}

static int
new_node(struct trainer *t)
{
	BP_GROW(t->nodes, t->nodealloc, t->nnodes + 1);
	memset(&t->nodes[t->nnodes], 0, sizeof(t->nodes[0]));
	t->nodes[t->nnodes].feature = -1;
	t->nodes[t->nnodes].left = -1;
	return (int)t->nnodes++;
}

/* stable partition of nd's rows by its split; returns the left count */
static size_t
partition(struct trainer *t, const struct tnode *nd)
{
	size_t nl = 0, nr = 0, j = (size_t)nd->feature;
	int thr = nd->best.bin, dl = nd->best.dleft;
	uint32_t *rows = t->rows + nd->begin, *tmp = t->tmp + nd->begin;
	const uint8_t *col = t->cols + j * t->n;

	size_t m = nd->end - nd->begin;

	for (size_t i = 0; i < m; i++) {
		uint32_t r = rows[i];
		int b = col[r];

		if (i + PREFETCH < m)
			PREFETCH_READ(col + rows[i + PREFETCH]);
		int left = b == MISSING ? dl : b <= thr;

		if (left)
			rows[nl++] = r;
		else
			tmp[nr++] = r;
	}
	memcpy(rows + nl, tmp, nr * sizeof(*rows));
	return nl;
}

struct part_job {
	struct trainer *t;
	const int *split;	/* nodes to partition */
	size_t nsplit;
};

static void
part_worker(void *arg, int tid, int nth)
{
	struct part_job *p = arg;

	for (size_t i = (size_t)tid; i < p->nsplit; i += (size_t)nth) {
		struct tnode *nd = &p->t->nodes[p->split[i]];

		nd->nl = partition(p->t, nd);
	}
}

/* give node ni two children (adjacent), from its chosen split */
static void
make_children(struct trainer *t, int ni)
{
	int l = new_node(t), r = new_node(t);
	struct tnode *nd = &t->nodes[ni], *L = &t->nodes[l], *R = &t->nodes[r];
	size_t nl = nd->nl;

	nd->left = l;
	L->begin = nd->begin;
	L->end = nd->begin + nl;
	R->begin = L->end;
	R->end = nd->end;
	L->G = nd->best.gl;
	L->H = nd->best.hl;
	R->G = nd->G - nd->best.gl;
	R->H = nd->H - nd->best.hl;
	L->depth = R->depth = nd->depth + 1;
	t->gain[nd->feature] += nd->best.gain;
}

/* histogram work for the children of ni (if either may split) */
static int
child_item(struct trainer *t, int ni, struct item *w)
{
	struct tnode *nd = &t->nodes[ni];
	int l = nd->left, r = nd->left + 1;

	if (!can_split(t, &t->nodes[l]) && !can_split(t, &t->nodes[r]))
		return 0;
	hist_get(t, &t->nodes[l]);
	hist_get(t, &t->nodes[r]);
	/* the smaller child is built; ties: the left */
	if (t->nodes[l].end - t->nodes[l].begin <=
	    t->nodes[r].end - t->nodes[r].begin) {
		w->small = l;
		w->large = r;
	} else {
		w->small = r;
		w->large = l;
	}
	w->parent = ni;
	return 1;
}

static void
init_root(struct trainer *t, size_t nrows)
{
	int root = new_node(t);
	struct tnode *nd = &t->nodes[root];
	struct item w = { root, -1, -1 };

	nd->begin = 0;
	nd->end = nrows;
	for (size_t i = 0; i < nrows; i++) {
		size_t r = t->rows[i];

		nd->G += t->gh[2 * (r * t->K + t->cls)];
		nd->H += t->gh[2 * (r * t->K + t->cls) + 1];
	}
	if (can_split(t, nd)) {
		hist_get(t, nd);
		run_expand(t, &w, 1);
	}
}

static void
grow_depthwise(struct trainer *t)
{
	int *level = NULL, *next = NULL, *split = NULL;
	struct item *items = NULL;
	size_t nlevel = 1, alloc_l = 0, alloc_n = 0, alloc_s = 0, alloc_i = 0;

	BP_GROW(level, alloc_l, 1);
	level[0] = 0;
	while (nlevel) {
		size_t nsplit = 0, nitems = 0, nnext = 0;
		struct part_job pj;

		for (size_t i = 0; i < nlevel; i++) {
			if (t->nodes[level[i]].feature < 0)
				continue;
			BP_GROW(split, alloc_s, nsplit + 1);
			split[nsplit++] = level[i];
		}
		pj = (struct part_job){ t, split, nsplit };
		if (nsplit)
			bp_pool_run(t->pool, part_worker, &pj);
		for (size_t i = 0; i < nsplit; i++) {
			make_children(t, split[i]);
			BP_GROW(next, alloc_n, nnext + 2);
			next[nnext++] = t->nodes[split[i]].left;
			next[nnext++] = t->nodes[split[i]].left + 1;
			BP_GROW(items, alloc_i, nitems + 1);
			if (child_item(t, split[i], &items[nitems]))
				nitems++;
		}
		if (nitems)
			run_expand(t, items, nitems);
		for (size_t i = 0; i < nlevel; i++)
			hist_put(t, &t->nodes[level[i]]);
		{
			int *tmp = level;
			size_t ta = alloc_l;

			level = next;
			alloc_l = alloc_n;
			next = tmp;
			alloc_n = ta;
		}
		nlevel = nnext;
	}
	free(level);
	free(next);
	free(split);
	free(items);
}

static void
grow_leafwise(struct trainer *t)
{
	int leaves = 1;

	while (leaves < t->o->max_leaves) {
		int bestn = -1;
		struct item w;

		for (size_t i = 0; i < t->nnodes; i++) {
			struct tnode *nd = &t->nodes[i];

			if (nd->left >= 0 || nd->feature < 0)
				continue;
			if (bestn < 0 ||
			    nd->best.gain > t->nodes[bestn].best.gain)
				bestn = (int)i;
		}
		if (bestn < 0)
			break;
		t->nodes[bestn].nl = partition(t, &t->nodes[bestn]);
		make_children(t, bestn);
		leaves++;
		if (child_item(t, bestn, &w))
			run_expand(t, &w, 1);
		hist_put(t, &t->nodes[bestn]);
		/* children that cannot split need no histogram */
		for (int c = 0; c < 2; c++) {
			struct tnode *ch = &t->nodes[t->nodes[bestn].left + c];

			if (ch->feature < 0)
				hist_put(t, ch);
		}
	}
	for (size_t i = 0; i < t->nnodes; i++)
		hist_put(t, &t->nodes[i]);
}

/* ---- boosting --------------------------------------------------------- */

struct grad_job {
	enum bp_task task;
	size_t n, K;
	const double *F, *y;
	double *gh;
};

static void
grad_worker(void *arg, int tid, int nth)
{
	struct grad_job *j = arg;
	size_t nblocks = (j->n + ROW_BLOCK - 1) / ROW_BLOCK, K = j->K;
	double p[BP_MODEL_MAX_CLASSES];

	for (size_t blk = (size_t)tid; blk < nblocks; blk += (size_t)nth) {
		size_t hi = (blk + 1) * ROW_BLOCK < j->n ?
			    (blk + 1) * ROW_BLOCK : j->n;

		/* the common case, inline */
		if (j->task == BP_TASK_BINARY) {
			for (size_t r = blk * ROW_BLOCK; r < hi; r++) {
				double q = bp_sigmoid(j->F[r]);
				double h = q * (1.0 - q);

				j->gh[2 * r] = q - j->y[r];
				j->gh[2 * r + 1] = h > HESS_MIN ? h : HESS_MIN;
			}
			continue;
		}
		for (size_t r = blk * ROW_BLOCK; r < hi; r++) {
			double *gh = j->gh + 2 * r * K;

			memcpy(p, j->F + r * K, K * sizeof(*p));
			bp_task_link(j->task, p, K);
			if (j->task == BP_TASK_REGRESSION) {
				gh[0] = p[0] - j->y[r];
				gh[1] = 1.0;
				continue;
			}
			for (size_t c = 0; c < K; c++) {
				gh[2 * c] = p[c] - ((size_t)j->y[r] == c);
				gh[2 * c + 1] = fmax(p[c] * (1.0 - p[c]),
						     HESS_MIN);
			}
		}
	}
}

/* the threshold of a split of feature f after bin b (-1: below all) */
static double
split_threshold(const struct binning *bn, int f, int b)
{
	return b < 0 ? bn->below[f] : bn->thr[(size_t)f * NB + (size_t)b];
}

/* the grown tree's leaf for binned row b */
static const struct tnode *
binned_leaf(const struct trainer *t, const uint8_t *b)
{
	const struct tnode *nd = &t->nodes[0];

	while (nd->left >= 0) {
		int v = b[nd->feature];
		int left = v == MISSING ? nd->best.dleft : v <= nd->best.bin;

		nd = &t->nodes[nd->left + !left];
	}
	return nd;
}

/* the leaf for row x (k values), by the thresholds the model keeps */
static const struct tnode *
raw_leaf(const struct trainer *t, const double *x)
{
	const struct tnode *nd = &t->nodes[0];

	while (nd->left >= 0) {
		double v = x[nd->feature];
		int left = isnan(v) ? nd->best.dleft :
			   v <= split_threshold(t->bn, nd->feature,
						nd->best.bin);

		nd = &t->nodes[nd->left + !left];
	}
	return nd;
}

static void
add_tree(struct bp_gbdt *g, const struct trainer *t)
{
	size_t base = g->nnodes;

	BP_GROW(g->nodes, g->nodealloc, g->nnodes + t->nnodes);
	if (g->ntrees + 2 > g->treealloc) {
		g->treealloc = g->treealloc ? 2 * g->treealloc : 64;
		g->start = bp_xreallocarray(g->start, g->treealloc,
					    sizeof(*g->start));
	}
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct tnode *nd = &t->nodes[i];
		struct pnode *p = &g->nodes[base + i];

		if (nd->left < 0) {
			p->f = -1;
			p->l = 0;
			p->t = nd->value;
		} else {
			p->f = nd->feature;
			p->l = (uint32_t)nd->left |
			       (nd->best.dleft ? DLEFT_BIT : 0);
			p->t = split_threshold(t->bn, nd->feature,
					       nd->best.bin);
		}
	}
	g->start[g->ntrees] = base;
	g->nnodes += t->nnodes;
	g->start[++g->ntrees] = g->nnodes;
}

static double
valid_loss(enum bp_task task, const double *F, const double *y, size_t n,
	   size_t K)
{
	double s = 0.0, p[BP_MODEL_MAX_CLASSES];

	for (size_t i = 0; i < n; i++) {
		memcpy(p, F + i * K, K * sizeof(*p));
		bp_task_link(task, p, K);
		if (task == BP_TASK_REGRESSION)
			s += (p[0] - y[i]) * (p[0] - y[i]);
		else if (task == BP_TASK_BINARY)
			s -= y[i] > 0.5 ? log(fmax(p[0], 1e-15)) :
			     log(fmax(1.0 - p[0], 1e-15));
		else
			s -= log(fmax(p[(size_t)y[i]], 1e-15));
	}
	s /= (double)n;
	return task == BP_TASK_REGRESSION ? sqrt(s) : s;
}

/* the starting raw score: the labels' average, or 0 */
static void
base_score(struct bp_gbdt *g, const double *y, size_t n, int zero)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += g->task == BP_TASK_MULTICLASS ? 0 : y[i];
	if (zero) {
		for (size_t c = 0; c < g->K; c++)
			g->base[c] = 0;
	} else if (g->task == BP_TASK_REGRESSION) {
		g->base[0] = s / (double)n;
	} else if (g->task == BP_TASK_BINARY) {
		double p = fmin(fmax(s / (double)n, 1e-6), 1 - 1e-6);

		g->base[0] = log(p / (1 - p));
	} else {
		double cnt[BP_MODEL_MAX_CLASSES] = { 0 };

		for (size_t i = 0; i < n; i++)
			cnt[(size_t)y[i]] += 1.0;
		for (size_t c = 0; c < g->K; c++)
			g->base[c] = log(fmax(cnt[c], 1.0) / (double)n);
	}
}

static void
pick_features(struct trainer *t, double frac, struct bp_rng *rng)
{
	size_t k = t->k, m = (size_t)llround(frac * (double)k);

	for (size_t j = 0; j < k; j++)
		t->sel[j] = (int)j;
	if (m < 1)
		m = 1;
	if (m >= k) {
		t->nsel = k;
		return;
	}
	for (size_t i = 0; i < m; i++) {	/* partial Fisher-Yates */
		size_t r = i + (size_t)bp_rng_below(rng, k - i);
		int tmp = t->sel[i];

		t->sel[i] = t->sel[r];
		t->sel[r] = tmp;
	}
	/* ascending, so that split ties break the same way as without */
	for (size_t i = 1; i < m; i++)
		for (size_t q = i; q > 0 && t->sel[q - 1] > t->sel[q]; q--) {
			int tmp = t->sel[q];

			t->sel[q] = t->sel[q - 1];
			t->sel[q - 1] = tmp;
		}
	t->nsel = m;
}

struct bp_gbdt *
bp_gbdt_train(const double *x, const double *y, size_t n, size_t k,
	      const double *xv, const double *yv, size_t nv,
	      const struct bp_gbdt_opts *o, uint64_t seed, int threads,
	      double *importance, struct bp_buf *log)
{
	struct bp_gbdt *g;
	struct trainer t;
	struct binning bn;
	struct bp_rng rng;
	struct grad_job gj;
	uint8_t *bins;
	double *F, *Fv = NULL, *treegain, best = INFINITY;
	uint32_t *sample;
	size_t K, ns, since_best = 0;
	int stopped = 0;

	if (n == 0 || k == 0) {
		bp_error("gbdt: no rows or no features");
		return NULL;
	}
	if (o->max_depth <= 0 && o->max_leaves <= 0) {
		bp_error("gbdt: max_depth 0 (no limit) needs max_leaves > 0");
		return NULL;
	}
	if (n >= UINT32_MAX) {
		bp_error("gbdt: too many rows (%zu)", n);
		return NULL;
	}
	K = o->task == BP_TASK_MULTICLASS ? o->nclass : 1;
	g = bp_xcalloc(1, sizeof(*g));
	g->task = o->task;
	g->K = K;
	g->k = k;
	g->best_round = -1;
	memset(&t, 0, sizeof(t));
	t.n = n;
	t.k = k;
	t.K = K;
	t.o = o;
	t.pool = bp_pool_new(threads);
	bp_rng_seed(&rng, seed);

	bins = binning_fit(&bn, x, n, k, o->max_bin, t.pool);
	t.bins = bins;
	{
		struct transpose_job tj = { bins, NULL, n, k };

		tj.cols = bp_xreallocarray(NULL, n, k);
		bp_pool_run(t.pool, transpose_worker, &tj);
		t.cols = tj.cols;
	}
	t.counting = o->min_samples_leaf > 1;
	t.bn = &bn;
	t.gh = bp_xreallocarray(NULL, n * K, 2 * sizeof(double));
	t.rows = bp_xreallocarray(NULL, n, sizeof(*t.rows));
	t.tmp = bp_xreallocarray(NULL, n, sizeof(*t.tmp));
	t.sel = bp_xcalloc(k, sizeof(*t.sel));
	t.gain = bp_xcalloc(k, sizeof(*t.gain));
	sample = bp_xreallocarray(NULL, n, sizeof(*sample));
	treegain = NULL;

	base_score(g, y, n, o->base_zero);
	F = bp_xreallocarray(NULL, n * K, sizeof(*F));
	for (size_t i = 0; i < n * K; i++)
		F[i] = g->base[i % K];
	if (nv) {
		Fv = bp_xreallocarray(NULL, nv * K, sizeof(*Fv));
		for (size_t i = 0; i < nv * K; i++)
			Fv[i] = g->base[i % K];
	}
	gj = (struct grad_job){ o->task, n, K, F, y, (double *)t.gh };

	for (int round = 0; round < o->n_estimators; round++) {
		bp_pool_run(t.pool, grad_worker, &gj);
		ns = 0;
		for (size_t i = 0; i < n; i++)
			if (o->subsample >= 1.0 ||
			    bp_rng_uniform(&rng) < o->subsample)
				sample[ns++] = (uint32_t)i;
		for (size_t cls = 0; cls < K; cls++) {
			size_t tree = (size_t)round * K + cls;

			t.cls = cls;
			pick_features(&t, o->colsample_bytree, &rng);
			memcpy(t.rows, sample, ns * sizeof(*t.rows));
			t.nnodes = 0;
			memset(t.gain, 0, k * sizeof(*t.gain));
			if (ns)
				init_root(&t, ns);
			else
				new_node(&t);
			if (o->max_leaves > 0)
				grow_leafwise(&t);
			else
				grow_depthwise(&t);
			for (size_t i = 0; i < t.nnodes; i++) {
				struct tnode *nd = &t.nodes[i];

				if (nd->left >= 0)
					continue;
				/* XGBoost's weight: 0 under min_child_weight */
				nd->value = nd->H < o->min_child_weight ? 0 :
					    -o->learning_rate * nd->G /
					    (nd->H + o->lambda);
				for (size_t q = nd->begin; q < nd->end; q++)
					F[(size_t)t.rows[q] * K + cls] +=
						nd->value;
			}
			if (ns < n) {	/* rows left out of the sample */
				for (size_t i = 0, q = 0; i < n; i++) {
					if (q < ns && sample[q] == i) {
						q++;
						continue;
					}
					F[i * K + cls] += binned_leaf(&t,
						bins + i * k)->value;
				}
			}
			for (size_t i = 0; i < nv; i++)
				Fv[i * K + cls] += raw_leaf(&t,
					xv + i * k)->value;
			add_tree(g, &t);
			treegain = bp_xreallocarray(treegain, tree + 1,
						    k * sizeof(*treegain));
			memcpy(treegain + tree * k, t.gain,
			       k * sizeof(*treegain));
		}
		g->rounds = round + 1;
		if (nv) {
			double loss = valid_loss(o->task, Fv, yv, nv, K);

			if (loss < best) {
				best = loss;
				g->best_round = round;
				since_best = 0;
			} else if (o->early_stopping_rounds > 0 &&
				   ++since_best >=
				   (size_t)o->early_stopping_rounds) {
				stopped = 1;
				break;
			}
		}
	}
	/* with validation and early stopping, keep the best round's trees */
	if (nv && o->early_stopping_rounds > 0 && g->best_round >= 0) {
		g->ntrees = (size_t)(g->best_round + 1) * K;
		g->nnodes = g->start[g->ntrees];
	}
	compile(g);
	if (importance) {
		double total = 0.0;

		memset(importance, 0, k * sizeof(*importance));
		for (size_t tr = 0; tr < g->ntrees; tr++)
			for (size_t j = 0; j < k; j++)
				importance[j] += treegain[tr * k + j];
		for (size_t j = 0; j < k; j++)
			total += importance[j];
		for (size_t j = 0; j < k && total > 0; j++)
			importance[j] /= total;
	}
	bp_model_log(log, "gbdt: %d rounds, %zu trees%s%s", g->rounds,
		     g->ntrees, stopped ? ", stopped early" : "",
		     nv ? "" : " (no validation rows)");
	if (nv)
		bp_model_log(log, "gbdt: best round %d, validation %s %.6g",
			     g->best_round + 1, o->task == BP_TASK_REGRESSION ?
			     "rmse" : "logloss", best);

	free(treegain);
	free(sample);
	free(F);
	free(Fv);
	free(bins);
	free((uint8_t *)t.cols);
	binning_release(&bn);
	for (size_t i = 0; i < t.nfree; i++)
		free(t.freehist[i]);
	free(t.freehist);
	free(t.nodes);
	free(t.cands);
	free((double *)t.gh);
	free(t.rows);
	free(t.tmp);
	free(t.sel);
	free(t.gain);
	bp_pool_free(&t.pool);
	return g;
}

static int
tree_depth(const struct pnode *nd, uint32_t i)
{
	int l, r;

	if (nd[i].f < 0)
		return 0;
	l = tree_depth(nd, nd[i].l & ~DLEFT_BIT);
	r = tree_depth(nd, (nd[i].l & ~DLEFT_BIT) + 1);
	return 1 + (l > r ? l : r);
}

/* fill the complete tree of depth d at heap position h from node i */
static void
fill_complete(struct cnode *cn, double *leaf, const struct pnode *nd,
	      uint32_t i, size_t h, int level, int d)
{
	size_t inner = ((size_t)1 << d) - 1;

	if (level == d) {
		leaf[h - inner] = nd[i].t;
		return;
	}
	if (nd[i].f < 0) {	/* a leaf above depth d: pad, always left */
		cn[h].t = INFINITY;
		cn[h].f = 0;
		cn[h].dl = 1;
		fill_complete(cn, leaf, nd, i, 2 * h + 1, level + 1, d);
		fill_complete(cn, leaf, nd, i, 2 * h + 2, level + 1, d);
		return;
	}
	cn[h].t = nd[i].t;
	cn[h].f = nd[i].f;
	cn[h].dl = (nd[i].l & DLEFT_BIT) != 0;
	fill_complete(cn, leaf, nd, nd[i].l & ~DLEFT_BIT, 2 * h + 1, level + 1,
		      d);
	fill_complete(cn, leaf, nd, (nd[i].l & ~DLEFT_BIT) + 1, 2 * h + 2,
		      level + 1, d);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the first i in t[0..m) with t[i] >= v (m when none) */
static size_t
lower_bound(const double *t, size_t m, double v)
{
	const double *base = t;

	if (m == 0)
		return 0;
	while (m > 1) {		/* branch-free */
		size_t half = m / 2;

		base += (size_t)(base[half - 1] < v) * half;
		m -= half;
	}
	return (size_t)(base - t) + (base[0] < v);
}

static void
compile_quant(struct bp_gbdt *g)
{
	size_t k = g->k, ninner = 0, *cnt, total = 0;

	g->quant = 0;
	if (2 * k > 0xffff)
		return;
	for (size_t t = 0; t < g->ntrees; t++)
		ninner += ((size_t)1 << g->depth[t]) - 1;
	cnt = bp_xcalloc(k + 1, sizeof(*cnt));
	for (size_t i = 0; i < ninner; i++)
		if (g->cn[i].t != INFINITY)	/* not padding */
			cnt[g->cn[i].f]++;
	g->qoff = bp_xcalloc(k + 1, sizeof(*g->qoff));
	for (size_t j = 0; j < k; j++) {
		g->qoff[j] = total;
		total += cnt[j];
	}
	g->qoff[k] = total;
	g->qt = bp_xcalloc(total + 1, sizeof(*g->qt));
	memset(cnt, 0, (k + 1) * sizeof(*cnt));
	for (size_t i = 0; i < ninner; i++)
		if (g->cn[i].t != INFINITY) {
			size_t j = (size_t)g->cn[i].f;

			g->qt[g->qoff[j] + cnt[j]++] = g->cn[i].t;
		}
	/* sort and dedupe each feature's thresholds, packing them down */
	total = 0;
	for (size_t j = 0; j < k; j++) {
		double *t = g->qt + g->qoff[j];
		size_t m = cnt[j], u = 0;

		qsort(t, m, sizeof(*t), cmp_dbl);
		for (size_t i = 0; i < m; i++)
			if (u == 0 || t[i] != t[u - 1])
				t[u++] = t[i];
		memmove(g->qt + total, t, u * sizeof(*t));
		g->qoff[j] = total;
		total += u;
		if (u >= QNULL_RIGHT)
			goto out;	/* ranks would not fit: doubles then */
	}
	g->qoff[k] = total;
	g->qn = bp_xcalloc(ninner + 1, sizeof(*g->qn));
	for (size_t i = 0; i < ninner; i++) {
		const struct cnode *c = &g->cn[i];

		if (c->t == INFINITY) {		/* padding: always left */
			g->qn[i].fi = 0;
			g->qn[i].r = QNULL_RIGHT;
			continue;
		}
		g->qn[i].fi = (uint16_t)(c->dl ? (size_t)c->f :
					 k + (size_t)c->f);
		g->qn[i].r = (uint16_t)lower_bound(g->qt + g->qoff[c->f],
			g->qoff[c->f + 1] - g->qoff[c->f], c->t);
	}
	g->quant = 1;
out:
	free(cnt);
}

/* q (2k): the ranks of row x, nulls as 0 (first k) and QNULL_RIGHT */
static void
quantize_row(const struct bp_gbdt *g, const double *x, uint16_t *q)
{
	size_t k = g->k;

	for (size_t j = 0; j < k; j++) {
		if (isnan(x[j])) {
			q[j] = 0;
			q[k + j] = QNULL_RIGHT;
		} else {
			q[j] = q[k + j] = (uint16_t)lower_bound(
				g->qt + g->qoff[j],
				g->qoff[j + 1] - g->qoff[j], x[j]);
		}
	}
}

static void
compile(struct bp_gbdt *g)
{
	size_t ninner = 0, nleaf = 0;

	g->complete = 0;
	g->depth = bp_xcalloc(g->ntrees + 1, sizeof(*g->depth));
	for (size_t t = 0; t < g->ntrees; t++) {
		g->depth[t] = tree_depth(g->nodes + g->start[t], 0);
		if (g->depth[t] > COMPLETE_MAX)
			return;
		ninner += ((size_t)1 << g->depth[t]) - 1;
		nleaf += (size_t)1 << g->depth[t];
	}
	g->cn = bp_xcalloc(ninner + 1, sizeof(*g->cn));
	g->leaf = bp_xcalloc(nleaf + 1, sizeof(*g->leaf));
	g->cstart = bp_xcalloc(2 * (g->ntrees + 1), sizeof(*g->cstart));
	g->lstart = g->cstart + g->ntrees + 1;
	ninner = nleaf = 0;
	for (size_t t = 0; t < g->ntrees; t++) {
		g->cstart[t] = ninner;
		g->lstart[t] = nleaf;
		fill_complete(g->cn + ninner, g->leaf + nleaf,
			      g->nodes + g->start[t], 0, 0, 0, g->depth[t]);
		ninner += ((size_t)1 << g->depth[t]) - 1;
		nleaf += (size_t)1 << g->depth[t];
	}
	g->complete = 1;
	compile_quant(g);
}

void
bp_gbdt_free(struct bp_gbdt **gp)
{
	struct bp_gbdt *g = gp ? *gp : NULL;

	if (!g)
		return;
	free(g->cn);
	free(g->leaf);
	free(g->cstart);
	free(g->depth);
	free(g->qn);
	free(g->qt);
	free(g->qoff);
	free(g->start);
	free(g->nodes);
	free(g);
	*gp = NULL;
}

/* ---- prediction ------------------------------------------------------- */

/* one step down a compiled tree: 0 left, 1 right */
static inline size_t
goes_right(const struct cnode *n, const double *x)
{
	double v = x[n->f];

	/* NaN fails v <= t (right); dl flips that */
	return (size_t)(!(v <= n->t) ^ (n->dl & (uint32_t)isnan(v)));
}

void
bp_gbdt_predict_raw(const struct bp_gbdt *g, const double *x, double *raw)
{
	size_t K = g->K;

	for (size_t c = 0; c < K; c++)
		raw[c] = g->base[c];
	if (g->complete) {
		for (size_t tr = 0; tr < g->ntrees; tr++) {
			const struct cnode *cn = g->cn + g->cstart[tr];
			int d = g->depth[tr];
			size_t h = 0;

			for (int l = 0; l < d; l++)
				h = 2 * h + 1 + goes_right(&cn[h], x);
			raw[K == 1 ? 0 : tr % K] += g->leaf[g->lstart[tr] + h -
				(((size_t)1 << d) - 1)];
		}
		return;
	}
	for (size_t tr = 0; tr < g->ntrees; tr++) {
		const struct pnode *nd = g->nodes + g->start[tr];
		uint32_t i = 0;

		while (nd[i].f >= 0) {
			double v = x[nd[i].f];
			uint32_t l = nd[i].l;
			/* NaN fails v <= t (right); DLEFT_BIT flips that */
			uint32_t right = !(v <= nd[i].t) ^
					 ((l >> 31) & (uint32_t)isnan(v));

			i = (l & ~DLEFT_BIT) + right;
		}
		raw[K == 1 ? 0 : tr % K] += nd[i].t;
	}
}

static void
predict_batch_quant(const struct bp_gbdt *g, const double *x, size_t n,
		    double *out)
{
	size_t K = g->K, k = g->k, h[BATCH];
	uint16_t *q = bp_xmalloc(BATCH * 2 * k * sizeof(*q));

	for (size_t lo = 0; lo < n; lo += BATCH) {
		size_t nb = n - lo < BATCH ? n - lo : BATCH;
		double *ob = out + lo * K;

		for (size_t r = 0; r < nb; r++) {
			quantize_row(g, x + (lo + r) * k, q + r * 2 * k);
			for (size_t c = 0; c < K; c++)
				ob[r * K + c] = g->base[c];
		}
		for (size_t tr = 0; tr < g->ntrees; tr++) {
			const struct qnode *qn = g->qn + g->cstart[tr];
			const double *leaf = g->leaf + g->lstart[tr] -
					     (((size_t)1 << g->depth[tr]) - 1);
			size_t c = K == 1 ? 0 : tr % K;
			int d = g->depth[tr];

			for (size_t r = 0; r < nb; r++)
				h[r] = 0;
			for (int l = 0; l < d; l++)
				for (size_t r = 0; r < nb; r++) {
					const struct qnode *nd = &qn[h[r]];

					h[r] = 2 * h[r] + 1 +
					       (q[r * 2 * k + nd->fi] > nd->r);
				}
			for (size_t r = 0; r < nb; r++)
				ob[r * K + c] += leaf[h[r]];
		}
		for (size_t r = 0; r < nb; r++)
			bp_task_link(g->task, ob + r * K, K);
	}
	free(q);
}

void
bp_gbdt_predict_batch(const struct bp_gbdt *g, const double *x, size_t n,
		      double *out)
{
	size_t K = g->K, k = g->k, h[BATCH];

	if (!g->complete) {
		for (size_t i = 0; i < n; i++)
			bp_gbdt_predict(g, x + i * k, out + i * K);
		return;
	}
	if (g->quant) {
		predict_batch_quant(g, x, n, out);
		return;
	}
	for (size_t lo = 0; lo < n; lo += BATCH) {
		size_t nb = n - lo < BATCH ? n - lo : BATCH;
		const double *xb = x + lo * k;
		double *ob = out + lo * K;

		for (size_t r = 0; r < nb; r++)
			for (size_t c = 0; c < K; c++)
				ob[r * K + c] = g->base[c];
		/* tree by tree, every row of the block a level at a time */
		for (size_t tr = 0; tr < g->ntrees; tr++) {
			const struct cnode *cn = g->cn + g->cstart[tr];
			const double *leaf = g->leaf + g->lstart[tr] -
					     (((size_t)1 << g->depth[tr]) - 1);
			size_t c = K == 1 ? 0 : tr % K;
			int d = g->depth[tr];

			for (size_t r = 0; r < nb; r++)
				h[r] = 0;
			for (int l = 0; l < d; l++)
				for (size_t r = 0; r < nb; r++)
					h[r] = 2 * h[r] + 1 +
					    goes_right(&cn[h[r]], xb + r * k);
			for (size_t r = 0; r < nb; r++)
				ob[r * K + c] += leaf[h[r]];
		}
		for (size_t r = 0; r < nb; r++)
			bp_task_link(g->task, ob + r * K, K);
	}
}

void
bp_gbdt_predict(const struct bp_gbdt *g, const double *x, double *out)
{
	bp_gbdt_predict_raw(g, x, out);
	bp_task_link(g->task, out, g->K);
}

size_t
bp_gbdt_ntrees(const struct bp_gbdt *g)
{
	return g->ntrees;
}

size_t
bp_gbdt_tree_size(const struct bp_gbdt *g, size_t tree)
{
	return tree < g->ntrees ? g->start[tree + 1] - g->start[tree] : 0;
}

int
bp_gbdt_node(const struct bp_gbdt *g, size_t t, size_t i,
	     struct bp_gbdt_node *out)
{
	const struct pnode *p;

	if (i >= bp_gbdt_tree_size(g, t))
		return -1;
	p = &g->nodes[g->start[t] + i];
	out->feature = p->f;
	if (p->f < 0) {
		out->threshold = 0;
		out->default_left = 0;
		out->left = out->right = -1;
		out->value = p->t;
	} else {
		out->threshold = p->t;
		out->default_left = (p->l & DLEFT_BIT) != 0;
		out->left = (int)(p->l & ~DLEFT_BIT);
		out->right = out->left + 1;
		out->value = 0;
	}
	return 0;
}

int
bp_gbdt_rounds(const struct bp_gbdt *g)
{
	return g->rounds;
}

int
bp_gbdt_best_round(const struct bp_gbdt *g)
{
	return g->best_round;
}

/* ---- the gbdt kind ---------------------------------------------------- */

static const char *const objectives[] = {
	"auto", "binary:logistic", "reg:squarederror", "multi:softmax", NULL,
};

static const struct bp_param_spec gbdt_params[] = {
	{ "objective", BP_PARAM_STR, 0, 0, "\"auto\"", objectives,
	  "auto: from the label values" },
	{ "n_estimators", BP_PARAM_INT, 1, 100000, "100", NULL,
	  "boosting rounds" },
	{ "learning_rate", BP_PARAM_REAL, 1e-9, 1, "0.1", NULL,
	  "shrinkage of each tree" },
	{ "max_depth", BP_PARAM_INT, 0, 64, "6", NULL,
	  "depth limit (0: none, leaf-wise only)" },
	{ "max_leaves", BP_PARAM_INT, 0, 1 << 20, "0", NULL,
	  "> 0: leaf-wise growth up to this many leaves" },
	{ "min_child_weight", BP_PARAM_REAL, 0, 1e12, "1", NULL,
	  "least hessian sum in a child" },
	{ "min_samples_leaf", BP_PARAM_INT, 1, 1e9, "1", NULL,
	  "least rows in a leaf" },
	{ "lambda", BP_PARAM_REAL, 0, 1e12, "1", NULL,
	  "L2 penalty on leaf values" },
	{ "gamma", BP_PARAM_REAL, 0, 1e12, "0", NULL,
	  "least gain of a split" },
	{ "subsample", BP_PARAM_REAL, 1e-6, 1, "1", NULL,
	  "share of rows drawn per round" },
	{ "colsample_bytree", BP_PARAM_REAL, 1e-6, 1, "1", NULL,
	  "share of features drawn per tree" },
	{ "max_bin", BP_PARAM_INT, 2, 255, "255", NULL,
	  "bins per feature (nulls get one more)" },
	{ "early_stopping_rounds", BP_PARAM_INT, 0, 1000000, "20", NULL,
	  "stop after this many rounds without validation gain (0: off)" },
	{ "boost_from_average", BP_PARAM_INT, 0, 1, "1", NULL,
	  "1: start from the labels' average; 0: from 0 (XGBoost 1.x)" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void *
gbdt_train(const struct bp_train_ctx *c)
{
	struct bp_gbdt_opts o;
	const json_t *p = c->params;
	const struct bp_dataset *v = c->valid;

	o.task = c->task;
	o.nclass = c->nclasses;
	o.n_estimators = (int)bp_param_int(p, "n_estimators");
	o.learning_rate = bp_param_real(p, "learning_rate");
	o.max_depth = (int)bp_param_int(p, "max_depth");
	o.max_leaves = (int)bp_param_int(p, "max_leaves");
	o.min_child_weight = bp_param_real(p, "min_child_weight");
	o.min_samples_leaf = (int)bp_param_int(p, "min_samples_leaf");
	o.lambda = bp_param_real(p, "lambda");
	o.gamma = bp_param_real(p, "gamma");
	o.subsample = bp_param_real(p, "subsample");
	o.colsample_bytree = bp_param_real(p, "colsample_bytree");
	o.max_bin = (int)bp_param_int(p, "max_bin");
	o.early_stopping_rounds = (int)bp_param_int(p, "early_stopping_rounds");
	o.base_zero = !bp_param_int(p, "boost_from_average");
	{
		struct bp_gbdt *g = bp_gbdt_train(c->train->x, c->ytrain,
			c->train->n, c->train->k, v ? v->x : NULL, c->yvalid,
			v ? v->n : 0, &o, c->seed, c->threads, c->importance,
			c->log);

		if (!g)
			return NULL;
		json_object_set_new(c->fit, "rounds", json_integer(g->rounds));
		json_object_set_new(c->fit, "trees",
				    json_integer((json_int_t)g->ntrees));
		json_object_set_new(c->fit, "best_iteration",
				    g->best_round >= 0 ?
				    json_integer(g->best_round) : json_null());
		return g;
	}
}

static void
gbdt_predict_op(const void *impl, const double *x, double *out)
{
	bp_gbdt_predict(impl, x, out);
}

static void
gbdt_predict_batch_op(const void *impl, const double *x, size_t n,
		      double *out)
{
	bp_gbdt_predict_batch(impl, x, n, out);
}

static const char *
objective_name(enum bp_task t)
{
	return t == BP_TASK_BINARY ? "binary:logistic" :
	       t == BP_TASK_MULTICLASS ? "multi:softmax" : "reg:squarederror";
}

static json_t *
gbdt_to_json(const void *impl)
{
	const struct bp_gbdt *g = impl;
	json_t *o = json_object(), *base = json_array(), *trees = json_array();

	json_object_set_new(o, "objective",
			    json_string(objective_name(g->task)));
	for (size_t c = 0; c < g->K; c++)
		json_array_append_new(base, bp_json_real(g->base[c]));
	json_object_set_new(o, "base_score", base);
	json_object_set_new(o, "num_trees",
			    json_integer((json_int_t)g->ntrees));
	for (size_t tr = 0; tr < g->ntrees; tr++) {
		json_t *t = json_object(), *f = json_array();
		json_t *th = json_array(), *dl = json_array();
		json_t *l = json_array(), *r = json_array(), *v = json_array();
		struct bp_gbdt_node nd;

		for (size_t i = 0; bp_gbdt_node(g, tr, i, &nd) == 0; i++) {
			json_array_append_new(f, json_integer(nd.feature));
			json_array_append_new(th, bp_json_real(nd.threshold));
			json_array_append_new(dl,
					      json_integer(nd.default_left));
			json_array_append_new(l, json_integer(nd.left));
			json_array_append_new(r, json_integer(nd.right));
			json_array_append_new(v, bp_json_real(nd.value));
		}
		json_object_set_new(t, "feature", f);
		json_object_set_new(t, "threshold", th);
		json_object_set_new(t, "default_left", dl);
		json_object_set_new(t, "left", l);
		json_object_set_new(t, "right", r);
		json_object_set_new(t, "value", v);
		json_array_append_new(trees, t);
	}
	json_object_set_new(o, "trees", trees);
	return o;
}

static int
int_at(const json_t *a, size_t i, long *out)
{
	const json_t *v = json_array_get(a, i);

	if (!json_is_integer(v))
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

/* one tree, checked: children after their parent, adjacent, used once */
static int
tree_from_json(struct bp_gbdt *g, const json_t *t, size_t tr, size_t k,
	       const char *name)
{
	static const char *const keys[] = {
		"feature", "threshold", "default_left", "left", "right",
		"value",
	};
	const json_t *a[6];
	size_t m, base = g->nnodes;
	unsigned char *used;
	int rc = -1;

	if (!json_is_object(t))
		return bp_error("%s: model tree %zu is not an object", name,
				tr);
	if (bp_mj_array(t, "feature", (size_t)-1, name, &a[0]) < 0)
		return -1;
	m = json_array_size(a[0]);
	if (m == 0 || m >= DLEFT_BIT)
		return bp_error("%s: model tree %zu has no nodes", name, tr);
	for (int q = 1; q < 6; q++)
		if (bp_mj_array(t, keys[q], m, name, &a[q]) < 0)
			return -1;
	used = bp_xcalloc(m, 1);
	BP_GROW(g->nodes, g->nodealloc, g->nnodes + m);
	for (size_t i = 0; i < m; i++) {
		struct pnode *p = &g->nodes[base + i];
		long f, dl, l, r;
		const json_t *th = json_array_get(a[1], i);
		const json_t *val = json_array_get(a[5], i);

		if (int_at(a[0], i, &f) < 0 || int_at(a[2], i, &dl) < 0 ||
		    int_at(a[3], i, &l) < 0 || int_at(a[4], i, &r) < 0 ||
		    !json_is_number(th) || !json_is_number(val)) {
			bp_error("%s: model tree %zu node %zu: bad value", name,
				 tr, i);
			goto out;
		}
		if (f < 0) {
			if (f != -1 || l != -1 || r != -1) {
				bp_error("%s: model tree %zu node %zu: a leaf "
					 "has children", name, tr, i);
				goto out;
			}
			p->f = -1;
			p->l = 0;
			p->t = json_number_value(val);
			continue;
		}
		if ((size_t)f >= k || l <= (long)i || r != l + 1 ||
		    (size_t)r >= m || (dl != 0 && dl != 1) || used[l] ||
		    used[r]) {
			bp_error("%s: model tree %zu node %zu: bad split "
				 "(feature %ld, children %ld and %ld)", name,
				 tr, i, f, l, r);
			goto out;
		}
		used[l] = used[r] = 1;
		p->f = (int32_t)f;
		p->l = (uint32_t)l | (dl ? DLEFT_BIT : 0);
		p->t = json_number_value(th);
	}
	for (size_t i = 1; i < m; i++)
		if (!used[i]) {
			bp_error("%s: model tree %zu node %zu is unreachable",
				 name, tr, i);
			goto out;
		}
	if (g->ntrees + 2 > g->treealloc) {
		g->treealloc = g->treealloc ? 2 * g->treealloc : 64;
		g->start = bp_xreallocarray(g->start, g->treealloc,
					    sizeof(*g->start));
	}
	g->start[g->ntrees] = base;
	g->nnodes += m;
	g->start[++g->ntrees] = g->nnodes;
	rc = 0;
out:
	free(used);
	return rc;
}

static void *
gbdt_from_json(const json_t *j, size_t k, enum bp_task task, size_t nout,
	       const char *name)
{
	struct bp_gbdt *g = bp_xcalloc(1, sizeof(*g));
	const json_t *obj = json_object_get(j, "objective"), *trees;

	g->task = task;
	g->K = nout;
	g->k = k;
	g->best_round = -1;
	if (!json_is_string(obj) || strcmp(json_string_value(obj),
					   objective_name(task)) != 0) {
		bp_error("%s: model 'objective' does not match its task '%s'",
			 name, bp_task_name(task));
		goto fail;
	}
	if (bp_mj_doubles(j, "base_score", nout, g->base, name) < 0 ||
	    bp_mj_array(j, "trees", (size_t)-1, name, &trees) < 0)
		goto fail;
	if (json_array_size(trees) % nout != 0) {
		bp_error("%s: model has %zu trees, not a multiple of %zu "
			 "classes", name, json_array_size(trees), nout);
		goto fail;
	}
	g->start = bp_xcalloc(1, sizeof(*g->start));
	g->treealloc = 1;
	for (size_t tr = 0; tr < json_array_size(trees); tr++)
		if (tree_from_json(g, json_array_get(trees, tr), tr, k,
				   name) < 0)
			goto fail;
	g->rounds = (int)(g->ntrees / nout);
	compile(g);
	return g;
fail:
	bp_gbdt_free(&g);
	return NULL;
}

static void
gbdt_free_op(void *impl)
{
	struct bp_gbdt *g = impl;

	bp_gbdt_free(&g);
}

const struct bp_model_ops bp_gbdt_ops = {
	.kind = "gbdt",
	.params = gbdt_params,
	.handles_missing = 1,
	.train = gbdt_train,
	.predict = gbdt_predict_op,
	.predict_batch = gbdt_predict_batch_op,
	.to_json = gbdt_to_json,
	.from_json = gbdt_from_json,
	.free = gbdt_free_op,
};
