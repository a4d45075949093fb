/*
 * search: train and score models over the folds of a cv plan, write the
 * out-of-sample predictions, and search parameter sets (see search.h).
 */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "jsonout.h"
#include "model.h"
#include "scorer.h"
#include "stream.h"
#include "ts.h"

/* ---- data ------------------------------------------------------------- */

int
bp_search_data_init(struct bp_search_data *sd, const struct bp_cv_data *cv,
		    const struct bp_cv_plan *plan, const char *label,
		    const char *const *features, size_t nfeatures)
{
	struct bp_dataset_opts dopt = { label, features, nfeatures, 1 };
	struct bp_dataset_builder *b;
	struct bp_row row = BP_ROW_INIT;
	char err[256];
	int rc = 0;

	memset(sd, 0, sizeof(*sd));
	sd->cv = cv;
	sd->plan = plan;
	bp_dataset_init(&sd->ds);
	b = bp_dataset_builder_new(&dopt);
	for (size_t i = 0; i < cv->n && rc == 0; i++) {
		const char *name = cv->names[cv->input[i]];

		if (bp_row_parse(&row, cv->text + cv->off[i], cv->len[i], err,
				 sizeof(err)) < 0) {
			rc = bp_error("%s:%ld: %s", name, cv->lineno[i], err);
			break;
		}
		row.lineno = cv->lineno[i];
		rc = bp_dataset_builder_add(b, &row, name);
	}
	if (rc == 0)
		rc = bp_dataset_builder_finish(b, &sd->ds);
	bp_dataset_builder_free(&b);
	bp_row_release(&row);
	if (rc == 0 && sd->ds.n != cv->n)
		rc = bp_error("the dataset lost rows (%zu of %zu)", sd->ds.n,
			      cv->n);
	if (rc < 0)
		return -1;
	sd->role = bp_xreallocarray(NULL, (size_t)plan->nfolds * cv->n + 1,
				    1);
	for (long f = 0; f < plan->nfolds; f++)
		bp_cv_roles(plan, f, cv->n, cv->t, cv->t1,
			    sd->role + (size_t)f * cv->n);
	return 0;
}

void
bp_search_data_release(struct bp_search_data *sd)
{
	bp_dataset_release(&sd->ds);
	free(sd->role);
	sd->role = NULL;
}

/* ---- running the folds ------------------------------------------------ */

struct job {
	struct bp_search_run *run;
	long r;			/* the fold whose training set is used */
	struct bp_buf msg;	/* its messages, reported in job order */
};

struct pool {
	const struct bp_search_data *sd;
	const struct bp_search_opts *o;
	struct job *jobs;
	size_t njobs, next;
	int model_threads;
	int failed;
	size_t first_failed;	/* lowest failed job: jobs above it stop */
	pthread_mutex_t mu;
};

/* Rows of fold f with role r (and a label when labelled). */
static size_t *
rows_of(const struct bp_search_data *sd, long f, int r, int labelled,
	size_t *n)
{
	const unsigned char *role = sd->role + (size_t)f * sd->cv->n;
	size_t *idx = bp_xcalloc(sd->cv->n + 1, sizeof(*idx)), k = 0;

	for (size_t i = 0; i < sd->cv->n; i++)
		if (role[i] == r && (!labelled || !isnan(sd->ds.y[i])))
			idx[k++] = i;
	*n = k;
	return idx;
}

/* Copy what the run needs to know of its first model. */
static void
note_model(struct pool *pl, struct bp_search_run *run,
	   const struct bp_model *m)
{
	const double *cls;
	size_t nc;

	pthread_mutex_lock(&pl->mu);
	if (!run->features) {
		const char *const *names = bp_model_features(m);

		run->task = bp_model_task(m);
		run->noutputs = bp_model_noutputs(m);
		nc = bp_model_classes(m, &cls);
		run->nclasses = nc;
		memcpy(run->classes, cls, nc * sizeof(*cls));
		run->nfeatures = bp_model_nfeatures(m);
		run->features = bp_xcalloc(run->nfeatures + 1,
					   sizeof(*run->features));
		for (size_t j = 0; j < run->nfeatures; j++)
			run->features[j] = bp_xstrdup(names[j]);
	}
	pthread_mutex_unlock(&pl->mu);
}

/* Predict fold f's test rows with m and score them. */
static void
test_fold(const struct bp_search_data *sd, const struct bp_search_opts *o,
	  const struct bp_model *m, struct bp_search_fold *fo, long f)
{
	const struct bp_dataset *ds = &sd->ds;
	size_t n, k = bp_model_nfeatures(m), no = bp_model_noutputs(m), nn = 0;
	size_t *idx = rows_of(sd, f, BP_CV_TEST, 0, &n);
	const char *const *names = bp_model_features(m);
	size_t *col = bp_xcalloc(k + 1, sizeof(*col));
	double *x = bp_xcalloc(n * k + 1, sizeof(*x));
	double *out = bp_xcalloc(n * no + 1, sizeof(*out));
	double *y = bp_xcalloc(n + 1, sizeof(*y));
	double *pred = bp_xcalloc(n * no + 1, sizeof(*pred));

	/* the model's features in its order, from the dataset's columns */
	for (size_t j = 0; j < k; j++)
		for (size_t c = 0; c < ds->k; c++)
			if (strcmp(ds->names[c], names[j]) == 0)
				col[j] = c;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < k; j++)
			x[i * k + j] = ds->x[idx[i] * ds->k + col[j]];
	bp_model_predict_batch(m, x, n, out);
	for (size_t i = 0; i < n; i++) {
		double yi = ds->y[idx[i]], t;

		if (isnan(yi) || isnan(out[i * no]))
			continue;
		t = bp_model_target(m, yi);
		if (bp_model_task(m) == BP_TASK_MULTICLASS && t < 0)
			continue;
		y[nn] = t;
		memcpy(pred + nn * no, out + i * no, no * sizeof(*out));
		nn++;
	}
	bp_metrics_eval(&fo->m, bp_model_task(m), y, pred, nn,
			bp_model_task(m) == BP_TASK_MULTICLASS ? no : 1);
	fo->ntest = n;
	if (o->keep) {
		fo->rows = idx;
		fo->out = out;
		idx = NULL;
		out = NULL;
	}
	free(idx);
	free(out);
	free(col);
	free(x);
	free(y);
	free(pred);
}

