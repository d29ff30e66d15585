#!/usr/bin/env bash
# The Debian package for real.  `make deb` builds postgresql-15-flowstream
# (the build itself runs the regression tests against the packaged files);
# apt-get installs it into the system's PostgreSQL 15 (Debian's postgresql-15),
# where the private PostgreSQL copies of the other tests see none of it; a
# throwaway cluster of the system's binaries creates the extension, runs the
# README's tour and updates a database that the 0.1.0 release (built from
# history, as test/shell/upgrade.sh does) wrote; the cluster stops and
# apt-get remove leaves no flowstream file under the system's PostgreSQL.
#
# It leaves the machine as it found it, whatever fails (the trap): the cluster
# stops, the package goes, and flowstream files that were under the system's
# PostgreSQL before (a `make install` into it) are moved aside for the test
# and put back.  The build dependencies (debhelper, postgresql-server-dev-all)
# are installed when missing and kept, like scripts/lib.sh's packages; the
# test is skipped (1..0) only when they cannot be installed.  Runs as root, one
# at a time on a machine (a lock).  TAP output, run by prove from scripts/test
# (FS_PGBIN, FS_PORT set); alone: bash test/shell/deb.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SUITE_BIN=${FS_PGBIN:-}			# the suite's private PostgreSQL, when scripts/test runs this
SYS_BIN=/usr/lib/postgresql/15/bin
PKG=postgresql-15-flowstream
PORT=$(( ${FS_PORT:-54329} + 400 ))	# the cluster of the system's binaries (logical_replication.sh has + 300)
BUILD_PORT=$(( PORT + 1 ))		# the build's test cluster (pg_virtualenv)
SYS_DIRS=(/usr/lib/postgresql /usr/share/postgresql "/usr/share/doc/$PKG")
BUILD_DEPS="dpkg-dev debhelper postgresql-server-dev-all"
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o DPkg::Lock::Timeout=600)
PLAN=13

# the build dependencies, or a skip that says why
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP not root: cannot install the build dependencies or the package"
	exit 0
fi
missing=()
for p in $BUILD_DEPS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	aptlog=$(mktemp)
	if ! { "${APT[@]}" update && "${APT[@]}" install "${missing[@]}"; } >"$aptlog" 2>&1; then
		echo "1..0 # SKIP the build dependencies cannot be installed (${missing[*]}): $(grep -E '^E:' "$aptlog" | head -n 1)"
		rm -f "$aptlog"
		exit 0
	fi
	rm -f "$aptlog"
fi
if ! unmet=$(cd "$ROOT" && dpkg-checkbuilddeps 2>&1); then
	echo "1..0 # SKIP the build dependencies are not all installed: $unmet"
	exit 0
fi

# one run at a time on this machine: the system's PostgreSQL is shared
exec 9>/run/lock/flowstream-deb.lock
if ! flock -w 1800 9; then
	echo "Bail out! another test/shell/deb.sh held /run/lock/flowstream-deb.lock for 30 minutes"
	exit 1
fi

