/*
 * verify.c — flowstream.verify(): every invariant of SPEC §5, checked for
 * every stream against its history, one row per discrepancy.
 *
 * Per stream: the history starts with a create and each event is what its
 * operation makes of the state before it (the replay of history.c); times
 * never go back; the stream row is where its history ends; deposits equal
 * balance + withdrawn + refunded; a stream that is not voided owes exactly
 * floor(sum(rate_i * dt_i) / unit) - withdrawn; a voided one has no
 * uncovered debt and stays voided; nothing returns to pending; the
 * snapshot time never decreases (but for voiding a pending stream).
 * Per token: deposits = balances + withdrawn + refunded.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/tuplestore.h"

/* what verify() knows of the stream whose events it is reading */
typedef struct StreamCheck
{
	int64		stream_id;
	int64		last_event;
	int64		prev_at;
	FlowState	prev;
	bool		have_prev;
	U256		deposited;
	U256		withdrawn;
	U256		refunded;
	U256		accrued;		/* sum of rate * elapsed, 10^-24 tokens */
	Datum		grace;			/* void_after after the last event */
	bool		grace_null;
	char	   *recipient;		/* from the create event and the transfers */
	int64		first_event;
} StreamCheck;

typedef struct Report
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int			count;
} Report;

static void
Problem(Report *r, int64 stream_id, const char *token, const char *fmt,...) pg_attribute_printf(4, 5);

static void
Problem(Report *r, int64 stream_id, const char *token, const char *fmt,...)
{
	Datum		values[3];
	bool		nulls[3] = {stream_id == 0, token == NULL, false};
	StringInfoData buf;
	va_list		args;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	values[0] = Int64GetDatum(stream_id);
	values[1] = token ? CStringGetTextDatum(token) : (Datum) 0;
	values[2] = CStringGetTextDatum(buf.data);
	tuplestore_putvalues(r->store, r->desc, values, nulls);
	r->count++;
}

/* rate * ((to - st)+ - (from - st)+): what accrued between two times */
static void
AddAccrual(StreamCheck *c, const FlowState *s, int64 from, int64 to)
{
	U256		upto = flow_ongoing(s, to);
	U256		before = flow_ongoing(s, from);
	U256		part;

	if (u256_cmp(&upto, &before) <= 0)
		return;
	u256_sub(&part, &upto, &before);
	u256_add(&c->accrued, &c->accrued, &part);
}

/* An event's amount in base units (0 when it has none; replay reports a bad one). */
static U256
Units(Datum amount, bool isnull, int scale)
{
	U256		units = {{0, 0, 0, 0}};

	if (!isnull && !numeric_to_units(amount, scale, &units))
		units = u256_from_u128(0);
	return units;
}

static char *
Digits(const U256 *v, int scale)
{
	char		buf[FLOW_DECIMAL_MAX];

	flow_format_decimal(v, scale, 0, buf);
	return pstrdup(buf);
}

