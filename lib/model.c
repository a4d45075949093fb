/*
 * model: kinds, parameters, training glue, prediction, the model file
 * and a small thread pool (see model.h and model-internal.h).
 */
#include "model.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "jsonout.h"
#include "model-internal.h"
#include "stream.h"
#include "sha256.h"
#include "ts.h"

#define REF_SAMPLE 20000	/* rows behind the stored reference deciles */

struct bp_model {
	const struct bp_model_ops *ops;
	enum bp_task task;
	size_t k;
	char **features;
	char *label;
	size_t nclasses;
	double classes[BP_MODEL_MAX_CLASSES];
	size_t nout;
	json_t *params;		/* resolved */
	json_t *info;		/* training, metrics, importance, fit, ref */
	void *impl;
};

const char *const bp_model_kinds[] = {
	"gbdt", "logreg", "linear", "mlp", NULL
};

static const struct bp_model_ops *
find_ops(const char *kind)
{
	static const struct bp_model_ops *const all[] = {
		&bp_gbdt_ops, &bp_logreg_ops, &bp_linear_ops, &bp_mlp_ops,
	};

	for (size_t i = 0; kind && i < BP_ARRAY_SIZE(all); i++)
		if (strcmp(all[i]->kind, kind) == 0)
			return all[i];
	return NULL;
}

int
bp_model_kind_known(const char *kind)
{
	return find_ops(kind) != NULL;
}

static const struct bp_model_ops *
ops_or_error(const char *kind)
{
	const struct bp_model_ops *ops = find_ops(kind);

	if (!ops)
		bp_error("unknown model kind '%s' (gbdt, logreg, linear, mlp)",
			 kind ? kind : "");
	return ops;
}

void
bp_model_log(struct bp_buf *log, const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bp_buf_adds(log, line);
	bp_buf_addc(log, '\n');
}

/* ---- parameters ------------------------------------------------------- */

static json_t *
scalar_value(const char *s, size_t n)
{
	double v;

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
	return json_stringn(s, n);
}

json_t *
bp_model_params_parse(const char *s)
{
	json_t *o = json_object();
	const char *p = s, *last = NULL;

	while (p && *p) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		eq = memchr(p, '=', len);
		if (len == 0) {
			bp_error("--params: empty item in '%s'", s);
			goto fail;
		}
		if (eq) {
			char *key = bp_xstrndup(p, (size_t)(eq - p));

			if (!*key) {
				free(key);
				bp_error("--params: missing name in '%.*s'",
					 (int)len, p);
				goto fail;
			}
			json_object_set_new(o, key, scalar_value(eq + 1,
				len - (size_t)(eq - p) - 1));
			last = json_object_iter_key(
				json_object_iter_at(o, key));
			free(key);
		} else if (last) {
			/* "hidden=20,10": 10 extends the previous value */
			json_t *prev = json_object_get(o, last), *list;

			if (json_is_array(prev)) {
				list = json_incref(prev);
			} else {
				list = json_array();
				json_array_append(list, prev);
			}
			json_array_append_new(list, scalar_value(p, len));
			json_object_set_new(o, last, list);
		} else {
			bp_error("--params: '%.*s' is not name=value", (int)len,
				 p);
			goto fail;
		}
		p = end ? end + 1 : NULL;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static const struct bp_param_spec *
find_param(const struct bp_param_spec *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int
integral(const json_t *v, double *out)
{
	if (json_is_integer(v)) {
		*out = (double)json_integer_value(v);
		return 1;
	}
	if (json_is_real(v) &&
	    json_real_value(v) == floor(json_real_value(v))) {
		*out = json_real_value(v);
		return 1;
	}
	return 0;
}

static json_t *
check_value(const char *kind, const struct bp_param_spec *p, const json_t *v)
{
	char lo[BP_FMT_BUFSZ], hi[BP_FMT_BUFSZ];
	double x;

	bp_fmt_double(lo, p->min);
	bp_fmt_double(hi, p->max);
	switch (p->type) {
	case BP_PARAM_INT:
		if (!integral(v, &x) || x < p->min || x > p->max)
			break;
		return json_integer((json_int_t)x);
	case BP_PARAM_REAL:
		if (!json_is_number(v))
			break;
		x = json_number_value(v);
		if (!isfinite(x) || x < p->min || x > p->max)
			break;
		return json_real(x);
	case BP_PARAM_STR:
		if (!json_is_string(v))
			break;
		for (size_t i = 0; p->choices[i]; i++)
			if (strcmp(p->choices[i], json_string_value(v)) == 0)
				return json_string(p->choices[i]);
		break;
	case BP_PARAM_INTLIST: {
		json_t *out = json_array();
		size_t n = json_is_array(v) ? json_array_size(v) : 1;

		for (size_t i = 0; i < n; i++) {
			const json_t *e = json_is_array(v) ?
					  json_array_get(v, i) : v;

			if (!integral(e, &x) || x < p->min || x > p->max) {
				json_decref(out);
				out = NULL;
				break;
			}
			json_array_append_new(out, json_integer((json_int_t)x));
		}
		if (out && n > 0)
			return out;
		json_decref(out);
		break;
	}
	}
	switch (p->type) {
	case BP_PARAM_INT:
		bp_error("%s: parameter '%s' must be an integer in [%s, %s]",
			 kind, p->name, lo, hi);
		break;
	case BP_PARAM_REAL:
		bp_error("%s: parameter '%s' must be a number in [%s, %s]",
			 kind, p->name, lo, hi);
		break;
	case BP_PARAM_STR: {
		struct bp_buf b = BP_BUF_INIT;

		for (size_t i = 0; p->choices[i]; i++)
			bp_buf_addf(&b, "%s%s", i ? ", " : "", p->choices[i]);
		bp_error("%s: parameter '%s' must be one of: %s", kind,
			 p->name, b.s);
		bp_buf_release(&b);
		break;
	}
	case BP_PARAM_INTLIST:
		bp_error("%s: parameter '%s' must be a list of integers in "
			 "[%s, %s]", kind, p->name, lo, hi);
		break;
	}
	return NULL;
}

json_t *
bp_model_params_resolve(const char *kind, const json_t *params)
{
	const struct bp_model_ops *ops = ops_or_error(kind);
	const char *key;
	json_t *val, *out;

	if (!ops)
		return NULL;
	if (params && !json_is_object(params)) {
		bp_error("%s: parameters must be a JSON object", kind);
		return NULL;
	}
	json_object_foreach((json_t *)params, key, val) {
		if (!find_param(ops->params, key)) {
			struct bp_buf b = BP_BUF_INIT;

			for (const struct bp_param_spec *p = ops->params;
			     p->name; p++)
				bp_buf_addf(&b, "%s%s", p == ops->params ? "" :
					    ", ", p->name);
			bp_error("%s: unknown parameter '%s' (known: %s)", kind,
				 key, b.s);
			bp_buf_release(&b);
			return NULL;
		}
	}
	out = json_object();
	for (const struct bp_param_spec *p = ops->params; p->name; p++) {
		json_t *given = params ? json_object_get(params, p->name) :
				NULL, *def = NULL, *v;

		if (!given) {
			def = json_loads(p->def, JSON_DECODE_ANY, NULL);
			assert(def);
			given = def;
		}
		v = check_value(kind, p, given);
		json_decref(def);
		if (!v) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, p->name, v);
	}
	return out;
}

int
bp_model_params_help(const char *kind, struct bp_buf *b)
{
	const struct bp_model_ops *ops = find_ops(kind);

	if (!ops)
		return -1;
	for (const struct bp_param_spec *p = ops->params; p->name; p++)
		bp_buf_addf(b, "  %-22s %-10s %s\n", p->name, p->def, p->help);
	return 0;
}

long
bp_param_int(const json_t *params, const char *name)
{
	const json_t *v = json_object_get(params, name);

	assert(json_is_integer(v));
	return (long)json_integer_value(v);
}

double
bp_param_real(const json_t *params, const char *name)
{
	const json_t *v = json_object_get(params, name);

	assert(json_is_number(v));
	return json_number_value(v);
}

const char *
bp_param_str(const json_t *params, const char *name)
{
	const json_t *v = json_object_get(params, name);

	assert(json_is_string(v));
	return json_string_value(v);
}

/* ---- thread pool ------------------------------------------------------ */

struct bp_pool {
	int n;
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long gen;
	int pending, quit;
	void (*fn)(void *, int, int);
	void *arg;
};

struct worker_arg {
	struct bp_pool *p;
	int tid;
};

static void *
pool_worker(void *varg)
{
	struct worker_arg *wa = varg;
	struct bp_pool *p = wa->p;
	int tid = wa->tid;
	unsigned long seen = 0;

	free(wa);
	for (;;) {
		void (*fn)(void *, int, int);
		void *arg;

		pthread_mutex_lock(&p->mu);
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		seen = p->gen;
		fn = p->fn;
		arg = p->arg;
		pthread_mutex_unlock(&p->mu);
		fn(arg, tid, p->n);
		pthread_mutex_lock(&p->mu);
		if (--p->pending == 0)
			pthread_cond_signal(&p->done);
		pthread_mutex_unlock(&p->mu);
	}
}

int
bp_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n >= 1 ? (int)(n > 256 ? 256 : n) : 1;
}

