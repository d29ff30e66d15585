-- 06_history.sql — the events history (SPEC §3): every operation writes its
-- event with its actor; set-based work calls the API per row; the history is
-- append-only even for the owner; and since 0.2.0 no direct UPDATE of a
-- stream is accepted, not even one that is a single legal operation (0.1.0
-- recorded those as events by the owner): only the API writes streams.
--
-- Roles: t6_alice (sender), t6_bob (recipient).  Token T6USD, 6 decimals
-- (and T6EUR, to try changing a stream's token).  The direct writes run as
-- postgres, a superuser.  t0 = 2026-01-01 00:00:00+00.
-- s: 0.01 token/s, 100 deposited.  w: 1 token/s, 10 deposited.
-- nt: not transferable.  m1, m2: 0.01 token/s, 1 deposited.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(59);
SET LOCAL client_min_messages = warning;

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE FUNCTION pg_temp.nevents(bigint) RETURNS bigint
    LANGUAGE sql STABLE AS $$SELECT count(*) FROM flowstream.events WHERE stream_id = $1$$;

CREATE ROLE t6_alice;
CREATE ROLE t6_bob;
INSERT INTO flowstream.tokens VALUES ('T6USD', 6), ('T6EUR', 6);

SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t6_alice;
SELECT flowstream.create_stream('t6_alice', 't6_bob', 'T6USD', 0.01, deposit => 100) AS s \gset
SELECT flowstream.create_stream('t6_alice', 't6_bob', 'T6USD', 1, deposit => 10) AS w \gset
SELECT flowstream.create_stream('t6_alice', 't6_bob', 'T6USD', 0.01, deposit => 10, transferable => false) AS nt \gset
SELECT flowstream.create_stream('t6_alice', 't6_bob', 'T6USD', 0.01, deposit => 1) AS m1 \gset
SELECT flowstream.create_stream('t6_alice', 't6_bob', 'T6USD', 0.01, deposit => 1) AS m2 \gset
RESET ROLE;

----------------------------------------------------------------------------
-- no direct UPDATE, not even one legal operation, and no event for it
----------------------------------------------------------------------------
-- +100 (00:01:40): s owes 1
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.deposit(state, 7, flowstream.now()) WHERE id = %s', :s),
    '42501', NULL, 'direct UPDATE: a deposit is refused (42501)');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.withdraw(state, 0.4, flowstream.now()) WHERE id = %s', :s),
    '42501', NULL, 'direct UPDATE: a withdrawal is refused');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.refund(state, 2, flowstream.now()) WHERE id = %s', :s),
    '42501', NULL, 'direct UPDATE: a refund is refused');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.pause(state, flowstream.now()) WHERE id = %s', :s),
    '42501', NULL, 'direct UPDATE: a pause is refused');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.void(state, flowstream.now()) WHERE id = %s', :w),
    '42501', NULL, 'direct UPDATE: a void is refused');
SELECT throws_ok(format($$UPDATE flowstream.streams SET recipient = 't6_carol' WHERE id = %s$$, :s),
    '42501', NULL, 'direct UPDATE: a transfer is refused');
SELECT throws_ok(format($$UPDATE flowstream.streams SET void_after = '1 day' WHERE id = %s$$, :s),
    '42501', NULL, 'direct UPDATE: a new grace is refused');
SELECT throws_ok(format($$UPDATE flowstream.streams SET metadata = '{"note": "x"}' WHERE id = %s$$, :s),
    '42501', NULL, 'direct UPDATE: new metadata is refused');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = state, recipient = recipient WHERE id = %s', :s),
    '42501', NULL, 'direct UPDATE: even one that changes nothing');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, flowstream.now()) WHERE id IN (%s, %s)', :m1, :m2),
    '42501', NULL, 'direct UPDATE of two streams at once');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.pause(flowstream.deposit(state, 1, flowstream.now()), flowstream.now()) WHERE id = %s', :s),
    '42501', NULL, 'direct UPDATE: two operations in one');
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = regexp_replace(state::text, 'snapshot_debt=[^,]*', 'snapshot_debt=0')::flowstream.stream WHERE id = %s$$, :s),
    '42501', NULL, 'direct UPDATE: forgiven debt');
SELECT throws_ok(format($$UPDATE flowstream.streams SET sender = 't6_bob' WHERE id = %s$$, :s), '42501', NULL, 'direct UPDATE: the sender');
SELECT throws_ok(format($$UPDATE flowstream.streams SET token = 'T6EUR' WHERE id = %s$$, :s), '42501', NULL, 'direct UPDATE: the token');
SELECT throws_ok(format($$UPDATE flowstream.streams SET created_at = created_at - interval '1 day' WHERE id = %s$$, :s), '42501', NULL,
    'direct UPDATE: created_at');
SELECT throws_ok(format($$UPDATE flowstream.streams SET last_event = last_event - 1 WHERE id = %s$$, :s), '42501', NULL,
    'direct UPDATE: last_event');
