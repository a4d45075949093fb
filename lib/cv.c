/*
 * cv: split schemes over distinct timestamps, purging, embargo, CPCV
 * combinations and paths (see cv.h for the definitions).
 *
 * References: scikit-learn's TimeSeriesSplit (expanding, sliding);
 * M. Lopez de Prado, Advances in Financial Machine Learning (2018),
 * ch. 7.4 (purging, embargo) and ch. 12 (combinatorial purged CV, paths).
 */
#include "cv.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonout.h"
#include "stream.h"
#include "ts.h"

const char *const bp_cv_scheme_names[] = {
	"expanding", "sliding", "walk-forward", "purged-kfold", "cpcv", NULL,
};

static const char *const role_names[] = {
	"unused", "train", "test", "purged", "embargo",
};

/* at most this many folds: C(N, k) grows fast */
#define MAX_FOLDS 100000L

int
bp_cv_scheme_purges(enum bp_cv_scheme s)
{
	return s == BP_CV_PURGED_KFOLD || s == BP_CV_CPCV;
}

/* bp-cv's names of the sizes, by bit of enum bp_cv_opt_flags */
static const char *const opt_names[BP_CV_OPT_N] = {
	"folds", "test-size", "train-size", "gap", "step", "refit-every",
	"embargo", "groups", "test-groups",
};

/* the sizes each scheme takes */
static const unsigned scheme_opts[] = {
	[BP_CV_EXPANDING] = BP_CV_OPT_FOLDS | BP_CV_OPT_TEST_SIZE |
			    BP_CV_OPT_GAP,
	[BP_CV_SLIDING] = BP_CV_OPT_FOLDS | BP_CV_OPT_TEST_SIZE |
			  BP_CV_OPT_GAP | BP_CV_OPT_TRAIN_SIZE,
	[BP_CV_WALK_FORWARD] = BP_CV_OPT_FOLDS | BP_CV_OPT_TRAIN_SIZE |
			       BP_CV_OPT_TEST_SIZE | BP_CV_OPT_STEP |
			       BP_CV_OPT_REFIT_EVERY | BP_CV_OPT_EMBARGO,
	[BP_CV_PURGED_KFOLD] = BP_CV_OPT_FOLDS | BP_CV_OPT_EMBARGO,
	[BP_CV_CPCV] = BP_CV_OPT_GROUPS | BP_CV_OPT_TEST_GROUPS |
		       BP_CV_OPT_EMBARGO,
};

int
bp_cv_opts_check(const struct bp_cv_opts *o, unsigned given, char *err,
		 size_t errlen)
{
	const char *name = bp_cv_scheme_names[o->scheme];

	for (int i = 0; i < BP_CV_OPT_N; i++)
		if ((given & 1u << i) && !(scheme_opts[o->scheme] & 1u << i)) {
			snprintf(err, errlen, "--%s: not an option of scheme "
				 "'%s'", opt_names[i], name);
			return -1;
		}
	if (o->scheme == BP_CV_SLIDING && !o->train_size)
		snprintf(err, errlen, "scheme '%s' needs --train-size", name);
	else if (o->scheme == BP_CV_WALK_FORWARD && o->folds &&
		 o->train_size && o->test_size)
		snprintf(err, errlen, "--folds: walk-forward counts its folds "
			 "from --train-size and --test-size");
	else if (o->scheme == BP_CV_CPCV && o->groups &&
		 o->test_groups >= o->groups)
		snprintf(err, errlen, "--test-groups: must be below --groups "
			 "(%ld)", o->groups);
	else
		return 0;
	return -1;
}

const char *
bp_cv_role_name(int role)
{
	if (role < 0 || role > BP_CV_EMBARGO)
		return "unused";
	return role_names[role];
}

/* ---- plans ------------------------------------------------------------ */

struct segs {
	struct bp_cv_seg *v;
	size_t n, alloc;
};

/* Append [lo, hi) with role, merging with a previous run of that role. */
static void
seg_add(struct segs *s, size_t first, long lo, long hi, int role)
{
	if (hi <= lo)
		return;
	if (s->n > first && s->v[s->n - 1].role == role &&
	    s->v[s->n - 1].hi == lo) {
		s->v[s->n - 1].hi = hi;
		return;
	}
	BP_GROW(s->v, s->alloc, s->n + 1);
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->v[s->n].role = role;
	s->n++;
}

/* Start of block i of n over T items, numpy.array_split's sizes. */
static long
split_lo(long T, long n, long i)
{
	return i * (T / n) + (i < T % n ? i : T % n);
}

