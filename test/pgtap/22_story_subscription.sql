-- 22_story_subscription.sql — a subscription paused and restarted: the
-- paused time is never charged.
--
-- t22_alice (customer, sender) pays t22_bob (the service, recipient) in
-- T22EUR (2 decimals) at 0.0001 EUR/s (8.64 EUR a day), 200 EUR prepaid.
-- t0 = 2026-02-01 00:00:00+00.
--   day 10  (2026-02-11): owed 0.0001 * 864000 = 86.40; alice pauses
--   day 15  (2026-02-16): still 86.40; bob withdraws 40 while paused; alice restarts
--   day 20  (2026-02-21): owed 46.40 + 0.0001 * 432000 = 89.60; bob takes it all
-- Paid in total 40 + 89.60 = 129.60 = 15 days streamed (1 296 000 s * 0.0001),
-- not 20 days (172.80): the 5 paused days (43.20) are not charged.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(24);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t22_alice;
CREATE ROLE t22_bob;
INSERT INTO flowstream.tokens VALUES ('T22EUR', 2);

SET LOCAL flowstream.clock = '2026-02-01 00:00:00+00';
SET LOCAL ROLE t22_alice;
SELECT flowstream.create_stream('t22_alice', 't22_bob', 'T22EUR', 0.0001, deposit => 200) AS s \gset
RESET ROLE;
-- 200 EUR last 200 / 0.0001 = 2 000 000 s; the first uncovered cent at 2 000 100 s
-- (200.01 / 0.0001) = 23 d 3 h 35 min = 2026-02-24 03:35:00
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-02-24 03:35:00+00'::timestamptz, 'prepaid until 2026-02-24 03:35');

-- day 10: pause
SET LOCAL flowstream.clock = '2026-02-11 00:00:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 86.40, 'day 10: 86.40 owed');
SET LOCAL ROLE t22_alice;
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), 'day 10: alice pauses the subscription');
RESET ROLE;
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'paused_solvent'::flowstream.status, 'paused');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 86.40, 'the debt so far stays owed');
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), NULL, 'a paused stream does not deplete');

-- day 15: still 86.40; bob collects 40 of it while paused (40 <= sd: sd = 46.40, st unchanged)
SET LOCAL flowstream.clock = '2026-02-16 00:00:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 86.40, 'day 15: nothing accrued while paused');
SELECT is(flowstream.ongoing_debt(pg_temp.st(:s), flowstream.now()), 0::numeric, 'no ongoing debt while paused');
SET LOCAL ROLE t22_bob;
SELECT is(flowstream.withdraw(:s, 40), 40::numeric, 'day 15: bob withdraws 40 from the paused stream');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 46.40, 'sd 86.40 - 40');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-02-11 00:00:00+00'::timestamptz, 'a withdrawal within sd keeps st');
SET LOCAL ROLE t22_alice;
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.0001)', :s), 'day 15: alice restarts at the same rate');
RESET ROLE;
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-02-16 00:00:00+00'::timestamptz, 'restart: st = day 15, the paused days skipped');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'streaming_solvent'::flowstream.status, 'streaming again');

-- day 20
SET LOCAL flowstream.clock = '2026-02-21 00:00:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 89.60, 'day 20: 46.40 + 43.20');
SET LOCAL ROLE t22_bob;
SELECT is(flowstream.withdraw_max(:s), 89.60, 'day 20: bob withdraws 89.60');
RESET ROLE;
SELECT is((SELECT sum(amount) FROM flowstream.events WHERE stream_id = :s AND op = 'withdraw'), 129.60,
    'paid 129.60 = 15 streamed days, not 172.80 for 20');
-- alice cancels: refunds the rest, 200 - 129.60
SET LOCAL ROLE t22_alice;
SELECT is(flowstream.refund_max(:s), 70.40, 'alice takes back 70.40');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 0::numeric, 'nothing left');
-- the first cent accrues 0.01 / 0.0001 = 100 s later
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-02-21 00:01:40+00'::timestamptz, 'unfunded from the next cent on');

-- the history, read back at past times
SELECT is(flowstream.rate_per_second(flowstream.state_at(:s, '2026-02-13 00:00:00+00')), 0::numeric, 'state_at day 12: paused');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-02-13 00:00:00+00'), '2026-02-13 00:00:00+00'), 86.40,
    'state_at day 12: 86.40 owed');
SELECT results_eq(
    format($$SELECT op::text, actor, amount, at FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create'::text, 't22_alice'::text, NULL::numeric, '2026-02-01 00:00:00+00'::timestamptz),
             ('deposit', 't22_alice', 200, '2026-02-01 00:00:00+00'),
             ('pause', 't22_alice', NULL, '2026-02-11 00:00:00+00'),
             ('withdraw', 't22_bob', 40, '2026-02-16 00:00:00+00'),
             ('restart', 't22_alice', 0.0001, '2026-02-16 00:00:00+00'),
             ('withdraw', 't22_bob', 89.60, '2026-02-21 00:00:00+00'),
             ('refund', 't22_alice', 70.40, '2026-02-21 00:00:00+00')$$,
    'the subscription''s history');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
