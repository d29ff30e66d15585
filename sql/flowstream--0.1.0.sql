-- flowstream 0.1.0: money streams inside PostgreSQL.
\echo Use "CREATE EXTENSION flowstream" to load this file. \quit

-- The schema is the extension's own (relocatable = false): every object
-- below is qualified, so the caller's search_path plays no part.

--------------------------------------------------------------------------
-- the stream type
--------------------------------------------------------------------------

CREATE TYPE flowstream.stream;

CREATE FUNCTION flowstream.stream_in(cstring) RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_out(flowstream.stream) RETURNS cstring
    AS 'MODULE_PATHNAME', 'stream_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_recv(internal) RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_send(flowstream.stream) RETURNS bytea
    AS 'MODULE_PATHNAME', 'stream_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE flowstream.stream (
    INPUT = flowstream.stream_in,
    OUTPUT = flowstream.stream_out,
    RECEIVE = flowstream.stream_recv,
    SEND = flowstream.stream_send,
    INTERNALLENGTH = 88,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE flowstream.stream IS
    'a money stream''s state: rate per second, balance, exact snapshot debt and times';

CREATE TYPE flowstream.status AS ENUM (
    'pending', 'streaming_solvent', 'streaming_insolvent',
    'paused_solvent', 'paused_insolvent', 'voided'
);
COMMENT ON TYPE flowstream.status IS 'the status of a stream at a time';

