/*
 * account_unit.c — deterministic unit tests of accounts and flows
 * (account.c) and of the signed and wider integers they use (wide.c),
 * without PostgreSQL.
 *
 * Every expected value is written here by hand, with the reasoning in a
 * comment, or computed by the independent sign-and-magnitude bignum of
 * oracle.h.  Output is TAP: one "ok N - name" or "not ok N - name" line per
 * test (a test is a group of checks; the failing checks are printed as "#"
 * comments above it), after the plan "1..N".  Exits non-zero on a failure.
 */
#include "account.h"
#include "oracle.h"

#define MAX_UNIT_FAILURES_PRINTED 60

#define CHECK(cond, ...) \
	do { \
		if (!check_count(cond) && failures_printed++ < MAX_UNIT_FAILURES_PRINTED) \
		{ \
			printf("# FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			putchar('\n'); \
		} \
	} while (0)

#define P2(n)	(((u128) 1) << (n))
#define SEC		INT64_C(1000000)
#define HOUR	(INT64_C(3600) * SEC)
#define DAY		(INT64_C(86400) * SEC)

static int64_t T0;				/* 2026-01-01T00:00:00Z */
static char sb1[200], sb2[200], sb3[200];

static const AccountPolicy NO_BUFFER = {0, 0};
static const AccountPolicy DFLOW = {3600 * SEC, 0};	/* one hour of the flow */

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static u128
pow10u(int k)
{
	u128		r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

/* n whole tokens in base units */
static u128
tokens(int dec, u128 n)
{
	return n * pow10u(dec);
}

/* a signed decimal literal */
static SBN
sdec(const char *s)
{
	BN			m;
	bool		neg = *s == '-';

	if (!bn_from_dec(neg ? s + 1 : s, &m))
		abort();
	return sbn_make(neg, &m);
}

/* n tokens (n may be negative) in base units, as a signed oracle number */
static SBN
stok(int dec, int64_t n)
{
	SBN			v = sbn_i64(n),
				scale = sbn_u128(pow10u(dec));

	return sbn_mul(&v, &scale);
}

static I256
i256_of(const SBN *v)
{
	I256		r;

	if (!sbn_to_i256(v, &r))
		abort();
	return r;
}

static U256
u256_of_bn(const BN *b)
{
	U256		r;

	if (!bn_to_u256(b, &r))
		abort();
	return r;
}

static bool
u256_eq(const U256 *a, const U256 *b)
{
	return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

static Account
fresh(int dec)
{
	Account		a;

	if (account_init(&a, dec) != FLOW_OK)
		abort();
	return a;
}

/* a literal account state */
static Account
literal(int dec, const SBN *stat, const SBN *netflow, const U256 *buffer, int64_t at)
{
	Account		a = fresh(dec);

	a.static_balance = i256_of(stat);
	a.netflow = i256_of(netflow);
	a.buffer = *buffer;
	a.settled_at = at;
	a.last = at;
	return a;
}

/* the exact balance at t, 10^-24 tokens (zero after a failed check) */
static SBN
exact_at(const Account *a, int64_t t)
{
	I256		v;
	FlowError	e = account_balance(a, t, &v);

	CHECK(e == FLOW_OK, "account_balance at %lld: %s", (long long) t, err_name(e));
	return e == FLOW_OK ? sbn_from_i256(&v) : sbn_zero();
}

/*
 * Checks the balance and the available balance at t in base units, and
 * that the balance is the floor of the exact balance.
 */
static void
expect_view(const Account *a, int64_t t, SBN bal, SBN avail, const char *what)
{
	I256		b,
				v;
	FlowError	e1 = account_balance_units(a, t, &b),
				e2 = account_available(a, t, &v);
	SBN			gb = sbn_from_i256(&b),
				gv = sbn_from_i256(&v),
				ex = exact_at(a, t),
				fl = sbn_floor_div_pow10(&ex, 24 - a->decimals);

	CHECK(e1 == FLOW_OK && sbn_eq(&gb, &bal), "%s: balance %s %s, want %s", what, err_name(e1),
		  sbn_str(&gb, sb1), sbn_str(&bal, sb2));
	CHECK(e2 == FLOW_OK && sbn_eq(&gv, &avail), "%s: available %s %s, want %s", what, err_name(e2),
		  sbn_str(&gv, sb1), sbn_str(&avail, sb2));
	CHECK(sbn_eq(&fl, &gb), "%s: balance %s is not floor(exact %s)", what, sbn_str(&gb, sb1),
		  sbn_str(&ex, sb2));
}

/* the same, in whole tokens */
static void
expect_tokens(const Account *a, int64_t t, int64_t bal, int64_t avail, const char *what)
{
	expect_view(a, t, stok(a->decimals, bal), stok(a->decimals, avail), what);
}

static void
expect_exact(const Account *a, int64_t t, const SBN *want, const char *what)
{
	SBN			got = exact_at(a, t);

	CHECK(sbn_eq(&got, want), "%s: exact balance %s, want %s", what, sbn_str(&got, sb1),
		  sbn_str(want, sb2));
}

static void
expect_netflow(const Account *a, const SBN *want, const char *what)
{
	SBN			got = sbn_from_i256(&a->netflow);

	CHECK(sbn_eq(&got, want), "%s: netflow %s, want %s", what, sbn_str(&got, sb1), sbn_str(want, sb2));
}

static void
expect_buffer(const Account *a, u128 want, const char *what)
{
	U256		w = u256_from_u128(want);

	CHECK(u256_eq(&a->buffer, &w), "%s: buffer %s, want %s", what, u256_str(&a->buffer, sb1),
		  u128_str(want, sb2));
}

/* after a successful operation at t the account is settled at t */
static void
expect_settled(const Account *a, int64_t t, const char *what)
{
	CHECK(a->settled_at == t && a->last == t, "%s: settled_at %lld, last %lld, want %lld", what,
		  (long long) a->settled_at, (long long) a->last, (long long) t);
	CHECK(account_state_problem(a) == NULL, "%s: %s", what, account_state_problem(a));
}

/* The change of one account's exact balance at t across an operation. */
static SBN
moved(const Account *before, const Account *after, int64_t t)
{
	SBN			b = exact_at(before, t),
				a = exact_at(after, t);

	return sbn_sub(&a, &b);
}

/*
 * The operations, each checked for its error, for no change on error,
 * and on success for the settlement and the amounts moved at t.
 */
static FlowError
do_deposit(Account *a, FlowAmount x, int64_t t, FlowError want, const char *what)
{
	Account		before;
	FlowError	e;

	memcpy(&before, a, sizeof(before));
	e = account_deposit(a, &x, t);
	CHECK(e == want, "%s: deposit returned %s, want %s", what, err_name(e), err_name(want));
	if (e != FLOW_OK)
		CHECK(memcmp(&before, a, sizeof(before)) == 0, "%s: a failed deposit changed the account", what);
	else
	{
		SBN			d = moved(&before, a, t),
					w = sbn_u128(x.units),
					u = sbn_u128(flow_unit_scale[a->decimals]);

		w = sbn_mul(&w, &u);
		CHECK(sbn_eq(&d, &w), "%s: deposit moved %s", what, sbn_str(&d, sb1));
		expect_settled(a, t, what);
	}
	return e;
}

static FlowError
do_withdraw(Account *a, FlowAmount x, int64_t t, FlowError want, const char *what)
{
	Account		before;
	FlowError	e;

	memcpy(&before, a, sizeof(before));
	e = account_withdraw(a, &x, t);
	CHECK(e == want, "%s: withdraw returned %s, want %s", what, err_name(e), err_name(want));
	if (e != FLOW_OK)
		CHECK(memcmp(&before, a, sizeof(before)) == 0, "%s: a failed withdraw changed the account", what);
	else
	{
		SBN			d = moved(&before, a, t),
					w = sbn_u128(x.units),
					u = sbn_u128(flow_unit_scale[a->decimals]);

		w = sbn_mul(&w, &u);
		w = sbn_neg(&w);
		CHECK(sbn_eq(&d, &w), "%s: withdraw moved %s", what, sbn_str(&d, sb1));
		expect_settled(a, t, what);
	}
	return e;
}

static FlowError
do_transfer(Account *from, Account *to, FlowAmount x, int64_t t, FlowError want, const char *what)
{
	Account		bf,
				bt;
	FlowError	e;

	memcpy(&bf, from, sizeof(bf));
	memcpy(&bt, to, sizeof(bt));
	e = account_transfer(from, to, &x, t);
	CHECK(e == want, "%s: transfer returned %s, want %s", what, err_name(e), err_name(want));
	if (e != FLOW_OK)
		CHECK(memcmp(&bf, from, sizeof(bf)) == 0 && memcmp(&bt, to, sizeof(bt)) == 0,
			  "%s: a failed transfer changed an account", what);
	else
	{
		SBN			df = moved(&bf, from, t),
					dt = moved(&bt, to, t),
					w = sbn_u128(x.units),
					u = sbn_u128(flow_unit_scale[from->decimals]),
					nw;

		w = sbn_mul(&w, &u);
		nw = sbn_neg(&w);
		CHECK(sbn_eq(&df, &nw) && sbn_eq(&dt, &w), "%s: transfer moved %s and %s", what,
			  sbn_str(&df, sb1), sbn_str(&dt, sb2));
		expect_settled(from, t, what);
		expect_settled(to, t, what);
	}
	return e;
}

/* after a flow operation: both settled at t, balances unchanged at t, netflows moved by d */
static void
check_flow_op(const Account *bs, const Account *br, const Account *s, const Account *r,
			  const SBN *d, int64_t t, const char *what)
{
	SBN			ms = moved(bs, s, t),
				mr = moved(br, r, t),
				ns = sbn_from_i256(&s->netflow),
				nr = sbn_from_i256(&r->netflow),
				os = sbn_from_i256(&bs->netflow),
				orr = sbn_from_i256(&br->netflow),
				ws = sbn_sub(&os, d),
				wr = sbn_add(&orr, d);

	CHECK(sbn_is_zero(&ms) && sbn_is_zero(&mr), "%s: a flow operation moved money at t: %s, %s",
		  what, sbn_str(&ms, sb1), sbn_str(&mr, sb2));
	CHECK(sbn_eq(&ns, &ws) && sbn_eq(&nr, &wr), "%s: netflows %s, %s, want %s, %s", what,
		  sbn_str(&ns, sb1), sbn_str(&nr, sb2), sbn_str(&ws, sb3), sbn_str(&wr, sb3));
	expect_settled(s, t, what);
	expect_settled(r, t, what);
}

#define SAVE3() \
	Account		bs, br; \
	AccountFlow bf; \
	memcpy(&bs, s, sizeof(bs)); \
	memcpy(&br, r, sizeof(br)); \
	memcpy(&bf, f, sizeof(bf))

#define UNCHANGED3() \
	(memcmp(&bs, s, sizeof(bs)) == 0 && memcmp(&br, r, sizeof(br)) == 0 && \
	 memcmp(&bf, f, sizeof(bf)) == 0)

static FlowError
do_open(Account *s, Account *r, AccountFlow *f, FlowAmount rate, const AccountPolicy *p,
		int64_t t, FlowError want, const char *what)
{
	FlowError	e;
	SAVE3();

	e = account_flow_open(s, r, f, &rate, p, t);
	CHECK(e == want, "%s: open returned %s, want %s", what, err_name(e), err_name(want));
	if (e != FLOW_OK)
		CHECK(UNCHANGED3(), "%s: a failed open changed something", what);
	else
	{
		SBN			d = sbn_u128(rate.units);
		U256		sum;

		check_flow_op(&bs, &br, s, r, &d, t, what);
		CHECK(f->rate == rate.units, "%s: flow rate", what);
		(void) u256_add(&sum, &bs.buffer, &f->buffer);
		CHECK(u256_eq(&sum, &s->buffer), "%s: the sender's buffer grew by the flow's", what);
	}
	return e;
}

static FlowError
do_update(Account *s, Account *r, AccountFlow *f, FlowAmount rate, const AccountPolicy *p,
		  int64_t t, FlowError want, const char *what)
{
	FlowError	e;
	SAVE3();

	e = account_flow_update(s, r, f, &rate, p, t);
	CHECK(e == want, "%s: update returned %s, want %s", what, err_name(e), err_name(want));
	if (e != FLOW_OK)
		CHECK(UNCHANGED3(), "%s: a failed update changed something", what);
	else
	{
		SBN			nr = sbn_u128(rate.units),
					orate = sbn_u128(bf.rate),
					d = sbn_sub(&nr, &orate);
		U256		a,
					b;

		check_flow_op(&bs, &br, s, r, &d, t, what);
		CHECK(f->rate == rate.units, "%s: flow rate", what);
		(void) u256_add(&a, &bs.buffer, &f->buffer);
		(void) u256_add(&b, &s->buffer, &bf.buffer);
		CHECK(u256_eq(&a, &b), "%s: the sender's buffer moved with the flow's", what);
	}
	return e;
}

static FlowError
do_close(Account *s, Account *r, AccountFlow *f, int64_t t, FlowError want, const char *what)
{
	FlowError	e;
	SAVE3();

	e = account_flow_close(s, r, f, t);
	CHECK(e == want, "%s: close returned %s, want %s", what, err_name(e), err_name(want));
	if (e != FLOW_OK)
		CHECK(UNCHANGED3(), "%s: a failed close changed something", what);
	else
	{
		SBN			d = sbn_u128(bf.rate);
		U256		sum;

		d = sbn_neg(&d);
		check_flow_op(&bs, &br, s, r, &d, t, what);
		CHECK(f->rate == 0 && u256_is_zero(&f->buffer), "%s: a closed flow has rate 0, buffer 0", what);
		(void) u256_add(&sum, &s->buffer, &bf.buffer);
		CHECK(u256_eq(&sum, &bs.buffer), "%s: the flow's buffer returned to the sender", what);
	}
	return e;
}

static void
expect_time(AccountTime got, int64_t at, AccountTime want, int64_t want_at, const char *what)
{
	CHECK(got == want && ((want != ACCOUNT_TIME_AT && want != ACCOUNT_TIME_ALREADY) || at == want_at),
		  "%s: %d at %lld, want %d at %lld", what, (int) got, (long long) at, (int) want,
		  (long long) want_at);
}

static void
expect_critical(const Account *a, AccountTime want, int64_t want_at, const char *what)
{
	int64_t		at = INT64_MIN;
	AccountTime got = account_critical_time(a, &at);

	expect_time(got, at, want, want_at, what);
}

static void
expect_insolvency(const Account *a, AccountTime want, int64_t want_at, const char *what)
{
	int64_t		at = INT64_MIN;
	AccountTime got = account_insolvency_time(a, &at);

	expect_time(got, at, want, want_at, what);
}

/*
 * The oracle's exact balance (or available balance, with the buffer) of a
 * state at any t >= settled_at: static + netflow * (t - settled_at)
 * [- buffer * unit], never overflowing.
 */
static SBN
oracle_value(const Account *a, int64_t t, bool available)
{
	SBN			v = sbn_from_i256(&a->static_balance),
				nf = sbn_from_i256(&a->netflow),
				dt = sbn_i64(0),
				p;

	{
		BN			d = bn_u64((uint64_t) t - (uint64_t) a->settled_at);

		dt = sbn_make(false, &d);
	}
	p = sbn_mul(&nf, &dt);
	v = sbn_add(&v, &p);
	if (available)
	{
		BN			m = bn_from_u256(&a->buffer),
					u = bn_u128(flow_unit_scale[a->decimals]),
					lock;

		bn_mul(&lock, &m, &u);
		p = sbn_make(false, &lock);
		v = sbn_sub(&v, &p);
	}
	return v;
}

/*
 * The defining property of a first time at: the exact value (balance or
 * available) is >= 0 one microsecond before it (when that is not before
 * settled_at) and < 0 at it; by the oracle, not by the views.
 */
static void
expect_first(const Account *a, int64_t at, bool critical, const char *what)
{
	SBN			now = oracle_value(a, at, critical);

	CHECK(at >= a->settled_at && now.neg, "%s: not below 0 at %lld: %s", what, (long long) at,
		  sbn_str(&now, sb1));
	if (at > a->settled_at)
	{
		SBN			before = oracle_value(a, at - 1, critical);

		CHECK(!before.neg, "%s: already below 0 at %lld: %s", what, (long long) (at - 1),
			  sbn_str(&before, sb1));
	}
}

/*
 * Checks both times of a against their definitions, by the oracle alone:
 * ALREADY when below 0 at settled_at, NEVER when not and netflow >= 0,
 * BEYOND when still >= 0 at the end of time, else the first microsecond.
 */
static void
check_times_by_definition(const Account *a, const char *what)
{
	for (int critical = 0; critical < 2; critical++)
	{
		int64_t		at = INT64_MIN;
		AccountTime got = critical ? account_critical_time(a, &at) : account_insolvency_time(a, &at);
		SBN			start = oracle_value(a, a->settled_at, critical),
					end = oracle_value(a, FLOW_TIME_MAX, critical);
		AccountTime want;

		if (start.neg)
			want = ACCOUNT_TIME_ALREADY;
		else if (!i256_is_neg(&a->netflow))
			want = ACCOUNT_TIME_NEVER;
		else if (!end.neg)
			want = ACCOUNT_TIME_BEYOND;
		else
			want = ACCOUNT_TIME_AT;
		CHECK(got == want, "%s: %s time %d, want %d", what, critical ? "critical" : "insolvency",
			  (int) got, (int) want);
		if (got == want && want == ACCOUNT_TIME_AT)
			expect_first(a, at, critical, what);
		if (got == want && want == ACCOUNT_TIME_ALREADY)
			CHECK(at == a->settled_at, "%s: already at %lld, want settled_at", what, (long long) at);
	}
}

/* ------------------------------------------------------------------ */
/* wide.c: the signed and the wider operations                        */
/* ------------------------------------------------------------------ */

static I256
random_i256(void)
{
	I256		r = {{rng_next(), rng_next(), rng_next(), rng_next()}};
	int			bits = (int) rng_below(257);

	switch (rng_below(6))
	{
		case 0:
			return r;			/* any */
		case 1:
			{
				/* a boundary: 0, +-1, +-2^k, +-(2^k - 1), the extremes */
				int			k = (int) rng_below(256);
				U256		m = {{0, 0, 0, 0}},
							one = u256_from_u128(1);

				m.w[k / 64] = UINT64_C(1) << (k % 64);
				if (rng_pct(50))
					u256_sub(&m, &m, &one);
				if (!i256_from_sign_abs(&r, rng_pct(50), &m))
					(void) i256_from_sign_abs(&r, true, &m);
				return r;
			}
		default:
			break;
	}
	/* a random magnitude of a random length, either sign */
	for (int i = 0; i < 4; i++)
	{
		int			lo = i * 64;

		if (bits <= lo)
			r.w[i] = 0;
		else if (bits < lo + 64)
			r.w[i] &= (UINT64_C(1) << (bits - lo)) - 1;
	}
	r.w[3] &= ~(UINT64_C(1) << 63);
	if (rng_pct(50))
	{
		U256		m = {{r.w[0], r.w[1], r.w[2], r.w[3]}};

		(void) i256_from_sign_abs(&r, true, &m);
	}
	return r;
}

static U256
random_u256_any(void)
{
	I256		v = random_i256();
	U256		r = {{v.w[0], v.w[1], v.w[2], v.w[3]}};

	return r;
}

static void
check_signed_pair(const I256 *a, const I256 *b)
{
	SBN			sa = sbn_from_i256(a),
				sbv = sbn_from_i256(b),
				sum = sbn_add(&sa, &sbv),
				dif = sbn_sub(&sa, &sbv),
				got;
	I256		r;
	bool		ok;
	int			c = i256_cmp(a, b);

	CHECK(c == sbn_cmp(&sa, &sbv), "i256_cmp(%s, %s) = %d", sbn_str(&sa, sb1), sbn_str(&sbv, sb2), c);
	ok = i256_add(&r, a, b);
	got = sbn_from_i256(&r);
	CHECK(ok == sbn_fits_i256(&sum) && (!ok || sbn_eq(&got, &sum)), "i256_add(%s, %s): %d %s",
		  sbn_str(&sa, sb1), sbn_str(&sbv, sb2), ok, sbn_str(&got, sb3));
	ok = i256_sub(&r, a, b);
	got = sbn_from_i256(&r);
	CHECK(ok == sbn_fits_i256(&dif) && (!ok || sbn_eq(&got, &dif)), "i256_sub(%s, %s): %d %s",
		  sbn_str(&sa, sb1), sbn_str(&sbv, sb2), ok, sbn_str(&got, sb3));

	/* a + |b| and a - |b| through i256_add_abs, in place */
	{
		U256		m = i256_abs(b);
		BN			bm = bn_from_u256(&m);
		SBN			pm = sbn_make(false, &bm),
					want;

		CHECK(bn_eq(&bm, &sbv.mag), "i256_abs(%s)", sbn_str(&sbv, sb1));
		for (int neg = 0; neg < 2; neg++)
		{
			r = *a;
			ok = i256_add_abs(&r, &r, neg, &m);
			want = neg ? sbn_sub(&sa, &pm) : sbn_add(&sa, &pm);
			got = sbn_from_i256(&r);
			CHECK(ok == sbn_fits_i256(&want) && (!ok || sbn_eq(&got, &want)),
				  "i256_add_abs(%s, %d, %s): %d %s", sbn_str(&sa, sb1), neg, sbn_str(&pm, sb2),
				  ok, sbn_str(&got, sb3));
		}
	}
}

static void
check_floor_div(const I256 *a, u128 d)
{
	SBN			sa = sbn_from_i256(a),
				want,
				got,
				back;
	BN			bd = bn_u128(d);
	u128		rem = 7;
	I256		q = i256_floor_div_128(a, d, &rem);
	SBN			sd = sbn_make(false, &bd),
				sr = sbn_u128(rem);

	want = sbn_floor_div(&sa, &bd);
	got = sbn_from_i256(&q);
	CHECK(sbn_eq(&got, &want), "i256_floor_div_128(%s, %s) = %s, want %s", sbn_str(&sa, sb1),
		  u128_str(d, sb2), sbn_str(&got, sb3), sbn_str(&want, sb3));
	/* a = q * d + rem, 0 <= rem < d */
	back = sbn_mul(&got, &sd);
	back = sbn_add(&back, &sr);
	CHECK(rem < d && sbn_eq(&back, &sa), "i256_floor_div_128 remainder %s", u128_str(rem, sb1));
}

static void
check_mul_u128(const U256 *a, u128 m)
{
	BN			ba = bn_from_u256(a),
				bm = bn_u128(m),
				p;
	U256		r,
				alias = *a;
	bool		fits,
				ok;

	bn_mul(&p, &ba, &bm);
	fits = bn_fits_bits(&p, 256);
	ok = u256_mul_u128(&r, a, m);
	CHECK(ok == fits, "u256_mul_u128(%s, %s) returned %d", u256_str(a, sb1), u128_str(m, sb2), ok);
	if (fits)
	{
		U256		want = u256_of_bn(&p);

		CHECK(u256_eq(&r, &want), "u256_mul_u128(%s, %s) = %s", u256_str(a, sb1), u128_str(m, sb2),
			  u256_str(&r, sb3));
		CHECK(u256_mul_u128(&alias, &alias, m) && u256_eq(&alias, &want), "u256_mul_u128 in place");
	}
}

static void
check_divmod_wide(const U256 *a, const U256 *d)
{
	BN			ba = bn_from_u256(a),
				bd = bn_from_u256(d),
				q,
				r;
	U256		got,
				rem,
				wq,
				wr;

	if (u256_is_zero(d))
		return;
	bn_divmod(&q, &r, &ba, &bd);
	wq = u256_of_bn(&q);
	wr = u256_of_bn(&r);
	got = u256_divmod(a, d, &rem);
	CHECK(u256_eq(&got, &wq) && u256_eq(&rem, &wr), "u256_divmod(%s, %s) = %s rem %s",
		  u256_str(a, sb1), u256_str(d, sb2), u256_str(&got, sb3), u256_str(&rem, sb3));
	got = u256_divmod(a, d, NULL);
	CHECK(u256_eq(&got, &wq), "u256_divmod(%s, %s, NULL)", u256_str(a, sb1), u256_str(d, sb2));
}

static void
test_wide_signed(void)
{
	I256		maxv,
				minv,
				r;
	U256		two255 = {{0, 0, 0, UINT64_C(1) << 63}},
				max_abs = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX >> 1}};
	char		buf[90];

	tap_begin();
	/* the extremes by hand: 2^255 - 1 and -2^255 */
	CHECK(i256_from_sign_abs(&maxv, false, &max_abs), "2^255 - 1 fits");
	CHECK(!i256_from_sign_abs(&r, false, &two255), "2^255 does not fit");
	CHECK(i256_from_sign_abs(&minv, true, &two255), "-2^255 fits");
	CHECK(minv.w[3] == (UINT64_C(1) << 63) && minv.w[0] == 0 && minv.w[1] == 0 && minv.w[2] == 0,
		  "-2^255 is 0x8000...0");
	{
		U256		m = i256_abs(&minv);

		CHECK(u256_eq(&m, &two255), "|-2^255| = 2^255");
	}
	{
		I256		one = i256_from_u128(1),
					mone;
		U256		o = u256_from_u128(1);

		CHECK(!i256_add(&r, &maxv, &one), "max + 1 overflows");
		CHECK(!i256_sub(&r, &minv, &one), "min - 1 overflows");
		CHECK(i256_sub(&r, &maxv, &maxv) && i256_is_zero(&r), "max - max = 0");
		CHECK(!i256_sub(&r, &one, &minv), "1 - min overflows");
		(void) i256_from_sign_abs(&mone, true, &o);
		r = i256_from_u128(0);
		CHECK(i256_sign(&mone) == -1 && i256_sign(&one) == 1 && i256_sign(&r) == 0, "signs");
		{
			I256		zero = i256_from_u128(0);

			CHECK(!i256_sub(&r, &zero, &minv), "0 - min overflows");
			CHECK(i256_sub(&r, &mone, &minv) && i256_cmp(&r, &maxv) == 0, "-1 - min = max");
		}
		CHECK(i256_add(&r, &minv, &maxv) && i256_cmp(&r, &mone) == 0, "min + max = -1");
		CHECK(i256_cmp(&minv, &maxv) < 0 && i256_cmp(&mone, &one) < 0 && i256_cmp(&maxv, &one) > 0,
			  "i256_cmp across signs");
		CHECK(i256_to_digits(&minv, buf) == 78 &&
			  strcmp(buf, "-57896044618658097711785492504343953926634992332820282019728792003956564819968") == 0,
			  "digits of -2^255: %s", buf);
		CHECK(i256_to_digits(&mone, buf) == 2 && strcmp(buf, "-1") == 0, "digits of -1: %s", buf);
		r = i256_from_u128(0);
		CHECK(i256_to_digits(&r, buf) == 1 && strcmp(buf, "0") == 0, "digits of 0: %s", buf);
		/* a - abs at the bottom: -2^255 + 1 - 1 fits, -2^255 - 1 does not */
		r = minv;
		r.w[0] = 1;
		CHECK(i256_add_abs(&r, &r, true, &o) && i256_cmp(&r, &minv) == 0, "-2^255 + 1 - 1");
		CHECK(!i256_add_abs(&r, &minv, true, &o), "-2^255 - 1 overflows");
		/* max - (2^256 - 1) = -2^255: the largest magnitude that comes back in range */
		{
			U256		all = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};

			CHECK(i256_add_abs(&r, &maxv, true, &all) && i256_cmp(&r, &minv) == 0, "max - (2^256 - 1)");
			CHECK(i256_add_abs(&r, &minv, false, &all) && i256_cmp(&r, &maxv) == 0,
				  "min + (2^256 - 1) = max");
		}
	}
	/* floor division toward minus infinity, by hand: -7 / 2 = -4 rem 1 */
	{
		U256		seven = u256_from_u128(7);
		I256		m7;
		u128		rem = 0;

		(void) i256_from_sign_abs(&m7, true, &seven);
		r = i256_floor_div_128(&m7, 2, &rem);
		CHECK(i256_sign(&r) == -1 && i256_abs(&r).w[0] == 4 && rem == 1, "-7 / 2 = -4 rem 1");
		r = i256_floor_div_128(&minv, 1, &rem);
		CHECK(i256_cmp(&r, &minv) == 0 && rem == 0, "-2^255 / 1");
	}
	for (int i = 0; i < 20000; i++)
	{
		I256		a = random_i256(),
					b = random_i256();

		check_signed_pair(&a, &b);
		if (i % 4 == 0)
		{
			SBN			s = sbn_from_i256(&a);
			char		want[200];

			i256_to_digits(&a, buf);
			CHECK(strcmp(buf, sbn_str(&s, want)) == 0, "i256_to_digits: %s, want %s", buf, want);
		}
	}
	for (int i = 0; i < 8000; i++)
	{
		I256		a = random_i256();
		u128		d;

		switch (i % 4)
		{
			case 0:
				d = flow_unit_scale[rng_below(FLOW_MAX_DECIMALS + 1)];
				break;
			case 1:
				d = rng_bits128(1 + (int) rng_below(64));
				break;
			case 2:
				d = rng_bits128(65 + (int) rng_below(64));
				break;
			default:
				d = 1 + rng_below(3);
				break;
		}
		check_floor_div(&a, d);
	}
	tap_end("wide: signed 256-bit add, sub, compare, floor division, digits against the oracle");
}

static void
test_wide_wider(void)
{
	tap_begin();
	{
		/* (2^256 - 1) * 1 fits; * 2 does not; 2^128 * 2^127 = 2^255 */
		U256		all = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}},
					r,
					p128 = {{0, 0, 1, 0}};

		CHECK(u256_mul_u128(&r, &all, 1) && u256_eq(&r, &all), "max * 1");
		CHECK(!u256_mul_u128(&r, &all, 2), "max * 2 overflows");
		CHECK(u256_mul_u128(&r, &p128, P2(127)) && r.w[3] == (UINT64_C(1) << 63), "2^128 * 2^127");
		CHECK(u256_mul_u128(&r, &p128, ~(u128) 0) && r.w[0] == 0 && r.w[1] == 0 &&
			  r.w[2] == UINT64_MAX && r.w[3] == UINT64_MAX, "2^128 * (2^128 - 1) = 2^256 - 2^128");
	}
	for (int i = 0; i < 20000; i++)
	{
		U256		a = random_u256_any();
		u128		m = rng_pct(30) ? flow_unit_scale[rng_below(FLOW_MAX_DECIMALS + 1)] :
			rng_bits128((int) rng_below(129));

		if (rng_pct(20))
			a = u256_from_u128(rng_bits128((int) rng_below(129)));
		check_mul_u128(&a, m);
	}
	for (int i = 0; i < 6000; i++)
	{
		U256		a = random_u256_any(),
					d = random_u256_any();

		switch (i % 4)
		{
			case 0:				/* the wide path: a divisor above 2^128 */
				d.w[2] |= 1;
				break;
			case 1:				/* a divisor near the dividend */
				if (!u256_is_zero(&a))
				{
					U256		one = u256_from_u128(1);

					d = a;
					if (rng_pct(50))
						u256_sub(&d, &d, &one);
					if (u256_is_zero(&d))
						d = one;
				}
				break;
			case 2:				/* the narrow path */
				d = u256_from_u128(rng_bits128(1 + (int) rng_below(128)));
				break;
			default:
				/* the carry out of the top bit: a divisor with its top bit set */
				d.w[3] |= UINT64_C(1) << 63;
				break;
		}
		check_divmod_wide(&a, &d);
	}
	tap_end("wide: u256_mul_u128 and u256_divmod (divisors to 256 bits) against the oracle");
}

