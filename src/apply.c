/*
 * apply.c — one operation on one locked stream row.
 *
 * The API describes an operation in a FlowCall and runs one UPDATE of the
 * stream's row (one INSERT to create); the BEFORE trigger on the table
 * (triggers.c) finds the call here and hands back the locked row, to which
 * flow_apply_row() applies the operation with the core's flow_apply(),
 * writing its event and the new row.  Reading, locking and writing a
 * stream thus take a single statement, and whatever path wrote it, a row
 * changes only with its event.
 *
 * The statements run with the caller's error context set aside, and an
 * error raised inside is raised again without the CONTEXT lines of these
 * internal statements: a caller sees the API function it called, not the
 * SQL it runs.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

static FlowCall *calls = NULL;	/* the innermost call under way */
static bool callbacks_registered = false;

static void
AtXactEnd(XactEvent event, void *arg)
{
	(void) event;
	(void) arg;
	calls = NULL;
}

/* A call of an aborted subtransaction (or of one below it) is over. */
static void
AtSubXactEnd(SubXactEvent event, SubTransactionId mySubid,
			 SubTransactionId parentSubid, void *arg)
{
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		while (calls != NULL && calls->subxid >= mySubid)
			calls = calls->outer;
	}
}

/* Registers the callbacks that end calls with their (sub)transactions. */
void
flow_apply_init(void)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(AtXactEnd, NULL);
		RegisterSubXactCallback(AtSubXactEnd, NULL);
		callbacks_registered = true;
	}
}

/*
 * The call the trigger on stream_id's row is to apply, or NULL: the call
 * for that stream, or a batch of deposits that holds it.
 */
FlowCall *
flow_call_for(int64 stream_id)
{
	if (calls != NULL && !calls->applied &&
		(calls->stream_id == stream_id ||
		 (calls->deposits != NULL && stream_id != 0 && flow_deposits_hold(calls->deposits, stream_id))))
		return calls;
	return NULL;
}

/* SF001 for stream id. */
void
flow_no_such_stream(int64 id)
{
	ereport(ERROR,
			(errcode(ERRCODE_FLOW_NOT_FOUND),
			 errmsg("stream " INT64_FORMAT " does not exist", id)));
}

/*
 * Runs one of the layer's statements for call, as the innermost call under
 * way; see the header comment for what happens to its errors.
 */
int
flow_execute_call(FlowCall *call, SPIPlanPtr plan, Datum *values, const char *nulls)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = 0;

	flow_check_writable();
	call->applied = false;
	call->subxid = GetCurrentSubTransactionId();
	call->outer = calls;
	calls = call;
	PG_TRY();
	{
		error_context_stack = NULL;
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* PG_CATCH has restored the caller's error context */
		if (calls == call)
			calls = call->outer;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		edata->context = NULL;
		edata->internalquery = NULL;
		edata->internalpos = 0;
		ThrowErrorData(edata);
	}
	PG_END_TRY();
	if (calls == call)
		calls = call->outer;
	return rc;
}

/*
 * Applies call to its stream: one UPDATE whose trigger does the work on the
 * locked row.  SF001 when there is no such stream.
 */
void
flow_apply_call(FlowCall *call)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(call->stream_id)};
	SPIPlanPtr	plan = flow_plan(PLAN_APPLY,
								 "UPDATE flowstream.streams SET state = state "
								 "WHERE id OPERATOR(pg_catalog.=) $1",
								 1, types);
	int			rc = flow_execute_call(call, plan, values, NULL);

	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not update stream " INT64_FORMAT, call->stream_id);
	if (SPI_processed == 0)
		flow_no_such_stream(call->stream_id);
	if (!call->applied)
		elog(ERROR, "the trigger streams_guard on flowstream.streams did not run; is it disabled?");
}

/*
 * Inserts the row of a stream that call creates (the core has checked it),
 * with the id allocated for it, or 0 for the next of the table's; the
 * trigger writes its create event.  Returns its id.
 */
