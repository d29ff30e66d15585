/*
 * api.c — the entry points of the managed API: create_stream, deposit,
 * withdraw, withdraw_max, refund, refund_max, pause, restart, adjust_rate,
 * void, transfer, set_void_after, set_metadata and set_default_void_after.
 *
 * A call captures who acts (the calling role, or flowstream.actor for a
 * member of flowstream_app) before anything else, then switches to the
 * owner of the extension's tables and runs one UPDATE of its stream's row
 * (one INSERT to create); the trigger there applies the operation to the
 * locked row and writes its event (operations.c, history.c).  The
 * functions are SECURITY INVOKER C, so the caller is known for sure; only
 * the table writes run as the owner.  A stream that does not exist is
 * SF001 before anything else.
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

static void
NullArgument(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must not be null", name)));
}

/* Who acts: decided as the caller, before switching to the owner. */
static void
ResolveActor(PendingOp *p)
{
	Oid			caller = GetUserId();

	p->spoofed = false;
	p->actor = GetUserNameFromId(caller, false);
	if (flow_actor_setting != NULL && flow_actor_setting[0] != '\0')
	{
		Oid			app = get_role_oid("flowstream_app", true);

		if (OidIsValid(app) && has_privs_of_role(caller, app))
			p->actor = pstrdup(flow_actor_setting);
		else
			p->spoofed = true;
	}
}

/* The start of a call on an existing stream: an operation by the caller, now. */
static void
Begin(PendingOp *p, FunctionCallInfo fcinfo, FlowOp op, OwnerScope *scope)
{
	memset(p, 0, sizeof(*p));
	if (PG_ARGISNULL(0))
		NullArgument("stream id");
	p->stream_id = PG_GETARG_INT64(0);
	p->op = op;
	p->amount_null = true;
	p->grace_null = true;
	ResolveActor(p);
	flow_enter_owner(scope);
	p->at = flow_time_arg(flow_clock_now());
}

/*
 * Applies p to its stream: one UPDATE, whose trigger does the work on the
 * locked row (operations.c).  SF001 when there is no such stream.
 */
static void
Apply(PendingOp *p)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(p->stream_id)};
	SPIPlanPtr	plan = flow_plan(PLAN_APPLY,
								 "UPDATE flowstream.streams SET state = state "
								 "WHERE id OPERATOR(pg_catalog.=) $1",
								 1, types);
	volatile int rc;

	flow_pending = *p;
	flow_pending.applied = false;
	flow_pending.active = true;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, NULL, false, 0);
	}
	PG_FINALLY();
	{
		flow_pending.active = false;
	}
	PG_END_TRY();
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not update stream " INT64_FORMAT, p->stream_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_NOT_FOUND),
				 errmsg("stream " INT64_FORMAT " does not exist", p->stream_id)));
	if (!flow_pending.applied)
		elog(ERROR, "the trigger streams_guard on flowstream.streams did not run; is it disabled?");
	/* the results the trigger left */
	p->paid = flow_pending.paid;
	p->written_off = flow_pending.written_off;
	p->decimals = flow_pending.decimals;
}

/* Argument n as the operation's amount (tokens, or tokens per second). */
static void
AmountArg(PendingOp *p, FunctionCallInfo fcinfo, int n)
{
	p->amount_null = PG_ARGISNULL(n);
	if (!p->amount_null)
		p->amount = PG_GETARG_DATUM(n);
}

/* Argument n as a name (destination, new recipient), or NULL. */
static const char *
NameArg(FunctionCallInfo fcinfo, int n)
{
	if (PG_NARGS() <= n || PG_ARGISNULL(n))
		return NULL;
	return TextDatumGetCString(PG_GETARG_DATUM(n));
}

