-- 36_operators.sql — operators (SPEC §8): a party approves another to act
-- for it with some permissions, for one token or all, optionally with a cap
-- on the rate of the flows the operator opens or raises (Superfluid's
-- flowRateAllowance).  Each operation needs the permission of ops.c's
-- table: create (create, set_void_after, set_metadata, open_flow,
-- deposit_from_account), rate (adjust_rate, update_flow, propose/confirm/
-- revoke_update), pause (pause, restart), void (void, redeem, close_flow),
-- withdraw (withdraw elsewhere, account_withdraw, account_transfer,
-- withdraw_to_account), refund, transfer.
--
-- Roles: t36_alice (a sender, a flow's sender), t36_bob (a recipient),
-- t36_carol, t36_eve (a stranger), and operators:
--   t36_op   for alice, every token: create, rate, pause
--   t36_op2  for bob, T36USD only: withdraw, transfer, void
--   t36_op3  for alice, T36EUR only: create
--   t36_op5  for alice, T36USD: refund, void
--   t36_op6  for alice, T36USD: create, rate, void, withdraw, max_rate 0.01
-- Tokens T36USD and T36EUR, 6 decimals.  t0 = 2026-09-01 00:00:00+00;
-- streams of 0.01 token/s with 100 deposited; everything after their
-- creation happens at t0 + 100 s (1 owed), the flows at t0 + 200 s.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(136);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE FUNCTION pg_temp.allowance(text) RETURNS numeric
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT rate_allowance FROM flowstream.operators WHERE party = 't36_alice' AND operator = $1$$;

CREATE ROLE t36_alice;
CREATE ROLE t36_bob;
CREATE ROLE t36_carol;
CREATE ROLE t36_eve;
CREATE ROLE t36_op;
CREATE ROLE t36_op2;
CREATE ROLE t36_op3;
CREATE ROLE t36_op5;
CREATE ROLE t36_op6;
INSERT INTO flowstream.tokens VALUES ('T36USD', 6), ('T36EUR', 6);

----------------------------------------------------------------------------
-- approvals: by the party only, with known permissions
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-09-01 00:00:00+00';
SET LOCAL ROLE t36_alice;
SELECT lives_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_op', '{create,rate,pause}')$$,
    'alice approves op for every token: create, rate, pause');
SELECT lives_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_op3', '{create}', 'T36EUR')$$,
    'alice approves op3 for T36EUR only: create');
SELECT lives_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_op5', '{refund,void}', 'T36USD')$$,
    'alice approves op5 for T36USD: refund, void');
SELECT lives_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_op6', '{create,rate,void,withdraw}', 'T36USD', 0.01)$$,
    'alice approves op6 for T36USD with a rate cap of 0.01/s');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create,steal}')$$, '22023', NULL,
    'an unknown permission: 22023');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{}')$$, '22023', NULL,
    'no permission at all: 22023');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create}', max_rate => 1)$$, '22023', NULL,
    'a rate cap without a token: 22023');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create}', 'T36USD', -1)$$, '22023', NULL,
    'a negative rate cap: 22023');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create}', 'T36XXX')$$, '22023', NULL,
    'an unknown token: 22023');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_alice', '{create}')$$, '22023', NULL,
    'the party as its own operator: 22023');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', NULL)$$, '22004', NULL,
    'NULL permissions: 22004');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create,NULL}')$$, '22004', NULL,
    'a NULL permission: 22004');
SET LOCAL ROLE t36_bob;
SELECT lives_ok($$SELECT flowstream.approve_operator('t36_bob', 't36_op2', '{withdraw,transfer,void}', 'T36USD')$$,
    'bob approves op2 for T36USD: withdraw, transfer, void');
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create}')$$, '42501', NULL,
    'bob may not approve an operator of alice');
SET LOCAL ROLE t36_op;
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create}')$$, '42501', NULL,
    'an operator cannot approve others for its party');
