-- 35_story_eip1620.sql — EIP-1620's story (SPEC §7), to the base unit: a
-- payer deposits for a 30-day engagement, the payee withdraws along the way,
-- either party stops it with redeem and both get their shares; after the
-- end the payee takes all but the rounding dust; the terms of a stream
-- created with consent_required change only by agreement.
--
-- Roles: t35_payer, t35_payee, t35_eve (a stranger), t35_carol (another
-- identity of the payee).  Token T35USD, 6 decimals (T35D0 and T35D18 for
-- the boundaries).
--
-- The engagement: 3000 T35USD over 30 days (2 592 000 s).
--   rate = floor(3000 / 2 592 000, 18 decimals) = 0.001157407407407407
--   owed after  3 days:  299.9999999999998944   -> 299.999999
--            after  5 days:  499.999999999999824    -> 499.999999
--            after 12 days: 1199.9999999999995776   -> 1199.999999
--            after 30 days: 2999.999999999998944    -> 2999.999999 (dust 0.000001)
-- A (March 2026): the payee withdraws 400 on day 5; the payer redeems on
--   day 12: paid 1199.999999 - 400 = 799.999999, refunded 2600 - 799.999999
--   = 1800.000001.
-- B (April): the same, redeemed by the payee.
-- C (May): runs to its end; the payee withdraws 2999.999999, the dust
--   0.000001 is refunded; nothing re-rates it after its end (SF012).
-- D (June, consent_required): day 10 the payee proposes 0.0015/s to the end,
--   the payer tops up 592 and confirms (sd = 999.999999999999648, owed at
--   the end 999.999999999999648 + 0.0015 * 20 days = 3591.999999999999648);
--   day 11 a proposed cut is revoked, confirms by the proposer and with other
--   terms are refused; day 12 the payer pauses (sd = 999.999999999999648 +
--   0.0015 * 2 days = 1259.199999999999648) and cannot restart alone; the
--   parties agree on 0.0015 again, confirmed on day 14: owed at the end
--   1259.199999999999648 + 0.0015 * 16 days = 3332.799999999999648, the two
--   paused days (259.2) are refundable with the 0.000001 of the balance.
-- E (July, consent_required): the payee may not raise the rate by proposing,
--   transferring the stream to another identity and confirming from there.
-- F (August): end boundaries at 0, 6 and 18 decimals: pending until the
--   start, streaming until the end (end - 1 us), ended at the end.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(207);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
-- the SQLSTATE a statement gives ('ok' when none), and the hint of its error
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
CREATE FUNCTION pg_temp.hint(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    h text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
    RETURN h;
END $$;
-- the events of a stream after an event id, as text
CREATE FUNCTION pg_temp.events(bigint, bigint) RETURNS TABLE (op text, actor text, amount numeric,
        destination text, at timestamptz, end_at timestamptz, on_behalf_of text)
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT op::text, actor, amount, destination, at, end_at, on_behalf_of
          FROM flowstream.events WHERE stream_id = $1 AND id > $2 ORDER BY id$$;
CREATE FUNCTION pg_temp.last_event(bigint) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT max(id) FROM flowstream.events WHERE stream_id = $1$$;

CREATE ROLE t35_payer;
CREATE ROLE t35_payee;
CREATE ROLE t35_eve;
CREATE ROLE t35_carol;
INSERT INTO flowstream.tokens VALUES ('T35USD', 6), ('T35D0', 0), ('T35D18', 18);

----------------------------------------------------------------------------
-- A: the payer redeems on day 12
----------------------------------------------------------------------------
SELECT is(flowstream.fixed_rate(3000, 6, '2026-03-01 00:00:00+00', '2026-03-31 00:00:00+00'),
    0.001157407407407407, 'fixed_rate: 3000 over 30 days, floored to 18 decimals');

SET LOCAL flowstream.clock = '2026-03-01 00:00:00+00';
SET LOCAL ROLE t35_eve;
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
        '2026-03-01 00:00:00+00', '2026-03-31 00:00:00+00')$$, '42501', NULL,
    'A: nobody but the payer makes the payer a debtor');
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
    '2026-03-01 00:00:00+00', '2026-03-31 00:00:00+00') AS a \gset
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:a)), 0.001157407407407407, 'A: the rate pays 3000 by the end, floored');
SELECT is(flowstream.balance(pg_temp.st(:a)), 3000::numeric, 'A: the total is deposited');
SELECT is(flowstream.end_time(pg_temp.st(:a)), '2026-03-31 00:00:00+00'::timestamptz, 'A: it ends after 30 days');
SELECT is(flowstream.status(pg_temp.st(:a), flowstream.now()), 'streaming_solvent'::flowstream.status, 'A: streaming from its start');
SELECT is(flowstream.depletion_time(pg_temp.st(:a)), NULL, 'A: solvent at its end, it never depletes');
SELECT results_eq(format('SELECT op, actor, amount, destination FROM pg_temp.events(%s, 0)', :a),
    $$VALUES ('create', 't35_payer', NULL::numeric, 't35_payee'), ('deposit', 't35_payer', 3000.000000, NULL)$$,
    'A: created by the payer with its deposit');
SELECT is((SELECT consent_required FROM flowstream.events WHERE stream_id = :a AND op = 'create'), false,
    'A: the create event records that no consent is required');
SELECT is(flowstream.balance_of(:a, 't35_payee'), 0::numeric, 'A: balance_of the payee at the start: 0');
SELECT is(flowstream.balance_of(:a, 't35_payer'), 3000::numeric, 'A: balance_of the payer at the start: 3000');

