/*
 * dataset: load feature streams into dense matrices (see dataset.h).
 *
 * The builder keeps one growable column of doubles per column of the
 * stream (or only the columns asked for, when the feature list has no
 * glob), because which columns are numeric is only known at the end.
 * finish() then selects the features and lays them out row-major.
 */
#include "dataset.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "util.h"

struct column {
	char *name;
	double *v;		/* value per row, NaN = null or absent */
	size_t len, alloc;
	uint64_t nnum;		/* numbers and booleans seen */
	uint64_t nstr;		/* strings seen */
	long bad_line;		/* line of the first string */
	int stored;		/* 0: not wanted, values not kept */
};

struct bp_dataset_builder {
	char *label;
	char **features;
	size_t nfeatures;
	int keep_null_label;
	int store_all;

	struct column *cols;
	size_t ncols, colalloc;
	size_t *ht;		/* open addressing: column index + 1, 0 free */
	size_t htcap;
	int *fieldcol;		/* last row's field -> column, -1 ts, -2 sym */
	size_t fieldalloc;

	int64_t *ts;
	uint32_t *sym;
	size_t nrows, rowalloc;
	char **syms;
	size_t nsyms, symalloc;
	uint32_t lastsym;
	char *input;		/* name of the input, for messages */
};

void
bp_dataset_init(struct bp_dataset *d)
{
	memset(d, 0, sizeof(*d));
}

void
bp_dataset_release(struct bp_dataset *d)
{
	if (!d)
		return;
	for (size_t j = 0; j < d->k; j++)
		free(d->names[j]);
	for (size_t s = 0; s < d->nsyms; s++)
		free(d->syms[s]);
	free(d->names);
	free(d->syms);
	free(d->x);
	free(d->y);
	free(d->ts);
	free(d->sym);
	free(d->src);
	free(d->label);
	memset(d, 0, sizeof(*d));
}

int
bp_dataset_is_label(const char *name)
{
	return strncmp(name, "label_", 6) == 0;
}

static int
is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Never a default feature: raw bars, labels and bp-predict's outputs. */
static int
default_excluded(const char *name, const char *label)
{
	static const char *const raw[] = {
		"ts", "symbol", "open", "high", "low", "close", "volume",
		"score", "signal",
	};

	for (size_t i = 0; i < BP_ARRAY_SIZE(raw); i++)
		if (strcmp(name, raw[i]) == 0)
			return 1;
	if (strncmp(name, "score_", 6) == 0 || bp_dataset_is_label(name))
		return 1;
	return label && strcmp(name, label) == 0;
}

static uint64_t
hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void
ht_insert(struct bp_dataset_builder *b, size_t col)
{
	const char *name = b->cols[col].name;
	size_t i = hash_str(name, strlen(name)) & (b->htcap - 1);

	while (b->ht[i])
		i = (i + 1) & (b->htcap - 1);
	b->ht[i] = col + 1;
}

static long
ht_find(const struct bp_dataset_builder *b, const char *key, size_t n)
{
	size_t i;

	if (b->htcap == 0)
		return -1;
	i = hash_str(key, n) & (b->htcap - 1);
	while (b->ht[i]) {
		const char *name = b->cols[b->ht[i] - 1].name;

		if (strncmp(name, key, n) == 0 && name[n] == '\0')
			return (long)b->ht[i] - 1;
		i = (i + 1) & (b->htcap - 1);
	}
	return -1;
}

static int
wanted(const struct bp_dataset_builder *b, const char *name)
{
	if (b->store_all)
		return 1;
	if (b->label && strcmp(name, b->label) == 0)
		return 1;
	for (size_t i = 0; i < b->nfeatures; i++)
		if (strcmp(b->features[i], name) == 0)
			return 1;
	return 0;
}

