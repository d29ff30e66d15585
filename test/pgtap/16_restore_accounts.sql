-- 16_restore_accounts.sql — restoring accounts and flows (SPEC §6): a direct
-- insert into flowstream.events, flowstream.accounts or flowstream.flows is
-- a restore, accepted only where it continues a history (each event follows
-- from the states before it by the core's replay, before the rows it names
-- exist) or ends one (each row is where its history ends).  Every refusal is
-- shown with its SQLSTATE, beside the insert that is accepted.
--
-- A history is made with the API, then "restored" into the same database as
-- a copy: every id (events, streams, accounts, flows) moved by an offset
-- n000000, its rows of token T16_n, so that the copy is a history of its own.
-- Each section uses its own offset.
--
-- Parties: t16_alice, t16_bob, t16_carol, t16_erin, t16_frank, and t16_keeper,
-- the token's reward party.  Token T16 (6 decimals, buffer 1 hour), its
-- copies T16_3 .. T16_9; T16C, another token of the same decimals, and T16B,
-- of 2.  t0 = 2026-01-01 00:00:00+00.
--   t0:        alice gets 1000, erin 10; alice opens ab (to bob, 0.01/s) and
--              ac (to carol, 0.001/s); erin opens ef (to frank, 0.001/s,
--              buffer 3.6: critical after 6400 s); alice's stream s to bob,
--              funded with 20 from her account (a bridge)
--   t0+100 s:  alice raises ab to 0.02; bob sends carol 0.5 and withdraws
--              0.05 of s into his account (a bridge)
--   t0+7200 s: erin is liquidated (ef closed, her unburnt 2.8 paid to the
--              keeper); bob closes ab
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flowstream;
SELECT plan(73);
SET LOCAL client_min_messages = warning;

INSERT INTO flowstream.tokens (token, decimals, liquidation_reward)
VALUES ('T16', 6, 't16_keeper'), ('T16C', 6, NULL), ('T16B', 2, NULL);
INSERT INTO flowstream.tokens (token, decimals) SELECT 'T16_' || n, 6 FROM generate_series(3, 9) n;

-- the API's history, then its copies: event, stream, account and flow ids all move by off,
-- and the rows' token is T16_n for off = n000000
CREATE FUNCTION pg_temp.last_event() RETURNS bigint
    LANGUAGE sql STABLE AS $$SELECT max(id) FROM flowstream.events WHERE id < 1000000$$;
-- (each copy is the row with its ids moved, every other column as it is: through
-- jsonb, so that columns added later come along)
CREATE FUNCTION pg_temp.events_copy(off bigint) RETURNS SETOF flowstream.events
    LANGUAGE sql STABLE AS $$
    SELECT (jsonb_populate_record(NULL::flowstream.events, to_jsonb(e) || jsonb_build_object(
               'id', e.id + off, 'stream_id', e.stream_id + off, 'account_id', e.account_id + off,
               'peer_id', e.peer_id + off, 'flow_id', e.flow_id + off))).*
    FROM flowstream.events e WHERE e.id < 1000000$$;
CREATE FUNCTION pg_temp.accounts_copy(off bigint) RETURNS SETOF flowstream.accounts
    LANGUAGE sql STABLE AS $$
    SELECT (jsonb_populate_record(NULL::flowstream.accounts, to_jsonb(a) || jsonb_build_object(
               'id', a.id + off, 'first_event', a.first_event + off, 'last_event', a.last_event + off,
               'token', 'T16_' || off / 1000000))).*
    FROM flowstream.accounts a WHERE a.id < 1000000$$;
CREATE FUNCTION pg_temp.flows_copy(off bigint) RETURNS SETOF flowstream.flows
    LANGUAGE sql STABLE AS $$
    SELECT (jsonb_populate_record(NULL::flowstream.flows, to_jsonb(f) || jsonb_build_object(
               'id', f.id + off, 'sender_account', f.sender_account + off,
               'receiver_account', f.receiver_account + off, 'first_event', f.first_event + off,
               'last_event', f.last_event + off, 'token', 'T16_' || off / 1000000))).*
    FROM flowstream.flows f WHERE f.id < 1000000$$;
