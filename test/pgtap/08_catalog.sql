-- 08_catalog.sql — the grants and settings behind SPEC §3-§4: ordinary roles
-- get EXECUTE on the API and SELECT on the tables, nothing else; verify() is
-- not PUBLIC's; SECURITY DEFINER functions pin search_path; the user data
-- tables are dumped by pg_dump.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(27);

CREATE ROLE t8_eve;

SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                  WHERE p.pronamespace = 'flowstream'::regnamespace AND p.prosecdef
                    AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')$$,
    'every SECURITY DEFINER function of flowstream pins search_path');

-- EXECUTE for everyone on the API
SELECT ok(has_function_privilege('t8_eve', 'flowstream.create_stream(text, text, text, numeric, timestamptz, numeric, boolean, jsonb, boolean, timestamptz)', 'EXECUTE'), 'PUBLIC may call create_stream');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.deposit(bigint, numeric)', 'EXECUTE'), 'PUBLIC may call deposit');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.withdraw(bigint, numeric, text)', 'EXECUTE'), 'PUBLIC may call withdraw');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.withdraw_max(bigint, text)', 'EXECUTE'), 'PUBLIC may call withdraw_max');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.refund(bigint, numeric)', 'EXECUTE'), 'PUBLIC may call refund');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.refund_max(bigint)', 'EXECUTE'), 'PUBLIC may call refund_max');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.pause(bigint)', 'EXECUTE'), 'PUBLIC may call pause');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.restart(bigint, numeric)', 'EXECUTE'), 'PUBLIC may call restart');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.adjust_rate(bigint, numeric)', 'EXECUTE'), 'PUBLIC may call adjust_rate');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.void(bigint)', 'EXECUTE'), 'PUBLIC may call void');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.transfer(bigint, text)', 'EXECUTE'), 'PUBLIC may call transfer');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.state_at(bigint, timestamptz)', 'EXECUTE'), 'PUBLIC may call state_at');
SELECT ok(has_function_privilege('t8_eve', 'flowstream.now()', 'EXECUTE'), 'PUBLIC may call now');
SELECT ok(NOT has_function_privilege('t8_eve', 'flowstream.verify()', 'EXECUTE'), 'PUBLIC may not call verify');
SELECT ok(has_function_privilege('flowstream_admin', 'flowstream.verify()', 'EXECUTE'), 'flowstream_admin may call verify');

-- SELECT, and nothing else, on the tables
SELECT ok(has_table_privilege('t8_eve', 'flowstream.streams', 'SELECT'), 'PUBLIC may SELECT streams');
SELECT ok(has_table_privilege('t8_eve', 'flowstream.events', 'SELECT'), 'PUBLIC may SELECT events');
SELECT ok(has_table_privilege('t8_eve', 'flowstream.tokens', 'SELECT'), 'PUBLIC may SELECT tokens');
SELECT is_empty($$SELECT c.relname, p.priv FROM pg_class c
                  CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(priv)
                  WHERE c.oid IN ('flowstream.streams'::regclass, 'flowstream.events'::regclass, 'flowstream.tokens'::regclass)
                    AND has_table_privilege('t8_eve', c.oid, p.priv)$$,
    'PUBLIC may not write, truncate, reference or trigger on the tables');
SELECT is_empty($$SELECT c.relname, r.rolname, p.priv FROM pg_class c
                  CROSS JOIN (VALUES ('flowstream_app'), ('flowstream_admin')) r(rolname)
                  CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(priv)
                  WHERE c.oid IN ('flowstream.streams'::regclass, 'flowstream.events'::regclass)
                    AND has_table_privilege(r.rolname, c.oid, p.priv)$$,
    'flowstream_app and flowstream_admin may not write streams or events');

-- pg_dump keeps the user data
SELECT ok((SELECT extconfig @> ARRAY['flowstream.tokens'::regclass, 'flowstream.streams'::regclass,
                                     'flowstream.events'::regclass]::oid[]
           FROM pg_extension WHERE extname = 'flowstream'),
    'tokens, streams and events are dumped by pg_dump (pg_extension_config_dump)');
SELECT ok((SELECT bool_and(tgenabled = 'O') FROM pg_trigger
           WHERE tgrelid IN ('flowstream.streams'::regclass, 'flowstream.events'::regclass) AND NOT tgisinternal),
    'the history triggers are enabled');

-- the tables belong to flowstream_owner, a role nobody logs in as or is a member of
SELECT is_empty($$SELECT c.relname FROM pg_class c
                  WHERE c.relnamespace = 'flowstream'::regnamespace AND c.relkind IN ('r', 'S')
                    AND c.relowner <> 'flowstream_owner'::regrole$$,
    'every table and sequence of flowstream belongs to flowstream_owner');
SELECT ok((SELECT NOT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolbypassrls
           FROM pg_roles WHERE rolname = 'flowstream_owner'),
    'flowstream_owner cannot log in and holds no attribute');
SELECT is_empty($$SELECT FROM pg_auth_members WHERE roleid = 'flowstream_owner'::regrole
                                                 OR member = 'flowstream_owner'::regrole$$,
    'nobody is a member of flowstream_owner, and it is a member of nothing');
SELECT is((SELECT count(*) FROM pg_roles r
           WHERE r.rolname IN ('flowstream_app', 'flowstream_admin', 'flowstream_owner')
             AND shobj_description(r.oid, 'pg_authid') LIKE 'flowstream: %'), 3::bigint,
    'the three roles carry flowstream''s mark');

SELECT * FROM finish();
ROLLBACK;
