/*
 * stream: the NDJSON row reader and writer, zstd or plain.
 *
 * Reader: raw bytes come from the descriptor in blocks; when the first
 * bytes carry the zstd frame magic every block goes through a
 * ZSTD_DStream, otherwise later blocks are read straight into the text
 * buffer.  Lines are cut out of that one growing buffer (memchr for the
 * newline), so a line may be any length and memory stays constant for
 * bounded lines.  Concatenated frames decode one after the other; input
 * that ends inside a frame (the last ZSTD_decompressStream return is
 * non-zero) is an error, never a silently short stream.
 *
 * Row parser: a flat-object JSON parser that records, for each field, the
 * key, the type, the raw value text and (for strings) the unescaped text.
 * Numbers are validated here and converted only when a tool asks.
 *
 * Writer: rows are formatted straight into one output buffer, which is
 * compressed (or written) whenever it holds more than a block.  When
 * compressing on a machine with two or more cores, the full block goes to
 * a worker thread instead, which compresses and writes it while the tool
 * formats the next ones (eight blocks in turn; see hand_off()).  The
 * worker makes the same zstd calls on the same blocks as the tool's own
 * thread would, so the bytes do not depend on it.
 *
 * Speed (bench/stream.sh): string text and digit runs are scanned eight
 * bytes at a time, copies of short values avoid library calls, and a key
 * the parser unescaped into the row's scratch is written back without a
 * byte loop when it needs no escaping.  zstd's work dominates the rest.
 */
#define _GNU_SOURCE	/* sched_getaffinity(2), CPU_COUNT */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/*
 * For ZSTD_c_literalCompressionMode, an experimental parameter set through
 * the stable ZSTD_CCtx_setParameter(): a libzstd that does not know it
 * refuses it, and the writer then keeps zstd's plain level 1.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "fmt.h"
#include "ts.h"
#include "util.h"
#include "zread.h"
#include "zrows.h"

#define IN_BLOCK (128 * 1024)
#define OUT_BLOCK (128 * 1024)
#define PIPE_SIZE (1024 * 1024)	/* grow_pipe() */
#define NJOB 8		/* writer blocks: one filling, seven for the worker */

/* ---- rows ------------------------------------------------------------- */

void
bp_row_release(struct bp_row *row)
{
	free(row->f);
	free(row->scratch);
	memset(row, 0, sizeof(*row));
}

int
bp_row_find(const struct bp_row *row, const char *key, int *hint)
{
	size_t klen;

	if (hint && *hint >= 0 && (size_t)*hint < row->n &&
	    strcmp(row->f[*hint].key, key) == 0)
		return *hint;
	klen = strlen(key);
	for (size_t i = 0; i < row->n; i++) {
		if (row->f[i].keylen == klen &&
		    memcmp(row->f[i].key, key, klen) == 0) {
			if (hint)
				*hint = (int)i;
			return (int)i;
		}
	}
	return -1;
}

int
bp_field_num(const struct bp_field *f, double *out)
{
	if (f->type != BP_NUM)
		return -1;
	return bp_parse_double(f->raw, f->rawlen, out);
}

int
bp_row_num(const struct bp_row *row, const char *key, int *hint, double *out)
{
	int i = bp_row_find(row, key, hint);

	*out = NAN;
	if (i < 0 || row->f[i].type == BP_NULL)
		return 1;
	return bp_field_num(&row->f[i], out);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The scanning below looks at eight bytes at a time (SWAR: SIMD within a
 * register) on little-endian machines: special8() flags the bytes that
 * end a plain run of string text.  Each term x is the classic "has a zero
 * byte" test (x - 0x01..) & ~x & 0x80..; its lowest flagged byte is always
 * exact (only a borrow from a lower true hit makes false ones above), so
 * the lowest flagged byte of the union is the first special byte.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BP_SWAR 1
#else
#define BP_SWAR 0
#endif

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Bytes of v that are '"', '\\' or a control character, as high bits. */
static inline uint64_t
special8(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b) |
		((v - ONES * 0x20) & ~v)) & HIGHS;
}

/* 1 for the bytes a JSON string cannot hold as they are. */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* '\\' */
};

struct parser {
	const char *s, *end;
	char *out;		/* next free byte in the row's scratch */
	char *err;
	size_t errlen;
};

static int
perr(struct parser *ps, const char *p, const char *what)
{
	snprintf(ps->err, ps->errlen, "%s at byte %zu", what,
		 (size_t)(p - ps->s) + 1);
	return -1;
}

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
			   *p == '\n'))
		p++;
	return p;
}

static const char *
read_hex4(struct parser *ps, const char *p, unsigned *cp)
{
	unsigned v = 0;

	if (ps->end - p < 4) {
		perr(ps, p, "truncated \\u escape");
		return NULL;
	}
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);

		if (h < 0) {
			perr(ps, p, "bad \\u escape");
			return NULL;
		}
		v = v * 16 + (unsigned)h;
	}
	*cp = v;
	return p + 4;
}