int64
flow_create_call(FlowCall *call, int64 id, Datum sender, Datum recipient, Datum token,
				 const FlowState *state, bool transferable,
				 Datum void_after, bool void_after_null)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[9] = {TEXTOID, TEXTOID, TEXTOID, c->stream_type, BOOLOID, JSONBOID,
	INTERVALOID, BOOLOID, INT8OID};
	Datum		values[9] = {sender, recipient, token, flow_state_datum(state),
		BoolGetDatum(transferable), call->metadata, void_after,
	BoolGetDatum(call->consent_required), Int64GetDatum(id)};
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', void_after_null ? 'n' : ' ', ' ', ' '};
	SPIPlanPtr	plan;
	bool		isnull;
	int			rc;

	/* with no id allocated, the identity column gives one */
	if (id == 0)
		plan = flow_plan(PLAN_CREATE,
						 "INSERT INTO flowstream.streams "
						 "(sender, recipient, token, state, transferable, metadata, void_after, "
						 "consent_required) "
						 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
						 8, types);
	else
		plan = flow_plan(PLAN_CREATE_AT,
						 "INSERT INTO flowstream.streams "
						 "(sender, recipient, token, state, transferable, metadata, void_after, "
						 "consent_required, id) "
						 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
						 9, types);
	call->stream_id = 0;
	rc = flow_execute_call(call, plan, values, nulls);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1 || !call->applied)
		elog(ERROR, "could not insert the stream");
	call->stream_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 1, &isnull));
	return call->stream_id;
}

/* A time the core found for a column: infinity past the end of time. */
static Datum
TimeColumn(int64 at)
{
	return TimestampTzGetDatum(at > FLOW_TIME_MAX ? DT_NOEND : at);
}

/*
 * The columns the trigger keeps from a stream's state and settings, for
 * the indexes the jobs use: due_at (the sweeper), depletes_at (runway()),
 * top_up_at (the automatic top-ups), NULL when it never comes.  Stored
 * columns rather than expression indexes, so that an update that moves
 * none of them changes no indexed column and can be a HOT update.
 * Returns how many columns it filled (3).
 */
static int
Derived(const FlowState *state, Datum grace, bool grace_null, Datum keep, bool keep_null,
		int *cols, Datum *values, bool *nulls)
{
	const FlowCatalog *c = flow_catalog();
	FlowGrace	g;
	int64		at;

	cols[0] = c->s_due_at;
	cols[1] = c->s_depletes_at;
	cols[2] = c->s_top_up_at;
	nulls[0] = nulls[1] = nulls[2] = true;
	values[0] = values[1] = values[2] = (Datum) 0;
	if (!grace_null)
	{
		flow_grace_of(grace, &g);
		if (flow_due_time(state, &g, &at))
		{
			values[0] = TimeColumn(at);
			nulls[0] = false;
		}
	}
	switch (flow_depletion_time(state, &at))
	{
		case FLOW_DEPLETION_NONE:
			break;
		case FLOW_DEPLETION_BEYOND:
			values[1] = TimestampTzGetDatum(DT_NOEND);
			nulls[1] = false;
			break;
		case FLOW_DEPLETION_AT:
			values[1] = TimeColumn(at);
			nulls[1] = false;
			break;
	}
	if (!keep_null)
	{
		flow_grace_of(keep, &g);
		if (flow_top_up_at(state, &g, &at))
		{
			values[2] = TimeColumn(at);
			nulls[2] = false;
		}
	}
	return 3;
}

/*
 * The row to write: tuple with the columns Derived() keeps set from its
 * state, and last_event (and, creating, first_event) set to event_id
 * unless it is 0.
 */
