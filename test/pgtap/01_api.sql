-- 01_api.sql — every API function of the managed layer once, on one stream,
-- with its result, the stream's state after it and its event (SPEC §3).
--
-- Roles: t1_alice (sender), t1_bob (recipient), t1_carol (recipient after the
-- transfer).  Token T1USD, 6 decimals.  Rate 0.001 token/s.
-- Times: t0 = 2026-01-01 00:00:00+00; "+N" = t0 + N seconds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(65);

-- helpers (as the superuser, whatever the current role): the state of a stream
CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;

CREATE ROLE t1_alice;
CREATE ROLE t1_bob;
CREATE ROLE t1_carol;
INSERT INTO flowstream.tokens VALUES ('T1USD', 6);

-- flowstream.now(): the test clock when set, else now()
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SELECT is(flowstream.now(), '2026-01-01 00:00:00+00'::timestamptz, 'now() reads the test clock');
SET LOCAL flowstream.clock = '';
SELECT is(flowstream.now(), now(), 'now() is now() when the clock is not set');
SET LOCAL flowstream.clock = '2026-06-30 12:34:56.789012+02';
SELECT is(flowstream.now(), '2026-06-30 10:34:56.789012+00'::timestamptz, 'the clock keeps microseconds and zones');

-- +0: alice creates a stream to bob at 0.001 token/s with 100 deposited
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t1_alice;
SELECT flowstream.create_stream('t1_alice', 't1_bob', 'T1USD', 0.001,
       deposit => 100, metadata => '{"plan": "basic"}') AS s \gset
RESET ROLE;
SELECT results_eq(
    format($$SELECT sender, recipient, token, transferable, void_after, created_at, metadata
             FROM flowstream.streams WHERE id = %s$$, :s),
    $$VALUES ('t1_alice', 't1_bob', 'T1USD', true, NULL::interval,
              '2026-01-01 00:00:00+00'::timestamptz, '{"plan": "basic"}'::jsonb)$$,
    'create_stream: the row');
SELECT is(flowstream.rate_per_second(pg_temp.st(:s)), 0.001, 'create_stream: rate');
SELECT is(flowstream.balance(pg_temp.st(:s)), 100::numeric, 'create_stream: the deposit is the balance');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0::numeric, 'create_stream: no debt');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-01-01 00:00:00+00'::timestamptz, 'create_stream: st = start = now');
SELECT is(flowstream.decimals(pg_temp.st(:s)), 6, 'create_stream: the token''s decimals');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'streaming_solvent'::flowstream.status, 'create_stream: streaming');
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-01-02 03:46:40.001+00'::timestamptz,
    'create_stream: depletes when 100.000001 has accrued: 100000.001 s = 1 d 3 h 46 min 40.001 s');
SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination, at FROM flowstream.events
             WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create', 't1_alice', NULL::numeric, 't1_bob'::text, '2026-01-01 00:00:00+00'::timestamptz),
             ('deposit', 't1_alice', 100, NULL, '2026-01-01 00:00:00+00')$$,
    'create_stream: a create event and a deposit event');
SELECT is((SELECT flowstream.balance(state) FROM flowstream.events WHERE stream_id = :s AND op = 'create'),
    0::numeric, 'the create event holds the state before the deposit');

-- +1000 (00:16:40): td = 0.001 * 1000 = 1.  alice deposits 50: balance 150
SET LOCAL flowstream.clock = '2026-01-01 00:16:40+00';
SET LOCAL ROLE t1_alice;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 50)', :s), 'deposit');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 150::numeric, 'deposit: balance 100 + 50');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 1::numeric, 'deposit: debt untouched, 1');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-01-01 00:00:00+00'::timestamptz, 'deposit: no snapshot');