static size_t
add_column(struct bp_dataset_builder *b, const char *key, size_t n)
{
	struct column *c;

	if (2 * (b->ncols + 1) > b->htcap) {
		free(b->ht);
		b->htcap = b->htcap ? 2 * b->htcap : 64;
		b->ht = bp_xcalloc(b->htcap, sizeof(*b->ht));
		for (size_t i = 0; i < b->ncols; i++)
			ht_insert(b, i);
	}
	BP_GROW(b->cols, b->colalloc, b->ncols + 1);
	c = &b->cols[b->ncols];
	memset(c, 0, sizeof(*c));
	c->name = bp_xstrndup(key, n);
	c->stored = wanted(b, c->name);
	ht_insert(b, b->ncols);
	return b->ncols++;
}

struct bp_dataset_builder *
bp_dataset_builder_new(const struct bp_dataset_opts *o)
{
	struct bp_dataset_builder *b = bp_xcalloc(1, sizeof(*b));

	b->label = o->label ? bp_xstrdup(o->label) : NULL;
	b->keep_null_label = o->keep_null_label;
	b->store_all = o->features == NULL || o->nfeatures == 0;
	if (!b->store_all) {
		b->features = bp_xcalloc(o->nfeatures, sizeof(*b->features));
		for (size_t i = 0; i < o->nfeatures; i++) {
			b->features[i] = bp_xstrdup(o->features[i]);
			if (is_glob(b->features[i]))
				b->store_all = 1;
		}
		b->nfeatures = o->nfeatures;
	}
	return b;
}

void
bp_dataset_builder_free(struct bp_dataset_builder **bp)
{
	struct bp_dataset_builder *b = bp ? *bp : NULL;

	if (!b)
		return;
	free(b->label);
	for (size_t i = 0; i < b->nfeatures; i++)
		free(b->features[i]);
	free(b->features);
	for (size_t i = 0; i < b->ncols; i++) {
		free(b->cols[i].name);
		free(b->cols[i].v);
	}
	free(b->cols);
	free(b->ht);
	free(b->fieldcol);
	free(b->ts);
	free(b->sym);
	for (size_t s = 0; s < b->nsyms; s++)
		free(b->syms[s]);
	free(b->syms);
	free(b->input);
	free(b);
	*bp = NULL;
}

static void
column_set(struct column *c, size_t row, double v)
{
	if (c->len > row)	/* the key repeats within a row: last wins */
		c->len = row;
	BP_GROW(c->v, c->alloc, row + 1);
	while (c->len < row)
		c->v[c->len++] = NAN;
	c->v[c->len++] = v;
}

static uint32_t
intern_symbol(struct bp_dataset_builder *b, const char *s, size_t n)
{
	if (b->nsyms && strncmp(b->syms[b->lastsym], s, n) == 0 &&
	    b->syms[b->lastsym][n] == '\0')
		return b->lastsym;
	for (size_t i = 0; i < b->nsyms; i++) {
		if (strncmp(b->syms[i], s, n) == 0 && b->syms[i][n] == '\0') {
			b->lastsym = (uint32_t)i;
			return b->lastsym;
		}
	}
	BP_GROW(b->syms, b->symalloc, b->nsyms + 1);
	b->syms[b->nsyms] = bp_xstrndup(s, n);
	b->lastsym = (uint32_t)b->nsyms;
	return (uint32_t)b->nsyms++;
}

static int
row_ts(const struct bp_field *f, int64_t *ms)
{
	double v;

	if (f->type == BP_STR)
		return bp_ts_parse(f->str, f->len, ms);
	if (f->type == BP_NUM && bp_field_num(f, &v) == 0)
		return bp_ts_from_epoch(v, ms);
	if (f->type == BP_NULL) {
		*ms = BP_DATASET_NO_TS;
		return 0;
	}
	return -1;
}

