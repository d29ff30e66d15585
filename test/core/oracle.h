/*
 * oracle.h — helpers shared by the core's unit test (flow_unit.c) and
 * property test (flow_property.c), and by nothing else.
 *
 * The oracle arithmetic is a deliberately naive schoolbook bignum over
 * 32-bit limbs, with 64-bit intermediates only: it shares no code and no
 * technique with wide.c (64-bit limbs, 128-bit intermediates), so the two
 * are unlikely to be wrong in the same way.  It is unsigned, fixed width
 * (BN_LIMBS * 32 bits), and every operation reports whether it overflowed.
 */
#ifndef FLOWSTREAM_TEST_ORACLE_H
#define FLOWSTREAM_TEST_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* ------------------------------------------------------------------ */
/* checks                                                              */
/* ------------------------------------------------------------------ */

static long checks_passed = 0;
static long checks_failed = 0;
static int	failures_printed = 0;
#define MAX_FAILURES_PRINTED 5

/* Counts a check; returns whether it passed and whether to print details. */
static inline bool
check_count(bool ok)
{
	if (ok)
		checks_passed++;
	else
		checks_failed++;
	return ok;
}

/* ------------------------------------------------------------------ */
/* a seeded pseudo-random generator (splitmix64)                       */
/* ------------------------------------------------------------------ */

static uint64_t rng_state = 0x0123456789abcdefULL;

static inline uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) for n > 0 (the bias is irrelevant here) */
static inline uint64_t
rng_below(uint64_t n)
{
	return n == 0 ? 0 : rng_next() % n;
}

/* uniform in [lo, hi], lo <= hi, over the whole int64 range */
static inline int64_t
rng_range(int64_t lo, int64_t hi)
{
	uint64_t	span = (uint64_t) hi - (uint64_t) lo;

	if (span == UINT64_MAX)
		return (int64_t) rng_next();
	return (int64_t) ((uint64_t) lo + rng_below(span + 1));
}

/* true with probability p percent */
static inline bool
rng_pct(int p)
{
	return (int) rng_below(100) < p;
}

static inline u128
rng_u128(void)
{
	return ((u128) rng_next() << 64) | rng_next();
}

/* a random value of exactly `bits` bits (0 gives 0) */
static inline u128
rng_bits128(int bits)
{
	u128		v;

	if (bits <= 0)
		return 0;
	v = rng_u128();
	if (bits < 128)
		v &= (((u128) 1) << bits) - 1;
	return v | ((u128) 1 << (bits - 1));
}

/* a random u128 in [0, n] */
static inline u128
rng_u128_upto(u128 n)
{
	if (n == ~(u128) 0)
		return rng_u128();
	return rng_u128() % (n + 1);
}

/* ------------------------------------------------------------------ */
/* the oracle bignum                                                   */
/* ------------------------------------------------------------------ */

#define BN_LIMBS 12				/* 384 bits */

typedef struct BN
{
	uint32_t	l[BN_LIMBS];	/* least significant first */
} BN;

static inline BN
bn_zero(void)
{
	BN			r;

	memset(&r, 0, sizeof(r));
	return r;
}

static inline BN
bn_u64(uint64_t v)
{
	BN			r = bn_zero();

	r.l[0] = (uint32_t) (v & 0xffffffffu);
	r.l[1] = (uint32_t) (v >> 32);
	return r;
}

static inline BN
bn_u128(u128 v)
{
	BN			r = bn_zero();

	for (int i = 0; i < 4; i++)
	{
		r.l[i] = (uint32_t) (v & 0xffffffffu);
		v >>= 32;
	}
	return r;
}

static inline BN
bn_from_u256(const U256 *a)
{
	BN			r = bn_zero();

	for (int i = 0; i < 4; i++)
	{
		r.l[2 * i] = (uint32_t) (a->w[i] & 0xffffffffu);
		r.l[2 * i + 1] = (uint32_t) (a->w[i] >> 32);
	}
	return r;
}

static inline bool
bn_is_zero(const BN *a)
{
	for (int i = 0; i < BN_LIMBS; i++)
		if (a->l[i])
			return false;
	return true;
}

