-- 37_automation.sql — SPEC §8's automation, to the base unit: automatic
-- top-ups and scheduled payouts (who may set them, their errors, their
-- events, the payouts row), what the job does with them (short accounts,
-- partial top-ups, payouts of nothing, late runs), runway() and its exact
-- top-ups, the runway alerts and their settings, maintain() (order, batch,
-- rows, skipped parts, maintenance_runs, a second run), a payroll year
-- run by maintain() once a day under the test clock, and verify()'s checks
-- of the automation columns.
--
-- Token T37 has 6 decimals.  Parties are roles: t37_acme pays t37_ana;
-- t37_opc is acme's operator with 'create' (and ana's with everything but
-- 'withdraw'), t37_opw is ana's operator with 'withdraw' (and acme's with
-- everything but 'create'); t37_eve is a stranger; t37_adm is in
-- flowstream_admin.  Each part starts at its own time, later than the
-- previous part's, and retires what it made (voids its streams, closes its
-- flows, stops its schedules), so that the counts of maintain() are its own.
-- The notifications themselves (top_up_short among them) are sent at commit,
-- which a pgTAP file never reaches: test/shell/notifications.sh and
-- test/shell/automation_cron.sh receive them.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(188);
SET LOCAL TimeZone = 'UTC';

CREATE ROLE t37_acme;
CREATE ROLE t37_ana;
CREATE ROLE t37_opc;
CREATE ROLE t37_opw;
CREATE ROLE t37_eve;
CREATE ROLE t37_poor;
CREATE ROLE t37_broke;
CREATE ROLE t37_thin;
CREATE ROLE t37_tre;
CREATE ROLE t37_adm IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens VALUES ('T37', 6);

-- Retires what a part made: voids every stream still going and closes every
-- open flow, each as its party (a superuser may become any role), and stops
-- every schedule of payouts as its recipient.
CREATE FUNCTION pg_temp.t37_retire() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT id, sender FROM flowstream.streams WHERE NOT flowstream.is_voided(state) ORDER BY id LOOP
        PERFORM set_config('role', r.sender, true);
        PERFORM flowstream.void(r.id);
        PERFORM set_config('role', 'none', true);
    END LOOP;
    FOR r IN SELECT p.stream_id, s.recipient FROM flowstream.payouts p JOIN flowstream.streams s ON s.id = p.stream_id LOOP
        PERFORM set_config('role', r.recipient, true);
        PERFORM flowstream.set_auto_withdraw(r.stream_id, NULL);
        PERFORM set_config('role', 'none', true);
    END LOOP;
    FOR r IN SELECT id, sender FROM flowstream.flows WHERE closed_at IS NULL ORDER BY id LOOP
        PERFORM set_config('role', r.sender, true);
        PERFORM flowstream.close_flow(r.id);
        PERFORM set_config('role', 'none', true);
    END LOOP;
END
$$;

--------------------------------------------------------------------------
-- 1. set_auto_top_up: who may, the errors, the event, the stored times
--------------------------------------------------------------------------
-- s1: 0.001 T37/s (86.4 a day), balance 10: the first uncovered base unit
-- accrues at 10.000001 / 0.001 = 10000.001 s, 2026-03-01 02:46:40.001.
SET LOCAL flowstream.clock = '2026-03-01 00:00:00+00';
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 10) AS s1 \gset
SELECT flowstream.approve_operator('t37_acme', 't37_opc', ARRAY['create']);
SELECT flowstream.approve_operator('t37_acme', 't37_opw', ARRAY['rate', 'pause', 'void', 'withdraw', 'refund', 'transfer']);
SET LOCAL ROLE t37_ana;
SELECT flowstream.approve_operator('t37_ana', 't37_opw', ARRAY['withdraw']);
SELECT flowstream.approve_operator('t37_ana', 't37_opc', ARRAY['create', 'rate', 'pause', 'void', 'refund', 'transfer']);
RESET ROLE;

SELECT is((SELECT depletes_at FROM flowstream.streams WHERE id = :s1), '2026-03-01 02:46:40.001+00'::timestamptz,
          'depletes_at is the depletion time, 10000.001 s after the start');
SELECT ok((SELECT top_up_keep IS NULL AND top_up_at IS NULL FROM flowstream.streams WHERE id = :s1),
          'without set_auto_top_up a stream has no runway to keep and no top-up time');

SET LOCAL ROLE t37_ana;
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '1 day'), '42501', NULL,
                 'the recipient may not set the top-ups');
SET LOCAL ROLE t37_eve;
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '1 day'), '42501', NULL,
                 'a stranger may not set the top-ups');
SET LOCAL ROLE t37_opw;
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '1 day'), '42501', NULL,
                 'an operator of the sender with every permission but create may not');
SET LOCAL ROLE t37_acme;
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '0'), '22023', NULL,
                 'a runway of 0 is refused (22023)');
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '-1 day'), '22023', NULL,
                 'a negative runway is refused (22023)');
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '1 month -31 days'), '22023', NULL,
                 'a month less 31 days is negative with a month of 365/12 days (22023)');
SELECT throws_ok('SELECT flowstream.set_auto_top_up(999999, ''1 day'')', 'SF001', NULL,
                 'an unknown stream is SF001');
SET LOCAL ROLE t37_opc;
SELECT lives_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '1 day'),
                'the sender''s operator with create sets a runway of 1 day');
RESET ROLE;
SELECT results_eq(
    format($$SELECT e.id = s.last_event, e.stream_id, e.op::text, e.actor, e.amount, e.destination, e.at,
                    e.state::text = s.state::text, e.void_after, e.metadata, e.account_id, e.account IS NULL,
                    e.peer_id, e.peer IS NULL, e.flow_id, e.flow_buffer, e.end_at, e.on_behalf_of,
                    e.consent_required, e.every
             FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id
             WHERE e.stream_id = %s ORDER BY e.id DESC LIMIT 1$$, :s1),
    format($$VALUES (true, %s::bigint, 'set_auto_top_up', 't37_opc', NULL::numeric, NULL::text,
                     '2026-03-01 00:00:00+00'::timestamptz, true, NULL::interval, NULL::jsonb, NULL::bigint, true,
                     NULL::bigint, true, NULL::bigint, NULL::numeric, NULL::timestamptz, 't37_acme',
                     NULL::boolean, '1 day'::interval)$$, :s1),
    'its event, every column: the operator as actor, on behalf of the sender, the runway in every, the state unchanged');
SELECT results_eq(format('SELECT top_up_keep, top_up_at, depletes_at FROM flowstream.streams WHERE id = %s', :s1),
                  $$VALUES ('1 day'::interval, '2026-02-28 02:46:40.001+00'::timestamptz, '2026-03-01 02:46:40.001+00'::timestamptz)$$,
                  'top_up_at is the depletion time less the runway (already past: due now)');
SET LOCAL ROLE t37_acme;
SELECT lives_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '2 hours'),
                'the sender changes it to 2 hours');
RESET ROLE;
SELECT results_eq(format('SELECT actor, on_behalf_of, every FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('t37_acme', NULL::text, '02:00:00'::interval)$$,
                  'the sender acting for itself: no on_behalf_of');
SELECT is((SELECT top_up_at FROM flowstream.streams WHERE id = :s1), '2026-03-01 00:46:40.001+00'::timestamptz,
          'top_up_at moves with the runway: 2 hours before the depletion');
SET LOCAL ROLE t37_acme;
SELECT lives_ok(format('SELECT flowstream.set_auto_top_up(%s, NULL)', :s1), 'NULL turns the top-ups off');
RESET ROLE;
SELECT ok((SELECT top_up_keep IS NULL AND top_up_at IS NULL FROM flowstream.streams WHERE id = :s1),
          'turned off: no runway kept, no top-up time');
SELECT results_eq(format('SELECT op::text, actor, every FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('set_auto_top_up', 't37_acme', NULL::interval)$$,
                  'turning off is an event too, with no interval');

--------------------------------------------------------------------------
-- 2. set_auto_withdraw: who may, the errors, the event, the payouts row
--------------------------------------------------------------------------
SET LOCAL ROLE t37_acme;
SELECT throws_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '1 day'), '42501', NULL,
                 'the sender may not schedule the payouts');