-- bob withdraws 0.5: 0.5 > sd = 0, so snapshot: sd = 1 - 0.5 = 0.5, st = +1000; balance 149.5
SET LOCAL ROLE t1_bob;
SELECT is(flowstream.withdraw(:s, 0.5), 0.5, 'withdraw returns the amount');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 149.5, 'withdraw: balance 150 - 0.5');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0.5, 'withdraw: sd = 1 - 0.5');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-01-01 00:16:40+00'::timestamptz, 'withdraw: snapshot at +1000');

-- +2000 (00:33:20): td = 0.5 + 1 = 1.5; withdraw_max pays 1.5: balance 148, sd 0
SET LOCAL flowstream.clock = '2026-01-01 00:33:20+00';
SET LOCAL ROLE t1_bob;
SELECT is(flowstream.withdraw_max(:s), 1.5, 'withdraw_max pays the whole covered debt');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 148::numeric, 'withdraw_max: balance 149.5 - 1.5');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 0::numeric, 'withdraw_max: nothing owed');

-- alice refunds 10 (refundable 148): balance 138
SET LOCAL ROLE t1_alice;
SELECT lives_ok(format('SELECT flowstream.refund(%s, 10)', :s), 'refund');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 138::numeric, 'refund: balance 148 - 10');

-- +3000 (00:50:00): td = 1; alice pauses: sd = 1, rps = 0
SET LOCAL flowstream.clock = '2026-01-01 00:50:00+00';
SET LOCAL ROLE t1_alice;
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), 'pause');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:s)), 0::numeric, 'pause: rate 0');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 1::numeric, 'pause: sd = 1');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'paused_solvent'::flowstream.status, 'pause: paused_solvent');
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), NULL, 'pause: no depletion at rate 0');

-- refund_max: refundable = 138 - 1 = 137; balance 1
SET LOCAL ROLE t1_alice;
SELECT is(flowstream.refund_max(:s), 137::numeric, 'refund_max returns balance - covered debt');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 1::numeric, 'refund_max: balance 1 = the debt');

-- +4000 (01:06:40): still td = 1 (paused); restart at 0.002: st = +4000
SET LOCAL flowstream.clock = '2026-01-01 01:06:40+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 1::numeric, 'paused: nothing accrues');
SET LOCAL ROLE t1_alice;
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.002)', :s), 'restart');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:s)), 0.002, 'restart: the new rate');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-01-01 01:06:40+00'::timestamptz, 'restart: st = restart time');

-- +5000 (01:23:20): td = 1 + 0.002 * 1000 = 3, balance 1: uncovered 2
SET LOCAL flowstream.clock = '2026-01-01 01:23:20+00';
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), flowstream.now()), 2::numeric, 'uncovered debt 3 - 1');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'streaming_insolvent'::flowstream.status, 'streaming_insolvent');
-- alice adjusts to 0.003: snapshot sd = 3, st = +5000
SET LOCAL ROLE t1_alice;
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.003)', :s), 'adjust_rate');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:s)), 0.003, 'adjust_rate: the new rate');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 3::numeric, 'adjust_rate: snapshot sd = 3');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-01-01 01:23:20+00'::timestamptz, 'adjust_rate: st = +5000');

-- bob hands the stream to carol
SET LOCAL ROLE t1_bob;
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't1_carol')$$, :s), 'transfer');
RESET ROLE;
SELECT is((SELECT recipient FROM flowstream.streams WHERE id = :s), 't1_carol', 'transfer: the new recipient');
SELECT ok(pg_temp.st(:s)::text = (SELECT state::text FROM flowstream.events WHERE stream_id = :s AND op = 'adjust_rate'),
    'transfer: the state is unchanged');