/* The escape at p (on the backslash) into *o; returns the end or NULL. */
static const char *
parse_escape(struct parser *ps, const char *p, char **o)
{
	unsigned cp, lo;
	const char *q;

	if (++p == ps->end) {
		perr(ps, p, "unterminated string");
		return NULL;
	}
	switch (*p++) {
	case '"': *(*o)++ = '"'; return p;
	case '\\': *(*o)++ = '\\'; return p;
	case '/': *(*o)++ = '/'; return p;
	case 'b': *(*o)++ = '\b'; return p;
	case 'f': *(*o)++ = '\f'; return p;
	case 'n': *(*o)++ = '\n'; return p;
	case 'r': *(*o)++ = '\r'; return p;
	case 't': *(*o)++ = '\t'; return p;
	case 'u':
		break;
	default:
		perr(ps, p - 1, "bad escape in string");
		return NULL;
	}
	if (!(p = read_hex4(ps, p, &cp)))
		return NULL;
	if (cp >= 0xd800 && cp < 0xdc00 && ps->end - p >= 6 && p[0] == '\\' &&
	    p[1] == 'u') {
		if (!(q = read_hex4(ps, p + 2, &lo)))
			return NULL;
		if (lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p = q;
		}
	}
	if (cp >= 0xd800 && cp < 0xe000)
		cp = 0xfffd;	/* lone surrogate */
	/* \u escapes take 6+ input bytes, at most 4 out */
	*o += put_utf8(*o, cp);
	return p;
}

/*
 * Parse the string at p (on the opening quote) into scratch.  Returns the
 * byte after the closing quote, or NULL after setting the error.  Plain
 * runs are copied eight bytes at a time: the scratch has 16 bytes of slack
 * beyond the line's length, and its text never runs ahead of the input.
 */
static inline const char *
parse_string(struct parser *ps, const char *p, const char **str, size_t *len)
{
	const char *end = ps->end;
	char *o = ps->out;

	p++;
	*str = o;
	for (;;) {
#if BP_SWAR
		while (end - p >= 8) {
			uint64_t v, m;

			memcpy(&v, p, 8);
			memcpy(o, &v, 8);
			m = special8(v);
			if (m) {
				int k = __builtin_ctzll(m) >> 3;

				p += k;
				o += k;
				goto special;
			}
			p += 8;
			o += 8;
		}
#endif
		while (p < end && !needs_escape[(unsigned char)*p])
			*o++ = *p++;
		if (p == end) {
			perr(ps, p, "unterminated string");
			return NULL;
		}
#if BP_SWAR
special:
#endif
		if (*p == '"')
			break;
		if (*p != '\\') {
			perr(ps, p, "control character in string");
			return NULL;
		}
		if (!(p = parse_escape(ps, p, &o)))
			return NULL;
	}
	*len = (size_t)(o - *str);
	*o++ = '\0';
	ps->out = o;
	return p + 1;
}

/*
 * The end of the run of digits at p.  A byte b is not a digit when
 * b - '0' borrows (b < '0') or b + 0x46 carries into the high bit
 * (b > '9'); as in special8(), the lowest flagged byte is exact.
 */
