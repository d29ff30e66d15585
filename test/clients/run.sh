#!/usr/bin/env bash
# Real clients of the view flowstream.streams_now: the programs of examples/
# tell the same story through their ORM and check every number against the
# test clock —
#   python     SQLAlchemy 1.4 and psycopg2 (Debian)
#   django     Django 3.2 and psycopg2 (Debian)
#   sequelize  Sequelize and pg (npm, installed from the lockfile)
#   typeorm    TypeORM and pg (npm, installed from the lockfile)
# — and test/clients/pgbouncer.sh runs flowstream.actor and the SQLAlchemy
# story through PgBouncer in transaction pooling mode.
#
# Each program prints its plan first ("# plan N", or TAP's "1..N"), then one
# "ok - ..." / "not ok - ..." line per check. The plans are written down here,
# in advance: a program that stops halfway leaves its unrun checks as failures
# ("never ran"), and each program has one more check of its own here: that it
# printed the plan written here and exactly that many checks, and did not exit
# with an error unless a check of its own failed.
#   PGHOST=... PGPORT=... PGUSER=postgres prove -v test/clients/run.sh
# Each story runs in one transaction that it rolls back: reruns are clean.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PGDATABASE=${PGDATABASE:-flowstream}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
: >"$out/all"

# name, its checks: change a number here when a program gains or loses a check
STORIES="python 34
django 43
sequelize 35
typeorm 46
pgbouncer 18"
plan_of() { echo "$STORIES" | awk -v n="$1" '$1 == n { print $2 }'; }

n=0  # the TAP number of the last line printed
echo "1..$(echo "$STORIES" | awk '{ s += $2 + 1 } END { print s }')"

# report NAME RC: the program's output ($out/NAME.out) as exactly plan + 1 TAP lines
report() {
	local name=$1 rc=$2 plan
	plan=$(plan_of "$name")
	awk -v name="$name" -v plan="$plan" -v rc="$rc" -v n="$n" '
		NR == 1 && ($0 == "# plan " plan || $0 == "1.." plan) { planned = 1 }
		/^(not )?ok( [0-9]+)? - / {
			k++
			if (/^not ok/) bad++
			sub(/^ok( [0-9]+)? - /, "ok - "); sub(/^not ok( [0-9]+)? - /, "not ok - ")
			if (k > plan) { print "# beyond the plan: " $0; next }
			n++; sub(/ok - /, "ok " n " - " name ": "); print; next
		}
		/^#/ { print; next }
		{ print "# " $0 }
		END {
			for (i = k + 1; i <= plan; i++) { n++; print "not ok " n " - " name ": check " i " of " plan " never ran" }
			n++
			why = ""
			if (!planned) why = why " it did not print \"# plan " plan "\" first;"
			if (k != plan) why = why " it printed " k + 0 " ok/not ok lines, not " plan ";"
			if (rc != 0 && !bad) why = why " it exited with status " rc " with no failed check;"
			if (why == "") print "ok " n " - " name ": ran to the end, its " plan " checks as planned"
			else { sub(/;$/, "", why); print "not ok " n " - " name ":" why }
		}' "$out/$name.out" | tee -a "$out/all"
	if [ "$rc" -ne 0 ] && [ -s "$out/$name.err" ]; then
		tail -n 20 "$out/$name.err" | sed 's/^/# /'
	fi
	n=$((n + plan + 1))
}

# run NAME COMMAND...: runs the program and reports it
run() {
	local name=$1 rc=0; shift
	"$@" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
	report "$name" "$rc"
}

# not_run NAME WHY: none of the program's checks ran
not_run() {
	echo "# $2" >"$out/$1.out"
	report "$1" 1
}

run python /usr/bin/python3 "$ROOT/examples/python_sqlalchemy.py"
run django /usr/bin/python3 "$ROOT/examples/django_story.py"

# npm ci installs exactly the lockfile's versions (quietly: only its failure is shown)
if (cd "$ROOT/examples/node" && npm ci --no-audit --no-fund --loglevel=error) >"$out/npm.log" 2>&1; then
	run sequelize node "$ROOT/examples/node/sequelize_story.js"
	run typeorm node "$ROOT/examples/node/typeorm_story.js"
else
	grep -v 'Unknown user config' "$out/npm.log" | sed 's/^/# /' | head -n 20
	not_run sequelize "npm ci failed in examples/node"
	not_run typeorm "npm ci failed in examples/node"
fi

run pgbouncer bash "$ROOT/test/clients/pgbouncer.sh"

! grep -qE '^not ok ' "$out/all"