CREATE FUNCTION pg_temp.streams_copy(off bigint) RETURNS SETOF flowstream.streams
    LANGUAGE sql STABLE AS $$
    SELECT (jsonb_populate_record(NULL::flowstream.streams, to_jsonb(s) || jsonb_build_object(
               'id', s.id + off, 'first_event', s.first_event + off, 'last_event', s.last_event + off,
               'token', 'T16_' || off / 1000000))).*
    FROM flowstream.streams s WHERE s.id < 1000000$$;
-- inserts into flowstream.tbl the copy of its row src, with changes (columns as jsonb)
CREATE FUNCTION pg_temp.put_into(tbl text, src bigint, off bigint, changes jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO flowstream.%1$I
                    SELECT (jsonb_populate_record(NULL::flowstream.%1$I, to_jsonb(c) || $1)).*
                    FROM pg_temp.%1$s_copy($2) c WHERE c.id = $3', tbl)
        USING changes, off, src + off;
END $$;
CREATE FUNCTION pg_temp.put(src bigint, off bigint, changes jsonb DEFAULT '{}') RETURNS void
    LANGUAGE sql AS $$SELECT pg_temp.put_into('events', src, off, changes)$$;
CREATE FUNCTION pg_temp.put_account(src bigint, off bigint, changes jsonb DEFAULT '{}') RETURNS void
    LANGUAGE sql AS $$SELECT pg_temp.put_into('accounts', src, off, changes)$$;
CREATE FUNCTION pg_temp.put_flow(src bigint, off bigint, changes jsonb DEFAULT '{}') RETURNS void
    LANGUAGE sql AS $$SELECT pg_temp.put_into('flows', src, off, changes)$$;
CREATE FUNCTION pg_temp.put_stream(src bigint, off bigint, changes jsonb DEFAULT '{}') RETURNS void
    LANGUAGE sql AS $$SELECT pg_temp.put_into('streams', src, off, changes)$$;
-- inserts the copies of the events from first to src, in one statement (as a COPY would)
CREATE FUNCTION pg_temp.put_upto(src bigint, off bigint, first bigint DEFAULT 0) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO flowstream.events SELECT * FROM pg_temp.events_copy(off) m
    WHERE m.id BETWEEN first + off AND src + off ORDER BY m.id$$;
-- what a statement's refusal says: its SQLSTATE and its detail ('accepted' if none)
CREATE FUNCTION pg_temp.refusal(sql text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    state text;
    detail text;
BEGIN
    EXECUTE sql;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ': ' || detail;
END $$;
CREATE FUNCTION pg_temp.acc(party text) RETURNS bigint
    LANGUAGE sql STABLE AS $$SELECT id FROM flowstream.accounts WHERE party = $1 AND token = 'T16'$$;

----------------------------------------------------------------------------
-- the history, through the API
----------------------------------------------------------------------------
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.account_deposit('t16_alice', 'T16', 1000) AS x \gset
SELECT pg_temp.last_event() AS e_alice_deposit \gset
SELECT flowstream.account_deposit('t16_erin', 'T16', 10) AS x \gset
SET LOCAL flowstream.actor = 't16_alice';
SELECT flowstream.open_flow('t16_alice', 't16_bob', 'T16', 0.01) AS ab \gset
SELECT pg_temp.last_event() AS e_open_ab \gset
SELECT flowstream.open_flow('t16_alice', 't16_carol', 'T16', 0.001) AS ac \gset
SET LOCAL flowstream.actor = 't16_erin';
SELECT flowstream.open_flow('t16_erin', 't16_frank', 'T16', 0.001) AS ef \gset
SET LOCAL flowstream.actor = 't16_alice';
SELECT flowstream.create_stream('t16_alice', 't16_bob', 'T16', 0.001) AS s \gset
SELECT pg_temp.last_event() AS e_create \gset
SELECT flowstream.deposit_from_account(:s, 20) AS x \gset
SELECT pg_temp.last_event() AS e_bridge \gset
SET LOCAL flowstream.clock = '2026-01-01 00:01:40+00';
SELECT flowstream.update_flow(:ab, 0.02) AS x \gset
SELECT pg_temp.last_event() AS e_update_ab \gset
SET LOCAL flowstream.actor = 't16_bob';
SELECT flowstream.account_transfer('t16_bob', 't16_carol', 'T16', 0.5) AS x \gset
SELECT pg_temp.last_event() AS e_transfer \gset
SELECT flowstream.withdraw_to_account(:s, 0.05) AS x \gset
SET LOCAL flowstream.clock = '2026-01-01 02:00:00+00';
SELECT flowstream.liquidate_critical() AS x \gset
SELECT flowstream.close_flow(:ab) AS x \gset
SELECT pg_temp.last_event() AS e_last \gset
RESET flowstream.actor;
SELECT pg_temp.acc('t16_alice') AS alice, pg_temp.acc('t16_bob') AS bob, pg_temp.acc('t16_carol') AS carol,
       pg_temp.acc('t16_erin') AS erin \gset

SELECT results_eq(
    $$SELECT op::text, account_id IS NOT NULL, peer_id IS NOT NULL, flow_id IS NOT NULL, stream_id IS NOT NULL
      FROM flowstream.events WHERE id < 1000000 ORDER BY id$$,
    $$VALUES ('account_deposit', true, false, false, false), ('account_deposit', true, false, false, false),
             ('open_flow', true, true, true, false), ('open_flow', true, true, true, false),
             ('open_flow', true, true, true, false), ('create', false, false, false, true),
             ('deposit_from_account', true, false, false, true), ('update_flow', true, true, true, false),
             ('account_transfer', true, true, false, false), ('withdraw_to_account', true, false, false, true),
             ('liquidate', true, true, true, false), ('account_transfer', true, true, false, false),
             ('close_flow', true, true, true, false)$$,
    'the history: deposits, flows opened, updated, closed and liquidated, transfers, a reward and bridges');
SELECT is_empty('SELECT * FROM flowstream.verify()', 'verify() finds nothing in it');

----------------------------------------------------------------------------
-- an event whose rows exist is the API's: 42501
----------------------------------------------------------------------------
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 1000000, '{"account_id": %s}')$$, :e_alice_deposit, :alice),
    '42501', 'events are written by flowstream''s API', 'an event of an account whose row exists: refused (42501)');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 1000000, '{"flow_id": %s}')$$, :e_update_ab, :ab),
    '42501', 'events are written by flowstream''s API', 'an event of a flow whose row exists: refused (42501)');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 1000000, '{"stream_id": %s}')$$, :e_bridge, :s),
    '42501', 'events are written by flowstream''s API', 'a bridge of a stream whose row exists: refused (42501)');