static inline int
bn_bitlen(const BN *a)
{
	for (int i = BN_LIMBS - 1; i >= 0; i--)
	{
		if (a->l[i])
		{
			int			b = 32;

			while (!((a->l[i] >> (b - 1)) & 1))
				b--;
			return i * 32 + b;
		}
	}
	return 0;
}

static inline bool
bn_fits_bits(const BN *a, int bits)
{
	return bn_bitlen(a) <= bits;
}

/* whether a fits 256 bits; then *out receives it */
static inline bool
bn_to_u256(const BN *a, U256 *out)
{
	if (!bn_fits_bits(a, 256))
		return false;
	for (int i = 0; i < 4; i++)
		out->w[i] = ((uint64_t) a->l[2 * i + 1] << 32) | a->l[2 * i];
	return true;
}

/* the low 128 bits */
static inline u128
bn_low128(const BN *a)
{
	u128		v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 32) | a->l[i];
	return v;
}

static inline int
bn_cmp(const BN *a, const BN *b)
{
	for (int i = BN_LIMBS - 1; i >= 0; i--)
	{
		if (a->l[i] != b->l[i])
			return a->l[i] < b->l[i] ? -1 : 1;
	}
	return 0;
}

static inline bool
bn_eq(const BN *a, const BN *b)
{
	return bn_cmp(a, b) == 0;
}

/* r = a + b; returns the carry out of BN_LIMBS limbs */
static inline int
bn_add(BN *r, const BN *a, const BN *b)
{
	uint64_t	c = 0;

	for (int i = 0; i < BN_LIMBS; i++)
	{
		uint64_t	s = (uint64_t) a->l[i] + b->l[i] + c;

		r->l[i] = (uint32_t) (s & 0xffffffffu);
		c = s >> 32;
	}
	return (int) c;
}

/* r = a - b; returns the borrow (1 when a < b) */
static inline int
bn_sub(BN *r, const BN *a, const BN *b)
{
	int64_t		br = 0;

	for (int i = 0; i < BN_LIMBS; i++)
	{
		int64_t		d = (int64_t) a->l[i] - (int64_t) b->l[i] - br;

		if (d < 0)
		{
			d += (int64_t) 1 << 32;
			br = 1;
		}
		else
			br = 0;
		r->l[i] = (uint32_t) d;
	}
	return (int) br;
}

/* r = a * b; returns whether the product was truncated */
static inline bool
bn_mul(BN *r, const BN *a, const BN *b)
{
	uint32_t	t[2 * BN_LIMBS];
	bool		over = false;

	memset(t, 0, sizeof(t));
	for (int i = 0; i < BN_LIMBS; i++)
	{
		uint64_t	c = 0;

		if (a->l[i] == 0)
			continue;
		for (int j = 0; j < BN_LIMBS; j++)
		{
			uint64_t	p = (uint64_t) a->l[i] * b->l[j] + t[i + j] + c;

			t[i + j] = (uint32_t) (p & 0xffffffffu);
			c = p >> 32;
		}
		t[i + BN_LIMBS] = (uint32_t) c;
	}
	for (int i = BN_LIMBS; i < 2 * BN_LIMBS; i++)
		if (t[i])
			over = true;
	memcpy(r->l, t, sizeof(r->l));
	return over;
}

/* r = a * m for a small m; returns the carry out */
static inline uint32_t
bn_mul_small(BN *r, const BN *a, uint32_t m)
{
	uint64_t	c = 0;

	for (int i = 0; i < BN_LIMBS; i++)
	{
		uint64_t	p = (uint64_t) a->l[i] * m + c;

		r->l[i] = (uint32_t) (p & 0xffffffffu);
		c = p >> 32;
	}
	return (uint32_t) c;
}

/* q = a / d, returns a % d, for a small d > 0 */
static inline uint32_t
bn_div_small(BN *q, const BN *a, uint32_t d)
{
	uint64_t	r = 0;

	for (int i = BN_LIMBS - 1; i >= 0; i--)
	{
		uint64_t	cur = (r << 32) | a->l[i];

		q->l[i] = (uint32_t) (cur / d);
		r = cur % d;
	}
	return (uint32_t) r;
}

