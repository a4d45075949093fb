/*
 * test-sandbox: child processes (output, stderr tail, progress, exit
 * codes, timeout and output cap killing the whole group, rlimits, the
 * environment, descriptors, stdin, process group), workspace path
 * confinement and shell quoting.
 */
#define _GNU_SOURCE	/* realpath, usleep */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"
#include "tap.h"
#include "util.h"

static char *noenv[] = { (char *)"PATH=/usr/bin:/bin", NULL };

static struct bp_sandbox_limits
limits(void)
{
	struct bp_sandbox_limits l;

	memset(&l, 0, sizeof(l));
	l.timeout_s = 10;
	return l;
}

/* Run sh -c script; returns the job (caller releases). */
static int
sh(struct bp_sandbox_job *j, const char *script,
   const struct bp_sandbox_limits *l)
{
	char *argv[] = { (char *)"/bin/bash", (char *)"-c", (char *)script,
			 NULL };

	return bp_sandbox_run(j, argv, noenv, "/", l);
}

static int
gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	for (int i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (!f)
			return 1;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		p = p ? strrchr(buf, ')') : NULL;
		if (p && p[2] == 'Z')
			return 1;	/* dead, waiting for its reaper */
		usleep(20000);
	}
	return 0;
}

static void
run_cases(void)
{
	struct bp_sandbox_limits l = limits();
	struct bp_sandbox_job j;
	struct bp_buf line = BP_BUF_INIT;
	char *tail;
	int nul;

	ok(sh(&j, "echo hi; echo oops >&2; exit 3", &l) == 0, "run");
	ok(j.end == BP_SANDBOX_EXITED && bp_sandbox_exit_code(&j) == 3,
	   "exit code 3");
	ok(j.out.len == 3 && !memcmp(j.out.s, "hi\n", 3), "stdout kept");
	tail = bp_sandbox_stderr_tail(&j, 100);
	ok(!strcmp(tail, "oops"), "stderr tail '%s'", tail);
	free(tail);
	bp_sandbox_job_release(&j);

	ok(sh(&j, "echo '1 2 reading' >&3; printf '2 2 done'>&3", &l) == 0,
	   "progress run");
	ok(bp_sandbox_progress_line(&j, &line) &&
	       !strcmp(line.s, "1 2 reading"),
	   "first progress line");
	ok(bp_sandbox_progress_line(&j, &line) && !strcmp(line.s, "2 2 done"),
	   "last progress line without newline");
	ok(!bp_sandbox_progress_line(&j, &line), "no more");
	bp_sandbox_job_release(&j);
	bp_buf_release(&line);

	/* stderr keeps only its tail, cut at a line start */
	ok(sh(&j, "for i in $(seq 2000); do echo line $i >&2; done; kill -9 $$",
	      &l) == 0,
	   "noisy run killed by a signal");
	ok(bp_sandbox_exit_code(&j) == 128 + SIGKILL, "exit 137");
	tail = bp_sandbox_stderr_tail(&j, 40);
	ok(!strncmp(tail, "line ", 5) && strstr(tail, "line 2000") &&
		   !strstr(tail, "\n\n") && strlen(tail) <= 40,
	   "tail cut at a line start, %zu bytes", strlen(tail));
	free(tail);
	bp_sandbox_job_release(&j);

	/* timeout kills the whole group, background processes too */
	l.timeout_s = 0.3;
	ok(sh(&j, "sleep 30 & echo $!; wait", &l) == 0, "timeout run");
	ok(j.end == BP_SANDBOX_TIMEOUT, "ended by the timeout");
	ok(gone((pid_t)atoi(j.out.s)), "the background sleep is gone");
	bp_sandbox_job_release(&j);
	l.timeout_s = 10;

	/* a leader that exits leaves nothing running in its group */
	ok(sh(&j, "sleep 30 >/dev/null 2>&1 & echo $!", &l) == 0, "orphan run");
	ok(j.end == BP_SANDBOX_EXITED && bp_sandbox_exit_code(&j) == 0,
	   "leader exit 0");
	ok(gone((pid_t)atoi(j.out.s)), "what it left behind is gone");
	bp_sandbox_job_release(&j);

	/* output cap */
	l.max_output = 1000;
	ok(sh(&j, "head -c 1000000 /dev/zero", &l) == 0, "big output run");
	ok(j.end == BP_SANDBOX_OVERFLOW && j.out.len == 1000,
	   "stopped at the cap with %zu bytes", j.out.len);
	bp_sandbox_job_release(&j);
	l.max_output = 0;

	/* rlimits */
	l.cpu_s = 5;
	l.mem_bytes = 256LL << 20;
	l.file_bytes = 1 << 20;
	ok(sh(&j, "ulimit -t; ulimit -v; ulimit -f; ulimit -c", &l) == 0,
	   "limits run");
	ok(j.out.s && !strcmp(j.out.s, "5\n262144\n1024\n0\n"),
	   "limits: cpu 5 s, 256 MiB, 1 MiB files, no core");
	bp_sandbox_job_release(&j);
	l = limits();

	/* environment, directory, stdin, descriptors, process group */
	/* a descriptor that is not close-on-exec must not reach the child */
	nul = dup2(open("/dev/null", O_RDONLY), 40);
	{
		char *argv[] = { (char *)"/usr/bin/env", NULL };
		char *env[] = { (char *)"A=1", (char *)"B=two words", NULL };

		ok(bp_sandbox_run(&j, argv, env, "/", &l) == 0 &&
			   !strcmp(j.out.s, "A=1\nB=two words\n"),
		   "only the given environment");
		bp_sandbox_job_release(&j);
	}
	ok(sh(&j, "pwd; readlink /proc/self/fd/0; "
		  "for f in /proc/$$/fd/*; do printf '%s ' ${f##*/}; done; "
		  "echo; cut -d' ' -f5 /proc/$$/stat",
	      &l) == 0,
	   "process facts run");
	{
		char want[128];

		/* 4 is the directory the glob reads */
		snprintf(want, sizeof(want), "/\n/dev/null\n0 1 2 3 4 \n%d\n",
			 (int)j.pid);
		ok(j.out.s && !strcmp(j.out.s, want),
		   "cwd, stdin, fds 0-3 only, own group");
		if (!j.out.s || strcmp(j.out.s, want))
			printf("# got: %s", j.out.s ? j.out.s : "");
	}
	bp_sandbox_job_release(&j);
	close(nul);

	/* cannot start */
	{
		char *argv[] = { (char *)"/nonexistent/prog", NULL };

		ok(bp_sandbox_spawn(&j, argv, noenv, "/", &l) < 0,
		   "a missing program is reported");
		bp_sandbox_job_release(&j);
	}
	if (bp_sandbox_can_isolate_net()) {
		l.isolate_net = 1;
		ok(sh(&j, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
		      &l) == 0 &&
			   j.out.s && !strcmp(j.out.s, "lo\n"),
		   "private network namespace: only lo");
		bp_sandbox_job_release(&j);
	} else {
		ok(1, "# SKIP no network namespaces here");
	}
}