static inline const char *
skip_digits(const char *p, const char *end)
{
#if BP_SWAR
	while (end - p >= 8) {
		uint64_t v, m;

		memcpy(&v, p, 8);
		m = ((v - ONES * '0') | (v + ONES * 0x46)) & HIGHS;
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* Validate the JSON number at p; returns its end or NULL. */
static inline const char *
scan_number(struct parser *ps, const char *p)
{
	const char *end = ps->end;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
	} else if (p < end && *p >= '1' && *p <= '9') {
		p = skip_digits(p + 1, end);
	} else {
		perr(ps, p, "bad value");
		return NULL;
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9') {
			perr(ps, p, "bad number");
			return NULL;
		}
		p = skip_digits(p + 1, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9') {
			perr(ps, p, "bad number");
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static inline const char *
match_lit(struct parser *ps, const char *p, const char *lit, size_t n)
{
	if ((size_t)(ps->end - p) < n || memcmp(p, lit, n) != 0) {
		perr(ps, p, "bad value");
		return NULL;
	}
	return p + n;
}

int
bp_row_parse(struct bp_row *row, const char *line, size_t len, char *err,
	     size_t errlen)
{
	struct parser ps = { line, line + len, NULL, err, errlen };
	const char *p = line, *end = line + len;
	struct bp_field *f;

	/* unescaped text never outgrows the line (a NUL per string takes
	 * the place of its quotes); 16 more for the eight-byte copies */
	if (row->scratchalloc < len + 16)
		BP_GROW(row->scratch, row->scratchalloc, len + 16);
	row->scratchlen = len + 16;
	ps.out = row->scratch;
	row->n = 0;
	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return perr(&ps, p, "expected '{' (a row is one JSON object)");
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
		goto tail;
	}
	for (;;) {
		if (row->n == row->alloc)
			BP_GROW(row->f, row->alloc, row->n + 1);
		f = &row->f[row->n];
		if (p == end || *p != '"')
			return perr(&ps, p, "expected a key in double quotes");
		if (!(p = parse_string(&ps, p, &f->key, &f->keylen)))
			return -1;
		if (p < end && *p == ':') {
			p++;
		} else {
			p = skip_ws(p, end);
			if (p == end || *p != ':')
				return perr(&ps, p, "expected ':' after key");
			p++;
		}
		p = skip_ws(p, end);
		if (p == end)
			return perr(&ps, p, "missing value");
		f->raw = p;
		f->str = NULL;
		f->len = 0;
		f->boolean = 0;
		switch (*p) {
		case '"':
			f->type = BP_STR;
			p = parse_string(&ps, p, &f->str, &f->len);
			break;
		case 't':
			f->type = BP_BOOL;
			f->boolean = 1;
			p = match_lit(&ps, p, "true", 4);
			break;
		case 'f':
			f->type = BP_BOOL;
			p = match_lit(&ps, p, "false", 5);
			break;
		case 'n':
			f->type = BP_NULL;
			p = match_lit(&ps, p, "null", 4);
			break;
		case '{':
		case '[':
			snprintf(err, errlen,
				 "'%s' holds a nested value (rows are flat)",
				 f->key);
			return -1;
		default:
			f->type = BP_NUM;
			p = scan_number(&ps, p);
			break;
		}
		if (!p)
			return -1;
		f->rawlen = (size_t)(p - f->raw);
		row->n++;
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		return perr(&ps, p, "expected ',' or '}'");
	}
tail:
	p = skip_ws(p, end);
	if (p != end)
		return perr(&ps, p, "text after the object");
	return 0;
}

/* CPUs this process may run on. */
static int
ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* ---- reader ----------------------------------------------------------- */

struct bp_reader {
	int fd, own_fd;
	char *name;
	long lineno;
	int detected, zstd, eof;
	char *in;		/* the first raw bytes, then zd's input */
	size_t in_len;
	struct bp_zdec zd;	/* a zstd stream's decoder */
	char *buf;		/* decoded text */
	size_t start, end, alloc;
	int in_eof;
	int plain;		/* plain text: read(2) straight into buf */
	size_t scan;		/* bytes after start known to hold no '\n' */
	int zthread;		/* may hand decoding to a zread thread */
	int zblocks;		/* fills that decoded something */
	struct bp_zread *zr;	/* the thread decoding, once started */
};

/*
 * A pipe's buffer grown from 64 KiB to 1 MiB (the unprivileged limit by
 * default): each end wakes up and copies 16 times less often for the same
 * bytes.  Plain rows through `cat | bp-predict --plain | cat` went from
 * 2.2 s to 1.1 s a million; zstd pipes, with four times fewer bytes,
 * neither gain nor lose.  A refusal (the user's quota of pipe memory is
 * spent) leaves the pipe as it is.
 */
static void
grow_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    fcntl(fd, F_GETPIPE_SZ) < PIPE_SIZE)
		fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
}

struct bp_reader *
bp_reader_fdopen(int fd, const char *name)
{
	struct bp_reader *r = bp_xcalloc(1, sizeof(*r));

	grow_pipe(fd);
	r->fd = fd;
	r->name = bp_xstrdup(name);
	r->in = bp_xmalloc(IN_BLOCK);
	r->alloc = 4 * IN_BLOCK;
	r->buf = bp_xmalloc(r->alloc);
	return r;
}

struct bp_reader *
bp_reader_open(const char *path)
{
	struct bp_reader *r;
	int fd;

	if (!path || strcmp(path, "-") == 0)
		return bp_reader_fdopen(STDIN_FILENO, "<stdin>");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bp_error_errno("cannot open '%s'", path);
		return NULL;
	}
	{
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			bp_error("cannot read '%s': Is a directory", path);
			return NULL;
		}
	}
	r = bp_reader_fdopen(fd, path);
	r->own_fd = 1;
	return r;
}

void
bp_reader_free(struct bp_reader **rp)
{
	struct bp_reader *r = *rp;

	if (!r)
		return;
	bp_zread_stop(&r->zr);
	if (r->own_fd)
		close(r->fd);
	ZSTD_freeDStream(r->zd.ds);
	free(r->name);
	free(r->in);
	free(r->buf);
	free(r);
	*rp = NULL;
}

const char *
bp_reader_name(const struct bp_reader *r)
{
	return r->name;
}

long
bp_reader_lineno(const struct bp_reader *r)
{
	return r->lineno;
}

int
bp_reader_is_zstd(const struct bp_reader *r)
{
	return r->zstd;
}

/* Make room for at least want more bytes at the end of buf. */
static void
make_room(struct bp_reader *r, size_t want)
{
	if (r->start > 0 && (r->alloc - r->end < want)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->alloc - r->end < want) {
		size_t need = r->end + want;

		BP_GROW(r->buf, r->alloc, need);
	}
}

/* Whether a zstd reader may decode on a thread; -1 for a bad value. */
static int
reader_threads(void)
{
	const char *env = getenv("BARPIPE_READER_THREADS");

	if (!env || !*env)
		return ncpus() > 1;
	if (strcmp(env, "0") != 0 && strcmp(env, "1") != 0)
		return bp_error("BARPIPE_READER_THREADS: '%s' is not 0 or 1",
				env);
	return *env == '1';
}

/*
 * How the input ended, as the zread thread records it or as fill() meets
 * it: one message for each case, whichever thread decoded.  Returns 0 for
 * a clean end, else -1 after reporting.
 */
