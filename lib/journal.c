/* journal: experiments, runs, insights (FTS5) and tasks in the store. */
#include "journal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "jsonout.h"
#include "util.h"

/* ---- rows to JSON ---- */

static int
is_json_column(const char *name)
{
	static const char *const cols[] = {
		"argv", "result", "spec", "features", "params", "metrics",
		NULL,
	};

	for (int i = 0; cols[i]; i++)
		if (!strcmp(name, cols[i]))
			return 1;
	return 0;
}

static json_t *
column_value(sqlite3_stmt *st, int i)
{
	const char *name = sqlite3_column_name(st, i);
	const char *text;
	json_t *v;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return bp_json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	default:
		text = (const char *)sqlite3_column_text(st, i);
		if (is_json_column(name)) {
			v = json_loads(text, JSON_DECODE_ANY, NULL);
			if (v)
				return v;
		}
		return json_string(text ? text : "");
	}
}

static json_t *
row_object(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++)
		json_object_set_new(o, sqlite3_column_name(st, i),
				    column_value(st, i));
	return o;
}

/* All rows of a prepared, bound statement as an array; NULL on error. */
static json_t *
rows_array(struct bp_store *s, sqlite3_stmt *st)
{
	json_t *a = json_array();
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, row_object(st));
	if (rc != SQLITE_DONE) {
		bp_store_error(s, "cannot read the journal");
		json_decref(a);
		a = NULL;
	}
	sqlite3_finalize(st);
	return a;
}

/* The one row of a statement; NULL with *missing when there is none. */
static json_t *
one_row(struct bp_store *s, sqlite3_stmt *st, int *missing)
{
	json_t *a = rows_array(s, st);
	json_t *o = NULL;

	if (missing)
		*missing = 0;
	if (!a)
		return NULL;
	if (json_array_size(a) == 0) {
		if (missing)
			*missing = 1;
	} else {
		o = json_incref(json_array_get(a, 0));
	}
	json_decref(a);
	return o;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* Step a write statement to completion and finalize it. */
static int
done(struct bp_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return bp_store_error(s, what);
	return 0;
}

json_t *
bp_journal_query(struct bp_store *s, const char *sql,
		 const char *const *args, size_t nargs)
{
	sqlite3_stmt *st = bp_store_prepare(s, sql);

	if (!st)
		return NULL;
	for (size_t i = 0; i < nargs; i++)
		bind_text(st, (int)i + 1, args[i]);
	return rows_array(s, st);
}

/* ---- runs ---- */

int
bp_journal_run_start(struct bp_store *s, const struct bp_journal_run *r,
		     int64_t *id)
{
	sqlite3_stmt *st;
	char now[32];

	st = bp_store_prepare(s, "INSERT INTO runs (tool, source, argv, "
				 "command, input_hash, started_at, "
				 "experiment_id, result) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	bp_store_now(now);
	bind_text(st, 1, r->tool);
	bind_text(st, 2, r->source ? r->source : "shell");
	bind_text(st, 3, r->argv ? r->argv : "[]");
	bind_text(st, 4, r->command);
	bind_text(st, 5, r->input_hash);
	bind_text(st, 6, now);
	bind_id(st, 7, r->experiment_id);
	bind_text(st, 8, r->result);
	if (done(s, st, "cannot record the run") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(bp_store_db(s));
	return 0;
}

int
bp_journal_run_finish(struct bp_store *s, int64_t id, int exit_code,
		      double duration_s, const char *output_hash,
		      const char *result)
{
	sqlite3_stmt *st;

	st = bp_store_prepare(s, "UPDATE runs SET exit_code = ?, "
				 "duration_s = ?, output_hash = ?, "
				 "result = coalesce(?, result) WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, exit_code);
	sqlite3_bind_double(st, 2, duration_s);
	bind_text(st, 3, output_hash);
	bind_text(st, 4, result);
	sqlite3_bind_int64(st, 5, id);
	return done(s, st, "cannot record the run");
}

json_t *
bp_journal_run_get(struct bp_store *s, int64_t id, int *missing)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT * FROM runs "
					       "WHERE id = ?");

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	return one_row(s, st, missing);
}

json_t *
bp_journal_run_list(struct bp_store *s, const char *tool, int limit)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT * FROM runs WHERE "
					       "(?1 IS NULL OR tool = ?1) "
					       "ORDER BY id DESC LIMIT ?2");

	if (!st)
		return NULL;
	bind_text(st, 1, tool);
	sqlite3_bind_int(st, 2, limit);
	return rows_array(s, st);
}