/* ------------------------------------------------------------------ */
/* accounts                                                            */
/* ------------------------------------------------------------------ */

static void
test_init(void)
{
	Account		a,
				bad;

	tap_begin();
	for (int d = 0; d <= FLOW_MAX_DECIMALS; d++)
	{
		CHECK(account_init(&a, d) == FLOW_OK && a.decimals == d, "init decimals %d", d);
		CHECK(account_state_problem(&a) == NULL, "a fresh account is valid");
		expect_tokens(&a, FLOW_TIME_MIN, 0, 0, "unused at the beginning of time");
		expect_tokens(&a, T0, 0, 0, "unused now");
		expect_tokens(&a, FLOW_TIME_MAX, 0, 0, "unused at the end of time");
		expect_critical(&a, ACCOUNT_TIME_NEVER, 0, "unused: never critical");
		expect_insolvency(&a, ACCOUNT_TIME_NEVER, 0, "unused: never insolvent");
	}
	memset(&bad, 0x5a, sizeof(bad));
	memcpy(&a, &bad, sizeof(a));
	CHECK(account_init(&a, -1) == FLOW_ERR_DECIMALS && memcmp(&a, &bad, sizeof(a)) == 0, "decimals -1");
	CHECK(account_init(&a, 19) == FLOW_ERR_DECIMALS && memcmp(&a, &bad, sizeof(a)) == 0, "decimals 19");

	a = fresh(6);
	a.decimals = 19;
	CHECK(account_state_problem(&a) != NULL, "decimals 19 is a problem");
	a = fresh(6);
	a.settled_at = T0 + 1;
	a.last = T0;
	CHECK(account_state_problem(&a) != NULL, "settled after the last operation is a problem");
	a = fresh(6);
	a.last = FLOW_TIME_MAX + 1;
	CHECK(account_state_problem(&a) != NULL, "last out of range is a problem");
	a = fresh(6);
	a.settled_at = FLOW_TIME_MIN - 1;
	CHECK(account_state_problem(&a) != NULL, "settled_at out of range is a problem");
	tap_end("init: an unused account has balance 0 at every time; invalid states are named");
}

