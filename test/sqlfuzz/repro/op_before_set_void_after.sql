-- Found by test/sqlfuzz (seed 2): an operation may be recorded at a time
-- before the stream's previous event when that event was a transfer or a
-- set_void_after (or a sweeper void after one).  Those operations leave the
-- state's last_op unchanged, and the API checks a new operation's time only
-- against last_op, so once flowstream.clock goes back (tests and simulations
-- do; SPEC 3: "it never moves a stream back (SF010)") a withdraw, deposit,
-- void, ... is accepted at a time earlier than the transfer, and verify()
-- reports "event N is earlier than the event before it"; state_at() then
-- reads an order of events that never happened.
-- Expected: the deposit at 11:00 is refused with SF010 (the stream's last
-- operation, set_void_after, was at 12:00), and verify() returns no row.
-- (The same happens after a transfer, and with the sweeper's void after a
-- set_void_after: stream 17 of the fuzz run had transfer at 23:13 then
-- withdraw at 04:48 the same day.)
-- Prints "ok" or "not ok" on its last line.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
INSERT INTO flowstream.tokens VALUES ('REPRO6', 6) ON CONFLICT DO NOTHING;
SET flowstream.clock = '2026-01-01 10:00:00+00';
SELECT flowstream.create_stream(current_user, current_user || '_to', 'REPRO6', 0.001, deposit => 100) AS id \gset
SET flowstream.clock = '2026-01-01 12:00:00+00';
SELECT flowstream.set_void_after(:id, '1 day');
SET flowstream.clock = '2026-01-01 11:00:00+00';
\set ON_ERROR_STOP 0
SELECT flowstream.deposit(:id, 1);
\set ON_ERROR_STOP 1
SELECT id, op, at FROM flowstream.events WHERE stream_id = :id ORDER BY id;
SELECT problem FROM flowstream.verify() WHERE stream_id = :id;
SELECT CASE WHEN count(*) = 0 THEN 'ok' ELSE 'not ok' END AS result
FROM flowstream.verify() WHERE stream_id = :id;
