"""
accounts.py -- the accounts and flows (SPEC §6) of the differential stress
test: worlds of a few tokens, their accounts, flows and the debt streams
that meet them, driven by seeded random API calls under the test clock and
compared, call by call, with model.AccountModel.

A world has its own tokens (distinct decimals, each with a buffer policy
and maybe a liquidation reward), the parties of driver.NAMES, one clock
that moves forward (the sweeper runs at it) and a log of every operation,
which replays in a fresh database to shrink a mismatch.  Operations name
tokens by their index in the world, flows and streams by the keys of the
run that recorded them, so that a replay maps them to its own.

After every call: its value or SQLSTATE; every event it wrote (op, actor,
amount, destination, time, accounts, flow, buffer, stream); each account it
touched through account_balance, account_available, account_buffer,
account_critical_time, account_insolvency_time and accounts_now (netflow,
status, open outflows), the stored critical_at and the exact balance of the
account's state; the flow through flows_now; the stream's row.  A refused
call must leave them as they were.  Every so often, and after every
liquidation, the whole world: every account and flow, netflow(party, token)
with the debt streams, balances at a past time from the history, the events
of every account and flow, and the conservation of money, exactly in
10^-24 tokens: Σ balances = Σ deposits - Σ withdrawals, netflows sum to 0.
"""
import collections
import json
import re
from fractions import Fraction

import psycopg2

from model import (MAX_UNITS, RATE_SCALE, US, AccountModel, Err, Policy,  # noqa: F401
                   format_time, format_units, read_time)

ACCOUNT_OPS = {"account_deposit", "account_withdraw", "account_transfer", "open_flow", "update_flow",
               "close_flow", "liquidate_critical", "deposit_from_account", "withdraw_to_account",
               "withdraw_max_to_account"}
STREAM_OPS = {"create", "deposit", "withdraw", "withdraw_max", "refund", "refund_max", "pause", "restart",
              "adjust_rate", "void", "transfer", "set_void_after"}
