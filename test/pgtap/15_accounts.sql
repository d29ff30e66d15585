-- 15_accounts.sql — accounts and flows (SPEC §6): every function of their
-- API once on its happy path, every error with its SQLSTATE (in SPEC §5's
-- order where several apply), who may do what, row-level security, the
-- views at now and at an explicit time, account_state_at() from the
-- history, the writable view flows_now, and the tables only the API writes.
--
-- Roles: t15_alice (pays), t15_bob (receives), t15_carol (a small account
-- that turns critical), t15_dave (receives through flows_now), t15_eve (a
-- stranger), t15_app (member of flowstream_app, acting as user:1),
-- t15_admin (member of flowstream_admin).  Token T15 with 6 decimals and
-- the default buffer (1 hour, no minimum, no reward party); token T15Z with
-- 0 decimals, so that verify() sums two tokens apart.
-- Times: t0 = 2026-01-01 00:00:00+00; "+N" = t0 + N seconds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(256);

CREATE ROLE t15_alice;
CREATE ROLE t15_bob;
CREATE ROLE t15_carol;
CREATE ROLE t15_dave;
CREATE ROLE t15_eve;
CREATE ROLE t15_app IN ROLE flowstream_app;
CREATE ROLE t15_admin IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens (token, decimals) VALUES ('T15', 6), ('T15Z', 0);
SET LOCAL TimeZone = 'UTC';

-- helpers (as the superuser, whatever the current role)
CREATE FUNCTION pg_temp.acct(text) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT id FROM flowstream.accounts WHERE party = $1 AND token = 'T15'$$;
CREATE FUNCTION pg_temp.events_since(bigint) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT count(*) FROM flowstream.events WHERE id > $1$$;
CREATE FUNCTION pg_temp.last_event() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT coalesce(max(id), 0) FROM flowstream.events$$;

----------------------------------------------------------------------------
-- an account nobody used: balance 0, and no times
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SELECT is(flowstream.account_balance('t15_alice', 'T15'), 0::numeric, 'unused account: balance 0');
SELECT is(flowstream.account_balance('t15_alice', 'T15', '2026-01-01'), 0::numeric, 'unused account: balance 0 at a time');
SELECT is(flowstream.account_available('t15_alice', 'T15'), 0::numeric, 'unused account: available 0');
SELECT is(flowstream.account_available('t15_alice', 'T15', '2026-01-01'), 0::numeric, 'unused account: available 0 at a time');
SELECT is(flowstream.netflow('t15_alice', 'T15'), 0::numeric, 'unused account: netflow 0');
SELECT is(flowstream.netflow('t15_alice', 'T15', '2026-01-01'), 0::numeric, 'unused account: netflow 0 at a time');
SELECT is(flowstream.account_buffer('t15_alice', 'T15'), 0::numeric, 'unused account: buffer 0');
SELECT is(flowstream.account_critical_time('t15_alice', 'T15'), NULL, 'unused account: never critical');
SELECT is(flowstream.account_insolvency_time('t15_alice', 'T15'), NULL, 'unused account: never insolvent');
SELECT ok(flowstream.account_state_at('t15_alice', 'T15', '2026-01-01') IS NULL, 'unused account: no state in the history');
SELECT is_empty($$SELECT * FROM flowstream.accounts WHERE party = 't15_alice'$$, 'reading an account does not create it');

----------------------------------------------------------------------------
-- account_deposit: anyone
----------------------------------------------------------------------------
SET LOCAL ROLE t15_eve;
SELECT lives_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', 1000)$$, 'account_deposit: a stranger deposits into alice''s account');
SET LOCAL ROLE t15_app;
SET LOCAL flowstream.actor = 'user:1';
SELECT lives_ok($$SELECT flowstream.account_deposit('user:1', 'T15', 10)$$, 'account_deposit: the app acting for user:1');
SELECT lives_ok($$SELECT flowstream.account_deposit('t15_carol', 'T15', 1)$$, 'account_deposit: the app for user:1 into carol''s account');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT is(flowstream.account_balance('t15_alice', 'T15'), 1000::numeric, 'account_deposit: alice holds 1000');
SELECT is(flowstream.account_balance('user:1', 'T15'), 10::numeric, 'account_deposit: user:1 holds 10');
SELECT results_eq(
    $$SELECT e.op::text, e.actor, e.amount, e.at, a.party FROM flowstream.events e
      JOIN flowstream.accounts a ON a.id = e.account_id WHERE a.token = 'T15' ORDER BY e.id$$,
    $$VALUES ('account_deposit', 't15_eve', 1000.000000, '2026-01-01 00:00:00+00'::timestamptz, 't15_alice'),
             ('account_deposit', 'user:1', 10.000000, '2026-01-01 00:00:00+00', 'user:1'),
             ('account_deposit', 'user:1', 1.000000, '2026-01-01 00:00:00+00', 't15_carol')$$,
    'account_deposit: one event each, naming the actor, the amount and the account');
SELECT is((SELECT stream_id FROM flowstream.events WHERE account_id = pg_temp.acct('t15_alice')), NULL::bigint,
    'account_deposit: its event names no stream');
SELECT throws_ok($$SELECT flowstream.account_deposit(NULL, 'T15', 1)$$, '22004', 'party must not be null', 'account_deposit: NULL party is 22004');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', NULL, 1)$$, '22004', 'token must not be null', 'account_deposit: NULL token is 22004');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', NULL)$$, '22004', 'amount must not be null', 'account_deposit: NULL amount is 22004');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', 0)$$, '22023', 'amount must be positive', 'account_deposit: 0 is 22023');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', -1)$$, '22023', 'amount must be positive', 'account_deposit: a negative amount is 22023');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', 0.0000001)$$, '22023', NULL, 'account_deposit: more decimals than the token''s is 22023');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'NOPE', 1)$$, '22023', 'unknown token "NOPE"', 'account_deposit: an unknown token is 22023');
SELECT throws_ok($$SELECT flowstream.account_deposit('', 'T15', 1)$$, '22023', NULL, 'account_deposit: an empty party is 22023');
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', 170141183460469231731687303715884.105728)$$, '22003', NULL,
    'account_deposit: beyond 2^127 - 1 base units is 22003');
SELECT is_empty($$SELECT * FROM flowstream.accounts WHERE party = ''$$, 'a refused deposit creates no account');

