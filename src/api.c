/*
 * api.c — the managed API: create_stream, deposit, withdraw, withdraw_max,
 * refund, refund_max, pause, restart, adjust_rate, void and transfer.
 *
 * A call captures who acts (the calling role, or flowstream.actor for a
 * member of flowstream_app) before anything else, then switches to the
 * owner of the extension's tables, locks its one stream row, applies the
 * core transition and writes the new state with one UPDATE; the trigger on
 * flowstream.streams writes the event in the same transaction (history.c).
 * The functions are SECURITY INVOKER C, so the caller is known for sure;
 * only the table writes run as the owner.  Errors rank as SPEC §5 says:
 * SF001, SF010, status errors, 42501, then the amount errors.
 */
#include "managed.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

PendingEvent flow_pending_event;

/* The owner of flowstream.streams: the role the API writes as. */
static Oid
TablesOwner(void)
{
	Oid			relid = get_relname_relid("streams", flow_schema_oid());
	HeapTuple	tuple;
	Oid			owner;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "table flowstream.streams is missing");
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Runs as the tables' owner, with a safe search_path, until
 * flow_leave_owner; an error unwinds both with the (sub)transaction.
 */
void
flow_enter_owner(OwnerScope *scope)
{
	Oid			owner = TablesOwner();

	GetUserIdAndSecContext(&scope->save_user, &scope->save_sec);
	SetUserIdAndSecContext(owner, scope->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	scope->guc_nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
flow_leave_owner(OwnerScope *scope)
{
	SPI_finish();
	AtEOXact_GUC(true, scope->guc_nest);
	SetUserIdAndSecContext(scope->save_user, scope->save_sec);
}

/*
 * A prepared plan kept for the session, prepared again when the extension
 * was dropped and created anew: the plans take flowstream.stream values,
 * whose type then has another OID.
 */
SPIPlanPtr
flow_plan(int slot, const char *sql, int nargs, const Oid *argtypes)
{
	static SPIPlanPtr plans[PLAN_COUNT];
	static Oid	plan_type[PLAN_COUNT];
	Oid			type = flow_stream_type_oid();

	if (plans[slot] == NULL || plan_type[slot] != type)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, (Oid *) argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if (plans[slot] != NULL)
			SPI_freeplan(plans[slot]);
		plans[slot] = plan;
		plan_type[slot] = type;
	}
	return plans[slot];
}

/* the stream row an API call works on */
typedef struct StreamRow
{
	int64		id;
	FlowState	state;
	char	   *sender;
	char	   *recipient;
	bool		transferable;
	Datum		void_after;
	bool		void_after_null;
} StreamRow;

/* one API call: who acts, on which row, at what time */
typedef struct Call
{
	OwnerScope	scope;
	char	   *actor;
	bool		spoofed;		/* flowstream.actor set by a non-member */
	StreamRow	row;
	FlowState	next;
	int64		t;
} Call;

static void
NullArgument(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must not be null", name)));
}

/* Who acts: decided as the caller, before switching to the owner. */
static void
ResolveActor(Call *c)
{
	Oid			caller = GetUserId();

	c->spoofed = false;
	c->actor = GetUserNameFromId(caller, false);
	if (flow_actor_setting != NULL && flow_actor_setting[0] != '\0')
	{
		Oid			app = get_role_oid("flowstream_app", true);

		if (OidIsValid(app) && has_privs_of_role(caller, app))
			c->actor = pstrdup(flow_actor_setting);
		else
			c->spoofed = true;
	}
}

/* Locks stream id for this transaction and reads it; SF001 when there is none. */
static void
LockStream(int64 id, StreamRow *row)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	SPIPlanPtr	plan = flow_plan(PLAN_LOCK,
								 "SELECT state, sender, recipient, transferable, void_after "
								 "FROM flowstream.streams "
								 "WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
								 1, types);
	bool		isnull;

	if (SPI_execute_plan(plan, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read stream " INT64_FORMAT, id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_NOT_FOUND),
				 errmsg("stream " INT64_FORMAT " does not exist", id)));
	row->id = id;
	memcpy(&row->state,
		   DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)),
		   sizeof(FlowState));
	row->sender = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	row->recipient = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	row->transferable = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 4, &isnull));
	row->void_after = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5,
									&row->void_after_null);
}

