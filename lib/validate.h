/*
 * validate: check bar rows read by lib/csvin and put them in time order.
 *
 * bp_validate_run() takes the rows of every input file in file order and
 * leaves in the table exactly the bars to write: bad rows failed, skipped
 * or kept (--on-bad), sorted ascending (newest-first vendor files are
 * reversed; this needs the rows in memory), identical repeats dropped,
 * conflicting repeats refused or resolved (--dupes).  On the way it
 * counts everything bp-fetch validate reports: order, duplicates, gaps
 * against the timeframe (given or inferred as the most common spacing),
 * misaligned bars, OHLC inconsistencies, negative and non-numeric values,
 * zero-volume bars and empty files.  The summary document's keys are
 * listed in bp-fetch(1).
 */
#ifndef BP_VALIDATE_H
#define BP_VALIDATE_H

#include <jansson.h>
#include <stdint.h>

#include "csvin.h"

enum bp_on_bad {
	BP_ON_BAD_FAIL = 0,	/* error naming file, line and reason */
	BP_ON_BAD_SKIP,		/* drop the row and count it */
	BP_ON_BAD_REPORT,	/* keep the row (null for unreadable values) */
};
extern const char *const bp_on_bad_names[];	/* "fail", "skip", "report" */

enum bp_dupes {
	BP_DUPES_ERROR = 0,	/* conflicting repeats are an error */
	BP_DUPES_FIRST,		/* keep the first in file order */
	BP_DUPES_LAST,		/* keep the last in file order */
};
extern const char *const bp_dupes_names[];	/* "error", "first", "last" */

struct bp_validate_opts {
	enum bp_on_bad on_bad;
	enum bp_dupes dupes;
	int64_t timeframe;	/* ms; 0 infers it */
	/*
	 * bp-fetch validate: never stop at a problem; count and list it, and
	 * clear ok when bp-fetch csv would refuse the input.
	 */
	int collect;
};
#define BP_VALIDATE_OPTS_INIT { BP_ON_BAD_FAIL, BP_DUPES_ERROR, 0, 0 }

/* How many problems of each kind are listed in the summary. */
#define BP_VALIDATE_LIST_MAX 10

struct bp_validate {
	int ok;			/* bp-fetch csv would accept the input */
	long rows;		/* data rows read */
	long bars;		/* bars left */
	int64_t first, last;	/* ms; meaningful when bars > 0 */
	int64_t timeframe;	/* ms, 0 when unknown (fewer than 2 bars) */
	int timeframe_inferred;
	int64_t common_spacing;	/* most common spacing between bars */
	long unsorted;		/* steps against a file's direction */
	long identical, conflicting;
	long gaps, missing;
	int64_t largest_gap, largest_gap_after;
	long misaligned;
	long bad, skipped, kept;
	long bad_kind[8];	/* by enum bp_csv_bad */
	long zero_volume;
	long empty_files;
	json_t *files;		/* [{file, format, rows, order, ...}] */
	json_t *bad_list, *dup_list, *gap_list, *empty_list;
};
#define BP_VALIDATE_INIT { 0 }
void bp_validate_release(struct bp_validate *v);

/*
 * Check, sort and de-duplicate t->rows in place (see above).  Returns 0,
 * or -1 after reporting the first problem that stops a run: a bad row with
 * --on-bad fail ("FILE:LINE: 'close' is not a number"), a conflicting
 * repeat with --dupes error, an empty file.  With o->collect it never
 * returns -1 for the data; v->ok says whether it would have.
 */
int bp_validate_run(struct bp_validate *v, struct bp_csv_table *t,
		    const struct bp_validate_opts *o);

/* Reason text of a bad row, e.g. "'close' is not a number". */
void bp_validate_reason(const struct bp_csv_row *row, char *buf, size_t n);

/*
 * Warnings for the problems found (verbosity >= 1) and the counts
 * (verbosity >= 2) on stderr.
 */
void bp_validate_report(const struct bp_validate *v);

/* The summary document (new reference); symbol may be NULL. */
json_t *bp_validate_summary(const struct bp_validate *v, const char *symbol);

#endif
