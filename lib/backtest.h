/*
 * backtest: an event-driven portfolio backtester over bar streams.
 *
 * The caller feeds the bars of one timestamp at a time (one bar per
 * symbol; several symbols share one cash account).  Inside a timestamp the
 * engine runs, for every symbol with a bar:
 *
 *   1. open:   forced exits at the open (max-hold reached, a gap through a
 *              stop or target fills at the open price), then, with
 *              --fill next-open, the orders decided at the previous close
 *              (exits and reductions before entries, so cash is freed
 *              first);
 *   2. bar:    stop-loss, take-profit and trailing stop against the bar's
 *              low and high; when a stop and the target both lie inside
 *              the range the stop is assumed to have filled first;
 *   3. close:  max-hold exits of positions entered at a close, orders of
 *              --fill next-close, then the bar's signal is read (ATR and
 *              volatility now include this bar) and, with --fill
 *              this-close, executed at once; borrow is charged on shorts.
 *
 * Then the portfolio is marked at the last close of every symbol and one
 * equity point is recorded.  A signal seen on bar t therefore never trades
 * before bar t + 1 unless --fill this-close is chosen (and the summary
 * then carries a warning).  bp-backtest(1) documents every rule.
 */
#ifndef BP_BACKTEST_H
#define BP_BACKTEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "perfstats.h"

enum bp_bt_fill {
	BP_BT_NEXT_OPEN = 0,
	BP_BT_NEXT_CLOSE,
	BP_BT_THIS_CLOSE,
};

enum bp_bt_size {
	BP_BT_ALL_IN = 0,	/* the symbol's share of equity */
	BP_BT_FRACTION,		/* x times the share of equity */
	BP_BT_NOTIONAL,		/* x in money per position */
	BP_BT_VOL_TARGET,	/* share * min(1, x / realised annual vol) */
};

enum bp_bt_alloc {
	BP_BT_EQUAL = 0,	/* share = 1 / symbols seen */
	BP_BT_SIGNAL,		/* share = 1 / symbols with a non-zero target */
};

enum bp_bt_level_kind {
	BP_BT_LEVEL_NONE = 0,
	BP_BT_LEVEL_PCT,	/* x is a fraction of the entry price */
	BP_BT_LEVEL_ATR,	/* x is a multiple of the ATR at entry */
};

struct bp_bt_level {
	enum bp_bt_level_kind kind;
	double x;
};

struct bp_bt_opts {
	enum bp_bt_fill fill;
	double capital;
	double fee_bps;		/* per side, on traded notional */
	double slippage_bps;	/* adverse, on the fill price */
	double slippage_range;	/* adverse, fraction of the bar's range */
	double fee_fixed;	/* money per fill */
	double borrow_bps_year;	/* on short notional, pro rata by time */
	struct bp_bt_level sl, tp, trail;
	long max_hold;		/* bars; 0 = none */
	enum bp_bt_size size;
	double size_x;
	enum bp_bt_alloc alloc;
	int long_only;
	int weights;		/* bar values are target weights */
	int atr_col;		/* bars carry the ATR (else Wilder, period) */
	int atr_period;
	int vol_window;		/* returns for vol targeting */
	double bars_per_year;	/* 0: derive from the timestamps */
	int sma_fast, sma_slow;	/* > 0: signal = sign(SMA fast - SMA slow) */
};
#define BP_BT_OPTS_INIT { BP_BT_NEXT_OPEN, 10000, 0, 0, 0, 0, 0, \
	{ BP_BT_LEVEL_NONE, 0 }, { BP_BT_LEVEL_NONE, 0 }, \
	{ BP_BT_LEVEL_NONE, 0 }, 0, BP_BT_ALL_IN, 1, BP_BT_EQUAL, 0, 0, 0, \
	14, 20, 0, 0, 0 }

/* One bar of one symbol, as fed to bp_bt_step(). */
struct bp_bt_bar {
	int sym;		/* from bp_bt_symbol() */
	double open, high, low, close;
	double value;		/* signal -1/0/1 or weight; NaN = no change */
	double atr;		/* with opts.atr_col: NaN = not known yet */
};

