/*
 * csvin: read vendor OHLCV CSV files into bar rows.
 *
 * A file is read with libcsv (quoted fields, CRLF, any delimiter) through
 * lib/stream's line reader, so zstd-compressed files and stdin work too.
 * The first lines are looked at to find the layout: the delimiter, title
 * lines above the header, whether there is a header, the vendor format
 * and which column holds which part of a bar.  Then every data row becomes
 * a struct bp_csv_row: the bar open time in ms UTC, the values, and the
 * file and line it came from.  A row that cannot be read (a field that is
 * not a number, a time that is not a time, too few fields) is kept with a
 * reason code, so the caller can fail, skip or report it (lib/validate).
 *
 * Formats (enum bp_csv_format): see bp-fetch(1) for the columns of each.
 */
#ifndef BP_CSVIN_H
#define BP_CSVIN_H

#include <stddef.h>
#include <stdint.h>

enum bp_csv_format {
	BP_CSV_AUTO = 0,
	BP_CSV_BINANCE,
	BP_CSV_CDD,		/* CryptoDataDownload */
	BP_CSV_YAHOO,
	BP_CSV_HISTDATA,
	BP_CSV_GENERIC,
};
/* "auto", "binance", "cryptodatadownload", ... indexed by the enum. */
extern const char *const bp_csv_format_names[];

/*
 * The values of a bar, in output order: the five bar columns, then the
 * extra vendor columns written only with --extra.
 */
enum bp_csv_col {
	BP_COL_OPEN = 0,
	BP_COL_HIGH,
	BP_COL_LOW,
	BP_COL_CLOSE,
	BP_COL_VOLUME,
	BP_COL_VOLUME_QUOTE,
	BP_COL_TRADES,
	BP_COL_TAKER_BASE,
	BP_COL_TAKER_QUOTE,
	BP_COL_ADJ_CLOSE,
	BP_COL_N,
};
#define BP_COL_NBAR 5
/* "open", ..., "adj_close" indexed by enum bp_csv_col. */
extern const char *const bp_csv_col_names[];

/* Roles a --map may name: the columns above plus "ts" (BP_ROLE_TS). */
#define BP_ROLE_TS BP_COL_N
#define BP_ROLE_N (BP_COL_N + 1)
/* Index of a role name ("ts", "open", ...), or -1. */
int bp_csv_role(const char *name);

/* Why a row is bad (set by csvin for reading, by validate for values). */
enum bp_csv_bad {
	BP_BAD_NONE = 0,
	BP_BAD_FIELDS,		/* too few fields */
	BP_BAD_TS,		/* the time field is not a time */
	BP_BAD_NUMBER,		/* a bar field is not a number */
	BP_BAD_NEGATIVE,	/* a negative price or volume */
	BP_BAD_LOW_HIGH,	/* low above high */
	BP_BAD_HIGH,		/* high below max(open, close) */
	BP_BAD_LOW,		/* low above min(open, close) */
};

struct bp_csv_row {
	int64_t ts;		/* bar open time, ms since the epoch, UTC */
	double v[BP_COL_N];	/* NaN where missing or unreadable */
	uint32_t line;		/* 1-based line of the row in its file */
	uint16_t file;		/* index into bp_csv_table.files */
	uint8_t bad;		/* enum bp_csv_bad */
	uint8_t badcol;		/* the column concerned (BP_ROLE_TS for ts) */
	uint8_t tsok;		/* 1 when ts was read */
	uint32_t nfields;	/* BP_BAD_FIELDS: fields found */
};

/* What was learnt about one input file. */
struct bp_csv_file {
	char *name;		/* as given; "<stdin>" for stdin */
	enum bp_csv_format format;
	long header_line;	/* 0 when there is no header */
	long title_lines;	/* lines skipped above the header */
	int delim;
	int has[BP_ROLE_N];	/* 1 when the file has that column */
	char *ts_column;	/* name (or "column N") the time comes from */
	long rows;		/* data rows read (bad ones included) */
	long need_fields;	/* fields a data row must have */
};

/* All rows of all files, in file order until sorted. */
struct bp_csv_table {
	struct bp_csv_row *rows;
	size_t n, alloc;
	struct bp_csv_file *files;
	size_t nfiles, files_alloc;
};
#define BP_CSV_TABLE_INIT { NULL, 0, 0, NULL, 0, 0 }
void bp_csv_table_release(struct bp_csv_table *t);

struct bp_csv_opts {
	enum bp_csv_format format;
	/* --map: role -> column name, or a 1-based position ("3"); NULL */
	const char *map[BP_ROLE_N];
	int tz_set;		/* tz_min given with --tz */
	int tz_min;		/* the file clock's UTC offset, minutes */
	int extra;		/* read the extra columns too (else NaN) */
};
#define BP_CSV_OPTS_INIT { BP_CSV_AUTO, { NULL }, 0, 0, 0 }

/*
 * Parse a --map argument "ts=Date,close=Close" into o->map; the strings
 * point into arg, which must outlive o.  Returns 0, or -1 with a reason in
 * err.
 */
int bp_csv_parse_map(struct bp_csv_opts *o, char *arg, char *err,
		     size_t errlen);

/*
 * Parse a fixed UTC offset: "UTC", "Z", "+05:30", "-05:00", "-0500",
 * "UTC-5", "UTC+05:30", "EST" (-05:00 all year).  Returns 0 with *min set,
 * -1 otherwise.
 */
int bp_csv_parse_tz(const char *s, int *min);

/*
 * Read path ("-" or NULL: stdin) and append its rows to t.  The layout is
 * detected (and reported at verbosity 2) unless o pins it down.  Returns
 * 0, or -1 after reporting a file that cannot be read or understood (no
 * header columns for a bar, an ambiguous layout, a truncated zstd frame).
 */
int bp_csv_read(struct bp_csv_table *t, const char *path,
		const struct bp_csv_opts *o);

/*
 * Parse a time field: an epoch number (s, ms, us or ns, by magnitude; an
 * 8-digit YYYYMMDD is a date), RFC 3339 / ISO 8601 text ("2024-01-02",
 * "2024-01-02 15:00:00", "...Z", "...+01:00"), "YYYYMMDD HHMMSS"
 * (HistData), "YYYY-MM-DD HH-AM" (CryptoDataDownload), "YYYY/MM/DD" or
 * "YYYY.MM.DD" with an optional time.  Text without a zone is shifted by
 * -tz_min minutes to UTC.  Returns 0 with *ms set, or -1.
 */
int bp_csv_parse_time(const char *s, size_t n, int tz_min, int64_t *ms);

/*
 * Parse a CSV number: a decimal with optional sign, fraction and exponent
 * (no hex, inf or nan).  Returns 0 with *out set, or -1.
 */
int bp_csv_parse_num(const char *s, size_t n, double *out);

#endif
