/*
 * stream_funcs.c — the pure SQL functions over flowstream.stream: the
 * constructor, the views (debts, status, depletion time), the transitions
 * and flowstream.rate().  Each is a thin translation to the core in flow.c;
 * the views without an `at` read flowstream.now().
 */
#include "stream.h"
#include "ops.h"

#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

/* The time argument n of a view, or flowstream.now() when it is absent. */
static inline int64
ViewTime(FunctionCallInfo fcinfo, int n)
{
	return flow_time_arg(PG_NARGS() > n ? PG_GETARG_TIMESTAMPTZ(n) : flow_clock_now());
}

/* Argument n, read from its stored form. */
static inline FlowState
Arg(FunctionCallInfo fcinfo, int n)
{
	FlowState	s;

	flow_state_arg(PG_GETARG_DATUM(n), &s);
	return s;
}

/*
 * stream(rate_per_second, decimals, start, at [, end_time]): a new stream
 * created at `at`, accruing until end_time when it is given.
 */
PG_FUNCTION_INFO_V1(stream_make);
Datum
stream_make(PG_FUNCTION_ARGS)
{
	int32		decimals = PG_GETARG_INT32(1);
	int64		start = flow_time_arg(PG_GETARG_TIMESTAMPTZ(2));
	int64		at = flow_time_arg(PG_GETARG_TIMESTAMPTZ(3));
	FlowState	s;
	FlowAmount	rate = numeric_to_amount(PG_GETARG_DATUM(0), FLOW_RATE_SCALE);

	memset(&s, 0, sizeof(s));
	flow_check(flow_create(&s, &rate, decimals, start, at), NULL, at, &rate, FLOW_ARG_RATE);
	if (PG_NARGS() > 4)
		flow_check(flow_set_end(&s, flow_time_arg(PG_GETARG_TIMESTAMPTZ(4))), &s, at, NULL,
				   FLOW_ARG_AMOUNT);
	return flow_state_datum(&s);
}

/* end_time(stream): when it stops accruing; NULL without an end. */
PG_FUNCTION_INFO_V1(stream_end_time);
Datum
stream_end_time(PG_FUNCTION_ARGS)
{
	FlowState	s = Arg(fcinfo, 0);

	if (!s.has_end)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(s.end);
}

/*
 * set_terms(stream, rate, end_time, at): the terms both parties agreed on,
 * applied at `at` (flow_set_terms); a NULL end_time means none, any other
 * NULL argument gives NULL, as a strict function would.
 */
PG_FUNCTION_INFO_V1(stream_set_terms);
Datum
stream_set_terms(PG_FUNCTION_ARGS)
{
	FlowState	s,
				before;
	FlowAmount	rate;
	int64		t;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	s = before = Arg(fcinfo, 0);
	rate = numeric_to_amount(PG_GETARG_DATUM(1), FLOW_RATE_SCALE);
	t = flow_time_arg(PG_GETARG_TIMESTAMPTZ(3));
	flow_check(flow_set_terms(&s, &rate, !PG_ARGISNULL(2),
							  PG_ARGISNULL(2) ? 0 : flow_time_arg(PG_GETARG_TIMESTAMPTZ(2)), t),
			   &before, t, &rate, FLOW_ARG_RATE);
	return flow_state_datum(&s);
}