struct bp_pool *
bp_pool_new(int threads)
{
	struct bp_pool *p = bp_xcalloc(1, sizeof(*p));

	p->n = threads >= 1 ? threads : bp_ncpu();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->th = bp_xcalloc((size_t)p->n, sizeof(*p->th));
	for (int t = 1; t < p->n; t++) {
		struct worker_arg *wa = bp_xmalloc(sizeof(*wa));

		wa->p = p;
		wa->tid = t;
		if (pthread_create(&p->th[t], NULL, pool_worker, wa) != 0) {
			free(wa);
			p->n = t;	/* run with the threads we have */
			break;
		}
	}
	return p;
}

int
bp_pool_size(const struct bp_pool *p)
{
	return p->n;
}

void
bp_pool_run(struct bp_pool *p, void (*fn)(void *arg, int tid, int nth),
	    void *arg)
{
	if (p->n == 1) {
		fn(arg, 0, 1);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->pending = p->n - 1;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	fn(arg, 0, p->n);
	pthread_mutex_lock(&p->mu);
	while (p->pending > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
bp_pool_free(struct bp_pool **pp)
{
	struct bp_pool *p = pp ? *pp : NULL;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int t = 1; t < p->n; t++)
		pthread_join(p->th[t], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p->th);
	free(p);
	*pp = NULL;
}

/* ---- JSON readers ------------------------------------------------------ */

int
bp_mj_array(const json_t *o, const char *key, size_t want, const char *name,
	    const json_t **out)
{
	const json_t *a = json_object_get(o, key);

	if (!a)
		return bp_error("%s: model has no '%s'", name, key);
	if (!json_is_array(a))
		return bp_error("%s: model '%s' is not an array", name, key);
	if (want != (size_t)-1 && json_array_size(a) != want)
		return bp_error("%s: model '%s' has %zu values, not %zu", name,
				key, json_array_size(a), want);
	*out = a;
	return 0;
}

int
bp_mj_doubles(const json_t *o, const char *key, size_t n, double *out,
	      const char *name)
{
	const json_t *a;

	if (bp_mj_array(o, key, n, name, &a) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);

		if (!json_is_number(v))
			return bp_error("%s: model '%s'[%zu] is not a number",
					name, key, i);
		out[i] = json_number_value(v);
	}
	return 0;
}

int
bp_mj_number(const json_t *o, const char *key, double *out, const char *name)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return bp_error("%s: model has no '%s'", name, key);
	if (!json_is_number(v))
		return bp_error("%s: model '%s' is not a number", name, key);
	*out = json_number_value(v);
	return 0;
}

/* ---- accessors --------------------------------------------------------- */

size_t
bp_model_noutputs(const struct bp_model *m)
{
	return m->nout;
}

