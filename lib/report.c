/*
 * report: HTML and text reports of a backtest (see report.h).
 *
 * The HTML page carries its data as one JSON block that an inline script
 * draws as SVG (equity against buy-and-hold, drawdown); the tables
 * (metrics, monthly returns, symbols, trades) are plain HTML written here,
 * readable without the script.  Long equity curves are thinned to at most
 * CHART_POINTS points for the charts: the last point of each bucket, and
 * the deepest drawdown of each bucket so no trough disappears.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "stream.h"
#include "ts.h"

#define CHART_POINTS 1500
#define DAY_MS 86400000LL

void
bp_report_init(struct bp_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->max_trades = 200;
}

void
bp_report_release(struct bp_report *rep)
{
	json_decref(rep->summary);
	free(rep->ts);
	free(rep->equity);
	free(rep->bh);
	free(rep->dd);
	for (size_t i = 0; i < rep->ntrades; i++)
		free(rep->trades[i].symbol);
	free(rep->trades);
	memset(rep, 0, sizeof(*rep));
}

/* ---- reading ---------------------------------------------------------- */

static int
row_ts(const struct bp_row *row, const char *key, int *hint, int64_t *ms)
{
	int i = bp_row_find(row, key, hint);
	double v;

	if (i < 0)
		return -1;
	if (row->f[i].type == BP_STR)
		return bp_ts_parse(row->f[i].str, row->f[i].len, ms);
	if (bp_field_num(&row->f[i], &v) == 0)
		return bp_ts_from_epoch(v, ms);
	return -1;
}

int
bp_report_load_equity(struct bp_report *rep, const char *path)
{
	struct bp_reader *r = bp_reader_open(path);
	struct bp_row row = BP_ROW_INIT;
	int h[4] = { -1, -1, -1, -1 }, rc;

	if (!r)
		return -1;
	while ((rc = bp_reader_next(r, &row)) > 0) {
		size_t k = rep->n;
		int64_t ts;

		if (rep->n == rep->alloc) {
			size_t a = rep->alloc;

			BP_GROW(rep->ts, a, k + 1);
			a = rep->alloc;
			BP_GROW(rep->equity, a, k + 1);
			a = rep->alloc;
			BP_GROW(rep->bh, a, k + 1);
			a = rep->alloc;
			BP_GROW(rep->dd, a, k + 1);
			rep->alloc = a;
		}
		if (row_ts(&row, "ts", &h[0], &ts) < 0) {
			rc = bp_error("%s:%ld: 'ts' is not a time",
				      bp_reader_name(r), row.lineno);
			break;
		}
		if (bp_row_num(&row, "equity", &h[1], &rep->equity[k]) != 0) {
			rc = bp_error("%s:%ld: 'equity' is not a number",
				      bp_reader_name(r), row.lineno);
			break;
		}
		if (bp_row_num(&row, "bh_equity", &h[2], &rep->bh[k]) < 0)
			rep->bh[k] = NAN;
		if (bp_row_num(&row, "drawdown", &h[3], &rep->dd[k]) < 0)
			rep->dd[k] = NAN;
		if (k > 0 && ts < rep->ts[k - 1]) {
			rc = bp_error("%s:%ld: 'ts' goes back in time",
				      bp_reader_name(r), row.lineno);
			break;
		}
		rep->ts[k] = ts;
		rep->n++;
	}
	bp_row_release(&row);
	bp_reader_free(&r);
	return rc < 0 ? -1 : 0;
}

int
bp_report_load_trades(struct bp_report *rep, const char *path)
{
	struct bp_reader *r = bp_reader_open(path);
	struct bp_row row = BP_ROW_INIT;
	int h[14], rc;

	if (!r)
		return -1;
	for (size_t i = 0; i < BP_ARRAY_SIZE(h); i++)
		h[i] = -1;
	while ((rc = bp_reader_next(r, &row)) > 0) {
		struct bp_report_trade *t;
		int i;

		BP_GROW(rep->trades, rep->talloc, rep->ntrades + 1);
		t = &rep->trades[rep->ntrades];
		memset(t, 0, sizeof(*t));
		if (row_ts(&row, "entry_ts", &h[0], &t->entry_ts) < 0 ||
		    row_ts(&row, "exit_ts", &h[1], &t->exit_ts) < 0) {
			rc = bp_error("%s:%ld: 'entry_ts' or 'exit_ts' is not "
				      "a time", bp_reader_name(r), row.lineno);
			break;
		}
		i = bp_row_find(&row, "symbol", &h[2]);
		t->symbol = bp_xstrdup(i >= 0 && row.f[i].type == BP_STR ?
				       row.f[i].str : "");
		i = bp_row_find(&row, "side", &h[3]);
		t->side = i >= 0 && row.f[i].type == BP_STR &&
			  strcmp(row.f[i].str, "short") == 0 ? -1 : 1;
		i = bp_row_find(&row, "exit_reason", &h[4]);
		snprintf(t->reason, sizeof(t->reason), "%s",
			 i >= 0 && row.f[i].type == BP_STR ? row.f[i].str : "");
		bp_row_num(&row, "entry_price", &h[5], &t->entry_price);
		bp_row_num(&row, "exit_price", &h[6], &t->exit_price);
		bp_row_num(&row, "size", &h[7], &t->size);
		bp_row_num(&row, "pnl", &h[8], &t->pnl);
		bp_row_num(&row, "return", &h[9], &t->ret);
		bp_row_num(&row, "r", &h[10], &t->r);
		bp_row_num(&row, "bars", &h[11], &t->bars);
		rep->ntrades++;
	}
	bp_row_release(&row);
	bp_reader_free(&r);
	return rc < 0 ? -1 : 0;
}