static int
input_end(const struct bp_reader *r, enum bp_zread_end end, size_t code)
{
	switch (end) {
	case BP_ZREAD_READ:
		errno = (int)code;
		return bp_error_errno("cannot read '%s'", r->name);
	case BP_ZREAD_ZSTD:
		return bp_error("%s: zstd: %s", r->name,
				ZSTD_getErrorName(code));
	case BP_ZREAD_TRUNCATED:
		return bp_error("%s: truncated zstd input (the stream ends "
				"inside a frame)", r->name);
	case BP_ZREAD_OK:
		break;
	}
	return 0;
}

/* fill() from the zread thread. */
static int
zread_fill(struct bp_reader *r)
{
	enum bp_zread_end end;
	size_t code, n;

	make_room(r, OUT_BLOCK);
	n = bp_zread_next(r->zr, r->buf + r->end, r->alloc - r->end, &end,
			  &code);
	if (n > 0) {
		r->end += n;
		return 1;
	}
	return input_end(r, end, code);
}

/*
 * Read the first bytes (4 tell zstd by its magic, and may come split over
 * reads) and set up the decoder for a zstd stream.  Returns 0, or -1
 * after reporting.
 */
static int
detect(struct bp_reader *r)
{
	while (r->in_len < 4 && !r->in_eof) {
		ssize_t n = read(r->fd, r->in + r->in_len,
				 IN_BLOCK - r->in_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bp_error_errno("cannot read '%s'", r->name);
		if (n == 0)
			r->in_eof = 1;
		r->in_len += (size_t)n;
	}
	r->detected = 1;
	r->zstd = r->in_len >= 4 && (unsigned char)r->in[0] == 0x28 &&
		  (unsigned char)r->in[1] == 0xb5 &&
		  (unsigned char)r->in[2] == 0x2f &&
		  (unsigned char)r->in[3] == 0xfd;
	if (!r->zstd)
		return 0;
	r->zd = (struct bp_zdec){ .fd = r->fd, .in = r->in,
				  .in_cap = IN_BLOCK, .in_len = r->in_len,
				  .in_eof = r->in_eof };
	r->zd.ds = ZSTD_createDStream();
	if (!r->zd.ds)
		return bp_error("out of memory");
	ZSTD_initDStream(r->zd.ds);
	r->zthread = reader_threads();
	return r->zthread < 0 ? -1 : 0;
}

/*
 * Append more decoded text to buf.  Returns 1 if text was added, 0 at the
 * end of input, -1 on error.  A zstd stream is decoded a block at a time,
 * as the zread thread decodes it, so a damaged block ends the text at the
 * same row with the thread or without it; it is handed to the thread
 * after its first two blocks (short streams never start one).
 */
static int
fill(struct bp_reader *r)
{
	enum bp_zread_end end;
	size_t code, n;

	if (r->zr)
		return zread_fill(r);
	if (r->zthread && r->zblocks >= 2) {
		r->zthread = 0;
		r->zr = bp_zread_start(&r->zd);
		if (r->zr)
			return zread_fill(r);
	}
	if (r->plain && !r->in_eof) {
		/* plain text after the first block: read straight into buf */
		ssize_t k;

		make_room(r, IN_BLOCK);
		do
			k = read(r->fd, r->buf + r->end, r->alloc - r->end);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			return bp_error_errno("cannot read '%s'", r->name);
		if (k > 0) {
			r->end += (size_t)k;
			return 1;
		}
		r->in_eof = 1;
		return 0;
	}
	if (!r->detected && detect(r) < 0)
		return -1;
	if (!r->zstd) {
		/* the first block of plain text, once */
		if (r->in_len == 0)
			return 0;
		make_room(r, r->in_len);
		memcpy(r->buf + r->end, r->in, r->in_len);
		r->end += r->in_len;
		r->in_len = 0;
		r->plain = 1;
		return 1;
	}
	make_room(r, OUT_BLOCK);
	n = bp_zdec_step(&r->zd, r->buf + r->end, OUT_BLOCK, -1, &end, &code);
	if (n == 0)
		return input_end(r, end, code);
	r->end += n;
	r->zblocks++;
	return 1;
}

int
bp_reader_line(struct bp_reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = NULL;
		size_t from = r->start + r->scan;

		if (from < r->end)
			nl = memchr(r->buf + from, '\n', r->end - from);
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			char *s = r->buf + r->start;

			r->start += n + 1;
			r->scan = 0;
			r->lineno++;
			if (n > 0 && s[n - 1] == '\r')
				n--;
			s[n] = '\0';
			*line = s;
			*len = n;
			return 1;
		}
		r->scan = r->end - r->start;
		{
			int rc = fill(r);

			if (rc < 0)
				return -1;
			if (rc == 0) {
				/* last line without a newline */
				size_t n = r->end - r->start;
				char *s;

				if (n == 0)
					return 0;
				make_room(r, 1);
				s = r->buf + r->start;
				r->start = r->end;
				r->scan = 0;
				r->lineno++;
				if (n > 0 && s[n - 1] == '\r')
					n--;
				s[n] = '\0';
				*line = s;
				*len = n;
				return 1;
			}
		}
	}
}