/* q = floor(a / 10^k), k >= 0 */
static inline BN
bn_div_pow10(const BN *a, int k)
{
	BN			q = *a;

	while (k >= 9)
	{
		bn_div_small(&q, &q, 1000000000u);
		k -= 9;
	}
	if (k > 0)
	{
		uint32_t	d = 1;

		while (k-- > 0)
			d *= 10;
		bn_div_small(&q, &q, d);
	}
	return q;
}

static inline BN
bn_pow10(int k)
{
	BN			r = bn_u64(1);

	for (int i = 0; i < k; i++)
		bn_mul_small(&r, &r, 10);
	return r;
}

static inline int
bn_bit(const BN *a, int i)
{
	return (a->l[i / 32] >> (i % 32)) & 1;
}

/* r = a << 1 */
static inline void
bn_shl1(BN *r, const BN *a)
{
	uint32_t	c = 0;

	for (int i = 0; i < BN_LIMBS; i++)
	{
		uint32_t	n = a->l[i] >> 31;

		r->l[i] = (a->l[i] << 1) | c;
		c = n;
	}
}

/* q = a / d, r = a % d by binary long division; d > 0 */
static inline void
bn_divmod(BN *q, BN *r, const BN *a, const BN *d)
{
	BN			qq = bn_zero(),
				rr = bn_zero();

	for (int i = bn_bitlen(a) - 1; i >= 0; i--)
	{
		bn_shl1(&rr, &rr);
		rr.l[0] |= (uint32_t) bn_bit(a, i);
		if (bn_cmp(&rr, d) >= 0)
		{
			bn_sub(&rr, &rr, d);
			qq.l[i / 32] |= (uint32_t) 1 << (i % 32);
		}
	}
	if (q)
		*q = qq;
	if (r)
		*r = rr;
}

/* the decimal digits of a into buf (at least 120 bytes) */
static inline void
bn_to_dec(const BN *a, char *buf)
{
	char		tmp[130];
	int			n = 0;
	BN			v = *a;

	do
	{
		tmp[n++] = (char) ('0' + bn_div_small(&v, &v, 10));
	} while (!bn_is_zero(&v));
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

/* a / 10^scale written as a plain decimal, all `scale` fractional digits kept */
static inline void
bn_to_dec_scaled(const BN *a, int scale, char *buf)
{
	char		d[130];
	int			n,
				len = 0;

	bn_to_dec(a, d);
	n = (int) strlen(d);
	if (n <= scale)
	{
		buf[len++] = '0';
		if (scale > 0)
		{
			buf[len++] = '.';
			for (int i = 0; i < scale - n; i++)
				buf[len++] = '0';
			memcpy(buf + len, d, n);
			len += n;
		}
	}
	else
	{
		memcpy(buf, d, n - scale);
		len = n - scale;
		if (scale > 0)
		{
			buf[len++] = '.';
			memcpy(buf + len, d + n - scale, scale);
			len += scale;
		}
	}
	buf[len] = '\0';
}

/* parses a string of decimal digits; false on anything else or overflow */
static inline bool
bn_from_dec(const char *s, BN *out)
{
	BN			v = bn_zero();

	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		BN			dig;

		if (*s < '0' || *s > '9')
			return false;
		if (bn_mul_small(&v, &v, 10) != 0)
			return false;
		dig = bn_u64((uint64_t) (*s - '0'));
		if (bn_add(&v, &v, &dig))
			return false;
	}
	*out = v;
	return true;
}

static inline BN
bn_min(const BN *a, const BN *b)
{
	return bn_cmp(a, b) <= 0 ? *a : *b;
}

/* a printable u128 */
static inline const char *
u128_str(u128 v, char *buf)
{
	BN			b = bn_u128(v);

	bn_to_dec(&b, buf);
	return buf;
}

static inline const char *
u256_str(const U256 *v, char *buf)
{
	BN			b = bn_from_u256(v);

	bn_to_dec(&b, buf);
	return buf;
}

