#!/usr/bin/env bash
# test/regress/run.sh — pg_regress (sql/, expected/) or pg_isolation_regress
# (specs/) through PGXS's `make installcheck`, as TAP: one test per test file
# of the Makefile's REGRESS or ISOLATION, planned before anything runs.  A
# file that did not run (the server was gone, pg_regress stopped) is "not ok",
# and a failed one shows the start of its diff.
#
#   test/regress/run.sh regress|isolation      against PGHOST/PGPORT/PGUSER
#   PG_CONFIG=...                              the PostgreSQL to build against
#
# It works in its source tree (results/, output_iso/, regression.diffs), as
# make installcheck does: scripts/test runs it in a snapshot of its own.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
kind=${1:-}
case "$kind" in
	regress) dir=$ROOT; vars=(ISOLATION=) ;;
	isolation) dir=$ROOT/output_iso; vars=(REGRESS=) ;;
	*) echo "usage: $0 regress|isolation" >&2; exit 2 ;;
esac

if ! list=$(make -s --no-print-directory -C "$ROOT" PG_CONFIG="$PG_CONFIG" "list-$kind" 2>&1); then
	echo "1..1"
	echo "not ok 1 - the $kind tests could not be listed (make list-$kind)"
	echo "$list" | sed 's/^/# /'
	exit 1
fi
read -r -a tests <<<"$list"
echo "1..${#tests[@]}"
[ ${#tests[@]} -eq 0 ] && exit 0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf "$dir/results" "$dir/regression.diffs" "$dir/regression.out"
upper=$(echo "$kind" | tr a-z A-Z)
make -C "$ROOT" -s --no-print-directory PG_CONFIG="$PG_CONFIG" installcheck "${vars[@]}" \
	"$upper=${tests[*]}" >"$log" 2>&1
rc=$?

n=0
failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	# PostgreSQL 15: "test NAME ... ok 12 ms" (or "     NAME ..." in a parallel group)
	line=$(grep -E "^(test)? +$t +\.\.\. " "$log" | head -n 1)
	result=$(echo "$line" | sed -E 's/.*\.\.\. +//')
	case "$result" in
		ok*)
			echo "ok $n - $t ($(echo "$result" | grep -oE '[0-9]+ ms'))" ;;
		"")
			failed=$((failed + 1))
			echo "not ok $n - $t: did not run (make installcheck exited with status $rc)" ;;
		*)
			failed=$((failed + 1))
			echo "not ok $n - $t: $(echo "$result" | tr -s " ")"
			# the start of its diff
			if [ -f "$dir/regression.diffs" ]; then
				awk -v t="/$t.out" 'index($0, "diff ") == 1 { show = (index($0, t) > 0) } show' \
					"$dir/regression.diffs" | head -n 40 | sed 's/^/#   /'
			fi
			;;
	esac
done
if [ "$failed" -gt 0 ] || [ "$rc" -ne 0 ]; then
	echo "# make installcheck exited with status $rc; its last lines:"
	tail -n 15 "$log" | sed 's/^/#   /'
	[ -f "$dir/regression.diffs" ] && echo "# all the differences: $dir/regression.diffs"
fi
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
