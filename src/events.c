/*
 * events.c — writing the history.  Every event of flowstream.events is
 * written here, by the operation that it records, as the tables' owner;
 * the guard on the table lets through what this file writes and, besides
 * that, only a restore.  Each event is also a notification on the channel
 * flowstream_events, sent at commit.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* how many events this backend is writing now (nested calls each add one) */
static int	writing_events = 0;

/* Whether the insert now under way into flowstream.events is one of ours. */
bool
flow_writing_event(void)
{
	return writing_events > 0;
}

/* An interval for a grace. */
Datum
flow_grace_datum(const FlowGrace *g)
{
	Interval   *span = (Interval *) palloc(sizeof(Interval));

	span->month = g->months;
	span->day = g->days;
	span->time = g->usecs;
	return IntervalPGetDatum(span);
}

/* The grace of an interval. */
void
flow_grace_of(Datum interval, FlowGrace *g)
{
	Interval   *span = DatumGetIntervalP(interval);

	g->months = span->month;
	g->days = span->day;
	g->usecs = span->time;
}

/* Whether two graces (intervals, maybe NULL) are the same. */
bool
flow_same_grace(Datum a, bool a_null, Datum b, bool b_null)
{
	if (a_null || b_null)
		return a_null == b_null;
	return DatumGetBool(DirectFunctionCall2(interval_eq, a, b));
}

/*
 * Tells listeners of flowstream_events about event id, at commit (SPEC §8):
 * its id, its operation and the ids of what it moved, never a party or an
 * amount, since any role may listen to any channel; a listener reads the
 * rest through row-level security.  A rolled-back event notifies nothing,
 * and none is sent while the settings turn notifications off.
 */
static void
Notify(int64 id, const FlowEvent *e)
{
	/* written without a format: this runs once an event, many times a bulk call */
	char		payload[256];
	char	   *p = payload;

#define PUT(s) do { size_t len_ = strlen(s); memcpy(p, s, len_); p += len_; } while (0)
#define PUT_ID(name, v) do { PUT(name); p += pg_lltoa(v, p); } while (0)
	PUT_ID("{\"event\": ", id);
	PUT(", \"op\": \"");
	PUT(flow_ops[e->op].label);
	PUT("\"");
	if (e->stream_id != 0)
		PUT_ID(", \"stream\": ", e->stream_id);
	if (e->account_id != 0)
		PUT_ID(", \"account\": ", e->account_id);
	if (e->peer_id != 0)
		PUT_ID(", \"peer\": ", e->peer_id);
	if (e->flow_id != 0)
		PUT_ID(", \"flow\": ", e->flow_id);
	PUT("}");
	*p = '\0';
#undef PUT_ID
#undef PUT
	Async_Notify(FLOW_EVENTS_CHANNEL, payload);
}

/* the columns of flowstream.events an event fills, in the order of EventValues() */
#define EVENT_COLUMNS FLOW_EVENT_COLUMNS
#define EVENT_COLUMN_LIST "stream_id, op, actor, amount, destination, at, state, void_after, " \
	"metadata, account_id, account, peer_id, peer, flow_id, flow_buffer, end_at, on_behalf_of, " \
	"consent_required, every"

/* The types of EventValues()'s columns. */
static void
EventTypes(Oid *types)
{
	const FlowCatalog *c = flow_catalog();
	Oid			t[EVENT_COLUMNS] = {INT8OID, c->op_type, TEXTOID, NUMERICOID, TEXTOID,
		TIMESTAMPTZOID, c->stream_type, INTERVALOID, JSONBOID,
		INT8OID, c->account_type, INT8OID, c->account_type, INT8OID, NUMERICOID,
	TIMESTAMPTZOID, TEXTOID, BOOLOID, INTERVALOID};

	memcpy(types, t, sizeof(t));
}

