-- 26_story_transfer.sql — the recipient transfers the stream; the new
-- recipient withdraws; the former one is a stranger now.
--
-- Token T26USD, 6 decimals.  t26_alice pays t26_bob 0.25 token/s, 100 deposited,
-- t0 = 2026-06-01 00:00:00+00.
--   +100 s: owed 25; bob withdraws 10 (sd = 25 - 10 = 15, st = +100; balance 90);
--           bob transfers the stream to t26_carol
--   +200 s: owed 15 + 25 = 40; carol withdraws it all (balance 50)
--   +240 s: owed 10; bob (anyone may pay the recipient) withdraws 4 to carol;
--           carol withdraws 5 to her bank; 1 stays owed (balance 41)
-- A stream created with transferable => false cannot be transferred (SF011).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(21);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t26_alice;
CREATE ROLE t26_bob;
CREATE ROLE t26_carol;
INSERT INTO flowstream.tokens VALUES ('T26USD', 6);

SET LOCAL flowstream.clock = '2026-06-01 00:00:00+00';
SET LOCAL ROLE t26_alice;
SELECT flowstream.create_stream('t26_alice', 't26_bob', 'T26USD', 0.25, deposit => 100) AS s \gset
SELECT flowstream.create_stream('t26_alice', 't26_bob', 'T26USD', 0.25, deposit => 100, transferable => false) AS locked \gset
RESET ROLE;

SET LOCAL flowstream.clock = '2026-06-01 00:01:40+00';
SET LOCAL ROLE t26_bob;
SELECT is(flowstream.withdraw(:s, 10), 10::numeric, '+100: bob withdraws 10 of 25');
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't26_carol')$$, :s), '+100: bob transfers the stream to carol');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't26_bob')$$, :s), '42501', NULL, 'bob cannot take it back');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, 'bank:bob')$$, :s), '42501', NULL, 'bob cannot withdraw to himself');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1, 't26_bob')$$, :s), '42501', NULL,
    'nor to his own name: he is no longer the recipient');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :s), '42501', NULL, 'nor void it');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 15::numeric, 'the debt went with the stream: 15');
SET LOCAL ROLE t26_alice;
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't26_alice')$$, :s), '42501', NULL, 'the sender cannot transfer');
SET LOCAL ROLE t26_bob;
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't26_carol')$$, :locked), 'SF011', NULL, 'a non-transferable stream stays with bob');
RESET ROLE;
SELECT is((SELECT recipient FROM flowstream.streams WHERE id = :locked), 't26_bob', 'locked: bob is still its recipient');

SET LOCAL flowstream.clock = '2026-06-01 00:03:20+00';
SET LOCAL ROLE t26_carol;
SELECT is(flowstream.withdraw_max(:s), 40::numeric, '+200: carol withdraws 15 + 25');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-06-01 00:04:00+00';
SET LOCAL ROLE t26_bob;
SELECT is(flowstream.withdraw(:s, 4), 4::numeric, '+240: bob pays 4 to carol (anyone may pay the recipient)');
SET LOCAL ROLE t26_carol;
SELECT is(flowstream.withdraw(:s, 5, 'bank:carol'), 5::numeric, '+240: carol withdraws 5 to her bank');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 1.000001, 'bank:carol')$$, :s), 'SF006', NULL, 'only 1 is left');
SELECT lives_ok(format($$SELECT flowstream.void(%s)$$, :s), 'the new recipient may void');
RESET ROLE;

SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination FROM flowstream.events
             WHERE stream_id = %s AND op IN ('withdraw', 'transfer', 'void') ORDER BY id$$, :s),
    $$VALUES ('withdraw'::text, 't26_bob'::text, 10::numeric, 't26_bob'::text),
             ('transfer', 't26_bob', NULL, 't26_carol'),
             ('withdraw', 't26_carol', 40, 't26_carol'),
             ('withdraw', 't26_bob', 4, 't26_carol'),
             ('withdraw', 't26_carol', 5, 'bank:carol'),
             ('void', 't26_carol', 0, NULL)$$,
    'who withdrew what, and where it went');
SELECT is(flowstream.balance(pg_temp.st(:s)), 41::numeric, 'balance 100 - 59');
SELECT is(flowstream.withdrawable(pg_temp.st(:s), flowstream.now()), 1::numeric, 'the last 1 still owed to carol after the void');
SELECT is(flowstream.refundable(pg_temp.st(:s), flowstream.now()), 40::numeric, 'alice can take back 40');
SELECT ok((SELECT state::text FROM flowstream.events WHERE stream_id = :s AND op = 'transfer') =
          (SELECT state::text FROM flowstream.events WHERE stream_id = :s AND op = 'withdraw' ORDER BY id LIMIT 1),
    'the transfer left the state as bob''s withdrawal had made it');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
