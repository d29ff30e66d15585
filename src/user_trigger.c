/*
 * user_trigger.c — flowstream.stream_trigger(): a stream kept in a user's
 * own table, in step with the table's plain columns.
 *
 * This file owns the trigger's arguments (parsed once per trigger and kept
 * until the catalogs change), what a change of each plain column means,
 * and the rows the trigger appends to a history.  The meaning itself is
 * the core's: a new rate is what flow_rate_column_op() makes of it, every
 * operation is flow_apply_state(), a direct change of the state is what
 * flow_derive_op() finds, and every error is flow_report()'s, with the
 * pure functions' SQLSTATEs.  It runs no user code: the history is
 * written by a prepared INSERT, as the table's owner, with a pinned
 * search_path.
 */
#include "user_tables.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

/* the trigger's arguments, by name */
enum
{
	OPT_STATE, OPT_RATE, OPT_VOIDED, OPT_AT, OPT_DECIMALS, OPT_DECIMALS_COLUMN,
	OPT_HISTORY, OPT_KEY, OPT_HISTORY_KEY, N_OPTS
};
static const char *const arg_names[N_OPTS] = {
	"state", "rate", "voided", "at", "decimals", "decimals_column",
	"history", "key", "history_key"
};

/* a rise of this counter makes every cached trigger parse its arguments again */
static uint64 catalog_generation = 1;

/* Any change of a relation may rename or retype what a trigger names. */
static void
CatalogChanged(Datum arg, Oid relid)
{
	(void) arg;
	(void) relid;
	catalog_generation++;
}

/* The type flowstream.stream (the extension's schema is fixed). */
Oid
user_table_stream_type(void)
{
	Oid			nsp = get_namespace_oid("flowstream", false);
	Oid			typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										 CStringGetDatum("stream"), ObjectIdGetDatum(nsp));

	if (!OidIsValid(typoid))
		elog(ERROR, "type flowstream.stream is missing");
	return typoid;
}

/* The function flowstream.stream_trigger(). */
Oid
user_table_trigger_function(void)
{
	return LookupFuncName(list_make2(makeString("flowstream"), makeString("stream_trigger")),
						  0, NULL, false);
}

/* Refuses an argument of trigger, saying why. */
static void
BadArgument(const Trigger *trigger, const char *arg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
			 errmsg("invalid argument \"%s\" of trigger \"%s\"", arg, trigger->tgname),
			 errdetail("%s", detail),
			 errhint("flowstream.stream_trigger() takes 'state=column', 'rate=column', optionally "
					 "'voided=column', 'at=column', one of 'decimals=n' and 'decimals_column=column', "
					 "and 'history=table' with 'key=column' and 'history_key=column'.")));
}

/* The base type of a column, and its typmod. */
static Oid
BaseType(Oid rel, AttrNumber att, int32 *typmod)
{
	int32		mod = -1;
	Oid			type,
				collation;

	get_atttypetypmodcoll(rel, att, &type, &mod, &collation);
	type = getBaseTypeAndTypmod(type, &mod);
	if (typmod)
		*typmod = mod;
	return type;
}

/*
 * Column name of rel, of one of the types wanted (InvalidOid ends the list;
 * a first InvalidOid accepts any type): its number.
 */
static AttrNumber
Column(Oid rel, const char *name, const char *role, const Oid *wanted, const char *type_name)
{
	AttrNumber	att = get_attnum(rel, name);
	Oid			type;
	bool		ok = !OidIsValid(wanted[0]);

	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", name, get_rel_name(rel)),
				 errdetail("flowstream.stream_trigger() names it as the %s.", role)));
	type = BaseType(rel, att, NULL);
	for (int i = 0; OidIsValid(wanted[i]); i++)
		ok |= (type == wanted[i]);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is of type %s", name, get_rel_name(rel),
						format_type_be(type)),
				 errdetail("The %s must be of type %s.", role, type_name)));
	return att;
}

/*
 * The history table named by a trigger's argument: a qualified name, or a
 * name in rel's own schema (never looked up on the search_path).
 */
static Oid
HistoryTable(Relation rel, const char *name, bool missing_ok)
{
	RangeVar   *rv = makeRangeVarFromNameList(stringToQualifiedNameList(name));

	if (rv->schemaname == NULL)
		rv->schemaname = get_namespace_name(RelationGetNamespace(rel));
	return RangeVarGetRelid(rv, NoLock, missing_ok);
}

