-- The sweeper: grace policy, due times, void_insolvent(), the index plan,
-- who may run it, and scheduling with pg_cron (created here and rolled back).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(48);

CREATE ROLE sw_alice;
CREATE ROLE sw_bob;
CREATE ROLE sw_admin IN ROLE flowstream_admin;
INSERT INTO flowstream.tokens VALUES ('SWUSD', 6);
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';

-- the default grace: none until set, then recorded with its history
SET LOCAL ROLE sw_alice;
SELECT flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 0.001, deposit => 1) AS s1 \gset
RESET ROLE;
SELECT is((SELECT void_after FROM flowstream.streams WHERE id = :s1), NULL,
          'without a default, a new stream is never voided automatically');
SET LOCAL ROLE sw_alice;
SELECT throws_ok($$SELECT flowstream.set_default_void_after('1 day')$$, '42501', NULL,
                 'an ordinary role cannot change the default grace');
SET LOCAL ROLE sw_admin;
SELECT lives_ok($$SELECT flowstream.set_default_void_after('2 days')$$,
                'flowstream_admin sets the default grace');
RESET ROLE;
SELECT is((SELECT default_void_after FROM flowstream.settings), '2 days'::interval,
          'the default grace is stored');
SELECT results_eq($$SELECT name, value, actor FROM flowstream.settings_history ORDER BY id DESC LIMIT 1$$,
                  $$VALUES ('default_void_after', '2 days', 'sw_admin')$$,
                  'the change of the default is in the settings history');
SELECT throws_ok($$DELETE FROM flowstream.settings_history$$, '42501', NULL,
                 'the settings history is append-only');
SET LOCAL ROLE sw_alice;
SELECT flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 0.001, deposit => 1) AS s2 \gset
RESET ROLE;
SELECT is((SELECT void_after FROM flowstream.streams WHERE id = :s2), '2 days'::interval,
          'a new stream takes the default grace');
SELECT is((SELECT e.void_after FROM flowstream.events e WHERE e.stream_id = :s2 AND e.op = 'create'),
          '2 days'::interval, 'its create event records the grace');

-- a stream's grace is the sender's to change, with its event
SET LOCAL ROLE sw_bob;
SELECT throws_ok(format('SELECT flowstream.set_void_after(%s, %L)', :s1, '1 hour'), '42501', NULL,
                 'the recipient cannot change the grace');
SET LOCAL ROLE sw_alice;
SELECT throws_ok(format('SELECT flowstream.set_void_after(%s, %L)', :s1, '-1 hour'), '22023', NULL,
                 'a negative grace is refused');
SELECT throws_ok('SELECT flowstream.set_void_after(999999, ''1 hour'')', 'SF001', NULL,
                 'an unknown stream is SF001');
SELECT lives_ok(format('SELECT flowstream.set_void_after(%s, %L)', :s1, '1 hour'),
                'the sender sets a grace of one hour');
RESET ROLE;
SELECT results_eq(format('SELECT op::text, actor, void_after FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('set_void_after', 'sw_alice', '1 hour'::interval)$$,
                  'set_void_after writes its event');

-- due time: 0.001 token/s, balance 1 token (10^6 base units); the first
-- uncovered base unit is at (10^6 + 1) / 1000 s = 1000.001 s after the start,
-- and the grace of one hour makes it due 4600.001 s after the start
SELECT is((SELECT flowstream.depletion_time(state) FROM flowstream.streams WHERE id = :s1),
          '2026-01-01 00:16:40.001+00'::timestamptz, 'the depletion time is 1000.001 s after the start');
SELECT is((SELECT flowstream.due_time(state, void_after) FROM flowstream.streams WHERE id = :s1),
          '2026-01-01 01:16:40.001+00'::timestamptz, 'the due time adds the grace');
SELECT is((SELECT due_at FROM flowstream.streams WHERE id = :s1),
          '2026-01-01 01:16:40.001+00'::timestamptz, 'the trigger keeps it in due_at');
SELECT is(flowstream.due_time((SELECT state FROM flowstream.streams WHERE id = :s1), '1 mon'),
          '2026-01-31 10:16:40.001+00'::timestamptz, 'a month of grace is 365/12 days');

-- before the due time, nothing; at it, the stream is voided by the sweeper
SET LOCAL flowstream.clock = '2026-01-01 01:16:40+00';
SELECT is(flowstream.void_insolvent(), 0, 'one microsecond before the due time nothing is voided');
SET LOCAL flowstream.clock = '2026-01-01 01:16:40.001+00';
SELECT is(flowstream.void_insolvent(), 1, 'at the due time the stream is voided');
-- at 4600.001 s the total debt is 4.600001 tokens, the balance 1: 3.600001 written off
SELECT results_eq(format('SELECT op::text, actor, amount FROM flowstream.events WHERE stream_id = %s ORDER BY id DESC LIMIT 1', :s1),
                  $$VALUES ('void', 'flowstream_sweeper', 3.600001)$$,
                  'the void event names the sweeper and the written-off debt');
SELECT is((SELECT flowstream.status(state) FROM flowstream.streams WHERE id = :s1), 'voided',
          'the stream is voided');
SELECT is(flowstream.void_insolvent(), 0, 'a voided stream is not due again');
SET LOCAL ROLE sw_bob;
SELECT is(flowstream.withdraw_max(:s1), 1.000000, 'the recipient still withdraws the covered debt');
RESET ROLE;

-- a deposit before the due time moves it; a paused stream is never due
SET LOCAL flowstream.clock = '2026-01-02 00:00:00+00';
SET LOCAL ROLE sw_alice;
SELECT flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 1) AS s3 \gset
SELECT flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 1) AS s4 \gset
SELECT flowstream.set_void_after(:s3, '10 seconds'), flowstream.set_void_after(:s4, '10 seconds');
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-02 00:00:05+00';
SET LOCAL ROLE sw_alice;
SELECT flowstream.deposit(:s3, 1000);
SELECT flowstream.pause(:s4);
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-02 00:01:00+00';
SELECT is((SELECT flowstream.status(state) FROM flowstream.streams WHERE id = :s4), 'paused_insolvent',
          'a stream paused after 5 s at 1 token/s with no balance is paused and insolvent');
