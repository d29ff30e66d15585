-- 32_story_dflow_buffer.sql — the buffer deposit (seeds/dflow.txt: "when
-- opening a stream, you'll need to deposit a small amount of tokens into
-- the stream, called buffer deposit (3600 * flow_rate, 1 hours token
-- amount); if you close the stream before your balance runs out, the
-- buffer deposit is returned to your balance automatically"), and
-- Superfluid's variant of it (4 hours), as flowstream's per-token settings
-- buffer_period and min_buffer (SPEC §6):
--
--   * a flow locks max(min_buffer, ceil(rate x buffer_period)) base units;
--   * opening or raising a flow needs available >= the buffer increase,
--     else SF013 with both amounts;
--   * lowering a rate never raises the buffer (Superfluid's issue #1846),
--     even after the token's buffer settings grew;
--   * closing a flow returns its buffer; the buffer can't be withdrawn.
--
-- Roles: df_alice (subscribes to Netflix), df_netflix, df_bob, df_carol.
-- Tokens: dWICP (8 decimals, DFlow's 1 hour), USDCx (18 decimals,
-- Superfluid's 4 hours), CENT (0 decimals, for the rounding up), MINB
-- (6 decimals, a min_buffer of 5).
-- Times: t0 = 2026-01-01 00:00:00+00; "+N" = t0 + N seconds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(56);

CREATE ROLE df_alice;
CREATE ROLE df_netflix;
CREATE ROLE df_bob;
CREATE ROLE df_carol;
SET LOCAL TimeZone = 'UTC';
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';

----------------------------------------------------------------------------
-- the settings: one hour by default, per token
----------------------------------------------------------------------------
INSERT INTO flowstream.tokens (token, decimals) VALUES ('dWICP', 8);
INSERT INTO flowstream.tokens (token, decimals, buffer_period) VALUES ('USDCx', 18, '4 hours');
INSERT INTO flowstream.tokens (token, decimals) VALUES ('CENT', 0);
INSERT INTO flowstream.tokens (token, decimals, min_buffer) VALUES ('MINB', 6, 5);
SELECT results_eq($$SELECT token, buffer_period, min_buffer, liquidation_reward FROM flowstream.tokens
                    WHERE token IN ('dWICP', 'USDCx', 'MINB') ORDER BY token$$,
    $$VALUES ('MINB', '1 hour'::interval, 5::numeric, NULL::text), ('USDCx', '4 hours', 0, NULL), ('dWICP', '1 hour', 0, NULL)$$,
    'buffer_period defaults to 1 hour (DFlow), min_buffer to 0; USDCx takes Superfluid''s 4 hours');

----------------------------------------------------------------------------
-- DFlow: alice subscribes to Netflix at 10 per month, in dWICP
----------------------------------------------------------------------------
SET LOCAL ROLE df_alice;
SELECT lives_ok($$SELECT flowstream.account_deposit('df_alice', 'dWICP', 1)$$, 'alice wraps 1 WICP into dWICP');
SELECT flowstream.open_flow('df_alice', 'df_netflix', 'dWICP', flowstream.rate(10, '1 month')) AS nf \gset
RESET ROLE;
SELECT is((SELECT rate_per_second FROM flowstream.flows_now WHERE id = :nf), 0.000003805175038051, 'the rate: 10 per 2628000 s, floored to 18 decimals');
SELECT is((SELECT buffer FROM flowstream.flows_now WHERE id = :nf), 0.01369864,
    'the buffer: 3600 x 0.000003805175038051 = 0.0136986301369836, rounded up to a base unit');
SELECT results_eq($$SELECT balance, available, buffer FROM flowstream.accounts_now WHERE party = 'df_alice' AND token = 'dWICP'$$,
    $$VALUES (1.00000000, 0.98630136, 0.01369864)$$, 'alice: the buffer is locked in her balance, not paid away');
SET LOCAL ROLE df_alice;
SELECT throws_ok($$SELECT flowstream.account_withdraw('df_alice', 'dWICP', 0.98630137)$$, 'SF013',
    'insufficient available balance: 0.98630137 needed, 0.98630136 available', 'the buffer cannot be withdrawn (SF013, both amounts)');
SELECT throws_ok($$SELECT flowstream.account_transfer('df_alice', 'df_bob', 'dWICP', 0.98630137)$$, 'SF013', NULL, 'nor transferred');
SELECT is(flowstream.account_withdraw('df_alice', 'dWICP', 0.5), 0.5, 'alice unwraps 0.5 of what is available');
RESET ROLE;
-- +1 day: 86400 s x 0.000003805175038051 = 0.3287671232876064 paid
SET LOCAL flowstream.clock = '2026-01-02 00:00:00+00';
SELECT results_eq($$SELECT balance, available, buffer FROM flowstream.accounts_now WHERE party = 'df_alice' AND token = 'dWICP'$$,
    $$VALUES (0.17123287, 0.15753423, 0.01369864)$$, '+1 day: 0.5 - 0.32876712328... = 0.17123287 (floored), less the buffer');
SELECT is(flowstream.account_balance('df_netflix', 'dWICP'), 0.32876712, '+1 day: Netflix has 0.32876712 without doing anything');
-- the subscription is cancelled before the balance runs out: the buffer comes back
SET LOCAL ROLE df_alice;
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :nf), 'alice cancels: she closes the flow');
RESET ROLE;
SELECT results_eq($$SELECT balance, available, buffer FROM flowstream.accounts_now WHERE party = 'df_alice' AND token = 'dWICP'$$,
    $$VALUES (0.17123287, 0.17123287, 0.00000000)$$, 'closing returns the buffer deposit to her balance automatically');
SELECT is((SELECT buffer FROM flowstream.flows_now WHERE id = :nf), 0.00000000, 'the closed flow locks nothing');
SET LOCAL ROLE df_alice;
SELECT is(flowstream.account_withdraw('df_alice', 'dWICP', 0.17123287), 0.17123287, 'and she can unwrap all of it');
RESET ROLE;

----------------------------------------------------------------------------
-- rounding up, and each flow on its own (CENT: 0 decimals)
----------------------------------------------------------------------------
SET LOCAL ROLE df_bob;
SELECT lives_ok($$SELECT flowstream.account_deposit('df_bob', 'CENT', 10)$$, 'bob deposits 10 CENT');
SELECT flowstream.open_flow('df_bob', 'df_carol', 'CENT', 0.0001) AS c1 \gset
SELECT flowstream.open_flow('df_bob', 'df_alice', 'CENT', 0.0001) AS c2 \gset
RESET ROLE;
SELECT is((SELECT array_agg(buffer ORDER BY id) FROM flowstream.flows_now WHERE token = 'CENT'), ARRAY[1, 1]::numeric[],
    'CENT: 3600 x 0.0001 = 0.36 rounds up to 1 unit, each flow apart');
SELECT is(flowstream.account_buffer('df_bob', 'CENT'), 2::numeric, 'CENT: the account''s buffer is the sum of its flows'' buffers, 2 (not ceil(0.72) = 1)');
SET LOCAL ROLE df_bob;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.001)', :c1), 'CENT: raise one flow to 0.001/s');
RESET ROLE;
SELECT is((SELECT buffer FROM flowstream.flows_now WHERE id = :c1), 4::numeric, 'CENT: 3600 x 0.001 = 3.6 rounds up to 4');
SELECT is(flowstream.account_available('df_bob', 'CENT'), 5::numeric, 'CENT: 10 - 4 - 1 = 5 available');
SET LOCAL ROLE df_bob;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.0026)', :c1), 'SF013', 'insufficient available balance: 6 needed, 5 available',
    'CENT: a raise to 0.0026/s (buffer 9.36, rounded up to 10) needs 6 more; 5 are available');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.0025)', :c1), 'CENT: a raise to 0.0025/s (buffer 9) needs exactly the 5 available');