/*
 * The history a stream trigger on rel appends to, InvalidOid for none or
 * one that does not exist: the one argument read, for the readers of
 * histories, which need not parse the others of every stream trigger.
 */
Oid
user_table_history(Relation rel, const Trigger *trigger)
{
	for (int i = 0; i < trigger->tgnargs; i++)
	{
		if (strncmp(trigger->tgargs[i], "history=", 8) == 0 && trigger->tgargs[i][8] != '\0')
			return HistoryTable(rel, trigger->tgargs[i] + 8, true);
	}
	return InvalidOid;
}

/*
 * Parses the arguments of a stream trigger on rel into ut: 'key=value'
 * pairs, or the state and rate columns alone as the first two arguments.
 * Column names are taken as written (no case folding, no quotes); an
 * unqualified history table is looked up in the table's own schema, never
 * on the search_path.
 */
void
user_table_config(Relation rel, const Trigger *trigger, UserTable *ut)
{
	const char *value[N_OPTS] = {NULL};
	Oid			relid = RelationGetRelid(rel);
	Oid			stream_type = user_table_stream_type();
	static const Oid any[] = {InvalidOid};
	static const Oid integers[] = {INT2OID, INT4OID, INT8OID, InvalidOid};
	Oid			types[2] = {InvalidOid, InvalidOid};

	memset(ut, 0, sizeof(*ut));
	ut->trigger = trigger->tgoid;
	ut->table = relid;
	ut->stream_type = stream_type;
	ut->decimals = -1;

	for (int i = 0; i < trigger->tgnargs; i++)
	{
		const char *arg = trigger->tgargs[i];
		const char *eq = strchr(arg, '=');
		int			k;

		if (eq == NULL && i < 2)
		{
			value[i == 0 ? OPT_STATE : OPT_RATE] = arg;
			continue;
		}
		if (eq == NULL)
			BadArgument(trigger, arg, "Only the first two arguments may be bare column names.");
		for (k = 0; k < N_OPTS; k++)
		{
			if (strlen(arg_names[k]) == (size_t) (eq - arg) &&
				strncmp(arg, arg_names[k], eq - arg) == 0)
				break;
		}
		if (k == N_OPTS)
			BadArgument(trigger, arg, "Its name is not one the trigger takes.");
		if (value[k] != NULL)
			BadArgument(trigger, arg, "It names something named before.");
		if (eq[1] == '\0')
			BadArgument(trigger, arg, "Its value is empty.");
		value[k] = eq + 1;
	}
	if (value[OPT_STATE] == NULL || value[OPT_RATE] == NULL)
		BadArgument(trigger, "", "The state and rate columns are required.");
	if ((value[OPT_DECIMALS] == NULL) == (value[OPT_DECIMALS_COLUMN] == NULL))
		BadArgument(trigger, "", "Exactly one of decimals=n and decimals_column=column is required.");
	if (value[OPT_HISTORY] == NULL && (value[OPT_KEY] || value[OPT_HISTORY_KEY]))
		BadArgument(trigger, value[OPT_KEY] ? value[OPT_KEY] : value[OPT_HISTORY_KEY],
					"key and history_key name the columns of a history.");

	types[0] = stream_type;
	ut->state = Column(relid, value[OPT_STATE], "state", types, "flowstream.stream");
	types[0] = NUMERICOID;
	ut->rate = Column(relid, value[OPT_RATE], "rate", types, "numeric");
	(void) BaseType(relid, ut->rate, &ut->rate_typmod);
	if (value[OPT_VOIDED])
	{
		types[0] = BOOLOID;
		ut->voided = Column(relid, value[OPT_VOIDED], "voided flag", types, "boolean");
	}
	if (value[OPT_AT])
	{
		types[0] = TIMESTAMPTZOID;
		ut->at = Column(relid, value[OPT_AT], "time", types, "timestamp with time zone");
	}
	if (value[OPT_DECIMALS])
	{
		char	   *end;
		long		d = strtol(value[OPT_DECIMALS], &end, 10);

		if (*end != '\0' || end == value[OPT_DECIMALS] || !flow_check_decimals(d))
			flow_report(FLOW_ERR_DECIMALS, NULL, 0, NULL, FLOW_ARG_AMOUNT);
		ut->decimals = (int) d;
	}
	else
	{
		ut->decimals_column = Column(relid, value[OPT_DECIMALS_COLUMN], "decimals", integers,
									 "smallint, integer or bigint");
		ut->decimals_type = BaseType(relid, ut->decimals_column, NULL);
	}

	if (value[OPT_HISTORY])
	{
		Oid			h = HistoryTable(rel, value[OPT_HISTORY], false);
		const char *hkey;
		char		kind = get_rel_relkind(h);

		if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is not a table", value[OPT_HISTORY]),
					 errdetail("The history of trigger \"%s\" must be a table.", trigger->tgname)));
		ut->history = h;
		ut->history_name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(h)),
													  get_rel_name(h));

		/* the key: a named column, else the table's one-column primary key */
		if (value[OPT_KEY])
			ut->key = Column(relid, value[OPT_KEY], "key", any, "any");
		else
		{
			Bitmapset  *pk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);

			if (bms_num_members(pk) != 1)
				BadArgument(trigger, value[OPT_HISTORY],
							"A history needs key=column, or a primary key of one column.");
			ut->key = bms_singleton_member(pk) + FirstLowInvalidHeapAttributeNumber;
		}
		if (ut->key == ut->state)
			BadArgument(trigger, value[OPT_KEY], "The stream is not a key.");
		ut->key_type = get_atttype(relid, ut->key);
		hkey = value[OPT_HISTORY_KEY] ? value[OPT_HISTORY_KEY] : get_attname(relid, ut->key, false);
		if (strcmp(hkey, "id") == 0)
			BadArgument(trigger, value[OPT_HISTORY],
						"The history's column id orders its changes: name the column that "
						"receives the key with history_key=column.");
		if (get_atttype(h, get_attnum(h, hkey)) != ut->key_type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("history \"%s\" has no column \"%s\" of type %s", get_rel_name(h), hkey,
							format_type_be(ut->key_type)),
					 errdetail("It receives the key of each row of \"%s\".", RelationGetRelationName(rel))));
		ut->history_key = pstrdup(quote_identifier(hkey));

		/* the history's own columns */
		(void) Column(h, "id", "order of the history", integers, "smallint, integer or bigint");
		ut->op_type = get_atttype(h, Column(h, "op", "operation", any, "any"));
		types[0] = TIMESTAMPTZOID;
		(void) Column(h, "at", "time of each change", types, "timestamp with time zone");
		types[0] = NUMERICOID;
		(void) Column(h, "balance_change", "change of the balance", types, "numeric");
		(void) Column(h, "debt_change", "change of the total debt", types, "numeric");
		types[0] = stream_type;
		(void) Column(h, "state", "state after each change", types, "flowstream.stream");
	}
}

