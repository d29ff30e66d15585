/*
 * sweeper.c — voiding streams that stayed insolvent past their grace.
 *
 * A stream's due time is its depletion time (the first microsecond with
 * uncovered debt) plus its grace, void_after, counting a day as 86400 s and
 * a month as 365/12 days, as flowstream.rate() does.  Unlike
 * timestamptz + interval, that is immutable.  The streams trigger keeps
 * it in the column due_at, which is indexed, and void_insolvent() finds
 * the due streams through that index: a run costs what it voids, not what
 * the table holds.  It works in bounded batches,
 * skips rows that users hold locked, runs once at a time and does nothing
 * on a replica.
 */
#include "managed.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#define SWEEPER_LOCK_KEY	INT64CONST(7453010373645692276)	/* "flowstre" */

/* The due time of s with grace: false when it never falls due. */
bool
flow_due_time(const FlowState *s, const Interval *grace, int64 *due)
{
	int64		depletion;
	__int128	at;

	switch (flow_depletion_time(s, &depletion))
	{
		case FLOW_DEPLETION_NONE:
			return false;
		case FLOW_DEPLETION_BEYOND:
			*due = DT_NOEND;
			return true;
		case FLOW_DEPLETION_AT:
			break;
	}
	at = (__int128) depletion + flow_interval_usecs(grace);
	if (at < depletion)
		at = depletion;			/* a negative grace is no grace */
	*due = at > FLOW_TIME_MAX ? DT_NOEND : (int64) at;
	return true;
}

/* due_time(state, void_after): when the sweeper may void the stream; NULL never. */
PG_FUNCTION_INFO_V1(stream_due_time);
Datum
stream_due_time(PG_FUNCTION_ARGS)
{
	int64		due;

	if (!flow_due_time(PG_GETARG_FLOWSTATE_P(0), PG_GETARG_INTERVAL_P(1), &due))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(due);
}

/*
 * void_insolvent(max_streams) → how many streams it voided: at most
 * max_streams of those whose due time has passed, earliest first, each
 * with a void event whose actor is the sweeper and whose amount is the
 * written-off debt.
 */
PG_FUNCTION_INFO_V1(sweeper_void_insolvent);
Datum
sweeper_void_insolvent(PG_FUNCTION_ARGS)
{
	int32		max_streams = PG_ARGISNULL(0) ? 1000 : PG_GETARG_INT32(0);
	int64		t;
	OwnerScope	scope;
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2];
	SPITupleTable *due;
	uint64		n;
	int32		voided = 0;

	if (max_streams <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_streams must be positive")));
	/* a replica's streams are voided by its primary */
	if (RecoveryInProgress())
		PG_RETURN_INT32(0);
	/* one run at a time: a second concurrent run returns at once */
	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_xact_lock_int8,
										  Int64GetDatum(SWEEPER_LOCK_KEY))))
		PG_RETURN_INT32(0);

	t = flow_time_arg(flow_clock_now());
	flow_enter_owner(&scope);
	values[0] = TimestampTzGetDatum(t);
	values[1] = Int32GetDatum(max_streams);
	if (SPI_execute_plan(flow_plan(PLAN_DUE,
								   "SELECT id, state FROM flowstream.streams "
								   "WHERE due_at OPERATOR(pg_catalog.<=) $1 "
								   "ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
								   2, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not find the due streams");
	due = SPI_tuptable;
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = due->vals[i];
		bool		isnull;
		FlowState	state;

		memcpy(&state, DatumGetPointer(SPI_getbinval(tuple, due->tupdesc, 2, &isnull)),
			   sizeof(FlowState));
		if (flow_sweep_void(DatumGetInt64(SPI_getbinval(tuple, due->tupdesc, 1, &isnull)), t, &state))
			voided++;
	}
	flow_leave_owner(&scope);
	PG_RETURN_INT32(voided);
}
