/*
 * test-exchange: kline pages as Binance and Coinbase send them, parsed into
 * bar rows; interval names; base URLs; the HTTP error message and
 * Retry-After helpers.  Expected values are read off the JSON by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "exchange.h"
#include "http.h"
#include "tap.h"
#include "util.h"

static long
parse(const struct bp_exchange *ex, const char *json, struct bp_csv_table *t,
      char *err)
{
	return bp_exchange_parse(ex, json, strlen(json), t, 7, err, 256);
}

static void
test_binance_page(void)
{
	/* the documented example kline, then one from 2024-01-01 */
	static const char page[] =
		"[[1499040000000,\"0.01634790\",\"0.80000000\",\"0.01575800\","
		"\"0.01577100\",\"148976.11427815\",1499644799999,"
		"\"2434.19055334\",308,\"1756.87402397\",\"28.46694368\","
		"\"17928899.62484339\"],\n"
		" [1704067200000,\"42283.58000000\",\"42554.57000000\","
		"\"42261.02000000\",\"42475.23000000\",\"1271.68108000\","
		"1704070799999,\"53957248.97355570\",47134,\"682.57581000\","
		"\"28957416.81994960\",\"0\"]]";
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	const struct bp_csv_row *r;
	char err[256];

	ok(parse(&bp_exchange_binance, page, &t, err) == 2, "binance: 2");
	ok(t.n == 2, "binance: 2 rows appended");
	r = &t.rows[0];
	ok(r->ts == 1499040000000LL && r->tsok, "binance: open time in ms");
	/* exact: each string is the decimal that was parsed */
	ok(r->v[BP_COL_OPEN] == 0.01634790, "binance: open");
	ok(r->v[BP_COL_HIGH] == 0.8, "binance: high");
	ok(r->v[BP_COL_LOW] == 0.01575800, "binance: low");
	ok(r->v[BP_COL_CLOSE] == 0.01577100, "binance: close");
	ok(r->v[BP_COL_VOLUME] == 148976.11427815, "binance: volume");
	ok(r->v[BP_COL_VOLUME_QUOTE] == 2434.19055334, "binance: quote volume");
	ok(r->v[BP_COL_TRADES] == 308, "binance: trades (a JSON number)");
	ok(r->v[BP_COL_TAKER_BASE] == 1756.87402397, "binance: taker base");
	ok(r->v[BP_COL_TAKER_QUOTE] == 28.46694368, "binance: taker quote");
	ok(isnan(r->v[BP_COL_ADJ_CLOSE]), "binance: no adj_close");
	ok(r->line == 1 && r->file == 7 && !r->bad, "binance: line 1, file 7");
	r = &t.rows[1];
	ok(r->ts == 1704067200000LL, "binance: 2024-01-01T00:00:00Z");
	ok(r->v[BP_COL_CLOSE] == 42475.23, "binance: close 42475.23");
	ok(r->line == 2, "binance: line 2");
	bp_csv_table_release(&t);
}

static void
test_coinbase_page(void)
{
	/* [time s, low, high, open, close, volume], newest first */
	static const char page[] =
		"[[1601276400,10845.48,10870.95,10868.73,10845.48,258.5],"
		"[1601272800,10847.19,10885,10879.63,10868.73,1942.35]]";
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	const struct bp_csv_row *r;
	char err[256];

	ok(parse(&bp_exchange_coinbase, page, &t, err) == 2, "coinbase: 2");
	r = &t.rows[0];
	ok(r->ts == 1601276400000LL, "coinbase: seconds become ms");
	ok(r->v[BP_COL_OPEN] == 10868.73 && r->v[BP_COL_HIGH] == 10870.95 &&
		   r->v[BP_COL_LOW] == 10845.48 &&
		   r->v[BP_COL_CLOSE] == 10845.48 &&
		   r->v[BP_COL_VOLUME] == 258.5,
	   "coinbase: low, high, open, close, volume reordered");
	ok(isnan(r->v[BP_COL_TRADES]), "coinbase: no trades column");
	ok(t.rows[1].ts == 1601272800000LL && t.rows[1].line == 2,
	   "coinbase: second candle an hour earlier, line 2");
	bp_csv_table_release(&t);
}

static void
test_bad_klines(void)
{
	static const char page[] =
		"[[1704067200000,\"1\",\"2\",\"0.5\",\"1.5\"],"
		"[1704070800000,\"1\",\"2\",\"0.5\",\"abc\",\"10\"],"
		"[\"1704074400000\",\"1\",\"2\",\"0.5\",\"1.5\",\"10\"],"
		"[1704078000000,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",0,null,"
		"\"x\"],"
		"[1704081600000,\"1\",\"2\",\"0.5\",\"1.5\",\"1e400\"]]";
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	char err[256];

	ok(parse(&bp_exchange_binance, page, &t, err) == 5, "bad: 5 klines");
	ok(t.rows[0].bad == BP_BAD_FIELDS && t.rows[0].nfields == 5 &&
		   t.rows[0].tsok,
	   "bad: 5 elements are too few, the time is still read");
	ok(t.rows[1].bad == BP_BAD_NUMBER && t.rows[1].badcol == BP_COL_CLOSE,
	   "bad: \"abc\" close is not a number");
	ok(t.rows[2].bad == BP_BAD_TS && !t.rows[2].tsok,
	   "bad: an open time sent as a string is not a time");
	ok(!t.rows[3].bad && isnan(t.rows[3].v[BP_COL_VOLUME_QUOTE]) &&
		   isnan(t.rows[3].v[BP_COL_TRADES]),
	   "bad: null and text extra columns are missing, not bad");
	ok(t.rows[4].bad == BP_BAD_NUMBER && t.rows[4].badcol == BP_COL_VOLUME,
	   "bad: an overflowing volume is not a number");
	bp_csv_table_release(&t);
}

