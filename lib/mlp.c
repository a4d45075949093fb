/*
 * mlp: multilayer perceptron trained by Adam (see mlp.h).
 *
 * Shapes: layer l maps n_l inputs to n_{l+1} outputs with W_l (n_l,
 * n_{l+1}) row-major and b_l (n_{l+1}); all weights live in one array
 * `w` (and the gradients and Adam moments in arrays of the same layout).
 * A batch's activations are (B, n_l) row-major.
 * Reference: Kingma and Ba, "Adam" (2015), with scikit-learn's
 * bias-corrected step size lr * sqrt(1 - b2^t) / (1 - b1^t).
 */
#include "mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "model-internal.h"

struct bp_mlp {
	enum bp_task task;
	size_t k, nout, nlayers;	/* nlayers weight layers */
	size_t size[BP_MLP_MAX_LAYERS + 2];	/* units per level */
	size_t woff[BP_MLP_MAX_LAYERS + 1], boff[BP_MLP_MAX_LAYERS + 1];
	size_t nparam;
	double *w;		/* (nparam) */
	double *mean, *sd;	/* (k) */
	int epochs, best_epoch;
	double train_loss, valid_loss;
};

static struct bp_mlp *
mlp_new(enum bp_task task, size_t k, size_t nout, const size_t *hidden,
	size_t nh)
{
	struct bp_mlp *m = bp_xcalloc(1, sizeof(*m));
	size_t off = 0;

	m->task = task;
	m->k = k;
	m->nout = nout;
	m->nlayers = nh + 1;
	m->size[0] = k;
	for (size_t l = 0; l < nh; l++)
		m->size[l + 1] = hidden[l];
	m->size[nh + 1] = nout;
	for (size_t l = 0; l < m->nlayers; l++) {
		m->woff[l] = off;
		off += m->size[l] * m->size[l + 1];
		m->boff[l] = off;
		off += m->size[l + 1];
	}
	m->nparam = off;
	m->w = bp_xcalloc(off + 2 * (k ? k : 1), sizeof(double));
	m->mean = m->w + off;
	m->sd = m->mean + (k ? k : 1);
	return m;
}

void
bp_mlp_free(struct bp_mlp **mp)
{
	if (!mp || !*mp)
		return;
	free((*mp)->w);
	free(*mp);
	*mp = NULL;
}

static size_t
widest(const struct bp_mlp *m)
{
	size_t w = 0;

	for (size_t l = 0; l <= m->nlayers; l++)
		if (m->size[l] > w)
			w = m->size[l];
	return w;
}

/*
 * Forward pass of B rows: act[0] (B, k) standardised inputs; act[l+1]
 * (B, size[l+1]) after ReLU (hidden) or the output link (last).
 */
static void
forward(const struct bp_mlp *m, const double *w, double **act, size_t B)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t ni = m->size[l], no = m->size[l + 1];
		const double *W = w + m->woff[l], *b = w + m->boff[l];
		int last = l + 1 == m->nlayers;

		for (size_t i = 0; i < B; i++) {
			const double *in = act[l] + i * ni;
			double *out = act[l + 1] + i * no;

			memcpy(out, b, no * sizeof(*out));
			for (size_t p = 0; p < ni; p++) {
				double a = in[p];
				const double *Wp = W + p * no;

				if (a == 0.0)
					continue;
				for (size_t q = 0; q < no; q++)
					out[q] += a * Wp[q];
			}
			if (last)
				bp_task_link(m->task, out, no);
			else
				for (size_t q = 0; q < no; q++)
					out[q] = out[q] > 0 ? out[q] : 0;
		}
	}
}

static double
row_loss(enum bp_task task, const double *p, double y)
{
	if (task == BP_TASK_REGRESSION)
		return 0.5 * (p[0] - y) * (p[0] - y);
	if (task == BP_TASK_BINARY)
		return -log(fmax(y > 0.5 ? p[0] : 1 - p[0], 1e-15));
	return -log(fmax(p[(size_t)y], 1e-15));
}

static void
standardise_rows(const struct bp_mlp *m, const double *x, size_t B,
		 double *z)
{
	for (size_t i = 0; i < B; i++)
		for (size_t j = 0; j < m->k; j++)
			z[i * m->k + j] = (x[i * m->k + j] - m->mean[j]) /
					  m->sd[j];
}

