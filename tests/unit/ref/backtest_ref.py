#!/usr/bin/env python3
"""Hand-made bar sets for bp-backtest and their expected summaries.

Writes tests/fixtures/backtest/<case>.ndjson (the bars) and
tests/fixtures/backtest/expect/<case>.json (what the summary, and the trades
stream, must say).  Nothing here calls barpipe: every fill, cash movement
and equity value is written out by hand below, following the rules of
bp-backtest(1), and the statistics are computed from those equity values
with numpy, straight from their definitions.  Run from the repository root:

    /usr/bin/python3 tests/unit/ref/backtest_ref.py

Timestamps are hourly from Saturday 2024-01-06, so every bar falls on a
weekend: the annualisation rule gives 24/7 hourly bars, 8760 a year.
"""
import json
import math
import os

import numpy as np

CAP = 10000.0
BPY = 8760.0
T0 = "2024-01-06T%02d:00:00Z"
OUT = "tests/fixtures/backtest"


def ts(i):
    return T0 % i


def bars(sym, rows, start=0):
    """rows: (open, high, low, close, signal)"""
    out = []
    for i, (o, h, lo, c, s) in enumerate(rows):
        out.append({"ts": ts(start + i), "symbol": sym, "open": o, "high": h,
                    "low": lo, "close": c, "signal": s})
    return out


def stats(eq, trades, exposure, traded, bh_eq, capital=CAP):
    """Every summary statistic from the equity values at each close."""
    E = np.array(eq, dtype=float)
    prev = np.concatenate(([capital], E[:-1]))
    r = E / prev - 1
    n = len(r)
    years = n / BPY
    out = {"bars": n, "bars_per_year": BPY, "final_equity": E[-1],
           "total_return": E[-1] / capital - 1,
           "log_return": math.log(E[-1] / capital), "years": years}
    out["annualized_return"] = (E[-1] / capital) ** (1 / years) - 1
    sd = r.std(ddof=1)
    out["annualized_volatility"] = sd * math.sqrt(BPY)
    out["sharpe"] = r.mean() / sd * math.sqrt(BPY) if sd > 0 else None
    dsd = math.sqrt(np.mean(np.minimum(r, 0) ** 2))
    out["sortino"] = r.mean() / dsd * math.sqrt(BPY) if dsd > 0 else None
    peak = np.maximum.accumulate(np.concatenate(([capital], E)))[1:]
    dd = 1 - E / peak
    out["max_drawdown"] = dd.max()
    out["calmar"] = (out["annualized_return"] / dd.max()
                     if dd.max() > 0 else None)
    # longest stretch under water, in bars, and its span in days from the
    # peak (the capital counts as a peak at the first bar's time) to the
    # recovery, or to the last bar
    best, days, pk_v, pk_i = 0, 0.0, capital, -1
    for i in range(n):
        if E[i] >= pk_v:
            if i - pk_i - 1 > best:
                best, days = i - pk_i - 1, (i - max(pk_i, 0)) / 24
            pk_v, pk_i = E[i], i
    if n - 1 - pk_i > best:
        best, days = n - 1 - pk_i, (n - 1 - max(pk_i, 0)) / 24
    out["max_drawdown_duration_bars"] = best
    out["max_drawdown_duration_days"] = days
    pnl = [t["pnl"] for t in trades]
    wins = [p for p in pnl if p > 0]
    losses = [p for p in pnl if p < 0]
    rs = [t["r"] for t in trades if t["r"] is not None]
    out["trades"] = len(trades)
    out["wins"] = len(wins)
    out["losses"] = len(losses)
    out["win_rate"] = len(wins) / len(trades) if trades else None
    out["profit_factor"] = sum(wins) / -sum(losses) if losses else None
    out["avg_win"] = np.mean(wins) if wins else None
    out["avg_loss"] = np.mean(losses) if losses else None
    out["avg_trade_return"] = (np.mean([t["return"] for t in trades])
                               if trades else None)
    out["expectancy"] = np.mean(pnl) if trades else None
    out["trades_with_r"] = len(rs)
    out["total_r"] = sum(rs) if rs else None
    out["expectancy_r"] = np.mean(rs) if rs else None
    out["avg_bars_held"] = (np.mean([t["bars"] for t in trades])
                            if trades else None)
    out["exposure"] = np.mean([x > 0 for x in exposure])
    out["avg_gross_exposure"] = np.mean(exposure)
    out["traded_notional"] = traded
    out["turnover"] = traded / E.mean()
    out["annual_turnover"] = out["turnover"] / years
    B = np.array(bh_eq, dtype=float)
    rb = B / np.concatenate(([capital], B[:-1])) - 1
    pb = np.maximum.accumulate(np.concatenate(([capital], B)))[1:]
    out["buy_and_hold"] = {
        "total_return": B[-1] / capital - 1,
        "annualized_return": (B[-1] / capital) ** (1 / years) - 1,
        "annualized_volatility": rb.std(ddof=1) * math.sqrt(BPY),
        "sharpe": rb.mean() / rb.std(ddof=1) * math.sqrt(BPY),
        "max_drawdown": (1 - B / pb).max(),
        "final_equity": B[-1]}
    return out


