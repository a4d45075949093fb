/*
 * test-health: bp-model health's report from lib/health.  A logistic
 * regression is trained here on tests/fixtures/drift/ref.ndjson (features
 * a and ties, label label_up); the current rows are cur.ndjson.  The
 * sketch figures are checked against tests/unit/ref/health-cases.json
 * (numpy, from the definitions), the exact mode against bp-drift's
 * expected.json (scipy), the performance against lib/metrics on the
 * model's own predictions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "health.h"
#include "jsonout.h"
#include "metrics.h"
#include "registry.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#define FIX "tests/fixtures/drift/"

/* every figure is the same arithmetic on the same values: 1e-12 */
#define TOL 1e-12

static const json_t *
column(const json_t *report, const char *name)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(report, "columns"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "column")),
			    name))
			return c;
	return NULL;
}

static double
num(const json_t *o, const char *path)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o;
	     tok = strtok_r(NULL, ".", &save))
		o = json_object_get(o, tok);
	return json_is_number(o) ? json_number_value(o) : NAN;
}

static struct bp_model *
train(void)
{
	struct bp_dataset d = BP_DATASET_INIT;
	const char *f[] = { "a", "ties" };
	struct bp_dataset_opts o = { "label_up", f, 2, 0 };
	json_t *params = bp_model_params_parse("");
	struct bp_model *m = NULL;

	if (bp_dataset_load(&d, FIX "ref.ndjson", &o) == 0)
		m = bp_model_train("logreg", params, &d, NULL, 1, 1, NULL);
	json_decref(params);
	bp_dataset_release(&d);
	return m;
}

static void
sketch_cases(const struct bp_model *m)
{
	json_t *exp = bp_json_load_file("tests/unit/ref/health-cases.json");
	struct bp_health_opts o;
	json_t *r, *versions, *entry;

	bp_health_opts_init(&o);
	entry = json_pack("{s:s, s:i, s:s, s:s}", "name", "rsi", "version", 2,
			  "status", "active", "created_at",
			  "2024-01-04T00:00:00Z");
	versions = json_pack("[{s:i, s:s, s:s, s:s}, {s:i, s:s, s:s, s:o}]",
		"version", 1, "status", "retired", "created_at",
		"2023-12-01T00:00:00Z", "metrics",
		"{\"train\":{\"auc\":0.6},\"valid\":{\"auc\":0.55}}",
		"version", 2, "status", "active", "created_at",
		"2024-01-04T00:00:00Z", "metrics",
		json_pack("{s:{s:f}}", "train", "auc", 0.58));
	r = bp_health_run(&o, m, entry, versions, FIX "cur.ndjson");
	ok(r != NULL, "sketch: a report");
	if (!r)
		goto out;
	ok(!strcmp(json_string_value(json_object_get(r, "format")),
		   "barpipe-model-health"), "sketch: format");
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "ties" : "a";
		const json_t *c = column(r, f), *e = json_object_get(exp, f);

		is_close(num(c, "tests.psi.value"), num(e, "psi"), TOL,
			 "sketch %s: psi", f);
		ok(num(c, "tests.psi.bins") == num(e, "bins"),
		   "sketch %s: bins", f);
		is_close(num(c, "tests.js.value"), num(e, "js"), TOL,
			 "sketch %s: js", f);
		is_close(num(c, "tests.mean_shift.value"), num(e, "mean_shift"),
			 TOL, "sketch %s: mean shift", f);
		is_close(num(c, "tests.std_shift.ratio"), num(e, "sd_ratio"),
			 TOL, "sketch %s: sd ratio", f);
		is_close(num(c, "tests.null_rate.change"),
			 num(e, "null_change"), TOL, "sketch %s: null rate", f);
		is_close(num(c, "outside_range"), num(e, "outside_range"), TOL,
			 "sketch %s: outside range", f);
		ok(json_is_null(json_object_get(json_object_get(c, "tests"),
						"ks")),
		   "sketch %s: no KS without the training rows", f);
	}
	ok(json_is_object(json_object_get(json_object_get(r, "prediction"),
					  "score")), "sketch: score drift");
	ok(!strcmp(json_string_value(json_object_get(r, "last_retrain")),
		   "2024-01-04T00:00:00Z"), "last retrain from the registry");
	{
		const json_t *t = json_object_get(r, "trend");

		ok(json_array_size(t) == 3, "trend: two versions and current");
		is_close(num(json_array_get(t, 0), "metrics.auc"), 0.55, 0,
			 "trend: v1's validation metrics (from JSON text)");
		is_close(num(json_array_get(t, 1), "metrics.auc"), 0.58, 0,
			 "trend: v2's training metrics when no validation");
		ok(!strcmp(json_string_value(json_object_get(
			json_array_get(t, 2), "version")), "current"),
		   "trend: current last");
	}
	ok(json_is_string(json_object_get(r, "recommendation")) &&
	   json_is_array(json_object_get(r, "findings")),
	   "a level, findings and a recommendation");
	json_decref(r);
