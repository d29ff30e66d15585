#!/usr/bin/env bash
# Real clients of the view flowstream.streams_now: the two programs of
# examples/ (Python with Debian's SQLAlchemy and psycopg2; Node.js with
# Sequelize and pg from npm, installed from the lockfile) tell the same story
# through their ORM and check every number. Each prints "ok - ..." /
# "not ok - ..." lines; this script numbers them into one TAP stream.
#   PGHOST=... PGPORT=... PGUSER=postgres prove -v test/clients/run.sh
# Each story runs in one transaction that it rolls back: reruns are clean.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PGDATABASE=${PGDATABASE:-flowstream}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run NAME COMMAND...: the program's checks, prefixed with NAME; a non-zero
# exit with no failed check of its own (a crash, a missing module) is one more failure
run() {
	local name=$1; shift
	local rc=0
	"$@" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
	sed -E -e "s/^(not )?ok - /&$name: /" -e '/^(not )?ok - |^#/!s/^/# /' "$out/$name.out" >>"$out/all"
	if [ "$rc" -ne 0 ] && ! grep -qE '^not ok ' "$out/$name.out"; then
		echo "not ok - $name: exited with status $rc" >>"$out/all"
		sed 's/^/# /' "$out/$name.err" | tail -n 20 >>"$out/all"
	fi
}

: >"$out/all"
run python /usr/bin/python3 "$ROOT/examples/python_sqlalchemy.py"

# npm ci installs exactly the lockfile's versions (quietly: only its failure is shown)
if (cd "$ROOT/examples/node" && npm ci --no-audit --no-fund --loglevel=error) >"$out/npm.log" 2>&1; then
	run node node "$ROOT/examples/node/sequelize_story.js"
else
	echo "not ok - node: npm ci failed in examples/node" >>"$out/all"
	grep -v 'Unknown user config' "$out/npm.log" | sed 's/^/# /' | head -n 20 >>"$out/all"
fi

# one TAP stream: the plan, then the checks numbered in order
echo "1..$(grep -cE '^(not )?ok - ' "$out/all")"
awk '/^(not )?ok - /{ n++; sub(/ok - /, "ok " n " - ") } { print }' "$out/all"
! grep -qE '^not ok ' "$out/all"
