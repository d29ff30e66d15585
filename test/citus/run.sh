#!/usr/bin/env bash
# flowstream on Citus: a coordinator and CITUS_WORKERS workers (default 2)
# on 127.0.0.1, flowstream created, given an account, a flow and a stream,
# and distribute()d; the stories of the managed layer through the
# coordinator (with errors and their SQLSTATEs coming back from the
# workers), a transaction over streams on two workers (refused while
# notifications are on, committed with them off), short concurrent pgbench
# loads of API calls, the sweeper and maintain() run per worker over its own
# shards; accounts and flows across workers, their liquidation, alerts and
# reads, accounts opened concurrently; verify() finding a row changed
# behind the API, and clean on every node.  TAP output, plan first.
#
# Citus is not packaged here: when the PostgreSQL in FS_PGBIN has no Citus
# installed, the whole file is skipped ("1..0 # SKIP"), never passed.  This
# repository holds no Citus and no way to build it; docs/scaling.md says how
# the test was run by hand.
#
#   FS_PGBIN      the PostgreSQL 15 binaries, with flowstream and Citus installed
#   CITUS_PORT    the coordinator's port; the workers take the next ones
#                 (default FS_PORT + 300)
#   CITUS_WORKERS how many workers (1 or 2; default 2)
#   CITUS_BENCH   seconds of pgbench (default 10); its figures are printed
#                 as TAP comments
set -uo pipefail
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
PORT0=${CITUS_PORT:-$(( ${FS_PORT:-54329} + 300 ))}
WORKERS=${CITUS_WORKERS:-2}
BENCH=${CITUS_BENCH:-10}
DB=flowstream
PLAN=39

if [ ! -f "$("$PGBIN/pg_config" --pkglibdir)/citus.so" ] ||
	[ ! -f "$("$PGBIN/pg_config" --sharedir)/extension/citus.control" ]; then
	echo "1..0 # SKIP citus not installed in $PGBIN"
	exit 0
fi

work=$(mktemp -d /tmp/flowstream-citus.XXXXXX)
chmod 755 "$work"
chown postgres "$work"
ports=()
for i in $(seq 0 "$WORKERS"); do ports+=($((PORT0 + i))); done
cleanup() {
	for i in "${!ports[@]}"; do
		[ -f "$work/n$i/postmaster.pid" ] &&
			runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/n$i" -m immediate -w stop >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT

n=0
ok() {							# ok "description" command...: passes when the command does
	n=$((n + 1))
	local out
	if out=$("${@:2}" 2>&1); then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}
# q NODE SQL: one statement's result on node NODE (0: the coordinator)
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[$1]}" -U postgres -d "$DB" -c "$2"; }
# is NODE SQL WANT: the result is WANT
is() {
	local got
	got=$(q "$1" "$2" 2>&1)
	[ "$got" = "$3" ] || { echo "got:  $got"; echo "want: $3"; return 1; }
}
# fails NODE SQLSTATE SQL: the statement fails with that SQLSTATE
fails() {
	local got
	got=$("$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "${ports[$1]}" -U postgres -d "$DB" \
		-v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$3" 2>&1)
	echo "$got" | grep -q "^ERROR:  $2:" || { echo "want SQLSTATE $2, got: $got"; return 1; }
}
skip_rest() {
	while [ "$n" -lt "$PLAN" ]; do n=$((n + 1)); echo "not ok $n - not run: $1"; done
	exit 1
}

echo "1..$PLAN"

# 1. the nodes
start_nodes() {
	local i
	for i in "${!ports[@]}"; do
		runuser -u postgres -- "$PGBIN/initdb" -D "$work/n$i" -A trust -U postgres >"$work/initdb$i.log" 2>&1 || { cat "$work/initdb$i.log"; return 1; }
		cat >>"$work/n$i/postgresql.conf" <<-EOF
			port = ${ports[$i]}
			listen_addresses = '127.0.0.1'
			unix_socket_directories = '$work'
			shared_preload_libraries = 'citus'
			max_connections = 100
			max_prepared_transactions = 100
			fsync = off
			citus.log_remote_commands = off
		EOF
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/n$i" -l "$work/n$i.log" -w start >/dev/null || { cat "$work/n$i.log"; return 1; }
		"$PGBIN/createdb" -h 127.0.0.1 -p "${ports[$i]}" -U postgres "$DB" || return 1
		q "$i" "CREATE EXTENSION citus" || return 1
	done
	q 0 "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})" >/dev/null || return 1
	for i in $(seq 1 "$WORKERS"); do
		q 0 "SELECT citus_add_node('127.0.0.1', ${ports[$i]})" >/dev/null || return 1
	done
	is 0 "SELECT count(*) FROM citus_get_active_worker_nodes()" "$WORKERS"
}
ok "a coordinator and $WORKERS workers (ports ${ports[*]})" start_nodes
q 0 "SELECT 1" >/dev/null 2>&1 || skip_rest "the coordinator did not start (logs in $work)"

# 2. flowstream on every node, then distribute()
created() {
	local i
	q 0 "CREATE EXTENSION flowstream" || return 1
	for i in "${!ports[@]}"; do
		is "$i" "SELECT extversion FROM pg_extension WHERE extname = 'flowstream'" 0.2.0 || return 1
	done
}
ok "CREATE EXTENSION flowstream on the coordinator reaches the workers" created

# The parties log in: Citus connects to the workers as them.
# flowstream's owner writes the reference tables (the settings) and the
# accounts (the account API runs on the coordinator) and reads every shard
# (verify()): Citus connects to the other nodes as that role too, which
# must be able to log in there (from the cluster's nodes only;
# docs/scaling.md).  p1..p8, lena and nina hold accounts.
q 0 "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE carol LOGIN; CREATE ROLE mallory LOGIN;
     CREATE ROLE dave LOGIN; CREATE ROLE erin LOGIN; CREATE ROLE lena LOGIN; CREATE ROLE nina LOGIN;
     ALTER ROLE flowstream_owner LOGIN; INSERT INTO flowstream.tokens VALUES ('USD', 6)" >/dev/null
