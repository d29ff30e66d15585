--
-- user_tables: flowstream.stream_trigger() on users' own tables.  Every
-- argument and its errors, every transition through plain UPDATEs (and
-- through the pure functions in the same UPDATE), multi-row updates,
-- INSERT with a state, rows adopted by a later UPDATE, decimals 0, 6 and
-- 18, the history (what each change records, as the table's owner), the
-- rebuild state_in_history() and verify_history() with its findings.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
DROP SCHEMA IF EXISTS ut CASCADE;
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ut_writer') THEN CREATE ROLE ut_writer; END IF;
END $$;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE SCHEMA ut;
SET search_path = ut, public;

-- try(q): runs the statement q; 'ok', or the error's SQLSTATE and message
CREATE FUNCTION pg_temp.try(q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN state || ': ' || msg;
END $$;

--
-- 1. The arguments: named 'key=value', or the state and rate columns alone
--    first.  Each mistake is found when the trigger first fires.
--
CREATE TABLE args (id int PRIMARY KEY, state flowstream.stream, rate numeric,
                   voided boolean, at timestamptz, dec smallint, label text);
CREATE TABLE args_history (id bigint GENERATED ALWAYS AS IDENTITY, args_id int, op text,
                           at timestamptz, balance_change numeric, debt_change numeric,
                           state flowstream.stream);
CREATE FUNCTION pg_temp.try_args(VARIADIC a text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE format('CREATE TRIGGER s BEFORE INSERT OR UPDATE ON ut.args FOR EACH ROW '
                   'EXECUTE FUNCTION flowstream.stream_trigger(%s)',
                   (SELECT string_agg(quote_literal(x), ', ') FROM unnest(a) x));
    result := pg_temp.try($q$INSERT INTO ut.args (id, rate, at, dec) VALUES (1, 0.001, '2026-01-01Z', 6)$q$);
    DROP TRIGGER s ON ut.args;
    DELETE FROM ut.args;
    RETURN result;
END $$;
SELECT pg_temp.try_args('state', 'rate', 'decimals=6');
SELECT pg_temp.try_args('state=state', 'rate=rate', 'decimals=6');
SELECT pg_temp.try_args('rate=rate', 'state=state', 'voided=voided', 'at=at', 'decimals_column=dec',
                        'history=args_history', 'history_key=args_id');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=ut.args_history', 'key=id', 'history_key=args_id');
SELECT pg_temp.try_args('state', 'rate');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'decimals_column=dec');
SELECT pg_temp.try_args('state', 'decimals=6');
SELECT pg_temp.try_args('state', 'rate', 'voided');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'colour=blue');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'rate=rate');
SELECT pg_temp.try_args('state', 'rate', 'decimals=');
SELECT pg_temp.try_args('state', 'rate', 'decimals=19');
SELECT pg_temp.try_args('state', 'rate', 'decimals=six');
SELECT pg_temp.try_args('state', 'price', 'decimals=6');
SELECT pg_temp.try_args('label', 'rate', 'decimals=6');
SELECT pg_temp.try_args('state', 'label', 'decimals=6');
SELECT pg_temp.try_args('state', 'rate', 'voided=label', 'decimals=6');
SELECT pg_temp.try_args('state', 'rate', 'at=label', 'decimals=6');
SELECT pg_temp.try_args('state', 'rate', 'decimals_column=label');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'key=id');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=no_such_history');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=args_history');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=args_history', 'history_key=label');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=args_history', 'key=label', 'history_key=args_id');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=args_history', 'history_key=id');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=args', 'key=label', 'history_key=label');
SELECT pg_temp.try_args('state', 'rate', 'decimals=6', 'history=flowstream.streams_now', 'history_key=id');
-- a trigger fired for anything else than BEFORE INSERT OR UPDATE ... FOR EACH ROW
CREATE TRIGGER s AFTER INSERT ON args FOR EACH ROW EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'decimals=6');
SELECT pg_temp.try($q$INSERT INTO ut.args (id, rate) VALUES (1, 1)$q$);
DROP TRIGGER s ON args;
CREATE TRIGGER s BEFORE DELETE ON args FOR EACH ROW EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'decimals=6');
INSERT INTO args (id, rate) VALUES (1, 1);
SELECT pg_temp.try($q$DELETE FROM ut.args$q$);
DROP TRIGGER s ON args;
CREATE TRIGGER s BEFORE INSERT ON args EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'decimals=6');
SELECT pg_temp.try($q$INSERT INTO ut.args (id, rate) VALUES (2, 1)$q$);
DROP TRIGGER s ON args;
SELECT pg_temp.try($q$SELECT flowstream.stream_trigger()$q$);