SELECT is((SELECT flowstream.due_time(state, void_after) FROM flowstream.streams WHERE id = :s4), NULL,
          'but never due: its debt does not grow');
-- balance 1000 tokens: the first uncovered unit at 1000.000001 s, due 10 s later
SELECT is((SELECT due_at FROM flowstream.streams WHERE id = :s3),
          '2026-01-02 00:16:50.000001+00'::timestamptz, 'a deposit of 1000 moves the due time to 1000.000001 s + 10 s');
SELECT is(flowstream.void_insolvent(), 0, 'at 00:01 nothing is due: s1 is voided, s2 has 2 days of grace');

-- batches: at most max_streams a call, earliest due first
SET LOCAL ROLE sw_alice;
SELECT flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 1) FROM generate_series(1, 3);
RESET ROLE;
SET LOCAL flowstream.clock = '2026-01-10 00:00:00+00';
SELECT is(flowstream.void_insolvent(2), 2, 'a batch of 2 voids 2 of the 5 due streams (s2, s3 and 3 new ones)');
SELECT is((SELECT array_agg(flowstream.status(state)::text ORDER BY id) FROM flowstream.streams WHERE id IN (:s2, :s3)),
          ARRAY['voided', 'voided'], 'the earliest due go first: s2 and s3');
SELECT is(flowstream.void_insolvent(2), 2, 'the next batch voids 2 more');
SELECT is(flowstream.void_insolvent(2), 1, 'and the last one');
SELECT is(flowstream.void_insolvent(2), 0, 'then nothing is due');
SELECT is((SELECT flowstream.status(state) FROM flowstream.streams WHERE id = :s4), 'paused_insolvent',
          'the paused stream is still there');
SELECT throws_ok('SELECT flowstream.void_insolvent(0)', '22023', NULL, 'max_streams must be positive');
SELECT is((SELECT count(*) FROM flowstream.verify()), 0::bigint, 'verify() is clean after the sweeps');

-- who may sweep
SET LOCAL ROLE sw_alice;
SELECT throws_ok('SELECT flowstream.void_insolvent()', '42501', NULL, 'an ordinary role cannot run the sweeper');
SET LOCAL ROLE sw_admin;
SELECT lives_ok('SELECT flowstream.void_insolvent()', 'flowstream_admin can run the sweeper');
RESET ROLE;

-- the sweeper's query uses the due-time index, with many streams that are never due
SELECT flowstream.set_default_void_after(NULL);
SET LOCAL ROLE sw_alice;
SELECT count(flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 1)) FROM generate_series(1, 3000);
SELECT flowstream.create_stream('sw_alice', 'sw_bob', 'SWUSD', 1) AS s5 \gset
SELECT flowstream.set_void_after(:s5, '1 day');
RESET ROLE;
ANALYZE flowstream.streams;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END
$$;
SELECT matches(pg_temp.plan_of($$
    SELECT id FROM flowstream.streams
    WHERE due_at <= '2026-02-01 00:00:00+00'
    ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED$$),
    'Index Scan (using|on) streams_due_idx',
    'the sweeper''s query finds the due streams through the due-time index');
SET LOCAL flowstream.clock = '2026-02-01 00:00:00+00';
SELECT is(flowstream.void_insolvent(), 1, 'of 3001 insolvent streams only the one with a grace is voided');

-- scheduling: pg_cron is optional
SELECT throws_ok('SELECT flowstream.schedule_sweeper()', '55000', NULL,
                 'without pg_cron in the database, scheduling fails with a hint');
SELECT throws_ok('SELECT flowstream.unschedule_sweeper()', '55000', NULL,
                 'so does unscheduling');
CREATE EXTENSION pg_cron;
SELECT ok(flowstream.schedule_sweeper() > 0, 'with pg_cron the sweeper is scheduled');
SELECT is(flowstream.schedule_sweeper('*/5 * * * *'),
          (SELECT jobid FROM cron.job WHERE jobname = 'flowstream-sweeper'),
          'scheduling again changes the same job');
SELECT results_eq($$SELECT schedule, database FROM cron.job WHERE jobname = 'flowstream-sweeper'$$,
                  format('VALUES (%L::text, %L::text)', '*/5 * * * *', current_database()),
                  'one job, with the new schedule, in this database');
SET LOCAL ROLE sw_alice;
SELECT throws_ok('SELECT flowstream.schedule_sweeper()', '42501', NULL,
                 'an ordinary role cannot schedule the sweeper');
RESET ROLE;
SELECT is(flowstream.unschedule_sweeper(), true, 'unscheduling removes the job');
SELECT is(flowstream.unschedule_sweeper(), false, 'unscheduling again finds nothing');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname = 'flowstream-sweeper'), 0::bigint,
          'no job is left');

SELECT * FROM finish();
ROLLBACK;