--------------------------------------------------------------------------
-- equality and order, so that the type works in DISTINCT, GROUP BY, ORDER BY
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.stream_cmp(flowstream.stream, flowstream.stream) RETURNS int
    AS 'MODULE_PATHNAME', 'stream_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_eq(flowstream.stream, flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_ne(flowstream.stream, flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_lt(flowstream.stream, flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_le(flowstream.stream, flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_gt(flowstream.stream, flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.stream_ge(flowstream.stream, flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR flowstream.= (
    LEFTARG = flowstream.stream, RIGHTARG = flowstream.stream,
    PROCEDURE = flowstream.stream_eq, COMMUTATOR = OPERATOR(flowstream.=),
    NEGATOR = OPERATOR(flowstream.<>), RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR flowstream.<> (
    LEFTARG = flowstream.stream, RIGHTARG = flowstream.stream,
    PROCEDURE = flowstream.stream_ne, COMMUTATOR = OPERATOR(flowstream.<>),
    NEGATOR = OPERATOR(flowstream.=), RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR flowstream.< (
    LEFTARG = flowstream.stream, RIGHTARG = flowstream.stream,
    PROCEDURE = flowstream.stream_lt, COMMUTATOR = OPERATOR(flowstream.>),
    NEGATOR = OPERATOR(flowstream.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR flowstream.<= (
    LEFTARG = flowstream.stream, RIGHTARG = flowstream.stream,
    PROCEDURE = flowstream.stream_le, COMMUTATOR = OPERATOR(flowstream.>=),
    NEGATOR = OPERATOR(flowstream.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR flowstream.> (
    LEFTARG = flowstream.stream, RIGHTARG = flowstream.stream,
    PROCEDURE = flowstream.stream_gt, COMMUTATOR = OPERATOR(flowstream.<),
    NEGATOR = OPERATOR(flowstream.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR flowstream.>= (
    LEFTARG = flowstream.stream, RIGHTARG = flowstream.stream,
    PROCEDURE = flowstream.stream_ge, COMMUTATOR = OPERATOR(flowstream.<=),
    NEGATOR = OPERATOR(flowstream.<), RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS flowstream.stream_ops DEFAULT FOR TYPE flowstream.stream USING btree AS
    OPERATOR 1 flowstream.<,
    OPERATOR 2 flowstream.<=,
    OPERATOR 3 flowstream.=,
    OPERATOR 4 flowstream.>=,
    OPERATOR 5 flowstream.>,
    FUNCTION 1 flowstream.stream_cmp(flowstream.stream, flowstream.stream);

--------------------------------------------------------------------------
-- the clock
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.now() RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'flowstream_now' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.now() IS
    'the time of flowstream: now(), or the superuser-only test clock flowstream.clock when set';

--------------------------------------------------------------------------
-- constructor and accessors
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.stream(rate_per_second numeric, decimals int,
                                  start timestamptz, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.stream(numeric, int, timestamptz, timestamptz) IS
    'a new stream created at "at" that accrues from "start" (rate 0 only when start <= at)';

CREATE FUNCTION flowstream.rate_per_second(flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_rate_per_second' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.rate_per_second(flowstream.stream) IS 'the rate in tokens per second';
CREATE FUNCTION flowstream.balance(flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_balance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.balance(flowstream.stream) IS 'the balance in tokens';
CREATE FUNCTION flowstream.snapshot_debt(flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_snapshot_debt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.snapshot_debt(flowstream.stream) IS
    'the debt at the snapshot time, in tokens, exact (sub-unit remainder shown)';
CREATE FUNCTION flowstream.snapshot_time(flowstream.stream) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'stream_snapshot_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.snapshot_time(flowstream.stream) IS
    'the time from which the rate accrues (the start, while pending)';
CREATE FUNCTION flowstream.last_op(flowstream.stream) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'stream_last_op' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.last_op(flowstream.stream) IS
    'the time of the last operation; no later operation may be earlier';
CREATE FUNCTION flowstream.decimals(flowstream.stream) RETURNS int
    AS 'MODULE_PATHNAME', 'stream_decimals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.decimals(flowstream.stream) IS 'the token''s decimals';
CREATE FUNCTION flowstream.is_voided(flowstream.stream) RETURNS boolean
    AS 'MODULE_PATHNAME', 'stream_is_voided' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.is_voided(flowstream.stream) IS 'whether the stream was voided';

--------------------------------------------------------------------------
-- views of a stream at a time (and at flowstream.now())
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.total_debt(s flowstream.stream, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_total_debt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.total_debt(s flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_total_debt' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.total_debt(flowstream.stream, timestamptz) IS
    'all debt owed at a time, in tokens, rounded down to a base unit';
COMMENT ON FUNCTION flowstream.total_debt(flowstream.stream) IS
    'all debt owed at flowstream.now(), in tokens';

CREATE FUNCTION flowstream.covered_debt(s flowstream.stream, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_covered_debt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.covered_debt(s flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_covered_debt' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.covered_debt(flowstream.stream, timestamptz) IS
    'the debt the balance covers at a time: min(balance, total debt)';
COMMENT ON FUNCTION flowstream.covered_debt(flowstream.stream) IS
    'the debt the balance covers at flowstream.now()';

CREATE FUNCTION flowstream.withdrawable(s flowstream.stream, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_covered_debt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.withdrawable(s flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_covered_debt' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.withdrawable(flowstream.stream, timestamptz) IS
    'what the recipient can withdraw at a time (the covered debt)';
COMMENT ON FUNCTION flowstream.withdrawable(flowstream.stream) IS
    'what the recipient can withdraw at flowstream.now()';

CREATE FUNCTION flowstream.uncovered_debt(s flowstream.stream, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_uncovered_debt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.uncovered_debt(s flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_uncovered_debt' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.uncovered_debt(flowstream.stream, timestamptz) IS
    'the debt beyond the balance at a time: max(total debt - balance, 0)';
COMMENT ON FUNCTION flowstream.uncovered_debt(flowstream.stream) IS
    'the debt beyond the balance at flowstream.now()';

CREATE FUNCTION flowstream.refundable(s flowstream.stream, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_refundable' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.refundable(s flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_refundable' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.refundable(flowstream.stream, timestamptz) IS
    'what the sender can take back at a time: balance - covered debt';
COMMENT ON FUNCTION flowstream.refundable(flowstream.stream) IS
    'what the sender can take back at flowstream.now()';

CREATE FUNCTION flowstream.ongoing_debt(s flowstream.stream, at timestamptz) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_ongoing_debt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.ongoing_debt(s flowstream.stream) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_ongoing_debt' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.ongoing_debt(flowstream.stream, timestamptz) IS
    'the debt accrued since the snapshot time, exact, in tokens';
COMMENT ON FUNCTION flowstream.ongoing_debt(flowstream.stream) IS
    'the debt accrued since the snapshot time until flowstream.now()';

CREATE FUNCTION flowstream.status(s flowstream.stream, at timestamptz) RETURNS flowstream.status
    AS 'MODULE_PATHNAME', 'stream_status' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flowstream.status(s flowstream.stream) RETURNS flowstream.status
    AS 'MODULE_PATHNAME', 'stream_status' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.status(flowstream.stream, timestamptz) IS 'the status at a time';
COMMENT ON FUNCTION flowstream.status(flowstream.stream) IS 'the status at flowstream.now()';

CREATE FUNCTION flowstream.depletion_time(s flowstream.stream) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'stream_depletion_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.depletion_time(flowstream.stream) IS
    'the first microsecond with an uncovered base unit; NULL at rate 0, infinity beyond timestamptz';

--------------------------------------------------------------------------
-- transitions: each returns the new state, and refuses a time before the last operation
--------------------------------------------------------------------------

CREATE FUNCTION flowstream.deposit(s flowstream.stream, amount numeric, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_deposit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.deposit(flowstream.stream, numeric, timestamptz) IS
    'adds to the balance';
CREATE FUNCTION flowstream.withdraw(s flowstream.stream, amount numeric, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_withdraw' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.withdraw(flowstream.stream, numeric, timestamptz) IS
    'pays covered debt out of the balance';
CREATE FUNCTION flowstream.refund(s flowstream.stream, amount numeric, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_refund' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.refund(flowstream.stream, numeric, timestamptz) IS
    'returns refundable balance to the sender';
CREATE FUNCTION flowstream.pause(s flowstream.stream, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_pause' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.pause(flowstream.stream, timestamptz) IS
    'takes a snapshot and sets the rate to 0';
CREATE FUNCTION flowstream.restart(s flowstream.stream, rate_per_second numeric, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_restart' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.restart(flowstream.stream, numeric, timestamptz) IS
    'resumes a paused stream at a rate; the paused interval is never charged';
CREATE FUNCTION flowstream.adjust_rate(s flowstream.stream, rate_per_second numeric, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_adjust_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.adjust_rate(flowstream.stream, numeric, timestamptz) IS
    'takes a snapshot and changes the rate';
CREATE FUNCTION flowstream.void(s flowstream.stream, at timestamptz)
    RETURNS flowstream.stream
    AS 'MODULE_PATHNAME', 'stream_void' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.void(flowstream.stream, timestamptz) IS
    'ends the stream for good, forfeiting debt the balance does not cover';

CREATE FUNCTION flowstream.rate(amount numeric, per interval) RETURNS numeric
    AS 'MODULE_PATHNAME', 'stream_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flowstream.rate(numeric, interval) IS
    'amount per period as tokens per second, rounded down to 18 decimals (month = 365/12 days, year = 365 days)';