/*
 * Superfluid's money-streaming example, to the base unit, with DFlow's
 * one-hour buffer on top (the example leaves buffers out; they are part of
 * the balance and only reduce what is available):
 *   A has 1000 tokens, streams 0.01/s to B (buffer 36) for 1000 s: 990;
 *   raises to 0.02/s (buffer 72) for 2000 s: 950;
 *   receives 0.04/s from C for 1000 s: 970; closes its outflow: 970.
 * 0.01 token/s = 10^16 in 10^-18 tokens per second.
 */
static void
test_superfluid_example(void)
{
	static const int decs[] = {0, 6, 18};

	tap_begin();
	for (int k = 0; k < 3; k++)
	{
		int			dec = decs[k];
		Account		A = fresh(dec),
					B = fresh(dec),
					C = fresh(dec);
		AccountFlow f1,
					f2;
		u128		cent = (u128) UINT64_C(10000000000000000);	/* 0.01 token/s */
		SBN			sum,
					want,
					v;
		char		what[80];

		snprintf(what, sizeof(what), "superfluid dec %d", dec);
		do_deposit(&A, amt(tokens(dec, 1000)), T0, FLOW_OK, what);
		do_deposit(&C, amt(tokens(dec, 1000)), T0, FLOW_OK, what);
		do_open(&A, &B, &f1, amt(cent), &DFLOW, T0, FLOW_OK, what);
		CHECK(u256_low128(&f1.buffer) == tokens(dec, 36), "%s: buffer 36 tokens", what);
		expect_tokens(&A, T0, 1000, 964, what);
		expect_tokens(&A, T0 + 1000 * SEC, 990, 954, what);
		expect_tokens(&B, T0 + 1000 * SEC, 10, 10, what);

		do_update(&A, &B, &f1, amt(2 * cent), &DFLOW, T0 + 1000 * SEC, FLOW_OK, what);
		expect_buffer(&A, tokens(dec, 72), what);
		expect_tokens(&A, T0 + 1000 * SEC, 990, 918, what);
		expect_tokens(&A, T0 + 3000 * SEC, 950, 878, what);
		expect_tokens(&B, T0 + 3000 * SEC, 50, 50, what);

		do_open(&C, &A, &f2, amt(4 * cent), &DFLOW, T0 + 3000 * SEC, FLOW_OK, what);
		expect_tokens(&A, T0 + 3000 * SEC, 950, 878, what);
		expect_tokens(&C, T0 + 3000 * SEC, 1000, 856, what);
		v = sbn_i64(2 * (int64_t) cent);
		expect_netflow(&A, &v, what);	/* +0.04 - 0.02 */
		expect_tokens(&A, T0 + 4000 * SEC, 970, 898, what);
		expect_tokens(&B, T0 + 4000 * SEC, 70, 70, what);
		expect_tokens(&C, T0 + 4000 * SEC, 960, 816, what);

		do_close(&A, &B, &f1, T0 + 4000 * SEC, FLOW_OK, what);
		expect_tokens(&A, T0 + 4000 * SEC, 970, 970, what);
		expect_buffer(&A, 0, what);
		v = sbn_i64(4 * (int64_t) cent);
		expect_netflow(&A, &v, what);
		expect_tokens(&A, T0 + 5000 * SEC, 1010, 1010, what);

		/* nothing created or lost: 2000 tokens deposited, in 10^-24 units */
		sum = exact_at(&A, T0 + 5000 * SEC);
		v = exact_at(&B, T0 + 5000 * SEC);
		sum = sbn_add(&sum, &v);
		v = exact_at(&C, T0 + 5000 * SEC);
		sum = sbn_add(&sum, &v);
		want = sdec("2000000000000000000000000000");
		CHECK(sbn_eq(&sum, &want), "%s: conservation %s", what, sbn_str(&sum, sb1));
		{
			I256		n,
						n2;

			CHECK(i256_add(&n, &A.netflow, &B.netflow) && i256_add(&n2, &n, &C.netflow) &&
				  i256_is_zero(&n2), "%s: netflows sum to 0", what);
		}
	}
	tap_end("Superfluid's example to the base unit: 990, 950, 970 (decimals 0, 6, 18)");
}

