/*
 * test-forest: the compiled forest gives the same bits as the model's own
 * predictor (bp_model_predict, bp_model_predict_batch), on random rows
 * holding nulls, infinities, values equal to a threshold and the doubles
 * next to it, for hand-made models of depth 1 to 8 and deeper whose trees
 * are not complete, for every task, with both evaluators, and for trained
 * models.  Exact equality (memcmp of the doubles): the forest must add
 * the same leaves in the same order and apply the same link.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dataset.h"
#include "forest.h"
#include "model.h"
#include "tap.h"
#include "util.h"

#define MAXK 80

/* per feature, the values its splits use */
struct pools {
	size_t k, len[MAXK];
	double v[MAXK][700];
};

static double
gauss(struct bp_rng *r)
{
	return bp_rng_normal(r);
}

static void
pools_init(struct pools *p, size_t k, size_t per, size_t big_feature,
	   struct bp_rng *r)
{
	p->k = k;
	for (size_t j = 0; j < k; j++) {
		p->len[j] = j == big_feature ? 600 : per;
		for (size_t i = 0; i < p->len[j]; i++)
			p->v[j][i] = gauss(r) * (j % 3 == 0 ? 1000 : 1);
	}
}

/*
 * A random tree in model-file form, at most depth deep and exactly that
 * deep along one path; leaves stop other paths at random.  Children are
 * appended after their parent, side by side.
 */
static json_t *
random_tree(const struct pools *p, int depth, struct bp_rng *r)
{
	size_t cap = 4096, n = 1;
	int *lev = calloc(cap, sizeof(*lev));
	int *spine = calloc(cap, sizeof(*spine));
	long *f = calloc(cap, sizeof(*f)), *l = calloc(cap, sizeof(*l));
	json_t *t = json_object(), *a[6];

	spine[0] = 1;
	for (size_t i = 0; i < n; i++) {
		int split = lev[i] < depth &&
			    (spine[i] || bp_rng_uniform(r) < 0.7);

		if (!split || n + 2 > cap) {
			f[i] = -1;
			l[i] = -1;
			continue;
		}
		f[i] = (long)bp_rng_below(r, p->k);
		l[i] = (long)n;
		lev[n] = lev[n + 1] = lev[i] + 1;
		if (spine[i])
			spine[n + bp_rng_below(r, 2)] = 1;
		n += 2;
	}
	for (int q = 0; q < 6; q++)
		a[q] = json_array();
	for (size_t i = 0; i < n; i++) {
		const double *pv = f[i] >= 0 ? p->v[f[i]] : NULL;
		double th = f[i] >= 0 ?
			    pv[bp_rng_below(r, p->len[f[i]])] : 0;

		json_array_append_new(a[0], json_integer(f[i]));
		json_array_append_new(a[1], json_real(th));
		json_array_append_new(a[2], json_integer(f[i] >= 0 &&
					bp_rng_below(r, 2)));
		json_array_append_new(a[3], json_integer(l[i]));
		json_array_append_new(a[4], json_integer(l[i] < 0 ? -1 :
							 l[i] + 1));
		json_array_append_new(a[5], json_real(f[i] >= 0 ? 0 :
						      gauss(r) * 0.3));
	}
	json_object_set_new(t, "feature", a[0]);
	json_object_set_new(t, "threshold", a[1]);
	json_object_set_new(t, "default_left", a[2]);
	json_object_set_new(t, "left", a[3]);
	json_object_set_new(t, "right", a[4]);
	json_object_set_new(t, "value", a[5]);
	free(lev);
	free(spine);
	free(f);
	free(l);
	return t;
}

static const char *const objectives[] = {
	[BP_TASK_BINARY] = "binary:logistic",
	[BP_TASK_REGRESSION] = "reg:squarederror",
	[BP_TASK_MULTICLASS] = "multi:softmax",
};

