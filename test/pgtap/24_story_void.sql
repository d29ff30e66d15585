-- 24_story_void.sql — voiding: an insolvent stream writes off what the
-- balance cannot cover (void returns it); a solvent one writes off nothing.
-- After the void the recipient withdraws what is covered and the sender
-- refunds the rest.
--
-- Token T24USD, 2 decimals.  t24_alice pays t24_bob.  t0 = 2026-04-01 00:00:00+00.
-- Stream a: 1 token/s, 50 deposited.
--   +30 s: owed 30; bob withdraws 20 (sd = 30 - 20 = 10, st = +30; balance 30)
--   +80 s: owed 10 + 50 = 60, balance 30: covered 30, uncovered 30.
--          bob voids: 30 written off, sd = balance = 30; owed 30, all covered, nothing refundable
--   +1000 s: still owed 30 (a voided stream accrues nothing); bob withdraws 30; nothing for alice.
--   Accrued until the void: 80 = paid 20 + 30 + written off 30.
-- Stream b: 1 token/s, 100 deposited.
--   +80 s: owed 80 of 100; alice voids: nothing written off; refundable 20.
--          alice refunds 20, bob withdraws 80.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(29);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t24_alice;
CREATE ROLE t24_bob;
INSERT INTO flowstream.tokens VALUES ('T24USD', 2);

SET LOCAL flowstream.clock = '2026-04-01 00:00:00+00';
SET LOCAL ROLE t24_alice;
SELECT flowstream.create_stream('t24_alice', 't24_bob', 'T24USD', 1, deposit => 50) AS a \gset
SELECT flowstream.create_stream('t24_alice', 't24_bob', 'T24USD', 1, deposit => 100) AS b \gset
RESET ROLE;

SET LOCAL flowstream.clock = '2026-04-01 00:00:30+00';
SET LOCAL ROLE t24_bob;
SELECT is(flowstream.withdraw(:a, 20), 20::numeric, 'a, +30: bob withdraws 20 of the 30 owed');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-04-01 00:01:20+00';
SELECT is(flowstream.total_debt(pg_temp.st(:a), flowstream.now()), 60::numeric, 'a, +80: owed 10 + 50');
SELECT is(flowstream.uncovered_debt(pg_temp.st(:a), flowstream.now()), 30::numeric, 'a, +80: 30 uncovered');
SELECT is(flowstream.status(pg_temp.st(:a), flowstream.now()), 'streaming_insolvent'::flowstream.status, 'a: insolvent');
SET LOCAL ROLE t24_bob;
SELECT is(flowstream.void(:a), 30::numeric, 'a: bob voids; void returns the 30 written off');
RESET ROLE;
SELECT is(flowstream.status(pg_temp.st(:a), flowstream.now()), 'voided'::flowstream.status, 'a: voided');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:a)), 30::numeric, 'a: sd = the balance, 30');
SELECT is(flowstream.total_debt(pg_temp.st(:a), flowstream.now()), 30::numeric, 'a: owed 30');
SELECT is(flowstream.uncovered_debt(pg_temp.st(:a), flowstream.now()), 0::numeric, 'a: nothing uncovered any more');
SELECT is(flowstream.refundable(pg_temp.st(:a), flowstream.now()), 0::numeric, 'a: nothing refundable');
SELECT is(flowstream.depletion_time(pg_temp.st(:a)), NULL, 'a: a voided stream never depletes');
SELECT is((SELECT amount FROM flowstream.events WHERE stream_id = :a AND op = 'void'), 30::numeric,
    'a: the void event records the 30 written off');

SET LOCAL flowstream.clock = '2026-04-01 00:16:40+00';
SELECT is(flowstream.total_debt(pg_temp.st(:a), flowstream.now()), 30::numeric, 'a, +1000: still 30, nothing accrues');
SET LOCAL ROLE t24_alice;
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :a), '22023', NULL, 'a: alice has nothing to refund');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 0.01)', :a), 'SF007', NULL, 'a: not even a cent');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 10)', :a), 'SF002', NULL, 'a: no deposits into a voided stream');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :a), 'SF002', NULL, 'a: voided once only');
SET LOCAL ROLE t24_bob;
SELECT is(flowstream.withdraw_max(:a), 30::numeric, 'a: bob withdraws the covered 30 after the void');
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :a), '22023', NULL, 'a: then nothing is left');
RESET ROLE;
SELECT is((SELECT sum(amount) FROM flowstream.events WHERE stream_id = :a AND op = 'withdraw') +
          (SELECT amount FROM flowstream.events WHERE stream_id = :a AND op = 'void'), 80::numeric,
    'a: paid 50 + written off 30 = the 80 accrued until the void');
SELECT is(flowstream.balance(pg_temp.st(:a)), 0::numeric, 'a: empty');

-- b: solvent void by the sender
-- (the clock goes back to +80: allowed for b, whose last operation is at t0)
SET LOCAL flowstream.clock = '2026-04-01 00:01:20+00';
SET LOCAL ROLE t24_alice;
SELECT is(flowstream.void(:b), 0::numeric, 'b, +80: alice voids a solvent stream, nothing written off');
RESET ROLE;
SELECT is(flowstream.total_debt(pg_temp.st(:b), flowstream.now()), 80::numeric, 'b: owed 80');
SELECT is(flowstream.refundable(pg_temp.st(:b), flowstream.now()), 20::numeric, 'b: refundable 100 - 80');
SET LOCAL ROLE t24_alice;
SELECT is(flowstream.refund_max(:b), 20::numeric, 'b: alice refunds 20');
SET LOCAL ROLE t24_bob;
SELECT is(flowstream.withdraw_max(:b), 80::numeric, 'b: bob withdraws 80');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:b)), 0::numeric, 'b: empty');
SELECT results_eq(
    format($$SELECT op::text, actor, amount FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :b),
    $$VALUES ('create'::text, 't24_alice'::text, NULL::numeric), ('deposit', 't24_alice', 100),
             ('void', 't24_alice', 0), ('refund', 't24_alice', 20), ('withdraw', 't24_bob', 80)$$,
    'b: the history');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