int
bp_dataset_builder_add(struct bp_dataset_builder *b, const struct bp_row *row,
		       const char *name)
{
	size_t r = b->nrows;

	if (!b->input)
		b->input = bp_xstrdup(name ? name : "<input>");
	if (r + 1 > b->rowalloc) {
		BP_GROW(b->ts, b->rowalloc, r + 1);
		b->sym = bp_xreallocarray(b->sym, b->rowalloc, sizeof(*b->sym));
	}
	b->ts[r] = BP_DATASET_NO_TS;
	b->sym[r] = UINT32_MAX;	/* resolved below, "" when absent */
	if (row->n > b->fieldalloc) {
		size_t old = b->fieldalloc;

		BP_GROW(b->fieldcol, b->fieldalloc, row->n);
		for (size_t i = old; i < b->fieldalloc; i++)
			b->fieldcol[i] = -3;
	}
	for (size_t i = 0; i < row->n; i++) {
		const struct bp_field *f = &row->f[i];
		int ci = b->fieldcol[i];
		struct column *c;
		double v;

		/* rows of one shape: field i is the column it was last time */
		if (ci == -1 ? strcmp(f->key, "ts") != 0 :
		    ci == -2 ? strcmp(f->key, "symbol") != 0 :
		    ci < 0 || strcmp(f->key, b->cols[ci].name) != 0) {
			if (strcmp(f->key, "ts") == 0) {
				ci = -1;
			} else if (strcmp(f->key, "symbol") == 0) {
				ci = -2;
			} else {
				long found = ht_find(b, f->key, f->keylen);

				ci = found >= 0 ? (int)found :
				     (int)add_column(b, f->key, f->keylen);
			}
			b->fieldcol[i] = ci;
		}
		if (ci == -1) {
			if (row_ts(f, &b->ts[r]) < 0)
				return bp_error("%s:%ld: 'ts' is not a "
						"timestamp", b->input,
						row->lineno);
			continue;
		}
		if (ci == -2) {
			if (f->type == BP_STR)
				b->sym[r] = intern_symbol(b, f->str, f->len);
			else if (f->type != BP_NULL)
				b->sym[r] = intern_symbol(b, f->raw, f->rawlen);
			continue;
		}
		c = &b->cols[ci];
		switch (f->type) {
		case BP_NUM:
			if (bp_field_num(f, &v) < 0)
				v = NAN;
			c->nnum++;
			break;
		case BP_BOOL:
			v = f->boolean;
			c->nnum++;
			break;
		case BP_STR:
			if (!c->nstr++)
				c->bad_line = row->lineno;
			v = NAN;
			break;
		default:
			v = NAN;
			break;
		}
		if (c->stored)
			column_set(c, r, v);
	}
	if (b->sym[r] == UINT32_MAX)
		b->sym[r] = intern_symbol(b, "", 0);
	b->nrows++;
	return 0;
}

static long
find_column(const struct bp_dataset_builder *b, const char *name)
{
	return ht_find(b, name, strlen(name));
}

static int
not_a_number(const struct bp_dataset_builder *b, const struct column *c)
{
	return bp_error("%s:%ld: '%s' is not a number", b->input, c->bad_line,
			c->name);
}

static int
already(const size_t *sel, size_t n, size_t col)
{
	for (size_t i = 0; i < n; i++)
		if (sel[i] == col)
			return 1;
	return 0;
}

/* The selected columns, in order, into *sel (ncols entries at most). */
static int
select_features(struct bp_dataset_builder *b, size_t *sel, size_t *nsel)
{
	const char *label = b->label;

	*nsel = 0;
	if (!b->features) {
		for (size_t j = 0; j < b->ncols; j++) {
			struct column *c = &b->cols[j];

			if (!default_excluded(c->name, label) && c->nnum > 0 &&
			    c->nstr == 0)
				sel[(*nsel)++] = j;
		}
		if (*nsel == 0)
			return bp_error("%s: no numeric feature column in the "
					"input", b->input);
		return 0;
	}
	for (size_t i = 0; i < b->nfeatures; i++) {
		const char *f = b->features[i];
		long col;
		size_t matched = 0;

		if (!is_glob(f)) {
			if (bp_dataset_is_label(f) ||
			    (label && strcmp(f, label) == 0))
				return bp_error("'%s' is a label column and "
						"cannot be a feature", f);
			if (strcmp(f, "ts") == 0 || strcmp(f, "symbol") == 0)
				return bp_error("'%s' cannot be a feature", f);
			col = find_column(b, f);
			if (col < 0)
				return bp_error("%s: feature '%s' is not in "
						"the input", b->input, f);
			if (b->cols[col].nstr)
				return not_a_number(b, &b->cols[col]);
			if (!already(sel, *nsel, (size_t)col))
				sel[(*nsel)++] = (size_t)col;
			continue;
		}
		for (size_t j = 0; j < b->ncols; j++) {
			struct column *c = &b->cols[j];

			if (fnmatch(f, c->name, 0) != 0)
				continue;
			if (bp_dataset_is_label(c->name) ||
			    (label && strcmp(c->name, label) == 0) ||
			    c->nstr || c->nnum == 0)
				continue;
			matched++;
			if (!already(sel, *nsel, j))
				sel[(*nsel)++] = j;
		}
		if (!matched)
			return bp_error("%s: feature pattern '%s' matches no "
					"numeric column", b->input, f);
	}
	return 0;
}

