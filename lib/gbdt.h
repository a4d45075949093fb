/*
 * gbdt: histogram-based gradient-boosted decision trees (the XGBoost
 * "hist" / LightGBM family).
 *
 * Training, per round:
 *   1. gradients g and hessians h of the loss at the current raw scores
 *      (binary logistic, squared error, or softmax over k classes with
 *      one tree per class per round);
 *   2. a tree grown on binned features: every feature is cut into at most
 *      max_bin bins at the quantiles XGBoost's weighted quantile sketch
 *      finds over all the training rows (the same cuts as XGBoost 1.x's
 *      "hist"), and nulls get a bin of their own; a node's histogram
 *      holds (sum g, sum h, rows) per bin, the smaller child's histogram
 *      is built from its rows and the larger one's is the parent's minus
 *      it (histogram subtraction).  The best split of a feature scans its
 *      bins with the nulls sent right and, when the node has nulls, again
 *      with them sent left (the learned default direction; without nulls
 *      it is right); its gain is XGBoost's
 *        GL^2/(HL+lambda) + GR^2/(HR+lambda) - G^2/(H+lambda)
 *      which must be positive (XGBoost wants more than 1e-6, which would
 *      refuse real splits of small regression targets) and at least
 *      gamma, with min_child_weight
 *      (hessian) and min_samples_leaf rows on both sides.  Growth is
 *      depth-wise (every node of a level up to max_depth) or leaf-wise
 *      (max_leaves > 0: the leaf with the largest gain first).  A leaf's
 *      value is -learning_rate * G / (H + lambda) (0 when H is under
 *      min_child_weight).  The raw scores start at the labels' average
 *      (log-odds for binary, log-frequencies for multiclass) or, with
 *      base_zero, at 0 as XGBoost 1.x's default base_score 0.5 does;
 *   3. optional row subsampling and per-tree column subsampling from the
 *      seed, and early stopping when the validation loss has not improved
 *      for early_stopping_rounds rounds (the trees up to the best round
 *      are kept).
 * Work is shared by threads over features (histograms, split search) and
 * rows (gradients, binning); every sum runs in a fixed order, so the trees
 * are bit-identical whatever the number of threads.
 *
 * Prediction walks each tree with raw thresholds: x <= threshold goes
 * left, null goes the default way.  A threshold lies halfway between the
 * training values on either side of its cut, so that every training row
 * goes the way its bin went.
 */
#ifndef BP_GBDT_H
#define BP_GBDT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "util.h"

struct bp_gbdt_opts {
	enum bp_task task;
	size_t nclass;			/* multiclass: k >= 2 */
	int n_estimators;		/* rounds */
	double learning_rate;
	int max_depth;			/* 0: no limit (leaf-wise only) */
	int max_leaves;			/* > 0: leaf-wise growth */
	double min_child_weight;
	int min_samples_leaf;
	double lambda;
	double gamma;
	double subsample;
	double colsample_bytree;
	int max_bin;			/* 2..255 */
	int early_stopping_rounds;	/* 0: off */
	int base_zero;			/* 1: raw scores start at 0 */
};

struct bp_gbdt;

/* One node of a tree, for inspection (tests, dumps). */
struct bp_gbdt_node {
	int feature;		/* -1: leaf */
	double threshold;	/* x <= threshold goes left */
	int default_left;	/* where nulls go */
	int left, right;	/* child indices in the tree; -1 for a leaf */
	double value;		/* leaf value (raw score) */
};

/*
 * Train on x (n, k) row-major (NaN = null) with targets y (n): 0/1,
 * values, or class indices.  xv (nv, k) and yv are the validation rows
 * (nv may be 0).  importance (k), when not NULL, receives each feature's
 * share of the total split gain.  Diagnostics go to log (may be NULL).
 * Returns NULL after reporting.
 */
struct bp_gbdt *bp_gbdt_train(const double *x, const double *y, size_t n,
			      size_t k, const double *xv, const double *yv,
			      size_t nv, const struct bp_gbdt_opts *o,
			      uint64_t seed, int threads, double *importance,
			      struct bp_buf *log);
void bp_gbdt_free(struct bp_gbdt **g);

/* Outputs for x (k): p(1), the value, or k class probabilities. */
void bp_gbdt_predict(const struct bp_gbdt *g, const double *x, double *out);
/*
 * n rows at once: x (n, k) row-major, out (n, outputs).  Several rows go
 * down each tree together, which is much faster than n single calls.
 */
void bp_gbdt_predict_batch(const struct bp_gbdt *g, const double *x,
			   size_t n, double *out);
/* The raw score(s) before the link function. */
void bp_gbdt_predict_raw(const struct bp_gbdt *g, const double *x,
			 double *raw);

size_t bp_gbdt_ntrees(const struct bp_gbdt *g);
size_t bp_gbdt_tree_size(const struct bp_gbdt *g, size_t tree);
/* Node i of tree t; returns 0, or -1 when out of range. */
int bp_gbdt_node(const struct bp_gbdt *g, size_t t, size_t i,
		 struct bp_gbdt_node *out);
/* Rounds run, the best round (0-based; -1 without validation). */
int bp_gbdt_rounds(const struct bp_gbdt *g);
int bp_gbdt_best_round(const struct bp_gbdt *g);

#endif
