-- 34_story_chain.sql — accounts net their inflows against their outflows
-- (SPEC §6; ERC-1620's "multi-hop"), and meet the debt streams:
--
--   * A -> B -> C: B deposits nothing; its outflow to C is funded by A's
--     inflow alone.  When A is liquidated, B's critical time appears, and
--     B is liquidated in its turn.
--   * cycles: A -> B -> A, and A -> B -> C -> A, whose netflows cancel.
--   * one receiver of 300 flows, 37 of whose senders run dry and are
--     liquidated in one run.
--   * netflow(party, token [, at]) counts the debt streams too (streaming
--     ones only, and not a stream from a party to itself).
--   * the bridges: a flow fills q's account, q tops up a debt stream to r
--     from it (deposit_from_account), r withdraws the stream into its
--     account (withdraw_to_account, withdraw_max_to_account) and streams
--     on from there.
--
-- Roles: ch_a, ch_b, ch_c (the chain and the cycles), ch_p, ch_q, ch_r,
-- ch_s (the bridges), ch_app (flowstream_app, acting for fan:1 .. fan:300
-- and star), ch_admin (flowstream_admin, runs the sweeper).  Token CH,
-- 6 decimals, a buffer of 1 hour; token CHX for a stream in another token.
-- Times: t0 = 2026-01-01 00:00:00+00; "+N" = t0 + N seconds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(78);

CREATE ROLE ch_a;
CREATE ROLE ch_b;
CREATE ROLE ch_c;
CREATE ROLE ch_p;
CREATE ROLE ch_q;
CREATE ROLE ch_r;
CREATE ROLE ch_s;
CREATE ROLE ch_app IN ROLE flowstream_app;
CREATE ROLE ch_admin IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens (token, decimals) VALUES ('CH', 6), ('CHX', 6), ('CYC', 6), ('FAN', 6);
SET LOCAL TimeZone = 'UTC';

-- an account's (balance, available, netflow, buffer, status) at flowstream.now()
CREATE FUNCTION pg_temp.acct(text, text DEFAULT 'CH') RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT row(balance, available, netflow, buffer, status)::text FROM flowstream.accounts_now WHERE party = $1 AND token = $2$$;
CREATE FUNCTION pg_temp.sweep() RETURNS int
    LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
    SET LOCAL ROLE ch_admin;
    n := flowstream.liquidate_critical();
    RESET ROLE;
    RETURN n;
END $$;
-- the stored critical time of an account
CREATE FUNCTION pg_temp.critical_at(text, text DEFAULT 'CH') RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT critical_at FROM flowstream.accounts WHERE party = $1 AND token = $2$$;

----------------------------------------------------------------------------
-- A -> B -> C: B's outflow is funded by A's inflow alone
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE ch_a;
SELECT flowstream.account_deposit('ch_a', 'CH', 136) AS _ \gset
SELECT flowstream.open_flow('ch_a', 'ch_b', 'CH', 0.01) AS ab \gset
SET LOCAL ROLE ch_b;
SELECT throws_ok($$SELECT flowstream.open_flow('ch_b', 'ch_c', 'CH', 0.008)$$, 'SF013', 'insufficient available balance: 28.8 needed, 0 available',
    't0: B holds nothing yet, so it cannot lock a buffer');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 01:00:00+00';  -- +3600
SELECT is(pg_temp.acct('ch_b'), '(36.000000,36.000000,0.01,0.000000,healthy)', '+3600: A''s flow brought B 36');
SET LOCAL ROLE ch_b;
SELECT flowstream.open_flow('ch_b', 'ch_c', 'CH', 0.008) AS bc \gset
RESET ROLE;
SELECT is(pg_temp.acct('ch_b'), '(36.000000,7.200000,0.002,28.800000,healthy)', 'B streams 0.008/s to C: its netflow is 0.01 - 0.008 = +0.002');
SELECT is(flowstream.account_critical_time('ch_b', 'CH'), NULL, 'B is never critical while A streams to it');
SELECT is(pg_temp.critical_at('ch_b'), NULL, 'and the sweeper''s index has no time for it');
SET LOCAL flowstream.clock = '2026-01-01 01:23:20+00';  -- +5000
SELECT is(pg_temp.acct('ch_a'), '(86.000000,50.000000,-0.01,36.000000,healthy)', '+5000, A: 136 - 50');
SELECT is(pg_temp.acct('ch_b'), '(38.800000,10.000000,0.002,28.800000,healthy)', '+5000, B: 36 + 1400 s x 0.002, never having deposited');
SELECT is(pg_temp.acct('ch_c'), '(11.200000,11.200000,0.008,0.000000,healthy)', '+5000, C: 1400 s x 0.008');
SELECT is(flowstream.account_critical_time('ch_a', 'CH'), '2026-01-01 02:46:40.000001+00'::timestamptz, 'A: 100 available at 0.01/s, critical at +10000 s');
-- A runs dry and is liquidated on time: B loses its inflow
SET LOCAL flowstream.clock = '2026-01-01 02:46:40.000001+00';
SELECT is(pg_temp.sweep(), 1, 'at +10000.000001 the sweeper liquidates A (B is not critical)');
SELECT is(pg_temp.acct('ch_a'), '(35.999999,35.999999,0,0.000000,healthy)', 'A keeps its unburnt buffer');
SELECT is(pg_temp.acct('ch_b'), '(48.800000,20.000000,-0.008,28.800000,healthy)', 'B: 36 + 6400.000001 s x 0.002; now only paying 0.008/s');
SELECT is(flowstream.account_critical_time('ch_b', 'CH'), '2026-01-01 03:28:20.000002+00'::timestamptz,
    'B''s critical time appears: 20.000000002 available at 0.008/s');
SELECT is(pg_temp.critical_at('ch_b'), '2026-01-01 03:28:20.000002+00'::timestamptz,
    'the liquidation of A wrote B''s critical time into the sweeper''s index');
SET LOCAL flowstream.clock = '2026-01-01 03:28:20.000001+00';
SELECT is(pg_temp.sweep(), 0, 'a microsecond before it, B is not liquidated');
SET LOCAL flowstream.clock = '2026-01-01 03:28:20.000002+00';
SELECT is(pg_temp.sweep(), 1, 'at its critical time B is liquidated in its turn');
SELECT is(pg_temp.acct('ch_b'), '(28.799999,28.799999,0,0.000000,healthy)', 'B keeps its unburnt buffer, all of it from A');
SELECT is(pg_temp.acct('ch_c'), '(71.200000,71.200000,0,0.000000,healthy)', 'C: 8900.000002 s x 0.008');
SELECT results_eq(format($$SELECT flow_id, op::text, actor FROM flowstream.events WHERE flow_id IN (%s, %s) ORDER BY id$$, :ab, :bc),
    format($$VALUES (%s::bigint, 'open_flow', 'ch_a'), (%s, 'open_flow', 'ch_b'), (%s, 'liquidate', 'flowstream_sweeper'), (%s, 'liquidate', 'flowstream_sweeper')$$,
           :ab, :bc, :ab, :bc),
    'the chain''s history: two opens, two liquidations');
SELECT is((SELECT sum(balance) FROM flowstream.accounts_now WHERE token = 'CH'), 135.999998, 'A + B + C = 136 but for the sub-unit dust of two floors');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify(): the 136 are all there, exactly');

----------------------------------------------------------------------------
-- cycles: A -> B -> A, then A -> B -> C -> A (token CYC)
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-02 00:00:00+00';
SELECT flowstream.account_deposit('ch_a', 'CYC', 100) AS _ \gset
SELECT flowstream.account_deposit('ch_b', 'CYC', 100) AS _ \gset
SELECT flowstream.account_deposit('ch_c', 'CYC', 100) AS _ \gset
SET LOCAL ROLE ch_a;
SELECT flowstream.open_flow('ch_a', 'ch_b', 'CYC', 0.01) AS cab \gset
SET LOCAL ROLE ch_b;
SELECT flowstream.open_flow('ch_b', 'ch_a', 'CYC', 0.01) AS cba \gset
RESET ROLE;
SELECT ok(:cab <> :cba, 'A -> B and B -> A are two flows');
SELECT is(pg_temp.acct('ch_a', 'CYC'), '(100.000000,64.000000,0,36.000000,healthy)', 'A -> B -> A at the same rate: A''s netflow is 0, its buffer 36');
SELECT is(pg_temp.acct('ch_b', 'CYC'), '(100.000000,64.000000,0,36.000000,healthy)', 'and B''s');
SELECT is(flowstream.account_critical_time('ch_a', 'CYC'), NULL, 'a netflow of 0 is never critical');
SET LOCAL flowstream.clock = '2026-01-03 00:00:00+00';
SELECT is(pg_temp.acct('ch_a', 'CYC'), '(100.000000,64.000000,0,36.000000,healthy)', 'a day later A still holds 100 (864 went each way)');
SET LOCAL ROLE ch_b;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.004)', :cba), 'B lowers its flow back to A to 0.004/s');
RESET ROLE;
SELECT is(pg_temp.acct('ch_a', 'CYC'), '(100.000000,64.000000,-0.006,36.000000,healthy)', 'A now pays 0.006/s net');
SELECT is(pg_temp.acct('ch_b', 'CYC'), '(100.000000,85.600000,0.006,14.400000,healthy)', 'B receives 0.006/s net; its buffer is 14.4');
SET LOCAL ROLE ch_c;
SELECT flowstream.open_flow('ch_c', 'ch_a', 'CYC', 0.01) AS cca \gset
SET LOCAL ROLE ch_b;
SELECT flowstream.open_flow('ch_b', 'ch_c', 'CYC', 0.01) AS cbc \gset
RESET ROLE;
SELECT results_eq($$SELECT party, netflow FROM flowstream.accounts_now WHERE token = 'CYC' ORDER BY party$$,
    $$VALUES ('ch_a', 0.004), ('ch_b', -0.004), ('ch_c', 0::numeric)$$,
    'with A -> B -> C -> A at 0.01 and B -> A at 0.004 the netflows are +0.004, -0.004, 0');
