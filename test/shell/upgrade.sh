#!/usr/bin/env bash
# The upgrade from the released 0.1.0: a cluster whose data 0.1.0 wrote (the
# 0.1.0 release, built from this repository's history, in a PostgreSQL copy
# of its own) is started with this checkout's library; the stored values
# read back unchanged; ALTER EXTENSION flowstream UPDATE gives objects equal
# to a fresh install's; every stream's debts and history are unchanged and
# verify() is clean; the API goes on; and a 0.1.0 pg_dump restores into
# 0.2.0.  TAP output, run by prove from scripts/test (FS_PGBIN, PGUSER set).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
PORT=$(( ${FS_PORT:-54329} + 200 ))
work=$(mktemp -d /tmp/flowstream-upgrade.XXXXXX)
chmod 755 "$work"
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
n=0
check() {						# check "description" condition (a shell expression)
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
skip_rest() {					# the planned tests that cannot run now fail, named
	while [ "$n" -lt 12 ]; do n=$((n + 1)); echo "not ok $n - not run: $1"; done
	exit 1
}
stop() { runuser -u postgres -- "$1/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true; }
cleanup() {
	stop "$PGBIN"
	[ -n "${OLDBIN:-}" ] && stop "$OLDBIN"
	rm -rf "$work"
}
trap cleanup EXIT
start() {
	runuser -u postgres -- "$1/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
}

echo "1..12"

# 1. the 0.1.0 release, built from history into a PostgreSQL copy of its own
# shellcheck source=../../scripts/lib.sh
source "$ROOT/scripts/lib.sh"
set +e
export PGHOST=$work PGPORT=$PORT PGUSER=postgres	# this test's own cluster
RELEASE=$RELEASE_0_1_0
OLDBIN=$work/r010/pg/usr/lib/postgresql/15/bin
if build_release "$RELEASE" "$work/r010" &&
	grep -q "default_version = '0.1.0'" "$work/r010/src/flowstream.control"; then
	check "the 0.1.0 release builds from history (commit $RELEASE)" true
else
	check "the 0.1.0 release builds from history (commit $RELEASE)" false
	[ -n "$FS_GIT_DIR" ] || echo "# no git history here (FS_GIT_DIR is empty): the release cannot be built"
	[ -f "$work/r010/build.log" ] && tail -n 20 "$work/r010/build.log" | sed 's/^/# /'
	skip_rest "the 0.1.0 release did not build"
fi
# (errors are checked, not fatal: every planned test reports)
chown -R postgres "$work"

# 2. a 0.1.0 database: streams and history through the 0.1.0 API
runuser -u postgres -- "$OLDBIN/initdb" -D "$work/data" --auth=trust --no-instructions -E UTF8 \
	--locale=C.UTF-8 >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work'
fsync = off
CONF
start "$OLDBIN"
"$OLDBIN/createdb" up
history_ok=true
q -d up >/dev/null <<'SQL' || history_ok=false
CREATE EXTENSION flowstream;
CREATE ROLE up_alice;
CREATE ROLE up_bob;
CREATE ROLE up_app IN ROLE flowstream_app;
GRANT up_alice, up_bob, up_app TO postgres;
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('WEI', 18), ('JPY', 0);
SELECT flowstream.set_default_void_after('60 days');
SET flowstream.clock = '2026-01-01 00:00:00+00';
SET ROLE up_alice;
SELECT flowstream.create_stream('up_alice', 'up_bob', 'USDC', 0.001, deposit => 10) FROM generate_series(1, 3);
SELECT flowstream.create_stream('up_alice', 'up_bob', 'WEI', 0.5, start_time => '2025-12-01 00:00:00+00');
SELECT flowstream.create_stream('up_alice', 'up_bob', 'JPY', 2, start_time => '2026-02-01 00:00:00+00', deposit => 1000);
SELECT flowstream.create_stream('up_alice', 'up_bob', 'WEI', 1000000000000000000, deposit => 1);
SELECT flowstream.create_stream('up_alice', 'up_bob', 'USDC', 1, deposit => 5, metadata => '{"plan": "pro"}');
SELECT flowstream.create_stream('up_alice', 'up_bob', 'USDC', 0.0002, deposit => 100, transferable => false);
RESET ROLE;
SET flowstream.clock = '2026-01-02 00:00:00+00';
SET ROLE up_bob;
SELECT flowstream.withdraw(1, 5), flowstream.withdraw(2, 1, 'up_bob_wallet');
RESET ROLE;
SET ROLE up_alice;
SELECT flowstream.pause(2), flowstream.deposit(4, 1000000), flowstream.void(3), flowstream.refund(8, 10);
SELECT flowstream.restart(2, 0.002), flowstream.adjust_rate(5, 3);
SELECT flowstream.set_void_after(7, '1 day'), flowstream.set_metadata(7, '{"plan": "team"}');
RESET ROLE;
SET ROLE up_app;
BEGIN;
SET LOCAL flowstream.actor = 'up_alice';
SELECT flowstream.deposit(1, 2);
COMMIT;
RESET ROLE;
SET flowstream.clock = '2026-01-03 00:00:00+00';
SET ROLE up_alice;
SELECT flowstream.void(6);
RESET ROLE;
SET ROLE up_bob;
SELECT flowstream.transfer(7, 'up_zed');
RESET ROLE;
SET flowstream.clock = '2026-01-20 00:00:00+00';
SELECT flowstream.void_insolvent();
SQL
nstreams=$(q -d up -c "SELECT count(*) FROM flowstream.streams" 2>/dev/null || echo 0)
nvoided=$(q -d up -c "SELECT count(*) FROM flowstream.events WHERE actor = 'flowstream_sweeper'" 2>/dev/null || echo 0)
check "a 0.1.0 database with streams and history (streams: $nstreams, swept: $nvoided)" \
	'$history_ok && [ "$nstreams" = 8 ] && [ "$nvoided" -ge 1 ]'
views="SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT string_agg(concat_ws('|', id, sender, recipient, token, state, void_after, metadata, due_at,
       first_event, last_event, flowstream.total_debt(state), flowstream.covered_debt(state),
       flowstream.uncovered_debt(state), flowstream.status(state), flowstream.depletion_time(state)),
       E'\n' ORDER BY id)
