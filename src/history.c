/*
 * history.c — the history of every stream.  The triggers here keep
 * flowstream.streams and flowstream.events in step: every change of a
 * stream's state or recipient writes its event, whatever the write path;
 * events are never updated or deleted; a direct write that no operation
 * explains is refused.  The replay of one event is shared with verify().
 */
#include "managed.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

const char *const flow_op_labels[OP_COUNT] = {
	"create", "deposit", "withdraw", "refund", "pause", "restart",
	"adjust_rate", "void", "transfer", "set_void_after"
};

/* set while the streams trigger inserts an event, which the events trigger allows */
static bool writing_event = false;

/*
 * The last event of each stream restored by this transaction.  A restore's
 * COPY inserts a stream's whole history in one command, whose earlier rows
 * its own queries cannot see yet.
 */
typedef struct RestoredEvent
{
	int64		stream_id;		/* hash key */
	int64		event_id;
	int64		at;
	FlowState	state;
} RestoredEvent;

static HTAB *restored_events = NULL;

static void
ForgetRestoredEvents(void *arg)
{
	(void) arg;
	restored_events = NULL;
}

static HTAB *
RestoredEvents(void)
{
	if (restored_events == NULL)
	{
		HASHCTL		ctl;
		MemoryContextCallback *cb;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(RestoredEvent);
		ctl.hcxt = TopTransactionContext;
		restored_events = hash_create("flowstream restored events", 64, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		cb = MemoryContextAlloc(TopTransactionContext, sizeof(MemoryContextCallback));
		cb->func = ForgetRestoredEvents;
		cb->arg = NULL;
		MemoryContextRegisterResetCallback(TopTransactionContext, cb);
	}
	return restored_events;
}

Oid
flow_schema_oid(void)
{
	return get_namespace_oid("flowstream", false);
}

Oid
flow_stream_type_oid(void)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum("stream"),
						   ObjectIdGetDatum(flow_schema_oid()));
}

FlowOp
flow_op_from_label(const char *label)
{
	for (int op = 0; op < OP_COUNT; op++)
	{
		if (strcmp(label, flow_op_labels[op]) == 0)
			return (FlowOp) op;
	}
	elog(ERROR, "unknown flowstream operation \"%s\"", label);
	return OP_COUNT;			/* keep the compiler quiet */
}

/*
 * Whether `after` is what op (with amount) makes of `prev` at `at`: NULL
 * when it is, else why not.  prev is NULL for the first event of a stream.
 */
const char *
flow_replay(const FlowState *prev, FlowOp op, Datum amount, bool amount_null,
			int64 at, const FlowState *after)
{
	FlowState	s;
	FlowAmount	a = {FLOW_OK, 0};
	FlowError	err = FLOW_OK;
	U256		written_off;
	const char *label = flow_op_labels[op];

	if (op == OP_CREATE)
	{
		if (prev != NULL)
			return "a create event follows other events of its stream";
		if (after->balance != 0 || !u256_is_zero(&after->sd) || after->voided ||
			after->last != at)
			return "the state after a create event is not a new stream";
		return flow_state_problem(after);
	}
	if (prev == NULL)
		return psprintf("the first event of the stream is a %s, not a create", label);
	if (amount_null && op != OP_PAUSE && op != OP_TRANSFER && op != OP_VOID &&
		op != OP_SET_VOID_AFTER)
		return psprintf("a %s event without its amount", label);

	s = *prev;
	switch (op)
	{
		case OP_DEPOSIT:
		case OP_WITHDRAW:
		case OP_REFUND:
			a = numeric_to_amount(amount, s.decimals);
			err = op == OP_DEPOSIT ? flow_deposit(&s, &a, at) :
				op == OP_WITHDRAW ? flow_withdraw(&s, &a, at) : flow_refund(&s, &a, at);
			break;
		case OP_PAUSE:
			err = flow_pause(&s, at);
			break;
		case OP_RESTART:
		case OP_ADJUST_RATE:
			a = numeric_to_amount(amount, FLOW_RATE_SCALE);
			err = op == OP_RESTART ? flow_restart(&s, &a, at) : flow_adjust_rate(&s, &a, at);
			break;
		case OP_VOID:
			err = flow_void(&s, at, &written_off);
			if (err == FLOW_OK && !amount_null)
			{
				U256		recorded;

				if (!numeric_to_units(amount, s.decimals, &recorded) ||
					u256_cmp(&recorded, &written_off) != 0)
					return "the written-off amount of a void event is not the uncovered debt";
			}
			break;
		case OP_TRANSFER:
		case OP_SET_VOID_AFTER:
			/* no money moves, but the operation takes its place in time */
			err = flow_touch(&s, at);
			break;
		case OP_CREATE:
		case OP_COUNT:
			break;
	}
	if (err != FLOW_OK)
		return psprintf("the recorded %s is not a legal operation on the state before it (error %d)",
						label, (int) err);
	if (flow_state_cmp(&s, after) != 0)
		return psprintf("the state after the recorded %s is not what the %s gives", label, label);
	return NULL;
}