/*
 * The trigger's cache: its arguments parsed and its history's INSERT
 * prepared, per trigger, until a relation changes.
 */
typedef struct TriggerCache
{
	Oid			trigger;		/* the hash key */
	uint64		generation;		/* 0 while it is being built */
	MemoryContext cxt;
	UserTable	ut;
	SPIPlanPtr	insert;			/* kept; prepared at its first use */
	int			busy;			/* writing a history: kept as it is until done */
	Oid			op_input;
	Oid			op_ioparam;
} TriggerCache;

static HTAB *trigger_cache = NULL;

/* The cached configuration of trigger on rel, parsed anew when stale. */
static TriggerCache *
Cached(Relation rel, const Trigger *trigger)
{
	TriggerCache *tc;
	bool		found;
	MemoryContext old;
	uint64		generation = catalog_generation;

	if (trigger_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(TriggerCache);
		ctl.hcxt = CacheMemoryContext;
		trigger_cache = hash_create("flowstream stream triggers", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(CatalogChanged, (Datum) 0);
	}
	tc = hash_search(trigger_cache, &trigger->tgoid, HASH_ENTER, &found);
	if (!found)
	{
		tc->generation = 0;
		tc->cxt = NULL;
		tc->insert = NULL;
		tc->busy = 0;
	}
	/* a trigger of the history may reach this trigger again while it writes */
	if (tc->generation == generation || tc->busy > 0)
		return tc;

	if (tc->insert != NULL)
		SPI_freeplan(tc->insert);
	tc->insert = NULL;
	if (tc->cxt != NULL)
		MemoryContextDelete(tc->cxt);
	tc->generation = 0;
	tc->cxt = AllocSetContextCreate(CacheMemoryContext, "flowstream stream trigger",
									ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(tc->cxt);
	user_table_config(rel, trigger, &tc->ut);
	MemoryContextSwitchTo(old);
	if (OidIsValid(tc->ut.history))
		getTypeInputInfo(tc->ut.op_type, &tc->op_input, &tc->op_ioparam);
	/* a change seen while parsing makes the next call parse again */
	tc->generation = generation;
	return tc;
}

/* the changes one row's trigger makes: at most a change of the state, of the rate and a void */
#define MAX_CHANGES 4

typedef struct RowChange
{
	FlowOp		op;
	bool		created;		/* op is OP_CREATE: there is no state before */
	FlowState	before;
	FlowState	after;
	int64		at;
} RowChange;

/* one row as the trigger works on it */
typedef struct Row
{
	const TriggerCache *tc;
	const UserTable *ut;
	const char *tgname;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	old;			/* NULL: the row gets its stream now */
	HeapTuple	new;
	FlowState	s;				/* the state, as the operations go */
	int			n;
	RowChange	changes[MAX_CHANGES];
} Row;

/* Column att of the new row. */
static Datum
New(const Row *r, AttrNumber att, bool *isnull)
{
	return heap_getattr(r->new, att, r->desc, isnull);
}

/* Refuses a null where the stream needs a value. */
static void
NullColumn(const Row *r, AttrNumber att)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("column \"%s\" of relation \"%s\" must not be null",
					NameStr(TupleDescAttr(r->desc, att - 1)->attname),
					RelationGetRelationName(r->rel)),
			 errdetail("Trigger \"%s\" keeps a stream in step with it.", r->tgname)));
}