work=$(mktemp -d /tmp/flowstream-deb-test.XXXXXX)
chmod 755 "$work"
q() { "$SYS_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
n=0
check() {						# check "description" command...
	local what=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
not_run() {						# the planned tests that cannot run now fail, named
	while [ "$n" -lt "$PLAN" ]; do n=$((n + 1)); echo "not ok $n - not run: $1"; done
	exit 1
}
comment() { sed 's/^/# /'; }
system_files() { find "${SYS_DIRS[@]}" -name '*flowstream*' 2>/dev/null | sort; }
package_state() { dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || echo not-installed; }

installed_by_us=
cleanup() {
	local bin
	for bin in "$SYS_BIN" "$work/r010/pg/usr/lib/postgresql/15/bin"; do
		[ -f "$work/data/postmaster.pid" ] && [ -x "$bin/pg_ctl" ] &&
			runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1
	done
	if [ -n "$installed_by_us" ] && [ "$(package_state)" != not-installed ]; then
		"${APT[@]}" purge "$PKG" >/dev/null 2>&1 || echo "# cleanup: apt-get purge $PKG failed"
	fi
	if [ -f "$work/aside.tar" ]; then
		tar -C / --keep-newer-files -xpf "$work/aside.tar" || echo "# cleanup: could not put back $work/aside.tar"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

echo "1..$PLAN"
if [ "$(package_state)" != not-installed ]; then
	n=0; not_run "$PKG is on this machine already ($(package_state)): the test would replace it"
fi
clusters_before=$(pg_lsclusters 2>/dev/null)

# 1. the 0.1.0 release, built from history into a PostgreSQL copy of its own
# shellcheck source=../../scripts/lib.sh
source "$ROOT/scripts/lib.sh"
set +e
export PGHOST=$work PGPORT=$PORT PGUSER=postgres	# this test's own cluster
OLDBIN=$work/r010/pg/usr/lib/postgresql/15/bin
if build_release "$RELEASE_0_1_0" "$work/r010" &&
	grep -q "default_version = '0.1.0'" "$work/r010/src/flowstream.control"; then
	check "the 0.1.0 release builds from history (commit $RELEASE_0_1_0)" true
else
	check "the 0.1.0 release builds from history (commit $RELEASE_0_1_0)" false
	tail -n 20 "$work/r010/build.log" | comment
	not_run "the 0.1.0 release did not build"
fi
chown -R postgres "$work"

# 2. a 0.1.0 database, in the data directory the system's binaries start later
runuser -u postgres -- "$OLDBIN/initdb" -D "$work/data" --auth=trust --no-instructions -E UTF8 \
	--locale=C.UTF-8 >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work'
fsync = off
CONF
runuser -u postgres -- "$OLDBIN/pg_ctl" -D "$work/data" -l "$work/log.010" -w start >/dev/null
"$OLDBIN/createdb" up
history_ok=true
q -d up >/dev/null <<'SQL' || history_ok=false
CREATE EXTENSION flowstream;
CREATE ROLE deb_alice;
CREATE ROLE deb_bob;
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('WEI', 18);
SET flowstream.clock = '2026-01-01 00:00:00+00';
SET ROLE deb_alice;
SELECT flowstream.create_stream('deb_alice', 'deb_bob', 'USDC', 0.001, deposit => 100) FROM generate_series(1, 3);
SELECT flowstream.create_stream('deb_alice', 'deb_bob', 'WEI', 0.5, start_time => '2025-12-01 00:00:00+00');
RESET ROLE;
SET flowstream.clock = '2026-01-02 00:00:00+00';
SET ROLE deb_bob;
SELECT flowstream.withdraw(1, 5);
RESET ROLE;
SET ROLE deb_alice;
SELECT flowstream.pause(2), flowstream.void(3), flowstream.deposit(4, 1000000);
RESET ROLE;
SQL
views="SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT string_agg(concat_ws('|', id, sender, recipient, token, state, flowstream.total_debt(state),
       flowstream.covered_debt(state), flowstream.uncovered_debt(state), flowstream.status(state)), E'\n' ORDER BY id)
FROM flowstream.streams"
history="SELECT string_agg(concat_ws('|', id, stream_id, op, actor, amount, destination, at, state), E'\n' ORDER BY id)
FROM flowstream.events"
q -d up -c "$views" >"$work/views.010" 2>&1
q -d up -c "$history" >"$work/history.010" 2>&1
runuser -u postgres -- "$OLDBIN/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null
check "a 0.1.0 database with streams and history ($(grep -c . "$work/history.010") events)" \
	eval '$history_ok && [ "$(grep -c . "$work/views.010")" = 4 ]'

# 3. the package, built by make deb from this checkout, which stays as it is
status_before=$(git -C "$ROOT" status --porcelain)
build_ok=false
if env -u PGHOST -u PGUSER -u PGDATABASE -u PG_CONFIG -u MAKEFLAGS -u MAKELEVEL PGPORT=$BUILD_PORT \
	make -C "$ROOT" -s deb DEBDIR="$work/debs" >"$work/deb.log" 2>&1; then
	build_ok=true
fi
version=$(sed -n '1s/^flowstream (\([^)]*\)) .*/\1/p' "$ROOT/debian/changelog")
upstream=${version%-*}
deb=$work/debs/${PKG}_${version}_$(dpkg --print-architecture).deb
warnings=$(grep -ciE '(^|[^a-z])warning:' "$work/deb.log")
if $build_ok && [ -f "$deb" ] && [ "$warnings" = 0 ] && [ "$(git -C "$ROOT" status --porcelain)" = "$status_before" ]; then
	check "make deb builds ${deb##*/} without warnings ($(grep -cE '^(test | +[a-z_]+ +\.\.\.).* ok' "$work/deb.log") regression tests passed in the build), and the checkout stays as it was" true
else
	check "make deb builds ${deb##*/} without warnings, and the checkout stays as it was" false
	grep -iE '(^|[^a-z])warning:' "$work/deb.log" | head -n 10 | comment
	tail -n 20 "$work/deb.log" | comment
	not_run "the package did not build"
fi

# 4. installed into the system's PostgreSQL 15, after putting aside what
# flowstream files were there (and would be overwritten, then removed)
mapfile -t before < <(system_files)
if [ ${#before[@]} -gt 0 ]; then
	echo "# already under the system's PostgreSQL, moved aside until the end: ${before[*]}"
	tar -C / -cpf "$work/aside.tar" "${before[@]#/}" && rm -rf "${before[@]}"
fi
sums() {						# the flowstream files of a private copy, with their checksums
	[ -n "$1" ] && find "$1" -name '*flowstream*' -type f -print0 | sort -z | xargs -0 -r md5sum
}
suite_tree=
if [ -n "$SUITE_BIN" ] && [ "$SUITE_BIN" != "$SYS_BIN" ] && [ -d "$SUITE_BIN" ]; then
	suite_tree=${SUITE_BIN%/usr/lib/postgresql/15/bin}
fi
sums "$suite_tree" >"$work/suite.before"
installed_by_us=1
touch "$work/installed"
if "${APT[@]}" install --no-install-recommends "$deb" >"$work/apt.log" 2>&1 &&
	[ "$(package_state)" = installed ] &&
	[ "$(dpkg-query -W -f='${Version}' "$PKG")" = "$version" ]; then
	check "apt-get install ./${deb##*/} installs $PKG $version" true
else
	check "apt-get install ./${deb##*/} installs $PKG $version" false
	tail -n 20 "$work/apt.log" | comment
	not_run "the package did not install"
fi

# 5. its files are the system's PostgreSQL's
dpkg -L "$PKG" | while read -r f; do [ -f "$f" ] && echo "$f"; done >"$work/files"
pkglibdir=$("$SYS_BIN/pg_config" --pkglibdir)
sharedir=$("$SYS_BIN/pg_config" --sharedir)
in_system() {
	local f
	for f in "$pkglibdir/flowstream.so" "$sharedir/extension/flowstream.control" \
		"$sharedir/extension/flowstream--$upstream.sql" "$sharedir/extension/flowstream--0.1.0--$upstream.sql"; do
		grep -qx "$f" "$work/files" || { echo "# not in the package: $f"; return 1; }
	done
	grep -q "^default_version = '$upstream'" "$sharedir/extension/flowstream.control"
}
check "the package puts flowstream.so, the control file and the scripts into the system's PostgreSQL 15 ($(wc -l <"$work/files") files)" in_system

# 6. the private PostgreSQL copies (the 0.1.0 one, and the suite's) see none of it
sees_none() {						# sees_none TREE: no path in TREE leads to a package file
	local f t bad=0
	while read -r f; do
		case $f in /usr/lib/postgresql/15/*|/usr/share/postgresql/15/*) ;; *) continue ;; esac
		t=$1$f
		if [ -e "$t" ] && [ "$(readlink -f "$t")" = "$(readlink -f "$f")" ]; then
			echo "# $t is the package's $f"
			bad=1
		fi
	done <"$work/files"
	return $bad
}
private_untouched() {
	sees_none "$work/r010/pg" &&
		grep -q "^default_version = '0.1.0'" "$work/r010/pg/usr/share/postgresql/15/extension/flowstream.control" &&
		{ [ -z "$suite_tree" ] || { sees_none "$suite_tree" && sums "$suite_tree" | cmp -s - "$work/suite.before"; }; }
}
suite_copy=${suite_tree:+, and the suite copy, whose flowstream files are unchanged}
check "the private PostgreSQL copies see none of the package's files (the 0.1.0 copy$suite_copy)" \
	private_untouched

# 7-8. a throwaway cluster of the system's binaries, on the 0.1.0 data
# directory: the 0.1.0 database, updated with the package's files
runuser -u postgres -- "$SYS_BIN/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
q -d up -c "$views" >"$work/views.early" 2>&1
updated() {
	cmp -s "$work/views.010" "$work/views.early" &&
		q -d up -c "ALTER EXTENSION flowstream UPDATE" 2>&1 | comment &&
		[ "$(q -d up -c "SELECT extversion FROM pg_extension WHERE extname = 'flowstream'")" = "$upstream" ]
}
check "a cluster of the system's binaries (port $PORT) reads the 0.1.0 values unchanged with the package's library, and ALTER EXTENSION flowstream UPDATE brings them to $upstream" updated
goes_on() {
	q -d up -c "$views" >"$work/views.020" 2>&1
	q -d up -c "$history" >"$work/history.020" 2>&1
	cmp -s "$work/views.010" "$work/views.020" && cmp -s "$work/history.010" "$work/history.020" &&
		[ -z "$(q -d up -c "SELECT * FROM flowstream.verify()")" ] &&
		q -d up -c "SET flowstream.clock = '2026-03-01 00:00:00+00'; SET ROLE deb_alice;
		            SELECT flowstream.deposit(1, 1), flowstream.restart(2, 0.002)" >/dev/null &&
		[ -z "$(q -d up -c "SELECT * FROM flowstream.verify()")" ]
}
check "after the update every stream, debt and event is 0.1.0's, verify() is clean and the API goes on" goes_on

# 9. a new database of the same cluster creates the extension (0.1.0's roles
# are flowstream's since the update)
"$SYS_BIN/createdb" fresh
created() {
	local out
	out=$(q -d fresh -c "CREATE EXTENSION flowstream" 2>&1) || { comment <<<"$out"; return 1; }
	[ "$(q -d fresh -c "SELECT extversion FROM pg_extension WHERE extname = 'flowstream'")" = "$upstream" ] &&
		[ "$(q -d fresh -c "SELECT count(*) FROM flowstream.verify()")" = 0 ]
}
check "CREATE EXTENSION flowstream in a new database gives the package's $upstream, verify() clean" created

# 10. the README's tour
tour() {
	FS_PGBIN=$SYS_BIN README_SECTION='A five-minute tour' bash "$HERE/readme.sh" >"$work/tour.out" 2>&1
	local rc=$?
	grep -v '^1\.\.' "$work/tour.out" | comment
	[ $rc = 0 ] && grep -q '^ok 1 ' "$work/tour.out"
}
check "the README's tour (the first sql block after 'A five-minute tour') shows what the README shows" tour

# 11. the cluster stops, the package goes
removed() {
	runuser -u postgres -- "$SYS_BIN/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null &&
		"${APT[@]}" remove "$PKG" >"$work/remove.log" 2>&1 &&
		[ "$(package_state)" = not-installed ] || { tail -n 10 "$work/remove.log" | comment; return 1; }
}
check "the cluster stops, and apt-get remove $PKG removes the package (no configuration left)" removed

# 12. nothing of it is left
nothing_left() {
	local f bad=0
	while read -r f; do
		if grep -qx "$f" "$work/files"; then
			echo "# left: $f, a file of the package"
		elif [ -n "$(find "$f" -newer "$work/installed" -print -quit)" ]; then
			echo "# left: $f, written while the test ran, not by the package (a private build whose copy links into the system's PostgreSQL?)"
		else
			echo "# left: $f"
		fi
		bad=1
	done < <(system_files; while read -r f; do [ -e "$f" ] && echo "$f"; done <"$work/files")
	return $bad
}
check "no flowstream file is left under ${SYS_DIRS[*]}" nothing_left

# 13. the rest of the machine as it was
as_found() {
	[ "$(pg_lsclusters 2>/dev/null)" = "$clusters_before" ] &&
		{ [ -z "$suite_tree" ] || sums "$suite_tree" | cmp -s - "$work/suite.before"; }
}
check "the machine's clusters (pg_lsclusters)${suite_tree:+ and the suite copy of PostgreSQL} are as they were before the test" as_found
