/*
 * test-csvin: CSV numbers, time fields, zones, --map, and format detection
 * on small files.  Expected epoch values come from date(1):
 * `date -u -d "2020-09-28 07:00" +%s` = 1601276400, and so on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/test-csvin.XXXXXX";

static void
num_ok(const char *s, double want)
{
	double got = NAN;

	ok(bp_csv_parse_num(s, strlen(s), &got) == 0 && got == want,
	   "number '%s' = %.17g (got %.17g)", s, want, got);
}

static void
num_bad(const char *s)
{
	double got;

	ok(bp_csv_parse_num(s, strlen(s), &got) < 0, "'%s' is not a number",
	   s);
}

static void
time_ok(const char *s, int tz, int64_t want_ms)
{
	int64_t got = -1;
	int rc = bp_csv_parse_time(s, strlen(s), tz, &got);

	ok(rc == 0 && got == want_ms, "time '%s' (tz %d) = %lld (got %lld)", s,
	   tz, (long long)want_ms, (long long)got);
}

static void
time_bad(const char *s)
{
	int64_t got;

	ok(bp_csv_parse_time(s, strlen(s), 0, &got) < 0,
	   "'%s' is not a time", s);
}

static void
tz_ok(const char *s, int want)
{
	int got = 9999;

	ok(bp_csv_parse_tz(s, &got) == 0 && got == want,
	   "zone '%s' = %d min (got %d)", s, want, got);
}

static void
tz_bad(const char *s)
{
	int got;

	ok(bp_csv_parse_tz(s, &got) < 0, "'%s' is not a zone", s);
}

/* Write text to dir/name; returns the path (static buffer). */
static const char *
file(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Read text with options o; check format, rows and the first row. */
static void
detect(const char *name, const char *text, const struct bp_csv_opts *o,
       enum bp_csv_format want, long rows, int64_t ts0, double close0)
{
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	struct bp_csv_opts dflt = BP_CSV_OPTS_INIT;
	int rc = bp_csv_read(&t, file(name, text), o ? o : &dflt);

	ok(rc == 0, "%s: read", name);
	if (rc == 0) {
		ok(t.files[0].format == want, "%s: format %s (got %s)", name,
		   bp_csv_format_names[want],
		   bp_csv_format_names[t.files[0].format]);
		ok(t.files[0].rows == rows && (long)t.n == rows,
		   "%s: %ld rows (got %ld)", name, rows, t.files[0].rows);
		ok(t.n > 0 && t.rows[0].ts == ts0 &&
			   t.rows[0].v[BP_COL_CLOSE] == close0,
		   "%s: first row at %lld, close %g", name, (long long)ts0,
		   close0);
	}
	bp_csv_table_release(&t);
}

static void
test_numbers(void)
{
	num_ok("1.5", 1.5);
	num_ok("-2", -2);
	num_ok("+1.5", 1.5);
	num_ok(".5", 0.5);
	num_ok("-.25", -0.25);
	num_ok("1.", 1);
	num_ok("007", 7);
	num_ok("1e3", 1000);
	num_ok("2.5E-1", 0.25);
	num_ok("1601276400.0", 1601276400.0);
	num_ok("0.1", 0.1);
	num_bad("");
	num_bad("abc");
	num_bad("NULL");
	num_bad("1,5");
	num_bad("nan");
	num_bad("inf");
	num_bad("0x10");
	num_bad("1.2.3");
	num_bad("-");
}

static void
test_times(void)
{
	/* epochs: seconds (float), milliseconds, microseconds */
	time_ok("1601276400.0", 0, 1601276400000LL);
	time_ok("1601276400", 0, 1601276400000LL);
	time_ok("1623283200000", 0, 1623283200000LL);
	time_ok("1735689600000000", 0, 1735689600000LL);
	/* zones never apply to epochs */
	time_ok("1601276400", -300, 1601276400000LL);
	/* HistData, EST: 17:00 -05:00 is 22:00 UTC */
	time_ok("20180101 170000", -300, 1514844000000LL);
	time_ok("20180101 220000", 0, 1514844000000LL);
	/* CryptoDataDownload 12-hour clock */
	time_ok("2020-09-28 07-AM", 0, 1601276400000LL);
	time_ok("2017-09-26 12-PM", 0, 1506427200000LL);
	time_ok("2017-09-26 12-AM", 0, 1506384000000LL);
	/* ISO and friends */
	time_ok("2024-01-02", 0, 1704153600000LL);
	time_ok("20240102", 0, 1704153600000LL);
	time_ok("2024/01/02 10:00", 0, 1704189600000LL);
	time_ok("2024.01.02 10:00:30", 0, 1704189630000LL);
	time_ok("2024-01-02T10:00:00Z", 0, 1704189600000LL);
	time_ok("2024-01-02 10:00:00.250", 0, 1704189600250LL);
	/* text without a zone is shifted by tz; with one it is not */
	time_ok("2024-01-02 10:00", 60, 1704186000000LL);
	time_ok("2024-01-02 10:00", -300, 1704207600000LL);
	time_ok("2024-01-02T10:00:00+01:00", -300, 1704186000000LL);
	time_ok("2024-01-02T10:00:00Z", -300, 1704189600000LL);
	time_ok("2000-02-29", 0, 951782400000LL);
	time_bad("");
	time_bad("yesterday");
	time_bad("2024-13-01");
	time_bad("2023-02-29");
	time_bad("20181301 000000");
	time_bad("2020-09-28 13-PM");
	time_bad("2020-09-28 07-XM");
	time_bad("2024-01-02T25:00");
	time_bad("nan");
}

static void
test_zones(void)
{
	tz_ok("UTC", 0);
	tz_ok("Z", 0);
	tz_ok("-05:00", -300);
	tz_ok("+0530", 330);
	tz_ok("+05", 300);
	tz_ok("UTC-5", -300);
	tz_ok("UTC+05:30", 330);
	tz_ok("GMT+1", 60);
	tz_ok("EST", -300);
	tz_ok("+14:00", 840);
	tz_bad("+25:00");
	tz_bad("+14:30");
	tz_bad("5");
	tz_bad("UTC+");
	tz_bad("-05:60");
	tz_bad("Europe/Paris");
	tz_bad("+05:3");
}

static void
test_map(void)
{
	struct bp_csv_opts o = BP_CSV_OPTS_INIT;
	char arg[] = "ts=Date,close=Adj Close,volume=3";
	char bad1[] = "close", bad2[] = "price=Close", bad3[] = "close=";
	char err[256];

	ok(bp_csv_parse_map(&o, arg, err, sizeof(err)) == 0 &&
		   strcmp(o.map[BP_ROLE_TS], "Date") == 0 &&
		   strcmp(o.map[BP_COL_CLOSE], "Adj Close") == 0 &&
		   strcmp(o.map[BP_COL_VOLUME], "3") == 0 &&
		   o.map[BP_COL_OPEN] == NULL,
	   "--map parses role=column pairs");
	ok(bp_csv_parse_map(&o, bad1, err, sizeof(err)) < 0 &&
		   strstr(err, "not ROLE=COLUMN"),
	   "--map without '=' is refused");
	ok(bp_csv_parse_map(&o, bad2, err, sizeof(err)) < 0 &&
		   strstr(err, "'price' is not one of"),
	   "--map with an unknown role is refused");
	ok(bp_csv_parse_map(&o, bad3, err, sizeof(err)) < 0,
	   "--map with an empty column is refused");
	ok(bp_csv_role("adj_close") == BP_COL_ADJ_CLOSE &&
		   bp_csv_role("ts") == BP_ROLE_TS && bp_csv_role("x") < 0,
	   "role names");
}

static void
test_detect(void)
{
	struct bp_csv_opts o = BP_CSV_OPTS_INIT;
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	char map[] = "ts=1,open=2,high=3,low=4,close=5,volume=6";

	detect("binance.csv",
	       "1704067200000,1,2,0.5,1.5,10,1704070799999,15,3,5,7,0\n"
	       "1704070800000,1.5,2,1,1.75,10,1704074399999,15,3,5,7,0\n",
	       NULL, BP_CSV_BINANCE, 2, 1704067200000LL, 1.5);
	detect("binance-hdr.csv",
	       "open_time,open,high,low,close,volume,close_time,quote_volume,"
	       "count,taker_buy_volume,taker_buy_quote_volume,ignore\r\n"
	       "1735689600000000,1,2,0.5,1.25,10,1735693199999999,15,3,5,7,0"
	       "\r\n",
	       NULL, BP_CSV_BINANCE, 1, 1735689600000LL, 1.25);
	detect("cdd.csv",
	       "Timestamps are UTC timezone,https://www.CryptoDataDownload.com"
	       "\r\nUnix Timestamp,Date,Symbol,Open,High,Low,Close,Volume BTC,"
	       "Volume USDT\r\n"
	       "1601276400.0,2020-09-28 07-AM,BTCUSDT,1,2,0.5,1.5,3,4\r\n"
	       "1601272800.0,2020-09-28 06-AM,BTCUSDT,1,2,0.5,1.5,3,4\r\n",
	       NULL, BP_CSV_CDD, 2, 1601276400000LL, 1.5);
	detect("cdd2021.csv",
	       "unix,date,symbol,open,high,low,close,Volume ETH,Volume USDT,"
	       "tradecount\n"
	       "1623283200000,2021-06-10 00:00:00,ETH/USDT,1,2,0.5,1.5,3,4,5\n"
	       "1605855600.0,2020-11-20 07-AM,ETH/USDT,1,2,0.5,1.5,3,4,NULL\n",
	       NULL, BP_CSV_CDD, 2, 1623283200000LL, 1.5);
	detect("yahoo.csv",
	       "Date,Open,High,Low,Close,Adj Close,Volume\r\n"
	       "2024-01-02,1,2,0.5,1.5,1.4,100",
	       NULL, BP_CSV_YAHOO, 1, 1704153600000LL, 1.5);
	detect("histdata.csv",
	       "20180101 170000;1.2;1.3;1.1;1.25;0\n"
	       "20180101 170100;1.25;1.3;1.1;1.2;0\n",
	       NULL, BP_CSV_HISTDATA, 2, 1514844000000LL, 1.25);
	detect("generic-bom.csv",
	       "\xef\xbb\xbf" "Time,Open,High,Low,Close,Volume\n"
	       "2024-01-02T10:00:00Z,1,2,0.5,1.5,10\n\n\n",
	       NULL, BP_CSV_GENERIC, 1, 1704189600000LL, 1.5);
	detect("generic-tab.tsv",
	       "date\topen\thigh\tlow\tclose\tvol\n"
	       "2024-01-02\t1\t2\t0.5\t1.5\t10\n",
	       NULL, BP_CSV_GENERIC, 1, 1704153600000LL, 1.5);
	detect("generic-semi.csv",
	       "ts;o;h;l;c;v\n2024-01-02 10:00;1;2;0.5;1.5;10\n", NULL,
	       BP_CSV_GENERIC, 1, 1704189600000LL, 1.5);
	detect("trailing-comma.csv",
	       "title line\nts,open,high,low,close,volume\n"
	       "2024-01-02,1,2,0.5,1.5,10,\n2024-01-03,1,2,0.5,1.25,10,\n",
	       NULL, BP_CSV_GENERIC, 2, 1704153600000LL, 1.5);
	bp_csv_parse_map(&o, map, (char[64]){ 0 }, 64);
	detect("positions.csv", "2024-01-02,1,2,0.5,1.5,10\n", &o,
	       BP_CSV_GENERIC, 1, 1704153600000LL, 1.5);

	/* a quoted field across lines: later rows keep their line numbers */
	ok(bp_csv_read(&t, file("quoted.csv",
				"ts,open,high,low,close,volume,note\n"
				"2024-01-02,1,2,0.5,1.5,10,\"a\nb\nc\"\n"
				"2024-01-03,1,2,0.5,1.5,10,\"x, y\"\n"
				"\n"
				"2024-01-04,1,2,0.5,1.5,10,z\n"),
		       &(struct bp_csv_opts)BP_CSV_OPTS_INIT) == 0 &&
		   t.n == 3,
	   "quoted newline: 3 rows");
	ok(t.n == 3 && t.rows[0].line == 2 && t.rows[1].line == 5 &&
		   t.rows[2].line == 7,
	   "quoted newline: rows on lines 2, 5, 7");
	bp_csv_table_release(&t);

	/* bad fields are kept with their reason for the caller */
	ok(bp_csv_read(&t, file("bad.csv",
				"ts,open,high,low,close,volume\n"
				"2024-01-02,1,2,0.5,x,10\n"
				"soon,1,2,0.5,1.5,10\n"
				"2024-01-04,1,2\n"),
		       &(struct bp_csv_opts)BP_CSV_OPTS_INIT) == 0 &&
		   t.n == 3,
	   "bad rows are read");
	ok(t.n == 3 && t.rows[0].bad == BP_BAD_NUMBER &&
		   t.rows[0].badcol == BP_COL_CLOSE &&
		   isnan(t.rows[0].v[BP_COL_CLOSE]) && t.rows[0].tsok,
	   "non-numeric close: BP_BAD_NUMBER, NaN, ts read");
	ok(t.n == 3 && t.rows[1].bad == BP_BAD_TS && !t.rows[1].tsok,
	   "bad time: BP_BAD_TS");
	ok(t.n == 3 && t.rows[2].bad == BP_BAD_FIELDS &&
		   t.rows[2].nfields == 3,
	   "short row: BP_BAD_FIELDS with 3 fields");
	bp_csv_table_release(&t);

	/* layouts that cannot be read */
	fprintf(stderr, "# expect errors below\n");
	ok(bp_csv_read(&t, file("amb.csv", "Date,Time,Open,High,Low,Close,"
					   "Volume\n2024-01-02,10:00,1,2,0.5,"
					   "1.5,10\n"),
		       &(struct bp_csv_opts)BP_CSV_OPTS_INIT) < 0,
	   "Date and Time columns are ambiguous");
	ok(bp_csv_read(&t, file("nohdr.csv", "2024-01-02,1,2,0.5,1.5,10\n"),
		       &(struct bp_csv_opts)BP_CSV_OPTS_INIT) < 0,
	   "no header and no known layout");
	ok(bp_csv_read(&t, file("novol.csv", "ts,open,high,low,close\n"
					     "2024-01-02,1,2,0.5,1.5\n"),
		       &(struct bp_csv_opts)BP_CSV_OPTS_INIT) < 0,
	   "no volume column");
	o = (struct bp_csv_opts)BP_CSV_OPTS_INIT;
	o.format = BP_CSV_BINANCE;
	ok(bp_csv_read(&t, file("notbinance.csv", "ts,open,high,low,close,"
						  "volume\n2024-01-02,1,2,"
						  "0.5,1.5,10\n"),
		       &o) < 0,
	   "--format binance on a 6-column file");
	ok(t.n == 0 && t.nfiles == 0, "failed reads add nothing");
	bp_csv_table_release(&t);
}

int
main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	bp_setprogname("test-csvin");
	test_numbers();
	test_times();
	test_zones();
	test_map();
	test_detect();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return done_testing();
}
