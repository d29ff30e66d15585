/*
 * convert.c — between SQL values and the core: numeric amounts to scaled
 * integers and back, timestamptz arguments, and the core's error codes to
 * ereport()s with SPEC §5's SQLSTATEs.
 *
 * Numerics are read and built in PostgreSQL's storage format itself, not
 * through their text (see "The numeric format" below): the results and the
 * errors are those of the text path that this replaces, flow_parse_amount()
 * of numeric_out()'s text and numeric_in() of flow_format_decimal()'s text,
 * which sql/convert.sql checks over a large corpus.
 */
#include "stream.h"

#include "utils/builtins.h"

/*
 * The numeric format
 *
 * numeric's storage format is private to PostgreSQL's numeric.c, but every
 * table holds it and pg_upgrade copies tables as they are, so it does not
 * change between releases.  This file relies on it as PostgreSQL 15 defines
 * it, unchanged since 14 added the infinities (9.1 added the short header):
 *
 *   a varlena header, in any of its forms (1 or 4 bytes, compressed or
 *   stored out of line), then a uint16 header word whose top two bits say:
 *     11  a special value without digits: 0xC000 NaN, 0xD000 Infinity,
 *         0xF000 -Infinity (the next two bits tell them apart);
 *     10  the short header: bit 0x2000 the sign (set when negative), bits
 *         0x1F80 the display scale (0..63), bits 0x007F the weight as a
 *         7-bit two's complement number (-64..63);
 *     0s  the long header: the sign 0x4000 (set when negative), the display
 *         scale in bits 0x3FFF, then an int16 weight;
 *   then int16 digits in base 10000, most significant first: digit i
 *   stands for digit * 10000^(weight - i).
 *
 * The display scale is the number of fractional decimal digits that
 * numeric_out() prints; it prints none beyond it, and PostgreSQL stores
 * none that is not zero.  PostgreSQL builds every value normalized (make_result()): no
 * leading or trailing zero digits, zero positive with weight 0 and no
 * digits, and the short header whenever the display scale and the weight
 * fit it.  The values built here are the same, byte for byte.
 */
#define NUM_FLAGS			0xC000	/* the top two bits of the header word */
#define NUM_SPECIAL			0xC000
#define NUM_SHORT			0x8000
#define NUM_LONG_NEG		0x4000
#define NUM_LONG_DSCALE		0x3FFF
#define NUM_SHORT_NEG		0x2000
#define NUM_SHORT_DSCALE	0x1F80
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_DSCALE_MAX	63
#define NUM_SHORT_WEIGHT_NEG	0x0040
#define NUM_SHORT_WEIGHT	0x003F
#define NUM_SHORT_WEIGHT_MIN	(-64)
#define NUM_SHORT_WEIGHT_MAX	63
#define NBASE				10000
#define DEC_DIGITS			4	/* decimal digits per base-10000 digit */

/* base-10000 digits of a U256 over 10^scale: 78 decimal digits, one split */
#define NUM_MAX_DIGITS		24

/* an accumulator below 2^128 can take one more base-10000 digit */
#define SMALL_LIMIT			(U128_MAX / NBASE - 1)

static const uint64 pow10_u64[20] = {
	UINT64CONST(1), UINT64CONST(10), UINT64CONST(100), UINT64CONST(1000),
	UINT64CONST(10000), UINT64CONST(100000), UINT64CONST(1000000),
	UINT64CONST(10000000), UINT64CONST(100000000), UINT64CONST(1000000000),
	UINT64CONST(10000000000), UINT64CONST(100000000000),
	UINT64CONST(1000000000000), UINT64CONST(10000000000000),
	UINT64CONST(100000000000000), UINT64CONST(1000000000000000),
	UINT64CONST(10000000000000000), UINT64CONST(100000000000000000),
	UINT64CONST(1000000000000000000), UINT64CONST(10000000000000000000)
};

