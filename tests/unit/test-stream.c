/*
 * test-stream: the flat-row parser, the writer's number and string forms,
 * and the reader over plain, zstd, concatenated and truncated input.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "stream.h"
#include "tap.h"
#include "util.h"

static struct bp_row row = BP_ROW_INIT;
static char err[256];

static int
parse(const char *line)
{
	return bp_row_parse(&row, line, strlen(line), err, sizeof(err));
}

static void
parse_ok_cases(void)
{
	double x;

	ok(parse("{\"ts\":\"2024-01-01T00:00:00Z\",\"close\":42.5,"
		 "\"ok\":true,\"no\":false,\"x\":null}") == 0 && row.n == 5,
	   "flat row with every type");
	ok(row.f[0].type == BP_STR && strcmp(row.f[0].str, "2024-01-01T00:00:00Z") == 0,
	   "string value");
	ok(row.f[1].type == BP_NUM && bp_field_num(&row.f[1], &x) == 0 &&
	   x == 42.5, "number value");
	ok(row.f[2].type == BP_BOOL && row.f[2].boolean == 1, "true");
	ok(row.f[3].type == BP_BOOL && row.f[3].boolean == 0, "false");
	ok(row.f[4].type == BP_NULL, "null");
	ok(row.f[1].rawlen == 4 && memcmp(row.f[1].raw, "42.5", 4) == 0,
	   "raw text kept");

	ok(parse(" { \"a\" : 1 , \"b\":\"x\" } ") == 0 && row.n == 2,
	   "whitespace everywhere");
	ok(parse("{}") == 0 && row.n == 0, "empty object");
	ok(parse("{\"s\":\"a\\\"b\\\\c\\/d\\n\\t\"}") == 0 &&
	   strcmp(row.f[0].str, "a\"b\\c/d\n\t") == 0, "escapes");
	ok(parse("{\"s\":\"\\u00e9\\u20ac\\ud83d\\ude00\"}") == 0 &&
	   strcmp(row.f[0].str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0,
	   "unicode escapes and a surrogate pair");
	ok(parse("{\"s\":\"\\ud800x\"}") == 0 &&
	   strcmp(row.f[0].str, "\xef\xbf\xbdx") == 0,
	   "lone surrogate becomes U+FFFD");
	ok(parse("{\"caf\xc3\xa9\":1}") == 0 &&
	   strcmp(row.f[0].key, "caf\xc3\xa9") == 0, "raw UTF-8 key");
	ok(parse("{\"big\":1e308,\"tiny\":-4.9e-324,\"long\":"
		 "123456789012345678901234567890}") == 0, "huge numbers parse");
	ok(bp_field_num(&row.f[0], &x) == 0 && x == 1e308, "1e308");
	ok(bp_field_num(&row.f[2], &x) == 0 &&
	   x == 123456789012345678901234567890.0, "30-digit integer");
	{
		int hint = -1;

		parse("{\"a\":1,\"b\":2,\"c\":3}");
		ok(bp_row_find(&row, "c", &hint) == 2 && hint == 2, "find c");
		ok(bp_row_find(&row, "c", &hint) == 2, "find c by hint");
		ok(bp_row_find(&row, "zz", &hint) == -1, "missing key");
		ok(bp_row_num(&row, "b", &hint, &x) == 0 && x == 2, "row_num");
		ok(bp_row_num(&row, "q", &hint, &x) == 1 && isnan(x),
		   "row_num missing -> 1, NaN");
	}
}

static void
parse_bad(const char *line, const char *why)
{
	ok(parse(line) < 0, "reject %s: %s", why, err);
}

static void
writer_cases(void)
{
	char path[] = "/tmp/bp-test-stream-XXXXXX";
	int fd = mkstemp(path);
	struct bp_writer *w;
	struct bp_reader *r;
	FILE *fp;
	char buf[512];

	close(fd);
	w = bp_writer_open(path, BP_WRITER_PLAIN);
	ok(w != NULL, "open plain writer");
	bp_writer_begin(w);
	bp_writer_ts(w, "ts", 1601276400000LL);
	bp_writer_str(w, "s", "q\"\\\n\x01");
	bp_writer_num(w, "x", 0.1);
	bp_writer_num(w, "nan", NAN);
	bp_writer_num(w, "inf", INFINITY);
	bp_writer_int(w, "i", -42);
	bp_writer_bool(w, "b", 1);
	bp_writer_null(w, "n");
	ok(bp_writer_end(w) == 0, "end row");
	ok(bp_writer_close(&w) == 0 && w == NULL, "close writer");
	fp = fopen(path, "r");
	ok(fp && fgets(buf, sizeof(buf), fp) &&
	   strcmp(buf, "{\"ts\":\"2020-09-28T07:00:00Z\",\"s\":\"q\\\"\\\\\\n"
		       "\\u0001\",\"x\":0.1,\"nan\":null,\"inf\":null,"
		       "\"i\":-42,\"b\":true,\"n\":null}\n") == 0,
	   "row text matches");
	if (fp)
		fclose(fp);

	/* round trip through zstd, with pass-through of every field */
	w = bp_writer_open(path, 0);
	for (int i = 0; i < 100000; i++) {
		bp_writer_begin(w);
		bp_writer_int(w, "i", i);
		bp_writer_num(w, "x", i / 7.0);
		bp_writer_end(w);
	}
	ok(bp_writer_close(&w) == 0, "zstd writer closes");
	r = bp_reader_open(path);
	{
		int rc, i = 0, good = 1;
		double x;

		while ((rc = bp_reader_next(r, &row)) > 0) {
			if (bp_field_num(&row.f[1], &x) < 0 || x != i / 7.0)
				good = 0;
			i++;
		}
		ok(rc == 0 && i == 100000 && good && bp_reader_is_zstd(r),
		   "zstd round trip of 100000 rows is exact");
	}
	bp_reader_free(&r);
	ok(r == NULL, "reader freed");
	unlink(path);
}

