/*
 * store: barpipe's one SQLite database.
 *
 * Default path $BARPIPE_HOME/barpipe.db, BARPIPE_HOME defaulting to
 * ~/.local/share/barpipe; tools take --db to override.  The database runs
 * in WAL mode with a busy timeout, so two cron jobs can write at once
 * (one waits), and its schema is migrated forward by PRAGMA user_version.
 *
 * This module owns the connection and the schema only.  The tables belong
 * to the modules that use them: `bars` to lib/bars, `models` and
 * `model_events` to lib/registry, `experiments`, `runs`, `insights` and
 * `tasks` to lib/journal.  The schema (all versions) is in store.c.
 */
#ifndef BP_STORE_H
#define BP_STORE_H

#include <sqlite3.h>

#define BP_STORE_SCHEMA_VERSION 1

enum bp_store_flags {
	BP_STORE_READONLY = 1 << 0,	/* never create or migrate */
};

struct bp_store;

/*
 * $BARPIPE_HOME, else $HOME/.local/share/barpipe.  Returns a new string.
 */
char *bp_home(void);
/* mkdir -p; returns 0 or -1 after reporting. */
int bp_mkdirs(const char *path);

/*
 * Open (creating directories and the file, and migrating) the database at
 * path, or the default when path is NULL.  Returns NULL after reporting.
 */
struct bp_store *bp_store_open(const char *path, unsigned flags);
void bp_store_free(struct bp_store **s);

sqlite3 *bp_store_db(struct bp_store *s);
const char *bp_store_path(const struct bp_store *s);

/* Run SQL without results.  Returns 0, or -1 after reporting. */
int bp_store_exec(struct bp_store *s, const char *sql);
/* BEGIN IMMEDIATE (takes the write lock now, waiting up to the timeout). */
int bp_store_begin(struct bp_store *s);
int bp_store_commit(struct bp_store *s);
/* ROLLBACK; never fails loudly (used on error paths). */
void bp_store_rollback(struct bp_store *s);
/* Prepare a statement; returns NULL after reporting. */
sqlite3_stmt *bp_store_prepare(struct bp_store *s, const char *sql);
/*
 * Report the connection's last error as "what: 'db path': sqlite message";
 * returns -1.
 */
int bp_store_error(struct bp_store *s, const char *what);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (for created_at columns). */
void bp_store_now(char buf[32]);

#endif
