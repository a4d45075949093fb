/*
 * test-ts: timestamp text form, parsing, epochs and durations.  Expected
 * values were computed with GNU date (date -u -d @SECONDS).
 */
#include <string.h>

#include "tap.h"
#include "ts.h"

static void
fmt_is(int64_t ms, const char *want)
{
	char buf[BP_TS_BUFSZ];

	bp_ts_format(buf, ms);
	ok(strcmp(buf, want) == 0, "format %lld -> %s (%s)", (long long)ms,
	   want, buf);
}

static void
parse_is(const char *s, int64_t want)
{
	int64_t ms = -1;
	int rc = bp_ts_parse(s, strlen(s), &ms);

	ok(rc == 0 && ms == want, "parse '%s' -> %lld (%lld)", s,
	   (long long)want, (long long)ms);
}

static void
parse_bad(const char *s)
{
	int64_t ms;

	ok(bp_ts_parse(s, strlen(s), &ms) < 0, "reject '%s'", s);
}

int
main(void)
{
	int64_t ms;
	char buf[32];

	fmt_is(0, "1970-01-01T00:00:00Z");
	fmt_is(1601276400000LL, "2020-09-28T07:00:00Z");
	fmt_is(1502942400000LL, "2017-08-17T04:00:00Z");
	fmt_is(951782400000LL, "2000-02-29T00:00:00Z");
	fmt_is(1514844000250LL, "2018-01-01T22:00:00.250Z");
	fmt_is(-86400000LL, "1969-12-31T00:00:00Z");
	fmt_is(-1, "1969-12-31T23:59:59.999Z");

	parse_is("2020-09-28T07:00:00Z", 1601276400000LL);
	parse_is("2020-09-28 07:00:00", 1601276400000LL);
	parse_is("2020-09-28T07:00", 1601276400000LL);
	parse_is("2000-02-29", 951782400000LL);
	parse_is("2018-01-01T17:00:00-05:00", 1514844000000LL);
	parse_is("2018-01-01T22:00:00.25Z", 1514844000250LL);
	parse_bad("2019-02-29");
	parse_bad("2020-13-01");
	parse_bad("2020-09-28T24:00:00Z");
	parse_bad("2020-09-28X");
	parse_bad("20200928");

	ok(bp_ts_from_epoch(1601276400.0, &ms) == 0 && ms == 1601276400000LL,
	   "epoch seconds");
	ok(bp_ts_from_epoch(1623283200000.0, &ms) == 0 &&
	   ms == 1623283200000LL, "epoch milliseconds");
	ok(bp_ts_from_epoch(1623283200000000.0, &ms) == 0 &&
	   ms == 1623283200000LL, "epoch microseconds");

	ok(bp_ts_parse_duration("1h", &ms) == 0 && ms == 3600000, "1h");
	ok(bp_ts_parse_duration("15m", &ms) == 0 && ms == 900000, "15m");
	ok(bp_ts_parse_duration("30d", &ms) == 0 && ms == 2592000000LL, "30d");
	ok(bp_ts_parse_duration("0h", &ms) < 0, "reject 0h");
	ok(bp_ts_parse_duration("h", &ms) < 0, "reject h");
	ok(bp_ts_parse_duration("3x", &ms) < 0, "reject 3x");
	bp_ts_format_duration(buf, 3600000);
	ok(strcmp(buf, "1h") == 0, "format 1h (%s)", buf);
	bp_ts_format_duration(buf, 86400000);
	ok(strcmp(buf, "1d") == 0, "format 1d (%s)", buf);
	bp_ts_format_duration(buf, 90000);
	ok(strcmp(buf, "90s") == 0, "format 90s (%s)", buf);
	return done_testing();
}
