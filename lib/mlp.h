/*
 * mlp: a small multilayer perceptron (scikit-learn's MLPClassifier and
 * MLPRegressor recipe): standardised inputs, ReLU hidden layers, a
 * sigmoid (binary), softmax (multiclass) or identity (regression) output,
 * Glorot-uniform initial weights, Adam on shuffled mini-batches with an L2
 * penalty alpha/2 |W|^2 per batch row, and early stopping.  Given the
 * same initial weights and row order, the Adam steps are scikit-learn's to
 * the last bit or so (tests/unit/ref/mlp_ref.py); the standardisation of
 * the inputs is barpipe's own (scikit-learn leaves scaling to the user).
 *
 * Loss per row: logloss (binary, multiclass) or half the squared error.
 * An epoch is one pass over the training rows in a seeded random order.
 * With validation rows, training stops when the validation loss has not
 * improved by more than tol for `patience` epochs and the best epoch's
 * weights are kept; without, the same rule runs on the training loss and
 * the last weights are kept.  One thread: the batches are sequential.
 */
#ifndef BP_MLP_H
#define BP_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "util.h"

#define BP_MLP_MAX_LAYERS 8

struct bp_mlp_opts {
	enum bp_task task;
	size_t nclass;			/* multiclass: >= 2 */
	size_t nhidden;			/* hidden layers */
	size_t hidden[BP_MLP_MAX_LAYERS];
	double learning_rate;
	double beta1, beta2, epsilon;
	double alpha;
	size_t batch_size;
	int epochs;
	int patience;			/* 0: run every epoch */
	double tol;
};

struct bp_mlp;

/*
 * Train on x (n, k) without NaN and targets y (n) (0/1, values or class
 * indices); xv, yv (nv rows) for early stopping (nv may be 0).  Returns
 * NULL after reporting.
 */
struct bp_mlp *bp_mlp_train(const double *x, const double *y, size_t n,
			    size_t k, const double *xv, const double *yv,
			    size_t nv, const struct bp_mlp_opts *o,
			    uint64_t seed, double *importance,
			    struct bp_buf *log);
void bp_mlp_free(struct bp_mlp **m);
/* out: p(1), the value, or the class probabilities. */
void bp_mlp_predict(const struct bp_mlp *m, const double *x, double *out);
/*
 * For tests (gradient checks): a network of the given shape with
 * Glorot-uniform weights from seed and the identity standardisation;
 * the loss of rows x, y (the mean row loss plus alpha/(2n) |W|^2) and
 * its gradient (bp_mlp_nparams values) into grad; the parameters
 * themselves (mutable).
 */
struct bp_mlp *bp_mlp_new(enum bp_task task, size_t k, size_t nout,
			  const size_t *hidden, size_t nhidden, uint64_t seed);
double bp_mlp_loss_grad(const struct bp_mlp *m, const double *x,
			const double *y, size_t n, double alpha, double *grad);
size_t bp_mlp_nparams(const struct bp_mlp *m);
double *bp_mlp_params(struct bp_mlp *m);
/*
 * For tests: `epochs` epochs of the training's Adam steps (o's settings,
 * mini-batches of batch_size rows) on m's parameters as they are, epoch e
 * taking the rows of x, y in the order order[e n .. e n + n).
 */
void bp_mlp_adam(struct bp_mlp *m, const double *x, const double *y,
		 size_t n, const size_t *order, int epochs,
		 const struct bp_mlp_opts *o);

/* Epochs run and the best one (1-based; the last without validation). */
int bp_mlp_epochs(const struct bp_mlp *m);
int bp_mlp_best_epoch(const struct bp_mlp *m);

#endif
