/*
 * scorer: blocks of rows through a model on a pipeline of threads (see
 * scorer.h).
 *
 * The calling thread reads lines into blocks (a ring of them) and hands
 * each to the workers in turn; a worker parses the block's rows, reads
 * their features, predicts the block in one batch and formats each row's
 * new columns; the calling thread writes the blocks back in order, as
 * they finish.  A finished row is its input line up to the closing brace
 * followed by the new fields, or with a keep list the kept fields
 * followed by them.  A row that holds a column the scorer replaces (or
 * no column at all) is rebuilt field by field by the writer, on the
 * calling thread, as it is written.
 *
 * Rows of a stream mostly have the same keys in the same order.  A
 * worker parses the first row of a block in full (bp_row_parse) and
 * keeps its shape: each key as it must appear in the line, `"key":`.  The
 * next rows are read by a quick scan that checks those keys with memcmp
 * and finds the values' ends without copying anything; a row that does
 * not match in every byte (another key, white space, an escape, a bad
 * value...) is parsed in full and its shape kept instead.  The scan
 * accepts only what bp_row_parse accepts and reads the same values, so
 * every row comes out the same either way; errors are always reported by
 * the full parse.
 */
#include "scorer.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "fmt.h"
#include "forest.h"
#include "model-internal.h"
#include "util.h"

#define BLOCK_ROWS 1024
#define AUTO_THREADS_MAX 8
#define PAD 64			/* readable bytes after a block's text */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#else
#define SWAR 0
#endif

#if (defined(__x86_64__) || defined(__i386__)) && SWAR && \
	(defined(__GNUC__) || defined(__clang__))
#define SCAN_X86 1
#include <immintrin.h>
#define AVX512BW __attribute__((target("avx512f,avx512bw")))
#else
#define SCAN_X86 0
#endif

enum row_state { ROW_OK, ROW_SKIP, ROW_NULL };

struct block {
	struct bp_buf text;	/* the lines, each NUL-terminated */
	size_t *off, *len;
	long *lineno;
	unsigned char *state;	/* enum row_state */
	unsigned char *slow;	/* written by the writer, field by field */
	double *x, *out;	/* (n, k) features, (n, nout) predictions */
	size_t n;
	/*
	 * What a worker made: row i is written as text[off[i]..+plen[i])
	 * then fmt[fo[i]..+flen[i]).  With a keep list, the kept columns of
	 * row i are first put in kept[ko[i]..+klen[i]).
	 */
	size_t *plen, *fo, *flen, *ko, *klen;
	struct bp_buf fmt, kept;
	int err;		/* rows from err_row on are not written */
	size_t err_row;
	char msg[512];
	int done;		/* scored (under the pipeline's lock) */
};

/* what every thread reads */
struct scorer {
	const struct bp_model *m;
	const struct bp_scorer_opts *o;
	const struct bp_forest *forest;	/* NULL: the model's own batch */
	int avx512;		/* the quick scan's masks by AVX-512 */
	const char *name;	/* input, for messages */
	size_t k, nout, ncls;
	char (*cname)[32];	/* `,"score_m1":` ... */
	size_t *cnamelen;
	char (*cbare)[32];	/* `score_m1` ... */
};

/*
 * The shape of a row: its keys in order (no two alike, none needing an
 * escape), where the model's features and the kept columns are, and the
 * values of the last row scanned.
 */
struct shape {
	size_t n;		/* fields; 0: no shape */
	struct bp_buf keys;	/* `"key":` of every field, one after another */
	size_t *koff, *klen;	/* (n) */
	size_t alloc;
	size_t *feat;		/* (k) field of feature j */
	size_t *kept;		/* (nkeep) kept fields, in input order */
	size_t *check;		/* the fields that are no feature */
	size_t ncheck;
	int slow;		/* the rows hold a column the scorer writes */
	const char **raw;	/* (n) the values of the row scanned */
	size_t *rawlen;
	const char **comma;	/* (n) its commas */
};

/* what one worker owns */
struct worker {
	struct bp_row row;
	struct bp_featmap fm;
	int *keep_hint;
	size_t *keep_idx;
	struct shape sh;
};

void
bp_scorer_defaults(enum bp_task task, double *long_t, double *short_t)
{
	*long_t = task == BP_TASK_BINARY ? 0.55 :
		  task == BP_TASK_MULTICLASS ? 0.1 : 0;
	*short_t = task == BP_TASK_BINARY ? 0.45 :
		   task == BP_TASK_MULTICLASS ? -0.1 : 0;
}