/* The start of every call on an existing stream (argument 0 is its id). */
static void
Begin(Call *c, FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		NullArgument("stream id");
	ResolveActor(c);
	flow_enter_owner(&c->scope);
	LockStream(PG_GETARG_INT64(0), &c->row);
	c->t = flow_time_arg(flow_clock_now());
	c->next = c->row.state;
}

/* Raises err now if it is a time or status error: those rank before 42501. */
static void
StatusFirst(Call *c, FlowError err, const FlowAmount *a, FlowArgKind kind)
{
	switch (err)
	{
		case FLOW_ERR_TIME_ORDER:
		case FLOW_ERR_TIME_RANGE:
		case FLOW_ERR_VOIDED:
		case FLOW_ERR_PAUSED:
		case FLOW_ERR_NOT_PAUSED:
		case FLOW_ERR_PENDING:
			flow_report(err, &c->row.state, c->t, a, kind);
		default:
			break;
	}
}

/* 42501 unless the actor may do this; "who" says who may. */
static void
Authorize(Call *c, bool allowed, const char *who, const char *what)
{
	if (c->spoofed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to act through flowstream.actor"),
				 errdetail("Only members of flowstream_app may act for others.")));
	if (!allowed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 c->row.id != 0 ?
				 errmsg("permission denied to %s stream " INT64_FORMAT, what, c->row.id) :
				 errmsg("permission denied to %s", what),
				 errdetail("Only %s may do this; \"%s\" is acting.", who, c->actor)));
}

static bool
IsSender(Call *c)
{
	return strcmp(c->actor, c->row.sender) == 0;
}

static bool
IsRecipient(Call *c)
{
	return strcmp(c->actor, c->row.recipient) == 0;
}

/*
 * Writes a stream's new fields with one UPDATE; the trigger on
 * flowstream.streams records the event described here.
 */
void
flow_write_stream(const StreamWrite *w, FlowOp op, const char *actor,
				  Datum amount, bool amount_null, const char *destination, int64 at)
{
	Oid			types[4] = {INT8OID, flow_stream_type_oid(), TEXTOID, INTERVALOID};
	Datum		values[4];
	char		nulls[4] = "    ";
	SPIPlanPtr	plan = flow_plan(PLAN_UPDATE,
								 "UPDATE flowstream.streams "
								 "SET state = $2, recipient = $3, void_after = $4 "
								 "WHERE id OPERATOR(pg_catalog.=) $1",
								 4, types);
	volatile int rc;

	values[0] = Int64GetDatum(w->id);
	values[1] = FlowStatePGetDatum(w->state);
	values[2] = CStringGetTextDatum(w->recipient);
	values[3] = w->void_after;
	if (w->void_after_null)
		nulls[3] = 'n';

	flow_pending_event.active = true;
	flow_pending_event.stream_id = w->id;
	flow_pending_event.op = op;
	flow_pending_event.actor = actor;
	flow_pending_event.amount = amount;
	flow_pending_event.amount_null = amount_null;
	flow_pending_event.destination = destination;
	flow_pending_event.at = at;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		flow_pending_event.active = false;
	}
	PG_END_TRY();
	if (rc != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not update stream " INT64_FORMAT, w->id);
}

/* Writes c->next (and a new recipient, for a transfer) with its event. */
static void
Record(Call *c, FlowOp op, Datum amount, bool amount_null,
	   const char *destination, const char *new_recipient)
{
	StreamWrite w = {c->row.id, &c->next,
		new_recipient ? new_recipient : c->row.recipient,
	c->row.void_after, c->row.void_after_null};

	flow_write_stream(&w, op, c->actor, amount, amount_null, destination, c->t);
}

/* A numeric argument in tokens (or tokens per second); NULL is not a number. */
static FlowAmount
AmountArg(FunctionCallInfo fcinfo, int n, int scale)
{
	FlowAmount	a = {FLOW_ERR_NOT_A_NUMBER, 0};

	if (!PG_ARGISNULL(n))
		a = numeric_to_amount(PG_GETARG_DATUM(n), scale);
	return a;
}

/* An amount in base units as the numeric the event and the caller get. */
static Datum
Tokens(u128 units, const FlowState *s)
{
	return u128_to_numeric(units, s->decimals);
}