static void
test_buffer_size(void)
{
	U256		b;
	AccountPolicy p;

	tap_begin();
	/* DFlow: 3600 * rate.  1 token/s at 8 decimals: 3600 tokens */
	CHECK(account_flow_buffer((u128) UINT64_C(1000000000000000000), &DFLOW, 8, &b) == FLOW_OK &&
		  u256_low128(&b) == tokens(8, 3600) && u256_fits_u128(&b), "1 token/s: 3600 tokens");
	/* 10 tokens a month (3805175038051 per second, floored) for an hour, 18 decimals: */
	/* 3805175038051 * 3600 = 13698630136983600 base units exactly */
	CHECK(account_flow_buffer((u128) UINT64_C(3805175038051), &DFLOW, 18, &b) == FLOW_OK &&
		  u256_low128(&b) == (u128) UINT64_C(13698630136983600), "10 per month, 18 decimals");
	/* the same at 6 decimals: 0.0136986301369836 tokens, ceiled to 0.013699 */
	CHECK(account_flow_buffer((u128) UINT64_C(3805175038051), &DFLOW, 6, &b) == FLOW_OK &&
		  u256_low128(&b) == 13699, "10 per month, 6 decimals: ceil");
	/* the smallest rate: 10^-18 token/s for an hour is 3.6e-15 tokens: one base unit at 0 decimals */
	CHECK(account_flow_buffer(1, &DFLOW, 0, &b) == FLOW_OK && u256_low128(&b) == 1, "1e-18/s: 1 unit");
	CHECK(account_flow_buffer(1, &DFLOW, 18, &b) == FLOW_OK && u256_low128(&b) == 3600,
		  "1e-18/s at 18 decimals: 3600 units");
	/* Superfluid's four hours */
	p.buffer_period = 4 * HOUR;
	p.min_buffer = 0;
	CHECK(account_flow_buffer((u128) UINT64_C(10000000000000000), &p, 2, &b) == FLOW_OK &&
		  u256_low128(&b) == 14400, "0.01/s for 4 hours: 144.00 tokens");
	/* min_buffer when larger; period 0 gives min_buffer alone */
	p.buffer_period = HOUR;
	p.min_buffer = tokens(2, 1000);
	CHECK(account_flow_buffer((u128) UINT64_C(10000000000000000), &p, 2, &b) == FLOW_OK &&
		  u256_low128(&b) == tokens(2, 1000), "min_buffer wins");
	p.min_buffer = 3599;
	CHECK(account_flow_buffer((u128) UINT64_C(10000000000000000), &p, 2, &b) == FLOW_OK &&
		  u256_low128(&b) == 3600, "the computed buffer wins");
	p.buffer_period = 0;
	p.min_buffer = 5;
	CHECK(account_flow_buffer(I127_MAX, &p, 18, &b) == FLOW_OK && u256_low128(&b) == 5, "period 0");
	/* the largest: rate 2^127 - 1 for 2^63 - 1 us at 18 decimals, against the oracle */
	p.buffer_period = INT64_MAX;
	p.min_buffer = I127_MAX;
	{
		BN			r = bn_u128(I127_MAX),
					per = bn_u64((uint64_t) INT64_MAX),
					prod,
					q,
					rem,
					unit = bn_pow10(6),
					one = bn_u64(1),
					got;

		bn_mul(&prod, &r, &per);
		bn_divmod(&q, &rem, &prod, &unit);
		if (!bn_is_zero(&rem))
			bn_add(&q, &q, &one);
		CHECK(account_flow_buffer(I127_MAX, &p, 18, &b) == FLOW_OK, "largest buffer");
		got = bn_from_u256(&b);
		bn_to_dec(&q, sb2);
		CHECK(bn_eq(&got, &q), "largest buffer %s, want %s", u256_str(&b, sb1), sb2);
	}
	/* invalid policies and decimals */
	p.buffer_period = -1;
	p.min_buffer = 0;
	CHECK(account_flow_buffer(1, &p, 6, &b) == FLOW_ERR_BUFFER_POLICY, "negative period");
	p.buffer_period = 0;
	p.min_buffer = I127_MAX + 1;
	CHECK(account_flow_buffer(1, &p, 6, &b) == FLOW_ERR_BUFFER_POLICY, "min_buffer 2^127");
	CHECK(account_flow_buffer(1, &DFLOW, 19, &b) == FLOW_ERR_DECIMALS, "decimals 19");
	tap_end("buffer = max(min_buffer, ceil(rate x period)): DFlow's 3600 x rate, Superfluid's 4 hours");
}

/*
 * The replay of a recorded buffer (verify(), restore): a policy under which
 * the flow's rate locks exactly that buffer, also above 2^127 - 1 base units,
 * where no min_buffer can give it.  Round trips through account_flow_buffer.
 */
static void
test_policy_for_buffer(void)
{
	U256		b,
				again;
	AccountPolicy p,
				found;
	uint64_t	x = UINT64_C(88172645463325252);
	int			roundtrips = 0;

	tap_begin();
	for (int i = 0; i < 20000; i++)
	{
		u128		rate;
		int			dec;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		dec = (int) (x % 19);
		rate = ((u128) (x >> 5) << (x % 64)) + 1;
		if (rate > I127_MAX)
			rate = I127_MAX;
		p.buffer_period = (int64_t) ((x >> 3) % (UINT64_C(1) << (x % 63)));
		p.min_buffer = (x & 1) ? (u128) (x >> 20) : 0;
		if (account_flow_buffer(rate, &p, dec, &b) != FLOW_OK || u256_is_zero(&b))
			continue;
		CHECK(account_policy_for_buffer(rate, &b, dec, &found) == FLOW_OK,
			  "a policy for the buffer %s of rate %s", u256_str(&b, sb1), u128_str(rate, sb2));
		CHECK(account_flow_buffer(rate, &found, dec, &again) == FLOW_OK && u256_cmp(&again, &b) == 0,
			  "the policy found gives %s back, not %s", u256_str(&b, sb1), u256_str(&again, sb2));
		roundtrips++;
	}
	CHECK(roundtrips > 10000, "round trips: %d", roundtrips);
	/* 5 x 10^16 tokens/s at 18 decimals for an hour: 1.8 x 10^38 base units, above 2^127 - 1 */
	p.buffer_period = HOUR;
	p.min_buffer = 0;
	{
		u128		rate = (u128) UINT64_C(50000000000000000) * (u128) UINT64_C(1000000000000000000);

		CHECK(account_flow_buffer(rate, &p, 18, &b) == FLOW_OK && u256_fits_u128(&b) &&
			  u256_low128(&b) > I127_MAX, "1.8 x 10^38 base units: above 2^127 - 1");
		CHECK(account_policy_for_buffer(rate, &b, 18, &found) == FLOW_OK &&
			  found.buffer_period == HOUR && found.min_buffer == 0, "the buffer's period: an hour (%lld)",
			  (long long) found.buffer_period);
	}
	/* a buffer no period gives at that rate: the least period above it, which the replay then refuses */
	b = u256_from_u128(I127_MAX);
	{
		U256		one = u256_from_u128(1);

		(void) u256_add(&b, &b, &one);
		(void) u256_add(&b, &b, &one);
	}
	CHECK(account_policy_for_buffer(I127_MAX, &b, 18, &found) == FLOW_OK &&
		  account_flow_buffer(I127_MAX, &found, 18, &again) == FLOW_OK && u256_cmp(&again, &b) > 0,
		  "2^127 + 1 units at rate 2^127 - 1, 18 decimals: no period gives it exactly");
	CHECK(account_policy_for_buffer(I127_MAX, &b, 0, &found) == FLOW_ERR_OVERFLOW,
		  "2^127 + 1 units at rate 2^127 - 1, 0 decimals: a period beyond 2^63 - 1 us");
	CHECK(account_policy_for_buffer(0, &b, 0, &found) == FLOW_ERR_OVERFLOW, "rate 0: no period");
	CHECK(account_policy_for_buffer(1, &b, 19, &found) == FLOW_ERR_DECIMALS, "decimals 19");
	/* a period beyond 2^63 - 1 microseconds */
	b.w[3] = UINT64_C(1) << 40;
	CHECK(account_policy_for_buffer(1, &b, 0, &found) == FLOW_ERR_OVERFLOW, "a period beyond int64");
	tap_end("a recorded buffer's policy: min_buffer below 2^127, else the least period that gives it");
}

/*
 * Superfluid issue #1846: lowering a rate must never raise the buffer,
 * even when min_buffer was raised since the flow opened.
 */
static void
test_lowering_never_raises(void)
{
	Account		A = fresh(6),
				B = fresh(6);
	AccountFlow f;
	AccountPolicy p = {3600 * SEC, 0};
	u128		r = (u128) UINT64_C(1000000000000000);	/* 0.001 token/s: 3.6 tokens an hour */
	U256		inc;

	tap_begin();
	do_deposit(&A, amt(tokens(6, 1000)), T0, FLOW_OK, "1846 deposit");
	do_open(&A, &B, &f, amt(r), &p, T0, FLOW_OK, "1846 open");
	expect_buffer(&A, 3600000, "1846: 3.6 tokens");

	/* min_buffer rises to 10 tokens; halving the rate keeps 3.6, not 10 */
	p.min_buffer = tokens(6, 10);
	CHECK(account_flow_need(&f, r / 2, &p, 6, &inc) == FLOW_OK && u256_is_zero(&inc),
		  "1846: lowering needs nothing");
	do_update(&A, &B, &f, amt(r / 2), &p, T0 + HOUR, FLOW_OK, "1846 lower");
	CHECK(u256_low128(&f.buffer) == 3600000, "1846: the flow's buffer stays 3.6");
	expect_buffer(&A, 3600000, "1846: the account's buffer stays 3.6");
	/* 1000 - 3.6 (one hour at 0.001) = 996.4; available 996.4 - 3.6 = 992.8 */
	expect_view(&A, T0 + HOUR, sbn_u128(996400000), sbn_u128(992800000), "1846 view");

	/* min_buffer back to 0: lowering again shrinks the buffer to 0.9 (0.00025/s) */
	p.min_buffer = 0;
	do_update(&A, &B, &f, amt(r / 4), &p, T0 + 2 * HOUR, FLOW_OK, "1846 lower again");
	expect_buffer(&A, 900000, "1846: 0.9 tokens");

	/* raising with min_buffer 10 takes the full 10 tokens: an increase of 9.1 */
	p.min_buffer = tokens(6, 10);
	CHECK(account_flow_need(&f, r, &p, 6, &inc) == FLOW_OK && u256_low128(&inc) == 9100000,
		  "1846: raising needs 9.1, got %s", u256_str(&inc, sb1));
	do_update(&A, &B, &f, amt(r), &p, T0 + 3 * HOUR, FLOW_OK, "1846 raise");
	expect_buffer(&A, tokens(6, 10), "1846: raised to min_buffer");

	/* a lowering where the computed buffer is smaller than the old one: it shrinks */
	p.min_buffer = 0;
	do_update(&A, &B, &f, amt(r / 2), &p, T0 + 4 * HOUR, FLOW_OK, "1846 lower to computed");
	expect_buffer(&A, 1800000, "1846: 1.8 tokens");
	/* a raise where the policy's buffer is now smaller than the old: it is the new one */
	p.buffer_period = HOUR / 2;
	do_update(&A, &B, &f, amt(r), &p, T0 + 5 * HOUR, FLOW_OK, "1846 raise under a smaller period");
	expect_buffer(&A, 1800000, "1846: half an hour of 0.001/s");
	do_close(&A, &B, &f, T0 + 6 * HOUR, FLOW_OK, "1846 close");
	expect_buffer(&A, 0, "1846: closed");
	tap_end("lowering a rate after raising min_buffer does not raise the buffer (Superfluid #1846)");
}

