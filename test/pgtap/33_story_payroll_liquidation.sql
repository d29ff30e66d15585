-- 33_story_payroll_liquidation.sql — treasuries that pay salaries by flows
-- and run dry (SPEC §6: critical accounts, liquidation, deficits):
--
--   * initech pays one employee and nobody liquidates it in time: the
--     sweeper runs after its balance went below 0, closes the flow, and
--     leaves a deficit, shown by flowstream.deficits and by verify(); its
--     next deposits repay it first.
--   * acme pays three employees from one balance; the sweeper runs at its
--     critical time and closes all three flows (a liquidate event each, by
--     flowstream_sweeper); the token names no reward party, so the unburnt
--     buffer stays with acme.
--   * globex does the same in a token whose liquidation_reward names a
--     sentinel: the sweeper comes half an hour late and pays the sentinel
--     what is left of the buffer.
--   * hooli and globex are critical at once: liquidate_critical(1) takes
--     the earliest first.
-- (An account locked by another session is skipped: specs/accounts_concurrency.spec.)
--
-- Roles: the treasuries pr_initech, pr_acme, pr_globex, pr_hooli; their
-- employees pr_emp1 .. pr_emp4; pr_admin (flowstream_admin) runs the
-- sweeper.  Tokens PAY (6 decimals, no reward) and PAYR (6 decimals,
-- liquidation_reward 'pr_sentinel'); both with a buffer of 1 hour.
-- t0 = 2026-01-01 00:00:00+00.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(64);

CREATE ROLE pr_initech;
CREATE ROLE pr_acme;
CREATE ROLE pr_globex;
CREATE ROLE pr_hooli;
CREATE ROLE pr_emp1;
CREATE ROLE pr_emp2;
CREATE ROLE pr_emp3;
CREATE ROLE pr_emp4;
CREATE ROLE pr_admin IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens (token, decimals) VALUES ('PAY', 6);
INSERT INTO flowstream.tokens (token, decimals, liquidation_reward) VALUES ('PAYR', 6, 'pr_sentinel');
SET LOCAL TimeZone = 'UTC';

