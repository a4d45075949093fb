/*
 * mcp: bp-mcp's server: lifecycle, dispatch, tools, resources, prompts,
 * progress, cancellation, concurrency and the circuit breaker.
 */
#define _GNU_SOURCE	/* pipe2(2) */
#include "mcp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"
#include "jschema.h"
#include "jsonout.h"
#include "jsonrpc.h"
#include "sandbox.h"
#include "store.h"
#include "ts.h"

const char *const bp_mcp_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL,
};

#define MANIFEST_FORMAT "barpipe-mcp-manifest"
#define HASH_MAX_BYTES (256LL << 20)	/* larger files: size only */
#define RESULT_KEEP 16384		/* bytes of output kept in runs */
#define TAIL_SHOWN 1500			/* bytes of stderr in messages */

static const char *const log_levels[] = {
	"debug", "info", "notice", "warning", "error", "critical", "alert",
	"emergency", NULL,
};
enum { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERROR };

/* ---- the manifest's tools ---- */

enum path_role { PATH_INPUT = 1, PATH_OUTPUT, PATH_DIR, PATH_OUTDIR };

struct tool {
	const char *name, *title, *description;
	char *pipeline;		/* absolute path; NULL for internal */
	const char *internal;	/* name of a built-in action */
	json_t *def;		/* the manifest entry (borrowed) */
	json_t *input;		/* inputSchema (borrowed) */
	json_t *output;		/* outputSchema shown and checked (owned) */
	json_t *result;		/* tasks: schema of the final result (owned) */
	json_t *paths;		/* {"arg": "input"|...} (borrowed) */
	json_t *requires;	/* ["bp-fetch", ...] (borrowed) */
	json_t *result_paths;	/* result members naming files (borrowed) */
	double timeout;
	int long_running;
	/* circuit breaker */
	int failures;
	double open_until;
};

struct batch {
	int pending;		/* requests still to answer, +1 while read */
	json_t *responses;
};

enum call_state { CALL_QUEUED, CALL_RUNNING };

struct call {
	struct call *next;
	struct batch *batch;
	json_t *id;		/* NULL once answered (tasks) */
	json_t *token;		/* progressToken, or NULL */
	double progress;	/* last progress value sent */
	struct tool *tool;
	json_t *args;		/* validated, defaults filled in */
	int64_t run_id;
	int64_t experiment_id;
	char task[40];		/* task id, "" for a plain call */
	enum call_state state;
	struct bp_sandbox_job job;
	char **argv, **envp;
	char *command;
	json_t *outputs;	/* {"rel": "abs"} files to hash afterwards */
	int client_cancelled;	/* notifications/cancelled: no answer */
	int task_cancelled;	/* by cancel_task */
	const char *shutdown;	/* why it was ended by the server */
};

struct server {
	const struct bp_mcp_opts *o;
	int in, out;
	json_t *manifest;
	char *manifest_dir;
	struct tool *tools;
	size_t ntools;
	json_t *prompts;	/* borrowed from the manifest */
	json_t *server_info;	/* borrowed */
	struct bp_store *store;
	char *ws, *home, *db, *share, *exe_dir, *path_env;
	int isolate;
	/* session */
	int initialized;
	const char *version;
	int log_level;		/* -1: no log notifications */
	struct call *calls;	/* queued and running, oldest first */
	int running, queued;
	struct bp_jsonrpc_reader rd;
	int out_broken;
	int stopping;		/* 1 draining after EOF, 2 terminating */
	double drain_until;
	struct bp_buf line;
};

static volatile sig_atomic_t got_signal;
static int sigpipe_fds[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int err = errno;
	char c = (char)sig;

	if (sig != SIGCHLD)
		got_signal = sig;
	if (write(sigpipe_fds[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = err;
}

static int
version_at_least(const struct server *s, const char *v)
{
	/* versions are dates: they compare as strings */
	return s->version && strcmp(s->version, v) >= 0;
}

/* ---- output ---- */

static void
send_msg(struct server *s, json_t *msg)
{
	if (!s->out_broken) {
		bp_jsonrpc_format(&s->line, msg);
		if (bp_jsonrpc_write_all(s->out, s->line.s, s->line.len) < 0) {
			bp_error_errno("cannot write '<stdout>'");
			s->out_broken = 1;
			s->stopping = 2;
		}
	}
	json_decref(msg);
}

/* Answer a request (msg is a response); batched answers wait for all. */
static void
answer(struct server *s, struct batch *b, json_t *msg)
{
	if (!b) {
		send_msg(s, msg);
		return;
	}
	if (msg)
		json_array_append_new(b->responses, msg);
	if (--b->pending == 0) {
		if (json_array_size(b->responses))
			send_msg(s, json_incref(b->responses));
		json_decref(b->responses);
		free(b);
	}
}

static void
answer_error(struct server *s, struct batch *b, json_t *id, int code,
	     const char *message, json_t *data)
{
	answer(s, b,
	       bp_jsonrpc_error(id, bp_jsonrpc_error_object(code, message,
							    data)));
}

/* notifications/message to the client, at or above its chosen level. */
static void
client_log(struct server *s, int level, json_t *data)
{
	json_t *p;

	if (s->log_level < 0 || level < s->log_level || !s->initialized) {
		json_decref(data);
		return;
	}
	p = json_object();
	json_object_set_new(p, "level", json_string(log_levels[level]));
	json_object_set_new(p, "logger", json_string("bp-mcp"));
	json_object_set_new(p, "data", data);
	send_msg(s, bp_jsonrpc_notification("notifications/message", p));
}

/* ---- manifest ---- */

static int
name_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n <= max;
}

static int
mf_error(const char *path, const char *tool, const char *msg)
{
	if (tool)
		return bp_error("%s: tool '%s': %s", path, tool, msg);
	return bp_error("%s: %s", path, msg);
}

/* Every string in arrays must be pattern- or enum-bound (no newlines). */
static int
arrays_bound(const json_t *schema)
{
	const json_t *props = json_object_get(schema, "properties");
	const char *key;
	json_t *sub;

	json_object_foreach((json_t *)props, key, sub) {
		const json_t *items = json_object_get(sub, "items");
		const json_t *t = json_object_get(items, "type");

		if (items && json_is_string(t) &&
		    !strcmp(json_string_value(t), "string") &&
		    !json_object_get(items, "pattern") &&
		    !json_object_get(items, "enum"))
			return 0;
	}
	return 1;
}

static json_t *
task_schema(void)
{
	return json_pack(
		"{s:s, s:{s:{s:s, s:s}, s:{s:s, s:[s,s,s,s,s]}, s:{s:s},"
		" s:{s:s}, s:{s:s}}, s:[s,s,s]}",
		"type", "object", "properties", "task_id", "type", "string",
		"description", "pass it to get_task_status or cancel_task",
		"status", "type", "string", "enum", "queued", "running",
		"done", "failed", "cancelled", "tool", "type", "string",
		"run_id", "type", "integer", "message", "type", "string",
		"required", "task_id", "status", "run_id");
}

/* outputSchema plus the run_id every result carries. */
static json_t *
with_run_id(const json_t *schema)
{
	json_t *o = json_deep_copy(schema);
	json_t *props = json_object_get(o, "properties");

	if (!props) {
		props = json_object();
		json_object_set_new(o, "properties", props);
	}
	json_object_set_new(
	    props, "run_id",
	    json_pack("{s:s, s:s}", "type", "integer", "description",
		      "this call in the run journal (get_run)"));
	return o;
}

static int
load_tool(struct server *s, const char *path, json_t *def, struct tool *t)
{
	struct bp_buf err = BP_BUF_INIT;
	json_t *v, *out;
	const char *key;
	int rc = -1;

	t->def = def;
	t->name = json_string_value(json_object_get(def, "name"));
	if (!name_ok(t->name, 64))
		return mf_error(path, t->name ? t->name : "?",
				"name must match ^[a-z][a-z0-9_]{0,63}$");
	t->title = json_string_value(json_object_get(def, "title"));
	t->description = json_string_value(json_object_get(def, "description"));
	if (!t->description || !*t->description)
		return mf_error(path, t->name, "no description");
	t->internal = json_string_value(json_object_get(def, "internal"));
	v = json_object_get(def, "pipeline");
	if (!!t->internal == !!v)
		return mf_error(path, t->name,
				"needs exactly one of 'pipeline' and "
				"'internal'");
	if (t->internal && strcmp(t->internal, "cancel_task"))
		return mf_error(path, t->name, "unknown internal action");
	if (v) {
		struct bp_buf p = BP_BUF_INIT;

		if (!json_is_string(v))
			return mf_error(path, t->name, "bad 'pipeline'");
		bp_buf_addf(&p, "%s/%s", s->manifest_dir,
			    json_string_value(v));
		t->pipeline = realpath(p.s, NULL);
		if (!t->pipeline || access(t->pipeline, X_OK) < 0) {
			bp_error_errno("%s: tool '%s': pipeline '%s'", path,
				       t->name, p.s);
			bp_buf_release(&p);
			return -1;
		}
		bp_buf_release(&p);
	}
	t->input = json_object_get(def, "inputSchema");
	if (!json_is_object(t->input) ||
	    !json_is_string(json_object_get(t->input, "type")) ||
	    strcmp(json_string_value(json_object_get(t->input, "type")),
		   "object"))
		return mf_error(path, t->name,
				"inputSchema must be an object schema");
	if (bp_jschema_check(t->input, t->name, &err) < 0)
		goto bad;
	json_object_foreach(json_object_get(t->input, "properties"), key, v)
		if (!name_ok(key, 40)) {
			mf_error(path, t->name,
				 "argument names must match "
				 "^[a-z][a-z0-9_]{0,39}$");
			goto out;
		}
	if (!arrays_bound(t->input)) {
		mf_error(path, t->name,
			 "string items of an array need a pattern or an enum");
		goto out;
	}
	out = json_object_get(def, "outputSchema");
	if (!json_is_object(out) ||
	    bp_jschema_check(out, t->name, &err) < 0) {
		if (!err.len)
			bp_buf_adds(&err, "no outputSchema");
		goto bad;
	}
	t->long_running = json_is_true(json_object_get(def, "long_running"));
	if (t->long_running) {
		t->result = json_incref(out);
		json_t *handle = task_schema();

		t->output = with_run_id(handle);
		json_decref(handle);
	} else {
		t->output = with_run_id(out);
	}
	v = json_object_get(def, "timeout");
	t->timeout = json_is_number(v) ? json_number_value(v) : 60;
	if (t->timeout <= 0) {
		mf_error(path, t->name, "timeout must be positive");
		goto out;
	}
	t->paths = json_object_get(def, "paths");
	json_object_foreach(t->paths, key, v) {
		const json_t *ps = json_object_get(
			json_object_get(t->input, "properties"), key);
		const char *role = json_string_value(v);

		if (!ps || !role ||
		    (strcmp(role, "input") && strcmp(role, "output") &&
		     strcmp(role, "dir") && strcmp(role, "outdir"))) {
			mf_error(path, t->name,
				 "'paths' maps arguments to input, output, "
				 "dir or outdir");
			goto out;
		}
	}
	t->requires = json_object_get(def, "requires");
	t->result_paths = json_object_get(def, "result_paths");
	rc = 0;
	goto out;
bad:
	bp_error("%s: %s", path, err.s);
out:
	bp_buf_release(&err);
	return rc;
}

static int
load_manifest(struct server *s, const char *path)
{
	json_t *tools, *v;
	char *real, *slash;
	size_t i, j;

	s->manifest = bp_json_load_file(path);
	if (!s->manifest)
		return -1;
	v = json_object_get(s->manifest, "format");
	if (!json_is_string(v) ||
	    strcmp(json_string_value(v), MANIFEST_FORMAT) ||
	    json_integer_value(json_object_get(s->manifest, "version")) != 1)
		return mf_error(path, NULL,
				"not a " MANIFEST_FORMAT " version 1");
	real = realpath(path, NULL);
	if (!real)
		return bp_error_errno("cannot resolve '%s'", path);
	slash = strrchr(real, '/');
	*slash = '\0';
	s->manifest_dir = real;
	s->server_info = json_object_get(s->manifest, "server");
	tools = json_object_get(s->manifest, "tools");
	if (!json_is_array(tools) || json_array_size(tools) == 0)
		return mf_error(path, NULL, "no tools");
	s->ntools = json_array_size(tools);
	s->tools = bp_xcalloc(s->ntools, sizeof(*s->tools));
	for (i = 0; i < s->ntools; i++) {
		if (load_tool(s, path, json_array_get(tools, i),
			      &s->tools[i]) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (!strcmp(s->tools[i].name, s->tools[j].name))
				return mf_error(path, s->tools[i].name,
						"defined twice");
	}
	s->prompts = json_object_get(s->manifest, "prompts");
	for (i = 0; i < json_array_size(s->prompts); i++) {
		json_t *p = json_array_get(s->prompts, i);

		if (!name_ok(json_string_value(json_object_get(p, "name")),
			     64) ||
		    !json_is_string(json_object_get(p, "text")))
			return mf_error(path, NULL,
					"a prompt needs a name and a text");
	}
	return 0;
}

static struct tool *
find_tool(struct server *s, const char *name)
{
	for (size_t i = 0; i < s->ntools; i++)
		if (!strcmp(s->tools[i].name, name))
			return &s->tools[i];
	return NULL;
}

/* ---- paths of the installation ---- */

static char *
exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return bp_xstrdup(buf);
}

char *
bp_mcp_find_manifest(const char *datadir)
{
	const char *env = getenv("BP_MCP_MANIFEST");
	struct bp_buf b = BP_BUF_INIT;
	char *dir;

	if (env && *env)
		return bp_xstrdup(env);
	dir = exe_dir();
	if (dir) {
		/* the source tree, then an installation's share directory */
		bp_buf_addf(&b, "%s/../mcp-shim/manifest.json", dir);
		if (access(b.s, R_OK) == 0) {
			free(dir);
			return bp_buf_detach(&b, NULL);
		}
		bp_buf_reset(&b);
		bp_buf_addf(&b, "%s/../share/barpipe/mcp-shim/manifest.json",
			    dir);
		free(dir);
		if (access(b.s, R_OK) == 0)
			return bp_buf_detach(&b, NULL);
		bp_buf_reset(&b);
	}
	if (datadir) {
		bp_buf_addf(&b, "%s/mcp-shim/manifest.json", datadir);
		if (access(b.s, R_OK) == 0)
			return bp_buf_detach(&b, NULL);
	}
	bp_buf_release(&b);
	bp_error("cannot find the tool manifest (mcp-shim/manifest.json); "
		 "use --manifest");
	return NULL;
}

/* Is prog an executable in the children's PATH? */
static int
in_path(const struct server *s, const char *prog)
{
	const char *p = s->path_env;
	struct bp_buf b = BP_BUF_INIT;
	int found = 0;

	while (*p && !found) {
		size_t n = strcspn(p, ":");

		bp_buf_reset(&b);
		bp_buf_add(&b, p, n);
		bp_buf_addf(&b, "/%s", prog);
		found = access(b.s, X_OK) == 0;
		p += n;
		if (*p == ':')
			p++;
	}
	bp_buf_release(&b);
	return found;
}

/* ---- the command a call runs ---- */

static void
strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* An argument's value as environment text. */
static void
arg_text(struct bp_buf *b, const json_t *v)
{
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		bp_buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_TRUE:
		bp_buf_adds(b, "true");
		break;
	case JSON_FALSE:
		bp_buf_adds(b, "false");
		break;
	case JSON_NULL:
		break;
	case JSON_ARRAY:
		/* one item per line: items are pattern-bound, no newlines */
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				bp_buf_addc(b, '\n');
			arg_text(b, json_array_get(v, i));
		}
		break;
	default:
		bp_json_dump(b, v, 0);
		break;
	}
}