int
bp_scorer_signal(const struct bp_model *m, const struct bp_scorer_opts *o,
		 double score)
{
	double hi, lo;
	int sig;

	if (isnan(score))
		return 0;
	bp_scorer_defaults(bp_model_task(m), &hi, &lo);
	if (o->have_long)
		hi = o->long_t;
	if (o->have_short)
		lo = o->short_t;
	if (bp_model_task(m) == BP_TASK_REGRESSION && !o->have_long &&
	    !o->have_short)
		sig = score > 0 ? 1 : score < 0 ? -1 : 0;
	else
		sig = score >= hi ? 1 : score <= lo ? -1 : 0;
	return o->long_only && sig < 0 ? 0 : sig;
}

static void
class_name(char *buf, double v)
{
	if (v < 0)
		snprintf(buf, 32, "score_m%.0f", -v);
	else if (v > 0)
		snprintf(buf, 32, "score_p%.0f", v);
	else
		snprintf(buf, 32, "score_0");
}

static void
block_release(struct block *b)
{
	bp_buf_release(&b->text);
	bp_buf_release(&b->fmt);
	bp_buf_release(&b->kept);
	free(b->ko);
	free(b->klen);
	free(b->off);
	free(b->len);
	free(b->lineno);
	free(b->state);
	free(b->slow);
	free(b->x);
	free(b->out);
	free(b->plen);
	free(b->fo);
	free(b->flen);
}

static void
block_init(struct block *b, size_t k, size_t nout)
{
	size_t cap = BLOCK_ROWS;

	memset(b, 0, sizeof(*b));
	bp_buf_init(&b->text);
	bp_buf_init(&b->fmt);
	bp_buf_init(&b->kept);
	b->ko = bp_xcalloc(cap, sizeof(*b->ko));
	b->klen = bp_xcalloc(cap, sizeof(*b->klen));
	b->off = bp_xcalloc(cap, sizeof(*b->off));
	b->len = bp_xcalloc(cap, sizeof(*b->len));
	b->lineno = bp_xcalloc(cap, sizeof(*b->lineno));
	b->state = bp_xcalloc(cap, 1);
	b->slow = bp_xcalloc(cap, 1);
	b->x = bp_xcalloc(cap * (k ? k : 1), sizeof(*b->x));
	b->out = bp_xcalloc(cap * nout, sizeof(*b->out));
	b->plen = bp_xcalloc(cap, sizeof(*b->plen));
	b->fo = bp_xcalloc(cap, sizeof(*b->fo));
	b->flen = bp_xcalloc(cap, sizeof(*b->flen));
}

static int
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Fill b with up to BLOCK_ROWS lines; 1 rows read, 0 end, -1 error. */
static int
block_read(struct block *b, struct bp_reader *in)
{
	const char *line;
	size_t len;
	int rc = 0;

	b->n = 0;
	b->err = 0;
	b->done = 0;
	bp_buf_reset(&b->text);
	while (b->n < BLOCK_ROWS &&
	       (rc = bp_reader_line(in, &line, &len)) > 0) {
		if (is_blank(line, len))
			continue;
		b->off[b->n] = b->text.len;
		b->len[b->n] = len;
		b->lineno[b->n] = bp_reader_lineno(in);
		bp_buf_add(&b->text, line, len);
		bp_buf_addc(&b->text, '\0');
		b->n++;
	}
	/* zeros past the text: the quick scan reads eight bytes at a time */
	bp_buf_grow(&b->text, PAD);
	memset(b->text.s + b->text.len, 0, PAD);
	if (rc < 0)
		return -1;
	return b->n > 0;
}

/* a column the scorer writes: score, signal, score_* (multiclass) */
static int
replaced(const struct scorer *s, const char *key)
{
	return key[0] == 's' && (strcmp(key, "score") == 0 ||
				 strcmp(key, "signal") == 0 ||
				 (s->ncls && strncmp(key, "score_", 6) == 0));
}

static int
collides(const struct scorer *s, const struct bp_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		if (replaced(s, row->f[i].key))
			return 1;
	return 0;
}

static void
block_fail(struct block *b, size_t i, const char *fmt, ...) BP_PRINTF(3, 4);

static void
block_fail(struct block *b, size_t i, const char *fmt, ...)
{
	va_list ap;

	b->err = 1;
	b->err_row = i;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof(b->msg), fmt, ap);
	va_end(ap);
}

static void
add_num(struct bp_buf *b, double v)
{
	bp_buf_grow(b, BP_FMT_BUFSZ);
	if (isfinite(v))
		b->len += bp_fmt_double(b->s + b->len, v);
	else
		bp_buf_add(b, "null", 4);
}

