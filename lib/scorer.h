/*
 * scorer: a feature stream through a model, as bp-predict does it.
 *
 * Every row keeps its columns (or, with a keep list, only those) and
 * gets `score` (and for multiclass score_m1, score_0, score_p1, ... per
 * class), then `signal`: +1 when score >= long, -1 when score <= short,
 * else 0 (a regression without thresholds: the sign of the score;
 * --long-only turns -1 into 0).  Columns of those names already in a row
 * are replaced.
 *
 * Rows go in blocks through a pipeline: the calling thread reads lines
 * into a block and writes finished blocks in input order; worker threads
 * parse the rows, read their features, predict the block (a gbdt through
 * the compiled forest, lib/forest.h) and format the new columns.  A
 * block's output depends only on its rows, so the bytes written are the
 * same whatever the number of threads.  Memory is bounded by the blocks
 * in flight (2 per worker, plus 2).
 */
#ifndef BP_SCORER_H
#define BP_SCORER_H

#include "cli.h"
#include "forest.h"
#include "model.h"
#include "stream.h"

enum bp_scorer_missing {
	BP_SCORER_MISSING_ERROR = 0,	/* a null feature is an error */
	BP_SCORER_MISSING_SKIP,		/* drop the row */
	BP_SCORER_MISSING_NULL,		/* null scores, signal 0 */
};

/* the most worker threads */
#define BP_SCORER_MAX_THREADS 64

struct bp_scorer_opts {
	double long_t, short_t;	/* thresholds on score */
	int have_long, have_short;
	int long_only;
	enum bp_scorer_missing missing;
	/*
	 * 1: read, score and write on the calling thread; n > 1: n worker
	 * threads score while the calling thread reads and writes; 0: as
	 * many workers as online processors, at most 8.
	 */
	int threads;
	/*
	 * NULL: every input column is kept; else only these (nkeep names),
	 * in input order: a row lacking one is an error.  None may be a
	 * column the scorer writes (score, signal, score_*).
	 */
	const char *const *keep;
	size_t nkeep;
	struct bp_progress *progress;	/* ticked per row written; NULL */
	/*
	 * The model compiled by bp_forest_new() (lib/forest.h), when the
	 * caller scores several inputs with it; NULL: each run compiles it
	 * (a few milliseconds for hundreds of trees).
	 */
	const struct bp_forest *forest;
};
#define BP_SCORER_OPTS_INIT \
	{ 0, 0, 0, 0, 0, BP_SCORER_MISSING_ERROR, 0, NULL, 0, NULL, NULL }

/* The default thresholds of a task (binary 0.55/0.45, multiclass +-0.1). */
void bp_scorer_defaults(enum bp_task task, double *long_t, double *short_t);

/*
 * The signal of a score under o for model m's task.
 */
int bp_scorer_signal(const struct bp_model *m, const struct bp_scorer_opts *o,
		     double score);

/*
 * Score every row of in onto out.  m is only read.  Returns 0, or -1 after
 * reporting "NAME:LINE: ..." (bad row, a feature missing or not a
 * number, a null feature the model cannot use under MISSING_ERROR, a
 * --keep column missing) or a write error.  *rows_out counts rows written
 * (may be NULL).
 */
int bp_scorer_run(const struct bp_model *m, const struct bp_scorer_opts *o,
		  struct bp_reader *in, struct bp_writer *out,
		  uint64_t *rows_out);

#endif