struct envlist {
	char **v;
	size_t n, alloc;
};

static void
env_add(struct envlist *e, const char *key, const char *val)
{
	struct bp_buf b = BP_BUF_INIT;

	bp_buf_addf(&b, "%s=%s", key, val);
	BP_GROW(e->v, e->alloc, e->n + 2);
	e->v[e->n++] = bp_buf_detach(&b, NULL);
	e->v[e->n] = NULL;
}

/*
 * Build argv, envp, the reproducing command and its argv JSON for call c.
 * The command line names exactly what the pipeline gets: the workspace
 * as its directory, the barpipe variables and one BP_ARG_<NAME> per
 * argument, every value shell-quoted.
 */
static void
build_command(struct server *s, struct call *c, json_t **argv_json)
{
	struct envlist env = { NULL, 0, 0 };
	struct bp_buf cmd = BP_BUF_INIT, val = BP_BUF_INIT, key = BP_BUF_INIT;
	json_t *aj = json_array();
	const char *name, *home = getenv("HOME");
	json_t *v;
	char num[32];
	size_t shown;

	bp_buf_adds(&cmd, "cd ");
	bp_sandbox_shell_quote(&cmd, s->ws);
	bp_buf_adds(&cmd, " &&");
	json_array_append_new(aj, json_string("env"));
	/* the part a person needs to reproduce the call, in order */
	env_add(&env, "BARPIPE_HOME", s->home);
	env_add(&env, "BP_DB", s->db);
	env_add(&env, "BP_WORKSPACE", s->ws);
	env_add(&env, "BP_SHARE", s->share);
	if (c->experiment_id > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)c->experiment_id);
		env_add(&env, "BP_EXPERIMENT_ID", num);
	}
	json_object_foreach(c->args, name, v) {
		bp_buf_reset(&key);
		bp_buf_adds(&key, "BP_ARG_");
		for (const char *p = name; *p; p++)
			bp_buf_addc(&key, (char)(*p >= 'a' && *p <= 'z'
							 ? *p - 'a' + 'A'
							 : *p));
		bp_buf_reset(&val);
		arg_text(&val, v);
		env_add(&env, key.s, val.s);
	}
	shown = env.n;
	for (size_t i = 0; i < shown; i++) {
		const char *eq = strchr(env.v[i], '=');

		/* NAME='value': only the value is quoted */
		bp_buf_addc(&cmd, ' ');
		bp_buf_add(&cmd, env.v[i], (size_t)(eq - env.v[i]) + 1);
		bp_sandbox_shell_quote(&cmd, eq + 1);
		json_array_append_new(aj, json_string(env.v[i]));
	}
	bp_buf_addc(&cmd, ' ');
	bp_sandbox_shell_quote(&cmd, c->tool->pipeline);
	json_array_append_new(aj, json_string(c->tool->pipeline));
	/* the rest of the environment: plumbing, not needed to reproduce */
	env_add(&env, "PATH", s->path_env);
	env_add(&env, "HOME", home && *home ? home : s->ws);
	env_add(&env, "LC_ALL", "C");
	env_add(&env, "TZ", "UTC");
	env_add(&env, "BP_PROGRESS_FD", "3");
	env_add(&env, "BP_MCP_TOOL", c->tool->name);
	snprintf(num, sizeof(num), "%lld", (long long)c->run_id);
	env_add(&env, "BP_RUN_ID", num);
	if (c->task[0])
		env_add(&env, "BP_TASK_ID", c->task);

	c->envp = env.v;
	c->argv = bp_xcalloc(2, sizeof(*c->argv));
	c->argv[0] = bp_xstrdup(c->tool->pipeline);
	c->command = bp_buf_detach(&cmd, NULL);
	*argv_json = aj;
	bp_buf_release(&val);
	bp_buf_release(&key);
}

/* ---- calls ---- */

static void
call_free(struct call *c)
{
	if (!c)
		return;
	json_decref(c->id);
	json_decref(c->token);
	json_decref(c->args);
	json_decref(c->outputs);
	bp_sandbox_job_release(&c->job);
	strv_free(c->argv);
	strv_free(c->envp);
	free(c->command);
	free(c);
}

static void
unlink_call(struct server *s, struct call *c)
{
	struct call **pp;

	for (pp = &s->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->state == CALL_RUNNING)
		s->running--;
	else
		s->queued--;
}

static char *
dump_text(const json_t *v)
{
	struct bp_buf b = BP_BUF_INIT;

	bp_json_dump(&b, v, 0);
	return bp_buf_detach(&b, NULL);
}

/* A text content block. */
static json_t *
text_content(const char *text)
{
	return json_pack("[{s:s, s:s}]", "type", "text", "text", text);
}

/* A tool result with isError true and message as its text. */
static json_t *
error_result(const char *message)
{
	json_t *r = json_object();

	json_object_set_new(r, "content", text_content(message));
	json_object_set_new(r, "isError", json_true());
	return r;
}

