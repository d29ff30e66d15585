-- 27_story_destination.sql — withdrawals to another destination: anyone may
-- pay the recipient, only the recipient (or the app acting for him) may send
-- the money elsewhere.  The destination is recorded in the event.
--
-- Token T27USD, 6 decimals.  t27_alice pays t27_bob 1 token/s, 1000 deposited,
-- t0 = 2026-07-01 00:00:00+00; everything at +100 s, when 100 is owed:
--   bob 40 -> bank:bob-savings; eve 10 -> t27_bob (named); the app for bob 5 -> wallet:bob;
--   bob's withdraw_max -> wallet:x: 100 - 55 = 45.  Balance 1000 - 100 = 900.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(15);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t27_alice;
CREATE ROLE t27_bob;
CREATE ROLE t27_eve;
CREATE ROLE t27_app IN ROLE flowstream_app;
INSERT INTO flowstream.tokens VALUES ('T27USD', 6);

SET LOCAL flowstream.clock = '2026-07-01 00:00:00+00';
SET LOCAL ROLE t27_alice;
SELECT flowstream.create_stream('t27_alice', 't27_bob', 'T27USD', 1, deposit => 1000) AS s \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-07-01 00:01:40+00';

SET LOCAL ROLE t27_bob;
SELECT is(flowstream.withdraw(:s, 40, 'bank:bob-savings'), 40::numeric, 'bob withdraws 40 to his savings account');
SET LOCAL ROLE t27_alice;
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, 'bank:alice')$$, :s), '42501', NULL, 'alice cannot redirect bob''s money');
SET LOCAL ROLE t27_eve;
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, 'bank:eve')$$, :s), '42501', NULL, 'eve cannot take it');
SELECT is(flowstream.withdraw(:s, 10, 't27_bob'), 10::numeric, 'eve pays 10 to bob, named as the destination');
SET LOCAL ROLE t27_app;
SET LOCAL flowstream.actor = 'user:9';
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, 'wallet:bob')$$, :s), '42501', NULL,
    'the app acting for another user cannot redirect');
SET LOCAL flowstream.actor = 't27_bob';
SELECT is(flowstream.withdraw(:s, 5, 'wallet:bob'), 5::numeric, 'the app acting for bob sends 5 to his wallet');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t27_bob;
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 45.000001, 'wallet:x')$$, :s), 'SF006', NULL, 'only 45 left');
SELECT is(flowstream.withdraw_max(:s, 'wallet:x'), 45::numeric, 'bob withdraws the remaining 45 to wallet:x');
SELECT throws_ok(format($$SELECT flowstream.withdraw_max(%s, 'wallet:x')$$, :s), '22023', NULL, 'nothing left to withdraw');
RESET ROLE;

SELECT results_eq(
    format($$SELECT actor, amount, destination FROM flowstream.events WHERE stream_id = %s AND op = 'withdraw' ORDER BY id$$, :s),
    $$VALUES ('t27_bob'::text, 40::numeric, 'bank:bob-savings'::text),
             ('t27_eve', 10, 't27_bob'),
             ('t27_bob', 5, 'wallet:bob'),
             ('t27_bob', 45, 'wallet:x')$$,
    'each withdrawal with its destination');
SELECT is((SELECT recipient FROM flowstream.streams WHERE id = :s), 't27_bob', 'the recipient is still bob');
SELECT is(flowstream.balance(pg_temp.st(:s)), 900::numeric, 'balance 1000 - 100');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 0::numeric, 'nothing owed');
SELECT is(flowstream.total_debt(pg_temp.st(:s), '2026-07-01 00:02:00+00'), 20::numeric, '20 s later: 20 owed again');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
