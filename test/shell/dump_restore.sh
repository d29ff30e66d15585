#!/usr/bin/env bash
# A database with live streams survives pg_dump and pg_restore: the same
# debts, the same history, a clean verify(), and ids that go on where they
# stopped.  TAP output, for prove; on a cluster of its own (FS_PGBIN's
# PostgreSQL, with flowstream installed), in a directory of its own (mktemp),
# its socket there and no TCP, on port FS_PORT + 10.
set -euo pipefail
echo "1..6"
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
src=fs_dump_src
dst=fs_dump_dst
work=$(mktemp -d)
chmod 755 "$work"
dump=$work/flowstream.dump
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
cleanup() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
export PGHOST=$work PGPORT=$((${FS_PORT:-54329} + 10)) PGUSER=postgres
chown postgres "$work"
runuser -u postgres -- "$PGBIN/initdb" -D "$work/data" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$work'
fsync = off
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null

"$PGBIN/dropdb" --if-exists "$src"; "$PGBIN/dropdb" --if-exists "$dst"
"$PGBIN/createdb" "$src"; "$PGBIN/createdb" "$dst"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
CREATE EXTENSION flowstream;
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('WEI', 18), ('JPY', 0);
SET flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.create_stream('postgres', 'bob', 'USDC', 0.001, deposit => 10) FROM generate_series(1, 3);
SELECT flowstream.create_stream('postgres', 'carol', 'WEI', 0.5, start_time => '2025-12-01 00:00:00+00');
SELECT flowstream.create_stream('postgres', 'dave', 'JPY', 2, start_time => '2026-02-01 00:00:00+00', deposit => 1000);
SET flowstream.clock = '2026-01-02 00:00:00+00';
SELECT flowstream.withdraw(1, 5), flowstream.pause(2), flowstream.deposit(4, 1000000), flowstream.void(3);
SELECT flowstream.restart(2, 0.002), flowstream.adjust_rate(5, 3);
-- a transfer, a grace, and a void that writes off more than 2^127 - 1 base units
SELECT flowstream.create_stream('postgres', 'postgres', 'WEI', 1000000000000000000, deposit => 1);
SELECT flowstream.create_stream('postgres', 'postgres', 'USDC', 1, deposit => 5);
SET flowstream.clock = '2026-01-03 00:00:00+00';
SELECT flowstream.set_void_after(6, '1 day'), flowstream.void(6), flowstream.transfer(7, 'zed');
SQL

views="SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT string_agg(concat_ws('|', id, sender, recipient, token, state, flowstream.total_debt(state),
       flowstream.covered_debt(state), flowstream.uncovered_debt(state), flowstream.status(state)), E'\n' ORDER BY id)
FROM flowstream.streams"
history="SELECT string_agg(concat_ws('|', id, stream_id, op, actor, amount, destination, at, state), E'\n' ORDER BY id) FROM flowstream.events"

"$PGBIN/pg_dump" -Fc -d "$src" -f "$dump"
if "$PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" 2>"$work/restore.err"; then
	echo "ok 1 - pg_restore of a database with live streams succeeds"
else
	echo "not ok 1 - pg_restore of a database with live streams succeeds"; sed 's/^/# /' "$work/restore.err"
fi
[ "$(q "$src" "$views")" = "$(q "$dst" "$views")" ] && [ -n "$(q "$dst" "$views")" ] \
	&& echo "ok 2 - the same streams and debts after the restore" \
	|| echo "not ok 2 - the same streams and debts after the restore"
[ "$(q "$src" "$history")" = "$(q "$dst" "$history")" ] \
	&& echo "ok 3 - the same history after the restore" \
	|| echo "not ok 3 - the same history after the restore"
[ -z "$(q "$dst" "SELECT * FROM flowstream.verify()")" ] \
	&& echo "ok 4 - verify() is clean after the restore" \
	|| echo "not ok 4 - verify() is clean after the restore"
next_src=$(q "$src" "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.create_stream('postgres', 'x', 'USDC', 1)")
next_dst=$(q "$dst" "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.create_stream('postgres', 'x', 'USDC', 1)")
[ "$next_src" = "$next_dst" ] && [ "$next_dst" = 8 ] \
	&& echo "ok 5 - stream ids go on where they stopped" \
	|| echo "not ok 5 - stream ids go on where they stopped ($next_src vs $next_dst)"
# a restored row that does not end its history is refused
if q "$dst" "INSERT INTO flowstream.streams (sender, recipient, token, state, last_event) SELECT sender, recipient, token, flowstream.deposit(state, 1, '2026-03-01Z'), last_event FROM flowstream.streams WHERE id = 1" 2>/dev/null; then
	echo "not ok 6 - a direct insert that does not end its history is refused"
else
	echo "ok 6 - a direct insert that does not end its history is refused"
fi
"$PGBIN/dropdb" "$src"; "$PGBIN/dropdb" "$dst"
