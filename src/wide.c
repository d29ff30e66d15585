/*
 * wide.c — multiplication, division and decimal digits of 256-bit integers.
 *
 * The fast paths of the money code stay in 128 bits; these are the exact
 * fallbacks for the values that do not fit.
 */
#include "wide.h"

/* r = a * m; false when the product does not fit 256 bits. */
bool
u256_mul_u64(U256 *r, const U256 *a, uint64_t m)
{
	uint64_t	carry = 0;

	for (int i = 0; i < 4; i++)
	{
		u128		p = (u128) a->w[i] * m + carry;

		r->w[i] = (uint64_t) p;
		carry = (uint64_t) (p >> 64);
	}
	return carry == 0;
}

/* Highest set bit of a, plus one; 0 for zero. */
static int
BitLength(const U256 *a)
{
	for (int i = 3; i >= 0; i--)
	{
		if (a->w[i] != 0)
			return i * 64 + 64 - __builtin_clzll(a->w[i]);
	}
	return 0;
}

/*
 * floor(a / d) and a mod d, for d > 0.
 *
 * A divisor of one limb divides limb by limb; a wider one falls back to
 * binary long division, which only the rare values beyond 128 bits reach.
 */
U256
u256_divmod_128(const U256 *a, u128 d, u128 *rem)
{
	U256		q = {{0, 0, 0, 0}};
	u128		r = 0;

	if (u256_fits_u128(a))
	{
		u128		n = u256_low128(a);

		q = u256_from_u128(n / d);
		if (rem)
			*rem = n % d;
		return q;
	}

	if ((d >> 64) == 0)
	{
		uint64_t	d64 = (uint64_t) d;

		for (int i = 3; i >= 0; i--)
		{
			u128		cur = (r << 64) | a->w[i];

			q.w[i] = (uint64_t) (cur / d64);
			r = cur % d64;
		}
	}
	else
	{
		/*
		 * The remainder stays below d < 2^128, but shifting it left can
		 * carry out of 128 bits; the carried bit means it is above d.
		 */
		for (int bit = BitLength(a) - 1; bit >= 0; bit--)
		{
			bool		carry = (r >> 127) != 0;

			r = (r << 1) | ((a->w[bit / 64] >> (bit % 64)) & 1);
			if (carry || r >= d)
			{
				r -= d;
				q.w[bit / 64] |= (uint64_t) 1 << (bit % 64);
			}
		}
	}
	if (rem)
		*rem = r;
	return q;
}

/*
 * Writes the decimal digits of a (no sign, no leading zeros, "0" for zero)
 * and a terminating NUL into buf, which must hold 79 bytes; returns the
 * number of digits.
 */
