-- the baseline: the least any ledger write does, in ONE statement like one
-- API call: update one row of a random stream among the first :nstreams
-- (same width as flowstream.streams) and append its log entry (same width
-- and indexes as flowstream.events).
\set id random(1, :nstreams)
\set amount random(1, 1000)
WITH u AS (
    UPDATE bench.ledger SET state = state, last_event = nextval('bench.ledger_log_id_seq')
    WHERE id = :id
    RETURNING id, sender, state, last_event, void_after)
INSERT INTO bench.ledger_log (id, stream_id, op, actor, amount, destination, at, state, void_after)
SELECT last_event, id, 'deposit', sender, :amount, NULL, now(), state, void_after FROM u;
