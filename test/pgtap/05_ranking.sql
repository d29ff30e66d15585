-- 05_ranking.sql — when several errors apply, the first in SPEC §5's order
-- wins: SF001, SF010, the status errors (SF002-SF005, SF011), 42501, then the
-- amount errors (22023, SF006, SF007, SF008).
--
-- Roles: t5_alice (sender), t5_bob (recipient), t5_eve (stranger), t5_app
-- (flowstream_app acting for user:42, a third party).  Token T5USD, 6 decimals.
-- t0 = 2026-01-01 00:00:00+00; streams at 0.01 token/s with 10 deposited:
--   a  streaming    p  paused at t0    v  voided at t0
--   f  pending (starts t0 + 1 day)     n  not transferable
-- The checks run at t0 + 100 s (a owes 1) unless said otherwise.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(60);

CREATE ROLE t5_alice;
CREATE ROLE t5_bob;
CREATE ROLE t5_eve;
CREATE ROLE t5_app IN ROLE flowstream_app;
INSERT INTO flowstream.tokens VALUES ('T5USD', 6);

SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t5_alice;
SELECT flowstream.create_stream('t5_alice', 't5_bob', 'T5USD', 0.01, deposit => 10) AS a \gset
SELECT flowstream.create_stream('t5_alice', 't5_bob', 'T5USD', 0.01, deposit => 10) AS p \gset
SELECT flowstream.create_stream('t5_alice', 't5_bob', 'T5USD', 0.01, deposit => 10) AS v \gset
SELECT flowstream.create_stream('t5_alice', 't5_bob', 'T5USD', 0.01, '2026-01-02 00:00:00+00', 10) AS f \gset
SELECT flowstream.create_stream('t5_alice', 't5_bob', 'T5USD', 0.01, deposit => 10, transferable => false) AS n \gset
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :p), 'setup: pause p');
SELECT lives_ok(format('SELECT flowstream.void(%s)', :v), 'setup: void v');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';

----------------------------------------------------------------------------
-- SF001 first of all
----------------------------------------------------------------------------
SET LOCAL ROLE t5_eve;
SELECT throws_ok('SELECT flowstream.pause(-1)', 'SF001', NULL, 'SF001 before 42501 (a stranger pausing no stream)');
SELECT throws_ok('SELECT flowstream.withdraw(-1, 0, ''elsewhere'')', 'SF001', NULL, 'SF001 before 42501 and 22023');
SELECT throws_ok('SELECT flowstream.refund(-1, -5)', 'SF001', NULL, 'SF001 before 42501 and 22023 (refund)');
SELECT throws_ok('SELECT flowstream.transfer(-1, NULL)', 'SF001', NULL, 'SF001 before 42501 and 22023 (transfer)');
SET LOCAL flowstream.actor = 't5_alice';
SELECT throws_ok('SELECT flowstream.deposit(-1, 1)', 'SF001', NULL, 'SF001 before 42501 (a spoofed actor)');
SET LOCAL flowstream.actor = '';

----------------------------------------------------------------------------
-- SF010 before the status errors and 42501 (the clock moved back to t0 + 50 s;
-- a's and v's last operations are at t0 + 100 s, see below)
----------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE t5_alice;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :a), 'setup: a deposit at +100 (a: balance 11)');
SELECT lives_ok(format('SELECT flowstream.refund(%s, 1)', :v), 'setup: a refund at +100 (v: balance 9)');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:00:50+00';
SET LOCAL ROLE t5_alice;
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :v), 'SF010', NULL, 'SF010 before SF002 (deposit into voided)');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :v), 'SF010', NULL, 'SF010 before SF002 (void again)');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :v), 'SF010', NULL, 'SF010 before SF003 (pause voided)');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.01)', :a), 'SF010', NULL, 'SF010 before SF004 (restart streaming)');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.01)', :a), 'SF010', NULL, 'SF010 before SF008');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0)', :a), 'SF010', NULL, 'SF010 before 22023');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 100)', :a), 'SF010', NULL, 'SF010 before SF007');
SET LOCAL ROLE t5_eve;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :a), 'SF010', NULL, 'SF010 before 42501 (stranger pausing)');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0, 'elsewhere')$$, :a), 'SF010', NULL,
    'SF010 before 42501 and 22023 (stranger withdrawing 0 elsewhere)');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 100)', :a), 'SF010', NULL, 'SF010 before SF006');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';

----------------------------------------------------------------------------
-- status errors before 42501
----------------------------------------------------------------------------
SET LOCAL ROLE t5_eve;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :v), 'SF003', NULL, 'a stranger pausing a voided stream: SF003, not 42501');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :p), 'SF003', NULL, 'a stranger pausing a paused stream: SF003');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :f), 'SF005', NULL, 'a stranger pausing a pending stream: SF005');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :p), 'SF003', NULL, 'a stranger adjusting a paused stream: SF003');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :v), 'SF003', NULL, 'a stranger adjusting a voided stream: SF003');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :a), 'SF004', NULL, 'a stranger restarting a streaming stream: SF004');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :f), 'SF004', NULL, 'a stranger restarting a pending stream: SF004');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :v), 'SF002', NULL, 'a stranger restarting a voided stream: SF002');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :v), 'SF002', NULL, 'a stranger voiding a voided stream: SF002');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't5_eve')$$, :n), 'SF011', NULL,
    'a stranger transferring a non-transferable stream: SF011');
