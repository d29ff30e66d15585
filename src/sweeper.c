/*
 * sweeper.c — voiding streams that stayed insolvent past their grace, and
 * liquidating accounts whose buffer is burning (SPEC §6).
 *
 * A stream's due time is its depletion time plus its grace, void_after
 * (ops.c: flow_due_time(), with a fixed day and month, so that it is
 * immutable).  The streams trigger keeps it in the indexed column due_at,
 * and void_insolvent() finds the due streams through that index: a run
 * costs what it voids, not what the table holds.  It works in bounded
 * batches, skips rows that users hold locked, runs once at a time and does
 * nothing on a replica.  Each void is an operation like any other, through
 * apply.c, with the sweeper as its actor.
 *
 * On Citus (distribute()) each node sweeps the shards of streams it holds,
 * shard by shard, with the same query on the shard and the same locks, and
 * voids each stream through the distributed table, which Citus executes on
 * that node; called on the coordinator, void_insolvent() also runs itself on
 * every worker, each in a transaction of its own.  Nothing is locked across
 * nodes (docs/scaling.md).
 *
 * The liquidation works the same way on accounts: the critical time of an
 * account with open outgoing flows is kept in the indexed column
 * critical_at (apply_accounts.c), and liquidate_critical() closes every
 * outgoing flow of each account whose critical time has passed.  On Citus
 * the coordinator liquidates (a liquidation moves accounts on any worker):
 * it reads the critical accounts from the distributed table, then locks
 * each one where it lives.
 */
#include "managed.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#define SWEEPER_LOCK_KEY	INT64CONST(7453010373645692276)	/* "flowstre" */
#define LIQUIDATOR_LOCK_KEY	INT64CONST(7453010373645692277)
#define SWEEPER_ACTOR		"flowstream_sweeper"

/* due_time(state, void_after): when the sweeper may void the stream; NULL never. */
PG_FUNCTION_INFO_V1(stream_due_time);
Datum
stream_due_time(PG_FUNCTION_ARGS)
{
	FlowState	s;
	FlowGrace	grace;
	int64		due;

	flow_state_arg(PG_GETARG_DATUM(0), &s);
	flow_grace_of(PG_GETARG_DATUM(1), &grace);
	if (flow_grace_is_negative(&grace))
		flow_report(FLOW_ERR_NEGATIVE_GRACE, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	if (!flow_due_time(&s, &grace, &due))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(due > FLOW_TIME_MAX ? DT_NOEND : due);
}

/*
 * Voids stream id, whose row the sweeper holds locked, at t (or at its last
 * operation, on the real clock).  False when the void would be refused (a
 * test clock before its last operation): the stream is left for a later run.
 */
static bool
SweepVoid(int64 id, int64 t, const FlowState *state)
{
	FlowCall	call;
	FlowState	probe = *state;
	OpResult	res;

	t = flow_operation_time(t, state, flow_clock_pinned());
	if (flow_apply_state(OP_VOID, &probe, NULL, t, &res) != FLOW_OK)
		return false;
	memset(&call, 0, sizeof(call));
	call.stream_id = id;
	call.op = OP_VOID;
	call.actor = SWEEPER_ACTOR;
	call.system = true;
	call.at = t;
	call.amount_null = true;
	flow_apply_call(&call);
	return true;
}

/* the due streams of table (streams, or one of its shards on Citus) */
#define DUE_STREAMS(table) \
	"SELECT id, state FROM " table " " \
	"WHERE due_at OPERATOR(pg_catalog.<=) $1 " \
	"ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED"

/* Voids the due streams (id, state) that a query found and locked; returns how many. */
static int32
VoidDue(SPITupleTable *due, uint64 n, int64 t)
{
	int32		voided = 0;
	MemoryContext each,
				old;

	each = AllocSetContextCreate(CurrentMemoryContext, "flowstream sweeper",
								 ALLOCSET_DEFAULT_SIZES);
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = due->vals[i];
		bool		isnull;
		FlowState	state;
		int64		id = DatumGetInt64(SPI_getbinval(tuple, due->tupdesc, 1, &isnull));

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(each);
		flow_state_arg(SPI_getbinval(tuple, due->tupdesc, 2, &isnull), &state);
		if (SweepVoid(id, t, &state))
			voided++;
		MemoryContextSwitchTo(old);
		MemoryContextReset(each);
	}
	MemoryContextDelete(each);
	return voided;
}

