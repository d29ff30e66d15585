--
-- type: the flowstream.stream type itself: its storage, its text literal
-- (round trips, extremes, every malformed-input path with its SQLSTATE and
-- DETAIL), its binary form (stream_send / stream_recv through COPY BINARY),
-- its accessors, and its comparison operators (ORDER BY, DISTINCT, btree).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- the comparison operators live in schema flowstream: "a = b" on streams
-- needs it on the search_path (or OPERATOR(flowstream.=), shown below)
SET search_path = public, flowstream;

-- try(q): runs q (a query returning one value) and returns that value as
-- text, or the error's SQLSTATE, message and detail.
CREATE FUNCTION pg_temp.try(q text, OUT state text, OUT result text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q INTO result;
    state := 'ok';
    result := coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, result = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL;
    detail := nullif(detail, '');
END $$;

--
-- storage: fixed size, no varlena, at most 96 bytes, double aligned, plain
--
SELECT typlen, typbyval, typalign, typstorage, typlen <= 96 AS at_most_96_bytes,
       typinput::regproc, typoutput::regproc, typreceive::regproc, typsend::regproc
FROM pg_type WHERE oid = 'flowstream.stream'::regtype;
SELECT pg_column_size(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')) AS bytes;
SELECT enum_range(NULL::flowstream.status);

-- the pure functions: IMMUTABLE STRICT PARALLEL SAFE with an explicit time,
-- STABLE for the views that read flowstream.now() (and now() itself)
SELECT p.oid::regprocedure AS function, p.prorettype::regtype AS returns,
       p.provolatile AS vol, p.proisstrict AS strict, p.proparallel AS par
FROM pg_proc p
WHERE p.pronamespace = 'flowstream'::regnamespace
  AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND p.prosrc IN ('stream_in', 'stream_out', 'stream_recv', 'stream_send',
                   'stream_cmp', 'stream_eq', 'stream_ne', 'stream_lt', 'stream_le',
                   'stream_gt', 'stream_ge', 'flowstream_now', 'stream_make',
                   'stream_rate_per_second', 'stream_balance', 'stream_snapshot_debt',
                   'stream_snapshot_time', 'stream_last_op', 'stream_decimals',
                   'stream_is_voided', 'stream_total_debt', 'stream_covered_debt',
                   'stream_uncovered_debt', 'stream_refundable', 'stream_ongoing_debt',
                   'stream_status', 'stream_depletion_time', 'stream_deposit',
                   'stream_withdraw', 'stream_refund', 'stream_pause', 'stream_restart',
                   'stream_adjust_rate', 'stream_void', 'stream_rate')
ORDER BY p.oid::regprocedure::text;

--
-- the text literal: what the constructor gives, and that it reads back
--
SELECT flowstream.stream(0.001, 6, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00');
SELECT flowstream.stream(1, 0, '2026-01-01 00:00:00.5+00', '2025-12-31 23:59:59.000001+00');
SELECT flowstream.stream(0.000000000000000001, 18, '0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00');

-- fields in any order, blanks around the parts, 'T' or ' ' in times,
-- trailing zeros beyond the scale: all read as the same value
SELECT s, s = '(decimals=6,rate_per_second=0.001,balance=12.5,snapshot_debt=1.000000000000000000000001,snapshot_time=2026-01-31T00:00:00Z,last_op=2026-02-01T12:30:00.25Z,voided=false)'::flowstream.stream AS same
FROM (VALUES
    ('(decimals=6,rate_per_second=0.001,balance=12.5,snapshot_debt=1.000000000000000000000001,snapshot_time=2026-01-31T00:00:00Z,last_op=2026-02-01T12:30:00.25Z,voided=false)'::flowstream.stream),
    (' ( voided = false , last_op = 2026-02-01 12:30:00.250000Z , snapshot_time=2026-01-31T00:00:00.0Z,
        snapshot_debt=1.000000000000000000000001000, balance=12.500000, rate_per_second=0.00100,
        decimals=06 ) '::flowstream.stream)
) v(s);

-- round trips: text -> value -> text is the identity on the output form,
-- at the extremes of every field
CREATE TEMP TABLE lit (n int, t text);
INSERT INTO lit VALUES
 (1, '(decimals=0,rate_per_second=0,balance=0,snapshot_debt=0,snapshot_time=0001-01-01T00:00:00Z,last_op=0001-01-01T00:00:00Z,voided=false)'),
 -- 2^127-1 everywhere it is allowed, 2^256-1 units of snapshot debt
 (2, '(decimals=0,rate_per_second=170141183460469231731.687303715884105727,balance=170141183460469231731687303715884105727,snapshot_debt=115792089237316195423570985008687907853269984665640564.039457584007913129639935,snapshot_time=294276-12-31T23:59:59.999999Z,last_op=294276-12-31T23:59:59.999999Z,voided=false)'),
 (3, '(decimals=18,rate_per_second=170141183460469231731.687303715884105727,balance=170141183460469231731.687303715884105727,snapshot_debt=0,snapshot_time=2000-01-01T00:00:00Z,last_op=1999-12-31T23:59:59.999999Z,voided=false)'),
 (4, '(decimals=6,rate_per_second=0,balance=100.000001,snapshot_debt=100.000001999999999999999999,snapshot_time=2026-03-01T00:00:00.000001Z,last_op=2026-03-01T00:00:00.000001Z,voided=true)'),
 (5, '(decimals=18,rate_per_second=0.000000000000000001,balance=0.000000000000000001,snapshot_debt=0,snapshot_time=2024-02-29T23:59:59.9Z,last_op=2024-02-29T23:59:59.9Z,voided=false)'),
 (6, '(decimals=9,rate_per_second=0.5,balance=0,snapshot_debt=0,snapshot_time=2026-06-01T00:00:00Z,last_op=2026-05-01T00:00:00Z,voided=false)');
SELECT n, t::flowstream.stream::text = t AS round_trips,
       t::flowstream.stream::text::flowstream.stream = t::flowstream.stream AS equal
FROM lit ORDER BY n;
SELECT n, t::flowstream.stream AS value FROM lit ORDER BY n;

-- the text form depends on neither TimeZone nor DateStyle (a dump restores
-- the same value anywhere); the timestamptz accessors of course do
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SELECT s AS value, flowstream.snapshot_time(s), flowstream.last_op(s)
FROM (SELECT flowstream.stream(0.001, 6, '2026-01-31 00:00:00+00', '2026-01-15 12:00:00.25+00') AS s) v;
SELECT '(decimals=6,rate_per_second=0.001,balance=0,snapshot_debt=0,snapshot_time=2026-01-31T00:00:00Z,last_op=2026-01-15T12:00:00.25Z,voided=false)'::flowstream.stream
     = flowstream.stream(0.001, 6, '2026-01-31 00:00:00+00', '2026-01-15 12:00:00.25+00') AS same_value;
SET TimeZone = 'Asia/Kolkata';
SET DateStyle = 'German';
SELECT s AS value, flowstream.snapshot_time(s)
FROM (SELECT flowstream.stream(0.001, 6, '2026-01-31 00:00:00+00', '2026-01-15 12:00:00.25+00') AS s) v;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

--
-- malformed literals: 22P02, the offending part named in DETAIL, never a crash
--
CREATE TEMP TABLE bad (n int, t text);
INSERT INTO bad VALUES
 (1,  ''),
 (2,  'decimals=6'),
 (3,  '('),
 (4,  '()'),
 (5,  '(decimals=6,)'),
 (6,  '(Decimals=6)'),
 (7,  '(colour=blue)'),
 (8,  '(decimals=6,decimals=6)'),
 (9,  '(decimals 6)'),
 (10, '(decimals=)'),
 (11, '(decimals=6'),
 (12, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false) x'),
 (13, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)(decimals=6)'),
 (14, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z)'),
 (15, '(rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 -- decimals
 (16, '(decimals=19,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (17, '(decimals=-1,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (18, '(decimals=six,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (19, '(decimals=6.0,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 -- rate
 (20, '(decimals=6,rate_per_second=0.0000000000000000001,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (21, '(decimals=6,rate_per_second=-1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (22, '(decimals=6,rate_per_second=1e3,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (23, '(decimals=6,rate_per_second=NaN,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (24, '(decimals=6,rate_per_second=1.,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (25, '(decimals=6,rate_per_second=.5,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (26, '(decimals=6,rate_per_second=170141183460469231731.687303715884105728,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 -- balance
 (27, '(decimals=6,rate_per_second=1,balance=0.0000001,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (28, '(decimals=0,rate_per_second=1,balance=1.5,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (29, '(decimals=0,rate_per_second=1,balance=170141183460469231731687303715884105728,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (30, '(decimals=6,rate_per_second=1,balance=+1,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (31, '(decimals=6,rate_per_second=1,balance=1 000,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (32, '(decimals=6,rate_per_second=1,balance=' || repeat('9', 300) || ',snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 -- snapshot debt: 24 fractional digits, at most 2^256-1 units
 (33, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0.0000000000000000000000001,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (34, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=115792089237316195423570985008687907853269984665640564.039457584007913129639936,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (35, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=-0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 -- times: UTC with a Z, real dates, years 0001 to 294276, microseconds
 (36, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (37, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00+00,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (38, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-02-29T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (39, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T24:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (40, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T23:59:60Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (41, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=0000-12-31T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (42, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=294277-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (43, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00.1234567Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (44, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00.Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (45, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=infinity,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (46, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-1-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (47, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-13-01T00:00:00Z,voided=false)'),
 (48, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=today,voided=false)'),
 -- voided
 (49, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=yes)'),
 (50, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=TRUE)'),
 -- well formed, but not a state the model can reach
 (51, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=true)'),
 (52, '(decimals=6,rate_per_second=0,balance=0,snapshot_debt=0,snapshot_time=2026-01-02T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (53, '(decimals=6,rate_per_second=1,balance=0,snapshot_debt=0.5,snapshot_time=2026-01-02T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
 (54, '(decimals=6,rate_per_second=0,balance=0,snapshot_debt=0,snapshot_time=2026-01-02T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=true)'),
 (55, '(decimals=6,rate_per_second=0,balance=100,snapshot_debt=100.000001,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=true)');
SELECT b.n, r.state, r.detail
FROM bad b, LATERAL pg_temp.try(format('SELECT %L::flowstream.stream', b.t)) r
ORDER BY b.n;
-- the message quotes the input
SELECT '(decimals=6,colour=blue)'::flowstream.stream;
-- a voided stream may keep up to the balance plus a sub-unit remainder
SELECT '(decimals=6,rate_per_second=0,balance=100,snapshot_debt=100.000000999999999999999999,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=true)'::flowstream.stream;

--
-- binary form: stream_send, and stream_recv through COPY ... (FORMAT binary)
--
-- layout: int16 decimals, byte voided, 128-bit rate, 128-bit balance,
-- 256-bit snapshot debt (all big-endian), int64 snapshot time, int64 last op
SELECT flowstream.stream_send(flowstream.stream(0.001, 6, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'));
SELECT length(flowstream.stream_send(s)) AS bytes FROM lit, LATERAL (SELECT t::flowstream.stream AS s) v WHERE n = 2;

CREATE TEMP TABLE bin_src (n int, s flowstream.stream);
CREATE TEMP TABLE bin_dst (n int, s flowstream.stream);
INSERT INTO bin_src SELECT n, t::flowstream.stream FROM lit;
INSERT INTO bin_src VALUES
 (7, flowstream.void(flowstream.withdraw(flowstream.deposit(
        flowstream.stream(0.000001, 6, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'),
        5, '2026-01-01 00:00:00+00'), 0.000001, '2026-01-02 00:00:00.000001+00'),
        '2026-01-03 00:00:00+00'));
-- streams with an end time (SPEC 7): the format byte, then 0.1.0's bytes,
-- then the end; one running, one withdrawn from after its end
INSERT INTO bin_src VALUES
 (8, flowstream.stream(0.001, 6, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', '2026-01-31 00:00:00+00')),
 (9, flowstream.withdraw(flowstream.deposit(
        flowstream.stream(0.001, 6, '2025-12-01 00:00:00+00', '2025-12-01 00:00:00+00', '2025-12-31 00:00:00+00'),
        100, '2025-12-01 00:00:00+00'), 10, '2026-02-01 00:00:00+00'));
-- COPY TO a file and back, then the same through a COPY BINARY stream built
-- by hand from stream_send(), which must equal what COPY wrote
DO $$
DECLARE
    f text := '/tmp/flowstream_regress_' || pg_backend_pid() || '.copy';
BEGIN
    EXECUTE format('COPY bin_src TO %L (FORMAT binary)', f);
    EXECUTE format('COPY bin_dst FROM PROGRAM %L (FORMAT binary)', 'cat ' || f || ' && rm -f ' || f);
END $$;
SELECT a.n, a.s = b.s AS equal, a.s::text = b.s::text AS same_text,
       flowstream.stream_send(a.s) = flowstream.stream_send(b.s) AS same_bytes
FROM bin_src a JOIN bin_dst b USING (n) ORDER BY n;
SELECT count(*) AS copied FROM bin_dst;

-- copy_binary(v): a COPY BINARY file of one row holding one stream, whose
-- binary value is v (stream_send's bytes, or garbage)
CREATE FUNCTION pg_temp.copy_binary(v bytea) RETURNS bytea LANGUAGE sql AS $$
    SELECT '\x5047434f50590aff0d0a00'::bytea       -- signature
        || '\x0000000000000000'::bytea              -- flags, header extension
        || '\x0001'::bytea                          -- one field
        || int4send(length(v)) || v
        || '\xffff'::bytea                          -- trailer
$$;
-- load(v): stream_recv of v, through COPY FROM PROGRAM
CREATE FUNCTION pg_temp.load(v bytea) RETURNS flowstream.stream LANGUAGE plpgsql AS $$
DECLARE r flowstream.stream;
BEGIN
    TRUNCATE bin_dst;
    EXECUTE format('COPY bin_dst (s) FROM PROGRAM %L (FORMAT binary)',
                   'echo ' || translate(encode(pg_temp.copy_binary(v), 'base64'), E'\n', '')
                   || ' | base64 -d');
    SELECT s INTO r FROM bin_dst;
    RETURN r;
END $$;
SELECT n, pg_temp.load(flowstream.stream_send(s)) = s AS recv_equal
FROM bin_src ORDER BY n;
-- binary input is validated like text input: 22P03 for impossible states,
-- and the usual protocol errors for short or long values
SELECT x.case, r.state, r.result, r.detail
FROM (VALUES
  ('decimals 19',       '\x0013' || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 3)),
  ('decimals -1',       '\xffff' || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 3)),
  ('voided = 2',        '\x000602' || substr(flowstream.stream_send(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z')), 4)),
  ('voided with rate',  '\x000601' || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 4)),
  ('rate 2^127',        '\x000600' || '\x80000000000000000000000000000000'::bytea
                          || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 20)),
  ('balance 2^127',     substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 1, 19)
                          || '\x80000000000000000000000000000000'::bytea
                          || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 36)),
  ('time infinity',     substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 1, 67)
                          || '\x7fffffffffffffff'::bytea
                          || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 76)),
  ('truncated',         substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')), 1, 82)),
  ('one byte too many', flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')) || '\x00'::bytea)
) x("case", v),
LATERAL pg_temp.try(format('SELECT pg_temp.load(%L::bytea)', x.v)) r;

-- a stream with an end time (SPEC 7): format byte 2, 0.1.0's 83 bytes, the
-- end (int64, big-endian): 92 bytes; stored in the same fixed 88 bytes as
-- 0.1.0's values (the debt in 192 bits, then the end)
SELECT flowstream.stream_send(flowstream.stream(0.001, 6, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', '2026-01-31 00:00:00+00'));
SELECT length(flowstream.stream_send(e)) AS bytes_with_end,
       pg_column_size(e) AS stored_with_end,
       pg_column_size(flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z')) AS stored_without_end
FROM (SELECT flowstream.stream(0.001, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z') AS e) x;
-- its binary input is validated too (22P03)
SELECT x.case, r.state, r.result, r.detail
FROM (VALUES
  ('end byte, no end',  '\x02' || flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'))),
  ('end truncated',     substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z')), 1, 91)),
  ('end byte 1',        '\x01' || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z')), 2)),
  ('end at the start',  substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-02-01Z', '2026-01-01Z', '2026-03-01Z')), 1, 84)
                          || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-02-01Z', '2026-01-01Z', '2026-03-01Z')), 69, 8)),
  ('end infinity',      substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z')), 1, 84)
                          || '\x7fffffffffffffff'::bytea),
  ('debt beyond 2^191', substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z')), 1, 36)
                          || '\x01'::bytea
                          || substr(flowstream.stream_send(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z', '2026-01-31Z')), 38))
) x("case", v),
LATERAL pg_temp.try(format('SELECT pg_temp.load(%L::bytea)', x.v)) r;

--
-- accessors, at decimals 0, 6 and 18
--
SELECT flowstream.decimals(s), flowstream.rate_per_second(s), flowstream.balance(s),
       flowstream.snapshot_debt(s), flowstream.snapshot_time(s), flowstream.last_op(s),
       flowstream.is_voided(s)
FROM (VALUES
  ('(decimals=0,rate_per_second=2.5,balance=7,snapshot_debt=3.25,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-02T00:00:00Z,voided=false)'::flowstream.stream),
  ('(decimals=6,rate_per_second=0.001,balance=50000,snapshot_debt=2592.000000000000000000000001,snapshot_time=2026-01-31T00:00:00Z,last_op=2026-01-31T00:00:00Z,voided=false)'),
  ('(decimals=18,rate_per_second=0.000000000000000001,balance=1.000000000000000001,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00.000001Z,last_op=2026-01-01T00:00:00.000001Z,voided=false)'),
  ('(decimals=6,rate_per_second=0,balance=10,snapshot_debt=10.0000005,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=true)')
) v(s);
-- scales: the balance always shows the token's decimals; the rate as few as it needs
SELECT scale(flowstream.balance(s)) AS balance_scale, scale(flowstream.rate_per_second(s)) AS rate_scale,
       scale(flowstream.snapshot_debt(s)) AS debt_scale
FROM (VALUES
  (flowstream.stream(1, 0, '2026-01-01Z', '2026-01-01Z')),
  (flowstream.stream(1.5, 6, '2026-01-01Z', '2026-01-01Z')),
  (flowstream.stream(0.000000000000000001, 18, '2026-01-01Z', '2026-01-01Z'))
) v(s);
-- NULL in, NULL out
SELECT flowstream.balance(NULL), flowstream.total_debt(NULL, '2026-01-01Z'),
       flowstream.deposit(NULL, 1, '2026-01-01Z') IS NULL AS deposit_null,
       flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), NULL, '2026-01-01Z') IS NULL AS amount_null;

--
-- comparison: a total order, field by field (decimals, rate, balance,
-- snapshot debt, snapshot time, last op, voided); equal exactly when every
-- field is equal
--
CREATE TEMP TABLE cmp (name text, s flowstream.stream);
INSERT INTO cmp VALUES
 ('a', flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z')),
 ('a again', flowstream.stream(1.000, 6, '2026-01-01 01:00:00+01', '2026-01-01Z')),
 ('b: later last_op', flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01 00:00:00.000001Z')),
 ('c: bigger rate', flowstream.stream(1.000000000000000001, 6, '2026-01-01Z', '2026-01-01Z')),
 ('d: decimals 0', flowstream.stream(5, 0, '2026-01-01Z', '2026-01-01Z')),
 ('e: with balance', flowstream.deposit(flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z'), 0.000001, '2026-01-01Z')),
 ('f: decimals 18', flowstream.stream(0.5, 18, '2026-01-01Z', '2026-01-01Z')),
 ('g: voided', flowstream.void(flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z'), '2026-01-01Z')),
 ('h: paused', flowstream.stream(0, 6, '2026-01-01Z', '2026-01-01Z')),
 ('i: later start', flowstream.stream(1, 6, '2026-01-01 00:00:01Z', '2026-01-01Z'));
SELECT name FROM cmp ORDER BY s, name;
SELECT name FROM cmp ORDER BY s DESC, name;
SELECT count(*) AS all_rows, count(DISTINCT s) AS distinct_values FROM cmp;
SELECT s, count(*) FROM cmp GROUP BY s HAVING count(*) > 1;
SELECT a.name, b.name, a.s = b.s AS eq, a.s <> b.s AS ne, a.s < b.s AS lt, a.s <= b.s AS le,
       a.s > b.s AS gt, a.s >= b.s AS ge, flowstream.stream_cmp(a.s, b.s) AS cmp
FROM cmp a, cmp b
WHERE a.name IN ('a', 'a again', 'g: voided', 'h: paused') AND b.name IN ('a', 'b: later last_op', 'h: paused')
ORDER BY a.name, b.name;
-- the operators agree with stream_cmp on every pair
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a.s = b.s) = (flowstream.stream_cmp(a.s, b.s) = 0)
                          AND (a.s <> b.s) = (flowstream.stream_cmp(a.s, b.s) <> 0)
                          AND (a.s < b.s) = (flowstream.stream_cmp(a.s, b.s) < 0)
                          AND (a.s <= b.s) = (flowstream.stream_cmp(a.s, b.s) <= 0)
                          AND (a.s > b.s) = (flowstream.stream_cmp(a.s, b.s) > 0)
                          AND (a.s >= b.s) = (flowstream.stream_cmp(a.s, b.s) >= 0)
                          AND flowstream.stream_cmp(a.s, b.s) = -flowstream.stream_cmp(b.s, a.s)) AS consistent
FROM cmp a, cmp b;
-- a btree index, a unique constraint and a merge join use the operator class
CREATE TEMP TABLE indexed (s flowstream.stream PRIMARY KEY);
INSERT INTO indexed SELECT DISTINCT s FROM cmp;
INSERT INTO indexed SELECT s FROM cmp WHERE name = 'a again';
SET enable_seqscan = off;
SELECT count(*) FROM indexed WHERE s = flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z');
SELECT count(*) FROM indexed WHERE s < flowstream.stream(1, 6, '2026-01-01Z', '2026-01-01Z');
RESET enable_seqscan;
SET enable_hashjoin = off;
SET enable_nestloop = off;
SELECT count(*) FROM cmp a JOIN cmp b ON a.s = b.s;
SELECT count(*) FROM cmp a JOIN cmp b ON a.s OPERATOR(flowstream.=) b.s;
RESET enable_hashjoin;
RESET enable_nestloop;
