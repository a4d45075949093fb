/*
 * ts: timestamps as int64 ms since the epoch, and their one text form.
 * Civil-date conversions follow Howard Hinnant's "chrono-Compatible
 * Low-Level Date Algorithms" (days_from_civil, civil_from_days).
 */
#include "ts.h"

#include <math.h>
#include <string.h>

#include "util.h"

int64_t
bp_ts_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
bp_ts_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t
bp_ts_format(char *buf, int64_t ms)
{
	int64_t days, y;
	int64_t msday;
	unsigned m, d, hh, mm, ss, frac;
	char *p = buf;

	if (ms < BP_TS_MIN_MS)
		ms = BP_TS_MIN_MS;
	if (ms > BP_TS_MAX_MS)
		ms = BP_TS_MAX_MS;
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	msday = ms - days * 86400000;
	bp_ts_civil_from_days(days, &y, &m, &d);
	hh = (unsigned)(msday / 3600000);
	mm = (unsigned)(msday / 60000 % 60);
	ss = (unsigned)(msday / 1000 % 60);
	frac = (unsigned)(msday % 1000);
	put2(p, (unsigned)(y / 100));
	put2(p + 2, (unsigned)(y % 100));
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
	p[10] = 'T';
	put2(p + 11, hh);
	p[13] = ':';
	put2(p + 14, mm);
	p[16] = ':';
	put2(p + 17, ss);
	p += 19;
	if (frac) {
		*p++ = '.';
		*p++ = (char)('0' + frac / 100);
		*p++ = (char)('0' + frac / 10 % 10);
		*p++ = (char)('0' + frac % 10);
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

/* n digits at s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
days_in_month(int64_t y, unsigned m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				  31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dm[m - 1];
}

int
bp_ts_parse(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0, frac = 0, off = 0;
	size_t i;

	if (n < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if ((y = digits(s, 4)) < 0 || (mo = digits(s + 5, 2)) < 1 || mo > 12 ||
	    (d = digits(s + 8, 2)) < 1 || d > days_in_month(y, (unsigned)mo))
		return -1;
	i = 10;
	if (i < n && (s[i] == 'T' || s[i] == ' ' || s[i] == 't')) {
		if (n < i + 6 || s[i + 3] != ':')
			return -1;
		if ((hh = digits(s + i + 1, 2)) < 0 || hh > 23 ||
		    (mi = digits(s + i + 4, 2)) < 0 || mi > 59)
			return -1;
		i += 6;
		if (i < n && s[i] == ':') {
			if (n < i + 3 || (ss = digits(s + i + 1, 2)) < 0 ||
			    ss > 59)
				return -1;
			i += 3;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				int scale = 100, nd = 0;

				for (i++; i < n && s[i] >= '0' && s[i] <= '9';
				     i++, nd++) {
					frac += (s[i] - '0') * scale;
					scale /= 10;
				}
				if (nd == 0)
					return -1;
			}
		}
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int oh, om;

		if (n < i + 6 || s[i + 3] != ':' ||
		    (oh = digits(s + i + 1, 2)) < 0 || oh > 23 ||
		    (om = digits(s + i + 4, 2)) < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
		i += 6;
	}
	if (i != n)
		return -1;
	*ms = ((bp_ts_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		hh * 3600 + mi * 60 + ss - (int64_t)off * 60) *
	       1000) + frac;
	return 0;
}

int
bp_ts_from_epoch(double v, int64_t *ms)
{
	double a = fabs(v), x;

	if (!isfinite(v))
		return -1;
	if (a < 1e11)
		x = v * 1000.0;
	else if (a < 1e14)
		x = v;
	else if (a < 1e17)
		x = v / 1000.0;
	else
		x = v / 1e6;
	x = floor(x + 0.5);
	if (x < (double)BP_TS_MIN_MS || x > (double)BP_TS_MAX_MS)
		return -1;
	*ms = (int64_t)x;
	return 0;
}

int
bp_ts_parse_duration(const char *s, int64_t *ms)
{
	int64_t v = 0, unit;
	const char *p = s;

	if (!s || !*s)
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 1000000000LL)
			return -1;
		p++;
	}
	if (p == s || v <= 0)
		return -1;
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (strcmp(p, "s") == 0)
		unit = 1000;
	else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0)
		unit = 60000;
	else if (strcmp(p, "h") == 0)
		unit = 3600000;
	else if (strcmp(p, "d") == 0)
		unit = 86400000;
	else if (strcmp(p, "w") == 0)
		unit = 7 * 86400000LL;
	else
		return -1;
	*ms = v * unit;
	return 0;
}

size_t
bp_ts_format_duration(char *buf, int64_t ms)
{
	static const struct {
		int64_t unit;
		const char *suffix;
	} units[] = {
		{ 7 * 86400000LL, "w" }, { 86400000, "d" }, { 3600000, "h" },
		{ 60000, "m" },		 { 1000, "s" },	    { 1, "ms" },
	};
	char tmp[32];
	size_t i, n;

	if (ms <= 0) {
		memcpy(buf, "0s", 3);
		return 2;
	}
	for (i = 0; i < BP_ARRAY_SIZE(units); i++)
		if (ms % units[i].unit == 0)
			break;
	n = 0;
	for (int64_t v = ms / units[i].unit; v; v /= 10)
		tmp[n++] = (char)('0' + v % 10);
	for (size_t k = 0; k < n; k++)
		buf[k] = tmp[n - 1 - k];
	strcpy(buf + n, units[i].suffix);
	return n + strlen(units[i].suffix);
}
