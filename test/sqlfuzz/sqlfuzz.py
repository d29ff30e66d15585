#!/usr/bin/python3
"""sqlfuzz.py - SQL-level fuzzing of every function of the flowstream extension.

Seeded and reproducible (the same --seed and --calls make the same calls).
It calls the pure functions over flowstream.stream (constructor, accessors,
views, transitions, rate, due_time, depletion_time, the comparison operators,
the debt_sums aggregate), the type's text input (casts, stream_in, arrays) and
binary input (COPY ... FROM STDIN (FORMAT binary): stream_recv directly, in an
array and in a record), the managed API (create_stream ... set_metadata,
state_at, verify, void_insolvent, schedule_sweeper), the streams_now view's
INSERT/UPDATE/DELETE, direct writes to the extension's tables, and a user's
table kept by flowstream.stream_trigger() (INSERT, UPDATE of its rate, voided,
time and state columns, state_in_history, verify_history), with random
and boundary arguments: NULLs, empty strings, huge, negative, NaN, infinity,
too many decimals, times out of range, random ids, roles and actors, and a
test clock moved back and forth.

Every error's SQLSTATE is checked:
  * raised by flowstream (the call ran): one of SPEC 5's codes
    SF001-SF012, 22023, 22004, 22003, 22P02, 22P03, 42501, 23514, 0A000, 55000,
    25006 (a subscriber's tables), 40001 (a stale row of the view);
    direct writes to the tables may also meet the tables' own NOT NULL,
    foreign key and unique constraints (23502, 23503, 23505);
  * raised by PostgreSQL before the function runs (an argument literal that
    its own type rejects: found by casting each argument alone): 22P02, 22003,
    22007, 22008, 22009, 22015;
  * one exception, counted apart: a binary field shorter than the type's 83
    bytes gets 08P01 from PostgreSQL's pq_getmsgbytes inside stream_recv,
    exactly as a short int4 field does in int4recv;
  * anything else (XX000 internal error, a statement timeout, 08P01 elsewhere,
    ...) fails, and a lost connection (a crashed backend) fails at once.
After the calls: flowstream.verify() and verify_history() must find nothing, streams_now must keep
balance = covered + refundable, every stream value returned must read back
equal (text, and binary COPY out and in), and every function of the
extension must have been called (pg_stat_user_functions, plus the I/O,
aggregate and trigger paths this script drove).  The same --seed makes the
same calls.
Outputs TAP.  Exit status 0 when every test passed.

    sqlfuzz.py --seed 1 --calls 20000 [--dbname flowstream_sqlfuzz]
The connection comes from the PG* environment variables.
"""
import argparse
import collections
import datetime
import io
import random
import re
import struct
import sys
import time

import psycopg2
import psycopg2.extensions

I127 = (1 << 127) - 1
U256 = (1 << 256) - 1
T_MIN = -63082281600000000
T_MAX = 9223371331199999999
US_DAY = 86400 * 10**6
EPOCH2000 = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)

FLOWSTREAM_CODES = {"SF001", "SF002", "SF003", "SF004", "SF005", "SF006", "SF007", "SF008",
                    "SF009", "SF010", "SF011", "SF012", "SF013", "SF014", "SF015", "SF016", "SF017",
                    "SF018", "22023", "22004", "22003", "22P02", "22P03", "42501", "23514", "0A000",
                    "55000", "25006", "40001"}
TABLE_CONSTRAINT_CODES = {"23502", "23503", "23505"}
PG_LITERAL_CODES = {"22P02", "22003", "22007", "22008", "22009", "22015"}

ROLES = ["sqlfuzz_alice", "sqlfuzz_bob", "sqlfuzz_carol"]
APP_ROLE = "sqlfuzz_app"
ADMIN_ROLE = "sqlfuzz_admin"
TOKENS = {"FZ0": 0, "FZ2": 2, "FZ6": 6, "FZ9": 9, "FZ18": 18}


class ConnectionLost(Exception):
    pass


SEED_ACCOUNTS = [
    "(decimals=6,balance=1000.000000,netflow=-0.01,buffer=36,settled_at=2026-01-01T00:00:00Z,"
    "last_op=2026-01-01T00:00:00Z)",
    "(decimals=0,balance=0,netflow=0,buffer=0,settled_at=0001-01-01T00:00:00Z,last_op=0001-01-01T00:00:00Z)",
    "(decimals=18,balance=-5.000000000000000000000001,netflow=0.000000000000000001,buffer=0,"
    "settled_at=2026-06-01T12:00:00.5Z,last_op=2026-06-01T12:00:00.5Z)",
]


# ---------------------------------------------------------------------------
# text forms, as the extension writes them
# ---------------------------------------------------------------------------