enum bp_task
bp_model_task(const struct bp_model *m)
{
	return m->task;
}

const char *
bp_model_kind(const struct bp_model *m)
{
	return m->ops->kind;
}

const char *
bp_model_label(const struct bp_model *m)
{
	return m->label;
}

size_t
bp_model_nfeatures(const struct bp_model *m)
{
	return m->k;
}

const char *const *
bp_model_features(const struct bp_model *m)
{
	return (const char *const *)m->features;
}

int
bp_model_handles_missing(const struct bp_model *m)
{
	return m->ops->handles_missing;
}

size_t
bp_model_classes(const struct bp_model *m, const double **values)
{
	if (values)
		*values = m->classes;
	return m->task == BP_TASK_MULTICLASS ? m->nclasses : 0;
}

double
bp_model_target(const struct bp_model *m, double y)
{
	if (m->task != BP_TASK_MULTICLASS)
		return y;
	for (size_t c = 0; c < m->nclasses; c++)
		if (m->classes[c] == y)
			return (double)c;
	return -1.0;
}

const json_t *
bp_model_params(const struct bp_model *m)
{
	return m->params;
}

const json_t *
bp_model_info(const struct bp_model *m)
{
	return m->info;
}

void
bp_model_info_set(struct bp_model *m, const char *section, const char *key,
		  json_t *value)
{
	json_t *sec;

	if (!m->info)
		m->info = json_object();
	sec = json_object_get(m->info, section);
	if (!sec) {
		sec = json_object();
		json_object_set_new(m->info, section, sec);
	}
	json_object_set_new(sec, key, value);
}

void
bp_model_free(struct bp_model **mp)
{
	struct bp_model *m = mp ? *mp : NULL;

	if (!m)
		return;
	if (m->impl)
		m->ops->free(m->impl);
	for (size_t j = 0; j < m->k; j++)
		free(m->features[j]);
	free(m->features);
	free(m->label);
	json_decref(m->params);
	json_decref(m->info);
	free(m);
	*mp = NULL;
}

/* ---- prediction --------------------------------------------------------- */

int
bp_model_predict(const struct bp_model *m, const double *x, double *out)
{
	if (!m->ops->handles_missing) {
		for (size_t j = 0; j < m->k; j++) {
			if (isnan(x[j])) {
				for (size_t c = 0; c < m->nout; c++)
					out[c] = NAN;
				return -1;
			}
		}
	}
	m->ops->predict(m->impl, x, out);
	return 0;
}

size_t
bp_model_predict_batch(const struct bp_model *m, const double *x, size_t n,
		       double *out)
{
	size_t bad = 0;

	if (m->ops->predict_batch && m->ops->handles_missing) {
		m->ops->predict_batch(m->impl, x, n, out);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (bp_model_predict(m, x + i * m->k, out + i * m->nout) < 0)
			bad++;
	return bad;
}

double
bp_model_score(const struct bp_model *m, const double *out)
{
	double s = 0.0;

	if (m->task != BP_TASK_MULTICLASS)
		return out[0];
	for (size_t c = 0; c < m->nclasses; c++)
		s += out[c] * m->classes[c];
	return s;
}

/* ---- training ------------------------------------------------------------ */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The task and, for multiclass, the sorted class values. */
static int
decide_task(struct bp_model *m, const json_t *params,
	    const struct bp_dataset *d)
{
	const json_t *obj = json_object_get(params, "objective");
	const char *o = obj ? json_string_value(obj) : NULL;
	const char *kind = m->ops->kind;
	double vals[BP_MODEL_MAX_CLASSES + 1];
	size_t nv = 0, i;
	int integers = 1, negative = 0, binary = 1;

	for (i = 0; i < d->n; i++) {
		double y = d->y[i];
		size_t c;

		if (!isfinite(y))
			return bp_error("label '%s' has a value that is not a "
					"finite number", d->label ? d->label :
					"?");
		if (y != 0.0 && y != 1.0)
			binary = 0;
		if (y != floor(y))
			integers = 0;
		if (y < 0)
			negative = 1;
		for (c = 0; c < nv; c++)
			if (vals[c] == y)
				break;
		if (c == nv && nv <= BP_MODEL_MAX_CLASSES)
			vals[nv++] = y;
	}
	if (strcmp(kind, "logreg") == 0)
		o = "binary:logistic";
	else if (strcmp(kind, "linear") == 0)
		o = "reg:squarederror";
	if (!o || strcmp(o, "auto") == 0) {
		if (binary)
			o = "binary:logistic";
		else if (integers && nv <= BP_MODEL_MAX_CLASSES &&
			 (negative || nv > 2))
			o = "multi:softmax";
		else
			o = "reg:squarederror";
	}
	if (strcmp(o, "binary:logistic") == 0) {
		if (!binary)
			return bp_error("%s: a binary model needs a 0/1 label; "
					"'%s' has other values", kind,
					d->label);
		m->task = BP_TASK_BINARY;
		m->nout = 1;
	} else if (strcmp(o, "multi:softmax") == 0) {
		if (!integers || nv > BP_MODEL_MAX_CLASSES || nv < 2)
			return bp_error("%s: a multiclass model needs 2 to %d "
					"integer label values; '%s' has %s",
					kind, BP_MODEL_MAX_CLASSES, d->label,
					!integers ? "non-integers" : nv < 2 ?
					"one" : "more");
		qsort(vals, nv, sizeof(vals[0]), cmp_double);
		memcpy(m->classes, vals, nv * sizeof(vals[0]));
		m->nclasses = nv;
		m->task = BP_TASK_MULTICLASS;
		m->nout = nv;
	} else {
		m->task = BP_TASK_REGRESSION;
		m->nout = 1;
	}
	return 0;
}

static int
row_complete(const struct bp_dataset *d, size_t i)
{
	for (size_t j = 0; j < d->k; j++)
		if (isnan(d->x[i * d->k + j]))
			return 0;
	return 1;
}

/*
 * The rows a learner may see: complete ones unless the kind takes nulls,
 * and (multiclass validation) labels among the classes.  *n_out, idx.
 */
static size_t *
usable_rows(const struct bp_model *m, const struct bp_dataset *d,
	    size_t *n_out, size_t *skipped)
{
	size_t *idx = bp_xreallocarray(NULL, d->n ? d->n : 1, sizeof(*idx));
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (!m->ops->handles_missing && !row_complete(d, i))
			continue;
		if (isnan(d->y[i]) || (m->task == BP_TASK_MULTICLASS &&
				       bp_model_target(m, d->y[i]) < 0))
			continue;
		idx[n++] = i;
	}
	*skipped = d->n - n;
	*n_out = n;
	return idx;
}

