/*
 * convert.c — between SQL values and the core: numeric amounts to scaled
 * integers and back, timestamptz arguments, and the core's error codes to
 * ereport()s with SPEC §5's SQLSTATEs.
 */
#include "stream.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

/*
 * A numeric in tokens (or tokens per second) scaled to integer units.
 * Errors stay in the result: the caller ranks them after status errors.
 */
FlowAmount
numeric_to_amount(Datum num, int scale)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, num));
	FlowAmount	a = flow_parse_amount(text, scale);

	pfree(text);
	return a;
}

/*
 * A non-negative numeric with at most scale fractional digits as an exact
 * integer in units of 10^-scale, of any size up to 256 bits; false when it
 * is not one.
 */
bool
numeric_to_units(Datum num, int scale, U256 *units)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, num));
	bool		ok = flow_parse_decimal(text, strlen(text), scale, units) == FLOW_OK;

	pfree(text);
	return ok;
}

/*
 * v / 10^scale as a numeric, showing at least min_frac fractional digits
 * and no trailing zeros beyond them.
 */
Datum
units_to_numeric(const U256 *v, int scale, int min_frac)
{
	char		buf[FLOW_DECIMAL_MAX];

	/* the common case, without any text */
	if (min_frac == scale && (v->w[1] | v->w[2] | v->w[3]) == 0 &&
		v->w[0] <= (uint64) PG_INT64_MAX)
		return NumericGetDatum(int64_div_fast_to_numeric((int64) v->w[0], scale));

	flow_format_decimal(v, scale, min_frac, buf);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* A base-unit amount as a numeric in tokens, with the token's decimals. */
Datum
u128_to_numeric(u128 v, int scale)
{
	U256		w = u256_from_u128(v);

	return units_to_numeric(&w, scale, scale);
}

/* A rate in 10^-18 tokens per second as a numeric, without trailing zeros. */
Datum
rate_to_numeric(u128 rps)
{
	U256		v = u256_from_u128(rps);

	return units_to_numeric(&v, FLOW_RATE_SCALE, 0);
}

/* A timestamptz argument, which must be finite and within the type's range. */
int64
flow_time_arg(TimestampTz t)
{
	if (!flow_check_time(t))
		flow_report(FLOW_ERR_TIME_RANGE, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	return t;
}
