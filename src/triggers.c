/*
 * triggers.c — the guards on flowstream's tables.
 *
 * flowstream.streams changes only through an operation of the API
 * (apply.c hands it to streams_guard, which applies it to the locked row;
 * apply_bulk.c hands it a batch of new streams, or of deposits, whose rows
 * it lets in),
 * or by a restore's insert of a row that ends its history (restore.c).
 * flowstream.events only grows, by the events the operations write, or by
 * a restore.  Anything else, the owner's and a superuser's writes
 * included, is refused.  The tokens' and the settings' guards check
 * direct writes with the core's rules.  flowstream.accounts and
 * flowstream.flows are written by the operations on accounts, or inserted
 * by a restore, like the streams.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"

static TriggerData *
RowTrigger(FunctionCallInfo fcinfo, const char *name)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "%s must run as a BEFORE ... FOR EACH ROW trigger", name);
	return trig;
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.streams: an operation of
 * the API, or a restore; on Citus also distribute() copying the rows into
 * their shards (flow_citus_owner_write()).
 */
PG_FUNCTION_INFO_V1(streams_guard);
Datum
streams_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "streams_guard");
	Relation	rel = trig->tg_relation;
	const FlowCatalog *c = flow_catalog();
	FlowCall   *call;
	bool		isnull;
	int64		id;

	if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("streams cannot be deleted"),
				 errhint("Void a stream with flowstream.void(); its row and its history stay.")));

	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		call = flow_call_for(0);
		if (call != NULL && call->op == OP_CREATE && call->batch != NULL)
			return PointerGetDatum(flow_new_stream_row(call, rel, trig->tg_trigtuple));
		if (call != NULL && call->op == OP_CREATE)
			return PointerGetDatum(flow_create_row(call, rel, trig->tg_trigtuple));
		/* distribute() copying the streams into their shards */
		if (flow_citus_owner_write(rel))
			return PointerGetDatum(trig->tg_trigtuple);
		flow_restore_stream(rel, trig->tg_trigtuple);
		return PointerGetDatum(flow_finish_row(rel, trig->tg_trigtuple, 0, false));
	}

	id = DatumGetInt64(heap_getattr(trig->tg_trigtuple, c->s_id, RelationGetDescr(rel), &isnull));
	call = flow_call_for(id);
	if (call == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("flowstream.streams is changed only by flowstream's API"),
				 errdetail("Stream " INT64_FORMAT " was updated directly.", id),
				 errhint("Call the API for each row instead, e.g. "
						 "SELECT flowstream.deposit(id, 5) FROM flowstream.streams WHERE ...")));
	if (call->deposits != NULL)
		return PointerGetDatum(flow_deposit_row(call, rel, trig->tg_trigtuple, trig->tg_newtuple));
	return PointerGetDatum(flow_apply_row(call, rel, trig->tg_trigtuple, trig->tg_newtuple));
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.events: the history is
 * append-only, and only the operations or a restore add to it (on Citus,
 * also the coordinator's operations on accounts, and distribute()).
 */
PG_FUNCTION_INFO_V1(events_guard);
Datum
events_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "events_guard");

	if (!TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("flowstream.events is append-only"),
				 errdetail("The history of a stream is never changed or deleted.")));
	if (!flow_writing_event() && !flow_citus_owner_write(trig->tg_relation))
		flow_restore_event(trig->tg_relation, trig->tg_trigtuple);
	return PointerGetDatum(trig->tg_trigtuple);
}

/* BEFORE TRUNCATE: a ledger is not emptied by accident. */
PG_FUNCTION_INFO_V1(refuse_truncate);
Datum
refuse_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "refuse_truncate must run as a trigger");
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("flowstream.%s cannot be truncated", RelationGetRelationName(trig->tg_relation)),
			 errhint("DROP EXTENSION flowstream removes all its data.")));
	PG_RETURN_NULL();
}

/*
 * BEFORE INSERT OR UPDATE on flowstream.tokens: decimals the core accepts,
 * and never changed: every amount of a token's streams and history is a
 * number of its base units.
 */
PG_FUNCTION_INFO_V1(tokens_guard);
Datum
tokens_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "tokens_guard");
	TupleDesc	desc = RelationGetDescr(trig->tg_relation);
	int			attnum = SPI_fnumber(desc, "decimals");
	HeapTuple	new = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	bool		isnull;
	Datum		decimals = heap_getattr(new, attnum, desc, &isnull);

	if (isnull || !flow_check_decimals(DatumGetInt16(decimals)))
		flow_report(FLOW_ERR_DECIMALS, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
	{
		bool		old_null;
		Datum		old = heap_getattr(trig->tg_trigtuple, attnum, desc, &old_null);

		if (DatumGetInt16(old) != DatumGetInt16(decimals))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("the decimals of a token never change"),
					 errdetail("Every amount of a token's streams and history counts its base units."),
					 errhint("A token no stream uses can be deleted and registered again.")));
	}
	return PointerGetDatum(new);
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.settings: a grace the core
 * accepts, runway thresholds that are not negative, parts of maintain() that
 * exist.  Every change also invalidates the catalog of every session of this
 * node, so that a session that keeps a setting (flow_notifications) reads it
 * again: at once in this transaction, at commit in the others, back on
 * rollback.  On Citus the trigger runs on each node's copy of the table.
 */