--
-- 2. A subscriptions table: a plain rate column (tokens per second), a
--    voided flag, the time from flowstream.now() (the test clock here).
--
CREATE TABLE subs (
    id bigint PRIMARY KEY,
    customer text NOT NULL,
    plan text NOT NULL,
    rate numeric NOT NULL,
    voided boolean NOT NULL DEFAULT false,
    state flowstream.stream
);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON subs FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'voided=voided', 'decimals=6');
SET flowstream.clock = '2026-01-01 00:00:00+00';
-- INSERT creates each stream from its rate at flowstream.now(); rate 0 starts paused
INSERT INTO subs (id, customer, plan, rate) VALUES
    (1, 'ana', 'pro', 0.001), (2, 'bo', 'pro', 0.002), (3, 'cy', 'basic', 0.0005), (4, 'di', 'trial', 0);
SELECT id, plan, rate, voided, state FROM subs ORDER BY id;

-- deposits through the pure function, in a plain UPDATE: the state is kept
UPDATE subs SET state = flowstream.deposit(state, 100, flowstream.now()) WHERE id IN (1, 2, 3);

-- a day later, a plain UPDATE of the price of a plan re-rates every row of
-- it, each with its snapshot: the day at the old rate stays owed
SET flowstream.clock = '2026-01-02 00:00:00+00';
UPDATE subs SET rate = rate * 1.5 WHERE plan = 'pro';
SELECT id, rate, flowstream.total_debt(state) AS owed,
       flowstream.snapshot_debt(state) AS snapshot, flowstream.snapshot_time(state)
FROM subs ORDER BY id;
-- and a day after that: 86.4 + 129.6 for ana, 172.8 + 259.2 for bo (100 covered)
SET flowstream.clock = '2026-01-03 00:00:00+00';
SELECT id, flowstream.total_debt(state) AS owed, flowstream.covered_debt(state) AS covered,
       flowstream.status(state) FROM subs ORDER BY id;

-- rate 0 pauses, a rate on a paused stream restarts it, voided = true voids
UPDATE subs SET rate = 0 WHERE id = 1;
UPDATE subs SET rate = 0.001 WHERE id = 4;
UPDATE subs SET voided = true WHERE id = 2;
SELECT id, rate, voided, flowstream.status(state), flowstream.total_debt(state) AS owed,
       flowstream.balance(state) FROM subs ORDER BY id;
SET flowstream.clock = '2026-01-04 00:00:00+00';
UPDATE subs SET rate = 0.002 WHERE id = 1;
SELECT id, rate, flowstream.status(state), flowstream.total_debt(state) AS owed,
       flowstream.snapshot_time(state) FROM subs WHERE id IN (1, 4) ORDER BY id;

-- what changes nothing: another column, the same rate written back (as
-- ORMs do), a rate equal in value, voided = false on a live stream
SELECT state AS before FROM subs WHERE id = 3 \gset
UPDATE subs SET customer = 'cyd' WHERE id = 3;
UPDATE subs SET rate = rate, voided = voided, state = state WHERE id = 3;
UPDATE subs SET rate = 0.000500 WHERE id = 3;
UPDATE subs SET voided = false WHERE id = 3;
SELECT state OPERATOR(flowstream.=) :'before' AS unchanged FROM subs WHERE id = 3;

