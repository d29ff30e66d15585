/*
 * api_operators.c — approve_operator() and revoke_operator() (SPEC §8):
 * only a party itself approves or revokes its operators (or an application
 * acting for it through flowstream.actor), so an operator cannot approve
 * others.  Each change is recorded in flowstream.operators_history.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

/* Who acts on an approval: only the party itself (or an application for it). */
static const char *
ApprovingParty(FunctionCallInfo fcinfo, const char *verb)
{
	ActorProblem problem;
	const char *actor = flow_who_acts(&problem);
	const char *party;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("party and operator must not be null")));
	party = TextDatumGetCString(PG_GETARG_DATUM(0));
	if (problem != ACTOR_OK)
	{
		FlowCall	call;

		memset(&call, 0, sizeof(call));
		call.op = OP_CREATE;
		call.actor = actor;
		call.actor_problem = problem;
		flow_report_call(FLOW_ERR_NOT_ALLOWED, &call, NULL, 0);
	}
	if (strcmp(actor, party) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s operators of \"%s\"", verb, party),
				 errdetail("Only the party itself may do this; \"%s\" is acting.", actor),
				 errhint("An operator cannot approve further operators.")));
	return actor;
}

/* Records an approve or revoke in the history; returns its id. */
static int64
History(const char *op, Datum party, Datum operator, Datum token, bool token_null,
		Datum permissions, bool permissions_null, Datum max_rate, bool max_rate_null,
		const char *actor, int64 at)
{
	Oid			types[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, NUMERICOID,
	TEXTOID, TIMESTAMPTZOID};
	Datum		values[8] = {CStringGetTextDatum(op), party, operator, token, permissions,
	max_rate, CStringGetTextDatum(actor), TimestampTzGetDatum(at)};
	char		nulls[8] = {' ', ' ', ' ', token_null ? 'n' : ' ', permissions_null ? 'n' : ' ',
	max_rate_null ? 'n' : ' ', ' ', ' '};
	bool		isnull;

	if (SPI_execute_plan(flow_plan(PLAN_OPERATOR_HISTORY,
								   "INSERT INTO flowstream.operators_history "
								   "(op, party, operator, token, permissions, max_rate, actor, at) "
								   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
								   8, types),
						 values, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not write flowstream.operators_history");
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* The decimals of token; 22023 when it is not registered. */
static void
CheckToken(const char *token)
{
	int			decimals;
	AccountPolicy policy;
	char	   *reward;

	flow_token_policy(token, &decimals, &policy, &reward);
}

/*
 * approve_operator(party, operator, permissions, token, max_rate): by the
 * party only; replaces an earlier approval of the same operator and token
 * (its allowance starts again at max_rate).
 */
PG_FUNCTION_INFO_V1(api_approve_operator);
Datum
api_approve_operator(PG_FUNCTION_ARGS)
{
	const char *actor = ApprovingParty(fcinfo, "approve");
	const char *party = TextDatumGetCString(PG_GETARG_DATUM(0));
	const char *operator = TextDatumGetCString(PG_GETARG_DATUM(1));
	bool		token_null = PG_ARGISNULL(3);
	bool		cap_null = PG_ARGISNULL(4);
	Datum		max_rate = cap_null ? (Datum) 0 : PG_GETARG_DATUM(4);
	OwnerScope	scope;
	int64		at,
				approval;
	Oid			types[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, NUMERICOID,
	TIMESTAMPTZOID, TEXTOID, INT8OID, NUMERICOID};
	Datum		values[9];
	char		nulls[9] = "         ";

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("permissions must not be null")));
	if (operator[0] == '\0' || strcmp(operator, party) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an operator must be another, non-empty name than the party")));
	if (flow_permissions(PG_GETARG_DATUM(2)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("permissions must name at least one permission")));
	if (!cap_null)
	{
		FlowAmount	cap = numeric_to_amount(max_rate, FLOW_RATE_SCALE);

		if (token_null)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a rate cap is for one token"),
					 errhint("Name the token the cap is for.")));
		if (cap.err != FLOW_OK && !(cap.err == FLOW_ERR_NOT_POSITIVE && cap.units == 0 &&
									DatumGetInt32(DirectFunctionCall2(numeric_cmp, max_rate,
																	  DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) == 0))
			flow_report(cap.err, NULL, 0, &cap, FLOW_ARG_RATE);
	}

	flow_enter_owner(&scope);
	flow_check_writable();
	if (!token_null)
		CheckToken(TextDatumGetCString(PG_GETARG_DATUM(3)));
	at = flow_time_arg(flow_clock_now());
	approval = History("approve", PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
					   token_null ? (Datum) 0 : PG_GETARG_DATUM(3), token_null,
					   PG_GETARG_DATUM(2), false, max_rate, cap_null, actor, at);
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = token_null ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[2] = token_null ? 'n' : ' ';
	values[3] = PG_GETARG_DATUM(2);
	values[4] = max_rate;
	nulls[4] = cap_null ? 'n' : ' ';
	values[5] = TimestampTzGetDatum(at);
	values[6] = CStringGetTextDatum(actor);
	values[7] = Int64GetDatum(approval);
	values[8] = max_rate;
	nulls[8] = nulls[4];
	if (flow_write_operators(flow_plan(PLAN_APPROVE_OPERATOR,
						"INSERT INTO flowstream.operators "
						"(party, operator, token, permissions, max_rate, approved_at, approved_by, "
						"approval, rate_allowance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
						"ON CONFLICT (operator, party, (coalesce(token, ''))) DO UPDATE SET "
						"permissions = EXCLUDED.permissions, max_rate = EXCLUDED.max_rate, "
						"rate_allowance = EXCLUDED.rate_allowance, approved_at = EXCLUDED.approved_at, "
						"approved_by = EXCLUDED.approved_by, approval = EXCLUDED.approval",
						9, types),
			  values, nulls) != SPI_OK_INSERT)
		elog(ERROR, "could not write flowstream.operators");
	flow_leave_owner(&scope);
	PG_RETURN_VOID();
}

/* revoke_operator(party, operator, token) → whether there was such an approval */
PG_FUNCTION_INFO_V1(api_revoke_operator);
Datum
api_revoke_operator(PG_FUNCTION_ARGS)
{
	const char *actor = ApprovingParty(fcinfo, "revoke");
	bool		token_null = PG_ARGISNULL(2);
	OwnerScope	scope;
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
	token_null ? (Datum) 0 : PG_GETARG_DATUM(2)};
	char		nulls[3] = {' ', ' ', token_null ? 'n' : ' '};
	bool		found;

	flow_enter_owner(&scope);
	flow_check_writable();
	if (flow_write_operators(flow_plan(PLAN_REVOKE_OPERATOR,
						"DELETE FROM flowstream.operators WHERE party OPERATOR(pg_catalog.=) $1 "
						"AND operator OPERATOR(pg_catalog.=) $2 "
						"AND token IS NOT DISTINCT FROM $3",
						3, types),
			  values, nulls) != SPI_OK_DELETE)
		elog(ERROR, "could not write flowstream.operators");
	found = SPI_processed > 0;
	if (found)
		(void) History("revoke", values[0], values[1], values[2], token_null, (Datum) 0, true,
					   (Datum) 0, true, actor, flow_time_arg(flow_clock_now()));
	flow_leave_owner(&scope);
	PG_RETURN_BOOL(found);
}