----------------------------------------------------------------------------
-- account_withdraw: the party, at most its available balance
----------------------------------------------------------------------------
SET LOCAL ROLE t15_alice;
SELECT is(flowstream.account_withdraw('t15_alice', 'T15', 100), 100::numeric, 'account_withdraw: returns the amount');
SELECT is(flowstream.account_withdraw('t15_alice', 'T15', 50, 'bank:alice'), 50::numeric, 'account_withdraw: to a destination');
RESET ROLE;
SELECT is(flowstream.account_balance('t15_alice', 'T15'), 850::numeric, 'account_withdraw: 1000 - 100 - 50');
SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination FROM flowstream.events
             WHERE account_id = %s AND op = 'account_withdraw' ORDER BY id$$, pg_temp.acct('t15_alice')),
    $$VALUES ('account_withdraw', 't15_alice', 100.000000, 't15_alice'), ('account_withdraw', 't15_alice', 50.000000, 'bank:alice')$$,
    'account_withdraw: events with the amount and where it went (the party by default)');
SET LOCAL ROLE t15_app;
SET LOCAL flowstream.actor = 'user:1';
SELECT is(flowstream.account_withdraw('user:1', 'T15', 4), 4::numeric, 'account_withdraw: the app acting for user:1 withdraws from user:1');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 1)$$, '42501', NULL, 'account_withdraw: the app acting for user:1 may not withdraw from alice');
SET LOCAL flowstream.actor = '';
SELECT throws_ok($$SELECT flowstream.account_withdraw('user:1', 'T15', 1)$$, '42501', NULL, 'account_withdraw: without flowstream.actor the app is not user:1');
SET LOCAL ROLE t15_bob;
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 1)$$, '42501', NULL, 'account_withdraw: another party may not');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 900)$$, '42501', NULL, 'account_withdraw: 42501 before SF013');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 0)$$, '42501', NULL, 'account_withdraw: 42501 before 22023');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'NOPE', 1)$$, '42501', NULL, 'account_withdraw: 42501 before an unknown token (22023)');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_bob', 'NOPE', 1)$$, '42501', NULL, 'account_transfer: 42501 before an unknown token');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_bob', 'NOPE', 1)$$, '42501', NULL, 'open_flow: 42501 before an unknown token');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_bob', 'T15', 1)$$, 'SF013', 'insufficient available balance: 1 needed, 0 available',
    'account_withdraw: from an account that holds nothing is SF013');
SET LOCAL ROLE t15_eve;
SELECT throws_ok($$SELECT set_config('flowstream.actor', 't15_alice', true); SELECT flowstream.account_withdraw('t15_alice', 'T15', 1)$$, '42501', NULL,
    'account_withdraw: a role outside flowstream_app cannot act as alice through flowstream.actor');
SET LOCAL flowstream.actor = '';
SET LOCAL ROLE t15_alice;
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 850.000001)$$, 'SF013',
    'insufficient available balance: 850.000001 needed, 850 available', 'account_withdraw: more than available is SF013, with both amounts');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 0)$$, '22023', 'amount must be positive', 'account_withdraw: 0 is 22023');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', -5)$$, '22023', 'amount must be positive', 'account_withdraw: negative is 22023');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 0.0000001)$$, '22023', NULL, 'account_withdraw: too many decimals is 22023');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 1, '')$$, '22023', NULL, 'account_withdraw: an empty destination is 22023');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', NULL)$$, '22004', NULL, 'account_withdraw: NULL amount is 22004');
SELECT throws_ok($$SELECT flowstream.account_withdraw(NULL, 'T15', 1)$$, '22004', NULL, 'account_withdraw: NULL party is 22004');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'NOPE', 1)$$, '22023', NULL, 'account_withdraw: unknown token is 22023');
RESET ROLE;
SELECT is(flowstream.account_balance('t15_alice', 'T15'), 850::numeric, 'the refused withdrawals changed nothing');

----------------------------------------------------------------------------
-- account_transfer: the paying party, a lump sum
----------------------------------------------------------------------------
SET LOCAL ROLE t15_alice;
SELECT lives_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_bob', 'T15', 50)$$, 'account_transfer: alice pays bob 50');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_alice', 'T15', 1)$$, '22023', '"t15_alice" cannot transfer to itself', 'account_transfer: to itself is 22023');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_bob', 'T15', 800.000001)$$, 'SF013',
    'insufficient available balance: 800.000001 needed, 800 available', 'account_transfer: more than available is SF013');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_bob', 'T15', 0)$$, '22023', NULL, 'account_transfer: 0 is 22023');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', NULL, 'T15', 1)$$, '22004', NULL, 'account_transfer: NULL receiver is 22004');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_bob', 'T15', NULL)$$, '22004', NULL, 'account_transfer: NULL amount is 22004');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', '', 'T15', 1)$$, '22023', NULL, 'account_transfer: an empty receiver is 22023');
SET LOCAL ROLE t15_bob;
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_alice', 't15_bob', 'T15', 1)$$, '42501', NULL, 'account_transfer: the receiver may not pay himself');
RESET ROLE;
SELECT is(flowstream.account_balance('t15_alice', 'T15'), 800::numeric, 'account_transfer: alice 850 - 50');
SELECT is(flowstream.account_balance('t15_bob', 'T15'), 50::numeric, 'account_transfer: bob 50 (his account made by it)');
SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination, account_id, peer_id FROM flowstream.events
             WHERE op = 'account_transfer'$$),
    format($$VALUES ('account_transfer', 't15_alice', 50.000000, 't15_bob', %s::bigint, %s::bigint)$$,
           pg_temp.acct('t15_alice'), pg_temp.acct('t15_bob')),
    'account_transfer: one event naming both accounts');

----------------------------------------------------------------------------
-- open_flow: the sender; its buffer is 1 hour of the flow
----------------------------------------------------------------------------
SET LOCAL ROLE t15_bob;
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.01)$$, '42501', NULL, 'open_flow: the receiver may not open it');
SET LOCAL ROLE t15_eve;
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_eve', 'T15', 0.01)$$, '42501', NULL, 'open_flow: a stranger may not open a flow from alice');
SET LOCAL ROLE t15_alice;
SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.01) AS f1 \gset
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.02)$$, 'SF015', NULL, 'open_flow: a second open flow alice -> bob is SF015');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0)$$, 'SF015', NULL, 'open_flow: SF015 ranks before 22023');
SET LOCAL ROLE t15_eve;
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.01)$$, '42501', NULL, 'open_flow: SF015 is told only to who may open it (42501 first)');
SET LOCAL ROLE t15_alice;
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_alice', 'T15', 0.01)$$, '22023', '"t15_alice" cannot stream to itself', 'open_flow: to itself is 22023');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_carol', 'T15', 0)$$, '22023', 'rate must be positive', 'open_flow: rate 0 is 22023');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_carol', 'T15', -0.01)$$, '22023', 'rate must be positive', 'open_flow: a negative rate is 22023');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_carol', 'T15', 0.0000000000000000001)$$, '22023', NULL, 'open_flow: a rate with 19 decimals is 22023');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_carol', 'T15', NULL)$$, '22004', 'rate must not be null', 'open_flow: NULL rate is 22004');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', NULL, 'T15', 0.01)$$, '22004', 'receiver must not be null', 'open_flow: NULL receiver is 22004');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_carol', 'NOPE', 0.01)$$, '22023', NULL, 'open_flow: unknown token is 22023');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_carol', 'T15', 0.3)$$, 'SF013',
    'insufficient available balance: 1080 needed, 764 available', 'open_flow: a buffer beyond the available balance is SF013, with both amounts');