/*
 * void_insolvent(max_streams) → how many streams it voided: at most
 * max_streams of those whose due time has passed, earliest first, each
 * with a void event whose actor is the sweeper and whose amount is the
 * written-off debt.  On a Citus coordinator, plus what it voided on each
 * worker (at most max_streams there each).
 */
PG_FUNCTION_INFO_V1(sweeper_void_insolvent);
Datum
sweeper_void_insolvent(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(flow_void_insolvent(PG_ARGISNULL(0) ? 1000 : PG_GETARG_INT32(0), true));
}

/*
 * The sweep of this node; with on_workers, on a Citus coordinator, also
 * void_insolvent() on every worker (maintain() runs itself there instead).
 */
int32
flow_void_insolvent(int32 max_streams, bool on_workers)
{
	int64		t;
	OwnerScope	scope;
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2];
	int32		voided = 0;
	bool		distributed;
	ListCell   *lc;

	if (max_streams <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_streams must be positive")));
	/* a replica's or a subscriber's streams are voided by its primary or publisher */
	if (RecoveryInProgress() || flow_catalog()->subscribed)
		return 0;
	/* one run at a time: a second concurrent run returns at once */
	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_xact_lock_int8,
										  Int64GetDatum(SWEEPER_LOCK_KEY))))
		return 0;

	t = flow_time_arg(flow_clock_now());
	flow_enter_owner(&scope);
	values[0] = TimestampTzGetDatum(t);
	values[1] = Int32GetDatum(max_streams);
	distributed = flow_distributed();
	if (!distributed)
	{
		if (SPI_execute_plan(flow_plan(PLAN_DUE, DUE_STREAMS("flowstream.streams"), 2, types),
							 values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not find the due streams");
		voided = VoidDue(SPI_tuptable, SPI_processed, t);
	}
	else
	{
		foreach(lc, flow_local_shards("streams", "streams"))
		{
			FlowShard  *shard = (FlowShard *) lfirst(lc);

			if (voided >= max_streams)
				break;
			values[1] = Int32GetDatum(max_streams - voided);
			if (SPI_execute_with_args(psprintf(DUE_STREAMS("%s"), shard->name), 2, types, values,
									  NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not find the due streams of %s", shard->name);
			voided += VoidDue(SPI_tuptable, SPI_processed, t);
		}
	}
	flow_leave_owner(&scope);
	if (distributed && on_workers)
	{
		foreach(lc, flow_on_workers(psprintf("SELECT flowstream.void_insolvent(%d)", max_streams)))
			voided += pg_strtoint32((char *) lfirst(lc));
	}
	return voided;
}

/*
 * Liquidates account id of party in token, which the sweeper holds locked,
 * at t: closes every open outgoing flow with a liquidate event, then pays
 * the unburnt buffer to the token's reward party, if it names one.  Its
 * state is read again under the lock: a reward an earlier liquidation of
 * this run paid it may have made it healthy.  False when it is not critical
 * any more, or is left for a later run: another transaction holds one of the
 * accounts, or (on a test clock) one of them moved past t.
 */
static bool
Liquidate(int64 id, const char *party, const char *token, int64 t)
{
	Account		state;
	int			decimals;
	AccountPolicy policy;
	char	   *reward;
	int64	   *flows;
	int			n;
	int64		latest;
	U256		unburnt;
	FlowError	err;

	flow_token_policy(token, &decimals, &policy, &reward);
	if (reward != NULL && strcmp(reward, party) == 0)
		reward = NULL;			/* the unburnt buffer stays with the sender anyway */
	if (!flow_lock_liquidation(id, token, reward, &flows, &n, &latest, &state))
		return false;
	if (latest > t)
	{
		if (flow_clock_pinned())
			return false;
		t = latest;
	}
	err = account_liquidation(&state, t, &unburnt);
	if (err == FLOW_ERR_NOT_CRITICAL)
		return false;
	if (err != FLOW_OK)
		flow_report(err, NULL, t, NULL, FLOW_ARG_AMOUNT);

	for (int i = 0; i < n; i++)
	{
		AccountCall call;

		memset(&call, 0, sizeof(call));
		call.op = OP_LIQUIDATE;
		call.actor = SWEEPER_ACTOR;
		call.system = true;
		call.at = t;
		call.flow_id = flows[i];
		call.amount_null = true;
		flow_apply_account_call(&call);
	}
	if (reward != NULL && !u256_is_zero(&unburnt))
	{
		AccountCall call;

		memset(&call, 0, sizeof(call));
		call.op = OP_ACCOUNT_TRANSFER;
		call.actor = SWEEPER_ACTOR;
		call.system = true;
		call.at = t;
		call.party = party;
		call.peer_party = reward;
		call.token = token;
		call.args.units = &unburnt;
		flow_apply_account_call(&call);
	}
	return true;
}

/*
 * On Citus: locks account id, unless another transaction holds it, if it
 * is still critical at t.
 */
static bool
CriticalLocked(int64 id, int64 t)
{
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		values[2] = {Int64GetDatum(id), TimestampTzGetDatum(t)};

	if (SPI_execute_plan(flow_plan(PLAN_LOCK_CRITICAL,
								   "SELECT FROM flowstream.accounts WHERE id OPERATOR(pg_catalog.=) $1 "
								   "AND critical_at OPERATOR(pg_catalog.<=) $2 FOR UPDATE SKIP LOCKED",
								   2, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock account " INT64_FORMAT, id);
	return SPI_processed == 1;
}

/*
 * liquidate_critical(max_accounts) → how many accounts it liquidated: at
 * most max_accounts of those whose stored critical time has passed,
 * earliest first, found through their index; those others hold locked are
 * left for the next run.
 */
PG_FUNCTION_INFO_V1(sweeper_liquidate_critical);
Datum
sweeper_liquidate_critical(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(flow_liquidate_critical(PG_ARGISNULL(0) ? 1000 : PG_GETARG_INT32(0)));
}

int32
flow_liquidate_critical(int32 max_accounts)
{
	int64		t;
	OwnerScope	scope;
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2];
	SPITupleTable *critical;
	uint64		n;
	int32		liquidated = 0;
	MemoryContext each,
				old;
	bool		placed;

	if (max_accounts <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_accounts must be positive")));
	if (RecoveryInProgress() || flow_catalog()->subscribed)
		return 0;
	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_xact_lock_int8,
										  Int64GetDatum(LIQUIDATOR_LOCK_KEY))))
		return 0;

	t = flow_time_arg(flow_clock_now());
	flow_enter_owner(&scope);
	values[0] = TimestampTzGetDatum(t);
	values[1] = Int32GetDatum(max_accounts);
	placed = flow_distributed();
	if (placed && !flow_citus_coordinator())
	{
		/* on Citus the coordinator liquidates: a liquidation spans nodes */
		flow_leave_owner(&scope);
		return 0;
	}
	if (placed)
	{
		/*
		 * Citus locks rows only within one shard: the candidates first,
		 * then each one locked where it lives (CriticalLocked)
		 */
		if (SPI_execute_plan(flow_plan(PLAN_CRITICAL_PLACED,
									   "SELECT id, party, token FROM flowstream.accounts "
									   "WHERE critical_at OPERATOR(pg_catalog.<=) $1 "
									   "ORDER BY critical_at, id LIMIT $2",
									   2, types),
							 values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not find the critical accounts");
	}
	else if (SPI_execute_plan(flow_plan(PLAN_CRITICAL,
								   "SELECT id, party, token FROM flowstream.accounts "
								   "WHERE critical_at OPERATOR(pg_catalog.<=) $1 "
								   "ORDER BY critical_at LIMIT $2 FOR UPDATE SKIP LOCKED",
								   2, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not find the critical accounts");
	critical = SPI_tuptable;
	n = SPI_processed;
	each = AllocSetContextCreate(CurrentMemoryContext, "flowstream liquidation",
								 ALLOCSET_DEFAULT_SIZES);
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = critical->vals[i];
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tuple, critical->tupdesc, 1, &isnull));

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(each);
		if ((!placed || CriticalLocked(id, t)) &&
			Liquidate(id, SPI_getvalue(tuple, critical->tupdesc, 2),
					  SPI_getvalue(tuple, critical->tupdesc, 3), t))
			liquidated++;
		MemoryContextSwitchTo(old);
		MemoryContextReset(each);
	}
	flow_leave_owner(&scope);
	return liquidated;
}
