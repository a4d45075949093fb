/*
 * cv: time-series cross-validation without leakage.
 *
 * Folds are defined over the sorted distinct timestamps of a stream (the
 * "timestamp index" 0 .. T-1), so every symbol of one timestamp falls on
 * the same side of a split.  A plan is built from the options and T alone
 * (bp_cv_plan_build); it lays out, for every fold, the role of each
 * timestamp: train, test, embargo (a gap) or unused.  The role of each ROW
 * then comes from bp_cv_roles(), which adds purging and the embargo after
 * test blocks when the label intervals are known:
 *
 *   - a row's label interval is [t0, t1] in timestamp indices: t0 its own
 *     timestamp, t1 the last bar its label depends on (from the label's
 *     `label_X_end` column, or t0 + horizon);
 *   - a test block is a maximal run of test timestamps; it spans
 *     [first t0, max t1] over its rows;
 *   - a training row whose interval intersects a test block's span
 *     (closed intervals) is purged;
 *   - a training row whose t0 lies in (max t1, max t1 + embargo] of a test
 *     block is embargoed (Lopez de Prado, AFML 7.4.2: the embargo follows
 *     the purged zone).
 *
 * Schemes (T timestamps; all sizes in timestamps):
 *
 *   expanding     K folds, test blocks of N (default T / (K + 1)) at the
 *                 end of the data, train = everything before the test
 *                 block minus a gap; equals scikit-learn's TimeSeriesSplit.
 *   sliding       as expanding, train limited to the last train_size
 *                 timestamps before the gap (TimeSeriesSplit max_train_size).
 *   walk-forward  fold i: train [i*step, i*step + S), embargo gap E, test of
 *                 N after it, truncated at T; folds advance until a test
 *                 block reaches the end.  refit_every k: fold i reuses the
 *                 training set (and model) of fold (i / k) * k.  Missing
 *                 sizes: N = T / (K + 1), S = T - K*N - E (K folds).
 *   purged-kfold  K contiguous test blocks (sizes as numpy.array_split),
 *                 train = all other timestamps, purged and embargoed.
 *   cpcv          N groups (array_split), every combination of k test groups
 *                 in lexicographic order is a fold; purged and embargoed.
 *                 Paths: phi = C(N-1, k-1) = k/N * C(N, k).  The j-th fold
 *                 (in fold order) that tests group g gives group g of
 *                 path j, so every path covers each group exactly once.
 *
 * Whole streams are held in memory (struct bp_cv_data): cross-validation
 * needs every row of every fold.
 */
#ifndef BP_CV_H
#define BP_CV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util.h"

struct bp_reader;
struct bp_writer;

enum bp_cv_scheme {
	BP_CV_EXPANDING = 0,
	BP_CV_SLIDING,
	BP_CV_WALK_FORWARD,
	BP_CV_PURGED_KFOLD,
	BP_CV_CPCV,
};

/* NULL-terminated scheme names, indexed by enum bp_cv_scheme. */
extern const char *const bp_cv_scheme_names[];

/* 1 when the scheme needs label intervals (purged-kfold, cpcv). */
int bp_cv_scheme_purges(enum bp_cv_scheme s);

enum bp_cv_role {
	BP_CV_UNUSED = 0,
	BP_CV_TRAIN,
	BP_CV_TEST,
	BP_CV_PURGED,
	BP_CV_EMBARGO,
};

/* "unused", "train", "test", "purged", "embargo". */
const char *bp_cv_role_name(int role);

/*
 * Options of a plan.  Every size counts timestamps.  Zero means "default"
 * where a default exists (see each field).
 */
struct bp_cv_opts {
	enum bp_cv_scheme scheme;
	long folds;		/* K: expanding, sliding, purged-kfold,
				 * walk-forward without a size (5) */
	long test_size;		/* expanding, sliding, walk-forward:
				 * T/(K+1) */
	long train_size;	/* sliding: required; walk-forward:
				 * T - K*N - embargo */
	long gap;		/* expanding, sliding: gap before each test */
	long step;		/* walk-forward: 0 = test_size */
	long refit_every;	/* walk-forward: 0 or 1 = refit every fold */
	long embargo;		/* walk-forward: gap before test;
				 * purged-kfold, cpcv: after each test
				 * block */
	double embargo_frac;	/* >= 0: embargo = floor(frac * T) */
	long groups;		/* cpcv N (6) */
	long test_groups;	/* cpcv k (2) */
};
#define BP_CV_OPTS_INIT { BP_CV_EXPANDING, 0, 0, 0, 0, 0, 0, 0, -1.0, 0, 0 }

