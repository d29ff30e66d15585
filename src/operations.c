/*
 * operations.c — one API operation on one locked stream row.
 *
 * The API (api.c) describes the operation in flow_pending and runs an
 * UPDATE of the stream's row; the BEFORE trigger (history.c) hands the
 * locked row here.  So reading the row, locking it and writing it back
 * take a single statement.  Checks run in SPEC §5's order: the time, the
 * status, who may act (42501), then the amount; the core computes the new
 * state, and the event is written before the row, which points at it.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"

PendingOp	flow_pending;

/* 42501 unless the actor may do this; "who" says who may. */
void
flow_authorize(const PendingOp *p, int64 id, bool allowed, const char *who, const char *what)
{
	if (p->spoofed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to act through flowstream.actor"),
				 errdetail("Only members of flowstream_app may act for others.")));
	if (!allowed && !p->by_sweeper)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 id != 0 ?
				 errmsg("permission denied to %s stream " INT64_FORMAT, what, id) :
				 errmsg("permission denied to %s", what),
				 errdetail("Only %s may do this; \"%s\" is acting.", who, p->actor)));
}

/* A grace must be NULL (never) or an interval that is not negative. */
void
flow_check_grace(Datum grace, bool isnull)
{
	Interval	zero = {0, 0, 0};

	if (!isnull &&
		DatumGetBool(DirectFunctionCall2(interval_lt, grace, IntervalPGetDatum(&zero))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("void_after must not be negative")));
}

/*
 * The time an operation on s takes place, asked for at t.  now() is when the
 * transaction began; one that waited for the row behind a transaction that
 * began later comes after it all the same, so on the real clock an
 * operation is dated no earlier than the stream's last one.  Only a test
 * clock set before it is refused (SF010).
 */
int64
flow_operation_time(int64 t, const FlowState *s)
{
	return (!flow_clock_pinned() && t < s->last) ? s->last : t;
}

/* Raises err now if it is a time or status error: those rank before 42501. */
static void
StatusFirst(FlowError err, const FlowState *before, int64 t, const FlowAmount *a, FlowArgKind kind)
{
	switch (err)
	{
		case FLOW_ERR_TIME_ORDER:
		case FLOW_ERR_TIME_RANGE:
		case FLOW_ERR_VOIDED:
		case FLOW_ERR_PAUSED:
		case FLOW_ERR_NOT_PAUSED:
		case FLOW_ERR_PENDING:
			flow_report(err, before, t, a, kind);
		default:
			break;
	}
}

/* The operation's amount (or rate) argument; NULL is not a number. */
static FlowAmount
Amount(const PendingOp *p, int scale)
{
	FlowAmount	a = {FLOW_ERR_NOT_A_NUMBER, 0};

	if (!p->amount_null)
		a = numeric_to_amount(p->amount, scale);
	return a;
}

static char *
Text(HeapTuple tuple, Relation rel, const char *name)
{
	bool		isnull;

	return TextDatumGetCString(flow_get(tuple, rel, name, &isnull));
}

/*
 * Applies flow_pending to the locked row old and returns the row to write
 * instead of new: the new state (or recipient, grace, metadata) and the id
 * of the event it wrote.
 */
