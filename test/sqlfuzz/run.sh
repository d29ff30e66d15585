#!/usr/bin/env bash
# test/sqlfuzz/run.sh — SQL-level fuzzing of every flowstream function
# (test/sqlfuzz/sqlfuzz.py says what and how), TAP output for prove.
#
#   test/sqlfuzz/run.sh               seeds 1 and 2, 20000 calls each (~30 s)
#   test/sqlfuzz/run.sh --long        seeds 1..10, 100000 calls each
#   SQLFUZZ_SEEDS="7 8" SQLFUZZ_CALLS=50000 test/sqlfuzz/run.sh
#   test/sqlfuzz/run.sh --repro       also the reproducers of test/sqlfuzz/repro/
#
# Server: the one PGHOST/PGPORT name when it answers (scripts/test's, with
# the extension installed), else a throwaway cluster of its own started with
# scripts/lib.sh on port ${SQLFUZZ_PORT:-54431} (build, install, start: needs
# root, like scripts/test).  Each seed runs in a new database, dropped after;
# the roles it creates (sqlfuzz_*) are dropped at the end.  With its own
# cluster it also reads the server log for a crashed backend.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEEDS=${SQLFUZZ_SEEDS:-1 2}
CALLS=${SQLFUZZ_CALLS:-20000}
REPRO=0
for arg in "$@"; do
	case "$arg" in
		--long) SEEDS=${SQLFUZZ_SEEDS:-1 2 3 4 5 6 7 8 9 10}; CALLS=${SQLFUZZ_CALLS:-100000} ;;
		--repro) REPRO=1 ;;
		*) echo "usage: $0 [--long] [--repro]" >&2; exit 2 ;;
	esac
done
PY=/usr/bin/python3
PSQL=/usr/lib/postgresql/15/bin/psql
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

own=0
if ! "$PSQL" -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
	# a cluster of our own, as scripts/test makes one
	export FS_PORT=${SQLFUZZ_PORT:-54431}
	# shellcheck source=../../scripts/lib.sh
	source "$ROOT/scripts/lib.sh"
	set +e
	fresh_dir
	build_install >/dev/null
	start_cluster >/dev/null
	own=1
fi

n=0
failed=0
total_calls=0
for seed in $SEEDS; do
	db=flowstream_sqlfuzz_$seed
	"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	out=$("$PY" "$HERE/sqlfuzz.py" --seed "$seed" --calls "$CALLS" --dbname "$db" --tap-start $((n + 1)) 2>&1)
	rc=$?
	echo "$out" | grep -vE '^[0-9]+\.\.[0-9]+$'
	tests=$(echo "$out" | grep -cE '^(not )?ok ')
	bad=$(echo "$out" | grep -cE '^not ok ')
	calls=$(echo "$out" | sed -nE 's/^(not )?ok [0-9]+ - ([0-9]+) SQL calls.*/\2/p' | head -n 1)
	total_calls=$((total_calls + ${calls:-0}))
	if [ "$tests" -eq 0 ] || { [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
		n=$((n + 1)); tests=1; bad=1
		echo "not ok $n - sqlfuzz seed $seed did not run to the end (exit $rc)"
		echo "$out" | tail -n 20 | sed 's/^/# /'
	else
		n=$((n + tests))
	fi
	failed=$((failed + bad))
	"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done

if [ "$REPRO" -eq 1 ]; then
	for f in "$HERE"/repro/*.sql; do
		db=flowstream_sqlfuzz_repro
		"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
		res=$("$PSQL" -X -q -A -t -d "$db" -f "$f" 2>&1 | tail -n 1)
		n=$((n + 1))
		if [ "$res" = "ok" ]; then
			echo "ok $n - reproducer $(basename "$f") passes"
		else
			echo "not ok $n - reproducer $(basename "$f"): $res"
			failed=$((failed + 1))
		fi
		"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	done
fi

for r in sqlfuzz_alice sqlfuzz_bob sqlfuzz_carol sqlfuzz_app sqlfuzz_admin; do
	"$PSQL" -X -q -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
done

if [ "$own" -eq 1 ]; then
	n=$((n + 1))
	if grep -E 'terminated by signal|was terminated|PANIC|TRAP:|server process .* exited with exit code [^0]' \
		"$FS_DIR/server.log" >/dev/null 2>&1; then
		echo "not ok $n - the server log shows a crashed backend"
		grep -E 'terminated by signal|was terminated|PANIC|TRAP:|exited with exit code' "$FS_DIR/server.log" |
			head -n 10 | sed 's/^/# /'
		failed=$((failed + 1))
	else
		echo "ok $n - the server log shows no crashed backend"
	fi
	stop_cluster
fi
echo "1..$n"
echo "# sqlfuzz: $total_calls SQL calls in all (seeds: $SEEDS; $CALLS calls each)"
[ "$failed" -eq 0 ]
