/*
 * featureset: column plan, symbol table and row handling for bp-features.
 *
 * The plan is a list of producers (one per indicator, derived feature and
 * fuzzy column) that read and write slots of one array of doubles per row:
 * the input slots first (open, high, low, close, volume, then any other
 * input column a feature reads), then one slot per output column.  A
 * producer reads either input slots or the outputs of earlier producers,
 * so "lag of rsi_14" or "SMA over volume" need nothing special.  Each
 * symbol has its own instances of the stateful producers.
 *
 * Output rows are built as text (the input fields copied raw, then the
 * new columns), either written at once or, when there are labels, queued
 * until the labels are known.
 */
#include "featureset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ts.h"
#include "util.h"

static const char *const base_keys[] = {
	"open", "high", "low", "close", "volume",
};
#define NBASE 5

struct input {
	char *key;
	int hint;
	int needed;
};

struct producer {
	enum bp_spec_stage stage;
	size_t item;
	int src;		/* slot of the source value, or -1 */
	int out;		/* first output slot */
	int nout;
};

struct sym {
	char *name;
	size_t len;
	uint64_t hash;
	int have_ts;
	int64_t last_ts;
	int warm;
	struct bp_ta **ta;		/* per producer (indicators) */
	struct bp_derived **der;	/* per producer (derived) */
	struct bp_labeler *lab;
};

struct entry {
	struct bp_buf text;
	double *lv;		/* label values: per def value [, bars] */
	int64_t *lend;		/* per def: ts of the end, or INT64_MIN */
	int left;		/* label defs not settled */
};

struct bp_featureset {
	const struct bp_spec *spec;
	struct bp_featureset_opts opt;
	struct input *in;
	size_t nin;
	struct producer *pr;
	size_t npr;
	size_t nslot, nfeat;	/* features: slots nin .. nin + nfeat */
	double *val;
	char **key;		/* per output column: ",\"name\":" */
	size_t *keylen;
	int need_hlc;		/* labels read high/low/close */
	/* symbols */
	struct sym **tab;
	size_t tabcap, nsym;
	struct sym *last;
	int ts_hint, sym_hint;
	/* labels */
	size_t *lvi;		/* per label def: index into entry.lv */
	size_t nlv;
	struct entry **q;
	size_t qcap, qhead, qlen, qmax;
	struct entry **freel;
	size_t nfree, afree;
	/* rows: the last row's keys, which of them a new column replaces,
	 * and each one's text ",\"key\":" for the output */
	char **shape;
	size_t *shapelen;
	char **ktext;
	size_t *ktextlen;
	unsigned char *skip;
	size_t nshape;
	unsigned char *warned;	/* per output column: replaced an input */
	struct bp_buf line;
	struct bp_writer *w;	/* for the label callback's flush */
	int failed;
};

/* ---- plan ---------------------------------------------------------------- */

static int
input_slot(struct bp_featureset *f, const char *key)
{
	for (size_t i = 0; i < f->nin; i++)
		if (strcmp(f->in[i].key, key) == 0)
			return (int)i;
	f->in = bp_xreallocarray(f->in, f->nin + 1, sizeof(*f->in));
	f->in[f->nin].key = bp_xstrdup(key);
	f->in[f->nin].hint = -1;
	f->in[f->nin].needed = 0;
	return (int)f->nin++;
}

/*
 * Slot of a column read by the producer whose first output column is
 * `before`: an earlier feature column, else an input column.  Input slots
 * are numbered now and shifted past the inputs once all are known, so
 * feature slots are returned as -(2 + column index).
 */
static int
resolve(struct bp_featureset *f, const char *name, size_t before)
{
	const struct bp_spec *s = f->spec;
	int slot;

	for (size_t c = 0; c < before; c++)
		if (strcmp(s->col[c].name, name) == 0)
			return -(2 + (int)c);
	slot = input_slot(f, name);
	f->in[slot].needed = 1;
	return slot;
}