/* ------------------------------------------------------------------ */
/* signed oracle numbers: a sign and a magnitude                       */
/* ------------------------------------------------------------------ */

/*
 * Sign and magnitude over the oracle bignum, where wide.c's I256 is two's
 * complement: again a different technique.  Zero is never negative.  The
 * values of the tests stay far below 2^384; an overflow aborts.
 */
typedef struct SBN
{
	bool		neg;
	BN			mag;
} SBN;

static inline SBN
sbn_make(bool neg, const BN *mag)
{
	SBN			r;

	r.mag = *mag;
	r.neg = neg && !bn_is_zero(mag);
	return r;
}

static inline SBN
sbn_zero(void)
{
	BN			z = bn_zero();

	return sbn_make(false, &z);
}

static inline SBN
sbn_u128(u128 v)
{
	BN			m = bn_u128(v);

	return sbn_make(false, &m);
}

static inline SBN
sbn_i64(int64_t v)
{
	/* the magnitude of INT64_MIN is 2^63, which uint64_t holds */
	uint64_t	m = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
	BN			b = bn_u64(m);

	return sbn_make(v < 0, &b);
}

static inline SBN
sbn_neg(const SBN *a)
{
	return sbn_make(!a->neg, &a->mag);
}

static inline bool
sbn_is_zero(const SBN *a)
{
	return bn_is_zero(&a->mag);
}

static inline int
sbn_cmp(const SBN *a, const SBN *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	return a->neg ? bn_cmp(&b->mag, &a->mag) : bn_cmp(&a->mag, &b->mag);
}

static inline bool
sbn_eq(const SBN *a, const SBN *b)
{
	return sbn_cmp(a, b) == 0;
}

static inline SBN
sbn_add(const SBN *a, const SBN *b)
{
	BN			m;

	if (a->neg == b->neg)
	{
		if (bn_add(&m, &a->mag, &b->mag))
			abort();
		return sbn_make(a->neg, &m);
	}
	if (bn_cmp(&a->mag, &b->mag) >= 0)
	{
		bn_sub(&m, &a->mag, &b->mag);
		return sbn_make(a->neg, &m);
	}
	bn_sub(&m, &b->mag, &a->mag);
	return sbn_make(b->neg, &m);
}

static inline SBN
sbn_sub(const SBN *a, const SBN *b)
{
	SBN			nb = sbn_neg(b);

	return sbn_add(a, &nb);
}

static inline SBN
sbn_mul(const SBN *a, const SBN *b)
{
	BN			m;

	if (bn_mul(&m, &a->mag, &b->mag))
		abort();
	return sbn_make(a->neg != b->neg, &m);
}

/* floor(a / d), toward minus infinity, for d > 0 */
static inline SBN
sbn_floor_div(const SBN *a, const BN *d)
{
	BN			q,
				r,
				one = bn_u64(1);

	bn_divmod(&q, &r, &a->mag, d);
	if (a->neg && !bn_is_zero(&r))
		bn_add(&q, &q, &one);
	return sbn_make(a->neg, &q);
}

/* floor(a / 10^k), toward minus infinity: by chunks, no long division */
static inline SBN
sbn_floor_div_pow10(const SBN *a, int k)
{
	BN			q = bn_div_pow10(&a->mag, k),
				back,
				p = bn_pow10(k),
				one = bn_u64(1);

	bn_mul(&back, &q, &p);
	if (a->neg && !bn_eq(&back, &a->mag))
		bn_add(&q, &q, &one);
	return sbn_make(a->neg, &q);
}

/* whether -2^255 <= a <= 2^255 - 1 */
static inline bool
sbn_fits_i256(const SBN *a)
{
	BN			lim = bn_zero();

	lim.l[7] = 0x80000000u;		/* 2^255 */
	return a->neg ? bn_cmp(&a->mag, &lim) <= 0 : bn_cmp(&a->mag, &lim) < 0;
}