/* ---- numbers ---------------------------------------------------------- */

static double
num(const json_t *o, const char *key)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
str(const json_t *o, const char *key)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t
month_of(int64_t ms)
{
	int64_t y, d = ms / DAY_MS - (ms % DAY_MS < 0);
	unsigned m, dd;

	bp_ts_civil_from_days(d, &y, &m, &dd);
	return y * 12 + (int64_t)m - 1;
}

size_t
bp_report_monthly(const struct bp_report *rep, int64_t *months, double *rets,
		  size_t max)
{
	double prev = num(rep->summary, "capital");
	size_t k = 0;

	if (rep->n == 0)
		return 0;
	if (!(prev > 0))
		prev = rep->equity[0];
	for (size_t i = 0; i < rep->n && k < max; i++) {
		int64_t m = month_of(rep->ts[i]);

		if (i + 1 < rep->n && month_of(rep->ts[i + 1]) == m)
			continue;
		months[k] = m;
		rets[k] = prev > 0 ? rep->equity[i] / prev - 1 : NAN;
		prev = rep->equity[i];
		k++;
	}
	return k;
}

/* "12.34%", or "–" for an undefined value */
static void
add_pct(struct bp_buf *b, double x)
{
	if (x == 0)
		x = 0;		/* no "-0.00%" */
	if (isfinite(x) && fabs(x) >= 1e4)
		bp_buf_addf(b, "%.3g%%", 100 * x);	/* 1.23e+45% */
	else if (isfinite(x))
		bp_buf_addf(b, "%.2f%%", 100 * x);
	else
		bp_buf_adds(b, "\xe2\x80\x93");
}

static void
add_fixed(struct bp_buf *b, double x, int dp)
{
	if (isfinite(x) && fabs(x) >= 1e12)
		bp_buf_addf(b, "%.3g", x);
	else if (isfinite(x))
		bp_buf_addf(b, "%.*f", dp, x);
	else
		bp_buf_adds(b, "\xe2\x80\x93");
}

static void
add_html(struct bp_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': bp_buf_adds(b, "&lt;"); break;
		case '>': bp_buf_adds(b, "&gt;"); break;
		case '&': bp_buf_adds(b, "&amp;"); break;
		case '"': bp_buf_adds(b, "&quot;"); break;
		default: bp_buf_addc(b, *s);
		}
	}
}

static void
add_day(struct bp_buf *b, int64_t ms)
{
	char t[BP_TS_BUFSZ];
	size_t n = bp_ts_format(t, ms);

	/* "2024-01-06T01:00:00Z" -> "2024-01-06 01:00" */
	if (n >= 16) {
		t[10] = ' ';
		t[16] = '\0';
	}
	bp_buf_adds(b, t);
}

/* A JSON number for the script, null when undefined. */
static void
add_jnum(struct bp_buf *b, double x)
{
	char t[BP_FMT_BUFSZ];

	if (isfinite(x))
		bp_buf_add(b, t, bp_fmt_double(t, x));
	else
		bp_buf_adds(b, "null");
}

