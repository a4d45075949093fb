/*
 * dataset: a feature stream in memory, as the learners want it.
 *
 * A dataset is a dense (n, k) row-major matrix of doubles (NaN where a
 * feature is null), the label of each row, and for each row its bar time,
 * its symbol and its position in the input.  bp-train loads one from a
 * stream; bp-cv builds one row by row and cuts folds out of it with
 * bp_dataset_subset().
 *
 * Feature selection (bp_dataset_opts.features):
 *   - explicit names ("rsi_14"), taken in the order given;
 *   - globs ("rsi_*", "fz_*"; fnmatch(3)), expanded in stream order;
 *   - none: every numeric column except ts, symbol, open, high, low, close,
 *     volume, the label and every label_* column, the outputs of
 *     bp-predict (score, score_*, signal), in the order the columns first
 *     appear in the stream.
 * A label column (label_* or the --label column) named explicitly is
 * refused: labels look into the future and are never features.  Globs
 * skip label columns silently.  Booleans count as 0 and 1.
 *
 * Rows whose label is null are dropped and counted (skipped_null_label)
 * unless keep_null_label is set (then y is NaN there).
 */
#ifndef BP_DATASET_H
#define BP_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "stream.h"

#define BP_DATASET_NO_TS INT64_MIN	/* a row without a ts field */

struct bp_dataset {
	size_t n;		/* rows */
	size_t k;		/* features */
	char **names;		/* (k) feature names, in column order of x */
	double *x;		/* (n, k) row-major; NaN = null */
	double *y;		/* (n) label; NaN if null (kept) or no label */
	int64_t *ts;		/* (n) bar open time, ms; BP_DATASET_NO_TS */
	uint32_t *sym;		/* (n) index into syms */
	uint64_t *src;		/* (n) 0-based index of the row in the input */
	char **syms;		/* (nsyms) symbol names; "" = no symbol field */
	size_t nsyms;
	char *label;		/* label column, NULL when none */
	uint64_t rows_read;	/* rows in the input */
	uint64_t skipped_null_label;
};
#define BP_DATASET_INIT { 0 }

struct bp_dataset_opts {
	const char *label;		/* label column; NULL: no label */
	const char *const *features;	/* names or globs; NULL: default */
	size_t nfeatures;
	int keep_null_label;		/* keep rows with a null label */
};

void bp_dataset_init(struct bp_dataset *d);
void bp_dataset_release(struct bp_dataset *d);

/*
 * Load the stream at path (NULL or "-": stdin).  Returns 0, or -1 after
 * reporting: unreadable input, "NAME:LINE: 'x' is not a number" for a
 * feature or label holding a string, a label column that is missing or
 * offered as a feature, a feature not in the input, a glob matching
 * nothing, no feature at all, no row with a label.  d is initialised here.
 */
int bp_dataset_load(struct bp_dataset *d, const char *path,
		    const struct bp_dataset_opts *o);

/*
 * Building a dataset row by row, e.g. while passing the rows on:
 *	b = bp_dataset_builder_new(&opts);
 *	while (...) bp_dataset_builder_add(b, &row, bp_reader_name(in));
 *	bp_dataset_builder_finish(b, &d);  (selects the features)
 *	bp_dataset_builder_free(&b);
 * add() copies what it needs from row; name is the input for messages.
 * add() and finish() return 0, or -1 after reporting (as load()).
 */
struct bp_dataset_builder;
struct bp_dataset_builder *bp_dataset_builder_new(
	const struct bp_dataset_opts *o);
int bp_dataset_builder_add(struct bp_dataset_builder *b,
			   const struct bp_row *row, const char *name);
int bp_dataset_builder_finish(struct bp_dataset_builder *b,
			      struct bp_dataset *d);
void bp_dataset_builder_free(struct bp_dataset_builder **b);

/*
 * A dataset from memory: x (n, k) row-major, y (n) or NULL, names (k).
 * Everything is copied; ts is BP_DATASET_NO_TS, symbol "", src = i.
 */
void bp_dataset_from_matrix(struct bp_dataset *d, size_t n, size_t k,
			    const char *const *names, const double *x,
			    const double *y, const char *label);

/*
 * dst = the rows idx[0..n-1] of src, in that order (indices may repeat).
 * dst is initialised here and owns copies of everything.
 */
void bp_dataset_subset(struct bp_dataset *dst, const struct bp_dataset *src,
		       const size_t *idx, size_t n);

/*
 * Split d into a head and a time-ordered tail holding about frac of the
 * rows: rows are ordered by ts (stable; rows without ts keep their
 * place), and the cut is moved back so that every row of one timestamp
 * (all its symbols) falls on the same side.  frac 0 gives an empty tail.
 * Returns 0, or -1 after reporting when the head would be empty.
 */
int bp_dataset_split_tail(const struct bp_dataset *d, double frac,
			  struct bp_dataset *head, struct bp_dataset *tail);

/*
 * Fingerprint of the rows as used: feature names, label name, then per
 * row ts (int64), symbol, features and label (IEEE doubles, NaN
 * canonical), little-endian.  Add more datasets to one context with
 * bp_dataset_hash_update (e.g. train then validation).
 */
void bp_dataset_hash_update(struct bp_sha256 *c, const struct bp_dataset *d);
void bp_dataset_sha256(const struct bp_dataset *d, char out[BP_SHA256_HEXSZ]);

/* 1 when name is a label column (label_*). */
int bp_dataset_is_label(const char *name);

/*
 * Reading a model's features from stream rows (bp-predict, bp-cv):
 * x (k) receives each feature's value, NaN for null.  fill returns the
 * number of null features, or -1 when feature *bad is absent from the row
 * (*why BP_FEAT_ABSENT) or not a number (BP_FEAT_NOT_NUMBER); nothing is
 * reported.  names are borrowed and must outlive the map.
 */
enum bp_feat_problem {
	BP_FEAT_ABSENT = 1,
	BP_FEAT_NOT_NUMBER,
};
struct bp_featmap {
	size_t k;
	const char *const *names;
	int *hint;
};
void bp_featmap_init(struct bp_featmap *m, const char *const *names, size_t k);
void bp_featmap_release(struct bp_featmap *m);
int bp_featmap_fill(struct bp_featmap *m, const struct bp_row *row, double *x,
		    size_t *bad, enum bp_feat_problem *why);

#endif
