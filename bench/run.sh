#!/usr/bin/env bash
# bench/run.sh: the benchmarks of flowstream, `make bench`.
#
# Sets up its own throwaway PostgreSQL 15 cluster (scripts/lib.sh, port
# 54440), loads the data, runs every benchmark side by side with what it is
# compared with, and writes BENCHMARKS.md and bench/throughput.png (raw
# figures and pgbench logs in bench/results/).  Runs as root on Debian 12,
# like scripts/test; about 16 minutes on 2 cores when nothing else runs.
#
#   writes   pgbench -M prepared: mixed API calls on random streams among
#            10^5 against the least a ledger write does (bench/base_write.sql),
#            1, 2 and 8 clients, synchronous_commit off and on; one hot stream
#   reads    total, covered and uncovered debt summed over 10^6 streams,
#            against PL/pgSQL and SQL over numeric columns and sum(bigint)
#   sweeper  void_insolvent(1000) with the same 1,000 due streams among
#            10^5 and among 10^6
#   size     of a state, a row, the tables and their indexes at 10^6
#   flows    pgbench -M prepared: update_flow, open_flow and close_flow
#            through the API, as an application acting for its users, against
#            the least such a write does (bench/base_flow.sql), 1 and 8
#            clients, synchronous_commit off
#   liquidation  liquidate_critical(1000) with the same 1,000 critical
#            accounts among 10^5 and among 10^6 accounts
#
# Knobs (environment): BENCH_DURATION (seconds per pgbench run, 10),
# BENCH_REPS (runs per side and setting, 3), BENCH_READ_REPS (5),
# BENCH_SWEEP_REPS (7), BENCH_CLIENTS ("1 2 8"), BENCH_FLOW_CLIENTS ("1 8"),
# BENCH_ACCOUNTS (accounts at the large size, 1000000), BENCH_BULK (streams
# created by create_streams(), 1000000), FS_PORT (54440).
#
# BENCH_QUICK=1 (`make bench-quick`): every benchmark at a small scale (10^4
# streams, 2 s runs, one of each), in a few minutes, to check the harness;
# its report goes to bench/results-quick/BENCHMARKS.md, not to BENCHMARKS.md.

set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export FS_PORT=${FS_PORT:-54440}
# shellcheck source=../scripts/lib.sh
source "$BENCH_DIR/../scripts/lib.sh"
PACKAGES="$PACKAGES gnuplot-nox"

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	: "${BENCH_DURATION:=2}" "${BENCH_REPS:=1}" "${BENCH_READ_REPS:=1}" "${BENCH_SWEEP_REPS:=1}"
	: "${BENCH_ACCOUNTS:=12000}" "${BENCH_BULK:=5000}"
fi
DURATION=${BENCH_DURATION:-10}
REPS=${BENCH_REPS:-3}
READ_REPS=${BENCH_READ_REPS:-5}
SWEEP_REPS=${BENCH_SWEEP_REPS:-7}
N_BULK=${BENCH_BULK:-1000000}
CLIENTS=${BENCH_CLIENTS:-"1 2 8"}
FLOW_CLIENTS=${BENCH_FLOW_CLIENTS:-"1 8"}
HOT_CLIENTS=8
N_WRITE=100000          # the payroll streams the writes touch: ids 1..N_WRITE
N_DUE=1000              # the due streams: ids N_WRITE+1..N_WRITE+N_DUE
N_TOTAL=1000000         # then other streams up to N_TOTAL in all
N_FLOWS=98000           # the flows the flow writes touch: ids 1..N_FLOWS, senders user:<id>
N_CRIT=1000             # the critical accounts the liquidation takes
A_TOTAL=${BENCH_ACCOUNTS:-1000000}   # accounts at the large size
OUT=$BENCH_DIR/results
MD=$ROOT/BENCHMARKS.md
PNG=$BENCH_DIR/throughput.png
if [ "$QUICK" = 1 ]; then
	N_WRITE=2000 N_TOTAL=10000 N_FLOWS=2000
	OUT=$BENCH_DIR/results-quick MD=$OUT/BENCHMARKS.md PNG=$OUT/throughput.png
fi
START=$SECONDS

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$FS_DB" "$@"; }
record() { printf '%s\t%s\n' "$1" "$2" >>"$OUT/info.tsv"; }
# the server-side time of a statement, in ms: EXPLAIN ANALYZE's execution
# time, in a backend that has run the statement once already.  A new backend
# maps the shared buffers page by page as it first touches them; without
# huge pages that is a page fault per 4 kB, which on a virtual machine costs
# more than the scan itself, and a query reading more pages would pay more
# of it: the first run pays it, the timed one measures the query.
exec_ms() {
	sql -c "SELECT count(*) FROM ($1) warm_up" -c "EXPLAIN (ANALYZE, TIMING OFF) $1" | execution_ms
}
# the execution time, in ms, of the EXPLAIN ANALYZE in psql's output
execution_ms() { sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p'; }
# wall time of a command, in seconds
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}
die() { echo "bench: $*" >&2; exit 1; }
# rolled_back_ms SQL: the execution time of SQL inside BEGIN ... ROLLBACK (so
# every run does the same work), in a backend that ran it once, rolled back
# too, just before (see exec_ms)
rolled_back_ms() {
	sql -c 'BEGIN' -c "$1" -c 'ROLLBACK' -c 'BEGIN' -c "EXPLAIN (ANALYZE, TIMING OFF) $1" -c 'ROLLBACK' |
		execution_ms
}

