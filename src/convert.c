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

/*
 * numeric_to_units() as SQL, for the regression test convert.sql only (the
 * test creates the function itself; the install script does not): the
 * units as text, or NULL where numeric_to_units() gives false.
 */
PG_FUNCTION_INFO_V1(flowstream_test_numeric_to_units);
Datum
flowstream_test_numeric_to_units(PG_FUNCTION_ARGS)
{
	int32		scale = PG_GETARG_INT32(1);
	U256		units;
	char		buf[FLOW_DECIMAL_MAX];

	if (scale < 0 || scale > FLOW_DEBT_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scale must be between 0 and %d", FLOW_DEBT_SCALE)));
	if (!numeric_to_units(PG_GETARG_DATUM(0), scale, &units))
		PG_RETURN_NULL();
	flow_format_decimal(&units, 0, 0, buf);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/*
 * An interval in microseconds, with a day of 86400 s and a month of 365/12
 * days (twelve months make a year of 365 days): a fixed length, so that
 * rates and due times never depend on a calendar or a time zone.
 */
__int128
flow_interval_usecs(const Interval *span)
{
	return (__int128) span->month * (INT64CONST(2628000) * USECS_PER_SEC) +
		(__int128) span->day * USECS_PER_DAY + span->time;
}

/* A timestamptz argument, which must be finite and within the type's range. */
int64
flow_time_arg(TimestampTz t)
{
	if (!flow_check_time(t))
		flow_report(FLOW_ERR_TIME_RANGE, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	return t;
}

static const char *
KindName(FlowArgKind kind)
{
	return kind == FLOW_ARG_RATE ? "rate" : "amount";
}

/* An amount in base units, formatted in tokens for a message. */
static char *
Tokens(u128 units, int decimals)
{
	char		buf[FLOW_DECIMAL_MAX];
	U256		v = u256_from_u128(units);

	flow_format_decimal(&v, decimals, 0, buf);
	return pstrdup(buf);
}

static char *
TimeText(int64 t)
{
	char		buf[FLOW_TIME_TEXT_MAX];

	flow_format_time(t, buf);
	return pstrdup(buf);
}

/*
 * Raises the error err of an operation on before at time t with argument
 * amount (either may be NULL where they play no part).
 */
void
flow_report(FlowError err, const FlowState *before, int64 t,
			const FlowAmount *amount, FlowArgKind kind)
{
	u128		limit = 0;

	switch (err)
	{
		case FLOW_ERR_VOIDED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_VOIDED),
					 errmsg("stream is voided"),
					 errdetail("A voided stream takes no deposits, restarts or voids.")));
			break;
		case FLOW_ERR_PAUSED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_PAUSED),
					 errmsg("stream is %s", before && before->voided ? "voided" : "paused"),
					 errhint("%s", before && before->voided ? "A voided stream cannot change its rate." :
							 "Use restart to resume a paused stream.")));
			break;
		case FLOW_ERR_NOT_PAUSED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_NOT_PAUSED),
					 errmsg("stream is not paused"),
					 errhint("Use adjust_rate to change the rate of a stream that is not paused.")));
			break;
		case FLOW_ERR_PENDING:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_PENDING),
					 errmsg("stream has not started"),
					 errdetail("It starts at %s.", before ? TimeText(before->st) : "a later time")));
			break;
		case FLOW_ERR_OVERDRAW:
			if (before)
				(void) flow_covered_debt(before, t, &limit);
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_OVERDRAW),
					 errmsg("withdraw amount %s exceeds the withdrawable amount %s",
							Tokens(amount ? amount->units : 0, before ? before->decimals : 0),
							Tokens(limit, before ? before->decimals : 0))));
			break;
		case FLOW_ERR_OVERREFUND:
			if (before)
				(void) flow_refundable(before, t, &limit);
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_OVERREFUND),
					 errmsg("refund amount %s exceeds the refundable amount %s",
							Tokens(amount ? amount->units : 0, before ? before->decimals : 0),
							Tokens(limit, before ? before->decimals : 0))));
			break;
		case FLOW_ERR_SAME_RATE:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_SAME_RATE),
					 errmsg("new rate equals the current rate")));
			break;
		case FLOW_ERR_TIME_ORDER:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_TIME_ORDER),
					 errmsg("time %s is before the stream's last operation at %s",
							TimeText(t), before ? TimeText(before->last) : "?"),
					 errdetail("Operations on a stream must not go back in time.")));
			break;
		case FLOW_ERR_NOT_POSITIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be positive", KindName(kind))));
			break;
		case FLOW_ERR_PRECISION:
			if (kind == FLOW_ARG_RATE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rate has more than 18 fractional digits"),
						 errhint("Use flowstream.rate() to convert an amount per period, rounded down.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("amount has more fractional digits than the token's %d decimals",
							before ? before->decimals : 0),
					 errdetail("Amounts are never rounded.")));
			break;
		case FLOW_ERR_NOT_A_NUMBER:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a finite number", KindName(kind))));
			break;
		case FLOW_ERR_DECIMALS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("decimals must be between 0 and %d", FLOW_MAX_DECIMALS)));
			break;
		case FLOW_ERR_TIME_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time is out of range for a stream"),
					 errdetail("Stream times are finite and from 0001-01-01 00:00:00+00 on.")));
			break;
		case FLOW_ERR_FUTURE_PAUSED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a stream that starts in the future needs a positive rate")));
			break;
		case FLOW_ERR_OVERFLOW:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("flowstream value out of range"),
					 errdetail("Balances and rates are at most 2^127 - 1 units, and debts must fit 256 bits.")));
			break;
		case FLOW_OK:
			break;
	}
	elog(ERROR, "unexpected flowstream error %d", (int) err);
}
