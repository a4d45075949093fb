/*
 * ts: barpipe's one timestamp representation.
 *
 * In streams, `ts` is a string in RFC 3339 UTC form with a `Z` suffix:
 * "2024-01-02T15:00:00Z", with milliseconds only when they are not zero
 * ("2024-01-02T15:00:00.250Z").  It is the bar's OPEN time.  It sorts as
 * text in time order and reads the same in jq, mlr and a spreadsheet.
 * Inside the tools a timestamp is an int64 count of milliseconds since
 * 1970-01-01T00:00:00Z (proleptic Gregorian, no leap seconds).
 */
#ifndef BP_TS_H
#define BP_TS_H

#include <stddef.h>
#include <stdint.h>

#define BP_TS_MIN_MS (-62135596800000LL)	/* 0001-01-01T00:00:00Z */
#define BP_TS_MAX_MS (253402300799999LL)	/* 9999-12-31T23:59:59.999Z */
#define BP_TS_BUFSZ 32

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
int64_t bp_ts_days_from_civil(int64_t y, unsigned m, unsigned d);
void bp_ts_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Format ms as "YYYY-MM-DDTHH:MM:SS[.mmm]Z" into buf; returns length. */
size_t bp_ts_format(char *buf, int64_t ms);

/*
 * Parse a timestamp written as text: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.f]]"
 * with 'T' or ' ' between, and an optional "Z" or "+HH:MM"/"-HH:MM" offset
 * (converted to UTC).  Returns 0 with *ms set, -1 if s is not such a time.
 */
int bp_ts_parse(const char *s, size_t n, int64_t *ms);

/*
 * Interpret an epoch number: seconds below 1e11, milliseconds below 1e14,
 * microseconds below 1e17, else nanoseconds (so vendor files mixing units
 * in one column read correctly).  Returns 0, or -1 when out of range.
 */
int bp_ts_from_epoch(double v, int64_t *ms);

/*
 * Parse a duration such as "90s", "15m", "1h", "4h", "1d", "1w", "30d" (also
 * used as timeframes).  Returns 0 with *ms set, -1 otherwise.
 */
int bp_ts_parse_duration(const char *s, int64_t *ms);
/* Canonical text of a duration ("1h", "15m", "1d", "90s"); returns length. */
size_t bp_ts_format_duration(char *buf, int64_t ms);

#endif
