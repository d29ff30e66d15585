-- The demo of scripts/demo: a payroll stream, a subscription and a grant,
-- with time moved by the test clock so that the numbers are exact.
\pset footer off
CREATE EXTENSION flowstream;
INSERT INTO flowstream.tokens VALUES ('USDC', 6), ('ETH', 18);
CREATE ROLE acme;  CREATE ROLE ana;  CREATE ROLE bo;
GRANT acme, ana, bo TO postgres;

\echo '--- 2026-01-01: acme starts paying ana 3000 USDC a month and bo 0.5 ETH a week'
SET flowstream.clock = '2026-01-01 00:00:00+00';
SET ROLE acme;
SELECT flowstream.create_stream('acme', 'ana', 'USDC', flowstream.rate(3000, '1 month'), deposit => 5000) AS payroll,
       flowstream.create_stream('acme', 'bo', 'ETH', flowstream.rate(0.5, '7 days')) AS grant_id;

\echo '--- 2026-01-31 00:00 (30 days later): what is owed'
RESET ROLE; SET flowstream.clock = '2026-01-31 00:00:00+00';
SELECT id, recipient, token, rate_per_second, balance, total_debt, covered_debt,
       uncovered_debt, status, depletion_time
FROM (SELECT s.id, s.recipient, s.token, flowstream.rate_per_second(s.state) AS rate_per_second,
             flowstream.balance(s.state) AS balance, flowstream.total_debt(s.state) AS total_debt,
             flowstream.covered_debt(s.state) AS covered_debt,
             flowstream.uncovered_debt(s.state) AS uncovered_debt,
             flowstream.status(s.state) AS status, flowstream.depletion_time(s.state) AS depletion_time
      FROM flowstream.streams s ORDER BY s.id) v;

\echo '--- ana withdraws everything; acme tops up bo''s grant and pauses it'
SET ROLE ana;  SELECT flowstream.withdraw_max(1) AS ana_received;
SET ROLE acme; SELECT flowstream.deposit(2, 3), flowstream.pause(2);

\echo '--- 2026-03-01: ana''s stream ran dry on the way; acme voids it and writes off the rest'
RESET ROLE; SET flowstream.clock = '2026-03-01 00:00:00+00';
SELECT id, flowstream.total_debt(state), flowstream.covered_debt(state),
       flowstream.uncovered_debt(state), flowstream.status(state)
FROM flowstream.streams ORDER BY id;
SET ROLE acme; SELECT flowstream.void(1) AS written_off;

\echo '--- the sweeper: bo''s grant may stay insolvent 1 day; pg_cron runs void_insolvent() every minute'
RESET ROLE;
SET ROLE acme; SELECT flowstream.restart(2, flowstream.rate(0.5, '7 days')), flowstream.set_void_after(2, '1 day');
RESET ROLE;
CREATE EXTENSION pg_cron;
SELECT flowstream.schedule_sweeper() AS job;
SELECT jobname, schedule, command FROM cron.job;
SET flowstream.clock = '2026-04-01 00:00:00+00';
SELECT id, flowstream.status(state), flowstream.depletion_time(state), due_at FROM flowstream.streams WHERE id = 2;
SELECT flowstream.void_insolvent() AS voided_now;   -- what the job does each minute, here at the test clock

\echo '--- the history of stream 1, and verify() (no rows: every invariant holds)'
RESET ROLE;
SELECT id, op, actor, amount, destination, at FROM flowstream.events WHERE stream_id = 1 ORDER BY id;
SELECT * FROM flowstream.verify();