SELECT is((SELECT sum(netflow) FROM flowstream.accounts_now WHERE token = 'CYC'), 0::numeric, 'the netflows of a token sum to 0');
SET LOCAL flowstream.clock = '2026-01-03 01:00:00+00';
SELECT results_eq($$SELECT party, balance FROM flowstream.accounts_now WHERE token = 'CYC' ORDER BY party$$,
    $$VALUES ('ch_a', 114.400000), ('ch_b', 85.600000), ('ch_c', 100.000000)$$,
    'an hour later: A +14.4, B -14.4, C unchanged; 300 in all');
-- the cycles end here
SET LOCAL ROLE ch_a;
SELECT flowstream.close_flow(:cab) AS _ \gset
SET LOCAL ROLE ch_b;
SELECT flowstream.close_flow(:cba) AS _ \gset
SELECT flowstream.close_flow(:cbc) AS _ \gset
SET LOCAL ROLE ch_c;
SELECT flowstream.close_flow(:cca) AS _ \gset
RESET ROLE;
SELECT results_eq($$SELECT party, balance, netflow, buffer FROM flowstream.accounts_now WHERE token = 'CYC' ORDER BY party$$,
    $$VALUES ('ch_a', 114.400000, 0::numeric, 0.000000), ('ch_b', 85.600000, 0, 0.000000), ('ch_c', 100.000000, 0, 0.000000)$$,
    'every flow of the cycles closed: no netflow, no buffer');

