/*
 * model-internal: what model.c shares with the learners (gbdt.c,
 * linear.c, mlp.c): the table each kind fills in, parameter access and a
 * small thread pool.  bin/ never includes this.
 */
#ifndef BP_MODEL_INTERNAL_H
#define BP_MODEL_INTERNAL_H

#include <jansson.h>

#include "dataset.h"
#include "metrics.h"
#include "model.h"

/* ---- parameters -------------------------------------------------------- */

enum bp_param_type {
	BP_PARAM_INT,
	BP_PARAM_REAL,
	BP_PARAM_STR,		/* one of choices */
	BP_PARAM_INTLIST,	/* list of integers in [min, max] */
};

struct bp_param_spec {
	const char *name;
	enum bp_param_type type;
	double min, max;
	const char *def;		/* JSON text of the default */
	const char *const *choices;	/* BP_PARAM_STR */
	const char *help;
};

/* Values of resolved parameters (the name must exist: assert). */
long bp_param_int(const json_t *params, const char *name);
double bp_param_real(const json_t *params, const char *name);
const char *bp_param_str(const json_t *params, const char *name);

/* ---- what one kind provides ------------------------------------------- */

struct bp_train_ctx {
	const struct bp_dataset *train;
	const struct bp_dataset *valid;	/* NULL or n == 0: none */
	const double *ytrain;		/* (train->n) targets: 0/1, value */
	const double *yvalid;		/*   or class index */
	enum bp_task task;
	size_t nclasses;		/* multiclass */
	const json_t *params;		/* resolved */
	uint64_t seed;
	int threads;			/* >= 1 */
	struct bp_buf *log;		/* may be NULL */
	json_t *fit;			/* object: diagnostics go here */
	double *importance;		/* (k) zeroed: gain or weight share */
};

struct bp_model_ops {
	const char *kind;
	const struct bp_param_spec *params;	/* ends with name NULL */
	int handles_missing;
	/* Returns the trained state, or NULL after reporting. */
	void *(*train)(const struct bp_train_ctx *ctx);
	/* x (k) -> out (nout); the raw task output (probabilities). */
	void (*predict)(const void *impl, const double *x, double *out);
	/* Optional: n rows x (n, k) -> out (n, nout), same results. */
	void (*predict_batch)(const void *impl, const double *x, size_t n,
			      double *out);
	/* The "model" section of the file (new reference). */
	json_t *(*to_json)(const void *impl);
	/* Parse and check the "model" section; NULL after reporting. */
	void *(*from_json)(const json_t *j, size_t k, enum bp_task task,
			   size_t nout, const char *name);
	void (*free)(void *impl);
};

extern const struct bp_model_ops bp_gbdt_ops;
extern const struct bp_model_ops bp_logreg_ops;
extern const struct bp_model_ops bp_linear_ops;
extern const struct bp_model_ops bp_mlp_ops;

/* Append "prog-free" text to a training log (NULL is fine). */
void bp_model_log(struct bp_buf *log, const char *fmt, ...) BP_PRINTF(2, 3);

/* ---- JSON readers for from_json ----------------------------------------
 * Each reports "NAME: 'what' ..." and returns -1 on a missing key, a wrong
 * type or a wrong length.
 */
int bp_mj_array(const json_t *o, const char *key, size_t want, const char *name,
		const json_t **out);
int bp_mj_doubles(const json_t *o, const char *key, size_t n, double *out,
		  const char *name);
int bp_mj_number(const json_t *o, const char *key, double *out,
		 const char *name);

/* ---- thread pool -------------------------------------------------------
 * run() calls fn(arg, tid, nthreads) on every thread (the caller is tid 0)
 * and returns when all are done.  Work is split by tid in a way that does
 * not depend on timing, so results are deterministic.
 */
struct bp_pool;
struct bp_pool *bp_pool_new(int threads);
int bp_pool_size(const struct bp_pool *p);
void bp_pool_run(struct bp_pool *p, void (*fn)(void *arg, int tid, int nth),
		 void *arg);
void bp_pool_free(struct bp_pool **p);
/* Online processors (at least 1). */
int bp_ncpu(void);

#endif