static json_t *
ts_json(int64_t ms)
{
	char buf[BP_TS_BUFSZ];

	if (ms == BP_DATASET_NO_TS)
		return json_null();
	bp_ts_format(buf, ms);
	return json_string(buf);
}

/* first/last ts and rows per symbol over the datasets */
static json_t *
ranges(const struct bp_dataset *const *ds, size_t nd)
{
	json_t *o = json_object();

	for (size_t q = 0; q < nd; q++) {
		const struct bp_dataset *d = ds[q];

		for (size_t i = 0; i < d->n; i++) {
			const char *sym = d->syms[d->sym[i]];
			json_t *r = json_object_get(o, sym);
			int64_t t = d->ts[i];

			if (!r) {
				r = json_object();
				json_object_set_new(r, "first", ts_json(t));
				json_object_set_new(r, "last", ts_json(t));
				json_object_set_new(r, "rows", json_integer(0));
				json_object_set_new(o, sym, r);
			}
			json_integer_set(json_object_get(r, "rows"),
				json_integer_value(json_object_get(r, "rows")) +
				1);
			if (t == BP_DATASET_NO_TS)
				continue;
			{
				const char *f = json_string_value(
					json_object_get(r, "first"));
				const char *l = json_string_value(
					json_object_get(r, "last"));
				int64_t fm = 0, lm = 0;

				if (!f ||
				    (bp_ts_parse(f, strlen(f), &fm) == 0 &&
				     t < fm))
					json_object_set_new(r, "first",
							    ts_json(t));
				if (!l ||
				    (bp_ts_parse(l, strlen(l), &lm) == 0 &&
				     t > lm))
					json_object_set_new(r, "last",
							    ts_json(t));
			}
		}
	}
	return o;
}

/* numpy's default (linear) quantile of sorted v (n > 0) at q in [0,1] */
static double
quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double frac = pos - (double)lo;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + frac * (v[lo + 1] - v[lo]);
}

static json_t *
describe(double *v, size_t n, size_t total)
{
	json_t *o = json_object(), *q = json_array();
	double mu = 0.0, var = 0.0;

	json_object_set_new(o, "n", json_integer((json_int_t)n));
	json_object_set_new(o, "null_rate", bp_json_real(total ?
		(double)(total - n) / (double)total : NAN));
	for (size_t i = 0; i < n; i++)
		mu += v[i];
	mu = n ? mu / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		var += (v[i] - mu) * (v[i] - mu);
	json_object_set_new(o, "mean", bp_json_real(mu));
	json_object_set_new(o, "sd", bp_json_real(n ? sqrt(var / (double)n) :
						   NAN));
	qsort(v, n, sizeof(*v), cmp_double);
	json_object_set_new(o, "min", bp_json_real(n ? v[0] : NAN));
	json_object_set_new(o, "max", bp_json_real(n ? v[n - 1] : NAN));
	for (int d = 0; d <= 10 && n; d++)
		json_array_append_new(q,
				      bp_json_real(quantile(v, n, d / 10.0)));
	json_object_set_new(o, "deciles", q);
	return o;
}

/*
 * Reference distributions of the training rows (a strided sample of at
 * most REF_SAMPLE rows for the deciles; counts over every row), for
 * bp-drift and bp-model health.
 */
static json_t *
reference(const struct bp_model *m, const struct bp_dataset *d)
{
	json_t *ref = json_object(), *feats = json_object();
	size_t step = d->n > REF_SAMPLE ? (d->n + REF_SAMPLE - 1) / REF_SAMPLE :
		      1, ns = (d->n + step - 1) / step;
	double *v = bp_xreallocarray(NULL, ns ? ns : 1, sizeof(*v));
	double *out = bp_xmalloc(m->nout * sizeof(*out));
	size_t n;

	json_object_set_new(ref, "rows", json_integer((json_int_t)d->n));
	json_object_set_new(ref, "sample_step", json_integer((json_int_t)step));
	for (size_t j = 0; j < d->k; j++) {
		n = 0;
		for (size_t i = 0; i < d->n; i += step)
			if (!isnan(d->x[i * d->k + j]))
				v[n++] = d->x[i * d->k + j];
		json_object_set_new(feats, d->names[j], describe(v, n, ns));
	}
	json_object_set_new(ref, "features", feats);
	n = 0;
	for (size_t i = 0; i < d->n; i += step)
		if (bp_model_predict(m, d->x + i * d->k, out) == 0)
			v[n++] = bp_model_score(m, out);
	json_object_set_new(ref, "score", describe(v, n, ns));
	free(out);
	free(v);
	return ref;
}

struct eval_job {
	const struct bp_model *m;
	const struct bp_dataset *d;
	const size_t *idx;
	size_t n;
	double *pred;
};

static void
eval_worker(void *arg, int tid, int nth)
{
	struct eval_job *e = arg;
	size_t lo = e->n * (size_t)tid / (size_t)nth, k = e->d->k;
	size_t hi = e->n * (size_t)(tid + 1) / (size_t)nth;
	double *x = bp_xmalloc(256 * (k ? k : 1) * sizeof(*x));

	/* gathered in blocks, so that batch prediction applies */
	for (size_t i = lo; i < hi; i += 256) {
		size_t nb = hi - i < 256 ? hi - i : 256;

		for (size_t r = 0; r < nb; r++)
			memcpy(x + r * k, e->d->x + e->idx[i + r] * k,
			       k * sizeof(*x));
		bp_model_predict_batch(e->m, x, nb, e->pred + i * e->m->nout);
	}
	free(x);
}

