/*
 * account_property.c — a seeded randomized property test of accounts and
 * flows (account.c).
 *
 *   test/core/account_property [seed]
 *
 * Universes of one to three tokens (distinct decimals, each with its
 * buffer policy, changed now and then), each token with its accounts and
 * the flows between them: chains, cycles, one receiver of thousands of
 * flows, rates from 10^-18 token/s to 2^127 - 1, amounts from one base unit
 * to 2^127 - 1, times from the beginning to the end of timestamptz.  Every
 * operation (deposit, withdraw, transfer, open, update, close, settle, and
 * liquidation: closing every outgoing flow of a critical account and paying
 * its unburnt buffer to a reward party or leaving it) is also applied to an
 * independent model, which shares no code with src/ and does not use its
 * representation: it keeps each account's balance as a line in absolute
 * time, c + n * t (no static balance, no settled_at), the flows as a list,
 * and the sums of deposits and withdrawals per token, all in the
 * sign-and-magnitude bignum of oracle.h.  From those alone it predicts
 * every error, in the order account.h documents, and every number.
 *
 * After every operation: the error equals the model's, and a failed
 * operation changed nothing; every account of the tokens involved has the
 * model's balance and available balance at the operation's time and at a
 * later one (and every account of the universe, every 32 operations);
 * netflow and buffer equal the model's, and every 256 operations (and at
 * the end of a universe) the sums of the open flows and of their buffers,
 * recomputed from the flow list; each token's balances sum, to the 10^-24
 * unit, to its deposits less its withdrawals, and its netflows to 0; the
 * critical and insolvency times of the accounts changed are the first
 * microsecond of their definition (below 0 at t, not at t - 1 us).
 * Finally, literal states at the 256-bit limits check each overflow rule.
 *
 * Output is TAP, one test per property; the seed is printed first, and a
 * failure prints the last operations of its universe.
 */
#include <stdarg.h>
#include <time.h>

#include "account.h"
#include "oracle.h"

#define DEFAULT_SEED	20260601ULL
#define TARGET_OPS		1000000
#define MAX_ACCOUNTS	48
#define MAX_FLOWS		6000
#define MAX_TOKENS		3
#define N_LITERAL_CASES	60000
#define LOG_RING		24

#define SEC		INT64_C(1000000)
#define HOUR	(INT64_C(3600) * SEC)
#define DAY		(INT64_C(86400) * SEC)
#define YEAR	(INT64_C(365) * DAY)

static unsigned long long seed;

/* ------------------------------------------------------------------ */
/* the properties, each a TAP test with its own counts                 */
/* ------------------------------------------------------------------ */

enum
{
	P_ERRORS, P_VIEWS, P_SUMS, P_CONSERVATION, P_CRITICAL, P_INSOLVENCY, P_LIQUIDATION,
	P_LITERAL, P_COUNT
};

static const char *const prop_names[P_COUNT] = {
	"errors equal the model's; a failed operation changes nothing",
	"balance and available balance equal the model's at several times",
	"netflow = sum of the open flows' rates, buffer = sum of their buffers",
	"conservation per token: sum of balances = deposits - withdrawals to 10^-24, netflows sum to 0",
	"critical time is the first microsecond with available < 0 (t - 1 us: >= 0)",
	"insolvency time is the first microsecond with balance < 0 (t - 1 us: >= 0)",
	"liquidation: unburnt = clamp(balance, 0, buffer), every outgoing flow closed",
	"literal states at the 256-bit limits: overflow exactly where the model says"
};

static long prop_checks[P_COUNT],
			prop_failed[P_COUNT];
static int	prop_override = -1;	/* the literal cases count every check as P_LITERAL */

static void failf(const char *fmt,...);

#define PCHECK(p, cond, ...) \
	do { \
		bool		ok_ = (cond); \
		int			p_ = prop_override >= 0 ? prop_override : (p); \
		prop_checks[p_]++; \
		if (!check_count(ok_)) \
		{ \
			prop_failed[p_]++; \
			failf(__VA_ARGS__); \
		} \
	} while (0)

static char b1[200], b2[200], b3[200];

/* ------------------------------------------------------------------ */
/* oracle arithmetic for the model                                     */
/* ------------------------------------------------------------------ */

static BN	pow10_bn[25];		/* 10^k */
static SBN	unit_sbn[FLOW_MAX_DECIMALS + 1];	/* 10^(24 - dec) */

/* floor(x / 10^(24 - dec)), toward minus infinity */
static SBN
m_floor(const SBN *x, int dec)
{
	int			k = 24 - dec;
	BN			q = bn_div_pow10(&x->mag, k),
				back,
				one = bn_u64(1);

	if (x->neg)
	{
		bn_mul(&back, &pow10_bn[k], &q);
		if (!bn_eq(&back, &x->mag))
			bn_add(&q, &q, &one);
	}
	return sbn_make(x->neg, &q);
}

static const char *
bns_dec(const BN *b, char *buf)
{
	bn_to_dec(b, buf);
	return buf;
}

static SBN
sbn_bn(const BN *b)
{
	return sbn_make(false, b);
}

static SBN
sbn_t(int64_t t)
{
	return sbn_i64(t);
}

/* ------------------------------------------------------------------ */
/* the universe: core structs and the model side by side               */
/* ------------------------------------------------------------------ */

typedef struct MTok
{
	int			dec;
	AccountPolicy pol;
	BN			dep,
				wd;				/* sums of deposits and withdrawals, base units */
} MTok;

typedef struct MAcc
{
	int			tok;
	SBN			c;				/* balance(t) = c + n * t, 10^-24 tokens */
	SBN			n;				/* 10^-18 tokens per second */
	BN			b;				/* buffer, base units */
	int64_t		last;			/* time of the last operation */
	int64_t		settled;		/* where the core must have settled it */
} MAcc;

typedef struct MFlow
{
	int			s,
				r;
	u128		rate;			/* 0: closed */
	BN			buffer;
	AccountFlow core;
} MFlow;

typedef struct Universe
{
	int			ntok;
	MTok		tok[MAX_TOKENS];
	int			nacc;
	Account		acc[MAX_ACCOUNTS];
	MAcc		m[MAX_ACCOUNTS];
	int			nflow;
	MFlow		flow[MAX_FLOWS];
	int64_t		now;
	int			hub;			/* the receiver of many flows, or -1 */
	int			pace;			/* how fast time runs: 0 slow .. 3 fast */
} Universe;

static Universe U;
static int	cur_universe;
static long n_ops,
			n_ok,
			n_err_by[FLOW_ERR_CRITICAL + 1];
static long n_liquidations,
			n_liquidated_flows,
			n_late_liquidations,
			n_rewards,
			n_time_kind[4][2];
static long n_conservation_skipped;
static int	max_flows_seen,
			max_fan_in,			/* open flows into one account, at most */
			max_open_in;

/* ------------------------------------------------------------------ */
/* the log of the current universe, printed on failure                 */
/* ------------------------------------------------------------------ */

enum
{
	OP_DEP, OP_WD, OP_TR, OP_OPEN, OP_UPD, OP_CLOSE, OP_SETTLE, OP_LIQ, OP_POLICY, OP_KINDS
};

static const char *const kind_names[OP_KINDS] = {
	"deposit", "withdraw", "transfer", "open", "update", "close", "settle", "liquidate", "policy"
};

typedef struct LogEntry
{
	long		n;
	int			kind,
				i,
				j,
				f;
	FlowAmount	a;
	int64_t		t;
	FlowError	got,
				want;
} LogEntry;

static LogEntry ring[LOG_RING];
static long nlogged;
static int	last_universe_printed = -1;

static void
log_op(int kind, int i, int j, int f, const FlowAmount *a, int64_t t, FlowError got, FlowError want)
{
	LogEntry   *e = &ring[nlogged % LOG_RING];

	e->n = nlogged++;
	e->kind = kind;
	e->i = i;
	e->j = j;
	e->f = f;
	e->a = a ? *a : amt(0);
	e->t = t;
	e->got = got;
	e->want = want;
}

static void
print_log(void)
{
	long		from = nlogged > LOG_RING ? nlogged - LOG_RING : 0;
	char		buf[200];			/* not b1: the message being printed may hold it */

	printf("#   universe %d: %d tokens, %d accounts, %d flows, hub %d\n", cur_universe, U.ntok, U.nacc,
		   U.nflow, U.hub);
	for (int k = 0; k < U.ntok; k++)
		printf("#   token %d: decimals %d, buffer_period %lld, min_buffer %s\n", k, U.tok[k].dec,
			   (long long) U.tok[k].pol.buffer_period, u128_str(U.tok[k].pol.min_buffer, buf));
	for (long n = from; n < nlogged; n++)
	{
		LogEntry   *e = &ring[n % LOG_RING];

		printf("#   #%ld %s(i=%d, j=%d, f=%d, ", e->n, kind_names[e->kind], e->i, e->j, e->f);
		if (e->a.err)
			printf("<%s>", err_name(e->a.err));
		else
			printf("%s", u128_str(e->a.units, buf));
		printf(") at %lld -> %s", (long long) e->t, err_name(e->got));
		if (e->got != e->want)
			printf(" (model: %s)", err_name(e->want));
		putchar('\n');
	}
}