/* a gbdt model document with ntrees random trees of depths from depths */
static struct bp_model *
random_model(enum bp_task task, const struct pools *p, size_t ntrees,
	     const int *depths, size_t ndepths, struct bp_rng *r)
{
	json_t *doc = json_object(), *feats = json_array();
	json_t *sec = json_object();
	json_t *trees = json_array(), *base = json_array();
	size_t K = task == BP_TASK_MULTICLASS ? 3 : 1;
	struct bp_model *m;

	for (size_t j = 0; j < p->k; j++) {
		char name[32];

		snprintf(name, sizeof(name), "f%zu", j);
		json_array_append_new(feats, json_string(name));
	}
	json_object_set_new(doc, "format", json_string(BP_MODEL_FORMAT));
	json_object_set_new(doc, "format_version", json_integer(1));
	json_object_set_new(doc, "kind", json_string("gbdt"));
	json_object_set_new(doc, "task", json_string(bp_task_name(task)));
	json_object_set_new(doc, "label", json_string("label_y"));
	json_object_set_new(doc, "features", feats);
	if (task == BP_TASK_MULTICLASS)
		json_object_set_new(doc, "classes",
				    json_pack("[iii]", -1, 0, 1));
	json_object_set_new(doc, "params", json_object());
	json_object_set_new(sec, "objective", json_string(objectives[task]));
	for (size_t c = 0; c < K; c++)
		json_array_append_new(base, json_real(gauss(r) * 0.1));
	json_object_set_new(sec, "base_score", base);
	ntrees = ntrees / K * K;
	json_object_set_new(sec, "num_trees", json_integer((json_int_t)ntrees));
	for (size_t t = 0; t < ntrees; t++)
		json_array_append_new(trees, random_tree(p,
			depths[bp_rng_below(r, ndepths)], r));
	json_object_set_new(sec, "trees", trees);
	json_object_set_new(doc, "model", sec);
	m = bp_model_from_json(doc, "random");
	json_decref(doc);
	return m;
}

/* rows that hit every case of a split */
static void
random_rows(double *x, size_t n, const struct pools *p, struct bp_rng *r)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->k; j++) {
			double u = bp_rng_uniform(r), t;
			double *v = &x[i * p->k + j];

			t = p->v[j][bp_rng_below(r, p->len[j])];
			if (u < 0.15)
				*v = NAN;
			else if (u < 0.35)
				*v = t;
			else if (u < 0.45)
				*v = nextafter(t, INFINITY);
			else if (u < 0.55)
				*v = nextafter(t, -INFINITY);
			else if (u < 0.58)
				*v = bp_rng_below(r, 2) ? INFINITY : -INFINITY;
			else
				*v = gauss(r) * (j % 3 == 0 ? 1000 : 1);
		}
	/* a row of nulls only, and one of +inf only */
	if (n > 2)
		for (size_t j = 0; j < p->k; j++) {
			x[j] = NAN;
			x[p->k + j] = INFINITY;
		}
}

/* forest against the model, bit for bit; returns the first bad row or -1 */
static long
compare(const struct bp_model *m, const struct bp_forest *f, const double *x,
	size_t n)
{
	size_t K = bp_model_noutputs(m), k = bp_model_nfeatures(m);
	double *a = calloc(n * K + 1, sizeof(*a)), *b = calloc(n * K + 1,
							       sizeof(*b));
	double *c = calloc(n * K + 1, sizeof(*c));
	long bad = -1;

	bp_forest_predict(f, x, n, a);
	bp_model_predict_batch(m, x, n, c);
	for (size_t i = 0; i < n; i++)
		bp_model_predict(m, x + i * k, b + i * K);
	for (size_t i = 0; i < n && bad < 0; i++)
		if (memcmp(a + i * K, b + i * K, K * sizeof(*a)) != 0 ||
		    memcmp(a + i * K, c + i * K, K * sizeof(*a)) != 0) {
			printf("#   row %zu: forest %.17g, model %.17g, "
			       "batch %.17g\n", i, a[i * K], b[i * K],
			       c[i * K]);
			bad = (long)i;
		}
	free(a);
	free(b);
	free(c);
	return bad;
}

static const char *
impl_name(enum bp_forest_impl i)
{
	return i == BP_FOREST_AVX512 ? "avx512" : "scalar";
}

static void
check_both(const struct bp_model *m, const double *x, size_t n,
	   const char *what)
{
	static const enum bp_forest_impl impls[] = {
		BP_FOREST_SCALAR, BP_FOREST_AVX512, BP_FOREST_AUTO,
	};

	for (size_t i = 0; i < BP_ARRAY_SIZE(impls); i++) {
		struct bp_forest *f = bp_forest_new_impl(m, impls[i]);
		long bad;

		if (!f) {
			ok(0, "%s: forest built", what);
			continue;
		}
		bad = compare(m, f, x, n);
		ok(bad < 0, "%s, %s evaluator (asked %d): %zu rows "
		   "bit-identical", what, impl_name(bp_forest_impl(f)),
		   (int)impls[i], n);
		if (impls[i] == BP_FOREST_SCALAR)
			ok(bp_forest_impl(f) == BP_FOREST_SCALAR,
			   "%s: scalar when asked", what);
		bp_forest_free(&f);
	}
}

