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

#include "util.h"

#define BLOCK 64		/* rows per block */
#define COMPLETE_MAX 8		/* deeper trees are walked node by node */

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

		if (long_at(f, i, &s->f[i]) < 0 || long_at(l, i, &s->l[i]) < 0 ||
		    long_at(dl, i, &d) < 0 ||
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
			rc = forest_add(f, &s, &cn_alloc, &leaf_alloc, &wn_alloc,
					&ncn, &nleaf, &nwn);
		src_release(&s);
		if (rc < 0)
			goto fail;
	}
	return f;
fail:
	bp_forest_free(&f);
	return NULL;
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
	(void)impl;
	f->impl = BP_FOREST_SCALAR;
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
	free(f);
	*fp = NULL;
}

enum bp_forest_impl
bp_forest_impl(const struct bp_forest *f)
{
	return f->impl;
}

/* ---- prediction ---------------------------------------------------------- */

/* as gbdt.c: the logistic function without overflow */
static double
sigmoid(double t)
{
	return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

/* probabilities from raw scores (K) in place, as gbdt.c's link() */
static void
link(enum bp_task task, double *v, size_t K)
{
	double mx, s = 0.0;

	if (task == BP_TASK_BINARY) {
		v[0] = sigmoid(v[0]);
		return;
	}
	if (task != BP_TASK_MULTICLASS)
		return;
	mx = v[0];
	for (size_t c = 1; c < K; c++)
		if (v[c] > mx)
			mx = v[c];
	for (size_t c = 0; c < K; c++) {
		v[c] = exp(v[c] - mx);
		s += v[c];
	}
	for (size_t c = 0; c < K; c++)
		v[c] /= s;
}

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

/* one complete tree of depth d over the block: acc[r * K + c] += leaf */
static void
tree_complete(const struct cnode *cn, const double *leaf, int d,
	      const double *xs, size_t k2, size_t nb, double *acc, size_t K,
	      size_t c)
{
	size_t h[BLOCK];
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
		acc[r * K + c] += leaf[h[r] - inner];
}

static void
tree_walk(const struct wnode *wn, const double *xs, size_t k2, size_t nb,
	  double *acc, size_t K, size_t c)
{
	for (size_t r = 0; r < nb; r++) {
		const double *xr = xs + r * k2;
		uint32_t i = 0;

		while (wn[i].fo >= 0)
			i = wn[i].left + (xr[wn[i].fo] > wn[i].t);
		acc[r * K + c] += wn[i].t;
	}
}

/* trees [t0, t1) over the block, in order */
static void
trees_scalar(const struct bp_forest *f, size_t t0, size_t t1,
	     const double *xs, size_t nb, double *acc)
{
	size_t K = f->K, k2 = 2 * f->k;

	for (size_t tr = t0; tr < t1; tr++) {
		const struct ftree *t = &f->tree[tr];
		size_t c = K == 1 ? 0 : tr % K;

		if (t->depth >= 0)
			tree_complete(f->cn + t->node, f->leaf + t->leaf,
				      t->depth, xs, k2, nb, acc, K, c);
		else
			tree_walk(f->wn + t->node, xs, k2, nb, acc, K, c);
	}
}

void
bp_forest_predict(const struct bp_forest *f, const double *x, size_t n,
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
		trees_scalar(f, 0, f->ntrees, xs, nb, acc);
		for (size_t r = 0; r < nb; r++)
			link(f->task, acc + r * K, K);
	}
	free(xs);
}
