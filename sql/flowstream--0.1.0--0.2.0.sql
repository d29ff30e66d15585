-- flowstream 0.1.0 to 0.2.0.  Every change of the SQL surface in 0.2.0 is
-- here as well as in flowstream--0.2.0.sql; the upgrade test proves both
-- end with the same objects.
\echo Use "ALTER EXTENSION flowstream UPDATE" to load this file. \quit

--------------------------------------------------------------------------
-- roles: 0.1.0 made flowstream_app and flowstream_admin; they are marked as
-- flowstream's, and flowstream_owner, new, is checked as at install
--------------------------------------------------------------------------

DO $roles$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        ('flowstream_app', 'flowstream: applications that act for their users through flowstream.actor'),
        ('flowstream_admin', 'flowstream: reads every stream, runs verify(), registers tokens'),
        ('flowstream_owner', 'flowstream: owns flowstream''s tables; its API writes as it')) v(name, note)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
        ELSIF r.name = 'flowstream_owner'
              AND pg_catalog.shobj_description(
                    (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = r.name), 'pg_authid')
                  IS DISTINCT FROM r.note THEN
            RAISE EXCEPTION 'role % exists, and flowstream did not create it', r.name
                USING ERRCODE = '42710',
                      DETAIL = 'Its members would act as anyone in flowstream.',
                      HINT = 'Drop or rename that role, then update the extension again.';
        END IF;
        -- the roles 0.1.0 made are this installation's own
        EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, r.note);
        IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name
                   AND (rolcanlogin OR rolsuper OR rolcreaterole OR rolcreatedb
                        OR rolreplication OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role % may log in or holds attributes flowstream''s roles never have', r.name
                USING ERRCODE = '42710',
                      HINT = 'ALTER ROLE it NOLOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS.';
        END IF;
    END LOOP;
    IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m
               WHERE m.roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'flowstream_owner')
                  OR m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'flowstream_owner')) THEN
        RAISE EXCEPTION 'role flowstream_owner has members or is a member of another role'
            USING ERRCODE = '42710',
                  DETAIL = 'A member of the tables'' owner could write them without the API.',
                  HINT = 'REVOKE flowstream_owner FROM its members.';
    END IF;
END
$roles$;

--------------------------------------------------------------------------
-- comments that 0.1.0 lacked
--------------------------------------------------------------------------

COMMENT ON FUNCTION flowstream.stream_in(cstring) IS
    'text input of flowstream.stream: the literal, checked to be a state the model can reach';
COMMENT ON FUNCTION flowstream.stream_out(flowstream.stream) IS
    'text output of flowstream.stream, the same under any DateStyle, TimeZone and locale';
COMMENT ON FUNCTION flowstream.stream_recv(internal) IS
    'binary input of flowstream.stream, checked like the text input';
COMMENT ON FUNCTION flowstream.stream_send(flowstream.stream) IS 'binary output of flowstream.stream';
COMMENT ON FUNCTION flowstream.stream_cmp(flowstream.stream, flowstream.stream) IS
    'the order of two states: -1, 0 or 1, field by field (0 exactly when equal)';
COMMENT ON FUNCTION flowstream.stream_eq(flowstream.stream, flowstream.stream) IS 'implements =';
COMMENT ON FUNCTION flowstream.stream_ne(flowstream.stream, flowstream.stream) IS 'implements <>';
COMMENT ON FUNCTION flowstream.stream_lt(flowstream.stream, flowstream.stream) IS 'implements <';
COMMENT ON FUNCTION flowstream.stream_le(flowstream.stream, flowstream.stream) IS 'implements <=';
COMMENT ON FUNCTION flowstream.stream_gt(flowstream.stream, flowstream.stream) IS 'implements >';
COMMENT ON FUNCTION flowstream.stream_ge(flowstream.stream, flowstream.stream) IS 'implements >=';
COMMENT ON OPERATOR flowstream.= (flowstream.stream, flowstream.stream) IS 'equal states';
COMMENT ON OPERATOR flowstream.<> (flowstream.stream, flowstream.stream) IS 'different states';
COMMENT ON OPERATOR flowstream.< (flowstream.stream, flowstream.stream) IS 'before in stream_cmp order';
COMMENT ON OPERATOR flowstream.<= (flowstream.stream, flowstream.stream) IS 'before or equal in stream_cmp order';
COMMENT ON OPERATOR flowstream.> (flowstream.stream, flowstream.stream) IS 'after in stream_cmp order';
COMMENT ON OPERATOR flowstream.>= (flowstream.stream, flowstream.stream) IS 'after or equal in stream_cmp order';
COMMENT ON OPERATOR CLASS flowstream.stream_ops USING btree IS
    'btree order of flowstream.stream, for DISTINCT, GROUP BY, ORDER BY and indexes';
COMMENT ON FUNCTION flowstream.debt_sums_step(internal, flowstream.stream, timestamptz) IS
    'state function of debt_sums(stream, at)';
COMMENT ON FUNCTION flowstream.debt_sums_step(internal, flowstream.stream) IS
    'state function of debt_sums(stream)';
COMMENT ON FUNCTION flowstream.debt_sums_final(internal) IS 'final function of debt_sums()';
COMMENT ON FUNCTION flowstream.streams_guard() IS
    'trigger: applies an API operation to the locked stream row, checks a restore, refuses any other write';
COMMENT ON FUNCTION flowstream.events_guard() IS
    'trigger: the history is append-only, and written only by the operations or a restore';
COMMENT ON FUNCTION flowstream.refuse_truncate() IS 'trigger: the ledger is never truncated';
COMMENT ON FUNCTION flowstream.append_only() IS 'trigger: refuses to change or delete a history';

--------------------------------------------------------------------------
-- the type: fixed-term streams have an end (SPEC §7), and a status after it
--------------------------------------------------------------------------

ALTER TYPE flowstream.status ADD VALUE 'ended_solvent';
ALTER TYPE flowstream.status ADD VALUE 'ended_insolvent';

--------------------------------------------------------------------------
-- the tables: their owner, metadata in the history, rules in C
--------------------------------------------------------------------------

-- set_metadata writes an event, recording the metadata
ALTER TYPE flowstream.op ADD VALUE 'set_metadata';
ALTER TABLE flowstream.events ADD COLUMN metadata jsonb;
COMMENT ON COLUMN flowstream.events.metadata IS 'the stream''s metadata, recorded by create and set_metadata';

-- only the API writes streams (a direct UPDATE is refused since 0.2.0)
COMMENT ON TABLE flowstream.streams IS
    'managed streams, written only by the API and by restores';

-- the decimals (0 to 18, never changed) and the default grace (not
-- negative) are checked by triggers with the core's rules, not twice
ALTER TABLE flowstream.tokens DROP CONSTRAINT tokens_decimals_check;
CREATE OR REPLACE FUNCTION flowstream.tokens_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'tokens_guard' LANGUAGE C;
COMMENT ON FUNCTION flowstream.tokens_guard() IS
    'trigger: a token''s decimals are 0 to 18 and never change';
ALTER TABLE flowstream.settings DROP CONSTRAINT settings_default_void_after_check;
CREATE FUNCTION flowstream.settings_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'settings_guard' LANGUAGE C;
COMMENT ON FUNCTION flowstream.settings_guard() IS
    'trigger: the default grace is not negative; every session reads the settings it keeps again';
CREATE TRIGGER settings_guard BEFORE INSERT OR UPDATE OR DELETE ON flowstream.settings
    FOR EACH ROW EXECUTE FUNCTION flowstream.settings_guard();
REVOKE EXECUTE ON FUNCTION flowstream.settings_guard() FROM PUBLIC;

ALTER TABLE flowstream.tokens OWNER TO flowstream_owner;
ALTER TABLE flowstream.events OWNER TO flowstream_owner;
ALTER TABLE flowstream.streams OWNER TO flowstream_owner;
ALTER TABLE flowstream.settings OWNER TO flowstream_owner;
ALTER TABLE flowstream.settings_history OWNER TO flowstream_owner;
-- PostgreSQL 15 does not carry a new owner into the initial privileges it
-- recorded for an extension's objects (which pg_dump compares with): the
-- grants made again record them as a fresh install does.
REVOKE ALL ON flowstream.tokens, flowstream.streams, flowstream.events,
    flowstream.settings, flowstream.settings_history FROM PUBLIC, flowstream_admin;
GRANT SELECT ON flowstream.tokens, flowstream.streams, flowstream.events TO PUBLIC;
GRANT SELECT ON flowstream.settings, flowstream.settings_history TO PUBLIC;
GRANT INSERT, UPDATE ON flowstream.tokens TO flowstream_admin;

--------------------------------------------------------------------------
-- the API
--------------------------------------------------------------------------

COMMENT ON FUNCTION flowstream.set_metadata(bigint, jsonb) IS
    'replaces the free-form metadata of a stream (the sender only); its event records it';

--------------------------------------------------------------------------
-- streams_now: its trigger in C, and version for optimistic locking
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION flowstream.streams_now_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'streams_now_write' LANGUAGE C;
COMMENT ON FUNCTION flowstream.streams_now_write() IS
    'trigger: INSERT into streams_now creates a stream, UPDATE calls the operation of each changed column';

CREATE OR REPLACE VIEW flowstream.streams_now WITH (security_invoker = true) AS
SELECT s.id, s.sender, s.recipient, s.token,
       flowstream.rate_per_second(s.state) AS rate_per_second,
       flowstream.balance(s.state) AS balance,
       flowstream.snapshot_debt(s.state) AS snapshot_debt,
       flowstream.snapshot_time(s.state) AS snapshot_time,
       flowstream.total_debt(s.state, t.now) AS total_debt,
       flowstream.covered_debt(s.state, t.now) AS covered_debt,
       flowstream.uncovered_debt(s.state, t.now) AS uncovered_debt,
       flowstream.withdrawable(s.state, t.now) AS withdrawable,
       flowstream.refundable(s.state, t.now) AS refundable,
       flowstream.status(s.state, t.now)::text AS status,
       flowstream.depletion_time(s.state) AS depletion_time,
       flowstream.is_voided(s.state) AS voided,
       s.transferable, s.void_after, s.metadata, s.created_at,
       s.last_event AS version
FROM flowstream.streams s CROSS JOIN (SELECT flowstream.now() AS now) t;
COMMENT ON COLUMN flowstream.streams_now.version IS
    'the id of the stream''s last event: an UPDATE that carries another version than the current one is refused (40001)';

--------------------------------------------------------------------------
-- accounts and flows (SPEC §6)
--------------------------------------------------------------------------