HeapTuple
flow_apply_pending(Relation rel, HeapTuple old, HeapTuple new)
{
	PendingOp  *p = &flow_pending;
	bool		isnull;
	int64		id = DatumGetInt64(flow_get(old, rel, "id", &isnull));
	FlowState	before = *flow_get_state(old, rel);
	FlowState  *next = (FlowState *) palloc(sizeof(FlowState));
	char	   *sender = Text(old, rel, "sender");
	char	   *recipient = Text(old, rel, "recipient");
	const char *new_recipient = recipient;
	bool		grace_null;
	Datum		grace = flow_get(old, rel, "void_after", &grace_null);
	int64		t = p->at;	/* may move forward, below */
	FlowAmount	a = {FLOW_OK, 0};
	FlowError	err = FLOW_OK;
	FlowArgKind kind = FLOW_ARG_AMOUNT;
	Datum		amount = (Datum) 0;
	bool		amount_null = true;
	const char *destination = NULL;
	bool		is_sender = strcmp(p->actor, sender) == 0;
	bool		is_recipient = strcmp(p->actor, recipient) == 0;
	int			cols[5];
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			n = 0;

	*next = before;
	p->decimals = before.decimals;
	p->applied = true;

	t = p->at = flow_operation_time(t, &before);

	if (p->set_metadata)
	{
		flow_authorize(p, id, is_sender, "the sender", "change the metadata of");
		cols[0] = flow_column(rel, "metadata");
		values[0] = p->metadata;
		return heap_modify_tuple_by_cols(new, RelationGetDescr(rel), 1, cols, values, nulls);
	}

	switch (p->op)
	{
		case OP_DEPOSIT:
			a = Amount(p, before.decimals);
			err = flow_deposit(next, &a, t);
			StatusFirst(err, &before, t, &a, kind);
			flow_authorize(p, id, true, "anyone", "deposit into");
			break;

		case OP_WITHDRAW:
			/* anyone may pay the recipient; only the recipient may send it elsewhere */
			destination = p->to ? p->to : recipient;
			if (p->max)
				err = flow_covered_debt(&before, t, &a.units);
			else
				a = Amount(p, before.decimals);
			if (err == FLOW_OK)
				err = flow_withdraw(next, &a, t);
			StatusFirst(err, &before, t, &a, kind);
			flow_authorize(p, id, strcmp(destination, recipient) == 0 || is_recipient,
						   "the recipient", "withdraw to another destination from");
			if (destination[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("destination must not be empty")));
			if (p->max && a.units == 0 && err == FLOW_ERR_NOT_POSITIVE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("nothing to withdraw from stream " INT64_FORMAT, id)));
			p->paid = a.units;
			break;

		case OP_REFUND:
			destination = sender;
			if (p->max)
				err = flow_refundable(&before, t, &a.units);
			else
				a = Amount(p, before.decimals);
			if (err == FLOW_OK)
				err = flow_refund(next, &a, t);
			StatusFirst(err, &before, t, &a, kind);
			flow_authorize(p, id, is_sender, "the sender", "refund from");
			if (p->max && a.units == 0 && err == FLOW_ERR_NOT_POSITIVE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("nothing to refund from stream " INT64_FORMAT, id)));
			p->paid = a.units;
			break;

		case OP_PAUSE:
			err = flow_pause(next, t);
			StatusFirst(err, &before, t, NULL, kind);
			flow_authorize(p, id, is_sender, "the sender", "pause");
			break;

		case OP_RESTART:
		case OP_ADJUST_RATE:
			kind = FLOW_ARG_RATE;
			a = Amount(p, FLOW_RATE_SCALE);
			err = p->op == OP_RESTART ? flow_restart(next, &a, t) : flow_adjust_rate(next, &a, t);
			StatusFirst(err, &before, t, &a, kind);
			flow_authorize(p, id, is_sender, "the sender",
						   p->op == OP_RESTART ? "restart" : "change the rate of");
			break;

		case OP_VOID:
			err = flow_void(next, t, &p->written_off);
			StatusFirst(err, &before, t, NULL, kind);
			flow_authorize(p, id, is_sender || is_recipient, "the sender or the recipient", "void");
			break;

		case OP_TRANSFER:
			flow_check(flow_touch(next, t), &before, t, NULL, kind);
			if (!DatumGetBool(flow_get(old, rel, "transferable", &isnull)))
				ereport(ERROR,
						(errcode(ERRCODE_FLOW_NOT_TRANSFERABLE),
						 errmsg("stream " INT64_FORMAT " is not transferable", id)));
			flow_authorize(p, id, is_recipient, "the recipient", "transfer");
			if (p->to == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("new recipient must not be null")));
			if (p->to[0] == '\0' || strcmp(p->to, recipient) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("new recipient must be another, non-empty name")));
			new_recipient = destination = p->to;
			break;

		case OP_SET_VOID_AFTER:
			flow_check(flow_touch(next, t), &before, t, NULL, kind);
			if (before.voided)
				flow_report(FLOW_ERR_VOIDED, &before, t, NULL, kind);
			flow_authorize(p, id, is_sender, "the sender", "set the grace of");
			flow_check_grace(p->grace, p->grace_null);
			grace = p->grace;
			grace_null = p->grace_null;
			break;

		case OP_CREATE:
		case OP_COUNT:
			elog(ERROR, "operation %d is not applied to an existing stream", (int) p->op);
	}
	flow_check(err, &before, t, &a, kind);

	/* what the event records as its amount */
	switch (p->op)
	{
		case OP_DEPOSIT:
		case OP_WITHDRAW:
		case OP_REFUND:
			amount = u128_to_numeric(a.units, before.decimals);
			amount_null = false;
			break;
		case OP_RESTART:
		case OP_ADJUST_RATE:
			amount = rate_to_numeric(a.units);
			amount_null = false;
			break;
		case OP_VOID:
			amount = units_to_numeric(&p->written_off, before.decimals, before.decimals);
			amount_null = false;
			break;
		default:
			break;
	}

	cols[n] = flow_column(rel, "state");
	values[n++] = FlowStatePGetDatum(next);
	cols[n] = flow_column(rel, "recipient");
	values[n++] = CStringGetTextDatum(new_recipient);
	cols[n] = flow_column(rel, "void_after");
	values[n] = grace;
	nulls[n++] = grace_null;
	cols[n] = flow_column(rel, "last_event");
	values[n++] = Int64GetDatum(flow_write_event(id, p->op, p->actor, amount, amount_null,
												 destination, t, next, grace, grace_null));
	return heap_modify_tuple_by_cols(new, RelationGetDescr(rel), n, cols, values, nulls);
}