/* Write data as zstd frames (nframes) into path, optionally cut short. */
static void
write_zstd(const char *path, const char *text, int nframes, size_t cut)
{
	size_t n = strlen(text), cap = ZSTD_compressBound(n) + 64, len = 0;
	char *out = malloc(cap * (size_t)nframes);
	FILE *fp = fopen(path, "wb");

	for (int i = 0; i < nframes; i++)
		len += ZSTD_compress(out + len, cap, text, n, 3);
	fwrite(out, 1, len - cut, fp);
	fclose(fp);
	free(out);
}

static void
reader_cases(void)
{
	char path[] = "/tmp/bp-test-stream-XXXXXX";
	int fd = mkstemp(path), rc, n;
	struct bp_reader *r;
	const char *text = "{\"a\":1}\r\n\n{\"a\":2}\n{\"a\":3}";

	close(fd);
	write_zstd(path, text, 1, 0);
	r = bp_reader_open(path);
	for (n = 0; (rc = bp_reader_next(r, &row)) > 0; n++)
		;
	ok(rc == 0 && n == 3, "CRLF, blank line, no final newline (%d rows)",
	   n);
	bp_reader_free(&r);

	write_zstd(path, "{\"a\":1}\n", 3, 0);
	r = bp_reader_open(path);
	for (n = 0; (rc = bp_reader_next(r, &row)) > 0; n++)
		;
	ok(rc == 0 && n == 3, "three concatenated frames give three rows");
	bp_reader_free(&r);

	write_zstd(path, "{\"a\":1}\n{\"a\":2}\n", 1, 3);
	r = bp_reader_open(path);
	while ((rc = bp_reader_next(r, &row)) > 0)
		;
	ok(rc < 0, "truncated zstd frame is an error");
	bp_reader_free(&r);

	fd = open(path, O_WRONLY | O_TRUNC);
	ok(write(fd, "{\"a\":1}\n{\"a\":[1]}\n", 18) == 18, "write plain");
	close(fd);
	r = bp_reader_open(path);
	while ((rc = bp_reader_next(r, &row)) > 0)
		;
	ok(rc < 0 && bp_reader_lineno(r) == 2, "nested value: error on line 2");
	bp_reader_free(&r);

	ok(bp_reader_open("/nonexistent/x") == NULL, "missing file: NULL");
	unlink(path);
}

int
main(void)
{
	parse_ok_cases();
	parse_bad("", "empty line");
	parse_bad("[1,2]", "array row");
	parse_bad("{\"a\":1", "unclosed object");
	parse_bad("{\"a\":1,}", "trailing comma");
	parse_bad("{a:1}", "unquoted key");
	parse_bad("{\"a\" 1}", "missing colon");
	parse_bad("{\"a\":{\"b\":1}}", "nested object");
	parse_bad("{\"a\":[1]}", "nested array");
	parse_bad("{\"a\":01}", "leading zero");
	parse_bad("{\"a\":1.}", "bad fraction");
	parse_bad("{\"a\":tru}", "bad literal");
	parse_bad("{\"a\":\"x}", "unterminated string");
	parse_bad("{\"a\":\"\\x\"}", "bad escape");
	parse_bad("{\"a\":\"\\u12G4\"}", "bad unicode escape");
	parse_bad("{\"a\":\"tab\there\"}", "raw control character");
	parse_bad("{\"a\":1} x", "text after object");
	parse_bad("{\"a\":NaN}", "NaN");
	writer_cases();
	reader_cases();
	bp_row_release(&row);
	return done_testing();
}