RESET ROLE;
SELECT results_eq(
    format('SELECT sender, receiver, token, rate_per_second, buffer, status, opened_at, closed_at FROM flowstream.flows_now WHERE id = %s', :f1),
    $$VALUES ('t15_alice', 't15_bob', 'T15', 0.01, 36.000000, 'open', '2026-01-01 00:00:00+00'::timestamptz, NULL::timestamptz)$$,
    'open_flow: the flow, with a buffer of 3600 s x 0.01 = 36');
SELECT results_eq(
    $$SELECT party, balance, available, netflow, buffer, status, open_outflows FROM flowstream.accounts_now
      WHERE party IN ('t15_alice', 't15_bob') ORDER BY party$$,
    $$VALUES ('t15_alice', 800.000000, 764.000000, -0.01, 36.000000, 'healthy', 1),
             ('t15_bob', 50.000000, 50.000000, 0.01, 0.000000, 'healthy', 0)$$,
    'open_flow: alice locks 36 and pays 0.01/s; bob receives 0.01/s');
SELECT results_eq(
    format($$SELECT op::text, actor, amount, destination, account_id, peer_id, flow_buffer FROM flowstream.events WHERE flow_id = %s$$, :f1),
    format($$VALUES ('open_flow', 't15_alice', 0.01, 't15_bob', %s::bigint, %s::bigint, 36.000000)$$, pg_temp.acct('t15_alice'), pg_temp.acct('t15_bob')),
    'open_flow: its event records the rate, both accounts and the buffer');
SELECT is(flowstream.account_critical_time('t15_alice', 'T15'), '2026-01-01 21:13:20.000001+00'::timestamptz,
    'critical time: available 764 at 0.01/s is gone after 76400 s, below 0 a microsecond later');
SELECT is(flowstream.account_insolvency_time('t15_alice', 'T15'), '2026-01-01 22:13:20.000001+00'::timestamptz,
    'insolvency time: balance 800 at 0.01/s is below 0 after 80000 s');
SELECT is((SELECT critical_at FROM flowstream.accounts WHERE party = 't15_alice' AND token = 'T15'),
    '2026-01-01 21:13:20.000001+00'::timestamptz, 'the row keeps the critical time for the liquidation''s index');
SELECT is(flowstream.account_critical_time('t15_bob', 'T15'), NULL, 'a receiver with no outgoing flow is never critical');

----------------------------------------------------------------------------
-- +100: the flow has moved 1; update_flow: the sender
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SELECT is(flowstream.account_balance('t15_alice', 'T15'), 799::numeric, '+100: alice 800 - 1');
SELECT is(flowstream.account_balance('t15_bob', 'T15'), 51::numeric, '+100: bob 50 + 1, without withdrawing');
SELECT is(flowstream.account_available('t15_alice', 'T15'), 763::numeric, '+100: alice''s available 799 - 36');
SELECT is(flowstream.account_balance('t15_alice', 'T15', '2026-01-01 00:00:50+00'), 799.5, 'account_balance at +50, from the history');
SELECT is(flowstream.account_available('t15_alice', 'T15', '2026-01-01 00:00:50+00'), 763.5, 'account_available at +50');
SELECT is(flowstream.netflow('t15_alice', 'T15'), -0.01, 'netflow: alice pays 0.01/s');
SELECT is(flowstream.netflow('t15_bob', 'T15'), 0.01, 'netflow: bob receives 0.01/s');
SELECT is(flowstream.netflow('t15_alice', 'T15', '2025-12-31 23:59:59+00'), 0::numeric, 'netflow before any operation: 0');
SELECT is(flowstream.account_balance('t15_alice', 'T15', '2025-12-31 23:59:59+00'), 0::numeric, 'account_balance before the first deposit: 0');

SET LOCAL ROLE t15_bob;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.02)', :f1), '42501', NULL, 'update_flow: the receiver may not');
SET LOCAL ROLE t15_eve;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.02)', :f1), '42501', NULL, 'update_flow: a stranger may not');
SELECT throws_ok('SELECT flowstream.update_flow(999999999, 0.02)', 'SF001', 'flow 999999999 does not exist', 'update_flow: SF001 before 42501');
SET LOCAL ROLE t15_alice;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.01)', :f1), 'SF008', NULL, 'update_flow: the same rate is SF008');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0)', :f1), '22023', NULL, 'update_flow: rate 0 is 22023 (close_flow closes)');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, NULL)', :f1), '22004', NULL, 'update_flow: NULL rate is 22004');
SELECT throws_ok('SELECT flowstream.update_flow(NULL, 0.02)', '22004', NULL, 'update_flow: NULL id is 22004');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 1)', :f1), 'SF013',
    'insufficient available balance: 3564 needed, 763 available', 'update_flow: a raise beyond available is SF013 with the buffer increase');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.02)', :f1), 'update_flow: alice raises the flow to 0.02/s');
RESET ROLE;
SELECT results_eq(
    $$SELECT party, balance, available, netflow, buffer FROM flowstream.accounts_now
      WHERE party IN ('t15_alice', 't15_bob') ORDER BY party$$,
    $$VALUES ('t15_alice', 799.000000, 727.000000, -0.02, 72.000000), ('t15_bob', 51.000000, 51.000000, 0.02, 0.000000)$$,
    'update_flow: both accounts settled at +100, buffer 72');
SET LOCAL ROLE t15_alice;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.015)', :f1), 'update_flow: alice lowers it to 0.015/s');
RESET ROLE;
SELECT is(flowstream.account_buffer('t15_alice', 'T15'), 54::numeric, 'update_flow: lowering the rate lowers the buffer to 54');
SELECT is(flowstream.account_critical_time('t15_alice', 'T15'), '2026-01-01 13:49:26.666667+00'::timestamptz,
    'critical time after the change: 745 / 0.015 s after +100');
SELECT results_eq(
    format($$SELECT op::text, amount, flow_buffer FROM flowstream.events WHERE flow_id = %s ORDER BY id$$, :f1),
    $$VALUES ('open_flow', 0.01, 36.000000), ('update_flow', 0.02, 72.000000), ('update_flow', 0.015, 54.000000)$$,
    'update_flow: one event per change, with the new rate and buffer');

