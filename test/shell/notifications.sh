#!/usr/bin/env bash
# Notifications (SPEC §8), received by real LISTEN clients, which pgTAP
# cannot be: every committed event of every kind of operation (stream,
# account, flow, bridge, and the job's) is one notification on
# flowstream_events, at commit, in order, whose payload holds the event's
# id, its op and the ids it moved, and nothing else; a rolled-back
# transaction or savepoint sends nothing, and nothing is sent before the
# commit; a stranger's LISTEN gets the same ids and reads nothing more
# through them (row-level security); the runway alerts on flowstream_runway
# name the kind, the id, the event and the threshold only, and a top-up that
# falls short is an alert of its own.  With the setting off
# (set_notifications(false), as on Citus for two-phase commits) nothing is
# sent on either channel, by any session, and the history and the alerts
# are written as before; a session sees its own change at once, a rolled-back
# change never.  Everything runs under the test clock,
# on a cluster of its own (test/shell/lib/cluster.bash: FS_PGBIN's
# PostgreSQL, port FS_PORT + 40, its socket in a mktemp directory).  TAP
# output, run by prove from scripts/test.  Needs python3-psycopg2
# (scripts/lib.sh installs it).
set -uo pipefail
source "$(dirname "$0")/lib/cluster.bash"
own_cluster 40

PYTHONPATH=$(dirname "$0")/lib /usr/bin/python3 - flowstream <<'PY'
import json, re, select, sys, time

from tap import check, connect, finish, plan

plan(29)


def drain(conn, wait=0.3):
    """Every notification conn has received, waiting up to wait seconds for the first."""
    got = []
    deadline = time.time() + wait
    while True:
        conn.poll()
        while conn.notifies:
            note = conn.notifies.pop(0)
            got.append((note.channel, note.payload))
        left = deadline - time.time()
        if left <= 0:
            return got
        select.select([conn], [], [], left)


admin = connect()
a = admin.cursor()
a.execute("""
    CREATE EXTENSION flowstream;
    CREATE ROLE nt_alice; CREATE ROLE nt_bob; CREATE ROLE nt_carol; CREATE ROLE nt_dave; CREATE ROLE nt_eve;
    INSERT INTO flowstream.tokens VALUES ('NT', 6);
    SET flowstream.clock = '2026-01-01 00:00:00+00';
""")

listener = connect()                     # a superuser: sees every row
listener.cursor().execute("LISTEN flowstream_events; LISTEN flowstream_runway")
stranger = connect("nt_eve")             # a party of none of them
stranger.cursor().execute("LISTEN flowstream_events; LISTEN flowstream_runway")


def act(role, sql, args=None):
    """One API call by role, in a transaction of its own (the admin session, as that role)."""
    a.execute("SET ROLE " + role)
    try:
        a.execute(sql, args)
        return a.fetchone()[0] if a.description else None
    finally:
        a.execute("RESET ROLE")


def clock(t):
    a.execute("SET flowstream.clock = %s", (t,))


def max_event():
    a.execute("SELECT coalesce(max(id), 0) FROM flowstream.events")
    return a.fetchone()[0]


def events_after(e0):
    a.execute("""SELECT id, op::text, stream_id, account_id, peer_id, flow_id
                 FROM flowstream.events WHERE id > %s ORDER BY id""", (e0,))
    return a.fetchall()


def expected_payload(row):
    """What events.c says an event's payload is: its id, op, and the ids it moved."""
    eid, op, stream, account, peer, flow = row
    p = {"event": eid, "op": op}
    for k, v in (("stream", stream), ("account", account), ("peer", peer), ("flow", flow)):
        if v is not None:
            p[k] = v
    return p


