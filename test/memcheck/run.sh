#!/usr/bin/env bash
# test/memcheck/run.sh — the pg_regress suite (type arithmetic transitions
# examples property) against a PostgreSQL 15 whose every process runs under
# valgrind's memcheck, then a short SQL fuzz of the managed layer there too.
# TAP output, for prove: one test per pg_regress file, one for the SQL fuzz
# and one for what valgrind reported, planned first (a build or a server
# start is not a test: when one fails, every planned test is "not ok" with
# the cause; without valgrind, every test is skipped).  It is slow
# (measured: 710 s in all, of which pg_regress 626 s and the property test
# alone 555 s; it prints its timings), so the whole suite is a separate
# command; scripts/test runs it without the property test:
#
#   test/memcheck/run.sh                       the whole suite (~12 min)
#   MEMCHECK_REGRESS='type arithmetic' test/memcheck/run.sh    some tests only
#   MEMCHECK_SQLFUZZ_CALLS=0 test/memcheck/run.sh              no SQL fuzz
#   MEMCHECK_TRACK_ORIGINS=no ...              faster, but see below
#   MEMCHECK_WORK, MEMCHECK_PORT               where (default /tmp/flowstream-memcheck-$FS_PORT,
#                                              port FS_PORT + 4; FS_PORT 54329 by default)
#
# How, and why valgrind rather than AddressSanitizer:
# * The sources are copied (a snapshot of the work tree) and built apart, so
#   the work tree's objects and the system-wide install are left alone.
# * Debian's PostgreSQL is relocatable: a copy of /usr/lib/postgresql/15 and
#   /usr/share/postgresql/15 under $MEMCHECK_WORK/root/usr finds its share
#   and lib directories next to its own binaries.  The snapshot's
#   flowstream.so is installed there only, and a throwaway cluster is
#   initialised with that copy.
# * The postmaster is started under valgrind; backends are forked from it,
#   so every backend running flowstream's code is checked.
# * An extension built with -fsanitize=address needs the ASan runtime
#   preloaded into Debian's (uninstrumented) postgres, and with
#   LD_PRELOAD of gcc-12's libasan.so.8 or clang-14's libclang_rt.asan even
#   `postgres -V` deadlocks in glibc's bindtextdomain (_nl_state_lock) on
#   this machine.  Valgrind needs nothing rebuilt.
# * Debian's postgres is not built with USE_VALGRIND and has no suppression
#   file installed, so valgrind also reports PostgreSQL's own well-known
#   cases (uninitialised padding in WAL pages, the relcache init file,
#   statistics files).  An error counts against flowstream when its stack
#   or the origin of its uninitialised bytes (--track-origins=yes, hence the
#   default) passes through flowstream.so; the others are listed, not
#   counted.  Without track-origins, uninitialised padding that flowstream
#   wrote could only be seen as PostgreSQL's.
#
# Needs root (the cluster runs as the postgres user), valgrind, make, gcc and
# the PostgreSQL 15 server headers (scripts/lib.sh's packages).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${MEMCHECK_WORK:-/tmp/flowstream-memcheck-${FS_PORT:-54329}}
PORT=${MEMCHECK_PORT:-$((${FS_PORT:-54329} + 4))}
REGRESS=${MEMCHECK_REGRESS:-type arithmetic transitions examples property}
FUZZ_CALLS=${MEMCHECK_SQLFUZZ_CALLS:-3000}
TRACK=${MEMCHECK_TRACK_ORIGINS:-yes}
SRC=${MEMCHECK_SRC:-$ROOT}	# another tree to check (to test this checker on a planted bug)
SYS=/usr/lib/postgresql/15
R=$WORK/root/usr
PGB=$R/lib/postgresql/15/bin