/* metrics of m on the rows idx of d (features in m's order) */
static void
eval_rows(const struct bp_model *m, const struct bp_dataset *d,
	  const size_t *idx, size_t n, struct bp_pool *pool,
	  struct bp_metrics *out)
{
	struct eval_job e = { m, d, idx, n, NULL };
	double *y = bp_xreallocarray(NULL, n ? n : 1, sizeof(*y));

	e.pred = bp_xreallocarray(NULL, n ? n : 1, m->nout * sizeof(double));
	if (pool)
		bp_pool_run(pool, eval_worker, &e);
	else
		eval_worker(&e, 0, 1);
	for (size_t i = 0; i < n; i++)
		y[i] = bp_model_target(m, d->y[idx[i]]);
	bp_metrics_eval(out, m->task, y, e.pred, n, m->nout);
	free(e.pred);
	free(y);
}

struct bp_model *
bp_model_train(const char *kind, const json_t *params,
	       const struct bp_dataset *train, const struct bp_dataset *valid,
	       uint64_t seed, int threads, struct bp_buf *log)
{
	const struct bp_model_ops *ops = ops_or_error(kind);
	struct bp_model *m;
	struct bp_dataset tr = BP_DATASET_INIT, va = BP_DATASET_INIT;
	struct bp_train_ctx ctx;
	struct bp_metrics met;
	struct bp_pool *pool = NULL;
	struct bp_sha256 sha;
	char hex[BP_SHA256_HEXSZ];
	size_t *idx = NULL, n, skip_tr = 0, skip_va = 0;
	double *ytr = NULL, *yva = NULL;
	json_t *training, *metrics, *imp;
	const struct bp_dataset *both[2];
	double t0;

	if (!ops)
		return NULL;
	if (train->n == 0) {
		bp_error("%s: no rows to train on", kind);
		return NULL;
	}
	if (train->k == 0) {
		bp_error("%s: no features to train on", kind);
		return NULL;
	}
	if (valid && valid->n && valid->k != train->k) {
		bp_error("%s: validation rows have %zu features, training rows "
			 "%zu", kind, valid->k, train->k);
		return NULL;
	}
	m = bp_xcalloc(1, sizeof(*m));
	m->ops = ops;
	m->params = bp_model_params_resolve(kind, params);
	if (!m->params || decide_task(m, m->params, train) < 0)
		goto fail;
	threads = threads >= 1 ? threads : bp_ncpu();
	m->k = train->k;
	m->features = bp_xcalloc(m->k, sizeof(*m->features));
	for (size_t j = 0; j < m->k; j++)
		m->features[j] = bp_xstrdup(train->names[j]);
	m->label = train->label ? bp_xstrdup(train->label) : NULL;

	idx = usable_rows(m, train, &n, &skip_tr);
	if (n == 0) {
		bp_error("%s: every training row has a null feature (%s "
			 "cannot use nulls; use gbdt or drop the warm-up rows)",
			 kind, kind);
		goto fail;
	}
	bp_dataset_subset(&tr, train, idx, n);
	free(idx);
	idx = NULL;
	if (skip_tr)
		bp_model_log(log, "%s: skipped %zu training rows with a null "
			     "feature", kind, skip_tr);
	if (valid && valid->n) {
		idx = usable_rows(m, valid, &n, &skip_va);
		bp_dataset_subset(&va, valid, idx, n);
		free(idx);
		idx = NULL;
		if (skip_va)
			bp_model_log(log, "%s: skipped %zu validation rows "
				     "(null feature or unknown class)", kind,
				     skip_va);
	}
	ytr = bp_xreallocarray(NULL, tr.n, sizeof(*ytr));
	for (size_t i = 0; i < tr.n; i++)
		ytr[i] = bp_model_target(m, tr.y[i]);
	yva = bp_xreallocarray(NULL, va.n ? va.n : 1, sizeof(*yva));
	for (size_t i = 0; i < va.n; i++)
		yva[i] = bp_model_target(m, va.y[i]);

	m->info = json_object();
	ctx = (struct bp_train_ctx){
		.train = &tr, .valid = va.n ? &va : NULL, .ytrain = ytr,
		.yvalid = yva, .task = m->task, .nclasses = m->nclasses,
		.params = m->params, .seed = seed, .threads = threads,
		.log = log, .fit = json_object(),
		.importance = bp_xcalloc(m->k, sizeof(double)),
	};
	t0 = bp_now();
	m->impl = ops->train(&ctx);
	if (!m->impl) {
		json_decref(ctx.fit);
		free(ctx.importance);
		goto fail;
	}

	/* timing for the log only: never in the file (bytes stay equal) */
	bp_model_log(log, "%s: trained in %.3f s", kind, bp_now() - t0);

	/* what the file records about the training */
	training = json_object();
	json_object_set_new(training, "train_rows",
			    json_integer((json_int_t)tr.n));
	json_object_set_new(training, "valid_rows",
			    json_integer((json_int_t)va.n));
	json_object_set_new(training, "skipped_rows",
			    json_integer((json_int_t)(skip_tr + skip_va)));
	both[0] = train;
	both[1] = valid && valid->n ? valid : train;
	json_object_set_new(training, "range",
			    ranges(both, valid && valid->n ? 2 : 1));
	bp_sha256_init(&sha);
	bp_dataset_hash_update(&sha, train);
	if (valid && valid->n)
		bp_dataset_hash_update(&sha, valid);
	bp_sha256_hex(&sha, hex);
	json_object_set_new(training, "data_sha256", json_string(hex));
	json_object_set_new(training, "seed", json_integer((json_int_t)seed));
	json_object_set_new(m->info, "training", training);

	pool = bp_pool_new(threads);
	metrics = json_object();
	idx = bp_xreallocarray(NULL, tr.n > va.n ? tr.n : va.n + 1,
			       sizeof(*idx));
	for (size_t i = 0; i < tr.n || i < va.n; i++)
		idx[i] = i;
	eval_rows(m, &tr, idx, tr.n, pool, &met);
	json_object_set_new(metrics, "train", bp_metrics_to_json(&met));
	if (va.n) {
		eval_rows(m, &va, idx, va.n, pool, &met);
		json_object_set_new(metrics, "valid", bp_metrics_to_json(&met));
	}
	json_object_set_new(m->info, "metrics", metrics);
	imp = json_object();
	for (size_t j = 0; j < m->k; j++)
		json_object_set_new(imp, m->features[j],
				    bp_json_real(ctx.importance[j]));
	json_object_set_new(m->info, "importance", imp);
	json_object_set_new(m->info, "fit", ctx.fit);
	json_object_set_new(m->info, "reference", reference(m, &tr));
	free(ctx.importance);
	bp_pool_free(&pool);
	free(idx);
	free(ytr);
	free(yva);
	bp_dataset_release(&tr);
	bp_dataset_release(&va);
	return m;
fail:
	free(idx);
	free(ytr);
	free(yva);
	bp_dataset_release(&tr);
	bp_dataset_release(&va);
	bp_model_free(&m);
	return NULL;
}

