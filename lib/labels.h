/*
 * labels: training targets computed from the future, per symbol.
 *
 * These are the only columns allowed to look ahead.  Each label of a bar t
 * becomes known some bars later; a labeler holds the last rows of one
 * symbol (O(horizon) memory) and reports each label through a callback as
 * soon as it is known, together with the timestamp of the last bar the
 * value depends on (the "end" of the label, which cross-validation uses to
 * purge overlapping samples).  Labels never known (the input ends first)
 * are simply never reported: the caller writes null.
 *
 * Kinds (h = horizon in rows of the symbol; c = close):
 *   ret     c[t+h] / c[t] - 1                       end = ts[t+h]
 *   logret  log(c[t+h] / c[t])                      end = ts[t+h]
 *   up      1 if ret > deadzone, 0 if ret < -deadzone, null between
 *                                                   end = ts[t+h]
 *   tb      triple barrier: from c[t], take profit at c[t] + tp * w and
 *           stop loss at c[t] - sl * w, w = ATR(window) at t or the
 *           rolling sample std of 1-bar returns over window times c[t];
 *           scanning bars t+1..t+h: +1 at the first bar whose high reaches
 *           the upper barrier, -1 when its low reaches the lower one (both
 *           in one bar: -1, the pessimistic reading), 0 when neither is hit
 *           by t+h.  With touch = close, closes are compared instead of
 *           highs and lows.  Also reports the number of bars to the hit
 *           (h for the time barrier).  end = ts of the hit bar (or t+h).
 * A row whose own close (or barrier width) is missing gets null at once; a
 * later row with missing prices is a bar on which nothing is hit.
 */
#ifndef BP_LABELS_H
#define BP_LABELS_H

#include <stddef.h>
#include <stdint.h>

enum bp_label_kind {
	BP_LABEL_RET,
	BP_LABEL_LOGRET,
	BP_LABEL_UP,
	BP_LABEL_TB,
};

enum bp_label_vol {
	BP_LABEL_VOL_ATR,	/* ATR(window), TA-Lib's */
	BP_LABEL_VOL_STD,	/* sample std of 1-bar returns * close */
};

struct bp_label_def {
	enum bp_label_kind kind;
	char *name;		/* "label_up"; tb adds name_bars */
	int horizon;		/* h >= 1 */
	double deadzone;	/* up: >= 0 */
	double tp, sl;		/* tb: > 0 */
	enum bp_label_vol vol;	/* tb */
	int window;		/* tb: >= 2 */
	int touch_close;	/* tb: 1 compares closes, 0 highs/lows */
};

/* "ret", "logret", "up", "tb" -> kind, or -1. */
int bp_label_kind_find(const char *name);
const char *bp_label_kind_name(enum bp_label_kind kind);
/* Default name: label_ret_H, label_logret_H, label_up, label_tb. */
char *bp_label_default_name(const struct bp_label_def *def);
/* Defaults for a kind (horizon, deadzone, tp, sl, vol, window). */
void bp_label_defaults(struct bp_label_def *def, enum bp_label_kind kind);
/* Value columns a label writes: 1, or 2 for tb (the label and its bars). */
int bp_label_nvalues(const struct bp_label_def *def);

/*
 * Report: label def of row `row` (the handle given to push) is v (NaN =
 * null); bars is tb's number of bars (NaN otherwise); end is the ts of the
 * last bar used, INT64_MIN when v is null.
 */
typedef void (*bp_label_fn)(void *ctx, void *row, size_t def, double v,
			    double bars, int64_t end);

struct bp_labeler;
struct bp_labeler *bp_labeler_new(const struct bp_label_def *defs, size_t n);
void bp_labeler_free(struct bp_labeler **lb);

/*
 * Feed the next row of the symbol: its handle (NULL when the caller does
 * not want its labels, they are then not reported), its ts (ms) and
 * prices (NaN when missing).  Reports every label that this row settles,
 * including the new row's own labels when they are null at once.
 */
void bp_labeler_push(struct bp_labeler *lb, void *row, int64_t ts,
		     double high, double low, double close, bp_label_fn fn,
		     void *ctx);

#endif