def trade(sym, side, ei, ep, xi, xp, size, fees, slip, pnl, ret, r, bars_,
          why, borrow=0.0):
    return {"symbol": sym, "side": side, "entry_ts": ts(ei),
            "entry_price": ep, "exit_ts": ts(xi), "exit_price": xp,
            "size": size, "fees": fees, "slippage": slip, "borrow": borrow,
            "pnl": pnl, "return": ret, "r": r, "bars": bars_,
            "exit_reason": why}


def clean(x):
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return x


cases = {}

# ---- long: one long trade, no costs --------------------------------------
LONG = [(100, 101, 99, 100, 1),
        (100, 106, 99, 105, 1),    # buy at this open: q = 10000/100 = 100
        (105, 111, 104, 110, 0),   # signal 0 seen here...
        (110, 112, 107, 108, 0),   # ...sold at this open: 100 * 110
        (108, 109, 105, 106, 0)]
q = CAP / 100
eq = [CAP, q * 105, q * 110, q * 110, q * 110]
tr = [trade("AAA", "long", 1, 100, 3, 110, q, 0, 0, q * 10, 0.1, None, 2,
            "signal")]
bh_q = CAP / 100                   # buy and hold: all at the first open
bh = [bh_q * b[3] for b in LONG]
cases["long"] = ([], bars("AAA", LONG),
                 stats(eq, tr, [0, 1, 1, 0, 0], 100 * 100 + 100 * 110, bh),
                 tr)

# ---- short: one short trade, with borrow ---------------------------------
# 876 bps a year over 8760 hours is 0.1 bps (1e-5) of the notional an hour,
# charged on the short's notional at each close for the hour to the next bar
SHORT = [(100, 101, 99, 100, -1),
         (100, 101, 94, 95, -1),   # sell 100 at 100: cash 20000
         (95, 96, 89, 90, 0),      # borrow for the hour after close 95
         (90, 92, 88, 91, 0),      # borrow after close 90; buy back at 90
         (91, 93, 90, 92, 0)]
q = CAP / 100
b1 = q * 95 * 1e-5                 # 0.095
b2 = q * 90 * 1e-5                 # 0.09
eq = [CAP, 2 * CAP - q * 95, 2 * CAP - b1 - q * 90, 2 * CAP - b1 - b2 - q * 90,
      2 * CAP - b1 - b2 - q * 90]
tr = [trade("AAA", "short", 1, 100, 3, 90, q, 0, 0, q * 10 - b1 - b2,
            (q * 10 - b1 - b2) / (q * 100), None, 2, "signal", b1 + b2)]