def civil(days):
    z = days + 10957 + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def iso(t, sep="T", zone="Z"):
    """microseconds since 2000 -> 'YYYY-MM-DDTHH:MM:SS[.f]Z' (zone '+00' for PostgreSQL input)"""
    days, us = divmod(t, US_DAY)
    y, m, d = civil(days)
    s = "%04d-%02d-%02d%s%02d:%02d:%02d" % (y, m, d, sep, us // 3600000000, us // 60000000 % 60,
                                            us // 1000000 % 60)
    if us % 1000000:
        s += ("." + "%06d" % (us % 1000000)).rstrip("0")
    return s + zone


def ts(t):
    return iso(t, " ", "+00")


def dec(v, scale):
    if scale == 0:
        return str(v)
    ip, fp = divmod(v, 10**scale)
    f = ("%0*d" % (scale, fp)).rstrip("0")
    return str(ip) + ("." + f if f else "")


def literal(d, rps, bal, sd, st, last, voided):
    return ("(decimals=%d,rate_per_second=%s,balance=%s,snapshot_debt=%s,snapshot_time=%s,last_op=%s,voided=%s)"
            % (d, dec(rps, 18), dec(bal, d), dec(sd, 24), iso(st), iso(last), "true" if voided else "false"))


def binary(d, voided, rps, bal, sd, st, last):
    return (struct.pack(">hB", d, voided) + rps.to_bytes(16, "big") + bal.to_bytes(16, "big")
            + sd.to_bytes(32, "big") + struct.pack(">qq", st, last))


T2026 = 820454400 * 10**6   # 2026-01-01T00:00:00Z

SEED_STREAMS = [
    literal(6, 10**15, 50000 * 10**6, 2592 * 10**18, T2026, T2026, False),
    literal(0, 0, 0, 0, T_MIN, T_MIN, False),
    literal(0, I127, I127, U256, T_MAX, T_MAX, False),
    literal(18, I127, I127, 0, 0, -1, False),
    literal(6, 0, 100000001, 100000001999999999999999999, T2026 + 1, T2026 + 1, True),
    literal(18, 1, 1, 0, T2026 - 100, T2026 - 100, False),
    literal(9, 5 * 10**17, 0, 0, T2026 + 30 * US_DAY, T2026, False),
    literal(2, 3858024691358024, 10**6, 0, T2026, T2026, False),
    literal(12, 0, 5 * 10**12, 7 * 10**24, T2026 - US_DAY, T2026, False),
    literal(6, 10**18, 10**6, 0, T2026, T2026, False),
]


# ---------------------------------------------------------------------------
# the fuzzer
# ---------------------------------------------------------------------------

class Fuzzer:
    def __init__(self, conn, rng, verbose=False):
        self.conn = conn
        self.cur = conn.cursor()
        self.rng = rng
        self.verbose = verbose
        self.calls = 0
        self.hist = collections.Counter()            # (category, sqlstate) -> count
        self.bad = []                                # (statement, sqlstate, message)
        self.called = set()                          # functions and paths exercised
        self.streams = list(SEED_STREAMS)            # pool of valid stream literals
        self.ids = []                                # managed stream ids
        self.flows = []                              # flow ids
        self.accounts = list(SEED_ACCOUNTS)          # pool of account literals
        self.now = T2026                             # the test clock
        self.role = None
        self.roundtrip_bad = []
        self.binary_roundtrips = 0
        self.short_binary_codes = collections.Counter()

    # -- running statements --------------------------------------------------

    def _exec(self, sql, params=None):
        try:
            self.cur.execute(sql, params)
            return None
        except psycopg2.Error as e:
            if self.conn.closed or e.pgcode is None:
                raise ConnectionLost("%s\n  statement: %s\n  params: %r" % (e, sql, params))
            return e

    def raw(self, sql, params=None):
        """a setup statement that must succeed"""
        e = self._exec(sql, params)
        if e is not None:
            raise RuntimeError("setup statement failed: %s: %s" % (sql, e))
        return self.cur.fetchall() if self.cur.description else None

    def call(self, sql, params=(), types=None, marks=(), category="flowstream", allowed=None):
        """Runs one fuzzed statement; params are literals (or None) cast to types."""
        self.calls += 1
        e = self._exec(sql, params)
        if e is None:
            self.hist[("ok", "-")] += 1
            self.called.update(marks)
            return self.cur.fetchall() if self.cur.description else []
        code = e.pgcode
        # was it an argument's own literal, rejected by PostgreSQL before the call?
        if types:
            for p, ty in zip(params, types):
                if p is None or ty is None:
                    continue
                e2 = self._exec("SELECT %%s::%s" % ty, (p,))
                if e2 is not None and e2.pgcode == code:
                    ours = ty == "flowstream.stream"
                    self.hist[("flowstream stream_in" if ours else "postgres-literal " + ty, code)] += 1
                    if code not in (FLOWSTREAM_CODES if ours else PG_LITERAL_CODES):
                        self.bad.append((self.cur.mogrify(sql, params).decode(), code,
                                         e.pgerror.strip().splitlines()[0] + " (argument literal)"))
                    return None
        self.called.update(marks)
        ok = allowed if allowed is not None else FLOWSTREAM_CODES
        self.hist[(category, code)] += 1
        if code not in ok:
            self.bad.append((self.cur.mogrify(sql, params).decode(), code,
                             (e.pgerror or "").strip().splitlines()[0] if e.pgerror else str(e)))
        if self.verbose:
            print("# %s %s" % (code, (e.pgerror or "").splitlines()[0]))
        return None

    # -- random values ---------------------------------------------------------

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p):
        return self.rng.random() < p

    def numeric(self, decimals=None, positive_bias=0.6):
        r = self.rng
        if decimals is not None and self.chance(positive_bias):
            scale = r.randint(0, decimals)
            units = r.choice([1, r.randint(1, 1000), r.randint(1, 10**6), r.randint(1, 10**12)])
            return dec(units, scale) if scale else str(units)
        pool = ["0", "1", "-1", "0.5", "12.50", "1000", "0.000001", "0.000000000000000001",
                "0.0000000000000000001", "0.000000000000000000000001", "1.000000000000000000000001",
                str(I127), str(I127 + 1), dec(I127, 18), dec(I127 + 1, 18), dec(I127, 6), "-0", "-0.0",
                "NaN", "Infinity", "-Infinity", "1e38", "1e39", "9" * 80, "1e-30", "1e131071",
                "1.5e-10", "99999999999999999999.999999999999999999", "0.0000000000000000010",
                "100.000000", " 7 ", "", "abc", "1e", "--1", "+5", "1_000", "1e131072", None,
                "0." + "0" * 1000 + "1", "1" + "0" * 38, "-" + str(I127), str(U256)]
        if self.chance(0.3):
            return "%s%d.%0*d" % (r.choice(["", "", "-"]), r.randint(0, 10**r.randint(0, 40)),
                                  r.randint(1, 30), r.randint(0, 10**9))
        return self.pick(pool)

    def rate(self):
        if self.chance(0.6):
            return dec(self.rng.choice([1, 10**12, 10**15, 3858024691358024, 10**18,
                                        self.rng.randint(1, 10**20)]), 18)
        return self.numeric()

    def time_us(self):
        r = self.rng
        x = r.random()
        if x < 0.5:
            return self.now + r.choice([0, 1, -1, r.randint(0, 10**9), r.randint(0, 10**12),
                                        r.randint(-10**9, 0)])
        if x < 0.8:
            return self.now + r.randint(-10**15, 10**15)
        return r.choice([T_MIN, T_MIN + 1, T_MAX, T_MAX - 1, 0, -1, r.randint(T_MIN, T_MAX)])

    def timestamptz(self):
        if self.chance(0.85):
            return ts(self.time_us())
        return self.pick(["0001-01-01 00:00:00+00", "0001-12-31 23:59:59.999999+00 BC",
                          "4714-11-24 00:00:00+00 BC", "294276-12-31 23:59:59.999999+00",
                          "294276-12-31 23:59:59.999999-01", "infinity", "-infinity", "epoch",
                          "2026-02-30 00:00+00", "", "garbage", "2026-01-01 25:00+00",
                          "2026-01-01 00:00+99", None, "2026-06-01 12:00 Europe/Paris", "J2451545"])

    def decimals(self):
        return self.pick(["0", "2", "6", "9", "12", "18", "-1", "19", "100", "-2147483648",
                          "2147483647", "2147483648", "x", None, "1"])

    def interval(self):
        return self.pick(["1 second", "1 microsecond", "0", "-1 second", "1 day", "1 month", "1 year",
                          "1 mon 1 day 00:00:01", "-1 month 30 days", "2147483647 months",
                          "-2147483648 months", "2147483647 days", "2562047788 hours",
                          "178956970 years", "178956971 years", "infinity", "1 fortnight", "", None,
                          "@ 1 minute ago", "00:00:00.000001", "30 days", "P1Y2M3DT4H5M6S"])

    def stream_id(self):
        if self.ids and self.chance(0.8):
            return str(self.pick(self.ids))
        return self.pick(["0", "-1", "9223372036854775807", "-9223372036854775808",
                          "9223372036854775808", "abc", None, str(len(self.ids) + 1), ""])

    def name(self):
        if self.chance(0.75):
            return self.pick(ROLES + ["postgres"])
        return self.pick(["", "x" * 10000, "o'reilly", "\u00fcn\u00efc\u00f6d\u00e9 \U0001F4B8", "\\",
                          None, "sqlfuzz_nobody", " ", "flowstream_sweeper", "%s%n"])

    def token(self):
        if self.chance(0.85):
            return self.pick(list(TOKENS))
        return self.pick(["", "NOPE", None, "fz0", "x" * 1000])

    def jsonb(self):
        return self.pick(["{}", '{"a": [1, 2, {"b": null}]}', "[]", "null", '"s"', "{bad", None,
                          "[" * 200 + "]" * 200, '{"k": "' + "v" * 5000 + '"}'])

    def boolean(self):
        return self.pick(["true", "false", "t", "maybe", None])

    def stream_value(self):
        """a stream literal: mostly valid ones from the pool, sometimes mangled"""
        if self.chance(0.02):
            return None
        s = self.pick(self.streams)
        if self.chance(0.8):
            return s
        return self.mangle(s)

    def mangle(self, s):
        r = self.rng
        fields = ["decimals", "rate_per_second", "balance", "snapshot_debt", "snapshot_time", "last_op",
                  "voided"]
        values = ["0", "18", "19", "-1", "1.5", "", " ", "NaN", "1e5", str(I127), str(I127 + 1),
                  str(U256), str(U256 + 1), dec(U256, 24), "0.0000000000000000000000001",
                  "2026-01-01T00:00:00Z", "2026-01-01 00:00:00Z", "0001-01-01T00:00:00Z",
                  "0000-12-31T23:59:59Z", "294276-12-31T23:59:59.999999Z", "294277-01-01T00:00:00Z",
                  "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2026-01-01T00:00:00.1234567Z",
                  "true", "false", "TRUE", "1" * 5000, "00000000000000000000000000000001", "infinity"]
        for _ in range(r.randint(1, 3)):
            k = r.randrange(8)
            if k == 0 and s:
                i = r.randrange(len(s))
                s = s[:i] + s[i + 1:]
            elif k == 1:
                i = r.randrange(len(s) + 1)
                s = s[:i] + r.choice("(),= \t\n.-:TZ0123456789abz_\"'\\{}") + s[i:]
            elif k == 2:
                f = r.choice(fields)
                i = s.find(f + "=")
                if i >= 0:
                    j = i + len(f) + 1
                    end = min([x for x in (s.find(",", j), s.find(")", j)) if x >= 0] or [len(s)])
                    s = s[:j] + r.choice(values) + s[end:]
            elif k == 3:
                s = s[:r.randrange(len(s) + 1)]
            elif k == 4:
                s = s.replace(",", " , ", 1) if r.random() < 0.5 else s.upper()
            elif k == 5:
                f = r.choice(fields)
                s = s.replace(")", ",%s=%s)" % (f, r.choice(values)), 1)
            elif k == 6:
                s = "".join(chr(r.randint(32, 126)) for _ in range(r.randint(0, 60)))
            else:
                s = s + s
        return s

    def remember(self, rows):
        """adds stream results (as text) to the pool and checks they read back equal"""
        for row in rows:
            v = row[0]
            if v is None or not v.startswith("(decimals="):
                continue
            e = self._exec("SELECT %s::flowstream.stream::text = %s", (v, v))
            if e is not None or self.cur.fetchall()[0][0] is not True:
                self.roundtrip_bad.append(v)
            if len(self.streams) < 400:
                self.streams.append(v)
            else:
                self.streams[self.rng.randrange(len(self.streams))] = v

    # -- actions ----------------------------------------------------------------

    def a_constructor(self):
        args = (self.rate(), self.decimals(), self.timestamptz(), self.timestamptz())
        if self.chance(0.5):
            args = (self.rate(), self.pick(["0", "6", "18"]), ts(self.now + self.rng.randint(-10**9, 10**12)),
                    ts(self.now))
        rows = self.call("SELECT flowstream.stream(%s::numeric, %s::int, %s::timestamptz, %s::timestamptz)::text",
                         args, ("numeric", "int", "timestamptz", "timestamptz"),
                         ["flowstream.stream(numeric,integer,timestamp with time zone,timestamp with time zone)"])
        if rows:
            self.remember(rows)

    ACCESSORS = ["rate_per_second", "balance", "snapshot_debt", "snapshot_time", "last_op", "decimals",
                 "is_voided", "depletion_time"]
    VIEWS = ["total_debt", "covered_debt", "withdrawable", "uncovered_debt", "refundable", "ongoing_debt",
             "status"]

    def a_accessor(self):
        f = self.pick(self.ACCESSORS)
        self.call("SELECT flowstream.%s(%%s::flowstream.stream)::text" % f, (self.stream_value(),),
                  ("flowstream.stream",), ["flowstream.%s(flowstream.stream)" % f])

    def a_view(self):
        f = self.pick(self.VIEWS)
        if self.chance(0.3):
            self.call("SELECT flowstream.%s(%%s::flowstream.stream)::text" % f, (self.stream_value(),),
                      ("flowstream.stream",), ["flowstream.%s(flowstream.stream)" % f])
        else:
            self.call("SELECT flowstream.%s(%%s::flowstream.stream, %%s::timestamptz)::text" % f,
                      (self.stream_value(), self.timestamptz()), ("flowstream.stream", "timestamptz"),
                      ["flowstream.%s(flowstream.stream,timestamp with time zone)" % f])

    def a_transition(self):
        op = self.pick(["deposit", "withdraw", "refund", "pause", "restart", "adjust_rate", "void"])
        s = self.stream_value()
        t = self.timestamptz()
        if op in ("pause", "void"):
            rows = self.call("SELECT flowstream.%s(%%s::flowstream.stream, %%s::timestamptz)::text" % op,
                             (s, t), ("flowstream.stream", "timestamptz"),
                             ["flowstream.%s(flowstream.stream,timestamp with time zone)" % op])
        else:
            a = self.rate() if op in ("restart", "adjust_rate") else self.numeric(decimals=18)
            rows = self.call("SELECT flowstream.%s(%%s::flowstream.stream, %%s::numeric, %%s::timestamptz)::text"
                             % op, (s, a, t), ("flowstream.stream", "numeric", "timestamptz"),
                             ["flowstream.%s(flowstream.stream,numeric,timestamp with time zone)" % op])
        if rows:
            self.remember(rows)

    def a_rate(self):
        self.call("SELECT flowstream.rate(%s::numeric, %s::interval)::text", (self.numeric(18), self.interval()),
                  ("numeric", "interval"), ["flowstream.rate(numeric,interval)"])

    def a_due_time(self):
        self.call("SELECT flowstream.due_time(%s::flowstream.stream, %s::interval)::text",
                  (self.stream_value(), self.interval()), ("flowstream.stream", "interval"),
                  ["flowstream.due_time(flowstream.stream,interval)"])

    def a_text_input(self):
        k = self.rng.randrange(4)
        s = self.mangle(self.pick(self.streams)) if self.chance(0.7) else self.pick(self.streams)
        if k == 0:
            rows = self.call("SELECT %s::flowstream.stream::text", (s,), None, ["stream_in", "stream_out"])
        elif k == 1:
            rows = self.call("SELECT flowstream.stream_out(flowstream.stream_in(%s::cstring))::text", (s,), None,
                             ["flowstream.stream_in(cstring)", "flowstream.stream_out(flowstream.stream)"])
        elif k == 2:
            arr = "{" + ",".join('"%s"' % x.replace("\\", "\\\\").replace('"', '\\"')
                                 for x in [s, self.pick(self.streams)]) + "}"
            rows = self.call("SELECT (%s::flowstream.stream[])[1]::text", (arr,), None, ["stream_in"])
        else:
            rows = self.call("SELECT (ROW(%s::flowstream.stream, 1))::text", (s,), None, ["stream_in"])
            rows = None
        if rows:
            self.remember(rows)

    def a_compare(self):
        a, b = self.stream_value(), self.stream_value()
        op = self.pick(["=", "<>", "<", "<=", ">", ">="])
        self.call("SELECT %%s::flowstream.stream OPERATOR(flowstream.%s) %%s::flowstream.stream" % op, (a, b),
                  ("flowstream.stream", "flowstream.stream"),
                  ["flowstream.stream_%s(flowstream.stream,flowstream.stream)" %
                   {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op]])
        vals = [self.pick(self.streams) for _ in range(self.rng.randint(0, 6))]
        if vals:
            self.call("SELECT count(DISTINCT v), min(v::text) FROM unnest(%s::flowstream.stream[]) v",
                      ("{" + ",".join('"%s"' % v for v in vals) + "}",), None,
                      ["flowstream.stream_cmp(flowstream.stream,flowstream.stream)"])
            if self.chance(0.5):
                self.call("SELECT flowstream.debt_sums(v, %s::timestamptz)::text FROM unnest(%s::flowstream.stream[]) v",
                          (self.timestamptz(), "{" + ",".join('"%s"' % v for v in vals) + "}"),
                          ("timestamptz", None),
                          ["flowstream.debt_sums(flowstream.stream,timestamp with time zone)",
                           "flowstream.debt_sums_step(internal,flowstream.stream,timestamp with time zone)",
                           "flowstream.debt_sums_final(internal)"])
            else:
                self.call("SELECT flowstream.debt_sums(v)::text FROM unnest(%s::flowstream.stream[]) v",
                          ("{" + ",".join('"%s"' % v for v in vals) + "}",), None,
                          ["flowstream.debt_sums(flowstream.stream)",
                           "flowstream.debt_sums_step(internal,flowstream.stream)",
                           "flowstream.debt_sums_final(internal)"])

    def a_send(self):
        self.call("SELECT encode(flowstream.stream_send(%s::flowstream.stream), 'hex')", (self.stream_value(),),
                  ("flowstream.stream",), ["flowstream.stream_send(flowstream.stream)"])

    def a_internal_probe(self):
        """functions over internal cannot be called from SQL at all"""
        sql = self.pick(["SELECT flowstream.debt_sums_final(NULL::internal)",
                         "SELECT flowstream.stream_recv(NULL::internal)",
                         "SELECT flowstream.debt_sums_step(NULL, NULL::flowstream.stream)"])
        self.call(sql, (), None, [], category="parser (internal argument)", allowed={"42846", "42883"})

    # -- binary input through COPY ------------------------------------------------

    def random_binary(self):
        r = self.rng
        x = r.random()
        if x < 0.4:
            d = r.randint(0, 18)
            rps = r.choice([0, 1, 10**15, I127, r.randint(0, I127)])
            bal = r.choice([0, 1, 10**6, I127, r.randint(0, I127)])
            sd = r.choice([0, 1, 10**24, U256, r.randint(0, U256)])
            st = r.choice([min(self.now, T_MAX), T_MIN, T_MAX, 0, r.randint(T_MIN, T_MAX)])
            last = r.choice([st, st + 1, st - 1, self.now]) if T_MIN <= st - 1 and st + 1 <= T_MAX else st
            voided = r.choice([0, 0, 1])
            b = binary(d, voided, 0 if voided and r.random() < 0.7 else rps, bal, sd if not voided else 0, st, last)
        elif x < 0.7:
            b = bytearray(binary(6, 0, 10**15, 10**6, 0, min(self.now, T_MAX), min(self.now, T_MAX)))
            for _ in range(r.randint(1, 4)):
                b[r.randrange(len(b))] = r.randrange(256)
            b = bytes(b)
        else:
            b = bytes(r.randrange(256) for _ in range(83))
        if r.random() < 0.15:
            b = b[:r.randrange(83)] if r.random() < 0.6 else b + bytes(r.randrange(256) for _ in range(r.randint(1, 9)))
        return b

    def copy_in(self, table, tuples):
        """COPY table FROM STDIN (FORMAT binary); tuples are lists of field bytes (None = NULL)"""
        buf = bytearray(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for fields in tuples:
            buf += struct.pack(">h", len(fields))
            for f in fields:
                buf += struct.pack(">i", -1) if f is None else struct.pack(">i", len(f)) + f
        buf += struct.pack(">h", -1)
        self.calls += 1
        try:
            self.cur.copy_expert("COPY %s FROM STDIN WITH (FORMAT binary)" % table, io.BytesIO(bytes(buf)))
            self.hist[("ok", "-")] += 1
            return None
        except psycopg2.Error as e:
            if self.conn.closed or e.pgcode is None:
                raise ConnectionLost("%s\n  COPY %s with %r" % (e, table, tuples))
            return e

    def a_copy_binary(self):
        k = self.rng.randrange(3)
        b = self.random_binary()
        shortest = len(b)
        if k == 0:
            e = self.copy_in("sqlfuzz_bin (s)", [[b]])
        elif k == 1:
            # a one-dimensional array of flowstream.stream: array_recv calls stream_recv per element
            oid = self.stream_oid
            arr = struct.pack(">iiIii", 1, 0, oid, 2, 1) + struct.pack(">i", len(b)) + b
            b2 = self.random_binary()
            arr += struct.pack(">i", len(b2)) + b2
            shortest = min(shortest, len(b2))
            e = self.copy_in("sqlfuzz_bin (a)", [[arr]])
        else:
            rec = struct.pack(">i", 2) + struct.pack(">Ii", self.stream_oid, len(b)) + b + \
                struct.pack(">Iii", 23, 4, 7)
            e = self.copy_in("sqlfuzz_bin (r)", [[rec]])
        self.called.add("flowstream.stream_recv(internal)")
        if e is None:
            return
        code = e.pgcode
        if shortest < 83 and code == "08P01":
            # pq_getmsgbytes: PostgreSQL's message-buffer check, as for int4recv
            self.short_binary_codes[code] += 1
            self.hist[("postgres-binary (short field)", code)] += 1
            return
        self.hist[("flowstream-binary", code)] += 1
        if code not in FLOWSTREAM_CODES:
            self.bad.append(("COPY ... FROM binary %s (%d bytes)" % (b.hex(), len(b)), code,
                             e.pgerror.strip().splitlines()[0]))

    def a_binary_roundtrip(self):
        """COPY TO binary, then COPY FROM those bytes: the same values"""
        vals = [self.pick(self.streams) for _ in range(3)]
        self.raw("TRUNCATE sqlfuzz_rt")
        for v in vals:
            self.raw("INSERT INTO sqlfuzz_rt VALUES (%s::flowstream.stream)", (v,))
        out = io.BytesIO()
        self.cur.copy_expert("COPY sqlfuzz_rt TO STDOUT WITH (FORMAT binary)", out)
        self.raw("TRUNCATE sqlfuzz_rt2")
        e = None
        try:
            self.cur.copy_expert("COPY sqlfuzz_rt2 FROM STDIN WITH (FORMAT binary)", io.BytesIO(out.getvalue()))
        except psycopg2.Error as ex:
            if self.conn.closed or ex.pgcode is None:
                raise ConnectionLost(str(ex))
            e = ex
        self.calls += 2
        self.binary_roundtrips += 1
        same = self.raw("SELECT (SELECT array_agg(s::text ORDER BY s) FROM sqlfuzz_rt) IS NOT DISTINCT FROM "
                        "(SELECT array_agg(s::text ORDER BY s) FROM sqlfuzz_rt2)")[0][0]
        if e is not None or not same:
            self.roundtrip_bad.append("binary round trip of %r: %s" % (vals, e))
        self.called.update(["flowstream.stream_send(flowstream.stream)", "flowstream.stream_recv(internal)"])

    # -- the managed layer ----------------------------------------------------------

    def set_role(self, role):
        if role == self.role:
            return
        if self.role == APP_ROLE and self.chance(0.9):
            self.raw("RESET flowstream.actor")
        self.raw("RESET ROLE" if role is None else "SET ROLE %s" % role)
        self.role = role

    def a_role(self):
        x = self.rng.random()
        if x < 0.4:
            self.set_role(None)
        elif x < 0.85:
            self.set_role(self.pick(ROLES))
        elif x < 0.95:
            self.set_role(APP_ROLE)
            self.call("SELECT set_config('flowstream.actor', %s, false)", (self.name() or "",), None, [])
        else:
            self.set_role(ADMIN_ROLE)

    def a_clock(self):
        if self.role is not None and self.chance(0.8):
            self.set_role(None)
        x = self.rng.random()
        if x < 0.75:
            v = ts(self.now + self.rng.choice([1, 10**6, 3600 * 10**6, US_DAY, 30 * US_DAY,
                                               self.rng.randint(1, 10**11)]))
        elif x < 0.85:
            v = ts(self.now - self.rng.randint(1, US_DAY))
        else:
            v = self.pick(["", "infinity", "-infinity", "garbage", "0001-01-01 00:00:00+00",
                           "294276-12-31 23:59:59.999999+00", "4714-11-24 00:00:00+00 BC",
                           "2026-02-30 00:00+00", "epoch"])
        rows = self.call("SELECT set_config('flowstream.clock', %s, false)", (v,), None, [],
                         category="flowstream.clock")
        if rows is not None and v != "":
            got = self.raw("SELECT extract(epoch FROM flowstream.now() - '2000-01-01+00')::numeric * 1000000")
            self.now = int(got[0][0])
        elif rows is not None:
            self.raw("SELECT set_config('flowstream.clock', %s, false)", (ts(self.now),))
        self.call("SELECT flowstream.now()::text", (), None, ["flowstream.now()"])

    def api_args(self):
        return self.stream_id(), self.numeric(decimals=self.pick([0, 2, 6, 9, 18]))

    def a_api(self):
        r = self.rng
        f = self.pick(["create_stream", "create_stream", "create_stream", "deposit", "deposit", "withdraw",
                       "withdraw", "withdraw_max", "refund", "refund_max", "pause", "restart", "adjust_rate",
                       "void", "transfer", "set_void_after", "set_default_void_after", "set_metadata",
                       "state_at", "sees_all_streams"])
        if f == "create_stream":
            who = self.role if self.role in ROLES else "postgres" if self.role is None else self.pick(ROLES)
            sender = who if self.chance(0.8) else self.name()
            recipient = self.pick([x for x in ROLES if x != sender] or ROLES) if self.chance(0.8) else self.name()
            token = self.token()
            rate = self.rate() if self.chance(0.8) else self.pick(["0", self.numeric()])
            if self.chance(0.6):
                rows = self.call("SELECT flowstream.create_stream(%s::text, %s::text, %s::text, %s::numeric)",
                                 (sender, recipient, token, rate), ("text", "text", "text", "numeric"),
                                 ["flowstream.create_stream(text,text,text,numeric,timestamp with time zone,"
                                  "numeric,boolean,jsonb)"])
            else:
                start = ts(self.now + r.randint(-10**12, 10**12)) if self.chance(0.7) else self.timestamptz()
                dep = self.numeric(decimals=TOKENS.get(token, 6))
                rows = self.call("SELECT flowstream.create_stream(%s::text, %s::text, %s::text, %s::numeric, "
                                 "%s::timestamptz, %s::numeric, %s::boolean, %s::jsonb)",
                                 (sender, recipient, token, rate, start, dep, self.boolean(), self.jsonb()),
                                 ("text", "text", "text", "numeric", "timestamptz", "numeric", "boolean", "jsonb"),
                                 ["flowstream.create_stream(text,text,text,numeric,timestamp with time zone,"
                                  "numeric,boolean,jsonb)"])
            if rows and rows[0][0] is not None:
                self.ids.append(rows[0][0])
            return
        sid, amount = self.api_args()
        sigs = {
            "deposit": ("SELECT flowstream.deposit(%s::bigint, %s::numeric)", (sid, amount),
                        ("bigint", "numeric"), "flowstream.deposit(bigint,numeric)"),
            "withdraw": ("SELECT flowstream.withdraw(%s::bigint, %s::numeric, %s::text)::text",
                         (sid, amount, self.name() if self.chance(0.3) else None), ("bigint", "numeric", "text"),
                         "flowstream.withdraw(bigint,numeric,text)"),
            "withdraw_max": ("SELECT flowstream.withdraw_max(%s::bigint, %s::text)::text",
                             (sid, self.name() if self.chance(0.3) else None), ("bigint", "text"),
                             "flowstream.withdraw_max(bigint,text)"),
            "refund": ("SELECT flowstream.refund(%s::bigint, %s::numeric)", (sid, amount), ("bigint", "numeric"),
                       "flowstream.refund(bigint,numeric)"),
            "refund_max": ("SELECT flowstream.refund_max(%s::bigint)::text", (sid,), ("bigint",),
                           "flowstream.refund_max(bigint)"),
            "pause": ("SELECT flowstream.pause(%s::bigint)", (sid,), ("bigint",), "flowstream.pause(bigint)"),
            "restart": ("SELECT flowstream.restart(%s::bigint, %s::numeric)", (sid, self.rate()),
                        ("bigint", "numeric"), "flowstream.restart(bigint,numeric)"),
            "adjust_rate": ("SELECT flowstream.adjust_rate(%s::bigint, %s::numeric)", (sid, self.rate()),
                            ("bigint", "numeric"), "flowstream.adjust_rate(bigint,numeric)"),
            "void": ("SELECT flowstream.void(%s::bigint)::text", (sid,), ("bigint",), "flowstream.void(bigint)"),
            "transfer": ("SELECT flowstream.transfer(%s::bigint, %s::text)", (sid, self.name()),
                         ("bigint", "text"), "flowstream.transfer(bigint,text)"),
            "set_void_after": ("SELECT flowstream.set_void_after(%s::bigint, %s::interval)", (sid, self.interval()),
                               ("bigint", "interval"), "flowstream.set_void_after(bigint,interval)"),
            "set_default_void_after": ("SELECT flowstream.set_default_void_after(%s::interval)", (self.interval(),),
                                       ("interval",), "flowstream.set_default_void_after(interval)"),
            "set_metadata": ("SELECT flowstream.set_metadata(%s::bigint, %s::jsonb)", (sid, self.jsonb()),
                             ("bigint", "jsonb"), "flowstream.set_metadata(bigint,jsonb)"),
            "state_at": ("SELECT flowstream.state_at(%s::bigint, %s::timestamptz)::text", (sid, self.timestamptz()),
                         ("bigint", "timestamptz"), "flowstream.state_at(bigint,timestamp with time zone)"),
            "sees_all_streams": ("SELECT flowstream.sees_all_streams()", (), (), "flowstream.sees_all_streams()"),
        }
        sql, params, types, sig = sigs[f]
        rows = self.call(sql, params, types, [sig])
        if f == "state_at" and rows:
            self.remember(rows)

    def a_admin(self):
        f = self.pick(["verify", "void_insolvent", "schedule_sweeper", "unschedule_sweeper"])
        if f == "verify":
            self.call("SELECT count(*) FROM flowstream.verify()", (), None, ["flowstream.verify()"])
        elif f == "void_insolvent":
            n = self.pick(["1", "1000", "0", "-1", "2147483647", None, "2147483648"])
            self.call("SELECT flowstream.void_insolvent(%s::int)", (n,), ("int",), ["flowstream.void_insolvent(integer)"])
        elif f == "schedule_sweeper":
            self.call("SELECT flowstream.schedule_sweeper(%s::text)",
                      (self.pick(["* * * * *", "", "nonsense", None, "*/5 * * * *"]),), ("text",),
                      ["flowstream.schedule_sweeper(text)"])
        else:
            self.call("SELECT flowstream.unschedule_sweeper()", (), None, ["flowstream.unschedule_sweeper()"])

    def a_view_write(self):
        r = self.rng
        k = r.randrange(4)
        if k == 0:
            who = self.role if self.role in ROLES else "postgres"
            self.call("INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second, snapshot_time, "
                      "balance, transferable, void_after, metadata) VALUES (%s::text, %s::text, %s::text, %s::numeric, "
                      "%s::timestamptz, %s::numeric, %s::boolean, %s::interval, %s::jsonb) RETURNING id",
                      (who if self.chance(0.8) else self.name(), self.pick(ROLES), self.token(),
                       self.rate() if self.chance(0.8) else None,
                       None if self.chance(0.5) else ts(self.now + r.randint(-10**10, 10**10)),
                       None if self.chance(0.5) else self.numeric(decimals=6), self.boolean(),
                       None if self.chance(0.6) else self.interval(), None if self.chance(0.5) else self.jsonb()),
                      ("text", "text", "text", "numeric", "timestamptz", "numeric", "boolean", "interval", "jsonb"),
                      ["flowstream.streams_now_write()"])
        elif k == 1:
            col, val, ty = self.pick([("rate_per_second", self.rate(), "numeric"), ("rate_per_second", "0", "numeric"),
                                      ("recipient", self.name(), "text"), ("voided", self.boolean(), "boolean"),
                                      ("void_after", self.interval(), "interval"), ("metadata", self.jsonb(), "jsonb"),
                                      ("balance", self.numeric(), "numeric"), ("status", "voided", "text"),
                                      ("sender", self.name(), "text"), ("id", self.stream_id(), "bigint")])
            self.call("UPDATE flowstream.streams_now SET %s = %%s::%s WHERE id = %%s::bigint" % (col, ty),
                      (val, self.stream_id()), (ty, "bigint"), ["flowstream.streams_now_write()"])
        elif k == 2:
            self.call("DELETE FROM flowstream.streams_now WHERE id = %s::bigint", (self.stream_id(),), ("bigint",),
                      ["flowstream.streams_now_write()"])
        else:
            self.call("SELECT count(*), sum(balance), min(status) FROM flowstream.streams_now", (), None, [])

    def a_table_write(self):
        """direct writes to the extension's tables: only legal operations may pass"""
        if self.role is not None and self.chance(0.7):
            self.set_role(None)
        sid = self.stream_id()
        allowed = FLOWSTREAM_CODES | TABLE_CONSTRAINT_CODES
        k = self.rng.randrange(9)
        if k == 0:
            self.call("UPDATE flowstream.streams SET state = %s::flowstream.stream WHERE id = %s::bigint",
                      (self.stream_value(), sid), ("flowstream.stream", "bigint"), ["flowstream.streams_guard()"],
                      category="flowstream-table", allowed=allowed)
        elif k == 1:
            op = self.pick(["deposit(state, %s::numeric, flowstream.now())", "pause(state, flowstream.now())",
                            "void(state, flowstream.now())", "withdraw(state, %s::numeric, flowstream.now())",
                            "adjust_rate(state, %s::numeric, flowstream.now())"])
            params = ((self.numeric(decimals=6),) if "%s" in op else ()) + (sid,)
            self.call("UPDATE flowstream.streams SET state = flowstream.%s WHERE id = %%s::bigint" % op, params,
                      (("numeric",) if "%s" in op else ()) + ("bigint",), ["flowstream.streams_guard()"],
                      category="flowstream-table", allowed=allowed)
        elif k == 2:
            col, val, ty = self.pick([("sender", self.name(), "text"), ("recipient", self.name(), "text"),
                                      ("token", self.token(), "text"), ("transferable", self.boolean(), "boolean"),
                                      ("void_after", self.interval(), "interval"), ("last_event", "1", "bigint"),
                                      ("created_at", self.timestamptz(), "timestamptz"), ("id", "424242", "bigint")])
            self.call("UPDATE flowstream.streams SET %s = %%s::%s WHERE id = %%s::bigint" % (col, ty), (val, sid),
                      (ty, "bigint"), ["flowstream.streams_guard()"], category="flowstream-table", allowed=allowed)
        elif k == 3:
            self.call("DELETE FROM flowstream.streams WHERE id = %s::bigint", (sid,), ("bigint",),
                      ["flowstream.streams_guard()"], category="flowstream-table", allowed=allowed)
        elif k == 4:
            self.call("INSERT INTO flowstream.events (stream_id, op, actor, amount, at, state) VALUES "
                      "(%s::bigint, %s::flowstream.op, %s::text, %s::numeric, %s::timestamptz, %s::flowstream.stream)",
                      (sid, self.pick(["create", "deposit", "withdraw", "void", "bogus"]), self.name() or "x",
                       self.numeric(), self.timestamptz(), self.stream_value()),
                      ("bigint", "flowstream.op", "text", "numeric", "timestamptz", "flowstream.stream"),
                      ["flowstream.events_guard()"], category="flowstream-table", allowed=allowed)
        elif k == 5:
            self.call(self.pick(["UPDATE flowstream.events SET amount = amount WHERE stream_id = %s::bigint",
                                 "DELETE FROM flowstream.events WHERE stream_id = %s::bigint"]), (sid,), ("bigint",),
                      ["flowstream.events_guard()"], category="flowstream-table", allowed=allowed)
        elif k == 6:
            self.call("TRUNCATE %s" % self.pick(["flowstream.streams, flowstream.events CASCADE",
                                                   "flowstream.events CASCADE", "flowstream.settings_history"]),
                      (), None, ["flowstream.refuse_truncate()", "flowstream.append_only()"],
                      category="flowstream-table", allowed=allowed)
        elif k == 7:
            self.call(self.pick(["UPDATE flowstream.settings_history SET actor = 'x'",
                                 "DELETE FROM flowstream.settings_history"]), (), None,
                      ["flowstream.append_only()"], category="flowstream-table", allowed=allowed)
        else:
            tok = self.pick(["FZX%d" % self.rng.randrange(5), "", None] + list(TOKENS))
            if self.chance(0.5):
                self.call("INSERT INTO flowstream.tokens VALUES (%s::text, %s::smallint)", (tok, self.decimals()),
                          ("text", "smallint"), ["flowstream.tokens_guard()"], category="flowstream-table",
                          allowed=allowed)
            else:
                self.call("UPDATE flowstream.tokens SET decimals = %s::smallint WHERE token = %s::text",
                          (self.decimals(), tok), ("smallint", "text"), ["flowstream.tokens_guard()"],
                          category="flowstream-table", allowed=allowed)

    # -- accounts and flows (SPEC 6) -----------------------------------------------

    def party(self):
        if self.role in ROLES and self.chance(0.5):
            return self.role
        return self.pick(ROLES) if self.chance(0.85) else self.name()

    def flow_id(self):
        if self.flows and self.chance(0.8):
            return str(self.pick(self.flows))
        return self.pick(["0", "-1", "9223372036854775807", None, "x", str(len(self.flows) + 1)])

    def account_value(self):
        if self.chance(0.02):
            return None
        a = self.pick(self.accounts)
        return a if self.chance(0.8) else self.mangle(a)

    def remember_accounts(self):
        rows = self.raw("SELECT state::text FROM flowstream.accounts ORDER BY random() LIMIT 5")
        for (v,) in rows:
            if len(self.accounts) < 100:
                self.accounts.append(v)

    def a_accounts(self):
        """the API of accounts and flows, and its views"""
        f = self.pick(["account_deposit", "account_deposit", "account_withdraw", "account_transfer",
                       "open_flow", "open_flow", "update_flow", "close_flow", "deposit_from_account",
                       "withdraw_to_account", "withdraw_max_to_account", "reads", "flows_now"])
        tok = self.token()
        amount = self.numeric(decimals=TOKENS.get(tok, 6))
        if f == "account_deposit":
            self.call("SELECT flowstream.account_deposit(%s::text, %s::text, %s::numeric)",
                      (self.party(), tok, amount), ("text", "text", "numeric"),
                      ["flowstream.account_deposit(text,text,numeric)"])
        elif f == "account_withdraw":
            self.call("SELECT flowstream.account_withdraw(%s::text, %s::text, %s::numeric, %s::text)::text",
                      (self.party(), tok, amount, self.name() if self.chance(0.3) else None),
                      ("text", "text", "numeric", "text"), ["flowstream.account_withdraw(text,text,numeric,text)"])
        elif f == "account_transfer":
            self.call("SELECT flowstream.account_transfer(%s::text, %s::text, %s::text, %s::numeric)",
                      (self.party(), self.party(), tok, amount), ("text", "text", "text", "numeric"),
                      ["flowstream.account_transfer(text,text,text,numeric)"])
        elif f == "open_flow":
            rows = self.call("SELECT flowstream.open_flow(%s::text, %s::text, %s::text, %s::numeric)",
                             (self.party(), self.party(), tok, self.rate()), ("text", "text", "text", "numeric"),
                             ["flowstream.open_flow(text,text,text,numeric)"])
            if rows and rows[0][0] is not None:
                self.flows.append(rows[0][0])
        elif f == "update_flow":
            self.call("SELECT flowstream.update_flow(%s::bigint, %s::numeric)", (self.flow_id(), self.rate()),
                      ("bigint", "numeric"), ["flowstream.update_flow(bigint,numeric)"])
        elif f == "close_flow":
            self.call("SELECT flowstream.close_flow(%s::bigint)", (self.flow_id(),), ("bigint",),
                      ["flowstream.close_flow(bigint)"])
        elif f == "deposit_from_account":
            self.call("SELECT flowstream.deposit_from_account(%s::bigint, %s::numeric)",
                      (self.stream_id(), self.numeric(decimals=6)), ("bigint", "numeric"),
                      ["flowstream.deposit_from_account(bigint,numeric)"])
        elif f == "withdraw_to_account":
            self.call("SELECT flowstream.withdraw_to_account(%s::bigint, %s::numeric)::text",
                      (self.stream_id(), self.numeric(decimals=6)), ("bigint", "numeric"),
                      ["flowstream.withdraw_to_account(bigint,numeric)"])
        elif f == "withdraw_max_to_account":
            self.call("SELECT flowstream.withdraw_max_to_account(%s::bigint)::text", (self.stream_id(),),
                      ("bigint",), ["flowstream.withdraw_max_to_account(bigint)"])
        elif f == "reads":
            who, at = self.party(), self.timestamptz()
            g = self.pick([
                ("SELECT flowstream.account_balance(%s::text, %s::text)::text", (who, tok), ("text", "text"),
                 "flowstream.account_balance(text,text)"),
                ("SELECT flowstream.account_balance(%s::text, %s::text, %s::timestamptz)::text", (who, tok, at),
                 ("text", "text", "timestamptz"), "flowstream.account_balance(text,text,timestamp with time zone)"),
                ("SELECT flowstream.account_available(%s::text, %s::text)::text", (who, tok), ("text", "text"),
                 "flowstream.account_available(text,text)"),
                ("SELECT flowstream.account_available(%s::text, %s::text, %s::timestamptz)::text", (who, tok, at),
                 ("text", "text", "timestamptz"),
                 "flowstream.account_available(text,text,timestamp with time zone)"),
                ("SELECT flowstream.account_buffer(%s::text, %s::text)::text", (who, tok), ("text", "text"),
                 "flowstream.account_buffer(text,text)"),
                ("SELECT flowstream.account_critical_time(%s::text, %s::text)::text", (who, tok), ("text", "text"),
                 "flowstream.account_critical_time(text,text)"),
                ("SELECT flowstream.account_insolvency_time(%s::text, %s::text)::text", (who, tok),
                 ("text", "text"), "flowstream.account_insolvency_time(text,text)"),
                ("SELECT flowstream.account_state_at(%s::text, %s::text, %s::timestamptz)::text", (who, tok, at),
                 ("text", "text", "timestamptz"),
                 "flowstream.account_state_at(text,text,timestamp with time zone)"),
                ("SELECT flowstream.netflow(%s::text, %s::text)::text", (who, tok), ("text", "text"),
                 "flowstream.netflow(text,text)"),
                ("SELECT flowstream.netflow(%s::text, %s::text, %s::timestamptz)::text", (who, tok, at),
                 ("text", "text", "timestamptz"), "flowstream.netflow(text,text,timestamp with time zone)"),
                ("SELECT count(*), sum(balance)::text, min(status) FROM flowstream.accounts_now", (), None, None),
                ("SELECT count(*), sum(deficit)::text FROM flowstream.deficits", (), None, None),
            ])
            self.call(g[0], g[1], g[2], [g[3]] if g[3] else [])
            if self.chance(0.2):
                self.remember_accounts()
        else:
            k = self.rng.randrange(4)
            if k == 0:
                rows = self.call("INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second) "
                                 "VALUES (%s::text, %s::text, %s::text, %s::numeric) RETURNING id",
                                 (self.party(), self.party(), tok, self.rate()), ("text", "text", "text", "numeric"),
                                 ["flowstream.flows_now_write()"])
                if rows and rows[0][0] is not None:
                    self.flows.append(rows[0][0])
            elif k == 1:
                col, val, ty = self.pick([("rate_per_second", self.rate(), "numeric"),
                                          ("rate_per_second", "0", "numeric"), ("buffer", "1", "numeric"),
                                          ("sender", self.name(), "text"), ("version", "1", "bigint")])
                self.call("UPDATE flowstream.flows_now SET %s = %%s::%s WHERE id = %%s::bigint" % (col, ty),
                          (val, self.flow_id()), (ty, "bigint"), ["flowstream.flows_now_write()"])
            elif k == 2:
                self.call("DELETE FROM flowstream.flows_now WHERE id = %s::bigint", (self.flow_id(),),
                          ("bigint",), ["flowstream.flows_now_write()"])
            else:
                self.call("SELECT count(*), sum(rate_per_second)::text FROM flowstream.flows_now", (), None, [])

    def a_account_type(self):
        """flowstream.account: its text and binary forms and its pure functions"""
        a, at = self.account_value(), self.timestamptz()
        k = self.rng.randrange(9)
        if k == 0:
            rows = self.call("SELECT %s::flowstream.account::text", (a,), None, ["account_in", "account_out"],
                             category="flowstream account_in")
            if rows and rows[0][0] and self.raw("SELECT %s::flowstream.account::text = %s",
                                               (rows[0][0], rows[0][0]))[0][0] is not True:
                self.roundtrip_bad.append(rows[0][0])
        elif k == 1:
            rows = self.call("SELECT flowstream.account_send(%s::flowstream.account)", (a,), None,
                             ["flowstream.account_send(flowstream.account)"], category="flowstream account_in")
            if rows and rows[0][0] is not None:
                b = bytes(rows[0][0])
                if self.chance(0.5):
                    b = bytes(x ^ (1 << self.rng.randrange(8)) if self.chance(0.05) else x for x in b)
                e = self.copy_in("sqlfuzz_acct (a)", [[b]])
                self.called.add("flowstream.account_recv(internal)")
                if e is not None:
                    self.hist[("flowstream-binary", e.pgcode)] += 1
                    if e.pgcode not in FLOWSTREAM_CODES:
                        self.bad.append(("COPY sqlfuzz_acct binary %s" % b.hex(), e.pgcode,
                                         e.pgerror.strip().splitlines()[0]))
        else:
            f, sig = self.pick([
                ("balance(%s::flowstream.account, %s::timestamptz)", "balance(flowstream.account,timestamp with time zone)"),
                ("available(%s::flowstream.account, %s::timestamptz)", "available(flowstream.account,timestamp with time zone)"),
                ("top_up(%s::flowstream.account, %s::timestamptz)", "top_up(flowstream.account,timestamp with time zone)"),
                ("netflow(%s::flowstream.account)", "netflow(flowstream.account)"),
                ("buffer(%s::flowstream.account)", "buffer(flowstream.account)"),
                ("critical_time(%s::flowstream.account)", "critical_time(flowstream.account)"),
                ("insolvency_time(%s::flowstream.account)", "insolvency_time(flowstream.account)")])
            params = (a, at) if "timestamptz" in f else (a,)
            types = ("flowstream.account", "timestamptz") if "timestamptz" in f else ("flowstream.account",)
            self.call("SELECT flowstream.%s::text" % f, params, types, ["flowstream." + sig],
                      category="flowstream account")

    # -- many streams at once (#15), and the pieces of a Citus install (SPEC 9) ----------

    def a_bulk(self):
        f = self.pick(["create_streams", "create_streams", "deposit_many", "create_stream_at", "distribute",
                       "operates_for"])
        n = self.rng.choice([0, 1, 2, 3])
        who = self.role if self.role in ROLES else self.party()

        def arr(gen, k=None):
            if self.chance(0.05):
                return None
            return [gen() for _ in range(n if k is None else k)]
        if f == "create_streams":
            # mostly arrays of one length; sometimes not (22023)
            m = n if self.chance(0.9) else n + 1
            params = (arr(lambda: who if self.chance(0.9) else self.party()), arr(self.party),
                      arr(self.token), arr(self.rate),
                      None if self.chance(0.5) else arr(self.timestamptz, m),
                      None if self.chance(0.3) else arr(lambda: self.numeric(decimals=6)),
                      None if self.chance(0.6) else arr(self.boolean),
                      None if self.chance(0.6) else arr(self.jsonb),
                      None if self.chance(0.7) else arr(self.boolean),
                      None if self.chance(0.7) else arr(lambda: None if self.chance(0.5) else self.timestamptz()))
            rows = self.call("SELECT flowstream.create_streams(%s::text[], %s::text[], %s::text[], %s::numeric[], "
                             "%s::timestamptz[], %s::numeric[], %s::boolean[], %s::jsonb[], %s::boolean[], "
                             "%s::timestamptz[])", params,
                             ("text[]", "text[]", "text[]", "numeric[]", "timestamptz[]", "numeric[]", "boolean[]",
                              "jsonb[]", "boolean[]", "timestamptz[]"),
                             ["flowstream.create_streams(text[],text[],text[],numeric[],timestamp with time zone[],"
                              "numeric[],boolean[],jsonb[],boolean[],timestamp with time zone[])"])
            if rows and rows[0][0]:
                self.ids.extend(i for i in rows[0][0] if i is not None)
        elif f == "deposit_many":
            m = n if self.chance(0.9) else n + 1
            self.call("SELECT flowstream.deposit_many(%s::bigint[], %s::numeric[])",
                      (arr(self.stream_id), arr(lambda: self.numeric(decimals=6), m)), ("bigint[]", "numeric[]"),
                      ["flowstream.deposit_many(bigint[],numeric[])"])
        elif f == "create_stream_at":
            # an id drawn already (a taken one: 23505), or one the sequence has yet to hand out (22023)
            rows = self.call("SELECT flowstream.create_stream_at(%s::bigint, %s::boolean, %s::text, %s::text, "
                             "%s::text, %s::numeric, %s::timestamptz, %s::numeric, %s::boolean, %s::jsonb, "
                             "%s::boolean, %s::timestamptz)",
                             (self.stream_id(), self.boolean(), who, self.party(), self.token(), self.rate(),
                              self.timestamptz(), self.numeric(decimals=6), self.boolean(), self.jsonb(),
                              self.boolean(), None if self.chance(0.5) else self.timestamptz()),
                             ("bigint", "boolean", "text", "text", "text", "numeric", "timestamptz", "numeric",
                              "boolean", "jsonb", "boolean", "timestamptz"),
                             ["flowstream.create_stream_at(bigint,boolean,text,text,text,numeric,"
                              "timestamp with time zone,numeric,boolean,jsonb,boolean,timestamp with time zone)"],
                             allowed=FLOWSTREAM_CODES | {"23505"})
            if rows and rows[0][0] is not None:
                self.ids.append(rows[0][0])
        elif f == "distribute":
            self.call("SELECT flowstream.distribute()", (), (), ["flowstream.distribute()"])
        else:
            self.call("SELECT flowstream.operates_for(%s::text, %s::text)", (self.party(), self.party()),
                      ("text", "text"), ["flowstream.operates_for(text,text)"])

    # -- fixed terms, agreed updates, operators (SPEC 7, 8) -------------------------------

    def a_terms(self):
        f = self.pick(["create_fixed_stream", "create_fixed_stream", "redeem", "propose", "confirm", "revoke",
                       "balance_of", "pure", "approve_operator", "revoke_operator"])
        if f == "create_fixed_stream":
            who = self.role if self.role in ROLES else self.party()
            start = self.now + self.rng.choice([0, -US_DAY, US_DAY])
            rows = self.call("SELECT flowstream.create_fixed_stream(%s::text, %s::text, %s::text, %s::numeric, "
                             "%s::timestamptz, %s::timestamptz, %s::boolean, %s::jsonb, %s::boolean)",
                             (who, self.party(), self.token(), self.numeric(decimals=6), ts(start),
                              ts(start + self.rng.choice([1, US_DAY, 30 * US_DAY, -1])) if self.chance(0.8)
                              else self.timestamptz(), self.boolean(), self.jsonb(), self.boolean()),
                             ("text", "text", "text", "numeric", "timestamptz", "timestamptz", "boolean", "jsonb",
                              "boolean"),
                             ["flowstream.create_fixed_stream(text,text,text,numeric,timestamp with time zone,"
                              "timestamp with time zone,boolean,jsonb,boolean)"])
            if rows and rows[0][0] is not None:
                self.ids.append(rows[0][0])
        elif f == "redeem":
            self.call("SELECT (flowstream.redeem(%s::bigint)).*", (self.stream_id(),), ("bigint",),
                      ["flowstream.redeem(bigint)"])
        elif f in ("propose", "confirm"):
            name = "propose_update" if f == "propose" else "confirm_update"
            self.call("SELECT flowstream.%s(%%s::bigint, %%s::numeric, %%s::timestamptz)" % name,
                      (self.stream_id(), self.rate(), None if self.chance(0.4) else self.timestamptz()),
                      ("bigint", "numeric", "timestamptz"),
                      ["flowstream.%s(bigint,numeric,timestamp with time zone)" % name])
        elif f == "revoke":
            self.call("SELECT flowstream.revoke_update(%s::bigint)", (self.stream_id(),), ("bigint",),
                      ["flowstream.revoke_update(bigint)"])
        elif f == "balance_of":
            if self.chance(0.5):
                self.call("SELECT flowstream.balance_of(%s::bigint, %s::text)::text",
                          (self.stream_id(), self.party()), ("bigint", "text"), ["flowstream.balance_of(bigint,text)"])
            else:
                self.call("SELECT flowstream.balance_of(%s::bigint, %s::text, %s::timestamptz)::text",
                          (self.stream_id(), self.party(), self.timestamptz()), ("bigint", "text", "timestamptz"),
                          ["flowstream.balance_of(bigint,text,timestamp with time zone)"])
        elif f == "pure":
            k = self.rng.randrange(5)
            if k == 0:
                rows = self.call("SELECT flowstream.stream(%s::numeric, %s::int, %s::timestamptz, %s::timestamptz, "
                                 "%s::timestamptz)::text",
                                 (self.rate(), self.decimals(), self.timestamptz(), ts(self.now), self.timestamptz()),
                                 ("numeric", "int", "timestamptz", "timestamptz", "timestamptz"),
                                 ["flowstream.stream(numeric,integer,timestamp with time zone,timestamp with time "
                                  "zone,timestamp with time zone)"])
                if rows:
                    self.remember(rows)
            elif k == 1:
                rows = self.call("SELECT flowstream.set_terms(%s::flowstream.stream, %s::numeric, %s::timestamptz, "
                                 "%s::timestamptz)::text",
                                 (self.stream_value(), self.rate(), None if self.chance(0.3) else self.timestamptz(),
                                  self.timestamptz()), ("flowstream.stream", "numeric", "timestamptz", "timestamptz"),
                                 ["flowstream.set_terms(flowstream.stream,numeric,timestamp with time zone,"
                                  "timestamp with time zone)"])
                if rows:
                    self.remember(rows)
            elif k == 2:
                self.call("SELECT flowstream.fixed_rate(%s::numeric, %s::int, %s::timestamptz, %s::timestamptz)::text",
                          (self.numeric(decimals=6), self.decimals(), self.timestamptz(), self.timestamptz()),
                          ("numeric", "int", "timestamptz", "timestamptz"),
                          ["flowstream.fixed_rate(numeric,integer,timestamp with time zone,timestamp with time zone)"])
            elif k == 3:
                self.call("SELECT flowstream.end_time(%s::flowstream.stream)::text", (self.stream_value(),),
                          ("flowstream.stream",), ["flowstream.end_time(flowstream.stream)"])
            else:
                self.call("SELECT flowstream.top_up(%s::flowstream.stream, %s::timestamptz)::text",
                          (self.stream_value(), self.timestamptz()), ("flowstream.stream", "timestamptz"),
                          ["flowstream.top_up(flowstream.stream,timestamp with time zone)"])
        elif f == "approve_operator":
            perms = self.pick(["{create}", "{create,rate,pause,void,withdraw,refund,transfer}", "{rate}", "{}",
                               "{nope}", "{NULL}", None, "{withdraw,transfer}"])
            self.call("SELECT flowstream.approve_operator(%s::text, %s::text, %s::text[], %s::text, %s::numeric)",
                      (self.party(), self.party(), perms, self.token() if self.chance(0.5) else None,
                       self.rate() if self.chance(0.3) else None), ("text", "text", "text[]", "text", "numeric"),
                      ["flowstream.approve_operator(text,text,text[],text,numeric)"])
        else:
            self.call("SELECT flowstream.revoke_operator(%s::text, %s::text, %s::text)",
                      (self.party(), self.party(), self.token() if self.chance(0.5) else None),
                      ("text", "text", "text"), ["flowstream.revoke_operator(text,text,text)"])

    # -- automation (SPEC 8) --------------------------------------------------------

    def a_automation(self):
        f = self.pick(["set_auto_top_up", "set_auto_withdraw", "runway", "after", "maintain", "thresholds",
                       "skip", "notifications", "liquidate"])
        if f == "set_auto_top_up":
            self.call("SELECT flowstream.set_auto_top_up(%s::bigint, %s::interval)",
                      (self.stream_id(), self.interval()), ("bigint", "interval"),
                      ["flowstream.set_auto_top_up(bigint,interval)"])
        elif f == "set_auto_withdraw":
            self.call("SELECT flowstream.set_auto_withdraw(%s::bigint, %s::interval, %s::text)",
                      (self.stream_id(), self.interval(), self.name() if self.chance(0.3) else None),
                      ("bigint", "interval", "text"), ["flowstream.set_auto_withdraw(bigint,interval,text)"])
        elif f == "runway":
            self.call("SELECT count(*), sum(top_up)::text FROM flowstream.runway(%s::interval)", (self.interval(),),
                      ("interval",), ["flowstream.runway(interval)"])
        elif f == "after":
            self.call("SELECT flowstream.after(%s::timestamptz, %s::interval)::text", (self.timestamptz(), self.interval()),
                      ("timestamptz", "interval"), ["flowstream.after(timestamp with time zone,interval)"])
        else:
            if self.chance(0.7):
                self.set_role(self.pick([None, ADMIN_ROLE]))
            if f == "maintain":
                self.call("SELECT job, done FROM flowstream.maintain(%s::int)",
                          (self.pick(["1", "10", "1000", "0", "-1", None]),), ("int",),
                          ["flowstream.maintain(integer)"])
            elif f == "thresholds":
                self.call("SELECT flowstream.set_runway_thresholds(%s::interval[])",
                          (self.pick(["{7 days,1 day,0}", "{1 hour}", "{}", "{-1 day}", "{NULL}", None]),),
                          ("interval[]",), ["flowstream.set_runway_thresholds(interval[])"])
            elif f == "skip":
                self.call("SELECT flowstream.set_maintenance_skip(%s::text[])",
                          (self.pick(["{}", "{payout}", "{void,liquidate,top_up,payout,alert}", "{nope}",
                                      "{NULL}", None]),), ("text[]",), ["flowstream.set_maintenance_skip(text[])"])
            elif f == "notifications":
                self.call("SELECT flowstream.set_notifications(%s::boolean)", (self.pick(["true", "false", None]),),
                          ("boolean",), ["flowstream.set_notifications(boolean)"])
            else:
                self.call("SELECT flowstream.liquidate_critical(%s::int)", (self.pick(["1", "1000", "0", None]),),
                          ("int",), ["flowstream.liquidate_critical(integer)"])

    def a_table_write_2(self):
        """direct writes to the tables of accounts, flows, operators and payouts: refused"""
        if self.role is not None and self.chance(0.7):
            self.set_role(None)
        allowed = FLOWSTREAM_CODES | TABLE_CONSTRAINT_CODES
        k = self.rng.randrange(6)
        if k == 0:
            self.call("UPDATE flowstream.accounts SET state = %s::flowstream.account WHERE id = 1",
                      (self.account_value(),), ("flowstream.account",), ["flowstream.accounts_guard()"],
                      category="flowstream-table", allowed=allowed)
        elif k == 1:
            self.call("INSERT INTO flowstream.accounts (state, first_event, last_event, party, token) "
                      "SELECT %s::flowstream.account, max(id), max(id), %s::text, 'FZ6' FROM flowstream.events",
                      (self.account_value(), self.party()), ("flowstream.account", "text"),
                      ["flowstream.accounts_guard()"], category="flowstream-table", allowed=allowed)
        elif k == 2:
            self.call(self.pick(["UPDATE flowstream.flows SET rate = 0", "DELETE FROM flowstream.flows",
                                 "DELETE FROM flowstream.accounts"]), (), None, ["flowstream.accounts_guard()"],
                      category="flowstream-table", allowed=allowed)
        elif k == 3:
            self.call(self.pick(["UPDATE flowstream.operators SET permissions = '{create}'",
                                 "DELETE FROM flowstream.operators",
                                 "INSERT INTO flowstream.operators (party, operator, permissions, approved_at, "
                                 "approved_by, approval) SELECT 'a', 'b', '{create}', now(), 'a', max(id) "
                                 "FROM flowstream.operators_history"]), (), None,
                      ["flowstream.operators_guard()"], category="flowstream-table", allowed=allowed)
        elif k == 4:
            self.call(self.pick(["UPDATE flowstream.payouts SET next_at = now()", "DELETE FROM flowstream.payouts",
                                 "INSERT INTO flowstream.payouts (stream_id, every, next_at, set_by) "
                                 "SELECT s.id, '1 day', now(), s.last_event FROM flowstream.streams s LIMIT 1"]),
                      (), None, ["flowstream.payouts_guard()"], category="flowstream-table", allowed=allowed)
        else:
            self.call(self.pick(["TRUNCATE flowstream.accounts CASCADE", "TRUNCATE flowstream.operators CASCADE",
                                 "TRUNCATE flowstream.payouts"]), (), None, ["flowstream.refuse_truncate()"],
                      category="flowstream-table", allowed=allowed)

    UT_COLUMNS = {"rate": "numeric", "voided": "boolean", "at": "timestamptz", "dec": "int",
                  "state": "flowstream.stream"}

    def a_user_table(self):
        """sqlfuzz_ut, a user's table with a stream trigger and a history: plain writes of its columns"""
        r = self.rng
        allowed = FLOWSTREAM_CODES | TABLE_CONSTRAINT_CODES
        uid = str(r.randint(1, 40)) if self.chance(0.9) else self.pick(["0", "-1", None, "x"])
        k = r.randrange(8)
        trig = ["flowstream.stream_trigger()"]
        if k == 0:
            state = None if self.chance(0.7) else self.stream_value()
            self.call("INSERT INTO sqlfuzz_ut (id, rate, voided, at, dec, state) VALUES (%s::bigint, %s::numeric, "
                      "%s::boolean, %s::timestamptz, %s::int, %s::flowstream.stream)",
                      (uid, self.rate() if self.chance(0.7) else self.pick(["0", None, self.numeric()]),
                       self.pick([None, "false", "false", "true"]),
                       ts(self.now) if self.chance(0.7) else self.timestamptz(),
                       self.pick(["0", "2", "6", "18"]) if self.chance(0.8) else self.decimals(), state),
                      ("bigint", "numeric", "boolean", "timestamptz", "int", "flowstream.stream"), trig,
                      category="user-table", allowed=allowed)
        elif k <= 4:
            col = self.pick(["rate", "rate", "voided", "at", "dec", "state"])
            val = {"rate": self.rate() if self.chance(0.6) else self.pick(["0", self.numeric(), None]),
                   "voided": self.boolean(), "at": self.timestamptz(), "dec": self.decimals(),
                   "state": self.stream_value()}[col]
            at = ts(self.now + r.choice([0, 1, 10**6, US_DAY])) if self.chance(0.8) else self.timestamptz()
            self.call("UPDATE sqlfuzz_ut SET %s = %%s::%s, at = greatest(at, %%s::timestamptz) WHERE id = %%s::bigint"
                      % (col, self.UT_COLUMNS[col]) if col != "at" else
                      "UPDATE sqlfuzz_ut SET at = %s::timestamptz, rate = rate * %s::numeric WHERE id = %s::bigint",
                      (val, at, uid) if col != "at" else (val, self.pick(["1", "2", "0.5", "0"]), uid),
                      (self.UT_COLUMNS[col], "timestamptz", "bigint") if col != "at" else
                      ("timestamptz", "numeric", "bigint"), trig, category="user-table", allowed=allowed)
        elif k == 5:
            op = self.pick(["deposit(state, %s::numeric, at)", "withdraw(state, %s::numeric, at)",
                            "refund(state, %s::numeric, at)", "pause(state, at)", "restart(state, %s::numeric, at)",
                            "adjust_rate(state, %s::numeric, at)", "void(state, at)",
                            "withdraw(flowstream.deposit(state, %s::numeric, at), 1, at)"])
            params = ((self.numeric(decimals=6),) if "%s" in op else ()) + (uid,)
            self.call("UPDATE sqlfuzz_ut SET state = flowstream.%s WHERE id = %%s::bigint" % op, params,
                      (("numeric",) if "%s" in op else ()) + ("bigint",), trig, category="user-table",
                      allowed=allowed)
        elif k == 6:
            rows = self.call("SELECT flowstream.state_in_history('sqlfuzz_ut_history', %s::bigint, "
                             "%s::timestamptz)::text", (uid, self.timestamptz()), ("bigint", "timestamptz"),
                             ["flowstream.state_in_history(regclass,anyelement,timestamp with time zone)"],
                             category="user-table", allowed=allowed)
            if rows:
                self.remember(rows)
        else:
            self.call("SELECT count(*) FROM flowstream.verify_history('sqlfuzz_ut', 'sqlfuzz_ut_history')", (),
                      None, ["flowstream.verify_history(regclass,regclass)"], category="user-table",
                      allowed=allowed)

    ACTIONS = [("a_constructor", 8), ("a_accessor", 8), ("a_view", 10), ("a_transition", 14), ("a_rate", 3),
               ("a_due_time", 3), ("a_text_input", 8), ("a_compare", 3), ("a_send", 2), ("a_internal_probe", 0.2),
               ("a_copy_binary", 5), ("a_binary_roundtrip", 0.5), ("a_role", 3), ("a_clock", 3), ("a_api", 20),
               ("a_admin", 1.5), ("a_view_write", 3), ("a_table_write", 3), ("a_user_table", 4),
               ("a_accounts", 14), ("a_account_type", 4), ("a_terms", 8), ("a_automation", 4),
               ("a_table_write_2", 1.5), ("a_bulk", 2)]

    def run(self, n, deadline):
        names = [a for a, _ in self.ACTIONS]
        weights = [w for _, w in self.ACTIONS]
        while self.calls < n and time.monotonic() < deadline:
            getattr(self, self.rng.choices(names, weights)[0])()
        # the history and the invariants after all that
        self.set_role(None)


def setup(conn):
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS flowstream")
    for r in ROLES + [APP_ROLE, ADMIN_ROLE]:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (r,))
        if not cur.fetchall():
            cur.execute("CREATE ROLE %s NOLOGIN" % r)
    cur.execute("GRANT flowstream_app TO %s" % APP_ROLE)
    cur.execute("GRANT flowstream_admin TO %s" % ADMIN_ROLE)
    for t, d in TOKENS.items():
        cur.execute("INSERT INTO flowstream.tokens VALUES (%s, %s) ON CONFLICT DO NOTHING", (t, d))
    cur.execute("CREATE TABLE IF NOT EXISTS sqlfuzz_bin (s flowstream.stream, a flowstream.stream[])")
    cur.execute("DROP TYPE IF EXISTS sqlfuzz_pair CASCADE")
    cur.execute("CREATE TYPE sqlfuzz_pair AS (s flowstream.stream, n int4)")
    cur.execute("ALTER TABLE sqlfuzz_bin ADD COLUMN IF NOT EXISTS r sqlfuzz_pair")
    cur.execute("CREATE TABLE IF NOT EXISTS sqlfuzz_rt (s flowstream.stream)")
    cur.execute("CREATE TABLE IF NOT EXISTS sqlfuzz_rt2 (s flowstream.stream)")
    cur.execute("CREATE TABLE IF NOT EXISTS sqlfuzz_acct (a flowstream.account)")
    cur.execute("GRANT ALL ON sqlfuzz_bin, sqlfuzz_rt, sqlfuzz_rt2, sqlfuzz_acct TO PUBLIC")
    # a user's table whose stream the trigger keeps, with a history
    cur.execute("DROP TABLE IF EXISTS sqlfuzz_ut, sqlfuzz_ut_history")
    cur.execute("CREATE TABLE sqlfuzz_ut (id bigint PRIMARY KEY, rate numeric NOT NULL, voided boolean, "
                "at timestamptz NOT NULL, dec int, state flowstream.stream)")
    cur.execute("CREATE TABLE sqlfuzz_ut_history (id bigint GENERATED ALWAYS AS IDENTITY, ut_id bigint NOT NULL, "
                "op flowstream.op NOT NULL, at timestamptz NOT NULL, balance_change numeric NOT NULL, "
                "debt_change numeric NOT NULL, state flowstream.stream NOT NULL)")
    cur.execute("CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON sqlfuzz_ut FOR EACH ROW EXECUTE FUNCTION "
                "flowstream.stream_trigger('state', 'rate', 'voided=voided', 'at=at', 'decimals_column=dec', "
                "'history=sqlfuzz_ut_history', 'history_key=ut_id')")
    cur.execute("GRANT ALL ON sqlfuzz_ut TO PUBLIC")
    cur.execute("GRANT SELECT ON sqlfuzz_ut_history TO PUBLIC")
    cur.execute("SET statement_timeout = '20s'")
    cur.execute("SET track_functions = 'all'")
    cur.execute("SELECT set_config('flowstream.clock', %s, false)", (ts(T2026),))
    cur.execute("SELECT 'flowstream.stream'::regtype::oid")
    return cur.fetchall()[0][0]