/* The checks that need a stream's whole history, and its row. */
static void
FinishStream(Report *r, StreamCheck *c, int64 now)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(c->stream_id)};
	SPIPlanPtr	plan;
	bool		isnull;
	FlowState	row;
	int64		last_event;
	char	   *token;
	const FlowState *s = &c->prev;
	int64		t = Max(now, c->prev_at);
	U256		sum,
				td;
	int			dec = s->decimals;

	plan = flow_plan(PLAN_VERIFY_ROW,
					 "SELECT state, last_event, token, void_after, recipient, due_at, first_event "
					 "FROM flowstream.streams "
					 "WHERE id OPERATOR(pg_catalog.=) $1", 1, types);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read stream " INT64_FORMAT, c->stream_id);
	if (SPI_processed == 0)
	{
		Problem(r, c->stream_id, NULL, "history without a stream row");
		return;
	}
	memcpy(&row, DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)),
		   sizeof(FlowState));
	last_event = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	token = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		grace_null,
					due_null,
					due_ok;
		Datum		grace = SPI_getbinval(tuple, desc, 4, &grace_null);
		char	   *recipient = SPI_getvalue(tuple, desc, 5);
		Datum		due_at = SPI_getbinval(tuple, desc, 6, &due_null);
		int64		due;

		if (!flow_same_grace(grace, grace_null, c->grace, c->grace_null))
			Problem(r, c->stream_id, token, "void_after is not the grace after the last event");
		if (c->recipient == NULL || strcmp(recipient, c->recipient) != 0)
			Problem(r, c->stream_id, token, "the recipient is not the one its history names");
		if (!grace_null && flow_due_time(&row, DatumGetIntervalP(grace), &due))
			due_ok = !due_null && DatumGetTimestampTz(due_at) == due;
		else
			due_ok = due_null;
		if (!due_ok)
			Problem(r, c->stream_id, token, "due_at is not the due time of its state and grace");
		if (DatumGetInt64(SPI_getbinval(tuple, desc, 7, &isnull)) != c->first_event)
			Problem(r, c->stream_id, token, "first_event is not the stream's first event");
	}
	SPI_freetuptable(SPI_tuptable);

	if (flow_state_cmp(&row, s) != 0)
		Problem(r, c->stream_id, token, "the stream's state is not the state after its last event");
	if (last_event != c->last_event)
		Problem(r, c->stream_id, token, "last_event is " INT64_FORMAT ", but the last event is " INT64_FORMAT,
				last_event, c->last_event);
	if (flow_state_problem(&row) != NULL)
		Problem(r, c->stream_id, token, "inconsistent state: %s", flow_state_problem(&row));

	/* deposits = balance + withdrawn + refunded */
	{
		U256		balance = u256_from_u128(row.balance);

		u256_add(&sum, &balance, &c->withdrawn);
		u256_add(&sum, &sum, &c->refunded);
		if (u256_cmp(&sum, &c->deposited) != 0)
			Problem(r, c->stream_id, token, "deposits %s <> balance %s + withdrawn %s + refunded %s",
					Digits(&c->deposited, dec), Digits(&balance, dec),
					Digits(&c->withdrawn, dec), Digits(&c->refunded, dec));
	}

	if (!s->voided)
	{
		U256		owed;

		AddAccrual(c, s, c->prev_at, t);
		owed = u256_divmod_128(&c->accrued, flow_unit_scale[dec], NULL);
		if (flow_total_debt(s, t, &td) != FLOW_OK)
			Problem(r, c->stream_id, token, "the total debt overflows");
		else
		{
			u256_add(&sum, &td, &c->withdrawn);
			if (u256_cmp(&sum, &owed) != 0)
				Problem(r, c->stream_id, token,
						"accrued %s <> total debt %s + withdrawn %s",
						Digits(&owed, dec), Digits(&td, dec), Digits(&c->withdrawn, dec));
		}
	}
	else
	{
		U256		uncovered;

		if (flow_uncovered_debt(s, t, &uncovered) != FLOW_OK || !u256_is_zero(&uncovered))
			Problem(r, c->stream_id, token, "a voided stream has uncovered debt");
	}
}

/* One event of the stream being read. */
static void
CheckEvent(Report *r, StreamCheck *c, int64 event_id, FlowOp op, Datum amount,
		   bool amount_null, int64 at, const FlowState *after)
{
	const char *problem = flow_replay(c->have_prev ? &c->prev : NULL, op, amount,
									  amount_null, at, after);

	if (problem != NULL)
		Problem(r, c->stream_id, NULL, "event " INT64_FORMAT ": %s", event_id, problem);
	if (c->have_prev)
	{
		const FlowState *p = &c->prev;

		if (at < c->prev_at)
			Problem(r, c->stream_id, NULL, "event " INT64_FORMAT " is earlier than the event before it", event_id);
		if (p->voided && !after->voided)
			Problem(r, c->stream_id, NULL, "event " INT64_FORMAT " revives a voided stream", event_id);
		if (p->st <= c->prev_at && after->st > at)
			Problem(r, c->stream_id, NULL, "event " INT64_FORMAT " returns the stream to pending", event_id);
		if (after->st < p->st && !(op == OP_VOID && p->st > at))
			Problem(r, c->stream_id, NULL, "event " INT64_FORMAT " moves the snapshot time back", event_id);
		AddAccrual(c, p, c->prev_at, at);
	}
	else
		c->accrued = u256_from_u128(0);

	if (op == OP_CREATE && !c->have_prev)
	{
		/* debt since a start in the past is owed from the first moment */
		c->accrued = flow_ongoing(after, at);
	}
	else if (op == OP_DEPOSIT || op == OP_WITHDRAW || op == OP_REFUND)
	{
		U256		units = Units(amount, amount_null, after->decimals);
		U256	   *sum = op == OP_DEPOSIT ? &c->deposited :
			op == OP_WITHDRAW ? &c->withdrawn : &c->refunded;

		u256_add(sum, sum, &units);
	}
	if (!c->have_prev)
		c->first_event = event_id;
	c->prev = *after;
	c->prev_at = at;
	c->have_prev = true;
	c->last_event = event_id;
}