-- +6000 (01:40:00): td = 3 + 0.003 * 1000 = 6, balance 1: carol voids, 5 written off
SET LOCAL flowstream.clock = '2026-01-01 01:40:00+00';
SET LOCAL ROLE t1_carol;
SELECT is(flowstream.void(:s), 5::numeric, 'void returns the written-off debt 6 - 1');
RESET ROLE;
SELECT is(flowstream.is_voided(pg_temp.st(:s)), true, 'void: voided');
SELECT is(flowstream.rate_per_second(pg_temp.st(:s)), 0::numeric, 'void: rate 0');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 1::numeric, 'void: debt = balance 1');
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), flowstream.now()), 0::numeric, 'void: no uncovered debt');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'voided'::flowstream.status, 'void: voided status');
SELECT is(flowstream.total_debt(pg_temp.st(:s), '2027-01-01 00:00:00+00'), 1::numeric, 'void: nothing accrues later');

-- carol withdraws the last covered unit
SET LOCAL ROLE t1_carol;
SELECT is(flowstream.withdraw_max(:s), 1::numeric, 'withdraw_max after void: the covered 1');
RESET ROLE;
SELECT is(flowstream.balance(pg_temp.st(:s)), 0::numeric, 'all paid out');

-- the whole history: one event per operation
SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination, at FROM flowstream.events
             WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create'::text, 't1_alice'::text, NULL::numeric, 't1_bob'::text, '2026-01-01 00:00:00+00'::timestamptz),
             ('deposit', 't1_alice', 100, NULL, '2026-01-01 00:00:00+00'),
             ('deposit', 't1_alice', 50, NULL, '2026-01-01 00:16:40+00'),
             ('withdraw', 't1_bob', 0.5, 't1_bob', '2026-01-01 00:16:40+00'),
             ('withdraw', 't1_bob', 1.5, 't1_bob', '2026-01-01 00:33:20+00'),
             ('refund', 't1_alice', 10, 't1_alice', '2026-01-01 00:33:20+00'),
             ('pause', 't1_alice', NULL, NULL, '2026-01-01 00:50:00+00'),
             ('refund', 't1_alice', 137, 't1_alice', '2026-01-01 00:50:00+00'),
             ('restart', 't1_alice', 0.002, NULL, '2026-01-01 01:06:40+00'),
             ('adjust_rate', 't1_alice', 0.003, NULL, '2026-01-01 01:23:20+00'),
             ('transfer', 't1_bob', NULL, 't1_carol', '2026-01-01 01:23:20+00'),
             ('void', 't1_carol', 5, NULL, '2026-01-01 01:40:00+00'),
             ('withdraw', 't1_carol', 1, 't1_carol', '2026-01-01 01:40:00+00')$$,
    'the history: one event per operation, with op, actor, amount, destination and time');
SELECT ok((SELECT state::text FROM flowstream.events WHERE stream_id = :s ORDER BY id DESC LIMIT 1) = pg_temp.st(:s)::text,
    'the last event holds the current state');
SELECT is((SELECT last_event FROM flowstream.streams WHERE id = :s),
    (SELECT max(id) FROM flowstream.events WHERE stream_id = :s), 'last_event points at the last event');

-- state_at: the state after the last event at or before a time
SELECT ok(flowstream.state_at(:s, '2025-12-31 23:59:59.999999+00') IS NULL, 'state_at before creation: NULL');
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-01-01 00:00:00+00')), 100::numeric, 'state_at +0: after the initial deposit');
SELECT is(flowstream.balance(flowstream.state_at(:s, '2026-01-01 00:41:40+00')), 138::numeric, 'state_at +2500: after the refund of 10');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-01-01 00:41:40+00'), '2026-01-01 00:41:40+00'), 0.5,
    'state_at +2500: debt 0.001 * 500 = 0.5');
SELECT is(flowstream.rate_per_second(flowstream.state_at(:s, '2026-01-01 01:15:00+00')), 0.002, 'state_at +4500: the restart rate');
SELECT is(flowstream.total_debt(flowstream.state_at(:s, '2026-01-01 01:15:00+00'), '2026-01-01 01:15:00+00'), 2::numeric,
    'state_at +4500: debt 1 + 0.002 * 500 = 2');

-- the invariants hold
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
