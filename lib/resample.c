/*
 * resample: coarse bars from fine ones, one open bucket per symbol.
 * Symbols live in an open-addressing hash table (FNV-1a) so interleaved
 * streams of many symbols cost O(1) per row.
 */
#include "resample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "util.h"

const char *const bp_partial_names[] = { "keep", "drop", "mark", NULL };

#define WEEK_MS (7 * 86400000LL)
#define MONDAY_MS (4 * 86400000LL)	/* 1970-01-05T00:00:00Z, a Monday */

struct sym {
	char *name;
	size_t len;
	size_t order;		/* first appearance */
	int open;		/* a bucket is open */
	int emitted;		/* buckets written or dropped so far */
	int64_t start;		/* open bucket's start */
	int64_t last_ts;	/* last source bar's time */
	int64_t from;		/* smallest spacing seen (0: one bar so far) */
	long nsrc;		/* source bars in the open bucket */
	struct bp_bar agg;
};

struct bp_resample {
	struct bp_resample_opts o;
	struct bp_writer *out;
	struct sym **slot;	/* hash table */
	size_t nslot, nsym;
	struct sym **byorder;
	size_t order_alloc;
};

static uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int64_t
bucket_start(int64_t ts, int64_t to)
{
	int64_t origin = to % WEEK_MS == 0 ? MONDAY_MS : 0, d = ts - origin;
	int64_t q = d / to;

	if (d % to < 0)
		q--;
	return q * to + origin;
}

struct bp_resample *
bp_resample_new(const struct bp_resample_opts *o, struct bp_writer *out)
{
	struct bp_resample *r = bp_xcalloc(1, sizeof(*r));

	r->o = *o;
	r->out = out;
	r->nslot = 64;
	r->slot = bp_xcalloc(r->nslot, sizeof(*r->slot));
	return r;
}

void
bp_resample_free(struct bp_resample **rp)
{
	struct bp_resample *r = *rp;

	if (!r)
		return;
	for (size_t i = 0; i < r->nsym; i++) {
		free(r->byorder[i]->name);
		free(r->byorder[i]);
	}
	free(r->byorder);
	free(r->slot);
	free(r);
	*rp = NULL;
}

static struct sym *
lookup(struct bp_resample *r, const char *name, size_t len)
{
	size_t mask, i;
	struct sym *s;

	if (2 * (r->nsym + 1) > r->nslot) {
		struct sym **old = r->slot;
		size_t n = r->nslot;

		r->nslot *= 2;
		r->slot = bp_xcalloc(r->nslot, sizeof(*r->slot));
		for (size_t k = 0; k < n; k++) {
			if (!old[k])
				continue;
			i = fnv1a(old[k]->name, old[k]->len) & (r->nslot - 1);
			while (r->slot[i])
				i = (i + 1) & (r->nslot - 1);
			r->slot[i] = old[k];
		}
		free(old);
	}
	mask = r->nslot - 1;
	for (i = fnv1a(name, len) & mask; (s = r->slot[i]);
	     i = (i + 1) & mask)
		if (s->len == len && memcmp(s->name, name, len) == 0)
			return s;
	s = bp_xcalloc(1, sizeof(*s));
	s->name = bp_xstrndup(name, len);
	s->len = len;
	s->order = r->nsym;
	r->slot[i] = s;
	BP_GROW(r->byorder, r->order_alloc, r->nsym + 1);
	r->byorder[r->nsym++] = s;
	return s;
}

/* Is the source timeframe usable with --to?  -1 after reporting. */
static int
check_from(const struct bp_resample *r, const struct sym *s, int64_t from,
	   const char *where)
{
	char a[32], b[32];

	if (from <= 0 || r->o.to % from == 0)
		return 0;
	bp_ts_format_duration(a, from);
	bp_ts_format_duration(b, r->o.to);
	if (from > r->o.to)
		return bp_error("%s: the bars of %s are %s apart, coarser than "
				"--to %s", where, s->name, a, b);
	return bp_error("%s: --to %s is not a multiple of the %s spacing of "
			"the bars of %s", where, b, a, s->name);
}

/* Write (or drop) the open bucket of s; last says it is the final one. */
static int
emit(struct bp_resample *r, struct sym *s, int last)
{
	int64_t from = r->o.from ? r->o.from : s->from;
	int edge = s->emitted == 0 || last, partial = 0;

	if (!s->open)
		return 0;
	if (edge)
		partial = from <= 0 || s->nsrc < r->o.to / from;
	s->open = 0;
	s->emitted++;
	if (partial && r->o.partial == BP_PARTIAL_DROP)
		return 0;
	bp_bars_put(r->out, s->name, &s->agg);
	if (r->o.partial == BP_PARTIAL_MARK)
		bp_writer_bool(r->out, "partial", partial);
	return bp_writer_end(r->out);
}