static int
run_job(struct pool *pl, const struct job *jb)
{
	const struct bp_search_data *sd = pl->sd;
	const struct bp_cv_plan *p = sd->plan;
	struct bp_dataset train = BP_DATASET_INIT, head = BP_DATASET_INIT;
	struct bp_dataset tail = BP_DATASET_INIT;
	struct bp_model *m = NULL;
	size_t n, *idx = rows_of(sd, jb->r, BP_CV_TRAIN, 1, &n);
	int rc = 0;

	if (n == 0) {
		free(idx);
		return bp_error("fold %ld: no training rows with a label",
				jb->r);
	}
	bp_dataset_subset(&train, &sd->ds, idx, n);
	free(idx);
	if (pl->o->valid_frac > 0) {
		if (bp_dataset_split_tail(&train, pl->o->valid_frac, &head,
					  &tail) < 0)
			rc = -1;
		else
			m = bp_model_train(pl->o->kind, jb->run->params, &head,
					   &tail, pl->o->seed,
					   pl->model_threads, NULL);
	} else {
		m = bp_model_train(pl->o->kind, jb->run->params, &train, NULL,
				   pl->o->seed, pl->model_threads, NULL);
	}
	if (rc == 0 && !m)
		rc = bp_error("fold %ld: the model could not be trained",
			      jb->r);
	if (rc == 0) {
		note_model(pl, jb->run, m);
		for (long f = 0; f < p->nfolds; f++) {
			if (p->model_fold[f] != jb->r)
				continue;
			jb->run->fold[f].ntrain = n;
			test_fold(sd, pl->o, m, &jb->run->fold[f], f);
			if (bp_verbosity >= 2) {
				struct bp_buf b = BP_BUF_INIT;

				bp_metrics_format(&jb->run->fold[f].m, &b);
				bp_info(2, "fold %ld: %zu training rows, %zu "
					"test rows: %s", f, n,
					jb->run->fold[f].ntest, b.s ? b.s : "");
				bp_buf_release(&b);
			}
		}
	}
	bp_model_free(&m);
	bp_dataset_release(&train);
	bp_dataset_release(&head);
	bp_dataset_release(&tail);
	return rc;
}

static void *
worker(void *arg)
{
	struct pool *pl = arg;

	/*
	 * Jobs are handed out in order and every job below the lowest failed
	 * one runs, so which failure is reported does not depend on timing.
	 */
	for (;;) {
		size_t j;
		int skip, rc;

		pthread_mutex_lock(&pl->mu);
		j = pl->next < pl->njobs ? pl->next++ : pl->njobs;
		skip = pl->failed && j > pl->first_failed;
		pthread_mutex_unlock(&pl->mu);
		if (j >= pl->njobs)
			break;
		if (skip)
			continue;
		bp_msg_capture(&pl->jobs[j].msg);
		rc = run_job(pl, &pl->jobs[j]);
		bp_msg_capture(NULL);
		if (rc < 0) {
			pthread_mutex_lock(&pl->mu);
			if (!pl->failed || j < pl->first_failed)
				pl->first_failed = j;
			pl->failed = 1;
			pl->jobs[j].run->failed = 1;
			pthread_mutex_unlock(&pl->mu);
		}
	}
	return NULL;
}

static int
ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int
bp_search_runs(const struct bp_search_data *sd,
	       const struct bp_search_opts *o, json_t *const *params,
	       size_t nruns, struct bp_search_run *runs)
{
	const struct bp_cv_plan *p = sd->plan;
	struct pool pl;
	pthread_t *tid;
	int nth = o->threads > 0 ? o->threads : ncpu(), started = 0;

	memset(&pl, 0, sizeof(pl));
	pl.sd = sd;
	pl.o = o;
	pl.jobs = bp_xcalloc(nruns * (size_t)p->nfolds + 1, sizeof(*pl.jobs));
	for (size_t s = 0; s < nruns; s++) {
		memset(&runs[s], 0, sizeof(runs[s]));
		runs[s].params = json_incref(params[s]);
		runs[s].nfolds = p->nfolds;
		runs[s].fold = bp_xcalloc((size_t)p->nfolds + 1,
					  sizeof(*runs[s].fold));
		for (long f = 0; f < p->nfolds; f++) {
			if (p->model_fold[f] != f)
				continue;
			pl.jobs[pl.njobs].run = &runs[s];
			pl.jobs[pl.njobs].r = f;
			pl.njobs++;
		}
	}
	if ((size_t)nth > pl.njobs)
		nth = pl.njobs ? (int)pl.njobs : 1;
	/* spare processors go to each model (results do not change) */
	pl.model_threads = o->threads > 0 ? o->threads / nth : ncpu() / nth;
	if (pl.model_threads < 1)
		pl.model_threads = 1;
	pthread_mutex_init(&pl.mu, NULL);
	tid = bp_xcalloc((size_t)nth, sizeof(*tid));
	for (int i = 1; i < nth; i++)
		if (pthread_create(&tid[i], NULL, worker, &pl) == 0)
			started = i;
		else
			break;
	worker(&pl);
	for (int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&pl.mu);
	free(tid);
	/* messages of the jobs that ran whatever the timing, in job order */
	for (size_t j = 0; j < pl.njobs; j++) {
		if (pl.jobs[j].msg.len &&
		    (!pl.failed || j <= pl.first_failed) &&
		    write(STDERR_FILENO, pl.jobs[j].msg.s,
			  pl.jobs[j].msg.len) < 0)
			break;
	}
	for (size_t j = 0; j < pl.njobs; j++)
		bp_buf_release(&pl.jobs[j].msg);
	free(pl.jobs);
	return pl.failed ? -1 : 0;
}

