--
-- examples: worked examples a user can check by hand.  The comment above
-- each query gives the hand computation; the output must agree with it.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

--
-- 1. A grant: 0.001 token/s of a 6-decimal token (1 base unit per
--    millisecond), starting 2026-01-01 00:00:00, nothing deposited until
--    50,000 tokens 30 days later.
--
--    debt after 30 days = 30 * 86400 s * 0.001 = 2592 tokens, exactly
--    before the deposit the stream owes 2592 with nothing to cover it
--    after: covered 2592, refundable 50000 - 2592 = 47408
--    depletion: the first uncovered base unit is the 50,000,000,001st, owed
--    after 50,000.000001 / 0.001 = 50,000,000.001 s
--      = 578 days 16:53:20.001 after 2026-01-01 = 2027-08-02 16:53:20.001
--
CREATE TEMP TABLE grant_stream AS
SELECT flowstream.stream(0.001, 6, '2026-01-01 00:00:00Z', '2026-01-01 00:00:00Z') AS s;
SELECT flowstream.status(s, '2026-01-31Z') AS before_deposit,
       flowstream.total_debt(s, '2026-01-31Z'), flowstream.uncovered_debt(s, '2026-01-31Z')
FROM grant_stream;
UPDATE grant_stream SET s = flowstream.deposit(s, 50000, '2026-01-31 00:00:00Z');
SELECT flowstream.total_debt(s, '2026-01-31Z'), flowstream.covered_debt(s, '2026-01-31Z'),
       flowstream.refundable(s, '2026-01-31Z'), flowstream.status(s, '2026-01-31Z'),
       flowstream.depletion_time(s),
       flowstream.depletion_time(s) - '2026-01-01Z' AS after_start
FROM grant_stream;
--    one microsecond before the depletion time: 50,000,000.000999 s * 1000
--    units/s = 50,000,000,000.999 units, floor 50,000,000,000 = the balance
SELECT flowstream.total_debt(s, '2027-08-02 16:53:20.000999Z') AS debt_1us_before,
       flowstream.status(s, '2027-08-02 16:53:20.000999Z') AS status_1us_before,
       flowstream.total_debt(s, '2027-08-02 16:53:20.001Z') AS debt_at_depletion,
       flowstream.uncovered_debt(s, '2027-08-02 16:53:20.001Z') AS uncovered_at_depletion
FROM grant_stream;
--    the recipient withdraws the 2592 at once; the depletion time does not
--    move (debt and balance both drop by 2592): balance 47408, debt 0
UPDATE grant_stream SET s = flowstream.withdraw(s, 2592, '2026-01-31 00:00:00Z');
SELECT flowstream.balance(s), flowstream.total_debt(s, '2026-01-31Z'), flowstream.depletion_time(s)
FROM grant_stream;

--
-- 2. Monthly payroll: 3000 tokens a month (6 decimals).  A month is 365/12
--    days = 2,628,000 s, so the rate is 3000 / 2628000 = 0.00114155251141552511..
--    floored to 18 decimals: 0.001141552511415525.
--    Over one such month: 0.001141552511415525 * 2628000 = 2999.9999999999997,
--    shown to the base unit (floor): 2999.999999 -- one base unit short of
--    3000, the documented cost of flooring the rate.  Over a 31-day January:
--    0.001141552511415525 * 2678400 = 3057.53424657534216.. -> 3057.534246.
--    Over 12 months (365 days): 35999.9999999999964 -> 35999.999999.
--
SELECT flowstream.rate(3000, '1 month') AS rate_per_second;
SELECT flowstream.total_debt(s, '2026-01-31 10:00:00Z') AS one_month_of_365_12_days,
       flowstream.total_debt(s, '2026-02-01 00:00:00Z') AS january,
       flowstream.total_debt(s, '2027-01-01 00:00:00Z') AS one_year
FROM (SELECT flowstream.stream(flowstream.rate(3000, '1 month'), 6, '2026-01-01Z', '2026-01-01Z') AS s) v;
--    with 10 months of salary deposited (30,000) and the month's pay
--    withdrawn on 2026-01-31 10:00, the refundable balance is
--    30000 - 2999.999999 = 27000.000001
SELECT flowstream.balance(w), flowstream.refundable(w, '2026-01-31 10:00:00Z'),
       flowstream.snapshot_debt(w) AS remainder_kept
FROM (SELECT flowstream.withdraw(flowstream.deposit(
          flowstream.stream(flowstream.rate(3000, '1 month'), 6, '2026-01-01Z', '2026-01-01Z'),
          30000, '2026-01-01Z'), 2999.999999, '2026-01-31 10:00:00Z') AS w) v;
--    the remainder kept: 2999.9999999999997 - 2999.999999 = 0.0000009999997