ALTER TYPE flowstream.op ADD VALUE 'account_deposit';
ALTER TYPE flowstream.op ADD VALUE 'account_withdraw';
ALTER TYPE flowstream.op ADD VALUE 'account_transfer';
ALTER TYPE flowstream.op ADD VALUE 'open_flow';
ALTER TYPE flowstream.op ADD VALUE 'update_flow';
ALTER TYPE flowstream.op ADD VALUE 'close_flow';
ALTER TYPE flowstream.op ADD VALUE 'liquidate';
ALTER TYPE flowstream.op ADD VALUE 'deposit_from_account';
ALTER TYPE flowstream.op ADD VALUE 'withdraw_to_account';
ALTER TABLE flowstream.tokens ADD COLUMN buffer_period interval NOT NULL DEFAULT '1 hour';
ALTER TABLE flowstream.tokens ADD COLUMN min_buffer numeric NOT NULL DEFAULT 0;
ALTER TABLE flowstream.tokens ADD COLUMN liquidation_reward text;
ALTER TABLE flowstream.events ALTER COLUMN stream_id DROP NOT NULL;
ALTER TABLE flowstream.events ALTER COLUMN state DROP NOT NULL;

--------------------------------------------------------------------------
-- accounts and flows (SPEC §6): the account type
--------------------------------------------------------------------------

CREATE TYPE flowstream.account;
CREATE FUNCTION flowstream.account_in(cstring) RETURNS flowstream.account
    AS 'MODULE_PATHNAME', 'account_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.account_out(flowstream.account) RETURNS cstring
    AS 'MODULE_PATHNAME', 'account_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.account_recv(internal) RETURNS flowstream.account
    AS 'MODULE_PATHNAME', 'account_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.account_send(flowstream.account) RETURNS bytea
    AS 'MODULE_PATHNAME', 'account_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE flowstream.account (
    INPUT = flowstream.account_in,
    OUTPUT = flowstream.account_out,
    RECEIVE = flowstream.account_recv,
    SEND = flowstream.account_send,
    INTERNALLENGTH = 120,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE flowstream.account IS
    'a party''s balance of one token: exact static balance, netflow, buffer, settled time';
COMMENT ON FUNCTION flowstream.account_in(cstring) IS 'text input of flowstream.account';
COMMENT ON FUNCTION flowstream.account_out(flowstream.account) IS
    'text output of flowstream.account, the same under any DateStyle, TimeZone and locale';
COMMENT ON FUNCTION flowstream.account_recv(internal) IS 'binary input of flowstream.account, checked';
COMMENT ON FUNCTION flowstream.account_send(flowstream.account) IS 'binary output of flowstream.account';

CREATE FUNCTION flowstream.balance(a flowstream.account, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'account_balance_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.balance(flowstream.account, timestamptz) IS
    'the balance at a time, in tokens, rounded down to a base unit (negative: a deficit)';
CREATE FUNCTION flowstream.available(a flowstream.account, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'account_available_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.available(flowstream.account, timestamptz) IS
    'the balance at a time less the buffer its outgoing flows lock, in tokens';
CREATE FUNCTION flowstream.netflow(a flowstream.account) RETURNS numeric
    AS 'MODULE_PATHNAME', 'account_netflow' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.netflow(flowstream.account) IS
    'tokens per second its flows bring in less what they take out';
CREATE FUNCTION flowstream.buffer(a flowstream.account) RETURNS numeric
    AS 'MODULE_PATHNAME', 'account_buffer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.buffer(flowstream.account) IS
    'the tokens its open outgoing flows lock';
CREATE FUNCTION flowstream.critical_time(a flowstream.account) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'account_critical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.critical_time(flowstream.account) IS
    'the first microsecond at which its available balance is below 0; NULL never, infinity beyond timestamptz';
CREATE FUNCTION flowstream.insolvency_time(a flowstream.account) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'account_insolvency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.insolvency_time(flowstream.account) IS
    'the first microsecond at which its balance is below 0; NULL never, infinity beyond timestamptz';

ALTER TABLE flowstream.events ADD COLUMN account_id bigint;
ALTER TABLE flowstream.events ADD COLUMN account flowstream.account;
ALTER TABLE flowstream.events ADD COLUMN peer_id bigint;
ALTER TABLE flowstream.events ADD COLUMN peer flowstream.account;
ALTER TABLE flowstream.events ADD COLUMN flow_id bigint;
ALTER TABLE flowstream.events ADD COLUMN flow_buffer numeric;

--------------------------------------------------------------------------
-- accounts and flows (SPEC §6): the tables
--------------------------------------------------------------------------

-- One account per party and token.  The row's state is where its history
-- ends (the events that name it as account_id or peer_id); critical_at,
-- kept by the API, drives the liquidation: the critical time of an account
-- with open outgoing flows, else NULL.
CREATE TABLE flowstream.accounts (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    state flowstream.account NOT NULL,
    first_event bigint NOT NULL REFERENCES flowstream.events,
    last_event bigint NOT NULL,
    open_outflows integer NOT NULL DEFAULT 0,
    critical_at timestamptz,
    party text NOT NULL,
    token text NOT NULL REFERENCES flowstream.tokens,
    UNIQUE (party, token)
) WITH (fillfactor = 80);
CREATE INDEX accounts_critical_idx ON flowstream.accounts (critical_at) WHERE critical_at IS NOT NULL;
COMMENT ON TABLE flowstream.accounts IS
    'one balance per party and token, moved by its flows; written only by the API and by restores';
COMMENT ON COLUMN flowstream.accounts.open_outflows IS 'how many of its outgoing flows are open';
COMMENT ON COLUMN flowstream.accounts.critical_at IS
    'when its available balance goes below 0 while it has open outgoing flows (the liquidation''s index); NULL never';

-- A flow from one account to another of the same token, open until closed
-- (its row stays, with rate 0 and closed_at).  One open flow per sender,
-- receiver and token, as in Superfluid: update_flow changes its rate.
CREATE TABLE flowstream.flows (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sender_account bigint NOT NULL REFERENCES flowstream.accounts,
    receiver_account bigint NOT NULL REFERENCES flowstream.accounts,
    rate numeric NOT NULL,
    buffer numeric NOT NULL,
    first_event bigint NOT NULL REFERENCES flowstream.events,
    last_event bigint NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    sender text NOT NULL,
    receiver text NOT NULL,
    token text NOT NULL
);
CREATE UNIQUE INDEX flows_open_idx ON flowstream.flows (sender, receiver, token) WHERE closed_at IS NULL;
CREATE INDEX flows_sender_idx ON flowstream.flows (sender_account) WHERE closed_at IS NULL;
CREATE INDEX flows_receiver_idx ON flowstream.flows (receiver_account) WHERE closed_at IS NULL;
COMMENT ON TABLE flowstream.flows IS
    'flows between accounts, open or closed; written only by the API and by restores';
COMMENT ON COLUMN flowstream.flows.rate IS 'tokens per second; 0 once closed';
COMMENT ON COLUMN flowstream.flows.buffer IS 'the tokens it locks in its sender''s account';

CREATE INDEX events_account_idx ON flowstream.events (account_id, id) WHERE account_id IS NOT NULL;
CREATE INDEX events_peer_idx ON flowstream.events (peer_id, id) WHERE peer_id IS NOT NULL;
CREATE INDEX events_flow_idx ON flowstream.events (flow_id, id) WHERE flow_id IS NOT NULL;
COMMENT ON COLUMN flowstream.events.account_id IS
    'the account it moved: deposited into, withdrawn or transferred from, a flow''s sender';
COMMENT ON COLUMN flowstream.events.account IS 'the state of that account after it';
COMMENT ON COLUMN flowstream.events.peer_id IS 'the other account: a transfer''s receiver, a flow''s receiver';
COMMENT ON COLUMN flowstream.events.peer IS 'the state of that account after it';
COMMENT ON COLUMN flowstream.events.flow_id IS 'the flow it opened, changed or closed';
COMMENT ON COLUMN flowstream.events.flow_buffer IS 'the flow''s buffer after it, in tokens';
COMMENT ON COLUMN flowstream.tokens.buffer_period IS
    'how much of a flow its buffer holds (DFlow: 1 hour; Superfluid: 4 hours)';
COMMENT ON COLUMN flowstream.tokens.min_buffer IS 'the least buffer of a flow, in tokens';
COMMENT ON COLUMN flowstream.tokens.liquidation_reward IS
    'the party paid what is left of a liquidated account''s buffer; NULL: it stays with the account';

ALTER TABLE flowstream.accounts OWNER TO flowstream_owner;
ALTER TABLE flowstream.flows OWNER TO flowstream_owner;
SELECT pg_catalog.pg_extension_config_dump('flowstream.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.accounts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.flows', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.flows_id_seq', '');

CREATE FUNCTION flowstream.accounts_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'accounts_guard' LANGUAGE C;
COMMENT ON FUNCTION flowstream.accounts_guard() IS
    'trigger: accounts and flows are written by the API, or inserted by a restore that ends their history';
CREATE TRIGGER accounts_guard BEFORE INSERT OR UPDATE OR DELETE ON flowstream.accounts
    FOR EACH ROW EXECUTE FUNCTION flowstream.accounts_guard();
CREATE TRIGGER flows_guard BEFORE INSERT OR UPDATE OR DELETE ON flowstream.flows
    FOR EACH ROW EXECUTE FUNCTION flowstream.accounts_guard();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON flowstream.accounts
    FOR EACH STATEMENT EXECUTE FUNCTION flowstream.refuse_truncate();
CREATE TRIGGER flows_no_truncate BEFORE TRUNCATE ON flowstream.flows
    FOR EACH STATEMENT EXECUTE FUNCTION flowstream.refuse_truncate();

--------------------------------------------------------------------------
-- accounts and flows (SPEC §6): the API
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.account_deposit(party text, token text, amount numeric) RETURNS void
    AS 'MODULE_PATHNAME', 'api_account_deposit' LANGUAGE C;
COMMENT ON FUNCTION flowstream.account_deposit(text, text, numeric) IS
    'money enters a party''s account (anyone); a deficit is repaid first';
CREATE FUNCTION flowstream.account_withdraw(party text, token text, amount numeric, "to" text DEFAULT NULL)
    RETURNS numeric AS 'MODULE_PATHNAME', 'api_account_withdraw' LANGUAGE C;
COMMENT ON FUNCTION flowstream.account_withdraw(text, text, numeric, text) IS
    'money leaves an account, at most its available balance (the party); returns the amount';
CREATE FUNCTION flowstream.account_transfer(from_party text, to_party text, token text, amount numeric)
    RETURNS void AS 'MODULE_PATHNAME', 'api_account_transfer' LANGUAGE C;
COMMENT ON FUNCTION flowstream.account_transfer(text, text, text, numeric) IS
    'a lump sum from one account to another, at most the available balance (the paying party)';
CREATE FUNCTION flowstream.open_flow(sender text, receiver text, token text, rate_per_second numeric)
    RETURNS bigint AS 'MODULE_PATHNAME', 'api_open_flow' LANGUAGE C;
COMMENT ON FUNCTION flowstream.open_flow(text, text, text, numeric) IS
    'opens a flow from the sender''s account to the receiver''s, locking its buffer (the sender); returns its id';
CREATE FUNCTION flowstream.update_flow(id bigint, rate_per_second numeric) RETURNS void
    AS 'MODULE_PATHNAME', 'api_update_flow' LANGUAGE C;
COMMENT ON FUNCTION flowstream.update_flow(bigint, numeric) IS
    'changes the rate of an open flow (the sender); lowering it never raises its buffer';
CREATE FUNCTION flowstream.close_flow(id bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'api_close_flow' LANGUAGE C;
COMMENT ON FUNCTION flowstream.close_flow(bigint) IS
    'closes a flow (the sender or the receiver); its buffer returns to the sender';
CREATE FUNCTION flowstream.deposit_from_account(id bigint, amount numeric) RETURNS void
    AS 'MODULE_PATHNAME', 'api_deposit_from_account' LANGUAGE C;
COMMENT ON FUNCTION flowstream.deposit_from_account(bigint, numeric) IS
    'tops up a stream from its sender''s account, at most the available balance (the sender)';
CREATE FUNCTION flowstream.withdraw_to_account(id bigint, amount numeric) RETURNS numeric
    AS 'MODULE_PATHNAME', 'api_withdraw_to_account' LANGUAGE C;
COMMENT ON FUNCTION flowstream.withdraw_to_account(bigint, numeric) IS
    'withdraws covered debt of a stream into its recipient''s account (the recipient); returns the amount';
CREATE FUNCTION flowstream.withdraw_max_to_account(id bigint) RETURNS numeric
    AS 'MODULE_PATHNAME', 'api_withdraw_max_to_account' LANGUAGE C;
COMMENT ON FUNCTION flowstream.withdraw_max_to_account(bigint) IS
    'withdraws everything withdrawable of a stream into its recipient''s account; returns the amount';

CREATE FUNCTION flowstream.liquidate_critical(max_accounts int DEFAULT 1000) RETURNS int
    AS 'MODULE_PATHNAME', 'sweeper_liquidate_critical' LANGUAGE C;
COMMENT ON FUNCTION flowstream.liquidate_critical(int) IS
    'closes every outgoing flow of up to max_accounts accounts whose critical time has passed; '
    'returns how many accounts (0 on a replica, a subscriber, or while another run is on)';

-- an account's state at a time, from its history; NULL before its first event
CREATE FUNCTION flowstream.account_state_at(party text, token text, at timestamptz)
    RETURNS flowstream.account
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.state FROM flowstream.accounts a
    CROSS JOIN LATERAL (
        (SELECT e.id, e.account AS state FROM flowstream.events e
         WHERE e.account_id = a.id AND e.at <= $3 ORDER BY e.id DESC LIMIT 1)
        UNION ALL
        (SELECT e.id, e.peer FROM flowstream.events e
         WHERE e.peer_id = a.id AND e.at <= $3 ORDER BY e.id DESC LIMIT 1)
        ORDER BY 1 DESC LIMIT 1) s
    WHERE a.party = $1 AND a.token = $2
$$;
COMMENT ON FUNCTION flowstream.account_state_at(text, text, timestamptz) IS
    'the state of a party''s account at a time, from its history (NULL before its first operation)';

CREATE FUNCTION flowstream.account_balance(party text, token text, at timestamptz) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(flowstream.balance(flowstream.account_state_at($1, $2, $3), $3), 0)
$$;
CREATE FUNCTION flowstream.account_balance(party text, token text) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT flowstream.balance(a.state, flowstream.now()) FROM flowstream.accounts a
                     WHERE a.party = $1 AND a.token = $2), 0)
$$;
COMMENT ON FUNCTION flowstream.account_balance(text, text, timestamptz) IS
    'a party''s balance of a token at a time, in tokens (0 for an account nobody used)';
COMMENT ON FUNCTION flowstream.account_balance(text, text) IS
    'a party''s balance of a token at flowstream.now()';

CREATE FUNCTION flowstream.account_available(party text, token text, at timestamptz) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(flowstream.available(flowstream.account_state_at($1, $2, $3), $3), 0)
$$;
CREATE FUNCTION flowstream.account_available(party text, token text) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT flowstream.available(a.state, flowstream.now()) FROM flowstream.accounts a
                     WHERE a.party = $1 AND a.token = $2), 0)