/* mean loss of rows x (n) in chunks of `chunk` (act sized for it) */
static double
mean_loss(const struct bp_mlp *m, const double *x, const double *y, size_t n,
	  double **act, size_t chunk)
{
	double s = 0;

	for (size_t lo = 0; lo < n; lo += chunk) {
		size_t B = n - lo < chunk ? n - lo : chunk;
		const double *p;

		standardise_rows(m, x + lo * m->k, B, act[0]);
		forward(m, m->w, act, B);
		p = act[m->nlayers];
		for (size_t i = 0; i < B; i++)
			s += row_loss(m->task, p + i * m->nout, y[lo + i]);
	}
	return s / (double)n;
}

/*
 * Gradient of the batch loss (mean over B rows, plus alpha/(2B) |W|^2)
 * into g; act holds the forward pass, delta two (B, widest) buffers.
 */
static void
backward(const struct bp_mlp *m, double **act, const double *y, size_t B,
	 double alpha, double *g, double *d0, double *d1)
{
	size_t L = m->nlayers, nout = m->nout;
	const double *p = act[L];
	double *delta = d0, *prev = d1;

	memset(g, 0, m->nparam * sizeof(*g));
	/* dLoss/dz at the output: p - onehot(y) (or yhat - y), over B */
	for (size_t i = 0; i < B; i++) {
		for (size_t c = 0; c < nout; c++) {
			double t = m->task == BP_TASK_MULTICLASS ?
				   ((size_t)y[i] == c) : y[i];

			delta[i * nout + c] = (p[i * nout + c] - t) / (double)B;
		}
	}
	for (size_t l = L; l-- > 0;) {
		size_t ni = m->size[l], no = m->size[l + 1];
		const double *W = m->w + m->woff[l], *in = act[l];
		double *gW = g + m->woff[l], *gb = g + m->boff[l], *t;

		for (size_t i = 0; i < B; i++) {
			const double *di = delta + i * no;

			for (size_t q = 0; q < no; q++)
				gb[q] += di[q];
			for (size_t pp = 0; pp < ni; pp++) {
				double a = in[i * ni + pp];
				double *gWp = gW + pp * no;

				if (a == 0.0)
					continue;
				for (size_t q = 0; q < no; q++)
					gWp[q] += a * di[q];
			}
		}
		for (size_t q = 0; q < ni * no; q++)
			gW[q] += alpha * W[q] / (double)B;
		if (l == 0)
			break;
		/* delta of the layer below, through ReLU */
		for (size_t i = 0; i < B; i++) {
			const double *di = delta + i * no;

			for (size_t pp = 0; pp < ni; pp++) {
				double s = 0;
				const double *Wp = W + pp * no;

				if (in[i * ni + pp] <= 0) {
					prev[i * ni + pp] = 0;
					continue;
				}
				for (size_t q = 0; q < no; q++)
					s += Wp[q] * di[q];
				prev[i * ni + pp] = s;
			}
		}
		t = delta;
		delta = prev;
		prev = t;
	}
}

static void
init_weights(struct bp_mlp *m, struct bp_rng *rng)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t ni = m->size[l], no = m->size[l + 1];
		/* Glorot uniform, as scikit-learn (factor 6 for ReLU nets) */
		double bound = sqrt(6.0 / (double)(ni + no));

		for (size_t q = 0; q < ni * no; q++)
			m->w[m->woff[l] + q] = bound *
					       (2 * bp_rng_uniform(rng) - 1);
		for (size_t q = 0; q < no; q++)
			m->w[m->boff[l] + q] = bound *
					       (2 * bp_rng_uniform(rng) - 1);
	}
}

static void
fit_standardisation(struct bp_mlp *m, const double *x, size_t n)
{
	for (size_t j = 0; j < m->k; j++) {
		double mu = 0, var = 0;

		for (size_t i = 0; i < n; i++)
			mu += x[i * m->k + j];
		mu /= (double)n;
		for (size_t i = 0; i < n; i++)
			var += (x[i * m->k + j] - mu) * (x[i * m->k + j] - mu);
		var /= (double)n;
		m->mean[j] = mu;
		m->sd[j] = var > 0 ? sqrt(var) : 1.0;
	}
}

/* Adam's state and the buffers of one batch */
struct adam {
	size_t B, t;
	double *act[BP_MLP_MAX_LAYERS + 2], *buf, *g, *mo, *ve, *bx, *by;
	double *d0, *d1;
};

