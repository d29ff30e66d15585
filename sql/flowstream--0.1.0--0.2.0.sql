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
COMMENT ON FUNCTION flowstream.settings_guard() IS 'trigger: the default grace is not negative';
CREATE TRIGGER settings_guard BEFORE INSERT OR UPDATE ON flowstream.settings
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