int
bp_dataset_builder_finish(struct bp_dataset_builder *b, struct bp_dataset *d)
{
	size_t *sel = NULL, nsel = 0, n = 0, k;
	struct column *lab = NULL;
	int rc = -1;

	bp_dataset_init(d);
	if (!b->input)
		b->input = bp_xstrdup("<input>");
	if (b->nrows == 0)
		return bp_error("%s: no rows in the input", b->input);
	if (b->label) {
		long col = find_column(b, b->label);

		if (col < 0)
			return bp_error("%s: label column '%s' is not in the "
					"input", b->input, b->label);
		lab = &b->cols[col];
		if (lab->nstr)
			return not_a_number(b, lab);
	}
	sel = bp_xcalloc(b->ncols + 1, sizeof(*sel));
	if (select_features(b, sel, &nsel) < 0)
		goto out;
	k = nsel;
	for (size_t r = 0; r < b->nrows; r++) {
		double y = lab && r < lab->len ? lab->v[r] : NAN;

		if (lab && isnan(y) && !b->keep_null_label)
			d->skipped_null_label++;
		else
			n++;
	}
	if (lab && n == 0) {
		bp_error("%s: no row has a value for the label '%s'", b->input,
			 b->label);
		goto out;
	}
	d->rows_read = b->nrows;
	d->n = n;
	d->k = k;
	d->names = bp_xcalloc(k ? k : 1, sizeof(*d->names));
	for (size_t j = 0; j < k; j++)
		d->names[j] = bp_xstrdup(b->cols[sel[j]].name);
	d->x = bp_xreallocarray(NULL, n * k > 0 ? n * k : 1, sizeof(*d->x));
	d->y = bp_xreallocarray(NULL, n ? n : 1, sizeof(*d->y));
	d->ts = bp_xreallocarray(NULL, n ? n : 1, sizeof(*d->ts));
	d->sym = bp_xreallocarray(NULL, n ? n : 1, sizeof(*d->sym));
	d->src = bp_xreallocarray(NULL, n ? n : 1, sizeof(*d->src));
	d->label = b->label ? bp_xstrdup(b->label) : NULL;
	for (size_t r = 0, i = 0; r < b->nrows; r++) {
		double y = lab && r < lab->len ? lab->v[r] : NAN;

		if (lab && isnan(y) && !b->keep_null_label)
			continue;
		for (size_t j = 0; j < k; j++) {
			const struct column *c = &b->cols[sel[j]];

			d->x[i * k + j] = r < c->len ? c->v[r] : NAN;
		}
		d->y[i] = y;
		d->ts[i] = b->ts[r];
		d->sym[i] = b->sym[r];
		d->src[i] = r;
		i++;
	}
	d->syms = b->syms;
	d->nsyms = b->nsyms;
	b->syms = NULL;
	b->nsyms = b->symalloc = 0;
	rc = 0;
out:
	free(sel);
	if (rc < 0)
		bp_dataset_release(d);
	return rc;
}

