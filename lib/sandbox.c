/* sandbox: confined child processes and workspace-confined paths. */
#define _GNU_SOURCE	/* unshare(2), pipe2(2) */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROGRESS_FD 3

void
bp_sandbox_job_init(struct bp_sandbox_job *j)
{
	memset(j, 0, sizeof(*j));
	j->out_fd = j->err_fd = j->prog_fd = -1;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
bp_sandbox_job_release(struct bp_sandbox_job *j)
{
	close_fd(&j->out_fd);
	close_fd(&j->err_fd);
	close_fd(&j->prog_fd);
	bp_buf_release(&j->out);
	bp_buf_release(&j->prog);
}

/* ---- in the child, between fork and exec: async-signal-safe only ---- */

static void
child_fail(int fd, int err)
{
	ssize_t rc = write(fd, &err, sizeof(err));

	(void)rc;
	_exit(127);
}

static void
set_limit(int resource, long long soft, long long hard)
{
	struct rlimit rl;

	if (soft <= 0)
		return;
	rl.rlim_cur = (rlim_t)soft;
	rl.rlim_max = (rlim_t)hard;
	/* never raise a hard limit we were given */
	{
		struct rlimit cur;

		if (getrlimit(resource, &cur) == 0 &&
		    cur.rlim_max != RLIM_INFINITY) {
			if (rl.rlim_max > cur.rlim_max)
				rl.rlim_max = cur.rlim_max;
			if (rl.rlim_cur > rl.rlim_max)
				rl.rlim_cur = rl.rlim_max;
		}
	}
	setrlimit(resource, &rl);
}

static int
isolate_net(void)
{
	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	/* unprivileged: a user namespace makes a network namespace allowed */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0)
		return 0;
	return -1;
}

static void
close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	{
		long max = sysconf(_SC_OPEN_MAX);

		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = lowfd; fd < max; fd++)
			close(fd);
	}
}

static void
child(int out, int err, int prog, int report, char *const argv[],
      char *const envp[], const char *cwd,
      const struct bp_sandbox_limits *lim)
{
	sigset_t none;
	int nul, sig;

	setpgid(0, 0);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (lim->isolate_net && isolate_net() < 0)
		child_fail(report, -EPERM);

	/* move the pipes to 1, 2, 3 and the exec report pipe above them */
	if (report <= PROGRESS_FD) {
		int r = fcntl(report, F_DUPFD_CLOEXEC, PROGRESS_FD + 1);

		if (r < 0)
			child_fail(report, errno);
		report = r;
	}
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0)
		child_fail(report, errno);
	/* the pipe ends are >= 3 (0..2 are open), so dup2 order is safe */
	if (dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
	    dup2(prog, PROGRESS_FD) < 0)
		child_fail(report, errno);
	if (fcntl(report, F_GETFD) < 0)
		_exit(127);
	/* keep 0-3 and the report pipe (close-on-exec); close the rest */
	for (int fd = PROGRESS_FD + 1; fd < report; fd++)
		close(fd);
	close_from(report + 1);

	set_limit(RLIMIT_CPU, lim->cpu_s, lim->cpu_s + 1);
	set_limit(RLIMIT_AS, lim->mem_bytes, lim->mem_bytes);
	set_limit(RLIMIT_FSIZE, lim->file_bytes, lim->file_bytes);
	{
		struct rlimit core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &core);
	}
	if (cwd && chdir(cwd) < 0)
		child_fail(report, errno);
	execve(argv[0], argv, envp);
	child_fail(report, errno);
}

/* ---- in the parent ---- */

