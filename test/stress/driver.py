#!/usr/bin/python3
"""
driver.py -- the differential stress test of flowstream's managed API.

Runs seeded random sequences of API calls under the test clock against a
PostgreSQL database (fs_stress by default), as several roles, and compares
every returned value, every SQLSTATE, every stream row and its last event
with the independent model of model.py; mixes in (--accounts, 45% by
default) the accounts and flows of SPEC §6 and the streams that meet them,
driven and compared by accounts.py; runs flowstream.verify() every
--verify-every operations.  On the first mismatch it prints the seed,
shrinks the failing stream's operations (or the world of accounts'; delta
debugging, replayed in the database fs_stress_shrink with a fresh extension)
and prints the shortest sequence found as SQL to paste into psql.

Output is TAP.  Connection: PGHOST, PGPORT, PGUSER from the environment (a
superuser: the test clock is superuser-only).

  /usr/bin/python3 test/stress/driver.py --ops 100000 --seed 1
"""
import argparse
import collections
import os
import re
import random
import sys
import time
from fractions import Fraction

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import (MAX_UNITS, RATE_SCALE, TIME_MAX, TIME_MIN, US, Model, Stream,  # noqa: E402
                   format_time, format_units, parse_time, read_time)
from accounts import (KNOWN, AccountGen, AccountRunner, Mismatch, WorldSpec,  # noqa: E402
                      known_verify, prepare_accounts, prepare_reads)

# ---------------------------------------------------------------- parties

ROLES = ["st_alice", "st_bob", "st_carol", "st_eve", "st_app"]
APP_ROLES = {"st_app"}                    # members of flowstream_app
NAMES = ["st_alice", "st_bob", "st_carol", "user:1", "user:2"]   # senders and recipients


def who(name):
    """(role, flowstream.actor) that acts as party `name`"""
    if name.startswith("user:"):
        return "st_app", name
    return name, None


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def num(lit):
    return "NULL::numeric" if lit is None else quote(lit) + "::numeric"


def text_or_null(s):
    return "NULL::text" if s is None else quote(s)


def frac(s):
    return None if s is None else Fraction(s)


# ---------------------------------------------------------------- SQL of one call

def call_sql(op, idsql, token):
    n = op["name"]
    if n == "create":
        return ("flowstream.create_stream(%s, %s, %s, %s, %s::timestamptz, %s, %s)" % (
            text_or_null(op["sender"]), text_or_null(op["recipient"]), text_or_null(token),
            num(op["rate"]), quote(format_time(op["start"])), num(op["deposit"]),
            "true" if op["transferable"] else "false"))
    if n in ("deposit", "refund"):
        return "flowstream.%s(%s, %s)" % (n, idsql, num(op["amount"]))
    if n == "withdraw":
        if "to" in op:
            return "flowstream.withdraw(%s, %s, %s)" % (idsql, num(op["amount"]), text_or_null(op["to"]))
        return "flowstream.withdraw(%s, %s)" % (idsql, num(op["amount"]))
    if n == "withdraw_max":
        if "to" in op:
            return "flowstream.withdraw_max(%s, %s)" % (idsql, text_or_null(op["to"]))
        return "flowstream.withdraw_max(%s)" % idsql
    if n in ("refund_max", "pause", "void"):
        return "flowstream.%s(%s)" % (n, idsql)
    if n in ("restart", "adjust_rate"):
        return "flowstream.%s(%s, %s)" % (n, idsql, num(op["rate"]))
    if n == "transfer":
        return "flowstream.transfer(%s, %s)" % (idsql, text_or_null(op["new_recipient"]))
    if n == "set_void_after":
        v = op["void_after_sql"]
        return "flowstream.set_void_after(%s, %s)" % (idsql, "NULL::interval" if v is None else quote(v) + "::interval")
    raise ValueError(n)


READ_COLUMNS = """v.rate_per_second::text, v.balance::text, v.snapshot_debt::text,
  v.snapshot_time::text, v.total_debt::text, v.covered_debt::text,
  v.uncovered_debt::text, v.withdrawable::text, v.refundable::text, v.status,
  v.depletion_time::text, v.voided, v.recipient, v.transferable,
  extract(epoch from v.void_after)::text, flowstream.last_op(s.state)::text,
  (SELECT count(*) FROM flowstream.events c WHERE c.stream_id = v.id),
  e.op::text, e.actor, e.amount::text, e.destination, e.at::text, v.id,
  flowstream.state_at(v.id, flowstream.last_op(s.state)) OPERATOR(flowstream.=) s.state
FROM flowstream.streams_now v JOIN flowstream.streams s ON s.id = v.id
LEFT JOIN LATERAL (SELECT * FROM flowstream.events x WHERE x.stream_id = v.id
                   ORDER BY x.id DESC LIMIT 1) e ON true
WHERE v.id = %s"""

VIEW_FIELDS = ["rate_per_second", "balance", "snapshot_debt", "snapshot_time", "total_debt",
               "covered_debt", "uncovered_debt", "withdrawable", "refundable", "status",
               "depletion_time", "voided", "recipient", "transferable", "void_after", "last_op",
               "events"]
NUMERIC_FIELDS = {"rate_per_second", "balance", "snapshot_debt", "total_debt", "covered_debt",
                  "uncovered_debt", "withdrawable", "refundable", "void_after"}
TIME_FIELDS = {"snapshot_time", "depletion_time", "last_op"}


def parse_row(row):
    got = {}
    for name, v in zip(VIEW_FIELDS, row[:17]):
        if name in NUMERIC_FIELDS:
            v = frac(v)
        elif name in TIME_FIELDS:
            v = read_time(v)
        got[name] = v
    ev = {"op": row[17], "actor": row[18], "amount": frac(row[19]), "destination": row[20],
          "at": read_time(row[21])}
    got["state_at"] = row[23]
    return got, ev, row[22]


def show(v):
    """a Fraction as its exact decimal when it has one"""
    if isinstance(v, Fraction):
        for k in range(0, 80):
            if (v * 10 ** k).denominator == 1:
                text = format_units(int(v * 10 ** k), k)
                return text.rstrip("0").rstrip(".") if "." in text else text
        return str(v)
    return repr(v)


# ---------------------------------------------------------------- running ops