/* create_stream(sender, recipient, token, rate, start, deposit, transferable, metadata) → id */
PG_FUNCTION_INFO_V1(api_create_stream);
Datum
api_create_stream(PG_FUNCTION_ARGS)
{
	Call		c;
	Oid			token_types[1] = {TEXTOID};
	Oid			insert_types[6] = {TEXTOID, TEXTOID, TEXTOID, InvalidOid, BOOLOID, JSONBOID};
	Datum		values[6];
	char	   *sender,
			   *recipient;
	FlowAmount	rate,
				deposit;
	int			decimals;
	int64		start;
	bool		isnull;
	SPIPlanPtr	plan;

	/* no stream yet, so no status errors: first who may act (the sender) */
	if (PG_ARGISNULL(0))
		NullArgument("sender");
	sender = TextDatumGetCString(PG_GETARG_DATUM(0));
	ResolveActor(&c);
	flow_enter_owner(&c.scope);
	c.row.id = 0;
	Authorize(&c, strcmp(c.actor, sender) == 0, "the sender",
			  "create a stream for another sender");

	for (int i = 1; i < 8; i++)
	{
		static const char *const names[8] = {"sender", "recipient", "token", "rate_per_second",
		"start_time", "deposit", "transferable", "metadata"};

		if (PG_ARGISNULL(i))
			NullArgument(names[i]);
	}
	recipient = TextDatumGetCString(PG_GETARG_DATUM(1));
	start = flow_time_arg(PG_GETARG_TIMESTAMPTZ(4));
	c.t = flow_time_arg(flow_clock_now());
	c.row.sender = sender;
	c.row.recipient = recipient;

	if (sender[0] == '\0' || recipient[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sender and recipient must not be empty")));
	values[0] = PG_GETARG_DATUM(2);
	if (SPI_execute_plan(flow_plan(PLAN_TOKEN,
								   "SELECT decimals FROM flowstream.tokens "
								   "WHERE token OPERATOR(pg_catalog.=) $1",
								   1, token_types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.tokens");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown token \"%s\"", TextDatumGetCString(PG_GETARG_DATUM(2))),
				 errhint("Tokens are registered in flowstream.tokens.")));
	decimals = DatumGetInt16(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	rate = numeric_to_amount(PG_GETARG_DATUM(3), FLOW_RATE_SCALE);
	flow_check(flow_create(&c.next, &rate, decimals, start, c.t), NULL, c.t, &rate, FLOW_ARG_RATE);
	deposit = numeric_to_amount(PG_GETARG_DATUM(5), decimals);
	if (deposit.err != FLOW_OK)
		flow_check(deposit.err, &c.next, c.t, &deposit, FLOW_ARG_AMOUNT);

	insert_types[3] = flow_stream_type_oid();
	plan = flow_plan(PLAN_INSERT,
					 "INSERT INTO flowstream.streams "
					 "(sender, recipient, token, state, transferable, metadata, void_after) "
					 "VALUES ($1, $2, $3, $4, $5, $6, "
					 "(SELECT s.default_void_after FROM flowstream.settings s)) "
					 "RETURNING id, void_after",
					 6, insert_types);
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	values[3] = FlowStatePGetDatum(&c.next);
	values[4] = PG_GETARG_DATUM(6);
	values[5] = PG_GETARG_DATUM(7);

	flow_pending_event.active = true;
	flow_pending_event.stream_id = 0;
	flow_pending_event.op = OP_CREATE;
	flow_pending_event.actor = c.actor;
	flow_pending_event.amount_null = true;
	flow_pending_event.destination = recipient;
	flow_pending_event.at = c.t;
	PG_TRY();
	{
		if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_INSERT_RETURNING ||
			SPI_processed != 1)
			elog(ERROR, "could not insert the stream");
	}
	PG_FINALLY();
	{
		flow_pending_event.active = false;
	}
	PG_END_TRY();
	c.row.id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	c.row.void_after = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
									 &c.row.void_after_null);

	/* an initial balance is a deposit of its own, with its event */
	if (deposit.units > 0)
	{
		c.row.state = c.next;
		flow_check(flow_deposit(&c.next, &deposit, c.t), &c.row.state, c.t, &deposit, FLOW_ARG_AMOUNT);
		Record(&c, OP_DEPOSIT, Tokens(deposit.units, &c.next), false, NULL, NULL);
	}
	flow_leave_owner(&c.scope);
	PG_RETURN_INT64(c.row.id);
}

/* deposit(id, amount): anyone may top up a stream */
PG_FUNCTION_INFO_V1(api_deposit);
Datum
api_deposit(PG_FUNCTION_ARGS)
{
	Call		c;
	FlowAmount	a;
	FlowError	err;

	Begin(&c, fcinfo);
	a = AmountArg(fcinfo, 1, c.row.state.decimals);
	err = flow_deposit(&c.next, &a, c.t);
	StatusFirst(&c, err, &a, FLOW_ARG_AMOUNT);
	Authorize(&c, true, "anyone", "deposit into");
	flow_check(err, &c.row.state, c.t, &a, FLOW_ARG_AMOUNT);
	Record(&c, OP_DEPOSIT, Tokens(a.units, &c.next), false, NULL, NULL);
	flow_leave_owner(&c.scope);
	PG_RETURN_VOID();
}

/*
 * The withdrawals: anyone may pay the recipient; only the recipient may send
 * the money elsewhere.  withdraw_max passes no amount (argument 1 is "to").
 */
static Datum
Withdraw(FunctionCallInfo fcinfo, bool max)
{
	Call		c;
	FlowAmount	a = {FLOW_OK, 0};
	FlowError	err;
	int			to_arg = max ? 1 : 2;
	char	   *to;
	Datum		paid;

	Begin(&c, fcinfo);
	to = PG_NARGS() > to_arg && !PG_ARGISNULL(to_arg)
		? TextDatumGetCString(PG_GETARG_DATUM(to_arg)) : c.row.recipient;
	if (max)
		err = flow_covered_debt(&c.row.state, c.t, &a.units);
	else
	{
		a = AmountArg(fcinfo, 1, c.row.state.decimals);
		err = FLOW_OK;
	}
	if (err == FLOW_OK)
		err = flow_withdraw(&c.next, &a, c.t);
	StatusFirst(&c, err, &a, FLOW_ARG_AMOUNT);
	Authorize(&c, strcmp(to, c.row.recipient) == 0 || IsRecipient(&c),
			  "the recipient", "withdraw to another destination from");
	if (to[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("destination must not be empty")));
	if (max && a.units == 0 && err == FLOW_ERR_NOT_POSITIVE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to withdraw from stream " INT64_FORMAT, c.row.id)));
	flow_check(err, &c.row.state, c.t, &a, FLOW_ARG_AMOUNT);
	Record(&c, OP_WITHDRAW, Tokens(a.units, &c.next), false, to, NULL);
	flow_leave_owner(&c.scope);
	paid = Tokens(a.units, &c.next);
	return paid;
}

PG_FUNCTION_INFO_V1(api_withdraw);
Datum
api_withdraw(PG_FUNCTION_ARGS)
{
	return Withdraw(fcinfo, false);
}

PG_FUNCTION_INFO_V1(api_withdraw_max);
Datum
api_withdraw_max(PG_FUNCTION_ARGS)
{
	return Withdraw(fcinfo, true);
}

/* refund(id, amount) and refund_max(id): the sender takes back what is not owed */
static Datum
Refund(FunctionCallInfo fcinfo, bool max)
{
	Call		c;
	FlowAmount	a = {FLOW_OK, 0};
	FlowError	err;

	Begin(&c, fcinfo);
	if (max)
		err = flow_refundable(&c.row.state, c.t, &a.units);
	else
	{
		a = AmountArg(fcinfo, 1, c.row.state.decimals);
		err = FLOW_OK;
	}
	if (err == FLOW_OK)
		err = flow_refund(&c.next, &a, c.t);
	StatusFirst(&c, err, &a, FLOW_ARG_AMOUNT);
	Authorize(&c, IsSender(&c), "the sender", "refund from");
	if (max && a.units == 0 && err == FLOW_ERR_NOT_POSITIVE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to refund from stream " INT64_FORMAT, c.row.id)));
	flow_check(err, &c.row.state, c.t, &a, FLOW_ARG_AMOUNT);
	Record(&c, OP_REFUND, Tokens(a.units, &c.next), false, c.row.sender, NULL);
	flow_leave_owner(&c.scope);
	return Tokens(a.units, &c.next);
}

PG_FUNCTION_INFO_V1(api_refund);
Datum
api_refund(PG_FUNCTION_ARGS)
{
	(void) Refund(fcinfo, false);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_refund_max);
Datum
api_refund_max(PG_FUNCTION_ARGS)
{
	return Refund(fcinfo, true);
}

/* pause(id): the sender stops the rate; debt so far stays owed */
PG_FUNCTION_INFO_V1(api_pause);
Datum
api_pause(PG_FUNCTION_ARGS)
{
	Call		c;
	FlowError	err;

	Begin(&c, fcinfo);
	err = flow_pause(&c.next, c.t);
	StatusFirst(&c, err, NULL, FLOW_ARG_AMOUNT);
	Authorize(&c, IsSender(&c), "the sender", "pause");
	flow_check(err, &c.row.state, c.t, NULL, FLOW_ARG_AMOUNT);
	Record(&c, OP_PAUSE, (Datum) 0, true, NULL, NULL);
	flow_leave_owner(&c.scope);
	PG_RETURN_VOID();
}

/* restart(id, rate) and adjust_rate(id, rate), both the sender's */
static void
RateChange(FunctionCallInfo fcinfo, FlowOp op)
{
	Call		c;
	FlowAmount	r;
	FlowError	err;

	Begin(&c, fcinfo);
	r = AmountArg(fcinfo, 1, FLOW_RATE_SCALE);
	err = op == OP_RESTART ? flow_restart(&c.next, &r, c.t) : flow_adjust_rate(&c.next, &r, c.t);
	StatusFirst(&c, err, &r, FLOW_ARG_RATE);
	Authorize(&c, IsSender(&c), "the sender",
			  op == OP_RESTART ? "restart" : "change the rate of");
	flow_check(err, &c.row.state, c.t, &r, FLOW_ARG_RATE);
	Record(&c, op, rate_to_numeric(r.units), false, NULL, NULL);
	flow_leave_owner(&c.scope);
}

PG_FUNCTION_INFO_V1(api_restart);
Datum
api_restart(PG_FUNCTION_ARGS)
{
	RateChange(fcinfo, OP_RESTART);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_adjust_rate);
Datum
api_adjust_rate(PG_FUNCTION_ARGS)
{
	RateChange(fcinfo, OP_ADJUST_RATE);
	PG_RETURN_VOID();
}

/* void(id) → the written-off debt: the sender or the recipient ends the stream */
PG_FUNCTION_INFO_V1(api_void);
Datum
api_void(PG_FUNCTION_ARGS)
{
	Call		c;
	FlowError	err;
	U256		written_off;
	Datum		amount;

	Begin(&c, fcinfo);
	err = flow_void(&c.next, c.t, &written_off);
	StatusFirst(&c, err, NULL, FLOW_ARG_AMOUNT);
	Authorize(&c, IsSender(&c) || IsRecipient(&c), "the sender or the recipient", "void");
	flow_check(err, &c.row.state, c.t, NULL, FLOW_ARG_AMOUNT);
	Record(&c, OP_VOID, units_to_numeric(&written_off, c.next.decimals, c.next.decimals),
		   false, NULL, NULL);
	flow_leave_owner(&c.scope);
	amount = units_to_numeric(&written_off, c.next.decimals, c.next.decimals);
	return amount;
}

/* transfer(id, new_recipient): the recipient hands the stream on, if it is transferable */
PG_FUNCTION_INFO_V1(api_transfer);
Datum
api_transfer(PG_FUNCTION_ARGS)
{
	Call		c;
	char	   *to;

	Begin(&c, fcinfo);
	if (c.t < c.row.state.last)
		flow_report(FLOW_ERR_TIME_ORDER, &c.row.state, c.t, NULL, FLOW_ARG_AMOUNT);
	if (!c.row.transferable)
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_NOT_TRANSFERABLE),
				 errmsg("stream " INT64_FORMAT " is not transferable", c.row.id)));
	Authorize(&c, IsRecipient(&c), "the recipient", "transfer");
	if (PG_ARGISNULL(1))
		NullArgument("new recipient");
	to = TextDatumGetCString(PG_GETARG_DATUM(1));
	if (to[0] == '\0' || strcmp(to, c.row.recipient) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("new recipient must be another, non-empty name")));
	Record(&c, OP_TRANSFER, (Datum) 0, true, to, to);
	flow_leave_owner(&c.scope);
	PG_RETURN_VOID();
}

