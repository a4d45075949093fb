/*
 * perfstats: performance statistics of a trading strategy from its equity
 * curve and its list of trades, accumulated in one pass (constant memory),
 * plus the annualisation factor derived from the bars' timestamps.
 *
 * Definitions (bp-backtest(1) documents each one for users):
 *	r_i	= E_i / E_(i-1) - 1, i = 1..n, E_0 = capital (bar returns)
 *	total	= E_n / E_0 - 1;  log = ln(E_n / E_0)
 *	years	= n / bars_per_year
 *	cagr	= (E_n / E_0)^(1 / years) - 1
 *	vol	= sd(r) * sqrt(bars_per_year), sd with n - 1 in the denominator
 *	sharpe	= mean(r) / sd(r) * sqrt(bars_per_year) (risk-free rate 0)
 *	sortino	= mean(r) / sqrt(sum(min(r, 0)^2) / n) * sqrt(bars_per_year)
 *	dd_i	= 1 - E_i / max(E_0..E_i);  max_drawdown = max dd_i
 *	calmar	= cagr / max_drawdown
 * Undefined values (a zero denominator, too few points) are NaN here and
 * null in documents: never infinities, never a division by zero.
 */
#ifndef BP_PERFSTATS_H
#define BP_PERFSTATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- annualisation ---------------------------------------------------- */

/*
 * The clock of an equity curve: the distinct spacings between consecutive
 * timestamps with their counts (few distinct values in practice), how many
 * timestamps fall on a Saturday or Sunday (UTC) and on how many distinct
 * UTC days.  Feed timestamps in increasing order.
 */
struct bp_perf_clock {
	int64_t *gap;		/* distinct spacings (ms), ascending */
	uint64_t *count;	/* how often each occurred */
	size_t ngap, alloc;
	uint64_t n;		/* timestamps seen */
	uint64_t weekend;	/* of them on a Saturday or Sunday */
	uint64_t days;		/* distinct UTC days */
	int64_t last, lastday;
};
#define BP_PERF_CLOCK_INIT { NULL, NULL, 0, 0, 0, 0, 0, 0, 0 }
void bp_perf_clock_release(struct bp_perf_clock *c);
void bp_perf_clock_add(struct bp_perf_clock *c, int64_t ts);
/* Median spacing in ms (mean of the two middle ones); NaN when n < 2. */
double bp_perf_clock_median(const struct bp_perf_clock *c);

/*
 * Bars per year from the clock, with the rule that gave it written into
 * rule (size rulelen, may be NULL).  The rules, with d the median spacing:
 *	d < 20h, >= 5% of bars on weekends:	365 * 24h / d (24/7 market)
 *	d < 20h, fewer weekend bars:		252 * bars per day observed
 *	20h <= d <= 28h:	365 with weekend bars, else 252
 *	6d <= d <= 8d:		52
 *	27d <= d <= 32d:	12
 *	otherwise:		365.25d / d
 * Returns NaN (rule "fewer than two bars") when there is no spacing.
 */
double bp_perf_bars_per_year(const struct bp_perf_clock *c, char *rule,
			     size_t rulelen);

/* ---- equity curve and trades ------------------------------------------ */

struct bp_perf {
	double capital;
	uint64_t n;		/* equity points */
	double last;		/* E_n */
	double mean, m2;	/* Welford over returns */
	double down2;		/* sum of min(r, 0)^2 */
	/* drawdown */
	double peak, max_dd;
	int64_t peak_i, peak_ts, first_ts, last_ts;
	uint64_t dd_bars;	/* longest stretch under water */
	double dd_days;		/* its length in days */
	/* exposure and turnover */
	uint64_t in_market;
	double sum_gross, sum_equity, traded;
	/* trades */
	uint64_t trades, wins, losses, with_r;
	double gross_win, gross_loss, sum_ret, sum_r, sum_bars;
};

void bp_perf_init(struct bp_perf *p, double capital);

/*
 * One equity point at the close of bar ts: equity E_i and gross exposure
 * (sum of |position value| / equity).  Returns the drawdown dd_i.
 */
double bp_perf_point(struct bp_perf *p, int64_t ts, double equity,
		     double gross);
/* Notional traded (|quantity| * price), for turnover. */
void bp_perf_traded(struct bp_perf *p, double notional);
/* A closed trade: net pnl, return on its cost, R (NaN if none), bars. */
void bp_perf_trade(struct bp_perf *p, double pnl, double ret, double r,
		   double bars);

struct bp_perf_result {
	double final_equity, total_return, log_return, years;
	double annual_return, annual_vol, sharpe, sortino, calmar;
	double max_drawdown, max_dd_days;
	uint64_t max_dd_bars;
	uint64_t trades, wins, losses, with_r;
	double win_rate, profit_factor, avg_win, avg_loss, avg_trade_return;
	double expectancy, expectancy_r, total_r, avg_bars_held;
	double exposure, avg_gross_exposure, turnover, annual_turnover;
	double traded_notional;
};

/* Compute every statistic for bars_per_year (NaN: annualised ones NaN). */
void bp_perf_compute(const struct bp_perf *p, double bars_per_year,
		     struct bp_perf_result *out);

#endif
