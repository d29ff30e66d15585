# scripts/lib.sh — shared by scripts/demo and scripts/test: install what is
# missing, build and install the extension, and run a throwaway PostgreSQL 15
# cluster (as the postgres user, pg_cron preloaded) on a private port and
# socket directory.  Sourced, not run.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PGBIN/pg_config
FS_PORT=${FS_PORT:-54329}
FS_DIR=${FS_DIR:-/tmp/flowstream-pg-$FS_PORT}
FS_DB=flowstream
PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap postgresql-15-cron
libtap-parser-sourcehandler-pgtap-perl make gcc libipc-run-perl python3
python3-sqlalchemy python3-psycopg2 clang-14 libclang-rt-14-dev valgrind"

export PGHOST=$FS_DIR PGPORT=$FS_PORT PGUSER=postgres

say() { printf '\n== %s\n' "$*"; }

# Installs the Debian packages that are not there yet (apt-get update only then).
install_packages() {
	local missing=()
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

build_install() {
	say "building flowstream"
	make -C "$ROOT" -s PG_CONFIG=$PG_CONFIG >/dev/null
	make -C "$ROOT" -s PG_CONFIG=$PG_CONFIG install >/dev/null
}

stop_cluster() {
	if [ -f "$FS_DIR/data/postmaster.pid" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$FS_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
}

# A fresh cluster every time: a second run never sees the first one's data.
start_cluster() {
	stop_cluster
	rm -rf "$FS_DIR"
	install -d -o postgres -g postgres -m 700 "$FS_DIR"
	say "starting a throwaway PostgreSQL 15 on port $FS_PORT ($FS_DIR)"
	runuser -u postgres -- "$PGBIN/initdb" -D "$FS_DIR/data" --auth=trust \
		--no-instructions -E UTF8 --locale=C.UTF-8 >/dev/null
	cat >>"$FS_DIR/data/postgresql.conf" <<CONF
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
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$FS_DIR/data" -l "$FS_DIR/server.log" -w start >/dev/null
	"$PGBIN/createdb" "$FS_DB"
}

# Everything both commands need: packages, build, a running cluster.
setup() {
	install_packages
	build_install
	start_cluster
}