for i in 1 2 3 4 5 6 7 8; do q 0 "CREATE ROLE p$i LOGIN" >/dev/null; done
# postgres's sessions on every node read the clock of the test (verify()
# judges accounts at flowstream.now())
q 0 "ALTER ROLE postgres SET flowstream.clock = '2026-06-01 00:10:00+00'" >/dev/null
# what a database holds before it is distributed: an account, a flow out of
# it and a stream, with their history
before_distribute() {
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" \
		-c "SET flowstream.clock = '2026-06-01 00:00:00+00'" \
		-c "SELECT flowstream.account_deposit('dave', 'USD', 1000)" \
		-c "SET ROLE dave" -c "SELECT flowstream.open_flow('dave', 'erin', 'USD', 0.001)" \
		-c "SELECT flowstream.create_stream('dave', 'erin', 'USD', 0.5, deposit => 100)" >/dev/null &&
		is 0 "SELECT count(*) FROM flowstream.verify()" 0
}
ok "before distribute(): dave's account, a flow to erin and a stream, verify() clean" before_distribute
distributed() {
	local out
	out=$("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" \
		-c "SELECT flowstream.distribute()" 2>&1) || { echo "$out"; return 1; }
	echo "$out" | grep -q "NOTICE:  flowstream notifies every event: a transaction over streams on two workers cannot commit" ||
		{ echo "no notice about the notifications: $out"; return 1; }
	is 0 "SELECT string_agg(logicalrelid::text || ':' || partmethod::text, ' ' ORDER BY logicalrelid::text)
	      FROM pg_dist_partition WHERE logicalrelid::text LIKE 'flowstream.%'" \
		"flowstream.account_keys:n flowstream.accounts:h flowstream.events:h flowstream.flows:h flowstream.operators:n flowstream.operators_history:n flowstream.payouts:h flowstream.settings:n flowstream.settings_history:n flowstream.streams:h flowstream.tokens:n"
}
ok "distribute() places the tables, and says that notifications forbid a transaction over two workers" distributed
placed_before() {
	is 0 "SELECT string_agg(party || ':' || id, ' ' ORDER BY id) FROM flowstream.account_keys" "dave:1 erin:2" &&
		is 0 "SELECT flowstream.account_balance('erin', 'USD', '2026-06-01 00:10:00+00')" 0.600000 &&
		is 0 "SELECT (SELECT count(*) FROM flowstream.events WHERE place = 1), flowstream.balance(state)
		      FROM flowstream.streams WHERE sender = 'dave'" "4|100.000000" &&
		is 0 "SELECT count(*) FROM flowstream.verify()" 0
}
ok "what was there before is placed: account_keys holds both accounts, the flow paid erin 0.6 in 10 minutes, the history of accounts 1 and stream 1 (4 events) lives with them, verify() clean" placed_before
ok "streams, accounts, flows, events and payouts are colocated; the API on a stream is delegated by its id" \
	is 0 "SELECT count(DISTINCT colocationid) FROM pg_dist_partition
	      WHERE logicalrelid IN ('flowstream.streams'::regclass, 'flowstream.events', 'flowstream.payouts',
	                             'flowstream.accounts', 'flowstream.flows');
	      SELECT count(*) FROM pg_dist_object
	      WHERE force_delegation AND distribution_argument_index = 0 AND colocationid =
	            (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'flowstream.streams'::regclass)
	        AND objid = ANY (SELECT oid FROM pg_proc WHERE pronamespace = 'flowstream'::regnamespace)" \
	"1
22"
ok "distribute() twice: 55000" fails 0 55000 "SELECT flowstream.distribute()"

# 3. the stories, through the coordinator, as the parties.
# flowstream.clock is a superuser's setting, which a delegated call does not
# carry to the worker: each step pins it for the party's new sessions on
# every node (ALTER ROLE ... SET, which Citus propagates), and each step is
# a new session.
# as ROLE TIME SQL: SQL as ROLE on the coordinator, the clock at TIME
as() {
	q 0 "ALTER ROLE $1 SET flowstream.clock = '$2'" >/dev/null || return 1
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U "$1" -d "$DB" -c "$3"
}
# has WANT command...: the command prints WANT
has() {
	local got
	got=$("${@:2}" 2>&1) || { echo "$got"; return 1; }
	[ "$got" = "$1" ] || { echo "got:  $got"; echo "want: $1"; return 1; }
}
T0='2026-06-01 00:00:00+00'
created_streams() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		as alice "$T0" "SELECT flowstream.create_stream('alice', 'bob', 'USD', 0.5, deposit => 100)" >/dev/null ||
			return 1
	done
	# where each stream's row is: the node of the shard its id hashes to
	is 0 "SELECT count(*), count(DISTINCT p.nodeport) FROM flowstream.streams s
	      JOIN pg_dist_shard sh ON sh.logicalrelid = 'flowstream.streams'::regclass
	       AND hashint8(s.id) BETWEEN sh.shardminvalue::int AND sh.shardmaxvalue::int
	      JOIN pg_dist_shard_placement p USING (shardid) WHERE s.sender = 'alice'" "8|$WORKERS"
}
ok "create_stream through the coordinator: 8 streams, on every worker" created_streams
S=$(q 0 "SELECT min(id) FROM flowstream.streams WHERE sender = 'alice'")
S2=$((S + 1))
deposit_withdraw() {
	as alice '2026-06-01 00:01:40+00' "SELECT flowstream.deposit($S, 5)" >/dev/null &&
		has 50.000000 as bob '2026-06-01 00:01:40+00' "SELECT flowstream.withdraw_max($S)"
}
ok "deposit, then withdraw_max at +100 s: 50 paid to bob" deposit_withdraw
pause_restart() {
	as alice '2026-06-01 00:02:00+00' "SELECT flowstream.pause($S)" >/dev/null &&
		as alice '2026-06-01 00:05:00+00' "SELECT flowstream.restart($S, 1)" >/dev/null &&
		is 0 "SELECT flowstream.total_debt(state, '2026-06-01 00:05:10+00') FROM flowstream.streams WHERE id = $S" 20.000000
}
ok "pause, then restart at 1/s: the debt stood still while paused (10 + 10 at +310 s)" pause_restart
refund_transfer() {
	as alice '2026-06-01 00:05:10+00' "SELECT flowstream.refund($S, 10)" >/dev/null &&
		as bob '2026-06-01 00:05:10+00' "SELECT flowstream.transfer($S, 'carol')" >/dev/null &&
		has 30.000000 as carol '2026-06-01 00:05:20+00' "SELECT flowstream.withdraw_max($S)"
}
ok "refund and transfer: alice takes back 10, bob hands the stream to carol, who withdraws 30" refund_transfer
voided() {
	as alice '2026-06-01 00:05:30+00' "SELECT flowstream.void($S)" >/dev/null &&
		is 0 "SELECT flowstream.is_voided(state) FROM flowstream.streams WHERE id = $S" t
}
ok "void: the stream ends" voided
ok "its history, on its worker: every operation one event, in order" \
	is 0 "SELECT string_agg(op::text, ' ' ORDER BY id) FROM flowstream.events WHERE stream_id = $S" \
	"create deposit deposit withdraw pause restart refund transfer withdraw void"
