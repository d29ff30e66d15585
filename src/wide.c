/*
 * wide.c — multiplication, division and decimal digits of 256-bit integers.
 *
 * The fast paths of the money code stay in 128 bits; these are the exact
 * fallbacks for the values that do not fit.
 */
#include "wide.h"

/* The exact 256-bit product of two 128-bit integers. */
U256
u256_mul_128(u128 a, u128 b)
{
	uint64_t	a0 = (uint64_t) a,
				a1 = (uint64_t) (a >> 64),
				b0 = (uint64_t) b,
				b1 = (uint64_t) (b >> 64);
	u128		p00 = (u128) a0 * b0,
				p01 = (u128) a0 * b1,
				p10 = (u128) a1 * b0,
				p11 = (u128) a1 * b1;
	u128		mid = (p00 >> 64) + (uint64_t) p01 + (uint64_t) p10;
	u128		high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
	U256		r;

	r.w[0] = (uint64_t) p00;
	r.w[1] = (uint64_t) mid;
	r.w[2] = (uint64_t) high;
	r.w[3] = (uint64_t) (high >> 64);
	return r;
}

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