SET LOCAL ROLE t5_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :v), 'SF003', NULL, 'the app for a third party pausing a voided stream: SF003');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t5_eve;
SET LOCAL flowstream.actor = 't5_alice';
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :v), 'SF003', NULL, 'a spoofed actor pausing a voided stream: SF003');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :v), 'SF002', NULL, 'a spoofed actor depositing into a voided stream: SF002');
SET LOCAL flowstream.actor = '';

----------------------------------------------------------------------------
-- status errors before amount errors
----------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE t5_alice;
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0)', :v), 'SF002', NULL, 'deposit 0 into a voided stream: SF002');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0.0000001)', :v), 'SF002', NULL, 'deposit with 7 decimals into a voided stream: SF002');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0)', :v), 'SF002', NULL, 'restart at rate 0 of a voided stream: SF002');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0)', :a), 'SF004', NULL, 'restart at rate 0 of a streaming stream: SF004');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0)', :v), 'SF003', NULL, 'adjust_rate to 0 of a voided stream: SF003');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0)', :p), 'SF003', NULL, 'adjust_rate to 0 of a paused stream: SF003');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.0000000000000000001)', :p), 'SF003', NULL,
    'adjust_rate with 19 decimals of a paused stream: SF003');

----------------------------------------------------------------------------
-- 42501 before the amount errors
----------------------------------------------------------------------------
SET LOCAL ROLE t5_eve;
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0, 'elsewhere')$$, :a), '42501', NULL,
    'a stranger withdrawing 0 elsewhere: 42501, not 22023');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.0000001, 'elsewhere')$$, :a), '42501', NULL,
    'a stranger withdrawing 7 decimals elsewhere: 42501, not 22023');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 100, 'elsewhere')$$, :a), '42501', NULL,
    'a stranger withdrawing too much elsewhere: 42501, not SF006');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, 'elsewhere')$$, :f), '42501', NULL,
    'a stranger withdrawing from a pending stream elsewhere: 42501, not SF006');
SELECT throws_ok(format($$SELECT flowstream.withdraw_max(%s, 'elsewhere')$$, :f), '42501', NULL,
    'a stranger withdrawing the max of nothing elsewhere: 42501, not 22023');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 0)', :a), '42501', NULL, 'a stranger refunding 0: 42501, not 22023');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 100)', :a), '42501', NULL, 'a stranger refunding too much: 42501, not SF007');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :v), '42501', NULL,
    'a stranger refunding the max of nothing: 42501, not 22023');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.01)', :a), '42501', NULL, 'a stranger adjusting to the same rate: 42501, not SF008');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0)', :a), '42501', NULL, 'a stranger adjusting to 0: 42501, not 22023');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0)', :p), '42501', NULL, 'a stranger restarting at 0: 42501, not 22023');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, '')$$, :a), '42501', NULL, 'a stranger transferring to '''': 42501, not 22023');
SELECT throws_ok($$SELECT flowstream.create_stream('t5_alice', 't5_bob', 'NOPE', 0)$$, '42501', NULL,
    'a stranger creating for alice with an unknown token: 42501, not 22023');
SELECT throws_ok($$SELECT flowstream.create_stream('t5_alice', 't5_bob', 'T5USD', -1)$$, '42501', NULL,
    'a stranger creating for alice at a negative rate: 42501, not 22023');
SELECT throws_ok($$SELECT flowstream.create_stream('t5_alice', 't5_bob', NULL, 0.01)$$, '42501', NULL,
    'a stranger creating for alice with a NULL token: 42501, not 22023');
-- deposit is anyone's: its amount errors show
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0)', :a), '22023', NULL, 'a stranger depositing 0: 22023');
-- a withdrawal to the recipient is anyone's: its amount errors show
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 100)', :a), 'SF006', NULL, 'a stranger withdrawing too much to the recipient: SF006');

----------------------------------------------------------------------------
-- among the amount errors: 22023 before SF006 / SF007
----------------------------------------------------------------------------
SET LOCAL ROLE t5_bob;
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 100.0000001)', :a), '22023', NULL,
    'withdraw too much with 7 decimals: 22023 before SF006');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, -100)', :f), '22023', NULL,
    'withdraw a negative amount from a pending stream: 22023 before SF006');
SET LOCAL ROLE t5_alice;
SELECT throws_ok(format('SELECT flowstream.refund(%s, 100.0000001)', :a), '22023', NULL,
    'refund too much with 7 decimals: 22023 before SF007');
RESET ROLE;

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
