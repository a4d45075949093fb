/*
 * linear: logistic and least-squares regression by (proximal) Newton
 * steps on standardised features; see linear.h for the objective.
 *
 * Shapes: x is (n, k) row-major; theta = (b, w) is (K) with K = k + 1,
 * theta[0] the intercept; the Hessian is kept as the packed upper
 * triangle of a (K, K) matrix, row by row.
 *
 * The data sums (loss, gradient, Hessian) run over fixed blocks of rows
 * and are added up in block order, so the result is the same whatever the
 * number of threads.
 */
#include "linear.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonout.h"
#include "model-internal.h"
#include "util.h"

#define BLOCK 4096		/* rows per partial sum */
#define ARMIJO 1e-4		/* sufficient decrease of the line search */
#define MAX_HALVINGS 40
#define CD_MAX_SWEEPS 10000
#define CD_TOL 1e-13		/* relative change ending a CD solve */

struct sums {
	const double *x, *y;
	size_t n, k;
	const double *mean, *sd, *theta;
	int logistic, want_grad, want_hess;
	size_t nblocks, stride;
	double *part;		/* (nblocks, stride): loss, g (K), H (packed) */
};

static size_t
packed(size_t K)
{
	return K * (K + 1) / 2;
}

static double
sigmoid(double t)
{
	if (t >= 0)
		return 1.0 / (1.0 + exp(-t));
	return exp(t) / (1.0 + exp(t));
}