static void
need_base(struct bp_featureset *f, unsigned needs)
{
	for (int i = 0; i < NBASE; i++)
		if (needs & (1u << i))
			f->in[i].needed = 1;
}

static void
warn_fuzzy_gaps(struct bp_featureset *f)
{
	const struct bp_spec *s = f->spec;

	for (size_t i = 0; i < s->nfz; i++) {
		double lo = NAN, hi = NAN;
		struct bp_buf b = BP_BUF_INIT;

		for (size_t c = 0; c < s->nfeat; c++) {
			const struct bp_spec_col *col = &s->col[c];

			if (col->stage == BP_SPEC_INDICATOR &&
			    strcmp(col->name, s->fz[i].column) == 0) {
				lo = s->ind[col->item].info->lo;
				hi = s->ind[col->item].info->hi;
			}
		}
		if (bp_fuzzy_gaps(s->fz[i].sets, s->fz[i].nsets, lo, hi, &b))
			bp_warn("%s: the fuzzy sets of '%s' leave %s uncovered "
				"(every membership is 0 there)", s->fz[i].where,
				s->fz[i].column, b.s);
		bp_buf_release(&b);
	}
}

static void
make_keys(struct bp_featureset *f)
{
	const struct bp_spec *s = f->spec;
	const char *prefix = f->opt.prefix ? f->opt.prefix : "";
	struct bp_buf b = BP_BUF_INIT, name = BP_BUF_INIT;

	f->key = bp_xcalloc(s->ncol, sizeof(*f->key));
	f->keylen = bp_xcalloc(s->ncol, sizeof(*f->keylen));
	for (size_t c = 0; c < s->ncol; c++) {
		bp_buf_reset(&name);
		if (c < s->nfeat)
			bp_buf_adds(&name, prefix);
		bp_buf_adds(&name, s->col[c].name);
		bp_buf_reset(&b);
		bp_buf_addc(&b, ',');
		bp_json_escape(&b, name.s, name.len);
		bp_buf_addc(&b, ':');
		f->keylen[c] = b.len;
		f->key[c] = bp_buf_detach(&b, NULL);
	}
	bp_buf_release(&name);
}

struct bp_featureset *
bp_featureset_new(const struct bp_spec *spec,
		  const struct bp_featureset_opts *opt)
{
	struct bp_featureset *f = bp_xcalloc(1, sizeof(*f));
	size_t c = 0;

	f->spec = spec;
	f->opt = *opt;
	f->qmax = opt->max_queue ? opt->max_queue : BP_FEATURESET_MAX_QUEUE;
	f->ts_hint = f->sym_hint = -1;
	for (int i = 0; i < NBASE; i++)
		input_slot(f, base_keys[i]);
	f->pr = bp_xcalloc(spec->nind + spec->nder + spec->nfz + 1,
			   sizeof(*f->pr));
	for (size_t i = 0; i < spec->nind; i++, f->npr++) {
		const struct bp_spec_ind *it = &spec->ind[i];
		struct producer *p = &f->pr[f->npr];

		p->stage = BP_SPEC_INDICATOR;
		p->item = i;
		p->out = (int)c;
		p->nout = it->info->nout;
		p->src = -1;
		if (it->src) {
			p->src = resolve(f, it->src, c);
			need_base(f, it->info->needs & ~BP_TA_NEED_CLOSE);
		} else {
			need_base(f, it->info->needs);
		}
		c += (size_t)p->nout;
	}
	for (size_t i = 0; i < spec->nder; i++, f->npr++) {
		const struct bp_spec_der *it = &spec->der[i];
		struct producer *p = &f->pr[f->npr];

		p->stage = BP_SPEC_DERIVED;
		p->item = i;
		p->out = (int)c;
		p->nout = 1;
		p->src = -1;
		if (bp_derived_has_src(it->kind))
			p->src = resolve(f, it->src, c);
		else if (it->kind <= BP_DERIVED_LOWER_WICK)
			need_base(f, BP_TA_NEED_OPEN | BP_TA_NEED_HIGH |
				     BP_TA_NEED_LOW | BP_TA_NEED_CLOSE);
		c++;
	}
	for (size_t i = 0; i < spec->nfz; i++, f->npr++) {
		const struct bp_spec_fuzzy *it = &spec->fz[i];
		struct producer *p = &f->pr[f->npr];

		p->stage = BP_SPEC_FUZZY;
		p->item = i;
		p->out = (int)c;
		p->nout = (int)it->nsets;
		p->src = resolve(f, it->column, c);
		c += it->nsets;
	}
	f->nfeat = c;
	/* now that every input is known, place the feature slots after them */
	for (size_t i = 0; i < f->npr; i++) {
		struct producer *p = &f->pr[i];

		p->out += (int)f->nin;
		if (p->src <= -2)
			p->src = (int)f->nin + (-p->src - 2);
	}
	f->nslot = f->nin + f->nfeat;
	f->val = bp_xcalloc(f->nslot, sizeof(double));
	if (spec->nlab) {
		need_base(f, BP_TA_NEED_CLOSE);
		f->lvi = bp_xcalloc(spec->nlab, sizeof(*f->lvi));
		for (size_t d = 0; d < spec->nlab; d++) {
			f->lvi[d] = f->nlv;
			f->nlv += (size_t)bp_label_nvalues(&spec->lab[d]);
			if (spec->lab[d].kind == BP_LABEL_TB)
				f->need_hlc = 1;
		}
		if (f->need_hlc)
			need_base(f, BP_TA_NEED_HIGH | BP_TA_NEED_LOW);
	}
	make_keys(f);
	f->warned = bp_xcalloc(spec->ncol + 1, 1);
	warn_fuzzy_gaps(f);
	return f;
}

