/*
 * bars: bar rows in streams, and the `bars` table (upsert in batches,
 * query in time order, list, prune).  See bars.h.
 */
#include "bars.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "util.h"

void
bp_bars_put(struct bp_writer *w, const char *symbol, const struct bp_bar *b)
{
	bp_writer_begin(w);
	bp_writer_ts(w, "ts", b->ts);
	bp_writer_str(w, "symbol", symbol);
	bp_writer_num(w, "open", b->open);
	bp_writer_num(w, "high", b->high);
	bp_writer_num(w, "low", b->low);
	bp_writer_num(w, "close", b->close);
	bp_writer_num(w, "volume", b->volume);
}

int
bp_bars_get(const struct bp_row *row, int *hints, struct bp_bar *b,
	    const char **symbol, size_t *symlen, char *err, size_t errlen)
{
	static const char *const keys[] = { "open", "high", "low", "close",
					    "volume" };
	double *dst[] = { &b->open, &b->high, &b->low, &b->close, &b->volume };
	const struct bp_field *f;
	int i;
	double x;

	if ((i = bp_row_find(row, "ts", &hints[0])) < 0) {
		snprintf(err, errlen, "no 'ts' field");
		return -1;
	}
	f = &row->f[i];
	if (!(f->type == BP_STR && bp_ts_parse(f->str, f->len, &b->ts) == 0) &&
	    !(f->type == BP_NUM && bp_field_num(f, &x) == 0 &&
	      bp_ts_from_epoch(x, &b->ts) == 0)) {
		snprintf(err, errlen, "'ts' is not a time");
		return -1;
	}
	if ((i = bp_row_find(row, "symbol", &hints[1])) < 0 ||
	    row->f[i].type != BP_STR) {
		snprintf(err, errlen, "'symbol' is %s",
			 i < 0 ? "missing" : "not a string");
		return -1;
	}
	*symbol = row->f[i].str;
	*symlen = row->f[i].len;
	for (int k = 0; k < 5; k++) {
		int rc = bp_row_num(row, keys[k], &hints[2 + k], dst[k]);

		if (rc != 0) {
			snprintf(err, errlen, "'%s' is %s", keys[k],
				 rc > 0 ? "missing or null" : "not a number");
			return -1;
		}
	}
	return 0;
}

/* ---- upsert ----------------------------------------------------------- */

struct bp_bars_upsert {
	struct bp_store *s;
	sqlite3_stmt *st;
	char *symbol, *timeframe;
	size_t batch, pending;
	uint64_t committed;
	int open;		/* a transaction is open */
};

static const char upsert_sql[] =
	"INSERT INTO bars (symbol, timeframe, ts, open, high, low, close, "
	"volume) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	"ON CONFLICT (symbol, timeframe, ts) DO UPDATE SET "
	"open = excluded.open, high = excluded.high, low = excluded.low, "
	"close = excluded.close, volume = excluded.volume";

struct bp_bars_upsert *
bp_bars_upsert_new(struct bp_store *s, const char *symbol,
		   const char *timeframe, size_t batch)
{
	struct bp_bars_upsert *u;
	sqlite3_stmt *st = bp_store_prepare(s, upsert_sql);

	if (!st)
		return NULL;
	u = bp_xcalloc(1, sizeof(*u));
	u->s = s;
	u->st = st;
	u->symbol = bp_xstrdup(symbol);
	u->timeframe = bp_xstrdup(timeframe);
	u->batch = batch ? batch : 1;
	return u;
}

static int
commit(struct bp_bars_upsert *u)
{
	if (!u->open)
		return 0;
	if (bp_store_commit(u->s) < 0) {
		bp_store_rollback(u->s);
		u->open = 0;
		return -1;
	}
	u->open = 0;
	u->committed += u->pending;
	u->pending = 0;
	return 0;
}

