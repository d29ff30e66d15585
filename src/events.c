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
#include "utils/builtins.h"

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
	StringInfoData payload;

	initStringInfo(&payload);
	appendStringInfo(&payload, "{\"event\": " INT64_FORMAT ", \"op\": \"%s\"", id, flow_ops[e->op].label);
	if (e->stream_id != 0)
		appendStringInfo(&payload, ", \"stream\": " INT64_FORMAT, e->stream_id);
	if (e->account_id != 0)
		appendStringInfo(&payload, ", \"account\": " INT64_FORMAT, e->account_id);
	if (e->peer_id != 0)
		appendStringInfo(&payload, ", \"peer\": " INT64_FORMAT, e->peer_id);
	if (e->flow_id != 0)
		appendStringInfo(&payload, ", \"flow\": " INT64_FORMAT, e->flow_id);
	appendStringInfoChar(&payload, '}');
	Async_Notify(FLOW_EVENTS_CHANNEL, payload.data);
	pfree(payload.data);
}

/* Inserts one event and returns its id.  Runs as the owner, inside SPI. */
int64
flow_write_event(const FlowEvent *e)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[19] = {INT8OID, c->op_type, TEXTOID, NUMERICOID, TEXTOID,
		TIMESTAMPTZOID, c->stream_type, INTERVALOID, JSONBOID,
		INT8OID, c->account_type, INT8OID, c->account_type, INT8OID, NUMERICOID,
	TIMESTAMPTZOID, TEXTOID, BOOLOID, INTERVALOID};
	Datum		values[19];
	char		nulls[19];
	int			scale = flow_event_scale(e->op, e->decimals);
	bool		isnull;
	int64		id;
	volatile int rc;
	SPIPlanPtr	plan;
	bool		notify;

	memset(nulls, 'n', sizeof(nulls));
	memset(values, 0, sizeof(values));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = flow_plan(PLAN_EVENT,
					 "INSERT INTO flowstream.events "
					 "(stream_id, op, actor, amount, destination, at, state, void_after, metadata, "
					 "account_id, account, peer_id, peer, flow_id, flow_buffer, "
					 "end_at, on_behalf_of, consent_required, every) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
					 "$16, $17, $18, $19) RETURNING id",
					 19, types);
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
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not write an event");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	notify = flow_notifications();
	SPI_finish();
	if (notify)
		Notify(id, e);
	return id;
}
