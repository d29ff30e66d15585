/*
 * operators.c — operators (SPEC §8): a party approves another party to act
 * for it on its streams, accounts and flows, with a set of permissions,
 * for one token or all, optionally with a cap on the rate of the flows the
 * operator opens or raises for it (Superfluid's flowRateAllowance).
 *
 * This file reads and writes flowstream.operators for the operations: the
 * grants an actor holds (which the core's flow_acts_for() weighs), the
 * allowance an operator's flows use up, and what a restore may insert.
 * Which operation needs which permission, and whether an act is allowed,
 * is the core's (ops.c); approving and revoking is api_operators.c's.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

/* how many of this file's writes of flowstream.operators are under way */
static int	writing_operators = 0;

bool
flow_writing_operators(void)
{
	return writing_operators > 0;
}

/* Runs one of the statements that write flowstream.operators; its guard lets it through. */
int
flow_write_operators(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	volatile int rc = 0;

	writing_operators++;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_operators--;
	}
	PG_END_TRY();
	return rc;
}

/* A text[] of permission names as the core's bits; 22023 or 22004 for a bad one. */
uint32
flow_permissions(Datum array)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint32		bits = 0;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *name;
		uint32		bit;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("permissions must not contain null")));
		name = TextDatumGetCString(elems[i]);
		bit = flow_permission_of(name);
		if (bit == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown permission \"%s\"", name),
					 errhint("Permissions are create, rate, pause, void, withdraw, refund and transfer.")));
		bits |= bit;
	}
	return bits;
}

/*
 * What party approved actor to do in token (its approval for the token
 * and its approval for every token, together; token NULL: only the
 * latter); *allowance receives what
 * is left of a rate cap, and *has_allowance whether there is one.
 */
static uint32
Grant(const char *actor, const char *party, const char *token, bool *has_allowance,
	  u128 *allowance)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3] = {CStringGetTextDatum(actor), CStringGetTextDatum(party),
	token ? CStringGetTextDatum(token) : (Datum) 0};
	char		nulls[3] = {' ', ' ', token ? ' ' : 'n'};
	uint32		bits = 0;

	if (SPI_execute_plan(flow_plan(PLAN_OPERATOR_GRANT,
								   "SELECT permissions, rate_allowance FROM flowstream.operators "
								   "WHERE operator OPERATOR(pg_catalog.=) $1 "
								   "AND party OPERATOR(pg_catalog.=) $2 "
								   "AND (token OPERATOR(pg_catalog.=) $3 OR token IS NULL)",
								   3, types),
						 values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.operators");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull,
					no_cap;
		Datum		left = SPI_getbinval(tuple, desc, 2, &no_cap);
		U256		units;

		bits |= flow_permissions(SPI_getbinval(tuple, desc, 1, &isnull));
		if (!no_cap)
		{
			/* only a token's approval has a cap (approve_operator) */
			*has_allowance = true;
			*allowance = numeric_to_units(left, FLOW_RATE_SCALE, &units) && u256_fits_u128(&units) ?
				u256_low128(&units) : 0;
		}
	}
	return bits;
}

/*
 * Fills actor's grants from the sender (a flow's sender, the paying party)
 * and the recipient (or receiver; NULL for none) in token.  The caller is
 * inside SPI.
 */
void
flow_operator_grants(OpActor *actor, const char *sender, const char *recipient, const char *token)
{
	bool		ignored;
	u128		none;

	actor->has_allowance = false;
	actor->allowance = 0;
	actor->sender_grant = Grant(actor->name, sender, token, &actor->has_allowance,
								(u128 *) &actor->allowance);
	actor->recipient_grant = recipient == NULL ? 0 :
		Grant(actor->name, recipient, token, &ignored, &none);
}

/* Uses up used of operator's allowance from party in token. */
void
flow_use_allowance(const char *operator, const char *party, const char *token, u128 used)
{
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, NUMERICOID};
	Datum		values[4] = {CStringGetTextDatum(operator), CStringGetTextDatum(party),
	CStringGetTextDatum(token), rate_to_numeric(used)};

	if (flow_write_operators(flow_plan(PLAN_USE_ALLOWANCE,
						"UPDATE flowstream.operators SET rate_allowance = rate_allowance OPERATOR(pg_catalog.-) $4 "
						"WHERE operator OPERATOR(pg_catalog.=) $1 AND party OPERATOR(pg_catalog.=) $2 "
						"AND token OPERATOR(pg_catalog.=) $3 AND rate_allowance IS NOT NULL",
						4, types),
			  values, NULL) != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not use the rate allowance of operator \"%s\"", operator);
}

/*
 * A direct insert into flowstream.operators: allowed only to restore an
 * approval that its history (restored first) ends with, its allowance
 * between 0 and its cap.
 */
void
flow_restore_operator(Relation rel, HeapTuple tuple)
{
	static const char *const columns[8] = {
		"approval", "party", "operator", "token", "permissions", "max_rate", "approved_by",
		"approved_at"
	};
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			types[8];
	Datum		values[8];
	char		nulls[8];
	bool		isnull,
				ok = false;

	for (int i = 0; i < 8; i++)
	{
		int			attnum = SPI_fnumber(desc, columns[i]);

		types[i] = SPI_gettypeid(desc, attnum);
		values[i] = heap_getattr(tuple, attnum, desc, &isnull);
		nulls[i] = isnull ? 'n' : ' ';
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT FROM flowstream.operators_history h "
							  "WHERE h.id = $1 AND h.op = 'approve' AND h.party = $2 "
							  "AND h.operator = $3 AND h.token IS NOT DISTINCT FROM $4 "
							  "AND h.permissions = $5 AND h.max_rate IS NOT DISTINCT FROM $6 "
							  "AND h.actor = $7 AND h.at = $8 "
							  "AND NOT EXISTS (SELECT FROM flowstream.operators_history l "
							  "WHERE l.id > h.id AND l.party = h.party AND l.operator = h.operator "
							  "AND l.token IS NOT DISTINCT FROM h.token)",
							  8, types, values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.operators_history");
	ok = SPI_processed == 1;
	SPI_finish();
	if (ok)
	{
		bool		cap_null,
					left_null;
		Datum		cap = heap_getattr(tuple, SPI_fnumber(desc, "max_rate"), desc, &cap_null);
		Datum		left = heap_getattr(tuple, SPI_fnumber(desc, "rate_allowance"), desc, &left_null);

		ok = cap_null == left_null &&
			(cap_null ||
			 (DatumGetInt32(DirectFunctionCall2(numeric_cmp, left, cap)) <= 0 &&
			  DatumGetInt32(DirectFunctionCall2(numeric_cmp, left,
												DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) >= 0));
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("operators are approved with flowstream.approve_operator()"),
				 errdetail("A row may be inserted directly only to restore the approval its history, "
						   "already in flowstream.operators_history, ends with.")));
}