void
bp_search_run_release(struct bp_search_run *r)
{
	json_decref(r->params);
	for (long f = 0; r->fold && f < r->nfolds; f++) {
		free(r->fold[f].rows);
		free(r->fold[f].out);
	}
	free(r->fold);
	for (size_t j = 0; r->features && j < r->nfeatures; j++)
		free(r->features[j]);
	free(r->features);
	memset(r, 0, sizeof(*r));
}

/* ---- summaries -------------------------------------------------------- */

/*
 * {"metric": mean} or {"metric": sample std} over the objects ms[0..n),
 * skipping nulls ("n" left out).  Sample standard deviation (n - 1),
 * null below two values.
 */
static json_t *
aggregate(json_t *const *ms, size_t n, int want_std)
{
	json_t *out = json_object();
	const char *key;
	json_t *v;

	if (!n)
		return out;
	json_object_foreach(ms[0], key, v) {
		double sum = 0, ss = 0, mu;
		size_t c = 0;

		if (strcmp(key, "n") == 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			json_t *x = json_object_get(ms[i], key);

			if (json_is_number(x)) {
				sum += json_number_value(x);
				c++;
			}
		}
		mu = c ? sum / (double)c : NAN;
		for (size_t i = 0; i < n && want_std; i++) {
			json_t *x = json_object_get(ms[i], key);

			if (json_is_number(x))
				ss += (json_number_value(x) - mu) *
				      (json_number_value(x) - mu);
		}
		json_object_set_new(out, key, bp_json_real(!want_std ? mu :
				    c > 1 ? sqrt(ss / (double)(c - 1)) : NAN));
	}
	return out;
}

/* cpcv: metrics of each path, from the folds' kept predictions. */
static json_t *
paths_json(const struct bp_search_data *sd, const struct bp_search_run *r,
	   json_t **mean, json_t **sd_out)
{
	const struct bp_cv_plan *p = sd->plan;
	size_t no = r->noutputs, cap = sd->cv->n + 1;
	json_t *arr = json_array();
	json_t **ms = bp_xcalloc((size_t)p->npaths + 1, sizeof(*ms));
	double *y = bp_xcalloc(cap, sizeof(*y));
	double *pred = bp_xcalloc(cap * no, sizeof(*pred));

	for (long q = 0; q < p->npaths; q++) {
		struct bp_metrics m;
		size_t nn = 0;
		json_t *o = json_object();

		for (long f = 0; f < p->nfolds; f++) {
			const struct bp_search_fold *fo = &r->fold[f];

			for (size_t i = 0; fo->rows && i < fo->ntest; i++) {
				size_t row = fo->rows[i];
				long g = bp_cv_plan_group(p, sd->cv->t[row]);
				double yi = sd->ds.y[row], t = yi;

				if (bp_cv_plan_path(p, f, g) != q ||
				    isnan(yi) || isnan(fo->out[i * no]) ||
				    nn >= cap)
					continue;
				if (r->task == BP_TASK_MULTICLASS) {
					t = -1;
					for (size_t c = 0; c < r->nclasses; c++)
						if (r->classes[c] == yi)
							t = (double)c;
					if (t < 0)
						continue;
				}
				y[nn] = t;
				memcpy(pred + nn * no, fo->out + i * no,
				       no * sizeof(*pred));
				nn++;
			}
		}
		bp_metrics_eval(&m, r->task, y, pred, nn,
				r->task == BP_TASK_MULTICLASS ? no : 1);
		ms[q] = bp_metrics_to_json(&m);
		json_object_set_new(o, "path", json_integer(q));
		json_object_set_new(o, "metrics", json_incref(ms[q]));
		json_array_append_new(arr, o);
	}
	*mean = aggregate(ms, (size_t)p->npaths, 0);
	*sd_out = aggregate(ms, (size_t)p->npaths, 1);
	for (long q = 0; q < p->npaths; q++)
		json_decref(ms[q]);
	free(ms);
	free(y);
	free(pred);
	return arr;
}

