/*
 * test-gbdt: the tree learner on hand-made data sets where the best split,
 * its gain and the leaf values can be worked out by hand, null handling
 * (the learned default direction), leaf-wise growth, early stopping,
 * multiclass, thread independence and the model-file round trip; and the
 * trees and raw scores of XGBoost 1.7 (tests/unit/ref/gbdt_ref.py wrote
 * tests/unit/ref/gbdt-cases.txt): the same data, the same settings, the
 * same trees.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "gbdt.h"
#include "model.h"
#include "tap.h"
#include "util.h"

/* hand computations in double: exact up to a few roundings */
#define TOL 1e-12

static struct bp_gbdt_opts
opts(enum bp_task task, int rounds, int depth)
{
	struct bp_gbdt_opts o = {
		.task = task, .nclass = 0, .n_estimators = rounds,
		.learning_rate = 1.0, .max_depth = depth, .max_leaves = 0,
		.min_child_weight = 0, .min_samples_leaf = 1, .lambda = 0,
		.gamma = 0, .subsample = 1, .colsample_bytree = 1,
		.max_bin = 255, .early_stopping_rounds = 0,
	};
	return o;
}

static void
stump(void)
{
	/* y = 1 exactly when x > 4: the split is between 4 and 5 */
	double x[16], y[8];
	struct bp_gbdt_opts o = opts(BP_TASK_BINARY, 1, 1);
	struct bp_gbdt *g;
	struct bp_gbdt_node root, l, r;
	double imp[2];

	for (int i = 0; i < 8; i++) {
		x[2 * i] = 7.0;		/* a constant, useless feature */
		x[2 * i + 1] = i + 1;
		y[i] = i + 1 > 4;
	}
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, imp, NULL);
	ok(g && bp_gbdt_ntrees(g) == 1 && bp_gbdt_tree_size(g, 0) == 3,
	   "one stump");
	bp_gbdt_node(g, 0, 0, &root);
	ok(root.feature == 1, "split on the informative feature");
	is_close(root.threshold, 4.5, TOL, "threshold between 4 and 5");
	bp_gbdt_node(g, 0, (size_t)root.left, &l);
	bp_gbdt_node(g, 0, (size_t)root.right, &r);
	/*
	 * base score logit(1/2) = 0, so p = 1/2: g = p - y = +-1/2 and
	 * h = 1/4 per row; left G = 2, H = 1: value -G/H = -2; right +2
	 */
	is_close(l.value, -2.0, TOL, "left leaf -G/H = -2");
	is_close(r.value, 2.0, TOL, "right leaf +2");
	ok(imp[0] == 0 && imp[1] == 1, "all the gain on feature 1");
	{
		double q[2] = { 7, 4.4 }, p;

		bp_gbdt_predict(g, q, &p);
		is_close(p, 1 / (1 + exp(2.0)), TOL, "p(4.4) = sigmoid(-2)");
		q[1] = 4.6;
		bp_gbdt_predict(g, q, &p);
		is_close(p, 1 / (1 + exp(-2.0)), TOL, "p(4.6) = sigmoid(2)");
	}
	bp_gbdt_free(&g);

	/* lambda = 1: value -G/(H + 1) = -1; min_child_weight 1.5 > H */
	o.lambda = 1;
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	bp_gbdt_node(g, 0, 1, &l);
	is_close(l.value, -1.0, TOL, "lambda shrinks the leaf: -2/(1+1)");
	bp_gbdt_free(&g);
	o.min_child_weight = 1.5;	/* each side has H = 1 */
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	ok(bp_gbdt_tree_size(g, 0) == 1, "min_child_weight blocks the split");
	bp_gbdt_free(&g);
	o.min_child_weight = 0;
	o.min_samples_leaf = 5;		/* 4 rows a side at best */
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	ok(bp_gbdt_tree_size(g, 0) == 1, "min_samples_leaf blocks it too");
	bp_gbdt_free(&g);
	o.min_samples_leaf = 1;
	o.lambda = 0;
	/* XGBoost's gain G_L^2/H_L + G_R^2/H_R - G^2/H = 4 + 4 - 0 = 8 */
	o.gamma = 8.01;
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	ok(bp_gbdt_tree_size(g, 0) == 1, "gamma above the gain: no split");
	bp_gbdt_free(&g);
	o.gamma = 8;	/* a gain of at least gamma splits, as in XGBoost */
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	ok(bp_gbdt_tree_size(g, 0) == 3, "gamma = gain: split");
	bp_gbdt_free(&g);
}

