/*
 * spec: strategy specs, the one JSON document that names a strategy's
 * indicators, derived features, fuzzy sets, labels and model.
 *
 *	{
 *	  "name": "rsi_gbdt",
 *	  "description": "...",
 *	  "indicators": ["rsi:14", {"name": "macd", "params": [12, 26, 9]}],
 *	  "derived": [{"kind": "ret", "k": [1, 5]},
 *	              {"kind": "rolling", "stat": "std", "window": 20}],
 *	  "fuzzy_sets": [{"column": "rsi_14",
 *	                  "sets": "oversold=tri(0,20,30),neutral=..."}],
 *	  "labels": [{"kind": "up", "horizon": 1, "deadzone": 0.0005}],
 *	  "model": {"kind": "gbdt", "label": "label_up", "params": {...},
 *	            "features": ["rsi_14", "macd_hist_12_26_9"]}
 *	}
 *
 * bp_spec_schema() returns the full JSON Schema with a worked example.
 * bp-features builds its column plan from a spec (plus command-line
 * additions, which go through the same validation); bp-train and bp-cv
 * read the "model" object of the same file with bp_spec_read() and
 * bp_spec_model().  Errors name the file and the JSON path:
 * "strategies/x.json: indicators[2].params[0]: period must be an integer
 * in [2, 100000]".
 *
 * The struct is plain data, filled by the functions below and read-only
 * for everyone else once bp_spec_finish() has succeeded.
 */
#ifndef BP_SPEC_H
#define BP_SPEC_H

#include <jansson.h>
#include <stddef.h>

#include "derived.h"
#include "fuzzy.h"
#include "labels.h"
#include "ta.h"

struct bp_spec_ind {
	const struct bp_ta_info *info;
	double p[BP_TA_MAXPARAM];
	char *src;		/* input column of a one-series indicator */
	char *where;		/* "indicators[2]" or "-i 'rsi:14'" */
};

struct bp_spec_der {
	enum bp_derived_kind kind;
	int k;			/* bars back or window */
	char *src;		/* source column */
	char *where;
};

struct bp_spec_fuzzy {
	char *column;
	struct bp_fuzzy_set *sets;
	size_t nsets;
	char *where;
};

enum bp_spec_stage {
	BP_SPEC_INDICATOR,
	BP_SPEC_DERIVED,
	BP_SPEC_FUZZY,
	BP_SPEC_LABEL,
};

/* One output column, in output order (features, then labels). */
struct bp_spec_col {
	char *name;		/* unprefixed */
	enum bp_spec_stage stage;
	size_t item;		/* index into that stage's array */
	int out;		/* indicator output, fuzzy set; labels: 0 value,
				 * 1 value's end, 2 tb bars, 3 bars' end */
};

struct bp_spec {
	char *path;		/* the file, for messages; NULL: none */
	char *name, *description;
	struct bp_spec_ind *ind;
	size_t nind, aind;
	struct bp_spec_der *der;
	size_t nder, ader;
	struct bp_spec_fuzzy *fz;
	size_t nfz, afz;
	struct bp_label_def *lab;
	char **labwhere;
	size_t nlab, alab;
	json_t *root;		/* the document (owned), or NULL */
	struct bp_spec_col *col;	/* after bp_spec_finish() */
	size_t ncol, nfeat;	/* nfeat: the feature columns come first */
};

void bp_spec_init(struct bp_spec *s);
void bp_spec_release(struct bp_spec *s);

/*
 * Read and validate a spec file ("-" = stdin) into s (which may already
 * hold items).  Returns 0, or -1 after reporting "PATH: json.path: reason".
 */
int bp_spec_load(struct bp_spec *s, const char *path);

/*
 * Command-line forms, validated like the file's; where names the option
 * in messages.  Each returns 0, or -1 with the reason in err.
 *   indicator  NAME[:P1,P2,...][@COLUMN]       "rsi:14", "sma:50@volume"
 *   returns    K[,K...]                        kind RET or LOGRET
 *   lag        COLUMN:K[,K...]                 "close:1,2,3"
 *   roll       STAT:W[,W...][:COLUMN]          "std:20", "zscore:50:volume"
 *   fuzzy      COLUMN:SET=SHAPE(P,...),...     "rsi_14:low=tri(0,20,30)"
 *   label      [NAME=]KIND[:P1,...]            "up:1,0.001", "tb:24,2,1"
 * Labels: ret:H, logret:H, up:H[,DEADZONE], tb:H[,TP[,SL[,atr|std[,WINDOW
 * [,hl|close]]]]].
 */
int bp_spec_add_indicator_text(struct bp_spec *s, const char *text,
			       const char *where, char *err, size_t errlen);
int bp_spec_add_returns_text(struct bp_spec *s, enum bp_derived_kind kind,
			     const char *text, const char *where, char *err,
			     size_t errlen);
int bp_spec_add_lag_text(struct bp_spec *s, const char *text,
			 const char *where, char *err, size_t errlen);
int bp_spec_add_roll_text(struct bp_spec *s, const char *text,
			  const char *where, char *err, size_t errlen);
/* One derived feature (src NULL: close); 0 or -1 with the reason. */
int bp_spec_add_derived(struct bp_spec *s, enum bp_derived_kind kind, int k,
			const char *src, const char *where, char *err,
			size_t errlen);
int bp_spec_add_fuzzy_text(struct bp_spec *s, const char *text,
			   const char *where, char *err, size_t errlen);
int bp_spec_add_label_text(struct bp_spec *s, const char *text,
			   const char *where, char *err, size_t errlen);

/*
 * Build the column list and check it: no column produced twice, no
 * feature computed from a label column, the model's label is one of the
 * spec's labels and its features are columns the spec produces (or bar
 * columns), never labels.  Returns 0, or -1 with the reason in err.
 */
int bp_spec_finish(struct bp_spec *s, char *err, size_t errlen);

/* The spec's "model" object (borrowed; valid while s lives), or NULL. */
json_t *bp_spec_model(const struct bp_spec *s);

/*
 * For other tools: load and finish a spec file.  Returns a new spec (free
 * with bp_spec_free) or NULL after reporting.
 */
struct bp_spec *bp_spec_read(const char *path);
void bp_spec_free(struct bp_spec **s);

/* 1 when name is a label column (starts with "label_"). */
int bp_spec_is_label(const char *name);

/*
 * One indicator described for --list: name, title, params (with their
 * defaults, "period=14"), lookback (at the defaults), talib (the TA-Lib
 * function, or null), inputs, columns (at the defaults), definition.  A
 * flat object (new reference).
 */
json_t *bp_spec_describe(const struct bp_ta_info *info);

/* The spec's JSON Schema with a worked example (new reference). */
json_t *bp_spec_schema(void);

#endif
