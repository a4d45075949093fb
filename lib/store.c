/*
 * store: open, configure and migrate barpipe's SQLite database.
 *
 * Migrations are an append-only list: migration i moves the schema from
 * user_version i to i+1 inside one transaction, so a database is always at
 * a version the code knows.  A database newer than this barpipe is refused.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

struct bp_store {
	sqlite3 *db;
	char *path;
};

/* Timestamps are ms since the epoch (INTEGER), text times are RFC 3339. */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE bars ("
	"  symbol TEXT NOT NULL,"
	"  timeframe TEXT NOT NULL,"
	"  ts INTEGER NOT NULL,"
	"  open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,"
	"  close REAL NOT NULL, volume REAL NOT NULL,"
	"  PRIMARY KEY (symbol, timeframe, ts)"
	") WITHOUT ROWID;"
	"CREATE TABLE models ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  label TEXT,"
	"  features TEXT NOT NULL DEFAULT '[]',"	/* JSON array */
	"  params TEXT NOT NULL DEFAULT '{}',"		/* JSON object */
	"  metrics TEXT NOT NULL DEFAULT '{}',"	/* JSON object */
	"  sha256 TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  parent INTEGER,"				/* parent version */
	"  status TEXT NOT NULL DEFAULT 'candidate'"
	"    CHECK (status IN ('candidate','active','retired')),"
	"  created_at TEXT NOT NULL,"
	"  UNIQUE (name, version)"
	");"
	"CREATE TABLE model_events ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"		/* promote, rollback, rm */
	"  at TEXT NOT NULL"
	");"
	"CREATE TABLE experiments ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  hypothesis TEXT,"
	"  spec TEXT,"
	"  status TEXT NOT NULL DEFAULT 'open',"
	"  notes TEXT,"
	"  created_at TEXT NOT NULL"
	");"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  tool TEXT NOT NULL,"
	"  source TEXT NOT NULL DEFAULT 'shell',"	/* shell, mcp, make */
	"  argv TEXT NOT NULL DEFAULT '[]',"		/* JSON array */
	"  command TEXT,"			/* reproducing shell line */
	"  input_hash TEXT, output_hash TEXT,"
	"  exit_code INTEGER,"
	"  duration_s REAL,"
	"  started_at TEXT NOT NULL,"
	"  experiment_id INTEGER REFERENCES experiments(id),"
	"  result TEXT"					/* JSON summary */
	");"
	"CREATE TABLE insights ("
	"  id INTEGER PRIMARY KEY,"
	"  category TEXT NOT NULL,"
	"  content TEXT NOT NULL,"
	"  tags TEXT NOT NULL DEFAULT '',"
	"  importance INTEGER NOT NULL DEFAULT 3,"
	"  experiment_id INTEGER REFERENCES experiments(id),"
	"  created_at TEXT NOT NULL"
	");"
	"CREATE VIRTUAL TABLE insights_fts USING fts5("
	"  content, tags, category, content='insights', content_rowid='id');"
	"CREATE TRIGGER insights_ai AFTER INSERT ON insights BEGIN"
	"  INSERT INTO insights_fts(rowid, content, tags, category)"
	"  VALUES (new.id, new.content, new.tags, new.category);"
	"END;"
	"CREATE TRIGGER insights_ad AFTER DELETE ON insights BEGIN"
	"  INSERT INTO insights_fts(insights_fts, rowid, content, tags,"
	" category)"
	"  VALUES ('delete', old.id, old.content, old.tags, old.category);"
	"END;"
	"CREATE TRIGGER insights_au AFTER UPDATE ON insights BEGIN"
	"  INSERT INTO insights_fts(insights_fts, rowid, content, tags,"
	" category)"
	"  VALUES ('delete', old.id, old.content, old.tags, old.category);"
	"  INSERT INTO insights_fts(rowid, content, tags, category)"
	"  VALUES (new.id, new.content, new.tags, new.category);"
	"END;"
	"CREATE TABLE tasks ("
	"  id TEXT PRIMARY KEY,"
	"  tool TEXT NOT NULL,"
	"  status TEXT NOT NULL," /* queued running done failed cancelled */
	"  pid INTEGER,"
	"  command TEXT,"
	"  created_at TEXT NOT NULL,"
	"  started_at TEXT, finished_at TEXT,"
	"  progress REAL,"
	"  result TEXT, error TEXT"
	");",
};