/* ---- HTML ------------------------------------------------------------- */

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
	"sans-serif;margin:0;background:#f6f7f9;color:#1d2330}\n"
	"main{max-width:1000px;margin:0 auto;padding:24px}\n"
	"h1{font-size:22px;margin:0 0 4px}\n"
	"h2{font-size:16px;margin:28px 0 8px}\n"
	".sub{color:#5b6475;margin:0 0 16px}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(150px,1fr));gap:10px}\n"
	".card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;"
	"padding:10px 12px}\n"
	".card b{display:block;font-size:20px}.card span{color:#5b6475;"
	"font-size:12px}\n"
	".panel{background:#fff;border:1px solid #e1e4ea;border-radius:8px;"
	"padding:10px}\n"
	"svg.chart{width:100%;height:auto;display:block}\n"
	".grid{stroke:#e6e8ee;stroke-width:1}.lbl{fill:#5b6475;font-size:11px}"
	"\n"
	".eq{fill:none;stroke:#2563eb;stroke-width:1.6}"
	".bh{fill:none;stroke:#9aa3b2;stroke-width:1.2}\n"
	".dd{fill:rgba(220,38,38,.25);stroke:#dc2626;stroke-width:1}"
	".cross{stroke:#1d2330;stroke-dasharray:3 3}\n"
	".tip{font:12px ui-monospace,monospace;color:#1d2330;min-height:16px;"
	"margin:4px 0 0 4px}\n"
	".key{font-size:12px;color:#5b6475;margin:0 0 4px 4px}"
	".key i{display:inline-block;width:14px;height:3px;"
	"margin:0 4px 3px 10px;vertical-align:middle}\n"
	"table{border-collapse:collapse;width:100%;background:#fff;"
	"font-variant-numeric:tabular-nums}\n"
	"th,td{padding:4px 8px;border-bottom:1px solid #eceef2;"
	"text-align:right;white-space:nowrap}\n"
	"th:first-child,td:first-child{text-align:left}"
	"thead th{background:#eef0f4;font-weight:600}\n"
	".scroll{overflow-x:auto;border:1px solid #e1e4ea;border-radius:8px}\n"
	".warn{background:#fff7e6;border:1px solid #f5c26b;border-radius:8px;"
	"padding:8px 12px}\n"
	".pos{color:#15803d}.neg{color:#b91c1c}\n"
	"#bp-error{color:#b91c1c;font-weight:600}\n"
	"footer{color:#8a92a3;font-size:12px;margin:24px 0}\n";

static const char script[] =
	"(function () {\n"
	"'use strict';\n"
	"var err = document.getElementById('bp-error');\n"
	"window.addEventListener('error', function (e) {\n"
	"  err.textContent = 'script error: ' + e.message;\n"
	"});\n"
	"try {\n"
	"var D = JSON.parse(document.getElementById('bp-data').textContent);\n"
	"var NS = 'http://www.w3.org/2000/svg';\n"
	"function el(name, attrs, parent) {\n"
	"  var e = document.createElementNS(NS, name);\n"
	"  for (var k in attrs) e.setAttribute(k, attrs[k]);\n"
	"  if (parent) parent.appendChild(e);\n"
	"  return e;\n"
	"}\n"
	"function pct(v) { return (v * 100).toFixed(1) + '%'; }\n"
	"function money(v) {\n"
	"  var a = Math.abs(v);\n"
	"  if (a >= 1e9) return (v / 1e9).toFixed(2) + 'G';\n"
	"  if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';\n"
	"  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';\n"
	"  return v.toFixed(a >= 100 ? 0 : 2);\n"
	"}\n"
	"function day(t) { return new Date(t).toISOString().slice(0, 10); }\n"
	"function chart(id, series, opt) {\n"
	"  var box = document.getElementById(id), xs = D.t, n = xs.length;\n"
	"  if (!n) { box.textContent = 'no equity stream given'; return; }\n"
	"  var W = 960, H = opt.height, L = 64, R = 16, T = 12, B = 28;\n"
	"  var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H,\n"
	"    'class': 'chart', role: 'img', 'aria-label': opt.label }, box);\n"
	"  var lo = Infinity, hi = -Infinity;\n"
	"  series.forEach(function (s) {\n"
	"    s.ys.forEach(function (v) {\n"
	"      if (v !== null && isFinite(v)) {\n"
	"        if (v < lo) lo = v;\n"
	"        if (v > hi) hi = v;\n"
	"      }\n"
	"    });\n"
	"  });\n"
	"  if (!isFinite(lo)) { lo = 0; hi = 1; }\n"
	"  if (opt.zero) { if (hi < 0) hi = 0; if (lo > 0) lo = 0; }\n"
	"  if (!(hi > lo)) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.01);\n"
	"  var x0 = xs[0], x1 = xs[n - 1];\n"
	"  if (x1 === x0) x1 = x0 + 1;\n"
	"  function X(t) { return L + (t - x0) / (x1 - x0) * (W - L - R); }\n"
	"  function Y(v) { return T + (hi - v) / (hi - lo) * (H - T - B); }\n"
	"  var i, v, t;\n"
	"  for (i = 0; i <= 4; i++) {\n"
	"    v = lo + (hi - lo) * i / 4;\n"
	"    el('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v),\n"
	"      'class': 'grid' }, svg);\n"
	"    el('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end',\n"
	"      'class': 'lbl' }, svg).textContent = opt.fmt(v);\n"
	"  }\n"
	"  for (i = 0; i <= 5; i++) {\n"
	"    t = x0 + (x1 - x0) * i / 5;\n"
	"    el('text', { x: X(t), y: H - 8, 'class': 'lbl', 'text-anchor':\n"
	"      i === 0 ? 'start' : i === 5 ? 'end' : 'middle' }, svg)\n"
	"      .textContent = day(t);\n"
	"  }\n"
	"  series.forEach(function (s) {\n"
	"    var d = '';\n"
	"    for (var j = 0; j < n; j++) {\n"
	"      var y = s.ys[j];\n"
	"      if (y === null || !isFinite(y)) continue;\n"
	"      d += (d ? 'L' : 'M') + X(xs[j]).toFixed(1) + ',' +\n"
	"        Y(y).toFixed(1);\n"
	"    }\n"
	"    if (!d) return;\n"
	"    if (s.area)\n"
	"      d += 'L' + X(x1).toFixed(1) + ',' + Y(0).toFixed(1) + 'L' +\n"
	"        X(x0).toFixed(1) + ',' + Y(0).toFixed(1) + 'Z';\n"
	"    el('path', { d: d, 'class': s.cls }, svg);\n"
	"  });\n"
	"  var cross = el('line', { y1: T, y2: H - B, 'class': 'cross',\n"
	"    visibility: 'hidden' }, svg);\n"
	"  var tip = document.getElementById(id + '-tip');\n"
	"  svg.addEventListener('mousemove', function (ev) {\n"
	"    var r = svg.getBoundingClientRect();\n"
	"    var x = (ev.clientX - r.left) / r.width * W;\n"
	"    var tt = x0 + (x - L) / (W - L - R) * (x1 - x0);\n"
	"    var a = 0, b = n - 1;\n"
	"    while (a < b) {\n"
	"      var m = (a + b) >> 1;\n"
	"      if (xs[m] < tt) a = m + 1; else b = m;\n"
	"    }\n"
	"    cross.setAttribute('x1', X(xs[a]));\n"
	"    cross.setAttribute('x2', X(xs[a]));\n"
	"    cross.setAttribute('visibility', 'visible');\n"
	"    tip.textContent = day(xs[a]) + '   ' + series.map(function (s) {\n"
	"      var y = s.ys[a];\n"
	"      return s.name + ' ' + (y === null ? '-' : opt.fmt(y));\n"
	"    }).join('   ');\n"
	"  });\n"
	"  svg.addEventListener('mouseleave', function () {\n"
	"    cross.setAttribute('visibility', 'hidden');\n"
	"  });\n"
	"}\n"
	"chart('equity', [\n"
	"  { name: 'buy & hold', ys: D.b, cls: 'bh' },\n"
	"  { name: 'strategy', ys: D.e, cls: 'eq' }\n"
	"], { height: 300, fmt: money,\n"
	"  label: 'equity against buy and hold' });\n"
	"chart('drawdown', [{ name: 'drawdown', cls: 'dd', area: true,\n"
	"  ys: D.d.map(function (v) { return v === null ? null : -v; }) }],\n"
	"  { height: 160, fmt: pct, zero: true, label: 'drawdown' });\n"
	"var done = document.createElement('div');\n"
	"done.id = 'bp-rendered';\n"
	"done.hidden = true;\n"
	"document.body.appendChild(done);\n"
	"} catch (e) {\n"
	"  err.textContent = 'script error: ' + e.message;\n"
	"}\n"
	"})();\n";