HeapTuple
flow_finish_row(Relation rel, HeapTuple tuple, int64 event_id, bool creating)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	int			cols[5];
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			n = 0;
	bool		isnull,
				grace_null,
				keep_null;
	FlowState	state;
	Datum		grace = heap_getattr(tuple, c->s_void_after, desc, &grace_null);
	Datum		keep = heap_getattr(tuple, c->s_top_up_keep, desc, &keep_null);
	Datum		d = heap_getattr(tuple, c->s_state, desc, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("the state of a stream must not be null")));
	flow_state_arg(d, &state);
	n += Derived(&state, grace, grace_null, keep, keep_null, cols, values, nulls);
	if (event_id != 0)
	{
		cols[n] = c->s_last_event;
		values[n++] = Int64GetDatum(event_id);
	}
	if (creating)
	{
		cols[n] = c->s_first_event;
		values[n++] = Int64GetDatum(event_id);
	}
	return heap_modify_tuple_by_cols(tuple, desc, n, cols, values, nulls);
}

/*
 * The create event of stream id, which call creates: row is the stream as
 * its row records it (recipient, state, consent), with its grace and
 * metadata.
 */
void
flow_create_event(const FlowCall *call, int64 id, const OpRow *row, Datum void_after,
				  bool void_after_null, Datum metadata, bool metadata_null, FlowEvent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->stream_id = id;
	ev->op = OP_CREATE;
	ev->actor = call->actor;
	ev->destination = row->recipient;
	ev->at = call->at;
	ev->state = &row->state;
	ev->decimals = row->state.decimals;
	ev->void_after = void_after;
	ev->void_after_null = void_after_null;
	ev->metadata = metadata;
	ev->metadata_null = metadata_null;
	ev->consent_required = row->consent_required;
	ev->on_behalf_of = call->on_behalf_of;
}

/* The row of a stream created by call, with its create event written. */
HeapTuple
flow_create_row(FlowCall *call, Relation rel, HeapTuple new)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull,
				grace_null,
				metadata_null;
	FlowEvent	ev;
	OpRow		row;
	Datum		grace,
				metadata;

	call->applied = true;
	memset(&row, 0, sizeof(row));
	flow_state_arg(heap_getattr(new, c->s_state, desc, &isnull), &row.state);
	row.recipient = TextDatumGetCString(heap_getattr(new, c->s_recipient, desc, &isnull));
	row.consent_required = DatumGetBool(heap_getattr(new, c->s_consent_required, desc, &isnull));
	grace = heap_getattr(new, c->s_void_after, desc, &grace_null);
	metadata = heap_getattr(new, c->s_metadata, desc, &metadata_null);
	flow_create_event(call, DatumGetInt64(heap_getattr(new, c->s_id, desc, &isnull)), &row,
					  grace, grace_null, metadata, metadata_null, &ev);
	call->event_id = flow_write_event(&ev);
	return flow_finish_row(rel, new, call->event_id, true);
}

/* call's amount or rate argument, at the scale its stream takes */
static FlowAmount
AmountArgument(const FlowCall *call, int decimals)
{
	FlowAmount	a = {FLOW_ERR_NULL, 0};

	if (!call->amount_null)
		a = numeric_to_amount(call->amount,
							  flow_op_takes_rate(call->op) ? FLOW_RATE_SCALE : decimals);
	return a;
}

/* the account a bridge moves, beside its stream */
typedef struct Bridge
{
	OpAccount	account;
	int64		id;
	bool		created;
	int			outflows;
	const char *token;
} Bridge;

/*
 * A bridge: the stream's operation and its party's account, which it
 * locks after the stream's row (the order every path keeps: streams, then
 * accounts in the order of their ids, then flows).  *t may move on to the
 * account's last operation, on the real clock.
 */
