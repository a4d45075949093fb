#!/usr/bin/python3
"""derived_ref.py: pandas reference for bp-features' derived features.

Reads ../../fixtures/features/btc-300.ndjson (300 BTCUSDT hourly bars with
a stretch of flat, zero-volume bars) and computes with pandas (Debian's
python3-pandas) the returns, lags, rolling statistics, bar-shape ratios and
calendar fields bp-features documents; writes derived-btc.csv here (empty
cells for NaN, numbers in repr()).  The C test compares lib/derived.c with
these values.

Definitions (bp-features(1)): ret_K = c / c.shift(K) - 1; logret_K =
log(c / c.shift(K)); rolling std is pandas' default (ddof=1); zscore =
(x - mean) / std, NaN where std is 0; rank = rolling rank(pct=True).
"""
import math
import os

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "fixtures", "features", "btc-300.ndjson")


def main():
    df = pd.read_json(SRC, lines=True, dtype={"ts": str}, convert_dates=False)
    o, h, l, c, v = (df[k].astype(float) for k in
                     ("open", "high", "low", "close", "volume"))
    out = pd.DataFrame({"ts": df["ts"], "open": o, "high": h, "low": l,
                        "close": c, "volume": v})
    for k in (1, 5):
        out["ret_%d" % k] = c / c.shift(k) - 1
    out["logret_3"] = np.log(c / c.shift(3))
    out["close_lag_2"] = c.shift(2)
    w = c.rolling(10)
    out["close_mean_10"] = w.mean()
    sd = w.std()
    out["close_std_10"] = sd
    out["close_zscore_10"] = ((c - w.mean()) / sd).where(sd != 0)
    out["close_min_10"] = w.min()
    out["close_max_10"] = w.max()
    out["close_rank_10"] = w.rank(pct=True)
    vw = v.rolling(20)
    vsd = vw.std()
    out["volume_zscore_20"] = ((v - vw.mean()) / vsd).where(vsd != 0)
    rng = h - l
    out["bar_range"] = rng / c
    out["bar_body"] = ((c - o) / rng).where(rng > 0)
    out["bar_upper_wick"] = ((h - np.maximum(o, c)) / rng).where(rng > 0)
    out["bar_lower_wick"] = ((np.minimum(o, c) - l) / rng).where(rng > 0)
    t = pd.to_datetime(df["ts"], utc=True)
    out["hour"] = t.dt.hour.astype(float)
    out["weekday"] = t.dt.weekday.astype(float)
    out["month"] = t.dt.month.astype(float)
    with open(os.path.join(HERE, "derived-btc.csv"), "w") as f:
        f.write(",".join(out.columns) + "\n")
        for row in out.itertuples(index=False):
            cells = [row[0]]
            for x in row[1:]:
                cells.append("" if x is None or (isinstance(x, float) and
                                                 math.isnan(x)) else repr(float(x)))
            f.write(",".join(cells) + "\n")


if __name__ == "__main__":
    main()