FROM flowstream.streams"
history="SELECT string_agg(concat_ws('|', id, stream_id, op, actor, amount, destination, at, state, void_after),
       E'\n' ORDER BY id) FROM flowstream.events"
binary="SELECT string_agg(encode(flowstream.stream_send(state), 'hex'), ',' ORDER BY id) FROM flowstream.events"
q -d up -c "$views" >"$work/views.010"
q -d up -c "$history" >"$work/history.010"
q -d up -c "$binary" >"$work/binary.010"
"$OLDBIN/pg_dump" -Fc -d up -f "$work/up010.dump"
stop "$OLDBIN"

# 3-4. the same data directory with this library, before the update
start "$PGBIN"
q -d up -c "$views" >"$work/views.early"
q -d up -c "$binary" >"$work/binary.early"
check "with the 0.2.0 library, every value 0.1.0 stored reads back unchanged (text, views, binary)" \
	'[ -s "$work/views.010" ] && cmp -s "$work/views.010" "$work/views.early" && cmp -s "$work/binary.010" "$work/binary.early"'
if out=$(q -d up -c "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.deposit(1, 1)" 2>&1); then
	check "before ALTER EXTENSION UPDATE, the managed API refuses with 55000 and a hint" false
else
	check "before ALTER EXTENSION UPDATE, the managed API refuses with 55000 and a hint" \
		'grep -q "ALTER EXTENSION flowstream UPDATE" <<<"$out"'
fi

# 5. the update
if q -d up -c "ALTER EXTENSION flowstream UPDATE" &&
	[ "$(q -d up -c "SELECT extversion FROM pg_extension WHERE extname = 'flowstream'")" = 0.2.0 ]; then
	check "ALTER EXTENSION flowstream UPDATE brings it to 0.2.0" true
else
	check "ALTER EXTENSION flowstream UPDATE brings it to 0.2.0" false
fi

