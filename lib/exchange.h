/*
 * exchange: OHLCV bars from the public kline (candlestick) endpoints of
 * crypto exchanges.  Market data only: no keys, no accounts, no orders.
 *
 * Each exchange is a struct bp_exchange: its name (the bp-fetch
 * subcommand), base URL and the environment variable overriding it, the
 * intervals it serves, the most bars one request may return, a polite
 * pause between requests, where a kline array keeps the open time and
 * each value, and a fetch function that walks the pages of a time range.
 * Both exchanges here answer with an array of arrays, one per bar, read
 * by one parser driven by that column map:
 *
 *	binance   GET /api/v3/klines?symbol=S&interval=I&startTime=MS
 *		  &endTime=MS&limit=1000, oldest first, at most 1000 bars:
 *		  [open time ms, "open", "high", "low", "close", "volume",
 *		   close time ms, "quote volume", trades, "taker buy base",
 *		   "taker buy quote", "0"]
 *		  Pages follow by startTime = last open time + 1 ms until a
 *		  page is short or reaches endTime.
 *	coinbase  GET /products/P/candles?granularity=SEC&start=ISO&end=ISO,
 *		  newest first, at most 300 bars, numbers not strings:
 *		  [time s, low, high, open, close, volume]
 *		  Pages are windows of 300 bars from the start to the end
 *		  (default: the server's clock); candles outside the window
 *		  are dropped.
 *
 * Another exchange with arrays of values is a new struct with its column
 * map and a fetch function built from the same page helper; one whose
 * bars are objects or wrapped needs its own parse function too.
 *
 * Bars land in a struct bp_csv_table, one "file" per page named by its
 * URL, so lib/validate checks and orders them exactly like CSV input and
 * its messages name the URL and the bar's position in the page
 * ("URL:3: 'high' 41000 is below max(open, close) 42000").
 */
#ifndef BP_EXCHANGE_H
#define BP_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "csvin.h"
#include "http.h"

struct bp_exchange_interval {
	const char *name;	/* as the exchange spells it: "1h" */
	int64_t ms;
};

/* What to fetch. */
struct bp_exchange_req {
	const char *base_url;	/* scheme://host[:port][/path], no / */
	const char *symbol;	/* the exchange's symbol or product id */
	const char *interval;	/* the exchange's interval name */
	int64_t tf;		/* its length in ms */
	int64_t since, until;	/* bar open times, inclusive, when has_* */
	int has_since, has_until;
	int limit;		/* bars per request, 1..max_limit */
	int include_partial;	/* keep a bar that has not closed yet */
};

struct bp_exchange_fetch;

struct bp_exchange {
	const char *name;		/* "binance" */
	const char *title;		/* "Binance spot" */
	const char *default_url;	/* "https://api.binance.com" */
	const char *url_env;		/* "BARPIPE_BINANCE_URL" */
	int max_limit;			/* bars per request */
	long min_interval_ms;		/* default pause between calls */
	enum bp_csv_format format;	/* reported as the pages' format */
	const struct bp_exchange_interval *intervals;	/* NULL-ended */
	/* the kline array: open time index and unit, column indexes */
	int ts_index;
	int64_t ts_unit_ms;		/* 1 (ms) or 1000 (s) */
	int need;			/* elements a kline must have */
	int col[BP_COL_N];		/* array index per column, -1: none */
	/* walk the pages of the request; returns 0 or -1 after reporting */
	int (*fetch)(struct bp_exchange_fetch *f);
};

extern const struct bp_exchange bp_exchange_binance;
extern const struct bp_exchange bp_exchange_coinbase;
/* Every exchange, NULL-terminated. */
extern const struct bp_exchange *const bp_exchanges[];

/* The exchange called name, or NULL. */
const struct bp_exchange *bp_exchange_find(const char *name);

/* Length in ms of the interval called name, or -1 when not served. */
int64_t bp_exchange_interval(const struct bp_exchange *ex, const char *name);
/* "1m, 5m, 15m, ..." into buf. */
void bp_exchange_interval_list(const struct bp_exchange *ex, char *buf,
			       size_t n);

/*
 * The base URL to use: url when not NULL, else $url_env when set and not
 * empty, else the default; without a trailing '/'.  Returns a new string.
 */
char *bp_exchange_base_url(const struct bp_exchange *ex, const char *url);

/*
 * Fetch the bars of r page by page with h and append them to t (one file
 * per non-empty page).  Bars opened outside [since, until] are dropped,
 * and so is a bar still open at the server's clock (its Date header, else
 * the local clock) unless r->include_partial.  Returns 0, or -1 after
 * reporting (an HTTP or transport error naming the URL, a page that is
 * not JSON or not an array of klines).  Rows that cannot be read (a value
 * that is not a number, too few elements) are kept with their reason for
 * lib/validate, like bad CSV rows.
 */
int bp_exchange_fetch(const struct bp_exchange *ex,
		      const struct bp_exchange_req *r, struct bp_http *h,
		      struct bp_csv_table *t);

/*
 * Parse one page (body of len bytes) as ex sends it and append its klines
 * to t with file index `file` and line = 1-based position in the page.
 * Returns the number of klines, or -1 with a reason in err ("not JSON:
 * ... (line 1, column 57)", "expected an array of klines, got an
 * object", "kline 3 is not an array").
 */
long bp_exchange_parse(const struct bp_exchange *ex, const char *body,
		       size_t len, struct bp_csv_table *t, uint16_t file,
		       char *err, size_t errlen);

#endif