-- a state changed in the UPDATE is kept and the rate change applies after
-- it, at the same time: a deposit and a new rate in one statement
UPDATE subs SET state = flowstream.deposit(state, 50, flowstream.now()), rate = 0.004 WHERE id = 3;
SELECT rate, state FROM subs WHERE id = 3;
-- a transition through the pure function keeps the plain columns in step
UPDATE subs SET state = flowstream.pause(state, flowstream.now()) WHERE id = 3;
SELECT rate, voided, flowstream.status(state) FROM subs WHERE id = 3;
UPDATE subs SET state = flowstream.void(state, flowstream.now()) WHERE id = 3;
SELECT rate, voided, flowstream.status(state) FROM subs WHERE id = 3;
-- several transitions composed in one UPDATE are kept too (there is no history here)
UPDATE subs SET state = flowstream.withdraw(flowstream.deposit(state, 10, flowstream.now()), 5, flowstream.now())
WHERE id = 1;
SELECT flowstream.balance(state), flowstream.total_debt(state) FROM subs WHERE id = 1;

-- the errors are the pure functions' SQLSTATEs
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 1 WHERE id = 2$q$) AS rate_on_voided;
-- (rate 0 is a voided stream's rate already: nothing to do)
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 0 WHERE id = 2$q$) AS rate_0_on_voided;
SELECT pg_temp.try($q$UPDATE ut.subs SET voided = false WHERE id = 2$q$) AS unvoid;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = -1 WHERE id = 1$q$) AS negative;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = -1 WHERE id = 4 AND false$q$) AS no_row;
UPDATE subs SET rate = 0 WHERE id = 4;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = -1 WHERE id = 4$q$) AS negative_on_paused;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 'NaN' WHERE id = 1$q$) AS nan;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 0.0000000000000000001 WHERE id = 1$q$) AS too_precise;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 1e40 WHERE id = 1$q$) AS too_large;
SELECT pg_temp.try($q$UPDATE ut.subs SET state = NULL WHERE id = 1$q$) AS null_state;
SELECT pg_temp.try($q$UPDATE ut.subs SET state = flowstream.deposit(state, 1, '2026-01-01Z') WHERE id = 1$q$) AS back_in_time;
SELECT pg_temp.try($q$UPDATE ut.subs SET state = flowstream.deposit(state, 0.0000001, flowstream.now()) WHERE id = 1$q$) AS seven_digits;
SELECT pg_temp.try($q$UPDATE ut.subs SET state = flowstream.stream(1, 18, flowstream.now(), flowstream.now()) WHERE id = 1$q$) AS other_decimals;
-- a multi-row UPDATE is one statement: one bad row undoes them all
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = rate + 0.001$q$) AS all_or_nothing;
SELECT id, rate FROM subs ORDER BY id;
-- the test clock set back: SF010 (on the real clock, a later time is used, as the API does)
SET flowstream.clock = '2026-01-03 00:00:00+00';
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 0.003 WHERE id = 1$q$) AS clock_back;
SET flowstream.clock = '2026-01-04 00:00:00+00';
-- INSERT: a NULL rate, a negative rate
SELECT pg_temp.try($q$INSERT INTO ut.subs (id, customer, plan, rate) VALUES (9, 'x', 'pro', NULL)$q$) AS null_rate;
SELECT pg_temp.try($q$INSERT INTO ut.subs (id, customer, plan, rate) VALUES (9, 'x', 'pro', -0.5)$q$) AS negative_rate;
-- ON CONFLICT DO UPDATE is an UPDATE like any other
INSERT INTO subs (id, customer, plan, rate) VALUES (4, 'di', 'pro', 0.003)
    ON CONFLICT (id) DO UPDATE SET rate = excluded.rate;
