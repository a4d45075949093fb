/*
 * driftcmp: reference vs current samples of a stream, column by column,
 * into bp-drift's JSON report.
 */
#include "driftcmp.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "fmt.h"
#include "jsonout.h"
#include "metrics.h"
#include "ts.h"
#include "util.h"

/* ---- samples ------------------------------------------------------------ */

struct dcol {
	char *name;
	double *v;		/* rows values (NaN: null or not a number) */
	size_t nnum;		/* rows holding a number */
	size_t nother;		/* rows holding a string or a boolean */
	long other_line;	/* first such line, for messages */
	int *cat;		/* category of each row (-1: none), or NULL */
	char **levels;		/* category texts */
	size_t nlevels, alevels;
};

struct bp_driftcmp_sample {
	char *name;
	size_t nrows, alloc;
	int64_t *ts;		/* INT64_MIN when the row has no ts */
	long no_ts_line;	/* first line without a ts, 0 if none */
	struct dcol *cols;
	size_t ncols, acols;
	size_t *slots;		/* open addressing: column + 1, 0 empty */
	size_t nslots;
	int *pos;		/* column of each field position last row */
	size_t apos;
	char last_date[10];	/* fast_ts: the last date seen, its day */
	int64_t last_day;
};

#define NO_TS INT64_MIN

struct bp_driftcmp_sample *
bp_driftcmp_sample_new(const char *name)
{
	struct bp_driftcmp_sample *s = bp_xcalloc(1, sizeof(*s));

	s->name = bp_xstrdup(name);
	s->nslots = 64;
	s->slots = bp_xcalloc(s->nslots, sizeof(*s->slots));
	return s;
}

void
bp_driftcmp_sample_free(struct bp_driftcmp_sample **sp)
{
	struct bp_driftcmp_sample *s = *sp;

	if (!s)
		return;
	for (size_t i = 0; i < s->ncols; i++) {
		struct dcol *c = &s->cols[i];

		free(c->name);
		free(c->v);
		free(c->cat);
		for (size_t j = 0; j < c->nlevels; j++)
			free(c->levels[j]);
		free(c->levels);
	}
	free(s->cols);
	free(s->slots);
	free(s->pos);
	free(s->ts);
	free(s->name);
	free(s);
	*sp = NULL;
}

size_t
bp_driftcmp_sample_rows(const struct bp_driftcmp_sample *s)
{
	return s->nrows;
}

static uint64_t
hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h;
}

/* Index of column key, or -1. */
static int
col_find(const struct bp_driftcmp_sample *s, const char *key, size_t n)
{
	size_t m = s->nslots - 1;

	for (size_t i = hash(key, n) & m; s->slots[i]; i = (i + 1) & m) {
		const struct dcol *c = &s->cols[s->slots[i] - 1];

		if (strlen(c->name) == n && !memcmp(c->name, key, n))
			return (int)(s->slots[i] - 1);
	}
	return -1;
}

static int
col_add(struct bp_driftcmp_sample *s, const char *key, size_t n)
{
	struct dcol *c;
	size_t m;

	if (2 * (s->ncols + 1) > s->nslots) {
		free(s->slots);
		s->nslots *= 2;
		s->slots = bp_xcalloc(s->nslots, sizeof(*s->slots));
		m = s->nslots - 1;
		for (size_t j = 0; j < s->ncols; j++) {
			const char *nm = s->cols[j].name;
			size_t i = hash(nm, strlen(nm)) & m;

			while (s->slots[i])
				i = (i + 1) & m;
			s->slots[i] = j + 1;
		}
	}
	BP_GROW(s->cols, s->acols, s->ncols + 1);
	c = &s->cols[s->ncols];
	memset(c, 0, sizeof(*c));
	c->name = bp_xstrndup(key, n);
	m = s->nslots - 1;
	{
		size_t i = hash(key, n) & m;

		while (s->slots[i])
			i = (i + 1) & m;
		s->slots[i] = s->ncols + 1;
	}
	return (int)s->ncols++;
}

static void
fill_nan(double *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		v[i] = NAN;
}

/* Make room for one more row in every array. */
static void
grow_rows(struct bp_driftcmp_sample *s)
{
	size_t old = s->alloc;

	if (s->nrows < s->alloc)
		return;
	s->alloc = s->alloc ? 2 * s->alloc : 1024;
	s->ts = bp_xreallocarray(s->ts, s->alloc, sizeof(*s->ts));
	for (size_t i = 0; i < s->ncols; i++) {
		struct dcol *c = &s->cols[i];

		if (c->v) {
			c->v = bp_xreallocarray(c->v, s->alloc, sizeof(*c->v));
			fill_nan(c->v, old, s->alloc);
		}
		if (c->cat) {
			c->cat = bp_xreallocarray(c->cat, s->alloc,
						  sizeof(*c->cat));
			for (size_t j = old; j < s->alloc; j++)
				c->cat[j] = -1;
		}
	}
}

static int
level_id(struct dcol *c, const char *text, size_t n)
{
	for (size_t i = 0; i < c->nlevels; i++)
		if (strlen(c->levels[i]) == n && !memcmp(c->levels[i], text, n))
			return (int)i;
	BP_GROW(c->levels, c->alevels, c->nlevels + 1);
	c->levels[c->nlevels] = bp_xstrndup(text, n);
	return (int)c->nlevels++;
}