static void
adam_init(struct adam *a, const struct bp_mlp *m, size_t B)
{
	size_t wide = widest(m), k = m->k;

	memset(a, 0, sizeof(*a));
	a->B = B;
	/* activations for B rows per level, deltas, batch copies */
	a->buf = bp_xcalloc(B * (m->nlayers + 1) * wide + 2 * B * wide +
			    B * k + B, sizeof(double));
	for (size_t l = 0; l <= m->nlayers; l++)
		a->act[l] = a->buf + l * B * wide;
	a->d0 = a->buf + (m->nlayers + 1) * B * wide;
	a->d1 = a->d0 + B * wide;
	a->bx = a->d1 + B * wide;
	a->by = a->bx + B * k;
	a->g = bp_xcalloc(3 * m->nparam, sizeof(double));
	a->mo = a->g + m->nparam;
	a->ve = a->mo + m->nparam;
}

static void
adam_release(struct adam *a)
{
	free(a->buf);
	free(a->g);
}

/*
 * One epoch: mini-batches of B rows of x, y taken in the order of `order`
 * (n indices), an Adam step after each (scikit-learn's: bias-corrected
 * step size lr sqrt(1 - b2^t) / (1 - b1^t)).  Returns the summed row loss.
 */
static double
adam_epoch(struct bp_mlp *m, struct adam *a, const double *x, const double *y,
	   size_t n, const size_t *order, const struct bp_mlp_opts *o)
{
	size_t k = m->k, nout = m->nout;
	double loss = 0;

	for (size_t lo = 0; lo < n; lo += a->B) {
		size_t nb = n - lo < a->B ? n - lo : a->B;
		double step;

		for (size_t i = 0; i < nb; i++) {
			memcpy(a->bx + i * k, x + order[lo + i] * k,
			       k * sizeof(*a->bx));
			a->by[i] = y[order[lo + i]];
		}
		standardise_rows(m, a->bx, nb, a->act[0]);
		forward(m, m->w, a->act, nb);
		for (size_t i = 0; i < nb; i++)
			loss += row_loss(o->task, a->act[m->nlayers] + i * nout,
					 a->by[i]);
		backward(m, a->act, a->by, nb, o->alpha, a->g, a->d0, a->d1);
		a->t++;
		step = o->learning_rate *
		       sqrt(1 - pow(o->beta2, (double)a->t)) /
		       (1 - pow(o->beta1, (double)a->t));
		for (size_t q = 0; q < m->nparam; q++) {
			double gq = a->g[q];

			a->mo[q] = o->beta1 * a->mo[q] + (1 - o->beta1) * gq;
			a->ve[q] = o->beta2 * a->ve[q] +
				   (1 - o->beta2) * (gq * gq);
			m->w[q] -= step * a->mo[q] /
				   (sqrt(a->ve[q]) + o->epsilon);
		}
	}
	return loss;
}

struct bp_mlp *
bp_mlp_train(const double *x, const double *y, size_t n, size_t k,
	     const double *xv, const double *yv, size_t nv,
	     const struct bp_mlp_opts *o, uint64_t seed, double *importance,
	     struct bp_buf *log)
{
	size_t nout = o->task == BP_TASK_MULTICLASS ? o->nclass : 1;
	size_t B = o->batch_size < n ? o->batch_size : n, *order;
	struct bp_mlp *m;
	struct bp_rng rng;
	struct adam a;
	double *best, best_loss = INFINITY;
	int since = 0;