SELECT rate, flowstream.status(state) FROM subs WHERE id = 4;

--
-- 3. INSERT with a state: kept; the plain columns are filled in from it,
--    or must agree with it.  A start in the future (pending) is made so.
--
INSERT INTO subs (id, customer, plan, rate, voided, state) VALUES
    (5, 'ed', 'pro', 0.001, false, flowstream.stream(0.001, 6, '2026-02-01Z', '2026-01-04Z'));
INSERT INTO subs (id, customer, plan, rate, state)
    SELECT 6, 'fi', 'pro', NULL, flowstream.deposit(flowstream.stream(0.25, 6, '2026-01-04Z', '2026-01-04Z'), 7, '2026-01-04Z');
SELECT id, rate, voided, flowstream.status(state), flowstream.balance(state) FROM subs WHERE id IN (5, 6) ORDER BY id;
SELECT pg_temp.try($q$INSERT INTO ut.subs (id, customer, plan, rate, state)
    VALUES (7, 'gu', 'pro', 0.002, flowstream.stream(0.001, 6, '2026-01-04Z', '2026-01-04Z'))$q$) AS other_rate;
SELECT pg_temp.try($q$INSERT INTO ut.subs (id, customer, plan, rate, voided, state)
    VALUES (7, 'gu', 'pro', 0.001, true, flowstream.stream(0.001, 6, '2026-01-04Z', '2026-01-04Z'))$q$) AS not_voided;
SELECT pg_temp.try($q$INSERT INTO ut.subs (id, customer, plan, rate, state)
    VALUES (7, 'gu', 'pro', 0.001, flowstream.stream(0.001, 18, '2026-01-04Z', '2026-01-04Z'))$q$) AS other_decimals;
-- a pending stream re-rated keeps its start; pausing it is SF005
UPDATE subs SET rate = 0.002 WHERE id = 5;
SELECT rate, flowstream.snapshot_time(state), flowstream.status(state) FROM subs WHERE id = 5;
SELECT pg_temp.try($q$UPDATE ut.subs SET rate = 0 WHERE id = 5$q$) AS pause_pending;
-- voided = true on INSERT creates and voids
INSERT INTO subs (id, customer, plan, rate, voided) VALUES (8, 'ha', 'pro', 0.001, true);
SELECT rate, voided, flowstream.status(state) FROM subs WHERE id = 8;

--
-- 4. The time from a column, decimals from a column, decimals 0 and 18,
--    a rate column with a typmod (computed rates rounded by PostgreSQL on
--    assignment, as declared).
--
CREATE TABLE grants (
    grant_id int PRIMARY KEY,
    token_decimals int NOT NULL,
    per_second numeric(38, 18) NOT NULL,
    changed_at timestamptz NOT NULL,
    stream flowstream.stream
);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON grants FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state=stream', 'rate=per_second',
                                               'at=changed_at', 'decimals_column=token_decimals');
INSERT INTO grants VALUES
    (1, 0, 1, '2026-03-01 00:00:00Z'),                  -- JPY-like: whole units
    (2, 18, 0.000001157407407407, '2026-03-01 00:00:00Z'), -- 18 decimals: 0.1 token a day, floored
    (3, 6, 0.5, '2026-03-01 00:00:00.5Z');
SELECT grant_id, per_second, stream FROM grants ORDER BY grant_id;
-- a third of a second at 1 unit/s owes nothing yet at 0 decimals; 86400 s owe 86400
SELECT grant_id, flowstream.total_debt(stream, '2026-03-01 00:00:00.333333Z') AS after_a_third,
       flowstream.total_debt(stream, '2026-03-02 00:00:00Z') AS after_a_day
FROM grants ORDER BY grant_id;
UPDATE grants SET per_second = per_second / 3, changed_at = '2026-03-02 00:00:00.5Z';
SELECT grant_id, per_second, flowstream.rate_per_second(stream) = per_second AS in_step,
       flowstream.snapshot_debt(stream), flowstream.total_debt(stream, '2026-03-03Z')
