-- Two bugs the differential stress test found, kept as regressions.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(9);

CREATE ROLE fs_alice;
CREATE ROLE fs_bob;
INSERT INTO flowstream.tokens VALUES ('FSA', 2), ('FSB', 18);

-- 1. A transfer or a new grace takes its place in time: no later operation
--    may precede it (it moves last_op), or the history would go backwards.
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE fs_alice;
SELECT flowstream.create_stream('fs_alice', 'fs_bob', 'FSA', 1, deposit => 100) AS s \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-02 00:00:00+00';
SET LOCAL ROLE fs_alice;
SELECT flowstream.set_void_after(:s, '1 day');
RESET ROLE;
SELECT is((SELECT flowstream.last_op(state) FROM flowstream.streams WHERE id = :s),
          '2026-01-02 00:00:00+00'::timestamptz, 'set_void_after moves last_op');
SET LOCAL flowstream.clock = '2026-01-01 12:00:00+00';
SET LOCAL ROLE fs_bob;
SELECT throws_ok(format('SELECT flowstream.withdraw_max(%s)', :s), 'SF010', NULL,
                 'an operation before the grace change is SF010');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-03 00:00:00+00';
SET LOCAL ROLE fs_bob;
SELECT flowstream.transfer(:s, 'fs_carol');
RESET ROLE;
SELECT is((SELECT flowstream.last_op(state) FROM flowstream.streams WHERE id = :s),
          '2026-01-03 00:00:00+00'::timestamptz, 'a transfer moves last_op');
SET LOCAL flowstream.clock = '2026-01-02 12:00:00+00';
SET LOCAL ROLE fs_alice;
SELECT throws_ok(format('SELECT flowstream.deposit(%s, 1)', :s), 'SF010', NULL,
                 'an operation before the transfer is SF010');
RESET ROLE;
-- 0.1.0 let the owner transfer and change the grace by a direct UPDATE,
-- which had to take its place in time too; since 0.2.0 only the API writes
SET LOCAL flowstream.clock = '2026-01-04 00:00:00+00';
SELECT throws_ok(format($$UPDATE flowstream.streams SET recipient = 'fs_dave' WHERE id = %s$$, :s), '42501', NULL,
                 'a direct transfer is refused, even to the owner');
SELECT throws_ok(format('UPDATE flowstream.streams SET void_after = NULL WHERE id = %s', :s), '42501', NULL,
                 'so is a direct grace change');

-- 2. A void can write off more than 2^127 - 1 base units; the history check
--    must read the whole amount.  10^18 tokens/s on an 18-decimal token for
--    1000 s is 10^21 tokens of debt; the balance 1 token covers 1 of them.
SET LOCAL flowstream.clock = '2030-01-01 00:00:00+00';
SET LOCAL ROLE fs_alice;
SELECT flowstream.create_stream('fs_alice', 'fs_bob', 'FSB', 1000000000000000000, deposit => 1) AS big \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2030-01-01 00:16:40+00';
SET LOCAL ROLE fs_alice;
SELECT is(flowstream.void(:big), 999999999999999999999.000000000000000000,
          'the written-off debt is 10^21 - 1 tokens, beyond 2^127 - 1 base units');
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() accepts it');
SELECT is((SELECT amount FROM flowstream.events WHERE stream_id = :big AND op = 'void'),
          999999999999999999999.000000000000000000, 'the void event records it');

SELECT * FROM finish();
ROLLBACK;
