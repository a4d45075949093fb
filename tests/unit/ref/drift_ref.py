#!/usr/bin/python3
"""Reference values for tests/unit/test-drift.c, computed by scipy/numpy.

    /usr/bin/python3 tests/unit/ref/drift_ref.py > tests/unit/ref/drift-cases.txt

Samples are not stored: both this script and the C test draw them from
splitmix64 and map the 53-bit uniforms with +, -, *, / and floor only, so
every platform produces the same doubles.  Each line is one case:

  ks     NAME SEED N1 K1 A1 B1 N2 K2 A2 B2  STAT PVALUE METHOD
  bins   NAME SEED N1 K1 A1 B1 N2 K2 A2 B2 BINS  PSI JS W1 MEAN1 SD1 MEAN2 SD2 NEDGES
  kstwo  N X SF                      scipy.stats.kstwo.sf(X, N)
  smirnov N X SF                     scipy.special.smirnov(N, X)
  chi2sf X DF SF                     scipy.stats.chi2.sf(X, DF)
  chi2   K R1..RK C1..CK  STAT DF P  scipy.stats.chi2_contingency(correction=False)

Sample kinds (A, B parameters): u = uniform A + (B - A) u; g = floor(u A)
(ties on A integer levels); p = u / (1 - u) (heavy right tail);
c = the constant A (draws nothing); t = u1 + u2 - 1 + A (triangular).
"""
import sys

import numpy as np
import scipy
import scipy.special
import scipy.stats
from scipy.spatial.distance import jensenshannon

MASK = (1 << 64) - 1
PSI_EPS = 1e-4


class SplitMix:
    def __init__(self, seed):
        self.s = seed & MASK

    def u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.u64() >> 11) * (1.0 / 9007199254740992.0)


def draw(rng, n, kind, a, b):
    out = []
    for _ in range(n):
        if kind == "u":
            out.append(a + (b - a) * rng.uniform())
        elif kind == "g":
            out.append(float(np.floor(rng.uniform() * a)))
        elif kind == "p":
            u = rng.uniform()
            out.append(u / (1.0 - u))
        elif kind == "c":
            out.append(a)
        elif kind == "t":
            u1 = rng.uniform()
            u2 = rng.uniform()
            out.append(u1 + u2 - 1.0 + a)
        else:
            raise ValueError(kind)
    return np.array(out, dtype=np.float64)


def samples(seed, s1, s2):
    rng = SplitMix(seed)
    x = draw(rng, *s1)
    y = draw(rng, *s2)
    return x, y


def fmt(s):
    return "%d %s %r %r" % (s[0], s[1], float(s[2]), float(s[3]))


KS_CASES = [
    # name, seed, (n1, kind, a, b), (n2, kind, a, b)
    ("tiny-1-1", 1, (1, "u", 0, 1), (1, "u", 0, 1)),
    ("tiny-1-2", 2, (1, "u", 0, 1), (2, "u", 0, 1)),
    ("tiny-2-3", 3, (2, "u", 0, 1), (3, "u", 0, 1)),
    ("tiny-3-3", 4, (3, "u", 0, 1), (3, "u", 0.5, 1.5)),
    ("tiny-5-7", 5, (5, "u", 0, 1), (7, "u", 0, 1)),
    ("ties-20-30", 6, (20, "g", 5, 0), (30, "g", 5, 0)),
    ("ties-100-100", 7, (100, "g", 3, 0), (100, "g", 4, 0)),
    ("ties-shift", 8, (200, "g", 10, 0), (150, "g", 12, 0)),
    ("unequal-100-37", 9, (100, "u", 0, 1), (37, "u", 0.2, 1.2)),
    ("unequal-1000-250", 10, (1000, "t", 0, 0), (250, "t", 0.1, 0)),
    ("equal-500", 11, (500, "p", 0, 0), (500, "p", 0, 0)),
    ("equal-500-shift", 12, (500, "u", 0, 1), (500, "u", 0.15, 1.15)),
    ("exact-10000-9999", 13, (10000, "t", 0, 0), (9999, "t", 0.02, 0)),
    ("exact-10000-10000", 14, (10000, "u", 0, 1), (10000, "u", 0.01, 1.01)),
    ("exact-4000-6000", 15, (4000, "g", 50, 0), (6000, "g", 50, 0)),
    ("asymp-10001-50", 16, (10001, "u", 0, 1), (50, "u", 0, 1)),
    ("asymp-10001-50-shift", 17, (10001, "u", 0, 1), (50, "u", 0.4, 1.4)),
    ("asymp-30000-100", 18, (30000, "t", 0, 0), (100, "t", 0.1, 0)),
    ("asymp-10001-1", 19, (10001, "u", 0, 1), (1, "u", 0, 1)),
    ("asymp-20000-15000", 20, (20000, "u", 0, 1), (15000, "u", 0, 1)),
    ("asymp-20000-15000-shift", 21, (20000, "u", 0, 1),
     (15000, "u", 0.03, 1.03)),
    ("asymp-12000-12000-small", 22, (12000, "t", 0, 0), (12000, "t", 0.01, 0)),
    ("asymp-ties", 23, (15000, "g", 20, 0), (11000, "g", 20, 0)),
    ("asymp-big-shift", 24, (11000, "u", 0, 1), (11000, "u", 0.6, 1.6)),
    ("const-same", 25, (10, "c", 1.5, 0), (20, "c", 1.5, 0)),
    ("const-diff", 26, (10, "c", 1.5, 0), (20, "c", 2.5, 0)),
    ("const-vs-u", 27, (30, "c", 0.5, 0), (40, "u", 0, 1)),
    ("heavy-tail", 28, (800, "p", 0, 0), (300, "p", 0, 0)),
]

