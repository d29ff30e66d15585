--
-- user_tables_property: a user's table kept by flowstream.stream_trigger()
-- against the managed layer, over the same random sequences.
--
-- 160 streams, at 0, 2, 6 or 18 decimals (a fifth of them starting in the
-- future), each taken through 60 random steps: 9,600 operations, each done
-- twice, at the same time of the test clock —
--   on the user's table                  on the managed layer
--   UPDATE subs SET rate = r             UPDATE streams_now SET rate_per_second = r
--     (0 pauses, a rate on a paused stream restarts it, the same rate is nothing)
--   UPDATE subs SET voided = true        UPDATE streams_now SET voided = true
--   SET state = deposit(state, a, now)   flowstream.deposit(id, a)
--   SET state = withdraw(state, a, now)  flowstream.withdraw(id, a)
--   SET state = refund(state, a, now)    flowstream.refund(id, a)
-- with times that repeat or move on by microseconds, seconds or days, and
-- amounts within and beyond what may be withdrawn or refunded, or with a
-- digit too many.  After each step, both give the same outcome (or the same
-- SQLSTATE), the same state exactly, hence the same debts to the base unit,
-- and the table's plain rate and voided columns are the state's.  At the
-- end: verify_history() and verify() are clean, and at 20 random past times
-- per stream state_in_history() rebuilds the state that the managed
-- history's state_at() gives.  It prints only a summary.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
DROP SCHEMA IF EXISTS utp CASCADE;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE SCHEMA utp;
INSERT INTO flowstream.tokens VALUES ('UTP0', 0), ('UTP2', 2), ('UTP6', 6), ('UTP18', 18)
    ON CONFLICT DO NOTHING;

CREATE TABLE utp.subs (
    id bigint PRIMARY KEY,
    dec int NOT NULL,
    rate numeric NOT NULL,
    voided boolean NOT NULL DEFAULT false,
    state flowstream.stream
);
CREATE TABLE utp.subs_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sub_id bigint NOT NULL,
    op flowstream.op NOT NULL,
    at timestamptz NOT NULL,
    balance_change numeric NOT NULL,
    debt_change numeric NOT NULL,
    state flowstream.stream NOT NULL
);
CREATE INDEX ON utp.subs_history (sub_id, id);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON utp.subs FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'voided=voided', 'decimals_column=dec',
                                               'history=subs_history', 'history_key=sub_id');
CREATE TABLE utp.mismatches (step int, stream bigint, op text, what text);
CREATE TABLE utp.times (stream bigint, at timestamptz);