static void
entry_free(struct entry *e)
{
	if (!e)
		return;
	bp_buf_release(&e->text);
	free(e->lv);
	free(e->lend);
	free(e);
}

static void
sym_free(struct bp_featureset *f, struct sym *s)
{
	for (size_t i = 0; i < f->npr; i++) {
		if (s->ta)
			bp_ta_free(&s->ta[i]);
		if (s->der)
			bp_derived_free(&s->der[i]);
	}
	free(s->ta);
	free(s->der);
	bp_labeler_free(&s->lab);
	free(s->name);
	free(s);
}

void
bp_featureset_free(struct bp_featureset **fp)
{
	struct bp_featureset *f = *fp;

	if (!f)
		return;
	for (size_t i = 0; i < f->tabcap; i++)
		if (f->tab[i])
			sym_free(f, f->tab[i]);
	for (size_t i = 0; i < f->qlen; i++)
		entry_free(f->q[(f->qhead + i) % f->qcap]);
	for (size_t i = 0; i < f->nfree; i++)
		entry_free(f->freel[i]);
	for (size_t i = 0; i < f->nin; i++)
		free(f->in[i].key);
	for (size_t c = 0; f->key && c < f->spec->ncol; c++)
		free(f->key[c]);
	for (size_t i = 0; i < f->nshape; i++) {
		free(f->shape[i]);
		free(f->ktext[i]);
	}
	free(f->shape);
	free(f->shapelen);
	free(f->ktext);
	free(f->ktextlen);
	free(f->skip);
	free(f->warned);
	free(f->key);
	free(f->keylen);
	free(f->in);
	free(f->pr);
	free(f->val);
	free(f->tab);
	free(f->q);
	free(f->freel);
	free(f->lvi);
	bp_buf_release(&f->line);
	free(f);
	*fp = NULL;
}

/* ---- symbols ----------------------------------------------------------- */

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

