#!/usr/bin/env bash
# Automation for real (SPEC §8): pg_cron fires the job schedule_sweeper()
# schedules, maintain(), on the wall clock, and a real LISTEN client hears
# it.  Within a minute or two: a stream 100 s from running dry, keeping a
# runway of 90 s, is topped up from its sender's account before it runs
# dry; a stream less than a day from running dry is announced on
# flowstream_runway at the 1 day threshold; a payout scheduled every 10 s
# is made by the first run after it is due, of exactly what had accrued;
# and every API operation and every act of the job is a notification on
# flowstream_events.  Cron schedules by the minute (pg_cron 1.4 has no
# seconds), so this test waits on the wall clock: it starts its streams at
# least 12 s before a minute begins, so that everything is due by the first
# run of the job (at most a minute on), and gives up after 150 s.  On a
# cluster of its own (test/shell/lib/cluster.bash: FS_PGBIN's PostgreSQL,
# pg_cron running its jobs in the database flowstream, port FS_PORT + 50,
# its socket in a mktemp directory).  TAP output, run by prove from
# scripts/test.  Needs python3-psycopg2 (scripts/lib.sh installs it).
set -uo pipefail
source "$(dirname "$0")/lib/cluster.bash"
own_cluster 50

PYTHONPATH=$(dirname "$0")/lib /usr/bin/python3 - flowstream <<'PY'
import json, select, sys, time
from datetime import timedelta

from tap import check, connect, finish, plan

plan(13)


admin = connect()
a = admin.cursor()


def one(sql, args=None):
    a.execute(sql, args)
    return a.fetchone()[0]


a.execute("""
    CREATE EXTENSION pg_cron;
    CREATE EXTENSION flowstream;
    CREATE ROLE ac_emp;
    INSERT INTO flowstream.tokens VALUES ('AUTO', 6);
""")
listener = connect()
listener.cursor().execute("LISTEN flowstream_events; LISTEN flowstream_runway")
notes = []


def drain(wait):
    deadline = time.time() + wait
    while True:
        listener.poll()
        while listener.notifies:
            x = listener.notifies.pop(0)
            notes.append((x.channel, json.loads(x.payload)))
        left = deadline - time.time()
        if left <= 0:
            return
        select.select([listener], [], [], left)


# pg_cron starts its jobs when a minute begins: begin at least 12 s before
# one, so that all that is due 10 s on is due at the first run.
if time.time() % 60 > 48:
    time.sleep(61 - time.time() % 60)
e0 = one("SELECT coalesce(max(id), 0) FROM flowstream.events")
# The treasury is the superuser acting as itself.
#   s1: 1 AUTO/s, balance 100 (dry 100 s on), keeps 90 s of runway: its
#       top-up is due 10 s on, and keeps it 180 s from then.
#   s2: 0.001 AUTO/s, balance 50: 50000 s, less than a day, of runway.
#   s3: 1 AUTO/s, 100000 deposited, paid out into ac_emp's account every 10 s.
a.execute("SELECT flowstream.account_deposit(current_user, 'AUTO', 100000)")
s1 = one("SELECT flowstream.create_stream(current_user, 'ac_emp', 'AUTO', 1, deposit => 100)")
a.execute("SELECT flowstream.set_auto_top_up(%s, '90 seconds')", (s1,))
s2 = one("SELECT flowstream.create_stream(current_user, 'ac_emp', 'AUTO', 0.001, deposit => 50)")
s3 = one("SELECT flowstream.create_stream(current_user, 'ac_emp', 'AUTO', 1, deposit => 100000)")
a.execute("SET ROLE ac_emp")
a.execute("SELECT flowstream.set_auto_withdraw(%s, '10 seconds')", (s3,))
a.execute("RESET ROLE")
a.execute("SELECT depletes_at, top_up_at FROM flowstream.streams WHERE id = %s", (s1,))
s1_dry, s1_due = a.fetchone()
a.execute("SELECT next_at, (SELECT at FROM flowstream.events WHERE id = set_by) FROM flowstream.payouts WHERE stream_id = %s", (s3,))
s3_next, s3_set = a.fetchone()
s3_start = one("SELECT flowstream.snapshot_time(state) FROM flowstream.streams WHERE id = %s", (s3,))
s1_start = one("SELECT flowstream.snapshot_time(state) FROM flowstream.streams WHERE id = %s", (s1,))
a.execute("SELECT id, op::text, stream_id, account_id, peer_id, flow_id FROM flowstream.events WHERE id > %s ORDER BY id", (e0,))
api_events = a.fetchall()
job = one("SELECT flowstream.schedule_sweeper()")
check(one("SELECT count(*) FROM cron.job WHERE jobid = %s AND jobname = 'flowstream-sweeper' AND schedule = '* * * * *'",
          (job,)) == 1, "schedule_sweeper() scheduled the job every minute (job %s)" % job)


def topped():
    return one("SELECT count(*) FROM flowstream.events WHERE stream_id = %s AND op = 'deposit_from_account'", (s1,)) > 0


def paid():
    return one("SELECT count(*) FROM flowstream.events WHERE stream_id = %s AND op = 'withdraw_to_account'", (s3,)) > 0


def alerted():
    return {"kind": "stream", "id": s2, "event": "insolvent", "threshold": "1 day"} in [p for c, p in notes if c == "flowstream_runway"]


