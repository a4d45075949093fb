/*
 * resample: aggregate a bar stream into coarser bars, per symbol.
 *
 * A coarse bar covers [start, start + to) with start aligned to UTC:
 * floor(ts / to) * to from the epoch, except that multiples of a week
 * start on Monday 00:00 UTC.  It takes the first open, the highest high,
 * the lowest low, the last close and the summed volume of the source bars
 * inside it, and is stamped with its start (the open time, like every
 * bar).  Memory is constant per symbol: one open bucket each.
 *
 * Partial bars: the first and the last bucket of each symbol (where the
 * stream started or ended mid-bucket) are partial when they hold fewer
 * source bars than to / from, where from is the source timeframe (given,
 * or the smallest spacing seen between the symbol's bars).  Interior
 * buckets with missing source bars are not partial: those are holes in
 * the data (bp-fetch validate reports them).
 */
#ifndef BP_RESAMPLE_H
#define BP_RESAMPLE_H

#include <stdint.h>

#include "bars.h"
#include "stream.h"

enum bp_partial {
	BP_PARTIAL_KEEP = 0,	/* write partial bars like the others */
	BP_PARTIAL_DROP,	/* leave them out */
	BP_PARTIAL_MARK,	/* every bar gets "partial": true/false */
};
extern const char *const bp_partial_names[];	/* "keep", "drop", "mark" */

struct bp_resample_opts {
	int64_t to;		/* target timeframe, ms */
	int64_t from;		/* source timeframe, ms; 0 infers it */
	enum bp_partial partial;
};

/*
 * Read every bar row of in and write the coarse bars to out (stream
 * order: buckets as they close; at the end, the open buckets by start
 * time, then in the order their symbols first appeared).  Columns other
 * than the bar's are not carried (a warning names each once).  Returns
 * 0, or -1 after reporting "NAME:LINE: reason": a row that is not a bar,
 * a time going backwards or repeated within a symbol, a source timeframe
 * that does not divide to.
 */
int bp_resample_stream(const struct bp_resample_opts *o, struct bp_reader *in,
		       struct bp_writer *out);

/* ---- the same, one bar at a time (for tests and other tools) --------- */

struct bp_resample;
struct bp_resample *bp_resample_new(const struct bp_resample_opts *o,
				    struct bp_writer *out);
/*
 * Add a bar of symbol (symlen bytes); where names it in errors
 * ("<stdin>:12").  Returns 0, or -1 after reporting.
 */
int bp_resample_add(struct bp_resample *r, const char *symbol, size_t symlen,
		    const struct bp_bar *b, const char *where);
/* Write the open buckets.  Returns 0 or -1. */
int bp_resample_finish(struct bp_resample *r);
void bp_resample_free(struct bp_resample **r);

#endif
