/*
 * stream: barpipe's row streams (see barpipe-stream(5)).
 *
 * A stream is NDJSON: one flat JSON object per line whose values are
 * numbers, strings, booleans or null.  On pipes and in files it is
 * zstd-compressed by default; readers detect zstd by its magic bytes, so
 * plain text written by jq or by hand reads the same way.
 *
 * This is the hot path of every tool, so rows are parsed by a dedicated
 * flat-object parser (not jansson) into fields that point into the
 * reader's buffer, and numbers are converted lazily.  The writer formats
 * numbers in shortest round-trip form (lib/fmt.h) and compresses with zstd
 * in large blocks.
 *
 * Typical filter:
 *
 *	struct bp_reader *in = bp_reader_open(path);
 *	struct bp_writer *out = bp_writer_open(opath, flags);
 *	struct bp_row row = BP_ROW_INIT;
 *	int hint = -1, rc;
 *	while ((rc = bp_reader_next(in, &row)) > 0) {
 *		double close;
 *		if (bp_row_num(&row, "close", &hint, &close) < 0) ...
 *		bp_writer_begin(out);
 *		bp_writer_copy_row(out, &row);
 *		bp_writer_num(out, "x", close * 2);
 *		if (bp_writer_end(out) < 0) ...
 *	}
 *	bp_row_release(&row);
 *	if (rc < 0 || bp_writer_close(&out) < 0) ...  (else bp_writer_abort)
 *	bp_reader_free(&in);
 */
#ifndef BP_STREAM_H
#define BP_STREAM_H

#include <stddef.h>
#include <stdint.h>

enum bp_type {
	BP_NULL = 0,
	BP_NUM,
	BP_STR,
	BP_BOOL,
};

/*
 * One field of a row.  key and str are NUL-terminated, unescaped, and valid
 * until the next bp_reader_next() on the same row.  raw is the value's JSON
 * text exactly as read (e.g. `"BTCUSDT"`, `0.10`, `null`), used to pass a
 * field through untouched.
 */
struct bp_field {
	const char *key;
	size_t keylen;
	enum bp_type type;
	int boolean;		/* BP_BOOL: 0 or 1 */
	const char *str;	/* BP_STR: unescaped text */
	size_t len;		/* BP_STR: length of str */
	const char *raw;
	size_t rawlen;
};

struct bp_row {
	struct bp_field *f;
	size_t n, alloc;
	long lineno;		/* 1-based line in the input */
	char *scratch;		/* unescaped strings live here */
	size_t scratchlen, scratchalloc;
};
#define BP_ROW_INIT { NULL, 0, 0, 0, NULL, 0, 0 }
void bp_row_release(struct bp_row *row);

/*
 * Index of the field named key, or -1.  *hint (start it at -1) remembers
 * the last position, so looking up the same key on rows of the same shape
 * costs one comparison.
 */
int bp_row_find(const struct bp_row *row, const char *key, int *hint);

/*
 * Numeric value of field i (a JSON number).  Returns 0 and sets *out, or
 * -1 when the field is not a number (null, string, bool).  Conversion is
 * exact (correctly rounded).
 */
int bp_field_num(const struct bp_field *f, double *out);

/*
 * Convenience: look up key and convert.  Returns 0 with *out set, 1 when
 * the field is missing or null (*out = NaN), -1 when present but not a
 * number (nothing reported: the caller names the input and line).
 */
int bp_row_num(const struct bp_row *row, const char *key, int *hint,
	       double *out);

/*
 * Parse one NDJSON line (without its newline) into row.  The row's fields
 * point into line, which must stay alive and unmodified while they are
 * used.  Returns 0, or -1 and writes a short reason into err (size errlen)
 * such as "expected ':' after key at byte 17".
 */
int bp_row_parse(struct bp_row *row, const char *line, size_t len, char *err,
		 size_t errlen);

/* ---- reading ---------------------------------------------------------- */

struct bp_reader;

/*
 * Open path for reading ("-" or NULL: stdin, named "<stdin>").  Returns NULL
 * after reporting "cannot open 'x': ...".
 *
 * A pipe read (or written, by bp_writer_open() on stdout) gets a 1 MiB
 * buffer when the system allows it: fewer wake-ups for the same rows.
 *
 * Decoding thread.  A zstd stream longer than two blocks is decoded ahead
 * on a thread of its own (lib/zread.h) while the tool parses what came
 * before, on another core: rows, line numbers and messages are the same
 * with it or without it.  $BARPIPE_READER_THREADS: 1 turns it on, 0 off;
 * unset, it is on when the process may run on two or more CPUs.  A bad
 * value is reported by the first bp_reader_next() on a zstd stream.
 */