# ---- 1-6: one notification per event, of every kind of operation ----
e0 = max_event()
drain(listener, 0); drain(stranger, 0)
act("postgres", "SELECT flowstream.account_deposit('nt_alice', 'NT', 1000)")              # account
s1 = act("nt_alice", "SELECT flowstream.create_stream('nt_alice', 'nt_bob', 'NT', 0.001, deposit => 10)")  # stream: create + deposit
act("nt_carol", "SELECT flowstream.deposit(%s, 5)", (s1,))                                # anyone deposits
clock("2026-01-01 01:00:00+00")
act("nt_bob", "SELECT flowstream.withdraw(%s, 1)", (s1,))
act("nt_alice", "SELECT flowstream.adjust_rate(%s, 0.002)", (s1,))
act("nt_alice", "SELECT flowstream.pause(%s)", (s1,))
act("nt_alice", "SELECT flowstream.restart(%s, 0.001)", (s1,))
act("nt_alice", "SELECT flowstream.refund(%s, 1)", (s1,))
act("nt_alice", "SELECT flowstream.set_void_after(%s, '1 day')", (s1,))
act("nt_alice", "SELECT flowstream.set_metadata(%s, '{\"team\": \"secret-team\"}')", (s1,))
act("nt_bob", "SELECT flowstream.transfer(%s, 'nt_carol')", (s1,))
act("nt_alice", "SELECT flowstream.deposit_from_account(%s, 7)", (s1,))                    # bridge
act("nt_carol", "SELECT flowstream.withdraw_to_account(%s, 1)", (s1,))                     # bridge
act("nt_alice", "SELECT flowstream.account_transfer('nt_alice', 'nt_bob', 'NT', 3)")       # account, peer
act("nt_bob", "SELECT flowstream.account_withdraw('nt_bob', 'NT', 2)")
f1 = act("nt_alice", "SELECT flowstream.open_flow('nt_alice', 'nt_bob', 'NT', 0.0001)")    # flow
act("nt_alice", "SELECT flowstream.update_flow(%s, 0.0002)", (f1,))
act("nt_bob", "SELECT flowstream.close_flow(%s)", (f1,))
act("nt_alice", "SELECT flowstream.set_auto_top_up(%s, '1 day')", (s1,))
act("nt_carol", "SELECT flowstream.set_auto_withdraw(%s, '1 day', 'bank:carol')", (s1,))
act("nt_alice", "SELECT flowstream.void(%s)", (s1,))
rows = events_after(e0)
got = drain(listener, 1.0)
events_got = [p for c, p in got if c == "flowstream_events"]
ops_written = sorted({r[1] for r in rows})
check(len(rows) == 22 and len(events_got) == len(rows),
      "%d committed events of %d kinds of operation, %d notifications" % (len(rows), len(ops_written), len(events_got)),
      "ops: %s" % ops_written)
parsed = []
bad_json = []
for p in events_got:
    try:
        parsed.append(json.loads(p))
    except ValueError:
        bad_json.append(p)
check(not bad_json, "every payload is JSON", bad_json)
want = [expected_payload(r) for r in rows]
check(parsed == want, "each is its event's id, op and the ids of what it moved, in commit order",
      "\n".join("got  %s\nwant %s" % (g, w) for g, w in zip(parsed, want) if g != w)[:3000])
keys = set()
for p in parsed:
    keys |= set(p)
check(keys <= {"event", "op", "stream", "account", "peer", "flow"} and
      all(isinstance(v, int) for p in parsed for k, v in p.items() if k != "op"),
      "payloads carry only the keys event, op, stream, account, peer, flow, and integers but for op (%s)" % sorted(keys))
secrets = ["nt_alice", "nt_bob", "nt_carol", "nt_dave", "bank:carol", "secret-team", "1000", "0.001", "2026"]
leaks = [p for p in events_got if any(s in p for s in secrets)]
check(not leaks, "no payload names a party, a destination, metadata, an amount, a rate or a time", leaks)
kinds = {"stream": {"create", "deposit", "withdraw", "pause"}, "account": {"account_deposit", "account_transfer"},
         "flow": {"open_flow", "update_flow", "close_flow"}, "bridge": {"deposit_from_account", "withdraw_to_account"}}
