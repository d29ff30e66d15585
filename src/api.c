/*
 * api.c — the functions of the managed API: their arguments, who acts,
 * then one operation through apply.c.
 *
 * They are SECURITY INVOKER C functions: the caller is known for sure
 * (the calling role, or flowstream.actor for a member of flowstream_app,
 * set in the current transaction), and only the table writes run as the
 * tables' owner.  What an operation takes and returns, and who may do it,
 * is in the operation table of the core (ops.c); a NULL argument is 22004.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"

static void
NullArgument(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s must not be null", name)));
}

/* Who acts: decided as the caller, before switching to the owner. */
const char *
flow_who_acts(ActorProblem *problem)
{
	Oid			caller = GetUserId();

	*problem = ACTOR_OK;
	if (flow_actor_setting != NULL && flow_actor_setting[0] != '\0')
	{
		Oid			app = flow_catalog()->app_role;

		if (!OidIsValid(app) || !has_privs_of_role(caller, app))
			*problem = ACTOR_FORGED;
		else if (!flow_actor_set_here())
			*problem = ACTOR_STALE;
		else
			return pstrdup(flow_actor_setting);
	}
	return GetUserNameFromId(caller, false);
}

void
flow_resolve_actor(FlowCall *call)
{
	call->actor = flow_who_acts(&call->actor_problem);
}

/*
 * Operation op on stream id with its argument (an amount, a rate, a name,
 * a grace or metadata, per the operation table), by whoever calls, into
 * call (whose args the caller may have filled in part: a terms' end).
 */
static void
Apply(FlowCall *call, FlowOp op, int64 id, Datum arg, bool arg_null, bool max, const char *name,
	  bool rate_by_rule)
{
	OwnerScope	scope;
	OpArgs		args = call->args;

	memset(call, 0, sizeof(*call));
	call->args.has_end = args.has_end;
	call->args.end = args.end;
	call->rate_by_rule = rate_by_rule;
	call->stream_id = id;
	call->op = op;
	call->args.max = max;
	call->args.name = name;
	call->amount_null = true;
	switch (flow_ops[op].arg)
	{
		case ARG_AMOUNT:
		case ARG_RATE:
		case ARG_TERMS:
			call->amount = arg;
			call->amount_null = arg_null;
			break;
		case ARG_GRACE:
			call->args.has_grace = !arg_null;
			if (!arg_null)
				flow_grace_of(arg, &call->args.grace);
			break;
		case ARG_METADATA:
			if (arg_null)
				NullArgument("metadata");
			call->metadata = arg;
			break;
		case ARG_NAME:
		case ARG_NONE:
			break;
	}
	flow_resolve_actor(call);
	flow_enter_owner(&scope);
	if (flow_ops[op].kind == KIND_BRIDGE && flow_distributed())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s is not supported on Citus", flow_ops[op].label),
				 errdetail("A stream and its party's account are placed on different nodes, "
						   "and a stream's operation runs whole where the stream lives."),
				 errhint("Move the money in two steps: account_withdraw() and deposit(), "
						 "or withdraw() and account_deposit(); see docs/scaling.md.")));
	call->at = flow_time_arg(flow_clock_now());
	flow_apply_call(call);
	flow_leave_owner(&scope);
}

/*
 * Operation op on stream id, as Apply(); returns what the operation
 * returns: the amount paid by a withdrawal or refund, the debt a void
 * wrote off, or nothing.
 */
static Datum
Call(FlowOp op, int64 id, Datum arg, bool arg_null, bool max, const char *name,
	 bool rate_by_rule)
{
	FlowCall	call;

	memset(&call, 0, sizeof(call));
	Apply(&call, op, id, arg, arg_null, max, name, rate_by_rule);
	if (op == OP_WITHDRAW || op == OP_REFUND || op == OP_WITHDRAW_TO_ACCOUNT)
		return u128_to_numeric(call.res.units, call.decimals);
	if (op == OP_VOID)
		return units_to_numeric(&call.res.written_off, call.decimals, call.decimals);
	return (Datum) 0;
}

Datum
flow_call(FlowOp op, int64 id, Datum arg, bool arg_null, bool max, const char *name)
{
	return Call(op, id, arg, arg_null, max, name, false);
}

/*
 * A new rate for stream id, for those who write a rate rather than name an
 * operation: the core's rule decides on the locked row whether it pauses,
 * restarts or adjusts.
 */