static void
failf(const char *fmt,...)
{
	va_list		ap;

	if (failures_printed >= MAX_FAILURES_PRINTED)
		return;
	failures_printed++;
	printf("# FAILURE %d: seed %llu, universe %d, after operation %ld\n", failures_printed, seed,
		   cur_universe, nlogged - 1);
	if (last_universe_printed != cur_universe)
	{
		print_log();
		last_universe_printed = cur_universe;
	}
	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* the model                                                           */
/* ------------------------------------------------------------------ */

static int
dec_of(int i)
{
	return U.tok[U.m[i].tok].dec;
}

/* the exact balance at t: c + n * t */
static SBN
m_exact(const MAcc *m, int64_t t)
{
	SBN			tt = sbn_t(t),
				p = sbn_mul(&m->n, &tt);

	return sbn_add(&m->c, &p);
}

/* floor(balance) - buffer, base units, from an exact balance */
static SBN
m_avail_from(const MAcc *m, int dec, const SBN *exact)
{
	SBN			f = m_floor(exact, dec),
				b = sbn_bn(&m->b);

	return sbn_sub(&f, &b);
}

/* the exact available balance: c + n * t - buffer * unit */
static SBN
m_exact_avail(const MAcc *m, int dec, int64_t t)
{
	SBN			e = m_exact(m, t),
				b = sbn_bn(&m->b),
				lock = sbn_mul(&b, &unit_sbn[dec]);

	return sbn_sub(&e, &lock);
}

static FlowError
m_time(const MAcc *m, int64_t t)
{
	if (t < FLOW_TIME_MIN || t > FLOW_TIME_MAX)
		return FLOW_ERR_TIME_RANGE;
	if (t < m->last || t < m->settled)
		return FLOW_ERR_TIME_ORDER;
	return FLOW_OK;
}

static FlowError
m_arg(const FlowAmount *a)
{
	if (a->err)
		return a->err;
	if (a->units > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	if (a->units == 0)
		return FLOW_ERR_NOT_POSITIVE;
	return FLOW_OK;
}

static bool
m_policy_ok(const AccountPolicy *p)
{
	return p->buffer_period >= 0 && p->min_buffer <= I127_MAX;
}

/* max(min_buffer, ceil(rate * period / unit)) */
static BN
m_flow_buffer(u128 rate, const AccountPolicy *p, int dec)
{
	BN			r = bn_u128(rate),
				per = bn_u64((uint64_t) p->buffer_period),
				prod,
				q,
				rem,
				one = bn_u64(1),
				mn = bn_u128(p->min_buffer);

	bn_mul(&prod, &r, &per);
	bn_divmod(&q, &rem, &prod, &unit_sbn[dec].mag);
	if (!bn_is_zero(&rem))
		bn_add(&q, &q, &one);
	return bn_cmp(&q, &mn) >= 0 ? q : mn;
}

/* the flow's buffer at a new rate: lowering never raises it */
static BN
m_new_buffer(const MFlow *f, u128 rate, const AccountPolicy *p, int dec)
{
	BN			full = m_flow_buffer(rate, p, dec);

	if (f == NULL || f->rate == 0 || rate > f->rate)
		return full;
	return bn_min(&full, &f->buffer);
}

/* moves the line of account m by a rate change d at t, keeping balance(t) */
static void
m_slope(MAcc *m, const SBN *d, int64_t t)
{
	SBN			tt = sbn_t(t),
				p = sbn_mul(d, &tt);

	m->n = sbn_add(&m->n, d);
	m->c = sbn_sub(&m->c, &p);
}

static void
m_touch(MAcc *m, int64_t t)
{
	m->last = t;
	m->settled = t;
}

/* ------------------------------------------------------------------ */
/* comparing the core with the model                                   */
/* ------------------------------------------------------------------ */

/* one account's views at t (t >= its last operation) */
static void
check_account_at(int i, int64_t t, const char *when)
{
	const Account *a = &U.acc[i];
	const MAcc *m = &U.m[i];
	int			dec = dec_of(i);
	SBN			e = m_exact(m, t),
				av,
				got;
	I256		v;
	FlowError	err;

	err = account_balance(a, t, &v);
	if (!sbn_fits_i256(&e))
	{
		PCHECK(P_VIEWS, err == FLOW_ERR_OVERFLOW, "%s: account %d balance at %lld: %s, model overflows",
			   when, i, (long long) t, err_name(err));
		return;
	}
	got = sbn_from_i256(&v);
	PCHECK(P_VIEWS, err == FLOW_OK && sbn_eq(&got, &e), "%s: account %d exact balance at %lld: %s %s, model %s",
		   when, i, (long long) t, err_name(err), sbn_str(&got, b1), sbn_str(&e, b2));
	av = m_avail_from(m, dec, &e);
	err = account_available(a, t, &v);
	got = sbn_from_i256(&v);
	if (!sbn_fits_i256(&av))
		PCHECK(P_VIEWS, err == FLOW_ERR_OVERFLOW, "%s: account %d available at %lld: %s, model overflows",
			   when, i, (long long) t, err_name(err));
	else
		PCHECK(P_VIEWS, err == FLOW_OK && sbn_eq(&got, &av), "%s: account %d available at %lld: %s %s, model %s",
			   when, i, (long long) t, err_name(err), sbn_str(&got, b1), sbn_str(&av, b2));
	if (rng_pct(10))
	{
		SBN			fl = m_floor(&e, dec);

		err = account_balance_units(a, t, &v);
		got = sbn_from_i256(&v);
		PCHECK(P_VIEWS, err == FLOW_OK && sbn_eq(&got, &fl), "%s: account %d units at %lld: %s, model %s",
			   when, i, (long long) t, sbn_str(&got, b1), sbn_str(&fl, b2));
	}
}

/* netflow, buffer and times of one account against the model's running values */
static void
check_account_state(int i, const char *when)
{
	const Account *a = &U.acc[i];
	const MAcc *m = &U.m[i];
	SBN			nf = sbn_from_i256(&a->netflow);
	BN			buf = bn_from_u256(&a->buffer);

	PCHECK(P_SUMS, sbn_eq(&nf, &m->n), "%s: account %d netflow %s, model %s", when, i,
		   sbn_str(&nf, b1), sbn_str(&m->n, b2));
	PCHECK(P_SUMS, bn_eq(&buf, &m->b), "%s: account %d buffer %s, model %s", when, i,
		   u256_str(&a->buffer, b1), bns_dec(&m->b, b2));
	PCHECK(P_VIEWS, a->last == m->last && a->settled_at == m->settled && account_state_problem(a) == NULL,
		   "%s: account %d last %lld settled %lld, model %lld %lld", when, i, (long long) a->last,
		   (long long) a->settled_at, (long long) m->last, (long long) m->settled);
}

/*
 * The critical (or insolvency) time against its definition, by the model:
 * already when below 0 at settled_at, never when not and n >= 0, beyond
 * when still >= 0 at the end of time, else below 0 at t and not at t - 1.
 */
static void
check_times(int i, const char *when)
{
	const Account *a = &U.acc[i];
	const MAcc *m = &U.m[i];
	int			dec = dec_of(i);

	for (int critical = 0; critical < 2; critical++)
	{
		int			p = critical ? P_CRITICAL : P_INSOLVENCY;
		int64_t		at = INT64_MIN;
		AccountTime got = critical ? account_critical_time(a, &at) : account_insolvency_time(a, &at);
		SBN			start = critical ? m_exact_avail(m, dec, m->settled) : m_exact(m, m->settled);
		AccountTime want;

		if (start.neg)
			want = ACCOUNT_TIME_ALREADY;
		else if (!m->n.neg)
			want = ACCOUNT_TIME_NEVER;
		else
		{
			SBN			end = critical ? m_exact_avail(m, dec, FLOW_TIME_MAX) :
				m_exact(m, FLOW_TIME_MAX);

			want = end.neg ? ACCOUNT_TIME_AT : ACCOUNT_TIME_BEYOND;
		}
		n_time_kind[want][critical]++;
		PCHECK(p, got == want, "%s: account %d %s time kind %d, model %d", when, i,
			   critical ? "critical" : "insolvency", (int) got, (int) want);
		if (got != want)
			continue;
		if (want == ACCOUNT_TIME_ALREADY)
			PCHECK(p, at == m->settled, "%s: account %d already at %lld, want %lld", when, i,
				   (long long) at, (long long) m->settled);
		else if (want == ACCOUNT_TIME_AT)
		{
			SBN			v = critical ? m_exact_avail(m, dec, at) : m_exact(m, at),
						w;

			PCHECK(p, at > m->settled && at <= FLOW_TIME_MAX && v.neg,
				   "%s: account %d %s time %lld: not below 0 there (%s)", when, i,
				   critical ? "critical" : "insolvency", (long long) at, sbn_str(&v, b1));
			if (at > m->settled)
			{
				w = critical ? m_exact_avail(m, dec, at - 1) : m_exact(m, at - 1);
				PCHECK(p, !w.neg, "%s: account %d %s time %lld: already below 0 1 us before (%s)", when,
					   i, critical ? "critical" : "insolvency", (long long) at, sbn_str(&w, b1));
			}
			/* and the core's own views agree, where they answer */
			if (at - 1 >= a->last)
			{
				I256		x,
							y;
				FlowError	e1 = critical ? account_available(a, at - 1, &x) :
					account_balance_units(a, at - 1, &x),
							e2 = critical ? account_available(a, at, &y) :
					account_balance_units(a, at, &y);

				if (e1 == FLOW_OK && e2 == FLOW_OK)
					PCHECK(p, !i256_is_neg(&x) && i256_is_neg(&y),
						   "%s: account %d %s time %lld: the core's views disagree", when, i,
						   critical ? "critical" : "insolvency", (long long) at);
			}
		}
	}
}

/* sums of the open flows of every account, from the flow list, against the core */
static void
check_flow_sums(const char *when)
{
	SBN			n[MAX_ACCOUNTS];
	BN			b[MAX_ACCOUNTS];

	for (int i = 0; i < U.nacc; i++)
	{
		n[i] = sbn_zero();
		b[i] = bn_zero();
	}
	for (int k = 0; k < U.nflow; k++)
	{
		const MFlow *f = &U.flow[k];
		SBN			r = sbn_u128(f->rate);
		BN			fb = bn_from_u256(&f->core.buffer);

		PCHECK(P_SUMS, f->core.rate == f->rate && bn_eq(&fb, &f->buffer),
			   "%s: flow %d rate %s buffer %s, model %s %s", when, k, u128_str(f->core.rate, b1),
			   u256_str(&f->core.buffer, b2), u128_str(f->rate, b3), bns_dec(&f->buffer, b3));
		if (f->rate == 0)
			continue;
		n[f->r] = sbn_add(&n[f->r], &r);
		n[f->s] = sbn_sub(&n[f->s], &r);
		bn_add(&b[f->s], &b[f->s], &f->buffer);
	}
	for (int i = 0; i < U.nacc; i++)
	{
		SBN			nf = sbn_from_i256(&U.acc[i].netflow);
		BN			buf = bn_from_u256(&U.acc[i].buffer);

		PCHECK(P_SUMS, sbn_eq(&nf, &n[i]), "%s: account %d netflow %s, sum of its flows %s", when, i,
			   sbn_str(&nf, b1), sbn_str(&n[i], b2));
		PCHECK(P_SUMS, bn_eq(&buf, &b[i]), "%s: account %d buffer %s, sum of its flows' %s", when, i,
			   u256_str(&U.acc[i].buffer, b1), bns_dec(&b[i], b2));
	}
}

/* Σ balances at t = (deposits - withdrawals) * unit, Σ netflows = 0, from the core */
static void
check_conservation(int k, int64_t t, const char *when)
{
	SBN			sum = sbn_zero(),
				nsum = sbn_zero(),
				want,
				d = sbn_bn(&U.tok[k].dep),
				w = sbn_bn(&U.tok[k].wd);

	for (int i = 0; i < U.nacc; i++)
	{
		I256		v;
		SBN			x;

		if (U.m[i].tok != k)
			continue;
		if (account_balance(&U.acc[i], t, &v) != FLOW_OK)
		{
			/* an overflowing balance (the views check that it is one): no sum */
			n_conservation_skipped++;
			return;
		}
		x = sbn_from_i256(&v);
		sum = sbn_add(&sum, &x);
		x = sbn_from_i256(&U.acc[i].netflow);
		nsum = sbn_add(&nsum, &x);
	}
	want = sbn_sub(&d, &w);
	want = sbn_mul(&want, &unit_sbn[U.tok[k].dec]);
	PCHECK(P_CONSERVATION, sbn_eq(&sum, &want), "%s: token %d at %lld: balances sum to %s, deposits - withdrawals %s",
		   when, k, (long long) t, sbn_str(&sum, b1), sbn_str(&want, b2));
	PCHECK(P_CONSERVATION, sbn_is_zero(&nsum), "%s: token %d netflows sum to %s", when, k, sbn_str(&nsum, b1));
}

/* the latest last operation of a token's accounts */
static int64_t
token_last(int k)
{
	int64_t		t = FLOW_TIME_MIN;

	for (int i = 0; i < U.nacc; i++)
		if (U.m[i].tok == k && U.m[i].last > t)
			t = U.m[i].last;
	return t;
}

/* ------------------------------------------------------------------ */
/* random inputs                                                       */
/* ------------------------------------------------------------------ */

static u128
pow10_128(int k)
{
	u128		r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

static int64_t
clamp_add(int64_t t, int64_t step)
{
	if ((uint64_t) step > (uint64_t) FLOW_TIME_MAX - (uint64_t) t)
		return FLOW_TIME_MAX;
	return t + step;
}

static int64_t
gen_step(void)
{
	int			r = (int) rng_below(100);

	if (r < 35)
		return 0;
	if (r < 45)
		return 1 + (int64_t) rng_below(10);
	if (r < 60)
		return (int64_t) rng_below(SEC + 1);
	if (r < 75 - 5 * U.pace)
		return (int64_t) rng_below(HOUR + 1);
	if (r < 92 - 2 * U.pace)
		return (int64_t) rng_below(30 * DAY + 1);
	if (r < 99)
		return (int64_t) rng_below(YEAR + 1);
	return (int64_t) rng_below(50 * YEAR + 1);
}

static u128
gen_rate(int dec)
{
	switch (rng_below(12))
	{
		case 0:
			return 1 + rng_below(1000);	/* tiny */
		case 1:
		case 2:
		case 3:
			/* typical: 0.000001 .. 0.01 token/s */
			return (u128) (UINT64_C(1000000000000) + rng_below(UINT64_C(10000000000000000)));
		case 4:
			/* whole base units per second */
			return pow10_128(18 - dec) * (1 + rng_below(1000));
		case 5:
			return pow10_128((int) rng_below(19)) * (1 + rng_below(1000));
		case 6:
			return rng_bits128(1 + (int) rng_below(64));
		case 7:
			return rng_bits128(1 + (int) rng_below(127));
		case 8:
			return I127_MAX - rng_below(1000);	/* near the top */
		default:
			return (u128) rng_below(UINT64_C(1000000000000000000)) + 1;
	}
}

static FlowAmount
gen_bad(void)
{
	static const FlowError errs[] = {FLOW_ERR_PRECISION, FLOW_ERR_NOT_A_NUMBER, FLOW_ERR_NOT_POSITIVE};

	if (rng_pct(40))
		return amt(0);
	if (rng_pct(30))
		return amt(I127_MAX + 1 + rng_below(1000));
	return amt_err(errs[rng_below(3)]);
}

/* an amount around a limit (an available balance, which may be negative) */
static FlowAmount
gen_near(const SBN *limit, int dec)
{
	int			r = (int) rng_below(100);
	u128		lim = 0;

	if (!limit->neg && bn_fits_bits(&limit->mag, 127))
		lim = bn_low128(&limit->mag);
	else if (!limit->neg)
		lim = I127_MAX;
	if (r < 4)
		return gen_bad();
	if (r < 20)
		return amt(lim < I127_MAX ? lim + 1 : I127_MAX);
	if (r < 40 && lim > 0)
		return amt(lim);
	if (r < 50)
		return amt(1);
	if (r < 60)
		return amt(pow10_128(dec) * (1 + rng_below(100)));
	if (lim <= 1)
		return amt(1 + rng_below(3));
	return amt(1 + rng_u128_upto(lim - 1));
}

static FlowAmount
gen_deposit(int dec)
{
	int			r = (int) rng_below(100);

	if (r < 3)
		return gen_bad();
	if (r < 50)
		return amt(pow10_128(dec) * (1 + rng_below(1000000)));
	if (r < 70)
		return amt(1 + rng_below(UINT64_C(1000000000)));
	if (r < 80)
		return amt(I127_MAX - rng_below(1000));
	if (r < 90)
		return amt(rng_bits128(1 + (int) rng_below(127)));
	return amt(pow10_128(dec) * (1 + rng_below(1000)));
}

/*
 * A rate whose buffer is about what the sender has available: the
 * boundary of FLOW_ERR_UNAVAILABLE.
 */
static u128
gen_rate_near_available(int i)
{
	int			dec = dec_of(i);
	const AccountPolicy *p = &U.tok[U.m[i].tok].pol;
	SBN			e = m_exact(&U.m[i], U.now),
				av = m_avail_from(&U.m[i], dec, &e);
	BN			x,
				q,
				per;

	if (av.neg || p->buffer_period <= 0 || bn_is_zero(&av.mag))
		return gen_rate(dec);
	/* rate = available * unit / period, then a little either way */
	bn_mul(&x, &av.mag, &unit_sbn[dec].mag);
	per = bn_u64((uint64_t) p->buffer_period);
	bn_divmod(&q, NULL, &x, &per);
	if (!bn_fits_bits(&q, 127) || bn_is_zero(&q))
		return gen_rate(dec);
	{
		u128		r = bn_low128(&q);
		u128		wiggle = rng_below(3);

		if (rng_pct(50))
			r = r + wiggle <= I127_MAX ? r + wiggle : r;
		else
			r = r > wiggle ? r - wiggle : r;
		return r ? r : 1;
	}
}

static AccountPolicy
gen_policy(int dec)
{
	AccountPolicy p;

	switch (rng_below(6))
	{
		case 0:
			p.buffer_period = 0;
			break;
		case 1:
			p.buffer_period = SEC;
			break;
		case 2:
			p.buffer_period = HOUR;	/* DFlow */
			break;
		case 3:
			p.buffer_period = 4 * HOUR;	/* Superfluid */
			break;
		default:
			p.buffer_period = (int64_t) rng_below(30 * DAY + 1);
			break;
	}
	switch (rng_below(6))
	{
		case 0:
		case 1:
		case 2:
			p.min_buffer = 0;
			break;
		case 3:
			p.min_buffer = pow10_128(dec) * (1 + rng_below(10));
			break;
		case 4:
			p.min_buffer = 1 + rng_below(1000);
			break;
		default:
			p.min_buffer = rng_pct(90) ? rng_bits128(1 + (int) rng_below(80)) : I127_MAX;
			break;
	}
	return p;
}

/* a time for an operation on accounts i (and j, when >= 0) */
static int64_t
gen_time(int i, int j)
{
	int			r = (int) rng_below(1000);
	int64_t		last = U.m[i].last;

	if (j >= 0 && U.m[j].last > last && rng_pct(50))
		last = U.m[j].last;
	if (r < 25 && last > FLOW_TIME_MIN)
	{
		/* earlier than a last operation: FLOW_ERR_TIME_ORDER */
		uint64_t	back = 1 + rng_below(rng_pct(50) ? 1000 : (uint64_t) DAY);
		uint64_t	room = (uint64_t) last - (uint64_t) FLOW_TIME_MIN;

		return (int64_t) ((uint64_t) last - (back > room ? room : back));
	}
	if (r < 30)
		return rng_pct(50) ? FLOW_TIME_MAX + 1 + (int64_t) rng_below(100) : FLOW_TIME_MIN - 1;
	return U.now;
}

/* a random account other than i of the same token (or i itself when alone) */
static int
other_of_token(int i)
{
	int			k = U.m[i].tok,
				n = 0,
				pick[MAX_ACCOUNTS];

	for (int a = 0; a < U.nacc; a++)
		if (U.m[a].tok == k && a != i)
			pick[n++] = a;
	return n ? pick[rng_below((uint64_t) n)] : i;
}

/* an account of another token (of other decimals), or -1 */
static int
of_other_token(int i)
{
	int			n = 0,
				pick[MAX_ACCOUNTS];

	for (int a = 0; a < U.nacc; a++)
		if (U.m[a].tok != U.m[i].tok)
			pick[n++] = a;
	return n ? pick[rng_below((uint64_t) n)] : -1;
}

/* the second account of a two-account operation: usually same token, sometimes not */
static int
gen_partner(int i)
{
	int			r = (int) rng_below(100);

	if (r < 3)
		return i;				/* FLOW_ERR_SAME_ACCOUNT */
	if (r < 6)
	{
		int			o = of_other_token(i);

		if (o >= 0)
			return o;			/* FLOW_ERR_TOKEN_MISMATCH */
	}
	if (U.hub >= 0 && U.m[i].tok == U.m[U.hub].tok && i != U.hub && rng_pct(80))
		return U.hub;
	return other_of_token(i);
}

/* ------------------------------------------------------------------ */
/* the operations, on the core and on the model                        */
/* ------------------------------------------------------------------ */

static bool touched[MAX_ACCOUNTS];
static bool token_touched[MAX_TOKENS];

static void
touch(int i)
{
	touched[i] = true;
	token_touched[U.m[i].tok] = true;
}

/* Counts the operation; checks its error and, on error, that nothing changed. */
static bool
result(FlowError got, FlowError want, bool unchanged, const char *what)
{
	n_ops++;
	if (got >= 0 && got <= FLOW_ERR_NOT_CRITICAL)
		n_err_by[got]++;
	PCHECK(P_ERRORS, got == want, "%s returned %s, model %s", what, err_name(got), err_name(want));
	if (got != FLOW_OK)
	{
		PCHECK(P_ERRORS, unchanged, "a failed %s changed something", what);
		return false;
	}
	n_ok++;
	return want == FLOW_OK;
}

static SBN
amount_exact(u128 units, int dec)
{
	SBN			a = sbn_u128(units);

	return sbn_mul(&a, &unit_sbn[dec]);
}

/* whether units > avail, for an available balance of either sign */
static bool
exceeds(u128 units, const SBN *avail)
{
	BN			u = bn_u128(units);

	return avail->neg || bn_cmp(&u, &avail->mag) > 0;
}

static void
op_deposit(int i, FlowAmount a, int64_t t)
{
	MAcc	   *m = &U.m[i];
	int			dec = dec_of(i);
	Account		before = U.acc[i];
	SBN			add = sbn_zero();
	FlowError	want = m_time(m, t),
				got;

	if (want == FLOW_OK)
		want = m_arg(&a);
	if (want == FLOW_OK)
	{
		SBN			e0 = m_exact(m, t),
					e1;

		add = amount_exact(a.units, dec);
		e1 = sbn_add(&e0, &add);
		if (!sbn_fits_i256(&e0) || !sbn_fits_i256(&e1))
			want = FLOW_ERR_OVERFLOW;
	}
	got = account_deposit(&U.acc[i], &a, t);
	log_op(OP_DEP, i, -1, -1, &a, t, got, want);
	if (result(got, want, memcmp(&before, &U.acc[i], sizeof(before)) == 0, "deposit"))
	{
		BN			units = bn_u128(a.units);

		m->c = sbn_add(&m->c, &add);
		m_touch(m, t);
		bn_add(&U.tok[m->tok].dep, &U.tok[m->tok].dep, &units);
		touch(i);
	}
}

static void
op_withdraw(int i, FlowAmount a, int64_t t)
{
	MAcc	   *m = &U.m[i];
	int			dec = dec_of(i);
	Account		before = U.acc[i];
	SBN			sub = sbn_zero();
	FlowError	want = m_time(m, t),
				got;

	if (want == FLOW_OK)
		want = m_arg(&a);
	if (want == FLOW_OK)
	{
		SBN			e = m_exact(m, t),
					av = m_avail_from(m, dec, &e);

		if (!sbn_fits_i256(&e) || !sbn_fits_i256(&av))
			want = FLOW_ERR_OVERFLOW;
		else if (exceeds(a.units, &av))
			want = av.neg ? FLOW_ERR_CRITICAL : FLOW_ERR_UNAVAILABLE;
		sub = amount_exact(a.units, dec);
	}
	got = account_withdraw(&U.acc[i], &a, t);
	log_op(OP_WD, i, -1, -1, &a, t, got, want);
	if (result(got, want, memcmp(&before, &U.acc[i], sizeof(before)) == 0, "withdraw"))
	{
		BN			units = bn_u128(a.units);

		m->c = sbn_sub(&m->c, &sub);
		m_touch(m, t);
		bn_add(&U.tok[m->tok].wd, &U.tok[m->tok].wd, &units);
		touch(i);
	}
}

/*
 * A transfer of a (an argument, at most 2^127 - 1) or, when a is NULL, of
 * units (an amount the core computed, up to 2^256 - 1: the reward of a
 * liquidation) through account_transfer_units.
 */
static FlowError
op_transfer(int i, int j, const FlowAmount *a, const BN *units, int64_t t)
{
	MAcc	   *mi = &U.m[i],
			   *mj = &U.m[j];
	int			dec = dec_of(i);
	Account		bi = U.acc[i],
				bj = U.acc[j];
	SBN			x = sbn_zero();
	BN			amount = a ? bn_u128(a->units) : *units;
	FlowError	want = m_time(mi, t),
				got;

	if (want == FLOW_OK)
		want = m_time(mj, t);
	if (want == FLOW_OK && i == j)
		want = FLOW_ERR_SAME_ACCOUNT;
	if (want == FLOW_OK && dec_of(j) != dec)
		want = FLOW_ERR_TOKEN_MISMATCH;
	if (want == FLOW_OK)
		want = a ? m_arg(a) : bn_is_zero(units) ? FLOW_ERR_NOT_POSITIVE : FLOW_OK;
	if (want == FLOW_OK)
	{
		SBN			ei = m_exact(mi, t),
					ej = m_exact(mj, t),
					av = m_avail_from(mi, dec, &ei),
					am = sbn_bn(&amount),
					ej1;

		x = sbn_mul(&am, &unit_sbn[dec]);
		ej1 = sbn_add(&ej, &x);
		if (!sbn_fits_i256(&ei) || !sbn_fits_i256(&ej) || !sbn_fits_i256(&av) || !sbn_fits_i256(&ej1))
			want = FLOW_ERR_OVERFLOW;
		else if (sbn_cmp(&am, &av) > 0)
			want = av.neg ? FLOW_ERR_CRITICAL : FLOW_ERR_UNAVAILABLE;
	}
	if (a)
		got = account_transfer(&U.acc[i], &U.acc[j], a, t);
	else
	{
		U256		u;

		if (!bn_to_u256(units, &u))
			abort();
		got = account_transfer_units(&U.acc[i], &U.acc[j], &u, t);
	}
	{
		FlowAmount	shown = amt(bn_fits_bits(&amount, 128) ? bn_low128(&amount) : ~(u128) 0);

		log_op(OP_TR, i, j, a ? -1 : -2, a ? a : &shown, t, got, want);
	}
	if (result(got, want, memcmp(&bi, &U.acc[i], sizeof(bi)) == 0 && memcmp(&bj, &U.acc[j], sizeof(bj)) == 0,
			   a ? "transfer" : "transfer_units"))
	{
		mi->c = sbn_sub(&mi->c, &x);
		mj->c = sbn_add(&mj->c, &x);
		m_touch(mi, t);
		m_touch(mj, t);
		touch(i);
		touch(j);
	}
	return got;
}

/*
 * The checks every flow operation shares, through FLOW_ERR_OVERFLOW of the
 * balances and netflows; d is the rate change (receiver gains, sender loses).
 */
static FlowError
m_flow_checks(int s, int r, const MFlow *f, bool need_open, const AccountPolicy *p,
			  const FlowAmount *rate, int64_t t, const SBN *d)
{
	FlowError	want = m_time(&U.m[s], t);

	if (want == FLOW_OK)
		want = m_time(&U.m[r], t);
	if (want == FLOW_OK && s == r)
		want = FLOW_ERR_SAME_ACCOUNT;
	if (want == FLOW_OK && dec_of(s) != dec_of(r))
		want = FLOW_ERR_TOKEN_MISMATCH;
	if (want == FLOW_OK && need_open && f->rate == 0)
		want = FLOW_ERR_FLOW_CLOSED;
	if (want == FLOW_OK && p && !m_policy_ok(p))
		want = FLOW_ERR_BUFFER_POLICY;
	if (want == FLOW_OK && rate)
		want = m_arg(rate);
	if (want == FLOW_OK && rate && f && f->rate == rate->units)
		want = FLOW_ERR_SAME_RATE;
	if (want == FLOW_OK)
	{
		SBN			es = m_exact(&U.m[s], t),
					er = m_exact(&U.m[r], t),
					ns = sbn_sub(&U.m[s].n, d),
					nr = sbn_add(&U.m[r].n, d);

		if (!sbn_fits_i256(&es) || !sbn_fits_i256(&er) || !sbn_fits_i256(&ns) || !sbn_fits_i256(&nr))
			want = FLOW_ERR_OVERFLOW;
	}
	return want;
}

/* Applies a rate change d of the flow s -> r at t to the model. */
static void
m_apply_flow(int s, int r, const SBN *d, int64_t t)
{
	SBN			nd = sbn_neg(d);

	m_slope(&U.m[s], &nd, t);
	m_slope(&U.m[r], d, t);
	m_touch(&U.m[s], t);
	m_touch(&U.m[r], t);
	touch(s);
	touch(r);
}

/* opens a flow s -> r in slot k (a new one, or a closed one reused) */
static void
op_open(int s, int r, int k, FlowAmount rate, const AccountPolicy *p, int64_t t)
{
	MFlow	   *f = &U.flow[k];
	AccountFlow fb = f->core;
	Account		bs = U.acc[s],
				br = U.acc[r];
	SBN			d = sbn_u128(rate.err ? 0 : rate.units);
	BN			buf = bn_zero();
	FlowError	want = m_flow_checks(s, r, NULL, false, p, &rate, t, &d),
				got;

	if (want == FLOW_OK)
	{
		SBN			e = m_exact(&U.m[s], t),
					av = m_avail_from(&U.m[s], dec_of(s), &e),
					bb;

		buf = m_flow_buffer(rate.units, p, dec_of(s));
		bb = sbn_bn(&buf);
		if (!sbn_fits_i256(&av))
			want = FLOW_ERR_OVERFLOW;
		else if (sbn_cmp(&bb, &av) > 0)
			want = av.neg ? FLOW_ERR_CRITICAL : FLOW_ERR_UNAVAILABLE;
	}
	got = account_flow_open(&U.acc[s], &U.acc[r], &f->core, &rate, p, t);
	log_op(OP_OPEN, s, r, k, &rate, t, got, want);
	if (result(got, want, memcmp(&bs, &U.acc[s], sizeof(bs)) == 0 && memcmp(&br, &U.acc[r], sizeof(br)) == 0 &&
			   memcmp(&fb, &f->core, sizeof(fb)) == 0, "open"))
	{
		BN			got_buf = bn_from_u256(&f->core.buffer);

		m_apply_flow(s, r, &d, t);
		bn_add(&U.m[s].b, &U.m[s].b, &buf);
		f->s = s;
		f->r = r;
		f->rate = rate.units;
		f->buffer = buf;
		if (k == U.nflow)
			U.nflow++;
		{
			int			in = 0;

			for (int x = 0; x < U.nflow; x++)
				if (U.flow[x].rate != 0 && U.flow[x].r == r)
					in++;
			if (in > max_open_in)
				max_open_in = in;
		}
		PCHECK(P_SUMS, f->core.rate == rate.units && bn_eq(&got_buf, &buf), "open: flow buffer %s, model %s",
			   u256_str(&f->core.buffer, b1), bns_dec(&buf, b2));
	}
}

static void
op_update(int k, FlowAmount rate, const AccountPolicy *p, int64_t t)
{
	MFlow	   *f = &U.flow[k];
	int			s = f->s,
				r = f->r;
	AccountFlow fb = f->core;
	Account		bs = U.acc[s],
				br = U.acc[r];
	SBN			d = sbn_zero();
	BN			buf = bn_zero();
	FlowError	want,
				got;

	if (!rate.err)
	{
		SBN			nr = sbn_u128(rate.units),
					orr = sbn_u128(f->rate);

		d = sbn_sub(&nr, &orr);
	}
	want = m_flow_checks(s, r, f, true, p, &rate, t, &d);
	if (want == FLOW_OK)
	{
		buf = m_new_buffer(f, rate.units, p, dec_of(s));
		if (rate.units > f->rate)
		{
			SBN			e = m_exact(&U.m[s], t),
						av = m_avail_from(&U.m[s], dec_of(s), &e),
						inc = sbn_zero();

			if (bn_cmp(&buf, &f->buffer) > 0)
			{
				BN			x;

				bn_sub(&x, &buf, &f->buffer);
				inc = sbn_bn(&x);
			}
			if (!sbn_fits_i256(&av))
				want = FLOW_ERR_OVERFLOW;
			else if (sbn_cmp(&inc, &av) > 0)
				want = av.neg ? FLOW_ERR_CRITICAL : FLOW_ERR_UNAVAILABLE;
		}
	}
	got = account_flow_update(&U.acc[s], &U.acc[r], &f->core, &rate, p, t);
	log_op(OP_UPD, s, r, k, &rate, t, got, want);
	if (result(got, want, memcmp(&bs, &U.acc[s], sizeof(bs)) == 0 && memcmp(&br, &U.acc[r], sizeof(br)) == 0 &&
			   memcmp(&fb, &f->core, sizeof(fb)) == 0, "update"))
	{
		BN			got_buf = bn_from_u256(&f->core.buffer);

		m_apply_flow(s, r, &d, t);
		bn_sub(&U.m[s].b, &U.m[s].b, &f->buffer);
		bn_add(&U.m[s].b, &U.m[s].b, &buf);
		f->rate = rate.units;
		f->buffer = buf;
		PCHECK(P_SUMS, f->core.rate == rate.units && bn_eq(&got_buf, &buf), "update: flow buffer %s, model %s",
			   u256_str(&f->core.buffer, b1), bns_dec(&buf, b2));
	}
}

static FlowError
op_close(int k, int64_t t)
{
	MFlow	   *f = &U.flow[k];
	int			s = f->s,
				r = f->r;
	AccountFlow fb = f->core;
	Account		bs = U.acc[s],
				br = U.acc[r];
	SBN			d = sbn_u128(f->rate);
	FlowError	want,
				got;

	d = sbn_neg(&d);
	want = m_flow_checks(s, r, f, true, NULL, NULL, t, &d);
	got = account_flow_close(&U.acc[s], &U.acc[r], &f->core, t);
	log_op(OP_CLOSE, s, r, k, NULL, t, got, want);
	if (result(got, want, memcmp(&bs, &U.acc[s], sizeof(bs)) == 0 && memcmp(&br, &U.acc[r], sizeof(br)) == 0 &&
			   memcmp(&fb, &f->core, sizeof(fb)) == 0, "close"))
	{
		m_apply_flow(s, r, &d, t);
		bn_sub(&U.m[s].b, &U.m[s].b, &f->buffer);
		f->rate = 0;
		f->buffer = bn_zero();
		PCHECK(P_SUMS, f->core.rate == 0 && u256_is_zero(&f->core.buffer), "close: the flow is not closed");
	}
	return got;
}

static void
op_settle(int i, int64_t t)
{
	MAcc	   *m = &U.m[i];
	Account		before = U.acc[i];
	FlowError	want = m_time(m, t),
				got;

	if (want == FLOW_OK)
	{
		SBN			e = m_exact(m, t);

		if (!sbn_fits_i256(&e))
			want = FLOW_ERR_OVERFLOW;
	}
	got = account_settle(&U.acc[i], t);
	log_op(OP_SETTLE, i, -1, -1, NULL, t, got, want);
	if (result(got, want, memcmp(&before, &U.acc[i], sizeof(before)) == 0, "settle"))
	{
		m_touch(m, t);
		touch(i);
	}
}

/*
 * A liquidation of account i at t, as the sweeper does it: the unburnt
 * buffer, then every outgoing flow closed, then (per policy) the unburnt
 * buffer paid to a reward party.
 */
static void
op_liquidate(int i, int64_t t, bool reward)
{
	MAcc	   *m = &U.m[i];
	int			dec = dec_of(i);
	Account		before = U.acc[i];
	U256		unburnt = u256_from_u128(0);
	SBN			e = sbn_zero(),
				want_unburnt = sbn_zero();
	FlowError	want = m_time(m, t),
				got;
	bool		all_closed = true;
	int			closed = 0;

	if (want == FLOW_OK)
	{
		SBN			av;

		e = m_exact(m, t);
		av = m_avail_from(m, dec, &e);
		if (!sbn_fits_i256(&e) || !sbn_fits_i256(&av))
			want = FLOW_ERR_OVERFLOW;
		else if (!av.neg)
			want = FLOW_ERR_NOT_CRITICAL;
		else
		{
			SBN			fl = m_floor(&e, dec),
						b = sbn_bn(&m->b);

			want_unburnt = fl.neg ? sbn_zero() : sbn_cmp(&fl, &b) <= 0 ? fl : b;
		}
	}
	got = account_liquidation(&U.acc[i], t, &unburnt);
	log_op(OP_LIQ, i, -1, -1, NULL, t, got, want);
	PCHECK(P_LIQUIDATION, memcmp(&before, &U.acc[i], sizeof(before)) == 0, "liquidation changed the account");
	if (!result(got, want, true, "liquidation"))
		return;
	{
		BN			ub = bn_from_u256(&unburnt);
		SBN			gu = sbn_bn(&ub);

		PCHECK(P_LIQUIDATION, sbn_eq(&gu, &want_unburnt), "liquidation: unburnt %s, model %s",
			   sbn_str(&gu, b1), sbn_str(&want_unburnt, b2));
	}
	for (int k = 0; k < U.nflow; k++)
		if (U.flow[k].rate != 0 && U.flow[k].s == i)
		{
			if (op_close(k, t) != FLOW_OK)
				all_closed = false;
			closed++;
		}
	if (closed > 0)
	{
		n_liquidations++;
		n_liquidated_flows += closed;
		if (e.neg)
			n_late_liquidations++;
	}
	if (!all_closed)
		return;
	/* (a literal state's buffer and netflow are not sums of its flows) */
	if (prop_override < 0)
		PCHECK(P_LIQUIDATION, u256_is_zero(&U.acc[i].buffer) && !i256_is_neg(&U.acc[i].netflow),
			   "liquidated account %d keeps buffer %s, netflow sign %d", i, u256_str(&U.acc[i].buffer, b1),
			   i256_sign(&U.acc[i].netflow));
	if (reward && !u256_is_zero(&unburnt))
	{
		int			j = other_of_token(i);
		BN			ub = bn_from_u256(&unburnt);

		if (j != i)
		{
			PCHECK(P_LIQUIDATION, op_transfer(i, j, NULL, &ub, t) == FLOW_OK,
				   "the reward transfer of the unburnt buffer failed");
			n_rewards++;
			/* all but the sub-unit rest is gone */
			{
				SBN			after = m_exact(m, t),
							fl = m_floor(&after, dec);

				PCHECK(P_LIQUIDATION, sbn_is_zero(&fl), "after the reward, account %d keeps %s units", i,
					   sbn_str(&fl, b1));
			}
		}
	}
	else if (!e.neg)
	{
		/* left with the sender: the balance is unchanged by the liquidation */
		SBN			after = m_exact(m, t);

		PCHECK(P_LIQUIDATION, sbn_eq(&after, &e), "liquidation moved account %d's balance", i);
	}
}

/* ------------------------------------------------------------------ */
/* the checks after each operation                                     */
/* ------------------------------------------------------------------ */

static void
check_after(void)
{
	static long since_sweep = 0,
				since_sums = 0;

	for (int k = 0; k < U.ntok; k++)
	{
		int64_t		t,
					t2;

		if (!token_touched[k])
			continue;
		t = token_last(k);
		if (U.now > t)
			t = U.now;
		t2 = clamp_add(t, gen_step());
		for (int i = 0; i < U.nacc; i++)
			if (U.m[i].tok == k)
				check_account_at(i, t, "after");
		check_conservation(k, t, "after");
		if (rng_pct(25))
			check_conservation(k, t2, "later");
	}
	for (int i = 0; i < U.nacc; i++)
	{
		if (!touched[i])
			continue;
		check_account_state(i, "after");
		check_times(i, "after");
		check_account_at(i, clamp_add(U.m[i].last, gen_step()), "later");
		if (rng_pct(5))
			check_account_at(i, FLOW_TIME_MAX, "at the end of time");
		if (rng_pct(5) && U.m[i].last > FLOW_TIME_MIN)
		{
			I256		v;

			PCHECK(P_VIEWS, account_balance(&U.acc[i], U.m[i].last - 1, &v) == FLOW_ERR_TIME_ORDER &&
				   account_available(&U.acc[i], U.m[i].last - 1, &v) == FLOW_ERR_TIME_ORDER,
				   "account %d: a view before the last operation", i);
		}
	}
	if (++since_sweep >= 32)
	{
		since_sweep = 0;
		for (int i = 0; i < U.nacc; i++)
		{
			check_account_state(i, "sweep");
			check_account_at(i, U.now > U.m[i].last ? U.now : U.m[i].last, "sweep");
		}
	}
	if (++since_sums >= 256)
	{
		since_sums = 0;
		check_flow_sums("every 256 operations");
	}
	memset(touched, 0, sizeof(touched));
	memset(token_touched, 0, sizeof(token_touched));
}

/* ------------------------------------------------------------------ */
/* universes                                                           */
/* ------------------------------------------------------------------ */

enum
{
	U_SMALL, U_HUB, U_EXTREME, U_KINDS
};

static void
new_universe(int kind)
{
	static const int decs[] = {0, 2, 6, 8, 18};
	int			used = 0;

	memset(&U, 0, sizeof(U));
	U.hub = -1;
	U.pace = (int) rng_below(4);
	U.ntok = kind == U_HUB ? 1 + (int) rng_below(2) : 1 + (int) rng_below(MAX_TOKENS);
	for (int k = 0; k < U.ntok; k++)
	{
		int			d;

		/* distinct decimals, so that another token is always another decimals */
		do
			d = rng_pct(70) ? decs[rng_below(5)] : (int) rng_below(FLOW_MAX_DECIMALS + 1);
		while (used & (1 << d));
		used |= 1 << d;
		U.tok[k].dec = d;
		U.tok[k].pol = gen_policy(d);
		U.tok[k].dep = bn_zero();
		U.tok[k].wd = bn_zero();
	}
	for (int k = 0; k < U.ntok; k++)
	{
		int			n = kind == U_HUB && k == 0 ? 8 + (int) rng_below(12) :
			kind == U_EXTREME ? 2 + (int) rng_below(4) : 2 + (int) rng_below(7);

		for (int a = 0; a < n && U.nacc < MAX_ACCOUNTS; a++)
		{
			int			i = U.nacc++;

			if (account_init(&U.acc[i], U.tok[k].dec) != FLOW_OK)
				abort();
			U.m[i].tok = k;
			U.m[i].c = sbn_zero();
			U.m[i].n = sbn_zero();
			U.m[i].b = bn_zero();
			U.m[i].last = FLOW_TIME_MIN;
			U.m[i].settled = FLOW_TIME_MIN;
		}
	}
	if (kind == U_HUB)
		U.hub = 0;
	switch (rng_below(10))
	{
		case 0:
			U.now = FLOW_TIME_MIN + (int64_t) rng_below((uint64_t) YEAR);
			break;
		case 1:
			U.now = FLOW_TIME_MAX - (int64_t) rng_below(20 * (uint64_t) YEAR);
			break;
		case 2:
			U.now = rng_range(FLOW_TIME_MIN, FLOW_TIME_MAX);
			break;
		default:
			U.now = oracle_time(2026, 1, 1, 0, 0, 0, 0) + (int64_t) rng_below((uint64_t) YEAR);
			break;
	}
}

/* a random flow: an open one mostly */
static int
pick_flow(void)
{
	for (int tries = 0; tries < 8; tries++)
	{
		int			k = (int) rng_below((uint64_t) U.nflow);

		if (U.flow[k].rate != 0 || rng_pct(10))
			return k;
	}
	return (int) rng_below((uint64_t) U.nflow);
}

/* a random account, critical ones more often for liquidations */
static int
pick_critical(void)
{
	int			n = 0,
				pick[MAX_ACCOUNTS];

	for (int i = 0; i < U.nacc; i++)
	{
		SBN			av = m_exact_avail(&U.m[i], dec_of(i), U.now);

		/* critical, with outgoing flows to close (or, now and then, without) */
		if (av.neg && (!bn_is_zero(&U.m[i].b) || U.m[i].n.neg || rng_pct(10)))
			pick[n++] = i;
	}
	if (n > 0 && rng_pct(85))
		return pick[rng_below((uint64_t) n)];
	return (int) rng_below((uint64_t) U.nacc);
}

static void
random_op(int kind)
{
	int			r = (int) rng_below(100);
	int			i = (int) rng_below((uint64_t) U.nacc);
	int			dec = dec_of(i);

	if (kind == U_HUB && i == U.hub && rng_pct(80))
		i = other_of_token(i);
	if (kind == U_HUB)
		r = r < 50 ? 30 + (int) rng_below(10) : r;	/* open a lot */

	if (r < 14)
		op_deposit(i, gen_deposit(dec), gen_time(i, -1));
	else if (r < 24)
	{
		SBN			e = m_exact(&U.m[i], U.now),
					av = m_avail_from(&U.m[i], dec, &e);

		op_withdraw(i, gen_near(&av, dec), gen_time(i, -1));
	}
	else if (r < 32)
	{
		int			j = gen_partner(i);
		SBN			e = m_exact(&U.m[i], U.now),
					av = m_avail_from(&U.m[i], dec, &e);
		FlowAmount	a = gen_near(&av, dec);

		if (rng_pct(15) && !a.err && !av.neg)
		{
			/* through account_transfer_units: all of it, one more, or a part */
			BN			u = av.mag,
						one = bn_u64(1);

			if (rng_pct(30))
				bn_add(&u, &u, &one);
			else if (rng_pct(30))
				u = bn_u128(a.units);
			else if (rng_pct(10))
				u = bn_zero();
			op_transfer(i, j, NULL, &u, gen_time(i, j));
		}
		else
			op_transfer(i, j, &a, NULL, gen_time(i, j));
	}
	else if (r < 52)
	{
		int			j = gen_partner(i),
					k = U.nflow;
		AccountPolicy bad = {-1 - (int64_t) rng_below(10), 0};
		const AccountPolicy *p = rng_pct(2) ? &bad : &U.tok[U.m[i].tok].pol;
		FlowAmount	rate;

		if (rng_pct(3))
			rate = gen_bad();
		else if (rng_pct(35))
			rate = amt(gen_rate_near_available(i));
		else
			rate = amt(gen_rate(dec));
		if (k >= MAX_FLOWS)
		{
			/* full: reuse a closed slot, if any */
			k = -1;
			for (int tries = 0; tries < 64 && k < 0; tries++)
			{
				int			c = (int) rng_below(MAX_FLOWS);

				if (U.flow[c].rate == 0)
					k = c;
			}
			if (k < 0)
				return;
		}
		else if (U.nflow > 0 && rng_pct(5))
		{
			int			c = pick_flow();

			if (U.flow[c].rate == 0)
				k = c;			/* a closed flow's struct, opened again */
		}
		op_open(i, j, k, rate, p, gen_time(i, j));
	}
	else if (r < 66 && U.nflow > 0)
	{
		int			k = pick_flow();
		MFlow	   *f = &U.flow[k];
		int			s = f->s;
		FlowAmount	rate;
		int			x = (int) rng_below(100);
		AccountPolicy bad = {0, I127_MAX + 1};
		const AccountPolicy *p = rng_pct(2) ? &bad : &U.tok[U.m[s].tok].pol;

		if (x < 3)
			rate = gen_bad();
		else if (x < 8)
			rate = amt(f->rate ? f->rate : 1);	/* the same rate */
		else if (x < 30 && f->rate > 1)
			rate = amt(f->rate / 2);
		else if (x < 45 && f->rate != 0 && f->rate <= I127_MAX / 2)
			rate = amt(f->rate * 2);
		else if (x < 55 && f->rate != 0)
			rate = amt(rng_pct(50) && f->rate < I127_MAX ? f->rate + 1 : f->rate - 1 ? f->rate - 1 : 2);
		else if (x < 70)
			rate = amt(gen_rate_near_available(s));
		else
			rate = amt(gen_rate(dec_of(s)));
		op_update(k, rate, p, gen_time(s, f->r));
	}
	else if (r < 74 && U.nflow > 0)
	{
		int			k = pick_flow();

		op_close(k, gen_time(U.flow[k].s, U.flow[k].r));
	}
	else if (r < 86)
	{
		int			c = pick_critical();
		int64_t		at;

		if (rng_pct(50))
		{
			/* a prompt sweeper: at an account's critical time, or within its buffer's burning */
			c = (int) rng_below((uint64_t) U.nacc);
			if (account_critical_time(&U.acc[c], &at) == ACCOUNT_TIME_AT && at >= U.now)
				U.now = rng_pct(50) ? at : clamp_add(at, (int64_t) rng_below(
														  (uint64_t) U.tok[U.m[c].tok].pol.buffer_period + 1));
		}
		op_liquidate(c, rng_pct(5) ? gen_time(c, -1) : U.now, rng_pct(60));
	}
	else if (r < 89)
		op_settle(i, gen_time(i, -1));
	else if (r < 91)
	{
		int			k = (int) rng_below((uint64_t) U.ntok);

		U.tok[k].pol = gen_policy(U.tok[k].dec);
		log_op(OP_POLICY, k, -1, -1, NULL, U.now, FLOW_OK, FLOW_OK);
	}
	else
		op_deposit(i, gen_deposit(dec), gen_time(i, -1));

	check_after();
	if (rng_pct(kind == U_EXTREME ? 60 : 45))
		U.now = clamp_add(U.now, kind == U_EXTREME && rng_pct(10) ? (int64_t) rng_below(1000 * (uint64_t) YEAR) :
						  gen_step());
}

static void
run_universe(int n, long target)
{
	int			kind = n % 10 < 6 ? U_SMALL : n % 10 < 8 ? U_HUB : U_EXTREME;
	long		ops = kind == U_HUB ? 12000 : kind == U_EXTREME ? 2000 : 2000 + (long) rng_below(4000);
	long		start = n_ops;

	cur_universe = n;
	nlogged = 0;
	max_open_in = 0;
	new_universe(kind);
	while (n_ops - start < ops && n_ops < target + 20000)
		random_op(kind);
	if (U.nflow > max_flows_seen)
		max_flows_seen = U.nflow;
	if (max_open_in > max_fan_in)
		max_fan_in = max_open_in;

	/* the end: every sum from scratch, then (often) everything closed */
	check_flow_sums("end of universe");
	for (int i = 0; i < U.nacc; i++)
	{
		check_account_state(i, "end");
		check_times(i, "end");
	}
	if (rng_pct(50))
	{
		U.now = clamp_add(U.now, gen_step());
		for (int k = 0; k < U.nflow; k++)
			if (U.flow[k].rate != 0)
				op_close(k, U.now);
		for (int i = 0; i < U.nacc; i++)
			PCHECK(P_SUMS, i256_is_zero(&U.acc[i].netflow) && u256_is_zero(&U.acc[i].buffer),
				   "after closing every flow, account %d keeps a netflow or a buffer", i);
		for (int k = 0; k < U.ntok; k++)
			check_conservation(k, U.now, "all closed");
		memset(touched, 0, sizeof(touched));
		memset(token_touched, 0, sizeof(token_touched));
	}
}

/* ------------------------------------------------------------------ */
/* literal states at the 256-bit limits                                */
/* ------------------------------------------------------------------ */

/* a signed value near the limits of 256 bits, or anywhere */
static SBN
gen_wide(bool slope)
{
	BN			m = bn_zero();
	int			r = (int) rng_below(10);
	bool		neg = rng_pct(50);

	switch (r)
	{
		case 0:
			break;				/* 0 */
		case 1:
			m = bn_u64(rng_below(1000));
			break;
		case 2:
		case 3:
			{
				/* 2^255 - small (or exactly 2^255 when negative) */
				BN			top = bn_zero(),
							d = bn_u64(rng_below(4) == 0 ? 0 : 1 + rng_below(UINT64_C(1) << 40));

				top.l[7] = 0x80000000u;
				if (!neg && bn_is_zero(&d))
					d = bn_u64(1);
				bn_sub(&m, &top, &d);
				break;
			}
		default:
			{
				int			bits = slope ? 120 + (int) rng_below(136) : 180 + (int) rng_below(76);
				U256		v = {{rng_next(), rng_next(), rng_next(), rng_next()}};

				for (int i = 0; i < 4; i++)
				{
					int			lo = i * 64;

					if (bits <= lo)
						v.w[i] = 0;
					else if (bits < lo + 64)
						v.w[i] &= (UINT64_C(1) << (bits - lo)) - 1;
				}
				m = bn_from_u256(&v);
				break;
			}
	}
	return sbn_make(neg, &m);
}

/* a literal account i: its core state and the model's line */
static void
set_literal(int i, int tok)
{
	Account    *a = &U.acc[i];
	MAcc	   *m = &U.m[i];
	SBN			st = gen_wide(false),
				nf = gen_wide(true),
				s0,
				p;
	U256		buf = {{0, 0, 0, 0}};

	if (account_init(a, U.tok[tok].dec) != FLOW_OK)
		abort();
	switch (rng_below(5))
	{
		case 0:
		case 1:
			break;
		case 2:
			buf = u256_from_u128(rng_below(1000000));
			break;
		case 3:
			buf.w[3] = UINT64_C(1) << 63;	/* 2^255 */
			break;
		default:
			buf = u256_from_u128(rng_bits128(1 + (int) rng_below(128)));
			buf.w[2] = rng_pct(30) ? rng_next() : 0;
			break;
	}
	if (!sbn_to_i256(&st, &a->static_balance) || !sbn_to_i256(&nf, &a->netflow))
		abort();
	a->buffer = buf;
	a->last = rng_pct(20) ? FLOW_TIME_MAX - (int64_t) rng_below(1000) : rng_range(FLOW_TIME_MIN, FLOW_TIME_MAX);
	a->settled_at = rng_pct(20) ? a->last - (int64_t) rng_below(1000) : a->last;
	if (a->settled_at < FLOW_TIME_MIN)
		a->settled_at = FLOW_TIME_MIN;
	m->tok = tok;
	m->n = nf;
	/* c = static - netflow * settled_at, so that c + n * t is the balance */
	s0 = sbn_t(a->settled_at);
	p = sbn_mul(&nf, &s0);
	m->c = sbn_sub(&st, &p);
	m->b = bn_from_u256(&buf);
	m->last = a->last;
	m->settled = a->settled_at;
}

static void
run_literal_cases(void)
{
	prop_override = P_LITERAL;
	for (int n = 0; n < N_LITERAL_CASES; n++)
	{
		int			op = (int) rng_below(9);
		int64_t		t;

		cur_universe = -1 - n;
		nlogged = 0;
		memset(&U, 0, sizeof(U));
		U.hub = -1;
		U.ntok = 2;
		U.tok[0].dec = (int) rng_below(FLOW_MAX_DECIMALS + 1);
		U.tok[1].dec = (U.tok[0].dec + 1 + (int) rng_below(FLOW_MAX_DECIMALS)) % (FLOW_MAX_DECIMALS + 1);
		U.tok[0].pol = gen_policy(U.tok[0].dec);
		U.nacc = 3;
		set_literal(0, 0);
		set_literal(1, 0);
		set_literal(2, 1);
		if (rng_pct(50))
		{
			/* one time for both, so that most operations pass the time checks */
			U.acc[1].last = U.acc[1].settled_at = U.m[1].last = U.m[1].settled = U.acc[0].last;
			{
				SBN			st = sbn_from_i256(&U.acc[1].static_balance),
							s0 = sbn_t(U.acc[1].last),
							p = sbn_mul(&U.m[1].n, &s0);

				U.m[1].c = sbn_sub(&st, &p);
			}
		}
		{
			int64_t		last = U.m[0].last > U.m[1].last ? U.m[0].last : U.m[1].last;

			switch (rng_below(6))
			{
				case 0:
					t = last;
					break;
				case 1:
				case 2:
					t = clamp_add(last, 1 + (int64_t) rng_below(8));
					break;
				case 3:
					t = clamp_add(last, (int64_t) rng_below(UINT64_C(1) << (20 + rng_below(43))));
					break;
				case 4:
					t = FLOW_TIME_MAX;
					break;
				default:
					t = last - (int64_t) rng_below(3);
					break;
			}
		}
		/* a literal open flow 0 -> 1 whose buffer is within the sender's */
		U.nflow = 1;
		U.flow[0].s = 0;
		U.flow[0].r = 1;
		U.flow[0].rate = rng_pct(30) ? I127_MAX : 1 + rng_u128_upto(I127_MAX - 1);
		{
			BN			fb = bn_u128(rng_u128());

			U.flow[0].buffer = bn_min(&fb, &U.m[0].b);
		}
		U.flow[0].core.rate = U.flow[0].rate;
		if (!bn_to_u256(&U.flow[0].buffer, &U.flow[0].core.buffer))
			abort();
		switch (op)
		{
			case 0:
				{
					FlowAmount	a = rng_pct(50) ? amt(I127_MAX - rng_below(10)) : gen_deposit(U.tok[0].dec);

					if (rng_pct(25) && !a.err && a.units <= I127_MAX && a.units > 0)
					{
						/* a balance at t that the deposit takes to 2^255 exactly, or to 2^255 - 1 */
						BN			top = bn_zero();
						SBN			target,
									add = amount_exact(a.units, U.tok[0].dec),
									tt = sbn_t(t > U.m[0].last ? t : U.m[0].last),
									p;

						top.l[7] = 0x80000000u;
						target = sbn_bn(&top);
						if (rng_pct(50))
						{
							SBN			one = sbn_u128(1);

							target = sbn_sub(&target, &one);
						}
						target = sbn_sub(&target, &add);
						/* c = target - n * t, so that the balance at t is the target */
						p = sbn_mul(&U.m[0].n, &tt);
						{
							MAcc		m = U.m[0];
							SBN			st;
							I256		v;

							m.c = sbn_sub(&target, &p);
							m.settled = m.last;
							st = m_exact(&m, m.settled);
							if (sbn_to_i256(&st, &v))
							{
								/* (else the line does not fit at settled_at: left as it was) */
								U.m[0] = m;
								U.acc[0].static_balance = v;
								U.acc[0].settled_at = m.settled;
							}
						}
					}
					op_deposit(0, a, t);
					break;
				}
			case 1:
				op_withdraw(0, amt(1 + rng_below(1000)), t);
				break;
			case 2:
				{
					FlowAmount	a = amt(1 + rng_below(1000));
					BN			u = bn_u128(rng_u128());

					u.l[4 + rng_below(4)] = (uint32_t) rng_next();
					if (rng_pct(50))
						op_transfer(rng_pct(50) ? 0 : 1, rng_pct(90) ? 1 : 2, &a, NULL, t);
					else
						op_transfer(rng_pct(50) ? 0 : 1, rng_pct(90) ? 1 : 2, NULL, &u, t);
				}
				break;
			case 3:
				{
					int			k = 1;

					U.flow[1].core.rate = 0;
					op_open(0, 1, k, amt(rng_pct(50) ? I127_MAX : 1 + rng_below(1000)), &U.tok[0].pol, t);
					break;
				}
			case 4:
				op_update(0, amt(rng_pct(50) ? 1 + rng_below(1000) : I127_MAX - rng_below(2)), &U.tok[0].pol, t);
				break;
			case 5:
				op_close(0, t);
				break;
			case 6:
				op_settle(0, t);
				break;
			case 7:
				op_liquidate(0, t, false);
				break;
			default:
				break;
		}
		for (int i = 0; i < 2; i++)
		{
			int64_t		tv = U.m[i].last > t ? U.m[i].last : t;

			check_account_at(i, tv, "literal");
			check_account_at(i, FLOW_TIME_MAX, "literal at the end");
			check_times(i, "literal");
		}
		memset(touched, 0, sizeof(touched));
		memset(token_touched, 0, sizeof(token_touched));
	}
	prop_override = -1;
}

int
main(int argc, char **argv)
{
	clock_t		c0 = clock();
	int			nu = 0;

	seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
	tap_plan(P_COUNT);
	printf("# seed %llu (rerun with: account_property %llu)\n", seed, seed);
	fflush(stdout);
	rng_state = seed;
	for (int k = 0; k <= 24; k++)
		pow10_bn[k] = bn_pow10(k);
	for (int d = 0; d <= FLOW_MAX_DECIMALS; d++)
		unit_sbn[d] = sbn_bn(&pow10_bn[24 - d]);

	while (n_ops < TARGET_OPS)
		run_universe(nu++, TARGET_OPS);
	run_literal_cases();

	printf("# %d universes, %ld operations (%ld succeeded), up to %d flows in one, up to %d open into "
		   "one account, %ld liquidations closing %ld flows (%ld late, %ld rewarded), %.1f s cpu\n", nu, n_ops, n_ok,
		   max_flows_seen, max_fan_in, n_liquidations, n_liquidated_flows, n_late_liquidations, n_rewards,
		   (double) (clock() - c0) / CLOCKS_PER_SEC);
	printf("# errors:");
	for (int e = 1; e <= FLOW_ERR_CRITICAL; e++)
		if (n_err_by[e])
			printf(" %s=%ld", err_name(e) + 9, n_err_by[e]);
	printf("\n# conservation sums skipped for a balance beyond 256 bits: %ld", n_conservation_skipped);
	printf("\n# critical times never/already/at/beyond: %ld/%ld/%ld/%ld; insolvency: %ld/%ld/%ld/%ld\n",
		   n_time_kind[ACCOUNT_TIME_NEVER][1], n_time_kind[ACCOUNT_TIME_ALREADY][1],
		   n_time_kind[ACCOUNT_TIME_AT][1], n_time_kind[ACCOUNT_TIME_BEYOND][1],
		   n_time_kind[ACCOUNT_TIME_NEVER][0], n_time_kind[ACCOUNT_TIME_ALREADY][0],
		   n_time_kind[ACCOUNT_TIME_AT][0], n_time_kind[ACCOUNT_TIME_BEYOND][0]);
	for (int p = 0; p < P_COUNT; p++)
	{
		tap_begin();
		if (prop_failed[p] > 0 || prop_checks[p] == 0)
			checks_failed++;	/* a property never checked is a failure too */
		printf("# %s: %ld checks, %ld failed\n", prop_names[p], prop_checks[p], prop_failed[p]);
		tap_end(prop_names[p]);
	}
	return tap_done();
}
