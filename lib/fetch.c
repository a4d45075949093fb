/*
 * fetch: the bp-fetch commands (read, check, write; the cache views).
 * See fetch.h.
 */
#include "fetch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bars.h"
#include "cli.h"
#include "jsonout.h"
#include "store.h"
#include "stream.h"
#include "util.h"

void
bp_fetch_opts_init(struct bp_fetch_opts *o, const struct bp_exchange *ex)
{
	struct bp_http_opts http = BP_HTTP_OPTS_INIT;

	memset(o, 0, sizeof(*o));
	o->batch = 5000;
	if ((o->ex = ex)) {
		o->http = http;
		o->http.min_interval_ms = ex->min_interval_ms;
		o->req.limit = ex->max_limit;
	}
}

static struct bp_writer *
open_out(const struct bp_fetch_opts *o)
{
	return bp_writer_open(o->out, o->plain ? BP_WRITER_PLAIN
					       : BP_WRITER_AUTO);
}

/*
 * Write the checked bars of t, and upsert them into the cache with
 * o->store (in transactions of o->batch bars).  Returns 0 or -1.
 */
static int
write_bars(const struct bp_fetch_opts *o, const struct bp_csv_table *t,
	   const struct bp_validate *v)
{
	struct bp_writer *w = NULL;
	struct bp_store *s = NULL;
	struct bp_bars_upsert *up = NULL;
	struct bp_progress prog;
	int extra[BP_COL_N] = { 0 }, rc = -1;
	char tf[BP_TS_BUFSZ];

	for (size_t f = 0; f < t->nfiles && o->extra; f++)
		for (int c = BP_COL_NBAR; c < BP_COL_N; c++)
			extra[c] |= t->files[f].has[c];
	if (o->store) {
		if (!v->timeframe) {
			bp_error("cannot tell the timeframe of fewer than two "
				 "bars: give --timeframe");
			goto out;
		}
		bp_ts_format_duration(tf, v->timeframe);
		if (!(s = bp_store_open(o->db, 0)) ||
		    !(up = bp_bars_upsert_new(s, o->symbol, tf,
					      (size_t)o->batch)))
			goto out;
	}
	if (!(w = open_out(o)))
		goto out;
	bp_progress_init(&prog);
	prog.total = t->n;
	for (size_t i = 0; i < t->n; i++) {
		const struct bp_csv_row *r = &t->rows[i];
		struct bp_bar b = { r->ts, r->v[0], r->v[1], r->v[2], r->v[3],
				    r->v[4] };

		bp_bars_put(w, o->symbol, &b);
		for (int c = BP_COL_NBAR; c < BP_COL_N; c++)
			if (extra[c])
				bp_writer_num(w, bp_csv_col_names[c], r->v[c]);
		if (bp_writer_end(w) < 0 ||
		    (up && bp_bars_upsert_add(up, &b) < 0))
			goto out;
		bp_progress_tick(&prog);
	}
	bp_progress_done(&prog);
	if ((up && bp_bars_upsert_finish(&up) < 0) || bp_writer_close(&w) < 0)
		goto out;
	if (o->store)
		bp_info(2, "stored %zu bars of %s %s in '%s'", t->n, o->symbol,
			tf, bp_store_path(s));
	rc = 0;
out:
	bp_bars_upsert_abort(&up);
	bp_writer_abort(&w);
	bp_store_free(&s);
	return rc;
}

/* Read every input (none: stdin) into t, then check it into v. */
static int
read_csv(const struct bp_fetch_opts *o, int collect, struct bp_csv_table *t,
	 struct bp_validate *v)
{
	struct bp_validate_opts val = o->val;

	val.collect = collect;
	for (size_t i = 0; i < (o->nfiles ? o->nfiles : 1); i++)
		if (bp_csv_read(t, o->nfiles ? o->files[i] : "-", &o->csv) < 0)
			return -1;
	return bp_validate_run(v, t, &val);
}

int
bp_fetch_csv(const struct bp_fetch_opts *o)
{
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	struct bp_validate v = BP_VALIDATE_INIT;
	int rc = -1;

	if (read_csv(o, 0, &t, &v) == 0) {
		bp_validate_report(&v);
		rc = write_bars(o, &t, &v);
	}
	bp_validate_release(&v);
	bp_csv_table_release(&t);
	return rc;
}

int
bp_fetch_validate(const struct bp_fetch_opts *o)
{
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	struct bp_validate v = BP_VALIDATE_INIT;
	json_t *doc;
	int rc = -1;

	if (read_csv(o, 1, &t, &v) < 0)
		goto out;
	if (bp_verbosity >= 2)
		bp_validate_report(&v);
	doc = bp_validate_summary(&v, o->symbol);
	if (bp_json_write_file(o->out ? o->out : "-", doc,
			       BP_JSON_INDENT) == 0)
		rc = !v.ok;
	json_decref(doc);
out:
	bp_validate_release(&v);
	bp_csv_table_release(&t);
	return rc;
}

