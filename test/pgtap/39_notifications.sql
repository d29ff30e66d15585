-- 39_notifications.sql — set_notifications(), the setting that turns the
-- notifications of events and runway alerts off (so that a transaction can
-- be prepared for a two-phase commit, as Citus does over two workers:
-- docs/scaling.md) and on again.  Who may change it (the owner or
-- flowstream_admin: 42501 for anyone else, 22004 for NULL), its history,
-- and that with it off the API writes what it wrote before.  The
-- notifications themselves are sent at commit, which a pgTAP file never
-- reaches: test/shell/notifications.sh listens for them, on and off, and
-- test/citus/run.sh commits a transaction over two workers with them off.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(12);

CREATE ROLE t39_alice;
CREATE ROLE t39_bob;
CREATE ROLE t39_adm IN ROLE flowstream_admin;
CREATE ROLE t39_granted;
GRANT EXECUTE ON FUNCTION flowstream.set_notifications(boolean) TO t39_granted;
INSERT INTO flowstream.tokens VALUES ('T39', 6);
SET LOCAL flowstream.clock = '2026-08-01 00:00:00+00';

SELECT col_default_is('flowstream', 'settings', 'notifications', 'true',
    'notifications are on unless the settings say otherwise');

-- who may change it
SET LOCAL ROLE t39_alice;
SELECT throws_ok('SELECT flowstream.set_notifications(false)', '42501', NULL,
    'an ordinary role may not turn the notifications off (42501)');
SET LOCAL ROLE t39_granted;
SELECT throws_ok('SELECT flowstream.set_notifications(false)', '42501', 'permission denied to change the notifications',
    'nor a role granted EXECUTE that is neither the owner nor flowstream_admin (42501)');
SET LOCAL ROLE t39_adm;
SELECT throws_ok('SELECT flowstream.set_notifications(NULL)', '22004', 'enabled must not be null',
    'NULL is refused (22004)');
SELECT lives_ok('SELECT flowstream.set_notifications(false)', 'flowstream_admin turns them off');
RESET ROLE;
SELECT is((SELECT notifications FROM flowstream.settings), false, 'the settings say so');
SELECT results_eq('SELECT name, value, actor, at FROM flowstream.settings_history ORDER BY id DESC LIMIT 1',
    $$VALUES ('notifications', 'false', 't39_adm', '2026-08-01 00:00:00+00'::timestamptz)$$,
    'the change is in the settings history: what, who, when');

-- with them off, the API writes what it always writes
SET LOCAL ROLE t39_alice;
SELECT flowstream.create_stream('t39_alice', 't39_bob', 'T39', 0.5, deposit => 100) AS s \gset
SELECT flowstream.deposit(:s, 5);
RESET ROLE;
SELECT is((SELECT string_agg(op::text, ' ' ORDER BY id) FROM flowstream.events WHERE stream_id = :s),
    'create deposit deposit', 'with notifications off, every operation is its event as before');

-- on again, by the owner; a settings row deleted by the owner is the default again
SELECT lives_ok('SELECT flowstream.set_notifications(true)', 'the owner turns them on again');
SELECT is((SELECT value FROM flowstream.settings_history ORDER BY id DESC LIMIT 1), 'true',
    'and that is in the history too');
SELECT flowstream.set_notifications(false);
DELETE FROM flowstream.settings;
SELECT is(coalesce((SELECT notifications FROM flowstream.settings), true), true,
    'without a settings row they are on (the column''s default)');

SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing');

SELECT * FROM finish();
ROLLBACK;
