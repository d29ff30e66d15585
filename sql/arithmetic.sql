--
-- arithmetic: the constructor and its argument checks, the views at
-- decimals 0, 6 and 18, depletion times to the microsecond, amounts and
-- rates (precision, NaN, infinity), times out of range, the 2^127-1
-- extremes and overflow (22003), flowstream.rate(), and flowstream.now()
-- with the test clock.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

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
-- the constructor: stream(rate_per_second, decimals, start, at)
--
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('decimals 0',                 $q$SELECT flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z')$q$),
 ('decimals 18',                $q$SELECT flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z')$q$),
 ('decimals -1',                $q$SELECT flowstream.stream(1, -1, '2026-01-01Z', '2026-01-01Z')$q$),
 ('decimals 19',                $q$SELECT flowstream.stream(1, 19, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate negative',              $q$SELECT flowstream.stream(-1, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate -1e-18',                $q$SELECT flowstream.stream(-0.000000000000000001, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate NaN',                   $q$SELECT flowstream.stream('NaN', 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate Infinity',              $q$SELECT flowstream.stream('Infinity', 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate -Infinity',             $q$SELECT flowstream.stream('-Infinity', 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 19 fractional digits',  $q$SELECT flowstream.stream(0.0000000000000000001, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 1.0000000000000000001', $q$SELECT flowstream.stream(1.0000000000000000001, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate, trailing zeros',       $q$SELECT flowstream.stream(0.001000000000000000000000, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 2^127-1 units',         $q$SELECT flowstream.stream(170141183460469231731.687303715884105727, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 2^127 units',           $q$SELECT flowstream.stream(170141183460469231731.687303715884105728, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 1e40',                  $q$SELECT flowstream.stream(1e40, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 0, start before at',    $q$SELECT flowstream.stream(0, 6, '2025-12-01Z', '2026-01-01Z')$q$),
 ('rate 0, start = at',         $q$SELECT flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate -0, start = at',        $q$SELECT flowstream.stream(-0.0, 6, '2026-01-01Z', '2026-01-01Z')$q$),
 ('rate 0, start after at',     $q$SELECT flowstream.stream(0, 6, '2026-01-01 00:00:00.000001Z', '2026-01-01Z')$q$),
 ('start after at',             $q$SELECT flowstream.stream(1, 6, '2027-01-01Z', '2026-01-01Z')$q$),
 ('start infinity',             $q$SELECT flowstream.stream(1, 6, 'infinity', '2026-01-01Z')$q$),
 ('start -infinity',            $q$SELECT flowstream.stream(1, 6, '-infinity', '2026-01-01Z')$q$),
 ('at infinity',                $q$SELECT flowstream.stream(1, 6, '2026-01-01Z', 'infinity')$q$),
 ('start 1 BC',                 $q$SELECT flowstream.stream(1, 6, '0001-12-31 23:59:59.999999+00 BC', '2026-01-01Z')$q$),
 ('start 0001-01-01',           $q$SELECT flowstream.stream(1, 6, '0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00')$q$),
 ('start at the last usec',     $q$SELECT flowstream.stream(1, 6, '294276-12-31 23:59:59.999999+00', '2026-01-01Z')$q$),
 ('time error before decimals', $q$SELECT flowstream.stream('NaN', 19, 'infinity', '2026-01-01Z')$q$),
 ('decimals before rate',       $q$SELECT flowstream.stream('NaN', 19, '2026-01-01Z', '2026-01-01Z')$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;

-- as a plain statement, the error a user sees
SELECT flowstream.stream(0.0000000000000000001, 6, '2026-01-01Z', '2026-01-01Z');
SELECT flowstream.stream(0, 6, '2026-02-01Z', '2026-01-01Z');

-- a stream created with rate 0 starts paused, a future one is pending
SELECT flowstream.status(flowstream.stream(0, 6, '2025-12-01Z', '2026-01-01Z'), '2026-01-01Z') AS rate_0,
       flowstream.status(flowstream.stream(1, 6, '2026-02-01Z', '2026-01-01Z'), '2026-01-01Z') AS future,
       flowstream.status(flowstream.stream(1, 6, '2026-02-01Z', '2026-01-01Z'), '2026-01-31 23:59:59.999999Z') AS future_1us_before,
       flowstream.status(flowstream.stream(1, 6, '2026-02-01Z', '2026-01-01Z'), '2026-02-01Z') AS future_at_start;

--
-- views at decimals 0: rate 0.5 token/s from 00:00:00, balance 10 tokens.
-- td(t) = floor(0.5 * seconds); td reaches 11 = balance + 1 at 22 s.
--
CREATE TEMP TABLE s0 AS
SELECT flowstream.deposit(flowstream.stream(0.5, 0, '2026-01-01Z', '2026-01-01Z'), 10, '2026-01-01Z') AS s;
SELECT s FROM s0;
SELECT t - '2026-01-01Z' AS elapsed,
       flowstream.ongoing_debt(s, t) AS ongoing, flowstream.total_debt(s, t) AS total,
       flowstream.covered_debt(s, t) AS covered, flowstream.withdrawable(s, t) AS withdrawable,
       flowstream.uncovered_debt(s, t) AS uncovered, flowstream.refundable(s, t) AS refundable,
       flowstream.status(s, t)
FROM s0, unnest(ARRAY['2025-12-31 23:59:59Z', '2026-01-01Z', '2026-01-01 00:00:01Z',
                      '2026-01-01 00:00:01.999999Z', '2026-01-01 00:00:02Z', '2026-01-01 00:00:03Z',
                      '2026-01-01 00:00:20Z', '2026-01-01 00:00:21.999999Z', '2026-01-01 00:00:22Z',
                      '2026-01-01 00:01:00Z']::timestamptz[]) t;
-- 22 s: the first microsecond with an uncovered unit
SELECT flowstream.depletion_time(s) FROM s0;

--
-- decimals 6: rate 0.001 token/s = 1 base unit per 1000 us, balance 1 token.
-- td = floor(elapsed_us / 1000) units; 1000001 units at 1000.001 s = 00:16:40.001
--
CREATE TEMP TABLE s6 AS
SELECT flowstream.deposit(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'), 1, '2026-01-01Z') AS s;
SELECT flowstream.depletion_time(s) FROM s6;
SELECT t - '2026-01-01Z' AS elapsed,
       flowstream.ongoing_debt(s, t) AS ongoing, flowstream.total_debt(s, t) AS total,
       flowstream.covered_debt(s, t) AS covered, flowstream.uncovered_debt(s, t) AS uncovered,
       flowstream.refundable(s, t) AS refundable, flowstream.status(s, t)
FROM s6, unnest(ARRAY['2026-01-01 00:00:00.000999Z', '2026-01-01 00:00:00.001Z',
                      '2026-01-01 00:16:40Z', '2026-01-01 00:16:40.000999Z',
                      '2026-01-01 00:16:40.001Z', '2026-01-01 00:16:40.001001Z',
                      '2026-01-01 00:16:40.002Z']::timestamptz[]) t;
-- depletion time - 1 us, = and + 1 us
SELECT d - '1 microsecond'::interval AS t, flowstream.uncovered_debt(s, d - '1 microsecond'::interval),
       flowstream.status(s, d - '1 microsecond'::interval)
FROM s6, LATERAL (SELECT flowstream.depletion_time(s) AS d) x
UNION ALL
SELECT d, flowstream.uncovered_debt(s, d), flowstream.status(s, d)
FROM s6, LATERAL (SELECT flowstream.depletion_time(s) AS d) x
UNION ALL
SELECT d + '1 microsecond'::interval, flowstream.uncovered_debt(s, d + '1 microsecond'::interval),
       flowstream.status(s, d + '1 microsecond'::interval)
FROM s6, LATERAL (SELECT flowstream.depletion_time(s) AS d) x;

--
-- decimals 18: rate 1e-18 token/s = 1 base unit per second = 1e-6 unit per us.
-- Balance 5 units: the 6th unit accrues at 6 s.
--
CREATE TEMP TABLE s18 AS
SELECT flowstream.deposit(flowstream.stream(0.000000000000000001, 18, '2026-01-01Z', '2026-01-01Z'),
                          0.000000000000000005, '2026-01-01Z') AS s;
SELECT t - '2026-01-01Z' AS elapsed,
       flowstream.ongoing_debt(s, t) AS ongoing, flowstream.total_debt(s, t) AS total,
       flowstream.uncovered_debt(s, t) AS uncovered, flowstream.status(s, t)
FROM s18, unnest(ARRAY['2026-01-01 00:00:00.000001Z', '2026-01-01 00:00:05.999999Z',
                      '2026-01-01 00:00:06Z']::timestamptz[]) t;
SELECT flowstream.depletion_time(s) FROM s18;
-- rate 1 token/s at 18 decimals: 10^12 base units a microsecond
SELECT flowstream.total_debt(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'), '2026-01-01 00:00:00.000001Z'),
       flowstream.depletion_time(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'));

--
-- depletion time: NULL at rate 0; with a zero balance, when the first unit
-- accrues; st when already insolvent; infinity beyond timestamptz
--
SELECT n, flowstream.depletion_time(s) FROM (VALUES
 -- paused and voided: never
 ('paused', flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z')),
 ('voided', flowstream.void(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), '2026-01-02Z')),
 -- 0.001 token/s, 6 decimals, no balance: the first unit at 1 ms
 ('zero balance', flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z')),
 -- pending: counted from the start, 2026-02-01 + 1 ms
 ('pending', flowstream.stream(0.001, 6, '2026-02-01Z', '2026-01-01Z')),
 -- 1 unit over the balance at 1 s, then the rate changes at 2 s: the debt
 -- in the snapshot (2 units) already exceeds the balance (0): depletion = st
 ('already insolvent', flowstream.adjust_rate(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 2, '2026-01-01 00:00:02Z')),
 -- 1e-18 token/s at 0 decimals: one unit takes 10^24 us, beyond the year 294276
 ('beyond the range', flowstream.stream(0.000000000000000001, 0, '2026-01-01Z', '2026-01-01Z')),
 -- 1 token/s at 0 decimals from 23:59:59 on the last day: the unit accrues at
 -- 294277-01-01 00:00:00, one microsecond beyond the range
 ('1 us beyond the range', flowstream.stream(1, 0, '294276-12-31 23:59:59+00', '2026-01-01Z')),
 -- and from one microsecond earlier, at the very last microsecond
 ('at the last usec', flowstream.stream(1, 0, '294276-12-31 23:59:58.999999+00', '2026-01-01Z')),
 -- the rounding is up to the next microsecond: 3 units of 1e-18 per second
 -- at 18 decimals need 333333.33.. us for one unit -> 333334 us
 ('rounded up', flowstream.stream(0.000000000000000003, 18, '2026-01-01Z', '2026-01-01Z'))
) v(n, s);
-- the status flips exactly there
SELECT flowstream.total_debt(s, '2026-01-01 00:00:00.333333Z') AS td_333333us,
       flowstream.total_debt(s, '2026-01-01 00:00:00.333334Z') AS td_333334us
FROM (SELECT flowstream.stream(0.000000000000000003, 18, '2026-01-01Z', '2026-01-01Z') AS s) v;

--
-- amounts: at most `decimals` fractional digits (trailing zeros are fine),
-- positive, finite; never rounded
--
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('6 dec: 1.000001',            $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1.000001, '2026-01-01Z'))$q$),
 ('6 dec: 1.0000001',           $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1.0000001, '2026-01-01Z'))$q$),
 ('6 dec: 1.000000000',         $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1.000000000, '2026-01-01Z'))$q$),
 ('6 dec: 0.0000001',           $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.0000001, '2026-01-01Z'))$q$),
 ('0 dec: 2',                   $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 2, '2026-01-01Z'))$q$),
 ('0 dec: 2.000',               $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 2.000, '2026-01-01Z'))$q$),
 ('0 dec: 1.5',                 $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 1.5, '2026-01-01Z'))$q$),
 ('0 dec: 0.1',                 $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 0.1, '2026-01-01Z'))$q$),
 ('18 dec: 1e-18',              $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'), 0.000000000000000001, '2026-01-01Z'))$q$),
 ('18 dec: 1e-19',              $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'), 0.0000000000000000001, '2026-01-01Z'))$q$),
 ('18 dec: 1.0000000000000000010', $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'), 1.0000000000000000010, '2026-01-01Z'))$q$),
 ('zero',                       $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0, '2026-01-01Z'))$q$),
 ('0.000000 (zero)',            $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.000000, '2026-01-01Z'))$q$),
 ('negative',                   $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), -1, '2026-01-01Z'))$q$),
 ('negative, too precise',      $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), -0.0000001, '2026-01-01Z'))$q$),
 ('NaN',                        $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'NaN', '2026-01-01Z'))$q$),
 ('Infinity',                   $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'Infinity', '2026-01-01Z'))$q$),
 ('-Infinity',                  $q$SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), '-Infinity', '2026-01-01Z'))$q$),
 ('withdraw NaN',               $q$SELECT flowstream.balance(flowstream.withdraw(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'NaN', '2026-01-01Z'))$q$),
 ('withdraw 1e-7',              $q$SELECT flowstream.balance(flowstream.withdraw(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.0000001, '2026-01-01Z'))$q$),
 ('refund Infinity',            $q$SELECT flowstream.balance(flowstream.refund(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'Infinity', '2026-01-01Z'))$q$),
 ('refund 0',                   $q$SELECT flowstream.balance(flowstream.refund(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0, '2026-01-01Z'))$q$),
 ('refund 1e-7',                $q$SELECT flowstream.balance(flowstream.refund(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.0000001, '2026-01-01Z'))$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;
-- as a user sees them
SELECT flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 12.3456789, '2026-01-01Z');
SELECT flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'NaN', '2026-01-01Z');