/*
 * The sizes of struct bp_cv_opts as bits, in the order bp-cv(1) lists
 * them, for saying which were given and which a scheme takes.
 */
enum bp_cv_opt_flags {
	BP_CV_OPT_FOLDS = 1 << 0,
	BP_CV_OPT_TEST_SIZE = 1 << 1,
	BP_CV_OPT_TRAIN_SIZE = 1 << 2,
	BP_CV_OPT_GAP = 1 << 3,
	BP_CV_OPT_STEP = 1 << 4,
	BP_CV_OPT_REFIT_EVERY = 1 << 5,
	BP_CV_OPT_EMBARGO = 1 << 6,
	BP_CV_OPT_GROUPS = 1 << 7,
	BP_CV_OPT_TEST_GROUPS = 1 << 8,
};
#define BP_CV_OPT_N 9

/*
 * Check the options of a plan before the data is read: given (enum
 * bp_cv_opt_flags) holds only sizes the scheme takes, sliding has a
 * train_size, walk-forward is not given folds with both sizes, cpcv's
 * test_groups are below its groups.  Returns 0, or -1 with the reason in
 * err, naming the option as bp-cv spells it ("--gap: not an option of
 * scheme 'cpcv'").
 */
int bp_cv_opts_check(const struct bp_cv_opts *o, unsigned given, char *err,
		     size_t errlen);

/* A run of timestamps [lo, hi) with one role. */
struct bp_cv_seg {
	long lo, hi;
	int role;
};

struct bp_cv_plan {
	struct bp_cv_opts opt;	/* as given, defaults filled in */
	long nts;		/* T */
	long nfolds;
	long embargo;		/* resolved embargo after test blocks */
	long gap;		/* resolved gap before test blocks */
	/* fold f's layout is seg[segoff[f] .. segoff[f + 1]) in time order */
	struct bp_cv_seg *seg;
	size_t *segoff;
	long *model_fold;	/* nfolds: fold whose training set serves f */
	/* cpcv only (ngroups = 0 otherwise) */
	long ngroups;
	long *group_lo;		/* ngroups + 1 boundaries */
	long npaths;
	long *path;		/* nfolds * ngroups: path of group g in fold
				 * f, -1 when f does not test g */
};
#define BP_CV_PLAN_INIT { BP_CV_OPTS_INIT, 0, 0, 0, 0, NULL, NULL, NULL, \
			  0, NULL, 0, NULL }

/*
 * Lay out the folds of o over nts timestamps.  Returns 0, or -1 after
 * reporting a plan that the data cannot hold ("more folds (8) than
 * timestamps (5)", "too few timestamps ..."): a data error.  Option values
 * out of their own range (test size 0, k >= N) are the caller's to reject
 * first, but are reported here too.
 */
int bp_cv_plan_build(struct bp_cv_plan *p, const struct bp_cv_opts *o,
		     long nts);
void bp_cv_plan_release(struct bp_cv_plan *p);

/* Role of timestamp t in fold f before purging. */
int bp_cv_plan_role(const struct bp_cv_plan *p, long f, long t);

/* cpcv: group of timestamp t; path of group g in fold f, or -1. */
long bp_cv_plan_group(const struct bp_cv_plan *p, long t);
long bp_cv_plan_path(const struct bp_cv_plan *p, long f, long g);

/*
 * Role of each of n rows in fold f.  t[i] is row i's timestamp index and
 * t1[i] >= t[i] the index of the last bar its label depends on; t1 NULL
 * means the label intervals are unknown: no purging, and test blocks end
 * at their last timestamp for the embargo.  Rows need not be sorted.
 * role is n bytes (enum bp_cv_role).  A walk-forward fold that reuses
 * fold r's model gets fold r's train, purged and embargo rows (r's test
 * rows become unused) and its own test rows.
 */
void bp_cv_roles(const struct bp_cv_plan *p, long f, size_t n, const long *t,
		 const long *t1, unsigned char *role);

/* ---- a whole stream in memory ----------------------------------------- */