----------------------------------------------------------------------------
-- a row that is not where its history ends: 23514
----------------------------------------------------------------------------
SELECT lives_ok(format('SELECT pg_temp.put_upto(%s, 3000000)', :e_last), 'a whole history, in one statement: restored');
SELECT throws_ok('INSERT INTO flowstream.accounts (id, state, first_event, last_event, party, token)
                  SELECT 3999999, state, first_event, last_event, ''t16_nobody'', token FROM flowstream.accounts LIMIT 1',
    '23514', 'account 3999999 is not where its history ends', 'an account without history: refused (23514)');
SELECT throws_ok(format($$SELECT pg_temp.put_account(%s, 3000000, jsonb_build_object('state', e.state))
                          FROM flowstream.accounts e WHERE e.id = %s$$, :alice, :erin),
    '23514', format('account %s is not where its history ends', :alice + 3000000), 'an account with another state: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_account(%s, 3000000, '{"last_event": %s}')$$, :alice, :e_bridge + 3000000),
    '23514', NULL, 'an account whose last_event is not its last event: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_account(%s, 3000000, '{"first_event": %s}')$$, :alice, :e_open_ab + 3000000),
    '23514', NULL, 'an account whose first_event is not its first event: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_account(%s, 3000000, '{"open_outflows": 2}')$$, :alice),
    '23514', NULL, 'an account that counts a closed flow as open: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_account(%s, 3000000, '{"token": "T16B"}')$$, :alice),
    '23514', NULL, 'an account of a token with other decimals than its state''s: refused');