json_t *
bp_search_run_json(const struct bp_search_data *sd,
		   const struct bp_search_opts *o,
		   const struct bp_search_run *r)
{
	json_t *doc = bp_cv_plan_json(sd->plan, sd->cv);
	json_t *folds = json_object_get(doc, "folds");
	json_t *model = json_object(), *feat = json_array();
	json_t **ms = bp_xcalloc((size_t)r->nfolds + 1, sizeof(*ms));

	json_object_set_new(model, "kind", json_string(o->kind));
	json_object_set_new(model, "label", json_string(sd->ds.label ?
			    sd->ds.label : ""));
	json_object_set_new(model, "task", json_string(bp_task_name(r->task)));
	json_object_set_new(model, "params", json_incref(r->params));
	json_object_set_new(model, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(model, "valid_frac", bp_json_real(o->valid_frac));
	for (size_t j = 0; j < r->nfeatures; j++)
		json_array_append_new(feat, json_string(r->features[j]));
	json_object_set_new(model, "features", feat);
	json_object_set_new(doc, "model", model);
	for (long f = 0; f < r->nfolds; f++) {
		json_t *fo = json_array_get(folds, (size_t)f);

		ms[f] = bp_metrics_to_json(&r->fold[f].m);
		json_object_set_new(fo, "trained_rows", json_integer(
				    (json_int_t)r->fold[f].ntrain));
		json_object_set_new(fo, "metrics", json_incref(ms[f]));
	}
	json_object_set_new(doc, "mean", aggregate(ms, (size_t)r->nfolds, 0));
	json_object_set_new(doc, "std", aggregate(ms, (size_t)r->nfolds, 1));
	if (sd->plan->ngroups && o->keep) {
		json_t *pm, *ps;

		json_object_set_new(doc, "paths", paths_json(sd, r, &pm, &ps));
		json_object_set_new(doc, "path_mean", pm);
		json_object_set_new(doc, "path_std", ps);
	}
	for (long f = 0; f < r->nfolds; f++)
		json_decref(ms[f]);
	free(ms);
	return doc;
}

/* ---- out-of-sample stream --------------------------------------------- */

struct entry {
	size_t row;
	long path, fold;
	size_t pos;	/* index into the fold's predictions */
};

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return (x->path > y->path) - (x->path < y->path);
}

/* bp-predict's rule (lib/scorer.c, bp_scorer_signal) for a task. */
static int
signal_of(const struct bp_search_signal *s, enum bp_task task, double score)
{
	double hi, lo;
	int sig;

	if (isnan(score))
		return 0;
	bp_scorer_defaults(task, &hi, &lo);
	if (s->have_long)
		hi = s->long_th;
	if (s->have_short)
		lo = s->short_th;
	if (task == BP_TASK_REGRESSION && !s->have_long && !s->have_short)
		sig = score > 0 ? 1 : score < 0 ? -1 : 0;
	else
		sig = score >= hi ? 1 : score <= lo ? -1 : 0;
	return s->long_only && sig < 0 ? 0 : sig;
}

/* A class's score column, as bp-predict names it: score_m1, score_p2. */
static void
class_key(char *buf, size_t n, double v)
{
	if (v < 0)
		snprintf(buf, n, "score_m%.0f", -v);
	else if (v > 0)
		snprintf(buf, n, "score_p%.0f", v);
	else
		snprintf(buf, n, "score_0");
}

static int
replaced(const char *k, int cpcv)
{
	return strcmp(k, "score") == 0 || strncmp(k, "score_", 6) == 0 ||
	       strcmp(k, "signal") == 0 || strcmp(k, "fold") == 0 ||
	       (cpcv && strcmp(k, "path") == 0);
}

long
bp_search_write_oos(struct bp_writer *w, const struct bp_search_data *sd,
		    const struct bp_search_run *r,
		    const struct bp_search_signal *sig, long path)
{
	const struct bp_cv_plan *p = sd->plan;
	const struct bp_cv_data *cv = sd->cv;
	struct entry *e = NULL;
	size_t ne = 0, alloc = 0, no = r->noutputs;
	struct bp_row row = BP_ROW_INIT;
	int cpcv = p->ngroups > 0;
	long *latest = NULL, written = 0;
	char err[256];

	if (!cpcv) {
		/* the latest fold that tests a row gives its prediction */
		latest = bp_xcalloc(cv->n + 1, sizeof(*latest));
		for (size_t i = 0; i < cv->n; i++)
			latest[i] = -1;
		for (long f = 0; f < p->nfolds; f++)
			for (size_t i = 0; i < r->fold[f].ntest; i++)
				latest[r->fold[f].rows[i]] = f;
	}
	for (long f = 0; f < p->nfolds; f++) {
		const struct bp_search_fold *fo = &r->fold[f];

		for (size_t i = 0; fo->rows && i < fo->ntest; i++) {
			long q = -1;

			if (cpcv) {
				q = bp_cv_plan_path(p, f, bp_cv_plan_group(p,
						    cv->t[fo->rows[i]]));
				if (path >= 0 && q != path)
					continue;
			} else if (latest[fo->rows[i]] != f) {
				continue;
			}
			BP_GROW(e, alloc, ne + 1);
			e[ne].row = fo->rows[i];
			e[ne].path = q;
			e[ne].fold = f;
			e[ne].pos = i;
			ne++;
		}
	}
	if (ne)
		qsort(e, ne, sizeof(*e), cmp_entry);
	for (size_t k = 0; k < ne; k++) {
		const struct bp_search_fold *fo = &r->fold[e[k].fold];
		const double *out = fo->out + e[k].pos * no;
		size_t i = e[k].row;
		double score;

		if (bp_row_parse(&row, cv->text + cv->off[i], cv->len[i], err,
				 sizeof(err)) < 0) {
			written = bp_error("%s:%ld: %s",
					   cv->names[cv->input[i]],
					   cv->lineno[i], err);
			break;
		}
		bp_writer_begin(w);
		for (size_t j = 0; j < row.n; j++)
			if (!replaced(row.f[j].key, cpcv))
				bp_writer_copy_field(w, &row, j);
		score = NAN;
		if (!isnan(out[0])) {
			if (r->task == BP_TASK_MULTICLASS) {
				score = 0;
				for (size_t c = 0; c < r->nclasses; c++)
					score += out[c] * r->classes[c];
			} else {
				score = out[0];
			}
		}
		bp_writer_num(w, "score", score);
		for (size_t c = 0; r->task == BP_TASK_MULTICLASS &&
		     c < r->nclasses; c++) {
			char key[64];

			class_key(key, sizeof(key), r->classes[c]);
			bp_writer_num(w, key, out[c]);
		}
		bp_writer_int(w, "signal", signal_of(sig, r->task, score));
		bp_writer_int(w, "fold", e[k].fold);
		if (cpcv)
			bp_writer_int(w, "path", e[k].path);
		if (bp_writer_end(w) < 0) {
			written = -1;
			break;
		}
		written++;
	}
	bp_row_release(&row);
	free(e);
	free(latest);
	return written;
}

