/*
 * test-metrics: every metric on hand-computed cases, then on random cases
 * against scikit-learn's values (tests/unit/ref/metrics_ref.py, committed
 * as ref/metrics-ref.h).
 */
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "tap.h"
#include "util.h"

#include "ref/metrics-ref.h"

/*
 * Hand computations are exact up to a few roundings of double arithmetic
 * (sums of a handful of terms): 1e-12 relative.
 */
#define TOL_HAND 1e-12
/*
 * scikit-learn sums in a different order (numpy pairwise sums, its own
 * trapezoid): agreement to 1e-12 relative is all the arithmetic allows.
 */
#define TOL_REF 1e-12

static void
hand_binary(void)
{
	double y1[] = { 0, 0, 1, 1 }, s1[] = { 0.1, 0.4, 0.35, 0.8 };
	double y2[] = { 0, 1, 0, 1 }, s2[] = { 0.5, 0.5, 0.5, 0.5 };
	double y3[] = { 0, 0, 1, 1 }, s3[] = { 0.2, 0.6, 0.6, 0.9 };
	double y4[] = { 1, 0 }, p4[] = { 0.8, 0.3 };
	double y5[] = { 0, 1 }, p5[] = { 1.0, 1.0 };
	double y6[] = { 1, 1, 0, 0, 1 }, p6[] = { 0.9, 0.4, 0.6, 0.1, 0.5 };
	double y7[] = { 1, 0, 1 }, p7[] = { 0.1, 0.2, 0.3 };
	double y8[] = { 1, 1 }, p8[] = { 0.2, 0.7 };
	struct bp_confusion c;

	/* scikit-learn's roc_auc_score docstring example */
	is_close(bp_metrics_auc(y1, s1, 4), 0.75, TOL_HAND, "auc 4 rows");
	is_close(bp_metrics_auc(y2, s2, 4), 0.5, TOL_HAND, "auc all tied");
	/* pairs (neg, pos): 1 + 1 + 1/2 (tie at 0.6) + 1 = 3.5 of 4 */
	is_close(bp_metrics_auc(y3, s3, 4), 0.875, TOL_HAND, "auc one tie");
	ok(isnan(bp_metrics_auc(y8, p8, 2)), "auc with one class is NaN");
	ok(isnan(bp_metrics_auc(y8, p8, 0)), "auc of nothing is NaN");

	is_close(bp_metrics_logloss(y4, p4, 2),
		 -(log(0.8) + log(0.7)) / 2, TOL_HAND, "logloss");
	/*
	 * p = 1 is clipped to the double nearest 1 - 1e-15 (as numpy's
	 * clip does); the 0 then costs -log(1 - that), about 34.54
	 */
	is_close(bp_metrics_logloss(y5, p5, 2),
		 -(log(1.0 - (1.0 - 1e-15)) + log(1.0 - 1e-15)) / 2, TOL_HAND,
		 "logloss clips at 1e-15");
	is_close(bp_metrics_brier(y4, p4, 2), (0.04 + 0.09) / 2, TOL_HAND,
		 "brier");

	/* predicted [1 0 1 0 1] (0.5 counts as 1): tp 2, fn 1, fp 1, tn 1 */
	bp_metrics_confusion(&c, y6, p6, 5, 0.5);
	ok(c.tp == 2 && c.fn == 1 && c.fp == 1 && c.tn == 1, "confusion");
	is_close(bp_metrics_accuracy(&c), 0.6, TOL_HAND, "accuracy");
	is_close(bp_metrics_precision(&c), 2.0 / 3, TOL_HAND, "precision");
	is_close(bp_metrics_recall(&c), 2.0 / 3, TOL_HAND, "recall");
	is_close(bp_metrics_f1(&c), 2.0 / 3, TOL_HAND, "f1");
	/* nothing predicted positive: precision and f1 are 0 (0/0 -> 0) */
	bp_metrics_confusion(&c, y7, p7, 3, 0.5);
	ok(bp_metrics_precision(&c) == 0 && bp_metrics_recall(&c) == 0 &&
	   bp_metrics_f1(&c) == 0, "zero division gives 0");
	is_close(bp_metrics_accuracy(&c), 1.0 / 3, TOL_HAND,
		 "accuracy with no positive predicted");
}

static void
hand_regression(void)
{
	/* scikit-learn's r2_score docstring example */
	double y[] = { 3, -0.5, 2, 7 }, yhat[] = { 2.5, 0.0, 2, 8 };
	double c[] = { 1, 1, 1 }, c_ok[] = { 1, 1, 1 }, c_bad[] = { 1, 2, 1 };
	double a[] = { 1, 2, 3 }, b[] = { 2, 4, 7 };

	is_close(bp_metrics_mae(y, yhat, 4), 0.5, TOL_HAND, "mae");
	is_close(bp_metrics_rmse(y, yhat, 4), sqrt(0.375), TOL_HAND, "rmse");
	/* SS_res 1.5, mean 2.875, SS_tot 29.1875 */
	is_close(bp_metrics_r2(y, yhat, 4), 1 - 1.5 / 29.1875, TOL_HAND, "r2");
	ok(bp_metrics_r2(c, c_ok, 3) == 1.0, "r2 of constant y, perfect fit");
	ok(bp_metrics_r2(c, c_bad, 3) == 0.0, "r2 of constant y, imperfect");
	/* deviations (-1 0 1) and (-7/3 -1/3 8/3): 5 / sqrt(2 * 114/9) */
	is_close(bp_metrics_corr(a, b, 3), 5 / sqrt(2 * 114.0 / 9), TOL_HAND,
		 "pearson correlation");
	ok(isnan(bp_metrics_corr(a, c, 3)), "correlation with a constant");
}

