# scripts/lib.sh — shared by scripts/demo and scripts/test: install what is
# missing, build the extension into a private copy of PostgreSQL 15 and run a
# throwaway cluster (as the postgres user, pg_cron preloaded) on a private
# port and socket directory.  Sourced, not run.
#
# Everything of a run lives under FS_DIR (by default /tmp/flowstream-pg-$FS_PORT):
#   $FS_DIR/pg     a relocated PostgreSQL 15 with flowstream (from FS_SRC) installed
#   $FS_DIR/data   the cluster; its socket is $FS_DIR itself
# FS_SRC is the source tree that is built: this checkout, or the snapshot of
# it that scripts/test takes (so that two runs never build in the same tree).
# Debian's PostgreSQL finds its lib and share directories relative to its
# binaries, so a copy of the binaries with links to the rest is a complete
# installation of its own: two runs with different FS_PORT, or two checkouts,
# never install over each other, and the system-wide PostgreSQL is left alone.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SYS_PG=/usr/lib/postgresql/15
FS_PORT=${FS_PORT:-54329}
FS_DIR=${FS_DIR:-/tmp/flowstream-pg-$FS_PORT}
FS_SRC=${FS_SRC:-$ROOT}
# The repository's history, for the tests that build an old release: the
# checkout's, which scripts/test exports before its tests run from a
# snapshot without one.
FS_GIT_DIR=${FS_GIT_DIR:-$(git -C "$ROOT" rev-parse --absolute-git-dir 2>/dev/null || true)}
export FS_GIT_DIR
FS_TREE=$FS_DIR/pg
PGBIN=$FS_TREE/usr/lib/postgresql/15/bin
PG_CONFIG=$PGBIN/pg_config
FS_DB=flowstream
PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap postgresql-15-cron
libtap-parser-sourcehandler-pgtap-perl make gcc libipc-run-perl python3
python3-sqlalchemy python3-psycopg2 python3-django pgbouncer clang-14 libclang-rt-14-dev valgrind"

export PGHOST=$FS_DIR PGPORT=$FS_PORT PGUSER=postgres FS_PGBIN=$PGBIN FS_PORT FS_DIR

say() { printf '\n== %s\n' "$*"; }

# Installs the Debian packages that are not there yet (apt-get update only then).
install_packages() {
	local missing=()
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	# Node.js for the Sequelize and TypeORM stories: Debian's, unless a node
	# and npm are there already (NodeSource's nodejs carries its own npm,
	# which Debian's npm package would conflict with)
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		missing+=(nodejs npm)
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

# make_tree DIR: a relocated PostgreSQL 15 under DIR/usr, without flowstream.
# The binaries are copied (PostgreSQL resolves symbolic links to find itself);
# the libraries, the share files and the headers are linked, one by one into
# real directories wherever `make install` writes (lib, lib/bitcode,
# share/extension): a linked directory would take this checkout's files into
# the system's PostgreSQL, and show it the system's flowstream files.
make_tree() {
	local tree=$1 f
	rm -rf "$tree"
	mkdir -p "$tree/usr/lib/postgresql/15/lib/bitcode" "$tree/usr/share/postgresql/15/extension"
	cp -a "$SYS_PG/bin" "$tree/usr/lib/postgresql/15/bin"
	ln -s /usr/include "$tree/usr/include"
	for f in "$SYS_PG"/lib/*; do
		case ${f##*/} in flowstream*|bitcode) ;; *) ln -s "$f" "$tree/usr/lib/postgresql/15/lib/" ;; esac
	done
	for f in "$SYS_PG"/lib/bitcode/*; do
		[ -e "$f" ] || continue
		case ${f##*/} in flowstream*) ;; *) ln -s "$f" "$tree/usr/lib/postgresql/15/lib/bitcode/" ;; esac
	done
	for f in /usr/share/postgresql/15/*; do
		[ "${f##*/}" = extension ] || ln -s "$f" "$tree/usr/share/postgresql/15/"
	done
	for f in /usr/share/postgresql/15/extension/*; do
		case ${f##*/} in flowstream*) ;; *) ln -s "$f" "$tree/usr/share/postgresql/15/extension/" ;; esac
	done
}

# build_release COMMIT DIR: flowstream as it was at COMMIT (from this
# repository's history) built into a PostgreSQL copy of its own: the sources
# in DIR/src, the copy in DIR/pg, make's output in DIR/build.log.  Returns
# non-zero when a step fails (callers check: it is run in an `if`).
RELEASE_0_1_0=c254f0b			# the commit released as 0.1.0
build_release() {
	local commit=$1 dir=$2
	local pgc=$dir/pg/usr/lib/postgresql/15/bin/pg_config
	[ -n "$FS_GIT_DIR" ] && mkdir -p "$dir/src" &&
		git --git-dir="$FS_GIT_DIR" archive "$commit" | tar -x -C "$dir/src" &&
		make_tree "$dir/pg" &&
		make -C "$dir/src" -s PG_CONFIG="$pgc" >"$dir/build.log" 2>&1 &&
		make -C "$dir/src" -s PG_CONFIG="$pgc" install >>"$dir/build.log" 2>&1
}

# (each step chained: callers may run these in an `if`, where set -e is off)
build_install() {
	say "building flowstream into $FS_TREE"
	make_tree "$FS_TREE" &&
		make -C "$FS_SRC" -s PG_CONFIG=$PG_CONFIG >/dev/null &&
		make -C "$FS_SRC" -s PG_CONFIG=$PG_CONFIG install >/dev/null
}

stop_cluster() {
	if [ -f "$FS_DIR/data/postmaster.pid" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$FS_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
}

# A fresh directory every time: a second run never sees the first one's data.
fresh_dir() {
	stop_cluster
	rm -rf "$FS_DIR"
	install -d -o postgres -g postgres -m 700 "$FS_DIR"
}

start_cluster() {
	say "starting a throwaway PostgreSQL 15 on port $FS_PORT ($FS_DIR)"
	runuser -u postgres -- "$PGBIN/initdb" -D "$FS_DIR/data" --auth=trust \
		--no-instructions -E UTF8 --locale=C.UTF-8 >/dev/null || return
	cat >>"$FS_DIR/data/postgresql.conf" <<CONF || return
port = $FS_PORT
listen_addresses = ''
unix_socket_directories = '$FS_DIR'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$FS_DB'
cron.host = '$FS_DIR'
max_prepared_transactions = 10
fsync = off
CONF
	trap stop_cluster EXIT
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$FS_DIR/data" -l "$FS_DIR/server.log" -w start >/dev/null &&
		"$PGBIN/createdb" "$FS_DB"
}

# Everything both commands need: packages, a private build, a running cluster.
setup() {
	install_packages
	fresh_dir
	build_install
	start_cluster
}