/* flowstream.verify() → (stream_id, token, problem), nothing when all is well */
PG_FUNCTION_INFO_V1(flowstream_verify);
Datum
flowstream_verify(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	OwnerScope	scope;
	Report		r;
	StreamCheck c;
	Portal		portal;
	SPIPlanPtr	plan;
	int64		now = flow_clock_now();

	InitMaterializedSRF(fcinfo, 0);
	r.store = rsinfo->setResult;
	r.desc = rsinfo->setDesc;
	r.count = 0;

	flow_enter_owner(&scope);
	memset(&c, 0, sizeof(c));
	plan = SPI_prepare("SELECT stream_id, id, op::pg_catalog.text, amount, at, state, void_after, destination "
					   "FROM flowstream.events ORDER BY stream_id, id", 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not read flowstream.events");
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPITupleTable *batch;
		uint64		n;

		SPI_cursor_fetch(portal, true, 1000);
		batch = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		/* FinishStream runs queries of its own: keep this batch at hand */
		for (uint64 i = 0; i < n; i++)
		{
			HeapTuple	tuple = batch->vals[i];
			TupleDesc	desc = batch->tupdesc;
			bool		isnull,
						amount_null;
			int64		stream_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
			int64		event_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
			FlowOp		op = flow_op_from_label(SPI_getvalue(tuple, desc, 3));
			Datum		amount = SPI_getbinval(tuple, desc, 4, &amount_null);
			int64		at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 5, &isnull));
			FlowState	after;

			memcpy(&after, DatumGetPointer(SPI_getbinval(tuple, desc, 6, &isnull)), sizeof(FlowState));
			if (c.have_prev && stream_id != c.stream_id)
			{
				FinishStream(&r, &c, now);
				memset(&c, 0, sizeof(c));
			}
			c.stream_id = stream_id;
			CheckEvent(&r, &c, event_id, op, amount, amount_null, at, &after);
			c.grace = SPI_getbinval(tuple, desc, 7, &c.grace_null);
			if (op == OP_CREATE || op == OP_TRANSFER)
				c.recipient = SPI_getvalue(tuple, desc, 8);
			if (!c.grace_null)
				c.grace = datumCopy(c.grace, false, 16);
		}
		SPI_freetuptable(batch);
	}
	if (c.have_prev)
		FinishStream(&r, &c, now);
	SPI_cursor_close(portal);
	SPI_freeplan(plan);

	/* rows without any history */
	if (SPI_execute("SELECT s.id, s.token FROM flowstream.streams s "
					"WHERE NOT EXISTS (SELECT FROM flowstream.events e "
					"WHERE e.stream_id OPERATOR(pg_catalog.=) s.id) ORDER BY s.id",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.streams");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		Problem(&r, DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)),
				SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2),
				"stream without history");
	}

	/* per token: deposits = balances + withdrawn + refunded */
	if (SPI_execute("SELECT t.token, d.deposited, d.withdrawn, d.refunded, b.balances "
					"FROM flowstream.tokens t "
					"LEFT JOIN (SELECT s.token, "
					"  pg_catalog.sum(e.amount) FILTER (WHERE e.op OPERATOR(pg_catalog.=) 'deposit') AS deposited, "
					"  pg_catalog.sum(e.amount) FILTER (WHERE e.op OPERATOR(pg_catalog.=) 'withdraw') AS withdrawn, "
					"  pg_catalog.sum(e.amount) FILTER (WHERE e.op OPERATOR(pg_catalog.=) 'refund') AS refunded "
					"  FROM flowstream.events e JOIN flowstream.streams s ON s.id OPERATOR(pg_catalog.=) e.stream_id "
					"  GROUP BY s.token) d ON d.token OPERATOR(pg_catalog.=) t.token "
					"LEFT JOIN (SELECT token, pg_catalog.sum(flowstream.balance(state)) AS balances "
					"  FROM flowstream.streams GROUP BY token) b ON b.token OPERATOR(pg_catalog.=) t.token "
					"WHERE COALESCE(d.deposited, 0) OPERATOR(pg_catalog.-) COALESCE(d.withdrawn, 0) "
					"  OPERATOR(pg_catalog.-) COALESCE(d.refunded, 0) "
					"  OPERATOR(pg_catalog.<>) COALESCE(b.balances, 0) "
					"ORDER BY t.token", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not sum flowstream.events");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *v[5];

		for (int k = 0; k < 5; k++)
		{
			v[k] = SPI_getvalue(tuple, desc, k + 1);
			if (v[k] == NULL)
				v[k] = "0";
		}
		Problem(&r, 0, v[0], "token deposits %s <> balances %s + withdrawn %s + refunded %s",
				v[1], v[4], v[2], v[3]);
	}
	flow_leave_owner(&scope);
	return (Datum) 0;
}