rm -rf "$OUT"
mkdir -p "$OUT/pgbench"
: >"$OUT/info.tsv"
printf 'mode\tclients\tside\trep\ttps\n' >"$OUT/writes.tsv"
printf 'query\trep\tms\n' >"$OUT/reads.tsv"
printf 'streams\trep\tms\n' >"$OUT/sweeper.tsv"
printf 'streams\trep\tms\n' >"$OUT/maintain.tsv"
printf 'accounts\trep\tms\n' >"$OUT/liquidation.tsv"
printf 'mode\tclients\tside\trep\taborted_clients\terror\n' >"$OUT/aborts.tsv"

# what is built: the commit, and whether src/ or sql/ differ from it then
record commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src sql 2>/dev/null || echo ' + uncommitted changes in src/ or sql/')"
setup
record so_md5 "$(md5sum "$("$PG_CONFIG" --pkglibdir)/flowstream.so" | cut -c1-12)"

# Shared memory in huge pages where the kernel lets this root reserve them
# (2 GB of shared buffers in about 1,100 pages of 2 MB rather than 500,000
# of 4 kB): every new backend, and every parallel worker is one, would
# otherwise fault in each page it touches.  The reservation is given back
# when the benchmark ends; without it the cluster runs on small pages.
HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || true)
HUGE=off
if [ -n "$HUGE_BEFORE" ] && [ "$QUICK" != 1 ] &&
	echo $((HUGE_BEFORE + 1200)) 2>/dev/null >/proc/sys/vm/nr_hugepages &&
	[ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 1150 ]; then
	HUGE=on
fi
give_back_huge_pages() {
	[ -n "$HUGE_BEFORE" ] && [ "$HUGE" = on ] && echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages
	return 0
}
trap 'stop_cluster; give_back_huge_pages' EXIT
record huge_pages "$HUGE"

say "tuning the cluster for benchmarking"
cat >>"$FS_DIR/data/postgresql.conf" <<CONF
# bench/run.sh: the flushed figures need real flushes (scripts/lib.sh turns
# fsync off); every table fits in shared_buffers; no autovacuum, parallel
# query or JIT while measuring: the reads are single-core comparisons.
fsync = on
synchronous_commit = on
shared_buffers = 2GB
max_wal_size = 16GB
checkpoint_timeout = 1h
autovacuum = off
max_parallel_workers_per_gather = 0
jit = off
huge_pages = $HUGE
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$FS_DIR/data" -l "$FS_DIR/server.log" -w restart >/dev/null

record date "$(date -u '+%Y-%m-%d %H:%M UTC')"
record cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
record nproc "$(nproc)"
record memory_gb "$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
record kernel "$(uname -r)"
record os "$(. /etc/os-release && echo "$PRETTY_NAME")"
record pg_version "$(sql -c 'SELECT version()')"
record pgbench_version "$("$PGBIN/pgbench" --version)"
record settings "$(sql -F '=' -c "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'autovacuum', 'max_parallel_workers_per_gather', 'jit', 'max_wal_size', 'checkpoint_timeout') ORDER BY name" | paste -sd ' ')"
record write_runs "$REPS runs of ${DURATION} s"
record load_avg_start "$(cut -d' ' -f1-3 /proc/loadavg)"

say "installing flowstream and the baselines"
sql <<SQL
CREATE EXTENSION flowstream;
\i $BENCH_DIR/schema.sql
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('DAI', 18), ('WBTC', 8), ('EURC', 2);
SQL

# ------------------------------------------------------------------------
say "loading $N_WRITE streams and $N_DUE due streams"
# ------------------------------------------------------------------------
record load_write_s "$(timed sql -c "CALL bench.load_streams(1, $N_WRITE, 'payroll')")"
sql -c "CALL bench.load_streams($((N_WRITE + 1)), $N_DUE, 'due')"
sql <<SQL
INSERT INTO bench.ledger SELECT * FROM flowstream.streams WHERE id <= $N_WRITE;
INSERT INTO bench.ledger_log SELECT * FROM flowstream.events WHERE stream_id <= $N_WRITE;
SELECT setval('bench.ledger_log_id_seq', (SELECT max(id) FROM bench.ledger_log)) \g /dev/null
VACUUM ANALYZE;
SQL
problems=$(sql -c 'SELECT count(*) FROM flowstream.verify()')
[ "$problems" = 0 ] || die "verify() reports $problems problems after the fast load of $N_WRITE streams"
record verify_small_problems "$problems"