static json_t *
ok_result(struct server *s, json_t *structured)
{
	json_t *r = json_object();
	char *text = dump_text(structured);

	json_object_set_new(r, "content", text_content(text));
	free(text);
	if (version_at_least(s, "2025-06-18"))
		json_object_set_new(r, "structuredContent", structured);
	else
		json_decref(structured);
	json_object_set_new(r, "isError", json_false());
	return r;
}

/* The runs.result summary of a call. */
static char *
run_summary(const struct call *c, const char *status, const char *error,
	    const json_t *output)
{
	json_t *o = json_object();
	char *text;

	json_object_set(o, "arguments", c->args ? c->args : json_null());
	json_object_set_new(o, "status", json_string(status));
	if (c->task[0])
		json_object_set_new(o, "task_id", json_string(c->task));
	if (error)
		json_object_set_new(o, "error", json_string(error));
	if (output) {
		text = dump_text(output);
		if (strlen(text) <= RESULT_KEEP)
			json_object_set(o, "output", (json_t *)output);
		else
			json_object_set_new(o, "output_truncated",
					    json_true());
		free(text);
	}
	text = dump_text(o);
	json_decref(o);
	return text;
}

/* Hash the files named by paths of role (input/output); NULL if none. */
static char *
hash_files(const json_t *files)
{
	json_t *o = json_object();
	const char *rel;
	json_t *abs;
	char *text = NULL;

	json_object_foreach((json_t *)files, rel, abs) {
		struct stat st;
		char hex[65];

		if (stat(json_string_value(abs), &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (st.st_size > HASH_MAX_BYTES) {
			char note[64];

			snprintf(note, sizeof(note), "size:%lld",
				 (long long)st.st_size);
			json_object_set_new(o, rel, json_string(note));
		} else if (bp_journal_hash_path(json_string_value(abs), hex) ==
			   0) {
			json_object_set_new(o, rel, json_string(hex));
		}
	}
	if (json_object_size(o))
		text = dump_text(o);
	json_decref(o);
	return text;
}

/* Record a call that never ran (rejected before start). */
static int64_t
record_rejected(struct server *s, struct tool *t, json_t *args,
		const char *status, const char *error)
{
	struct bp_journal_run r = { 0 };
	struct call c;
	char *summary;
	int64_t id = 0;

	memset(&c, 0, sizeof(c));
	c.args = args;
	summary = run_summary(&c, status, error, NULL);
	r.tool = t->name;
	r.source = "mcp";
	r.result = summary;
	if (bp_journal_run_start(s->store, &r, &id) == 0)
		bp_journal_run_finish(s->store, id, BP_EXIT_USAGE, 0, NULL,
				      NULL);
	free(summary);
	return id;
}

static void
send_progress(struct server *s, struct call *c, double done, double total,
	      const char *message)
{
	json_t *p;

	if (!c->token || !c->id || c->task[0] || done <= c->progress)
		return;
	c->progress = done;
	p = json_object();
	json_object_set(p, "progressToken", c->token);
	json_object_set_new(p, "progress", json_real(done));
	if (total > 0)
		json_object_set_new(p, "total", json_real(total));
	if (message && *message && version_at_least(s, "2025-03-26"))
		json_object_set_new(p, "message", json_string(message));
	send_msg(s, bp_jsonrpc_notification("notifications/progress", p));
}

/* "DONE TOTAL MESSAGE" lines from the pipeline's progress channel. */
static void
read_progress(struct server *s, struct call *c)
{
	struct bp_buf line = BP_BUF_INIT;

	while (bp_sandbox_progress_line(&c->job, &line)) {
		char *end, *msg;
		double done = strtod(line.s, &end), total;

		if (end == line.s || !(done >= 0))
			continue;
		total = strtod(end, &msg);
		if (msg == end)
			total = 0;
		while (*msg == ' ')
			msg++;
		if (c->task[0] && total > 0)
			bp_journal_task_progress(
			    s->store, c->task,
			    done / total > 1 ? 1 : done / total,
			    *msg ? msg : NULL);
		send_progress(s, c, done, total, msg);
	}
	bp_buf_release(&line);
}

/*
 * Why a finished call failed, or NULL when it succeeded; *counted says
 * whether the failure counts against the tool's circuit breaker.  On
 * success *out is its structured result (run_id added).
 */
static char *
judge(struct call *c, json_t **out, int *counted, const char **status)
{
	struct bp_buf m = BP_BUF_INIT, verr = BP_BUF_INIT;
	struct tool *t = c->tool;
	int code = bp_sandbox_exit_code(&c->job);
	char *tail = bp_sandbox_stderr_tail(&c->job, TAIL_SHOWN);
	json_error_t jerr;
	json_t *o = NULL;

	*out = NULL;
	*counted = 1;
	*status = "error";
	switch (c->job.end) {
	case BP_SANDBOX_TIMEOUT:
		*status = "timeout";
		bp_buf_addf(&m, "%s timed out after %g s; the whole pipeline "
				"was killed",
			    t->name, c->job.deadline - c->job.started);
		break;
	case BP_SANDBOX_OVERFLOW:
		bp_buf_addf(&m, "%s wrote more than %zu bytes of output; the "
				"pipeline was killed",
			    t->name, c->job.max_output);
		break;
	case BP_SANDBOX_CANCELLED:
		*counted = 0;
		*status = "cancelled";
		bp_buf_addf(&m, "%s was cancelled%s%s", t->name,
			    c->shutdown ? ": " : "",
			    c->shutdown ? c->shutdown : "");
		break;
	default:
		if (code != 0) {
			bp_buf_addf(&m, "%s failed (exit status %d)", t->name,
				    code);
			break;
		}
		o = json_loadb(c->job.out.s ? c->job.out.s : "", c->job.out.len,
			       0, &jerr);
		if (!json_is_object(o)) {
			bp_buf_addf(&m, "%s: the pipeline's output is not one "
					"JSON object",
				    t->name);
			break;
		}
		json_object_set_new(o, "run_id", json_integer(c->run_id));
		if (bp_jschema_validate(t->long_running ? t->result : t->output,
					o, &verr) < 0) {
			bp_buf_addf(&m, "%s: the pipeline's output does not "
					"match the tool's outputSchema: %s",
				    t->name, verr.s);
			break;
		}
		*out = o;
		o = NULL;
		*status = "ok";
	}
	json_decref(o);
	bp_buf_release(&verr);
	if (!m.len) {
		free(tail);
		return NULL;
	}
	if (*tail)
		bp_buf_addf(&m, "\n%s", tail);
	free(tail);
	return bp_buf_detach(&m, NULL);
}

static void
breaker_note(struct server *s, struct tool *t, int failed)
{
	if (!failed) {
		t->failures = 0;
		t->open_until = 0;
		return;
	}
	if (++t->failures >= s->o->breaker_failures &&
	    s->o->breaker_failures > 0) {
		t->open_until = bp_now() + s->o->breaker_cooldown_s;
		bp_warn("%s failed %d times in a row: refused for %g s",
			t->name, t->failures, s->o->breaker_cooldown_s);
		client_log(s, LOG_ERROR,
			   json_pack("{s:s, s:s, s:i, s:f}", "event",
				     "circuit_open", "tool", t->name,
				     "failures", t->failures, "cooldown_s",
				     s->o->breaker_cooldown_s));
	}
}

/*
 * Files a result names (e.g. the output a pipeline chose itself) are
 * hashed with the declared outputs, when they lie inside the workspace.
 */
static void
note_result_paths(struct server *s, struct call *c, const json_t *out)
{
	struct bp_buf abs = BP_BUF_INIT, err = BP_BUF_INIT;

	for (size_t i = 0; i < json_array_size(c->tool->result_paths); i++) {
		const char *key = json_string_value(
			json_array_get(c->tool->result_paths, i));
		const char *rel = json_string_value(json_object_get(out, key));

		if (rel && bp_sandbox_path(s->ws, rel, BP_SANDBOX_PATH_EXISTS,
					   &abs, &err) == 0)
			json_object_set_new(c->outputs, rel,
					    json_string(abs.s));
	}
	bp_buf_release(&abs);
	bp_buf_release(&err);
}

/* A call is over: record it, answer it (or its task), free it. */
static void
finish_call(struct server *s, struct call *c)
{
	json_t *out = NULL;
	const char *status = "cancelled";
	char *error, *summary, *ohash = NULL;
	int counted = 0, code = -1;
	double dur = 0;

	unlink_call(s, c);
	if (c->state == CALL_RUNNING) {
		error = judge(c, &out, &counted, &status);
		code = bp_sandbox_exit_code(&c->job);
		dur = bp_now() - c->job.started;
		if (out)
			note_result_paths(s, c, out);
		ohash = hash_files(c->outputs);
	} else {
		struct bp_buf m = BP_BUF_INIT;

		bp_buf_addf(&m, "%s was cancelled before it started%s%s",
			    c->tool->name, c->shutdown ? ": " : "",
			    c->shutdown ? c->shutdown : "");
		error = bp_buf_detach(&m, NULL);
	}
	if (c->client_cancelled || c->task_cancelled)
		counted = 0;
	if (counted || !error)
		breaker_note(s, c->tool, error != NULL);
	summary = run_summary(c, status, error, out);
	bp_journal_run_finish(s->store, c->run_id, code, dur, ohash, summary);
	bp_info(2, "run %lld: %s %s (exit %d, %.3f s)", (long long)c->run_id,
		c->tool->name, status, code, dur);
	client_log(s, error ? LOG_WARNING : LOG_INFO,
		   json_pack("{s:s, s:s, s:I, s:s, s:i, s:f}", "event",
			     "call_finished", "tool", c->tool->name, "run_id",
			     (json_int_t)c->run_id, "status", status,
			     "exit_code", code, "duration_s", dur));
	if (c->task[0]) {
		char *res = out ? dump_text(out) : NULL;

		bp_journal_task_finish(s->store, c->task,
				       !error ? "done"
				       : !strcmp(status, "cancelled")
					   ? "cancelled"
					   : "failed",
				       res, error);
		free(res);
	}
	if (c->id && !c->client_cancelled) {
		json_t *r;

		if (error) {
			struct bp_buf m = BP_BUF_INIT;

			bp_buf_addf(&m, "%s\n(run %lld: get_run shows the "
					"command that reproduces it)",
				    error, (long long)c->run_id);
			r = error_result(m.s);
			bp_buf_release(&m);
			json_decref(out);
		} else {
			r = ok_result(s, out);
		}
		answer(s, c->batch, bp_jsonrpc_result(c->id, r));
	} else if (c->batch) {
		answer(s, c->batch, NULL);
		json_decref(out);
	} else {
		json_decref(out);
	}
	free(error);
	free(summary);
	free(ohash);
	call_free(c);
}

static void
start_call(struct server *s, struct call *c)
{
	struct bp_sandbox_limits lim;
	const struct bp_mcp_opts *o = s->o;

	memset(&lim, 0, sizeof(lim));
	lim.timeout_s = c->tool->timeout;
	if (o->timeout_s > 0 && o->timeout_s < lim.timeout_s)
		lim.timeout_s = o->timeout_s;
	lim.cpu_s = o->cpu_s;
	lim.mem_bytes = o->mem_bytes;
	lim.file_bytes = o->file_bytes;
	lim.max_output = o->max_output;
	lim.isolate_net = s->isolate;
	s->queued--;
	s->running++;
	c->state = CALL_RUNNING;
	if (bp_sandbox_spawn(&c->job, c->argv, c->envp, s->ws, &lim) < 0) {
		/* reported on stderr; answer as a failed run */
		c->job.reaped = 1;
		c->job.status = 127 << 8;
		c->job.end = BP_SANDBOX_EXITED;
		c->job.started = bp_now();
		{
			const char *msg = "bp-mcp: the pipeline could not be "
					  "started (see bp-mcp's log)\n";

			for (const char *p = msg; *p; p++)
				c->job.tail[c->job.tail_len++] = *p;
		}
		return;
	}
	if (c->task[0])
		bp_journal_task_running(s->store, c->task, (long)c->job.pid);
	send_progress(s, c, 0, 0, "started");
}

static void
start_queued(struct server *s)
{
	for (struct call *c = s->calls; c && s->running < s->o->max_jobs;
	     c = c->next)
		if (c->state == CALL_QUEUED && s->stopping < 2)
			start_call(s, c);
}

static struct call *
find_call_by_id(struct server *s, const json_t *id)
{
	for (struct call *c = s->calls; c; c = c->next)
		if (c->id && json_equal(c->id, (json_t *)id))
			return c;
	return NULL;
}

static struct call *
find_call_by_task(struct server *s, const char *task)
{
	for (struct call *c = s->calls; c; c = c->next)
		if (c->task[0] && !strcmp(c->task, task))
			return c;
	return NULL;
}

/* End a call early: kill a running one; drop a queued one. */
static void
stop_call(struct server *s, struct call *c, double grace)
{
	if (c->state == CALL_RUNNING)
		bp_sandbox_stop(&c->job, BP_SANDBOX_CANCELLED, grace);
	else
		finish_call(s, c);
}

/* ---- tools/call ---- */

/* Rejected arguments: a tool error (2025-11-25) or invalid params. */
static void
invalid_args(struct server *s, struct batch *b, json_t *id, struct tool *t,
	     json_t *args, const char *msg)
{
	struct bp_buf m = BP_BUF_INIT;
	int64_t run = record_rejected(s, t, args, "invalid", msg);

	bp_buf_addf(&m, "invalid arguments for %s: %s", t->name, msg);
	if (version_at_least(s, "2025-11-25")) {
		bp_buf_addf(&m, "\n(nothing was run; see the tool's "
				"inputSchema; run %lld)",
			    (long long)run);
		answer(s, b, bp_jsonrpc_result(id, error_result(m.s)));
	} else {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS, m.s,
			     json_pack("{s:s, s:s}", "tool", t->name, "error",
				       msg));
	}
	bp_buf_release(&m);
}

/* Refused before running (breaker, missing program, busy). */
static void
refuse(struct server *s, struct batch *b, json_t *id, struct tool *t,
       json_t *args, const char *status, const char *msg)
{
	record_rejected(s, t, args, status, msg);
	answer(s, b, bp_jsonrpc_result(id, error_result(msg)));
}

/*
 * Confine the path arguments to the workspace.  Output paths are noted in
 * c->outputs (hashed afterwards); input files are hashed now into
 * *input_hash.  Returns 0, or -1 with a message in err.
 */
static int
check_paths(struct server *s, struct call *c, char **input_hash,
	    struct bp_buf *err)
{
	struct bp_buf abs = BP_BUF_INIT, perr = BP_BUF_INIT;
	json_t *inputs = json_object();
	const char *key;
	json_t *role;
	int rc = 0;

	c->outputs = json_object();
	json_object_foreach(c->tool->paths, key, role) {
		const json_t *v = json_object_get(c->args, key);
		const char *r = json_string_value(role);
		unsigned flags;

		if (!json_is_string(v))
			continue;
		if (!strcmp(r, "input"))
			flags = BP_SANDBOX_PATH_EXISTS;
		else if (!strcmp(r, "dir"))
			flags = BP_SANDBOX_PATH_EXISTS | BP_SANDBOX_PATH_DIR;
		else if (!strcmp(r, "outdir"))
			flags = BP_SANDBOX_PATH_DIR | BP_SANDBOX_PATH_MKDIR;
		else
			flags = BP_SANDBOX_PATH_MKDIR;
		if (bp_sandbox_path(s->ws, json_string_value(v), flags, &abs,
				    &perr) < 0) {
			bp_buf_reset(err);
			bp_buf_addf(err, "'%s': %s", key, perr.s);
			rc = -1;
			break;
		}
		json_object_set_new(!strcmp(r, "input") ? inputs : c->outputs,
				    json_string_value(v), json_string(abs.s));
	}
	*input_hash = rc == 0 ? hash_files(inputs) : NULL;
	json_decref(inputs);
	bp_buf_release(&abs);
	bp_buf_release(&perr);
	return rc;
}

static void
env_append(struct call *c, const char *key, const char *val)
{
	size_t n = 0;
	struct bp_buf b = BP_BUF_INIT;

	while (c->envp[n])
		n++;
	c->envp = bp_xreallocarray(c->envp, n + 2, sizeof(*c->envp));
	bp_buf_addf(&b, "%s=%s", key, val);
	c->envp[n] = bp_buf_detach(&b, NULL);
	c->envp[n + 1] = NULL;
}

static json_t *
cancel_task(struct server *s, struct tool *t, json_t *args, char **error,
	    char **command)
{
	const char *task = json_string_value(json_object_get(args, "task_id"));
	struct call *c = find_call_by_task(s, task);
	struct bp_buf cmd = BP_BUF_INIT, m = BP_BUF_INIT;
	json_t *row, *out = NULL;
	int missing = 0;

	(void)t;
	bp_buf_adds(&cmd, "BARPIPE_HOME=");
	bp_sandbox_shell_quote(&cmd, s->home);
	bp_buf_adds(&cmd, " bp-mcp journal --db ");
	bp_sandbox_shell_quote(&cmd, s->db);
	bp_buf_adds(&cmd, " task-cancel ");
	bp_sandbox_shell_quote(&cmd, task);
	*command = bp_buf_detach(&cmd, NULL);
	*error = NULL;
	if (c) {
		const char *was = c->state == CALL_RUNNING ? "running"
							   : "queued";

		c->task_cancelled = 1;
		bp_journal_task_finish(s->store, task, "cancelled", NULL,
				       "cancelled by cancel_task");
		stop_call(s, c, s->o->kill_grace_s);
		return json_pack("{s:s, s:s, s:s}", "task_id", task, "status",
				 "cancelled", "message",
				 !strcmp(was, "running")
					 ? "the task's pipeline was stopped"
					 : "the task had not started");
	}
	row = bp_journal_task_get(s->store, task, &missing);
	if (!row) {
		bp_buf_addf(&m, "no task '%s'%s", task,
			    missing ? "; get_task_status lists known tasks"
				    : " (database error)");
		*error = bp_buf_detach(&m, NULL);
		return NULL;
	}
	{
		const char *st = json_string_value(json_object_get(row,
								   "status"));

		if (st && (!strcmp(st, "done") || !strcmp(st, "failed") ||
			   !strcmp(st, "cancelled"))) {
			out = json_pack("{s:s, s:s, s:s}", "task_id", task,
					"status", st, "message",
					"the task had already finished");
		} else {
			bp_buf_addf(&m, "task '%s' is run by another bp-mcp "
					"process; cancel it there",
				    task);
			*error = bp_buf_detach(&m, NULL);
		}
	}
	json_decref(row);
	return out;
}

static void
internal_call(struct server *s, struct batch *b, json_t *id, struct tool *t,
	      json_t *args)
{
	struct bp_journal_run r = { 0 };
	char *error = NULL, *command = NULL, *summary;
	json_t *out, *argv;
	int64_t run = 0;
	double t0 = bp_now();

	out = cancel_task(s, t, args, &error, &command);
	argv = json_pack("[s,s,s,s,s]", "bp-mcp", "journal", "--db", s->db,
			 "task-cancel");
	json_array_append(argv, json_object_get(args, "task_id"));
	r.tool = t->name;
	r.source = "mcp";
	r.command = command;
	r.argv = summary = dump_text(argv);
	json_decref(argv);
	bp_journal_run_start(s->store, &r, &run);
	free(summary);
	{
		struct call c;

		memset(&c, 0, sizeof(c));
		c.args = args;
		summary = run_summary(&c, error ? "error" : "ok", error, out);
	}
	bp_journal_run_finish(s->store, run, error ? 1 : 0, bp_now() - t0, NULL,
			      summary);
	free(summary);
	free(command);
	if (error) {
		answer(s, b, bp_jsonrpc_result(id, error_result(error)));
		free(error);
		return;
	}
	json_object_set_new(out, "run_id", json_integer(run));
	answer(s, b, bp_jsonrpc_result(id, ok_result(s, out)));
}

static void
h_tools_call(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments");
	json_t *meta = json_object_get(params, "_meta");
	json_t *token = json_object_get(meta, "progressToken");
	struct bp_buf err = BP_BUF_INIT;
	struct bp_journal_run r = { 0 };
	struct call *c = NULL, **tail;
	char *input_hash = NULL, *summary = NULL, *argv_text;
	json_t *argv_json = NULL, *a = NULL;
	struct tool *t;
	char num[32];

	if (!name) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'name' (a string) is required",
			     NULL);
		return;
	}
	if (!(t = find_tool(s, name))) {
		bp_buf_addf(&err, "unknown tool '%.100s'", name);
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS, err.s,
			     json_pack("{s:s}", "tool", name));
		goto out;
	}
	if (args && !json_is_object(args)) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'arguments' must be an object",
			     NULL);
		goto out;
	}
	a = args ? json_deep_copy(args) : json_object();
	bp_jschema_defaults(t->input, a);
	if (bp_jschema_validate(t->input, a, &err) < 0) {
		invalid_args(s, b, id, t, a, err.s);
		json_decref(a);
		goto out;
	}
	if (t->internal) {
		internal_call(s, b, id, t, a);
		json_decref(a);
		goto out;
	}
	c = bp_xcalloc(1, sizeof(*c));
	bp_sandbox_job_init(&c->job);
	c->tool = t;
	c->args = a;
	c->progress = -1;
	c->state = CALL_QUEUED;
	if (json_is_integer(json_object_get(a, "experiment_id")))
		c->experiment_id =
			json_integer_value(json_object_get(a, "experiment_id"));
	if (check_paths(s, c, &input_hash, &err) < 0) {
		invalid_args(s, b, id, t, a, err.s);
		goto out;
	}
	if (t->open_until > bp_now()) {
		bp_buf_reset(&err);
		bp_buf_addf(&err, "%s is refused for %.0f more s: it failed %d "
				  "times in a row (circuit breaker); check its "
				  "inputs with get_run on its last runs before "
				  "retrying",
			    t->name, t->open_until - bp_now() + 0.5,
			    t->failures);
		refuse(s, b, id, t, a, "refused", err.s);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(t->requires); i++) {
		const char *prog = json_string_value(
			json_array_get(t->requires, i));

		if (prog && !in_path(s, prog)) {
			bp_buf_reset(&err);
			bp_buf_addf(&err, "%s is unavailable: it needs the "
					  "program '%s', which is not "
					  "installed (not found in PATH)",
				    t->name, prog);
			refuse(s, b, id, t, a, "unavailable", err.s);
			goto out;
		}
	}
	if (s->stopping || s->queued >= s->o->max_queue) {
		bp_buf_reset(&err);
		if (s->stopping)
			bp_buf_adds(&err, "bp-mcp is shutting down");
		else
			bp_buf_addf(&err, "busy: %d calls are already "
					  "waiting; try again when some "
					  "have finished",
				    s->queued);
		refuse(s, b, id, t, a, "refused", err.s);
		goto out;
	}
	build_command(s, c, &argv_json);
	argv_text = dump_text(argv_json);
	summary = run_summary(c, "running", NULL, NULL);
	r.tool = t->name;
	r.source = "mcp";
	r.argv = argv_text;
	r.command = c->command;
	r.input_hash = input_hash;
	r.experiment_id = c->experiment_id;
	r.result = summary;
	if (bp_journal_run_start(s->store, &r, &c->run_id) < 0) {
		free(argv_text);
		answer(s, b, bp_jsonrpc_result(id, error_result(
				     "bp-mcp cannot write its run journal "
				     "(database error; see its log)")));
		goto out;
	}
	free(argv_text);
	snprintf(num, sizeof(num), "%lld", (long long)c->run_id);
	env_append(c, "BP_RUN_ID", num);
	if (t->long_running) {
		snprintf(c->task, sizeof(c->task), "task-%lld",
			 (long long)c->run_id);
		env_append(c, "BP_TASK_ID", c->task);
		bp_journal_task_create(s->store, c->task, t->name, c->command);
	}
	if (json_is_string(token) || json_is_integer(token))
		c->token = json_incref(token);
	for (tail = &s->calls; *tail; tail = &(*tail)->next)
		;
	*tail = c;
	s->queued++;
	if (t->long_running) {
		json_t *h;

		start_queued(s);
		h = json_pack("{s:s, s:s, s:s, s:I, s:s}", "task_id", c->task,
			      "status",
			      c->state == CALL_RUNNING ? "running" : "queued",
			      "tool", t->name, "run_id",
			      (json_int_t)c->run_id, "message",
			      "started as a task: poll get_task_status with "
			      "this task_id until its status is done, "
			      "failed or cancelled");
		answer(s, b, bp_jsonrpc_result(id, ok_result(s, h)));
	} else {
		/* answered by finish_call() */
		c->id = json_incref(id);
		c->batch = b;
	}
	c = NULL;