/* A column's value that must not be null. */
static Datum
Required(const Row *r, AttrNumber att)
{
	bool		isnull;
	Datum		d = New(r, att, &isnull);

	if (isnull)
		NullColumn(r, att);
	return d;
}

/* Whether column att of the new row differs from the old row's (no user code: binary). */
static bool
Changed(const Row *r, AttrNumber att)
{
	Form_pg_attribute a = TupleDescAttr(r->desc, att - 1);
	bool		null1,
				null2;
	Datum		d1 = heap_getattr(r->old, att, r->desc, &null1);
	Datum		d2 = heap_getattr(r->new, att, r->desc, &null2);

	if (null1 || null2)
		return null1 != null2;
	return !datumIsEqual(d1, d2, a->attbyval, a->attlen);
}

/* Whether two non-null numerics are equal in value. */
static bool
SameNumeric(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b)) == 0;
}

/* Whether a numeric is the rate rps (10^-18 tokens per second). */
static bool
SameRate(Datum num, u128 rps)
{
	FlowAmount	a = numeric_to_amount(num, FLOW_RATE_SCALE);

	return a.err == FLOW_OK && a.units == rps;
}

/* The value of an integer column as an int64. */
static int64
IntegerValue(Oid type, Datum d)
{
	return type == INT2OID ? DatumGetInt16(d) : type == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d);
}

/* The time of an operation on r->s: the time column's, or flowstream.now() by the core's rule. */
static int64
OpTime(const Row *r, bool has_state)
{
	if (r->ut->at != 0)
		return flow_time_arg(DatumGetTimestampTz(Required(r, r->ut->at)));
	if (!has_state)
		return flow_time_arg(flow_clock_now());
	return flow_operation_time(flow_time_arg(flow_clock_now()), &r->s, flow_clock_pinned());
}

/* Remembers a change for the history. */
static void
Record(Row *r, FlowOp op, const FlowState *before, int64 at)
{
	RowChange  *c;

	if (!OidIsValid(r->ut->history))
		return;
	Assert(r->n < MAX_CHANGES);
	c = &r->changes[r->n++];
	c->op = op;
	c->created = (before == NULL);
	if (before)
		c->before = *before;
	c->after = r->s;
	c->at = at;
}

