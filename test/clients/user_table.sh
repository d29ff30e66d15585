#!/usr/bin/env bash
# A stream in a user's own table, through an ORM: examples/python_user_table.py
# maps a subscriptions table with plain rate and cancelled columns in
# SQLAlchemy (Debian's python3-sqlalchemy and psycopg2), while
# flowstream.stream_trigger() keeps its stream and history; it prints
# "ok - ..." / "not ok - ..." per check.  This script is its TAP stream, with
# the plan fixed here: a check that did not run is a failure.
#   PGHOST=... PGPORT=... PGUSER=postgres prove -v test/clients/user_table.sh
# The story runs in one transaction that it rolls back: reruns are clean.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PGDATABASE=${PGDATABASE:-flowstream}
PLAN=23
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "1..$PLAN"
rc=0
/usr/bin/python3 "$ROOT/examples/python_user_table.py" >"$out/story.out" 2>"$out/story.err" || rc=$?
n=0
while IFS= read -r line; do
	case $line in
	"ok - "* | "not ok - "*)
		n=$((n + 1))
		echo "${line/ok - /ok $n - }"
		;;
	*) echo "# $line" ;;
	esac
done <"$out/story.out"
if [ "$rc" -ne 0 ] && ! grep -qE '^not ok ' "$out/story.out"; then
	n=$((n + 1))
	echo "not ok $n - the story exited with status $rc"
	sed 's/^/# /' "$out/story.err" | tail -n 20
fi
while [ "$n" -lt "$PLAN" ]; do
	n=$((n + 1))
	echo "not ok $n - not run"
done
[ "$rc" -eq 0 ] && [ "$n" -eq "$PLAN" ]
