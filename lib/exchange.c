/*
 * exchange: kline pages from Binance and Coinbase into bar rows.  See
 * exchange.h.
 */
#include "exchange.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "ts.h"
#include "util.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

struct bp_exchange_fetch {
	const struct bp_exchange *ex;
	const struct bp_exchange_req *r;
	struct bp_http *h;
	struct bp_csv_table *t;
	struct bp_buf url, body;
	long pages;
};

/* ---- the exchanges --------------------------------------------------- */

static int binance_fetch(struct bp_exchange_fetch *f);
static int coinbase_fetch(struct bp_exchange_fetch *f);

/*
 * Binance spot klines; 1M is left out: a month has no fixed length, so
 * its bars could be neither checked for gaps nor keyed in the cache.
 */
static const struct bp_exchange_interval binance_intervals[] = {
	{ "1s", 1000 }, { "1m", MIN_MS }, { "3m", 3 * MIN_MS },
	{ "5m", 5 * MIN_MS }, { "15m", 15 * MIN_MS }, { "30m", 30 * MIN_MS },
	{ "1h", HOUR_MS }, { "2h", 2 * HOUR_MS }, { "4h", 4 * HOUR_MS },
	{ "6h", 6 * HOUR_MS }, { "8h", 8 * HOUR_MS }, { "12h", 12 * HOUR_MS },
	{ "1d", DAY_MS }, { "3d", 3 * DAY_MS }, { "1w", 7 * DAY_MS },
	{ NULL, 0 },
};

/*
 * Request weight 2 per klines call (any limit up to 1000) against 6000 a
 * minute per IP: 200 ms between calls uses 600 a minute, a tenth.
 */
const struct bp_exchange bp_exchange_binance = {
	.name = "binance",
	.title = "Binance spot",
	.default_url = "https://api.binance.com",
	.url_env = "BARPIPE_BINANCE_URL",
	.max_limit = 1000,
	.min_interval_ms = 200,
	.format = BP_CSV_BINANCE,
	.intervals = binance_intervals,
	.ts_index = 0,
	.ts_unit_ms = 1,
	.need = 6,
	.col = {
		[BP_COL_OPEN] = 1, [BP_COL_HIGH] = 2, [BP_COL_LOW] = 3,
		[BP_COL_CLOSE] = 4, [BP_COL_VOLUME] = 5,
		[BP_COL_VOLUME_QUOTE] = 7, [BP_COL_TRADES] = 8,
		[BP_COL_TAKER_BASE] = 9, [BP_COL_TAKER_QUOTE] = 10,
		[BP_COL_ADJ_CLOSE] = -1,
	},
	.fetch = binance_fetch,
};

/* Coinbase Exchange: granularity 60, 300, 900, 3600, 21600 or 86400 s. */
static const struct bp_exchange_interval coinbase_intervals[] = {
	{ "1m", MIN_MS }, { "5m", 5 * MIN_MS }, { "15m", 15 * MIN_MS },
	{ "1h", HOUR_MS }, { "6h", 6 * HOUR_MS }, { "1d", DAY_MS },
	{ NULL, 0 },
};

/* Public endpoints allow about 10 requests a second per IP. */
const struct bp_exchange bp_exchange_coinbase = {
	.name = "coinbase",
	.title = "Coinbase Exchange",
	.default_url = "https://api.exchange.coinbase.com",
	.url_env = "BARPIPE_COINBASE_URL",
	.max_limit = 300,
	.min_interval_ms = 200,
	.format = BP_CSV_GENERIC,
	.intervals = coinbase_intervals,
	.ts_index = 0,
	.ts_unit_ms = 1000,
	.need = 6,
	.col = {
		[BP_COL_OPEN] = 3, [BP_COL_HIGH] = 2, [BP_COL_LOW] = 1,
		[BP_COL_CLOSE] = 4, [BP_COL_VOLUME] = 5,
		[BP_COL_VOLUME_QUOTE] = -1, [BP_COL_TRADES] = -1,
		[BP_COL_TAKER_BASE] = -1, [BP_COL_TAKER_QUOTE] = -1,
		[BP_COL_ADJ_CLOSE] = -1,
	},
	.fetch = coinbase_fetch,
};