/* the value of an I256 (two's complement), read limb by limb */
static inline SBN
sbn_from_i256(const I256 *v)
{
	BN			m = bn_zero();
	bool		neg = (v->w[3] >> 63) != 0;

	for (int i = 0; i < 4; i++)
	{
		m.l[2 * i] = (uint32_t) (v->w[i] & 0xffffffffu);
		m.l[2 * i + 1] = (uint32_t) (v->w[i] >> 32);
	}
	if (neg)
	{
		/* the magnitude is 2^256 - v */
		BN			two256 = bn_zero();

		two256.l[8] = 1;
		bn_sub(&m, &two256, &m);
	}
	return sbn_make(neg, &m);
}

/* a as an I256 when it fits */
static inline bool
sbn_to_i256(const SBN *a, I256 *out)
{
	BN			m = a->mag;

	if (!sbn_fits_i256(a))
		return false;
	if (a->neg)
	{
		BN			two256 = bn_zero();

		two256.l[8] = 1;
		bn_sub(&m, &two256, &m);
	}
	for (int i = 0; i < 4; i++)
		out->w[i] = ((uint64_t) m.l[2 * i + 1] << 32) | m.l[2 * i];
	return true;
}

static inline const char *
sbn_str(const SBN *a, char *buf)
{
	if (a->neg)
	{
		buf[0] = '-';
		bn_to_dec(&a->mag, buf + 1);
	}
	else
		bn_to_dec(&a->mag, buf);
	return buf;
}

/* ------------------------------------------------------------------ */
/* TAP: one line per named test, each test a group of checks           */
/* ------------------------------------------------------------------ */

static int	tap_count = 0;
static int	tap_failed = 0;
static int	tap_planned = -1;
static long tap_failed_before = 0;

/*
 * The plan, first: a program that stops halfway leaves its unrun tests
 * counted as failures by the harness.
 */
static inline void
tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Starts a named test: the checks counted until tap_end belong to it. */
static inline void
tap_begin(void)
{
	tap_failed_before = checks_failed;
}

/* Ends a test: "ok N - name" when none of its checks failed. */
static inline bool
tap_end(const char *name)
{
	bool		ok = checks_failed == tap_failed_before;

	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", tap_count, name);
	fflush(stdout);
	return ok;
}

/* The exit status; a test planned and not run is a failure. */
static inline int
tap_done(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_count);
	else if (tap_count != tap_planned)
	{
		printf("# planned %d tests, ran %d\n", tap_planned, tap_count);
		return 1;
	}
	return tap_failed > 0 ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* the core's operations behind one entry point                        */
/* ------------------------------------------------------------------ */

enum
{
	OP_DEPOSIT, OP_WITHDRAW, OP_REFUND, OP_PAUSE, OP_RESTART, OP_ADJUST,
	OP_VOID, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"deposit", "withdraw", "refund", "pause", "restart", "adjust_rate", "void"
};

static inline FlowAmount
amt(u128 units)
{
	FlowAmount	a = {FLOW_OK, units};

	return a;
}

static inline FlowAmount
amt_err(FlowError e)
{
	FlowAmount	a = {e, 0};

	return a;
}

static inline FlowError
apply_op(FlowState *s, int op, const FlowAmount *a, int64_t t, U256 *written_off)
{
	switch (op)
	{
		case OP_DEPOSIT:
			return flow_deposit(s, a, t);
		case OP_WITHDRAW:
			return flow_withdraw(s, a, t);
		case OP_REFUND:
			return flow_refund(s, a, t);
		case OP_PAUSE:
			return flow_pause(s, t);
		case OP_RESTART:
			return flow_restart(s, a, t);
		case OP_ADJUST:
			return flow_adjust_rate(s, a, t);
		case OP_VOID:
			return flow_void(s, t, written_off);
	}
	abort();
}