static int
spawn_fail(int fds[8], const char *what, const char *prog)
{
	int err = errno;

	for (int i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	errno = err;
	return bp_error_errno("cannot %s '%s'", what, prog);
}

int
bp_sandbox_spawn(struct bp_sandbox_job *j, char *const argv[],
		 char *const envp[], const char *cwd,
		 const struct bp_sandbox_limits *lim)
{
	int fds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
	int err = 0;
	ssize_t n;
	pid_t pid;

	bp_sandbox_job_init(j);
	/* out, err, progress, exec report: all close-on-exec */
	for (int i = 0; i < 4; i++)
		if (pipe2(fds + 2 * i, O_CLOEXEC) < 0)
			return spawn_fail(fds, "create a pipe for", argv[0]);
	pid = fork();
	if (pid < 0)
		return spawn_fail(fds, "start", argv[0]);
	if (pid == 0) {
		child(fds[1], fds[3], fds[5], fds[7], argv, envp, cwd, lim);
		_exit(127);
	}
	/* also here, so that a kill right after fork hits the group */
	setpgid(pid, pid);
	close(fds[1]);
	close(fds[3]);
	close(fds[5]);
	close(fds[7]);
	do
		n = read(fds[6], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fds[6]);
	if (n == (ssize_t)sizeof(err)) {
		/* exec failed: the child is exiting with 127 */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(fds[0]);
		close(fds[2]);
		close(fds[4]);
		if (err == -EPERM) {
			bp_error("cannot start '%s': no private network "
				 "namespace for it",
				 argv[0]);
			return -1;
		}
		errno = err;
		return bp_error_errno("cannot execute '%s'", argv[0]);
	}
	j->pid = pid;
	j->out_fd = fds[0];
	j->err_fd = fds[2];
	j->prog_fd = fds[4];
	for (int i = 0; i < 3; i++)
		fcntl(fds[2 * i], F_SETFL,
		      fcntl(fds[2 * i], F_GETFL) | O_NONBLOCK);
	j->max_output = lim->max_output;
	j->started = bp_now();
	j->deadline = lim->timeout_s > 0 ? j->started + lim->timeout_s : 0;
	j->net_isolated = lim->isolate_net;
	return 0;
}

static void
tail_add(struct bp_sandbox_job *j, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		j->tail[(j->tail_len + i) % BP_SANDBOX_TAIL] = s[i];
	j->tail_len += n;
}

int
bp_sandbox_read(struct bp_sandbox_job *j, int fd)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 2;
	if (n <= 0) {
		if (fd == j->out_fd)
			close_fd(&j->out_fd);
		else if (fd == j->err_fd)
			close_fd(&j->err_fd);
		else if (fd == j->prog_fd)
			close_fd(&j->prog_fd);
		return 0;
	}
	if (fd == j->out_fd) {
		size_t room = j->max_output && j->out.len < j->max_output
				      ? j->max_output - j->out.len
				      : 0;

		if (!j->max_output)
			room = (size_t)n;
		bp_buf_add(&j->out, buf, (size_t)n < room ? (size_t)n : room);
		if ((size_t)n > room && j->end == BP_SANDBOX_RUNNING)
			bp_sandbox_stop(j, BP_SANDBOX_OVERFLOW, 0);
	} else if (fd == j->err_fd) {
		tail_add(j, buf, (size_t)n);
	} else if (fd == j->prog_fd) {
		/* a progress channel gets lines; bound what is buffered */
		if (j->prog.len < 65536)
			bp_buf_add(&j->prog, buf, (size_t)n);
	}
	return 1;
}

static void
group_kill(struct bp_sandbox_job *j, int sig)
{
	if (j->pid > 0)
		kill(-j->pid, sig);
}

int
bp_sandbox_reap(struct bp_sandbox_job *j)
{
	siginfo_t si;
	int status;
	pid_t r;

	if (j->reaped || j->pid <= 0)
		return j->reaped;
	/*
	 * Peek first: while the leader is an unreaped zombie its pid (the
	 * group id) cannot be reused, so killing the group is safe.
	 */
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
	    si.si_pid != j->pid)
		return 0;
	group_kill(j, SIGKILL);
	do
		r = waitpid(j->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	j->reaped = 1;
	j->status = status;
	if (j->end == BP_SANDBOX_RUNNING)
		j->end = BP_SANDBOX_EXITED;
	return 1;
}

int
bp_sandbox_done(const struct bp_sandbox_job *j)
{
	return j->reaped && j->out_fd < 0 && j->err_fd < 0;
}

void
bp_sandbox_stop(struct bp_sandbox_job *j, enum bp_sandbox_end why,
		double grace_s)
{
	if (j->reaped || j->pid <= 0)
		return;
	if (j->end == BP_SANDBOX_RUNNING)
		j->end = why;
	if (grace_s <= 0) {
		group_kill(j, SIGKILL);
		j->kill_at = 0;
		return;
	}
	group_kill(j, SIGTERM);
	group_kill(j, SIGCONT);
	if (!j->kill_at)
		j->kill_at = bp_now() + grace_s;
}

