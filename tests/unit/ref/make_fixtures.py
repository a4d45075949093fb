#!/usr/bin/env python3
"""make_fixtures.py: cut the bar fixtures of tests/fixtures/features/ from
the shared data (/work/shared/data or $BP_SHARED_DATA).

btc-300.ndjson  BTCUSDT hourly bars 4100..4399 (ascending, repeated
                timestamps dropped), including the 2017-09 outage of
                zero-volume flat bars
eth-300.ndjson  ETHUSDT hourly bars with the same timestamps
spy-100.ndjson  SPY daily bars 0..99
Numbers are copied as written in the CSV files.
"""
import csv
import datetime
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fixtures", "features")


def rfc3339(sec):
    return datetime.datetime.fromtimestamp(
        sec, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def num(s):
    s = s.strip()
    return s[:-2] if s.endswith(".0") else s


def crypto(path, skip, sym):
    rows = {}
    with open(path, newline="") as f:
        r = csv.reader(f)
        for _ in range(skip):
            next(r)
        for x in r:
            t = float(x[0])
            if t > 1e11:
                t /= 1000
            t = int(t)
            if t not in rows:
                rows[t] = (sym, x[3], x[4], x[5], x[6], x[7])
    return [(t,) + rows[t] for t in sorted(rows)]


def line(t, sym, o, h, l, c, v):
    return ('{"ts":"%s","symbol":"%s","open":%s,"high":%s,"low":%s,'
            '"close":%s,"volume":%s}\n' % (rfc3339(t), sym, num(o), num(h),
                                          num(l), num(c), num(v)))


def main():
    data = os.environ.get("BP_SHARED_DATA", "/work/shared/data")
    btc = crypto(os.path.join(data, "Binance_BTCUSDT_1h.csv"), 2,
                 "BTCUSDT")[4100:4400]
    eth = crypto(os.path.join(data, "Binance_ETHUSDT_1h.csv"), 1,
                 "ETHUSDT")
    want = {r[0] for r in btc}
    eth = [r for r in eth if r[0] in want]
    with open(os.path.join(OUT, "btc-300.ndjson"), "w") as f:
        for r in btc:
            f.write(line(*r))
    with open(os.path.join(OUT, "eth-300.ndjson"), "w") as f:
        for r in eth:
            f.write(line(*r))
    with open(os.path.join(data, "SPY.csv"), newline="") as f:
        r = csv.reader(f)
        next(r)
        spy = [x for _, x in zip(range(100), r)]
    with open(os.path.join(OUT, "spy-100.ndjson"), "w") as f:
        for x in spy:
            d = datetime.datetime.strptime(x[0], "%Y-%m-%d").replace(
                tzinfo=datetime.timezone.utc)
            f.write(line(int(d.timestamp()), "SPY", x[1], x[2], x[3], x[4],
                         x[6]))


if __name__ == "__main__":
    main()
