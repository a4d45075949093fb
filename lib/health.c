/*
 * health: a model's training reference against a current feature stream,
 * its metrics over its versions and on the current rows, and a verdict.
 */
#include "health.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "drift.h"
#include "jsonout.h"
#include "metrics.h"
#include "registry.h"
#include "severity.h"
#include "util.h"

#define SCORE "score"		/* the model's score, computed here */

void
bp_health_opts_init(struct bp_health_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bins = 10;
	o->psi_eps = 1e-4;
	bp_severity_init(&o->sev);
}

static double
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void
setnum(json_t *o, const char *key, double x)
{
	json_object_set_new(o, key, bp_json_real(x));
}

/* o[key] = v (borrowed), or null when v is NULL. */
static void
setcopy(json_t *o, const char *key, const json_t *v)
{
	json_object_set_new(o, key, v ? json_deep_copy(v) : json_null());
}

static json_t *
level_json(enum bp_level l)
{
	return json_string(bp_level_name(l));
}

/* ---- the sketch ---------------------------------------------------------- */

/*
 * A feature (or the score) of the current rows, y (ny values out of rows),
 * against its training sketch ref (n, null_rate, mean, sd, min, max,
 * deciles).  The same keys as bp_driftcmp_column(); ks and wasserstein
 * are null (they need the training rows).
 */
