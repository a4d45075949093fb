/*
 * test-stream: the flat-row parser, the writer's number and string forms,
 * the reader over plain, zstd, concatenated and truncated input, and the
 * writer's compression thread (same bytes as without it, whatever the
 * timing; its failures reported once; no thread left behind).
 */
#define _GNU_SOURCE	/* F_GETPIPE_SZ */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
	ok(row.f[0].type == BP_STR &&
	   strcmp(row.f[0].str, "2024-01-01T00:00:00Z") == 0,
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

/* ---- the writer's compression thread ---------------------------------- */

/*
 * Threads of this process named name ("bp-writer", "bp-reader"), from
 * /proc (Linux); with mask, also the signal mask (SigBlk) of the last
 * one.  The sanitizers' runtimes have threads of their own, so others
 * don't count.
 */
static int
threads_named(const char *name, unsigned long long *mask)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[320], line[256], want[64];
	int n = 0;

	if (!d)
		return -1;
	snprintf(want, sizeof(want), "Name:\t%s\n", name);
	while ((e = readdir(d))) {
		FILE *fp;
		int ours = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status",
			 e->d_name);
		if (!(fp = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), fp)) {
			if (strcmp(line, want) == 0)
				ours = 1;
			if (ours && mask && strncmp(line, "SigBlk:", 7) == 0)
				*mask = strtoull(line + 7, NULL, 16);
		}
		fclose(fp);
		n += ours;
	}
	closedir(d);
	return n;
}

static int
writer_threads(unsigned long long *mask)
{
	return threads_named("bp-writer", mask);
}

static int
nthreads(void)
{
	return writer_threads(NULL);
}

static void
set_threads(const char *v)
{
	if (v)
		setenv("BARPIPE_WRITER_THREADS", v, 1);
	else
		unsetenv("BARPIPE_WRITER_THREADS");
}

/*
 * Row i of the test stream: about 130 bytes, so 1000 rows fill a block;
 * returns bp_writer_end's result.
 */
static int
put_row(struct bp_writer *w, int i)
{
	bp_writer_begin(w);
	bp_writer_ts(w, "ts", 1601276400000LL + 3600000LL * i);
	bp_writer_str(w, "symbol", i % 3 ? "BTCUSDT" : "ETHUSDT");
	bp_writer_int(w, "i", i);
	bp_writer_num(w, "x", i / 7.0);
	bp_writer_num(w, "y", 1e5 + (i * 7919 % 10007) * 0.01);
	bp_writer_num(w, "z", i % 17 ? -i / 3.0 : NAN);
	return bp_writer_end(w);
}

/* The bytes of the file at path, as they are; *n their count. */
static char *
slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	size_t cap = 1 << 20, len = 0;
	char *s;
	ssize_t k;

	if (fd < 0)
		return NULL;
	s = malloc(cap);
	while ((k = read(fd, s + len, cap - len)) > 0) {
		len += (size_t)k;
		if (len == cap)
			s = realloc(s, cap *= 2);
	}
	close(fd);
	*n = len;
	return s;
}

/*
 * Decompress src (n bytes) with libzstd alone into a new buffer; *outn
 * its length; *ended 1 when the last frame is complete.  NULL on a zstd
 * error.
 */
static char *
unzstd(const char *src, size_t n, size_t *outn, int *ended)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer in = { src, n, 0 };
	size_t cap = 4 * n + 1024, len = 0, rc = 0;
	char *out = malloc(cap);

	ZSTD_initDStream(ds);
	for (;;) {
		ZSTD_outBuffer o;

		if (cap - len < 65536) {
			cap *= 2;
			out = realloc(out, cap);
		}
		o.dst = out + len;
		o.size = cap - len;
		o.pos = 0;
		rc = ZSTD_decompressStream(ds, &o, &in);
		if (ZSTD_isError(rc)) {
			free(out);
			ZSTD_freeDStream(ds);
			return NULL;
		}
		len += o.pos;
		/* all input taken and room left over: nothing more to come */
		if (in.pos == in.size && o.pos < o.size)
			break;
	}
	ZSTD_freeDStream(ds);
	*outn = len;
	*ended = rc == 0;
	return out;
}

/* Timing disturbances for the determinism test. */
enum jitter { STEADY, MAIN_SLEEPS, SLOW_READER };

struct slow_reader {
	int fd;
	const char *out;
};

