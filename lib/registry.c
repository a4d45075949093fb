/*
 * registry: the models and model_events tables and the artefacts beside
 * the database (see registry.h).
 */
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "jsonout.h"
#include "sha256.h"
#include "util.h"

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? bp_xstrdup((const char *)t) : NULL;
}

/* directory of the database file, where models/ lives */
static char *
db_dir(struct bp_store *s)
{
	const char *p = bp_store_path(s), *slash = strrchr(p, '/');

	if (!slash)
		return bp_xstrdup(".");
	if (slash == p)
		return bp_xstrdup("/");
	return bp_xstrndup(p, (size_t)(slash - p));
}

void
bp_registry_entry_release(struct bp_registry_entry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->kind);
	free(e->label);
	free(e->features);
	free(e->params);
	free(e->metrics);
	free(e->sha256);
	free(e->path);
	free(e->status);
	free(e->created_at);
	memset(e, 0, sizeof(*e));
}

static json_t *
parsed(const char *text)
{
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	return v ? v : json_null();
}

json_t *
bp_registry_entry_json(const struct bp_registry_entry *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "version", json_integer(e->version));
	json_object_set_new(o, "status", json_string(e->status));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "label", e->label ? json_string(e->label) :
				       json_null());
	json_object_set_new(o, "parent", e->parent ? json_integer(e->parent) :
					json_null());
	json_object_set_new(o, "created_at", json_string(e->created_at));
	json_object_set_new(o, "sha256", json_string(e->sha256));
	json_object_set_new(o, "path", json_string(e->path));
	json_object_set_new(o, "metrics", parsed(e->metrics));
	json_object_set_new(o, "features", parsed(e->features));
	json_object_set_new(o, "params", parsed(e->params));
	return o;
}

int
bp_registry_name_ok(const char *name)
{
	if (!name || !*name || *name == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			return 0;
	return strlen(name) <= 128;
}

int
bp_registry_parse_ref(const char *ref, char **name, int *version)
{
	const char *at = strchr(ref, '@');
	char *n = at ? bp_xstrndup(ref, (size_t)(at - ref)) : bp_xstrdup(ref);

	*version = 0;
	if (at) {
		char *end;
		long v;

		errno = 0;
		v = strtol(at + 1, &end, 10);
		if (!at[1] || *end || errno || v < 1 || v > 1000000000) {
			free(n);
			return bp_error("'%s': the version after '@' must be a "
					"positive integer", ref);
		}
		*version = (int)v;
	}
	if (!bp_registry_name_ok(n)) {
		free(n);
		return bp_error("'%s' is not a model name (letters, digits, "
				"'_', '-', '.')", ref);
	}
	*name = n;
	return 0;
}

static const char entry_cols[] =
	"name, version, kind, label, features, params, metrics, sha256, path,"
	" parent, status, created_at";

static void
read_entry(sqlite3_stmt *st, struct bp_registry_entry *e, const char *dir)
{
	struct bp_buf b = BP_BUF_INIT;
	char *rel;

	e->name = dup_col(st, 0);
	e->version = sqlite3_column_int(st, 1);
	e->kind = dup_col(st, 2);
	e->label = dup_col(st, 3);
	e->features = dup_col(st, 4);
	e->params = dup_col(st, 5);
	e->metrics = dup_col(st, 6);
	e->sha256 = dup_col(st, 7);
	rel = dup_col(st, 8);
	if (rel && rel[0] != '/')
		bp_buf_addf(&b, "%s/%s", dir, rel);
	else
		bp_buf_adds(&b, rel ? rel : "");
	free(rel);
	e->path = bp_buf_detach(&b, NULL);
	e->parent = sqlite3_column_type(st, 9) == SQLITE_NULL ? 0 :
		    sqlite3_column_int(st, 9);
	e->status = dup_col(st, 10);
	e->created_at = dup_col(st, 11);
}

/* the active version of name, 0 when none; -1 on error */
static int
active_version(struct bp_store *s, const char *name)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT version FROM models "
		"WHERE name = ? AND status = 'active'");
	int v = 0, rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (rc != SQLITE_DONE)
		v = bp_store_error(s, "cannot read the registry");
	sqlite3_finalize(st);
	return v;
}

