/*
 * forest: compiled gbdt trees, evaluated over blocks of rows (see
 * forest.h).
 *
 * Shapes: x (n, k) row-major doubles, NaN = null; a block holds up to
 * BLOCK rows; xs (BLOCK, 2k) the block's rows twice, nulls as -inf in
 * the first k columns and as +inf in the last k; acc (BLOCK, K) the raw
 * scores, K = 1 or the number of classes.
 *
 * The trees come from the model file's "model" section (bp_model_to_json)
 * of a loaded, hence already checked, model: node i of a tree has its
 * children at left[i] and left[i] + 1, after it.
 */
#include "forest.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics.h"
#include "util.h"

#if (defined(__x86_64__) || defined(__i386__)) && \
	(defined(__GNUC__) || defined(__clang__))
#define FOREST_X86 1
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f,avx512bw,popcnt")))
#define UNROLL _Pragma("GCC unroll 64")
#else
#define FOREST_X86 0
#endif

#define BLOCK 64		/* rows per block (scalar evaluator) */
#define COMPLETE_MAX 8		/* deeper trees are walked node by node */
#define SIMD_DEPTH 6		/* deepest tree the AVX-512 evaluator takes */
#define LANES 64		/* rows per AVX-512 byte vector */
#define SUBS 4			/* 64-row sub-blocks per AVX-512 block */
#define SBLOCK (SUBS * LANES)
#define NRANK 256		/* thresholds per feature, padded */
#define RANK_PAD 255		/* rank of padding: always left */
#define RANK_MAX 254		/* distinct thresholds of a feature, at most */

/* an inner node of a complete tree: right when xs[fo] > t */
struct cnode {
	double t;
	int32_t fo;		/* feature j + (nulls go left ? 0 : k) */
	int32_t pad;
};

/* a node of a walked tree: fo < 0 for a leaf of value t */
struct wnode {
	double t;
	int32_t fo;
	uint32_t left;		/* right child is left + 1 */
};

struct ftree {
	int depth;		/* complete trees; -1: walked */
	size_t node;		/* first node in cn (complete) or wn (walked) */
	size_t leaf;		/* complete: first of its 2^depth leaves */
	int simd;		/* evaluated by the AVX-512 code */
	size_t snode, sleaf;	/* its nodes in sn, its leaves in sleaf */
};

/*
 * A node for the AVX-512 code: right when the rank in byte plane `plane`
 * (feature j with nulls as rank 0, or k + j with nulls as 255) is above
 * `rank`.
 */
struct snode {
	uint16_t plane;
	uint8_t rank;
	uint8_t pad;
};

struct bp_forest {
	enum bp_task task;
	size_t k, K, ntrees;
	double base[BP_MODEL_MAX_OUTPUTS];
	struct ftree *tree;
	struct cnode *cn;
	double *leaf;
	struct wnode *wn;
	enum bp_forest_impl impl;
	/* the AVX-512 evaluator */
	int simd;		/* in use */
	int need_xs;		/* some trees are left to the scalar code */
	struct snode *sn;
	double *sleaf;		/* per tree max(8, 2^depth) leaves */
	double *piv;		/* (k, 16) every 16th threshold (the last) */
	double *qthr;		/* (k, NRANK) sorted, padded with +inf */
};

/* ---- building ------------------------------------------------------------ */

struct src_tree {
	size_t m;
	long *f, *l;
	int *dl;
	double *t, *v;
};

