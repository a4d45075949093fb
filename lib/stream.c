/*
 * stream: the NDJSON row reader and writer, zstd or plain.
 *
 * Reader: raw bytes come from the descriptor in blocks; when the first
 * bytes carry the zstd frame magic every block goes through a
 * ZSTD_DStream, otherwise it is copied as is.  Lines are cut out of one
 * growing text buffer, so a line may be any length and memory stays
 * constant for bounded lines.  Concatenated frames decode one after the
 * other; input that ends inside a frame (the last ZSTD_decompressStream
 * return is non-zero) is an error, never a silently short stream.
 *
 * Row parser: a flat-object JSON parser that records, for each field, the
 * key, the type, the raw value text and (for strings) the unescaped text.
 * Numbers are validated here and converted only when a tool asks.
 *
 * Writer: rows are formatted straight into one output buffer, which is
 * compressed (or written) whenever it holds more than a block.
 */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fmt.h"
#include "ts.h"
#include "util.h"

#define IN_BLOCK (128 * 1024)
#define OUT_BLOCK (128 * 1024)

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

struct parser {
	const char *s, *p, *end;
	char *out;		/* next free byte in the row's scratch */
	char *err;
	size_t errlen;
};

static int
perr(struct parser *ps, const char *what)
{
	snprintf(ps->err, ps->errlen, "%s at byte %zu", what,
		 (size_t)(ps->p - ps->s) + 1);
	return -1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\r' || *ps->p == '\n'))
		ps->p++;
}

static int
read_hex4(struct parser *ps, unsigned *cp)
{
	unsigned v = 0;

	if (ps->end - ps->p < 4)
		return perr(ps, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)ps->p[i]);

		if (h < 0)
			return perr(ps, "bad \\u escape");
		v = v * 16 + (unsigned)h;
	}
	ps->p += 4;
	*cp = v;
	return 0;
}

/* Parse a string at ps->p (on the opening quote) into scratch. */
static int
parse_string(struct parser *ps, const char **str, size_t *len)
{
	char *o = ps->out;
	const char *p;

	ps->p++;
	*str = o;
	for (;;) {
		/* copy the plain run in one go */
		p = ps->p;
		while (p < ps->end && *p != '"' && *p != '\\' &&
		       (unsigned char)*p >= 0x20)
			p++;
		memcpy(o, ps->p, (size_t)(p - ps->p));
		o += p - ps->p;
		ps->p = p;
		if (p == ps->end)
			return perr(ps, "unterminated string");
		if (*p == '"') {
			ps->p++;
			break;
		}
		if ((unsigned char)*p < 0x20)
			return perr(ps, "control character in string");
		/* escape */
		ps->p++;
		if (ps->p == ps->end)
			return perr(ps, "unterminated string");
		switch (*ps->p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if (read_hex4(ps, &cp) < 0)
				return -1;
			if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 &&
			    ps->p[0] == '\\' && ps->p[1] == 'u') {
				const char *save = ps->p;

				ps->p += 2;
				if (read_hex4(ps, &lo) < 0)
					return -1;
				if (lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
				else
					ps->p = save;
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;	/* lone surrogate */
			/* \u escapes take 6+ input bytes, at most 4 out */
			o += put_utf8(o, cp);
			break;
		}
		default:
			ps->p--;
			return perr(ps, "bad escape in string");
		}
	}
	*len = (size_t)(o - *str);
	*o++ = '\0';
	ps->out = o;
	return 0;
}

/* Validate a JSON number at ps->p; leave ps->p after it. */
static int
scan_number(struct parser *ps)
{
	const char *p = ps->p, *end = ps->end;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
	} else if (p < end && *p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return perr(ps, "bad value");
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end || *p < '0' || *p > '9') {
			ps->p = p;
			return perr(ps, "bad number");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9') {
			ps->p = p;
			return perr(ps, "bad number");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	ps->p = p;
	return 0;
}

static int
match_lit(struct parser *ps, const char *lit, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
		return perr(ps, "bad value");
	ps->p += n;
	return 0;
}

