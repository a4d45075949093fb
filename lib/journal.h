/*
 * journal: the research record in barpipe's database.
 *
 * Four tables (schema in store.c): `experiments` (a hypothesis and its
 * status), `runs` (every tool run or MCP call: its argv, the shell command
 * that reproduces it, input and output hashes, exit code, duration and a
 * JSON result summary), `insights` (what was learned, searchable through
 * the `insights_fts` FTS5 index) and `tasks` (long MCP jobs: status,
 * progress, result).  Every function takes an open store, returns 0 or a
 * new JSON value on success and -1 or NULL after reporting; "not found"
 * is reported as such.
 *
 * Results are JSON objects with the table's columns as keys, JSON columns
 * (argv, result, spec) decoded, and NULL columns as null.
 */
#ifndef BP_JOURNAL_H
#define BP_JOURNAL_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* A run as it starts; NULL strings and 0 ids are stored as NULL. */
struct bp_journal_run {
	const char *tool;
	const char *source;	/* shell, mcp, make */
	const char *argv;	/* JSON array text */
	const char *command;	/* reproducing shell line */
	const char *input_hash;
	int64_t experiment_id;
	const char *result;	/* JSON text, e.g. the arguments */
};

/* Insert a run (exit_code NULL until finished); sets *id. */
int bp_journal_run_start(struct bp_store *s, const struct bp_journal_run *r,
			 int64_t *id);
/*
 * Finish run id: exit code, duration, output hash (may be NULL) and the
 * JSON result summary (text, may be NULL to keep the one stored).
 */
int bp_journal_run_finish(struct bp_store *s, int64_t id, int exit_code,
			  double duration_s, const char *output_hash,
			  const char *result);
/* The run as an object; NULL when missing (*missing set) or on error. */
json_t *bp_journal_run_get(struct bp_store *s, int64_t id, int *missing);
/* The newest runs (limit), optionally of one tool; an array. */
json_t *bp_journal_run_list(struct bp_store *s, const char *tool, int limit);

int bp_journal_experiment_create(struct bp_store *s, const char *name,
				 const char *hypothesis, const char *spec,
				 const char *notes, int64_t *id);
/* Set status (open, running, concluded, abandoned) and/or append notes. */
int bp_journal_experiment_update(struct bp_store *s, int64_t id,
				 const char *status, const char *notes);
/*
 * The experiment with its runs (newest first, at most 50) and insights;
 * NULL when missing (*missing set) or on error.
 */
json_t *bp_journal_experiment_get(struct bp_store *s, int64_t id,
				  int *missing);
/* Experiments, newest first, optionally with one status; an array. */
json_t *bp_journal_experiment_list(struct bp_store *s, const char *status,
				   int limit);

int bp_journal_insight_add(struct bp_store *s, const char *category,
			   const char *content, const char *tags,
			   int importance, int64_t experiment_id,
			   int64_t *id);
/*
 * Full-text search of insights.  query is free text: its words are
 * searched as terms (all of them, or any with match_any), never as FTS5
 * syntax, so any text is a valid query.  category NULL = any,
 * min_importance 0 = any.  Best matches first (bm25); an array whose
 * items carry a "rank".  An empty query lists by importance and date.
 */
json_t *bp_journal_insight_search(struct bp_store *s, const char *query,
				  int match_any, const char *category,
				  int min_importance, int limit);

/* A new task, status "queued". */
int bp_journal_task_create(struct bp_store *s, const char *id,
			   const char *tool, const char *command);
int bp_journal_task_running(struct bp_store *s, const char *id, long pid);
/* progress in [0, 1]; message (may be NULL) is kept in result.message. */
int bp_journal_task_progress(struct bp_store *s, const char *id,
			     double progress, const char *message);
/* status: done, failed or cancelled; result JSON text and error text. */
int bp_journal_task_finish(struct bp_store *s, const char *id,
			   const char *status, const char *result,
			   const char *error);
json_t *bp_journal_task_get(struct bp_store *s, const char *id, int *missing);
json_t *bp_journal_task_list(struct bp_store *s, const char *status,
			     int limit);
/*
 * Tasks left "queued" or "running" by a bp-mcp that is gone (their
 * pipeline's pid no longer exists) become "failed".  Returns the number
 * changed, or -1.
 */
int bp_journal_task_reap_stale(struct bp_store *s);

/*
 * Rows of any query as an array of objects (JSON columns decoded: argv,
 * result, spec, features, params, metrics).  args are bound in order as
 * text (?1, ?2, ...).  NULL after reporting.
 */
json_t *bp_journal_query(struct bp_store *s, const char *sql,
			 const char *const *args, size_t nargs);

/*
 * SHA-256 of a regular file as 64 hex digits plus NUL.  Returns 0, or -1
 * after reporting.
 */
int bp_journal_hash_path(const char *path, char out[65]);

#endif