/* Copy the FIFO to a file, pausing now and then so the worker blocks. */
static void *
slow_reader_main(void *arg)
{
	struct slow_reader *sr = arg;
	int o = open(sr->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char buf[16384];
	ssize_t k;
	long reads = 0;

	while ((k = read(sr->fd, buf, sizeof(buf))) > 0) {
		if (write(o, buf, (size_t)k) != k)
			break;
		if (++reads % 7 == 0) {
			struct timespec ts = { 0, 300000 };

			nanosleep(&ts, NULL);
		}
	}
	close(o);
	close(sr->fd);
	return NULL;
}

/*
 * Write rows [0, n) to path with the given thread setting and timing
 * disturbance; returns 0 when every end and the close succeed.  *seen
 * gets the thread count seen while writing.
 */
static int
write_rows(const char *path, int n, const char *threads, enum jitter j,
	   int *seen)
{
	struct bp_writer *w;
	struct slow_reader sr;
	pthread_t tid;
	char fifo[] = "/tmp/bp-test-stream-fifo-XXXXXX";
	const char *target = path;
	int rc = 0;

	set_threads(threads);
	if (j == SLOW_READER) {
		/* a FIFO: the writer writes in place, a thread drains it */
		int fd = mkstemp(fifo);

		close(fd);
		unlink(fifo);
		mkfifo(fifo, 0600);
		sr.fd = open(fifo, O_RDONLY | O_NONBLOCK);
		fcntl(sr.fd, F_SETFL, fcntl(sr.fd, F_GETFL) & ~O_NONBLOCK);
		sr.out = path;
		target = fifo;
	}
	w = bp_writer_open(target, 0);
	if (j == SLOW_READER)
		pthread_create(&tid, NULL, slow_reader_main, &sr);
	*seen = 0;
	for (int i = 0; i < n && w; i++) {
		if (put_row(w, i) < 0)
			rc = -1;
		if (i == n / 2)
			*seen = nthreads();
		if (j == MAIN_SLEEPS && i % 2000 == 0) {
			struct timespec ts = { 0, 200000 + (i % 3) * 100000 };

			nanosleep(&ts, NULL);
		}
	}
	if (!w || bp_writer_close(&w) < 0)
		rc = -1;
	if (j == SLOW_READER) {
		pthread_join(tid, NULL);
		unlink(fifo);
	}
	set_threads(NULL);
	return rc;
}

static void
thread_bytes_cases(void)
{
	char plain[] = "/tmp/bp-test-stream-XXXXXX";
	char ref[] = "/tmp/bp-test-stream-XXXXXX";
	char got[] = "/tmp/bp-test-stream-XXXXXX";
	static const char *const jname[] = { "steady", "main sleeps",
					     "slow reader" };
	int n = 60000, seen, fd, rc;
	char *want, *refz, *z, *text;
	size_t wantn, refn, zn, textn;
	int ended;
	struct bp_writer *w;
	char cmd[256];

	close(mkstemp(plain));
	close(mkstemp(ref));
	close(mkstemp(got));
	/* the text itself, plain: compression plays no part in it */
	w = bp_writer_open(plain, BP_WRITER_PLAIN);
	for (int i = 0; i < n; i++)
		put_row(w, i);
	bp_writer_close(&w);
	want = slurp(plain, &wantn);

	rc = write_rows(ref, n, "0", STEADY, &seen);
	ok(rc == 0 && seen == 0, "BARPIPE_WRITER_THREADS=0: no thread (%d "
	   "seen)", seen);
	refz = slurp(ref, &refn);
	text = unzstd(refz, refn, &textn, &ended);
	ok(text && ended && textn == wantn && memcmp(text, want, wantn) == 0,
	   "without the thread: %zu bytes of zstd decode to the %zu bytes of "
	   "text", refn, wantn);
	free(text);

	for (int rep = 0; rep < 2; rep++) {
		for (int j = STEADY; j <= SLOW_READER; j++) {
			rc = write_rows(got, n, "1", (enum jitter)j, &seen);
			z = slurp(got, &zn);
			ok(rc == 0 && seen == 1 && z && zn == refn &&
			   memcmp(z, refz, refn) == 0,
			   "with the thread (%s, run %d): %d thread while "
			   "writing, the same %zu bytes", jname[j], rep + 1,
			   seen, zn);
			free(z);
		}
	}
	ok(nthreads() == 0, "no thread left after close");
	rc = write_rows(got, n, NULL, STEADY, &seen);
	ok(rc == 0 && seen == (sysconf(_SC_NPROCESSORS_ONLN) > 1),
	   "default: the thread on %ld cores (%d seen)",
	   sysconf(_SC_NPROCESSORS_ONLN), seen);
	/* the reference decoder, when installed (it is a build dependency) */
	if (system("command -v zstd >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "zstd -qdc %s | cmp -s - %s", got,
			 plain);
		ok(system(cmd) == 0, "zstd -dc reads the threaded stream");
	}
	/* a short stream never starts the thread */
	set_threads("1");
	w = bp_writer_open(got, 0);
	for (int i = 0; i < 100; i++)
		put_row(w, i);
	fd = nthreads();
	ok(bp_writer_close(&w) == 0 && fd == 0,
	   "100 rows: written without a thread (%d)", fd);
	set_threads(NULL);
	free(want);
	free(refz);
	unlink(plain);
	unlink(ref);
	unlink(got);
}

/*
 * bp_writer_flush pushes every row so far down the pipe.  The writer
 * writes stdout, pointed at a file, so the bytes can be read as they land.
 */
static void
thread_flush_cases(void)
{
	char path[] = "/tmp/bp-test-stream-XXXXXX";
	char plain[] = "/tmp/bp-test-stream-XXXXXX";
	struct bp_writer *w, *p;
	char *z, *text = NULL, *want;
	size_t zn, textn = 0, wantn;
	int ended = -1, ended2 = -1, good, frc, crc, during, after, fd, out;

	fd = mkstemp(path);
	close(mkstemp(plain));
	set_threads("1");
	fflush(stdout);
	out = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	w = bp_writer_open(NULL, 0);
	p = bp_writer_open(plain, BP_WRITER_PLAIN);
	for (int i = 0; i < 20000; i++) {
		put_row(w, i);
		put_row(p, i);
	}
	frc = bp_writer_flush(w);
	during = nthreads();
	bp_writer_close(&p);
	want = slurp(plain, &wantn);
	z = slurp(path, &zn);
	if (z)
		text = unzstd(z, zn, &textn, &ended);
	good = text && textn == wantn && memcmp(text, want, wantn) == 0;
	free(text);
	free(z);
	free(want);
	for (int i = 20000; i < 30000; i++)
		put_row(w, i);
	crc = bp_writer_close(&w);
	after = nthreads();
	dup2(out, STDOUT_FILENO);
	close(out);
	ok(frc == 0 && during == 1, "flush with the thread running");
	ok(good && ended == 0, "after the flush the file holds all 20000 "
	   "rows, the frame still open (%zu of %zu bytes)", textn, wantn);
	ok(crc == 0 && after == 0, "close after flush");
	z = slurp(path, &zn);
	text = z ? unzstd(z, zn, &textn, &ended2) : NULL;
	ok(text && ended2 == 1 && textn > wantn, "and the frame ends");
	free(text);
	free(z);
	set_threads(NULL);
	unlink(path);
	unlink(plain);
}

/* Run fn with stderr going into buf (size n). */
static void
capture_stderr(char *buf, size_t n, int (*fn)(void *), void *arg, int *rc)
{
	char path[] = "/tmp/bp-test-stream-err-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t k;

	dup2(fd, STDERR_FILENO);
	*rc = fn(arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	k = read(fd, buf, n - 1);
	buf[k > 0 ? k : 0] = '\0';
	close(fd);
	unlink(path);
}

struct fail_run {
	const char *path;
	int rows;
	int end_failed_at;	/* first row whose end returned -1, or -1 */
	int close_rc;
	int threads_seen;
	int reader;		/* closed once the writer is open, or -1 */
};

/* Write rows to run->path with the thread until an end fails; close. */
static int
fail_run(void *arg)
{
	struct fail_run *f = arg;
	struct bp_writer *w = bp_writer_open(f->path, 0);

	f->end_failed_at = -1;
	f->threads_seen = 0;
	if (f->reader >= 0)
		close(f->reader);
	if (!w)
		return -1;
	for (int i = 0; i < f->rows; i++) {
		if (i == 1500)
			f->threads_seen = nthreads();
		if (put_row(w, i) < 0) {
			f->end_failed_at = i;
			break;
		}
	}
	f->close_rc = bp_writer_close(&w);
	return f->close_rc;
}

/* msg without its final newline, for a test name. */
static const char *
shown(const char *msg)
{
	static char buf[1024];
	size_t n = strcspn(msg, "\n");

	snprintf(buf, sizeof(buf), "%.*s", (int)n, msg);
	return buf;
}

/* Exactly one line, and it is want. */
static int
one_line(const char *got, const char *want)
{
	size_t n = strlen(want);

	return strncmp(got, want, n) == 0 && got[n] == '\n' &&
	       got[n + 1] == '\0';
}

static void
thread_error_cases(void)
{
	char msg[1024], dir[] = "/tmp/bp-test-stream-dir-XXXXXX";
	char path[512], fifo[512];
	struct fail_run f = { .reader = -1 };
	struct rlimit old, lim;
	int rc, entries;
	DIR *d;
	struct dirent *e;

	set_threads("1");
	/* /dev/full: ENOSPC on the worker */
	f.path = "/dev/full";
	f.rows = 50000;
	capture_stderr(msg, sizeof(msg), fail_run, &f, &rc);
	ok(rc < 0 && f.threads_seen == 1 && one_line(msg, "barpipe: cannot "
	   "write '/dev/full': No space left on device"),
	   "/dev/full: one line from the worker's failure (end failed at "
	   "row %d, close %d): %s", f.end_failed_at, f.close_rc, shown(msg));
	ok(f.end_failed_at > 0, "the failure surfaces from bp_writer_end "
	   "(row %d)", f.end_failed_at);
	ok(nthreads() == 0, "no thread left after the failure");

	/* EPIPE: a FIFO whose reader went away, SIGPIPE ignored */
	signal(SIGPIPE, SIG_IGN);
	mkdtemp(dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	mkfifo(fifo, 0600);
	f.reader = open(fifo, O_RDONLY | O_NONBLOCK);
	f.path = fifo;
	capture_stderr(msg, sizeof(msg), fail_run, &f, &rc);
	f.reader = -1;
	{
		char want[600];

		snprintf(want, sizeof(want), "barpipe: cannot write '%s': %s",
			 fifo, strerror(EPIPE));
		ok(rc < 0 && f.end_failed_at > 0 && one_line(msg, want),
		   "EPIPE on the worker: one line, from bp_writer_end (row "
		   "%d): %s", f.end_failed_at, shown(msg));
	}
	signal(SIGPIPE, SIG_DFL);
	unlink(fifo);

	/* EFBIG on a -o file: the temporary goes, nothing is left */
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 1 << 20;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	snprintf(path, sizeof(path), "%s/out.zst", dir);
	f.path = path;
	f.rows = 200000;
	capture_stderr(msg, sizeof(msg), fail_run, &f, &rc);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	{
		char want[600];

		snprintf(want, sizeof(want), "barpipe: cannot write '%s': %s",
			 path, strerror(EFBIG));
		ok(rc < 0 && one_line(msg, want), "a -o file over the size "
		   "limit: one line (end failed at row %d): %s",
		   f.end_failed_at, shown(msg));
	}
	entries = 0;
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			entries += e->d_name[0] != '.';
		closedir(d);
	}
	ok(entries == 0 && nthreads() == 0, "no output, no temporary, no "
	   "thread left (%d entries)", entries);

	/* abort with blocks in flight */
	{
		struct bp_writer *w = bp_writer_open(path, 0);

		for (int i = 0; i < 30000; i++)
			put_row(w, i);
		rc = nthreads();
		bp_writer_abort(&w);
		entries = 0;
		if ((d = opendir(dir))) {
			while ((e = readdir(d)))
				entries += e->d_name[0] != '.';
			closedir(d);
		}
		ok(rc == 1 && w == NULL && entries == 0 && nthreads() == 0,
		   "abort with the worker busy: no temporary, no thread");
	}
	rmdir(dir);

	/* the worker blocks the tool's signals but not SIGPIPE */
	{
		struct bp_writer *w = bp_writer_open("/dev/null", 0);
		unsigned long long m;

		for (int i = 0; i < 3000; i++)
			put_row(w, i);
		bp_writer_flush(w);	/* the worker has run */
		m = 0;
		writer_threads(&m);
		ok((m >> (SIGTERM - 1) & 1) && (m >> (SIGINT - 1) & 1) &&
		   !(m >> (SIGPIPE - 1) & 1), "worker blocks SIGTERM and "
		   "SIGINT, not SIGPIPE (SigBlk %llx)", m);
		bp_writer_close(&w);
	}

	/* a closed pipe kills the process by SIGPIPE, as without it */
	{
		int fds[2], status = 0;
		pid_t pid = -1;

		fflush(stdout);
		if (pipe(fds) == 0 && (pid = fork()) == 0) {
			struct bp_writer *w;

			close(fds[0]);
			dup2(fds[1], STDOUT_FILENO);
			close(fds[1]);
			w = bp_writer_open(NULL, 0);
			for (int i = 0; i < 100000; i++)
				put_row(w, i);
			bp_writer_close(&w);
			_exit(0);
		}
		close(fds[1]);
		close(fds[0]);
		if (pid > 0)
			waitpid(pid, &status, 0);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE,
		   "writing into a closed pipe ends the process by SIGPIPE");
	}

	set_threads("2");
	f.path = "/dev/null";
	capture_stderr(msg, sizeof(msg), fail_run, &f, &rc);
	ok(rc < 0 && one_line(msg, "barpipe: BARPIPE_WRITER_THREADS: '2' is "
			      "not 0 or 1"), "BARPIPE_WRITER_THREADS=2 is "
	   "refused: %s", shown(msg));
	set_threads(NULL);
}

/* ---- the reader's decoding thread --------------------------------------- */

struct read_run {
	const char *path;
	const char *threads;	/* BARPIPE_READER_THREADS, or NULL */
	int rows;		/* rows read */
	long long sum;		/* of their "i" */
	int seen;		/* bp-reader threads at row 20000 */
	unsigned long long mask;	/* their signal mask */
	int rc;			/* the last bp_reader_next() */
};

/* Read every row of run->path; a capture_stderr() function. */
static int
read_run(void *arg)
{
	struct read_run *f = arg;
	struct bp_reader *r;
	struct bp_row rw = BP_ROW_INIT;
	double v;

	if (f->threads)
		setenv("BARPIPE_READER_THREADS", f->threads, 1);
	else
		unsetenv("BARPIPE_READER_THREADS");
	f->rows = 0;
	f->sum = 0;
	f->seen = -1;
	f->mask = 0;
	r = bp_reader_open(f->path);
	while ((f->rc = bp_reader_next(r, &rw)) > 0) {
		if (bp_row_num(&rw, "i", NULL, &v) == 0)
			f->sum += (long long)v;
		if (++f->rows == 20000)
			f->seen = threads_named("bp-reader", &f->mask);
	}
	bp_reader_free(&r);
	bp_row_release(&rw);
	unsetenv("BARPIPE_READER_THREADS");
	return f->rc;
}

/* Copy the first n bytes of src to dst, flipping the byte at flip (or not). */
static void
cut_copy(const char *src, const char *dst, size_t n, long flip)
{
	size_t len;
	char *b = slurp(src, &len);
	FILE *fp = fopen(dst, "wb");

	if (n > len)
		n = len;
	if (flip >= 0 && (size_t)flip < n)
		b[flip] ^= 0x5a;
	fwrite(b, 1, n, fp);
	fclose(fp);
	free(b);
}

struct feeder {
	int fd;
	const char *buf;
	size_t n;
};

/* Write the bytes into the pipe, then keep it open until it breaks. */
static void *
feeder_main(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;

	while (off < f->n) {
		ssize_t k = write(f->fd, f->buf + off, f->n - off);

		if (k < 0)
			return NULL;
		off += (size_t)k;
	}
	return NULL;
}

static void
reader_thread_cases(void)
{
	char path[] = "/tmp/bp-test-stream-rt-XXXXXX";
	char cut[] = "/tmp/bp-test-stream-rc-XXXXXX";
	char msg0[1024], msg1[1024];
	struct read_run a = { 0 }, b = { 0 };
	struct bp_writer *w;
	long long want = 0;
	size_t zlen;
	int rc0, rc1, n = 60000;

	close(mkstemp(path));
	close(mkstemp(cut));
	set_threads("0");
	w = bp_writer_open(path, 0);
	for (int i = 0; i < n; i++) {
		put_row(w, i);
		want += i;
	}
	bp_writer_close(&w);
	set_threads(NULL);
	free(slurp(path, &zlen));

	a.path = b.path = path;
	a.threads = "1";
	b.threads = "0";
	read_run(&a);
	read_run(&b);
	ok(a.rc == 0 && a.rows == n && a.sum == want && a.seen == 1,
	   "BARPIPE_READER_THREADS=1: %d rows, every one, one bp-reader "
	   "thread (%d)", a.rows, a.seen);
	ok(b.rc == 0 && b.rows == n && b.sum == want && b.seen == 0,
	   "BARPIPE_READER_THREADS=0: %d rows, no thread (%d)", b.rows,
	   b.seen);
	ok((a.mask >> (SIGTERM - 1) & 1) && (a.mask >> (SIGINT - 1) & 1),
	   "the reader thread blocks SIGTERM and SIGINT (SigBlk %llx)",
	   a.mask);
	ok(threads_named("bp-reader", NULL) == 0,
	   "no reader thread is left after bp_reader_free()");

	/* a stream cut inside a frame: the same rows, then the same error */
	cut_copy(path, cut, zlen * 6 / 10, -1);
	a.path = b.path = cut;
	capture_stderr(msg1, sizeof(msg1), read_run, &a, &rc1);
	capture_stderr(msg0, sizeof(msg0), read_run, &b, &rc0);
	{
		char want_msg[256];

		snprintf(want_msg, sizeof(want_msg), "barpipe: %s: truncated "
			 "zstd input (the stream ends inside a frame)", cut);
		ok(rc1 < 0 && a.rows == b.rows && a.rows > 20000 &&
		   a.sum == b.sum && one_line(msg1, want_msg) &&
		   strcmp(msg0, msg1) == 0, "truncated: %d rows and '%s' "
		   "with the thread, %d rows without", a.rows, shown(msg1),
		   b.rows);
	}

	/* a damaged block: the same rows, then the same zstd error */
	cut_copy(path, cut, zlen, (long)(zlen * 7 / 10));
	capture_stderr(msg1, sizeof(msg1), read_run, &a, &rc1);
	capture_stderr(msg0, sizeof(msg0), read_run, &b, &rc0);
	ok(rc1 < 0 && rc0 < 0 && a.rows == b.rows && a.rows > 20000 &&
	   strstr(msg1, ": zstd: ") && strcmp(msg0, msg1) == 0,
	   "damaged: %d rows and '%s' with the thread, %d rows without",
	   a.rows, shown(msg1), b.rows);

	/* an input that never ends: freeing the reader does not wait on it */
	{
		int fds[2];
		size_t len;
		char *z = slurp(path, &len);
		struct feeder f;
		pthread_t tid;
		struct bp_reader *r;
		struct bp_row rw = BP_ROW_INIT;
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		int got = 0, seen = -1;

		ok(pipe(fds) == 0, "pipe");
		f.fd = fds[1];
		f.buf = z;
		f.n = len / 2;
		pthread_create(&tid, NULL, feeder_main, &f);
		setenv("BARPIPE_READER_THREADS", "1", 1);
		r = bp_reader_fdopen(fds[0], "<pipe>");
		while (got < 20000 && bp_reader_next(r, &rw) > 0)
			got++;
		seen = threads_named("bp-reader", NULL);
		alarm(20);	/* a hang fails the test instead */
		bp_reader_free(&r);
		alarm(0);
		unsetenv("BARPIPE_READER_THREADS");
		ok(got == 20000 && seen == 1 &&
		   threads_named("bp-reader", NULL) == 0,
		   "stopping early on a pipe that stays open: the thread "
		   "ends (%d rows read)", got);
		close(fds[0]);
		pthread_join(tid, NULL);
		close(fds[1]);
		signal(SIGPIPE, old);
		bp_row_release(&rw);
		free(z);
	}

	/* a pipe gets a 1 MiB buffer where the system allows it */
	{
		int fds[2], max = 0;
		FILE *fp = fopen("/proc/sys/fs/pipe-max-size", "r");
		struct bp_reader *r;

		if (fp) {
			if (fscanf(fp, "%d", &max) != 1)
				max = 0;
			fclose(fp);
		}
		ok(pipe(fds) == 0, "pipe");
		r = bp_reader_fdopen(fds[0], "<pipe>");
		ok(max < 1024 * 1024 ||
		   fcntl(fds[0], F_GETPIPE_SZ) == 1024 * 1024,
		   "a pipe read by a reader has a 1 MiB buffer (%d; limit %d)",
		   fcntl(fds[0], F_GETPIPE_SZ), max);
		bp_reader_free(&r);
		close(fds[0]);
		close(fds[1]);
	}

	a.path = path;
	a.threads = "2";
	capture_stderr(msg1, sizeof(msg1), read_run, &a, &rc1);
	ok(rc1 < 0 && a.rows == 0 &&
	   one_line(msg1, "barpipe: BARPIPE_READER_THREADS: '2' is not 0 "
		    "or 1"), "BARPIPE_READER_THREADS=2 is refused: %s",
	   shown(msg1));
	unlink(path);
	unlink(cut);
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
	thread_bytes_cases();
	thread_flush_cases();
	thread_error_cases();
	reader_thread_cases();
	bp_row_release(&row);
	return done_testing();
}
