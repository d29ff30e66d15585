-- 07_verify.sql — flowstream.verify() (SPEC §5): nothing to report after
-- legal histories; every discrepancy reported after the superuser bypasses
-- the triggers and corrupts a stream or its history.
--
-- Roles: t7_alice (sender), t7_bob (recipient).  Tokens T7USD (6 decimals),
-- T7PTS (0 decimals).  t0 = 2026-01-01 00:00:00+00.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(24);

CREATE ROLE t7_alice;
CREATE ROLE t7_bob;
INSERT INTO flowstream.tokens VALUES ('T7USD', 6), ('T7PTS', 0);

-- a clean history on each token, then verify()
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t7_alice;
SELECT flowstream.create_stream('t7_alice', 't7_bob', 'T7USD', 0.01, deposit => 100) AS c1 \gset
SELECT flowstream.create_stream('t7_alice', 't7_bob', 'T7PTS', 0.3, deposit => 10) AS c2 \gset
SELECT flowstream.create_stream('t7_alice', 't7_bob', 'T7USD', 0.01, deposit => 100) AS x1 \gset
SELECT flowstream.create_stream('t7_alice', 't7_bob', 'T7USD', 0.01, deposit => 100) AS x2 \gset
SELECT flowstream.create_stream('t7_alice', 't7_bob', 'T7USD', 0.01, deposit => 100) AS x3 \gset
SELECT flowstream.create_stream('t7_alice', 't7_bob', 'T7PTS', 1, deposit => 50) AS x4 \gset
RESET ROLE;
-- +100 (00:01:40): c1 owes 1, c2 owes floor(30) = 30 (balance 10: 20 uncovered), x4 owes 100 of 50
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SET LOCAL ROLE t7_bob;
SELECT is(flowstream.withdraw(:c1, 0.25), 0.25, 'c1: bob withdraws 0.25');
SELECT is(flowstream.withdraw_max(:c2), 10::numeric, 'c2: bob withdraws the covered 10');
SELECT is(flowstream.withdraw(:x2, 0.5), 0.5, 'x2: bob withdraws 0.5');
SELECT is(flowstream.withdraw(:x4, 7), 7::numeric, 'x4: bob withdraws 7');
SET LOCAL ROLE t7_alice;
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :c1), 'c1: alice pauses');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 5)', :x1), 'x1: alice deposits 5');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 5)', :x3), 'x3: alice deposits 5');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:03:20+00';
SET LOCAL ROLE t7_alice;
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.02)', :c1), 'c1: alice restarts');
SELECT is(flowstream.refund_max(:c1), 99.75 - 0.75, 'c1: refund_max 99.75 - (1 - 0.25)');
SELECT is(flowstream.void(:c2), 50::numeric, 'c2: void writes off 0.3 * 200 - 10 - 0 = 50');
RESET ROLE;
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify(): nothing after legal histories');

-- 1. the superuser bypasses the streams trigger and adds money to x1's row
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
UPDATE flowstream.streams SET state = flowstream.deposit(state, 1000, flowstream.now()) WHERE id = :x1;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem LIKE '%%state is not the state after its last event%%'$$, :x1),
    'x1: the row is not where its history ends');
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s AND problem LIKE '%%deposits%%'$$, :x1),
    'x1: deposits <> balance + withdrawn + refunded');
SELECT isnt_empty($$SELECT * FROM flowstream.verify() WHERE stream_id IS NULL AND token = 'T7USD' AND problem LIKE 'token deposits%'$$,
    'T7USD: the token''s deposits <> its balances + withdrawn + refunded');
SELECT is_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id NOT IN (%s) OR (stream_id IS NULL AND token <> 'T7USD')$$, :x1),
    'nothing is reported about the other streams and tokens');

-- 2. the debt of x2 forgiven in its row (snapshot debt 0.5 -> 0)
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
UPDATE flowstream.streams SET state = regexp_replace(state::text, 'snapshot_debt=[^,]*', 'snapshot_debt=0')::flowstream.stream
    WHERE id = :x2;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem LIKE '%%state is not the state after its last event%%'$$, :x2),
    'x2: the row is not where its history ends');

-- 3. x3's row points at an older event
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
UPDATE flowstream.streams SET last_event = (SELECT min(id) FROM flowstream.events WHERE stream_id = :x3) WHERE id = :x3;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s AND problem LIKE 'last_event%%'$$, :x3),
    'x3: last_event is not the last event');

-- 4. the history of x4 rewritten: its withdrawal of 7 becomes 2
ALTER TABLE flowstream.events DISABLE TRIGGER events_guard;
UPDATE flowstream.events SET amount = 2 WHERE stream_id = :x4 AND op = 'withdraw';
ALTER TABLE flowstream.events ENABLE TRIGGER events_guard;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s AND problem LIKE 'event %%'$$, :x4),
    'x4: the withdraw event does not follow from the state before it');
SELECT isnt_empty($$SELECT * FROM flowstream.verify() WHERE stream_id IS NULL AND token = 'T7PTS'$$,
    'T7PTS: the token''s sums no longer balance');

-- 5. an event deleted from c1's history (its first deposit)
ALTER TABLE flowstream.events DISABLE TRIGGER events_guard;
DELETE FROM flowstream.events WHERE stream_id = :c1 AND op = 'deposit';
ALTER TABLE flowstream.events ENABLE TRIGGER events_guard;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s$$, :c1),
    'c1: a missing deposit event is reported');

-- 6. a token's decimals changed behind the triggers' back (tokens_guard
-- keeps them from changing; 0.1.0 could race): every stream of the token
-- is reported
ALTER TABLE flowstream.tokens DISABLE TRIGGER tokens_guard;
UPDATE flowstream.tokens SET decimals = 9 WHERE token = 'T7PTS';
ALTER TABLE flowstream.tokens ENABLE TRIGGER tokens_guard;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem = 'its state has 0 decimals, its token 9'$$, :c2),
    'c2: its state''s decimals are not its token''s');
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem = 'its state has 0 decimals, its token 9'$$, :x4),
    'x4: likewise');

-- verify() reports each discrepancy, and the triggers are back
SELECT ok((SELECT count(DISTINCT stream_id) FROM flowstream.verify()) = 6,
    'six streams reported: x1, x2, x3, x4, c1, c2');
SELECT ok((SELECT bool_and(tgenabled = 'O') FROM pg_trigger
           WHERE tgrelid IN ('flowstream.streams'::regclass, 'flowstream.events'::regclass,
                             'flowstream.tokens'::regclass) AND NOT tgisinternal),
    'the triggers are enabled again');

SELECT * FROM finish();
ROLLBACK;
