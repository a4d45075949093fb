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

/* JSON escaping from the definition (RFC 8259, section 7), quotes added. */
static size_t
ref_escape(char *o, const char *s, size_t n)
{
	char *start = o;

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20) {
			o += sprintf(o, "\\u%04x", c);
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	return (size_t)(o - start);
}

/*
 * Strings of every length up to 40 with one special byte at every
 * position: the eight-byte scanning in the parser and the writer must
 * find it wherever it falls.  Each string is a key and a value; the row
 * is parsed, checked, copied through a writer and read back byte for
 * byte, and written again through the writer's own key/string path.
 */
static void
scan_cases(void)
{
	static const char special[] = { '"', '\\', '\n', '\t', 1, 0x1f };
	char path[] = "/tmp/bp-test-stream-XXXXXX";
	int fd = mkstemp(path), bad_parse = 0, bad_ctl = 0, bad_back = 0;
	struct bp_writer *w;
	struct bp_reader *r;
	char s[48], esc[320], line[700], want[700];
	size_t nrows = 0;

	close(fd);
	w = bp_writer_open(path, 0);
	for (size_t len = 0; len <= 40; len++) {
		for (size_t k = 0; k <= len; k++) {
			for (size_t j = 0; j < sizeof(special); j++) {
				size_t n;

				/* k == len: no special byte, UTF-8 instead */
				memset(s, 'x', len);
				s[len] = '\0';
				if (k < len)
					s[k] = special[j];
				else if (len >= 2)
					memcpy(s + len - 2, "\xc3\xa9", 2);
				ref_escape(esc, s, len);
				n = (size_t)snprintf(line, sizeof(line),
						     "{%s:%s,\"n\":-12.5e3}",
						     esc, esc);
				if (bp_row_parse(&row, line, n, err,
						 sizeof(err)) < 0 ||
				    row.n != 2 || row.f[0].keylen != len ||
				    memcmp(row.f[0].key, s, len) != 0 ||
				    row.f[0].key[len] != '\0' ||
				    row.f[0].len != len ||
				    memcmp(row.f[0].str, s, len) != 0 ||
				    row.f[1].rawlen != 7) {
					if (bad_parse++ < 3)
						printf("# parse '%s': %s\n",
						       line, err);
					continue;
				}
				bp_writer_begin(w);
				bp_writer_copy_row(w, &row);
				bp_writer_end(w);
				bp_writer_begin(w);
				bp_writer_strn(w, s, s, len);
				bp_writer_raw(w, "n", "-12.5e3", 7);
				bp_writer_end(w);
				nrows += 2;
				if (k == len || special[j] == '"' ||
				    special[j] == '\\')
					continue;
				/* the same byte raw: rejected at its place */
				s[k] = special[j];
				n = (size_t)snprintf(line, sizeof(line),
						     "{\"a\":\"%.*s\"}",
						     (int)len, s);
				if (bp_row_parse(&row, line, n, err,
						 sizeof(err)) == 0 ||
				    !strstr(err, "control character") ||
				    atoi(strstr(err, "byte ") + 5) !=
					    (int)k + 7)
					if (bad_ctl++ < 3)
						printf("# raw control at %zu: "
						       "%s\n", k, err);
			}
		}
	}
	ok(bad_parse == 0, "every string parses to its exact text (%d "
	   "do not)", bad_parse);
	ok(bad_ctl == 0, "a raw control byte is reported at its byte (%d "
	   "wrong)", bad_ctl);
	ok(bp_writer_close(&w) == 0, "writer closes");

	r = bp_reader_open(path);
	{
		const char *got;
		size_t glen, i = 0;
		int rc;

		for (size_t len = 0; len <= 40; len++) {
			for (size_t k = 0; k <= len; k++) {
				for (size_t j = 0; j < sizeof(special); j++) {
					memset(s, 'x', len);
					if (k < len)
						s[k] = special[j];
					else if (len >= 2)
						memcpy(s + len - 2,
						       "\xc3\xa9", 2);
					ref_escape(esc, s, len);
					snprintf(want, sizeof(want),
						 "{%s:%s,\"n\":-12.5e3}", esc,
						 esc);
					for (int twice = 0; twice < 2;
					     twice++) {
						rc = bp_reader_line(r, &got,
								    &glen);
						i++;
						if (rc != 1 ||
						    strcmp(got, want) != 0)
							if (bad_back++ < 3)
								printf("# "
								"'%s' != "
								"'%s'\n",
								got, want);
					}
				}
			}
		}
		rc = bp_reader_line(r, &got, &glen);
		ok(bad_back == 0 && i == nrows && rc == 0,
		   "%zu rows written back byte for byte (%d differ)", nrows,
		   bad_back);
	}
	bp_reader_free(&r);

	/* a tool may rename a field: the new key is escaped */
	parse("{\"a\":1}");
	row.f[0].key = "q\"k";
	row.f[0].keylen = 3;
	w = bp_writer_open(path, BP_WRITER_PLAIN);
	bp_writer_begin(w);
	bp_writer_copy_row(w, &row);
	bp_writer_end(w);
	bp_writer_close(&w);
	r = bp_reader_open(path);
	{
		const char *got = "";
		size_t glen;

		bp_reader_line(r, &got, &glen);
		ok(strcmp(got, "{\"q\\\"k\":1}") == 0,
		   "renamed key is escaped: %s", got);
	}
	bp_reader_free(&r);
	unlink(path);
}

