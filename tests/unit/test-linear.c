/*
 * test-linear: the logistic and linear solvers against scikit-learn's
 * coefficients on the same standardised data (ref/linear_ref.py, committed
 * as ref/linear-ref.h), the closed-form least-squares solution, thread
 * independence, and the logreg/linear kinds through the model interface.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linear.h"
#include "model.h"
#include "tap.h"
#include "util.h"

#include "ref/linear-ref.h"

/*
 * scikit-learn's lbfgs/saga/coordinate-descent stop at tol 1e-12 on their
 * own criteria, which leaves the coefficients right to about 1e-8; ours
 * converge to 1e-8 * n on the gradient.  1e-6 is well above both errors
 * and far below any real difference between two solutions.
 */
#define TOL_SKLEARN 1e-6
/* Closed-form least squares: both sides are exact up to rounding. */
#define TOL_EXACT 1e-9

static void
check_fit(const char *what, int logistic, double l2, double l1,
	  const double *y, const double *want_w, double want_b)
{
	struct bp_linear m;
	struct bp_linear_opts o = BP_LINEAR_OPTS_INIT;

	o.logistic = logistic;
	o.l2 = l2;
	o.l1 = l1;
	ok(bp_linear_fit(&m, ref_x, y, REF_N, REF_K, &o, 1) == 0,
	   "%s: fit", what);
	ok(m.converged, "%s: converged in %d iterations (gradient %g)", what,
	   m.iterations, m.grad_norm);
	for (int j = 0; j < REF_K; j++)
		is_close(m.w[j], want_w[j], TOL_SKLEARN, "%s: w[%d]", what, j);
	is_close(m.b, want_b, TOL_SKLEARN, "%s: intercept", what);
	if (l1 > 0)
		ok(m.w[2] == 0.0, "%s: the useless feature's weight is "
		   "exactly 0", what);
	bp_linear_release(&m);
}

static void
closed_form(void)
{
	struct bp_linear m;
	struct bp_linear_opts o = BP_LINEAR_OPTS_INIT;
	double w[REF_K], b;

	o.l2 = 0.0;
	ok(bp_linear_fit(&m, ref_x, ref_ylin, REF_N, REF_K, &o, 1) == 0,
	   "ols: fit");
	ok(m.iterations == 1 && m.converged,
	   "ols: one Newton step solves a quadratic (%d)", m.iterations);
	bp_linear_coef_original(&m, w, &b);
	for (int j = 0; j < REF_K; j++)
		is_close(w[j], ref_ols_w_original[j], TOL_EXACT,
			 "ols: original-scale w[%d]", j);
	is_close(b, ref_ols_b_original, TOL_EXACT, "ols: original intercept");
	is_close(bp_linear_predict(&m, ref_x), b + w[0] * ref_x[0] +
		 w[1] * ref_x[1] + w[2] * ref_x[2] + w[3] * ref_x[3],
		 TOL_EXACT, "predict agrees with the original-scale weights");
	bp_linear_release(&m);
}

static void
hand_case(void)
{
	/* y = 1 + 2x exactly: OLS recovers it; x has mean 2, sd sqrt(2) */
	double x[] = { 0, 1, 2, 3, 4 }, y[] = { 1, 3, 5, 7, 9 };
	struct bp_linear m;
	struct bp_linear_opts o = BP_LINEAR_OPTS_INIT;

	o.l2 = 0.0;
	ok(bp_linear_fit(&m, x, y, 5, 1, &o, 1) == 0, "line: fit");
	is_close(m.mean[0], 2.0, TOL_EXACT, "line: mean");
	is_close(m.sd[0], sqrt(2.0), TOL_EXACT, "line: population sd");
	is_close(m.w[0], 2.0 * sqrt(2.0), TOL_EXACT, "line: standardised w");
	is_close(m.b, 5.0, TOL_EXACT, "line: standardised intercept = mean");
	bp_linear_release(&m);
}

static void
threads_agree(void)
{
	/* enough rows for several blocks of the partial sums */
	size_t n = 20000, k = 3;
	double *x = malloc(n * k * sizeof(*x)), *y = malloc(n * sizeof(*y));
	struct bp_rng r;
	struct bp_linear a, b;
	struct bp_linear_opts o = BP_LINEAR_OPTS_INIT;

	bp_rng_seed(&r, 3);
	for (size_t i = 0; i < n; i++) {
		double eta = 0;

		for (size_t j = 0; j < k; j++) {
			x[i * k + j] = bp_rng_normal(&r);
			eta += (double)(j + 1) * 0.3 * x[i * k + j];
		}
		y[i] = bp_rng_uniform(&r) < 1 / (1 + exp(-eta));
	}
	o.logistic = 1;
	bp_linear_fit(&a, x, y, n, k, &o, 1);
	bp_linear_fit(&b, x, y, n, k, &o, 2);
	ok(memcmp(a.w, b.w, k * sizeof(double)) == 0 && a.b == b.b,
	   "1 and 2 threads give bit-identical weights");
	bp_linear_release(&a);
	bp_linear_release(&b);
	free(x);
	free(y);
}