errors() {
	fails 0 42501 "SET ROLE mallory; SELECT flowstream.void($S2)" &&
		fails 0 SF002 "SELECT flowstream.deposit($S, 1)" &&
		fails 0 22023 "SELECT flowstream.deposit($S2, -1)" &&
		fails 0 SF001 "SELECT flowstream.deposit(999999, 1)" &&
		fails 0 22023 "SELECT flowstream.create_stream('postgres', 'bob', 'NOPE', 1)"
}
ok "errors from the workers keep their SQLSTATE: a stranger (42501), a voided stream (SF002), a bad amount (22023), no such stream (SF001), an unknown token (22023)" errors
# streams S2.. are on both workers (test 6).  A transaction over two of
# them is a two-phase commit, which PostgreSQL refuses to a transaction that
# sent NOTIFY, as every operation does while notifications are on
# (flowstream_events): it is refused, and neither stream changes.  With
# set_notifications(false) it commits (docs/scaling.md).
other_worker_stream() {
	q 0 "SELECT s.id FROM flowstream.streams s WHERE s.id > $S2 AND get_shard_id_for_distribution_column('flowstream.streams', s.id) IN
	     (SELECT shardid FROM pg_dist_shard_placement WHERE nodeport <> (SELECT nodeport FROM pg_dist_shard_placement
	      WHERE shardid = get_shard_id_for_distribution_column('flowstream.streams', $S2))) LIMIT 1"
}
two_workers_refused() {
	local other out
	other=$(other_worker_stream)
	[ -n "$other" ] || { echo "no stream on another worker"; return 1; }
	if out=$("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U alice -d "$DB" \
		-c "BEGIN" -c "SELECT flowstream.deposit($S2, 1)" -c "SELECT flowstream.deposit($other, 1)" -c "COMMIT" 2>&1); then
		echo "committed: $out"; return 1
	fi
	echo "$out" | grep -q "cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY" || { echo "$out"; return 1; }
	is 0 "SELECT string_agg(flowstream.balance(state)::text, ' ') FROM flowstream.streams WHERE id IN ($S2, $other)" \
		"100.000000 100.000000"
}
# In one session, whose connections to the workers have sent notifications
# already (the first two deposits): the workers' sessions read the setting
# again when it changes.  As postgres, whose clock Citus carries to the
# workers as a role setting.
two_workers_commit() {
	local other out i
	other=$(other_worker_stream)
	[ -n "$other" ] || { echo "no stream on another worker"; return 1; }
	q 0 "ALTER ROLE postgres SET flowstream.clock = '2026-06-01 00:06:00+00'" >/dev/null || return 1
	out=$("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" \
		-c "SELECT flowstream.deposit($S2, 1)" -c "SELECT flowstream.deposit($other, 1)" \
		-c "SELECT flowstream.set_notifications(false)" \
		-c "BEGIN" -c "SELECT flowstream.deposit($S2, 1)" -c "SELECT flowstream.deposit($other, 1)" -c "COMMIT" 2>&1) ||
		{ echo "$out"; return 1; }
	for i in "${!ports[@]}"; do is "$i" "SELECT notifications FROM flowstream.settings" f || return 1; done
	is 0 "SELECT string_agg(flowstream.balance(state)::text, ' ') FROM flowstream.streams WHERE id IN ($S2, $other)" \
		"102.000000 102.000000" &&
		is 0 "SELECT count(*) FROM flowstream.events WHERE stream_id IN ($S2, $other) AND op = 'deposit' AND at = '2026-06-01 00:06:00+00'" 4
}
if [ "$WORKERS" -ge 2 ]; then
	ok "with notifications on, a transaction over streams on two workers is refused (no two-phase commit after NOTIFY) and changes neither" two_workers_refused
	ok "set_notifications(false), on every node: a transaction over streams on two workers commits, both deposits and their events" two_workers_commit
else
	n=$((n + 1)); echo "ok $n # SKIP a transaction over two workers: one worker"
	n=$((n + 1)); echo "ok $n # SKIP a transaction over two workers, notifications off: one worker"
fi
ok "debt_sums and sum(total_debt) computed on the workers agree" \
	is 0 "SELECT (flowstream.debt_sums(state, '2026-06-01 00:10:00+00')).total_debt = sum(flowstream.total_debt(state, '2026-06-01 00:10:00+00'))
	      FROM flowstream.streams" t

# 4. a concurrent load of API calls, through the coordinator
cat >"$work/bench.sql" <<EOF
\set id random($S2, $((S + 7)))
SELECT flowstream.deposit(:id, 1);
EOF
q 0 "ALTER ROLE postgres SET flowstream.clock = '2026-06-01 00:10:00+00'" >/dev/null
# every figure with notifications off, as a cluster that commits over two
# workers runs (with 2 workers they are off since test 14)
q 0 "SELECT flowstream.set_notifications(false)" >/dev/null
before=$(q 0 "SELECT sum(flowstream.balance(state)) FROM flowstream.streams WHERE id > $S")
# bench NAME: pgbench of $work/NAME.sql, its figures in $work/NAME.out and as comments
bench() {
	"$PGBIN/pgbench" -n -h 127.0.0.1 -p "${ports[0]}" -U postgres -c 4 -j 2 -T "$BENCH" -f "$work/$1.sql" "$DB" \
		>"$work/$1.out" 2>&1 && grep -q 'number of failed transactions: 0' "$work/$1.out" ||
		{ cat "$work/$1.out"; return 1; }
}
figures() { sed -n 's/^\(tps = .*\|number of transactions actually processed.*\|latency average.*\)/# &/p' "$work/$1.out"; }
ok "pgbench: 4 clients, ${BENCH} s of deposit() on 7 streams (at +600 s) through the coordinator, no failed transaction" bench bench
figures bench
done_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/bench.out")
ok "the deposits add up: each of the ${done_tx:-?} transactions one event and one token" \
	is 0 "SELECT (SELECT sum(flowstream.balance(state)) FROM flowstream.streams WHERE id > $S) - ${before:-0},
	             (SELECT count(*) FROM flowstream.events WHERE stream_id > $S AND op = 'deposit' AND at = '2026-06-01 00:10:00+00')" \
	"${done_tx:-?}.000000|${done_tx:-?}"

# What spans nodes costs a two-phase commit.  A transaction over a stream on
# each of two workers (as an operation on two accounts distributed by id on
# two workers would be), and an update of a row of a reference table, which
# Citus writes on every node (as every operation on accounts kept as a
# reference table would): each against deposit() above.
cross_bench() {
	local i
	for i in $(seq 1 16); do
		as alice '2026-06-01 00:10:00+00' "SELECT flowstream.create_stream('alice', 'bob', 'USD', 0.5, deposit => 100)" >/dev/null ||
			return 1
	done
	# pairs of a stream on the first worker and one on the second
	q 0 "CREATE TABLE bench_pairs AS
	     WITH placed AS (SELECT s.id, p.nodeport, row_number() OVER (PARTITION BY p.nodeport ORDER BY s.id) AS i
	                     FROM flowstream.streams s JOIN pg_dist_shard_placement p
	                       ON p.shardid = get_shard_id_for_distribution_column('flowstream.streams', s.id)
	                     WHERE s.id > (SELECT max(id) FROM flowstream.streams) - 16)
	     SELECT a.i, a.id AS a, b.id AS b FROM placed a JOIN placed b USING (i)
	     WHERE a.nodeport = ${ports[1]} AND b.nodeport = ${ports[2]}" >/dev/null || return 1
	pairs=$(q 0 "SELECT count(*) FROM bench_pairs")
	[ "$pairs" -ge 2 ] || { echo "only $pairs pairs of streams on two workers"; return 1; }
	cat >"$work/cross.sql" <<-EOF
		\set i random(1, $pairs)
		SELECT a, b FROM bench_pairs WHERE i = :i \gset
		BEGIN;
		SELECT flowstream.deposit(:a, 1);
		SELECT flowstream.deposit(:b, 1);
		END;
	EOF
	bench cross
}
if [ "$WORKERS" -ge 2 ]; then
	ok "pgbench: 4 clients, ${BENCH} s of a transaction depositing into a stream on each of two workers (two-phase commit), no failed transaction" cross_bench
	figures cross
else
	n=$((n + 1)); echo "ok $n # SKIP a transaction over two workers: one worker"
fi
reference_bench() {
	q 0 "CREATE TABLE bench_ref (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
	     SELECT create_reference_table('bench_ref');
	     INSERT INTO bench_ref (id) SELECT generate_series(1, 1000)" >/dev/null || return 1
	cat >"$work/reference.sql" <<-EOF
		\set id random(1, 1000)
		UPDATE bench_ref SET n = n + 1 WHERE id = :id;
	EOF
	bench reference &&
		is 0 "SELECT sum(n) FROM bench_ref" "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/reference.out")"
}
ok "pgbench: 4 clients, ${BENCH} s of an update of one of 1,000 rows of a reference table (written on every node), no failed transaction" reference_bench
figures reference

