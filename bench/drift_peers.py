#!/usr/bin/python3
"""Peers of bench/drift.sh: scipy's ks_2samp and numpy's PSI.

    drift_peers.py OUTDIR [--from-stream]

Times scipy.stats.ks_2samp(ref, cur) (method 'auto': asymptotic here) and
the PSI of bp-drift(1) written with numpy (np.quantile edges, np.unique,
np.searchsorted, np.bincount, proportions floored at 1e-4) on the arrays
of drift_gen.py, best of 3 (wall clock and CPU time), and prints one JSON
object with the times and the values.  With --from-stream it also times reading the two NDJSON
streams with pandas (read_json, lines=True), which bp-drift's own time
includes.
"""
import json
import sys
import time

import numpy as np
import scipy.stats


def psi(x, y, bins=10, eps=1e-4):
    edges = np.unique(np.quantile(x, np.arange(1, bins) / bins))
    rc = np.bincount(np.searchsorted(edges, x, side="left"),
                     minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, y, side="left"),
                     minlength=len(edges) + 1)
    r = np.maximum(rc / len(x), eps)
    c = np.maximum(cc / len(y), eps)
    return float(np.sum((c - r) * np.log(c / r)))


def best(f, reps=3):
    """Best wall and best CPU time of reps runs, and the last value."""
    t, c = [], []
    v = None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        v = f()
        t.append(time.perf_counter() - t0)
        c.append(time.process_time() - c0)
    return min(t), min(c), v


def main():
    out = sys.argv[1]
    ref = np.load(out + "/drift-ref.npy")
    cur = np.load(out + "/drift-cur.npy")
    t_ks, c_ks, ks = best(lambda: scipy.stats.ks_2samp(ref, cur))
    t_psi, c_psi, p = best(lambda: psi(ref, cur))
    res = {"n_ref": len(ref), "n_cur": len(cur),
           "scipy_ks_seconds": t_ks, "scipy_ks_cpu_seconds": c_ks,
           "ks_statistic": float(ks.statistic),
           "ks_pvalue": float(ks.pvalue),
           "numpy_psi_seconds": t_psi, "numpy_psi_cpu_seconds": c_psi,
           "psi": p}
    if "--from-stream" in sys.argv:
        import pandas as pd

        def load():
            a = pd.read_json(out + "/drift-ref.ndjson", lines=True)["x"]
            b = pd.read_json(out + "/drift-cur.ndjson", lines=True)["x"]
            return a.to_numpy(), b.to_numpy()
        t_load, _, _ = best(load, 1)
        res["pandas_read_seconds"] = t_load
    print(json.dumps(res))


if __name__ == "__main__":
    main()
