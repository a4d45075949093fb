#!/usr/bin/python3
"""bench/predict_xgb.py: xgboost's prediction speed, the peer of
bench/predict.sh.

usage: predict_xgb.py TRAIN.ndjson ROWS.ndjson LABEL FEATURES

Trains XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1,
tree_method="hist", max_bin=255, n_jobs=2) on TRAIN (as
bench/models_peers.py does), loads ROWS into memory (not timed), then
times predict_proba on all of them, best of 3, and prints one line:
"rows wall_rows_per_s cpu_rows_per_s".
"""
import json
import sys
import time
import warnings

import numpy as np


def load(path, label, feats):
    X, y = [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            X.append([r[c] for c in feats])
            y.append(r.get(label) or 0)
    return np.array(X, dtype=float), np.array(y, dtype=int)


def main():
    train, rows, label, feats = sys.argv[1:5]
    feats = feats.split(",")
    import xgboost as xgb
    X, y = load(train, label, feats)
    m = xgb.XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1,
                          tree_method="hist", max_bin=255, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(X, y)
    Xt, _ = load(rows, label, feats)
    best_w = best_c = 1e300
    for _ in range(3):
        w, c = time.time(), time.process_time()
        m.predict_proba(Xt)
        best_w = min(best_w, time.time() - w)
        best_c = min(best_c, time.process_time() - c)
    print("%d %.0f %.0f" % (len(Xt), len(Xt) / best_w, len(Xt) / best_c))


if __name__ == "__main__":
    main()
