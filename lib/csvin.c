/*
 * csvin: vendor CSV files to bar rows, with libcsv doing the tokenising.
 *
 * Reading a file happens in two passes over its first lines and one over
 * the rest: the head (up to HEAD_LINES lines) is tokenised into strings to
 * choose the delimiter and the layout; then every line, head included, is
 * fed to a second libcsv parser whose callbacks convert each field straight
 * into the row (no per-field allocation).  Lines come from lib/stream's
 * line reader, which strips CR and counts lines, so a row knows its line.
 */
#include "csvin.h"

#include <csv.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "stream.h"
#include "ts.h"
#include "util.h"

#define HEAD_LINES 16
#define MAX_COLS 256

const char *const bp_csv_format_names[] = {
	"auto", "binance", "cryptodatadownload", "yahoo", "histdata",
	"generic", NULL,
};

const char *const bp_csv_col_names[] = {
	"open", "high", "low", "close", "volume", "volume_quote", "trades",
	"taker_base", "taker_quote", "adj_close", "ts", NULL,
};

int
bp_csv_role(const char *name)
{
	for (int i = 0; bp_csv_col_names[i]; i++)
		if (strcmp(name, bp_csv_col_names[i]) == 0)
			return i;
	return -1;
}

void
bp_csv_table_release(struct bp_csv_table *t)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		free(t->files[i].name);
		free(t->files[i].ts_column);
	}
	free(t->files);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* ---- numbers, times, zones ------------------------------------------- */

int
bp_csv_parse_num(const char *s, size_t n, double *out)
{
	char tmp[64];
	size_t k = 0;

	if (n == 0)
		return -1;
	if (bp_parse_double(s, n, out) == 0)
		return 0;
	/* forms JSON refuses but spreadsheets write: +1, .5, -.5, 1., 007 */
	if (n + 3 > sizeof(tmp))
		return -1;
	if (*s == '+' || *s == '-') {
		if (*s == '-')
			tmp[k++] = '-';
		s++;
		n--;
	}
	while (n > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
		s++;
		n--;
	}
	if (n && *s == '.')
		tmp[k++] = '0';
	memcpy(tmp + k, s, n);
	k += n;
	if (k && tmp[k - 1] == '.')
		tmp[k++] = '0';
	return bp_parse_double(tmp, k, out);
}

