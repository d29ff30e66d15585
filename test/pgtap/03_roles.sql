-- 03_roles.sql — who may do what (SPEC §4): every operation by every kind of
-- actor, flowstream.actor, the superuser-only clock and the tables that only
-- the owner writes.
--
-- Roles: t3_alice (sender), t3_bob (recipient), t3_eve (a stranger),
-- t3_app (member of flowstream_app, acting as flowstream.actor = 'user:42', a
-- third party, unless said otherwise), t3_admin (member of flowstream_admin).
-- Token T3USD, 6 decimals.  t0 = 2026-01-01 00:00:00+00, everything after
-- creation happens at t0 + 100 s, when a stream at 0.01 token/s owes 1.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(129);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;

CREATE ROLE t3_alice;
CREATE ROLE t3_bob;
CREATE ROLE t3_eve;
CREATE ROLE t3_app IN ROLE flowstream_app;
CREATE ROLE t3_admin IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens VALUES ('T3USD', 6);

----------------------------------------------------------------------------
-- create_stream: only as the sender
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t3_bob;
SELECT throws_ok($$SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01)$$, '42501', NULL,
    'create_stream: the recipient may not create for the sender');
SET LOCAL ROLE t3_eve;
SELECT throws_ok($$SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01)$$, '42501', NULL,
    'create_stream: a stranger may not create for the sender');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT throws_ok($$SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01)$$, '42501', NULL,
    'create_stream: the app acting for user:42 may not create for alice');
SELECT lives_ok($$SELECT flowstream.create_stream('user:42', 't3_bob', 'T3USD', 0.01, deposit => 1)$$,
    'create_stream: the app acting for user:42 creates from user:42');
SET LOCAL flowstream.actor = '';
SELECT throws_ok($$SELECT flowstream.create_stream('user:42', 't3_bob', 'T3USD', 0.01)$$, '42501', NULL,
    'create_stream: without flowstream.actor the app acts as itself, not as user:42');
SELECT lives_ok($$SELECT flowstream.create_stream('t3_app', 't3_bob', 'T3USD', 0.01)$$,
    'create_stream: without flowstream.actor the app creates from itself');
RESET ROLE;
SELECT results_eq(
    $$SELECT e.actor, s.sender FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id
      WHERE s.recipient = 't3_bob' AND e.op = 'create' ORDER BY e.id$$,
    $$VALUES ('user:42', 'user:42'), ('t3_app', 't3_app')$$,
    'create events name the acting party');

SET LOCAL ROLE t3_alice;
SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01, deposit => 100) AS s \gset
SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01, deposit => 100) AS sv1 \gset
SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01, deposit => 100) AS sv2 \gset
SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01, deposit => 100) AS s2 \gset
SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01, deposit => 100) AS s3 \gset
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s3), 'setup: s3 paused (for restart)');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';

----------------------------------------------------------------------------
-- deposit: anyone
----------------------------------------------------------------------------
SET LOCAL ROLE t3_alice;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 0.5)', :s), 'deposit: the sender');
SET LOCAL ROLE t3_bob;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 0.5)', :s), 'deposit: the recipient');
SET LOCAL ROLE t3_eve;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 0.5)', :s), 'deposit: a stranger');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 0.5)', :s), 'deposit: the app for user:42');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT results_eq(
    format($$SELECT actor FROM flowstream.events WHERE stream_id = %s AND op = 'deposit' ORDER BY id$$, :s),
    $$VALUES ('t3_alice'), ('t3_alice'), ('t3_bob'), ('t3_eve'), ('user:42')$$,
    'deposit events: the initial one, then each actor as it acted');

----------------------------------------------------------------------------
-- withdraw: anyone to the recipient, only the recipient elsewhere
----------------------------------------------------------------------------
SET LOCAL ROLE t3_alice;
SELECT is(flowstream.withdraw(:s, 0.01), 0.01, 'withdraw to the recipient: the sender');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.01, 't3_alice')$$, :s), '42501', NULL,
    'withdraw elsewhere: not the sender');
SELECT throws_ok(format($$SELECT flowstream.withdraw_max(%s, 't3_alice')$$, :s), '42501', NULL,
    'withdraw_max elsewhere: not the sender');
