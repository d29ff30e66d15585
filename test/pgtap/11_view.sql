-- streams_now: the plain view for SQL and ORMs, and its writes through the API.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(42);

CREATE ROLE vw_alice;
CREATE ROLE vw_bob;
CREATE ROLE vw_eve;
CREATE ROLE vw_app IN ROLE flowstream_app;
INSERT INTO flowstream.tokens VALUES ('VWUSD', 6);
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';

SELECT has_view('flowstream', 'streams_now', 'the view exists');
SELECT columns_are('flowstream', 'streams_now', ARRAY['id', 'sender', 'recipient', 'token',
    'rate_per_second', 'balance', 'snapshot_debt', 'snapshot_time', 'total_debt', 'covered_debt',
    'uncovered_debt', 'withdrawable', 'refundable', 'status', 'depletion_time', 'voided',
    'transferable', 'void_after', 'metadata', 'created_at', 'version', 'end_time', 'consent_required'],
    'the columns of SPEC §3, and version for optimistic locking');
SELECT col_type_is('flowstream', 'streams_now', 'status', 'text', 'status is plain text');

-- INSERT creates, with the balance as a first deposit and the grace set
SET LOCAL ROLE vw_alice;
WITH c AS (INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second, balance, void_after, metadata)
                      VALUES ('vw_alice', 'vw_bob', 'VWUSD', 0.001, 100, '1 day', '{"plan": "pro"}')
                      RETURNING id, status, balance, void_after, metadata)
SELECT is(row(status, balance, void_after, metadata)::text, row('streaming_solvent', 100.000000, '1 day'::interval, '{"plan": "pro"}'::jsonb)::text, 'INSERT ... RETURNING gives the new stream with its derived columns') FROM c;
SELECT id AS s FROM flowstream.streams_now WHERE recipient = 'vw_bob' \gset
RESET ROLE;
SELECT results_eq(format('SELECT op::text, actor, amount FROM flowstream.events WHERE stream_id = %s ORDER BY id', :s),
    $$VALUES ('create', 'vw_alice', NULL::numeric), ('deposit', 'vw_alice', 100.000000), ('set_void_after', 'vw_alice', NULL)$$,
    'the insert wrote the same events as the API: create, deposit, set_void_after');
SET LOCAL ROLE vw_eve;
SELECT throws_ok($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second)
                   VALUES ('vw_alice', 'vw_eve', 'VWUSD', 1)$$, '42501', NULL,
                 'a stranger cannot create a stream for another sender through the view');
SELECT throws_ok($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second, status)
                   VALUES ('vw_eve', 'vw_bob', 'VWUSD', 1, 'voided')$$, '0A000', NULL,
                 'derived columns cannot be inserted');
SELECT throws_ok($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second)
                   VALUES ('vw_eve', 'vw_bob', 'NOPE', 1)$$, '22023', NULL, 'an unknown token is 22023');

-- reading: 1 day at 0.001/s is 86.4 tokens
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-02 00:00:00+00';
SET LOCAL ROLE vw_bob;
SELECT results_eq(format('SELECT total_debt, covered_debt, uncovered_debt, withdrawable, refundable, status FROM flowstream.streams_now WHERE id = %s', :s),
    $$VALUES (86.400000, 86.400000, 0.000000, 86.400000, 13.600000, 'streaming_solvent')$$,
    'the recipient reads the debts at flowstream.now()');
SET LOCAL ROLE vw_eve;
SELECT is((SELECT count(*) FROM flowstream.streams_now), 0::bigint, 'a stranger sees no rows of others (row-level security)');
SELECT lives_ok(format('UPDATE flowstream.streams_now SET rate_per_second = 5 WHERE id = %s', :s),
                'a stranger''s UPDATE finds no row ...');
RESET ROLE;
SELECT is((SELECT flowstream.rate_per_second(state) FROM flowstream.streams WHERE id = :s), 0.001,
          '... and changes nothing');

-- UPDATE of the rate: adjust, pause at 0, restart from paused
SET LOCAL ROLE vw_alice;
WITH u AS (UPDATE flowstream.streams_now SET rate_per_second = 0.002 WHERE id = :s
                      RETURNING rate_per_second, snapshot_debt, snapshot_time)
SELECT is(row(rate_per_second, snapshot_debt, snapshot_time)::text, row(0.002, 86.400000, '2026-01-02 00:00:00+00'::timestamptz)::text, 'setting the rate adjusts it, with a snapshot of the 86.4 owed') FROM u;
WITH u AS (UPDATE flowstream.streams_now SET rate_per_second = 0 WHERE id = :s RETURNING status)
SELECT is(status, 'paused_solvent', 'setting the rate to 0 pauses') FROM u;
WITH u AS (UPDATE flowstream.streams_now SET rate_per_second = 0.003 WHERE id = :s RETURNING status)
SELECT is(status, 'streaming_solvent', 'setting a rate on a paused stream restarts it') FROM u;
SELECT lives_ok(format('UPDATE flowstream.streams_now SET rate_per_second = 0.003 WHERE id = %s', :s),
                'writing the same rate back is no operation (unlike adjust_rate, which says SF008)');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET rate_per_second = -1 WHERE id = %s', :s), '22023', NULL,
                 'a negative rate is 22023');
