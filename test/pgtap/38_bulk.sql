-- 38_bulk.sql — create_streams() and deposit_many() (#15): many streams in
-- one call, each exactly as create_stream() and deposit() make it (same
-- row, same events), with the same rules of who acts, and every error with
-- its SQLSTATE and the element it concerns.
--
-- Roles: t38_alice (sender), t38_bob (recipient), t38_eve (a stranger),
-- t38_op (alice's operator, allowed to create), t38_app (member of
-- flowstream_app).  Tokens: T38USD (6 decimals), T38PTS (0 decimals).
-- t0 = 2026-01-01 00:00:00+00.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(88);

CREATE ROLE t38_alice;
CREATE ROLE t38_bob;
CREATE ROLE t38_eve;
CREATE ROLE t38_op;
CREATE ROLE t38_app IN ROLE flowstream_app;
INSERT INTO flowstream.tokens VALUES ('T38USD', 6), ('T38PTS', 0);
SELECT flowstream.set_default_void_after('7 days');
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';

-- the context of the error a query raises (which element), or NULL
CREATE FUNCTION pg_temp.context_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = PG_EXCEPTION_CONTEXT;
    RETURN c;
END
$$;
-- a stream's row and its events, without what differs between two streams
-- (ids, times of the write), as superuser
CREATE FUNCTION pg_temp.shape(bigint) RETURNS text LANGUAGE sql AS $$
    SELECT format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', s.sender, s.recipient, s.token, s.state,
                  s.transferable, s.void_after, s.due_at, s.metadata, s.consent_required,
                  s.depletes_at,
                  (SELECT string_agg(format('%s %s %s %s %s %s %s', e.op, e.actor, e.amount, e.destination,
                                            e.at, e.state, e.void_after), ', ' ORDER BY e.id)
                   FROM flowstream.events e WHERE e.stream_id = s.id))
    FROM flowstream.streams s WHERE s.id = $1
$$;

----------------------------------------------------------------------------
-- create_streams: the same streams and events as create_stream, one by one
----------------------------------------------------------------------------
SET LOCAL ROLE t38_alice;
SELECT flowstream.create_streams(
    ARRAY['t38_alice', 't38_alice', 't38_alice', 't38_alice'],
    ARRAY['t38_bob', 't38_bob', 't38_eve', 't38_bob'],
    ARRAY['T38USD', 'T38PTS', 'T38USD', 'T38USD'],
    ARRAY[0.01, 2, 0.5, 0.25],
    ARRAY['2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00',
          '2026-01-01 00:00:00+00']::timestamptz[],
    ARRAY[10, 100, 0, 5],
    ARRAY[true, false, true, true],
    ARRAY['{"ref": 1}', '{}', '{"ref": 3}', '{}']::jsonb[],
    ARRAY[false, true, false, false],
    ARRAY[NULL, NULL, NULL, '2026-01-02 00:00:00+00']::timestamptz[]) AS ids \gset
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38USD', 0.01, '2026-01-01 00:00:00+00', 10,
                                true, '{"ref": 1}', false) AS one1 \gset
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38PTS', 2, '2026-01-01 00:00:00+00', 100,
                                false, '{}', true) AS one2 \gset
SELECT flowstream.create_stream('t38_alice', 't38_eve', 'T38USD', 0.5, '2026-01-02 00:00:00+00', 0,
                                true, '{"ref": 3}', false) AS one3 \gset
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38USD', 0.25, '2026-01-01 00:00:00+00', 5,
                                true, '{}', false, '2026-01-02 00:00:00+00') AS one4 \gset
RESET ROLE;
SELECT is(cardinality(:'ids'::bigint[]), 4, 'create_streams returns one id per element');
SELECT ok((SELECT bool_and(id IS NOT NULL) FROM unnest(:'ids'::bigint[]) id)
          AND (:'ids'::bigint[])[1] < (:'ids'::bigint[])[4], 'the ids, in the order of the arrays');
SELECT is(pg_temp.shape((:'ids'::bigint[])[1]), pg_temp.shape(:one1),
    'element 1 (a deposit, metadata): the row and events of create_stream');
