/*
 * forest: a gbdt model compiled for fast batch prediction.
 *
 * The trees of a model are flattened into contiguous arrays and evaluated
 * over blocks of rows, tree by tree, so that a tree stays in the cache
 * while the block goes through it.  A row's scores are the same numbers,
 * bit for bit, as bp_model_predict() gives: the base score plus the leaf
 * of every tree, added in the model's tree order, then the same link
 * function (sigmoid or softmax).
 *
 * A split sends x to the right when !(x <= threshold), a null (NaN) the
 * node's default way.  The compiled trees compare without testing for
 * NaN: each row is kept twice, once with its nulls as -inf and once as
 * +inf, and a node reads the copy that sends nulls its default way
 * (-inf <= t always holds, +inf <= t never does for a finite t).
 *
 * Two evaluators, chosen when the forest is built:
 *   - scalar C: every tree of depth <= 8 padded to a complete tree in
 *     heap order (children of i at 2i+1, 2i+2), so that a row takes
 *     exactly `depth` steps i = 2i + 1 + (x > t) without a branch; a
 *     deeper tree is walked node by node;
 *   - AVX-512 (x86-64 with AVX512F and AVX512BW, checked at run time,
 *     unless $BARPIPE_AVX512 is 0): a
 *     row's features become ranks, one byte each (rank q of x among the
 *     feature's split thresholds: x <= t_r exactly when q <= r), and 64
 *     rows go through a tree at once: each node compares 64 ranks with
 *     its own in one instruction, and the rows' paths are picked from
 *     the nodes' answers with bit operations.  Used for models whose
 *     features have at most 254 distinct thresholds (always the case
 *     with max_bin <= 255) and trees of depth <= 6; other trees of the
 *     same model take the scalar way, in their turn.
 * Both give the same numbers: the comparisons are exact, and the sums
 * and the link are the same operations in the same order.
 *
 *	struct bp_forest *f = bp_forest_new(model);	NULL: not a gbdt
 *	bp_forest_predict(f, x, n, out);		x (n, k), out (n, nout)
 *	bp_forest_free(&f);
 */
#ifndef BP_FOREST_H
#define BP_FOREST_H

#include <stddef.h>

#include "model.h"

struct bp_forest;

enum bp_forest_impl {
	BP_FOREST_AUTO = 0,	/* the fastest this machine runs */
	BP_FOREST_SCALAR,	/* portable C only */
	BP_FOREST_AVX512,	/* AVX-512 where the trees allow it */
};

/*
 * Compile m, a gbdt model (only read; it must outlive nothing: the forest
 * keeps its own copy).  Returns NULL when m is of another kind (use
 * bp_model_predict_batch() then).
 */
struct bp_forest *bp_forest_new(const struct bp_model *m);
/*
 * The same with a chosen evaluator (for tests and benchmarks).
 * BP_FOREST_AVX512 on a machine without it gives the scalar one.
 */
struct bp_forest *bp_forest_new_impl(const struct bp_model *m,
				     enum bp_forest_impl impl);
void bp_forest_free(struct bp_forest **f);

/*
 * 1 when this machine runs the forest's AVX-512 code (AVX512F,
 * AVX512BW) and bp_avx512_allowed() (lib/util.h).
 */
int bp_forest_cpu_avx512(void);

/* The evaluator in use: BP_FOREST_SCALAR or BP_FOREST_AVX512. */
enum bp_forest_impl bp_forest_impl(const struct bp_forest *f);

/*
 * Predict n rows: x (n, k) row-major in the model's feature order, NaN
 * for null; out (n, noutputs) as bp_model_predict_batch() fills it.
 * Thread-safe: f is only read (scratch memory is the call's own).
 */
void bp_forest_predict(const struct bp_forest *f, const double *x, size_t n,
		       double *out);

#endif
