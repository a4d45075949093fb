/*
 * model: the one interface to every learner (gbdt, logreg, linear, mlp).
 *
 * bp-train, bp-predict, bp-model, bp-cv and bp-drift see models only
 * through this header: train by kind name and parameters, predict one row,
 * write and read the model file.  A model knows its feature names (in the
 * order predict() wants them), its label, its task and, for multiclass,
 * which label value each output stands for.
 *
 *	struct bp_buf log = BP_BUF_INIT;
 *	json_t *params = bp_model_params_parse("max_depth=4,n_estimators=50");
 *	struct bp_model *m = bp_model_train("gbdt", params, &train, &valid,
 *					    seed, threads, &log);
 *	double out[BP_MODEL_MAX_OUTPUTS];
 *	if (bp_model_predict(m, x, out) == 0) ...   x in bp_model_features order
 *	bp_model_save(m, "model.json");
 *	bp_model_free(&m);
 *
 * The model file is one JSON document ("format": "barpipe-model",
 * "format_version": 1); see bp-train(1) for its keys.  The same data,
 * parameters and seed give a byte-identical file, whatever the number of
 * threads.
 */
#ifndef BP_MODEL_H
#define BP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dataset.h"
#include "metrics.h"
#include "util.h"

#define BP_MODEL_FORMAT "barpipe-model"
#define BP_MODEL_FORMAT_VERSION 1
#define BP_MODEL_MAX_CLASSES 16
#define BP_MODEL_MAX_OUTPUTS BP_MODEL_MAX_CLASSES

struct bp_model;

/* The kinds, NULL-terminated: "gbdt", "logreg", "linear", "mlp". */
extern const char *const bp_model_kinds[];
/* 1 when kind is one of them. */
int bp_model_kind_known(const char *kind);

/*
 * Parameters as written on a command line: "k=v,k=v".  Values are JSON
 * numbers, true/false, or else strings; a comma-separated item without
 * '=' extends the previous value into a list ("hidden=20,10,alpha=0.01"
 * gives {"hidden":[20,10],"alpha":0.01}).  NULL or "" gives {}.  Returns
 * a new reference, or NULL after reporting.
 */
json_t *bp_model_params_parse(const char *s);

/*
 * Every parameter of kind with its value: those in params (which must be
 * known to kind, of the right type and in range) and the defaults for the
 * rest, in a fixed order.  Returns a new reference, or NULL after
 * reporting "gbdt: unknown parameter 'x'" or "gbdt: parameter 'max_depth'
 * must be an integer in [0, 64]".  params may be NULL.
 */
json_t *bp_model_params_resolve(const char *kind, const json_t *params);

/*
 * One line per parameter of kind ("name  default  description") into b,
 * for --help texts and man pages.  Returns -1 for an unknown kind.
 */
int bp_model_params_help(const char *kind, struct bp_buf *b);

/*
 * The "model" object of a strategy spec (see bp-features(1)):
 * {"kind": .., "label": .., "params": {..}, "features": [..]}, every key
 * optional.  Strings are owned by the struct; release it with
 * bp_model_spec_release().
 */
struct bp_model_spec {
	char *kind, *label;
	json_t *params;		/* object or NULL */
	char **features;	/* names or globs */
	size_t nfeatures;
};
/*
 * Read path's model object.  Returns 0, or -1 after reporting (unreadable
 * JSON, no "model" object, a key of the wrong type, an unknown kind).
 */
int bp_model_spec_load(struct bp_model_spec *sp, const char *path);
void bp_model_spec_release(struct bp_model_spec *sp);

/*
 * Train a model of kind on train (rows with a NaN label must not be
 * there).  valid may be NULL or empty; when given it is the time-ordered
 * tail used for early stopping and the validation metrics.  seed drives
 * every random choice; threads <= 0 means every online processor.  The
 * task comes from params' "objective" where the kind has one, else from
 * the labels: all 0/1 is binary, integers with -1 (triple-barrier -1/0/1)
 * or more than two values (at most BP_MODEL_MAX_CLASSES) are multiclass,
 * anything else regression; logreg is always binary, linear always
 * regression.  Kinds that cannot use null features (logreg, linear, mlp)
 * skip rows holding one and count them.  Progress and fit diagnostics are
 * appended to log (may be NULL) as lines.  Returns a new model, or NULL
 * after reporting.
 */
struct bp_model *bp_model_train(const char *kind, const json_t *params,
				const struct bp_dataset *train,
				const struct bp_dataset *valid, uint64_t seed,
				int threads, struct bp_buf *log);

void bp_model_free(struct bp_model **m);