----------------------------------------------------------------------------
-- +200: close_flow: the sender or the receiver; a closed flow stays closed
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:03:20+00';
SET LOCAL ROLE t15_eve;
SELECT throws_ok(format('SELECT flowstream.close_flow(%s)', :f1), '42501', NULL, 'close_flow: a stranger may not');
SELECT throws_ok('SELECT flowstream.close_flow(999999999)', 'SF001', NULL, 'close_flow: an unknown flow is SF001');
SELECT throws_ok('SELECT flowstream.close_flow(NULL)', '22004', NULL, 'close_flow: NULL id is 22004');
SET LOCAL ROLE t15_bob;
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :f1), 'close_flow: the receiver closes it');
SELECT throws_ok(format('SELECT flowstream.close_flow(%s)', :f1), 'SF014', NULL, 'close_flow: closing it again is SF014');
SET LOCAL ROLE t15_eve;
SELECT throws_ok(format('SELECT flowstream.close_flow(%s)', :f1), 'SF014', NULL, 'close_flow: SF014 ranks before 42501');
SET LOCAL ROLE t15_alice;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.03)', :f1), 'SF014', NULL, 'update_flow: a closed flow is SF014');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0)', :f1), 'SF014', NULL, 'update_flow: SF014 ranks before 22023');
RESET ROLE;
SELECT results_eq(
    $$SELECT party, balance, available, netflow, buffer, open_outflows FROM flowstream.accounts_now
      WHERE party IN ('t15_alice', 't15_bob') ORDER BY party$$,
    $$VALUES ('t15_alice', 797.500000, 797.500000, 0::numeric, 0.000000, 0), ('t15_bob', 52.500000, 52.500000, 0, 0.000000, 0)$$,
    'close_flow: 100 s at 0.015 moved 1.5; the buffer is back with alice');
SELECT results_eq(
    format('SELECT rate_per_second, buffer, status, closed_at FROM flowstream.flows_now WHERE id = %s', :f1),
    $$VALUES (0::numeric, 0.000000, 'closed', '2026-01-01 00:03:20+00'::timestamptz)$$,
    'close_flow: the row stays, closed, with rate 0');
SELECT is((SELECT actor FROM flowstream.events WHERE flow_id = :f1 AND op = 'close_flow'), 't15_bob', 'close_flow: its event names the receiver');
SELECT is(flowstream.account_critical_time('t15_alice', 'T15'), NULL, 'no open outgoing flow: never critical');
SELECT is((SELECT critical_at FROM flowstream.accounts WHERE party = 't15_alice' AND token = 'T15'), NULL, 'critical_at is cleared');

SET LOCAL ROLE t15_alice;
SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.01) AS f2 \gset
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :f2), 'close_flow: the sender closes it');
SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.01) AS f3 \gset
RESET ROLE;
SELECT ok(:f1 < :f2 AND :f2 < :f3, 'open_flow: after a close, alice -> bob opens again, as a new flow');
SELECT is((SELECT actor FROM flowstream.events WHERE flow_id = :f2 AND op = 'close_flow'), 't15_alice', 'close_flow: its event names the sender');

----------------------------------------------------------------------------
-- flowstream_app acting for its users
----------------------------------------------------------------------------
SET LOCAL ROLE t15_app;
SET LOCAL flowstream.actor = 'user:1';
SELECT flowstream.open_flow('user:1', 'user:2', 'T15', 0.0001) AS fu \gset
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 'user:2', 'T15', 0.0001)$$, '42501', NULL, 'open_flow: the app acting for user:1 may not open from alice');
SET LOCAL flowstream.actor = 'user:2';
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.0002)', :fu), '42501', NULL, 'update_flow: the app acting for the receiver user:2 may not');
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :fu), 'close_flow: the app acting for the receiver user:2 closes it');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT results_eq(
    format($$SELECT op::text, actor FROM flowstream.events WHERE flow_id = %s ORDER BY id$$, :fu),
    $$VALUES ('open_flow', 'user:1'), ('close_flow', 'user:2')$$,
    'the events name the users the app acted for');

----------------------------------------------------------------------------
-- flows_now: INSERT opens, UPDATE of the rate changes it (0 closes), DELETE closes
----------------------------------------------------------------------------
SELECT columns_are('flowstream', 'flows_now', ARRAY['id', 'sender', 'receiver', 'token', 'rate_per_second',
    'buffer', 'status', 'opened_at', 'closed_at', 'version'], 'flows_now: its columns');
SELECT columns_are('flowstream', 'accounts_now', ARRAY['id', 'party', 'token', 'balance', 'available', 'netflow',
    'buffer', 'status', 'critical_time', 'insolvency_time', 'open_outflows', 'version'], 'accounts_now: its columns');
SET LOCAL ROLE t15_alice;
WITH i AS (INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second)
           VALUES ('t15_alice', 't15_dave', 'T15', 0.001) RETURNING *)
SELECT is(row(sender, receiver, rate_per_second, buffer, status, opened_at)::text,
          row('t15_alice', 't15_dave', 0.001, 3.600000, 'open', '2026-01-01 00:03:20+00'::timestamptz)::text,
          'flows_now: INSERT ... RETURNING opens a flow and gives its buffer') FROM i;
SELECT id AS fd, version AS fdv FROM flowstream.flows_now WHERE receiver = 't15_dave' \gset
RESET ROLE;
SELECT is((SELECT op::text || ' ' || actor FROM flowstream.events WHERE flow_id = :fd), 'open_flow t15_alice', 'flows_now: the insert wrote an open_flow event');
SET LOCAL ROLE t15_alice;
SELECT throws_ok($$INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second) VALUES ('t15_alice', 't15_dave', 'T15', 0.002)$$,
    'SF015', NULL, 'flows_now: INSERT of a second open flow is SF015');
SELECT throws_ok($$INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second, buffer) VALUES ('t15_alice', 't15_eve', 'T15', 0.002, 1)$$,
    '0A000', NULL, 'flows_now: buffer cannot be inserted');
SELECT throws_ok($$INSERT INTO flowstream.flows_now (id, sender, receiver, token, rate_per_second) VALUES (424242, 't15_alice', 't15_eve', 'T15', 0.002)$$,
    '0A000', NULL, 'flows_now: id cannot be inserted');
SELECT throws_ok($$INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second, status) VALUES ('t15_alice', 't15_eve', 'T15', 0.002, 'open')$$,
    '0A000', NULL, 'flows_now: status cannot be inserted');
SELECT throws_ok($$INSERT INTO flowstream.flows_now (receiver, token, rate_per_second) VALUES ('t15_eve', 'T15', 0.002)$$,
    '22004', NULL, 'flows_now: INSERT without a sender is 22004');
SET LOCAL ROLE t15_eve;
SELECT throws_ok($$INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second) VALUES ('t15_alice', 't15_eve', 'T15', 0.002)$$,
    '42501', NULL, 'flows_now: a stranger cannot open a flow from alice');
SET LOCAL ROLE t15_dave;
SELECT throws_ok(format('UPDATE flowstream.flows_now SET rate_per_second = 0.002 WHERE id = %s', :fd), '42501', NULL,
    'flows_now: the receiver cannot change the rate');
