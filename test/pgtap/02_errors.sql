-- 02_errors.sql — every error of the managed API with its SQLSTATE (SPEC §5).
--
-- Roles: t2_alice (sender of every stream), t2_bob (recipient), t2_eve (stranger).
-- Tokens: T2USD (6 decimals), T2PTS (0 decimals).
-- t0 = 2026-01-01 00:00:00+00.  Streams, all created by alice at t0 at 0.01 token/s
-- with 10 deposited unless said otherwise:
--   a  streaming          p  paused at t0           v  voided at t0
--   f  pending (starts t0 + 1 day)                  n  not transferable
--   z  streaming, nothing deposited
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(108);

CREATE ROLE t2_alice;
CREATE ROLE t2_bob;
CREATE ROLE t2_eve;
INSERT INTO flowstream.tokens VALUES ('T2USD', 6), ('T2PTS', 0);

SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t2_alice;
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, deposit => 10) AS a \gset
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, deposit => 10) AS p \gset
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, deposit => 10) AS v \gset
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, '2026-01-02 00:00:00+00', 10) AS f \gset
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, deposit => 10, transferable => false) AS n \gset
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01) AS z \gset
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :p), 'setup: pause p at t0');
SELECT lives_ok(format('SELECT flowstream.void(%s)', :v), 'setup: void v at t0');

----------------------------------------------------------------------------
-- SF001: no such stream, for every function that takes one
----------------------------------------------------------------------------
SELECT throws_ok('SELECT flowstream.deposit(-1, 1)', 'SF001', NULL, 'SF001 deposit');
SELECT throws_ok('SELECT flowstream.withdraw(-1, 1)', 'SF001', NULL, 'SF001 withdraw');
SELECT throws_ok('SELECT flowstream.withdraw_max(-1)', 'SF001', NULL, 'SF001 withdraw_max');
SELECT throws_ok('SELECT flowstream.refund(-1, 1)', 'SF001', NULL, 'SF001 refund');
SELECT throws_ok('SELECT flowstream.refund_max(-1)', 'SF001', NULL, 'SF001 refund_max');
SELECT throws_ok('SELECT flowstream.pause(-1)', 'SF001', NULL, 'SF001 pause');
SELECT throws_ok('SELECT flowstream.restart(-1, 1)', 'SF001', NULL, 'SF001 restart');
SELECT throws_ok('SELECT flowstream.adjust_rate(-1, 1)', 'SF001', NULL, 'SF001 adjust_rate');
SELECT throws_ok('SELECT flowstream.void(-1)', 'SF001', NULL, 'SF001 void');
SELECT throws_ok($$SELECT flowstream.transfer(-1, 'x')$$, 'SF001', NULL, 'SF001 transfer');
SELECT ok(flowstream.state_at(-1, flowstream.now()) IS NULL, 'state_at of no stream is NULL, not an error');

----------------------------------------------------------------------------
-- 22023 at creation: unknown token, bad rates, bad deposits, bad names
----------------------------------------------------------------------------
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'NOPE', 0.01)$$,
    '22023', NULL, '22023 create_stream: unknown token');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', -0.01)$$,
    '22023', NULL, '22023 create_stream: negative rate');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.0000000000000000001)$$,
    '22023', NULL, '22023 create_stream: a rate with 19 decimals');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 'NaN')$$,
    '22023', NULL, '22023 create_stream: NaN rate');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0, '2026-01-02 00:00:00+00')$$,
    '22023', NULL, '22023 create_stream: rate 0 with a future start');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, deposit => -1)$$,
    '22023', NULL, '22023 create_stream: negative deposit');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, deposit => 1.0000001)$$,
    '22023', NULL, '22023 create_stream: deposit with 7 decimals on a 6-decimal token');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2PTS', 0.01, deposit => 1.5)$$,
    '22023', NULL, '22023 create_stream: deposit with a decimal on a 0-decimal token');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', '', 'T2USD', 0.01)$$,
    '22023', NULL, '22023 create_stream: empty recipient');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01, 'infinity')$$,
    '22023', NULL, '22023 create_stream: infinite start');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', NULL, 0.01)$$,
    '22004', NULL, '22004 create_stream: NULL token');
-- rate 0 with a start at or before now is allowed: the stream starts paused
SELECT lives_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0)$$,
    'create_stream: rate 0 starting now is allowed');
SELECT is((SELECT flowstream.status(state, flowstream.now())::text FROM flowstream.streams
           WHERE sender = 't2_alice' ORDER BY id DESC LIMIT 1), 'paused_solvent',
    'create_stream: rate 0 starts paused');

