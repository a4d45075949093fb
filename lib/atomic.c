/* atomic: whole-file writes through a temporary beside the target. */
#include "atomic.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int
bp_atomic_open(struct bp_atomic *a, const char *path)
{
	struct stat st;
	size_t n;
	mode_t mask;
	int fd;

	memset(a, 0, sizeof(*a));
	if (!path || strcmp(path, "-") == 0) {
		a->fp = stdout;
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/*
		 * A device or a FIFO (/dev/null, a named pipe): write in
		 * place, as a temporary renamed over it would replace it.
		 */
		a->fp = fopen(path, "w");
		if (!a->fp)
			return bp_error_errno("cannot open '%s'", path);
		a->path = bp_xstrdup(path);
		a->inplace = 1;
		return 0;
	}
	n = strlen(path);
	a->path = bp_xstrdup(path);
	a->tmp = bp_xmalloc(n + 12);
	memcpy(a->tmp, path, n);
	memcpy(a->tmp + n, ".tmp.XXXXXX", 12);
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		bp_error_errno("cannot create '%s'", path);
		free(a->tmp);
		free(a->path);
		memset(a, 0, sizeof(*a));
		return -1;
	}
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	a->fp = fdopen(fd, "w");
	if (!a->fp) {
		close(fd);
		unlink(a->tmp);
		bp_error_errno("cannot create '%s'", path);
		free(a->tmp);
		free(a->path);
		memset(a, 0, sizeof(*a));
		return -1;
	}
	return 0;
}

int
bp_atomic_commit(struct bp_atomic *a)
{
	int rc = 0;

	if (!a->fp)
		return 0;
	if (a->inplace) {
		if (fflush(a->fp) != 0 || ferror(a->fp))
			rc = bp_error_errno("cannot write '%s'", a->path);
		if (fclose(a->fp) != 0 && rc == 0)
			rc = bp_error_errno("cannot write '%s'", a->path);
		free(a->path);
		memset(a, 0, sizeof(*a));
		return rc;
	}
	if (!a->path) {
		a->fp = NULL;
		return bp_close_stdout();
	}
	if (fflush(a->fp) != 0 || ferror(a->fp) || fsync(fileno(a->fp)) < 0)
		rc = bp_error_errno("cannot write '%s'", a->path);
	if (fclose(a->fp) != 0 && rc == 0)
		rc = bp_error_errno("cannot write '%s'", a->path);
	a->fp = NULL;
	if (rc == 0 && rename(a->tmp, a->path) < 0)
		rc = bp_error_errno("cannot rename '%s' to '%s'", a->tmp,
				    a->path);
	if (rc < 0)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	return rc;
}

void
bp_atomic_abort(struct bp_atomic *a)
{
	if (a->fp && a->inplace) {
		fclose(a->fp);
	} else if (a->fp && a->path) {
		fclose(a->fp);
		unlink(a->tmp);
	}
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

int
bp_atomic_write(const char *path, const char *data, size_t n)
{
	struct bp_atomic a;

	if (bp_atomic_open(&a, path) < 0)
		return -1;
	if (fwrite(data, 1, n, a.fp) != n) {
		bp_error_errno("cannot write '%s'",
			       a.path ? a.path : "<stdout>");
		bp_atomic_abort(&a);
		return -1;
	}
	return bp_atomic_commit(&a);
}