int
bp_resample_add(struct bp_resample *r, const char *symbol, size_t symlen,
		const struct bp_bar *b, const char *where)
{
	struct sym *s = lookup(r, symbol, symlen);
	int64_t start = bucket_start(b->ts, r->o.to);
	char ts[BP_TS_BUFSZ];

	if (s->open || s->emitted) {
		int64_t d = b->ts - s->last_ts;

		if (d <= 0) {
			bp_ts_format(ts, b->ts);
			return bp_error("%s: %s bar at %s %s (resample needs "
					"each symbol's bars in time order)",
					where, s->name, ts,
					d ? "goes back in time"
					  : "is repeated");
		}
		if (!s->from || d < s->from) {
			s->from = d;
			if (!r->o.from && check_from(r, s, d, where) < 0)
				return -1;
		}
	}
	s->last_ts = b->ts;
	if (s->open && start == s->start) {
		s->agg.high = fmax(s->agg.high, b->high);
		s->agg.low = fmin(s->agg.low, b->low);
		s->agg.close = b->close;
		s->agg.volume += b->volume;
		s->nsrc++;
		return 0;
	}
	if (emit(r, s, 0) < 0)
		return -1;
	s->open = 1;
	s->start = start;
	s->agg = *b;
	s->agg.ts = start;
	s->nsrc = 1;
	return 0;
}

static int
open_cmp(const void *pa, const void *pb)
{
	const struct sym *a = *(struct sym *const *)pa;
	const struct sym *b = *(struct sym *const *)pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

int
bp_resample_finish(struct bp_resample *r)
{
	struct sym **open = bp_xreallocarray(NULL, r->nsym + 1, sizeof(*open));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < r->nsym; i++)
		if (r->byorder[i]->open)
			open[n++] = r->byorder[i];
	qsort(open, n, sizeof(*open), open_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = emit(r, open[i], 1);
	free(open);
	return rc;
}

static const char *const bar_keys[] = { "ts", "symbol", "open", "high",
					"low", "close", "volume" };

/* Warn once about each column that is not carried. */
static void
warn_dropped(const struct bp_row *row, char ***seen, size_t *nseen,
	     size_t *alloc)
{
	for (size_t i = 0; i < row->n; i++) {
		const char *k = row->f[i].key;
		int known = 0;

		for (size_t j = 0; j < BP_ARRAY_SIZE(bar_keys) && !known; j++)
			known = strcmp(k, bar_keys[j]) == 0;
		for (size_t j = 0; j < *nseen && !known; j++)
			known = strcmp(k, (*seen)[j]) == 0;
		if (known)
			continue;
		bp_warn("column '%s' is not a bar column and is not carried "
			"into the resampled bars", k);
		BP_GROW(*seen, *alloc, *nseen + 1);
		(*seen)[(*nseen)++] = bp_xstrdup(k);
	}
}

int
bp_resample_stream(const struct bp_resample_opts *o, struct bp_reader *in,
		   struct bp_writer *out)
{
	struct bp_resample *r = bp_resample_new(o, out);
	struct bp_row row = BP_ROW_INIT;
	int hints[7] = { -1, -1, -1, -1, -1, -1, -1 };
	char **seen = NULL, err[128], where[512];
	size_t nseen = 0, alloc = 0, nkeys = 0;
	int rc, ret = -1;

	while ((rc = bp_reader_next(in, &row)) > 0) {
		struct bp_bar b;
		const char *sym;
		size_t symlen;

		snprintf(where, sizeof(where), "%s:%ld", bp_reader_name(in),
			 row.lineno);
		if (bp_bars_get(&row, hints, &b, &sym, &symlen, err,
				sizeof(err)) < 0) {
			bp_error("%s: %s", where, err);
			goto out;
		}
		if (row.n != nkeys) {	/* a new shape: look at its keys */
			warn_dropped(&row, &seen, &nseen, &alloc);
			nkeys = row.n;
		}
		if (bp_resample_add(r, sym, symlen, &b, where) < 0)
			goto out;
	}
	if (rc == 0)
		ret = bp_resample_finish(r);
out:
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	bp_row_release(&row);
	bp_resample_free(&r);
	return ret;
}