/* ---- parameter sets --------------------------------------------------- */

int
bp_search_spec_model(const char *path, char **kind, char **label,
		     json_t **params, json_t **features)
{
	json_t *doc = bp_json_load_file(path), *m, *k, *l, *p, *f, *v;
	size_t i;

	*kind = *label = NULL;
	*params = *features = NULL;
	if (!doc)
		return -1;
	m = json_object_get(doc, "model");
	if (!json_is_object(m)) {
		json_decref(doc);
		return bp_error("%s: no \"model\" object in the spec", path);
	}
	k = json_object_get(m, "kind");
	l = json_object_get(m, "label");
	p = json_object_get(m, "params");
	f = json_object_get(m, "features");
	json_array_foreach(f, i, v)
		if (!json_is_string(v))
			f = json_true();	/* flags the error below */
	if ((k && !json_is_string(k)) || (l && !json_is_string(l)) ||
	    (p && !json_is_object(p)) || (f && !json_is_array(f))) {
		json_decref(doc);
		return bp_error("%s: \"model\" needs a string \"kind\" and "
				"\"label\", an object \"params\" and an array "
				"of names \"features\"", path);
	}
	if (k)
		*kind = bp_xstrdup(json_string_value(k));
	if (l)
		*label = bp_xstrdup(json_string_value(l));
	*params = p ? json_deep_copy(p) : json_object();
	if (f)
		*features = json_deep_copy(f);
	json_decref(doc);
	return 0;
}

int
bp_search_model_init(struct bp_search_model *m, const char *path,
		     const char *kind, const char *label, const char *features)
{
	char *spec_kind = NULL, *save = NULL;

	memset(m, 0, sizeof(*m));
	m->kind = kind ? bp_xstrdup(kind) : NULL;
	if (path) {
		if (bp_search_spec_model(path, &spec_kind, &m->label,
					 &m->params, &m->spec_features) < 0)
			return -1;
		if (!m->kind) {
			m->kind = spec_kind;
		} else {
			/* as bp-train: another kind's params do not apply */
			if (strcmp(m->kind, spec_kind) != 0) {
				bp_info(2, "--model %s: ignoring the spec's %s "
					"parameters", m->kind, spec_kind);
				json_decref(m->params);
				m->params = NULL;
			}
			free(spec_kind);
		}
	}
	if (label) {
		free(m->label);
		m->label = bp_xstrdup(label);
	}
	if (!m->params)
		m->params = json_object();
	if (features) {
		m->featbuf = bp_xstrdup(features);
		for (char *p = strtok_r(m->featbuf, ",", &save); p;
		     p = strtok_r(NULL, ",", &save)) {
			m->features = bp_xreallocarray(m->features,
						       m->nfeatures + 1,
						       sizeof(*m->features));
			m->features[m->nfeatures++] = p;
		}
		return 0;
	}
	for (size_t i = 0; i < json_array_size(m->spec_features); i++) {
		m->features = bp_xreallocarray(m->features, m->nfeatures + 1,
					       sizeof(*m->features));
		m->features[m->nfeatures++] = json_string_value(
			json_array_get(m->spec_features, i));
	}
	return 0;
}

int
bp_search_model_params(struct bp_search_model *m, const char *params,
		       char *err, size_t errlen)
{
	json_t *given;

	if (!bp_model_kind_known(m->kind)) {
		snprintf(err, errlen, "--model: '%s' is not one of gbdt, "
			 "logreg, linear, mlp", m->kind);
		return -1;
	}
	if (!(given = bp_model_params_parse(params))) {
		snprintf(err, errlen, "--params: not k=v,k=v");
		return -1;
	}
	json_object_update(m->params, given);
	json_decref(given);
	if (!(given = bp_model_params_resolve(m->kind, m->params))) {
		snprintf(err, errlen, "--params: not parameters of '%s'",
			 m->kind);
		return -1;
	}
	json_decref(given);
	return 0;
}

int
bp_search_model_space(const struct bp_search_model *m, const char *grid,
		      const char *space, char *err, size_t errlen)
{
	const char *opt = grid ? "--grid" : "--space";
	json_t *t;
	size_t i;
	int rc = 0;

	if (!grid && !space)
		return 0;
	t = grid ? bp_search_grid(grid) : bp_search_random(space, 1, 0);
	if (!t) {
		snprintf(err, errlen, "%s: malformed parameter space", opt);
		return -1;
	}
	for (i = 0; i < json_array_size(t) && rc == 0; i++) {
		json_t *p = json_deep_copy(m->params), *r;

		json_object_update(p, json_array_get(t, i));
		r = bp_model_params_resolve(m->kind, p);
		json_decref(p);
		if (!r) {
			snprintf(err, errlen, "%s: not parameters of '%s'",
				 opt, m->kind);
			rc = -1;
		}
		json_decref(r);
	}
	json_decref(t);
	return rc;
}