bh = [CAP / 100 * b[3] for b in SHORT]
s = stats(eq, tr, [0, q * 95 / eq[1], q * 90 / eq[2], 0, 0],
          q * 100 + q * 90, bh)
s["borrow_paid"] = b1 + b2
cases["short"] = (["--borrow-bps-year", "876"], bars("AAA", SHORT), s, tr)

# ---- stop inside a bar, then the re-entry rule ---------------------------
STOP = [(100, 101, 99, 100, 1),
        (100, 103, 99, 102, 1),    # buy 100 at 100, stop at 98
        (102, 103, 97, 101, 1),    # low 97 reaches 98: sold at 98
        (101, 104, 100, 103, 1),   # still 1: no re-entry after a stop
        (103, 104, 102, 103, 0),   # 0 lifts the lock
        (103, 106, 102, 105, 1),   # a fresh 1...
        (106, 108, 105, 107, 1)]   # ...buys at 106: q2 = 9800 / 106
q1 = 100.0
q2 = 9800 / 106
eq = [CAP, CAP + q1 * 2, 9800, 9800, 9800, 9800, q2 * 107]
tr = [trade("AAA", "long", 1, 100, 2, 98, q1, 0, 0, -200, -0.02, -1.0, 1,
            "sl"),
      # still open at the end: valued at the last close, R on 2% of 106
      trade("AAA", "long", 6, 106, 6, 107, q2, 0, 0, q2 * 1, 1 / 106,
            q2 / (0.02 * 106 * q2), 1, "end")]
bh = [CAP / 100 * b[3] for b in STOP]
cases["stop"] = (["--sl", "2%"], bars("AAA", STOP),
                 stats(eq, tr, [0, 1, 0, 0, 0, 0, 1],
                       q1 * 100 + q1 * 98 + q2 * 106, bh), tr)

# ---- a gap through the stop fills at the open ----------------------------
GAP = [(100, 101, 99, 100, 1),
       (100, 103, 99, 102, 1),     # buy 100 at 100, stop 98
       (95, 96, 94, 95, 1),        # opens at 95, below the stop: sold at 95
       (95, 96, 94, 96, 0)]
eq = [CAP, 10200, 9500, 9500]
tr = [trade("AAA", "long", 1, 100, 2, 95, 100, 0, 0, -500, -0.05, -2.5, 1,
            "sl")]
bh = [CAP / 100 * b[3] for b in GAP]
cases["gap"] = (["--sl", "2%"], bars("AAA", GAP),
                stats(eq, tr, [0, 1, 0, 0], 100 * 100 + 100 * 95, bh), tr)

# ---- stop and target inside one bar: the stop ----------------------------
BOTH = [(100, 101, 99, 100, 1),
        (100, 102, 99, 101, 1),    # buy 100 at 100: stop 98, target 103
        (101, 104, 97, 101, 0),    # 97..104 holds both: the stop, at 98
        (101, 102, 100, 100, 1),
        (100, 104, 99.5, 103, 1),  # buy 9800/100 = 98 at 100; high 104
                                   # reaches the target 103 (low 99.5 > 98)
        (103, 104, 102, 103, 1)]   # locked after the target: flat
eq = [CAP, 10100, 9800, 9800, 9800 + 98 * 3, 9800 + 98 * 3]
tr = [trade("AAA", "long", 1, 100, 2, 98, 100, 0, 0, -200, -0.02, -1.0, 1,
            "sl"),
      trade("AAA", "long", 4, 100, 4, 103, 98, 0, 0, 294, 0.03, 1.5, 0, "tp")]
bh = [CAP / 100 * b[3] for b in BOTH]
cases["both"] = (["--sl", "2%", "--tp", "3%"], bars("AAA", BOTH),
                 stats(eq, tr, [0, 1, 0, 0, 0, 0],
                       100 * 100 + 100 * 98 + 98 * 100 + 98 * 103, bh), tr)