-- rates of restart and adjust_rate: at most 18 fractional digits, positive, finite
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('adjust 19 digits',   $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.0000000000000000001, '2026-01-01Z'))$q$),
 ('adjust trailing 0s', $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.1000000000000000000000, '2026-01-01Z'))$q$),
 ('adjust NaN',         $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'NaN', '2026-01-01Z'))$q$),
 ('adjust -Infinity',   $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), '-Infinity', '2026-01-01Z'))$q$),
 ('adjust 0',           $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0, '2026-01-01Z'))$q$),
 ('adjust -2',          $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), -2, '2026-01-01Z'))$q$),
 ('restart 19 digits',  $q$SELECT flowstream.rate_per_second(flowstream.restart(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z'), 1.0000000000000000001, '2026-01-01Z'))$q$),
 ('restart Infinity',   $q$SELECT flowstream.rate_per_second(flowstream.restart(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z'), 'Infinity', '2026-01-01Z'))$q$),
 ('restart 0',          $q$SELECT flowstream.rate_per_second(flowstream.restart(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z'), 0, '2026-01-01Z'))$q$),
 ('restart 1e-18',      $q$SELECT flowstream.rate_per_second(flowstream.restart(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z'), 0.000000000000000001, '2026-01-01Z'))$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;
SELECT flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.0000000000000000001, '2026-01-01Z');

--
-- times: infinite or before 0001-01-01 -> 22023, for views and transitions
--
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('total_debt at infinity',     $q$SELECT flowstream.total_debt(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'infinity')$q$),
 ('status at -infinity',        $q$SELECT flowstream.status(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), '-infinity')$q$),
 ('ongoing_debt at infinity',   $q$SELECT flowstream.ongoing_debt(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'infinity')$q$),
 ('refundable in 1 BC',         $q$SELECT flowstream.refundable(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), '0001-12-31 23:59:59.999999+00 BC')$q$),
 ('deposit at infinity',        $q$SELECT flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1, 'infinity')$q$),
 ('deposit at -infinity',       $q$SELECT flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1, '-infinity')$q$),
 ('pause at infinity',          $q$SELECT flowstream.pause(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'infinity')$q$),
 ('void at infinity',           $q$SELECT flowstream.void(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 'infinity')$q$),
 ('withdraw at infinity',       $q$SELECT flowstream.withdraw(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1, 'infinity')$q$),
 ('refund at infinity',         $q$SELECT flowstream.refund(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 1, 'infinity')$q$),
 ('restart at infinity',        $q$SELECT flowstream.restart(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z'), 1, 'infinity')$q$),
 ('adjust_rate at infinity',    $q$SELECT flowstream.adjust_rate(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 2, 'infinity')$q$),
 ('at the last usec',           $q$SELECT flowstream.total_debt(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), '294276-12-31 23:59:59.999999+00')$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;

--
-- the 2^127-1 extremes and overflow (22003)
--
-- balance: up to 2^127-1 base units, one more is an overflow
SELECT flowstream.balance(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'),
                                             170141183460469231731687303715884105727, '2026-01-01Z')) AS max_balance_0,
       flowstream.balance(flowstream.deposit(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'),
                                             170141183460469231731.687303715884105727, '2026-01-01Z')) AS max_balance_18;
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('deposit 2^127 units',        $q$SELECT flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731687303715884105728, '2026-01-01Z')$q$),
 ('deposit to 2^127 units',     $q$SELECT flowstream.deposit(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731687303715884105727, '2026-01-01Z'), 1, '2026-01-01Z')$q$),
 ('deposit 2 x 2^126 units',    $q$SELECT flowstream.deposit(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 85070591730234615865843651857942052864, '2026-01-01Z'), 85070591730234615865843651857942052864, '2026-01-01Z')$q$),
 ('deposit 1e60 (18 dec)',      $q$SELECT flowstream.deposit(flowstream.stream(1, 18, '2026-01-01Z', '2026-01-01Z'), 1e60, '2026-01-01Z')$q$),
 ('withdraw 2^127 units',       $q$SELECT flowstream.withdraw(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731687303715884105728, '2026-01-01Z')$q$),
 ('refund 2^127 units',         $q$SELECT flowstream.refund(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731687303715884105728, '2026-01-01Z')$q$),
 ('adjust_rate to 2^127 units', $q$SELECT flowstream.adjust_rate(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731.687303715884105728, '2026-01-01Z')$q$),
 ('restart at 2^127 units',     $q$SELECT flowstream.restart(flowstream.stream(0, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731.687303715884105728, '2026-01-01Z')$q$),
 ('adjust_rate to 2^127-1',     $q$SELECT flowstream.rate_per_second(flowstream.adjust_rate(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'), 170141183460469231731.687303715884105727, '2026-01-01Z'))$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;
SELECT flowstream.deposit(flowstream.deposit(flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z'),
       170141183460469231731687303715884105727, '2026-01-01Z'), 1, '2026-01-01Z');

-- the largest accrual: rate 2^127-1 units (1e-18 token/s) over the whole
-- range, 0001-01-01 to 294276-12-31 23:59:59.999999 = 9286453612799999999 us.
-- rate * us = 170141183460469231731687303715884105727 * 9286453612799999999
-- units of 1e-24 token (191 bits); in tokens, with decimals d, floor(./10^24) at d = 0.
CREATE TEMP TABLE big AS
SELECT flowstream.stream(170141183460469231731.687303715884105727, d, '0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00') AS s, d
FROM unnest(ARRAY[0, 6, 18]) d;
SELECT d, flowstream.total_debt(s, '294276-12-31 23:59:59.999999+00') AS total_debt,
       flowstream.total_debt(s, '294276-12-31 23:59:59.999999+00')
           * 10::numeric ^ d
         = div(170141183460469231731687303715884105727::numeric * 9286453612799999999, 10::numeric ^ (24 - d)) AS exact,
       flowstream.uncovered_debt(s, '294276-12-31 23:59:59.999999+00')
         = flowstream.total_debt(s, '294276-12-31 23:59:59.999999+00') AS all_uncovered,
       flowstream.status(s, '294276-12-31 23:59:59.999999+00')
FROM big ORDER BY d;
SELECT flowstream.ongoing_debt(s, '294276-12-31 23:59:59.999999+00') AS ongoing FROM big WHERE d = 0;
-- snapshotting it keeps every digit (pause, then read the snapshot debt)
SELECT flowstream.snapshot_debt(flowstream.pause(s, '294276-12-31 23:59:59.999999+00')) * 10::numeric ^ 24
       = 170141183460469231731687303715884105727::numeric * 9286453612799999999 AS exact_snapshot
FROM big WHERE d = 18;
-- and withdrawing the maximal balance from it works: at 18 decimals the
-- debt, 1580008207832542102827826778371793.586642909016789715, exceeds the
-- largest balance, 170141183460469231731.687303715884105727; what is left is
-- 1580008207832542102827826778371793.586642909016789715
--                    - 170141183460469231731.687303715884105727
--  = 1580008207832371961644366309140061.899339193132683988
SELECT flowstream.balance(w), flowstream.total_debt(w, '294276-12-31 23:59:59.999999+00') AS total_after,
       flowstream.uncovered_debt(w, '294276-12-31 23:59:59.999999+00') AS uncovered_after,
       flowstream.status(w, '294276-12-31 23:59:59.999999+00')
FROM big, LATERAL (SELECT flowstream.withdraw(flowstream.deposit(s, 170141183460469231731.687303715884105727, '0001-01-01 00:00:00+00'),
                                             170141183460469231731.687303715884105727, '294276-12-31 23:59:59.999999+00') AS w) x
WHERE d = 18;

-- a snapshot debt of 2^256-1 units (a literal; no stream can accrue it):
-- views and transitions that add to it overflow, the rest works
CREATE TEMP TABLE huge AS SELECT
 '(decimals=0,rate_per_second=1,balance=5,snapshot_debt=115792089237316195423570985008687907853269984665640564.039457584007913129639935,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'::flowstream.stream AS s;
SELECT c.n, r.state, r.result, r.detail FROM huge, LATERAL (VALUES
 ('total_debt at st',     $q$SELECT flowstream.total_debt(s, '2026-01-01Z') FROM huge$q$),
 ('total_debt at st+1us', $q$SELECT flowstream.total_debt(s, '2026-01-01 00:00:00.000001Z') FROM huge$q$),
 ('covered at st+1s',     $q$SELECT flowstream.covered_debt(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('uncovered at st+1s',   $q$SELECT flowstream.uncovered_debt(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('refundable at st+1s',  $q$SELECT flowstream.refundable(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('status at st+1s',      $q$SELECT flowstream.status(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('ongoing at st+1s',     $q$SELECT flowstream.ongoing_debt(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('depletion_time',       $q$SELECT flowstream.depletion_time(s) FROM huge$q$),
 ('deposit at st+1s',     $q$SELECT flowstream.balance(flowstream.deposit(s, 1, '2026-01-01 00:00:01Z')) FROM huge$q$),
 ('withdraw at st',       $q$SELECT flowstream.balance(flowstream.withdraw(s, 5, '2026-01-01Z')) FROM huge$q$),
 ('withdraw at st+1s',    $q$SELECT flowstream.withdraw(s, 5, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('refund at st+1s',      $q$SELECT flowstream.refund(s, 1, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('pause at st+1s',       $q$SELECT flowstream.pause(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('adjust at st+1s',      $q$SELECT flowstream.adjust_rate(s, 2, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('void at st+1s',        $q$SELECT flowstream.void(s, '2026-01-01 00:00:01Z') FROM huge$q$),
 ('void at st',           $q$SELECT flowstream.void(s, '2026-01-01Z') FROM huge$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;

--
-- flowstream.rate(amount, per): per second, floored to 18 decimals;
-- a month is 365/12 days = 2628000 s, a year 365 days = 31536000 s
--
SELECT amount, per, flowstream.rate(amount, per) AS rate
FROM (VALUES
 (3000::numeric, '1 month'::interval),    -- 3000/2628000    = 0.001141552511415525|114...
 (1000, '1 year'),                         -- 1000/31536000   = 0.000031709791983764|33...
 (1000, '12 months'),                      -- the same: a year is 12 months
 (1000, '365 days'),                       -- and 365 days
 (1, '1 month'),                           -- 1/2628000       = 0.000000380517503805|17...
 (1, '30 days'),                           -- 1/2592000       = 0.000000385802469135|80...
 (86400, '1 day'),                         -- 1
 (1, '1 week'),                            -- 1/604800        = 0.000001653439153439|15...
 (1, '3 seconds'),                         -- 0.333333333333333333|33...
 (2, '3 seconds'),                         -- 0.666666666666666666|66... floored, not rounded
 (1, '1 mon 1 day'),                       -- 1/2714400       = 0.000000368405540819|33...
 (1, '1 mon -30 days'),                    -- 1/36000         = 0.000027777777777777|77...
 (1, '1 microsecond'),                     -- 1000000
 (0.000000000000000001, '1 second'),      -- 1e-18
 (0.000000000000000001, '2 seconds'),     -- 5e-19 floored to 0
 (0, '1 day'),                             -- 0
 (170141183460469231731.687303715884105727, '1 second'),  -- 2^127-1 units
 (1.5000000000000000000000, '1 minute')  -- 0.025, trailing zeros are fine
) v(amount, per);
-- floored: rate * seconds <= amount < (rate + 1e-18) * seconds
SELECT bool_and(flowstream.rate(a, p) * s <= a AND a < (flowstream.rate(a, p) + 0.000000000000000001) * s) AS floored
FROM (SELECT (random_amount)::numeric AS a, make_interval(secs => secs) AS p, secs::numeric AS s
      FROM (SELECT round((1 + g * 7919 % 100000) / 100.0, 2) AS random_amount, 1 + g * 104729 % 5000000 AS secs
            FROM generate_series(1, 2000) g) x) y;
SELECT c.n, r.state, r.result, r.detail FROM (VALUES
 ('period 0',           $q$SELECT flowstream.rate(1, '0 seconds')$q$),
 ('period -1 day',      $q$SELECT flowstream.rate(1, '-1 day')$q$),
 ('period 1 mon -31 d', $q$SELECT flowstream.rate(1, '1 mon -31 days')$q$),
 ('amount -1',          $q$SELECT flowstream.rate(-1, '1 day')$q$),
 ('amount NaN',         $q$SELECT flowstream.rate('NaN', '1 day')$q$),
 ('amount Infinity',    $q$SELECT flowstream.rate('Infinity', '1 day')$q$),
 ('amount 19 digits',   $q$SELECT flowstream.rate(1.0000000000000000001, '1 day')$q$),
 ('overflow',           $q$SELECT flowstream.rate(170141183460469231731, '1 microsecond')$q$),
 ('amount 2^127 units', $q$SELECT flowstream.rate(170141183460469231731.687303715884105728, '1 day')$q$)
) c(n, q), LATERAL pg_temp.try(c.q) r;
SELECT flowstream.rate(100, '0 seconds');
-- a monthly rate makes exactly the amount (to the floor) in a 365/12-day month
SELECT flowstream.total_debt(flowstream.stream(flowstream.rate(3000, '1 month'), 6, '2026-01-01Z', '2026-01-01Z'),
                             '2026-01-01Z'::timestamptz + interval '2628000 seconds') AS one_month;

--
-- flowstream.now() and the views that read it: the superuser-only test clock
--
SET flowstream.clock = '2026-01-01 00:00:20+00';
SHOW flowstream.clock;
SELECT flowstream.now();
SELECT flowstream.total_debt(s), flowstream.covered_debt(s), flowstream.withdrawable(s),
       flowstream.uncovered_debt(s), flowstream.refundable(s), flowstream.ongoing_debt(s),
       flowstream.status(s)
FROM s0;
SET flowstream.clock = '2026-01-01 00:00:22+00';
SELECT flowstream.total_debt(s), flowstream.covered_debt(s), flowstream.withdrawable(s),
       flowstream.uncovered_debt(s), flowstream.refundable(s), flowstream.ongoing_debt(s),
       flowstream.status(s)
FROM s0;
-- the same as the explicit-time views at flowstream.now()
SELECT flowstream.total_debt(s) = flowstream.total_debt(s, flowstream.now())
   AND flowstream.covered_debt(s) = flowstream.covered_debt(s, flowstream.now())
   AND flowstream.withdrawable(s) = flowstream.withdrawable(s, flowstream.now())
   AND flowstream.uncovered_debt(s) = flowstream.uncovered_debt(s, flowstream.now())
   AND flowstream.refundable(s) = flowstream.refundable(s, flowstream.now())
   AND flowstream.ongoing_debt(s) = flowstream.ongoing_debt(s, flowstream.now())
   AND flowstream.status(s) = flowstream.status(s, flowstream.now()) AS same
FROM (SELECT s FROM s0 UNION ALL SELECT s FROM s6 UNION ALL SELECT s FROM s18) v;
-- the clock is read in the session's time zone when set, and kept as an instant
SET TimeZone = 'Asia/Tokyo';
SET flowstream.clock = '2026-01-01 09:00:00';
SET TimeZone = 'UTC';
SELECT flowstream.now();
-- an untyped literal would be read as a flowstream.status: cast it
SELECT flowstream.status('(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2025-12-01T00:00:00Z,voided=false)'::flowstream.stream);
-- invalid clocks
SET flowstream.clock = 'infinity';
SET flowstream.clock = 'not a time';
SET flowstream.clock = '0001-12-31 23:59:59+00 BC';
SELECT flowstream.now();
-- back to the real clock: now() of the transaction
RESET flowstream.clock;
SELECT flowstream.now() = now() AS real_clock;
SET flowstream.clock = '';
SELECT flowstream.now() = now() AS real_clock;
BEGIN;
SET LOCAL flowstream.clock = '2030-06-01 00:00:00+00';
SELECT flowstream.now();
COMMIT;
SELECT flowstream.now() = now() AS real_clock;
-- only a superuser may set it; anyone may read it and use the pure
-- functions (SPEC 2: "Anyone may keep this type in their own tables and
-- move it with the pure functions")
CREATE ROLE regress_flowstream_plain;
SET ROLE regress_flowstream_plain;
SET flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.now() = now() AS real_clock;
SELECT flowstream.total_debt(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'), '2026-01-01 00:00:01Z');
CREATE TEMP TABLE plain_streams (s flowstream.stream);
INSERT INTO plain_streams VALUES (flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'));
SELECT flowstream.status(s, '2026-01-01Z') FROM plain_streams;
DROP TABLE plain_streams;
RESET ROLE;
DROP ROLE regress_flowstream_plain;
RESET flowstream.clock;