static struct sym *
sym_new(struct bp_featureset *f, const char *name, size_t len, uint64_t h)
{
	const struct bp_spec *s = f->spec;
	struct sym *y = bp_xcalloc(1, sizeof(*y));

	y->name = bp_xstrndup(name, len);
	y->len = len;
	y->hash = h;
	y->ta = bp_xcalloc(f->npr + 1, sizeof(*y->ta));
	y->der = bp_xcalloc(f->npr + 1, sizeof(*y->der));
	for (size_t i = 0; i < f->npr; i++) {
		const struct producer *p = &f->pr[i];

		if (p->stage == BP_SPEC_INDICATOR)
			y->ta[i] = bp_ta_new(s->ind[p->item].info,
					     s->ind[p->item].p);
		else if (p->stage == BP_SPEC_DERIVED)
			y->der[i] = bp_derived_new(s->der[p->item].kind,
						   s->der[p->item].k);
	}
	if (s->nlab)
		y->lab = bp_labeler_new(s->lab, s->nlab);
	return y;
}

static struct sym *
sym_get(struct bp_featureset *f, const char *name, size_t len)
{
	uint64_t h;
	size_t i;

	if (f->last && f->last->len == len &&
	    memcmp(f->last->name, name, len) == 0)
		return f->last;
	h = hash_str(name, len);
	if (2 * (f->nsym + 1) > f->tabcap) {
		size_t cap = f->tabcap ? 2 * f->tabcap : 16;
		struct sym **t = bp_xcalloc(cap, sizeof(*t));

		for (size_t k = 0; k < f->tabcap; k++) {
			struct sym *y = f->tab[k];

			if (!y)
				continue;
			for (i = y->hash & (cap - 1); t[i]; i = (i + 1) &
			     (cap - 1))
				;
			t[i] = y;
		}
		free(f->tab);
		f->tab = t;
		f->tabcap = cap;
	}
	for (i = h & (f->tabcap - 1); f->tab[i]; i = (i + 1) &
	     (f->tabcap - 1)) {
		struct sym *y = f->tab[i];

		if (y->hash == h && y->len == len &&
		    memcmp(y->name, name, len) == 0)
			return f->last = y;
	}
	f->tab[i] = sym_new(f, name, len, h);
	f->nsym++;
	return f->last = f->tab[i];
}

static void
sym_reset(struct bp_featureset *f, struct sym *y)
{
	for (size_t i = 0; i < f->npr; i++) {
		if (y->ta[i])
			bp_ta_reset(y->ta[i]);
		if (y->der[i])
			bp_derived_reset(y->der[i]);
	}
}

/* ---- output ------------------------------------------------------------ */

static void
put_num(struct bp_buf *b, double x)
{
	bp_buf_grow(b, BP_FMT_BUFSZ + 1);
	if (isfinite(x)) {
		b->len += bp_fmt_double(b->s + b->len, x);
	} else {
		memcpy(b->s + b->len, "null", 5);
		b->len += 4;
	}
}

static void
put_ts(struct bp_buf *b, int64_t ms)
{
	if (ms == INT64_MIN) {
		bp_buf_add(b, "null", 4);
		return;
	}
	bp_buf_grow(b, BP_TS_BUFSZ + 2);
	b->s[b->len++] = '"';
	b->len += bp_ts_format(b->s + b->len, ms);
	b->s[b->len++] = '"';
	b->s[b->len] = '\0';
}

