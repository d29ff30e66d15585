/*
 * aggregates.c — debt_sums(): the total, covered and uncovered debt of many
 * streams at one time, summed in a single pass.
 *
 * Summing flowstream.total_debt() builds a numeric for every row and adds
 * numerics; this aggregate keeps one 256-bit sum per token decimals in base
 * units and builds three numerics at the end, so the per-row cost is the
 * core's arithmetic and a few integer additions.
 */
#include "stream.h"

#include "funcapi.h"
#include "access/htup_details.h"

/*
 * A sum of base units: 128-bit additions with a count of their carries,
 * and a 256-bit sum for the rare values that do not fit 128 bits.
 */
typedef struct Sum
{
	u128		low;
	uint64		carries;		/* how many times low wrapped: units of 2^128 */
	U256		wide;
} Sum;

typedef struct DebtSums
{
	Sum			total[FLOW_MAX_DECIMALS + 1];	/* by the streams' decimals */
	Sum			covered[FLOW_MAX_DECIMALS + 1];
	uint32		decimals_seen;	/* bit d: some stream has d decimals */
} DebtSums;

static void
Add(U256 *sum, const U256 *v)
{
	if (!u256_add(sum, sum, v))
		flow_report(FLOW_ERR_OVERFLOW, NULL, 0, NULL, FLOW_ARG_AMOUNT);
}

static inline void
AddToSum128(Sum *sum, u128 x)
{
	sum->low += x;
	sum->carries += (sum->low < x);
}

static inline void
AddToSum(Sum *sum, const U256 *v)
{
	if (likely(u256_fits_u128(v)))
		AddToSum128(sum, u256_low128(v));
	else
		Add(&sum->wide, v);
}

/* The value of a Sum. */
static U256
SumValue(const Sum *sum)
{
	U256		v = u256_from_u128(sum->low);
	U256		carried = {{0, 0, sum->carries, 0}};

	Add(&v, &carried);
	Add(&v, &sum->wide);
	return v;
}

/* debt_sums_step(sums, stream [, at]): adds one stream's debts at `at` (or flowstream.now()). */
PG_FUNCTION_INFO_V1(debt_sums_step);
Datum
debt_sums_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DebtSums   *sums;
	FlowState	st,
			   *s = &st;
	int64		t;
	U256		td;
	u128		narrow,
				covered;
	int			d;

	if (PG_ARGISNULL(0))
	{
		if (!AggCheckCallContext(fcinfo, &aggcontext))
			elog(ERROR, "debt_sums_step called in a non-aggregate context");
		sums = (DebtSums *) MemoryContextAllocZero(aggcontext, sizeof(DebtSums));
	}
	else
		sums = (DebtSums *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || (PG_NARGS() > 2 && PG_ARGISNULL(2)))
		PG_RETURN_POINTER(sums);

	flow_state_arg(PG_GETARG_DATUM(1), &st);
	t = flow_time_arg(PG_NARGS() > 2 ? PG_GETARG_TIMESTAMPTZ(2) : flow_clock_now());
	d = s->decimals;
	/* the uncovered debt is their difference, summed at the end */
	if (likely(flow_debts_128(s, t, &narrow, &covered)))
		AddToSum128(&sums->total[d], narrow);
	else
	{
		flow_check(flow_total_debt(s, t, &td), s, t, NULL, FLOW_ARG_AMOUNT);
		flow_check(flow_covered_debt(s, t, &covered), s, t, NULL, FLOW_ARG_AMOUNT);
		AddToSum(&sums->total[d], &td);
	}
	AddToSum128(&sums->covered[d], covered);
	sums->decimals_seen |= (uint32) 1 << d;
	PG_RETURN_POINTER(sums);
}

/*
 * The sums by decimals as one sum in units of 10^-scale tokens (scale being
 * the largest decimals seen).
 */
