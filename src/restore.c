/*
 * restore.c — what a restore may write without the API.
 *
 * pg_dump dumps flowstream's tables (pg_extension_config_dump), history
 * first: the stream rows reference their first event.  A restore inserts
 * each stream's events, then its row; this file checks that every such
 * event follows from the one before it by the core's replay, and that the
 * row is exactly where its history ends.  Anything else that is written to
 * the tables directly is refused by the guards (triggers.c).
 *
 * A COPY inserts a stream's whole history in one command, whose earlier
 * rows that command's own queries cannot see yet: the last restored event
 * of each stream is remembered for the transaction.  What a subtransaction
 * remembered is forgotten when it aborts, so a rolled-back event never
 * becomes a later event's "previous".
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

/* one remembered event of a stream, and the one it replaced */
typedef struct Remembered
{
	SubTransactionId subxid;	/* the subtransaction that remembered it */
	int64		event_id;
	int64		at;
	FlowState	state;
	struct Remembered *older;
} Remembered;

typedef struct RestoredStream
{
	int64		stream_id;		/* hash key */
	Remembered *last;
} RestoredStream;

static HTAB *restored = NULL;
static bool callbacks_registered = false;

/* Forgets everything at the end of the transaction. */
static void
AtXactEnd(XactEvent event, void *arg)
{
	(void) arg;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		restored = NULL;		/* its memory goes with TopTransactionContext */
}

/*
 * A subtransaction's end: an abort forgets what it remembered; a commit
 * hands it to the parent, whose abort must forget it in turn.
 */
static void
AtSubXactEnd(SubXactEvent event, SubTransactionId mySubid,
			 SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS seq;
	RestoredStream *entry;

	(void) arg;
	if (restored == NULL ||
		(event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB))
		return;
	hash_seq_init(&seq, restored);
	while ((entry = (RestoredStream *) hash_seq_search(&seq)) != NULL)
	{
		if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			while (entry->last != NULL && entry->last->subxid == mySubid)
				entry->last = entry->last->older;
			if (entry->last == NULL)
				(void) hash_search(restored, &entry->stream_id, HASH_REMOVE, NULL);
		}
		else
		{
			for (Remembered *r = entry->last; r != NULL && r->subxid == mySubid; r = r->older)
				r->subxid = parentSubid;
		}
	}
}

static HTAB *
Restored(void)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(AtXactEnd, NULL);
		RegisterSubXactCallback(AtSubXactEnd, NULL);
		callbacks_registered = true;
	}
	if (restored == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(RestoredStream);
		ctl.hcxt = TopTransactionContext;
		restored = hash_create("flowstream restored events", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return restored;
}

/*
 * The latest event of a stream before event before_id, as its queries see
 * it: its id (0 when there is none), state, time and grace.
 */
static int64
LastEvent(int64 stream_id, int64 before_id, FlowState *state, int64 *at,
		  Datum *grace, bool *grace_null)
{
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2] = {Int64GetDatum(stream_id), Int64GetDatum(before_id)};
	bool		isnull;
	int64		id = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(flow_plan(PLAN_LAST_EVENT,
								   "SELECT id, state, at, void_after FROM flowstream.events "
								   "WHERE stream_id OPERATOR(pg_catalog.=) $1 "
								   "AND id OPERATOR(pg_catalog.<) $2 "
								   "ORDER BY id DESC LIMIT 1",
								   2, types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the history of stream " INT64_FORMAT, stream_id);
	if (SPI_processed == 1)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		flow_state_arg(SPI_getbinval(tuple, desc, 2, &isnull), state);
		*at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &isnull));
		if (grace != NULL)
		{
			*grace = SPI_getbinval(tuple, desc, 4, grace_null);
			if (!*grace_null)
				*grace = SPI_datumTransfer(*grace, false, sizeof(Interval));
		}
	}
	SPI_finish();
	return id;
}

static bool
StreamExists(int64 stream_id)
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
	return exists;
}

static void
NotFromHistory(int64 stream_id, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("event does not follow from the history of stream " INT64_FORMAT, stream_id),
			 errdetail("%s", problem)));
}

/*
 * A direct insert into flowstream.events: allowed only to restore a
 * stream's history, before its row, one event after the other.
 */
void
flow_restore_event(Relation rel, HeapTuple tuple)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull,
				amount_null;
	int64		stream_id = DatumGetInt64(heap_getattr(tuple, c->e_stream_id, desc, &isnull));
	int64		event_id = DatumGetInt64(heap_getattr(tuple, c->e_id, desc, &isnull));
	FlowOp		op = flow_op_of_label(DatumGetObjectId(heap_getattr(tuple, c->e_op, desc, &isnull)));
	Datum		amount = heap_getattr(tuple, c->e_amount, desc, &amount_null);
	int64		at = DatumGetTimestampTz(heap_getattr(tuple, c->e_at, desc, &isnull));
	FlowState	after,
				prev;
	int64		prev_id,
				prev_at = 0;
	RestoredStream *seen;
	Remembered *r;
	U256		recorded;
	char		problem[FLOW_DETAIL_MAX];
	const char *why;

	if (StreamExists(stream_id))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("events are written by flowstream's API"),
				 errdetail("Only a restore inserts events directly, before the row of their stream.")));
	flow_state_arg(heap_getattr(tuple, c->e_state, desc, &isnull), &after);

	prev_id = LastEvent(stream_id, event_id, &prev, &prev_at, NULL, NULL);
	seen = hash_search(Restored(), &stream_id, HASH_FIND, NULL);
	if (seen != NULL && seen->last->event_id > prev_id && seen->last->event_id < event_id)
	{
		prev_id = seen->last->event_id;
		prev = seen->last->state;
		prev_at = seen->last->at;
	}

	if (!amount_null &&
		!numeric_to_units(amount, flow_event_scale(op, after.decimals), &recorded))
		NotFromHistory(stream_id, "its amount is not an amount of its stream's token");
	why = flow_replay(prev_id != 0 ? &prev : NULL, op, amount_null ? NULL : &recorded,
					  at, &after, problem);
	if (why == NULL && prev_id != 0 && at < prev_at)
		why = "it is earlier than the event before it";
	if (why != NULL)
		NotFromHistory(stream_id, why);

	seen = hash_search(Restored(), &stream_id, HASH_ENTER, NULL);
	r = MemoryContextAlloc(TopTransactionContext, sizeof(Remembered));
	r->subxid = GetCurrentSubTransactionId();
	r->event_id = event_id;
	r->at = at;
	r->state = after;
	r->older = seen->last;
	seen->last = r;
}