/* the new columns of row i, from `{` or `,` on, and the end of the line */
static void
format_tail(const struct scorer *s, struct block *b, size_t i, int first)
{
	const double *out = b->out + i * s->nout;
	int valid = b->state[i] == ROW_OK;
	double score = valid ? bp_model_score(s->m, out) : NAN;
	int sig = valid ? bp_scorer_signal(s->m, s->o, score) : 0;
	struct bp_buf *f = &b->fmt;

	for (size_t c = 0; c < s->ncls; c++) {
		bp_buf_add(f, s->cname[c] + first, s->cnamelen[c] - first);
		add_num(f, valid ? out[c] : NAN);
		first = 0;
	}
	bp_buf_add(f, &",\"score\":"[first], 9 - (size_t)first);
	add_num(f, score);
	bp_buf_add(f, sig > 0 ? ",\"signal\":1}\n" : sig < 0 ?
		   ",\"signal\":-1}\n" : ",\"signal\":0}\n", sig < 0 ? 14 : 13);
}

/* the kept columns of the parsed row, in input order; -1: one is missing */
static int
format_keep(const struct scorer *s, struct worker *w, struct block *b,
	    size_t i)
{
	const struct bp_row *row = &w->row;
	size_t nk = s->o->nkeep, *idx = w->keep_idx;

	for (size_t q = 0; q < nk; q++) {
		int at = bp_row_find(row, s->o->keep[q], &w->keep_hint[q]);

		if (at < 0) {
			block_fail(b, i, "%s:%ld: '%s' (a --keep column) is "
				   "missing", s->name, b->lineno[i],
				   s->o->keep[q]);
			return -1;
		}
		idx[q] = (size_t)at;
	}
	/* input order: insertion sort of a few indices */
	for (size_t q = 1; q < nk; q++)
		for (size_t p = q; p > 0 && idx[p - 1] > idx[p]; p--) {
			size_t t = idx[p];

			idx[p] = idx[p - 1];
			idx[p - 1] = t;
		}
	b->ko[i] = b->kept.len;
	bp_buf_addc(&b->kept, '{');
	for (size_t q = 0; q < nk; q++) {
		const struct bp_field *f = &row->f[idx[q]];

		if (q && idx[q] == idx[q - 1])
			continue;	/* a name given twice */
		if (q)
			bp_buf_addc(&b->kept, ',');
		bp_json_escape(&b->kept, f->key, f->keylen);
		bp_buf_addc(&b->kept, ':');
		bp_buf_add(&b->kept, f->raw, f->rawlen);
	}
	b->klen[i] = b->kept.len - b->ko[i];
	return 0;
}

/* ---- the quick scan ------------------------------------------------------ */

static void
shape_release(struct shape *sh)
{
	bp_buf_release(&sh->keys);
	free(sh->koff);
	free(sh->klen);
	free(sh->feat);
	free(sh->kept);
	free(sh->check);
	free(sh->raw);
	free(sh->rawlen);
	free(sh->comma);
	memset(sh, 0, sizeof(*sh));
}

/* 1 when key can stand in a line as it is: no escape, no control byte */
static int
plain_key(const char *key, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c < 0x20 || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/*
 * Keep the shape of row (just parsed in full and found good); no shape
 * when its keys do not allow the quick scan.
 */
static void
shape_learn(const struct scorer *s, struct shape *sh,
	    const struct bp_row *row)
{
	size_t n = row->n, k = s->k;
	const char *const *names = bp_model_features(s->m);

	sh->n = 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!plain_key(row->f[i].key, row->f[i].keylen))
			return;
		for (size_t q = 0; q < i; q++)
			if (row->f[q].keylen == row->f[i].keylen &&
			    memcmp(row->f[q].key, row->f[i].key,
				   row->f[i].keylen) == 0)
				return;
	}
	if (n > sh->alloc) {
		sh->alloc = n;
		sh->koff = bp_xreallocarray(sh->koff, n, sizeof(*sh->koff));
		sh->klen = bp_xreallocarray(sh->klen, n, sizeof(*sh->klen));
		sh->raw = bp_xreallocarray(sh->raw, n, sizeof(*sh->raw));
		sh->rawlen = bp_xreallocarray(sh->rawlen, n,
					      sizeof(*sh->rawlen));
		sh->comma = bp_xreallocarray(sh->comma, n, sizeof(*sh->comma));
		sh->check = bp_xreallocarray(sh->check, n, sizeof(*sh->check));
	}
	if (!sh->feat) {
		sh->feat = bp_xcalloc(k + 1, sizeof(*sh->feat));
		sh->kept = bp_xcalloc(s->o->nkeep + 1, sizeof(*sh->kept));
	}
	bp_buf_reset(&sh->keys);
	for (size_t i = 0; i < n; i++) {
		sh->koff[i] = sh->keys.len;
		bp_json_escape(&sh->keys, row->f[i].key, row->f[i].keylen);
		bp_buf_addc(&sh->keys, ':');
		sh->klen[i] = sh->keys.len - sh->koff[i];
	}
	/* key_at() reads 16 bytes of every key */
	bp_buf_grow(&sh->keys, 16);
	memset(sh->keys.s + sh->keys.len, 0, 16);
	for (size_t j = 0; j < k; j++) {
		size_t i = 0, len = strlen(names[j]);

		while (i < n && !(row->f[i].keylen == len &&
				  memcmp(row->f[i].key, names[j], len) == 0))
			i++;
		if (i == n)
			return;
		sh->feat[j] = i;
	}
	sh->ncheck = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < k && sh->feat[j] != i)
			j++;
		if (j == k)
			sh->check[sh->ncheck++] = i;
	}
	for (size_t q = 0, m = 0; q < s->o->nkeep; q++) {
		const char *name = s->o->keep[q];
		size_t len = strlen(name), i = 0;

		while (i < n && !(row->f[i].keylen == len &&
				  memcmp(row->f[i].key, name, len) == 0))
			i++;
		if (i == n)
			return;
		/* input order: insert i among the fields before it */
		for (m = q; m > 0 && sh->kept[m - 1] > i; m--)
			sh->kept[m] = sh->kept[m - 1];
		sh->kept[m] = i;
	}
	sh->slow = !s->o->keep && collides(s, row);
	sh->n = n;
}

