/*
 * user_history.c — reading the history that flowstream.stream_trigger()
 * keeps of a user's table: state_in_history(), a row's state at a past
 * time, and verify_history(), every row and its history checked.
 *
 * A history is read as the trigger that writes it says (its key column);
 * both functions run as their caller, with a search_path of pg_catalog.
 * verify_history() replays each history with the core's audit (ops.c:
 * flow_audit_event, flow_audit_finish, what verify() runs on the managed
 * layer's) and recomputes what each change moved with derive.c; here are
 * only the checks of the table's plain columns.
 */
#include "user_tables.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#define BATCH	1000

/*
 * The configuration of the stream trigger that writes history: the one on
 * table when it is valid, else any.  Triggers that write the same history
 * must agree on its key.
 */
static void
FindTrigger(Oid table, Oid history, UserTable *ut)
{
	Oid			fn = user_table_trigger_function();
	List	   *tables = NIL;
	ListCell   *lc;
	bool		found = false;

	if (OidIsValid(table))
		tables = list_make1_oid(table);
	else
	{
		Relation	tg = table_open(TriggerRelationId, AccessShareLock);
		SysScanDesc scan = systable_beginscan(tg, InvalidOid, false, NULL, 0, NULL);
		HeapTuple	tup;

		while ((tup = systable_getnext(scan)) != NULL)
		{
			Form_pg_trigger t = (Form_pg_trigger) GETSTRUCT(tup);

			if (t->tgfoid == fn)
				tables = list_append_unique_oid(tables, t->tgrelid);
		}
		systable_endscan(scan);
		table_close(tg, AccessShareLock);
	}

	foreach(lc, tables)
	{
		Relation	rel = table_open(lfirst_oid(lc), AccessShareLock);
		TriggerDesc *desc = rel->trigdesc;

		for (int i = 0; desc != NULL && i < desc->numtriggers; i++)
		{
			Trigger    *trigger = &desc->triggers[i];
			UserTable	candidate;

			if (trigger->tgfoid != fn || user_table_history(rel, trigger) != history)
				continue;
			user_table_config(rel, trigger, &candidate);
			if (found && (candidate.key_type != ut->key_type ||
						  strcmp(candidate.history_key, ut->history_key) != 0))
				ereport(ERROR,
						(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
						 errmsg("the triggers that write history %s do not agree on its key",
								ut->history_name)));
			*ut = candidate;
			found = true;
		}
		table_close(rel, AccessShareLock);
	}
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 OidIsValid(table) ?
				 errmsg("no flowstream.stream_trigger() on table %s writes history %s",
						get_rel_name(table), get_rel_name(history)) :
				 errmsg("no flowstream.stream_trigger() writes history %s", get_rel_name(history)),
				 errhint("A history is read as the trigger that writes it says.")));
}

/* Runs the queries that follow with search_path pg_catalog; returns the GUC level to undo. */
static int
PinSearchPath(void)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

/* what state_in_history() keeps between calls of one query */
typedef struct HistoryQuery
{
	Oid			history;
	Oid			key_type;
	char	   *sql;
} HistoryQuery;

/*
 * state_in_history(history, key, at): the state of the row named key after
 * its last change at or before at, from the history; NULL before its first.
 */
PG_FUNCTION_INFO_V1(stream_state_in_history);
Datum
stream_state_in_history(PG_FUNCTION_ARGS)
{
	Oid			history = PG_GETARG_OID(0);
	Oid			key_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	HistoryQuery *q = (HistoryQuery *) fcinfo->flinfo->fn_extra;
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2];
	Datum		values[2];
	Datum		result = (Datum) 0;
	bool		isnull = true;
	int			nest;

	if (q == NULL || q->history != history || q->key_type != key_type)
	{
		UserTable	ut;

		FindTrigger(InvalidOid, history, &ut);
		q = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(HistoryQuery));
		q->history = history;
		q->key_type = key_type;
		q->sql = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt,
									 psprintf("SELECT h.state FROM %s h WHERE h.%s = $1 AND h.at <= $2 "
											  "ORDER BY h.id DESC LIMIT 1",
											  ut.history_name, ut.history_key));
		fcinfo->flinfo->fn_extra = q;
	}

	types[0] = key_type;
	types[1] = TIMESTAMPTZOID;
	values[0] = PG_GETARG_DATUM(1);
	values[1] = PG_GETARG_DATUM(2);
	nest = PinSearchPath();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(q->sql, 2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read history %s", get_rel_name(history));
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext spi = MemoryContextSwitchTo(caller);

			result = datumCopy(d, false, FLOW_STORED_LEN);
			MemoryContextSwitchTo(spi);
		}
	}
	SPI_finish();
	AtEOXact_GUC(true, nest);
	if (isnull)
		PG_RETURN_NULL();
	return result;
}

/* one row of the table and its history, as verify_history() checks them */
typedef struct Check
{
	Tuplestorestate *store;
	TupleDesc	desc;
	const UserTable *ut;
	int64		now;
	char	   *key;			/* the row's key, as text */
	char	   *change;			/* prefixes a change's problems, NULL for none */
	bool		has_state;
	FlowState	state;			/* the row's */
	bool		has_history;
	FlowAudit	audit;
	FlowState	prev;			/* the state after the change before */
} Check;