void
bp_search_model_release(struct bp_search_model *m)
{
	free(m->kind);
	free(m->label);
	json_decref(m->params);
	free(m->features);
	free(m->featbuf);
	json_decref(m->spec_features);
	memset(m, 0, sizeof(*m));
}

/* A parameter value: a JSON number, true/false, else a string. */
static json_t *
value_json(const char *s, size_t n)
{
	double v;
	char *t;
	json_t *j;

	if (n == 4 && memcmp(s, "true", 4) == 0)
		return json_true();
	if (n == 5 && memcmp(s, "false", 5) == 0)
		return json_false();
	if (bp_parse_double(s, n, &v) == 0) {
		if (!memchr(s, '.', n) && !memchr(s, 'e', n) &&
		    !memchr(s, 'E', n) && fabs(v) < 9e15)
			return json_integer((json_int_t)v);
		return json_real(v);
	}
	t = bp_xstrndup(s, n);
	j = json_string(t);
	free(t);
	return j;
}

/* One "name=values" item of a spec. */
struct item {
	char *name;
	char *values;
};

/* Split spec into items; returns their number, or -1 after reporting. */
static long
parse_items(const char *opt, const char *spec, struct item **out)
{
	struct item *it = NULL;
	size_t n = 0, alloc = 0;
	const char *p = spec;

	while (*p) {
		const char *start, *eq;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len = (size_t)(p - start);
		eq = memchr(start, '=', len);
		if (!eq || eq == start || eq + 1 == start + len) {
			for (size_t i = 0; i < n; i++) {
				free(it[i].name);
				free(it[i].values);
			}
			free(it);
			return bp_error("%s: '%.*s' is not name=values", opt,
					(int)len, start);
		}
		BP_GROW(it, alloc, n + 1);
		it[n].name = bp_xstrndup(start, (size_t)(eq - start));
		it[n].values = bp_xstrndup(eq + 1,
					   (size_t)(start + len - eq - 1));
		n++;
	}
	if (!n)
		return bp_error("%s: no parameters given", opt);
	*out = it;
	return (long)n;
}

static void
items_free(struct item *it, long n)
{
	for (long i = 0; i < n; i++) {
		free(it[i].name);
		free(it[i].values);
	}
	free(it);
}

/* The comma-separated values of s as a JSON array. */
static json_t *
value_list(const char *s)
{
	json_t *a = json_array();

	for (;;) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);

		if (n)
			json_array_append_new(a, value_json(s, n));
		if (!c)
			break;
		s = c + 1;
	}
	return a;
}

json_t *
bp_search_grid(const char *spec)
{
	struct item *it;
	long n = parse_items("--grid", spec, &it);
	json_t **lists, *sets;
	size_t *ix, total = 1;

	if (n < 0)
		return NULL;
	lists = bp_xcalloc((size_t)n, sizeof(*lists));
	ix = bp_xcalloc((size_t)n, sizeof(*ix));
	for (long i = 0; i < n; i++) {
		lists[i] = value_list(it[i].values);
		if (!json_array_size(lists[i]) || total > 100000)
			total = 0;
		total *= json_array_size(lists[i]);
	}
	sets = json_array();
	if (total == 0 || total > 100000) {
		bp_error("--grid: %s", total ? "more than 100000 sets" :
			 "a parameter without values");
		json_decref(sets);
		sets = NULL;
	}
	for (size_t s = 0; sets && s < total; s++) {
		json_t *o = json_object();

		for (long i = 0; i < n; i++)
			json_object_set(o, it[i].name,
					json_array_get(lists[i], ix[i]));
		json_array_append_new(sets, o);
		/* odometer: the last name varies fastest */
		for (long i = n - 1; i >= 0; i--) {
			if (++ix[i] < json_array_size(lists[i]))
				break;
			ix[i] = 0;
		}
	}
	for (long i = 0; i < n; i++)
		json_decref(lists[i]);
	free(lists);
	free(ix);
	items_free(it, n);
	return sets;
}

/* Parse "lo:hi" after an optional "log:"; integers when both are. */
static int
parse_range(const char *s, double *lo, double *hi, int *integer)
{
	const char *c = strchr(s, ':');

	if (!c || strchr(c + 1, ':'))
		return -1;
	if (bp_parse_double(s, (size_t)(c - s), lo) < 0 ||
	    bp_parse_double(c + 1, strlen(c + 1), hi) < 0 ||
	    !isfinite(*lo) || !isfinite(*hi) || *hi < *lo)
		return -1;
	*integer = !strpbrk(s, ".eE");
	return 0;
}

