/*
 * test-mlp: backpropagation against finite differences of the loss for
 * every task, then training: a problem a linear model cannot solve (XOR),
 * seed determinism, early stopping and the model-file round trip; and
 * scikit-learn's Adam training (tests/unit/ref/mlp_ref.py wrote
 * tests/unit/ref/mlp-cases.txt): from the same weights, through the same
 * row order, to the same weights.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "mlp.h"
#include "model.h"
#include "tap.h"
#include "util.h"

/*
 * Central differences with step 1e-6 have truncation error ~1e-12 and
 * rounding error ~1e-16/1e-6 = 1e-10 relative to the loss: 1e-6 on the
 * gradient is far above both and far below any real backprop mistake.
 */
#define TOL_GRAD 1e-6

static void
gradient_check(enum bp_task task, size_t nout, const char *what)
{
	size_t hidden[2] = { 4, 3 }, n = 7, k = 3;
	struct bp_mlp *m = bp_mlp_new(task, k, nout, hidden, 2, 5);
	size_t np = bp_mlp_nparams(m);
	double *g = calloc(np, sizeof(*g)), *w = bp_mlp_params(m);
	double x[21], y[7], worst = 0;
	struct bp_rng r;

	bp_rng_seed(&r, 1);
	for (size_t i = 0; i < n * k; i++)
		x[i] = bp_rng_normal(&r);
	for (size_t i = 0; i < n; i++)
		y[i] = task == BP_TASK_REGRESSION ? bp_rng_normal(&r) :
		       (double)bp_rng_below(&r, task == BP_TASK_BINARY ? 2 :
					    nout);
	bp_mlp_loss_grad(m, x, y, n, 0.3, g);
	for (size_t q = 0; q < np; q++) {
		double keep = w[q], up, down, num;

		w[q] = keep + 1e-6;
		up = bp_mlp_loss_grad(m, x, y, n, 0.3, g);
		w[q] = keep - 1e-6;
		down = bp_mlp_loss_grad(m, x, y, n, 0.3, g);
		w[q] = keep;
		num = (up - down) / 2e-6;
		bp_mlp_loss_grad(m, x, y, n, 0.3, g);
		if (fabs(num - g[q]) > worst)
			worst = fabs(num - g[q]);
	}
	ok(worst < TOL_GRAD, "%s: backprop = finite differences over %zu "
	   "parameters (worst %.2g)", what, np, worst);
	free(g);
	bp_mlp_free(&m);
}

static void
xor(void)
{
	/* XOR of the signs, with noise: no linear model gets above 50% */
	size_t n = 2000, k = 2;
	double *x = malloc(n * k * sizeof(*x)), *y = malloc(n * sizeof(*y));
	struct bp_rng r;
	struct bp_mlp_opts o = {
		.task = BP_TASK_BINARY, .nhidden = 2, .hidden = { 16, 8 },
		.learning_rate = 0.01, .beta1 = 0.9, .beta2 = 0.999,
		.epsilon = 1e-8, .alpha = 1e-4, .batch_size = 50, .epochs = 60,
		.patience = 0, .tol = 1e-4,
	};
	struct bp_mlp *m, *m2;
	size_t hit = 0;

	bp_rng_seed(&r, 2);
	for (size_t i = 0; i < n; i++) {
		x[2 * i] = 2 * bp_rng_uniform(&r) - 1;
		x[2 * i + 1] = 2 * bp_rng_uniform(&r) - 1;
		y[i] = (x[2 * i] > 0) != (x[2 * i + 1] > 0);
	}
	m = bp_mlp_train(x, y, n, k, NULL, NULL, 0, &o, 3, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		double p;

		bp_mlp_predict(m, x + 2 * i, &p);
		hit += (p >= 0.5) == (y[i] > 0.5);
	}
	ok(hit > 0.95 * (double)n, "XOR learned: %zu of %zu right", hit, n);
	ok(bp_mlp_epochs(m) == 60, "no early stopping when patience is 0");
	m2 = bp_mlp_train(x, y, n, k, NULL, NULL, 0, &o, 3, NULL, NULL);
	{
		double a, b, q[2] = { 0.3, -0.2 };

		bp_mlp_predict(m, q, &a);
		bp_mlp_predict(m2, q, &b);
		ok(a == b, "the same seed, the same network");
	}
	bp_mlp_free(&m2);
	bp_mlp_free(&m);
	/* validation labels that are pure noise: stops early */
	o.patience = 3;
	o.epochs = 500;
	{
		double *yv = malloc(500 * sizeof(*yv));

		for (size_t i = 0; i < 500; i++)
			yv[i] = bp_rng_uniform(&r) < 0.5;
		m = bp_mlp_train(x, y, n, k, x, yv, 500, &o, 3, NULL, NULL);
		ok(bp_mlp_epochs(m) < 500 &&
		   bp_mlp_best_epoch(m) <= bp_mlp_epochs(m) - 3,
		   "early stopping: %d epochs, best %d", bp_mlp_epochs(m),
		   bp_mlp_best_epoch(m));
		bp_mlp_free(&m);
		free(yv);
	}
	free(x);
	free(y);
}