----------------------------------------------------------------------------
-- 22023: zero, negative, over-precise and NULL amounts and rates
----------------------------------------------------------------------------
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0)', :a), '22023', NULL, '22023 deposit 0');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, -1)', :a), '22023', NULL, '22023 deposit -1');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 0.0000001)', :a), '22023', NULL, '22023 deposit with 7 decimals');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, NULL)', :a), '22004', NULL, '22004 deposit NULL');
SELECT throws_ok(format($$SELECT flowstream.deposit(%s, 'Infinity')$$, :a), '22023', NULL, '22023 deposit infinity');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 0)', :a), '22023', NULL, '22023 refund 0');
SELECT throws_ok(format('SELECT flowstream.refund(%s, -1)', :a), '22023', NULL, '22023 refund -1');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 0.0000001)', :a), '22023', NULL, '22023 refund with 7 decimals');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0)', :p), '22023', NULL, '22023 restart at rate 0');
SELECT throws_ok(format('SELECT flowstream.restart(%s, -0.01)', :p), '22023', NULL, '22023 restart at a negative rate');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.0000000000000000001)', :p), '22023', NULL, '22023 restart: rate with 19 decimals');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0)', :a), '22023', NULL, '22023 adjust_rate to 0');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, -0.01)', :a), '22023', NULL, '22023 adjust_rate to a negative rate');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.0000000000000000001)', :a), '22023', NULL, '22023 adjust_rate: rate with 19 decimals');
SELECT throws_ok('SELECT flowstream.pause(NULL)', '22004', NULL, '22004 pause(NULL)');
RESET ROLE;
SET LOCAL ROLE t2_bob;
SELECT throws_ok(format('SELECT flowstream.transfer(%s, NULL)', :a), '22004', NULL, '22004 transfer to NULL');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, '')$$, :a), '22023', NULL, '22023 transfer to an empty name');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't2_bob')$$, :a), '22023', NULL, '22023 transfer to the same recipient');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0)', :a), '22023', NULL, '22023 withdraw 0');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, -1)', :a), '22023', NULL, '22023 withdraw -1');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.0000001)', :a), '22023', NULL, '22023 withdraw with 7 decimals');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, NULL)', :a), '22004', NULL, '22004 withdraw NULL');
-- at t0 nothing has accrued: withdraw_max of nothing is 22023
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :a), '22023', NULL, '22023 withdraw_max of nothing (no debt yet)');
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :f), '22023', NULL, '22023 withdraw_max of a pending stream');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, '')$$, :a), '22023', NULL, '22023 withdraw to an empty destination');
RESET ROLE;

----------------------------------------------------------------------------
-- status errors SF002..SF005
----------------------------------------------------------------------------
SET LOCAL ROLE t2_alice;
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :v), 'SF002', NULL, 'SF002 deposit into a voided stream');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.01)', :v), 'SF002', NULL, 'SF002 restart a voided stream');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :v), 'SF002', NULL, 'SF002 void a voided stream');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :p), 'SF003', NULL, 'SF003 pause a paused stream');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :v), 'SF003', NULL, 'SF003 pause a voided stream');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :p), 'SF003', NULL, 'SF003 adjust_rate of a paused stream');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :v), 'SF003', NULL, 'SF003 adjust_rate of a voided stream');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :a), 'SF004', NULL, 'SF004 restart a streaming stream');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :f), 'SF004', NULL, 'SF004 restart a pending stream');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :f), 'SF005', NULL, 'SF005 pause a pending stream');
-- what the table allows in those statuses
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :p), 'deposit into a paused stream');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :f), 'deposit into a pending stream');
SELECT lives_ok(format('SELECT flowstream.refund(%s, 1)', :v), 'refund from a voided stream (refundable 10 - 0)');
SELECT lives_ok(format('SELECT flowstream.refund(%s, 1)', :f), 'refund from a pending stream');

----------------------------------------------------------------------------
-- SF008: the same rate
----------------------------------------------------------------------------
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.01)', :a), 'SF008', NULL, 'SF008 adjust_rate to the current rate');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.010000)', :a), 'SF008', NULL, 'SF008 whatever the scale of the numeric');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.01)', :f), 'SF008', NULL, 'SF008 adjust_rate of a pending stream to its rate');

----------------------------------------------------------------------------
-- +100 s: a owes 0.01 * 100 = 1 of its 10: withdrawable 1, refundable 9
----------------------------------------------------------------------------
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SET LOCAL ROLE t2_bob;
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 1.000001)', :a), 'SF006', NULL, 'SF006 withdraw one unit more than withdrawable');
SELECT throws_matching(format('SELECT flowstream.withdraw(%s, 1.000001)', :a), '1\.000001.*1(\.0+)?\M',
    'SF006: the message gives both amounts (1.000001 asked, 1 withdrawable)');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.000001)', :f), 'SF006', NULL, 'SF006 withdraw from a pending stream');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.000001)', :z), 'SF006', NULL, 'SF006 withdraw from a stream without balance');