/* The chart data: at most CHART_POINTS points. */
static void
chart_data(const struct bp_report *rep, struct bp_buf *b)
{
	size_t step = (rep->n + CHART_POINTS - 1) / CHART_POINTS, k;
	const char *keys[] = { "t", "e", "b", "d" };

	if (step == 0)
		step = 1;
	bp_buf_addc(b, '{');
	for (int s = 0; s < 4; s++) {
		bp_buf_addf(b, "%s\"%s\":[", s ? "," : "", keys[s]);
		for (size_t i = 0, first = 1; i < rep->n; i = k, first = 0) {
			double worst = -1;

			k = i == 0 ? 1 : i + step < rep->n ? i + step : rep->n;
			for (size_t j = i; j < k; j++)
				if (rep->dd[j] > worst)
					worst = rep->dd[j];
			if (!first)
				bp_buf_addc(b, ',');
			if (s == 0)
				bp_buf_addf(b, "%lld",
					    (long long)rep->ts[k - 1]);
			else
				add_jnum(b, s == 1 ? rep->equity[k - 1] :
					 s == 2 ? rep->bh[k - 1] :
					 worst >= 0 ? worst : rep->dd[k - 1]);
		}
		bp_buf_addc(b, ']');
	}
	bp_buf_addc(b, '}');
}

/* pct: 0 a number with dp decimals, 1 a percentage, 2 one with colour */
static void
card(struct bp_buf *b, const char *label, double x, int pct, int dp)
{
	bp_buf_adds(b, "<div class=\"card\"><b");
	if (isfinite(x) && pct == 2)
		bp_buf_adds(b, x >= 0 ? " class=\"pos\"" : " class=\"neg\"");
	bp_buf_addc(b, '>');
	if (pct)
		add_pct(b, x);
	else
		add_fixed(b, x, dp);
	bp_buf_addf(b, "</b><span>%s</span></div>\n", label);
}

/* One metrics row: the strategy's value and, when bh, buy-and-hold's. */
struct metric {
	const char *label, *key;
	int kind;	/* 0 pct, 1 ratio (2 dp), 2 count, 3 money, 4 text,
			 * 5 shortest form */
	int bh;
};