/* Reports a problem of the row being checked (of its change, when one is named). */
static void
Problem(Check *c, const char *problem)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(c->key);
	values[1] = CStringGetTextDatum(c->change ? psprintf("%s: %s", c->change, problem) : problem);
	tuplestore_putvalues(c->store, c->desc, values, nulls);
}

/* the core's audit reports through this */
static void
ProblemFromCore(void *arg, const char *problem)
{
	Problem((Check *) arg, problem);
}

/* A numeric in tokens as a sign and base units; false when it is not an amount at decimals. */
static bool
Signed(Datum num, int decimals, bool *down, U256 *units)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, num));
	const char *digits = text[0] == '-' ? text + 1 : text;

	*down = text[0] == '-';
	return flow_parse_decimal(digits, strlen(digits), decimals, units) == FLOW_OK;
}

/* A signed amount of base units as text in tokens. */
static char *
Tokens(bool down, const U256 *units, int decimals)
{
	char		buf[FLOW_DECIMAL_MAX];

	flow_format_decimal(units, decimals, 0, buf);
	return psprintf("%s%s", down && !u256_is_zero(units) ? "-" : "", buf);
}

/* Whether two signed amounts are equal (a zero has no sign). */
static bool
SameMove(bool down1, const U256 *a, bool down2, const U256 *b)
{
	return u256_cmp(a, b) == 0 && (down1 == down2 || u256_is_zero(a));
}

/*
 * One change of the row's history, in order: what it moved, then the
 * core's replay and audit.  Columns from 6: id, op, at, balance_change,
 * debt_change, state.
 */
static void
CheckChange(Check *c, HeapTuple tup, TupleDesc td)
{
	bool		null[6];
	Datum		v[6];
	const char *label;
	FlowOp		op;
	FlowState	after;
	FlowChange	got,
				rec;
	U256		recorded;
	int			dec;

	for (int i = 0; i < 6; i++)
		v[i] = SPI_getbinval(tup, td, 7 + i, &null[i]);
	c->change = psprintf("change %s", SPI_getvalue(tup, td, 7));
	c->has_history = true;
	if (null[1] || null[2] || null[3] || null[4] || null[5])
	{
		Problem(c, "a column of the change is null");
		c->change = NULL;
		return;
	}
	label = TextDatumGetCString(v[1]);
	for (op = 0; op < OP_COUNT; op++)
	{
		if (strcmp(flow_ops[op].label, label) == 0)
			break;
	}
	if (op == OP_COUNT)
	{
		Problem(c, psprintf("\"%s\" is not an operation", label));
		c->change = NULL;
		return;
	}
	flow_state_arg(v[5], &after);
	dec = after.decimals;

	/* what it moved, as recorded and as the states say */
	memset(&rec, 0, sizeof(rec));
	rec.op = op;
	if (!Signed(v[3], dec, &rec.balance_down, &rec.balance_moved) ||
		!Signed(v[4], dec, &rec.debt_down, &rec.debt_moved))
		Problem(c, "balance_change or debt_change is not an amount in the token's decimals");
	else if (flow_change_amounts(c->audit.started ? &c->prev : NULL, &after,
								 DatumGetTimestampTz(v[2]), &got) != FLOW_OK)
		Problem(c, "its debts overflow");
	else
	{
		if (!SameMove(rec.balance_down, &rec.balance_moved, got.balance_down, &got.balance_moved))
			Problem(c, psprintf("balance_change is %s, the balance changed by %s",
								Tokens(rec.balance_down, &rec.balance_moved, dec),
								Tokens(got.balance_down, &got.balance_moved, dec)));
		if (!SameMove(rec.debt_down, &rec.debt_moved, got.debt_down, &got.debt_moved))
			Problem(c, psprintf("debt_change is %s, the total debt changed by %s",
								Tokens(rec.debt_down, &rec.debt_moved, dec),
								Tokens(got.debt_down, &got.debt_moved, dec)));
	}

	/* the replay of the operation, and the invariants it keeps */
	flow_audit_event(&c->audit, op, flow_change_recorded(&rec, &after, &recorded) ? &recorded : NULL,
					 DatumGetTimestampTz(v[2]), &after, ProblemFromCore, c);
	c->prev = after;
	c->change = NULL;
}

/* Whether a numeric is the rate rps. */
static bool
SameRate(Datum num, u128 rps)
{
	FlowAmount	a = numeric_to_amount(num, FLOW_RATE_SCALE);

	return a.err == FLOW_OK && a.units == rps;
}

/*
 * The row itself, once its history is read: the state where the history
 * ends, its money and accrual adding up, its plain columns in step.
 * Columns 2 to 6: key, state, rate, voided, decimals.
 */