int
u256_to_digits(const U256 *a, char *buf)
{
	const uint64_t chunk = UINT64_C(10000000000000000000);	/* 10^19 */
	char		tmp[80];
	int			n = 0;
	U256		v = *a;

	do
	{
		u128		rem;
		uint64_t	part;

		v = u256_divmod_128(&v, chunk, &rem);
		part = (uint64_t) rem;
		for (int i = 0; i < 19; i++)
		{
			tmp[n++] = (char) ('0' + part % 10);
			part /= 10;
			if (part == 0 && u256_is_zero(&v))
				break;
		}
	} while (!u256_is_zero(&v));

	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/* r = a * m; false when the product does not fit 256 bits. */
bool
u256_mul_u128(U256 *r, const U256 *a, u128 m)
{
	uint64_t	m0 = (uint64_t) m,
				m1 = (uint64_t) (m >> 64);
	uint64_t	t[6] = {0, 0, 0, 0, 0, 0};

	/* schoolbook over 4 x 2 limbs into 6, then the top two must be zero */
	for (int j = 0; j < 2; j++)
	{
		uint64_t	mj = j == 0 ? m0 : m1;
		uint64_t	carry = 0;

		if (mj == 0)
			continue;
		for (int i = 0; i < 4; i++)
		{
			u128		p = (u128) a->w[i] * mj + t[i + j] + carry;

			t[i + j] = (uint64_t) p;
			carry = (uint64_t) (p >> 64);
		}
		t[4 + j] += carry;		/* t[4 + j] is still 0 or below 2^64 - carry */
	}
	for (int i = 0; i < 4; i++)
		r->w[i] = t[i];
	return (t[4] | t[5]) == 0;
}

/*
 * floor(a / d) and a mod d (into *rem when not NULL), for d > 0.
 *
 * A divisor of 128 bits or fewer goes to u256_divmod_128; a wider one (a
 * netflow of many large flows) divides bit by bit: its quotient has fewer
 * than 128 bits, and it is rare.
 */
U256
u256_divmod(const U256 *a, const U256 *d, U256 *rem)
{
	U256		q = {{0, 0, 0, 0}},
				r = {{0, 0, 0, 0}};

	if (u256_fits_u128(d))
	{
		u128		r128;

		q = u256_divmod_128(a, u256_low128(d), &r128);
		if (rem)
			*rem = u256_from_u128(r128);
		return q;
	}
	for (int bit = BitLength(a) - 1; bit >= 0; bit--)
	{
		/*
		 * Before the shift r <= a >> (bit + 1) < 2^255: unlike the
		 * 128-bit remainder of u256_divmod_128, this one never carries out.
		 */
		for (int i = 3; i > 0; i--)
			r.w[i] = (r.w[i] << 1) | (r.w[i - 1] >> 63);
		r.w[0] = (r.w[0] << 1) | ((a->w[bit / 64] >> (bit % 64)) & 1);
		if (u256_cmp(&r, d) >= 0)
		{
			u256_sub(&r, &r, d);
			q.w[bit / 64] |= (uint64_t) 1 << (bit % 64);
		}
	}
	if (rem)
		*rem = r;
	return q;
}

/* |a|, exact for every value (2^255 for -2^255). */
U256
i256_abs(const I256 *a)
{
	U256		r = {{a->w[0], a->w[1], a->w[2], a->w[3]}};

	if (i256_is_neg(a))
	{
		U256		zero = {{0, 0, 0, 0}};

		u256_sub(&r, &zero, &r);	/* 2^256 - a modulo 2^256 */
	}
	return r;
}

/* r = -abs or abs; false when that lies outside -2^255 .. 2^255 - 1. */
bool
i256_from_sign_abs(I256 *r, bool neg, const U256 *abs)
{
	U256		v = *abs;

	if (abs->w[3] >> 63)
	{
		/* only -2^255 has its top bit set */
		if (!neg || abs->w[3] != (UINT64_C(1) << 63) ||
			(abs->w[0] | abs->w[1] | abs->w[2]) != 0)
			return false;
	}
	else if (neg)
	{
		U256		zero = {{0, 0, 0, 0}};

		u256_sub(&v, &zero, &v);
	}
	for (int i = 0; i < 4; i++)
		r->w[i] = v.w[i];
	return true;
}

/*
 * r = a - abs (neg) or a + abs, for any abs below 2^256; false when the
 * exact result lies outside the signed range.  r may be a.
 */
bool
i256_add_abs(I256 *r, const I256 *a, bool neg, const U256 *abs)
{
	bool		aneg = i256_is_neg(a);
	U256		amag = i256_abs(a),
				sum;

	if (aneg == neg)
	{
		/* one sign: the magnitudes add */
		if (!u256_add(&sum, &amag, abs))
			return false;
		return i256_from_sign_abs(r, neg, &sum);
	}
	/* opposite signs: the larger magnitude wins */
	if (u256_cmp(&amag, abs) >= 0)
	{
		u256_sub(&sum, &amag, abs);
		return i256_from_sign_abs(r, aneg, &sum);
	}
	u256_sub(&sum, abs, &amag);
	return i256_from_sign_abs(r, neg, &sum);
}

/* r = a + b; false on overflow (r is then garbage). */
bool
i256_add(I256 *r, const I256 *a, const I256 *b)
{
	U256		ua = {{a->w[0], a->w[1], a->w[2], a->w[3]}},
				ub = {{b->w[0], b->w[1], b->w[2], b->w[3]}},
				us;
	bool		na = i256_is_neg(a);

	(void) u256_add(&us, &ua, &ub);	/* modulo 2^256 */
	for (int i = 0; i < 4; i++)
		r->w[i] = us.w[i];
	/* the sum of two numbers of one sign must keep that sign */
	return na != i256_is_neg(b) || na == i256_is_neg(r);
}

/* r = a - b; false on overflow (r is then garbage). */
bool
i256_sub(I256 *r, const I256 *a, const I256 *b)
{
	U256		ua = {{a->w[0], a->w[1], a->w[2], a->w[3]}},
				ub = {{b->w[0], b->w[1], b->w[2], b->w[3]}},
				ud;
	bool		na = i256_is_neg(a);

	u256_sub(&ud, &ua, &ub);	/* modulo 2^256 */
	for (int i = 0; i < 4; i++)
		r->w[i] = ud.w[i];
	/* a difference of two signs must keep the sign of a */
	return na == i256_is_neg(b) || na == i256_is_neg(r);
}

/*
 * floor(a / d), rounding toward minus infinity, for d > 0; *rem (when not
 * NULL) receives a - d * floor(a / d), which lies in 0 .. d - 1.
 */
I256
i256_floor_div_128(const I256 *a, u128 d, u128 *rem)
{
	U256		mag = i256_abs(a),
				q;
	u128		r;
	I256		out;

	q = u256_divmod_128(&mag, d, &r);
	if (i256_is_neg(a) && r != 0)
	{
		U256		one = u256_from_u128(1);

		(void) u256_add(&q, &q, &one);	/* q <= 2^255 / d: no carry */
		r = d - r;
	}
	/* |q| <= 2^255, so -q always fits and +q does for a >= 0 */
	(void) i256_from_sign_abs(&out, i256_is_neg(a), &q);
	if (rem)
		*rem = r;
	return out;
}

/*
 * Writes the decimal digits of a, with a leading '-' when negative, and a
 * terminating NUL into buf, which must hold 80 bytes; returns the length.
 */
int
i256_to_digits(const I256 *a, char *buf)
{
	U256		mag = i256_abs(a);

	if (i256_is_neg(a))
	{
		buf[0] = '-';
		return 1 + u256_to_digits(&mag, buf + 1);
	}
	return u256_to_digits(&mag, buf);
}
