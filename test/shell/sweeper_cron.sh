#!/usr/bin/env bash
# The sweeper for real: pg_cron fires the scheduled job and voids a due
# stream (the one test that waits on the wall clock, at most 75 s); the
# job's command removes the job once flowstream is dropped; a dump of a
# database with the job scheduled restores into a new cluster with one job;
# and a replica's sweeper does nothing.  TAP output, for prove; on clusters
# of its own (FS_PGBIN's PostgreSQL, with flowstream and pg_cron), in a
# directory of its own (mktemp), their sockets there and no TCP, on ports
# FS_PORT + 20 (the primary), + 21 (the restored copy) and + 22 (the replica).
set -euo pipefail
echo "1..9"
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
DB=flowstream					# cron.database_name of the primary
BASE=$((${FS_PORT:-54329} + 20))
work=$(mktemp -d)
chmod 755 "$work"
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
n=0
check() {						# check "description" command...
	local what=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
other_clusters=()
cleanup() {
	for d in "${other_clusters[@]}"; do
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# A cluster of ours, started: initdb or a base backup into $work/$1.
new_cluster() {
	local name=$1 port=$2
	install -d -o postgres -g postgres -m 700 "$work/$name"
	cat >>"$work/$name/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$work/$name'
CONF
	other_clusters+=("$work/$name/data")
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/$name/data" -l "$work/$name/log" -w start >/dev/null
}

# the primary, pg_cron's jobs run in $DB through its socket
install -d -o postgres -g postgres -m 700 "$work/primary"
runuser -u postgres -- "$PGBIN/initdb" -D "$work/primary/data" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$work/primary/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = '$DB'
cron.host = '$work/primary'
fsync = off
CONF
new_cluster primary "$BASE"
export PGHOST=$work/primary PGPORT=$BASE PGUSER=postgres
"$PGBIN/createdb" "$DB"

q -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS flowstream;
INSERT INTO flowstream.tokens VALUES ('CRON', 6);
-- 1 token per second since an hour ago, no balance, no grace: due long ago
SELECT flowstream.create_stream(current_user, 'bob', 'CRON', 1, start_time => now() - interval '1 hour');
SELECT flowstream.set_void_after(1, '0');
SELECT flowstream.schedule_sweeper();
SQL

# 1-2: the scheduler fires within a minute and the stream is voided by the sweeper
status=""
for _ in $(seq 1 75); do
	status=$(q -d "$DB" -c "SELECT flowstream.status(state) FROM flowstream.streams WHERE id = 1")
	[ "$status" = voided ] && break
	sleep 1
done
check "pg_cron's scheduled job voids the due stream (status: $status)" [ "$status" = voided ]
runs=$(q -d "$DB" -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                      WHERE j.jobname = 'flowstream-sweeper' AND d.status = 'succeeded'")
actor=$(q -d "$DB" -c "SELECT actor FROM flowstream.events WHERE stream_id = 1 AND op = 'void'")
check "cron.job_run_details shows the run, and the void's actor is the sweeper ($runs, $actor)" \
	[ "$runs" -ge 1 -a "$actor" = flowstream_sweeper ]

# 3-5: a dump taken with the job scheduled restores into a new cluster, with one job
"$PGBIN/pg_dump" -Fc -d "$DB" -f "$work/with_job.dump"
install -d -o postgres -g postgres -m 700 "$work/restored"
runuser -u postgres -- "$PGBIN/initdb" -D "$work/restored/data" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$work/restored/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = '$DB'
cron.host = '$work/restored'
CONF
new_cluster restored $((BASE + 1))
R=(-h "$work/restored" -p $((BASE + 1)))
"$PGBIN/createdb" "${R[@]}" "$DB"
chmod 644 "$work/with_job.dump"
if "$PGBIN/pg_restore" "${R[@]}" --exit-on-error -d "$DB" "$work/with_job.dump" 2>"$work/restore.err"; then rc=0; else rc=1; fi
check "pg_restore of a database with the sweeper scheduled succeeds" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' "$work/restore.err"
jobs=$(q "${R[@]}" -d "$DB" -c "SELECT count(*) FROM cron.job WHERE jobname = 'flowstream-sweeper'")
check "the restored cluster has the one job ($jobs)" [ "$jobs" = 1 ]
same=$(q "${R[@]}" -d "$DB" -c "SELECT flowstream.status(state) || '|' || flowstream.balance(state) FROM flowstream.streams WHERE id = 1")
problems=$(q "${R[@]}" -d "$DB" -c "SELECT count(*) FROM flowstream.verify()")
check "the restored stream is the same and verify() is clean ($same, $problems)" [ "$same" = "voided|0.000000" -a "$problems" = 0 ]

# 6-7: a replica's sweeper does nothing
q -d "$DB" >/dev/null <<'SQL'
SELECT flowstream.create_stream(current_user, 'carol', 'CRON', 1, start_time => now() - interval '1 hour');
SELECT flowstream.set_void_after(2, '0');
SELECT flowstream.unschedule_sweeper();
SQL
install -d -o postgres -g postgres -m 700 "$work/replica"
runuser -u postgres -- "$PGBIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$work/replica/data" -R -X stream -c fast >/dev/null
new_cluster replica $((BASE + 2))
P=(-h "$work/replica" -p $((BASE + 2)))
in_recovery=$(q "${P[@]}" -d "$DB" -c "SELECT pg_is_in_recovery()")
check "the replica is in recovery" [ "$in_recovery" = t ]
swept=$(q "${P[@]}" -d "$DB" -c "SELECT flowstream.void_insolvent()" 2>&1 || true)
check "void_insolvent() on the replica returns 0 without an error ($swept)" [ "$swept" = 0 ]

# 8-9: dropping flowstream leaves a job whose next run removes it
q -d "$DB" -c "SELECT flowstream.schedule_sweeper()" >/dev/null
command=$(q -d "$DB" -c "SELECT command FROM cron.job WHERE jobname = 'flowstream-sweeper'")
q -d "$DB" -c "DROP EXTENSION flowstream CASCADE"
if q -d "$DB" -c "$command" >/dev/null 2>"$work/run.err"; then rc=0; else rc=1; fi
check "after DROP EXTENSION the job's command runs without an error" [ $rc -eq 0 ]
left=$(q -d "$DB" -c "SELECT count(*) FROM cron.job WHERE jobname = 'flowstream-sweeper'")
check "and removes its job ($left left)" [ "$left" = 0 ]
q -d "$DB" -c "DROP EXTENSION pg_cron" >/dev/null