static json_t *
sketch_column(const struct bp_health_opts *o, const char *name,
	      const json_t *ref, double *y, size_t ny, size_t rows)
{
	const struct bp_severity *sev = &o->sev;
	const json_t *dec = json_object_get(ref, "deciles");
	json_t *c = json_object(), *t = json_object(), *nr = json_object(), *e;
	double nref = num(ref, "n"), null_ref = num(ref, "null_rate");
	double null_cur = rows ? 1.0 - (double)ny / (double)rows : NAN;
	double edges[9], r[10], sh[10], mc, sdc, shift, ratio, psi, js;
	int kmax[9];
	size_t ne = 0, cnt[10] = { 0 }, out = 0;
	enum bp_level level, l;
	struct bp_moments m;

	json_object_set_new(c, "column", json_string(name));
	json_object_set_new(c, "reference", json_string("sketch"));
	setnum(c, "rows_ref", nref);
	json_object_set_new(c, "rows_cur", json_integer((json_int_t)rows));
	setnum(c, "n_ref", nref);
	json_object_set_new(c, "n_cur", json_integer((json_int_t)ny));
	setnum(nr, "ref", null_ref);
	setnum(nr, "cur", null_cur);
	setnum(nr, "change", null_cur - null_ref);
	level = bp_thresholds_grade(&sev->null_rate, fabs(null_cur - null_ref));
	json_object_set_new(nr, "level", level_json(level));
	json_object_set_new(t, "ks", json_null());
	json_object_set_new(t, "wasserstein", json_null());
	if (!(nref > 0) || ny == 0 || json_array_size(dec) != 11) {
		json_object_set_new(c, "skipped", json_string(
			!(nref > 0) ? "no values in the reference" :
			ny == 0 ? "no values in the current sample" :
			"the sketch has no deciles"));
		json_object_del(t, "wasserstein");
		json_object_set_new(t, "psi", json_null());
		json_object_set_new(t, "js", json_null());
		json_object_set_new(t, "wasserstein", json_null());
		json_object_set_new(t, "mean_shift", json_null());
		json_object_set_new(t, "std_shift", json_null());
		json_object_set_new(t, "null_rate", nr);
		json_object_set_new(c, "tests", t);
		json_object_set_new(c, "level", level_json(level));
		return c;
	}
	json_object_set_new(c, "skipped", json_null());
	/* bins at the distinct interior deciles; shares the deciles imply */
	for (int k = 1; k <= 9; k++) {
		double v = json_number_value(json_array_get(dec, k));

		if (ne && v == edges[ne - 1]) {
			kmax[ne - 1] = k;
			continue;
		}
		edges[ne] = v;
		kmax[ne++] = k;
	}
	/*
	 * an edge at the training maximum has everything below it: F = 1,
	 * and the bin above it, empty in training, catches new values
	 */
	if (ne && edges[ne - 1] >= num(ref, "max"))
		kmax[ne - 1] = 10;
	for (size_t i = 0; i <= ne; i++)
		r[i] = ((i < ne ? kmax[i] : 10) - (i ? kmax[i - 1] : 0)) / 10.0;
	bp_drift_sort(y, ny);
	bp_drift_bin_counts(cnt, edges, ne, y, ny);
	for (size_t i = 0; i <= ne; i++)
		sh[i] = (double)cnt[i] / (double)ny;
	for (size_t i = 0; i < ny; i++)
		out += y[i] < num(ref, "min") || y[i] > num(ref, "max");
	psi = bp_drift_psi_shares(r, sh, ne + 1, o->psi_eps);
	js = bp_drift_js_shares(r, sh, ne + 1);
	bp_drift_moments(&m, y, ny);
	mc = m.mean;
	/* the sketch's sd divides by n: the same here */
	sdc = ny > 1 ? m.sd * sqrt((double)(ny - 1) / (double)ny) : 0;
	shift = num(ref, "sd") > 0 ? (mc - num(ref, "mean")) / num(ref, "sd")
				   : NAN;
	ratio = num(ref, "sd") > 0 ? sdc / num(ref, "sd") : NAN;
	setnum(c, "mean_ref", num(ref, "mean"));
	setnum(c, "mean_cur", mc);
	setnum(c, "sd_ref", num(ref, "sd"));
	setnum(c, "sd_cur", sdc);
	setnum(c, "outside_range", (double)out / (double)ny);

	/* in the order of bp-drift's report: ks, psi, js, wasserstein, ... */
	json_object_del(t, "wasserstein");
	e = json_object();
	setnum(e, "value", psi);
	json_object_set_new(e, "bins", json_integer((json_int_t)(ne + 1)));
	l = bp_thresholds_grade(&sev->psi, psi);
	json_object_set_new(e, "level", level_json(l));
	json_object_set_new(t, "psi", e);
	level = level > l ? level : l;
	e = json_object();
	setnum(e, "value", js);
	l = bp_thresholds_grade(&sev->js, js);
	json_object_set_new(e, "level", level_json(l));
	json_object_set_new(t, "js", e);
	json_object_set_new(t, "wasserstein", json_null());
	level = level > l ? level : l;
	e = json_object();
	setnum(e, "value", shift);
	l = bp_thresholds_grade(&sev->mean_shift, fabs(shift));
	json_object_set_new(e, "level", level_json(l));
	json_object_set_new(t, "mean_shift", e);
	level = level > l ? level : l;
	e = json_object();
	setnum(e, "value", ratio - 1);
	setnum(e, "ratio", ratio);
	l = bp_thresholds_grade(&sev->std_shift, fabs(ratio - 1));
	json_object_set_new(e, "level", level_json(l));
	json_object_set_new(t, "std_shift", e);
	level = level > l ? level : l;
	json_object_set_new(t, "null_rate", nr);
	json_object_set_new(c, "tests", t);
	json_object_set_new(c, "level", level_json(level));
	return c;
}

/* The non-null values of v (one per row) in mask. */
static double *
gather(const double *v, const unsigned char *mask, size_t nrows, size_t *n,
       size_t *rows)
{
	double *x = bp_xmalloc((nrows ? nrows : 1) * sizeof(*x));

	*n = *rows = 0;
	for (size_t i = 0; i < nrows; i++) {
		if (!mask[i])
			continue;
		(*rows)++;
		if (!isnan(v[i]))
			x[(*n)++] = v[i];
	}
	return x;
}

/* ---- performance --------------------------------------------------------- */

static const char *const graded_binary[] = { "logloss", "auc", "accuracy",
					     NULL };
static const char *const graded_multi[] = { "logloss", "accuracy", NULL };
static const char *const graded_reg[] = { "mae", "rmse", NULL };

/*
 * The model's stored metrics (validation rows, else training rows)
 * against its metrics on the current rows that carry the label.
 */