# ---- fees and slippage ---------------------------------------------------
# fee 10 bps + 1 per fill, slippage 5 bps against us
f, fx, sl = 0.001, 1.0, 0.0005
pin = 100 * (1 + sl)               # 100.05 paid
q = (CAP - fx) / (pin * (1 + f))   # all-in: q * pin * (1 + f) + 1 = 10000
fee_in = q * pin * f + fx
cash = CAP - q * pin - fee_in      # 0
pout = 110 * (1 - sl)              # 109.945 received
fee_out = q * pout * f + fx
cash2 = cash + q * pout - fee_out
eq = [CAP, cash + q * 105, cash + q * 110, cash2, cash2]
pnl = cash2 - CAP
slip = q * (pin - 100) + q * (110 - pout)
tr = [trade("AAA", "long", 1, pin, 3, pout, q, fee_in + fee_out, slip, pnl,
            pnl / (q * pin), None, 2, "signal")]
bq = (CAP - fx) / (pin * (1 + f))  # buy and hold pays the entry costs too
bcash = CAP - bq * pin * (1 + f) - fx
bh = [bcash + bq * b[3] for b in LONG]
s = stats(eq, tr, [0, q * 105 / eq[1], q * 110 / eq[2], 0, 0],
          q * pin + q * pout, bh)
s["fees_paid"] = fee_in + fee_out
s["slippage_paid"] = slip
cases["costs"] = (["--fee-bps", "10", "--fee-fixed", "1", "--slippage-bps",
                   "5"], bars("AAA", LONG), s, tr)

# ---- slippage as a fraction of the bar's range ---------------------------
pin = 100 + 0.1 * (106 - 99)       # entry bar's range 7: 100.7
q = CAP / pin
pout = 110 - 0.1 * (112 - 107)     # exit bar's range 5: 109.5
eq = [CAP, q * 105, q * 110, q * pout, q * pout]
tr = [trade("AAA", "long", 1, pin, 3, pout, q, 0, q * 0.7 + q * 0.5,
            q * pout - CAP, (q * pout - CAP) / CAP, None, 2, "signal")]
bpin = 100 + 0.1 * (101 - 99)      # buy and hold: t0's range is 2
bh = [CAP / bpin * b[3] for b in LONG]
s = stats(eq, tr, [0, 1, 1, 0, 0], q * pin + q * pout, bh)
s["slippage_paid"] = q * 1.2
cases["range"] = (["--slippage-range", "0.1"], bars("AAA", LONG), s, tr)

# ---- a portfolio of two symbols, equal shares, one cash account ----------
A = [(100, 101, 99, 100, 1),
     (100, 111, 99, 110, 1),       # both buy at this open: 5000 each
     (110, 121, 109, 120, 0),
     (120, 121, 114, 115, 0),      # AAA sold at 120
     (115, 119, 114, 118, 0)]
B = [(50, 51, 49, 50, 1),
     (50, 51, 49, 50, 1),
     (50, 56, 49, 55, 1),
     (55, 61, 54, 60, 1),
     (60, 61, 57, 58, 1)]          # BBB held to the end
rows = []
for a, b, i in zip(bars("AAA", A), bars("BBB", B), range(5)):
    rows += [a, b]
qa, qb = 5000 / 100, 5000 / 50     # E = 10000 at t1's open, share 1/2
cash = 0.0
eq = [CAP, qa * 110 + qb * 50, qa * 120 + qb * 55, qa * 120 + qb * 60,
      qa * 120 + qb * 58]
tr = [trade("AAA", "long", 1, 100, 3, 120, qa, 0, 0, qa * 20, 0.2, None, 2,
            "signal"),
      trade("BBB", "long", 1, 50, 4, 58, qb, 0, 0, qb * 8, 0.16, None, 4,
            "end")]