struct bp_reader *bp_reader_open(const char *path);
/* Read from an already open descriptor (not closed by free). */
struct bp_reader *bp_reader_fdopen(int fd, const char *name);
void bp_reader_free(struct bp_reader **r);

/*
 * Next row.  Returns 1 with row filled, 0 at the end of input, -1 after
 * reporting an error as "NAME:LINE: reason" (bad JSON, nested value,
 * truncated zstd frame, read error).  Blank lines are skipped.
 */
int bp_reader_next(struct bp_reader *r, struct bp_row *row);

/*
 * Next raw line (without newline, NUL-terminated); for tools that read
 * text documents through the same decompression.  Returns 1, 0 at end,
 * -1 after reporting.
 */
int bp_reader_line(struct bp_reader *r, const char **line, size_t *len);

const char *bp_reader_name(const struct bp_reader *r);
long bp_reader_lineno(const struct bp_reader *r);
/* 1 when the input was zstd-compressed (known after the first read). */
int bp_reader_is_zstd(const struct bp_reader *r);

/* ---- writing ---------------------------------------------------------- */

enum bp_writer_flags {
	BP_WRITER_PLAIN = 1 << 0,	/* plain NDJSON, no zstd */
	BP_WRITER_AUTO = 1 << 1,	/* plain when the output is a tty */
};

/*
 * Default zstd level for streams (BARPIPE_ZSTD_LEVEL overrides it).
 * Measured by bench/stream.sh (libzstd 1.5.4, one core of an AMD EPYC,
 * CPU time, the writer's way: 128 KiB chunks, checksum on): compress MB/s
 * (of plain NDJSON), ratio, decompress MB/s.
 *
 *	level	bars (129 B/row)    features (bars + 20   real bars (BTC,
 *				    indicators, 774 B/row) ETH, EURUSD)
 *	-5	679 x2.93 1833	    590 x1.77 1701	  824 x4.05 2061
 *	-3	616 x3.39 1705	    545 x1.82 1542	  760 x5.27 1939
 *	-1	480 x3.91 1535	    430 x1.89 1506	  652 x6.70 1758
 *	 1	462 x5.18 1577	    372 x3.34 1245	  630 x8.42 1746
 *	 1*	640 x5.55 2021	    627 x3.52 1689	  691 x9.31 2291
 *	 3	294 x4.72 1264	    172 x2.85 1013	  463 x7.41 1618
 *
 * 1* is the default: level 1 whose matches come from lib/zrows, which
 * walks each row field by field beside the row before it, so zstd only
 * entropy-codes (bp_zstd_tune()).  It is 1.1 to 1.7 times as fast as
 * plain level 1, as fast as the negative levels on wide rows, and gives
 * the smallest streams of all these; they also decode 1.3 times faster.
 * The negative levels get their speed by storing literals raw: their
 * streams are 1.3 to 2 times larger.  Level 3 is 2 to 3.6 times slower
 * and larger still.  At 630-690 MB/s 1* compresses 5 million bar rows
 * or 800 thousand feature rows a second.  BARPIPE_ZSTD_LEVEL set to 1
 * gives plain level 1.  (These are CPU rates; the writer's compression
 * thread, below, takes the zstd work off the tool's thread.)
 */
#define BP_ZSTD_LEVEL_DEFAULT 1

/*
 * Turn a level-1 zstd context into the default "1*" above.  Returns the
 * row match finder it installs, to free with bp_zrows_free() once cc is
 * freed (NULL: none, for want of memory or of a libzstd that takes one).
 */
struct ZSTD_CCtx_s;
struct bp_zrows;
struct bp_zrows *bp_zstd_tune(struct ZSTD_CCtx_s *cc);

struct bp_writer;