static char ws[PATH_MAX];

static int
path(const char *rel, unsigned flags, const char *want_suffix,
     const char *want_err)
{
	struct bp_buf abs = BP_BUF_INIT, err = BP_BUF_INIT;
	int rc = bp_sandbox_path(ws, rel, flags, &abs, &err), pass;

	if (want_err)
		pass = rc < 0 && strstr(err.s, want_err) != NULL;
	else
		pass = rc == 0 && strlen(abs.s) >= strlen(ws) &&
		       !strncmp(abs.s, ws, strlen(ws)) &&
		       !strcmp(abs.s + strlen(ws), want_suffix);
	if (!pass)
		printf("# '%s': rc %d abs '%s' err '%s'\n", rel, rc,
		       abs.s ? abs.s : "", err.s ? err.s : "");
	bp_buf_release(&abs);
	bp_buf_release(&err);
	return pass;
}

static void
path_cases(void)
{
	char tmpl[] = "/tmp/test-sandbox.XXXXXX", *d, buf[PATH_MAX + 64];
	struct stat st;

	d = mkdtemp(tmpl);
	ok(d != NULL, "temp dir");
	snprintf(buf, sizeof(buf), "%s/ws", d);
	mkdir(buf, 0777);
	ok(realpath(buf, ws) != NULL, "workspace");
	snprintf(buf, sizeof(buf), "%s/outside", d);
	mkdir(buf, 0777);
	snprintf(buf, sizeof(buf), "%s/sub", ws);
	mkdir(buf, 0777);
	snprintf(buf, sizeof(buf), "%s/sub/f", ws);
	close(open(buf, O_CREAT | O_WRONLY, 0666));
	snprintf(buf, sizeof(buf), "%s/outside", d);
	ok(symlink(buf, "/dev/null/x") < 0, "(setup)");
	{
		char link[PATH_MAX + 64];

		snprintf(link, sizeof(link), "%s/out", ws);
		ok(symlink(buf, link) == 0, "symlink to outside");
		snprintf(link, sizeof(link), "%s/in", ws);
		ok(symlink("sub", link) == 0, "symlink inside");
		snprintf(link, sizeof(link), "%s/dead", ws);
		ok(symlink("/nonexistent/x", link) == 0, "dangling symlink");
		snprintf(link, sizeof(link), "%s/up", ws);
		ok(symlink("..", link) == 0, "symlink to ..");
	}
	ok(path("", 0, NULL, "is empty"), "empty");
	ok(path("/etc/passwd", 0, NULL, "absolute paths are not allowed"),
	   "absolute");
	ok(path("../x", 0, NULL, "'..' is not allowed"), "..");
	ok(path("sub/../../x", 0, NULL, "'..' is not allowed"), "inner ..");
	ok(path("sub/..", 0, NULL, "'..' is not allowed"), "final ..");
	ok(path("sub/f", BP_SANDBOX_PATH_EXISTS, "/sub/f", NULL), "existing");
	ok(path("./sub//f", BP_SANDBOX_PATH_EXISTS, "/sub/f", NULL),
	   "dots and double slashes");
	ok(path("sub/g", BP_SANDBOX_PATH_EXISTS, NULL, "does not exist"),
	   "missing input");
	ok(path("sub/f", BP_SANDBOX_PATH_DIR, NULL, "is not a directory"),
	   "a file is not a dir");
	ok(path("in/f", BP_SANDBOX_PATH_EXISTS, "/sub/f", NULL),
	   "symlink inside is resolved");
	ok(path("out", 0, NULL, "leads outside the workspace"),
	   "symlink out");
	ok(path("out/new.txt", BP_SANDBOX_PATH_MKDIR, NULL,
		"leads outside the workspace"),
	   "new file under a symlink out");
	ok(path("out/a/b/c", BP_SANDBOX_PATH_MKDIR, NULL,
		"leads outside the workspace"),
	   "new dirs under a symlink out");
	snprintf(buf, sizeof(buf), "%s/outside/a", d);
	ok(stat(buf, &st) < 0, "nothing created outside");
	ok(path("up/x", 0, NULL, "leads outside the workspace"),
	   "symlink to ..");
	ok(path("dead", 0, NULL, "dangling"), "dangling symlink");
	ok(path("new/deep/file.zst", BP_SANDBOX_PATH_MKDIR,
		"/new/deep/file.zst", NULL),
	   "output: parents created");
	snprintf(buf, sizeof(buf), "%s/new/deep", ws);
	ok(stat(buf, &st) == 0 && S_ISDIR(st.st_mode), "parents exist");
	snprintf(buf, sizeof(buf), "%s/new/deep/file.zst", ws);
	ok(stat(buf, &st) < 0, "the file itself is not created");
	ok(path("sub/f/x", BP_SANDBOX_PATH_MKDIR, NULL, "not a directory"),
	   "a file as a parent");
	snprintf(buf, sizeof(buf), "rm -rf '%s'", d);
	ok(system(buf) == 0, "cleanup");
}