FROM grants ORDER BY grant_id;
-- the time column is the time of the change: it may not go back, and must not be null
SELECT pg_temp.try($q$UPDATE ut.grants SET per_second = 2, changed_at = '2026-03-01Z' WHERE grant_id = 1$q$) AS back;
SELECT pg_temp.try($q$UPDATE ut.grants SET per_second = 2, changed_at = NULL WHERE grant_id = 1$q$) AS null_time;
SELECT pg_temp.try($q$UPDATE ut.grants SET per_second = 2, changed_at = 'infinity' WHERE grant_id = 1$q$) AS infinite;
SELECT pg_temp.try($q$UPDATE ut.grants SET token_decimals = 2 WHERE grant_id = 1$q$) AS decimals_change;
SELECT pg_temp.try($q$INSERT INTO ut.grants VALUES (4, NULL, 1, '2026-03-01Z')$q$) AS null_decimals;
SELECT pg_temp.try($q$INSERT INTO ut.grants VALUES (4, 19, 1, '2026-03-01Z')$q$) AS bad_decimals;
-- an unchanged time column is the time of the last change: allowed, and the same instant
UPDATE grants SET per_second = 3 WHERE grant_id = 1;
SELECT per_second, flowstream.last_op(stream) FROM grants WHERE grant_id = 1;

--
-- 5. Adopting a table that has rows: they get their streams at their first
--    UPDATE (any UPDATE: SET state = NULL is the usual one).
--
CREATE TABLE legacy (id int PRIMARY KEY, rate numeric NOT NULL, state flowstream.stream);
INSERT INTO legacy VALUES (1, 0.01), (2, 0);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON legacy FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'decimals=2');
UPDATE legacy SET state = NULL;
SELECT id, rate, state FROM legacy ORDER BY id;
SELECT pg_temp.try($q$UPDATE ut.legacy SET state = NULL$q$) AS null_again;

--
-- 6. The history: one row per change, written as the table's owner (its
--    writers need no right on it), keyed by the table's primary key.
--
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    plan text NOT NULL,
    rate numeric NOT NULL,
    voided boolean,
    state flowstream.stream
);
CREATE TABLE accounts_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    op flowstream.op NOT NULL,
    at timestamptz NOT NULL,
    balance_change numeric NOT NULL,
    debt_change numeric NOT NULL,
    state flowstream.stream NOT NULL,
    written_by name DEFAULT current_user
);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'voided=voided', 'decimals=6',
                                               'history=accounts_history', 'history_key=account_id');
GRANT USAGE ON SCHEMA ut TO ut_writer;
GRANT SELECT, INSERT, UPDATE ON accounts TO ut_writer;
GRANT SELECT ON accounts_history TO ut_writer;

-- the writer acts; the test clock is the superuser's
CREATE FUNCTION pg_temp.at(t timestamptz) RETURNS void LANGUAGE sql AS $$
    RESET ROLE; SELECT set_config('flowstream.clock', t::text, false); SET ROLE ut_writer;