/*
 * Whether the columns a stream's history fixes besides its state are the
 * row's: its sender and consent_required (its create event's), its
 * proposed update (the last propose_update, unless a confirm or a revoke
 * came after it) and the runway its top-ups keep (the last
 * set_auto_top_up's).
 */
static bool
SameTerms(int64 stream_id, HeapTuple tuple, TupleDesc desc)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[6] = {INT8OID, TEXTOID, BOOLOID, NUMERICOID, TIMESTAMPTZOID, INTERVALOID};
	Datum		values[6];
	char		nulls[6] = "      ";
	bool		isnull,
				same;

	values[0] = Int64GetDatum(stream_id);
	values[1] = heap_getattr(tuple, c->s_sender, desc, &isnull);
	values[2] = heap_getattr(tuple, c->s_consent_required, desc, &isnull);
	values[3] = heap_getattr(tuple, c->s_proposed_rate, desc, &isnull);
	nulls[3] = isnull ? 'n' : ' ';
	values[4] = heap_getattr(tuple, c->s_proposed_end, desc, &isnull);
	nulls[4] = isnull ? 'n' : ' ';
	values[5] = heap_getattr(tuple, c->s_top_up_keep, desc, &isnull);
	nulls[5] = isnull ? 'n' : ' ';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(flow_plan(PLAN_RESTORE_TERMS,
								   "SELECT coalesce(cr.on_behalf_of, cr.actor) = $2 "
								   "AND coalesce(cr.consent_required, false) = $3 "
								   "AND CASE WHEN p.op = 'propose_update' "
								   "THEN p.amount = $4 AND p.end_at IS NOT DISTINCT FROM $5 "
								   "ELSE $4 IS NULL AND $5 IS NULL END "
								   "AND (SELECT a.every FROM flowstream.events a "
								   "WHERE a.stream_id OPERATOR(pg_catalog.=) $1 AND a.op = 'set_auto_top_up' "
								   "ORDER BY a.id DESC LIMIT 1) IS NOT DISTINCT FROM $6, "
								   "CASE WHEN p.op = 'propose_update' THEN coalesce(p.on_behalf_of, p.actor) END "
								   "FROM (SELECT * FROM flowstream.events WHERE stream_id OPERATOR(pg_catalog.=) $1 "
								   "ORDER BY id LIMIT 1) cr "
								   "LEFT JOIN LATERAL (SELECT * FROM flowstream.events "
								   "WHERE stream_id OPERATOR(pg_catalog.=) $1 "
								   "AND op IN ('propose_update', 'confirm_update', 'revoke_update') "
								   "ORDER BY id DESC LIMIT 1) p ON true",
								   6, types),
						 values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the history of stream " INT64_FORMAT, stream_id);
	same = SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
	if (same)
	{
		char	   *by = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		bool		row_by_null;
		Datum		row_by = heap_getattr(tuple, c->s_proposed_by, desc, &row_by_null);

		same = (by == NULL) == row_by_null &&
			(by == NULL || strcmp(by, TextDatumGetCString(row_by)) == 0);
	}
	SPI_finish();
	return same;
}

/*
 * A direct insert into flowstream.streams: allowed only to restore a
 * stream whose history, ending in its state, grace and last_event, is
 * already in flowstream.events.
 */
void
flow_restore_stream(Relation rel, HeapTuple tuple)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull,
				grace_null,
				last_grace_null = true;
	int64		id = DatumGetInt64(heap_getattr(tuple, c->s_id, desc, &isnull));
	Datum		grace = heap_getattr(tuple, c->s_void_after, desc, &grace_null);
	Datum		last_event = heap_getattr(tuple, c->s_last_event, desc, &isnull);
	Datum		last_grace = (Datum) 0;
	FlowState	row,
				last_state;
	int64		last_at;
	int64		event_id;

	flow_state_arg(heap_getattr(tuple, c->s_state, desc, &isnull), &row);
	event_id = LastEvent(id, PG_INT64_MAX, &last_state, &last_at, &last_grace, &last_grace_null);
	if (event_id == 0 || flow_state_cmp(&last_state, &row) != 0 ||
		!flow_same_grace(grace, grace_null, last_grace, last_grace_null) ||
		isnull || DatumGetInt64(last_event) != event_id || !SameTerms(id, tuple, desc))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("streams are created with flowstream.create_stream()"),
				 errdetail("A row may be inserted directly only to restore a stream whose history, "
						   "ending in its state, void_after, last_event and proposed update, and beginning "
						   "with its sender and consent_required, is already in flowstream.events.")));
}