static FlowError
ApplyBridge(FlowCall *call, OpRow *row, const OpActor *actor, const char *token, int64 *t,
			Bridge *bridge)
{
	bool		credits = call->op == OP_WITHDRAW_TO_ACCOUNT;
	int			decimals;
	FlowError	err;

	memset(bridge, 0, sizeof(*bridge));
	bridge->token = token;
	flow_lock_stream_account(credits ? row->recipient : row->sender, bridge->token, credits,
							 &bridge->account, &bridge->id, &bridge->created, &decimals,
							 &bridge->outflows);
	*t = flow_account_operation_time(*t, &bridge->account.state, NULL, flow_clock_pinned());
	err = flow_apply_bridge(call->op, row, &bridge->account, &call->args, actor, *t, &call->res);
	if (err == FLOW_ERR_UNAVAILABLE || err == FLOW_ERR_CRITICAL ||
		(err == FLOW_ERR_TIME_ORDER && *t < bridge->account.state.last))
	{
		AccountCall ac;

		memset(&ac, 0, sizeof(ac));
		ac.op = call->op;
		ac.actor = call->actor;
		ac.party = bridge->account.party;
		ac.token = bridge->token;
		ac.decimals = decimals;
		ac.res = call->res;
		ac.args = call->args;
		flow_report_account(err, &ac, &bridge->account.state, *t);
	}
	return err;
}

/* The row of a stream as the rules see it (the strings are copies). */
void
flow_read_row(HeapTuple old, TupleDesc desc, OpRow *row)
{
	const FlowCatalog *c = flow_catalog();
	bool		isnull;
	Datum		d;

	memset(row, 0, sizeof(*row));
	flow_state_arg(heap_getattr(old, c->s_state, desc, &isnull), &row->state);
	row->sender = TextDatumGetCString(heap_getattr(old, c->s_sender, desc, &isnull));
	row->recipient = TextDatumGetCString(heap_getattr(old, c->s_recipient, desc, &isnull));
	row->transferable = DatumGetBool(heap_getattr(old, c->s_transferable, desc, &isnull));
	d = heap_getattr(old, c->s_void_after, desc, &isnull);
	row->has_grace = !isnull;
	if (!isnull)
		flow_grace_of(d, &row->grace);
	row->consent_required = DatumGetBool(heap_getattr(old, c->s_consent_required, desc, &isnull));
	d = heap_getattr(old, c->s_proposed_by, desc, &isnull);
	if (!isnull)
	{
		U256		rate;

		row->has_proposal = true;
		row->proposed_by = TextDatumGetCString(d);
		d = heap_getattr(old, c->s_proposed_rate, desc, &isnull);
		if (isnull || !numeric_to_units(d, FLOW_RATE_SCALE, &rate) || !u256_fits_u128(&rate))
			elog(ERROR, "the proposed rate of a stream is not a rate");
		row->proposed_rate = u256_low128(&rate);
		d = heap_getattr(old, c->s_proposed_end, desc, &isnull);
		row->proposed_has_end = !isnull;
		row->proposed_end = isnull ? 0 : DatumGetTimestampTz(d);
	}
	d = heap_getattr(old, c->s_top_up_keep, desc, &isnull);
	row->has_top_up = !isnull;
	if (!isnull)
		flow_grace_of(d, &row->top_up_keep);
}

/*
 * Writes the events of call on the stream, the state after each in
 * states: one, but three for a redeem (its void, the payment to the
 * recipient, the refund to the sender; the last two when they move
 * money).  Returns the id of the last.
 */
static int64
WriteEvents(FlowCall *call, FlowEvent *ev, const OpRow *row, const OpRow *before)
{
	const OpResult *res = &call->res;

	if (call->op != OP_REDEEM)
		return flow_write_event(ev);

	ev->state = &res->after_void;
	ev->amount = res->written_off;
	call->event_id = flow_write_event(ev);
	ev->op = OP_WITHDRAW;
	if (res->paid > 0)
	{
		ev->state = &res->after_paid;
		ev->amount = u256_from_u128(res->paid);
		ev->destination = before->recipient;
		call->event_id = flow_write_event(ev);
	}
	if (res->refunded > 0)
	{
		ev->op = OP_REFUND;
		ev->state = &row->state;
		ev->amount = u256_from_u128(res->refunded);
		ev->destination = before->sender;
		call->event_id = flow_write_event(ev);
	}
	return call->event_id;
}

/* how many of this file's writes of flowstream.payouts are under way */
static int	writing_payouts = 0;

bool
flow_writing_payouts(void)
{
	return writing_payouts > 0;
}

