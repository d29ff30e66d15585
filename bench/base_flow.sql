-- the baseline of bench/fs_flow.sql: the least each of its calls writes,
-- one statement each, on tables of the same columns and indexes: the
-- flow's row (updated, or inserted when opened) and its two accounts' rows
-- updated, and the event appended with the accounts' states, as
-- flowstream.events holds them; no lock beyond the rows', no check, no
-- trigger, no computation.
\set op random(1, 2)
\set r random(500000000, 2000000000)
\if :op = 1
\set k random(1, :nflows)
WITH f AS (
    UPDATE bench.flow SET rate = :r * 0.000000000001, buffer = :r * 0.0000000036,
                          last_event = nextval('bench.ledger_log_id_seq')
    WHERE id = :k RETURNING *),
a AS (
    UPDATE bench.acct a SET state = a.state, last_event = f.last_event
    FROM f WHERE a.id IN (f.sender_account, f.receiver_account) RETURNING a.id, a.state)
INSERT INTO bench.ledger_log (id, op, actor, amount, destination, at, account_id, account, peer_id, peer,
                              flow_id, flow_buffer)
SELECT f.last_event, 'update_flow', f.sender, f.rate, f.receiver, now(),
       f.sender_account, (SELECT state FROM a WHERE a.id = f.sender_account),
       f.receiver_account, (SELECT state FROM a WHERE a.id = f.receiver_account), f.id, f.buffer
FROM f;
\else
WITH f AS (
    INSERT INTO bench.flow (sender_account, receiver_account, rate, buffer, first_event, last_event,
                            opened_at, sender, receiver, token)
    SELECT s.id, r.id, :r * 0.000000000001, :r * 0.0000000036, n.e, n.e, now(), s.party, r.party, s.token
    FROM bench.acct s, bench.acct r, (SELECT nextval('bench.ledger_log_id_seq') AS e) n
    WHERE s.party = 'cyc-' || CAST(:client_id AS int) AND s.token = 'USDF'
      AND r.party = 'payee-cyc-' || CAST(:client_id AS int) AND r.token = 'USDF'
    RETURNING *),
a AS (
    UPDATE bench.acct a SET state = a.state, last_event = f.last_event
    FROM f WHERE a.id IN (f.sender_account, f.receiver_account) RETURNING a.id, a.state)
INSERT INTO bench.ledger_log (id, op, actor, amount, destination, at, account_id, account, peer_id, peer,
                              flow_id, flow_buffer)
SELECT f.last_event, 'open_flow', f.sender, f.rate, f.receiver, now(),
       f.sender_account, (SELECT state FROM a WHERE a.id = f.sender_account),
       f.receiver_account, (SELECT state FROM a WHERE a.id = f.receiver_account), f.id, f.buffer
FROM f
RETURNING flow_id AS fid \gset
WITH f AS (
    UPDATE bench.flow SET rate = 0, buffer = 0, closed_at = now(),
                          last_event = nextval('bench.ledger_log_id_seq')
    WHERE id = :fid RETURNING *),
a AS (
    UPDATE bench.acct a SET state = a.state, last_event = f.last_event
    FROM f WHERE a.id IN (f.sender_account, f.receiver_account) RETURNING a.id, a.state)
INSERT INTO bench.ledger_log (id, op, actor, amount, destination, at, account_id, account, peer_id, peer,
                              flow_id, flow_buffer)
SELECT f.last_event, 'close_flow', f.sender, NULL, f.receiver, now(),
       f.sender_account, (SELECT state FROM a WHERE a.id = f.sender_account),
       f.receiver_account, (SELECT state FROM a WHERE a.id = f.receiver_account), f.id, f.buffer
FROM f;
\endif
