#!/usr/bin/env python3
"""Reference cases for tests/unit/test-fmt.c.

For each double: its bit pattern in hex and the number of significant
digits of Python's repr(), which is the shortest string that round-trips
(David Gay's algorithm).  barpipe's formatter must round-trip exactly and
use no more significant digits.  Regenerate: fmt_ref.py > fmt-cases.txt
"""
import random
import struct

def sigdigits(r):
    mant = r.lstrip('-').split('e')[0].replace('.', '').lstrip('0')
    if r.lstrip('-').split('e')[0].endswith('.0'):
        mant = mant[:-1]
    mant = mant.rstrip('0') or '0'
    return len(mant)

rng = random.Random(20261121)
vals = [0.1, 0.2, 0.3, 1/3, 2/3, 43210.57, 1e-5, 9.999999999999999e-6, 1e15,
        1e16 - 2, 1e16, 123456789012345678.0, 5e-324, 1.7976931348623157e308,
        2.2250738585072014e-308, 0.30000000000000004, 100.0, 1.5, 16199.91,
        4261.48, 0.00012345, 9007199254740993.0, 72057594037927936.0]
for _ in range(3000):
    kind = rng.randrange(5)
    if kind == 0:      # prices with few decimals
        v = round(rng.uniform(0, 100000), rng.randrange(0, 9))
    elif kind == 1:    # indicator-like full precision values
        v = rng.uniform(-100, 100) / 3.0
    elif kind == 2:    # any magnitude
        v = rng.uniform(1, 10) * 10.0 ** rng.randrange(-30, 30)
    elif kind == 3:    # random bit patterns (finite)
        while True:
            v = struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
            if v == v and abs(v) != float('inf'):
                break
    else:              # returns, probabilities
        v = rng.gauss(0, 0.01)
    vals.append(v)
for v in vals:
    bits = struct.unpack('<Q', struct.pack('<d', v))[0]
    print('%016x %d %s' % (bits, sigdigits(repr(v)), repr(v)))