static void
through_model(void)
{
	const char *names[] = { "a", "b", "c", "d" };
	struct bp_dataset d;
	struct bp_model *m, *m2;
	json_t *params = bp_model_params_parse("l2=2"), *doc;
	struct bp_buf log = BP_BUF_INIT;
	double out[1], out2[1], xnan[REF_K] = { 1, NAN, 2, 3 };
	char *t1, *t2;

	bp_dataset_from_matrix(&d, REF_N, REF_K, names, ref_x, ref_ylog,
			       "label_up");
	m = bp_model_train("logreg", params, &d, NULL, 1, 1, &log);
	ok(m != NULL, "logreg through bp_model_train");
	if (!m)
		return;
	ok(bp_model_task(m) == BP_TASK_BINARY && bp_model_noutputs(m) == 1,
	   "binary, one output");
	ok(strstr(log.s, "converged") != NULL, "log says: %s", log.s);
	ok(bp_model_predict(m, ref_x, out) == 0 && out[0] > 0 && out[0] < 1,
	   "a probability");
	ok(bp_model_predict(m, xnan, out) < 0 && isnan(out[0]),
	   "a null feature is refused");
	doc = bp_model_to_json(m);
	t1 = json_dumps(doc, JSON_COMPACT);
	m2 = bp_model_from_json(doc, "doc");
	ok(m2 != NULL, "reloads");
	json_decref(doc);
	doc = bp_model_to_json(m2);
	t2 = json_dumps(doc, JSON_COMPACT);
	ok(strcmp(t1, t2) == 0, "json round trip is exact");
	bp_model_predict(m, ref_x + 8, out);
	bp_model_predict(m2, ref_x + 8, out2);
	ok(out[0] == out2[0], "same prediction after reload");
	json_decref(doc);
	free(t1);
	free(t2);
	bp_model_free(&m2);
	bp_model_free(&m);
	ok(m == NULL, "free sets NULL");

	m = bp_model_train("linear", NULL, &d, NULL, 1, 1, NULL);
	ok(m && bp_model_task(m) == BP_TASK_REGRESSION, "linear regresses");
	bp_model_free(&m);
	json_decref(params);
	bp_buf_release(&log);
	bp_dataset_release(&d);
}

static void
params(void)
{
	json_t *p = bp_model_params_parse("hidden=20,10,alpha=0.01,name=x");
	char *t = json_dumps(p, JSON_COMPACT);
	json_t *r;

	ok(strcmp(t, "{\"hidden\":[20,10],\"alpha\":0.01,\"name\":\"x\"}") == 0,
	   "params parse: %s", t);
	free(t);
	json_decref(p);
	ok(bp_model_params_parse("=3") == NULL, "missing name refused");
	ok(bp_model_params_parse("3") == NULL, "bare value refused");
	p = bp_model_params_parse("l2=0.5");
	r = bp_model_params_resolve("logreg", p);
	ok(r && json_real_value(json_object_get(r, "l2")) == 0.5 &&
	   json_integer_value(json_object_get(r, "max_iter")) == 100,
	   "resolve fills defaults");
	json_decref(r);
	json_decref(p);
	p = bp_model_params_parse("bogus=1");
	ok(bp_model_params_resolve("logreg", p) == NULL, "unknown refused");
	json_decref(p);
	p = bp_model_params_parse("l2=-1");
	ok(bp_model_params_resolve("logreg", p) == NULL, "out of range");
	json_decref(p);
	ok(bp_model_params_resolve("forest", NULL) == NULL, "unknown kind");
}

int
main(void)
{
	bp_setprogname("test-linear");
	check_fit("logreg l2", 1, 2.0, 0.0, ref_ylog, ref_logreg_l2_w,
		  ref_logreg_l2_b);
	check_fit("logreg l1", 1, 0.0, 8.0, ref_ylog, ref_logreg_l1_w,
		  ref_logreg_l1_b);
	check_fit("ridge", 0, 2.0, 0.0, ref_ylin, ref_ridge_w, ref_ridge_b);
	check_fit("lasso", 0, 0.0, 30.0, ref_ylin, ref_lasso_w, ref_lasso_b);
	closed_form();
	hand_case();
	threads_agree();
	through_model();
	params();
	return done_testing();
}