/* ---- experiments ---- */

int
bp_journal_experiment_create(struct bp_store *s, const char *name,
			     const char *hypothesis, const char *spec,
			     const char *notes, int64_t *id)
{
	sqlite3_stmt *st;
	char now[32];

	st = bp_store_prepare(s, "INSERT INTO experiments (name, "
				 "hypothesis, spec, notes, created_at) "
				 "VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	bp_store_now(now);
	bind_text(st, 1, name);
	bind_text(st, 2, hypothesis);
	bind_text(st, 3, spec);
	bind_text(st, 4, notes);
	bind_text(st, 5, now);
	if (done(s, st, "cannot record the experiment") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(bp_store_db(s));
	return 0;
}

int
bp_journal_experiment_update(struct bp_store *s, int64_t id,
			     const char *status, const char *notes)
{
	sqlite3_stmt *st;

	st = bp_store_prepare(s, "UPDATE experiments SET "
				 "status = coalesce(?1, status), "
				 "notes = CASE WHEN ?2 IS NULL THEN notes "
				 "WHEN notes IS NULL OR notes = '' THEN ?2 "
				 "ELSE notes || char(10) || ?2 END "
				 "WHERE id = ?3");
	if (!st)
		return -1;
	bind_text(st, 1, status);
	bind_text(st, 2, notes);
	sqlite3_bind_int64(st, 3, id);
	if (done(s, st, "cannot update the experiment") < 0)
		return -1;
	if (sqlite3_changes(bp_store_db(s)) == 0)
		return bp_error("no experiment %lld", (long long)id);
	return 0;
}

json_t *
bp_journal_experiment_get(struct bp_store *s, int64_t id, int *missing)
{
	sqlite3_stmt *st;
	json_t *e, *a;

	st = bp_store_prepare(s, "SELECT * FROM experiments WHERE id = ?");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	e = one_row(s, st, missing);
	if (!e)
		return NULL;
	st = bp_store_prepare(s, "SELECT id, tool, source, command, "
				 "exit_code, duration_s, started_at "
				 "FROM runs WHERE experiment_id = ? "
				 "ORDER BY id DESC LIMIT 50");
	if (!st || (sqlite3_bind_int64(st, 1, id), !(a = rows_array(s, st))))
		goto fail;
	json_object_set_new(e, "runs", a);
	st = bp_store_prepare(s, "SELECT id, category, content, tags, "
				 "importance, created_at FROM insights "
				 "WHERE experiment_id = ? ORDER BY id");
	if (!st || (sqlite3_bind_int64(st, 1, id), !(a = rows_array(s, st))))
		goto fail;
	json_object_set_new(e, "insights", a);
	return e;
fail:
	json_decref(e);
	return NULL;
}

json_t *
bp_journal_experiment_list(struct bp_store *s, const char *status, int limit)
{
	sqlite3_stmt *st;

	st = bp_store_prepare(s, "SELECT e.*, (SELECT count(*) FROM runs r "
				 "WHERE r.experiment_id = e.id) AS runs, "
				 "(SELECT count(*) FROM insights i "
				 "WHERE i.experiment_id = e.id) AS insights "
				 "FROM experiments e "
				 "WHERE (?1 IS NULL OR status = ?1) "
				 "ORDER BY id DESC LIMIT ?2");
	if (!st)
		return NULL;
	bind_text(st, 1, status);
	sqlite3_bind_int(st, 2, limit);
	return rows_array(s, st);
}

/* ---- insights ---- */

int
bp_journal_insight_add(struct bp_store *s, const char *category,
		       const char *content, const char *tags, int importance,
		       int64_t experiment_id, int64_t *id)
{
	sqlite3_stmt *st;
	char now[32];

	st = bp_store_prepare(s, "INSERT INTO insights (category, content, "
				 "tags, importance, experiment_id, "
				 "created_at) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	bp_store_now(now);
	bind_text(st, 1, category);
	bind_text(st, 2, content);
	bind_text(st, 3, tags ? tags : "");
	sqlite3_bind_int(st, 4, importance);
	bind_id(st, 5, experiment_id);
	bind_text(st, 6, now);
	if (done(s, st, "cannot record the insight") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(bp_store_db(s));
	return 0;
}

/*
 * Free text to an FTS5 query: every run of letters, digits, '_' or
 * non-ASCII bytes becomes a quoted term ("rsi" "14"), joined by AND or
 * OR.  Quoting makes any input a valid query (no operators, columns or
 * syntax errors).  Empty when there are no words.
 */
static void
fts_query(struct bp_buf *q, const char *text, int match_any)
{
	const unsigned char *p = (const unsigned char *)text;
	int n = 0;

	while (*p) {
		const unsigned char *w;

		while (*p && !(isalnum(*p) || *p == '_' || *p >= 0x80))
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && (isalnum(*p) || *p == '_' || *p >= 0x80))
			p++;
		if (n++)
			bp_buf_adds(q, match_any ? " OR " : " AND ");
		bp_buf_addc(q, '"');
		bp_buf_add(q, w, (size_t)(p - w));
		bp_buf_addc(q, '"');
	}
}

json_t *
bp_journal_insight_search(struct bp_store *s, const char *query,
			  int match_any, const char *category,
			  int min_importance, int limit)
{
	struct bp_buf q = BP_BUF_INIT;
	sqlite3_stmt *st;

	fts_query(&q, query ? query : "", match_any);
	if (q.len)
		st = bp_store_prepare(
			s, "SELECT i.id, i.category, i.content, i.tags, "
			   "i.importance, i.experiment_id, i.created_at, "
			   "round(bm25(insights_fts), 6) AS rank "
			   "FROM insights_fts JOIN insights i "
			   "ON i.id = insights_fts.rowid "
			   "WHERE insights_fts MATCH ?1 "
			   "AND (?2 IS NULL OR i.category = ?2) "
			   "AND i.importance >= ?3 "
			   "ORDER BY rank, i.importance DESC, i.id DESC "
			   "LIMIT ?4");
	else
		st = bp_store_prepare(
			s, "SELECT id, category, content, tags, importance, "
			   "experiment_id, created_at, NULL AS rank "
			   "FROM insights WHERE ?1 IS NULL "
			   "AND (?2 IS NULL OR category = ?2) "
			   "AND importance >= ?3 "
			   "ORDER BY importance DESC, id DESC LIMIT ?4");
	if (!st) {
		bp_buf_release(&q);
		return NULL;
	}
	bind_text(st, 1, q.len ? q.s : NULL);
	bind_text(st, 2, category);
	sqlite3_bind_int(st, 3, min_importance);
	sqlite3_bind_int(st, 4, limit);
	bp_buf_release(&q);
	return rows_array(s, st);
}

/* ---- tasks ---- */

int
bp_journal_task_create(struct bp_store *s, const char *id, const char *tool,
		       const char *command)
{
	sqlite3_stmt *st;
	char now[32];

	st = bp_store_prepare(s, "INSERT INTO tasks (id, tool, status, "
				 "command, created_at, progress) "
				 "VALUES (?, ?, 'queued', ?, ?, 0)");
	if (!st)
		return -1;
	bp_store_now(now);
	bind_text(st, 1, id);
	bind_text(st, 2, tool);
	bind_text(st, 3, command);
	bind_text(st, 4, now);
	return done(s, st, "cannot record the task");
}

int
bp_journal_task_running(struct bp_store *s, const char *id, long pid)
{
	sqlite3_stmt *st;
	char now[32];

	st = bp_store_prepare(s, "UPDATE tasks SET status = 'running', "
				 "pid = ?, started_at = ? WHERE id = ?");
	if (!st)
		return -1;
	bp_store_now(now);
	sqlite3_bind_int64(st, 1, pid);
	bind_text(st, 2, now);
	bind_text(st, 3, id);
	return done(s, st, "cannot record the task");
}

int
bp_journal_task_progress(struct bp_store *s, const char *id, double progress,
			 const char *message)
{
	sqlite3_stmt *st;

	st = bp_store_prepare(s, "UPDATE tasks SET progress = ?1, "
				 "result = CASE WHEN ?2 IS NULL THEN result "
				 "ELSE json_object('message', ?2) END "
				 "WHERE id = ?3 AND status = 'running'");
	if (!st)
		return -1;
	sqlite3_bind_double(st, 1, progress);
	bind_text(st, 2, message);
	bind_text(st, 3, id);
	return done(s, st, "cannot record the task");
}

int
bp_journal_task_finish(struct bp_store *s, const char *id, const char *status,
		       const char *result, const char *error)
{
	sqlite3_stmt *st;
	char now[32];

	st = bp_store_prepare(s, "UPDATE tasks SET status = ?1, "
				 "finished_at = ?2, result = coalesce(?3, "
				 "result), error = ?4, progress = CASE WHEN "
				 "?1 = 'done' THEN 1 ELSE progress END "
				 "WHERE id = ?5");
	if (!st)
		return -1;
	bp_store_now(now);
	bind_text(st, 1, status);
	bind_text(st, 2, now);
	bind_text(st, 3, result);
	bind_text(st, 4, error);
	bind_text(st, 5, id);
	return done(s, st, "cannot record the task");
}

json_t *
bp_journal_task_get(struct bp_store *s, const char *id, int *missing)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT * FROM tasks "
					       "WHERE id = ?");

	if (!st)
		return NULL;
	bind_text(st, 1, id);
	return one_row(s, st, missing);
}

json_t *
bp_journal_task_list(struct bp_store *s, const char *status, int limit)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT * FROM tasks WHERE "
					       "(?1 IS NULL OR status = ?1) "
					       "ORDER BY created_at DESC, "
					       "rowid DESC LIMIT ?2");

	if (!st)
		return NULL;
	bind_text(st, 1, status);
	sqlite3_bind_int(st, 2, limit);
	return rows_array(s, st);
}