--
-- 3. Pause and restart: 1 token/s (0 decimals) from 00:00:00 with 1000 deposited.
--    paused at 00:01:40 -> debt 100; restarted at 01:00:00 at 2 token/s;
--    at 01:01:40 the debt is 100 + 2 * 100 = 300: the 3500 paused seconds
--    are not charged (at 1 token/s they would have been another 3500).
--
SELECT what, flowstream.total_debt(s, t) AS debt, flowstream.status(s, t)
FROM (
  SELECT 1 AS n, 'before the pause' AS what, s, '2026-01-01 00:01:40Z'::timestamptz AS t
  FROM (SELECT flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 1000, '2026-01-01Z') AS s) a
  UNION ALL
  SELECT 2, 'paused, an hour later', p, '2026-01-01 01:00:00Z'
  FROM (SELECT flowstream.pause(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 1000, '2026-01-01Z'),
                                '2026-01-01 00:01:40Z') AS p) b
  UNION ALL
  SELECT 3, 'restarted, 100 s later', flowstream.restart(p, 2, '2026-01-01 01:00:00Z'), '2026-01-01 01:01:40Z'
  FROM (SELECT flowstream.pause(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 1000, '2026-01-01Z'),
                                '2026-01-01 00:01:40Z') AS p) c
) v ORDER BY n;
--    after the restart the depletion time counts from 01:00:00:
--    (1000 + 1 - 100) / 2 = 450.5 s -> 01:07:30.5
SELECT flowstream.depletion_time(flowstream.restart(flowstream.pause(
         flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 1000, '2026-01-01Z'),
         '2026-01-01 00:01:40Z'), 2, '2026-01-01 01:00:00Z'));

--
-- 4. The sub-unit remainder stays with the stream.
--
--    a) 0.4 token/s of a 0-decimal token (not a whole number of base units a
--    second).  At 3 s the debt is floor(1.2) = 1; the recipient withdraws 1
--    and 0.2 stays in the snapshot.  At 5.5 s: floor(0.2 + 0.4 * 2.5) = 1,
--    withdrawn again, 0.2 stays.  At 10 s: floor(0.2 + 0.4 * 4.5) = 2, and
--    withdrawn + owed = 1 + 1 + 2 = 4 = 0.4 * 10: nothing lost.  (Dropping the
--    remainder at each withdrawal would leave floor(0.4 * 4.5) = 1 at 10 s:
--    one token lost.)
--
CREATE TEMP TABLE x0 AS
SELECT w1, flowstream.withdraw(w1, 1, '2026-01-01 00:00:05.5Z') AS w2
FROM (SELECT flowstream.withdraw(flowstream.deposit(flowstream.stream(0.4, 0, '2026-01-01Z', '2026-01-01Z'), 100, '2026-01-01Z'),
                                 1, '2026-01-01 00:00:03Z') AS w1) v;
SELECT what, flowstream.snapshot_debt(s) AS sd, flowstream.total_debt(s, t) AS owed, flowstream.balance(s)
FROM (
  SELECT 1 AS n, 'withdrew 1 at 3 s' AS what, w1 AS s, '2026-01-01 00:00:03Z'::timestamptz AS t FROM x0
  UNION ALL
  SELECT 2, 'withdrew 1 at 5.5 s', w2, '2026-01-01 00:00:05.5Z' FROM x0
  UNION ALL
  SELECT 3, 'at 10 s', w2, '2026-01-01 00:00:10Z' FROM x0
) v ORDER BY n;
--
--    b) the same rate of an 18-decimal token is 4 * 10^17 base units a
--    second, a whole number: the debt at 3 s is exactly 1.2, after the
--    withdrawal of 1 the snapshot holds 0.2, the debt at 10 s is
--    0.2 + 0.4 * 7 = 3, and 1 + 3 = 4.
--
SELECT flowstream.snapshot_debt(w) AS sd, flowstream.total_debt(w, '2026-01-01 00:00:10Z') AS owed_at_10s
FROM (SELECT flowstream.withdraw(flowstream.deposit(flowstream.stream(0.4, 18, '2026-01-01Z', '2026-01-01Z'), 100, '2026-01-01Z'),
                                 1, '2026-01-01 00:00:03Z') AS w) v;
--
--    c) at 18 decimals the remainder is below a base unit per microsecond:
--    1e-18 token/s is one base unit a second; at 1.5 s the debt is 1 unit
--    and 0.5 unit is kept (0.0000000000000000005 tokens); at 2 s the debt
--    is floor(0.5 + 0.5) = 1 unit, and 1 + 1 = 2 units = 2 s of accrual.
--
SELECT flowstream.snapshot_debt(w) AS sd, flowstream.snapshot_time(w),
       flowstream.total_debt(w, '2026-01-01 00:00:02Z') AS owed_at_2s