out:
	json_decref(entry);
	json_decref(versions);
	json_decref(exp);
}

/* Current metrics: lib/metrics on the model's own predictions. */
static void
performance_cases(const struct bp_model *m)
{
	struct bp_health_opts o;
	struct bp_dataset d = BP_DATASET_INIT;
	const char *f[] = { "a", "ties" };
	struct bp_dataset_opts dopt = { "label_up", f, 2, 0 };
	double *p, ll, auc, ref_auc;
	json_t *r;

	bp_health_opts_init(&o);
	r = bp_health_run(&o, m, NULL, NULL, FIX "cur.ndjson");
	bp_dataset_load(&d, FIX "cur.ndjson", &dopt);
	p = bp_xmalloc(d.n * sizeof(*p));
	for (size_t i = 0; i < d.n; i++) {
		double out[BP_MODEL_MAX_OUTPUTS];

		bp_model_predict(m, d.x + i * d.k, out);
		p[i] = out[0];
	}
	ll = bp_metrics_logloss(d.y, p, d.n);
	auc = bp_metrics_auc(d.y, p, d.n);
	ref_auc = num(bp_model_info(m), "metrics.train.auc");
	is_close(num(r, "performance.metrics.logloss.cur"), ll, TOL,
		 "performance: current logloss");
	is_close(num(r, "performance.metrics.auc.cur"), auc, TOL,
		 "performance: current auc");
	is_close(num(r, "performance.metrics.auc.ref"), ref_auc, 0,
		 "performance: the stored training auc");
	is_close(num(r, "performance.metrics.auc.degradation_pct"),
		 100 * (ref_auc - auc) / ref_auc, TOL,
		 "performance: auc degradation");
	ok(num(r, "performance.n_cur") == 40, "performance: 40 rows");
	free(p);
	bp_dataset_release(&d);
	json_decref(r);

	/* a window: the last 12 hours of the current rows */
	bp_window_parse(&o.cur_window, "last:12h");
	r = bp_health_run(&o, m, NULL, NULL, FIX "cur.ndjson");
	ok(num(r, "current.rows") == 12 && num(r, "performance.n_cur") == 12,
	   "window: 12 rows");
	json_decref(r);
}

/* With the training rows: bp-drift's exact comparison. */
static void
rows_cases(const struct bp_model *m)
{
	json_t *exp = bp_json_load_file(FIX "expected.json"), *r;
	struct bp_health_opts o;

	bp_health_opts_init(&o);
	o.ref = FIX "ref.ndjson";
	r = bp_health_run(&o, m, NULL, NULL, FIX "cur.ndjson");
	ok(r != NULL, "rows: a report");
	for (int i = 0; r && i < 2; i++) {
		const char *f = i ? "ties" : "a";
		const json_t *c = column(r, f);
		const json_t *e = json_object_get(json_object_get(exp,
			"columns"), f);

		/* the KS contract with scipy: 1e-12 and 1e-6 */
		is_close(num(c, "tests.ks.statistic"), num(e, "ks_statistic"),
			 1e-12, "rows %s: KS statistic", f);
		is_close(num(c, "tests.ks.pvalue"), num(e, "ks_pvalue"), 1e-6,
			 "rows %s: KS p-value", f);
		is_close(num(c, "tests.psi.value"), num(e, "psi"), 1e-9,
			 "rows %s: psi", f);
	}
	ok(r && json_array_size(json_object_get(r, "columns")) == 2,
	   "rows: only the model's features");
	ok(r && !strcmp(json_string_value(json_object_get(json_object_get(r,
		"performance"), "label")), "label_up"),
	   "rows: performance on the label");
	json_decref(r);
	json_decref(exp);
}

