/*
 * ta: streaming technical indicators that agree with TA-Lib.
 *
 * Each indicator is a small state machine fed one bar at a time, so a
 * stream of any length is processed in constant memory (O(1) or O(window)
 * per bar).  The arithmetic of every indicator TA-Lib also has is TA-Lib's
 * own (the 0.4.0 .. 0.6.4 releases, default compatibility, unstable period
 * 0), operation for operation, so the outputs are the same doubles TA-Lib
 * computes over the same array:
 *
 *   - EMA seeded with the SMA of its first period; MACD with TA-Lib's
 *     alignment (the fast EMA is seeded on the bars ending where the slow
 *     EMA's seed ends); Wilder smoothing with TA-Lib's priming for RSI,
 *     ATR, +DI/-DI and ADX;
 *   - running sums for SMA, BBANDS and STDDEV (population variance
 *     E[x^2] - E[x]^2, and 0 when it is below 1e-8);
 *   - TA-Lib's zero tests (TA_IS_ZERO is |v| < 1e-8): RSI 0 when gains and
 *     losses are 0, %K and WILLR 0 when high == low, MFI 0 when the money
 *     flow sum is below 1, DI 0 when the true range sum is 0...
 *
 * Before an indicator's first output (its lookback, counted in bars that
 * carried its inputs) the outputs are NaN, which the stream writes as null.
 * A bar with a missing (NaN) input gives NaN outputs and leaves the state
 * untouched, as if the bar were not there.
 *
 * Typical use, one instance per symbol and indicator:
 *
 *	const struct bp_ta_info *info = bp_ta_find("rsi");
 *	double p[BP_TA_MAXPARAM], in[BP_TA_NINPUT], out[BP_TA_MAXOUT];
 *	bp_ta_defaults(info, p);
 *	struct bp_ta *t = bp_ta_new(info, p);
 *	for each bar: in[BP_TA_CLOSE] = close; ...
 *		bp_ta_update(t, ts_ms, in, out);
 *	bp_ta_free(&t);
 */
#ifndef BP_TA_H
#define BP_TA_H

#include <stddef.h>
#include <stdint.h>

#define BP_TA_MAXPARAM 4
#define BP_TA_MAXOUT 5

/* Slots of the input vector given to bp_ta_update(). */
enum bp_ta_input {
	BP_TA_OPEN,
	BP_TA_HIGH,
	BP_TA_LOW,
	BP_TA_CLOSE,
	BP_TA_VOLUME,
	BP_TA_NINPUT
};

/* Which inputs an indicator reads (struct bp_ta_info.needs). */
enum bp_ta_needs {
	BP_TA_NEED_OPEN = 1 << BP_TA_OPEN,
	BP_TA_NEED_HIGH = 1 << BP_TA_HIGH,
	BP_TA_NEED_LOW = 1 << BP_TA_LOW,
	BP_TA_NEED_CLOSE = 1 << BP_TA_CLOSE,
	BP_TA_NEED_VOLUME = 1 << BP_TA_VOLUME,
};

struct bp_ta_param {
	const char *name;	/* "period" */
	double def;		/* default value */
	double min, max;	/* accepted range, inclusive */
	int integer;		/* 1: must be a whole number */
};

struct bp_ta;
typedef void (*bp_ta_step_fn)(struct bp_ta *t, int64_t ts, const double *in,
			      double *out);

struct bp_ta_info {
	const char *name;	/* "rsi": the -i name */
	const char *title;	/* "Relative Strength Index (Wilder)" */
	const char *talib;	/* TA-Lib function it agrees with, or NULL */
	unsigned needs;		/* enum bp_ta_needs */
	int single;		/* 1: one input series (close or @column) */
	int nparam;
	struct bp_ta_param param[BP_TA_MAXPARAM];
	int nout;
	const char *out[BP_TA_MAXOUT];	/* column stems: "macd_signal" */
	const char *definition;	/* one line: formula and seeding */
	double lo, hi;		/* known output range, or NaN NaN */
	/* private: */
	int (*lookback)(const double *p);
	size_t (*nbuf)(const double *p);	/* doubles of ring storage */
	void (*init)(struct bp_ta *t);
	bp_ta_step_fn step;
};

/* The indicator table, in --list order. */
size_t bp_ta_count(void);
const struct bp_ta_info *bp_ta_at(size_t i);
/* Indicator by name (case-sensitive, lower case), or NULL. */
const struct bp_ta_info *bp_ta_find(const char *name);

/* Fill p[0..nparam-1] with the defaults. */
void bp_ta_defaults(const struct bp_ta_info *info, double *p);
/*
 * Check parameter i.  Returns 0, or -1 with a reason such as "period must
 * be an integer in [2, 100000]" written into err.
 */
int bp_ta_check_param(const struct bp_ta_info *info, int i, double v,
		      char *err, size_t errlen);
/* Check the parameters together (e.g. MACD fast <= slow); 0 or -1. */
int bp_ta_check(const struct bp_ta_info *info, const double *p, char *err,
		size_t errlen);
/* Index of the first output (0-based bar count), as TA-Lib's _Lookback. */
int bp_ta_lookback(const struct bp_ta_info *info, const double *p);

/*
 * Column name of output o: the stem, then each parameter in shortest form,
 * joined by '_' ("macd_signal_12_26_9", "bbands_upper_20_2", "obv"); a
 * source column other than close is appended ("sma_20_volume").  Returns
 * the length written into buf (at most n - 1 bytes, NUL-terminated).
 */
size_t bp_ta_colname(char *buf, size_t n, const struct bp_ta_info *info,
		     int o, const double *p, const char *src);

/* A new instance; parameters must have passed bp_ta_check(). */
struct bp_ta *bp_ta_new(const struct bp_ta_info *info, const double *p);
void bp_ta_free(struct bp_ta **t);
/* Forget every bar seen (back to the state of a new instance). */
void bp_ta_reset(struct bp_ta *t);

/*
 * Feed one bar: ts in ms (used by session indicators), in[] indexed by
 * enum bp_ta_input (NaN = missing).  Writes info->nout outputs into out[],
 * NaN where there is no value yet.
 */
void bp_ta_update(struct bp_ta *t, int64_t ts, const double *in, double *out);

/*
 * TA-Lib's true range of a bar given the previous close: the largest of
 * high - low, |prev_close - high| and |prev_close - low|.
 */
double bp_ta_true_range(double high, double low, double prev_close);

/*
 * Wilder's average true range as TA-Lib computes it, for other modules
 * (labels use it for barrier widths).  Embed the struct; init, then step
 * with each bar; the result is NaN until period bars after the first.
 */
struct bp_ta_atr {
	int p;
	long n;
	double prev_close, v;
};
void bp_ta_atr_init(struct bp_ta_atr *a, int period);
double bp_ta_atr_step(struct bp_ta_atr *a, double high, double low,
		      double close);

#endif