----------------------------------------------------------------------------
-- one receiver of 300 flows (token FAN): fan:i streams i x 0.000001/s to star
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-04 00:00:00+00';
SET LOCAL ROLE ch_app;
DO $$
BEGIN
    FOR i IN 1..300 LOOP
        PERFORM set_config('flowstream.actor', 'fan:' || i, true);
        PERFORM flowstream.account_deposit('fan:' || i, 'FAN', 2);
        PERFORM flowstream.open_flow('fan:' || i, 'star', 'FAN', i * 0.000001);
    END LOOP;
    PERFORM set_config('flowstream.actor', '', true);
END
$$;
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.flows WHERE receiver = 'star' AND closed_at IS NULL), 300::bigint, 'star receives 300 open flows');
SELECT is(flowstream.netflow('star', 'FAN'), 0.04515, 'star''s netflow: (1 + ... + 300) x 0.000001 = 0.04515');
SELECT is((SELECT count(DISTINCT actor) FROM flowstream.events WHERE op = 'open_flow' AND destination = 'star'), 300::bigint,
    'each flow opened by its own sender, through the app');
SELECT is(flowstream.account_critical_time('fan:300', 'FAN'), '2026-01-04 00:51:06.666667+00'::timestamptz,
    'fan:300: 2 - 1.08 of buffer = 0.92 available at 0.0003/s: critical after 3066.666667 s');
SET LOCAL flowstream.clock = '2026-01-04 01:06:40+00';  -- +4000 s
SELECT is(flowstream.account_balance('star', 'FAN'), 180.6, '+4000 s: star holds 0.04515 x 4000 = 180.6');
SELECT is((SELECT count(*) FROM flowstream.accounts_now WHERE token = 'FAN' AND status = 'critical'), 37::bigint,
    '+4000 s: fan:264 .. fan:300 are critical (2 - 0.0036 i < 0.004 i)');
