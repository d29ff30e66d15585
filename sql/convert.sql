--
-- convert: numeric arguments to scaled integers and results back to numeric
-- (src/convert.c), over a large corpus, against the text path that the C
-- code once took and is written here in SQL over text:
--   an argument   flow_parse_decimal/flow_parse_amount of numeric_out's text
--                 (cvt.parse_decimal, cvt.parse_amount)
--   a result      numeric_in of flow_format_decimal's text (cvt.fmt)
-- A result must be that numeric byte for byte: the same text, numeric_eq,
-- the same numeric_send (sign, weight, display scale, base-10000 digits)
-- and the same pg_column_size (short or long header), which together fix
-- every byte of the value.  The digests at the end of each part were
-- recorded with the text implementation of src/convert.c: they say that
-- every result and every error message is still what it was.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowstream;
RESET client_min_messages;
SET TimeZone = 'UTC';
CREATE SCHEMA cvt;
SET search_path = cvt, public;

-- numeric_to_units() itself: test-only, not in the install script
CREATE FUNCTION cvt.numeric_to_units(numeric, int) RETURNS text
    AS '$libdir/flowstream', 'flowstream_test_numeric_to_units' LANGUAGE C IMMUTABLE STRICT;

--
-- the text path, in SQL
--

-- numeric_out's text taken apart: its sign, whether the rest is digits
-- with an optional fraction, and its integer and fractional digits
CREATE FUNCTION cvt.parts(t text, OUT neg boolean, OUT digits boolean, OUT i text, OUT f text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT t LIKE '-%', t ~ '^-?[0-9]+(\.[0-9]+)?$', split_part(ltrim(t, '-'), '.', 1), split_part(t, '.', 2)
$$;

-- flow_parse_decimal(t, scale): the units as text, or the error; digits
-- beyond scale only when they are zeros, and the value below 2^256 both
-- before and after the fraction is padded to scale digits
CREATE FUNCTION cvt.parse_decimal(neg boolean, digits boolean, i text, f text, scale int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN neg OR NOT digits THEN 'not a number'
        WHEN (i || left(f, scale))::numeric >
             115792089237316195423570985008687907853269984665640564039457584007913129639935 THEN 'overflow'
        WHEN substr(f, scale + 1) ~ '[1-9]' THEN 'precision'
        WHEN (i || rpad(left(f, scale), scale, '0'))::numeric >
             115792089237316195423570985008687907853269984665640564039457584007913129639935 THEN 'overflow'
        ELSE (i || rpad(left(f, scale), scale, '0'))::numeric::text
    END
$$;

-- flow_parse_amount(t, scale): flow_parse_decimal after a minus sign, then
-- "not positive" for a negative value other than zero, and the 2^127 - 1
-- limit
CREATE FUNCTION cvt.parse_amount(neg boolean, digits boolean, i text, f text, scale int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN NOT digits THEN 'not a number'
        WHEN (i || left(f, scale))::numeric >
             115792089237316195423570985008687907853269984665640564039457584007913129639935 THEN 'overflow'
        WHEN substr(f, scale + 1) ~ '[1-9]' THEN 'precision'
        WHEN (i || rpad(left(f, scale), scale, '0'))::numeric >
             115792089237316195423570985008687907853269984665640564039457584007913129639935 THEN 'overflow'
        WHEN neg AND (i || rpad(left(f, scale), scale, '0'))::numeric <> 0 THEN 'not positive'
        WHEN (i || rpad(left(f, scale), scale, '0'))::numeric > 170141183460469231731687303715884105727 THEN 'overflow'
        ELSE (i || rpad(left(f, scale), scale, '0'))::numeric::text
    END
$$;

-- flow_format_decimal(u, scale, min_frac): u / 10^scale with at least
-- min_frac fractional digits and no trailing zeros beyond them
CREATE FUNCTION cvt.fmt(u numeric, scale int, min_frac int) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    d text := u::text;
    f text;
BEGIN
    IF length(d) <= scale THEN
        d := lpad(d, scale + 1, '0');
    END IF;
    f := right(d, scale);
    WHILE length(f) > min_frac AND right(f, 1) = '0' LOOP
        f := left(f, -1);
    END LOOP;
    RETURN left(d, length(d) - scale) || CASE WHEN f = '' THEN '' ELSE '.' || f END;
END $$;

-- A result as the digests and the checks compare it: its text, its
-- numeric_send and its pg_column_size, and " <>" should it differ from
-- numeric_in of its own text.  The value must come straight from the call:
-- PL/pgSQL evaluates an expression through a query after an error was
-- caught in the same statement, and a value stored in a row gets a short
-- varlena header.
CREATE FUNCTION cvt.show(r numeric) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN r::text || ' ' || encode(numeric_send(r), 'hex') || ' ' || pg_column_size(r) ||
           CASE WHEN r = r::text::numeric THEN '' ELSE ' <>' END;
END $$;

-- what cvt.show() gives for numeric_in(e)
CREATE FUNCTION cvt.expect(e text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN e || ' ' || encode(numeric_send(e::numeric), 'hex') || ' ' || pg_column_size(e::numeric);
END $$;

-- r is numeric_in(e), byte for byte
CREATE FUNCTION cvt.same(r numeric, e text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT cvt.show(r) = cvt.expect(e)
$$;

-- the message of an argument error: what flow_report() says for err
CREATE FUNCTION cvt.message(err text, kind text, d int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE err
        WHEN 'not a number' THEN '22023 ' || kind || ' must be a finite number'
        WHEN 'not positive' THEN '22023 ' || kind || ' must be positive'
        WHEN 'precision' THEN CASE kind
            WHEN 'rate' THEN '22023 rate has more than 18 fractional digits'
            ELSE '22023 amount has more fractional digits than the token''s ' || d || ' decimals' END
        WHEN 'overflow' THEN '22003 flowstream value out of range'
    END
$$;

-- The SQL functions under test: cvt.show() of the result, or the error.
CREATE FUNCTION cvt.deposit(v numeric, d int, OUT shown text, OUT err text)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    shown := cvt.show(flowstream.balance(flowstream.deposit(
        flowstream.stream(0, d, '2026-01-01Z', '2026-01-01Z'), v, '2026-01-01Z')));
EXCEPTION WHEN OTHERS THEN
    err := SQLSTATE || ' ' || SQLERRM;
END $$;

CREATE FUNCTION cvt.stream_rate(v numeric, OUT shown text, OUT err text)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    shown := cvt.show(flowstream.rate_per_second(flowstream.stream(v, 6, '2026-01-01Z', '2026-01-01Z')));
EXCEPTION WHEN OTHERS THEN
    err := SQLSTATE || ' ' || SQLERRM;
END $$;

CREATE FUNCTION cvt.rate(v numeric, per interval, OUT shown text, OUT err text)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    shown := cvt.show(flowstream.rate(v, per));
EXCEPTION WHEN OTHERS THEN
    err := SQLSTATE || ' ' || SQLERRM;
END $$;

-- a stream literal
CREATE FUNCTION cvt.lit(d int, rps text, bal text, sd text) RETURNS flowstream.stream
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT format('(decimals=%s,rate_per_second=%s,balance=%s,snapshot_debt=%s,'
                  'snapshot_time=2026-01-01T00:00:00Z,last_op=2026-01-01T00:00:00Z,voided=false)',
                  d, rps, bal, sd)::flowstream.stream
$$;

-- the check of the checks: the text path in SQL on a few known values
SELECT t, s, cvt.parse_decimal(p.neg, p.digits, p.i, p.f, s) AS parse_decimal,
       cvt.parse_amount(p.neg, p.digits, p.i, p.f, s) AS parse_amount
FROM (VALUES ('0', 0), ('1.50', 1), ('1.50', 0), ('-1.5', 2), ('-0.00', 2), ('NaN', 2),
             ('-Infinity', 2), ('12.3400', 6), ('0.000001', 6), ('0.0000015', 6),
             ('170141183460469231731687303715884105727', 0),
             ('170141183460469231731687303715884105728', 0),
             ('115792089237316195423570985008687907853269984665640564039457584007913129639935', 0),
             ('115792089237316195423570985008687907853269984665640564039457584007913129639936', 0),
             ('115792089237316195423570985008687907853269984665640564039457584007913129639935.5', 0),
             ('11579208923731619542357098500868790785326998466564056403945758400791312963993.6', 1),
             ('11579208923731619542357098500868790785326998466564056403945758400791312963993.6', 2)
     ) AS k(t, s), LATERAL cvt.parts(t) AS p;
SELECT u, s, m, cvt.fmt(u, s, m)
FROM (VALUES (0, 0, 0), (0, 6, 6), (0, 24, 6), (5, 0, 0), (5, 2, 2), (5, 2, 0), (1500, 3, 0),
             (1500, 3, 1), (1500, 3, 3), (1234567, 2, 2), (10, 24, 18), (10, 18, 0)) AS k(u, s, m);

--
-- the corpus
--

-- integers on the edges: 2^b - 1, 2^b, 2^b + 1 for every b up to 260 (every
-- limb of 64 bits, the 2^127 - 1 of an amount, 256 bits); 10^k - 1, 10^k,
-- 10^k + 1 up to 10^80; floor(2^b / 10^k) and one more, for the last
-- multiplications by ten; small ones; pseudo-random digits of every length
-- up to 80
CREATE TABLE cvt.ints (u numeric PRIMARY KEY, edge boolean NOT NULL);
WITH RECURSIVE p2(b, v) AS (SELECT 0, 1::numeric UNION ALL SELECT b + 1, v * 2 FROM p2 WHERE b < 260),
digits(i, s) AS (
    SELECT i, translate(md5(i::text) || md5((i + 7919)::text) || md5((i + 104729)::text), 'abcdef', '012345')
    FROM generate_series(1, 400) AS i)
INSERT INTO cvt.ints
SELECT u, bool_or(edge) FROM (
    SELECT v + o AS u, b IN (0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 52, 53, 62, 63, 64, 65, 66, 67,
                             95, 96, 97, 126, 127, 128, 129, 130, 159, 160, 191, 192, 193,
                             223, 224, 253, 254, 255, 256, 257) AS edge
    FROM p2, (VALUES (-1), (0), (1)) AS o(o)
    UNION ALL
    SELECT ('1' || repeat('0', k))::numeric + o, true
    FROM generate_series(0, 80) AS k, (VALUES (-1), (0), (1)) AS o(o)
    UNION ALL
    SELECT div(v, ('1' || repeat('0', k))::numeric) + o, k % 3 = 0
    FROM p2, generate_series(1, 24) AS k, (VALUES (0), (1)) AS o(o)
    WHERE b IN (63, 64, 127, 128, 191, 192, 255, 256)
    UNION ALL
    SELECT div(v - 1, ('1' || repeat('0', k))::numeric) + o, k % 3 = 1
    FROM p2, generate_series(1, 24) AS k, (VALUES (0), (1)) AS o(o)
    WHERE b IN (127, 256)
    UNION ALL
    SELECT i, true FROM generate_series(0, 20) AS i
    UNION ALL
    SELECT substr(s, 1, 1 + i % 80)::numeric, i % 4 = 0 FROM digits
) AS all_ints
WHERE u >= 0
GROUP BY u;
SELECT count(*) AS ints, count(*) FILTER (WHERE edge) AS edge_ints,
       count(*) FILTER (WHERE u < 2::numeric ^ 256) AS below_2_256,
       count(*) FILTER (WHERE u < 2::numeric ^ 127) AS below_2_127
FROM cvt.ints;

-- numeric arguments: the edge integers scaled by 10^-j for every j up to 24
-- (display scale j); the same with trailing zeros beyond their digits, up to
-- a display scale that needs the long header; negative ones; pseudo-random
-- decimals; negative zero, NaN, the infinities, huge and tiny weights, and
-- long values that are stored compressed or out of line
CREATE TABLE cvt.args (x numeric NOT NULL, t text NOT NULL, neg boolean, digits boolean, i text, f text);
WITH scaled AS (
    SELECT u * ('1e-' || j)::numeric AS x, u, j
    FROM cvt.ints, generate_series(0, 24) AS j
    WHERE edge),
digits(i, s) AS (
    SELECT i, translate(md5(i::text) || md5((i + 31)::text) || md5((i + 137)::text), 'abcdef', '012345')
    FROM generate_series(1, 600) AS i)
INSERT INTO cvt.args
SELECT x, x::text, (cvt.parts(x::text)).* FROM (
    SELECT x FROM scaled
    UNION ALL
    SELECT round(x, j + z) FROM scaled, (VALUES (1), (2), (4), (7), (30), (70)) AS z(z)
    WHERE j IN (0, 2, 5, 6, 18, 24) AND u <= 1000000000000000000000 AND (u + j + z) % 3 = 0
    UNION ALL
    SELECT -x FROM scaled WHERE (u + j) % 4 = 0
    UNION ALL
    SELECT (substr(s, 1, 1 + i % 80) || '.' || substr(s, 81, i % 25))::numeric FROM digits WHERE i % 25 > 0
    UNION ALL
    SELECT substr(s, 1, 1 + i % 80)::numeric * ('1e-' || (i % 25))::numeric FROM digits
    UNION ALL
    SELECT v::numeric FROM unnest(ARRAY[
        '0', '-0', '-0.000', '0.000000000000000000000000000000', '-0.000000000000000000000000001',
        'NaN', 'Infinity', '-Infinity', '1e131071', '-1e131071', '1e-16383', '-1e-16383',
        '1e300', '1e-300', '0.1e-18', '1.000000000000000000000000000000000000000000000000000000000000000000000000000000001',
        '5e-24', '5e-25', '1e18', '1e19', '1e20', '1e38', '1e39', '1e76', '1e77', '1e78',
        repeat('9', 5000), '0.' || repeat('1', 6000), '-' || repeat('7', 4000),
        '0.' || repeat('0', 40) || repeat('5', 3000),
        (SELECT string_agg(translate(md5(i::text), 'abcdef', '012345'), '') FROM generate_series(1, 700) AS i)
    ]) AS v
) AS all_args
GROUP BY x::text, x;
SELECT count(*) AS args,
       count(*) FILTER (WHERE x < 0) AS negative,
       count(DISTINCT scale(x)) AS display_scales,
       min(scale(x)) AS min_scale, max(scale(x)) AS max_scale,
       count(*) FILTER (WHERE pg_column_size(x) > 2000) AS long_values
FROM cvt.args;
-- as a row stores them: a short varlena header, compressed or out of line
SELECT a.attstorage, c.reltoastrelid <> 0 AS has_toast,
       (SELECT count(*) FROM cvt.args WHERE length(t) > 10000) AS over_10000_chars
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE a.attrelid = 'cvt.args'::regclass AND a.attname = 'x';

--
-- numeric_to_amount(): deposit at every decimals 0..18, then the balance
-- (u128_to_numeric).  Odd decimals pass the argument as a row stores it
-- (short header, compressed, out of line), even ones as a fresh value
-- (x + 0 has the same text).  want: the text path's units or error; a
-- deposit of zero units is "not positive".
--
CREATE TABLE cvt.deposits AS
SELECT a.t AS x, d, w.want, r.shown, r.err,
       CASE WHEN w.want ~ '^[0-9]+$' AND w.want <> '0'
            THEN r.shown IS NOT DISTINCT FROM cvt.expect(cvt.fmt(w.want::numeric, d, d)) AND r.err IS NULL
            ELSE r.err IS NOT DISTINCT FROM
                 cvt.message(CASE WHEN w.want = '0' THEN 'not positive' ELSE w.want END, 'amount', d)
       END AS ok
FROM cvt.args AS a, generate_series(0, 18) AS d,
     LATERAL cvt.parse_amount(a.neg, a.digits, a.i, a.f, d) AS w(want),
     LATERAL cvt.deposit(CASE WHEN d % 2 = 0 THEN a.x + 0 ELSE a.x END, d) AS r;
SELECT CASE WHEN want ~ '^[0-9]+$' THEN CASE WHEN want = '0' THEN 'zero' ELSE 'units' END ELSE want END AS want,
       count(*), count(*) FILTER (WHERE NOT ok) AS mismatches
FROM cvt.deposits GROUP BY 1 ORDER BY 1;
SELECT x, d, want, shown, err FROM cvt.deposits WHERE NOT ok ORDER BY x COLLATE "C", d LIMIT 10;
SELECT md5(string_agg(x || '|' || d || '|' || coalesce(shown, err), E'\n' ORDER BY x COLLATE "C", d)) AS digest
FROM cvt.deposits;

--
-- numeric_to_amount() at 18 digits: the rate of a new stream, read back
-- (rate_to_numeric), and flowstream.rate() over four periods (its own
-- message for a bad amount, and the rate floored)
--
CREATE TABLE cvt.rates AS
SELECT a.t AS x, w.want, r.shown, r.err,
       CASE WHEN w.want ~ '^[0-9]+$'
            THEN r.shown IS NOT DISTINCT FROM cvt.expect(cvt.fmt(w.want::numeric, 18, 0)) AND r.err IS NULL
            ELSE r.err IS NOT DISTINCT FROM cvt.message(w.want, 'rate', 18)
       END AS ok
FROM cvt.args AS a,
     LATERAL cvt.parse_amount(a.neg, a.digits, a.i, a.f, 18) AS w(want),
     LATERAL cvt.stream_rate(a.x) AS r;
SELECT count(*) AS checked, count(*) FILTER (WHERE err IS NULL) AS rates,
       count(*) FILTER (WHERE NOT ok) AS mismatches,
       md5(string_agg(x || '|' || coalesce(shown, err), E'\n' ORDER BY x COLLATE "C")) AS digest
FROM cvt.rates;
SELECT x, want, shown, err FROM cvt.rates WHERE NOT ok ORDER BY x COLLATE "C" LIMIT 10;

CREATE TABLE cvt.periods AS
SELECT a.t AS x, per, usecs, w.want, r.shown, r.err,
       CASE WHEN w.want !~ '^[0-9]+$'
                THEN r.err IS NOT DISTINCT FROM CASE w.want
                    WHEN 'overflow' THEN '22003 flowstream value out of range'
                    ELSE '22023 amount must be a number that is not negative, with at most 18 fractional digits' END
            WHEN div(w.want::numeric * 1000000, usecs) > 170141183460469231731687303715884105727
                THEN r.err IS NOT DISTINCT FROM '22003 flowstream value out of range'
            ELSE r.shown IS NOT DISTINCT FROM cvt.expect(cvt.fmt(div(w.want::numeric * 1000000, usecs), 18, 0))
                 AND r.err IS NULL
       END AS ok
FROM cvt.args AS a,
     (VALUES (interval '1 second', 1000000), (interval '1 day', 86400000000),
             (interval '1 month', 2628000000000), (interval '7 microseconds', 7)) AS p(per, usecs),
     LATERAL cvt.parse_amount(a.neg, a.digits, a.i, a.f, 18) AS w(want),
     LATERAL cvt.rate(a.x, per) AS r;
SELECT per, count(*) AS checked, count(*) FILTER (WHERE err IS NULL) AS rates,
       count(*) FILTER (WHERE NOT ok) AS mismatches,
       md5(string_agg(x || '|' || coalesce(shown, err), E'\n' ORDER BY x COLLATE "C")) AS digest
FROM cvt.periods GROUP BY per, usecs ORDER BY usecs;
SELECT x, per, want, shown, err FROM cvt.periods WHERE NOT ok ORDER BY x COLLATE "C", usecs LIMIT 10;

--
-- numeric_to_units(): every scale 0..24, up to 256 bits
--
SELECT count(*) AS checked,
       count(*) FILTER (WHERE u IS NOT NULL) AS units,
       count(*) FILTER (WHERE u > '170141183460469231731687303715884105727') AS over_2_127,
       count(*) FILTER (WHERE u IS DISTINCT FROM want) AS mismatches,
       md5(string_agg(t || '|' || s || '|' || coalesce(u, 'false'), E'\n' ORDER BY t COLLATE "C", s)) AS digest
FROM (SELECT t, s, cvt.numeric_to_units(x, s) AS u,
             CASE WHEN cvt.parse_decimal(neg, digits, i, f, s) ~ '^[0-9]+$' THEN cvt.parse_decimal(neg, digits, i, f, s) END AS want
      FROM cvt.args, generate_series(0, 24) AS s) AS q;

--
-- units_to_numeric(): the snapshot debt of a literal (24 digits, at least
-- decimals shown) for every value below 2^256 and decimals 0..18, the total
-- and uncovered debts (at decimals, up to 256 bits), the covered debt and
-- the balance (at decimals, below 2^127), the rate (18 digits, none
-- forced), and the ongoing debt rate * microseconds (24 digits)
--
CREATE TABLE cvt.outs AS
SELECT u, d, s,
       cvt.same(flowstream.snapshot_debt(s), cvt.fmt(u, 24, d)) AS sd_ok,
       cvt.same(flowstream.total_debt(s, '2026-01-01Z'), cvt.fmt(div(u, ('1' || repeat('0', 24 - d))::numeric), d, d)) AS td_ok,
       cvt.same(flowstream.uncovered_debt(s, '2026-01-01Z'),
                cvt.fmt(greatest(div(u, ('1' || repeat('0', 24 - d))::numeric) - b, 0), d, d)) AS ud_ok,
       cvt.same(flowstream.covered_debt(s, '2026-01-01Z'),
                cvt.fmt(least(div(u, ('1' || repeat('0', 24 - d))::numeric), b), d, d)) AS cd_ok,
       cvt.same(flowstream.balance(s), cvt.fmt(b, d, d)) AS bal_ok,
       cvt.show(flowstream.snapshot_debt(s)) || ' ' || cvt.show(flowstream.total_debt(s, '2026-01-01Z')) || ' ' ||
           cvt.show(flowstream.uncovered_debt(s, '2026-01-01Z')) || ' ' ||
           cvt.show(flowstream.covered_debt(s, '2026-01-01Z')) || ' ' || cvt.show(flowstream.balance(s)) AS shown
FROM (SELECT u, d, b, cvt.lit(d, '0', cvt.fmt(b, d, 0), cvt.fmt(u, 24, 0)) AS s
      FROM (SELECT u, d, mod(u, 170141183460469231731687303715884105728) AS b
            FROM cvt.ints, generate_series(0, 18) AS d
            WHERE u < 2::numeric ^ 256) AS v) AS q;
SELECT count(*) AS checked,
       count(*) FILTER (WHERE NOT sd_ok) AS snapshot_debt_mismatches,
       count(*) FILTER (WHERE NOT td_ok) AS total_debt_mismatches,
       count(*) FILTER (WHERE NOT ud_ok) AS uncovered_debt_mismatches,
       count(*) FILTER (WHERE NOT cd_ok) AS covered_debt_mismatches,
       count(*) FILTER (WHERE NOT bal_ok) AS balance_mismatches
FROM cvt.outs;
-- the literal round trip: the text form gives the same stream, and its
-- snapshot_debt field the same number as snapshot_debt()
SELECT count(*) AS checked,
       count(*) FILTER (WHERE s::text::flowstream.stream OPERATOR(flowstream.<>) s) AS round_trip_mismatches,
       count(*) FILTER (WHERE substring(s::text FROM 'snapshot_debt=([^,]*)')::numeric
                              <> flowstream.snapshot_debt(s)) AS field_mismatches,
       count(*) FILTER (WHERE substring(s::text FROM 'balance=([^,]*)')::numeric
                              <> flowstream.balance(s)) AS balance_field_mismatches
FROM cvt.outs;
SELECT md5(string_agg(u || '|' || d || '|' || shown, E'\n' ORDER BY u, d)) AS outs_digest FROM cvt.outs;

SELECT count(*) AS checked,
       count(*) FILTER (WHERE NOT cvt.same(flowstream.rate_per_second(s), cvt.fmt(u, 18, 0))) AS rate_mismatches,
       count(*) FILTER (WHERE NOT cvt.same(flowstream.ongoing_debt(s, '2026-01-01Z'::timestamptz + us * interval '1 microsecond'),
                                           cvt.fmt(u * us, 24, d))) AS ongoing_mismatches,
       md5(string_agg(u || '|' || d || '|' || us || '|' || cvt.show(flowstream.rate_per_second(s)) || ' ' ||
                      cvt.show(flowstream.ongoing_debt(s, '2026-01-01Z'::timestamptz + us * interval '1 microsecond')),
                      E'\n' ORDER BY u, d, us)) AS digest
FROM (SELECT u, d, us, cvt.lit(d, cvt.fmt(u, 18, 0), '0', '0') AS s
      FROM cvt.ints, generate_series(0, 18) AS d, (VALUES (1), (999999), (86400000001)) AS t(us)
      WHERE u <= 170141183460469231731687303715884105727 AND (d % 6 = 0 OR u < 1000)) AS q;

SET client_min_messages = warning;
DROP SCHEMA cvt CASCADE;
