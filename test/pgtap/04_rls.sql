-- 04_rls.sql — row-level security (SPEC §4): ordinary roles see the streams
-- (and their events) where they are the sender or the recipient; members of
-- flowstream_app and flowstream_admin see all of them; a stranger sees none.
--
-- Roles: t4_alice -> t4_bob (s1), t4_carol -> t4_dave (s2), the app for
-- user:42 -> user:7 (s3); t4_eve a stranger; t4_app in flowstream_app;
-- t4_admin in flowstream_admin.  Token T4USD, 6 decimals.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(37);

CREATE ROLE t4_alice;
CREATE ROLE t4_bob;
CREATE ROLE t4_carol;
CREATE ROLE t4_dave;
CREATE ROLE t4_eve;
CREATE ROLE t4_app IN ROLE flowstream_app;
CREATE ROLE t4_admin IN ROLE flowstream_admin;
-- a role inside alice's role is still not alice
CREATE ROLE t4_alice_deputy IN ROLE t4_alice;
INSERT INTO flowstream.tokens VALUES ('T4USD', 6);

SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE t4_alice;
SELECT flowstream.create_stream('t4_alice', 't4_bob', 'T4USD', 0.01, deposit => 10) AS s1 \gset
SET LOCAL ROLE t4_carol;
SELECT flowstream.create_stream('t4_carol', 't4_dave', 'T4USD', 0.01, deposit => 10) AS s2 \gset
SET LOCAL ROLE t4_app;
SET LOCAL flowstream.actor = 'user:42';
SELECT flowstream.create_stream('user:42', 'user:7', 'T4USD', 0.01, deposit => 10) AS s3 \gset
SET LOCAL flowstream.actor = '';
RESET ROLE;

-- the streams (ids) and events (stream ids) a role sees among ours
CREATE FUNCTION pg_temp.seen_streams(ids bigint[]) RETURNS bigint[]
    LANGUAGE sql STABLE AS $$SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM flowstream.streams WHERE id = ANY(ids)$$;
CREATE FUNCTION pg_temp.seen_events(ids bigint[]) RETURNS bigint[]
    LANGUAGE sql STABLE AS $$SELECT coalesce(array_agg(DISTINCT stream_id ORDER BY stream_id), '{}') FROM flowstream.events WHERE stream_id = ANY(ids)$$;
SELECT ARRAY[:s1, :s2, :s3]::bigint[] AS ids \gset

-- a stranger: nothing at all
SET LOCAL ROLE t4_eve;
SELECT is((SELECT count(*) FROM flowstream.streams), 0::bigint, 'stranger: no streams');
SELECT is((SELECT count(*) FROM flowstream.events), 0::bigint, 'stranger: no events');
SELECT is(pg_temp.seen_streams(:'ids'), '{}'::bigint[], 'stranger: none of ours');
SELECT ok(flowstream.state_at(:s1, flowstream.now()) IS NULL, 'stranger: state_at shows nothing');
SELECT isnt_empty($$SELECT * FROM flowstream.tokens WHERE token = 'T4USD'$$, 'stranger: tokens are public');
SELECT ok(has_table_privilege('flowstream.streams', 'SELECT'), 'stranger: may SELECT streams (RLS filters)');

