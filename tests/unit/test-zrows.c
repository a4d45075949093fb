/*
 * test-zrows: the row match finder gives back the text it was given,
 * whatever the text, and finds the rows' structure when there is some.
 *
 * Every compression here runs with ZSTD_c_validateSequences on, so an
 * invalid sequence (a match that is not the bytes it claims, an offset
 * out of the block) fails the compression itself, besides the round trip
 * failing to give the text back.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "stream.h"
#include "util.h"
#include "zrows.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

struct comp {
	char *z;
	size_t len;
	struct bp_zrows_stats st;
	int err;
};

/*
 * Compress text the writer's way (128 KiB chunks, "1*", checksum), with
 * zrows unless plain, validating every sequence.
 */
static struct comp
compress(const char *s, size_t n, int plain)
{
	struct comp c = { 0 };
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	struct bp_zrows *zr = NULL;
	size_t cap = ZSTD_compressBound(n) + 4096, pos = 0;

	c.z = bp_xmalloc(cap);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_validateSequences, 1);
	if (!plain)
		zr = bp_zstd_tune(cc);
	for (;;) {
		size_t k = n - pos < 131072 ? n - pos : 131072, r;
		ZSTD_EndDirective m = pos + k == n ? ZSTD_e_end
						   : ZSTD_e_continue;
		ZSTD_inBuffer in = { s + pos, k, 0 };

		do {
			ZSTD_outBuffer o = { c.z + c.len, cap - c.len, 0 };

			r = ZSTD_compressStream2(cc, &o, &in, m);
			if (ZSTD_isError(r)) {
				printf("# zstd: %s\n", ZSTD_getErrorName(r));
				c.err = 1;
				goto out;
			}
			c.len += o.pos;
		} while (m == ZSTD_e_continue ? in.pos < in.size : r != 0);
		pos += k;
		if (pos == n)
			break;
	}
out:
	if (zr)
		c.st = bp_zrows_stats(zr);
	ZSTD_freeCCtx(cc);
	bp_zrows_free(zr);
	return c;
}

/* Compress and decompress; 1 when the text comes back. */
static int
round_trip(const char *s, size_t n, struct comp *cp)
{
	struct comp c = compress(s, n, 0);
	char *back = bp_xmalloc(n + 1);
	size_t got;
	int good;

	if (c.err) {
		free(c.z);
		free(back);
		return 0;
	}
	got = ZSTD_decompress(back, n + 1, c.z, c.len);
	good = !ZSTD_isError(got) && got == n && memcmp(back, s, n) == 0;
	free(back);
	if (cp)
		*cp = c;
	else
		free(c.z);
	return good;
}

static void
add(struct bp_buf *b, const char *s)
{
	bp_buf_add(b, s, strlen(s));
}

/* A row the way bp-features writes them: 20 fields, nulls, digits. */
static void
feature_row(struct bp_buf *b, int i)
{
	char t[64];

	snprintf(t, sizeof(t), "{\"ts\":\"2024-01-%02dT%02d:00:00Z\"",
		 1 + i / 24 % 28, i % 24);
	add(b, t);
	add(b, ",\"symbol\":\"BTCUSDT\"");
	snprintf(t, sizeof(t), ",\"close\":%u.%02u", 40000 + below(900),
		 below(100));
	add(b, t);
	snprintf(t, sizeof(t), ",\"volume\":%u.%03u", below(5000),
		 below(1000));
	add(b, t);
	for (int k = 0; k < 16; k++) {
		snprintf(t, sizeof(t), ",\"ind_%d_14\":", k);
		add(b, t);
		if (i < 30 && k > 3)
			add(b, "null");
		else {
			snprintf(t, sizeof(t), "%.17g",
				 (double)rnd() / 1e19 * (k + 1));
			add(b, t);
		}
	}
	add(b, "}\n");
}