static void
test_malformed_pages(void)
{
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	char err[256];

	ok(parse(&bp_exchange_binance, "[[1704067200000,\"1\"", &t, err) < 0 &&
		   strncmp(err, "not JSON: ", 10) == 0 &&
		   strstr(err, "(line 1, column"),
	   "malformed: truncated JSON (%s)", err);
	ok(parse(&bp_exchange_binance, "{\"code\":-1121,\"msg\":\"x\"}", &t,
		 err) < 0 &&
		   strcmp(err, "expected an array of klines, got an object") ==
			   0,
	   "malformed: an object (%s)", err);
	ok(parse(&bp_exchange_binance, "[[1704067200000,\"1\",\"2\",\"0.5\","
		 "\"1.5\",\"10\"],42]", &t, err) < 0 &&
		   strcmp(err, "kline 2 is a number, not an array") == 0,
	   "malformed: a kline that is not an array (%s)", err);
	ok(t.n == 0, "malformed: nothing appended");
	ok(parse(&bp_exchange_binance, "[]", &t, err) == 0 && t.n == 0,
	   "an empty page is 0 klines");
	bp_csv_table_release(&t);
}

static void
test_intervals_and_urls(void)
{
	char buf[256], *url;

	ok(bp_exchange_interval(&bp_exchange_binance, "1h") == 3600000,
	   "binance 1h");
	ok(bp_exchange_interval(&bp_exchange_binance, "1w") == 604800000,
	   "binance 1w");
	ok(bp_exchange_interval(&bp_exchange_binance, "1M") < 0,
	   "binance 1M (a month) is not served");
	ok(bp_exchange_interval(&bp_exchange_coinbase, "6h") == 21600000,
	   "coinbase 6h");
	ok(bp_exchange_interval(&bp_exchange_coinbase, "4h") < 0,
	   "coinbase has no 4h");
	bp_exchange_interval_list(&bp_exchange_coinbase, buf, sizeof(buf));
	ok(strcmp(buf, "1m, 5m, 15m, 1h, 6h, 1d") == 0, "coinbase list: %s",
	   buf);
	ok(bp_exchange_find("binance") == &bp_exchange_binance &&
		   bp_exchange_find("kraken") == NULL,
	   "find by name");
	unsetenv("BARPIPE_BINANCE_URL");
	url = bp_exchange_base_url(&bp_exchange_binance, NULL);
	ok(strcmp(url, "https://api.binance.com") == 0, "default URL");
	free(url);
	setenv("BARPIPE_BINANCE_URL", "http://127.0.0.1:9/", 1);
	url = bp_exchange_base_url(&bp_exchange_binance, NULL);
	ok(strcmp(url, "http://127.0.0.1:9") == 0,
	   "environment, trailing / dropped");
	free(url);
	url = bp_exchange_base_url(&bp_exchange_binance, "http://h/x//");
	ok(strcmp(url, "http://h/x") == 0, "--base-url wins");
	free(url);
	unsetenv("BARPIPE_BINANCE_URL");
}

static void
test_http_helpers(void)
{
	char buf[128];
	const char *b;

	b = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
	ok(bp_http_json_message(b, strlen(b), buf, sizeof(buf)) == 0 &&
		   strcmp(buf, "Invalid symbol. (code -1121)") == 0,
	   "binance error body: %s", buf);
	b = "{\"message\":\"NotFound\"}";
	ok(bp_http_json_message(b, strlen(b), buf, sizeof(buf)) == 0 &&
		   strcmp(buf, "NotFound") == 0,
	   "coinbase error body: %s", buf);
	b = "<html>502 Bad Gateway</html>";
	ok(bp_http_json_message(b, strlen(b), buf, sizeof(buf)) < 0 &&
		   buf[0] == '\0',
	   "an HTML body has no message");
	b = "[1,2]";
	ok(bp_http_json_message(b, strlen(b), buf, sizeof(buf)) < 0,
	   "an array has no message");
	ok(bp_http_parse_retry_after("120", 0) == 120000, "Retry-After: 120");
	ok(bp_http_parse_retry_after("0", 0) == 0, "Retry-After: 0");
	/* 2015-10-21T07:28:00Z = 1445412480 s; asked 10 s before it */
	ok(bp_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
				     1445412470000LL) == 10000,
	   "Retry-After as an HTTP date");
	ok(bp_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
				     1445412490000LL) == 0,
	   "an HTTP date in the past is no wait");
	ok(bp_http_parse_retry_after("soon", 0) < 0 &&
		   bp_http_parse_retry_after("12s", 0) < 0 &&
		   bp_http_parse_retry_after("", 0) < 0,
	   "garbage Retry-After is refused");
}

int
main(void)
{
	test_binance_page();
	test_coinbase_page();
	test_bad_klines();
	test_malformed_pages();
	test_intervals_and_urls();
	test_http_helpers();
	return done_testing();
}