static void
round_trip(void)
{
	const char *names[] = { "a", "b" };
	double x[40], y[20];
	struct bp_dataset d;
	struct bp_model *m, *back;
	json_t *p = bp_model_params_parse("hidden=5,3,epochs=5"), *j, *j2;
	char *t1, *t2;
	double q[2] = { 0.1, 0.7 }, a[3], b[3];

	for (int i = 0; i < 20; i++) {
		x[2 * i] = i;
		x[2 * i + 1] = i % 3;
		y[i] = i % 3 - 1;	/* -1 0 1: multiclass */
	}
	bp_dataset_from_matrix(&d, 20, 2, names, x, y, "label_tb");
	m = bp_model_train("mlp", p, &d, NULL, 1, 1, NULL);
	ok(m && bp_model_task(m) == BP_TASK_MULTICLASS &&
	   bp_model_noutputs(m) == 3, "mlp: multiclass on -1/0/1");
	j = bp_model_to_json(m);
	back = bp_model_from_json(j, "t");
	j2 = bp_model_to_json(back);
	t1 = json_dumps(j, JSON_COMPACT);
	t2 = json_dumps(j2, JSON_COMPACT);
	ok(strcmp(t1, t2) == 0, "mlp: model file round trip is exact");
	bp_model_predict(m, q, a);
	bp_model_predict(back, q, b);
	ok(memcmp(a, b, sizeof(a)) == 0 && fabs(a[0] + a[1] + a[2] - 1) < 1e-12,
	   "mlp: same probabilities after reload");
	json_object_set_new(json_object_get(j, "model"), "output",
			    json_string("sigmoid"));
	ok(bp_model_from_json(j, "t") == NULL, "a wrong output is refused");
	free(t1);
	free(t2);
	json_decref(j);
	json_decref(j2);
	json_decref(p);
	bp_model_free(&m);
	bp_model_free(&back);
	bp_dataset_release(&d);
}

/*
 * Both sides compute in double, in different orders (numpy's matrix
 * products, barpipe's loops): after 3 epochs of 8 Adam steps the weights
 * (of order 1) agree to ~1e-15; 1e-9 leaves room and still catches any
 * difference in the method (a step size, a penalty, a batch) by far.
 */
#define TOL_SKLEARN 1e-9
#define REF_N 250
#define REF_K 3
#define REF_P 35		/* 3*4+4 + 4*3+3 + 3*1+1 */
#define REF_EPOCHS 3

/* the numbers after the first word of line into v (at most max) */
static size_t
numbers(const char *line, double *v, size_t max)
{
	const char *p = strchr(line, ' ');
	size_t n = 0;

	while (p && n < max) {
		char *end;
		double d = strtod(p, &end);

		if (end == p)
			break;
		v[n++] = d;
		p = end;
	}
	return n;
}

static void
sklearn_case(const char *task, const double *x, const double *ylog,
	     const double *ylin, const double *init, const size_t *order,
	     const double *final)
{
	size_t hidden[2] = { 4, 3 };
	int binary = strcmp(task, "binary") == 0;
	struct bp_mlp_opts o = {
		.task = binary ? BP_TASK_BINARY : BP_TASK_REGRESSION,
		.nhidden = 2, .hidden = { 4, 3 }, .learning_rate = 0.01,
		.beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8, .alpha = 1e-3,
		.batch_size = 32, .epochs = REF_EPOCHS,
	};
	struct bp_mlp *m = bp_mlp_new(o.task, REF_K, 1, hidden, 2, 1);
	double *w = bp_mlp_params(m), worst = 0, moved = 0;

	memcpy(w, init, REF_P * sizeof(*w));
	bp_mlp_adam(m, x, binary ? ylog : ylin, REF_N, order, REF_EPOCHS, &o);
	for (size_t q = 0; q < REF_P; q++) {
		worst = fmax(worst, fabs(w[q] - final[q]));
		moved = fmax(moved, fabs(final[q] - init[q]));
	}
	ok(bp_mlp_nparams(m) == REF_P && moved > 0.01 &&
	   worst <= TOL_SKLEARN, "%s: scikit-learn's weights after %d epochs "
	   "of Adam (largest step %.3g, worst difference %.2g)", task,
	   REF_EPOCHS, moved, worst);
	bp_mlp_free(&m);
}

static void
sklearn_cases(void)
{
	const char *dir = getenv("BP_REF_DIR");
	static char line[16384];
	char path[1024], task[32] = "";
	double x[REF_N * REF_K], ylog[REF_N], ylin[REF_N], v[REF_N + 1];
	double init[REF_P], final[REF_P];
	size_t order[REF_EPOCHS * REF_N], rows = 0, cases = 0, orders = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/mlp-cases.txt",
		 dir ? dir : "tests/unit/ref");
	fp = fopen(path, "r");
	if (!ok(fp != NULL, "open %s", path))
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "row ", 4) == 0 && rows < REF_N &&
		    numbers(line, v, 5) == 5) {
			memcpy(x + rows * REF_K, v, REF_K * sizeof(*v));
			ylog[rows] = v[3];
			ylin[rows++] = v[4];
		} else if (sscanf(line, "case %31s", task) == 1) {
			orders = 0;
		} else if (strncmp(line, "init ", 5) == 0) {
			numbers(line, init, REF_P);
		} else if (strncmp(line, "order ", 6) == 0 &&
			   orders < REF_EPOCHS &&
			   numbers(line, v, REF_N + 1) == REF_N + 1) {
			for (size_t i = 0; i < REF_N; i++)
				order[orders * REF_N + i] = (size_t)v[i + 1];
			orders++;
		} else if (strncmp(line, "final ", 6) == 0 &&
			   numbers(line, final, REF_P) == REF_P &&
			   rows == REF_N && orders == REF_EPOCHS) {
			sklearn_case(task, x, ylog, ylin, init, order, final);
			cases++;
		}
	}
	fclose(fp);
	ok(cases == 2, "%zu scikit-learn cases", cases);
}

int
main(void)
{
	bp_setprogname("test-mlp");
	gradient_check(BP_TASK_BINARY, 1, "binary");
	gradient_check(BP_TASK_REGRESSION, 1, "regression");
	gradient_check(BP_TASK_MULTICLASS, 3, "multiclass");
	xor();
	round_trip();
	sklearn_cases();
	return done_testing();
}