static void
track_categories(struct bp_driftcmp_sample *s, struct dcol *c,
		 const char *const *cats)
{
	if (!cats || c->cat)
		return;
	for (; *cats; cats++) {
		if (!strcmp(*cats, c->name)) {
			c->cat = bp_xmalloc(s->alloc * sizeof(*c->cat));
			for (size_t j = 0; j < s->alloc; j++)
				c->cat[j] = -1;
			return;
		}
	}
}

/* Digits s[0..n) as a number, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * The canonical "YYYY-MM-DDTHH:MM:SSZ" fast: the date part usually repeats
 * from row to row, so its day number is cached.  Returns -1 for any other
 * form (then bp_ts_parse decides).
 */
static int
fast_ts(struct bp_driftcmp_sample *s, const char *t, size_t n, int64_t *ms)
{
	int h, mi, se;

	if (n != 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
	    t[19] != 'Z' || (h = digits(t + 11, 2)) < 0 || h > 23 ||
	    (mi = digits(t + 14, 2)) < 0 || mi > 59 ||
	    (se = digits(t + 17, 2)) < 0 || se > 59)
		return -1;
	if (memcmp(t, s->last_date, 10) != 0) {
		int64_t day;

		if (bp_ts_parse(t, 10, &day) < 0)
			return -1;
		memcpy(s->last_date, t, 10);
		s->last_day = day;
	}
	*ms = s->last_day + ((int64_t)h * 3600 + mi * 60 + se) * 1000;
	return 0;
}

static int
read_ts(struct bp_driftcmp_sample *s, struct bp_reader *r,
	const struct bp_field *f, int64_t *ts)
{
	double x;

	if (f->type == BP_STR && (fast_ts(s, f->str, f->len, ts) == 0 ||
				  bp_ts_parse(f->str, f->len, ts) == 0))
		return 0;
	if (f->type == BP_NUM && bp_field_num(f, &x) == 0 &&
	    bp_ts_from_epoch(x, ts) == 0)
		return 0;
	if (f->type == BP_NULL) {
		*ts = NO_TS;
		return 0;
	}
	return bp_error("%s:%ld: 'ts' is not a timestamp", bp_reader_name(r),
			bp_reader_lineno(r));
}

int
bp_driftcmp_sample_read(struct bp_driftcmp_sample *s, struct bp_reader *r,
			const char *const *cats)
{
	struct bp_row row = BP_ROW_INIT;
	int rc;

	while ((rc = bp_reader_next(r, &row)) > 0) {
		size_t ri = s->nrows;

		grow_rows(s);
		s->ts[ri] = NO_TS;
		if (row.n > s->apos) {
			size_t old = s->apos;

			BP_GROW(s->pos, s->apos, row.n);
			for (size_t i = old; i < s->apos; i++)
				s->pos[i] = -1;
		}
		for (size_t i = 0; i < row.n; i++) {
			const struct bp_field *f = &row.f[i];
			int ci = s->pos[i];
			struct dcol *c;

			if (f->keylen == 2 && !memcmp(f->key, "ts", 2)) {
				if (read_ts(s, r, f, &s->ts[ri]) < 0) {
					rc = -1;
					goto out;
				}
				continue;
			}
			if (ci < 0 || strlen(s->cols[ci].name) != f->keylen ||
			    memcmp(s->cols[ci].name, f->key, f->keylen)) {
				ci = col_find(s, f->key, f->keylen);
				if (ci < 0)
					ci = col_add(s, f->key, f->keylen);
				s->pos[i] = ci;
			}
			c = &s->cols[ci];
			track_categories(s, c, cats);
			if (f->type == BP_NUM) {
				if (!c->v) {
					c->v = bp_xmalloc(s->alloc *
							  sizeof(*c->v));
					fill_nan(c->v, 0, s->alloc);
				}
				if (bp_field_num(f, &c->v[ri]) == 0)
					c->nnum++;
			} else if (f->type != BP_NULL) {
				if (!c->nother++)
					c->other_line = row.lineno;
			}
			if (c->cat && f->type != BP_NULL) {
				if (f->type == BP_STR)
					c->cat[ri] = level_id(c, f->str,
							      f->len);
				else
					c->cat[ri] = level_id(c, f->raw,
							      f->rawlen);
			}
		}
		if (s->ts[ri] == NO_TS && !s->no_ts_line)
			s->no_ts_line = row.lineno;
		s->nrows++;
	}
out:
	bp_row_release(&row);
	return rc < 0 ? -1 : 0;
}

struct bp_driftcmp_sample *
bp_driftcmp_sample_load(const char *path, const char *const *cats)
{
	struct bp_reader *r = bp_reader_open(path);
	struct bp_driftcmp_sample *s;

	if (!r)
		return NULL;
	s = bp_driftcmp_sample_new(bp_reader_name(r));
	if (bp_driftcmp_sample_read(s, r, cats) < 0)
		bp_driftcmp_sample_free(&s);
	bp_reader_free(&r);
	return s;
}

struct load_job {
	const char *path;
	const char *const *cats;
	struct bp_driftcmp_sample *s;
};

static void *
load_thread(void *arg)
{
	struct load_job *j = arg;

	j->s = bp_driftcmp_sample_load(j->path, j->cats);
	return NULL;
}

int
bp_driftcmp_load_pair(const char *ref_path, const char *cur_path,
		      const char *const *cats,
		      struct bp_driftcmp_sample **ref,
		      struct bp_driftcmp_sample **cur)
{
	struct load_job job = { ref_path, cats, NULL };
	pthread_t t;
	int threaded = pthread_create(&t, NULL, load_thread, &job) == 0;

