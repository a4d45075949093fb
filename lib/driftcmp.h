/*
 * driftcmp: compare a current sample of a stream with a reference sample
 * and build bp-drift's JSON report.
 *
 * A sample is every row of one input held column by column (numbers as
 * doubles, NaN for null, missing or non-numeric values), with each row's
 * ts.  Windows select rows of a sample by time, so the reference and the
 * current sample may come from two inputs or from one.  The report's keys
 * are documented in bp-drift(1); levels come from lib/severity.
 */
#ifndef BP_DRIFTCMP_H
#define BP_DRIFTCMP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "severity.h"
#include "stream.h"

/* ---- samples ------------------------------------------------------------ */

struct bp_driftcmp_sample;

/* An empty sample named name (the input's name, for messages). */
struct bp_driftcmp_sample *bp_driftcmp_sample_new(const char *name);
void bp_driftcmp_sample_free(struct bp_driftcmp_sample **s);

/*
 * Append every row of r.  Columns named in cats (NULL-terminated, may be
 * NULL) also keep each value's text, for a categorical comparison.  A ts
 * that is present but not a timestamp is an error.  Returns 0, or -1
 * after reporting.
 */
int bp_driftcmp_sample_read(struct bp_driftcmp_sample *s, struct bp_reader *r,
			    const char *const *cats);

size_t bp_driftcmp_sample_rows(const struct bp_driftcmp_sample *s);

/*
 * Open path ("-" or NULL: stdin) and read it into a new sample.  Returns
 * NULL after reporting.
 */
struct bp_driftcmp_sample *bp_driftcmp_sample_load(const char *path,
						   const char *const *cats);

/*
 * Load two inputs at once, ref_path in a second thread.  Returns 0 with
 * *ref and *cur set, or -1 after reporting (both NULL then).
 */
int bp_driftcmp_load_pair(const char *ref_path, const char *cur_path,
			  const char *const *cats,
			  struct bp_driftcmp_sample **ref,
			  struct bp_driftcmp_sample **cur);

/* 1 when column name appears in s and holds only numbers or nulls. */
int bp_driftcmp_sample_numeric(const struct bp_driftcmp_sample *s,
			       const char *name);

/*
 * Set column name of s to v (one value per row, NaN for null), adding
 * the column or replacing its values.
 */
void bp_driftcmp_sample_set(struct bp_driftcmp_sample *s, const char *name,
			    const double *v);

/*
 * Column name of s for every row (NaN where null or absent), in a new
 * array of bp_driftcmp_sample_rows(s) values.
 */
double *bp_driftcmp_sample_column(const struct bp_driftcmp_sample *s,
				  const char *name);

/* ---- windows ------------------------------------------------------------ */

enum bp_window_kind {
	BP_WINDOW_ALL = 0,
	BP_WINDOW_RANGE,	/* from <= ts < to */
	BP_WINDOW_FIRST,	/* the first dur, or pct of the rows */
	BP_WINDOW_LAST,		/* the last dur, or pct of the rows */
};

struct bp_window {
	enum bp_window_kind kind;
	int64_t from, to;	/* RANGE; INT64_MIN / INT64_MAX when open */
	int64_t dur;		/* FIRST / LAST by time, ms */
	double pct;		/* FIRST / LAST by rows, percent (dur = 0) */
	char text[80];		/* as written, for the report */
};

/*
 * Parse "FROM..TO" (either end may be empty; a date-only TO includes that
 * whole day, a timestamp TO is inclusive), "last:DUR", "first:DUR",
 * "last:P%" or "first:P%".  Returns 0, or -1 when s is not a window.
 */
int bp_window_parse(struct bp_window *w, const char *s);

/*
 * The rows of s in window w as a 0/1 mask (bp_driftcmp_sample_rows(s)
 * bytes); opt names the window in messages.  Returns the number of rows,
 * or -1 after reporting (the window needs a ts some row lacks).
 */
long bp_driftcmp_select(const struct bp_driftcmp_sample *s,
			const struct bp_window *w, const char *opt,
			unsigned char *mask);

/* The report's description of a sample: source, window, rows, from, to. */
json_t *bp_driftcmp_source_json(const struct bp_driftcmp_sample *s,
				const struct bp_window *w,
				const unsigned char *mask, long rows);

/* ---- the comparison ------------------------------------------------------ */

enum bp_driftcmp_task {
	BP_DRIFTCMP_TASK_AUTO = 0,
	BP_DRIFTCMP_TASK_CLASSIFICATION,
	BP_DRIFTCMP_TASK_REGRESSION,
};

struct bp_driftcmp_opts {
	const char *const *columns;	/* NULL: every common numeric one */
	size_t ncolumns;
	int include_labels;		/* default selection keeps label_* */
	int bins;			/* PSI / JS bins, >= 1 */
	double psi_eps;			/* floor of a bin's proportion */
	const char *score;		/* prediction column ("score") */
	const char *signal;		/* signal column ("signal") */
	const char *label;		/* label for performance, or NULL */
	enum bp_driftcmp_task task;
	double threshold;		/* class 1 when score >= threshold */
	struct bp_window ref_window, cur_window;
	const char *name;		/* report name, or NULL */
	struct bp_severity sev;
};

/* Defaults: bins 10, psi_eps 1e-4, score "score", signal "signal". */
void bp_driftcmp_opts_init(struct bp_driftcmp_opts *o);

/*
 * Compare the rows of cur selected by o->cur_window with the rows of ref
 * selected by o->ref_window (ref and cur may be the same sample).
 * Returns the report (new reference), or NULL after reporting an error:
 * an empty sample, an unknown or non-numeric column, no common columns.
 */
json_t *bp_driftcmp_run(const struct bp_driftcmp_opts *o,
			struct bp_driftcmp_sample *ref,
			struct bp_driftcmp_sample *cur);

/*
 * The report object of one column from its non-null values x (nx) and y
 * (ny), sorted here in place, out of rows_x and rows_y rows.  Exposed for
 * bp-model health, which compares a stored reference the same way.
 */
json_t *bp_driftcmp_column(const struct bp_driftcmp_opts *o, const char *name,
			   double *x, size_t nx, size_t rows_x, double *y,
			   size_t ny, size_t rows_y);

/*
 * Finish a report: collect every finding above NONE from "columns",
 * "prediction" and "performance" into "findings" (highest first), and
 * set "level" and "recommendation".  Returns the overall level.
 */
enum bp_level bp_driftcmp_finish(json_t *report);

#endif
