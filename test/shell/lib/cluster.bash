# test/shell/lib/cluster.bash — sourced by a shell test (not a test itself:
# scripts/test runs test/shell/*.sh only) for a throwaway cluster of its own,
# started by scripts/lib.sh's start_cluster: FS_PGBIN's PostgreSQL (with
# flowstream installed), pg_cron preloaded and running its jobs in the
# database flowstream (created), in a mktemp directory with its socket there
# and no TCP, on port FS_PORT + OFFSET.
#
#   own_cluster OFFSET   start it, to be stopped and removed at exit (its
#                        trap); PGHOST, PGPORT, PGUSER name it, PGBIN is
#                        FS_PGBIN.  When it does not start, the test's TAP
#                        is one failed test, and the test exits.
#   own_cluster_stop     stop it and remove its directory (the trap)

own_cluster() {
	local pgbin=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
	OWN_CLUSTER_WORK=$(mktemp -d)
	chmod 755 "$OWN_CLUSTER_WORK"
	FS_PORT=$((${FS_PORT:-54329} + $1))
	FS_DIR=$OWN_CLUSTER_WORK/pg
	# shellcheck source=../../../scripts/lib.sh
	source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lib.sh"
	set +e
	PGBIN=$pgbin
	export FS_PGBIN=$pgbin
	install -d -o postgres -g postgres -m 700 "$FS_DIR"
	start_cluster >"$OWN_CLUSTER_WORK/start.log" 2>&1
	local rc=$?
	trap own_cluster_stop EXIT		# in place of start_cluster's
	if [ $rc -ne 0 ]; then
		echo "1..1"
		echo "not ok 1 - a cluster of its own on port $FS_PORT"
		cat "$OWN_CLUSTER_WORK/start.log" "$FS_DIR/server.log" 2>/dev/null | tail -n 20 | sed 's/^/# /'
		exit 1
	fi
}

own_cluster_stop() {
	[ -n "${OWN_CLUSTER_WORK:-}" ] || return 0
	stop_cluster
	rm -rf "$OWN_CLUSTER_WORK"
}