int
bp_bars_upsert_add(struct bp_bars_upsert *u, const struct bp_bar *b)
{
	const double v[] = { b->open, b->high, b->low, b->close, b->volume };
	sqlite3_stmt *st = u->st;
	char ts[BP_TS_BUFSZ];

	for (int k = 0; k < 5; k++)
		if (!isfinite(v[k])) {
			bp_ts_format(ts, b->ts);
			bp_error("cannot store the %s bar of %s: a value is "
				 "missing", ts, u->symbol);
			goto fail;
		}
	if (!u->open) {
		if (bp_store_begin(u->s) < 0)
			return -1;
		u->open = 1;
	}
	sqlite3_bind_text(st, 1, u->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->timeframe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, b->ts);
	for (int k = 0; k < 5; k++)
		sqlite3_bind_double(st, 4 + k, v[k]);
	if (sqlite3_step(st) != SQLITE_DONE) {
		bp_store_error(u->s, "cannot store bars");
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	if (++u->pending >= u->batch)
		return commit(u);
	return 0;
fail:
	if (u->open)
		bp_store_rollback(u->s);
	u->open = 0;
	u->pending = 0;
	return -1;
}

int
bp_bars_upsert_finish(struct bp_bars_upsert **up)
{
	int rc = commit(*up);

	bp_bars_upsert_abort(up);
	return rc;
}

void
bp_bars_upsert_abort(struct bp_bars_upsert **up)
{
	struct bp_bars_upsert *u = *up;

	if (!u)
		return;
	if (u->open)
		bp_store_rollback(u->s);
	sqlite3_finalize(u->st);
	free(u->symbol);
	free(u->timeframe);
	free(u);
	*up = NULL;
}

uint64_t
bp_bars_upsert_committed(const struct bp_bars_upsert *u)
{
	return u->committed;
}

/* ---- query, list, prune ----------------------------------------------- */

int
bp_bars_query(struct bp_store *s, const struct bp_bars_query *q,
	      int (*fn)(const struct bp_bar *, void *), void *arg)
{
	struct bp_buf sql = BP_BUF_INIT;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (q->last > 0)
		bp_buf_adds(&sql, "SELECT * FROM (");
	bp_buf_adds(&sql, "SELECT ts, open, high, low, close, volume FROM bars "
			  "WHERE symbol = ?1 AND timeframe = ?2");
	if (q->has_since)
		bp_buf_adds(&sql, " AND ts >= ?3");
	if (q->has_until)
		bp_buf_adds(&sql, " AND ts <= ?4");
	if (q->last > 0)	/* the last N, then back in time order */
		bp_buf_adds(&sql, " ORDER BY ts DESC LIMIT ?5) ORDER BY ts");
	else
		bp_buf_adds(&sql, " ORDER BY ts");
	st = bp_store_prepare(s, sql.s);
	bp_buf_release(&sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, q->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->timeframe, -1, SQLITE_STATIC);
	if (q->has_since)
		sqlite3_bind_int64(st, 3, q->since);
	if (q->has_until)
		sqlite3_bind_int64(st, 4, q->until);
	if (q->last > 0)
		sqlite3_bind_int64(st, 5, q->last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct bp_bar b;

		b.ts = sqlite3_column_int64(st, 0);
		b.open = sqlite3_column_double(st, 1);
		b.high = sqlite3_column_double(st, 2);
		b.low = sqlite3_column_double(st, 3);
		b.close = sqlite3_column_double(st, 4);
		b.volume = sqlite3_column_double(st, 5);
		if ((ret = fn(&b, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = bp_store_error(s, "cannot read bars");
	sqlite3_finalize(st);
	return ret;
}

struct write_arg {
	struct bp_writer *w;
	const char *symbol;
	long n;
};

static int
write_bar(const struct bp_bar *b, void *arg)
{
	struct write_arg *a = arg;

	bp_bars_put(a->w, a->symbol, b);
	a->n++;
	return bp_writer_end(a->w);
}

long
bp_bars_write(struct bp_store *s, const struct bp_bars_query *q,
	      struct bp_writer *w)
{
	struct write_arg a = { w, q->symbol, 0 };

	return bp_bars_query(s, q, write_bar, &a) != 0 ? -1 : a.n;
}

static int
last_ts(const struct bp_bar *b, void *arg)
{
	*(int64_t *)arg = b->ts;
	return 0;
}

int
bp_bars_last(struct bp_store *s, const char *symbol, const char *timeframe,
	     int64_t *ts)
{
	struct bp_bars_query q = { symbol, timeframe, 0, 0, 0, 0, 1 };
	int64_t last = INT64_MIN;

	if (bp_bars_query(s, &q, last_ts, &last) < 0)
		return -1;
	if (last == INT64_MIN)
		return 0;
	*ts = last;
	return 1;
}

static long
count_gaps(struct bp_store *s, const char *symbol, const char *timeframe)
{
	sqlite3_stmt *st;
	int64_t tf;
	long n = -1;

	if (bp_ts_parse_duration(timeframe, &tf) < 0)
		return -1;
	st = bp_store_prepare(s, "SELECT count(*) FROM (SELECT ts - lag(ts) "
				 "OVER (ORDER BY ts) AS d FROM bars WHERE "
				 "symbol = ?1 AND timeframe = ?2) "
				 "WHERE d > ?3");
	if (!st)
		return -2;
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, timeframe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, tf);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		n = bp_store_error(s, "cannot count gaps") - 1;
	sqlite3_finalize(st);
	return n;
}

int
bp_bars_list(struct bp_store *s, struct bp_bars_info **out, size_t *n)
{
	sqlite3_stmt *st;
	struct bp_bars_info *info = NULL;
	size_t cnt = 0, alloc = 0;
	int rc;

	st = bp_store_prepare(s, "SELECT symbol, timeframe, min(ts), max(ts), "
				 "count(*) FROM bars GROUP BY symbol, "
				 "timeframe ORDER BY symbol, timeframe");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct bp_bars_info *e;

		BP_GROW(info, alloc, cnt + 1);
		e = &info[cnt++];
		e->symbol =
			bp_xstrdup((const char *)sqlite3_column_text(st, 0));
		e->timeframe =
			bp_xstrdup((const char *)sqlite3_column_text(st, 1));
		e->first = sqlite3_column_int64(st, 2);
		e->last = sqlite3_column_int64(st, 3);
		e->count = (long)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		bp_bars_info_free(info, cnt);
		return bp_store_error(s, "cannot list bars");
	}
	for (size_t i = 0; i < cnt; i++) {
		info[i].gaps = count_gaps(s, info[i].symbol, info[i].timeframe);
		if (info[i].gaps < -1) {
			bp_bars_info_free(info, cnt);
			return -1;
		}
	}
	*out = info;
	*n = cnt;
	return 0;
}

void
bp_bars_info_free(struct bp_bars_info *info, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(info[i].symbol);
		free(info[i].timeframe);
	}
	free(info);
}

int
bp_bars_write_list(struct bp_store *s, struct bp_writer *w)
{
	struct bp_bars_info *info = NULL;
	size_t n = 0;
	int rc = -1;

	if (bp_bars_list(s, &info, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bp_writer_begin(w);
		bp_writer_str(w, "symbol", info[i].symbol);
		bp_writer_str(w, "timeframe", info[i].timeframe);
		bp_writer_ts(w, "first", info[i].first);
		bp_writer_ts(w, "last", info[i].last);
		bp_writer_int(w, "count", info[i].count);
		if (info[i].gaps < 0)
			bp_writer_null(w, "gaps");
		else
			bp_writer_int(w, "gaps", info[i].gaps);
		if (bp_writer_end(w) < 0)
			goto out;
	}
	rc = 0;
out:
	bp_bars_info_free(info, n);
	return rc;
}

long
bp_bars_prune(struct bp_store *s, int64_t before, const char *symbol,
	      const char *timeframe)
{
	sqlite3_stmt *st;
	long n;

	if (bp_store_begin(s) < 0)
		return -1;
	st = bp_store_prepare(s, "DELETE FROM bars WHERE ts < ?1 AND "
				 "(?2 IS NULL OR symbol = ?2) AND "
				 "(?3 IS NULL OR timeframe = ?3)");
	if (!st) {
		bp_store_rollback(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, before);
	if (symbol)
		sqlite3_bind_text(st, 2, symbol, -1, SQLITE_STATIC);
	if (timeframe)
		sqlite3_bind_text(st, 3, timeframe, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		bp_store_error(s, "cannot delete bars");
		sqlite3_finalize(st);
		bp_store_rollback(s);
		return -1;
	}
	n = (long)sqlite3_changes(bp_store_db(s));
	sqlite3_finalize(st);
	if (bp_store_commit(s) < 0) {
		bp_store_rollback(s);
		return -1;
	}
	return n;
}