$$;
COMMENT ON FUNCTION flowstream.account_available(text, text, timestamptz) IS
    'what a party can withdraw, transfer or lock of a token at a time: balance less buffer';
COMMENT ON FUNCTION flowstream.account_available(text, text) IS
    'what a party can withdraw, transfer or lock of a token at flowstream.now()';

CREATE FUNCTION flowstream.account_buffer(party text, token text) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT flowstream.buffer(a.state) FROM flowstream.accounts a
                     WHERE a.party = $1 AND a.token = $2), 0)
$$;
COMMENT ON FUNCTION flowstream.account_buffer(text, text) IS
    'what a party''s open outgoing flows of a token lock, in tokens';
CREATE FUNCTION flowstream.account_critical_time(party text, token text) RETURNS timestamptz
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT flowstream.critical_time(a.state) FROM flowstream.accounts a WHERE a.party = $1 AND a.token = $2
$$;
COMMENT ON FUNCTION flowstream.account_critical_time(text, text) IS
    'the first microsecond at which a party''s available balance of a token is below 0; NULL never';
CREATE FUNCTION flowstream.account_insolvency_time(party text, token text) RETURNS timestamptz
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT flowstream.insolvency_time(a.state) FROM flowstream.accounts a WHERE a.party = $1 AND a.token = $2
$$;
COMMENT ON FUNCTION flowstream.account_insolvency_time(text, text) IS
    'the first microsecond at which a party''s balance of a token is below 0; NULL never';

-- everything a party streams and receives of a token, per second: its
-- account's flows, and the debt streams accruing to or from it
CREATE FUNCTION flowstream.netflow(party text, token text, at timestamptz) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(flowstream.netflow(flowstream.account_state_at($1, $2, $3)), 0)
         + coalesce((SELECT sum(CASE WHEN s.recipient = $1 THEN r.rate ELSE -r.rate END)
                     FROM flowstream.streams s
                     CROSS JOIN LATERAL (SELECT flowstream.state_at(s.id, $3) AS state) h
                     CROSS JOIN LATERAL (SELECT flowstream.rate_per_second(h.state) AS rate) r
                     WHERE (s.sender = $1 OR s.recipient = $1) AND s.sender <> s.recipient
                       AND s.token = $2 AND h.state IS NOT NULL
                       AND flowstream.status(h.state, $3) IN ('streaming_solvent', 'streaming_insolvent')), 0)
$$;
CREATE FUNCTION flowstream.netflow(party text, token text) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT flowstream.netflow(a.state) FROM flowstream.accounts a
                     WHERE a.party = $1 AND a.token = $2), 0)
         + coalesce((SELECT sum(CASE WHEN s.recipient = $1 THEN flowstream.rate_per_second(s.state)
                                     ELSE -flowstream.rate_per_second(s.state) END)
                     FROM flowstream.streams s
                     WHERE (s.sender = $1 OR s.recipient = $1) AND s.sender <> s.recipient AND s.token = $2
                       AND flowstream.status(s.state) IN ('streaming_solvent', 'streaming_insolvent')), 0)
$$;
COMMENT ON FUNCTION flowstream.netflow(text, text, timestamptz) IS
    'tokens per second a party receives less what it pays at a time: its flows and its streaming debt streams';
COMMENT ON FUNCTION flowstream.netflow(text, text) IS
    'tokens per second a party receives less what it pays at flowstream.now(): flows and debt streams';

-- plain columns for SQL and ORMs
CREATE VIEW flowstream.accounts_now WITH (security_invoker = true) AS
SELECT a.id, a.party, a.token,
       flowstream.balance(a.state, t.now) AS balance,
       flowstream.available(a.state, t.now) AS available,
       flowstream.netflow(a.state) AS netflow,
       flowstream.buffer(a.state) AS buffer,
       CASE WHEN flowstream.balance(a.state, t.now) < 0 THEN 'deficit'
            WHEN flowstream.available(a.state, t.now) < 0 THEN 'critical'
            ELSE 'healthy' END AS status,
       flowstream.critical_time(a.state) AS critical_time,
       flowstream.insolvency_time(a.state) AS insolvency_time,
       a.open_outflows,
       a.last_event AS version
FROM flowstream.accounts a CROSS JOIN (SELECT flowstream.now() AS now) t;
COMMENT ON VIEW flowstream.accounts_now IS
    'every account at flowstream.now(), in plain columns: balance, available, netflow, buffer, status (healthy, critical, deficit)';

CREATE VIEW flowstream.flows_now WITH (security_invoker = true) AS
SELECT f.id, f.sender, f.receiver, f.token,
       f.rate AS rate_per_second, f.buffer,
       CASE WHEN f.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
       f.opened_at, f.closed_at,
       f.last_event AS version
FROM flowstream.flows f;
COMMENT ON VIEW flowstream.flows_now IS
    'every flow, open or closed; INSERT opens, UPDATE of rate_per_second changes it (0 closes), DELETE closes';
CREATE FUNCTION flowstream.flows_now_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'flows_now_write' LANGUAGE C;
COMMENT ON FUNCTION flowstream.flows_now_write() IS
    'trigger: INSERT into flows_now opens a flow, UPDATE of its rate changes or closes it, DELETE closes it';
CREATE TRIGGER flows_now_write INSTEAD OF INSERT OR UPDATE OR DELETE ON flowstream.flows_now
    FOR EACH ROW EXECUTE FUNCTION flowstream.flows_now_write();

