#!/usr/bin/env bash
# A database with live streams, accounts and flows survives pg_dump and
# pg_restore: the same debts, accounts, flows and history, a clean verify(),
# ids that go on where they stopped, and a liquidation after the restore
# that does what it does in the original.  TAP output, for prove; on a cluster of its own (FS_PGBIN's
# PostgreSQL, with flowstream installed), in a directory of its own (mktemp),
# its socket there and no TCP, on port FS_PORT + 10.
set -euo pipefail
echo "1..14"
. "$(dirname "${BASH_SOURCE[0]}")/lib/own_cluster.bash"
own_cluster $((${FS_PORT:-54329} + 10))
src=fs_dump_src
dst=fs_dump_dst
dump=$work/flowstream.dump
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
differ() { diff <(q "$src" "$1") <(q "$dst" "$1") | sed 's/^/#   /' | head -n 20; }	# for a failure's diagnosis

"$PGBIN/dropdb" --if-exists "$src"; "$PGBIN/dropdb" --if-exists "$dst"
"$PGBIN/createdb" "$src"; "$PGBIN/createdb" "$dst"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
CREATE EXTENSION flowstream;
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('WEI', 18), ('JPY', 0);
SET flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.create_stream('postgres', 'bob', 'USDC', 0.001, deposit => 10) FROM generate_series(1, 3);
SELECT flowstream.create_stream('postgres', 'carol', 'WEI', 0.5, start_time => '2025-12-01 00:00:00+00');
SELECT flowstream.create_stream('postgres', 'dave', 'JPY', 2, start_time => '2026-02-01 00:00:00+00', deposit => 1000);
SET flowstream.clock = '2026-01-02 00:00:00+00';
SELECT flowstream.withdraw(1, 5), flowstream.pause(2), flowstream.deposit(4, 1000000), flowstream.void(3);
SELECT flowstream.restart(2, 0.002), flowstream.adjust_rate(5, 3);
-- a transfer, a grace, and a void that writes off more than 2^127 - 1 base units
SELECT flowstream.create_stream('postgres', 'postgres', 'WEI', 1000000000000000000, deposit => 1);
SELECT flowstream.create_stream('postgres', 'postgres', 'USDC', 1, deposit => 5);
SET flowstream.clock = '2026-01-03 00:00:00+00';
SELECT flowstream.set_void_after(6, '1 day'), flowstream.void(6), flowstream.transfer(7, 'zed');

-- accounts and flows (SPEC §6): USDC pays a liquidation's unburnt buffer to keeper
UPDATE flowstream.tokens SET liquidation_reward = 'keeper' WHERE token = 'USDC';
SELECT flowstream.account_deposit('alice', 'USDC', 1000), flowstream.account_deposit('bob', 'USDC', 50),
       flowstream.account_deposit('erin', 'USDC', 10), flowstream.account_deposit('wallet', 'WEI', 1.5);
BEGIN;
SET LOCAL flowstream.actor = 'alice';
SELECT flowstream.open_flow('alice', 'bob', 'USDC', 0.001), flowstream.open_flow('alice', 'carol', 'USDC', 0.002);
-- a stream funded from alice's account (a bridge): stream 8
SELECT flowstream.create_stream('alice', 'bob', 'USDC', 0.001);
SELECT flowstream.deposit_from_account(8, 20);
SET LOCAL flowstream.actor = 'bob';
SELECT flowstream.open_flow('bob', 'dave', 'USDC', 0.0001);
-- erin's flow locks 3.6 of her 10: critical after 6400 s, insolvent after 10000 s
SET LOCAL flowstream.actor = 'erin';
SELECT flowstream.open_flow('erin', 'frank', 'USDC', 0.001);
COMMIT;
SET flowstream.clock = '2026-01-03 01:00:00+00';
BEGIN;
SET LOCAL flowstream.actor = 'alice';
SELECT flowstream.update_flow(1, 0.003);
SET LOCAL flowstream.actor = 'bob';
SELECT flowstream.account_transfer('bob', 'carol', 'USDC', 10), flowstream.withdraw_to_account(8, 1);
SET LOCAL flowstream.actor = 'carol';
SELECT flowstream.account_withdraw('carol', 'USDC', 2);
SET LOCAL flowstream.actor = 'wallet';
SELECT flowstream.account_transfer('wallet', 'vault', 'WEI', 0.25);
COMMIT;
-- erin is critical: her flow is liquidated, what is left of her buffer paid to keeper
SET flowstream.clock = '2026-01-03 01:50:00+00';
SELECT flowstream.liquidate_critical();
SET flowstream.clock = '2026-01-03 02:00:00+00';
BEGIN;
SET LOCAL flowstream.actor = 'carol';
SELECT flowstream.close_flow(2);
-- stream 8 goes to zed, who withdraws into his own account
SET LOCAL flowstream.actor = 'bob';
SELECT flowstream.transfer(8, 'zed');
SET LOCAL flowstream.actor = 'zed';
SELECT flowstream.withdraw_to_account(8, 0.5);
COMMIT;
-- a flow whose buffer is above 2^127 - 1 base units (5 x 10^16 WEI/s for an hour: 1.8 x 10^38):
-- its replay finds the period that gives it; critical before 03:00, maintain() liquidates it
SELECT flowstream.account_deposit('whale', 'WEI', 170000000000000000000);
SELECT flowstream.account_deposit('whale', 'WEI', 170000000000000000000);
BEGIN;
SET LOCAL flowstream.actor = 'whale';
SELECT flowstream.open_flow('whale', 'vault', 'WEI', 50000000000000000);
COMMIT;
-- the rest of 0.2.0 beside accounts: stream 8 topped up from alice's account by maintain();
-- stream 9 (fixed terms) paid out into gina's account by it every hour; an operator of alice's
BEGIN;
SET LOCAL flowstream.actor = 'alice';
SELECT flowstream.create_fixed_stream('alice', 'gina', 'USDC', 100, '2026-01-03 02:00:00+00', '2026-02-03 02:00:00+00');
SELECT flowstream.set_auto_top_up(8, '1 day');
SELECT flowstream.approve_operator('alice', 'opco', ARRAY['create', 'rate'], 'USDC', 0.5);
SET LOCAL flowstream.actor = 'gina';
SELECT flowstream.set_auto_withdraw(9, '1 hour');
COMMIT;
SET flowstream.clock = '2026-01-03 03:00:00+00';
SELECT flowstream.maintain();
SQL

