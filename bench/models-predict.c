/*
 * models-predict: in-memory prediction speed of a model file, the
 * counterpart of predict_proba in bench/models_peers.py.
 *
 * usage: models-predict MODEL.json FEATURES.ndjson [auto|model|scalar|avx512]
 * Loads the rows (not timed), then predicts them all on one thread, best
 * of 3 passes; prints rows per second of wall time and of CPU time (on a
 * shared machine the steadier one).  The way: auto (default) is what
 * bp-predict does, the compiled forest (lib/forest.h) for a gbdt and
 * bp_model_predict_batch otherwise; model forces the model's own batch
 * predictor; scalar and avx512 force a forest evaluator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"
#include "forest.h"
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
	struct bp_forest *f = NULL;
	const char *way = argc > 3 ? argv[3] : "auto";
	double *out, best = 1e300, bestc = 1e300;

	bp_setprogname(argv[0]);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: models-predict MODEL FEATURES "
			"[auto|model|scalar|avx512]\n");
		return 2;
	}
	m = bp_model_load(argv[1]);
	if (!m)
		return 1;
	if (strcmp(way, "model") != 0)
		f = bp_forest_new_impl(m, strcmp(way, "scalar") == 0 ?
				       BP_FOREST_SCALAR :
				       strcmp(way, "avx512") == 0 ?
				       BP_FOREST_AVX512 : BP_FOREST_AUTO);
	o.features = bp_model_features(m);
	o.nfeatures = bp_model_nfeatures(m);
	if (bp_dataset_load(&d, argv[2], &o) < 0)
		return 1;
	out = malloc(d.n * bp_model_noutputs(m) * sizeof(*out));
	for (int pass = 0; pass < 3; pass++) {
		double t = bp_now(), c = cpu();

		if (f)
			bp_forest_predict(f, d.x, d.n, out);
		else
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
	bp_forest_free(&f);
	bp_model_free(&m);
	return 0;
}
