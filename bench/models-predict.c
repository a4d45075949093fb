/*
 * models-predict: in-memory prediction speed of a model file, the
 * counterpart of predict_proba in bench/models_peers.py.
 *
 * usage: models-predict MODEL.json FEATURES.ndjson
 * Loads the rows (not timed), then predicts them all in blocks with
 * bp_model_predict_batch, best of 3 passes; prints rows per second of
 * wall time and of CPU time (on a shared machine the steadier one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dataset.h"
#include "model.h"
#include "util.h"

static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
main(int argc, char *argv[])
{
	struct bp_dataset d;
	struct bp_dataset_opts o = { 0 };
	struct bp_model *m;
	double *out, best = 1e300, bestc = 1e300;

	bp_setprogname(argv[0]);
	if (argc != 3) {
		fprintf(stderr, "usage: models-predict MODEL FEATURES\n");
		return 2;
	}
	m = bp_model_load(argv[1]);
	if (!m)
		return 1;
	o.features = bp_model_features(m);
	o.nfeatures = bp_model_nfeatures(m);
	if (bp_dataset_load(&d, argv[2], &o) < 0)
		return 1;
	out = malloc(d.n * bp_model_noutputs(m) * sizeof(*out));
	for (int pass = 0; pass < 3; pass++) {
		double t = bp_now(), c = cpu();

		bp_model_predict_batch(m, d.x, d.n, out);
		t = bp_now() - t;
		c = cpu() - c;
		if (t < best)
			best = t;
		if (c < bestc)
			bestc = c;
	}
	printf("%.0f %.0f\n", (double)d.n / best, (double)d.n / bestc);
	free(out);
	bp_dataset_release(&d);
	bp_model_free(&m);
	return 0;
}