static void
test_feature_rows(void)
{
	struct bp_buf b = BP_BUF_INIT;
	struct comp c, plain;

	for (int i = 0; i < 20000; i++)
		feature_row(&b, i);
	ok(round_trip(b.s, b.len, &c), "feature rows: round trip");
	ok(c.st.blocks > 0 && c.st.declined == 0,
	   "feature rows: every block matched by zrows (%llu, declined %llu)",
	   (unsigned long long)c.st.blocks,
	   (unsigned long long)c.st.declined);
	ok(c.st.literals < c.st.bytes * 6 / 10,
	   "feature rows: keys and shared prefixes matched (%.1f%% literals)",
	   100.0 * (double)c.st.literals / (double)c.st.bytes);
	plain = compress(b.s, b.len, 1);
	ok(!plain.err && c.len <= plain.len + plain.len / 50,
	   "feature rows: as small as zstd's own finder (%zu vs %zu)",
	   c.len, plain.len);
	{
		struct comp again = compress(b.s, b.len, 0);

		ok(again.len == c.len && memcmp(again.z, c.z, c.len) == 0,
		   "feature rows: the same bytes every time");
		free(again.z);
	}
	free(plain.z);
	free(c.z);
	bp_buf_release(&b);
}

/* Texts that bend the walk out of shape; each must come back. */
static void
test_odd_texts(void)
{
	static const char *rows[] = {
		"{\"a\":\"x\\\",}{\",\"b\":\"\\\\\",\"c\":1}\n",
		"{\"a\":\"x\\\",}{\",\"b\":\"\\\\\\\\\",\"c\":12}\n",
		"{\"a\":[1,2,{\"b\":3}],\"c\":\"d\"}\n",
		"{\"a\": 1, \"b\": 2}\n",
		"{\"a\":1,\"b\":2}\r\n",
		"{}\n",
		"\n",
		"{\"a\":true,\"b\":false,\"c\":null,\"d\":-1.5e-07}\n",
		"{\"k\\u00e9y\":\"v\\u00e9\",\"z\":\"\"}\n",
		"{\"a\":1,\"a\":1,\"a\":1}\n",
		"{\"a\":1,\"b\":2,\"c\":3}\n",
		"{\"a\":1,\"b\":2}\n",
		"{\"a\":1,\"b\":22,\"c\":3}\n",
		"{\"a\":\"unterminated,\"b\":2}\n",
		"{\"a\":1,\"b\":2\n",
		"{\"a\":1,}\n",
		"{\"a\"1,\"b\":2}\n",
		"{a:1}\n",
		"time,open,close\n2024-01-01,1.5,1.6\n",
	};
	size_t nrows = sizeof(rows) / sizeof(rows[0]);
	struct bp_buf b = BP_BUF_INIT;
	int good = 1;

	for (size_t i = 0; i < nrows; i++) {
		/* each odd row alone, and many times over */
		struct bp_buf one = BP_BUF_INIT;

		for (int k = 0; k < 3000; k++)
			add(&one, rows[i]);
		if (!round_trip(rows[i], strlen(rows[i]), NULL) ||
		    !round_trip(one.s, one.len, NULL)) {
			printf("# row %zu: %s", i, rows[i]);
			good = 0;
		}
		bp_buf_release(&one);
	}
	ok(good, "odd rows, alone and repeated");
	for (int k = 0; k < 20000; k++)
		add(&b, rows[below((unsigned)nrows)]);
	ok(round_trip(b.s, b.len, NULL), "odd rows, mixed");
	bp_buf_release(&b);
}

/* Quotes, commas and braces inside strings do not end them. */
static void
test_escaped_strings(void)
{
	struct bp_buf b = BP_BUF_INIT;
	struct comp c;
	char t[128];

	for (int i = 0; i < 20000; i++) {
		snprintf(t, sizeof(t), "{\"note\":\"a \\\"b,}\\\\\","
			 "\"x\":%u.%u,\"y\":%u}\n", below(100000),
			 below(1000), below(1000));
		add(&b, t);
	}
	ok(round_trip(b.s, b.len, &c), "escaped strings: round trip");
	ok(c.st.literals < c.st.bytes / 2,
	   "escaped strings: the fields after them matched (%.1f%% literals)",
	   100.0 * (double)c.st.literals / (double)c.st.bytes);
	free(c.z);
	bp_buf_release(&b);
}