class Runner:
    """
    Executes recorded operations on one connection and compares each with a
    model.  Keys in ops are the keys of the run that recorded them; the runner
    maps them to its own model keys and stream ids.
    """

    def __init__(self, conn, tokens_by_dec, unknown_token, default_void_after):
        self.conn = conn
        self.cur = conn.cursor()
        self.tokens_by_dec = tokens_by_dec          # decimals -> token name
        self.unknown_token = unknown_token
        names = {name: dec for dec, name in tokens_by_dec.items()}
        self.model = Model(names, APP_ROLES, default_void_after)
        self.keymap = {}        # recorded key -> (model key, stream id)
        self.compared = 0
        self.sqlstates = collections.Counter()
        self.coverage = collections.Counter()
        self.transcript = None  # a list to record SQL and outcomes into, for the repro

    def token_of(self, op):
        if op["token_dec"] is None:
            return self.unknown_token
        return self.tokens_by_dec[op["token_dec"]]

    def execute(self, op):
        """Runs op; raises Mismatch; returns the model's Result."""
        mop = dict(op)
        if op["name"] == "create":
            mop["token"] = self.token_of(op)
            idsql = None
            sid = None
        elif op.get("id_null"):
            idsql, sid = "NULL::bigint", None
        elif op.get("unknown_id") is not None:
            idsql, sid = str(op["unknown_id"]), None
            mop["key"] = None
        else:
            mkey, sid = self.keymap[op["key"]]
            mop["key"] = mkey
            idsql = str(sid)
        expect = self.model.run(mop)

        call = call_sql(op, idsql, mop.get("token"))
        clock = "SET flowstream.clock = %s; " % quote(format_time(op["t"]))
        role, actor = op["role"], op.get("actor")
        prefix = clock + "SET ROLE %s; " % role
        if actor is not None:
            prefix += "SET flowstream.actor = %s; " % quote(actor)
        if op["name"] == "create":
            read_id = "current_setting('stress.r')::bigint"
        else:
            read_id = idsql if sid is not None else None
        body = "SELECT set_config('stress.r', coalesce((%s)::text, '<null>'), false); " % call
        tail = "RESET ROLE; RESET flowstream.actor; "
        if read_id is not None:
            tail += "EXECUTE stress_stream(%s)" % read_id
        else:
            tail += "SELECT current_setting('stress.r')"
        sqlstate, message, row = None, None, None
        try:
            self.cur.execute(prefix + body + tail)
            row = self.cur.fetchone()
        except psycopg2.Error as e:
            sqlstate = e.pgcode or "?????"
            message = (e.pgerror or str(e)).strip().splitlines()[0]
        self.compared += 1
        self.sqlstates[sqlstate or "ok"] += 1
        if self.transcript is not None:
            self.transcript.append((op, call, expect, sqlstate, message, row and row[0]))

        n = op["name"]
        if sqlstate != expect.sqlstate:
            raise Mismatch((n, "sqlstate"),
                           "%s: expected %s, got %s" % (
                               n, expect, "error %s: %s" % (sqlstate, message) if sqlstate
                               else "ok %r" % (row[0],)))
        if sqlstate is None:
            value = row[0]
            if n == "create":
                self.keymap[op["creates"]] = (expect.value, int(value))
                sid = int(value)
            elif value != expect.value:
                raise Mismatch((n, "value"), "%s returned %r, the model %r" % (n, value, expect.value))
            if read_id is not None:
                self.compare_row(op, n, row[1:], mop, expect, sid)
        elif sid is not None and (op["name"] != "create"):
            # refused: the stream must be as it was
            self.cur.execute(clock + "EXECUTE stress_stream(%d)" % sid)
            self.compare_row(op, n, self.cur.fetchone()[1:], mop, None, sid)
        return expect

    def compare_row(self, op, n, row, mop, expect, sid):
        got, ev, _ = parse_row(row)
        if expect is not None and n == "create":
            s = self.model.streams[expect.value]
        else:
            s = self.model.streams[mop["key"]]
        want = s.view(op["t"])
        dep = want["depletion_time"]
        self.coverage[want["status"]] += 1
        self.coverage["depletion " + ("NULL" if dep is None else dep if dep == "infinity" else
                                      "at st" if dep == s.st else "later")] += 1
        for f in VIEW_FIELDS:
            if f == "last_op":
                if got[f] not in (s.last, s.last_event):
                    raise Mismatch((n, "row:last_op"),
                                   "after %s, stream %d: last_op is %s, the model %s (last event %s)" % (
                                       n, sid, fmt_t(got[f]), fmt_t(s.last), fmt_t(s.last_event)))
                continue
            if got[f] != want[f]:
                raise Mismatch((n, "row:" + f), "after %s, stream %d: %s is %s, the model %s" % (
                    n, sid, f, show_field(f, got[f]), show_field(f, want[f])))
        if not got["state_at"]:
            raise Mismatch((n, "state_at"), "after %s, stream %d: state_at(id, last_op) is not the state" % (n, sid))
        if expect is None or expect.event is None:
            return
        for f, w in expect.event.items():
            if f == "destination" and expect.event["op"] not in ("withdraw", "refund", "transfer"):
                continue
            if ev[f] != w:
                raise Mismatch((n, "event:" + f), "after %s, stream %d: the last event's %s is %s, the model %s" % (
                    n, sid, f, show_field(f, ev[f]), show_field(f, w)))


def fmt_t(v):
    if isinstance(v, int):
        return format_time(v)
    return repr(v)


def show_field(f, v):
    if f in TIME_FIELDS or f == "at":
        return fmt_t(v)
    return show(v)


# ---------------------------------------------------------------- generating ops

