#!/usr/bin/env bash
# Crash recovery under load: pgbench clients call the API while a witness
# records every operation it saw commit; the postmaster is killed with
# SIGKILL, restarted, and then every witnessed operation must be in the
# history, verify() must be clean (conservation per stream and per token,
# exact accrual) and the API must work again.  Three cycles, on a cluster
# of its own with fsync and synchronous_commit on (FS_PGBIN's PostgreSQL, with
# flowstream), in a directory of its own (mktemp), its socket there and no
# TCP, on port FS_PORT + 30.  TAP output for prove.
set -euo pipefail
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
CYCLES=${CYCLES:-3}
echo "1..$((CYCLES * 4))"
work=$(mktemp -d)
chmod 755 "$work"
port=$((${FS_PORT:-54329} + 30))
data=$work/data
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=crash
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
start() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -l "$work/log" -w start >/dev/null; }

chown postgres "$work"
runuser -u postgres -- "$PGBIN/initdb" -D "$data" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$work'
fsync = on
synchronous_commit = on
CONF
start
"$PGBIN/createdb" crash
q >/dev/null <<'SQL'
CREATE EXTENSION flowstream;
INSERT INTO flowstream.tokens VALUES ('CRA', 6), ('CRB', 0);
SELECT flowstream.create_stream('postgres', 'r' || i, CASE WHEN i % 2 = 0 THEN 'CRA' ELSE 'CRB' END,
                                0.001 * i, start_time => now() - interval '1 day', deposit => 1000)
FROM generate_series(1, 40) i;
-- one operation of the load: a deposit, a withdrawal or a refund on a random stream;
-- refusals (nothing to withdraw, say) are part of the game, not failures
CREATE FUNCTION crash_op(stream bigint, kind int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CASE kind
        WHEN 0 THEN PERFORM flowstream.deposit(stream, 3);
        WHEN 1 THEN PERFORM flowstream.withdraw_max(stream);
        ELSE PERFORM flowstream.refund(stream, 1);
    END CASE;
EXCEPTION WHEN sqlstate '22023' OR sqlstate 'SF006' OR sqlstate 'SF007' THEN
    NULL;
END
$$;
SQL
cat >"$work/load.sql" <<'SQL'
\set stream random(1, 40)
\set kind random(0, 2)
SELECT crash_op(:stream, :kind);
SQL

n=0
for cycle in $(seq 1 "$CYCLES"); do
	# the load
	"$PGBIN/pgbench" -n -c 4 -j 2 -T 60 -M prepared -f "$work/load.sql" crash >"$work/pgbench.$cycle" 2>&1 &
	# the witness: a deposit of a known amount, noted once COMMIT returned
	: >"$work/witness.$cycle"
	(
		i=0
		while :; do
			i=$((i + 1))
			stream=$((i % 40 + 1))
			amount="0.$(printf '%06d' $((cycle * 100000 + i)))"
			if event=$("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 2>/dev/null <<SQL
BEGIN;
SELECT flowstream.deposit($stream, $amount);
SELECT last_event FROM flowstream.streams WHERE id = $stream;
COMMIT;
SQL
			) && event=$(echo "$event" | tail -n 1) && [ -n "$event" ]; then
				echo "$event $stream $amount" >>"$work/witness.$cycle"
			fi
		done
	) &
	witness=$!
	sleep 4
	postmaster=$(head -1 "$data/postmaster.pid")
	children=$(pgrep -P "$postmaster" | tr '\n' ' ')
	kill -9 "$postmaster"
	kill "$witness" 2>/dev/null || true
	wait "$witness" 2>/dev/null || true
	# the backends notice that the postmaster died and exit; then restart
	for pid in $children; do
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	done
	wait 2>/dev/null || true
	start

	seen=$(wc -l <"$work/witness.$cycle")
	missing=0
	while read -r event stream amount; do
		found=$(q -c "SELECT count(*) FROM flowstream.events WHERE id = $event AND stream_id = $stream
		              AND op = 'deposit' AND amount = $amount")
		[ "$found" = 1 ] || missing=$((missing + 1))
	done <"$work/witness.$cycle"
	n=$((n + 1))
	if [ "$seen" -gt 0 ] && [ "$missing" = 0 ]; then
		echo "ok $n - cycle $cycle: all $seen deposits the witness saw commit are in the history"
	else
		echo "not ok $n - cycle $cycle: $missing of $seen witnessed deposits are missing"
	fi
	problems=$(q -c "SELECT count(*) FROM flowstream.verify()")
	n=$((n + 1))
	if [ "$problems" = 0 ]; then echo "ok $n - cycle $cycle: verify() is clean after the crash"
	else echo "not ok $n - cycle $cycle: verify() reports $problems problems"; q -c "SELECT * FROM flowstream.verify()" | sed 's/^/# /'; fi
	# conservation per token, computed here in SQL from the history alone
	gap=$(q -c "SELECT count(*) FROM (SELECT s.token,
	              sum(e.amount) FILTER (WHERE e.op = 'deposit') - coalesce(sum(e.amount) FILTER (WHERE e.op = 'withdraw'), 0)
	              - coalesce(sum(e.amount) FILTER (WHERE e.op = 'refund'), 0) AS held
	            FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id GROUP BY s.token) h
	            JOIN (SELECT token, sum(flowstream.balance(state)) AS balances FROM flowstream.streams GROUP BY token) b
	            USING (token) WHERE held <> balances")
	n=$((n + 1))
	if [ "$gap" = 0 ]; then echo "ok $n - cycle $cycle: per token, deposits - withdrawals - refunds = balances"
	else echo "not ok $n - cycle $cycle: $gap tokens do not balance"; fi
	ops=$(grep -o 'number of transactions actually processed: [0-9]*' "$work/pgbench.$cycle" | grep -o '[0-9]*$' || echo "?")
	after=$(q -c "SELECT flowstream.deposit(1, 1); SELECT count(*) FROM flowstream.events" | tail -1)
	n=$((n + 1))
	if [ -n "$after" ]; then echo "ok $n - cycle $cycle: the API works after recovery ($after events in all; pgbench: ${ops} transactions)"
	else echo "not ok $n - cycle $cycle: the API fails after recovery"; fi
done