static void
random_models(void)
{
	static const enum bp_task tasks[] = {
		BP_TASK_BINARY, BP_TASK_REGRESSION, BP_TASK_MULTICLASS,
	};
	struct bp_rng r;
	struct pools *p = calloc(1, sizeof(*p));
	size_t n = 1000;
	double *x = malloc(n * MAXK * sizeof(*x));

	bp_rng_seed(&r, 42);
	for (int d = 1; d <= 8; d++)
		for (size_t ti = 0; ti < BP_ARRAY_SIZE(tasks); ti++) {
			char what[96];
			struct bp_model *m;
			int depths[1] = { d };

			pools_init(p, 7, 40, (size_t)-1, &r);
			m = random_model(tasks[ti], p, 30, depths, 1, &r);
			random_rows(x, n, p, &r);
			snprintf(what, sizeof(what), "depth %d, %s", d,
				 bp_task_name(tasks[ti]));
			if (!ok(m != NULL, "%s: model loads", what))
				continue;
			check_both(m, x, n, what);
			bp_model_free(&m);
		}
	/* mixed depths, deep trees walked node by node, many features */
	{
		int depths[] = { 0, 1, 3, 6, 6, 7, 9, 12 };
		struct bp_model *m;

		pools_init(p, 70, 100, (size_t)-1, &r);
		m = random_model(BP_TASK_BINARY, p, 60, depths,
				 BP_ARRAY_SIZE(depths), &r);
		random_rows(x, n, p, &r);
		if (ok(m != NULL, "mixed depths 0-12, 70 features: loads"))
			check_both(m, x, n, "mixed depths 0-12, 70 features");
		bp_model_free(&m);
	}
	/* a feature with more thresholds than a byte can rank */
	{
		int depths[] = { 6 };
		struct bp_model *m;

		pools_init(p, 5, 30, 2, &r);
		m = random_model(BP_TASK_BINARY, p, 200, depths, 1, &r);
		random_rows(x, n, p, &r);
		if (ok(m != NULL, "600 thresholds on one feature: loads"))
			check_both(m, x, n, "600 thresholds on one feature");
		bp_model_free(&m);
	}
	/* block edges: 0, 1, 63, 64, 65 rows */
	{
		int depths[] = { 5 };
		struct bp_model *m;
		static const size_t ns[] = { 0, 1, 63, 64, 65, 129 };

		pools_init(p, 4, 20, (size_t)-1, &r);
		m = random_model(BP_TASK_MULTICLASS, p, 12, depths, 1, &r);
		random_rows(x, n, p, &r);
		for (size_t i = 0; m && i < BP_ARRAY_SIZE(ns); i++) {
			char what[64];

			snprintf(what, sizeof(what), "%zu rows", ns[i]);
			check_both(m, x, ns[i], what);
		}
		bp_model_free(&m);
	}
	free(x);
	free(p);
}

/* models as bp-train makes them: depth-wise and leaf-wise, with nulls */
static void
trained_models(void)
{
	static const char *const params[] = {
		"n_estimators=30,max_depth=6,early_stopping_rounds=0",
		"n_estimators=20,max_depth=0,max_leaves=40,"
		"early_stopping_rounds=0",
		"n_estimators=10,max_depth=3,max_bin=16,"
		"early_stopping_rounds=0",
	};
	size_t n = 4000, k = 5;
	const char *names[] = { "a", "b", "c", "d", "e" };
	double *x = malloc(n * k * sizeof(*x)), *y = malloc(n * sizeof(*y));
	struct bp_dataset d;
	struct bp_rng r;

	bp_rng_seed(&r, 7);
	for (size_t i = 0; i < n; i++) {
		double s = 0;

		for (size_t j = 0; j < k; j++) {
			double v = gauss(&r);

			x[i * k + j] = bp_rng_uniform(&r) < 0.1 ? NAN : v;
			s += isnan(x[i * k + j]) ? 0.5 : v * (double)(j + 1);
		}
		y[i] = s + gauss(&r) > 0;
	}
	bp_dataset_from_matrix(&d, n, k, names, x, y, "label_up");
	for (size_t p = 0; p < BP_ARRAY_SIZE(params); p++) {
		json_t *pj = bp_model_params_parse(params[p]);
		struct bp_model *m = bp_model_train("gbdt", pj, &d, NULL, 3, 1,
						    NULL);
		char what[160];

		snprintf(what, sizeof(what), "trained %s", params[p]);
		if (ok(m != NULL, "%s: trains", what))
			check_both(m, x, n, what);
		bp_model_free(&m);
		json_decref(pj);
	}
	/* a model of another kind has no forest */
	{
		json_t *pj = bp_model_params_parse("");
		struct bp_model *m = bp_model_train("logreg", pj, &d, NULL, 3,
						    1, NULL);

		ok(m && bp_forest_new(m) == NULL, "logreg: no forest");
		bp_model_free(&m);
		json_decref(pj);
	}
	bp_dataset_release(&d);
	free(x);
	free(y);
}

int
main(void)
{
	bp_setprogname("test-forest");
	random_models();
	trained_models();
	return done_testing();
}