static U256
Combine(const Sum *by_decimals, uint32 seen, int scale)
{
	U256		result = {{0, 0, 0, 0}};

	for (int d = 0; d <= FLOW_MAX_DECIMALS; d++)
	{
		U256		v = SumValue(&by_decimals[d]);

		if (!(seen & ((uint32) 1 << d)))
			continue;
		for (int k = d; k < scale; k++)
		{
			if (!u256_mul_u64(&v, &v, 10))
				flow_report(FLOW_ERR_OVERFLOW, NULL, 0, NULL, FLOW_ARG_AMOUNT);
		}
		Add(&result, &v);
	}
	return result;
}

/* debt_sums_final(sums) → (total_debt, covered_debt, uncovered_debt), NULL for no rows */
PG_FUNCTION_INFO_V1(debt_sums_final);
Datum
debt_sums_final(PG_FUNCTION_ARGS)
{
	DebtSums   *sums;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	int			scale = 0;
	U256		total,
				covered,
				uncovered;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	sums = (DebtSums *) PG_GETARG_POINTER(0);
	if (sums->decimals_seen == 0)
		PG_RETURN_NULL();
	for (int d = 0; d <= FLOW_MAX_DECIMALS; d++)
	{
		if (sums->decimals_seen & ((uint32) 1 << d))
			scale = d;
	}
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "debt_sums_final must return a composite type");
	desc = BlessTupleDesc(desc);
	total = Combine(sums->total, sums->decimals_seen, scale);
	covered = Combine(sums->covered, sums->decimals_seen, scale);
	u256_sub(&uncovered, &total, &covered);
	values[0] = units_to_numeric(&total, scale, scale);
	values[1] = units_to_numeric(&covered, scale, scale);
	values[2] = units_to_numeric(&uncovered, scale, scale);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* Adds b to a, carries and all. */
static void
SumAdd(Sum *a, const Sum *b)
{
	a->low += b->low;
	a->carries += b->carries + (a->low < b->low);
	Add(&a->wide, &b->wide);
}

/*
 * debt_sums_combine(a, b): the sums of two partial aggregates, for
 * parallel query and for Citus, which sum on the workers.
 */
PG_FUNCTION_INFO_V1(debt_sums_combine);
Datum
debt_sums_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	DebtSums   *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "debt_sums_combine called in a non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	b = (DebtSums *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = (DebtSums *) MemoryContextAlloc(aggcontext, sizeof(DebtSums));
		memcpy(a, b, sizeof(DebtSums));
		PG_RETURN_POINTER(a);
	}
	a = (DebtSums *) PG_GETARG_POINTER(0);
	for (int d = 0; d <= FLOW_MAX_DECIMALS; d++)
	{
		SumAdd(&a->total[d], &b->total[d]);
		SumAdd(&a->covered[d], &b->covered[d]);
	}
	a->decimals_seen |= b->decimals_seen;
	PG_RETURN_POINTER(a);
}

/*
 * The partial sums travel between processes as bytea: a format byte, then
 * the struct as it lies in memory (every process runs this same library).
 */
#define DEBT_SUMS_FORMAT	1

PG_FUNCTION_INFO_V1(debt_sums_serialize);
Datum
debt_sums_serialize(PG_FUNCTION_ARGS)
{
	DebtSums   *sums = (DebtSums *) PG_GETARG_POINTER(0);
	bytea	   *out = (bytea *) palloc(VARHDRSZ + 1 + sizeof(DebtSums));

	SET_VARSIZE(out, VARHDRSZ + 1 + sizeof(DebtSums));
	*(uint8 *) VARDATA(out) = DEBT_SUMS_FORMAT;
	memcpy(VARDATA(out) + 1, sums, sizeof(DebtSums));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(debt_sums_deserialize);
Datum
debt_sums_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	DebtSums   *sums;

	if (VARSIZE_ANY_EXHDR(in) != 1 + sizeof(DebtSums) ||
		*(const uint8 *) VARDATA_ANY(in) != DEBT_SUMS_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("partial debt_sums of another format or size")));
	sums = (DebtSums *) palloc(sizeof(DebtSums));
	memcpy(sums, VARDATA_ANY(in) + 1, sizeof(DebtSums));
	PG_RETURN_POINTER(sums);
}
