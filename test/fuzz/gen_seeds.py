#!/usr/bin/python3
"""gen_seeds.py - writes the seed corpus of the fuzz targets (test/fuzz/corpus/).

The corpus is committed; run this again only to change it:
    /usr/bin/python3 test/fuzz/gen_seeds.py
Each state below is written as a text literal (corpus/text), as its binary
form followed by transition records (corpus/binary, layout in
fuzz_binary.c), and its numbers and times as scalar inputs
(corpus/decimal, layout in fuzz_decimal.c).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
I127 = (1 << 127) - 1
U256 = (1 << 256) - 1
T_MIN = -63082281600000000
T_MAX = 9223371331199999999
US_DAY = 86400 * 10**6


def civil(days):
    """days since 2000-01-01 -> (y, m, d), proleptic Gregorian"""
    z = days + 10957 + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def time_text(t):
    days, us = divmod(t, US_DAY)
    y, m, d = civil(days)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, us // 3600000000, us // 60000000 % 60, us // 1000000 % 60)
    if us % 1000000:
        s += ("." + "%06d" % (us % 1000000)).rstrip("0")
    return s + "Z"


def dec(v, scale):
    if scale == 0:
        return str(v)
    ip, fp = divmod(v, 10**scale)
    f = ("%0*d" % (scale, fp)).rstrip("0")
    return str(ip) + ("." + f if f else "")


def literal(st):
    d, voided, rps, bal, sd, snap, last = st
    return ("(decimals=%d,rate_per_second=%s,balance=%s,snapshot_debt=%s,snapshot_time=%s,last_op=%s,voided=%s)"
            % (d, dec(rps, 18), dec(bal, d), dec(sd, 24), time_text(snap), time_text(last),
               "true" if voided else "false"))


def binary(st):
    d, voided, rps, bal, sd, snap, last = st
    return (struct.pack(">hB", d, 1 if voided else 0) + rps.to_bytes(16, "big") + bal.to_bytes(16, "big")
            + sd.to_bytes(32, "big") + struct.pack(">qq", snap, last))


def record(op, amount, shape=0, traw=1000000, inject=0):
    return bytes([op | (inject << 3), shape]) + struct.pack(">Q", traw) + amount.to_bytes(16, "big")


T2026 = 823132800 * 10**6  # 2026-01-31T00:00:00Z
STATES = [
    (6, False, 10**15, 50000 * 10**6, 2592 * 10**18, T2026, T2026),
    (6, False, 10**15, 12500000, 10**24 + 1, T2026, T2026 + 131400250000),
    (0, False, 0, 0, 0, T_MIN, T_MIN),
    (0, False, I127, I127, U256, T_MAX, T_MAX),
    (18, False, I127, I127, 0, 0, -1),
    (6, True, 0, 100000001, 100000001999999999999999999, T2026 + 1, T2026 + 1),
    (18, False, 1, 1, 0, 478483199900000, 478483199900000),
    (9, False, 5 * 10**17, 0, 0, T2026 + 30 * US_DAY, T2026),
    (2, False, 3858024691358024, 10**6, 0, T2026, T2026),
    (12, False, 0, 5 * 10**12, 7 * 10**24, T2026 - US_DAY, T2026),
]

SEQUENCES = [
    [record(0, 10**9), record(1, 10**6, traw=3600 * 10**6), record(2, 10**3), record(3, 0), record(4, 10**15),
     record(5, 2 * 10**15), record(6, 0)],
    [record(3, 0), record(3, 0), record(4, 0), record(6, 0), record(0, 1)],
    [record(5, 7, shape=0x80 | 10), record(1, 1, shape=0xC0, traw=T_MAX), record(2, 1, shape=0x80)],
    [record(0, 1, inject=4), record(1, 1, inject=5), record(2, 1, inject=6), record(5, 1, inject=7)],
    [record(1, I127, shape=0x40, traw=(1 << 63) - 1), record(0, I127), record(0, 1)],
]


def write(sub, name, data):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for i, st in enumerate(STATES):
        write("text", "state%02d" % i, literal(st).encode())
        b = binary(st)
        write("binary", "state%02d" % i, b)
        for j, seq in enumerate(SEQUENCES):
            write("binary", "state%02d_ops%d" % (i, j), b + bytes([1]) + b"".join(seq))
        write("decimal", "time%02d" % i, bytes([2]) + time_text(st[5]).encode())
        write("decimal", "rate%02d" % i, bytes([0 + 4 * 18]) + dec(st[2], 18).encode())
        write("decimal", "amount%02d" % i, bytes([1 + 4 * st[0]]) + dec(st[3], st[0]).encode())
        write("decimal", "debt%02d" % i, bytes([0 + 4 * 24]) + dec(st[4], 24).encode())
        write("decimal", "raw%02d" % i, bytes([3 + 4 * (i % 25)]) + struct.pack(">q", st[5]) + st[4].to_bytes(32, "big"))
    # hand-written odd literals: whitespace, order, case, the errors of sql/type.sql
    odd = [
        " ( voided = false , decimals=06 ,rate_per_second=0.001000,balance=1.50,snapshot_debt=0.0,"
        "snapshot_time=2026-01-31 00:00:00.000001Z,last_op=2026-01-31T00:00:00.5Z ) ",
        "(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,"
        "last_op=2026-01-01T00:00:00Z,voided=false) x",
        "(decimals=19,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,"
        "last_op=2026-01-01T00:00:00Z,voided=false)",
        "(decimals=6,decimals=6)",
        "(decimals=6,",
        "(",
        "",
        "(decimals=6,rate_per_second=-1,balance=NaN,snapshot_debt=1e5,snapshot_time=infinity,"
        "last_op=2026-02-30T00:00:00Z,voided=t)",
        "(decimals=0,rate_per_second=0,balance=0,snapshot_debt=0,snapshot_time=294277-01-01T00:00:00Z,"
        "last_op=0000-12-31T23:59:59Z,voided=false)",
    ]
    for i, s in enumerate(odd):
        write("text", "odd%02d" % i, s.encode())
    for i, s in enumerate(["-0", "-1", "NaN", "Infinity", "-Infinity", "0.000000000000000000001",
                           "170141183460469231731687303715884105728", "1" + "0" * 80, "12.50", "."]):
        write("decimal", "numeric%02d" % i, bytes([1 + 4 * 6]) + s.encode())


if __name__ == "__main__":
    main()