/* Runs of digits of every length around the eight-byte steps. */
static void
number_cases(void)
{
	char line[128], num[96];
	int bad = 0;

	for (int a = 1; a <= 30; a++) {
		for (int b = 0; b <= 20; b++) {
			for (int tail = 0; tail < 3; tail++) {
				int n = 0;
				double x;

				for (int i = 0; i < a; i++)
					num[n++] = (char)('1' + i % 9);
				if (b) {
					num[n++] = '.';
					for (int i = 0; i < b; i++)
						num[n++] = (char)('0' + i % 10);
				}
				if (tail == 1)
					n += sprintf(num + n, "e-7");
				num[n] = '\0';
				snprintf(line, sizeof(line), "{\"x\":%s%s}",
					 num, tail == 2 ? " " : "");
				if (parse(line) < 0 || row.f[0].rawlen !=
				    (size_t)n || bp_field_num(&row.f[0], &x) <
				    0 || x != strtod(num, NULL)) {
					if (bad++ < 3)
						printf("# %s: %s\n", line, err);
				}
				snprintf(line, sizeof(line), "{\"x\":%sx}",
					 num);
				if (parse(line) == 0 && bad++ < 3)
					printf("# accepted %s\n", line);
			}
		}
	}
	ok(bad == 0, "numbers of 1-30 + 0-20 digits scan exactly (%d bad)",
	   bad);
}

/* A 5 MB line, zstd and plain, between two short ones. */
static void
long_line_cases(void)
{
	char path[] = "/tmp/bp-test-stream-XXXXXX";
	int fd = mkstemp(path);
	size_t big = 5 * 1024 * 1024;
	char *s = malloc(big + 1);

	close(fd);
	for (size_t i = 0; i < big; i++)
		s[i] = (char)('a' + i % 26);
	s[big - 1] = '"';	/* one escape at the very end */
	s[big] = '\0';
	for (int plain = 0; plain < 2; plain++) {
		struct bp_writer *w = bp_writer_open(path, plain ?
						     BP_WRITER_PLAIN : 0);
		struct bp_reader *r;
		int rc, n = 0, good = 1;

		for (int i = 0; i < 3; i++) {
			bp_writer_begin(w);
			bp_writer_int(w, "i", i);
			if (i == 1)
				bp_writer_strn(w, "s", s, big);
			bp_writer_end(w);
		}
		bp_writer_close(&w);
		r = bp_reader_open(path);
		while ((rc = bp_reader_next(r, &row)) > 0) {
			if (n == 1 && (row.n != 2 || row.f[1].len != big ||
				       memcmp(row.f[1].str, s, big) != 0))
				good = 0;
			n++;
		}
		ok(rc == 0 && n == 3 && good && row.lineno == 3,
		   "a 5 MB line reads back exactly (%s)",
		   plain ? "plain" : "zstd");
		bp_reader_free(&r);
	}
	free(s);
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
	scan_cases();
	number_cases();
	long_line_cases();
	bp_row_release(&row);
	return done_testing();
}