SET LOCAL ROLE t15_alice;
SELECT lives_ok(format('UPDATE flowstream.flows_now SET rate_per_second = 0.002 WHERE id = %s', :fd), 'flows_now: UPDATE of the rate');
SELECT results_eq(format('SELECT rate_per_second, buffer, version > %s FROM flowstream.flows_now WHERE id = %s', :fdv, :fd),
    $$VALUES (0.002, 7.200000, true)$$, 'flows_now: the new rate, its buffer, a new version');
SELECT throws_ok(format('UPDATE flowstream.flows_now SET rate_per_second = 0.003, version = %s WHERE id = %s', :fdv, :fd), '40001', NULL,
    'flows_now: an UPDATE that carries a stale version is 40001');
SELECT throws_ok(format('UPDATE flowstream.flows_now SET buffer = 1 WHERE id = %s', :fd), '0A000', NULL, 'flows_now: buffer is derived');
SELECT throws_ok(format($$UPDATE flowstream.flows_now SET status = 'closed' WHERE id = %s$$, :fd), '0A000', NULL, 'flows_now: status is derived');
SELECT throws_ok(format('UPDATE flowstream.flows_now SET closed_at = flowstream.now() WHERE id = %s', :fd), '0A000', NULL, 'flows_now: closed_at is derived');
SELECT throws_ok(format($$UPDATE flowstream.flows_now SET receiver = 't15_eve' WHERE id = %s$$, :fd), '0A000', NULL, 'flows_now: receiver never changes');
SELECT throws_ok(format($$UPDATE flowstream.flows_now SET sender = 't15_eve' WHERE id = %s$$, :fd), '0A000', NULL, 'flows_now: sender never changes');
SELECT throws_ok(format($$UPDATE flowstream.flows_now SET token = 'T15Z' WHERE id = %s$$, :fd), '0A000', NULL, 'flows_now: token never changes');
SELECT throws_ok(format('UPDATE flowstream.flows_now SET opened_at = opened_at - interval ''1 s'' WHERE id = %s', :fd), '0A000', NULL, 'flows_now: opened_at never changes');
SELECT pg_temp.last_event() AS before_noop \gset
SELECT lives_ok(format('UPDATE flowstream.flows_now SET rate_per_second = rate_per_second, buffer = buffer WHERE id = %s', :fd), 'flows_now: writing values back unchanged');
SELECT is(pg_temp.events_since(:before_noop), 0::bigint, 'flows_now: ... does nothing');
SELECT lives_ok(format('UPDATE flowstream.flows_now SET rate_per_second = 0 WHERE id = %s', :fd), 'flows_now: UPDATE of the rate to 0');
SELECT results_eq(format('SELECT rate_per_second, buffer, status FROM flowstream.flows_now WHERE id = %s', :fd),
    $$VALUES (0::numeric, 0.000000, 'closed')$$, 'flows_now: ... closes the flow');
SELECT throws_ok(format('UPDATE flowstream.flows_now SET rate_per_second = 0.001 WHERE id = %s', :fd), 'SF014', NULL, 'flows_now: a closed flow is not reopened by an UPDATE');
INSERT INTO flowstream.flows_now (sender, receiver, token, rate_per_second) VALUES ('t15_alice', 't15_dave', 'T15', 0.001);
SELECT id AS fd2 FROM flowstream.flows_now WHERE receiver = 't15_dave' AND status = 'open' \gset
SET LOCAL ROLE t15_eve;
DELETE FROM flowstream.flows_now WHERE id = :fd2;
RESET ROLE;
SELECT is((SELECT status FROM flowstream.flows_now WHERE id = :fd2), 'open', 'flows_now: a stranger''s DELETE sees no row and closes nothing');
SET LOCAL ROLE t15_dave;
SELECT lives_ok(format('DELETE FROM flowstream.flows_now WHERE id = %s', :fd2), 'flows_now: DELETE by the receiver');
SELECT is((SELECT status FROM flowstream.flows_now WHERE id = :fd2), 'closed', 'flows_now: ... closes the flow, and the row stays');
SELECT throws_ok(format('DELETE FROM flowstream.flows_now WHERE id = %s', :fd2), 'SF014', NULL, 'flows_now: DELETE of a closed flow is SF014');
RESET ROLE;
SELECT results_eq(format($$SELECT op::text, actor FROM flowstream.events WHERE flow_id IN (%s, %s) ORDER BY id$$, :fd, :fd2),
    $$VALUES ('open_flow', 't15_alice'), ('update_flow', 't15_alice'), ('close_flow', 't15_alice'),
             ('open_flow', 't15_alice'), ('close_flow', 't15_dave')$$,
    'flows_now: its writes are the API''s operations, one event each');

----------------------------------------------------------------------------
-- +7200: carol's small account turns critical (SF016)
----------------------------------------------------------------------------
SET LOCAL ROLE t15_carol;
SELECT flowstream.open_flow('t15_carol', 't15_bob', 'T15', 0.0001) AS fc \gset
RESET ROLE;
SELECT is(flowstream.account_critical_time('t15_carol', 'T15'), '2026-01-01 01:50:00.000001+00'::timestamptz,
    'carol: available 0.64 at 0.0001/s is critical 6400 s after +200');
SET LOCAL flowstream.clock = '2026-01-01 02:00:00+00';
SELECT results_eq($$SELECT balance, available, status FROM flowstream.accounts_now WHERE party = 't15_carol'$$,
    $$VALUES (0.300000, -0.060000, 'critical')$$, 'carol at +7200: balance 0.3, available -0.06, critical');
SET LOCAL ROLE t15_carol;
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_carol', 'T15', 0.1)$$, 'SF016', 'the account of "t15_carol" in T15 is critical',
    'account_withdraw from a critical account is SF016');
SELECT throws_ok($$SELECT flowstream.account_transfer('t15_carol', 't15_bob', 'T15', 0.1)$$, 'SF016', NULL, 'account_transfer from a critical account is SF016');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_carol', 't15_dave', 'T15', 0.0001)$$, 'SF016', NULL, 'open_flow from a critical account is SF016');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.0002)', :fc), 'SF016', NULL, 'a raise on a critical account is SF016');
SET LOCAL ROLE t15_bob;
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_carol', 'T15', 0.1)$$, '42501', NULL, 'another party: 42501 before SF016');
RESET ROLE;