const struct bp_exchange *const bp_exchanges[] = {
	&bp_exchange_binance,
	&bp_exchange_coinbase,
	NULL,
};

const struct bp_exchange *
bp_exchange_find(const char *name)
{
	for (int i = 0; bp_exchanges[i]; i++)
		if (strcmp(bp_exchanges[i]->name, name) == 0)
			return bp_exchanges[i];
	return NULL;
}

int64_t
bp_exchange_interval(const struct bp_exchange *ex, const char *name)
{
	for (const struct bp_exchange_interval *i = ex->intervals; i->name;
	     i++)
		if (strcmp(i->name, name) == 0)
			return i->ms;
	return -1;
}

void
bp_exchange_interval_list(const struct bp_exchange *ex, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const struct bp_exchange_interval *i = ex->intervals;
	     i->name && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
					i == ex->intervals ? "" : ", ",
					i->name);
}

char *
bp_exchange_base_url(const struct bp_exchange *ex, const char *url)
{
	const char *env = getenv(ex->url_env);
	char *s;
	size_t n;

	if (!url)
		url = env && *env ? env : ex->default_url;
	s = bp_xstrdup(url);
	n = strlen(s);
	while (n && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* ---- parsing ---------------------------------------------------------- */

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* A value sent as a JSON string ("42283.58") or number.  0 or -1. */
static int
num_value(const json_t *v, double *out)
{
	if (json_is_string(v)) {
		if (bp_parse_double(json_string_value(v),
				    json_string_length(v), out) < 0)
			return -1;
	} else if (json_is_number(v)) {
		*out = json_number_value(v);
	} else {
		return -1;
	}
	return isfinite(*out) ? 0 : -1;
}

/* The open time: an integer count of ts_unit_ms.  0 or -1. */
static int
ts_value(const struct bp_exchange *ex, const json_t *v, int64_t *ms)
{
	json_int_t x;

	if (!json_is_integer(v))
		return -1;
	x = json_integer_value(v);
	if (x < BP_TS_MIN_MS / ex->ts_unit_ms ||
	    x > BP_TS_MAX_MS / ex->ts_unit_ms)
		return -1;
	*ms = (int64_t)x * ex->ts_unit_ms;
	return 0;
}

static void
parse_kline(const struct bp_exchange *ex, const json_t *k,
	    struct bp_csv_row *r)
{
	size_t m = json_array_size(k);

	for (int c = 0; c < BP_COL_N; c++)
		r->v[c] = NAN;
	r->nfields = (uint32_t)m;
	if ((size_t)ex->ts_index < m &&
	    ts_value(ex, json_array_get(k, (size_t)ex->ts_index), &r->ts) == 0)
		r->tsok = 1;
	if (m < (size_t)ex->need) {
		r->bad = BP_BAD_FIELDS;
		return;
	}
	if (!r->tsok) {
		r->bad = BP_BAD_TS;
		r->badcol = BP_ROLE_TS;
	}
	for (int c = 0; c < BP_COL_N; c++) {
		int i = ex->col[c];

		if (i < 0 || (size_t)i >= m)
			continue;
		if (num_value(json_array_get(k, (size_t)i), &r->v[c]) == 0)
			continue;
		r->v[c] = NAN;	/* extra columns: missing is fine */
		if (c < BP_COL_NBAR && !r->bad) {
			r->bad = BP_BAD_NUMBER;
			r->badcol = (uint8_t)c;
		}
	}
}

long
bp_exchange_parse(const struct bp_exchange *ex, const char *body,
		  size_t len, struct bp_csv_table *t, uint16_t file,
		  char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je);
	size_t n, start = t->n;

	if (!doc) {
		snprintf(err, errlen, "not JSON: %s (line %d, column %d)",
			 je.text, je.line, je.column);
		return -1;
	}
	if (!json_is_array(doc)) {
		snprintf(err, errlen, "expected an array of klines, got %s",
			 json_kind(doc));
		json_decref(doc);
		return -1;
	}
	n = json_array_size(doc);
	BP_GROW(t->rows, t->alloc, t->n + n);
	for (size_t i = 0; i < n; i++) {
		const json_t *k = json_array_get(doc, i);
		struct bp_csv_row *r = &t->rows[t->n];

		if (!json_is_array(k)) {
			snprintf(err, errlen, "kline %zu is %s, not an array",
				 i + 1, json_kind(k));
			t->n = start;
			json_decref(doc);
			return -1;
		}
		memset(r, 0, sizeof(*r));
		r->line = (uint32_t)(i + 1);
		r->file = file;
		parse_kline(ex, k, r);
		t->n++;
	}
	json_decref(doc);
	return (long)n;
}

/* ---- pages ------------------------------------------------------------ */

/* Percent-encode s for a URL path segment or query value. */
static void
add_escaped(struct bp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			bp_buf_addc(b, (char)c);
		} else {
			bp_buf_addc(b, '%');
			bp_buf_addc(b, hex[c >> 4]);
			bp_buf_addc(b, hex[c & 15]);
		}
	}
}