out:
	if (c) {
		c->args = NULL;	/* owned by the caller's path above */
		json_decref(a);
		call_free(c);
	}
	json_decref(argv_json);
	free(input_hash);
	free(summary);
	bp_buf_release(&err);
}

/* ---- resources ---- */

#define OHLCV_PREFIX "ml://data/ohlcv/"
#define EXPERIMENT_PREFIX "ml://experiments/"
#define RECENT_BARS 200

static const struct {
	const char *uri, *name, *title, *description;
} static_resources[] = {
	{ "ml://data/stats", "data_stats", "Data statistics",
	  "What market data is available: every symbol and timeframe in the "
	  "bar cache with its first and last bar and count, and the bar and "
	  "feature files in the workspace." },
	{ "ml://models/active", "models_active", "Active models",
	  "The model version currently active (promoted) under each model "
	  "name, with its kind, features, label and validation metrics." },
	{ "ml://models/versions", "models_versions", "Model versions",
	  "Every registered model version: name, version, kind, status "
	  "(candidate, active, retired), parent version and creation time." },
	{ "ml://models/metrics", "models_metrics", "Model metrics",
	  "Validation metrics of every registered model version, to compare "
	  "them at a glance." },
	{ "ml://insights/recent", "insights_recent", "Recent insights",
	  "The 20 most recent research insights recorded with save_insight." },
};