by_op = {p["op"]: p for p in parsed}
shapes_ok = (set(by_op.get("deposit", {})) == {"event", "op", "stream"} and
             set(by_op.get("account_deposit", {})) == {"event", "op", "account"} and
             set(by_op.get("account_transfer", {})) == {"event", "op", "account", "peer"} and
             set(by_op.get("open_flow", {})) == {"event", "op", "account", "peer", "flow"} and
             set(by_op.get("deposit_from_account", {})) == {"event", "op", "stream", "account"} and
             set(by_op.get("withdraw_to_account", {})) == {"event", "op", "stream", "account"})
check(shapes_ok, "a stream's payload names the stream; an account's the account (and the peer); a flow's both "
      "accounts and the flow; a bridge's the stream and the account",
      {k: by_op.get(k) for k in ("deposit", "account_deposit", "account_transfer", "open_flow",
                                 "deposit_from_account", "withdraw_to_account")})

# ---- 7-12: the stranger ----
sgot = [p for c, p in drain(stranger, 1.0) if c == "flowstream_events"]
check(sgot == events_got, "a stranger's LISTEN receives the same payloads (any role may listen to any channel)")
sc = stranger.cursor()
ids = {k: sorted({p[k] for p in parsed if k in p}) for k in ("event", "stream", "account", "flow")}
sc.execute("SELECT count(*) FROM flowstream.events WHERE id = ANY(%s)", (ids["event"],))
check(sc.fetchone()[0] == 0, "the stranger reads none of those events by their ids")
sc.execute("SELECT count(*) FROM flowstream.streams WHERE id = ANY(%s)", (ids["stream"],))
check(sc.fetchone()[0] == 0, "nor the stream")
sc.execute("SELECT count(*) FROM flowstream.accounts WHERE id = ANY(%s)", (ids["account"],))
check(sc.fetchone()[0] == 0, "nor the accounts")
sc.execute("SELECT count(*) FROM flowstream.flows WHERE id = ANY(%s)", (ids["flow"],))
check(sc.fetchone()[0] == 0, "nor the flow")
sc.execute("SELECT (SELECT count(*) FROM flowstream.streams_now) + (SELECT count(*) FROM flowstream.accounts_now)"
           " + (SELECT count(*) FROM flowstream.flows_now) + (SELECT count(*) FROM flowstream.payouts)")
check(sc.fetchone()[0] == 0, "nor anything through the views or the payouts")

# ---- 13-17: commit and rollback ----
e0 = max_event()
a.execute("SET ROLE nt_alice")
a.execute("BEGIN")
s2 = None
a.execute("SELECT flowstream.create_stream('nt_alice', 'nt_bob', 'NT', 0.001, deposit => 10)")
s2 = a.fetchone()[0]
before = drain(listener, 0.5)
check(before == [], "nothing is sent before the transaction commits", before)
a.execute("ROLLBACK")
a.execute("RESET ROLE")
after = drain(listener, 0.5)
check(after == [], "nothing is sent for a rolled-back transaction", after)
a.execute("SET ROLE nt_alice")
a.execute("BEGIN")
a.execute("SELECT flowstream.create_stream('nt_alice', 'nt_bob', 'NT', 0.001, deposit => 10)")
s3 = a.fetchone()[0]
a.execute("SAVEPOINT x")
a.execute("SELECT flowstream.deposit(%s, 99)", (s3,))
a.execute("ROLLBACK TO x")
a.execute("SELECT flowstream.pause(%s)", (s3,))
a.execute("COMMIT")
a.execute("RESET ROLE")
rows = events_after(e0)
got = [json.loads(p) for c, p in drain(listener, 1.0) if c == "flowstream_events"]
check([r[1] for r in rows] == ["create", "deposit", "pause"] and got == [expected_payload(r) for r in rows],
      "a committed transaction with a rolled-back savepoint: its three events, not the rolled-back deposit",
      "events %s\nnotified %s" % (rows, got))
a.execute("BEGIN")
a.execute("SELECT count(*) FROM flowstream.maintain()")
a.execute("ROLLBACK")
check(drain(listener, 0.5) == [], "a rolled-back run of maintain() sends nothing either")
drain(stranger, 0)