SELECT throws_ok($$SELECT flowstream.revoke_operator('t36_alice', 't36_op')$$, '42501', NULL,
    'nor revoke approvals of its party');
SET LOCAL ROLE t36_eve;
SELECT throws_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_eve', '{create}')$$, '42501', NULL,
    'a stranger may not approve itself');
RESET ROLE;
SELECT results_eq($$SELECT operator, token, permissions, max_rate, rate_allowance, approved_by FROM flowstream.operators
        WHERE party = 't36_alice' ORDER BY operator$$,
    $$VALUES ('t36_op', NULL::text, '{create,rate,pause}'::text[], NULL::numeric, NULL::numeric, 't36_alice'),
             ('t36_op3', 'T36EUR', '{create}', NULL, NULL, 't36_alice'),
             ('t36_op5', 'T36USD', '{refund,void}', NULL, NULL, 't36_alice'),
             ('t36_op6', 'T36USD', '{create,rate,void,withdraw}', 0.01, 0.01, 't36_alice')$$,
    'flowstream.operators holds the approvals of alice');

----------------------------------------------------------------------------
-- streams: create for the party, then what each permission allows
----------------------------------------------------------------------------
SET LOCAL ROLE t36_op;
SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01, deposit => 100) AS s \gset
SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01, deposit => 100) AS s2 \gset
SELECT throws_ok($$SELECT flowstream.create_stream('t36_bob', 't36_alice', 'T36USD', 0.01)$$, '42501', NULL,
    'create: op may not create for bob, who did not approve it');
SET LOCAL ROLE t36_op2;
SELECT throws_ok($$SELECT flowstream.create_stream('t36_bob', 't36_alice', 'T36USD', 0.01)$$, '42501', NULL,
    'create: op2 may not create for bob: it lacks the permission');
SET LOCAL ROLE t36_op3;
SELECT throws_ok($$SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01)$$, '42501', NULL,
    'create: op3''s approval for T36EUR is no use for T36USD');
SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36EUR', 0.01, deposit => 100) AS se \gset
SET LOCAL ROLE t36_alice;
SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01, deposit => 100) AS s3 \gset
SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01, deposit => 100) AS s4 \gset
SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01, deposit => 100, consent_required => true) AS sc \gset
RESET ROLE;
SELECT results_eq(format($$SELECT sender, recipient FROM flowstream.streams WHERE id IN (%s, %s) ORDER BY id$$, :s, :se),
    $$VALUES ('t36_alice', 't36_bob'), ('t36_alice', 't36_bob')$$, 'create: the streams op and op3 made are alice''s');
SELECT results_eq(format($$SELECT actor, on_behalf_of FROM flowstream.events WHERE stream_id IN (%s, %s) AND op = 'create' ORDER BY id$$,
        :s, :se),
    $$VALUES ('t36_op', 't36_alice'), ('t36_op3', 't36_alice')$$,
    'create: its event names the operator and the party it acted for');

SET LOCAL flowstream.clock = '2026-09-01 00:01:40+00';
SET LOCAL ROLE t36_op;
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :s), 'adjust_rate: op (rate)');
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :s), 'pause: op (pause)');
SELECT lives_ok(format('SELECT flowstream.restart(%s, 0.01)', :s), 'restart: op (pause)');
SELECT lives_ok(format($$SELECT flowstream.set_void_after(%s, '1 day')$$, :s), 'set_void_after: op (create)');
SELECT lives_ok(format($$SELECT flowstream.set_metadata(%s, '{"by": "op"}')$$, :s), 'set_metadata: op (create)');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s), '42501', NULL, 'refund: op lacks refund');
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :s), '42501', NULL, 'refund_max: op lacks refund');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :s), '42501', NULL, 'void: op lacks void');
SELECT throws_ok(format('SELECT flowstream.redeem(%s)', :s), '42501', NULL, 'redeem: op lacks void');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.1, 't36_op')$$, :s), '42501', NULL,
    'withdraw elsewhere: op is not the recipient''s operator');