static const struct {
	const char *uri, *name, *title, *description, *mime;
} resource_templates[] = {
	{ OHLCV_PREFIX "{symbol}/{timeframe}", "ohlcv", "Recent bars",
	  "The most recent 200 cached bars of one symbol and timeframe "
	  "(e.g. ml://data/ohlcv/BTCUSDT/1h) as a barpipe bar stream: one "
	  "JSON object per line with ts (bar open time, UTC), symbol, open, "
	  "high, low, close, volume.  Bars get into the cache with "
	  "fetch_ohlcv (store: true).",
	  "application/x-ndjson" },
	{ EXPERIMENT_PREFIX "{id}", "experiment", "Experiment",
	  "One experiment (e.g. ml://experiments/1): its hypothesis, status "
	  "and notes, the runs linked to it and the insights recorded for "
	  "it.",
	  "application/json" },
};

/* Replace integer ms timestamps in the named keys by RFC 3339 text. */
static void
format_ts(json_t *rows, const char *const *keys)
{
	char buf[BP_TS_BUFSZ];

	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);

		for (const char *const *k = keys; *k; k++) {
			json_t *v = json_object_get(r, *k);

			if (json_is_integer(v)) {
				bp_ts_format(buf, json_integer_value(v));
				json_object_set_new(r, *k, json_string(buf));
			}
		}
	}
}

static json_t *
workspace_files(struct server *s, const char *sub)
{
	struct bp_buf p = BP_BUF_INIT;
	json_t *a = json_array();
	struct dirent *de;
	DIR *d;

	bp_buf_addf(&p, "%s/%s", s->ws, sub);
	d = opendir(p.s);
	while (d && (de = readdir(d)) && json_array_size(a) < 500) {
		struct bp_buf f = BP_BUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		bp_buf_addf(&f, "%s/%s", p.s, de->d_name);
		if (lstat(f.s, &st) == 0 && S_ISREG(st.st_mode)) {
			bp_buf_reset(&f);
			bp_buf_addf(&f, "%s/%s", sub, de->d_name);
			json_array_append_new(
				a, json_pack("{s:s, s:I}", "path", f.s, "bytes",
					     (json_int_t)st.st_size));
		}
		bp_buf_release(&f);
	}
	if (d)
		closedir(d);
	bp_buf_release(&p);
	return a;
}

/* Compare path members, for a stable listing. */
static int
cmp_path(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;

	return strcmp(json_string_value(json_object_get(a, "path")),
		      json_string_value(json_object_get(b, "path")));
}

static json_t *
sorted(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = bp_xcalloc(n ? n : 1, sizeof(*v)), *out = json_array();

	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(a, i);
	qsort(v, n, sizeof(*v), cmp_path);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(a);
	return out;
}

static json_t *
res_stats(struct server *s)
{
	static const char *const ts_keys[] = { "first", "last", NULL };
	json_t *cache, *o, *files;

	cache = bp_journal_query(
		s->store,
		"SELECT symbol, timeframe, count(*) AS bars, min(ts) AS first, "
		"max(ts) AS last FROM bars GROUP BY symbol, timeframe "
		"ORDER BY symbol, timeframe",
		NULL, 0);
	if (!cache)
		return NULL;
	format_ts(cache, ts_keys);
	files = sorted(workspace_files(s, "data"));
	{
		json_t *f = sorted(workspace_files(s, "features"));

		json_array_extend(files, f);
		json_decref(f);
	}
	o = json_object();
	json_object_set_new(o, "cache", cache);
	json_object_set_new(o, "workspace_files", files);
	return o;
}

static json_t *
res_models(struct server *s, const char *which)
{
	const char *sql;
	json_t *rows;

	if (!strcmp(which, "active"))
		sql = "SELECT name, version, kind, label, features, params, "
		      "metrics, sha256, parent, created_at FROM models "
		      "WHERE status = 'active' ORDER BY name";
	else if (!strcmp(which, "versions"))
		sql = "SELECT name, version, kind, label, status, parent, "
		      "sha256, created_at FROM models ORDER BY name, version";
	else
		sql = "SELECT name, version, kind, status, metrics FROM models "
		      "ORDER BY name, version";
	rows = bp_journal_query(s->store, sql, NULL, 0);
	if (!rows)
		return NULL;
	return json_pack("{s:o}", "models", rows);
}

static int
token_ok(const char *s, size_t n, const char *allowed, size_t max)
{
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr(allowed, s[i]) || !s[i])
			return 0;
	return 1;
}

/*
 * Read uri into text and *mime.  Returns 0, or an error code with a
 * message in text.
 */