SET LOCAL ROLE t3_bob;
SELECT is(flowstream.withdraw(:s, 0.01), 0.01, 'withdraw to the recipient: the recipient');
SELECT is(flowstream.withdraw(:s, 0.1, 'bank:bob'), 0.1, 'withdraw elsewhere: the recipient');
SET LOCAL ROLE t3_eve;
SELECT is(flowstream.withdraw(:s, 0.01), 0.01, 'withdraw to the recipient: a stranger');
SELECT is(flowstream.withdraw(:s, 0.01, 't3_bob'), 0.01, 'withdraw to the recipient named explicitly: a stranger');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.01, 't3_eve')$$, :s), '42501', NULL,
    'withdraw elsewhere: not a stranger');
SELECT throws_ok(format($$SELECT flowstream.withdraw_max(%s, 't3_eve')$$, :s), '42501', NULL,
    'withdraw_max elsewhere: not a stranger');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT is(flowstream.withdraw(:s, 0.01), 0.01, 'withdraw to the recipient: the app for user:42');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.01, 'user:42')$$, :s), '42501', NULL,
    'withdraw elsewhere: not the app for user:42');
SELECT throws_ok(format($$SELECT flowstream.withdraw_max(%s, 'user:42')$$, :s), '42501', NULL,
    'withdraw_max elsewhere: not the app for user:42');
SET LOCAL flowstream.actor = 't3_bob';
SELECT is(flowstream.withdraw(:s, 0.1, 'bank:bob'), 0.1, 'withdraw elsewhere: the app acting for the recipient');
SET LOCAL flowstream.actor = '';
RESET ROLE;
-- td was 1; withdrawn 0.01 * 5 + 0.1 * 2 = 0.25: 0.75 left
SET LOCAL ROLE t3_bob;
SELECT is(flowstream.withdraw_max(:s, 'bank:bob'), 0.75, 'withdraw_max elsewhere: the recipient, 1 - 0.25');
RESET ROLE;
SELECT results_eq(
    format($$SELECT actor, amount, destination FROM flowstream.events
             WHERE stream_id = %s AND op = 'withdraw' ORDER BY id$$, :s),
    $$VALUES ('t3_alice', 0.01, 't3_bob'), ('t3_bob', 0.01, 't3_bob'), ('t3_bob', 0.1, 'bank:bob'),
             ('t3_eve', 0.01, 't3_bob'), ('t3_eve', 0.01, 't3_bob'), ('user:42', 0.01, 't3_bob'),
             ('t3_bob', 0.1, 'bank:bob'), ('t3_bob', 0.75, 'bank:bob')$$,
    'withdraw events: actor, amount, destination');

----------------------------------------------------------------------------
-- pause, restart, adjust_rate, refund, refund_max: the sender only
----------------------------------------------------------------------------
SET LOCAL ROLE t3_bob;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: not the recipient');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :s), '42501', NULL, 'adjust_rate: not the recipient');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :s3), '42501', NULL, 'restart: not the recipient');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s), '42501', NULL, 'refund: not the recipient');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :s), '42501', NULL, 'refund_max: not the recipient');
SET LOCAL ROLE t3_eve;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: not a stranger');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :s), '42501', NULL, 'adjust_rate: not a stranger');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :s3), '42501', NULL, 'restart: not a stranger');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s), '42501', NULL, 'refund: not a stranger');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :s), '42501', NULL, 'refund_max: not a stranger');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: not the app for user:42');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :s), '42501', NULL, 'adjust_rate: not the app for user:42');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :s3), '42501', NULL, 'restart: not the app for user:42');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s), '42501', NULL, 'refund: not the app for user:42');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :s), '42501', NULL, 'refund_max: not the app for user:42');
SET LOCAL flowstream.actor = '';
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: not the app as itself');
SET LOCAL ROLE t3_admin;
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: not a flowstream_admin member');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s), '42501', NULL, 'refund: not a flowstream_admin member');
SET LOCAL ROLE t3_alice;
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :s), 'adjust_rate: the sender');
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), 'pause: the sender');
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.03)', :s), 'restart: the sender');
SELECT lives_ok(format('SELECT flowstream.refund(%s, 1)', :s), 'refund: the sender');
-- balance 102 - 1 (withdrawn) - 1 (refunded) = 100, debt 0 (withdrawn at this time): all refundable
SELECT is(flowstream.refund_max(:s), 100::numeric, 'refund_max: the sender gets 102 - 1 - 1');
-- the app acting for the sender is the sender
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 't3_alice';
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.04)', :s), 'adjust_rate: the app acting for the sender');
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), 'pause: the app acting for the sender');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT results_eq(
    format($$SELECT op::text, actor FROM flowstream.events
             WHERE stream_id = %s AND op IN ('pause', 'restart', 'adjust_rate', 'refund') ORDER BY id$$, :s),
    $$VALUES ('adjust_rate', 't3_alice'), ('pause', 't3_alice'), ('restart', 't3_alice'),
             ('refund', 't3_alice'), ('refund', 't3_alice'), ('adjust_rate', 't3_alice'), ('pause', 't3_alice')$$,
    'sender-only events: all by the sender (the app recorded as the party it acts for)');