static void
hand_multiclass(void)
{
	double y[] = { 0, 2, 1 };
	double p[] = {
		0.7, 0.2, 0.1,
		0.1, 0.3, 0.6,
		0.5, 0.4, 0.1,	/* wrong: predicts class 0 */
	};

	is_close(bp_metrics_mlogloss(y, p, 3, 3),
		 -(log(0.7) + log(0.6) + log(0.4)) / 3, TOL_HAND, "mlogloss");
	is_close(bp_metrics_maccuracy(y, p, 3, 3), 2.0 / 3, TOL_HAND,
		 "multiclass accuracy");
	/* class 0: tp 1 fp 1 -> 2/3; class 1: tp 0 fn 1 -> 0; class 2: 1 */
	is_close(bp_metrics_f1_macro(y, p, 3, 3), (2.0 / 3 + 0 + 1) / 3,
		 TOL_HAND, "f1 macro");
}

static void
reference_cases(void)
{
	for (size_t i = 0; i < BP_ARRAY_SIZE(bin_cases); i++) {
		const struct bin_case *t = &bin_cases[i];
		struct bp_metrics m;

		bp_metrics_eval(&m, BP_TASK_BINARY, t->y, t->p, t->n, 1);
		is_close(m.logloss, t->logloss, TOL_REF, "ref %zu logloss", i);
		is_close(m.auc, t->auc, TOL_REF, "ref %zu auc", i);
		is_close(m.accuracy, t->accuracy, TOL_REF,
			 "ref %zu accuracy", i);
		is_close(m.precision, t->precision, TOL_REF,
			 "ref %zu precision", i);
		is_close(m.recall, t->recall, TOL_REF, "ref %zu recall", i);
		is_close(m.f1, t->f1, TOL_REF, "ref %zu f1", i);
		is_close(m.brier, t->brier, TOL_REF, "ref %zu brier", i);
		ok(isnan(m.rmse), "ref %zu: no rmse for a classifier", i);
	}
	for (size_t i = 0; i < BP_ARRAY_SIZE(reg_cases); i++) {
		const struct reg_case *t = &reg_cases[i];
		struct bp_metrics m;

		bp_metrics_eval(&m, BP_TASK_REGRESSION, t->y, t->yhat, t->n, 1);
		is_close(m.mae, t->mae, TOL_REF, "ref %zu mae", i);
		is_close(m.rmse, t->rmse, TOL_REF, "ref %zu rmse", i);
		is_close(m.r2, t->r2, TOL_REF, "ref %zu r2", i);
	}
	for (size_t i = 0; i < BP_ARRAY_SIZE(mc_cases); i++) {
		const struct mc_case *t = &mc_cases[i];
		struct bp_metrics m;

		bp_metrics_eval(&m, BP_TASK_MULTICLASS, t->y, t->p, t->n, 3);
		is_close(m.logloss, t->logloss, TOL_REF, "ref %zu mlogloss", i);
		is_close(m.accuracy, t->accuracy, TOL_REF, "ref %zu maccuracy",
			 i);
		is_close(m.f1_macro, t->f1_macro, TOL_REF,
			 "ref %zu f1_macro", i);
	}
}

static void
summary_forms(void)
{
	double y[] = { 0, 0, 1, 1 }, s[] = { 0.1, 0.4, 0.35, 0.8 };
	struct bp_metrics m;
	struct bp_buf b = BP_BUF_INIT;
	json_t *j;
	char *text;
	double v;

	bp_metrics_eval(&m, BP_TASK_BINARY, y, s, 4, 1);
	j = bp_metrics_to_json(&m);
	text = json_dumps(j, JSON_COMPACT);
	ok(strncmp(text, "{\"n\":4,\"logloss\":", 17) == 0 &&
	   strstr(text, "\"auc\":0.75") && !strstr(text, "rmse"),
	   "json keys in order, only the task's: %s", text);
	free(text);
	json_decref(j);
	bp_metrics_format(&m, &b);
	ok(strncmp(b.s, "n=4 logloss=", 12) == 0 && strstr(b.s, "auc=0.7500"),
	   "one line: %s", b.s);
	bp_buf_release(&b);
	ok(bp_metrics_get(&m, "auc", &v) == 0 && v == 0.75, "get auc");
	ok(bp_metrics_get(&m, "rmse", &v) < 0, "no rmse for binary");
	ok(bp_metrics_higher_is_better("auc") == 1 &&
	   bp_metrics_higher_is_better("logloss") == 0 &&
	   bp_metrics_higher_is_better("bogus") == -1, "directions");
	bp_metrics_eval(&m, BP_TASK_BINARY, y, s, 0, 1);
	ok(isnan(m.logloss) && isnan(m.auc) && isnan(m.accuracy) &&
	   isnan(m.f1), "no rows: every metric NaN");
	j = bp_metrics_to_json(&m);
	ok(json_is_null(json_object_get(j, "auc")), "NaN is null in json");
	json_decref(j);
}

int
main(void)
{
	hand_binary();
	hand_regression();
	hand_multiclass();
	reference_cases();
	summary_forms();
	return done_testing();
}