	if (!threaded)
		load_thread(&job);
	*cur = bp_driftcmp_sample_load(cur_path, cats);
	if (threaded)
		pthread_join(t, NULL);
	*ref = job.s;
	if (*ref && *cur)
		return 0;
	bp_driftcmp_sample_free(ref);
	bp_driftcmp_sample_free(cur);
	return -1;
}

int
bp_driftcmp_sample_numeric(const struct bp_driftcmp_sample *s,
			   const char *name)
{
	int ci = col_find(s, name, strlen(name));

	return ci >= 0 && !s->cols[ci].nother;
}

void
bp_driftcmp_sample_set(struct bp_driftcmp_sample *s, const char *name,
		       const double *v)
{
	int ci = col_find(s, name, strlen(name));
	struct dcol *c;

	if (ci < 0)
		ci = col_add(s, name, strlen(name));
	c = &s->cols[ci];
	if (!c->v)
		c->v = bp_xmalloc((s->alloc ? s->alloc : 1) * sizeof(*c->v));
	fill_nan(c->v, 0, s->alloc);
	c->nnum = 0;
	c->nother = 0;
	for (size_t i = 0; i < s->nrows; i++) {
		c->v[i] = v[i];
		c->nnum += !isnan(v[i]);
	}
}

double *
bp_driftcmp_sample_column(const struct bp_driftcmp_sample *s,
			  const char *name)
{
	int ci = col_find(s, name, strlen(name));
	double *v = bp_xmalloc((s->nrows ? s->nrows : 1) * sizeof(*v));

	for (size_t i = 0; i < s->nrows; i++)
		v[i] = ci >= 0 && s->cols[ci].v ? s->cols[ci].v[i] : NAN;
	return v;
}

/* ---- windows ------------------------------------------------------------ */

static int
is_date_only(const char *s, size_t n)
{
	return n == 10 && s[4] == '-' && s[7] == '-';
}

int
bp_window_parse(struct bp_window *w, const char *s)
{
	const char *dots = strstr(s, "..");
	size_t n = strlen(s);

	memset(w, 0, sizeof(*w));
	snprintf(w->text, sizeof(w->text), "%s", s);
	if (n >= sizeof(w->text))
		return -1;
	if (!strncmp(s, "last:", 5) || !strncmp(s, "first:", 6)) {
		const char *arg = strchr(s, ':') + 1;
		size_t an = strlen(arg);

		w->kind = s[0] == 'l' ? BP_WINDOW_LAST : BP_WINDOW_FIRST;
		if (an > 1 && arg[an - 1] == '%') {
			if (bp_parse_double(arg, an - 1, &w->pct) < 0 ||
			    !(w->pct > 0 && w->pct <= 100))
				return -1;
			return 0;
		}
		return bp_ts_parse_duration(arg, &w->dur) == 0 && w->dur > 0
		       ? 0 : -1;
	}
	if (!dots)
		return -1;
	w->kind = BP_WINDOW_RANGE;
	w->from = INT64_MIN;
	w->to = INT64_MAX;
	if (dots > s && bp_ts_parse(s, dots - s, &w->from) < 0)
		return -1;
	if (dots[2]) {
		const char *to = dots + 2;
		size_t tn = strlen(to);

		if (bp_ts_parse(to, tn, &w->to) < 0)
			return -1;
		/* the whole day of a date, the very millisecond of a time */
		w->to += is_date_only(to, tn) ? 86400000 : 1;
	}
	if (dots == s && !dots[2])
		return -1;
	return w->from < w->to ? 0 : -1;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The rows of s in window w, as a 0/1 mask; returns the count, or -1
 * after reporting (a window that needs ts on rows without one).
 */
long
bp_driftcmp_select(const struct bp_driftcmp_sample *s,
		   const struct bp_window *w, const char *opt,
		   unsigned char *mask)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;	/* lo <= ts < hi */
	long count = 0;

	if (w->kind == BP_WINDOW_ALL) {
		memset(mask, 1, s->nrows);
		return (long)s->nrows;
	}
	if (s->no_ts_line)
		return bp_error("%s:%ld: 'ts' is missing (%s needs it)",
				s->name, s->no_ts_line, opt);
	if (w->kind == BP_WINDOW_RANGE) {
		lo = w->from;
		hi = w->to;
	} else if (s->nrows > 0 && w->dur > 0) {
		int64_t mn = INT64_MAX, mx = INT64_MIN;

		for (size_t i = 0; i < s->nrows; i++) {
			if (s->ts[i] < mn)
				mn = s->ts[i];
			if (s->ts[i] > mx)
				mx = s->ts[i];
		}
		if (w->kind == BP_WINDOW_LAST)
			lo = mx - w->dur + 1;	/* ts > max - dur */
		else
			hi = mn + w->dur;	/* ts < min + dur */
	} else if (s->nrows > 0) {
		int64_t *t = bp_xmalloc(s->nrows * sizeof(*t));
		size_t k = (size_t)ceil(w->pct / 100.0 * (double)s->nrows);

		memcpy(t, s->ts, s->nrows * sizeof(*t));
		qsort(t, s->nrows, sizeof(*t), cmp_i64);
		if (k > s->nrows)
			k = s->nrows;
		if (w->kind == BP_WINDOW_FIRST)
			hi = k ? t[k - 1] + 1 : INT64_MIN;
		else
			lo = k ? t[s->nrows - k] : INT64_MAX;
		free(t);
	}
	for (size_t i = 0; i < s->nrows; i++) {
		mask[i] = s->ts[i] >= lo && s->ts[i] < hi;
		count += mask[i];
	}
	return count;
}

