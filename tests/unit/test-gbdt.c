/*
 * test-gbdt: the tree learner on hand-made data sets where the best split,
 * its gain and the leaf values can be worked out by hand, null handling
 * (the learned default direction), leaf-wise growth, early stopping,
 * multiclass, thread independence and the model-file round trip.
 */
#include <math.h>
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
		x[2 * i] = 7.0;			/* a constant, useless feature */
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
	o.gamma = 4.0;	/* the gain is 1/2 (G_L^2/H_L + G_R^2/H_R) = 4 */
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	ok(bp_gbdt_tree_size(g, 0) == 1, "gamma = gain: no split");
	bp_gbdt_free(&g);
	o.gamma = 3.99;
	g = bp_gbdt_train(x, y, 8, 2, NULL, NULL, 0, &o, 1, 1, NULL, NULL);
	ok(bp_gbdt_tree_size(g, 0) == 3, "gamma just below the gain: split");
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
		"n_estimators=40,max_depth=4,subsample=0.8,colsample_bytree=0.7,"
		"learning_rate=0.3,early_stopping_rounds=0");
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
					memcpy(qx + nq * k, tr.x + (nq % tr.n) * k,
					       k * sizeof(*qx));
					qx[nq * k + (size_t)nd.feature] = v == 0 ?
						nd.threshold : nextafter(
						nd.threshold, v == 1 ? -INFINITY :
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
	return done_testing();
}