-- critical_at is what the liquidation finds accounts by: computed, not taken from the dump
SELECT lives_ok(format($$SELECT pg_temp.put_account(%s, 3000000, '{"critical_at": "2030-01-01 00:00:00+00"}')$$, :alice),
    'alice''s account with a forged critical_at: restored');
SELECT lives_ok(format($$SELECT pg_temp.put_account(id - 3000000, 3000000, '{"critical_at": null}')
                         FROM pg_temp.accounts_copy(3000000) WHERE id <> %s$$, :alice + 3000000),
    'the other accounts, their critical_at left out: restored');
SELECT isnt((SELECT critical_at FROM flowstream.accounts WHERE id = :alice), NULL::timestamptz,
    'alice, sending ac, has a critical time');
SELECT results_eq(
    'SELECT id + 3000000, critical_at FROM flowstream.accounts WHERE id < 1000000 ORDER BY id',
    'SELECT id, critical_at FROM flowstream.accounts WHERE id BETWEEN 3000000 AND 3999999 ORDER BY id',
    'every restored critical_at is the critical time of its state, whatever the insert said');

SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"rate": 0.002}')$$, :ac),
    '23514', format('flow %s is not where its history ends', :ac + 3000000), 'a flow with another rate: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"buffer": 1}')$$, :ac),
    '23514', NULL, 'a flow with another buffer: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"closed_at": "2026-01-01 02:00:00+00"}')$$, :ac),
    '23514', NULL, 'an open flow restored as closed: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"closed_at": null}')$$, :ab),
    '23514', NULL, 'a closed flow restored as open: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"closed_at": "2026-01-01 01:00:00+00"}')$$, :ab),
    '23514', NULL, 'a closed flow with another closed_at than its close: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"last_event": %s}')$$, :ab, :e_update_ab + 3000000),
    '23514', NULL, 'a flow whose last_event is not its last event: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"receiver_account": %s, "receiver": "t16_carol"}')$$,
                        :ab, :carol + 3000000),
    '23514', NULL, 'a flow to another account than its events moved (its party named with it): refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"first_event": %s}')$$, :ab, :e_update_ab + 3000000),
    '23514', NULL, 'a flow whose first_event is not its open_flow: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"opened_at": "2026-01-01 00:01:40+00"}')$$, :ab),
    '23514', NULL, 'a flow whose opened_at is not the time of its open_flow: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"token": "T16C"}')$$, :ab),
    '23514', NULL, 'a flow of another token than its accounts: refused');
SELECT throws_ok(format($$SELECT pg_temp.put_flow(%s, 3000000, '{"receiver": "t16_carol"}')$$, :ab),
    '23514', NULL, 'a flow whose receiver is not its receiving account''s party: refused');
SELECT lives_ok('SELECT pg_temp.put_flow(id - 3000000, 3000000) FROM pg_temp.flows_copy(3000000)',
    'the flows as they are: restored');
SELECT lives_ok(format('SELECT pg_temp.put_stream(%s, 3000000)', :s), 'the bridged stream: restored');

----------------------------------------------------------------------------
-- a COPY of a whole history: its earlier rows are invisible to its own checks
----------------------------------------------------------------------------
SELECT '/tmp/flowstream_16_' || pg_backend_pid() AS copyfile \gset
SELECT lives_ok(format('COPY (SELECT * FROM pg_temp.events_copy(5000000) ORDER BY id) TO %L', :'copyfile'),
    'the history, copied to a file');
SELECT lives_ok(format('COPY flowstream.events FROM %L', :'copyfile'), 'COPY of the whole history into flowstream.events');
SELECT lives_ok(format('COPY (SELECT * FROM pg_temp.accounts_copy(5000000) ORDER BY id) TO %L', :'copyfile')
             || format('; COPY flowstream.accounts FROM %L', :'copyfile')
             || format('; COPY (SELECT * FROM pg_temp.flows_copy(5000000) ORDER BY id) TO %L', :'copyfile')
             || format('; COPY flowstream.flows FROM %L', :'copyfile'),
    'COPY of the accounts and the flows');