int
bp_model_evaluate(const struct bp_model *m, const struct bp_dataset *d,
		  struct bp_metrics *out, size_t *skipped)
{
	size_t *map = bp_xcalloc(m->k, sizeof(*map)), n = 0, bad = 0;
	double *x = bp_xcalloc(m->k, sizeof(*x)), *y, *pred;

	for (size_t j = 0; j < m->k; j++) {
		size_t q;

		for (q = 0; q < d->k; q++)
			if (strcmp(d->names[q], m->features[j]) == 0)
				break;
		if (q == d->k) {
			free(map);
			free(x);
			return bp_error("'%s' (a feature of the model) is not "
					"in the data", m->features[j]);
		}
		map[j] = q;
	}
	y = bp_xreallocarray(NULL, d->n ? d->n : 1, sizeof(*y));
	pred = bp_xreallocarray(NULL, d->n ? d->n : 1, m->nout * sizeof(*pred));
	for (size_t i = 0; i < d->n; i++) {
		double t = isnan(d->y[i]) ? -1 : bp_model_target(m, d->y[i]);

		for (size_t j = 0; j < m->k; j++)
			x[j] = d->x[i * d->k + map[j]];
		if (isnan(d->y[i]) ||
		    (m->task == BP_TASK_MULTICLASS && t < 0) ||
		    bp_model_predict(m, x, pred + n * m->nout) < 0) {
			bad++;
			continue;
		}
		y[n++] = t;
	}
	bp_metrics_eval(out, m->task, y, pred, n, m->nout);
	if (skipped)
		*skipped = bad;
	free(map);
	free(x);
	free(y);
	free(pred);
	return 0;
}

/* ---- the model file ------------------------------------------------------ */

json_t *
bp_model_to_json(const struct bp_model *m)
{
	json_t *o = json_object(), *f = json_array();
	const char *key;
	json_t *val;

	json_object_set_new(o, "format", json_string(BP_MODEL_FORMAT));
	json_object_set_new(o, "format_version",
			    json_integer(BP_MODEL_FORMAT_VERSION));
	json_object_set_new(o, "kind", json_string(m->ops->kind));
	json_object_set_new(o, "barpipe_version", json_string(BP_VERSION));
	json_object_set_new(o, "task", json_string(bp_task_name(m->task)));
	json_object_set_new(o, "label", m->label ? json_string(m->label) :
				       json_null());
	if (m->task == BP_TASK_MULTICLASS) {
		json_t *c = json_array();

		for (size_t i = 0; i < m->nclasses; i++)
			json_array_append_new(c, bp_json_real(m->classes[i]));
		json_object_set_new(o, "classes", c);
	}
	for (size_t j = 0; j < m->k; j++)
		json_array_append_new(f, json_string(m->features[j]));
	json_object_set_new(o, "features", f);
	json_object_set_new(o, "params", json_deep_copy(m->params));
	json_object_foreach(m->info, key, val)
		json_object_set_new(o, key, json_deep_copy(val));
	json_object_set_new(o, "model", m->ops->to_json(m->impl));
	return o;
}

static int
parse_task(const char *s, enum bp_task *t)
{
	static const enum bp_task all[] = {
		BP_TASK_BINARY, BP_TASK_REGRESSION, BP_TASK_MULTICLASS,
	};

	for (size_t i = 0; s && i < BP_ARRAY_SIZE(all); i++) {
		if (strcmp(s, bp_task_name(all[i])) == 0) {
			*t = all[i];
			return 0;
		}
	}
	return -1;
}