SET LOCAL flowstream.clock = '2026-03-06 00:00:00+00';
SELECT is(flowstream.balance_of(:a, 't35_payee'), 499.999999, 'A: day 5, balance_of the payee: 499.999999');
SELECT is(flowstream.balance_of(:a, 't35_payer'), 2500.000001, 'A: day 5, balance_of the payer: 2500.000001');
SET LOCAL ROLE t35_payee;
SELECT is(flowstream.withdraw(:a, 400), 400.000000, 'A: day 5, the payee withdraws 400');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-03-13 00:00:00+00';
SELECT is(flowstream.balance_of(:a, 't35_payee'), 799.999999, 'A: day 12, balance_of the payee: 1199.999999 - 400');
SELECT is(flowstream.balance_of(:a, 't35_payer'), 1800.000001, 'A: day 12, balance_of the payer: 2600 - 799.999999');
SELECT is(flowstream.balance_of(:a, 't35_eve'), 0::numeric, 'A: day 12, balance_of a stranger: 0');
SELECT pg_temp.last_event(:a) AS a_before \gset
SET LOCAL ROLE t35_eve;
SELECT throws_ok(format('SELECT flowstream.redeem(%s)', :a), '42501', NULL, 'A: a stranger may not redeem');
SET LOCAL ROLE t35_payer;
SELECT * FROM flowstream.redeem(:a) \gset a_
RESET ROLE;
SELECT is(:'a_paid'::numeric, 799.999999, 'A: redeem pays the payee its covered debt, 799.999999');
SELECT is(:'a_refunded'::numeric, 1800.000001, 'A: redeem refunds the payer the rest, 1800.000001');
SELECT is(:'a_paid'::numeric + :'a_refunded'::numeric + 400, 3000::numeric, 'A: 400 + 799.999999 + 1800.000001 = 3000');
SELECT results_eq(format('SELECT op, actor, amount, destination, at, on_behalf_of FROM pg_temp.events(%s, %s)', :a, :a_before),
    $$VALUES ('redeem', 't35_payer', 0.000000, NULL::text, '2026-03-13 00:00:00+00'::timestamptz, NULL::text),
             ('withdraw', 't35_payer', 799.999999, 't35_payee', '2026-03-13 00:00:00+00', NULL),
             ('refund', 't35_payer', 1800.000001, 't35_payer', '2026-03-13 00:00:00+00', NULL)$$,
    'A: the events: redeem (nothing written off), the payment, the refund');
SELECT is(flowstream.status(pg_temp.st(:a), flowstream.now()), 'voided'::flowstream.status, 'A: redeemed is voided');
SELECT is(flowstream.balance(pg_temp.st(:a)), 0::numeric, 'A: nothing is left in it');
SELECT is(flowstream.balance_of(:a, 't35_payee'), 0::numeric, 'A: after, balance_of the payee: 0');
SELECT is(flowstream.balance_of(:a, 't35_payer'), 0::numeric, 'A: after, balance_of the payer: 0');
SELECT is(flowstream.balance_of(:a, 't35_eve'), 0::numeric, 'A: after, balance_of a stranger: 0');
-- at past times, from the history
SELECT is(flowstream.balance_of(:a, 't35_payee', '2026-03-04 00:00:00+00'), 299.999999, 'A: balance_of the payee on day 3');
SELECT is(flowstream.balance_of(:a, 't35_payer', '2026-03-04 00:00:00+00'), 2700.000001, 'A: balance_of the payer on day 3');
SELECT is(flowstream.balance_of(:a, 't35_eve', '2026-03-04 00:00:00+00'), 0::numeric, 'A: balance_of a stranger on day 3');
SELECT is(flowstream.balance_of(:a, 't35_payee', '2026-03-06 00:00:00+00'), 99.999999, 'A: day 5, after the withdrawal: 99.999999');
SELECT is(flowstream.balance_of(:a, 't35_payer', '2026-03-06 00:00:00+00'), 2500.000001, 'A: day 5, the payer: 2500.000001');
SELECT is(flowstream.balance_of(:a, 't35_payee', '2026-03-12 23:59:59.999999+00'), 799.999999, 'A: 1 us before the redeem, the payee');
SELECT is(flowstream.balance_of(:a, 't35_payer', '2026-03-12 23:59:59.999999+00'), 1800.000001, 'A: 1 us before the redeem, the payer');
SELECT is(flowstream.balance_of(:a, 't35_payee', '2026-03-13 00:00:00+00'), 0::numeric, 'A: at the redeem, the payee: 0');
SELECT is(flowstream.balance_of(:a, 't35_payee', '2026-02-28 00:00:00+00'), NULL, 'A: before it existed: NULL');
SELECT is(flowstream.balance_of(999999, 't35_payee'), NULL, 'balance_of a stream that does not exist: NULL');
SET LOCAL ROLE t35_payer;
SELECT throws_ok(format('SELECT flowstream.redeem(%s)', :a), 'SF002', NULL, 'A: redeem again: SF002');
SELECT throws_ok('SELECT flowstream.redeem(999999)', 'SF001', NULL, 'redeem of no stream: SF001');
RESET ROLE;

----------------------------------------------------------------------------
-- B: the same, redeemed by the payee
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-04-01 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
    '2026-04-01 00:00:00+00', '2026-05-01 00:00:00+00') AS b \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-04-06 00:00:00+00';