/* fixed_rate(total, decimals, start, end_time): total / (end - start), floored (flow_fixed_rate). */
PG_FUNCTION_INFO_V1(stream_fixed_rate);
Datum
stream_fixed_rate(PG_FUNCTION_ARGS)
{
	int32		decimals = PG_GETARG_INT32(1);
	FlowState	token;			/* for the messages: its decimals */
	FlowAmount	total;
	FlowAmount	rate;

	if (!flow_check_decimals(decimals))
		flow_report(FLOW_ERR_DECIMALS, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	memset(&token, 0, sizeof(token));
	token.decimals = (int16) decimals;
	total = numeric_to_amount(PG_GETARG_DATUM(0), decimals);
	if (total.err != FLOW_OK)
		flow_report(total.err, &token, 0, &total, FLOW_ARG_AMOUNT);
	flow_check(flow_fixed_rate(total.units, decimals, flow_time_arg(PG_GETARG_TIMESTAMPTZ(2)),
							   flow_time_arg(PG_GETARG_TIMESTAMPTZ(3)), &rate),
			   &token, 0, &total, FLOW_ARG_AMOUNT);
	return rate_to_numeric(rate.units);
}

PG_FUNCTION_INFO_V1(stream_total_debt);
Datum
stream_total_debt(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	int64		t = ViewTime(fcinfo, 1);
	U256		td;

	flow_check(flow_total_debt(s, t, &td), s, t, NULL, FLOW_ARG_AMOUNT);
	return units_to_numeric(&td, s->decimals, s->decimals);
}

/* covered debt, which is also what can be withdrawn */
PG_FUNCTION_INFO_V1(stream_covered_debt);
Datum
stream_covered_debt(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	int64		t = ViewTime(fcinfo, 1);
	u128		covered;

	flow_check(flow_covered_debt(s, t, &covered), s, t, NULL, FLOW_ARG_AMOUNT);
	return u128_to_numeric(covered, s->decimals);
}

PG_FUNCTION_INFO_V1(stream_uncovered_debt);
Datum
stream_uncovered_debt(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	int64		t = ViewTime(fcinfo, 1);
	U256		uncovered;

	flow_check(flow_uncovered_debt(s, t, &uncovered), s, t, NULL, FLOW_ARG_AMOUNT);
	return units_to_numeric(&uncovered, s->decimals, s->decimals);
}

PG_FUNCTION_INFO_V1(stream_refundable);
Datum
stream_refundable(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	int64		t = ViewTime(fcinfo, 1);
	u128		refundable;

	flow_check(flow_refundable(s, t, &refundable), s, t, NULL, FLOW_ARG_AMOUNT);
	return u128_to_numeric(refundable, s->decimals);
}

/* The debt accrued since the snapshot, exact, in tokens. */
PG_FUNCTION_INFO_V1(stream_ongoing_debt);
Datum
stream_ongoing_debt(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	U256		ongoing = flow_ongoing(s, ViewTime(fcinfo, 1));

	return units_to_numeric(&ongoing, FLOW_DEBT_SCALE, s->decimals);
}

static const char *const status_labels[] = {
	"pending", "streaming_solvent", "streaming_insolvent",
	"paused_solvent", "paused_insolvent", "voided", "ended_solvent", "ended_insolvent"
};

/*
 * The OIDs of flowstream.status's labels, looked up once per call site:
 * the enum lives in the schema of the function itself.
 */
static Oid *
StatusOids(FunctionCallInfo fcinfo)
{
	Oid		   *oids = (Oid *) fcinfo->flinfo->fn_extra;

	if (oids == NULL)
	{
		Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
		Oid			typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
											 CStringGetDatum("status"),
											 ObjectIdGetDatum(nsp));

		if (!OidIsValid(typoid))
			elog(ERROR, "type flowstream.status is missing");
		oids = (Oid *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
										  lengthof(status_labels) * sizeof(Oid));
		for (int i = 0; i < (int) lengthof(status_labels); i++)
		{
			/* 0.1.0's type lacks the ended statuses, which its streams never have */
			oids[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
									  ObjectIdGetDatum(typoid),
									  CStringGetDatum(status_labels[i]));
		}
		fcinfo->flinfo->fn_extra = oids;
	}
	return oids;
}

PG_FUNCTION_INFO_V1(stream_status);
Datum
stream_status(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	int64		t = ViewTime(fcinfo, 1);
	FlowStatus	status;
	Oid			oid;

	flow_check(flow_status(s, t, &status), s, t, NULL, FLOW_ARG_AMOUNT);
	oid = StatusOids(fcinfo)[status];
	if (!OidIsValid(oid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flowstream.status has no label %s", status_labels[status]),
				 errdetail("flowstream's SQL objects are older than its library."),
				 errhint("Run ALTER EXTENSION flowstream UPDATE.")));
	PG_RETURN_OID(oid);
}

/* The first microsecond with an uncovered base unit; NULL at rate 0. */
PG_FUNCTION_INFO_V1(stream_depletion_time);
Datum
stream_depletion_time(PG_FUNCTION_ARGS)
{
	FlowState	st = Arg(fcinfo, 0);
	FlowState  *s = &st;
	int64		at;

	switch (flow_depletion_time(s, &at))
	{
		case FLOW_DEPLETION_NONE:
			PG_RETURN_NULL();
		case FLOW_DEPLETION_BEYOND:
			PG_RETURN_TIMESTAMPTZ(DT_NOEND);
		case FLOW_DEPLETION_AT:
			break;
	}
	PG_RETURN_TIMESTAMPTZ(at);
}