SELECT lives_ok(format('SELECT pg_temp.put_stream(%s, 5000000)', :s), 'and the stream''s row');
SELECT results_eq(
    'SELECT id + 5000000, state::text, first_event + 5000000, last_event + 5000000, open_outflows, critical_at
     FROM flowstream.accounts WHERE id < 1000000 ORDER BY id',
    'SELECT id, state::text, first_event, last_event, open_outflows, critical_at
     FROM flowstream.accounts WHERE id BETWEEN 5000000 AND 5999999 ORDER BY id',
    'the restored accounts are the originals');
SELECT results_eq(
    'SELECT id + 5000000, rate, buffer, last_event + 5000000, closed_at FROM flowstream.flows WHERE id < 1000000 ORDER BY id',
    'SELECT id, rate, buffer, last_event, closed_at FROM flowstream.flows WHERE id BETWEEN 5000000 AND 5999999 ORDER BY id',
    'the restored flows are the originals');

SELECT is_empty('SELECT * FROM flowstream.verify()',
    'verify() finds nothing: the histories restored whole, with their rows, are healthy');

----------------------------------------------------------------------------
-- an event that does not follow from the states before it: 23514
----------------------------------------------------------------------------
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, '{"amount": 1001}')$$, :e_alice_deposit),
    '23514', format('event does not follow from the history of account %s', :alice + 2000000),
    'a deposit of 1001 that recorded a balance of 1000: refused (23514)');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, jsonb_build_object('account', a.account))
                          FROM flowstream.events a WHERE a.account_id = %s ORDER BY a.id LIMIT 1$$,
                        :e_alice_deposit, :erin),
    '23514', NULL, 'a deposit that recorded another account''s state: refused');
SELECT throws_ok(format('SELECT pg_temp.put(%s, 2000000)', :e_open_ab),
    '23514', format('event does not follow from the history of flow %s', :ab + 2000000),
    'a flow opened from an account with no history (its deposit not restored): refused');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, '{"stream_id": %s}')$$, :e_alice_deposit, :s + 2000000),
    '23514', format('event %s is not an event of its operation', :e_alice_deposit + 2000000),
    'an account deposit that names a stream: refused');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, '{"peer_id": null, "peer": null}')$$, :e_transfer),
    '23514', format('event %s is not an event of its operation', :e_transfer + 2000000),
    'a transfer without its receiving account: refused');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, '{"peer_id": %s}')$$, :e_transfer, :bob + 2000000),
    '23514', format('event %s is not an event of its operation', :e_transfer + 2000000),
    'a transfer from an account to itself: refused');

-- a prefix of the history, then the bridge: it must follow in both the stream's and the account's history
SELECT lives_ok(format('SELECT pg_temp.put_upto(%s, 2000000)', :e_create),
    'the history up to the stream''s create, in one statement: restored');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, jsonb_build_object('state', c.state))
                          FROM flowstream.events c WHERE c.id = %s$$, :e_bridge, :e_create),
    '23514', format('event does not follow from the history of stream %s', :s + 2000000),
    'a bridge whose stream state did not get the deposit: refused');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, jsonb_build_object('account', o.account))
                          FROM flowstream.events o WHERE o.id = %s$$, :e_bridge, :e_open_ab),
    '23514', format('event does not follow from the history of account %s', :alice + 2000000),
    'a bridge whose account state did not pay the deposit: refused');
SELECT lives_ok(format('SELECT pg_temp.put(%s, 2000000)', :e_bridge),
    'the bridge as it happened: restored');
SELECT is(pg_temp.refusal(format($$SELECT pg_temp.put(%s, 2000000, '{"peer_id": %s}')$$, :e_update_ab, :carol + 2000000)),
    '23514: It moves other accounts than the events of its flow before it.',
    'an update of a flow that names another receiver than its open_flow: refused');