static void
metric_cell(struct bp_buf *b, const json_t *o, const struct metric *m)
{
	double x = num(o, m->key);
	const char *s;

	bp_buf_adds(b, "<td>");
	switch (m->kind) {
	case 0: add_pct(b, x); break;
	case 1: add_fixed(b, x, 2); break;
	case 2: add_fixed(b, x, 0); break;
	case 3: add_fixed(b, x, 2); break;
	case 5:
		if (isfinite(x)) {
			char t[BP_FMT_BUFSZ];

			bp_buf_add(b, t, bp_fmt_double(t, x));
		} else {
			bp_buf_adds(b, "\xe2\x80\x93");
		}
		break;
	default:
		s = str(o, m->key);
		add_html(b, s ? s : "\xe2\x80\x93");
	}
	bp_buf_adds(b, "</td>");
}

static void
metrics_table(const json_t *sum, struct bp_buf *b)
{
	static const struct metric ms[] = {
		{ "Total return", "total_return", 0, 1 },
		{ "Annualised return", "annualized_return", 0, 1 },
		{ "Annualised volatility", "annualized_volatility", 0, 1 },
		{ "Sharpe", "sharpe", 1, 1 },
		{ "Sortino", "sortino", 1, 0 },
		{ "Calmar", "calmar", 1, 0 },
		{ "Max drawdown", "max_drawdown", 0, 1 },
		{ "Max drawdown duration (bars)", "max_drawdown_duration_bars",
		  2, 0 },
		{ "Max drawdown duration (days)", "max_drawdown_duration_days",
		  1, 0 },
		{ "Final equity", "final_equity", 3, 1 },
		{ "Trades", "trades", 2, 0 },
		{ "Win rate", "win_rate", 0, 0 },
		{ "Profit factor", "profit_factor", 1, 0 },
		{ "Average win", "avg_win", 3, 0 },
		{ "Average loss", "avg_loss", 3, 0 },
		{ "Average trade return", "avg_trade_return", 0, 0 },
		{ "Expectancy (per trade)", "expectancy", 3, 0 },
		{ "Total R", "total_r", 1, 0 },
		{ "Expectancy (R)", "expectancy_r", 1, 0 },
		{ "Average bars held", "avg_bars_held", 1, 0 },
		{ "Exposure (time in market)", "exposure", 0, 0 },
		{ "Average gross exposure", "avg_gross_exposure", 0, 0 },
		{ "Turnover", "turnover", 1, 0 },
		{ "Annual turnover", "annual_turnover", 1, 0 },
		{ "Fees paid", "fees_paid", 3, 0 },
		{ "Slippage paid", "slippage_paid", 3, 0 },
		{ "Borrow paid", "borrow_paid", 3, 0 },
		{ "Bars", "bars", 2, 0 },
		{ "Bars per year", "bars_per_year", 5, 0 },
	};
	const json_t *bh = json_object_get(sum, "buy_and_hold");

	bp_buf_adds(b, "<div class=\"scroll\"><table id=\"metrics\"><thead><tr>"
		    "<th>Metric</th><th>Strategy</th><th>Buy &amp; hold</th>"
		    "</tr></thead><tbody>\n");
	for (size_t i = 0; i < BP_ARRAY_SIZE(ms); i++) {
		bp_buf_addf(b, "<tr><td>%s</td>", ms[i].label);
		metric_cell(b, sum, &ms[i]);
		if (ms[i].bh)
			metric_cell(b, bh, &ms[i]);
		else
			bp_buf_adds(b, "<td></td>");
		bp_buf_adds(b, "</tr>\n");
	}
	bp_buf_adds(b, "</tbody></table></div>\n");
}

static void
monthly_table(const struct bp_report *rep, struct bp_buf *b)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	size_t max = rep->n ? rep->n : 1, n;
	int64_t *months = bp_xmalloc(max * sizeof(*months));
	double *rets = bp_xmalloc(max * sizeof(*rets));

	n = bp_report_monthly(rep, months, rets, max);
	if (n == 0) {
		bp_buf_adds(b, "<p>No equity stream given.</p>\n");
		goto out;
	}
	bp_buf_adds(b, "<div class=\"scroll\"><table id=\"monthly\"><thead><tr>"
		    "<th>Year</th>");
	for (int m = 0; m < 12; m++)
		bp_buf_addf(b, "<th>%s</th>", mon[m]);
	bp_buf_adds(b, "<th>Year</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n;) {
		int64_t year = months[i] / 12;
		double total = 1;

		bp_buf_addf(b, "<tr><td>%lld</td>", (long long)year);
		for (int m = 0; m < 12; m++) {
			double x, a;

			if (i >= n || months[i] != year * 12 + m) {
				bp_buf_adds(b, "<td></td>");
				continue;
			}
			x = rets[i++];
			total *= 1 + x;
			a = isfinite(x) ? fmin(fabs(x) / 0.1, 1) * 0.55 : 0;
			bp_buf_addf(b, "<td style=\"background:"
				    "rgba(%s,%.2f)\">", x >= 0 ? "22,163,74" :
				    "220,38,38", a);
			add_pct(b, x);
			bp_buf_adds(b, "</td>");
		}
		bp_buf_adds(b, "<td><b>");
		add_pct(b, total - 1);
		bp_buf_adds(b, "</b></td></tr>\n");
	}
	bp_buf_adds(b, "</tbody></table></div>\n");
