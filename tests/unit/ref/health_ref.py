#!/usr/bin/python3
"""Reference values for tests/unit/test-health.c (model health from the
training sketch), computed with numpy and scipy from the definitions in
lib/health.h:

    /usr/bin/python3 tests/unit/ref/health_ref.py > tests/unit/ref/health-cases.json

Training rows: tests/fixtures/drift/ref.ndjson; current rows:
tests/fixtures/drift/cur.ndjson; features a and ties.  The sketch of a
feature is its training deciles (numpy's linear quantile at k/10), mean,
sd (divisor n), min, max and null rate; the bins are cut at the distinct
interior deciles and the reference share below a decile value is the
highest k/10 it stands for (all of it at the training maximum).
"""
import json
import sys

import numpy as np
from scipy.spatial.distance import jensenshannon

EPS = 1e-4


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def values(rows, col):
    return np.array([r[col] for r in rows if r.get(col) is not None], float)


def main():
    ref = load("tests/fixtures/drift/ref.ndjson")
    cur = load("tests/fixtures/drift/cur.ndjson")
    out = {}
    for f in ("a", "ties"):
        x, y = values(ref, f), values(cur, f)
        dec = np.quantile(x, np.arange(11) / 10)
        edges, kmax = [], []
        for k in range(1, 10):
            if edges and dec[k] == edges[-1]:
                kmax[-1] = k
            else:
                edges.append(dec[k])
                kmax.append(k)
        if edges and edges[-1] >= x.max():
            kmax[-1] = 10       # nothing in training above its maximum
        r = np.diff([0] + kmax + [10]) / 10.0
        cnt = np.bincount(np.searchsorted(edges, y, side="left"),
                          minlength=len(edges) + 1)
        c = cnt / len(y)
        rr, cc = np.maximum(r, EPS), np.maximum(c, EPS)
        sd_ref, sd_cur = np.std(x), np.std(y)
        out[f] = {
            "bins": len(edges) + 1,
            "psi": float(np.sum((cc - rr) * np.log(cc / rr))),
            "js": float(jensenshannon(r, c, base=2)),
            "mean_shift": float((np.mean(y) - np.mean(x)) / sd_ref),
            "sd_ratio": float(sd_cur / sd_ref),
            "null_change": float((1 - len(y) / len(cur)) -
                                 (1 - len(x) / len(ref))),
            "outside_range": float(np.mean((y < x.min()) | (y > x.max()))),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