/* A stored numeric, its digits left where they are (perhaps unaligned). */
typedef struct NumericView
{
	const char *digits;			/* ndigits int16s, most significant first */
	int			ndigits;
	int			weight;			/* of the first digit, in base 10000 */
	int			dscale;			/* fractional decimal digits shown */
	bool		negative;
	bool		special;		/* NaN or an infinity */
} NumericView;

/* An exact integer being built: in 128 bits while it fits, then 256. */
typedef struct Accumulator
{
	u128		small;
	U256		big;
	bool		wide;
} Accumulator;

/*
 * Reads num's header into *n.  Returns the copy to pfree afterwards when
 * num had to be decompressed or fetched from its TOAST table, else NULL.
 */
static struct varlena *
ReadNumeric(Datum num, NumericView *n)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(num);
	struct varlena *p = pg_detoast_datum_packed(raw);
	const char *data = VARDATA_ANY(p);
	Size		len = VARSIZE_ANY_EXHDR(p);
	uint16		head;
	Size		header_len;

	if (len < sizeof(uint16))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid numeric value of %zu bytes", len)));
	memcpy(&head, data, sizeof(uint16));
	memset(n, 0, sizeof(*n));
	if ((head & NUM_FLAGS) == NUM_SPECIAL)
	{
		n->special = true;
		return p != raw ? p : NULL;
	}
	if ((head & NUM_FLAGS) == NUM_SHORT)
	{
		n->negative = (head & NUM_SHORT_NEG) != 0;
		n->dscale = (head & NUM_SHORT_DSCALE) >> NUM_SHORT_DSCALE_SHIFT;
		n->weight = (head & NUM_SHORT_WEIGHT) +
			((head & NUM_SHORT_WEIGHT_NEG) ? NUM_SHORT_WEIGHT_MIN : 0);
		header_len = sizeof(uint16);
	}
	else
	{
		int16		weight;

		if (len < sizeof(uint16) + sizeof(int16))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid numeric value of %zu bytes", len)));
		memcpy(&weight, data + sizeof(uint16), sizeof(int16));
		n->negative = (head & NUM_FLAGS) == NUM_LONG_NEG;
		n->dscale = head & NUM_LONG_DSCALE;
		n->weight = weight;
		header_len = sizeof(uint16) + sizeof(int16);
	}
	n->digits = data + header_len;
	n->ndigits = (int) ((len - header_len) / sizeof(int16));
	return p != raw ? p : NULL;
}

/* Digit i of n, 0 where n stores none; -1 for one outside 0..9999. */
static inline int
DigitAt(const NumericView *n, int i)
{
	int16		d;

	if (i < 0 || i >= n->ndigits)
		return 0;
	memcpy(&d, n->digits + i * sizeof(int16), sizeof(int16));
	return d >= 0 && d < NBASE ? d : -1;
}

/* d / 10^k for 0 <= d and 0 <= k <= 4, the divisor a constant. */
static inline int
DivPow10(int d, int k)
{
	switch (k)
	{
		case 0:
			return d;
		case 1:
			return d / 10;
		case 2:
			return d / 100;
		case 3:
			return d / 1000;
		default:
			return d / 10000;
	}
}

/* a = a * mul + add, for mul <= 10000 and add < 10000; false on overflow. */
static inline bool
Accumulate(Accumulator *a, uint32 mul, uint32 add)
{
	U256		d;

	if (!a->wide)
	{
		if (a->small <= SMALL_LIMIT)
		{
			a->small = a->small * mul + add;
			return true;
		}
		a->big = u256_from_u128(a->small);
		a->wide = true;
	}
	d = u256_from_u128(add);
	return u256_mul_u64(&a->big, &a->big, mul) && u256_add(&a->big, &a->big, &d);
}