static void
nulls(void)
{
	/*
	 * values 1 2 -> 0, 3 4 -> 1; two nulls labelled 1 must go with 3 4
	 * (right); labelled 0 they go left.  The split is at 2.5 either way.
	 */
	double x[6] = { NAN, NAN, 1, 2, 3, 4 }, y[6] = { 1, 1, 0, 0, 1, 1 };
	struct bp_gbdt_opts o = opts(BP_TASK_BINARY, 1, 1);
	struct bp_gbdt *g;
	struct bp_gbdt_node root;
	double q = NAN, p;

	g = bp_gbdt_train(x, y, 6, 1, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	bp_gbdt_node(g, 0, 0, &root);
	ok(root.threshold == 2.5 && !root.default_left,
	   "nulls like the high values go right");
	bp_gbdt_predict(g, &q, &p);
	ok(p > 0.5, "a null predicts like 3 and 4 (%g)", p);
	bp_gbdt_free(&g);
	y[0] = y[1] = 0;
	g = bp_gbdt_train(x, y, 6, 1, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	bp_gbdt_node(g, 0, 0, &root);
	ok(root.threshold == 2.5 && root.default_left,
	   "nulls like the low values go left");
	bp_gbdt_predict(g, &q, &p);
	ok(p < 0.5, "a null predicts like 1 and 2 (%g)", p);
	bp_gbdt_free(&g);
}

static void
regression(void)
{
	/* four distinct targets, depth 2, lambda 0, lr 1: an exact fit */
	double x[4] = { 1, 2, 3, 4 }, y[4] = { 2, 4, 6, 8 }, p;
	struct bp_gbdt_opts o = opts(BP_TASK_REGRESSION, 1, 2);
	struct bp_gbdt *g;

	g = bp_gbdt_train(x, y, 4, 1, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	for (int i = 0; i < 4; i++) {
		bp_gbdt_predict(g, &x[i], &p);
		is_close(p, y[i], TOL, "regression fit at x = %g", x[i]);
	}
	bp_gbdt_free(&g);
}

static void
leafwise(void)
{
	double x[16], y[16];
	struct bp_gbdt_opts o = opts(BP_TASK_REGRESSION, 1, 0);
	struct bp_gbdt *g;
	struct bp_gbdt_node nd;
	size_t leaves = 0;

	for (int i = 0; i < 16; i++) {
		x[i] = i;
		y[i] = i * i;
	}
	o.max_leaves = 3;
	g = bp_gbdt_train(x, y, 16, 1, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	for (size_t i = 0; bp_gbdt_node(g, 0, i, &nd) == 0; i++)
		leaves += nd.feature < 0;
	ok(leaves == 3, "leaf-wise growth stops at max_leaves (%zu)", leaves);
	bp_gbdt_free(&g);
}

static void
random_set(size_t n, size_t k, double *x, double *y, uint64_t seed)
{
	struct bp_rng r;

	bp_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		double eta = 0;

		for (size_t j = 0; j < k; j++) {
			x[i * k + j] = bp_rng_normal(&r);
			if (bp_rng_uniform(&r) < 0.05)
				x[i * k + j] = NAN;
			else if (j < 3)
				eta += x[i * k + j];
		}
		y[i] = bp_rng_uniform(&r) < 1 / (1 + exp(-2 * eta));
	}
}

static void
determinism_and_stopping(void)
{
	size_t n = 3000, k = 6;
	double *x = malloc(n * k * sizeof(*x)), *y = malloc(n * sizeof(*y));
	const char *names[] = { "a", "b", "c", "d", "e", "f" };
	struct bp_dataset d, tr, va;
	json_t *params = bp_model_params_parse(
		"n_estimators=40,max_depth=4,subsample=0.8,"
		"colsample_bytree=0.7,learning_rate=0.3,"
		"early_stopping_rounds=0");
	struct bp_model *m1, *m2, *m3;
	json_t *j1, *j2, *j3;
	char *t1, *t2, *t3;
	struct bp_gbdt_opts o = opts(BP_TASK_BINARY, 300, 6);
	struct bp_gbdt *g;

	random_set(n, k, x, y, 11);
	bp_dataset_from_matrix(&d, n, k, names, x, y, "label_up");
	bp_dataset_split_tail(&d, 0.25, &tr, &va);
	m1 = bp_model_train("gbdt", params, &tr, &va, 5, 1, NULL);
	m2 = bp_model_train("gbdt", params, &tr, &va, 5, 2, NULL);
	m3 = bp_model_train("gbdt", params, &tr, &va, 6, 2, NULL);
	j1 = bp_model_to_json(m1);
	j2 = bp_model_to_json(m2);
	j3 = bp_model_to_json(m3);
	t1 = json_dumps(j1, JSON_COMPACT);
	t2 = json_dumps(j2, JSON_COMPACT);
	t3 = json_dumps(j3, JSON_COMPACT);
	ok(strcmp(t1, t2) == 0, "1 and 2 threads: identical model files");
	ok(strcmp(t1, t3) != 0, "another seed: another model (sampling)");
	{
		struct bp_model *back = bp_model_from_json(j1, "t");
		json_t *jb = bp_model_to_json(back);
		char *tb = json_dumps(jb, JSON_COMPACT);
		double q[6] = { 0.3, NAN, -1, 2, 0, 1 }, a, b;

		ok(strcmp(t1, tb) == 0, "model file round trip is exact");
		{
			double out[64], one;
			int same = 1;

			bp_model_predict_batch(m1, va.x, 64, out);
			for (int i = 0; i < 64; i++) {
				bp_model_predict(m1, va.x + i * k, &one);
				same &= one == out[i];
			}
			ok(same, "batch prediction = row by row, nulls too");
		}
		bp_model_predict(m1, q, &a);
		bp_model_predict(back, q, &b);
		ok(a == b, "same prediction after reload, nulls included");
		free(tb);
		json_decref(jb);
		bp_model_free(&back);
	}
	free(t1);
	free(t2);
	free(t3);
	json_decref(j1);
	json_decref(j2);
	json_decref(j3);
	bp_model_free(&m1);
	bp_model_free(&m2);
	bp_model_free(&m3);

	/*
	 * batch prediction compares ranks of thresholds instead of the
	 * values: rows sitting exactly on thresholds, a hair below and above
	 * them, and nulls, must give the same bits as row by row
	 */
	{
		struct bp_gbdt_opts o2 = opts(BP_TASK_BINARY, 30, 4);
		struct bp_gbdt *gg = bp_gbdt_train(tr.x, tr.y, tr.n, k, NULL,
						   NULL, 0, &o2, 1, 2, NULL,
						   NULL);
		size_t nq = 0, same = 1;
		double *qx = calloc(3000 * k, sizeof(*qx)), *pb, one;
		struct bp_gbdt_node nd;

		for (size_t t = 0; t < bp_gbdt_ntrees(gg) && nq < 2990; t++)
			for (size_t i = 0; bp_gbdt_node(gg, t, i, &nd) == 0 &&
			     nq < 2990; i++) {
				if (nd.feature < 0)
					continue;
				for (int v = 0; v < 3; v++, nq++) {
					memcpy(qx + nq * k,
					       tr.x + (nq % tr.n) * k,
					       k * sizeof(*qx));
					qx[nq * k + (size_t)nd.feature] =
						v == 0 ? nd.threshold :
						nextafter(nd.threshold,
							  v == 1 ? -INFINITY :
							  INFINITY);
				}
			}
		pb = calloc(nq, sizeof(*pb));
		bp_gbdt_predict_batch(gg, qx, nq, pb);
		for (size_t i = 0; i < nq; i++) {
			bp_gbdt_predict(gg, qx + i * k, &one);
			same &= one == pb[i];
		}
		ok(nq > 100 && same, "batch = single on %zu rows at, below and "
		   "above thresholds", nq);
		free(qx);
		free(pb);
		bp_gbdt_free(&gg);
	}

	/* lr 1, deep trees: validation loss turns up soon; stop after 5 */
	o.early_stopping_rounds = 5;
	g = bp_gbdt_train(tr.x, tr.y, tr.n, k, va.x, va.y, va.n, &o, 1, 1,
			  NULL, NULL);
	ok(bp_gbdt_rounds(g) < 300 &&
	   bp_gbdt_rounds(g) == bp_gbdt_best_round(g) + 1 + 5,
	   "early stopping: %d rounds, best %d", bp_gbdt_rounds(g),
	   bp_gbdt_best_round(g) + 1);
	ok(bp_gbdt_ntrees(g) == (size_t)bp_gbdt_best_round(g) + 1,
	   "the trees of the best round are kept");
	bp_gbdt_free(&g);
	json_decref(params);
	bp_dataset_release(&d);
	bp_dataset_release(&tr);
	bp_dataset_release(&va);
	free(x);
	free(y);
}

static void
multiclass(void)
{
	/* three clusters on one feature: classes 0 1 2 */
	double x[30], y[30], p[3];
	struct bp_gbdt_opts o = opts(BP_TASK_MULTICLASS, 20, 2);
	struct bp_gbdt *g;

	for (int i = 0; i < 30; i++) {
		y[i] = i % 3;
		x[i] = 10 * y[i] + (i % 5) * 0.1;
	}
	o.nclass = 3;
	o.learning_rate = 0.5;
	g = bp_gbdt_train(x, y, 30, 1, NULL, NULL, 0, &o, 1, 2, NULL, NULL);
	ok(bp_gbdt_ntrees(g) == 60, "one tree per class per round");
	for (int c = 0; c < 3; c++) {
		double q = 10 * c;

		bp_gbdt_predict(g, &q, p);
		ok(p[c] > 0.9 && fabs(p[0] + p[1] + p[2] - 1) < 1e-12,
		   "class %d: p = %.3f %.3f %.3f", c, p[0], p[1], p[2]);
	}
	bp_gbdt_free(&g);
}

/* ---- against XGBoost ---------------------------------------------------- */

/*
 * XGBoost computes gradients, leaf values and raw scores in single
 * precision (about 7 digits; the dump prints leaves with 9) and barpipe in
 * double: leaves and raw scores (a few units at most here) agree to 1e-6.
 */
#define XGB_TOL 1e-6

/* gbdt_ref.py's generator: a 64-bit LCG, one division per value */
static uint64_t lcg;

static double
lcg_next(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg >> 33);
}

/* gen() of gbdt_ref.py: x (n, k), label y, target t; returns n */
static size_t
ref_data(const char *set, double **x, double **y, double **t, size_t *k)
{
	int small = strcmp(set, "small") == 0;
	size_t n = small ? 400 : 3000;

	*k = small ? 4 : 3;
	*x = calloc(n * *k, sizeof(double));
	*y = calloc(n, sizeof(double));
	*t = calloc(n, sizeof(double));
	lcg = small ? 12345 : 777;
	for (size_t i = 0; i < n; i++) {
		double *r = *x + i * *k, eta, p, u;

		if (small) {
			r[0] = fmod(lcg_next(), 50);
			r[1] = (fmod(lcg_next(), 41) - 20.0) / 4.0;
			if (fmod(lcg_next(), 10) == 0)
				r[1] = NAN;
			r[2] = (fmod(lcg_next(), 121) - 60.0) / 10.0;
			r[3] = fmod(lcg_next(), 5);
			eta = 0.04 * r[0] - 1.0 + (isnan(r[1]) ? 0.5 :
						   0.1 * r[1]) - 0.1 * r[2];
			p = fmin(fmax(0.5 + 0.5 * eta, 0.05), 0.95);
		} else {
			r[0] = fmod(lcg_next(), 2000000) / 1000.0 - 1000.0;
			r[1] = (double)(i / 7) * 0.5;
			r[2] = fmod(lcg_next(), 65536) / 256.0;
			if (fmod(lcg_next(), 20) == 0)
				r[2] = NAN;
			eta = r[0] / 500.0 + (r[1] - 107.0) / 100.0 +
			      (isnan(r[2]) ? 0.3 : (r[2] - 128.0) / 200.0);
			p = fmin(fmax(0.5 + 0.4 * eta, 0.05), 0.95);
		}
		u = fmod(lcg_next(), 1000) / 1000.0;
		(*y)[i] = u < p ? 1.0 : 0.0;
		(*t)[i] = small ? eta + u : eta;
	}
	return n;
}

struct xnode {
	int feature, dleft, yes, no;	/* feature -1: a leaf */
	double thr, leaf;
};

/* XGBoost's case: trees by node id, raw scores (n) plain and with x0 null */
struct xcase {
	char set[16], task[16];
	int depth, trees, max_bin;
	struct xnode *node;	/* (trees, nmax) */
	int nmax;
	double *margin, *nullmargin;	/* NaN: not given */
};

static int
xgb_walk(const struct bp_gbdt *g, const struct xcase *c, int tr, int xi,
	 size_t oi, int *nodes)
{
	const struct xnode *x = &c->node[(size_t)tr * (size_t)c->nmax +
					 (size_t)xi];
	struct bp_gbdt_node nd;

	if (xi < 0 || xi >= c->nmax || bp_gbdt_node(g, (size_t)tr, oi, &nd))
		return 0;
	++*nodes;
	if (x->feature < 0) {
		if (nd.feature >= 0 || fabs(nd.value - x->leaf) > XGB_TOL) {
			printf("# tree %d node %d: leaf %.9g, xgboost %.9g\n",
			       tr, xi, nd.feature >= 0 ? NAN : nd.value,
			       x->leaf);
			return 0;
		}
		return 1;
	}
	if (nd.feature != x->feature || nd.threshold != x->thr ||
	    nd.default_left != x->dleft) {
		printf("# tree %d node %d: x%d <= %.17g%s, xgboost x%d <= "
		       "%.17g%s\n",
		     tr, xi, nd.feature, nd.threshold,
		     nd.default_left ? " (nulls left)" : "", x->feature, x->thr,
		     x->dleft ? " (nulls left)" : "");
		return 0;
	}
	return xgb_walk(g, c, tr, x->yes, (size_t)nd.left, nodes) &&
	       xgb_walk(g, c, tr, x->no, (size_t)nd.right, nodes);
}

static void
xgb_check(const struct xcase *c)
{
	double *x, *y, *t, raw, worst = 0, worstn = 0;
	size_t k, n = ref_data(c->set, &x, &y, &t, &k);
	int binary = strcmp(c->task, "binary") == 0, same = 1, nodes = 0;
	size_t rows = 0;
	struct bp_gbdt_opts o = opts(binary ? BP_TASK_BINARY :
				     BP_TASK_REGRESSION, c->trees, c->depth);
	struct bp_gbdt *g;

	o.learning_rate = 0.3;
	o.lambda = 1;
	o.min_child_weight = 1;
	o.max_bin = c->max_bin;
	o.base_zero = 1;	/* XGBoost's base_score 0.5: raw score 0 */
	g = bp_gbdt_train(x, binary ? y : t, n, k, NULL, NULL, 0, &o, 1, 2,
			  NULL, NULL);
	for (int tr = 0; tr < c->trees && g; tr++)
		same &= xgb_walk(g, c, tr, 0, 0, &nodes);
	ok(g && same && bp_gbdt_ntrees(g) == (size_t)c->trees,
	   "%s %s depth %d, %d trees, %d bins: XGBoost's trees (%d nodes: "
	   "features, thresholds, default directions, leaves)", c->set,
	   c->task, c->depth, c->trees, c->max_bin, nodes);
	for (size_t i = 0; i < n && g; i++) {
		double keep = x[i * k];

		if (isnan(c->margin[i]) || isnan(c->nullmargin[i]))
			continue;
		rows++;
		bp_gbdt_predict_raw(g, x + i * k, &raw);
		worst = fmax(worst, fabs(raw - c->margin[i]));
		x[i * k] = NAN;
		bp_gbdt_predict_raw(g, x + i * k, &raw);
		worstn = fmax(worstn, fabs(raw - c->nullmargin[i]));
		x[i * k] = keep;
	}
	ok(g && rows >= n / 5 && worst <= XGB_TOL && worstn <= XGB_TOL,
	   "%s %s depth %d, %d trees, %d bins: raw scores of %zu rows within "
	   "%g of XGBoost's (%.2g; feature 0 null: %.2g)", c->set, c->task,
	   c->depth, c->trees, c->max_bin, rows, XGB_TOL, worst, worstn);
	bp_gbdt_free(&g);
	free(x);
	free(y);
	free(t);
}

static void
xgboost_cases(void)
{
	const char *dir = getenv("BP_REF_DIR");
	char path[1024], line[512];
	struct xcase c;
	int have = 0, ncases = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/gbdt-cases.txt",
		 dir ? dir : "tests/unit/ref");
	fp = fopen(path, "r");
	if (!ok(fp != NULL, "open %s", path))
		return;
	memset(&c, 0, sizeof(c));
	while (fgets(line, sizeof(line), fp)) {
		struct xnode xn;
		int tr, id;
		long row;
		double v;

		if (strncmp(line, "case ", 5) == 0) {
			if (have)
				xgb_check(&c);
			free(c.node);
			free(c.margin);
			free(c.nullmargin);
			memset(&c, 0, sizeof(c));
			if (sscanf(line, "case %15s %15s %d %d %d", c.set,
				   c.task, &c.depth, &c.trees, &c.max_bin) != 5)
				break;
			c.nmax = (2 << c.depth) - 1;
			c.node = calloc((size_t)c.trees * (size_t)c.nmax,
					sizeof(*c.node));
			c.margin = calloc(3000, sizeof(double));
			c.nullmargin = calloc(3000, sizeof(double));
			for (size_t i = 0; i < 3000; i++)
				c.margin[i] = c.nullmargin[i] = NAN;
			for (size_t i = 0; i < (size_t)c.trees * (size_t)c.nmax;
			     i++)
				c.node[i].feature = -2;	/* absent */
			have = 1;
			ncases++;
		} else if (have &&
			   sscanf(line, "node %d %d %d %lf %d %d %d %lf",
				  &tr, &id, &xn.feature, &xn.thr, &xn.dleft,
				  &xn.yes, &xn.no, &xn.leaf) == 8 &&
			   tr >= 0 && tr < c.trees && id >= 0 && id < c.nmax) {
			c.node[(size_t)tr * (size_t)c.nmax + (size_t)id] = xn;
		} else if (have &&
			   sscanf(line, "margin %ld %lf", &row, &v) == 2 &&
			   row >= 0 && row < 3000) {
			c.margin[row] = v;
		} else if (have &&
			   sscanf(line, "nullmargin %ld %lf", &row, &v) == 2 &&
			   row >= 0 && row < 3000) {
			c.nullmargin[row] = v;
		}
	}
	if (have)
		xgb_check(&c);
	free(c.node);
	free(c.margin);
	free(c.nullmargin);
	fclose(fp);
	ok(ncases == 15, "%d XGBoost cases read", ncases);
}

int
main(void)
{
	bp_setprogname("test-gbdt");
	stump();
	nulls();
	regression();
	leafwise();
	determinism_and_stopping();
	multiclass();
	xgboost_cases();
	return done_testing();
}