/* The values of an event's columns ('n' in nulls: NULL). */
static void
EventValues(const FlowEvent *e, Datum *values, char *nulls)
{
	const FlowCatalog *c = flow_catalog();
	int			scale = flow_event_scale(e->op, e->decimals);

	memset(nulls, 'n', sizeof(char) * EVENT_COLUMNS);
	memset(values, 0, sizeof(Datum) * EVENT_COLUMNS);
#define SET(i, v) do { values[i] = (v); nulls[i] = ' '; } while (0)
	if (e->stream_id != 0)
		SET(0, Int64GetDatum(e->stream_id));
	SET(1, ObjectIdGetDatum(c->op_label[e->op]));
	SET(2, CStringGetTextDatum(e->actor));
	if (e->has_amount && scale >= 0)
		SET(3, units_to_numeric(&e->amount, scale, flow_ops[e->op].records == REC_RATE ? 0 : scale));
	if (e->destination != NULL)
		SET(4, CStringGetTextDatum(e->destination));
	SET(5, TimestampTzGetDatum(e->at));
	if (e->state != NULL)
		SET(6, flow_state_datum(e->state));
	if (!e->void_after_null && e->stream_id != 0)
		SET(7, e->void_after);
	if (!e->metadata_null)
		SET(8, e->metadata);
	if (e->account_id != 0)
	{
		SET(9, Int64GetDatum(e->account_id));
		SET(10, flow_account_datum(e->account));
	}
	if (e->peer_id != 0)
	{
		SET(11, Int64GetDatum(e->peer_id));
		SET(12, flow_account_datum(e->peer));
	}
	if (e->flow_id != 0)
	{
		SET(13, Int64GetDatum(e->flow_id));
		SET(14, units_to_numeric(e->flow_buffer, e->decimals, e->decimals));
	}
	if (e->has_end_at)
		SET(15, TimestampTzGetDatum(e->end_at));
	if (e->on_behalf_of != NULL)
		SET(16, CStringGetTextDatum(e->on_behalf_of));
	if (e->op == OP_CREATE)
		SET(17, BoolGetDatum(e->consent_required));
	if (!e->every_null && e->every != (Datum) 0)
		SET(18, e->every);
#undef SET
}

/* Runs plan, one of this file's inserts into flowstream.events. */
static int
InsertEvents(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	volatile int rc;

	writing_events++;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_events--;
	}
	PG_END_TRY();
	return rc;
}

/* Inserts one event and returns its id.  Runs as the owner, inside SPI. */
int64
flow_write_event(const FlowEvent *e)
{
	Oid			types[EVENT_COLUMNS + 1];
	Datum		values[EVENT_COLUMNS + 1];
	char		nulls[EVENT_COLUMNS + 1];
	bool		isnull;
	int64		id;
	int			rc;
	SPIPlanPtr	plan;
	bool		notify;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	EventTypes(types);
	EventValues(e, values, nulls);
	if (flow_catalog()->e_place == 0)
		plan = flow_plan(PLAN_EVENT,
						 "INSERT INTO flowstream.events (" EVENT_COLUMN_LIST ") "
						 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
						 "$16, $17, $18, $19) RETURNING id",
						 EVENT_COLUMNS, types);
	else
	{
		/*
		 * on Citus, the key the history is placed by: a stream's event lives
		 * with its stream, an account's with its (first) account
		 */
		types[EVENT_COLUMNS] = INT8OID;
		values[EVENT_COLUMNS] = Int64GetDatum(e->stream_id != 0 ? e->stream_id : e->account_id);
		nulls[EVENT_COLUMNS] = ' ';
		plan = flow_plan(PLAN_EVENT_PLACED,
						 "INSERT INTO flowstream.events (" EVENT_COLUMN_LIST ", place) "
						 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
						 "$16, $17, $18, $19, $20) RETURNING id",
						 EVENT_COLUMNS + 1, types);
	}
	rc = InsertEvents(plan, values, nulls);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not write an event");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	notify = flow_notifications();
	SPI_finish();
	if (notify)
		Notify(id, e);
	return id;
}

/*
 * Starts a batch of events, to be written by one statement: ids are taken
 * from the table's identity sequence as they are added, so that an event
 * can be referred to before it is written.
 */