static int
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int
bp_reader_next(struct bp_reader *r, struct bp_row *row)
{
	const char *line;
	size_t len;
	char err[256];
	int rc;

	do {
		rc = bp_reader_line(r, &line, &len);
		if (rc <= 0)
			return rc;
	} while (is_blank(line, len));
	row->lineno = r->lineno;
	if (bp_row_parse(row, line, len, err, sizeof(err)) < 0)
		return bp_error("%s:%ld: %s", r->name, r->lineno, err);
	return 1;
}

/* ---- writer ----------------------------------------------------------- */

/* A block of formatted text and the zstd directive for its end. */
struct zjob {
	char *s;
	size_t len, alloc;
	ZSTD_EndDirective mode;
};

struct bp_writer {
	int fd;
	char *name;		/* for messages */
	char *path, *tmp;	/* -o target and its temporary */
	int own_fd;		/* -o onto a device or FIFO, written in place */
	int zstd, failed, first;
	ZSTD_CCtx *cctx;
	struct bp_zrows *zrows;	/* cctx's match finder, or NULL */
	char *buf;		/* formatted text */
	size_t len, alloc;
	char *zbuf;		/* compressed bytes */
	size_t zalloc;
	uint64_t rows;
	/*
	 * Whoever compresses and writes (this thread, or the worker while
	 * it runs) records a failure here: errno of the write, or the zstd
	 * error code; the formatting thread reports it.
	 */
	int werrno;
	size_t zerr;
	/*
	 * Compression thread: the formatting thread fills job[fill] (its
	 * text is buf/len/alloc above) while the worker compresses and
	 * writes the busy jobs before it, oldest first.  Everything below
	 * mu is shared and read or written under mu.
	 */
	int threads;		/* 1: hand full blocks to a worker */
	int started;		/* the worker runs (until joined) */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t wake;	/* worker: a job is queued, or quit */
	pthread_cond_t idle;	/* formatter: a job is done */
	struct zjob job[NJOB];
	unsigned fill, busy;	/* job being filled; jobs with the worker */
	int quit;		/* 1: stop when idle; 2: stop now */
	int wfailed;		/* the worker failed: drop the rest */
};

static int
write_all(struct bp_writer *w, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			w->werrno = errno;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Compress n bytes of text at s (or write them as they are) with
 * directive mode.  Returns 0, or -1 with werrno or zerr set; reports
 * nothing, as it also runs on the worker.
 */
static int
compress_out(struct bp_writer *w, const char *s, size_t n,
	     ZSTD_EndDirective mode)
{
	ZSTD_inBuffer zin = { s, n, 0 };
	size_t rem;

	if (!w->zstd)
		return write_all(w, s, n);
	do {
		ZSTD_outBuffer zout = { w->zbuf, w->zalloc, 0 };

		rem = ZSTD_compressStream2(w->cctx, &zout, &zin, mode);
		if (ZSTD_isError(rem)) {
			w->zerr = rem;
			return -1;
		}
		if (write_all(w, w->zbuf, zout.pos) < 0)
			return -1;
	} while (mode == ZSTD_e_continue ? zin.pos < zin.size : rem != 0);
	return 0;
}

/* Report the recorded failure once; later calls just fail. */
static int
report_failure(struct bp_writer *w)
{
	w->failed = 1;
	if (w->zerr)
		return bp_error("cannot compress '%s': %s", w->name,
				ZSTD_getErrorName(w->zerr));
	errno = w->werrno;
	return bp_error_errno("cannot write '%s'", w->name);
}

/*
 * The worker: compress and write each busy job in order.  After a
 * failure it only releases the jobs it is given, so the formatting
 * thread never waits for it forever; quit 2 drops what is queued.
 */
static void *
worker_main(void *arg)
{
	struct bp_writer *w = arg;
	struct zjob *j;
	int failed, rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->busy == 0 && !w->quit)
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->quit == 2 || w->busy == 0)
			break;
		j = &w->job[(w->fill + NJOB - w->busy) % NJOB];
		failed = w->wfailed;
		pthread_mutex_unlock(&w->mu);
		rc = failed ? -1 : compress_out(w, j->s, j->len, j->mode);
		pthread_mutex_lock(&w->mu);
		if (rc < 0)
			w->wfailed = 1;
		w->busy--;
		pthread_cond_signal(&w->idle);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/*
 * The default level, "1*": level 1 whose matches come from zrows, the
 * match finder that walks rows field by field (lib/zrows.h), with the
 * literals Huffman-coded (zstd would stop coding them at the targetLength
 * below).  For blocks zrows does not take (text that is not rows), zstd's
 * own finder runs with a hash table of 2^12 entries (16 KiB, it stays in
 * L1), matches of 7 bytes or more, and a search that strides faster
 * through runs without matches (targetLength 2: the digits of numbers).
 * See BP_ZSTD_LEVEL_DEFAULT in stream.h for what it gains.  Without the
 * literal mode the rest is not worth it: then level 1 as it is.
 */
struct bp_zrows *
bp_zstd_tune(ZSTD_CCtx *cc)
{
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc,
	    ZSTD_c_literalCompressionMode, ZSTD_ps_enable)))
		return NULL;
	ZSTD_CCtx_setParameter(cc, ZSTD_c_hashLog, 12);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_minMatch, 7);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_targetLength, 2);
	return bp_zrows_register(cc);
}