/* a = a * 10^k; false on overflow. */
static bool
ScaleUp(Accumulator *a, int k)
{
	while (k > 0)
	{
		int			step = Min(k, 19);
		uint64		mul = pow10_u64[step];

		if (!a->wide && (uint64) (a->small >> 64) == 0)
			a->small *= mul;	/* below 2^64 times below 2^64 */
		else
		{
			if (!a->wide)
			{
				a->big = u256_from_u128(a->small);
				a->wide = true;
			}
			if (!u256_mul_u64(&a->big, &a->big, mul))
				return false;
		}
		k -= step;
	}
	return true;
}

/*
 * |n| * 10^scale as an exact integer, found as flow_parse_decimal() finds
 * it in numeric_out()'s text of n (which shows dscale fractional digits):
 * FLOW_ERR_OVERFLOW when the integer digits and the first scale fractional
 * ones do not fit 256 bits (that parser meets this first), then
 * FLOW_ERR_PRECISION when a digit shown beyond scale is not zero, then
 * FLOW_ERR_OVERFLOW when the value padded to scale fractional digits does
 * not fit.  A digit outside 0..9999, which PostgreSQL never stores, is
 * FLOW_ERR_NOT_A_NUMBER.  *out is set only on success.
 */
static FlowError
ScaledValue(const NumericView *n, int scale, U256 *out)
{
	/*
	 * kept fractional digits make the value: the whole base-10000 digits
	 * down to weight lowest, and the first part decimal digits of the next.
	 */
	int			kept = Min(scale, n->dscale);
	int			lowest = -(kept / DEC_DIGITS);
	int			part = kept % DEC_DIGITS;
	Accumulator acc = {0};
	int			p;

	for (p = n->weight; p >= lowest; p--)
	{
		int			i = n->weight - p;
		int			d = DigitAt(n, i);

		if (d < 0)
			return FLOW_ERR_NOT_A_NUMBER;
		if (i >= n->ndigits && !acc.wide && acc.small == 0)
			break;				/* zero, and only zeros follow */
		if (!Accumulate(&acc, NBASE, d))
			return FLOW_ERR_OVERFLOW;
	}
	if (part > 0)
	{
		int			d = DigitAt(n, n->weight - (lowest - 1));

		if (d < 0)
			return FLOW_ERR_NOT_A_NUMBER;
		if (!Accumulate(&acc, (uint32) pow10_u64[part],
						DivPow10(d, DEC_DIGITS - part)))
			return FLOW_ERR_OVERFLOW;
	}

	if (n->dscale > scale)
	{
		/* the digits shown beyond scale: zeros, or too many digits */
		int			last = -((n->dscale + DEC_DIGITS - 1) / DEC_DIGITS);

		for (p = Min(lowest - 1, n->weight); p >= last; p--)
		{
			int			i = n->weight - p;
			int			d = DigitAt(n, i);
			int			shown = n->dscale - DEC_DIGITS * (-p - 1);

			if (i >= n->ndigits)
				break;
			if (d < 0)
				return FLOW_ERR_NOT_A_NUMBER;
			if (shown < DEC_DIGITS)
				d = DivPow10(d, DEC_DIGITS - shown) * (int) pow10_u64[DEC_DIGITS - shown];
			if (p == lowest - 1)
				d -= DivPow10(d, DEC_DIGITS - part) * (int) pow10_u64[DEC_DIGITS - part];
			if (d != 0)
				return FLOW_ERR_PRECISION;
		}
	}
	else if (!ScaleUp(&acc, scale - kept))
		return FLOW_ERR_OVERFLOW;

	*out = acc.wide ? acc.big : u256_from_u128(acc.small);
	return FLOW_OK;
}

/*
 * A numeric in tokens (or tokens per second) scaled to integer units.
 * Errors stay in the result: the caller ranks them after status errors.
 * They are flow_parse_amount()'s for numeric_out()'s text: NaN and the
 * infinities are not numbers, a digit shown beyond scale must be zero,
 * negative values other than zero are not positive, and at most 2^127 - 1
 * units fit.
 */