----------------------------------------------------------------------------
-- void: the sender or the recipient
----------------------------------------------------------------------------
SET LOCAL ROLE t3_eve;
SELECT throws_ok(format('SELECT flowstream.void(%s)', :sv1), '42501', NULL, 'void: not a stranger');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT throws_ok(format('SELECT flowstream.void(%s)', :sv1), '42501', NULL, 'void: not the app for user:42');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t3_admin;
SELECT throws_ok(format('SELECT flowstream.void(%s)', :sv1), '42501', NULL, 'void: not a flowstream_admin member');
SET LOCAL ROLE t3_bob;
SELECT is(flowstream.void(:sv1), 0::numeric, 'void: the recipient (solvent: nothing written off)');
SET LOCAL ROLE t3_alice;
SELECT is(flowstream.void(:sv2), 0::numeric, 'void: the sender');
RESET ROLE;
-- after a solvent void the covered 1 is still owed: anyone may pay it to the recipient
SET LOCAL ROLE t3_eve;
SELECT is(flowstream.withdraw_max(:sv2), 1::numeric, 'withdraw_max to the recipient: a stranger');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT is(flowstream.withdraw_max(:sv1), 1::numeric, 'withdraw_max to the recipient: the app for user:42');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT results_eq(
    format($$SELECT stream_id, actor, amount, destination FROM flowstream.events
             WHERE stream_id IN (%s, %s) AND op = 'withdraw' ORDER BY id$$, :sv1, :sv2),
    format($$VALUES (%s::bigint, 't3_eve'::text, 1::numeric, 't3_bob'::text), (%s, 'user:42', 1, 't3_bob')$$, :sv2, :sv1),
    'withdraw_max events: paid to the recipient whoever asked');
SELECT results_eq(
    format($$SELECT stream_id, actor FROM flowstream.events WHERE stream_id IN (%s, %s) AND op = 'void' ORDER BY id$$, :sv1, :sv2),
    format($$VALUES (%s::bigint, 't3_bob'), (%s, 't3_alice')$$, :sv1, :sv2),
    'void events: by the recipient and by the sender');

----------------------------------------------------------------------------
-- transfer: the recipient, if transferable
----------------------------------------------------------------------------
SET LOCAL ROLE t3_alice;
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't3_eve')$$, :s2), '42501', NULL, 'transfer: not the sender');
SET LOCAL ROLE t3_eve;
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't3_eve')$$, :s2), '42501', NULL, 'transfer: not a stranger');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 'user:42')$$, :s2), '42501', NULL, 'transfer: not the app for user:42');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t3_bob;
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't3_carol')$$, :s2), 'transfer: the recipient');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't3_bob')$$, :s2), '42501', NULL,
    'transfer: the former recipient no longer may');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.01, 'bank:bob')$$, :s2), '42501', NULL,
    'withdraw elsewhere: the former recipient no longer may');
SET LOCAL ROLE t3_app;
SET LOCAL flowstream.actor = 't3_carol';
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't3_bob')$$, :s2), 'transfer: the app acting for the new recipient');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT results_eq(
    format($$SELECT actor, destination FROM flowstream.events WHERE stream_id = %s AND op = 'transfer' ORDER BY id$$, :s2),
    $$VALUES ('t3_bob', 't3_carol'), ('t3_carol', 't3_bob')$$,
    'transfer events: actor and new recipient');

