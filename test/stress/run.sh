#!/usr/bin/env bash
# test/stress/run.sh — the differential stress test of the managed API (TAP, for prove).
#
#   test/stress/run.sh                                 # 100,000 operations, the fixed seed
#   test/stress/run.sh --ops 1000000 --seed 7          # the long run (about 20 minutes on 2 cores)
#   test/stress/run.sh --keep-going --no-shrink        # go past mismatches, one line each
#
# Seeded random sequences of create_stream, deposit, withdraw(_max), refund(_max),
# pause, restart, adjust_rate, void, transfer and set_void_after, as several roles
# (st_alice, st_bob, st_carol, st_eve, and st_app in flowstream_app acting for
# user:1 and user:2 through flowstream.actor) under the test clock, each compared
# with the independent model of test/stress/model.py: the value or SQLSTATE, the
# stream's row in flowstream.streams_now and its last event; flowstream.verify()
# every 2,000 operations.  On a mismatch it prints the seed and the shortest
# sequence it finds that still fails, as SQL for psql, and exits non-zero.
#
# It needs a running server with flowstream installed and a superuser in
# PGHOST/PGPORT/PGUSER (by default the cluster of scripts/test on FS_PORT), and Debian's
# python3-psycopg2.  It works in the database fs_stress (and fs_stress_shrink
# while shrinking), creating them when absent and the extension in them anew.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${FS_PORT:-54329}
export PGHOST=${PGHOST:-${FS_DIR:-/tmp/flowstream-pg-$port}} PGPORT=${PGPORT:-$port} PGUSER=${PGUSER:-postgres}
exec /usr/bin/python3 "$here/driver.py" "$@"