static int
read_resource(struct server *s, const char *uri, struct bp_buf *text,
	      const char **mime)
{
	static const char *const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-";
	json_t *doc = NULL;

	*mime = "application/json";
	if (!strcmp(uri, "ml://data/stats")) {
		doc = res_stats(s);
	} else if (!strncmp(uri, "ml://models/", 12) &&
		   (!strcmp(uri + 12, "active") ||
		    !strcmp(uri + 12, "versions") ||
		    !strcmp(uri + 12, "metrics"))) {
		doc = res_models(s, uri + 12);
	} else if (!strcmp(uri, "ml://insights/recent")) {
		json_t *recent = bp_journal_query(
			s->store,
			"SELECT id, category, content, tags, importance, "
			"experiment_id, created_at FROM insights "
			"ORDER BY id DESC LIMIT 20",
			NULL, 0);

		if (recent)
			doc = json_pack("{s:o}", "insights", recent);
	} else if (!strncmp(uri, EXPERIMENT_PREFIX,
			    strlen(EXPERIMENT_PREFIX))) {
		const char *p = uri + strlen(EXPERIMENT_PREFIX);
		int missing = 0;

		if (!token_ok(p, strlen(p), "0123456789", 18))
			goto not_found;
		doc = bp_journal_experiment_get(s->store, strtoll(p, NULL, 10),
						&missing);
		if (!doc && missing)
			goto not_found;
	} else if (!strncmp(uri, OHLCV_PREFIX, strlen(OHLCV_PREFIX))) {
		static const char *const ts_keys[] = { "ts", NULL };
		const char *sym = uri + strlen(OHLCV_PREFIX);
		const char *slash = strchr(sym, '/');
		const char *args[2];
		char symbol[32], tf[16];
		json_t *rows;

		if (!slash ||
		    !token_ok(sym, (size_t)(slash - sym), upper, 20) ||
		    !token_ok(slash + 1, strlen(slash + 1),
			      "0123456789smhdwM", 8))
			goto not_found;
		snprintf(symbol, sizeof(symbol), "%.*s", (int)(slash - sym),
			 sym);
		snprintf(tf, sizeof(tf), "%s", slash + 1);
		args[0] = symbol;
		args[1] = tf;
		rows = bp_journal_query(
			s->store,
			"SELECT ts, symbol, open, high, low, close, volume "
			"FROM (SELECT * FROM bars WHERE symbol = ?1 AND "
			"timeframe = ?2 ORDER BY ts DESC LIMIT 200) "
			"ORDER BY ts",
			args, 2);
		if (!rows)
			goto failed;
		if (json_array_size(rows) == 0) {
			json_decref(rows);
			bp_buf_addf(text, "no cached bars for %s %s; fetch "
					  "them with fetch_ohlcv and "
					  "store: true",
				    symbol, tf);
			return BP_JSONRPC_RESOURCE_NOT_FOUND;
		}
		format_ts(rows, ts_keys);
		*mime = "application/x-ndjson";
		for (size_t i = 0; i < json_array_size(rows); i++) {
			bp_json_dump(text, json_array_get(rows, i), 0);
			bp_buf_addc(text, '\n');
		}
		json_decref(rows);
		return 0;
	} else {
		goto not_found;
	}
	if (!doc)
		goto failed;
	bp_json_dump(text, doc, BP_JSON_INDENT);
	bp_buf_addc(text, '\n');
	json_decref(doc);
	return 0;
not_found:
	bp_buf_reset(text);
	bp_buf_addf(text, "resource not found: %.200s", uri);
	return BP_JSONRPC_RESOURCE_NOT_FOUND;
failed:
	bp_buf_reset(text);
	bp_buf_adds(text, "cannot read the database (see bp-mcp's log)");
	return BP_JSONRPC_INTERNAL_ERROR;
}

static json_t *
resource_entry(struct server *s, const char *uri, const char *name,
	       const char *title, const char *description, const char *mime)
{
	json_t *r = json_pack("{s:s, s:s}", "uri", uri, "name", name);

	if (version_at_least(s, "2025-06-18"))
		json_object_set_new(r, "title", json_string(title));
	json_object_set_new(r, "description", json_string(description));
	json_object_set_new(r, "mimeType", json_string(mime));
	return r;
}

static json_t *
h_resources_list(struct server *s)
{
	json_t *list = json_array(), *pairs;

	for (size_t i = 0; i < BP_ARRAY_SIZE(static_resources); i++)
		json_array_append_new(
			list, resource_entry(s, static_resources[i].uri,
					     static_resources[i].name,
					     static_resources[i].title,
					     static_resources[i].description,
					     "application/json"));
	/* the cached series, as concrete instances of the template */
	pairs = bp_journal_query(s->store,
				 "SELECT DISTINCT symbol, timeframe FROM bars "
				 "ORDER BY symbol, timeframe LIMIT 100",
				 NULL, 0);
	for (size_t i = 0; i < json_array_size(pairs); i++) {
		json_t *p = json_array_get(pairs, i);
		const char *sym = json_string_value(json_object_get(p,
								    "symbol"));
		const char *tf =
		    json_string_value(json_object_get(p, "timeframe"));
		struct bp_buf uri = BP_BUF_INIT, name = BP_BUF_INIT;

		if (!sym || !tf)
			continue;
		bp_buf_addf(&uri, OHLCV_PREFIX "%s/%s", sym, tf);
		bp_buf_addf(&name, "ohlcv_%s_%s", sym, tf);
		json_array_append_new(
			list, resource_entry(s, uri.s, name.s,
					     "Recent bars",
					     resource_templates[0].description,
					     resource_templates[0].mime));
		bp_buf_release(&uri);
		bp_buf_release(&name);
	}
	json_decref(pairs);
	return json_pack("{s:o}", "resources", list);
}

static json_t *
h_templates_list(struct server *s)
{
	json_t *list = json_array();

	for (size_t i = 0; i < BP_ARRAY_SIZE(resource_templates); i++) {
		json_t *t = json_pack("{s:s, s:s}", "uriTemplate",
				      resource_templates[i].uri, "name",
				      resource_templates[i].name);

		if (version_at_least(s, "2025-06-18"))
			json_object_set_new(
				t, "title",
				json_string(resource_templates[i].title));
		json_object_set_new(
			t, "description",
			json_string(resource_templates[i].description));
		json_object_set_new(t, "mimeType",
				    json_string(resource_templates[i].mime));
		json_array_append_new(list, t);
	}
	return json_pack("{s:o}", "resourceTemplates", list);
}

static void
h_resources_read(struct server *s, struct batch *b, json_t *id,
		 json_t *params)
{
	const char *uri = json_string_value(json_object_get(params, "uri"));
	struct bp_buf text = BP_BUF_INIT;
	const char *mime;
	int code;

	if (!uri) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'uri' (a string) is required",
			     NULL);
		return;
	}
	code = read_resource(s, uri, &text, &mime);
	if (code) {
		answer_error(s, b, id, code, text.s,
			     json_pack("{s:s}", "uri", uri));
	} else {
		json_t *c = json_pack("{s:s, s:s, s:s}", "uri", uri,
				      "mimeType", mime, "text", text.s);

		answer(s, b,
		       bp_jsonrpc_result(id, json_pack("{s:[o]}", "contents",
						       c)));
	}
	bp_buf_release(&text);
}

/* ---- prompts ---- */

static json_t *
find_prompt(struct server *s, const char *name)
{
	for (size_t i = 0; i < json_array_size(s->prompts); i++) {
		json_t *p = json_array_get(s->prompts, i);

		if (!strcmp(json_string_value(json_object_get(p, "name")),
			    name))
			return p;
	}
	return NULL;
}

static json_t *
h_prompts_list(struct server *s)
{
	json_t *list = json_array();

	for (size_t i = 0; i < json_array_size(s->prompts); i++) {
		json_t *p = json_array_get(s->prompts, i), *e;

		e = json_pack("{s:O}", "name", json_object_get(p, "name"));
		if (version_at_least(s, "2025-06-18") &&
		    json_object_get(p, "title"))
			json_object_set(e, "title",
					json_object_get(p, "title"));
		json_object_set(e, "description",
				json_object_get(p, "description"));
		{
			json_t *defs = json_object_get(p, "arguments");
			json_t *args = json_array();

			for (size_t j = 0; j < json_array_size(defs); j++) {
				json_t *d = json_array_get(defs, j);

				json_array_append_new(
				    args,
				    json_pack("{s:O, s:O, s:b}", "name",
					      json_object_get(d, "name"),
					      "description",
					      json_object_get(d, "description"),
					      "required",
					      json_is_true(json_object_get(
						  d, "required"))));
			}
			json_object_set_new(e, "arguments", args);
		}
		json_array_append_new(list, e);
	}
	return json_pack("{s:o}", "prompts", list);
}

static void
h_prompts_get(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *given = json_object_get(params, "arguments");
	json_t *p, *defs, *msg;
	struct bp_buf text = BP_BUF_INIT, m = BP_BUF_INIT;
	const char *t;

	if (!name || (given && !json_is_object(given))) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'name' (a string) is required "
			     "and 'arguments' is an object",
			     NULL);
		return;
	}
	if (!(p = find_prompt(s, name))) {
		bp_buf_addf(&m, "unknown prompt '%.100s'", name);
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS, m.s, NULL);
		goto out;
	}
	defs = json_object_get(p, "arguments");
	for (size_t i = 0; i < json_array_size(defs); i++) {
		json_t *d = json_array_get(defs, i);
		const char *an = json_string_value(json_object_get(d, "name"));
		json_t *v = json_object_get(given, an);

		if (v && !json_is_string(v)) {
			bp_buf_addf(&m, "invalid params: prompt argument "
					"'%s' must be a string",
				    an);
			answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS, m.s,
				     NULL);
			goto out;
		}
		if (!v && json_is_true(json_object_get(d, "required"))) {
			bp_buf_addf(&m, "invalid params: prompt '%s' needs "
					"the argument '%s'",
				    name, an);
			answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS, m.s,
				     NULL);
			goto out;
		}
	}
	/* {{arg}} -> the argument's text, or its default, or "" */
	for (t = json_string_value(json_object_get(p, "text")); *t;) {
		const char *open = strstr(t, "{{"), *close;

		if (!open || !(close = strstr(open, "}}"))) {
			bp_buf_adds(&text, t);
			break;
		}
		bp_buf_add(&text, t, (size_t)(open - t));
		{
			char an[64];
			json_t *v;

			snprintf(an, sizeof(an), "%.*s",
				 (int)(close - open - 2), open + 2);
			v = json_object_get(given, an);
			if (!v)
				for (size_t i = 0; i < json_array_size(defs);
				     i++) {
					json_t *d = json_array_get(defs, i);

					if (!strcmp(json_string_value(
							    json_object_get(
								    d, "name")),
						    an))
						v = json_object_get(d,
								    "default");
				}
			if (json_is_string(v))
				bp_buf_adds(&text, json_string_value(v));
		}
		t = close + 2;
	}
	msg = json_pack("{s:s, s:{s:s, s:s}}", "role", "user", "content",
			"type", "text", "text", text.s);
	answer(s, b,
	       bp_jsonrpc_result(id, json_pack("{s:O, s:[o]}", "description",
					       json_object_get(p,
							       "description"),
					       "messages", msg)));
