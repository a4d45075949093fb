#!/usr/bin/python3
"""features_pandas.py: the pandas peer of bench/features.sh.

Reads the bars (zstd NDJSON through the zstd program, or CSV), computes the
same columns as the bp-features run (SMA20, EMA20, RSI14, MACD 12/26/9,
Bollinger 20/2 with %B and width, ATR14, 1-bar log return, rolling std 20,
Stochastic 5/3/3) with vectorised pandas, and writes NDJSON (through zstd
for the zstd case).  pandas' EMAs and Wilder averages use ewm(adjust=False)
started at the first value, not TA-Lib's SMA seeding: the work is the same,
the first values differ.  Prints the phase timings as one JSON line.

usage: features_pandas.py IN (.ndjson.zst | .csv) OUT (.ndjson.zst | .ndjson)
"""
import io
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def main():
    src, dst = sys.argv[1], sys.argv[2]
    t0 = time.time()
    if src.endswith(".zst"):
        p = subprocess.Popen(["zstd", "-dcq", src], stdout=subprocess.PIPE)
        df = pd.read_json(io.TextIOWrapper(p.stdout), lines=True,
                          dtype={"ts": str}, convert_dates=False)
        p.wait()
    else:
        df = pd.read_csv(src)
    t1 = time.time()
    o, h, l, c = df["open"], df["high"], df["low"], df["close"]
    df["sma_20"] = c.rolling(20).mean()
    df["ema_20"] = c.ewm(span=20, adjust=False).mean()
    d = c.diff()
    gain = d.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean()
    loss = (-d.clip(upper=0)).ewm(alpha=1 / 14, adjust=False).mean()
    df["rsi_14"] = 100 * gain / (gain + loss)
    macd = (c.ewm(span=12, adjust=False).mean() -
            c.ewm(span=26, adjust=False).mean())
    sig = macd.ewm(span=9, adjust=False).mean()
    df["macd_12_26_9"] = macd
    df["macd_signal_12_26_9"] = sig
    df["macd_hist_12_26_9"] = macd - sig
    mid = c.rolling(20).mean()
    sd = c.rolling(20).std(ddof=0)
    up, lo = mid + 2 * sd, mid - 2 * sd
    df["bbands_upper_20_2"] = up
    df["bbands_middle_20_2"] = mid
    df["bbands_lower_20_2"] = lo
    df["bbands_pctb_20_2"] = (c - lo) / (up - lo)
    df["bbands_width_20_2"] = (up - lo) / mid
    pc = c.shift()
    tr = pd.concat([h - l, (h - pc).abs(), (l - pc).abs()], axis=1).max(axis=1)
    df["atr_14"] = tr.ewm(alpha=1 / 14, adjust=False).mean()
    df["logret_1"] = np.log(c / pc)
    df["close_std_20"] = c.rolling(20).std()
    ll, hh = l.rolling(5).min(), h.rolling(5).max()
    k = 100 * (c - ll) / (hh - ll)
    df["stoch_k_5_3_3"] = k.rolling(3).mean()
    df["stoch_d_5_3_3"] = df["stoch_k_5_3_3"].rolling(3).mean()
    t2 = time.time()
    text = df.to_json(orient="records", lines=True)
    if dst.endswith(".zst"):
        z = subprocess.Popen(["zstd", "-q", "-1", "-f", "-o", dst],
                             stdin=subprocess.PIPE)
        z.stdin.write(text.encode())
        z.stdin.close()
        z.wait()
    else:
        with open(dst, "w") as f:
            f.write(text)
    t3 = time.time()
    print(json.dumps({"read": round(t1 - t0, 3), "compute": round(t2 - t1, 3),
                      "write": round(t3 - t2, 3), "rows": len(df)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