SELECT throws_ok(format($$SELECT flowstream.transfer(%s, 't36_carol')$$, :s), '42501', NULL,
    'transfer: op is not the recipient''s operator');
SELECT is(flowstream.withdraw(:s, 0.1), 0.100000, 'withdraw to the recipient: anyone, op too');
SET LOCAL ROLE t36_op5;
SELECT lives_ok(format('SELECT flowstream.refund(%s, 1)', :s), 'refund: op5 (refund)');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.03)', :s), '42501', NULL, 'adjust_rate: op5 lacks rate');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: op5 lacks pause');
SELECT throws_ok(format($$SELECT flowstream.set_void_after(%s, NULL)$$, :s), '42501', NULL, 'set_void_after: op5 lacks create');
SELECT throws_ok(format($$SELECT flowstream.set_metadata(%s, '{}')$$, :s), '42501', NULL, 'set_metadata: op5 lacks create');
SELECT throws_ok($$SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01)$$, '42501', NULL,
    'create: op5 lacks create');
SELECT is(flowstream.void(:s4), 0.000000, 'void: op5 (void) for alice');
SET LOCAL ROLE t36_op2;
SELECT is(flowstream.withdraw(:s, 0.2, 't36_op2'), 0.200000, 'withdraw elsewhere: op2 (withdraw) for bob');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.03)', :s), '42501', NULL, 'adjust_rate: op2 lacks rate');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :s), '42501', NULL, 'pause: op2 lacks pause');
SELECT throws_ok(format('SELECT flowstream.refund(%s, 1)', :s), '42501', NULL, 'refund: op2 is not alice''s operator');
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't36_carol')$$, :s2), 'transfer: op2 (transfer) for bob');
SELECT results_eq(format('SELECT paid, refunded FROM flowstream.redeem(%s)', :s3),
    $$VALUES (1.000000, 99.000000)$$, 'redeem: op2 (void) for bob: bob paid, alice refunded');
SELECT throws_ok(format($$SELECT flowstream.withdraw(%s, 0.1, 't36_op2')$$, :se), '42501', NULL,
    'withdraw elsewhere: op2''s approval for T36USD is no use for T36EUR');
RESET ROLE;
SELECT is(recipient, 't36_carol', 'transfer: the stream is carol''s') FROM flowstream.streams WHERE id = :s2;
SELECT results_eq(format($$SELECT op::text, actor, on_behalf_of, amount, destination FROM flowstream.events
        WHERE stream_id = %s AND op NOT IN ('create', 'deposit') ORDER BY id$$, :s),
    $$VALUES ('adjust_rate', 't36_op', 't36_alice', 0.02, NULL::text), ('pause', 't36_op', 't36_alice', NULL, NULL),
             ('restart', 't36_op', 't36_alice', 0.01, NULL), ('set_void_after', 't36_op', 't36_alice', NULL, NULL),
             ('set_metadata', 't36_op', 't36_alice', NULL, NULL), ('withdraw', 't36_op', NULL, 0.100000, 't36_bob'),
             ('refund', 't36_op5', 't36_alice', 1.000000, 't36_alice'), ('withdraw', 't36_op2', 't36_bob', 0.200000, 't36_op2')$$,
    'the events of an operator''s acts name the party; a withdrawal to the recipient is anyone''s own');
SELECT results_eq(format($$SELECT op::text, actor, on_behalf_of FROM flowstream.events WHERE stream_id = %s AND op NOT IN ('create', 'deposit')
        ORDER BY id$$, :s3),
    $$VALUES ('redeem', 't36_op2', 't36_bob'), ('withdraw', 't36_op2', 't36_bob'), ('refund', 't36_op2', 't36_bob')$$,
    'redeem by op2: its three events are for bob');
SELECT is((SELECT on_behalf_of FROM flowstream.events WHERE stream_id = :s4 AND op = 'void'), 't36_alice',
    'void by op5: for alice');