out:
	bp_buf_release(&text);
	bp_buf_release(&m);
}

/* ---- lifecycle and the other methods ---- */

static const char default_instructions[] =
	"barpipe runs research pipelines on market data: fetch bars, compute "
	"features, train and evaluate models, backtest, and keep a journal "
	"of experiments and insights. Every tool call runs a shell pipeline "
	"that get_run can show and a person can re-run. Files live in one "
	"workspace; name them by relative paths. No tool can place orders.";

static void
h_initialize(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	const char *want =
	    json_string_value(json_object_get(params, "protocolVersion"));
	const char *title = json_string_value(json_object_get(s->server_info,
							      "title"));
	const char *instr = json_string_value(json_object_get(s->server_info,
							      "instructions"));
	const char *name;
	json_t *r, *info, *caps;

	if (s->initialized) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_REQUEST,
			     "invalid request: already initialized", NULL);
		return;
	}
	if (!want) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'protocolVersion' (a string) is "
			     "required",
			     NULL);
		return;
	}
	s->version = bp_mcp_versions[0];
	for (int i = 0; bp_mcp_versions[i]; i++)
		if (!strcmp(want, bp_mcp_versions[i]))
			s->version = bp_mcp_versions[i];
	s->initialized = 1;
	caps = json_pack("{s:{}, s:{s:b}, s:{s:b, s:b}, s:{s:b}}", "logging",
			 "prompts", "listChanged", 0, "resources", "subscribe",
			 0, "listChanged", 0, "tools", "listChanged", 0);
	name = json_string_value(json_object_get(s->server_info, "name"));
	info = json_pack("{s:s, s:s}", "name", name ? name : "barpipe",
			 "version", BP_VERSION);
	if (title && version_at_least(s, "2025-06-18"))
		json_object_set_new(info, "title", json_string(title));
	r = json_pack("{s:s, s:o, s:o}", "protocolVersion", s->version,
		      "capabilities", caps, "serverInfo", info);
	if (version_at_least(s, "2025-03-26"))
		json_object_set_new(r, "instructions",
				    json_string(instr ? instr
						      : default_instructions));
	bp_info(2, "session: protocol %s (client asked for %.40s)",
		s->version, want);
	answer(s, b, bp_jsonrpc_result(id, r));
}

static json_t *
h_tools_list(struct server *s)
{
	json_t *list = json_array();

	for (size_t i = 0; i < s->ntools; i++) {
		struct tool *t = &s->tools[i];
		json_t *e = json_pack("{s:s}", "name", t->name), *ann;

		if (t->title && version_at_least(s, "2025-06-18"))
			json_object_set_new(e, "title", json_string(t->title));
		json_object_set_new(e, "description",
				    json_string(t->description));
		json_object_set(e, "inputSchema", t->input);
		if (version_at_least(s, "2025-06-18"))
			json_object_set(e, "outputSchema", t->output);
		ann = json_object_get(t->def, "annotations");
		if (ann && version_at_least(s, "2025-03-26"))
			json_object_set(e, "annotations", ann);
		json_array_append_new(list, e);
	}
	return json_pack("{s:o}", "tools", list);
}

static int
level_index(const char *name)
{
	for (int i = 0; name && log_levels[i]; i++)
		if (!strcmp(name, log_levels[i]))
			return i;
	return -1;
}

static void
notification(struct server *s, const char *method, json_t *params)
{
	if (!strcmp(method, "notifications/cancelled")) {
		json_t *rid = json_object_get(params, "requestId");
		struct call *c = rid ? find_call_by_id(s, rid) : NULL;

		/* unknown or finished requests: ignored, as the spec says */
		if (c) {
			bp_info(2, "run %lld: cancelled by the client",
				(long long)c->run_id);
			c->client_cancelled = 1;
			stop_call(s, c, s->o->kill_grace_s);
		}
	}
	/* initialized, progress, roots/list_changed...: nothing to do */
}

static void
h_ping(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	(void)params;
	answer(s, b, bp_jsonrpc_result(id, json_object()));
}

static void
h_set_level(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	int level = level_index(
		json_string_value(json_object_get(params, "level")));

	if (level < 0) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'level' must be one of debug, "
			     "info, notice, warning, error, critical, alert, "
			     "emergency",
			     NULL);
		return;
	}
	s->log_level = level;
	answer(s, b, bp_jsonrpc_result(id, json_object()));
}

/* The list methods: one page holds everything. */
static void
h_list(struct server *s, struct batch *b, json_t *id,
       json_t *(*list)(struct server *))
{
	answer(s, b, bp_jsonrpc_result(id, list(s)));
}

static void
m_tools_list(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	(void)params;
	h_list(s, b, id, h_tools_list);
}

static void
m_resources_list(struct server *s, struct batch *b, json_t *id,
		 json_t *params)
{
	(void)params;
	h_list(s, b, id, h_resources_list);
}

static void
m_templates_list(struct server *s, struct batch *b, json_t *id,
		 json_t *params)
{
	(void)params;
	h_list(s, b, id, h_templates_list);
}

static void
m_prompts_list(struct server *s, struct batch *b, json_t *id, json_t *params)
{
	(void)params;
	h_list(s, b, id, h_prompts_list);
}

typedef void (*method_fn)(struct server *s, struct batch *b, json_t *id,
			  json_t *params);

enum method_flags {
	M_BEFORE_INIT = 1 << 0, /* answered before initialize */
	M_PAGED = 1 << 1,	/* a list: no cursor is ours */
};

/* The methods bp-mcp answers; notifications are in notification(). */
static const struct method {
	const char *name;
	method_fn fn;
	unsigned flags;
} methods[] = {
	{ "initialize", h_initialize, M_BEFORE_INIT },
	{ "ping", h_ping, M_BEFORE_INIT },
	{ "tools/list", m_tools_list, M_PAGED },
	{ "tools/call", h_tools_call, 0 },
	{ "resources/list", m_resources_list, M_PAGED },
	{ "resources/templates/list", m_templates_list, M_PAGED },
	{ "resources/read", h_resources_read, 0 },
	{ "prompts/list", m_prompts_list, M_PAGED },
	{ "prompts/get", h_prompts_get, 0 },
	{ "logging/setLevel", h_set_level, 0 },
};

/*
 * Answer a request: at once, or (tools/call) when its pipeline ends.
 */
static void
request(struct server *s, struct batch *b, json_t *id, const char *method,
	json_t *params)
{
	const struct method *m = NULL;
	struct bp_buf msg = BP_BUF_INIT;

	for (size_t i = 0; i < BP_ARRAY_SIZE(methods); i++)
		if (!strcmp(method, methods[i].name))
			m = &methods[i];
	if (params && !json_is_object(params)) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: 'params' must be an object",
			     NULL);
	} else if (!s->initialized && !(m && (m->flags & M_BEFORE_INIT))) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_REQUEST,
			     "invalid request: the session is not "
			     "initialized (send initialize first)",
			     NULL);
	} else if (find_call_by_id(s, id)) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_REQUEST,
			     "invalid request: this id is already in use by "
			     "a request in progress",
			     NULL);
	} else if (!m) {
		bp_buf_addf(&msg, "method not found: '%.100s'", method);
		answer_error(s, b, id, BP_JSONRPC_METHOD_NOT_FOUND, msg.s,
			     NULL);
	} else if ((m->flags & M_PAGED) && json_object_get(params, "cursor")) {
		answer_error(s, b, id, BP_JSONRPC_INVALID_PARAMS,
			     "invalid params: unknown cursor", NULL);
	} else {
		m->fn(s, b, id, params);
	}
	bp_buf_release(&msg);
}

/* One classified message (a whole line, or a member of a batch). */
static void
dispatch(struct server *s, struct batch *b, json_t *v)
{
	struct bp_jsonrpc_msg m = BP_JSONRPC_MSG_INIT;

	switch (bp_jsonrpc_classify(v, &m)) {
	case BP_JSONRPC_REQUEST:
		if (b)
			b->pending++;
		request(s, b, m.id, m.method, m.params);
		break;
	case BP_JSONRPC_NOTIFICATION:
		notification(s, m.method, m.params);
		break;
	case BP_JSONRPC_BAD:
		if (b)
			b->pending++;
		answer(s, b, bp_jsonrpc_error(m.id, json_incref(m.error)));
		break;
	case BP_JSONRPC_BATCH:
		/* a batch inside a batch */
		if (b)
			b->pending++;
		answer_error(s, b, NULL, BP_JSONRPC_INVALID_REQUEST,
			     "invalid request: nested batch", NULL);
		break;
	default:
		break;	/* responses: we send no requests */
	}
	bp_jsonrpc_msg_release(&m);
}

static void
handle_line(struct server *s, const char *line, size_t len)
{
	struct bp_jsonrpc_msg m = BP_JSONRPC_MSG_INIT;
	struct bp_buf e = BP_BUF_INIT;

	switch (bp_jsonrpc_parse(line, len, &m)) {
	case BP_JSONRPC_BLANK:
	case BP_JSONRPC_RESPONSE:
		break;
	case BP_JSONRPC_BAD:
		bp_info(2, "answering a bad message: %s",
			json_string_value(json_object_get(m.error, "message")));
		send_msg(s, bp_jsonrpc_error(m.id, json_incref(m.error)));
		break;
	case BP_JSONRPC_BATCH:
		/* JSON-RPC batches belong to MCP 2025-03-26 only */
		if (!s->version || strcmp(s->version, "2025-03-26")) {
			bp_buf_addf(&e,
				    "invalid request: JSON-RPC batches "
				    "are not part of MCP %s",
				    s->version ? s->version
					       : "before 2025-03-26"
						 " was agreed");
			send_msg(s, bp_jsonrpc_error(
					NULL, bp_jsonrpc_error_object(
						  BP_JSONRPC_INVALID_REQUEST,
						  e.s, NULL)));
		} else {
			struct batch *b = bp_xcalloc(1, sizeof(*b));

			b->pending = 1;
			b->responses = json_array();
			for (size_t i = 0; i < json_array_size(m.doc); i++)
				dispatch(s, b, json_array_get(m.doc, i));
			answer(s, b, NULL);	/* the +1 held while reading */
		}
		break;
	default:
		dispatch(s, NULL, m.doc);
		break;
	}
	bp_buf_release(&e);
	bp_jsonrpc_msg_release(&m);
}