/* C(n, k), or -1 when above MAX_FOLDS. */
static long
choose(long n, long k)
{
	double c = 1;

	for (long i = 1; i <= k; i++) {
		c = c * (double)(n - k + i) / (double)i;
		if (c > (double)MAX_FOLDS + 0.5)
			return -1;
	}
	return (long)(c + 0.5);
}

static long
resolve_embargo(const struct bp_cv_opts *o, long T)
{
	if (o->embargo_frac >= 0)
		return (long)floor(o->embargo_frac * (double)T);
	return o->embargo;
}

static int
plan_expanding(struct bp_cv_plan *p, struct segs *s)
{
	struct bp_cv_opts *o = &p->opt;
	long T = p->nts, K = o->folds, N;

	if (K + 1 > T)
		return bp_error("more folds (%ld, plus the first training "
				"block) than timestamps (%ld)", K, T);
	if (!o->test_size)
		o->test_size = T / (K + 1);
	N = o->test_size;
	if (T - o->gap - N * K <= 0)
		return bp_error("too few timestamps (%ld) for %ld folds of "
				"test size %ld with gap %ld", T, K, N, o->gap);
	p->gap = o->gap;
	p->nfolds = K;
	p->segoff = bp_xcalloc((size_t)K + 1, sizeof(*p->segoff));
	for (long f = 0; f < K; f++) {
		long ts = T - K * N + f * N, te = ts + N;
		long train_end = ts - o->gap, train_lo = 0;

		if (o->scheme == BP_CV_SLIDING && train_end > o->train_size)
			train_lo = train_end - o->train_size;
		p->segoff[f] = s->n;
		seg_add(s, s->n, 0, train_lo, BP_CV_UNUSED);
		seg_add(s, p->segoff[f], train_lo, train_end, BP_CV_TRAIN);
		seg_add(s, p->segoff[f], train_end, ts, BP_CV_EMBARGO);
		seg_add(s, p->segoff[f], ts, te, BP_CV_TEST);
		seg_add(s, p->segoff[f], te, T, BP_CV_UNUSED);
	}
	p->segoff[K] = s->n;
	return 0;
}

static int
plan_walk_forward(struct bp_cv_plan *p, struct segs *s)
{
	struct bp_cv_opts *o = &p->opt;
	long T = p->nts, E = p->gap, S, N;
	long K = 0, k = o->refit_every > 1 ? o->refit_every : 1;

	/* missing sizes: K folds over the end, as expanding, fixed window */
	if (!o->test_size)
		o->test_size = T / (o->folds + 1);
	if (!o->train_size)
		o->train_size = T - o->folds * o->test_size - E;
	S = o->train_size;
	N = o->test_size;
	if (S < 1 || N < 1)
		return bp_error("too few timestamps (%ld) for %ld walk-forward "
				"folds with embargo %ld", T, o->folds, E);
	if (!o->step)
		o->step = N;
	if (S + E >= T)
		return bp_error("too few timestamps (%ld) for walk-forward "
				"with train size %ld and embargo %ld", T, S, E);
	/* count the folds: advance until a test block reaches the end */
	for (long lo = 0;; lo += o->step) {
		long ts = lo + S + E;

		if (ts >= T)
			break;
		K++;
		if (ts + N >= T || K > MAX_FOLDS)
			break;
	}
	if (K > MAX_FOLDS)
		return bp_error("too many folds (%ld); raise --step", K);
	p->nfolds = K;
	p->segoff = bp_xcalloc((size_t)K + 1, sizeof(*p->segoff));
	p->model_fold = bp_xcalloc((size_t)K + 1, sizeof(*p->model_fold));
	for (long f = 0; f < K; f++) {
		long r = f / k * k, rlo = r * o->step;
		long ts = f * o->step + S + E, te = ts + N < T ? ts + N : T;
		size_t first = s->n;

		p->model_fold[f] = r;
		p->segoff[f] = first;
		seg_add(s, first, 0, rlo, BP_CV_UNUSED);
		seg_add(s, first, rlo, rlo + S, BP_CV_TRAIN);
		seg_add(s, first, rlo + S, rlo + S + E, BP_CV_EMBARGO);
		seg_add(s, first, rlo + S + E, ts, BP_CV_UNUSED);
		seg_add(s, first, ts, te, BP_CV_TEST);
		seg_add(s, first, te, T, BP_CV_UNUSED);
	}
	p->segoff[K] = s->n;
	return 0;
}

