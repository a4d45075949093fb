/*
 * bars: OHLCV bars in streams and in the `bars` table of the database.
 *
 * A bar row in a stream is
 *	{"ts":"2020-09-28T07:00:00Z","symbol":"BTCUSDT","open":..,"high":..,
 *	 "low":..,"close":..,"volume":..}
 * with ts the bar's open time (lib/ts.h).  In the database a bar is keyed
 * by (symbol, timeframe, ts) with ts in ms and the timeframe as canonical
 * duration text ("1h", "1d", "1m"); see the schema in lib/store.c.
 *
 * Writes go in batches of N rows, each one transaction (BEGIN IMMEDIATE):
 * a failure rolls back the open batch, so nothing half-done is committed,
 * while batches already committed stay.  Two processes may upsert at the
 * same time: the second waits for the first's batch (WAL, busy timeout).
 */
#ifndef BP_BARS_H
#define BP_BARS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "stream.h"

struct bp_bar {
	int64_t ts;		/* open time, ms since the epoch, UTC */
	double open, high, low, close, volume;
};

/*
 * Begin a row on w and add the bar's fields in the stream order (ts,
 * symbol, open, high, low, close, volume).  The caller may add columns,
 * then ends the row with bp_writer_end().
 */
void bp_bars_put(struct bp_writer *w, const char *symbol,
		 const struct bp_bar *b);

/*
 * Read a bar from a stream row: ts (text or epoch number), symbol, and the
 * five values.  hints is an array of 7 ints set to -1 before the first
 * call.  Returns 0, or -1 with a reason ("'close' is not a number") in
 * err.  *symbol points into row.
 */
int bp_bars_get(const struct bp_row *row, int *hints, struct bp_bar *b,
		const char **symbol, size_t *symlen, char *err, size_t errlen);

/* ---- the cache -------------------------------------------------------- */

struct bp_bars_upsert;

/*
 * Start upserting bars of one symbol and timeframe, committing every
 * batch rows.  Returns NULL after reporting.
 */
struct bp_bars_upsert *bp_bars_upsert_new(struct bp_store *s,
					  const char *symbol,
					  const char *timeframe, size_t batch);
/* Add a bar (commits when the batch is full).  Returns 0 or -1. */
int bp_bars_upsert_add(struct bp_bars_upsert *u, const struct bp_bar *b);
/* Commit the last batch and free *u.  Returns 0 or -1 (then rolled back). */
int bp_bars_upsert_finish(struct bp_bars_upsert **u);
/* Roll back the open batch and free *u; NULL is fine. */
void bp_bars_upsert_abort(struct bp_bars_upsert **u);
/* Bars committed so far. */
uint64_t bp_bars_upsert_committed(const struct bp_bars_upsert *u);

struct bp_bars_query {
	const char *symbol;
	const char *timeframe;
	int64_t since, until;	/* inclusive bounds when has_* */
	int has_since, has_until;
	long last;		/* > 0: only the last N bars (in time order) */
};

/*
 * Call fn for each cached bar matching q, in time order; stop when fn
 * returns non-zero (returned).  Returns 0, or -1 after reporting.
 */
int bp_bars_query(struct bp_store *s, const struct bp_bars_query *q,
		  int (*fn)(const struct bp_bar *, void *), void *arg);

/*
 * Write the cached bars matching q to w as bar rows of q->symbol.
 * Returns the number of bars written, or -1 after reporting.
 */
long bp_bars_write(struct bp_store *s, const struct bp_bars_query *q,
		   struct bp_writer *w);

/*
 * Open time (ms) of the last cached bar of symbol and timeframe into *ts.
 * Returns 1, 0 when the cache holds none, or -1 after reporting.
 */
int bp_bars_last(struct bp_store *s, const char *symbol,
		 const char *timeframe, int64_t *ts);

struct bp_bars_info {
	char *symbol, *timeframe;
	int64_t first, last;
	long count;
	long gaps;	/* holes longer than the timeframe; -1 if unknown */
};

/*
 * What the cache holds, one entry per (symbol, timeframe), sorted.  The
 * array and its strings are the caller's (bp_bars_info_free).  Returns 0
 * or -1.
 */
int bp_bars_list(struct bp_store *s, struct bp_bars_info **out, size_t *n);
void bp_bars_info_free(struct bp_bars_info *info, size_t n);

/*
 * bp_bars_list() as stream rows on w, one per (symbol, timeframe):
 * symbol, timeframe, first, last, count, gaps (null when unknown).
 * Returns 0 or -1 after reporting.
 */
int bp_bars_write_list(struct bp_store *s, struct bp_writer *w);

/*
 * Delete bars opened before `before` (ms), only of symbol / timeframe when
 * not NULL.  Returns the number deleted, or -1 after reporting.
 */
long bp_bars_prune(struct bp_store *s, int64_t before, const char *symbol,
		   const char *timeframe);

#endif
