-- 31_story_superfluid.sql — Superfluid's own example of money streaming
-- (seeds/superfluid-money-streaming.txt, "Monitoring Account A's Current
-- Balance"), to the base unit of an 18-decimal token:
--
--   1. A holds 1000 USDCx and streams 0.01/s to B: after 1000 s, 990.
--   2. A raises the flow to 0.02/s: static balance 990, current 990.
--   3. After 2000 s: 950.
--   4. C streams 0.04/s to A: current balance 950.
--   5. After 1000 s: 970.
--   6. A deletes its outbound flow: static balance 970, current 970.
--
-- Every step checks A's, B's (the receiver) and C's (a third party, until
-- it streams to A) balance, available balance, netflow and buffer (1 hour
-- of each flow: the token's default buffer_period), the event, the static
-- balance and settled time recorded in it, and that the three balances sum
-- to what was deposited.  Plus the CFA page's conversions of a monthly and
-- a yearly rate to wei per second.
--
-- Roles: sf_a, sf_b, sf_c.  Token USDCx, 18 decimals.
-- Times: t0 = 2026-01-01 00:00:00+00; "+N" = t0 + N seconds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(66);

CREATE ROLE sf_a;
CREATE ROLE sf_b;
CREATE ROLE sf_c;
INSERT INTO flowstream.tokens (token, decimals) VALUES ('USDCx', 18);
SET LOCAL TimeZone = 'UTC';

-- one account as (balance, available, netflow, buffer), at flowstream.now()
CREATE FUNCTION pg_temp.acct(text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT row(flowstream.account_balance($1, 'USDCx'), flowstream.account_available($1, 'USDCx'),
                    flowstream.netflow($1, 'USDCx'), flowstream.account_buffer($1, 'USDCx'))::text$$;
CREATE FUNCTION pg_temp.row4(numeric, numeric, numeric, numeric) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$SELECT row($1::numeric(40,18), $2::numeric(40,18), $3, $4::numeric(40,18))::text$$;
-- the sum of the three balances (exact: 18 decimals)
CREATE FUNCTION pg_temp.total() RETURNS numeric
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT sum(flowstream.account_balance(p, 'USDCx')) FROM unnest(ARRAY['sf_a', 'sf_b', 'sf_c']) p$$;
-- the account of the last event, as it recorded it
CREATE FUNCTION pg_temp.recorded(text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT CASE WHEN e.account_id = a.id THEN e.account ELSE e.peer END::text
          FROM flowstream.events e JOIN flowstream.accounts a ON a.id IN (e.account_id, e.peer_id)
          WHERE a.party = $1 ORDER BY e.id DESC LIMIT 1$$;

----------------------------------------------------------------------------
-- the CFA page's conversions (seeds/superfluid-cfa.txt)
----------------------------------------------------------------------------
SELECT is(flowstream.rate(10, '1 month') * 1e18, 3805175038051::numeric,
    '10 DAIx per month: 3805175038051 wei/s (10e18 / 2628000 s, floored; the page rounds to ...052)');
SELECT is(flowstream.rate(100, '1 year') * 1e18, 3170979198376::numeric,
    '100 DAIx per year: 3170979198376 wei/s, as the page says');
SELECT is(flowstream.rate(100, '1 month'), 0.000038051750380517,
    '"100 USDCx/mo." is 0.000038051750380517 USDCx/s');

----------------------------------------------------------------------------
-- t0: A holds 1000 USDCx and opens a flow of 0.01/s to B; C holds 500
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE sf_a;
SELECT lives_ok($$SELECT flowstream.account_deposit('sf_a', 'USDCx', 1000)$$, 'A wraps 1000 USDCx');
SET LOCAL ROLE sf_c;
SELECT lives_ok($$SELECT flowstream.account_deposit('sf_c', 'USDCx', 500)$$, 'C wraps 500 USDCx');
SET LOCAL ROLE sf_a;
SELECT flowstream.open_flow('sf_a', 'sf_b', 'USDCx', 0.01) AS ab \gset
RESET ROLE;
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(1000, 964, -0.01, 36), 't0, A: balance 1000, buffer 36 (3600 s x 0.01), available 964, netflow -0.01');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(0, 0, 0.01, 0), 't0, B: balance 0, netflow +0.01');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(500, 500, 0, 0), 't0, C: 500, no flow');
SELECT is(pg_temp.total(), 1500::numeric, 't0: 1500 in all');
SELECT is(pg_temp.recorded('sf_a'),
    '(decimals=18,balance=1000.000000000000000000,netflow=-0.01,buffer=36,settled_at=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z)',
    't0, A''s state in the open_flow event: static balance 1000, settled at t0');