static void
WritePayouts(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	volatile int rc = 0;

	writing_payouts++;
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_payouts--;
	}
	PG_END_TRY();
	if (rc < 0)
		elog(ERROR, "could not write flowstream.payouts");
}

/*
 * The schedule a set_auto_withdraw sets in flowstream.payouts: the first
 * payout one period after t; none when its interval is NULL.
 */
static void
SetPayout(const FlowCall *call, int64 t)
{
	Oid			types[5] = {INT8OID, INTERVALOID, TEXTOID, TIMESTAMPTZOID, INT8OID};
	Datum		values[5];
	char		nulls[5] = "     ";
	int64		first;

	values[0] = Int64GetDatum(call->stream_id);
	if (!call->args.has_grace)
	{
		WritePayouts("DELETE FROM flowstream.payouts WHERE stream_id OPERATOR(pg_catalog.=) $1",
					 1, types, values, nulls);
		return;
	}
	(void) flow_after(t, &call->args.grace, &first);
	values[1] = flow_grace_datum(&call->args.grace);
	values[2] = call->args.name ? CStringGetTextDatum(call->args.name) : (Datum) 0;
	nulls[2] = call->args.name ? ' ' : 'n';
	values[3] = TimeColumn(first);
	values[4] = Int64GetDatum(call->event_id);
	WritePayouts("INSERT INTO flowstream.payouts (stream_id, every, \"to\", next_at, set_by) "
				 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (stream_id) DO UPDATE SET "
				 "every = EXCLUDED.every, \"to\" = EXCLUDED.\"to\", next_at = EXCLUDED.next_at, "
				 "set_by = EXCLUDED.set_by",
				 5, types, values, nulls);
}

/* Moves the next payout of stream id on to next_at (the maintenance job's). */
void
flow_move_payout(int64 id, int64 next_at)
{
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		values[2] = {Int64GetDatum(id), TimeColumn(next_at)};

	WritePayouts("UPDATE flowstream.payouts SET next_at = $2 WHERE stream_id OPERATOR(pg_catalog.=) $1",
				 2, types, values, NULL);
}

/* The columns of a stream's row that keep its proposed update. */
static int
ProposalColumns(const OpRow *row, int *cols, Datum *values, bool *nulls)
{
	const FlowCatalog *c = flow_catalog();

	cols[0] = c->s_proposed_rate;
	cols[1] = c->s_proposed_end;
	cols[2] = c->s_proposed_by;
	nulls[0] = nulls[1] = nulls[2] = true;
	if (row->has_proposal)
	{
		values[0] = rate_to_numeric(row->proposed_rate);
		nulls[0] = false;
		if (row->proposed_has_end)
		{
			values[1] = TimestampTzGetDatum(row->proposed_end);
			nulls[1] = false;
		}
		values[2] = CStringGetTextDatum(row->proposed_by);
		nulls[2] = false;
	}
	return 3;
}

/* Who acts in call on row, as the rules see it (no operator's grants yet). */
static void
ActorOf(const FlowCall *call, const OpRow *row, OpActor *actor)
{
	memset(actor, 0, sizeof(*actor));
	actor->name = call->actor;
	actor->system = call->system;
	actor->refused = call->actor_problem != ACTOR_OK;
	actor->as_sender = strcmp(call->actor, row->sender) == 0;
	actor->as_recipient = strcmp(call->actor, row->recipient) == 0;
}

/*
 * Readies call for row: its amount at the stream's scale, and the time it
 * takes place, which it returns; a rate written rather than an operation
 * named becomes the operation the core's rule makes of it.
 */
static int64
Prepare(FlowCall *call, const OpRow *row)
{
	int64		t;

	call->applied = true;
	call->decimals = row->state.decimals;
	if (flow_op_takes_number(call->op))
		call->args.amount = AmountArgument(call, row->state.decimals);
	t = flow_operation_time(call->at, &row->state, flow_clock_pinned());
	if (call->rate_by_rule)
	{
		/* the rule users' tables follow too (derive.c): a bad rate is refused in its place */
		call->op = flow_rate_column_op(&row->state, t, &call->args.amount);
	}
	return t;
}