# 6. the same objects as a fresh 0.2.0 install: every member object as
# pg_dump --binary-upgrade writes it (definition, owner, comment, grants),
# without the OIDs that differ between any two databases
"$PGBIN/createdb" fresh
q -d fresh -c "CREATE EXTENSION flowstream"
objects() {
	"$PGBIN/pg_dump" --binary-upgrade --schema-only -d "$1" |
		grep -vE '^(--|\\restrict|\\unrestrict|SELECT pg_catalog\.(binary_upgrade_set_next|binary_upgrade_set_missing_value|setval))' |
		sed -E '/^UPDATE pg_catalog.pg_class$/,/^WHERE oid = /d' |
		sed -E "s/binary_upgrade_create_empty_extension\('flowstream', 'pg_catalog', false, '0.2.0', '\{[0-9,]*\}'/binary_upgrade_create_empty_extension('flowstream', 'pg_catalog', false, '0.2.0', '{...}'/" |
		grep -v '^$'
	q -d "$1" -c "SELECT 'dumped: ' || string_agg(c::regclass::text, ', ' ORDER BY c::regclass::text)
	              FROM pg_extension, unnest(extconfig) c WHERE extname = 'flowstream'"
}
objects up >"$work/objects.upgraded"
objects fresh >"$work/objects.fresh"
# (two empty dumps are equal too: a dump must hold the extension's objects)
if grep -q "CREATE FUNCTION flowstream.create_stream" "$work/objects.fresh" &&
	diff -u "$work/objects.fresh" "$work/objects.upgraded" >"$work/objects.diff"; then
	check "the upgraded database has the same objects as a fresh 0.2.0 install ($(wc -l <"$work/objects.fresh") lines of pg_dump --binary-upgrade)" true
else
	check "the upgraded database has the same objects as a fresh 0.2.0 install" false
	[ -s "$work/objects.fresh" ] || echo "# pg_dump of the fresh install printed nothing"
	[ -f "$work/objects.diff" ] && head -n 60 "$work/objects.diff" | sed 's/^/# /'
fi

# 7-9. the streams, their debts and history; verify(); the API goes on
q -d up -c "$views" >"$work/views.020"
q -d up -c "$history" >"$work/history.020"
check "every stream's row, debts and history are unchanged by the update" \
	'cmp -s "$work/views.010" "$work/views.020" && cmp -s "$work/history.010" "$work/history.020"'
check "verify() is clean after the update" '[ -z "$(q -d up -c "SELECT * FROM flowstream.verify()")" ]'
api_ok=true
q -d up >/dev/null <<'SQL' || api_ok=false
SET flowstream.clock = '2026-03-01 00:00:00+00';
SET ROLE up_alice;
SELECT flowstream.deposit(1, 1), flowstream.set_metadata(1, '{"upgraded": true}'), flowstream.adjust_rate(1, 0.003);
SELECT flowstream.pause(5), flowstream.deposit(8, 50000), flowstream.refund(8, 1);
SELECT flowstream.create_stream('up_alice', 'up_bob', 'JPY', 1, deposit => 5);
RESET ROLE;
SET ROLE up_bob;
SELECT flowstream.withdraw_max(1);
RESET ROLE;
SQL
check "the API works on the upgraded streams, and verify() stays clean" \
	'$api_ok && [ -z "$(q -d up -c "SELECT * FROM flowstream.verify()")" ] &&
	 [ "$(q -d up -c "SELECT count(*) FROM flowstream.events WHERE op = '"'"'set_metadata'"'"'")" = 1 ]'

# 10-11. a 0.1.0 dump restores into 0.2.0
"$PGBIN/createdb" restored
if "$PGBIN/pg_restore" --exit-on-error -d restored "$work/up010.dump" 2>"$work/restore.err"; then
	check "a 0.1.0 pg_dump restores into 0.2.0 (pg_restore)" true
else
	check "a 0.1.0 pg_dump restores into 0.2.0 (pg_restore)" false
	sed 's/^/# /' "$work/restore.err" | head -n 20
fi
q -d restored -c "$views" >"$work/views.restored" || true
q -d restored -c "$history" >"$work/history.restored" || true
check "the restored streams, debts and history are 0.1.0's, and verify() is clean" \
	'cmp -s "$work/views.010" "$work/views.restored" && cmp -s "$work/history.010" "$work/history.restored" &&
	 [ -z "$(q -d restored -c "SELECT * FROM flowstream.verify()")" ]'

# 12. every C symbol the 0.1.0 script names is still in the library
missing=""
symbols=$(nm -D --defined-only "$("$PGBIN/pg_config" --pkglibdir)/flowstream.so" | awk '$2 == "T" { print $3 }')
for sym in $(grep -oE "'MODULE_PATHNAME', '[a-z_0-9]+'" "$work/r010/src/sql/flowstream--0.1.0.sql" | cut -d"'" -f4 | sort -u); do
	grep -qx "$sym" <<<"$symbols" || missing="$missing $sym"
done
check "the library keeps every symbol the 0.1.0 script references${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