/* create_stream(sender, recipient, token, rate, start, deposit, transferable, metadata) → id */
PG_FUNCTION_INFO_V1(api_create_stream);
Datum
api_create_stream(PG_FUNCTION_ARGS)
{
	PendingOp	p;
	OwnerScope	scope;
	Oid			token_types[1] = {TEXTOID};
	Oid			insert_types[6] = {TEXTOID, TEXTOID, TEXTOID, InvalidOid, BOOLOID, JSONBOID};
	Datum		values[6];
	char	   *sender,
			   *recipient;
	FlowState	state;
	FlowAmount	rate,
				deposit;
	int			decimals;
	int64		start,
				id;
	bool		isnull;
	SPIPlanPtr	plan;
	volatile int rc;

	/* no stream yet, so no status errors: first who may act (the sender) */
	memset(&p, 0, sizeof(p));
	if (PG_ARGISNULL(0))
		NullArgument("sender");
	sender = TextDatumGetCString(PG_GETARG_DATUM(0));
	ResolveActor(&p);
	flow_enter_owner(&scope);
	flow_authorize(&p, 0, strcmp(p.actor, sender) == 0, "the sender",
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
	p.at = flow_time_arg(flow_clock_now());

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

	memset(&state, 0, sizeof(state));
	rate = numeric_to_amount(PG_GETARG_DATUM(3), FLOW_RATE_SCALE);
	flow_check(flow_create(&state, &rate, decimals, start, p.at), NULL, p.at, &rate, FLOW_ARG_RATE);
	deposit = numeric_to_amount(PG_GETARG_DATUM(5), decimals);
	if (deposit.err != FLOW_OK)
		flow_check(deposit.err, &state, p.at, &deposit, FLOW_ARG_AMOUNT);

	insert_types[3] = flow_stream_type_oid();
	plan = flow_plan(PLAN_INSERT,
					 "INSERT INTO flowstream.streams "
					 "(sender, recipient, token, state, transferable, metadata, void_after) "
					 "VALUES ($1, $2, $3, $4, $5, $6, "
					 "(SELECT s.default_void_after FROM flowstream.settings s)) "
					 "RETURNING id",
					 6, insert_types);
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	values[3] = FlowStatePGetDatum(&state);
	values[4] = PG_GETARG_DATUM(6);
	values[5] = PG_GETARG_DATUM(7);

	flow_pending = p;
	flow_pending.op = OP_CREATE;
	flow_pending.stream_id = 0;
	flow_pending.to = recipient;
	flow_pending.active = true;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, NULL, false, 0);
	}
	PG_FINALLY();
	{
		flow_pending.active = false;
	}
	PG_END_TRY();
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not insert the stream");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	/* an initial balance is a deposit of its own, with its event */
	if (deposit.units > 0)
	{
		p.stream_id = id;
		p.op = OP_DEPOSIT;
		p.amount = PG_GETARG_DATUM(5);
		p.amount_null = false;
		p.grace_null = true;
		Apply(&p);
	}
	flow_leave_owner(&scope);
	PG_RETURN_INT64(id);
}

/* The operations without a result: deposit(id, amount), pause(id), ... */
static Datum
Simple(FunctionCallInfo fcinfo, FlowOp op)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, op, &scope);
	if (op == OP_DEPOSIT || op == OP_REFUND || op == OP_RESTART || op == OP_ADJUST_RATE)
		AmountArg(&p, fcinfo, 1);
	Apply(&p);
	flow_leave_owner(&scope);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_deposit);
Datum
api_deposit(PG_FUNCTION_ARGS)
{
	return Simple(fcinfo, OP_DEPOSIT);
}

PG_FUNCTION_INFO_V1(api_refund);
Datum
api_refund(PG_FUNCTION_ARGS)
{
	return Simple(fcinfo, OP_REFUND);
}

PG_FUNCTION_INFO_V1(api_pause);
Datum
api_pause(PG_FUNCTION_ARGS)
{
	return Simple(fcinfo, OP_PAUSE);
}

PG_FUNCTION_INFO_V1(api_restart);
Datum
api_restart(PG_FUNCTION_ARGS)
{
	return Simple(fcinfo, OP_RESTART);
}

PG_FUNCTION_INFO_V1(api_adjust_rate);
Datum
api_adjust_rate(PG_FUNCTION_ARGS)
{
	return Simple(fcinfo, OP_ADJUST_RATE);
}

/* withdraw(id, amount, "to") and withdraw_max(id, "to") → the amount paid */
static Datum
Withdraw(FunctionCallInfo fcinfo, bool max)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, OP_WITHDRAW, &scope);
	p.max = max;
	if (!max)
		AmountArg(&p, fcinfo, 1);
	p.to = NameArg(fcinfo, max ? 1 : 2);
	Apply(&p);
	flow_leave_owner(&scope);
	return u128_to_numeric(p.paid, p.decimals);
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