SELECT throws_ok(format($$UPDATE flowstream.streams SET id = id + 1000000 WHERE id = %s$$, :s), '42501', NULL, 'direct UPDATE: the id');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = NULL WHERE id = %s', :s), '42501', NULL, 'direct UPDATE: a NULL state');
SELECT is(pg_temp.nevents(:s) + pg_temp.nevents(:w) + pg_temp.nevents(:m1) + pg_temp.nevents(:m2), 8::bigint,
    'no event was written: each stream still has its create and its deposit');
SELECT is(flowstream.balance(pg_temp.st(:s)), 100::numeric, 's: balance still 100');

----------------------------------------------------------------------------
-- the same work through the API, set-based where there are several streams
----------------------------------------------------------------------------
SELECT lives_ok(format('SELECT flowstream.deposit(id, 1) FROM flowstream.streams WHERE id IN (%s, %s)', :m1, :m2),
    'set-based: SELECT flowstream.deposit(id, 1) FROM flowstream.streams WHERE ...');
SELECT results_eq(
    format($$SELECT stream_id, op::text, amount FROM flowstream.events WHERE stream_id IN (%s, %s) AND actor = 'postgres' ORDER BY stream_id$$, :m1, :m2),
    format($$VALUES (%s::bigint, 'deposit', 1::numeric), (%s, 'deposit', 1)$$, :m1, :m2),
    'one deposit event per stream, by its caller');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 7)', :s), 'deposit 7 (balance 107)');
SET LOCAL ROLE t6_bob;
-- 0.4 > sd = 0: snapshot, sd = 1 - 0.4 = 0.6, st = +100; balance 106.6
SELECT is(flowstream.withdraw(:s, 0.4), 0.400000, 'bob withdraws 0.4');
SET LOCAL ROLE t6_alice;
SELECT lives_ok(format('SELECT flowstream.refund(%s, 2)', :s), 'alice refunds 2 (balance 104.6)');
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), 'alice pauses (sd 0.6)');
-- w: td = 1 * 100 = 100, balance 10: voiding writes 90 off
SELECT is(flowstream.void(:w), 90.000000, 'alice voids w, writing 90 off');
RESET ROLE;
-- +200 (00:03:20)
SET LOCAL flowstream.clock = '2026-01-01 00:03:20+00';
SET LOCAL ROLE t6_alice;
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.02)', :s), 'alice restarts at 0.02 (st = +200)');
RESET ROLE;
-- +300 (00:05:00): sd = 0.6 + 0.02 * 100 = 2.6
SET LOCAL flowstream.clock = '2026-01-01 00:05:00+00';
SET LOCAL ROLE t6_alice;
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.03)', :s), 'alice adjusts the rate to 0.03');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 2.6, 'the adjustment''s snapshot: 0.6 + 0.02 * 100');
SET LOCAL ROLE t6_bob;
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't6_carol')$$, :s), 'bob transfers s to t6_carol');
RESET ROLE;
SET LOCAL ROLE t6_alice;
SELECT lives_ok(format($$SELECT flowstream.set_metadata(%s, '{"note": "x"}')$$, :s), 'alice sets the metadata');
RESET ROLE;
-- +400 (00:06:40): s owes 2.6 + 0.03 * 100 = 5.6 of its 104.6: voiding writes nothing off
SET LOCAL flowstream.clock = '2026-01-01 00:06:40+00';
SET LOCAL ROLE t6_alice;
SELECT is(flowstream.void(:s), 0.000000, 'alice voids s, which is solvent');
RESET ROLE;

SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination, at, flowstream.balance(state) FROM flowstream.events
             WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create'::text, 't6_alice'::text, NULL::numeric, 't6_bob'::text, '2026-01-01 00:00:00+00'::timestamptz, 0::numeric),
             ('deposit', 't6_alice', 100, NULL, '2026-01-01 00:00:00+00', 100),
             ('deposit', 'postgres', 7, NULL, '2026-01-01 00:01:40+00', 107),
             ('withdraw', 't6_bob', 0.4, 't6_bob', '2026-01-01 00:01:40+00', 106.6),
             ('refund', 't6_alice', 2, 't6_alice', '2026-01-01 00:01:40+00', 104.6),
             ('pause', 't6_alice', NULL, NULL, '2026-01-01 00:01:40+00', 104.6),
             ('restart', 't6_alice', 0.02, NULL, '2026-01-01 00:03:20+00', 104.6),
             ('adjust_rate', 't6_alice', 0.03, NULL, '2026-01-01 00:05:00+00', 104.6),
             ('transfer', 't6_bob', NULL, 't6_carol', '2026-01-01 00:05:00+00', 104.6),
             ('set_metadata', 't6_alice', NULL, NULL, '2026-01-01 00:05:00+00', 104.6),
             ('void', 't6_alice', 0, NULL, '2026-01-01 00:06:40+00', 104.6)$$,
    'the events: op, actor, amount, destination, time, balance after');
