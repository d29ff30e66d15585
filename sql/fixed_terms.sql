--
-- fixed_terms: the type's functions of SPEC 7 — a stream with an end time
-- (flowstream.stream(rate, decimals, start, at, end_time), end_time()),
-- what accrues around its end at 0, 6 and 18 decimals, its statuses
-- (ended_solvent, ended_insolvent) and depletion time, the transitions
-- after the end (SF012), set_terms() (an agreed update: a rate and an end,
-- with its snapshot; a paused stream restarts) and fixed_rate().
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- try(q): q's one value as text, or its error's SQLSTATE and message
CREATE FUNCTION pg_temp.try(q text, OUT state text, OUT result text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q INTO result;
    state := 'ok';
    result := coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, result = MESSAGE_TEXT;
END $$;

--
-- construction: an end after the start; end_time(); the text form
--
SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z');
SELECT flowstream.end_time(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z')) AS with_end,
       flowstream.end_time(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z')) AS without_end;
SELECT s::text::flowstream.stream OPERATOR(flowstream.=) s AS round_trips,
       s OPERATOR(flowstream.=) flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-30Z') AS equal_to_other_end,
       s OPERATOR(flowstream.=) flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z') AS equal_to_no_end
FROM (SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z') AS s) x;
SELECT '(decimals=6,rate_per_second=0.001,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,end_time=2026-01-31T00:00:00Z,voided=false)'::flowstream.stream;
-- the end must come after the start (it may lie before "at", for a start in the past)
SELECT q, (pg_temp.try(q)).* FROM (VALUES
  ($$SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-01Z')$$),
  ($$SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2025-12-31 23:59:59.999999Z')$$),
  ($$SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-01 00:00:00.000001Z')$$),
  ($$SELECT flowstream.stream(0.001, 6, '2026-02-01Z', '2026-01-01Z', '2026-02-01Z')$$),
  ($$SELECT flowstream.status(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-10Z', '2026-01-05Z'), '2026-01-10Z')$$),
  ($$SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', 'infinity')$$),
  ($$SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '-infinity')$$),
  ($$SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', NULL)$$),
  ($$SELECT flowstream.stream(0, 6, '2026-01-01Z', '2026-01-02Z', '2026-01-03Z')$$)
) v(q);

--
-- around the end, at 0, 6 and 18 decimals: 1 token/s from 00:00 to 00:16:40
-- (1000 s), 1000 deposited, then 999 deposited (insolvent at the end)
--
CREATE TEMP TABLE e (dec int, s flowstream.stream, poor flowstream.stream);
INSERT INTO e
SELECT d, flowstream.deposit(x, 1000, '2026-01-01Z'), flowstream.deposit(x, 999, '2026-01-01Z')
FROM unnest(ARRAY[0, 6, 18]) d,
     LATERAL (SELECT flowstream.stream(1, d, '2026-01-01Z', '2026-01-01Z', '2026-01-01 00:16:40Z') AS x) y;
SELECT dec, t, flowstream.total_debt(s, t), flowstream.ongoing_debt(s, t), flowstream.status(s, t),
       flowstream.withdrawable(s, t), flowstream.refundable(s, t)
FROM e, unnest(ARRAY['2026-01-01 00:16:39.999999Z', '2026-01-01 00:16:40Z',
                     '2026-01-01 00:16:40.000001Z', '2027-01-01Z']::timestamptz[]) t
ORDER BY dec, t;
SELECT dec, t, flowstream.total_debt(poor, t), flowstream.uncovered_debt(poor, t), flowstream.status(poor, t)
FROM e, unnest(ARRAY['2026-01-01 00:16:38.999999Z', '2026-01-01 00:16:39Z', '2026-01-01 00:16:40Z',
                     '2027-01-01Z']::timestamptz[]) t
ORDER BY dec, t;
-- the depletion time respects the end: 1000 deposited cover the end (never);
-- 999 run out at the end; 998 a second before
SELECT dec, flowstream.depletion_time(s) AS covered, flowstream.depletion_time(poor) AS at_the_end,
       flowstream.depletion_time(flowstream.refund(poor, 1, '2026-01-01Z')) AS before_the_end,
       flowstream.due_time(s, '1 day') AS due_covered, flowstream.due_time(poor, '1 day') AS due_poor
FROM e ORDER BY dec;
-- a rate far beyond: without an end it would deplete after timestamptz's end (infinity); with one, never
SELECT flowstream.depletion_time(flowstream.deposit(flowstream.stream(0.000000000000000001, 0, '2026-01-01Z', '2026-01-01Z'), 1, '2026-01-01Z')) AS no_end,
       flowstream.depletion_time(flowstream.deposit(flowstream.stream(0.000000000000000001, 0, '2026-01-01Z', '2026-01-01Z', '2100-01-01Z'), 1, '2026-01-01Z')) AS with_end;

--
-- transitions after the end: SF012 for pause, restart, adjust_rate and
-- set_terms; the money moves as ever; a void keeps what accrued to the end
--
SELECT op, (pg_temp.try(q)).* FROM (VALUES
  ('pause', $$SELECT flowstream.pause(s, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('pause at the end', $$SELECT flowstream.pause(s, '2026-01-01 00:16:40Z') FROM e WHERE dec = 6$$),
  ('pause 1 us before', $$SELECT flowstream.status(flowstream.pause(s, '2026-01-01 00:16:39.999999Z'), '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('adjust_rate', $$SELECT flowstream.adjust_rate(s, 2, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('restart', $$SELECT flowstream.restart(flowstream.pause(s, '2026-01-01 00:10:00Z'), 2, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('restart, not paused', $$SELECT flowstream.restart(s, 2, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('set_terms', $$SELECT flowstream.set_terms(s, 1, '2026-02-01Z', '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('set_terms, no end', $$SELECT flowstream.set_terms(s, 1, NULL, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('deposit', $$SELECT flowstream.balance(flowstream.deposit(s, 5, '2026-01-02Z')) FROM e WHERE dec = 6$$),
  ('withdraw all', $$SELECT flowstream.balance(flowstream.withdraw(s, 1000, '2026-01-02Z')) FROM e WHERE dec = 6$$),
  ('withdraw more', $$SELECT flowstream.withdraw(s, 1000.000001, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('refund', $$SELECT flowstream.refund(s, 0.000001, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('refund of the poor', $$SELECT flowstream.refund(poor, 0.000001, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('void', $$SELECT flowstream.void(s, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('void of the poor', $$SELECT flowstream.void(poor, '2026-01-02Z') FROM e WHERE dec = 6$$),
  ('status after a void', $$SELECT flowstream.status(flowstream.void(poor, '2026-01-02Z'), '2026-01-03Z') FROM e WHERE dec = 6$$)
) v(op, q);
-- a withdrawal after the end snapshots beyond it: nothing more accrues
SELECT flowstream.withdraw(s, 400, '2026-01-02Z') AS w, flowstream.total_debt(flowstream.withdraw(s, 400, '2026-01-02Z'), '2026-06-01Z')
FROM e WHERE dec = 6;

--
-- set_terms: an agreed update, applied as adjust_rate applies a rate
--
-- 0.001/s from 2026-01-01 to 2026-01-31, 10000 deposited; at 2026-01-11
-- (864 owed) the terms become 0.002/s until 2026-02-10
CREATE TEMP TABLE agreed AS
SELECT flowstream.set_terms(flowstream.deposit(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z'), 10000, '2026-01-01Z'),
    0.002, '2026-02-10Z', '2026-01-11Z') AS s;
SELECT s AS agreed FROM agreed;
SELECT flowstream.total_debt(s, '2026-01-31Z') AS owed_at_the_old_end,
       flowstream.total_debt(s, '2026-02-10Z') AS owed_at_the_new_end,
       flowstream.status(s, '2026-02-10Z') AS status_at_the_new_end
FROM agreed;
-- no end any more
SELECT flowstream.end_time(flowstream.set_terms(s, 0.002, NULL, '2026-01-12Z')) AS no_end,
       flowstream.total_debt(flowstream.set_terms(s, 0.002, NULL, '2026-01-12Z'), '2026-03-01Z') AS owed_later
FROM agreed;
-- the same rate with another end is a change; the same terms are not (SF008)
SELECT q, (pg_temp.try(q)).* FROM (VALUES
  ($$SELECT flowstream.end_time(flowstream.set_terms((SELECT s FROM agreed), 0.002, '2026-02-11Z', '2026-01-12Z'))$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.002, '2026-02-10Z', '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, '2026-01-12Z', '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, '2026-01-11 23:59:59.999999Z', '2026-01-12Z')$$),
  ($$SELECT flowstream.end_time(flowstream.set_terms((SELECT s FROM agreed), 0.003, '2026-01-12 00:00:00.000001Z', '2026-01-12Z'))$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0, NULL, '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), -0.001, NULL, '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.0000000000000000001, NULL, '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 'NaN', NULL, '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, 'infinity', '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, NULL, '2026-01-10Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, NULL, 'infinity')$$),
  ($$SELECT flowstream.set_terms(flowstream.void((SELECT s FROM agreed), '2026-01-12Z'), 0.003, NULL, '2026-01-13Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, NULL, '2026-02-10Z')$$),
  ($$SELECT flowstream.set_terms(NULL, 0.003, NULL, '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), NULL, NULL, '2026-01-12Z')$$),
  ($$SELECT flowstream.set_terms((SELECT s FROM agreed), 0.003, NULL, NULL)$$)
) v(q);
-- a paused stream restarts with the new terms; the paused time is never charged
SELECT r AS restarted, flowstream.status(r, '2026-01-27Z'), flowstream.total_debt(r, '2026-02-10Z') AS owed_at_the_end
FROM (SELECT flowstream.set_terms(flowstream.pause(s, '2026-01-21Z'), 0.001, '2026-02-10Z', '2026-01-26Z') AS r FROM agreed) x;
-- a pending stream keeps its start; its end must come after the start
SELECT flowstream.set_terms(flowstream.stream(0.001, 6, '2026-03-01Z', '2026-01-01Z', '2026-04-01Z'), 0.002, '2026-03-15Z', '2026-01-02Z');
SELECT q, (pg_temp.try(q)).* FROM (VALUES
  ($$SELECT flowstream.set_terms(flowstream.stream(0.001, 6, '2026-03-01Z', '2026-01-01Z', '2026-04-01Z'), 0.002, '2026-03-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.set_terms(flowstream.stream(0.001, 6, '2026-03-01Z', '2026-01-01Z', '2026-04-01Z'), 0.002, '2026-02-01Z', '2026-01-02Z')$$)
) v(q);
-- a stream without an end gets one
SELECT flowstream.set_terms(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'), 0.001, '2026-02-01Z', '2026-01-11Z');

--
-- fixed_rate(total, decimals, start, end): total / (end - start), floored to 18 decimals
--
SELECT dec, total, seconds, flowstream.fixed_rate(total, dec, '2026-01-01Z', '2026-01-01Z'::timestamptz + seconds * interval '1 second') AS rate
FROM (VALUES (0, 1000, 1000), (6, 1000, 1000), (18, 1000, 1000),
             (0, 1000, 3000), (6, 1000, 3000), (18, 1000, 3000),
             (6, 3000, 2592000), (0, 1, 86400), (18, 0.000000000000000001, 1),
             (6, 0.000001, 0.000001), (18, 170141183460469231731.687303715884105727, 1)) v(dec, total, seconds);
SELECT q, (pg_temp.try(q)).* FROM (VALUES
  ($$SELECT flowstream.fixed_rate(1000, 6, '2026-01-02Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(1000, 6, '2026-01-02Z', '2026-01-01Z')$$),
  ($$SELECT flowstream.fixed_rate(0, 6, '2026-01-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(-1, 6, '2026-01-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(1.0000001, 6, '2026-01-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate('NaN', 6, '2026-01-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(0.000000000000000001, 18, '2026-01-01Z', '2026-01-01 00:00:02Z')$$),
  ($$SELECT flowstream.fixed_rate(1, 19, '2026-01-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(1, -1, '2026-01-01Z', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(1, 6, '-infinity', '2026-01-02Z')$$),
  ($$SELECT flowstream.fixed_rate(1, 6, '2026-01-01Z', 'infinity')$$),
  ($$SELECT flowstream.fixed_rate(100000000000000000000, 0, '2026-01-01Z', '2026-01-01 00:00:00.000001Z')$$),
  ($$SELECT flowstream.fixed_rate(170141183460469231731687303715884105728, 0, '2026-01-01Z', '2027-01-01Z')$$),
  ($$SELECT flowstream.fixed_rate(1, 6, '2026-01-01Z', NULL)$$)
) v(q);
-- a fixed stream built from the type's functions pays its total but for the dust
SELECT dec, flowstream.withdrawable(s, '2026-02-01Z') AS withdrawable, flowstream.refundable(s, '2026-02-01Z') AS dust
FROM unnest(ARRAY[0, 6, 18]) dec,
     LATERAL (SELECT flowstream.deposit(flowstream.stream(flowstream.fixed_rate(1000, dec, '2026-01-01Z', '2026-01-01 00:50:00Z'),
                 dec, '2026-01-01Z', '2026-01-01Z', '2026-01-01 00:50:00Z'), 1000, '2026-01-01Z') AS s) x
ORDER BY dec;
