-- bench/schema.sql: what the benchmarks compare flowstream with, plus the
-- fast loader.  Loaded by bench/run.sh as the superuser into the throwaway
-- cluster, after CREATE EXTENSION flowstream.

CREATE SCHEMA bench;

-- The role the write benchmarks run as: the sender of the 10^5 streams they
-- touch (adjust_rate is the sender's), an ordinary role, not a superuser.
CREATE ROLE acme LOGIN;
GRANT USAGE ON SCHEMA bench TO acme;

--------------------------------------------------------------------------
-- Writes: the least any ledger write must do.  One row of the same width
-- as flowstream.streams (its very columns, the state in the same 88-byte
-- type, the same storage parameters, its primary key and the indexes on
-- sender and recipient; not the sweeper's index, which only flowstream
-- has) and a log table like flowstream.events (its columns and indexes).
-- The baseline transaction (bench/base_write.sql) is ONE statement: it
-- updates the row and appends its log entry, and does nothing else: no
-- check, no lock beyond the UPDATE's, no trigger, no foreign key.
-- Copied with LIKE, so that they follow the install script as it changes.
--------------------------------------------------------------------------

CREATE TABLE bench.ledger_log (LIKE flowstream.events INCLUDING DEFAULTS INCLUDING IDENTITY
                               INCLUDING INDEXES INCLUDING STORAGE);
CREATE TABLE bench.ledger (LIKE flowstream.streams INCLUDING DEFAULTS INCLUDING STORAGE);
ALTER TABLE bench.ledger ADD PRIMARY KEY (id);
CREATE INDEX ledger_sender_idx ON bench.ledger (sender);
CREATE INDEX ledger_recipient_idx ON bench.ledger (recipient);
DO $$
DECLARE
    opts text[] := (SELECT reloptions FROM pg_class WHERE oid = 'flowstream.streams'::regclass);
BEGIN
    IF opts IS NOT NULL THEN
        EXECUTE format('ALTER TABLE bench.ledger SET (%s)', array_to_string(opts, ', '));
    END IF;
END
$$;
GRANT SELECT, UPDATE ON bench.ledger TO acme;
GRANT SELECT, INSERT ON bench.ledger_log TO acme;
GRANT USAGE ON SEQUENCE bench.ledger_log_id_seq TO acme;

--------------------------------------------------------------------------
-- Reads: the same debt formulas without flowstream, over numeric columns
-- (bench.plain_streams is filled from flowstream.streams with the
-- accessors, so every implementation sums the very same streams and the
-- sums must be equal to the last digit; run.sh checks that).
--
--   total debt     = floor((snapshot_debt + rate * (at - snapshot_time)+) to a base unit)
--   covered debt   = min(balance, total debt)
--   uncovered debt = max(total debt - balance, 0)
--
-- All amounts in tokens; debt is never negative, so trunc() is floor().
--------------------------------------------------------------------------

-- (a) PL/pgSQL, as a team writes it without flowstream.
CREATE FUNCTION bench.stream_debts(rate_per_second numeric, balance numeric,
                                   snapshot_debt numeric, snapshot_time timestamptz,
                                   decimals int, at timestamptz,
                                   OUT total_debt numeric, OUT covered_debt numeric,
                                   OUT uncovered_debt numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    total_debt := snapshot_debt;
    IF at > snapshot_time THEN
        total_debt := total_debt + rate_per_second * extract(epoch FROM at - snapshot_time);
    END IF;
    total_debt := trunc(total_debt, decimals);
    covered_debt := least(balance, total_debt);
    uncovered_debt := greatest(total_debt - balance, 0);
END
$$;

-- (b) The same formulas as a LANGUAGE sql function the planner inlines:
-- not STRICT, not SECURITY DEFINER, no SET, one SELECT, returning a set so
-- that in FROM (LATERAL) it becomes part of the query.  The total debt is
-- computed once, in a subquery kept from being pulled up (OFFSET 0), and
-- the other two derive from it.
CREATE FUNCTION bench.stream_debts_sql(rate_per_second numeric, balance numeric,
                                       snapshot_debt numeric, snapshot_time timestamptz,
                                       decimals int, at timestamptz)
    RETURNS TABLE (total_debt numeric, covered_debt numeric, uncovered_debt numeric)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT t, least(balance, t), greatest(t - balance, 0)
    FROM (SELECT trunc(snapshot_debt
                       + CASE WHEN at > snapshot_time
                              THEN rate_per_second * extract(epoch FROM at - snapshot_time)
                              ELSE 0 END,
                       decimals) AS t
          OFFSET 0) d
$$;

-- (b') the scalar form: total debt alone, inlined as an expression.
CREATE FUNCTION bench.total_debt_sql(rate_per_second numeric, snapshot_debt numeric,
                                     snapshot_time timestamptz, decimals int, at timestamptz)
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT trunc(snapshot_debt
                 + CASE WHEN at > snapshot_time
                        THEN rate_per_second * extract(epoch FROM at - snapshot_time)
                        ELSE 0 END,
                 decimals)
$$;

--------------------------------------------------------------------------
-- The fast load (benchmark only).  create_stream() writes one stream per
-- call; this writes n at once with generate_series, exactly what the API
-- would have written: a create event (state = the new stream, destination =
-- the recipient, void_after = the row's), a deposit event (state after the
-- deposit) when there is a balance, and the stream row (state = its last
-- event's, last_event = that event's id).  The guards are off during the
-- load; run.sh then requires flowstream.verify() to report nothing.
--
-- kind: 'payroll' (sender acme, the streams the write benchmarks touch),
--       'other' (many senders), both funded for 13 to 36 months, created 7
--       to 365 days ago, void_after 7 days: indexed by the sweeper, not due;
--       'due' (no balance, void_after 0, created a day ago): due now.
-- Tokens by id % 10: 0-4 USDC (6 decimals), 5-7 DAI (18), 8 WBTC (8), 9 EURC (2).
-- Pseudo-random but deterministic (hashes of the id).
--------------------------------------------------------------------------

CREATE PROCEDURE bench.load_streams(first_id bigint, n bigint, kind text)
    LANGUAGE plpgsql AS $$
DECLARE
    ev bigint;
    cols text;
    exprs text;
    t0 timestamptz := date_trunc('second', now());
BEGIN
    SELECT coalesce(max(id), 0) INTO ev FROM flowstream.events;

    CREATE TEMP TABLE load_plan ON COMMIT DROP AS
    WITH g AS (
        SELECT i, i - first_id AS k,
               (hashint8(i) & 2147483647)::numeric / 2147483648 AS u1,
               (hashint8(i + 1000000007) & 2147483647)::numeric / 2147483648 AS u2,
               (hashint8(i + 2000000014) & 2147483647)::numeric / 2147483648 AS u3
        FROM generate_series(first_id, first_id + n - 1) i
    ), p AS (
        SELECT g.*,
               CASE i % 10 WHEN 5 THEN 'DAI' WHEN 6 THEN 'DAI' WHEN 7 THEN 'DAI'
                           WHEN 8 THEN 'WBTC' WHEN 9 THEN 'EURC' ELSE 'USDC' END AS token,
               CASE i % 10 WHEN 5 THEN 18 WHEN 6 THEN 18 WHEN 7 THEN 18
                           WHEN 8 THEN 8 WHEN 9 THEN 2 ELSE 6 END AS dec,
               -- a monthly amount: 10 to 10,000 tokens, 0.0001 to 0.1 WBTC
               round(10 + u1 * 9990, 2) / CASE WHEN i % 10 = 8 THEN 100000 ELSE 1 END AS monthly,
               CASE WHEN kind = 'due' THEN t0 - interval '1 day' - u2 * interval '1 hour'
                    ELSE t0 - interval '7 days' - u2 * interval '358 days' END AS created
        FROM g
    )
    SELECT i AS id, k, token, dec, created,
           CASE WHEN kind = 'payroll' THEN 'acme' ELSE 'company:' || (i % 5000) END AS sender,
           'employee:' || i AS recipient,
           flowstream.rate(monthly, '1 month') AS rate,
           CASE WHEN kind = 'due' THEN NULL ELSE round(monthly * (13 + floor(u3 * 24)), dec) END AS deposit,
           CASE WHEN kind = 'due' THEN interval '0' ELSE interval '7 days' END AS void_after,
           jsonb_build_object('ref', 'contract-' || i) AS metadata
    FROM p;

    ALTER TABLE load_plan ADD COLUMN s0 flowstream.stream, ADD COLUMN s1 flowstream.stream,
                          ADD COLUMN e_create bigint, ADD COLUMN e_last bigint;
    UPDATE load_plan SET s0 = flowstream.stream(rate, dec, created, created);
    UPDATE load_plan SET s1 = CASE WHEN deposit IS NULL THEN s0
                                   ELSE flowstream.deposit(s0, deposit, created) END,
                         e_create = ev + 2 * k + 1,
                         e_last = ev + 2 * k + CASE WHEN deposit IS NULL THEN 1 ELSE 2 END;

    ALTER TABLE flowstream.events DISABLE TRIGGER events_guard;
    ALTER TABLE flowstream.streams DISABLE TRIGGER streams_guard;
    INSERT INTO flowstream.events (id, stream_id, op, actor, amount, destination, at, state, void_after)
    SELECT e_create, id, 'create'::flowstream.op, sender, NULL::numeric, recipient, created, s0, void_after
    FROM load_plan
    UNION ALL
    SELECT e_last, id, 'deposit'::flowstream.op, sender, deposit, NULL::text, created, s1, void_after
    FROM load_plan WHERE deposit IS NOT NULL
    ORDER BY 1;
    -- The row: every column of flowstream.streams this loader knows (the
    -- install script changes; columns it does not know get their defaults).
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg(v.expr, ', ' ORDER BY a.attnum)
    INTO cols, exprs
    FROM pg_attribute a
    JOIN (VALUES ('id', 'id'), ('sender', 'sender'), ('recipient', 'recipient'),
                 ('token', 'token'), ('state', 's1'), ('transferable', 'true'),
                 ('void_after', 'void_after'), ('created_at', 'created'),
                 ('metadata', 'metadata'), ('first_event', 'e_create'), ('last_event', 'e_last'),
                 ('due_at', 'flowstream.due_time(s1, void_after)'),
                 ('depletes_at', 'flowstream.depletion_time(s1)')) v(col, expr)
      ON v.col = a.attname
    WHERE a.attrelid = 'flowstream.streams'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format('INSERT INTO flowstream.streams (%s) SELECT %s FROM load_plan ORDER BY id',
                   cols, exprs);
    ALTER TABLE flowstream.events ENABLE TRIGGER events_guard;
    ALTER TABLE flowstream.streams ENABLE TRIGGER streams_guard;

    PERFORM setval('flowstream.events_id_seq', (SELECT max(id) FROM flowstream.events));
    PERFORM setval('flowstream.streams_id_seq', (SELECT max(id) FROM flowstream.streams));
END
$$;

--------------------------------------------------------------------------
-- Accounts and flows (SPEC §6).
--
-- The write benchmark of flows runs as acme_app, an application (member of
-- flowstream_app) that acts for its users through flowstream.actor, set
-- in the transaction that acts: user:k sends flow k (the first flows of the
-- load), cyc-<client> opens and closes a flow of its own.  Its baseline,
-- the least such a write does: the same rows in tables of the same columns
-- and indexes (bench.acct like flowstream.accounts, bench.flow like
-- flowstream.flows, bench.ledger_log like flowstream.events): one statement
-- that updates the flow's row and its two accounts' rows and appends the
-- event, nothing else (bench/base_flow.sql).
--------------------------------------------------------------------------

CREATE ROLE acme_app LOGIN;
GRANT flowstream_app TO acme_app;
GRANT USAGE ON SCHEMA bench TO acme_app;
CREATE TABLE bench.acct (LIKE flowstream.accounts INCLUDING DEFAULTS INCLUDING IDENTITY
                         INCLUDING INDEXES INCLUDING STORAGE);
CREATE TABLE bench.flow (LIKE flowstream.flows INCLUDING DEFAULTS INCLUDING IDENTITY
                         INCLUDING INDEXES INCLUDING STORAGE);
DO $$
DECLARE
    opts text[] := (SELECT reloptions FROM pg_class WHERE oid = 'flowstream.accounts'::regclass);
BEGIN
    IF opts IS NOT NULL THEN
        EXECUTE format('ALTER TABLE bench.acct SET (%s)', array_to_string(opts, ', '));
    END IF;
END
$$;
GRANT SELECT, UPDATE ON bench.acct TO acme_app;
GRANT SELECT, INSERT, UPDATE ON bench.flow TO acme_app;
GRANT USAGE ON SEQUENCE bench.flow_id_seq TO acme_app;
GRANT SELECT, INSERT ON bench.ledger_log TO acme_app;
GRANT USAGE ON SEQUENCE bench.ledger_log_id_seq TO acme_app;

-- The time of the loaded account operations, set by run.sh before a load.
CREATE TABLE bench.params (t0 timestamptz NOT NULL);
INSERT INTO bench.params VALUES (now());

-- The fast load of accounts and flows (benchmark only), as exact as
-- load_streams: for each of n senders, an account_deposit event and an
-- open_flow event at t0, each with the states after it of the accounts it
-- moved (the receivers' netflows add up flow after flow), then the account
-- rows (state, first and last event, open outflows, critical_at as the API
-- stores it) and the flow rows; guards off meanwhile, and run.sh requires
-- flowstream.verify() to report nothing afterwards.  Token USDF (6
-- decimals, buffer_period 1 hour): a flow at rate r locks 3600 r.
--
-- kind: 'flow'     senders user:<i>, flow i (load them first: flow id = i),
--                  0.001 USDF/s, 200,000 USDF deposited: healthy for years,
--                  in the liquidation's index but far from due;
--       'critical' senders late:<i>, 0.001 USDF/s, deposited r x (1 day
--                  + 1 hour + 0 to 600 s): critical from a day after t0
--                  (plus the jitter), insolvent an hour later;
--       'cyc'      accounts cyc-0 .. cyc-<n-1>, 200,000 USDF, no flow (no
--                  colon: pgbench would read ':<name>' in a literal as a
--                  variable).
-- Receivers payee:<kind><first>:<j>, one per 100 senders.
CREATE PROCEDURE bench.load_accounts(first bigint, n bigint, kind text)
    LANGUAGE plpgsql AS $$
DECLARE
    ev bigint;
    a0 bigint;
    f0 bigint;
    m bigint := CASE WHEN kind = 'cyc' THEN 0 ELSE greatest(n / 100, 1) END;
    t0 timestamptz := (SELECT p.t0 FROM bench.params p);
    ts text := to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
    r numeric := 0.001;
BEGIN
    SELECT coalesce(max(id), 0) INTO ev FROM flowstream.events;
    SELECT coalesce(max(id), 0) + 1 INTO a0 FROM flowstream.accounts;
    SELECT coalesce(max(id), 0) + 1 INTO f0 FROM flowstream.flows;

    CREATE TEMP TABLE load_acct ON COMMIT DROP AS
    SELECT i - first AS k, i,
           CASE kind WHEN 'flow' THEN 'user:' WHEN 'critical' THEN 'late:' ELSE 'cyc-' END || i AS party,
           'payee:' || kind || first || ':' || ((i - first) % greatest(m, 1)) AS receiver,
           (i - first) % greatest(m, 1) AS j,
           CASE kind WHEN 'critical'
                THEN round(r * (3600 + 86400 + ((hashint8(i) & 2147483647)::numeric / 2147483648) * 600), 6)
                ELSE 200000 END AS deposit
    FROM generate_series(first, first + n - 1) i;
    ALTER TABLE load_acct ADD COLUMN c bigint;     -- the how-manieth flow into its receiver
    UPDATE load_acct l SET c = x.c
    FROM (SELECT k, row_number() OVER (PARTITION BY j ORDER BY k) AS c FROM load_acct) x WHERE x.k = l.k;

    ALTER TABLE flowstream.events DISABLE TRIGGER events_guard;
    ALTER TABLE flowstream.accounts DISABLE TRIGGER accounts_guard;
    ALTER TABLE flowstream.flows DISABLE TRIGGER flows_guard;
    INSERT INTO flowstream.events (id, op, actor, amount, destination, at, account_id, account,
                                   peer_id, peer, flow_id, flow_buffer)
    SELECT ev + 2 * k + 1, 'account_deposit'::flowstream.op, party, deposit, NULL, t0, a0 + k,
           format('(decimals=6,balance=%s,netflow=0,buffer=0,settled_at=%s,last_op=%s)',
                  deposit, ts, ts)::flowstream.account, NULL, NULL, NULL, NULL
    FROM load_acct
    UNION ALL
    SELECT ev + 2 * k + 2, 'open_flow'::flowstream.op, party, r, receiver, t0, a0 + k,
           format('(decimals=6,balance=%s,netflow=-%s,buffer=%s,settled_at=%s,last_op=%s)',
                  deposit, r, r * 3600, ts, ts)::flowstream.account,
           a0 + n + j,
           format('(decimals=6,balance=0,netflow=%s,buffer=0,settled_at=%s,last_op=%s)',
                  r * c, ts, ts)::flowstream.account,
           f0 + k, r * 3600
    FROM load_acct WHERE kind <> 'cyc'
    ORDER BY 1;
    INSERT INTO flowstream.accounts (id, state, first_event, last_event, open_outflows, critical_at, party, token)
    SELECT a0 + k, s, ev + 2 * k + 1, ev + 2 * k + CASE WHEN kind = 'cyc' THEN 1 ELSE 2 END,
           CASE WHEN kind = 'cyc' THEN 0 ELSE 1 END,
           CASE WHEN kind = 'cyc' THEN NULL ELSE flowstream.critical_time(s) END, party, 'USDF'
    FROM (SELECT k, party,
                 CASE WHEN kind = 'cyc'
                      THEN format('(decimals=6,balance=%s,netflow=0,buffer=0,settled_at=%s,last_op=%s)',
                                  deposit, ts, ts)
                      ELSE format('(decimals=6,balance=%s,netflow=-%s,buffer=%s,settled_at=%s,last_op=%s)',
                                  deposit, r, r * 3600, ts, ts) END::flowstream.account AS s
          FROM load_acct) x
    UNION ALL
    SELECT a0 + n + j,
           format('(decimals=6,balance=0,netflow=%s,buffer=0,settled_at=%s,last_op=%s)',
                  r * count(*), ts, ts)::flowstream.account,
           ev + 2 * min(k) + 2, ev + 2 * max(k) + 2, 0, NULL, min(receiver), 'USDF'
    FROM load_acct WHERE kind <> 'cyc' GROUP BY j
    ORDER BY 1;
    INSERT INTO flowstream.flows (id, sender_account, receiver_account, rate, buffer, first_event, last_event,
                                  opened_at, sender, receiver, token)
    SELECT f0 + k, a0 + k, a0 + n + j, r, r * 3600, ev + 2 * k + 2, ev + 2 * k + 2, t0, party, receiver, 'USDF'
    FROM load_acct WHERE kind <> 'cyc' ORDER BY 1;
    ALTER TABLE flowstream.events ENABLE TRIGGER events_guard;
    ALTER TABLE flowstream.accounts ENABLE TRIGGER accounts_guard;
    ALTER TABLE flowstream.flows ENABLE TRIGGER flows_guard;

    PERFORM setval('flowstream.events_id_seq', (SELECT max(id) FROM flowstream.events));
    PERFORM setval('flowstream.accounts_id_seq', (SELECT max(id) FROM flowstream.accounts));
    PERFORM setval('flowstream.flows_id_seq', greatest((SELECT max(id) FROM flowstream.flows), 1));
END
$$;