/* Applies op with amount (NULL for none) to the row's state at its time. */
static void
Apply(Row *r, FlowOp op, const FlowAmount *amount, int64 t)
{
	FlowState	before = r->s;
	FlowAmount	none = {FLOW_OK, 0};
	OpResult	res;
	FlowArgKind kind = flow_ops[op].arg == ARG_RATE ? FLOW_ARG_RATE : FLOW_ARG_AMOUNT;

	flow_check(flow_apply_state(op, &r->s, amount ? amount : &none, t, &res),
			   &before, t, amount, kind);
	Record(r, op, &before, t);
}

/* Refuses a plain column that says otherwise than the state given with it. */
static void
Disagrees(const Row *r, AttrNumber att, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("column \"%s\" does not agree with the stream in column \"%s\"",
					NameStr(TupleDescAttr(r->desc, att - 1)->attname),
					NameStr(TupleDescAttr(r->desc, r->ut->state - 1)->attname)),
			 errdetail("%s", what),
			 errhint("Leave it null in an INSERT with a state: the trigger fills it in.")));
}

/* The decimals the row's stream is in: the trigger's, or its column's (false when null). */
static bool
Decimals(const Row *r, int *decimals)
{
	bool		isnull;
	Datum		d;

	if (r->ut->decimals_column == 0)
	{
		*decimals = r->ut->decimals;
		return true;
	}
	d = New(r, r->ut->decimals_column, &isnull);
	if (isnull)
		return false;
	if (!flow_check_decimals(IntegerValue(r->ut->decimals_type, d)))
		flow_report(FLOW_ERR_DECIMALS, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	*decimals = (int) IntegerValue(r->ut->decimals_type, d);
	return true;
}

/*
 * The row gets its stream (an INSERT, or an UPDATE of a row that had
 * none): the state given, which the plain columns must agree with, or one
 * created from them.
 */
static void
Create(Row *r)
{
	const UserTable *ut = r->ut;
	bool		isnull;
	Datum		given = New(r, ut->state, &isnull);
	int			decimals;

	if (!isnull)
	{
		char		problem[FLOW_DETAIL_MAX];
		Datum		d;

		flow_state_arg(given, &r->s);
		if (Decimals(r, &decimals) && decimals != r->s.decimals)
		{
			if (ut->decimals_column)
				Disagrees(r, ut->decimals_column, "It is not the stream's decimals.");
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the stream in column \"%s\" has %d decimals, not %d",
							NameStr(TupleDescAttr(r->desc, ut->state - 1)->attname),
							r->s.decimals, decimals),
					 errdetail("Trigger \"%s\" keeps streams of %d decimals.", r->tgname, decimals)));
		}
		d = New(r, ut->rate, &isnull);
		if (!isnull && !SameRate(d, r->s.rps))
			Disagrees(r, ut->rate, "It is not the stream's rate.");
		if (ut->voided)
		{
			d = New(r, ut->voided, &isnull);
			if (!isnull && DatumGetBool(d) != r->s.voided)
				Disagrees(r, ut->voided, "It is not whether the stream is voided.");
		}
		if (OidIsValid(ut->history) &&
			flow_replay(NULL, OP_CREATE, NULL, r->s.last, &r->s, problem) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a row with a history gets a new stream"),
					 errdetail("Its state is not one that flowstream.stream() makes: %s.", problem),
					 errhint("Insert the new stream, then change it by UPDATEs.")));
		Record(r, OP_CREATE, NULL, r->s.last);
		return;
	}

	{
		FlowAmount	rate;
		int64		t;

		if (!Decimals(r, &decimals))
			NullColumn(r, ut->decimals_column);
		rate = numeric_to_amount(Required(r, ut->rate), FLOW_RATE_SCALE);
		t = OpTime(r, false);
		memset(&r->s, 0, sizeof(r->s));
		flow_check(flow_create(&r->s, &rate, decimals, t, t), NULL, t, &rate, FLOW_ARG_RATE);
		Record(r, OP_CREATE, NULL, t);
		/* a null voided flag is filled in: false */
		if (ut->voided && DatumGetBool(New(r, ut->voided, &isnull)) && !isnull)
			Apply(r, OP_VOID, NULL, t);
	}
}

/*
 * The state column changed in the UPDATE itself (a transition through a
 * pure function): the new state is kept.  It may not go back in time; with
 * a history it must be one operation on the old state, which is recorded.
 */