SELECT is(pg_temp.shape((:'ids'::bigint[])[2]), pg_temp.shape(:one2),
    'element 2 (a token of 0 decimals, not transferable, consent): as create_stream');
SELECT is(pg_temp.shape((:'ids'::bigint[])[3]), pg_temp.shape(:one3),
    'element 3 (pending, no deposit, back to 6 decimals): as create_stream');
SELECT is(pg_temp.shape((:'ids'::bigint[])[4]), pg_temp.shape(:one4),
    'element 4 (an end): as create_stream');
SELECT results_eq(
    format($$SELECT e.op::text, e.amount FROM flowstream.events e
             WHERE e.stream_id = ANY(%L) ORDER BY e.id$$, :'ids'),
    $$VALUES ('create', NULL::numeric), ('deposit', 10.000000), ('create', NULL), ('deposit', 100),
             ('create', NULL), ('create', NULL), ('deposit', 5.000000)$$,
    'a create event for each, and a deposit event for each positive deposit');
SELECT results_eq(
    format($$SELECT flowstream.decimals(state)::int FROM flowstream.streams WHERE id = ANY(%L) ORDER BY id$$,
           :'ids'),
    $$VALUES (6), (0), (6), (6)$$, 'each stream has its own token''s decimals');
SELECT is((SELECT void_after FROM flowstream.streams WHERE id = (:'ids'::bigint[])[1]), '7 days'::interval,
    'the default grace, as create_stream');
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() finds nothing wrong');

-- the defaults of the optional arrays
SET LOCAL ROLE t38_alice;
SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01]) AS dflt \gset
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38USD', 0.01) AS dflt1 \gset
RESET ROLE;
SELECT is(pg_temp.shape((:'dflt'::bigint[])[1]), pg_temp.shape(:dflt1),
    'NULL optional arrays: create_stream''s defaults (now, no deposit, transferable, {}, no consent, no end)');
SELECT is(flowstream.create_streams('{}', '{}', '{}', '{}'), '{}'::bigint[], 'empty arrays create nothing');

-- the streams are the sender's and the recipient's to see (row-level security)
SET LOCAL ROLE t38_eve;
SELECT is((SELECT count(*) FROM flowstream.streams WHERE id = ANY(:'ids'::bigint[])), 1::bigint,
    'a recipient sees only its own stream of the batch');
RESET ROLE;

----------------------------------------------------------------------------
-- create_streams: who acts, as create_stream
----------------------------------------------------------------------------
SET LOCAL ROLE t38_bob;
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01])$$,
    '42501', NULL, '42501 create_streams: the recipient may not create for the sender');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_bob', 't38_alice'], ARRAY['t38_eve', 't38_eve'],
                   ARRAY['T38USD', 'T38USD'], ARRAY[0.01, 0.01])$$,
    '42501', NULL, '42501 create_streams: one element not its own refuses the whole batch');
SELECT is((SELECT count(*) FROM flowstream.streams WHERE sender = 't38_bob'), 0::bigint,
    'and creates none of it');
SET LOCAL flowstream.actor = 't38_alice';
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01])$$,
    '42501', NULL, '42501 create_streams: flowstream.actor set by a role that is not an app');
RESET flowstream.actor;
RESET ROLE;
SET LOCAL ROLE t38_app;
SET LOCAL flowstream.actor = 'user:38';
SELECT lives_ok($$SELECT flowstream.create_streams(ARRAY['user:38', 'user:38'], ARRAY['t38_bob', 't38_eve'],
                  ARRAY['T38USD', 'T38USD'], ARRAY[0.01, 0.02], deposits => ARRAY[1, 2])$$,
    'create_streams: the app acting for user:38 creates from user:38');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01])$$,
    '42501', NULL, '42501 create_streams: the app acting for user:38 may not create for alice');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT results_eq(
    $$SELECT e.op::text, e.actor FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id
      WHERE s.sender = 'user:38' ORDER BY e.id$$,
    $$VALUES ('create', 'user:38'), ('deposit', 'user:38'), ('create', 'user:38'), ('deposit', 'user:38')$$,
    'their events name the acting party');
