/*
 * health: is a trained model still fit for its data?  The logic behind
 * `bp-model health NAME`.
 *
 * One report joins four things: the drift of the model's features (and
 * of its score) between its training rows and a current feature stream,
 * the model's metrics over time (each registered version's validation
 * metrics, then its metrics on the current rows when they carry the
 * label), the date of the last retraining, and a level with a
 * recommendation (lib/severity).
 *
 * The reference is, by default, the sketch the model file stores of its
 * training rows (bp_model_info(m)->"reference": per feature n, null rate,
 * mean, sd, min, max and the 11 deciles of up to 20000 rows; the same for
 * the score).  From the sketch, per feature:
 *   psi, js      over the bins cut at the interior training deciles, the
 *                reference shares being those the deciles imply (a value
 *                that is decile k and no higher holds k/10 below it; the
 *                training maximum holds everything): exact for a feature
 *                without ties at its deciles, an approximation with them;
 *   mean_shift   (mean_cur - mean_ref) / sd_ref;
 *   std_shift    sd_cur / sd_ref - 1 (both with divisor n, as stored);
 *   null_rate    current minus training null rate;
 *   outside      the share of current values outside the training
 *                [min, max] (reported, not graded).
 * KS and Wasserstein need the training rows themselves: with opts.ref
 * (a stream of the training rows) the comparison is bp-drift's, exact,
 * with the model's score computed on both samples.
 *
 * The report has the keys of bp-drift's (so lib/severity renders it) and
 * adds "format": "barpipe-model-health", "model", "training",
 * "last_retrain" and "trend".
 */
#ifndef BP_HEALTH_H
#define BP_HEALTH_H

#include <jansson.h>

#include "driftcmp.h"
#include "model.h"

struct bp_health_opts {
	const char *ref;		/* training rows, or NULL: the sketch */
	struct bp_window cur_window;	/* current rows (default all) */
	int bins;			/* with ref: PSI bins (10) */
	double psi_eps;			/* floor of a share (1e-4) */
	struct bp_severity sev;
};

void bp_health_opts_init(struct bp_health_opts *o);

/*
 * The health report of model m against the feature stream cur_path ("-"
 * or NULL: stdin).  entry is the model's registry entry as JSON (name,
 * version, status, created_at, ...; NULL for a model file), versions
 * every registered version of its name (a JSON array of entries with
 * their "metrics"; NULL or empty when there is no registry).  Returns a
 * new reference, or NULL after reporting (unreadable input, a feature of
 * the model missing from the stream, an empty window, a model file
 * without a reference sketch and no opts.ref).
 */
json_t *bp_health_run(const struct bp_health_opts *o, const struct bp_model *m,
		      const json_t *entry, const json_t *versions,
		      const char *cur_path);

/*
 * The model ref names, a model file or NAME[@V] in the registry of the
 * database at db (NULL: the default), with its registry entry and every
 * version of its name as JSON (for a file: *entry NULL, *versions empty).
 * Returns 0, or -1 after reporting (unknown name or version, a changed
 * artefact, an unreadable file).
 */
int bp_health_load(const char *ref, const char *db, struct bp_model **m,
		   json_t **entry, json_t **versions);

/* The report as a table for a terminal, appended to b. */
void bp_health_table(struct bp_buf *b, const json_t *report);

#endif