/* Whether two void_after values (intervals, maybe NULL) are the same. */
bool
flow_same_grace(Datum a, bool a_null, Datum b, bool b_null)
{
	if (a_null || b_null)
		return a_null == b_null;
	return DatumGetBool(DirectFunctionCall2(interval_eq, a, b));
}

/* Inserts one event and returns its id. */
int64
flow_write_event(int64 stream_id, FlowOp op, const char *actor, Datum amount,
		   bool amount_null, const char *destination, int64 at, const FlowState *state,
		   Datum void_after, bool void_after_null)
{
	Oid			types[8] = {INT8OID, TEXTOID, TEXTOID, NUMERICOID, TEXTOID,
	TIMESTAMPTZOID, InvalidOid, INTERVALOID};
	Datum		values[8];
	char		nulls[8] = "        ";
	bool		isnull;
	int64		id;
	volatile int rc;
	SPIPlanPtr	plan;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	types[6] = flow_stream_type_oid();
	plan = flow_plan(PLAN_EVENT,
					 "INSERT INTO flowstream.events "
					 "(stream_id, op, actor, amount, destination, at, state, void_after) "
					 "VALUES ($1, $2::flowstream.op, $3, $4, $5, $6, $7, $8) RETURNING id",
					 8, types);
	values[0] = Int64GetDatum(stream_id);
	values[1] = CStringGetTextDatum(flow_op_labels[op]);
	values[2] = CStringGetTextDatum(actor);
	values[3] = amount;
	if (amount_null)
		nulls[3] = 'n';
	values[4] = destination ? CStringGetTextDatum(destination) : (Datum) 0;
	if (destination == NULL)
		nulls[4] = 'n';
	values[5] = TimestampTzGetDatum(at);
	values[6] = FlowStatePGetDatum(state);
	values[7] = void_after;
	if (void_after_null)
		nulls[7] = 'n';

	writing_event = true;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_event = false;
	}
	PG_END_TRY();
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not write the event of stream " INT64_FORMAT, stream_id);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}

/* The column number of name in rel; it must exist. */
int
flow_column(Relation rel, const char *name)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		elog(ERROR, "column %s of %s is missing", name, RelationGetRelationName(rel));
	return attnum;
}

Datum
flow_get(HeapTuple tuple, Relation rel, const char *name, bool *isnull)
{
	return heap_getattr(tuple, flow_column(rel, name), RelationGetDescr(rel), isnull);
}

static int64
GetInt64(HeapTuple tuple, Relation rel, const char *name)
{
	bool		isnull;
	Datum		d = flow_get(tuple, rel, name, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

FlowState *
flow_get_state(HeapTuple tuple, Relation rel)
{
	bool		isnull;
	Datum		d = flow_get(tuple, rel, "state", &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("the state of a stream must not be null")));
	return DatumGetFlowStateP(d);
}

/* Whether column name differs between two versions of a row. */
static bool
Changed(HeapTuple old, HeapTuple new, Relation rel, const char *name)
{
	int			attnum = flow_column(rel, name);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	bool		null1,
				null2;
	Datum		v1 = heap_getattr(old, attnum, RelationGetDescr(rel), &null1);
	Datum		v2 = heap_getattr(new, attnum, RelationGetDescr(rel), &null2);

	if (null1 || null2)
		return null1 != null2;
	return !datum_image_eq(v1, v2, att->attbyval, att->attlen);
}

/*
 * The row to write: with last_event (and, creating, first_event) set to
 * event_id (unless 0) and due_at
 * to the due time of its state and grace, the column the sweeper's index
 * is on.  A stored column rather than an expression index, so that an
 * update of a stream with no grace (due_at stays NULL) changes no indexed
 * column and can be a HOT update.
 */
static Datum
Finish(HeapTuple tuple, Relation rel, int64 event_id, bool creating)
{
	int			cols[3];
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	int			n = 0;
	bool		grace_null;
	Datum		grace = flow_get(tuple, rel, "void_after", &grace_null);
	int64		due;

	cols[n] = flow_column(rel, "due_at");
	if (!grace_null && flow_due_time(flow_get_state(tuple, rel), DatumGetIntervalP(grace), &due))
		values[n] = TimestampTzGetDatum(due);
	else
		nulls[n] = true;
	n++;
	if (event_id != 0)
	{
		cols[n] = flow_column(rel, "last_event");
		values[n++] = Int64GetDatum(event_id);
	}
	if (creating)
	{
		cols[n] = flow_column(rel, "first_event");
		values[n++] = Int64GetDatum(event_id);
	}
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, RelationGetDescr(rel),
													 n, cols, values, nulls));
}