SELECT is((SELECT on_behalf_of FROM flowstream.events WHERE stream_id = :s2 AND op = 'transfer'), 't36_bob',
    'transfer by op2: for bob');

-- agreed updates: the operator's proposal is its party's
SET LOCAL ROLE t36_op;
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.02)', :sc), '42501', NULL,
    'a consent stream: its sender''s operator may not change the rate alone either');
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.02, NULL)$$, :sc), 'propose_update: op (rate) for alice');
RESET ROLE;
SELECT is((SELECT proposed_by FROM flowstream.streams WHERE id = :sc), 't36_alice', 'the proposal is alice''s');
SET LOCAL ROLE t36_alice;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.02, NULL)$$, :sc), '42501', NULL,
    'alice may not confirm what her operator proposed for her');
SET LOCAL ROLE t36_op;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.02, NULL)$$, :sc), '42501', NULL,
    'nor may her operator');
SET LOCAL ROLE t36_op2;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.02, NULL)$$, :sc), '42501', NULL,
    'nor bob''s operator without the rate permission');
SELECT throws_ok(format('SELECT flowstream.revoke_update(%s)', :sc), '42501', NULL,
    'revoke_update: op2 lacks rate');
SET LOCAL ROLE t36_bob;
SELECT lives_ok(format($$SELECT flowstream.confirm_update(%s, 0.02, NULL)$$, :sc), 'bob confirms');
RESET ROLE;
SELECT results_eq(format($$SELECT op::text, actor, on_behalf_of FROM flowstream.events WHERE stream_id = %s
        AND op IN ('propose_update', 'confirm_update') ORDER BY id$$, :sc),
    $$VALUES ('propose_update', 't36_op', 't36_alice'), ('confirm_update', 't36_bob', NULL)$$,
    'the proposal names op and alice; bob confirmed as himself');

----------------------------------------------------------------------------
-- accounts and flows; the rate cap
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-09-01 00:03:20+00';
SELECT lives_ok($$SELECT flowstream.account_deposit('t36_alice', 'T36USD', 1000)$$, 'alice''s account gets 1000');
SELECT lives_ok($$SELECT flowstream.account_deposit('t36_alice', 'T36EUR', 1000)$$, 'and 1000 EUR');
SET LOCAL ROLE t36_op6;
SELECT flowstream.open_flow('t36_alice', 't36_bob', 'T36USD', 0.004) AS f \gset
SELECT is(pg_temp.allowance('t36_op6'), 0.006, 'open_flow: op6 opens 0.004/s for alice; 0.006 of its cap is left');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.008)', :f), 'update_flow: op6 raises it to 0.008');
SELECT is(pg_temp.allowance('t36_op6'), 0.002, 'the raise used 0.004 more');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.011)', :f), '42501', NULL,
    'update_flow: a raise of 0.003 beyond the 0.002 left: 42501');
SELECT is(pg_temp.allowance('t36_op6'), 0.002, 'a refused raise uses nothing');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.005)', :f), 'update_flow: op6 lowers it to 0.005');
SELECT is(pg_temp.allowance('t36_op6'), 0.002, 'lowering frees nothing (as in Superfluid)');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.007)', :f), 'update_flow: op6 raises it by the 0.002 left');
SELECT is(pg_temp.allowance('t36_op6'), 0::numeric, 'nothing is left');
SELECT throws_ok($$SELECT flowstream.open_flow('t36_alice', 't36_carol', 'T36USD', 0.000000000000000001)$$, '42501', NULL,
    'open_flow: not even 1e-18/s more');
SELECT throws_ok($$SELECT flowstream.open_flow('t36_alice', 't36_carol', 'T36EUR', 0.001)$$, '42501', NULL,
    'open_flow: op6''s approval for T36USD is no use for T36EUR');
SELECT flowstream.account_withdraw('t36_alice', 'T36USD', 10) AS w \gset
SELECT is(:'w'::numeric, 10::numeric, 'account_withdraw: op6 (withdraw) for alice');
SELECT lives_ok($$SELECT flowstream.account_transfer('t36_alice', 't36_carol', 'T36USD', 5)$$,
    'account_transfer: op6 (withdraw) for alice');
