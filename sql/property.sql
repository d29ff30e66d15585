--
-- property: a randomized test of the pure functions against an independent
-- model in exact numeric arithmetic.
--
-- 1000 streams of 200 random operations each, the creation included
-- (200,000 operations), with random decimals (0, 6, 18 and others), rates
-- from 1e-18 to 1e20 token/s,
-- starts in the past, now or the future, deposits up to the 2^127-1 limit,
-- times that repeat, go back, jump to the depletion time +/- 1 us, or are
-- infinite, and invalid amounts and rates.
--
-- The model keeps, per stream: the exact accrual sum(rate_i * dt_i) (in
-- tokens, dt to the microsecond), the sums deposited / withdrawn / refunded,
-- the rate, the time the accrual is counted from, the last operation, and
-- for a voided stream the debt it still owes.  Before each operation it
-- predicts the outcome: 'ok' or the SQLSTATE of SPEC 5, in SPEC 5's order
-- (time out of range 22023, SF010, status errors, amount errors).  After
-- each successful operation it checks, at the operation's time:
--   balance, total / covered / uncovered debt, withdrawable, refundable and
--   status equal the model's;
--   balance = covered + refundable;
--   sum deposited = balance + sum withdrawn + sum refunded;
--   floor(sum rate_i * dt_i * 10^decimals) = (total debt + withdrawn) * 10^decimals
--   for a stream that is not voided, and snapshot_debt + ongoing_debt =
--   sum rate_i * dt_i - withdrawn exactly (the sub-unit remainder is kept);
--   a voided stream has no uncovered debt and stays voided;
--   the depletion time is the model's (first microsecond with an uncovered
--   unit, infinity beyond timestamptz, NULL at rate 0);
--   the snapshot time never decreases (but when a pending stream is voided),
--   last_op is the operation's time, the text form round-trips.
-- It prints only a summary: the number of operations, of failures (0), and
-- the outcomes and statuses seen.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- the error an amount (scale = decimals) or a rate (scale = 18) argument
-- gets, or NULL when it is valid
CREATE FUNCTION pg_temp.arg_error(a numeric, scale int) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF a = 'NaN' OR a = 'Infinity' OR a = '-Infinity' THEN
        RETURN '22023';
    ELSIF a <> trunc(a, scale) OR a <= 0 THEN
        RETURN '22023';
    ELSIF a > 170141183460469231731687303715884105727 * ('1e-' || scale)::numeric THEN
        RETURN '22003';
    END IF;
    RETURN NULL;
END $$;