static void
StateChange(Row *r, const FlowState *given)
{
	FlowChange	c;

	memset(&c, 0, sizeof(c));
	if (flow_state_cmp(&r->s, given) == 0)
		return;
	if (given->last < r->s.last)
		flow_report(FLOW_ERR_TIME_ORDER, &r->s, given->last, NULL, FLOW_ARG_AMOUNT);
	if (given->decimals != r->s.decimals)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a stream's decimals never change")));
	if (OidIsValid(r->ut->history) && flow_derive_op(&r->s, given, &c) == OP_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the new state of column \"%s\" is not one operation on the old one",
						NameStr(TupleDescAttr(r->desc, r->ut->state - 1)->attname)),
				 errdetail("Its history records one operation per change."),
				 errhint("Apply one transition (deposit, withdraw, refund, pause, restart, adjust_rate, "
						 "void) per UPDATE, or change the rate or voided column.")));
	{
		FlowState	before = r->s;

		r->s = *given;
		Record(r, c.op, &before, given->last);
	}
}

/* A new value in the rate column: the core's rule says what it means. */
static void
RateChange(Row *r)
{
	Datum		d = Required(r, r->ut->rate);
	bool		isnull;
	Datum		was = heap_getattr(r->old, r->ut->rate, r->desc, &isnull);
	FlowAmount	rate;
	int64		t;

	if (!isnull && SameNumeric(d, was))
		return;
	rate = numeric_to_amount(d, FLOW_RATE_SCALE);
	if (rate.err == FLOW_OK && rate.units == r->s.rps)
		return;					/* the state has it already */
	t = OpTime(r, true);
	Apply(r, flow_rate_column_op(&r->s, t, &rate), &rate, t);
}

/* The voided column set: void; a voided stream stays voided. */
static void
VoidedChange(Row *r)
{
	bool		voided;

	if (r->ut->voided == 0 || !Changed(r, r->ut->voided))
		return;
	voided = DatumGetBool(Required(r, r->ut->voided));
	if (voided && !r->s.voided)
		Apply(r, OP_VOID, NULL, OpTime(r, true));
	else if (!voided && r->s.voided)
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_VOIDED),
				 errmsg("stream is voided"),
				 errdetail("A voided stream stays voided.")));
}

/*
 * The new row with the stream and the plain columns in step: the state,
 * the rate (at the column's typmod), the voided flag and the decimals.
 */
static HeapTuple
InStep(Row *r)
{
	const UserTable *ut = r->ut;
	int			cols[4];
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int			n = 0;
	bool		isnull;
	Datum		d;
	FlowState	given;

	d = New(r, ut->state, &isnull);
	if (!isnull)
		flow_state_arg(d, &given);
	if (isnull || flow_state_cmp(&given, &r->s) != 0)
	{
		cols[n] = ut->state;
		values[n++] = flow_state_datum(&r->s);
	}

	d = New(r, ut->rate, &isnull);
	if (isnull || !SameRate(d, r->s.rps))
	{
		Datum		rate = rate_to_numeric(r->s.rps);

		if (ut->rate_typmod >= 0)
			rate = DirectFunctionCall2(numeric, rate, Int32GetDatum(ut->rate_typmod));
		if (!SameRate(rate, r->s.rps))
			Disagrees(r, ut->rate, "Its type cannot hold the stream's rate exactly.");
		cols[n] = ut->rate;
		values[n++] = rate;
	}

	if (ut->voided)
	{
		d = New(r, ut->voided, &isnull);
		if (isnull || DatumGetBool(d) != r->s.voided)
		{
			cols[n] = ut->voided;
			values[n++] = BoolGetDatum(r->s.voided);
		}
	}

	if (ut->decimals_column)
	{
		d = New(r, ut->decimals_column, &isnull);
		if (isnull || IntegerValue(ut->decimals_type, d) != r->s.decimals)
		{
			cols[n] = ut->decimals_column;
			values[n++] = ut->decimals_type == INT2OID ? Int16GetDatum(r->s.decimals) :
				ut->decimals_type == INT4OID ? Int32GetDatum(r->s.decimals) :
				Int64GetDatum(r->s.decimals);
		}
	}
	return n == 0 ? r->new : heap_modify_tuple_by_cols(r->new, r->desc, n, cols, values, nulls);
}

/* An amount that moved, signed, in tokens. */
static Datum
Moved(bool down, const U256 *units, int decimals)
{
	Datum		d = units_to_numeric(units, decimals, decimals);

	return down && !u256_is_zero(units) ? DirectFunctionCall1(numeric_uminus, d) : d;
}

