/*
 * severity: levels, thresholds and recommendations; the drift report as a
 * table and as Prometheus text.
 */
#include "severity.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "atomic.h"
#include "fmt.h"
#include "jsonout.h"

static const char *const level_names[BP_LEVEL_COUNT] = {
	"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL",
};

static const char *const level_actions[BP_LEVEL_COUNT] = {
	"no action", "monitor", "monitor", "schedule retraining",
	"retrain now",
};

const char *
bp_level_name(enum bp_level l)
{
	return (unsigned)l < BP_LEVEL_COUNT ? level_names[l] : "NONE";
}

const char *
bp_level_action(enum bp_level l)
{
	return (unsigned)l < BP_LEVEL_COUNT ? level_actions[l] : "no action";
}

int
bp_level_parse(const char *s, enum bp_level *out)
{
	for (int i = 0; i < BP_LEVEL_COUNT; i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (enum bp_level)i;
			return 0;
		}
	}
	return -1;
}

int
bp_thresholds_parse(struct bp_thresholds *th, const char *s, char *err,
		    size_t errlen)
{
	double v[5];
	int n = 0;
	const char *p = s;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n == 4) {
			snprintf(err, errlen, "'%s' has more than 4 values", s);
			return -1;
		}
		if (bp_parse_double(p, len, &v[n]) < 0 || !isfinite(v[n])) {
			snprintf(err, errlen, "'%.*s' is not a number",
				 (int)len, p);
			return -1;
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (n < 3) {
		snprintf(err, errlen,
			 "'%s' needs 3 (MEDIUM,HIGH,CRITICAL) or 4 "
			 "(LOW,MEDIUM,HIGH,CRITICAL) values", s);
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if (th->dir == BP_WORSE_ABOVE ? v[i] < v[i - 1]
					      : v[i] > v[i - 1]) {
			snprintf(err, errlen, "'%s' is not %s", s,
				 th->dir == BP_WORSE_ABOVE ? "increasing"
							   : "decreasing");
			return -1;
		}
	}
	th->t[0] = NAN;
	for (int i = 0; i < n; i++)
		th->t[4 - n + i] = v[i];
	return 0;
}

enum bp_level
bp_thresholds_grade(const struct bp_thresholds *th, double x)
{
	if (isnan(x))
		return BP_LEVEL_NONE;
	for (int i = 3; i >= 0; i--) {
		double t = th->t[i];

		if (isnan(t))
			continue;
		if (th->dir == BP_WORSE_ABOVE ? x >= t : x < t)
			return (enum bp_level)(i + 1);
	}
	return BP_LEVEL_NONE;
}

json_t *
bp_thresholds_json(const struct bp_thresholds *th)
{
	json_t *a = json_array();

	for (int i = 0; i < 4; i++)
		json_array_append_new(a, bp_json_real(th->t[i]));
	return a;
}

static void
set(struct bp_thresholds *th, enum bp_threshold_dir dir, double a, double b,
    double c, double d)
{
	th->dir = dir;
	th->t[0] = a;
	th->t[1] = b;
	th->t[2] = c;
	th->t[3] = d;
}

void
bp_severity_init(struct bp_severity *s)
{
	set(&s->ks_p, BP_WORSE_BELOW, 0.05, 0.01, 0.001, 0.0001);
	set(&s->ks_d, BP_WORSE_ABOVE, 0.05, 0.1, 0.2, 0.3);
	set(&s->psi, BP_WORSE_ABOVE, 0.05, 0.1, 0.25, 0.5);
	set(&s->js, BP_WORSE_ABOVE, 0.1, 0.15, 0.2, 0.3);
	set(&s->wasserstein, BP_WORSE_ABOVE, 0.1, 0.2, 0.5, 1);
	set(&s->mean_shift, BP_WORSE_ABOVE, 0.1, 0.25, 0.5, 1);
	set(&s->std_shift, BP_WORSE_ABOVE, 0.1, 0.25, 0.5, 1);
	set(&s->null_rate, BP_WORSE_ABOVE, 0.01, 0.05, 0.1, 0.25);
	set(&s->degrade, BP_WORSE_ABOVE, 2, 5, 10, 20);
}

json_t *
bp_severity_json(const struct bp_severity *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "ks_p", bp_thresholds_json(&s->ks_p));
	json_object_set_new(o, "ks_d", bp_thresholds_json(&s->ks_d));
	json_object_set_new(o, "psi", bp_thresholds_json(&s->psi));
	json_object_set_new(o, "js", bp_thresholds_json(&s->js));
	json_object_set_new(o, "wasserstein",
			    bp_thresholds_json(&s->wasserstein));
	json_object_set_new(o, "mean_shift",
			    bp_thresholds_json(&s->mean_shift));
	json_object_set_new(o, "std_shift", bp_thresholds_json(&s->std_shift));
	json_object_set_new(o, "null_rate", bp_thresholds_json(&s->null_rate));
	json_object_set_new(o, "degrade", bp_thresholds_json(&s->degrade));
	return o;
}