void
flow_call_rate(int64 id, Datum rate, bool rate_null)
{
	(void) Call(OP_ADJUST_RATE, id, rate, rate_null, false, NULL, true);
}

/* The stream id of argument 0. */
static int64
StreamId(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		NullArgument("stream id");
	return PG_GETARG_INT64(0);
}

/* Argument n as a name, or NULL. */
static const char *
NameArg(FunctionCallInfo fcinfo, int n)
{
	if (PG_NARGS() <= n || PG_ARGISNULL(n))
		return NULL;
	return TextDatumGetCString(PG_GETARG_DATUM(n));
}

/* op(id, argument): the operations whose second argument is their own */
static Datum
WithArgument(FunctionCallInfo fcinfo, FlowOp op)
{
	int64		id = StreamId(fcinfo);

	if (flow_ops[op].arg == ARG_NAME)
		return flow_call(op, id, (Datum) 0, true, false, NameArg(fcinfo, 1));
	return flow_call(op, id, PG_GETARG_DATUM(1), PG_ARGISNULL(1), false, NULL);
}

PG_FUNCTION_INFO_V1(api_deposit);
Datum
api_deposit(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_DEPOSIT);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_refund);
Datum
api_refund(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_REFUND);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_restart);
Datum
api_restart(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_RESTART);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_adjust_rate);
Datum
api_adjust_rate(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_ADJUST_RATE);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_transfer);
Datum
api_transfer(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_TRANSFER);
	PG_RETURN_VOID();
}

/* set_void_after(id, grace): the sender's policy for the sweeper; NULL never */
PG_FUNCTION_INFO_V1(api_set_void_after);
Datum
api_set_void_after(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_SET_VOID_AFTER);
	PG_RETURN_VOID();
}

/* set_metadata(id, metadata): the sender's free-form data */
PG_FUNCTION_INFO_V1(api_set_metadata);
Datum
api_set_metadata(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_SET_METADATA);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_pause);
Datum
api_pause(PG_FUNCTION_ARGS)
{
	(void) flow_call(OP_PAUSE, StreamId(fcinfo), (Datum) 0, true, false, NULL);
	PG_RETURN_VOID();
}

/* void(id) → the written-off debt */
PG_FUNCTION_INFO_V1(api_void);
Datum
api_void(PG_FUNCTION_ARGS)
{
	return flow_call(OP_VOID, StreamId(fcinfo), (Datum) 0, true, false, NULL);
}

/* withdraw(id, amount, "to") → the amount paid */
PG_FUNCTION_INFO_V1(api_withdraw);
Datum
api_withdraw(PG_FUNCTION_ARGS)
{
	int64		id = StreamId(fcinfo);

	return flow_call(OP_WITHDRAW, id, PG_GETARG_DATUM(1), PG_ARGISNULL(1), false,
					 NameArg(fcinfo, 2));
}

/* withdraw_max(id, "to") → the amount paid */
PG_FUNCTION_INFO_V1(api_withdraw_max);
Datum
api_withdraw_max(PG_FUNCTION_ARGS)
{
	int64		id = StreamId(fcinfo);

	return flow_call(OP_WITHDRAW, id, (Datum) 0, true, true, NameArg(fcinfo, 1));
}

/* refund_max(id) → the amount refunded */
PG_FUNCTION_INFO_V1(api_refund_max);
Datum
api_refund_max(PG_FUNCTION_ARGS)
{
	return flow_call(OP_REFUND, StreamId(fcinfo), (Datum) 0, true, true, NULL);
}

/* deposit_from_account(id, amount): the sender tops a stream up from its account */
PG_FUNCTION_INFO_V1(api_deposit_from_account);
Datum
api_deposit_from_account(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_DEPOSIT_FROM_ACCOUNT);
	PG_RETURN_VOID();
}

/* withdraw_to_account(id, amount) → the amount paid into the recipient's account */
PG_FUNCTION_INFO_V1(api_withdraw_to_account);
Datum
api_withdraw_to_account(PG_FUNCTION_ARGS)
{
	return WithArgument(fcinfo, OP_WITHDRAW_TO_ACCOUNT);
}