class Gen:
    """Seeded random operations, guided by the model's state (amounts that are often valid)."""

    def __init__(self, rng, model, live=30):
        self.r = rng
        self.model = model
        self.live = []          # recorded keys of streams in use
        self.lifetime = {}
        self.base_live = live
        self.next_unknown = 10 ** 15

    # -- values
    def step(self):
        r = self.r.random()
        R = self.r
        if r < 0.08:
            return 0
        if r < 0.13:
            return 1
        if r < 0.28:
            return R.randint(1, US)
        if r < 0.48:
            return R.randint(1, 3600) * US + (R.randint(0, US - 1) if R.random() < 0.5 else 0)
        if r < 0.68:
            return R.randint(3600, 3 * 86400) * US + R.randint(0, US - 1)
        if r < 0.86:
            return R.randint(86400, 120 * 86400) * US + R.randint(0, US - 1)
        if r < 0.94:
            return R.randint(1, 30) * 365 * 86400 * US + R.randint(0, 86400 * US)
        return -R.randint(1, 400 * 86400 * US) if R.random() < 0.7 else -1   # earlier: SF010

    def rate_units(self):
        e = self.r.randint(0, 38)
        return min(self.r.randint(10 ** e, 10 ** (e + 1) - 1), MAX_UNITS)

    def rate_literal(self, units=None, allow_zero=False):
        R = self.r
        x = R.random()
        if units is None:
            units = self.rate_units()
        if x < 0.86:
            s = format_units(units, RATE_SCALE).rstrip("0").rstrip(".")
            if R.random() < 0.1:
                s = format_units(units, RATE_SCALE)       # trailing zeros are fine
            return s
        if x < 0.88:
            return "0" if R.random() < 0.5 else "0.000"
        if x < 0.90:
            return "-" + format_units(units, RATE_SCALE)
        if x < 0.92:
            return format_units(units * 10 + R.randint(1, 9), RATE_SCALE + 1)   # 19 decimals
        if x < 0.93:
            return None
        if x < 0.94:
            return R.choice(["NaN", "Infinity", "-Infinity"])
        if x < 0.96:
            return format_units(MAX_UNITS + R.randint(1, 10 ** 6), RATE_SCALE)   # 22003
        return "%de-%d" % (units, RATE_SCALE)                                  # exponent form

    def amount_literal(self, units, dec, bad=0.1):
        """a literal for base units (valid), or sometimes an invalid one"""
        R = self.r
        x = R.random()
        if x >= bad:
            s = format_units(units, dec)
            y = R.random()
            if y < 0.05:
                s = s + ("00" if dec > 0 else ".00")
            elif y < 0.08:
                s = "%de-%d" % (units, dec) if dec else "%de0" % units
            return s
        x = R.random()
        if x < 0.25:
            return R.choice(["0", "0.0", "-0"])
        if x < 0.45:
            return "-" + format_units(max(units, 1), dec)
        if x < 0.70:
            return format_units(max(units, 1) * 10 + R.randint(1, 9), dec + 1)     # one decimal too many
        if x < 0.80:
            return None
        if x < 0.85:
            return R.choice(["NaN", "Infinity"])
        return format_units(MAX_UNITS + R.randint(1, 10 ** 9), dec)               # 22003

    def deposit_units(self, s):
        R = self.r
        x = R.random()
        if s is not None and s.rps > 0 and x < 0.7:
            h = R.choice([1, 60, 3600, 86400, 30 * 86400, 365 * 86400, 10 * 365 * 86400])
            d = s.rps * h * 10 ** s.decimals
            units = int(d * Fraction(R.randint(0, 2000), 1000))
        elif x < 0.97:
            units = R.randint(1, 10 ** R.randint(0, 30))
        else:
            units = MAX_UNITS - R.randint(0, 10 ** 6)
        return max(1, min(units, MAX_UNITS))

    def part(self, limit):
        """an amount up to limit: mostly inside, sometimes all or one too many"""
        R = self.r
        x = R.random()
        if limit <= 0:
            return R.randint(1, 1000) if x < 0.5 else 1
        if x < 0.65:
            return R.randint(1, limit)
        if x < 0.80:
            return limit
        if x < 0.90:
            return limit + 1
        return limit + R.randint(1, limit + 1)

    def actor_for(self, rightful):
        """(role, actor) mostly of a rightful party, sometimes another, sometimes a spoof"""
        R = self.r
        x = R.random()
        if x < 0.80 and rightful:
            return who(R.choice(rightful))
        if x < 0.93:
            name = R.choice(NAMES + ["st_app", "st_eve"])
            return who(name)
        # a role that is not a member of flowstream_app sets flowstream.actor: 42501
        return R.choice(["st_eve", "st_alice", "st_carol"]), R.choice(NAMES)

    # -- operations
    def create(self, now):
        R = self.r
        if R.random() < 0.03:
            # far from today: from year 1, or up to the end of timestamptz
            now = (R.randint(TIME_MIN, parse_time(1900, 1, 1)) if R.random() < 0.5
                   else R.randint(parse_time(100000, 1, 1), TIME_MAX))
        sender = R.choice(NAMES)
        recipient = R.choice([n for n in NAMES if n != sender])
        role, actor = self.actor_for([sender]) if R.random() < 0.95 else who(recipient)
        dec = R.randint(0, 18)
        y = R.random()
        if y < 0.45:
            start = now - R.choice([0, 1, R.randint(1, US), R.randint(1, 86400 * US),
                                    R.randint(1, 5 * 365 * 86400 * US)])
        elif y < 0.55:
            start = now
        else:
            start = now + R.choice([1, R.randint(1, US), R.randint(1, 86400 * US),
                                    R.randint(1, 2 * 365 * 86400 * US)])
        start = min(max(start, TIME_MIN), TIME_MAX)
        units = self.rate_units()
        rate = self.rate_literal(units)
        if start <= now and R.random() < 0.08:
            rate = "0"
        elif start > now and R.random() < 0.02:
            rate = "0"                                      # 22023: a future start needs a rate
        op = {"name": "create", "t": now, "role": role, "actor": actor, "sender": sender,
              "recipient": recipient, "token_dec": dec, "rate": rate, "start": start,
              "transferable": R.random() < 0.8}
        if R.random() < 0.01:
            op["token_dec"] = None                          # unknown token: 22023
        if R.random() < 0.3:
            op["deposit"] = "0"
        else:
            probe = Stream(0, sender, recipient, dec, Fraction(units, 10 ** RATE_SCALE), start, now, True, None)
            op["deposit"] = self.amount_literal(self.deposit_units(probe), dec, bad=0.04)
        return op

    def on_stream(self, key, s, t=None):
        """a random operation on the stream with recorded key `key` (model stream s), at t if given"""
        R = self.r
        fixed = t is not None
        if not fixed:
            t = s.last_event + self.step()
        if not fixed and R.random() < 0.08:
            # the edges: the start of a pending stream, the depletion time
            edges = []
            if s.st > s.last_event:
                edges.append(s.st)
            dep = s.depletion_time()
            if isinstance(dep, int) and dep >= s.last_event:
                edges.append(dep)
            if edges:
                t = R.choice(edges) + R.choice([-1, 0, 0, 1])
        t = min(max(t, TIME_MIN), TIME_MAX)
        name = R.choices(
            ["deposit", "withdraw", "withdraw_max", "refund", "refund_max", "pause", "restart",
             "adjust_rate", "void", "transfer", "set_void_after"],
            [14, 16, 7, 8, 4, 7, 7, 8, 2, 3, 2])[0]
        op = {"name": name, "key": key, "t": t}
        dec = s.decimals
        if name == "deposit":
            op["role"], op["actor"] = self.actor_for(NAMES + ["st_app", "st_eve"])
            op["amount"] = self.amount_literal(self.deposit_units(s), dec)
        elif name in ("withdraw", "withdraw_max"):
            x = R.random()
            if x < 0.55:
                pass                                            # to the recipient by default
            elif x < 0.70:
                op["to"] = s.recipient
            elif x < 0.97:
                op["to"] = R.choice(NAMES + ["elsewhere"])
            else:
                op["to"] = R.choice(["", None])
            rightful = [s.recipient] if "to" in op and op["to"] != s.recipient else NAMES
            op["role"], op["actor"] = self.actor_for(rightful)
            if name == "withdraw":
                op["amount"] = self.amount_literal(self.part(s.covered(t) if t >= s.last_event else 0), dec)
        elif name in ("refund", "refund_max"):
            op["role"], op["actor"] = self.actor_for([s.sender])
            if name == "refund":
                op["amount"] = self.amount_literal(self.part(s.refundable(t) if t >= s.last_event else 0), dec)
        elif name in ("pause",):
            op["role"], op["actor"] = self.actor_for([s.sender])
        elif name in ("restart", "adjust_rate"):
            op["role"], op["actor"] = self.actor_for([s.sender])
            if name == "adjust_rate" and R.random() < 0.05 and s.rps > 0:
                op["rate"] = format_units(int(s.rps * 10 ** RATE_SCALE), RATE_SCALE)   # SF008
            else:
                op["rate"] = self.rate_literal()
        elif name == "void":
            op["role"], op["actor"] = self.actor_for([s.sender, s.recipient])
        elif name == "transfer":
            op["role"], op["actor"] = self.actor_for([s.recipient])
            x = R.random()
            op["new_recipient"] = (R.choice(NAMES) if x < 0.9 else
                                   s.recipient if x < 0.95 else R.choice(["", None]))
        elif name == "set_void_after":
            op["role"], op["actor"] = self.actor_for([s.sender])
            sql, secs = R.choice(VOID_AFTER)
            op["void_after_sql"], op["void_after"] = sql, secs
        return op

    def unknown(self, t):
        """an operation on a stream that does not exist (SF001) or a null id (22023)"""
        R = self.r
        name = R.choice(["deposit", "withdraw", "withdraw_max", "refund", "refund_max", "pause",
                         "restart", "adjust_rate", "void", "transfer", "set_void_after"])
        op = {"name": name, "t": t, "amount": "1", "rate": "1", "new_recipient": "st_bob",
              "void_after_sql": "1 day", "void_after": Fraction(86400)}
        op["role"], op["actor"] = self.actor_for(NAMES)
        if R.random() < 0.1:
            op["id_null"] = True
        else:
            op["unknown_id"] = R.choice([0, -1, -R.randint(2, 10 ** 9), 10 ** 15 + R.randint(0, 10 ** 6)])
        return op