/* --since cache: resume r after the last cached bar.  0 or -1. */
static int
since_cache(const struct bp_fetch_opts *o, struct bp_exchange_req *r)
{
	struct bp_store *s = bp_store_open(o->db, 0);
	int64_t last;
	char ts[BP_TS_BUFSZ];
	int found, rc = -1;

	if (!s || (found = bp_bars_last(s, o->symbol, o->timeframe,
					&last)) < 0)
		goto out;
	if (!found) {
		bp_error("no bars of %s %s in '%s' to resume after: fetch a "
			 "first range with --since <time> --store", o->symbol,
			 o->timeframe, bp_store_path(s));
		goto out;
	}
	bp_ts_format(ts, last);
	bp_info(2, "resuming after the cached bar of %s", ts);
	r->since = last + 1;
	r->has_since = 1;
	rc = 0;
out:
	bp_store_free(&s);
	return rc;
}

int
bp_fetch_exchange(const struct bp_fetch_opts *opts)
{
	struct bp_fetch_opts x = *opts, *o = &x;
	struct bp_exchange_req *req = &x.req;
	struct bp_csv_table t = BP_CSV_TABLE_INIT;
	struct bp_validate v = BP_VALIDATE_INIT;
	struct bp_http *h = NULL;
	char *url = bp_exchange_base_url(o->ex, req->base_url);
	int rc = -1;

	req->base_url = url;
	req->symbol = o->symbol;
	req->since = o->since;
	req->until = o->until;
	req->has_since = o->has_since;
	req->has_until = o->has_until;
	o->val.timeframe = req->tf;
	bp_ts_format_duration(o->timeframe, req->tf);
	o->batch = req->limit;	/* one transaction per page of bars */
	if (o->since_cache && since_cache(o, req) < 0)
		goto out;
	/* the cache already reaches --until: nothing to ask for */
	if (!(req->has_until && req->since > req->until) &&
	    (!(h = bp_http_new(&o->http)) ||
	     bp_exchange_fetch(o->ex, req, h, &t) < 0))
		goto out;
	if (bp_validate_run(&v, &t, &o->val) < 0)
		goto out;
	bp_validate_report(&v);
	if (v.bars == 0 && o->since_cache)
		bp_info(2, "no new bars of %s %s", o->symbol, o->timeframe);
	else if (v.bars == 0)
		bp_warn("no bars of %s %s from %s in that range", o->symbol,
			o->timeframe, o->ex->name);
	rc = write_bars(o, &t, &v);
out:
	bp_http_free(&h);
	bp_validate_release(&v);
	bp_csv_table_release(&t);
	free(url);
	return rc;
}

int
bp_fetch_resample(const struct bp_fetch_opts *o)
{
	struct bp_writer *w = NULL;
	struct bp_reader *r = NULL;
	int rc = -1;

	if (!(r = bp_reader_open(o->nfiles ? o->files[0] : "-")) ||
	    !(w = open_out(o)))
		goto out;
	if (bp_resample_stream(&o->rs, r, w) == 0 && bp_writer_close(&w) == 0)
		rc = 0;
out:
	bp_writer_abort(&w);
	bp_reader_free(&r);
	return rc;
}

int
bp_fetch_db(const struct bp_fetch_opts *o)
{
	struct bp_store *s = NULL;
	struct bp_writer *w = NULL;
	struct bp_bars_query q = { o->symbol, o->timeframe, o->since,
				   o->until, o->has_since, o->has_until,
				   o->last };
	long n;
	int rc = -1;

	if (!(s = bp_store_open(o->db, 0)) || !(w = open_out(o)))
		goto out;
	if (o->list) {
		if (bp_bars_write_list(s, w) < 0)
			goto out;
	} else {
		if ((n = bp_bars_write(s, &q, w)) < 0)
			goto out;
		if (n == 0)
			bp_warn("no bars of %s %s in '%s'", o->symbol,
				o->timeframe, bp_store_path(s));
	}
	if (bp_writer_close(&w) == 0)
		rc = 0;
out:
	bp_writer_abort(&w);
	bp_store_free(&s);
	return rc;
}

int
bp_fetch_prune(const struct bp_fetch_opts *o)
{
	struct bp_store *s = bp_store_open(o->db, 0);
	int64_t before = o->has_before ? o->before
				       : (int64_t)time(NULL) * 1000 -
						 o->older_than;
	const char *tf = o->timeframe[0] ? o->timeframe : NULL;
	long n;
	char ts[BP_TS_BUFSZ];
	json_t *doc;
	int rc = -1;

	if (!s)
		return -1;
	if ((n = bp_bars_prune(s, before, o->symbol, tf)) >= 0) {
		bp_ts_format(ts, before);
		bp_info(2, "deleted %ld bars opened before %s", n, ts);
		doc = json_pack("{s:i, s:s, s:s?, s:s?}", "deleted",
				(json_int_t)n, "before", ts, "symbol",
				o->symbol, "timeframe", tf);
		if (bp_json_write_file(o->out ? o->out : "-", doc, 0) == 0)
			rc = 0;
		json_decref(doc);
	}
	bp_store_free(&s);
	return rc;
}