/* A grace argument: NULL (never) or an interval that is not negative. */
static void
CheckGrace(FunctionCallInfo fcinfo, int n)
{
	if (!PG_ARGISNULL(n) &&
		DatumGetBool(DirectFunctionCall2(interval_lt, PG_GETARG_DATUM(n),
										 DirectFunctionCall3(interval_in, CStringGetDatum("0"),
															 ObjectIdGetDatum(InvalidOid),
															 Int32GetDatum(-1)))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("void_after must not be negative")));
}

/*
 * set_void_after(id, grace): how long the stream may stay insolvent before
 * the sweeper voids it; NULL never.  The sender's policy.
 */
PG_FUNCTION_INFO_V1(api_set_void_after);
Datum
api_set_void_after(PG_FUNCTION_ARGS)
{
	Call		c;
	StreamWrite w;

	Begin(&c, fcinfo);
	if (c.t < c.row.state.last)
		flow_report(FLOW_ERR_TIME_ORDER, &c.row.state, c.t, NULL, FLOW_ARG_AMOUNT);
	if (c.row.state.voided)
		flow_report(FLOW_ERR_VOIDED, &c.row.state, c.t, NULL, FLOW_ARG_AMOUNT);
	Authorize(&c, IsSender(&c), "the sender", "set the grace of");
	CheckGrace(fcinfo, 1);
	w.id = c.row.id;
	w.state = &c.row.state;
	w.recipient = c.row.recipient;
	w.void_after = PG_GETARG_DATUM(1);
	w.void_after_null = PG_ARGISNULL(1);
	flow_write_stream(&w, OP_SET_VOID_AFTER, c.actor, (Datum) 0, true, NULL, c.t);
	flow_leave_owner(&c.scope);
	PG_RETURN_VOID();
}