/* log(1 + exp(t)) without overflow */
static double
log1pexp(double t)
{
	return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static void
sums_block(const struct sums *s, size_t blk, double *z)
{
	size_t K = s->k + 1, lo = blk * BLOCK;
	size_t hi = lo + BLOCK < s->n ? lo + BLOCK : s->n;
	double *out = s->part + blk * s->stride, *g = out + 1, *H = g + K;

	memset(out, 0, s->stride * sizeof(*out));
	z[0] = 1.0;
	for (size_t i = lo; i < hi; i++) {
		const double *xi = s->x + i * s->k;
		double eta = s->theta[0], r, h;

		for (size_t j = 0; j < s->k; j++) {
			z[j + 1] = (xi[j] - s->mean[j]) / s->sd[j];
			eta += s->theta[j + 1] * z[j + 1];
		}
		if (s->logistic) {
			double p = sigmoid(eta);

			out[0] += log1pexp(eta) - s->y[i] * eta;
			r = p - s->y[i];
			h = p * (1.0 - p);
		} else {
			r = eta - s->y[i];
			out[0] += 0.5 * r * r;
			h = 1.0;
		}
		if (s->want_grad)
			for (size_t a = 0; a < K; a++)
				g[a] += r * z[a];
		if (s->want_hess) {
			double *Ha = H;

			for (size_t a = 0; a < K; a++) {
				double ha = h * z[a];

				for (size_t b = a; b < K; b++)
					Ha[b - a] += ha * z[b];
				Ha += K - a;
			}
		}
	}
}

static void
sums_worker(void *arg, int tid, int nth)
{
	const struct sums *s = arg;
	double *z = bp_xmalloc((s->k + 1) * sizeof(*z));

	for (size_t blk = (size_t)tid; blk < s->nblocks; blk += (size_t)nth)
		sums_block(s, blk, z);
	free(z);
}

/* out = loss, gradient (K), packed Hessian, each summed in block order. */
static void
sums_run(struct sums *s, struct bp_pool *pool, double *out)
{
	bp_pool_run(pool, sums_worker, s);
	memset(out, 0, s->stride * sizeof(*out));
	for (size_t blk = 0; blk < s->nblocks; blk++) {
		const double *p = s->part + blk * s->stride;
		size_t len = s->want_hess ? s->stride :
			     s->want_grad ? s->k + 2 : 1;

		for (size_t a = 0; a < len; a++)
			out[a] += p[a];
	}
}

/* Penalty of the weights (not the intercept). */
static double
penalty(const double *theta, size_t K, double l2, double l1)
{
	double s2 = 0.0, s1 = 0.0;

	for (size_t a = 1; a < K; a++) {
		s2 += theta[a] * theta[a];
		s1 += fabs(theta[a]);
	}
	return 0.5 * l2 * s2 + l1 * s1;
}

/*
 * Solve A d = r for packed symmetric positive definite A (K, K) by
 * Cholesky; returns -1 when A is not positive definite.
 */
static int
cholesky_solve(const double *Ap, size_t K, const double *r, double *d)
{
	double *L = bp_xcalloc(K * K, sizeof(*L));
	size_t idx = 0;
	int rc = 0;

	for (size_t a = 0; a < K; a++)	/* unpack into the lower triangle */
		for (size_t b = a; b < K; b++)
			L[b * K + a] = Ap[idx++];
	for (size_t j = 0; j < K && rc == 0; j++) {
		double s = L[j * K + j];

		for (size_t q = 0; q < j; q++)
			s -= L[j * K + q] * L[j * K + q];
		if (!(s > 0.0)) {
			rc = -1;
			break;
		}
		L[j * K + j] = sqrt(s);
		for (size_t i = j + 1; i < K; i++) {
			double t = L[i * K + j];

			for (size_t q = 0; q < j; q++)
				t -= L[i * K + q] * L[j * K + q];
			L[i * K + j] = t / L[j * K + j];
		}
	}
	if (rc == 0) {
		for (size_t i = 0; i < K; i++) {	/* L u = r */
			double t = r[i];

			for (size_t q = 0; q < i; q++)
				t -= L[i * K + q] * d[q];
			d[i] = t / L[i * K + i];
		}
		for (size_t i = K; i-- > 0;) {		/* L' d = u */
			double t = d[i];

			for (size_t q = i + 1; q < K; q++)
				t -= L[q * K + i] * d[q];
			d[i] = t / L[i * K + i];
		}
	}
	free(L);
	return rc;
}

static double
hget(const double *H, size_t K, size_t a, size_t b)
{
	if (a > b) {
		size_t t = a;

		a = b;
		b = t;
	}
	/* row a of the packed upper triangle starts at a*K - a(a-1)/2 */
	return H[a * K - a * (a - 1) / 2 + (b - a)];
}

static double
soft(double v, double t)
{
	return v > t ? v - t : v < -t ? v + t : 0.0;
}

/*
 * Proximal Newton direction: minimise over d
 *   g.d + 1/2 d'Hd + l1 |w + d_w|_1
 * (H already holds the l2 term) by cyclic coordinate descent, d from 0.
 */
static void
cd_direction(const double *H, const double *g, const double *theta,
	     size_t K, double l1, double *d)
{
	double *Hd = bp_xcalloc(K, sizeof(*Hd));

	memset(d, 0, K * sizeof(*d));
	for (int sweep = 0; sweep < CD_MAX_SWEEPS; sweep++) {
		double maxchange = 0.0, maxval = 0.0;

		for (size_t a = 0; a < K; a++) {
			double haa = hget(H, K, a, a), old = d[a], nd;
			/* gradient of the smooth part at d, without a's own */
			double q = g[a] + Hd[a] - haa * d[a];

			if (haa <= 0.0)
				continue;
			if (a == 0)
				nd = -q / haa;
			else
				nd = soft(haa * theta[a] - q, l1) / haa -
				     theta[a];
			if (nd != old) {
				double delta = nd - old;

				for (size_t b = 0; b < K; b++)
					Hd[b] += hget(H, K, a, b) * delta;
				d[a] = nd;
				if (fabs(delta) > maxchange)
					maxchange = fabs(delta);
			}
			if (fabs(theta[a] + d[a]) > maxval)
				maxval = fabs(theta[a] + d[a]);
		}
		if (maxchange <= CD_TOL * (maxval > 1.0 ? maxval : 1.0))
			break;
	}
	free(Hd);
}

/* Largest component of the minimum-norm subgradient. */
static double
optimality(const double *g, const double *theta, size_t K, double l2,
	   double l1)
{
	double m = fabs(g[0]);

	for (size_t a = 1; a < K; a++) {
		double ga = g[a] + l2 * theta[a], v;

		if (theta[a] > 0)
			v = fabs(ga + l1);
		else if (theta[a] < 0)
			v = fabs(ga - l1);
		else
			v = fabs(ga) > l1 ? fabs(ga) - l1 : 0.0;
		if (v > m)
			m = v;
	}
	return m;
}

static void
standardise(struct bp_linear *m, const double *x, size_t n, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		double mu = 0.0, var = 0.0;

		for (size_t i = 0; i < n; i++)
			mu += x[i * k + j];
		mu /= (double)n;
		for (size_t i = 0; i < n; i++)
			var += (x[i * k + j] - mu) * (x[i * k + j] - mu);
		var /= (double)n;
		m->mean[j] = mu;
		/* a constant feature: z = 0, so its weight stays 0 */
		m->sd[j] = var > 0.0 ? sqrt(var) : 1.0;
	}
}