-- an account's (balance, available, netflow, buffer, status) at flowstream.now()
CREATE FUNCTION pg_temp.acct(text, text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT row(balance, available, netflow, buffer, status)::text FROM flowstream.accounts_now WHERE party = $1 AND token = $2$$;
CREATE FUNCTION pg_temp.open_flows(text, text) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT count(*) FROM flowstream.flows WHERE sender = $1 AND token = $2 AND closed_at IS NULL$$;
CREATE FUNCTION pg_temp.sweep(int DEFAULT 1000) RETURNS int
    LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
    SET LOCAL ROLE pr_admin;
    n := flowstream.liquidate_critical($1);
    RESET ROLE;
    RETURN n;
END $$;

----------------------------------------------------------------------------
-- t0: the treasuries fund their payrolls
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
-- (hooli's account is made first: its id is the lowest, its critical time not)
SELECT flowstream.account_deposit('pr_hooli', 'PAY', 40) AS _ \gset
SELECT flowstream.account_deposit('pr_initech', 'PAY', 100) AS _ \gset
SELECT flowstream.account_deposit('pr_acme', 'PAY', 1018) AS _ \gset
SELECT flowstream.account_deposit('pr_globex', 'PAYR', 1027) AS _ \gset
SET LOCAL ROLE pr_initech;
SELECT flowstream.open_flow('pr_initech', 'pr_emp4', 'PAY', 0.01) AS i4 \gset
SET LOCAL ROLE pr_acme;
SELECT flowstream.open_flow('pr_acme', 'pr_emp1', 'PAY', 0.001) AS a1 \gset
SELECT flowstream.open_flow('pr_acme', 'pr_emp2', 'PAY', 0.002) AS a2 \gset
SELECT flowstream.open_flow('pr_acme', 'pr_emp3', 'PAY', 0.002) AS a3 \gset
SET LOCAL ROLE pr_globex;
SELECT flowstream.open_flow('pr_globex', 'pr_emp1', 'PAYR', 0.001) AS g1 \gset
SELECT flowstream.open_flow('pr_globex', 'pr_emp2', 'PAYR', 0.002) AS g2 \gset
SELECT flowstream.open_flow('pr_globex', 'pr_emp3', 'PAYR', 0.002) AS g3 \gset
RESET ROLE;
SELECT is(pg_temp.acct('pr_acme', 'PAY'), '(1018.000000,1000.000000,-0.005,18.000000,healthy)',
    'acme: 1018, three flows of 0.005/s in all, buffers 3.6 + 7.2 + 7.2 = 18, 1000 available');
SELECT is(flowstream.account_critical_time('pr_acme', 'PAY'), '2026-01-03 07:33:20.000001+00'::timestamptz,
    'acme is critical when its 1000 available are spent: 200000 s');
SELECT is(flowstream.account_insolvency_time('pr_acme', 'PAY'), '2026-01-03 08:33:20.000001+00'::timestamptz,
    'and insolvent when its buffer is spent too, an hour later');
SELECT is(flowstream.account_critical_time('pr_globex', 'PAYR'), '2026-01-03 08:03:20.000001+00'::timestamptz,
    'globex (9 more) is critical 1800 s after acme');
SELECT is(flowstream.account_critical_time('pr_initech', 'PAY'), '2026-01-01 01:46:40.000001+00'::timestamptz,
    'initech: 64 available at 0.01/s, critical after 6400 s');
SELECT is(flowstream.account_insolvency_time('pr_initech', 'PAY'), '2026-01-01 02:46:40.000001+00'::timestamptz,
    'initech: 100 at 0.01/s, insolvent after 10000 s');

----------------------------------------------------------------------------
-- initech runs dry, and the sweeper is late
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 01:46:40+00';
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(36.000000,0.000000,-0.01,36.000000,healthy)', '+6400 s: initech has exactly its buffer left');
SELECT is(pg_temp.sweep(), 0, 'a microsecond before its critical time the sweeper finds nothing');
SET LOCAL flowstream.clock = '2026-01-01 02:00:00+00';
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(28.000000,-8.000000,-0.01,36.000000,critical)', '+7200 s: the buffer is burning: critical');
SET LOCAL ROLE pr_initech;
SELECT throws_ok($$SELECT flowstream.account_withdraw('pr_initech', 'PAY', 1)$$, 'SF016', NULL, 'a critical treasury cannot withdraw (SF016)');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 03:00:00+00';
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(-8.000000,-44.000000,-0.01,36.000000,deficit)', '+10800 s: the balance is below 0: a deficit');
SELECT results_eq($$SELECT party, token, deficit FROM flowstream.deficits$$, $$VALUES ('pr_initech', 'PAY', 8.000000)$$,
    'deficits shows it while the flow still runs');
-- the sweeper comes at +12000 s: 120 have flowed to emp4 out of 100
SET LOCAL flowstream.clock = '2026-01-01 03:20:00+00';
SELECT is(pg_temp.sweep(), 1, 'the late sweeper liquidates initech');
SELECT results_eq(format($$SELECT op::text, actor, at FROM flowstream.events WHERE flow_id = %s ORDER BY id$$, :i4),
    $$VALUES ('open_flow', 'pr_initech', '2026-01-01 00:00:00+00'::timestamptz), ('liquidate', 'flowstream_sweeper', '2026-01-01 03:20:00+00')$$,
    'one liquidate event, by the sweeper, at its time');
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(-20.000000,-20.000000,0,0.000000,deficit)', 'initech: 100 - 120 = -20, no flow, no buffer');
SELECT is(flowstream.account_balance('pr_emp4', 'PAY'), 120::numeric, 'emp4 was paid for every second until the liquidation: 120');
SELECT is(pg_temp.open_flows('pr_initech', 'PAY'), 0::bigint, 'initech''s flow is closed');
SELECT results_eq($$SELECT d.party, d.token, d.deficit, d.account_id = a.id FROM flowstream.deficits d
                    JOIN flowstream.accounts a ON a.party = d.party AND a.token = d.token$$,
    $$VALUES ('pr_initech', 'PAY', 20.000000, true)$$, 'flowstream.deficits: initech owes 20');
SELECT results_eq($$SELECT token, problem FROM flowstream.verify()$$,
    format($$VALUES ('PAY', 'account %s (pr_initech): deficit of 20.000000: a liquidation came late, and its party owes it')$$,
           (SELECT id FROM flowstream.accounts WHERE party = 'pr_initech')),
    'verify() reports the deficit, and nothing else');
SET LOCAL ROLE pr_initech;
SELECT is((SELECT count(*) FROM flowstream.deficits), 1::bigint, 'initech sees its deficit');
SELECT throws_ok($$SELECT flowstream.account_withdraw('pr_initech', 'PAY', 1)$$, 'SF016', NULL, 'an account in deficit cannot withdraw');
SELECT throws_ok($$SELECT flowstream.open_flow('pr_initech', 'pr_emp4', 'PAY', 0.001)$$, 'SF016', NULL, 'nor open a flow');
SET LOCAL ROLE pr_emp4;
SELECT is((SELECT count(*) FROM flowstream.deficits), 0::bigint, 'emp4 does not see initech''s deficit');
SELECT is(flowstream.account_withdraw('pr_emp4', 'PAY', 110), 110::numeric, 'emp4 withdraws 110 of his 120: the deficit is initech''s, not his');
RESET ROLE;
SELECT is(pg_temp.sweep(), 0, 'a deficit without open flows is not liquidated again');
-- the next deposits repay the deficit first
SELECT flowstream.account_deposit('pr_initech', 'PAY', 5) AS _ \gset
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(-15.000000,-15.000000,0,0.000000,deficit)', 'a deposit of 5 repays 5 of the 20');
SELECT is((SELECT deficit FROM flowstream.deficits WHERE party = 'pr_initech'), 15.000000, 'the deficit is 15');
SET LOCAL ROLE pr_emp4;
SELECT lives_ok($$SELECT flowstream.account_transfer('pr_emp4', 'pr_initech', 'PAY', 10)$$, 'emp4 transfers his last 10 to initech');
RESET ROLE;
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(-5.000000,-5.000000,0,0.000000,deficit)', 'a transfer in repays too: 5 left');
SELECT flowstream.account_deposit('pr_initech', 'PAY', 50) AS _ \gset
SELECT is(pg_temp.acct('pr_initech', 'PAY'), '(45.000000,45.000000,0,0.000000,healthy)', 'a deposit of 50: 5 repay the deficit, 45 remain');
SELECT is_empty('SELECT * FROM flowstream.deficits', 'no deficit any more');
SELECT results_eq($$SELECT e.op::text, e.amount FROM flowstream.events e JOIN flowstream.accounts a ON a.id = e.account_id
                    WHERE a.party = 'pr_initech' AND e.op IN ('account_deposit') ORDER BY e.id$$,
    $$VALUES ('account_deposit', 100.000000), ('account_deposit', 5.000000), ('account_deposit', 50.000000)$$,
    'the deposits are recorded whole');
SET LOCAL ROLE pr_initech;
SELECT is(flowstream.account_withdraw('pr_initech', 'PAY', 45), 45::numeric, 'initech can withdraw the 45');
RESET ROLE;
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() is clean once the deficit is repaid');

----------------------------------------------------------------------------
-- acme: liquidated at its critical time; no reward party (PAY)
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-03 07:33:20+00';
SELECT is(pg_temp.acct('pr_acme', 'PAY'), '(18.000000,0.000000,-0.005,18.000000,healthy)',
    'acme after 200000 s: 18 left, exactly its buffer');
SELECT is(pg_temp.sweep(), 0, 'a microsecond before acme''s critical time the sweeper finds nothing');
SET LOCAL flowstream.clock = '2026-01-03 07:33:20.000001+00';
SELECT is(pg_temp.acct('pr_acme', 'PAY'), '(17.999999,-0.000001,-0.005,18.000000,critical)',
    'at its critical time: 17.999999995 left, 0.000000005 of the buffer burnt');
SELECT is(pg_temp.sweep(), 1, 'the sweeper, on time, liquidates acme (and only acme)');
SELECT results_eq(format($$SELECT flow_id, op::text, actor, at, destination FROM flowstream.events
                          WHERE account_id = (SELECT id FROM flowstream.accounts WHERE party = 'pr_acme' AND token = 'PAY')
                          AND actor = 'flowstream_sweeper' ORDER BY id$$),
    format($$VALUES (%s::bigint, 'liquidate', 'flowstream_sweeper', '2026-01-03 07:33:20.000001+00'::timestamptz, 'pr_emp1'),
                    (%s, 'liquidate', 'flowstream_sweeper', '2026-01-03 07:33:20.000001+00', 'pr_emp2'),
                    (%s, 'liquidate', 'flowstream_sweeper', '2026-01-03 07:33:20.000001+00', 'pr_emp3')$$, :a1, :a2, :a3),
    'all three flows closed, one liquidate event each, by flowstream_sweeper, and nothing else (no reward)');
SELECT is(pg_temp.open_flows('pr_acme', 'PAY'), 0::bigint, 'acme has no open flow');
SELECT is(pg_temp.acct('pr_acme', 'PAY'), '(17.999999,17.999999,0,0.000000,healthy)', 'acme keeps the unburnt buffer: 17.999999');
SELECT is((SELECT critical_at FROM flowstream.accounts WHERE party = 'pr_acme' AND token = 'PAY'), NULL, 'its critical_at is cleared');
SELECT results_eq($$SELECT party, balance, netflow FROM flowstream.accounts_now WHERE token = 'PAY' AND party LIKE 'pr_emp_' AND party <> 'pr_emp4' ORDER BY party$$,
    $$VALUES ('pr_emp1', 200.000000, 0::numeric), ('pr_emp2', 400.000000, 0), ('pr_emp3', 400.000000, 0)$$,
    'the employees were paid until the liquidation: 200000.000001 s of their rates');
SET LOCAL flowstream.clock = '2026-01-04 00:00:00+00';
SELECT is(pg_temp.acct('pr_acme', 'PAY'), '(17.999999,17.999999,0,0.000000,healthy)', 'a day later nothing has moved');
SELECT is(flowstream.account_balance('pr_emp3', 'PAY'), 400::numeric, 'nor for the employees');
SET LOCAL flowstream.clock = '2026-01-03 07:33:20.000001+00';

----------------------------------------------------------------------------
-- globex: a reward party (PAYR), a sweeper half an hour late, and batches
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-03 08:00:00+00';
SET LOCAL ROLE pr_hooli;
SELECT flowstream.open_flow('pr_hooli', 'pr_emp4', 'PAY', 0.01) AS h4 \gset
RESET ROLE;
SELECT is(flowstream.account_critical_time('pr_hooli', 'PAY'), '2026-01-03 08:06:40.000001+00'::timestamptz, 'hooli: 4 available, critical after 400 s');
SET LOCAL flowstream.clock = '2026-01-03 08:33:20.000001+00';
SELECT results_eq($$SELECT party, status FROM flowstream.accounts_now WHERE status <> 'healthy' ORDER BY critical_time$$,
    $$VALUES ('pr_globex', 'critical'), ('pr_hooli', 'critical')$$, 'globex (since 08:03:20) and hooli (since 08:06:40) are critical');
SELECT is(pg_temp.acct('pr_globex', 'PAYR'), '(8.999999,-9.000001,-0.005,18.000000,critical)', 'globex: half of its buffer burnt, 8.999999995 left');
SELECT ok((SELECT id FROM flowstream.accounts WHERE party = 'pr_hooli') < (SELECT id FROM flowstream.accounts WHERE party = 'pr_globex'),
    'hooli''s account is older than globex''s');
SELECT is(pg_temp.sweep(1), 1, 'liquidate_critical(1) liquidates one account');
SELECT is(pg_temp.open_flows('pr_globex', 'PAYR'), 0::bigint, '... the earliest critical, globex');
SELECT is(pg_temp.open_flows('pr_hooli', 'PAY'), 1::bigint, '... and leaves hooli for the next batch');
SELECT results_eq($$SELECT e.op::text, e.actor, e.amount, e.destination FROM flowstream.events e
                    JOIN flowstream.accounts a ON a.id = e.account_id WHERE a.party = 'pr_globex' AND e.actor = 'flowstream_sweeper' ORDER BY e.id$$,
    $$VALUES ('liquidate', 'flowstream_sweeper', NULL::numeric, 'pr_emp1'), ('liquidate', 'flowstream_sweeper', NULL, 'pr_emp2'),
             ('liquidate', 'flowstream_sweeper', NULL, 'pr_emp3'), ('account_transfer', 'flowstream_sweeper', 8.999999, 'pr_sentinel')$$,
    'three liquidate events, then the unburnt 8.999999 paid to the reward party');
SELECT is(pg_temp.acct('pr_sentinel', 'PAYR'), '(8.999999,8.999999,0,0.000000,healthy)', 'pr_sentinel holds the reward');
SELECT is(pg_temp.acct('pr_globex', 'PAYR'), '(0.000000,0.000000,0,0.000000,healthy)', 'globex keeps only the sub-unit dust (0.000000995)');
SELECT results_eq($$SELECT party, balance FROM flowstream.accounts_now WHERE token = 'PAYR' AND party LIKE 'pr_emp_' ORDER BY party$$,
    $$VALUES ('pr_emp1', 203.600000), ('pr_emp2', 407.200000), ('pr_emp3', 407.200000)$$,
    'globex''s employees were paid until the late liquidation');
SELECT is(pg_temp.sweep(1), 1, 'the next batch liquidates hooli');
SELECT is(pg_temp.acct('pr_hooli', 'PAY'), '(19.999999,19.999999,0,0.000000,healthy)', 'hooli keeps its unburnt buffer (PAY names no reward party)');
SELECT is(pg_temp.sweep(), 0, 'nothing is critical any more');
SELECT is((SELECT count(*) FROM flowstream.flows WHERE closed_at IS NULL), 0::bigint, 'every flow of the story is closed');

-- acme tops up and pays again
SELECT flowstream.account_deposit('pr_acme', 'PAY', 100) AS _ \gset
SET LOCAL ROLE pr_acme;
SELECT lives_ok($$SELECT flowstream.open_flow('pr_acme', 'pr_emp1', 'PAY', 0.001)$$, 'after its liquidation acme opens a flow to emp1 again');
RESET ROLE;
SELECT is(pg_temp.acct('pr_acme', 'PAY'), '(117.999999,114.399999,-0.001,3.600000,healthy)', 'acme: 17.999999 + 100, 3.6 locked');

SELECT is_empty('SELECT * FROM flowstream.deficits', 'no deficits');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