/*
 * Start the worker (at the first full block, so short streams never do)
 * with every asynchronous signal blocked in it: a tool's handlers run on
 * its own thread.  SIGPIPE and SIGXFSZ, which a failing write raises in
 * the thread that made it, stay open, so a closed pipe ends the process
 * as it does without the worker.  Returns -1 when no thread can be had;
 * the writer then stays synchronous.
 */
static int
start_worker(struct bp_writer *w)
{
	sigset_t old;
	int rc;

	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->wake, NULL) != 0)
		goto no_wake;
	if (pthread_cond_init(&w->idle, NULL) != 0)
		goto no_idle;
	bp_block_async_signals(&old);
	w->job[0].s = w->buf;
	w->job[0].alloc = w->alloc;
	for (int i = 1; i < NJOB; i++) {
		w->job[i].alloc = 2 * OUT_BLOCK;
		w->job[i].s = bp_xmalloc(w->job[i].alloc);
	}
	rc = pthread_create(&w->tid, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		pthread_setname_np(w->tid, "bp-writer");	/* top -H */
		w->started = 1;
		return 0;
	}
	for (int i = 1; i < NJOB; i++)
		free(w->job[i].s);
	memset(w->job, 0, sizeof(w->job));
	pthread_cond_destroy(&w->idle);
no_idle:
	pthread_cond_destroy(&w->wake);
no_wake:
	pthread_mutex_destroy(&w->mu);
	return -1;
}

/*
 * Stop the worker: quit 1 after the queued jobs, 2 at once (the job it
 * is writing still ends).  Joins it; the job buffers stay for freeing.
 */
static void
stop_worker(struct bp_writer *w, int how)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = how;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->tid, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	w->started = 0;
}

/*
 * Give the filled block to the worker and take the next free one
 * (waiting while the worker holds them all); with wait, also wait until
 * the worker has written everything.  Returns 0, or -1 after reporting a
 * failure of the worker.
 */
static int
hand_off(struct bp_writer *w, ZSTD_EndDirective mode, int wait)
{
	struct zjob *j;
	int failed;

	pthread_mutex_lock(&w->mu);
	j = &w->job[w->fill];
	j->s = w->buf;
	j->len = w->len;
	j->alloc = w->alloc;
	j->mode = mode;
	w->busy++;
	w->fill = (w->fill + 1) % NJOB;
	pthread_cond_signal(&w->wake);
	while (w->busy == NJOB || (wait && w->busy > 0))
		pthread_cond_wait(&w->idle, &w->mu);
	failed = w->wfailed;
	pthread_mutex_unlock(&w->mu);
	j = &w->job[w->fill];
	w->buf = j->s;
	w->alloc = j->alloc;
	w->len = 0;
	return failed ? report_failure(w) : 0;
}

/*
 * Push the text buffer through zstd (or straight out) with directive;
 * wait: return only when everything is written (flush, close).
 */
static int
drain(struct bp_writer *w, ZSTD_EndDirective mode, int wait)
{
	if (w->failed)
		return -1;
	if (w->threads && !w->started && !wait && start_worker(w) < 0)
		w->threads = 0;
	if (w->started)
		return hand_off(w, mode, wait);
	if (compress_out(w, w->buf, w->len, mode) < 0)
		return report_failure(w);
	w->len = 0;
	return 0;
}

/* 0 when path exists and is not a regular file (a device, a FIFO). */
static int
is_regular_target(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 || S_ISREG(st.st_mode);
}

struct bp_writer *
bp_writer_open(const char *path, unsigned flags)
{
	struct bp_writer *w = bp_xcalloc(1, sizeof(*w));
	int level = BP_ZSTD_LEVEL_DEFAULT;
	const char *env = getenv("BARPIPE_ZSTD_LEVEL");
	const char *tenv = getenv("BARPIPE_WRITER_THREADS");

	if (!path || strcmp(path, "-") == 0) {
		w->fd = STDOUT_FILENO;
		grow_pipe(w->fd);
		w->name = bp_xstrdup("<stdout>");
		if (isatty(STDOUT_FILENO))
			flags |= BP_WRITER_PLAIN;
	} else if (!is_regular_target(path)) {
		/*
		 * A device or a FIFO (-o /dev/null, a named pipe): write in
		 * place.  A temporary renamed over it would replace the node.
		 */
		w->name = bp_xstrdup(path);
		w->fd = open(path, O_WRONLY);
		if (w->fd < 0) {
			bp_error_errno("cannot open '%s'", path);
			bp_writer_abort(&w);
			return NULL;
		}
		w->own_fd = 1;
	} else {
		size_t n = strlen(path);

		w->path = bp_xstrdup(path);
		w->name = bp_xstrdup(path);
		w->tmp = bp_xmalloc(n + 16);
		memcpy(w->tmp, path, n);
		memcpy(w->tmp + n, ".tmp.XXXXXX", 12);
		w->fd = mkstemp(w->tmp);
		if (w->fd < 0) {
			bp_error_errno("cannot create '%s'", path);
			free(w->tmp);
			w->tmp = NULL;
			bp_writer_abort(&w);
			return NULL;
		}
		{
			mode_t mask = umask(0);

			umask(mask);
			fchmod(w->fd, 0666 & ~mask);
		}
	}
	w->zstd = !(flags & BP_WRITER_PLAIN);
	w->alloc = 2 * OUT_BLOCK;
	w->buf = bp_xmalloc(w->alloc);
	if (w->zstd) {
		if (tenv && *tenv && strcmp(tenv, "0") != 0 &&
		    strcmp(tenv, "1") != 0) {
			bp_error("BARPIPE_WRITER_THREADS: '%s' is not 0 or 1",
				 tenv);
			bp_writer_abort(&w);
			return NULL;
		}
		w->threads = tenv && *tenv ? *tenv == '1' : ncpus() > 1;
	}
	if (w->zstd) {
		if (env && *env) {
			char *end;
			long v = strtol(env, &end, 10);

			if (*end || v < -7 || v > 19) {
				bp_error("BARPIPE_ZSTD_LEVEL: '%s' is not a "
					 "level in [-7, 19]", env);
				bp_writer_abort(&w);
				return NULL;
			}
			level = (int)v;
		}
		w->cctx = ZSTD_createCCtx();
		if (!w->cctx) {
			bp_error("out of memory");
			bp_writer_abort(&w);
			return NULL;
		}
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
		if (!(env && *env)) {
			w->zrows = bp_zstd_tune(w->cctx);
		}
		w->zalloc = ZSTD_CStreamOutSize();
		w->zbuf = bp_xmalloc(w->zalloc);
	}
	return w;
}