def extension_functions(cur):
    cur.execute("""SELECT p.oid::regprocedure::text, p.prokind, p.prorettype = 'trigger'::regtype
                   FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
                        AND d.deptype = 'e'
                   JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'flowstream' ORDER BY 1""")
    return cur.fetchall()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=600, help="stop early after this long")
    ap.add_argument("--dbname", default="flowstream_sqlfuzz")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tap-start", type=int, default=1, help="number of the first TAP test (no plan when > 1)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    tests = []

    def tap(ok, desc, diag=()):
        tests.append((ok, desc, list(diag)))

    start = time.monotonic()
    conn = psycopg2.connect(dbname=args.dbname)
    conn.autocommit = True
    stream_oid = setup(conn)
    fz = Fuzzer(conn, rng, args.verbose)
    fz.stream_oid = stream_oid
    lost = None
    try:
        fz.run(args.calls, start + args.seconds)
    except ConnectionLost as e:
        lost = str(e)
    took = time.monotonic() - start
    tap(lost is None, "%d SQL calls (seed %d) in %.0f s, the server never dropped the connection"
        % (fz.calls, args.seed, took), [lost] if lost else [])

    if lost is None:
        # invariants and history after everything
        fz.set_role(None)
        cur = conn.cursor()
        # A deficit is a state, not a discrepancy: the clock jumps up to a day at
        # a time here with no sweeper between, so a liquidation may come late,
        # and verify() reports what the party owes then.  It is told apart.
        cur.execute("SELECT stream_id, problem FROM flowstream.verify()")
        problems = cur.fetchall()
        late = [p for p in problems if re.search(r": deficit of [0-9.]+: a liquidation came late", p[1])]
        problems = [p for p in problems if p not in late]
        tap(not problems, "flowstream.verify() finds no discrepancy over %d managed streams" % len(fz.ids),
            ["stream %s: %s" % p for p in problems[:20]] +
            ["(not a discrepancy) %s" % p[1] for p in late[:5]])
        cur.execute("SELECT count(*) FROM flowstream.streams_now WHERE balance <> covered_debt + refundable "
                    "OR total_debt <> covered_debt + uncovered_debt OR (voided AND uncovered_debt <> 0)")
        tap(cur.fetchall()[0][0] == 0, "every managed stream: balance = covered + refundable, td = covered + "
            "uncovered, no uncovered debt once voided")
        cur.execute("SELECT key, problem FROM flowstream.verify_history('sqlfuzz_ut', 'sqlfuzz_ut_history')")
        problems = cur.fetchall()
        cur.execute("SELECT count(*), count(state) FROM sqlfuzz_ut")
        rows, streams = cur.fetchall()[0]
        tap(not problems, "flowstream.verify_history() finds no discrepancy in the user's table (%d rows, %d "
            "streams)" % (rows, streams), ["row %s: %s" % p for p in problems[:20]])
        # debt_sums in parallel (partial sums in workers: serialize, deserialize,
        # combine) over the managed streams, against the same sums computed serially
        sums = {}
        for mode, settings in (("serial", "max_parallel_workers_per_gather = 0"),
                               ("parallel", "max_parallel_workers_per_gather = 2, parallel_setup_cost = 0, "
                                            "parallel_tuple_cost = 0, min_parallel_table_scan_size = 0, "
                                            "parallel_leader_participation = off")):
            cur.execute("BEGIN")
            for setting in settings.split(", "):
                cur.execute("SET LOCAL " + setting)
            q = "SELECT flowstream.debt_sums(s.state, '2030-01-01+00')::text FROM flowstream.streams s"
            cur.execute("EXPLAIN " + q)
            plan = "\n".join(r[0] for r in cur.fetchall())
            cur.execute(q)
            sums[mode] = (cur.fetchall(), "Partial" in plan and "Gather" in plan)
            cur.execute("COMMIT")
        if sums["parallel"][1]:
            fz.called.update(["flowstream.debt_sums_serialize(internal)",
                              "flowstream.debt_sums_deserialize(bytea,internal)",
                              "flowstream.debt_sums_combine(internal,internal)"])
        tap(sums["parallel"][1] and sums["parallel"][0] == sums["serial"][0],
            "debt_sums in parallel (partial sums in 2 workers, combined) equals debt_sums serially",
            ["parallel plan: %s" % sums["parallel"][1], "serial %s" % (sums["serial"][0],),
             "parallel %s" % (sums["parallel"][0],)])
    tap(not fz.bad, "every error has an allowed SQLSTATE (flowstream's SPEC 5 codes; PostgreSQL's own for "
        "argument literals)",
        ["%s: %s\n#   %s" % (c, m, s[:500]) for s, c, m in fz.bad[:25]])
    tap(not fz.roundtrip_bad, "every stream value returned reads back equal (text), binary COPY out/in equal "
        "(%d binary round trips)" % fz.binary_roundtrips, [r[:300] for r in fz.roundtrip_bad[:10]])

    # which functions of the extension were exercised
    if lost is None:
        conn.close()
        time.sleep(1.0)
        conn = psycopg2.connect(dbname=args.dbname)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT pg_stat_force_next_flush()")
        cur.execute("""SELECT funcid::regprocedure::text FROM pg_stat_user_functions
                       WHERE schemaname = 'flowstream' AND calls > 0""")
        counted = {r[0] for r in cur.fetchall()}
        funcs = extension_functions(cur)
        missing = []
        for sig, kind, is_trigger in funcs:
            name = sig.split("(")[0]
            hit = sig in counted or sig in fz.called or (kind == "a" and sig in fz.called)
            if sig == "flowstream.stream_in(cstring)" and "stream_in" in fz.called:
                hit = True
            if sig == "flowstream.stream_out(flowstream.stream)" and "stream_out" in fz.called:
                hit = True
            if sig == "flowstream.account_in(cstring)" and "account_in" in fz.called:
                hit = True
            if sig == "flowstream.account_out(flowstream.account)" and "account_out" in fz.called:
                hit = True
            if not hit:
                missing.append(sig)
        tap(not missing, "every one of the extension's %d functions was called (%d counted by "
            "pg_stat_user_functions, the rest through I/O, aggregates and triggers)" % (len(funcs), len(counted)),
            ["never called: %s" % m for m in missing])
        conn.close()

    if args.tap_start == 1:
        print("1..%d" % len(tests))
    for i, (ok, desc, diag) in enumerate(tests, args.tap_start):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
        for d in diag:
            for line in str(d).splitlines():
                print("#   " + line)
    print("# SQLSTATE histogram (category, code: count), %d calls:" % fz.calls)
    for (cat, code), n in sorted(fz.hist.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        print("#   %-38s %-6s %d" % (cat, code, n))
    if fz.short_binary_codes:
        print("# note: a binary field shorter than 83 bytes gets %s from pq_getmsgbytes (PostgreSQL's own "
              "message check, as int4recv does), not 22P03" % dict(fz.short_binary_codes))
    print("# managed streams created: %d; stream values in the pool: %d" % (len(fz.ids), len(fz.streams)))
    sys.exit(0 if all(t[0] for t in tests) else 1)


if __name__ == "__main__":
    main()
