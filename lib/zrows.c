/*
 * zrows: a zstd match finder that knows rows of NDJSON (see zrows.h).
 *
 * A row is a flat object, {"k":v,"k":v,...}, one per line.  Its fields
 * are cut at the ',' (or '{') that starts each: field i of a row runs
 * from that byte through its value, and the closing '}' starts a last,
 * empty one.  For each field we know where the same field of the row
 * before starts, so
 *
 *	d = (start of field i here) - (start of field i there)
 *
 * is the offset of a candidate match, and the number of equal bytes from
 * there is its length: the key and the punctuation around it always, the
 * leading digits the two values share often, the whole field when the
 * value is the same.  Matches of consecutive fields with the same offset
 * (values of the same length) join into one, and a match also grows
 * backwards over equal bytes, which carries the "}\n" of the row before
 * into the first field's match.  Offsets are always within the block:
 * the row before is in it.
 *
 * Whatever the text, the sequences are valid: a match is only ever the
 * bytes found equal.  What the walk does not understand (a nested value,
 * a space between tokens, a row of other keys) only costs matches: the
 * rest of that row is literals, and its fields are not offered to the
 * row after.  A block left nine tenths literals goes to zstd's own finder.
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "zrows.h"

#define MAXF 1024		/* fields of a row that are matched */
#define MINLEN 4		/* shortest match that pays for its sequence */
#define MINBLOCK 4096		/* blocks judged on what the walk matched */

/* The fields of a row: the start of each and where its value starts. */
struct rowtab {
	uint32_t n;		/* fields walked: fs[0..n-1] are fields */
	int closed;		/* fs[n] is the row's closing '}' */
	uint32_t fs[MAXF + 1];
	uint32_t vs[MAXF];
};

struct bp_zrows {
	struct rowtab tab[2];
	struct bp_zrows_stats st;
};

/* Sequences being produced for one block. */
struct seqs {
	ZSTD_Sequence *s;
	size_t n;
	const unsigned char *src;
	size_t len;		/* of the block at src */
	size_t anchor;		/* first byte not yet in a sequence */
	size_t matched;		/* bytes in matches so far */
};

/*
 * Bytes a[0..] and b[0..] have in common, at most max; room bytes can be
 * read at a (and at b, which comes before it in the same block).
 */
static inline size_t
common(const unsigned char *a, const unsigned char *b, size_t max,
       size_t room)
{
	size_t n = 0;

#ifdef __SSE2__
	for (; n + 16 <= room && n < max; n += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(a + n));
		__m128i y = _mm_loadu_si128((const __m128i *)(b + n));
		unsigned ne = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(x, y)) ^ 0xffffu;

		if (ne) {
			n += (size_t)__builtin_ctz(ne);
			break;
		}
	}
	if (n < max && n + 16 > room)
#endif
		while (n < max && a[n] == b[n])
			n++;
	return n < max ? n : max;
}

/* Append the sequence: lit literals, then len bytes from off back. */
static inline void
put_seq(struct seqs *q, size_t lit, size_t off, size_t len)
{
	q->s[q->n].offset = (unsigned)off;
	q->s[q->n].litLength = (unsigned)lit;
	q->s[q->n].matchLength = (unsigned)len;
	q->s[q->n].rep = 0;
	q->n++;
}

/*
 * Offer a match of len bytes at pos from off bytes back.  It grows
 * backwards over equal bytes down to the anchor; one that starts at the
 * anchor with the last sequence's offset extends that sequence.
 */
static inline void
offer(struct seqs *q, size_t pos, size_t len, size_t off)
{
	const unsigned char *s = q->src;
	ZSTD_Sequence *last;

	while (pos > q->anchor && pos > off && s[pos - 1] == s[pos - 1 - off]) {
		pos--;
		len++;
	}
	last = q->n > 0 ? &q->s[q->n - 1] : NULL;
	if (pos == q->anchor && last && last->offset == off) {
		last->matchLength += (unsigned)len;
	} else if (len >= MINLEN) {
		put_seq(q, pos - q->anchor, off, len);
	} else {
		return;
	}
	q->anchor = pos + len;
	q->matched += len;
}

/*
 * The first byte in [p, e) that is c1 or c2, or e (or more); room: the
 * end of what can be read, e or after it.  Sixteen bytes a step.
 */
static inline size_t
find2(const unsigned char *s, size_t p, size_t e, size_t room,
      unsigned char c1, unsigned char c2)
{
#ifdef __SSE2__
	__m128i v1 = _mm_set1_epi8((char)c1), v2 = _mm_set1_epi8((char)c2);

	for (; p + 16 <= room && p < e; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + p));
		unsigned hit = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(x, v1), _mm_cmpeq_epi8(x, v2)));

		if (hit)
			return p + (size_t)__builtin_ctz(hit);
	}
#else
	(void)room;
#endif
	for (; p < e; p++)
		if (s[p] == c1 || s[p] == c2)
			break;
	return p;
}

/*
 * End of the JSON string whose opening quote is at p (past its closing
 * quote), or 0 when it does not close before e.
 */
static size_t
string_end(const unsigned char *s, size_t p, size_t e, size_t room)
{
	for (p = find2(s, p + 1, e, room, '"', '\\'); p < e;
	     p = find2(s, p + 2, e, room, '"', '\\'))
		if (s[p] == '"')
			return p + 1;
	return 0;
}

/*
 * Where the field starting at p (at its ',' or '{') has its value: past
 * the key and its ':'.  0 when it is not `,"key":`.
 */
