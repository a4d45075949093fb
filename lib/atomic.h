/*
 * atomic: write a whole file or nothing.
 *
 * bp_atomic_open creates a temporary file beside path (same directory, so
 * rename(2) is atomic); bp_atomic_commit flushes, fsyncs and renames it over
 * path; bp_atomic_abort removes it.  A run that fails half-way therefore
 * never leaves a half-written summary, model or report behind.  path "-"
 * means stdout: commit then only flushes and checks it.  A path that is a
 * device or a FIFO (/dev/null, a named pipe) is written in place: renaming
 * a temporary over it would replace the device.
 */
#ifndef BP_ATOMIC_H
#define BP_ATOMIC_H

#include <stdio.h>

struct bp_atomic {
	FILE *fp;
	char *path;	/* final name, NULL for stdout */
	char *tmp;	/* temporary name */
	int inplace;	/* path is a device or FIFO, written in place */
};

/* Returns 0 with a->fp ready, or -1 after reporting. */
int bp_atomic_open(struct bp_atomic *a, const char *path);
/* Returns 0, or -1 after reporting (the temporary is then removed). */
int bp_atomic_commit(struct bp_atomic *a);
/* Remove the temporary; safe on an unopened or committed struct. */
void bp_atomic_abort(struct bp_atomic *a);

/* Write a whole buffer to path atomically.  Returns 0 or -1. */
int bp_atomic_write(const char *path, const char *data, size_t n);

#endif