static void
test_sizes(void)
{
	struct bp_buf b = BP_BUF_INIT;
	char t[32];
	int good = 1;

	/* a row of more fields than are matched */
	for (int r = 0; r < 40; r++) {
		add(&b, "{\"f0\":0");
		for (int k = 1; k < 1500; k++) {
			snprintf(t, sizeof(t), ",\"f%d\":%u", k, below(1000));
			add(&b, t);
		}
		add(&b, "}\n");
	}
	ok(round_trip(b.s, b.len, NULL), "rows of 1500 fields");
	/* a row longer than a block */
	b.len = 0;
	for (int r = 0; r < 3; r++) {
		add(&b, "{\"s\":\"");
		for (int k = 0; k < 300000; k++)
			bp_buf_add(&b, &"0123456789abcdef"[below(16)], 1);
		add(&b, "\",\"n\":1}\n");
	}
	ok(round_trip(b.s, b.len, NULL), "rows longer than a block");
	/* every length of a short text, ending anywhere in a row */
	b.len = 0;
	for (int i = 0; i < 40; i++)
		feature_row(&b, i);
	for (size_t n = 0; n <= b.len && good; n += 7)
		good = round_trip(b.s, n, NULL);
	ok(good, "texts cut at every seventh byte");
	bp_buf_release(&b);
}

static void
test_not_rows(void)
{
	struct bp_buf b = BP_BUF_INIT;
	struct comp c;

	for (int i = 0; i < 400000; i++) {
		unsigned char x = (unsigned char)below(256);

		bp_buf_add(&b, (char *)&x, 1);
	}
	ok(round_trip(b.s, b.len, &c), "random bytes: round trip");
	ok(c.st.declined > 0, "random bytes: left to zstd's own finder");
	free(c.z);
	b.len = 0;
	for (int i = 0; i < 20000; i++) {
		char t[64];

		snprintf(t, sizeof(t), "2024-01-01T%02d:00:00Z,%u.5,%u\n",
			 i % 24, below(50000), below(9));
		add(&b, t);
	}
	ok(round_trip(b.s, b.len, &c), "CSV: round trip");
	ok(c.st.declined > 0 && c.st.blocks == 0,
	   "CSV: left to zstd's own finder");
	free(c.z);
	b.len = 0;
	for (int i = 0; i < 20000; i++) {
		char t[96];

		snprintf(t, sizeof(t), "{\"a\": {\"b\": [%u, 2]}, "
			 "\"c\": \"same text every row\"}\n", below(10));
		add(&b, t);
	}
	ok(round_trip(b.s, b.len, &c), "nested values: round trip");
	ok(c.st.declined > 0 && c.st.blocks == 0 && c.len < b.len / 20,
	   "nested values: left to zstd's own finder (x%.0f)",
	   (double)b.len / (double)c.len);
	free(c.z);
	bp_buf_release(&b);
}

/* Feature rows with bytes overwritten at random: 200 texts. */
static void
test_damaged_rows(void)
{
	static const char pick[] = "{}[],:\"\\\n 0a.-e";
	struct bp_buf b = BP_BUF_INIT, d = BP_BUF_INIT;
	int good = 1;

	for (int i = 0; i < 250; i++)
		feature_row(&b, i);
	for (int t = 0; t < 200 && good; t++) {
		d.len = 0;
		bp_buf_add(&d, b.s, b.len);
		for (unsigned k = below(40) + 1; k > 0; k--)
			d.s[below((unsigned)d.len)] =
				pick[below(sizeof(pick) - 1)];
		good = round_trip(d.s, d.len, NULL);
		if (!good)
			printf("# text %d\n", t);
	}
	ok(good, "damaged rows: 200 texts come back");
	bp_buf_release(&d);
	bp_buf_release(&b);
}

int
main(void)
{
	test_feature_rows();
	test_odd_texts();
	test_escaped_strings();
	test_sizes();
	test_not_rows();
	test_damaged_rows();
	return done_testing();
}
