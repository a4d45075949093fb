/*
 * search: models over cross-validation folds (bp-cv run) and parameter
 * search over them (bp-cv search).
 *
 * A run trains one model per training set of a plan (walk-forward folds
 * that reuse a model share one), predicts every test row of the folds it
 * serves, and scores each fold with lib/metrics.  Jobs (one per training
 * set, times the parameter sets of a search) run on a pool of POSIX
 * threads; every job writes only its own slots, and a model's result does
 * not depend on the number of threads (lib/model.h), so the output is
 * identical to a single-threaded run.
 *
 * The whole stream is in memory (lib/cv.h): the dataset holds every row,
 * rows with a null label included (they are predicted but neither trained
 * on nor scored).
 */
#ifndef BP_SEARCH_H
#define BP_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cv.h"
#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "util.h"

struct bp_writer;

/* The data every run of one plan shares. */
struct bp_search_data {
	const struct bp_cv_data *cv;	/* borrowed */
	const struct bp_cv_plan *plan;	/* borrowed */
	struct bp_dataset ds;		/* row i = cv row i */
	unsigned char *role;		/* (nfolds, n): bp_cv_roles() */
};

/*
 * Build the dataset of cv's rows (label and feature selection as
 * lib/dataset.h) and every fold's roles.  Returns 0, or -1 after
 * reporting (a missing label, a label offered as a feature, a feature
 * holding a string, no labelled row).
 */
int bp_search_data_init(struct bp_search_data *sd,
			const struct bp_cv_data *cv,
			const struct bp_cv_plan *plan, const char *label,
			const char *const *features, size_t nfeatures);
void bp_search_data_release(struct bp_search_data *sd);

struct bp_search_opts {
	const char *kind;	/* model kind (lib/model.h) */
	uint64_t seed;		/* the same seed for every fold's model */
	int threads;		/* workers; <= 0: every online processor */
	double valid_frac;	/* early-stopping tail of each training set */
	int keep;		/* keep the test predictions (for --oos) */
};

struct bp_search_fold {
	struct bp_metrics m;	/* on the test rows with a label */
	size_t ntrain;		/* labelled training rows the model saw */
	size_t ntest;		/* test rows predicted */
	size_t *rows;		/* keep: (ntest) cv row of each one */
	double *out;		/* keep: (ntest, noutputs) model outputs */
};

/* The result of one run: one parameter set over every fold. */
struct bp_search_run {
	json_t *params;		/* resolved parameters (owned) */
	long nfolds;
	struct bp_search_fold *fold;
	enum bp_task task;
	size_t noutputs;
	/* multiclass: the label value of each output */
	double classes[BP_MODEL_MAX_CLASSES];
	size_t nclasses;
	char **features;	/* the model's features, in order */
	size_t nfeatures;
	int failed;
};

/*
 * Run the nruns parameter sets params[i] (resolved, see
 * bp_model_params_resolve) over every fold of sd's plan; runs[i] receives
 * set i and owns a new reference to it.  Returns 0, or -1 after reporting
 * the first failure (a fold without labelled training rows, a model that
 * cannot be trained).  Release every run with bp_search_run_release, also
 * after a failure.
 */
int bp_search_runs(const struct bp_search_data *sd,
		   const struct bp_search_opts *o, json_t *const *params,
		   size_t nruns, struct bp_search_run *runs);
void bp_search_run_release(struct bp_search_run *r);

/*
 * The summary of a run (new reference): the plan document (bp-cv(1))
 * with each fold's "trained_rows" and "metrics", plus "model" (kind,
 * params, seed, task, features), "mean" and "std" of every metric over
 * the folds and, for cpcv, "paths" with each path's metrics and their
 * "path_mean" and "path_std".
 */
json_t *bp_search_run_json(const struct bp_search_data *sd,
			   const struct bp_search_opts *o,
			   const struct bp_search_run *r);

/*
 * Signals from scores, as bp-predict(1) (lib/scorer.h): +1 when score >=
 * long_th, -1 when score <= short_th (0 with long_only), else 0; the
 * thresholds not given are the task's defaults (bp_scorer_defaults), and
 * a regression with neither threshold given signals the sign of the score.
 */
struct bp_search_signal {
	double long_th, short_th;
	int have_long, have_short;
	int long_only;
};

/*
 * The out-of-sample stream: every test row with its input columns and
 * `score` (multiclass: also score_m1, score_0, score_p1, ... per class, as
 * bp-predict names them), `signal`, `fold`, in time
 * order.  A row tested by several folds (walk-forward with a step below
 * the test size) takes the latest fold's prediction.  cpcv: one copy of
 * each row per path with a `path` column, rows in time order then path,
 * or path >= 0 for that path only.  Returns rows written, or -1 after
 * reporting.
 */
long bp_search_write_oos(struct bp_writer *w, const struct bp_search_data *sd,
			 const struct bp_search_run *r,
			 const struct bp_search_signal *sig, long path);