static void
IllegalUpdate(int64 id, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("update of stream " INT64_FORMAT " is not a legal operation", id),
			 errdetail("%s", why),
			 errhint("Use flowstream's API functions.")));
}

/*
 * Which one operation turns old into new at new's last_op, for an UPDATE
 * that did not come through the API.  Raises the operation's own error
 * when it is refused, and 23514 when no operation explains the change.
 */
static FlowOp
InferOp(int64 id, const FlowState *old, const FlowState *new, Datum *amount, bool *amount_null)
{
	FlowState	s = *old;
	int64		t = new->last;
	FlowAmount	a = {FLOW_OK, 0};
	FlowError	err;
	FlowOp		op;
	U256		written_off;

	*amount_null = false;
	if (new->voided && !old->voided)
	{
		op = OP_VOID;
		err = flow_void(&s, t, &written_off);
		*amount = units_to_numeric(&written_off, old->decimals, old->decimals);
	}
	else if (old->rps != 0 && new->rps == 0)
	{
		op = OP_PAUSE;
		err = flow_pause(&s, t);
		*amount_null = true;
	}
	else if (new->rps != old->rps)
	{
		op = old->rps == 0 ? OP_RESTART : OP_ADJUST_RATE;
		a.units = new->rps;
		err = op == OP_RESTART ? flow_restart(&s, &a, t) : flow_adjust_rate(&s, &a, t);
		*amount = rate_to_numeric(a.units);
	}
	else if (new->balance > old->balance)
	{
		op = OP_DEPOSIT;
		a.units = new->balance - old->balance;
		err = flow_deposit(&s, &a, t);
		*amount = u128_to_numeric(a.units, old->decimals);
	}
	else if (new->balance < old->balance)
	{
		/* less money: paid to the recipient, or back to the sender */
		a.units = old->balance - new->balance;
		*amount = u128_to_numeric(a.units, old->decimals);
		op = OP_WITHDRAW;
		err = flow_withdraw(&s, &a, t);
		if (err != FLOW_OK || flow_state_cmp(&s, new) != 0)
		{
			s = *old;
			op = OP_REFUND;
			err = flow_refund(&s, &a, t);
		}
	}
	else
	{
		IllegalUpdate(id, "The balance, rate and voided flag are unchanged, but other fields of the state changed.");
		return OP_COUNT;
	}
	if (err != FLOW_OK)
		flow_report(err, old, t, &a, op == OP_RESTART || op == OP_ADJUST_RATE ? FLOW_ARG_RATE : FLOW_ARG_AMOUNT);
	if (flow_state_cmp(&s, new) != 0)
		IllegalUpdate(id, psprintf("The new state is not what a %s at its last_op gives.", flow_op_labels[op]));
	return op;
}

/*
 * The latest event of a stream before event before_id: its id (0 when there
 * is none), state, time and whether its grace equals void_after (when
 * grace_matches is not NULL).
 */
static int64
LastEvent(int64 stream_id, int64 before_id, FlowState *state, int64 *at,
		  Datum void_after, bool void_after_null, bool *grace_matches)
{
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2] = {Int64GetDatum(stream_id), Int64GetDatum(before_id)};
	SPIPlanPtr	plan;
	bool		isnull;
	int64		id = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = flow_plan(PLAN_PREV_EVENT,
					 "SELECT id, state, at, void_after FROM flowstream.events "
					 "WHERE stream_id OPERATOR(pg_catalog.=) $1 AND id OPERATOR(pg_catalog.<) $2 "
					 "ORDER BY id DESC LIMIT 1",
					 2, types);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the history of stream " INT64_FORMAT, stream_id);
	if (SPI_processed == 1)
	{
		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		memcpy(state, DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)),
			   sizeof(FlowState));
		*at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
		if (grace_matches != NULL)
		{
			Datum		grace = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);

			*grace_matches = flow_same_grace(grace, isnull, void_after, void_after_null);
		}
	}
	SPI_finish();
	return id;
}

