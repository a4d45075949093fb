#!/usr/bin/env python3
"""Real bars for the stream benchmarks: the CSV files in ../shared/data
(CryptoDataDownload BTCUSDT and ETHUSDT hourly, HistData EURUSD minutes)
as one plain bar stream on stdout, in the stream's form (RFC 3339 UTC
ts, shortest round-trip numbers: Python's repr is shortest too).

    stream-real.py DATA-DIR > real-bars.ndjson
"""
import csv
import datetime
import json
import os
import sys


def num(s):
    v = float(s)
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


def ts(sec):
    t = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def cdd(path):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))[2:]
    for r in reversed(rows):          # newest first in the file
        sec = float(r[0])
        if sec > 1e11:
            sec /= 1000
        yield {'ts': ts(sec), 'symbol': r[2], 'open': num(r[3]),
               'high': num(r[4]), 'low': num(r[5]), 'close': num(r[6]),
               'volume': num(r[7])}


def histdata(path, symbol):
    with open(path, newline='') as f:
        for r in csv.reader(f, delimiter=';'):
            t = datetime.datetime.strptime(r[0], '%Y%m%d %H%M%S')
            sec = t.replace(tzinfo=datetime.timezone.utc).timestamp()
            sec += 5 * 3600               # EST, UTC-5 all year
            yield {'ts': ts(sec), 'symbol': symbol, 'open': num(r[1]),
                   'high': num(r[2]), 'low': num(r[3]), 'close': num(r[4]),
                   'volume': num(r[5])}


def main():
    d = sys.argv[1]
    out = sys.stdout
    for name in ('Binance_BTCUSDT_1h.csv', 'Binance_ETHUSDT_1h.csv'):
        p = os.path.join(d, name)
        if os.path.exists(p):
            for row in cdd(p):
                out.write(json.dumps(row, separators=(',', ':')) + '\n')
    p = os.path.join(d, 'DAT_ASCII_EURUSD_M1_2018-01_2018-04.csv')
    if os.path.exists(p):
        for row in histdata(p, 'EURUSD'):
            out.write(json.dumps(row, separators=(',', ':')) + '\n')


if __name__ == '__main__':
    main()