RESET ROLE;
SELECT results_eq($$SELECT balance, available, buffer FROM flowstream.accounts_now WHERE party = 'df_bob' AND token = 'CENT'$$,
    $$VALUES (10::numeric, 0::numeric, 10::numeric)$$, 'CENT: all 10 locked, none available');

----------------------------------------------------------------------------
-- Superfluid's 4 hours (USDCx) and its error with both amounts
----------------------------------------------------------------------------
SET LOCAL ROLE df_carol;
SELECT lives_ok($$SELECT flowstream.account_deposit('df_carol', 'USDCx', 143.999999999999999999)$$, 'carol deposits 1 wei less than 144 USDCx');
SELECT throws_ok($$SELECT flowstream.open_flow('df_carol', 'df_bob', 'USDCx', 0.01)$$, 'SF013',
    'insufficient available balance: 144 needed, 143.999999999999999999 available',
    'USDCx: 0.01/s for 4 hours needs a buffer of 144; carol has one wei less (SF013 names both amounts)');
SELECT lives_ok($$SELECT flowstream.account_deposit('df_carol', 'USDCx', 0.000000000000000001)$$, 'carol deposits the missing wei');
SELECT flowstream.open_flow('df_carol', 'df_bob', 'USDCx', 0.01) AS u1 \gset
RESET ROLE;
SELECT results_eq($$SELECT balance, available, buffer FROM flowstream.accounts_now WHERE party = 'df_carol' AND token = 'USDCx'$$,
    $$VALUES (144.000000000000000000, 0.000000000000000000, 144.000000000000000000)$$,
    'USDCx: available exactly the buffer is enough; all 144 are locked');