SET LOCAL ROLE t38_alice;
SELECT flowstream.approve_operator('t38_alice', 't38_op', ARRAY['create']);
SET LOCAL ROLE t38_op;
SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01]) AS byop \gset
RESET ROLE;
SELECT is((SELECT on_behalf_of FROM flowstream.events WHERE stream_id = (:'byop'::bigint[])[1] AND op = 'create'),
    't38_alice', 'an operator allowed to create creates for its party, on its behalf');

----------------------------------------------------------------------------
-- create_streams writes set-wise: every column of every row and event as
-- create_stream writes them, the ids in the same order
----------------------------------------------------------------------------
-- the rows and events of a set of streams, every column, their ids as
-- offsets from the set's first stream and first event
CREATE FUNCTION pg_temp.everything(ids bigint[]) RETURNS SETOF text LANGUAGE sql AS $$
    WITH s AS (SELECT * FROM flowstream.streams WHERE id = ANY(ids)),
         b AS (SELECT min(s.id) AS sid, min(s.first_event) AS eid FROM s)
    SELECT format('stream %s %s', s.id - b.sid,
                  (to_jsonb(s) - 'id' - 'first_event' - 'last_event')
                  || jsonb_build_object('first_event', s.first_event - b.eid, 'last_event', s.last_event - b.eid))
    FROM s, b
    UNION ALL
    SELECT format('event %s %s', e.id - b.eid,
                  (to_jsonb(e) - 'id' - 'stream_id') || jsonb_build_object('stream_id', e.stream_id - b.sid))
    FROM flowstream.events e, b WHERE e.stream_id = ANY(ids)
$$;
-- nine tokens of 0 to 8 decimals, more than a batch keeps the decimals of
INSERT INTO flowstream.tokens SELECT 'T38D' || d, d FROM generate_series(0, 8) d;
CREATE TABLE pg_temp.t38_in AS
SELECT i, 'T38D' || (i * 5 % 9) AS token, 'r' || (i % 4) AS recipient, (i % 7) * 0.5 AS rate,
       '2026-01-01 00:00:00+00'::timestamptz + CASE WHEN i % 7 > 0 THEN (i % 3) * interval '1 hour' ELSE interval '0' END AS start_time,
       (i % 5) * 3 AS deposit, i % 2 = 0 AS transferable, jsonb_build_object('i', i) AS metadata,
       i % 6 = 0 AS consent_required,
       CASE WHEN i % 4 = 0 THEN '2026-02-01 00:00:00+00'::timestamptz END AS end_time
FROM generate_series(1, 40) i;
GRANT SELECT ON pg_temp.t38_in TO t38_alice, t38_op;
SET LOCAL ROLE t38_alice;
SELECT flowstream.create_streams(array_agg('t38_alice'::text ORDER BY i), array_agg(recipient ORDER BY i),
    array_agg(token ORDER BY i), array_agg(rate ORDER BY i), array_agg(start_time ORDER BY i),
    array_agg(deposit ORDER BY i), array_agg(transferable ORDER BY i), array_agg(metadata ORDER BY i),
    array_agg(consent_required ORDER BY i), array_agg(end_time ORDER BY i)) AS many
FROM pg_temp.t38_in \gset
SELECT array_agg(flowstream.create_stream('t38_alice', recipient, token, rate, start_time, deposit,
    transferable, metadata, consent_required, end_time) ORDER BY i) AS single
FROM pg_temp.t38_in \gset
RESET ROLE;
SELECT ok((SELECT bool_and(a + 1 = b) FROM unnest(:'many'::bigint[]) WITH ORDINALITY x(a, k)
           JOIN unnest(:'many'::bigint[]) WITH ORDINALITY y(b, l) ON l = k + 1),
    'create_streams: consecutive ids, in the order of the arrays');
SELECT is((SELECT count(*) FROM pg_temp.everything(:'many')), 112::bigint,
    '40 rows, 40 create events and 32 deposit events');
SELECT results_eq(format('SELECT * FROM pg_temp.everything(%L) ORDER BY 1', :'many'),
                  format('SELECT * FROM pg_temp.everything(%L) ORDER BY 1', :'single'),
    'create_streams: every column of the rows and events of create_stream, ids in the same order');
SELECT is((SELECT max(last_event) FROM flowstream.streams WHERE id = ANY(:'many'))
          - (SELECT min(first_event) FROM flowstream.streams WHERE id = ANY(:'many')), 71::bigint,
    'the events'' ids: one run, as create_stream one by one takes them');