int
bp_row_parse(struct bp_row *row, const char *line, size_t len, char *err,
	     size_t errlen)
{
	struct parser ps = { line, line, line + len, NULL, err, errlen };
	struct bp_field *f;

	/* unescaped text never outgrows the line (plus one NUL per string) */
	if (row->scratchalloc < len + 1)
		BP_GROW(row->scratch, row->scratchalloc, len + 1);
	ps.out = row->scratch;
	row->n = 0;
	skip_ws(&ps);
	if (ps.p == ps.end || *ps.p != '{')
		return perr(&ps, "expected '{' (a row is one JSON object)");
	ps.p++;
	skip_ws(&ps);
	if (ps.p < ps.end && *ps.p == '}') {
		ps.p++;
		goto tail;
	}
	for (;;) {
		if (row->n == row->alloc)
			BP_GROW(row->f, row->alloc, row->n + 1);
		f = &row->f[row->n];
		skip_ws(&ps);
		if (ps.p == ps.end || *ps.p != '"')
			return perr(&ps, "expected a key in double quotes");
		if (parse_string(&ps, &f->key, &f->keylen) < 0)
			return -1;
		skip_ws(&ps);
		if (ps.p == ps.end || *ps.p != ':')
			return perr(&ps, "expected ':' after key");
		ps.p++;
		skip_ws(&ps);
		if (ps.p == ps.end)
			return perr(&ps, "missing value");
		f->raw = ps.p;
		f->str = NULL;
		f->len = 0;
		f->boolean = 0;
		switch (*ps.p) {
		case '"':
			f->type = BP_STR;
			if (parse_string(&ps, &f->str, &f->len) < 0)
				return -1;
			break;
		case 't':
			f->type = BP_BOOL;
			f->boolean = 1;
			if (match_lit(&ps, "true", 4) < 0)
				return -1;
			break;
		case 'f':
			f->type = BP_BOOL;
			if (match_lit(&ps, "false", 5) < 0)
				return -1;
			break;
		case 'n':
			f->type = BP_NULL;
			if (match_lit(&ps, "null", 4) < 0)
				return -1;
			break;
		case '{':
		case '[':
			snprintf(err, errlen,
				 "'%s' holds a nested value (rows are flat)",
				 f->key);
			return -1;
		default:
			f->type = BP_NUM;
			if (scan_number(&ps) < 0)
				return -1;
			break;
		}
		f->rawlen = (size_t)(ps.p - f->raw);
		row->n++;
		skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == ',') {
			ps.p++;
			continue;
		}
		if (ps.p < ps.end && *ps.p == '}') {
			ps.p++;
			break;
		}
		return perr(&ps, "expected ',' or '}'");
	}
tail:
	skip_ws(&ps);
	if (ps.p != ps.end)
		return perr(&ps, "text after the object");
	return 0;
}

/* ---- reader ----------------------------------------------------------- */

struct bp_reader {
	int fd, own_fd;
	char *name;
	long lineno;
	int detected, zstd, eof;
	ZSTD_DStream *ds;
	size_t zret;		/* last ZSTD_decompressStream return */
	int zfull;		/* last call filled its output buffer */
	char *in;		/* raw input block */
	size_t in_pos, in_len;
	char *buf;		/* decoded text */
	size_t start, end, alloc;
	int in_eof;
	size_t scan;		/* bytes after start known to hold no '\n' */
};

