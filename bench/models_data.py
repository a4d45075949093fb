#!/usr/bin/python3
"""bench/models_data.py OUT.ndjson: the synthetic learnable task of the
models benchmark, written once so that barpipe and the Python peers read
the same rows.

scikit-learn's make_classification(500000, 30, n_informative=10,
n_redundant=5, flip_y=0.01, random_state=42) as a feature stream: ts
(hourly from 2000-01-01), symbol SYN, f00..f29, label_up (0/1).
"""
import sys

import numpy as np
from sklearn.datasets import make_classification

n = int(sys.argv[2]) if len(sys.argv) > 2 else 500000
X, y = make_classification(n, 30, n_informative=10, n_redundant=5,
                           flip_y=0.01, random_state=42)
t0 = np.datetime64("2000-01-01T00:00:00")
with open(sys.argv[1], "w") as f:
    names = ["f%02d" % j for j in range(30)]
    for i in range(n):
        ts = str(t0 + np.timedelta64(i, "h")) + "Z"
        cols = ",".join('"%s":%r' % (names[j], float(X[i, j]))
                        for j in range(30))
        f.write('{"ts":"%s","symbol":"SYN",%s,"label_up":%d}\n'
                % (ts, cols, y[i]))