static void
test_buffer_needs_available(void)
{
	Account		A = fresh(2),
				B = fresh(2),
				C = fresh(2);
	AccountFlow f,
				g,
				h;
	u128		r = (u128) UINT64_C(10000000000000000);	/* 0.01/s: 36.00 an hour */
	U256		inc;
	I256		av;

	tap_begin();
	/* exactly the buffer: allowed, available 0 */
	do_deposit(&A, amt(3600), T0, FLOW_OK, "need deposit 36.00");
	CHECK(account_flow_need(NULL, r, &DFLOW, 2, &inc) == FLOW_OK && u256_low128(&inc) == 3600,
		  "need: 36.00 to open");
	do_open(&A, &B, &f, amt(r), &DFLOW, T0, FLOW_OK, "open with available = buffer");
	expect_view(&A, T0, sbn_u128(3600), sbn_zero(), "available 0");
	/* one unit short: refused, and the two amounts are there to report */
	do_deposit(&C, amt(3599), T0, FLOW_OK, "need deposit 35.99");
	do_open(&C, &B, &g, amt(r), &DFLOW, T0, FLOW_ERR_UNAVAILABLE, "open one unit short");
	CHECK(account_available(&C, T0, &av) == FLOW_OK && sbn_from_i256(&av).mag.l[0] == 3599,
		  "report: available 35.99");
	do_deposit(&C, amt(1), T0, FLOW_OK, "need one more unit");
	do_open(&C, &B, &g, amt(r), &DFLOW, T0, FLOW_OK, "open once covered");

	/* raising needs the increase: 0.02/s needs 36.00 more */
	do_deposit(&A, amt(3599), T0 + SEC, FLOW_OK, "raise deposit");
	/* at T0 + 1 s: balance 36.00 + 35.99 - 0.01 = 71.98, available 35.98 */
	do_update(&A, &B, &f, amt(2 * r), &DFLOW, T0 + SEC, FLOW_ERR_UNAVAILABLE, "raise short");
	CHECK(account_flow_need(&f, 2 * r, &DFLOW, 2, &inc) == FLOW_OK && u256_low128(&inc) == 3600,
		  "need: 36.00 to raise");
	do_deposit(&A, amt(2), T0 + SEC, FLOW_OK, "two more units");
	do_update(&A, &B, &f, amt(2 * r), &DFLOW, T0 + SEC, FLOW_OK, "raise covered");
	expect_view(&A, T0 + SEC, sbn_u128(7200), sbn_zero(), "raised: available 0");

	/* a critical account may lower a rate but not raise one, even for no more buffer */
	{
		AccountPolicy flat = {0, 100};
		Account		D = fresh(2),
					E = fresh(2),
					F = fresh(2);
		AccountFlow k;

		do_deposit(&D, amt(100), T0, FLOW_OK, "flat deposit");
		do_open(&D, &E, &h, amt(r), &flat, T0, FLOW_OK, "flat open");
		/* after 1 s the balance is 0.99 < buffer 1.00: critical */
		expect_view(&D, T0 + SEC, sbn_u128(99), sbn_i64(-1), "flat: critical after 1 s");
		do_update(&D, &E, &h, amt(2 * r), &flat, T0 + SEC, FLOW_ERR_CRITICAL, "critical raise");
		CHECK(account_flow_need(&h, 2 * r, &flat, 2, &inc) == FLOW_OK && u256_is_zero(&inc),
			  "flat: no buffer increase");
		do_update(&D, &E, &h, amt(r / 2), &flat, T0 + SEC, FLOW_OK, "critical lower");
		/* and may not open another flow, even one with no buffer */
		do_open(&D, &F, &k, amt(r), &NO_BUFFER, T0 + SEC, FLOW_ERR_CRITICAL, "critical open");
	}
	tap_end("open and raise need available >= the buffer increase, to the base unit");
}

static void
test_withdraw_transfer(void)
{
	Account		A = fresh(2),
				B = fresh(2),
				X = fresh(6);
	AccountFlow f;
	/* 0.001 token/s at 2 decimals (10^22 units a base unit): one unit every 10 s */
	u128		r = (u128) UINT64_C(1000000000000000);
	SBN			v,
				sum;

	tap_begin();
	do_deposit(&A, amt(1000), T0, FLOW_OK, "wt deposit 10.00");
	do_open(&A, &B, &f, amt(r), &NO_BUFFER, T0, FLOW_OK, "wt open");
	/* at 15 s: A = 10.00 - 0.015 = 9.985 (floor 998), B = 0.015 (floor 1) */
	expect_view(&A, T0 + 15 * SEC, sbn_u128(998), sbn_u128(998), "wt A at 15 s");
	expect_view(&B, T0 + 15 * SEC, sbn_u128(1), sbn_u128(1), "wt B at 15 s");
	do_withdraw(&B, amt(2), T0 + 15 * SEC, FLOW_ERR_UNAVAILABLE, "wt B withdraws 2 of 1.5");
	do_withdraw(&B, amt(1), T0 + 15 * SEC, FLOW_OK, "wt B withdraws 1");
	/* the half unit stays: 0.005 tokens = 5 * 10^21, one unit again at 20 s */
	v = sdec("5000000000000000000000");
	expect_exact(&B, T0 + 15 * SEC, &v, "wt B keeps the half unit");
	expect_view(&B, T0 + 20 * SEC - 1, sbn_zero(), sbn_zero(), "wt B 1 us before 20 s");
	expect_view(&B, T0 + 20 * SEC, sbn_u128(1), sbn_u128(1), "wt B at 20 s");

	/* transfers: up to floor(available), same token, another account, positive */
	do_transfer(&A, &B, amt(999), T0 + 15 * SEC, FLOW_ERR_UNAVAILABLE, "wt transfer 999 of 998.5");
	do_transfer(&A, &A, amt(1), T0 + 15 * SEC, FLOW_ERR_SAME_ACCOUNT, "wt transfer to itself");
	do_transfer(&A, &X, amt(1), T0 + 15 * SEC, FLOW_ERR_TOKEN_MISMATCH, "wt transfer across tokens");
	do_transfer(&A, &B, amt(0), T0 + 15 * SEC, FLOW_ERR_NOT_POSITIVE, "wt transfer 0");
	do_transfer(&A, &B, amt(I127_MAX + 1), T0 + 15 * SEC, FLOW_ERR_OVERFLOW, "wt transfer 2^127");
	do_transfer(&A, &B, amt_err(FLOW_ERR_PRECISION), T0 + 15 * SEC, FLOW_ERR_PRECISION, "wt transfer 1.001");
	do_transfer(&A, &B, amt(998), T0 + 15 * SEC, FLOW_OK, "wt transfer 998");
	/* A keeps 0.005 and streams 0.001/s: below 0 from 5 s + 1 us later */
	v = sdec("5000000000000000000000");
	expect_exact(&A, T0 + 15 * SEC, &v, "wt A after the transfer");
	expect_insolvency(&A, ACCOUNT_TIME_AT, T0 + 20 * SEC + 1, "wt A insolvent");
	expect_critical(&A, ACCOUNT_TIME_AT, T0 + 20 * SEC + 1, "wt A critical (no buffer)");
	check_times_by_definition(&A, "wt A");
	do_withdraw(&A, amt(1), T0 + 20 * SEC, FLOW_ERR_UNAVAILABLE, "wt A has 0 at 20 s");
	do_withdraw(&A, amt(0), T0 + 20 * SEC, FLOW_ERR_NOT_POSITIVE, "wt withdraw 0");
	do_withdraw(&A, amt(I127_MAX + 1), T0 + 20 * SEC, FLOW_ERR_OVERFLOW, "wt withdraw 2^127");
	do_withdraw(&A, amt_err(FLOW_ERR_NOT_A_NUMBER), T0 + 20 * SEC, FLOW_ERR_NOT_A_NUMBER, "wt withdraw NaN");
	do_deposit(&A, amt(0), T0 + 20 * SEC, FLOW_ERR_NOT_POSITIVE, "wt deposit 0");
	do_deposit(&A, amt(I127_MAX + 1), T0 + 20 * SEC, FLOW_ERR_OVERFLOW, "wt deposit 2^127");

	/* nothing created or lost: 10.00 in, 0.01 out */
	sum = exact_at(&A, T0 + 30 * SEC);
	v = exact_at(&B, T0 + 30 * SEC);
	sum = sbn_add(&sum, &v);
	v = sdec("9990000000000000000000000");
	CHECK(sbn_eq(&sum, &v), "wt conservation: %s", sbn_str(&sum, sb1));
	tap_end("withdraw and transfer up to floor(available); the sub-unit remainder stays");
}

static void
test_critical_times(void)
{
	Account		A = fresh(0),
				B = fresh(0),
				C = fresh(0),
				A2 = fresh(0);
	AccountFlow f,
				g,
				h;
	AccountPolicy second = {SEC, 0};
	SBN			v;

	tap_begin();
	/*
	 * 0 decimals (10^24 units a token); 10 tokens out at 1 token/s (10^18,
	 * i.e. 10^18 units a microsecond) with a one-second buffer of 1 token:
	 * available = 10^25 - 10^18 dt - 10^24 < 0 first at dt = 9 s + 1 us,
	 * balance < 0 first at dt = 10 s + 1 us.
	 */
	do_deposit(&A, amt(10), T0, FLOW_OK, "ct deposit");
	do_open(&A, &B, &f, amt((u128) UINT64_C(1000000000000000000)), &second, T0, FLOW_OK, "ct open");
	expect_buffer(&A, 1, "ct buffer 1");
	expect_critical(&A, ACCOUNT_TIME_AT, T0 + 9 * SEC + 1, "ct critical");
	expect_insolvency(&A, ACCOUNT_TIME_AT, T0 + 10 * SEC + 1, "ct insolvency");
	expect_view(&A, T0 + 9 * SEC, sbn_u128(1), sbn_zero(), "ct 1 us before critical");
	expect_view(&A, T0 + 9 * SEC + 1, sbn_zero(), sbn_i64(-1), "ct at critical");
	expect_view(&A, T0 + 10 * SEC, sbn_zero(), sbn_i64(-1), "ct 1 us before insolvency");
	expect_view(&A, T0 + 10 * SEC + 1, sbn_i64(-1), sbn_i64(-2), "ct at insolvency");
	check_times_by_definition(&A, "ct A");
	expect_critical(&B, ACCOUNT_TIME_NEVER, 0, "ct receiver never critical");
	expect_insolvency(&B, ACCOUNT_TIME_NEVER, 0, "ct receiver never insolvent");

	/*
	 * A crossing between microseconds: 10 tokens at 0.3 token/s (3 * 10^17):
	 * 10^25 / (3 * 10^17) = 33333333.3 us, so the first negative microsecond
	 * is 33333334: 10^25 - 3 * 10^17 * 33333334 = -2 * 10^17.
	 */
	do_deposit(&A2, amt(10), T0, FLOW_OK, "ct2 deposit");
	do_open(&A2, &B, &g, amt((u128) UINT64_C(300000000000000000)), &NO_BUFFER, T0, FLOW_OK, "ct2 open");
	expect_insolvency(&A2, ACCOUNT_TIME_AT, T0 + 33333334, "ct2 insolvency");
	expect_critical(&A2, ACCOUNT_TIME_AT, T0 + 33333334, "ct2 critical = insolvency without buffer");
	v = sdec("100000000000000000");
	expect_exact(&A2, T0 + 33333333, &v, "ct2 exact 1 us before");
	v = sdec("-200000000000000000");
	expect_exact(&A2, T0 + 33333334, &v, "ct2 exact at");
	expect_view(&A2, T0 + 33333334, sbn_i64(-1), sbn_i64(-1), "ct2 floored toward minus infinity");

	/*
	 * Already: a critical account settled by an inflow after its critical
	 * time is critical at its settlement.  At 9.5 s A has 0.5 tokens
	 * (< buffer 1); C streams 0.1/s in: netflow -0.9/s, so the balance
	 * goes below 0 at 0.5 * 10^24 / (9 * 10^17) = 555555.5 us: +555556.
	 */
	do_deposit(&C, amt(100), T0, FLOW_OK, "ct C deposit");
	do_open(&C, &A, &h, amt((u128) UINT64_C(100000000000000000)), &NO_BUFFER, T0 + 9500000, FLOW_OK,
			"ct inflow");
	expect_critical(&A, ACCOUNT_TIME_ALREADY, T0 + 9500000, "ct already critical");
	expect_insolvency(&A, ACCOUNT_TIME_AT, T0 + 9500000 + 555556, "ct insolvent later");
	check_times_by_definition(&A, "ct A with inflow");
	/* the inflow grows to 1/s: netflow 0, never insolvent, still critical */
	do_update(&C, &A, &h, amt((u128) UINT64_C(1000000000000000000)), &NO_BUFFER, T0 + 9500000,
			  FLOW_OK, "ct inflow 1/s");
	expect_critical(&A, ACCOUNT_TIME_ALREADY, T0 + 9500000, "ct still critical");
	expect_insolvency(&A, ACCOUNT_TIME_NEVER, 0, "ct netflow 0: never insolvent");
	tap_end("critical and insolvency times: the first microsecond, checked at t - 1 us and t");
}