static int
plan_kfold(struct bp_cv_plan *p, struct segs *s)
{
	long T = p->nts, K = p->opt.folds;

	if (K < 2)
		return bp_error("purged-kfold needs at least 2 folds");
	if (K > T)
		return bp_error("more folds (%ld) than timestamps (%ld)", K, T);
	p->nfolds = K;
	p->segoff = bp_xcalloc((size_t)K + 1, sizeof(*p->segoff));
	for (long f = 0; f < K; f++) {
		long lo = split_lo(T, K, f), hi = split_lo(T, K, f + 1);
		size_t first = s->n;

		p->segoff[f] = first;
		seg_add(s, first, 0, lo, BP_CV_TRAIN);
		seg_add(s, first, lo, hi, BP_CV_TEST);
		seg_add(s, first, hi, T, BP_CV_TRAIN);
	}
	p->segoff[K] = s->n;
	return 0;
}

static int
plan_cpcv(struct bp_cv_plan *p, struct segs *s)
{
	long T = p->nts, N = p->opt.groups, k = p->opt.test_groups, K;
	long *comb, *count;

	if (N < 2 || k < 1 || k >= N)
		return bp_error("cpcv needs 2 or more groups and between 1 "
				"and groups - 1 test groups (have %ld and %ld)",
				N, k);
	if (N > T)
		return bp_error("more groups (%ld) than timestamps (%ld)", N,
				T);
	K = choose(N, k);
	if (K < 0)
		return bp_error("too many combinations of %ld test groups "
				"out of %ld (more than %ld)", k, N, MAX_FOLDS);
	p->nfolds = K;
	p->ngroups = N;
	p->npaths = choose(N - 1, k - 1);
	p->group_lo = bp_xcalloc((size_t)N + 1, sizeof(*p->group_lo));
	for (long g = 0; g <= N; g++)
		p->group_lo[g] = split_lo(T, N, g);
	p->path = bp_xreallocarray(NULL, (size_t)(K * N), sizeof(*p->path));
	p->segoff = bp_xcalloc((size_t)K + 1, sizeof(*p->segoff));
	comb = bp_xcalloc((size_t)k, sizeof(*comb));
	count = bp_xcalloc((size_t)N, sizeof(*count));
	for (long i = 0; i < k; i++)
		comb[i] = i;
	for (long f = 0; f < K; f++) {
		size_t first = s->n;
		long c = 0;

		p->segoff[f] = first;
		for (long g = 0; g < N; g++) {
			int test = c < k && comb[c] == g;

			seg_add(s, first, p->group_lo[g], p->group_lo[g + 1],
				test ? BP_CV_TEST : BP_CV_TRAIN);
			/* path j of group g: the j-th fold testing g */
			p->path[f * N + g] = test ? count[g]++ : -1;
			c += test;
		}
		/* next combination in lexicographic order */
		for (long i = k - 1; i >= 0; i--) {
			if (comb[i] < N - k + i) {
				comb[i]++;
				for (long j = i + 1; j < k; j++)
					comb[j] = comb[j - 1] + 1;
				break;
			}
		}
	}
	p->segoff[K] = s->n;
	free(comb);
	free(count);
	return 0;
}

int
bp_cv_plan_build(struct bp_cv_plan *p, const struct bp_cv_opts *o, long nts)
{
	struct segs s = { NULL, 0, 0 };
	int rc;

	memset(p, 0, sizeof(*p));
	p->opt = *o;
	p->nts = nts;
	if (nts < 1)
		return bp_error("no rows to split");
	if (o->test_size < 0 || o->train_size < 0 || o->gap < 0 ||
	    o->step < 0 || o->embargo < 0 || o->folds < 0)
		return bp_error("negative sizes are not allowed");
	if (!p->opt.folds)
		p->opt.folds = 5;
	if (!p->opt.groups)
		p->opt.groups = 6;
	if (!p->opt.test_groups)
		p->opt.test_groups = 2;
	if (!p->opt.refit_every)
		p->opt.refit_every = 1;
	switch (o->scheme) {
	case BP_CV_EXPANDING:
	case BP_CV_SLIDING:
		if (o->scheme == BP_CV_SLIDING && o->train_size < 1)
			return bp_error("sliding needs a train size");
		rc = plan_expanding(p, &s);
		break;
	case BP_CV_WALK_FORWARD:
		p->gap = resolve_embargo(o, nts);
		rc = plan_walk_forward(p, &s);
		break;
	case BP_CV_PURGED_KFOLD:
		p->embargo = resolve_embargo(o, nts);
		rc = plan_kfold(p, &s);
		break;
	case BP_CV_CPCV:
		p->embargo = resolve_embargo(o, nts);
		rc = plan_cpcv(p, &s);
		break;
	default:
		rc = bp_error("unknown scheme");
		break;
	}
	p->seg = s.v;
	if (rc == 0 && !p->model_fold) {
		p->model_fold = bp_xcalloc((size_t)p->nfolds + 1,
					   sizeof(*p->model_fold));
		for (long f = 0; f < p->nfolds; f++)
			p->model_fold[f] = f;
	}
	if (rc < 0)
		bp_cv_plan_release(p);
	return rc;
}