-- runs q; NULL, or the SQLSTATE it failed with
CREATE FUNCTION utp.outcome(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- a random positive amount (up to 10^6) or rate (up to 0.1 per second)
-- with at most digits fractional digits
CREATE FUNCTION utp.amount(digits int) RETURNS numeric LANGUAGE sql AS $$
    SELECT greatest(trunc((random() * 10 ^ (random() * 6))::numeric, digits), ('1e-' || digits)::numeric)
$$;
CREATE FUNCTION utp.rate(digits int) RETURNS numeric LANGUAGE sql AS $$
    SELECT greatest(trunc((random() * 10 ^ (-1 - random() * 5))::numeric, digits), ('1e-' || digits)::numeric)
$$;

CREATE FUNCTION utp.run(n_streams int, steps int, OUT ops int, OUT mismatches bigint, OUT outcomes text,
                        OUT statuses text)
LANGUAGE plpgsql AS $$
DECLARE
    tokens constant text[] := ARRAY['UTP0', 'UTP2', 'UTP6', 'UTP18'];
    decs constant int[] := ARRAY[0, 2, 6, 18];
    t timestamptz;
    k int;
    sid bigint;
    sdec int;
    r double precision;
    op text;
    a numeric;
    u text;
    m text;
    us flowstream.stream;
    ms flowstream.stream;
    tally jsonb := '{}';
    seen jsonb := '{}';
    label text;
BEGIN
    ops := 0;
    FOR s IN 1 .. n_streams LOOP
        t := '2026-01-01 00:00:00+00'::timestamptz + (s || ' minutes')::interval;
        PERFORM set_config('flowstream.clock', t::text, false);
        k := 1 + floor(random() * 4)::int;
        sdec := decs[k];
        a := utp.rate(18);                  -- the first rate
        IF random() < 0.2 THEN
            sid := flowstream.create_stream('postgres', 'utp_bob', tokens[k], a,
                                           start_time => t + (floor(random() * 86400) + 1 || ' seconds')::interval);
            INSERT INTO utp.subs (id, dec, rate, state)
                SELECT sid, sdec, NULL, e.state FROM flowstream.events e WHERE e.stream_id = sid;
        ELSE
            IF random() < 0.15 THEN a := 0; END IF;
            sid := flowstream.create_stream('postgres', 'utp_bob', tokens[k], a);
            INSERT INTO utp.subs (id, dec, rate) VALUES (sid, sdec, a);
        END IF;
        INSERT INTO utp.times VALUES (sid, t);
        ops := ops + 1;

        FOR step IN 1 .. steps LOOP
            r := random();
            t := t + CASE WHEN r < 0.1 THEN interval '0'
                          WHEN r < 0.3 THEN (floor(random() * 1000) || ' microseconds')::interval
                          WHEN r < 0.7 THEN (floor(random() * 3600) || ' seconds')::interval
                          ELSE (floor(random() * 30 * 86400) || ' seconds')::interval END;
            PERFORM set_config('flowstream.clock', t::text, false);
            SELECT state INTO us FROM utp.subs WHERE subs.id = sid;
            r := random();
            IF r < 0.33 THEN
                op := 'rate';
                r := random();
                a := CASE WHEN r < 0.2 THEN 0
                          WHEN r < 0.3 THEN flowstream.rate_per_second(us)
                          ELSE utp.rate(floor(random() * 19)::int) END;
                u := utp.outcome(format('UPDATE utp.subs SET rate = %s WHERE id = %s', a, sid));
                m := utp.outcome(format('UPDATE flowstream.streams_now SET rate_per_second = %s WHERE id = %s', a, sid));
            ELSIF r < 0.34 THEN
                op := 'void';
                u := utp.outcome(format('UPDATE utp.subs SET voided = true WHERE id = %s', sid));
                m := utp.outcome(format('UPDATE flowstream.streams_now SET voided = true WHERE id = %s', sid));
            ELSIF r < 0.65 THEN
                op := 'deposit';
                a := utp.amount(CASE WHEN random() < 0.05 THEN sdec + 1 ELSE sdec END);
                u := utp.outcome(format('UPDATE utp.subs SET state = flowstream.deposit(state, %s, flowstream.now()) '
                                        'WHERE id = %s', a, sid));
                m := utp.outcome(format('SELECT flowstream.deposit(%s, %s)', sid, a));
            ELSE
                op := CASE WHEN r < 0.85 THEN 'withdraw' ELSE 'refund' END;
                a := CASE WHEN op = 'withdraw' THEN flowstream.withdrawable(us, t) ELSE flowstream.refundable(us, t) END;
                r := random();
                a := CASE WHEN r < 0.15 THEN a                         -- all of it
                          WHEN r < 0.3 THEN a + ('1e-' || sdec)::numeric -- a base unit too many
                          WHEN r < 0.8 THEN trunc(a * random()::numeric, sdec)
                          ELSE utp.amount(sdec) END;
                IF a <= 0 THEN a := ('1e-' || sdec)::numeric; END IF;
                u := utp.outcome(format('UPDATE utp.subs SET state = flowstream.%s(state, %s, flowstream.now()) '
                                        'WHERE id = %s', op, a, sid));
                m := utp.outcome(format('SELECT flowstream.%s(%s, %s)', op, sid, a));
            END IF;
            ops := ops + 1;
            label := op || ':' || coalesce(u, 'ok');
            tally := jsonb_set(tally, ARRAY[label], to_jsonb(coalesce((tally ->> label)::int, 0) + 1));
            IF u IS DISTINCT FROM m THEN
                INSERT INTO utp.mismatches VALUES (step, sid, op, format('outcome %s <> managed %s', u, m));
            END IF;

            -- the same state exactly, hence the same debts; the plain columns in step
            SELECT state INTO us FROM utp.subs WHERE subs.id = sid;
            SELECT state INTO ms FROM flowstream.streams WHERE streams.id = sid;
            IF NOT us OPERATOR(flowstream.=) ms THEN
                INSERT INTO utp.mismatches VALUES (step, sid, op, format('state %s <> managed %s', us, ms));
            END IF;
            IF (flowstream.total_debt(us, t), flowstream.covered_debt(us, t), flowstream.uncovered_debt(us, t))
               IS DISTINCT FROM
               (flowstream.total_debt(ms, t), flowstream.covered_debt(ms, t), flowstream.uncovered_debt(ms, t)) THEN
                INSERT INTO utp.mismatches VALUES (step, sid, op, 'debts differ');
            END IF;
            IF EXISTS (SELECT FROM utp.subs WHERE subs.id = sid
                       AND (subs.rate <> flowstream.rate_per_second(us) OR subs.voided <> flowstream.is_voided(us))) THEN
                INSERT INTO utp.mismatches VALUES (step, sid, op, 'plain columns out of step');
            END IF;
            label := flowstream.status(us, t)::text;
            seen := jsonb_set(seen, ARRAY[label], 'true');
            INSERT INTO utp.times VALUES (sid, t);
        END LOOP;
    END LOOP;
    mismatches := (SELECT count(*) FROM utp.mismatches);
    outcomes := (SELECT string_agg(key || '=' || value, ' ' ORDER BY key) FROM jsonb_each_text(tally));
    statuses := (SELECT string_agg(key, ' ' ORDER BY key) FROM jsonb_each(seen));
END $$;

SELECT setseed(0.17);
SELECT * FROM utp.run(160, 60);
SELECT * FROM utp.mismatches ORDER BY stream, step LIMIT 10;

-- the history and the managed layer's history are both clean
SELECT count(*) AS history_problems FROM flowstream.verify_history('utp.subs', 'utp.subs_history');
SELECT count(*) AS managed_problems FROM flowstream.verify() v WHERE v.stream_id IN (SELECT id FROM utp.subs);
SELECT count(*) AS changes, count(DISTINCT sub_id) AS streams FROM utp.subs_history;
SELECT op, count(*) FROM utp.subs_history GROUP BY op ORDER BY op;

-- the state at past times: the operations' own times, and random times
-- between and after them, rebuilt from each history
CREATE TABLE utp.past AS
    SELECT stream, at FROM utp.times
    UNION ALL
    SELECT id, '2026-01-01 00:00:00+00'::timestamptz + random() * (max_at - '2026-01-01 00:00:00+00'::timestamptz + interval '1 day')
    FROM (SELECT stream AS id, max(at) AS max_at FROM utp.times GROUP BY stream) x, generate_series(1, 20);
SELECT count(*) AS past_times,
       count(*) FILTER (WHERE (r.rebuilt IS NULL) <> (r.managed IS NULL)
                              OR NOT r.rebuilt OPERATOR(flowstream.=) r.managed) AS rebuilt_differently,
       count(*) FILTER (WHERE r.rebuilt IS NULL) AS before_creation
FROM utp.past p,
     LATERAL (SELECT flowstream.state_in_history('utp.subs_history', p.stream, p.at) AS rebuilt,
                     flowstream.state_at(p.stream, p.at) AS managed) r;

RESET flowstream.clock;
DROP SCHEMA utp CASCADE;