SET LOCAL ROLE t35_payee;
SELECT is(flowstream.withdraw(:b, 400), 400.000000, 'B: day 5, the payee withdraws 400');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-04-13 00:00:00+00';
SELECT is(flowstream.balance_of(:b, 't35_payee'), 799.999999, 'B: day 12, balance_of the payee');
SELECT is(flowstream.balance_of(:b, 't35_payer'), 1800.000001, 'B: day 12, balance_of the payer');
SELECT pg_temp.last_event(:b) AS b_before \gset
SET LOCAL ROLE t35_payee;
SELECT * FROM flowstream.redeem(:b) \gset b_
RESET ROLE;
SELECT is(:'b_paid'::numeric, 799.999999, 'B: the payee redeems: paid 799.999999');
SELECT is(:'b_refunded'::numeric, 1800.000001, 'B: refunded 1800.000001');
SELECT results_eq(format('SELECT op, actor, amount, destination FROM pg_temp.events(%s, %s)', :b, :b_before),
    $$VALUES ('redeem', 't35_payee', 0.000000, NULL::text), ('withdraw', 't35_payee', 799.999999, 't35_payee'),
             ('refund', 't35_payee', 1800.000001, 't35_payer')$$,
    'B: the events name the payee as actor');
SELECT is(flowstream.balance_of(:b, 't35_payee'), 0::numeric, 'B: after, balance_of the payee: 0');
SELECT is(flowstream.balance_of(:b, 't35_payer'), 0::numeric, 'B: after, balance_of the payer: 0');
SELECT is(flowstream.balance_of(:b, 't35_payer', '2026-04-13 00:00:00+00'), 0::numeric, 'B: at the redeem, the payer: 0');
SELECT is(flowstream.balance_of(:b, 't35_payer', '2026-04-12 00:00:00+00'), 1900.000001,
    'B: day 11, the payer: 2600 - (1099.999999 - 400)');

-- a redeem of an insolvent stream: what is owed beyond the balance is written off
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35USD', 0.01, deposit => 1) AS bi \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-04-13 00:10:00+00';
SELECT pg_temp.last_event(:bi) AS bi_before \gset
SET LOCAL ROLE t35_payer;
SELECT results_eq(format('SELECT paid, refunded FROM flowstream.redeem(%s)', :bi),
    $$VALUES (1.000000, 0.000000)$$, 'an insolvent stream redeemed: the balance paid, nothing refunded');
RESET ROLE;
SELECT results_eq(format('SELECT op, amount, destination FROM pg_temp.events(%s, %s)', :bi, :bi_before),
    $$VALUES ('redeem', 5.000000, NULL::text), ('withdraw', 1.000000, 't35_payee')$$,
    'its events: 6 owed, 5 written off, 1 paid; no refund event');
-- a redeem of a pending stream: all of it back to the payer
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 10,
    '2026-04-20 00:00:00+00', '2026-04-21 00:00:00+00') AS bp \gset
SELECT pg_temp.last_event(:bp) AS bp_before \gset
SET LOCAL ROLE t35_payee;
SELECT results_eq(format('SELECT paid, refunded FROM flowstream.redeem(%s)', :bp),
    $$VALUES (0.000000, 10.000000)$$, 'a pending stream redeemed by the payee: everything refunded');
RESET ROLE;
SELECT results_eq(format('SELECT op, amount, destination FROM pg_temp.events(%s, %s)', :bp, :bp_before),
    $$VALUES ('redeem', 0.000000, NULL::text), ('refund', 10.000000, 't35_payer')$$,
    'its events: redeem, then only the refund');
SELECT is_empty(format('SELECT * FROM flowstream.verify() WHERE stream_id = %s', :bp),
    'verify() accepts the redeem of a pending stream (its start moves back to the redeem, as a void''s)');

----------------------------------------------------------------------------
-- C: after the end, all but the dust is withdrawable; the dust refundable
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-05-01 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
    '2026-05-01 00:00:00+00', '2026-05-31 00:00:00+00') AS c \gset
RESET ROLE;
SELECT is(flowstream.status(pg_temp.st(:c), '2026-05-30 23:59:59.999999+00'), 'streaming_solvent'::flowstream.status,
    'C: 1 us before its end: streaming');
SELECT is(flowstream.total_debt(pg_temp.st(:c), '2026-05-30 23:59:59.999999+00'), 2999.999999, 'C: 1 us before its end: 2999.999999 owed');
SELECT is(flowstream.status(pg_temp.st(:c), '2026-05-31 00:00:00+00'), 'ended_solvent'::flowstream.status, 'C: at its end: ended_solvent');
SELECT is(flowstream.total_debt(pg_temp.st(:c), '2026-05-31 00:00:00+00'), 2999.999999, 'C: at its end: 2999.999999 owed');
SELECT is(flowstream.ongoing_debt(pg_temp.st(:c), '2026-05-31 00:00:00.000001+00'),
    flowstream.ongoing_debt(pg_temp.st(:c), '2026-05-31 00:00:00+00'), 'C: 1 us after its end: nothing more accrues');
SELECT is(flowstream.ongoing_debt(pg_temp.st(:c), '2027-05-31 00:00:00+00'), 2999.999999999998944,
    'C: a year later: still the exact 2999.999999999998944');

SET LOCAL flowstream.clock = '2026-06-01 00:00:00+00';
SELECT is(flowstream.balance_of(:c, 't35_payee'), 2999.999999, 'C: after the end, balance_of the payee: all but the dust');
SELECT is(flowstream.balance_of(:c, 't35_payer'), 0.000001, 'C: after the end, balance_of the payer: the dust');
SELECT is((SELECT status FROM flowstream.streams_now WHERE id = :c), 'ended_solvent', 'C: streams_now shows ended_solvent');
SET LOCAL ROLE t35_payer;
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.002)', :c), 'SF012', NULL, 'C: adjust_rate after the end: SF012');
SELECT throws_ok(format('SELECT flowstream.pause(%s)', :c), 'SF012', NULL, 'C: pause after the end: SF012');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.002)', :c), 'SF012', NULL, 'C: restart after the end: SF012');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.002, NULL)$$, :c), 'SF012', NULL,
    'C: a proposal after the end: SF012');