# ------------------------------------------------------------------------
say "writes: ${DURATION}s per run, $REPS runs per side, clients $CLIENTS"
# ------------------------------------------------------------------------
# One pgbench run; its tps goes to writes.tsv.  A client aborted by an
# error (pgbench stops a client at its first error) is a failure of the
# benchmark: the run is recorded in aborts.tsv with its first error, the
# other runs go on so that the report shows everything, and run.sh exits
# with an error at the end.
# (The flow writes run as acme_app and vacuum the tables of accounts and
# flows: the arguments user and tables.)
pgb() {
	local mode=$1 clients=$2 side=$3 rep=$4 script=$5 user=${6:-acme}
	local tables=${7:-"flowstream.streams, bench.ledger"} log opts rc=0 tps
	log="$OUT/pgbench/$mode-c$clients-$side-$rep.log"
	opts="-c synchronous_commit=on"
	[ "$mode" != flushed ] && opts="-c synchronous_commit=off"
	sql -c "VACUUM $tables" -c CHECKPOINT
	PGOPTIONS="$opts" "$PGBIN/pgbench" -U "$user" -n -M prepared -c "$clients" \
		-j "$((clients < $(nproc) ? clients : $(nproc)))" -T "$DURATION" \
		-D nstreams=$N_WRITE -D hot=1 -D nflows=$N_FLOWS -f "$BENCH_DIR/$script" "$FS_DB" >"$log" 2>&1 || rc=$?
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	if [ "$rc" != 0 ] || grep -q 'aborted' "$log" || [ -z "$tps" ]; then
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$clients" "$side" "$rep" \
			"$(grep -c 'aborted in command' "$log" || true)" \
			"$(grep -m1 -o 'ERROR: .*' "$log" | tr '\t' ' ')" >>"$OUT/aborts.tsv"
		printf '  %-7s %d clients  %-10s run %d: ABORTED (%s)\n' "$mode" "$clients" "$side" "$rep" "$log"
		return
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$clients" "$side" "$rep" "$tps" >>"$OUT/writes.tsv"
	printf '  %-7s %d clients  %-10s run %d: %8.0f tps\n' "$mode" "$clients" "$side" "$rep" "$tps"
}

# quiet COMMAND...: runs the command with flowstream's notifications off
# (set_notifications(false)), the third side of the writes.  A transaction
# that notifies takes PostgreSQL's one notification lock for the whole
# cluster from before its commit record until it ends (so that listeners see
# notifications in commit order), so notifying writers commit one at a time.
quiet() {
	sql -c 'SELECT flowstream.set_notifications(false)' >/dev/null
	"$@"
	sql -c 'SELECT flowstream.set_notifications(true)' >/dev/null
}
for mode in async flushed; do
	for c in $CLIENTS; do
		for rep in $(seq "$REPS"); do
			pgb "$mode" "$c" flowstream "$rep" fs_write.sql
			pgb "$mode" "$c" baseline "$rep" base_write.sql
			if [ "$mode" = async ]; then quiet pgb "$mode" "$c" quiet "$rep" fs_write.sql; fi
		done
	done
done
for rep in $(seq "$REPS"); do
	pgb hot "$HOT_CLIENTS" flowstream "$rep" fs_hot.sql
	pgb hot "$HOT_CLIENTS" baseline "$rep" base_hot.sql
	quiet pgb hot "$HOT_CLIENTS" quiet "$rep" fs_hot.sql
done
record hot_updates "$(sql -F ' ' -c "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid IN ('flowstream.streams'::regclass, 'bench.ledger'::regclass) ORDER BY relname" | paste -sd ';')"
record events_after_writes "$(sql -c 'SELECT count(*) FROM flowstream.events')"
sql -c 'VACUUM ANALYZE'
t0=$(date +%s.%N)
problems=$(sql -c 'SELECT count(*) FROM flowstream.verify()')
record verify_after_writes_s "$(echo "$(date +%s.%N) - $t0" | bc)"
[ "$problems" = 0 ] || die "verify() reports $problems problems after the writes"

# ------------------------------------------------------------------------
# The sweeper: the same due streams among 10^5 and among 10^6.  Each run is
# rolled back, so the same 1,000 are voided every time.
# ------------------------------------------------------------------------
sweep() {
	local label=$1 n
	record "sweeper_rows_$label" "$(sql -c 'SELECT count(*) FROM flowstream.streams')"
	n=$(sql -c 'BEGIN' -c 'SELECT flowstream.void_insolvent(1000)' -c 'ROLLBACK')
	[ "$n" = "$N_DUE" ] || die "void_insolvent(1000) voided $n streams, not $N_DUE"
	for rep in $(seq "$SWEEP_REPS"); do
		printf '%s\t%s\t%s\n' "$label" "$rep" \
			"$(rolled_back_ms 'SELECT flowstream.void_insolvent(1000)')" >>"$OUT/sweeper.tsv"
	done
	# the whole maintenance job (#14) on the same data: the 1,000 due streams
	# are its work (voided), every other part finds nothing through its index
	n=$(sql -c 'BEGIN' -c "SELECT done FROM flowstream.maintain(1000) WHERE job = 'void'" -c 'ROLLBACK')
	[ "$n" = "$N_DUE" ] || die "maintain(1000) voided $n streams, not $N_DUE"
	for rep in $(seq "$SWEEP_REPS"); do
		printf '%s\t%s\t%s\n' "$label" "$rep" \
			"$(rolled_back_ms 'SELECT * FROM flowstream.maintain(1000)')" >>"$OUT/maintain.tsv"
	done
	# the plan of the sweeper's own query, as it ran (auto_explain)
	psql -X -q -d "$FS_DB" -v ON_ERROR_STOP=1 2>&1 >/dev/null <<SQL |
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
BEGIN;
SELECT flowstream.void_insolvent(1000);
ROLLBACK;
SQL
		awk 'done {next}
		     /Query Text: SELECT .*flowstream\.streams.*due/ {on = 1}
		     on && /^(NOTICE|psql)/ {done = 1; next}
		     on' | sed 's/^[[:space:]]*Query Text: /Query Text: /' >"$OUT/sweeper_plan_$label.txt"
	# the index on the due time (whatever the install script calls it)
	local idx
	idx=$(sql -c "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	              WHERE i.indrelid = 'flowstream.streams'::regclass AND pg_get_indexdef(i.indexrelid) ~ 'due'")
	[ -n "$idx" ] || die "no index on the due time of flowstream.streams"
	record sweeper_index "$idx"
	# at the quick scale a sequential scan is the better plan: only the full run requires the index
	grep -qw "$idx" "$OUT/sweeper_plan_$label.txt" || [ "$QUICK" = 1 ] ||
		die "the sweeper's query does not use $idx (see $OUT/sweeper_plan_$label.txt)"
}
say "sweeper among $((N_WRITE + N_DUE)) streams"
sql -c 'VACUUM FULL flowstream.streams' -c 'ANALYZE flowstream.streams'
sweep small