# 5. the sweeper and maintain(), per worker.  Citus refuses FOR UPDATE SKIP
# LOCKED over a distributed table: each node sweeps the shards it holds, and
# void_insolvent() or maintain() called on the coordinator runs itself on
# every worker, each in a transaction of its own; no lock spans two nodes.
# As postgres, whose clock (a role setting) Citus carries to the workers.
pin_clock() { q 0 "ALTER ROLE postgres SET flowstream.clock = '$1'" >/dev/null; }
# due_on PORT: how many streams due now (the postgres clock) are in the shards on that node
due_on() {
	q 0 "SELECT count(*) FROM flowstream.streams s WHERE s.due_at <= '$1'
	     AND get_shard_id_for_distribution_column('flowstream.streams', s.id) IN
	         (SELECT shardid FROM pg_dist_shard_placement WHERE nodeport = $2)"
}
# voids_by_sweeper: the sweeper's voids so far, on every worker
voids_by_sweeper() { q 0 "SELECT count(*) FROM flowstream.events WHERE op = 'void' AND actor = 'flowstream_sweeper'"; }
# six streams of 10 at 1/s, created at +20 min with a grace of a minute: due at +21:10
T20='2026-06-01 00:20:00+00'
due_streams() {
	local i
	pin_clock "$T20"
	q 0 "SELECT flowstream.set_default_void_after('1 minute')" >/dev/null || return 1
	for i in 1 2 3 4 5 6; do
		as alice "$T20" "SELECT flowstream.create_stream('alice', 'bob', 'USD', 1, deposit => 10)" >/dev/null || return 1
	done
	as bob "$T20" "SELECT flowstream.set_auto_withdraw($S2, '1 minute', 'bank:bob')" >/dev/null || return 1
	# on every worker
	is 0 "SELECT count(DISTINCT p.nodeport) FROM flowstream.streams s JOIN pg_dist_shard_placement p
	      ON p.shardid = get_shard_id_for_distribution_column('flowstream.streams', s.id)
	      WHERE s.due_at BETWEEN '2026-06-01 00:21:10+00' AND '2026-06-01 00:21:11+00'" "$WORKERS"
}
ok "six streams due at +21:10, on every worker, and a payout every minute" due_streams
sweep_coordinator() {
	local before
	before=$(voids_by_sweeper)
	pin_clock '2026-06-01 00:22:00+00'
	is 0 "SELECT flowstream.void_insolvent()" 6 &&
		is 0 "SELECT count(*) - $before FROM flowstream.events WHERE op = 'void' AND actor = 'flowstream_sweeper'
		      AND at = '2026-06-01 00:22:00+00'" 6 &&
		is 0 "SELECT flowstream.void_insolvent()" 0
}
ok "void_insolvent() on the coordinator voids the six on the workers, each sweeping its own shards, the sweeper acting; again: none" \
	sweep_coordinator