-- nor a later end: an ended stream is not extended (SPEC 7), and SF012's
-- hint does not send the parties to a proposal they cannot make
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.001157407407407407, '2026-07-01 00:00:00+00')$$, :c),
    'SF012', NULL, 'C: a proposed later end after the end: SF012');
SELECT is(pg_temp.hint(format($$SELECT flowstream.propose_update(%s, 0.001157407407407407, '2026-07-01 00:00:00+00')$$, :c))
          LIKE '%propose_update%', false, 'C: SF012''s hint does not advise a proposal');
SELECT pg_temp.err(format('SELECT flowstream.revoke_update(%s)', :c)) AS ignored \gset
SET LOCAL ROLE t35_payee;
SELECT is(flowstream.withdraw_max(:c), 2999.999999, 'C: the payee withdraws 2999.999999');
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :c), '22023', NULL, 'C: then nothing more to withdraw');
SET LOCAL ROLE t35_payer;
SELECT is(flowstream.refund_max(:c), 0.000001, 'C: the payer takes back the dust');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 5)', :c), 'C: a deposit after the end is accepted');
RESET ROLE;
SELECT is(flowstream.balance_of(:c, 't35_payer'), 5::numeric, 'C: and all of it is refundable');
SELECT is(flowstream.balance_of(:c, 't35_payee'), 0::numeric, 'C: nothing of it is owed');
SET LOCAL ROLE t35_payer;
SELECT is(flowstream.void(:c), 0.000000, 'C: voided after the end: nothing written off');
RESET ROLE;
SELECT is(flowstream.refundable(pg_temp.st(:c), flowstream.now()), 5.000000, 'C: the 5 stay refundable after the void');

----------------------------------------------------------------------------
-- D: consent_required: an agreed raise, a refused cut, a revoked proposal
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-06-01 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
    '2026-06-01 00:00:00+00', '2026-07-01 00:00:00+00', consent_required => true) AS d \gset
RESET ROLE;
SELECT is((SELECT consent_required FROM flowstream.streams_now WHERE id = :d), true, 'D: streams_now shows consent_required');
SELECT is((SELECT consent_required FROM flowstream.events WHERE stream_id = :d AND op = 'create'), true,
    'D: the create event records it');

SET LOCAL flowstream.clock = '2026-06-11 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.001)', :d), '42501', NULL,
    'D: the payer alone may not cut the rate (42501)');
SELECT ok(pg_temp.hint(format('SELECT flowstream.adjust_rate(%s, 0.001)', :d)) LIKE '%propose_update%confirm_update%',
    'D: its hint names propose_update and confirm_update');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.001)', :d), 'SF004', NULL,
    'D: restart of a stream that is not paused: SF004 (status first)');
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.002)', :d), '42501', NULL, 'D: the payee may not change the rate alone');
SELECT pg_temp.last_event(:d) AS d_before \gset
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d),
    'D: day 10, the payee proposes 0.0015/s until the end');
RESET ROLE;
SELECT results_eq(format('SELECT proposed_rate, proposed_end, proposed_by FROM flowstream.streams WHERE id = %s', :d),
    $$VALUES (0.0015, '2026-07-01 00:00:00+00'::timestamptz, 't35_payee')$$, 'D: the proposal is on the row');
SELECT is(flowstream.rate_per_second(pg_temp.st(:d)), 0.001157407407407407, 'D: a proposal changes nothing yet');
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.002, NULL)$$, :d), 'SF018', NULL,
    'D: another proposal while one is open: SF018');
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d), '42501', NULL,
    'D: the proposer may not confirm its own proposal');
SET LOCAL ROLE t35_eve;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d), '42501', NULL,
    'D: a stranger may not confirm');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.002, NULL)$$, :d), '42501', NULL,
    'D: a stranger may not propose');
SELECT throws_ok(format('SELECT flowstream.revoke_update(%s)', :d), '42501', NULL, 'D: a stranger may not revoke');
SET LOCAL ROLE t35_payer;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.0016, '2026-07-01 00:00:00+00')$$, :d), 'SF017', NULL,
    'D: confirming another rate: SF017');
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, '2026-06-30 00:00:00+00')$$, :d), 'SF017', NULL,
    'D: confirming another end: SF017');
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, NULL)$$, :d), 'SF017', NULL,
    'D: confirming without the end: SF017');
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 592)', :d), 'D: the payer tops up 592 for the raise');
SELECT lives_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d),
    'D: the payer confirms the terms proposed');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:d)), 0.0015, 'D: the new rate applies');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:d)), 999.999999999999648, 'D: the snapshot keeps the 10 days owed exactly');
SELECT is(flowstream.snapshot_time(pg_temp.st(:d)), '2026-06-11 00:00:00+00'::timestamptz, 'D: snapshot at the confirmation');
SELECT is(flowstream.end_time(pg_temp.st(:d)), '2026-07-01 00:00:00+00'::timestamptz, 'D: the end agreed');
SELECT results_eq(format('SELECT proposed_rate, proposed_end, proposed_by FROM flowstream.streams WHERE id = %s', :d),
    $$VALUES (NULL::numeric, NULL::timestamptz, NULL::text)$$, 'D: no proposal is open after the confirmation');