gross = [0, 1, 1, qb * 60 / eq[3], qb * 58 / eq[4]]
bh = [5000 / 100 * a[3] + 5000 / 50 * b[3] for a, b in zip(A, B)]
s = stats(eq, tr, gross, qa * 100 + qb * 50 + qa * 120, bh)
s["per_symbol"] = {
    "AAA": {"bars": 5, "trades": 1, "win_rate": 1, "pnl": qa * 20,
            "return_contribution": qa * 20 / CAP, "exposure": 0.4,
            "buy_and_hold_return": 0.18},
    "BBB": {"bars": 5, "trades": 1, "win_rate": 1, "pnl": qb * 8,
            "return_contribution": qb * 8 / CAP, "exposure": 0.8,
            "buy_and_hold_return": 0.16}}
s["symbols"] = 2
s["rows"] = 10
cases["portfolio"] = ([], rows, s, tr)

# ---- a strategy that never trades ----------------------------------------
FLAT = [(r[0], r[1], r[2], r[3], 0) for r in LONG]
s = stats([CAP] * 5, [], [0] * 5, 0, [CAP / 100 * b[3] for b in LONG])
cases["flat"] = ([], bars("AAA", FLAT), s, [])

# ---- fill at the signal bar's close (optimistic, with a warning) ---------
q = CAP / 100                      # bought at t0's close, 100
eq = [CAP, q * 105, q * 110, q * 110, q * 110]   # sold at t2's close, 110
tr = [trade("AAA", "long", 0, 100, 2, 110, q, 0, 0, 1000, 0.1, None, 2,
            "signal")]
s = stats(eq, tr, [1, 1, 0, 0, 0], q * 100 + q * 110,
          [CAP / 100 * b[3] for b in LONG])
cases["this_close"] = (["--fill", "this-close"], bars("AAA", LONG), s, tr)

# ---- fill at the next bar's close ----------------------------------------
q = CAP / 105                      # bought at t1's close, 105
eq = [CAP, CAP, q * 110, q * 108, q * 108]       # sold at t3's close, 108
tr = [trade("AAA", "long", 1, 105, 3, 108, q, 0, 0, q * 3, 3 / 105, None, 2,
            "signal")]
s = stats(eq, tr, [0, 1, 1, 0, 0], q * 105 + q * 108,
          [CAP / 100 * b[3] for b in LONG])
cases["next_close"] = (["--fill", "next-close"], bars("AAA", LONG), s, tr)

# ---- look-ahead: an honest signal and the same one shifted into the future
# (not a hand case: bp-backtest.bats compares the two runs)
rng = np.random.default_rng(11)
c = 100.0
rows = []
for i in range(240):
    o = round(c * math.exp(rng.normal(0, 0.001)), 2)
    c = round(o * math.exp(rng.normal(0, 0.01)), 2)
    h = round(max(o, c) * math.exp(abs(rng.normal(0, 0.003))), 2)
    lo = round(min(o, c) * math.exp(-abs(rng.normal(0, 0.003))), 2)
    rows.append({"ts": "2024-01-%02dT%02d:00:00Z" % (6 + i // 24, i % 24),
                 "symbol": "AAA", "open": o, "high": max(h, o, c),
                 "low": min(lo, o, c), "close": c})
for i, r in enumerate(rows):
    # honest: the direction of the bar that just closed
    r["signal"] = 1 if i > 0 and r["close"] > rows[i - 1]["close"] else -1
for i, r in enumerate(rows):
    # peek: the honest signal of the next bar, known one bar too early
    r["peek"] = rows[i + 1]["signal"] if i + 1 < len(rows) else 0
with open(f"{OUT}/lookahead.ndjson", "w") as fh:
    for r in rows:
        fh.write(json.dumps(r, separators=(",", ":")) + "\n")

os.makedirs(f"{OUT}/expect", exist_ok=True)
for name, (args, rows, summary, trades) in cases.items():
    with open(f"{OUT}/{name}.ndjson", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")
    with open(f"{OUT}/expect/{name}.json", "w") as fh:
        json.dump(clean({"args": args, "summary": summary,
                         "trades": trades}), fh, indent=1)
        fh.write("\n")