static int
ndigits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* y, mo, d, h, mi, s checked and combined; -1 when out of range. */
static int
civil_ms(int y, int mo, int d, int h, int mi, int sec, int64_t *ms)
{
	static const int dm[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				  31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > dm[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 59)
		return -1;
	*ms = (bp_ts_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + sec) * 1000;
	return 0;
}

static int
has_zone(const char *s, size_t n)
{
	if (n > 10 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
		return 1;
	return n >= 16 && (s[n - 6] == '+' || s[n - 6] == '-') &&
	       s[n - 3] == ':';
}

int
bp_csv_parse_time(const char *s, size_t n, int tz_min, int64_t *ms)
{
	char tmp[48];
	double v;
	int h;

	if (n == 0)
		return -1;
	if (s[0] >= '0' && s[0] <= '9' && n == 8 && ndigits(s, 8) >= 0) {
		/* YYYYMMDD */
		if (civil_ms(ndigits(s, 4), ndigits(s + 4, 2),
			     ndigits(s + 6, 2), 0, 0, 0, ms) < 0)
			return -1;
		*ms -= (int64_t)tz_min * 60000;
		return 0;
	}
	if (bp_csv_parse_num(s, n, &v) == 0)
		return bp_ts_from_epoch(v, ms);
	if (n == 15 && s[8] == ' ' && ndigits(s, 8) >= 0 &&
	    ndigits(s + 9, 6) >= 0) {
		/* HistData: YYYYMMDD HHMMSS */
		if (civil_ms(ndigits(s, 4), ndigits(s + 4, 2),
			     ndigits(s + 6, 2), ndigits(s + 9, 2),
			     ndigits(s + 11, 2), ndigits(s + 13, 2), ms) < 0)
			return -1;
		*ms -= (int64_t)tz_min * 60000;
		return 0;
	}
	if (n == 16 && s[10] == ' ' && s[13] == '-' &&
	    (s[15] == 'M' || s[15] == 'm') &&
	    (h = ndigits(s + 11, 2)) >= 1 && h <= 12) {
		/* CryptoDataDownload: YYYY-MM-DD HH-AM / HH-PM */
		int pm = s[14] == 'P' || s[14] == 'p';

		if (!pm && s[14] != 'A' && s[14] != 'a')
			return -1;
		h = h % 12 + (pm ? 12 : 0);
		if (s[4] != '-' || s[7] != '-' ||
		    civil_ms(ndigits(s, 4), ndigits(s + 5, 2),
			     ndigits(s + 8, 2), h, 0, 0, ms) < 0)
			return -1;
		*ms -= (int64_t)tz_min * 60000;
		return 0;
	}
	if (n >= sizeof(tmp) || n < 10)
		return -1;
	memcpy(tmp, s, n);
	if ((tmp[4] == '/' && tmp[7] == '/') ||
	    (tmp[4] == '.' && tmp[7] == '.'))
		tmp[4] = tmp[7] = '-';
	if (bp_ts_parse(tmp, n, ms) < 0)
		return -1;
	if (!has_zone(tmp, n))
		*ms -= (int64_t)tz_min * 60000;
	return 0;
}

int
bp_csv_parse_tz(const char *s, int *min)
{
	int sign, h, m = 0;
	const char *p;

	if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0 ||
	    strcmp(s, "GMT") == 0 || strcmp(s, "utc") == 0) {
		*min = 0;
		return 0;
	}
	if (strcmp(s, "EST") == 0) {
		*min = -300;
		return 0;
	}
	p = s;
	if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)
		p += 3;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)p[0]))
		return -1;
	if (isdigit((unsigned char)p[1])) {
		h = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
	} else {
		h = p[0] - '0';
		p += 1;
	}
	if (*p == ':')
		p++;
	if (*p) {
		if (!isdigit((unsigned char)p[0]) ||
		    !isdigit((unsigned char)p[1]) || p[2])
			return -1;
		m = (p[0] - '0') * 10 + (p[1] - '0');
	}
	if (h > 14 || m > 59 || (h == 14 && m))
		return -1;
	*min = sign * (h * 60 + m);
	return 0;
}