/* withdraw_max_to_account(id) → all the covered debt, paid into the recipient's account */
PG_FUNCTION_INFO_V1(api_withdraw_max_to_account);
Datum
api_withdraw_max_to_account(PG_FUNCTION_ARGS)
{
	return flow_call(OP_WITHDRAW_TO_ACCOUNT, StreamId(fcinfo), (Datum) 0, true, true, NULL);
}

/*
 * The decimals of a registered token; 22023 for an unknown one.  A batch
 * keeps the last few tokens it looked up (decimals never change).
 */
static int
TokenDecimals(FlowCreateBatch *b, Datum token)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {token};
	bool		isnull;
	char	   *name = TextDatumGetCString(token);
	MemoryContext old;
	int			k;

	for (k = 0; k < Min(b->tokens, (int) lengthof(b->token)); k++)
	{
		if (strcmp(b->token[k], name) == 0)
			return b->decimals[k];
	}
	if (SPI_execute_plan(flow_plan(PLAN_TOKEN,
								   "SELECT decimals FROM flowstream.tokens "
								   "WHERE token OPERATOR(pg_catalog.=) $1",
								   1, types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.tokens");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown token \"%s\"", name),
				 errhint("Tokens are registered in flowstream.tokens.")));
	/* past the last slot, the oldest is replaced */
	k = b->tokens++ % lengthof(b->token);
	b->decimals[k] = DatumGetInt16(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
												 &isnull));
	SPI_freetuptable(SPI_tuptable);
	old = MemoryContextSwitchTo(b->cxt);
	b->token[k] = pstrdup(name);
	MemoryContextSwitchTo(old);
	return b->decimals[k];
}

