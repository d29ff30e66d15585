-- What the differential stress test (test/stress, accounts and flows) found:
-- each test asserts what SPEC §5 and §6 say, where flowstream did otherwise
-- when it was written (the keys K1-K6 are those of KNOWN in
-- test/stress/accounts.py, which counts them apart while they last).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(14);

CREATE ROLE fs_x;
CREATE ROLE fs_y;
CREATE ROLE fs_r;
CREATE ROLE fs_eve;
INSERT INTO flowstream.tokens (token, decimals, liquidation_reward) VALUES
    ('FK2', 6, NULL), ('FK3', 6, NULL), ('FK4', 6, 'fs_r'), ('FK5', 18, NULL);

-- K1. SPEC §5: who may act (42501) ranks before the amount errors, among
--     them an unknown token (22023).  create_stream keeps that order; the
--     account functions checked the token first.
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE fs_eve;
SELECT throws_ok($$SELECT flowstream.create_stream('fs_x', 'fs_y', 'NO_SUCH_TOKEN', 1)$$, '42501', NULL,
                 'create_stream for another sender in an unknown token: 42501 first (the reference)');
SELECT throws_ok($$SELECT flowstream.account_withdraw('fs_x', 'NO_SUCH_TOKEN', 1)$$, '42501', NULL,
                 'K1: account_withdraw from another''s account in an unknown token: 42501 first');
SELECT throws_ok($$SELECT flowstream.account_transfer('fs_x', 'fs_y', 'NO_SUCH_TOKEN', 1)$$, '42501', NULL,
                 'K1: account_transfer from another''s account in an unknown token: 42501 first');
SELECT throws_ok($$SELECT flowstream.open_flow('fs_x', 'fs_y', 'NO_SUCH_TOKEN', 1)$$, '42501', NULL,
                 'K1: open_flow from another''s account in an unknown token: 42501 first');
-- anyone may deposit, but not with an actor a non-member of flowstream_app set
SET LOCAL flowstream.actor = 'fs_x';
SELECT throws_ok($$SELECT flowstream.account_deposit('fs_x', 'NO_SUCH_TOKEN', 1)$$, '42501', NULL,
                 'K1: account_deposit with a forged flowstream.actor in an unknown token: 42501 first');
RESET flowstream.actor;
RESET ROLE;

-- K4. SPEC §6: the sweeper closes the flows of each account "whose critical
--     time has passed, at the sweeper's time".  fs_x and fs_r each pay
--     0.01/s out of 100 with a 36-token buffer (1 hour); fs_x is critical
--     from 01:46:40, fs_r from 01:48:20.  At 01:56:40 fs_x is liquidated
--     first: its unburnt 30 goes to the token's reward party, fs_r, whose
--     balance becomes 61 and available 25: fs_r is no longer critical when
--     its turn comes, and its flow must stay open.  (The sweeper takes every
--     critical account: this comes before the other tests make flows.)
SET LOCAL flowstream.clock = '2026-04-01 00:00:00+00';
SELECT flowstream.account_deposit('fs_x', 'FK4', 100);
SELECT flowstream.account_deposit('fs_r', 'FK4', 100);
SET LOCAL ROLE fs_x;
SELECT flowstream.open_flow('fs_x', 'fs_y', 'FK4', 0.01) AS k4x \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-04-01 00:01:40+00';
SET LOCAL ROLE fs_r;
SELECT flowstream.open_flow('fs_r', 'fs_y', 'FK4', 0.01) AS k4r \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-04-01 01:56:40+00';
SELECT ok(flowstream.liquidate_critical() >= 1, 'the sweeper runs');
SELECT is((SELECT array_agg(f.sender ORDER BY e.id) FROM flowstream.events e JOIN flowstream.flows f ON f.id = e.flow_id
           WHERE e.op = 'liquidate' AND f.token = 'FK4'), ARRAY['fs_x'],
          'K4: it liquidates fs_x only: the reward made fs_r healthy before its turn');
SELECT is((SELECT status FROM flowstream.flows_now WHERE id = :k4r), 'open',
          'K4: the flow of the account the reward healed stays open');
SELECT is(flowstream.account_available('fs_r', 'FK4'), 25.000000::numeric,
          'K4: its available balance is 61 - 36 = 25');