static size_t
value_start(const unsigned char *s, size_t p, size_t e, size_t room)
{
	if (p + 1 >= e || s[p + 1] != '"')
		return 0;
	p = string_end(s, p + 1, e, room);
	if (p == 0 || p >= e || s[p] != ':')
		return 0;
	return p + 1;
}

/*
 * End of the value that starts at v (its first byte, or any byte of it
 * when it is not a string: scalars hold no ',' or '}'), which is the
 * start of the next field.  0 when the value is nested, or the row does
 * not go on with ',' or '}' before e.
 */
static size_t
value_end(const unsigned char *s, size_t vstart, size_t from, size_t e,
	  size_t room)
{
	size_t p;

	if (vstart >= e)
		return 0;
	if (s[vstart] == '"') {
		p = string_end(s, vstart, e, room);
		return p && p < e && (s[p] == ',' || s[p] == '}') ? p : 0;
	}
	if (s[vstart] != '-' && (s[vstart] < '0' || s[vstart] > '9') &&
	    s[vstart] != 'n' && s[vstart] != 't' && s[vstart] != 'f')
		return 0;	/* nested, or a space before it */
	p = find2(s, from, e, room, ',', '}');
	return p < e ? p : 0;
}

/*
 * Match the row [s, e) (e: past its '\n', or the block's end) against the
 * row before, whose fields are pt, and record its own fields in ct.
 */
static void
match_row(struct seqs *q, size_t s, size_t e, const struct rowtab *pt,
	  struct rowtab *ct)
{
	const unsigned char *src = q->src;
	size_t pos = s;
	uint32_t i;

	ct->closed = 0;
	for (i = 0; pos < e; i++) {
		size_t k = 0, v = 0, end;

		ct->fs[i] = (uint32_t)pos;
		if (src[pos] == '}') {
			ct->n = i;
			ct->closed = 1;
			if (pt->closed && pt->n == i) {
				size_t d = pos - pt->fs[i];

				offer(q, pos, common(src + pos, src + pos - d,
						     e - pos, q->len - pos), d);
			}
			return;
		}
		if (i == MAXF || src[pos] != (i == 0 ? '{' : ','))
			break;
		if (i < pt->n) {
			size_t d = pos - pt->fs[i];
			size_t flen = pt->fs[i + 1] - pt->fs[i];
			size_t klen = pt->vs[i] - pt->fs[i];

			k = common(src + pos, src + pos - d,
				   flen < e - pos ? flen : e - pos,
				   q->len - pos);
			if (k > 0)
				offer(q, pos, k, d);
			if (k >= klen)
				v = pos + klen;
			if (k == flen && pos + k < e &&
			    (src[pos + k] == ',' || src[pos + k] == '}')) {
				ct->vs[i] = (uint32_t)v;
				pos += k;
				continue;
			}
		}
		if (v == 0 && (v = value_start(src, pos, e, q->len)) == 0)
			break;
		end = value_end(src, v, pos + k > v ? pos + k : v, e, q->len);
		if (end == 0)
			break;
		ct->vs[i] = (uint32_t)v;
		pos = end;
	}
	ct->n = i;		/* not understood from field i on */
}

static size_t
produce(void *state, ZSTD_Sequence *out, size_t cap, const void *src,
	size_t n, const void *dict, size_t dictlen, int level, size_t window)
{
	struct bp_zrows *z = state;
	struct seqs q = { out, 0, src, n, 0, 0 };
	const unsigned char *s = src, *nl;
	struct rowtab *pt = &z->tab[0], *ct = &z->tab[1], *t;
	size_t p, lit;

	(void)dict;
	(void)dictlen;
	(void)level;
	if (n > window || ZSTD_sequenceBound(n) > cap)
		goto decline;
	/* The block starts inside a row: its end opens the first one. */
	nl = memchr(s, '\n', n);
	if (!nl || (size_t)(nl - s) + 1 >= n || nl[1] != '{')
		goto decline;
	pt->n = 0;
	pt->closed = 0;
	for (p = (size_t)(nl - s) + 1; p < n;) {
		size_t e;

		nl = memchr(s + p, '\n', n - p);
		e = nl ? (size_t)(nl - s) + 1 : n;
		match_row(&q, p, e, pt, ct);
		t = pt;
		pt = ct;
		ct = t;
		p = e;
	}
	/*
	 * Rows the walk could not follow (nested values, spaces) leave a
	 * block nearly all literals: zstd's own finder may do better.
	 */
	lit = n - q.matched;
	if (n >= MINBLOCK && lit > n / 10 * 9)
		goto decline;
	put_seq(&q, n - q.anchor, 0, 0);	/* the last literals */
	z->st.blocks++;
	z->st.bytes += n;
	z->st.literals += lit;
	return q.n;
decline:
	z->st.declined++;
	return ZSTD_SEQUENCE_PRODUCER_ERROR;
}

struct bp_zrows *
bp_zrows_register(ZSTD_CCtx *cc)
{
	struct bp_zrows *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc,
	    ZSTD_c_enableSeqProducerFallback, 1))) {
		free(z);
		return NULL;
	}
	ZSTD_registerSequenceProducer(cc, z, produce);
	return z;
}

void
bp_zrows_free(struct bp_zrows *z)
{
	free(z);
}

struct bp_zrows_stats
bp_zrows_stats(const struct bp_zrows *z)
{
	return z->st;
}