/* The grace of new streams: flowstream.settings' default, or none; read once a batch. */
static Datum
DefaultGrace(FlowCreateBatch *b, bool *isnull)
{
	if (!b->grace_read)
	{
		MemoryContext old;

		if (SPI_execute_plan(flow_plan(PLAN_DEFAULT_GRACE,
									   "SELECT default_void_after FROM flowstream.settings", 0, NULL),
							 NULL, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read flowstream.settings");
		b->grace_null = true;
		b->grace = (Datum) 0;
		if (SPI_processed > 0)
		{
			Datum		grace = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											  &b->grace_null);

			if (!b->grace_null)
			{
				old = MemoryContextSwitchTo(b->cxt);
				b->grace = datumCopy(grace, false, sizeof(Interval));
				MemoryContextSwitchTo(old);
			}
		}
		SPI_freetuptable(SPI_tuptable);
		b->grace_read = true;
	}
	*isnull = b->grace_null;
	return b->grace;
}

/*
 * Starts a batch of creations (create_stream: a batch of one): who acts
 * and the time, for all of them, then as the tables' owner.
 */
void
flow_create_begin(FlowCreateBatch *b)
{
	FlowCall	call;

	memset(b, 0, sizeof(*b));
	b->cxt = CurrentMemoryContext;
	memset(&call, 0, sizeof(call));
	flow_resolve_actor(&call);
	b->actor = call.actor;
	b->actor_problem = call.actor_problem;
	flow_enter_owner(&b->scope);
	b->at = flow_time_arg(flow_clock_now());
}

void
flow_create_end(FlowCreateBatch *b)
{
	flow_leave_owner(&b->scope);
}

/*
 * Runs create_stream_at(id, ...) for c, as the caller, with the id
 * allocated for it: Citus delegates the call to the node that holds the
 * shard of id, where the row, its trigger and its events are local.
 */
static int64
CreateWhereItLives(const FlowCreate *c, int64 id)
{
	Oid			types[12] = {INT8OID, BOOLOID, TEXTOID, TEXTOID, TEXTOID, NUMERICOID,
		TIMESTAMPTZOID, NUMERICOID, BOOLOID, JSONBOID, BOOLOID, TIMESTAMPTZOID};
	Datum		values[12] = {Int64GetDatum(id), BoolGetDatum(c->fixed), c->sender, c->recipient,
		c->token, c->rate, TimestampTzGetDatum(c->start), c->deposit,
		BoolGetDatum(c->transferable), c->metadata, BoolGetDatum(c->consent_required),
	TimestampTzGetDatum(c->end)};
	char		nulls[13] = "            ";
	bool		isnull;
	int64		made;

	nulls[5] = c->fixed ? 'n' : ' ';
	nulls[11] = c->has_end ? ' ' : 'n';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* a function in FROM: Citus delegates it from inside this call too */
	if (SPI_execute_with_args("SELECT * FROM flowstream.create_stream_at("
							  "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
							  12, types, values, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not create stream " INT64_FORMAT, id);
	made = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return made;
}

/*
 * Creates a stream from c's sender to its recipient, with the default
 * grace, an end when c has one, and a first deposit (its own event) when
 * c's deposit is positive; a fixed stream's rate is what pays its total
 * from start to end (the core's flow_fixed_rate), and its total is its
 * deposit.  Returns its id.  No stream exists yet, so there is no status
 * error: first who may act (the sender), then the arguments, of which
 * c->null_arg names one that is NULL.
 */
int64
flow_create_one(FlowCreateBatch *b, const FlowCreate *c)
{
	FlowCall	call,
				dep;
	OpRow		row;
	OpActor		actor;
	FlowAmount	first;
	FlowError	err;
	int			decimals;
	int64		id;
	int64		start;
	Datum		void_after;
	bool		void_after_null;

	memset(&call, 0, sizeof(call));
	call.op = OP_CREATE;
	call.metadata = c->metadata;
	call.consent_required = c->consent_required;
	call.actor = b->actor;
	call.actor_problem = b->actor_problem;
	call.at = b->at;

	memset(&row, 0, sizeof(row));
	row.sender = TextDatumGetCString(c->sender);
	memset(&actor, 0, sizeof(actor));
	actor.name = call.actor;
	actor.refused = call.actor_problem != ACTOR_OK;
	actor.as_sender = strcmp(call.actor, row.sender) == 0;
	if (!actor.refused && !actor.as_sender)
		flow_operator_grants(&actor, row.sender, NULL,
							 c->token_null ? NULL : TextDatumGetCString(c->token));
	switch (flow_acts_for(OP_CREATE, &actor, true))
	{
		case ACTED_NONE:
			flow_report_call(FLOW_ERR_NOT_ALLOWED, &call, NULL, call.at);
			break;
		case ACTED_FOR_SENDER:
			call.on_behalf_of = row.sender;
			break;
		default:
			break;
	}
	if (c->null_arg != NULL)
		NullArgument(c->null_arg);

	row.recipient = TextDatumGetCString(c->recipient);
	decimals = TokenDecimals(b, c->token);
	start = flow_time_arg(c->start);
	first = numeric_to_amount(c->deposit, decimals);
	if (c->fixed)
	{
		/* the deposit is the total; the rate pays it by the end */
		err = first.err != FLOW_OK ? first.err :
			flow_fixed_rate(first.units, decimals, start, flow_time_arg(c->end), &call.args.amount);
		if (err != FLOW_OK)
			call.args.amount = first;	/* the messages speak of the total */
	}
	else
	{
		call.args.amount = numeric_to_amount(c->rate, FLOW_RATE_SCALE);
		err = FLOW_OK;
	}
	if (err == FLOW_OK)
		err = flow_apply_create(&row, &call.args, decimals, start, call.at);
	if (err == FLOW_OK && c->has_end)
		err = flow_set_end(&row.state, flow_time_arg(c->end));
	if (err == FLOW_OK && first.err != FLOW_OK)
	{
		err = first.err;
		call.args.amount = first;	/* for the message */
	}
	if (err != FLOW_OK)
	{
		FlowState	token;

		memset(&token, 0, sizeof(token));
		token.decimals = (int16) decimals;
		flow_report_call(err, &call, &token, call.at);
	}

	/*
	 * on Citus, the id first, then the whole call, as the caller, on the
	 * node that holds it (a batch of rows is made only where streams are not
	 * distributed)
	 */
	if (b->rows == NULL && c->id == 0 && flow_distributed())
	{
		id = flow_next_stream_id();
		flow_leave_owner(&b->scope);
		id = CreateWhereItLives(c, id);
		flow_enter_owner(&b->scope);
		return id;
	}

	void_after = DefaultGrace(b, &void_after_null);
	/* a first balance is a deposit of its own, with its event */
	memset(&dep, 0, sizeof(dep));
	dep.op = OP_DEPOSIT;
	dep.actor = call.actor;
	dep.actor_problem = call.actor_problem;
	dep.at = call.at;
	dep.amount_null = false;
	dep.amount = c->deposit;
	if (b->rows != NULL)
	{
		/* in a batch: the row as it will be written, which the deposit then finds */
		row.transferable = c->transferable;
		row.consent_required = c->consent_required;
		row.has_grace = !void_after_null;
		if (row.has_grace)
			flow_grace_of(void_after, &row.grace);
		return flow_new_stream(b->rows, &call, &row, c->sender, c->recipient, c->token,
							   void_after, void_after_null, first.units > 0 ? &dep : NULL);
	}
	id = flow_create_call(&call, c->id, c->sender, c->recipient, c->token, &row.state, c->transferable,
						  void_after, void_after_null);
	if (first.units > 0)
	{
		dep.stream_id = id;
		flow_apply_call(&dep);
	}
	return id;
}

/* one stream, as flow_create_one(), in a batch of its own */
int64
flow_call_create(const FlowCreate *c)
{
	FlowCreateBatch b;
	int64		id;

	flow_create_begin(&b);
	id = flow_create_one(&b, c);
	flow_create_end(&b);
	return id;
}

/*
 * create_stream(sender, recipient, token, rate, start, deposit,
 * transferable, metadata, consent_required, end_time) → id
 */
PG_FUNCTION_INFO_V1(api_create_stream);
Datum
api_create_stream(PG_FUNCTION_ARGS)
{
	static const char *const names[9] = {"sender", "recipient", "token", "rate_per_second",
	"start_time", "deposit", "transferable", "metadata", "consent_required"};
	FlowCreate	c;

	memset(&c, 0, sizeof(c));
	if (PG_ARGISNULL(0))
		NullArgument("sender");
	for (int i = 8; i > 0; i--)
	{
		if (PG_ARGISNULL(i))
			c.null_arg = names[i];
	}
	/* with null_arg set, it fails before reading the arguments after the sender */
	c.sender = PG_GETARG_DATUM(0);
	c.recipient = PG_GETARG_DATUM(1);
	c.token = PG_GETARG_DATUM(2);
	c.token_null = PG_ARGISNULL(2);
	c.rate = PG_GETARG_DATUM(3);
	c.start = PG_GETARG_TIMESTAMPTZ(4);
	c.deposit = PG_GETARG_DATUM(5);
	c.transferable = c.null_arg == NULL && PG_GETARG_BOOL(6);
	c.metadata = PG_GETARG_DATUM(7);
	c.consent_required = c.null_arg == NULL && PG_GETARG_BOOL(8);
	c.has_end = !PG_ARGISNULL(9);
	c.end = c.has_end ? PG_GETARG_TIMESTAMPTZ(9) : 0;
	PG_RETURN_INT64(flow_call_create(&c));
}

/*
 * create_stream_at(id, fixed, sender, recipient, token, rate, start,
 * deposit, transferable, metadata, consent_required, end_time) → id: the
 * second half of create_stream and create_fixed_stream on Citus, run where
 * the row of the id allocated for it lives; a fixed stream's deposit is its
 * total, and it has no rate.  The same checks as theirs, with the same
 * errors; a taken id is 23505.
 */
PG_FUNCTION_INFO_V1(api_create_stream_at);
Datum
api_create_stream_at(PG_FUNCTION_ARGS)
{
	static const char *const names[12] = {"id", "fixed", "sender", "recipient", "token",
		"rate_per_second", "start_time", "deposit", "transferable", "metadata",
	"consent_required", "end_time"};
	FlowCreate	c;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 3; i++)
	{
		if (PG_ARGISNULL(i))
			NullArgument(names[i]);
	}
	c.fixed = PG_GETARG_BOOL(1);
	for (int i = 10; i > 2; i--)
	{
		if (PG_ARGISNULL(i) && !(i == 5 && c.fixed))
			c.null_arg = names[i];
	}
	if (c.null_arg == NULL && c.fixed && PG_ARGISNULL(11))
		c.null_arg = names[11];
	c.id = PG_GETARG_INT64(0);
	if (c.id <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("id must be positive")));
	{
		/*
		 * On a single node, only an id the sequence has handed out already:
		 * one it has yet to hand out would make a later create_stream()
		 * fail.  (On Citus each node's sequence has its own range: there the
		 * caller is trusted with the id, see docs/scaling.md.)
		 */
		OwnerScope	scope;
		int64		last = INT64_MAX;

		flow_enter_owner(&scope);
		if (!flow_distributed())
			last = flow_last_stream_id();
		flow_leave_owner(&scope);
		if (c.id > last)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stream id " INT64_FORMAT " has not been handed out by flowstream.streams' sequence", c.id),
					 errhint("Call flowstream.create_stream(): create_stream_at() is its second half on Citus.")));
	}
	c.sender = PG_GETARG_DATUM(2);
	c.recipient = PG_GETARG_DATUM(3);
	c.token = PG_GETARG_DATUM(4);
	c.token_null = PG_ARGISNULL(4);
	c.rate = c.fixed ? (Datum) 0 : PG_GETARG_DATUM(5);
	c.start = PG_GETARG_TIMESTAMPTZ(6);
	c.deposit = PG_GETARG_DATUM(7);
	c.transferable = c.null_arg == NULL && PG_GETARG_BOOL(8);
	c.metadata = PG_GETARG_DATUM(9);
	c.consent_required = c.null_arg == NULL && PG_GETARG_BOOL(10);
	c.has_end = !PG_ARGISNULL(11);
	c.end = c.has_end ? PG_GETARG_TIMESTAMPTZ(11) : 0;
	PG_RETURN_INT64(flow_call_create(&c));
}