static void
CheckBeforeRow(FunctionCallInfo fcinfo, const char *name)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "%s must run as a BEFORE ... FOR EACH ROW trigger", name);
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.streams: every change of
 * state or recipient gets its event, and last_event points at it.
 */
PG_FUNCTION_INFO_V1(streams_guard);
Datum
streams_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	old,
				new;
	int64		id,
				event_id;
	FlowState  *state;

	CheckBeforeRow(fcinfo, "streams_guard");
	rel = trig->tg_relation;

	if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("streams cannot be deleted"),
				 errhint("Void a stream with flowstream.void(); its row and its history stay.")));

	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		FlowState	last_state;
		int64		last_at;

		bool		grace_null,
					grace_matches = false;
		Datum		grace;

		new = trig->tg_trigtuple;
		id = GetInt64(new, rel, "id");
		state = flow_get_state(new, rel);
		grace = flow_get(new, rel, "void_after", &grace_null);
		if (flow_pending.active && flow_pending.op == OP_CREATE && flow_pending.stream_id == 0)
		{
			flow_pending.active = false;
			event_id = flow_write_event(id, OP_CREATE, flow_pending.actor, (Datum) 0, true,
										flow_pending.to, flow_pending.at, state, grace, grace_null);
			return Finish(new, rel, event_id, true);
		}

		/* a restore: the history came first, and the row must be where it ends */
		event_id = LastEvent(id, PG_INT64_MAX, &last_state, &last_at, grace, grace_null,
							 &grace_matches);
		if (event_id == 0 || flow_state_cmp(&last_state, state) != 0 || !grace_matches ||
			GetInt64(new, rel, "last_event") != event_id)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("streams are created with flowstream.create_stream()"),
					 errdetail("A row may be inserted directly only to restore a stream whose history, "
							   "ending in its state, void_after and last_event, is already in flowstream.events.")));
		return Finish(new, rel, 0, false);
	}

	/* UPDATE */
	old = trig->tg_trigtuple;
	new = trig->tg_newtuple;
	id = GetInt64(old, rel, "id");
	/* an API call: its operation is applied here, on the locked row */
	if (flow_pending.active && flow_pending.stream_id == id)
	{
		flow_pending.active = false;
		return Finish(flow_apply_pending(rel, old, new), rel, 0, false);
	}
	{
		static const char *const fixed[] = {"id", "sender", "token", "transferable",
		"created_at", "first_event", "last_event"};

		for (int i = 0; i < (int) lengthof(fixed); i++)
		{
			if (Changed(old, new, rel, fixed[i]))
				IllegalUpdate(id, psprintf("Column %s of a stream never changes.", fixed[i]));
		}
	}
	{
		FlowState  *before = flow_get_state(old, rel);
		bool		state_changed,
					recipient_changed,
					grace_changed,
					grace_null;
		Datum		grace;
		FlowOp		op;
		Datum		amount = (Datum) 0;
		bool		amount_null = true;
		const char *destination = NULL;
		const char *actor;
		int64		at;
		FlowState	touched;

		state = flow_get_state(new, rel);
		state_changed = flow_state_cmp(before, state) != 0;
		recipient_changed = Changed(old, new, rel, "recipient");
		grace = flow_get(new, rel, "void_after", &grace_null);
		{
			bool		old_null;
			Datum		old_grace = flow_get(old, rel, "void_after", &old_null);

			grace_changed = !flow_same_grace(old_grace, old_null, grace, grace_null);
		}
		if (!state_changed && !recipient_changed && !grace_changed)
			return Finish(new, rel, 0, false);	/* metadata: no operation */

		{
			/* a direct UPDATE: it must be one legal operation */
			actor = GetUserNameFromId(GetUserId(), false);
			if ((int) state_changed + (int) recipient_changed + (int) grace_changed > 1)
				IllegalUpdate(id, "One update changes one of the state, the recipient and void_after.");
			if (grace_changed)
			{
				op = OP_SET_VOID_AFTER;
				at = flow_time_arg(flow_clock_now());
				touched = *before;
				flow_check(flow_touch(&touched, at), before, at, NULL, FLOW_ARG_AMOUNT);
				if (before->voided)
					flow_report(FLOW_ERR_VOIDED, before, at, NULL, FLOW_ARG_AMOUNT);
				flow_check_grace(grace, grace_null);
			}
			else if (recipient_changed)
			{
				bool		isnull;

				op = OP_TRANSFER;
				at = flow_time_arg(flow_clock_now());
				touched = *before;
				flow_check(flow_touch(&touched, at), before, at, NULL, FLOW_ARG_AMOUNT);
				if (!DatumGetBool(flow_get(old, rel, "transferable", &isnull)))
					ereport(ERROR,
							(errcode(ERRCODE_FLOW_NOT_TRANSFERABLE),
							 errmsg("stream " INT64_FORMAT " is not transferable", id)));
				destination = TextDatumGetCString(flow_get(new, rel, "recipient", &isnull));
				if (destination[0] == '\0')
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("new recipient must be another, non-empty name")));
			}
			else
			{
				bool		isnull;

				op = InferOp(id, before, state, &amount, &amount_null);
				/* like the API, a direct update is an operation at flowstream.now() */
				at = flow_time_arg(flow_clock_now());
				if (state->last != at)
				{
					char		when[FLOW_TIME_TEXT_MAX];

					flow_format_time(at, when);
					IllegalUpdate(id, psprintf("A direct update is an operation at flowstream.now(); "
											   "the new state's last_op must be %s.", when));
				}
				if (op == OP_WITHDRAW || op == OP_REFUND)
					destination = TextDatumGetCString(flow_get(old, rel, op == OP_WITHDRAW ? "recipient" : "sender",
														  &isnull));
			}
		}
		if (op == OP_TRANSFER || op == OP_SET_VOID_AFTER)
		{
			/* no money moved, but the state records when the operation was */
			int			col = flow_column(rel, "state");
			Datum		value = FlowStatePGetDatum(&touched);
			bool		isnull = false;

			new = heap_modify_tuple_by_cols(new, RelationGetDescr(rel), 1, &col, &value, &isnull);
			state = &touched;
		}
		event_id = flow_write_event(id, op, actor, amount, amount_null, destination, at, state,
									grace, grace_null);
		return Finish(new, rel, event_id, false);
	}
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE on flowstream.events: the history is
 * append-only, and only the streams trigger or a restore adds to it.
 */