static void
test_time_extremes(void)
{
	Account		A = fresh(0),
				B = fresh(0),
				E1 = fresh(18),
				E2 = fresh(18),
				R = fresh(18);
	AccountFlow f,
				g,
				h;

	tap_begin();
	/* beyond: the largest balance at the smallest rate lasts past the end of time */
	do_deposit(&A, amt(I127_MAX), T0, FLOW_OK, "beyond deposit");
	do_open(&A, &B, &f, amt(1), &NO_BUFFER, T0, FLOW_OK, "beyond open");
	expect_insolvency(&A, ACCOUNT_TIME_BEYOND, 0, "beyond insolvency");
	expect_critical(&A, ACCOUNT_TIME_BEYOND, 0, "beyond critical");
	check_times_by_definition(&A, "beyond");

	/*
	 * At the very end: 18 decimals (10^6 units a base unit); 1000 units
	 * at one unit a microsecond (rate 10^6), from FLOW_TIME_MAX - 1001:
	 * below 0 first 1001 us later, at FLOW_TIME_MAX.  From one
	 * microsecond later, it would be FLOW_TIME_MAX + 1: beyond.
	 */
	do_deposit(&E1, amt(1000), FLOW_TIME_MAX - 1001, FLOW_OK, "end deposit");
	do_open(&E1, &R, &g, amt(1000000), &NO_BUFFER, FLOW_TIME_MAX - 1001, FLOW_OK, "end open");
	expect_insolvency(&E1, ACCOUNT_TIME_AT, FLOW_TIME_MAX, "ends at the end");
	expect_view(&E1, FLOW_TIME_MAX, sbn_i64(-1), sbn_i64(-1), "end: -1 at the end");
	expect_view(&E1, FLOW_TIME_MAX - 1, sbn_zero(), sbn_zero(), "end: 0 just before");
	do_deposit(&E2, amt(1000), FLOW_TIME_MAX - 1000, FLOW_OK, "end2 deposit");
	do_open(&E2, &R, &h, amt(1000000), &NO_BUFFER, FLOW_TIME_MAX - 1000, FLOW_OK, "end2 open");
	expect_insolvency(&E2, ACCOUNT_TIME_BEYOND, 0, "one us later: beyond");
	expect_view(&E2, FLOW_TIME_MAX, sbn_zero(), sbn_zero(), "end2: 0 at the end");
	/* operations at the end of time are allowed; after it they are out of range */
	do_close(&E2, &R, &h, FLOW_TIME_MAX, FLOW_OK, "close at the end");
	do_deposit(&E2, amt(1), FLOW_TIME_MAX, FLOW_OK, "deposit at the end");
	do_deposit(&E2, amt(1), FLOW_TIME_MAX + 1, FLOW_ERR_TIME_RANGE, "deposit after the end");
	tap_end("critical time: already, never, beyond, and exactly at the end of time");
}

/*
 * Liquidation in time (2 decimals, 10^22 units a base unit).  100.00 out at
 * 0.01/s with DFlow's one-hour buffer of 36.00: available < 0 first at
 * 6400 s + 1 us (64 * 10^24 / 10^16 = 6.4 * 10^9 us), balance < 0 at
 * 10000 s + 1 us.  Liquidated at the critical microsecond, the balance is
 * 36.00 - 0.00000001 (10^16 units): 35.99 unburnt goes to the reward party,
 * and the sender keeps the sub-unit rest.
 */
static void
test_liquidation(void)
{
	Account		A = fresh(2),
				B = fresh(2),
				R = fresh(2);
	AccountFlow f;
	u128		r = (u128) UINT64_C(10000000000000000);
	int64_t		tc = T0 + 6400 * SEC + 1;
	U256		unburnt;
	SBN			v,
				sum;

	tap_begin();
	do_deposit(&A, amt(10000), T0, FLOW_OK, "liq deposit");
	do_open(&A, &B, &f, amt(r), &DFLOW, T0, FLOW_OK, "liq open");
	expect_buffer(&A, 3600, "liq buffer 36.00");
	expect_critical(&A, ACCOUNT_TIME_AT, tc, "liq critical time");
	expect_insolvency(&A, ACCOUNT_TIME_AT, T0 + 10000 * SEC + 1, "liq insolvency time");
	check_times_by_definition(&A, "liq A");

	CHECK(account_liquidation(&A, tc - 1, &unburnt) == FLOW_ERR_NOT_CRITICAL, "liq: not yet critical");
	CHECK(account_liquidation(&A, T0 - 1, &unburnt) == FLOW_ERR_TIME_ORDER, "liq: before the last op");
	CHECK(account_liquidation(&A, FLOW_TIME_MAX + 1, &unburnt) == FLOW_ERR_TIME_RANGE, "liq: out of range");
	CHECK(account_liquidation(&A, tc, &unburnt) == FLOW_OK && u256_low128(&unburnt) == 3599 &&
		  u256_fits_u128(&unburnt), "liq: 35.99 unburnt, got %s", u256_str(&unburnt, sb1));
	do_close(&A, &B, &f, tc, FLOW_OK, "liq close");
	do_transfer(&A, &R, amt(u256_low128(&unburnt)), tc, FLOW_OK, "liq reward");
	/* A keeps 10^22 - 10^16 units: below one base unit */
	v = sdec("9999990000000000000000");
	expect_exact(&A, tc, &v, "liq A keeps the sub-unit rest");
	expect_view(&A, tc, sbn_zero(), sbn_zero(), "liq A after");
	expect_view(&R, tc, sbn_u128(3599), sbn_u128(3599), "liq reward party");
	expect_view(&B, tc, sbn_u128(6400), sbn_u128(6400), "liq receiver: 64.00");
	expect_critical(&A, ACCOUNT_TIME_NEVER, 0, "liq A no longer critical");
	CHECK(account_liquidation(&A, tc, &unburnt) == FLOW_ERR_NOT_CRITICAL, "liq: not critical after");
	sum = exact_at(&A, tc + DAY);
	v = exact_at(&B, tc + DAY);
	sum = sbn_add(&sum, &v);
	v = exact_at(&R, tc + DAY);
	sum = sbn_add(&sum, &v);
	v = sdec("100000000000000000000000000");
	CHECK(sbn_eq(&sum, &v), "liq conservation %s", sbn_str(&sum, sb1));
	tap_end("liquidation at the critical time: the unburnt buffer, to the base unit, to a reward party");
}

/*
 * A late liquidation: at 12000 s the sender has streamed 120.00 of its
 * 100.00.  Nothing is unburnt; the deficit of 20.00 stays, blocks
 * withdrawals, transfers and new flows, and deposits repay it first.
 */
static void
test_late_liquidation(void)
{
	Account		A = fresh(2),
				B = fresh(2),
				C = fresh(2);
	AccountFlow f,
				g;
	u128		r = (u128) UINT64_C(10000000000000000);
	int64_t		tl = T0 + 12000 * SEC;
	U256		unburnt;
	SBN			sum,
				v;

	tap_begin();
	do_deposit(&A, amt(10000), T0, FLOW_OK, "late deposit");
	do_open(&A, &B, &f, amt(r), &DFLOW, T0, FLOW_OK, "late open");
	expect_view(&A, tl, sbn_i64(-2000), sbn_i64(-5600), "late: -20.00, available -56.00");
	CHECK(account_liquidation(&A, tl, &unburnt) == FLOW_OK && u256_is_zero(&unburnt), "late: nothing unburnt");
	do_close(&A, &B, &f, tl, FLOW_OK, "late close");
	expect_view(&A, tl, sbn_i64(-2000), sbn_i64(-2000), "late: the deficit stays");
	expect_view(&A, tl + 365 * DAY, sbn_i64(-2000), sbn_i64(-2000), "late: and does not grow");
	expect_critical(&A, ACCOUNT_TIME_ALREADY, tl, "late: critical already");
	expect_insolvency(&A, ACCOUNT_TIME_ALREADY, tl, "late: insolvent already");
	check_times_by_definition(&A, "late A");
	do_withdraw(&A, amt(1), tl, FLOW_ERR_CRITICAL, "late: no withdraw");
	do_transfer(&A, &C, amt(1), tl, FLOW_ERR_CRITICAL, "late: no transfer");
	do_open(&A, &C, &g, amt(1), &NO_BUFFER, tl, FLOW_ERR_CRITICAL, "late: no new flow");
	/* deposits repay the deficit first */
	do_deposit(&A, amt(1500), tl + SEC, FLOW_OK, "late deposit 15.00");
	expect_view(&A, tl + SEC, sbn_i64(-500), sbn_i64(-500), "late: -5.00");
	do_deposit(&A, amt(1000), tl + 2 * SEC, FLOW_OK, "late deposit 10.00");
	expect_view(&A, tl + 2 * SEC, sbn_u128(500), sbn_u128(500), "late: +5.00");
	expect_critical(&A, ACCOUNT_TIME_NEVER, 0, "late: repaid");
	do_withdraw(&A, amt(500), tl + 2 * SEC, FLOW_OK, "late withdraw 5.00");
	/* the receiver got 120.00: 100.00 deposited and 20.00 still owed by A */
	expect_view(&B, tl, sbn_u128(12000), sbn_u128(12000), "late receiver");
	sum = exact_at(&A, tl + 3 * SEC);
	v = exact_at(&B, tl + 3 * SEC);
	sum = sbn_add(&sum, &v);
	v = sdec("120000000000000000000000000");	/* 100 + 15 + 10 - 5 */
	CHECK(sbn_eq(&sum, &v), "late conservation %s", sbn_str(&sum, sb1));
	tap_end("late liquidation: the deficit stays, never created money, and deposits repay it");
}

/*
 * A buffer beyond 2^127 - 1 base units: two deposits of 2^127 - 1 at 0
 * decimals, two flows each locking min_buffer = 2^127 - 1.  One
 * microsecond later (rate 1 each: 2 units of 10^-24 gone) the balance is
 * 2^128 - 2 - 2 * 10^-24, floor 2^128 - 3: critical, and all of it is
 * unburnt, more than one transfer argument may carry.
 * account_transfer_units pays it in one operation.
 */
static void
test_large_unburnt(void)
{
	Account		A = fresh(0),
				B = fresh(0),
				R = fresh(0),
				before,
				rb;
	AccountFlow f,
				g;
	AccountPolicy p = {0, I127_MAX};
	U256		unburnt,
				want = u256_from_u128(~(u128) 0 - 2),	/* 2^128 - 3 */
				zero = u256_from_u128(0),
				all = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}},
				more;
	SBN			v;

	tap_begin();
	do_deposit(&A, amt(I127_MAX), T0, FLOW_OK, "lu deposit");
	do_deposit(&A, amt(I127_MAX), T0, FLOW_OK, "lu deposit again");
	do_open(&A, &B, &f, amt(1), &p, T0, FLOW_OK, "lu open");
	do_open(&A, &B, &g, amt(1), &p, T0, FLOW_OK, "lu open another");
	expect_critical(&A, ACCOUNT_TIME_AT, T0 + 1, "lu critical after 1 us");
	CHECK(account_liquidation(&A, T0 + 1, &unburnt) == FLOW_OK && u256_eq(&unburnt, &want),
		  "lu unburnt 2^128 - 3: %s", u256_str(&unburnt, sb1));
	do_close(&A, &B, &f, T0 + 1, FLOW_OK, "lu close");
	do_close(&A, &B, &g, T0 + 1, FLOW_OK, "lu close another");

	/* zero, too much, and a credit beyond 256 bits: refused, nothing changes */
	memcpy(&before, &A, sizeof(A));
	memcpy(&rb, &R, sizeof(R));
	CHECK(account_transfer_units(&A, &R, &zero, T0 + 1) == FLOW_ERR_NOT_POSITIVE, "lu units 0");
	(void) u256_add(&more, &want, &(U256) {{1, 0, 0, 0}});
	CHECK(account_transfer_units(&A, &R, &more, T0 + 1) == FLOW_ERR_UNAVAILABLE, "lu units one too many");
	CHECK(account_transfer_units(&A, &R, &all, T0 + 1) == FLOW_ERR_OVERFLOW, "lu units 2^256 - 1");
	CHECK(account_transfer_units(&A, &A, &want, T0 + 1) == FLOW_ERR_SAME_ACCOUNT, "lu units to itself");
	CHECK(account_transfer_units(&A, &R, &want, T0) == FLOW_ERR_TIME_ORDER, "lu units before");
	CHECK(memcmp(&before, &A, sizeof(A)) == 0 && memcmp(&rb, &R, sizeof(R)) == 0, "lu: refusals change nothing");
	CHECK(account_transfer_units(&A, &R, &want, T0 + 1) == FLOW_OK, "lu pays the unburnt buffer");
	v = sdec("340282366920938463463374607431768211453");	/* 2^128 - 3 */
	expect_view(&R, T0 + 1, v, v, "lu the reward party");
	v = sdec("999999999999999999999998");	/* 10^24 - 2 */
	expect_exact(&A, T0 + 1, &v, "lu the sender keeps the sub-unit rest");
	expect_settled(&A, T0 + 1, "lu");
	expect_settled(&R, T0 + 1, "lu");
	tap_end("an unburnt buffer beyond 2^127 - 1 is paid with account_transfer_units");
}