# ------------------------------------------------------------------------
say "loading $((N_TOTAL - N_WRITE - N_DUE)) more streams, to $N_TOTAL"
# ------------------------------------------------------------------------
record load_big_s "$(timed sql -c "CALL bench.load_streams($((N_WRITE + N_DUE + 1)), $((N_TOTAL - N_WRITE - N_DUE)), 'other')")"
record load_big_n "$((N_TOTAL - N_WRITE - N_DUE))"
sql -c 'VACUUM FULL flowstream.streams' -c 'VACUUM ANALYZE'
record events_total "$(sql -c 'SELECT count(*) FROM flowstream.events')"
t0=$(date +%s.%N)
problems=$(sql -c 'SELECT count(*) FROM flowstream.verify()')
record verify_big_s "$(echo "$(date +%s.%N) - $t0" | bc)"
[ "$problems" = 0 ] || die "verify() reports $problems problems after the load of $N_TOTAL streams"
record verify_big_problems "$problems"

say "size of $N_TOTAL streams"
sql -F $'\t' >>"$OUT/info.tsv" <<'SQL'
SELECT 'size_state', pg_column_size(state) FROM flowstream.streams LIMIT 1;
SELECT 'size_row_avg', round(avg(pg_column_size(s.*)), 1) FROM flowstream.streams s;
SELECT 'size_' || r || '_' || k, v FROM (VALUES
    ('streams', 'flowstream.streams'::regclass), ('events', 'flowstream.events'::regclass)) t(r, c),
    LATERAL (VALUES ('table', pg_relation_size(c)), ('indexes', pg_indexes_size(c)),
                    ('total', pg_total_relation_size(c))) x(k, v);
SELECT 'size_streams_rows', count(*) FROM flowstream.streams;
SELECT 'size_events_rows', count(*) FROM flowstream.events;
SELECT 'size_event_row_avg', round(avg(pg_column_size(e.*)), 1) FROM flowstream.events e;
SELECT 'streams_reloptions', coalesce(array_to_string(reloptions, ', '), 'none')
FROM pg_class WHERE oid = 'flowstream.streams'::regclass;
SELECT 'size_idx_' || indexrelid::regclass, pg_relation_size(indexrelid)
FROM pg_index WHERE indrelid = 'flowstream.streams'::regclass ORDER BY 1;
SQL

say "sweeper among $N_TOTAL streams"
sweep big

# ------------------------------------------------------------------------
say "reads over $N_TOTAL streams"
# ------------------------------------------------------------------------
sql <<'SQL'
CREATE TABLE bench.plain_streams AS
SELECT id, sender, recipient, token,
       flowstream.rate_per_second(state) AS rate_per_second,
       flowstream.balance(state) AS balance,
       flowstream.snapshot_debt(state) AS snapshot_debt,
       flowstream.snapshot_time(state) AS snapshot_time,
       flowstream.decimals(state)::smallint AS decimals,
       flowstream.is_voided(state) AS voided,
       flowstream.last_op(state) AS last_op,
       transferable, void_after, created_at, metadata, last_event
FROM flowstream.streams ORDER BY id;
ALTER TABLE bench.plain_streams ADD PRIMARY KEY (id);
CREATE TABLE bench.ints AS SELECT i::bigint AS v FROM generate_series(1, 1000000) i;
VACUUM ANALYZE;
SQL
sql -F $'\t' >>"$OUT/info.tsv" <<'SQL'
SELECT 'size_plain_table', pg_relation_size('bench.plain_streams');
SELECT 'size_plain_row_avg', round(avg(pg_column_size(p.*)), 1) FROM bench.plain_streams p;
SELECT 'size_plain_numerics_avg', round(avg(pg_column_size(rate_per_second) + pg_column_size(balance)
    + pg_column_size(snapshot_debt) + pg_column_size(snapshot_time) + pg_column_size(decimals)
    + pg_column_size(voided) + pg_column_size(last_op)), 1) FROM bench.plain_streams;