SELECT is(pg_temp.refusal(format($$SELECT pg_temp.put(%s, 2000000, '{"id": 2999999}')$$, :e_open_ab)),
    '23514: An open_flow event follows other events of its flow.',
    'a flow opened again: refused');
SELECT throws_ok(format($$SELECT pg_temp.put(%s, 2000000, '{"id": %s}')$$, :e_update_ab, :e_bridge + 2000000 - 1),
    '23514', format('event %s does not come after the last event of account %s', :e_bridge + 2000000 - 1, :alice + 2000000),
    'an event before the last restored event of its account: refused');
SELECT is((SELECT count(*) FROM flowstream.events WHERE id BETWEEN 2000000 AND 2999999),
    (SELECT count(*) FROM flowstream.events WHERE id <= :e_bridge),
    'the refused events left nothing behind: the history up to the bridge');

----------------------------------------------------------------------------
-- accounts of two tokens: the second row restored checks the pair
----------------------------------------------------------------------------
SELECT lives_ok(format('SELECT pg_temp.put_upto(%s, 4000000)', :e_last), 'another copy of the history: restored');
SELECT lives_ok(format($$SELECT pg_temp.put_account(%s, 4000000, '{"token": "T16C"}')$$, :carol),
    'carol''s account, as one of T16C (of the same decimals): restored, none of her peers restored yet');
SELECT throws_ok(format('SELECT pg_temp.put_account(%s, 4000000)', :bob),
    '23514', format('account %s is not where its history ends', :bob + 4000000),
    'bob''s account of T16, which paid carol''s of T16C: refused');
SELECT lives_ok(format($$SELECT pg_temp.put_account(%s, 4000000, '{"token": "T16C"}')$$, :erin),
    'erin''s account, as one of T16C: restored');
SELECT throws_ok(format('SELECT pg_temp.put_account(%s, 4000000)', pg_temp.acc('t16_frank')),
    '23514', format('account %s is not where its history ends', pg_temp.acc('t16_frank') + 4000000),
    'frank''s account of T16, which erin''s of T16C streamed to: refused');
SELECT lives_ok(format($$SELECT pg_temp.put_stream(%s, 4000000, '{"token": "T16C"}')$$, :s),
    'alice''s stream, as one of T16C: restored, her account not restored yet');
SELECT throws_ok(format('SELECT pg_temp.put_account(%s, 4000000)', :alice),
    '23514', format('account %s is not where its history ends', :alice + 4000000),
    'alice''s account of T16, which funded that stream of T16C: refused');

----------------------------------------------------------------------------
-- a stream and the accounts it moved: whichever row comes second checks the pair
----------------------------------------------------------------------------
SELECT lives_ok(format('SELECT pg_temp.put_upto(%s, 7000000)', :e_last), 'a copy of the history: restored');
-- (its sender is its create event's: SameTerms in restore.c refuses another
-- before any account is looked at)
SELECT throws_ok(format($$SELECT pg_temp.put_stream(%s, 7000000, '{"sender": "t16_mallory"}')$$, :s),
    '23514', 'streams are created with flowstream.create_stream()',
    'alice''s stream, as mallory''s: refused, its history begins with alice''s create, no account of it restored yet');
SELECT lives_ok(format('SELECT pg_temp.put_account(%s, 7000000)', :alice),
    'alice''s account, which funded that stream: restored');
SELECT lives_ok(format('SELECT pg_temp.put_stream(%s, 7000000)', :s),
    'alice''s stream as it is, after the account that funded it: restored');

SELECT lives_ok(format('SELECT pg_temp.put_upto(%s, 8000000)', :e_last), 'another copy of the history: restored');
SELECT lives_ok(format('SELECT pg_temp.put_account(%s, 8000000), pg_temp.put_account(%s, 8000000)', :alice, :bob),
    'alice''s and bob''s accounts: restored');
