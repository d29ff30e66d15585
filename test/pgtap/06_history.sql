-- 06_history.sql — the events history (SPEC §3): append-only even for the
-- owner; a privileged direct UPDATE of a stream that is one legal operation
-- writes that operation's event (actor: the role that updated), anything
-- else is refused; streams are never deleted.
--
-- Roles: t6_alice (sender), t6_bob (recipient).  Token T6USD, 6 decimals
-- (and T6EUR, to try changing a stream's token).  The direct writes run as
-- postgres, the owner of the tables.  t0 = 2026-01-01 00:00:00+00.
-- s: 0.01 token/s, 100 deposited.  w: 1 token/s, 10 deposited.
-- nt: not transferable.  m1, m2: 0.01 token/s, 1 deposited.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(57);
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
-- the owner's direct UPDATEs that are one legal operation each
----------------------------------------------------------------------------
-- +100 (00:01:40): s owes 1
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.deposit(state, 7, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: a deposit of 7 (balance 107)');
-- withdraw 0.4: 0.4 > sd = 0, snapshot: sd = 1 - 0.4 = 0.6, st = +100; balance 106.6
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.withdraw(state, 0.4, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: a withdrawal of 0.4');
-- refund 2 (refundable 106.6 - 0.6): balance 104.6
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.refund(state, 2, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: a refund of 2');
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.pause(state, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: a pause (sd 0.6)');
-- w: td = 1 * 100 = 100, balance 10: voiding writes 90 off
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.void(state, flowstream.now()) WHERE id = %s', :w),
    'direct UPDATE: a void of an insolvent stream');
-- +200 (00:03:20)
SET LOCAL flowstream.clock = '2026-01-01 00:03:20+00';
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.restart(state, 0.02, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: a restart at 0.02 (st = +200)');
-- +300 (00:05:00): sd = 0.6 + 0.02 * 100 = 2.6
SET LOCAL flowstream.clock = '2026-01-01 00:05:00+00';
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.adjust_rate(state, 0.03, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: an adjust_rate to 0.03');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 2.6, 'the adjustment''s snapshot: 0.6 + 0.02 * 100');
SELECT lives_ok(format($$UPDATE flowstream.streams SET recipient = 't6_carol' WHERE id = %s$$, :s),
    'direct UPDATE: a transfer to t6_carol');

-- updates that are no operation write no event
SELECT pg_temp.nevents(:s) AS n_before \gset
SELECT lives_ok(format($$UPDATE flowstream.streams SET metadata = '{"note": "x"}' WHERE id = %s$$, :s),
    'direct UPDATE of metadata');
SELECT lives_ok(format('UPDATE flowstream.streams SET state = state, recipient = recipient WHERE id = %s', :s),
    'direct UPDATE that changes nothing');
SELECT is(pg_temp.nevents(:s), :n_before::bigint, 'no event for them');

-- one statement updating two streams: one event each
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, flowstream.now()) WHERE id IN (%s, %s)', :m1, :m2),
    'direct UPDATE of two streams at once');
SELECT results_eq(
    format($$SELECT stream_id, op::text, amount FROM flowstream.events WHERE stream_id IN (%s, %s) AND actor = 'postgres' ORDER BY stream_id$$, :m1, :m2),
    format($$VALUES (%s::bigint, 'deposit', 1::numeric), (%s, 'deposit', 1)$$, :m1, :m2),
    'one deposit event per updated stream');

----------------------------------------------------------------------------
-- the owner's direct UPDATEs that are not one legal operation
----------------------------------------------------------------------------
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.pause(flowstream.deposit(state, 1, flowstream.now()), flowstream.now()) WHERE id = %s', :s),
    '23514', NULL, 'refused: two operations (deposit and pause) in one UPDATE');
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, flowstream.now()), recipient = 't6_dave' WHERE id = %s$$, :s),
    '23514', NULL, 'refused: a deposit and a transfer in one UPDATE');
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = regexp_replace(state::text, 'snapshot_debt=[^,]*', 'snapshot_debt=0')::flowstream.stream WHERE id = %s$$, :s),
    '23514', NULL, 'refused: the debt forgiven (snapshot_debt 2.6 -> 0), which no operation does');
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = regexp_replace(state::text, 'snapshot_time=[^,]*', 'snapshot_time=2026-01-01T00:04:00Z')::flowstream.stream WHERE id = %s$$, :s),
    '23514', NULL, 'refused: the snapshot time moved back alone');
SELECT throws_ok(format($$UPDATE flowstream.streams SET sender = 't6_bob' WHERE id = %s$$, :s), '23514', NULL, 'refused: changing the sender');
SELECT throws_ok(format($$UPDATE flowstream.streams SET token = 'T6EUR' WHERE id = %s$$, :s), '23514', NULL, 'refused: changing the token');
SELECT throws_ok(format($$UPDATE flowstream.streams SET created_at = created_at - interval '1 day' WHERE id = %s$$, :s), '23514', NULL,
    'refused: changing created_at');
SELECT throws_ok(format($$UPDATE flowstream.streams SET last_event = last_event - 1 WHERE id = %s$$, :s), '23514', NULL,
    'refused: changing last_event');