# the stranger's own stream: its events, it can read
e0 = max_event()
s4 = act("nt_eve", "SELECT flowstream.create_stream('nt_eve', 'nt_bob', 'NT', 0.001)")
own = [json.loads(p) for c, p in drain(stranger, 1.0) if c == "flowstream_events"]
sc.execute("SELECT id, op::text, stream_id, account_id, peer_id, flow_id FROM flowstream.events WHERE id = ANY(%s) ORDER BY id",
           ([p["event"] for p in own],))
check(own and [expected_payload(r) for r in sc.fetchall()] == own,
      "through the ids of its own stream's events, the stranger reads those events")

# ---- 18-24: runway alerts and top-ups that fall short, on flowstream_runway ----
# s5 (alice, 0.001/s, balance 10) runs dry 10000.001 s on: alerts at 7 days and 1 day; dave, who
# never had an account, keeps a day of runway for s6, which he cannot pay.
clock("2026-01-02 00:00:00+00")
act("postgres", "SELECT flowstream.set_runway_thresholds(ARRAY['7 days', '1 day', '0']::interval[])")
s5 = act("nt_alice", "SELECT flowstream.create_stream('nt_alice', 'nt_bob', 'NT', 0.001, deposit => 10)")
s6 = act("nt_dave", "SELECT flowstream.create_stream('nt_dave', 'nt_bob', 'NT', 0.001, deposit => 10)")
act("nt_dave", "SELECT flowstream.set_auto_top_up(%s, '1 day')", (s6,))
drain(listener, 0.3); drain(stranger, 0)
a.execute("SELECT count(*) FROM flowstream.maintain()")
got = drain(listener, 1.0)
runway = [json.loads(p) for c, p in got if c == "flowstream_runway"]
a.execute("SELECT kind, id, event, threshold::text FROM flowstream.runway_alerts WHERE event <> 'top_up_short' ORDER BY kind, id, event, threshold")
remembered = a.fetchall()
want = sorted([{"kind": k, "id": i, "event": e, "threshold": t} for k, i, e, t in remembered],
              key=lambda p: (p["kind"], p["id"], p["event"], p["threshold"]))
alerts = sorted([p for p in runway if p["event"] != "top_up_short"],
                key=lambda p: (p["kind"], p["id"], p["event"], p["threshold"]))
check(alerts == want and len(alerts) >= 4,
      "each alert maintain() remembers in runway_alerts is one notification: kind, id, event, threshold (%d)" % len(alerts),
      "notified %s\nremembered %s" % (alerts, want))
short = [p for p in runway if p["event"] == "top_up_short"]
check(short == [{"kind": "stream", "id": s6, "event": "top_up_short"}],
      "the top-up dave cannot make is a top_up_short alert for s6: kind, id, event", runway)
check(all(set(p) <= {"kind", "id", "event", "threshold"} for p in runway) and
      not [p for c, p in got if c == "flowstream_runway" and any(s in p for s in secrets)],
      "runway payloads name no party, amount or time")
a.execute("SELECT count(*) FROM flowstream.events WHERE stream_id = %s AND op = 'deposit_from_account'", (s6,))
check(a.fetchone()[0] == 0, "and there is no event for it")
sgot = [p for c, p in drain(stranger, 1.0) if c == "flowstream_runway"]
sc.execute("SELECT DISTINCT kind, id FROM flowstream.runway(%s)", ("7 days",))
seen = sc.fetchall()
check(sgot == [p for c, p in got if c == "flowstream_runway"] and seen == [("stream", s4)],
      "the stranger hears the same alerts, and its runway() shows its own stream alone", seen)
a.execute("SELECT count(*) FROM flowstream.maintain()")
again = [json.loads(p) for c, p in drain(listener, 1.0) if c == "flowstream_runway"]
check([p for p in again if p["event"] != "top_up_short"] == [],
      "the next run sends no runway alert again", again)