static int
name_exists(struct bp_store *s, const char *name)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT 1 FROM models WHERE "
					    "name = ? LIMIT 1");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
bp_registry_get(struct bp_store *s, const char *name, int version,
		struct bp_registry_entry *e)
{
	struct bp_buf sql = BP_BUF_INIT;
	sqlite3_stmt *st;
	char *dir;
	int rc;

	memset(e, 0, sizeof(*e));
	bp_buf_addf(&sql, "SELECT %s FROM models WHERE name = ? AND %s",
		    entry_cols, version ? "version = ?" : "status = 'active'");
	st = bp_store_prepare(s, sql.s);
	bp_buf_release(&sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (version)
		sqlite3_bind_int(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		dir = db_dir(s);
		read_entry(st, e, dir);
		free(dir);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return bp_store_error(s, "cannot read the registry");
	if (name_exists(s, name) <= 0)
		return bp_error("no model '%s' in '%s'", name,
				bp_store_path(s));
	if (version)
		return bp_error("model '%s' has no version %d", name, version);
	return bp_error("model '%s' has no active version (promote one with "
			"'bp-model promote %s@VERSION')", name, name);
}

int
bp_registry_list(struct bp_store *s, const char *name,
		 struct bp_registry_entry **out, size_t *n)
{
	struct bp_buf sql = BP_BUF_INIT;
	sqlite3_stmt *st;
	size_t alloc = 0;
	char *dir;
	int rc;

	*out = NULL;
	*n = 0;
	bp_buf_addf(&sql, "SELECT %s FROM models %s ORDER BY name, version",
		    entry_cols, name ? "WHERE name = ?" : "");
	st = bp_store_prepare(s, sql.s);
	bp_buf_release(&sql);
	if (!st)
		return -1;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	dir = db_dir(s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		BP_GROW(*out, alloc, *n + 1);
		memset(&(*out)[*n], 0, sizeof(**out));
		read_entry(st, &(*out)[(*n)++], dir);
	}
	free(dir);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		bp_registry_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return bp_store_error(s, "cannot read the registry");
	}
	return 0;
}

void
bp_registry_list_free(struct bp_registry_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bp_registry_entry_release(&v[i]);
	free(v);
}

static int
add_event(struct bp_store *s, const char *name, int version,
	  const char *action)
{
	sqlite3_stmt *st = bp_store_prepare(s, "INSERT INTO model_events "
		"(name, version, action, at) VALUES (?, ?, ?, ?)");
	char now[32];
	int rc;

	if (!st)
		return -1;
	bp_store_now(now);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 :
	       bp_store_error(s, "cannot record the model event");
}

static int
exec_bound(struct bp_store *s, const char *sql, const char *name, int version)
{
	sqlite3_stmt *st = bp_store_prepare(s, sql);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (version)
		sqlite3_bind_int(st, 2, version);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : bp_store_error(s, "cannot update the "
							"registry");
}

static char *
json_text(const json_t *v)
{
	struct bp_buf b = BP_BUF_INIT;

	bp_json_dump(&b, v ? v : json_null(), 0);
	return bp_buf_detach(&b, NULL);
}

int
bp_registry_add(struct bp_store *s, const char *name,
		const struct bp_model *m, int *version)
{
	struct bp_buf doc = BP_BUF_INIT, rel = BP_BUF_INIT, abs = BP_BUF_INIT;
	char hex[BP_SHA256_HEXSZ], now[32], *dir = NULL;
	char *features = NULL, *params = NULL, *metrics = NULL;
	sqlite3_stmt *st = NULL;
	json_t *j, *feats;
	int v = 0, parent, written = 0, rc = -1;

	if (!bp_registry_name_ok(name))
		return bp_error("'%s' is not a model name (letters, digits, "
				"'_', '-', '.')", name);
	j = bp_model_to_json(m);
	bp_json_dump(&doc, j, 0);
	bp_buf_addc(&doc, '\n');
	json_decref(j);
	bp_sha256_buf(doc.s, doc.len, hex);
	feats = json_array();
	for (size_t i = 0; i < bp_model_nfeatures(m); i++)
		json_array_append_new(feats,
				      json_string(bp_model_features(m)[i]));
	features = json_text(feats);
	json_decref(feats);
	params = json_text(bp_model_params(m));
	metrics = json_text(json_object_get(bp_model_info(m), "metrics"));

	if (bp_store_begin(s) < 0)
		goto out;
	/* removed versions are never reused: their events stay */
	st = bp_store_prepare(s, "SELECT MAX(COALESCE((SELECT MAX(version) "
			      "FROM models WHERE name = ?1), 0), COALESCE(("
			      "SELECT MAX(version) FROM model_events WHERE "
			      "name = ?1), 0))");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		bp_store_error(s, "cannot read the registry");
		goto fail;
	}
	v = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	st = NULL;
	if ((parent = active_version(s, name)) < 0)
		goto fail;