SELECT is(flowstream.account_critical_time('df_carol', 'USDCx'), '2026-01-02 00:00:00.000001+00'::timestamptz,
    'USDCx: with nothing available the buffer burns from the first microsecond');
SELECT is(flowstream.account_insolvency_time('df_carol', 'USDCx'), '2026-01-02 04:00:00.000001+00'::timestamptz,
    'USDCx: and lasts 4 hours, as Superfluid''s buffer is meant to');
SET LOCAL ROLE df_carol;
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :u1), 'carol closes it at once');
RESET ROLE;
SELECT is(flowstream.account_available('df_carol', 'USDCx'), 144.000000000000000000, 'USDCx: the 144 are hers again, nothing was spent');

----------------------------------------------------------------------------
-- min_buffer (MINB: 5 tokens at least)
----------------------------------------------------------------------------
SET LOCAL ROLE df_bob;
SELECT lives_ok($$SELECT flowstream.account_deposit('df_bob', 'MINB', 20)$$, 'bob deposits 20 MINB');
SELECT flowstream.open_flow('df_bob', 'df_carol', 'MINB', 0.0001) AS m1 \gset
RESET ROLE;
SELECT is((SELECT buffer FROM flowstream.flows_now WHERE id = :m1), 5.000000, 'MINB: 3600 x 0.0001 = 0.36 is less than min_buffer: the buffer is 5');
SET LOCAL ROLE df_bob;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.001)', :m1), 'MINB: raising to 0.001/s (3.6, still below the minimum)');
RESET ROLE;
SELECT is((SELECT buffer FROM flowstream.flows_now WHERE id = :m1), 5.000000, 'MINB: ... keeps the buffer at 5');
SET LOCAL ROLE df_bob;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.002)', :m1), 'MINB: raising to 0.002/s (7.2)');
RESET ROLE;
SELECT results_eq(format($$SELECT f.buffer, a.available FROM flowstream.flows_now f, flowstream.accounts_now a
                          WHERE f.id = %s AND a.party = 'df_bob' AND a.token = 'MINB'$$, :m1),
    $$VALUES (7.200000, 12.800000)$$, 'MINB: above the minimum the buffer is the hour''s 7.2');

----------------------------------------------------------------------------
-- lowering a rate never raises the buffer (Superfluid #1846)
----------------------------------------------------------------------------
-- bob streams 0.01 dWICP/s to carol under 1 hour: buffer 36; he keeps 4 available
SET LOCAL ROLE df_bob;
SELECT lives_ok($$SELECT flowstream.account_deposit('df_bob', 'dWICP', 40)$$, 'bob deposits 40 dWICP');
SELECT flowstream.open_flow('df_bob', 'df_carol', 'dWICP', 0.01) AS lo \gset
RESET ROLE;
SELECT is(flowstream.account_buffer('df_bob', 'dWICP'), 36::numeric, 'dWICP: 0.01/s locks 36');
-- the token's buffer settings grow: 4 hours, at least 100
UPDATE flowstream.tokens SET buffer_period = '4 hours', min_buffer = 100 WHERE token = 'dWICP';
SELECT is(flowstream.account_buffer('df_bob', 'dWICP'), 36::numeric, 'a change of the settings does not touch open flows');
SET LOCAL ROLE df_bob;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.005)', :lo),
    'lowering to 0.005/s succeeds although 4 hours of it (72) or the minimum (100) exceed the 36 locked and the 4 available');