out:
	free(months);
	free(rets);
}

static void
symbols_table(const json_t *sum, struct bp_buf *b)
{
	const json_t *ps = json_object_get(sum, "per_symbol"), *v;
	const char *name;

	if (!json_is_object(ps) || json_object_size(ps) == 0)
		return;
	bp_buf_adds(b, "<h2>Symbols</h2>\n<div class=\"scroll\"><table "
		    "id=\"symbols\"><thead><tr><th>Symbol</th><th>Bars</th>"
		    "<th>Trades</th><th>Win rate</th><th>Pnl</th>"
		    "<th>Contribution</th><th>Exposure</th><th>Total R</th>"
		    "<th>Fees</th><th>Buy &amp; hold</th></tr></thead>"
		    "<tbody>\n");
	json_object_foreach((json_t *)ps, name, v) {
		bp_buf_adds(b, "<tr><td>");
		add_html(b, name);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, num(v, "bars"), 0);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, num(v, "trades"), 0);
		bp_buf_adds(b, "</td><td>");
		add_pct(b, num(v, "win_rate"));
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, num(v, "pnl"), 2);
		bp_buf_adds(b, "</td><td>");
		add_pct(b, num(v, "return_contribution"));
		bp_buf_adds(b, "</td><td>");
		add_pct(b, num(v, "exposure"));
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, num(v, "total_r"), 2);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, num(v, "fees_paid"), 2);
		bp_buf_adds(b, "</td><td>");
		add_pct(b, num(v, "buy_and_hold_return"));
		bp_buf_adds(b, "</td></tr>\n");
	}
	bp_buf_adds(b, "</tbody></table></div>\n");
}

static void
trades_table(const struct bp_report *rep, struct bp_buf *b)
{
	size_t n = rep->ntrades < rep->max_trades ? rep->ntrades :
		   rep->max_trades;

	if (rep->ntrades == 0)
		return;
	bp_buf_addf(b, "<h2>Trades</h2>\n<p class=\"sub\">%zu trade%s",
		    rep->ntrades, rep->ntrades == 1 ? "" : "s");
	if (n < rep->ntrades)
		bp_buf_addf(b, ", the first %zu shown", n);
	bp_buf_adds(b, ".</p>\n<div class=\"scroll\"><table id=\"trades\">"
		    "<thead><tr><th>Symbol</th><th>Side</th><th>Entry</th>"
		    "<th>Price</th><th>Exit</th><th>Price</th><th>Size</th>"
		    "<th>Pnl</th><th>Return</th><th>R</th><th>Bars</th>"
		    "<th>Exit reason</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct bp_report_trade *t = &rep->trades[i];

		bp_buf_adds(b, "<tr><td>");
		add_html(b, t->symbol);
		bp_buf_addf(b, "</td><td>%s</td><td>",
			    t->side > 0 ? "long" : "short");
		add_day(b, t->entry_ts);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, t->entry_price, 4);
		bp_buf_adds(b, "</td><td>");
		add_day(b, t->exit_ts);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, t->exit_price, 4);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, t->size, 4);
		bp_buf_addf(b, "</td><td class=\"%s\">", t->pnl >= 0 ? "pos" :
			    "neg");
		add_fixed(b, t->pnl, 2);
		bp_buf_adds(b, "</td><td>");
		add_pct(b, t->ret);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, t->r, 2);
		bp_buf_adds(b, "</td><td>");
		add_fixed(b, t->bars, 0);
		bp_buf_adds(b, "</td><td>");
		add_html(b, t->reason);
		bp_buf_adds(b, "</td></tr>\n");
	}
	bp_buf_adds(b, "</tbody></table></div>\n");
}

static void
assumptions_list(const json_t *sum, struct bp_buf *b)
{
	const json_t *a = json_object_get(sum, "assumptions"), *v;
	const char *key;
	char t[BP_FMT_BUFSZ];

	if (!json_is_object(a))
		return;
	bp_buf_adds(b, "<h2>Assumptions</h2>\n<div class=\"scroll\"><table "
		    "id=\"assumptions\"><tbody>\n");
	json_object_foreach((json_t *)a, key, v) {
		bp_buf_adds(b, "<tr><td>");
		add_html(b, key);
		bp_buf_adds(b, "</td><td style=\"text-align:left;"
			    "white-space:normal\">");
		if (json_is_string(v))
			add_html(b, json_string_value(v));
		else if (json_is_number(v))
			bp_buf_add(b, t, bp_fmt_double(t,
						json_number_value(v)));
		else if (json_is_boolean(v))
			bp_buf_adds(b, json_is_true(v) ? "yes" : "no");
		else
			bp_buf_adds(b, "none");
		bp_buf_adds(b, "</td></tr>\n");
	}
	bp_buf_adds(b, "</tbody></table></div>\n");
}