SET LOCAL ROLE t37_eve;
SELECT throws_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '1 day'), '42501', NULL,
                 'a stranger may not schedule the payouts');
SET LOCAL ROLE t37_opc;
SELECT throws_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '1 day'), '42501', NULL,
                 'an operator of the recipient with every permission but withdraw may not');
SET LOCAL ROLE t37_ana;
SELECT throws_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '0'), '22023', NULL,
                 'a period of 0 is refused (22023)');
SELECT throws_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '-1 hour'), '22023', NULL,
                 'a negative period is refused (22023)');
SELECT throws_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L, %L)', :s1, '1 day', ''), '22023', NULL,
                 'an empty destination is refused (22023)');
SELECT throws_ok('SELECT flowstream.set_auto_withdraw(999999, ''1 day'')', 'SF001', NULL,
                 'an unknown stream is SF001');
SET LOCAL ROLE t37_opw;
SELECT lives_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L, %L)', :s1, '1 day', 'bank:ana'),
                'the recipient''s operator with withdraw schedules daily payouts to bank:ana');
RESET ROLE;
SELECT results_eq(
    format($$SELECT e.id = s.last_event, e.stream_id, e.op::text, e.actor, e.amount, e.destination, e.at,
                    e.state::text = s.state::text, e.void_after, e.metadata, e.account_id, e.account IS NULL,
                    e.peer_id, e.peer IS NULL, e.flow_id, e.flow_buffer, e.end_at, e.on_behalf_of,
                    e.consent_required, e.every
             FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id
             WHERE e.stream_id = %s ORDER BY e.id DESC LIMIT 1$$, :s1),
    format($$VALUES (true, %s::bigint, 'set_auto_withdraw', 't37_opw', NULL::numeric, 'bank:ana',
                     '2026-03-01 00:00:00+00'::timestamptz, true, NULL::interval, NULL::jsonb, NULL::bigint, true,
                     NULL::bigint, true, NULL::bigint, NULL::numeric, NULL::timestamptz, 't37_ana',
                     NULL::boolean, '1 day'::interval)$$, :s1),
    'its event, every column: the destination, on behalf of the recipient, the period in every');
SELECT results_eq(format('SELECT stream_id, every, "to", next_at, set_by FROM flowstream.payouts WHERE stream_id = %s', :s1),
                  format($$SELECT %s::bigint, '1 day'::interval, 'bank:ana'::text, '2026-03-02 00:00:00+00'::timestamptz,
                                  (SELECT max(id) FROM flowstream.events WHERE stream_id = %s)$$, :s1, :s1),
                  'the payouts row: the period, the destination, the first payout one period on, the event that set it');
SET LOCAL ROLE t37_ana;
SELECT lives_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '12 hours'),
                'the recipient changes it: every 12 hours into its account');
RESET ROLE;
SELECT results_eq(format('SELECT every, "to", next_at, set_by FROM flowstream.payouts WHERE stream_id = %s', :s1),
                  format($$SELECT '12:00:00'::interval, NULL::text, '2026-03-01 12:00:00+00'::timestamptz,
                                  (SELECT max(id) FROM flowstream.events WHERE stream_id = %s)$$, :s1),
                  'one row per stream, replaced: into the account (no destination), next in 12 hours');
SELECT results_eq(format('SELECT actor, on_behalf_of, destination, every FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('t37_ana', NULL::text, NULL::text, '12:00:00'::interval)$$,
                  'the recipient acting for itself, into its account: no on_behalf_of, no destination');
SET LOCAL ROLE t37_eve;
SELECT is_empty('SELECT * FROM flowstream.payouts', 'a stranger sees no payouts row');
SET LOCAL ROLE t37_ana;
SELECT is((SELECT count(*) FROM flowstream.payouts WHERE stream_id = :s1), 1::bigint, 'the recipient sees its schedule');
RESET ROLE;
SELECT throws_ok(format('UPDATE flowstream.payouts SET next_at = next_at + interval ''1 day'' WHERE stream_id = %s', :s1),
                 '42501', NULL, 'the payouts row cannot be updated directly, even by a superuser');
SELECT throws_ok(format('DELETE FROM flowstream.payouts WHERE stream_id = %s', :s1),
                 '42501', NULL, 'nor deleted');
SET LOCAL ROLE t37_ana;
SELECT lives_ok(format('SELECT flowstream.set_auto_withdraw(%s, NULL)', :s1), 'NULL turns the payouts off');
RESET ROLE;
SELECT is_empty(format('SELECT * FROM flowstream.payouts WHERE stream_id = %s', :s1), 'turned off: no payouts row');
SELECT results_eq(format('SELECT op::text, every FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('set_auto_withdraw', NULL::interval)$$, 'turning off is an event too');

-- a voided stream refuses top-ups (SF002) but accepts payouts: its covered debt is still the recipient's
SET LOCAL flowstream.clock = '2026-03-01 01:00:00+00';
SET LOCAL ROLE t37_acme;
SELECT lives_ok(format('SELECT flowstream.void(%s)', :s1), 'at +1 h the sender voids s1 (3.6 owed, covered)');
SELECT throws_ok(format('SELECT flowstream.set_auto_top_up(%s, %L)', :s1, '1 day'), 'SF002', NULL,
                 'a voided stream refuses automatic top-ups (SF002)');
SET LOCAL ROLE t37_ana;
SELECT lives_ok(format('SELECT flowstream.set_auto_withdraw(%s, %L)', :s1, '1 hour'),
                'a voided stream accepts scheduled payouts');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-03-01 02:00:00+00';
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 1), ('alert', 0)$$,
                  'an hour later maintain() makes the one payout');
SELECT results_eq(format('SELECT op::text, actor, amount, destination, on_behalf_of, at FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('withdraw_to_account', 'flowstream_sweeper', 3.600000, NULL::text, 't37_ana', '2026-03-01 02:00:00+00'::timestamptz)$$,
                  'the voided stream''s 3.6 paid into ana''s account by the job, on her behalf');
SELECT is(flowstream.account_balance('t37_ana', 'T37'), 3.600000, 'ana''s account holds the 3.6');
SELECT is((SELECT next_at FROM flowstream.payouts WHERE stream_id = :s1), '2026-03-01 03:00:00+00'::timestamptz,
          'the next payout is a period on');
SET LOCAL ROLE t37_ana;
SELECT flowstream.set_auto_withdraw(:s1, NULL);
RESET ROLE;
SELECT is_empty('SELECT * FROM flowstream.verify()', 'part 1-2: verify() finds nothing');

--------------------------------------------------------------------------
-- 3. top-ups: from no account, from 0 available, partial, full, and the
--    times they move; a top-up never makes its account critical
--------------------------------------------------------------------------
-- Each stream pays 0.001 T37/s (86.4 a day), balance 10, keeps 1 day: its
-- top-up is due at once, and a full one keeps it solvent for 2 days,
-- 0.001 * 172800 = 172.8 in all, so it needs 162.8.
SET LOCAL flowstream.clock = '2026-03-02 00:00:00+00';
SET LOCAL ROLE t37_poor;                                   -- never had an account
SELECT flowstream.create_stream('t37_poor', 't37_ana', 'T37', 0.001, deposit => 10) AS p1 \gset
SELECT flowstream.set_auto_top_up(:p1, '1 day');
RESET ROLE;
SELECT flowstream.account_deposit('t37_broke', 'T37', 5);  -- had 5, took them out
SET LOCAL ROLE t37_broke;
SELECT flowstream.account_withdraw('t37_broke', 'T37', 5) AS x \gset
SELECT flowstream.create_stream('t37_broke', 't37_ana', 'T37', 0.001, deposit => 10) AS p2 \gset
SELECT flowstream.set_auto_top_up(:p2, '1 day');
RESET ROLE;
SELECT flowstream.account_deposit('t37_thin', 'T37', 3);   -- 3 available: a partial top-up
SET LOCAL ROLE t37_thin;
SELECT flowstream.create_stream('t37_thin', 't37_ana', 'T37', 0.001, deposit => 10) AS p3 \gset
SELECT flowstream.set_auto_top_up(:p3, '1 day');
RESET ROLE;
SELECT flowstream.account_deposit('t37_acme', 'T37', 1000); -- enough
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 10) AS p4 \gset
SELECT flowstream.set_auto_top_up(:p4, '1 day');
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.streams WHERE id IN (:p1, :p2, :p3, :p4)
           AND top_up_at = '2026-03-01 02:46:40.001+00'), 4::bigint,
          'four streams due for a top-up since 2026-03-01 02:46:40.001 (their depletion less a day)');
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 2), ('payout', 0), ('alert', 7)$$,
                  'maintain() tops up two (the partial and the full one); 7 runway alerts: 7 days and 1 day for the three still short, 7 days for the full one');