SELECT is(flowstream.account_insolvency_time('sf_a', 'USDCx'), '2026-01-02 03:46:40.000001+00'::timestamptz,
    't0: at 0.01/s A''s 1000 would last 100000 s');
SELECT is(flowstream.account_critical_time('sf_a', 'USDCx'), '2026-01-02 02:46:40.000001+00'::timestamptz,
    't0: and its buffer would start to burn an hour earlier');

-- halfway: +500
SET LOCAL flowstream.clock = '2026-01-01 00:08:20+00';
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(995, 959, -0.01, 36), '+500, A: 995 (real-time balance -5)');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(5, 5, 0.01, 0), '+500, B: 5, without any transaction');
SELECT is(pg_temp.total(), 1500::numeric, '+500: 1500 in all');

----------------------------------------------------------------------------
-- 1. +1000: A's current balance is 990
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:16:40+00';
SELECT is(flowstream.account_balance('sf_a', 'USDCx'), 990.000000000000000000, '1. +1000: A''s current balance is 990 USDCx');
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(990, 954, -0.01, 36), '1. +1000, A: 990, available 954');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(10, 10, 0.01, 0), '1. +1000, B: 10');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(500, 500, 0, 0), '1. +1000, C: 500');
SELECT is(pg_temp.total(), 1500::numeric, '1. +1000: 1500 in all');

----------------------------------------------------------------------------
-- 2. A raises the flow to 0.02/s: static balance 990, current 990
----------------------------------------------------------------------------
SET LOCAL ROLE sf_a;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.02)', :ab), '2. A raises the flow to 0.02/s');
RESET ROLE;
SELECT is(pg_temp.recorded('sf_a'),
    '(decimals=18,balance=990.000000000000000000,netflow=-0.02,buffer=72,settled_at=2026-01-01T00:16:40Z,last_op=2026-01-01T00:16:40Z)',
    '2. the update settled A: static balance 990 at the CRUD timestamp +1000, netflow -0.02');
SELECT is(pg_temp.recorded('sf_b'),
    '(decimals=18,balance=10.000000000000000000,netflow=0.02,buffer=0,settled_at=2026-01-01T00:16:40Z,last_op=2026-01-01T00:16:40Z)',
    '2. and B: static balance 10 at +1000, netflow +0.02');
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(990, 918, -0.02, 72), '2. A: current balance 990, buffer 72, available 918');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(10, 10, 0.02, 0), '2. B: 10, netflow +0.02');
SELECT is(pg_temp.total(), 1500::numeric, '2. 1500 in all');
SELECT is(flowstream.account_balance('sf_a', 'USDCx', '2026-01-01 00:08:20+00'), 995.000000000000000000,
    '2. the history still knows +500: 995');

-- +2000, halfway through step 3
SET LOCAL flowstream.clock = '2026-01-01 00:33:20+00';
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(970, 898, -0.02, 72), '+2000, A: 990 - 1000 s x 0.02 = 970');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(30, 30, 0.02, 0), '+2000, B: 30');

----------------------------------------------------------------------------
-- 3. +3000 (2000 s later): 950
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:50:00+00';
SELECT is(flowstream.account_balance('sf_a', 'USDCx'), 950.000000000000000000, '3. +3000: A''s current balance is 950 USDCx');
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(950, 878, -0.02, 72), '3. +3000, A: 950, available 878');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(50, 50, 0.02, 0), '3. +3000, B: 50');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(500, 500, 0, 0), '3. +3000, C: 500');
SELECT is(pg_temp.total(), 1500::numeric, '3. +3000: 1500 in all');

----------------------------------------------------------------------------
-- 4. C streams 0.04/s to A: A's current balance is 950, its netflow +0.02
----------------------------------------------------------------------------
SET LOCAL ROLE sf_c;
SELECT flowstream.open_flow('sf_c', 'sf_a', 'USDCx', 0.04) AS ca \gset
RESET ROLE;
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(950, 878, 0.02, 72),
    '4. A: current balance 950, netflow 0.04 - 0.02 = +0.02, its buffer still 72 (an inflow locks nothing)');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(500, 356, -0.04, 144), '4. C: 500, buffer 144, available 356, netflow -0.04');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(50, 50, 0.02, 0), '4. B: 50, still +0.02');
SELECT is(pg_temp.recorded('sf_a'),
    '(decimals=18,balance=950.000000000000000000,netflow=0.02,buffer=72,settled_at=2026-01-01T00:50:00Z,last_op=2026-01-01T00:50:00Z)',
    '4. the inbound flow settled A at +3000: static balance 950');
SELECT is(flowstream.account_critical_time('sf_a', 'USDCx'), NULL, '4. a positive netflow: A is never critical');
SELECT is(flowstream.account_insolvency_time('sf_a', 'USDCx'), NULL, '4. nor insolvent');
SELECT is(pg_temp.total(), 1500::numeric, '4. 1500 in all');