/*
 * Predict one row: x (k) in bp_model_features() order, NaN for null.
 * out (bp_model_noutputs()) receives the probability of class 1
 * (binary), the value (regression) or each class's probability in
 * bp_model_classes() order (multiclass).  Returns 0, or -1 when x holds a
 * NaN and the kind cannot handle one (out is then NaN; nothing reported).
 * Thread-safe: the model is only read.
 */
int bp_model_predict(const struct bp_model *m, const double *x, double *out);

/*
 * n rows at once: x (n, k) row-major, out (n, noutputs).  Rows the model
 * cannot score get NaN outputs.  Returns the number of such rows.
 */
size_t bp_model_predict_batch(const struct bp_model *m, const double *x,
			      size_t n, double *out);

/*
 * One number per prediction: binary p(1); regression the value;
 * multiclass the expected label value sum(p_c * class_c) (for -1/0/+1
 * labels: p(+1) - p(-1)).
 */
double bp_model_score(const struct bp_model *m, const double *out);

size_t bp_model_noutputs(const struct bp_model *m);
enum bp_task bp_model_task(const struct bp_model *m);
const char *bp_model_kind(const struct bp_model *m);
const char *bp_model_label(const struct bp_model *m);
size_t bp_model_nfeatures(const struct bp_model *m);
/* Feature names (borrowed, valid while m lives). */
const char *const *bp_model_features(const struct bp_model *m);
/* 1 when predict() accepts NaN features (gbdt: learned directions). */
int bp_model_handles_missing(const struct bp_model *m);
/*
 * Multiclass: the label value of each output (borrowed), returns their
 * number; other tasks return 0.
 */
size_t bp_model_classes(const struct bp_model *m, const double **values);

/*
 * The label y as the model's target: the class index for multiclass
 * (-1 when y is not one of its classes), y itself otherwise.
 */
double bp_model_target(const struct bp_model *m, double y);

/* The resolved parameters (borrowed). */
const json_t *bp_model_params(const struct bp_model *m);
/*
 * The model file's metadata (borrowed): "training" (rows, ranges, data
 * hash, seed), "metrics" ({"train":{..},"valid":{..}}), "importance"
 * ({feature: share}), "reference" (per feature n, null_rate, mean, sd,
 * min, max and deciles of the training rows, plus "score" deciles), "fit"
 * (solver report: iterations, converged, best_iteration...).
 */
const json_t *bp_model_info(const struct bp_model *m);

/*
 * Set key to value (a reference taken over) inside the metadata section
 * ("training", "fit", ...; created when absent), e.g. bp-train's
 * rows_read.  The key goes after the existing ones.
 */
void bp_model_info_set(struct bp_model *m, const char *section,
		       const char *key, json_t *value);

/*
 * Metrics of m on d's rows (labels mapped with bp_model_target; rows with
 * a NaN label or that m cannot score are left out and, when skipped is
 * not NULL, counted there).  Returns 0, or -1 after reporting (d has no
 * label, or lacks a feature of m).  d's features may be in any order.
 */
int bp_model_evaluate(const struct bp_model *m, const struct bp_dataset *d,
		      struct bp_metrics *out, size_t *skipped);

/*
 * Both models' predictions on every row of r (for bp-model compare):
 * {"rows", "scored" (rows both could score), "agreement" (share of scored
 * rows where they predict the same class, or the same sign for
 * regression), "correlation" (Pearson, of the scores), and when the
 * column label is present, "label" and each model's metrics under "a" and
 * "b" (rows with a null label left out)}.  label NULL: a's label.
 * Returns a new reference, or NULL after reporting (a row lacks a
 * feature, a value is not a number).
 */
struct bp_reader;
json_t *bp_model_compare_stream(const struct bp_model *a,
				const struct bp_model *b, struct bp_reader *r,
				const char *label);

/*
 * The stored metrics of a and b side by side: {"set": "valid" (when
 * both have validation metrics, else "train"), and per metric
 * {"a", "b", "diff" (b - a)}}.  New reference.
 */
json_t *bp_model_compare_metrics(const struct bp_model *a,
				 const struct bp_model *b);

/*
 * The whole model file as a JSON document (new reference).
 */
json_t *bp_model_to_json(const struct bp_model *m);
/*
 * Read a model document, checking it strictly: format name and version,
 * kind, every key and array length.  name is the file for messages.
 * Returns a new model, or NULL after reporting "NAME: reason".
 */
struct bp_model *bp_model_from_json(const json_t *doc, const char *name);
/* Load path (zstd or plain JSON); NULL after reporting. */
struct bp_model *bp_model_load(const char *path);
/* Write m to path atomically ("-": stdout); 0, or -1 after reporting. */
int bp_model_save(const struct bp_model *m, const char *path);

#endif