RESET ROLE;
SELECT results_eq(format($$SELECT f.buffer, a.buffer, a.available FROM flowstream.flows_now f, flowstream.accounts_now a
                          WHERE f.id = %s AND a.party = 'df_bob' AND a.token = 'dWICP'$$, :lo),
    $$VALUES (36.00000000, 36.00000000, 4.00000000)$$, 'the lowered flow keeps its buffer of 36: never more');
SET LOCAL ROLE df_bob;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.006)', :lo), 'SF013',
    'insufficient available balance: 64 needed, 4 available', 'a raise is sized by the new settings: max(100, 86.4) - 36 = 64 more');
RESET ROLE;
UPDATE flowstream.tokens SET min_buffer = 0 WHERE token = 'dWICP';
SET LOCAL ROLE df_bob;
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.001)', :lo), 'lowering to 0.001/s (4 hours: 14.4)');
RESET ROLE;
SELECT results_eq(format($$SELECT f.buffer, a.available FROM flowstream.flows_now f, flowstream.accounts_now a
                          WHERE f.id = %s AND a.party = 'df_bob' AND a.token = 'dWICP'$$, :lo),
    $$VALUES (14.40000000, 25.60000000)$$, 'lowering below the old buffer lowers it: 14.4, and 21.6 are available again');
SET LOCAL ROLE df_bob;
SELECT throws_ok(format('SELECT flowstream.update_flow(%s, 0.01)', :lo), 'SF013',
    'insufficient available balance: 129.6 needed, 25.6 available', 'raising back to 0.01/s now needs 4 hours of it: 144 - 14.4');
SELECT lives_ok(format('SELECT flowstream.update_flow(%s, 0.002)', :lo), 'raising to 0.002/s needs 28.8 - 14.4 = 14.4');
RESET ROLE;
SELECT is(flowstream.account_buffer('df_bob', 'dWICP'), 28.8, 'the buffer is 28.8');
SET LOCAL ROLE df_bob;
SELECT lives_ok(format('SELECT flowstream.close_flow(%s)', :lo), 'bob closes the flow');
RESET ROLE;
SELECT results_eq($$SELECT balance, available, buffer FROM flowstream.accounts_now WHERE party = 'df_bob' AND token = 'dWICP'$$,
    $$VALUES (40.00000000, 40.00000000, 0.00000000)$$, 'closing returns the whole buffer: 40 (no time has passed)');

----------------------------------------------------------------------------
-- settings out of range are refused when a buffer is sized (22023)
----------------------------------------------------------------------------
INSERT INTO flowstream.tokens (token, decimals, buffer_period) VALUES ('NEGP', 6, '-1 hour');
INSERT INTO flowstream.tokens (token, decimals, min_buffer) VALUES ('FRAC', 2, 0.001);
SELECT lives_ok($$SELECT flowstream.account_deposit('df_bob', 'NEGP', 10), flowstream.account_deposit('df_bob', 'FRAC', 10)$$,
    'deposits need no buffer');
SET LOCAL ROLE df_bob;
SELECT throws_ok($$SELECT flowstream.open_flow('df_bob', 'df_carol', 'NEGP', 0.001)$$, '22023', 'the buffer settings of token NEGP are out of range',
    'a negative buffer_period is 22023');
SELECT throws_ok($$SELECT flowstream.open_flow('df_bob', 'df_carol', 'FRAC', 0.001)$$, '22023', NULL,
    'a min_buffer finer than the token''s base unit is 22023');
RESET ROLE;
UPDATE flowstream.tokens SET buffer_period = '0' WHERE token = 'NEGP';
SET LOCAL ROLE df_bob;
SELECT flowstream.open_flow('df_bob', 'df_carol', 'NEGP', 0.001) AS z \gset
RESET ROLE;
SELECT is((SELECT buffer FROM flowstream.flows_now WHERE id = :z), 0.000000, 'buffer_period 0 and no minimum: a flow without buffer');
SELECT is(flowstream.account_critical_time('df_bob', 'NEGP'), flowstream.account_insolvency_time('df_bob', 'NEGP'),
    'without a buffer the critical time is the insolvency time');

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