VOID_AFTER = [(None, None), ("0", Fraction(0)), ("1 day", Fraction(86400)),
              ("00:00:00.000001", Fraction(1, US)), ("30 days", Fraction(30 * 86400)),
              ("2 hours", Fraction(7200)), ("-1 day", Fraction(-86400)),
              ("-00:00:01", Fraction(-1))]


# ---------------------------------------------------------------- the database

def connect(db):
    conn = psycopg2.connect(dbname=db, user=os.environ.get("PGUSER", "postgres"),
                            options="-c TimeZone=UTC -c DateStyle=ISO,YMD")
    conn.autocommit = True
    return conn


def ensure_database(db):
    conn = psycopg2.connect(dbname="postgres", user=os.environ.get("PGUSER", "postgres"))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
    if cur.fetchone() is None:
        cur.execute("CREATE DATABASE %s" % db)
    conn.close()


def prepare(conn, fresh):
    """the extension (anew when fresh), the roles, and the default grace"""
    cur = conn.cursor()
    cur.execute("RESET ROLE")
    if fresh:
        cur.execute("DROP EXTENSION IF EXISTS flowstream CASCADE")
    cur.execute("CREATE EXTENSION IF NOT EXISTS flowstream")
    cur.execute("""DO $$
        DECLARE r text;
        BEGIN
          FOREACH r IN ARRAY ARRAY['st_alice', 'st_bob', 'st_carol', 'st_eve', 'st_app'] LOOP
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
              EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            END IF;
          END LOOP;
        END $$;
        GRANT flowstream_app TO st_app;""")
    prepare_accounts(conn)
    prepare_reads(conn)
    cur.execute("SELECT extract(epoch from default_void_after)::text FROM flowstream.settings")
    row = cur.fetchone()
    return frac(row[0]) if row else None


def make_tokens(conn, prefix):
    cur = conn.cursor()
    tokens = {d: "%s_d%d" % (prefix, d) for d in range(19)}
    cur.execute("INSERT INTO flowstream.tokens VALUES " +
                ", ".join("(%s, %d)" % (quote(n), d) for d, n in tokens.items()) +
                " ON CONFLICT DO NOTHING")
    return tokens


def verify_rows(cur, deficits=None, known=None):
    """
    verify()'s rows.  With deficits (a function of verify()'s time that
    gives {(token, party): amount}), the deficits a late liquidation left,
    which verify() reports as debts of their parties, are checked against it
    and left out when they are as expected.
    """
    cur.execute("SET flowstream.clock = ''; SELECT now()::text, stream_id, token, problem FROM flowstream.verify()")
    rows = cur.fetchall()
    if known is not None:
        kept = []
        for r in rows:
            k = known_verify(r[3]) if r[1] is None else None
            if k is None:
                kept.append(r)
            else:
                known[k].append("verify(): token %s: %s" % (r[2], r[3]))
        rows = kept
    if deficits is None or not rows:
        return [r[1:] for r in rows]
    want = deficits(read_time(rows[0][0]))
    out = []
    for _, sid, tok, problem in rows:
        m = re.match(r"account \d+ \((.*)\): deficit of ([0-9.]+): ", problem)
        if m and sid is None and want.get((tok, m.group(1))) == Fraction(m.group(2)):
            del want[(tok, m.group(1))]
            continue
        out.append((sid, tok, problem))
    for (tok, party), amount in sorted(want.items()):
        out.append((None, tok, "the account of %s shows a deficit of %s, and verify() does not report it" % (
            party, show(amount))))
    return out