static void
writer_free(struct bp_writer *w)
{
	stop_worker(w, 2);
	for (int i = 0; i < NJOB; i++)
		if (w->job[i].s != w->buf)
			free(w->job[i].s);
	ZSTD_freeCCtx(w->cctx);
	bp_zrows_free(w->zrows);
	free(w->buf);
	free(w->zbuf);
	free(w->name);
	free(w->path);
	free(w->tmp);
	free(w);
}

void
bp_writer_abort(struct bp_writer **wp)
{
	struct bp_writer *w = *wp;

	if (!w)
		return;
	stop_worker(w, 2);
	if (w->tmp) {
		close(w->fd);
		unlink(w->tmp);
	}
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	writer_free(w);
	*wp = NULL;
}

int
bp_writer_close(struct bp_writer **wp)
{
	struct bp_writer *w = *wp;
	int rc;

	if (!w)
		return 0;
	rc = drain(w, w->zstd ? ZSTD_e_end : ZSTD_e_continue, 1);
	stop_worker(w, rc < 0 ? 2 : 1);
	if (rc == 0 && w->tmp) {
		if (close(w->fd) < 0) {
			rc = bp_error_errno("cannot write '%s'", w->name);
		} else {
			w->fd = -1;
			if (rename(w->tmp, w->path) < 0)
				rc = bp_error_errno("cannot rename '%s' to "
						    "'%s'", w->tmp, w->path);
		}
		if (rc < 0)
			unlink(w->tmp);
		free(w->tmp);
		w->tmp = NULL;
	}
	if (rc == 0 && w->own_fd) {
		w->own_fd = 0;
		if (close(w->fd) < 0)
			rc = bp_error_errno("cannot write '%s'", w->name);
		w->fd = -1;
	}
	if (rc < 0) {
		bp_writer_abort(wp);
		return -1;
	}
	writer_free(w);
	*wp = NULL;
	return 0;
}

const char *
bp_writer_name(const struct bp_writer *w)
{
	return w->name;
}

uint64_t
bp_writer_rows(const struct bp_writer *w)
{
	return w->rows;
}

static inline void
wroom(struct bp_writer *w, size_t n)
{
	if (w->len + n > w->alloc)
		BP_GROW(w->buf, w->alloc, w->len + n);
}

static inline void
wput(struct bp_writer *w, const char *s, size_t n)
{
	wroom(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static const char hexdig[] = "0123456789abcdef";

/*
 * Escaped JSON string into dst (room for 6n+2); returns length.  Plain
 * runs move eight bytes at a time (reading only inside s; dst has room).
 */
static size_t
escape_into(char *dst, const char *s, size_t n)
{
	char *o = dst;
	size_t i = 0;
	unsigned char c;

	*o++ = '"';
	for (;;) {
#if BP_SWAR
		while (n - i >= 8) {
			uint64_t v, m;

			memcpy(&v, s + i, 8);
			memcpy(o, &v, 8);
			m = special8(v);
			if (m) {
				int k = __builtin_ctzll(m) >> 3;

				i += (size_t)k;
				o += k;
				goto special;
			}
			i += 8;
			o += 8;
		}
#endif
		while (i < n && !needs_escape[(unsigned char)s[i]])
			*o++ = s[i++];
		if (i == n)
			break;
#if BP_SWAR
special:
#endif
		c = (unsigned char)s[i++];
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hexdig[c >> 4];
			*o++ = hexdig[c & 15];
		}
	}
	*o++ = '"';
	return (size_t)(o - dst);
}

/* Copy n bytes; short runs by overlapping fixed-size moves, not a call. */
static inline void
copy_small(char *d, const char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a, b;

		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		uint32_t a, b;

		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		memcpy(d, s, n);
	}
}

void
bp_json_escape(struct bp_buf *b, const char *s, size_t n)
{
	bp_buf_grow(b, 6 * n + 2);
	b->len += escape_into(b->s + b->len, s, n);
	b->s[b->len] = '\0';
}