/*
 * The transitions: each applies its operation to a copy of argument 0 at
 * `at` (its last argument) through the core's flow_apply_state(), and
 * returns the new value.
 */
static Datum
Transition(FunctionCallInfo fcinfo, FlowOp op)
{
	FlowState	s = Arg(fcinfo, 0),
				before = s;
	int			nargs = PG_NARGS();
	int64		t = flow_time_arg(PG_GETARG_TIMESTAMPTZ(nargs - 1));
	FlowAmount	a = {FLOW_OK, 0};
	FlowArgKind kind = flow_op_takes_rate(op) ? FLOW_ARG_RATE : FLOW_ARG_AMOUNT;
	OpResult	res;

	if (nargs == 3)
		a = numeric_to_amount(PG_GETARG_DATUM(1),
							  kind == FLOW_ARG_RATE ? FLOW_RATE_SCALE : s.decimals);
	flow_check(flow_apply_state(op, &s, &a, t, &res), &before, t, &a, kind);
	return flow_state_datum(&s);
}

#define TRANSITION(sqlname, op) \
PG_FUNCTION_INFO_V1(sqlname); \
Datum \
sqlname(PG_FUNCTION_ARGS) \
{ \
	return Transition(fcinfo, op); \
}

TRANSITION(stream_deposit, OP_DEPOSIT)
TRANSITION(stream_withdraw, OP_WITHDRAW)
TRANSITION(stream_refund, OP_REFUND)
TRANSITION(stream_restart, OP_RESTART)
TRANSITION(stream_adjust_rate, OP_ADJUST_RATE)
TRANSITION(stream_pause, OP_PAUSE)
TRANSITION(stream_void, OP_VOID)

/*
 * rate(amount, per): amount per period as tokens per second, floored to 18
 * decimals.  A month is 365/12 days and a year 365 days, so that twelve
 * months make a year; a day is 86400 seconds.
 */
PG_FUNCTION_INFO_V1(stream_rate);
Datum
stream_rate(PG_FUNCTION_ARGS)
{
	FlowAmount	amount = numeric_to_amount(PG_GETARG_DATUM(0), FLOW_RATE_SCALE);
	Interval   *per = PG_GETARG_INTERVAL_P(1);
	__int128	period = flow_interval_usecs(per->month, per->day, per->time);
	U256		scaled;
	U256		rps;

	if (amount.err == FLOW_ERR_OVERFLOW)
		flow_report(amount.err, NULL, 0, &amount, FLOW_ARG_AMOUNT);
	if (amount.err != FLOW_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must be a number that is not negative, with at most 18 fractional digits")));
	if (period <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be positive")));

	/* amount (10^-18 tokens) * 10^6 / microseconds = 10^-18 tokens per second */
	scaled = u256_mul_128(amount.units, 1000000);
	rps = u256_divmod_128(&scaled, (u128) period, NULL);
	if (!u256_fits_u128(&rps) || u256_low128(&rps) > I127_MAX)
		flow_report(FLOW_ERR_OVERFLOW, NULL, 0, NULL, FLOW_ARG_RATE);
	return units_to_numeric(&rps, FLOW_RATE_SCALE, 0);
}

/* after(at, span): at + span, a day 86400 s and a month 365/12 days (flow_after) */
PG_FUNCTION_INFO_V1(flowstream_after);
Datum
flowstream_after(PG_FUNCTION_ARGS)
{
	int64		t = flow_time_arg(PG_GETARG_TIMESTAMPTZ(0));
	Interval   *span = PG_GETARG_INTERVAL_P(1);
	FlowGrace	g = {span->month, span->day, span->time};
	int64		at;

	if (!flow_after(t, &g, &at))
		PG_RETURN_TIMESTAMPTZ(DT_NOEND);
	PG_RETURN_TIMESTAMPTZ(at);
}

/* top_up(stream, until): the deposit that keeps it solvent until then (flow_top_up_need) */
PG_FUNCTION_INFO_V1(stream_top_up);
Datum
stream_top_up(PG_FUNCTION_ARGS)
{
	FlowState	s = Arg(fcinfo, 0);
	TimestampTz until = PG_GETARG_TIMESTAMPTZ(1);
	int64		t = TIMESTAMP_NOT_FINITE(until) ? FLOW_TIME_MAX : flow_time_arg(until);
	U256		need;

	flow_check(flow_top_up_need(&s, t, &need), &s, t, NULL, FLOW_ARG_AMOUNT);
	return units_to_numeric(&need, s.decimals, s.decimals);
}
