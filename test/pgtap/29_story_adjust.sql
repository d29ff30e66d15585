-- 29_story_adjust.sql — adjust_rate mid-stream: the debt so far is
-- snapshotted and the new rate applies from then on.
--
-- Token T29USD, 6 decimals.  t29_alice pays t29_bob 0.001 token/s, 1000
-- deposited, t0 = 2026-09-01 00:00:00+00.
--   +1000 s (00:16:40): owed 1; rate -> 0.004 (sd = 1, st = +1000)
--   +1500 s (00:25:00): owed 1 + 0.004 * 500 = 3; the same rate again is SF008;
--                       rate -> 0.0025 (sd = 3, st = +1500)
--   +2500 s (00:41:40): owed 3 + 0.0025 * 1000 = 5.5; bob withdraws it;
--                       rate -> 0.0000001 (a tenth of a base unit a second)
--   +2515 s (00:41:55): 0.0000015 accrued -> 0.000001 owed; bob withdraws it (0.0000005 carried)
--   +2520 s (00:42:00): 0.0000005 + 0.0000005 = 0.000001; bob withdraws it.
--   Total 1 + 2 + 2.5 + 0.000002 = 5.500002 = withdrawn.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(22);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t29_alice;
CREATE ROLE t29_bob;
INSERT INTO flowstream.tokens VALUES ('T29USD', 6);

SET LOCAL flowstream.clock = '2026-09-01 00:00:00+00';
SET LOCAL ROLE t29_alice;
SELECT flowstream.create_stream('t29_alice', 't29_bob', 'T29USD', 0.001, deposit => 1000) AS s \gset
RESET ROLE;

SET LOCAL flowstream.clock = '2026-09-01 00:16:40+00';
SET LOCAL ROLE t29_alice;
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.004)', :s), '+1000: alice raises the rate to 0.004');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 1::numeric, 'the 1 owed at the old rate is snapshotted');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-09-01 00:16:40+00'::timestamptz, 'st = +1000');
SELECT is(flowstream.rate_per_second(pg_temp.st(:s)), 0.004, 'rate 0.004');
-- with the rate raised, the 1000 last until owed >= 1000.000001: 999.000001 / 0.004 = 249 750.00025 s
-- after +1000 -> +250 750.00025 s = 2 d 21 h 39 min 10.00025 s -> 2026-09-03 21:39:10.00025
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-09-03 21:39:10.00025+00'::timestamptz, 'the depletion time follows the new rate');

SET LOCAL flowstream.clock = '2026-09-01 00:25:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 3::numeric, '+1500: 1 + 0.004 * 500');
SET LOCAL ROLE t29_alice;
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.004)', :s), 'SF008', NULL, 'the same rate again: SF008');
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.0025)', :s), '+1500: alice lowers the rate to 0.0025');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 3::numeric, 'sd = 3');

SET LOCAL flowstream.clock = '2026-09-01 00:41:40+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 5.5, '+2500: 3 + 0.0025 * 1000');
SET LOCAL ROLE t29_bob;
SELECT is(flowstream.withdraw_max(:s), 5.5, 'bob withdraws 5.5');
SET LOCAL ROLE t29_alice;
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.0000001)', :s), 'alice drops the rate to a tenth of a base unit a second');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-09-01 00:41:55+00';
SELECT is(flowstream.ongoing_debt(pg_temp.st(:s), flowstream.now()), 0.0000015, '+2515: 0.0000015 accrued');
SET LOCAL ROLE t29_bob;
SELECT is(flowstream.withdraw_max(:s), 0.000001, 'bob withdraws the one whole unit');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0.0000005, 'half a unit carried');
SET LOCAL flowstream.clock = '2026-09-01 00:42:00+00';
SET LOCAL ROLE t29_bob;
SELECT is(flowstream.withdraw_max(:s), 0.000001, '+2520: the carried half and a new half make a unit');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0::numeric, 'nothing carried');

SELECT results_eq(
    format($$SELECT op::text, amount, at FROM flowstream.events WHERE stream_id = %s AND op IN ('adjust_rate', 'withdraw') ORDER BY id$$, :s),
    $$VALUES ('adjust_rate'::text, 0.004::numeric, '2026-09-01 00:16:40+00'::timestamptz),
             ('adjust_rate', 0.0025, '2026-09-01 00:25:00+00'),
             ('withdraw', 5.5, '2026-09-01 00:41:40+00'),
             ('adjust_rate', 0.0000001, '2026-09-01 00:41:40+00'),
             ('withdraw', 0.000001, '2026-09-01 00:41:55+00'),
             ('withdraw', 0.000001, '2026-09-01 00:42:00+00')$$,
    'adjust_rate events carry the new rate');
SELECT is((SELECT sum(amount) FROM flowstream.events WHERE stream_id = :s AND op = 'withdraw'), 5.500002,
    'withdrawn 5.500002 = 1 + 2 + 2.5 + 0.000002');
SELECT is(flowstream.rate_per_second(flowstream.state_at(:s, '2026-09-01 00:20:00+00')), 0.004, 'state_at +1200: rate 0.004');
SELECT is(flowstream.rate_per_second(flowstream.state_at(:s, '2026-09-01 00:10:00+00')), 0.001, 'state_at +600: rate 0.001');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