FlowAmount
numeric_to_amount(Datum num, int scale)
{
	FlowAmount	a = {FLOW_OK, 0};
	NumericView n;
	struct varlena *copy = ReadNumeric(num, &n);
	U256		v;

	a.err = n.special ? FLOW_ERR_NOT_A_NUMBER : ScaledValue(&n, scale, &v);
	if (copy)
		pfree(copy);
	if (a.err != FLOW_OK)
		return a;
	if (n.negative && !u256_is_zero(&v))
		a.err = FLOW_ERR_NOT_POSITIVE;
	else if (!u256_fits_u128(&v) || u256_low128(&v) > I127_MAX)
		a.err = FLOW_ERR_OVERFLOW;
	else
		a.units = u256_low128(&v);
	return a;
}

/*
 * A non-negative numeric with at most scale fractional digits as an exact
 * integer in units of 10^-scale, of any size up to 256 bits; false when it
 * is not one.  Like numeric_out()'s text, a negative zero (which PostgreSQL
 * never builds) is not one.
 */
bool
numeric_to_units(Datum num, int scale, U256 *units)
{
	NumericView n;
	struct varlena *copy = ReadNumeric(num, &n);
	bool		ok;

	ok = !n.special && !n.negative && ScaledValue(&n, scale, units) == FLOW_OK;
	if (copy)
		pfree(copy);
	return ok;
}

/*
 * Appends the base-10000 digits of x, least significant first, to digits[]
 * from *n on: as many as x needs, and exactly four for every 10^16 above
 * 64 bits.
 */
static void
SplitDigits(U256 x, int16 *digits, int *n)
{
	uint64		low;

	while ((x.w[1] | x.w[2] | x.w[3]) != 0)
	{
		u128		rem;
		uint64		chunk;

		if (u256_fits_u128(&x))
		{
			u128		y = u256_low128(&x);

			rem = y % pow10_u64[16];
			x = u256_from_u128(y / pow10_u64[16]);
		}
		else
			x = u256_divmod_128(&x, pow10_u64[16], &rem);
		chunk = (uint64) rem;
		for (int k = 0; k < 4; k++)
		{
			digits[(*n)++] = (int16) (chunk % NBASE);
			chunk /= NBASE;
		}
	}
	for (low = x.w[0]; low != 0; low /= NBASE)
		digits[(*n)++] = (int16) (low % NBASE);
}

/*
 * v / 10^scale as a numeric, showing at least min_frac fractional digits
 * and no trailing zeros beyond them (and at most scale): what numeric_in()
 * builds from flow_format_decimal()'s text of v, byte for byte.
 */
