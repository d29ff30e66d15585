/*
 * apply_bulk.c — streams created together (create_streams()), and deposits
 * into many streams (deposit_many()), written with one statement for their
 * events and one for their rows.
 *
 * Each stream is decided as create_stream() decides it, by the core's
 * create step and, for a first deposit, apply.c's own apply step on the
 * stream not written yet (flow_apply_held()); its ids are taken from
 * the sequences as it is added, in the order create_stream() would take
 * them.  Then the batch is written: its events by one INSERT ... SELECT
 * unnest($1), unnest($2), ... of arrays of their columns (in the select
 * list, which reads the arrays in step without keeping their rows aside),
 * its rows by another, which is handed to the trigger on
 * flowstream.streams as one call: the trigger lets in the batch's rows,
 * and only those, in their order, and fills in what it fills in for any
 * row (flow_finish_row()).  The foreign keys and every other trigger run
 * as for a single row.
 *
 * Deposits lock and read their streams' rows with one statement (FOR NO
 * KEY UPDATE, as an update of one row locks it, in the order of their ids),
 * apply each deposit in the order asked with the same apply step, on the
 * row as the deposits before it left it (errors come in that order too),
 * then write the events and update the rows with one statement each; the
 * trigger lets in only the batch's rows, as they were read, with the last
 * event the deposits gave them.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

/* the columns of a batch's rows, in the order of the INSERT */
enum
{
	ROW_ID, ROW_STATE, ROW_FIRST_EVENT, ROW_LAST_EVENT, ROW_TRANSFERABLE, ROW_SENDER,
	ROW_RECIPIENT, ROW_TOKEN, ROW_VOID_AFTER, ROW_METADATA, ROW_CONSENT_REQUIRED, ROW_COLUMNS
};

StaticAssertDecl(ROW_COLUMNS == lengthof(((FlowNewStreams *) NULL)->values),
				 "FlowNewStreams has a value per column of a row");

/* Starts a batch of new streams (as the tables' owner). */
void
flow_new_streams_begin(FlowNewStreams *b)
{
	const FlowCatalog *c = flow_catalog();

	memset(b, 0, sizeof(*b));
	b->cxt = AllocSetContextCreate(CurrentMemoryContext, "flowstream new streams",
								   ALLOCSET_DEFAULT_SIZES);
	b->sequence = flow_identity_sequence(c->streams, c->s_id);
	b->call.op = OP_CREATE;
	b->call.batch = b;
	flow_events_begin(&b->events);
}

/* Room for one more row. */
static void
Grow(FlowNewStreams *b)
{
	if (b->n < b->size)
		return;
	b->size = Max(64, b->size * 2);
	for (int i = 0; i < ROW_COLUMNS; i++)
	{
		if (b->n == 0)
		{
			b->values[i] = palloc(sizeof(Datum) * b->size);
			b->nulls[i] = palloc(sizeof(bool) * b->size);
		}
		else
		{
			b->values[i] = repalloc(b->values[i], sizeof(Datum) * b->size);
			b->nulls[i] = repalloc(b->nulls[i], sizeof(bool) * b->size);
		}
	}
}

/*
 * Adds the stream that call creates, decided by the core as row (its state
 * after the create; transferable, grace and consent as its row will have
 * them), with sender, recipient and token (text) and its grace; deposit,
 * unless NULL, is its first deposit, applied to it here.  Returns its id.
 */
int64
flow_new_stream(FlowNewStreams *b, FlowCall *call, OpRow *row, Datum sender, Datum recipient,
				Datum token, Datum void_after, bool void_after_null, FlowCall *deposit)
{
	MemoryContext old = MemoryContextSwitchTo(b->cxt);
	FlowEvent	ev;
	int64		id;
	int64		event_id;
	int			k;

	id = DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(b->sequence)));
	call->stream_id = id;
	call->event_id = flow_events_next_id(&b->events);
	flow_create_event(call, id, row, void_after, void_after_null, call->metadata, false, &ev);
	flow_events_add(&b->events, call->event_id, &ev);
	event_id = call->event_id;
	if (deposit != NULL)
	{
		deposit->stream_id = id;
		flow_apply_held(deposit, row, TextDatumGetCString(token), &ev);
		deposit->event_id = flow_events_next_id(&b->events);
		flow_events_add(&b->events, deposit->event_id, &ev);
		event_id = deposit->event_id;
	}

	Grow(b);
	k = b->n++;
	for (int i = 0; i < ROW_COLUMNS; i++)
		b->nulls[i][k] = false;
	b->values[ROW_ID][k] = Int64GetDatum(id);
	b->values[ROW_STATE][k] = flow_state_datum(&row->state);
	b->values[ROW_FIRST_EVENT][k] = Int64GetDatum(call->event_id);
	b->values[ROW_LAST_EVENT][k] = Int64GetDatum(event_id);
	b->values[ROW_TRANSFERABLE][k] = BoolGetDatum(row->transferable);
	b->values[ROW_SENDER][k] = sender;
	b->values[ROW_RECIPIENT][k] = recipient;
	b->values[ROW_TOKEN][k] = token;
	b->values[ROW_VOID_AFTER][k] = void_after;
	b->nulls[ROW_VOID_AFTER][k] = void_after_null;
	b->values[ROW_METADATA][k] = call->metadata;
	b->values[ROW_CONSENT_REQUIRED][k] = BoolGetDatum(row->consent_required);
	MemoryContextSwitchTo(old);
	return id;
}

