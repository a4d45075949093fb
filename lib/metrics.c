/*
 * metrics: classification and regression metrics (see metrics.h for the
 * definitions; they follow scikit-learn's sklearn.metrics).
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonout.h"

#define LOGLOSS_EPS 1e-15	/* scikit-learn's classic clip of p */

const char *
bp_task_name(enum bp_task t)
{
	switch (t) {
	case BP_TASK_BINARY:
		return "binary";
	case BP_TASK_REGRESSION:
		return "regression";
	case BP_TASK_MULTICLASS:
		return "multiclass";
	}
	return "?";
}

void
bp_task_link(enum bp_task task, double *v, size_t K)
{
	double mx, s = 0.0;

	if (task == BP_TASK_BINARY) {
		v[0] = bp_sigmoid(v[0]);
		return;
	}
	if (task != BP_TASK_MULTICLASS)
		return;
	mx = v[0];
	for (size_t c = 1; c < K; c++)
		if (v[c] > mx)
			mx = v[c];
	for (size_t c = 0; c < K; c++) {
		v[c] = exp(v[c] - mx);
		s += v[c];
	}
	for (size_t c = 0; c < K; c++)
		v[c] /= s;
}

static double
clip(double p)
{
	if (p < LOGLOSS_EPS)
		return LOGLOSS_EPS;
	if (p > 1.0 - LOGLOSS_EPS)
		return 1.0 - LOGLOSS_EPS;
	return p;
}

double
bp_metrics_logloss(const double *y, const double *p, size_t n)
{
	double s = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double q = clip(p[i]);

		s -= y[i] * log(q) + (1.0 - y[i]) * log(1.0 - q);
	}
	return s / (double)n;
}

struct scored {
	double s;
	double y;
};

static int
cmp_scored(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s;
	double z = ((const struct scored *)b)->s;

	return (x > z) - (x < z);
}

/*
 * AUC as the Mann-Whitney U statistic: sort by score, give each group of
 * tied scores its mean rank, AUC = (R+ - n+(n+ + 1)/2) / (n+ n-), where
 * R+ is the sum of the positives' ranks.  Ties thus count one half, the
 * same as the trapezoidal area roc_auc_score computes.
 */
double
bp_metrics_auc(const double *y, const double *score, size_t n)
{
	struct scored *v;
	double npos = 0.0, nneg, rpos = 0.0, auc;
	size_t i, j;

	if (n == 0)
		return NAN;
	v = bp_xreallocarray(NULL, n, sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].y = y[i];
		npos += y[i] > 0.5;
	}
	nneg = (double)n - npos;
	if (npos == 0.0 || nneg == 0.0) {
		free(v);
		return NAN;
	}
	qsort(v, n, sizeof(*v), cmp_scored);
	for (i = 0; i < n; i = j) {
		double pos = 0.0, rank;

		for (j = i; j < n && v[j].s == v[i].s; j++)
			pos += v[j].y > 0.5;
		/* ranks i+1 .. j share their mean */
		rank = ((double)(i + 1) + (double)j) / 2.0;
		rpos += pos * rank;
	}
	free(v);
	auc = (rpos - npos * (npos + 1.0) / 2.0) / (npos * nneg);
	return auc;
}

double
bp_metrics_brier(const double *y, const double *p, size_t n)
{
	double s = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += (p[i] - y[i]) * (p[i] - y[i]);
	return s / (double)n;
}

void
bp_metrics_confusion(struct bp_confusion *c, const double *y,
		     const double *p, size_t n, double threshold)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		int pred = p[i] >= threshold, truth = y[i] > 0.5;

		if (pred && truth)
			c->tp++;
		else if (pred)
			c->fp++;
		else if (truth)
			c->fn++;
		else
			c->tn++;
	}
}

static double
ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

double
bp_metrics_accuracy(const struct bp_confusion *c)
{
	size_t n = c->tp + c->fp + c->tn + c->fn;

	return n ? (double)(c->tp + c->tn) / (double)n : NAN;
}