BIN_CASES = [
    # name, seed, s1, s2, bins
    ("same-u", 31, (2000, "u", 0, 1), (1500, "u", 0, 1), 10),
    ("shift-u", 32, (2000, "u", 0, 1), (1500, "u", 0.2, 1.2), 10),
    ("disjoint", 33, (500, "u", 0, 1), (300, "u", 5, 6), 10),
    ("ties", 34, (1000, "g", 4, 0), (900, "g", 6, 0), 10),
    ("ties-heavy", 35, (1000, "g", 2, 0), (700, "g", 2, 0), 10),
    ("const-same", 36, (50, "c", 3, 0), (40, "c", 3, 0), 10),
    ("const-diff", 37, (50, "c", 3, 0), (40, "c", 4, 0), 10),
    ("tiny", 38, (3, "u", 0, 1), (2, "u", 0, 1), 10),
    ("one", 39, (1, "u", 0, 1), (1, "u", 0, 1), 10),
    ("heavy", 40, (3000, "p", 0, 0), (2000, "p", 0, 0), 20),
    ("bins-5", 41, (1000, "t", 0, 0), (1000, "t", 0.3, 0), 5),
    ("bins-2", 42, (100, "t", 0, 0), (80, "t", 0.1, 0), 2),
    ("bins-1", 43, (100, "t", 0, 0), (80, "t", 0.1, 0), 1),
]


def psi_ref(x, y, bins):
    """PSI as bp-drift(1) defines it, written independently with numpy."""
    q = np.arange(1, bins) / bins
    edges = np.unique(np.quantile(x, q)) if bins > 1 else np.array([])
    rc = np.bincount(np.searchsorted(edges, x, side="left"),
                     minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, y, side="left"),
                     minlength=len(edges) + 1)
    r = np.maximum(rc / len(x), PSI_EPS)
    c = np.maximum(cc / len(y), PSI_EPS)
    psi = float(np.sum((c - r) * np.log(c / r)))
    js = float(jensenshannon(rc, cc, base=2))
    return psi, js, len(edges)


def main():
    out = sys.stdout
    out.write("# scipy %s numpy %s\n" % (scipy.__version__, np.__version__))
    for name, seed, s1, s2 in KS_CASES:
        x, y = samples(seed, s1, s2)
        r = scipy.stats.ks_2samp(x, y, alternative="two-sided", method="auto")
        method = "exact" if max(len(x), len(y)) <= 10000 else "asymp"
        out.write("ks %s %d %s %s %r %r %s\n" % (
            name, seed, fmt(s1), fmt(s2), float(r.statistic),
            float(r.pvalue), method))
    for name, seed, s1, s2, bins in BIN_CASES:
        x, y = samples(seed, s1, s2)
        psi, js, ne = psi_ref(x, y, bins)
        w1 = scipy.stats.wasserstein_distance(x, y)
        sd1 = float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")
        sd2 = float(np.std(y, ddof=1)) if len(y) > 1 else float("nan")
        out.write("bins %s %d %s %s %d %r %r %r %r %r %r %r %d\n" % (
            name, seed, fmt(s1), fmt(s2), bins, psi, js, float(w1),
            float(np.mean(x)), sd1, float(np.mean(y)), sd2, ne))
    # the one-sample Kolmogorov law, every branch of the algorithm choice
    for n in (1, 2, 5, 10, 50, 140, 141, 500, 1000, 10000, 100000, 100001,
              500000, 2000000):
        xs = set()
        for t in (0.4, 0.7, 1.0):
            xs.add(t / n)
        for v in (0.1, 0.5, 0.75, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0, 20.0,
                  100.0, 400.0):
            x = (v / n) ** 0.5
            if x < 1:
                xs.add(x)
        for x in (0.5, 0.7, 0.99, 1 - 1.5 / n if n > 2 else 0.3):
            if 0 < x < 1:
                xs.add(x)
        for x in sorted(xs):
            out.write("kstwo %d %r %r\n" % (
                n, x, float(scipy.stats.kstwo.sf(x, n))))
    for n in (1, 2, 10, 100, 1000, 5000, 100000, 1000001):
        for x in (0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9):
            out.write("smirnov %d %r %r\n" % (
                n, x, float(scipy.special.smirnov(n, x))))
    for x, df in ((0.5, 1), (3.84, 1), (10, 3), (1e-3, 2), (50, 10),
                  (200, 150), (3, 7), (0, 4), (30, 2)):
        out.write("chi2sf %r %r %r\n" % (
            float(x), float(df), float(scipy.stats.chi2.sf(x, df))))
    for rc, cc in (([10, 20, 30], [12, 18, 40]),
                   ([100, 5], [80, 25]),
                   ([5, 0, 7, 9], [3, 0, 2, 11]),
                   ([1000, 1000, 1000], [1000, 1000, 1000])):
        # chi2_contingency refuses empty categories: drop them as we do
        keep = [i for i in range(len(rc)) if rc[i] + cc[i] > 0]
        stat, p, dof, _ = scipy.stats.chi2_contingency(
            np.array([[rc[i] for i in keep], [cc[i] for i in keep]]),
            correction=False)
        out.write("chi2 %d %s %s %r %r %r\n" % (
            len(rc), " ".join(map(str, rc)), " ".join(map(str, cc)),
            float(stat), float(dof), float(p)))


if __name__ == "__main__":
    main()