/*
 * Writes the batch (its events, then its rows) and empties it.  Its
 * Datums of the caller's (sender, recipient, token, metadata, grace) must
 * live until then.
 */
void
flow_new_streams_write(FlowNewStreams *b)
{
	const FlowCatalog *c = flow_catalog();
	Oid			elems[ROW_COLUMNS] = {INT8OID, c->stream_type, INT8OID, INT8OID, BOOLOID,
		TEXTOID, TEXTOID, TEXTOID, INTERVALOID, JSONBOID, BOOLOID};
	Oid			types[ROW_COLUMNS];
	Datum		values[ROW_COLUMNS];
	MemoryContext old;
	SPIPlanPtr	plan;
	int			rc;

	if (b->n == 0)
		return;
	flow_check_writable();
	old = MemoryContextSwitchTo(b->cxt);
	flow_events_write(&b->events);
	for (int i = 0; i < ROW_COLUMNS; i++)
	{
		int16		len;
		bool		byval;
		char		align;
		int			dims[1] = {b->n};
		int			lbs[1] = {1};

		types[i] = get_array_type(elems[i]);
		get_typlenbyvalalign(elems[i], &len, &byval, &align);
		values[i] = PointerGetDatum(construct_md_array(b->values[i], b->nulls[i], 1, dims, lbs,
													   elems[i], len, byval, align));
	}
	plan = flow_plan(PLAN_CREATE_MANY,
					 "INSERT INTO flowstream.streams "
					 "(id, state, first_event, last_event, transferable, sender, recipient, token, "
					 "void_after, metadata, consent_required) "
					 "SELECT pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
					 "pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), "
					 "pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), "
					 "pg_catalog.unnest($10), pg_catalog.unnest($11)",
					 ROW_COLUMNS, types);
	b->next = 0;
	rc = flow_execute_call(&b->call, plan, values, NULL);
	if (rc != SPI_OK_INSERT || SPI_processed != (uint64) b->n)
		elog(ERROR, "could not insert the streams");
	if (b->next != b->n || !b->call.applied)
		elog(ERROR, "the trigger streams_guard on flowstream.streams did not run; is it disabled?");
	MemoryContextSwitchTo(old);
	MemoryContextReset(b->cxt);
	b->n = b->size = 0;
	flow_events_begin(&b->events);
}

/*
 * The trigger's part: the row new, inserted by the statement of call, a
 * batch's, must be the batch's next row (its id and its events); returns
 * it with what the trigger fills in for any row.
 */
HeapTuple
flow_new_stream_row(FlowCall *call, Relation rel, HeapTuple new)
{
	const FlowCatalog *c = flow_catalog();
	FlowNewStreams *b = call->batch;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	int			k = b->next;

	if (k >= b->n ||
		DatumGetInt64(heap_getattr(new, c->s_id, desc, &isnull)) !=
		DatumGetInt64(b->values[ROW_ID][k]) ||
		DatumGetInt64(heap_getattr(new, c->s_first_event, desc, &isnull)) !=
		DatumGetInt64(b->values[ROW_FIRST_EVENT][k]) ||
		DatumGetInt64(heap_getattr(new, c->s_last_event, desc, &isnull)) !=
		DatumGetInt64(b->values[ROW_LAST_EVENT][k]))
		elog(ERROR, "a row of flowstream.streams is not the next of the streams being created");
	b->next++;
	if (b->next == b->n)
		call->applied = true;
	return flow_finish_row(rel, new, 0, false);
}