SELECT is_empty(format('SELECT * FROM flowstream.events WHERE id > %s AND stream_id IN (%s, %s)', :e0, :p1, :p2),
                'no event for the stream whose sender has no account, nor for the one with 0 available');
SELECT is_empty('SELECT * FROM flowstream.accounts WHERE party = ''t37_poor''',
                'no account is made for a sender that never had one');
SELECT is(flowstream.account_balance('t37_broke', 'T37'), 0.000000, 'the empty account is still empty');
SELECT results_eq(format('SELECT stream_id, op::text, actor, amount, on_behalf_of, account_id = (SELECT id FROM flowstream.accounts WHERE party = %L) FROM flowstream.events WHERE id > %s AND stream_id = %s', 't37_thin', :e0, :p3),
                  format($$VALUES (%s::bigint, 'deposit_from_account', 'flowstream_sweeper', 3.000000, 't37_thin', true)$$, :p3),
                  'the partial top-up: the 3 available, by the job on behalf of the sender, from its account');
SELECT results_eq(format('SELECT flowstream.balance(state), flowstream.available(account, at) FROM flowstream.events WHERE id > %s AND stream_id = %s', :e0, :p3),
                  $$VALUES (13::numeric, 0.000000)$$,
                  'after it the stream holds 13 and the account has nothing available');
SELECT is((SELECT depletes_at FROM flowstream.streams WHERE id = :p3), '2026-03-02 03:36:40.001+00'::timestamptz,
          'the partial top-up moves the depletion to 13.000001 / 0.001 s after the start');
SELECT is((SELECT top_up_at FROM flowstream.streams WHERE id = :p3), '2026-03-01 03:36:40.001+00'::timestamptz,
          'and top_up_at with it, still due (the runway is short)');
SELECT results_eq(format('SELECT op::text, actor, amount, on_behalf_of FROM flowstream.events WHERE id > %s AND stream_id = %s', :e0, :p4),
                  $$VALUES ('deposit_from_account', 'flowstream_sweeper', 162.800000, 't37_acme')$$,
                  'the full top-up: 162.8, what keeps the stream solvent for twice its runway');
SELECT results_eq(format('SELECT depletes_at, top_up_at FROM flowstream.streams WHERE id = %s', :p4),
                  $$VALUES ('2026-03-04 00:00:00.001+00'::timestamptz, '2026-03-03 00:00:00.001+00'::timestamptz)$$,
                  'it now depletes at 172.800001 / 0.001 s, 2 days and 1 ms on; the next top-up a day before');
SELECT is(flowstream.account_balance('t37_acme', 'T37'), 837.200000, 'acme''s account paid 162.8 of its 1000');
SELECT is((SELECT flowstream.status(state) FROM flowstream.streams WHERE id = :p4), 'streaming_solvent'::flowstream.status,
          'the topped-up stream is solvent');

-- a second run at the same time: nothing left to do for the full one, the short ones stay short
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 0), ('alert', 0)$$,
                  'run again at once, maintain() does nothing');
SELECT is_empty(format('SELECT * FROM flowstream.events WHERE id > %s', :e0), 'and writes no event');

-- a day later (top_up_at of p4): the next top-up keeps it 2 days from then,
-- 0.001 * (3 days + 1 ms) = 259.200001 in all, so 86.400001 more
SET LOCAL flowstream.clock = '2026-03-03 00:00:00.001+00';
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'top_up'), 1, 'at its top_up_at p4 is topped up again');
SELECT is((SELECT amount FROM flowstream.events WHERE id > :e0 AND stream_id = :p4), 86.400001,
          'by 86.400001, to the base unit');
SELECT results_eq(format('SELECT depletes_at, top_up_at FROM flowstream.streams WHERE id = %s', :p4),
                  $$VALUES ('2026-03-05 00:00:00.002+00'::timestamptz, '2026-03-04 00:00:00.002+00'::timestamptz)$$,
                  'depletes_at and top_up_at move on by a day (and a ms)');

-- the recipient of a short stream now: a day of its runway is gone
SELECT ok((SELECT flowstream.status(state, '2026-03-03 00:00:00.001+00') FROM flowstream.streams WHERE id = :p1)
          = 'streaming_insolvent', 'the stream whose sender has no account ran dry');

-- a top-up never makes its account critical.  t37_tre has 5000 and a flow
-- of 0.01 T37/s to ana (its buffer 36, available 4964); its stream (0.01/s,
-- balance 10) keeps 100 days, which would take 0.01 * 200 days = 172800:
-- far more than the account has.  A top-up gives only what the account
-- has available now and still 100 days from now (its flow takes 86400 in
-- those days): nothing here, so the stream is announced short instead.
SET LOCAL flowstream.clock = '2026-03-04 00:00:00+00';
SELECT flowstream.account_deposit('t37_tre', 'T37', 5000);
SET LOCAL ROLE t37_tre;
SELECT flowstream.open_flow('t37_tre', 't37_ana', 'T37', 0.01) AS f1 \gset
SELECT flowstream.create_stream('t37_tre', 't37_ana', 'T37', 0.01, deposit => 10) AS p5 \gset
SELECT flowstream.set_auto_top_up(:p5, '100 days');
RESET ROLE;
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'top_up'), 0,
          'tre''s account cannot give without its own runway falling below 100 days: no top-up');
SELECT is((SELECT count(*) FROM flowstream.runway_alerts WHERE kind = 'stream' AND id = :p5 AND event = 'top_up_short'),
          1::bigint, 'the stream is remembered as short, once');
SELECT ok(flowstream.account_available('t37_tre', 'T37') >= 0, 'the account is not critical at the top-up''s time');
SET LOCAL flowstream.clock = '2026-03-04 00:01:00+00';
SELECT is((SELECT status FROM flowstream.accounts_now WHERE party = 't37_tre'), 'healthy',
          'a minute later the account is still not critical (the top-up left its flow''s runway alone)');
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'liquidate'), 0,
          'and the next run of the job liquidates nothing');
SELECT is((SELECT count(*) FROM flowstream.events WHERE flow_id = :f1 AND op = 'liquidate'), 0::bigint,
          'the treasury''s flow to ana is still open');
SELECT pg_temp.t37_retire();
SELECT is_empty('SELECT * FROM flowstream.verify()', 'part 3: verify() finds nothing');

--------------------------------------------------------------------------
-- 4. payouts: to a destination, to the account, of nothing, late
--------------------------------------------------------------------------
-- Three streams of acme to ana at 0.001 T37/s (86.4 a day), 10000 each
-- (no runway alert for months), paid out daily from 2026-03-05: q1 to
-- bank:ana, q2 and q3 into ana's account; q3 is paused at +12 h, when ana
-- takes its 43.2 herself, so its first payout is of nothing.
SET LOCAL flowstream.clock = '2026-03-05 00:00:00+00';
SELECT flowstream.account_deposit('t37_acme', 'T37', 30000);
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 10000) AS q1 \gset
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 10000) AS q2 \gset
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 10000) AS q3 \gset
SET LOCAL ROLE t37_ana;
SELECT flowstream.set_auto_withdraw(:q1, '1 day', 'bank:ana') AS x \gset
SELECT flowstream.set_auto_withdraw(:q2, '1 day') AS x \gset
SELECT flowstream.set_auto_withdraw(:q3, '1 day') AS x \gset
RESET ROLE;
SELECT flowstream.account_balance('t37_ana', 'T37') AS ana0 \gset
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'payout'), 0, 'before the first period nothing is paid');
SET LOCAL flowstream.clock = '2026-03-05 12:00:00+00';
SET LOCAL ROLE t37_acme;
SELECT flowstream.pause(:q3) AS x \gset
SET LOCAL ROLE t37_ana;
SELECT is(flowstream.withdraw_max(:q3), 43.200000, 'at +12 h q3 is paused and ana takes its 43.2 herself');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-03-06 00:00:00+00';
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 2), ('alert', 0)$$,
                  'a day on: two payouts (q3 has nothing to pay)');
