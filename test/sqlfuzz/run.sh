#!/usr/bin/env bash
# test/sqlfuzz/run.sh — SQL-level fuzzing of every flowstream function
# (test/sqlfuzz/sqlfuzz.py says what and how), TAP output for prove.
#
#   test/sqlfuzz/run.sh               seeds 1 and 2, 20000 calls each (~30 s)
#   test/sqlfuzz/run.sh --long        seeds 1..10, 100000 calls each
#   SQLFUZZ_SEEDS="7 8" SQLFUZZ_CALLS=50000 test/sqlfuzz/run.sh
#   test/sqlfuzz/run.sh --repro       also the reproducers of test/sqlfuzz/repro/
#
# Server: the one PGHOST/PGPORT/PGUSER name, with flowstream installable
# (scripts/test's cluster, or `scripts/cluster start`'s).  When it does not
# answer, every planned test fails with the cause: nothing is started in its
# place.  Each seed runs in a new database, dropped after; the roles it
# creates (sqlfuzz_*) are dropped at the end.  When the server's log is at
# hand (SQLFUZZ_SERVER_LOG, or $FS_DIR/server.log as scripts/test sets FS_DIR),
# one more test reads what the server logged meanwhile for a crashed backend.
#
# The plan is fixed before anything runs: PER_SEED tests per seed (those of
# sqlfuzz.py; a seed that stops early shows the ones it did not make as
# "not ok"), one per reproducer, and the log test.
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
PSQL=${FS_PGBIN:-/usr/lib/postgresql/15/bin}/psql
PER_SEED=6
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
LOG=${SQLFUZZ_SERVER_LOG:-${FS_DIR:+$FS_DIR/server.log}}
[ -n "$LOG" ] && [ ! -r "$LOG" ] && LOG=
LOGTEST=0
[ -n "$LOG" ] && LOGTEST=1
REPROS=()
[ "$REPRO" -eq 1 ] && REPROS=("$HERE"/repro/*.sql)
read -r -a seeds <<<"$SEEDS"
PLANNED=$((PER_SEED * ${#seeds[@]} + ${#REPROS[@]} + LOGTEST))
echo "1..$PLANNED"

n=0
failed=0
total_calls=0
# every planned test from number FROM on is "not ok", with WHY
fail_rest() {
	local why=$1 k
	for ((k = n + 1; k <= PLANNED; k++)); do echo "not ok $k - not run: $why"; done
	exit 1
}
if ! err=$("$PSQL" -X -q -d postgres -c 'SELECT 1' 2>&1 >/dev/null); then
	fail_rest "no server at PGHOST=${PGHOST:-} PGPORT=${PGPORT:-}: $(echo "$err" | head -n 1)"
fi
log_from=0
[ -n "$LOG" ] && log_from=$(stat -c %s "$LOG")

for seed in "${seeds[@]}"; do
	db=flowstream_sqlfuzz_$seed
	"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
	out=$("$PY" "$HERE/sqlfuzz.py" --seed "$seed" --calls "$CALLS" --dbname "$db" --tap-start $((n + 1)) 2>&1)
	rc=$?
	echo "$out" | grep -vE '^[0-9]+\.\.[0-9]+$'
	tests=$(echo "$out" | grep -cE '^(not )?ok ')
	bad=$(echo "$out" | grep -cE '^not ok ')
	calls=$(echo "$out" | sed -nE 's/^(not )?ok [0-9]+ - ([0-9]+) SQL calls.*/\2/p' | head -n 1)
	total_calls=$((total_calls + ${calls:-0}))
	n=$((n + tests))
	failed=$((failed + bad))
	if [ "$tests" -lt "$PER_SEED" ] || { [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
		echo "# sqlfuzz.py, seed $seed, stopped after $tests of its $PER_SEED tests (exit $rc); its last lines:"
		echo "$out" | tail -n 20 | sed 's/^/#   /'
		[ "$bad" -eq 0 ] && failed=$((failed + 1))	# the exit status shows it
		while [ "$tests" -lt "$PER_SEED" ]; do
			tests=$((tests + 1)); n=$((n + 1)); failed=$((failed + 1))
			echo "not ok $n - sqlfuzz seed $seed: test $tests of $PER_SEED not run (sqlfuzz.py stopped, exit $rc)"
		done
	elif [ "$tests" -gt "$PER_SEED" ]; then
		echo "# sqlfuzz.py made $tests tests for seed $seed, PER_SEED is $PER_SEED: change it in test/sqlfuzz/run.sh"
	fi
	"$PSQL" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done

if [ "$REPRO" -eq 1 ]; then
	for f in "${REPROS[@]}"; do
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

if [ -n "$LOG" ]; then
	n=$((n + 1))
	crashes=$(tail -c +$((log_from + 1)) "$LOG" |
		grep -E 'terminated by signal|was terminated|PANIC|TRAP:|server process .* exited with exit code [^0]')
	if [ -n "$crashes" ]; then
		echo "not ok $n - the server log ($LOG) shows a crashed backend during the fuzz"
		echo "$crashes" | head -n 10 | sed 's/^/# /'
		failed=$((failed + 1))
	else
		echo "ok $n - the server log shows no crashed backend during the fuzz ($LOG)"
	fi
fi
echo "# sqlfuzz: $total_calls SQL calls in all (seeds: $SEEDS; $CALLS calls each)"
[ "$failed" -eq 0 ]
