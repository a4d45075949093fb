/*
 * report: a backtest's summary, equity stream and trades stream turned
 * into one self-contained HTML page (inline CSS, inline SVG charts drawn
 * by an inline script, no network) or a compact text summary with a
 * Unicode sparkline for terminals.
 *
 *	struct bp_report rep;
 *	bp_report_init(&rep);
 *	rep.summary = bp_json_load_file(path);     (the report owns it)
 *	bp_report_load_equity(&rep, "equity.zst");  (optional)
 *	bp_report_load_trades(&rep, "trades.zst");  (optional)
 *	bp_report_html(&rep, "title", &buf);
 *	bp_report_release(&rep);
 *
 * The page is deterministic (no generation time in it) and its script
 * adds an element with id "bp-rendered" once every chart is drawn, or
 * fills the element with id "bp-error" when something failed, so a
 * headless browser can check it.
 */
#ifndef BP_REPORT_H
#define BP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util.h"

struct bp_report_trade {
	char *symbol;
	int side;
	int64_t entry_ts, exit_ts;
	double entry_price, exit_price, size, pnl, ret, r, bars;
	char reason[16];
};

struct bp_report {
	json_t *summary;	/* owned; NULL until set */
	/* the equity stream, every row */
	int64_t *ts;
	double *equity, *bh, *dd;
	size_t n, alloc;
	/* the trades stream */
	struct bp_report_trade *trades;
	size_t ntrades, talloc;
	size_t max_trades;	/* rows in the HTML trades table */
};

void bp_report_init(struct bp_report *rep);
void bp_report_release(struct bp_report *rep);

/* Read an equity stream (ts, equity, bh_equity, drawdown).  0 or -1. */
int bp_report_load_equity(struct bp_report *rep, const char *path);
/* Read a trades stream as written by bp-backtest.  0 or -1. */
int bp_report_load_trades(struct bp_report *rep, const char *path);

/*
 * Monthly returns of the equity curve: month m's return is its last
 * equity over the previous month's last (the capital for the first
 * month) minus 1.  Fills months[] (year * 12 + month - 1) and rets[], up
 * to max entries; returns the count.
 */
size_t bp_report_monthly(const struct bp_report *rep, int64_t *months,
			 double *rets, size_t max);

/* The HTML page into out.  Returns 0. */
int bp_report_html(const struct bp_report *rep, const char *title,
		   struct bp_buf *out);

/* The text summary (UTF-8, width columns of sparkline).  Returns 0. */
int bp_report_text(const struct bp_report *rep, int width,
		   struct bp_buf *out);

#endif