----------------------------------------------------------------------------
-- liquidate_critical: flowstream_admin (and the owner); the sweeper acts
----------------------------------------------------------------------------
SET LOCAL ROLE t15_eve;
SELECT throws_ok('SELECT flowstream.liquidate_critical()', '42501', NULL, 'liquidate_critical: not a stranger');
SET LOCAL ROLE t15_carol;
SELECT throws_ok('SELECT flowstream.liquidate_critical()', '42501', NULL, 'liquidate_critical: not the critical party itself');
SET LOCAL ROLE t15_app;
SELECT throws_ok('SELECT flowstream.liquidate_critical()', '42501', NULL, 'liquidate_critical: not flowstream_app, whatever its actor');
SET LOCAL ROLE t15_admin;
SELECT throws_ok('SELECT flowstream.liquidate_critical(0)', '22023', NULL, 'liquidate_critical: max_accounts must be positive');
SELECT is(flowstream.liquidate_critical(), 1, 'liquidate_critical: flowstream_admin liquidates carol''s account');
SELECT is(flowstream.liquidate_critical(), 0, 'liquidate_critical: a second run finds nothing');
RESET ROLE;
SELECT results_eq(format($$SELECT op::text, actor, at FROM flowstream.events WHERE flow_id = %s ORDER BY id$$, :fc),
    $$VALUES ('open_flow', 't15_carol', '2026-01-01 00:03:20+00'::timestamptz), ('liquidate', 'flowstream_sweeper', '2026-01-01 02:00:00+00')$$,
    'liquidate_critical: a liquidate event by the sweeper at its time');
SELECT results_eq($$SELECT balance, available, buffer, netflow, status FROM flowstream.accounts_now WHERE party = 't15_carol'$$,
    $$VALUES (0.300000, 0.300000, 0.000000, 0::numeric, 'healthy')$$, 'carol after the liquidation: the unburnt buffer stays with her (no reward party)');


----------------------------------------------------------------------------
-- the bridges: a stream topped up from its sender's account, withdrawn into
-- its recipient's (alice at +7200: 797.5 - 7000 s x 0.01 = 727.5, buffer 36)
----------------------------------------------------------------------------
SELECT results_eq($$SELECT balance, available FROM flowstream.accounts_now WHERE party = 't15_alice' AND token = 'T15'$$,
    $$VALUES (727.500000, 691.500000)$$, 'alice at +7200: 797.5 - 70 paid to bob since +200; 36 locked');
SET LOCAL ROLE t15_alice;
SELECT flowstream.create_stream('t15_alice', 't15_bob', 'T15', 0.001) AS s \gset
SELECT lives_ok(format('SELECT flowstream.deposit_from_account(%s, 100)', :s), 'deposit_from_account: the sender tops up her stream from her account');
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, 591.500001)', :s), 'SF013',
    'insufficient available balance: 591.500001 needed, 591.5 available', 'deposit_from_account: beyond available is SF013 with both amounts');
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, 0)', :s), '22023', NULL, 'deposit_from_account: 0 is 22023');
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, NULL)', :s), '22004', NULL, 'deposit_from_account: NULL is 22004');
SELECT throws_ok('SELECT flowstream.deposit_from_account(999999999, 1)', 'SF001', NULL, 'deposit_from_account: an unknown stream is SF001');
SET LOCAL ROLE t15_bob;
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, 1)', :s), '42501', NULL, 'deposit_from_account: not the recipient');
SET LOCAL ROLE t15_eve;
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, 1)', :s), '42501', NULL, 'deposit_from_account: not a stranger');
RESET ROLE;
SELECT results_eq(format($$SELECT flowstream.balance(state), (SELECT balance FROM flowstream.accounts_now WHERE party = 't15_alice' AND token = 'T15')
                          FROM flowstream.streams WHERE id = %s$$, :s),
    $$VALUES (100.000000, 627.500000)$$, 'deposit_from_account: 100 moved from alice''s account into the stream');
SELECT results_eq(format($$SELECT op::text, actor, amount, account_id FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :s),
    format($$VALUES ('create', 't15_alice', NULL::numeric, NULL::bigint), ('deposit_from_account', 't15_alice', 100.000000, %s)$$, pg_temp.acct('t15_alice')),
    'deposit_from_account: its event names the stream and the account');

SET LOCAL flowstream.clock = '2026-01-01 02:01:40+00';  -- +7300: the stream owes 0.1
SET LOCAL ROLE t15_bob;
SELECT is(flowstream.withdraw_to_account(:s, 0.05), 0.05, 'withdraw_to_account: the recipient takes 0.05 into his account');
SELECT throws_ok(format('SELECT flowstream.withdraw_to_account(%s, 1)', :s), 'SF006', NULL, 'withdraw_to_account: more than withdrawable is SF006');
SELECT throws_ok(format('SELECT flowstream.withdraw_to_account(%s, 0)', :s), '22023', NULL, 'withdraw_to_account: 0 is 22023');
SET LOCAL ROLE t15_alice;
SELECT throws_ok(format('SELECT flowstream.withdraw_to_account(%s, 0.01)', :s), '42501', NULL, 'withdraw_to_account: not the sender');
SELECT throws_ok(format('SELECT flowstream.withdraw_max_to_account(%s)', :s), '42501', NULL, 'withdraw_max_to_account: not the sender');
SET LOCAL ROLE t15_eve;
SELECT throws_ok(format('SELECT flowstream.withdraw_to_account(%s, 0.01)', :s), '42501', NULL, 'withdraw_to_account: not a stranger');
SET LOCAL ROLE t15_bob;
SELECT is(flowstream.withdraw_max_to_account(:s), 0.05, 'withdraw_max_to_account: the rest of the covered debt');
SELECT throws_ok(format('SELECT flowstream.withdraw_max_to_account(%s)', :s), '22023', NULL, 'withdraw_max_to_account: nothing left is 22023');
SELECT throws_ok('SELECT flowstream.withdraw_max_to_account(999999999)', 'SF001', NULL, 'withdraw_max_to_account: an unknown stream is SF001');
RESET ROLE;
-- bob: 52.5 at +200, + 70 from alice and 0.7 from carol until +7200, + 1 from alice since, + 0.1 from the stream
SELECT is(flowstream.account_balance('t15_bob', 'T15'), 124.3, 'withdraw_to_account: bob''s account received the 0.1');
SELECT is(flowstream.netflow('t15_bob', 'T15'), 0.011, 'netflow(party, token): bob''s flow 0.01/s and the debt stream''s 0.001/s');
SELECT is(flowstream.netflow('t15_alice', 'T15'), -0.011, 'netflow(party, token): alice pays both');
SELECT is(flowstream.netflow('t15_bob', 'T15', '2026-01-01 02:00:00+00'), 0.011, 'netflow at +7200, the stream''s creation');
SELECT is(flowstream.netflow('t15_bob', 'T15', '2026-01-01 01:00:00+00'), 0.0101, 'netflow at +3600: alice''s and carol''s flows, no stream yet');