/* ---- the loop ---- */

static int
setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return bp_error_errno("cannot create a pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void
restore_signals(void)
{
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (sigpipe_fds[0] >= 0) {
		close(sigpipe_fds[0]);
		close(sigpipe_fds[1]);
	}
	sigpipe_fds[0] = sigpipe_fds[1] = -1;
}

/* End every call: the input is gone or we were told to stop. */
static void
stop_all(struct server *s, const char *why, int tasks_only, double grace)
{
	struct call *c, *next;

	for (c = s->calls; c; c = next) {
		next = c->next;
		if (tasks_only && !c->task[0])
			continue;
		if (c->job.end != BP_SANDBOX_RUNNING)
			continue;
		c->shutdown = why;
		stop_call(s, c, grace);
	}
}

static void
on_input(struct server *s)
{
	const char *line;
	size_t len;
	long n = bp_jsonrpc_fill(&s->rd, s->in);
	int rc;

	if (n == -2)
		return;
	if (n < 0)
		s->rd.eof = 1;
	while (s->stopping < 2 &&
	       (rc = bp_jsonrpc_next(&s->rd, &line, &len)) > 0) {
		if (rc == 2) {
			struct bp_buf m = BP_BUF_INIT;

			bp_buf_addf(&m, "invalid request: message longer than "
					"%zu bytes",
				    s->rd.max);
			send_msg(s, bp_jsonrpc_error(
					NULL, bp_jsonrpc_error_object(
						  BP_JSONRPC_INVALID_REQUEST,
						  m.s, NULL)));
			bp_buf_release(&m);
			continue;
		}
		handle_line(s, line, len);
	}
	if (s->rd.eof && !s->stopping) {
		bp_info(2, "end of input: finishing %d running call(s)",
			s->running + s->queued);
		s->stopping = 1;
		s->drain_until = bp_now() + s->o->drain_s;
		/* nobody is left to ask for a task's result */
		stop_all(s, "bp-mcp's input ended", 1, s->o->kill_grace_s);
	}
}

static int
serve_loop(struct server *s)
{
	struct pollfd *pfd = NULL;
	struct call **owner = NULL;
	size_t alloc = 0, alloc2 = 0;

	while (s->calls || !s->stopping) {
		double now = bp_now(), next = 0;
		nfds_t n = 0;
		int ms = -1;

		if (got_signal && s->stopping < 2) {
			bp_info(2, "signal %d: stopping", (int)got_signal);
			s->stopping = 2;
			stop_all(s, "bp-mcp was stopped", 0,
				 s->o->kill_grace_s);
		}
		if (s->stopping == 1 && s->drain_until <= now && s->calls) {
			s->stopping = 2;
			stop_all(s, "bp-mcp's input ended and the drain time "
				    "ran out",
				 0, 0);
		}
		if (s->out_broken && s->stopping < 2) {
			s->stopping = 2;
			stop_all(s, "the client went away", 0, 0);
		}
		start_queued(s);
		while (s->stopping >= 2 && s->queued > 0) {
			struct call *c = s->calls;

			while (c->state != CALL_QUEUED)
				c = c->next;
			finish_call(s, c);
		}
		BP_GROW(pfd, alloc, 2 + 3 * (size_t)s->running);
		BP_GROW(owner, alloc2, 2 + 3 * (size_t)s->running);
		pfd[n] = (struct pollfd){ sigpipe_fds[0], POLLIN, 0 };
		owner[n++] = NULL;
		if (!s->stopping) {
			pfd[n] = (struct pollfd){ s->in, POLLIN, 0 };
			owner[n++] = NULL;
		}
		for (struct call *c = s->calls; c; c = c->next) {
			double t;

			if (c->state != CALL_RUNNING)
				continue;
			if (c->job.out_fd >= 0) {
				pfd[n] = (struct pollfd){ c->job.out_fd,
							  POLLIN, 0 };
				owner[n++] = c;
			}
			if (c->job.err_fd >= 0) {
				pfd[n] = (struct pollfd){ c->job.err_fd,
							  POLLIN, 0 };
				owner[n++] = c;
			}
			if (c->job.prog_fd >= 0) {
				pfd[n] = (struct pollfd){ c->job.prog_fd,
							  POLLIN, 0 };
				owner[n++] = c;
			}
			t = bp_sandbox_tick(&c->job, now);
			if (t > 0 && (next == 0 || t < next))
				next = t;
		}
		if (s->stopping == 1 && (next == 0 || s->drain_until < next))
			next = s->drain_until;
		if (next > 0)
			ms = next <= now ? 0 : (int)((next - now) * 1000) + 1;
		if (poll(pfd, n, ms) < 0 && errno != EINTR) {
			bp_error_errno("poll");
			break;
		}
		if (pfd[0].revents) {
			char buf[64];

			while (read(sigpipe_fds[0], buf, sizeof(buf)) > 0)
				;
		}
		for (nfds_t i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (!owner[i]) {
				on_input(s);
				continue;
			}
			bp_sandbox_read(&owner[i]->job, pfd[i].fd);
			read_progress(s, owner[i]);
		}
		/* collect what ended */
		for (struct call *c = s->calls, *next_c; c; c = next_c) {
			next_c = c->next;
			if (c->state != CALL_RUNNING)
				continue;
			bp_sandbox_reap(&c->job);
			if (bp_sandbox_done(&c->job)) {
				/* progress written just before the end */
				while (c->job.prog_fd >= 0 &&
				       bp_sandbox_read(&c->job,
						       c->job.prog_fd) == 1)
					;
				read_progress(s, c);
				finish_call(s, c);
			}
		}
	}
	free(pfd);
	free(owner);
	return 0;
}

static void
server_release(struct server *s)
{
	for (size_t i = 0; i < s->ntools; i++) {
		free(s->tools[i].pipeline);
		json_decref(s->tools[i].output);
		json_decref(s->tools[i].result);
	}
	free(s->tools);
	json_decref(s->manifest);
	free(s->manifest_dir);
	bp_store_free(&s->store);
	free(s->ws);
	free(s->home);
	free(s->db);
	free(s->share);
	free(s->exe_dir);
	free(s->path_env);
	bp_jsonrpc_reader_release(&s->rd);
	bp_buf_release(&s->line);
}

static int
server_init(struct server *s, const struct bp_mcp_opts *o, int with_store)
{
	struct bp_buf b = BP_BUF_INIT;
	char *manifest;
	const char *path = getenv("PATH");

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->log_level = -1;
	manifest = o->manifest ? bp_xstrdup(o->manifest)
			       : bp_mcp_find_manifest(NULL);
	if (!manifest || load_manifest(s, manifest) < 0) {
		free(manifest);
		return -1;
	}
	free(manifest);
	s->home = bp_home();
	s->exe_dir = exe_dir();
	bp_buf_addf(&b, "%s%s%s", s->exe_dir ? s->exe_dir : "",
		    s->exe_dir ? ":" : "",
		    path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	s->path_env = bp_buf_detach(&b, NULL);
	if (o->share) {
		s->share = realpath(o->share, NULL);
		if (!s->share)
			return bp_error_errno("cannot use '%s'", o->share);
	} else {
		bp_buf_addf(&b, "%s/..", s->manifest_dir);
		s->share = realpath(b.s, NULL);
		bp_buf_reset(&b);
		if (!s->share)
			s->share = bp_xstrdup(s->manifest_dir);
	}
	if (!with_store) {
		bp_buf_release(&b);
		return 0;
	}
	if (o->workspace)
		bp_buf_adds(&b, o->workspace);
	else
		bp_buf_addf(&b, "%s/work", s->home);
	if (bp_mkdirs(b.s) < 0) {
		bp_buf_release(&b);
		return -1;
	}
	s->ws = realpath(b.s, NULL);
	if (!s->ws) {
		bp_error_errno("cannot use the workspace '%s'", b.s);
		bp_buf_release(&b);
		return -1;
	}
	bp_buf_release(&b);
	s->store = bp_store_open(o->db, 0);
	if (!s->store)
		return -1;
	s->db = realpath(bp_store_path(s->store), NULL);
	if (!s->db)
		s->db = bp_xstrdup(bp_store_path(s->store));
	return 0;
}

int
bp_mcp_check_manifest(const struct bp_mcp_opts *o)
{
	struct server s;
	int rc = server_init(&s, o, 0);

	if (rc == 0)
		printf("%s: %zu tools, %zu prompts: ok\n",
		       o->manifest ? o->manifest : "manifest", s.ntools,
		       json_array_size(s.prompts));
	server_release(&s);
	return rc;
}

int
bp_mcp_serve(const struct bp_mcp_opts *o, int in, int out)
{
	struct server s;
	int rc = BP_EXIT_FAIL, stale;

	if (server_init(&s, o, 1) < 0)
		goto out;
	s.in = in;
	s.out = out;
	s.rd.max = o->max_line;
	s.isolate = o->isolate_net && bp_sandbox_can_isolate_net();
	if (o->isolate_net && !s.isolate)
		bp_warn("no private network namespace available: pipelines "
			"are not cut off from the network (barpipe's own "
			"pipelines make no network connections)");
	stale = bp_journal_task_reap_stale(s.store);
	if (stale > 0)
		bp_info(2, "%d task(s) of an earlier bp-mcp marked failed",
			stale);
	if (setup_signals() < 0)
		goto out;
	bp_info(2, "serving %zu tools; workspace '%s'; database '%s'",
		s.ntools, s.ws, s.db);
	serve_loop(&s);
	rc = BP_EXIT_OK;
out:
	restore_signals();
	server_release(&s);
	return rc;
}