views="SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT string_agg(concat_ws('|', id, sender, recipient, token, state, flowstream.total_debt(state),
       flowstream.covered_debt(state), flowstream.uncovered_debt(state), flowstream.status(state)), E'\n' ORDER BY id)
FROM flowstream.streams"
stream_history="SELECT string_agg(concat_ws('|', id, stream_id, op, actor, amount, destination, at, state), E'\n' ORDER BY id)
FROM flowstream.events WHERE stream_id IS NOT NULL"
history="SELECT string_agg(e::text, E'\n' ORDER BY id) FROM flowstream.events e"
accounts="SELECT string_agg(a::text, E'\n' ORDER BY id) FROM flowstream.accounts a"
flows="SELECT string_agg(f::text, E'\n' ORDER BY id) FROM flowstream.flows f"
# verify() at the scenario's last time: later, flows would have drained accounts into deficits
verify="SET flowstream.clock = '2026-01-03 03:00:00+00'; SELECT * FROM flowstream.verify()"

"$PGBIN/pg_dump" -Fc -d "$src" -f "$dump"
if "$PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" 2>"$work/restore.err"; then
	echo "ok 1 - pg_restore of a database with live streams succeeds"
else
	echo "not ok 1 - pg_restore of a database with live streams succeeds"; sed 's/^/# /' "$work/restore.err"
fi
[ "$(q "$src" "$views")" = "$(q "$dst" "$views")" ] && [ -n "$(q "$dst" "$views")" ] \
	&& echo "ok 2 - the same streams and debts after the restore" \
	|| echo "not ok 2 - the same streams and debts after the restore"
[ "$(q "$src" "$stream_history")" = "$(q "$dst" "$stream_history")" ] \
	&& echo "ok 3 - the same history after the restore" \
	|| echo "not ok 3 - the same history after the restore"
[ -z "$(q "$src" "$verify")" ] && [ -z "$(q "$dst" "$verify")" ] \
	&& echo "ok 4 - verify() is clean before and after the restore" \
	|| echo "not ok 4 - verify() is clean before and after the restore"
next_src=$(q "$src" "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.create_stream('postgres', 'x', 'USDC', 1)")
next_dst=$(q "$dst" "SET flowstream.clock = '2026-03-01 00:00:00+00'; SELECT flowstream.create_stream('postgres', 'x', 'USDC', 1)")
[ "$next_src" = "$next_dst" ] && [ "$next_dst" = 10 ] \
	&& echo "ok 5 - stream ids go on where they stopped" \
	|| echo "not ok 5 - stream ids go on where they stopped ($next_src vs $next_dst)"
# a restored row that does not end its history is refused
if q "$dst" "INSERT INTO flowstream.streams (sender, recipient, token, state, last_event) SELECT sender, recipient, token, flowstream.deposit(state, 1, '2026-03-01Z'), last_event FROM flowstream.streams WHERE id = 1" 2>/dev/null; then
	echo "not ok 6 - a direct insert that does not end its history is refused"
else
	echo "ok 6 - a direct insert that does not end its history is refused"
fi

# accounts and flows
shape="SELECT string_agg(DISTINCT op::text, ',' ORDER BY op::text) FROM flowstream.events WHERE stream_id IS NULL OR account_id IS NOT NULL"
[ "$(q "$src" "$shape")" = "account_deposit,account_transfer,account_withdraw,close_flow,deposit_from_account,liquidate,open_flow,update_flow,withdraw_to_account" ] \
	&& [ "$(q "$src" "SELECT count(*) FROM flowstream.events WHERE op = 'account_transfer' AND destination = 'keeper'")" = 1 ] \
	&& echo "ok 7 - the dumped database has deposits, withdrawals, transfers, flows opened, updated, closed and liquidated (paying a reward), and bridges" \
	|| echo "not ok 7 - the dumped database has every kind of event of accounts ($(q "$src" "$shape"))"