SELECT results_eq(format('SELECT stream_id, op::text, actor, amount, destination, on_behalf_of, account_id, at FROM flowstream.events WHERE id > %s ORDER BY id', :e0),
                  format($$VALUES (%s::bigint, 'withdraw'::text, 'flowstream_sweeper'::text, 86.400000, 'bank:ana'::text, 't37_ana'::text, NULL::bigint, '2026-03-06 00:00:00+00'::timestamptz),
                                  (%s, 'withdraw_to_account', 'flowstream_sweeper', 86.400000, NULL, 't37_ana', (SELECT id FROM flowstream.accounts WHERE party = 't37_ana'), '2026-03-06 00:00:00+00')$$, :q1, :q2),
                  'q1 paid its day, 86.4, to bank:ana; q2 into ana''s account; both by the job on ana''s behalf; nothing for q3');
SELECT is(flowstream.account_balance('t37_ana', 'T37') - :ana0, 86.400000, 'ana''s account grew by q2''s payout alone');
SELECT results_eq(format('SELECT stream_id, next_at FROM flowstream.payouts WHERE stream_id IN (%s, %s, %s) ORDER BY stream_id', :q1, :q2, :q3),
                  format($$VALUES (%s::bigint, '2026-03-07 00:00:00+00'::timestamptz), (%s, '2026-03-07 00:00:00+00'), (%s, '2026-03-07 00:00:00+00')$$, :q1, :q2, :q3),
                  'every schedule moved a day on, q3''s too: a payout of nothing is no event, and the schedule goes on');
SELECT is((SELECT count(*) FROM flowstream.maintain() WHERE done <> 0), 0::bigint, 'run again at once: nothing to do');

-- the job was down for four and a half days: one payout each, not five
SET LOCAL flowstream.clock = '2026-03-10 12:00:00+00';
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'payout'), 2, 'a late run pays q1 and q2 once each');
SELECT results_eq(format('SELECT stream_id, op::text, amount FROM flowstream.events WHERE id > %s ORDER BY id', :e0),
                  format($$VALUES (%s::bigint, 'withdraw'::text, 388.800000), (%s, 'withdraw_to_account', 388.800000)$$, :q1, :q2),
                  'one event each, of all 4.5 days accrued (0.001 * 388800 s = 388.8): not a burst');
SELECT results_eq(format('SELECT DISTINCT next_at FROM flowstream.payouts WHERE stream_id IN (%s, %s, %s)', :q1, :q2, :q3),
                  $$VALUES ('2026-03-11 00:00:00+00'::timestamptz)$$,
                  'the next payout is the first of the schedule after now, whole periods on');
SELECT is((SELECT flowstream.withdrawable(state, '2026-03-10 12:00:00+00') FROM flowstream.streams WHERE id = :q1), 0.000000,
          'nothing withdrawable is left behind');
SELECT pg_temp.t37_retire();
SELECT is_empty('SELECT * FROM flowstream.verify()', 'part 4: verify() finds nothing');

--------------------------------------------------------------------------
-- 5. runway(): insolvent, due, critical; the top-up to the base unit; RLS
--------------------------------------------------------------------------
-- r1: acme pays ana 3000 a month, flowstream.rate(3000, '1 month') =
-- 3000 / 2628000 s = 0.001141552511415525 T37/s (floored), with a balance
-- of 100 and a grace of 1 hour.  Its first uncovered base unit accrues at
-- ceil(100.000001 / 0.001141552511415525 s, to the µs) = 87600.000877 s:
-- 2026-04-02 00:20:00.000877; it is due an hour later.
-- Over 7 days (604800 s) it owes floor(0.001141552511415525 * 604800) =
-- floor(690.4109589...) = 690.410958, so the top-up is 590.410958.
-- t37_shop has 1000 and a flow of 0.01 T37/s to ana: buffer 36, available
-- 964, critical after 96400 s and 1 µs (2026-04-02 02:46:40.000001); over
-- 7 days its available goes to 1000 - 6048 - 36 = -5084: the top-up is 5084.
SET LOCAL flowstream.clock = '2026-04-01 00:00:00+00';
CREATE ROLE t37_shop;
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', flowstream.rate(3000, '1 month'), deposit => 100) AS r1 \gset
SELECT flowstream.set_void_after(:r1, '1 hour') AS x \gset
RESET ROLE;
SELECT flowstream.account_deposit('t37_shop', 'T37', 1000);
SET LOCAL ROLE t37_shop;
SELECT flowstream.open_flow('t37_shop', 't37_ana', 'T37', 0.01) AS f2 \gset
RESET ROLE;
SELECT id AS shop FROM flowstream.accounts WHERE party = 't37_shop' \gset
SELECT results_eq('SELECT kind, id, party, token, event, at, top_up FROM flowstream.runway(''7 days'') ORDER BY at',
                  format($$VALUES ('stream'::text, %s::bigint, 't37_acme'::text, 'T37'::text, 'insolvent'::text, '2026-04-02 00:20:00.000877+00'::timestamptz, 590.410958),
                                  ('stream', %s, 't37_acme', 'T37', 'due', '2026-04-02 01:20:00.000877+00', 590.410958),
                                  ('account', %s, 't37_shop', 'T37', 'critical', '2026-04-02 02:46:40.000001+00', 5084.000000)$$, :r1, :r1, :shop),
                  'runway(7 days): the stream insolvent and due, the account critical, each with its time and top-up');
SELECT is_empty('SELECT * FROM flowstream.runway(''1 day'')', 'none of them within a day');
SELECT results_eq('SELECT id, event, top_up FROM flowstream.runway(''24:20:00.000877'')',
                  format($$VALUES (%s::bigint, 'insolvent'::text, 0.000001)$$, :r1),
                  'within exactly its depletion time: listed, and one base unit keeps it solvent through it');
SELECT is_empty('SELECT * FROM flowstream.runway(''24:20:00.000876'')', 'a microsecond less: not listed');
-- the top-up is the least deposit that keeps it solvent through the interval
SELECT ok((SELECT flowstream.depletion_time(flowstream.deposit(state, 590.410958, '2026-04-01 00:00:00+00'))
                  > '2026-04-08 00:00:00+00' FROM flowstream.streams WHERE id = :r1),
          'with 590.410958 more, r1 stays solvent through the 7 days');
SELECT ok((SELECT flowstream.depletion_time(flowstream.deposit(state, 590.410957, '2026-04-01 00:00:00+00'))
                  <= '2026-04-08 00:00:00+00' FROM flowstream.streams WHERE id = :r1),
          'with one base unit less, it does not');
SELECT is((SELECT flowstream.top_up(state, '2026-04-08 00:00:00+00') FROM flowstream.accounts WHERE id = :shop), 5084.000000,
          'the account''s top-up: what its available lacks at the end of the interval');
SELECT is((SELECT flowstream.available(state, '2026-04-08 00:00:00+00') FROM flowstream.accounts WHERE id = :shop), -5084.000000,
          '(its available then is -5084)');
SELECT is(flowstream.top_up((SELECT state FROM flowstream.streams WHERE id = :r1), '2026-03-01 00:00:00+00'), 0.000000,
          'top_up() of a time already covered is 0');
SELECT is(flowstream.after('2026-03-28 12:00:00+00', '1 month'), '2026-04-27 22:00:00+00'::timestamptz,
          'after(): a month is 365/12 days (30 days 10 hours)');
SET LOCAL TimeZone = 'Europe/Paris';
SELECT is(flowstream.after('2026-03-28 12:00:00+00', '1 day'), '2026-03-29 12:00:00+00'::timestamptz,
          'after(): a day is 86400 s, even across a change to summer time');