SELECT throws_ok(format($$SELECT pg_temp.put_stream(%s, 8000000, '{"token": "T16C"}')$$, :s),
    '23514', 'streams are created with flowstream.create_stream()',
    'their stream, as one of T16C: refused (23514)');
SELECT throws_ok(format($$SELECT pg_temp.put_stream(%s, 8000000, '{"sender": "t16_mallory"}')$$, :s),
    '23514', 'streams are created with flowstream.create_stream()',
    'their stream, as mallory''s, who did not fund it: refused');
SELECT lives_ok(format('SELECT pg_temp.put_stream(%s, 8000000)', :s), 'their stream as it is: restored');

-- the recipient a stream's withdrawal paid into the account of: its history says who it was then
SELECT lives_ok(format($$SELECT pg_temp.put_upto(%1$s, 9000000, 0), pg_temp.put(%2$s, 9000000, '{"destination": "t16_carol"}'),
                               pg_temp.put_upto(%3$s, 9000000, %2$s + 1)$$, :e_create - 1, :e_create, :e_last),
    'a copy of the history whose stream was created for carol: restored (the create''s replay is its state)');
SELECT throws_ok(format('SELECT pg_temp.put_account(%s, 9000000)', :bob),
    '23514', format('account %s is not where its history ends', :bob + 9000000),
    'bob''s account, paid a withdrawal of that stream, carol''s: refused');

----------------------------------------------------------------------------
-- a rolled-back savepoint's event is forgotten
----------------------------------------------------------------------------
SAVEPOINT before_deposit;
SELECT pg_temp.put(:e_alice_deposit, 6000000) AS x \gset
ROLLBACK TO SAVEPOINT before_deposit;
SELECT throws_ok(format('SELECT pg_temp.put(%s, 6000000)', :e_open_ab),
    '23514', format('event does not follow from the history of flow %s', :ab + 6000000),
    'after the deposit''s savepoint rolled back, alice''s flow has nothing to open from: refused');
SELECT lives_ok(format('SELECT pg_temp.put(%s, 6000000)', :e_alice_deposit), 'the deposit again: restored');
SAVEPOINT outer_sp;
SAVEPOINT inner_sp;
SELECT pg_temp.put(:e_open_ab, 6000000) AS x \gset
RELEASE SAVEPOINT inner_sp;
ROLLBACK TO SAVEPOINT outer_sp;
SELECT lives_ok(format('SELECT pg_temp.put(%s, 6000000)', :e_open_ab),
    'an event of a released savepoint whose parent rolled back is forgotten too: the flow opens again');

----------------------------------------------------------------------------
-- a bridge between a stream and an account of tokens with other decimals
----------------------------------------------------------------------------
-- zed's account of T16B (2 decimals), paying 20 out as the bridge would have
SET LOCAL flowstream.clock = '2026-01-01 00:00:00+00';
SELECT flowstream.account_deposit('t16_zed', 'T16B', 100) AS x \gset
SELECT pg_temp.last_event() AS e_zed_deposit \gset
SET LOCAL flowstream.actor = 't16_zed';
SELECT flowstream.account_withdraw('t16_zed', 'T16B', 20) AS x \gset
SELECT pg_temp.last_event() AS e_zed_withdraw \gset
RESET flowstream.actor;
SELECT id AS zed FROM flowstream.accounts WHERE party = 't16_zed' \gset
SELECT lives_ok(format('SELECT pg_temp.put(%s, 1000000), pg_temp.put(%s, 1000000)', :e_create, :e_zed_deposit),
    'a copy of alice''s stream''s create and of zed''s deposit: restored');
SELECT is(pg_temp.refusal(format(
        $$SELECT pg_temp.put(%s, 1000000, jsonb_build_object('id', %s, 'account_id', %s, 'account', w.account))
          FROM flowstream.events w WHERE w.id = %s$$, :e_bridge, :e_zed_withdraw + 1000000, :zed + 1000000, :e_zed_withdraw)),
    '23514: Its stream and its account have tokens of different decimals.',
    'a bridge from zed''s account of 2 decimals into the stream of 6, each replay right on its own: refused');

SELECT * FROM finish();
ROLLBACK;