/*
 * Compression thread.  A compressing writer hands each full block of text
 * (128 KiB) to a worker thread, which compresses and writes it while the
 * tool formats the next ones (eight blocks in turn, 1 MiB), so a stage's
 * own work and its zstd work run on two cores.  The worker starts at the
 * first full block (short streams never start it) and is joined by
 * bp_writer_close() or bp_writer_abort().  It makes the same zstd calls on
 * the same blocks as the tool's thread would, so the bytes are the same
 * with it or without it, whatever the timing.  A failed write or
 * compression on the worker is reported by the tool's thread, once, from
 * the next bp_writer_end() (or _write, _flush, _close) to hand it a block,
 * with the same message as without the worker; SIGPIPE still ends the
 * process.  The worker blocks the tool's asynchronous signals (SIGINT,
 * SIGTERM...), so handlers run on the tool's thread.
 *
 * Measured by bench/stream.sh (2 cores, libzstd 1.5.4, medians of 6-7
 * runs): bp-features on 1,000,000 bars, 676 MB out, 3.1 s -> 1.85 s;
 * bp-fetch csv | bp-features 3.4 s -> 2.4 s; pipes whose other stage is
 * the slower one neither gain nor lose (within 2%).  The worker needs
 * about 3% more CPU time than compressing inline.  zstd's own worker
 * (ZSTD_c_nbWorkers = 1) was measured too: 1.7 s alone, as it compresses
 * whole jobs, but the tool's thread then writes each job's output in one
 * burst, and pipes whose consumer is the slower stage ran 5-7% slower.
 *
 * $BARPIPE_WRITER_THREADS: 1 turns the worker on, 0 off; unset, it is on
 * when the process may run on two or more CPUs.  Plain output never uses
 * it: there is no compression to overlap, and writing text to a file was
 * no faster with it.
 */

/*
 * Open a row writer.  path NULL or "-" writes stdout; otherwise the rows go
 * to a temporary file beside path, renamed over it by bp_writer_close() and
 * removed by bp_writer_abort(), so a failed run leaves nothing behind.
 * Compressed output to a terminal is refused ("stdout is a terminal") unless
 * BP_WRITER_AUTO turns it into plain output.  The zstd level comes from
 * $BARPIPE_ZSTD_LEVEL when set, else BP_ZSTD_LEVEL_DEFAULT; the compression
 * thread from $BARPIPE_WRITER_THREADS (above).  Returns NULL after
 * reporting (also for a bad value of either variable).
 */
struct bp_writer *bp_writer_open(const char *path, unsigned flags);
/*
 * Finish the stream: flush, end the zstd frame, check the write, and
 * rename a -o file into place.  Returns 0, or -1 after reporting (a -o
 * temporary is then removed).  *w is freed and set to NULL either way.
 */
int bp_writer_close(struct bp_writer **w);
/* Drop everything: remove a -o temporary; free *w. NULL is fine. */
void bp_writer_abort(struct bp_writer **w);

/* Row building: begin, add fields in order, end. */
void bp_writer_begin(struct bp_writer *w);
/* Copy every field of row as read (raw text kept). */
void bp_writer_copy_row(struct bp_writer *w, const struct bp_row *row);
/* Copy field i of row as read. */
void bp_writer_copy_field(struct bp_writer *w, const struct bp_row *row,
			  size_t i);
/* Number in shortest round-trip form; NaN and infinities become null. */
void bp_writer_num(struct bp_writer *w, const char *key, double x);
/* Integer-valued number, printed exactly. */
void bp_writer_int(struct bp_writer *w, const char *key, int64_t x);
void bp_writer_str(struct bp_writer *w, const char *key, const char *s);
void bp_writer_strn(struct bp_writer *w, const char *key, const char *s,
		    size_t n);
void bp_writer_bool(struct bp_writer *w, const char *key, int b);
void bp_writer_null(struct bp_writer *w, const char *key);
/* A timestamp (ms since the epoch, UTC) in the stream's ts form. */
void bp_writer_ts(struct bp_writer *w, const char *key, int64_t ms);
/* Value text that is already valid JSON (e.g. another field's raw). */
void bp_writer_raw(struct bp_writer *w, const char *key, const char *json,
		   size_t n);
/* End the row; returns 0, or -1 after reporting a write error. */
int bp_writer_end(struct bp_writer *w);
/* Write text verbatim (a whole line, for documents); -1 on error. */
int bp_writer_write(struct bp_writer *w, const char *s, size_t n);
/* Flush everything written so far down the pipe (a zstd flush). */
int bp_writer_flush(struct bp_writer *w);
/* Name for messages: the -o path or "<stdout>". */
const char *bp_writer_name(const struct bp_writer *w);
/* Rows ended so far. */
uint64_t bp_writer_rows(const struct bp_writer *w);

/* JSON string escaping into buf (quotes included). */
struct bp_buf;
void bp_json_escape(struct bp_buf *b, const char *s, size_t n);

#endif