int
bp_linear_fit(struct bp_linear *m, const double *x, const double *y,
	      size_t n, size_t k, const struct bp_linear_opts *o, int threads)
{
	size_t K = k + 1, stride = 1 + K + packed(K);
	struct sums s;
	struct bp_pool *pool;
	double *theta, *trial, *d, *tot, *A, *rhs, ybar = 0.0, F;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (n == 0)
		return bp_error("no rows to fit");
	m->k = k;
	m->logistic = o->logistic;
	m->mean = bp_xcalloc(2 * (k ? k : 1) + k + 1, sizeof(double));
	m->sd = m->mean + (k ? k : 1);
	m->w = m->sd + (k ? k : 1);
	standardise(m, x, n, k);

	theta = bp_xcalloc(5 * K + stride + packed(K), sizeof(double));
	trial = theta + K;
	d = trial + K;
	rhs = d + K;
	tot = rhs + 2 * K;
	A = tot + stride;
	for (size_t i = 0; i < n; i++)
		ybar += y[i];
	ybar /= (double)n;
	if (o->logistic) {
		double p = ybar < 1e-12 ? 1e-12 : ybar > 1 - 1e-12 ?
			   1 - 1e-12 : ybar;

		theta[0] = log(p / (1.0 - p));
	} else {
		theta[0] = ybar;
	}

	s = (struct sums){
		.x = x, .y = y, .n = n, .k = k, .mean = m->mean, .sd = m->sd,
		.logistic = o->logistic, .stride = stride,
		.nblocks = (n + BLOCK - 1) / BLOCK,
	};
	s.part = bp_xreallocarray(NULL, s.nblocks, stride * sizeof(double));
	pool = bp_pool_new(threads);

	for (int it = 0;; it++) {
		double step = 1.0, decrease, *g = tot + 1, *H = g + K;

		s.theta = theta;
		s.want_grad = s.want_hess = 1;
		sums_run(&s, pool, tot);
		F = tot[0] + penalty(theta, K, o->l2, o->l1);
		m->grad_norm = optimality(g, theta, K, o->l2, o->l1) /
			       (double)n;
		m->iterations = it;
		if (m->grad_norm <= o->tol) {
			m->converged = 1;
			break;
		}
		if (it >= o->max_iter)
			break;
		/* A = H + l2 on the weights; rhs = -(g + l2 w) */
		memcpy(A, H, packed(K) * sizeof(*A));
		for (size_t a = 0; a < K; a++) {
			rhs[a] = -(g[a] + (a ? o->l2 * theta[a] : 0.0));
			if (a)
				A[a * K - a * (a - 1) / 2] += o->l2;
		}
		if (o->l1 > 0.0) {
			for (size_t a = 0; a < K; a++)
				rhs[K + a] = g[a] +
					     (a ? o->l2 * theta[a] : 0.0);
			cd_direction(A, rhs + K, theta, K, o->l1, d);
		} else {
			double jitter = 0.0, dmax = 0.0;

			for (size_t a = 0; a < K; a++)
				if (hget(A, K, a, a) > dmax)
					dmax = hget(A, K, a, a);
			while (cholesky_solve(A, K, rhs, d) < 0) {
				/* singular (collinear features, no l2) */
				double add = jitter ? jitter : 1e-12 *
					     (dmax > 0 ? dmax : 1.0);

				if (add > 1e-3 * (dmax > 0 ? dmax : 1.0)) {
					bp_error("the system is singular "
						 "(constant label or collinear "
						 "features); try l2 > 0");
					goto out;
				}
				for (size_t a = 0; a < K; a++)
					A[a * K - a * (a - 1) / 2] +=
						add;
				jitter = 10 * add;
			}
		}
		/* predicted decrease of the composite objective */
		decrease = 0.0;
		for (size_t a = 0; a < K; a++)
			decrease += (g[a] + (a ? o->l2 * theta[a] : 0.0)) *
				    d[a];
		if (o->l1 > 0.0)
			for (size_t a = 1; a < K; a++)
				decrease += o->l1 * (fabs(theta[a] + d[a]) -
						     fabs(theta[a]));
		if (decrease >= 0.0) {
			m->converged = 1;	/* no descent left */
			break;
		}
		for (int h = 0; h < MAX_HALVINGS; h++, step *= 0.5) {
			double Ft;

			for (size_t a = 0; a < K; a++)
				trial[a] = theta[a] + step * d[a];
			s.theta = trial;
			s.want_grad = s.want_hess = 0;
			sums_run(&s, pool, tot);
			Ft = tot[0] + penalty(trial, K, o->l2, o->l1);
			if (Ft <= F + ARMIJO * step * decrease)
				break;
		}
		memcpy(theta, trial, K * sizeof(*theta));
	}
	m->objective = F;
	m->b = theta[0];
	for (size_t j = 0; j < k; j++)
		m->w[j] = theta[j + 1];
	rc = 0;
out:
	bp_pool_free(&pool);
	free(s.part);
	free(theta);
	if (rc < 0)
		bp_linear_release(m);
	return rc;
}