read -r -a regress_tests <<<"$REGRESS"
PLANNED=$((${#regress_tests[@]} + (FUZZ_CALLS > 0 ? 1 : 0) + 1))
echo "1..$PLANNED"
n=0
failed=0
t0=$(date +%s)
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
finish() {
	echo "# memcheck took $(( $(date +%s) - t0 )) s in all"
	[ "$failed" -eq 0 ]
	exit $?
}
# every planned test not made yet is "not ok" (or, with "skip", skipped) for WHY
the_rest() {
	local how=$1 why=$2
	while [ "$n" -lt "$PLANNED" ]; do
		if [ "$how" = skip ]; then ok "memcheck # SKIP $why"; else notok "not run: $why"; fi
	done
	finish
}
stop_server() {
	if [ -f "$WORK/data/postmaster.pid" ]; then
		runuser -u postgres -- "$PGB/pg_ctl" -D "$WORK/data" -m fast -t 600 -w stop >/dev/null 2>&1 ||
			runuser -u postgres -- "$PGB/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1
	fi
}

for tool in valgrind make gcc; do
	command -v "$tool" >/dev/null 2>&1 || the_rest skip "no $tool (Debian: $tool)"
done

# a leftover server of an earlier run
stop_server
rm -rf "$WORK"
mkdir -p "$WORK/src" "$WORK/vg" "$R/lib/postgresql" "$R/share/postgresql"

# 1. the snapshot, built apart
# (a git work tree: its tracked and new files; else, as scripts/test's snapshot, all but build products)
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$SRC" && git ls-files -co --exclude-standard -- Makefile flowstream.control src sql expected |
		tar -cf - -T -) | tar -xf - -C "$WORK/src"
else
	tar -C "$SRC" --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - Makefile flowstream.control src sql expected |
		tar -xf - -C "$WORK/src"
fi
if make -C "$WORK/src" -s with_llvm=no PG_CONFIG=$SYS/bin/pg_config >"$WORK/build.log" 2>&1; then
	echo "# flowstream builds from a snapshot of the work tree (gcc -O2 -g)"
else
	sed 's/^/# /' "$WORK/build.log" | tail -n 20; the_rest fail "flowstream does not build"
fi

# 2. a private, relocated PostgreSQL 15 with that build installed
cp -a $SYS "$R/lib/postgresql/" && cp -a /usr/share/postgresql/15 "$R/share/postgresql/"
install -m 755 "$WORK/src/flowstream.so" "$R/lib/postgresql/15/lib/"
cp "$WORK/src/flowstream.control" "$WORK/src"/sql/flowstream--*.sql "$R/share/postgresql/15/extension/"
if [ "$("$PGB/pg_config" --pkglibdir)" != "$R/lib/postgresql/15/lib" ]; then
	the_rest fail "the copy of PostgreSQL is not relocatable: pg_config says $("$PGB/pg_config" --pkglibdir)"
fi
chown -R postgres "$WORK"
if ! runuser -u postgres -- "$PGB/initdb" -D "$WORK/data" --auth=trust --no-instructions -E UTF8 \
	--locale=C.UTF-8 >"$WORK/initdb.log" 2>&1; then
	sed 's/^/# /' "$WORK/initdb.log" | tail -n 20; the_rest fail "initdb failed"
fi
cat >>"$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$WORK'
fsync = off
jit = off
autovacuum = off
max_prepared_transactions = 10
shared_buffers = 32MB
CONF

# 3. the postmaster under valgrind
start=$(date +%s)
(cd "$WORK" && runuser -u postgres -- valgrind --tool=memcheck --quiet --trace-children=yes \
	--leak-check=no --track-origins="$TRACK" --num-callers=40 --read-var-info=no \
	--error-markers=VGERROR-BEGIN,VGERROR-END --gen-suppressions=all \
	--log-file="$WORK/vg/vg.%p.log" "$PGB/postgres" -D "$WORK/data" >"$WORK/server.log" 2>&1 &)
# (pg_isready's own time-out is 3 s: a backend under valgrind on a busy machine
# can take longer to answer, so it gets 60 s, and one answer is enough)
ready=0
for _ in $(seq 1 300); do
	pg_isready -q -t 60 -h "$WORK" -p "$PORT" && { ready=1; break; }
	sleep 1
done
if [ "$ready" -eq 1 ]; then
	echo "# PostgreSQL 15 under valgrind memcheck accepts connections ($(( $(date +%s) - start )) s)"
else
	tail -n 20 "$WORK/server.log" | sed 's/^/# /'
	stop_server; the_rest fail "the server under valgrind did not start"
fi
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres

# 4. pg_regress
start=$(date +%s)
make -C "$WORK/src" -s installcheck PG_CONFIG=$SYS/bin/pg_config REGRESS="$REGRESS" ISOLATION= \
	>"$WORK/regress.log" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
for t in $REGRESS; do
	line=$(grep -E "^(not ok|ok|test) +[0-9]* *-? *$t +\.\.\." "$WORK/regress.log" | head -n 1)
	[ -z "$line" ] && line=$(grep -E "[ ]$t +\.\.\." "$WORK/regress.log" | head -n 1)
	if echo "$line" | grep -qE '\.\.\. ok'; then
		ok "pg_regress $t under valgrind ($(echo "$line" | grep -oE '[0-9]+ ms'))"
	else
		notok "pg_regress $t under valgrind: ${line:-not run}"
	fi
done
if [ "$rc" -ne 0 ]; then
	echo "# make installcheck exited $rc"
	[ -f "$WORK/src/regression.diffs" ] && head -n 40 "$WORK/src/regression.diffs" | sed 's/^/# /'
	failed=$((failed + 1))	# the exit status says so, whatever the tests above say
fi
echo "# pg_regress ($REGRESS) took ${took} s under valgrind"

# 5. a short SQL fuzz: the managed layer, triggers, COPY binary, under valgrind too
if [ "$FUZZ_CALLS" -gt 0 ]; then
	start=$(date +%s)
	psql -X -q -d postgres -c "CREATE DATABASE flowstream_sqlfuzz_mc" >/dev/null 2>&1
	out=$(/usr/bin/python3 "$ROOT/test/sqlfuzz/sqlfuzz.py" --seed 3 --calls "$FUZZ_CALLS" \
		--seconds 1800 --dbname flowstream_sqlfuzz_mc 2>&1)
	took=$(( $(date +%s) - start ))
	first=$(echo "$out" | grep -E '^(not )?ok 1 ' | head -n 1)
	# every check of the fuzzer must hold under valgrind too, but that it
	# called every function: a run this short does not (the sqlfuzz suite's
	# longer runs check that)
	fuzz_failed=$(echo "$out" | grep -E '^not ok ' | grep -v 'functions was called')
	if echo "$first" | grep -q '^ok 1 ' && [ -z "$fuzz_failed" ]; then
		ok "sqlfuzz under valgrind: ${first#ok 1 - }, and its other checks hold ($took s)"
	else
		notok "sqlfuzz under valgrind: ${first:-did not run}${fuzz_failed:+; failed: $fuzz_failed}"
		echo "$out" | tail -n 15 | sed 's/^/# /'
	fi
	echo "$out" | grep -E '^(not )?ok ' | sed -e 's/^/#   sqlfuzz: /' \
		-e 's/not ok \(.*functions was called\)/(not counted here: a short run) \1/'
fi

stop_server

# 6. what valgrind found
errors=0
ours=0
# a frame in flowstream: its object, or one of its source files (valgrind names
# the file and line rather than the object when it has the debug information)
files=$(cd "$WORK/src/src" && ls *.c | sed 's/\.c$//' | paste -sd'|')
pattern="flowstream\\.so|[( ]($files)\\.[ch]:[0-9]+"
: >"$WORK/flowstream-errors.txt"
: >"$WORK/postgres-errors.txt"
for f in "$WORK"/vg/vg.*.log; do
	[ -f "$f" ] || continue
	awk -v ours="$WORK/flowstream-errors.txt" -v theirs="$WORK/postgres-errors.txt" -v file="$f" \
		-v pattern="$pattern" '
		/VGERROR-BEGIN/ { inblock = 1; block = ""; next }
		/VGERROR-END/ {
			inblock = 0
			out = (block ~ pattern) ? ours : theirs
			print "== " file > out
			print block > out
			next
		}
		inblock && /^==[0-9]+==/ { line = $0; sub(/^==[0-9]+== ?/, "", line); block = block line "\n" }
	' "$f"
done
errors=$(grep -c '^== ' "$WORK/postgres-errors.txt")
ours=$(grep -c '^== ' "$WORK/flowstream-errors.txt")
logs=$(ls "$WORK"/vg/vg.*.log 2>/dev/null | wc -l)
if [ "$ours" -eq 0 ]; then
	ok "valgrind: no error involving flowstream.so in $logs processes"
else
	notok "valgrind: $ours errors involving flowstream.so (all in $WORK/flowstream-errors.txt)"
	grep -vE '^\{|^\}|^   (fun|obj|Memcheck|<insert)' "$WORK/flowstream-errors.txt" | head -n 60 | sed 's/^/# /'
fi
echo "# valgrind also reported $errors errors with no flowstream frame (PostgreSQL's own, e.g. padding in"
echo "# WAL pages and the relcache init file; Debian's build has no valgrind suppressions): kinds:"
grep -E '^(Syscall param|Conditional jump|Use of uninit|Invalid|Source and dest|Mismatched)' \
	"$WORK/postgres-errors.txt" | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/#   /'
finish