-- K2. SPEC §5: SF010 ranks before the status errors.  A stream voided at
--     00:00 and its sender's account used at 12:00: deposit_from_account at
--     06:00 is before the account's last operation.
SET LOCAL flowstream.clock = '2026-02-01 00:00:00+00';
SET LOCAL ROLE fs_x;
SELECT flowstream.create_stream('fs_x', 'fs_y', 'FK2', 0.001) AS k2 \gset
SELECT flowstream.void(:k2);
RESET ROLE;
SET LOCAL flowstream.clock = '2026-02-01 12:00:00+00';
SELECT flowstream.account_deposit('fs_x', 'FK2', 10);
SET LOCAL flowstream.clock = '2026-02-01 06:00:00+00';
SET LOCAL ROLE fs_x;
SELECT throws_ok(format('SELECT flowstream.deposit_from_account(%s, 1)', :k2), 'SF010', NULL,
                 'K2: deposit_from_account before the account''s last operation: SF010, before the stream''s SF002');
RESET ROLE;

-- K3. SPEC §5: SF010 ranks before the status errors, and before all else
--     but SF001: opening a flow that is open already (SF015), before the
--     accounts' last operation, is SF010.
SET LOCAL flowstream.clock = '2026-03-02 00:00:00+00';
SELECT flowstream.account_deposit('fs_x', 'FK3', 100);
SET LOCAL ROLE fs_x;
SELECT flowstream.open_flow('fs_x', 'fs_y', 'FK3', 0.001);
RESET ROLE;
SET LOCAL flowstream.clock = '2026-03-01 00:00:00+00';
SET LOCAL ROLE fs_x;
SELECT throws_ok($$SELECT flowstream.open_flow('fs_x', 'fs_y', 'FK3', 0.001)$$, 'SF010', NULL,
                 'K3: open_flow again, a day before the accounts'' last operation: SF010, before SF015');
RESET ROLE;

-- K5. account.h: a flow's buffer may exceed 2^127 - 1 base units (up to
--     2^172); verify() must accept such a history.  5 x 10^16 tokens/s on
--     an 18-decimal token lock 1.8 x 10^20 tokens, 1.8 x 10^38 base units.
SET LOCAL flowstream.clock = '2026-05-01 00:00:00+00';
SELECT flowstream.account_deposit('fs_x', 'FK5', 170000000000000000000);
SELECT flowstream.account_deposit('fs_x', 'FK5', 170000000000000000000);
SET LOCAL ROLE fs_x;
SELECT flowstream.open_flow('fs_x', 'fs_y', 'FK5', 50000000000000000);
RESET ROLE;
SELECT is(flowstream.account_buffer('fs_x', 'FK5'), 180000000000000000000.000000000000000000::numeric,
          'the flow locks 1.8 x 10^38 base units, above 2^127 - 1');
SELECT is_empty($$SELECT * FROM flowstream.verify() WHERE token = 'FK5'$$,
                'K5: verify() accepts the history of a flow whose buffer exceeds 2^127 - 1 base units');

-- K6. verify() audits each token's accounts (deposits less withdrawals,
--     netflows summing to 0) in a hash table whose entries it must start
--     from zero; with more tokens than the table's first allocation it read
--     whatever memory held.  24 tokens, each with a deposit and a flow.
INSERT INTO flowstream.tokens (token, decimals) SELECT 'FK6_' || i, 6 FROM generate_series(1, 24) i;
SET LOCAL flowstream.clock = '2026-06-01 00:00:00+00';
DO $$ BEGIN
    FOR i IN 1 .. 24 LOOP PERFORM flowstream.account_deposit('fs_x', 'FK6_' || i, 1000); END LOOP;
END $$;
SET LOCAL ROLE fs_x;
DO $$ BEGIN
    FOR i IN 1 .. 24 LOOP PERFORM flowstream.open_flow('fs_x', 'fs_y', 'FK6_' || i, 0.001); END LOOP;
END $$;
RESET ROLE;
SET LOCAL flowstream.clock = '2026-06-01 00:00:01+00';
SELECT is_empty($$SELECT * FROM flowstream.verify() WHERE token LIKE 'FK6%'$$,
                'K6: verify() finds nothing wrong with the accounts of 24 tokens');

SELECT * FROM finish();
ROLLBACK;