/*
 * Applies call to row (of a stream of token) at *t, as actor: an actor that
 * may not act as a party may act as an operator, so the operation is then
 * tried again with the grants of the stream's parties (read only then, so
 * the common case reads no approvals).  A bridge locks its account too.
 */
static FlowError
ApplyActing(FlowCall *call, OpRow *row, OpActor *actor, const char *token, int64 *t,
			Bridge *bridge)
{
	bool		bridged = flow_ops[call->op].kind == KIND_BRIDGE;
	FlowError	err = FLOW_OK;

	for (int pass = 0; pass < 2; pass++)
	{
		int64		at = *t;

		if (bridged)
			err = ApplyBridge(call, row, actor, token, &at, bridge);
		else
			err = flow_apply(call->op, row, &call->args, actor, at, &call->res);
		if (err != FLOW_ERR_NOT_ALLOWED || pass == 1 || actor->refused || actor->system)
		{
			*t = at;
			break;
		}
		flow_operator_grants(actor, row->sender, row->recipient, token);
		if (actor->sender_grant == 0 && actor->recipient_grant == 0)
			break;
	}
	return err;
}

/* The event of call, applied at t to the stream before, which it left as row. */
static void
OperationEvent(const FlowCall *call, const OpRow *row, const OpRow *before, int64 t,
			   FlowEvent *ev)
{
	const OpInfo *info = &flow_ops[call->op];

	memset(ev, 0, sizeof(*ev));
	ev->stream_id = call->stream_id;
	ev->op = call->op;
	ev->actor = call->actor;
	ev->has_amount = info->records != REC_NOTHING;
	ev->amount = info->records == REC_WRITTEN_OFF ? call->res.written_off :
		u256_from_u128(call->res.units);
	ev->decimals = row->state.decimals;
	ev->destination = call->res.destination;
	ev->at = t;
	ev->state = &row->state;
	/* the grace after the operation */
	ev->void_after_null = !row->has_grace;
	ev->void_after = row->has_grace ? flow_grace_datum(&row->grace) : (Datum) 0;
	ev->metadata = call->metadata;
	ev->metadata_null = call->op != OP_SET_METADATA;
	if (call->op == OP_PROPOSE_UPDATE || call->op == OP_CONFIRM_UPDATE)
	{
		ev->has_end_at = call->args.has_end;
		ev->end_at = call->args.end;
	}
	if (call->op == OP_SET_AUTO_TOP_UP || call->op == OP_SET_AUTO_WITHDRAW)
	{
		ev->every_null = !call->args.has_grace;
		ev->every = call->args.has_grace ? flow_grace_datum(&call->args.grace) : (Datum) 0;
	}
	else
		ev->every_null = true;
	/* an automatic act of the maintenance job is on behalf of the party that asked for it */
	if (call->system && call->on_behalf_of != NULL)
		ev->on_behalf_of = call->on_behalf_of;
	if (call->res.acted_for == ACTED_FOR_SENDER)
		ev->on_behalf_of = before->sender;
	else if (call->res.acted_for == ACTED_FOR_RECIPIENT)
		ev->on_behalf_of = before->recipient;
}

/*
 * Applies call to row, a stream of token held in memory (one not written
 * yet, as the first deposit of a stream that create_streams() creates, or
 * one locked and read by deposit_many()), as flow_apply_row() applies it to
 * a table's row, and leaves its event in ev for the caller to write.  Only
 * an operation that writes nothing but its event and the row: not a
 * bridge, a redeem or set_auto_withdraw.
 */