/* Which input fields a new column replaces (cached per row shape). */
static void
update_shape(struct bp_featureset *f, const struct bp_row *row)
{
	const struct bp_spec *s = f->spec;
	size_t plen = f->opt.prefix ? strlen(f->opt.prefix) : 0;
	struct bp_buf b = BP_BUF_INIT;
	int same = row->n == f->nshape;

	for (size_t i = 0; same && i < row->n; i++)
		if (f->shapelen[i] != row->f[i].keylen ||
		    memcmp(f->shape[i], row->f[i].key, row->f[i].keylen) != 0)
			same = 0;
	if (same)
		return;
	for (size_t i = 0; i < f->nshape; i++) {
		free(f->shape[i]);
		free(f->ktext[i]);
	}
	f->shape = bp_xreallocarray(f->shape, row->n + 1, sizeof(char *));
	f->shapelen = bp_xreallocarray(f->shapelen, row->n + 1,
				       sizeof(size_t));
	f->ktext = bp_xreallocarray(f->ktext, row->n + 1, sizeof(char *));
	f->ktextlen = bp_xreallocarray(f->ktextlen, row->n + 1,
				       sizeof(size_t));
	f->skip = bp_xrealloc(f->skip, row->n + 1);
	f->nshape = row->n;
	for (size_t i = 0; i < row->n; i++) {
		const char *key = row->f[i].key;

		f->shape[i] = bp_xstrndup(key, row->f[i].keylen);
		f->shapelen[i] = row->f[i].keylen;
		bp_buf_reset(&b);
		bp_buf_addc(&b, ',');
		bp_json_escape(&b, key, row->f[i].keylen);
		bp_buf_addc(&b, ':');
		f->ktextlen[i] = b.len;
		f->ktext[i] = bp_buf_detach(&b, NULL);
		f->skip[i] = 0;
		for (size_t c = 0; c < s->ncol; c++) {
			const char *name = s->col[c].name;
			int hit;

			if (c < s->nfeat && plen)
				hit = strncmp(key, f->opt.prefix, plen) == 0 &&
				      strcmp(key + plen, name) == 0;
			else
				hit = strcmp(key, name) == 0;
			if (hit) {
				f->skip[i] = 1;
				if (!f->warned[c])
					bp_warn("the input column '%s' is "
						"replaced by the computed one",
						key);
				f->warned[c] = 1;
				break;
			}
		}
	}
	bp_buf_release(&b);
}

/*
 * The row's text without labels and without the closing brace.  The
 * room is reserved once, then keys, raw values and numbers are copied in.
 */
static void
render(struct bp_featureset *f, const struct bp_row *row, struct bp_buf *b)
{
	size_t need = 8, skip = 1;	/* the first key's ',' */
	char *o;

	for (size_t i = 0; i < row->n; i++)
		need += f->ktextlen[i] + row->f[i].rawlen;
	for (size_t c = 0; c < f->nfeat; c++)
		need += f->keylen[c] + BP_FMT_BUFSZ;
	bp_buf_reset(b);
	bp_buf_grow(b, need);
	o = b->s;
	*o++ = '{';
	for (size_t i = 0; i < row->n; i++) {
		const struct bp_field *fl = &row->f[i];

		if (f->skip[i])
			continue;
		memcpy(o, f->ktext[i] + skip, f->ktextlen[i] - skip);
		o += f->ktextlen[i] - skip;
		memcpy(o, fl->raw, fl->rawlen);
		o += fl->rawlen;
		skip = 0;
	}
	for (size_t c = 0; c < f->nfeat; c++) {
		double x = f->val[f->nin + c];

		memcpy(o, f->key[c] + skip, f->keylen[c] - skip);
		o += f->keylen[c] - skip;
		skip = 0;
		if (isfinite(x)) {
			o += bp_fmt_double(o, x);
		} else {
			memcpy(o, "null", 4);
			o += 4;
		}
	}
	*o = '\0';
	b->len = (size_t)(o - b->s);
}

static int
emit(struct bp_featureset *f, struct entry *e, struct bp_writer *w)
{
	const struct bp_spec *s = f->spec;
	struct bp_buf *b = &e->text;
	size_t c = s->nfeat;

	for (size_t d = 0; d < s->nlab; d++) {
		size_t v = f->lvi[d];

		bp_buf_add(b, f->key[c], f->keylen[c]);
		put_num(b, e->lv[v]);
		bp_buf_add(b, f->key[c + 1], f->keylen[c + 1]);
		put_ts(b, e->lend[d]);
		c += 2;
		if (s->lab[d].kind == BP_LABEL_TB) {
			bp_buf_add(b, f->key[c], f->keylen[c]);
			put_num(b, e->lv[v + 1]);
			bp_buf_add(b, f->key[c + 1], f->keylen[c + 1]);
			put_ts(b, e->lend[d]);
			c += 2;
		}
	}
	bp_buf_add(b, "}\n", 2);
	return bp_writer_write(w, b->s, b->len);
}

