#!/usr/bin/env python3
"""features_gen.py: a seeded random-walk bar stream for bench/features.sh.

Hourly BTCUSDT-like bars: the log close is a random walk with steps of
N(0, 0.8%) pulled gently back towards 10000 (so a million bars stay in a
realistic price range), highs and lows spread around open and close,
log-normal volumes; prices with 2 decimals, volumes with 3 (as exchanges print them).
Writes the bars as NDJSON (zstd, through the zstd program) and as CSV with
the same numbers.

usage: features_gen.py SEED ROWS OUT.ndjson.zst OUT.csv
"""
import datetime
import math
import random
import subprocess
import sys


def main():
    seed, rows, nd_path, csv_path = (int(sys.argv[1]), int(sys.argv[2]),
                                     sys.argv[3], sys.argv[4])
    rng = random.Random(seed)
    t0 = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    zst = subprocess.Popen(["zstd", "-q", "-f", "-o", nd_path],
                           stdin=subprocess.PIPE)
    csv = open(csv_path, "w")
    csv.write("ts,symbol,open,high,low,close,volume\n")
    c = 10000.0
    home = math.log(10000.0)
    nd, cs = [], []
    for i in range(rows):
        o = c
        x = math.log(o)
        c = round(math.exp(x - 0.0005 * (x - home) + rng.gauss(0.0, 0.008)),
                  2)
        h = round(max(o, c) * (1 + abs(rng.gauss(0.0, 0.003))), 2)
        lo = round(min(o, c) * (1 - abs(rng.gauss(0.0, 0.003))), 2)
        v = round(math.exp(rng.gauss(7.0, 0.6)), 3)
        ts = (t0 + datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        nd.append('{"ts":"%s","symbol":"BTCUSDT","open":%r,"high":%r,'
                  '"low":%r,"close":%r,"volume":%r}\n' % (ts, o, h, lo, c, v))
        cs.append("%s,BTCUSDT,%r,%r,%r,%r,%r\n" % (ts, o, h, lo, c, v))
        if len(nd) == 65536:
            zst.stdin.write("".join(nd).encode())
            csv.write("".join(cs))
            nd, cs = [], []
    zst.stdin.write("".join(nd).encode())
    csv.write("".join(cs))
    zst.stdin.close()
    csv.close()
    return zst.wait()


if __name__ == "__main__":
    sys.exit(main())