SELECT lives_ok(format('SELECT flowstream.deposit_from_account(%s, 1)', :s), 'deposit_from_account: op6 (create) for alice');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t36_bob', 'T36USD', 0.000001)$$, '42501', NULL,
    'account_withdraw: op6 is not bob''s operator');
SET LOCAL ROLE t36_alice;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.02)', :f), 'alice herself raises the flow: her own rate is not capped');
SELECT is(pg_temp.allowance('t36_op6'), 0::numeric, 'the operator''s allowance is unchanged');
SELECT lives_ok($$SELECT flowstream.approve_operator('t36_alice', 't36_op6', '{create,rate,void,withdraw}', 'T36USD', 0.05)$$,
    'alice approves op6 again with a cap of 0.05');
SELECT is(pg_temp.allowance('t36_op6'), 0.05, 'the allowance starts again at the new cap');
SET LOCAL ROLE t36_op6;
SELECT flowstream.open_flow('t36_alice', 't36_carol', 'T36USD', 0.01) AS f2 \gset
SELECT is(pg_temp.allowance('t36_op6'), 0.04, 'open_flow: op6 opens 0.01/s to carol');
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :f2), 'close_flow: op6 (void) for alice');
SELECT is(pg_temp.allowance('t36_op6'), 0.04, 'closing frees nothing');
SET LOCAL ROLE t36_op;
SELECT throws_ok(format('SELECT flowstream.close_flow(%s)', :f), '42501', NULL, 'close_flow: op lacks void');
SELECT throws_ok($$SELECT flowstream.account_withdraw('t36_alice', 'T36USD', 1)$$, '42501', NULL, 'account_withdraw: op lacks withdraw');
SELECT throws_ok($$SELECT flowstream.account_transfer('t36_alice', 't36_op', 'T36USD', 1)$$, '42501', NULL,
    'account_transfer: op lacks withdraw');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.03)', :f), 'update_flow: op (rate, no cap) for alice');
SELECT flowstream.open_flow('t36_alice', 't36_carol', 'T36EUR', 0.001) AS f3 \gset
SELECT ok(:f3 > 0, 'open_flow: op (create, every token) in T36EUR');
SET LOCAL ROLE t36_op5;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.04)', :f), '42501', NULL, 'update_flow: op5 lacks rate');
SELECT throws_ok($$SELECT flowstream.open_flow('t36_alice', 't36_eve', 'T36USD', 0.001)$$, '42501', NULL,
    'open_flow: op5 lacks create');
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, 1)', :s), '42501', NULL,
    'deposit_from_account: op5 lacks create');
SELECT throws_ok(format('SELECT flowstream.close_flow(%s)', :f3), '42501', NULL,
    'close_flow: op5''s approval for T36USD is no use for a T36EUR flow');
SET LOCAL ROLE t36_op2;
SELECT is(flowstream.withdraw_to_account(:s, 0.1), 0.100000, 'withdraw_to_account: op2 (withdraw) for bob');
SET LOCAL ROLE t36_op;
SELECT throws_ok(format('SELECT flowstream.withdraw_to_account(%s, 0.1)', :s), '42501', NULL,
    'withdraw_to_account: op is not bob''s operator');
RESET ROLE;
SELECT results_eq($$SELECT op::text, actor, on_behalf_of FROM flowstream.events
        WHERE account_id = (SELECT id FROM flowstream.accounts WHERE party = 't36_alice' AND token = 'T36USD')
          AND op <> 'account_deposit' ORDER BY id$$,
    $$VALUES ('open_flow', 't36_op6', 't36_alice'), ('update_flow', 't36_op6', 't36_alice'),
             ('update_flow', 't36_op6', 't36_alice'), ('update_flow', 't36_op6', 't36_alice'),
             ('account_withdraw', 't36_op6', 't36_alice'), ('account_transfer', 't36_op6', 't36_alice'),
             ('deposit_from_account', 't36_op6', 't36_alice'), ('update_flow', 't36_alice', NULL),
             ('open_flow', 't36_op6', 't36_alice'), ('close_flow', 't36_op6', 't36_alice'),
             ('update_flow', 't36_op', 't36_alice')$$,
    'the events of the account name each operator and alice');
