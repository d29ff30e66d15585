-- 25_story_future_start.sql — a stream that starts in the future is pending:
-- nothing accrues, a withdrawal is SF006, pause SF005, restart SF004; its
-- rate may change (st kept); it may be voided (st moves back to the void).
-- A start in the past accrues from that start.
--
-- Token T25USD, 6 decimals.  t25_alice pays t25_bob.  t0 = 2026-05-01 00:00:00+00.
-- f: created at t0, starts t0 + 1 day (2026-05-02 00:00:00), 0.01 token/s, 1000 deposited.
--    depletion: 1000.000001 / 0.01 = 100 000.0001 s after the start
--             = 1 d 3 h 46 min 40.0001 s -> 2026-05-03 03:46:40.0001
--    t0 + 1 h: alice refunds 100 (refundable: all of it), adjusts the rate to 0.02
--    start + 100 s: owed 0.02 * 100 = 2
-- v: like f with 50 deposited; voided by alice at t0 + 1 h: nothing owed, st = t0 + 1 h.
-- p: created at t0, started t0 - 1000 s, 0.01 token/s, 100 deposited: owes 10 at once.
-- z: rate 0 from now: created paused; restarted at t0 + 1 h at 0.01; owes 1 100 s later.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(35);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t25_alice;
CREATE ROLE t25_bob;
INSERT INTO flowstream.tokens VALUES ('T25USD', 6);

SET LOCAL flowstream.clock = '2026-05-01 00:00:00+00';
SET LOCAL ROLE t25_alice;
SELECT flowstream.create_stream('t25_alice', 't25_bob', 'T25USD', 0.01, '2026-05-02 00:00:00+00', 1000) AS f \gset
SELECT flowstream.create_stream('t25_alice', 't25_bob', 'T25USD', 0.01, '2026-05-02 00:00:00+00', 50) AS v \gset
SELECT flowstream.create_stream('t25_alice', 't25_bob', 'T25USD', 0.01, '2026-04-30 23:43:20+00', 100) AS p \gset
SELECT flowstream.create_stream('t25_alice', 't25_bob', 'T25USD', 0) AS z \gset
SELECT throws_ok($$SELECT flowstream.create_stream('t25_alice', 't25_bob', 'T25USD', 0, '2026-05-02 00:00:00+00')$$,
    '22023', NULL, 'a future start needs a positive rate');
RESET ROLE;

SELECT is(flowstream.status(pg_temp.st(:f), flowstream.now()), 'pending'::flowstream.status, 'f: pending');
SELECT is(flowstream.snapshot_time(pg_temp.st(:f)), '2026-05-02 00:00:00+00'::timestamptz, 'f: st = the start');
SELECT is((SELECT created_at FROM flowstream.streams WHERE id = :f), '2026-05-01 00:00:00+00'::timestamptz, 'f: created now');
SELECT is(flowstream.depletion_time(pg_temp.st(:f)), '2026-05-03 03:46:40.0001+00'::timestamptz, 'f: depletes 100 000.0001 s after the start');
-- p: 1000 s since its start: 10 owed at once
SELECT is(flowstream.total_debt(pg_temp.st(:p), flowstream.now()), 10::numeric, 'p: a past start accrues from the start: 10');
SET LOCAL ROLE t25_bob;
SELECT is(flowstream.withdraw_max(:p), 10::numeric, 'p: bob withdraws the 10 at creation time');
RESET ROLE;
SELECT is(flowstream.status(pg_temp.st(:z), flowstream.now()), 'paused_solvent'::flowstream.status, 'z: rate 0 starts paused');

