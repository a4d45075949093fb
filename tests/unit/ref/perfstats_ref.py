#!/usr/bin/env python3
"""Reference values for tests/unit/test-perfstats.c.

Each case is an equity curve (one value per bar, bars one hour apart unless
the case says otherwise), a list of trades and the statistics computed from
their textbook definitions with numpy (see lib/perfstats.h).  Regenerate:

    /usr/bin/python3 tests/unit/ref/perfstats_ref.py > tests/unit/ref/perfstats-cases.txt
"""
import math

import numpy as np


def fmt(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    return repr(float(x))


def case(name, capital, bpy, hours, equity, trades):
    E = np.array(equity, dtype=float)
    n = len(E)
    r = E / np.concatenate(([capital], E[:-1])) - 1
    years = n / bpy
    out = {}
    out["total_return"] = E[-1] / capital - 1
    out["log_return"] = math.log(E[-1] / capital)
    out["annual_return"] = (E[-1] / capital) ** (1 / years) - 1
    sd = r.std(ddof=1) if n > 1 else float("nan")
    out["annual_vol"] = sd * math.sqrt(bpy)
    out["sharpe"] = r.mean() / sd * math.sqrt(bpy) if sd > 0 else None
    dsd = math.sqrt(np.mean(np.minimum(r, 0) ** 2))
    out["sortino"] = r.mean() / dsd * math.sqrt(bpy) if dsd > 0 else None
    peak = np.maximum.accumulate(np.concatenate(([capital], E)))[1:]
    mdd = (1 - E / peak).max()
    out["max_drawdown"] = mdd
    out["calmar"] = out["annual_return"] / mdd if mdd > 0 else None
    # longest run of bars below the running peak; its length in days runs
    # from the peak bar (the first bar for the capital) to the recovery bar
    # or the last bar
    best, days, pv, pi = 0, 0.0, capital, -1
    for i in range(n):
        if E[i] >= pv:
            if i - pi - 1 > best:
                best = i - pi - 1
                days = (hours[i] - hours[max(pi, 0)]) / 24
            pv, pi = E[i], i
    if n - 1 - pi > best:
        best = n - 1 - pi
        days = (hours[n - 1] - hours[max(pi, 0)]) / 24
    out["max_dd_bars"] = best
    out["max_dd_days"] = days
    pnl = [t[0] for t in trades]
    wins = [p for p in pnl if p > 0]
    losses = [p for p in pnl if p < 0]
    rs = [t[2] for t in trades if not math.isnan(t[2])]
    out["win_rate"] = len(wins) / len(pnl) if pnl else None
    out["profit_factor"] = sum(wins) / -sum(losses) if losses else None
    out["avg_win"] = np.mean(wins) if wins else None
    out["avg_loss"] = np.mean(losses) if losses else None
    out["expectancy"] = np.mean(pnl) if pnl else None
    out["total_r"] = sum(rs) if rs else None
    out["expectancy_r"] = np.mean(rs) if rs else None
    print("case", name)
    print("capital", fmt(capital))
    print("bpy", fmt(bpy))
    for h, e in zip(hours, equity):
        print("point", h, fmt(e))
    for t in trades:
        print("trade", " ".join(fmt(x) for x in t))
    for k, v in out.items():
        print("expect", k, fmt(v))
    print("end")


rng = np.random.default_rng(7)
eq = 10000 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, 300)))
hours = list(range(300))
trades = [(rng.normal(10, 50), rng.normal(0.001, 0.01),
           rng.normal(0.1, 1.0) if i % 3 else float("nan"),
           float(rng.integers(1, 20))) for i in range(40)]
case("random-walk", 10000.0, 8760.0, hours, list(eq), trades)

# a curve that falls, recovers exactly, falls again and ends under water;
# daily bars with a weekend gap in the time stamps
case("drawdowns", 100.0, 252.0, [0, 24, 48, 120, 144, 168, 192, 216],
     [100, 90, 95, 100, 120, 110, 115, 100], [(20.0, 0.2, 2.0, 3.0),
                                               (-20.0, -0.1, -1.0, 2.0)])
# only rising: no drawdown, no downside (sortino, calmar undefined)
case("rising", 1000.0, 365.0, [0, 24, 48, 72], [1010, 1030, 1031, 1040],
     [(40.0, 0.04, float("nan"), 4.0)])