$$;
SET ROLE ut_writer;
SELECT pg_temp.at('2026-01-01 00:00:00+00');
INSERT INTO accounts (id, plan, rate) VALUES (1, 'pro', 0.001), (2, 'pro', 0.002), (3, 'basic', 0);
UPDATE accounts SET state = flowstream.deposit(state, 100, flowstream.now());
SELECT pg_temp.at('2026-01-02 00:00:00+00');
UPDATE accounts SET rate = rate * 2 WHERE plan = 'pro';
UPDATE accounts SET state = flowstream.withdraw(state, 50, flowstream.now()) WHERE id = 1;
UPDATE accounts SET state = flowstream.refund(state, 10, flowstream.now()) WHERE id = 3;
SELECT pg_temp.at('2026-01-03 00:00:00+00');
UPDATE accounts SET rate = 0 WHERE id = 1;
UPDATE accounts SET rate = 0.003 WHERE id = 3;
UPDATE accounts SET voided = true WHERE id = 2;
SELECT pg_temp.at('2026-01-04 00:00:00+00');
UPDATE accounts SET state = flowstream.deposit(state, 20, flowstream.now()), rate = 0.001 WHERE id = 1;
UPDATE accounts SET state = flowstream.withdraw(state, 1, flowstream.now()) WHERE id = 3;
UPDATE accounts SET state = flowstream.void(state, flowstream.now()) WHERE id = 3;
-- the writer cannot write the history itself
SELECT pg_temp.try($q$INSERT INTO ut.accounts_history (account_id, op, at, balance_change, debt_change, state)
    SELECT id, 'deposit', flowstream.now(), 1, 0, state FROM ut.accounts WHERE id = 1$q$) AS forge;
RESET ROLE;
SELECT account_id, op, at, balance_change, debt_change, written_by,
       flowstream.rate_per_second(state) AS rate, flowstream.balance(state) AS balance
FROM accounts_history ORDER BY id;

-- with a history, a change of the state must be one operation, and the key stays
SELECT pg_temp.try($q$UPDATE ut.accounts SET state = flowstream.withdraw(flowstream.deposit(state, 10, flowstream.now()), 5, flowstream.now()) WHERE id = 1$q$) AS two_at_once;
SELECT pg_temp.try($q$UPDATE ut.accounts SET state = flowstream.stream(0.001, 6, flowstream.now(), flowstream.now()) WHERE id = 1$q$) AS replaced;
SELECT pg_temp.try($q$UPDATE ut.accounts SET state = (SELECT state FROM ut.accounts WHERE id = 2) WHERE id = 1$q$) AS older;
SELECT pg_temp.try($q$UPDATE ut.accounts SET id = 10 WHERE id = 1$q$) AS new_key;
SELECT pg_temp.try($q$INSERT INTO ut.accounts (id, plan, rate, state)
    VALUES (4, 'pro', 0.001, flowstream.deposit(flowstream.stream(0.001, 6, flowstream.now(), flowstream.now()), 5, flowstream.now()))$q$) AS not_new;
INSERT INTO accounts (id, plan, rate, state)
    VALUES (4, 'pro', NULL, flowstream.stream(0.001, 6, '2026-02-01Z', flowstream.now()));
SELECT account_id, op, at, balance_change, debt_change FROM accounts_history WHERE account_id = 4;

-- the state of a row at any past time, rebuilt from the history
SELECT t, flowstream.state_in_history('accounts_history', 1::bigint, t) AS state
FROM unnest(ARRAY['2025-12-31Z', '2026-01-01Z', '2026-01-01 12:00Z', '2026-01-02Z',
                  '2026-01-03 23:59:59.999999Z', '2026-01-04Z']::timestamptz[]) t;
-- its debts then are those the table had then
SELECT flowstream.total_debt(flowstream.state_in_history('accounts_history', 2::bigint, '2026-01-02 12:00Z'),
                             '2026-01-02 12:00Z') AS owed_at_noon;
SELECT flowstream.state_in_history('accounts_history', 1, '2026-01-04Z') OPERATOR(flowstream.=)
       (SELECT state FROM accounts WHERE id = 1) AS int_key_is_cast;
SELECT pg_temp.try($q$SELECT flowstream.state_in_history('ut.accounts', 1::bigint, flowstream.now())$q$) AS not_a_history;
SELECT pg_temp.try($q$SELECT flowstream.state_in_history('ut.accounts_history', 'x'::text, flowstream.now())$q$) AS key_type;

-- verify_history(): nothing to report
SELECT * FROM flowstream.verify_history('accounts', 'accounts_history');
SELECT pg_temp.try($q$SELECT * FROM flowstream.verify_history('ut.subs', 'ut.accounts_history')$q$) AS no_such_trigger;

