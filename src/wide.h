/*
 * wide.h — exact unsigned integers of 128 and 256 bits.
 *
 * Money in flowstream is integers: balances and rates fit 127 bits, but the
 * snapshot debt is kept in 10^-24 token units so that a rate times a number
 * of microseconds is never rounded, and that needs up to 256 bits.  These
 * helpers are the only arithmetic the money paths use.  No PostgreSQL
 * dependency, so the core can be unit-tested, fuzzed and profiled alone.
 */
#ifndef FLOWSTREAM_WIDE_H
#define FLOWSTREAM_WIDE_H

#include <stdbool.h>
#include <stdint.h>

typedef unsigned __int128 u128;

/*
 * A 128-bit integer that may sit at an 8-byte aligned address: PostgreSQL
 * aligns fixed-size values to 8 bytes at most, and the compiler would
 * otherwise use 16-byte aligned loads for __int128 members.
 */
typedef unsigned __int128 u128_a8 __attribute__((aligned(8)));

#define U128_MAX	(~(u128) 0)
#define I127_MAX	(U128_MAX >> 1)		/* 2^127 - 1: the largest balance or rate */

/* An unsigned 256-bit integer, least significant limb first. */
typedef struct U256
{
	uint64_t	w[4];
} U256;

static inline U256
u256_from_u128(u128 v)
{
	U256		r = {{(uint64_t) v, (uint64_t) (v >> 64), 0, 0}};

	return r;
}

static inline bool
u256_is_zero(const U256 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static inline bool
u256_fits_u128(const U256 *a)
{
	return (a->w[2] | a->w[3]) == 0;
}

static inline u128
u256_low128(const U256 *a)
{
	return ((u128) a->w[1] << 64) | a->w[0];
}

static inline int
u256_cmp(const U256 *a, const U256 *b)
{
	for (int i = 3; i >= 0; i--)
	{
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

/* r = a + b; false when the sum does not fit 256 bits (r is then garbage). */
static inline bool
u256_add(U256 *r, const U256 *a, const U256 *b)
{
	uint64_t	carry = 0;

	for (int i = 0; i < 4; i++)
	{
		u128		s = (u128) a->w[i] + b->w[i] + carry;

		r->w[i] = (uint64_t) s;
		carry = (uint64_t) (s >> 64);
	}
	return carry == 0;
}

/* r = a - b, for a >= b. */
static inline void
u256_sub(U256 *r, const U256 *a, const U256 *b)
{
	uint64_t	borrow = 0;

	for (int i = 0; i < 4; i++)
	{
		u128		d = (u128) a->w[i] - b->w[i] - borrow;

		r->w[i] = (uint64_t) d;
		borrow = (uint64_t) (d >> 64) & 1;
	}
}

/* The exact 256-bit product of two 128-bit integers. */
static inline U256
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

/*
 * floor(x / d), given recip = floor((2^128 - 1) / d), d > 0: the high half of
 * x * recip is the quotient or at most two below it (recip is d's inverse
 * short by less than one unit in 2^128), and the remainder corrects it.  A
 * handful of multiplications where a 128-bit division would take a library
 * call; for divisors fixed in advance (flow_unit_scale).
 */
static inline u128
u128_div_recip(u128 x, u128 d, u128 recip)
{
	U256		product = u256_mul_128(x, recip);
	u128		q = ((u128) product.w[3] << 64) | product.w[2];
	u128		r = x - q * d;

	while (r >= d)
	{
		q++;
		r -= d;
	}
	return q;
}

extern bool u256_mul_u64(U256 *r, const U256 *a, uint64_t m);
extern U256 u256_divmod_128(const U256 *a, u128 d, u128 *rem);
extern int	u256_to_digits(const U256 *a, char *buf);
extern bool u256_mul_u128(U256 *r, const U256 *a, u128 m);
extern U256 u256_divmod(const U256 *a, const U256 *d, U256 *rem);

/*
 * A signed 256-bit integer: two's complement over the same limbs, from
 * -2^255 to 2^255 - 1.  Account balances and netflows (account.h) are
 * signed; everything else stays unsigned.
 */
typedef struct I256
{
	uint64_t	w[4];
} I256;

static inline bool
i256_is_neg(const I256 *a)
{
	return (a->w[3] >> 63) != 0;
}

static inline bool
i256_is_zero(const I256 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static inline I256
i256_from_u128(u128 v)
{
	I256		r = {{(uint64_t) v, (uint64_t) (v >> 64), 0, 0}};

	return r;
}

/* -1, 0 or 1 as a is negative, zero or positive. */
static inline int
i256_sign(const I256 *a)
{
	return i256_is_neg(a) ? -1 : i256_is_zero(a) ? 0 : 1;
}

/* Signed comparison: -1, 0 or 1. */
static inline int
i256_cmp(const I256 *a, const I256 *b)
{
	bool		na = i256_is_neg(a);

	if (na != i256_is_neg(b))
		return na ? -1 : 1;
	/* of one sign, two's complement orders like the unsigned limbs */
	for (int i = 3; i >= 0; i--)
	{
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

extern U256 i256_abs(const I256 *a);
extern bool i256_from_sign_abs(I256 *r, bool neg, const U256 *abs);
extern bool i256_add_abs(I256 *r, const I256 *a, bool neg, const U256 *abs);
extern bool i256_add(I256 *r, const I256 *a, const I256 *b);
extern bool i256_sub(I256 *r, const I256 *a, const I256 *b);
extern I256 i256_floor_div_128(const I256 *a, u128 d, u128 *rem);
extern int	i256_to_digits(const I256 *a, char *buf);

#endif							/* FLOWSTREAM_WIDE_H */
