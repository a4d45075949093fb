/*
 * scorer: blocks of rows through a model on two threads (see scorer.h).
 *
 * The main thread reads lines into one block and writes the finished
 * block before; a helper thread parses the block's rows, reads their
 * features and predicts them in one batch.  Each finished row is written
 * as its input line up to the closing brace followed by the new fields
 * (or rebuilt field by field when it holds a column the scorer replaces).
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
#include "util.h"

#define BLOCK_ROWS 2048

enum row_state { ROW_OK, ROW_SKIP, ROW_NULL };

struct block {
	struct bp_buf text;	/* the lines, each NUL-terminated */
	size_t *off, *len;
	long *lineno;
	unsigned char *state, *collide;
	double *x, *out;	/* (n, k), (n, nout) */
	size_t n, cap;
	int err;		/* rows from err_row on are not written */
	size_t err_row;
	char msg[512];
};

struct scorer {
	const struct bp_model *m;
	const struct bp_scorer_opts *o;
	const char *name;	/* input, for messages */
	size_t k, nout, ncls;
	char (*cname)[24];
	double lo, hi;
	int strict;
	/* the parsing side (helper thread) */
	struct bp_row row;
	struct bp_featmap fm;
	int hscore, hsignal;
	/* the writing side (main thread) */
	struct bp_row wrow;
	struct bp_buf tail;
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
		snprintf(buf, 24, "score_m%.0f", -v);
	else if (v > 0)
		snprintf(buf, 24, "score_p%.0f", v);
	else
		snprintf(buf, 24, "score_0");
}

static void
block_release(struct block *b)
{
	bp_buf_release(&b->text);
	free(b->off);
	free(b->len);
	free(b->lineno);
	free(b->state);
	free(b->collide);
	free(b->x);
	free(b->out);
}

static void
block_init(struct block *b, size_t k, size_t nout)
{
	memset(b, 0, sizeof(*b));
	b->cap = BLOCK_ROWS;
	b->off = bp_xcalloc(b->cap, sizeof(*b->off));
	b->len = bp_xcalloc(b->cap, sizeof(*b->len));
	b->lineno = bp_xcalloc(b->cap, sizeof(*b->lineno));
	b->state = bp_xcalloc(b->cap, 1);
	b->collide = bp_xcalloc(b->cap, 1);
	b->x = bp_xcalloc(b->cap * (k ? k : 1), sizeof(*b->x));
	b->out = bp_xcalloc(b->cap * nout, sizeof(*b->out));
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
	bp_buf_reset(&b->text);
	while (b->n < b->cap && (rc = bp_reader_line(in, &line, &len)) > 0) {
		if (is_blank(line, len))
			continue;
		b->off[b->n] = b->text.len;
		b->len[b->n] = len;
		b->lineno[b->n] = bp_reader_lineno(in);
		bp_buf_add(&b->text, line, len);
		bp_buf_addc(&b->text, '\0');
		b->n++;
	}
	if (rc < 0)
		return -1;
	return b->n > 0;
}

