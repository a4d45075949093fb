#!/usr/bin/env python3
"""The peer of bench/backtest.sh: a vectorised pandas backtest.

  backtest_pandas.py gen N OUTDIR   seeded random-walk hourly bars with an
                                    SMA(50) crossover signal (long/flat), as
                                    OUTDIR/bars.ndjson.zst and OUTDIR/bars.csv
  backtest_pandas.py run FILE FEE_BPS
                                    backtest FILE (.csv, or zstd NDJSON read
                                    through `zstd -dc`) and print JSON:
                                    total log return, trades, seconds

The rules are bp-backtest's defaults: a signal seen on bar t is executed at
the open of bar t+1; all-in, long/flat; the fee is fee_bps/1e4 of the traded
notional per side, paid from the capital (an entry with equity E buys
E / (open * (1 + fee)) units, an exit receives units * open * (1 - fee)); an
open position is marked at the last close without an exit fee.  So

  log(E_end / E_0) = sum over bars held of log(next open / open)
                     (the last bar: log(close / open))
                     + entries * log(1 / (1 + fee)) + exits * log(1 - fee)
"""
import io
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def gen(n, outdir):
    rng = np.random.default_rng(20261121)
    ret = rng.normal(0.0, 0.006, n)
    close = 30000.0 * np.exp(np.cumsum(ret))
    gap = np.exp(rng.normal(0.0, 0.0005, n))
    open_ = np.empty(n)
    open_[0] = 30000.0
    open_[1:] = close[:-1] * gap[1:]
    wick = np.abs(rng.normal(0.0, 0.002, (2, n)))
    high = np.maximum(open_, close) * np.exp(wick[0])
    low = np.minimum(open_, close) * np.exp(-wick[1])
    open_, high, low, close = (np.round(x, 2) for x in (open_, high, low,
                                                         close))
    high = np.maximum.reduce([high, open_, close])
    low = np.minimum.reduce([low, open_, close])
    volume = np.round(rng.gamma(2.0, 500.0, n), 3)
    sma = pd.Series(close).rolling(50).mean().to_numpy()
    signal = np.where(close > sma, 1, 0)        # NaN sma compares False: 0
    ts = pd.date_range("2000-01-01", periods=n, freq="h")
    tss = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    df = pd.DataFrame({"ts": tss, "symbol": "SYN", "open": open_,
                       "high": high, "low": low, "close": close,
                       "volume": volume, "signal": signal})
    df.to_csv(f"{outdir}/bars.csv", index=False)
    lines = []
    for t, o, h, lo, c, v, s in zip(tss, open_, high, low, close, volume,
                                     signal):
        lines.append('{"ts":"%s","symbol":"SYN","open":%r,"high":%r,'
                     '"low":%r,"close":%r,"volume":%r,"signal":%d}\n'
                     % (t, o, h, lo, c, v, s))
    subprocess.run(["zstd", "-q", "-f", "-3", "-o",
                    f"{outdir}/bars.ndjson.zst"],
                   input="".join(lines).encode(), check=True)


def backtest(df, fee):
    o = df["open"].to_numpy(dtype=float)
    c = df["close"].to_numpy(dtype=float)
    s = df["signal"].to_numpy(dtype=float)
    pos = np.zeros(len(o))
    pos[1:] = s[:-1] > 0                        # next-open fills
    nxt = np.empty(len(o))
    nxt[:-1] = o[1:]
    nxt[-1] = c[-1]
    held = np.sum(np.where(pos > 0, np.log(nxt / o), 0.0))
    prev = np.concatenate(([0.0], pos[:-1]))
    entries = int(np.sum((pos > 0) & (prev == 0)))
    exits = int(np.sum((pos == 0) & (prev > 0)))
    total = held + entries * np.log(1 / (1 + fee)) + exits * np.log(1 - fee)
    return total, entries


def run(path, fee_bps):
    t0 = time.perf_counter()
    if path.endswith(".csv"):
        df = pd.read_csv(path)
    else:
        raw = subprocess.run(["zstd", "-dcq", path], check=True,
                             stdout=subprocess.PIPE).stdout
        df = pd.read_json(io.BytesIO(raw), lines=True)
    t1 = time.perf_counter()
    total, trades = backtest(df, fee_bps / 1e4)
    t2 = time.perf_counter()
    print(json.dumps({"log_return": total, "trades": trades, "rows": len(df),
                      "read_seconds": t1 - t0, "compute_seconds": t2 - t1,
                      "seconds": t2 - t0}))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), sys.argv[3])
    else:
        run(sys.argv[2], float(sys.argv[3]))