SET LOCAL TimeZone = 'UTC';
-- who sees what
SET LOCAL ROLE t37_eve;
SELECT is_empty('SELECT * FROM flowstream.runway(''7 days'')', 'a stranger''s runway is empty');
SET LOCAL ROLE t37_acme;
SELECT results_eq('SELECT id, event FROM flowstream.runway(''7 days'') ORDER BY at',
                  format($$VALUES (%s::bigint, 'insolvent'::text), (%s, 'due')$$, :r1, :r1),
                  'the sender sees its stream, not the shop''s account');
SET LOCAL ROLE t37_ana;
SELECT results_eq('SELECT id, event FROM flowstream.runway(''7 days'') ORDER BY at',
                  format($$VALUES (%s::bigint, 'insolvent'::text), (%s, 'due')$$, :r1, :r1),
                  'the recipient sees the stream it is paid by, not the account that pays its flow');
SET LOCAL ROLE t37_shop;
SELECT results_eq('SELECT kind, id FROM flowstream.runway(''7 days'')',
                  format($$VALUES ('account'::text, %s::bigint)$$, :shop),
                  'the shop sees its account alone');
RESET ROLE;
SELECT pg_temp.t37_retire();
SELECT is_empty('SELECT * FROM flowstream.verify()', 'part 5: verify() finds nothing');

--------------------------------------------------------------------------
-- 6. runway alerts: once per item, event and threshold; re-armed by a
--    top-up; the thresholds and the parts skipped, as settings
--------------------------------------------------------------------------
-- a1: 0.001 T37/s with 259.2, three days: it depletes at 2026-05-04 00:00:00.001.
-- a2: the same with a grace of 1 day: due a day after it depletes.
-- t37_mall: 400 and a flow of 0.001 T37/s (buffer 3.6): critical after
-- 396.4 / 0.001 s = 4 days 14 h 6 min 40 s and 1 µs.
SET LOCAL flowstream.clock = '2026-05-01 00:00:00+00';
CREATE ROLE t37_mall;
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 259.2) AS a1 \gset
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 259.2) AS a2 \gset
SELECT flowstream.set_void_after(:a2, '1 day') AS x \gset
RESET ROLE;
SELECT flowstream.account_deposit('t37_mall', 'T37', 400);
SET LOCAL ROLE t37_mall;
SELECT flowstream.open_flow('t37_mall', 't37_ana', 'T37', 0.001) AS f3 \gset
RESET ROLE;
SELECT id AS mall FROM flowstream.accounts WHERE party = 't37_mall' \gset
SELECT is((SELECT runway_thresholds FROM flowstream.settings), NULL, 'no settings row yet: the default thresholds apply');
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 4,
          'the first run: four alerts at 7 days (a1 insolvent, a2 insolvent and due, the mall critical)');
SELECT results_eq('SELECT kind, id, event, threshold, at, sent_at FROM flowstream.runway_alerts ORDER BY at, kind, id, event',
                  format($$VALUES ('stream'::text, %1$s::bigint, 'insolvent'::text, '7 days'::interval, '2026-05-04 00:00:00.001+00'::timestamptz, '2026-05-01 00:00:00+00'::timestamptz),
                                  ('stream', %2$s, 'insolvent', '7 days', '2026-05-04 00:00:00.001+00', '2026-05-01 00:00:00+00'),
                                  ('stream', %2$s, 'due', '7 days', '2026-05-05 00:00:00.001+00', '2026-05-01 00:00:00+00'),
                                  ('account', %3$s, 'critical', '7 days', '2026-05-05 14:06:40.000001+00', '2026-05-01 00:00:00+00')$$, :a1, :a2, :mall),
                  'runway_alerts remembers each: kind, id, event, threshold, when it runs dry, when it was sent');
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 0, 'run again: no alert is sent twice');
SET LOCAL flowstream.clock = '2026-05-03 00:00:00+00';
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 0, 'at +2 days, still more than a day of runway: nothing');
SET LOCAL flowstream.clock = '2026-05-03 00:00:00.001+00';
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 2,
          'at exactly a day before they run dry: a1 and a2 cross the 1 day threshold');
SELECT results_eq($$SELECT kind, id, event FROM flowstream.runway_alerts WHERE threshold = '1 day' ORDER BY id$$,
                  format($$VALUES ('stream'::text, %s::bigint, 'insolvent'::text), ('stream', %s, 'insolvent')$$, :a1, :a2),
                  'the 1 day alerts');
SET LOCAL flowstream.clock = '2026-05-04 00:00:00.001+00';
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 3,
          'when they run dry: a1 and a2 insolvent now, a2 due within a day');
SELECT is((SELECT count(*) FROM flowstream.runway_alerts WHERE id IN (:a1, :a2) AND kind = 'stream'), 8::bigint,
          'a1: 7 days, 1 day, now; a2: the same, and due at 7 days and 1 day');
-- the mall closes its flow before it turns critical: its alerts go
SET LOCAL ROLE t37_mall;
SELECT flowstream.close_flow(:f3) AS x \gset
RESET ROLE;
-- a top-up that moves a1 away again re-arms its alerts
SET LOCAL ROLE t37_acme;
SELECT flowstream.deposit(:a1, 1000) AS x \gset
RESET ROLE;
SELECT is((SELECT depletes_at FROM flowstream.streams WHERE id = :a1), '2026-05-15 13:46:40.001+00'::timestamptz,
          'a deposit of 1000 moves a1''s depletion 1000000 s on');
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 0, 'the next run sends nothing for it');
SELECT is_empty(format('SELECT * FROM flowstream.runway_alerts WHERE kind = ''stream'' AND id = %s', :a1),
                'and forgets what it sent: its alerts are re-armed');
SET LOCAL flowstream.clock = '2026-05-08 13:46:40.001+00';
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 1, 'a week before its new depletion');
SELECT results_eq('SELECT kind, id, event, threshold, sent_at FROM flowstream.runway_alerts',
                  format($$VALUES ('stream'::text, %s::bigint, 'insolvent'::text, '7 days'::interval, '2026-05-08 13:46:40.001+00'::timestamptz)$$, :a1),
                  'a1 is alerted at 7 days again; the mall''s alert went with its flow');
SELECT pg_temp.t37_retire();
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 0, 'retired, nothing is alerted');
SELECT is_empty('SELECT * FROM flowstream.runway_alerts', 'and every alert of a stream or account that moved away is forgotten');

-- the thresholds: owner or flowstream_admin; 22023 for a negative one, 22004 for a null
SET LOCAL ROLE t37_acme;
SELECT throws_ok($$SELECT flowstream.set_runway_thresholds(ARRAY['1 day']::interval[])$$, '42501', NULL,
                 'an ordinary role may not set the thresholds');
SELECT throws_ok($$SELECT flowstream.set_maintenance_skip(ARRAY['payout'])$$, '42501', NULL,
                 'nor the parts skipped');
SET LOCAL ROLE t37_adm;
SELECT throws_ok($$SELECT flowstream.set_runway_thresholds(ARRAY['1 day', '-1 hour']::interval[])$$, '22023', NULL,
                 'a negative threshold is refused (22023)');
SELECT throws_ok($$SELECT flowstream.set_runway_thresholds(ARRAY['1 day', NULL]::interval[])$$, '22004', NULL,
                 'a null threshold is refused (22004)');
SELECT throws_ok($$SELECT flowstream.set_runway_thresholds(NULL)$$, '22004', NULL,
                 'so are no thresholds at all (an empty array turns the alerts off)');
SELECT throws_ok($$SELECT flowstream.set_maintenance_skip(ARRAY['payouts'])$$, '22023', NULL,
                 'an unknown part is refused (22023)');
SELECT throws_ok($$SELECT flowstream.set_maintenance_skip(ARRAY[NULL])$$, '22023', NULL,
                 'a null part is refused (22023)');
SELECT lives_ok($$SELECT flowstream.set_runway_thresholds(ARRAY['3 days', '1 hour']::interval[])$$,
                'flowstream_admin sets the thresholds to 3 days and 1 hour');
RESET ROLE;
SELECT results_eq('SELECT name, value, actor, at FROM flowstream.settings_history ORDER BY id DESC LIMIT 1',
                  $$VALUES ('runway_thresholds', '{"3 days",01:00:00}', 't37_adm', '2026-05-08 13:46:40.001+00'::timestamptz)$$,
                  'the change is in the settings history');