# ---------------------------------------------------------------- shrinking

class Shrinker:
    """Replays a recorded scenario in a fresh database and minimizes it (ddmin)."""

    def __init__(self, db, signature, verify_kind, deadline):
        self.db = db
        self.signature = signature
        self.verify_kind = verify_kind      # the failure was a verify() row, not a comparison
        self.deadline = deadline
        self.replays = 0
        ensure_database(db)
        self.conn = connect(db)
        self.default_void_after = prepare(self.conn, fresh=True)
        self.count = 0

    def replay(self, ops, transcript=None):
        """(fails, message, runner)"""
        self.count += 1
        self.replays += 1
        prefix = "repro" if transcript is not None else "sh%d_%d" % (os.getpid(), self.count)
        tokens = make_tokens(self.conn, prefix)
        runner = Runner(self.conn, tokens, prefix + "_unknown", self.default_void_after)
        runner.transcript = transcript
        for op in ops:
            if op["name"] != "create" and op.get("key") is not None and op["key"] not in runner.keymap:
                continue            # its create failed in this replay
            try:
                runner.execute(op)
            except Mismatch as m:
                if not self.verify_kind and m.signature == self.signature:
                    return True, m.message, runner
                if not self.verify_kind:
                    return False, m.message, runner
                break
            except psycopg2.Error as e:
                return False, "unexpected error %s" % e, runner
        if self.verify_kind:
            ids = {sid for _, sid in runner.keymap.values()}
            names = set(tokens.values())
            rows = [r for r in verify_rows(self.conn.cursor()) if r[0] in ids or (r[0] is None and r[1] in names)]
            if rows:
                return True, "verify(): " + "; ".join("%s %s: %s" % r for r in rows), runner
        return False, None, runner

    def minimize(self, ops):
        """ddmin over the operations; creates are kept while a later op needs them"""
        best = list(ops)
        n = 2
        while len(best) >= 2 and time.time() < self.deadline:
            chunk = max(1, len(best) // n)
            reduced = False
            for i in range(0, len(best), chunk):
                if time.time() >= self.deadline:
                    break
                candidate = best[:i] + best[i + chunk:]
                if not candidate:
                    continue
                if self.replay(candidate)[0]:
                    best = candidate
                    n = max(n - 1, 2)
                    reduced = True
                    break
            if not reduced:
                if chunk == 1:
                    break
                n = min(len(best), n * 2)
        return best


def repro_sql(ops, transcript, default_void_after):
    """the minimal sequence as SQL for psql"""
    out = ["-- flowstream stress repro: paste into psql as a superuser",
           "CREATE EXTENSION IF NOT EXISTS flowstream;",
           "DO $$ DECLARE r text; BEGIN FOREACH r IN ARRAY ARRAY['st_alice','st_bob','st_carol','st_eve','st_app'] LOOP "
           "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN EXECUTE format('CREATE ROLE %I NOLOGIN', r); "
           "END IF; END LOOP; END $$;",
           "GRANT flowstream_app TO st_app;"]
    decs = sorted({op["token_dec"] for op, *_ in transcript if op["name"] == "create" and op["token_dec"] is not None})
    for d in decs:
        out.append("INSERT INTO flowstream.tokens VALUES ('repro_d%d', %d) ON CONFLICT DO NOTHING;" % (d, d))
    if default_void_after is not None:
        out.append("-- note: flowstream.settings.default_void_after was %s s" % default_void_after)
    var = {}
    for op, call, expect, sqlstate, message, value in transcript:
        out.append("RESET ROLE; SET flowstream.clock = %s; SET ROLE %s;%s" % (
            quote(format_time(op["t"])), op["role"],
            " SET flowstream.actor = %s;" % quote(op["actor"]) if op.get("actor") else " RESET flowstream.actor;"))
        for k, (_, sid) in list(var.items()):
            call = call.replace("(%d," % sid, "(:%s," % k).replace("(%d)" % sid, "(:%s)" % k)
        want = expect.sqlstate and "ERROR %s" % expect.sqlstate or "returns %r" % (expect.value,)
        got = sqlstate and "ERROR %s: %s" % (sqlstate, message) or "returned %r" % (value,)
        if op["name"] == "create" and not sqlstate:
            k = "s%d" % (len(var) + 1)
            var[k] = (None, int(value))
            out.append("SELECT %s AS %s \\gset" % (call, k))
            out.append("--   model: %s" % ("ERROR %s" % expect.sqlstate if expect.sqlstate else "creates :%s" % k))
        else:
            out.append("SELECT %s;" % call)
            out.append("--   model: %s; flowstream: %s" % (want, got))
    out.append("RESET ROLE; RESET flowstream.actor;")
    for k in var:
        out.append("SELECT * FROM flowstream.streams_now WHERE id = :%s;" % k)
    out.append("SELECT * FROM flowstream.verify();")
    return "\n".join(out)


class WorldShrinker(Shrinker):
    """Replays a world's operations, each time in a fresh extension, and minimizes them."""

    def __init__(self, db, signature, verify_kind, deadline, spec):
        super().__init__(db, signature, verify_kind, deadline)
        self.spec = spec

    def replay(self, ops, transcript=None):
        self.count += 1
        self.replays += 1
        cur = self.conn.cursor()
        cur.execute("RESET ROLE; RESET flowstream.clock; DROP EXTENSION flowstream CASCADE; CREATE EXTENSION flowstream")
        runner = AccountRunner(self.conn, "w", self.spec, Runner, APP_ROLES, None)
        if transcript is not None:
            runner.transcript = transcript
            runner.sr.transcript = []
        done = 0
        try:
            for op in ops:
                if not runs_in(runner, op):
                    continue
                try:
                    runner.execute(op)
                except Mismatch as m:
                    if not (m.known and m.consistent) or m.signature == self.signature:
                        raise
                done += 1
                if done % 100 == 0:
                    runner.compare_world()
            runner.compare_world()
        except Mismatch as m:
            if self.verify_kind:
                return False, m.message, runner
            return m.signature == self.signature, m.message, runner
        except psycopg2.Error as e:
            return False, "unexpected error %s" % e, runner
        if self.verify_kind:
            rows = verify_rows(cur, runner.deficits, collections.defaultdict(list))
            if rows:
                return True, "verify(): " + "; ".join("%s %s: %s" % r for r in rows[:5]), runner
        return False, None, runner


def runs_in(runner, op):
    """whether the flow or stream an operation names was made in this replay"""
    if op["name"] == "create" or op["name"] in ("set_policy", "liquidate_critical"):
        return True
    key = op.get("key")
    if isinstance(key, tuple) and key not in runner.sr.keymap:
        return False
    flow = op.get("flow")
    if isinstance(flow, tuple) and flow not in runner.flowmap:
        return False
    return True


def world_repro(spec, transcript):
    out = ["-- flowstream stress repro (accounts): paste into psql as a superuser, in a database",
           "-- where flowstream is created anew (flow and stream ids count from 1)",
           "CREATE EXTENSION IF NOT EXISTS flowstream;",
           "DO $$ DECLARE r text; BEGIN FOREACH r IN ARRAY ARRAY['st_alice','st_bob','st_carol','st_eve','st_app',"
           "'st_admin'] LOOP IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN "
           "EXECUTE format('CREATE ROLE %I NOLOGIN', r); END IF; END LOOP; END $$;",
           "GRANT flowstream_app TO st_app; GRANT flowstream_admin TO st_admin;",
           "SET TimeZone = 'UTC';"]
    for d, psql, _, mlit, _, reward in spec.tokens:
        out.append("INSERT INTO flowstream.tokens (token, decimals, buffer_period, min_buffer, liquidation_reward) "
                   "VALUES ('w_a%d', %d, %s, %s, %s);" % (d, d, quote(psql), quote(mlit),
                                                         "NULL" if reward is None else quote(reward)))
    for sql, comment in transcript:
        out.append(sql)
        out.append(comment)
    out.append("RESET ROLE; RESET flowstream.actor;")
    out.append("SELECT * FROM flowstream.accounts_now; SELECT * FROM flowstream.flows_now; "
               "SELECT * FROM flowstream.verify();")
    return "\n".join(out)


# ---------------------------------------------------------------- the run

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ops", type=int, default=100000)
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--db", default=os.environ.get("FS_STRESS_DB", "fs_stress"))
    p.add_argument("--shrink-db", default=None)
    p.add_argument("--verify-every", type=int, default=2000)
    p.add_argument("--epoch", type=int, default=200000,
                   help="recreate the extension every N operations, so verify() stays fast")
    p.add_argument("--live", type=int, default=30, help="streams in use at a time")
    p.add_argument("--accounts", type=float, default=0.45,
                   help="the share of operations on accounts and flows (and the streams that meet them)")
    p.add_argument("--world-ops", type=int, default=600,
                   help="operations of a world of accounts before its flows are closed and a new one begins")
    p.add_argument("--shrink-seconds", type=float, default=300)
    p.add_argument("--no-shrink", action="store_true")
    p.add_argument("--keep-going", action="store_true",
                   help="after a mismatch, drop the stream or world, report it once per kind and go on")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()

    print("1..%d" % (7 if KNOWN else 6))  # before anything can fail: a run that stops early shows its unrun tests
    sys.stdout.flush()
    t0 = time.time()
    rng = random.Random(a.seed)
    ensure_database(a.db)
    conn = connect(a.db)
    cur = conn.cursor()
    default_void_after = prepare(conn, fresh=True)
    run_id = "st%x" % (int(time.time() * 1000) % 0xfffffff)
    print("# flowstream stress: seed %d, %d operations (%.0f%% on accounts and flows), database %s, tokens %s_*" % (
        a.seed, a.ops, 100 * a.accounts, a.db, run_id))
    print("ok 1 - set-up: extension, roles st_alice st_bob st_carol st_eve st_app (in flowstream_app) "
          "st_admin (in flowstream_admin), 19 tokens")
    sys.stdout.flush()

    def new_epoch(k):
        tokens = make_tokens(conn, "%s_e%d" % (run_id, k))
        runner = Runner(conn, tokens, run_id + "_unknown", default_void_after)
        return runner, Gen(rng, runner.model, a.live)

    # a world of accounts: its runner, generator and log
    world = {"n": 0, "clock": parse_time(2026, 1, 1)}

    def new_world():
        world["n"] += 1
        spec = WorldSpec(rng, world["clock"])
        wr = AccountRunner(conn, "%s_e%d_w%d" % (run_id, epoch, world["n"]), spec, Runner, APP_ROLES,
                           default_void_after)
        world.update(spec=spec, runner=wr, gen=AccountGen(rng, Gen(rng, wr.sr.model), wr, NAMES), log=[],
                     ops=0)

    known = collections.defaultdict(list)       # KNOWN key -> messages

    acc = {"compared": 0, "sqlstates": collections.Counter(), "coverage": collections.Counter(),
           "conservation": 0, "worlds": 0}

    retired_deficits = {}                       # (token, party) -> amount of retired worlds (no flows left)

    def deficits(now):
        out = dict(retired_deficits)
        out.update(world["runner"].deficits(now))
        return {k: v for k, v in out.items() if k[0] not in broken_tokens}

    def retire_world():
        wr = world["runner"]
        retired_deficits.update(wr.deficits(wr.A))
        acc["compared"] += wr.compared
        acc["sqlstates"].update(wr.sqlstates)
        acc["coverage"].update(wr.coverage)
        acc["coverage"].update(wr.model.notes)
        acc["conservation"] += wr.conservation_checks
        acc["worlds"] += 1
        world["clock"] = wr.A + 1

    epoch = 0
    runner, gen = new_epoch(epoch)
    new_world()
    logs = collections.defaultdict(list)        # recorded key -> ops
    retired = []
    total_compared = 0
    sqlstates = collections.Counter()
    coverage = collections.Counter()
    verifies = 0
    failures = []                               # (signature, message)
    seen_signatures = set()
    broken = set()                              # stream ids left out of verify (keep-going)
    broken_tokens = set()                       # the tokens of worlds left after a mismatch
    now = parse_time(2026, 1, 1)
    key_counter = [0]
    shrink_time = [0.0]

    def fail(signature, message, scenario, verify_kind, index, spec=None):
        failures.append((signature, message))
        print("# MISMATCH at operation %d (seed %d): %s" % (index, a.seed, message))
        print("#   reproduce: test/stress/run.sh --seed %d --ops %d" % (a.seed, index))
        if a.no_shrink or (a.keep_going and signature in seen_signatures):
            seen_signatures.add(signature)
            return
        seen_signatures.add(signature)
        shrink_started = time.time()
        db = a.shrink_db or a.db + "_shrink"
        if spec is not None:
            sh = WorldShrinker(db, signature, verify_kind, time.time() + a.shrink_seconds, spec)
        else:
            sh = Shrinker(db, signature, verify_kind, time.time() + a.shrink_seconds)
        ok, msg, _ = sh.replay(scenario)
        if not ok:
            print("# the failure does not reproduce alone (%d ops replayed): %s" % (len(scenario), msg))
            best = scenario
        else:
            best = sh.minimize(scenario)
        transcript = []
        ok2, msg2, _ = sh.replay(best, transcript)
        print("# shrunk from %d to %d operations in %d replays%s: %s" % (
            len(scenario), len(best), sh.replays, "" if ok2 else " (not reproduced)", msg2))
        text = world_repro(spec, transcript) if spec is not None else repro_sql(best, transcript, default_void_after)
        for line in text.splitlines():
            print("#   " + line)
        sys.stdout.flush()
        sh.conn.close()
        shrink_time[0] += time.time() - shrink_started

    def world_failed(m, index, verify_kind=False):
        """a mismatch in the world: shrink it, and (going on) leave the world for a new one"""
        wr = world["runner"]
        fail(m.signature, m.message, list(world["log"]), verify_kind, index, world["spec"])
        broken_tokens.update(wr.names.values())
        broken.update(sid for _, sid in wr.sr.keymap.values())
        wr.abandon()
        retire_world()
        if a.keep_going:
            new_world()

    def world_step(index):
        """one operation of the world; False after a mismatch"""
        wr, wg = world["runner"], world["gen"]
        op = wg.next_op()
        op["seq"] = index
        world["log"].append(op)
        world["ops"] += 1
        try:
            expect = wr.execute(op)
            wg.note(op, expect)
            if world["ops"] % 100 == 0:
                wr.compare_world(rng)
            if world["ops"] >= a.world_ops:
                # the end of a world: its flows closed, everything compared
                for op in wg.closing():
                    op["seq"] = index
                    world["log"].append(op)
                    wr.execute(op)
                wr.compare_world(rng)
                retire_world()
                new_world()
        except Mismatch as m:
            if m.known:
                known[m.known].append(m.message)
                if not m.consistent:
                    # flowstream went its own way: leave the world without comparing further
                    wr.abandon()
                    broken_tokens.update(wr.names.values())
                    broken.update(sid for _, sid in wr.sr.keymap.values())
                    retire_world()
                    new_world()
                return True
            world_failed(m, index)
            return False
        return True

    i = 0
    last_report = time.time()
    while i < a.ops:
        if rng.random() < a.accounts:
            i += 1
            if not world_step(i) and not a.keep_going:
                break
            op = None
        else:
            # keep the pool of streams in use
            model = runner.model
            if len(gen.live) < gen.base_live or rng.random() < 0.02:
                now += gen.step() if rng.random() < 0.5 else rng.randint(0, 10 ** 9)
                if now > parse_time(3000, 1, 1):
                    now = parse_time(1990, 1, 1) + rng.randint(0, 10 ** 15)
                op = gen.create(now)
                key_counter[0] += 1
                op["creates"] = key_counter[0]
            elif rng.random() < 0.01:
                op = gen.unknown(now)
            else:
                key = rng.choice(gen.live)
                mkey, sid = runner.keymap[key]
                op = gen.on_stream(key, model.streams[mkey])
            i += 1
            op["seq"] = i
        if op is not None:
            try:
                expect = runner.execute(op)
                if op["name"] == "create":
                    if expect.sqlstate is None:
                        gen.live.append(op["creates"])
                        gen.lifetime[op["creates"]] = rng.randint(5, 300)
                        logs[op["creates"]].append(op)
                elif op.get("key") is not None:
                    logs[op["key"]].append(op)
                    gen.lifetime[op["key"]] -= 1
                    if op["name"] == "void" and expect.sqlstate is None:
                        gen.lifetime[op["key"]] = min(gen.lifetime[op["key"]], rng.randint(0, 8))
                    if gen.lifetime[op["key"]] <= 0 or model.streams[runner.keymap[op["key"]][0]].last_event > TIME_MAX - 31 * 366 * 86400 * US:
                        gen.live.remove(op["key"])
                        retired.append(op["key"])
            except Mismatch as m:
                key = op.get("key") if op["name"] != "create" else None
                scenario = (logs.get(key, []) + [op]) if key is not None else [op]
                fail(m.signature, m.message, scenario, False, i)
                if key is not None:
                    broken.add(runner.keymap[key][1])
                    if key in gen.live:
                        gen.live.remove(key)
                elif op["name"] == "create" and op["creates"] in runner.keymap:
                    broken.add(runner.keymap[op["creates"]][1])
                # the model and the database disagree about this stream: leave it
                if not a.keep_going:
                    break
        if i % a.verify_every == 0 or i == a.ops:
            try:
                world["runner"].compare_world(rng)
            except Mismatch as m:
                world_failed(m, i)
                if not a.keep_going:
                    break
            rows = [r for r in verify_rows(cur, deficits, known) if r[0] not in broken and r[1] not in broken_tokens]
            verifies += 1
            if rows:
                wtokens = set(world["runner"].names.values())
                if any(r[1] in wtokens for r in rows):
                    world_failed(Mismatch(("verify", rows[0][2].split(":")[0]), "verify() after %d operations: %s" % (
                        i, "; ".join("stream %s token %s: %s" % r for r in rows[:5]))), i, verify_kind=True)
                    if not a.keep_going:
                        break
                    continue
                sid = next((r[0] for r in rows if r[0] is not None), None)
                inv = {v[1]: k for k, v in runner.keymap.items()}
                if sid is not None and sid in inv:
                    scenario = list(logs.get(inv[sid], []))
                else:
                    tok = rows[0][1]
                    keys = [k for k, (mk, s) in runner.keymap.items()
                            if runner.tokens_by_dec.get(runner.model.streams[mk].decimals) == tok]
                    scenario = sorted((o for k in keys for o in logs.get(k, [])), key=lambda o: o["seq"])
                fail(("verify", rows[0][2].split(":")[0]), "verify() after %d operations: %s" % (
                    i, "; ".join("stream %s token %s: %s" % r for r in rows[:5])), scenario, True, i)
                if not a.keep_going:
                    break
                broken.update(r[0] for r in rows if r[0] is not None)
                broken_tokens.update(r[1] for r in rows if r[0] is None)
            else:
                for k in retired:
                    logs.pop(k, None)
                retired = []
        if a.epoch and i % a.epoch == 0 and i < a.ops:
            total_compared += runner.compared
            sqlstates.update(runner.sqlstates)
            coverage.update(runner.coverage)
            retire_world()
            retired_deficits.clear()
            cur.execute("RESET ROLE; DROP EXTENSION flowstream CASCADE; CREATE EXTENSION flowstream")
            epoch += 1
            runner, gen = new_epoch(epoch)
            new_world()
            logs.clear()
            retired = []
            broken = set()
            broken_tokens = set()
        if not a.quiet and time.time() - last_report > 30:
            last_report = time.time()
            print("# %d operations, %.0f s" % (i, time.time() - t0))
            sys.stdout.flush()

    total_compared += runner.compared
    sqlstates.update(runner.sqlstates)
    coverage.update(runner.coverage)
    if world.get("runner") is not None and not (failures and not a.keep_going):
        retire_world()
    elapsed = time.time() - t0
    dist = ", ".join("%s %d" % kv for kv in sorted(sqlstates.items(), key=lambda kv: -kv[1]))
    adist = ", ".join("%s %d" % kv for kv in sorted(acc["sqlstates"].items(), key=lambda kv: -kv[1]))
    print("# %d stream and %d account operations compared in %.1f s (%.2f ms each), %d verify() runs, %d epochs, "
          "%d worlds of accounts%s" % (
              total_compared, acc["compared"], elapsed - shrink_time[0],
              1000 * (elapsed - shrink_time[0]) / max(total_compared + acc["compared"], 1),
              verifies, epoch + 1, acc["worlds"], ", %.1f s shrinking" % shrink_time[0] if shrink_time[0] else ""))
    print("# stream outcomes: " + dist)
    print("# stream rows compared: " + ", ".join("%s %d" % kv for kv in sorted(coverage.items())))
    print("# account outcomes: " + adist)
    print("# accounts compared: " + ", ".join("%s %d" % kv for kv in sorted(acc["coverage"].items())))
    stream_failures = [f for f in failures if f[0][0] != "verify" and f[0][0] in STREAM_NAMES]
    account_failures = [f for f in failures if f[0][0] != "verify" and f[0][0] not in STREAM_NAMES]
    ver_failures = [f for f in failures if f[0][0] == "verify"]
    cons_failures = [f for f in account_failures if f[0][1] == "conservation"]
    stopped = failures and not a.keep_going
    if stream_failures:
        print("not ok 2 - streams: every value, SQLSTATE, row and event as the model says (%d mismatches, kinds: %s)" % (
            len(stream_failures), ", ".join(sorted({"%s/%s" % s for s, _ in stream_failures}))))
    elif stopped:
        print("ok 2 # SKIP stopped at the first mismatch")
    else:
        print("ok 2 - streams: every value, SQLSTATE, row and event as the model says (%d operations)" % total_compared)
    if account_failures:
        print("not ok 3 - accounts and flows: every value, SQLSTATE, account, flow and event as the model says "
              "(%d mismatches, kinds: %s)" % (len(account_failures),
                                              ", ".join(sorted({"%s/%s" % s for s, _ in account_failures}))))
    elif stopped:
        print("ok 3 # SKIP stopped at the first mismatch")
    else:
        print("ok 3 - accounts and flows: every value, SQLSTATE, account, flow and event as the model says "
              "(%d operations, %d worlds)" % (acc["compared"], acc["worlds"]))
    if cons_failures:
        print("not ok 4 - money conserved exactly (%d reports)" % len(cons_failures))
    elif stopped:
        print("ok 4 # SKIP stopped at the first mismatch")
    else:
        print("ok 4 - money conserved exactly: Σ balances = deposits - withdrawals in 10^-24 tokens, "
              "netflows sum to 0 (%d checks)" % acc["conservation"])
    if ver_failures:
        print("not ok 5 - verify() reports nothing (%d reports)" % len(ver_failures))
    elif stopped:
        print("ok 5 # SKIP stopped at the first mismatch")
    else:
        print("ok 5 - verify() reports nothing (%d runs)" % verifies)
    def known_line():
        if known:
            print("not ok 7 - known disagreements with the SPEC, flowstream's (reproduced by "
                  "test/pgtap/17_found_by_stress_accounts.sql): %s" % ", ".join(
                      "%s %d times" % (k, len(v)) for k, v in sorted(known.items())))
            for k, v in sorted(known.items()):
                print("#   %s: %s" % (k, KNOWN[k]))
                print("#     first: %s" % v[0])
        elif KNOWN:
            print("ok 7 - none of the known disagreements with the SPEC showed up")

    # the events of every stream of this epoch: as many as the model's operations
    if stopped:
        print("ok 6 # SKIP stopped at the first mismatch")
        known_line()
        return 1
    cur.execute("SELECT stream_id, count(*) FROM flowstream.events GROUP BY stream_id")
    counts = dict(cur.fetchall())
    bad = [(sid, counts.get(sid), runner.model.streams[mk].events)
           for mk, sid in runner.keymap.values()
           if sid not in broken and counts.get(sid) != runner.model.streams[mk].events]
    if bad:
        print("not ok 6 - events per stream as the model's operations: %s" % bad[:5])
    else:
        print("ok 6 - events per stream as the model's operations (%d streams)" % len(runner.keymap))
    known_line()
    return 1 if failures or bad or known else 0


STREAM_NAMES = {"create", "deposit", "withdraw", "withdraw_max", "refund", "refund_max", "pause", "restart",
                "adjust_rate", "void", "transfer", "set_void_after"}


if __name__ == "__main__":
    sys.exit(main())