struct bp_model *
bp_model_from_json(const json_t *doc, const char *name)
{
	struct bp_model *m = NULL;
	const json_t *v, *feats, *model;
	const char *optional[] = { "training", "metrics", "importance", "fit",
				   "reference" };

	if (!json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")),
		   BP_MODEL_FORMAT) != 0) {
		bp_error("%s: not a barpipe model (no \"format\": \"%s\")",
			 name, BP_MODEL_FORMAT);
		return NULL;
	}
	v = json_object_get(doc, "format_version");
	if (!json_is_integer(v)) {
		bp_error("%s: model has no integer 'format_version'", name);
		return NULL;
	}
	if (json_integer_value(v) != BP_MODEL_FORMAT_VERSION) {
		bp_error("%s: model format version %lld is not supported (this "
			 "barpipe reads version %d)", name,
			 (long long)json_integer_value(v),
			 BP_MODEL_FORMAT_VERSION);
		return NULL;
	}
	v = json_object_get(doc, "kind");
	if (!json_is_string(v)) {
		bp_error("%s: model has no 'kind'", name);
		return NULL;
	}
	m = bp_xcalloc(1, sizeof(*m));
	m->ops = find_ops(json_string_value(v));
	if (!m->ops) {
		bp_error("%s: unknown model kind '%s'", name,
			 json_string_value(v));
		free(m);
		return NULL;
	}
	if (parse_task(json_string_value(json_object_get(doc, "task")),
		       &m->task) < 0) {
		bp_error("%s: model 'task' must be binary, regression or "
			 "multiclass", name);
		goto fail;
	}
	v = json_object_get(doc, "label");
	if (!v || !(json_is_string(v) || json_is_null(v))) {
		bp_error("%s: model has no 'label'", name);
		goto fail;
	}
	m->label = json_is_string(v) ? bp_xstrdup(json_string_value(v)) : NULL;
	feats = json_object_get(doc, "features");
	if (!json_is_array(feats) || json_array_size(feats) == 0) {
		bp_error("%s: model has no 'features' list", name);
		goto fail;
	}
	m->k = json_array_size(feats);
	m->features = bp_xcalloc(m->k, sizeof(*m->features));
	for (size_t j = 0; j < m->k; j++) {
		v = json_array_get(feats, j);
		if (!json_is_string(v)) {
			bp_error("%s: model 'features'[%zu] is not a name",
				 name, j);
			goto fail;
		}
		m->features[j] = bp_xstrdup(json_string_value(v));
		for (size_t q = 0; q < j; q++)
			if (strcmp(m->features[q], m->features[j]) == 0) {
				bp_error("%s: model lists feature '%s' twice",
					 name, m->features[j]);
				goto fail;
			}
	}
	m->nout = 1;
	if (m->task == BP_TASK_MULTICLASS) {
		const json_t *c = json_object_get(doc, "classes");

		if (!json_is_array(c) || json_array_size(c) < 2 ||
		    json_array_size(c) > BP_MODEL_MAX_CLASSES) {
			bp_error("%s: multiclass model needs 'classes' "
				 "(2 to %d values)", name,
				 BP_MODEL_MAX_CLASSES);
			goto fail;
		}
		m->nclasses = json_array_size(c);
		for (size_t i = 0; i < m->nclasses; i++) {
			v = json_array_get(c, i);
			if (!json_is_number(v) || (i && json_number_value(v) <=
						   m->classes[i - 1])) {
				bp_error("%s: model 'classes' must be "
					 "increasing numbers", name);
				goto fail;
			}
			m->classes[i] = json_number_value(v);
		}
		m->nout = m->nclasses;
	}
	v = json_object_get(doc, "params");
	if (!json_is_object(v)) {
		bp_error("%s: model has no 'params' object", name);
		goto fail;
	}
	m->params = bp_model_params_resolve(m->ops->kind, v);
	if (!m->params) {
		bp_error("%s: model 'params' are not valid", name);
		goto fail;
	}
	m->info = json_object();
	for (size_t i = 0; i < BP_ARRAY_SIZE(optional); i++) {
		v = json_object_get(doc, optional[i]);
		if (v && !json_is_object(v)) {
			bp_error("%s: model '%s' is not an object", name,
				 optional[i]);
			goto fail;
		}
		if (v)
			json_object_set_new(m->info, optional[i],
					    json_deep_copy(v));
	}
	model = json_object_get(doc, "model");
	if (!json_is_object(model)) {
		bp_error("%s: model has no 'model' section", name);
		goto fail;
	}
	m->impl = m->ops->from_json(model, m->k, m->task, m->nout, name);
	if (!m->impl)
		goto fail;
	return m;
fail:
	bp_model_free(&m);
	return NULL;
}

struct bp_model *
bp_model_load(const char *path)
{
	json_t *doc = bp_json_load_file(path);
	struct bp_model *m;

	if (!doc)
		return NULL;
	m = bp_model_from_json(doc, path && strcmp(path, "-") ? path :
			       "<stdin>");
	json_decref(doc);
	return m;
}

int
bp_model_save(const struct bp_model *m, const char *path)
{
	json_t *doc = bp_model_to_json(m);
	int rc = bp_json_write_file(path, doc, 0);

	json_decref(doc);
	return rc;
}

/* ---- comparing two models on a stream ------------------------------------ */

/* the class a prediction stands for: argmax, p >= 0.5, or the sign */
static double
predicted_class(const struct bp_model *m, const double *out)
{
	if (m->task == BP_TASK_BINARY)
		return out[0] >= 0.5;
	if (m->task == BP_TASK_REGRESSION)
		return (out[0] > 0) - (out[0] < 0);
	{
		size_t best = 0;

		for (size_t c = 1; c < m->nclasses; c++)
			if (out[c] > out[best])
				best = c;
		return m->classes[best];
	}
}

struct side {
	const struct bp_model *m;
	struct bp_featmap fm;
	double *x, out[BP_MODEL_MAX_OUTPUTS];
	double *pred, *y;	/* labelled rows: outputs and targets */
	size_t n, alloc;
};

static int
side_fill(struct side *s, const struct bp_row *row, const char *name)
{
	size_t bad;
	enum bp_feat_problem why;

	if (bp_featmap_fill(&s->fm, row, s->x, &bad, &why) < 0)
		return bp_error("%s:%ld: '%s' %s", name, row->lineno,
				s->m->features[bad], why == BP_FEAT_ABSENT ?
				"(a feature of the model) is missing" :
				"is not a number");
	return 0;
}

static void
side_keep(struct side *s, double y)
{
	double t = bp_model_target(s->m, y);

	if (s->m->task == BP_TASK_MULTICLASS && t < 0)
		return;
	if (s->n + 1 > s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 1024;
		s->pred = bp_xreallocarray(s->pred, s->alloc,
					   s->m->nout * sizeof(double));
		s->y = bp_xreallocarray(s->y, s->alloc, sizeof(double));
	}
	memcpy(s->pred + s->n * s->m->nout, s->out,
	       s->m->nout * sizeof(double));
	s->y[s->n++] = t;
}

json_t *
bp_model_compare_stream(const struct bp_model *a, const struct bp_model *b,
			struct bp_reader *r, const char *label)
{
	struct side sd[2] = { { .m = a }, { .m = b } };
	struct bp_row row = BP_ROW_INIT;
	double *sa = NULL, *sb = NULL;
	size_t rows = 0, scored = 0, agree = 0, alloc = 0;
	int hint = -1, rc, have_label = 0;
	json_t *o = NULL;