static json_t *
performance(const struct bp_health_opts *o, const struct bp_model *m,
	    const struct bp_dataset *d, json_t **current)
{
	const json_t *stored = json_object_get(bp_model_info(m), "metrics");
	const json_t *ref = json_object_get(stored, "valid");
	const char *set = "valid";
	enum bp_task task = bp_model_task(m);
	const char *const *names = task == BP_TASK_BINARY ? graded_binary :
				   task == BP_TASK_MULTICLASS ? graded_multi :
				   graded_reg;
	struct bp_metrics met;
	json_t *perf, *mets, *cur;
	enum bp_level level = BP_LEVEL_NONE;
	size_t skipped = 0;

	if (!json_is_object(ref)) {
		ref = json_object_get(stored, "train");
		set = "train";
	}
	if (bp_model_evaluate(m, d, &met, &skipped) < 0)
		return NULL;
	cur = bp_metrics_to_json(&met);
	perf = json_object();
	mets = json_object();
	json_object_set_new(perf, "label", json_string(bp_model_label(m)));
	json_object_set_new(perf, "task", json_string(bp_task_name(task)));
	json_object_set_new(perf, "reference", json_string(set));
	setnum(perf, "n_ref", num(ref, "n"));
	json_object_set_new(perf, "n_cur", json_integer((json_int_t)met.n));
	for (size_t i = 0; names[i]; i++) {
		json_t *e = json_object();
		double a = num(ref, names[i]), b = num(cur, names[i]);
		int up = bp_metrics_higher_is_better(names[i]);
		double deg = a != 0 && !isnan(a) && !isnan(b)
			     ? (up ? a - b : b - a) / fabs(a) * 100 : NAN;
		enum bp_level l = bp_thresholds_grade(&o->sev.degrade, deg);

		setnum(e, "ref", a);
		setnum(e, "cur", b);
		setnum(e, "degradation_pct", deg);
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(mets, names[i], e);
		level = level > l ? level : l;
	}
	json_object_set_new(perf, "metrics", mets);
	json_object_set_new(perf, "level", level_json(level));
	*current = cur;
	return perf;
}

/* ---- trend --------------------------------------------------------------- */

/* An entry's metrics: its validation metrics, else its training ones. */
static json_t *
entry_metrics(const json_t *e)
{
	const json_t *m = json_object_get(e, "metrics");
	json_t *parsed = NULL, *r;

	if (json_is_string(m))
		m = parsed = json_loads(json_string_value(m), 0, NULL);
	r = json_object_get(m, "valid");
	if (!json_is_object(r))
		r = json_object_get(m, "train");
	r = json_is_object(r) ? json_deep_copy(r) : json_null();
	json_decref(parsed);
	return r;
}

static json_t *
trend(const json_t *versions, json_t *current, size_t rows)
{
	json_t *t = json_array(), *c;
	const json_t *e;
	size_t i;

	json_array_foreach(versions, i, e) {
		json_t *o = json_object();

		setcopy(o, "version", json_object_get(e, "version"));
		setcopy(o, "status", json_object_get(e, "status"));
		setcopy(o, "created_at", json_object_get(e, "created_at"));
		json_object_set_new(o, "metrics", entry_metrics(e));
		json_array_append_new(t, o);
	}
	if (current) {
		c = json_object();
		json_object_set_new(c, "version", json_string("current"));
		json_object_set_new(c, "rows", json_integer((json_int_t)rows));
		json_object_set(c, "metrics", current);
		json_array_append_new(t, c);
	}
	return t;
}

/* ---- the report ---------------------------------------------------------- */

/* The model's score on every row of s (NaN where it cannot score). */
static double *
scores(const struct bp_model *m, const struct bp_driftcmp_sample *s)
{
	size_t n = bp_driftcmp_sample_rows(s), k = bp_model_nfeatures(m);
	const char *const *feat = bp_model_features(m);
	double *x = bp_xcalloc(n * k + 1, sizeof(*x));
	double *out = bp_xcalloc(n * bp_model_noutputs(m) + 1, sizeof(*out));
	double *sc = bp_xmalloc((n ? n : 1) * sizeof(*sc));

	for (size_t j = 0; j < k; j++) {
		double *v = bp_driftcmp_sample_column(s, feat[j]);

		for (size_t i = 0; i < n; i++)
			x[i * k + j] = v[i];
		free(v);
	}
	bp_model_predict_batch(m, x, n, out);
	for (size_t i = 0; i < n; i++) {
		const double *o = out + i * bp_model_noutputs(m);

		sc[i] = isnan(o[0]) ? NAN : bp_model_score(m, o);
	}
	free(x);
	free(out);
	return sc;
}