/* ---- the comparison ------------------------------------------------------ */

void
bp_driftcmp_opts_init(struct bp_driftcmp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bins = 10;
	o->psi_eps = 1e-4;
	o->score = "score";
	o->signal = "signal";
	o->threshold = 0.5;
	bp_severity_init(&o->sev);
}

static json_t *
level_json(enum bp_level l)
{
	return json_string(bp_level_name(l));
}

static enum bp_level
max_level(enum bp_level a, enum bp_level b)
{
	return a > b ? a : b;
}

static void
setnum(json_t *o, const char *key, double x)
{
	json_object_set_new(o, key, bp_json_real(x));
}

struct sort_job {
	double *x;
	size_t n;
};

static void *
sort_thread(void *arg)
{
	struct sort_job *j = arg;

	bp_drift_sort(j->x, j->n);
	return NULL;
}

/* Sort both samples, side by side when they are large. */
static void
sort_pair(double *x, size_t nx, double *y, size_t ny)
{
	struct sort_job job = { x, nx };
	pthread_t t;

	if (nx + ny < 200000 || pthread_create(&t, NULL, sort_thread, &job)) {
		bp_drift_sort(x, nx);
		bp_drift_sort(y, ny);
		return;
	}
	bp_drift_sort(y, ny);
	pthread_join(t, NULL);
}