struct bp_reader *
bp_reader_fdopen(int fd, const char *name)
{
	struct bp_reader *r = bp_xcalloc(1, sizeof(*r));

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
	if (r->own_fd)
		close(r->fd);
	ZSTD_freeDStream(r->ds);
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

/* Read raw bytes into r->in.  Returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill_raw(struct bp_reader *r)
{
	ssize_t n;

	do
		n = read(r->fd, r->in, IN_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return bp_error_errno("cannot read '%s'", r->name);
	r->in_pos = 0;
	r->in_len = (size_t)n;
	return n;
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

/*
 * Append more decoded text to buf.  Returns 1 if text was added, 0 at the
 * end of input, -1 on error.
 */
static int
fill(struct bp_reader *r)
{
	for (;;) {
		if (r->in_pos == r->in_len && !r->zfull) {
			ssize_t n;

			if (r->in_eof)
				goto at_eof;
			n = fill_raw(r);
			if (n < 0)
				return -1;
			if (n == 0) {
				r->in_eof = 1;
				goto at_eof;
			}
		}
		if (!r->detected) {
			/* the magic may be split over reads; 4 bytes suffice */
			while (r->in_len < 4 && !r->in_eof) {
				ssize_t n = read(r->fd, r->in + r->in_len,
						 IN_BLOCK - r->in_len);

				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					return bp_error_errno("cannot read '%s'",
							      r->name);
				if (n == 0)
					r->in_eof = 1;
				r->in_len += (size_t)n;
			}
			r->detected = 1;
			r->zstd = r->in_len >= 4 &&
				  (unsigned char)r->in[0] == 0x28 &&
				  (unsigned char)r->in[1] == 0xb5 &&
				  (unsigned char)r->in[2] == 0x2f &&
				  (unsigned char)r->in[3] == 0xfd;
			if (r->zstd) {
				r->ds = ZSTD_createDStream();
				if (!r->ds)
					return bp_error("out of memory");
				ZSTD_initDStream(r->ds);
			}
		}
		if (!r->zstd) {
			size_t n = r->in_len - r->in_pos;

			make_room(r, n);
			memcpy(r->buf + r->end, r->in + r->in_pos, n);
			r->end += n;
			r->in_pos = r->in_len;
			return 1;
		} else {
			ZSTD_inBuffer zin = { r->in, r->in_len, r->in_pos };
			ZSTD_outBuffer zout;
			size_t before;

			make_room(r, OUT_BLOCK);
			before = r->end;	/* after make_room may move text */
			zout.dst = r->buf + r->end;
			zout.size = r->alloc - r->end;
			zout.pos = 0;
			r->zret = ZSTD_decompressStream(r->ds, &zout, &zin);
			if (ZSTD_isError(r->zret))
				return bp_error("%s: zstd: %s", r->name,
						ZSTD_getErrorName(r->zret));
			r->in_pos = zin.pos;
			r->end += zout.pos;
			/* a full output buffer may leave decoded bytes inside */
			r->zfull = zout.pos == zout.size;
			if (r->end > before)
				return 1;
			/* no output yet: loop for more input */
		}
	}
at_eof:
	if (r->zstd && r->zret != 0)
		return bp_error("%s: truncated zstd input (the stream ends "
				"inside a frame)", r->name);
	return 0;
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

struct bp_writer {
	int fd;
	char *name;		/* for messages */
	char *path, *tmp;	/* -o target and its temporary */
	int own_fd;		/* -o onto a device or FIFO, written in place */
	int zstd, failed, first;
	ZSTD_CCtx *cctx;
	char *buf;		/* formatted text */
	size_t len, alloc;
	char *zbuf;		/* compressed bytes */
	size_t zalloc;
	uint64_t rows;
};

static int
write_all(struct bp_writer *w, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			w->failed = 1;
			return bp_error_errno("cannot write '%s'", w->name);
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Push the text buffer through zstd (or straight out) with directive. */
static int
drain(struct bp_writer *w, ZSTD_EndDirective mode)
{
	if (w->failed)
		return -1;
	if (!w->zstd) {
		int rc = write_all(w, w->buf, w->len);

		w->len = 0;
		return rc;
	} else {
		ZSTD_inBuffer zin = { w->buf, w->len, 0 };
		size_t rem;

		do {
			ZSTD_outBuffer zout = { w->zbuf, w->zalloc, 0 };

			rem = ZSTD_compressStream2(w->cctx, &zout, &zin, mode);
			if (ZSTD_isError(rem)) {
				w->failed = 1;
				return bp_error("cannot compress '%s': %s",
						w->name, ZSTD_getErrorName(rem));
			}
			if (write_all(w, w->zbuf, zout.pos) < 0)
				return -1;
		} while (mode == ZSTD_e_continue ? zin.pos < zin.size
						   : rem != 0);
		w->len = 0;
		return 0;
	}
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

	if (!path || strcmp(path, "-") == 0) {
		w->fd = STDOUT_FILENO;
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
		w->zalloc = ZSTD_CStreamOutSize();
		w->zbuf = bp_xmalloc(w->zalloc);
	}
	return w;
}

static void
writer_free(struct bp_writer *w)
{
	ZSTD_freeCCtx(w->cctx);
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
	rc = drain(w, w->zstd ? ZSTD_e_end : ZSTD_e_continue);
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

/* Escaped JSON string into dst (room for 6n+2); returns length. */
static size_t
escape_into(char *dst, const char *s, size_t n)
{
	char *o = dst;

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
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

void
bp_writer_copy_field(struct bp_writer *w, const struct bp_row *row, size_t i)
{
	const struct bp_field *f = &row->f[i];

	wroom(w, 6 * f->keylen + 4 + f->rawlen);
	if (!w->first)
		w->buf[w->len++] = ',';
	w->first = 0;
	w->len += escape_into(w->buf + w->len, f->key, f->keylen);
	w->buf[w->len++] = ':';
	memcpy(w->buf + w->len, f->raw, f->rawlen);
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
		return drain(w, ZSTD_e_continue);
	return w->failed ? -1 : 0;
}

int
bp_writer_write(struct bp_writer *w, const char *s, size_t n)
{
	wput(w, s, n);
	if (w->len >= OUT_BLOCK)
		return drain(w, ZSTD_e_continue);
	return w->failed ? -1 : 0;
}

int
bp_writer_flush(struct bp_writer *w)
{
	return drain(w, w->zstd ? ZSTD_e_flush : ZSTD_e_continue);
}