/* qsort's order of ids */
static int
CompareIds(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Where stream id is among d's streams, or -1. */
static int
HeldAt(const FlowDeposits *d, int64 id)
{
	const int64 *at = bsearch(&id, d->ids, d->n, sizeof(int64), CompareIds);

	return at == NULL ? -1 : (int) (at - d->ids);
}

bool
flow_deposits_hold(const FlowDeposits *d, int64 id)
{
	return HeldAt(d, id) >= 0;
}

/*
 * Starts deposits into the streams of ids (n of them, NULLs skipped, as
 * the tables' owner) by actor at time at: their rows are locked, in the
 * order of their ids, as the update of a single deposit locks one (FOR NO
 * KEY UPDATE), and read.
 */
void
flow_deposits_begin(FlowDeposits *d, const char *actor, ActorProblem problem, int64 at,
					const Datum *ids, const bool *nulls, int n)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	int			dims[1];
	int			lbs[1] = {1};
	MemoryContext old;
	int			m = 0;

	memset(d, 0, sizeof(*d));
	d->cxt = AllocSetContextCreate(CurrentMemoryContext, "flowstream deposits",
								   ALLOCSET_DEFAULT_SIZES);
	d->actor = actor;
	d->actor_problem = problem;
	d->at = at;
	d->call.op = OP_DEPOSIT;
	d->call.deposits = d;
	flow_events_begin(&d->events);
	old = MemoryContextSwitchTo(d->cxt);
	d->ids = palloc(sizeof(int64) * Max(n, 1));
	for (int k = 0; k < n; k++)
	{
		if (!nulls[k])
			d->ids[m++] = DatumGetInt64(ids[k]);
	}
	qsort(d->ids, m, sizeof(int64), CompareIds);
	for (int k = 0; k < m; k++)
	{
		if (d->n == 0 || d->ids[d->n - 1] != d->ids[k])
			d->ids[d->n++] = d->ids[k];
	}
	d->read_last = palloc0(sizeof(int64) * Max(d->n, 1));
	d->last = palloc0(sizeof(int64) * Max(d->n, 1));
	d->rows = palloc0(sizeof(OpRow) * Max(d->n, 1));
	d->tokens = palloc0(sizeof(char *) * Max(d->n, 1));
	d->written = palloc0(sizeof(bool) * Max(d->n, 1));
	dims[0] = d->n;
	{
		Datum	   *elems = palloc(sizeof(Datum) * Max(d->n, 1));

		for (int i = 0; i < d->n; i++)
			elems[i] = Int64GetDatum(d->ids[i]);
		values[0] = PointerGetDatum(construct_md_array(elems, NULL, 1, dims, lbs, INT8OID,
													   sizeof(int64), FLOAT8PASSBYVAL,
													   TYPALIGN_DOUBLE));
	}
	MemoryContextSwitchTo(old);
	if (d->n == 0)
		return;

	/* the whole row, in the table's row type, as the trigger would see it */
	if (SPI_execute_plan(flow_plan(PLAN_LOCK_MANY,
								   "SELECT s FROM flowstream.streams s "
								   "WHERE s.id OPERATOR(pg_catalog.=) ANY ($1) "
								   "ORDER BY s.id FOR NO KEY UPDATE",
								   1, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the streams");
	old = MemoryContextSwitchTo(d->cxt);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		HeapTupleHeader h = DatumGetHeapTupleHeader(SPI_getbinval(SPI_tuptable->vals[r],
																  SPI_tuptable->tupdesc, 1,
																  &isnull));
		TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(h),
												  HeapTupleHeaderGetTypMod(h));
		HeapTupleData t;
		int			i;

		t.t_len = HeapTupleHeaderGetDatumLength(h);
		ItemPointerSetInvalid(&t.t_self);
		t.t_tableOid = InvalidOid;
		t.t_data = h;
		i = HeldAt(d, DatumGetInt64(heap_getattr(&t, c->s_id, desc, &isnull)));
		if (i < 0)
			elog(ERROR, "a stream was read that was not asked for");
		flow_read_row(&t, desc, &d->rows[i]);
		d->tokens[i] = TextDatumGetCString(heap_getattr(&t, c->s_token, desc, &isnull));
		d->read_last[i] = d->last[i] = DatumGetInt64(heap_getattr(&t, c->s_last_event, desc, &isnull));
		ReleaseTupleDesc(desc);
	}
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * A deposit of amount into stream id, one of d's, as deposit() makes it:
 * apply.c's step on the row as the deposits before it left it; SF001 when
 * there is no such stream.
 */
void
flow_deposit_held(FlowDeposits *d, int64 id, Datum amount, bool amount_null)
{
	int			i = HeldAt(d, id);
	MemoryContext old;
	FlowCall	call;
	FlowEvent	ev;

	if (i < 0 || d->read_last[i] == 0)
		flow_no_such_stream(id);
	memset(&call, 0, sizeof(call));
	call.stream_id = id;
	call.op = OP_DEPOSIT;
	call.actor = d->actor;
	call.actor_problem = d->actor_problem;
	call.at = d->at;
	call.amount = amount;
	call.amount_null = amount_null;
	old = MemoryContextSwitchTo(d->cxt);
	flow_apply_held(&call, &d->rows[i], d->tokens[i], &ev);
	d->last[i] = flow_events_next_id(&d->events);
	flow_events_add(&d->events, d->last[i], &ev);
	MemoryContextSwitchTo(old);
}

/*
 * Writes the deposits: their events, then the rows they changed, handed to
 * the trigger as one call; then d is done.
 */
void
flow_deposits_write(FlowDeposits *d)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[3] = {INT8ARRAYOID, get_array_type(c->stream_type), INT8ARRAYOID};
	Datum		values[3];
	Datum	   *ids,
			   *states,
			   *lasts;
	int			m = 0;
	int			dims[1];
	int			lbs[1] = {1};
	int16		len;
	bool		byval;
	char		align;
	MemoryContext old;
	int			rc;

	flow_check_writable();
	old = MemoryContextSwitchTo(d->cxt);
	flow_events_write(&d->events);
	ids = palloc(sizeof(Datum) * Max(d->n, 1));
	states = palloc(sizeof(Datum) * Max(d->n, 1));
	lasts = palloc(sizeof(Datum) * Max(d->n, 1));
	for (int i = 0; i < d->n; i++)
	{
		if (d->last[i] == d->read_last[i])
			continue;			/* no deposit into it (none asked for, or no such stream) */
		ids[m] = Int64GetDatum(d->ids[i]);
		states[m] = flow_state_datum(&d->rows[i].state);
		lasts[m++] = Int64GetDatum(d->last[i]);
	}
	if (m > 0)
	{
		dims[0] = m;
		get_typlenbyvalalign(c->stream_type, &len, &byval, &align);
		values[0] = PointerGetDatum(construct_md_array(ids, NULL, 1, dims, lbs, INT8OID,
													   sizeof(int64), FLOAT8PASSBYVAL,
													   TYPALIGN_DOUBLE));
		values[1] = PointerGetDatum(construct_md_array(states, NULL, 1, dims, lbs, c->stream_type,
													   len, byval, align));
		values[2] = PointerGetDatum(construct_md_array(lasts, NULL, 1, dims, lbs, INT8OID,
													   sizeof(int64), FLOAT8PASSBYVAL,
													   TYPALIGN_DOUBLE));
		d->next = 0;
		d->writing = m;
		rc = flow_execute_call(&d->call, flow_plan(PLAN_DEPOSIT_MANY,
												   "UPDATE flowstream.streams s "
												   "SET state = u.state, last_event = u.last_event "
												   "FROM (SELECT pg_catalog.unnest($1) AS id, "
												   "pg_catalog.unnest($2) AS state, "
												   "pg_catalog.unnest($3) AS last_event) u "
												   "WHERE s.id OPERATOR(pg_catalog.=) u.id",
												   3, types),
							   values, NULL);
		if (rc != SPI_OK_UPDATE || SPI_processed != (uint64) m)
			elog(ERROR, "could not update the streams");
		if (d->next != m || !d->call.applied)
			elog(ERROR, "the trigger streams_guard on flowstream.streams did not run; is it disabled?");
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(d->cxt);
}

/*
 * The trigger's part: the update of the row old to new, by the statement
 * of call, a batch of deposits', must be of one of its streams, as it was
 * read, to what the deposits made of it; returns new with what the trigger
 * fills in for any row.
 */
HeapTuple
flow_deposit_row(FlowCall *call, Relation rel, HeapTuple old, HeapTuple new)
{
	const FlowCatalog *c = flow_catalog();
	FlowDeposits *d = call->deposits;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	int			i = HeldAt(d, DatumGetInt64(heap_getattr(old, c->s_id, desc, &isnull)));

	if (i < 0 || d->written[i] || d->last[i] == d->read_last[i] ||
		DatumGetInt64(heap_getattr(old, c->s_last_event, desc, &isnull)) != d->read_last[i] ||
		DatumGetInt64(heap_getattr(new, c->s_last_event, desc, &isnull)) != d->last[i])
		elog(ERROR, "a row of flowstream.streams is not one the deposits under way changed");
	d->written[i] = true;
	if (++d->next == d->writing)
		call->applied = true;
	return flow_finish_row(rel, new, 0, false);
}