/* The page range: bars opened in [lo, hi] are kept. */
struct range {
	int64_t lo, hi;
};

/*
 * GET f->url and append its klines opened in rg to the table, as a new
 * file when any is left.  *raw gets the number of klines in the answer,
 * *last the latest open time read (or INT64_MIN).  Returns 0 or -1.
 */
static int
get_page(struct bp_exchange_fetch *f, struct range rg, long *raw,
	 int64_t *last)
{
	struct bp_csv_table *t = f->t;
	size_t start = t->n, k;
	uint16_t file = (uint16_t)t->nfiles;
	struct bp_csv_file *cf;
	char err[256];
	long n;

	if (t->nfiles >= UINT16_MAX)
		return bp_error("more than %u pages: fetch a shorter range",
				UINT16_MAX - 1);
	if (bp_http_get(f->h, f->url.s, &f->body) < 0)
		return -1;
	f->pages++;
	if ((n = bp_exchange_parse(f->ex, f->body.s, f->body.len, t, file,
				   err, sizeof(err))) < 0)
		return bp_error("bad answer from '%s': %s", f->url.s, err);
	*raw = n;
	*last = INT64_MIN;
	k = start;
	for (size_t i = start; i < t->n; i++) {
		const struct bp_csv_row *r = &t->rows[i];

		if (r->tsok && r->ts > *last)
			*last = r->ts;
		if (r->tsok && (r->ts < rg.lo || r->ts > rg.hi))
			continue;
		t->rows[k++] = *r;
	}
	t->n = k;
	bp_info(3, "%s: %ld bars, %zu in range", f->url.s, n, k - start);
	if (k == start)
		return 0;
	BP_GROW(t->files, t->files_alloc, t->nfiles + 1);
	cf = &t->files[t->nfiles++];
	memset(cf, 0, sizeof(*cf));
	cf->name = bp_xstrdup(f->url.s);
	cf->format = f->ex->format;
	cf->rows = (long)(k - start);
	cf->need_fields = f->ex->need;
	cf->has[BP_ROLE_TS] = 1;
	for (int c = 0; c < BP_COL_N; c++)
		cf->has[c] = f->ex->col[c] >= 0;
	return 0;
}

static struct range
req_range(const struct bp_exchange_req *r)
{
	struct range rg = { INT64_MIN, INT64_MAX };

	if (r->has_since)
		rg.lo = r->since;
	if (r->has_until)
		rg.hi = r->until;
	return rg;
}

/*
 * Binance: ascending pages of up to limit klines opened at or after
 * startTime (and at or before endTime).  A short page is the last; so is
 * one that reaches endTime.  Without --since one page of the most recent
 * klines is all.
 */
static int
binance_fetch(struct bp_exchange_fetch *f)
{
	const struct bp_exchange_req *r = f->r;
	int64_t start = r->since, last;
	long n;

	for (;;) {
		bp_buf_reset(&f->url);
		bp_buf_addf(&f->url, "%s/api/v3/klines?symbol=", r->base_url);
		add_escaped(&f->url, r->symbol);
		bp_buf_adds(&f->url, "&interval=");
		add_escaped(&f->url, r->interval);
		if (r->has_since)
			bp_buf_addf(&f->url, "&startTime=%lld",
				    (long long)start);
		if (r->has_until)
			bp_buf_addf(&f->url, "&endTime=%lld",
				    (long long)r->until);
		bp_buf_addf(&f->url, "&limit=%d", r->limit);
		if (get_page(f, req_range(r), &n, &last) < 0)
			return -1;
		if (!r->has_since || n < r->limit || last == INT64_MIN ||
		    (r->has_until && last >= r->until))
			return 0;
		if (last < start)
			return bp_error("bad answer from '%s': the klines "
					"end before startTime", f->url.s);
		start = last + 1;
	}
}