-- an operator, on its party's behalf (t38_op may create for alice)
SET LOCAL ROLE t38_op;
SELECT flowstream.create_streams(array_agg('t38_alice'::text ORDER BY i), array_agg(recipient ORDER BY i),
    array_agg(token ORDER BY i), array_agg(rate ORDER BY i), deposits => array_agg(deposit ORDER BY i)) AS opmany
FROM pg_temp.t38_in WHERE i <= 6 \gset
SELECT array_agg(flowstream.create_stream('t38_alice', recipient, token, rate, deposit => deposit) ORDER BY i) AS opsingle
FROM pg_temp.t38_in WHERE i <= 6 \gset
RESET ROLE;
SELECT results_eq(format('SELECT * FROM pg_temp.everything(%L) ORDER BY 1', :'opmany'),
                  format('SELECT * FROM pg_temp.everything(%L) ORDER BY 1', :'opsingle'),
    'create_streams by an operator: the rows and events of create_stream, on_behalf_of included');
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = ANY(:'opmany') AND on_behalf_of = 't38_alice'),
    6::bigint, 'each create event is on alice''s behalf');

-- an error after a first batch was written (1,000 streams are written together) undoes all
SET LOCAL ROLE t38_alice;
SELECT throws_ok($$SELECT flowstream.create_streams(array_agg('t38_alice'::text), array_agg('t38_big'::text),
                   array_agg('T38USD'::text), array_agg(CASE WHEN i = 1002 THEN -1 ELSE 0.01 END), deposits => array_agg(1::numeric))
                   FROM generate_series(1, 1003) i$$,
    '22023', NULL, '22023 create_streams: a negative rate at element 1,002');
SELECT alike(pg_temp.context_of($$SELECT flowstream.create_streams(array_agg('t38_alice'::text), array_agg('t38_big'::text),
                   array_agg('T38USD'::text), array_agg(CASE WHEN i = 1002 THEN -1 ELSE 0.01 END), deposits => array_agg(1::numeric))
                   FROM generate_series(1, 1003) i$$),
    '%element 1002 of 1003 of flowstream.create_streams()%', 'the error says which element');
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.streams WHERE recipient = 't38_big'), 0::bigint,
    'no stream of the failed call is left, those of the batch written before the error neither');
SELECT is((SELECT count(*) FROM flowstream.events WHERE destination = 't38_big'), 0::bigint,
    'nor any of their events');
SET LOCAL ROLE t38_alice;
SELECT is(cardinality(flowstream.create_streams(array_agg('t38_alice'::text), array_agg('t38_big'::text),
          array_agg('T38USD'::text), array_agg(0.01::numeric), deposits => array_agg(1::numeric))), 1003)
FROM generate_series(1, 1003) i;
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.events e JOIN flowstream.streams s ON s.id = e.stream_id
           WHERE s.recipient = 't38_big'), 2006::bigint, 'two batches: every stream and its two events');

-- the guard still lets in only what the API writes
SELECT throws_ok(format($$INSERT INTO flowstream.streams (id, state, first_event, last_event, sender, recipient, token)
                          SELECT id + 1000000, state, first_event, last_event, sender, recipient, token
                          FROM flowstream.streams WHERE id = ANY(%L)$$, :'many'),
    '23514', NULL, '23514 a multi-row INSERT ... SELECT into flowstream.streams, even the owner''s, is refused');
SELECT throws_ok(format($$UPDATE flowstream.streams SET state = state WHERE id = ANY(%L)$$, :'many'),
    '42501', NULL, '42501 the streams of create_streams are changed only through the API');
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
SET LOCAL ROLE t38_alice;
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01])$$,
    'XX000', 'the trigger streams_guard on flowstream.streams did not run; is it disabled?',
    'XX000 create_streams with the guard disabled: refused, not written unguarded');
RESET ROLE;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() finds nothing wrong');

