#!/usr/bin/python3
"""Seeded data for bench/drift.sh: two streams of 1,000,000 rows each.

    drift_gen.py OUTDIR [N]

Writes OUTDIR/drift-ref.ndjson and OUTDIR/drift-cur.ndjson (plain NDJSON,
{"ts":..,"symbol":"BTCUSDT","x":..}, one row per minute) and the same
values as float64 arrays in OUTDIR/drift-ref.npy and drift-cur.npy for
the python peers.  The current sample is shifted by 0.05 sd and 5% wider,
a small drift both tools must see.
"""
import sys

import numpy as np


def write(path, ts0, x):
    base = np.datetime64("2020-01-01T00:00:00") + np.timedelta64(ts0, "m")
    ts = np.datetime_as_string(base + np.arange(len(x)).astype("timedelta64[m]"),
                               unit="s")
    with open(path, "w") as f:
        for t, v in zip(ts, x.tolist()):
            f.write('{"ts":"%sZ","symbol":"BTCUSDT","x":%r}\n' % (t, v))


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    rng = np.random.default_rng(20240601)
    ref = rng.normal(0.0, 1.0, n)
    cur = rng.normal(0.05, 1.05, n)
    np.save(out + "/drift-ref.npy", ref)
    np.save(out + "/drift-cur.npy", cur)
    write(out + "/drift-ref.ndjson", 0, ref)
    write(out + "/drift-cur.ndjson", n, cur)


if __name__ == "__main__":
    main()