SELECT results_eq(format('SELECT op, actor, amount, end_at FROM pg_temp.events(%s, %s)', :d, :d_before),
    $$VALUES ('propose_update', 't35_payee', 0.0015, '2026-07-01 00:00:00+00'::timestamptz),
             ('deposit', 't35_payer', 592.000000, NULL),
             ('confirm_update', 't35_payer', 0.0015, '2026-07-01 00:00:00+00')$$,
    'D: propose and confirm are events with the terms');
SELECT is(flowstream.total_debt(pg_temp.st(:d), '2026-07-01 00:00:00+00'), 3591.999999, 'D: owed at the end, as agreed');
SELECT is(flowstream.rate_per_second(flowstream.state_at(:d, '2026-06-10 00:00:00+00')), 0.001157407407407407,
    'D: state_at before the confirmation: the old rate');

-- a cut proposed by the payer, revoked by the payee
SET LOCAL flowstream.clock = '2026-06-12 00:00:00+00';
SELECT pg_temp.last_event(:d) AS d_before \gset
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.001, '2026-07-01 00:00:00+00')$$, :d),
    'D: day 11, the payer proposes a cut');
SET LOCAL ROLE t35_payee;
SELECT lives_ok(format('SELECT flowstream.revoke_update(%s)', :d), 'D: the payee revokes it');
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.001, '2026-07-01 00:00:00+00')$$, :d), 'SF017', NULL,
    'D: a revoked proposal cannot be confirmed: SF017');
SELECT throws_ok(format('SELECT flowstream.revoke_update(%s)', :d), 'SF017', NULL, 'D: nothing left to revoke: SF017');
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.001, '2026-07-01 00:00:00+00')$$, :d),
    'D: the payer proposes the cut again');
SELECT lives_ok(format('SELECT flowstream.revoke_update(%s)', :d), 'D: and revokes it himself');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:d)), 0.0015, 'D: the rate is unchanged');
SELECT results_eq(format('SELECT op, actor, amount, end_at FROM pg_temp.events(%s, %s)', :d, :d_before),
    $$VALUES ('propose_update', 't35_payer', 0.001, '2026-07-01 00:00:00+00'::timestamptz),
             ('revoke_update', 't35_payee', NULL::numeric, NULL::timestamptz),
             ('propose_update', 't35_payer', 0.001, '2026-07-01 00:00:00+00'),
             ('revoke_update', 't35_payer', NULL, NULL)$$,
    'D: the proposals and revocations are events');

-- paused by one party, restarted by agreement
SET LOCAL flowstream.clock = '2026-06-13 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format('SELECT flowstream.pause(%s)', :d), 'D: day 12, the payer pauses alone (stopping is one-sided)');
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.0015)', :d), '42501', NULL, 'D: but may not restart alone');
SELECT ok(pg_temp.hint(format('SELECT flowstream.restart(%s, 0.0015)', :d)) LIKE '%propose_update%',
    'D: the hint names propose_update');
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format('SELECT flowstream.restart(%s, 0.0015)', :d), '42501', NULL, 'D: nor may the payee');
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d),
    'D: the payer proposes to restart at 0.0015');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:d)), 1259.199999999999648, 'D: paused with 1259.199999999999648 owed');
SET LOCAL flowstream.clock = '2026-06-15 00:00:00+00';
SET LOCAL ROLE t35_payee;
SELECT lives_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d),
    'D: day 14, the payee confirms');
RESET ROLE;
SELECT is(flowstream.status(pg_temp.st(:d), flowstream.now()), 'streaming_solvent'::flowstream.status, 'D: streaming again');
SELECT is(flowstream.snapshot_time(pg_temp.st(:d)), '2026-06-15 00:00:00+00'::timestamptz, 'D: from the confirmation');
SELECT is(flowstream.snapshot_debt(pg_temp.st(:d)), 1259.199999999999648, 'D: the paused days are not charged');
SELECT is(flowstream.total_debt(pg_temp.st(:d), '2026-07-01 00:00:00+00'), 3332.799999, 'D: owed at the end: 3332.799999');
SELECT is(flowstream.refundable(pg_temp.st(:d), '2026-07-01 00:00:00+00'), 259.200001,
    'D: refundable at the end: the two paused days and the dust');
SELECT is((SELECT status FROM flowstream.streams_now WHERE id = :d), 'streaming_solvent', 'D: streams_now agrees');
SET LOCAL ROLE t35_payer;
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.0015, '2026-07-01 00:00:00+00')$$, :d), 'SF008', NULL,
    'D: proposing the current terms: SF008');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.0015, '2026-06-15 00:00:00+00')$$, :d), '22023', NULL,
    'D: proposing an end at now: 22023');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0, NULL)$$, :d), '22023', NULL,
    'D: proposing rate 0: 22023');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, NULL, NULL)$$, :d), '22004', NULL,
    'D: proposing a NULL rate: 22004');
SELECT throws_ok($$SELECT flowstream.propose_update(999999, 0.001, NULL)$$, 'SF001', NULL, 'D: proposing for no stream: SF001');
SELECT throws_ok(format('SELECT flowstream.revoke_update(%s)', :d), 'SF017', NULL, 'D: revoking when none is proposed: SF017');
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.0015, NULL)$$, :d), 'SF017', NULL,
    'D: confirming when none is proposed: SF017');
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.002, NULL)$$, :d), 'D: a proposal without an end');
SELECT is((SELECT proposed_end FROM flowstream.streams WHERE id = :d), NULL, 'D: its proposed end is NULL');
SELECT lives_ok(format('SELECT flowstream.void(%s)', :d), 'D: the payer voids it alone (one-sided)');
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.002, NULL)$$, :d), 'SF003', NULL,
    'D: confirming on a voided stream: SF003');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.003, NULL)$$, :d), 'SF003', NULL,
    'D: proposing on a voided stream: SF003');
RESET ROLE;