----------------------------------------------------------------------------
-- an ordinary role setting flowstream.actor gets 42501 from every API call,
-- even where it would be allowed as itself, and even naming itself
----------------------------------------------------------------------------
SET LOCAL ROLE t3_eve;
SET LOCAL flowstream.actor = 't3_alice';
SELECT throws_ok($$SELECT flowstream.create_stream('t3_alice', 't3_bob', 'T3USD', 0.01)$$, '42501', NULL, 'spoofed actor: create_stream');
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :s2), '42501', NULL, 'spoofed actor: deposit');
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.01)', :s2), '42501', NULL, 'spoofed actor: withdraw to the recipient');
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :s2), '42501', NULL, 'spoofed actor: withdraw_max');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s2), '42501', NULL, 'spoofed actor: refund');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :s2), '42501', NULL, 'spoofed actor: refund_max');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s2), '42501', NULL, 'spoofed actor: pause');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.02)', :s3), '42501', NULL, 'spoofed actor: restart');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :s2), '42501', NULL, 'spoofed actor: adjust_rate');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :s2), '42501', NULL, 'spoofed actor: void');
SET LOCAL flowstream.actor = 't3_bob';
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't3_eve')$$, :s2), '42501', NULL, 'spoofed actor: transfer');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t3_alice;
SET LOCAL flowstream.actor = 't3_alice';
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s2), '42501', NULL, 'spoofed actor: even the sender naming herself');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t3_bob;
SET LOCAL flowstream.actor = 't3_bob';
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 0.01)', :s2), '42501', NULL, 'spoofed actor: even the recipient naming himself');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t3_admin;
SET LOCAL flowstream.actor = 't3_alice';
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s2), '42501', NULL, 'spoofed actor: flowstream_admin is not flowstream_app');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t3_eve;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :s2), 'an empty flowstream.actor is no actor: eve deposits as herself');
RESET ROLE;
SELECT is((SELECT actor FROM flowstream.events WHERE stream_id = :s2 ORDER BY id DESC LIMIT 1), 't3_eve',
    'the deposit is eve''s');

----------------------------------------------------------------------------
-- the test clock is the superuser's
----------------------------------------------------------------------------
SET LOCAL ROLE t3_eve;
SELECT throws_ok($$SET LOCAL flowstream.clock = '2030-01-01 00:00:00+00'$$, '42501', NULL, 'clock: SET LOCAL refused to a stranger');
SELECT throws_ok($$SET flowstream.clock = '2030-01-01 00:00:00+00'$$, '42501', NULL, 'clock: SET refused to a stranger');
SELECT throws_ok($$SELECT set_config('flowstream.clock', '2030-01-01 00:00:00+00', true)$$, '42501', NULL, 'clock: set_config refused');
SELECT throws_ok($$SET LOCAL flowstream.clock = ''$$, '42501', NULL, 'clock: nor can it be unset');
SELECT throws_ok($$RESET flowstream.clock$$, '42501', NULL, 'clock: nor RESET');
SET LOCAL ROLE t3_alice;
SELECT throws_ok($$SET LOCAL flowstream.clock = '2020-01-01 00:00:00+00'$$, '42501', NULL, 'clock: refused to a sender');
SET LOCAL ROLE t3_app;
SELECT throws_ok($$SET LOCAL flowstream.clock = '2030-01-01 00:00:00+00'$$, '42501', NULL, 'clock: refused to flowstream_app');
SET LOCAL ROLE t3_admin;
SELECT throws_ok($$SET LOCAL flowstream.clock = '2030-01-01 00:00:00+00'$$, '42501', NULL, 'clock: refused to flowstream_admin');
SELECT is(flowstream.now(), '2026-01-01 00:01:40+00'::timestamptz, 'the clock did not move');
RESET ROLE;

----------------------------------------------------------------------------
-- no one but the owner writes the tables
----------------------------------------------------------------------------
SET LOCAL ROLE t3_alice;
SELECT throws_ok(format($$UPDATE flowstream.streams SET metadata = '{"x": 1}' WHERE id = %s$$, :s2), '42501', NULL,
    'the sender cannot UPDATE her stream');
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, flowstream.now()) WHERE id = %s$$, :s2),
    '42501', NULL, 'the sender cannot UPDATE the state of her stream');
SELECT throws_ok(format('DELETE FROM flowstream.streams WHERE id = %s', :s2), '42501', NULL, 'the sender cannot DELETE her stream');
SET LOCAL ROLE t3_bob;
SELECT throws_ok(format($$UPDATE flowstream.streams SET recipient = 't3_eve' WHERE id = %s$$, :s2), '42501', NULL,
    'the recipient cannot UPDATE his stream');
SET LOCAL ROLE t3_eve;
SELECT throws_ok($$INSERT INTO flowstream.tokens VALUES ('T3EVE', 2)$$, '42501', NULL, 'tokens: no INSERT');
SELECT throws_ok($$UPDATE flowstream.tokens SET decimals = 2 WHERE token = 'T3USD'$$, '42501', NULL, 'tokens: no UPDATE');
SELECT throws_ok($$DELETE FROM flowstream.tokens WHERE token = 'T3USD'$$, '42501', NULL, 'tokens: no DELETE');
SELECT throws_ok($$TRUNCATE flowstream.tokens$$, '42501', NULL, 'tokens: no TRUNCATE');
SELECT throws_ok(format($$INSERT INTO flowstream.streams (sender, recipient, token, state, last_event)
    SELECT 't3_eve', 't3_eve', 'T3USD', state, last_event FROM flowstream.streams WHERE id = %s$$, :s2),
    '42501', NULL, 'streams: no INSERT');
