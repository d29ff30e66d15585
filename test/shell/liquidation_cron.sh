#!/usr/bin/env bash
# The liquidation for real (SPEC §6): pg_cron fires the sweeper's job
# (schedule_sweeper(), every minute) and it liquidates a treasury whose
# critical time comes 20 seconds after it opened its flow, within about a
# minute of that critical time: its flow closed by a liquidate event of the
# sweeper, the unburnt buffer paid to the token's reward party, nothing
# created or lost (verify() clean).  Cron schedules by the minute, so this
# test waits on the wall clock (at most 95 s).  TAP output, for prove; on a
# cluster of its own (FS_PGBIN's PostgreSQL, with flowstream and pg_cron), in
# a directory of its own (mktemp), its socket there and no TCP, on port
# FS_PORT + 40.
set -euo pipefail
echo "1..8"
. "$(dirname "${BASH_SOURCE[0]}")/lib/own_cluster.bash"
DB=flowstream					# cron.database_name of the cluster
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
n=0
check() {						# check "description" command...
	local what=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
own_cluster $((${FS_PORT:-54329} + 40)) "shared_preload_libraries = 'pg_cron'" \
	"cron.database_name = '$DB'" "cron.host = '@DIR@'"
"$PGBIN/createdb" "$DB"

# The treasury (the superuser, acting as itself) pays emp 1 LIQ per second;
# its buffer is an hour of that, 3600, and 20 more are available: it turns
# critical 20 s after the flow opens.  LIQ pays what is left of a
# liquidated buffer to lq_sentinel.
q >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS flowstream;
INSERT INTO flowstream.tokens (token, decimals, liquidation_reward) VALUES ('LIQ', 6, 'lq_sentinel');
SELECT flowstream.account_deposit(current_user, 'LIQ', 3620);
SELECT flowstream.open_flow(current_user, 'lq_emp', 'LIQ', 1);
SELECT flowstream.schedule_sweeper();
SQL
flow=$(q -c "SELECT id FROM flowstream.flows WHERE receiver = 'lq_emp'")
critical=$(q -c "SELECT critical_at FROM flowstream.accounts WHERE party = current_user AND token = 'LIQ'")
delta=$(q -c "SELECT extract(epoch FROM critical_at - (SELECT opened_at FROM flowstream.flows WHERE id = $flow))
              FROM flowstream.accounts WHERE party = current_user AND token = 'LIQ'")
check "the treasury's critical time is 20 s after the flow opened ($critical, +$delta s)" [ "$delta" = 20.000001 ]
status=$(q -c "SELECT status FROM flowstream.flows_now WHERE id = $flow")
check "the flow is open before the critical time ($status)" [ "$status" = open ]

# 3-4: pg_cron fires the sweeper at the first minute after the critical time
for _ in $(seq 1 95); do
	status=$(q -c "SELECT status FROM flowstream.flows_now WHERE id = $flow")
	[ "$status" = closed ] && break
	sleep 1
done
check "pg_cron's job liquidates the treasury (flow $flow: $status)" [ "$status" = closed ]
late=$(q -c "SELECT extract(epoch FROM e.at - a.critical) FROM flowstream.events e,
             (SELECT '$critical'::timestamptz AS critical) a WHERE e.flow_id = $flow AND e.op = 'liquidate'")
actor=$(q -c "SELECT actor FROM flowstream.events WHERE flow_id = $flow AND op = 'liquidate'")
on_time() {						# the sweeper's, at most 61 s after the critical time
	[ "$actor" = flowstream_sweeper ] && awk -v s="${late:-x}" 'BEGIN { exit !(s ~ /^[0-9.]+$/ && s >= 0 && s <= 61) }'
}
check "by a liquidate event of flowstream_sweeper, within a minute of the critical time ($actor, +${late:-?} s)" on_time

# 5: cron recorded the run
runs=$(q -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
             WHERE j.jobname = 'flowstream-sweeper' AND d.status = 'succeeded'")
check "cron.job_run_details shows a successful run of flowstream-sweeper ($runs)" [ "$runs" -ge 1 ]

# 6: the unburnt buffer went to the reward party, the rest stayed where it was
paid=$(q -c "SELECT e.amount = flowstream.account_balance('lq_sentinel', 'LIQ')
                    AND e.amount = 3620 - flowstream.account_balance('lq_emp', 'LIQ')
                    AND flowstream.account_balance(current_user, 'LIQ') = 0
             FROM flowstream.events e WHERE e.op = 'account_transfer' AND e.actor = 'flowstream_sweeper'")
check "the sentinel got the unburnt buffer, 3620 less what emp received; the treasury is empty ($paid)" [ "$paid" = t ]

# 7: nothing moves after the liquidation
state=$(q -c "SELECT netflow || '/' || buffer || '/' || open_outflows || '/' || coalesce(critical_time::text, 'never')
              FROM flowstream.accounts_now WHERE party = current_user AND token = 'LIQ'")
check "the treasury has no netflow, buffer, open flow or critical time left ($state)" [ "$state" = "0/0.000000/0/never" ]

# 8: verify() is clean
problems=$(q -c "SELECT count(*) FROM flowstream.verify()")
check "verify() finds nothing ($problems)" [ "$problems" = 0 ]