-- what it finds: a forged change, a changed amount, a row changed behind
-- the trigger's back (disabled), a row without its history
INSERT INTO accounts_history (account_id, op, at, balance_change, debt_change, state)
    SELECT 3, 'deposit', '2026-01-05Z', 5, 0, flowstream.deposit(state, 5, '2026-01-05Z') FROM accounts WHERE id = 1;
UPDATE accounts_history SET balance_change = 99 WHERE account_id = 2 AND op = 'deposit';
UPDATE accounts_history SET debt_change = 0 WHERE account_id = 2 AND op = 'void';
ALTER TABLE accounts DISABLE TRIGGER stream;
UPDATE accounts SET rate = 0.5 WHERE id = 1;
INSERT INTO accounts (id, plan, rate, state) VALUES (5, 'pro', 0.001, flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z'));
INSERT INTO accounts (id, plan, rate) VALUES (6, 'pro', 0.001);
ALTER TABLE accounts ENABLE TRIGGER stream;
SELECT * FROM flowstream.verify_history('accounts', 'accounts_history') ORDER BY key, problem;

--
-- 7. A hostile search_path changes nothing: an unqualified history is
--    the table's schema's, and nothing of the writer's is called.
--
CREATE SCHEMA ut_evil;
CREATE TABLE ut_evil.accounts_history (LIKE ut.accounts_history);
SET search_path = ut_evil, ut, public;
SET flowstream.clock = '2026-01-06 00:00:00+00';
DELETE FROM ut.accounts WHERE id IN (5, 6);
DELETE FROM ut.accounts_history WHERE at = '2026-01-05Z';
UPDATE ut.accounts SET rate = 0.002 WHERE id = 4;
SELECT (SELECT count(*) FROM ut_evil.accounts_history) AS evil,
       (SELECT op FROM ut.accounts_history ORDER BY id DESC LIMIT 1) AS last_op;
SET search_path = ut, public;
DROP SCHEMA ut_evil CASCADE;

--
-- 8. A key of another column, a history in another schema, op as text, decimals 18
--
CREATE SCHEMA ut_audit;
CREATE TABLE wallets (id serial PRIMARY KEY, handle text UNIQUE NOT NULL, rate numeric NOT NULL,
                      state flowstream.stream);
CREATE TABLE ut_audit.wallet_changes (id bigserial, handle text, op text, at timestamptz,
                                      balance_change numeric, debt_change numeric, state flowstream.stream);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON wallets FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'decimals=18',
                                               'history=ut_audit.wallet_changes', 'key=handle');
SET flowstream.clock = '2026-01-01 00:00:00+00';
INSERT INTO wallets (handle, rate) VALUES ('w1', 0.000000000000000001), ('w2', 1);
UPDATE wallets SET state = flowstream.deposit(state, 0.000000000000000005, flowstream.now()) WHERE handle = 'w1';
UPDATE wallets SET state = flowstream.deposit(state, 10, flowstream.now()) WHERE handle = 'w2';
SET flowstream.clock = '2026-01-01 00:00:03.5+00';
UPDATE wallets SET rate = 2 WHERE handle = 'w1';
UPDATE wallets SET state = flowstream.withdraw(state, 3.5, flowstream.now()) WHERE handle = 'w2';
SELECT handle, op, balance_change, debt_change FROM ut_audit.wallet_changes ORDER BY id;
SELECT flowstream.total_debt(flowstream.state_in_history('ut_audit.wallet_changes', 'w1'::text, '2026-01-01 00:00:03.5Z'),
                             '2026-01-01 00:00:04.5Z') AS w1_debt;
SELECT * FROM flowstream.verify_history('wallets', 'ut_audit.wallet_changes');

RESET flowstream.clock;
RESET search_path;
DROP SCHEMA ut CASCADE;
DROP SCHEMA ut_audit CASCADE;
DROP OWNED BY ut_writer;
DROP ROLE ut_writer;