static void
test_flows(void)
{
	Account		A = fresh(6),
				B = fresh(6),
				C = fresh(6),
				X = fresh(18);
	AccountFlow f,
				g,
				h;
	u128		r = (u128) UINT64_C(1000000000000000);	/* 0.001/s */
	AccountPolicy bad = {-1, 0};
	SBN			v;

	tap_begin();
	do_deposit(&A, amt(tokens(6, 100)), T0, FLOW_OK, "fl deposit");
	do_open(&A, &A, &f, amt(r), &DFLOW, T0, FLOW_ERR_SAME_ACCOUNT, "fl to itself");
	do_open(&A, &X, &f, amt(r), &DFLOW, T0, FLOW_ERR_TOKEN_MISMATCH, "fl across tokens");
	do_open(&A, &B, &f, amt(r), &bad, T0, FLOW_ERR_BUFFER_POLICY, "fl bad policy");
	do_open(&A, &B, &f, amt(0), &DFLOW, T0, FLOW_ERR_NOT_POSITIVE, "fl rate 0");
	do_open(&A, &B, &f, amt(I127_MAX + 1), &DFLOW, T0, FLOW_ERR_OVERFLOW, "fl rate 2^127");
	do_open(&A, &B, &f, amt_err(FLOW_ERR_PRECISION), &DFLOW, T0, FLOW_ERR_PRECISION, "fl rate digits");

	/* a chain A -> B -> C: B pays out of what flows in (no buffer needed at 0) */
	do_open(&A, &B, &f, amt(2 * r), &DFLOW, T0, FLOW_OK, "fl A -> B");
	do_open(&B, &C, &g, amt(r), &NO_BUFFER, T0, FLOW_OK, "fl B -> C");
	v = sbn_u128(r);
	expect_netflow(&B, &v, "fl B nets +0.001");
	/* after 1000 s: A 100 - 2 = 98 (buffer 7.2), B 2 - 1 = 1, C 1 */
	expect_view(&A, T0 + 1000 * SEC, sbn_u128(tokens(6, 98)), sbn_u128(90800000), "fl A");
	expect_view(&B, T0 + 1000 * SEC, sbn_u128(tokens(6, 1)), sbn_u128(tokens(6, 1)), "fl B");
	expect_view(&C, T0 + 1000 * SEC, sbn_u128(tokens(6, 1)), sbn_u128(tokens(6, 1)), "fl C");
	/* a cycle: C -> A */
	do_open(&C, &A, &h, amt(r), &NO_BUFFER, T0 + 1000 * SEC, FLOW_OK, "fl C -> A");
	expect_view(&A, T0 + 2000 * SEC, sbn_u128(tokens(6, 97)), sbn_u128(89800000), "fl A in a cycle");
	expect_view(&B, T0 + 2000 * SEC, sbn_u128(tokens(6, 2)), sbn_u128(tokens(6, 2)), "fl B in a cycle");
	expect_view(&C, T0 + 2000 * SEC, sbn_u128(tokens(6, 1)), sbn_u128(tokens(6, 1)), "fl C in a cycle");

	do_update(&A, &B, &f, amt(2 * r), &DFLOW, T0 + 2000 * SEC, FLOW_ERR_SAME_RATE, "fl same rate");
	do_update(&A, &B, &f, amt(0), &DFLOW, T0 + 2000 * SEC, FLOW_ERR_NOT_POSITIVE, "fl update to 0");
	do_update(&A, &B, &f, amt(r), &bad, T0 + 2000 * SEC, FLOW_ERR_BUFFER_POLICY, "fl update bad policy");
	do_update(&A, &A, &f, amt(r), &DFLOW, T0 + 2000 * SEC, FLOW_ERR_SAME_ACCOUNT, "fl update to itself");
	do_close(&A, &A, &f, T0 + 2000 * SEC, FLOW_ERR_SAME_ACCOUNT, "fl close to itself");
	do_close(&A, &X, &f, T0 + 2000 * SEC, FLOW_ERR_TOKEN_MISMATCH, "fl close across tokens");
	do_close(&A, &B, &f, T0 + 2000 * SEC, FLOW_OK, "fl close A -> B");
	do_close(&A, &B, &f, T0 + 2000 * SEC, FLOW_ERR_FLOW_CLOSED, "fl close again");
	do_update(&A, &B, &f, amt(r), &DFLOW, T0 + 2000 * SEC, FLOW_ERR_FLOW_CLOSED, "fl update closed");
	/* a closed flow's struct can be opened again */
	do_open(&A, &B, &f, amt(r), &DFLOW, T0 + 2000 * SEC, FLOW_OK, "fl reopen");
	do_close(&B, &C, &g, T0 + 3000 * SEC, FLOW_OK, "fl close B -> C");
	do_close(&C, &A, &h, T0 + 3000 * SEC, FLOW_OK, "fl close C -> A");
	do_close(&A, &B, &f, T0 + 3000 * SEC, FLOW_OK, "fl close A -> B again");
	CHECK(i256_is_zero(&A.netflow) && i256_is_zero(&B.netflow) && i256_is_zero(&C.netflow) &&
		  u256_is_zero(&A.buffer) && u256_is_zero(&B.buffer) && u256_is_zero(&C.buffer),
		  "fl all closed: netflows and buffers 0");
	{
		SBN			sum = exact_at(&A, T0 + 4000 * SEC),
					w;

		w = exact_at(&B, T0 + 4000 * SEC);
		sum = sbn_add(&sum, &w);
		w = exact_at(&C, T0 + 4000 * SEC);
		sum = sbn_add(&sum, &w);
		w = sdec("100000000000000000000000000");
		CHECK(sbn_eq(&sum, &w), "fl conservation %s", sbn_str(&sum, sb1));
	}
	/* a flow whose buffer exceeds its sender's is not one of its flows: refused, not wrapped */
	{
		AccountFlow bogus;

		do_open(&A, &B, &f, amt(r), &DFLOW, T0 + 4000 * SEC, FLOW_OK, "fl open for the guard");
		bogus = f;
		(void) u256_add(&bogus.buffer, &A.buffer, &(U256) {{1, 0, 0, 0}});
		do_update(&A, &B, &bogus, amt(r / 2), &DFLOW, T0 + 4000 * SEC, FLOW_ERR_OVERFLOW, "fl guard update");
		do_close(&A, &B, &bogus, T0 + 4000 * SEC, FLOW_ERR_OVERFLOW, "fl guard close");
		do_close(&A, &B, &f, T0 + 4000 * SEC, FLOW_OK, "fl close after the guard");
	}
	tap_end("flows: chains, cycles, closing, and their errors (same account, other token, closed, same rate)");
}

static void
test_time_order(void)
{
	Account		A = fresh(6),
				B = fresh(6);
	AccountFlow f;
	I256		v;
	U256		u;
	SBN			before,
				after;

	tap_begin();
	do_deposit(&A, amt(tokens(6, 100)), T0 + 10, FLOW_OK, "to deposit");
	do_deposit(&A, amt(1), T0 + 9, FLOW_ERR_TIME_ORDER, "to deposit before the last");
	do_withdraw(&A, amt(1), T0 + 9, FLOW_ERR_TIME_ORDER, "to withdraw before the last");
	do_deposit(&A, amt(1), T0 + 10, FLOW_OK, "to deposit at the last");
	CHECK(account_balance(&A, T0 + 9, &v) == FLOW_ERR_TIME_ORDER, "to: no balance before the last");
	CHECK(account_balance_units(&A, T0 + 9, &v) == FLOW_ERR_TIME_ORDER, "to: no units before the last");
	CHECK(account_available(&A, T0 + 9, &v) == FLOW_ERR_TIME_ORDER, "to: no available before the last");
	CHECK(account_balance(&A, FLOW_TIME_MAX + 1, &v) == FLOW_ERR_TIME_RANGE, "to: balance out of range");
	CHECK(account_available(&A, FLOW_TIME_MIN - 1, &v) == FLOW_ERR_TIME_RANGE, "to: available out of range");
	do_deposit(&A, amt(1), FLOW_TIME_MIN - 1, FLOW_ERR_TIME_RANGE, "to: range before order");
	do_deposit(&B, amt(tokens(6, 100)), T0 + 20, FLOW_OK, "to B deposit");
	/* the receiver's last operation counts too */
	do_open(&A, &B, &f, amt(1000), &DFLOW, T0 + 15, FLOW_ERR_TIME_ORDER, "to open before the receiver's last");
	do_transfer(&A, &B, amt(1), T0 + 15, FLOW_ERR_TIME_ORDER, "to transfer before the receiver's last");
	do_transfer(&B, &A, amt(1), T0 + 15, FLOW_ERR_TIME_ORDER, "to transfer before the sender's last");
	do_open(&A, &B, &f, amt(1000), &DFLOW, T0 + 20, FLOW_OK, "to open");
	do_update(&A, &B, &f, amt(2000), &DFLOW, T0 + 19, FLOW_ERR_TIME_ORDER, "to update before");
	do_close(&A, &B, &f, T0 + 19, FLOW_ERR_TIME_ORDER, "to close before");
	do_close(&A, &B, &f, FLOW_TIME_MAX + 1, FLOW_ERR_TIME_RANGE, "to close out of range");
	CHECK(account_liquidation(&A, T0 + 19, &u) == FLOW_ERR_TIME_ORDER, "to liquidation before");
	/* settle: nothing moves; the time moves */
	before = exact_at(&A, T0 + 30);
	CHECK(account_settle(&A, T0 + 29) == FLOW_OK, "to settle");
	expect_settled(&A, T0 + 29, "to settle");
	after = exact_at(&A, T0 + 30);
	CHECK(sbn_eq(&before, &after), "to: settling changes no balance");
	CHECK(account_settle(&A, T0 + 28) == FLOW_ERR_TIME_ORDER, "to settle before");
	CHECK(account_settle(&A, FLOW_TIME_MAX + 1) == FLOW_ERR_TIME_RANGE, "to settle out of range");
	tap_end("time order (sender's and receiver's last operation) and time range");
}