static int
collides(struct scorer *s, const struct bp_row *row)
{
	if (bp_row_find(row, "score", &s->hscore) >= 0 ||
	    bp_row_find(row, "signal", &s->hsignal) >= 0)
		return 1;
	for (size_t i = 0; s->ncls && i < row->n; i++)
		if (strncmp(row->f[i].key, "score_", 6) == 0)
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

/* parse, read features, predict: the helper thread's part */
static void
block_score(struct scorer *s, struct block *b)
{
	size_t n = b->n, bad, k = s->k;
	enum bp_feat_problem why;
	char err[256];

	for (size_t i = 0; i < n; i++) {
		const char *line = b->text.s + b->off[i];
		int nulls;

		if (bp_row_parse(&s->row, line, b->len[i], err,
				 sizeof(err)) < 0) {
			block_fail(b, i, "%s:%ld: %s", s->name, b->lineno[i],
				   err);
			n = i;
			break;
		}
		b->collide[i] = (unsigned char)collides(s, &s->row);
		nulls = bp_featmap_fill(&s->fm, &s->row, b->x + i * k, &bad,
					&why);
		if (nulls < 0) {
			block_fail(b, i, "%s:%ld: '%s' %s", s->name,
				   b->lineno[i], bp_model_features(s->m)[bad],
				   why == BP_FEAT_ABSENT ?
				   "(a feature of the model) is missing" :
				   "is not a number");
			n = i;
			break;
		}
		b->state[i] = ROW_OK;
		if (nulls > 0 && !bp_model_handles_missing(s->m)) {
			size_t j = 0;

			while (j < k && !isnan(b->x[i * k + j]))
				j++;
			if (s->o->missing == BP_SCORER_MISSING_ERROR) {
				block_fail(b, i, "%s:%ld: '%s' is null and a %s "
					   "model cannot use nulls (see "
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
	}
	bp_model_predict_batch(s->m, b->x, n, b->out);
}

static void
append_num(struct bp_buf *b, const char *key, double v)
{
	char num[BP_FMT_BUFSZ];

	bp_buf_addf(b, ",\"%s\":", key);
	if (isfinite(v))
		bp_buf_add(b, num, bp_fmt_double(num, v));
	else
		bp_buf_add(b, "null", 4);
}

static int
emit_row(struct scorer *s, struct block *b, size_t i, struct bp_writer *w)
{
	const char *line = b->text.s + b->off[i], *end;
	const double *out = b->out + i * s->nout;
	int valid = b->state[i] == ROW_OK;
	double score = valid ? bp_model_score(s->m, out) : NAN;
	int sig = valid ? bp_scorer_signal(s->m, s->o, score) : 0;
	char err[256];

	if (!b->collide[i]) {
		end = line + b->len[i];
		while (end > line && end[-1] != '}')
			end--;
		bp_buf_reset(&s->tail);
		for (size_t c = 0; c < s->ncls; c++)
			append_num(&s->tail, s->cname[c], valid ? out[c] : NAN);
		append_num(&s->tail, "score", score);
		bp_buf_addf(&s->tail, ",\"signal\":%d}\n", sig);
		/* "{}" has no field to follow: no leading comma then */
		if (end - line >= 2 && !is_blank(line + 1,
						   (size_t)(end - line - 2))) {
			if (bp_writer_write(w, line, (size_t)(end - 1 - line)) < 0)
				return -1;
			return bp_writer_write(w, s->tail.s, s->tail.len);
		}
	}
	if (bp_row_parse(&s->wrow, line, b->len[i], err, sizeof(err)) < 0)
		return bp_error("%s:%ld: %s", s->name, b->lineno[i], err);
	bp_writer_begin(w);
	for (size_t f = 0; f < s->wrow.n; f++) {
		const char *key = s->wrow.f[f].key;

		if (strcmp(key, "score") && strcmp(key, "signal") &&
		    (!s->ncls || strncmp(key, "score_", 6)))
			bp_writer_copy_field(w, &s->wrow, f);
	}
	for (size_t c = 0; c < s->ncls; c++)
		bp_writer_num(w, s->cname[c], valid ? out[c] : NAN);
	bp_writer_num(w, "score", score);
	bp_writer_int(w, "signal", sig);
	return bp_writer_end(w);
}

/* write the block's rows; report its error when it has one */
static int
block_emit(struct scorer *s, struct block *b, struct bp_writer *w,
	   uint64_t *rows)
{
	size_t n = b->err ? b->err_row : b->n;

	for (size_t i = 0; i < n; i++) {
		if (b->state[i] == ROW_SKIP)
			continue;
		if (emit_row(s, b, i, w) < 0)
			return -1;
		(*rows)++;
		if (s->o->progress)
			bp_progress_tick(s->o->progress);
	}
	if (b->err)
		return bp_error("%s", b->msg);
	return 0;
}

/* ---- the helper thread -------------------------------------------------- */

struct helper {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct scorer *s;
	struct block *job;	/* to score; NULL: idle */
	int busy, quit;
};

static void *
helper_main(void *arg)
{
	struct helper *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		struct block *b;

		while (!h->job && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->quit)
			break;
		b = h->job;
		pthread_mutex_unlock(&h->mu);
		block_score(h->s, b);
		pthread_mutex_lock(&h->mu);
		h->job = NULL;
		h->busy = 0;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void
helper_submit(struct helper *h, struct block *b)
{
	pthread_mutex_lock(&h->mu);
	h->job = b;
	h->busy = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void
helper_wait(struct helper *h)
{
	pthread_mutex_lock(&h->mu);
	while (h->busy)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

int
bp_scorer_run(const struct bp_model *m, const struct bp_scorer_opts *o,
	      struct bp_reader *in, struct bp_writer *out, uint64_t *rows_out)
{
	struct scorer s;
	struct block blk[2];
	struct helper h, *hp = NULL;
	const double *cls;
	uint64_t rows = 0;
	int rc = 0, more, cur = 0;

	memset(&s, 0, sizeof(s));
	s.m = m;
	s.o = o;
	s.name = bp_reader_name(in);
	s.k = bp_model_nfeatures(m);
	s.nout = bp_model_noutputs(m);
	s.ncls = bp_model_classes(m, &cls);
	s.cname = bp_xcalloc(s.ncls ? s.ncls : 1, sizeof(*s.cname));
	for (size_t c = 0; c < s.ncls; c++)
		class_name(s.cname[c], cls[c]);
	s.hscore = s.hsignal = -1;
	bp_featmap_init(&s.fm, bp_model_features(m), s.k);
	block_init(&blk[0], s.k, s.nout);
	block_init(&blk[1], s.k, s.nout);
	if (o->threads > 1) {
		memset(&h, 0, sizeof(h));
		h.s = &s;
		pthread_mutex_init(&h.mu, NULL);
		pthread_cond_init(&h.cv, NULL);
		if (pthread_create(&h.th, NULL, helper_main, &h) == 0)
			hp = &h;
	}

	more = block_read(&blk[cur], in);
	if (more > 0) {
		if (hp)
			helper_submit(hp, &blk[cur]);
		else
			block_score(&s, &blk[cur]);
	}
	while (more > 0) {
		int nxt = !cur, next_more;

		/* read the next block while the helper scores this one */
		next_more = blk[cur].err ? 0 : block_read(&blk[nxt], in);
		if (hp)
			helper_wait(hp);
		if (blk[cur].err)
			next_more = 0;
		if (next_more > 0) {
			if (hp)
				helper_submit(hp, &blk[nxt]);
			else
				block_score(&s, &blk[nxt]);
		}
		if (block_emit(&s, &blk[cur], out, &rows) < 0 || next_more < 0) {
			rc = -1;
			break;
		}
		more = next_more;
		cur = nxt;
	}
	if (more < 0)
		rc = -1;
	if (hp) {
		helper_wait(hp);
		pthread_mutex_lock(&h.mu);
		h.quit = 1;
		pthread_cond_broadcast(&h.cv);
		pthread_mutex_unlock(&h.mu);
		pthread_join(h.th, NULL);
		pthread_mutex_destroy(&h.mu);
		pthread_cond_destroy(&h.cv);
	}
	block_release(&blk[0]);
	block_release(&blk[1]);
	bp_featmap_release(&s.fm);
	bp_row_release(&s.row);
	bp_row_release(&s.wrow);
	bp_buf_release(&s.tail);
	free(s.cname);
	if (rows_out)
		*rows_out = rows;
	return rc;
}
