-- the baseline, one hot row: every client updates row :hot and logs it.
\set amount random(1, 1000)
WITH u AS (
    UPDATE bench.ledger SET state = state, last_event = nextval('bench.ledger_log_id_seq')
    WHERE id = :hot
    RETURNING id, sender, state, last_event, void_after)
INSERT INTO bench.ledger_log (id, stream_id, op, actor, amount, destination, at, state, void_after)
SELECT last_event, id, 'deposit', sender, :amount, NULL, now(), state, void_after FROM u;