int
bp_report_html(const struct bp_report *rep, const char *title,
	       struct bp_buf *b)
{
	const json_t *sum = rep->summary, *w = json_object_get(sum, "warnings");
	const json_t *bh = json_object_get(sum, "buy_and_hold");
	const json_t *an = json_object_get(sum, "annualization");
	const char *start = str(sum, "start"), *end = str(sum, "end");
	struct bp_buf data = BP_BUF_INIT;

	bp_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
		    "content=\"width=device-width,initial-scale=1\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\""
		    "default-src 'none'; style-src 'unsafe-inline'; "
		    "script-src 'unsafe-inline'\">\n<title>");
	add_html(b, title);
	bp_buf_addf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n"
		    "<main>\n<h1>", css);
	add_html(b, title);
	bp_buf_adds(b, "</h1>\n<p class=\"sub\">");
	add_html(b, start ? start : "?");
	bp_buf_adds(b, " \xe2\x80\x93 ");
	add_html(b, end ? end : "?");
	bp_buf_addf(b, " &middot; %.0f bars &middot; %.0f symbol%s",
		    isfinite(num(sum, "bars")) ? num(sum, "bars") : 0,
		    isfinite(num(sum, "symbols")) ? num(sum, "symbols") : 0,
		    num(sum, "symbols") == 1 ? "" : "s");
	if (str(an, "timeframe")) {
		bp_buf_adds(b, " &middot; ");
		add_html(b, str(an, "timeframe"));
		bp_buf_adds(b, " bars");
	}
	bp_buf_adds(b, "</p>\n<p id=\"bp-error\"></p>\n");
	if (json_array_size(w) > 0) {
		bp_buf_adds(b, "<div class=\"warn\" id=\"warnings\"><b>Warnings"
			    "</b><ul>\n");
		for (size_t i = 0; i < json_array_size(w); i++) {
			bp_buf_adds(b, "<li>");
			add_html(b, json_string_value(json_array_get(w, i)));
			bp_buf_adds(b, "</li>\n");
		}
		bp_buf_adds(b, "</ul></div>\n");
	}
	bp_buf_adds(b, "<h2>Summary</h2>\n<div class=\"cards\">\n");
	card(b, "total return", num(sum, "total_return"), 2, 0);
	card(b, "buy &amp; hold", num(bh, "total_return"), 2, 0);
	card(b, "annualised return", num(sum, "annualized_return"), 2, 0);
	card(b, "Sharpe", num(sum, "sharpe"), 0, 2);
	card(b, "max drawdown", -num(sum, "max_drawdown"), 2, 0);
	card(b, "trades", num(sum, "trades"), 0, 0);
	card(b, "win rate", num(sum, "win_rate"), 1, 0);
	card(b, "exposure", num(sum, "exposure"), 1, 0);
	bp_buf_adds(b, "</div>\n<h2>Equity</h2>\n<div class=\"panel\">"
		    "<p class=\"key\"><i style=\"background:#2563eb\"></i>"
		    "strategy<i style=\"background:#9aa3b2\"></i>buy &amp; hold"
		    "</p><div id=\"equity\"></div><p class=\"tip\" "
		    "id=\"equity-tip\">&nbsp;</p></div>\n"
		    "<h2>Drawdown</h2>\n<div class=\"panel\"><div "
		    "id=\"drawdown\"></div><p class=\"tip\" "
		    "id=\"drawdown-tip\">&nbsp;</p></div>\n"
		    "<h2>Monthly returns</h2>\n");
	monthly_table(rep, b);
	bp_buf_adds(b, "<h2>Metrics</h2>\n");
	metrics_table(sum, b);
	if (str(an, "rule")) {
		bp_buf_adds(b, "<p class=\"sub\">Annualisation: ");
		add_html(b, str(an, "rule"));
		bp_buf_adds(b, ".</p>\n");
	}
	symbols_table(sum, b);
	trades_table(rep, b);
	assumptions_list(sum, b);
	bp_buf_addf(b, "<footer>bp-backtest summary rendered by bp-report %s. "
		    "This page loads nothing from the network.</footer>\n"
		    "</main>\n<script type=\"application/json\" "
		    "id=\"bp-data\">", BP_VERSION);
	chart_data(rep, &data);
	bp_buf_add(b, data.s, data.len);	/* numbers only: safe inline */
	bp_buf_addf(b, "</script>\n<script>\n%s</script>\n</body>\n</html>\n",
		    script);
	bp_buf_release(&data);
	return 0;
}