	dir = db_dir(s);
	bp_buf_addf(&rel, "models/%s", name);
	bp_buf_addf(&abs, "%s/%s", dir, rel.s);
	if (bp_mkdirs(abs.s) < 0)
		goto fail;
	bp_buf_addf(&rel, "/%d.json", v);
	bp_buf_addf(&abs, "/%d.json", v);
	if (bp_atomic_write(abs.s, doc.s, doc.len) < 0)
		goto fail;
	written = 1;
	bp_store_now(now);
	st = bp_store_prepare(s, "INSERT INTO models (name, version, kind, "
		"label, features, params, metrics, sha256, path, parent, "
		"status, created_at) "
		"VALUES (?,?,?,?,?,?,?,?,?,?,'candidate',?)");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, v);
	sqlite3_bind_text(st, 3, bp_model_kind(m), -1, SQLITE_STATIC);
	if (bp_model_label(m))
		sqlite3_bind_text(st, 4, bp_model_label(m), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, features, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, metrics, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, rel.s, -1, SQLITE_STATIC);
	if (parent)
		sqlite3_bind_int(st, 10, parent);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		bp_store_error(s, "cannot register the model");
		goto fail;
	}
	if (bp_store_commit(s) < 0)
		goto fail;
	*version = v;
	rc = 0;
	goto out;
fail:
	bp_store_rollback(s);
	if (written)
		unlink(abs.s);
out:
	sqlite3_finalize(st);
	free(dir);
	free(features);
	free(params);
	free(metrics);
	bp_buf_release(&doc);
	bp_buf_release(&rel);
	bp_buf_release(&abs);
	return rc;
}

/* the stack of active versions, replayed from model_events */
static int
active_stack(struct bp_store *s, const char *name, int **stack, size_t *n)
{
	sqlite3_stmt *st = bp_store_prepare(s, "SELECT version, action FROM "
		"model_events WHERE name = ? ORDER BY id");
	size_t alloc = 0;
	int rc;

	*stack = NULL;
	*n = 0;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int v = sqlite3_column_int(st, 0);
		const char *a = (const char *)sqlite3_column_text(st, 1);

		if (!a)
			continue;
		if (strcmp(a, "promote") == 0) {
			BP_GROW(*stack, alloc, *n + 1);
			(*stack)[(*n)++] = v;
		} else if (strcmp(a, "rollback") == 0) {
			if (*n)
				(*n)--;
		} else if (strcmp(a, "rm") == 0) {
			size_t q = 0;

			for (size_t i = 0; i < *n; i++)
				if ((*stack)[i] != v)
					(*stack)[q++] = (*stack)[i];
			*n = q;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*stack);
		*stack = NULL;
		return bp_store_error(s, "cannot read the model events");
	}
	return 0;
}

static int
set_active(struct bp_store *s, const char *name, int version)
{
	if (exec_bound(s, "UPDATE models SET status = 'retired' WHERE name = ? "
		       "AND status = 'active'", name, 0) < 0)
		return -1;
	return exec_bound(s, "UPDATE models SET status = 'active' "
			  "WHERE name = ? AND version = ?", name, version);
}

