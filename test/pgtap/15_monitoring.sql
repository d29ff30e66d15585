-- flowstream.monitoring: what an operator watches, one row per number.
-- Known streams, accounts and a run of maintain(): every number the view
-- gives is the one computed by hand; only flowstream_admin (and the owner)
-- reads it.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(12);

SELECT has_view('flowstream', 'monitoring', 'the view flowstream.monitoring exists');
SELECT isnt(obj_description('flowstream.monitoring'::regclass, 'pg_class'), NULL, 'it has a comment');

CREATE ROLE mo_alice;
CREATE ROLE mo_bob;
CREATE ROLE mo_admin IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens (token, decimals) VALUES ('MOUSD', 6), ('MOEUR', 2);
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE mo_alice;
-- MOUSD: one that runs dry after 10 000 s (and is due a day later), one well
-- funded, one voided; MOEUR: one paused
SELECT flowstream.create_stream('mo_alice', 'mo_bob', 'MOUSD', 0.001, deposit => 10) AS dry \gset
SELECT flowstream.set_void_after(:dry, '1 day');
SELECT flowstream.create_stream('mo_alice', 'mo_bob', 'MOUSD', 0.001, deposit => 1000) AS rich \gset
SELECT flowstream.create_stream('mo_alice', 'mo_bob', 'MOUSD', 0.001) AS gone \gset
SELECT flowstream.void(:gone);
SELECT flowstream.create_stream('mo_alice', 'mo_bob', 'MOEUR', 0.01, deposit => 5) AS eur \gset
SELECT flowstream.pause(:eur);
RESET ROLE;
-- accounts: mo_alice sends a flow that makes her critical within the day
SELECT flowstream.account_deposit('mo_alice', 'MOUSD', 175);   -- 2.2 left after two days, less than the 3.6 buffer
SET LOCAL ROLE mo_alice;
SELECT flowstream.open_flow('mo_alice', 'mo_bob', 'MOUSD', 0.001);
RESET ROLE;

SET LOCAL ROLE mo_bob;
SELECT throws_ok($$SELECT * FROM flowstream.monitoring$$, '42501', NULL,
                 'an ordinary role does not read the monitoring view');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-01-03 00:00:00+00';   -- 172 800 s on
SET LOCAL ROLE mo_admin;
SELECT results_eq($$SELECT token, status, value FROM flowstream.monitoring WHERE metric = 'streams' ORDER BY 1, 2$$,
                  $$VALUES ('MOEUR', 'paused_solvent', 1::numeric), ('MOUSD', 'streaming_insolvent', 1),
                           ('MOUSD', 'streaming_solvent', 1), ('MOUSD', 'voided', 1)$$,
                  'streams by token and status');
SELECT results_eq($$SELECT token, status, value FROM flowstream.monitoring WHERE metric = 'accounts' ORDER BY 1, 2$$,
                  $$VALUES ('MOUSD', 'critical', 1::numeric), ('MOUSD', 'healthy', 1)$$,
                  'accounts by token and status (the sender critical, the receiver healthy)');
-- owed: 172.8 + 172.8 (the dry and the rich stream) + 0 (voided); MOEUR:
-- paused at once, nothing owed.  Uncovered: the dry one's 172.8 - 10.
SELECT results_eq($$SELECT metric, token, value FROM flowstream.monitoring
                    WHERE metric IN ('owed', 'uncovered') ORDER BY 1, 2$$,
                  $$VALUES ('owed', 'MOEUR', 0.00::numeric), ('owed', 'MOUSD', 345.600000),
                           ('uncovered', 'MOEUR', 0.00), ('uncovered', 'MOUSD', 162.800000)$$,
                  'owed and uncovered debt per token, in the token''s decimals');
SELECT results_eq($$SELECT metric, value FROM flowstream.monitoring WHERE metric LIKE 'next_run_%' ORDER BY 1$$,
                  $$VALUES ('next_run_liquidate', 1::numeric), ('next_run_payout', 0), ('next_run_top_up', 0),
                           ('next_run_void', 1)$$,
                  'what the next run of maintain() will do: void the due stream, liquidate the critical account');
SELECT is((SELECT count(*) FROM flowstream.monitoring WHERE metric LIKE 'last_run_%'), 0::bigint,
          'no last_run_* rows before any run');
SELECT ok((SELECT sum(done) FROM flowstream.maintain()) >= 2, 'maintain() runs');
RESET ROLE;

SET LOCAL flowstream.clock = '2026-01-03 00:01:30+00';   -- the test clock moves; runs are timed for real
SET LOCAL ROLE mo_admin;
SELECT results_eq($$SELECT metric, value FROM flowstream.monitoring
                    WHERE metric IN ('last_run_voided', 'last_run_liquidated',
                                     'last_run_topped_up', 'last_run_paid_out') ORDER BY 1$$,
                  $$VALUES ('last_run_liquidated', 1::numeric),
                           ('last_run_paid_out', 0), ('last_run_topped_up', 0), ('last_run_voided', 1)$$,
                  'what the last run did');
SELECT ok((SELECT value FROM flowstream.monitoring WHERE metric = 'last_run_age_seconds') BETWEEN 0 AND 600
          AND (SELECT value FROM flowstream.monitoring WHERE metric = 'last_run_duration_seconds') BETWEEN 0 AND 600,
          'the last run''s age and duration, by the real clock that times runs (not the test clock)');
SELECT results_eq($$SELECT metric, value FROM flowstream.monitoring WHERE metric LIKE 'next_run_%' ORDER BY 1$$,
                  $$VALUES ('next_run_liquidate', 0::numeric), ('next_run_payout', 0), ('next_run_top_up', 0),
                           ('next_run_void', 0)$$,
                  'after the run, nothing is left for the next one');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