----------------------------------------------------------------------------
-- E: consent may not be bypassed by a transfer
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-07-01 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
    '2026-07-01 00:00:00+00', '2026-07-31 00:00:00+00', consent_required => true) AS e \gset
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 3000,
    '2026-07-01 00:00:00+00', '2026-07-31 00:00:00+00', consent_required => true) AS e2 \gset
SET LOCAL ROLE t35_payee;
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.05, '2026-07-31 00:00:00+00')$$, :e),
    'E: the payee proposes a raise to 0.05/s');
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't35_carol')$$, :e), 'E: and transfers the stream to carol');
SET LOCAL ROLE t35_carol;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.05, '2026-07-31 00:00:00+00')$$, :e), '42501', NULL,
    'E: the new recipient may not confirm a raise the payer never agreed to: 42501');
-- the proposer has left: nobody confirms its proposal, not even the payer
SET LOCAL ROLE t35_payer;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.05, '2026-07-31 00:00:00+00')$$, :e), '42501', NULL,
    'E: nor the payer: the proposal lost its proposer''s consent (42501)');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:e)), 0.001157407407407407, 'E: the rate is the one the payer agreed to');
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format('SELECT flowstream.revoke_update(%s)', :e), 'E: the payer revokes the orphaned proposal');
RESET ROLE;
-- a proposal by the payer, which the new recipient confirms: both current parties agree
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.001, '2026-07-31 00:00:00+00')$$, :e2),
    'E2: the payer proposes a cut');
SET LOCAL ROLE t35_payee;
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't35_carol')$$, :e2), 'E2: the payee transfers the stream to carol');
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.001, '2026-07-31 00:00:00+00')$$, :e2), '42501', NULL,
    'E2: the former payee may no longer confirm');
SET LOCAL ROLE t35_carol;
SELECT lives_ok(format($$SELECT flowstream.confirm_update(%s, 0.001, '2026-07-31 00:00:00+00')$$, :e2),
    'E2: the new recipient confirms the payer''s proposal');
RESET ROLE;
SELECT is(flowstream.rate_per_second(pg_temp.st(:e2)), 0.001, 'E2: the cut applies');

----------------------------------------------------------------------------
-- F: end boundaries at 0, 6 and 18 decimals
----------------------------------------------------------------------------
-- each: created 2026-08-01, starts 2026-08-02 (pending until then), 1000
-- over 1000 s (rate 1/s), and 1000 over 3000 s (rate 0.333333333333333333,
-- owed at the end 999.999999999999999: the dust depends on the decimals)
SET LOCAL flowstream.clock = '2026-08-01 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35D0', 1000,
    '2026-08-02 00:00:00+00', '2026-08-02 00:16:40+00') AS f0 \gset
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1000,
    '2026-08-02 00:00:00+00', '2026-08-02 00:16:40+00') AS f6 \gset
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35D18', 1000,
    '2026-08-02 00:00:00+00', '2026-08-02 00:16:40+00') AS f18 \gset
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35D0', 1000,
    '2026-08-02 00:00:00+00', '2026-08-02 00:50:00+00') AS g0 \gset
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1000,
    '2026-08-02 00:00:00+00', '2026-08-02 00:50:00+00') AS g6 \gset
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35D18', 1000,
    '2026-08-02 00:00:00+00', '2026-08-02 00:50:00+00') AS g18 \gset
RESET ROLE;
SELECT results_eq(format($$SELECT flowstream.rate_per_second(pg_temp.st(i)) FROM unnest(ARRAY[%s, %s, %s, %s, %s, %s]) i$$,
        :f0, :f6, :f18, :g0, :g6, :g18),
    $$VALUES (1::numeric), (1), (1), (0.333333333333333333), (0.333333333333333333), (0.333333333333333333)$$,
    'F: the rates, the same at every decimals');
SELECT results_eq(format($$SELECT flowstream.status(pg_temp.st(i), t)::text FROM unnest(ARRAY[%s, %s, %s]) i,
        unnest(ARRAY['2026-08-01 00:00:00+00', '2026-08-01 23:59:59.999999+00', '2026-08-02 00:00:00+00',
                     '2026-08-02 00:16:39.999999+00', '2026-08-02 00:16:40+00', '2026-08-02 00:16:40.000001+00']::timestamptz[])
        WITH ORDINALITY AS x(t, n) ORDER BY i, n$$, :f0, :f6, :f18),
    $$SELECT s FROM generate_series(1, 3) g, unnest(ARRAY['pending', 'pending', 'streaming_solvent', 'streaming_solvent',
        'ended_solvent', 'ended_solvent']) WITH ORDINALITY AS u(s, n) ORDER BY g, n$$,
    'F: pending until the start, streaming until the end, then ended (0, 6, 18 decimals)');
SELECT results_eq(format($$SELECT flowstream.total_debt(pg_temp.st(i), t) FROM unnest(ARRAY[%s, %s, %s]) i,
        unnest(ARRAY['2026-08-02 00:00:00+00', '2026-08-02 00:16:39.999999+00', '2026-08-02 00:16:40+00',
                     '2026-08-02 00:16:40.000001+00']::timestamptz[]) WITH ORDINALITY AS x(t, n) ORDER BY i, n$$,
        :f0, :f6, :f18),
    $$VALUES (0::numeric), (999), (1000), (1000),
             (0.000000), (999.999999), (1000.000000), (1000.000000),
             (0.000000000000000000), (999.999999000000000000), (1000.000000000000000000), (1000.000000000000000000)$$,
    'F: owed at the start, end - 1 us, the end, end + 1 us');