static void
wstr(struct bp_writer *w, const char *s, size_t n)
{
	wroom(w, 6 * n + 2);
	w->len += escape_into(w->buf + w->len, s, n);
}

static void
wkey(struct bp_writer *w, const char *key)
{
	size_t n = strlen(key);

	wroom(w, 6 * n + 4);
	if (!w->first)
		w->buf[w->len++] = ',';
	w->first = 0;
	w->len += escape_into(w->buf + w->len, key, n);
	w->buf[w->len++] = ':';
}

void
bp_writer_begin(struct bp_writer *w)
{
	wroom(w, 1);
	w->buf[w->len++] = '{';
	w->first = 1;
}

/*
 * Quote a key of at most 16 bytes that the parser left in the row's
 * scratch, if it needs no escaping; returns its length, or 0.  The
 * scratch keeps 16 readable bytes after every key, so two eight-byte loads
 * are safe; the bytes past the key are masked to 'a' before the test.  A
 * tool may point a field's key elsewhere, hence the address check.
 */
static inline size_t
quote_scratch_key(char *o, const struct bp_row *row, const char *key,
		  size_t n)
{
#if BP_SWAR
	uintptr_t k = (uintptr_t)key, s = (uintptr_t)row->scratch;
	uint64_t a, b, ka, kb;

	if (n > 16 || k < s || k - s + 16 > row->scratchlen)
		return 0;
	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	ka = n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1;
	kb = n >= 16 ? ~0ULL : n <= 8 ? 0 : (1ULL << (8 * (n - 8))) - 1;
	if (special8((a & ka) | (ONES * 'a' & ~ka)) |
	    special8((b & kb) | (ONES * 'a' & ~kb)))
		return 0;
	o[0] = '"';
	memcpy(o + 1, &a, 8);
	memcpy(o + 9, &b, 8);
	o[n + 1] = '"';
	return n + 2;
#else
	(void)o;
	(void)row;
	(void)key;
	(void)n;
	return 0;
#endif
}

void
bp_writer_copy_field(struct bp_writer *w, const struct bp_row *row, size_t i)
{
	const struct bp_field *f = &row->f[i];
	size_t k;

	wroom(w, 6 * f->keylen + 24 + f->rawlen);
	if (!w->first)
		w->buf[w->len++] = ',';
	w->first = 0;
	k = quote_scratch_key(w->buf + w->len, row, f->key, f->keylen);
	if (k == 0)
		k = escape_into(w->buf + w->len, f->key, f->keylen);
	w->len += k;
	w->buf[w->len++] = ':';
	copy_small(w->buf + w->len, f->raw, f->rawlen);
	w->len += f->rawlen;
}

void
bp_writer_copy_row(struct bp_writer *w, const struct bp_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		bp_writer_copy_field(w, row, i);
}

void
bp_writer_num(struct bp_writer *w, const char *key, double x)
{
	wkey(w, key);
	wroom(w, BP_FMT_BUFSZ);
	if (!isfinite(x)) {
		memcpy(w->buf + w->len, "null", 4);
		w->len += 4;
		return;
	}
	w->len += bp_fmt_double(w->buf + w->len, x);
}

void
bp_writer_int(struct bp_writer *w, const char *key, int64_t x)
{
	wkey(w, key);
	wroom(w, 24);
	w->len += bp_fmt_int(w->buf + w->len, x);
}

void
bp_writer_str(struct bp_writer *w, const char *key, const char *s)
{
	bp_writer_strn(w, key, s, strlen(s));
}

void
bp_writer_strn(struct bp_writer *w, const char *key, const char *s, size_t n)
{
	wkey(w, key);
	wstr(w, s, n);
}

void
bp_writer_bool(struct bp_writer *w, const char *key, int b)
{
	wkey(w, key);
	if (b)
		wput(w, "true", 4);
	else
		wput(w, "false", 5);
}

void
bp_writer_null(struct bp_writer *w, const char *key)
{
	wkey(w, key);
	wput(w, "null", 4);
}

void
bp_writer_ts(struct bp_writer *w, const char *key, int64_t ms)
{
	wkey(w, key);
	wroom(w, BP_TS_BUFSZ + 2);
	w->buf[w->len++] = '"';
	w->len += bp_ts_format(w->buf + w->len, ms);
	w->buf[w->len++] = '"';
}

void
bp_writer_raw(struct bp_writer *w, const char *key, const char *json, size_t n)
{
	wkey(w, key);
	wput(w, json, n);
}

int
bp_writer_end(struct bp_writer *w)
{
	wput(w, "}\n", 2);
	w->rows++;
	if (w->len >= OUT_BLOCK)
		return drain(w, ZSTD_e_continue, 0);
	return w->failed ? -1 : 0;
}

int
bp_writer_write(struct bp_writer *w, const char *s, size_t n)
{
	wput(w, s, n);
	if (w->len >= OUT_BLOCK)
		return drain(w, ZSTD_e_continue, 0);
	return w->failed ? -1 : 0;
}

int
bp_writer_flush(struct bp_writer *w)
{
	return drain(w, w->zstd ? ZSTD_e_flush : ZSTD_e_continue, 1);
}
