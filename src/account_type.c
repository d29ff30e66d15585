/*
 * account_type.c — the flowstream.account type: its stored form (through
 * the core's accounttext.c), text and binary I/O, and the pure functions
 * that read an account at a time.  A time before the account's last
 * operation reads it at that operation, as the stream's views project
 * the current state; its past is in the history (account_state_at).
 */
#include "stream.h"

#include "account.h"
#include "ops.h"
#include "libpq/pqformat.h"
#include "utils/fmgrprotos.h"

/* A stored account as an Account; one of an unknown format is refused. */
void
flow_account_arg(Datum d, Account *a)
{
	const void *stored = DatumGetPointer(d);
	int			format = account_stored_format(stored);

	if (unlikely(format != ACCOUNT_FORMAT_1))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("flowstream.account value of unknown format %d", format),
				 errhint("It was written by a later release of flowstream.")));
	account_load(stored, a);
	if (unlikely(a->decimals > FLOW_MAX_DECIMALS))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("flowstream.account value with %d decimals", a->decimals)));
}

/* An Account as a stored value. */
Datum
flow_account_datum(const Account *a)
{
	void	   *stored = palloc(ACCOUNT_STORED_LEN);

	account_store(a, stored);
	return PointerGetDatum(stored);
}

PG_FUNCTION_INFO_V1(account_in);
Datum
account_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Account		a;
	char		detail[FLOW_DETAIL_MAX];

	if (!account_parse(str, &a, detail))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type flowstream.account: \"%s\"", str),
				 errdetail("%s", detail)));
	return flow_account_datum(&a);
}

PG_FUNCTION_INFO_V1(account_out);
Datum
account_out(PG_FUNCTION_ARGS)
{
	Account		a;
	char	   *buf = palloc(FLOW_TEXT_MAX);

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	account_format(&a, buf);
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(account_recv);
Datum
account_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	Account		a;
	const char *problem;

	if (len != ACCOUNT_BINARY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external value for type flowstream.account"),
				 errdetail("The value has %d bytes, not %d.", len, ACCOUNT_BINARY_LEN)));
	problem = account_decode_binary((const unsigned char *) pq_getmsgbytes(buf, len), len, &a);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external value for type flowstream.account"),
				 errdetail("%s.", problem)));
	return flow_account_datum(&a);
}

PG_FUNCTION_INFO_V1(account_send);
Datum
account_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	unsigned char out[ACCOUNT_BINARY_LEN];
	Account		a;

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	account_encode_binary(&a, out);
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) out, ACCOUNT_BINARY_LEN);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* A signed number of units of 10^-scale as a numeric, at least min_frac digits. */
Datum
i256_to_numeric(const I256 *v, int scale, int min_frac)
{
	U256		abs = i256_abs(v);
	Datum		n = units_to_numeric(&abs, scale, min_frac);

	if (i256_is_neg(v))
		n = DirectFunctionCall1(numeric_uminus, n);
	return n;
}

/* The account of argument 0 and the time of argument 1, not before its last operation. */
static int64
AccountAt(FunctionCallInfo fcinfo, Account *a)
{
	int64		t = flow_time_arg(PG_GETARG_TIMESTAMPTZ(1));

	flow_account_arg(PG_GETARG_DATUM(0), a);
	return t < a->last ? a->last : t;
}

/* balance(account, at): in tokens, floored to a base unit. */
PG_FUNCTION_INFO_V1(account_balance_at);
Datum
account_balance_at(PG_FUNCTION_ARGS)
{
	Account		a;
	int64		t = AccountAt(fcinfo, &a);
	I256		units;

	flow_check(account_balance_units(&a, t, &units), NULL, t, NULL, FLOW_ARG_AMOUNT);
	return i256_to_numeric(&units, a.decimals, a.decimals);
}

/* available(account, at): balance less buffer, in tokens. */
PG_FUNCTION_INFO_V1(account_available_at);
Datum
account_available_at(PG_FUNCTION_ARGS)
{
	Account		a;
	int64		t = AccountAt(fcinfo, &a);
	I256		units;

	flow_check(account_available(&a, t, &units), NULL, t, NULL, FLOW_ARG_AMOUNT);
	return i256_to_numeric(&units, a.decimals, a.decimals);
}

PG_FUNCTION_INFO_V1(account_netflow);
Datum
account_netflow(PG_FUNCTION_ARGS)
{
	Account		a;

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	return i256_to_numeric(&a.netflow, FLOW_RATE_SCALE, 0);
}

PG_FUNCTION_INFO_V1(account_buffer);
Datum
account_buffer(PG_FUNCTION_ARGS)
{
	Account		a;

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	return units_to_numeric(&a.buffer, a.decimals, a.decimals);
}

/* A time the core found, as a timestamptz: NULL never, infinity beyond. */
static Datum
TimeResult(FunctionCallInfo fcinfo, AccountTime found, int64 at)
{
	switch (found)
	{
		case ACCOUNT_TIME_NEVER:
			PG_RETURN_NULL();
		case ACCOUNT_TIME_BEYOND:
			PG_RETURN_TIMESTAMPTZ(DT_NOEND);
		case ACCOUNT_TIME_ALREADY:
		case ACCOUNT_TIME_AT:
			break;
	}
	PG_RETURN_TIMESTAMPTZ(at);
}

PG_FUNCTION_INFO_V1(account_critical);
Datum
account_critical(PG_FUNCTION_ARGS)
{
	Account		a;
	int64		at = 0;
	AccountTime found;

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	found = account_critical_time(&a, &at);
	return TimeResult(fcinfo, found, at);
}

PG_FUNCTION_INFO_V1(account_insolvency);
Datum
account_insolvency(PG_FUNCTION_ARGS)
{
	Account		a;
	int64		at = 0;
	AccountTime found;

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	found = account_insolvency_time(&a, &at);
	return TimeResult(fcinfo, found, at);
}

/* top_up(account, until): the deposit that keeps its available balance from going below 0 */
PG_FUNCTION_INFO_V1(account_top_up);
Datum
account_top_up(PG_FUNCTION_ARGS)
{
	Account		a;
	TimestampTz until = PG_GETARG_TIMESTAMPTZ(1);
	int64		t = TIMESTAMP_NOT_FINITE(until) ? FLOW_TIME_MAX : flow_time_arg(until);
	U256		need;

	flow_account_arg(PG_GETARG_DATUM(0), &a);
	flow_check(flow_account_top_up_need(&a, t, &need), NULL, t, NULL, FLOW_ARG_AMOUNT);
	return units_to_numeric(&need, a.decimals, a.decimals);
}