SELECT throws_ok($$INSERT INTO flowstream.streams (sender, recipient, token, state, last_event)
    VALUES ('t3_eve', 't3_eve', 'T3USD', flowstream.stream(1, 6, flowstream.now(), flowstream.now()), 1)$$,
    '42501', NULL, 'streams: no INSERT (values)');
SELECT throws_ok($$UPDATE flowstream.streams SET metadata = '{}'$$, '42501', NULL, 'streams: no UPDATE');
SELECT throws_ok($$DELETE FROM flowstream.streams$$, '42501', NULL, 'streams: no DELETE');
SELECT throws_ok($$TRUNCATE flowstream.streams$$, '42501', NULL, 'streams: no TRUNCATE');
SELECT throws_ok($$INSERT INTO flowstream.events (stream_id, op, actor, at, state)
    VALUES (-1, 'create', 't3_eve', flowstream.now(), flowstream.stream(1, 6, flowstream.now(), flowstream.now()))$$,
    '42501', NULL, 'events: no INSERT');
SELECT throws_ok($$UPDATE flowstream.events SET actor = 't3_eve'$$, '42501', NULL, 'events: no UPDATE');
SELECT throws_ok($$DELETE FROM flowstream.events$$, '42501', NULL, 'events: no DELETE');
SELECT throws_ok($$TRUNCATE flowstream.events$$, '42501', NULL, 'events: no TRUNCATE');
SET LOCAL ROLE t3_app;
SELECT throws_ok(format($$UPDATE flowstream.streams SET metadata = '{}' WHERE id = %s$$, :s2), '42501', NULL,
    'flowstream_app: no UPDATE of streams');
SELECT throws_ok(format('DELETE FROM flowstream.events WHERE stream_id = %s', :s2), '42501', NULL,
    'flowstream_app: no DELETE of events');
SELECT throws_ok($$INSERT INTO flowstream.tokens VALUES ('T3APP', 2)$$, '42501', NULL, 'flowstream_app: no INSERT of tokens');
SET LOCAL ROLE t3_admin;
SELECT throws_ok(format($$UPDATE flowstream.streams SET metadata = '{}' WHERE id = %s$$, :s2), '42501', NULL,
    'flowstream_admin: no UPDATE of streams');
SELECT throws_ok(format('DELETE FROM flowstream.streams WHERE id = %s', :s2), '42501', NULL,
    'flowstream_admin: no DELETE of streams');
SELECT throws_ok(format('DELETE FROM flowstream.events WHERE stream_id = %s', :s2), '42501', NULL,
    'flowstream_admin: no DELETE of events');
SELECT throws_ok($$DELETE FROM flowstream.tokens WHERE token = 'T3USD'$$, '42501', NULL, 'flowstream_admin: no DELETE of tokens');
-- flowstream_admin registers tokens (sql/flowstream--0.1.0.sql grants it)
SELECT lives_ok($$INSERT INTO flowstream.tokens VALUES ('T3ADM', 2)$$, 'flowstream_admin registers a token');

----------------------------------------------------------------------------
-- verify(): flowstream_admin, not PUBLIC
----------------------------------------------------------------------------
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify(): flowstream_admin runs it, and it finds nothing');
SET LOCAL ROLE t3_eve;
SELECT throws_ok('SELECT * FROM flowstream.verify()', '42501', NULL, 'verify(): not a stranger');
SET LOCAL ROLE t3_alice;
SELECT throws_ok('SELECT * FROM flowstream.verify()', '42501', NULL, 'verify(): not a sender');
RESET ROLE;

-- the refused calls changed nothing
SELECT is(flowstream.balance(pg_temp.st(:s2)), 101::numeric, 's2: 100 + eve''s 1, nothing else');
SELECT is(flowstream.rate_per_second(pg_temp.st(:s2)), 0.01, 's2: the rate untouched');
SELECT is((SELECT recipient FROM flowstream.streams WHERE id = :s2), 't3_bob', 's2: back with bob');
SELECT is(flowstream.is_voided(pg_temp.st(:s2)), false, 's2: not voided');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
