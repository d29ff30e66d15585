--
-- managed: what only shows across statements and transactions, so pgTAP's
-- one transaction per file cannot test it: the errors an API call raises
-- (its message and detail, and no CONTEXT of the statements it runs
-- inside), an actor that must be named in the transaction that acts, the
-- restore of a history with savepoints, a token's decimals that never
-- change, and direct writes of a stream.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mg_alice') THEN CREATE ROLE mg_alice; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mg_bob') THEN CREATE ROLE mg_bob; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mg_app') THEN CREATE ROLE mg_app; END IF;
END $$;
GRANT flowstream_app TO mg_app;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
INSERT INTO flowstream.tokens VALUES ('MGD', 2);
SET flowstream.clock = '2026-01-01 00:00:00+00';
SET ROLE mg_alice;
SELECT flowstream.create_stream('mg_alice', 'mg_bob', 'MGD', 1, deposit => 10) AS s \gset
RESET ROLE;
SET flowstream.clock = '2026-01-01 00:01:40+00';

--
-- 1. An API error names what went wrong, and its CONTEXT shows only the
--    caller's statements (here a PL/pgSQL function), never the UPDATE and
--    INSERT the API runs inside (0.1.0 showed them).
--
\set SHOW_CONTEXT always
SET ROLE mg_bob;
SELECT flowstream.withdraw(:s, 20);
\echo :LAST_ERROR_SQLSTATE
SELECT flowstream.pause(:s);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
CREATE FUNCTION public.pays(id bigint) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    RETURN flowstream.withdraw(id, 1000);
END $$;
SET ROLE mg_bob;
SELECT public.pays(:s);
\echo :LAST_ERROR_SQLSTATE
UPDATE flowstream.streams_now SET rate_per_second = 2 WHERE id = :s;
\echo :LAST_ERROR_SQLSTATE
SELECT flowstream.deposit(:s, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT flowstream.deposit(NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT flowstream.transfer(:s, NULL);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
\set SHOW_CONTEXT errors

--
-- 2. flowstream.actor acts only in the transaction that sets it: a plain
--    SET outlives its transaction, and behind a pooler the next transaction
--    on the connection may be another client's.
--
SET ROLE mg_app;
SET flowstream.actor = 'mg_bob';
-- a later transaction: the actor is not believed
SELECT flowstream.withdraw(:s, 1, 'mg_bob_wallet');
\echo :LAST_ERROR_SQLSTATE
-- SET LOCAL, or set_config(..., true), in the transaction that acts
BEGIN;
SET LOCAL flowstream.actor = 'mg_bob';
SELECT flowstream.withdraw(:s, 1, 'mg_bob_wallet');
COMMIT;
BEGIN;
SELECT set_config('flowstream.actor', 'mg_bob', true) IS NOT NULL AS named;
SELECT flowstream.withdraw(:s, 1, 'mg_bob_wallet');
COMMIT;
-- a plain SET inside the transaction acts in that transaction, and in no later one
BEGIN;
SET flowstream.actor = 'mg_bob';
SELECT flowstream.withdraw(:s, 1, 'mg_bob_wallet');
COMMIT;
SELECT flowstream.withdraw(:s, 1, 'mg_bob_wallet');
\echo :LAST_ERROR_SQLSTATE
-- without an actor the app acts as itself: to the recipient, anyone may
RESET flowstream.actor;
SELECT flowstream.withdraw(:s, 1);
RESET ROLE;
SELECT actor, amount, destination FROM flowstream.events WHERE stream_id = :s AND op = 'withdraw' ORDER BY id;

--
-- 3. A restore's history with a savepoint: an event rolled back to the
--    savepoint is not the "previous" of the next one (0.1.0 remembered it).
--
BEGIN;
INSERT INTO flowstream.events (id, stream_id, op, actor, destination, at, state)
VALUES (100000, 100000, 'create', 'mg_alice', 'mg_bob', '2026-01-01 00:00:00+00',
        flowstream.stream(1, 2, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'));
SAVEPOINT before_deposit;
INSERT INTO flowstream.events (id, stream_id, op, actor, amount, at, state)
VALUES (100001, 100000, 'deposit', 'mg_alice', 5, '2026-01-01 00:00:00+00',
        flowstream.deposit(flowstream.stream(1, 2, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'),
                           5, '2026-01-01 00:00:00+00'));
ROLLBACK TO before_deposit;
INSERT INTO flowstream.events (id, stream_id, op, actor, amount, at, state)
VALUES (100002, 100000, 'deposit', 'mg_alice', 7, '2026-01-01 00:00:00+00',
        flowstream.deposit(flowstream.stream(1, 2, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'),
                           7, '2026-01-01 00:00:00+00'));
SELECT id, op, amount FROM flowstream.events WHERE stream_id = 100000 ORDER BY id;
ROLLBACK;

--
-- 4. A token's decimals never change (0.1.0 allowed it while no stream
--    used the token, and create_stream could read the old value of a
--    change not yet committed); an unused token is deleted and registered
--    again.  Decimals outside 0..18 are refused by the same rule as a
--    stream's.
--
UPDATE flowstream.tokens SET decimals = 6 WHERE token = 'MGD';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO flowstream.tokens VALUES ('MGE', 2);
UPDATE flowstream.tokens SET decimals = 3 WHERE token = 'MGE';
\echo :LAST_ERROR_SQLSTATE
UPDATE flowstream.tokens SET decimals = 2 WHERE token = 'MGE';
DELETE FROM flowstream.tokens WHERE token = 'MGE';
INSERT INTO flowstream.tokens VALUES ('MGE', 3);
INSERT INTO flowstream.tokens VALUES ('MGF', 19);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO flowstream.tokens VALUES ('MGF', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT token, decimals FROM flowstream.tokens WHERE token LIKE 'MG%' ORDER BY token;

--
-- 5. Only the API writes a stream: a direct UPDATE is refused, even one
--    that is a single legal operation, and set-based work calls the API
--    for each row.
--
UPDATE flowstream.streams SET state = flowstream.deposit(state, 1, flowstream.now()) WHERE id = :s;
\echo :LAST_ERROR_SQLSTATE
SELECT flowstream.deposit(id, 1) FROM flowstream.streams WHERE token = 'MGD';
SELECT op, actor, amount FROM flowstream.events WHERE stream_id = :s ORDER BY id DESC LIMIT 1;

SELECT * FROM flowstream.verify();
RESET flowstream.clock;
DROP FUNCTION public.pays(bigint);
