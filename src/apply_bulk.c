/*
 * apply_bulk.c — streams created together (create_streams()), written with
 * one statement for their events and one for their rows.
 *
 * Each stream is decided as create_stream() decides it, by the core's
 * create step and, for a first deposit, apply.c's own apply step on the
 * stream not written yet (flow_apply_unwritten()); its ids are taken from
 * the sequences as it is added, in the order create_stream() would take
 * them.  Then the batch is written: its events by one INSERT ... SELECT
 * unnest($1), unnest($2), ... of arrays of their columns (in the select
 * list, which reads the arrays in step without keeping their rows aside),
 * its rows by another, which is handed to the trigger on
 * flowstream.streams as one call: the trigger lets in the batch's rows,
 * and only those, in their order, and fills in what it fills in for any
 * row (flow_finish_row()).  The foreign keys and every other trigger run
 * as for a single row.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

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
		flow_apply_unwritten(deposit, row, TextDatumGetCString(token), &ev);
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