SELECT results_eq(format($$SELECT flowstream.withdrawable(pg_temp.st(i), '2026-08-03 00:00:00+00'),
        flowstream.refundable(pg_temp.st(i), '2026-08-03 00:00:00+00') FROM unnest(ARRAY[%s, %s, %s]) i$$, :g0, :g6, :g18),
    $$VALUES (999::numeric, 1::numeric), (999.999999, 0.000001), (999.999999999999999000, 0.000000000000001000)$$,
    'F: after the end, all but the dust is withdrawable, at each decimals its own dust');
SELECT is(flowstream.depletion_time(pg_temp.st(:g18)), NULL, 'F: a fixed stream never depletes');
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format('SELECT flowstream.withdraw(%s, 1)', :f0), 'SF006', NULL, 'F: pending, nothing to withdraw');
RESET ROLE;
SELECT is(flowstream.balance_of(:f0, 't35_payer'), 1000::numeric, 'F: pending, the payer could take it all back');

-- the end must come after the start, and after the creation
SET LOCAL ROLE t35_payer;
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1000,
        '2026-08-02 00:00:00+00', '2026-08-02 00:00:00+00')$$, '22023', NULL, 'F: an end at the start: 22023');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1000,
        '2026-08-02 00:00:00+00', '2026-08-01 23:59:59.999999+00')$$, '22023', NULL, 'F: an end before the start: 22023');
SELECT throws_ok($$SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35USD', 1,
        '2026-08-02 00:00:00+00', end_time => '2026-08-02 00:00:00+00')$$, '22023', NULL,
    'F: create_stream with an end at the start: 22023');
SELECT lives_ok($$SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35USD', 1,
        '2026-08-02 00:00:00+00', end_time => '2026-08-02 00:00:00.000001+00')$$,
    'F: create_stream with an end 1 us after the start');
-- an end at the creation, after a start in the past, is after the start:
-- the stream is created ended (the core's rule, flow_set_end), its whole
-- total withdrawable at once, and nothing re-rates it
SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1000,
        '2026-07-31 00:00:00+00', '2026-08-01 00:00:00+00') AS fe \gset
SELECT is((SELECT status FROM flowstream.streams_now WHERE id = :fe), 'ended_solvent',
    'F: create_fixed_stream ending at the creation: created ended_solvent');
SELECT results_eq(format($$SELECT flowstream.balance_of(%s, 't35_payee'), flowstream.balance_of(%s, 't35_payer')$$, :fe, :fe),
    $$VALUES (999.999999, 0.000001)$$,
    'F: ending at the creation: the payee may withdraw it all at once but the dust, the payer''s');
SELECT throws_ok(format('SELECT flowstream.adjust_rate(%s, 0.002)', :fe), 'SF012', NULL,
    'F: ending at the creation: adjust_rate is SF012');
SELECT lives_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1000,
        '2026-07-31 00:00:00+00', '2026-08-01 00:00:00.000001+00')$$,
    'F: create_fixed_stream ending 1 us after the creation');

-- the other errors of create_fixed_stream
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 0,
        '2026-08-02 00:00:00+00', '2026-08-03 00:00:00+00')$$, '22023', NULL, 'a total of 0: 22023');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', -5,
        '2026-08-02 00:00:00+00', '2026-08-03 00:00:00+00')$$, '22023', NULL, 'a negative total: 22023');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1.0000001,
        '2026-08-02 00:00:00+00', '2026-08-03 00:00:00+00')$$, '22023', NULL, 'a total with too many decimals: 22023');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35D18', 0.000000000000000001,
        '2026-08-02 00:00:00+00', '2026-08-02 00:00:02+00')$$, '22023', NULL,
    'a total too small for its period (the rate rounds to 0): 22023');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35XXX', 10,
        '2026-08-02 00:00:00+00', '2026-08-03 00:00:00+00')$$, '22023', NULL, 'an unknown token: 22023');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 10,
        '2026-08-02 00:00:00+00', NULL)$$, '22004', NULL, 'a NULL end: 22004');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 10,
        NULL, '2026-08-03 00:00:00+00')$$, '22004', NULL, 'a NULL start: 22004');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', NULL,
        '2026-08-02 00:00:00+00', '2026-08-03 00:00:00+00')$$, '22004', NULL, 'a NULL total: 22004');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 10,
        '2026-08-02 00:00:00+00', 'infinity')$$, '22023', NULL, 'an infinite end: 22023');
SELECT throws_ok($$SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35USD', 1,
        consent_required => NULL)$$, '22004', NULL, 'create_stream with a NULL consent_required: 22004');
RESET ROLE;

-- the due time respects the end: a stream solvent at its end never falls due
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35D0', 1, '2026-08-02 00:00:00+00', 500,
    end_time => '2026-08-02 00:16:40+00') AS h \gset
SELECT lives_ok(format($$SELECT flowstream.set_void_after(%s, '1 day')$$, :h), 'a grace of 1 day on an underfunded fixed term');
SELECT lives_ok(format($$SELECT flowstream.set_void_after(%s, '1 day')$$, :g0), 'and on a funded one');
RESET ROLE;
SELECT is(flowstream.depletion_time(pg_temp.st(:h)), '2026-08-02 00:08:21+00'::timestamptz,
    'the underfunded one depletes when 501 are owed');
SELECT is((SELECT due_at FROM flowstream.streams WHERE id = :h), '2026-08-03 00:08:21+00'::timestamptz,
    'and falls due a day later');
SELECT is((SELECT due_at FROM flowstream.streams WHERE id = :g0), NULL, 'the funded one never falls due');

