#!/usr/bin/python3
"""Reference folds for tests/unit/test-cv.c: scikit-learn's TimeSeriesSplit.

Each case prints a line "case N K TEST GAP MAXTRAIN" (TEST 0 means
scikit-learn's default n // (K + 1), MAXTRAIN 0 means unlimited), then one
line per fold "fold I TRAIN_LO TRAIN_HI TEST_LO TEST_HI" with half-open
index ranges (the folds are contiguous; checked below), or "error" when
scikit-learn refuses the parameters.  bp-cv's expanding (MAXTRAIN 0) and
sliding (MAXTRAIN > 0) schemes over N timestamps must give the same folds.
Regenerate: /usr/bin/python3 tss_ref.py > tss-cases.txt
(Debian's python3-sklearn 1.2.1.)
"""
import random

import numpy as np
from sklearn.model_selection import TimeSeriesSplit


def contiguous(idx):
    idx = list(idx)
    assert idx == list(range(idx[0], idx[-1] + 1)), idx
    return idx[0], idx[-1] + 1


cases = [
    (6, 5, 0, 0, 0),      # scikit-learn's docstring example
    (10, 3, 0, 0, 0),
    (10, 3, 2, 0, 0),
    (10, 3, 2, 2, 0),
    (12, 2, 0, 0, 0),
    (12, 2, 0, 3, 0),
    (20, 4, 3, 1, 5),
    (20, 4, 0, 0, 3),
    (7, 6, 0, 0, 0),
    (7, 7, 0, 0, 0),       # error: more folds than samples
    (10, 3, 3, 1, 0),      # error: nothing left to train on
    (10, 3, 3, 0, 0),
    (100, 5, 0, 0, 0),
    (100, 5, 10, 5, 30),
    (101, 4, 0, 2, 0),
]
rng = random.Random(20240601)
for _ in range(40):
    n = rng.randrange(3, 60)
    k = rng.randrange(2, 8)
    test = rng.choice([0, 0, rng.randrange(1, 10)])
    gap = rng.choice([0, 0, rng.randrange(0, 5)])
    maxtrain = rng.choice([0, 0, rng.randrange(1, 20)])
    cases.append((n, k, test, gap, maxtrain))

for n, k, test, gap, maxtrain in cases:
    print("case", n, k, test, gap, maxtrain)
    tss = TimeSeriesSplit(n_splits=k, test_size=test or None, gap=gap,
                          max_train_size=maxtrain or None)
    try:
        folds = list(tss.split(np.zeros(n)))
    except ValueError:
        print("error")
        continue
    for i, (tr, te) in enumerate(folds):
        a, b = contiguous(tr)
        c, d = contiguous(te)
        print("fold", i, a, b, c, d)