json_t *
bp_search_random(const char *spec, long n, uint64_t seed)
{
	struct item *it;
	long ni = parse_items("--random", spec, &it);
	struct bp_rng rng;
	json_t *sets, **lists;
	int bad = 0;

	if (ni < 0)
		return NULL;
	lists = bp_xcalloc((size_t)ni, sizeof(*lists));
	for (long i = 0; i < ni; i++) {
		double lo, hi;
		int integer;
		const char *v = it[i].values;
		int islog = strncmp(v, "log:", 4) == 0;

		if (islog || strchr(v, ':')) {
			if (parse_range(v + (islog ? 4 : 0), &lo, &hi,
					&integer) < 0 || (islog && lo <= 0)) {
				bad = bp_error("--random: '%s=%s' is not a "
					       "range (lo:hi or log:lo:hi with "
					       "0 < lo <= hi)", it[i].name, v);
				break;
			}
		} else {
			lists[i] = value_list(v);
		}
	}
	bp_rng_seed(&rng, seed);
	sets = bad ? NULL : json_array();
	for (long s = 0; sets && s < n; s++) {
		json_t *o = json_object();

		for (long i = 0; i < ni; i++) {
			const char *v = it[i].values;
			int islog = strncmp(v, "log:", 4) == 0, integer = 0;
			double lo = 0, hi = 0, u = bp_rng_uniform(&rng), x;

			if (lists[i]) {
				size_t k = json_array_size(lists[i]);

				json_object_set(o, it[i].name,
					json_array_get(lists[i],
						(size_t)(u * (double)k)));
				continue;
			}
			parse_range(v + (islog ? 4 : 0), &lo, &hi, &integer);
			if (islog)
				x = exp(log(lo) + u * (log(hi) - log(lo)));
			else if (integer)
				x = lo + floor(u * (hi - lo + 1));
			else
				x = lo + u * (hi - lo);
			if (integer)
				json_object_set_new(o, it[i].name,
					json_integer((json_int_t)(islog ?
						round(x) : x)));
			else
				json_object_set_new(o, it[i].name,
						    json_real(x));
		}
		json_array_append_new(sets, o);
	}
	for (long i = 0; i < ni; i++)
		json_decref(lists[i]);
	free(lists);
	items_free(it, ni);
	return sets;
}

/* ---- ranking ---------------------------------------------------------- */

struct score {
	size_t run;
	double mean, sd, min, max;
	size_t n;
	int higher_better;	/* direction of the metric */
};

static int
cmp_score(const void *a, const void *b)
{
	const struct score *x = a, *y = b;
	int xn = isnan(x->mean), yn = isnan(y->mean);

	if (xn || yn) {
		if (xn != yn)
			return xn - yn;	/* undefined scores last */
	} else if (x->mean != y->mean) {
		return (x->mean < y->mean) == x->higher_better ? 1 : -1;
	}
	return (x->run > y->run) - (x->run < y->run);
}

static json_t *
fold_values(const struct bp_search_run *r, const char *metric,
	    struct score *sc)
{
	json_t *a = json_array();
	double sum = 0, ss = 0;

	sc->n = 0;
	sc->min = INFINITY;
	sc->max = -INFINITY;
	for (long f = 0; f < r->nfolds; f++) {
		double v = NAN;

		bp_metrics_get(&r->fold[f].m, metric, &v);
		json_array_append_new(a, bp_json_real(v));
		if (isnan(v))
			continue;
		sum += v;
		sc->n++;
		sc->min = v < sc->min ? v : sc->min;
		sc->max = v > sc->max ? v : sc->max;
	}
	sc->mean = sc->n ? sum / (double)sc->n : NAN;
	for (long f = 0; f < r->nfolds; f++) {
		double v = NAN;

		bp_metrics_get(&r->fold[f].m, metric, &v);
		if (!isnan(v))
			ss += (v - sc->mean) * (v - sc->mean);
	}
	sc->sd = sc->n > 1 ? sqrt(ss / (double)(sc->n - 1)) : NAN;
	if (!sc->n)
		sc->min = sc->max = NAN;
	return a;
}

static json_t *
result_json(const struct score *sc, const json_t *set,
	    const struct bp_search_run *r, json_t *folds, long rank)
{
	json_t *o = json_object();

	json_object_set_new(o, "trial", json_integer((json_int_t)sc->run));
	if (rank > 0)
		json_object_set_new(o, "rank", json_integer(rank));
	json_object_set_new(o, "params", json_deep_copy(set));
	json_object_set_new(o, "mean", bp_json_real(sc->mean));
	json_object_set_new(o, "std", bp_json_real(sc->sd));
	json_object_set_new(o, "min", bp_json_real(sc->min));
	json_object_set_new(o, "max", bp_json_real(sc->max));
	json_object_set_new(o, "folds", folds);
	if (rank <= 0)
		json_object_set_new(o, "model_params",
				    json_deep_copy(r->params));
	return o;
}