check([p for p in again if p["event"] == "top_up_short"] == [],
      "nor the top_up_short alert: nothing has changed since it was sent (runway_alerts remembers it)", again)

# ---- 25-28: set_notifications() turns them off and on, for every session (the set-wise calls too) ----
app = connect()                          # a session of its own, kept open across the changes
ap = app.cursor()
ap.execute("SET flowstream.clock = '2026-01-02 00:00:00+00'")
drain(listener, 0.3)
ap.execute("SELECT flowstream.deposit(%s, 1)", (s5,))
check([json.loads(p)["op"] for c, p in drain(listener, 1.0)] == ["deposit"],
      "a session's deposit is a notification while the setting is on (the default)")
drain(stranger, 0.3)
act("postgres", "SELECT flowstream.set_notifications(false)")
e0 = max_event()
ap.execute("SELECT flowstream.deposit(%s, 1)", (s5,))
s7 = act("nt_alice", "SELECT flowstream.create_stream('nt_alice', 'nt_bob', 'NT', 0.001, deposit => 10)")
bulk = act("nt_alice", "SELECT flowstream.create_streams(ARRAY['nt_alice', 'nt_alice'], ARRAY['nt_bob', 'nt_carol'], "
           "ARRAY['NT', 'NT'], ARRAY[0.001, 0.002], deposits => ARRAY[1, 2])")
act("nt_carol", "SELECT flowstream.deposit_many(%s, ARRAY[1, 1])", (bulk,))
a.execute("SELECT count(*) FROM flowstream.maintain()")
a.execute("SELECT count(*) FROM flowstream.runway_alerts WHERE kind = 'stream' AND id = %s", (s7,))
alerts_s7 = a.fetchone()[0]
got = drain(listener, 1.0) + drain(stranger, 0)
check(len(events_after(e0)) == 9 and alerts_s7 >= 1 and got == [],
      "turned off by another session: that session's deposit, a new stream, two by create_streams() and "
      "deposit_many() into them, and maintain()'s alerts are written (%d events) and remembered (%d alerts), "
      "and nothing is sent" % (len(events_after(e0)), alerts_s7), got)
ap.execute("BEGIN")
ap.execute("SELECT flowstream.set_notifications(true)")
ap.execute("ROLLBACK")
ap.execute("SELECT flowstream.deposit(%s, 1)", (s5,))
got = drain(listener, 1.0)
check(got == [], "a change rolled back changes nothing: still off", got)
e0 = max_event()
ap.execute("BEGIN")
ap.execute("SELECT flowstream.set_notifications(true)")
ap.execute("SELECT flowstream.deposit(%s, 1)", (s5,))
ap.execute("COMMIT")
ap.execute("SELECT flowstream.deposit(%s, 1)", (s5,))
rows = events_after(e0)
got = [json.loads(p) for c, p in drain(listener, 1.0) if c == "flowstream_events"]
check(len(rows) == 2 and got == [expected_payload(r) for r in rows],
      "turned on again in a transaction: its own deposit after the change is sent, and the next one",
      "events %s\nnotified %s" % (rows, got))

# ---- 29: the set-wise calls notify every event, in order ----
e0 = max_event()
bulk = act("nt_alice", "SELECT flowstream.create_streams(ARRAY['nt_alice', 'nt_alice'], ARRAY['nt_bob', 'nt_carol'], "
           "ARRAY['NT', 'NT'], ARRAY[0.001, 0.002], deposits => ARRAY[1, 2])")
act("nt_carol", "SELECT flowstream.deposit_many(%s, ARRAY[1, 1])", (bulk,))
rows = events_after(e0)
got = [json.loads(p) for c, p in drain(listener, 1.0) if c == "flowstream_events"]
check(len(rows) == 6 and got == [expected_payload(r) for r in rows],
      "create_streams() and deposit_many(): one notification per event (create, deposit), in the events' order",
      "events %s\nnotified %s" % (rows, got))

app.close(); listener.close(); stranger.close(); admin.close()
finish()
PY