started = time.time()
while time.time() - started < 150 and not (topped() and paid() and alerted()):
    drain(1.0)
drain(0.5)
print("# waited %.0f s for pg_cron" % (time.time() - started), flush=True)

# 2-4: the top-up
a.execute("""SELECT e.at, e.actor, e.on_behalf_of, e.amount, flowstream.uncovered_debt(e.state, e.at), s.depletes_at
             FROM flowstream.events e, flowstream.streams s
             WHERE s.id = e.stream_id AND e.stream_id = %s AND e.op = 'deposit_from_account' ORDER BY e.id LIMIT 1""", (s1,))
top = a.fetchone()
check(top is not None and top[1] == "flowstream_sweeper" and top[2] == one("SELECT current_user"),
      "pg_cron's job topped s1 up from the treasury's account, as the sweeper on its behalf", top)
check(top is not None and s1_due <= top[0] < s1_dry and top[4] == 0,
      "when it was due (%s), before it ran dry (%s): never insolvent" % (s1_due, s1_dry), top)
want_amount = None
if top is not None:
    # 1 AUTO/s at 6 decimals: a microsecond is a base unit.  Kept solvent to
    # 180 s after the top-up, it owes the time since it started plus 180 s.
    want_amount = one("SELECT extract(epoch FROM %s::timestamptz - %s::timestamptz) + 180 - 100", (top[0], s1_start))
check(top is not None and top[3] == want_amount and top[5] == top[0] + timedelta(seconds=180, microseconds=1),
      "by exactly what keeps it 180 s (twice its runway) from then, %s; it now runs dry 180 s and 1 us on" % want_amount, top)
check(one("SELECT flowstream.status(state) FROM flowstream.streams WHERE id = %s", (s1,)) == "streaming_solvent",
      "and it is still solvent now")

# 5-6: the alert at 1 day
check(alerted(), "the LISTEN client received {kind: stream, id: %s, event: insolvent, threshold: 1 day}" % s2,
      [p for c, p in notes if c == "flowstream_runway"])
check(one("SELECT count(*) FROM flowstream.runway_alerts WHERE kind = 'stream' AND id = %s AND event = 'insolvent' "
          "AND threshold IN ('7 days', '1 day')", (s2,)) == 2,
      "and runway_alerts remembers the 7 days and 1 day alerts of s2")

# 7-8: the payout
a.execute("""SELECT at, actor, on_behalf_of, amount, account_id = (SELECT id FROM flowstream.accounts WHERE party = 'ac_emp')
             FROM flowstream.events WHERE stream_id = %s AND op = 'withdraw_to_account' ORDER BY id LIMIT 1""", (s3,))
pay = a.fetchone()
exact = None
if pay is not None:
    # 1 AUTO/s since s3 started, nothing withdrawn before: a base unit a microsecond
    exact = one("SELECT extract(epoch FROM %s::timestamptz - %s::timestamptz)", (pay[0], s3_start))
check(pay is not None and pay[1] == "flowstream_sweeper" and pay[2] == "ac_emp" and pay[4]
      and s3_next <= pay[0] <= s3_next + timedelta(seconds=65) and pay[3] == exact,
      "the payout came with the first run after it was due (%s), into ac_emp's account, of exactly what had accrued (%s)"
      % (s3_next, exact), pay)
a.execute("SELECT next_at FROM flowstream.payouts WHERE stream_id = %s", (s3,))
nxt = a.fetchone()[0]
period = (nxt - s3_set).total_seconds()
check(pay is not None and nxt > pay[0] and abs(period / 10 - round(period / 10)) < 1e-9 and nxt - pay[0] <= timedelta(seconds=10),
      "and the schedule moved on to the first 10 s period after it (%s)" % nxt)

# 9-10: notifications for the API operations and the job's
got = [p for c, p in notes if c == "flowstream_events"]
want_api = []
for eid, op, stream, account, peer, flow in api_events:
    p = {"event": eid, "op": op}
    for k, v in (("stream", stream), ("account", account), ("peer", peer), ("flow", flow)):
        if v is not None:
            p[k] = v
    want_api.append(p)
check(got[:len(want_api)] == want_api and len(want_api) == 9,
      "the LISTEN client received the %d API operations' events, ids and ops" % len(want_api), got[:len(want_api)])
a.execute("SELECT id, op::text FROM flowstream.events WHERE actor = 'flowstream_sweeper' ORDER BY id")
job_events = [{"event": i, "op": o} for i, o in a.fetchall()]
heard = [{"event": p["event"], "op": p["op"]} for p in got[len(want_api):]]
check(job_events and all(e in heard for e in job_events),
      "and every event of the job (%d: %s)" % (len(job_events), sorted({e["op"] for e in job_events})))

# 11-12: cron's record, maintain()'s record, verify()
runs = one("""SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
              WHERE j.jobname = 'flowstream-sweeper' AND d.status = 'succeeded'""")
mruns = one("SELECT count(*) FROM flowstream.maintenance_runs WHERE topped_up + paid_out + alerts > 0")
check(runs >= 1 and mruns >= 1, "cron.job_run_details shows %d successful runs; maintenance_runs records them (%d)" % (runs, mruns))
problems = one("SELECT count(*) FROM flowstream.verify()")
check(problems == 0, "verify() finds nothing (%d)" % problems)

listener.close(); admin.close()
finish()
PY
