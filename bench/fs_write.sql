-- flowstream: one API call per transaction, on a random stream among the
-- first :nstreams (the payroll streams, sender acme, who runs this script):
-- a deposit, a withdrawal or a change of rate, a third each.  Every call
-- must succeed (an error aborts the client, and run.sh fails the run):
-- withdrawals are one base unit of the stream's token (tokens by id % 10:
-- 0-4 USDC 6 decimals, 5-7 DAI 18, 8 WBTC 8, 9 EURC 2) from streams that
-- accrued for 7 days or more, and a new rate is drawn from 10^9 or more
-- values, so that it equals the current one with a probability of 10^-9.
\set id random(1, :nstreams)
\set op random(1, 3)
\set tk :id % 10
\if :op = 1
\set amount random(1, 1000)
SELECT flowstream.deposit(:id, :amount);
\elif :op = 2
\if :tk < 5
SELECT flowstream.withdraw(:id, 0.000001);
\elif :tk < 8
SELECT flowstream.withdraw(:id, 0.000000000000000001);
\elif :tk = 8
SELECT flowstream.withdraw(:id, 0.00000001);
\else
SELECT flowstream.withdraw(:id, 0.01);
\endif
\else
\if :tk = 8
-- 10^-11 to 10^-8 WBTC a second (0.026 WBTC a month at most)
\set r random(10000000, 9999999999)
SELECT flowstream.adjust_rate(:id, :r * 0.000000000000000001);
\else
-- 10^-6 to 10^-3 tokens a second (2,600 tokens a month at most)
\set r random(1000000000, 999999999999)
SELECT flowstream.adjust_rate(:id, :r * 0.000000000000001);
\endif
\endif