PG_FUNCTION_INFO_V1(events_guard);
Datum
events_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	new;
	int64		stream_id,
				prev_id,
				prev_at = 0,
				at;
	FlowState	prev;
	bool		isnull,
				amount_null;
	Datum		amount;
	const char *problem;
	FlowOp		op;

	CheckBeforeRow(fcinfo, "events_guard");
	if (!TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("flowstream.events is append-only"),
				 errdetail("The history of a stream is never changed or deleted.")));
	new = trig->tg_trigtuple;
	if (writing_event)
		return PointerGetDatum(new);

	/* a direct insert: only a restore, before its stream row, writes history */
	rel = trig->tg_relation;
	stream_id = GetInt64(new, rel, "stream_id");
	{
		Oid			types[1] = {INT8OID};
		Datum		values[1] = {Int64GetDatum(stream_id)};
		bool		exists;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute_plan(flow_plan(PLAN_STREAM_EXISTS,
									   "SELECT 1 FROM flowstream.streams "
									   "WHERE id OPERATOR(pg_catalog.=) $1",
									   1, types),
							 values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read flowstream.streams");
		exists = SPI_processed > 0;
		SPI_finish();
		if (exists)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("events are written by flowstream's API"),
					 errdetail("Only a restore inserts events directly, before the row of their stream.")));
	}
	op = flow_op_from_label(DatumGetCString(DirectFunctionCall1(enum_out, flow_get(new, rel, "op", &isnull))));
	amount = flow_get(new, rel, "amount", &amount_null);
	at = DatumGetTimestampTz(flow_get(new, rel, "at", &isnull));
	prev_id = LastEvent(stream_id, GetInt64(new, rel, "id"), &prev, &prev_at,
						(Datum) 0, true, NULL);
	{
		RestoredEvent *seen = hash_search(RestoredEvents(), &stream_id, HASH_FIND, NULL);

		if (seen != NULL && seen->event_id > prev_id && seen->event_id < GetInt64(new, rel, "id"))
		{
			prev_id = seen->event_id;
			prev = seen->state;
			prev_at = seen->at;
		}
	}
	problem = flow_replay(prev_id ? &prev : NULL, op, amount, amount_null, at, flow_get_state(new, rel));
	if (problem == NULL && prev_id != 0 && at < prev_at)
		problem = "it is earlier than the event before it";
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("event does not follow from the history of stream " INT64_FORMAT, stream_id),
				 errdetail("%s", problem)));
	{
		RestoredEvent *seen = hash_search(RestoredEvents(), &stream_id, HASH_ENTER, NULL);

		seen->event_id = GetInt64(new, rel, "id");
		seen->at = at;
		seen->state = *flow_get_state(new, rel);
	}
	return PointerGetDatum(new);
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