-- what late liquidations left: debts of their parties, repaid first by their next deposits
CREATE VIEW flowstream.deficits WITH (security_invoker = true) AS
SELECT a.id AS account_id, a.party, a.token, -flowstream.balance(a.state, t.now) AS deficit
FROM flowstream.accounts a CROSS JOIN (SELECT flowstream.now() AS now) t
WHERE flowstream.balance(a.state, t.now) < 0;
COMMENT ON VIEW flowstream.deficits IS
    'accounts whose balance is below 0 at flowstream.now() (a liquidation came late): the party owes it';

ALTER POLICY events_own ON flowstream.events
    USING (EXISTS (SELECT FROM flowstream.streams s WHERE s.id = stream_id)
           OR EXISTS (SELECT FROM flowstream.accounts a WHERE a.id = account_id OR a.id = peer_id));
ALTER TABLE flowstream.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY accounts_own ON flowstream.accounts FOR SELECT
    USING (party = current_user::text OR (SELECT flowstream.sees_all_streams()));
ALTER TABLE flowstream.flows ENABLE ROW LEVEL SECURITY;
CREATE POLICY flows_own ON flowstream.flows FOR SELECT
    USING (sender = current_user::text OR receiver = current_user::text
           OR (SELECT flowstream.sees_all_streams()));
GRANT SELECT ON flowstream.accounts, flowstream.flows, flowstream.accounts_now, flowstream.deficits TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON flowstream.flows_now TO PUBLIC;
REVOKE EXECUTE ON FUNCTION flowstream.liquidate_critical(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowstream.liquidate_critical(int) TO flowstream_admin;
REVOKE EXECUTE ON FUNCTION flowstream.accounts_guard() FROM PUBLIC;

-- the sweeper's job runs the whole maintenance (a job scheduled by 0.1.0
-- keeps its old command until schedule_sweeper() is called again)
CREATE OR REPLACE FUNCTION flowstream.schedule_sweeper(schedule text DEFAULT '* * * * *') RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = '55000',
                  HINT = 'CREATE EXTENSION pg_cron in the database named by cron.database_name, '
                         'or call flowstream.maintain() from any scheduler.';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING 'flowstream-sweeper', schedule,
              'DO $sweep$ BEGIN '
              'IF pg_catalog.to_regproc(''flowstream.void_insolvent'') IS NULL THEN '
              'PERFORM cron.unschedule(''flowstream-sweeper''); '
              'ELSE PERFORM flowstream.maintain(); END IF; END $sweep$';
    RETURN job;
END
$$;
COMMENT ON FUNCTION flowstream.schedule_sweeper(text) IS
    'schedules maintain() with pg_cron as the job "flowstream-sweeper" (idempotent); returns the job id';