static int
check_features(const struct bp_model *m, const struct bp_driftcmp_sample *s,
	       const char *name)
{
	const char *const *feat = bp_model_features(m);

	for (size_t j = 0; j < bp_model_nfeatures(m); j++)
		if (!bp_driftcmp_sample_numeric(s, feat[j]))
			return bp_error("%s: the model's feature '%s' is "
					"missing or not numeric", name,
					feat[j]);
	return 0;
}

/* The current rows in the window, features and label, as a dataset. */
static void
current_dataset(struct bp_dataset *d, const struct bp_model *m,
		const struct bp_driftcmp_sample *s, const unsigned char *mask)
{
	size_t n = bp_driftcmp_sample_rows(s), k = bp_model_nfeatures(m), r = 0;
	double *x = bp_xcalloc(n * k + 1, sizeof(*x));
	double *y = bp_xcalloc(n + 1, sizeof(*y));
	double *lab = bp_driftcmp_sample_column(s, bp_model_label(m));
	double **cols = bp_xcalloc(k + 1, sizeof(*cols));

	for (size_t j = 0; j < k; j++)
		cols[j] = bp_driftcmp_sample_column(s, bp_model_features(m)[j]);
	for (size_t i = 0; i < n; i++) {
		if (!mask[i] || isnan(lab[i]))
			continue;
		for (size_t j = 0; j < k; j++)
			x[r * k + j] = cols[j][i];
		y[r++] = lab[i];
	}
	bp_dataset_from_matrix(d, r, k, bp_model_features(m), x, y,
			       bp_model_label(m));
	for (size_t j = 0; j < k; j++)
		free(cols[j]);
	free(cols);
	free(lab);
	free(x);
	free(y);
}

/* The drift part from the model's sketch of its training rows. */
static json_t *
sketch_report(const struct bp_health_opts *o, const struct bp_model *m,
	      const json_t *sketch, struct bp_driftcmp_sample *cur,
	      const unsigned char *mask, long nc, const double *sc)
{
	const json_t *feats = json_object_get(sketch, "features");
	size_t n = bp_driftcmp_sample_rows(cur), ny, rows;
	json_t *report = json_object(), *cols = json_array(), *ref, *pred;
	double *y;

	json_object_set_new(report, "format",
			    json_string("barpipe-model-health"));
	json_object_set_new(report, "version", json_integer(1));
	ref = json_object();
	json_object_set_new(ref, "source", json_string("model sketch"));
	json_object_set_new(ref, "window", json_null());
	setnum(ref, "rows", num(sketch, "rows"));
	json_object_set_new(report, "reference", ref);
	json_object_set_new(report, "current", bp_driftcmp_source_json(cur,
		&o->cur_window, mask, nc));
	for (size_t j = 0; j < bp_model_nfeatures(m); j++) {
		const char *f = bp_model_features(m)[j];
		double *v = bp_driftcmp_sample_column(cur, f);

		y = gather(v, mask, n, &ny, &rows);
		json_array_append_new(cols, sketch_column(o, f,
			json_object_get(feats, f), y, ny, rows));
		free(v);
		free(y);
	}
	json_object_set_new(report, "columns", cols);
	pred = json_object();
	y = gather(sc, mask, n, &ny, &rows);
	json_object_set_new(pred, "score", sketch_column(o, SCORE,
		json_object_get(sketch, "score"), y, ny, rows));
	free(y);
	json_object_set_new(pred, "signal", json_null());
	json_object_set_new(pred, "level", json_string(bp_level_name(
		bp_report_level(json_object_get(pred, "score")))));
	json_object_set_new(report, "prediction", pred);
	return report;
}

/* The drift part from the training rows themselves: bp-drift's. */
static json_t *
rows_report(const struct bp_health_opts *o, const struct bp_model *m,
	    struct bp_driftcmp_sample *ref, struct bp_driftcmp_sample *cur)
{
	struct bp_driftcmp_opts c;
	const char *label = bp_model_label(m);
	json_t *report;