----------------------------------------------------------------------------
-- 5. +4000 (1000 s later): 970
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 01:06:40+00';
SELECT is(flowstream.account_balance('sf_a', 'USDCx'), 970.000000000000000000, '5. +4000: A''s current balance is 970 USDCx');
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(970, 898, 0.02, 72), '5. +4000, A: 950 + 1000 s x 0.02 = 970, available 898');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(70, 70, 0.02, 0), '5. +4000, B: 70');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(460, 316, -0.04, 144), '5. +4000, C: 460');
SELECT is(pg_temp.total(), 1500::numeric, '5. +4000: 1500 in all');

----------------------------------------------------------------------------
-- 6. A deletes its outbound flow: static balance 970, current 970
----------------------------------------------------------------------------
SET LOCAL ROLE sf_a;
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :ab), '6. A deletes its outbound flow');
RESET ROLE;
SELECT is(pg_temp.recorded('sf_a'),
    '(decimals=18,balance=970.000000000000000000,netflow=0.04,buffer=0,settled_at=2026-01-01T01:06:40Z,last_op=2026-01-01T01:06:40Z)',
    '6. static balance 970 at +4000, netflow +0.04, no buffer');
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(970, 970, 0.04, 0), '6. A: current balance 970, the buffer back: available 970');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(70, 70, 0, 0), '6. B: 70, no flow');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(460, 316, -0.04, 144), '6. C: 460, still streaming to A');
SELECT is(pg_temp.total(), 1500::numeric, '6. 1500 in all');

-- afterwards: only C's flow moves
SET LOCAL flowstream.clock = '2026-01-01 01:23:20+00';
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(1010, 1010, 0.04, 0), '+5000, A: 970 + 40');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(70, 70, 0, 0), '+5000, B: 70');
SELECT is(pg_temp.acct('sf_c'), pg_temp.row4(420, 276, -0.04, 144), '+5000, C: 420');
SELECT is(pg_temp.total(), 1500::numeric, '+5000: 1500 in all');

-- lump sums change static balances only (transfer, unwrap)
SET LOCAL ROLE sf_b;
SELECT lives_ok($$SELECT flowstream.account_transfer('sf_b', 'sf_a', 'USDCx', 20)$$, 'B transfers 20 to A');
SELECT is(flowstream.account_withdraw('sf_b', 'USDCx', 50), 50.000000000000000000, 'B unwraps 50');
RESET ROLE;
SELECT is(pg_temp.acct('sf_a'), pg_temp.row4(1030, 1030, 0.04, 0), 'A: 1010 + 20, netflow unchanged');
SELECT is(pg_temp.acct('sf_b'), pg_temp.row4(0, 0, 0, 0), 'B: 70 - 20 - 50 = 0');
SELECT is(pg_temp.total(), 1450::numeric, '1500 deposited less 50 withdrawn');

----------------------------------------------------------------------------
-- the history, step by step
----------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT e.op::text, e.actor, e.amount, e.at FROM flowstream.events e
      JOIN flowstream.accounts a ON a.id = e.account_id WHERE a.token = 'USDCx' ORDER BY e.id$$,
    $$VALUES ('account_deposit', 'sf_a', 1000.000000000000000000, '2026-01-01 00:00:00+00'::timestamptz),
             ('account_deposit', 'sf_c', 500.000000000000000000, '2026-01-01 00:00:00+00'),
             ('open_flow', 'sf_a', 0.01, '2026-01-01 00:00:00+00'),
             ('update_flow', 'sf_a', 0.02, '2026-01-01 00:16:40+00'),
             ('open_flow', 'sf_c', 0.04, '2026-01-01 00:50:00+00'),
             ('close_flow', 'sf_a', NULL, '2026-01-01 01:06:40+00'),
             ('account_transfer', 'sf_b', 20.000000000000000000, '2026-01-01 01:23:20+00'),
             ('account_withdraw', 'sf_b', 50.000000000000000000, '2026-01-01 01:23:20+00')$$,
    'one event per operation, at its CRUD timestamp');
SELECT is(flowstream.balance(flowstream.account_state_at('sf_a', 'USDCx', '2026-01-01 00:50:00+00'), '2026-01-01 01:06:40+00'),
    970.000000000000000000, 'the state recorded at step 4, read at step 5: 970');
SELECT is(flowstream.account_balance('sf_a', 'USDCx', '2026-01-01 00:50:00+00'), 950.000000000000000000, 'account_balance at step 3 from the history: 950');
SELECT is(flowstream.account_balance('sf_b', 'USDCx', '2026-01-01 01:06:40+00'), 70.000000000000000000, 'account_balance of B at step 6: 70');

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
