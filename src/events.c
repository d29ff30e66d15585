/*
 * events.c — writing the history.  Every event of flowstream.events is
 * written here, by the operation that it records, as the tables' owner;
 * the guard on the table lets through what this file writes and, besides
 * that, only a restore.
 */
#include "managed.h"

#include "catalog/pg_type.h"
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

/* Inserts one event and returns its id.  Runs as the owner, inside SPI. */
int64
flow_write_event(const FlowEvent *e)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[9] = {INT8OID, c->op_type, TEXTOID, NUMERICOID, TEXTOID,
	TIMESTAMPTZOID, c->stream_type, INTERVALOID, JSONBOID};
	Datum		values[9];
	char		nulls[9] = "         ";
	int			scale = flow_event_scale(e->op, e->decimals);
	bool		isnull;
	int64		id;
	volatile int rc;
	SPIPlanPtr	plan;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = flow_plan(PLAN_EVENT,
					 "INSERT INTO flowstream.events "
					 "(stream_id, op, actor, amount, destination, at, state, void_after, metadata) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
					 9, types);
	values[0] = Int64GetDatum(e->stream_id);
	values[1] = ObjectIdGetDatum(c->op_label[e->op]);
	values[2] = CStringGetTextDatum(e->actor);
	if (e->has_amount && scale >= 0)
		values[3] = units_to_numeric(&e->amount, scale,
									 flow_ops[e->op].records == REC_RATE ? 0 : scale);
	else
		nulls[3] = 'n';
	if (e->destination != NULL)
		values[4] = CStringGetTextDatum(e->destination);
	else
		nulls[4] = 'n';
	values[5] = TimestampTzGetDatum(e->at);
	values[6] = flow_state_datum(e->state);
	values[7] = e->void_after;
	if (e->void_after_null)
		nulls[7] = 'n';
	values[8] = e->metadata;
	if (e->metadata_null)
		nulls[8] = 'n';

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
		elog(ERROR, "could not write the event of stream " INT64_FORMAT, e->stream_id);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}
