-- 23_story_topup.sql — an insolvent stream topped up: uncovered debt, then
-- covered by a deposit from a third party.
--
-- t23_alice pays t23_bob 0.5 T23USD (6 decimals) a second, 100 deposited at
-- t0 = 2026-03-01 00:00:00+00.
--   depletion: td >= 100.000001 at 100.000001 / 0.5 = 200.000002 s = 00:03:20.000002
--   +300 s: owed 150, covered 100, uncovered 50; bob withdraws the 100
--           (snapshot: sd = 150 - 100 = 50, st = +300; balance 0)
--   +300 s: t23_eve (anyone) deposits 80: covered 50, refundable 30
--           new depletion: ongoing >= 80.000001 - 50 = 30.000001 -> 60.000002 s -> 00:06:00.000002
--   +320 s: owed 50 + 10 = 60; bob withdraws 60 (sd = 60 - 60 = 0, st = +320; balance 20)
--           depletion: 20.000001 / 0.5 = 40.000002 s -> 00:06:00.000002 (the same instant)
-- Check: deposits 180 = balance 20 + withdrawn 160; accrued 0.5 * 320 = 160 = td 0 + 160.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(23);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t23_alice;
CREATE ROLE t23_bob;
CREATE ROLE t23_eve;
INSERT INTO flowstream.tokens VALUES ('T23USD', 6);

SET LOCAL flowstream.clock = '2026-03-01 00:00:00+00';
SET LOCAL ROLE t23_alice;
SELECT flowstream.create_stream('t23_alice', 't23_bob', 'T23USD', 0.5, deposit => 100) AS s \gset
RESET ROLE;
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-03-01 00:03:20.000002+00'::timestamptz, 'depletion at +200.000002 s');
SELECT is(flowstream.status(pg_temp.st(:s), '2026-03-01 00:03:20.000001+00'), 'streaming_solvent'::flowstream.status,
    'a microsecond before: owed floor6(100.0000005) = 100, solvent');
SELECT is(flowstream.status(pg_temp.st(:s), '2026-03-01 00:03:20.000002+00'), 'streaming_insolvent'::flowstream.status,
    'at depletion: owed 100.000001, insolvent');

-- +300 s
SET LOCAL flowstream.clock = '2026-03-01 00:05:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 150::numeric, '+300: owed 150');
SELECT is(flowstream.covered_debt(pg_temp.st(:s), flowstream.now()), 100::numeric, '+300: covered 100');
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), flowstream.now()), 50::numeric, '+300: uncovered 50');
SELECT is(flowstream.refundable(pg_temp.st(:s), flowstream.now()), 0::numeric, '+300: nothing refundable');
SET LOCAL ROLE t23_bob;
SELECT is(flowstream.withdraw_max(:s), 100::numeric, '+300: bob withdraws the covered 100');
RESET ROLE;
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), flowstream.now()), 50::numeric, 'still 50 owed, uncovered');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 50::numeric, 'sd 150 - 100');
SET LOCAL ROLE t23_alice;
SELECT throws_ok(format('SELECT flowstream.refund(%s, 0.000001)', :s), 'SF007', NULL, 'nothing to refund from an insolvent stream');
-- the top-up: a stranger may deposit
SET LOCAL ROLE t23_eve;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 80)', :s), 'eve tops the stream up with 80');
RESET ROLE;
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), flowstream.now()), 0::numeric, 'the debt is covered');
SELECT is(flowstream.withdrawable(pg_temp.st(:s), flowstream.now()), 50::numeric, 'withdrawable 50');
SELECT is(flowstream.refundable(pg_temp.st(:s), flowstream.now()), 30::numeric, 'refundable 80 - 50');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'streaming_solvent'::flowstream.status, 'solvent again');
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-03-01 00:06:00.000002+00'::timestamptz, 'depletes again at +360.000002 s');

-- +320 s
SET LOCAL flowstream.clock = '2026-03-01 00:05:20+00';
SET LOCAL ROLE t23_bob;
SELECT is(flowstream.withdraw_max(:s), 60::numeric, '+320: bob withdraws 50 + 10');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 20::numeric, 'balance 180 - 160');
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-03-01 00:06:00.000002+00'::timestamptz,
    'the depletion time did not move: it depends on the state only');
SELECT results_eq(
    format($$SELECT op::text, actor, amount FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create'::text, 't23_alice'::text, NULL::numeric), ('deposit', 't23_alice', 100),
             ('withdraw', 't23_bob', 100), ('deposit', 't23_eve', 80), ('withdraw', 't23_bob', 60)$$,
    'the history of the top-up');
SELECT is((SELECT sum(amount) FILTER (WHERE op = 'deposit') - sum(amount) FILTER (WHERE op = 'withdraw')
           FROM flowstream.events WHERE stream_id = :s), 20::numeric, 'deposits - withdrawn = balance');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