int
bp_registry_promote(struct bp_store *s, const char *name, int version)
{
	struct bp_registry_entry e;

	if (bp_store_begin(s) < 0)
		return -1;
	if (bp_registry_get(s, name, version, &e) < 0)
		goto fail;
	if (strcmp(e.status, "active") == 0) {
		bp_registry_entry_release(&e);
		bp_store_rollback(s);
		return bp_error("model '%s' version %d is already active", name,
				version);
	}
	bp_registry_entry_release(&e);
	if (set_active(s, name, version) < 0 ||
	    add_event(s, name, version, "promote") < 0)
		goto fail;
	return bp_store_commit(s);
fail:
	bp_store_rollback(s);
	return -1;
}

int
bp_registry_rollback(struct bp_store *s, const char *name, int *version)
{
	int *stack = NULL, cur;
	size_t n;

	if (bp_store_begin(s) < 0)
		return -1;
	if ((cur = active_version(s, name)) < 0 ||
	    active_stack(s, name, &stack, &n) < 0)
		goto fail;
	if (cur == 0) {
		if (name_exists(s, name) <= 0)
			bp_error("no model '%s' in '%s'", name,
				 bp_store_path(s));
		else
			bp_error("model '%s' has no active version to roll "
				 "back", name);
		goto fail;
	}
	if (n < 2 || stack[n - 1] != cur) {
		bp_error("model '%s' has no earlier active version to roll "
			 "back to", name);
		goto fail;
	}
	*version = stack[n - 2];
	if (set_active(s, name, *version) < 0 ||
	    add_event(s, name, *version, "rollback") < 0)
		goto fail;
	free(stack);
	return bp_store_commit(s);
fail:
	free(stack);
	bp_store_rollback(s);
	return -1;
}

int
bp_registry_remove(struct bp_store *s, const char *name, int version,
		   int force)
{
	struct bp_registry_entry e;

	if (bp_store_begin(s) < 0)
		return -1;
	if (bp_registry_get(s, name, version, &e) < 0)
		goto fail;
	if (strcmp(e.status, "active") == 0 && !force) {
		bp_error("model '%s' version %d is active; promote another "
			 "version first or use --force", name, version);
		goto fail_e;
	}
	if (exec_bound(s, "DELETE FROM models WHERE name = ? AND version = ?",
		       name, version) < 0 ||
	    add_event(s, name, version, "rm") < 0)
		goto fail_e;
	if (bp_store_commit(s) < 0)
		goto fail_e;
	if (unlink(e.path) < 0 && errno != ENOENT)
		bp_warn("cannot remove '%s': %s", e.path, strerror(errno));
	bp_registry_entry_release(&e);
	return 0;
fail_e:
	bp_registry_entry_release(&e);
fail:
	bp_store_rollback(s);
	return -1;
}

static int
looks_like_path(const char *ref)
{
	struct stat sb;

	return strchr(ref, '/') || bp_ends_with(ref, ".json") ||
	       bp_ends_with(ref, ".zst") || strcmp(ref, "-") == 0 ||
	       stat(ref, &sb) == 0;
}

struct bp_model *
bp_registry_load(const char *ref, const char *db)
{
	struct bp_store *s;
	struct bp_registry_entry e;
	struct bp_model *m = NULL;
	char *name, hex[BP_SHA256_HEXSZ];
	int version;

	if (looks_like_path(ref))
		return bp_model_load(ref);
	if (bp_registry_parse_ref(ref, &name, &version) < 0)
		return NULL;
	s = bp_store_open(db, 0);
	if (!s) {
		free(name);
		return NULL;
	}
	if (bp_registry_get(s, name, version, &e) == 0) {
		if (bp_sha256_file(e.path, hex) == 0) {
			if (strcmp(hex, e.sha256) != 0)
				bp_error("'%s': the artefact's sha256 does not "
					 "match the registry (changed on "
					 "disk?)", e.path);
			else
				m = bp_model_load(e.path);
		}
		bp_registry_entry_release(&e);
	}
	bp_store_free(&s);
	free(name);
	return m;
}