-- microseconds from a to b, exactly
CREATE FUNCTION pg_temp.us(a timestamptz, b timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT (extract(epoch FROM b) - extract(epoch FROM a)) * 1000000
$$;

CREATE FUNCTION pg_temp.property(n_streams int, ops_per_stream int)
RETURNS TABLE (ops bigint, failures bigint, outcomes text, statuses text)
LANGUAGE plpgsql AS $$
DECLARE
    maxu constant numeric := 170141183460469231731687303715884105727;
    tmax constant timestamptz := '294276-12-31 23:59:59.999999+00';
    base constant timestamptz := '2026-01-01 00:00:00+00';
    ops_names constant text[] := ARRAY['deposit', 'withdraw', 'refund', 'pause', 'restart', 'adjust_rate', 'void'];
    s flowstream.stream;
    ns flowstream.stream;
    -- the model
    dec int; unit numeric; rate numeric; accrued numeric; acc_time timestamptz;
    last timestamptz; bal numeric; dep numeric; wd numeric; wd_total numeric; rf numeric;
    voided boolean; void_td numeric; hint numeric; big boolean;
    -- one operation
    created timestamptz; start timestamptz; t timestamptz; op text; a numeric;
    expect text; got text; mtd numeric; cov numeric; refundable numeric; pending boolean;
    mstatus flowstream.status; st_before timestamptz; r double precision;
    xt numeric; x numeric; y numeric; dus numeric; exp_us numeric; d timestamptz; ok boolean;
    -- tallies
    n bigint := 0; nfail bigint := 0;
    seen_outcomes text[] := '{}'; seen_statuses text[] := '{}';
BEGIN
    FOR i IN 1 .. n_streams LOOP
        -- a new stream
        big := random() < 0.1;
        r := random();
        dec := CASE WHEN r < 0.25 THEN 0 WHEN r < 0.5 THEN 6 WHEN r < 0.75 THEN 18
                    ELSE floor(random() * 19)::int END;
        unit := ('1e-' || dec)::numeric;
        created := base + floor(random() * 365 * 86400e6)::bigint * interval '1 microsecond';
        r := random();
        start := CASE WHEN r < 0.3 THEN created - floor(random() * 10 * 86400e6)::bigint * interval '1 microsecond'
                      WHEN r < 0.5 THEN created
                      ELSE created + floor(random() * 2 * 86400e6)::bigint * interval '1 microsecond' END;
        hint := (1 + floor(random() * 1e6)::numeric) *
                ('1e' || (-CASE WHEN big THEN -14 + floor(random() * 33)::int
                                ELSE 6 + floor(random() * 13)::int END)::text)::numeric;
        rate := CASE WHEN random() < 0.1 THEN 0 ELSE hint END;
        -- rate 0 is refused for a start in the future (22023): then a positive rate
        n := n + 1;
        expect := CASE WHEN rate = 0 AND start > created THEN '22023' ELSE 'ok' END;
        BEGIN
            s := flowstream.stream(rate, dec, start, created);
            got := 'ok';
        EXCEPTION WHEN OTHERS THEN
            got := SQLSTATE;
        END;
        IF NOT got = ANY (seen_outcomes) THEN seen_outcomes := seen_outcomes || got; END IF;
        IF got <> expect THEN
            nfail := nfail + 1;
            RAISE NOTICE 'stream %: create(%, %, %, %): expected %, got %', i, rate, dec, start, created, expect, got;
            CONTINUE;
        END IF;
        IF got <> 'ok' THEN
            rate := hint;
            s := flowstream.stream(rate, dec, start, created);
        END IF;
        accrued := 0; acc_time := start; last := created;
        bal := 0; dep := 0; wd := 0; wd_total := 0; rf := 0; voided := false; void_td := 0;

        FOR k IN 1 .. ops_per_stream LOOP
            n := n + 1;
            -- the time
            r := random();
            IF r < 0.05 THEN
                t := last - (1 + floor(random() * 1e7)::bigint) * interval '1 microsecond';
            ELSIF r < 0.15 THEN
                t := last;
            ELSIF r < 0.25 THEN
                d := flowstream.depletion_time(s);
                IF d IS NOT NULL AND d < 'infinity' AND d > last THEN
                    t := d + (floor(random() * 3)::int - 1) * interval '1 microsecond';
                ELSE
                    t := last + (1 + floor(random() * 1e6)::bigint) * interval '1 microsecond';
                END IF;
            ELSIF r < 0.26 THEN
                t := CASE WHEN random() < 0.5 THEN 'infinity'::timestamptz ELSE '-infinity'::timestamptz END;
            ELSIF r < 0.35 THEN
                t := last + (1 + floor(random() * 1000)::bigint) * interval '1 microsecond';
            ELSE
                t := last + floor(random() * 5e9)::bigint * interval '1 microsecond';
            END IF;

            -- the model's view at t (when t is a stream time)
            IF isfinite(t) THEN
                pending := acc_time > t;
                IF voided THEN
                    mtd := void_td;
                ELSIF t > acc_time THEN
                    mtd := trunc(accrued + rate * pg_temp.us(acc_time, t) * 0.000001, dec) - wd;
                ELSE
                    mtd := trunc(accrued, dec) - wd;
                END IF;
                cov := least(bal, mtd);
                refundable := bal - cov;
            END IF;

            -- the operation and its argument
            r := random();
            -- void is terminal: rare, but common near the end of a stream's life
            op := CASE WHEN r < (CASE WHEN k > ops_per_stream * 0.9 THEN 0.05 ELSE 0.002 END) THEN 'void'
                       WHEN r < 0.22 THEN 'deposit' WHEN r < 0.44 THEN 'withdraw' WHEN r < 0.56 THEN 'refund'
                       WHEN r < 0.68 THEN 'pause' WHEN r < 0.80 THEN 'restart' ELSE 'adjust_rate' END;
            a := NULL;
            IF op IN ('deposit', 'withdraw', 'refund') THEN
                r := random();
                IF r < 0.07 THEN
                    -- invalid amounts
                    a := (ARRAY['NaN', 'Infinity', '-Infinity', '0', '-1'])[1 + floor(random() * 5)::int]::numeric;
                    IF a = -1 THEN a := -(unit * (1 + floor(random() * 1000)::numeric)); END IF;
                ELSIF r < 0.10 THEN
                    -- one digit too many
                    a := unit * (1 + floor(random() * 1000)::numeric) + unit / 10;
                ELSIF op = 'deposit' AND r < 0.13 THEN
                    -- near the 2^127-1 limit
                    a := greatest(maxu * unit - bal + unit * (floor(random() * 3)::numeric - 1), unit);
                ELSIF op = 'deposit' THEN
                    a := trunc(hint * random()::numeric * 200000, dec) + unit;
                ELSIF isfinite(t) AND r < 0.2 THEN
                    -- one unit too much
                    a := CASE op WHEN 'withdraw' THEN cov ELSE refundable END + unit;
                ELSIF isfinite(t) THEN
                    a := greatest(trunc(CASE op WHEN 'withdraw' THEN cov ELSE refundable END * random()::numeric, dec), unit);
                    IF random() < 0.3 THEN
                        a := CASE op WHEN 'withdraw' THEN greatest(cov, unit) ELSE greatest(refundable, unit) END;
                    END IF;
                ELSE
                    a := unit;
                END IF;
            ELSIF op IN ('restart', 'adjust_rate') THEN
                r := random();
                IF r < 0.07 THEN
                    a := (ARRAY['NaN', '0', '-0.5', 'Infinity'])[1 + floor(random() * 4)::int]::numeric;
                ELSIF r < 0.10 THEN
                    a := hint + 0.0000000000000000001;
                ELSIF r < 0.15 AND rate > 0 THEN
                    a := rate;
                ELSIF r < 0.17 THEN
                    a := 170141183460469231731.687303715884105728;
                ELSE
                    a := (1 + floor(random() * 1e6)::numeric) *
                         ('1e' || (-CASE WHEN big THEN -14 + floor(random() * 33)::int
                                         ELSE 6 + floor(random() * 13)::int END)::text)::numeric;
                END IF;
            END IF;

            -- the expected outcome, in SPEC 5's order
            expect := 'ok';
            IF NOT isfinite(t) THEN
                expect := '22023';
            ELSIF t < last THEN
                expect := 'SF010';
            ELSIF op = 'deposit' THEN
                expect := CASE WHEN voided THEN 'SF002'
                               WHEN pg_temp.arg_error(a, dec) IS NOT NULL THEN pg_temp.arg_error(a, dec)
                               WHEN bal + a > maxu * unit THEN '22003'
                               ELSE 'ok' END;
            ELSIF op = 'withdraw' THEN
                expect := CASE WHEN pg_temp.arg_error(a, dec) IS NOT NULL THEN pg_temp.arg_error(a, dec)
                               WHEN a > cov THEN 'SF006' ELSE 'ok' END;
            ELSIF op = 'refund' THEN
                expect := CASE WHEN pg_temp.arg_error(a, dec) IS NOT NULL THEN pg_temp.arg_error(a, dec)
                               WHEN a > refundable THEN 'SF007' ELSE 'ok' END;
            ELSIF op = 'pause' THEN
                expect := CASE WHEN pending THEN 'SF005' WHEN voided OR rate = 0 THEN 'SF003' ELSE 'ok' END;
            ELSIF op = 'restart' THEN
                expect := CASE WHEN pending THEN 'SF004' WHEN voided THEN 'SF002' WHEN rate <> 0 THEN 'SF004'
                               WHEN pg_temp.arg_error(a, 18) IS NOT NULL THEN pg_temp.arg_error(a, 18)
                               ELSE 'ok' END;
            ELSIF op = 'adjust_rate' THEN
                expect := CASE WHEN NOT pending AND (voided OR rate = 0) THEN 'SF003'
                               WHEN pg_temp.arg_error(a, 18) IS NOT NULL THEN pg_temp.arg_error(a, 18)
                               WHEN a = rate THEN 'SF008' ELSE 'ok' END;
            ELSIF op = 'void' THEN
                expect := CASE WHEN voided THEN 'SF002' ELSE 'ok' END;
            END IF;

            -- the operation
            BEGIN
                ns := CASE op
                    WHEN 'deposit' THEN flowstream.deposit(s, a, t)
                    WHEN 'withdraw' THEN flowstream.withdraw(s, a, t)
                    WHEN 'refund' THEN flowstream.refund(s, a, t)
                    WHEN 'pause' THEN flowstream.pause(s, t)
                    WHEN 'restart' THEN flowstream.restart(s, a, t)
                    WHEN 'adjust_rate' THEN flowstream.adjust_rate(s, a, t)
                    WHEN 'void' THEN flowstream.void(s, t) END;
                got := 'ok';
            EXCEPTION WHEN OTHERS THEN
                got := SQLSTATE;
            END;
            IF NOT got = ANY (seen_outcomes) THEN seen_outcomes := seen_outcomes || got; END IF;
            IF got <> expect THEN
                nfail := nfail + 1;
                IF nfail <= 20 THEN
                    RAISE NOTICE 'stream % op %: %(%, %) at % on %: expected %, got %',
                        i, k, op, s, a, t, flowstream.status(s, greatest(t, last)), expect, got;
                END IF;
                EXIT;   -- the model no longer follows this stream
            END IF;
            CONTINUE WHEN got <> 'ok';

            -- the model follows
            st_before := flowstream.snapshot_time(s);
            CASE op
                WHEN 'deposit' THEN
                    bal := bal + a; dep := dep + a;
                WHEN 'withdraw' THEN
                    bal := bal - a; wd_total := wd_total + a;
                    IF voided THEN void_td := void_td - a; ELSE wd := wd + a; END IF;
                WHEN 'refund' THEN
                    bal := bal - a; rf := rf + a;
                WHEN 'pause' THEN
                    IF t > acc_time THEN accrued := accrued + rate * pg_temp.us(acc_time, t) * 0.000001; acc_time := t; END IF;
                    rate := 0;
                WHEN 'restart' THEN
                    acc_time := greatest(acc_time, t); rate := a;
                WHEN 'adjust_rate' THEN
                    IF t > acc_time THEN accrued := accrued + rate * pg_temp.us(acc_time, t) * 0.000001; acc_time := t; END IF;
                    rate := a;
                WHEN 'void' THEN
                    IF t >= acc_time THEN
                        accrued := accrued + rate * pg_temp.us(acc_time, t) * 0.000001;
                        void_td := least(trunc(accrued, dec) - wd, bal);
                    ELSE
                        void_td := 0;
                    END IF;
                    acc_time := t; rate := 0; voided := true;
            END CASE;
            s := ns;
            last := t;

            -- the model's view after the operation
            IF voided THEN
                mtd := void_td;
                xt := NULL;
            ELSE
                -- the exact accrual up to t, sum(rate_i * dt_i), in tokens
                xt := accrued + CASE WHEN t > acc_time THEN rate * pg_temp.us(acc_time, t) * 0.000001 ELSE 0 END;
                mtd := trunc(xt, dec) - wd;
            END IF;
            cov := least(bal, mtd);
            mstatus := CASE WHEN acc_time > t THEN 'pending'
                            WHEN voided THEN 'voided'
                            WHEN rate = 0 AND mtd > bal THEN 'paused_insolvent'
                            WHEN rate = 0 THEN 'paused_solvent'
                            WHEN mtd > bal THEN 'streaming_insolvent'
                            ELSE 'streaming_solvent' END;
            IF NOT mstatus::text = ANY (seen_statuses) THEN seen_statuses := seen_statuses || mstatus::text; END IF;

            -- the expected depletion time, in microseconds since the epoch:
            -- the first us with accrual >= withdrawn + balance + 1 unit,
            -- not before the snapshot time
            IF rate = 0 THEN
                exp_us := NULL;
            ELSE
                x := (wd + bal + unit - accrued) * 1e24;      -- 1e-24 tokens still to accrue
                y := rate * 1e18;                              -- 1e-24 tokens a microsecond
                dus := CASE WHEN x <= 0 THEN 0 ELSE div(x + y - 1, y) END;
                exp_us := greatest(extract(epoch FROM acc_time) * 1000000 + dus,
                                   extract(epoch FROM flowstream.snapshot_time(s)) * 1000000);
                IF exp_us > extract(epoch FROM tmax) * 1000000 THEN
                    exp_us := 'Infinity';
                END IF;
            END IF;
            d := flowstream.depletion_time(s);

            ok := flowstream.balance(s) = bal
              AND flowstream.total_debt(s, t) = mtd
              AND flowstream.covered_debt(s, t) = cov
              AND flowstream.withdrawable(s, t) = cov
              AND flowstream.uncovered_debt(s, t) = greatest(mtd - bal, 0)
              AND flowstream.refundable(s, t) = bal - cov
              -- balance = covered + refundable, on the function's own numbers
              AND flowstream.balance(s) = flowstream.covered_debt(s, t) + flowstream.refundable(s, t)
              -- sum deposits = balance + sum withdrawn + sum refunded
              AND dep = flowstream.balance(s) + wd_total + rf
              -- floor(sum rate_i dt_i) = total debt + withdrawn, for a stream not voided
              AND (voided OR floor(xt * ('1e' || dec)::numeric)
                             = (flowstream.total_debt(s, t) + wd) * ('1e' || dec)::numeric)
              -- and the sub-unit remainder is kept exactly: sd + ongoing = sum(rate_i dt_i) - withdrawn
              AND (voided OR flowstream.snapshot_debt(s) + flowstream.ongoing_debt(s, t) = xt - wd)
              AND (NOT voided OR flowstream.ongoing_debt(s, t) = 0)
              -- voided: no uncovered debt, and it stays voided
              AND (NOT voided OR (flowstream.uncovered_debt(s, t) = 0 AND flowstream.is_voided(s)))
              AND flowstream.is_voided(s) = voided
              AND flowstream.status(s, t) = mstatus
              AND flowstream.rate_per_second(s) = rate
              AND flowstream.decimals(s) = dec
              AND flowstream.last_op(s) = t
              AND (flowstream.snapshot_time(s) >= st_before OR (op = 'void' AND st_before > t))
              AND flowstream.stream_cmp(s::text::flowstream.stream, s) = 0
              AND CASE WHEN exp_us IS NULL THEN d IS NULL
                       WHEN exp_us = 'Infinity' THEN d = 'infinity'
                       ELSE extract(epoch FROM d) * 1000000 = exp_us END;
            IF ok IS NOT TRUE THEN
                nfail := nfail + 1;
                IF nfail <= 20 THEN
                    RAISE NOTICE 'stream % op %: % (%) at % gave %: model balance %, debt %, status %, depletion %; got %, %, %, %',
                        i, k, op, a, t, s, bal, mtd, mstatus, exp_us,
                        flowstream.balance(s), flowstream.total_debt(s, t), flowstream.status(s, t), d;
                END IF;
                EXIT;
            END IF;
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT n, nfail,
        (SELECT string_agg(o, ' ' ORDER BY o) FROM unnest(seen_outcomes) o),
        (SELECT string_agg(o, ' ' ORDER BY o) FROM unnest(seen_statuses) o);
END $$;

SELECT setseed(0.42);
SELECT * FROM pg_temp.property(1000, 199);

--
-- property_end: the same for streams with an end time (SPEC 7), against a
-- model whose accrual stops at the end: sum(rate_i * dt_i) with each dt_i
-- cut at the end.  400 streams of 125 operations (50,000), three in four
-- with an end 1 us to 10 days after their start (some already past at
-- creation, for a start in the past), times that jump to the end +/- 1 us,
-- and set_terms (an agreed update: a rate and an end or none, with its
-- snapshot; a paused stream restarts) among the operations.  Beside the
-- checks above: after the end nothing accrues and the status is
-- ended_solvent or ended_insolvent; pause, restart, adjust_rate and
-- set_terms are SF012 there; the depletion time is NULL when the balance
-- lasts to the end; end_time() is the model's.
--
CREATE FUNCTION pg_temp.property_end(n_streams int, ops_per_stream int)
RETURNS TABLE (ops bigint, failures bigint, outcomes text, statuses text)
LANGUAGE plpgsql AS $$
DECLARE
    maxu constant numeric := 170141183460469231731687303715884105727;
    tmax constant timestamptz := '294276-12-31 23:59:59.999999+00';
    base constant timestamptz := '2026-01-01 00:00:00+00';
    s flowstream.stream;
    ns flowstream.stream;
    -- the model
    dec int; unit numeric; rate numeric; accrued numeric; acc_time timestamptz; fin timestamptz;
    last timestamptz; bal numeric; dep numeric; wd numeric; wd_total numeric; rf numeric;
    voided boolean; void_td numeric; hint numeric; big boolean;
    -- one operation
    created timestamptz; start timestamptz; t timestamptz; op text; a numeric; e timestamptz;
    expect text; got text; mtd numeric; cov numeric; refundable numeric; pending boolean; ended boolean;
    mstatus flowstream.status; st_before timestamptz; r double precision;
    xt numeric; x numeric; y numeric; dus numeric; raw_us numeric; exp_us numeric; d timestamptz; ok boolean;
    -- tallies
    n bigint := 0; nfail bigint := 0;
    seen_outcomes text[] := '{}'; seen_statuses text[] := '{}';
BEGIN
    FOR i IN 1 .. n_streams LOOP
        big := random() < 0.1;
        r := random();
        dec := CASE WHEN r < 0.25 THEN 0 WHEN r < 0.5 THEN 6 WHEN r < 0.75 THEN 18
                    ELSE floor(random() * 19)::int END;
        unit := ('1e-' || dec)::numeric;
        created := base + floor(random() * 365 * 86400e6)::bigint * interval '1 microsecond';
        r := random();
        start := CASE WHEN r < 0.3 THEN created - floor(random() * 10 * 86400e6)::bigint * interval '1 microsecond'
                      WHEN r < 0.5 THEN created
                      ELSE created + floor(random() * 2 * 86400e6)::bigint * interval '1 microsecond' END;
        hint := (1 + floor(random() * 1e6)::numeric) *
                ('1e' || (-CASE WHEN big THEN -14 + floor(random() * 33)::int
                                ELSE 6 + floor(random() * 13)::int END)::text)::numeric;
        rate := CASE WHEN random() < 0.1 THEN 0 ELSE hint END;
        r := random();
        fin := CASE WHEN r < 0.25 THEN NULL
                    WHEN r < 0.27 THEN start     -- not after the start: 22023
                    WHEN r < 0.35 THEN start + (1 + floor(random() * 1000)::bigint) * interval '1 microsecond'
                    ELSE start + (1 + floor(random() * 10 * 86400e6)::bigint) * interval '1 microsecond' END;
        n := n + 1;
        expect := CASE WHEN rate = 0 AND start > created THEN '22023'
                       WHEN fin IS NOT NULL AND fin <= start THEN '22023' ELSE 'ok' END;
        BEGIN
            s := CASE WHEN fin IS NULL THEN flowstream.stream(rate, dec, start, created)
                      ELSE flowstream.stream(rate, dec, start, created, fin) END;
            got := 'ok';
        EXCEPTION WHEN OTHERS THEN
            got := SQLSTATE;
        END;
        IF NOT got = ANY (seen_outcomes) THEN seen_outcomes := seen_outcomes || got; END IF;
        IF got <> expect THEN
            nfail := nfail + 1;
            RAISE NOTICE 'stream %: create(%, %, %, %, %): expected %, got %', i, rate, dec, start, created, fin, expect, got;
            CONTINUE;
        END IF;
        IF got <> 'ok' THEN
            rate := hint;
            fin := CASE WHEN fin IS NULL THEN NULL ELSE start + interval '1 day' END;
            s := CASE WHEN fin IS NULL THEN flowstream.stream(rate, dec, start, created)
                      ELSE flowstream.stream(rate, dec, start, created, fin) END;
        END IF;
        accrued := 0; acc_time := start; last := created;
        bal := 0; dep := 0; wd := 0; wd_total := 0; rf := 0; voided := false; void_td := 0;

        FOR k IN 1 .. ops_per_stream LOOP
            n := n + 1;
            -- the time
            r := random();
            IF r < 0.05 THEN
                t := last - (1 + floor(random() * 1e7)::bigint) * interval '1 microsecond';
            ELSIF r < 0.15 THEN
                t := last;
            ELSIF r < 0.22 THEN
                d := flowstream.depletion_time(s);
                IF d IS NOT NULL AND d < 'infinity' AND d > last THEN
                    t := d + (floor(random() * 3)::int - 1) * interval '1 microsecond';
                ELSE
                    t := last + (1 + floor(random() * 1e6)::bigint) * interval '1 microsecond';
                END IF;
            ELSIF r < 0.32 THEN
                IF fin IS NOT NULL AND fin > last THEN
                    t := fin + (floor(random() * 3)::int - 1) * interval '1 microsecond';
                ELSE
                    t := last + (1 + floor(random() * 1e6)::bigint) * interval '1 microsecond';
                END IF;
            ELSIF r < 0.33 THEN
                t := CASE WHEN random() < 0.5 THEN 'infinity'::timestamptz ELSE '-infinity'::timestamptz END;
            ELSIF r < 0.40 THEN
                t := last + (1 + floor(random() * 1000)::bigint) * interval '1 microsecond';
            ELSE
                t := last + floor(random() * 2e11)::bigint * interval '1 microsecond';
            END IF;

            -- the model's view at t: accrual cut at the end
            IF isfinite(t) THEN
                pending := acc_time > t;
                ended := fin IS NOT NULL AND t >= fin;
                IF voided THEN
                    mtd := void_td;
                ELSIF least(t, coalesce(fin, t)) > acc_time THEN
                    mtd := trunc(accrued + rate * pg_temp.us(acc_time, least(t, coalesce(fin, t))) * 0.000001, dec) - wd;
                ELSE
                    mtd := trunc(accrued, dec) - wd;
                END IF;
                cov := least(bal, mtd);
                refundable := bal - cov;
            END IF;

            -- the operation and its arguments
            r := random();
            op := CASE WHEN r < (CASE WHEN k > ops_per_stream * 0.9 THEN 0.05 ELSE 0.002 END) THEN 'void'
                       WHEN r < 0.20 THEN 'deposit' WHEN r < 0.38 THEN 'withdraw' WHEN r < 0.48 THEN 'refund'
                       WHEN r < 0.58 THEN 'pause' WHEN r < 0.68 THEN 'restart' WHEN r < 0.80 THEN 'adjust_rate'
                       ELSE 'set_terms' END;
            a := NULL;
            e := NULL;
            IF op IN ('deposit', 'withdraw', 'refund') THEN
                r := random();
                IF r < 0.05 THEN
                    a := (ARRAY['NaN', '0', '-1'])[1 + floor(random() * 3)::int]::numeric;
                    IF a = -1 THEN a := -unit; END IF;
                ELSIF r < 0.07 THEN
                    a := unit * (1 + floor(random() * 1000)::numeric) + unit / 10;
                ELSIF op = 'deposit' THEN
                    a := trunc(hint * random()::numeric * 200000, dec) + unit;
                ELSIF isfinite(t) AND r < 0.2 THEN
                    a := CASE op WHEN 'withdraw' THEN cov ELSE refundable END + unit;
                ELSIF isfinite(t) THEN
                    a := greatest(trunc(CASE op WHEN 'withdraw' THEN cov ELSE refundable END * random()::numeric, dec), unit);
                    IF random() < 0.3 THEN
                        a := CASE op WHEN 'withdraw' THEN greatest(cov, unit) ELSE greatest(refundable, unit) END;
                    END IF;
                ELSE
                    a := unit;
                END IF;
            ELSIF op IN ('restart', 'adjust_rate', 'set_terms') THEN
                r := random();
                IF r < 0.05 THEN
                    a := (ARRAY['NaN', '0', '-0.5'])[1 + floor(random() * 3)::int]::numeric;
                ELSIF r < 0.07 THEN
                    a := hint + 0.0000000000000000001;
                ELSIF r < 0.15 AND rate > 0 THEN
                    a := rate;
                ELSE
                    a := (1 + floor(random() * 1e6)::numeric) *
                         ('1e' || (-CASE WHEN big THEN -14 + floor(random() * 33)::int
                                         ELSE 6 + floor(random() * 13)::int END)::text)::numeric;
                END IF;
                IF op = 'set_terms' THEN
                    r := random();
                    e := CASE WHEN r < 0.25 OR NOT isfinite(t) THEN NULL
                              WHEN r < 0.35 THEN fin                        -- the same end (NULL: none)
                              WHEN r < 0.42 THEN t                          -- not after now: 22023
                              WHEN r < 0.47 THEN t - (1 + floor(random() * 1e9)::bigint) * interval '1 microsecond'
                              ELSE t + (1 + floor(random() * 10 * 86400e6)::bigint) * interval '1 microsecond' END;
                END IF;
            END IF;

            -- the expected outcome, in SPEC 5's order
            expect := 'ok';
            IF NOT isfinite(t) THEN
                expect := '22023';
            ELSIF t < last THEN
                expect := 'SF010';
            ELSIF op = 'deposit' THEN
                expect := CASE WHEN voided THEN 'SF002'
                               WHEN pg_temp.arg_error(a, dec) IS NOT NULL THEN pg_temp.arg_error(a, dec)
                               WHEN bal + a > maxu * unit THEN '22003'
                               ELSE 'ok' END;
            ELSIF op = 'withdraw' THEN
                expect := CASE WHEN pg_temp.arg_error(a, dec) IS NOT NULL THEN pg_temp.arg_error(a, dec)
                               WHEN a > cov THEN 'SF006' ELSE 'ok' END;
            ELSIF op = 'refund' THEN
                expect := CASE WHEN pg_temp.arg_error(a, dec) IS NOT NULL THEN pg_temp.arg_error(a, dec)
                               WHEN a > refundable THEN 'SF007' ELSE 'ok' END;
            ELSIF op = 'pause' THEN
                expect := CASE WHEN pending THEN 'SF005' WHEN voided THEN 'SF003' WHEN ended THEN 'SF012'
                               WHEN rate = 0 THEN 'SF003' ELSE 'ok' END;
            ELSIF op = 'restart' THEN
                expect := CASE WHEN pending THEN 'SF004' WHEN voided THEN 'SF002' WHEN ended THEN 'SF012'
                               WHEN rate <> 0 THEN 'SF004'
                               WHEN pg_temp.arg_error(a, 18) IS NOT NULL THEN pg_temp.arg_error(a, 18)
                               ELSE 'ok' END;
            ELSIF op = 'adjust_rate' THEN
                expect := CASE WHEN NOT pending AND voided THEN 'SF003' WHEN ended THEN 'SF012'
                               WHEN NOT pending AND rate = 0 THEN 'SF003'
                               WHEN pg_temp.arg_error(a, 18) IS NOT NULL THEN pg_temp.arg_error(a, 18)
                               WHEN a = rate THEN 'SF008' ELSE 'ok' END;
            ELSIF op = 'set_terms' THEN
                expect := CASE WHEN voided THEN 'SF003' WHEN ended THEN 'SF012'
                               WHEN pg_temp.arg_error(a, 18) IS NOT NULL THEN pg_temp.arg_error(a, 18)
                               WHEN e IS NOT NULL AND (e <= t OR e <= acc_time) THEN '22023'
                               WHEN a = rate AND e IS NOT DISTINCT FROM fin THEN 'SF008' ELSE 'ok' END;
            ELSIF op = 'void' THEN
                expect := CASE WHEN voided THEN 'SF002' ELSE 'ok' END;
            END IF;

            BEGIN
                ns := CASE op
                    WHEN 'deposit' THEN flowstream.deposit(s, a, t)
                    WHEN 'withdraw' THEN flowstream.withdraw(s, a, t)
                    WHEN 'refund' THEN flowstream.refund(s, a, t)
                    WHEN 'pause' THEN flowstream.pause(s, t)
                    WHEN 'restart' THEN flowstream.restart(s, a, t)
                    WHEN 'adjust_rate' THEN flowstream.adjust_rate(s, a, t)
                    WHEN 'set_terms' THEN flowstream.set_terms(s, a, e, t)
                    WHEN 'void' THEN flowstream.void(s, t) END;
                got := 'ok';
            EXCEPTION WHEN OTHERS THEN
                got := SQLSTATE;
            END;
            IF NOT got = ANY (seen_outcomes) THEN seen_outcomes := seen_outcomes || got; END IF;
            IF got <> expect THEN
                nfail := nfail + 1;
                IF nfail <= 20 THEN
                    RAISE NOTICE 'stream % op %: %(%, %, %) at % on %: expected %, got %',
                        i, k, op, s, a, e, t, flowstream.status(s, greatest(t, last)), expect, got;
                END IF;
                EXIT;
            END IF;
            CONTINUE WHEN got <> 'ok';

            -- the model follows; a snapshot counts the accrual up to min(t, end)
            st_before := flowstream.snapshot_time(s);
            CASE op
                WHEN 'deposit' THEN
                    bal := bal + a; dep := dep + a;
                WHEN 'withdraw' THEN
                    bal := bal - a; wd_total := wd_total + a;
                    IF voided THEN void_td := void_td - a; ELSE wd := wd + a; END IF;
                WHEN 'refund' THEN
                    bal := bal - a; rf := rf + a;
                WHEN 'pause' THEN
                    IF least(t, coalesce(fin, t)) > acc_time THEN
                        accrued := accrued + rate * pg_temp.us(acc_time, least(t, coalesce(fin, t))) * 0.000001;
                    END IF;
                    acc_time := greatest(acc_time, t); rate := 0;
                WHEN 'restart' THEN
                    acc_time := greatest(acc_time, t); rate := a;
                WHEN 'adjust_rate', 'set_terms' THEN
                    IF NOT pending THEN
                        IF least(t, coalesce(fin, t)) > acc_time THEN
                            accrued := accrued + rate * pg_temp.us(acc_time, least(t, coalesce(fin, t))) * 0.000001;
                        END IF;
                        acc_time := greatest(acc_time, t);
                    END IF;
                    rate := a;
                    IF op = 'set_terms' THEN fin := e; END IF;
                WHEN 'void' THEN
                    IF t >= acc_time THEN
                        IF least(t, coalesce(fin, t)) > acc_time THEN
                            accrued := accrued + rate * pg_temp.us(acc_time, least(t, coalesce(fin, t))) * 0.000001;
                        END IF;
                        void_td := least(trunc(accrued, dec) - wd, bal);
                    ELSE
                        void_td := 0;
                    END IF;
                    acc_time := t; rate := 0; voided := true;
            END CASE;
            s := ns;
            last := t;

            -- the model's view after the operation
            ended := fin IS NOT NULL AND t >= fin;
            IF voided THEN
                mtd := void_td;
                xt := NULL;
            ELSE
                xt := accrued + CASE WHEN least(t, coalesce(fin, t)) > acc_time
                                     THEN rate * pg_temp.us(acc_time, least(t, coalesce(fin, t))) * 0.000001 ELSE 0 END;
                mtd := trunc(xt, dec) - wd;
            END IF;
            cov := least(bal, mtd);
            mstatus := CASE WHEN acc_time > t THEN 'pending'
                            WHEN voided THEN 'voided'
                            WHEN ended AND mtd > bal THEN 'ended_insolvent'
                            WHEN ended THEN 'ended_solvent'
                            WHEN rate = 0 AND mtd > bal THEN 'paused_insolvent'
                            WHEN rate = 0 THEN 'paused_solvent'
                            WHEN mtd > bal THEN 'streaming_insolvent'
                            ELSE 'streaming_solvent' END;
            IF NOT mstatus::text = ANY (seen_statuses) THEN seen_statuses := seen_statuses || mstatus::text; END IF;

            -- the expected depletion time: the first us with accrual >= withdrawn + balance
            -- + 1 unit, not before the snapshot time; never when that lies past the end
            IF rate = 0 THEN
                exp_us := NULL;
            ELSE
                x := (wd + bal + unit - accrued) * 1e24;
                y := rate * 1e18;
                dus := CASE WHEN x <= 0 THEN 0 ELSE div(x + y - 1, y) END;
                raw_us := extract(epoch FROM acc_time) * 1000000 + dus;
                IF x > 0 AND fin IS NOT NULL AND raw_us > extract(epoch FROM fin) * 1000000 THEN
                    exp_us := NULL;
                ELSE
                    exp_us := greatest(raw_us, extract(epoch FROM flowstream.snapshot_time(s)) * 1000000);
                    IF exp_us > extract(epoch FROM tmax) * 1000000 THEN
                        exp_us := CASE WHEN fin IS NULL THEN 'Infinity'::numeric END;
                    END IF;
                END IF;
            END IF;
            d := flowstream.depletion_time(s);

            ok := flowstream.balance(s) = bal
              AND flowstream.total_debt(s, t) = mtd
              AND flowstream.covered_debt(s, t) = cov
              AND flowstream.uncovered_debt(s, t) = greatest(mtd - bal, 0)
              AND flowstream.refundable(s, t) = bal - cov
              AND dep = flowstream.balance(s) + wd_total + rf
              AND (voided OR floor(xt * ('1e' || dec)::numeric)
                             = (flowstream.total_debt(s, t) + wd) * ('1e' || dec)::numeric)
              AND (voided OR flowstream.snapshot_debt(s) + flowstream.ongoing_debt(s, t) = xt - wd)
              -- after the end nothing more accrues, a year later included
              AND (voided OR NOT ended OR flowstream.total_debt(s, t + interval '365 days') = mtd)
              AND (NOT voided OR (flowstream.uncovered_debt(s, t) = 0 AND flowstream.is_voided(s)))
              AND flowstream.is_voided(s) = voided
              AND flowstream.status(s, t) = mstatus
              AND flowstream.rate_per_second(s) = rate
              AND flowstream.end_time(s) IS NOT DISTINCT FROM fin
              AND flowstream.last_op(s) = t
              AND (flowstream.snapshot_time(s) >= st_before OR (op = 'void' AND st_before > t))
              AND flowstream.stream_cmp(s::text::flowstream.stream, s) = 0
              AND CASE WHEN exp_us IS NULL THEN d IS NULL
                       WHEN exp_us = 'Infinity' THEN d = 'infinity'
                       ELSE extract(epoch FROM d) * 1000000 = exp_us END;
            IF ok IS NOT TRUE THEN
                nfail := nfail + 1;
                IF nfail <= 20 THEN
                    RAISE NOTICE 'stream % op %: % (%, %) at % gave %: model balance %, debt %, status %, end %, depletion %; got %, %, %, %',
                        i, k, op, a, e, t, s, bal, mtd, mstatus, fin, exp_us,
                        flowstream.balance(s), flowstream.total_debt(s, t), flowstream.status(s, t), d;
                END IF;
                EXIT;
            END IF;
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT n, nfail,
        (SELECT string_agg(o, ' ' ORDER BY o) FROM unnest(seen_outcomes) o),
        (SELECT string_agg(o, ' ' ORDER BY o) FROM unnest(seen_statuses) o);
END $$;

SELECT setseed(0.43);
SELECT * FROM pg_temp.property_end(400, 124);