/* ---- text ------------------------------------------------------------- */

static void
sparkline(const struct bp_report *rep, int width, struct bp_buf *b)
{
	static const char *const bars[] = { "\xe2\x96\x81", "\xe2\x96\x82",
		"\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
		"\xe2\x96\x87", "\xe2\x96\x88" };
	double lo = INFINITY, hi = -INFINITY;
	size_t n = rep->n, w = (size_t)width < n ? (size_t)width : n;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(rep->equity[i]))
			continue;
		lo = fmin(lo, rep->equity[i]);
		hi = fmax(hi, rep->equity[i]);
	}
	for (size_t k = 0; k < w; k++) {
		/* the last point of each of w equal slices */
		size_t i = (k + 1) * n / w - 1;
		double x = rep->equity[i];
		int level = hi > lo && isfinite(x) ?
			    (int)((x - lo) / (hi - lo) * 7 + 0.5) : 3;

		bp_buf_adds(b, bars[level < 0 ? 0 : level > 7 ? 7 : level]);
	}
}

static void
text_pct(struct bp_buf *b, const char *label, double x, int sign)
{
	bp_buf_addf(b, "%s ", label);
	if (x == 0)
		x = 0;
	if (isfinite(x) && fabs(x) >= 1e4)
		bp_buf_addf(b, sign ? "%+.3g%%" : "%.3g%%", 100 * x);
	else if (isfinite(x))
		bp_buf_addf(b, sign ? "%+.2f%%" : "%.2f%%", 100 * x);
	else
		bp_buf_adds(b, "-");
}

static void
text_num(struct bp_buf *b, const char *label, double x, int dp)
{
	bp_buf_addf(b, "%s ", label);
	if (isfinite(x) && fabs(x) >= 1e12)
		bp_buf_addf(b, "%.3g", x);
	else if (isfinite(x))
		bp_buf_addf(b, "%.*f", dp, x);
	else
		bp_buf_adds(b, "-");
}

int
bp_report_text(const struct bp_report *rep, int width, struct bp_buf *b)
{
	const json_t *sum = rep->summary;
	const json_t *bh = json_object_get(sum, "buy_and_hold");
	const json_t *an = json_object_get(sum, "annualization");
	const json_t *w = json_object_get(sum, "warnings");
	const char *s;

	s = str(sum, "start");
	bp_buf_addf(b, "period    %s .. ", s ? s : "?");
	s = str(sum, "end");
	bp_buf_addf(b, "%s, %.0f bars", s ? s : "?",
		    isfinite(num(sum, "bars")) ? num(sum, "bars") : 0);
	if (str(an, "timeframe"))
		bp_buf_addf(b, " of %s", str(an, "timeframe"));
	text_num(b, ", bars/year", num(sum, "bars_per_year"), 0);
	bp_buf_addc(b, '\n');
	if (rep->n > 0) {
		bp_buf_adds(b, "equity    ");
		sparkline(rep, width, b);
		bp_buf_addc(b, '\n');
	}
	text_pct(b, "return   ", num(sum, "total_return"), 1);
	text_pct(b, "  annual", num(sum, "annualized_return"), 1);
	text_pct(b, "  vol", num(sum, "annualized_volatility"), 0);
	bp_buf_addc(b, '\n');
	text_num(b, "sharpe   ", num(sum, "sharpe"), 2);
	text_num(b, "  sortino", num(sum, "sortino"), 2);
	text_num(b, "  calmar", num(sum, "calmar"), 2);
	bp_buf_addc(b, '\n');
	text_pct(b, "max dd   ", -num(sum, "max_drawdown"), 1);
	text_num(b, "  over", num(sum, "max_drawdown_duration_bars"), 0);
	text_num(b, " bars,", num(sum, "max_drawdown_duration_days"), 1);
	bp_buf_adds(b, " days\n");
	text_num(b, "trades   ", num(sum, "trades"), 0);
	text_pct(b, "  win rate", num(sum, "win_rate"), 0);
	text_num(b, "  profit factor", num(sum, "profit_factor"), 2);
	text_num(b, "  total R", num(sum, "total_r"), 2);
	bp_buf_addc(b, '\n');
	text_pct(b, "exposure ", num(sum, "exposure"), 0);
	text_num(b, "  turnover", num(sum, "turnover"), 1);
	text_num(b, "  fees", num(sum, "fees_paid"), 2);
	text_num(b, "  slippage", num(sum, "slippage_paid"), 2);
	bp_buf_addc(b, '\n');
	text_pct(b, "buy&hold ", num(bh, "total_return"), 1);
	text_num(b, "  sharpe", num(bh, "sharpe"), 2);
	text_pct(b, "  max dd", -num(bh, "max_drawdown"), 1);
	bp_buf_addc(b, '\n');
	for (size_t i = 0; i < json_array_size(w); i++)
		bp_buf_addf(b, "warning   %s\n",
			    json_string_value(json_array_get(w, i)));
	return 0;
}