int
bp_journal_task_reap_stale(struct bp_store *s)
{
	sqlite3_stmt *st;
	json_t *a;
	size_t i;
	int n = 0;

	st = bp_store_prepare(s, "SELECT id, pid, status FROM tasks "
				 "WHERE status IN ('queued', 'running')");
	if (!st || !(a = rows_array(s, st)))
		return -1;
	for (i = 0; i < json_array_size(a); i++) {
		json_t *t = json_array_get(a, i);
		json_int_t pid = json_integer_value(json_object_get(t, "pid"));

		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		if (bp_journal_task_finish(
			    s, json_string_value(json_object_get(t, "id")),
			    "failed", NULL,
			    "lost: the bp-mcp that ran it has exited") < 0) {
			json_decref(a);
			return -1;
		}
		n++;
	}
	json_decref(a);
	return n;
}

/* ---- SHA-256 (FIPS 180-4) ---- */

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t
ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void
sha256_block(struct sha256 *c, const unsigned char *p)
{
	uint32_t w[64], a, b, d, e, f, g, h, cc, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		     ((a & b) ^ (a & cc) ^ (b & cc));
		h = g, g = f, f = e, e = d + t1;
		d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
	c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

static void
sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, h0, sizeof(h0));
	c->len = 0;
	c->n = 0;
}

static void
sha256_add(struct sha256 *c, const unsigned char *p, size_t n)
{
	c->len += n;
	while (n > 0) {
		size_t k = 64 - c->n < n ? 64 - c->n : n;

		memcpy(c->buf + c->n, p, k);
		c->n += k, p += k, n -= k;
		if (c->n == 64) {
			sha256_block(c, c->buf);
			c->n = 0;
		}
	}
}

static void
sha256_hex(struct sha256 *c, char out[65])
{
	uint64_t bits = c->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padn = (c->n < 56 ? 56 : 120) - c->n;

	for (int i = 0; i < 8; i++)
		pad[padn + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_add(c, pad, padn + 8);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", c->h[i]);
}

int
bp_journal_hash_path(const char *path, char out[65])
{
	unsigned char buf[65536];
	struct sha256 c;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return bp_error_errno("cannot open '%s'", path);
	sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return bp_error_errno("cannot read '%s'", path);
		}
		sha256_add(&c, buf, (size_t)n);
	}
	close(fd);
	sha256_hex(&c, out);
	return 0;
}