-- a3 runs dry in 2 days: only the 3 days threshold, then the 1 hour one
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 172.8) AS a3 \gset
RESET ROLE;
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 1, 'with the new thresholds a3 is alerted once');
SELECT results_eq('SELECT id, threshold FROM flowstream.runway_alerts',
                  format($$VALUES (%s::bigint, '3 days'::interval)$$, :a3), 'at 3 days (not 7 days, not 1 day)');
SET LOCAL flowstream.clock = '2026-05-10 12:46:40.002+00';
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 1, 'and an hour before it runs dry at 1 hour');
SET LOCAL ROLE t37_adm;
SELECT lives_ok($$SELECT flowstream.set_runway_thresholds('{}')$$, 'no thresholds: no alerts');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-05-10 13:46:40.002+00';
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'alert'), 0, 'a3 runs dry unannounced');
-- skipping the alerts
SET LOCAL ROLE t37_adm;
SELECT lives_ok($$SELECT flowstream.set_runway_thresholds(ARRAY['7 days', '1 day', '0']::interval[])$$, 'the default thresholds again');
SELECT lives_ok($$SELECT flowstream.set_maintenance_skip(ARRAY['alert'])$$, 'flowstream_admin skips the alerts');
RESET ROLE;
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 0), ('alert', NULL::int)$$,
                  'a skipped part''s done is NULL');
SELECT is((SELECT count(*) FROM flowstream.runway_alerts WHERE kind = 'stream' AND id = :a3 AND threshold = '0'), 0::bigint,
          'and it sent nothing');
SET LOCAL ROLE t37_adm;
SELECT lives_ok($$SELECT flowstream.set_maintenance_skip('{}')$$, 'nothing skipped');
RESET ROLE;
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 0), ('alert', 3)$$,
                  'the alerts run again: a3 at the thresholds it had not been alerted at, 7 days, 1 day and 0 (it runs dry now)');
SELECT pg_temp.t37_retire();
SELECT is_empty('SELECT * FROM flowstream.verify()', 'part 6: verify() finds nothing');

--------------------------------------------------------------------------
-- 7. maintain(): who may run it, its rows, the order of its parts, the
--    batch, maintenance_runs, a second run
--------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-06-01 00:00:00+00';
SET LOCAL ROLE t37_acme;
SELECT throws_ok('SELECT * FROM flowstream.maintain()', '42501', NULL, 'an ordinary role may not run maintain()');
SET LOCAL ROLE t37_adm;
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 0), ('alert', 0)$$,
                  'flowstream_admin may: one row per part, in the order they run, with what each did');
SELECT throws_ok('SELECT * FROM flowstream.maintain(0)', '22023', NULL, 'a batch of 0 is refused (22023)');
RESET ROLE;

-- The order.  o1 (acme, whose account has funds) is due to be voided, with
-- a top-up due too: void runs first, so it is voided, not rescued.  The
-- account of t37_ord (40, a flow of 0.01/s to ana: buffer 36, critical
-- after 400 s) is critical an hour later: the liquidation closes its flow
-- and returns what is left of the buffer, which the top-up of its stream
-- o2 then takes.  o3 (acme) is due for a top-up and a payout, and runs dry
-- within 7 days until the top-up: its deposit comes before its payout, and
-- no alert is sent for it.
CREATE ROLE t37_ord;
SELECT flowstream.account_deposit('t37_ord', 'T37', 40);
SET LOCAL ROLE t37_ord;
SELECT flowstream.open_flow('t37_ord', 't37_ana', 'T37', 0.01) AS f4 \gset
SELECT flowstream.create_stream('t37_ord', 't37_ana', 'T37', 0.000001, deposit => 1) AS o2 \gset
SELECT flowstream.set_auto_top_up(:o2, '30 days') AS x \gset
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001) AS o1 \gset
SELECT flowstream.set_void_after(:o1, '0') AS x \gset
SELECT flowstream.set_auto_top_up(:o1, '1 day') AS x \gset
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 100) AS o3 \gset
SELECT flowstream.set_auto_top_up(:o3, '7 days') AS x \gset
SET LOCAL ROLE t37_ana;
SELECT flowstream.set_auto_withdraw(:o3, '1 hour') AS x \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-06-01 01:00:00+00';
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 1), ('liquidate', 1), ('top_up', 2), ('payout', 1), ('alert', 0)$$,
                  'an hour on: o1 voided, t37_ord liquidated, o2 and o3 topped up, o3 paid out, no alert');
SELECT results_eq(format('SELECT coalesce(stream_id, flow_id), op::text, actor FROM flowstream.events WHERE id > %s ORDER BY id', :e0),
                  format($$VALUES (%s::bigint, 'void'::text, 'flowstream_sweeper'::text), (%s, 'liquidate', 'flowstream_sweeper'),
                                  (%s, 'deposit_from_account', 'flowstream_sweeper'), (%s, 'deposit_from_account', 'flowstream_sweeper'),
                                  (%s, 'withdraw_to_account', 'flowstream_sweeper')$$, :o1, :f4, :o2, :o3, :o3),
                  'in that order: void, liquidate, the top-ups (o2 from what the liquidation left), the payout');
SELECT is((SELECT amount FROM flowstream.events WHERE id > :e0 AND stream_id = :o2), 4.000000,
          'o2''s top-up is the 4 the liquidation left available (40 - 36 of flow)');
SELECT is_empty(format('SELECT * FROM flowstream.events WHERE id > %s AND stream_id = %s AND op = ''deposit_from_account''', :e0, :o1),
                'the voided o1 got no top-up');
SELECT is_empty(format('SELECT * FROM flowstream.runway_alerts WHERE id = %s', :o3),
                'o3 was topped up before the alerts ran: no alert for it');
SELECT results_eq('SELECT voided, liquidated, topped_up, paid_out, alerts FROM flowstream.maintenance_runs ORDER BY id DESC LIMIT 1',
                  $$VALUES (1, 1, 2, 1, 0)$$, 'maintenance_runs records the run''s counts');
SELECT ok((SELECT started_at BETWEEN now() AND clock_timestamp() AND duration >= '0' FROM flowstream.maintenance_runs ORDER BY id DESC LIMIT 1),
          'and when it started and how long it took, in real time (not the test clock)');
SELECT count(*) AS runs0 FROM flowstream.maintenance_runs \gset
SELECT max(id) AS e0 FROM flowstream.events \gset
SELECT results_eq('SELECT job, done FROM flowstream.maintain()',
                  $$VALUES ('void', 0), ('liquidate', 0), ('top_up', 0), ('payout', 0), ('alert', 0)$$,
                  'a second run at once does nothing');
SELECT is_empty(format('SELECT * FROM flowstream.events WHERE id > %s', :e0), 'and writes no event');
SELECT is((SELECT count(*) FROM flowstream.maintenance_runs), :runs0 + 1::bigint, 'it is recorded too');
SELECT pg_temp.t37_retire();

-- the batch: three streams of each kind of work, maintain(2) does two of each
SET LOCAL flowstream.clock = '2026-06-02 00:00:00+00';
SET LOCAL ROLE t37_acme;
SELECT string_agg(flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001)::text, ',') AS bv FROM generate_series(1, 3) \gset
SELECT string_agg(flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 10000)::text, ',') AS bp FROM generate_series(1, 3) \gset
SELECT string_agg(flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 1)::text, ',') AS bt FROM generate_series(1, 3) \gset
SELECT count(flowstream.set_void_after(id, '0')) FROM flowstream.streams WHERE id IN (:bv) \gset
SELECT count(flowstream.set_auto_top_up(id, '1 hour')) FROM flowstream.streams WHERE id IN (:bt) \gset
SET LOCAL ROLE t37_ana;
SELECT count(flowstream.set_auto_withdraw(id, '1 hour')) FROM flowstream.streams WHERE id IN (:bp) \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-06-02 01:00:00+00';
SELECT results_eq('SELECT job, done FROM flowstream.maintain(2)',
                  $$VALUES ('void', 2), ('liquidate', 0), ('top_up', 2), ('payout', 2), ('alert', 2)$$,
                  'maintain(2): two of each (alerts are due for the void and top-up left over, and the two topped up)');