int
bp_dataset_load(struct bp_dataset *d, const char *path,
		const struct bp_dataset_opts *o)
{
	struct bp_reader *in;
	struct bp_dataset_builder *b;
	struct bp_row row = BP_ROW_INIT;
	int rc;

	bp_dataset_init(d);
	in = bp_reader_open(path);
	if (!in)
		return -1;
	b = bp_dataset_builder_new(o);
	while ((rc = bp_reader_next(in, &row)) > 0)
		if (bp_dataset_builder_add(b, &row, bp_reader_name(in)) < 0) {
			rc = -1;
			break;
		}
	if (rc == 0 && !b->input)
		b->input = bp_xstrdup(bp_reader_name(in));
	if (rc == 0)
		rc = bp_dataset_builder_finish(b, d);
	bp_row_release(&row);
	bp_dataset_builder_free(&b);
	bp_reader_free(&in);
	return rc < 0 ? -1 : 0;
}

static void
copy_header(struct bp_dataset *dst, const struct bp_dataset *src, size_t n)
{
	bp_dataset_init(dst);
	dst->n = n;
	dst->k = src->k;
	dst->names = bp_xcalloc(src->k ? src->k : 1, sizeof(*dst->names));
	for (size_t j = 0; j < src->k; j++)
		dst->names[j] = bp_xstrdup(src->names[j]);
	dst->syms = bp_xcalloc(src->nsyms ? src->nsyms : 1, sizeof(*dst->syms));
	for (size_t s = 0; s < src->nsyms; s++)
		dst->syms[s] = bp_xstrdup(src->syms[s]);
	dst->nsyms = src->nsyms;
	dst->label = src->label ? bp_xstrdup(src->label) : NULL;
	dst->x = bp_xreallocarray(NULL, n * src->k > 0 ? n * src->k : 1,
				  sizeof(*dst->x));
	dst->y = bp_xreallocarray(NULL, n ? n : 1, sizeof(*dst->y));
	dst->ts = bp_xreallocarray(NULL, n ? n : 1, sizeof(*dst->ts));
	dst->sym = bp_xreallocarray(NULL, n ? n : 1, sizeof(*dst->sym));
	dst->src = bp_xreallocarray(NULL, n ? n : 1, sizeof(*dst->src));
	dst->rows_read = n;
}

void
bp_dataset_from_matrix(struct bp_dataset *d, size_t n, size_t k,
		       const char *const *names, const double *x,
		       const double *y, const char *label)
{
	struct bp_dataset tmp = BP_DATASET_INIT;
	const char *empty = "";

	tmp.k = k;
	tmp.names = (char **)names;
	tmp.syms = (char **)&empty;
	tmp.nsyms = 1;
	tmp.label = (char *)label;
	copy_header(d, &tmp, n);
	if (n * k > 0)
		memcpy(d->x, x, n * k * sizeof(*x));
	for (size_t i = 0; i < n; i++) {
		d->y[i] = y ? y[i] : NAN;
		d->ts[i] = BP_DATASET_NO_TS;
		d->sym[i] = 0;
		d->src[i] = i;
	}
}

void
bp_dataset_subset(struct bp_dataset *dst, const struct bp_dataset *src,
		  const size_t *idx, size_t n)
{
	size_t k = src->k;

	copy_header(dst, src, n);
	for (size_t i = 0; i < n; i++) {
		size_t r = idx[i];

		if (k)
			memcpy(dst->x + i * k, src->x + r * k,
			       k * sizeof(*dst->x));
		dst->y[i] = src->y[r];
		dst->ts[i] = src->ts[r];
		dst->sym[i] = src->sym[r];
		dst->src[i] = src->src[r];
	}
}

struct ts_order {
	int64_t ts;
	size_t i;
};

static int
cmp_ts_order(const void *a, const void *b)
{
	const struct ts_order *p = a, *q = b;

	if (p->ts != q->ts)
		return p->ts < q->ts ? -1 : 1;
	return (p->i > q->i) - (p->i < q->i);	/* stable */
}

int
bp_dataset_split_tail(const struct bp_dataset *d, double frac,
		      struct bp_dataset *head, struct bp_dataset *tail)
{
	struct ts_order *o;
	size_t *idx, cut, n = d->n;
	int64_t last = BP_DATASET_NO_TS;