struct bp_cv_data {
	size_t n;		/* rows */
	long nts;		/* distinct timestamps */
	int64_t *tsv;		/* nts distinct timestamps (ms), rising */
	int64_t *ts;		/* n: each row's ts (ms) */
	int64_t *end;		/* n: label end (ms); INT64_MIN: null */
	long *t;		/* n: timestamp index of each row */
	long *t1;		/* n: label end index, NULL when unknown */
	char *text;		/* the rows as read, each NUL-terminated */
	size_t *off;		/* n: row i is text + off[i] */
	size_t *len;		/* n: its length */
	long *lineno;		/* n: line in its input */
	int *input;		/* n: index into names */
	char **names;		/* input names for messages */
	size_t ninputs;
	char *end_col;		/* label end column looked for, or NULL */
	int end_seen;		/* some row holds end_col */
	const char *t1_source;	/* "column", "horizon"; NULL: unknown */
	long horizon;		/* when t1_source is "horizon" */
	size_t textlen, textalloc, alloc;
};
#define BP_CV_DATA_INIT { 0 }

/*
 * Append every row of r.  Rows must be time-ordered by `ts` (RFC 3339
 * string): a row earlier than the one before is an error naming it.
 * end_col (e.g. "label_up_end", or NULL) names the column holding each
 * row's label end as an RFC 3339 timestamp (null allowed).  Returns 0, or
 * -1 after reporting "NAME:LINE: reason".
 */
int bp_cv_data_read(struct bp_cv_data *d, struct bp_reader *r,
		    const char *end_col);

/*
 * After reading: index the timestamps and set up the label intervals.
 * When some row had end_col, t1 is the index of the last timestamp at or
 * before each row's end (a null end counts as t1 = t: that row has no
 * label yet); otherwise horizon >= 0 gives t1 = t + horizon; otherwise t1
 * stays NULL (intervals unknown).  Returns 0, or -1 after reporting.
 */
int bp_cv_data_index(struct bp_cv_data *d, long horizon);
void bp_cv_data_release(struct bp_cv_data *d);

/*
 * Read and index the inputs files[0..n) (n = 0: stdin) with the label
 * intervals of label (its column label_end; NULL for none) or horizon
 * (< 0: none).  need_t1: fail when the intervals stay unknown ("horizon
 * unknown for purging").  Returns 0 or -1 after reporting.
 */
int bp_cv_data_load(struct bp_cv_data *d, const char *const *files,
		    size_t n, const char *label, long horizon, int need_t1);

/*
 * Write fold f's rows in input order with `fold`, `role` (and for cpcv
 * `path`, null outside the test set) appended.  Rows with no role in the
 * fold are skipped unless keep_unused.  role is from bp_cv_roles().
 * Returns 0 or -1 after reporting.
 */
int bp_cv_write_fold(struct bp_writer *w, const struct bp_cv_data *d,
		     const struct bp_cv_plan *p, long f,
		     const unsigned char *role, int keep_unused);

/*
 * bp-cv split: every fold (or fold only, when >= 0) to path (NULL:
 * stdout), zstd unless plain.  bp-cv plan: the JSON document to path
 * (NULL: stdout) when json, then the diagram on stdout when diagram.
 * Return 0 or -1 after reporting.
 */
int bp_cv_cmd_split(const struct bp_cv_data *d, const struct bp_cv_plan *p,
		    const char *path, int plain, long fold, int keep_unused);
int bp_cv_cmd_plan(const struct bp_cv_data *d, const struct bp_cv_plan *p,
		   const char *path, int diagram, int json, int width);

/*
 * The plan as a JSON document (new reference): scheme, sizes, and per fold
 * the train and test ranges and sizes and the purged, embargoed and unused
 * counts.  See bp-cv(1) for the keys.
 */
json_t *bp_cv_plan_json(const struct bp_cv_plan *p,
			const struct bp_cv_data *d);

/*
 * Text diagram: one line per fold, one character per cell of `width`
 * columns ('=' train, '-' test, 'x' purged, 'e' embargo, '.' unused; a
 * cell covering several timestamps shows the first of test, purged,
 * embargo, train present in it).  Appended to b.
 */
void bp_cv_plan_diagram(struct bp_buf *b, const struct bp_cv_plan *p,
			const struct bp_cv_data *d, int width);

#endif