void
flow_events_begin(FlowEventBatch *b)
{
	const FlowCatalog *c = flow_catalog();

	memset(b, 0, sizeof(*b));
	b->sequence = flow_identity_sequence(c->events, c->e_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	b->notify = flow_notifications();
	SPI_finish();
}

/* The id of the next event of the batch, taken from the sequence. */
int64
flow_events_next_id(FlowEventBatch *b)
{
	return DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(b->sequence)));
}

/*
 * Adds event e, whose id is id (flow_events_next_id()), to the batch; its
 * notification (unless the settings turn them off) is sent at commit, in the
 * order of the events, as flow_write_event() sends it.
 */
void
flow_events_add(FlowEventBatch *b, int64 id, const FlowEvent *e)
{
	Datum		values[EVENT_COLUMNS];
	char		nulls[EVENT_COLUMNS];

	if (b->n == b->size)
	{
		b->size = Max(64, b->size * 2);
		if (b->n == 0)
		{
			b->ids = palloc(sizeof(Datum) * b->size);
			for (int i = 0; i < EVENT_COLUMNS; i++)
			{
				b->values[i] = palloc(sizeof(Datum) * b->size);
				b->nulls[i] = palloc(sizeof(bool) * b->size);
			}
		}
		else
		{
			b->ids = repalloc(b->ids, sizeof(Datum) * b->size);
			for (int i = 0; i < EVENT_COLUMNS; i++)
			{
				b->values[i] = repalloc(b->values[i], sizeof(Datum) * b->size);
				b->nulls[i] = repalloc(b->nulls[i], sizeof(bool) * b->size);
			}
		}
	}
	EventValues(e, values, nulls);
	b->ids[b->n] = Int64GetDatum(id);
	for (int i = 0; i < EVENT_COLUMNS; i++)
	{
		b->values[i][b->n] = values[i];
		b->nulls[i][b->n] = nulls[i] == 'n';
	}
	b->n++;
	if (b->notify)
		Notify(id, e);
}

/*
 * Writes the events of the batch with one statement, in the order they
 * were added, and empties it.  A column that is NULL in every event is
 * passed as a NULL array (the unnest()s of a select list, which run in step,
 * pad it with NULLs).  Runs as the owner.
 */
void
flow_events_write(FlowEventBatch *b)
{
	Oid			types[EVENT_COLUMNS + 1];
	Datum		values[EVENT_COLUMNS + 1];
	char		nulls[EVENT_COLUMNS + 1];
	SPIPlanPtr	plan;
	int			rc;

	if (b->n == 0)
		return;
	types[0] = INT8OID;
	EventTypes(&types[1]);
	for (int i = 0; i <= EVENT_COLUMNS; i++)
	{
		Oid			elem = types[i];
		int16		len;
		bool		byval;
		char		align;
		int			dims[1] = {b->n};
		int			lbs[1] = {1};
		bool		any = i == 0;

		types[i] = get_array_type(elem);
		for (int k = 0; i > 0 && k < b->n && !any; k++)
			any = !b->nulls[i - 1][k];
		nulls[i] = any ? ' ' : 'n';
		values[i] = (Datum) 0;
		if (!any)
			continue;
		get_typlenbyvalalign(elem, &len, &byval, &align);
		values[i] = PointerGetDatum(construct_md_array(i == 0 ? b->ids : b->values[i - 1],
													   i == 0 ? NULL : b->nulls[i - 1], 1, dims,
													   lbs, elem, len, byval, align));
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = flow_plan(PLAN_EVENTS,
					 "INSERT INTO flowstream.events (id, " EVENT_COLUMN_LIST ") "
					 "SELECT pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
					 "pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), "
					 "pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), "
					 "pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12), "
					 "pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), "
					 "pg_catalog.unnest($16), pg_catalog.unnest($17), pg_catalog.unnest($18), "
					 "pg_catalog.unnest($19), pg_catalog.unnest($20)",
					 EVENT_COLUMNS + 1, types);
	rc = InsertEvents(plan, values, nulls);
	if (rc != SPI_OK_INSERT || SPI_processed != (uint64) b->n)
		elog(ERROR, "could not write the events");
	SPI_finish();
	b->n = 0;
}