-- t0 + 1 h: still pending
SET LOCAL flowstream.clock = '2026-05-01 01:00:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:f), flowstream.now()), 0::numeric, 'f: nothing accrues while pending');
SELECT is(flowstream.ongoing_debt(pg_temp.st(:f), flowstream.now()), 0::numeric, 'f: no ongoing debt while pending');
SET LOCAL ROLE t25_bob;
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.000001)', :f), 'SF006', NULL, 'f: withdraw from a pending stream: SF006');
SELECT throws_matching(format('SELECT flowstream.withdraw(%s, 0.000001)', :f), '0\.000001.*\m0(\.0+)?\M',
    'f: SF006 names 0.000001 asked, 0 withdrawable');
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :f), '22023', NULL, 'f: withdraw_max of nothing: 22023');
SET LOCAL ROLE t25_alice;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :f), 'SF005', NULL, 'f: pause a pending stream: SF005');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :f), 'SF004', NULL, 'f: restart a pending stream: SF004');
SELECT lives_ok(format('SELECT flowstream.refund(%s, 100)', :f), 'f: alice refunds 100 while pending');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 0.5)', :f), 'f: and deposits 0.5 while pending');
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :f), 'f: adjust_rate while pending');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:f)), 0.02, 'f: the new rate');
SELECT is(flowstream.snapshot_time(pg_temp.st(:f)), '2026-05-02 00:00:00+00'::timestamptz, 'f: st kept at the start');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:f)), 0::numeric, 'f: sd kept at 0');
SELECT is(flowstream.status(pg_temp.st(:f), flowstream.now()), 'pending'::flowstream.status, 'f: still pending');
-- v voided while pending
SET LOCAL ROLE t25_alice;
SELECT is(flowstream.void(:v), 0::numeric, 'v: voiding a pending stream writes nothing off');
RESET ROLE;
SELECT is(flowstream.snapshot_time(pg_temp.st(:v)), '2026-05-01 01:00:00+00'::timestamptz, 'v: st moved back to the void');
SELECT is(flowstream.total_debt(pg_temp.st(:v), '2026-05-03 00:00:00+00'), 0::numeric, 'v: nothing accrues after its start either');
SET LOCAL ROLE t25_alice;
SELECT is(flowstream.refund_max(:v), 50::numeric, 'v: alice gets all 50 back');
-- z restarted
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.01)', :z), 'z: alice restarts the stream created paused');
RESET ROLE;

-- the start + 100 s: f owes 0.02 * 100 = 2; z owes 0.01 * (1 d + 100 s - 1 h)
SET LOCAL flowstream.clock = '2026-05-02 00:01:40+00';
SELECT is(flowstream.status(pg_temp.st(:f), flowstream.now()), 'streaming_solvent'::flowstream.status, 'f: streaming after its start');
SET LOCAL ROLE t25_bob;
SELECT is(flowstream.withdraw_max(:f), 2::numeric, 'f: bob withdraws 2 (the adjusted rate for 100 s)');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:f)), 898.5::numeric, 'f: balance 1000 - 100 + 0.5 - 2');
-- z: restarted at 01:00:00 on May 1, now 00:01:40 on May 2: 82 900 s * 0.01 = 829
SELECT is(flowstream.total_debt(pg_temp.st(:z), flowstream.now()), 829::numeric, 'z: 0.01 * 82 900 s = 829 owed');
SELECT is(flowstream.uncovered_debt(pg_temp.st(:z), flowstream.now()), 829::numeric, 'z: all uncovered (no balance)');
SELECT is(flowstream.total_debt(flowstream.state_at(:f, '2026-05-01 00:30:00+00'), '2026-05-02 00:01:40+00'), 1::numeric,
    'f: the state at t0 + 30 min (rate 0.01), projected to start + 100 s, would owe 1');
SELECT results_eq(
    format($$SELECT op::text, amount, at FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :f),
    $$VALUES ('create'::text, NULL::numeric, '2026-05-01 00:00:00+00'::timestamptz),
             ('deposit', 1000, '2026-05-01 00:00:00+00'),
             ('refund', 100, '2026-05-01 01:00:00+00'),
             ('deposit', 0.5, '2026-05-01 01:00:00+00'),
             ('adjust_rate', 0.02, '2026-05-01 01:00:00+00'),
             ('withdraw', 2, '2026-05-02 00:01:40+00')$$,
    'f: the history');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
