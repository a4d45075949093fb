/*
 * sandbox: run one pipeline as a confined child process.
 *
 * A pipeline is executed directly (fork + execve) with an argv and an
 * environment built by the caller: nothing is ever spliced into shell
 * text.  The child runs in its own process group (so the whole pipeline
 * can be killed at once), in the workspace directory, with stdin from
 * /dev/null, with resource limits (RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE, no
 * core files), every other file descriptor closed, default signal
 * dispositions, and, when the kernel allows it, a private network
 * namespace with no interfaces but a down loopback, so that it cannot reach
 * any host.
 *
 * The parent reads the child's stdout (kept, up to a cap), stderr (only
 * its tail is kept, for error messages) and a progress channel (fd 3 in
 * the child, named by $BP_PROGRESS_FD) from its own poll() loop:
 *
 *	bp_sandbox_spawn(&job, argv, envp, cwd, &limits)
 *	poll on job.out_fd, job.err_fd, job.prog_fd (those >= 0)
 *	bp_sandbox_read(&job, fd) when one is readable
 *	bp_sandbox_reap(&job) when SIGCHLD arrives
 *	bp_sandbox_done(&job) says when everything is collected
 *
 * Paths named by a client are confined to the workspace with
 * bp_sandbox_path(): no absolute paths, no "..", and no symbolic link that
 * leads outside.
 */
#ifndef BP_SANDBOX_H
#define BP_SANDBOX_H

#include <sys/types.h>

#include "util.h"

struct bp_sandbox_limits {
	double timeout_s;	/* wall clock; 0 = none */
	long cpu_s;		/* RLIMIT_CPU seconds; 0 = none */
	long long mem_bytes;	/* RLIMIT_AS bytes; 0 = none */
	long long file_bytes;	/* RLIMIT_FSIZE bytes; 0 = none */
	size_t max_output;	/* stdout bytes kept; more kills the job */
	int isolate_net;	/* private network namespace when possible */
};

enum bp_sandbox_end {
	BP_SANDBOX_RUNNING = 0,
	BP_SANDBOX_EXITED,	/* exited or died by itself */
	BP_SANDBOX_TIMEOUT,	/* killed at its deadline */
	BP_SANDBOX_OVERFLOW,	/* killed: stdout beyond max_output */
	BP_SANDBOX_CANCELLED,	/* killed on request */
};

#define BP_SANDBOX_TAIL 4096	/* bytes of stderr kept */

struct bp_sandbox_job {
	pid_t pid;		/* also its process group id; 0 when none */
	int out_fd, err_fd, prog_fd;	/* -1 once closed */
	struct bp_buf out;	/* stdout, at most max_output bytes */
	char tail[BP_SANDBOX_TAIL];	/* last stderr bytes (ring) */
	size_t tail_len;	/* total stderr bytes seen */
	struct bp_buf prog;	/* unread progress bytes */
	size_t max_output;
	double started, deadline, kill_at;	/* bp_now() seconds; 0 = none */
	int reaped, status;	/* waitpid status once reaped */
	enum bp_sandbox_end end;
	int net_isolated;	/* the child got its own network namespace */
};

void bp_sandbox_job_init(struct bp_sandbox_job *j);
/* Close fds and free buffers; does not kill (call bp_sandbox_kill). */
void bp_sandbox_job_release(struct bp_sandbox_job *j);

/*
 * Start argv[0] (a path: no PATH search) with environment envp in
 * directory cwd.  Returns 0, or -1 after reporting when the program could
 * not be started at all (the message names it and says why).
 */
int bp_sandbox_spawn(struct bp_sandbox_job *j, char *const argv[],
		     char *const envp[], const char *cwd,
		     const struct bp_sandbox_limits *lim);

/*
 * Read what is available on fd (one of the job's).  Returns 1 when data
 * was read, 2 when nothing was there yet, 0 at end of file (the fd is
 * closed and set to -1).  Output beyond max_output ends the job
 * (BP_SANDBOX_OVERFLOW).
 */
int bp_sandbox_read(struct bp_sandbox_job *j, int fd);

/*
 * Collect the child if it has exited (never blocks).  The moment the
 * pipeline's leader is seen to exit, everything left in its process group
 * is killed, so no stray process outlives a pipeline.  Returns 1 once
 * reaped.
 */
int bp_sandbox_reap(struct bp_sandbox_job *j);

/* 1 when the job was reaped and its stdout and stderr reached EOF. */
int bp_sandbox_done(const struct bp_sandbox_job *j);

/*
 * End the job for reason why: SIGTERM to the whole group now, SIGKILL
 * after grace_s seconds (checked by bp_sandbox_tick); grace_s 0 kills at
 * once.
 */
void bp_sandbox_stop(struct bp_sandbox_job *j, enum bp_sandbox_end why,
		     double grace_s);

/*
 * Enforce the deadline and a pending SIGKILL at time now.  Returns the
 * next time this job needs a tick (0 when none).
 */
double bp_sandbox_tick(struct bp_sandbox_job *j, double now);

/* Exit code as a shell shows it: status, or 128 + signal; -1 running. */
int bp_sandbox_exit_code(const struct bp_sandbox_job *j);

/* The stderr tail as one string (new; the caller frees). */
char *bp_sandbox_stderr_tail(const struct bp_sandbox_job *j, size_t max);

/*
 * Next complete progress line ("DONE TOTAL MESSAGE"), without its
 * newline, into line.  Returns 1 with a line, else 0.
 */
int bp_sandbox_progress_line(struct bp_sandbox_job *j, struct bp_buf *line);

/*
 * Run a job to completion (no other fds to watch): used by tools and
 * tests that need one pipeline.  Returns 0 with *j filled (check j->end
 * and the exit code), or -1 after reporting when it could not start.
 */
int bp_sandbox_run(struct bp_sandbox_job *j, char *const argv[],
		   char *const envp[], const char *cwd,
		   const struct bp_sandbox_limits *lim);

/*
 * Whether this process may create a private network namespace for its
 * children (probed once, by a throw-away child).
 */
int bp_sandbox_can_isolate_net(void);

enum bp_sandbox_path_flags {
	BP_SANDBOX_PATH_EXISTS = 1 << 0,	/* must exist */
	BP_SANDBOX_PATH_DIR = 1 << 1,		/* must be a directory */
	BP_SANDBOX_PATH_MKDIR = 1 << 2,		/* create missing parents */
};

/*
 * Confine rel, a path a client named, to the workspace whose real path
 * (realpath(3), no trailing slash) is ws.  rel must be relative, non-empty
 * and free of ".." components; the deepest existing ancestor of ws/rel is
 * resolved with realpath and must lie inside ws, and an existing final
 * component may not be a symbolic link leading outside.  On success abs
 * holds the absolute path (inside ws) and 0 is returned; otherwise -1 with
 * a message in err (nothing is reported on stderr).
 */
int bp_sandbox_path(const char *ws, const char *rel, unsigned flags,
		    struct bp_buf *abs, struct bp_buf *err);

/*
 * Append s to b quoted for a POSIX shell: bare when it is made of safe
 * characters only, else in single quotes with each ' written as '\''.
 */
void bp_sandbox_shell_quote(struct bp_buf *b, const char *s);

#endif