SELECT is(flowstream.withdraw(:a, 1), 1::numeric, 'withdraw exactly the withdrawable 1');
RESET ROLE;
SET LOCAL ROLE t2_alice;
SELECT throws_ok(format('SELECT flowstream.refund(%s, 9.000001)', :a), 'SF007', NULL, 'SF007 refund one unit more than refundable');
SELECT throws_matching(format('SELECT flowstream.refund(%s, 9.000001)', :a), '9\.000001.*9(\.0+)?\M',
    'SF007: the message gives both amounts (9.000001 asked, 9 refundable)');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :z), '22023', NULL, '22023 refund_max of nothing (no balance)');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 0.000001)', :z), 'SF007', NULL, 'SF007 refund from no balance');
SELECT is(flowstream.refund_max(:a), 9::numeric, 'refund_max: the refundable 9');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :a), '22023', NULL, '22023 refund_max of nothing (all refunded)');

----------------------------------------------------------------------------
-- 22003: balances are at most 2^127 - 1 base units
----------------------------------------------------------------------------
SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2PTS', 1) AS big \gset
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 170141183460469231731687303715884105727)', :big),
    'deposit 2^127 - 1 base units');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :big), '22003', NULL, '22003 one unit more overflows');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1e40)', :a), '22003', NULL, '22003 a deposit beyond 2^127 units');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2PTS', 1, deposit => 1e39)$$,
    '22003', NULL, '22003 an initial deposit beyond 2^127 units');

----------------------------------------------------------------------------
-- SF011: not transferable
----------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE t2_bob;
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't2_eve')$$, :n), 'SF011', NULL, 'SF011 transfer a non-transferable stream');

----------------------------------------------------------------------------
-- 42501: the actor may not
----------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE t2_eve;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :a), '42501', NULL, '42501 a stranger pauses');
SELECT throws_ok($$SELECT flowstream.create_stream('t2_alice', 't2_bob', 'T2USD', 0.01)$$, '42501', NULL,
    '42501 a stranger creates a stream from alice');

----------------------------------------------------------------------------
-- SF010: an operation before the stream's last one (the clock moved back)
----------------------------------------------------------------------------
-- a's last operation is the refund at +100; p's is the deposit at t0; move a's to +100 too
RESET ROLE;
SET LOCAL ROLE t2_alice;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 5)', :a), 'a: deposit 5 at +100');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 5)', :p), 'p: deposit 5 at +100');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 5)', :n), 'n: deposit 5 at +100');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:00:50+00';
SET LOCAL ROLE t2_alice;
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :a), 'SF010', NULL, 'SF010 deposit');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :a), 'SF010', NULL, 'SF010 refund');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :a), 'SF010', NULL, 'SF010 refund_max');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :a), 'SF010', NULL, 'SF010 pause');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :p), 'SF010', NULL, 'SF010 restart');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :a), 'SF010', NULL, 'SF010 adjust_rate');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :a), 'SF010', NULL, 'SF010 void');
RESET ROLE;
SET LOCAL ROLE t2_bob;
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.000001)', :a), 'SF010', NULL, 'SF010 withdraw');
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :a), 'SF010', NULL, 'SF010 withdraw_max');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't2_eve')$$, :a), 'SF010', NULL, 'SF010 transfer');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't2_eve')$$, :n), 'SF010', NULL, 'SF010 transfer (ranks before SF011)');
RESET ROLE;
-- a microsecond before the last operation is already too early; the same time is not
SET LOCAL flowstream.clock = '2026-01-01 00:01:39.999999+00';
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :a), 'SF010', NULL, 'SF010 one microsecond early');
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :a), 'at the time of the last operation: allowed');
-- the time of a direct transition on the type is checked the same way
SELECT throws_ok(format($$SELECT flowstream.deposit(state, 1, '2026-01-01 00:00:00+00') FROM flowstream.streams WHERE id = %s$$, :a),
    'SF010', NULL, 'SF010 from the pure transition too');

----------------------------------------------------------------------------
-- the tokens table: decimals 0..18 only
----------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO flowstream.tokens VALUES ('T2BAD', 19)$$, NULL, NULL, 'a token with 19 decimals is refused');
SELECT throws_ok($$INSERT INTO flowstream.tokens VALUES ('T2NEG', -1)$$, NULL, NULL, 'a token with -1 decimals is refused');
SELECT throws_ok($$UPDATE flowstream.tokens SET decimals = 2 WHERE token = 'T2USD'$$, '23514', NULL,
    'the decimals of a token in use cannot change');

-- nothing that failed left a trace
SELECT is((SELECT count(*) FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id
           WHERE s.sender = 't2_alice'),
    -- creates 8 (a p v f n z, rate-0, big) + initial deposits 5 (a p v f n) + pause p + void v
    -- + deposit p, f + refund v, f + withdraw a + refund_max a + deposit big + deposit a, p, n
    -- + deposit a at +100
    8::bigint + 5 + 1 + 1 + 2 + 2 + 1 + 1 + 1 + 3 + 1,
    'only the successful operations wrote events');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