/*
 * set_default_void_after(grace): the grace of streams created from now on,
 * recorded in flowstream.settings_history.  The owner's or an admin's.
 */
PG_FUNCTION_INFO_V1(api_set_default_void_after);
Datum
api_set_default_void_after(PG_FUNCTION_ARGS)
{
	Call		c;
	Oid			admin = get_role_oid("flowstream_admin", true);
	bool		allowed;
	Oid			types[3] = {INTERVALOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	char		nulls[3] = "   ";

	ResolveActor(&c);
	allowed = OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
	flow_enter_owner(&c.scope);
	allowed = allowed || has_privs_of_role(c.scope.save_user, GetUserId());
	c.row.id = 0;
	c.t = flow_time_arg(flow_clock_now());
	Authorize(&c, allowed, "the owner or flowstream_admin", "change the default grace");
	CheckGrace(fcinfo, 0);
	values[0] = PG_GETARG_DATUM(0);
	if (PG_ARGISNULL(0))
		nulls[0] = 'n';
	values[1] = CStringGetTextDatum(c.actor);
	values[2] = TimestampTzGetDatum(c.t);
	if (SPI_execute_plan(flow_plan(PLAN_DEFAULT_GRACE,
								   "WITH s AS (INSERT INTO flowstream.settings (default_void_after) "
								   "VALUES ($1) ON CONFLICT (singleton) DO UPDATE "
								   "SET default_void_after = EXCLUDED.default_void_after) "
								   "INSERT INTO flowstream.settings_history (name, value, actor, at) "
								   "VALUES ('default_void_after', $1::pg_catalog.text, $2, $3)",
								   3, types),
						 values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not change the default grace");
	flow_leave_owner(&c.scope);
	PG_RETURN_VOID();
}

/* set_metadata(id, metadata): the sender's free-form data; no operation, no event */
PG_FUNCTION_INFO_V1(api_set_metadata);
Datum
api_set_metadata(PG_FUNCTION_ARGS)
{
	Call		c;
	Oid			types[2] = {INT8OID, JSONBOID};
	Datum		values[2];

	Begin(&c, fcinfo);
	Authorize(&c, IsSender(&c), "the sender", "change the metadata of");
	if (PG_ARGISNULL(1))
		NullArgument("metadata");
	values[0] = Int64GetDatum(c.row.id);
	values[1] = PG_GETARG_DATUM(1);
	if (SPI_execute_plan(flow_plan(PLAN_METADATA,
								   "UPDATE flowstream.streams SET metadata = $2 "
								   "WHERE id OPERATOR(pg_catalog.=) $1",
								   2, types),
						 values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update stream " INT64_FORMAT, c.row.id);
	flow_leave_owner(&c.scope);
	PG_RETURN_VOID();
}
