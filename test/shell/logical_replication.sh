#!/usr/bin/env bash
# Logical replication of flowstream's tables to a reporting database: a
# publisher and a subscriber, two clusters of this test's own.  The
# subscriber has the same rows, the same debts and history, and a clean
# verify(); its API refuses to write (25006) and its sweeper does nothing
# (0.1.0's voided a stream locally, and the two diverged): the publisher's
# sweeper voids, and the subscriber receives it.  TAP output, run by prove
# from scripts/test (FS_PGBIN, FS_PORT).
set -uo pipefail
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
BASE=$(( ${FS_PORT:-54329} + 300 ))
work=$(mktemp -d /tmp/flowstream-logical.XXXXXX)
chmod 755 "$work"
export PGUSER=postgres
n=0
check() {						# check "description" condition (a shell expression)
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
clusters=()
cleanup() {
	for d in "${clusters[@]}"; do
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
# cluster NAME PORT [settings...]: initdb, configure and start $work/NAME
cluster() {
	local name=$1 port=$2
	shift 2
	install -d -o postgres -g postgres -m 700 "$work/$name"
	runuser -u postgres -- "$PGBIN/initdb" -D "$work/$name/data" --auth=trust --no-instructions \
		-E UTF8 --locale=C.UTF-8 >/dev/null
	{
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$work/$name'"
		echo "fsync = off"
		for setting in "$@"; do echo "$setting"; done
	} >>"$work/$name/data/postgresql.conf"
	clusters+=("$work/$name/data")
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/$name/data" -l "$work/$name/log" -w start >/dev/null
}
pub() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$work/pub" -p "$BASE" -d books "$@"; }
sub() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$work/sub" -p $((BASE + 1)) -d reports "$@"; }

echo "1..8"
cluster pub "$BASE" "wal_level = logical"
cluster sub $((BASE + 1))
"$PGBIN/createdb" -h "$work/pub" -p "$BASE" books
"$PGBIN/createdb" -h "$work/sub" -p $((BASE + 1)) reports

pub >/dev/null <<'SQL'
CREATE EXTENSION flowstream;
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('JPY', 0);
SET flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.create_stream('postgres', 'bob', 'USDC', 0.001, deposit => 100) FROM generate_series(1, 3);
SELECT flowstream.create_stream('postgres', 'carol', 'JPY', 1, deposit => 10);
SET flowstream.clock = '2026-01-02 00:00:00+00';
SELECT flowstream.withdraw(1, 5), flowstream.pause(2), flowstream.set_void_after(4, '0');
CREATE PUBLICATION flowstream_books FOR TABLE flowstream.tokens, flowstream.events, flowstream.streams,
    flowstream.settings, flowstream.settings_history;
SQL
sub >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION flowstream;
CREATE SUBSCRIPTION flowstream_reports CONNECTION 'host=$work/pub port=$BASE dbname=books user=postgres'
    PUBLICATION flowstream_books;
SQL

# wait until the subscriber has what the publisher has (at most 60 s)
caught_up() {
	local want
	want=$(pub -c "SELECT max(id) FROM flowstream.events")
	for _ in $(seq 1 120); do
		[ "$(sub -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ] &&
			[ "$(sub -c "SELECT coalesce(max(id), 0) FROM flowstream.events")" = "$want" ] && return 0
		sleep 0.5
	done
	return 1
}
views="SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT string_agg(concat_ws('|', id, sender, recipient, token, state, void_after, due_at, last_event,
       flowstream.total_debt(state), flowstream.covered_debt(state), flowstream.status(state)), E'\n' ORDER BY id)
FROM flowstream.streams"
history="SELECT string_agg(concat_ws('|', id, stream_id, op, actor, amount, destination, at, state),
       E'\n' ORDER BY id) FROM flowstream.events"

check "the subscription copies flowstream's tables" 'caught_up'
check "the subscriber has the same streams, debts and history" \
	'[ -n "$(pub -c "$views")" ] && [ "$(pub -c "$views")" = "$(sub -c "$views")" ] && [ "$(pub -c "$history")" = "$(sub -c "$history")" ]'
check "verify() is clean on the subscriber" '[ -z "$(sub -c "SELECT * FROM flowstream.verify()")" ]'

# the subscriber writes nothing: the API refuses, the sweeper does nothing
out=$(sub -c "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.deposit(1, 1)" 2>&1)
check "the subscriber's API refuses to write: write on the publisher (25006)" \
	'grep -q "a subscriber" <<<"$out" && [ "$(sub -c "SELECT count(*) FROM flowstream.events WHERE stream_id = 1")" = 3 ]'
swept=$(sub -c "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.void_insolvent()" 2>&1)
check "the subscriber's sweeper voids nothing, though stream 4 is due there too (it returned $swept)" \
	'[ "$swept" = 0 ] && [ "$(sub -c "SELECT flowstream.is_voided(state) FROM flowstream.streams WHERE id = 4")" = f ]'

# the publisher's sweeper and API go on, and the subscriber follows
pub >/dev/null <<'SQL'
SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT flowstream.void_insolvent();
SELECT flowstream.deposit(1, 1), flowstream.restart(2, 0.002);
SQL
check "the publisher's sweeper voids stream 4, and the subscriber receives it" \
	'caught_up && [ "$(sub -c "SELECT flowstream.is_voided(state) FROM flowstream.streams WHERE id = 4")" = t ]'
check "after more operations, the subscriber has the same streams, debts and history" \
	'[ "$(pub -c "$views")" = "$(sub -c "$views")" ] && [ "$(pub -c "$history")" = "$(sub -c "$history")" ]'
check "verify() is clean on both" \
	'[ -z "$(pub -c "SELECT * FROM flowstream.verify()")" ] && [ -z "$(sub -c "SELECT * FROM flowstream.verify()")" ]'