SELECT results_eq(format($$SELECT actor, on_behalf_of, amount FROM flowstream.events WHERE stream_id = %s AND op = 'withdraw_to_account'$$, :s),
    $$VALUES ('t36_op2', 't36_bob', 0.100000)$$, 'withdraw_to_account by op2: for bob');

----------------------------------------------------------------------------
-- who sees what
----------------------------------------------------------------------------
SET LOCAL ROLE t36_op;
SELECT ok((SELECT count(*) FROM flowstream.streams WHERE id IN (:s, :s2, :s3, :s4, :sc, :se)) = 6,
    'RLS: op sees alice''s streams');
SELECT ok((SELECT count(*) FROM flowstream.events WHERE stream_id = :s) > 0, 'RLS: and their events');
SELECT is((SELECT count(*) FROM flowstream.accounts_now WHERE party = 't36_alice'), 2::bigint, 'RLS: and alice''s accounts');
SELECT is((SELECT count(*) FROM flowstream.accounts_now WHERE party <> 't36_alice'), 0::bigint, 'RLS: but no other party''s');
SELECT is((SELECT count(*) FROM flowstream.flows_now WHERE sender = 't36_alice'), 3::bigint, 'RLS: and alice''s flows');
SELECT is((SELECT count(*) FROM flowstream.operators), 1::bigint, 'RLS: its own approval only');
SET LOCAL ROLE t36_op2;
SELECT is((SELECT count(*) FROM flowstream.streams WHERE id IN (:s, :s3, :s4, :sc, :se)), 5::bigint,
    'RLS: op2 sees bob''s streams');
SELECT is((SELECT count(*) FROM flowstream.streams WHERE id = :s2), 0::bigint, 'RLS: not the one it transferred to carol');
SET LOCAL ROLE t36_eve;
SELECT is((SELECT count(*) FROM flowstream.streams), 0::bigint, 'RLS: a stranger sees no stream');
SELECT is((SELECT count(*) FROM flowstream.accounts), 0::bigint, 'RLS: nor any account');
SELECT is((SELECT count(*) FROM flowstream.operators), 0::bigint, 'RLS: nor any approval');
SELECT is((SELECT count(*) FROM flowstream.operators_history), 0::bigint, 'RLS: nor any history of approvals');

----------------------------------------------------------------------------
-- revoking
----------------------------------------------------------------------------
SET LOCAL ROLE t36_alice;
SELECT is(flowstream.revoke_operator('t36_alice', 't36_op'), true, 'alice revokes op');
SELECT is(flowstream.revoke_operator('t36_alice', 't36_op'), false, 'revoking again finds nothing');
SELECT is(flowstream.revoke_operator('t36_alice', 't36_op6'), false, 'op6''s approval is for T36USD, not every token');
SET LOCAL ROLE t36_op;
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.05)', :s), '42501', NULL, 'a revoked operator may not change a rate');
SELECT throws_ok($$SELECT flowstream.create_stream('t36_alice', 't36_bob', 'T36USD', 0.01)$$, '42501', NULL,
    'nor create for alice');
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.04)', :f), '42501', NULL, 'nor change her flows');
SELECT is((SELECT count(*) FROM flowstream.streams), 0::bigint, 'RLS: a revoked operator sees nothing of alice');
RESET ROLE;
SELECT results_eq($$SELECT op, operator, token, permissions, max_rate, actor FROM flowstream.operators_history
        WHERE party = 't36_alice' AND operator IN ('t36_op', 't36_op6') ORDER BY id$$,
    $$VALUES ('approve', 't36_op', NULL::text, '{create,rate,pause}'::text[], NULL::numeric, 't36_alice'),
             ('approve', 't36_op6', 'T36USD', '{create,rate,void,withdraw}', 0.01, 't36_alice'),
             ('approve', 't36_op6', 'T36USD', '{create,rate,void,withdraw}', 0.05, 't36_alice'),
             ('revoke', 't36_op', NULL, NULL, NULL, 't36_alice')$$,
    'operators_history records every approval and revocation');