--------------------------------------------------------------------------
-- fixed-term streams and agreed terms (SPEC §7): the type's functions
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.stream(rate_per_second numeric, decimals int,
                                  start timestamptz, at timestamptz, end_time timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.stream(numeric, int, timestamptz, timestamptz, timestamptz) IS
    'a new stream created at "at" that accrues from "start" until "end_time" (after the start)';
CREATE FUNCTION flowstream.end_time(flowstream.stream) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'stream_end_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.end_time(flowstream.stream) IS
    'when the stream stops accruing; NULL when it has no end';
CREATE FUNCTION flowstream.set_terms(s flowstream.stream, rate_per_second numeric,
                                     end_time timestamptz, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_set_terms' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.set_terms(flowstream.stream, numeric, timestamptz, timestamptz) IS
    'new terms at "at", as an agreed update applies them: a rate and an end (NULL: none), with a snapshot; a paused stream restarts';
CREATE FUNCTION flowstream.fixed_rate(total numeric, decimals int, start timestamptz, end_time timestamptz)
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_fixed_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.fixed_rate(numeric, int, timestamptz, timestamptz) IS
    'the rate that pays total from start to end: total / (end - start), floored to 18 decimals';

ALTER TYPE flowstream.op ADD VALUE 'propose_update';
ALTER TYPE flowstream.op ADD VALUE 'confirm_update';
ALTER TYPE flowstream.op ADD VALUE 'revoke_update';
ALTER TYPE flowstream.op ADD VALUE 'redeem';

ALTER TABLE flowstream.events ADD COLUMN end_at timestamptz,
    ADD COLUMN on_behalf_of text, ADD COLUMN consent_required boolean;
COMMENT ON COLUMN flowstream.events.end_at IS 'the end proposed or confirmed by propose_update and confirm_update';
COMMENT ON COLUMN flowstream.events.on_behalf_of IS 'the party an operator (the actor) acted for';
COMMENT ON COLUMN flowstream.events.consent_required IS
    'create: whether the stream''s rate and end change only by agreement';
ALTER TABLE flowstream.streams ADD COLUMN consent_required boolean NOT NULL DEFAULT false,
    ADD COLUMN proposed_rate numeric, ADD COLUMN proposed_end timestamptz, ADD COLUMN proposed_by text;
COMMENT ON COLUMN flowstream.streams.consent_required IS
    'its rate and end change only when both parties agree (propose_update, confirm_update)';
COMMENT ON COLUMN flowstream.streams.proposed_rate IS 'the rate of the update proposed, if any';
COMMENT ON COLUMN flowstream.streams.proposed_end IS 'the end of the update proposed (NULL: none)';
COMMENT ON COLUMN flowstream.streams.proposed_by IS 'the party that proposed the update; NULL: none is proposed';

-- create_stream takes consent_required and end_time
DROP FUNCTION flowstream.create_stream(text, text, text, numeric, timestamptz, numeric, boolean, jsonb);
CREATE FUNCTION flowstream.create_stream(sender text, recipient text, token text,
        rate_per_second numeric, start_time timestamptz DEFAULT flowstream.now(),
        deposit numeric DEFAULT 0, transferable boolean DEFAULT true,
        metadata jsonb DEFAULT '{}', consent_required boolean DEFAULT false,
        end_time timestamptz DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'api_create_stream' LANGUAGE C;
COMMENT ON FUNCTION flowstream.create_stream(text, text, text, numeric, timestamptz, numeric, boolean, jsonb, boolean, timestamptz) IS
    'creates a stream from the acting sender, until end_time if one is given; returns its id';

CREATE OR REPLACE VIEW flowstream.streams_now WITH (security_invoker = true) AS
SELECT s.id, s.sender, s.recipient, s.token,
       flowstream.rate_per_second(s.state) AS rate_per_second,
       flowstream.balance(s.state) AS balance,
       flowstream.snapshot_debt(s.state) AS snapshot_debt,
       flowstream.snapshot_time(s.state) AS snapshot_time,
       flowstream.total_debt(s.state, t.now) AS total_debt,
       flowstream.covered_debt(s.state, t.now) AS covered_debt,
       flowstream.uncovered_debt(s.state, t.now) AS uncovered_debt,
       flowstream.withdrawable(s.state, t.now) AS withdrawable,
       flowstream.refundable(s.state, t.now) AS refundable,
       flowstream.status(s.state, t.now)::text AS status,
       flowstream.depletion_time(s.state) AS depletion_time,
       flowstream.is_voided(s.state) AS voided,
       s.transferable, s.void_after, s.metadata, s.created_at,
       s.last_event AS version,
       flowstream.end_time(s.state) AS end_time, s.consent_required
FROM flowstream.streams s CROSS JOIN (SELECT flowstream.now() AS now) t;
COMMENT ON VIEW flowstream.streams_now IS
    'every stream at flowstream.now(), in plain columns; INSERT creates (end_time and consent_required '
    'are set then), UPDATE of rate_per_second, recipient, voided, void_after or metadata calls the API';

--------------------------------------------------------------------------
-- operators (SPEC §8): who a party lets act for it
--------------------------------------------------------------------------

-- One approval per party, operator and token (NULL: every token).  The
-- rate allowance, Superfluid's flowRateAllowance, is what is left of
-- max_rate: the flows an operator opens or raises for the party use it up.
CREATE TABLE flowstream.operators (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    party text NOT NULL,
    operator text NOT NULL,
    token text REFERENCES flowstream.tokens,
    permissions text[] NOT NULL,
    max_rate numeric,
    rate_allowance numeric,
    approved_at timestamptz NOT NULL,
    approved_by text NOT NULL,
    approval bigint NOT NULL
);
CREATE UNIQUE INDEX operators_key ON flowstream.operators (operator, party, (coalesce(token, '')));
CREATE INDEX operators_party_idx ON flowstream.operators (party);
COMMENT ON TABLE flowstream.operators IS
    'the operators parties approved to act for them, with what they may do; written by approve_operator() and revoke_operator()';
COMMENT ON COLUMN flowstream.operators.token IS 'the token it applies to; NULL: every token';
COMMENT ON COLUMN flowstream.operators.permissions IS
    'what it may do: create, rate, pause, void, withdraw, refund, transfer';
COMMENT ON COLUMN flowstream.operators.max_rate IS
    'the total rate, in tokens per second, of the flows it may open or raise for the party; NULL: no cap';
COMMENT ON COLUMN flowstream.operators.rate_allowance IS 'what is left of max_rate';
CREATE TABLE flowstream.operators_history (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    op text NOT NULL CHECK (op IN ('approve', 'revoke')),
    party text NOT NULL,
    operator text NOT NULL,
    token text,
    permissions text[],
    max_rate numeric,
    actor text NOT NULL,
    at timestamptz NOT NULL
);
COMMENT ON TABLE flowstream.operators_history IS 'append-only history of flowstream.operators';
-- the approval's entry in the history: its key makes pg_dump restore the
-- history first, so that a restored approval can be checked against it
ALTER TABLE flowstream.operators ADD FOREIGN KEY (approval) REFERENCES flowstream.operators_history;
COMMENT ON COLUMN flowstream.operators.approval IS 'its approve entry in flowstream.operators_history';
ALTER TABLE flowstream.operators OWNER TO flowstream_owner;
ALTER TABLE flowstream.operators_history OWNER TO flowstream_owner;
SELECT pg_catalog.pg_extension_config_dump('flowstream.operators', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.operators_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.operators_history', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.operators_history_id_seq', '');
CREATE FUNCTION flowstream.operators_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'operators_guard' LANGUAGE C;
COMMENT ON FUNCTION flowstream.operators_guard() IS
    'trigger: operators are written by approve_operator() and revoke_operator(), or by a restore';
CREATE TRIGGER operators_guard BEFORE INSERT OR UPDATE OR DELETE ON flowstream.operators
    FOR EACH ROW EXECUTE FUNCTION flowstream.operators_guard();
CREATE TRIGGER operators_no_truncate BEFORE TRUNCATE ON flowstream.operators
    FOR EACH STATEMENT EXECUTE FUNCTION flowstream.refuse_truncate();
CREATE TRIGGER operators_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON flowstream.operators_history FOR EACH STATEMENT EXECUTE FUNCTION flowstream.append_only();

--------------------------------------------------------------------------
-- fixed-term streams, redeem, agreed updates, operators (SPEC §7, §8): the API
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.create_fixed_stream(sender text, recipient text, token text,
        total numeric, start_time timestamptz, end_time timestamptz,
        transferable boolean DEFAULT true, metadata jsonb DEFAULT '{}',
        consent_required boolean DEFAULT false)
    RETURNS bigint AS 'MODULE_PATHNAME', 'api_create_fixed_stream' LANGUAGE C;
COMMENT ON FUNCTION flowstream.create_fixed_stream(text, text, text, numeric, timestamptz, timestamptz, boolean, jsonb, boolean) IS
    'creates a stream that pays total from start to end (EIP-1620): deposits total, rate total / (end - start) floored; returns its id';
CREATE FUNCTION flowstream.redeem(id bigint, OUT paid numeric, OUT refunded numeric)
    AS 'MODULE_PATHNAME', 'api_redeem' LANGUAGE C;
COMMENT ON FUNCTION flowstream.redeem(bigint) IS
    'ends a stream at once (the sender or the recipient): voids it, pays the recipient its covered debt, refunds the sender the rest';
CREATE FUNCTION flowstream.propose_update(id bigint, rate_per_second numeric, end_time timestamptz)
    RETURNS void AS 'MODULE_PATHNAME', 'api_propose_update' LANGUAGE C;
COMMENT ON FUNCTION flowstream.propose_update(bigint, numeric, timestamptz) IS
    'proposes new terms, a rate and an end (NULL: none), for the other party to confirm (the sender or the recipient)';
CREATE FUNCTION flowstream.confirm_update(id bigint, rate_per_second numeric, end_time timestamptz)
    RETURNS void AS 'MODULE_PATHNAME', 'api_confirm_update' LANGUAGE C;
COMMENT ON FUNCTION flowstream.confirm_update(bigint, numeric, timestamptz) IS
    'applies the proposed terms, restated (the party that did not propose them)';
CREATE FUNCTION flowstream.revoke_update(id bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'api_revoke_update' LANGUAGE C;
COMMENT ON FUNCTION flowstream.revoke_update(bigint) IS
    'withdraws the proposed update (the sender or the recipient)';

-- EIP-1620's balanceOf: the recipient's withdrawable, the sender's
-- refundable, 0 for anyone else; NULL for a stream that did not exist then
CREATE FUNCTION flowstream.balance_of(id bigint, party text, at timestamptz) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN r.recipient = $2 THEN flowstream.withdrawable(h.state, $3) ELSE 0 END
         + CASE WHEN s.sender = $2 THEN flowstream.refundable(h.state, $3) ELSE 0 END
    FROM flowstream.streams s
    CROSS JOIN LATERAL (SELECT flowstream.state_at(s.id, $3) AS state) h
    CROSS JOIN LATERAL (SELECT e.destination AS recipient FROM flowstream.events e
                        WHERE e.stream_id = s.id AND e.op IN ('create', 'transfer') AND e.at <= $3
                        ORDER BY e.id DESC LIMIT 1) r
    WHERE s.id = $1 AND h.state IS NOT NULL
$$;
CREATE FUNCTION flowstream.balance_of(id bigint, party text) RETURNS numeric
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN s.recipient = $2 THEN flowstream.withdrawable(s.state) ELSE 0 END
         + CASE WHEN s.sender = $2 THEN flowstream.refundable(s.state) ELSE 0 END
    FROM flowstream.streams s WHERE s.id = $1
$$;
COMMENT ON FUNCTION flowstream.balance_of(bigint, text, timestamptz) IS
    'what a party could take from a stream at a time (EIP-1620 balanceOf): the recipient''s withdrawable, the sender''s refundable, else 0';
COMMENT ON FUNCTION flowstream.balance_of(bigint, text) IS
    'what a party could take from a stream at flowstream.now() (EIP-1620 balanceOf)';

CREATE FUNCTION flowstream.approve_operator(party text, operator text, permissions text[],
        token text DEFAULT NULL, max_rate numeric DEFAULT NULL)
    RETURNS void AS 'MODULE_PATHNAME', 'api_approve_operator' LANGUAGE C;
COMMENT ON FUNCTION flowstream.approve_operator(text, text, text[], text, numeric) IS
    'lets an operator act for the party (the party only): permissions among create, rate, pause, void, withdraw, refund, transfer; for one token or all; max_rate caps the flows it opens';
CREATE FUNCTION flowstream.revoke_operator(party text, operator text, token text DEFAULT NULL)
    RETURNS boolean AS 'MODULE_PATHNAME', 'api_revoke_operator' LANGUAGE C;
COMMENT ON FUNCTION flowstream.revoke_operator(text, text, text) IS
    'withdraws an approval (the party only); returns whether there was one';

ALTER POLICY streams_own ON flowstream.streams
    USING (sender = current_user::text OR recipient = current_user::text
           OR (SELECT flowstream.sees_all_streams())
           OR EXISTS (SELECT FROM flowstream.operators o
                      WHERE o.operator = current_user::text AND o.party IN (sender, recipient)));
ALTER POLICY accounts_own ON flowstream.accounts
    USING (party = current_user::text OR (SELECT flowstream.sees_all_streams())
           OR EXISTS (SELECT FROM flowstream.operators o
                      WHERE o.operator = current_user::text AND o.party = accounts.party));
ALTER POLICY flows_own ON flowstream.flows
    USING (sender = current_user::text OR receiver = current_user::text
           OR (SELECT flowstream.sees_all_streams())
           OR EXISTS (SELECT FROM flowstream.operators o
                      WHERE o.operator = current_user::text AND o.party IN (sender, receiver)));
ALTER TABLE flowstream.operators ENABLE ROW LEVEL SECURITY;
CREATE POLICY operators_own ON flowstream.operators FOR SELECT
    USING (party = current_user::text OR operator = current_user::text
           OR (SELECT flowstream.sees_all_streams()));
ALTER TABLE flowstream.operators_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY operators_history_own ON flowstream.operators_history FOR SELECT
    USING (party = current_user::text OR operator = current_user::text
           OR (SELECT flowstream.sees_all_streams()));
GRANT SELECT ON flowstream.operators, flowstream.operators_history TO PUBLIC;
REVOKE EXECUTE ON FUNCTION flowstream.operators_guard() FROM PUBLIC;

--------------------------------------------------------------------------
-- automation (SPEC §8): the type's functions it rests on
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.after(at timestamptz, span interval) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'flowstream_after' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.after(timestamptz, interval) IS
    'at + span with a day of 86400 s and a month of 365/12 days, whatever the time zone (as due times count)';
CREATE FUNCTION flowstream.top_up(s flowstream.stream, until timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_top_up' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.top_up(flowstream.stream, timestamptz) IS
    'the deposit that keeps the stream solvent until then: its total debt then less its balance, or 0';
CREATE FUNCTION flowstream.top_up(a flowstream.account, until timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'account_top_up' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.top_up(flowstream.account, timestamptz) IS
    'the deposit that keeps the account''s available balance from going below 0 until then, or 0';

ALTER TYPE flowstream.op ADD VALUE 'set_auto_top_up';
ALTER TYPE flowstream.op ADD VALUE 'set_auto_withdraw';
ALTER TABLE flowstream.events ADD COLUMN every interval;
ALTER TABLE flowstream.streams ADD COLUMN depletes_at timestamptz, ADD COLUMN top_up_keep interval,
    ADD COLUMN top_up_at timestamptz;
-- the depletion time of every stream so far, which the trigger keeps from now on
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
UPDATE flowstream.streams SET depletes_at = CASE
    WHEN flowstream.depletion_time(state) = 'infinity' THEN 'infinity'::timestamptz
    ELSE flowstream.depletion_time(state) END;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
ALTER TABLE flowstream.settings ADD COLUMN runway_thresholds interval[] NOT NULL DEFAULT '{7 days,1 day,00:00:00}',
    ADD COLUMN maintenance_skip text[] NOT NULL DEFAULT '{}',
    ADD COLUMN notifications boolean NOT NULL DEFAULT true;
COMMENT ON TABLE flowstream.settings IS
    'flowstream''s settings; change them with set_default_void_after(), set_runway_thresholds(), '
    'set_maintenance_skip() and set_notifications()';

--------------------------------------------------------------------------
-- automation (SPEC §8): what the maintenance job keeps
--------------------------------------------------------------------------

-- Alerts sent, once per stream or account, event and threshold; a row
-- goes when its item is no longer that close (a top-up re-arms it).
CREATE TABLE flowstream.runway_alerts (
    kind text NOT NULL CHECK (kind IN ('stream', 'account')),
    id bigint NOT NULL,
    event text NOT NULL CHECK (event IN ('insolvent', 'due', 'critical', 'top_up_short')),
    threshold interval NOT NULL,
    at timestamptz NOT NULL,
    sent_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id, event, threshold)
);
COMMENT ON TABLE flowstream.runway_alerts IS
    'the runway alerts maintain() sent (top_up_short: a top-up the account could not make in full) and will not send again until the item moves away';
-- The streams whose recipients asked for scheduled payouts: the schedule
-- their last set_auto_withdraw event set, and the time of the next payout,
-- which the job moves on (a payout of nothing is no event).
CREATE TABLE flowstream.payouts (
    stream_id bigint PRIMARY KEY REFERENCES flowstream.streams,
    every interval NOT NULL,
    "to" text,
    next_at timestamptz NOT NULL,
    set_by bigint NOT NULL REFERENCES flowstream.events
);
CREATE INDEX payouts_next_idx ON flowstream.payouts (next_at);
COMMENT ON TABLE flowstream.payouts IS
    'scheduled payouts (set_auto_withdraw): written by the API and maintain(), or by a restore';
COMMENT ON COLUMN flowstream.payouts."to" IS 'where the payouts go; NULL: the recipient''s account';
COMMENT ON COLUMN flowstream.payouts.set_by IS 'the set_auto_withdraw event that set the schedule';
-- One row per run of maintain(), for monitoring.
CREATE TABLE flowstream.maintenance_runs (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL,
    duration interval NOT NULL,
    voided int NOT NULL,
    liquidated int NOT NULL,
    topped_up int NOT NULL,
    paid_out int NOT NULL,
    alerts int NOT NULL
);
COMMENT ON TABLE flowstream.maintenance_runs IS 'what each run of maintain() did, and how long it took';
ALTER TABLE flowstream.runway_alerts OWNER TO flowstream_owner;
ALTER TABLE flowstream.maintenance_runs OWNER TO flowstream_owner;
ALTER TABLE flowstream.payouts OWNER TO flowstream_owner;
SELECT pg_catalog.pg_extension_config_dump('flowstream.payouts', '');
CREATE FUNCTION flowstream.payouts_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'payouts_guard' LANGUAGE C;
COMMENT ON FUNCTION flowstream.payouts_guard() IS
    'trigger: payouts are written by set_auto_withdraw() and maintain(), or restored as their history set them';
REVOKE EXECUTE ON FUNCTION flowstream.payouts_guard() FROM PUBLIC;
CREATE TRIGGER payouts_guard BEFORE INSERT OR UPDATE OR DELETE ON flowstream.payouts
    FOR EACH ROW EXECUTE FUNCTION flowstream.payouts_guard();
CREATE TRIGGER payouts_no_truncate BEFORE TRUNCATE ON flowstream.payouts
    FOR EACH STATEMENT EXECUTE FUNCTION flowstream.refuse_truncate();
ALTER TABLE flowstream.payouts ENABLE ROW LEVEL SECURITY;
CREATE POLICY payouts_own ON flowstream.payouts FOR SELECT
    USING (EXISTS (SELECT FROM flowstream.streams s WHERE s.id = stream_id));
GRANT SELECT ON flowstream.payouts TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('flowstream.runway_alerts', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.maintenance_runs', '');
SELECT pg_catalog.pg_extension_config_dump('flowstream.maintenance_runs_id_seq', '');
CREATE INDEX streams_depletes_idx ON flowstream.streams (depletes_at) WHERE depletes_at IS NOT NULL;
CREATE INDEX streams_top_up_idx ON flowstream.streams (top_up_at) WHERE top_up_at IS NOT NULL;
COMMENT ON COLUMN flowstream.streams.depletes_at IS
    'the stream''s depletion time, kept by the trigger for runway(); NULL never';
COMMENT ON COLUMN flowstream.streams.top_up_keep IS
    'the runway its automatic top-ups keep (set_auto_top_up); NULL: none';
COMMENT ON COLUMN flowstream.streams.top_up_at IS
    'when the next automatic top-up is due: depletes_at less top_up_keep';
COMMENT ON COLUMN flowstream.events.every IS
    'set_auto_top_up: the runway to keep; set_auto_withdraw: how often';
COMMENT ON COLUMN flowstream.settings.runway_thresholds IS
    'how long before a stream or account runs dry maintain() alerts on flowstream_runway';
COMMENT ON COLUMN flowstream.settings.maintenance_skip IS
    'the parts of maintain() it skips: void, liquidate, top_up, payout, alert';
COMMENT ON COLUMN flowstream.settings.notifications IS
    'whether every event and runway alert is a notification (flowstream_events, flowstream_runway); '
    'off, transactions may be prepared (two-phase commit, as Citus does over two workers)';

--------------------------------------------------------------------------
-- automation (SPEC §8): the API
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.set_auto_top_up(id bigint, keep interval) RETURNS void
    AS 'MODULE_PATHNAME', 'api_set_auto_top_up' LANGUAGE C;
COMMENT ON FUNCTION flowstream.set_auto_top_up(bigint, interval) IS
    'keeps the stream solvent for "keep" ahead from its sender''s account (the sender); NULL stops it';
CREATE FUNCTION flowstream.set_auto_withdraw(id bigint, every interval, "to" text DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'api_set_auto_withdraw' LANGUAGE C;
COMMENT ON FUNCTION flowstream.set_auto_withdraw(bigint, interval, text) IS
    'pays the withdrawable amount out every so often, to the recipient''s account or "to" (the recipient); NULL stops it';

-- what runs dry within an interval, and what would keep it going
CREATE FUNCTION flowstream.runway(within interval)
    RETURNS TABLE (kind text, id bigint, party text, token text, event text, at timestamptz, top_up numeric)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH t AS (SELECT flowstream.after(flowstream.now(), $1) AS until)
    SELECT 'stream', s.id, s.sender, s.token, 'insolvent', s.depletes_at, flowstream.top_up(s.state, t.until)
    FROM flowstream.streams s, t WHERE s.depletes_at <= t.until
    UNION ALL
    SELECT 'stream', s.id, s.sender, s.token, 'due', s.due_at, flowstream.top_up(s.state, t.until)
    FROM flowstream.streams s, t WHERE s.due_at <= t.until
    UNION ALL
    SELECT 'account', a.id, a.party, a.token, 'critical', a.critical_at, flowstream.top_up(a.state, t.until)
    FROM flowstream.accounts a, t WHERE a.critical_at <= t.until
$$;
COMMENT ON FUNCTION flowstream.runway(interval) IS
    'the streams and accounts the caller sees that become insolvent, due or critical within the interval, '
    'when, and the deposit that keeps each going through it';

CREATE FUNCTION flowstream.maintain(batch int DEFAULT 1000)
    RETURNS TABLE (job text, done int) AS 'MODULE_PATHNAME', 'maintain' LANGUAGE C;
COMMENT ON FUNCTION flowstream.maintain(int) IS
    'all scheduled work once, in order: void insolvent streams, liquidate critical accounts, top-ups, '
    'payouts, runway alerts; up to batch items each; returns what each did';
CREATE FUNCTION flowstream.set_runway_thresholds(thresholds interval[]) RETURNS void
    AS 'MODULE_PATHNAME', 'api_set_runway_thresholds' LANGUAGE C;
COMMENT ON FUNCTION flowstream.set_runway_thresholds(interval[]) IS
    'how long before running dry maintain() alerts (owner or flowstream_admin); recorded in settings_history';
CREATE FUNCTION flowstream.set_maintenance_skip(parts text[]) RETURNS void
    AS 'MODULE_PATHNAME', 'api_set_maintenance_skip' LANGUAGE C;
COMMENT ON FUNCTION flowstream.set_maintenance_skip(text[]) IS
    'the parts maintain() skips, among void, liquidate, top_up, payout, alert (owner or flowstream_admin)';
CREATE FUNCTION flowstream.set_notifications(enabled boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'api_set_notifications' LANGUAGE C;
COMMENT ON FUNCTION flowstream.set_notifications(boolean) IS
    'whether events and runway alerts are notifications (owner or flowstream_admin); off lets a '
    'transaction be prepared (two-phase commit: Citus over two workers); recorded in settings_history';
GRANT SELECT ON flowstream.runway_alerts, flowstream.maintenance_runs TO flowstream_admin;
REVOKE EXECUTE ON FUNCTION flowstream.maintain(int), flowstream.set_runway_thresholds(interval[]),
    flowstream.set_maintenance_skip(text[]), flowstream.set_notifications(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowstream.maintain(int), flowstream.set_runway_thresholds(interval[]),
    flowstream.set_maintenance_skip(text[]), flowstream.set_notifications(boolean) TO flowstream_admin;

--------------------------------------------------------------------------
-- streams in users' own tables: the stream trigger and its history
--------------------------------------------------------------------------

-- A table of the user's with a flowstream.stream column and a plain rate
-- column: the trigger takes the snapshot of each change of the rate (and
-- voids when a voided column is set), and may append each change to a
-- history table of the user's.  See docs/user-tables.md.
CREATE FUNCTION flowstream.stream_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'stream_trigger' LANGUAGE C;
COMMENT ON FUNCTION flowstream.stream_trigger() IS
    'trigger for users'' tables (BEFORE INSERT OR UPDATE, FOR EACH ROW): keeps a flowstream.stream column '
    'in step with plain rate and voided columns, taking each change''s snapshot, and appends each change '
    'to an optional history; arguments ''state=column'', ''rate=column'', ''voided=column'', ''at=column'', '
    '''decimals=n'' or ''decimals_column=column'', ''history=table'', ''key=column'', ''history_key=column''';

CREATE FUNCTION flowstream.state_in_history(history regclass, key anyelement, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_state_in_history' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION flowstream.state_in_history(regclass, anyelement, timestamptz) IS
    'the state of the row named key of a user''s table at a past time, from the history its stream trigger '
    'keeps (NULL before its stream was created)';

CREATE FUNCTION flowstream.verify_history(user_table regclass, history regclass)
    RETURNS TABLE (key text, problem text)
    AS 'MODULE_PATHNAME', 'stream_verify_history' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION flowstream.verify_history(regclass, regclass) IS
    'checks every stream of a user''s table against the history its stream trigger keeps: each change '
    'replays, the money and the accrual add up, the plain columns are in step; one row per problem';

--------------------------------------------------------------------------
-- debt_sums() sums in parallel, and on Citus workers: combine, serialize
-- and deserialize functions (an aggregate takes them only at its creation)
--------------------------------------------------------------------------

DROP AGGREGATE flowstream.debt_sums(flowstream.stream, timestamptz);
DROP AGGREGATE flowstream.debt_sums(flowstream.stream);
CREATE FUNCTION flowstream.debt_sums_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'debt_sums_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION flowstream.debt_sums_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'debt_sums_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.debt_sums_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'debt_sums_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.debt_sums_combine(internal, internal) IS
    'combine function of debt_sums(): partial sums of parallel workers or Citus shards';
COMMENT ON FUNCTION flowstream.debt_sums_serialize(internal) IS 'serialize function of debt_sums()';
COMMENT ON FUNCTION flowstream.debt_sums_deserialize(bytea, internal) IS 'deserialize function of debt_sums()';
CREATE AGGREGATE flowstream.debt_sums(flowstream.stream, timestamptz) (
    SFUNC = flowstream.debt_sums_step, STYPE = internal, FINALFUNC = flowstream.debt_sums_final,
    COMBINEFUNC = flowstream.debt_sums_combine, SERIALFUNC = flowstream.debt_sums_serialize,
    DESERIALFUNC = flowstream.debt_sums_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE flowstream.debt_sums(flowstream.stream) (
    SFUNC = flowstream.debt_sums_step, STYPE = internal, FINALFUNC = flowstream.debt_sums_final,
    COMBINEFUNC = flowstream.debt_sums_combine, SERIALFUNC = flowstream.debt_sums_serialize,
    DESERIALFUNC = flowstream.debt_sums_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE flowstream.debt_sums(flowstream.stream, timestamptz) IS
    'total, covered and uncovered debt of many streams at a time, summed exactly in one pass '
    '(in tokens, with the largest decimals among them)';
COMMENT ON AGGREGATE flowstream.debt_sums(flowstream.stream) IS
    'total, covered and uncovered debt of many streams at flowstream.now(), summed exactly in one pass';

--------------------------------------------------------------------------
-- monitoring (issue 18): what an operator watches, one row per number,
-- in the shape a metrics exporter takes (metric, labels, value)
--------------------------------------------------------------------------

CREATE VIEW flowstream.monitoring WITH (security_invoker = true) AS
WITH t AS (SELECT flowstream.now() AS now),
last_run AS (SELECT * FROM flowstream.maintenance_runs ORDER BY id DESC LIMIT 1)
SELECT 'streams'::text AS metric, s.token, flowstream.status(s.state, t.now)::text AS status,
       count(*)::numeric AS value
FROM flowstream.streams s, t GROUP BY s.token, 3
UNION ALL
SELECT 'accounts', a.token,
       CASE WHEN flowstream.balance(a.state, t.now) < 0 THEN 'deficit'
            WHEN flowstream.available(a.state, t.now) < 0 THEN 'critical'
            ELSE 'healthy' END,
       count(*)
FROM flowstream.accounts a, t GROUP BY a.token, 3
UNION ALL
SELECT m.metric, d.token, NULL, m.value
FROM (SELECT s.token, flowstream.debt_sums(s.state, t.now) AS sums
      FROM flowstream.streams s, t GROUP BY s.token) d,
     LATERAL (VALUES ('owed', (d.sums).total_debt), ('uncovered', (d.sums).uncovered_debt)) m(metric, value)
-- each count a query of its own, not a subquery of a row of t: Citus plans
-- these over distributed tables (docs/scaling.md)
UNION ALL
SELECT 'next_run_void', NULL, NULL, count(*) FROM flowstream.streams s, t WHERE s.due_at <= t.now
UNION ALL
SELECT 'next_run_liquidate', NULL, NULL, count(*) FROM flowstream.accounts a, t WHERE a.critical_at <= t.now
UNION ALL
SELECT 'next_run_top_up', NULL, NULL, count(*) FROM flowstream.streams s, t WHERE s.top_up_at <= t.now
UNION ALL
SELECT 'next_run_payout', NULL, NULL, count(*) FROM flowstream.payouts p, t WHERE p.next_at <= t.now
UNION ALL
SELECT 'last_run_' || r.what, NULL, NULL, r.value
FROM last_run l, t, LATERAL (VALUES
    ('age_seconds', extract(epoch FROM clock_timestamp() - l.started_at)),   -- runs are timed by the real clock
    ('duration_seconds', extract(epoch FROM l.duration)),
    ('voided', l.voided::numeric), ('liquidated', l.liquidated::numeric),
    ('topped_up', l.topped_up::numeric), ('paid_out', l.paid_out::numeric),
    ('alerts', l.alerts::numeric)) r(what, value);
COMMENT ON VIEW flowstream.monitoring IS
    'what an operator watches, one row per number: streams and accounts by token and status, owed and uncovered debt '
    'per token, what the next maintain() would do (next_run_*), the last run''s age, duration and counts (last_run_*)';
COMMENT ON COLUMN flowstream.monitoring.metric IS
    'streams, accounts (counts by status), owed, uncovered (in tokens), next_run_void, next_run_liquidate, '
    'next_run_top_up, next_run_payout, last_run_age_seconds, last_run_duration_seconds, last_run_voided, '
    'last_run_liquidated, last_run_topped_up, last_run_paid_out, last_run_alerts';
REVOKE ALL ON flowstream.monitoring FROM PUBLIC;
GRANT SELECT ON flowstream.monitoring TO flowstream_admin;
-- many streams in one call (#15): each element through create_stream()'s
-- and deposit()'s own step, with its checks and its events
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.create_streams(senders text[], recipients text[], tokens text[],
        rates_per_second numeric[], start_times timestamptz[] DEFAULT NULL,
        deposits numeric[] DEFAULT NULL, transferable boolean[] DEFAULT NULL,
        metadata jsonb[] DEFAULT NULL, consent_required boolean[] DEFAULT NULL,
        end_times timestamptz[] DEFAULT NULL)
    RETURNS bigint[] AS 'MODULE_PATHNAME', 'api_create_streams' LANGUAGE C;
COMMENT ON FUNCTION flowstream.create_streams(text[], text[], text[], numeric[], timestamptz[], numeric[], boolean[], jsonb[], boolean[], timestamptz[]) IS
    'creates many streams in one statement, element k of each array being argument k of create_stream() '
    '(a NULL optional array: its default for all); every stream gets its checks and events; '
    'returns the ids in the order of the arrays; any error undoes them all';

CREATE FUNCTION flowstream.deposit_many(ids bigint[], amounts numeric[]) RETURNS void
    AS 'MODULE_PATHNAME', 'api_deposit_many' LANGUAGE C;
COMMENT ON FUNCTION flowstream.deposit_many(bigint[], numeric[]) IS
    'deposit(ids[k], amounts[k]) for every k in one statement, each with its checks and event; '
    'any error undoes them all';

--------------------------------------------------------------------------
-- past one machine (SPEC §9): flowstream on Citus, see docs/scaling.md
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.create_stream_at(id bigint, fixed boolean, sender text, recipient text,
        token text, rate_per_second numeric, start_time timestamptz, deposit numeric,
        transferable boolean, metadata jsonb, consent_required boolean, end_time timestamptz)
    RETURNS bigint AS 'MODULE_PATHNAME', 'api_create_stream_at' LANGUAGE C;
COMMENT ON FUNCTION flowstream.create_stream_at(bigint, boolean, text, text, text, numeric, timestamptz, numeric, boolean, jsonb, boolean, timestamptz) IS
    'the second half of create_stream and create_fixed_stream on Citus, with the id they allocated: '
    'runs where the row of that id lives (a fixed stream: deposit is the total, no rate); the same checks, '
    'and 23505 for an id that is taken';

-- The policies of the distributed tables, without subqueries (Citus
-- refuses those): the same rules, asked of these functions.
CREATE FUNCTION flowstream.operates_for(party text, other text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM flowstream.operators o
                   WHERE o.operator = current_user::text AND o.party IN ($1, $2))
$$;
COMMENT ON FUNCTION flowstream.operates_for(text, text) IS
    'whether the current role is an operator of either party (the policies of distributed streams)';

CREATE FUNCTION flowstream.distribute() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f regprocedure;
    prepare text;
    ddl text;
    node record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'citus is not installed'
            USING ERRCODE = '0A000',
                  DETAIL = 'flowstream.distribute() places flowstream''s tables on a Citus cluster.',
                  HINT = 'Without Citus, flowstream needs no distribute(); see docs/scaling.md.';
    END IF;
    IF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'flowstream.streams'::regclass) THEN
        RAISE EXCEPTION 'flowstream is distributed already' USING ERRCODE = '55000';
    END IF;
    -- the triggers run on the shards, in the backend of the delegated call
    PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
    -- one connection per node: keys to reference tables come back below
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);

    -- Citus places a table only when the tables it references are placed,
    -- and would rewrite (drop) an extension's local tables that reference
    -- a reference table: the keys between the tables go first, and those
    -- Citus keeps come back once the tables are placed.  The history gets
    -- the key it is placed by, place: a stream's event lives with its
    -- stream, an account's with its (first) account; its values are
    -- computed once, as a generated column's, which fires no trigger.  A
    -- unique key must include the column a table is placed by: the open
    -- flows' key becomes their accounts', and (party, token) moves to the
    -- reference table account_keys.  The policies lose their subqueries.
    -- The same on every node: CREATE EXTENSION made the tables there too,
    -- which Citus keeps as their shells.  One statement (a worker reports
    -- only a command's first result), with Citus's own handling of DDL off
    -- (a worker refuses DDL on the objects of an extension Citus placed).
    prepare := $prepare$
    DO $do$ BEGIN
    PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
    -- a worker that makes an event (a stream's call runs there) or a row
    -- takes its id from its own sequence: each worker's from a range of its
    -- own, 2^48 ids from its group's, as Citus gives its own sequences
    PERFORM pg_catalog.setval(seq, g.groupid::bigint << 48, false)
    FROM pg_catalog.pg_dist_local_group g,
         unnest('{flowstream.events_id_seq,flowstream.streams_id_seq,flowstream.accounts_id_seq,flowstream.flows_id_seq}'::regclass[]) seq
    WHERE g.groupid > 0;
    ALTER TABLE flowstream.streams DROP CONSTRAINT IF EXISTS streams_token_fkey,
        DROP CONSTRAINT IF EXISTS streams_first_event_fkey;
    ALTER TABLE flowstream.accounts DROP CONSTRAINT IF EXISTS accounts_token_fkey,
        DROP CONSTRAINT IF EXISTS accounts_first_event_fkey,
        DROP CONSTRAINT IF EXISTS accounts_party_token_key;
    ALTER TABLE flowstream.flows DROP CONSTRAINT IF EXISTS flows_first_event_fkey,
        DROP CONSTRAINT IF EXISTS flows_sender_account_fkey,
        DROP CONSTRAINT IF EXISTS flows_receiver_account_fkey,
        DROP CONSTRAINT IF EXISTS flows_pkey;
    ALTER TABLE flowstream.flows ADD PRIMARY KEY (sender_account, id);
    DROP INDEX IF EXISTS flowstream.flows_open_idx;
    CREATE UNIQUE INDEX flows_open_idx ON flowstream.flows (sender_account, receiver_account)
        WHERE closed_at IS NULL;
    ALTER TABLE flowstream.events
        ADD COLUMN place bigint GENERATED ALWAYS AS (coalesce(stream_id, account_id)) STORED;
    ALTER TABLE flowstream.events ALTER COLUMN place DROP EXPRESSION;
    ALTER TABLE flowstream.events ALTER COLUMN place SET NOT NULL;
    ALTER TABLE flowstream.operators DROP CONSTRAINT IF EXISTS operators_token_fkey,
        DROP CONSTRAINT IF EXISTS operators_approval_fkey;
    ALTER TABLE flowstream.payouts DROP CONSTRAINT IF EXISTS payouts_stream_id_fkey,
        DROP CONSTRAINT IF EXISTS payouts_set_by_fkey;
    ALTER TABLE flowstream.events DROP CONSTRAINT IF EXISTS events_pkey;
    ALTER TABLE flowstream.events ADD PRIMARY KEY (place, id);
    DROP POLICY IF EXISTS streams_own ON flowstream.streams;
    CREATE POLICY streams_own ON flowstream.streams FOR SELECT
        USING (sender = current_user::text OR recipient = current_user::text
               OR flowstream.sees_all_streams() OR flowstream.operates_for(sender, recipient));
    DROP POLICY IF EXISTS events_own ON flowstream.events;
    CREATE POLICY events_own ON flowstream.events FOR SELECT USING (flowstream.sees_all_streams());
    DROP POLICY IF EXISTS operators_own ON flowstream.operators;
    CREATE POLICY operators_own ON flowstream.operators FOR SELECT
        USING (party = current_user::text OR operator = current_user::text OR flowstream.sees_all_streams());
    DROP POLICY IF EXISTS operators_history_own ON flowstream.operators_history;
    CREATE POLICY operators_history_own ON flowstream.operators_history FOR SELECT
        USING (party = current_user::text OR operator = current_user::text OR flowstream.sees_all_streams());
    DROP POLICY IF EXISTS payouts_own ON flowstream.payouts;
    CREATE POLICY payouts_own ON flowstream.payouts FOR SELECT USING (flowstream.sees_all_streams());
    DROP POLICY IF EXISTS accounts_own ON flowstream.accounts;
    CREATE POLICY accounts_own ON flowstream.accounts FOR SELECT
        USING (party = current_user::text OR flowstream.sees_all_streams() OR flowstream.operates_for(party, party));
    DROP POLICY IF EXISTS flows_own ON flowstream.flows;
    CREATE POLICY flows_own ON flowstream.flows FOR SELECT
        USING (sender = current_user::text OR receiver = current_user::text
               OR flowstream.sees_all_streams() OR flowstream.operates_for(sender, receiver));
    -- Citus plans no SQL function that passes parameters to a distributed
    -- table, nor a correlated subquery over one: the same reads in PL/pgSQL,
    -- the account found first, the time passed as a value
    CREATE OR REPLACE FUNCTION flowstream.account_state_at(party text, token text, at timestamptz)
        RETURNS flowstream.account
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    DECLARE
        this bigint;
    BEGIN
        SELECT a.id INTO this FROM flowstream.accounts a WHERE a.party = $1 AND a.token = $2;
        RETURN (SELECT x.state FROM (
                    (SELECT e.id, e.account AS state FROM flowstream.events e
                     WHERE e.account_id = this AND e.at <= $3 ORDER BY e.id DESC LIMIT 1)
                    UNION ALL
                    (SELECT e.id, e.peer FROM flowstream.events e
                     WHERE e.peer_id = this AND e.at <= $3 ORDER BY e.id DESC LIMIT 1)) x
                ORDER BY x.id DESC LIMIT 1);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.account_balance(party text, token text) RETURNS numeric
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    DECLARE
        t timestamptz := flowstream.now();
    BEGIN
        RETURN coalesce((SELECT flowstream.balance(a.state, t) FROM flowstream.accounts a
                         WHERE a.party = $1 AND a.token = $2), 0);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.account_available(party text, token text) RETURNS numeric
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    DECLARE
        t timestamptz := flowstream.now();
    BEGIN
        RETURN coalesce((SELECT flowstream.available(a.state, t) FROM flowstream.accounts a
                         WHERE a.party = $1 AND a.token = $2), 0);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.account_buffer(party text, token text) RETURNS numeric
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    BEGIN
        RETURN coalesce((SELECT flowstream.buffer(a.state) FROM flowstream.accounts a
                         WHERE a.party = $1 AND a.token = $2), 0);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.account_critical_time(party text, token text) RETURNS timestamptz
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    BEGIN
        RETURN (SELECT flowstream.critical_time(a.state) FROM flowstream.accounts a
                WHERE a.party = $1 AND a.token = $2);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.account_insolvency_time(party text, token text) RETURNS timestamptz
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    BEGIN
        RETURN (SELECT flowstream.insolvency_time(a.state) FROM flowstream.accounts a
                WHERE a.party = $1 AND a.token = $2);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.netflow(party text, token text) RETURNS numeric
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    BEGIN
        RETURN coalesce((SELECT flowstream.netflow(a.state) FROM flowstream.accounts a
                         WHERE a.party = $1 AND a.token = $2), 0)
             + coalesce((SELECT sum(CASE WHEN s.recipient = $1 THEN flowstream.rate_per_second(s.state)
                                         ELSE -flowstream.rate_per_second(s.state) END)
                         FROM flowstream.streams s
                         WHERE (s.sender = $1 OR s.recipient = $1) AND s.sender <> s.recipient AND s.token = $2
                           AND flowstream.status(s.state) IN ('streaming_solvent', 'streaming_insolvent')), 0);
    END
    $f$;
    CREATE OR REPLACE FUNCTION flowstream.runway(within interval)
        RETURNS TABLE (kind text, id bigint, party text, token text, event text, at timestamptz, top_up numeric)
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
    DECLARE
        until timestamptz := flowstream.after(flowstream.now(), $1);
    BEGIN
        RETURN QUERY
        SELECT 'stream'::text, s.id, s.sender, s.token, 'insolvent'::text, s.depletes_at, flowstream.top_up(s.state, until)
        FROM flowstream.streams s WHERE s.depletes_at <= until
        UNION ALL
        SELECT 'stream', s.id, s.sender, s.token, 'due', s.due_at, flowstream.top_up(s.state, until)
        FROM flowstream.streams s WHERE s.due_at <= until
        UNION ALL
        SELECT 'account', a.id, a.party, a.token, 'critical', a.critical_at, flowstream.top_up(a.state, until)
        FROM flowstream.accounts a WHERE a.critical_at <= until;
    END
    $f$;
    END $do$
    $prepare$;
    FOR node IN SELECT * FROM run_command_on_workers(prepare) LOOP
        IF NOT node.success THEN
            RAISE EXCEPTION 'could not prepare worker %:%', node.nodename, node.nodeport
                USING ERRCODE = '55000', DETAIL = node.result;
        END IF;
    END LOOP;
    ddl := current_setting('citus.enable_ddl_propagation');
    EXECUTE prepare;
    PERFORM set_config('citus.enable_ddl_propagation', ddl, true);
    -- which account each party has in each token: read by every account
    -- operation, written when one is opened
    CREATE TABLE flowstream.account_keys (
        party text,
        token text,
        id bigint NOT NULL UNIQUE,
        PRIMARY KEY (party, token)
    );
    ALTER TABLE flowstream.account_keys OWNER TO flowstream_owner;
    COMMENT ON TABLE flowstream.account_keys IS
        'on Citus (distribute()): the id of the account of each party and token, a reference table '
        'that holds them unique; written by the API';
    INSERT INTO flowstream.account_keys (party, token, id) SELECT party, token, id FROM flowstream.accounts;

    -- read everywhere, written seldom: a copy on every node
    PERFORM create_reference_table('flowstream.tokens');
    PERFORM create_reference_table('flowstream.settings');
    PERFORM create_reference_table('flowstream.settings_history');
    PERFORM create_reference_table('flowstream.operators_history');
    PERFORM create_reference_table('flowstream.operators');
    PERFORM create_reference_table('flowstream.account_keys');

    -- a stream, its history and its payouts on one node; an account, its
    -- history and its outgoing flows on one node
    PERFORM create_distributed_table('flowstream.streams', 'id');
    PERFORM create_distributed_table('flowstream.events', 'place', colocate_with => 'flowstream.streams');
    PERFORM create_distributed_table('flowstream.payouts', 'stream_id', colocate_with => 'flowstream.streams');
    PERFORM create_distributed_table('flowstream.accounts', 'id', colocate_with => 'flowstream.streams');
    PERFORM create_distributed_table('flowstream.flows', 'sender_account', colocate_with => 'flowstream.streams');
    ALTER TABLE flowstream.streams ADD CONSTRAINT streams_token_fkey
        FOREIGN KEY (token) REFERENCES flowstream.tokens;
    ALTER TABLE flowstream.accounts ADD CONSTRAINT accounts_token_fkey
        FOREIGN KEY (token) REFERENCES flowstream.tokens;
    ALTER TABLE flowstream.flows ADD CONSTRAINT flows_sender_account_fkey
        FOREIGN KEY (sender_account) REFERENCES flowstream.accounts;
    ALTER TABLE flowstream.operators ADD CONSTRAINT operators_token_fkey
        FOREIGN KEY (token) REFERENCES flowstream.tokens;
    ALTER TABLE flowstream.operators ADD CONSTRAINT operators_approval_fkey
        FOREIGN KEY (approval) REFERENCES flowstream.operators_history;
    ALTER TABLE flowstream.payouts ADD CONSTRAINT payouts_stream_id_fkey
        FOREIGN KEY (stream_id) REFERENCES flowstream.streams;

    -- each call on a stream runs whole (API, trigger, event) where it lives
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'flowstream'::regnamespace AND p.prokind = 'f'
          AND p.pronargs > 0 AND p.proargtypes[0] = 'bigint'::regtype
          AND p.proargnames[1] IN ('id', 'stream_id')
          AND p.proname NOT IN ('update_flow', 'close_flow', 'deposit_from_account',
                                'withdraw_to_account', 'withdraw_max_to_account')
        ORDER BY 1
    LOOP
        PERFORM create_distributed_function(f, '$1', colocate_with => 'flowstream.streams',
                                            force_delegation => true);
    END LOOP;

    -- a transaction over streams on two workers is a two-phase commit,
    -- which PostgreSQL refuses to a transaction that sent NOTIFY
    IF coalesce((SELECT s.notifications FROM flowstream.settings s), true) THEN
        RAISE NOTICE 'flowstream notifies every event: a transaction over streams on two workers cannot commit'
            USING DETAIL = 'PostgreSQL cannot prepare (two-phase commit) a transaction that sent NOTIFY.',
                  HINT = 'SELECT flowstream.set_notifications(false) lets it commit; nobody hears the events then '
                         '(see docs/scaling.md).';
    END IF;
END
$$;
COMMENT ON FUNCTION flowstream.distribute() IS
    'on a Citus coordinator (as a superuser): makes tokens, settings, operators and account_keys reference '
    'tables, distributes streams and payouts by stream id, accounts by id, flows by their sender''s account '
    'and the history by its stream or account (all colocated), and every stream function that takes an id '
    'with delegation; 0A000 without Citus, 55000 when done already; a notice while notifications are on '
    '(set_notifications(false) for transactions over two workers)';
REVOKE EXECUTE ON FUNCTION flowstream.distribute() FROM PUBLIC;
