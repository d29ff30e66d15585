-- Found by test/sqlfuzz (seed 2): flowstream.verify() reports a correct void
-- event as a discrepancy when the written-off debt exceeds 2^127 - 1 base
-- units.  The uncovered debt may be that large (a rate up to 2^127 - 1 units
-- times any elapsed time), and api_void records it exactly, but the replay
-- of the void event (flow_replay in src/history.c) reads the recorded amount
-- with numeric_to_amount, whose flow_parse_amount refuses anything above
-- 2^127 - 1 (FLOW_ERR_OVERFLOW), so the check "a.units == written_off"
-- fails: "the written-off amount of a void event is not the uncovered debt".
-- Expected: verify() returns no row.  Prints "ok" or "not ok" on its last line.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
INSERT INTO flowstream.tokens VALUES ('REPRO18', 18) ON CONFLICT DO NOTHING;
SET flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.create_stream(current_user, 'repro_recipient', 'REPRO18',
                                170141183460469231731.687303715884105727) AS id \gset
SET flowstream.clock = '2026-01-01 00:00:02+00';
-- two seconds at the largest rate: 2 * (2^127 - 1) base units owed, nothing deposited
SELECT flowstream.void(:id) AS written_off;
SELECT problem FROM flowstream.verify() WHERE stream_id = :id;
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END AS result
FROM flowstream.verify() WHERE stream_id = :id;