/*
 * create_fixed_stream(sender, recipient, token, total, start, end,
 * transferable, metadata, consent_required) → id: EIP-1620's stream
 */
PG_FUNCTION_INFO_V1(api_create_fixed_stream);
Datum
api_create_fixed_stream(PG_FUNCTION_ARGS)
{
	static const char *const names[9] = {"sender", "recipient", "token", "total",
	"start_time", "end_time", "transferable", "metadata", "consent_required"};
	FlowCreate	c;

	memset(&c, 0, sizeof(c));
	if (PG_ARGISNULL(0))
		NullArgument("sender");
	for (int i = 8; i > 0; i--)
	{
		if (PG_ARGISNULL(i))
			c.null_arg = names[i];
	}
	c.fixed = true;
	c.sender = PG_GETARG_DATUM(0);
	c.recipient = PG_GETARG_DATUM(1);
	c.token = PG_GETARG_DATUM(2);
	c.token_null = PG_ARGISNULL(2);
	c.deposit = PG_GETARG_DATUM(3);
	c.start = PG_GETARG_TIMESTAMPTZ(4);
	c.has_end = true;
	c.end = PG_GETARG_TIMESTAMPTZ(5);
	c.transferable = c.null_arg == NULL && PG_GETARG_BOOL(6);
	c.metadata = PG_GETARG_DATUM(7);
	c.consent_required = c.null_arg == NULL && PG_GETARG_BOOL(8);
	PG_RETURN_INT64(flow_call_create(&c));
}

