/*
 * api_bulk.c — many streams in one call: create_streams() and
 * deposit_many().  They translate arrays, one element at a time, into the
 * very calls of create_stream() and deposit() (api.c, then apply.c's one
 * apply step): every stream gets its checks and its events as if created
 * or topped up alone, by the same actor at the same time.  One statement:
 * the first error of any element undoes them all, its message saying
 * which element it was.
 *
 * create_streams() decides each stream so, but writes them set-wise: a
 * batch of new streams (apply_bulk.c) collects CREATE_CHUNK of them, then
 * writes their events with one statement and their rows with another.
 * On Citus each stream is created where it lives, one by one.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* how many new streams are written together (a bound on the memory they take) */
#define CREATE_CHUNK 1000

/* an array argument, deconstructed */
typedef struct ArrayArg
{
	const char *name;
	bool		given;			/* not NULL */
	int			n;
	Datum	   *values;
	bool	   *nulls;
} ArrayArg;

/*
 * Argument i, an array of element type elem: 22004 when it is NULL and
 * required, 22023 when it is not one-dimensional or its length is not n
 * (the length of the array first; n < 0: any length, which becomes n).
 */
static void
ReadArray(FunctionCallInfo fcinfo, int i, const char *name, Oid elem, bool required,
		  const char *first, int *n, ArrayArg *a)
{
	ArrayType  *arr;
	int16		len;
	bool		byval;
	char		align;

	memset(a, 0, sizeof(*a));
	a->name = name;
	if (PG_ARGISNULL(i))
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", name)));
		return;
	}
	arr = PG_GETARG_ARRAYTYPE_P(i);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	get_typlenbyvalalign(elem, &len, &byval, &align);
	deconstruct_array(arr, elem, len, byval, align, &a->values, &a->nulls, &a->n);
	if (*n < 0)
		*n = a->n;
	else if (a->n != *n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has %d elements where %s has %d", name, a->n, first, *n),
				 errdetail("Every array argument has one element per stream.")));
	a->given = true;
}

/* element k of a, and whether it is NULL (or a is) */
static Datum
Element(const ArrayArg *a, int k, bool *isnull)
{
	*isnull = !a->given || a->nulls[k];
	return *isnull ? (Datum) 0 : a->values[k];
}

/* which element an error concerns (or elements: first to k) */
typedef struct BulkPlace
{
	const char *function;
	int			first;
	int			k;
	int			n;
} BulkPlace;

static void
BulkContext(void *arg)
{
	BulkPlace  *p = (BulkPlace *) arg;

	if (p->first < p->k)
		errcontext("elements %d to %d of %d of %s", p->first + 1, p->k + 1, p->n, p->function);
	else
		errcontext("element %d of %d of %s", p->k + 1, p->n, p->function);
}

/*
 * create_streams(senders, recipients, tokens, rates_per_second,
 * start_times, deposits, transferable, metadata, consent_required,
 * end_times) → the ids, in the order of the arrays.  Element k of each
 * array is argument k of create_stream(); an optional array that is NULL
 * gives every stream create_stream()'s default.
 */