int
bp_csv_parse_map(struct bp_csv_opts *o, char *arg, char *err, size_t errlen)
{
	char *item, *save = NULL;

	for (item = strtok_r(arg, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int role;

		if (!eq || eq == item || !eq[1]) {
			snprintf(err, errlen, "'%s' is not ROLE=COLUMN", item);
			return -1;
		}
		*eq = '\0';
		if ((role = bp_csv_role(item)) < 0) {
			snprintf(err, errlen,
				 "'%s' is not one of ts, open, high, low, "
				 "close, volume, volume_quote, trades, "
				 "taker_base, taker_quote, adj_close", item);
			return -1;
		}
		o->map[role] = eq + 1;
	}
	return 0;
}

/* ---- the head: the first lines as strings ---------------------------- */

struct head_rec {
	char **f;
	size_t nf;
	long line;
};

struct head {
	struct head_rec rec[HEAD_LINES];
	size_t n;
	struct head_rec cur;
	size_t cur_alloc;
	long line;
	int blank;
};

static void
head_field(void *s, size_t len, void *data)
{
	struct head *h = data;

	if (h->cur.nf == 0)
		h->cur.line = h->line;
	BP_GROW(h->cur.f, h->cur_alloc, h->cur.nf + 1);
	h->cur.f[h->cur.nf++] = bp_xstrndup(s ? s : "", s ? len : 0);
}

static void
free_rec(struct head_rec *r)
{
	for (size_t i = 0; i < r->nf; i++)
		free(r->f[i]);
	free(r->f);
}

static void
head_record(int c, void *data)
{
	struct head *h = data;

	(void)c;
	if ((h->cur.nf == 1 && !h->cur.f[0][0]) || h->n == HEAD_LINES) {
		free_rec(&h->cur);
	} else {
		h->rec[h->n++] = h->cur;
	}
	memset(&h->cur, 0, sizeof(h->cur));
	h->cur_alloc = 0;
}

static void
head_release(struct head *h)
{
	for (size_t i = 0; i < h->n; i++)
		free_rec(&h->rec[i]);
	free_rec(&h->cur);
}

/*
 * The delimiter: for each of the first lines the most frequent of , ; tab
 * outside quotes, then the most frequent winner (ties prefer the comma).
 */
static int
detect_delim(char lines[][256], size_t n)
{
	static const char cand[] = { ',', ';', '\t', '|' };
	int votes[4] = { 0 }, best = 0;

	for (size_t i = 0; i < n; i++) {
		int cnt[4] = { 0 }, q = 0, w = -1;

		for (const char *p = lines[i]; *p; p++) {
			if (*p == '"')
				q = !q;
			for (int k = 0; k < 4 && !q; k++)
				cnt[k] += *p == cand[k];
		}
		for (int k = 0; k < 4; k++)
			if (cnt[k] && (w < 0 || cnt[k] > cnt[w]))
				w = k;
		if (w >= 0)
			votes[w]++;
	}
	for (int k = 1; k < 4; k++)
		if (votes[k] > votes[best])
			best = k;
	return cand[best];
}

/* ---- layout ----------------------------------------------------------- */

struct layout {
	enum bp_csv_format format;
	int delim;
	size_t skip;		/* records before the data: titles + header */
	long header_line;
	int col[BP_ROLE_N];	/* column index per role, or -1 */
	int tz_min;
	size_t need;		/* fields a data row must have */
	char ts_name[128];
};

/* lowercase, '_' and '-' as spaces, spaces collapsed, trimmed */
static void
norm_name(char *dst, size_t size, const char *s)
{
	size_t k = 0;
	int sp = 0;

	if ((unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
	    (unsigned char)s[2] == 0xbf)
		s += 3;
	for (; *s && k + 1 < size; s++) {
		int c = (unsigned char)*s;

		if (c == '_' || c == '-' || isspace(c)) {
			sp = k > 0;
			continue;
		}
		if (sp && k + 2 < size)
			dst[k++] = ' ';
		sp = 0;
		dst[k++] = (char)tolower(c);
	}
	dst[k] = '\0';
}

static int
is_number(const char *s)
{
	double v;

	return bp_csv_parse_num(s, strlen(s), &v) == 0;
}

static int
any_number(const struct head_rec *r)
{
	for (size_t k = 0; k < r->nf; k++)
		if (is_number(r->f[k]))
			return 1;
	return 0;
}

/* Aliases of each role in generic headers (normalised names). */
static const char *const aliases[BP_ROLE_N][8] = {
	[BP_COL_OPEN] = { "open", "o", "open price", "opening price" },
	[BP_COL_HIGH] = { "high", "h", "high price" },
	[BP_COL_LOW] = { "low", "l", "low price" },
	[BP_COL_CLOSE] = { "close", "c", "close price", "closing price" },
	[BP_COL_VOLUME] = { "volume", "vol", "v", "base volume",
			    "volume base" },
	[BP_COL_VOLUME_QUOTE] = { "quote volume", "quote asset volume",
				  "volume quote", "quote av" },
	[BP_COL_TRADES] = { "trades", "count", "number of trades",
			    "tradecount", "trade count" },
	[BP_COL_TAKER_BASE] = { "taker buy volume",
				"taker buy base asset volume", "taker base",
				"taker buy base volume" },
	[BP_COL_TAKER_QUOTE] = { "taker buy quote volume",
				 "taker buy quote asset volume",
				 "taker quote" },
	[BP_COL_ADJ_CLOSE] = { "adj close", "adjusted close", "adjclose" },
	[BP_ROLE_TS] = { "ts", "timestamp", "time", "date", "datetime",
			 "date time", "open time", "unix" },
};

static int
name_is(const char *name, int role)
{
	for (int k = 0; k < 8 && aliases[role][k]; k++)
		if (strcmp(name, aliases[role][k]) == 0)
			return 1;
	return 0;
}

static int
find_name(char norm[][64], size_t nf, const char *want)
{
	for (size_t i = 0; i < nf; i++)
		if (strcmp(norm[i], want) == 0)
			return (int)i;
	return -1;
}

/* The column a --map value names: a header name or a 1-based position. */
static int
map_column(const char *val, char norm[][64], size_t nf, int has_header)
{
	char want[64];
	int i;

	if (has_header) {
		norm_name(want, sizeof(want), val);
		if ((i = find_name(norm, nf, want)) >= 0)
			return i;
	}
	if (val[0] >= '1' && val[0] <= '9' && strlen(val) <= 3 &&
	    ndigits(val, strlen(val)) > 0) {
		i = ndigits(val, strlen(val)) - 1;
		return i < (int)nf || !has_header ? i : -1;
	}
	return -1;
}

static int
ambiguous(const char *name, const struct head_rec *hr, int a, int b, int role)
{
	return bp_error("'%s': columns '%s' and '%s' could both be '%s'; "
			"choose with --map %s=COLUMN", name, hr->f[a], hr->f[b],
			bp_csv_col_names[role], bp_csv_col_names[role]);
}

static int
detect_layout(struct layout *L, struct head *h, const struct bp_csv_opts *o,
	      const char *name)
{
	size_t width = 0, first;
	int counts[HEAD_LINES], best = 0, has_header;
	char norm[MAX_COLS][64];
	const struct head_rec *data = NULL, *hr = NULL;
	size_t nf = 0;
	int title_cdd = 0;

	for (int r = 0; r < BP_ROLE_N; r++)
		L->col[r] = -1;
	if (h->n == 0) {
		/* an empty file: no rows; not an error here */
		L->format = o->format ? o->format : BP_CSV_GENERIC;
		return 0;
	}
	/* the data width: the most common field count (ties: the wider) */
	for (size_t i = 0; i < h->n; i++) {
		counts[i] = 0;
		for (size_t j = 0; j < h->n; j++)
			counts[i] += h->rec[j].nf == h->rec[i].nf;
		if (counts[i] > best ||
		    (counts[i] == best && h->rec[i].nf > width)) {
			best = counts[i];
			width = h->rec[i].nf;
		}
	}
	for (first = 0; first < h->n && h->rec[first].nf != width; first++)
		;
	/* with --map naming header columns, the header is the record
	 * holding all of them */
	for (size_t i = 0; i < h->n; i++) {
		int all = 1, any = 0;

		for (int r = 0; r < BP_ROLE_N; r++) {
			char want[64];
			int found = 0;

			if (!o->map[r] || ndigits(o->map[r],
						  strlen(o->map[r])) > 0)
				continue;
			any = 1;
			norm_name(want, sizeof(want), o->map[r]);
			for (size_t k = 0; k < h->rec[i].nf; k++) {
				char got[64];

				norm_name(got, sizeof(got), h->rec[i].f[k]);
				found |= strcmp(got, want) == 0;
			}
			all &= found;
		}
		if (any && all) {
			first = i;
			width = h->rec[i].nf;
			break;
		}
	}
	for (size_t i = 0; i < first; i++)
		for (size_t k = 0; k < h->rec[i].nf; k++) {
			char t[256];

			norm_name(t, sizeof(t), h->rec[i].f[k]);
			title_cdd |= strstr(t, "cryptodatadownload") != NULL;
		}
	has_header = !any_number(&h->rec[first]);
	/* a header whose width differs from the rows' (a trailing comma) */
	if (!has_header && first > 0 && h->rec[first - 1].nf >= 2 &&
	    !any_number(&h->rec[first - 1])) {
		first--;
		has_header = 1;
	}
	if (has_header) {
		hr = &h->rec[first];
		nf = hr->nf < MAX_COLS ? hr->nf : MAX_COLS;
		for (size_t k = 0; k < nf; k++)
			norm_name(norm[k], sizeof(norm[k]), hr->f[k]);
		if (first + 1 < h->n)
			data = &h->rec[first + 1];
		L->skip = first + 1;
		L->header_line = hr->line;
	} else {
		data = &h->rec[first];
		nf = data->nf < MAX_COLS ? data->nf : MAX_COLS;
		L->skip = first;
		L->header_line = 0;
	}

	L->format = o->format;
	if (L->format == BP_CSV_AUTO) {
		if (!has_header && data && data->nf == 6 && L->delim == ';' &&
		    strlen(data->f[0]) == 15 && data->f[0][8] == ' ')
			L->format = BP_CSV_HISTDATA;
		else if (!has_header && data && data->nf >= 12 &&
			 is_number(data->f[0]) && is_number(data->f[6]) &&
			 strtod(data->f[0], NULL) >= 1e11 &&
			 strtod(data->f[6], NULL) > strtod(data->f[0], NULL))
			L->format = BP_CSV_BINANCE;
		else if (has_header && find_name(norm, nf, "open time") >= 0 &&
			 find_name(norm, nf, "close time") >= 0 && nf >= 12)
			L->format = BP_CSV_BINANCE;
		else if (has_header &&
			 (title_cdd ||
			  ((find_name(norm, nf, "unix timestamp") >= 0 ||
			    find_name(norm, nf, "unix") >= 0) &&
			   find_name(norm, nf, "symbol") >= 0)))
			L->format = BP_CSV_CDD;
		else if (has_header && find_name(norm, nf, "date") >= 0 &&
			 find_name(norm, nf, "adj close") >= 0 &&
			 find_name(norm, nf, "open") >= 0 &&
			 find_name(norm, nf, "volume") >= 0 && nf == 7)
			L->format = BP_CSV_YAHOO;
		else
			L->format = BP_CSV_GENERIC;
	}

	switch (L->format) {
	case BP_CSV_BINANCE:
		if (nf < 12)
			return bp_error("'%s': a Binance kline file has 12 "
					"columns, this one has %zu", name, nf);
		L->col[BP_ROLE_TS] = 0;
		for (int c = 0; c < BP_COL_NBAR; c++)
			L->col[c] = c + 1;
		L->col[BP_COL_VOLUME_QUOTE] = 7;
		L->col[BP_COL_TRADES] = 8;
		L->col[BP_COL_TAKER_BASE] = 9;
		L->col[BP_COL_TAKER_QUOTE] = 10;
		break;
	case BP_CSV_HISTDATA:
		if (nf < 6)
			return bp_error("'%s': a HistData M1 file has 6 "
					"columns, this one has %zu", name, nf);
		L->col[BP_ROLE_TS] = 0;
		for (int c = 0; c < BP_COL_NBAR; c++)
			L->col[c] = c + 1;
		break;
	case BP_CSV_CDD:
	case BP_CSV_YAHOO:
	case BP_CSV_GENERIC:
		if (!has_header) {
			int any = 0;

			for (int r = 0; r < BP_ROLE_N; r++)
				any |= o->map[r] != NULL;
			if (!any)
				return bp_error("'%s': no header line and no "
						"known headerless format; name "
						"the columns with --map "
						"ts=1,open=2,... or use "
						"--format", name);
			break;
		}
		if (L->format == BP_CSV_CDD) {
			int v = 0;

			L->col[BP_ROLE_TS] =
				find_name(norm, nf, "unix timestamp");
			if (L->col[BP_ROLE_TS] < 0)
				L->col[BP_ROLE_TS] =
					find_name(norm, nf, "unix");
			for (size_t k = 0; k < nf; k++) {
				if (strncmp(norm[k], "volume", 6) != 0)
					continue;
				if (v == 0)
					L->col[BP_COL_VOLUME] = (int)k;
				else if (v == 1)
					L->col[BP_COL_VOLUME_QUOTE] = (int)k;
				v++;
			}
			L->col[BP_COL_TRADES] =
				find_name(norm, nf, "tradecount");
		}
		for (int r = 0; r < BP_ROLE_N; r++) {
			int required = r < BP_COL_NBAR || r == BP_ROLE_TS;

			if (L->col[r] >= 0 || o->map[r])
				continue;
			for (size_t k = 0; k < nf; k++) {
				if (!name_is(norm[k], r))
					continue;
				if (L->col[r] >= 0 && required)
					return ambiguous(name, hr, L->col[r],
							 (int)k, r);
				if (L->col[r] < 0)
					L->col[r] = (int)k;
			}
		}
		/* "Volume BTC" and the like, when it is the only one */
		if (L->col[BP_COL_VOLUME] < 0 && !o->map[BP_COL_VOLUME]) {
			for (size_t k = 0; k < nf; k++) {
				if (strncmp(norm[k], "volume ", 7) != 0 ||
				    (int)k == L->col[BP_COL_VOLUME_QUOTE])
					continue;
				if (L->col[BP_COL_VOLUME] >= 0)
					return ambiguous(name, hr,
							 L->col[BP_COL_VOLUME],
							 (int)k, BP_COL_VOLUME);
				L->col[BP_COL_VOLUME] = (int)k;
			}
		}
		break;
	case BP_CSV_AUTO:
		break;
	}
	/* --map overrides whatever was detected */
	for (int r = 0; r < BP_ROLE_N; r++) {
		if (!o->map[r])
			continue;
		L->col[r] = map_column(o->map[r], norm, nf, has_header);
		if (L->col[r] < 0)
			return bp_error("'%s': --map %s=%s: no such column",
					name, bp_csv_col_names[r], o->map[r]);
	}
	for (int r = 0; r < BP_ROLE_N; r++) {
		if (r >= BP_COL_NBAR && r != BP_ROLE_TS)
			continue;
		if (L->col[r] < 0)
			return bp_error("'%s': no column for '%s' (format %s); "
					"name it with --map %s=COLUMN", name,
					bp_csv_col_names[r],
					bp_csv_format_names[L->format],
					bp_csv_col_names[r]);
	}
	L->need = 0;
	for (int r = 0; r < BP_ROLE_N; r++)
		if (L->col[r] >= 0 && (size_t)L->col[r] + 1 > L->need &&
		    (r < BP_COL_NBAR || r == BP_ROLE_TS))
			L->need = (size_t)L->col[r] + 1;
	for (int r = 0; r < BP_ROLE_N; r++)
		if (L->col[r] >= MAX_COLS)
			return bp_error("'%s': column %d is beyond the %d "
					"columns barpipe reads", name,
					L->col[r] + 1, MAX_COLS);
	if (hr && (size_t)L->col[BP_ROLE_TS] < hr->nf)
		snprintf(L->ts_name, sizeof(L->ts_name), "'%s'",
			 hr->f[L->col[BP_ROLE_TS]]);
	else
		snprintf(L->ts_name, sizeof(L->ts_name), "column %d",
			 L->col[BP_ROLE_TS] + 1);
	L->tz_min = o->tz_set ? o->tz_min
			      : L->format == BP_CSV_HISTDATA ? -300 : 0;
	return 0;
}

/* ---- the data rows ---------------------------------------------------- */

struct parse {
	struct bp_csv_table *t;
	const struct layout *L;
	signed char role[MAX_COLS];	/* role of each column, -1 none */
	size_t ncols;			/* columns with a role */
	struct bp_csv_row cur;
	size_t nf, nchars;
	size_t records;
	long line;
	uint16_t file;
	long rows;
};

static void
row_reset(struct parse *P)
{
	for (int c = 0; c < BP_COL_N; c++)
		P->cur.v[c] = NAN;
	P->cur.ts = 0;
	P->cur.tsok = 0;
	P->cur.bad = BP_BAD_NONE;
	P->cur.badcol = 0;
	P->cur.nfields = 0;
	P->nf = 0;
	P->nchars = 0;
}

static void
data_field(void *s, size_t len, void *data)
{
	struct parse *P = data;
	size_t col = P->nf++;
	int role;

	if (col == 0)
		P->cur.line = (uint32_t)P->line;
	P->nchars += len;
	if (P->records < P->L->skip || col >= P->ncols ||
	    (role = P->role[col]) < 0)
		return;
	if (role == BP_ROLE_TS) {
		if (bp_csv_parse_time(s, len, P->L->tz_min, &P->cur.ts) == 0)
			P->cur.tsok = 1;
		else if (!P->cur.bad) {
			P->cur.bad = BP_BAD_TS;
			P->cur.badcol = BP_ROLE_TS;
		}
	} else if (bp_csv_parse_num(s, len, &P->cur.v[role]) < 0) {
		P->cur.v[role] = NAN;
		if (role < BP_COL_NBAR && !P->cur.bad) {
			P->cur.bad = BP_BAD_NUMBER;
			P->cur.badcol = (uint8_t)role;
		}
	} else if (!isfinite(P->cur.v[role])) {
		P->cur.v[role] = NAN;
		if (role < BP_COL_NBAR && !P->cur.bad) {
			P->cur.bad = BP_BAD_NUMBER;
			P->cur.badcol = (uint8_t)role;
		}
	}
}

static void
data_record(int c, void *data)
{
	struct parse *P = data;
	struct bp_csv_table *t = P->t;

	(void)c;
	if (P->nf == 1 && P->nchars == 0) {
		row_reset(P);	/* a blank line */
		return;
	}
	if (P->records++ < P->L->skip) {
		row_reset(P);
		return;
	}
	if (P->nf < P->L->need) {
		/* a short row: whatever else was wrong, this explains it */
		P->cur.bad = BP_BAD_FIELDS;
		P->cur.nfields = (uint32_t)P->nf;
	}
	P->cur.file = P->file;
	BP_GROW(t->rows, t->alloc, t->n + 1);
	t->rows[t->n++] = P->cur;
	P->rows++;
	row_reset(P);
}

static const char nl = '\n';

int
bp_csv_read(struct bp_csv_table *t, const char *path,
	    const struct bp_csv_opts *o)
{
	struct bp_reader *r;
	struct head h;
	struct layout L;
	struct parse P;
	struct csv_parser hp, dp;
	struct bp_csv_file *f;
	char (*first)[256] = NULL;
	char **lines = NULL;
	long *linenos = NULL;
	size_t nlines = 0, nfirst = 0;
	const char *line;
	size_t len;
	int rc = -1, got = 0;

	if (t->nfiles >= 65535)
		return bp_error("too many input files");
	if (!(r = bp_reader_open(path)))
		return -1;
	memset(&h, 0, sizeof(h));
	memset(&L, 0, sizeof(L));
	memset(&P, 0, sizeof(P));
	if (csv_init(&hp, CSV_APPEND_NULL) != 0 || csv_init(&dp, 0) != 0) {
		bp_reader_free(&r);
		return bp_error("out of memory");
	}
	lines = bp_xcalloc(HEAD_LINES, sizeof(*lines));
	linenos = bp_xcalloc(HEAD_LINES, sizeof(*linenos));
	first = bp_xcalloc(HEAD_LINES, sizeof(*first));

	/* the head: keep the first lines, strip a BOM */
	while (nlines < HEAD_LINES &&
	       (got = bp_reader_line(r, &line, &len)) > 0) {
		if (bp_reader_lineno(r) == 1 && len >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3;
			len -= 3;
		}
		lines[nlines] = bp_xstrndup(line, len);
		linenos[nlines++] = bp_reader_lineno(r);
		if (len > 0 && nfirst < HEAD_LINES) {
			size_t k = len < 255 ? len : 255;

			memcpy(first[nfirst], line, k);
			first[nfirst++][k] = '\0';
		}
	}
	if (nlines < HEAD_LINES && got < 0)
		goto out;
	L.delim = o->format == BP_CSV_HISTDATA ? ';'
					       : detect_delim(first, nfirst);
	csv_set_delim(&hp, (unsigned char)L.delim);
	csv_set_delim(&dp, (unsigned char)L.delim);
	for (size_t i = 0; i < nlines; i++) {
		h.line = linenos[i];
		csv_parse(&hp, lines[i], strlen(lines[i]), head_field,
			  head_record, &h);
		csv_parse(&hp, &nl, 1, head_field, head_record, &h);
	}
	csv_fini(&hp, head_field, head_record, &h);
	if (detect_layout(&L, &h, o, bp_reader_name(r)) < 0)
		goto out;

	BP_GROW(t->files, t->files_alloc, t->nfiles + 1);
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	f->name = bp_xstrdup(bp_reader_name(r));
	f->format = L.format;
	f->header_line = L.header_line;
	f->title_lines = (long)L.skip - (L.header_line ? 1 : 0);
	f->delim = L.delim;
	f->ts_column = bp_xstrdup(L.ts_name);
	f->need_fields = (long)L.need;
	for (int k = 0; k < BP_ROLE_N; k++)
		f->has[k] = L.col[k] >= 0;

	P.t = t;
	P.L = &L;
	P.file = (uint16_t)t->nfiles;
	memset(P.role, -1, sizeof(P.role));
	for (int k = 0; k < BP_ROLE_N; k++)
		if (L.col[k] >= 0 &&
		    (o->extra || k < BP_COL_NBAR || k == BP_ROLE_TS)) {
			P.role[L.col[k]] = (signed char)k;
			if ((size_t)L.col[k] + 1 > P.ncols)
				P.ncols = (size_t)L.col[k] + 1;
		}
	row_reset(&P);
	for (size_t i = 0; i < nlines; i++) {
		P.line = linenos[i];
		csv_parse(&dp, lines[i], strlen(lines[i]), data_field,
			  data_record, &P);
		csv_parse(&dp, &nl, 1, data_field, data_record, &P);
	}
	if (nlines == HEAD_LINES) {
		while ((got = bp_reader_line(r, &line, &len)) > 0) {
			P.line = bp_reader_lineno(r);
			csv_parse(&dp, line, len, data_field, data_record, &P);
			csv_parse(&dp, &nl, 1, data_field, data_record, &P);
		}
		if (got < 0)
			goto out;
	}
	csv_fini(&dp, data_field, data_record, &P);
	f->rows = P.rows;
	t->nfiles++;

	if (L.format != BP_CSV_AUTO) {
		char tz[16] = "UTC";

		if (L.tz_min)
			snprintf(tz, sizeof(tz), "UTC%c%02d:%02d",
				 L.tz_min < 0 ? '-' : '+', abs(L.tz_min) / 60,
				 abs(L.tz_min) % 60);
		bp_info(2, "%s: format %s%s, %ld title line%s, %s, time "
			   "from %s (%s), %ld rows",
			f->name, bp_csv_format_names[L.format],
			o->format ? " (as given)" : " (detected)",
			f->title_lines, f->title_lines == 1 ? "" : "s",
			L.header_line ? "header" : "no header", L.ts_name, tz,
			f->rows);
	}
	rc = 0;
out:
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	free(linenos);
	free(first);
	head_release(&h);
	csv_free(&hp);
	csv_free(&dp);
	bp_reader_free(&r);
	return rc;
}