-- sender and recipient see theirs
SET LOCAL ROLE t4_alice;
SELECT is(pg_temp.seen_streams(:'ids'), ARRAY[:s1]::bigint[], 'sender: her stream only');
SELECT is(pg_temp.seen_events(:'ids'), ARRAY[:s1]::bigint[], 'sender: its events only');
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = :s1), 2::bigint, 'sender: both events (create, deposit)');
SELECT ok(flowstream.state_at(:s1, flowstream.now()) IS NOT NULL, 'sender: state_at works');
SELECT ok(flowstream.state_at(:s2, flowstream.now()) IS NULL, 'sender: state_at of another''s stream shows nothing');
SET LOCAL ROLE t4_bob;
SELECT is(pg_temp.seen_streams(:'ids'), ARRAY[:s1]::bigint[], 'recipient: his stream only');
SELECT is(pg_temp.seen_events(:'ids'), ARRAY[:s1]::bigint[], 'recipient: its events only');
SET LOCAL ROLE t4_carol;
SELECT is(pg_temp.seen_streams(:'ids'), ARRAY[:s2]::bigint[], 'second sender: her stream only');
SELECT is(pg_temp.seen_events(:'ids'), ARRAY[:s2]::bigint[], 'second sender: its events only');
SET LOCAL ROLE t4_dave;
SELECT is(pg_temp.seen_streams(:'ids'), ARRAY[:s2]::bigint[], 'second recipient: his stream only');
SELECT is(pg_temp.seen_events(:'ids'), ARRAY[:s2]::bigint[], 'second recipient: its events only');
SET LOCAL ROLE t4_alice_deputy;
SELECT is(pg_temp.seen_streams(:'ids'), '{}'::bigint[], 'a member of the sender''s role is not the sender');

-- flowstream_app and flowstream_admin see every stream
SET LOCAL ROLE t4_app;
SELECT is(pg_temp.seen_streams(:'ids'), :'ids'::bigint[], 'flowstream_app: every stream');
SELECT is(pg_temp.seen_events(:'ids'), :'ids'::bigint[], 'flowstream_app: every event');
SET LOCAL flowstream.actor = 'user:42';
SELECT is(pg_temp.seen_streams(:'ids'), :'ids'::bigint[], 'flowstream_app acting for user:42: still every stream');
SET LOCAL flowstream.actor = '';
SELECT ok(flowstream.state_at(:s2, flowstream.now()) IS NOT NULL, 'flowstream_app: state_at of any stream');
SET LOCAL ROLE t4_admin;
SELECT is(pg_temp.seen_streams(:'ids'), :'ids'::bigint[], 'flowstream_admin: every stream');
SELECT is(pg_temp.seen_events(:'ids'), :'ids'::bigint[], 'flowstream_admin: every event');
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = ANY(:'ids')), 6::bigint,
    'flowstream_admin: all six events (a create and a deposit each)');

-- the API works on streams one cannot see (deposit: anyone), and the caller still sees nothing
SET LOCAL ROLE t4_eve;
SELECT lives_ok(format('SELECT flowstream.deposit(%s, 1)', :s1), 'stranger deposits into a stream she cannot see');
SELECT is(pg_temp.seen_events(:'ids'), '{}'::bigint[], 'stranger: still sees no events, not even her own deposit');

-- visibility follows the recipient: bob transfers s1 to carol
SET LOCAL ROLE t4_bob;
SELECT lives_ok(format($$SELECT flowstream.transfer(%s, 't4_carol')$$, :s1), 'bob transfers s1 to carol');
SELECT is(pg_temp.seen_streams(:'ids'), '{}'::bigint[], 'former recipient: no longer sees it');
SELECT is(pg_temp.seen_events(:'ids'), '{}'::bigint[], 'former recipient: nor its events');
SET LOCAL ROLE t4_carol;
SELECT is(pg_temp.seen_streams(:'ids'), ARRAY[:s1, :s2]::bigint[], 'new recipient: sees it, with her own');
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = :s1), 4::bigint,
    'new recipient: its whole history (create, deposit, deposit, transfer)');
SET LOCAL ROLE t4_alice;
SELECT is(pg_temp.seen_streams(:'ids'), ARRAY[:s1]::bigint[], 'sender: still sees it');

-- no policy lets anyone but the owner write (no INSERT/UPDATE/DELETE policies)
RESET ROLE;
SELECT is((SELECT array_agg(DISTINCT cmd::text) FROM pg_policies WHERE schemaname = 'flowstream'),
    ARRAY['SELECT'], 'the only policies are SELECT policies');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'flowstream.streams'::regclass), 'RLS on streams');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'flowstream.events'::regclass), 'RLS on events');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