static void
CheckRow(Check *c, HeapTuple row, TupleDesc td)
{
	const UserTable *ut = c->ut;
	bool		isnull;
	Datum		d;

	if (!c->has_state)
	{
		if (c->has_history)
			Problem(c, "the row has a history but no stream");
		return;
	}
	if (!c->has_history)
	{
		Problem(c, "the row's stream has no history");
		return;
	}
	flow_audit_finish(&c->audit, &c->state, c->now, ProblemFromCore, c);

	d = SPI_getbinval(row, td, 4, &isnull);
	if (isnull || !SameRate(d, c->state.rps))
		Problem(c, psprintf("column %s is %s, the stream's rate is %s",
							get_attname(ut->table, ut->rate, false),
							isnull ? "null" : SPI_getvalue(row, td, 4),
							DatumGetCString(DirectFunctionCall1(numeric_out,
																rate_to_numeric(c->state.rps)))));
	if (ut->voided)
	{
		d = SPI_getbinval(row, td, 5, &isnull);
		if (isnull || DatumGetBool(d) != c->state.voided)
			Problem(c, psprintf("column %s is %s, the stream is %svoided",
								get_attname(ut->table, ut->voided, false),
								isnull ? "null" : SPI_getvalue(row, td, 5),
								c->state.voided ? "" : "not "));
	}
	d = SPI_getbinval(row, td, 6, &isnull);
	if (ut->decimals_column ? (isnull || DatumGetInt64(d) != c->state.decimals) :
		ut->decimals != c->state.decimals)
		Problem(c, psprintf("the stream's decimals are %d, not the trigger's", c->state.decimals));
}

/*
 * verify_history(table, history): one row per problem of table's streams
 * and their history; none when every change replays, every row is where
 * its history ends and its plain columns are in step.
 */
PG_FUNCTION_INFO_V1(stream_verify_history);
Datum
stream_verify_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			table = PG_GETARG_OID(0);
	Oid			history = PG_GETARG_OID(1);
	UserTable	ut;
	Check		c;
	char	   *sql;
	Portal		portal;
	int64		current = 0;
	HeapTuple	row = NULL;
	TupleDesc	row_desc = NULL;
	MemoryContext each,
				old;
	int			nest;

	InitMaterializedSRF(fcinfo, 0);
	FindTrigger(table, history, &ut);
	memset(&c, 0, sizeof(c));
	c.store = rsinfo->setResult;
	c.desc = rsinfo->setDesc;
	c.ut = &ut;
	c.now = flow_clock_now();

#define COL(att) quote_identifier(get_attname(table, (att), false))
	sql = psprintf("SELECT t.n, t.k, t.s, t.r, t.v, t.d, h.id, h.op::pg_catalog.text, h.at, "
				   "h.balance_change, h.debt_change, h.state "
				   "FROM (SELECT x.%s AS k, x.%s AS s, x.%s::pg_catalog.numeric AS r, %s AS v, %s AS d, "
				   "pg_catalog.row_number() OVER () AS n FROM %s x) t "
				   "LEFT JOIN %s h ON h.%s = t.k ORDER BY t.n, h.id",
				   COL(ut.key), COL(ut.state), COL(ut.rate),
				   ut.voided ? psprintf("x.%s::pg_catalog.bool", COL(ut.voided)) : "NULL::pg_catalog.bool",
				   ut.decimals_column ? psprintf("x.%s::pg_catalog.int8", COL(ut.decimals_column)) :
				   "NULL::pg_catalog.int8",
				   quote_qualified_identifier(get_namespace_name(get_rel_namespace(table)),
											  get_rel_name(table)),
				   ut.history_name, ut.history_key);
#undef COL

	nest = PinSearchPath();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0);
	each = AllocSetContextCreate(CurrentMemoryContext, "flowstream verify_history",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(each);
	for (;;)
	{
		SPITupleTable *batch;

		MemoryContextSwitchTo(old);
		SPI_cursor_fetch(portal, true, BATCH);
		batch = SPI_tuptable;
		MemoryContextSwitchTo(each);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = batch->vals[i];
			TupleDesc	td = batch->tupdesc;
			bool		isnull;
			int64		n = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));

			CHECK_FOR_INTERRUPTS();
			if (n != current)
			{
				if (row != NULL)
					CheckRow(&c, row, row_desc);
				MemoryContextReset(each);
				current = n;
				row = heap_copytuple(tup);
				row_desc = CreateTupleDescCopy(td);
				c.key = SPI_getvalue(tup, td, 2);
				if (c.key == NULL)
					c.key = "null";
				c.has_history = false;
				memset(&c.audit, 0, sizeof(c.audit));
				c.has_state = !heap_attisnull(tup, 3, td);
				if (c.has_state)
					flow_state_arg(SPI_getbinval(tup, td, 3, &isnull), &c.state);
			}
			if (!heap_attisnull(tup, 7, td))
				CheckChange(&c, tup, td);
		}
		if (SPI_processed == 0)
			break;
		SPI_freetuptable(batch);
	}
	if (row != NULL)
		CheckRow(&c, row, row_desc);
	MemoryContextSwitchTo(old);
	SPI_cursor_close(portal);
	SPI_finish();
	AtEOXact_GUC(true, nest);
	return (Datum) 0;
}