----------------------------------------------------------------------------
-- time never goes back (SF010), and it ranks before 42501
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 01:59:10+00';  -- +7150: alice's account moved last at +7200, bob's at +7300
SET LOCAL ROLE t15_alice;
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 1)$$, 'SF010', NULL, 'account_withdraw before the account''s last operation is SF010');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.02)', :f3), 'SF010', NULL, 'update_flow before the last operation is SF010');
SELECT throws_ok($$SELECT flowstream.open_flow('t15_alice', 't15_bob', 'T15', 0.02)$$, 'SF010', NULL, 'open_flow: SF010 ranks before SF015');
SET LOCAL ROLE t15_eve;
SELECT throws_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15', 1)$$, 'SF010', NULL, 'account_deposit before the last operation is SF010');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15', 1)$$, 'SF010', NULL, 'SF010 ranks before 42501 (withdraw)');
SELECT throws_ok(format('SELECT flowstream.close_flow(%s)', :f3), 'SF010', NULL, 'SF010 ranks before 42501 (close_flow)');
SELECT throws_ok('SELECT flowstream.close_flow(999999999)', 'SF001', NULL, 'SF001 ranks before SF010');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 02:01:40+00';

----------------------------------------------------------------------------
-- account_state_at: the state after the last event at or before a time
----------------------------------------------------------------------------
SELECT is(flowstream.account_state_at('t15_alice', 'T15', '2026-01-01 00:02:30+00')::text,
    (SELECT account::text FROM flowstream.events WHERE account_id = pg_temp.acct('t15_alice')
     AND at = '2026-01-01 00:01:40+00' ORDER BY id DESC LIMIT 1),
    'account_state_at(+150): the state the last event at +100 recorded');
SELECT is(flowstream.account_state_at('t15_bob', 'T15', '2026-01-01 00:02:30+00')::text,
    (SELECT peer::text FROM flowstream.events WHERE peer_id = pg_temp.acct('t15_bob')
     AND at = '2026-01-01 00:01:40+00' ORDER BY id DESC LIMIT 1),
    'account_state_at(+150) of the receiver: the state recorded as the peer');
SELECT is(flowstream.netflow(flowstream.account_state_at('t15_alice', 'T15', '2026-01-01 00:02:30+00')), -0.015,
    'account_state_at(+150): netflow -0.015 (after the two updates at +100)');
SELECT is(flowstream.balance(flowstream.account_state_at('t15_alice', 'T15', '2026-01-01 00:02:30+00'), '2026-01-01 00:02:30+00'),
    798.25, 'account_state_at(+150): balance 799 - 50 s x 0.015');
SELECT is(flowstream.account_balance('t15_alice', 'T15', '2026-01-01 00:02:30+00'), 798.25, 'account_balance(at) reads the same history');
SELECT is(flowstream.account_balance('t15_alice', 'T15', flowstream.now()), flowstream.account_balance('t15_alice', 'T15'),
    'account_balance at now() is account_balance()');
SELECT is(flowstream.account_available('t15_alice', 'T15', flowstream.now()), flowstream.account_available('t15_alice', 'T15'),
    'account_available at now() is account_available()');

----------------------------------------------------------------------------
-- row-level security: a role sees its accounts, its flows, and their events
----------------------------------------------------------------------------
SELECT count(*) AS all_accounts FROM flowstream.accounts \gset
SELECT count(*) AS alice_flows FROM flowstream.flows WHERE 't15_alice' IN (sender, receiver) \gset
SELECT count(*) AS alice_events FROM flowstream.events e
    WHERE e.account_id = pg_temp.acct('t15_alice') OR e.peer_id = pg_temp.acct('t15_alice') OR e.stream_id = :s \gset
SET LOCAL ROLE t15_alice;
SELECT is(ARRAY(SELECT DISTINCT party FROM flowstream.accounts), ARRAY['t15_alice'], 'RLS: alice sees only her accounts');
SELECT is(ARRAY(SELECT DISTINCT party FROM flowstream.accounts_now), ARRAY['t15_alice'], 'RLS: accounts_now too');
SELECT is((SELECT count(*) FROM flowstream.flows WHERE 't15_alice' IN (sender, receiver)), :alice_flows::bigint,
    'RLS: alice sees every flow she sends or receives');
SELECT is((SELECT count(*) FROM flowstream.flows_now WHERE 't15_alice' NOT IN (sender, receiver)), 0::bigint, 'RLS: and no other flow');
SELECT is((SELECT count(*) FROM flowstream.events), :alice_events::bigint, 'RLS: alice sees the events of her accounts and her stream');
SELECT is(flowstream.account_balance('t15_bob', 'T15'), 0::numeric, 'RLS: another party''s balance reads as an unused account''s');
SET LOCAL ROLE t15_dave;
SELECT is(ARRAY(SELECT party FROM flowstream.accounts), ARRAY['t15_dave'], 'RLS: dave sees his account (made by the flows he received)');
SELECT is(ARRAY(SELECT id FROM flowstream.flows ORDER BY id), ARRAY[:fd, :fd2]::bigint[], 'RLS: dave sees the two flows he received');
SELECT is((SELECT count(*) FROM flowstream.events WHERE account_id IS NOT NULL), 5::bigint, 'RLS: dave sees the five events of those flows');
SET LOCAL ROLE t15_eve;
SELECT is((SELECT count(*) FROM flowstream.accounts), 0::bigint, 'RLS: a stranger sees no account');
SELECT is((SELECT count(*) FROM flowstream.flows_now), 0::bigint, 'RLS: no flow');
SELECT is((SELECT count(*) FROM flowstream.events), 0::bigint, 'RLS: no event (not even the deposit she made)');
SELECT is((SELECT count(*) FROM flowstream.deficits), 0::bigint, 'RLS: no deficit');
SET LOCAL ROLE t15_app;
SELECT is((SELECT count(*) FROM flowstream.accounts), :all_accounts::bigint, 'RLS: flowstream_app sees every account');
SET LOCAL ROLE t15_admin;
SELECT is((SELECT count(*) FROM flowstream.accounts_now), :all_accounts::bigint, 'RLS: flowstream_admin sees every account');
RESET ROLE;

----------------------------------------------------------------------------
-- the tables: only the API writes them
----------------------------------------------------------------------------
SELECT throws_ok($$UPDATE flowstream.accounts SET party = 'mallory' WHERE party = 't15_alice'$$, '42501', NULL,
    'a direct UPDATE of accounts is refused, even for a superuser');