Datum
units_to_numeric(const U256 *v, int scale, int min_frac)
{
	/*
	 * nfrac fractional base-10000 digits, the last one shifted left by pad
	 * decimal digits; digits[] least significant first
	 */
	int16		digits[NUM_MAX_DIGITS];
	int			nfrac = (scale + DEC_DIGITS - 1) / DEC_DIGITS;
	int			pad = nfrac * DEC_DIGITS - scale;
	int			n = 0,
				low = 0,
				ndigits,
				weight = 0,
				dscale,
				shown = 0;
	Size		header_len,
				len;
	char	   *result;
	int16	   *out;

	Assert(scale >= 0 && scale <= NUM_LONG_DSCALE);

	/*
	 * The last fractional digit takes the lowest 4 - pad decimal digits of v.
	 * Below 2^64 (every balance of up to 19 digits), with constant divisors.
	 */
	if ((v->w[1] | v->w[2] | v->w[3]) == 0)
	{
		uint64		x = v->w[0];

		switch (pad)
		{
			case 1:
				digits[n++] = (int16) (x % 1000 * 10);
				x /= 1000;
				break;
			case 2:
				digits[n++] = (int16) (x % 100 * 100);
				x /= 100;
				break;
			case 3:
				digits[n++] = (int16) (x % 10 * 1000);
				x /= 10;
				break;
		}
		for (; x != 0; x /= NBASE)
			digits[n++] = (int16) (x % NBASE);
	}
	else if (pad > 0)
	{
		u128		rem;
		U256		rest = u256_divmod_128(v, pow10_u64[DEC_DIGITS - pad], &rem);

		digits[n++] = (int16) ((uint64) rem * pow10_u64[pad]);
		SplitDigits(rest, digits, &n);
	}
	else
		SplitDigits(*v, digits, &n);
	Assert(n <= NUM_MAX_DIGITS);

	/* normalized: no zero digits at either end; zero has weight 0 */
	while (low < n && digits[low] == 0)
		low++;
	while (n > low && digits[n - 1] == 0)
		n--;
	ndigits = n - low;
	if (ndigits > 0)
	{
		int			d = digits[low];
		int			zeros = DEC_DIGITS * low;	/* trailing zeros, with pad */

		for (; d % 10 == 0; d /= 10)
			zeros++;
		weight = n - 1 - nfrac;
		shown = Max(nfrac * DEC_DIGITS - zeros, 0);
	}
	dscale = min_frac >= scale ? scale : Max(min_frac, shown);

	header_len = dscale <= NUM_SHORT_DSCALE_MAX &&
		weight >= NUM_SHORT_WEIGHT_MIN && weight <= NUM_SHORT_WEIGHT_MAX ?
		sizeof(uint16) : sizeof(uint16) + sizeof(int16);
	len = VARHDRSZ + header_len + ndigits * sizeof(int16);
	result = palloc(len);
	SET_VARSIZE(result, len);
	if (header_len == sizeof(uint16))
	{
		uint16		head = NUM_SHORT | (dscale << NUM_SHORT_DSCALE_SHIFT) |
			(weight < 0 ? NUM_SHORT_WEIGHT_NEG : 0) | (weight & NUM_SHORT_WEIGHT);

		memcpy(result + VARHDRSZ, &head, sizeof(uint16));
	}
	else
	{
		uint16		head = dscale & NUM_LONG_DSCALE;
		int16		w = (int16) weight;

		memcpy(result + VARHDRSZ, &head, sizeof(uint16));
		memcpy(result + VARHDRSZ + sizeof(uint16), &w, sizeof(int16));
	}
	out = (int16 *) (result + VARHDRSZ + header_len);
	for (int k = n - 1; k >= low; k--)
		*out++ = digits[k];
	return PointerGetDatum(result);
}

/* A base-unit amount as a numeric in tokens, with the token's decimals. */
Datum
u128_to_numeric(u128 v, int scale)
{
	U256		w = u256_from_u128(v);

	return units_to_numeric(&w, scale, scale);
}

/* A rate in 10^-18 tokens per second as a numeric, without trailing zeros. */
Datum
rate_to_numeric(u128 rps)
{
	U256		v = u256_from_u128(rps);

	return units_to_numeric(&v, FLOW_RATE_SCALE, 0);
}

/*
 * numeric_to_units() as SQL, for the regression test convert.sql only (the
 * test creates the function itself; the install script does not): the
 * units as text, or NULL where numeric_to_units() gives false.
 */
PG_FUNCTION_INFO_V1(flowstream_test_numeric_to_units);
Datum
flowstream_test_numeric_to_units(PG_FUNCTION_ARGS)
{
	int32		scale = PG_GETARG_INT32(1);
	U256		units;
	char		buf[FLOW_DECIMAL_MAX];

	if (scale < 0 || scale > FLOW_DEBT_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scale must be between 0 and %d", FLOW_DEBT_SCALE)));
	if (!numeric_to_units(PG_GETARG_DATUM(0), scale, &units))
		PG_RETURN_NULL();
	flow_format_decimal(&units, 0, 0, buf);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/* A timestamptz argument, which must be finite and within the type's range. */
int64
flow_time_arg(TimestampTz t)
{
	if (!flow_check_time(t))
		flow_report(FLOW_ERR_TIME_RANGE, NULL, 0, NULL, FLOW_ARG_AMOUNT);
	return t;
}