----------------------------------------------------------------------------
-- create_streams: the arrays (22004, 22023)
----------------------------------------------------------------------------
SET LOCAL ROLE t38_alice;
SELECT throws_ok($$SELECT flowstream.create_streams(NULL, ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01])$$,
    '22004', 'senders must not be null', '22004 create_streams: senders NULL');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], NULL, ARRAY['T38USD'], ARRAY[0.01])$$,
    '22004', 'recipients must not be null', '22004 create_streams: recipients NULL');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], NULL, ARRAY[0.01])$$,
    '22004', 'tokens must not be null', '22004 create_streams: tokens NULL');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], NULL)$$,
    '22004', 'rates_per_second must not be null', '22004 create_streams: rates NULL');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice', 't38_alice'], ARRAY['t38_bob'],
                   ARRAY['T38USD', 'T38USD'], ARRAY[0.01, 0.01])$$,
    '22023', 'recipients has 1 elements where senders has 2', '22023 create_streams: arrays of different lengths');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'],
                   ARRAY[0.01], deposits => ARRAY[1, 2])$$,
    '22023', 'deposits has 2 elements where senders has 1', '22023 create_streams: an optional array of another length');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY[['t38_alice']], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01])$$,
    '22023', 'senders must be a one-dimensional array', '22023 create_streams: a two-dimensional array');

-- an element NULL: create_stream's 22004, for the argument it stands for
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice', NULL], ARRAY['t38_bob', 't38_bob'],
                   ARRAY['T38USD', 'T38USD'], ARRAY[0.01, 0.01])$$,
    '22004', 'sender must not be null', '22004 create_streams: a NULL sender');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY[NULL::text], ARRAY['T38USD'], ARRAY[0.01])$$,
    '22004', 'recipient must not be null', '22004 create_streams: a NULL recipient');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY[NULL::text], ARRAY[0.01])$$,
    '22004', 'token must not be null', '22004 create_streams: a NULL token');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[NULL::numeric])$$,
    '22004', 'rate_per_second must not be null', '22004 create_streams: a NULL rate');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   start_times => ARRAY[NULL::timestamptz])$$,
    '22004', 'start_time must not be null', '22004 create_streams: a NULL start time');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   deposits => ARRAY[NULL::numeric])$$,
    '22004', 'deposit must not be null', '22004 create_streams: a NULL deposit');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   transferable => ARRAY[NULL::boolean])$$,
    '22004', 'transferable must not be null', '22004 create_streams: a NULL transferable');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   metadata => ARRAY[NULL::jsonb])$$,
    '22004', 'metadata must not be null', '22004 create_streams: NULL metadata');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   consent_required => ARRAY[NULL::boolean])$$,
    '22004', 'consent_required must not be null', '22004 create_streams: a NULL consent_required');
SELECT lives_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                  end_times => ARRAY[NULL::timestamptz])$$,
    'a NULL end time is no end, as create_stream''s');

-- the rules of create_stream, element by element
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['NOPE'], ARRAY[0.01])$$,
    '22023', 'unknown token "NOPE"', '22023 create_streams: an unknown token');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice', 't38_alice'], ARRAY['t38_bob', 't38_bob'],
                   ARRAY['T38USD', 'NOPE'], ARRAY[0.01, 0.01])$$,
    '22023', 'unknown token "NOPE"', '22023 create_streams: an unknown token after a known one');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[-0.01])$$,
    '22023', NULL, '22023 create_streams: a negative rate');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   deposits => ARRAY[-1])$$,
    '22023', NULL, '22023 create_streams: a negative deposit');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38PTS'], ARRAY[1],
                   deposits => ARRAY[0.5])$$,
    '22023', NULL, '22023 create_streams: a deposit finer than the token');
SELECT throws_ok($$SELECT flowstream.create_streams(ARRAY['t38_alice'], ARRAY['t38_bob'], ARRAY['T38USD'], ARRAY[0.01],
                   end_times => ARRAY['2025-01-01 00:00:00+00'::timestamptz])$$,
    '22023', NULL, '22023 create_streams: an end before the start');
SELECT alike(pg_temp.context_of($$SELECT flowstream.create_streams(ARRAY['t38_alice', 't38_alice', 't38_alice'],
              ARRAY['t38_bob', 't38_bob', 't38_bob'], ARRAY['T38USD', 'T38USD', 'T38USD'], ARRAY[0.01, -1, 0.01])$$),
    '%element 2 of 3 of flowstream.create_streams()%', 'the error says which element');

