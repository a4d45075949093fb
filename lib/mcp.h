/*
 * mcp: bp-mcp, barpipe's Model Context Protocol server.
 *
 * The server speaks JSON-RPC 2.0 over a pair of file descriptors (stdio:
 * one message per line) and implements the MCP lifecycle (initialize with
 * version negotiation, initialized, ping), tools (list, call), resources
 * (list, templates, read), prompts (list, get), logging/setLevel,
 * progress and cancellation notifications.
 *
 * Tools come from a manifest (mcp-shim/manifest.json): each names a
 * pipeline script, a JSON Schema for its arguments and one for its
 * result.  A call is validated against the schema, then the pipeline runs
 * as a sandboxed child process (lib/sandbox) with the arguments in its
 * environment, never in shell text; its stdout is one JSON object, the
 * tool's structured result.  Several calls run at once (up to max_jobs,
 * the rest wait in arrival order), each answered by its id when it ends.
 * Long-running tools become tasks: the call returns a task id at once and
 * the task's state lives in the `tasks` table.  Every call is recorded in
 * `runs` with the shell command that reproduces it (lib/journal).
 *
 * One thread: a poll() loop over the input, a SIGCHLD self-pipe and the
 * running pipelines' output pipes.  Output messages are written whole,
 * one line each.
 */
#ifndef BP_MCP_H
#define BP_MCP_H

#include <stddef.h>

#include "util.h"

struct bp_mcp_opts {
	const char *manifest;	/* NULL: found beside the executable */
	const char *workspace;	/* NULL: $BARPIPE_HOME/work */
	const char *db;		/* NULL: the default database */
	const char *share;	/* NULL: the manifest directory's parent */
	int max_jobs;		/* pipelines at once */
	int max_queue;		/* calls waiting for a slot */
	double timeout_s;	/* upper bound on every tool's timeout */
	long cpu_s;		/* RLIMIT_CPU per process */
	long long mem_bytes;	/* RLIMIT_AS per process; 0 = none */
	long long file_bytes;	/* RLIMIT_FSIZE; 0 = none */
	size_t max_output;	/* bytes of a pipeline's stdout */
	size_t max_line;	/* longest request line; 0 = no limit */
	int breaker_failures;	/* consecutive failures that open it */
	double breaker_cooldown_s;
	double drain_s;		/* at end of input: wait for calls */
	double kill_grace_s;	/* SIGTERM -> SIGKILL on cancellation */
	int isolate_net;	/* private network namespace if possible */
};

#define BP_MCP_OPTS_INIT                                                    \
	{                                                                   \
		NULL, NULL, NULL, NULL, 4, 64, 3600, 3600,                  \
		4096LL << 20, 4LL << 30, 16 << 20, 64 << 20, 5, 60, 30, 2,  \
		1                                                           \
	}

/* The protocol versions spoken, newest first (NULL-terminated). */
extern const char *const bp_mcp_versions[];

/*
 * Find the manifest when none is given: $BP_MCP_MANIFEST, then
 * <dir of the executable>/../mcp-shim/manifest.json, then datadir's
 * mcp-shim/manifest.json.  Returns a new string, or NULL (reported).
 */
char *bp_mcp_find_manifest(const char *datadir);

/*
 * Load and check the manifest (every schema, pipeline, name); print
 * problems.  Returns 0 when it is usable, -1 otherwise.
 */
int bp_mcp_check_manifest(const struct bp_mcp_opts *o);

/*
 * Serve MCP on in/out until the input ends (then running calls get
 * drain_s seconds to finish) or SIGTERM/SIGINT/SIGHUP arrives.  No child
 * process outlives it.  Returns an exit code (0 on a clean end).
 */
int bp_mcp_serve(const struct bp_mcp_opts *o, int in, int out);

#endif
