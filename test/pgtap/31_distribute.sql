-- 31_distribute.sql — the pieces of flowstream on Citus that a single node
-- has too.  Without Citus, distribute() refuses (0A000) and changes
-- nothing; create_stream_at, the second half of create_stream on Citus,
-- makes with the id it is given the very stream create_stream makes, with
-- the same checks; operates_for, the streams' policy without a subquery
-- there, says what the single-node policy says.  The Citus cluster itself
-- is test/citus/run.sh.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(17);

CREATE ROLE t31_alice;
CREATE ROLE t31_bob;
CREATE ROLE t31_op;
INSERT INTO flowstream.tokens VALUES ('T31USD', 6);
SET LOCAL flowstream.clock = '2026-07-01 00:00:00+00';

-- distribute() without Citus
SELECT throws_ok('SELECT flowstream.distribute()', '0A000', 'citus is not installed',
    'distribute() without Citus: 0A000');
SELECT is((SELECT count(*) FROM pg_constraint WHERE conname = 'events_pkey'), 1::bigint,
    'and the history keeps its key');
SET LOCAL ROLE t31_alice;
SELECT throws_ok('SELECT flowstream.distribute()', '42501', NULL, 'distribute() is not for PUBLIC');
RESET ROLE;

-- create_stream_at: the stream create_stream makes, at the id given (one
-- the sequence handed out, as create_stream draws it on Citus)
SET LOCAL ROLE t31_alice;
SELECT flowstream.create_stream('t31_alice', 't31_bob', 'T31USD', 0.5, deposit => 100,
    metadata => '{"n": 1}') AS a \gset
RESET ROLE;
SELECT nextval(pg_get_serial_sequence('flowstream.streams', 'id')) AS i1 \gset
SET LOCAL ROLE t31_alice;
SELECT flowstream.create_stream_at(:i1, false, 't31_alice', 't31_bob', 'T31USD', 0.5,
    flowstream.now(), 100, true, '{"n": 1}', false, NULL) AS b \gset
RESET ROLE;
SELECT is(:b::bigint, :i1::bigint, 'create_stream_at returns the id it was given');
SELECT is((SELECT (state, sender, recipient, token, metadata, due_at, void_after)::text
           FROM flowstream.streams WHERE id = :b),
          (SELECT (state, sender, recipient, token, metadata, due_at, void_after)::text
           FROM flowstream.streams WHERE id = :a),
    'the same row as create_stream''s');
SELECT is((SELECT array_agg((op, actor, amount, state)::text ORDER BY id) FROM flowstream.events WHERE stream_id = :b),
          (SELECT array_agg((op, actor, amount, state)::text ORDER BY id) FROM flowstream.events WHERE stream_id = :a),
    'the same history: create, then the first deposit');
SET LOCAL ROLE t31_alice;
SELECT flowstream.create_fixed_stream('t31_alice', 't31_bob', 'T31USD', 60, flowstream.now(),
    flowstream.now() + interval '1 minute') AS fa \gset
RESET ROLE;
SELECT nextval(pg_get_serial_sequence('flowstream.streams', 'id')) AS i2 \gset
SELECT nextval(pg_get_serial_sequence('flowstream.streams', 'id')) AS i5 \gset
SET LOCAL ROLE t31_alice;
SELECT flowstream.create_stream_at(:i2, true, 't31_alice', 't31_bob', 'T31USD', NULL,
    flowstream.now(), 60, true, '{}', false, flowstream.now() + interval '1 minute') AS fb \gset
SELECT flowstream.create_stream('t31_alice', 't31_bob', 'T31USD', 1) AS c \gset
RESET ROLE;
SELECT is((SELECT state::text FROM flowstream.streams WHERE id = :fb),
          (SELECT state::text FROM flowstream.streams WHERE id = :fa),
    'a fixed stream: the same as create_fixed_stream''s');
SELECT is(:c::bigint, :i5::bigint + 1, 'create_stream goes on with its own sequence, past the ids drawn');

-- the same checks, and the id's own
SET LOCAL ROLE t31_bob;
SELECT throws_ok(format($$SELECT flowstream.create_stream_at(%s, false, 't31_alice', 't31_bob', 'T31USD', 1,
    flowstream.now(), 0, true, '{}', false, NULL)$$, :i5), '42501', NULL, 'only the sender creates (42501)');
SET LOCAL ROLE t31_alice;
SELECT throws_ok(format($$SELECT flowstream.create_stream_at(%s, false, 't31_alice', 't31_bob', 'T31USD', 1,
    flowstream.now(), 0, true, '{}', false, NULL)$$, :i1), '23505', NULL, 'a taken id: 23505');
SELECT throws_ok(format($$SELECT flowstream.create_stream_at(%s, false, 't31_alice', 't31_bob', 'T31USD', 1,
    flowstream.now(), 0, true, '{}', false, NULL)$$, :c + 1000), '22023', NULL,
    'an id the sequence has not handed out yet: 22023 (it would make a later create_stream fail)');
SELECT throws_ok($$SELECT flowstream.create_stream_at(0, false, 't31_alice', 't31_bob', 'T31USD', 1,
    flowstream.now(), 0, true, '{}', false, NULL)$$, '22023', 'id must be positive', 'id 0: 22023');
SELECT throws_ok(format($$SELECT flowstream.create_stream_at(%s, false, 't31_alice', 't31_bob', 'T31USD', NULL,
    flowstream.now(), 0, true, '{}', false, NULL)$$, :i5), '22004', 'rate_per_second must not be null',
    'no rate for a stream that is not fixed: 22004');
SELECT throws_ok(format($$SELECT flowstream.create_stream_at(%s, true, 't31_alice', 't31_bob', 'T31USD', NULL,
    flowstream.now(), 10, true, '{}', false, NULL)$$, :i5), '22004', 'end_time must not be null',
    'a fixed stream without an end: 22004');
SELECT throws_ok(format($$SELECT flowstream.create_stream_at(%s, false, 't31_alice', 't31_bob', 'NOPE', 1,
    flowstream.now(), 0, true, '{}', false, NULL)$$, :i5), '22023', NULL, 'an unknown token: 22023');
RESET ROLE;
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() is clean');

-- operates_for: the operators part of the streams' policy
SET LOCAL ROLE t31_alice;
SELECT flowstream.approve_operator('t31_alice', 't31_op', '{create}');
SET LOCAL ROLE t31_op;
SELECT ok(flowstream.operates_for('t31_bob', 't31_alice') AND NOT flowstream.operates_for('t31_bob', 'x'),
    'operates_for: an operator of either party, and no other');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