static struct entry *
entry_get(struct bp_featureset *f)
{
	struct entry *e;

	if (f->nfree) {
		e = f->freel[--f->nfree];
	} else {
		e = bp_xcalloc(1, sizeof(*e));
		e->lv = bp_xcalloc(f->nlv, sizeof(double));
		e->lend = bp_xcalloc(f->spec->nlab, sizeof(int64_t));
	}
	for (size_t i = 0; i < f->nlv; i++)
		e->lv[i] = NAN;
	for (size_t d = 0; d < f->spec->nlab; d++)
		e->lend[d] = INT64_MIN;
	e->left = (int)f->spec->nlab;
	return e;
}

static void
entry_put(struct bp_featureset *f, struct entry *e)
{
	if (f->nfree == f->afree) {
		size_t n = f->afree ? 2 * f->afree : 64;

		f->freel = bp_xreallocarray(f->freel, n, sizeof(*f->freel));
		f->afree = n;
	}
	f->freel[f->nfree++] = e;
}

static void
on_label(void *ctx, void *row, size_t d, double v, double bars, int64_t end)
{
	struct bp_featureset *f = ctx;
	struct entry *e = row;
	size_t i = f->lvi[d];

	e->lv[i] = v;
	if (f->spec->lab[d].kind == BP_LABEL_TB)
		e->lv[i + 1] = bars;
	e->lend[d] = end;
	e->left--;
}

/* Write the settled rows at the head of the queue. */
static int
flush(struct bp_featureset *f, struct bp_writer *w, int all)
{
	while (f->qlen) {
		struct entry *e = f->q[f->qhead];

		if (!all && e->left > 0)
			break;
		if (emit(f, e, w) < 0)
			return -1;
		f->qhead = (f->qhead + 1) % f->qcap;
		f->qlen--;
		entry_put(f, e);
	}
	return 0;
}

static void
enqueue(struct bp_featureset *f, struct entry *e)
{
	if (f->qlen == f->qcap) {
		size_t cap = f->qcap ? 2 * f->qcap : 64;
		struct entry **q = bp_xcalloc(cap, sizeof(*q));

		for (size_t i = 0; i < f->qlen; i++)
			q[i] = f->q[(f->qhead + i) % f->qcap];
		free(f->q);
		f->q = q;
		f->qcap = cap;
		f->qhead = 0;
	}
	f->q[(f->qhead + f->qlen) % f->qcap] = e;
	f->qlen++;
}

/* ---- rows -------------------------------------------------------------- */

static int
row_error(const char *name, const struct bp_row *row, const char *fmt, ...)
	BP_PRINTF(3, 4);