# two more due streams; a worker's own sweep (pg_cron on each worker, say)
# voids those of its shards only, and leaves the others to their workers
sweep_worker() {
	local mine others
	for i in 1 2 3 4; do
		as alice '2026-06-01 00:30:00+00' "SELECT flowstream.create_stream('alice', 'bob', 'USD', 1, deposit => 10)" >/dev/null ||
			return 1
	done
	pin_clock '2026-06-01 00:32:00+00'
	mine=$(due_on '2026-06-01 00:32:00+00' "${ports[1]}")
	others=$(q 0 "SELECT count(*) FROM flowstream.streams WHERE due_at <= '2026-06-01 00:32:00+00'")
	[ "$mine" -ge 1 ] || { echo "no due stream on worker 1"; return 1; }
	is 1 "SELECT flowstream.void_insolvent()" "$mine" &&
		is 0 "SELECT count(*) FROM flowstream.streams WHERE due_at <= '2026-06-01 00:32:00+00'" $((others - mine)) &&
		is 1 "SELECT flowstream.void_insolvent()" 0
}
ok "void_insolvent() on a worker voids the due streams of its own shards, and only those" sweep_worker
maintained() {
	local left got alerts remembered i
	pin_clock '2026-06-01 00:40:00+00'
	left=$(q 0 "SELECT count(*) FROM flowstream.streams WHERE due_at <= '2026-06-01 00:40:00+00'")
	got=$(q 0 "SELECT string_agg(job || ':' || coalesce(done::text, '-'), ' ') FROM flowstream.maintain()") || return 1
	# the alerts due once the due streams are voided: a stream running dry or due within each threshold
	alerts=$(q 0 "SELECT (SELECT count(*) FROM flowstream.streams s, unnest('{7 days,1 day,0}'::interval[]) th
	                      WHERE s.depletes_at <= flowstream.after('2026-06-01 00:40:00+00', th))
	                   + (SELECT count(*) FROM flowstream.streams s, unnest('{7 days,1 day,0}'::interval[]) th
	                      WHERE s.due_at <= flowstream.after('2026-06-01 00:40:00+00', th))")
	[ "$alerts" -gt 0 ] && [ "$got" = "void:$left liquidate:0 top_up:- payout:1 alert:$alerts" ] ||
		{ echo "got:  $got"; echo "want: void:$left liquidate:0 top_up:- payout:1 alert:$alerts"
		  for i in $(seq 1 "$WORKERS"); do q "$i" "SELECT kind, id, event, threshold FROM flowstream.runway_alerts ORDER BY 1,2,3,4"; done
		  q 0 "SELECT s.id, th, s.depletes_at, s.due_at FROM flowstream.streams s, unnest('{7 days,1 day,0}'::interval[]) th
		       WHERE s.depletes_at <= flowstream.after('2026-06-01 00:40:00+00', th) OR s.due_at <= flowstream.after('2026-06-01 00:40:00+00', th) ORDER BY 1, 2"
		  return 1; }
	is 0 "SELECT count(*) FROM flowstream.events WHERE stream_id = $S2 AND op = 'withdraw' AND destination = 'bank:bob'
	      AND actor = 'flowstream_sweeper' AND on_behalf_of = 'bob'" 1 || return 1
	# each worker remembers the alerts of its own streams
	remembered=0
	for i in $(seq 1 "$WORKERS"); do
		remembered=$((remembered + $(q "$i" "SELECT count(*) FROM flowstream.runway_alerts r
		                                       WHERE get_shard_id_for_distribution_column('flowstream.streams', r.id) IN
		                                             (SELECT shardid FROM pg_dist_shard_placement WHERE nodeport = ${ports[$i]})")))
	done
	[ "$remembered" -eq "$alerts" ] || { echo "remembered on the workers: $remembered, sent: $alerts"; return 1; }
	is 0 "SELECT string_agg(job || ':' || coalesce(done::text, '-'), ' ') FROM flowstream.maintain()" \
		"void:0 liquidate:0 top_up:- payout:0 alert:0"
}
ok "maintain() on the coordinator: the rest of the due streams voided, bob's payout made and the runway alerts sent and remembered on the workers, each for its own streams; no top-ups on Citus (NULL); again: nothing" \
	maintained

# a user holds a due stream's row (on its worker, through the coordinator):
# the sweep skips it, as on a single node, and voids it once it is free
sweep_locked() {
	local x y got
	x=$(as alice '2026-06-01 00:50:00+00' "SELECT flowstream.create_stream('alice', 'bob', 'USD', 1, deposit => 10)") || return 1
	y=$(as alice '2026-06-01 00:50:00+00' "SELECT flowstream.create_stream('alice', 'bob', 'USD', 1, deposit => 10)") || return 1
	pin_clock '2026-06-01 00:52:00+00'
	coproc HOLD { "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" 2>&1; }
	echo "BEGIN; SELECT id FROM flowstream.streams WHERE id = $x FOR UPDATE;" >&"${HOLD[1]}"
	read -r got <&"${HOLD[0]}"			# the row is locked once its id comes back
	[ "$got" = "$x" ] || { echo "could not lock $x: $got"; return 1; }
	is 0 "SELECT flowstream.void_insolvent()" 1 &&
		is 0 "SELECT string_agg(id::text || ':' || flowstream.is_voided(state)::text, ' ' ORDER BY id)
		      FROM flowstream.streams WHERE id IN ($x, $y)" "$x:false $y:true" || return 1
	echo "COMMIT;" >&"${HOLD[1]}"
	exec {HOLD[1]}>&-
	wait "$HOLD_PID"
	is 0 "SELECT flowstream.void_insolvent()" 1
}
ok "a stream a user holds locked is skipped (SKIP LOCKED on its worker's shard), and voided by the next run" sweep_locked
# a worker that is down: the coordinator's sweep warns, and what the other
# worker voided stands; the next run, with the worker back, voids the rest
sweep_worker_down() {
	local i on1 on2 out
	for i in 1 2 3 4 5 6; do
		as alice '2026-06-01 01:00:00+00' "SELECT flowstream.create_stream('alice', 'bob', 'USD', 1, deposit => 10)" >/dev/null ||
			return 1
	done
	pin_clock '2026-06-01 01:02:00+00'
	on1=$(due_on '2026-06-01 01:02:00+00' "${ports[1]}")
	on2=$(due_on '2026-06-01 01:02:00+00' "${ports[2]}")
	[ "$on1" -ge 1 ] && [ "$on2" -ge 1 ] || { echo "due on worker 1: $on1, on worker 2: $on2"; return 1; }
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/n2" -m fast -w stop >/dev/null || return 1
	out=$("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" \
		-c "SELECT flowstream.void_insolvent()" 2>&1)
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/n2" -l "$work/n2.log" -w start >/dev/null || return 1
	echo "$out" | grep -q "WARNING:  \"SELECT flowstream.void_insolvent(1000)\" failed on worker 127.0.0.1:${ports[2]}" &&
		[ "$(echo "$out" | tail -n 1)" = "$on1" ] || { echo "with worker 2 down: $out (want $on1 and a warning)"; return 1; }
	is 0 "SELECT flowstream.void_insolvent()" "$on2"
}
if [ "$WORKERS" -ge 2 ]; then
	ok "a worker down: void_insolvent() on the coordinator warns, voids the other worker's due streams, and the next run the rest" sweep_worker_down
else
	n=$((n + 1)); echo "ok $n # SKIP a worker down: one worker"
fi

# 6. accounts and flows.  An account lives with its history (placed by its
# id), a flow with its sender's account; account_keys, a copy on every node,
# maps each party and token to its account.  The account API runs on the
# coordinator, which sends each statement to the node of its row: an
# operation on two accounts on two workers is one transaction over both
# (a two-phase commit), and its notification is sent by the coordinator.
T2='2026-06-01 02:00:00+00'
pin_clock "$T2"
# node_of TABLE ID: the port of the worker that holds row ID of TABLE
node_of() {
	q 0 "SELECT nodeport FROM pg_dist_shard_placement
	     WHERE shardid = get_shard_id_for_distribution_column('flowstream.$1', $2)"
}
account_id() { q 0 "SELECT id FROM flowstream.account_keys WHERE party = '$1' AND token = 'USD'"; }
accounts_everywhere() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		as alice "$T2" "SELECT flowstream.account_deposit('p$i', 'USD', 1000)" >/dev/null || return 1
	done
	is 0 "SELECT count(*), count(DISTINCT p.nodeport) FROM flowstream.accounts a JOIN pg_dist_shard_placement p
	      ON p.shardid = get_shard_id_for_distribution_column('flowstream.accounts', a.id)
	      WHERE a.party LIKE 'p_'" "8|$WORKERS" &&
		is 0 "SELECT count(*) FROM flowstream.account_keys k JOIN flowstream.accounts a USING (id)
		      WHERE k.party = a.party AND k.token = a.token" "$(q 0 "SELECT count(*) FROM flowstream.accounts")"
}
ok "account_deposit through the coordinator: 8 accounts of 1000, on every worker, each in account_keys" accounts_everywhere
# PB: a party whose account is on another worker than p1's (with one worker, p2)
PB=p2
for i in 2 3 4 5 6 7 8; do
	if [ "$(node_of accounts "$(account_id p$i)")" != "$(node_of accounts "$(account_id p1)")" ]; then PB=p$i; break; fi
done
cross_transfer() {
	q 0 "SELECT flowstream.set_notifications(true)" >/dev/null || return 1
	as p1 "$T2" "SELECT flowstream.account_transfer('p1', '$PB', 'USD', 5)" >/dev/null &&
		is 0 "SELECT flowstream.account_balance('p1', 'USD', '$T2'), flowstream.account_balance('$PB', 'USD', '$T2'),
		             (SELECT count(*) FROM flowstream.events WHERE op = 'account_transfer'
		              AND account_id = $(account_id p1) AND peer_id = $(account_id "$PB"))" "995.000000|1005.000000|1"
}
where="on another worker"
[ "$WORKERS" -ge 2 ] || where="on the one worker"
ok "notifications on: account_transfer from p1 to $PB ($where) commits, one event" cross_transfer
flows_cross() {
	local f
	f=$(as p1 "$T2" "SELECT flowstream.open_flow('p1', '$PB', 'USD', 0.01)") || return 1
	as p1 '2026-06-01 02:10:00+00' "SELECT flowstream.update_flow($f, 0.02)" >/dev/null &&
		as "$PB" '2026-06-01 02:20:00+00' "SELECT flowstream.close_flow($f)" >/dev/null || return 1
	# 600 s at 0.01 and 600 s at 0.02: 18 from p1 to PB
	is 0 "SELECT flowstream.account_balance('$PB', 'USD', '2026-06-01 02:30:00+00'),
	             flowstream.account_balance('p1', 'USD', '2026-06-01 02:30:00+00')" "1023.000000|977.000000" &&
		is 0 "SELECT status, buffer FROM flowstream.flows_now WHERE id = $f" "closed|0.000000" &&
		is 0 "SELECT string_agg(op::text, ' ' ORDER BY id) FROM flowstream.events WHERE flow_id = $f" \
			"open_flow update_flow close_flow"
}
ok "a flow from p1 to $PB: open_flow, update_flow by the sender, close_flow by the receiver; 18 moved in 20 minutes" flows_cross
dave_stream=$(q 0 "SELECT id FROM flowstream.streams WHERE sender = 'dave'")
account_errors() {
	pin_clock '2026-06-01 02:20:00+00'
	fails 0 SF001 "SELECT flowstream.update_flow(999999, 1)" &&
		fails 0 SF015 "SET ROLE dave; SELECT flowstream.open_flow('dave', 'erin', 'USD', 1)" &&
		fails 0 42501 "SET ROLE mallory; SELECT flowstream.close_flow(1)" &&
		fails 0 SF013 "SET ROLE p1; SELECT flowstream.account_transfer('p1', 'p2', 'USD', 1000000)" &&
		fails 0 22023 "SELECT flowstream.account_deposit('p1', 'NOPE', 1)" &&
		fails 0 0A000 "SET ROLE dave; SELECT flowstream.deposit_from_account($dave_stream, 1)" &&
		fails 0 0A000 "SET ROLE erin; SELECT flowstream.withdraw_max_to_account($dave_stream)" &&
		fails 0 0A000 "SET ROLE p1; INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second)
		               VALUES ('p1', 'p2', 'USD', 0.001)"
}
ok "account errors keep their SQLSTATE: no such flow (SF001), a flow open already (SF015), a stranger (42501), more than available (SF013), an unknown token (22023); a bridge between a stream and an account, a flow opened through flows_now (0A000 on Citus)" account_errors
# parties opening their accounts at once: account_keys holds one per party
open_race() {
	local tx
	cat >"$work/open.sql" <<-EOF
		\set k random(1, 40)
		SELECT flowstream.account_deposit('q' || :k, 'USD', 1);
	EOF
	bench open || return 1
	tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/open.out")
	is 0 "SELECT count(*) = count(DISTINCT party), sum(flowstream.balance(state, '$T2'))
	      FROM flowstream.accounts WHERE party LIKE 'q%'" "t|$tx.000000" &&
		is 0 "SELECT count(*) FROM flowstream.account_keys WHERE party LIKE 'q%'" \
			"$(q 0 "SELECT count(*) FROM flowstream.accounts WHERE party LIKE 'q%'")"
}
ok "pgbench: 4 clients, ${BENCH} s of account_deposit() into 40 new parties' accounts, no failed transaction; one account each, every deposit counted" open_race
figures open
# under REPEATABLE READ a session cannot see the account another opened after
# its snapshot: opening it again is a serialization failure, not a second account
repeatable_read() {
	local out
	out=$("$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" -v VERBOSITY=verbose 2>&1 <<-EOF
		BEGIN ISOLATION LEVEL REPEATABLE READ;
		SELECT count(*) FROM flowstream.account_keys WHERE party = 'zed';
		\\! "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "${ports[0]}" -U postgres -d "$DB" -c "SELECT flowstream.account_deposit('zed', 'USD', 1)"
		SELECT flowstream.account_deposit('zed', 'USD', 2);
		ROLLBACK;
	EOF
	)
	echo "$out" | grep -q "^ERROR:  40001:" || { echo "$out"; return 1; }
	is 0 "SELECT count(*), sum(flowstream.balance(state, '$T2')) FROM flowstream.accounts WHERE party = 'zed'" "1|1.000000"
}
ok "REPEATABLE READ: an account another session opened after the snapshot is a serialization failure (40001), and stays one account" repeatable_read
# transfers between random pairs of p1..p8 (about half of them over two workers)
T2b='2026-06-01 02:30:00+00'
transfer_load() {
	local before tx
	pin_clock "$T2b"
	before=$(q 0 "SELECT sum(flowstream.balance(state, '$T2b')) FROM flowstream.accounts WHERE party LIKE 'p_'")
	cat >"$work/transfer.sql" <<-EOF
		\set a random(1, 8)
		\set d random(1, 7)
		BEGIN;
		SELECT set_config('flowstream.actor', 'p' || :a, true);
		SELECT flowstream.account_transfer('p' || :a, 'p' || ((:a + :d - 1) % 8 + 1), 'USD', 1);
		END;
	EOF
	bench transfer || return 1
	tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/transfer.out")
	is 0 "SELECT sum(flowstream.balance(state, '$T2b')) FROM flowstream.accounts WHERE party LIKE 'p_'" "$before" &&
		is 0 "SELECT count(*) FROM flowstream.events WHERE op = 'account_transfer' AND actor LIKE 'p_'" "$((tx + 1))"
}
ok "pgbench: 4 clients, ${BENCH} s of account_transfer() between random pairs of 8 accounts, no failed transaction; the total stands" transfer_load
figures transfer
# lena is critical 6,400 s after T2c (10 less a buffer of 3.6, at 0.001/s);
# nina within 7 days, not 1
T2c='2026-06-01 03:00:00+00'
T3='2026-06-01 05:00:00+00'
liquidation() {
	local lena nina i n on
	as alice "$T2c" "SELECT flowstream.account_deposit('lena', 'USD', 10), flowstream.account_deposit('nina', 'USD', 100)" >/dev/null &&
		as lena "$T2c" "SELECT flowstream.open_flow('lena', 'p3', 'USD', 0.001)" >/dev/null &&
		as nina "$T2c" "SELECT flowstream.open_flow('nina', 'p4', 'USD', 0.0002)" >/dev/null || return 1
	lena=$(account_id lena)
	nina=$(account_id nina)
	pin_clock "$T3"
	# the coordinator liquidates: a worker does not, even the one that holds lena
	for i in $(seq 1 "$WORKERS"); do is "$i" "SELECT flowstream.liquidate_critical()" 0 || return 1; done
	is 0 "SELECT done FROM flowstream.maintain() WHERE job = 'liquidate'" 1 &&
		is 0 "SELECT f.status, e.actor, e.at FROM flowstream.flows_now f JOIN flowstream.events e ON e.flow_id = f.id
		      WHERE f.sender = 'lena' AND e.op = 'liquidate'" "closed|flowstream_sweeper|$T3" &&
		is 0 "SELECT open_outflows, critical_at IS NULL FROM flowstream.accounts WHERE id = $lena" "0|t" || return 1
	# nina's alert, remembered by the worker that holds her account, only there
	on=$(node_of accounts "$nina")
	for i in $(seq 1 "$WORKERS"); do
		n=$(q "$i" "SELECT count(*) FROM flowstream.runway_alerts WHERE kind = 'account' AND id = $nina")
		if [ "${ports[$i]}" = "$on" ]; then [ "$n" = 1 ]; else [ "$n" = 0 ]; fi ||
			{ echo "worker ${ports[$i]} remembers $n alerts of nina's account (on $on)"; return 1; }
	done
}
ok "liquidation: maintain() on the coordinator liquidates lena's critical account (liquidate_critical() on a worker: 0); nina's runway alert is remembered on her account's worker" liquidation
reads_agree() {
	is 0 "SELECT flowstream.account_balance('$PB', 'USD') = (SELECT balance FROM flowstream.accounts_now WHERE party = '$PB'),
	             flowstream.account_available('nina', 'USD') = (SELECT available FROM flowstream.accounts_now WHERE party = 'nina'),
	             flowstream.account_buffer('nina', 'USD'), flowstream.netflow('nina', 'USD'),
	             flowstream.account_critical_time('nina', 'USD') = (SELECT critical_at FROM flowstream.accounts WHERE party = 'nina'),
	             flowstream.account_insolvency_time('lena', 'USD'),
	             flowstream.account_state_at('nina', 'USD', '$T3')::text = (SELECT state::text FROM flowstream.accounts WHERE party = 'nina')" \
		"t|t|0.720000|-0.0002|t||t" &&
		is 0 "SELECT event, at = flowstream.account_critical_time('nina', 'USD') FROM flowstream.runway('7 days')
		      WHERE kind = 'account'" "critical|t" &&
		is 0 "SELECT (SELECT sum(value) FROM flowstream.monitoring WHERE metric = 'accounts')
		             = (SELECT count(*) FROM flowstream.accounts),
		             (SELECT value FROM flowstream.monitoring WHERE metric = 'next_run_liquidate'),
		             (SELECT value FROM flowstream.monitoring WHERE metric = 'last_run_liquidated')" "t|0|1"
}
ok "account_balance, account_available, account_buffer, netflow, account_critical_time, account_insolvency_time, account_state_at, runway() and monitoring through the coordinator agree with accounts_now and the rows" reads_agree
# verify() finds an account whose row was changed behind the API, on its worker
verify_finds() {
	local id i shard
	id=$(account_id p5)
	shard=$(q 0 "SELECT shard_name('flowstream.accounts', get_shard_id_for_distribution_column('flowstream.accounts', $id))")
	for i in $(seq 1 "$WORKERS"); do [ "${ports[$i]}" = "$(node_of accounts "$id")" ] && break; done
	q "$i" "SET session_replication_role = replica; UPDATE $shard SET open_outflows = 7 WHERE id = $id" >/dev/null || return 1
	is 0 "SELECT problem FROM flowstream.verify() WHERE problem LIKE 'account $id %'" \
		"account $id (p5): open_outflows is 7, but 0 of its outgoing flows are open" || return 1
	q "$i" "SET session_replication_role = replica; UPDATE $shard SET open_outflows = 0 WHERE id = $id" >/dev/null
}
ok "verify() on the coordinator finds an account changed directly in its shard (then put back)" verify_finds

# 7. verify() on every node (as flowstream's owner, who logs in: above)
verify_all() {
	local i
	for i in "${!ports[@]}"; do is "$i" "SELECT count(*) FROM flowstream.verify()" 0 || return 1; done
}
ok "verify() is clean on every node" verify_all
# joins on the columns the tables are placed by run shard by shard on the
# workers: an event whose stream or account is not in its shard is not found
placed_with() {
	is 0 "SELECT count(*) FILTER (WHERE e.place <> coalesce(e.stream_id, e.account_id)),
	             count(*) FILTER (WHERE e.stream_id IS NULL)
	      FROM flowstream.events e" "0|$(q 0 "SELECT count(*) FROM flowstream.events WHERE account_id IS NOT NULL AND stream_id IS NULL")" &&
		is 0 "SELECT count(*) FROM flowstream.events e LEFT JOIN flowstream.streams s ON s.id = e.place
		      WHERE e.stream_id IS NOT NULL AND s.id IS NULL" 0 &&
		is 0 "SELECT count(*) FROM flowstream.events e LEFT JOIN flowstream.accounts a ON a.id = e.place
		      WHERE e.stream_id IS NULL AND a.id IS NULL" 0 &&
		is 0 "SELECT count(*) FROM flowstream.flows f LEFT JOIN flowstream.accounts a ON a.id = f.sender_account
		      WHERE a.id IS NULL" 0
}
ok "every event is in the shard of its stream or account, every flow in that of its sender's account" placed_with
[ "$n" -eq "$PLAN" ] || { echo "# planned $PLAN, ran $n"; exit 1; }