SELECT results_eq('SELECT job, done FROM flowstream.maintain(2)',
                  $$VALUES ('void', 1), ('liquidate', 0), ('top_up', 1), ('payout', 1), ('alert', 2)$$,
                  'again: the rest, and two more alerts');
-- a runway of 1 hour keeps each topped-up stream within 7 days and 1 day of
-- running dry: six alerts in all (the ones sent for the voided stream went with it)
SELECT is(ARRAY(SELECT done FROM flowstream.maintain(2) WHERE job = 'alert'
                UNION ALL SELECT done FROM flowstream.maintain(2) WHERE job = 'alert'
                UNION ALL SELECT done FROM flowstream.maintain(2) WHERE job = 'alert'), ARRAY[2, 2, 0],
          'the alerts go two at a time too, until the six are sent');
SELECT results_eq(format('SELECT id, threshold FROM flowstream.runway_alerts WHERE id IN (%s) ORDER BY id, threshold', :'bt'),
                  format($$SELECT id, t FROM unnest(ARRAY[%s]::bigint[]) id, unnest(ARRAY['1 day', '7 days']::interval[]) t ORDER BY id, t$$, :'bt'),
                  'one per stream and threshold');
SELECT pg_temp.t37_retire();

-- A top-up that cannot be made must not hold up the others: poor's stream
-- (no account) has been due longer than acme's (funded), and maintain(1)
-- runs three times.
-- (Unfundable streams are not taken by the top-ups, only announced once,
-- so 1000 senders with empty accounts cannot fill every batch.)
SET LOCAL flowstream.clock = '2026-06-03 00:00:00+00';
SET LOCAL ROLE t37_poor;
SELECT flowstream.create_stream('t37_poor', 't37_ana', 'T37', 0.001, deposit => 10) AS sv1 \gset
SELECT flowstream.set_auto_top_up(:sv1, '1 day') AS x \gset
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 20) AS sv2 \gset
SELECT flowstream.set_auto_top_up(:sv2, '1 day') AS x \gset
RESET ROLE;
SELECT ok((SELECT a.top_up_at < b.top_up_at FROM flowstream.streams a, flowstream.streams b WHERE a.id = :sv1 AND b.id = :sv2),
          'the stream that cannot be topped up comes first by top_up_at');
SELECT is((SELECT sum(done) FROM flowstream.maintain(1) WHERE job = 'top_up')
          + (SELECT sum(done) FROM flowstream.maintain(1) WHERE job = 'top_up')
          + (SELECT sum(done) FROM flowstream.maintain(1) WHERE job = 'top_up'), 1::bigint,
          'three runs of maintain(1) top up the funded stream');
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = :sv2 AND op = 'deposit_from_account'), 1::bigint,
          'acme''s stream got its top-up, behind one that never can');
SELECT is(ARRAY(SELECT id FROM flowstream.runway_alerts WHERE event = 'top_up_short' AND id IN (:sv1, :sv2)),
          ARRAY[:sv1]::bigint[], 'only the stream that cannot be topped up is announced short');
-- two funded streams due at once and a batch of one: the one the batch did
-- not reach is not short, it is topped up by the next run
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 20) AS sv3 \gset
SELECT flowstream.set_auto_top_up(:sv3, '1 day') AS x \gset
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 20) AS sv4 \gset
SELECT flowstream.set_auto_top_up(:sv4, '1 day') AS x \gset
RESET ROLE;
SELECT is((SELECT done FROM flowstream.maintain(1) WHERE job = 'top_up'), 1, 'a batch of one tops up one of them');
SELECT is((SELECT count(*) FROM flowstream.runway_alerts WHERE event = 'top_up_short' AND id IN (:sv3, :sv4)), 0::bigint,
          'and the other, which the batch did not reach, is not announced short');
SELECT is((SELECT done FROM flowstream.maintain(1) WHERE job = 'top_up'), 1, 'the next run tops up the other');
SELECT pg_temp.t37_retire();
SELECT is_empty('SELECT * FROM flowstream.verify()', 'part 7: verify() finds nothing');

--------------------------------------------------------------------------
-- 8. The payroll year: t37_payco pays three salaries (3000, 4500 and 6000
--    a month) by debt streams funded only by automatic top-ups from its
--    account (a runway of 7 days), each paid out weekly into the employee's
--    account, and maintain() runs once a day for a year under the test
--    clock.  The account starts with 120000, about 270 days of the 13500 a
--    month: until it is empty no stream may be insolvent or even within 7
--    days of it, and no alert is sent; after it, the streams run dry and
--    the alerts arrive, in order.  verify() is checked every week.  (One
--    transaction keeps every version of the rows it updates, so each day
--    costs a little more than the one before: weekly payouts and checks
--    keep the year within seconds.)
--------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2027-01-01 00:00:00+00';
CREATE ROLE t37_payco;
CREATE ROLE t37_e1;
CREATE ROLE t37_e2;
CREATE ROLE t37_e3;
SELECT flowstream.account_deposit('t37_payco', 'T37', 120000);
SET LOCAL ROLE t37_payco;
SELECT flowstream.create_stream('t37_payco', 't37_e1', 'T37', flowstream.rate(3000, '1 month')) AS y1 \gset
SELECT flowstream.create_stream('t37_payco', 't37_e2', 'T37', flowstream.rate(4500, '1 month')) AS y2 \gset
SELECT flowstream.create_stream('t37_payco', 't37_e3', 'T37', flowstream.rate(6000, '1 month')) AS y3 \gset
SELECT count(flowstream.set_auto_top_up(id, '7 days')) FROM flowstream.streams WHERE id IN (:y1, :y2, :y3) \gset
SET LOCAL ROLE t37_e1;
SELECT flowstream.set_auto_withdraw(:y1, '7 days') AS x \gset
SET LOCAL ROLE t37_e2;
SELECT flowstream.set_auto_withdraw(:y2, '7 days') AS x \gset
SET LOCAL ROLE t37_e3;
SELECT flowstream.set_auto_withdraw(:y3, '7 days') AS x \gset
RESET ROLE;
SELECT max(id) AS year_e0 FROM flowstream.events \gset

CREATE TEMP TABLE t37_year (
    day int PRIMARY KEY,
    at timestamptz,
    insolvent_before int,       -- streams insolvent at the day's time, before the job ran
    available numeric,          -- the account's available balance after the job
    insolvent int,              -- streams insolvent after the job
    short_runway int,           -- streams with less than 7 days of runway after the job
    topped int, paid int, alerts int,
    problems bigint             -- rows of verify()
);
DO $year$
DECLARE
    t0 constant timestamptz := '2027-01-01 00:00:00+00';
    t timestamptz;
    r record;
BEGIN
    FOR d IN 0..365 LOOP
        t := t0 + d * interval '1 day';
        PERFORM set_config('flowstream.clock', t::text, true);
        INSERT INTO t37_year (day, at, insolvent_before)
        SELECT d, t, count(*) FILTER (WHERE flowstream.uncovered_debt(state, t) > 0)
        FROM flowstream.streams WHERE sender = 't37_payco';
        SELECT max(done) FILTER (WHERE job = 'top_up') AS topped, max(done) FILTER (WHERE job = 'payout') AS paid,
               max(done) FILTER (WHERE job = 'alert') AS alerts
        INTO r FROM flowstream.maintain();
        UPDATE t37_year SET topped = r.topped, paid = r.paid, alerts = r.alerts,
            available = flowstream.account_available('t37_payco', 'T37'),
            insolvent = (SELECT count(*) FROM flowstream.streams
                         WHERE sender = 't37_payco' AND flowstream.uncovered_debt(state, t) > 0),
            short_runway = (SELECT count(*) FROM flowstream.streams
                            WHERE sender = 't37_payco' AND depletes_at <= t + interval '7 days'),
            problems = CASE WHEN d % 7 = 0 OR d = 365 THEN (SELECT count(*) FROM flowstream.verify()) END
        WHERE day = d;
    END LOOP;
END
$year$;
SET LOCAL flowstream.clock = '2028-01-01 00:00:00+00';