json_t *
bp_driftcmp_column(const struct bp_driftcmp_opts *o, const char *name,
		   double *x, size_t nx, size_t rows_x, double *y, size_t ny,
		   size_t rows_y)
{
	const struct bp_severity *sev = &o->sev;
	json_t *c = json_object(), *t = json_object(), *nr = json_object();
	enum bp_level level, l;
	double null_ref, null_cur;

	json_object_set_new(c, "column", json_string(name));
	json_object_set_new(c, "rows_ref", json_integer((json_int_t)rows_x));
	json_object_set_new(c, "rows_cur", json_integer((json_int_t)rows_y));
	json_object_set_new(c, "n_ref", json_integer((json_int_t)nx));
	json_object_set_new(c, "n_cur", json_integer((json_int_t)ny));
	null_ref = rows_x ? 1.0 - (double)nx / (double)rows_x : NAN;
	null_cur = rows_y ? 1.0 - (double)ny / (double)rows_y : NAN;
	setnum(nr, "ref", null_ref);
	setnum(nr, "cur", null_cur);
	setnum(nr, "change", null_cur - null_ref);
	level = bp_thresholds_grade(&sev->null_rate, fabs(null_cur - null_ref));
	json_object_set_new(nr, "level", level_json(level));
	if (nx == 0 || ny == 0) {
		json_object_set_new(c, "skipped", json_string(
			nx == 0 && ny == 0 ? "no values in either sample" :
			nx == 0 ? "no values in the reference" :
				  "no values in the current sample"));
		json_object_set_new(t, "ks", json_null());
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
	sort_pair(x, nx, y, ny);
	{
		struct bp_moments mx, my;
		struct bp_ks ks;
		double *edges = bp_xcalloc(o->bins, sizeof(*edges));
		size_t ne = bp_drift_edges(edges, x, nx, o->bins), k = ne + 1;
		size_t *rc = bp_xcalloc(k, sizeof(*rc));
		size_t *cc = bp_xcalloc(k, sizeof(*cc));
		double psi, js, w1, w1sd, shift, ratio;
		json_t *e;

		bp_drift_moments(&mx, x, nx);
		bp_drift_moments(&my, y, ny);
		setnum(c, "mean_ref", mx.mean);
		setnum(c, "mean_cur", my.mean);
		setnum(c, "sd_ref", mx.sd);
		setnum(c, "sd_cur", my.sd);

		bp_drift_ks(&ks, x, nx, y, ny);
		e = json_object();
		setnum(e, "statistic", ks.statistic);
		setnum(e, "pvalue", ks.pvalue);
		json_object_set_new(e, "method", json_string(
			ks.method == BP_KS_EXACT ? "exact" : "asymp"));
		/* significant AND large: the lower of the two grades */
		l = bp_thresholds_grade(&sev->ks_p, ks.pvalue);
		if (bp_thresholds_grade(&sev->ks_d, ks.statistic) < l)
			l = bp_thresholds_grade(&sev->ks_d, ks.statistic);
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(t, "ks", e);
		level = max_level(level, l);

		bp_drift_bin_counts(rc, edges, ne, x, nx);
		bp_drift_bin_counts(cc, edges, ne, y, ny);
		psi = bp_drift_psi(rc, nx, cc, ny, k, o->psi_eps);
		js = bp_drift_js(rc, nx, cc, ny, k);
		e = json_object();
		setnum(e, "value", psi);
		json_object_set_new(e, "bins", json_integer((json_int_t)k));
		l = bp_thresholds_grade(&sev->psi, psi);
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(t, "psi", e);
		level = max_level(level, l);
		e = json_object();
		setnum(e, "value", js);
		l = bp_thresholds_grade(&sev->js, js);
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(t, "js", e);
		level = max_level(level, l);

		/* no sd-normalised figures for a constant reference */
		w1 = bp_drift_wasserstein(x, nx, y, ny);
		w1sd = mx.sd > 0 ? w1 / mx.sd : NAN;
		shift = mx.sd > 0 ? (my.mean - mx.mean) / mx.sd : NAN;
		ratio = mx.sd > 0 ? my.sd / mx.sd : NAN;
		e = json_object();
		setnum(e, "value", w1);
		setnum(e, "sd_units", w1sd);
		l = bp_thresholds_grade(&sev->wasserstein, w1sd);
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(t, "wasserstein", e);
		level = max_level(level, l);
		e = json_object();
		setnum(e, "value", shift);
		l = bp_thresholds_grade(&sev->mean_shift, fabs(shift));
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(t, "mean_shift", e);
		level = max_level(level, l);
		e = json_object();
		setnum(e, "value", ratio - 1);
		setnum(e, "ratio", ratio);
		l = bp_thresholds_grade(&sev->std_shift, fabs(ratio - 1));
		json_object_set_new(e, "level", level_json(l));
		json_object_set_new(t, "std_shift", e);
		level = max_level(level, l);
		free(edges);
		free(rc);
		free(cc);
	}
	json_object_set_new(t, "null_rate", nr);
	json_object_set_new(c, "tests", t);
	json_object_set_new(c, "level", level_json(level));
	return c;
}

/* The non-null values of column ci of s in mask; *rows gets the rows. */
static double *
gather(const struct bp_driftcmp_sample *s, int ci, const unsigned char *mask,
       size_t *n, size_t *rows)
{
	const struct dcol *c = ci >= 0 ? &s->cols[ci] : NULL;
	double *x = bp_xmalloc((s->nrows ? s->nrows : 1) * sizeof(*x));

	*n = *rows = 0;
	for (size_t i = 0; i < s->nrows; i++) {
		if (!mask[i])
			continue;
		(*rows)++;
		if (c && c->v && !isnan(c->v[i]))
			x[(*n)++] = c->v[i];
	}
	return x;
}

static json_t *
compare_column(const struct bp_driftcmp_opts *o,
	       const struct bp_driftcmp_sample *ref, const unsigned char *rm,
	       const struct bp_driftcmp_sample *cur, const unsigned char *cm,
	       const char *name)
{
	size_t nx, ny, rx, ry;
	double *x = gather(ref, col_find(ref, name, strlen(name)), rm, &nx,
			   &rx);
	double *y = gather(cur, col_find(cur, name, strlen(name)), cm, &ny,
			   &ry);
	json_t *c = bp_driftcmp_column(o, name, x, nx, rx, y, ny, ry);

	free(x);
	free(y);
	return c;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The mix of a categorical column (the signal): PSI and chi-square. */
static json_t *
compare_categories(const struct bp_driftcmp_opts *o,
		   const struct bp_driftcmp_sample *ref,
		   const unsigned char *rm,
		   const struct bp_driftcmp_sample *cur,
		   const unsigned char *cm, const char *name)
{
	const struct dcol *a = &ref->cols[col_find(ref, name, strlen(name))];
	const struct dcol *b = &cur->cols[col_find(cur, name, strlen(name))];
	size_t k = 0, na = 0, nb = 0, *rc, *cc;
	const char **lv = bp_xcalloc(a->nlevels + b->nlevels + 1, sizeof(*lv));
	json_t *s = json_object(), *cats = json_array(), *chi = json_object();
	struct bp_chi2 c2;
	enum bp_level l;
	double psi;

	for (size_t i = 0; i < a->nlevels; i++)
		lv[k++] = a->levels[i];
	for (size_t i = 0; i < b->nlevels; i++)
		lv[k++] = b->levels[i];
	qsort(lv, k, sizeof(*lv), cmp_str);
	if (k > 1) {
		size_t u = 1;

		for (size_t i = 1; i < k; i++)
			if (strcmp(lv[i], lv[u - 1]))
				lv[u++] = lv[i];
		k = u;
	}
	rc = bp_xcalloc(k + 1, sizeof(*rc));
	cc = bp_xcalloc(k + 1, sizeof(*cc));
	for (int side = 0; side < 2; side++) {
		const struct dcol *c = side ? b : a;
		const struct bp_driftcmp_sample *smp = side ? cur : ref;
		const unsigned char *m = side ? cm : rm;
		size_t *cnt = side ? cc : rc, *tot = side ? &nb : &na;
		size_t *map = bp_xcalloc(c->nlevels + 1, sizeof(*map));

		for (size_t i = 0; i < c->nlevels; i++) {
			const char **p = bsearch(&c->levels[i], lv, k,
						 sizeof(*lv), cmp_str);

			map[i] = (size_t)(p - lv);
		}
		for (size_t i = 0; i < smp->nrows; i++) {
			if (!m[i] || !c->cat || c->cat[i] < 0)
				continue;
			cnt[map[c->cat[i]]]++;
			(*tot)++;
		}
		free(map);
	}
	json_object_set_new(s, "column", json_string(name));
	json_object_set_new(s, "n_ref", json_integer((json_int_t)na));
	json_object_set_new(s, "n_cur", json_integer((json_int_t)nb));
	for (size_t i = 0; i < k; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "value", json_string(lv[i]));
		json_object_set_new(e, "n_ref",
				    json_integer((json_int_t)rc[i]));
		json_object_set_new(e, "n_cur",
				    json_integer((json_int_t)cc[i]));
		setnum(e, "ref", na ? (double)rc[i] / (double)na : NAN);
		setnum(e, "cur", nb ? (double)cc[i] / (double)nb : NAN);
		json_array_append_new(cats, e);
	}
	json_object_set_new(s, "categories", cats);
	psi = na && nb ? bp_drift_psi(rc, na, cc, nb, k, o->psi_eps) : NAN;
	bp_drift_chi2(&c2, rc, cc, k);
	setnum(s, "psi", psi);
	setnum(chi, "statistic", c2.statistic);
	setnum(chi, "df", c2.df);
	setnum(chi, "pvalue", c2.pvalue);
	json_object_set_new(s, "chi2", chi);
	l = bp_thresholds_grade(&o->sev.psi, psi);
	json_object_set_new(s, "level", level_json(l));
	free(lv);
	free(rc);
	free(cc);
	return s;
}

/* (label, score) pairs of the rows of s in mask where both are numbers. */
static size_t
gather_pairs(const struct bp_driftcmp_sample *s, const unsigned char *mask,
	     const char *label, const char *score, double **y, double **p)
{
	const struct dcol *a = &s->cols[col_find(s, label, strlen(label))];
	const struct dcol *b = &s->cols[col_find(s, score, strlen(score))];
	size_t n = 0;

	*y = bp_xmalloc((s->nrows ? s->nrows : 1) * sizeof(**y));
	*p = bp_xmalloc((s->nrows ? s->nrows : 1) * sizeof(**p));
	for (size_t i = 0; i < s->nrows; i++) {
		if (!mask[i] || !a->v || !b->v || isnan(a->v[i]) ||
		    isnan(b->v[i]))
			continue;
		(*y)[n] = a->v[i];
		(*p)[n++] = b->v[i];
	}
	return n;
}

static int
binary_labels(const double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (y[i] != 0 && y[i] != 1)
			return 0;
	return 1;
}

/* One metric on both samples, its relative degradation and level. */
static json_t *
metric_json(const struct bp_driftcmp_opts *o, const char *name, double ref,
	    double cur, enum bp_level *level)
{
	json_t *m = json_object();
	int higher = bp_metrics_higher_is_better(name);
	double deg = ref != 0 && !isnan(ref) && !isnan(cur)
		     ? (higher ? ref - cur : cur - ref) / fabs(ref) * 100
		     : NAN;
	enum bp_level l = bp_thresholds_grade(&o->sev.degrade, deg);

	setnum(m, "ref", ref);
	setnum(m, "cur", cur);
	setnum(m, "degradation_pct", deg);
	json_object_set_new(m, "level", level_json(l));
	*level = max_level(*level, l);
	return m;
}

/*
 * Performance drift: the model's metrics on the reference rows and on the
 * current rows (lib/metrics, scikit-learn's definitions).
 */
static json_t *
compare_performance(const struct bp_driftcmp_opts *o,
		    const struct bp_driftcmp_sample *ref,
		    const unsigned char *rm,
		    const struct bp_driftcmp_sample *cur,
		    const unsigned char *cm)
{
	double *y[2], *p[2];
	size_t n[2];
	int cls;
	json_t *perf = NULL, *mets;
	enum bp_level level = BP_LEVEL_NONE;

	n[0] = gather_pairs(ref, rm, o->label, o->score, &y[0], &p[0]);
	n[1] = gather_pairs(cur, cm, o->label, o->score, &y[1], &p[1]);
	cls = binary_labels(y[0], n[0]) && binary_labels(y[1], n[1]);
	if (o->task == BP_DRIFTCMP_TASK_CLASSIFICATION && !cls) {
		bp_error("'%s' holds values other than 0 and 1 (--task "
			 "classification)", o->label);
		goto out;
	}
	if (o->task == BP_DRIFTCMP_TASK_REGRESSION)
		cls = 0;
	perf = json_object();
	mets = json_object();
	json_object_set_new(perf, "label", json_string(o->label));
	json_object_set_new(perf, "score", json_string(o->score));
	json_object_set_new(perf, "task", json_string(cls ? "classification"
							  : "regression"));
	json_object_set_new(perf, "n_ref", json_integer((json_int_t)n[0]));
	json_object_set_new(perf, "n_cur", json_integer((json_int_t)n[1]));
	if (cls) {
		struct bp_confusion c[2];
		double ll[2], auc[2];

		for (int i = 0; i < 2; i++) {
			ll[i] = n[i] ? bp_metrics_logloss(y[i], p[i], n[i])
				     : NAN;
			auc[i] = n[i] ? bp_metrics_auc(y[i], p[i], n[i]) : NAN;
			bp_metrics_confusion(&c[i], y[i], p[i], n[i],
					     o->threshold);
		}
		json_object_set_new(mets, "logloss", metric_json(o, "logloss",
			ll[0], ll[1], &level));
		json_object_set_new(mets, "auc", metric_json(o, "auc", auc[0],
			auc[1], &level));
		json_object_set_new(mets, "accuracy", metric_json(o,
			"accuracy", n[0] ? bp_metrics_accuracy(&c[0]) : NAN,
			n[1] ? bp_metrics_accuracy(&c[1]) : NAN, &level));
	} else {
		json_object_set_new(mets, "mae", metric_json(o, "mae",
			n[0] ? bp_metrics_mae(y[0], p[0], n[0]) : NAN,
			n[1] ? bp_metrics_mae(y[1], p[1], n[1]) : NAN, &level));
		json_object_set_new(mets, "rmse", metric_json(o, "rmse",
			n[0] ? bp_metrics_rmse(y[0], p[0], n[0]) : NAN,
			n[1] ? bp_metrics_rmse(y[1], p[1], n[1]) : NAN,
			&level));
	}
	json_object_set_new(perf, "metrics", mets);
	json_object_set_new(perf, "level", level_json(level));
out:
	for (int i = 0; i < 2; i++) {
		free(y[i]);
		free(p[i]);
	}
	return perf;
}

static int
is_label(const char *name)
{
	return !strncmp(name, "label_", 6);
}

/* Default selection: numeric (or all-null) in both, not special. */
static int
default_column(const struct bp_driftcmp_opts *o, const struct dcol *c,
	       const struct bp_driftcmp_sample *cur)
{
	int j;

	if (c->nother || (is_label(c->name) && !o->include_labels))
		return 0;
	if (!strcmp(c->name, o->score) || !strcmp(c->name, o->signal) ||
	    (o->label && !strcmp(c->name, o->label)))
		return 0;
	j = col_find(cur, c->name, strlen(c->name));
	return j >= 0 && !cur->cols[j].nother;
}

static int
check_column(const struct bp_driftcmp_sample *s, const char *name)
{
	int ci = col_find(s, name, strlen(name));

	if (ci < 0)
		return bp_error("%s: unknown column '%s'", s->name, name);
	if (s->cols[ci].nother)
		return bp_error("%s:%ld: '%s' is not a number", s->name,
				s->cols[ci].other_line, name);
	return 0;
}

json_t *
bp_driftcmp_source_json(const struct bp_driftcmp_sample *s,
			const struct bp_window *w, const unsigned char *mask,
			long rows)
{
	json_t *o = json_object();
	int64_t mn = INT64_MAX, mx = INT64_MIN;
	char buf[BP_TS_BUFSZ];

	json_object_set_new(o, "source", json_string(s->name));
	json_object_set_new(o, "window", w->kind == BP_WINDOW_ALL
			    ? json_null() : json_string(w->text));
	json_object_set_new(o, "rows", json_integer(rows));
	for (size_t i = 0; i < s->nrows; i++) {
		if (!mask[i] || s->ts[i] == NO_TS)
			continue;
		if (s->ts[i] < mn)
			mn = s->ts[i];
		if (s->ts[i] > mx)
			mx = s->ts[i];
	}
	if (mn <= mx) {
		bp_ts_format(buf, mn);
		json_object_set_new(o, "from", json_string(buf));
		bp_ts_format(buf, mx);
		json_object_set_new(o, "to", json_string(buf));
	} else {
		json_object_set_new(o, "from", json_null());
		json_object_set_new(o, "to", json_null());
	}
	return o;
}

static int
has_column(const struct bp_driftcmp_sample *s, const char *name)
{
	return name && col_find(s, name, strlen(name)) >= 0;
}

json_t *
bp_driftcmp_run(const struct bp_driftcmp_opts *o,
		struct bp_driftcmp_sample *ref, struct bp_driftcmp_sample *cur)
{
	unsigned char *rm = bp_xmalloc(ref->nrows + 1);
	unsigned char *cm = bp_xmalloc(cur->nrows + 1);
	json_t *report = NULL, *cols = json_array(), *pred = NULL;
	json_t *perf = NULL;
	long nr, nc;
	json_t *opt;

	nr = bp_driftcmp_select(ref, &o->ref_window, "--ref-window", rm);
	nc = nr < 0 ? -1 : bp_driftcmp_select(cur, &o->cur_window,
					      "--cur-window",
				       cm);
	if (nr < 0 || nc < 0)
		goto fail;
	if (nr == 0) {
		bp_error(o->ref_window.kind == BP_WINDOW_ALL
			 ? "%s: the reference is empty"
			 : "%s: no rows in the reference window", ref->name);
		goto fail;
	}
	if (nc == 0) {
		bp_error(o->cur_window.kind == BP_WINDOW_ALL
			 ? "%s: the current sample is empty"
			 : "%s: no rows in the current window", cur->name);
		goto fail;
	}
	if (o->columns) {
		for (size_t i = 0; i < o->ncolumns; i++) {
			if (check_column(ref, o->columns[i]) < 0 ||
			    check_column(cur, o->columns[i]) < 0)
				goto fail;
			json_array_append_new(cols, compare_column(o, ref, rm,
				cur, cm, o->columns[i]));
		}
	} else {
		for (size_t i = 0; i < ref->ncols; i++)
			if (default_column(o, &ref->cols[i], cur))
				json_array_append_new(cols, compare_column(o,
					ref, rm, cur, cm, ref->cols[i].name));
	}
	if (has_column(ref, o->score) && has_column(cur, o->score) &&
	    !ref->cols[col_find(ref, o->score, strlen(o->score))].nother &&
	    !cur->cols[col_find(cur, o->score, strlen(o->score))].nother) {
		pred = json_object();
		json_object_set_new(pred, "score", compare_column(o, ref, rm,
			cur, cm, o->score));
	}
	if (has_column(ref, o->signal) && has_column(cur, o->signal)) {
		if (!pred)
			pred = json_object();
		json_object_set_new(pred, "signal", compare_categories(o, ref,
			rm, cur, cm, o->signal));
	}
	if (o->label) {
		if (check_column(ref, o->label) < 0 ||
		    check_column(cur, o->label) < 0)
			goto fail;
		if (!has_column(ref, o->score) || !has_column(cur, o->score)) {
			bp_error("performance drift needs the prediction "
				 "column '%s' in both samples", o->score);
			goto fail;
		}
		if (check_column(ref, o->score) < 0 ||
		    check_column(cur, o->score) < 0 ||
		    !(perf = compare_performance(o, ref, rm, cur, cm)))
			goto fail;
	}
	if (!json_array_size(cols) && !pred) {
		bp_error("%s and %s have no numeric column in common",
			 ref->name, cur->name);
		goto fail;
	}
	if (pred) {
		enum bp_level l = max_level(
			bp_report_level(json_object_get(pred, "score")),
			bp_report_level(json_object_get(pred, "signal")));

		if (!json_object_get(pred, "score"))
			json_object_set_new(pred, "score", json_null());
		if (!json_object_get(pred, "signal"))
			json_object_set_new(pred, "signal", json_null());
		json_object_set_new(pred, "level", level_json(l));
	}
	report = json_object();
	json_object_set_new(report, "format",
			    json_string("barpipe-drift-report"));
	json_object_set_new(report, "version", json_integer(1));
	json_object_set_new(report, "name", o->name ? json_string(o->name)
						    : json_null());
	json_object_set_new(report, "reference",
			    bp_driftcmp_source_json(ref, &o->ref_window, rm,
						    nr));
	json_object_set_new(report, "current",
			    bp_driftcmp_source_json(cur, &o->cur_window, cm,
						    nc));
	opt = json_object();
	json_object_set_new(opt, "bins", json_integer(o->bins));
	setnum(opt, "psi_epsilon", o->psi_eps);
	json_object_set_new(report, "options", opt);
	json_object_set_new(report, "thresholds", bp_severity_json(&o->sev));
	json_object_set_new(report, "columns", cols);
	json_object_set_new(report, "prediction", pred ? pred : json_null());
	json_object_set_new(report, "performance", perf ? perf : json_null());
	bp_driftcmp_finish(report);
	free(rm);
	free(cm);
	return report;
fail:
	json_decref(cols);
	json_decref(pred);
	json_decref(perf);
	free(rm);
	free(cm);
	return NULL;
}

/* ---- findings ------------------------------------------------------------ */

struct finding {
	enum bp_level level;
	size_t order;
	json_t *obj;
};

struct findings {
	struct finding *f;
	size_t n, alloc;
};

static void
add_finding(struct findings *fs, const char *where, const char *test,
	    const json_t *res, const char *valkey)
{
	enum bp_level l = bp_report_level(res);
	json_t *o;

	if (l == BP_LEVEL_NONE)
		return;
	o = json_object();
	json_object_set_new(o, "where", json_string(where));
	json_object_set_new(o, "test", json_string(test));
	json_object_set(o, "value", valkey && json_object_get(res, valkey)
			? json_object_get(res, valkey) : json_null());
	json_object_set_new(o, "level", level_json(l));
	BP_GROW(fs->f, fs->alloc, fs->n + 1);
	fs->f[fs->n].level = l;
	fs->f[fs->n].order = fs->n;
	fs->f[fs->n].obj = o;
	fs->n++;
}

static const struct {
	const char *test, *valkey;
} column_tests[] = {
	{ "ks", "pvalue" }, { "psi", "value" }, { "js", "value" },
	{ "wasserstein", "sd_units" }, { "mean_shift", "value" },
	{ "std_shift", "value" }, { "null_rate", "change" },
};

static void
column_findings(struct findings *fs, const json_t *c)
{
	const json_t *t = json_object_get(c, "tests");
	const char *name = json_string_value(json_object_get(c, "column"));

	for (size_t i = 0; i < BP_ARRAY_SIZE(column_tests); i++) {
		const json_t *r = json_object_get(t, column_tests[i].test);

		if (json_is_object(r))
			add_finding(fs, name ? name : "?", column_tests[i].test,
				    r, column_tests[i].valkey);
	}
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

enum bp_level
bp_driftcmp_finish(json_t *report)
{
	struct findings fs = { NULL, 0, 0 };
	const json_t *c, *pred = json_object_get(report, "prediction");
	const json_t *perf = json_object_get(report, "performance");
	enum bp_level level = BP_LEVEL_NONE;
	json_t *arr = json_array();
	size_t i;

	json_array_foreach(json_object_get(report, "columns"), i, c) {
		column_findings(&fs, c);
		level = max_level(level, bp_report_level(c));
	}
	if (json_is_object(pred)) {
		const json_t *sig = json_object_get(pred, "signal");

		if (json_is_object(json_object_get(pred, "score")))
			column_findings(&fs, json_object_get(pred, "score"));
		if (json_is_object(sig))
			add_finding(&fs, json_string_value(json_object_get(sig,
				"column")), "signal_mix", sig, "psi");
		level = max_level(level, bp_report_level(pred));
	}
	if (json_is_object(perf)) {
		const char *key;
		const json_t *m;

		json_object_foreach((json_t *)json_object_get(perf, "metrics"),
				    key, m)
			add_finding(&fs, "performance", key, m,
				    "degradation_pct");
		level = max_level(level, bp_report_level(perf));
	}
	if (fs.n)
		qsort(fs.f, fs.n, sizeof(*fs.f), cmp_finding);
	for (i = 0; i < fs.n; i++)
		json_array_append_new(arr, fs.f[i].obj);
	free(fs.f);
	json_object_set_new(report, "findings", arr);
	json_object_set_new(report, "level", level_json(level));
	json_object_set_new(report, "recommendation",
			    json_string(bp_level_action(level)));
	return level;
}
