--
-- transitions: every operation in every status (SPEC 1's table), what each
-- one does to the state, operations at the same instant, SF010 for a time
-- before the last operation, and the order of errors of SPEC 5 (SF010,
-- then the status errors, then the amount errors).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- try(q): runs q (a query returning one value) and returns that value as
-- text, or the error's SQLSTATE, message and detail.
CREATE FUNCTION pg_temp.try(q text, OUT state text, OUT result text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q INTO result;
    state := 'ok';
    result := coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, result = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL;
    detail := nullif(detail, '');
END $$;

--
-- one stream in each status at T = 2026-01-15 00:00:00, all at 6 decimals
-- and 0.001 token/s (1209.6 tokens of debt from 2026-01-01 to T)
--
CREATE TEMP TABLE fx (name text PRIMARY KEY, s flowstream.stream);
INSERT INTO fx VALUES
 -- created 2026-01-01, starts 2026-02-01, 10 tokens deposited
 ('pending', flowstream.deposit(flowstream.stream(0.001, 6, '2026-02-01Z', '2026-01-01Z'), 10, '2026-01-01Z')),
 -- 10000 tokens cover 1209.6
 ('streaming_solvent', flowstream.deposit(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'), 10000, '2026-01-01Z')),
 -- 100 tokens do not
 ('streaming_insolvent', flowstream.deposit(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'), 100, '2026-01-01Z'))
;
INSERT INTO fx
 -- paused on 2026-01-10 with 777.6 tokens of debt
 SELECT 'paused_solvent', flowstream.pause(s, '2026-01-10Z') FROM fx WHERE name = 'streaming_solvent'
 UNION ALL
 SELECT 'paused_insolvent', flowstream.pause(s, '2026-01-10Z') FROM fx WHERE name = 'streaming_insolvent'
 UNION ALL
 -- voided on 2026-01-10: 777.6 of debt kept, 9222.4 refundable
 SELECT 'voided', flowstream.void(s, '2026-01-10Z') FROM fx WHERE name = 'streaming_solvent'
 UNION ALL
 -- voided on 2026-01-10 while insolvent: the debt beyond the 100 tokens is forfeited
 SELECT 'voided_insolvent', flowstream.void(s, '2026-01-10Z') FROM fx WHERE name = 'streaming_insolvent';
SELECT name, flowstream.status(s, '2026-01-15Z'), flowstream.balance(s),
       flowstream.total_debt(s, '2026-01-15Z') AS total, flowstream.covered_debt(s, '2026-01-15Z') AS covered,
       flowstream.uncovered_debt(s, '2026-01-15Z') AS uncovered, flowstream.refundable(s, '2026-01-15Z') AS refundable,
       flowstream.depletion_time(s)
FROM fx ORDER BY flowstream.status(s, '2026-01-15Z'), name;

-- every operation in every status at T, with valid arguments (refund and
-- withdraw 1 base unit).  Expected (SPEC 1):
--                 pending  streaming  paused  voided
--   adjust_rate   ok       ok         SF003   SF003
--   deposit       ok       ok         ok      SF002
--   pause         SF005    ok         SF003   SF003
--   restart       SF004    SF004      ok      SF002
--   refund        ok       ok         ok      ok     (SF007 where nothing is refundable)
--   void          ok       ok         ok      SF002
--   withdraw      SF006    ok         ok      ok
CREATE TEMP TABLE ops (op text, call text);
INSERT INTO ops VALUES
 ('adjust_rate', 'flowstream.adjust_rate(s, 0.002, ''2026-01-15Z'')'),
 ('deposit',     'flowstream.deposit(s, 1, ''2026-01-15Z'')'),
 ('pause',       'flowstream.pause(s, ''2026-01-15Z'')'),
 ('restart',     'flowstream.restart(s, 0.002, ''2026-01-15Z'')'),
 ('refund',      'flowstream.refund(s, 0.000001, ''2026-01-15Z'')'),
 ('void',        'flowstream.void(s, ''2026-01-15Z'')'),
 ('withdraw',    'flowstream.withdraw(s, 0.000001, ''2026-01-15Z'')');
SELECT ops.op,
       max(r.state) FILTER (WHERE fx.name = 'pending') AS pending,
       max(r.state) FILTER (WHERE fx.name = 'streaming_solvent') AS streaming_solvent,
       max(r.state) FILTER (WHERE fx.name = 'streaming_insolvent') AS streaming_insolvent,
       max(r.state) FILTER (WHERE fx.name = 'paused_solvent') AS paused_solvent,
       max(r.state) FILTER (WHERE fx.name = 'paused_insolvent') AS paused_insolvent,
       max(r.state) FILTER (WHERE fx.name = 'voided') AS voided,
       max(r.state) FILTER (WHERE fx.name = 'voided_insolvent') AS voided_insolvent
FROM ops, fx, LATERAL pg_temp.try(format('SELECT %s FROM fx WHERE name = %L', ops.call, fx.name)) r
GROUP BY ops.op ORDER BY ops.op;
-- the messages
SELECT ops.op, fx.name, r.result, r.detail
FROM ops, fx, LATERAL pg_temp.try(format('SELECT %s FROM fx WHERE name = %L', ops.call, fx.name)) r
WHERE r.state <> 'ok' ORDER BY ops.op, fx.name;
-- and the statuses after each successful operation
SELECT ops.op, fx.name AS before, flowstream.status(r.result::flowstream.stream, '2026-01-15Z') AS after
FROM ops, fx, LATERAL pg_temp.try(format('SELECT %s FROM fx WHERE name = %L', ops.call, fx.name)) r
WHERE r.state = 'ok' ORDER BY ops.op, fx.name;

--
-- what each operation does, step by step (6 decimals; 0.001 token/s is one
-- base unit per millisecond)
--
CREATE TEMP TABLE steps (n int PRIMARY KEY, what text, s flowstream.stream);
-- 1. created at 00:00:00 accruing from then, 100 tokens deposited at once
INSERT INTO steps SELECT 1, 'create + deposit 100',
  flowstream.deposit(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'), 100, '2026-01-01Z');
-- 2. at 00:01:40 (100 s): debt 0.1; withdraw 0.05 > snapshot debt 0, so
--    sd = 0 + 0.1 - 0.05 = 0.05 and st = 00:01:40; balance 99.95
INSERT INTO steps SELECT 2, 'withdraw 0.05 at 100 s', flowstream.withdraw(s, 0.05, '2026-01-01 00:01:40Z') FROM steps WHERE n = 1;
-- 3. same instant: withdraw 0.02 <= sd 0.05: sd = 0.03, st unchanged; balance 99.93
INSERT INTO steps SELECT 3, 'withdraw 0.02 at 100 s', flowstream.withdraw(s, 0.02, '2026-01-01 00:01:40Z') FROM steps WHERE n = 2;
-- 4. pause at 00:03:20: sd = 0.03 + 0.001 * 100 = 0.13, st = 00:03:20, rate 0
INSERT INTO steps SELECT 4, 'pause at 200 s', flowstream.pause(s, '2026-01-01 00:03:20Z') FROM steps WHERE n = 3;
-- 5. restart at 0.002 at 00:20:00: st = 00:20:00, sd still 0.13 (the 1000
--    paused seconds are not charged)
INSERT INTO steps SELECT 5, 'restart 0.002 at 1200 s', flowstream.restart(s, 0.002, '2026-01-01 00:20:00Z') FROM steps WHERE n = 4;
-- 6. adjust to 0.0005 at 00:21:40: sd = 0.13 + 0.002 * 100 = 0.33, st = 00:21:40
INSERT INTO steps SELECT 6, 'adjust_rate 0.0005 at 1300 s', flowstream.adjust_rate(s, 0.0005, '2026-01-01 00:21:40Z') FROM steps WHERE n = 5;
-- 7. withdraw all 0.33 (= sd): sd = 0; balance 99.93 - 0.33 = 99.6
INSERT INTO steps SELECT 7, 'withdraw 0.33 at 1300 s', flowstream.withdraw(s, 0.33, '2026-01-01 00:21:40Z') FROM steps WHERE n = 6;
-- 8. refund 99: nothing owed, so 99.6 is refundable; balance 0.6
INSERT INTO steps SELECT 8, 'refund 99 at 1300 s', flowstream.refund(s, 99, '2026-01-01 00:21:40Z') FROM steps WHERE n = 7;
-- 9. deposit 0.000001 at 00:30:00 (the snapshot does not move)
INSERT INTO steps SELECT 9, 'deposit 0.000001 at 1800 s', flowstream.deposit(s, 0.000001, '2026-01-01 00:30:00Z') FROM steps WHERE n = 8;
-- 10. void at 00:50:00: debt 0.0005 * 1700 = 0.85 > balance 0.600001, so
--     sd = 0.600001 (0.249999 forfeited), st = 00:50:00, rate 0
INSERT INTO steps SELECT 10, 'void at 3000 s', flowstream.void(s, '2026-01-01 00:50:00Z') FROM steps WHERE n = 9;
-- 11. the recipient withdraws what the void left: balance 0, sd 0
INSERT INTO steps SELECT 11, 'withdraw 0.600001 at 3000 s', flowstream.withdraw(s, 0.600001, '2026-01-01 00:50:00Z') FROM steps WHERE n = 10;
SELECT n, what, s FROM steps ORDER BY n;
SELECT n, flowstream.balance(s), flowstream.snapshot_debt(s) AS sd, flowstream.snapshot_time(s)::time AS st,
       flowstream.rate_per_second(s) AS rate, flowstream.last_op(s)::time AS last_op,
       flowstream.total_debt(s, flowstream.last_op(s)) AS total, flowstream.refundable(s, flowstream.last_op(s)) AS refundable,
       flowstream.status(s, flowstream.last_op(s)), flowstream.depletion_time(s)::time AS depletion
FROM steps ORDER BY n;
-- between the steps: the debt 0.85 owed at 00:50:00 before the void, and
-- the depletion time after step 9, 0.600002 / 0.0005 = 1200.004 s after 00:21:40
SELECT flowstream.total_debt(s, '2026-01-01 00:50:00Z') AS debt_before_void,
       flowstream.uncovered_debt(s, '2026-01-01 00:50:00Z') AS forfeited_by_void,
       flowstream.status(s, '2026-01-01 00:41:40.003999Z') AS at_depletion_minus_1us,
       flowstream.status(s, '2026-01-01 00:41:40.004Z') AS at_depletion
FROM steps WHERE n = 9;

-- a paused_insolvent stream restarts insolvent: its depletion time is st
SELECT s AS restarted, flowstream.status(s, '2026-01-15Z'), flowstream.depletion_time(s),
       flowstream.total_debt(s, '2026-01-16Z') AS total_a_day_later
FROM (SELECT flowstream.restart(s, 0.001, '2026-01-15Z') AS s FROM fx WHERE name = 'paused_insolvent') v;

-- pending: adjust_rate keeps the start and the (zero) debt; nothing accrues
-- before the start; void moves the start back to the time of the void
SELECT what, s, flowstream.status(s, t), flowstream.total_debt(s, t) AS total
FROM (
  SELECT 1 AS n, 'created' AS what, s, '2026-01-15Z'::timestamptz AS t FROM fx WHERE name = 'pending'
  UNION ALL
  SELECT 2, 'adjust_rate 0.002', flowstream.adjust_rate(s, 0.002, '2026-01-15Z'), '2026-01-15Z' FROM fx WHERE name = 'pending'
  UNION ALL
  -- 0.002 * 1 s after the start
  SELECT 3, 'adjusted, 1 s after start', flowstream.adjust_rate(s, 0.002, '2026-01-15Z'), '2026-02-01 00:00:01Z' FROM fx WHERE name = 'pending'
  UNION ALL
  SELECT 4, 'voided', flowstream.void(s, '2026-01-20Z'), '2026-01-20Z' FROM fx WHERE name = 'pending'
  UNION ALL
  SELECT 5, 'voided, after the old start', flowstream.void(s, '2026-01-20Z'), '2026-03-01Z' FROM fx WHERE name = 'pending'
  UNION ALL
  -- at the start itself it is streaming, and may be paused
  SELECT 6, 'paused at the start', flowstream.pause(s, '2026-02-01Z'), '2026-02-01Z' FROM fx WHERE name = 'pending'
) v ORDER BY n;
SELECT flowstream.refundable(s, '2026-01-15Z') AS refundable_while_pending,
       flowstream.balance(flowstream.refund(s, 10, '2026-01-15Z')) AS after_refund_all
FROM fx WHERE name = 'pending';

-- the sub-unit remainder stays in the snapshot: 1.5 base units a second at
-- 6 decimals; at 1 s, 1 unit is withdrawn and 0.5 unit stays in sd; at 2 s
-- the debt is floor(0.5 + 1.5) = 2 units, and 1 + 2 = 3 = floor(1.5 * 2)
SELECT flowstream.snapshot_debt(w) AS sd_after_withdraw, flowstream.snapshot_time(w),
       flowstream.total_debt(w, '2026-01-01 00:00:02Z') AS total_at_2s
FROM (SELECT flowstream.withdraw(flowstream.deposit(flowstream.stream(0.0000015, 6, '2026-01-01Z', '2026-01-01Z'), 1, '2026-01-01Z'),
                                 0.000001, '2026-01-01 00:00:01Z') AS w) v;

--
-- same-instant operations: all allowed at the time of the last operation
--
SELECT s, flowstream.status(s, '2026-01-01Z'), flowstream.total_debt(s, '2026-01-01Z') AS total
FROM (SELECT
  flowstream.restart(flowstream.pause(flowstream.adjust_rate(flowstream.refund(flowstream.deposit(
      flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'),
      10, '2026-01-01Z'), 4, '2026-01-01Z'), 2, '2026-01-01Z'), '2026-01-01Z'), 3, '2026-01-01Z') AS s) v;
-- pause and restart at the same instant charge nothing extra; a stream
-- created and voided at once owes nothing
SELECT flowstream.total_debt(flowstream.restart(flowstream.pause(
           flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), '2026-01-01 00:00:05Z'), 1, '2026-01-01 00:00:05Z'),
       '2026-01-01 00:00:10Z') AS total_at_10s,
       flowstream.void(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), '2026-01-01Z') AS created_and_voided;

--
-- SF010: no operation before the last one (1 us before is refused, the same
-- microsecond is not); it comes before every other error, even on a voided
-- stream with a bad amount
--
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('deposit 1us before',        $q$SELECT flowstream.deposit(s, 1, '2026-01-09 23:59:59.999999Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('deposit same instant',      $q$SELECT flowstream.balance(flowstream.deposit(s, 1, '2026-01-10Z')) FROM fx WHERE name = 'paused_solvent'$q$),
 ('withdraw before',           $q$SELECT flowstream.withdraw(s, 1, '2026-01-09Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('refund before',             $q$SELECT flowstream.refund(s, 1, '2026-01-09Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('pause before (a deposit)',  $q$SELECT flowstream.pause(flowstream.deposit(s, 1, '2026-01-10Z'), '2026-01-09Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('pause at creation',         $q$SELECT flowstream.status(flowstream.pause(s, '2026-01-01Z'), '2026-01-01Z') FROM fx WHERE name = 'streaming_solvent' $q$),
 ('restart before',            $q$SELECT flowstream.restart(s, 1, '2026-01-09Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('adjust_rate before',        $q$SELECT flowstream.adjust_rate(s, 1, '2025-12-31 23:59:59.999999Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('void before',               $q$SELECT flowstream.void(s, '2026-01-09Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('pending, before creation',  $q$SELECT flowstream.deposit(s, 1, '2025-12-31Z') FROM fx WHERE name = 'pending'$q$),
 ('voided, deposit NaN before',       $q$SELECT flowstream.deposit(s, 'NaN', '2026-01-09Z') FROM fx WHERE name = 'voided'$q$),
 ('voided, deposit 1e-7 before',      $q$SELECT flowstream.deposit(s, 0.0000001, '2026-01-09Z') FROM fx WHERE name = 'voided'$q$),
 ('voided, void before',              $q$SELECT flowstream.void(s, '2026-01-09Z') FROM fx WHERE name = 'voided'$q$),
 ('voided, restart 0 before',         $q$SELECT flowstream.restart(s, 0, '2026-01-09Z') FROM fx WHERE name = 'voided'$q$),
 ('voided, withdraw too much before', $q$SELECT flowstream.withdraw(s, 1000000, '2026-01-09Z') FROM fx WHERE name = 'voided'$q$),
 ('paused, pause before',             $q$SELECT flowstream.pause(s, '2026-01-09Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('pending, pause before',            $q$SELECT flowstream.pause(s, '2025-12-31Z') FROM fx WHERE name = 'pending'$q$),
 ('overflowing deposit before',       $q$SELECT flowstream.deposit(s, 1e40, '2026-01-09Z') FROM fx WHERE name = 'paused_solvent'$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;
-- as a user sees it
SELECT flowstream.deposit(s, 1, '2026-01-09 23:59:59.999999Z') FROM fx WHERE name = 'paused_solvent';

--
-- the order of errors (SPEC 5): SF010, then the status errors, then the
-- amount errors (22023 before SF006/SF007/SF008)
--
SELECT c.n, r.state, r.result FROM (VALUES
 -- status before amount
 ('voided: deposit NaN',              $q$SELECT flowstream.deposit(s, 'NaN', '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('voided: deposit -1',               $q$SELECT flowstream.deposit(s, -1, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('voided: deposit 1e-7',             $q$SELECT flowstream.deposit(s, 0.0000001, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('voided: deposit 1e40',             $q$SELECT flowstream.deposit(s, 1e40, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('voided: restart 0',                $q$SELECT flowstream.restart(s, 0, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('voided: adjust_rate NaN',          $q$SELECT flowstream.adjust_rate(s, 'NaN', '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('paused: adjust_rate 0',            $q$SELECT flowstream.adjust_rate(s, 0, '2026-01-15Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('paused: adjust_rate 1e-19',        $q$SELECT flowstream.adjust_rate(s, 0.0000000000000000001, '2026-01-15Z') FROM fx WHERE name = 'paused_solvent'$q$),
 ('streaming: restart -1',            $q$SELECT flowstream.restart(s, -1, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('pending: restart NaN',             $q$SELECT flowstream.restart(s, 'NaN', '2026-01-15Z') FROM fx WHERE name = 'pending'$q$),
 -- no status error for withdraw or refund: the amount is checked
 ('voided: withdraw 1e-7',            $q$SELECT flowstream.withdraw(s, 0.0000001, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('voided: refund 0',                 $q$SELECT flowstream.refund(s, 0, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('pending: withdraw NaN',            $q$SELECT flowstream.withdraw(s, 'NaN', '2026-01-15Z') FROM fx WHERE name = 'pending'$q$),
 ('pending: withdraw 1',              $q$SELECT flowstream.withdraw(s, 1, '2026-01-15Z') FROM fx WHERE name = 'pending'$q$),
 -- 22023 before SF006 / SF007 / SF008
 ('withdraw too much, too precise',   $q$SELECT flowstream.withdraw(s, 1000000.0000001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('withdraw too much',                $q$SELECT flowstream.withdraw(s, 1209.600001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('withdraw all',                     $q$SELECT flowstream.balance(flowstream.withdraw(s, 1209.6, '2026-01-15Z')) FROM fx WHERE name = 'streaming_solvent'$q$),
 ('withdraw > balance (insolvent)',   $q$SELECT flowstream.withdraw(s, 100.000001, '2026-01-15Z') FROM fx WHERE name = 'streaming_insolvent'$q$),
 ('withdraw the balance (insolvent)', $q$SELECT flowstream.balance(flowstream.withdraw(s, 100, '2026-01-15Z')) FROM fx WHERE name = 'streaming_insolvent'$q$),
 ('refund too much, negative',        $q$SELECT flowstream.refund(s, -100000, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('refund too much',                  $q$SELECT flowstream.refund(s, 8790.400001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('refund all',                       $q$SELECT flowstream.balance(flowstream.refund(s, 8790.4, '2026-01-15Z')) FROM fx WHERE name = 'streaming_solvent'$q$),
 ('refund (insolvent)',               $q$SELECT flowstream.refund(s, 0.000001, '2026-01-15Z') FROM fx WHERE name = 'streaming_insolvent'$q$),
 ('refund (voided insolvent)',        $q$SELECT flowstream.refund(s, 0.000001, '2026-01-15Z') FROM fx WHERE name = 'voided_insolvent'$q$),
 ('refund all (voided)',              $q$SELECT flowstream.balance(flowstream.refund(s, 9222.4, '2026-01-15Z')) FROM fx WHERE name = 'voided'$q$),
 ('adjust_rate same rate',            $q$SELECT flowstream.adjust_rate(s, 0.001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('adjust_rate same rate, 0s',        $q$SELECT flowstream.adjust_rate(s, 0.00100000, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('adjust_rate same rate, pending',   $q$SELECT flowstream.adjust_rate(s, 0.001, '2026-01-15Z') FROM fx WHERE name = 'pending'$q$),
 ('adjust_rate 0 (22023 first)',      $q$SELECT flowstream.adjust_rate(s, 0, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent'$q$),
 ('void voided',                      $q$SELECT flowstream.void(s, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('void voided insolvent',            $q$SELECT flowstream.void(s, '2026-01-15Z') FROM fx WHERE name = 'voided_insolvent'$q$),
 ('pause voided',                     $q$SELECT flowstream.pause(s, '2026-01-15Z') FROM fx WHERE name = 'voided'$q$),
 ('pause pending',                    $q$SELECT flowstream.pause(s, '2026-01-15Z') FROM fx WHERE name = 'pending'$q$),
 -- a time that is not a stream time at all
 ('voided: deposit at infinity',      $q$SELECT flowstream.deposit(s, 'NaN', 'infinity') FROM fx WHERE name = 'voided'$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;
-- the messages of SF006 and SF007 give both amounts
SELECT flowstream.withdraw(s, 1209.600001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent';
SELECT flowstream.withdraw(s, 0.000001, '2026-01-15Z') FROM fx WHERE name = 'pending';
SELECT flowstream.refund(s, 8790.400001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent';
SELECT flowstream.pause(s, '2026-01-15Z') FROM fx WHERE name = 'pending';
SELECT flowstream.adjust_rate(s, 0.5, '2026-01-15Z') FROM fx WHERE name = 'voided';
SELECT flowstream.adjust_rate(s, 0.5, '2026-01-15Z') FROM fx WHERE name = 'paused_solvent';
SELECT flowstream.restart(s, 0.5, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent';
SELECT flowstream.restart(s, 0.5, '2026-01-15Z') FROM fx WHERE name = 'voided';
SELECT flowstream.adjust_rate(s, 0.001, '2026-01-15Z') FROM fx WHERE name = 'streaming_solvent';

--
-- nothing returns to pending, the snapshot time never decreases but when a
-- pending stream is voided, and a voided stream stays voided
--
SELECT name, op,
       flowstream.snapshot_time(r.result::flowstream.stream) >= flowstream.snapshot_time(fx.s) AS st_not_decreased,
       flowstream.status(r.result::flowstream.stream, '2026-01-15Z') <> 'pending' OR fx.name = 'pending' AS not_back_to_pending,
       NOT flowstream.is_voided(fx.s) OR flowstream.is_voided(r.result::flowstream.stream) AS stays_voided
FROM ops, fx, LATERAL pg_temp.try(format('SELECT %s FROM fx WHERE name = %L', ops.call, fx.name)) r
WHERE r.state = 'ok'
  AND NOT (flowstream.snapshot_time(r.result::flowstream.stream) >= flowstream.snapshot_time(fx.s)
           AND (flowstream.status(r.result::flowstream.stream, '2026-01-15Z') <> 'pending' OR fx.name = 'pending')
           AND (NOT flowstream.is_voided(fx.s) OR flowstream.is_voided(r.result::flowstream.stream)))
ORDER BY name, op;
