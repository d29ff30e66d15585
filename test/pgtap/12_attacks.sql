-- Attacks: a hostile search_path with look-alike objects planted ahead of
-- pg_catalog, row-level security leaks through every reading path, and a
-- stranger against every function that writes.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(19);

CREATE ROLE at_alice;
CREATE ROLE at_bob;
CREATE ROLE at_mallory;
INSERT INTO flowstream.tokens VALUES ('ATUSD', 6);
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SET LOCAL ROLE at_alice;
SELECT flowstream.create_stream('at_alice', 'at_bob', 'ATUSD', 0.001, deposit => 100) AS s \gset
RESET ROLE;

-- Mallory's schema: every name flowstream's code might reach unqualified.
-- Each look-alike raises, so if any of them ever ran, the call would fail.
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE FUNCTION evil.trap() RETURNS boolean LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil code ran'; END$$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil now() ran'; END$$;
CREATE FUNCTION evil.pg_has_role(name, text, text) RETURNS boolean LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil pg_has_role() ran'; END$$;
CREATE FUNCTION evil.sum(numeric) RETURNS numeric LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil sum() ran'; END$$;
CREATE FUNCTION evil.eq_bigint(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil = ran'; END$$;
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.eq_bigint);
CREATE FUNCTION evil.eq_text(text, text) RETURNS boolean LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil text = ran'; END$$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq_text);
CREATE FUNCTION evil.le_tz(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'evil <= ran'; END$$;
CREATE OPERATOR evil.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.le_tz);
CREATE TABLE evil.streams (id bigint, state text);
CREATE TABLE evil.events (id bigint);
CREATE TABLE evil.tokens (token text, decimals smallint);
GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC;