REWARDS = [None, None, "st_carol", "user:2", "st_bob", "st_alice", "liquidator"]
PERIODS = [("1 hour", 3600 * US), ("1 hour", 3600 * US), ("1 hour", 3600 * US), ("4 hours", 4 * 3600 * US),
           ("0", 0), ("00:00:01", US), ("00:00:00.000017", 17), ("1 day", 86400 * US),
           ("00:01:30.5", 90 * US + US // 2)]

# What is read after every call, as SQL text (not functions of the test
# database: each call of a SQL function plans its body anew).  The accounts
# of some parties in a token: accounts_now, the stored critical_at, the
# state; the API's own views of an account are read with the whole world.
ACCTS_SQL = """(SELECT coalesce(json_agg(json_build_object(
    'party', u.p, 'token', u.t, 'exists', a.id IS NOT NULL,
    'v_balance', v.balance::text, 'v_available', v.available::text, 'v_netflow', v.netflow::text,
    'v_buffer', v.buffer::text, 'v_status', v.status, 'v_critical', v.critical_time::text,
    'v_insolvent', v.insolvency_time::text, 'outflows', a.open_outflows,
    'critical_at', a.critical_at::text, 'state', a.state::text) ORDER BY u.o), '[]')
  FROM unnest(%(parties)s, %(toks)s) WITH ORDINALITY u(p, t, o)
  LEFT JOIN flowstream.accounts a ON a.party = u.p AND a.token = u.t
  LEFT JOIN flowstream.accounts_now v ON v.id = a.id)"""
FLOW_SQL = """(SELECT json_build_object('sender', f.sender, 'receiver', f.receiver, 'token', f.token,
    'rate', f.rate_per_second::text, 'buffer', f.buffer::text, 'status', f.status,
    'opened_at', f.opened_at::text, 'closed_at', f.closed_at::text)
  FROM flowstream.flows_now f WHERE f.id = %(fid)s)"""
EVENTS_SQL = """(SELECT coalesce(json_agg(json_build_object('op', e.op, 'actor', e.actor, 'amount', e.amount::text,
    'destination', e.destination, 'at', e.at::text, 'account', a.party, 'token', a.token, 'peer', p.party,
    'flow', e.flow_id, 'flow_buffer', e.flow_buffer::text, 'stream', e.stream_id) ORDER BY e.id), '[]')
  FROM flowstream.events e
  LEFT JOIN flowstream.accounts a ON a.id = e.account_id
  LEFT JOIN flowstream.accounts p ON p.id = e.peer_id
  WHERE e.id > %(e0)s)"""
# the whole world, at the clock: every account (its row, the view, the API's
# functions, its events, its balance at a past time), every party's view of
# every token (accounts nobody used included), flows, netflows, deficits
WORLD_SQL = """SELECT json_build_object(
  'accounts', (SELECT coalesce(json_agg(json_build_object('party', a.party, 'token', a.token,
        'state', a.state::text, 'outflows', a.open_outflows, 'critical_at', a.critical_at::text,
        'v_balance', v.balance::text, 'v_available', v.available::text, 'v_netflow', v.netflow::text,
        'v_buffer', v.buffer::text, 'v_status', v.status, 'v_critical', v.critical_time::text,
        'v_insolvent', v.insolvency_time::text,
        'events', (SELECT count(*) FROM flowstream.events e WHERE e.account_id = a.id)
                + (SELECT count(*) FROM flowstream.events e WHERE e.peer_id = a.id),
        'past_balance', flowstream.account_balance(a.party, a.token, %(past)s)::text,
        'past_available', flowstream.account_available(a.party, a.token, %(past)s)::text)), '[]')
      FROM flowstream.accounts a JOIN flowstream.accounts_now v ON v.id = a.id
      WHERE a.token = ANY (%(toks)s)),
  'api', (SELECT coalesce(json_agg(json_build_object('party', p.p, 'token', t.t,
        'exists', EXISTS (SELECT FROM flowstream.accounts a WHERE a.party = p.p AND a.token = t.t),
        'balance', flowstream.account_balance(p.p, t.t)::text,
        'available', flowstream.account_available(p.p, t.t)::text,
        'buffer', flowstream.account_buffer(p.p, t.t)::text,
        'critical', flowstream.account_critical_time(p.p, t.t)::text,
        'insolvent', flowstream.account_insolvency_time(p.p, t.t)::text,
        'netflow', flowstream.netflow(p.p, t.t)::text)), '[]')
      FROM unnest(%(parties)s) p(p) CROSS JOIN unnest(%(toks)s) t(t)),
  'flows', (SELECT coalesce(json_agg(json_build_object('id', f.id, 'sender', f.sender,
        'receiver', f.receiver, 'token', f.token, 'rate', f.rate_per_second::text,
        'buffer', f.buffer::text, 'status', f.status, 'opened_at', f.opened_at::text,
        'closed_at', f.closed_at::text,
        'events', (SELECT count(*) FROM flowstream.events e WHERE e.flow_id = f.id))), '[]')
      FROM flowstream.flows_now f WHERE f.token = ANY (%(toks)s)),
  'deficits', (SELECT coalesce(json_agg(json_build_array(d.party, d.token, d.deficit::text)), '[]')
      FROM flowstream.deficits d WHERE d.token = ANY (%(toks)s)),
  'stream_events', (SELECT coalesce(json_object_agg(s.id, (SELECT count(*) FROM flowstream.events e
        WHERE e.stream_id = s.id)), '{}') FROM flowstream.streams s WHERE s.id = ANY (%(sids)s)))"""


def prepare_reads(conn):
    """
    The reads after every call as prepared statements of the session (planned
    once: the statements of the calls differ every time, and planning these
    reads would cost more than running them).  After a call:
      stress_e0                    the last event's id before it (in stress.e0)
      stress_stream(id)            the stream's row (driver.READ_COLUMNS)
      stress_acct(parties, tokens, flow id, e0)        its accounts, flow, events
      stress_acct_s(parties, tokens, flow id, e0, id)  and a stream's row
    """
    from driver import READ_COLUMNS
    reads = "current_setting('stress.r', true), %s, %s, %s" % (
        ACCTS_SQL % {"parties": "$1", "toks": "$2"}, FLOW_SQL % {"fid": "$3"}, EVENTS_SQL % {"e0": "$4"})
    conn.cursor().execute(
        "DEALLOCATE ALL; "
        "PREPARE stress_e0 AS SELECT set_config('stress.e0', "
        "(SELECT coalesce(max(id), 0) FROM flowstream.events)::text, false); "
        "PREPARE stress_stream(bigint) AS SELECT current_setting('stress.r', true), " + READ_COLUMNS % "$1" + "; "
        "PREPARE stress_acct(text[], text[], bigint, bigint) AS SELECT " + reads + "; "
        "PREPARE stress_acct_s(text[], text[], bigint, bigint, bigint) AS SELECT " + reads + ", " +
        READ_COLUMNS % "$5")


NO_EVENTS = 2 ** 62                     # an e0 after every event


def prepare_accounts(conn):
    cur = conn.cursor()
    cur.execute("""RESET ROLE; DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'st_admin') THEN CREATE ROLE st_admin NOLOGIN; END IF;
        END $$; GRANT flowstream_admin TO st_admin;""")


def array(items):
    return "ARRAY[%s]::text[]" % ", ".join(quote(x) for x in items)


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def text_or_null(s):
    return "NULL::text" if s is None else quote(s)


def num(lit):
    return "NULL::numeric" if lit is None else quote(lit) + "::numeric"


def frac(s):
    return None if s is None else Fraction(s)


def parse_account_state(text):
    """(static balance in 10^-24 tokens, netflow in 10^-18 tokens/s, settled_at) of an account literal"""
    fields = dict(kv.split("=", 1) for kv in text.strip("()").split(","))
    static = Fraction(fields["balance"]) * 10 ** 24
    netflow = Fraction(fields["netflow"]) * 10 ** RATE_SCALE
    assert static.denominator == 1 and netflow.denominator == 1, text
    s = fields["settled_at"].rstrip("Z").replace("T", " ")
    return int(static), int(netflow), read_time(s + "+00")


class Mismatch(Exception):
    """
    flowstream and the model disagree.  known: the key of KNOWN when it is a
    disagreement already understood (flowstream is wrong, a pgTAP test
    reproduces it); consistent: both refused the call, so the world goes on.
    """

    def __init__(self, signature, message, known=None, consistent=False):
        super().__init__(message)
        self.signature = signature
        self.message = message
        self.known = known
        self.consistent = consistent


# Disagreements found by this test in which flowstream is wrong (SPEC §5, §6),
# each reproduced by test/pgtap/17_found_by_stress_accounts.sql.  A run
# counts them on a TAP line of their own (test 7, only while there are some)
# and goes on; any other disagreement fails as usual.  Add an entry, and its
# signature to known_verify or known_refusal, when one is found and not fixed
# at once; remove it when flowstream is fixed.  K1-K6 are fixed: pgTAP 17
# keeps them as regressions.
KNOWN = {}


def known_verify(problem):
    """the known disagreement a row of verify() shows, or None"""
    return None


def known_refusal(n, expect, sqlstate, message):
    """the known disagreement of a call both refused with different SQLSTATEs, or None"""
    return None


def show(v):
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        for k in range(1, 60):
            if (v * 10 ** k).denominator == 1:
                return format_units(int(v * 10 ** k), k).rstrip("0")
        return str(v)
    if isinstance(v, int) and v > 10 ** 14:
        return format_time(v)
    return repr(v)


# ---------------------------------------------------------------- a world

class WorldSpec:
    """What a world starts from: its tokens' decimals and policies, its start time."""

    def __init__(self, rng, start):
        self.start = start
        decs = set()
        while len(decs) < 3:
            decs.add(rng.choice([0, 2, 6, 6, 8, 18, 18]) if rng.random() < 0.7 else rng.randint(0, 18))
        self.tokens = []                # (decimals, period_sql, period_us, min_buffer literal, units, reward)
        for d in sorted(decs):
            psql, pus = rng.choice(PERIODS)
            if rng.random() < 0.6:
                mlit, munits = "0", 0
            else:
                munits = rng.randint(1, 10 ** rng.randint(0, d + 4))
                mlit = format_units(munits, d)
            self.tokens.append((d, psql, pus, mlit, munits, rng.choice(REWARDS)))


class AccountRunner:
    """
    Executes a world's operations on one connection and compares each with
    the model: accounts and flows through the AccountModel, the world's
    streams through a driver.Runner of the same tokens.
    """

    def __init__(self, conn, prefix, spec, runner_class, app_roles, default_void_after):
        self.conn = conn
        self.cur = conn.cursor()
        self.spec = spec
        self.names = {}                 # index -> token name
        policies = {}
        values = []
        for i, (d, psql, pus, mlit, munits, reward) in enumerate(spec.tokens):
            name = "%s_a%d" % (prefix, d)
            self.names[i] = name
            policies[name] = Policy(pus, munits, reward)
            values.append("(%s, %d, %s::interval, %s::numeric, %s)" % (
                quote(name), d, quote(psql), quote(mlit), text_or_null(reward)))
        self.unknown_token = prefix + "_unknown"
        self.cur.execute("RESET ROLE; INSERT INTO flowstream.tokens "
                         "(token, decimals, buffer_period, min_buffer, liquidation_reward) VALUES " +
                         ", ".join(values))
        tokens_by_dec = {d: self.names[i] for i, (d, *_) in enumerate(spec.tokens)}
        self.sr = runner_class(conn, tokens_by_dec, self.unknown_token, default_void_after)
        decimals = {self.names[i]: d for i, (d, *_) in enumerate(spec.tokens)}
        self.model = AccountModel(decimals, policies, app_roles, self.sr.model)
        self.flowmap = {}               # recorded flow key -> (model key, flow id)
        self.A = spec.start             # the world's clock: no operation is later
        self.compared = 0
        self.sqlstates = collections.Counter()
        self.coverage = collections.Counter()
        self.conservation_checks = 0
        self.transcript = None

    # -- names
    def token(self, op):
        tok = op.get("tok")
        if tok == "null":
            return None
        if tok is None:
            return self.unknown_token
        return self.names[tok]

    def decimals(self, tok):
        return self.spec.tokens[tok][0]

    def stream_id(self, key):
        return self.sr.keymap[key][1]

    # -- running
    def execute(self, op):
        """runs one recorded operation of the world; raises Mismatch"""
        self.A = max(self.A, op["t"])
        n = op["name"]
        if n in STREAM_OPS:
            expect = self.sr.execute(op)
            self.compared += 1
            self.sqlstates[expect.sqlstate or "ok"] += 1
            self.coverage["stream " + n] += 1
            return expect
        if n == "set_policy":
            return self.set_policy(op)
        return self.account_call(op)

    def set_policy(self, op):
        name = self.names[op["tok"]]
        d = self.decimals(op["tok"])
        self.cur.execute("RESET ROLE; UPDATE flowstream.tokens SET buffer_period = %s::interval, "
                         "min_buffer = %s::numeric, liquidation_reward = %s WHERE token = %s" % (
                             quote(op["period_sql"]), quote(op["min_lit"]), text_or_null(op["reward"]),
                             quote(name)))
        valid = op["period_us"] >= 0 and op["min_units"] is not None
        self.model.policies[name] = Policy(op["period_us"], op["min_units"] if valid else 0, op["reward"], valid)
        self.coverage["policy %s" % ("valid" if valid else "invalid")] += 1
        if self.transcript is not None:
            self.transcript.append(("RESET ROLE; UPDATE flowstream.tokens SET buffer_period = %s, min_buffer = %s, "
                                    "liquidation_reward = %s WHERE token = %s;" % (
                                        quote(op["period_sql"]), quote(op["min_lit"]), text_or_null(op["reward"]),
                                        quote(name)), "-- policy of decimals %d" % d))
        return None

    def call_sql(self, op, mop):
        n = op["name"]
        tok = text_or_null(mop.get("token"))
        if n == "account_deposit":
            return "flowstream.account_deposit(%s, %s, %s)" % (text_or_null(op["party"]), tok, num(op["amount"]))
        if n == "account_withdraw":
            if "to" in op:
                return "flowstream.account_withdraw(%s, %s, %s, %s)" % (
                    text_or_null(op["party"]), tok, num(op["amount"]), text_or_null(op["to"]))
            return "flowstream.account_withdraw(%s, %s, %s)" % (text_or_null(op["party"]), tok, num(op["amount"]))
        if n == "account_transfer":
            return "flowstream.account_transfer(%s, %s, %s, %s)" % (
                text_or_null(op["party"]), text_or_null(op["peer"]), tok, num(op["amount"]))
        if n == "open_flow":
            return "flowstream.open_flow(%s, %s, %s, %s)" % (
                text_or_null(op["party"]), text_or_null(op["peer"]), tok, num(op["rate"]))
        if n == "update_flow":
            return "flowstream.update_flow(%s, %s)" % (mop["fid_sql"], num(op["rate"]))
        if n == "close_flow":
            return "flowstream.close_flow(%s)" % mop["fid_sql"]
        if n == "liquidate_critical":
            return "flowstream.liquidate_critical(%s)" % ("" if "max" not in op else op["max"])
        if n in ("deposit_from_account", "withdraw_to_account"):
            return "flowstream.%s(%s, %s)" % (n, mop["sid_sql"], num(op["amount"]))
        if n == "withdraw_max_to_account":
            return "flowstream.withdraw_max_to_account(%s)" % mop["sid_sql"]
        raise ValueError(n)

    def account_call(self, op):
        n = op["name"]
        mop = dict(op)
        mop["token"] = self.token(op)
        fid = sid = None
        tok = mop["token"]
        parties = []
        if n in ("update_flow", "close_flow"):
            if op.get("flow") is None:
                mop["fid_sql"], mop["flow"] = "NULL::bigint", None
            elif op["flow"] == "unknown":
                mop["fid_sql"], mop["flow"] = str(op["unknown_id"]), -1
            else:
                mkey, fid = self.flowmap[op["flow"]]
                mop["flow"] = mkey
                mop["fid_sql"] = str(fid)
                f = self.model.flows[mkey]
                tok = f.token
                parties = [f.sender, f.receiver]
        elif n in ("deposit_from_account", "withdraw_to_account", "withdraw_max_to_account"):
            if op.get("key") is None:
                mop["sid_sql"], mop["id_null"] = "NULL::bigint", True
            elif op["key"] == "unknown":
                mop["sid_sql"], mop["key"] = str(op["unknown_id"]), None
            else:
                mkey, sid = self.sr.keymap[op["key"]]
                mop["key"] = mkey
                mop["sid_sql"] = str(sid)
                s = self.sr.model.streams[mkey]
                tok = self.model.token_of[s.decimals]
                parties = [s.sender if n == "deposit_from_account" else s.recipient]
        elif n != "liquidate_critical":
            parties = [p for p in (op.get("party"), op.get("peer")) if p]
        parties = list(dict.fromkeys(parties))
        if tok not in self.model.tokens:
            parties = []
        pairs = [(p, tok) for p in parties]
        expect = self.model.run(mop)
        if n == "liquidate_critical":
            # the accounts the model says it moved: should it move others, their events show it
            pairs = list(dict.fromkeys(
                (p, e["token"]) for e in expect.events for p in (e["account"], e["peer"]) if p))

        call = self.call_sql(op, mop)
        t = op["t"]
        prefix = "SET flowstream.clock = %s; EXECUTE stress_e0; SET ROLE %s; " % (quote(format_time(t)), op["role"])
        if op.get("actor") is not None:
            prefix += "SET flowstream.actor = %s; " % quote(op["actor"])
        body = "SELECT set_config('stress.r', coalesce((%s)::text, '<null>'), false); " % call
        tail = "RESET ROLE; RESET flowstream.actor; "
        if n == "open_flow":
            fid_expr = "nullif(current_setting('stress.r'), '<null>')::bigint"
        else:
            fid_expr = str(fid) if fid is not None else "NULL::bigint"
        reads = self.reads_sql(pairs, fid_expr, sid)
        sqlstate, message, row = None, None, None
        try:
            self.cur.execute(prefix + body + tail + reads)
            row = self.cur.fetchone()
        except psycopg2.Error as e:
            sqlstate = e.pgcode or "?????"
            message = (e.pgerror or str(e)).strip().splitlines()[0]
        self.compared += 1
        self.sqlstates[sqlstate or "ok"] += 1
        self.coverage[n + (" " + sqlstate if sqlstate else " ok")] += 1
        if self.transcript is not None:
            self.transcript.append((
                "RESET ROLE; SET flowstream.clock = %s; SET ROLE %s;%s SELECT %s;" % (
                    quote(format_time(t)), op["role"],
                    " SET flowstream.actor = %s;" % quote(op["actor"]) if op.get("actor") else " RESET flowstream.actor;",
                    call),
                "--   model: %s; flowstream: %s" % (
                    "ERROR %s (%s)" % (expect.sqlstate, expect.why) if expect.sqlstate else "returns %r" % (expect.value,),
                    "ERROR %s: %s" % (sqlstate, message) if sqlstate else "returned %r" % (row[0],))))

        if sqlstate != expect.sqlstate:
            known = known_refusal(n, expect, sqlstate, message) if sqlstate and expect.sqlstate else None
            raise Mismatch((n, "sqlstate"), "%s at %s: expected %s, got %s" % (
                n, format_time(t), expect, "error %s: %s" % (sqlstate, message) if sqlstate else "ok %r" % (row[0],)),
                known, known is not None)
        if getattr(expect, "healed", 0):
            self.coverage["liquidation: a reward healed an account"] += 1
        self.compare_after(op, n, row, fid, sid, mop, t, expect, pairs)
        return expect

    def compare_after(self, op, n, row, fid, sid, mop, t, expect, pairs):
        sqlstate = expect.sqlstate
        if sqlstate is None:
            value = row[0]
            if n == "open_flow":
                fid = int(value)
                self.flowmap[op["creates"]] = (expect.value, fid)
            elif value != expect.value:
                raise Mismatch((n, "value"), "%s at %s returned %r, the model %r" % (n, format_time(t), value,
                                                                                     expect.value))
            self.compare_reads(op, n, row[1:], fid, sid, mop, t, expect.events)
            if n == "liquidate_critical":
                self.coverage["liquidated accounts"] += int(value)
        else:
            # refused: everything as it was (read at the clock: the accounts' last operations may be later than t)
            self.cur.execute("SET flowstream.clock = %s; %s" % (
                quote(format_time(self.A)), self.reads_sql(pairs, str(fid) if fid else "NULL::bigint", sid, False)))
            self.compare_reads(op, n, self.cur.fetchone()[1:], fid, sid, mop, self.A, None)
        return expect

    def reads_sql(self, pairs, fid_expr, sid, events=True):
        """what to read after a call; pairs: the (party, token) of the accounts"""
        args = [array(p for p, _ in pairs), array(t for _, t in pairs), fid_expr,
                "current_setting('stress.e0')::bigint" if events else str(NO_EVENTS)]
        if sid is not None:
            return "EXECUTE stress_acct_s(%s, %d)" % (", ".join(args), sid)
        return "EXECUTE stress_acct(%s)" % ", ".join(args)

    def abandon(self):
        """after a mismatch: close what is open without comparing, so that no later sweeper finds it"""
        self.cur.execute("RESET ROLE; RESET flowstream.actor; SELECT id, sender FROM flowstream.flows "
                         "WHERE closed_at IS NULL AND token = ANY (%s)", (list(self.names.values()),))
        for fid, sender in self.cur.fetchall():
            role, actor = (("st_app", sender) if sender.startswith("user:") else (sender, None))
            try:
                self.cur.execute("SET flowstream.clock = %s; SET ROLE %s; %s SELECT flowstream.close_flow(%d); "
                                 "RESET ROLE; RESET flowstream.actor" % (
                                     quote(format_time(self.A)), role,
                                     "SET flowstream.actor = %s;" % quote(actor) if actor else "", fid))
            except psycopg2.Error:
                pass
        self.cur.execute("RESET ROLE; RESET flowstream.actor")

    def deficits(self, now):
        """what verify() reports as deficits, at max(now, the account's last operation): (token, party) -> tokens"""
        out = {}
        for (party, tok), a in self.model.accounts.items():
            if a.used:
                b = a.balance(max(now, a.last))
                if b < 0:
                    out[(tok, party)] = Fraction(-b, 10 ** a.decimals)
        return out

    # -- comparing
    def fail(self, n, what, message):
        raise Mismatch((n, what), message)

    def compare_account(self, n, label, got, a, dec, t, api=False):
        """
        got: an account as ACCTS_SQL or WORLD_SQL read it (api: through the
        API's functions of a party and a token); a: the model's account,
        maybe None
        """
        used = a is not None and a.used
        if "exists" in got and got["exists"] != used:
            self.fail(n, "account:exists", "after %s, the account of %s: exists is %s, the model %s" % (
                n, label, got["exists"], used))
        zero = Fraction(0)
        want = {
            "balance": Fraction(a.balance(t), 10 ** dec) if used else zero,
            "available": Fraction(a.available(t), 10 ** dec) if used else zero,
            "buffer": Fraction(a.buffer, 10 ** dec) if used else zero,
            "critical": a.critical_time() if used else None,
            "insolvent": a.insolvency_time() if used else None,
        }
        if api:
            want["netflow"] = self.model.netflow_of(a.party, a.token, t) if a is not None else None
            for f in ("balance", "available", "buffer", "netflow"):
                if want[f] is not None and frac(got[f]) != want[f]:
                    self.fail(n, "api:" + f, "%s at %s: account_%s is %s, the model %s" % (
                        label, format_time(t), f, got[f], show(want[f])))
            for f in ("critical", "insolvent"):
                if read_time(got[f]) != want[f]:
                    self.fail(n, "api:" + f, "%s: account_%s_time is %s, the model %s" % (
                        label, f if f == "critical" else "insolvency", got[f], show(want[f])))
            return
        if not used:
            return
        self.coverage["account " + a.status(t)] += 1
        c = want["critical"]
        self.coverage["critical " + ("never" if c is None else c if c == "infinity" else
                                     "already" if c == a.settled else "later")] += 1
        view = {"v_balance": want["balance"], "v_available": want["available"], "v_buffer": want["buffer"],
                "v_netflow": Fraction(a.netflow, 10 ** RATE_SCALE)}
        for f, w in view.items():
            if frac(got[f]) != w:
                self.fail(n, "account:" + f, "after %s, the account of %s at %s: accounts_now.%s is %s, the model %s" % (
                    n, label, format_time(t), f[2:], got[f], show(w)))
        for f, w in (("v_status", a.status(t)), ("outflows", a.outflows)):
            if got[f] != w:
                self.fail(n, "account:" + f, "after %s, the account of %s: %s is %r, the model %r" % (
                    n, label, f, got[f], w))
        for f, w in (("v_critical", want["critical"]), ("v_insolvent", want["insolvent"]),
                     ("critical_at", want["critical"] if a.outflows > 0 else None)):
            if read_time(got[f]) != w:
                self.fail(n, "account:" + f, "after %s, the account of %s: %s is %s, the model %s" % (
                    n, label, f, got[f], show(w)))
        static, netflow, settled = parse_account_state(got["state"])
        exact = static + netflow * (t - settled)
        if exact != a.exact(t):
            self.fail(n, "account:exact", "after %s, the account of %s at %s: its exact balance is %d e-24, the "
                      "model %d e-24" % (n, label, format_time(t), exact, a.exact(t)))

    def compare_flow(self, n, got, f, dec):
        want = {"sender": f.sender, "receiver": f.receiver, "rate": Fraction(f.rate, 10 ** RATE_SCALE),
                "buffer": Fraction(f.buffer, 10 ** dec), "status": "open" if f.open else "closed",
                "opened_at": f.opened_at, "closed_at": f.closed_at}
        for k, w in want.items():
            g = got[k]
            if k in ("rate", "buffer"):
                g = frac(g)
            elif k in ("opened_at", "closed_at"):
                g = read_time(g)
            if g != w:
                self.fail(n, "flow:" + k, "after %s, flow %s: %s is %s, the model %s" % (n, f.key, k, got[k], show(w)))

    def compare_events(self, n, got, want, fid):
        if len(got) != len(want):
            self.fail(n, "events", "%s wrote %d events (%s), the model %d (%s)" % (
                n, len(got), ", ".join(e["op"] for e in got), len(want), ", ".join(e["op"] for e in want)))
        ids = {mk: i for mk, i in self.flowmap.values()}
        sids = {mk: i for mk, i in self.sr.keymap.values()}
        if n == "liquidate_critical":
            # accounts whose critical times tie are taken in any order: compare account by account
            def key(e, flow):
                return (e.get("token") or "", e["account"] or "", flow or 0, e["op"])
            got = sorted(got, key=lambda e: key(e, e["flow"]))
            want = sorted(want, key=lambda e: key(e, ids.get(e["flow"])))
        for g, w in zip(got, want):
            exp = dict(w)
            exp["flow"] = ids.get(w["flow"], fid) if w["flow"] is not None else None
            exp["stream"] = sids.get(w["stream"]) if w["stream"] is not None else None
            for k, v in exp.items():
                gv = g[k]
                if k in ("amount", "flow_buffer"):
                    gv = frac(gv)
                elif k == "at":
                    gv = read_time(gv)
                if gv != v:
                    self.fail(n, "event:" + k, "%s: its %s event's %s is %s, the model %s" % (
                        n, w["op"], k, g[k], show(v)))

    def compare_reads(self, op, n, row, fid, sid, mop, t, events):
        accts, flow, evs = row[0], row[1], row[2]
        if isinstance(accts, str):
            accts, flow, evs = json.loads(accts), flow and json.loads(flow), json.loads(evs)
        for got in accts:
            tok = got["token"]
            a = self.model.accounts.get((got["party"], tok))
            self.compare_account(n, "%s in %s" % (got["party"], tok), got, a, self.model.tokens[tok], t)
        if fid is not None:
            mkey = next(mk for mk, i in self.flowmap.values() if i == fid)
            f = self.model.flows[mkey]
            if flow is None:
                self.fail(n, "flow:missing", "after %s, flow %d is missing" % (n, fid))
            self.compare_flow(n, flow, f, self.model.tokens[f.token])
        if events is not None:
            self.compare_events(n, evs, events, fid)
        if sid is not None:
            self.sr.compare_row(dict(op, t=t), n, row[3:], mop, None, sid)

    def compare_world(self, rng=None):
        """every account and flow of the world, netflows, a past balance, events, conservation"""
        from driver import READ_COLUMNS
        A = self.A
        toks = list(self.model.tokens)
        streams = self.sr.model.streams
        parties = sorted({p for p, _ in self.model.accounts} | {s.sender for s in streams.values()} |
                         {s.recipient for s in streams.values()})
        past = A
        if rng is not None and A > self.spec.start:
            past = rng.randint(self.spec.start, A)
        sids = [sid for _, sid in self.sr.keymap.values()]
        self.cur.execute("RESET ROLE; SET flowstream.clock = %s; " % quote(format_time(A)) + WORLD_SQL % {
            "toks": array(toks), "parties": array(parties), "past": quote(format_time(past)) + "::timestamptz",
            "sids": "ARRAY[%s]::bigint[]" % ", ".join(str(x) for x in sids)})
        w = self.cur.fetchone()[0]
        if isinstance(w, str):
            w = json.loads(w)
        n = "world"
        seen = set()
        sums = collections.Counter()
        netflows = collections.Counter()
        for got in w["accounts"]:
            a = self.model.accounts.get((got["party"], got["token"]))
            if a is None or not a.used:
                self.fail(n, "account:exists", "account of %s in %s exists, the model has none" % (
                    got["party"], got["token"]))
            seen.add((got["party"], got["token"]))
            self.compare_account(n, "%s in %s" % (got["party"], got["token"]), got, a, a.decimals, A)
            if got["events"] != a.events:
                self.fail(n, "account:events", "the account of %s in %s is named by %d events, the model %d" % (
                    got["party"], got["token"], got["events"], a.events))
            h = a.state_at(past)
            wb, wa = (h[0] // a.unit, h[0] // a.unit - h[1]) if h else (0, 0)
            if frac(got["past_balance"]) != Fraction(wb, 10 ** a.decimals) or \
                    frac(got["past_available"]) != Fraction(wa, 10 ** a.decimals):
                self.fail(n, "account:past", "the account of %s in %s at %s: balance %s available %s, the model %s %s" % (
                    got["party"], got["token"], format_time(past), got["past_balance"], got["past_available"],
                    format_units(wb, a.decimals), format_units(wa, a.decimals)))
            static, netflow, settled = parse_account_state(got["state"])
            sums[got["token"]] += static + netflow * (A - settled)
            netflows[got["token"]] += netflow
        missing = [k for k, a in self.model.accounts.items() if a.used and k not in seen]
        if missing:
            self.fail(n, "account:missing", "accounts the model has and flowstream not: %s" % missing[:5])
        for got in w["api"]:
            a = self.model.accounts.get((got["party"], got["token"]))
            if a is None:
                a = self.model.account(got["party"], got["token"])      # nobody used it: balance 0
            self.compare_account(n, "%s in %s" % (got["party"], got["token"]), got, a,
                                 self.model.tokens[got["token"]], A, api=True)
        # conservation, exactly: what the accounts hold is what came in less what left
        for tok in toks:
            held, ledger = self.model.conservation(tok, A)
            if held != ledger:
                raise AssertionError("the model does not conserve %s: %d vs %d" % (tok, held, ledger))
            if sums[tok] != ledger:
                self.fail(n, "conservation", "%s at %s: the accounts hold %d e-24 tokens, deposits less "
                          "withdrawals are %d e-24" % (tok, format_time(A), sums[tok], ledger))
            if netflows[tok] != 0:
                self.fail(n, "conservation", "%s: the netflows of its accounts sum to %d e-18/s, not 0" % (
                    tok, netflows[tok]))
        self.conservation_checks += 1
        ids = {i: mk for mk, i in self.flowmap.values()}
        flows_seen = set()
        for got in w["flows"]:
            mk = ids.get(got["id"])
            if mk is None:
                self.fail(n, "flow:unknown", "flow %d exists, the model has none" % got["id"])
            f = self.model.flows[mk]
            flows_seen.add(mk)
            self.compare_flow(n, got, f, self.model.tokens[f.token])
            if got["events"] != f.events:
                self.fail(n, "flow:events", "flow %d has %d events, the model %d" % (got["id"], got["events"], f.events))
        if len(flows_seen) != len(self.model.flows):
            self.fail(n, "flow:missing", "flowstream has %d flows, the model %d" % (len(flows_seen),
                                                                                  len(self.model.flows)))
        deficits = {(p, tok): frac(d) for p, tok, d in w["deficits"]}
        want_def = {k: Fraction(-a.balance(A), 10 ** a.decimals) for k, a in self.model.accounts.items()
                    if a.used and a.balance(A) < 0}
        if deficits != want_def:
            self.fail(n, "deficits", "flowstream.deficits is %s, the model %s" % (
                sorted(deficits.items())[:4], sorted(want_def.items())[:4]))
        self.coverage["deficits seen"] += len(deficits)
        # the streams of the world: their rows and events as the model says
        if sids:
            counts = {int(k): v for k, v in w["stream_events"].items()}
            inv = {sid: mk for mk, sid in self.sr.keymap.values()}
            self.cur.execute("SELECT NULL, " + (READ_COLUMNS % "ANY (%s)") % (
                "ARRAY[%s]::bigint[]" % ", ".join(str(x) for x in sids)))
            for row in self.cur.fetchall():
                sid = row[23]
                mk = inv[sid]
                self.sr.compare_row({"t": A, "name": "world"}, "world", row[1:], {"key": mk}, None, sid)
                if counts.get(sid) != streams[mk].events:
                    self.fail(n, "stream:events", "stream %d has %s events, the model %d" % (
                        sid, counts.get(sid), streams[mk].events))


# ---------------------------------------------------------------- generating a world's operations

class AccountGen:
    """Seeded random operations of a world, guided by the model (amounts that are often valid)."""

    def __init__(self, rng, gen, runner, parties):
        self.r = rng
        self.g = gen                    # driver.Gen: literals, parts, actors
        self.w = runner
        self.parties = parties
        self.flow_keys = []             # recorded keys of flows opened in this world
        self.stream_keys = []
        self.next_flow = 1
        self.next_stream = 1
        self.pending_liquidation = False
        self.queue = []                 # (offset from the first, op) of a scripted sequence

    @property
    def m(self):
        return self.w.model

    def who(self, name):
        if name.startswith("user:"):
            return "st_app", name
        return name, None

    def actor_for(self, rightful):
        return self.g.actor_for(rightful)

    def tok(self):
        return self.r.randrange(len(self.w.spec.tokens))

    def account(self, party, tok):
        return self.m.accounts.get((party, self.w.names[tok]))

    def available(self, party, tok, t):
        a = self.account(party, tok)
        if a is None or not a.used or t < a.last:
            return 0
        return max(a.available(t), 0)

    def advance(self):
        """moves the world's clock; returns the time of the next operation"""
        R = self.r
        A = self.w.A
        x = R.random()
        if x < 0.40:
            pass
        elif x < 0.55:
            A += R.randint(1, US)
        elif x < 0.78:
            A += R.randint(1, 3 * 3600) * US + R.randint(0, US - 1)
        elif x < 0.88:
            A += R.randint(3600, 10 * 86400) * US + R.randint(0, US - 1)
        elif x < 0.97:
            # to a critical time, just before or after it: the sweeper's edge
            crit = [(a.critical_time(), a) for a in self.m.accounts.values() if a.outflows > 0]
            crit = sorted((c, a.token, a.party) for c, a in crit
                          if isinstance(c, int) and A <= c <= A + 60 * 86400 * US)
            times = [c for c, _, _ in crit]
            # two accounts of a token that pays a reward, critical close together: the first one's
            # reward may heal the second before the same run reaches it
            pairs = [(c2 - c1, c2) for c1, t1, p1 in crit for c2, t2, p2 in crit
                     if t1 == t2 and c1 < c2 and p2 == self.m.policies[t1].reward != p1]
            if pairs and R.random() < 0.5:
                A = max(A, min(pairs)[1] + R.choice([0, 1, R.randint(2, 10 ** 6)]))
                self.pending_liquidation = R.random() < 0.9
            elif len(times) > 1 and R.random() < 0.4:
                # past two critical times at once: one liquidation run takes both, in order
                A = max(A, times[1] + R.choice([0, 1, R.randint(2, 10 ** 8)]))
                self.pending_liquidation = R.random() < 0.8
            elif times:
                A = max(A, times[0] + R.choice([-1, 0, 0, 1, R.randint(2, 10 ** 7)]))
                self.pending_liquidation = R.random() < 0.7
        else:
            A += R.randint(10, 120) * 86400 * US           # a late sweeper: buffers burnt, deficits
        self.w.A = A
        if R.random() < 0.05:
            return max(self.w.spec.start, A - R.choice([1, R.randint(1, 10 ** 6), R.randint(1, 10 ** 11)]))
        return A

    def deposit_units(self, party, tok):
        R = self.r
        d = self.w.decimals(tok)
        a = self.account(party, tok)
        if a is not None and a.used and a.balance(max(a.last, self.w.A)) < 0 and R.random() < 0.6:
            # a deficit: the next deposits repay it first
            units = -a.balance(max(a.last, self.w.A)) * R.randint(1, 2000) // 1000 + R.choice([-1, 0, 1])
        elif a is not None and a.netflow < 0 and R.random() < 0.7:
            per_s = Fraction(-a.netflow * US, a.unit)              # base units per second
            h = R.choice([1, 60, 3600, 4 * 3600, 86400, 7 * 86400, 30 * 86400])
            units = int(per_s * h * Fraction(R.randint(1, 3000), 1000))
        elif R.random() < 0.98:
            units = R.randint(1, 10 ** R.randint(0, d + 7))
        else:
            units = MAX_UNITS - R.randint(0, 10 ** 6)
        return max(1, min(units, MAX_UNITS))

    def rate_for(self, party, tok, t):
        """a rate whose buffer is about what the party has available, or any rate"""
        R = self.r
        d = self.w.decimals(tok)
        p = self.m.policies[self.w.names[tok]]
        avail = self.available(party, tok, t)
        if avail > 0 and p.period_us > 0 and R.random() < 0.75:
            target = self.g.part(avail)
            rate = Fraction(target * 10 ** (RATE_SCALE - d) * US, p.period_us)
            jitter = R.choice([0, 0, 0, -1, 1, R.randint(-10 ** 6, 10 ** 6)])
            return max(1, min(int(rate) + jitter, MAX_UNITS))
        e = R.randint(0, 30)
        return max(1, min(R.randint(10 ** e, 10 ** (e + 1) - 1), MAX_UNITS))

    def rate_literal(self, units):
        return self.g.rate_literal(units)

    def stream_create(self, t):
        R = self.r
        tok = self.tok()
        d = self.w.decimals(tok)
        sender = R.choice(self.parties)
        recipient = R.choice([p for p in self.parties if p != sender])
        role, actor = self.who(sender)
        start = t + R.choice([0, 0, 0, -R.randint(1, 86400 * US), R.randint(1, 86400 * US)])
        units = R.randint(1, 10 ** (d + R.randint(0, 3)))
        op = {"name": "create", "t": t, "role": role, "actor": actor, "sender": sender, "recipient": recipient,
              "token_dec": d, "rate": format_units(units * 10 ** (RATE_SCALE - d) // 3600 + 1, RATE_SCALE),
              "start": max(start, self.w.spec.start), "transferable": R.random() < 0.7,
              "deposit": "0" if R.random() < 0.5 else format_units(self.deposit_units(sender, tok), d)}
        op["creates"] = ("s", self.next_stream)
        self.next_stream += 1
        return op

    def race(self):
        """
        Two senders of a token that pays a reward, one of them its reward
        party, both made critical a second apart, then the sweeper after
        both: the first one's reward may make the second healthy again
        before the same run reaches it.  Amounts from the model now; the
        calls are compared as any others.
        """
        R = self.r
        toks = [i for i, nm in self.w.names.items() if self.m.policies[nm].reward in self.parties and
                self.m.policies[nm].valid and self.m.policies[nm].period_us >= 10 * US]
        if not toks:
            return []
        tok = R.choice(toks)
        name = self.w.names[tok]
        d = self.w.decimals(tok)
        p = self.m.policies[name]
        rparty = p.reward

        def quiet(q):
            a = self.account(q, tok)
            return a is None or not a.used or a.outflows == 0
        xs = [q for q in self.parties if q != rparty and quiet(q)]
        if not quiet(rparty) or not xs:
            return []
        x = R.choice(xs)
        y = R.choice([q for q in self.parties if q not in (x, rparty)])
        per_s = R.randint(1, 1000)
        rate = per_s * 10 ** (RATE_SCALE - d)
        buf = p.flow_buffer(rate, d)
        ops = []
        for k, party in enumerate((x, rparty)):
            a = self.account(party, tok)
            have = a.available(max(a.last, self.w.A)) if a is not None and a.used else 0
            amount = max(1, buf + per_s * 60 - have)
            role, actor = self.who(party)
            ops.append((k * US, {"name": "account_deposit", "tok": tok, "party": party, "role": role,
                                 "actor": actor, "amount": format_units(amount, d)}))
            op = {"name": "open_flow", "tok": tok, "party": party, "peer": y, "role": role, "actor": actor,
                  "rate": format_units(rate, RATE_SCALE), "creates": ("f", self.next_flow)}
            self.next_flow += 1
            ops.append((k * US, op))
        late = R.randint(62 * US, min(p.period_us // 4, 1800 * US) + 62 * US)
        ops.append((late, {"name": "liquidate_critical", "role": "postgres"}))
        self.m.notes["liquidation races scripted"] += 1
        return ops

    def next_op(self):
        R = self.r
        if not self.queue and R.random() < 0.01:
            base = self.w.A
            self.queue = [(base + off, op) for off, op in self.race()]
        if self.queue:
            at, op = self.queue.pop(0)
            self.w.A = max(self.w.A, at)
            op["t"] = self.w.A
            if op["name"] != "liquidate_critical" or not self.m.liquidation_ambiguous(self.w.A, 1000):
                return op
        t = self.advance()
        if self.pending_liquidation:
            self.pending_liquidation = False
            op = self.liquidate(self.w.A)
            if op is not None:
                return op
        live_flows = [k for k in self.flow_keys if k in self.w.flowmap and self.m.flows[self.w.flowmap[k][0]].open]
        name = R.choices(
            ["account_deposit", "account_withdraw", "account_transfer", "open_flow", "update_flow", "close_flow",
             "liquidate_critical", "deposit_from_account", "withdraw_to_account", "withdraw_max_to_account",
             "create", "stream_op", "set_policy", "odd"],
            [16, 8, 8, 13, 11, 4, 6, 5, 4, 3, 2, 5, 1, 2])[0]
        if name in ("update_flow", "close_flow") and not live_flows and R.random() < 0.9:
            name = "open_flow"
        if name in ("deposit_from_account", "withdraw_to_account", "withdraw_max_to_account",
                    "stream_op") and not self.stream_keys:
            name = "create"
        if name == "create":
            return self.stream_create(t)
        if name == "stream_op":
            key = R.choice(self.stream_keys)
            mk, _ = self.w.sr.keymap[key]
            s = self.w.sr.model.streams[mk]
            return self.g.on_stream(key, s, t=max(t, s.last_event) if R.random() < 0.9 else t)
        if name == "set_policy":
            return self.policy(t)
        if name == "liquidate_critical":
            op = self.liquidate(self.w.A)
            if op is not None:
                return op
            name = "account_deposit"
        if name == "odd":
            return self.odd(t)
        tok = self.tok()
        d = self.w.decimals(tok)
        party = R.choice(self.parties)
        op = {"name": name, "t": t, "tok": tok}
        if name == "account_deposit":
            op["party"] = party
            op["role"], op["actor"] = self.actor_for(self.parties + ["st_eve"])
            op["amount"] = self.g.amount_literal(self.deposit_units(party, tok), d, bad=0.06)
        elif name == "account_withdraw":
            op["party"] = party
            op["role"], op["actor"] = self.actor_for([party])
            x = R.random()
            if x < 0.2:
                op["to"] = R.choice(["elsewhere", party, "bank:1"])
            elif x < 0.22:
                op["to"] = ""
            op["amount"] = self.g.amount_literal(self.g.part(self.available(party, tok, t)), d, bad=0.06)
        elif name == "account_transfer":
            op["party"] = party
            op["peer"] = R.choice([p for p in self.parties if p != party] + ["user:9"]) if R.random() < 0.96 \
                else R.choice([party, ""])
            op["role"], op["actor"] = self.actor_for([party])
            op["amount"] = self.g.amount_literal(self.g.part(self.available(party, tok, t)), d, bad=0.06)
        elif name == "open_flow":
            op["party"] = party
            op["peer"] = R.choice([p for p in self.parties if p != party]) if R.random() < 0.97 \
                else R.choice([party, ""])
            op["role"], op["actor"] = self.actor_for([party])
            op["rate"] = self.rate_literal(self.rate_for(party, tok, t))
            op["creates"] = ("f", self.next_flow)
            self.next_flow += 1
        elif name in ("update_flow", "close_flow"):
            if not live_flows:
                key = R.choice(self.flow_keys) if self.flow_keys else None
                if key is None or key not in self.w.flowmap:
                    return self.odd(t)
            else:
                key = R.choice(live_flows) if R.random() < 0.95 or not self.flow_keys else R.choice(self.flow_keys)
                if key not in self.w.flowmap:
                    return self.odd(t)
            f = self.m.flows[self.w.flowmap[key][0]]
            tok = next(i for i, nm in self.w.names.items() if nm == f.token)
            op = {"name": name, "t": t, "flow": key}
            if name == "update_flow":
                op["role"], op["actor"] = self.actor_for([f.sender])
                x = R.random()
                if x < 0.05 and f.rate > 0:
                    units = f.rate                                              # SF008
                elif x < 0.45:
                    units = max(1, f.rate * R.randint(1, 999) // 1000)         # lower
                elif x < 0.85:
                    units = self.rate_for(f.sender, tok, t) if R.random() < 0.3 else \
                        min(MAX_UNITS, f.rate + max(1, f.rate * R.randint(1, 3000) // 1000))   # raise
                else:
                    units = self.rate_for(f.sender, tok, t)
                op["rate"] = self.rate_literal(units) if R.random() < 0.9 else \
                    format_units(units, RATE_SCALE).rstrip("0").rstrip(".")
            else:
                op["role"], op["actor"] = self.actor_for([f.sender, f.receiver])
        elif name in ("deposit_from_account", "withdraw_to_account", "withdraw_max_to_account"):
            key = R.choice(self.stream_keys)
            mk, _ = self.w.sr.keymap[key]
            s = self.w.sr.model.streams[mk]
            op = {"name": name, "t": t, "key": key}
            if name == "deposit_from_account":
                op["role"], op["actor"] = self.actor_for([s.sender])
                stok = [i for i, spec in enumerate(self.w.spec.tokens) if spec[0] == s.decimals][0]
                op["amount"] = self.g.amount_literal(self.g.part(self.available(s.sender, stok, t)), s.decimals,
                                                     bad=0.06)
            else:
                op["role"], op["actor"] = self.actor_for([s.recipient])
                if name == "withdraw_to_account":
                    cov = s.covered(t) if t >= s.last_event else 0
                    op["amount"] = self.g.amount_literal(self.g.part(cov), s.decimals, bad=0.06)
        return op

    def liquidate(self, A):
        R = self.r
        op = {"name": "liquidate_critical", "t": A}
        x = R.random()
        op["role"] = "postgres" if x < 0.5 else "st_admin" if x < 0.93 else R.choice(["st_alice", "st_app"])
        y = R.random()
        if y < 0.15:
            op["max"] = R.randint(1, 3)
        elif y < 0.18:
            op["max"] = R.choice([0, -1])
        if self.m.liquidation_ambiguous(A, op.get("max", 1000) if op.get("max", 1) > 0 else 1000):
            return None
        return op

    def policy(self, t):
        R = self.r
        tok = self.tok()
        d = self.w.decimals(tok)
        psql, pus = R.choice(PERIODS + [("-01:00:00", -3600 * US)])
        x = R.random()
        if x < 0.5:
            mlit, munits = "0", 0
        elif x < 0.9:
            munits = R.randint(1, 10 ** R.randint(0, d + 5))
            mlit = format_units(munits, d)
        elif x < 0.95:
            mlit, munits = "-1", None                                           # no amount: 22023 on open
        else:
            mlit, munits = format_units(R.randint(1, 10 ** 6) * 10 + 5, d + 1), None   # a digit too many
        return {"name": "set_policy", "t": t, "tok": tok, "period_sql": psql, "period_us": pus,
                "min_lit": mlit, "min_units": munits, "reward": R.choice(REWARDS)}

    def odd(self, t):
        """nulls, unknown tokens, flows and streams that do not exist"""
        R = self.r
        x = R.random()
        party = R.choice(self.parties)
        role, actor = self.actor_for([party])
        if R.random() < 0.3:
            role, actor = R.choice(["st_eve", "st_alice"]), R.choice(self.parties)   # a spoofed actor
        if x < 0.35:
            name = R.choice(["account_deposit", "account_withdraw", "account_transfer", "open_flow"])
            op = {"name": name, "t": t, "tok": None if R.random() < 0.7 else "null", "party": party,
                  "peer": R.choice(self.parties), "amount": "1", "rate": "0.001", "role": role, "actor": actor}
            if name == "open_flow":
                op["creates"] = ("f", self.next_flow)
                self.next_flow += 1
            if R.random() < 0.3:
                op[R.choice(["party", "peer"])] = None
            return op
        if x < 0.65:
            name = R.choice(["update_flow", "close_flow"])
            op = {"name": name, "t": t, "rate": "0.5", "role": role, "actor": actor}
            if R.random() < 0.2:
                op["flow"] = None
            else:
                op["flow"] = "unknown"
                op["unknown_id"] = R.choice([0, -1, 10 ** 15 + R.randint(0, 10 ** 6)])
            return op
        name = R.choice(["deposit_from_account", "withdraw_to_account", "withdraw_max_to_account"])
        op = {"name": name, "t": t, "amount": "1", "role": role, "actor": actor}
        if R.random() < 0.2:
            op["key"] = None
        else:
            op["key"] = "unknown"
            op["unknown_id"] = R.choice([0, -1, 10 ** 15 + R.randint(0, 10 ** 6)])
        return op

    def closing(self):
        """the operations that end a world: every open flow closed by its sender"""
        ops = []
        for key in self.flow_keys:
            if key in self.w.flowmap:
                f = self.m.flows[self.w.flowmap[key][0]]
                if f.open:
                    role, actor = self.who(f.sender)
                    ops.append({"name": "close_flow", "t": self.w.A, "flow": key, "role": role, "actor": actor})
        return ops

    def note(self, op, expect):
        """after an operation ran: remember what it made"""
        if expect is None or expect.sqlstate is not None:
            return
        if op["name"] == "open_flow":
            self.flow_keys.append(op["creates"])
        elif op["name"] == "create":
            self.stream_keys.append(op["creates"])