static int64_t
local_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server's clock at its last answer, else ours. */
static int64_t
now_ms(const struct bp_exchange_fetch *f)
{
	int64_t t = bp_http_server_time(f->h);

	return t >= 0 ? t : local_now_ms();
}

static void
coinbase_url(struct bp_exchange_fetch *f, int64_t start, int64_t end,
	     int window)
{
	char a[BP_TS_BUFSZ], b[BP_TS_BUFSZ];

	bp_buf_reset(&f->url);
	bp_buf_addf(&f->url, "%s/products/", f->r->base_url);
	add_escaped(&f->url, f->r->symbol);
	bp_buf_addf(&f->url, "/candles?granularity=%lld",
		    (long long)(f->r->tf / 1000));
	if (window) {
		bp_ts_format(a, start);
		bp_ts_format(b, end);
		bp_buf_addf(&f->url, "&start=%s&end=%s", a, b);
	}
}

/*
 * Coinbase: windows [start, start + (limit - 1) * tf] from the first bar
 * boundary at or after --since to --until, or to the server's clock.  A
 * window may hold no candles (no trades), so only the end of the range
 * stops the walk.  Without --since: one page of the most recent candles,
 * or of those up to --until.
 */
static int
coinbase_fetch(struct bp_exchange_fetch *f)
{
	const struct bp_exchange_req *r = f->r;
	int64_t tf = r->tf, span = (int64_t)(r->limit - 1) * tf;
	int64_t start, end, stop, last;
	struct range rg = req_range(r);
	long n;

	if (!r->has_since) {
		coinbase_url(f, r->until - span, r->until, r->has_until);
		return get_page(f, rg, &n, &last);
	}
	start = r->since % tf == 0 ? r->since
				   : r->since - (r->since % tf + tf) % tf + tf;
	stop = r->has_until ? r->until : INT64_MAX;
	while (start <= stop) {
		end = stop - start < span ? stop : start + span;
		coinbase_url(f, start, end, 1);
		rg.lo = start;
		rg.hi = end;
		if (get_page(f, rg, &n, &last) < 0)
			return -1;
		if (!r->has_until) {	/* up to the server clock */
			stop = now_ms(f);
			stop -= (stop % tf + tf) % tf;
		}
		start = end + tf;
	}
	return 0;
}

/* ---- the whole fetch -------------------------------------------------- */

/* Drop bars that are still open at the server's clock. */
static void
drop_open_bars(struct bp_exchange_fetch *f)
{
	struct bp_csv_table *t = f->t;
	int64_t now = now_ms(f);
	size_t k = 0;
	char a[BP_TS_BUFSZ], b[BP_TS_BUFSZ];

	for (size_t i = 0; i < t->n; i++) {
		const struct bp_csv_row *r = &t->rows[i];

		if (r->tsok && r->ts + f->r->tf > now) {
			bp_ts_format(a, r->ts);
			bp_ts_format(b, r->ts + f->r->tf);
			bp_info(2, "dropped the bar opened at %s: it closes "
				   "at %s (--include-partial keeps it)", a, b);
			continue;
		}
		t->rows[k++] = *r;
	}
	t->n = k;
}

int
bp_exchange_fetch(const struct bp_exchange *ex,
		  const struct bp_exchange_req *r, struct bp_http *h,
		  struct bp_csv_table *t)
{
	struct bp_exchange_fetch f = { ex, r, h, t, BP_BUF_INIT, BP_BUF_INIT,
				       0 };
	int rc = ex->fetch(&f);

	if (rc == 0 && !r->include_partial)
		drop_open_bars(&f);
	if (rc == 0)
		bp_info(2, "%s: %ld page%s in %ld request%s, %zu bars of %s "
			   "%s", ex->name, f.pages, f.pages == 1 ? "" : "s",
			bp_http_requests(h),
			bp_http_requests(h) == 1 ? "" : "s", t->n, r->symbol,
			r->interval);
	bp_buf_release(&f.url);
	bp_buf_release(&f.body);
	return rc;
}