static void
quote_cases(void)
{
	static const char *const cases[] = {
		"plain", "", "two words", "it's", "$(touch x)", "`id`",
		"a;b|c&d", "new\nline", "\\back\\", "'''", "\"q\"", "*?[",
		"~user", "-n", "a=b", "$HOME", NULL,
	};

	for (int i = 0; cases[i]; i++) {
		struct bp_buf cmd = BP_BUF_INIT;
		struct bp_sandbox_job j;
		struct bp_sandbox_limits l = limits();
		char *argv[] = { (char *)"/bin/sh", (char *)"-c", NULL, NULL };

		bp_buf_adds(&cmd, "printf '%s' ");
		bp_sandbox_shell_quote(&cmd, cases[i]);
		argv[2] = cmd.s;
		ok(bp_sandbox_run(&j, argv, noenv, "/", &l) == 0 &&
			   bp_sandbox_exit_code(&j) == 0 &&
			   j.out.len == strlen(cases[i]) &&
			   !memcmp(j.out.s ? j.out.s : "", cases[i], j.out.len),
		   "quoted round trip %d", i);
		bp_sandbox_job_release(&j);
		bp_buf_release(&cmd);
	}
	{
		struct bp_buf b = BP_BUF_INIT;

		bp_sandbox_shell_quote(&b, "BTCUSDT-1h.csv");
		ok(!strcmp(b.s, "BTCUSDT-1h.csv"), "safe words stay bare");
		bp_buf_release(&b);
	}
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	run_cases();
	path_cases();
	quote_cases();
	return done_testing();
}
