# test/shell/lib/own_cluster.bash — sourced by the shell tests that run a
# cluster of their own (not a test: the runner takes test/shell/*.sh only).
#
#   own_cluster PORT [CONF LINE...]
#
# A mktemp directory $work (chmod 755, owned by postgres) with a cluster in
# $work/data initdb'd by FS_PGBIN's PostgreSQL, its socket in $work and no
# TCP, on PORT, started, with the extra lines of postgresql.conf given (@DIR@
# in them stands for $work); an EXIT trap stops it and removes $work.
# Exports PGHOST, PGPORT and PGUSER for it, and sets PGBIN.
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}

own_cluster_cleanup() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}

own_cluster() {
	local port=$1 line
	shift
	work=$(mktemp -d)
	chmod 755 "$work"
	chown postgres "$work"
	trap own_cluster_cleanup EXIT
	export PGHOST=$work PGPORT=$port PGUSER=postgres
	runuser -u postgres -- "$PGBIN/initdb" -D "$work/data" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	{
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$work'"
		echo "fsync = off"
		for line in "$@"; do echo "${line//@DIR@/$work}"; done
	} >>"$work/data/postgresql.conf"
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
}