	bp_driftcmp_opts_init(&c);
	c.columns = bp_model_features(m);
	c.ncolumns = bp_model_nfeatures(m);
	c.bins = o->bins;
	c.psi_eps = o->psi_eps;
	c.score = SCORE;
	c.signal = "";
	c.sev = o->sev;
	c.cur_window = o->cur_window;
	if (bp_model_task(m) != BP_TASK_MULTICLASS && label &&
	    bp_driftcmp_sample_numeric(ref, label) &&
	    bp_driftcmp_sample_numeric(cur, label))
		c.label = label;
	report = bp_driftcmp_run(&c, ref, cur);
	if (report)
		json_object_set_new(report, "format",
				    json_string("barpipe-model-health"));
	return report;
}

static void
model_json(json_t *report, const struct bp_model *m, const json_t *entry)
{
	json_t *o = json_object(), *f = json_array();
	const json_t *info = bp_model_info(m);

	setcopy(o, "name", json_object_get(entry, "name"));
	setcopy(o, "version", json_object_get(entry, "version"));
	setcopy(o, "status", json_object_get(entry, "status"));
	json_object_set_new(o, "kind", json_string(bp_model_kind(m)));
	json_object_set_new(o, "task", json_string(bp_task_name(
		bp_model_task(m))));
	json_object_set_new(o, "label", json_string(bp_model_label(m)));
	for (size_t j = 0; j < bp_model_nfeatures(m); j++)
		json_array_append_new(f, json_string(bp_model_features(m)[j]));
	json_object_set_new(o, "features", f);
	json_object_set_new(report, "model", o);
	setcopy(report, "training", json_object_get(info, "training"));
	setcopy(report, "last_retrain",
		json_is_string(json_object_get(entry, "created_at"))
		? json_object_get(entry, "created_at") : NULL);
}

json_t *
bp_health_run(const struct bp_health_opts *o, const struct bp_model *m,
	      const json_t *entry, const json_t *versions,
	      const char *cur_path)
{
	const json_t *sketch = json_object_get(bp_model_info(m), "reference");
	struct bp_driftcmp_sample *ref = NULL, *cur = NULL;
	json_t *report = NULL, *perf = NULL, *current = NULL;
	unsigned char *mask = NULL;
	double *sc = NULL;
	struct bp_dataset d = BP_DATASET_INIT;
	long nc;

	if (!o->ref && !json_is_object(json_object_get(sketch, "features"))) {
		bp_error("the model file has no sketch of its training rows; "
			 "give them with --ref");
		return NULL;
	}
	if (o->ref ? bp_driftcmp_load_pair(o->ref, cur_path, NULL, &ref, &cur)
		   : !(cur = bp_driftcmp_sample_load(cur_path, NULL)))
		return NULL;
	if ((ref && check_features(m, ref, o->ref) < 0) ||
	    check_features(m, cur, cur_path && strcmp(cur_path, "-") ?
			   cur_path : "<stdin>") < 0)
		goto out;
	mask = bp_xmalloc(bp_driftcmp_sample_rows(cur) + 1);
	nc = bp_driftcmp_select(cur, &o->cur_window, "--cur-window", mask);
	if (nc < 0)
		goto out;
	if (nc == 0) {
		bp_error("no rows in the current sample");
		goto out;
	}
	sc = scores(m, cur);
	if (ref) {
		double *rs = scores(m, ref);

		bp_driftcmp_sample_set(ref, SCORE, rs);
		bp_driftcmp_sample_set(cur, SCORE, sc);
		free(rs);
		report = rows_report(o, m, ref, cur);
	} else {
		report = sketch_report(o, m, sketch, cur, mask, nc, sc);
	}
	if (!report)
		goto out;
	/* performance against the stored metrics (sketch mode) */
	if (!ref && bp_model_label(m) &&
	    bp_driftcmp_sample_numeric(cur, bp_model_label(m))) {
		current_dataset(&d, m, cur, mask);
		if (d.n && !(perf = performance(o, m, &d, &current))) {
			json_decref(report);
			report = NULL;
			goto out;
		}
	}
	if (!ref)
		json_object_set_new(report, "performance", perf ? perf
							       : json_null());
	model_json(report, m, entry);
	json_object_set_new(report, "trend", trend(versions, current, d.n));
	bp_driftcmp_finish(report);
out:
	json_decref(current);
	bp_dataset_release(&d);
	bp_driftcmp_sample_free(&ref);
	bp_driftcmp_sample_free(&cur);
	free(mask);
	free(sc);
	return report;
}