/* refund_max(id) → the amount refunded */
PG_FUNCTION_INFO_V1(api_refund_max);
Datum
api_refund_max(PG_FUNCTION_ARGS)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, OP_REFUND, &scope);
	p.max = true;
	Apply(&p);
	flow_leave_owner(&scope);
	return u128_to_numeric(p.paid, p.decimals);
}

/* void(id) → the written-off debt */
PG_FUNCTION_INFO_V1(api_void);
Datum
api_void(PG_FUNCTION_ARGS)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, OP_VOID, &scope);
	Apply(&p);
	flow_leave_owner(&scope);
	return units_to_numeric(&p.written_off, p.decimals, p.decimals);
}

/* transfer(id, new_recipient) */
PG_FUNCTION_INFO_V1(api_transfer);
Datum
api_transfer(PG_FUNCTION_ARGS)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, OP_TRANSFER, &scope);
	p.to = NameArg(fcinfo, 1);
	Apply(&p);
	flow_leave_owner(&scope);
	PG_RETURN_VOID();
}

/* set_void_after(id, grace): the sender's policy for the sweeper; NULL never */
PG_FUNCTION_INFO_V1(api_set_void_after);
Datum
api_set_void_after(PG_FUNCTION_ARGS)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, OP_SET_VOID_AFTER, &scope);
	p.grace_null = PG_ARGISNULL(1);
	if (!p.grace_null)
		p.grace = PG_GETARG_DATUM(1);
	Apply(&p);
	flow_leave_owner(&scope);
	PG_RETURN_VOID();
}

/* set_metadata(id, metadata): the sender's free-form data; no operation, no event */
PG_FUNCTION_INFO_V1(api_set_metadata);
Datum
api_set_metadata(PG_FUNCTION_ARGS)
{
	PendingOp	p;
	OwnerScope	scope;

	Begin(&p, fcinfo, OP_COUNT, &scope);
	p.set_metadata = true;
	if (PG_ARGISNULL(1))
		NullArgument("metadata");
	p.metadata = PG_GETARG_DATUM(1);
	Apply(&p);
	flow_leave_owner(&scope);
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
	PendingOp	p;
	OwnerScope	scope;
	Oid			admin = get_role_oid("flowstream_admin", true);
	bool		allowed;
	Oid			types[3] = {INTERVALOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	char		nulls[3] = "   ";

	memset(&p, 0, sizeof(p));
	ResolveActor(&p);
	allowed = OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
	flow_enter_owner(&scope);
	allowed = allowed || has_privs_of_role(scope.save_user, GetUserId());
	flow_authorize(&p, 0, allowed, "the owner or flowstream_admin", "change the default grace");
	flow_check_grace(PG_GETARG_DATUM(0), PG_ARGISNULL(0));
	values[0] = PG_GETARG_DATUM(0);
	if (PG_ARGISNULL(0))
		nulls[0] = 'n';
	values[1] = CStringGetTextDatum(p.actor);
	values[2] = TimestampTzGetDatum(flow_time_arg(flow_clock_now()));
	if (SPI_execute_plan(flow_plan(PLAN_DEFAULT_GRACE,
								   "WITH s AS (INSERT INTO flowstream.settings (default_void_after) "
								   "VALUES ($1) ON CONFLICT (singleton) DO UPDATE "
								   "SET default_void_after = EXCLUDED.default_void_after) "
								   "INSERT INTO flowstream.settings_history (name, value, actor, at) "
								   "VALUES ('default_void_after', $1::pg_catalog.text, $2, $3)",
								   3, types),
						 values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not change the default grace");
	flow_leave_owner(&scope);
	PG_RETURN_VOID();
}

/*
 * Voids stream id for the sweeper, which acts as itself; the row is
 * already locked.  Returns false when the void is refused (a clock before
 * its last operation).
 */
bool
flow_sweep_void(int64 id, int64 t, const FlowState *state)
{
	PendingOp	p;
	FlowState	probe = *state;
	U256		written_off;

	t = flow_operation_time(t, state);
	if (flow_void(&probe, t, &written_off) != FLOW_OK)
		return false;
	memset(&p, 0, sizeof(p));
	p.stream_id = id;
	p.op = OP_VOID;
	p.actor = "flowstream_sweeper";
	p.by_sweeper = true;
	p.at = t;
	p.amount_null = true;
	p.grace_null = true;
	Apply(&p);
	return true;
}
