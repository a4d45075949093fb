#!/usr/bin/env python3
"""Reference cases for tests/unit/test-fmt.c.

For each double: its bit pattern in hex, the number of significant
digits of Python's repr(), which is the shortest string that round-trips
(David Gay's algorithm), repr() itself, and the text bp_fmt_double must
print: repr()'s digits in the forms documented in lib/fmt.h (fixed
notation for decimal exponents -5..15, else d.ddde+XX).  barpipe's
formatter must round-trip exactly, use no more significant digits, and
(being shortest-closest like repr) print exactly that text.
Regenerate: fmt_ref.py > fmt-cases.txt
"""
import random
import struct
from decimal import Decimal

def sigdigits(r):
    mant = r.lstrip('-').split('e')[0].replace('.', '').lstrip('0')
    if r.lstrip('-').split('e')[0].endswith('.0'):
        mant = mant[:-1]
    mant = mant.rstrip('0') or '0'
    return len(mant)

def bp_form(v):
    """repr()'s digits in barpipe's documented number forms."""
    if v == 0:
        return '-0' if repr(v).startswith('-') else '0'
    sign = '-' if v < 0 else ''
    _, digs, exp = Decimal(repr(abs(v))).normalize().as_tuple()
    digs = ''.join(map(str, digs))
    n = len(digs)
    e10 = exp + n - 1
    if -5 <= e10 < 16:
        if exp >= 0:
            t = digs + '0' * exp
        elif e10 >= 0:
            t = digs[:e10 + 1] + '.' + digs[e10 + 1:]
        else:
            t = '0.' + '0' * (-e10 - 1) + digs
    else:
        t = digs[0] + ('.' + digs[1:] if n > 1 else '') + 'e' + \
            ('-' if e10 < 0 else '+') + '%02d' % abs(e10)
    return sign + t


def from_bits(u):
    return struct.unpack('<d', struct.pack('<Q', u))[0]


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
# edges: the smallest subnormals, both sides of every binade boundary
# (where the interval below is half as wide), powers of ten and their
# neighbours, integers around 2^53, the ends of fixed notation
vals += [from_bits(u) for u in range(1, 40)]
for be in range(0, 2047, 7):
    for d in (-1, 0, 1):
        u = (be << 52) + d
        if u > 0:
            vals.append(from_bits(u))
for k in range(-325, 309):
    v = float('1e%d' % k)
    vals += [v, -v]
    if 0 < v < 1.7e308:
        u = struct.unpack('<Q', struct.pack('<d', v))[0]
        vals += [from_bits(u - 1), from_bits(u + 1)]
for d in range(-4, 5):
    vals.append(float(2 ** 53 + d))
# exact ties: c 2^-2 with c odd lies half-way between two 17-digit
# decimals, both in the interval; the even one wins
for _ in range(40):
    vals.append((2 ** 52 + 2 * rng.randrange(2 ** 51) + 1) / 4)
vals += [-0.0, 0.0, 1e-5, 0.00001234, 123456789012345.6, 1234567890123456.0,
         2.5e-5, 9.5e-6, 1.5e-7, 1e23, 5e-324, -5e-324]
for v in vals:
    bits = struct.unpack('<Q', struct.pack('<d', v))[0]
    print('%016x %d %s %s' % (bits, sigdigits(repr(v)), repr(v), bp_form(v)))