/* A model file rather than a registry name (registry.c's rule). */
static int
is_path(const char *ref)
{
	struct stat sb;

	return strchr(ref, '/') || bp_ends_with(ref, ".json") ||
	       bp_ends_with(ref, ".zst") || !strcmp(ref, "-") ||
	       stat(ref, &sb) == 0;
}

int
bp_health_load(const char *ref, const char *db, struct bp_model **m,
	       json_t **entry, json_t **versions)
{
	struct bp_registry_entry e, *v = NULL;
	struct bp_store *s = NULL;
	size_t nv = 0;
	char *name = NULL;
	int version, rc = -1;

	*m = NULL;
	*entry = NULL;
	*versions = json_array();
	if (is_path(ref)) {
		*m = bp_model_load(ref);
		return *m ? 0 : -1;
	}
	if (bp_registry_parse_ref(ref, &name, &version) < 0 ||
	    !(s = bp_store_open(db, 0)))
		goto out;
	if (bp_registry_get(s, name, version, &e) < 0)
		goto out;
	*entry = bp_registry_entry_json(&e);
	bp_registry_entry_release(&e);
	if (bp_registry_list(s, name, &v, &nv) < 0)
		goto out;
	for (size_t i = 0; i < nv; i++)
		json_array_append_new(*versions, bp_registry_entry_json(&v[i]));
	bp_registry_list_free(v, nv);
	/* loaded through the registry: the artefact's sha256 is checked */
	if ((*m = bp_registry_load(ref, db)))
		rc = 0;
out:
	if (rc < 0) {
		json_decref(*entry);
		*entry = NULL;
	}
	bp_store_free(&s);
	free(name);
	return rc;
}

void
bp_health_table(struct bp_buf *b, const json_t *report)
{
	const json_t *model = json_object_get(report, "model"), *t;
	const json_t *last = json_object_get(report, "last_retrain");
	size_t i;

	bp_buf_addf(b, "model %s", json_is_string(json_object_get(model,
		"name")) ? json_string_value(json_object_get(model, "name"))
			 : "(file)");
	if (json_is_integer(json_object_get(model, "version")))
		bp_buf_addf(b, "@%lld", (long long)json_integer_value(
			json_object_get(model, "version")));
	bp_buf_addf(b, ": %s %s, label %s, %zu features; last retrained %s\n",
		    json_string_value(json_object_get(model, "kind")),
		    json_string_value(json_object_get(model, "task")),
		    json_string_value(json_object_get(model, "label")),
		    json_array_size(json_object_get(model, "features")),
		    json_is_string(last) ? json_string_value(last)
					 : "(unknown)");
	bp_report_table(b, report);
	t = json_object_get(report, "trend");
	if (json_array_size(t))
		bp_buf_adds(b, "\nmetrics by version:\n");
	json_array_foreach(t, i, model) {
		const json_t *m = json_object_get(model, "metrics");
		const json_t *ver = json_object_get(model, "version");
		const char *key;
		const json_t *v;

		if (json_is_integer(ver))
			bp_buf_addf(b, "  v%-7lld", (long long)
				    json_integer_value(ver));
		else
			bp_buf_addf(b, "  %-8s", json_is_string(ver) ?
				    json_string_value(ver) : "?");
		if (json_is_string(json_object_get(model, "created_at")))
			bp_buf_addf(b, " %s", json_string_value(
				json_object_get(model, "created_at")));
		json_object_foreach((json_t *)m, key, v)
			if (json_is_number(v))
				bp_buf_addf(b, " %s=%.4g", key,
					    json_number_value(v));
		bp_buf_addc(b, '\n');
	}
}
