/*
 * api_accounts.c — the API of accounts and flows (SPEC §6): their
 * arguments and who acts, then one operation through apply_accounts.c.
 * (The operations where a stream meets an account are a stream's: api.c.)
 *
 * Like api.c these are SECURITY INVOKER C functions: the caller is known
 * for sure, and only the writes run as the tables' owner.  A NULL party,
 * token or flow id is 22004 at once (there is no account to speak of); a
 * NULL amount or rate is 22004 in its place in SPEC §5's order.
 */
#include "managed.h"

#include "utils/builtins.h"

/* Argument n as a C string; 22004 naming it when it is NULL. */
static const char *
TextArg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return TextDatumGetCString(PG_GETARG_DATUM(n));
}

static int64
FlowId(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("flow id must not be null")));
	return PG_GETARG_INT64(0);
}

/* An operation on accounts, of op with its amount or rate argument n (-1: none). */
static void
Prepare(AccountCall *call, FlowOp op, FunctionCallInfo fcinfo, int n)
{
	memset(call, 0, sizeof(*call));
	call->op = op;
	call->amount_null = true;
	if (n >= 0)
	{
		call->amount_null = PG_ARGISNULL(n);
		call->amount = call->amount_null ? (Datum) 0 : PG_GETARG_DATUM(n);
	}
}

/* Runs call as whoever calls, on the clock of flowstream.now(). */
static void
Run(AccountCall *call)
{
	OwnerScope	scope;

	call->actor = flow_who_acts(&call->actor_problem);
	flow_enter_owner(&scope);
	call->at = flow_time_arg(flow_clock_now());
	flow_apply_account_call(call);
	flow_leave_owner(&scope);
}

/* account_deposit(party, token, amount): anyone; money enters */
PG_FUNCTION_INFO_V1(api_account_deposit);
Datum
api_account_deposit(PG_FUNCTION_ARGS)
{
	AccountCall call;

	Prepare(&call, OP_ACCOUNT_DEPOSIT, fcinfo, 2);
	call.party = TextArg(fcinfo, 0, "party");
	call.token = TextArg(fcinfo, 1, "token");
	Run(&call);
	PG_RETURN_VOID();
}

/* account_withdraw(party, token, amount, "to") → the amount: the party; money leaves */
PG_FUNCTION_INFO_V1(api_account_withdraw);
Datum
api_account_withdraw(PG_FUNCTION_ARGS)
{
	AccountCall call;

	Prepare(&call, OP_ACCOUNT_WITHDRAW, fcinfo, 2);
	call.party = TextArg(fcinfo, 0, "party");
	call.token = TextArg(fcinfo, 1, "token");
	call.args.name = PG_ARGISNULL(3) ? NULL : TextDatumGetCString(PG_GETARG_DATUM(3));
	Run(&call);
	return u128_to_numeric(call.res.units, call.decimals);
}

/* account_transfer(from, to, token, amount): the paying party; a lump sum */
PG_FUNCTION_INFO_V1(api_account_transfer);
Datum
api_account_transfer(PG_FUNCTION_ARGS)
{
	AccountCall call;

	Prepare(&call, OP_ACCOUNT_TRANSFER, fcinfo, 3);
	call.party = TextArg(fcinfo, 0, "from_party");
	call.peer_party = TextArg(fcinfo, 1, "to_party");
	call.token = TextArg(fcinfo, 2, "token");
	Run(&call);
	PG_RETURN_VOID();
}

/* open_flow(sender, receiver, token, rate) → its id: the sender */
PG_FUNCTION_INFO_V1(api_open_flow);
Datum
api_open_flow(PG_FUNCTION_ARGS)
{
	AccountCall call;

	Prepare(&call, OP_OPEN_FLOW, fcinfo, 3);
	call.party = TextArg(fcinfo, 0, "sender");
	call.peer_party = TextArg(fcinfo, 1, "receiver");
	call.token = TextArg(fcinfo, 2, "token");
	Run(&call);
	PG_RETURN_INT64(call.flow_id);
}

/* update_flow(id, rate): the sender */
PG_FUNCTION_INFO_V1(api_update_flow);
Datum
api_update_flow(PG_FUNCTION_ARGS)
{
	AccountCall call;

	Prepare(&call, OP_UPDATE_FLOW, fcinfo, 1);
	call.flow_id = FlowId(fcinfo);
	Run(&call);
	PG_RETURN_VOID();
}

/* close_flow(id): the sender or the receiver */
PG_FUNCTION_INFO_V1(api_close_flow);
Datum
api_close_flow(PG_FUNCTION_ARGS)
{
	AccountCall call;

	Prepare(&call, OP_CLOSE_FLOW, fcinfo, -1);
	call.flow_id = FlowId(fcinfo);
	Run(&call);
	PG_RETURN_VOID();
}

/*
 * A flow's operation for flowstream.flows_now (view.c): op on flow id, or
 * open_flow when id is 0; returns the flow's id.
 */
int64
flow_call_flow(FlowOp op, int64 id, const char *sender, const char *receiver,
			   const char *token, Datum rate, bool rate_null)
{
	AccountCall call;

	memset(&call, 0, sizeof(call));
	call.op = op;
	call.flow_id = id;
	call.party = sender;
	call.peer_party = receiver;
	call.token = token;
	call.amount = rate;
	call.amount_null = rate_null;
	Run(&call);
	return call.flow_id;
}
