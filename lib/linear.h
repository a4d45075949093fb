/*
 * linear: L2- (and optionally L1-) regularised logistic and linear
 * regression on internally standardised features.
 *
 * Objective, with z the standardised features (population sd; a constant
 * feature gets weight 0) and an unpenalised intercept b:
 *
 *   logistic:  sum_i log(1 + exp(-(2y_i - 1)(b + z_i.w)))
 *              + l2/2 |w|^2 + l1 |w|_1
 *   linear:    1/2 sum_i (y_i - b - z_i.w)^2 + l2/2 |w|^2 + l1 |w|_1
 *
 * so l2 = 1/C of scikit-learn's LogisticRegression and l2 = alpha of its
 * Ridge on standardised data.  Solvers: linear with l1 = 0 is solved in
 * closed form (Cholesky of the Gram matrix); with l1 > 0 by cyclic
 * coordinate descent on the Gram matrix.  Logistic with l1 = 0 uses
 * Newton's method (IRLS) with a backtracking line search; with l1 > 0
 * proximal Newton: each step solves the L1-penalised quadratic model by
 * coordinate descent, then backtracks on the true objective (glmnet's
 * scheme).  Convergence: the largest component of the (minimum-norm
 * sub)gradient divided by n is at most tol.
 */
#ifndef BP_LINEAR_H
#define BP_LINEAR_H

#include <stddef.h>

struct bp_linear_opts {
	int logistic;		/* 1: logistic, 0: least squares */
	double l2, l1;		/* penalties, >= 0 */
	int max_iter;		/* Newton steps / CD sweeps */
	double tol;
};
#define BP_LINEAR_OPTS_INIT { 0, 1.0, 0.0, 100, 1e-8 }

struct bp_linear {
	size_t k;
	int logistic;
	double *mean, *sd;	/* (k) standardisation */
	double *w;		/* (k) weights on standardised features */
	double b;		/* intercept on standardised features */
	/* the fit's report */
	int iterations;
	double grad_norm;	/* max |(sub)gradient| / n at the end */
	int converged;
	double objective;
};

/*
 * Fit on x (n, k) row-major (no NaN) and y (n) (0/1 when logistic).
 * threads >= 1 share the sums (results do not depend on their number).
 * Returns 0, or -1 after reporting (no rows, singular system).  m is
 * initialised here; release it with bp_linear_release().
 */
int bp_linear_fit(struct bp_linear *m, const double *x, const double *y,
		  size_t n, size_t k, const struct bp_linear_opts *o,
		  int threads);
void bp_linear_release(struct bp_linear *m);

/* Probability of 1 (logistic) or the value, for one row x (k). */
double bp_linear_predict(const struct bp_linear *m, const double *x);

/* Weights w (k) and intercept *b on the original feature scale. */
void bp_linear_coef_original(const struct bp_linear *m, double *w, double *b);

#endif