-- streams_now: end_time and consent_required are set on insert, never updated
SET LOCAL ROLE t35_payer;
SELECT results_eq($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second, balance, end_time, consent_required)
        VALUES ('t35_payer', 't35_payee', 'T35USD', 0.01, 10, '2026-08-05 00:00:00+00', true)
        RETURNING end_time, consent_required, status$$,
    $$VALUES ('2026-08-05 00:00:00+00'::timestamptz, true, 'streaming_solvent')$$,
    'streams_now: INSERT with end_time and consent_required');
SELECT max(id) AS v FROM flowstream.streams_now \gset
SELECT throws_ok(format($$UPDATE flowstream.streams_now SET end_time = '2026-08-06 00:00:00+00' WHERE id = %s$$, :v),
    '0A000', NULL, 'streams_now: UPDATE of end_time is refused (0A000)');
SELECT throws_ok(format($$UPDATE flowstream.streams_now SET consent_required = false WHERE id = %s$$, :v),
    '0A000', NULL, 'streams_now: UPDATE of consent_required is refused (0A000)');
SELECT throws_ok(format($$UPDATE flowstream.streams_now SET rate_per_second = 0.02 WHERE id = %s$$, :v),
    '42501', NULL, 'streams_now: a new rate of a consent stream by one party is refused (42501)');
SELECT lives_ok(format($$UPDATE flowstream.streams_now SET rate_per_second = 0 WHERE id = %s$$, :v),
    'streams_now: pausing it alone is allowed');
RESET ROLE;
SELECT is(flowstream.end_time(pg_temp.st(:v)), '2026-08-05 00:00:00+00'::timestamptz, 'streams_now: the end is in the state');

----------------------------------------------------------------------------
-- G: the other error paths of SPEC 7's API, each with its SQLSTATE
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-09-01 00:00:00+00';
SET LOCAL ROLE t35_payer;
SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35USD', 0.001, deposit => 100) AS g \gset
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35USD', 1e40,
        '2026-09-02 00:00:00+00', '2026-09-03 00:00:00+00')$$, '22003', NULL, 'a total beyond 2^127 - 1 base units: 22003');
SELECT throws_ok($$SELECT flowstream.create_fixed_stream('t35_payer', 't35_payee', 'T35D0', 1e20,
        '2026-09-02 00:00:00+00', '2026-09-02 00:00:00.000001+00')$$, '22003', NULL,
    'a total whose rate exceeds 2^127 - 1 (1e20 in 1 us): 22003');
SELECT throws_ok($$SELECT flowstream.create_stream('t35_payer', 't35_payee', 'T35USD', 1,
        end_time => 'infinity')$$, '22023', NULL, 'create_stream with an infinite end: 22023');
SELECT throws_ok($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second, end_time)
        VALUES ('t35_payer', 't35_payee', 'T35USD', 0.01, '2026-09-01 00:00:00+00')$$, '22023', NULL,
    'streams_now: an INSERT whose end_time is its start: 22023');
SELECT is(flowstream.balance_of(999999, 't35_payer'), NULL, 'balance_of a stream that does not exist: NULL');
SELECT is(flowstream.balance_of(:g, 't35_payee', '2026-08-31 23:59:59.999999+00'), NULL,
    'balance_of before the stream existed: NULL');
SELECT throws_ok('SELECT flowstream.redeem(NULL)', '22004', NULL, 'redeem(NULL): 22004');
SELECT throws_ok('SELECT flowstream.propose_update(NULL, 1, NULL)', '22004', NULL, 'propose_update(NULL, ...): 22004');
SELECT throws_ok('SELECT flowstream.confirm_update(999999, 1, NULL)', 'SF001', NULL, 'confirm_update of no stream: SF001');
SELECT throws_ok('SELECT flowstream.revoke_update(999999)', 'SF001', NULL, 'revoke_update of no stream: SF001');
-- agreed updates work on a stream without consent_required too
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.002, '2026-09-05 00:00:00+00')$$, :g),
    'a proposal on a stream that needs no consent');
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.002)', :g), 'whose sender may still change the rate alone');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-09-06 00:00:00+00';
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.002, '2026-09-05 00:00:00+00')$$, :g), '22023', NULL,
    'confirming an end that has passed since it was proposed: 22023');
SET LOCAL ROLE t35_payer;
SELECT lives_ok(format('SELECT flowstream.revoke_update(%s)', :g), 'the payer revokes it');
SELECT lives_ok(format($$SELECT flowstream.propose_update(%s, 0.003, NULL)$$, :g), 'the payer proposes 0.003 without an end');
SELECT lives_ok(format('SELECT flowstream.adjust_rate(%s, 0.003)', :g), 'then sets 0.003 alone');
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.003, NULL)$$, :g), 'SF008', NULL,
    'confirming terms that are the current ones: SF008');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-09-05 00:00:00+00';
SET LOCAL ROLE t35_payee;
SELECT throws_ok(format($$SELECT flowstream.confirm_update(%s, 0.003, NULL)$$, :g), 'SF010', NULL,
    'confirm_update before the stream''s last operation: SF010');
SELECT throws_ok(format('SELECT flowstream.revoke_update(%s)', :g), 'SF010', NULL, 'revoke_update before it: SF010');
SELECT throws_ok(format($$SELECT flowstream.propose_update(%s, 0.004, NULL)$$, :g), 'SF010', NULL, 'propose_update before it: SF010');
SELECT throws_ok(format('SELECT flowstream.redeem(%s)', :g), 'SF010', NULL, 'redeem before it: SF010');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-09-07 00:00:00+00';
SET LOCAL ROLE t35_payee;
SELECT lives_ok(format('SELECT flowstream.revoke_update(%s)', :g), 'the payee revokes the stale proposal');
RESET ROLE;

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