double
bp_metrics_precision(const struct bp_confusion *c)
{
	return ratio(c->tp, c->tp + c->fp);
}

double
bp_metrics_recall(const struct bp_confusion *c)
{
	return ratio(c->tp, c->tp + c->fn);
}

double
bp_metrics_f1(const struct bp_confusion *c)
{
	return ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn);
}

double
bp_metrics_mae(const double *y, const double *yhat, size_t n)
{
	double s = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += fabs(y[i] - yhat[i]);
	return s / (double)n;
}

double
bp_metrics_rmse(const double *y, const double *yhat, size_t n)
{
	double s = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += (y[i] - yhat[i]) * (y[i] - yhat[i]);
	return sqrt(s / (double)n);
}

double
bp_metrics_r2(const double *y, const double *yhat, size_t n)
{
	double mean = 0.0, ssr = 0.0, sst = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		mean += y[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		ssr += (y[i] - yhat[i]) * (y[i] - yhat[i]);
		sst += (y[i] - mean) * (y[i] - mean);
	}
	if (sst == 0.0)
		return ssr == 0.0 ? 1.0 : 0.0;
	return 1.0 - ssr / sst;
}

/* Index of the largest of p[0..k-1]; the first one on ties. */
static size_t
argmax(const double *p, size_t k)
{
	size_t best = 0;

	for (size_t c = 1; c < k; c++)
		if (p[c] > p[best])
			best = c;
	return best;
}

double
bp_metrics_mlogloss(const double *y, const double *p, size_t n, size_t k)
{
	double s = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s -= log(clip(p[i * k + (size_t)y[i]]));
	return s / (double)n;
}

double
bp_metrics_maccuracy(const double *y, const double *p, size_t n, size_t k)
{
	size_t hit = 0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		hit += argmax(p + i * k, k) == (size_t)y[i];
	return (double)hit / (double)n;
}

double
bp_metrics_f1_macro(const double *y, const double *p, size_t n, size_t k)
{
	size_t *tp, *fp, *fn;
	double s = 0.0;

	if (n == 0 || k == 0)
		return NAN;
	tp = bp_xcalloc(3 * k, sizeof(*tp));
	fp = tp + k;
	fn = fp + k;
	for (size_t i = 0; i < n; i++) {
		size_t pred = argmax(p + i * k, k), truth = (size_t)y[i];

		if (pred == truth) {
			tp[truth]++;
		} else {
			fp[pred]++;
			fn[truth]++;
		}
	}
	for (size_t c = 0; c < k; c++)
		s += ratio(2 * tp[c], 2 * tp[c] + fp[c] + fn[c]);
	free(tp);
	return s / (double)k;
}

double
bp_metrics_corr(const double *a, const double *b, size_t n)
{
	double ma = 0.0, mb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	for (size_t i = 0; i < n; i++) {
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
		sab += (a[i] - ma) * (b[i] - mb);
	}
	if (saa == 0.0 || sbb == 0.0)
		return NAN;
	return sab / sqrt(saa * sbb);
}

void
bp_metrics_eval(struct bp_metrics *m, enum bp_task task, const double *y,
		const double *pred, size_t n, size_t k)
{
	struct bp_confusion c;

	m->task = task;
	m->n = n;
	m->logloss = m->auc = m->accuracy = m->precision = NAN;
	m->recall = m->f1 = m->brier = m->f1_macro = NAN;
	m->mae = m->rmse = m->r2 = NAN;
	switch (task) {
	case BP_TASK_BINARY:
		m->logloss = bp_metrics_logloss(y, pred, n);
		m->auc = bp_metrics_auc(y, pred, n);
		m->brier = bp_metrics_brier(y, pred, n);
		bp_metrics_confusion(&c, y, pred, n, 0.5);
		m->accuracy = bp_metrics_accuracy(&c);
		if (n) {
			m->precision = bp_metrics_precision(&c);
			m->recall = bp_metrics_recall(&c);
			m->f1 = bp_metrics_f1(&c);
		}
		break;
	case BP_TASK_REGRESSION:
		m->mae = bp_metrics_mae(y, pred, n);
		m->rmse = bp_metrics_rmse(y, pred, n);
		m->r2 = bp_metrics_r2(y, pred, n);
		break;
	case BP_TASK_MULTICLASS:
		m->logloss = bp_metrics_mlogloss(y, pred, n, k);
		m->accuracy = bp_metrics_maccuracy(y, pred, n, k);
		m->f1_macro = bp_metrics_f1_macro(y, pred, n, k);
		break;
	}
}

