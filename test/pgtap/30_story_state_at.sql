-- 30_story_state_at.sql — the history rebuilds a stream's state at any past
-- time: state_at(id, t) is the state after the last event at or before t.
--
-- Token T30USD, 6 decimals.  t30_alice pays t30_bob.  t0 = 2026-10-01 00:00:00+00.
--   +0    create at 0.01 token/s, deposit 100
--   +100  (00:01:40) alice deposits 50                   balance 150
--   +200  (00:03:20) alice pauses: sd = 2
--   +300  (00:05:00) alice restarts at 0.02: st = +300
--   +400  (00:06:40) owed 2 + 0.02 * 100 = 4; bob withdraws 3: sd = 4 - 3 = 1, st = +400; balance 147
-- Read back:
--   before t0: nothing; +0: balance 100; +50: owed 0.5; +150: balance 150, owed 1.5;
--   +199.999999: still streaming at 0.01; +200: paused, owed 2; +250: paused, owed 2;
--   +350: rate 0.02, owed 2 + 1 = 3; +400: balance 147, owed 1; later: the current state.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(23);

CREATE ROLE t30_alice;
CREATE ROLE t30_bob;
CREATE ROLE t30_eve;
INSERT INTO flowstream.tokens VALUES ('T30USD', 6);

SET LOCAL flowstream.clock = '2026-10-01 00:00:00+00';
SET LOCAL ROLE t30_alice;
SELECT flowstream.create_stream('t30_alice', 't30_bob', 'T30USD', 0.01, deposit => 100) AS s \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-10-01 00:01:40+00';
SET LOCAL ROLE t30_alice;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 50)', :s), '+100: deposit 50');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-10-01 00:03:20+00';
SET LOCAL ROLE t30_alice;
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), '+200: pause');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-10-01 00:05:00+00';
SET LOCAL ROLE t30_alice;
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.02)', :s), '+300: restart at 0.02');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-10-01 00:06:40+00';
SET LOCAL ROLE t30_bob;
SELECT is(flowstream.withdraw(:s, 3), 3::numeric, '+400: bob withdraws 3 of 4');
RESET ROLE;

-- read back as the sender
SET LOCAL ROLE t30_alice;
SELECT ok(flowstream.state_at(:s, '2026-09-30 23:59:59.999999+00') IS NULL, 'before creation: no state');
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-10-01 00:00:00+00')), 100::numeric,
    '+0: after both events at t0 (create, deposit): balance 100');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-10-01 00:00:50+00'), '2026-10-01 00:00:50+00'), 0.5, '+50: owed 0.5');
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-10-01 00:01:39.999999+00')), 100::numeric, '+99.999999: before the deposit');
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-10-01 00:02:30+00')), 150::numeric, '+150: balance 150');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-10-01 00:02:30+00'), '2026-10-01 00:02:30+00'), 1.5, '+150: owed 1.5');
SELECT is(flowstream.status(flowstream.state_at(:s, '2026-10-01 00:03:19.999999+00'), '2026-10-01 00:03:19.999999+00'),
    'streaming_solvent'::flowstream.status, '+199.999999: still streaming');
SELECT is(flowstream.status(flowstream.state_at(:s, '2026-10-01 00:03:20+00'), '2026-10-01 00:03:20+00'),
    'paused_solvent'::flowstream.status, '+200: paused (the pause is at +200)');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-10-01 00:04:10+00'), '2026-10-01 00:04:10+00'), 2::numeric,
    '+250: paused, owed 2');
SELECT is(flowstream.rate_per_second(flowstream.state_at(:s, '2026-10-01 00:05:50+00')), 0.02, '+350: rate 0.02');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-10-01 00:05:50+00'), '2026-10-01 00:05:50+00'), 3::numeric,
    '+350: owed 2 + 0.02 * 50 = 3');
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-10-01 00:06:40+00')), 147::numeric, '+400: balance 147');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-10-01 00:06:40+00'), '2026-10-01 00:06:40+00'), 1::numeric,
    '+400: owed 1 after the withdrawal');
SELECT ok(flowstream.state_at(:s, '2027-01-01 00:00:00+00')::text = (SELECT state::text FROM flowstream.streams WHERE id = :s),
    'any later time: the current state');

-- the owed amount sampled every 50 s, from the history alone
SELECT is(
    (SELECT array_agg(flowstream.total_debt(flowstream.state_at(:s, t), t) ORDER BY t)
     FROM generate_series('2026-10-01 00:00:00+00'::timestamptz, '2026-10-01 00:08:20+00', interval '50 seconds') t),
    -- +300: restarted, still 2; +350: 2 + 0.02 * 50 = 3; +400: 4 - 3 withdrawn = 1; +450: 1 + 1; +500: 1 + 2
    ARRAY[0, 0.5, 1, 1.5, 2, 2, 2, 3, 1, 2, 3]::numeric[],
    'owed at +0, +50, ..., +500: 0 0.5 1 1.5 2 2 2 3 1 2 3');
SELECT is(
    (SELECT array_agg(flowstream.balance(flowstream.state_at(:s, t)) ORDER BY t)
     FROM generate_series('2026-10-01 00:00:00+00'::timestamptz, '2026-10-01 00:08:20+00', interval '100 seconds') t),
    ARRAY[100, 150, 150, 150, 147, 147]::numeric[],
    'balance at +0, +100, ..., +500');

-- the recipient may read it too; a stranger sees nothing (row-level security)
SET LOCAL ROLE t30_bob;
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-10-01 00:02:30+00')), 150::numeric, 'the recipient reads the past too');
SET LOCAL ROLE t30_eve;
SELECT ok(flowstream.state_at(:s, '2026-10-01 00:02:30+00') IS NULL, 'a stranger reads nothing');
RESET ROLE;
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