SQL

declare -A Q
Q[flowstream_agg]="SELECT (flowstream.debt_sums(state, now())).* FROM flowstream.streams"
Q[flowstream_rows]="SELECT sum(flowstream.total_debt(state, now())), sum(flowstream.covered_debt(state, now())), sum(flowstream.uncovered_debt(state, now())) FROM flowstream.streams"
Q[plpgsql]="SELECT sum(d.total_debt), sum(d.covered_debt), sum(d.uncovered_debt) FROM bench.plain_streams p CROSS JOIN LATERAL bench.stream_debts(p.rate_per_second, p.balance, p.snapshot_debt, p.snapshot_time, p.decimals, now()) d"
Q[sql]="SELECT sum(d.total_debt), sum(d.covered_debt), sum(d.uncovered_debt) FROM bench.plain_streams p CROSS JOIN LATERAL bench.stream_debts_sql(p.rate_per_second, p.balance, p.snapshot_debt, p.snapshot_time, p.decimals, now()) d"
Q[sql_scalar]="SELECT sum(td), sum(least(balance, td)), sum(greatest(td - balance, 0)) FROM (SELECT balance, bench.total_debt_sql(rate_per_second, snapshot_debt, snapshot_time, decimals, now()) AS td FROM bench.plain_streams OFFSET 0) s"
# sum(id) reads the very rows: the planner would rather read the primary
# key's index alone (an index-only scan), which is not the same work
Q[sum_bigint]="SELECT sum(id) FROM flowstream.streams"
SEQ="-c enable_indexscan=off -c enable_indexonlyscan=off -c enable_bitmapscan=off"
Q[sum_bigint_narrow]="SELECT sum(v) FROM bench.ints"
ORDER="flowstream_agg flowstream_rows plpgsql sql sql_scalar sum_bigint sum_bigint_narrow"