/* The metrics of each task, in output order. */
static const char *const binary_names[] = {
	"logloss", "auc", "accuracy", "precision", "recall", "f1", "brier",
	NULL,
};
static const char *const regression_names[] = { "mae", "rmse", "r2", NULL };
static const char *const multiclass_names[] = {
	"logloss", "accuracy", "f1_macro", NULL,
};

static const char *const *
task_names(enum bp_task t)
{
	switch (t) {
	case BP_TASK_BINARY:
		return binary_names;
	case BP_TASK_REGRESSION:
		return regression_names;
	case BP_TASK_MULTICLASS:
		return multiclass_names;
	}
	return binary_names;
}

static const double *
field(const struct bp_metrics *m, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} tab[] = {
		{ "logloss", offsetof(struct bp_metrics, logloss) },
		{ "auc", offsetof(struct bp_metrics, auc) },
		{ "accuracy", offsetof(struct bp_metrics, accuracy) },
		{ "precision", offsetof(struct bp_metrics, precision) },
		{ "recall", offsetof(struct bp_metrics, recall) },
		{ "f1", offsetof(struct bp_metrics, f1) },
		{ "brier", offsetof(struct bp_metrics, brier) },
		{ "f1_macro", offsetof(struct bp_metrics, f1_macro) },
		{ "mae", offsetof(struct bp_metrics, mae) },
		{ "rmse", offsetof(struct bp_metrics, rmse) },
		{ "r2", offsetof(struct bp_metrics, r2) },
	};

	for (size_t i = 0; i < BP_ARRAY_SIZE(tab); i++)
		if (strcmp(tab[i].name, name) == 0)
			return (const double *)((const char *)m + tab[i].off);
	return NULL;
}

int
bp_metrics_get(const struct bp_metrics *m, const char *name, double *out)
{
	const char *const *names = task_names(m->task);

	for (size_t i = 0; names[i]; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = *field(m, name);
			return 0;
		}
	}
	return -1;
}

json_t *
bp_metrics_to_json(const struct bp_metrics *m)
{
	const char *const *names = task_names(m->task);
	json_t *o = json_object();

	json_object_set_new(o, "n", json_integer((json_int_t)m->n));
	for (size_t i = 0; names[i]; i++)
		json_object_set_new(o, names[i],
				    bp_json_real(*field(m, names[i])));
	return o;
}

void
bp_metrics_format(const struct bp_metrics *m, struct bp_buf *b)
{
	const char *const *names = task_names(m->task);

	bp_buf_addf(b, "n=%zu", m->n);
	for (size_t i = 0; names[i]; i++) {
		double x = *field(m, names[i]);

		if (isfinite(x))
			bp_buf_addf(b, " %s=%.4f", names[i], x);
		else
			bp_buf_addf(b, " %s=null", names[i]);
	}
}

int
bp_metrics_higher_is_better(const char *name)
{
	static const char *const up[] = {
		"auc", "accuracy", "precision", "recall", "f1", "f1_macro",
		"r2",
	};
	static const char *const down[] = {
		"logloss", "brier", "mae", "rmse",
	};

	for (size_t i = 0; i < BP_ARRAY_SIZE(up); i++)
		if (strcmp(name, up[i]) == 0)
			return 1;
	for (size_t i = 0; i < BP_ARRAY_SIZE(down); i++)
		if (strcmp(name, down[i]) == 0)
			return 0;
	return -1;
}

const char *
bp_metrics_default(enum bp_task task)
{
	return task == BP_TASK_REGRESSION ? "rmse" : "logloss";
}
