#!/usr/bin/python3
"""bench/models_peers.py: the Python peers of bench/models.sh.

usage: models_peers.py TRAIN.ndjson TEST.ndjson LABEL FEATURES [NAME=PRED ...]

Trains, on the same rows barpipe reads, with the same settings (200 trees,
depth 6, learning rate 0.1, 255 bins, 2 threads):
  xgboost      XGBClassifier(tree_method="hist")        (python3-xgboost)
  sklearn-hgb  HistGradientBoostingClassifier           (python3-sklearn)
  sklearn-lr   LogisticRegression() (C=1, lbfgs)
  sklearn-mlp  MLPClassifier((20, 10), max_iter=10)
and prints, per model, the fit seconds (wall and CPU of the fit call only;
loading the rows is not counted), predict rows/s (predict_proba on the
test rows, in memory) and the test logloss and AUC.  NAME=PRED scores
barpipe's predictions (a bp-predict stream with the label and `score`)
with the same scikit-learn metric code.  PEERS=a,b runs only those;
SEEDS=n runs sklearn-mlp with random_state 0..n-1, and then the mean and
standard deviation of the test logloss over those seeds and over the
NAME=PRED entries whose name has "-s" (barpipe's seeds).
"""
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score


def load(path, label, feats):
    X, y = [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            X.append([r[c] for c in feats])
            y.append(r[label])
    return np.array(X, dtype=float), np.array(y, dtype=int)


def scores(path, label):
    cmd = ["zstd", "-dcq", path] if path.endswith(".zst") else ["cat", path]
    y, p = [], []
    out = subprocess.run(cmd, capture_output=True, check=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        if r.get(label) is None or r.get("score") is None:
            continue
        y.append(r[label])
        p.append(r["score"])
    return np.array(y), np.array(p)


def report(name, fit_wall, fit_cpu, rows_s, y, p):
    print("%-12s fit %7.2f s wall %7.2f s cpu   predict %10.0f rows/s   "
          "test logloss %.5f  auc %.5f" % (name, fit_wall, fit_cpu, rows_s,
                                            log_loss(y, p, eps=1e-15),
                                            roc_auc_score(y, p)), flush=True)


def main():
    train, test, label, feats = sys.argv[1:5]
    feats = feats.split(",")
    X, y = load(train, label, feats)
    Xt, yt = load(test, label, feats)
    print("peers: %d training rows, %d test rows, %d features" %
          (len(y), len(yt), len(feats)), flush=True)
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    import xgboost as xgb
    models = [
        ("xgboost", xgb.XGBClassifier(
            n_estimators=200, max_depth=6, learning_rate=0.1,
            tree_method="hist", max_bin=255, n_jobs=2)),
        ("sklearn-hgb", HistGradientBoostingClassifier(
            max_iter=200, max_depth=6, max_leaf_nodes=None,
            learning_rate=0.1, max_bins=255, early_stopping=False)),
        ("sklearn-lr", LogisticRegression()),
        ("sklearn-mlp", MLPClassifier((20, 10), max_iter=10,
                                      random_state=0)),
    ]
    only = os.environ.get("PEERS")
    seeds = int(os.environ.get("SEEDS", "0"))
    if seeds:
        models = [("sklearn-mlp-s%d" % s, MLPClassifier(
            (20, 10), max_iter=10, random_state=s)) for s in range(seeds)]
        only = None
    ours, theirs = [], []
    for name, m in models:
        if only and name not in only.split(","):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w, c = time.time(), time.process_time()
            m.fit(X, y)
            w, c = time.time() - w, time.process_time() - c
        t = time.time()
        p = m.predict_proba(Xt)[:, 1]
        rows_s = len(yt) / (time.time() - t)
        report(name, w, c, rows_s, yt, p)
        theirs.append(log_loss(yt, p, eps=1e-15))
    for arg in sys.argv[5:]:
        name, path = arg.split("=", 1)
        yb, pb = scores(path, label)
        print("%-12s test logloss %.5f  auc %.5f   (barpipe's scores, "
              "scikit-learn's metrics, %d rows)" %
              (name, log_loss(yb, pb, eps=1e-15), roc_auc_score(yb, pb),
               len(yb)), flush=True)
        if "-s" in name:
            ours.append(log_loss(yb, pb, eps=1e-15))
    for who, v in (("barpipe", ours), ("sklearn", theirs)):
        if seeds and v:
            print("%-12s mlp test logloss over %d seeds: mean %.5f, sd %.5f, "
                  "min %.5f, max %.5f" % (who, len(v), np.mean(v),
                                          np.std(v, ddof=1) if len(v) > 1
                                          else 0, min(v), max(v)), flush=True)


if __name__ == "__main__":
    main()
