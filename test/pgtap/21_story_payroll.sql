-- 21_story_payroll.sql — payroll paid monthly.
--
-- t21_alice (employer) pays t21_bob 3000 a month in T21USD (6 decimals),
-- three months funded up front; bob withdraws at each month's end.
--
-- The rate: flowstream.rate(3000, '1 month'), a month = 365/12 days
-- = 2 628 000 s: 3000 / 2628000 = 1/876 = 0.001141552511415525|114155...
-- floored to 18 decimals: r = 0.001141552511415525 token/s.
-- Month ends from t0 = 2026-01-01 00:00:00+00:
--   +1 month = +2 628 000 s = +30 d 10 h = 2026-01-31 10:00:00
--   +2 months = +60 d 20 h = 2026-03-02 20:00:00
--   +3 months = +91 d 6 h = 2026-04-02 06:00:00
-- r * 2628000 = 1141552511415525 * 2628 * 1000 / 10^18
--             = 2999999999999999700 * 1000 / 10^18 = 2999.9999999999997 exactly.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(27);

CREATE FUNCTION pg_temp.st(bigint) RETURNS flowstream.stream
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$SELECT state FROM flowstream.streams WHERE id = $1$$;
CREATE ROLE t21_alice;
CREATE ROLE t21_bob;
INSERT INTO flowstream.tokens VALUES ('T21USD', 6);

SELECT is(flowstream.rate(3000, '1 month'), 0.001141552511415525, 'rate(3000, 1 month) = 1/876 floored to 18 decimals');
SELECT is(flowstream.rate(36000, '1 year'), flowstream.rate(3000, '1 month'),
    'a month is 1/12 of a 365-day year: 36000 / 31536000 = 1/876 too');

SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t21_alice;
SELECT flowstream.create_stream('t21_alice', 't21_bob', 'T21USD', flowstream.rate(3000, '1 month'),
       deposit => 9000, metadata => '{"employee": "bob", "salary": "3000/month"}') AS s \gset
RESET ROLE;

-- month 1: owed floor6(2999.9999999999997) = 2999.999999 (the rate's floor costs one base unit)
SET LOCAL flowstream.clock = '2026-01-31 10:00:00+00';
SELECT is(flowstream.ongoing_debt(pg_temp.st(:s), flowstream.now()), 2999.9999999999997, 'month 1: ongoing debt, exact');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 2999.999999, 'month 1: total debt, floored to a base unit');
SET LOCAL ROLE t21_bob;
SELECT is(flowstream.withdraw_max(:s), 2999.999999, 'month 1: bob withdraws 2999.999999');
RESET ROLE;
-- the withdrawal snapshots: sd = 2999.9999999999997 - 2999.999999 = 0.0000009999997 (kept, not rounded away)
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0.0000009999997, 'month 1: the sub-unit remainder stays in the snapshot debt');
SELECT is(flowstream.snapshot_time(pg_temp.st(:s)), '2026-01-31 10:00:00+00'::timestamptz, 'month 1: snapshot at the withdrawal');
SELECT is(flowstream.balance(pg_temp.st(:s)), 6000.000001, 'month 1: balance 9000 - 2999.999999');

-- month 2: 0.0000009999997 + 2999.9999999999997 = 3000.0000009999994 -> 3000.000000
SET LOCAL flowstream.clock = '2026-03-02 20:00:00+00';
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 3000::numeric, 'month 2: the remainder carried makes a full 3000');
SET LOCAL ROLE t21_bob;
SELECT is(flowstream.withdraw_max(:s), 3000::numeric, 'month 2: bob withdraws 3000.000000');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0.0000009999994, 'month 2: remainder 3000.0000009999994 - 3000');

-- month 3: 0.0000009999994 + 2999.9999999999997 = 3000.0000009999991 -> 3000.000000
SET LOCAL flowstream.clock = '2026-04-02 06:00:00+00';
SELECT is(flowstream.withdrawable(pg_temp.st(:s), flowstream.now()), 3000::numeric, 'month 3: withdrawable 3000');
SET LOCAL ROLE t21_bob;
SELECT is(flowstream.withdraw(:s, 3000), 3000::numeric, 'month 3: bob withdraws 3000');
RESET ROLE;
SELECT is(flowstream.snapshot_debt(pg_temp.st(:s)), 0.0000009999991, 'month 3: remainder 0.0000009999991');
SELECT is(flowstream.balance(pg_temp.st(:s)), 0.000001, 'month 3: balance 9000 - 8999.999999 = one base unit');
-- exactness: floor(r * 7884000 / 10^-6) = floor(8999.9999999999991) = 8999.999999 = td 0 + withdrawn
SELECT is((SELECT sum(amount) FROM flowstream.events WHERE stream_id = :s AND op = 'withdraw'), 8999.999999,
    'three months paid: 8999.999999 = floor6(r * 7 884 000 s)');
SELECT is(flowstream.total_debt(pg_temp.st(:s), flowstream.now()), 0::numeric, 'nothing owed right after payday');
SELECT is(flowstream.status(pg_temp.st(:s), flowstream.now()), 'streaming_solvent'::flowstream.status, 'still solvent');
-- depletion: td >= 2 units when ongoing >= 0.000002 - 0.0000009999991 = 0.0000010000009;
-- dt >= 1.0000009e-6 / 1.141552511415525e-9 s = 876.0007884 us -> the 877th microsecond
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-04-02 06:00:00.000877+00'::timestamptz,
    'depletion 877 us after payday (876 us accrue 0.000000999999999..., not enough)');

-- alice takes back the last unit; then the very next microsecond is uncovered
SET LOCAL ROLE t21_alice;
SELECT is(flowstream.refund_max(:s), 0.000001, 'alice refunds the last unit');
RESET ROLE;
-- ongoing >= 0.000001 - 0.0000009999991 = 0.0000000000009: 1 us accrues 0.000000001141552511415525
SELECT is(flowstream.depletion_time(pg_temp.st(:s)), '2026-04-02 06:00:00.000001+00'::timestamptz,
    'with no balance, depletion is the next microsecond (the remainder is nearly a unit)');
SELECT is(flowstream.status(pg_temp.st(:s), '2026-04-02 06:00:00.000001+00'), 'streaming_insolvent'::flowstream.status,
    'insolvent one microsecond later');
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), '2026-04-02 06:00:00.000001+00'), 0.000001,
    'one base unit uncovered');
-- a fourth month unfunded: owed floor6(0.0000009999991 + 2999.9999999999997) = 3000.000000, all uncovered
SELECT is(flowstream.uncovered_debt(pg_temp.st(:s), '2026-05-02 16:00:00+00'), 3000::numeric,
    'a month later: 3000 owed and uncovered');

SELECT results_eq(
    format($$SELECT op::text, actor, amount, at FROM flowstream.events WHERE stream_id = %s ORDER BY id$$, :s),
    $$VALUES ('create'::text, 't21_alice'::text, NULL::numeric, '2026-01-01 00:00:00+00'::timestamptz),
             ('deposit', 't21_alice', 9000, '2026-01-01 00:00:00+00'),
             ('withdraw', 't21_bob', 2999.999999, '2026-01-31 10:00:00+00'),
             ('withdraw', 't21_bob', 3000, '2026-03-02 20:00:00+00'),
             ('withdraw', 't21_bob', 3000, '2026-04-02 06:00:00+00'),
             ('refund', 't21_alice', 0.000001, '2026-04-02 06:00:00+00')$$,
    'the payroll history');
SELECT is((SELECT metadata->>'salary' FROM flowstream.streams WHERE id = :s), '3000/month', 'metadata kept');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