static void
src_release(struct src_tree *s)
{
	free(s->f);
	free(s->l);
	free(s->dl);
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
long_at(const json_t *a, size_t i, long *out)
{
	const json_t *v = json_array_get(a, i);

	if (!json_is_integer(v))
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

/* one tree of the "trees" array; -1 when it is not what a model holds */
static int
src_read(struct src_tree *s, const json_t *t, size_t k)
{
	const json_t *f = json_object_get(t, "feature");
	const json_t *th = json_object_get(t, "threshold");
	const json_t *dl = json_object_get(t, "default_left");
	const json_t *l = json_object_get(t, "left");
	const json_t *v = json_object_get(t, "value");
	size_t m = json_array_size(f);

	memset(s, 0, sizeof(*s));
	if (m == 0 || json_array_size(th) != m || json_array_size(dl) != m ||
	    json_array_size(l) != m || json_array_size(v) != m)
		return -1;
	s->m = m;
	s->f = bp_xcalloc(m, sizeof(*s->f));
	s->l = bp_xcalloc(m, sizeof(*s->l));
	s->dl = bp_xcalloc(m, sizeof(*s->dl));
	s->t = bp_xcalloc(m, sizeof(*s->t));
	s->v = bp_xcalloc(m, sizeof(*s->v));
	for (size_t i = 0; i < m; i++) {
		long d;

		if (long_at(f, i, &s->f[i]) < 0 ||
		    long_at(l, i, &s->l[i]) < 0 || long_at(dl, i, &d) < 0 ||
		    !json_is_number(json_array_get(th, i)) ||
		    !json_is_number(json_array_get(v, i)))
			return -1;
		s->dl[i] = d != 0;
		s->t[i] = json_number_value(json_array_get(th, i));
		s->v[i] = json_number_value(json_array_get(v, i));
		if (s->f[i] < 0)
			continue;
		/* the double trick needs finite thresholds (see forest.h) */
		if ((size_t)s->f[i] >= k || s->l[i] <= (long)i ||
		    (size_t)s->l[i] + 1 >= m ||
		    !isfinite(s->t[i]))
			return -1;
	}
	return 0;
}

/* depth of a tree whose children come after their parents */
static int
src_depth(const struct src_tree *s)
{
	int *d = bp_xcalloc(s->m, sizeof(*d)), max = 0;

	for (size_t i = 0; i < s->m; i++) {
		if (d[i] > max)
			max = d[i];
		if (s->f[i] >= 0)
			d[s->l[i]] = d[s->l[i] + 1] = d[i] + 1;
	}
	free(d);
	return max;
}

static int32_t
node_fo(const struct src_tree *s, size_t i, size_t k)
{
	return (int32_t)((size_t)s->f[i] + (s->dl[i] ? 0 : k));
}

/* the complete tree of depth d at heap position h from node i */
static void
fill_complete(struct cnode *cn, double *leaf, const struct src_tree *s,
	      size_t k, size_t i, size_t h, int level, int d)
{
	size_t inner = ((size_t)1 << d) - 1;

	if (level == d) {
		leaf[h - inner] = s->v[i];
		return;
	}
	if (s->f[i] < 0) {
		/* a leaf above depth d: padding that always goes left */
		cn[h].t = INFINITY;
		cn[h].fo = 0;
		fill_complete(cn, leaf, s, k, i, 2 * h + 1, level + 1, d);
		fill_complete(cn, leaf, s, k, i, 2 * h + 2, level + 1, d);
		return;
	}
	cn[h].t = s->t[i];
	cn[h].fo = node_fo(s, i, k);
	fill_complete(cn, leaf, s, k, (size_t)s->l[i], 2 * h + 1, level + 1,
		      d);
	fill_complete(cn, leaf, s, k, (size_t)s->l[i] + 1, 2 * h + 2,
		      level + 1, d);
}

static int
forest_add(struct bp_forest *f, const struct src_tree *s, size_t *cn_alloc,
	   size_t *leaf_alloc, size_t *wn_alloc, size_t *ncn, size_t *nleaf,
	   size_t *nwn)
{
	struct ftree *t = &f->tree[f->ntrees];
	int d = src_depth(s);

	if (d <= COMPLETE_MAX) {
		size_t inner = ((size_t)1 << d) - 1, leaves = (size_t)1 << d;

		BP_GROW(f->cn, *cn_alloc, *ncn + inner + 1);
		BP_GROW(f->leaf, *leaf_alloc, *nleaf + leaves);
		t->depth = d;
		t->node = *ncn;
		t->leaf = *nleaf;
		fill_complete(f->cn + *ncn, f->leaf + *nleaf, s, f->k, 0, 0, 0,
			      d);
		*ncn += inner;
		*nleaf += leaves;
	} else {
		BP_GROW(f->wn, *wn_alloc, *nwn + s->m);
		t->depth = -1;
		t->node = *nwn;
		for (size_t i = 0; i < s->m; i++) {
			struct wnode *w = &f->wn[*nwn + i];

			if (s->f[i] < 0) {
				w->fo = -1;
				w->t = s->v[i];
				w->left = 0;
			} else {
				w->fo = node_fo(s, i, f->k);
				w->t = s->t[i];
				w->left = (uint32_t)s->l[i];
			}
		}
		*nwn += s->m;
	}
	f->ntrees++;
	return 0;
}

static struct bp_forest *
forest_build(const struct bp_model *m, const json_t *sec)
{
	struct bp_forest *f = bp_xcalloc(1, sizeof(*f));
	const json_t *trees = json_object_get(sec, "trees");
	const json_t *base = json_object_get(sec, "base_score");
	size_t cn_alloc = 0, leaf_alloc = 0, wn_alloc = 0;
	size_t ncn = 0, nleaf = 0, nwn = 0, nt = json_array_size(trees);

	f->task = bp_model_task(m);
	f->k = bp_model_nfeatures(m);
	f->K = bp_model_noutputs(m);
	if (f->K > BP_MODEL_MAX_OUTPUTS || json_array_size(base) != f->K ||
	    nt % f->K != 0 || f->k > INT32_MAX / 2)
		goto fail;
	for (size_t c = 0; c < f->K; c++) {
		const json_t *b = json_array_get(base, c);

		if (!json_is_number(b))
			goto fail;
		f->base[c] = json_number_value(b);
	}
	f->tree = bp_xcalloc(nt + 1, sizeof(*f->tree));
	for (size_t tr = 0; tr < nt; tr++) {
		struct src_tree s;
		int rc = src_read(&s, json_array_get(trees, tr), f->k);

		if (rc == 0)
			rc = forest_add(f, &s, &cn_alloc, &leaf_alloc,
					&wn_alloc, &ncn, &nleaf, &nwn);
		src_release(&s);
		if (rc < 0)
			goto fail;
	}
	return f;
fail:
	bp_forest_free(&f);
	return NULL;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sort q[0..n) and drop repeats; returns how many are left. */
static size_t
sort_unique(double *q, size_t n)
{
	size_t u = 0;

	qsort(q, n, sizeof(*q), cmp_dbl);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || q[i] != q[u - 1])
			q[u++] = q[i];
	return u;
}

/* the index of v in the sorted t[0..m) (v is there) */
static size_t
rank_of(const double *t, size_t m, double v)
{
	size_t lo = 0, hi = m;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	assert(lo < m && t[lo] == v);
	return lo;
}

int
bp_forest_cpu_avx512(void)
{
#if FOREST_X86
	if (!bp_avx512_allowed())
		return 0;
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("popcnt");
#else
	return 0;
#endif
}

/*
 * The AVX-512 tables: every feature's distinct thresholds over the trees
 * of depth <= SIMD_DEPTH, the nodes as (plane, rank), the leaves padded.
 * Returns 0, or -1 when a feature has more than RANK_MAX thresholds.
 */
static int
simd_compile(struct bp_forest *f)
{
	size_t k = f->k, *cnt = bp_xcalloc(k + 1, sizeof(*cnt));
	size_t nsn = 0, nsl = 0;
	int rc = -1;

	f->qthr = bp_xmalloc((k ? k : 1) * NRANK * sizeof(*f->qthr));
	f->piv = bp_xmalloc((k ? k : 1) * 16 * sizeof(*f->piv));
	for (size_t tr = 0; tr < f->ntrees; tr++) {
		const struct ftree *t = &f->tree[tr];
		size_t inner;

		if (t->depth < 0 || t->depth > SIMD_DEPTH)
			continue;
		inner = ((size_t)1 << t->depth) - 1;
		for (size_t h = 0; h < inner; h++) {
			const struct cnode *c = &f->cn[t->node + h];
			size_t j = (size_t)c->fo % k;

			if (c->t == INFINITY)
				continue;	/* padding */
			if (cnt[j] == NRANK) {
				/* full: squeeze out repeats before adding */
				cnt[j] = sort_unique(f->qthr + j * NRANK,
						     cnt[j]);
				if (cnt[j] > RANK_MAX)
					goto out;
			}
			f->qthr[j * NRANK + cnt[j]++] = c->t;
		}
		nsn += inner;
		nsl += inner + 1 < 8 ? 8 : inner + 1;
	}
	for (size_t j = 0; j < k; j++) {
		double *q = f->qthr + j * NRANK;
		size_t u = sort_unique(q, cnt[j]);

		cnt[j] = u;
		if (u > RANK_MAX)
			goto out;
		for (size_t i = u; i < NRANK; i++)
			q[i] = INFINITY;
		for (size_t c = 0; c < 16; c++)
			f->piv[j * 16 + c] = q[16 * c + 15];
	}
	f->sn = bp_xcalloc(nsn + 1, sizeof(*f->sn));
	f->sleaf = bp_xcalloc(nsl + 1, sizeof(*f->sleaf));
	nsn = nsl = 0;
	for (size_t tr = 0; tr < f->ntrees; tr++) {
		struct ftree *t = &f->tree[tr];
		size_t inner, leaves;

		if (t->depth < 0 || t->depth > SIMD_DEPTH) {
			f->need_xs = 1;
			continue;
		}
		inner = ((size_t)1 << t->depth) - 1;
		leaves = inner + 1;
		t->simd = 1;
		t->snode = nsn;
		t->sleaf = nsl;
		for (size_t h = 0; h < inner; h++) {
			const struct cnode *c = &f->cn[t->node + h];
			struct snode *s = &f->sn[nsn + h];
			size_t j = (size_t)c->fo % k;

			if (c->t == INFINITY) {
				s->plane = 0;
				s->rank = RANK_PAD;
			} else {
				s->plane = (uint16_t)c->fo;
				s->rank = (uint8_t)rank_of(f->qthr + j * NRANK,
							   cnt[j], c->t);
			}
		}
		memcpy(f->sleaf + nsl, f->leaf + t->leaf,
		       leaves * sizeof(*f->sleaf));
		nsn += inner;
		nsl += leaves < 8 ? 8 : leaves;
	}
	rc = 0;
out:
	free(cnt);
	return rc;
}

struct bp_forest *
bp_forest_new_impl(const struct bp_model *m, enum bp_forest_impl impl)
{
	struct bp_forest *f;
	json_t *doc;

	if (strcmp(bp_model_kind(m), "gbdt") != 0)
		return NULL;
	doc = bp_model_to_json(m);
	f = forest_build(m, json_object_get(doc, "model"));
	json_decref(doc);
	if (!f)
		return NULL;
	f->impl = BP_FOREST_SCALAR;
	if (impl != BP_FOREST_SCALAR && f->k > 0 && f->k <= 0x7fff &&
	    bp_forest_cpu_avx512()) {
		if (simd_compile(f) == 0) {
			f->simd = 1;
			f->impl = BP_FOREST_AVX512;
		} else {
			for (size_t tr = 0; tr < f->ntrees; tr++)
				f->tree[tr].simd = 0;
			f->need_xs = 0;
		}
	}
	return f;
}

struct bp_forest *
bp_forest_new(const struct bp_model *m)
{
	return bp_forest_new_impl(m, BP_FOREST_AUTO);
}

void
bp_forest_free(struct bp_forest **fp)
{
	struct bp_forest *f = fp ? *fp : NULL;

	if (!f)
		return;
	free(f->tree);
	free(f->cn);
	free(f->leaf);
	free(f->wn);
	free(f->sn);
	free(f->sleaf);
	free(f->piv);
	free(f->qthr);
	free(f);
	*fp = NULL;
}

enum bp_forest_impl
bp_forest_impl(const struct bp_forest *f)
{
	return f->impl;
}

/* ---- prediction ---------------------------------------------------------- */

/* xs (nb, 2k): each row with nulls as -inf, then as +inf */
static void
dual_rows(double *xs, const double *x, size_t nb, size_t k)
{
	for (size_t r = 0; r < nb; r++) {
		const double *xr = x + r * k;
		double *lo = xs + r * 2 * k, *hi = lo + k;

		for (size_t j = 0; j < k; j++) {
			double v = xr[j];
			int nan = isnan(v);

			lo[j] = nan ? -INFINITY : v;
			hi[j] = nan ? INFINITY : v;
		}
	}
}

/* one complete tree of depth d over nb rows: acc[r * rs] += leaf */
static void
tree_complete(const struct cnode *cn, const double *leaf, int d,
	      const double *xs, size_t k2, size_t nb, double *acc, size_t rs)
{
	size_t h[SBLOCK];
	size_t inner = ((size_t)1 << d) - 1;

	/* level by level over the whole block: independent steps in flight */
	for (size_t r = 0; r < nb; r++)
		h[r] = 0;
	for (int l = 0; l < d; l++)
		for (size_t r = 0; r < nb; r++) {
			const struct cnode *nd = &cn[h[r]];

			/* arithmetic, not a branch: the compare is random */
			h[r] = 2 * h[r] + 1 + (xs[r * k2 + (size_t)nd->fo] >
					       nd->t);
		}
	for (size_t r = 0; r < nb; r++)
		acc[r * rs] += leaf[h[r] - inner];
}

static void
tree_walk(const struct wnode *wn, const double *xs, size_t k2, size_t nb,
	  double *acc, size_t rs)
{
	for (size_t r = 0; r < nb; r++) {
		const double *xr = xs + r * k2;
		uint32_t i = 0;

		while (wn[i].fo >= 0)
			i = wn[i].left + (xr[wn[i].fo] > wn[i].t);
		acc[r * rs] += wn[i].t;
	}
}

/*
 * Tree tr over nb rows of xs; the raw score of row r, class c is
 * acc[r * rs + c * cs].
 */
static void
tree_scalar(const struct bp_forest *f, size_t tr, const double *xs,
	    size_t nb, double *acc, size_t rs, size_t cs)
{
	const struct ftree *t = &f->tree[tr];
	size_t c = f->K == 1 ? 0 : tr % f->K;

	if (t->depth >= 0)
		tree_complete(f->cn + t->node, f->leaf + t->leaf, t->depth, xs,
			      2 * f->k, nb, acc + c * cs, rs);
	else
		tree_walk(f->wn + t->node, xs, 2 * f->k, nb, acc + c * cs, rs);
}

static void
predict_scalar(const struct bp_forest *f, const double *x, size_t n,
	       double *out)
{
	size_t K = f->K, k = f->k;
	double *xs = bp_xmalloc(BLOCK * 2 * (k ? k : 1) * sizeof(*xs));

	for (size_t lo = 0; lo < n; lo += BLOCK) {
		size_t nb = n - lo < BLOCK ? n - lo : BLOCK;
		double *acc = out + lo * K;

		dual_rows(xs, x + lo * k, nb, k);
		for (size_t r = 0; r < nb; r++)
			for (size_t c = 0; c < K; c++)
				acc[r * K + c] = f->base[c];
		for (size_t tr = 0; tr < f->ntrees; tr++)
			tree_scalar(f, tr, xs, nb, acc, K, 1);
		for (size_t r = 0; r < nb; r++)
			bp_task_link(f->task, acc + r * K, K);
	}
	free(xs);
}

#if FOREST_X86
/*
 * The AVX-512 evaluator.  A block is SUBS sub-blocks of 64 rows; Q holds
 * each sub-block's 2k byte planes (plane p, row i at Q[p * 64 + i]); acc
 * the raw scores, class c of row r at acc[c * SBLOCK + r].
 */

/*
 * Every row's rank of every feature into the planes; feature by feature
 * over each 64 rows, so that the feature's thresholds (2 KiB) and the
 * rows (64 x k doubles) stay in the cache.
 */
AVX512 static void
simd_quantize(const struct bp_forest *f, const double *x, size_t nb,
	      unsigned char *Q)
{
	size_t k = f->k;

	for (size_t r0 = 0; r0 < nb; r0 += LANES) {
		size_t m = nb - r0 < LANES ? nb - r0 : LANES;
		unsigned char *qs = Q + (r0 / LANES) * 2 * k * LANES;
		const double *xs = x + r0 * k;

		for (size_t j = 0; j < k; j++) {
			const double *p = f->piv + j * 16;
			const double *tj = f->qthr + j * NRANK;
			__m512d p0 = _mm512_loadu_pd(p);
			__m512d p1 = _mm512_loadu_pd(p + 8);
			unsigned char *lo = qs + j * LANES;
			unsigned char *hi = qs + (k + j) * LANES;

			for (size_t i = 0; i < m; i++) {
				double xv = xs[i * k + j];
				__m512d v = _mm512_set1_pd(xv);
				const double *t;
				unsigned mk, c, rank;

				/*
				 * rank = thresholds below x, in two steps of 16
				 * compares: whole chunks of 16 (their last one
				 * below x), then within the next chunk.  A null
				 * compares false throughout: rank 0.
				 */
				mk = _mm512_cmp_pd_mask(p0, v, _CMP_LT_OQ) |
				     (unsigned)_mm512_cmp_pd_mask(p1, v,
						_CMP_LT_OQ) << 8;
				c = (unsigned)_mm_popcnt_u32(mk);
				t = tj + 16 * c;
				mk = _mm512_cmp_pd_mask(_mm512_loadu_pd(t), v,
							_CMP_LT_OQ) |
				     (unsigned)_mm512_cmp_pd_mask(
					_mm512_loadu_pd(t + 8), v,
					_CMP_LT_OQ) << 8;
				rank = 16 * c + (unsigned)_mm_popcnt_u32(mk);
				lo[i] = (unsigned char)rank;
				hi[i] = (unsigned char)(isnan(xv) ? 255 : rank);
			}
		}
	}
}

/* 0xff in the bytes of the rows that go right at node nd */
AVX512 static inline __m512i
node_right(const struct snode *nd, const unsigned char *Q)
{
	__m512i q = _mm512_loadu_si512(Q + (size_t)nd->plane * LANES);

	return _mm512_movm_epi8(_mm512_cmpgt_epu8_mask(q,
		_mm512_set1_epi8((char)nd->rank)));
}

/* s ? a : b, bit by bit */
#define MUX(s, a, b) _mm512_ternarylogic_epi64((s), (a), (b), 0xca)

/*
 * One complete tree of depth d (a constant where inlined) over 64 rows.
 * Level l has 2^l nodes; every one is compared for all rows at once, and
 * b[l], the rows' direction at level l, is picked from them by the
 * directions above: the node index within the level is b[0] ... b[l-1]
 * read as a binary number.  The picking is a tree of selects done as the
 * nodes come (st[s] holds the pending left half at select level s).
 * Then the leaf index, byte by byte, and its value by permutes.
 */
AVX512 static inline __attribute__((always_inline)) void
simd_tree_d(const struct snode *sn, const double *leaf, const int d,
	    const unsigned char *Q, double *acc)
{
	__m512i b[SIMD_DEPTH], st[SIMD_DEPTH], idx;
	__m512d lv[8];
	unsigned char lb[LANES];
	size_t base = 0;

	for (int l = 0; l < SIMD_DEPTH; l++)	/* (quiets the compiler) */
		b[l] = st[l] = _mm512_setzero_si512();

	UNROLL
	for (int l = 0; l < d; l++) {
		size_t n = (size_t)1 << l;

		UNROLL
		for (size_t i = 0; i < n; i++) {
			__m512i v = node_right(&sn[base + i], Q);
			int s = l - 1;

			/* an odd index closes pairs: one select per 1 bit */
			UNROLL
			for (int q = 0; q < l; q++) {
				if (!((i >> q) & 1))
					break;
				v = MUX(b[s], v, st[s]);
				s--;
			}
			if (s >= 0)
				st[s] = v;
			else
				b[l] = v;
		}
		base += n;
	}
	idx = _mm512_setzero_si512();
	UNROLL
	for (int l = 0; l < d; l++)
		idx = _mm512_ternarylogic_epi64(idx, b[l],
			_mm512_set1_epi8((char)(1 << (d - 1 - l))), 0xf8);
	_mm512_storeu_si512(lb, idx);
	for (int i = 0; i < ((1 << d) + 7) / 8; i++)
		lv[i] = _mm512_loadu_pd(leaf + 8 * i);
	UNROLL
	for (int g = 0; g < LANES / 8; g++) {
		__m512i li = _mm512_cvtepu8_epi64(
			_mm_loadl_epi64((const __m128i *)(lb + 8 * g)));
		__m512d v;

		if (d <= 3) {
			v = _mm512_permutexvar_pd(li, lv[0]);
		} else if (d == 4) {
			v = _mm512_permutex2var_pd(lv[0], li, lv[1]);
		} else {
			__mmask8 k4 = _mm512_test_epi64_mask(li,
				_mm512_set1_epi64(16));
			__m512d t0 = _mm512_permutex2var_pd(lv[0], li, lv[1]);
			__m512d t1 = _mm512_permutex2var_pd(lv[2], li, lv[3]);

			v = _mm512_mask_blend_pd(k4, t0, t1);
			if (d == 6) {
				__mmask8 k5 = _mm512_test_epi64_mask(li,
					_mm512_set1_epi64(32));
				__m512d t2, t3, u;

				t2 = _mm512_permutex2var_pd(lv[4], li, lv[5]);
				t3 = _mm512_permutex2var_pd(lv[6], li, lv[7]);
				u = _mm512_mask_blend_pd(k4, t2, t3);
				v = _mm512_mask_blend_pd(k5, v, u);
			}
		}
		v = _mm512_add_pd(_mm512_loadu_pd(acc + 8 * g), v);
		_mm512_storeu_pd(acc + 8 * g, v);
	}
}

AVX512 static void
simd_tree(const struct snode *sn, const double *leaf, int d,
	  const unsigned char *Q, double *acc)
{
	switch (d) {
	case 0:
		for (int g = 0; g < LANES / 8; g++)
			_mm512_storeu_pd(acc + 8 * g, _mm512_add_pd(
				_mm512_loadu_pd(acc + 8 * g),
				_mm512_set1_pd(leaf[0])));
		break;
	case 1: simd_tree_d(sn, leaf, 1, Q, acc); break;
	case 2: simd_tree_d(sn, leaf, 2, Q, acc); break;
	case 3: simd_tree_d(sn, leaf, 3, Q, acc); break;
	case 4: simd_tree_d(sn, leaf, 4, Q, acc); break;
	case 5: simd_tree_d(sn, leaf, 5, Q, acc); break;
	default: simd_tree_d(sn, leaf, 6, Q, acc); break;
	}
}

static unsigned char *
align64(void *p)
{
	return (unsigned char *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

static void
predict_simd(const struct bp_forest *f, const double *x, size_t n,
	     double *out)
{
	size_t K = f->K, k = f->k, planes = 2 * k * LANES;
	void *qmem = bp_xcalloc(SUBS * planes + 64, 1);
	void *amem = bp_xmalloc(K * SBLOCK * sizeof(double) + 64);
	unsigned char *Q = align64(qmem);
	double *acc = (double *)(void *)align64(amem);
	double *xs = f->need_xs ? bp_xmalloc(SBLOCK * 2 * k * sizeof(*xs)) :
			NULL;

	for (size_t lo = 0; lo < n; lo += SBLOCK) {
		size_t nb = n - lo < SBLOCK ? n - lo : SBLOCK;
		size_t nsub = (nb + LANES - 1) / LANES;

		simd_quantize(f, x + lo * k, nb, Q);
		if (xs)
			dual_rows(xs, x + lo * k, nb, k);
		for (size_t c = 0; c < K; c++)
			for (size_t r = 0; r < SBLOCK; r++)
				acc[c * SBLOCK + r] = f->base[c];
		/* tree by tree, in the model's order: the same sums */
		for (size_t tr = 0; tr < f->ntrees; tr++) {
			const struct ftree *t = &f->tree[tr];
			size_t c = K == 1 ? 0 : tr % K;

			if (!t->simd) {
				tree_scalar(f, tr, xs, nb, acc, 1, SBLOCK);
				continue;
			}
			for (size_t sb = 0; sb < nsub; sb++)
				simd_tree(f->sn + t->snode, f->sleaf + t->sleaf,
					  t->depth, Q + sb * planes,
					  acc + c * SBLOCK + sb * LANES);
		}
		for (size_t r = 0; r < nb; r++) {
			double *o = out + (lo + r) * K;

			for (size_t c = 0; c < K; c++)
				o[c] = acc[c * SBLOCK + r];
			bp_task_link(f->task, o, K);
		}
	}
	free(xs);
	free(amem);
	free(qmem);
}
#endif

void
bp_forest_predict(const struct bp_forest *f, const double *x, size_t n,
		  double *out)
{
#if FOREST_X86
	if (f->simd) {
		predict_simd(f, x, n, out);
		return;
	}
#endif
	predict_scalar(f, x, n, out);
}