SELECT min(day) AS empty_day FROM t37_year WHERE available = 0 \gset
SELECT ok(:empty_day BETWEEN 240 AND 270, format('the account runs out on day %s, some 8 months in', :empty_day));
SELECT is((SELECT count(*) FROM t37_year WHERE day < :empty_day AND (insolvent_before > 0 OR insolvent > 0)), 0::bigint,
          'no stream is ever insolvent while the account has funds (checked before and after every run)');
SELECT is((SELECT count(*) FROM t37_year WHERE day < :empty_day AND short_runway > 0), 0::bigint,
          'nor within 7 days of it after any run: the runway kept is kept');
SELECT is((SELECT count(*) FROM t37_year WHERE day < :empty_day AND alerts > 0), 0::bigint,
          'no runway alert is sent while the account has funds');
SELECT is((SELECT sum(topped) FROM t37_year WHERE day < :empty_day),
          (SELECT count(*) FROM flowstream.events WHERE id > :year_e0 AND op = 'deposit_from_account'
                  AND at < '2027-01-01 00:00:00+00'::timestamptz + :empty_day * interval '1 day'),
          'each top-up the job counted is a deposit_from_account event');
-- a top-up at day d keeps 14 days (and a µs or so): its top_up_at is d + 7
-- days and that µs, which the daily run sees on day d + 8
SELECT is(ARRAY(SELECT day FROM t37_year WHERE topped > 0 AND day < :empty_day ORDER BY day),
          ARRAY(SELECT generate_series(0, :empty_day - 1, 8)),
          'until then the job tops up every 8th day (the day after 7 days of runway are left)');
SELECT is((SELECT count(*) FROM t37_year WHERE topped NOT IN (0, 3) AND day < :empty_day), 0::bigint,
          'all three streams each time, in full');
SELECT is((SELECT count(*) FROM t37_year WHERE day < :empty_day
           AND paid <> CASE WHEN day > 0 AND day % 7 = 0 THEN 3 ELSE 0 END), 0::bigint,
          'three payouts every 7th day while the streams are funded, none in between');
SELECT is((SELECT max(problems) FROM t37_year), 0::bigint, 'verify() finds nothing, checked every 7th day and on the last');
SELECT ok((SELECT min(day) FROM t37_year WHERE insolvent > 0) BETWEEN :empty_day AND :empty_day + 14,
          'once the account is empty the streams run dry within the two weeks they were funded for');
SELECT is((SELECT count(*) FROM t37_year WHERE day = 365 AND insolvent = 3), 1::bigint,
          'at the end of the year all three are insolvent');
-- the alerts: for each stream, insolvent at 7 days, 1 day and 0, in that
-- order, all after the account ran out
SELECT results_eq(format($$SELECT id, array_agg(threshold ORDER BY sent_at, threshold DESC) FROM flowstream.runway_alerts
                          WHERE kind = 'stream' AND id IN (%s, %s, %s) AND event = 'insolvent' GROUP BY id ORDER BY id$$, :y1, :y2, :y3),
                  format($$VALUES (%s::bigint, '{7 days,1 day,0}'::interval[]), (%s, '{7 days,1 day,0}'), (%s, '{7 days,1 day,0}')$$, :y1, :y2, :y3),
                  'each stream was alerted at 7 days, 1 day and 0, in that order');
SELECT is((SELECT count(*) FROM flowstream.runway_alerts
           WHERE sent_at < '2027-01-01 00:00:00+00'::timestamptz + :empty_day * interval '1 day'), 0::bigint,
          'none of them before the account ran out');
SELECT ok((SELECT bool_and(sent_at >= at - threshold AND sent_at < at - threshold + interval '1 day')
           FROM flowstream.runway_alerts WHERE id IN (:y1, :y2, :y3)),
          'each on the first daily run after its threshold was crossed');
-- nothing was created or lost, to the base unit
SELECT is((SELECT flowstream.account_balance('t37_payco', 'T37'))
          + (SELECT sum(flowstream.balance(state)) FROM flowstream.streams WHERE id IN (:y1, :y2, :y3))
          + flowstream.account_balance('t37_e1', 'T37') + flowstream.account_balance('t37_e2', 'T37')
          + flowstream.account_balance('t37_e3', 'T37'), 120000.000000,
          'the 120000 are in the account, the streams and the employees'' accounts');
SELECT is((SELECT count(*) FROM flowstream.streams s
           WHERE s.id IN (:y1, :y2, :y3)
             AND flowstream.total_debt(state) + flowstream.account_balance(s.recipient, 'T37')
                 <> floor(flowstream.rate_per_second(state) * 365 * 86400 * 1000000) / 1000000), 0::bigint,
          'each employee was paid out, or is owed, exactly its rate times the year, floored to the base unit');
SELECT is((SELECT count(*) FROM flowstream.events WHERE id > :year_e0 AND op = 'withdraw_to_account'
           AND actor = 'flowstream_sweeper' AND on_behalf_of IN ('t37_e1', 't37_e2', 't37_e3')),
          (SELECT sum(paid) FROM t37_year), 'every payout is a withdraw_to_account of the job on the employee''s behalf');
-- new money re-arms everything
SELECT flowstream.account_deposit('t37_payco', 'T37', 100000);
SELECT is((SELECT done FROM flowstream.maintain() WHERE job = 'top_up'), 3, 'new money: the next run tops up all three');
SELECT is((SELECT count(*) FROM flowstream.streams WHERE id IN (:y1, :y2, :y3)
           AND flowstream.status(state) = 'streaming_solvent' AND depletes_at > '2028-01-08 00:00:00+00'), 3::bigint,
          'their debts paid and two weeks ahead funded, they are solvent again');
SELECT is_empty(format('SELECT * FROM flowstream.runway_alerts WHERE id IN (%s, %s, %s)', :y1, :y2, :y3),
                'and their alerts are re-armed');
SELECT pg_temp.t37_retire();

--------------------------------------------------------------------------
-- 8. verify() checks the automation columns against the state and history
--------------------------------------------------------------------------
-- The superuser goes round the guards and moves each stored column of a
-- stream with a top-up and a payout schedule; verify() names each, and
-- finds nothing once they are put back.
SET LOCAL ROLE t37_acme;
SELECT flowstream.create_stream('t37_acme', 't37_ana', 'T37', 0.001, deposit => 100) AS v1 \gset
SELECT flowstream.set_auto_top_up(:v1, '1 day') AS x \gset
SET LOCAL ROLE t37_ana;
SELECT flowstream.set_auto_withdraw(:v1, '1 day') AS x \gset
RESET ROLE;
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
UPDATE flowstream.streams SET depletes_at = depletes_at + interval '1 second' WHERE id = :v1;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem = 'depletes_at is not the depletion time of its state'$$, :v1),
                  'verify(): a depletes_at moved by hand');
UPDATE flowstream.streams SET depletes_at = depletes_at - interval '1 second', top_up_at = top_up_at + interval '1 second' WHERE id = :v1;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem = 'top_up_at is not when its state and runway make the next top-up due'$$, :v1),
                  'verify(): a top_up_at moved by hand');
UPDATE flowstream.streams SET top_up_at = top_up_at - interval '1 second', top_up_keep = interval '2 days' WHERE id = :v1;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem = 'top_up_keep is not the runway its history last set'$$, :v1),
                  'verify(): a top_up_keep its history never set');
UPDATE flowstream.streams SET top_up_keep = interval '1 day' WHERE id = :v1;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
ALTER TABLE flowstream.payouts DISABLE TRIGGER USER;
UPDATE flowstream.payouts SET every = interval '2 days' WHERE stream_id = :v1;
SELECT isnt_empty(format($$SELECT * FROM flowstream.verify() WHERE stream_id = %s
                           AND problem = 'its scheduled payouts are not what its history last set'$$, :v1),
                  'verify(): a payout schedule its history never set');
UPDATE flowstream.payouts SET every = interval '1 day' WHERE stream_id = :v1;
ALTER TABLE flowstream.payouts ENABLE TRIGGER USER;
SELECT is_empty(format('SELECT * FROM flowstream.verify() WHERE stream_id = %s', :v1), 'verify(): nothing once they are put back');
SELECT pg_temp.t37_retire();

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');
SELECT * FROM finish();
ROLLBACK;