	if (n == 0 || k == 0) {
		bp_error("mlp: no rows or no features");
		return NULL;
	}
	m = mlp_new(o->task, k, nout, o->hidden, o->nhidden);
	fit_standardisation(m, x, n);
	bp_rng_seed(&rng, seed);
	init_weights(m, &rng);
	adam_init(&a, m, B);
	best = bp_xreallocarray(NULL, m->nparam, sizeof(*best));
	memcpy(best, m->w, m->nparam * sizeof(*best));
	order = bp_xreallocarray(NULL, n, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = i;

	for (int ep = 1; ep <= o->epochs; ep++) {
		double score;

		for (size_t i = n; i > 1; i--) {	/* Fisher-Yates */
			size_t r = (size_t)bp_rng_below(&rng, i), t;

			t = order[i - 1];
			order[i - 1] = order[r];
			order[r] = t;
		}
		m->train_loss = adam_epoch(m, &a, x, y, n, order, o) /
				(double)n;
		m->epochs = ep;
		score = m->train_loss;
		if (nv) {
			m->valid_loss = mean_loss(m, xv, yv, nv, a.act, B);
			score = m->valid_loss;
		}
		/* scikit-learn's rule: improvement means by more than tol */
		since = score < best_loss - o->tol ? 0 : since + 1;
		if (score < best_loss) {
			best_loss = score;
			m->best_epoch = ep;
			memcpy(best, m->w, m->nparam * sizeof(*best));
		}
		if (o->patience > 0 && since >= o->patience)
			break;
	}
	if (nv)		/* the best epoch's weights */
		memcpy(m->w, best, m->nparam * sizeof(*best));
	else
		m->best_epoch = m->epochs;
	if (importance) {
		double total = 0;

		for (size_t j = 0; j < k; j++) {
			importance[j] = 0;
			for (size_t q = 0; q < m->size[1]; q++)
				importance[j] += fabs(m->w[m->woff[0] +
							   j * m->size[1] + q]);
			total += importance[j];
		}
		for (size_t j = 0; j < k && total > 0; j++)
			importance[j] /= total;
	}
	bp_model_log(log, "mlp: %d epochs, best %d, train loss %.6g%s",
		     m->epochs, m->best_epoch, m->train_loss,
		     nv ? ", validation loss" : "");
	adam_release(&a);
	free(best);
	free(order);
	return m;
}

void
bp_mlp_adam(struct bp_mlp *m, const double *x, const double *y, size_t n,
	    const size_t *order, int epochs, const struct bp_mlp_opts *o)
{
	struct adam a;

	adam_init(&a, m, o->batch_size < n ? o->batch_size : n);
	for (int ep = 0; ep < epochs; ep++)
		adam_epoch(m, &a, x, y, n, order + (size_t)ep * n, o);
	adam_release(&a);
}

void
bp_mlp_predict(const struct bp_mlp *m, const double *x, double *out)
{
	double a[2][1024], *in = a[0], *o = a[1], *heap = NULL;
	size_t wide = widest(m);

	if (wide > 1024) {
		heap = bp_xmalloc(2 * wide * sizeof(*heap));
		in = heap;
		o = heap + wide;
	}
	for (size_t j = 0; j < m->k; j++)
		in[j] = (x[j] - m->mean[j]) / m->sd[j];
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t ni = m->size[l], no = m->size[l + 1];
		const double *W = m->w + m->woff[l], *b = m->w + m->boff[l];
		double *t;

		memcpy(o, b, no * sizeof(*o));
		for (size_t p = 0; p < ni; p++)
			for (size_t q = 0; q < no; q++)
				o[q] += in[p] * W[p * no + q];
		if (l + 1 < m->nlayers)
			for (size_t q = 0; q < no; q++)
				o[q] = o[q] > 0 ? o[q] : 0;
		t = in;
		in = o;
		o = t;
	}
	bp_task_link(m->task, in, m->nout);
	memcpy(out, in, m->nout * sizeof(*out));
	free(heap);
}

struct bp_mlp *
bp_mlp_new(enum bp_task task, size_t k, size_t nout, const size_t *hidden,
	   size_t nhidden, uint64_t seed)
{
	struct bp_mlp *m = mlp_new(task, k, nout, hidden, nhidden);
	struct bp_rng rng;

	bp_rng_seed(&rng, seed);
	init_weights(m, &rng);
	for (size_t j = 0; j < k; j++)
		m->sd[j] = 1.0;
	return m;
}

double
bp_mlp_loss_grad(const struct bp_mlp *m, const double *x, const double *y,
		 size_t n, double alpha, double *grad)
{
	size_t wide = widest(m);
	double *buf = bp_xcalloc(n * (m->nlayers + 3) * wide, sizeof(double));
	double *act[BP_MLP_MAX_LAYERS + 2], loss = 0, w2 = 0;

	for (size_t l = 0; l <= m->nlayers; l++)
		act[l] = buf + l * n * wide;
	standardise_rows(m, x, n, act[0]);
	forward(m, m->w, act, n);
	for (size_t i = 0; i < n; i++)
		loss += row_loss(m->task, act[m->nlayers] + i * m->nout, y[i]);
	backward(m, act, y, n, alpha, grad, buf + (m->nlayers + 1) * n * wide,
		 buf + (m->nlayers + 2) * n * wide);
	for (size_t l = 0; l < m->nlayers; l++)
		for (size_t q = 0; q < m->size[l] * m->size[l + 1]; q++)
			w2 += m->w[m->woff[l] + q] * m->w[m->woff[l] + q];
	free(buf);
	return loss / (double)n + 0.5 * alpha * w2 / (double)n;
}