/* redeem(id) → (paid, refunded): void, pay the recipient, refund the sender */
PG_FUNCTION_INFO_V1(api_redeem);
Datum
api_redeem(PG_FUNCTION_ARGS)
{
	FlowCall	call;
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "redeem must return a record");
	Apply(&call, OP_REDEEM, StreamId(fcinfo), (Datum) 0, true, false, NULL, false);
	values[0] = u128_to_numeric(call.res.paid, call.decimals);
	values[1] = u128_to_numeric(call.res.refunded, call.decimals);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* propose_update(id, rate, end), confirm_update(id, rate, end): terms, a NULL end for none */
static void
Terms(FunctionCallInfo fcinfo, FlowOp op)
{
	FlowCall	call;

	memset(&call, 0, sizeof(call));
	call.args.has_end = !PG_ARGISNULL(2);
	call.args.end = call.args.has_end ? flow_time_arg(PG_GETARG_TIMESTAMPTZ(2)) : 0;
	Apply(&call, op, StreamId(fcinfo), PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1),
		  PG_ARGISNULL(1), false, NULL, false);
}

PG_FUNCTION_INFO_V1(api_propose_update);
Datum
api_propose_update(PG_FUNCTION_ARGS)
{
	Terms(fcinfo, OP_PROPOSE_UPDATE);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_confirm_update);