/* 1 when the n bytes at p are key (n <= 16: whole words, masked) */
static inline int
key_at(const char *p, const char *key, size_t n)
{
#if SWAR
	uint64_t a, b, c, d, m0, m1;

	if (n > 16)
		return memcmp(p, key, n) == 0;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, key, 8);
	memcpy(&d, key + 8, 8);
	m0 = n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1;
	m1 = n >= 16 ? ~0ULL : n <= 8 ? 0 : (1ULL << (8 * (n - 8))) - 1;
	return (((a ^ c) & m0) | ((b ^ d) & m1)) == 0;
#else
	return memcmp(p, key, n) == 0;
#endif
}

/* bit i set when byte i of the eight at p is ',' */
static inline uint64_t
commas8(const char *p)
{
	uint64_t v, x;

	memcpy(&v, p, 8);
	x = v ^ 0x2c2c2c2c2c2c2c2cULL;
	/* the high bit of each zero byte, exactly (no carry between bytes) */
	x = ~(((x & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | x) &
	    0x8080808080808080ULL;
	return (x * 0x0002040810204081ULL) >> 56;
}

/* the same for the 64 bytes at p */
static inline uint64_t
commas64(const char *p)
{
	return commas8(p) | commas8(p + 8) << 8 | commas8(p + 16) << 16 |
	       commas8(p + 24) << 24 | commas8(p + 32) << 32 |
	       commas8(p + 40) << 40 | commas8(p + 48) << 48 |
	       commas8(p + 56) << 56;
}

/*
 * Bit i set for each byte i of the eight at p that is not a digit: a
 * digit is 0x3X with X <= 9; the sum below carries into bit 7 of a byte
 * only when the byte is nonzero (no carry crosses bytes); the product
 * gathers the eight high bits into the top byte.
 */
static inline uint32_t
nondigits8(const char *p)
{
	uint64_t v, m;

	memcpy(&v, p, 8);
	m = ((v & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL) |
	    (((v + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) ^
	     0x3030303030303030ULL);
	m = (((m & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | m) &
	    0x8080808080808080ULL;
	return (uint32_t)((m * 0x0002040810204081ULL) >> 56);
}

#if SCAN_X86
/* the same three with AVX-512: one compare per 64 bytes */
AVX512BW static inline uint64_t
commas64_avx512(const char *p)
{
	return _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(p),
				      _mm512_set1_epi8(','));
}

AVX512BW static inline uint32_t
nondigits32_avx512(const char *p)
{
	__m512i d = _mm512_sub_epi8(_mm512_loadu_si512(p),
				    _mm512_set1_epi8('0'));

	return (uint32_t)~_mm512_cmplt_epu8_mask(d, _mm512_set1_epi8(10));
}

/* bit i set when byte i of the 64 at p cannot stand in a string as is */
AVX512BW static inline uint64_t
strbad64_avx512(const char *p)
{
	__m512i v = _mm512_loadu_si512(p);

	return _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20)) |
	       _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')) |
	       _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
}
#else
#define commas64_avx512 commas64
#define nondigits32_avx512(p) 0
#define strbad64_avx512(p) 0
#endif

/*
 * The n - 1 commas between the fields of line[1 .. len - 1) into pos;
 * -1 when there are more or fewer (a comma in a string, say).
 */
static inline __attribute__((always_inline)) int
find_commas(const char *line, size_t len, size_t n, const char **pos,
	    const int simd)
{
	const char *p = line + 1, *end = line + len - 1;
	size_t c = 0;

#if SWAR
	for (; p < end; p += 64) {
		uint64_t m = simd ? commas64_avx512(p) : commas64(p);

		if (end - p < 64)
			m &= (1ULL << (end - p)) - 1;
		while (m) {
			if (c == n - 1)
				return -1;
			pos[c++] = p + __builtin_ctzll(m);
			m &= m - 1;
		}
	}
#else
	(void)simd;
	for (; p < end; p++)
		if (*p == ',') {
			if (c == n - 1)
				return -1;
			pos[c++] = p;
		}
#endif
	return c == n - 1 ? 0 : -1;
}

/* the end of the digits of v from i on: the first non-digit at or after i */
#define DIGITS_END(m, i) ((size_t)__builtin_ctz((m) >> (i)) + (i))

/*
 * 1 when v[0 .. len) is a JSON number as bp_row_parse's grammar has it
 * (-, int, frac, exp).  Up to 23 bytes (every double's shortest form)
 * with one mask of the non-digits and no loop; longer, byte by byte.
 */
static inline __attribute__((always_inline)) int
is_number(const char *v, size_t len, const int simd)
{
	const char *p = v, *end = v + len;

#if SWAR
	if (len <= 23) {
		size_t s, a, b;
		/* bit len set: v[len] is a comma or the closing brace */
		uint32_t m = (uint32_t)1 << len |
			     (simd ? nondigits32_avx512(v) :
			      nondigits8(v) | nondigits8(v + 8) << 8 |
			      nondigits8(v + 16) << 16);

		s = v[0] == '-';
		a = DIGITS_END(m, s);
		if (a == s || (v[s] == '0' && a > s + 1))
			return 0;
		if (a == len)
			return 1;
		if (v[a] == '.') {
			b = DIGITS_END(m, a + 1);
			if (b == a + 1)
				return 0;
			if (b == len)
				return 1;
			a = b;
		}
		if (v[a] != 'e' && v[a] != 'E')
			return 0;
		a += 1 + (v[a + 1] == '+' || v[a + 1] == '-');
		b = a < len ? DIGITS_END(m, a) : a;
		return b > a && b == len;
	}
#endif
	(void)simd;
	p += *p == '-';
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (++p < end && *p >= '0' && *p <= '9')
			;
	else
		return 0;
	if (p < end && *p == '.') {
		if (++p == end || *p < '0' || *p > '9')
			return 0;
		while (++p < end && *p >= '0' && *p <= '9')
			;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return 0;
		while (++p < end && *p >= '0' && *p <= '9')
			;
	}
	return p == end;
}

/* 1 when v[0 .. len) is a value the quick scan takes */
static inline __attribute__((always_inline)) int
is_value(const char *v, size_t len, const int simd)
{
	if (len == 0)
		return 0;
	switch (*v) {
	case '"':
		if (len < 2 || v[len - 1] != '"')
			return 0;
		if (simd && len - 2 < 64)
			return (strbad64_avx512(v + 1) &
				((1ULL << (len - 2)) - 1)) == 0;
		for (size_t i = 1; i + 1 < len; i++)
			if ((unsigned char)v[i] < 0x20 || v[i] == '"' ||
			    v[i] == '\\')
				return 0;
		return 1;
	case 't':
		return len == 4 && memcmp(v, "true", 4) == 0;
	case 'f':
		return len == 5 && memcmp(v, "false", 5) == 0;
	case 'n':
		return len == 4 && memcmp(v, "null", 4) == 0;
	default:
		return is_number(v, len, simd);
	}
}

/*
 * Scan line (len bytes, then a NUL and PAD more) as a row of shape sh: 0
 * with the values in sh->raw, or -1 when it does not match (parse it in
 * full).  The commas are found first, all at once; then each field's
 * `"key":` is checked, and the values of the fields that are not
 * features, each a whole value up to its comma, so the fields' checks do
 * not wait on one another; the features' values are checked as they are
 * read, by shape_features().  A comma inside a string splits it into
 * pieces that fail the check.  simd: the masks by AVX-512 compares (the
 * caller has checked the processor).
 */
static inline __attribute__((always_inline)) int
scan_row(struct shape *sh, const char *line, size_t len, const int simd)
{
	size_t n = sh->n;
	const char **cm = sh->comma;
	int bad = 0;

	if (len < 2 || line[0] != '{' || line[len - 1] != '}' ||
	    find_commas(line, len, n, cm, simd) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *p = i ? cm[i - 1] + 1 : line + 1;
		const char *stop = i + 1 < n ? cm[i] : line + len - 1;
		size_t kl = sh->klen[i];

		if ((size_t)(stop - p) < kl ||
		    !key_at(p, sh->keys.s + sh->koff[i], kl))
			return -1;
		sh->raw[i] = p + kl;
		sh->rawlen[i] = (size_t)(stop - p) - kl;
	}
	for (size_t q = 0; q < sh->ncheck; q++) {
		size_t i = sh->check[q];

		bad |= !is_value(sh->raw[i], sh->rawlen[i], simd);
	}
	return bad ? -1 : 0;
}

static int
scan_row_swar(struct shape *sh, const char *line, size_t len)
{
	return scan_row(sh, line, len, 0);
}

#if SCAN_X86
AVX512BW static int
scan_row_avx512(struct shape *sh, const char *line, size_t len)
{
	return scan_row(sh, line, len, 1);
}
#endif

static int
shape_scan(const struct scorer *s, struct shape *sh, const char *line,
	   size_t len)
{
#if SCAN_X86
	if (s->avx512)
		return scan_row_avx512(sh, line, len);
#else
	(void)s;
#endif
	return scan_row_swar(sh, line, len);
}

/*
 * The features of the row just scanned into x (k), as bp_featmap_fill
 * reads them: the number of nulls, or -1 when one is not a number or not
 * a value at all (the full parse reports it).  bp_parse_double takes
 * exactly JSON's numbers, so a value is checked and read at once.
 */
static int
shape_features(const struct scorer *s, const struct shape *sh, double *x)
{
	int nulls = 0;

	for (size_t j = 0; j < s->k; j++) {
		const char *v = sh->raw[sh->feat[j]];
		size_t len = sh->rawlen[sh->feat[j]];

		if (*v == 'n' || *v == 't' || *v == 'f') {
			/* null, true, false: the scan's own check */
			if (!is_value(v, len, 0))
				return -1;
			x[j] = *v == 'n' ? NAN : *v == 't';
			nulls += *v == 'n';
		} else if (bp_parse_double(v, len, &x[j]) < 0) {
			return -1;
		}
	}
	return nulls;
}

/* the kept columns of the row just scanned, as format_keep writes them */
static void
shape_keep(const struct scorer *s, const struct shape *sh, struct block *b,
	   size_t i)
{
	b->ko[i] = b->kept.len;
	bp_buf_addc(&b->kept, '{');
	for (size_t q = 0; q < s->o->nkeep; q++) {
		size_t f = sh->kept[q];

		if (q)
			bp_buf_addc(&b->kept, ',');
		bp_buf_add(&b->kept, sh->keys.s + sh->koff[f], sh->klen[f]);
		bp_buf_add(&b->kept, sh->raw[f], sh->rawlen[f]);
	}
	b->klen[i] = b->kept.len - b->ko[i];
}

/* parse, read features, predict, format: a worker's part */
static void
block_score(const struct scorer *s, struct worker *w, struct block *b)
{
	struct shape *sh = &w->sh;
	size_t n = b->n, bad, k = s->k;
	enum bp_feat_problem why;
	char err[256];

	bp_buf_reset(&b->kept);
	/* each block starts from a full parse, whichever worker has it */
	sh->n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *line = b->text.s + b->off[i];
		int nulls = -1, quick = 0;

		if (sh->n && shape_scan(s, sh, line, b->len[i]) == 0 &&
		    (nulls = shape_features(s, sh, b->x + i * k)) >= 0) {
			quick = 1;
			b->slow[i] = (unsigned char)sh->slow;
		} else {
			if (bp_row_parse(&w->row, line, b->len[i], err,
					 sizeof(err)) < 0) {
				block_fail(b, i, "%s:%ld: %s", s->name,
					   b->lineno[i], err);
				n = i;
				break;
			}
			b->slow[i] = !s->o->keep && (w->row.n == 0 ||
						     collides(s, &w->row));
			nulls = bp_featmap_fill(&w->fm, &w->row, b->x + i * k,
						&bad, &why);
			if (nulls < 0) {
				block_fail(b, i, "%s:%ld: '%s' %s", s->name,
					   b->lineno[i],
					   bp_model_features(s->m)[bad],
					   why == BP_FEAT_ABSENT ?
					   "(a feature of the model) "
					   "is missing" :
					   "is not a number");
				n = i;
				break;
			}
			shape_learn(s, sh, &w->row);
		}
		b->state[i] = ROW_OK;
		if (nulls > 0 && !bp_model_handles_missing(s->m)) {
			size_t j = 0;

			while (j < k && !isnan(b->x[i * k + j]))
				j++;
			if (s->o->missing == BP_SCORER_MISSING_ERROR) {
				block_fail(b, i, "%s:%ld: '%s' is null and a "
					   "%s model cannot use nulls (see "
					   "--on-missing)", s->name,
					   b->lineno[i],
					   bp_model_features(s->m)[j],
					   bp_model_kind(s->m));
				n = i;
				break;
			}
			b->state[i] = s->o->missing == BP_SCORER_MISSING_SKIP ?
				      ROW_SKIP : ROW_NULL;
		}
		if (s->o->keep && b->state[i] != ROW_SKIP) {
			if (quick) {
				shape_keep(s, sh, b, i);
			} else if (format_keep(s, w, b, i) < 0) {
				n = i;
				break;
			}
		}
	}
	if (s->forest)
		bp_forest_predict(s->forest, b->x, n, b->out);
	else
		bp_model_predict_batch(s->m, b->x, n, b->out);
	bp_buf_reset(&b->fmt);
	for (size_t i = 0; i < n; i++) {
		const char *line = b->text.s + b->off[i];
		const char *end = line + b->len[i];

		if (b->state[i] == ROW_SKIP || b->slow[i])
			continue;
		b->fo[i] = b->fmt.len;
		if (s->o->keep) {
			/* after the kept columns (none kept: after '{') */
			bp_buf_add(&b->fmt, b->kept.s + b->ko[i], b->klen[i]);
			format_tail(s, b, i, b->klen[i] == 1);
			b->plen[i] = 0;
		} else {
			while (end > line && end[-1] != '}')
				end--;
			b->plen[i] = (size_t)(end - 1 - line);
			format_tail(s, b, i, 0);
		}
		b->flen[i] = b->fmt.len - b->fo[i];
	}
}

/* a row rebuilt by the writer: it holds a replaced column, or none */
static int
emit_slow(const struct scorer *s, struct block *b, size_t i,
	  struct bp_writer *w, struct bp_row *wrow)
{
	const char *line = b->text.s + b->off[i];
	const double *out = b->out + i * s->nout;
	int valid = b->state[i] == ROW_OK;
	double score = valid ? bp_model_score(s->m, out) : NAN;
	int sig = valid ? bp_scorer_signal(s->m, s->o, score) : 0;
	char err[256];

	if (bp_row_parse(wrow, line, b->len[i], err, sizeof(err)) < 0)
		return bp_error("%s:%ld: %s", s->name, b->lineno[i], err);
	bp_writer_begin(w);
	for (size_t f = 0; f < wrow->n; f++)
		if (!replaced(s, wrow->f[f].key))
			bp_writer_copy_field(w, wrow, f);
	for (size_t c = 0; c < s->ncls; c++)
		bp_writer_num(w, s->cbare[c], valid ? out[c] : NAN);
	bp_writer_num(w, "score", score);
	bp_writer_int(w, "signal", sig);
	return bp_writer_end(w);
}

/* write the block's rows; report its error when it has one */
static int
block_emit(const struct scorer *s, struct block *b, struct bp_writer *w,
	   struct bp_row *wrow, uint64_t *rows)
{
	size_t n = b->err ? b->err_row : b->n;

	for (size_t i = 0; i < n; i++) {
		if (b->state[i] == ROW_SKIP)
			continue;
		if (b->slow[i]) {
			if (emit_slow(s, b, i, w, wrow) < 0)
				return -1;
		} else if ((b->plen[i] && bp_writer_write(w, b->text.s +
				b->off[i], b->plen[i]) < 0) ||
			   bp_writer_write(w, b->fmt.s + b->fo[i],
					   b->flen[i]) < 0) {
			return -1;
		}
		(*rows)++;
		if (s->o->progress)
			bp_progress_tick(s->o->progress);
	}
	if (b->err)
		return bp_error("%s", b->msg);
	return 0;
}

/* ---- the pipeline ------------------------------------------------------- */

struct pipeline {
	const struct scorer *s;
	struct block *blk;
	size_t nblk;
	pthread_mutex_t mu;
	pthread_cond_t work;	/* workers: a block to score, or quit */
	pthread_cond_t done;	/* reader: a block is scored */
	uint64_t next;		/* the next block a worker takes */
	uint64_t ready;		/* blocks read so far */
	int quit;
	pthread_t *th;
	struct worker *wk;
	int nth;		/* threads started */
};

static void
worker_init(struct worker *w, const struct scorer *s)
{
	memset(w, 0, sizeof(*w));
	bp_featmap_init(&w->fm, bp_model_features(s->m), s->k);
	w->keep_hint = bp_xcalloc(s->o->nkeep + 1, sizeof(*w->keep_hint));
	w->keep_idx = bp_xcalloc(s->o->nkeep + 1, sizeof(*w->keep_idx));
	for (size_t q = 0; q < s->o->nkeep; q++)
		w->keep_hint[q] = -1;
}

static void
worker_release(struct worker *w)
{
	shape_release(&w->sh);
	bp_featmap_release(&w->fm);
	bp_row_release(&w->row);
	free(w->keep_hint);
	free(w->keep_idx);
}

struct worker_arg {
	struct pipeline *p;
	struct worker *w;
};

static void *
worker_main(void *arg)
{
	struct worker_arg *a = arg;
	struct pipeline *p = a->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct block *b;

		while (p->next == p->ready && !p->quit)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		b = &p->blk[p->next++ % p->nblk];
		pthread_mutex_unlock(&p->mu);
		block_score(p->s, a->w, b);
		pthread_mutex_lock(&p->mu);
		b->done = 1;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int
auto_threads(void)
{
	int n = bp_ncpu();

	return n > AUTO_THREADS_MAX ? AUTO_THREADS_MAX : n;
}

int
bp_scorer_run(const struct bp_model *m, const struct bp_scorer_opts *o,
	      struct bp_reader *in, struct bp_writer *out, uint64_t *rows_out)
{
	struct scorer s;
	struct pipeline p;
	struct worker inline_w;
	struct worker_arg *args = NULL;
	struct bp_row wrow = BP_ROW_INIT;
	struct bp_forest *own = o->forest ? NULL : bp_forest_new(m);
	const double *cls;
	uint64_t rows = 0, emitted = 0;
	int rc = 0, eof = 0, nw = o->threads > 0 ? o->threads : auto_threads();

	memset(&s, 0, sizeof(s));
	s.m = m;
	s.o = o;
	s.forest = o->forest ? o->forest : own;
	s.avx512 = bp_forest_cpu_avx512();
	s.name = bp_reader_name(in);
	s.k = bp_model_nfeatures(m);
	s.nout = bp_model_noutputs(m);
	s.ncls = bp_model_classes(m, &cls);
	s.cname = bp_xcalloc(s.ncls ? s.ncls : 1, sizeof(*s.cname));
	s.cnamelen = bp_xcalloc(s.ncls ? s.ncls : 1, sizeof(*s.cnamelen));
	s.cbare = bp_xcalloc(s.ncls ? s.ncls : 1, sizeof(*s.cbare));
	for (size_t c = 0; c < s.ncls; c++) {
		class_name(s.cbare[c], cls[c]);
		snprintf(s.cname[c], sizeof(s.cname[c]), ",\"%.20s\":",
			 s.cbare[c]);
		s.cnamelen[c] = strlen(s.cname[c]);
	}

	memset(&p, 0, sizeof(p));
	p.s = &s;
	if (nw > BP_SCORER_MAX_THREADS)
		nw = BP_SCORER_MAX_THREADS;
	if (nw < 2)
		nw = 0;		/* everything on this thread */
	p.nblk = nw ? 2 * (size_t)nw + 2 : 1;
	p.blk = bp_xcalloc(p.nblk, sizeof(*p.blk));
	for (size_t i = 0; i < p.nblk; i++)
		block_init(&p.blk[i], s.k, s.nout);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	worker_init(&inline_w, &s);
	if (nw) {
		p.th = bp_xcalloc((size_t)nw, sizeof(*p.th));
		p.wk = bp_xcalloc((size_t)nw, sizeof(*p.wk));
		args = bp_xcalloc((size_t)nw, sizeof(*args));
		for (int t = 0; t < nw; t++) {
			worker_init(&p.wk[t], &s);
			args[t].p = &p;
			args[t].w = &p.wk[t];
			if (pthread_create(&p.th[t], NULL, worker_main,
					   &args[t]) != 0) {
				worker_release(&p.wk[t]);
				break;
			}
			p.nth++;
		}
	}

	/*
	 * Read while a block is free, else write the oldest one when it is
	 * scored.  Without workers, a block is scored as soon as it is read.
	 */
	for (;;) {
		struct block *b;

		if (!eof && p.ready - emitted < p.nblk) {
			int r;

			b = &p.blk[p.ready % p.nblk];
			r = block_read(b, in);
			if (r <= 0) {
				eof = 1;
				if (r < 0)
					rc = -1;
				continue;
			}
			if (!p.nth) {
				block_score(&s, &inline_w, b);
				b->done = 1;
			}
			pthread_mutex_lock(&p.mu);
			p.ready++;
			pthread_cond_signal(&p.work);
			pthread_mutex_unlock(&p.mu);
			if (p.nth && p.ready - emitted < p.nblk)
				continue;
		}
		if (emitted == p.ready)
			break;
		b = &p.blk[emitted % p.nblk];
		pthread_mutex_lock(&p.mu);
		while (!b->done)
			pthread_cond_wait(&p.done, &p.mu);
		pthread_mutex_unlock(&p.mu);
		emitted++;
		if (block_emit(&s, b, out, &wrow, &rows) < 0 || b->err) {
			rc = -1;
			break;
		}
	}

	pthread_mutex_lock(&p.mu);
	p.quit = 1;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.mu);
	for (int t = 0; t < p.nth; t++) {
		pthread_join(p.th[t], NULL);
		worker_release(&p.wk[t]);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.work);
	pthread_cond_destroy(&p.done);
	worker_release(&inline_w);
	for (size_t i = 0; i < p.nblk; i++)
		block_release(&p.blk[i]);
	free(p.blk);
	free(p.th);
	free(p.wk);
	free(args);
	bp_row_release(&wrow);
	bp_forest_free(&own);
	free(s.cname);
	free(s.cnamelen);
	free(s.cbare);
	if (rows_out)
		*rows_out = rows;
	return rc;
}