	label = label ? label : a->label;
	for (int q = 0; q < 2; q++) {
		bp_featmap_init(&sd[q].fm,
				(const char *const *)sd[q].m->features,
				sd[q].m->k);
		sd[q].x = bp_xcalloc(sd[q].m->k, sizeof(double));
	}
	while ((rc = bp_reader_next(r, &row)) > 0) {
		double y = NAN;
		int ok;

		rows++;
		if (side_fill(&sd[0], &row, bp_reader_name(r)) < 0 ||
		    side_fill(&sd[1], &row, bp_reader_name(r)) < 0) {
			rc = -1;
			break;
		}
		ok = bp_model_predict(a, sd[0].x, sd[0].out) == 0;
		ok = (bp_model_predict(b, sd[1].x, sd[1].out) == 0) && ok;
		if (!ok)
			continue;
		scored++;
		agree += predicted_class(a, sd[0].out) ==
			 predicted_class(b, sd[1].out);
		if (scored > alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			sa = bp_xreallocarray(sa, alloc, sizeof(*sa));
			sb = bp_xreallocarray(sb, alloc, sizeof(*sb));
		}
		sa[scored - 1] = bp_model_score(a, sd[0].out);
		sb[scored - 1] = bp_model_score(b, sd[1].out);
		if (label && bp_row_find(&row, label, &hint) >= 0) {
			have_label = 1;
			if (bp_row_num(&row, label, &hint, &y) == 0) {
				side_keep(&sd[0], y);
				side_keep(&sd[1], y);
			}
		}
	}
	if (rc == 0) {
		o = json_object();
		json_object_set_new(o, "rows", json_integer((json_int_t)rows));
		json_object_set_new(o, "scored",
				    json_integer((json_int_t)scored));
		json_object_set_new(o, "agreement", bp_json_real(scored ?
			(double)agree / (double)scored : NAN));
		json_object_set_new(o, "correlation", bp_json_real(
			bp_metrics_corr(sa, sb, scored)));
		if (have_label) {
			json_object_set_new(o, "label", json_string(label));
			for (int q = 0; q < 2; q++) {
				struct bp_metrics met;

				bp_metrics_eval(&met, sd[q].m->task, sd[q].y,
						sd[q].pred, sd[q].n,
						sd[q].m->nout);
				json_object_set_new(o, q ? "b" : "a",
						    bp_metrics_to_json(&met));
			}
		}
	}
	for (int q = 0; q < 2; q++) {
		bp_featmap_release(&sd[q].fm);
		free(sd[q].x);
		free(sd[q].pred);
		free(sd[q].y);
	}
	free(sa);
	free(sb);
	bp_row_release(&row);
	return o;
}

/* ---- strategy specs and stored metrics ----------------------------------- */

void
bp_model_spec_release(struct bp_model_spec *sp)
{
	if (!sp)
		return;
	free(sp->kind);
	free(sp->label);
	json_decref(sp->params);
	for (size_t i = 0; i < sp->nfeatures; i++)
		free(sp->features[i]);
	free(sp->features);
	memset(sp, 0, sizeof(*sp));
}

int
bp_model_spec_load(struct bp_model_spec *sp, const char *path)
{
	json_t *doc, *m, *v;
	int rc = -1;

	memset(sp, 0, sizeof(*sp));
	doc = bp_json_load_file(path);
	if (!doc)
		return -1;
	m = json_object_get(doc, "model");
	if (!json_is_object(m)) {
		bp_error("%s: no \"model\" object in the spec", path);
		goto out;
	}
	v = json_object_get(m, "kind");
	if (v && (!json_is_string(v) || !find_ops(json_string_value(v)))) {
		bp_error("%s: model.kind must be gbdt, logreg, linear or mlp",
			 path);
		goto out;
	}
	sp->kind = v ? bp_xstrdup(json_string_value(v)) : NULL;
	v = json_object_get(m, "label");
	if (v && !json_is_string(v)) {
		bp_error("%s: model.label must be a string", path);
		goto out;
	}
	sp->label = v ? bp_xstrdup(json_string_value(v)) : NULL;
	v = json_object_get(m, "params");
	if (v && !json_is_object(v)) {
		bp_error("%s: model.params must be an object", path);
		goto out;
	}
	sp->params = v ? json_deep_copy(v) : NULL;
	v = json_object_get(m, "features");
	if (v && !json_is_array(v)) {
		bp_error("%s: model.features must be a list of names", path);
		goto out;
	}
	sp->features = bp_xcalloc(json_array_size(v) + 1,
				  sizeof(*sp->features));
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (!json_is_string(json_array_get(v, i))) {
			bp_error("%s: model.features[%zu] is not a name", path,
				 i);
			goto out;
		}
		sp->features[sp->nfeatures++] =
			bp_xstrdup(json_string_value(json_array_get(v, i)));
	}
	rc = 0;
out:
	json_decref(doc);
	if (rc < 0)
		bp_model_spec_release(sp);
	return rc;
}

json_t *
bp_model_compare_metrics(const struct bp_model *a, const struct bp_model *b)
{
	json_t *out = json_object();
	const json_t *ma = json_object_get(a->info, "metrics");
	const json_t *mb = json_object_get(b->info, "metrics");
	const char *set = json_object_get(ma, "valid") &&
			  json_object_get(mb, "valid") ? "valid" : "train";
	const char *key;
	json_t *va;

	json_object_set_new(out, "set", json_string(set));
	json_object_foreach(json_object_get(ma, set), key, va) {
		json_t *vb = json_object_get(json_object_get(mb, set), key), *c;

		if (!vb || strcmp(key, "n") == 0)
			continue;
		c = json_object();
		json_object_set(c, "a", va);
		json_object_set(c, "b", vb);
		json_object_set_new(c, "diff", json_is_number(va) &&
				    json_is_number(vb) ? bp_json_real(
				    json_number_value(vb) -
				    json_number_value(va)) : json_null());
		json_object_set_new(out, key, c);
	}
	return out;
}