SELECT lives_ok(format('UPDATE flowstream.streams_now SET metadata = %L, void_after = %L WHERE id = %s', '{"plan": "team"}', '2 days', :s),
                'the sender changes metadata and the grace');
RESET ROLE;
SELECT results_eq(format('SELECT metadata, void_after FROM flowstream.streams WHERE id = %s', :s),
    $$VALUES ('{"plan": "team"}'::jsonb, '2 days'::interval)$$, 'both are stored');
SELECT results_eq(format('SELECT op::text FROM flowstream.events WHERE stream_id = %s AND id > (SELECT max(id) - 5 FROM flowstream.events WHERE stream_id = %s) ORDER BY id', :s, :s),
    $$VALUES ('adjust_rate'), ('pause'), ('restart'), ('set_metadata'), ('set_void_after')$$,
    'rate changes, the metadata and the grace have their events');

-- role rules through the view
SET LOCAL ROLE vw_bob;
SELECT throws_ok(format('UPDATE flowstream.streams_now SET rate_per_second = 1 WHERE id = %s', :s), '42501', NULL,
                 'the recipient cannot change the rate');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET metadata = %L WHERE id = %s', '{}', :s), '42501', NULL,
                 'the recipient cannot change the metadata');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET void_after = NULL WHERE id = %s', :s), '42501', NULL,
                 'the recipient cannot change the grace');

-- refused updates name the function to use
SELECT throws_ok(format('UPDATE flowstream.streams_now SET balance = 0 WHERE id = %s', :s), '0A000',
                 'balance is not updated directly', 'updating the balance is refused');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET total_debt = 0 WHERE id = %s', :s), '0A000',
                 'debts, snapshot and status are derived from the stream''s state', 'updating a debt is refused');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET status = %L WHERE id = %s', 'voided', :s), '0A000', NULL,
                 'updating the status is refused');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET sender = %L WHERE id = %s', 'vw_bob', :s), '0A000', NULL,
                 'updating the sender is refused');
SELECT throws_ok(format('DELETE FROM flowstream.streams_now WHERE id = %s', :s), '0A000', 'streams are never deleted',
                 'DELETE is refused');
SELECT lives_ok(format('UPDATE flowstream.streams_now SET balance = balance, status = status WHERE id = %s', :s),
                'writing back unchanged derived values is fine (ORMs do that)');

-- withdraw through the API, transfer through the view
SELECT is(flowstream.withdraw(:s, 50), 50.000000, 'the recipient withdraws through the API');
WITH u AS (UPDATE flowstream.streams_now SET recipient = 'vw_carol' WHERE id = :s RETURNING recipient)
SELECT is(recipient, 'vw_carol', 'changing the recipient transfers the stream') FROM u;
RESET ROLE;
SELECT results_eq(format('SELECT op::text, actor, destination FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s),
    $$VALUES ('transfer', 'vw_bob', 'vw_carol')$$, 'with its transfer event');

-- an application acting for its users through the view
SET LOCAL ROLE vw_app;
SET LOCAL flowstream.actor = 'user:1';
SELECT lives_ok($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second, snapshot_time)
                  VALUES ('user:1', 'user:2', 'VWUSD', 0.5, '2026-02-01 00:00:00+00')$$,
                'an app creates for user:1, with a future start given as snapshot_time');
SELECT id AS p FROM flowstream.streams_now WHERE sender = 'user:1' \gset
SELECT is((SELECT status FROM flowstream.streams_now WHERE id = :p), 'pending', 'the stream is pending');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET rate_per_second = 0 WHERE id = %s', :p), 'SF005', NULL,
                 'pausing a pending stream through the view is SF005');
SET LOCAL flowstream.actor = 'user:2';
SELECT throws_ok(format('UPDATE flowstream.streams_now SET voided = true, rate_per_second = 1 WHERE id = %s', :p), '42501', NULL,
                 'user:2 (the recipient) may void but not change the rate: the whole update fails');
SELECT is((SELECT voided FROM flowstream.streams_now WHERE id = :p), false, 'and nothing of it happened');
SELECT lives_ok(format('UPDATE flowstream.streams_now SET voided = true WHERE id = %s', :p), 'the recipient voids');
SELECT is((SELECT status FROM flowstream.streams_now WHERE id = :p), 'voided', 'the stream is voided');
SELECT throws_ok(format('UPDATE flowstream.streams_now SET voided = false WHERE id = %s', :p), 'SF002', NULL,
                 'a voided stream stays voided');
RESET ROLE;

-- a role that sets flowstream.actor without being an app
SET LOCAL ROLE vw_eve;
SET LOCAL flowstream.actor = 'vw_alice';
SELECT throws_ok($$INSERT INTO flowstream.streams_now (sender, recipient, token, rate_per_second)
                   VALUES ('vw_alice', 'vw_eve', 'VWUSD', 1)$$, '42501', NULL,
                 'spoofing flowstream.actor through the view is refused');
RESET ROLE;
RESET flowstream.actor;
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() is clean');
SELECT * FROM finish();
ROLLBACK;
