#!/usr/bin/env bash
# Real clients of the view flowstream.streams_now: the two programs of
# examples/ (Python with Debian's SQLAlchemy and psycopg2; Node.js with
# Sequelize and pg from npm, installed from the lockfile) tell the same story
# through their ORM and check every number. Each prints "ok - ..." /
# "not ok - ..." lines; this script numbers them into one TAP stream.
#   PGHOST=... PGPORT=... PGUSER=postgres prove -v test/clients/run.sh
# Each story runs in one transaction that it rolls back: reruns are clean.
#
# The number of checks of each story is fixed here, in advance, and the plan
# is their sum: a story that stops early shows each check it did not make as
# "not ok", one that makes more than its plan breaks the plan.  A story whose
# language is not installed is skipped, check by check.  When a story gains
# or loses a check, change its number here.
set -uo pipefail
declare -A PLAN=([python]=31 [node]=31)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PGDATABASE=${PGDATABASE:-flowstream}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "1..$((PLAN[python] + PLAN[node]))"
n=0
failed=0

# the checks NAME did not make, from FROM to its plan, "not ok" with WHY
not_run() {
	local name=$1 from=$2 why=$3 i
	for ((i = from; i <= PLAN[$name]; i++)); do
		n=$((n + 1)); failed=$((failed + 1))
		echo "not ok $n - $name: check $i of ${PLAN[$name]} did not run ($why)"
	done
}

# its checks, "ok # SKIP" with WHY
skip() {
	local name=$1 why=$2 i
	for ((i = 1; i <= PLAN[$name]; i++)); do
		n=$((n + 1))
		echo "ok $n - $name: check $i of ${PLAN[$name]} # SKIP $why"
	done
}

# run NAME COMMAND...: the program's checks, numbered and prefixed with NAME;
# a non-zero exit with no failed check of its own (a crash, a missing module)
# is one more failure, and the checks it did not make are failures too
run() {
	local name=$1; shift
	local rc=0 made=0 line
	"$@" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(not )?ok\ -\ (.*)$ ]]; then
			n=$((n + 1)); made=$((made + 1))
			[ -n "${BASH_REMATCH[1]}" ] && failed=$((failed + 1))
			echo "${BASH_REMATCH[1]}ok $n - $name: ${BASH_REMATCH[2]}"
		elif [[ $line =~ ^# ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done <"$out/$name.out"
	if [ "$rc" -ne 0 ] && ! grep -qE '^not ok ' "$out/$name.out"; then
		n=$((n + 1)); made=$((made + 1)); failed=$((failed + 1))
		echo "not ok $n - $name: exited with status $rc"
		tail -n 20 "$out/$name.err" | sed 's/^/# /'
	fi
	if [ "$made" -lt "${PLAN[$name]}" ]; then
		not_run "$name" $((made + 1)) "the story stopped after $made checks, exit status $rc"
	elif [ "$made" -gt "${PLAN[$name]}" ]; then
		echo "# $name made $made checks, its plan is ${PLAN[$name]}: change PLAN in test/clients/run.sh"
		failed=$((failed + 1))
	fi
}

if ! /usr/bin/python3 -c 'import sqlalchemy, psycopg2' 2>/dev/null; then
	skip python "no python3 with sqlalchemy and psycopg2 (Debian: python3-sqlalchemy python3-psycopg2)"
else
	run python /usr/bin/python3 "$ROOT/examples/python_sqlalchemy.py"
fi

# npm ci installs exactly the lockfile's versions (quietly: only its failure is shown)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	skip node "no node and npm (Debian: nodejs npm)"
elif (cd "$ROOT/examples/node" && npm ci --no-audit --no-fund --loglevel=error) >"$out/npm.log" 2>&1; then
	run node node "$ROOT/examples/node/sequelize_story.js"
else
	echo "# npm ci failed in examples/node:"
	grep -v 'Unknown user config' "$out/npm.log" | sed 's/^/# /' | head -n 20
	not_run node 1 "npm ci failed in examples/node"
fi
[ "$failed" -eq 0 ]