-- pgTAP itself would trip over the look-alikes, so the calls run first and
-- their outcomes are checked after the search_path is reset.  attempt()
-- uses no operator and no unqualified function of its own.
CREATE TEMP TABLE outcomes (n serial, label text, state text, result text);
GRANT ALL ON outcomes TO PUBLIC;
GRANT ALL ON SEQUENCE outcomes_n_seq TO PUBLIC;
CREATE FUNCTION pg_temp.attempt(label text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE q INTO r;
    INSERT INTO pg_temp.outcomes (label, state, result) VALUES (label, 'ok', r);
EXCEPTION WHEN OTHERS THEN
    INSERT INTO pg_temp.outcomes (label, state, result) VALUES (label, SQLSTATE, SQLERRM);
END
$$;
SET LOCAL flowstream.clock = '2026-01-02 00:00:00+00';
SET LOCAL search_path = evil, pg_catalog, public;
SET LOCAL ROLE at_bob;
SELECT pg_temp.attempt('withdraw', format('SELECT flowstream.withdraw(%s, 10)', :s));
SELECT pg_temp.attempt('withdraw_max', format('SELECT flowstream.withdraw_max(%s)', :s));
SELECT pg_temp.attempt('withdraw 0', format('SELECT flowstream.withdraw(%s, 0)', :s));
SET LOCAL ROLE at_alice;
SELECT pg_temp.attempt('deposit', format('SELECT flowstream.deposit(%s, 5)', :s));
SELECT pg_temp.attempt('refund_max', format('SELECT flowstream.refund_max(%s)', :s));
SELECT pg_temp.attempt('adjust_rate', format('SELECT flowstream.adjust_rate(%s, 0.002)', :s));
SELECT pg_temp.attempt('pause', format('SELECT flowstream.pause(%s)', :s));
SELECT pg_temp.attempt('restart', format('SELECT flowstream.restart(%s, 0.001)', :s));
SELECT pg_temp.attempt('set_void_after', format('SELECT flowstream.set_void_after(%s, %L)', :s, '1 day'));
SELECT pg_temp.attempt('set_metadata', format('SELECT flowstream.set_metadata(%s, %L)', :s, '{"k": 1}'));
SELECT pg_temp.attempt('create_stream', $$SELECT flowstream.create_stream('at_alice', 'at_bob', 'ATUSD', 1, deposit => 1)$$);
SELECT pg_temp.attempt('view update', $$UPDATE flowstream.streams_now SET rate_per_second = 0.003 WHERE id OPERATOR(pg_catalog.=) (SELECT max(id) FROM flowstream.streams_now) RETURNING rate_per_second$$);
SELECT pg_temp.attempt('state_at', format('SELECT flowstream.state_at(%s, %L)', :s, '2026-01-01 12:00:00+00'));
SELECT pg_temp.attempt('view', 'SELECT count(*) FROM flowstream.streams_now');
SET LOCAL ROLE at_bob;
SELECT pg_temp.attempt('transfer', format('SELECT flowstream.transfer(%s, %L)', :s, 'at_carol'));
SET LOCAL ROLE at_alice;
SELECT pg_temp.attempt('void', format('SELECT flowstream.void(%s)', :s));
RESET ROLE;
SELECT pg_temp.attempt('verify', 'SELECT count(*) FROM flowstream.verify()');
SELECT pg_temp.attempt('void_insolvent', 'SELECT flowstream.void_insolvent()');
SELECT pg_temp.attempt('set_default_void_after', $$SELECT flowstream.set_default_void_after('1 hour')$$);
SELECT pg_temp.attempt('direct update', $$UPDATE flowstream.streams SET metadata = '{}' WHERE id OPERATOR(pg_catalog.=) (SELECT min(id) FROM flowstream.streams) RETURNING id$$);
RESET search_path;

SELECT results_eq($$SELECT label, state, result FROM outcomes ORDER BY n$$,
    $$VALUES ('withdraw', 'ok', '10.000000'),
             ('withdraw_max', 'ok', '76.400000'),
             ('withdraw 0', '22023', 'amount must be positive'),
             ('deposit', 'ok', ''),
             ('refund_max', 'ok', '18.600000'),
             ('adjust_rate', 'ok', ''),
             ('pause', 'ok', ''),
             ('restart', 'ok', ''),
             ('set_void_after', 'ok', ''),
             ('set_metadata', 'ok', ''),
             ('create_stream', 'ok', '2'),
             ('view update', 'ok', '0.003'),
             ('state_at', 'ok', '(decimals=6,rate_per_second=0.001,balance=100,snapshot_debt=0,snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)'),
             ('view', 'ok', '2'),
             ('transfer', 'ok', ''),
             ('void', 'ok', '0.000000'),
             ('verify', 'ok', '0'),
             ('void_insolvent', 'ok', '0'),
             ('set_default_void_after', 'ok', ''),
             ('direct update', '42501', 'flowstream.streams is changed only by flowstream''s API')$$,
    'under search_path = evil, pg_catalog every API call, the view, the triggers, verify() and the sweeper '
    'give the right results and never reach the look-alikes');
SELECT is((SELECT count(*) FROM evil.streams) + (SELECT count(*) FROM evil.events) + (SELECT count(*) FROM evil.tokens),
          0::bigint, 'nothing was written to the look-alike tables');
-- 100 + 5 deposited; 86.4 owed after a day: 10 + 76.4 withdrawn, 18.6 refunded
SELECT is((SELECT count(*) FROM flowstream.events WHERE stream_id = :s), 13::bigint,
          'every operation wrote its event');

-- row-level security, every reading path, for a stranger
SET LOCAL ROLE at_mallory;
SELECT is((SELECT count(*) FROM flowstream.streams), 0::bigint, 'streams: nothing of others');
SELECT is((SELECT count(*) FROM flowstream.events), 0::bigint, 'events: nothing of others');
SELECT is((SELECT count(*) FROM flowstream.streams_now), 0::bigint, 'streams_now: nothing of others');
SELECT is(flowstream.state_at(:s, '2026-01-02 00:00:00+00')::text, NULL, 'state_at: nothing of others');
SELECT is((SELECT count(*) FROM flowstream.streams WHERE flowstream.balance(state) > 0 OR true), 0::bigint,
          'a predicate on the state does not see through the policy');
SELECT throws_ok('SELECT * FROM flowstream.verify()', '42501', NULL, 'verify() is not for strangers');

-- and writes
SELECT throws_ok(format('UPDATE flowstream.streams SET recipient = %L WHERE id = %s', 'at_mallory', :s), '42501', NULL,
                 'no UPDATE of streams');
SELECT throws_ok($$INSERT INTO flowstream.events (stream_id, op, actor, at, state)
                   SELECT 1, 'deposit', 'x', now(), state FROM flowstream.streams LIMIT 1$$, '42501', NULL,
                 'no INSERT into events');
SELECT throws_ok($$INSERT INTO flowstream.tokens VALUES ('MAL', 2)$$, '42501', NULL, 'no INSERT into tokens');
SELECT throws_ok($$UPDATE flowstream.settings SET default_void_after = NULL$$, '42501', NULL, 'no UPDATE of settings');
SELECT throws_ok($$SET flowstream.clock = '2030-01-01 00:00:00+00'$$, '42501', NULL, 'no test clock');
SELECT throws_ok($$SELECT set_config('flowstream.clock', '2030-01-01 00:00:00+00', true)$$, '42501', NULL,
                 'no test clock through set_config either');
SET LOCAL flowstream.actor = 'at_alice';
SELECT throws_ok(format('SELECT flowstream.refund_max(%s)', :s), '42501', NULL,
                 'setting flowstream.actor without being an app gets nothing');
RESET flowstream.actor;
SELECT throws_ok(format('SELECT flowstream.void(%s)', :s), 'SF002', NULL,
                 'the voided stream: a status error first, as SPEC §5 ranks it');
SELECT throws_ok('SELECT flowstream.void_insolvent()', '42501', NULL, 'no sweeping');
SELECT throws_ok('SELECT flowstream.schedule_sweeper()', '42501', NULL, 'no scheduling');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