----------------------------------------------------------------------------
-- deposit_many
----------------------------------------------------------------------------
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38USD', 0.01) AS d1 \gset
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38PTS', 1) AS d2 \gset
SELECT flowstream.create_stream('t38_alice', 't38_bob', 'T38USD', 0.01) AS d3 \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:01:00+00';
SET LOCAL ROLE t38_eve;
SELECT lives_ok(format('SELECT flowstream.deposit_many(ARRAY[%s, %s, %s], ARRAY[1.5, 7, 2])', :d1, :d2, :d1),
    'deposit_many: anyone tops up, several times the same stream too');
SELECT is(flowstream.deposit_many('{}', '{}')::text, '', 'deposit_many of empty arrays does nothing');
RESET ROLE;
SELECT results_eq(
    format($$SELECT stream_id, actor, amount, at FROM flowstream.events
             WHERE stream_id IN (%s, %s) AND op = 'deposit' ORDER BY id$$, :d1, :d2),
    format($$VALUES (%s::bigint, 't38_eve'::text, 1.500000::numeric, '2026-01-01 00:01:00+00'::timestamptz),
                    (%s, 't38_eve', 7, '2026-01-01 00:01:00+00'), (%s, 't38_eve', 2.000000, '2026-01-01 00:01:00+00')$$,
           :d1, :d2, :d1),
    'one deposit event per element, by the actor, at the time');
SELECT is(flowstream.balance((SELECT state FROM flowstream.streams WHERE id = :d1)), 3.5::numeric,
    'the balances add up');
SET LOCAL ROLE t38_eve;
SELECT flowstream.deposit(:d3, 1.5);
SELECT flowstream.deposit(:d3, 2);
RESET ROLE;
SELECT is(flowstream.state_at(:d3, flowstream.now())::text, flowstream.state_at(:d1, flowstream.now())::text,
    'the same state as deposit() one at a time');
SET LOCAL ROLE t38_app;
SET LOCAL flowstream.actor = 'user:38';
SELECT lives_ok(format('SELECT flowstream.deposit_many(ARRAY[%s], ARRAY[1])', :d1), 'deposit_many: the app for user:38');
SET LOCAL flowstream.actor = '';
RESET ROLE;
SELECT is((SELECT actor FROM flowstream.events WHERE stream_id = :d1 ORDER BY id DESC LIMIT 1), 'user:38',
    'its event names user:38');

SET LOCAL ROLE t38_eve;
SELECT throws_ok($$SELECT flowstream.deposit_many(NULL, ARRAY[1])$$, '22004', 'ids must not be null',
    '22004 deposit_many: ids NULL');
SELECT throws_ok($$SELECT flowstream.deposit_many(ARRAY[1], NULL)$$, '22004', 'amounts must not be null',
    '22004 deposit_many: amounts NULL');
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s, NULL], ARRAY[1, 1])', :d1), '22004',
    'stream id must not be null', '22004 deposit_many: a NULL id');
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s], ARRAY[NULL::numeric])', :d1), '22004',
    NULL, '22004 deposit_many: a NULL amount');
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s, %s], ARRAY[1])', :d1, :d2), '22023',
    'amounts has 1 elements where ids has 2', '22023 deposit_many: arrays of different lengths');
SELECT throws_ok($$SELECT flowstream.deposit_many(ARRAY[[1]], ARRAY[1])$$, '22023',
    'ids must be a one-dimensional array', '22023 deposit_many: a two-dimensional array');
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s, -1], ARRAY[1, 1])', :d1), 'SF001',
    'stream -1 does not exist', 'SF001 deposit_many: no such stream');
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s], ARRAY[-1])', :d1), '22023',
    NULL, '22023 deposit_many: a negative amount');
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s], ARRAY[0.5])', :d2), '22023',
    NULL, '22023 deposit_many: an amount finer than the token');
SET LOCAL flowstream.actor = 't38_alice';
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s], ARRAY[1])', :d1), '42501',
    NULL, '42501 deposit_many: flowstream.actor set by a role that is not an app');