static void
error_cases(const struct bp_model *m)
{
	struct bp_health_opts o;
	json_t *doc = bp_model_to_json(m);
	struct bp_model *bare;
	FILE *fp;

	bp_health_opts_init(&o);
	json_object_del(doc, "reference");
	bare = bp_model_from_json(doc, "bare");
	ok(bare && !bp_health_run(&o, bare, NULL, NULL, FIX "cur.ndjson"),
	   "no sketch and no --ref: an error");
	fp = fopen("tests/unit/health-nofeat.ndjson", "w");
	fputs("{\"ts\":\"2024-01-01T00:00:00Z\",\"a\":1}\n", fp);
	fclose(fp);
	ok(!bp_health_run(&o, m, NULL, NULL,
			  "tests/unit/health-nofeat.ndjson"),
	   "a feature missing from the stream: an error");
	remove("tests/unit/health-nofeat.ndjson");
	bp_model_free(&bare);
	json_decref(doc);
}

/* The model by registry name, by NAME@V and by file. */
static void
load_cases(const struct bp_model *m)
{
	char dir[] = "/tmp/test-health.XXXXXX", db[64], file[64];
	struct bp_model *got = NULL;
	struct bp_store *st;
	json_t *entry = NULL, *versions = NULL;
	int v1 = 0, v2 = 0;

	if (!mkdtemp(dir)) {
		ok(0, "a temporary directory");
		return;
	}
	snprintf(db, sizeof(db), "%s/barpipe.db", dir);
	snprintf(file, sizeof(file), "%s/m.json", dir);
	st = bp_store_open(db, 0);
	ok(st && bp_registry_add(st, "rsi", m, &v1) == 0 &&
	   bp_registry_add(st, "rsi", m, &v2) == 0 &&
	   bp_registry_promote(st, "rsi", 2) == 0, "two versions registered");
	bp_store_free(&st);
	ok(bp_health_load("rsi", db, &got, &entry, &versions) == 0 && got,
	   "load: the active version by name");
	ok(json_integer_value(json_object_get(entry, "version")) == 2 &&
	   json_is_string(json_object_get(entry, "created_at")),
	   "load: its entry, with its date");
	ok(json_array_size(versions) == 2, "load: every version");
	bp_model_free(&got);
	json_decref(entry);
	json_decref(versions);
	ok(bp_health_load("rsi@1", db, &got, &entry, &versions) == 0 &&
	   json_integer_value(json_object_get(entry, "version")) == 1,
	   "load: NAME@1");
	bp_model_free(&got);
	json_decref(entry);
	json_decref(versions);
	ok(bp_health_load("nosuch", db, &got, &entry, &versions) < 0 && !got,
	   "load: an unknown name is an error");
	json_decref(versions);
	bp_model_save(m, file);
	ok(bp_health_load(file, db, &got, &entry, &versions) == 0 && got &&
	   !entry && json_array_size(versions) == 0,
	   "load: a model file, no registry");
	bp_model_free(&got);
	json_decref(versions);
	unlink(file);
	snprintf(file, sizeof(file), "rm -rf '%s'", dir);
	if (system(file) != 0)
		ok(0, "cleanup");
}

int
main(void)
{
	struct bp_model *m = train();

	ok(m != NULL, "a logistic regression on the fixture");
	if (!m)
		return done_testing();
	sketch_cases(m);
	performance_cases(m);
	rows_cases(m);
	error_cases(m);
	load_cases(m);
	bp_model_free(&m);
	return done_testing();
}