PG_FUNCTION_INFO_V1(api_create_streams);
Datum
api_create_streams(PG_FUNCTION_ARGS)
{
	static const char *const single[10] = {"sender", "recipient", "token", "rate_per_second",
	"start_time", "deposit", "transferable", "metadata", "consent_required", "end_time"};
	static const char *const plural[10] = {"senders", "recipients", "tokens", "rates_per_second",
	"start_times", "deposits", "transferable", "metadata", "consent_required", "end_times"};
	static const Oid elems[10] = {TEXTOID, TEXTOID, TEXTOID, NUMERICOID, TIMESTAMPTZOID,
	NUMERICOID, BOOLOID, JSONBOID, BOOLOID, TIMESTAMPTZOID};
	ArrayArg	a[10];
	int			n = -1;
	Datum	   *ids;
	Datum		zero = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	Datum		empty = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	TimestampTz now = flow_clock_now();
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext each;
	FlowCreateBatch b;
	FlowNewStreams rows;
	BulkPlace	place;
	ErrorContextCallback errcb;

	for (int i = 0; i < 10; i++)
		ReadArray(fcinfo, i, plural[i], elems[i], i < 4, plural[0], &n, &a[i]);
	ids = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	each = AllocSetContextCreate(outer, "create_streams element", ALLOCSET_DEFAULT_SIZES);

	place.function = "flowstream.create_streams()";
	place.first = 0;
	place.n = n;
	errcb.callback = BulkContext;
	errcb.arg = &place;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	flow_create_begin(&b);
	if (!flow_distributed())
	{
		flow_new_streams_begin(&rows);
		b.rows = &rows;
	}
	for (int k = 0; k < n; k++)
	{
		FlowCreate	c;
		bool		isnull;
		Datum		d;
		MemoryContext old = MemoryContextSwitchTo(each);

		place.first = place.k = k;
		memset(&c, 0, sizeof(c));
		/* create_stream()'s arguments: NULL only where it says so */
		c.sender = Element(&a[0], k, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", single[0])));
		for (int i = 8; i > 0; i--)
		{
			(void) Element(&a[i], k, &isnull);
			if (isnull && (i < 4 || a[i].given))
				c.null_arg = single[i];
		}
		c.recipient = Element(&a[1], k, &isnull);
		c.token = Element(&a[2], k, &c.token_null);
		c.rate = Element(&a[3], k, &isnull);
		d = Element(&a[4], k, &isnull);
		c.start = a[4].given ? (isnull ? 0 : DatumGetTimestampTz(d)) : now;
		d = Element(&a[5], k, &isnull);
		c.deposit = a[5].given ? d : zero;
		d = Element(&a[6], k, &isnull);
		c.transferable = a[6].given ? !isnull && DatumGetBool(d) : true;
		d = Element(&a[7], k, &isnull);
		c.metadata = a[7].given ? d : empty;
		d = Element(&a[8], k, &isnull);
		c.consent_required = !isnull && DatumGetBool(d);
		d = Element(&a[9], k, &isnull);
		c.has_end = !isnull;
		c.end = isnull ? 0 : DatumGetTimestampTz(d);
		ids[k] = Int64GetDatum(flow_create_one(&b, &c));
		MemoryContextSwitchTo(old);
		MemoryContextReset(each);
		if (b.rows != NULL && (rows.n == CREATE_CHUNK || k == n - 1))
		{
			/* the write of the elements since the last */
			place.first = k + 1 - rows.n;
			flow_new_streams_write(&rows);
		}
	}
	flow_create_end(&b);
	error_context_stack = errcb.previous;
	MemoryContextDelete(each);
	PG_RETURN_ARRAYTYPE_P(construct_array(ids, n, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE));
}

/*
 * deposit_many(ids, amounts): deposit(ids[k], amounts[k]) for every k, in
 * the order of the arrays.  CREATE_CHUNK elements at a time: their streams
 * are locked and read, each deposit applied in memory in turn, then their
 * events and rows written (apply_bulk.c); on Citus, deposit() after
 * deposit().
 */
PG_FUNCTION_INFO_V1(api_deposit_many);
Datum
api_deposit_many(PG_FUNCTION_ARGS)
{
	ArrayArg	ids,
				amounts;
	int			n = -1;
	MemoryContext each = AllocSetContextCreate(CurrentMemoryContext, "deposit_many element",
											   ALLOCSET_DEFAULT_SIZES);
	BulkPlace	place;
	ErrorContextCallback errcb;
	FlowCall	who;
	OwnerScope	scope;
	FlowDeposits d;
	bool		distributed;
	int64		at;

	ReadArray(fcinfo, 0, "ids", INT8OID, true, "ids", &n, &ids);
	ReadArray(fcinfo, 1, "amounts", NUMERICOID, true, "ids", &n, &amounts);

	place.function = "flowstream.deposit_many()";
	place.first = 0;
	place.n = n;
	errcb.callback = BulkContext;
	errcb.arg = &place;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	/* who acts, as the caller, then as the tables' owner, as deposit() */
	memset(&who, 0, sizeof(who));
	flow_resolve_actor(&who);
	flow_enter_owner(&scope);
	distributed = flow_distributed();
	at = flow_time_arg(flow_clock_now());
	if (distributed)
		flow_leave_owner(&scope);	/* deposit() takes it in turn */
	for (int k = 0; k < n; k++)
	{
		MemoryContext old;

		if (!distributed && k % CREATE_CHUNK == 0)
		{
			place.first = k;
			place.k = Min(n, k + CREATE_CHUNK) - 1;
			flow_deposits_begin(&d, who.actor, who.actor_problem, at, &ids.values[k],
								&ids.nulls[k], place.k + 1 - k);
		}
		old = MemoryContextSwitchTo(each);
		place.first = place.k = k;
		if (ids.nulls[k])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("stream id must not be null")));
		if (distributed)
			(void) flow_call(OP_DEPOSIT, DatumGetInt64(ids.values[k]), amounts.values[k],
							 amounts.nulls[k], false, NULL);
		else
			flow_deposit_held(&d, DatumGetInt64(ids.values[k]), amounts.values[k],
							  amounts.nulls[k]);
		MemoryContextSwitchTo(old);
		MemoryContextReset(each);
		if (!distributed && (k % CREATE_CHUNK == CREATE_CHUNK - 1 || k == n - 1))
		{
			place.first = k - k % CREATE_CHUNK;
			flow_deposits_write(&d);
		}
	}
	if (!distributed)
		flow_leave_owner(&scope);
	error_context_stack = errcb.previous;
	MemoryContextDelete(each);
	PG_RETURN_VOID();
}