# every implementation gives the same sums, to the last digit, at one time
at="'$(sql -c "SELECT now()")'::timestamptz"
sums=$(for q in flowstream_agg flowstream_rows plpgsql sql sql_scalar; do
	query=${Q[$q]//now()/$at}
	sql -c "SELECT trim_scale(x) || ' ' || trim_scale(y) || ' ' || trim_scale(z) FROM ($query) q(x, y, z)"
done | sort -u)
[ "$(echo "$sums" | wc -l)" = 1 ] || die "the implementations disagree on the sums: $sums"
record read_sums "$sums"
export PGOPTIONS="$SEQ"
record read_plans "$(for q in $ORDER; do sql -c "EXPLAIN (COSTS OFF) ${Q[$q]}" | paste -sd '|'; done | paste -sd ';')"

for q in $ORDER; do exec_ms "${Q[$q]}" >/dev/null; done       # warm-up
for rep in $(seq "$READ_REPS"); do
	for q in $ORDER; do
		ms=$(exec_ms "${Q[$q]}")
		printf '%s\t%s\t%s\n' "$q" "$rep" "$ms" >>"$OUT/reads.tsv"
		printf '  %-18s run %d: %9.1f ms\n' "$q" "$rep" "$ms"
	done
done

# ------------------------------------------------------------------------
say "reads per row against a stored numeric, and debt_sums with 2 workers"
# ------------------------------------------------------------------------
# The floor of a function returning a numeric per row: sum() over a stored
# numeric column holding the very values (covered debt at one fixed time;
# the balance), in bench.plain_streams; beside it, what users would write
# instead (inlined SQL, PL/pgSQL).  Every query of a group must return the
# same sum to the last digit.
sql -c "ALTER TABLE bench.plain_streams ADD COLUMN covered numeric" \
	-c "UPDATE bench.plain_streams p SET covered = flowstream.covered_debt(s.state, $at) FROM flowstream.streams s WHERE s.id = p.id" \
	-c "VACUUM FULL ANALYZE bench.plain_streams"
declare -A R
R[fs_covered]="SELECT sum(flowstream.covered_debt(state, $at)) FROM flowstream.streams"
R[stored_covered]="SELECT sum(covered) FROM bench.plain_streams"
R[sql_covered]="SELECT sum(least(balance, bench.total_debt_sql(rate_per_second, snapshot_debt, snapshot_time, decimals, $at))) FROM bench.plain_streams"
R[plpgsql_covered]="SELECT sum((bench.stream_debts(rate_per_second, balance, snapshot_debt, snapshot_time, decimals, $at)).covered_debt) FROM bench.plain_streams"
R[fs_balance]="SELECT sum(flowstream.balance(state)) FROM flowstream.streams"
R[stored_balance]="SELECT sum(balance) FROM bench.plain_streams"
R_ORDER="fs_covered stored_covered sql_covered plpgsql_covered fs_balance stored_balance"
for group in "fs_covered stored_covered sql_covered plpgsql_covered" "fs_balance stored_balance"; do
	sums=$(for q in $group; do sql -c "SELECT trim_scale(x) FROM (${R[$q]}) q(x)"; done | sort -u)
	[ "$(echo "$sums" | wc -l)" = 1 ] || die "the per-row reads disagree ($group): $sums"
	record "rowread_sum_${group%% *}" "$sums"
done
for q in $R_ORDER; do
	record "rowread_cmd_$q" "${R[$q]}"
	exec_ms "${R[$q]}" >/dev/null
done
for rep in $(seq "$READ_REPS"); do
	for q in $R_ORDER; do
		ms=$(exec_ms "${R[$q]}")
		printf '%s\t%s\t%s\n' "$q" "$rep" "$ms" >>"$OUT/reads.tsv"
		printf '  %-18s run %d: %9.1f ms\n' "$q" "$rep" "$ms"
	done
done

# debt_sums serial and with 2 parallel workers (forced: no setup or tuple
# cost, any table size); the plan must have launched both workers.
PAR="-c max_parallel_workers_per_gather=2 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c parallel_leader_participation=off"
AGG="SELECT (flowstream.debt_sums(state, $at)).* FROM flowstream.streams"
record par_options "$PAR"
record par_cmd "$AGG"
serial_sums=$(sql -c "SELECT trim_scale(x) || ' ' || trim_scale(y) || ' ' || trim_scale(z) FROM ($AGG) q(x, y, z)")
par_sums=$(PGOPTIONS="$PAR" sql -c "SELECT trim_scale(x) || ' ' || trim_scale(y) || ' ' || trim_scale(z) FROM ($AGG) q(x, y, z)")
[ "$serial_sums" = "$par_sums" ] || die "debt_sums serial and parallel disagree: $serial_sums / $par_sums"
record par_sums "$par_sums"
PGOPTIONS="$PAR" sql -c "EXPLAIN (ANALYZE, TIMING OFF) $AGG" >"$OUT/parallel_plan.txt"
grep -q 'Workers Launched: 2' "$OUT/parallel_plan.txt" || die "debt_sums did not launch 2 workers (see $OUT/parallel_plan.txt)"
for rep in $(seq "$READ_REPS"); do
	printf 'agg_serial\t%s\t%s\n' "$rep" "$(exec_ms "$AGG")" >>"$OUT/reads.tsv"
	printf 'agg_par2\t%s\t%s\n' "$rep" "$(PGOPTIONS="$PAR" exec_ms "$AGG")" >>"$OUT/reads.tsv"
	printf 'bigint_par2\t%s\t%s\n' "$rep" "$(PGOPTIONS="$PAR $SEQ" exec_ms "SELECT sum(id) FROM flowstream.streams")" >>"$OUT/reads.tsv"
done
unset PGOPTIONS

# ------------------------------------------------------------------------
# Accounts and flows (SPEC §6).  Loaded a day and 12 minutes before now:
# the 1,000 critical accounts (late:*) are critical from 12 to 2 minutes
# before the load, and insolvent only 48 minutes after it (their buffer
# burns for an hour), so every liquidation below finds the same 1,000, and
# verify() at now() finds no deficit.
# ------------------------------------------------------------------------
say "accounts: loading $N_FLOWS flows and $N_CRIT critical accounts"
sql <<SQL
INSERT INTO flowstream.tokens (token, decimals) VALUES ('USDF', 6);
UPDATE bench.params SET t0 = date_trunc('second', now()) - interval '1 day 12 minutes';
SQL
record acc_load_small_s "$(timed sql -c "CALL bench.load_accounts(1, $N_FLOWS, 'flow')")"
max_clients=$(echo $FLOW_CLIENTS | tr ' ' '\n' | sort -n | tail -n 1)
sql -c "CALL bench.load_accounts($((N_FLOWS + 1)), $N_CRIT, 'critical')" \
	-c "CALL bench.load_accounts(0, $max_clients, 'cyc')"
# each client's pair opened and closed once through the API, so that its
# receiver has an account on both sides; then the baseline's copies
for c in $(seq 0 $((max_clients - 1))); do
	psql -X -q -At -v ON_ERROR_STOP=1 -U acme_app -d "$FS_DB" \
		-c "SELECT flowstream.open_flow(set_config('flowstream.actor', 'cyc-$c', true), 'payee-cyc-$c', 'USDF', 0.001)" \
		-c "SELECT flowstream.close_flow(max(id)) FROM flowstream.flows, (SELECT set_config('flowstream.actor', 'cyc-$c', true)) a WHERE sender = 'cyc-$c'" >/dev/null
done
sql <<'SQL'
INSERT INTO bench.acct SELECT * FROM flowstream.accounts;
INSERT INTO bench.flow SELECT * FROM flowstream.flows;
SELECT setval('bench.flow_id_seq', (SELECT max(id) FROM bench.flow)) \g /dev/null
SELECT setval('bench.ledger_log_id_seq', greatest((SELECT max(id) FROM bench.ledger_log), (SELECT max(id) FROM flowstream.events))) \g /dev/null
VACUUM ANALYZE;
SQL
record acc_rows_small "$(sql -c 'SELECT count(*) FROM flowstream.accounts')"
record acc_n_flows "$N_FLOWS"
record flow_rows_small "$(sql -c 'SELECT count(*) FROM flowstream.flows')"

say "flows: ${DURATION}s per run, $REPS runs per side, clients $FLOW_CLIENTS"
for c in $FLOW_CLIENTS; do
	for rep in $(seq "$REPS"); do
		pgb flows "$c" flowstream "$rep" fs_flow.sql acme_app "flowstream.accounts, flowstream.flows, bench.acct, bench.flow"
		pgb flows "$c" baseline "$rep" base_flow.sql acme_app "flowstream.accounts, flowstream.flows, bench.acct, bench.flow"
		quiet pgb flows "$c" quiet "$rep" fs_flow.sql acme_app "flowstream.accounts, flowstream.flows, bench.acct, bench.flow"
	done
done
record hot_updates_flows "$(sql -F ' ' -c "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid IN ('flowstream.accounts'::regclass, 'flowstream.flows'::regclass, 'bench.acct'::regclass, 'bench.flow'::regclass) ORDER BY relname" | paste -sd ';')"
sql -c 'VACUUM ANALYZE flowstream.accounts, flowstream.flows, flowstream.events'
t0=$(date +%s.%N)
sql -c "SELECT coalesce(token, '') || ': ' || problem FROM flowstream.verify()" >"$OUT/verify_accounts.txt"
record verify_accounts_s "$(echo "$(date +%s.%N) - $t0" | bc)"
record verify_accounts_events "$(sql -c 'SELECT count(*) FROM flowstream.events')"
problems=$(grep -c . "$OUT/verify_accounts.txt" || true)
[ "$problems" = 0 ] || die "verify() reports $problems problems after the load of accounts and the flow writes: $(head -n 3 "$OUT/verify_accounts.txt")"

# liquidate_critical(1000) inside BEGIN ... ROLLBACK: the same 1,000 every run
liquidate() {
	local label=$1 n idx
	record "liquidation_rows_$label" "$(sql -c 'SELECT count(*) FROM flowstream.accounts')"
	record "liquidation_flows_$label" "$(sql -c 'SELECT count(*) FROM flowstream.flows WHERE closed_at IS NULL')"
	record "liquidation_indexed_$label" "$(sql -c 'SELECT count(*) FROM flowstream.accounts WHERE critical_at IS NOT NULL')"
	n=$(sql -c 'BEGIN' -c 'SELECT flowstream.liquidate_critical(1000)' -c 'ROLLBACK')
	[ "$n" = "$N_CRIT" ] || die "liquidate_critical(1000) liquidated $n accounts, not $N_CRIT"
	for rep in $(seq "$SWEEP_REPS"); do
		printf '%s\t%s\t%s\n' "$label" "$rep" \
			"$(rolled_back_ms 'SELECT flowstream.liquidate_critical(1000)')" >>"$OUT/liquidation.tsv"
	done
	psql -X -q -d "$FS_DB" -v ON_ERROR_STOP=1 2>&1 >/dev/null <<SQL |
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
BEGIN;
SELECT flowstream.liquidate_critical(1000);
ROLLBACK;
SQL
		awk 'done {next}
		     /Query Text: SELECT .*flowstream\.accounts.*critical_at/ {on = 1}
		     on && /^(NOTICE|psql)/ {done = 1; next}
		     on' | sed 's/^[[:space:]]*Query Text: /Query Text: /' >"$OUT/liquidation_plan_$label.txt"
	idx=$(sql -c "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	              WHERE i.indrelid = 'flowstream.accounts'::regclass AND pg_get_indexdef(i.indexrelid) ~ 'critical_at'")
	[ -n "$idx" ] || die "no index on the critical time of flowstream.accounts"
	grep -qw "$idx" "$OUT/liquidation_plan_$label.txt" || [ "$QUICK" = 1 ] ||
		die "the liquidation's query does not use $idx (see $OUT/liquidation_plan_$label.txt)"
}
say "liquidation among $(sql -c 'SELECT count(*) FROM flowstream.accounts') accounts"
sql -c 'VACUUM ANALYZE flowstream.accounts, flowstream.flows'
liquidate small

a_now=$(sql -c 'SELECT count(*) FROM flowstream.accounts')
a_more=$(( (A_TOTAL - a_now) * 100 / 101 ))     # senders; a receiver per 100 of them
say "accounts: loading $a_more more flows, to about $A_TOTAL accounts"
sql -c "UPDATE bench.params SET t0 = date_trunc('second', now()) - interval '1 day'"
record acc_load_big_s "$(timed sql -c "CALL bench.load_accounts($((N_FLOWS + N_CRIT + 1)), $a_more, 'flow')")"
record acc_load_big_n "$a_more"
sql -c 'VACUUM ANALYZE flowstream.accounts, flowstream.flows, flowstream.events'
sql -F $'\t' >>"$OUT/info.tsv" <<'SQL'
SELECT 'acc_size_state', pg_column_size(state) FROM flowstream.accounts LIMIT 1;
SELECT 'acc_size_row_avg', round(avg(pg_column_size(a.*)), 1) FROM flowstream.accounts a;
SELECT 'acc_size_' || r || '_' || k, v FROM (VALUES
    ('accounts', 'flowstream.accounts'::regclass), ('flows', 'flowstream.flows'::regclass)) t(r, c),
    LATERAL (VALUES ('table', pg_relation_size(c)), ('indexes', pg_indexes_size(c)),
                    ('total', pg_total_relation_size(c))) x(k, v);
SELECT 'acc_size_flows_rows', count(*) FROM flowstream.flows;
SELECT 'acc_size_flow_row_avg', round(avg(pg_column_size(f.*)), 1) FROM flowstream.flows f;
SQL
say "liquidation among $(sql -c 'SELECT count(*) FROM flowstream.accounts') accounts"
liquidate big

# ------------------------------------------------------------------------
say "bulk: $N_BULK streams through create_streams() against a bare INSERT ... SELECT"
# ------------------------------------------------------------------------
# The input (acme's streams to bulk:<i>, the four tokens, a deposit each)
# is a table; flowstream's side is one create_streams() call over its rows,
# as acme, one transaction; the baseline inserts the very rows and events
# that call wrote, copied aside beforehand, into tables of the same columns
# and indexes (LIKE ... INCLUDING ALL), one transaction.  Then deposit_many
# tops every one of them up (for information).
sql <<SQL
CREATE TABLE bench.bulk_in AS
SELECT i, 'acme'::text AS sender, 'bulk:' || i AS recipient,
       (ARRAY['USDC', 'USDC', 'USDC', 'USDC', 'USDC', 'DAI', 'DAI', 'DAI', 'WBTC', 'EURC'])[i % 10 + 1] AS token,
       round(0.000001 + (hashint8(i) & 65535) * 0.00000001, 12) AS rate,
       (100 + i % 1000)::numeric AS deposit
FROM generate_series(1, $N_BULK) i;
GRANT SELECT ON bench.bulk_in TO acme;
VACUUM ANALYZE;
SQL
BULK_CMD="SELECT cardinality(flowstream.create_streams(array_agg(sender ORDER BY i), array_agg(recipient ORDER BY i), array_agg(token ORDER BY i), array_agg(rate ORDER BY i), deposits => array_agg(deposit ORDER BY i))) FROM bench.bulk_in"
record bulk_cmd "$BULK_CMD"
record bulk_n "$N_BULK"
first=$(sql -c "SELECT coalesce(max(id), 0) FROM flowstream.streams")
first_ev=$(sql -c "SELECT coalesce(max(id), 0) FROM flowstream.events")
record bulk_fs_s "$(timed psql -X -q -At -v ON_ERROR_STOP=1 -U acme -d "$FS_DB" -c "$BULK_CMD")"
n=$(sql -c "SELECT count(*) FROM flowstream.streams WHERE id > $first")
[ "$n" = "$N_BULK" ] || die "create_streams() created $n streams, not $N_BULK"
record bulk_events "$(sql -c "SELECT count(*) FROM flowstream.events WHERE id > $first_ev")"
sql <<SQL
CREATE TABLE bench.bulk_src_rows AS SELECT * FROM flowstream.streams WHERE id > $first ORDER BY id;
CREATE TABLE bench.bulk_src_events AS SELECT * FROM flowstream.events WHERE id > $first_ev ORDER BY id;
CREATE TABLE bench.bulk_log (LIKE flowstream.events INCLUDING ALL);
CREATE TABLE bench.bulk_rows (LIKE flowstream.streams INCLUDING ALL);
VACUUM ANALYZE bench.bulk_src_rows, bench.bulk_src_events;
CHECKPOINT;
SQL
BASE_CMD="INSERT INTO bench.bulk_log SELECT * FROM bench.bulk_src_events; INSERT INTO bench.bulk_rows SELECT * FROM bench.bulk_src_rows"
record bulk_base_cmd "$BASE_CMD"
record bulk_base_s "$(timed sql -c "BEGIN; $BASE_CMD; COMMIT")"
DEP_CMD="SELECT flowstream.deposit_many(array_agg(id ORDER BY id), array_agg(1::numeric)) FROM flowstream.streams WHERE id > $first"
record bulk_deposit_cmd "$DEP_CMD"
record bulk_deposit_s "$(timed psql -X -q -At -v ON_ERROR_STOP=1 -U acme -d "$FS_DB" -c "$DEP_CMD")"
sql -c 'VACUUM ANALYZE flowstream.streams, flowstream.events'
problems=$(sql -c 'SELECT count(*) FROM flowstream.verify()')
record verify_bulk_problems "$problems"

record load_avg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
record elapsed_s "$((SECONDS - START))"

say "writing BENCHMARKS.md and bench/throughput.png"
record quick "$QUICK"
record n_write "$N_WRITE"
python3 "$BENCH_DIR/report.py" "$OUT" "$MD" "$OUT/throughput.dat"
gnuplot -e "datafile='$OUT/throughput.dat'; outfile='$PNG'" "$BENCH_DIR/throughput.gp"
say "done in $(((SECONDS - START) / 60)) min $(((SECONDS - START) % 60)) s: $MD"
aborted=$(($(wc -l <"$OUT/aborts.tsv") - 1))
[ "$aborted" = 0 ] || die "$aborted pgbench runs had clients aborted by errors (bench/results/aborts.tsv, and BENCHMARKS.md)"
