-- 14_install.sql — installing over roles of flowstream's names.  0.1.0
-- adopted any role named flowstream_app or flowstream_admin (IF NOT
-- EXISTS), so a role made beforehand by a CREATEROLE user, with its
-- members, then acted as anyone.  Since 0.2.0 the install refuses a role
-- it did not make (42710, with a hint), one that may log in, and an owner
-- role with members; it accepts the roles flowstream made in another
-- database of the cluster (they carry its comment).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(7);
SET LOCAL client_min_messages = warning;
-- each case on a clean slate: no flowstream here, and its roles (which
-- other databases of the cluster may use) renamed until the rollback
DROP EXTENSION IF EXISTS flowstream CASCADE;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['flowstream_app', 'flowstream_admin', 'flowstream_owner'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('ALTER ROLE %I RENAME TO %I', r, 't14_was_' || r);
        END IF;
    END LOOP;
END $$;

CREATE ROLE t14_mallory LOGIN;
SAVEPOINT clean;

-- a flowstream_app made beforehand, with a member
CREATE ROLE flowstream_app NOLOGIN;
GRANT flowstream_app TO t14_mallory;
SELECT throws_ok('CREATE EXTENSION flowstream', '42710',
    'role flowstream_app exists, and flowstream did not create it',
    'a flowstream_app that flowstream did not make is refused');
ROLLBACK TO clean;

-- a flowstream_admin made beforehand, even without members
CREATE ROLE flowstream_admin;
SELECT throws_ok('CREATE EXTENSION flowstream', '42710',
    'role flowstream_admin exists, and flowstream did not create it',
    'a flowstream_admin that flowstream did not make is refused');
ROLLBACK TO clean;

-- a marked role that may log in
CREATE ROLE flowstream_app LOGIN;
COMMENT ON ROLE flowstream_app IS 'flowstream: applications that act for their users through flowstream.actor';
SELECT throws_ok('CREATE EXTENSION flowstream', '42710', NULL,
    'a role of flowstream''s that may log in is refused');
ROLLBACK TO clean;

-- the owner with a member
CREATE ROLE flowstream_owner NOLOGIN;
COMMENT ON ROLE flowstream_owner IS 'flowstream: owns flowstream''s tables; its API writes as it';
GRANT flowstream_owner TO t14_mallory;
SELECT throws_ok('CREATE EXTENSION flowstream', '42710',
    'role flowstream_owner has members or is a member of another role',
    'an owner role with members is refused');
ROLLBACK TO clean;

-- none there: made, and marked
SELECT lives_ok('CREATE EXTENSION flowstream', 'without those roles, the install makes them');
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'flowstream\_%'
           AND shobj_description(oid, 'pg_authid') LIKE 'flowstream: %'), 3::bigint,
    'and marks them as flowstream''s');
-- made by flowstream in another database: accepted
DROP EXTENSION flowstream;
SELECT lives_ok('CREATE EXTENSION flowstream',
    'roles flowstream made (in another database of the cluster, say) are accepted');

SELECT * FROM finish();
ROLLBACK;
