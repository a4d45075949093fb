/*
 * fetch: the work of the bp-fetch commands, one function per command.
 *
 *	csv       vendor CSV files -> checked bar stream (and the cache)
 *	validate  vendor CSV files -> the JSON summary of their problems
 *	binance,  exchange REST pages -> checked bar stream (and the cache)
 *	coinbase
 *	resample  bar stream -> coarser bar stream
 *	db        the cache -> bar stream, or the list of what it holds
 *	prune     delete old bars from the cache, report how many
 *
 * bin/bp-fetch parses and checks the command line into one struct
 * bp_fetch_opts; each function reads the fields of its command only.
 * Output goes to o->out (NULL: stdout), atomically: a failed command
 * leaves no file behind.  Bars are checked and ordered by lib/validate
 * (CSV rows and exchange pages alike) before anything is written, and
 * with o->store upserted into the cache in transactions of o->batch.
 */
#ifndef BP_FETCH_H
#define BP_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "exchange.h"
#include "http.h"
#include "resample.h"
#include "ts.h"
#include "validate.h"

struct bp_fetch_opts {
	const char *symbol;	/* written in the bars; NULL when not given */
	char timeframe[BP_TS_BUFSZ];	/* "1h": the cache key; "" if none */
	const char *db;		/* database; NULL: $BARPIPE_HOME/barpipe.db */
	const char *out;	/* output path; NULL: stdout */
	int plain;		/* plain NDJSON (else zstd, plain on a tty) */
	int store;		/* csv, exchanges: also upsert into the cache */
	int extra;		/* csv, binance: the extra vendor columns */
	long batch;		/* bars per cache transaction */
	const char *const *files;	/* inputs; nfiles 0: stdin */
	size_t nfiles;
	/* csv, validate (val also for the exchanges) */
	struct bp_csv_opts csv;
	struct bp_validate_opts val;
	/* resample (one input at most) */
	struct bp_resample_opts rs;
	/* db: list, or the bars of symbol and timeframe in a range */
	int list;
	int64_t since, until;	/* inclusive, when has_* */
	int has_since, has_until;
	long last;		/* > 0: only the last n bars */
	/* prune: bars opened before `before`, or older than older_than ms */
	int64_t before, older_than;
	int has_before;
	/*
	 * binance, coinbase: req's interval, tf, limit, base_url (NULL: the
	 * default) and include_partial; its symbol and range come from the
	 * fields above, and so does since_cache.
	 */
	const struct bp_exchange *ex;
	struct bp_exchange_req req;
	struct bp_http_opts http;
	int since_cache;	/* resume after the last cached bar */
};

/*
 * The defaults: everything zero or NULL, batch 5000; for an exchange
 * command (ex not NULL) the HTTP defaults with ex's pause between
 * requests, and ex's largest page.
 */
void bp_fetch_opts_init(struct bp_fetch_opts *o, const struct bp_exchange *ex);

/*
 * csv: read every input, check and order the rows (o->val), report the
 * problems (bp_validate_report), write the bars of o->symbol with the
 * extra columns present when o->extra.  Returns 0, or -1 after reporting
 * (an unreadable file, a bad row with --on-bad fail, a conflicting
 * repeat, --store without a known timeframe, a write error).
 */
int bp_fetch_csv(const struct bp_fetch_opts *o);

/*
 * validate: read and check every input without stopping at a problem,
 * and write the summary document (bp-fetch(1)).  Returns 0 when csv would
 * accept the input, 1 when it would refuse it (the summary is written
 * either way), or -1 after reporting.
 */
int bp_fetch_validate(const struct bp_fetch_opts *o);

/*
 * binance, coinbase: fetch the bars of o->symbol in the range page by
 * page from o->ex (after the last cached bar with o->since_cache), check
 * them against the interval, write them as csv does, and store them one
 * transaction per page.  Returns 0, or -1 after reporting.
 */
int bp_fetch_exchange(const struct bp_fetch_opts *o);

/*
 * resample: the bars of o->files[0] (or stdin) aggregated by o->rs.
 * Returns 0, or -1 after reporting.
 */
int bp_fetch_resample(const struct bp_fetch_opts *o);

/*
 * db: with o->list, one row per cached symbol and timeframe
 * (bp_bars_write_list); otherwise the cached bars of o->symbol and
 * o->timeframe in the range, with a warning when there are none.
 * Returns 0, or -1 after reporting.
 */
int bp_fetch_db(const struct bp_fetch_opts *o);

/*
 * prune: delete the bars opened before o->before (or more than
 * o->older_than ms before now), of o->symbol and o->timeframe when given,
 * and write {"deleted", "before", "symbol", "timeframe"}.  Returns 0, or
 * -1 after reporting.
 */
int bp_fetch_prune(const struct bp_fetch_opts *o);

#endif