json_t *
bp_search_json(const struct bp_search_data *sd,
	       const struct bp_search_opts *o, const json_t *sets,
	       const struct bp_search_run *runs, size_t nruns,
	       const char *metric, size_t *best)
{
	json_t *doc = bp_cv_plan_json(sd->plan, sd->cv), *res = json_array();
	json_t *model, *feat = json_array();
	struct score *sc = bp_xcalloc(nruns + 1, sizeof(*sc));
	json_t **folds = bp_xcalloc(nruns + 1, sizeof(*folds));
	char warn[512];
	int higher_better;

	/* the per-fold details belong to `bp-cv run`: keep the plan short */
	json_object_del(doc, "folds");
	if (!metric)
		metric = bp_metrics_default(nruns ? runs[0].task :
					    BP_TASK_BINARY);
	higher_better = bp_metrics_higher_is_better(metric) == 1;
	for (size_t s = 0; s < nruns; s++) {
		folds[s] = fold_values(&runs[s], metric, &sc[s]);
		sc[s].run = s;
		sc[s].higher_better = higher_better;
	}
	qsort(sc, nruns, sizeof(*sc), cmp_score);
	model = json_object();
	json_object_set_new(model, "kind", json_string(o->kind));
	json_object_set_new(model, "label", json_string(sd->ds.label ?
			    sd->ds.label : ""));
	json_object_set_new(model, "task", json_string(bp_task_name(nruns ?
			    runs[0].task : BP_TASK_BINARY)));
	json_object_set_new(model, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(model, "valid_frac", bp_json_real(o->valid_frac));
	for (size_t j = 0; nruns && j < runs[0].nfeatures; j++)
		json_array_append_new(feat, json_string(runs[0].features[j]));
	json_object_set_new(model, "features", feat);
	json_object_set_new(doc, "model", model);
	json_object_set_new(doc, "metric", json_string(metric));
	json_object_set_new(doc, "higher_is_better",
			    json_boolean(higher_better));
	json_object_set_new(doc, "trials", json_integer((json_int_t)nruns));
	snprintf(warn, sizeof(warn), "best of %zu trials: picking the best "
		 "of several trials makes its score optimistic (multiple "
		 "testing); judge it on data the search has not seen", nruns);
	json_object_set_new(doc, "warning", json_string(warn));
	if (nruns) {
		size_t b = sc[0].run;

		json_object_set_new(doc, "best", result_json(&sc[0],
				    json_array_get(sets, b), &runs[b],
				    json_deep_copy(folds[b]), 0));
		if (best)
			*best = b;
	}
	for (size_t k = 0; k < nruns; k++) {
		size_t s = sc[k].run;

		json_array_append_new(res, result_json(&sc[k],
				      json_array_get(sets, s), &runs[s],
				      folds[s], (long)k + 1));
	}
	json_object_set_new(doc, "results", res);
	free(sc);
	free(folds);
	return doc;
}

/* ---- the run and search commands ------------------------------------ */

/* The summary goes to c->summary, stdout, or stderr beside --oos -. */
static int
write_summary(const struct bp_search_cmd *c, json_t *doc)
{
	struct bp_buf b = BP_BUF_INIT;

	if (c->summary || !c->oos || strcmp(c->oos, "-") != 0)
		return bp_json_write_file(c->summary ? c->summary : "-", doc,
					  BP_JSON_INDENT);
	bp_json_dump(&b, doc, BP_JSON_INDENT);
	fprintf(stderr, "%s\n", b.s);
	bp_buf_release(&b);
	return fflush(stderr) == 0 ? 0 : -1;
}

static int
write_oos(const struct bp_search_cmd *c, const struct bp_search_data *sd,
	  const struct bp_search_run *r)
{
	struct bp_writer *w;

	if (!c->oos)
		return 0;
	w = bp_writer_open(c->oos, BP_WRITER_AUTO |
			   (c->plain ? BP_WRITER_PLAIN : 0));
	if (!w)
		return -1;
	if (bp_search_write_oos(w, sd, r, &c->sig, c->path) < 0) {
		bp_writer_abort(&w);
		return -1;
	}
	return bp_writer_close(&w);
}

int
bp_search_cmd_run(const struct bp_search_data *sd, struct bp_search_cmd *c)
{
	struct bp_search_run r;
	json_t *params = bp_model_params_resolve(c->run.kind, c->base), *doc;
	int rc;

	if (!params)
		return -1;
	/* cpcv keeps its predictions for the paths' metrics */
	c->run.keep = c->oos || sd->plan->ngroups;
	rc = bp_search_runs(sd, &c->run, &params, 1, &r);
	if (rc == 0)
		rc = write_oos(c, sd, &r);
	if (rc == 0) {
		doc = bp_search_run_json(sd, &c->run, &r);
		rc = write_summary(c, doc);
		json_decref(doc);
	}
	bp_search_run_release(&r);
	json_decref(params);
	return rc;
}

int
bp_search_cmd_search(const struct bp_search_data *sd,
		     struct bp_search_cmd *c)
{
	json_t *sets = c->random ? bp_search_random(c->space, c->random,
						    c->run.seed) :
		       bp_search_grid(c->grid);
	size_t n = sets ? json_array_size(sets) : 0, best = 0;
	json_t **params = bp_xcalloc(n + 1, sizeof(*params)), *doc = NULL;
	struct bp_search_run *runs = bp_xcalloc(n + 1, sizeof(*runs));
	int rc = sets ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *p = json_deep_copy(c->base);

		json_object_update(p, json_array_get(sets, i));
		params[i] = bp_model_params_resolve(c->run.kind, p);
		json_decref(p);
		if (!params[i])
			rc = bp_error("trial %zu: parameters refused", i);
	}
	c->run.keep = 0;
	if (rc == 0)
		rc = bp_search_runs(sd, &c->run, params, n, runs);
	if (rc == 0)
		doc = bp_search_json(sd, &c->run, sets, runs, n, c->metric,
				     &best);
	if (rc == 0 && c->oos) {
		/* run the best set again, keeping its predictions */
		struct bp_search_run r;

		c->run.keep = 1;
		rc = bp_search_runs(sd, &c->run, &params[best], 1, &r);
		if (rc == 0)
			rc = write_oos(c, sd, &r);
		bp_search_run_release(&r);
	}
	if (rc == 0)
		rc = write_summary(c, doc);
	for (size_t i = 0; i < n; i++) {
		bp_search_run_release(&runs[i]);
		json_decref(params[i]);
	}
	free(runs);
	free(params);
	json_decref(doc);
	json_decref(sets);
	return rc;
}