double
bp_sandbox_tick(struct bp_sandbox_job *j, double now)
{
	if (j->reaped)
		return 0;
	if (j->deadline && now >= j->deadline &&
	    j->end == BP_SANDBOX_RUNNING)
		bp_sandbox_stop(j, BP_SANDBOX_TIMEOUT, 0);
	if (j->kill_at && now >= j->kill_at) {
		group_kill(j, SIGKILL);
		j->kill_at = 0;
	}
	if (j->kill_at)
		return j->kill_at;
	if (j->end == BP_SANDBOX_RUNNING && j->deadline)
		return j->deadline;
	return 0;
}

int
bp_sandbox_exit_code(const struct bp_sandbox_job *j)
{
	if (!j->reaped)
		return -1;
	if (WIFEXITED(j->status))
		return WEXITSTATUS(j->status);
	if (WIFSIGNALED(j->status))
		return 128 + WTERMSIG(j->status);
	return -1;
}

char *
bp_sandbox_stderr_tail(const struct bp_sandbox_job *j, size_t max)
{
	size_t have = j->tail_len < BP_SANDBOX_TAIL ? j->tail_len
						    : BP_SANDBOX_TAIL;
	size_t n = have < max ? have : max;
	size_t start = j->tail_len - n;
	struct bp_buf b = BP_BUF_INIT;

	bp_buf_grow(&b, n);
	for (size_t i = 0; i < n; i++)
		bp_buf_addc(&b, j->tail[(start + i) % BP_SANDBOX_TAIL]);
	/* trim to whole lines and drop the final newline */
	if (n < j->tail_len) {
		char *nl = memchr(b.s, '\n', b.len);

		if (nl && (size_t)(nl - b.s) + 1 < b.len) {
			size_t cut = (size_t)(nl - b.s) + 1;

			memmove(b.s, b.s + cut, b.len - cut + 1);
			b.len -= cut;
		}
	}
	while (b.len && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == '\r'))
		b.s[--b.len] = '\0';
	return bp_buf_detach(&b, NULL);
}

int
bp_sandbox_progress_line(struct bp_sandbox_job *j, struct bp_buf *line)
{
	char *nl;
	size_t n;

	if (!j->prog.len)
		return 0;
	nl = memchr(j->prog.s, '\n', j->prog.len);
	if (!nl) {
		if (j->prog_fd >= 0 || !j->prog.len)
			return 0;
		nl = j->prog.s + j->prog.len;	/* last line without \n */
	}
	n = (size_t)(nl - j->prog.s);
	bp_buf_reset(line);
	bp_buf_add(line, j->prog.s, n);
	if (n < j->prog.len)
		n++;
	memmove(j->prog.s, j->prog.s + n, j->prog.len - n + 1);
	j->prog.len -= n;
	j->prog.s[j->prog.len] = '\0';
	return 1;
}

int
bp_sandbox_run(struct bp_sandbox_job *j, char *const argv[],
	       char *const envp[], const char *cwd,
	       const struct bp_sandbox_limits *lim)
{
	if (bp_sandbox_spawn(j, argv, envp, cwd, lim) < 0)
		return -1;
	while (!bp_sandbox_done(j)) {
		struct pollfd pfd[3];
		nfds_t n = 0;
		double now = bp_now(), next;
		int ms = 50;

		next = bp_sandbox_tick(j, now);
		if (next > 0) {
			double wait = (next - now) * 1000 + 1;

			ms = wait < 50 ? (int)wait : 50;
		}
		if (j->out_fd >= 0)
			pfd[n++] = (struct pollfd){ j->out_fd, POLLIN, 0 };
		if (j->err_fd >= 0)
			pfd[n++] = (struct pollfd){ j->err_fd, POLLIN, 0 };
		if (j->prog_fd >= 0)
			pfd[n++] = (struct pollfd){ j->prog_fd, POLLIN, 0 };
		if (n == 0 || poll(pfd, n, ms) <= 0) {
			bp_sandbox_reap(j);
			continue;
		}
		for (nfds_t i = 0; i < n; i++)
			if (pfd[i].revents)
				bp_sandbox_read(j, pfd[i].fd);
		if (j->out_fd < 0 && j->err_fd < 0)
			bp_sandbox_reap(j);
	}
	/* progress written just before the end */
	while (j->prog_fd >= 0 && bp_sandbox_read(j, j->prog_fd) == 1)
		;
	close_fd(&j->prog_fd);
	return 0;
}