char *
bp_home(void)
{
	const char *h = getenv("BARPIPE_HOME");
	struct bp_buf b = BP_BUF_INIT;

	if (h && *h)
		return bp_xstrdup(h);
	h = getenv("HOME");
	bp_buf_addf(&b, "%s/.local/share/barpipe", h && *h ? h : ".");
	return bp_buf_detach(&b, NULL);
}

int
bp_mkdirs(const char *path)
{
	char *p = bp_xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				rc = bp_error_errno("cannot create directory "
						    "'%s'", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

int
bp_store_error(struct bp_store *s, const char *what)
{
	return bp_error("%s: '%s': %s", what, s->path, sqlite3_errmsg(s->db));
}

int
bp_store_exec(struct bp_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		bp_error("database '%s': %s", s->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
bp_store_begin(struct bp_store *s)
{
	return bp_store_exec(s, "BEGIN IMMEDIATE");
}

int
bp_store_commit(struct bp_store *s)
{
	return bp_store_exec(s, "COMMIT");
}

void
bp_store_rollback(struct bp_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *
bp_store_prepare(struct bp_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		bp_store_error(s, "cannot prepare statement");
		return NULL;
	}
	return st;
}

static int
user_version(struct bp_store *s, int *v)
{
	sqlite3_stmt *st = bp_store_prepare(s, "PRAGMA user_version");

	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return bp_store_error(s, "cannot read schema version");
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
migrate(struct bp_store *s)
{
	int v, target = (int)BP_ARRAY_SIZE(migrations);
	char sql[64];

	if (user_version(s, &v) < 0)
		return -1;
	if (v > target)
		return bp_error("database '%s' has schema version %d; this "
				"barpipe knows up to %d (upgrade barpipe)",
				s->path, v, target);
	if (v == target)
		return 0;
	if (bp_store_begin(s) < 0)
		return -1;
	/* another process may have migrated while we waited for the lock */
	if (user_version(s, &v) < 0)
		goto fail;
	for (; v < target; v++) {
		if (bp_store_exec(s, migrations[v]) < 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (bp_store_exec(s, sql) < 0)
			goto fail;
	}
	return bp_store_commit(s);
fail:
	bp_store_rollback(s);
	return -1;
}

/*
 * Switching a new database to WAL takes an exclusive lock, and when two
 * processes open the same new database at once SQLite answers SQLITE_BUSY
 * at once instead of calling the busy handler (waiting could deadlock).
 * Retry for as long as the busy timeout would have waited.
 */
static int
set_wal(struct bp_store *s)
{
	for (int i = 0;; i++) {
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL,
				      NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || i >= 3000)
			return bp_store_error(s, "cannot use WAL mode");
		sqlite3_sleep(10);
	}
}

struct bp_store *
bp_store_open(const char *path, unsigned flags)
{
	struct bp_store *s = bp_xcalloc(1, sizeof(*s));
	int oflags = (flags & BP_STORE_READONLY)
			     ? SQLITE_OPEN_READONLY
			     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	if (path) {
		s->path = bp_xstrdup(path);
	} else {
		char *home = bp_home();
		struct bp_buf b = BP_BUF_INIT;

		if (!(flags & BP_STORE_READONLY) && bp_mkdirs(home) < 0) {
			free(home);
			free(s);
			return NULL;
		}
		bp_buf_addf(&b, "%s/barpipe.db", home);
		free(home);
		s->path = bp_buf_detach(&b, NULL);
	}
	if (sqlite3_open_v2(s->path, &s->db, oflags | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		bp_error("cannot open database '%s': %s", s->path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		bp_store_free(&s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 30000);
	sqlite3_extended_result_codes(s->db, 1);
	if (!(flags & BP_STORE_READONLY)) {
		if (set_wal(s) < 0 ||
		    bp_store_exec(s, "PRAGMA synchronous = NORMAL;"
				     "PRAGMA foreign_keys = ON;") < 0 ||
		    migrate(s) < 0) {
			bp_store_free(&s);
			return NULL;
		}
	}
	return s;
}

void
bp_store_free(struct bp_store **sp)
{
	struct bp_store *s = *sp;

	if (!s)
		return;
	sqlite3_close(s->db);
	free(s->path);
	free(s);
	*sp = NULL;
}

sqlite3 *
bp_store_db(struct bp_store *s)
{
	return s->db;
}

const char *
bp_store_path(const struct bp_store *s)
{
	return s->path;
}

void
bp_store_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