/*
 * Appends the row's changes to its history: as the table's owner, in a
 * security-restricted operation with search_path pg_catalog, through the
 * INSERT prepared for the trigger.
 */
static void
WriteHistory(Row *r, TriggerCache *tc)
{
	const UserTable *ut = r->ut;
	Oid			save_user;
	int			save_sec;
	int			nest;
	Datum		key;

	if (!OidIsValid(ut->history) || r->n == 0)
		return;
	key = Required(r, ut->key);

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(r->rel->rd_rel->relowner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (tc->insert == NULL)
	{
		Oid			types[6] = {ut->key_type, ut->op_type, TIMESTAMPTZOID, NUMERICOID, NUMERICOID,
		ut->stream_type};
		char	   *sql = psprintf("INSERT INTO %s (%s, op, at, balance_change, debt_change, state) "
								   "VALUES ($1, $2, $3, $4, $5, $6)",
								   ut->history_name, ut->history_key);
		SPIPlanPtr	plan = SPI_prepare(sql, 6, types);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		tc->insert = plan;
	}

	tc->busy++;
	PG_TRY();
	{
		for (int i = 0; i < r->n; i++)
		{
			const RowChange *c = &r->changes[i];
			FlowChange	moved;
			Datum		values[6];
			int			dec = c->after.decimals;

			flow_check(flow_change_amounts(c->created ? NULL : &c->before, &c->after, c->at, &moved),
					   &c->after, c->at, NULL, FLOW_ARG_AMOUNT);
			values[0] = key;
			values[1] = OidInputFunctionCall(tc->op_input, unconstify(char *, flow_ops[c->op].label),
											 tc->op_ioparam, -1);
			values[2] = TimestampTzGetDatum(c->at);
			values[3] = Moved(moved.balance_down, &moved.balance_moved, dec);
			values[4] = Moved(moved.debt_down, &moved.debt_moved, dec);
			values[5] = flow_state_datum(&c->after);
			if (SPI_execute_plan(tc->insert, values, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "could not append to history %s", ut->history_name);
		}
	}
	PG_FINALLY();
	{
		tc->busy--;
	}
	PG_END_TRY();

	SPI_finish();
	AtEOXact_GUC(true, nest);
	SetUserIdAndSecContext(save_user, save_sec);
}

/*
 * BEFORE INSERT OR UPDATE ... FOR EACH ROW on a user's table: keeps the
 * stream in its state column in step with its plain columns.
 */
PG_FUNCTION_INFO_V1(stream_trigger);
Datum
stream_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TriggerCache *tc;
	Row			r;
	bool		isnull;
	Datum		d;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flowstream.stream_trigger() was not called by the trigger manager")));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
				 errmsg("flowstream.stream_trigger() must be fired BEFORE INSERT OR UPDATE ... FOR EACH ROW")));

	tc = Cached(td->tg_relation, td->tg_trigger);
	memset(&r, 0, sizeof(r));
	r.tc = tc;
	r.ut = &tc->ut;
	r.tgname = td->tg_trigger->tgname;
	r.rel = td->tg_relation;
	r.desc = RelationGetDescr(r.rel);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		r.new = td->tg_trigtuple;
	else
	{
		r.old = td->tg_trigtuple;
		r.new = td->tg_newtuple;
	}

	d = r.old ? heap_getattr(r.old, r.ut->state, r.desc, &isnull) : (Datum) 0;
	if (r.old == NULL || isnull)
		Create(&r);
	else
	{
		FlowState	given;

		flow_state_arg(d, &r.s);
		if (OidIsValid(r.ut->history) && Changed(&r, r.ut->key))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the key of a row with a history never changes"),
					 errdetail("Column \"%s\" names the row in history %s.",
							   NameStr(TupleDescAttr(r.desc, r.ut->key - 1)->attname),
							   r.ut->history_name)));
		flow_state_arg(Required(&r, r.ut->state), &given);
		StateChange(&r, &given);
		RateChange(&r);
		VoidedChange(&r);
		if (r.ut->decimals_column && Changed(&r, r.ut->decimals_column))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a stream's decimals never change")));
	}
	WriteHistory(&r, tc);
	return PointerGetDatum(InStep(&r));
}
