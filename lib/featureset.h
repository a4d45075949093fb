/*
 * featureset: the bp-features engine: a column plan built from a strategy
 * spec, per-symbol state, and the handling of each row.
 *
 * Each input row is passed through untouched and gets the spec's feature
 * columns (indicators, derived features, fuzzy memberships, in that order,
 * each named as in bp-features(1), with the optional prefix) and then its
 * label columns.  State is kept per symbol (the row's "symbol" string; a
 * row without one belongs to the symbol ""), so interleaved symbols do not
 * mix.  Within a symbol "ts" must increase strictly: a repeated or earlier
 * timestamp is an error naming the input and line.
 *
 * Missing data: a null input (close: null...) gives null for every column
 * that needs it on that row and leaves those columns' state as it was, as
 * if the bar were absent; an input column that is not in the row at all is
 * an error.  A gap in time is not filled: the indicators see consecutive
 * rows, exactly as TA-Lib sees an array; with a reset gap, a jump of more
 * than that duration between two bars of a symbol restarts its features
 * (the warm-up starts over).
 *
 * Labels need the future: a row is held until its labels are known (h
 * more rows of its symbol) or the input ends, and rows are written in
 * input order, so the output lags the input by the largest horizon per
 * symbol.  The queue holds about h rows per symbol for a time-ordered
 * stream; max_queue bounds it.
 */
#ifndef BP_FEATURESET_H
#define BP_FEATURESET_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "stream.h"

struct bp_featureset_opts {
	const char *prefix;	/* prepended to feature column names */
	int drop_warmup;	/* drop a symbol's rows until all features are
				 * non-null for the first time */
	int64_t reset_gap;	/* ms; 0: never restart */
	size_t max_queue;	/* rows waiting for labels; 0: the default */
};
#define BP_FEATURESET_OPTS_INIT { NULL, 0, 0, 0 }
#define BP_FEATURESET_MAX_QUEUE 262144

struct bp_featureset;

/*
 * A new engine for a finished spec (borrowed: it must outlive the engine).
 * Reports warnings (fuzzy sets that leave gaps).  Returns NULL after
 * reporting an error.
 */
struct bp_featureset *bp_featureset_new(const struct bp_spec *spec,
				    const struct bp_featureset_opts *opt);
void bp_featureset_free(struct bp_featureset **f);

/*
 * Handle one input row read from the input called name; rows whose labels
 * are known are written to w.  Returns 0, or -1 after reporting
 * "NAME:LINE: reason".
 */
int bp_featureset_row(struct bp_featureset *f, const struct bp_row *row,
		    const char *name, struct bp_writer *w);

/* End of input: write the rows still waiting (their unknown labels are
 * null).  Returns 0 or -1 after reporting a write error. */
int bp_featureset_finish(struct bp_featureset *f, struct bp_writer *w);

#endif