void
bp_cv_plan_release(struct bp_cv_plan *p)
{
	free(p->seg);
	free(p->segoff);
	free(p->model_fold);
	free(p->group_lo);
	free(p->path);
	p->seg = NULL;
	p->segoff = NULL;
	p->model_fold = NULL;
	p->group_lo = NULL;
	p->path = NULL;
	p->nfolds = 0;
}

int
bp_cv_plan_role(const struct bp_cv_plan *p, long f, long t)
{
	for (size_t i = p->segoff[f]; i < p->segoff[f + 1]; i++)
		if (t >= p->seg[i].lo && t < p->seg[i].hi)
			return p->seg[i].role;
	return BP_CV_UNUSED;
}

long
bp_cv_plan_group(const struct bp_cv_plan *p, long t)
{
	long lo = 0, hi = p->ngroups;

	if (!p->ngroups)
		return -1;
	while (hi - lo > 1) {
		long mid = (lo + hi) / 2;

		if (p->group_lo[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

long
bp_cv_plan_path(const struct bp_cv_plan *p, long f, long g)
{
	if (!p->ngroups || g < 0 || g >= p->ngroups)
		return -1;
	return p->path[f * p->ngroups + g];
}

struct block {
	long lo, hi;	/* test timestamps [lo, hi) */
	long end;	/* last timestamp any test label reaches */
};

static void roles_of(const struct bp_cv_plan *p, long f, size_t n,
		     const long *t, const long *t1, unsigned char *role);

void
bp_cv_roles(const struct bp_cv_plan *p, long f, size_t n, const long *t,
	    const long *t1, unsigned char *role)
{
	long r = p->model_fold ? p->model_fold[f] : f;

	roles_of(p, r, n, t, t1, role);
	if (r == f)
		return;
	/*
	 * A fold that reuses fold r's model has fold r's training set,
	 * purged and embargoed as it was for r, and its own test block.
	 */
	for (size_t i = 0; i < n; i++) {
		if (bp_cv_plan_role(p, f, t[i]) == BP_CV_TEST)
			role[i] = BP_CV_TEST;
		else if (role[i] == BP_CV_TEST)
			role[i] = BP_CV_UNUSED;
	}
}

static void
roles_of(const struct bp_cv_plan *p, long f, size_t n, const long *t,
	 const long *t1, unsigned char *role)
{
	struct block *b = NULL;
	size_t nb = 0, balloc = 0;

	/* test blocks: maximal runs of test timestamps */
	for (size_t i = p->segoff[f]; i < p->segoff[f + 1]; i++) {
		const struct bp_cv_seg *sg = &p->seg[i];

		if (sg->role != BP_CV_TEST)
			continue;
		if (nb && b[nb - 1].hi == sg->lo) {
			b[nb - 1].hi = sg->hi;
			b[nb - 1].end = sg->hi - 1;
			continue;
		}
		BP_GROW(b, balloc, nb + 1);
		b[nb].lo = sg->lo;
		b[nb].hi = sg->hi;
		b[nb].end = sg->hi - 1;
		nb++;
	}
	for (size_t i = 0; i < n; i++) {
		role[i] = (unsigned char)bp_cv_plan_role(p, f, t[i]);
		if (role[i] != BP_CV_TEST || !t1)
			continue;
		for (size_t j = 0; j < nb; j++)
			if (t[i] >= b[j].lo && t[i] < b[j].hi &&
			    t1[i] > b[j].end)
				b[j].end = t1[i];
	}
	for (size_t i = 0; i < n; i++) {
		long a0 = t[i], a1 = t1 ? t1[i] : t[i];

		if (role[i] != BP_CV_TRAIN)
			continue;
		for (size_t j = 0; j < nb; j++) {
			/* closed intervals [a0, a1] and [lo, end] meet */
			if (a0 <= b[j].end && a1 >= b[j].lo) {
				role[i] = BP_CV_PURGED;
				break;
			}
			if (p->embargo > 0 && a0 > b[j].end &&
			    a0 - b[j].end <= p->embargo)
				role[i] = BP_CV_EMBARGO;
		}
	}
	free(b);
}

/* ---- data ------------------------------------------------------------- */

static int
data_input(struct bp_cv_data *d, const char *name)
{
	d->names = bp_xreallocarray(d->names, d->ninputs + 1,
				    sizeof(*d->names));
	d->names[d->ninputs] = bp_xstrdup(name);
	return (int)d->ninputs++;
}

static int
field_ts(const struct bp_field *f, int64_t *ms)
{
	if (f->type != BP_STR)
		return -1;
	return bp_ts_parse(f->str, f->len, ms);
}

int
bp_cv_data_read(struct bp_cv_data *d, struct bp_reader *r,
		const char *end_col)
{
	struct bp_row row = BP_ROW_INIT;
	const char *line, *name = bp_reader_name(r);
	size_t len;
	char err[256];
	int in = data_input(d, name), rc, hts = -1, hend = -1;

	if (end_col && !d->end_col)
		d->end_col = bp_xstrdup(end_col);
	while ((rc = bp_reader_line(r, &line, &len)) > 0) {
		long ln = bp_reader_lineno(r);
		size_t k = 0, i = d->n;
		int64_t ms, end = INT64_MIN;
		int fi;

		while (k < len && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k == len)
			continue;
		if (bp_row_parse(&row, line, len, err, sizeof(err)) < 0) {
			rc = bp_error("%s:%ld: %s", name, ln, err);
			break;
		}
		fi = bp_row_find(&row, "ts", &hts);
		if (fi < 0) {
			rc = bp_error("%s:%ld: 'ts' is missing", name, ln);
			break;
		}
		if (field_ts(&row.f[fi], &ms) < 0) {
			rc = bp_error("%s:%ld: 'ts' is not a timestamp", name,
				      ln);
			break;
		}
		if (i > 0 && ms < d->ts[i - 1]) {
			char a[BP_TS_BUFSZ], b[BP_TS_BUFSZ];

			bp_ts_format(a, ms);
			bp_ts_format(b, d->ts[i - 1]);
			rc = bp_error("%s:%ld: 'ts' goes back in time (%s "
				      "after %s): input must be ordered by ts",
				      name, ln, a, b);
			break;
		}
		if (d->end_col) {
			fi = bp_row_find(&row, d->end_col, &hend);
			if (fi >= 0 && row.f[fi].type != BP_NULL) {
				if (field_ts(&row.f[fi], &end) < 0) {
					rc = bp_error("%s:%ld: '%s' is not a "
						      "timestamp", name, ln,
						      d->end_col);
					break;
				}
				if (end < ms) {
					rc = bp_error("%s:%ld: '%s' is before "
						      "'ts'", name, ln,
						      d->end_col);
					break;
				}
			}
			if (fi >= 0)
				d->end_seen = 1;
		}
		if (d->n == d->alloc) {
			size_t a = d->alloc;

			BP_GROW(d->ts, a, d->n + 1);
			d->end = bp_xreallocarray(d->end, a, sizeof(*d->end));
			d->off = bp_xreallocarray(d->off, a, sizeof(*d->off));
			d->len = bp_xreallocarray(d->len, a, sizeof(*d->len));
			d->lineno = bp_xreallocarray(d->lineno, a,
						     sizeof(*d->lineno));
			d->input = bp_xreallocarray(d->input, a,
						    sizeof(*d->input));
			d->alloc = a;
		}
		BP_GROW(d->text, d->textalloc, d->textlen + len + 1);
		memcpy(d->text + d->textlen, line, len);
		d->text[d->textlen + len] = '\0';
		d->ts[i] = ms;
		d->end[i] = end;
		d->off[i] = d->textlen;
		d->len[i] = len;
		d->lineno[i] = ln;
		d->input[i] = in;
		d->textlen += len + 1;
		d->n++;
	}
	bp_row_release(&row);
	return rc < 0 ? -1 : 0;
}

/* Index of the last distinct timestamp <= ms (ms >= tsv[0]). */
static long
ts_floor(const struct bp_cv_data *d, int64_t ms)
{
	long lo = 0, hi = d->nts;

	while (hi - lo > 1) {
		long mid = (lo + hi) / 2;

		if (d->tsv[mid] <= ms)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int
bp_cv_data_index(struct bp_cv_data *d, long horizon)
{
	free(d->tsv);
	free(d->t);
	free(d->t1);
	d->tsv = bp_xcalloc(d->n + 1, sizeof(*d->tsv));
	d->t = bp_xcalloc(d->n + 1, sizeof(*d->t));
	d->t1 = NULL;
	d->nts = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->nts == 0 || d->ts[i] != d->tsv[d->nts - 1])
			d->tsv[d->nts++] = d->ts[i];
		d->t[i] = d->nts - 1;
	}
	d->t1_source = NULL;
	if (d->end_col && d->end_seen) {
		d->t1_source = "column";
		d->t1 = bp_xcalloc(d->n + 1, sizeof(*d->t1));
		for (size_t i = 0; i < d->n; i++)
			d->t1[i] = d->end[i] == INT64_MIN ? d->t[i] :
				   ts_floor(d, d->end[i]);
	} else if (horizon >= 0) {
		d->t1_source = "horizon";
		d->horizon = horizon;
		d->t1 = bp_xcalloc(d->n + 1, sizeof(*d->t1));
		for (size_t i = 0; i < d->n; i++)
			d->t1[i] = d->t[i] + horizon;
	}
	return 0;
}

void
bp_cv_data_release(struct bp_cv_data *d)
{
	free(d->tsv);
	free(d->ts);
	free(d->end);
	free(d->t);
	free(d->t1);
	free(d->text);
	free(d->off);
	free(d->len);
	free(d->lineno);
	free(d->input);
	for (size_t i = 0; i < d->ninputs; i++)
		free(d->names[i]);
	free(d->names);
	free(d->end_col);
	memset(d, 0, sizeof(*d));
}

int
bp_cv_data_load(struct bp_cv_data *d, const char *const *files, size_t n,
		const char *label, long horizon, int need_t1)
{
	struct bp_buf end = BP_BUF_INIT;
	int rc = 0;

	if (label)
		bp_buf_addf(&end, "%s_end", label);
	for (size_t i = 0; rc == 0 && i < (n ? n : 1); i++) {
		struct bp_reader *r = bp_reader_open(n ? files[i] : "-");

		rc = r ? bp_cv_data_read(d, r, end.s) : -1;
		bp_reader_free(&r);
	}
	if (rc == 0)
		rc = bp_cv_data_index(d, horizon);
	if (rc == 0 && !d->t1 && need_t1)
		rc = bp_error("horizon unknown for purging: no column '%s' in "
			      "the input and no --horizon",
			      end.s ? end.s : "label_*_end");
	bp_buf_release(&end);
	return rc;
}

/* ---- output ----------------------------------------------------------- */

int
bp_cv_cmd_split(const struct bp_cv_data *d, const struct bp_cv_plan *p,
		const char *path, int plain, long fold, int keep_unused)
{
	struct bp_writer *w = bp_writer_open(path, BP_WRITER_AUTO |
					     (plain ? BP_WRITER_PLAIN : 0));
	unsigned char *role;
	int rc = 0;

	if (!w)
		return -1;
	role = bp_xmalloc(d->n + 1);
	for (long f = 0; rc == 0 && f < p->nfolds; f++) {
		if (fold >= 0 && f != fold)
			continue;
		bp_cv_roles(p, f, d->n, d->t, d->t1, role);
		rc = bp_cv_write_fold(w, d, p, f, role, keep_unused);
	}
	free(role);
	if (rc < 0) {
		bp_writer_abort(&w);
		return -1;
	}
	return bp_writer_close(&w);
}

int
bp_cv_cmd_plan(const struct bp_cv_data *d, const struct bp_cv_plan *p,
	       const char *path, int diagram, int json, int width)
{
	struct bp_buf b = BP_BUF_INIT;
	int rc = 0;

	if (json) {
		json_t *doc = bp_cv_plan_json(p, d);

		rc = bp_json_write_file(path ? path : "-", doc,
					BP_JSON_INDENT);
		json_decref(doc);
	}
	if (rc == 0 && diagram) {
		bp_cv_plan_diagram(&b, p, d, width);
		fwrite(b.s, 1, b.len, stdout);
		rc = bp_close_stdout();
	}
	bp_buf_release(&b);
	return rc;
}

int
bp_cv_write_fold(struct bp_writer *w, const struct bp_cv_data *d,
		 const struct bp_cv_plan *p, long f, const unsigned char *role,
		 int keep_unused)
{
	struct bp_row row = BP_ROW_INIT;
	char err[256];
	int rc = 0;

	for (size_t i = 0; i < d->n && rc == 0; i++) {
		if (role[i] == BP_CV_UNUSED && !keep_unused)
			continue;
		if (bp_row_parse(&row, d->text + d->off[i], d->len[i], err,
				 sizeof(err)) < 0) {
			rc = bp_error("%s:%ld: %s", d->names[d->input[i]],
				      d->lineno[i], err);
			break;
		}
		bp_writer_begin(w);
		for (size_t j = 0; j < row.n; j++) {
			const char *k = row.f[j].key;

			if (strcmp(k, "fold") == 0 || strcmp(k, "role") == 0 ||
			    (p->ngroups && strcmp(k, "path") == 0))
				continue;
			bp_writer_copy_field(w, &row, j);
		}
		bp_writer_int(w, "fold", f);
		bp_writer_str(w, "role", bp_cv_role_name(role[i]));
		if (p->ngroups) {
			if (role[i] == BP_CV_TEST)
				bp_writer_int(w, "path", bp_cv_plan_path(p, f,
					      bp_cv_plan_group(p, d->t[i])));
			else
				bp_writer_null(w, "path");
		}
		rc = bp_writer_end(w);
	}
	bp_row_release(&row);
	return rc;
}

static json_t *
ts_json(int64_t ms)
{
	char buf[BP_TS_BUFSZ];

	bp_ts_format(buf, ms);
	return json_string(buf);
}

/* {"first", "last", "timestamps", "rows"} of the rows with role r. */
static json_t *
range_json(const struct bp_cv_data *d, const unsigned char *role, int r)
{
	json_t *o = json_object();
	long nts = 0, last = -1;
	size_t rows = 0, first = 0, lasti = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (role[i] != r)
			continue;
		if (!rows)
			first = i;
		lasti = i;
		rows++;
		if (d->t[i] != last)
			nts++;
		last = d->t[i];
	}
	json_object_set_new(o, "first", rows ? ts_json(d->ts[first]) :
				json_null());
	json_object_set_new(o, "last", rows ? ts_json(d->ts[lasti]) :
				json_null());
	json_object_set_new(o, "timestamps", json_integer(nts));
	json_object_set_new(o, "rows", json_integer((json_int_t)rows));
	return o;
}

static json_int_t
count_role(const struct bp_cv_data *d, const unsigned char *role, int r)
{
	json_int_t c = 0;

	for (size_t i = 0; i < d->n; i++)
		c += role[i] == r;
	return c;
}

json_t *
bp_cv_plan_json(const struct bp_cv_plan *p, const struct bp_cv_data *d)
{
	const struct bp_cv_opts *o = &p->opt;
	json_t *doc = json_object(), *folds = json_array(), *par;
	unsigned char *role = bp_xmalloc(d->n + 1);

	json_object_set_new(doc, "scheme",
			    json_string(bp_cv_scheme_names[o->scheme]));
	json_object_set_new(doc, "rows", json_integer((json_int_t)d->n));
	json_object_set_new(doc, "timestamps", json_integer(d->nts));
	json_object_set_new(doc, "first", d->nts ? ts_json(d->tsv[0]) :
			    json_null());
	json_object_set_new(doc, "last", d->nts ?
			    ts_json(d->tsv[d->nts - 1]) : json_null());
	par = json_object();
	switch (o->scheme) {
	case BP_CV_SLIDING:
		json_object_set_new(par, "train_size",
				    json_integer(o->train_size));
		/* fall through */
	case BP_CV_EXPANDING:
		json_object_set_new(par, "folds", json_integer(o->folds));
		json_object_set_new(par, "test_size",
				    json_integer(o->test_size));
		json_object_set_new(par, "gap", json_integer(p->gap));
		break;
	case BP_CV_WALK_FORWARD:
		json_object_set_new(par, "train_size",
				    json_integer(o->train_size));
		json_object_set_new(par, "test_size",
				    json_integer(o->test_size));
		json_object_set_new(par, "step", json_integer(o->step));
		json_object_set_new(par, "embargo", json_integer(p->gap));
		json_object_set_new(par, "refit_every",
				    json_integer(o->refit_every));
		break;
	case BP_CV_PURGED_KFOLD:
		json_object_set_new(par, "folds", json_integer(o->folds));
		json_object_set_new(par, "embargo", json_integer(p->embargo));
		break;
	case BP_CV_CPCV:
		json_object_set_new(par, "groups", json_integer(o->groups));
		json_object_set_new(par, "test_groups",
				    json_integer(o->test_groups));
		json_object_set_new(par, "embargo", json_integer(p->embargo));
		json_object_set_new(par, "paths", json_integer(p->npaths));
		break;
	}
	json_object_set_new(doc, "params", par);
	if (d->t1_source && strcmp(d->t1_source, "column") == 0)
		json_object_set_new(doc, "label_end", json_string(d->end_col));
	else if (d->t1_source)
		json_object_set_new(doc, "label_end", json_string("horizon"));
	else
		json_object_set_new(doc, "label_end", json_null());
	if (d->t1_source && strcmp(d->t1_source, "horizon") == 0)
		json_object_set_new(doc, "horizon", json_integer(d->horizon));
	json_object_set_new(doc, "n_folds", json_integer(p->nfolds));
	for (long f = 0; f < p->nfolds; f++) {
		json_t *fo = json_object();

		bp_cv_roles(p, f, d->n, d->t, d->t1, role);
		json_object_set_new(fo, "fold", json_integer(f));
		if (o->scheme == BP_CV_WALK_FORWARD)
			json_object_set_new(fo, "model_fold",
					    json_integer(p->model_fold[f]));
		json_object_set_new(fo, "train", range_json(d, role,
							   BP_CV_TRAIN));
		json_object_set_new(fo, "test", range_json(d, role,
							  BP_CV_TEST));
		json_object_set_new(fo, "purged",
				    json_integer(count_role(d, role,
							    BP_CV_PURGED)));
		json_object_set_new(fo, "embargoed",
				    json_integer(count_role(d, role,
							    BP_CV_EMBARGO)));
		json_object_set_new(fo, "unused",
				    json_integer(count_role(d, role,
							    BP_CV_UNUSED)));
		if (p->ngroups) {
			json_t *g = json_array(), *pa = json_array();

			for (long j = 0; j < p->ngroups; j++) {
				long q = bp_cv_plan_path(p, f, j);

				if (q < 0)
					continue;
				json_array_append_new(g, json_integer(j));
				json_array_append_new(pa, json_integer(q));
			}
			json_object_set_new(fo, "test_groups", g);
			json_object_set_new(fo, "paths", pa);
		}
		json_array_append_new(folds, fo);
	}
	json_object_set_new(doc, "folds", folds);
	free(role);
	return doc;
}

/* Display priority of a role in a diagram cell (higher wins). */
static int
prio(int role)
{
	static const int pr[] = { 0, 1, 4, 3, 2 };

	return role >= 0 && role <= BP_CV_EMBARGO ? pr[role] : 0;
}

void
bp_cv_plan_diagram(struct bp_buf *b, const struct bp_cv_plan *p,
		   const struct bp_cv_data *d, int width)
{
	static const char ch[] = ".=-xe";
	unsigned char *role = bp_xmalloc(d->n + 1);
	unsigned char *cell;
	long T = d->nts, cols = width < 1 ? 1 : width;
	char unit[64];

	if (T < cols)
		cols = T;
	cell = bp_xmalloc((size_t)cols + 1);
	for (long f = 0; f < p->nfolds; f++) {
		bp_cv_roles(p, f, d->n, d->t, d->t1, role);
		memset(cell, 0, (size_t)cols);
		for (size_t i = 0; i < d->n; i++) {
			long c = d->t[i] * cols / T;

			if (prio(role[i]) > prio(cell[c]))
				cell[c] = role[i];
		}
		bp_buf_addf(b, "fold %*ld ", p->nfolds > 10 ?
			    (p->nfolds > 100 ? 3 : 2) : 1, f);
		for (long c = 0; c < cols; c++)
			bp_buf_addc(b, ch[cell[c]]);
		if (p->opt.scheme == BP_CV_WALK_FORWARD &&
		    p->model_fold[f] != f)
			bp_buf_addf(b, "  (model of fold %ld)",
				    p->model_fold[f]);
		bp_buf_addc(b, '\n');
	}
	if (T == cols)
		snprintf(unit, sizeof(unit), "1 column = 1 timestamp");
	else
		snprintf(unit, sizeof(unit), "1 column = %.3g timestamps",
			 (double)T / (double)cols);
	bp_buf_addf(b, "= train  - test  x purged  e embargo  . unused  "
		    "(%s)\n", unit);
	free(cell);
	free(role);
}