void
flow_apply_held(FlowCall *call, OpRow *row, const char *token, FlowEvent *ev)
{
	OpRow		before = *row;
	OpActor		actor;
	int64		t;
	FlowError	err;

	if (flow_ops[call->op].kind == KIND_BRIDGE || call->op == OP_REDEEM ||
		call->op == OP_SET_AUTO_WITHDRAW || call->rate_by_rule)
		elog(ERROR, "%s cannot be applied to a stream not written yet", flow_ops[call->op].label);
	ActorOf(call, row, &actor);
	t = Prepare(call, row);
	err = ApplyActing(call, row, &actor, token, &t, NULL);
	call->had_proposal = before.has_proposal;
	if (err != FLOW_OK)
		flow_report_call(err, call, &before.state, t);
	OperationEvent(call, row, &before, t, ev);
}

/*
 * Applies call to the locked row old and returns the row to write instead
 * of new: the stream after the operation, pointing at the (last) event it
 * wrote.
 */
HeapTuple
flow_apply_row(FlowCall *call, Relation rel, HeapTuple old, HeapTuple new)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull,
				grace_null;
	OpRow		row,
				before;
	OpActor		actor;
	FlowEvent	ev;
	Bridge		bridge;
	int64		t;
	FlowError	err;
	Datum		grace;
	int			cols[14];
	Datum		values[14];
	bool		nulls[14];
	int			n = 0;
	bool		bridged;
	const char *token;

	flow_read_row(old, desc, &row);
	before = row;
	ActorOf(call, &row, &actor);
	t = Prepare(call, &row);
	bridged = flow_ops[call->op].kind == KIND_BRIDGE;
	token = TextDatumGetCString(heap_getattr(old, c->s_token, desc, &isnull));

	/* a bridge's account and an operator's grants are read through SPI, from this trigger */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	err = ApplyActing(call, &row, &actor, token, &t, &bridge);
	call->had_proposal = before.has_proposal;
	if (err != FLOW_OK)
		flow_report_call(err, call, &before.state, t);

	grace_null = !row.has_grace;
	OperationEvent(call, &row, &before, t, &ev);
	if (bridged)
	{
		ev.account_id = bridge.id;
		ev.account = &bridge.account.state;
	}
	call->event_id = WriteEvents(call, &ev, &row, &before);
	if (call->op == OP_SET_AUTO_WITHDRAW)
		SetPayout(call, t);
	if (bridged)
		flow_write_stream_account(bridge.id, bridge.created, bridge.account.party, bridge.token,
								  &bridge.account.state, bridge.outflows, call->event_id);
	SPI_finish();

	/* the row, built in the trigger's memory (SPI's is gone) */
	memset(nulls, 0, sizeof(nulls));
	grace = grace_null ? (Datum) 0 : flow_grace_datum(&row.grace);
	cols[n] = c->s_state;
	values[n++] = flow_state_datum(&row.state);
	cols[n] = c->s_last_event;
	values[n++] = Int64GetDatum(call->event_id);
	n += Derived(&row.state, grace, grace_null,
				 row.has_top_up ? flow_grace_datum(&row.top_up_keep) : (Datum) 0, !row.has_top_up,
				 &cols[n], &values[n], &nulls[n]);
	switch (call->op)
	{
		case OP_TRANSFER:
			cols[n] = c->s_recipient;
			values[n++] = CStringGetTextDatum(row.recipient);
			break;
		case OP_SET_VOID_AFTER:
			cols[n] = c->s_void_after;
			values[n] = grace;
			nulls[n++] = grace_null;
			break;
		case OP_SET_METADATA:
			cols[n] = c->s_metadata;
			values[n++] = call->metadata;
			break;
		case OP_PROPOSE_UPDATE:
		case OP_CONFIRM_UPDATE:
		case OP_REVOKE_UPDATE:
			n += ProposalColumns(&row, &cols[n], &values[n], &nulls[n]);
			break;
		case OP_SET_AUTO_TOP_UP:
			cols[n] = c->s_top_up_keep;
			values[n] = row.has_top_up ? flow_grace_datum(&row.top_up_keep) : (Datum) 0;
			nulls[n++] = !row.has_top_up;
			break;
		default:
			break;
	}
	return heap_modify_tuple_by_cols(new, desc, n, cols, values, nulls);
}
