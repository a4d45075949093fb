#!/usr/bin/python3
"""Reference for tests/bp-cv-run.bats: walk-forward OLS by scikit-learn.

Reads tests/fixtures/cv/learn.ndjson and, for the walk-forward folds of
train size 80, test size 30, embargo 2 (fold i trains on rows
[30i, 30i + 80) and tests [30i + 82, min(30i + 112, 200)), written out here
independently of bp-cv), fits sklearn's LinearRegression of label_vol on
f1, f2 over the training rows with a label, and prints per fold
"fold I N MAE RMSE R2" over the test rows with a label, then
"pred TS SCORE" for every test row.  Ordinary least squares has one
solution, so bp-cv run --model linear --params l2=0 must agree.
Regenerate: /usr/bin/python3 cv_run_ref.py > cv-run-linear.txt
"""
import json
import math
import os

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

here = os.path.dirname(os.path.abspath(__file__))
rows = [json.loads(l) for l in
        open(os.path.join(here, "../../fixtures/cv/learn.ndjson"))]
X = np.array([[r["f1"], r["f2"]] for r in rows])
y = np.array([np.nan if r["label_vol"] is None else r["label_vol"]
              for r in rows])
T, S, N, E = len(rows), 80, 30, 2
i = 0
preds = []
while i * N + S + E < T:
    tr = np.arange(i * N, i * N + S)
    te = np.arange(i * N + S + E, min(i * N + S + E + N, T))
    tr = tr[~np.isnan(y[tr])]
    m = LinearRegression().fit(X[tr], y[tr])
    p = m.predict(X[te])
    lab = ~np.isnan(y[te])
    yt, pt = y[te][lab], p[lab]
    print("fold %d %d %.17g %.17g %.17g" % (
        i, len(yt), mean_absolute_error(yt, pt),
        math.sqrt(mean_squared_error(yt, pt)), r2_score(yt, pt)))
    preds += [(rows[j]["ts"], p[k]) for k, j in enumerate(te)]
    if te[-1] + 1 >= T:
        break
    i += 1
for ts, s in preds:
    print("pred %s %.17g" % (ts, s))