SELECT throws_ok($$DELETE FROM flowstream.accounts WHERE party = 't15_carol'$$, '42501', NULL, 'a direct DELETE of accounts is refused');
SELECT throws_ok(format('UPDATE flowstream.flows SET rate = 1 WHERE id = %s', :f3), '42501', NULL, 'a direct UPDATE of flows is refused');
SELECT throws_ok(format('DELETE FROM flowstream.flows WHERE id = %s', :f1), '42501', NULL, 'a direct DELETE of flows is refused');
SELECT throws_ok('TRUNCATE flowstream.accounts CASCADE', '42501', NULL, 'TRUNCATE of accounts is refused');
SELECT throws_ok('TRUNCATE flowstream.flows', '42501', NULL, 'TRUNCATE of flows is refused');
SELECT throws_ok($$UPDATE flowstream.events SET amount = 1 WHERE op = 'account_deposit'$$, '42501', NULL, 'the events of accounts are append-only');
SELECT throws_ok($$INSERT INTO flowstream.accounts (state, first_event, last_event, party, token)
                   SELECT state, first_event, last_event, 'mallory', token FROM flowstream.accounts WHERE party = 't15_alice'$$,
    NULL, NULL, 'a direct INSERT of an account is refused');
SET LOCAL ROLE t15_alice;
SELECT throws_ok($$UPDATE flowstream.accounts SET party = 'mallory'$$, '42501', NULL, 'an ordinary role has no UPDATE on accounts');
SELECT throws_ok($$DELETE FROM flowstream.flows$$, '42501', NULL, 'an ordinary role has no DELETE on flows');
RESET ROLE;

----------------------------------------------------------------------------
-- another token, apart: its own decimals and sums
----------------------------------------------------------------------------
SET LOCAL ROLE t15_alice;
SELECT lives_ok($$SELECT flowstream.account_deposit('t15_alice', 'T15Z', 5)$$, 'T15Z: alice deposits 5');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t15_alice', 'T15Z', 0.5)$$, '22023', NULL, 'T15Z: a 0-decimal token takes no fractions');
SELECT is(flowstream.account_withdraw('t15_alice', 'T15Z', 2), 2::numeric, 'T15Z: alice withdraws 2');
RESET ROLE;
SELECT is(flowstream.account_balance('t15_alice', 'T15Z'), 3::numeric, 'T15Z: 3 left, apart from T15');

----------------------------------------------------------------------------
-- verify() sees through the triggers: each corruption below is made with
-- them off (session_replication_role = replica), reported, and undone
----------------------------------------------------------------------------
CREATE FUNCTION pg_temp.tampered(sql text) RETURNS SETOF text
    LANGUAGE plpgsql AS $$
DECLARE
    found text[];
BEGIN
    BEGIN
        SET LOCAL session_replication_role = replica;
        EXECUTE sql;
        SET LOCAL session_replication_role = origin;
        SELECT array_agg(problem) INTO found FROM flowstream.verify();
        RAISE EXCEPTION 'undo' USING ERRCODE = 'P0001';
    EXCEPTION WHEN SQLSTATE 'P0001' THEN
        NULL;
    END;
    RETURN QUERY SELECT unnest(found);
END
$$;
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered($$UPDATE flowstream.accounts SET critical_at = NULL WHERE party = 't15_alice' AND token = 'T15'$$) p
                  WHERE p LIKE '%(t15_alice): critical_at is not its critical time'),
    'verify(): a critical_at that is not the critical time');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered($$UPDATE flowstream.accounts SET open_outflows = 5 WHERE party = 't15_alice' AND token = 'T15'$$) p
                  WHERE p LIKE '%(t15_alice): open_outflows is 5, but 1 of its outgoing flows are open'),
    'verify(): a wrong count of open outgoing flows');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered($$UPDATE flowstream.accounts SET state = (SELECT state FROM flowstream.accounts WHERE party = 't15_dave')
                                                  WHERE party = 't15_bob' AND token = 'T15'$$) p
                  WHERE p LIKE '%(t15_bob): its state is not the state after its last event'),
    'verify(): an account''s state that is not where its history ends');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format('UPDATE flowstream.flows SET rate = 0.5 WHERE id = %s', :f3)) p
                  WHERE p LIKE format('flow %s: its rate 0.5 is not the rate after its last event', :f3)),
    'verify(): a flow''s rate that is not its last event''s');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format('UPDATE flowstream.flows SET rate = 0.5 WHERE id = %s', :f3)) p
                  WHERE p LIKE '%(t15_bob): its netflow % is not the sum of its open flows'' rates %'),
    'verify(): ... and the netflow of its receiver that no longer matches it');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format('UPDATE flowstream.flows SET buffer = 1 WHERE id = %s', :f3)) p
                  WHERE p LIKE format('flow %s: its buffer 1 is not the buffer after its last event', :f3)),
    'verify(): a flow''s buffer that is not its last event''s');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format('UPDATE flowstream.flows SET closed_at = flowstream.now() WHERE id = %s', :f3)) p
                  WHERE p LIKE format('flow %s: closed_at is set, but its last event is a open_flow', :f3)),
    'verify(): a flow closed without a close event');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format($$UPDATE flowstream.flows SET receiver = 't15_eve' WHERE id = %s$$, :f3)) p
                  WHERE p LIKE format('flow %s: its sender and receiver are not the parties of its accounts', :f3)),
    'verify(): a flow whose parties are not its accounts''');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format('DELETE FROM flowstream.flows WHERE id = %s', :f3)) p
                  WHERE p LIKE format('event %%: its flow %s has no row in flowstream.flows', :f3)),
    'verify(): a flow row that vanished');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered($$UPDATE flowstream.events SET amount = 1001 WHERE op = 'account_deposit' AND actor = 't15_eve'$$) p
                  WHERE p LIKE 'accounts: its accounts hold %, but deposits less withdrawals are %'),
    'verify(): a recorded deposit changed: the sums of the token no longer match');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered($$UPDATE flowstream.events SET amount = 1001 WHERE op = 'account_deposit' AND actor = 't15_eve'$$) p
                  WHERE p LIKE 'event %: the states after the recorded account_deposit are not what the account_deposit gives'),
    'verify(): ... nor does the replay of that event');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format($$DELETE FROM flowstream.events WHERE flow_id = %s AND op = 'open_flow'$$, :f3)) p
                  WHERE p LIKE format('flow %s: flow without history', :f3)),
    'verify(): a flow whose only event was deleted');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered(format($$DELETE FROM flowstream.events WHERE flow_id = %s AND op = 'open_flow'$$, :f1)) p
                  WHERE p LIKE format('flow %s: first_event is not the open_flow event that begins its history', :f1)),
    'verify(): a flow whose open event was deleted');
SELECT ok(EXISTS (SELECT FROM pg_temp.tampered($$UPDATE flowstream.accounts SET last_event = first_event WHERE party = 't15_alice' AND token = 'T15'$$) p
                  WHERE p LIKE '%(t15_alice): last_event is %, but its last event is %'),
    'verify(): an account''s last_event that is not its last event');
SELECT is((SELECT count(*) FROM pg_temp.tampered('SELECT 1')), 0::bigint, 'verify(): nothing when nothing was tampered with');

SELECT is_empty('SELECT * FROM flowstream.deficits', 'no deficits');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