/* A closed (or, at the end, still open) trade, for the trade sink. */
struct bp_bt_trade {
	const char *symbol;
	int side;		/* 1 long, -1 short */
	int64_t entry_ts, exit_ts;
	double entry_price;	/* mean fill price of the increases */
	double exit_price;	/* mean fill price of the decreases */
	double size;		/* largest |quantity| held */
	double fees, slippage, borrow;
	double pnl;		/* net of fees and borrow */
	double ret;		/* pnl / money paid for the increases */
	double r;		/* pnl / initial risk; NaN without a stop */
	double bars;		/* bars held */
	const char *reason;	/* signal, sl, tp, trail, max_hold, end */
};

/* Called for each trade as it closes; returns 0, or -1 to stop. */
typedef int (*bp_bt_trade_fn)(void *ctx, const struct bp_bt_trade *t);

/* The portfolio after a timestamp. */
struct bp_bt_point {
	int64_t ts;
	double equity, cash;
	double exposure;	/* sum |quantity * close| / equity */
	double drawdown;	/* 1 - equity / running peak */
	double bh_equity;	/* buy-and-hold of the same symbols */
};

struct bp_bt;

/* A new engine; opts is copied.  Never NULL (allocation failure exits). */
struct bp_bt *bp_bt_new(const struct bp_bt_opts *opts);
void bp_bt_free(struct bp_bt **bt);
/* Where closed trades go (none by default). */
void bp_bt_set_trade_sink(struct bp_bt *bt, bp_bt_trade_fn fn, void *ctx);
/* Echo a setting in the summary's assumptions (e.g. the signal column). */
void bp_bt_set_assumption(struct bp_bt *bt, const char *key, const char *v);

/* The id of symbol name (n bytes), registering it on first sight. */
int bp_bt_symbol(struct bp_bt *bt, const char *name, size_t n);
const char *bp_bt_symbol_name(const struct bp_bt *bt, int sym);
size_t bp_bt_nsymbols(const struct bp_bt *bt);

/*
 * Process the bars of timestamp ts (n >= 1, one per symbol, ts increasing
 * from call to call; the caller checks both).  Returns 0, or -1 when the
 * trade sink failed.
 */
int bp_bt_step(struct bp_bt *bt, int64_t ts, const struct bp_bt_bar *bars,
	       size_t n);
/* The portfolio after the last step. */
void bp_bt_point(const struct bp_bt *bt, struct bp_bt_point *pt);
/* Signed quantity of sym held after the last step. */
double bp_bt_position(const struct bp_bt *bt, int sym);

/*
 * End of input: report still-open positions to the trade sink (reason
 * "end", valued at the last close, no exit costs).  Returns 0 or -1.
 */
int bp_bt_finish(struct bp_bt *bt);

/*
 * The summary document (see bp-backtest(1) for every key).  New
 * reference; call after bp_bt_finish().
 */
json_t *bp_bt_summary(const struct bp_bt *bt);

/* ---- feeding from a row stream ---------------------------------------- */

struct bp_row;
struct bp_writer;

/*
 * A feed turns stream rows into engine steps: it checks and converts each
 * row (ts, symbol, open, high, low, close, the signal or weight column
 * unless --sma-cross, the ATR column if any), groups the rows of one
 * timestamp, steps the engine when the next timestamp arrives, and writes
 * the equity row and, when rows is not NULL, the group's rows with
 * position and equity appended.  The writers are borrowed.
 */
struct bp_bt_feed;

struct bp_bt_feed *bp_bt_feed_new(struct bp_bt *bt, const char *column,
				  const char *atr_col, struct bp_writer *rows,
				  struct bp_writer *equity);
void bp_bt_feed_free(struct bp_bt_feed **f);
/*
 * One row read from the input called name.  Returns 0, or -1 after
 * reporting "name:line: what is wrong" (a bad field, ts going back, a
 * second bar of a symbol at one ts) or a write error.
 */
int bp_bt_feed_row(struct bp_bt_feed *f, const struct bp_row *row,
		   const char *name);
/* Step the last timestamp.  Returns 0 or -1. */
int bp_bt_feed_end(struct bp_bt_feed *f);

/* A trade sink (bp_bt_trade_fn) writing one row per trade to a writer. */
int bp_bt_write_trade(void *writer, const struct bp_bt_trade *t);

/*
 * Parse a stop level: "2%" (fraction 0.02), "2atr" (2 ATR) or "0" / "none"
 * (no level).  Returns 0, or -1 when text is not such a level.
 */
int bp_bt_parse_level(const char *text, struct bp_bt_level *out);

#endif