/*
 * The "model" section of a strategy spec (bp-features(1)):
 * {"kind": "gbdt", "label": "label_up", "params": {...}, "features":
 * [...]}.  Sets *kind and *label (new strings, or NULL when absent),
 * *params (a new reference, {} when absent) and *features (a new array
 * reference, or NULL when absent).  Returns 0, or -1 after reporting an
 * unreadable file or a malformed section.
 */
int bp_search_spec_model(const char *path, char **kind, char **label,
			 json_t **params, json_t **features);

/*
 * The model of bp-cv run and search: its kind, label, parameters and
 * features, from the command line over a strategy spec's model section.
 */
struct bp_search_model {
	char *kind;		/* model kind; NULL when neither gives one */
	char *label;		/* label column; NULL when neither gives one */
	json_t *params;		/* the parameters given (not resolved) */
	const char **features;	/* nfeatures names or globs */
	size_t nfeatures;
	char *featbuf;		/* --features, split: features point here */
	json_t *spec_features;	/* or here */
};
#define BP_SEARCH_MODEL_INIT { NULL, NULL, NULL, NULL, 0, NULL, NULL }

/*
 * Fill m from the kind, label and features (comma-separated) of the
 * command line, each NULL when not given, over the model section of the
 * spec at path (NULL: none): the spec's kind unless kind is given (a
 * kind other than the spec's drops the spec's params, as bp-train does),
 * the spec's label and features unless given; params the spec's, or {}.
 * Returns 0, or -1 after reporting an unreadable spec; release m with
 * bp_search_model_release() either way.
 */
int bp_search_model_init(struct bp_search_model *m, const char *path,
			 const char *kind, const char *label,
			 const char *features);

/*
 * Check that m->kind is a model kind, merge params ("k=v,...", NULL:
 * none) over m->params and check that the kind takes them.  Returns 0, or
 * -1 with the reason in err, named after bp-cv's options ("--params: not
 * parameters of 'gbdt'").
 */
int bp_search_model_params(struct bp_search_model *m, const char *params,
			   char *err, size_t errlen);

/*
 * Check that every parameter set of grid (or of space when grid is NULL;
 * both NULL: nothing to check), merged over m->params, is parameters of
 * m->kind.  Returns 0, or -1 with the reason in err ("--grid: malformed
 * parameter space", after bp_search_grid's report).
 */
int bp_search_model_space(const struct bp_search_model *m, const char *grid,
			  const char *space, char *err, size_t errlen);
void bp_search_model_release(struct bp_search_model *m);

/*
 * Parameter sets.  grid: "name=v1,v2 name2=v3,v4" (sets separated by
 * blanks), every combination, the first name varying slowest.  random: n
 * draws, each name from "lo:hi" (uniform; integers when both bounds are
 * integers), "log:lo:hi" (log-uniform, lo > 0), "a,b,c" (one of them) or
 * one value.  Values are JSON numbers, true/false, or strings.  Both
 * return a new array of objects, or NULL after reporting a malformed spec.
 */
json_t *bp_search_grid(const char *spec);
json_t *bp_search_random(const char *spec, long n, uint64_t seed);

/*
 * The search summary (new reference): "metric", "higher_is_better",
 * "trials", "warning" (multiple testing), "best" (trial, params, mean,
 * std, min, max, folds) and "results" ranked best first; sets[i] are the
 * drawn parameters of runs[i].  metric NULL: the task's default.
 */
json_t *bp_search_json(const struct bp_search_data *sd,
		       const struct bp_search_opts *o, const json_t *sets,
		       const struct bp_search_run *runs, size_t nruns,
		       const char *metric, size_t *best);

/* ---- the run and search commands ------------------------------------ */

struct bp_search_cmd {
	struct bp_search_opts run;
	struct bp_search_signal sig;
	const json_t *base;	/* model parameters given (borrowed) */
	const char *oos;	/* out-of-sample stream path, or NULL */
	int plain;		/* uncompressed --oos */
	long path;		/* cpcv: --oos path, -1 all */
	const char *summary;	/* summary path; NULL: stdout, or stderr
				 * when oos is stdout */
	const char *grid, *space, *metric;
	long random;		/* draws from space, or 0 for the grid */
};

/*
 * bp-cv run: train and score c->base over every fold, write the
 * out-of-sample stream and the summary.  Returns 0 or -1 after reporting.
 */
int bp_search_cmd_run(const struct bp_search_data *sd,
		      struct bp_search_cmd *c);

/*
 * bp-cv search: every parameter set of c->grid (or c->random draws from
 * c->space, seeded by c->run.seed) over c->base, ranked; with c->oos the
 * best set's out-of-sample stream.  Returns 0 or -1 after reporting (a
 * malformed spec, parameters the model refuses, a failed fold).
 */
int bp_search_cmd_search(const struct bp_search_data *sd,
			 struct bp_search_cmd *c);

#endif