	o = bp_xreallocarray(NULL, n ? n : 1, sizeof(*o));
	/* rows without a ts take the time of the row before them */
	for (size_t i = 0; i < n; i++) {
		if (d->ts[i] != BP_DATASET_NO_TS)
			last = d->ts[i];
		o[i].ts = last;
		o[i].i = i;
	}
	qsort(o, n, sizeof(*o), cmp_ts_order);
	cut = n - (size_t)llround(frac * (double)n);
	if (frac > 0 && cut == n && n > 1)
		cut = n - 1;
	/* all rows of one timestamp on the same side */
	while (cut > 0 && cut < n && o[cut - 1].ts == o[cut].ts &&
	       o[cut].ts != BP_DATASET_NO_TS)
		cut--;
	if (cut == 0) {
		free(o);
		return bp_error("the validation tail (--valid-frac) would "
				"leave no row to train on");
	}
	idx = bp_xreallocarray(NULL, n ? n : 1, sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[i] = o[i].i;
	bp_dataset_subset(head, d, idx, cut);
	bp_dataset_subset(tail, d, idx + cut, n - cut);
	free(idx);
	free(o);
	return 0;
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_double(unsigned char *p, double x)
{
	uint64_t bits;

	if (isnan(x))
		x = NAN;
	memcpy(&bits, &x, sizeof(bits));
	put_u64(p, bits);
}

void
bp_dataset_hash_update(struct bp_sha256 *c, const struct bp_dataset *d)
{
	unsigned char *buf = bp_xmalloc(8 * (d->k + 2));

	for (size_t j = 0; j < d->k; j++)
		bp_sha256_update(c, d->names[j], strlen(d->names[j]) + 1);
	if (d->label)
		bp_sha256_update(c, d->label, strlen(d->label));
	bp_sha256_update(c, "", 1);
	for (size_t i = 0; i < d->n; i++) {
		const char *s = d->syms[d->sym[i]];

		put_u64(buf, (uint64_t)d->ts[i]);
		bp_sha256_update(c, buf, 8);
		bp_sha256_update(c, s, strlen(s) + 1);
		for (size_t j = 0; j < d->k; j++)
			put_double(buf + 8 * j, d->x[i * d->k + j]);
		put_double(buf + 8 * d->k, d->y[i]);
		bp_sha256_update(c, buf, 8 * (d->k + 1));
	}
	free(buf);
}

void
bp_dataset_sha256(const struct bp_dataset *d, char out[BP_SHA256_HEXSZ])
{
	struct bp_sha256 c;

	bp_sha256_init(&c);
	bp_dataset_hash_update(&c, d);
	bp_sha256_hex(&c, out);
}

void
bp_featmap_init(struct bp_featmap *m, const char *const *names, size_t k)
{
	m->k = k;
	m->names = names;
	m->hint = bp_xcalloc(k ? k : 1, sizeof(*m->hint));
	for (size_t j = 0; j < k; j++)
		m->hint[j] = -1;
}

void
bp_featmap_release(struct bp_featmap *m)
{
	free(m->hint);
	m->hint = NULL;
}

int
bp_featmap_fill(struct bp_featmap *m, const struct bp_row *row, double *x,
		size_t *bad, enum bp_feat_problem *why)
{
	int nulls = 0;

	for (size_t j = 0; j < m->k; j++) {
		int i = bp_row_find(row, m->names[j], &m->hint[j]);
		const struct bp_field *f;

		if (i < 0) {
			*bad = j;
			*why = BP_FEAT_ABSENT;
			return -1;
		}
		f = &row->f[i];
		switch (f->type) {
		case BP_NUM:
			if (bp_field_num(f, &x[j]) < 0)
				x[j] = NAN;
			break;
		case BP_BOOL:
			x[j] = f->boolean;
			break;
		case BP_NULL:
			x[j] = NAN;
			nulls++;
			break;
		default:
			*bad = j;
			*why = BP_FEAT_NOT_NUMBER;
			return -1;
		}
	}
	return nulls;
}