static const char *const err_names[] = {
	"FLOW_OK", "FLOW_ERR_VOIDED", "FLOW_ERR_PAUSED", "FLOW_ERR_NOT_PAUSED",
	"FLOW_ERR_PENDING", "FLOW_ERR_OVERDRAW", "FLOW_ERR_OVERREFUND",
	"FLOW_ERR_SAME_RATE", "FLOW_ERR_TIME_ORDER", "FLOW_ERR_NOT_POSITIVE",
	"FLOW_ERR_PRECISION", "FLOW_ERR_NOT_A_NUMBER", "FLOW_ERR_DECIMALS",
	"FLOW_ERR_TIME_RANGE", "FLOW_ERR_FUTURE_PAUSED", "FLOW_ERR_OVERFLOW",
	"FLOW_ERR_ENDED", "FLOW_ERR_END", "FLOW_ERR_TOO_SMALL",
	"FLOW_ERR_UNAVAILABLE", "FLOW_ERR_SAME_ACCOUNT", "FLOW_ERR_TOKEN_MISMATCH",
	"FLOW_ERR_BUFFER_POLICY", "FLOW_ERR_FLOW_CLOSED", "FLOW_ERR_NOT_CRITICAL", "FLOW_ERR_CRITICAL"
};

static inline const char *
err_name(int e)
{
	if (e < 0 || e >= (int) (sizeof(err_names) / sizeof(err_names[0])))
		return "?";
	return err_names[e];
}

static const char *const status_names[] = {
	"pending", "streaming_solvent", "streaming_insolvent", "paused_solvent",
	"paused_insolvent", "voided", "ended_solvent", "ended_insolvent"
};

static inline const char *
status_name(int st)
{
	if (st < 0 || st > 7)
		return "?";
	return status_names[st];
}

/* ------------------------------------------------------------------ */
/* an independent calendar: days from 0001-01-01, year by year rules  */
/* ------------------------------------------------------------------ */

#define ORACLE_USECS_PER_DAY INT64_C(86400000000)
#define ORACLE_DAYS_0001_TO_2000 INT64_C(730119)

static inline bool
oracle_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* days from 0001-01-01 to y-01-01 */
static inline int64_t
oracle_days_before_year(int64_t y)
{
	int64_t		p = y - 1;

	return 365 * p + p / 4 - p / 100 + p / 400;
}

static inline int
oracle_month_len(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && oracle_leap(y) ? 29 : len[m - 1];
}

/* microseconds since 2000-01-01 of a civil UTC time */
static inline int64_t
oracle_time(int64_t y, int mo, int d, int h, int mi, int s, int us)
{
	int64_t		days = oracle_days_before_year(y) - ORACLE_DAYS_0001_TO_2000;

	for (int m = 1; m < mo; m++)
		days += oracle_month_len(y, m);
	days += d - 1;
	return days * ORACLE_USECS_PER_DAY +
		(((int64_t) h * 60 + mi) * 60 + s) * INT64_C(1000000) + us;
}

/* the canonical text of t, found by search rather than by formula */
static inline void
oracle_format_time(int64_t t, char *buf)
{
	uint64_t	rel = (uint64_t) t - (uint64_t) FLOW_TIME_MIN;	/* >= 0; may exceed INT64_MAX */
	int64_t		days = (int64_t) (rel / (uint64_t) ORACLE_USECS_PER_DAY);
	int64_t		us = (int64_t) (rel % (uint64_t) ORACLE_USECS_PER_DAY);
	int64_t		lo = 1,
				hi = 300000,
				y;
	int			m = 1,
				len;

	/* the largest y with days_before_year(y) <= days */
	while (lo < hi)
	{
		int64_t		mid = (lo + hi + 1) / 2;

		if (oracle_days_before_year(mid) <= days)
			lo = mid;
		else
			hi = mid - 1;
	}
	y = lo;
	days -= oracle_days_before_year(y);
	while (days >= oracle_month_len(y, m))
		days -= oracle_month_len(y, m++);
	len = sprintf(buf, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long) y, m,
				  (int) days + 1, (int) (us / 3600000000LL),
				  (int) (us / 60000000LL % 60), (int) (us / 1000000 % 60));
	if (us % 1000000)
	{
		len += sprintf(buf + len, ".%06d", (int) (us % 1000000));
		while (buf[len - 1] == '0')
			len--;
	}
	buf[len++] = 'Z';
	buf[len] = '\0';
}

#endif							/* FLOWSTREAM_TEST_ORACLE_H */