enum bp_level
bp_report_level(const json_t *obj)
{
	enum bp_level l = BP_LEVEL_NONE;
	const json_t *v = json_object_get(obj, "level");

	if (json_is_string(v))
		bp_level_parse(json_string_value(v), &l);
	return l;
}

/* ---- table ------------------------------------------------------------- */

/* A number of obj[key] (or obj[key][sub]); NaN when null or absent. */
static double
num(const json_t *obj, const char *key, const char *sub)
{
	const json_t *v = json_object_get(obj, key);

	if (sub)
		v = json_object_get(v, sub);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
str(const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* %*s of a number with 4 significant digits, "-" when NaN. */
static void
cell(struct bp_buf *b, int width, double x, int sign)
{
	char s[64];

	if (isnan(x))
		snprintf(s, sizeof(s), "-");
	else if (x != 0 && (fabs(x) < 1e-3 || fabs(x) >= 1e5))
		snprintf(s, sizeof(s), sign ? "%+.2e" : "%.2e", x);
	else
		snprintf(s, sizeof(s), sign ? "%+.4f" : "%.4f", x);
	bp_buf_addf(b, " %*s", width, s);
}

static void
source_line(struct bp_buf *b, const char *what, const json_t *s)
{
	const char *win = str(s, "window", NULL);

	bp_buf_addf(b, "%-9s %s", what, str(s, "source", "?"));
	if (win)
		bp_buf_addf(b, " [%s]", win);
	bp_buf_addf(b, ": %.0f rows", num(s, "rows", NULL));
	if (str(s, "from", NULL))
		bp_buf_addf(b, ", %s .. %s", str(s, "from", ""),
			    str(s, "to", ""));
	bp_buf_addc(b, '\n');
}

static void
column_row(struct bp_buf *b, int w, const json_t *c)
{
	const json_t *t = json_object_get(c, "tests");

	bp_buf_addf(b, "%-*s %7.0f %7.0f", w, str(c, "column", "?"),
		    num(c, "n_ref", NULL), num(c, "n_cur", NULL));
	if (json_is_string(json_object_get(c, "skipped"))) {
		bp_buf_addf(b, "  skipped: %s", str(c, "skipped", ""));
		cell(b, 8, num(json_object_get(t, "null_rate"), "change",
			       NULL), 1);
		bp_buf_addf(b, "  %s\n", str(c, "level", "NONE"));
		return;
	}
	cell(b, 8, num(json_object_get(t, "ks"), "statistic", NULL), 0);
	cell(b, 9, num(json_object_get(t, "ks"), "pvalue", NULL), 0);
	cell(b, 8, num(json_object_get(t, "psi"), "value", NULL), 0);
	cell(b, 8, num(json_object_get(t, "js"), "value", NULL), 0);
	cell(b, 8, num(json_object_get(t, "wasserstein"), "sd_units", NULL),
	     0);
	cell(b, 8, num(json_object_get(t, "mean_shift"), "value", NULL), 1);
	cell(b, 8, num(json_object_get(t, "std_shift"), "ratio", NULL), 0);
	cell(b, 8, num(json_object_get(t, "null_rate"), "change", NULL), 1);
	bp_buf_addf(b, "  %s\n", str(c, "level", "NONE"));
}

void
bp_report_table(struct bp_buf *b, const json_t *report)
{
	const json_t *cols = json_object_get(report, "columns");
	const json_t *pred = json_object_get(report, "prediction");
	const json_t *perf = json_object_get(report, "performance");
	const json_t *c, *score = json_object_get(pred, "score");
	size_t i;
	int w = 6;

	if (str(report, "name", NULL))
		bp_buf_addf(b, "drift report: %s\n", str(report, "name", ""));
	source_line(b, "reference", json_object_get(report, "reference"));
	source_line(b, "current", json_object_get(report, "current"));
	json_array_foreach(cols, i, c)
		if ((int)strlen(str(c, "column", "")) > w)
			w = (int)strlen(str(c, "column", ""));
	if (json_is_object(score) && w < 12)
		w = 12;
	bp_buf_addf(b, "\n%-*s %7s %7s %8s %9s %8s %8s %8s %8s %8s %8s  %s\n",
		    w, "column", "n_ref", "n_cur", "ks_D", "ks_p", "psi", "js",
		    "w1/sd", "mean_sh", "sd_ratio", "null_chg", "level");
	json_array_foreach(cols, i, c)
		column_row(b, w, c);
	if (json_is_object(score)) {
		json_t *s = json_deep_copy(score);

		json_object_set_new(s, "column", json_sprintf("%s (pred)",
			str(score, "column", "score")));
		column_row(b, w, s);
		json_decref(s);
	}
	if (json_is_object(json_object_get(pred, "signal"))) {
		const json_t *s = json_object_get(pred, "signal"), *cat;
		const json_t *chi = json_object_get(s, "chi2");

		bp_buf_addf(b, "\nsignal mix (%s):",
			    str(s, "column", "signal"));
		json_array_foreach(json_object_get(s, "categories"), i, cat)
			bp_buf_addf(b, " %s %.1f%%->%.1f%%",
				    str(cat, "value", "?"),
				    100 * num(cat, "ref", NULL),
				    100 * num(cat, "cur", NULL));
		bp_buf_addf(b, "\n  psi %.4f, chi-square %.3f (df %.0f, p %.3g)"
			    "  %s\n", num(s, "psi", NULL),
			    num(chi, "statistic", NULL), num(chi, "df", NULL),
			    num(chi, "pvalue", NULL), str(s, "level", "NONE"));
	}
	if (json_is_object(perf)) {
		const char *key;
		const json_t *m;

		bp_buf_addf(b, "\nperformance (%s, label %s, %.0f -> %.0f "
			    "rows):\n", str(perf, "task", "?"),
			    str(perf, "label", "?"), num(perf, "n_ref", NULL),
			    num(perf, "n_cur", NULL));
		json_object_foreach((json_t *)json_object_get(perf, "metrics"),
				    key, m)
			bp_buf_addf(b, "  %-9s %9.4f -> %9.4f  degradation "
				    "%+.1f%%  %s\n", key, num(m, "ref", NULL),
				    num(m, "cur", NULL),
				    num(m, "degradation_pct", NULL),
				    str(m, "level", "NONE"));
	}
	bp_buf_addf(b, "\noverall: %s: %s\n", str(report, "level", "NONE"),
		    str(report, "recommendation", "no action"));
}

/* ---- Prometheus ---------------------------------------------------------- */

struct prom {
	struct bp_buf *b;
	const char *name;	/* the report's name label, or NULL */
};

static void
prom_family(struct prom *p, const char *metric, const char *help)
{
	bp_buf_addf(p->b, "# HELP barpipe_drift_%s %s\n", metric, help);
	bp_buf_addf(p->b, "# TYPE barpipe_drift_%s gauge\n", metric);
}

/* A label value with \, " and newline escaped. */
static void
prom_label(struct bp_buf *b, const char *key, const char *val, int *first)
{
	bp_buf_addf(b, "%s%s=\"", *first ? "{" : ",", key);
	*first = 0;
	for (const char *s = val; *s; s++) {
		if (*s == '\\' || *s == '"')
			bp_buf_addc(b, '\\');
		if (*s == '\n') {
			bp_buf_adds(b, "\\n");
			continue;
		}
		bp_buf_addc(b, *s);
	}
	bp_buf_addc(b, '"');
}

/* One sample; labels are (key, value) pairs ending with NULL. */
static void
prom_sample(struct prom *p, const char *metric, double x, ...)
{
	char s[BP_FMT_BUFSZ];
	int first = 1;
	const char *k;
	va_list ap;

	if (isnan(x))
		return;		/* no value: no sample, not NaN */
	bp_buf_addf(p->b, "barpipe_drift_%s", metric);
	if (p->name)
		prom_label(p->b, "name", p->name, &first);
	va_start(ap, x);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		prom_label(p->b, k, v, &first);
	}
	va_end(ap);
	if (!first)
		bp_buf_addc(p->b, '}');
	if (isinf(x))
		bp_buf_adds(p->b, x > 0 ? " +Inf\n" : " -Inf\n");
	else {
		bp_fmt_double(s, x);
		bp_buf_addf(p->b, " %s\n", s);
	}
}

/* The columns and the score, as {column="..."} series of one family. */
static void
prom_columns(struct prom *p, const json_t *report, const char *metric,
	     const char *help, const char *test, const char *key)
{
	const json_t *cols = json_object_get(report, "columns"), *c;
	const json_t *score = json_object_get(json_object_get(report,
		"prediction"), "score");
	size_t i, n = json_array_size(cols) + (json_is_object(score) ? 1 : 0);

	if (!n)
		return;
	prom_family(p, metric, help);
	for (i = 0; i < n; i++) {
		double x;

		c = i < json_array_size(cols) ? json_array_get(cols, i) : score;
		if (test)
			x = num(json_object_get(c, "tests"), test, key);
		else
			x = (double)bp_report_level(c);
		prom_sample(p, metric, x, "column", str(c, "column", "?"),
			    (const char *)NULL);
	}
}

void
bp_report_prom(struct bp_buf *b, const json_t *report)
{
	struct prom p = { b, str(report, "name", NULL) };
	const json_t *pred = json_object_get(report, "prediction");
	const json_t *perf = json_object_get(report, "performance");
	const json_t *sig = json_object_get(pred, "signal");

	prom_family(&p, "level", "Overall drift level: 0 NONE, 1 LOW, "
		    "2 MEDIUM, 3 HIGH, 4 CRITICAL.");
	prom_sample(&p, "level", (double)bp_report_level(report),
		    (const char *)NULL);
	prom_family(&p, "rows", "Rows in the reference and current samples.");
	prom_sample(&p, "rows", num(report, "reference", "rows"), "sample",
		    "reference", (const char *)NULL);
	prom_sample(&p, "rows", num(report, "current", "rows"), "sample",
		    "current", (const char *)NULL);
	prom_columns(&p, report, "column_level", "Drift level of a column "
		     "(0 NONE .. 4 CRITICAL).", NULL, NULL);
	prom_columns(&p, report, "psi", "Population Stability Index of a "
		     "column against the reference.", "psi", "value");
	prom_columns(&p, report, "ks_statistic", "Two-sample "
		     "Kolmogorov-Smirnov statistic D.", "ks", "statistic");
	prom_columns(&p, report, "ks_pvalue", "Two-sample Kolmogorov-Smirnov "
		     "p-value.", "ks", "pvalue");
	prom_columns(&p, report, "js_distance", "Jensen-Shannon distance "
		     "(base 2) on the PSI bins.", "js", "value");
	prom_columns(&p, report, "wasserstein", "Wasserstein-1 distance in "
		     "reference standard deviations.", "wasserstein",
		     "sd_units");
	prom_columns(&p, report, "mean_shift", "Mean shift in reference "
		     "standard deviations.", "mean_shift", "value");
	prom_columns(&p, report, "std_ratio", "Current over reference "
		     "standard deviation.", "std_shift", "ratio");
	prom_columns(&p, report, "null_rate_change", "Current minus "
		     "reference share of null values.", "null_rate", "change");
	if (json_is_object(sig)) {
		prom_family(&p, "signal_psi", "PSI of the mix of signal "
			    "values.");
		prom_sample(&p, "signal_psi", num(sig, "psi", NULL),
			    (const char *)NULL);
		prom_family(&p, "signal_chi2_pvalue", "Chi-square p-value of "
			    "the mix of signal values.");
		prom_sample(&p, "signal_chi2_pvalue",
			    num(sig, "chi2", "pvalue"), (const char *)NULL);
	}
	if (json_is_object(perf)) {
		const char *key;
		const json_t *m, *metrics = json_object_get(perf, "metrics");

		prom_family(&p, "metric", "Model metric on the reference and "
			    "current samples.");
		json_object_foreach((json_t *)metrics, key, m) {
			prom_sample(&p, "metric", num(m, "ref", NULL), "metric",
				    key, "sample", "reference",
				    (const char *)NULL);
			prom_sample(&p, "metric", num(m, "cur", NULL), "metric",
				    key, "sample", "current",
				    (const char *)NULL);
		}
		prom_family(&p, "degradation_percent", "Relative degradation "
			    "of a metric, percent (positive is worse).");
		json_object_foreach((json_t *)metrics, key, m)
			prom_sample(&p, "degradation_percent",
				    num(m, "degradation_pct", NULL), "metric",
				    key, (const char *)NULL);
	}
}

int
bp_report_write(const json_t *report, const struct bp_report_out *o)
{
	struct bp_buf b = BP_BUF_INIT;
	int rc = -1;

	if (o->output && bp_json_write_file(o->output, report,
					    BP_JSON_INDENT) < 0)
		goto out;
	if (o->table || (!o->json && isatty(STDOUT_FILENO))) {
		(o->render ? o->render : bp_report_table)(&b, report);
		fwrite(b.s, 1, b.len, stdout);
	} else if (!o->output && bp_json_write_file("-", report,
						    BP_JSON_INDENT) < 0) {
		goto out;
	}
	if (o->prom) {
		bp_buf_reset(&b);
		bp_report_prom(&b, report);
		if (bp_atomic_write(o->prom, b.s, b.len) < 0)
			goto out;
	}
	rc = bp_close_stdout();
out:
	bp_buf_release(&b);
	return rc;
}
