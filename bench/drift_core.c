/*
 * drift_core: bp-drift's KS and PSI on in-memory arrays, for bench/drift.sh
 * (the peers' figures are in-memory too).  Reads the float64 .npy files
 * of drift_gen.py; prints one JSON object with the best of 3 CPU times.
 *
 *	drift_core REF.npy CUR.npy
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drift.h"
#include "util.h"

/* CPU seconds of this process (the peers report theirs too). */
static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double *
load_npy(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char h[10];
	size_t hl, bytes;
	double *x;
	long end;

	if (!fp || fread(h, 1, 10, fp) != 10 || memcmp(h, "\x93NUMPY", 6))
		bp_die("%s: not a .npy file", path);
	hl = h[8] | (size_t)h[9] << 8;	/* format 1.0, '<f8', C order */
	fseek(fp, 0, SEEK_END);
	end = ftell(fp);
	bytes = (size_t)end - 10 - hl;
	fseek(fp, (long)(10 + hl), SEEK_SET);
	*n = bytes / sizeof(double);
	x = bp_xmalloc(bytes);
	if (fread(x, sizeof(double), *n, fp) != *n)
		bp_die("%s: short read", path);
	fclose(fp);
	return x;
}

int
main(int argc, char *argv[])
{
	size_t na, nb;
	double *a0, *b0, *a, *b, best_ks = 1e9, best_psi = 1e9;
	struct bp_ks ks;
	double psi = 0;

	if (argc != 3)
		bp_die("usage: drift_core REF.npy CUR.npy");
	a0 = load_npy(argv[1], &na);
	b0 = load_npy(argv[2], &nb);
	a = bp_xmalloc(na * sizeof(*a));
	b = bp_xmalloc(nb * sizeof(*b));
	for (int rep = 0; rep < 3; rep++) {
		double t;

		/* KS from unsorted values, as ks_2samp: sort both, then D, p */
		memcpy(a, a0, na * sizeof(*a));
		memcpy(b, b0, nb * sizeof(*b));
		t = cpu_now();
		bp_drift_sort(a, na);
		bp_drift_sort(b, nb);
		bp_drift_ks(&ks, a, na, b, nb);
		t = cpu_now() - t;
		if (t < best_ks)
			best_ks = t;
		/* PSI from unsorted values, as the numpy peer */
		memcpy(a, a0, na * sizeof(*a));
		memcpy(b, b0, nb * sizeof(*b));
		t = cpu_now();
		{
			double edges[9];
			size_t rc[10] = { 0 }, cc[10] = { 0 }, ne;

			/* the reference sorted for its quantiles; the
			   current sample binned as it is */
			bp_drift_sort(a, na);
			ne = bp_drift_edges(edges, a, na, 10);
			bp_drift_bin_counts(rc, edges, ne, a, na);
			bp_drift_bin_counts_unsorted(cc, edges, ne, b, nb);
			psi = bp_drift_psi(rc, na, cc, nb, ne + 1, 1e-4);
		}
		t = cpu_now() - t;
		if (t < best_psi)
			best_psi = t;
	}
	printf("{\"ks_seconds\":%.6f,\"psi_seconds\":%.6f,\"ks_statistic\":"
	       "%.17g,\"ks_pvalue\":%.17g,\"psi\":%.17g}\n", best_ks, best_psi,
	       ks.statistic, ks.pvalue, psi);
	free(a0);
	free(b0);
	free(a);
	free(b);
	return 0;
}