SELECT is(pg_temp.sweep(), 37, 'one run of the sweeper liquidates the 37');
SELECT is((SELECT count(*) FROM flowstream.accounts_now WHERE status <> 'healthy'), 0::bigint, 'no account is critical any more');
SELECT is(flowstream.netflow('star', 'FAN'), 0.034716, 'star''s netflow is what fan:1 .. fan:263 still send: 34716 x 0.000001');
SELECT is((SELECT count(*) FROM flowstream.events WHERE op = 'liquidate' AND destination = 'star'), 37::bigint, 'one liquidate event per closed flow');
SELECT is((SELECT min(balance) FROM flowstream.accounts_now WHERE token = 'FAN' AND party LIKE 'fan:%'), 0.8,
    'no fan ran into a deficit: fan:300 kept 2 - 4000 x 0.0003 = 0.8');
SET LOCAL flowstream.clock = '2026-01-04 01:23:20+00';  -- +5000 s
SELECT is(flowstream.account_balance('star', 'FAN'), 215.316, '+5000 s: 180.6 + 1000 s x 0.034716');
SET LOCAL ROLE ch_app;
SELECT set_config('flowstream.actor', 'star', true) AS _ \gset
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', (SELECT id FROM flowstream.flows WHERE sender = 'fan:1' AND token = 'FAN')),
    'the receiver of 300 flows closes one of them');
SELECT set_config('flowstream.actor', '', true) AS _ \gset
RESET ROLE;
SELECT is(flowstream.netflow('star', 'FAN'), 0.034715, 'and receives 0.000001/s less');
SELECT is(flowstream.account_buffer('fan:1', 'FAN'), 0::numeric, 'fan:1 has its buffer back');
-- star closes the other 262 before they run dry
SET LOCAL ROLE ch_app;
SELECT set_config('flowstream.actor', 'star', true) AS _ \gset
SELECT count(flowstream.close_flow(id)) AS _ FROM (SELECT id FROM flowstream.flows WHERE receiver = 'star' AND closed_at IS NULL ORDER BY id) f \gset
SELECT set_config('flowstream.actor', '', true) AS _ \gset
RESET ROLE;
SELECT is(flowstream.netflow('star', 'FAN'), 0::numeric, 'star closed all of them');
SELECT is(flowstream.account_balance('star', 'FAN'), 215.316, 'star keeps what it received');

----------------------------------------------------------------------------
-- netflow(party, token): flows and debt streams in one figure
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-05 00:00:00+00';
SELECT flowstream.account_deposit('ch_c', 'CH', 100) AS _ \gset
SET LOCAL ROLE ch_c;
SELECT flowstream.open_flow('ch_c', 'ch_a', 'CH', 0.01) AS ca \gset
SELECT flowstream.create_stream('ch_c', 'ch_b', 'CH', 0.002, deposit => 10) AS s1 \gset
SELECT flowstream.create_stream('ch_c', 'ch_b', 'CH', 0.003, start_time => '2026-01-05 01:00:00+00') AS s2 \gset
SELECT flowstream.create_stream('ch_c', 'ch_c', 'CH', 0.5) AS s3 \gset
SELECT flowstream.create_stream('ch_c', 'ch_b', 'CHX', 0.7) AS s4 \gset
SET LOCAL ROLE ch_a;
SELECT flowstream.create_stream('ch_a', 'ch_c', 'CH', 0.004) AS s5 \gset
RESET ROLE;
SELECT is(flowstream.netflow('ch_c', 'CH'), -0.008,
    'c: -0.01 (flow to A) - 0.002 (stream to B) + 0.004 (stream from A); not the pending stream, its stream to itself, nor CHX');
SELECT is(flowstream.netflow('ch_b', 'CH'), 0.002, 'b: the stream from C');
SELECT is(flowstream.netflow('ch_a', 'CH'), 0.006, 'a: +0.01 (flow from C) - 0.004 (stream to C)');
SELECT is(flowstream.netflow('ch_b', 'CHX'), 0.7, 'b in CHX: a stream without accounts counts too');
SET LOCAL flowstream.clock = '2026-01-05 02:00:00+00';
SET LOCAL ROLE ch_c;
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s1), 'c pauses the stream to B');
RESET ROLE;
SELECT is(flowstream.netflow('ch_c', 'CH'), -0.009, 'c: the pending stream has started (-0.003), the paused one counts no more');
SELECT is(flowstream.netflow('ch_b', 'CH'), 0.003, 'b: only the stream that started');
SELECT is(flowstream.netflow('ch_c', 'CH', '2026-01-05 00:30:00+00'), -0.008, 'netflow(at) before the start and the pause: -0.008');
SELECT is(flowstream.netflow('ch_c', 'CH', '2026-01-05 01:30:00+00'), -0.011, 'netflow(at) between the start and the pause: -0.011');
SELECT is(flowstream.netflow('ch_c', 'CH', '2026-01-04 23:59:59+00'), 0::numeric, 'netflow(at) before any of it: 0');
SET LOCAL ROLE ch_c;
SELECT lives_ok(format('SELECT flowstream.void(%s)', :s2), 'c voids the stream that started');
RESET ROLE;
SELECT is(flowstream.netflow('ch_c', 'CH'), -0.006, 'c: a voided stream counts no more');
SET LOCAL ROLE ch_c;
SELECT flowstream.close_flow(:ca) AS _ \gset
RESET ROLE;
SELECT is(flowstream.netflow('ch_c', 'CH'), 0.004, 'c: with its flow closed, only the stream from A is left');