RESET flowstream.actor;
SELECT alike(pg_temp.context_of(format('SELECT flowstream.deposit_many(ARRAY[%s, %s], ARRAY[1, 1])', :d1, -7)),
    '%element 2 of 2 of flowstream.deposit_many()%', 'the error says which element');
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = :d1 AND op = 'deposit'), 3::bigint,
    'no failed call left an event');

-- deposit_many writes set-wise: the rows and events of deposit() one by one
SET LOCAL flowstream.clock = '2026-01-01 00:02:00+00';
SET LOCAL ROLE t38_alice;
SELECT flowstream.create_streams(array_agg('t38_alice'::text ORDER BY i), array_agg(recipient ORDER BY i),
    array_agg(token ORDER BY i), array_agg(rate ORDER BY i), deposits => array_agg(deposit ORDER BY i)) AS dm
FROM pg_temp.t38_in WHERE i <= 12 \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:03:00+00';
SET LOCAL ROLE t38_eve;
SELECT flowstream.deposit_many(array_agg((:'dm'::bigint[])[1 + (k * 7) % 12] ORDER BY k),
                               array_agg(k + 1 ORDER BY k))
FROM generate_series(1, 30) k;
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:02:00+00';
SET LOCAL ROLE t38_alice;
SELECT flowstream.create_streams(array_agg('t38_alice'::text ORDER BY i), array_agg(recipient ORDER BY i),
    array_agg(token ORDER BY i), array_agg(rate ORDER BY i), deposits => array_agg(deposit ORDER BY i)) AS ds
FROM pg_temp.t38_in WHERE i <= 12 \gset
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-01 00:03:00+00';
SET LOCAL ROLE t38_eve;
SELECT count(flowstream.deposit((:'ds'::bigint[])[1 + (k * 7) % 12], k + 1) ORDER BY k)
FROM generate_series(1, 30) k;
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = ANY(:'dm') AND op = 'deposit'
           AND actor = 't38_eve'), 30::bigint, 'deposit_many: an event per element, some streams several times');
SELECT results_eq(format('SELECT * FROM pg_temp.everything(%L) ORDER BY 1', :'dm'),
                  format('SELECT * FROM pg_temp.everything(%L) ORDER BY 1', :'ds'),
    'deposit_many: every column of the rows and events of deposit() one by one, ids in the same order');

-- the first element that fails is the one named, whatever the order of the streams' ids
SET LOCAL ROLE t38_eve;
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s, %s, %s, %s], ARRAY[1, -1, 1, 1])',
                        (:'dm'::bigint[])[2], (:'dm'::bigint[])[2], (:'dm'::bigint[])[1], -5),
    '22023', NULL, '22023 deposit_many: a negative amount before a missing stream of a lower id');
SELECT alike(pg_temp.context_of(format('SELECT flowstream.deposit_many(ARRAY[%s, %s, %s, %s], ARRAY[1, -1, 1, 1])',
                        (:'dm'::bigint[])[2], (:'dm'::bigint[])[2], (:'dm'::bigint[])[1], -5)),
    '%element 2 of 4 of flowstream.deposit_many()%', 'the error names element 2, the first that fails');
-- an error after a first batch was written (1,000 deposits are written together) undoes all
SELECT throws_ok(format($$SELECT flowstream.deposit_many(array_agg(CASE WHEN k = 1002 THEN -5 ELSE %s END),
                          array_agg(1::numeric)) FROM generate_series(1, 1003) k$$, (:'dm'::bigint[])[3]),
    'SF001', 'stream -5 does not exist', 'SF001 deposit_many: no such stream at element 1,002');
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = ANY(:'dm') AND op = 'deposit'
           AND actor = 't38_eve'), 30::bigint, 'no deposit of the failed calls is left, of the first batch neither');
ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
SET LOCAL ROLE t38_eve;
SELECT throws_ok(format('SELECT flowstream.deposit_many(ARRAY[%s], ARRAY[1])', (:'dm'::bigint[])[1]),
    'XX000', 'the trigger streams_guard on flowstream.streams did not run; is it disabled?',
    'XX000 deposit_many with the guard disabled: refused, not written unguarded');
RESET ROLE;
ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() still finds nothing wrong');

SELECT * FROM finish();
ROLLBACK;