SELECT is((SELECT metadata FROM flowstream.events WHERE stream_id = :s AND op = 'set_metadata'), '{"note": "x"}'::jsonb,
    'the set_metadata event records the metadata');
SELECT results_eq(
    format($$SELECT op::text, actor, amount FROM flowstream.events WHERE stream_id = %s AND op = 'void'$$, :w),
    $$VALUES ('void'::text, 't6_alice'::text, 90::numeric)$$,
    'the void event of w: 100 owed - 10 balance = 90 written off');
SELECT ok((SELECT bool_and(e.state::text = s.state::text AND e.id = s.last_event)
           FROM flowstream.streams s
           JOIN LATERAL (SELECT * FROM flowstream.events e WHERE e.stream_id = s.id ORDER BY e.id DESC LIMIT 1) e ON true
           WHERE s.id IN (:s, :w, :nt, :m1, :m2)),
    'every stream''s state is its last event''s state');
SELECT ok((SELECT bool_and(ok) FROM (
             SELECT at >= lag(at) OVER (PARTITION BY stream_id ORDER BY id) IS NOT false AS ok
             FROM flowstream.events WHERE stream_id IN (:s, :w, :nt, :m1, :m2)) x),
    'event times never go back');

----------------------------------------------------------------------------
-- direct writes that are always refused, even to the owner
----------------------------------------------------------------------------
SELECT throws_ok(format('DELETE FROM flowstream.streams WHERE id = %s', :s), '42501', NULL, 'DELETE of a stream: refused (42501)');
SELECT throws_ok(format('DELETE FROM flowstream.streams WHERE id = %s', :m1), '42501', NULL, 'DELETE of a live stream: refused');
SELECT throws_ok('TRUNCATE flowstream.streams CASCADE', '42501', NULL, 'TRUNCATE streams: refused');
SELECT throws_ok(format($$UPDATE flowstream.events SET amount = 1000 WHERE stream_id = %s AND op = 'deposit'$$, :s),
    '42501', NULL, 'UPDATE of events: refused to the owner');
SELECT throws_ok(format($$UPDATE flowstream.events SET actor = 'nobody' WHERE stream_id = %s$$, :s),
    '42501', NULL, 'UPDATE of an event''s actor: refused');
SELECT throws_ok(format('DELETE FROM flowstream.events WHERE stream_id = %s', :s), '42501', NULL, 'DELETE of events: refused to the owner');
SELECT throws_ok('TRUNCATE flowstream.events', NULL, NULL, 'TRUNCATE events: refused to the owner');
SELECT throws_ok('TRUNCATE flowstream.events CASCADE', '42501', NULL, 'TRUNCATE events CASCADE: refused to the owner');
SELECT throws_ok(format($$INSERT INTO flowstream.events (stream_id, op, actor, amount, at, state)
        SELECT %1$s, 'deposit', 'postgres', 1, flowstream.now(), flowstream.deposit(state, 1, flowstream.now())
        FROM flowstream.streams WHERE id = %1$s$$, :m1),
    '42501', NULL, 'INSERT of an event for an existing stream: refused to the owner');
SELECT throws_ok(format($$INSERT INTO flowstream.streams (sender, recipient, token, state, last_event)
        SELECT sender, recipient, token, state, last_event FROM flowstream.streams WHERE id = %s$$, :m1),
    '23514', NULL, 'INSERT of a stream that is not a restore: refused');
SELECT throws_ok(format($$INSERT INTO flowstream.events (stream_id, op, actor, at, state)
        VALUES (-5, 'deposit', 'postgres', flowstream.now(), (SELECT state FROM flowstream.streams WHERE id = %s))$$, :m1),
    '23514', NULL, 'INSERT of an orphan event that does not start with a create: refused');

-- the owner's writes were refused, not ignored
SELECT is(pg_temp.nevents(:s), 11::bigint, 's: still its eleven events');
SELECT is(flowstream.balance(pg_temp.st(:s)), 104.6, 's: balance 104.6');
SELECT is((SELECT sender FROM flowstream.streams WHERE id = :s), 't6_alice', 's: sender unchanged');
SELECT is((SELECT token FROM flowstream.streams WHERE id = :s), 'T6USD', 's: token unchanged');
SELECT is((SELECT recipient FROM flowstream.streams WHERE id = :nt), 't6_bob', 'nt: recipient unchanged');
SELECT is(flowstream.is_voided(pg_temp.st(:w)), true, 'w: still voided');

-- the API after refused direct writes: the history goes on
SELECT lives_ok(format('SELECT flowstream.withdraw_max(%s)', :s), 'the API goes on after the refused writes (withdraw_max of the 5.6)');
SELECT is((SELECT amount FROM flowstream.events WHERE stream_id = :s ORDER BY id DESC LIMIT 1), 5.6,
    'withdrawn: the covered 5.6 (to carol)');
SELECT is((SELECT destination FROM flowstream.events WHERE stream_id = :s ORDER BY id DESC LIMIT 1), 't6_carol',
    'paid to the recipient after the transfer');

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
