/*
 * derived: streaming features that are not indicators: returns over k
 * bars, lags, rolling statistics over any column, bar-shape ratios and
 * calendar fields.
 *
 * Like the indicators, each feature is a per-symbol state machine fed one
 * bar at a time; a bar whose source value is missing (NaN) gives NaN and
 * leaves the state untouched.  Nothing looks ahead: the value at a bar
 * depends only on that bar and earlier ones.
 *
 * Column names (src is the source column, close by default):
 *   ret_K, logret_K (SRC_ret_K when SRC is not close)  simple / log return
 *   SRC_lag_K                                            value K bars back
 *   SRC_mean_W, SRC_std_W, SRC_zscore_W, SRC_min_W,      rolling over W bars
 *   SRC_max_W, SRC_rank_W
 *   bar_range, bar_body, bar_upper_wick, bar_lower_wick  bar shape
 *   hour, weekday, month                                 UTC calendar
 */
#ifndef BP_DERIVED_H
#define BP_DERIVED_H

#include <stddef.h>
#include <stdint.h>

enum bp_derived_kind {
	BP_DERIVED_RET,		/* x / x[t-k] - 1 */
	BP_DERIVED_LOGRET,	/* log(x / x[t-k]) */
	BP_DERIVED_LAG,		/* x[t-k] */
	BP_DERIVED_MEAN,	/* rolling mean over k bars */
	BP_DERIVED_STD,		/* rolling sample standard deviation */
	BP_DERIVED_ZSCORE,	/* (x - mean) / std */
	BP_DERIVED_MIN,
	BP_DERIVED_MAX,
	BP_DERIVED_RANK,	/* percentile rank of x in the window, (0, 1] */
	BP_DERIVED_RANGE,	/* (high - low) / close */
	BP_DERIVED_BODY,	/* (close - open) / (high - low) */
	BP_DERIVED_UPPER_WICK,	/* (high - max(open, close)) / range */
	BP_DERIVED_LOWER_WICK,	/* (min(open, close) - low) / range */
	BP_DERIVED_HOUR,	/* 0..23 */
	BP_DERIVED_WEEKDAY,	/* 0 = Monday .. 6 = Sunday */
	BP_DERIVED_MONTH,	/* 1..12 */
	BP_DERIVED_NKIND
};

/* "ret", "logret", "lag", "mean", ... (the rolling statistics' names). */
const char *bp_derived_kind_name(enum bp_derived_kind kind);
/* Kind of a rolling statistic's name ("std"), or -1. */
int bp_derived_stat(const char *name);
/* 1 when the kind takes k (returns, lags: bars back; rolling: window). */
int bp_derived_has_k(enum bp_derived_kind kind);
/* 1 when the kind reads a source column (not the bar or the clock). */
int bp_derived_has_src(enum bp_derived_kind kind);
/* Smallest and largest accepted k. */
int bp_derived_kmin(enum bp_derived_kind kind);
#define BP_DERIVED_KMAX 100000

/* First bar with a value (bars with a source value, 0-based). */
int bp_derived_lookback(enum bp_derived_kind kind, int k);

/* Column name (see above) into buf; returns its length. */
size_t bp_derived_colname(char *buf, size_t n, enum bp_derived_kind kind,
			  int k, const char *src);

struct bp_derived;
struct bp_derived *bp_derived_new(enum bp_derived_kind kind, int k);
void bp_derived_free(struct bp_derived **d);
void bp_derived_reset(struct bp_derived *d);

/*
 * Feed one bar.  x is the source value; bar[] holds open, high, low, close
 * (indexed like enum bp_ta_input) for the bar-shape kinds; ts (ms) is used
 * by the calendar kinds.  Returns the value, NaN when there is none.
 */
double bp_derived_step(struct bp_derived *d, int64_t ts, double x,
		       const double *bar);

#endif