Datum
api_confirm_update(PG_FUNCTION_ARGS)
{
	Terms(fcinfo, OP_CONFIRM_UPDATE);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(api_revoke_update);
Datum
api_revoke_update(PG_FUNCTION_ARGS)
{
	(void) flow_call(OP_REVOKE_UPDATE, StreamId(fcinfo), (Datum) 0, true, false, NULL);
	PG_RETURN_VOID();
}

/*
 * Changes one of flowstream.settings' columns to value (of type, or NULL)
 * and records it in flowstream.settings_history; settings_guard checks it.
 * The owner's or an admin's.
 */
static void
SetSetting(const char *column, const char *what, Datum value, bool isnull, Oid type)
{
	FlowCall	call;
	OwnerScope	scope;
	Oid			admin = flow_catalog()->admin_role;
	bool		allowed;
	Oid			types[3] = {type, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	char		nulls[3] = "   ";

	memset(&call, 0, sizeof(call));
	call.op = OP_SET_VOID_AFTER;
	flow_resolve_actor(&call);
	allowed = OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
	flow_enter_owner(&scope);
	allowed = allowed || has_privs_of_role(scope.save_user, GetUserId());
	if (call.actor_problem != ACTOR_OK || !allowed)
	{
		if (call.actor_problem == ACTOR_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to change %s", what),
					 errdetail("Only the owner or flowstream_admin may do this; \"%s\" is acting.",
							   call.actor)));
		flow_report_call(FLOW_ERR_NOT_ALLOWED, &call, NULL, 0);
	}
	flow_check_writable();
	values[0] = value;
	nulls[0] = isnull ? 'n' : ' ';
	values[1] = CStringGetTextDatum(call.actor);
	values[2] = TimestampTzGetDatum(flow_time_arg(flow_clock_now()));
	/* the column is one of this file's names, never the caller's */
	if (SPI_execute_with_args(psprintf("WITH s AS (INSERT INTO flowstream.settings (%s) "
									   "VALUES ($1) ON CONFLICT (singleton) DO UPDATE "
									   "SET %s = EXCLUDED.%s) "
									   "INSERT INTO flowstream.settings_history (name, value, actor, at) "
									   "VALUES ('%s', $1::pg_catalog.text, $2, $3)",
									   column, column, column, column),
							  3, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not change %s", what);
	flow_leave_owner(&scope);
}

/* set_default_void_after(grace): the grace of streams created from now on */
PG_FUNCTION_INFO_V1(api_set_default_void_after);
Datum
api_set_default_void_after(PG_FUNCTION_ARGS)
{
	SetSetting("default_void_after", "the default grace", PG_GETARG_DATUM(0), PG_ARGISNULL(0),
			   INTERVALOID);
	PG_RETURN_VOID();
}

/* set_runway_thresholds(intervals): when maintain() alerts before running dry */
PG_FUNCTION_INFO_V1(api_set_runway_thresholds);
Datum
api_set_runway_thresholds(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		NullArgument("thresholds");
	SetSetting("runway_thresholds", "the runway thresholds", PG_GETARG_DATUM(0), false,
			   INTERVALARRAYOID);
	PG_RETURN_VOID();
}

/* set_maintenance_skip(parts): the parts of maintain() that do not run */
PG_FUNCTION_INFO_V1(api_set_maintenance_skip);
Datum
api_set_maintenance_skip(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		NullArgument("parts");
	SetSetting("maintenance_skip", "the parts maintain() skips", PG_GETARG_DATUM(0), false,
			   TEXTARRAYOID);
	PG_RETURN_VOID();
}

/* set_notifications(enabled): whether events and runway alerts are notifications */
PG_FUNCTION_INFO_V1(api_set_notifications);
Datum
api_set_notifications(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		NullArgument("enabled");
	SetSetting("notifications", "the notifications", PG_GETARG_DATUM(0), false, BOOLOID);
	PG_RETURN_VOID();
}

/* set_auto_top_up(id, keep): the sender's runway to keep from its account; NULL stops it */
PG_FUNCTION_INFO_V1(api_set_auto_top_up);
Datum
api_set_auto_top_up(PG_FUNCTION_ARGS)
{
	(void) WithArgument(fcinfo, OP_SET_AUTO_TOP_UP);
	PG_RETURN_VOID();
}

/* set_auto_withdraw(id, every, "to"): the recipient's scheduled payouts; NULL stops them */
PG_FUNCTION_INFO_V1(api_set_auto_withdraw);
Datum
api_set_auto_withdraw(PG_FUNCTION_ARGS)
{
	(void) flow_call(OP_SET_AUTO_WITHDRAW, StreamId(fcinfo), PG_GETARG_DATUM(1), PG_ARGISNULL(1),
					 false, NameArg(fcinfo, 2));
	PG_RETURN_VOID();
}