----------------------------------------------------------------------------
-- the bridges: flow -> account -> stream -> account -> flow
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-06 00:00:00+00';
SELECT flowstream.account_deposit('ch_p', 'CH', 100) AS _ \gset
SET LOCAL ROLE ch_p;
SELECT flowstream.open_flow('ch_p', 'ch_q', 'CH', 0.01) AS pq \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-06 00:16:40+00';  -- +1000: q has 10
SET LOCAL ROLE ch_q;
SELECT flowstream.create_stream('ch_q', 'ch_r', 'CH', 0.005) AS qr \gset
SELECT lives_ok(format('SELECT flowstream.deposit_from_account(%s, 10)', :qr), 'q funds its stream to r with the 10 its account received');
RESET ROLE;
SELECT is(pg_temp.acct('ch_q'), '(0.000000,0.000000,0.01,0.000000,healthy)', 'q''s account is empty, still receiving 0.01/s');
SELECT is(flowstream.netflow('ch_q', 'CH'), 0.005, 'q''s netflow: +0.01 from p, -0.005 to r');
SET LOCAL flowstream.clock = '2026-01-06 00:33:20+00';  -- +2000: the stream owes r 5
SET LOCAL ROLE ch_q;
SELECT lives_ok(format('SELECT flowstream.deposit_from_account(%s, 5)', :qr), 'q tops the stream up with 5 more from its account');
SET LOCAL ROLE ch_r;
SELECT is(flowstream.withdraw_to_account(:qr, 2), 2::numeric, 'r withdraws 2 of the 5 owed into its account');
RESET ROLE;
SELECT results_eq(format($$SELECT flowstream.balance(state), flowstream.total_debt(state) FROM flowstream.streams WHERE id = %s$$, :qr),
    $$VALUES (13.000000, 3.000000)$$, 'the stream: 10 + 5 - 2 = 13, 3 still owed');
SELECT is(pg_temp.acct('ch_q'), '(5.000000,5.000000,0.01,0.000000,healthy)', 'q: 10 more from p, 5 of them into the stream');
SET LOCAL flowstream.clock = '2026-01-06 00:50:00+00';  -- +3000: 8 withdrawable
SET LOCAL ROLE ch_r;
SELECT is(flowstream.withdraw_max_to_account(:qr), 8::numeric, 'r withdraws everything withdrawable into its account');
SELECT flowstream.open_flow('ch_r', 'ch_s', 'CH', 0.001) AS rs \gset
RESET ROLE;
SELECT is(pg_temp.acct('ch_r'), '(10.000000,6.400000,-0.001,3.600000,healthy)', 'r streams on to s from the 10 it withdrew');
SELECT is(flowstream.netflow('ch_r', 'CH'), 0.004, 'r''s netflow: +0.005 from the stream, -0.001 to s');
SELECT results_eq(format($$SELECT op::text, actor, amount, account_id IS NOT NULL FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :qr),
    $$VALUES ('create', 'ch_q', NULL::numeric, false), ('deposit_from_account', 'ch_q', 10.000000, true),
             ('deposit_from_account', 'ch_q', 5.000000, true), ('withdraw_to_account', 'ch_r', 2.000000, true),
             ('withdraw_to_account', 'ch_r', 8.000000, true)$$,
    'the stream''s history names the account of each bridge');
SET LOCAL flowstream.clock = '2026-01-06 01:06:40+00';  -- +4000
SELECT is(flowstream.account_balance('ch_s', 'CH'), 1::numeric, 's received 1000 s x 0.001');
SELECT is(
    (SELECT sum(balance) FROM flowstream.accounts_now WHERE party IN ('ch_p', 'ch_q', 'ch_r', 'ch_s') AND token = 'CH')
    + (SELECT flowstream.balance(state) FROM flowstream.streams WHERE id = :qr),
    100::numeric, 'p + q + r + s + the stream''s balance: the 100 p deposited');

SELECT is_empty('SELECT * FROM flowstream.deficits', 'no deficits');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
