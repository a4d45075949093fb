/*
 * metrics: how good a model's predictions are, shared by bp-train, bp-cv,
 * bp-model compare and bp-drift so that every tool means the same number
 * by the same name.
 *
 * Definitions follow scikit-learn's (sklearn.metrics) and are tested
 * against hand-computed cases and its output:
 *
 *   logloss    -mean(y log p + (1-y) log(1-p)), p clipped to
 *              [1e-15, 1 - 1e-15]; multiclass: -mean(log p[y])
 *   auc        area under the ROC curve; tied scores count one half
 *              (the Mann-Whitney statistic with mid-ranks, equal to
 *              roc_auc_score); NaN when only one class is present
 *   accuracy   share of rows whose predicted class is the true one
 *              (binary: predicted 1 when p >= threshold, default 0.5)
 *   precision  TP / (TP + FP); 0 when nothing is predicted positive
 *   recall     TP / (TP + FN); 0 when there are no positives
 *   f1         2 TP / (2 TP + FP + FN); 0 when that is 0 / 0
 *              (scikit-learn's zero_division default, 0)
 *   brier      mean((p - y)^2)
 *   f1_macro   multiclass: unweighted mean of each class's F1
 *   mae        mean |y - yhat|
 *   rmse       sqrt(mean (y - yhat)^2)
 *   r2         1 - SS_res / SS_tot; when y is constant, 1 if the fit is
 *              perfect else 0 (r2_score's force_finite)
 *
 * Shapes: y and p are (n); multiclass p is (n, k) row-major with y the
 * class index 0..k-1 (as a double).  Every function returns NaN for n = 0.
 * Rows where y or the prediction is NaN must be removed by the caller.
 */
#ifndef BP_METRICS_H
#define BP_METRICS_H

#include <stddef.h>

#include <jansson.h>
#include <math.h>

#include "util.h"

/* What a model predicts; also the shape of its output. */
enum bp_task {
	BP_TASK_BINARY = 0,	/* one output: probability of class 1 */
	BP_TASK_REGRESSION,	/* one output: the value */
	BP_TASK_MULTICLASS,	/* k outputs: probability of each class */
};

/* "binary", "regression", "multiclass". */
const char *bp_task_name(enum bp_task t);

/* The logistic function, without overflow for any t. */
static inline double
bp_sigmoid(double t)
{
	return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

/*
 * Predictions from raw scores (K of them), in place: binary, the logistic
 * function; multiclass, the softmax (shifted by the largest score);
 * regression, the scores as they are.  gbdt, its compiled forest and the
 * mlp all use it, so their outputs agree to the bit.
 */
void bp_task_link(enum bp_task task, double *v, size_t K);

/* Binary classification; y is 0 or 1, p the probability of 1. */
double bp_metrics_logloss(const double *y, const double *p, size_t n);
double bp_metrics_auc(const double *y, const double *score, size_t n);
double bp_metrics_brier(const double *y, const double *p, size_t n);
/* Confusion counts at threshold (p >= threshold predicts 1). */
struct bp_confusion {
	size_t tp, fp, tn, fn;
};
void bp_metrics_confusion(struct bp_confusion *c, const double *y,
			  const double *p, size_t n, double threshold);
double bp_metrics_accuracy(const struct bp_confusion *c);
double bp_metrics_precision(const struct bp_confusion *c);
double bp_metrics_recall(const struct bp_confusion *c);
double bp_metrics_f1(const struct bp_confusion *c);

/* Regression. */
double bp_metrics_mae(const double *y, const double *yhat, size_t n);
double bp_metrics_rmse(const double *y, const double *yhat, size_t n);
double bp_metrics_r2(const double *y, const double *yhat, size_t n);

/* Multiclass: y (n) class indices, p (n, k) row-major. */
double bp_metrics_mlogloss(const double *y, const double *p, size_t n,
			   size_t k);
double bp_metrics_maccuracy(const double *y, const double *p, size_t n,
			    size_t k);
double bp_metrics_f1_macro(const double *y, const double *p, size_t n,
			   size_t k);

/* Pearson correlation of a and b; NaN when either is constant. */
double bp_metrics_corr(const double *a, const double *b, size_t n);

/*
 * Every metric of a task at once.  Fields that do not apply to the task
 * are NaN.
 */
struct bp_metrics {
	enum bp_task task;
	size_t n;
	double logloss, auc, accuracy, precision, recall, f1, brier;
	double f1_macro;
	double mae, rmse, r2;
};

/*
 * Fill m from y and the predictions pred: (n) for binary (probabilities;
 * the class threshold is 0.5) and regression, (n, k) for multiclass (y
 * then holds class indices).  Never fails.
 */
void bp_metrics_eval(struct bp_metrics *m, enum bp_task task,
		     const double *y, const double *pred, size_t n, size_t k);

/*
 * The metrics that apply to m's task as a JSON object, in a fixed order:
 * {"n":..,"logloss":..,"auc":..,...}; NaN becomes null.  New reference.
 */
json_t *bp_metrics_to_json(const struct bp_metrics *m);

/* One line for stderr: "n=1200 logloss=0.6812 auc=0.5731 ..." appended. */
void bp_metrics_format(const struct bp_metrics *m, struct bp_buf *b);

/*
 * Value of the metric called name ("logloss", "auc", "rmse", ...).
 * Returns 0, or -1 when name is not a metric of m's task (nothing
 * reported).
 */
int bp_metrics_get(const struct bp_metrics *m, const char *name, double *out);

/*
 * 1 when larger is better for the metric name (auc, accuracy, ...), 0 when
 * smaller is better (logloss, brier, mae, rmse), -1 when unknown.
 */
int bp_metrics_higher_is_better(const char *name);

/* The headline metric of a task: logloss (binary, multiclass) or rmse. */
const char *bp_metrics_default(enum bp_task task);

#endif