SELECT throws_ok(format($$UPDATE flowstream.streams SET id = id + 1000000 WHERE id = %s$$, :s), '23514', NULL, 'refused: changing the id');
-- refused with the operation's own SQLSTATE
SELECT throws_ok(format($$UPDATE flowstream.streams SET recipient = 't6_carol' WHERE id = %s$$, :nt), 'SF011', NULL,
    'refused: a transfer of a non-transferable stream (SF011)');
SELECT throws_ok(format($$UPDATE flowstream.streams
        SET state = regexp_replace(regexp_replace(state::text, 'voided=true', 'voided=false'),
                                   'rate_per_second=[^,]*', 'rate_per_second=1')::flowstream.stream
        WHERE id = %s$$, :w),
    'SF002', NULL, 'refused: reviving a voided stream is a restart of a voided stream (SF002)');
SELECT throws_ok(format($$UPDATE flowstream.streams
        SET state = regexp_replace(regexp_replace(state::text, 'last_op=[^,)]*', 'last_op=2026-01-01T00:03:20Z'),
                                   'rate_per_second=[^,]*', 'rate_per_second=0')::flowstream.stream
        WHERE id = %s$$, :m1),
    'SF010', NULL, 'refused: a pause of m1 dated +200, before its last operation at +300 (SF010)');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = flowstream.withdraw(state, 1000, flowstream.now()) WHERE id = %s', :s),
    'SF006', NULL, 'refused: a withdrawal beyond the withdrawable (SF006, from the transition)');
SELECT throws_ok(format('UPDATE flowstream.streams SET state = NULL WHERE id = %s', :s), NULL, NULL, 'refused: a NULL state');

-- a direct operation is dated by the state it writes (last_op); the managed
-- layer's time is flowstream.now(), and an operation dated a year ahead
-- would lock the stream against every API call until then (SF010)
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, flowstream.now() + interval '1 year') WHERE id = %s$$, :m2),
    '23514', NULL, 'refused: a direct deposit dated a year after flowstream.now()');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :m2), 'so the API still works on m2 at flowstream.now()');

-- +400 (00:06:40): s owes 2.6 + 0.03 * 100 = 5.6 of its 104.6: voiding writes nothing off
SET LOCAL flowstream.clock = '2026-01-01 00:06:40+00';
-- and one dated between the last operation (+300) and now (+400) rewrites the recent past:
-- state_at(m1, +350) would change after the fact
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, '2026-01-01 00:05:50+00') WHERE id = %s$$, :m1),
    '23514', NULL, 'refused: a direct deposit dated 50 s before flowstream.now()');
SELECT lives_ok(format('UPDATE flowstream.streams SET state = flowstream.void(state, flowstream.now()) WHERE id = %s', :s),
    'direct UPDATE: a void of a solvent stream');

SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination, at, flowstream.balance(state) FROM flowstream.events
             WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create'::text, 't6_alice'::text, NULL::numeric, 't6_bob'::text, '2026-01-01 00:00:00+00'::timestamptz, 0::numeric),
             ('deposit', 't6_alice', 100, NULL, '2026-01-01 00:00:00+00', 100),
             ('deposit', 'postgres', 7, NULL, '2026-01-01 00:01:40+00', 107),
             ('withdraw', 'postgres', 0.4, 't6_bob', '2026-01-01 00:01:40+00', 106.6),
             ('refund', 'postgres', 2, 't6_alice', '2026-01-01 00:01:40+00', 104.6),
             ('pause', 'postgres', NULL, NULL, '2026-01-01 00:01:40+00', 104.6),
             ('restart', 'postgres', 0.02, NULL, '2026-01-01 00:03:20+00', 104.6),
             ('adjust_rate', 'postgres', 0.03, NULL, '2026-01-01 00:05:00+00', 104.6),
             ('transfer', 'postgres', NULL, 't6_carol', '2026-01-01 00:05:00+00', 104.6),
             ('void', 'postgres', 0, NULL, '2026-01-01 00:06:40+00', 104.6)$$,
    'the events of the direct UPDATEs: op, actor postgres, amount, destination, time, balance after');
SELECT results_eq(
    format($$SELECT op::text, actor, amount FROM flowstream.events WHERE stream_id = %s AND op = 'void'$$, :w),
    $$VALUES ('void'::text, 'postgres'::text, 90::numeric)$$,
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
SELECT is(pg_temp.nevents(:s), 10::bigint, 's: still its ten events');
SELECT is(flowstream.balance(pg_temp.st(:s)), 104.6, 's: balance 104.6');
SELECT is((SELECT sender FROM flowstream.streams WHERE id = :s), 't6_alice', 's: sender unchanged');
SELECT is((SELECT token FROM flowstream.streams WHERE id = :s), 'T6USD', 's: token unchanged');
SELECT is((SELECT recipient FROM flowstream.streams WHERE id = :nt), 't6_bob', 'nt: recipient unchanged');
SELECT is(flowstream.is_voided(pg_temp.st(:w)), true, 'w: still voided');

-- the API after direct writes: the history goes on
SELECT lives_ok(format('SELECT flowstream.withdraw_max(%s)', :s), 'the API goes on after direct writes (withdraw_max of the 5.6)');
SELECT is((SELECT amount FROM flowstream.events WHERE stream_id = :s ORDER BY id DESC LIMIT 1), 5.6,
    'withdrawn: the covered 5.6 (to carol)');
SELECT is((SELECT destination FROM flowstream.events WHERE stream_id = :s ORDER BY id DESC LIMIT 1), 't6_carol',
    'paid to the recipient after the direct transfer');

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
