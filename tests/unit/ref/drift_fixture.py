#!/usr/bin/python3
"""Fixtures for tests/bp-drift.bats and the values bp-drift must report.

    /usr/bin/python3 tests/unit/ref/drift_fixture.py tests/fixtures/drift

Writes ref.ndjson (60 rows) and cur.ndjson (40 rows), and expected.json
with every statistic computed independently: scipy.stats.ks_2samp
(method='auto'), scipy.stats.wasserstein_distance,
scipy.spatial.distance.jensenshannon(base=2), numpy for PSI (bins at the
reference's numpy.quantile, right-closed, proportions floored at 1e-4),
means and sample standard deviations, scipy.stats.chi2_contingency
(correction=False) for the signal mix, and scikit-learn's log_loss,
roc_auc_score and accuracy_score for performance.

Columns: a (continuous, shifted), ties (integers), tiny (3 and 2 values,
the rest null), const (1.5 everywhere), constdiff (2 then 3), allnull
(null everywhere), curnull (null in the current sample), sparse (missing
from some rows), note (text, never compared), score, signal, label_up.
"""
import json
import os
import sys

import numpy as np
import scipy.stats
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

EPS = 1e-4
BINS = 10


def rows(rng, n, t0, cur):
    out = []
    tiny_rows = {5, 17, 30} if not cur else {3, 21}
    for i in range(n):
        ts = np.datetime64("2024-01-01T00:00:00") + np.timedelta64(t0 + i, "h")
        label = int(rng.integers(0, 2))
        # the model separates the classes less well in the current period
        sep, noise = (0.5, 0.25) if not cur else (0.2, 0.3)
        p = float(np.clip(0.5 + (label - 0.5) * sep + rng.normal(0, noise),
                          0.01, 0.99))
        r = {
            "ts": str(ts) + "Z",
            "symbol": "BTCUSDT",
            "a": round(float(rng.normal(0.8 if cur else 0.0,
                                        1.2 if cur else 1.0)), 4),
            "ties": int(rng.integers(1 if cur else 0, 6 if cur else 5)),
            "tiny": round(float(rng.uniform()), 4) if i in tiny_rows
            else None,
            "const": 1.5,
            "constdiff": 3 if cur else 2,
            "allnull": None,
            "curnull": None if cur else round(float(rng.normal()), 4),
            "note": "bar %d" % i,
            "score": round(p, 4),
            "signal": str(rng.choice(["long", "flat", "short"],
                                     p=[0.5, 0.3, 0.2] if cur
                                     else [0.3, 0.4, 0.3])),
            "label_up": label,
        }
        if i % 7 != 3:
            r["sparse"] = round(float(rng.normal(10, 2)), 3)
        out.append(r)
    return out


def values(rs, col):
    return np.array([r[col] for r in rs if r.get(col) is not None],
                    dtype=np.float64)


def column(ref, cur, col):
    x, y = values(ref, col), values(cur, col)
    e = {"n_ref": len(x), "n_cur": len(y),
         "null_ref": 1 - len(x) / len(ref), "null_cur": 1 - len(y) / len(cur)}
    if len(x) == 0 or len(y) == 0:
        return e
    ks = scipy.stats.ks_2samp(x, y, method="auto")
    edges = np.unique(np.quantile(x, np.arange(1, BINS) / BINS))
    rc = np.bincount(np.searchsorted(edges, x, side="left"),
                     minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, y, side="left"),
                     minlength=len(edges) + 1)
    r = np.maximum(rc / len(x), EPS)
    c = np.maximum(cc / len(y), EPS)
    e.update({
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "psi": float(np.sum((c - r) * np.log(c / r))),
        "js": float(jensenshannon(rc, cc, base=2)),
        "bins": len(edges) + 1,
        "w1": float(scipy.stats.wasserstein_distance(x, y)),
        "mean_ref": float(np.mean(x)),
        "mean_cur": float(np.mean(y)),
        "sd_ref": float(np.std(x, ddof=1)) if len(x) > 1 else None,
        "sd_cur": float(np.std(y, ddof=1)) if len(y) > 1 else None,
    })
    return e


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    ref = rows(rng, 60, 0, False)
    cur = rows(rng, 40, 24 * 30, True)
    for name, rs in (("ref.ndjson", ref), ("cur.ndjson", cur)):
        with open(os.path.join(out, name), "w") as f:
            for r in rs:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
    exp = {"columns": {}}
    for col in ("a", "ties", "tiny", "const", "constdiff", "allnull",
                "curnull", "sparse", "score"):
        exp["columns"][col] = column(ref, cur, col)
    cats = sorted({r["signal"] for r in ref + cur})
    rc = [sum(r["signal"] == k for r in ref) for k in cats]
    cc = [sum(r["signal"] == k for r in cur) for k in cats]
    chi2, p, dof, _ = scipy.stats.chi2_contingency(np.array([rc, cc]),
                                                   correction=False)
    r = np.maximum(np.array(rc) / len(ref), EPS)
    c = np.maximum(np.array(cc) / len(cur), EPS)
    exp["signal"] = {"categories": cats, "n_ref": rc, "n_cur": cc,
                     "psi": float(np.sum((c - r) * np.log(c / r))),
                     "chi2": float(chi2), "df": float(dof), "pvalue": float(p)}
    perf = {}
    for name, rs in (("ref", ref), ("cur", cur)):
        y = np.array([r["label_up"] for r in rs], dtype=float)
        s = np.array([r["score"] for r in rs], dtype=float)
        perf[name] = {"logloss": float(log_loss(y, s)),
                      "auc": float(roc_auc_score(y, s)),
                      "accuracy": float(accuracy_score(y, s >= 0.5))}
    exp["performance"] = perf
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