void
bp_linear_release(struct bp_linear *m)
{
	if (!m)
		return;
	free(m->mean);
	memset(m, 0, sizeof(*m));
}

void
bp_linear_coef_original(const struct bp_linear *m, double *w, double *b)
{
	double b0 = m->b;

	for (size_t j = 0; j < m->k; j++) {
		w[j] = m->w[j] / m->sd[j];
		b0 -= w[j] * m->mean[j];
	}
	*b = b0;
}

double
bp_linear_predict(const struct bp_linear *m, const double *x)
{
	double eta = m->b;

	for (size_t j = 0; j < m->k; j++)
		eta += m->w[j] * ((x[j] - m->mean[j]) / m->sd[j]);
	return m->logistic ? sigmoid(eta) : eta;
}

/* ---- the logreg and linear kinds -------------------------------------- */

static const struct bp_param_spec logreg_params[] = {
	{ "l2", BP_PARAM_REAL, 0, 1e12, "1", NULL,
	  "L2 penalty (1/C of scikit-learn)" },
	{ "l1", BP_PARAM_REAL, 0, 1e12, "0", NULL,
	  "L1 penalty (proximal Newton when > 0)" },
	{ "max_iter", BP_PARAM_INT, 1, 100000, "100", NULL,
	  "Newton steps at most" },
	{ "tol", BP_PARAM_REAL, 0, 1, "1e-08", NULL,
	  "stop when max |gradient| / rows <= tol" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static void *
linear_train_common(const struct bp_train_ctx *c, int logistic)
{
	struct bp_linear *m = bp_xcalloc(1, sizeof(*m));
	struct bp_linear_opts o = BP_LINEAR_OPTS_INIT;
	double wsum = 0.0;

	o.logistic = logistic;
	o.l2 = bp_param_real(c->params, "l2");
	o.l1 = bp_param_real(c->params, "l1");
	o.max_iter = (int)bp_param_int(c->params, "max_iter");
	o.tol = bp_param_real(c->params, "tol");
	if (bp_linear_fit(m, c->train->x, c->ytrain, c->train->n, c->train->k,
			  &o, c->threads) < 0) {
		free(m);
		return NULL;
	}
	json_object_set_new(c->fit, "solver", json_string(
		o.l1 > 0 ? "proximal-newton" : "newton"));
	json_object_set_new(c->fit, "iterations", json_integer(m->iterations));
	json_object_set_new(c->fit, "grad_norm", bp_json_real(m->grad_norm));
	json_object_set_new(c->fit, "converged", json_boolean(m->converged));
	json_object_set_new(c->fit, "objective", bp_json_real(m->objective));
	bp_model_log(c->log, "%s: %s, %d iterations, gradient %.3g, %s",
		     logistic ? "logreg" : "linear",
		     o.l1 > 0 ? "proximal newton" : "newton", m->iterations,
		     m->grad_norm, m->converged ? "converged" :
		     "NOT converged");
	for (size_t j = 0; j < m->k; j++)
		wsum += fabs(m->w[j]);
	for (size_t j = 0; j < m->k && wsum > 0; j++)
		c->importance[j] = fabs(m->w[j]) / wsum;
	return m;
}

static void *
logreg_train(const struct bp_train_ctx *c)
{
	return linear_train_common(c, 1);
}

static void *
linreg_train(const struct bp_train_ctx *c)
{
	return linear_train_common(c, 0);
}

static void
linear_predict_op(const void *impl, const double *x, double *out)
{
	out[0] = bp_linear_predict(impl, x);
}

static json_t *
doubles(const double *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, bp_json_real(v[i]));
	return a;
}

static json_t *
linear_to_json(const void *impl)
{
	const struct bp_linear *m = impl;
	json_t *o = json_object();
	double *w = bp_xcalloc(m->k ? m->k : 1, sizeof(*w)), b;

	bp_linear_coef_original(m, w, &b);
	json_object_set_new(o, "mean", doubles(m->mean, m->k));
	json_object_set_new(o, "sd", doubles(m->sd, m->k));
	json_object_set_new(o, "intercept", bp_json_real(m->b));
	json_object_set_new(o, "coef", doubles(m->w, m->k));
	json_object_set_new(o, "intercept_original", bp_json_real(b));
	json_object_set_new(o, "coef_original", doubles(w, m->k));
	free(w);
	return o;
}

static void *
linear_from_json_common(const json_t *j, size_t k, const char *name,
			int logistic)
{
	struct bp_linear *m = bp_xcalloc(1, sizeof(*m));

	m->k = k;
	m->logistic = logistic;
	m->mean = bp_xcalloc(3 * (k ? k : 1), sizeof(double));
	m->sd = m->mean + (k ? k : 1);
	m->w = m->sd + (k ? k : 1);
	if (bp_mj_doubles(j, "mean", k, m->mean, name) < 0 ||
	    bp_mj_doubles(j, "sd", k, m->sd, name) < 0 ||
	    bp_mj_doubles(j, "coef", k, m->w, name) < 0 ||
	    bp_mj_number(j, "intercept", &m->b, name) < 0)
		goto fail;
	for (size_t i = 0; i < k; i++)
		if (!(m->sd[i] > 0) || !isfinite(m->sd[i])) {
			bp_error("%s: model 'sd' must be positive", name);
			goto fail;
		}
	return m;
fail:
	bp_linear_release(m);
	free(m);
	return NULL;
}

static void *
logreg_from_json(const json_t *j, size_t k, enum bp_task task, size_t nout,
		 const char *name)
{
	(void)nout;
	if (task != BP_TASK_BINARY)
		return bp_error("%s: a logreg model must be binary", name),
		       NULL;
	return linear_from_json_common(j, k, name, 1);
}

static void *
linreg_from_json(const json_t *j, size_t k, enum bp_task task, size_t nout,
		 const char *name)
{
	(void)nout;
	if (task != BP_TASK_REGRESSION)
		return bp_error("%s: a linear model must be a regression",
				name), NULL;
	return linear_from_json_common(j, k, name, 0);
}

static void
linear_free(void *impl)
{
	bp_linear_release(impl);
	free(impl);
}

const struct bp_model_ops bp_logreg_ops = {
	.kind = "logreg",
	.params = logreg_params,
	.handles_missing = 0,
	.train = logreg_train,
	.predict = linear_predict_op,
	.to_json = linear_to_json,
	.from_json = logreg_from_json,
	.free = linear_free,
};

const struct bp_model_ops bp_linear_ops = {
	.kind = "linear",
	.params = logreg_params,
	.handles_missing = 0,
	.train = linreg_train,
	.predict = linear_predict_op,
	.to_json = linear_to_json,
	.from_json = linreg_from_json,
	.free = linear_free,
};