[ "$(q "$src" "$accounts")" = "$(q "$dst" "$accounts")" ] && [ "$(q "$dst" "SELECT count(*) FROM flowstream.accounts")" = 12 ] \
	&& echo "ok 8 - the same accounts after the restore, every column" \
	|| { echo "not ok 8 - the same accounts after the restore, every column"; differ "$accounts"; }
[ "$(q "$src" "$flows")" = "$(q "$dst" "$flows")" ] && [ "$(q "$dst" "SELECT count(*) FROM flowstream.events WHERE op = 'open_flow' AND flow_buffer > 2 ^ 127 / 1e18")" = 1 ] \
	&& [ "$(q "$dst" "SELECT count(*) FROM flowstream.flows")" = 5 ] \
	&& echo "ok 9 - the same flows after the restore, every column (one opened with a buffer above 2^127 - 1 base units)" \
	|| echo "not ok 9 - the same flows after the restore, every column"
[ "$(q "$src" "$history")" = "$(q "$dst" "$history")" ] \
	&& echo "ok 10 - the same events after the restore, every column" \
	|| echo "not ok 10 - the same events after the restore, every column"
# the balances as the views show them, and the rest of 0.2.0's tables
balances="SET flowstream.clock = '2026-01-03 03:00:00+00';
SELECT string_agg(a::text, E'\n' ORDER BY party, token) FROM flowstream.accounts_now a"
# a week later, alice's flows have drained her account: a deficit
deficits="SET flowstream.clock = '2026-01-10 00:00:00+00';
SELECT string_agg(d::text, ',' ORDER BY party, token) FROM flowstream.deficits d"
[ "$(q "$src" "$balances")" = "$(q "$dst" "$balances")" ] && [ -n "$(q "$dst" "$balances")" ] \
	&& [ "$(q "$src" "$deficits")" = "$(q "$dst" "$deficits")" ] && [ -n "$(q "$dst" "$deficits")" ] \
	&& echo "ok 11 - the same balances, available balances, netflows, buffers, critical times and deficits" \
	|| { echo "not ok 11 - the same balances, available balances, netflows, buffers, critical times and deficits"; differ "$balances"; }
others="SELECT (SELECT string_agg(o::text, ',' ORDER BY party, operator) FROM flowstream.operators o) || ' / ' ||
       (SELECT string_agg(p::text, ',' ORDER BY stream_id) FROM flowstream.payouts p) || ' / ' ||
       (SELECT string_agg(concat_ws('|', id, proposed_rate, depletes_at, top_up_keep, top_up_at), ',' ORDER BY id)
        FROM flowstream.streams)"
[ "$(q "$src" "$others")" = "$(q "$dst" "$others")" ] && [ -n "$(q "$dst" "$others")" ] \
	&& [ "$(q "$src" "SELECT count(*) FROM flowstream.events WHERE op = 'deposit_from_account' AND actor = 'flowstream_sweeper'")" = 1 ] \
	&& echo "ok 12 - the same operators, payouts and top-ups (one made by maintain() from an account)" \
	|| { echo "not ok 12 - the same operators, payouts and top-ups (one made by maintain() from an account)"; differ "$others"; }
more="SET flowstream.clock = '2026-03-01 00:00:00+00';
BEGIN; SET LOCAL flowstream.actor = 'dave';
SELECT flowstream.account_deposit('newcomer', 'USDC', 1), flowstream.open_flow('dave', 'newcomer', 'USDC', 0.00001);
COMMIT;
SELECT id FROM flowstream.accounts WHERE party = 'newcomer'"
[ "$(q "$src" "$more")" = "$(q "$dst" "$more")" ] && [ "$(q "$dst" "$flows")" = "$(q "$src" "$flows")" ] \
	&& echo "ok 13 - account and flow ids go on where they stopped" \
	|| echo "not ok 13 - account and flow ids go on where they stopped"
# critical_at was computed again on the way in: the sweeper finds the same accounts
sweep="SET flowstream.clock = '2026-01-10 00:00:00+00'; SELECT flowstream.liquidate_critical()"
swept_src=$(q "$src" "$sweep"); swept_dst=$(q "$dst" "$sweep")
[ "$swept_src" = "$swept_dst" ] && [ "$swept_dst" -gt 0 ] && [ "$(q "$src" "$accounts")" = "$(q "$dst" "$accounts")" ] \
	&& [ "$(q "$src" "$history")" = "$(q "$dst" "$history")" ] \
	&& echo "ok 14 - a liquidation after the restore liquidates what it does in the original ($swept_dst)" \
	|| echo "not ok 14 - a liquidation after the restore liquidates what it does in the original ($swept_src vs $swept_dst)"
