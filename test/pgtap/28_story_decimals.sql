-- 28_story_decimals.sql — an 18-decimal token and a 0-decimal token: the
-- total debt is floored to a base unit and the remainder is carried.
--
-- t28_alice pays t28_bob.  t0 = 2026-08-01 00:00:00+00.
-- T28WEI, 18 decimals:
--   w1: 0.000000000000000003 token/s (3 base units a second), 1 deposited.
--       +0.5 s: accrued 1.5 units -> owed 1 unit; bob withdraws it (sd = 0.5 unit, st = +0.5 s)
--       +1 s:   0.5 + 1.5 = 2 units owed; bob withdraws them.  1 + 2 = 3 units = 3/s * 1 s.
--   w2: 1.5 token/s, 10 deposited.  +1 us: 1.5e-6 token = 1 500 000 000 000 units.
-- T28PTS, 0 decimals:
--   p: 0.3 point/s, 10 deposited.
--       +5 s:  1.5 accrued -> 1 owed; bob withdraws 1 (sd = 0.5, st = +5 s; balance 9)
--       +10 s: 0.5 + 1.5 = 2; bob withdraws 2 (sd 0, st = +10 s; balance 7)
--              depletion: owed >= 8 when 0.3 * dt >= 8, dt >= 26.666666.. s -> 26.666667 s
--              -> 00:00:36.666667
--       +100 s: 0.3 * 90 = 27 owed, 7 covered, 20 uncovered; void writes 20 off; bob takes 7.
--       accrued 0.3 * 100 = 30 = withdrawn 1 + 2 + 7 + written off 20.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(26);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t28_alice;
CREATE ROLE t28_bob;
INSERT INTO flowstream.tokens VALUES ('T28WEI', 18), ('T28PTS', 0);

SET LOCAL flowstream.clock = '2026-08-01 00:00:00+00';
SET LOCAL ROLE t28_alice;
SELECT flowstream.create_stream('t28_alice', 't28_bob', 'T28WEI', 0.000000000000000003, deposit => 1) AS w1 \gset
SELECT flowstream.create_stream('t28_alice', 't28_bob', 'T28WEI', 1.5, deposit => 10) AS w2 \gset
SELECT flowstream.create_stream('t28_alice', 't28_bob', 'T28PTS', 0.3, deposit => 10) AS p \gset
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0.0000000000000000001)', :w1), '22023', NULL,
    'T28WEI: 19 decimals are too many');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 0.000000000000000001)', :w1), 'T28WEI: one base unit deposited');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1.5)', :p), '22023', NULL, 'T28PTS: no fractions of a point');
SELECT flowstream.create_stream('t28_alice', 't28_bob', 'T28PTS', 0.3) AS p2 \gset
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1.000)', :p2), 'T28PTS: 1.000 is exactly 1: trailing zeros are no extra precision');
RESET ROLE;

-- +1 us
SET LOCAL flowstream.clock = '2026-08-01 00:00:00.000001+00';
SET LOCAL ROLE t28_bob;
SELECT is(flowstream.withdraw_max(:w2), 0.0000015, 'w2: 1.5 token/s for 1 us = 0.0000015 token');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:w2)), 9.9999985, 'w2: balance 10 - 0.0000015');

-- +0.5 s
SET LOCAL flowstream.clock = '2026-08-01 00:00:00.5+00';
SELECT is(flowstream.ongoing_debt(pg_temp.st(:w1), flowstream.now()), 0.0000000000000000015, 'w1: 1.5 units accrued, exact');
SELECT is(flowstream.total_debt(pg_temp.st(:w1), flowstream.now()), 0.000000000000000001, 'w1: 1 unit owed (floor)');
SET LOCAL ROLE t28_bob;
SELECT is(flowstream.withdraw_max(:w1), 0.000000000000000001, 'w1: bob withdraws 1 unit');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:w1)), 0.0000000000000000005, 'w1: half a unit carried in sd');
-- +1 s
SET LOCAL flowstream.clock = '2026-08-01 00:00:01+00';
SET LOCAL ROLE t28_bob;
SELECT is(flowstream.withdraw_max(:w1), 0.000000000000000002, 'w1: 0.5 + 1.5 = 2 units');
RESET ROLE;
SELECT is((SELECT sum(amount) FROM flowstream.events WHERE stream_id = :w1 AND op = 'withdraw'), 0.000000000000000003,
    'w1: 3 units in 1 s, none lost to rounding');
SELECT is(flowstream.balance(pg_temp.st(:w1)), 0.999999999999999998, 'w1: balance 1 + 1 unit - 3 units');

-- 0 decimals
SET LOCAL flowstream.clock = '2026-08-01 00:00:05+00';
SELECT is(flowstream.total_debt(pg_temp.st(:p), flowstream.now()), 1::numeric, 'p, +5 s: floor(1.5) = 1');
SET LOCAL ROLE t28_bob;
SELECT is(flowstream.withdraw_max(:p), 1::numeric, 'p: bob withdraws 1 point');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:p)), 0.5, 'p: half a point carried');
SET LOCAL flowstream.clock = '2026-08-01 00:00:10+00';
SET LOCAL ROLE t28_bob;
SELECT is(flowstream.withdraw(:p, 2), 2::numeric, 'p, +10 s: 0.5 + 1.5 = 2 points withdrawn');
RESET ROLE;
SELECT is(flowstream.depletion_time(pg_temp.st(:p)), '2026-08-01 00:00:36.666667+00'::timestamptz,
    'p: 8 points owed 26.666667 s later (balance 7)');
SELECT is(flowstream.total_debt(pg_temp.st(:p), '2026-08-01 00:00:36.666666+00'), 7::numeric, 'p: a microsecond before, 7.9999998 -> 7');
SET LOCAL flowstream.clock = '2026-08-01 00:01:40+00';
SELECT is(flowstream.uncovered_debt(pg_temp.st(:p), flowstream.now()), 20::numeric, 'p, +100 s: 27 owed, 7 covered, 20 uncovered');
SET LOCAL ROLE t28_alice;
SELECT is(flowstream.void(:p), 20::numeric, 'p: alice voids, writing 20 points off');
SET LOCAL ROLE t28_bob;
SELECT is(flowstream.withdraw_max(:p), 7::numeric, 'p: bob withdraws the covered 7');
RESET ROLE;
SELECT is((SELECT sum(amount) FILTER (WHERE op = 'withdraw') + sum(amount) FILTER (WHERE op = 'void')
           FROM flowstream.events WHERE stream_id = :p), 30::numeric,
    'p: withdrawn 10 + written off 20 = 0.3 * 100 s');
SELECT is((SELECT amount::text FROM flowstream.events WHERE stream_id = :p AND op = 'void'), '20',
    'p: amounts of a 0-decimal token have no fractional digits');
SELECT is((SELECT amount::text FROM flowstream.events WHERE stream_id = :w1 AND op = 'deposit' ORDER BY id LIMIT 1),
    '1.000000000000000000', 'w1: amounts of an 18-decimal token show 18 digits');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