size_t
bp_mlp_nparams(const struct bp_mlp *m)
{
	return m->nparam;
}

double *
bp_mlp_params(struct bp_mlp *m)
{
	return m->w;
}

int
bp_mlp_epochs(const struct bp_mlp *m)
{
	return m->epochs;
}

int
bp_mlp_best_epoch(const struct bp_mlp *m)
{
	return m->best_epoch;
}

/* ---- the mlp kind ----------------------------------------------------- */

static const char *const objectives[] = {
	"auto", "binary:logistic", "reg:squarederror", "multi:softmax", NULL,
};

static const struct bp_param_spec mlp_params[] = {
	{ "objective", BP_PARAM_STR, 0, 0, "\"auto\"", objectives,
	  "auto: from the label values" },
	{ "hidden", BP_PARAM_INTLIST, 1, 4096, "[20,10]", NULL,
	  "units of each hidden layer (at most 8 layers)" },
	{ "learning_rate", BP_PARAM_REAL, 1e-9, 10, "0.001", NULL,
	  "Adam step size" },
	{ "batch_size", BP_PARAM_INT, 1, 1000000, "200", NULL,
	  "rows per mini-batch" },
	{ "epochs", BP_PARAM_INT, 1, 1000000, "200", NULL,
	  "passes over the data at most" },
	{ "alpha", BP_PARAM_REAL, 0, 1e6, "0.0001", NULL,
	  "L2 penalty on the weights" },
	{ "early_stopping_rounds", BP_PARAM_INT, 0, 1000000, "10", NULL,
	  "epochs without improvement before stopping (0: off)" },
	{ "tol", BP_PARAM_REAL, 0, 1e6, "0.0001", NULL,
	  "least loss improvement that counts" },
	{ "beta1", BP_PARAM_REAL, 0, 0.999999, "0.9", NULL,
	  "Adam first-moment decay" },
	{ "beta2", BP_PARAM_REAL, 0, 0.999999999, "0.999", NULL,
	  "Adam second-moment decay" },
	{ "epsilon", BP_PARAM_REAL, 1e-300, 1, "1e-08", NULL,
	  "Adam denominator guard" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void *
mlp_train_op(const struct bp_train_ctx *c)
{
	struct bp_mlp_opts o;
	const json_t *p = c->params, *h = json_object_get(p, "hidden");
	const struct bp_dataset *v = c->valid;
	struct bp_mlp *m;

	memset(&o, 0, sizeof(o));
	o.task = c->task;
	o.nclass = c->nclasses;
	o.nhidden = json_array_size(h);
	if (o.nhidden > BP_MLP_MAX_LAYERS) {
		bp_error("mlp: at most %d hidden layers", BP_MLP_MAX_LAYERS);
		return NULL;
	}
	for (size_t l = 0; l < o.nhidden; l++)
		o.hidden[l] = (size_t)json_integer_value(json_array_get(h, l));
	o.learning_rate = bp_param_real(p, "learning_rate");
	o.batch_size = (size_t)bp_param_int(p, "batch_size");
	o.epochs = (int)bp_param_int(p, "epochs");
	o.alpha = bp_param_real(p, "alpha");
	o.patience = (int)bp_param_int(p, "early_stopping_rounds");
	o.tol = bp_param_real(p, "tol");
	o.beta1 = bp_param_real(p, "beta1");
	o.beta2 = bp_param_real(p, "beta2");
	o.epsilon = bp_param_real(p, "epsilon");
	m = bp_mlp_train(c->train->x, c->ytrain, c->train->n, c->train->k,
			 v ? v->x : NULL, c->yvalid, v ? v->n : 0, &o, c->seed,
			 c->importance, c->log);
	if (!m)
		return NULL;
	json_object_set_new(c->fit, "epochs", json_integer(m->epochs));
	json_object_set_new(c->fit, "best_epoch", json_integer(m->best_epoch));
	json_object_set_new(c->fit, "train_loss", bp_json_real(m->train_loss));
	json_object_set_new(c->fit, "valid_loss",
			    v ? bp_json_real(m->valid_loss) : json_null());
	return m;
}

static void
mlp_predict_op(const void *impl, const double *x, double *out)
{
	bp_mlp_predict(impl, x, out);
}

static json_t *
doubles(const double *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, bp_json_real(v[i]));
	return a;
}

static const char *
output_name(enum bp_task t)
{
	return t == BP_TASK_BINARY ? "sigmoid" :
	       t == BP_TASK_MULTICLASS ? "softmax" : "identity";
}

static json_t *
mlp_to_json(const void *impl)
{
	const struct bp_mlp *m = impl;
	json_t *o = json_object(), *layers = json_array();

	json_object_set_new(o, "activation", json_string("relu"));
	json_object_set_new(o, "output", json_string(output_name(m->task)));
	json_object_set_new(o, "mean", doubles(m->mean, m->k));
	json_object_set_new(o, "sd", doubles(m->sd, m->k));
	for (size_t l = 0; l < m->nlayers; l++) {
		json_t *L = json_object();
		size_t ni = m->size[l], no = m->size[l + 1];

		json_object_set_new(L, "inputs", json_integer((json_int_t)ni));
		json_object_set_new(L, "outputs", json_integer((json_int_t)no));
		json_object_set_new(L, "weights", doubles(m->w + m->woff[l],
							  ni * no));
		json_object_set_new(L, "bias", doubles(m->w + m->boff[l], no));
		json_array_append_new(layers, L);
	}
	json_object_set_new(o, "layers", layers);
	return o;
}

static void *
mlp_from_json(const json_t *j, size_t k, enum bp_task task, size_t nout,
	      const char *name)
{
	const json_t *layers, *out = json_object_get(j, "output");
	size_t hidden[BP_MLP_MAX_LAYERS], nh, prev = k;
	struct bp_mlp *m;

	if (!json_is_string(out) || strcmp(json_string_value(out),
					   output_name(task)) != 0) {
		bp_error("%s: model 'output' does not match its task '%s'",
			 name, bp_task_name(task));
		return NULL;
	}
	if (bp_mj_array(j, "layers", (size_t)-1, name, &layers) < 0)
		return NULL;
	nh = json_array_size(layers);
	if (nh < 1 || nh > BP_MLP_MAX_LAYERS + 1) {
		bp_error("%s: model has %zu layers (1 to %d)", name, nh,
			 BP_MLP_MAX_LAYERS + 1);
		return NULL;
	}
	nh--;
	for (size_t l = 0; l <= nh; l++) {
		const json_t *L = json_array_get(layers, l);
		const json_t *ni = json_object_get(L, "inputs");
		const json_t *no = json_object_get(L, "outputs");
		size_t want = l == nh ? nout : 0;

		if (!json_is_integer(ni) || !json_is_integer(no) ||
		    (size_t)json_integer_value(ni) != prev ||
		    json_integer_value(no) < 1 ||
		    json_integer_value(no) > 4096 ||
		    (want && (size_t)json_integer_value(no) != want)) {
			bp_error("%s: model layer %zu: inputs and outputs "
				 "do not chain (%zu features, %zu outputs)",
				 name, l, k, nout);
			return NULL;
		}
		if (l < nh)
			hidden[l] = (size_t)json_integer_value(no);
		prev = (size_t)json_integer_value(no);
	}
	m = mlp_new(task, k, nout, hidden, nh);
	if (bp_mj_doubles(j, "mean", k, m->mean, name) < 0 ||
	    bp_mj_doubles(j, "sd", k, m->sd, name) < 0)
		goto fail;
	for (size_t i = 0; i < k; i++)
		if (!(m->sd[i] > 0)) {
			bp_error("%s: model 'sd' must be positive", name);
			goto fail;
		}
	for (size_t l = 0; l < m->nlayers; l++) {
		const json_t *L = json_array_get(layers, l);

		if (bp_mj_doubles(L, "weights", m->size[l] * m->size[l + 1],
				  m->w + m->woff[l], name) < 0 ||
		    bp_mj_doubles(L, "bias", m->size[l + 1], m->w + m->boff[l],
				  name) < 0)
			goto fail;
	}
	return m;
fail:
	bp_mlp_free(&m);
	return NULL;
}

static void
mlp_free_op(void *impl)
{
	struct bp_mlp *m = impl;

	bp_mlp_free(&m);
}

const struct bp_model_ops bp_mlp_ops = {
	.kind = "mlp",
	.params = mlp_params,
	.handles_missing = 0,
	.train = mlp_train_op,
	.predict = mlp_predict_op,
	.to_json = mlp_to_json,
	.from_json = mlp_from_json,
	.free = mlp_free_op,
};