static int
row_error(const char *name, const struct bp_row *row, const char *fmt, ...)
{
	struct bp_buf b = BP_BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	bp_buf_grow(&b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b.s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	bp_error("%s:%ld: %s", name, row->lineno, b.s);
	bp_buf_release(&b);
	return -1;
}

static int
read_inputs(struct bp_featureset *f, const struct bp_row *row, const char *name)
{
	for (size_t i = 0; i < f->nin; i++) {
		struct input *in = &f->in[i];
		int k;

		if (!in->needed)
			continue;
		k = bp_row_find(row, in->key, &in->hint);
		if (k < 0)
			return row_error(name, row, "'%s' is missing", in->key);
		switch (row->f[k].type) {
		case BP_NULL:
			f->val[i] = NAN;
			break;
		case BP_NUM:
			if (bp_field_num(&row->f[k], &f->val[i]) == 0)
				break;
			/* fall through */
		default:
			return row_error(name, row, "'%s' is not a number",
					 in->key);
		}
	}
	return 0;
}

static void
compute(struct bp_featureset *f, struct sym *y, int64_t ts)
{
	const struct bp_spec *s = f->spec;
	double *val = f->val, in[BP_TA_NINPUT];

	for (size_t i = 0; i < f->npr; i++) {
		const struct producer *p = &f->pr[i];
		double x = p->src >= 0 ? val[p->src] : NAN;

		switch (p->stage) {
		case BP_SPEC_INDICATOR:
			memcpy(in, val, sizeof(in));
			if (p->src >= 0)
				in[BP_TA_CLOSE] = x;
			bp_ta_update(y->ta[i], ts, in, &val[p->out]);
			break;
		case BP_SPEC_DERIVED:
			val[p->out] = bp_derived_step(y->der[i], ts, x, val);
			break;
		case BP_SPEC_FUZZY:
			for (int j = 0; j < p->nout; j++)
				val[p->out + j] = bp_fuzzy_eval(
					&s->fz[p->item].sets[j], x);
			break;
		default:
			break;
		}
	}
}

int
bp_featureset_row(struct bp_featureset *f, const struct bp_row *row,
		const char *name, struct bp_writer *w)
{
	int k, keep = 1;
	int64_t ts;
	const char *symname = "";
	size_t symlen = 0;
	struct sym *y;
	char a[BP_TS_BUFSZ], b[BP_TS_BUFSZ];

	k = bp_row_find(row, "ts", &f->ts_hint);
	if (k < 0)
		return row_error(name, row, "'ts' is missing");
	if (row->f[k].type != BP_STR ||
	    bp_ts_parse(row->f[k].str, row->f[k].len, &ts) < 0)
		return row_error(name, row, "'ts' is not a timestamp");
	k = bp_row_find(row, "symbol", &f->sym_hint);
	if (k >= 0 && row->f[k].type == BP_STR) {
		symname = row->f[k].str;
		symlen = row->f[k].len;
	} else if (k >= 0 && row->f[k].type != BP_NULL) {
		return row_error(name, row, "'symbol' is not a string");
	}
	y = sym_get(f, symname, symlen);
	if (y->have_ts && ts <= y->last_ts) {
		bp_ts_format(a, ts);
		bp_ts_format(b, y->last_ts);
		if (ts == y->last_ts)
			return row_error(name, row, "ts '%s' repeats the "
					 "previous bar of symbol '%s'", a,
					 y->name);
		return row_error(name, row, "ts '%s' is before the previous "
				 "bar of symbol '%s' (%s): the input must be "
				 "in time order", a, y->name, b);
	}
	if (y->have_ts && f->opt.reset_gap > 0 &&
	    ts - y->last_ts > f->opt.reset_gap)
		sym_reset(f, y);
	y->have_ts = 1;
	y->last_ts = ts;
	if (read_inputs(f, row, name) < 0)
		return -1;
	compute(f, y, ts);
	if (f->opt.drop_warmup && !y->warm) {
		y->warm = 1;
		for (size_t c = 0; c < f->nfeat; c++)
			if (isnan(f->val[f->nin + c]))
				y->warm = 0;
		keep = y->warm;
	}
	update_shape(f, row);
	if (!f->spec->nlab) {
		if (!keep)
			return 0;
		render(f, row, &f->line);
		bp_buf_add(&f->line, "}\n", 2);
		return bp_writer_write(w, f->line.s, f->line.len);
	}
	{
		struct entry *e = NULL;
		double *v = f->val;

		if (keep && f->qlen >= f->qmax)
			return row_error(name, row, "more than %zu rows wait "
					 "for their labels (is one symbol "
					 "missing for long?): sort the input "
					 "by ts or raise --max-queue", f->qmax);
		if (keep) {
			e = entry_get(f);
			render(f, row, &e->text);
			enqueue(f, e);
		}
		bp_labeler_push(y->lab, e, ts, v[BP_TA_HIGH], v[BP_TA_LOW],
				v[BP_TA_CLOSE], on_label, f);
	}
	return flush(f, w, 0);
}

int
bp_featureset_finish(struct bp_featureset *f, struct bp_writer *w)
{
	return flush(f, w, 1);
}