FROM (SELECT flowstream.withdraw(flowstream.deposit(flowstream.stream(0.000000000000000001, 18, '2026-01-01Z', '2026-01-01Z'),
                                                    1, '2026-01-01Z'),
                                 0.000000000000000001, '2026-01-01 00:00:01.5Z') AS w) v;

--
-- 5. Voiding.
--
--    a) insolvent: 1 token/s (0 decimals), 50 deposited, voided at 80 s.
--    The debt is 80, the balance covers 50: the 30 uncovered are forfeited.
--    After the void: debt 50 = covered, uncovered 0, refundable 0, rate 0;
--    a day later nothing more is owed; the recipient withdraws the 50.
--
CREATE TEMP TABLE v1 AS
SELECT flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 50, '2026-01-01Z') AS s;
SELECT flowstream.total_debt(s, '2026-01-01 00:01:20Z') AS debt_before, flowstream.uncovered_debt(s, '2026-01-01 00:01:20Z') AS forfeited
FROM v1;
UPDATE v1 SET s = flowstream.void(s, '2026-01-01 00:01:20Z');
SELECT s, flowstream.total_debt(s, '2026-01-02Z'), flowstream.covered_debt(s, '2026-01-02Z'),
       flowstream.uncovered_debt(s, '2026-01-02Z'), flowstream.refundable(s, '2026-01-02Z'),
       flowstream.status(s, '2026-01-02Z'), flowstream.depletion_time(s)
FROM v1;
SELECT flowstream.withdraw(s, 50, '2026-01-02Z') FROM v1;
--
--    b) solvent: 100 deposited, voided at 80 s: the debt 80 stays owed to the
--    recipient, the sender takes back the 20.
--
SELECT flowstream.balance(r), flowstream.total_debt(r, '2026-01-02Z'), flowstream.refundable(r, '2026-01-02Z')
FROM (SELECT flowstream.refund(flowstream.void(flowstream.deposit(
          flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 100, '2026-01-01Z'),
          '2026-01-01 00:01:20Z'), 20, '2026-01-02Z') AS r) v;

--
-- 6. A stream that starts in the future: created 2026-01-01, starting
--    2026-01-10, 0.01 token/s of a 2-decimal token (cents), 1.00 deposited.
--    Until the start it is pending and owes nothing.  On 2026-01-05 the
--    rate goes to 0.02: it stays pending, the start stays 2026-01-10.
--    100 s after the start the debt is 0.02 * 100 = 2.00, of which 1.00 is
--    covered; the depletion time is 2026-01-10 + (1.00 + 0.01) / 0.02 s
--    = 2026-01-10 00:00:50.5.
--
CREATE TEMP TABLE p1 AS
SELECT flowstream.deposit(flowstream.stream(0.01, 2, '2026-01-10Z', '2026-01-01Z'), 1, '2026-01-01Z') AS s;
SELECT flowstream.status(s, '2026-01-05Z'), flowstream.total_debt(s, '2026-01-05Z'),
       flowstream.refundable(s, '2026-01-05Z'), flowstream.depletion_time(s)
FROM p1;
UPDATE p1 SET s = flowstream.adjust_rate(s, 0.02, '2026-01-05Z');
SELECT s, flowstream.status(s, '2026-01-05Z'), flowstream.depletion_time(s) FROM p1;
SELECT t, flowstream.status(s, t), flowstream.total_debt(s, t), flowstream.covered_debt(s, t),
       flowstream.uncovered_debt(s, t)
FROM p1, unnest(ARRAY['2026-01-09 23:59:59.999999Z', '2026-01-10 00:00:00Z', '2026-01-10 00:00:50.499999Z',
                      '2026-01-10 00:00:50.5Z', '2026-01-10 00:01:40Z']::timestamptz[]) t;
--    a pending stream cannot be paused (SF005) or withdrawn from (SF006)
SELECT flowstream.pause(s, '2026-01-05Z') FROM p1;
SELECT flowstream.withdraw(s, 0.01, '2026-01-05Z') FROM p1;

--
-- 7. A dashboard at the test clock: the views without a time read
--    flowstream.now().  At 2026-01-31 00:00:00 the grant of example 1 has
--    a debt of 0 (withdrawn at that instant) and the payroll of example 2
--    a debt of 30 days * 86400 * 0.001141552511415525 = 2958.904109589040800
--    -> 2958.904109.
--
SET flowstream.clock = '2026-01-31 00:00:00+00';
SELECT name, flowstream.total_debt(s), flowstream.withdrawable(s), flowstream.refundable(s), flowstream.status(s)
FROM (SELECT 'grant' AS name, s FROM grant_stream
      UNION ALL
      SELECT 'payroll', flowstream.deposit(flowstream.stream(flowstream.rate(3000, '1 month'), 6, '2026-01-01Z', '2026-01-01Z'),
                                           30000, '2026-01-01Z')) v
ORDER BY name;
RESET flowstream.clock;