SELECT throws_ok($$UPDATE flowstream.operators_history SET actor = 't36_eve'$$, '42501', NULL,
    'operators_history is append-only: no UPDATE, even by a superuser');
SELECT throws_ok($$DELETE FROM flowstream.operators_history$$, '42501', NULL, 'nor DELETE');
SELECT throws_ok($$UPDATE flowstream.operators SET rate_allowance = 1$$, '42501', NULL,
    'flowstream.operators is written only by the API');
SELECT throws_ok($$DELETE FROM flowstream.operators$$, '42501', NULL, 'not even to delete');
SELECT throws_ok($$INSERT INTO flowstream.operators (party, operator, permissions, approved_at, approved_by, approval)
        SELECT 't36_alice', 't36_eve', '{create,rate,pause,void,withdraw,refund,transfer}', now(), 't36_alice', max(id)
        FROM flowstream.operators_history$$, '23514', NULL,
    'a direct insert that restores no history is refused (23514)');

----------------------------------------------------------------------------
-- an app acting for its users (flowstream.actor): approvals and an
-- operator's acts, by the party "or an app acting for it" (SPEC 8)
----------------------------------------------------------------------------
CREATE ROLE t36_app IN ROLE flowstream_app;
SET LOCAL ROLE t36_app;
SET LOCAL flowstream.actor = 'user:7';
SELECT lives_ok($$SELECT flowstream.approve_operator('user:7', 'user:8', '{pause}')$$,
    'app: acting for user:7, it approves user:8 for user:7');
SELECT throws_ok($$SELECT flowstream.approve_operator('user:9', 'user:8', '{pause}')$$, '42501', NULL,
    'app: acting for user:7, it may not approve for user:9');
SELECT flowstream.create_stream('user:7', 'user:10', 'T36USD', 0.01, deposit => 10) AS u \gset
SET LOCAL flowstream.actor = 'user:8';
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :u), 'app: user:8 pauses user:7''s stream');
SELECT throws_ok(format('SELECT flowstream.void(%s)', :u), '42501', NULL, 'app: user:8 may not void it (no void permission)');
SELECT throws_ok($$SELECT flowstream.approve_operator('user:7', 'user:11', '{pause}')$$, '42501', NULL,
    'app: user:8 may not approve further operators for user:7');
SELECT throws_ok($$SELECT flowstream.revoke_operator('user:7', 'user:8')$$, '42501', NULL,
    'app: nor revoke its own approval');
SET LOCAL flowstream.actor = 'user:7';
SELECT is(flowstream.revoke_operator('user:7', 'user:8'), true, 'app: acting for user:7, it revokes user:8');
SET LOCAL flowstream.actor = 'user:8';
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.01)', :u), '42501', NULL, 'app: user:8 may no longer restart it');
RESET ROLE;
SELECT results_eq(format($$SELECT op::text, actor, on_behalf_of FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :u),
    $$VALUES ('create', 'user:7', NULL::text), ('deposit', 'user:7', NULL), ('pause', 'user:8', 'user:7')$$,
    'app: the pause records user:8 acting for user:7');
SELECT results_eq($$SELECT op::text, operator, actor FROM flowstream.operators_history WHERE party = 'user:7' ORDER BY id$$,
    $$VALUES ('approve', 'user:8', 'user:7'), ('revoke', 'user:8', 'user:7')$$,
    'app: operators_history names the app''s user as the actor');

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