static void
test_error_order(void)
{
	Account		A = fresh(6),
				B = fresh(6),
				X = fresh(2),
				M;
	AccountFlow f,
				closed;
	AccountPolicy bad = {-1, 0},
				bad_min = {0, I127_MAX + 1};
	SBN			maxv = sdec("57896044618658097711785492504343953926634992332820282019728792003956564819967"),
				zero = sbn_zero();
	U256		nobuf = u256_from_u128(0);

	tap_begin();
	do_deposit(&A, amt(tokens(6, 100)), T0 + 10, FLOW_OK, "eo deposit");
	do_deposit(&B, amt(tokens(6, 100)), T0 + 10, FLOW_OK, "eo deposit B");
	/* time, then the accounts, then the amount */
	do_transfer(&A, &A, amt(0), T0 + 9, FLOW_ERR_TIME_ORDER, "eo time first");
	do_transfer(&A, &A, amt(0), FLOW_TIME_MAX + 1, FLOW_ERR_TIME_RANGE, "eo range first");
	do_transfer(&A, &A, amt(0), T0 + 10, FLOW_ERR_SAME_ACCOUNT, "eo same account before amount");
	do_transfer(&A, &X, amt(0), T0 + 10, FLOW_ERR_TOKEN_MISMATCH, "eo token before amount");
	do_transfer(&A, &B, amt(0), T0 + 10, FLOW_ERR_NOT_POSITIVE, "eo amount");
	/* flows: closed, then policy, then the rate, then same rate */
	do_open(&A, &A, &f, amt(0), &bad, T0 + 10, FLOW_ERR_SAME_ACCOUNT, "eo open same before policy");
	do_open(&A, &B, &f, amt(0), &bad, T0 + 10, FLOW_ERR_BUFFER_POLICY, "eo open policy before rate");
	do_open(&A, &B, &f, amt(0), &bad_min, T0 + 10, FLOW_ERR_BUFFER_POLICY, "eo open min_buffer 2^127");
	do_open(&A, &B, &f, amt(1000), &DFLOW, T0 + 10, FLOW_OK, "eo open");
	memset(&closed, 0, sizeof(closed));
	do_update(&A, &B, &closed, amt(0), &bad, T0 + 10, FLOW_ERR_FLOW_CLOSED, "eo closed before policy");
	do_update(&A, &B, &f, amt(1000), &bad, T0 + 10, FLOW_ERR_BUFFER_POLICY, "eo policy before same rate");
	do_update(&A, &B, &f, amt(I127_MAX + 1), &DFLOW, T0 + 10, FLOW_ERR_OVERFLOW, "eo rate range");
	do_update(&A, &B, &f, amt(1000), &DFLOW, T0 + 10, FLOW_ERR_SAME_RATE, "eo same rate");
	do_close(&A, &X, &closed, T0 + 10, FLOW_ERR_TOKEN_MISMATCH, "eo close: token before closed");
	/* overflow before unavailable: the receiver at the largest balance */
	M = literal(6, &maxv, &zero, &nobuf, T0 + 10);
	do_transfer(&A, &M, amt(tokens(6, 1000)), T0 + 10, FLOW_ERR_OVERFLOW, "eo overflow before unavailable");
	do_transfer(&A, &M, amt(tokens(6, 10)), T0 + 10, FLOW_ERR_OVERFLOW, "eo overflow");
	do_deposit(&M, amt(0), T0 + 10, FLOW_ERR_NOT_POSITIVE, "eo amount before overflow");
	tap_end("error order: time, accounts, flow, policy, argument, overflow, then unavailable");
}

static void
test_overflow(void)
{
	SBN			maxv = sdec("57896044618658097711785492504343953926634992332820282019728792003956564819967"),
				minv = sdec("-57896044618658097711785492504343953926634992332820282019728792003956564819968"),
				p254 = sdec("28948022309329048855892746252171976963317496166410141009864396001978282409984"),
				zero = sbn_zero(),
				v,
				w;
	U256		nobuf = u256_from_u128(0),
				two255 = {{0, 0, 0, UINT64_C(1) << 63}};
	Account		A,
				B,
				C = fresh(0);
	AccountFlow f;
	I256		x;
	U256		u;

	tap_begin();
	/* the largest static balance takes no more */
	A = literal(0, &maxv, &zero, &nobuf, T0);
	do_deposit(&A, amt(1), T0, FLOW_ERR_OVERFLOW, "of deposit at the top");
	expect_exact(&A, T0 + DAY, &maxv, "of the top is a balance");
	v = sbn_u128(flow_unit_scale[0]);
	w = sbn_sub(&maxv, &v);
	A = literal(0, &w, &zero, &nobuf, T0);
	do_deposit(&A, amt(1), T0, FLOW_OK, "of deposit up to the top exactly");
	expect_exact(&A, T0, &maxv, "of at the top");

	/* the largest netflow: 1 us of it fits, 2 do not; one more unit of rate does not */
	A = literal(0, &zero, &maxv, &nobuf, T0);
	expect_exact(&A, T0 + 1, &maxv, "of netflow max for 1 us");
	CHECK(account_balance(&A, T0 + 2, &x) == FLOW_ERR_OVERFLOW, "of netflow max for 2 us");
	CHECK(account_available(&A, T0 + 2, &x) == FLOW_ERR_OVERFLOW, "of available overflows with it");
	do_deposit(&C, amt(10), T0, FLOW_OK, "of C deposit");
	do_open(&C, &A, &f, amt(1), &NO_BUFFER, T0, FLOW_ERR_OVERFLOW, "of inflow beyond the largest netflow");
	do_open(&C, &A, &f, amt(1), &NO_BUFFER, T0 + 2, FLOW_ERR_OVERFLOW, "of settling beyond 256 bits");
	do_deposit(&A, amt(1), T0 + 2, FLOW_ERR_OVERFLOW, "of deposit where the balance overflows");
	CHECK(account_settle(&A, T0 + 2) == FLOW_ERR_OVERFLOW, "of settle where the balance overflows");

	/*
	 * Exact, not intermediate: static -2^255 with netflow 2^254.  At 3 us the
	 * product 3 * 2^254 exceeds 2^255 but the balance 2^254 fits; at 4 us
	 * it is 2^255: overflow.
	 */
	A = literal(0, &minv, &p254, &nobuf, T0);
	expect_exact(&A, T0 + 2, &zero, "of -2^255 + 2 * 2^254 = 0");
	expect_exact(&A, T0 + 3, &p254, "of -2^255 + 3 * 2^254 = 2^254");
	CHECK(account_balance(&A, T0 + 4, &x) == FLOW_ERR_OVERFLOW, "of -2^255 + 4 * 2^254 = 2^255");
	v = sbn_neg(&p254);
	A = literal(0, &maxv, &v, &nobuf, T0);
	{
		SBN			one = sbn_u128(1);

		w = sbn_sub(&v, &one);
	}
	expect_exact(&A, T0 + 3, &w, "of 2^255 - 1 - 3 * 2^254 = -2^254 - 1");
	CHECK(account_balance(&A, T0 + 4, &x) == FLOW_ERR_OVERFLOW, "of 2^255 - 1 - 2^256");
	check_times_by_definition(&A, "of a huge negative netflow");

	/* the available balance below -2^255: the balance fits, the view overflows */
	A = literal(18, &minv, &zero, &two255, T0);
	CHECK(account_balance_units(&A, T0, &x) == FLOW_OK, "of balance at the bottom");
	CHECK(account_available(&A, T0, &x) == FLOW_ERR_OVERFLOW, "of available below the bottom");
	do_withdraw(&A, amt(1), T0, FLOW_ERR_OVERFLOW, "of withdraw with an overflowing available");
	CHECK(account_liquidation(&A, T0, &u) == FLOW_ERR_OVERFLOW, "of liquidation with it");
	expect_critical(&A, ACCOUNT_TIME_ALREADY, T0, "of critical already (buffer * unit beyond 2^256)");
	expect_insolvency(&A, ACCOUNT_TIME_ALREADY, T0, "of insolvent already");
	/* a buffer of 2^255 base units at the top balance: buffer * unit beyond 256 bits */
	A = literal(0, &maxv, &zero, &two255, T0);
	expect_critical(&A, ACCOUNT_TIME_ALREADY, T0, "of a buffer beyond the balance");
	expect_insolvency(&A, ACCOUNT_TIME_NEVER, 0, "of solvent");

	/* a receiver at the top refuses a transfer; the sender stays as it was */
	A = literal(0, &maxv, &zero, &nobuf, T0);
	do_transfer(&C, &A, amt(1), T0, FLOW_ERR_OVERFLOW, "of transfer to the top");

	/*
	 * The most an operation can reach: 18 decimals, 2^127 - 1 base units
	 * streamed at 2^127 - 1 from the beginning to the end of time.
	 */
	A = fresh(18);
	B = fresh(18);
	do_deposit(&A, amt(I127_MAX), FLOW_TIME_MIN, FLOW_OK, "of largest deposit");
	do_open(&A, &B, &f, amt(I127_MAX), &NO_BUFFER, FLOW_TIME_MIN, FLOW_OK, "of largest flow");
	{
		SBN			r = sbn_u128(I127_MAX),
					span = sbn_i64(0),
					dep,
					unit = sbn_u128(flow_unit_scale[18]),
					rec,
					snd;

		{
			BN			s = bn_u64((uint64_t) FLOW_TIME_MAX - (uint64_t) FLOW_TIME_MIN);

			span = sbn_make(false, &s);
		}
		rec = sbn_mul(&r, &span);
		dep = sbn_mul(&r, &unit);
		snd = sbn_sub(&dep, &rec);
		expect_exact(&B, FLOW_TIME_MAX, &rec, "of the receiver at the end of time");
		expect_exact(&A, FLOW_TIME_MAX, &snd, "of the sender at the end of time");
		/* below 0 at (2^127 - 1) * 10^6 / (2^127 - 1) + 1 = 10^6 + 1 us */
		expect_insolvency(&A, ACCOUNT_TIME_AT, FLOW_TIME_MIN + 1000001, "of largest: insolvent");
		expect_exact(&A, FLOW_TIME_MIN + 1000000, &zero, "of largest: 0 at 1 s");
		do_close(&A, &B, &f, FLOW_TIME_MAX, FLOW_OK, "of close at the end");
		expect_exact(&B, FLOW_TIME_MAX, &rec, "of the receiver after closing");
	}
	tap_end("overflow at the extremes: exact 256-bit limits, never a wrap, state unchanged");
}

/*
 * One receiver of a thousand flows at the largest rate: its netflow is
 * 1000 * (2^127 - 1), beyond 128 bits, and each sender's -100 * (2^127 - 1)
 * takes the wide division of the critical time.
 */
static void
test_many_flows(void)
{
	enum
	{
		N_SENDERS = 10, PER = 100
	};
	static AccountFlow f[N_SENDERS * PER];
	Account		S[N_SENDERS],
				R = fresh(18);
	SBN			want,
				one = sbn_u128(I127_MAX),
				sum,
				v;
	int64_t		t1 = T0 + 10001;

	tap_begin();
	for (int i = 0; i < N_SENDERS; i++)
	{
		S[i] = fresh(18);
		do_deposit(&S[i], amt(I127_MAX), T0, FLOW_OK, "many deposit");
		for (int k = 0; k < PER; k++)
			do_open(&S[i], &R, &f[i * PER + k], amt(I127_MAX), &NO_BUFFER, T0, FLOW_OK, "many open");
	}
	v = sbn_i64(N_SENDERS * PER);
	want = sbn_mul(&one, &v);
	expect_netflow(&R, &want, "many: receiver netflow 1000 x max");
	v = sbn_i64(-PER);
	want = sbn_mul(&one, &v);
	expect_netflow(&S[0], &want, "many: sender netflow -100 x max");
	/* (2^127 - 1) * 10^6 / (100 * (2^127 - 1)) = 10^4: below 0 at 10^4 + 1 us */
	expect_insolvency(&S[0], ACCOUNT_TIME_AT, t1, "many: sender insolvent");
	check_times_by_definition(&S[0], "many sender");
	check_times_by_definition(&R, "many receiver");
	sum = sbn_zero();
	for (int i = 0; i < N_SENDERS; i++)
	{
		v = exact_at(&S[i], t1);
		sum = sbn_add(&sum, &v);
	}
	v = exact_at(&R, t1);
	sum = sbn_add(&sum, &v);
	v = sbn_i64(N_SENDERS * 1000000);
	want = sbn_mul(&one, &v);
	CHECK(sbn_eq(&sum, &want), "many: conservation %s", sbn_str(&sum, sb1));
	for (int i = 0; i < N_SENDERS; i++)
		for (int k = 0; k < PER; k++)
			do_close(&S[i], &R, &f[i * PER + k], t1, FLOW_OK, "many close");
	CHECK(i256_is_zero(&R.netflow), "many: all closed");
	tap_end("a receiver of 1000 flows at the largest rate: netflows beyond 128 bits");
}

int
main(void)
{
	T0 = oracle_time(2026, 1, 1, 0, 0, 0, 0);

	tap_plan(19);
	test_wide_signed();
	test_wide_wider();
	test_init();
	test_superfluid_example();
	test_buffer_size();
	test_policy_for_buffer();
	test_lowering_never_raises();
	test_buffer_needs_available();
	test_withdraw_transfer();
	test_critical_times();
	test_time_extremes();
	test_liquidation();
	test_late_liquidation();
	test_large_unburnt();
	test_flows();
	test_time_order();
	test_error_order();
	test_overflow();
	test_many_flows();

	printf("# account_unit: %ld checks passed, %ld failed\n", checks_passed, checks_failed);
	return tap_done();
}