int
bp_sandbox_can_isolate_net(void)
{
	static int known = -1;
	int status;
	pid_t pid;

	if (known >= 0)
		return known;
	pid = fork();
	if (pid < 0)
		return known = 0;
	if (pid == 0)
		_exit(isolate_net() == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return known = 0;
	known = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return known;
}

/* ---- paths ---- */

static int
path_err(struct bp_buf *err, const char *rel, const char *why)
{
	bp_buf_reset(err);
	bp_buf_addf(err, "path '%s': %s", rel, why);
	return -1;
}

static int
inside(const char *ws, const char *real)
{
	size_t n = strlen(ws);

	return strncmp(real, ws, n) == 0 &&
	       (real[n] == '\0' || real[n] == '/');
}

int
bp_sandbox_path(const char *ws, const char *rel, unsigned flags,
		struct bp_buf *abs, struct bp_buf *err)
{
	struct bp_buf full = BP_BUF_INIT;
	char *real = NULL, *p;
	size_t wslen = strlen(ws), exist;
	struct stat st;
	int rc = -1;

	if (!rel || !*rel)
		return path_err(err, "", "is empty");
	if (rel[0] == '/')
		return path_err(err, rel,
				"absolute paths are not allowed; name a path "
				"inside the workspace");
	for (p = (char *)rel; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return path_err(err, rel,
					"'..' is not allowed; paths stay "
					"inside the workspace");
		p += n;
		while (*p == '/')
			p++;
	}
	bp_buf_addf(&full, "%s/%s", ws, rel);
	while (full.len > wslen + 1 && full.s[full.len - 1] == '/')
		full.s[--full.len] = '\0';
	/* the deepest ancestor that exists */
	exist = full.len;
	for (;;) {
		char c = full.s[exist];

		full.s[exist] = '\0';
		if (lstat(full.s, &st) == 0) {
			full.s[exist] = c;
			break;
		}
		full.s[exist] = c;
		if (errno != ENOENT && errno != ENOTDIR) {
			path_err(err, rel, strerror(errno));
			goto out;
		}
		while (exist > wslen && full.s[exist - 1] != '/')
			exist--;
		if (exist > wslen)
			exist--;
		if (exist <= wslen) {
			exist = wslen;
			break;
		}
	}
	{
		char c = full.s[exist];

		full.s[exist] = '\0';
		real = realpath(full.s, NULL);
		full.s[exist] = c;
	}
	if (!real) {
		path_err(err, rel,
			 errno == ENOENT ? "is a dangling symbolic link"
					 : strerror(errno));
		goto out;
	}
	if (!inside(ws, real)) {
		path_err(err, rel, "leads outside the workspace");
		goto out;
	}
	bp_buf_reset(abs);
	bp_buf_adds(abs, real);
	if (exist == full.len) {
		if (stat(real, &st) < 0) {
			path_err(err, rel, strerror(errno));
			goto out;
		}
		if ((flags & BP_SANDBOX_PATH_DIR) && !S_ISDIR(st.st_mode)) {
			path_err(err, rel, "is not a directory");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (flags & BP_SANDBOX_PATH_EXISTS) {
		path_err(err, rel, "does not exist in the workspace");
		goto out;
	}
	if (!S_ISDIR(st.st_mode) && stat(real, &st) == 0 &&
	    !S_ISDIR(st.st_mode)) {
		path_err(err, rel, "a parent is not a directory");
		goto out;
	}
	/* the missing components, created as directories except the last */
	p = full.s + exist;
	while (*p == '/')
		p++;
	while (*p) {
		size_t n = strcspn(p, "/");
		int last;

		bp_buf_addc(abs, '/');
		bp_buf_add(abs, p, n);
		p += n;
		while (*p == '/')
			p++;
		last = *p == '\0';
		if (!last || (flags & BP_SANDBOX_PATH_DIR)) {
			if (!(flags & BP_SANDBOX_PATH_MKDIR))
				continue;
			if (mkdir(abs->s, 0777) < 0 && errno != EEXIST) {
				path_err(err, rel, strerror(errno));
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(real);
	bp_buf_release(&full);
	return rc;
}

void
bp_sandbox_shell_quote(struct bp_buf *b, const char *s)
{
	const char *p;

	if (*s) {
		for (p = s; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_-./:=@%+,",
				    *p))
				break;
		if (!*p) {
			bp_buf_adds(b, s);
			return;
		}
	}
	bp_buf_addc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			bp_buf_adds(b, "'\\''");
		else
			bp_buf_addc(b, *p);
	}
	bp_buf_addc(b, '\'');
}