PG_FUNCTION_INFO_V1(settings_guard);
Datum
settings_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "settings_guard");
	TupleDesc	desc = RelationGetDescr(trig->tg_relation);
	HeapTuple	new = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	bool		isnull,
				thresholds_null,
				skip_null;
	Datum		grace;
	FlowGrace	g;
	Datum		thresholds;
	Datum		skip;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	CacheInvalidateRelcacheByRelid(flow_catalog()->settings);
	if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		return PointerGetDatum(trig->tg_trigtuple);
	grace = heap_getattr(new, SPI_fnumber(desc, "default_void_after"), desc, &isnull);
	thresholds = heap_getattr(new, SPI_fnumber(desc, "runway_thresholds"), desc, &thresholds_null);
	skip = heap_getattr(new, SPI_fnumber(desc, "maintenance_skip"), desc, &skip_null);
	if (!isnull)
	{
		flow_grace_of(grace, &g);
		if (flow_grace_is_negative(&g))
			flow_report(FLOW_ERR_NEGATIVE_GRACE, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	}
	if (!thresholds_null)
	{
		deconstruct_array(DatumGetArrayTypeP(thresholds), INTERVALOID, sizeof(Interval), false,
						  TYPALIGN_DOUBLE, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("runway thresholds must not be null")));
			flow_grace_of(elems[i], &g);
			if (flow_grace_is_negative(&g))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("runway thresholds must not be negative")));
		}
	}
	if (!skip_null)
	{
		deconstruct_array(DatumGetArrayTypeP(skip), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i] || flow_maintenance_part(TextDatumGetCString(elems[i])) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown part of maintain() \"%s\"",
								nulls[i] ? "NULL" : TextDatumGetCString(elems[i])),
						 errhint("The parts are void, liquidate, top_up, payout and alert.")));
		}
	}
	return PointerGetDatum(new);
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.accounts and
 * flowstream.flows: written by the operations (apply_accounts.c), which on
 * Citus run on the coordinator (flow_citus_owner_write()), or inserted by a
 * restore where their history ends (restore.c).
 */
PG_FUNCTION_INFO_V1(accounts_guard);
Datum
accounts_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "accounts_guard");
	Relation	rel = trig->tg_relation;
	bool		flows = RelationGetRelid(rel) == flow_catalog()->flows;
	HeapTuple	tuple = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;

	if ((flow_writing_accounts() || flow_citus_owner_write(rel)) &&
		!TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		return PointerGetDatum(tuple);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		if (flows)
			flow_restore_flow(rel, tuple);
		else
			tuple = flow_restore_account(rel, tuple);
		return PointerGetDatum(tuple);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("flowstream.%s is changed only by flowstream's API", RelationGetRelationName(rel)),
			 TRIGGER_FIRED_BY_DELETE(trig->tg_event) ?
			 errdetail("Its rows and their history stay; %s.",
					   flows ? "close a flow with flowstream.close_flow()" :
					   "an account nobody uses stays at balance 0") :
			 errdetail("A row was updated directly."),
			 errhint("Use the API: account_deposit(), open_flow(), update_flow(), close_flow(), ...")));
	PG_RETURN_NULL();
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.operators: written by
 * approve_operator(), revoke_operator() and the flows that use up an
 * allowance, or inserted by a restore of the approval its history ends
 * with (operators.c).
 */
PG_FUNCTION_INFO_V1(operators_guard);
Datum
operators_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "operators_guard");
	HeapTuple	tuple = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;

	if (flow_writing_operators())
		return PointerGetDatum(tuple);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		flow_restore_operator(trig->tg_relation, tuple);
		return PointerGetDatum(tuple);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("flowstream.operators is changed only by flowstream's API"),
			 errhint("Use flowstream.approve_operator() and flowstream.revoke_operator().")));
	PG_RETURN_NULL();
}

/*
 * A restored schedule of payouts: its set_by event is the last
 * set_auto_withdraw of its stream and set this schedule.
 */
static void
RestorePayout(Relation rel, HeapTuple tuple)
{
	TupleDesc	desc = RelationGetDescr(rel);
	static const char *const columns[4] = {"stream_id", "every", "to", "set_by"};
	Oid			types[4];
	Datum		values[4];
	char		nulls[4];
	bool		isnull,
				ok;

	for (int i = 0; i < 4; i++)
	{
		int			attnum = SPI_fnumber(desc, columns[i]);

		types[i] = SPI_gettypeid(desc, attnum);
		values[i] = heap_getattr(tuple, attnum, desc, &isnull);
		nulls[i] = isnull ? 'n' : ' ';
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT FROM flowstream.events e WHERE e.id = $4 "
							  "AND e.stream_id = $1 AND e.op = 'set_auto_withdraw' "
							  "AND e.every = $2 AND e.destination IS NOT DISTINCT FROM $3 "
							  "AND NOT EXISTS (SELECT FROM flowstream.events l WHERE l.stream_id = $1 "
							  "AND l.op = 'set_auto_withdraw' AND l.id > e.id)",
							  4, types, values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.events");
	ok = SPI_processed == 1;
	SPI_finish();
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("payouts are scheduled with flowstream.set_auto_withdraw()"),
				 errdetail("A row may be inserted directly only to restore the schedule its stream's "
						   "last set_auto_withdraw event set.")));
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.payouts: written by
 * set_auto_withdraw() and the maintenance job (apply.c), or inserted by a
 * restore.
 */
PG_FUNCTION_INFO_V1(payouts_guard);
Datum
payouts_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = RowTrigger(fcinfo, "payouts_guard");
	HeapTuple	tuple = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;

	if (flow_writing_payouts())
		return PointerGetDatum(tuple);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		RestorePayout(trig->tg_relation, tuple);
		return PointerGetDatum(tuple);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("flowstream.payouts is changed only by flowstream's API"),
			 errhint("Use flowstream.set_auto_withdraw().")));
	PG_RETURN_NULL();
}
