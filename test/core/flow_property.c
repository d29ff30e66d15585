/*
 * flow_property.c — a seeded randomized property test of the core.
 *
 *   test/core/flow_property [seed]
 *
 * Many streams, each driven through hundreds of random operations at random
 * times (sometimes equal, sometimes earlier, sometimes years later), with
 * random decimals, rates and amounts.  Next to each stream runs an
 * independent model that never calls flow.c for money: it keeps
 * sum(rps_i * dt_i) over the started, unpaused intervals, and the sums of
 * deposits, withdrawals and refunds, in the oracle bignum of oracle.h.  From
 * those alone it predicts every error and every number; after every
 * operation the invariants of SPEC §5 are checked against flow.c.
 *
 * Overflow: nothing a stream can reach overflows 256 bits, since
 * sum(rps_i * dt_i) <= (2^127 - 1) * (FLOW_TIME_MAX - FLOW_TIME_MIN) < 2^191,
 * so no stream needs to be skipped; the reachable overflow, a deposit beyond
 * 2^127 - 1, is predicted by the model and must be FLOW_ERR_OVERFLOW.  The
 * 256-bit overflow of the views is tested on literal states whose snapshot
 * debt lies near 2^256 (run_overflow_cases), against the oracle's sum.
 *
 * A third of the streams have an end time (SPEC §7): the model stops their
 * accrual there, refuses to pause, restart or re-rate them after it, and
 * has them end; some of their operations are a change of terms (a new rate
 * and end, as an agreed update applies them, flow_set_terms), often right
 * at the end, one microsecond before or after it.
 *
 * A voided stream is driven for at most 40 more operations, then the next
 * stream starts; streams run until there were at least N_STREAMS of them
 * and a million operations.
 *
 * On a failure it prints the seed, the stream's operations from its
 * creation, and the expected and actual values (at most 5 failures are
 * printed; the failing stream is then abandoned and the run goes on).
 * TAP output: the plan first, then one test per property (the table
 * `properties` below: each is the set of checks of one function), with its
 * check count in the description; everything else is a "#" comment.
 * Exits non-zero when a check failed.
 */
#include <stdarg.h>
#include <time.h>

#include "oracle.h"

#define DEFAULT_SEED	20260131ULL
#define N_STREAMS		4000
#define OPS_PER_STREAM	500
#define N_OVERFLOW_CASES 50000

#define SEC		INT64_C(1000000)
#define DAY		(INT64_C(86400) * SEC)
#define YEAR	(INT64_C(365) * DAY)

static unsigned long long seed;

/* ------------------------------------------------------------------ */
/* the model                                                           */
/* ------------------------------------------------------------------ */

typedef struct Model
{
	int			dec;
	u128		rate;			/* the rate now */
	int64_t		anchor;			/* accrual at `rate` runs from here */
	BN			acc;			/* sum(rps_i * dt_i) up to anchor, 10^-24 tokens */
	BN			dep,
				wd,
				ref;			/* sums of deposits, withdrawals, refunds */
	bool		voided;
	BN			tdv;			/* total debt of a voided stream */
	int64_t		st;				/* the snapshot time SPEC §1 prescribes */
	BN			sdv;			/* the snapshot debt of a voided stream */
	int64_t		last;
	bool		left_pending;
	bool		has_end;		/* nothing accrues after end */
	int64_t		end;
} Model;

/* a change of terms (flow_set_terms), beside oracle.h's operations */
#define OP_TERMS	OP_COUNT
static const char *const all_op_names[OP_COUNT + 1] = {
	"deposit", "withdraw", "refund", "pause", "restart", "adjust_rate", "void", "set_terms"
};


static BN	unit_bn[FLOW_MAX_DECIMALS + 1];

/* sum(rps_i * dt_i) at t: nothing accrues after the end */
static BN
m_accrued(const Model *m, int64_t t)
{
	BN			a = m->acc;

	if (m->has_end && t > m->end)
		t = m->end;
	if (t > m->anchor && m->rate != 0)
	{
		BN			r = bn_u128(m->rate),
					dt = bn_u64((uint64_t) t - (uint64_t) m->anchor),
					p;

		bn_mul(&p, &r, &dt);
		bn_add(&a, &a, &p);
	}
	return a;
}

/* total debt at t (base units) */
static BN
m_td(const Model *m, int64_t t)
{
	BN			a,
				q;

	if (m->voided)
		return m->tdv;
	a = m_accrued(m, t);
	q = bn_div_pow10(&a, 24 - m->dec);
	bn_sub(&q, &q, &m->wd);
	return q;
}

/*
 * The snapshot debt SPEC §1 prescribes: for a live stream, everything
 * accrued up to st less what was withdrawn (the sub-unit remainder stays).
 */
static BN
m_sd(const Model *m)
{
	BN			a,
				w;

	if (m->voided)
		return m->sdv;
	a = m_accrued(m, m->st);
	bn_mul(&w, &m->wd, &unit_bn[m->dec]);
	bn_sub(&a, &a, &w);
	return a;
}

static BN
m_balance(const Model *m)
{
	BN			b;

	bn_sub(&b, &m->dep, &m->wd);
	bn_sub(&b, &b, &m->ref);
	return b;
}

static u128
m_balance128(const Model *m)
{
	BN			b = m_balance(m);

	return bn_low128(&b);
}

static u128
m_covered(const Model *m, int64_t t)
{
	BN			td = m_td(m, t),
				b = m_balance(m),
				c = bn_min(&td, &b);

	return bn_low128(&c);
}

static bool
m_pending(const Model *m, int64_t t)
{
	return !m->voided && m->anchor > t;
}

static FlowStatus
m_status(const Model *m, int64_t t)
{
	BN			td,
				b;
	bool		insolvent;

	if (m_pending(m, t))
		return FLOW_PENDING;
	if (m->voided)
		return FLOW_VOIDED;
	td = m_td(m, t);
	b = m_balance(m);
	insolvent = bn_cmp(&td, &b) > 0;
	if (m->has_end && t >= m->end)
		return insolvent ? FLOW_ENDED_INSOLVENT : FLOW_ENDED_SOLVENT;
	if (m->rate == 0)
		return insolvent ? FLOW_PAUSED_INSOLVENT : FLOW_PAUSED_SOLVENT;
	return insolvent ? FLOW_STREAMING_INSOLVENT : FLOW_STREAMING_SOLVENT;
}

/* closes the interval at the current rate: acc += rate * (t - anchor)+ */
static void
m_settle(Model *m, int64_t t)
{
	m->acc = m_accrued(m, t);
	if (t > m->anchor)
		m->anchor = t;
}

/* The error SPEC §1/§5/§7 prescribe for op(a) at t (for OP_TERMS, end is its new end). */
static FlowError
m_expect(const Model *m, int op, const FlowAmount *a, int64_t t, bool has_end, int64_t end)
{
	bool		pending;
	bool		ended;

	if (t < FLOW_TIME_MIN || t > FLOW_TIME_MAX)
		return FLOW_ERR_TIME_RANGE;
	if (t < m->last)
		return FLOW_ERR_TIME_ORDER;
	pending = m_pending(m, t);
	ended = m->has_end && t >= m->end;
	switch (op)
	{
		case OP_DEPOSIT:
			if (m->voided)
				return FLOW_ERR_VOIDED;
			if (a->err)
				return a->err;
			if (a->units == 0)
				return FLOW_ERR_NOT_POSITIVE;
			if (a->units > I127_MAX - m_balance128(m))
				return FLOW_ERR_OVERFLOW;
			return FLOW_OK;
		case OP_WITHDRAW:
			if (a->err)
				return a->err;
			if (a->units == 0)
				return FLOW_ERR_NOT_POSITIVE;
			if (a->units > m_covered(m, t))
				return FLOW_ERR_OVERDRAW;
			return FLOW_OK;
		case OP_REFUND:
			if (a->err)
				return a->err;
			if (a->units == 0)
				return FLOW_ERR_NOT_POSITIVE;
			if (a->units > m_balance128(m) - m_covered(m, t))
				return FLOW_ERR_OVERREFUND;
			return FLOW_OK;
		case OP_PAUSE:
			if (pending)
				return FLOW_ERR_PENDING;
			if (m->voided)
				return FLOW_ERR_PAUSED;
			if (ended)
				return FLOW_ERR_ENDED;
			if (m->rate == 0)
				return FLOW_ERR_PAUSED;
			return FLOW_OK;
		case OP_RESTART:
			if (pending)
				return FLOW_ERR_NOT_PAUSED;
			if (m->voided)
				return FLOW_ERR_VOIDED;
			if (ended)
				return FLOW_ERR_ENDED;
			if (m->rate != 0)
				return FLOW_ERR_NOT_PAUSED;
			if (a->err)
				return a->err;
			if (a->units == 0)
				return FLOW_ERR_NOT_POSITIVE;
			return FLOW_OK;
		case OP_ADJUST:
		case OP_TERMS:
			if (!pending && m->voided)
				return FLOW_ERR_PAUSED;
			if (ended)
				return FLOW_ERR_ENDED;
			/* new terms restart a paused stream; a new rate does not */
			if (op == OP_ADJUST && !pending && m->rate == 0)
				return FLOW_ERR_PAUSED;
			if (a->err)
				return a->err;
			if (a->units == 0)
				return FLOW_ERR_NOT_POSITIVE;
			if (a->units > I127_MAX)
				return FLOW_ERR_OVERFLOW;
			if (op == OP_TERMS)
			{
				if (has_end && (end <= t || end <= m->st || !flow_check_time(end)))
					return FLOW_ERR_END;
				if (a->units == m->rate && has_end == m->has_end && (!has_end || end == m->end))
					return FLOW_ERR_SAME_RATE;
				return FLOW_OK;
			}
			if (a->units == m->rate)
				return FLOW_ERR_SAME_RATE;
			return FLOW_OK;
		case OP_VOID:
			if (m->voided)
				return FLOW_ERR_VOIDED;
			return FLOW_OK;
	}
	abort();
}

/* Applies a successful op; for void, *wo receives the expected write-off. */
static void
m_apply(Model *m, int op, u128 a, int64_t t, BN *wo, bool has_end, int64_t end)
{
	BN			ba = bn_u128(a);

	*wo = bn_zero();
	switch (op)
	{
		case OP_DEPOSIT:
			bn_add(&m->dep, &m->dep, &ba);
			break;
		case OP_WITHDRAW:
			{
				/* a * unit <= sd: taken from sd; else snapshot first */
				BN			paid,
							sd = m_sd(m);

				bn_mul(&paid, &ba, &unit_bn[m->dec]);
				if (bn_cmp(&paid, &sd) > 0 && t > m->st)
					m->st = t;
				bn_add(&m->wd, &m->wd, &ba);
				if (m->voided)
				{
					bn_sub(&m->tdv, &m->tdv, &ba);
					bn_sub(&m->sdv, &m->sdv, &paid);
				}
			}
			break;
		case OP_REFUND:
			bn_add(&m->ref, &m->ref, &ba);
			break;
		case OP_PAUSE:
			m_settle(m, t);
			m->rate = 0;
			if (t > m->st)
				m->st = t;
			break;
		case OP_RESTART:
			m_settle(m, t);		/* rate 0: only moves the anchor to t */
			m->rate = a;
			if (t > m->st)
				m->st = t;
			break;
		case OP_ADJUST:
		case OP_TERMS:
			if (!m_pending(m, t))
			{
				m_settle(m, t);
				if (t > m->st)
					m->st = t;
			}
			m->rate = a;
			if (op == OP_TERMS)
			{
				m->has_end = has_end;
				m->end = has_end ? end : 0;
			}
			break;
		case OP_VOID:
			if (m_pending(m, t))
			{
				m->tdv = bn_zero();
				m->sdv = bn_zero();
			}
			else
			{
				BN			td,
							b = m_balance(m);

				m_settle(m, t);
				m->st = t;
				td = m_td(m, t);
				if (bn_cmp(&td, &b) > 0)
				{
					/* the uncovered debt is forfeited: sd = balance * unit */
					bn_sub(wo, &td, &b);
					m->tdv = b;
					bn_mul(&m->sdv, &b, &unit_bn[m->dec]);
				}
				else
				{
					m->tdv = td;
					m->sdv = m_sd(m);	/* accrued - withdrawn * unit */
				}
			}
			m->anchor = t;
			m->st = t;
			m->rate = 0;
			m->voided = true;
			break;
	}
	m->last = t;
}

/* ------------------------------------------------------------------ */
/* the current stream, its log and failure reports                     */
/* ------------------------------------------------------------------ */

typedef struct LogEntry
{
	int			op;
	FlowAmount	a;
	int64_t		t;
	FlowError	got;
	FlowError	want;
} LogEntry;

static int	cur_stream;
static int	cur_dec;
static u128 cur_rate0;
static int64_t cur_start,
			cur_at;
static LogEntry oplog[OPS_PER_STREAM + 8];
static int	nlog;
static bool stream_failed;
static int	last_stream_printed = -1;
static long n_ops,
			n_ok,
			n_err_by[FLOW_ERR_TOO_SMALL + 1];
static long n_status_seen[8];
static long n_with_end,
			n_ended_solvent;

static void
print_log(void)
{
	char		tb[FLOW_TIME_TEXT_MAX],
				nb[200];

	flow_format_time(cur_start, tb);
	printf("#   create(rate=%s, decimals=%d, start=%lld [%s], ", u128_str(cur_rate0, nb), cur_dec,
		   (long long) cur_start, tb);
	flow_format_time(cur_at, tb);
	printf("at=%lld [%s])\n", (long long) cur_at, tb);
	for (int i = 0; i < nlog; i++)
	{
		LogEntry   *e = &oplog[i];

		flow_format_time(e->t, tb);
		printf("#   #%d %s(", i, all_op_names[e->op]);
		if (e->op != OP_PAUSE && e->op != OP_VOID)
		{
			if (e->a.err)
				printf("<%s>", err_name(e->a.err));
			else
				printf("%s", u128_str(e->a.units, nb));
		}
		printf(") at %lld [%s] -> %s", (long long) e->t, tb, err_name(e->got));
		if (e->got != e->want)
			printf(" (model: %s)", err_name(e->want));
		putchar('\n');
	}
}

static void
failf(const char *fmt, ...)
{
	va_list		ap;

	stream_failed = true;
	if (failures_printed >= MAX_FAILURES_PRINTED)
		return;
	failures_printed++;
	printf("# FAILURE %d: seed %llu, stream %d, after op #%d\n", failures_printed, seed, cur_stream, nlog - 1);
	if (cur_stream >= 0 && last_stream_printed != cur_stream)
	{
		print_log();
		last_stream_printed = cur_stream;
	}
	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * The properties: every PCHECK counts towards the property of the function
 * it is in, and each property is one TAP test.  A PCHECK in a function that
 * is not in this table stops the program (add the function here).
 */
static const struct
{
	const char *fn;
	const char *what;
}			properties[] =
{
	{"run_stream", "every operation returns the error the model predicts; a failed one changes nothing; a void writes off what the model says"},
	{"check_after", "after every operation: a valid state, deposits = balance + withdrawn + refunded, fields and snapshot as the model, time never goes back, text round trip"},
	{"check_views", "at random times: total, covered, uncovered debt, refundable and status as the model"},
	{"check_depletion", "the depletion time is the first microsecond the debt exceeds the balance"},
	{"via_text", "amounts read back equal through their text form"},
	{"run_overflow_cases", "snapshot debt near 2^256: overflow exactly when the model's sum reaches 2^256, and a refused operation changes nothing"},
};
#define N_PROPERTIES ((int) (sizeof(properties) / sizeof(properties[0])))
static long prop_passed[N_PROPERTIES],
			prop_failed[N_PROPERTIES];

static int
prop_index(const char *fn)
{
	for (int i = 0; i < N_PROPERTIES; i++)
		if (strcmp(properties[i].fn, fn) == 0)
			return i;
	printf("Bail out! PCHECK in %s(), which is not in the table of properties\n", fn);
	exit(2);
}

static bool
prop_count(int i, bool ok)
{
	if (ok)
		prop_passed[i]++;
	else
		prop_failed[i]++;
	return check_count(ok);
}

#define PCHECK(cond, ...) \
	do { \
		static int	pidx_ = -1; \
		if (pidx_ < 0) \
			pidx_ = prop_index(__func__); \
		if (!prop_count(pidx_, (cond))) \
			failf(__VA_ARGS__); \
	} while (0)

static char b1[200], b2[200], b3[200];

static const char *
bns(const BN *v, char *buf)
{
	bn_to_dec(v, buf);
	return buf;
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

static u128
gen_rate(void)
{
	switch (rng_below(10))
	{
		case 0:
			return 1 + rng_below(1000);	/* tiny */
		case 1:
		case 2:
		case 3:
			/* typical: 10^12 .. 10^16 (0.000001 .. 0.01 token/s) */
			return (u128) (UINT64_C(1000000000000) + rng_below(UINT64_C(10000000000000000)));
		case 4:
			return pow10_128((int) rng_below(19)) * (1 + rng_below(1000));
		case 5:
			return rng_bits128(1 + (int) rng_below(64));
		case 6:
			return rng_bits128(1 + (int) rng_below(127));
		case 7:
			return I127_MAX - rng_below(1000);	/* near the top */
		case 8:
			return rng_pct(50) ? I127_MAX : (((u128) 1 << 64) - 1 - rng_below(1000));
		default:
			return (u128) rng_below(UINT64_C(1000000000000000000)) + 1;
	}
}

static FlowAmount
gen_bad_amount(void)
{
	static const FlowError errs[] = {FLOW_ERR_PRECISION, FLOW_ERR_NOT_A_NUMBER,
	FLOW_ERR_NOT_POSITIVE, FLOW_ERR_OVERFLOW};

	return amt_err(errs[rng_below(4)]);
}

/* an amount around a limit (covered, refundable, room to 2^127 - 1) */
static FlowAmount
gen_amount_near(u128 limit, int dec)
{
	int			r = (int) rng_below(100);

	if (r < 2)
		return gen_bad_amount();
	if (r < 8)
		return amt(0);
	if (r < 18)
		return amt(limit < I127_MAX ? limit + 1 : I127_MAX);
	if (r < 28)
		return amt(limit);
	if (r < 32)
		return amt(rng_u128_upto(I127_MAX));
	if (r < 36)
		return amt(1);
	if (r < 45)
		return amt(1 + rng_u128_upto(pow10_128(dec) * 100));
	if (limit <= 1)
		return amt(1 + rng_below(3));
	return amt(1 + rng_u128_upto(limit - 1));
}

static FlowAmount
gen_deposit(u128 balance, int dec)
{
	int			r = (int) rng_below(100);
	u128		room = I127_MAX - balance;

	if (r < 2)
		return gen_bad_amount();
	if (r < 6)
		return amt(0);
	if (r < 40)
		return amt(pow10_128(dec) * (1 + rng_below(1000000)));
	if (r < 60)
		return amt(1 + rng_below(UINT64_C(1000000000)));
	if (r < 70)
		return amt(room == 0 ? 1 : 1 + rng_u128_upto(room - 1));
	if (r < 73)
		return amt(room == 0 ? 1 : room);
	if (r < 76)
		return amt(room < I127_MAX ? room + 1 : I127_MAX);	/* overflows unless room is the max */
	if (r < 80)
		return amt(rng_u128_upto(I127_MAX));
	return amt(pow10_128(dec) * (1 + rng_below(1000)));
}

static FlowAmount
gen_new_rate(u128 current)
{
	int			r = (int) rng_below(100);

	if (r < 2)
		return gen_bad_amount();
	if (r < 6)
		return amt(0);
	if (r < 12)
		return amt(current ? current : 1);	/* same rate unless paused */
	if (r < 20 && current > 1)
		return amt(current < I127_MAX && rng_pct(50) ? current + 1 : current - 1);
	if (r < 30 && current != 0)
		return amt(current / 2 ? current / 2 : 2);
	return amt(gen_rate());
}

static int64_t
clamp_add(int64_t t, int64_t step)
{
	/* FLOW_TIME_MAX - t may exceed INT64_MAX */
	if ((uint64_t) step > (uint64_t) FLOW_TIME_MAX - (uint64_t) t)
		return FLOW_TIME_MAX;
	return t + step;
}

static int64_t
gen_step(void)
{
	switch (rng_below(10))
	{
		case 0:
			return (int64_t) rng_below(11);
		case 1:
		case 2:
			return (int64_t) rng_below(SEC + 1);
		case 3:
		case 4:
			return (int64_t) rng_below(3600 * SEC + 1);
		case 5:
		case 6:
		case 7:
			return (int64_t) rng_below(30 * DAY + 1);
		case 8:
			return (int64_t) rng_below(YEAR + 1);
		default:
			return (int64_t) rng_below(5 * YEAR + 1);
	}
}

/* the time of the next operation */
static int64_t
gen_time(int64_t last)
{
	int			r = (int) rng_below(1000);

	if (r < 40 && last > FLOW_TIME_MIN)
	{
		/* earlier than the last operation: must fail with SF010 */
		uint64_t	room = (uint64_t) last - (uint64_t) FLOW_TIME_MIN;
		uint64_t	back = rng_pct(50) ? 1 + rng_below(1000) : 1 + rng_below(30 * (uint64_t) DAY);

		if (back > room)
			back = room;
		return (int64_t) ((uint64_t) last - back);
	}
	if (r < 45)
		return rng_pct(50) ? FLOW_TIME_MAX + 1 + (int64_t) rng_below(1000) : FLOW_TIME_MIN - 1;
	if (r < 200)
		return last;
	if (r < 210)
	{
		/* a jump of centuries, up to the end of time */
		return (int64_t) ((uint64_t) last + rng_below((uint64_t) FLOW_TIME_MAX - (uint64_t) last + 1));
	}
	return clamp_add(last, gen_step());
}

/* Sometimes takes an amount through its text form, as the SQL layer does. */
static FlowAmount
via_text(FlowAmount a, int scale)
{
	char		txt[200];
	BN			b;
	FlowAmount	p;
	int			len;

	if (a.err != FLOW_OK || !rng_pct(10))
		return a;
	b = bn_u128(a.units);
	bn_to_dec_scaled(&b, scale, txt);
	len = (int) strlen(txt);
	if (rng_pct(30))
	{
		/* numeric(…, more) carries trailing zeros */
		if (scale == 0)
			txt[len++] = '.';
		for (int i = (int) rng_below(5); i >= 0; i--)
			txt[len++] = '0';
		txt[len] = '\0';
	}
	if (a.units == 0 && rng_pct(50))
	{
		memmove(txt + 1, txt, strlen(txt) + 1);
		txt[0] = '-';			/* "-0" is 0 */
	}
	p = flow_parse_amount(txt, scale);
	PCHECK(p.err == FLOW_OK && p.units == a.units, "flow_parse_amount(\"%s\", %d) = %s %s, want %s",
		   txt, scale, err_name(p.err), u128_str(p.units, b1), u128_str(a.units, b2));
	return p;
}

/* ------------------------------------------------------------------ */
/* the invariants                                                      */
/* ------------------------------------------------------------------ */

/* Checks the views of s at t against the model. */
static void
check_views(const FlowState *s, const Model *m, int64_t t, const char *when)
{
	U256		td,
				unc;
	u128		cov = 0,
				ref = 0;
	FlowError	e1,
				e2,
				e3,
				e4;
	FlowStatus	fs = (FlowStatus) -1,
				ms = m_status(m, t);
	BN			ftd;

	e1 = flow_total_debt(s, t, &td);
	e2 = flow_covered_debt(s, t, &cov);
	e3 = flow_refundable(s, t, &ref);
	e4 = flow_uncovered_debt(s, t, &unc);
	PCHECK(e1 == FLOW_OK && e2 == FLOW_OK && e3 == FLOW_OK && e4 == FLOW_OK,
		   "%s: views at %lld failed: %s %s %s %s", when, (long long) t,
		   err_name(e1), err_name(e2), err_name(e3), err_name(e4));
	if (e1 || e2 || e3 || e4)
		return;
	ftd = bn_from_u256(&td);

	/* balance = covered + refundable */
	PCHECK(cov <= s->balance && cov + ref == s->balance,
		   "%s: covered %s + refundable %s != balance %s at %lld", when,
		   u128_str(cov, b1), u128_str(ref, b2), u128_str(s->balance, b3), (long long) t);

	/* td = covered + uncovered */
	{
		BN			c = bn_u128(cov),
					u = bn_from_u256(&unc),
					sum;

		bn_add(&sum, &c, &u);
		PCHECK(bn_eq(&sum, &ftd), "%s: covered + uncovered != td at %lld", when, (long long) t);
	}

	if (!m->voided)
	{
		/* floor(sum(rps_i * dt_i) / unit) = td + sum(withdrawn), exactly */
		BN			a = m_accrued(m, t),
					lhs = bn_div_pow10(&a, 24 - m->dec),
					rhs;

		bn_add(&rhs, &ftd, &m->wd);
		PCHECK(bn_eq(&lhs, &rhs),
			   "%s: floor(sum rps*dt / unit) = %s but td + withdrawn = %s + %s at %lld", when,
			   bns(&lhs, b1), bns(&ftd, b2), bns(&m->wd, b3), (long long) t);
	}
	else
	{
		PCHECK(u256_is_zero(&unc), "%s: voided stream has uncovered debt %s", when, u256_str(&unc, b1));
		PCHECK(bn_eq(&ftd, &m->tdv), "%s: voided td %s, model %s", when, bns(&ftd, b1), bns(&m->tdv, b2));
	}

	/* the status, in SPEC §1's order */
	PCHECK(flow_status(s, t, &fs) == FLOW_OK && fs == ms, "%s: status at %lld = %s, model %s", when,
		   (long long) t, status_name(fs), status_name(ms));
}

/* The depletion time against the model's debt function. */
static void
check_depletion(const FlowState *s, const Model *m)
{
	int64_t		at = 0;
	FlowDepletion d = flow_depletion_time(s, &at);
	BN			bal = bn_u128(s->balance),
				bal1 = bn_u128(s->balance + 1);

	if (m->rate == 0 || m->voided)
	{
		PCHECK(d == FLOW_DEPLETION_NONE, "depletion: rate 0 but %d", (int) d);
		return;
	}
	if (d == FLOW_DEPLETION_NONE && m->has_end)
	{
		BN			x = m_td(m, FLOW_TIME_MAX);

		PCHECK(bn_cmp(&x, &bal) <= 0, "depletion never, but the model owes %s > balance %s by the end",
			   bns(&x, b1), u128_str(s->balance, b2));
		n_ended_solvent++;
		return;
	}
	if (d == FLOW_DEPLETION_AT)
	{
		BN			x;

		PCHECK(at >= s->st && flow_check_time(at), "depletion %lld before st %lld", (long long) at,
			   (long long) s->st);
		if (at < s->st)
			return;
		x = m_td(m, at);
		PCHECK(bn_cmp(&x, &bal1) >= 0, "depletion at %lld: model td %s < balance + 1 = %s",
			   (long long) at, bns(&x, b1), u128_str(s->balance + 1, b2));
		if (at > s->st)
		{
			x = m_td(m, at - 1);
			PCHECK(bn_cmp(&x, &bal) <= 0, "depletion at %lld: model td one us earlier %s > balance %s",
				   (long long) at, bns(&x, b1), u128_str(s->balance, b2));
		}
	}
	else
	{
		BN			x = m_td(m, FLOW_TIME_MAX);

		/* with an end, "never": solvent at its end; without, beyond the end of time */
		PCHECK(d == (m->has_end ? FLOW_DEPLETION_NONE : FLOW_DEPLETION_BEYOND) && bn_cmp(&x, &bal) <= 0,
			   "depletion %d, but model td at the end of time %s, balance %s", (int) d,
			   bns(&x, b1), u128_str(s->balance, b2));
		if (m->has_end)
			n_ended_solvent++;
	}
}

/* everything that must hold after an operation at t succeeded */
static void
check_after(const FlowState *s, const FlowState *before, const Model *m, int op, bool was_pending, int64_t t)
{
	char		text[FLOW_TEXT_MAX],
				detail[FLOW_DETAIL_MAX];
	FlowState	back;
	const char *problem = flow_state_problem(s);
	BN			bal = bn_u128(s->balance),
				sum;
	FlowStatus	fs;

	PCHECK(problem == NULL, "flow_state_problem: %s", problem);

	/* sum(deposits) = balance + sum(withdrawn) + sum(refunded) */
	bn_add(&sum, &bal, &m->wd);
	bn_add(&sum, &sum, &m->ref);
	PCHECK(bn_eq(&sum, &m->dep), "deposits %s != balance %s + withdrawn + refunded (%s)",
		   bns(&m->dep, b1), u128_str(s->balance, b2), bns(&sum, b3));

	PCHECK(s->voided == m->voided && s->rps == m->rate && s->decimals == m->dec &&
		   s->has_end == m->has_end && (!s->has_end || s->end == m->end),
		   "fields: voided %d/%d, rps %s/%s, end %d %lld / %d %lld", s->voided, m->voided,
		   u128_str(s->rps, b1), u128_str(m->rate, b2), s->has_end, (long long) s->end,
		   m->has_end, (long long) m->end);
	/* the snapshot itself, as SPEC §1 defines it */
	{
		BN			msd = m_sd(m),
					fsd = bn_from_u256(&s->sd);

		PCHECK(s->st == m->st && bn_eq(&msd, &fsd), "snapshot: st %lld sd %s, model st %lld sd %s",
			   (long long) s->st, bns(&fsd, b1), (long long) m->st, bns(&msd, b2));
	}
	/* a voided stream stays voided */
	PCHECK(!before->voided || s->voided, "voided stream no longer voided");
	/* the last operation's time: t, never earlier than before */
	PCHECK(s->last == t && s->last >= before->last, "last_op %lld, op at %lld, before %lld",
		   (long long) s->last, (long long) t, (long long) before->last);
	/* snapshot time never decreases, but for voiding a pending stream */
	PCHECK(s->st >= before->st || (op == OP_VOID && was_pending && s->st == t),
		   "snapshot_time went back from %lld to %lld", (long long) before->st, (long long) s->st);

	check_views(s, m, t, "after op");

	/* nothing returns to pending */
	if (flow_status(s, t, &fs) == FLOW_OK)
	{
		n_status_seen[fs]++;
		PCHECK(!(fs == FLOW_PENDING && m->left_pending), "stream returned to pending");
	}

	check_depletion(s, m);

	/* the literal round-trips byte for byte; so do the binary and stored forms */
	flow_format_state(s, text);
	memset(&back, 0, sizeof(back));
	memset(detail, 0, sizeof(detail));
	PCHECK(flow_parse_state(text, &back, detail) && flow_state_cmp(&back, s) == 0,
		   "literal round trip of %s: %s", text, detail);
	PCHECK((strstr(text, "end_time=") != NULL) == s->has_end, "end_time in the literal %s", text);
	{
		unsigned char bin[FLOW_BINARY_MAX],
					stored[FLOW_STORED_LEN];
		size_t		len = flow_encode_binary(s, bin);
		const char *why = flow_decode_binary(bin, len, &back);

		PCHECK(why == NULL && flow_state_cmp(&back, s) == 0 &&
			   len == (s->has_end ? FLOW_BINARY_END_LEN : FLOW_BINARY_LEN),
			   "binary round trip of %s (%zu bytes): %s", text, len, why ? why : "differs");
		flow_store(s, stored);
		memset(&back, 0, sizeof(back));
		flow_load(stored, &back);
		PCHECK(flow_state_cmp(&back, s) == 0 &&
			   flow_stored_format(stored) == (s->has_end ? FLOW_FORMAT_END : FLOW_FORMAT_0_1),
			   "stored round trip of %s", text);
	}
}

/* ------------------------------------------------------------------ */
/* one stream                                                          */
/* ------------------------------------------------------------------ */

static int64_t
gen_base_time(void)
{
	switch (rng_below(20))
	{
		case 0:
		case 1:
		case 2:
			return rng_range(FLOW_TIME_MIN, FLOW_TIME_MAX);
		case 3:
		case 4:
			return FLOW_TIME_MAX - (int64_t) rng_below(10 * YEAR);
		case 5:
			return FLOW_TIME_MAX - (int64_t) rng_below(DAY);
		case 6:
		case 7:
			return FLOW_TIME_MIN + (int64_t) rng_below(10 * YEAR);
		default:
			/* 2000 .. 2100, often on whole seconds */
			{
				int64_t		t = (int64_t) rng_below(100 * YEAR);

				return rng_pct(50) ? t - t % SEC : t;
			}
	}
}

/*
 * The next operation, mostly one the status allows (w is uniform in
 * 0..999); the rest test the refusals.
 */
static int
choose_op(const Model *m, int w)
{
	if (w < 4)
		return OP_VOID;
	if (w < 40)
		return (int) rng_below(OP_COUNT - 1);	/* anything but void */
	if (m->voided)
		return w < 500 ? OP_WITHDRAW : w < 800 ? OP_REFUND : OP_DEPOSIT;
	if (m->rate == 0)
	{
		/* paused */
		if (w < 350)
			return OP_RESTART;
		return w < 600 ? OP_DEPOSIT : w < 800 ? OP_WITHDRAW : w < 900 ? OP_REFUND : OP_ADJUST;
	}
	if (w < 100)
		return OP_PAUSE;
	if (w < 250)
		return OP_ADJUST;
	if (w < 500)
		return OP_DEPOSIT;
	if (w < 800)
		return OP_WITHDRAW;
	if (w < 950)
		return OP_REFUND;
	return OP_RESTART;
}

static void
run_stream(int idx)
{
	FlowState	s;
	Model		m;
	FlowAmount	rate;
	FlowError	e,
				want;
	int64_t		at = gen_base_time(),
				start;
	int			dec = (int) rng_below(FLOW_MAX_DECIMALS + 1);

	cur_stream = idx;
	nlog = 0;
	stream_failed = false;

	switch (rng_below(10))
	{
		case 0:
		case 1:
		case 2:
		case 3:
			start = at;
			break;
		case 4:
		case 5:
		case 6:
			start = at - (int64_t) rng_below(2 * YEAR);
			if (start < FLOW_TIME_MIN)
				start = FLOW_TIME_MIN;
			break;
		default:
			start = clamp_add(at, rng_pct(20) ? (int64_t) rng_below(1000) : (int64_t) rng_below(YEAR));
			break;
	}
	rate = amt(rng_pct(10) ? 0 : gen_rate());
	rate = via_text(rate, FLOW_RATE_SCALE);

	memset(&s, 0, sizeof(s));
	e = flow_create(&s, &rate, dec, start, at);
	want = (rate.units == 0 && start > at) ? FLOW_ERR_FUTURE_PAUSED : FLOW_OK;
	cur_dec = dec;
	cur_rate0 = rate.units;
	cur_start = start;
	cur_at = at;
	PCHECK(e == want, "flow_create = %s, want %s", err_name(e), err_name(want));
	if (e != FLOW_OK)
	{
		if (e != FLOW_ERR_FUTURE_PAUSED)
			return;
		rate = amt(gen_rate());
		cur_rate0 = rate.units;
		memset(&s, 0, sizeof(s));
		e = flow_create(&s, &rate, dec, start, at);
		PCHECK(e == FLOW_OK, "flow_create = %s", err_name(e));
		if (e != FLOW_OK)
			return;
	}

	memset(&m, 0, sizeof(m));
	m.dec = dec;
	m.rate = rate.units;
	m.anchor = start;
	m.st = start;
	m.last = at;
	if (rng_pct(33))
	{
		/* an end: just after the start, near the creation, or later */
		int64_t		end = rng_pct(10) ? clamp_add(start, (int64_t) rng_below(3)) - 1 :
			rng_pct(20) ? clamp_add(at, (int64_t) rng_below(5) - 2) :
			clamp_add(start, (int64_t) rng_below(2 * YEAR));
		FlowError	ee = flow_set_end(&s, end);
		FlowError	we = !flow_check_time(end) ? FLOW_ERR_TIME_RANGE :
			end <= start ? FLOW_ERR_END : FLOW_OK;

		PCHECK(ee == we, "flow_set_end(%lld) with start %lld = %s, want %s", (long long) end,
			   (long long) start, err_name(ee), err_name(we));
		if (ee == FLOW_OK)
		{
			m.has_end = true;
			m.end = end;
			n_with_end++;
		}
	}
	m.acc = m.dep = m.wd = m.ref = m.tdv = m.sdv = bn_zero();
	{
		FlowState	none;

		memset(&none, 0, sizeof(none));
		none.st = INT64_MIN;
		none.last = INT64_MIN;
		check_after(&s, &none, &m, -1, false, at);
	}
	{
		FlowStatus	fs;

		if (flow_status(&s, at, &fs) == FLOW_OK && fs != FLOW_PENDING)
			m.left_pending = true;
	}

	for (int k = 0, ops_after_void = 0; k < OPS_PER_STREAM && !stream_failed; k++)
	{
		int64_t		t = gen_time(m.last);
		int			w = (int) rng_below(1000),
					op;
		FlowAmount	a = amt(0);
		FlowState	before;
		U256		wo = {{0, 0, 0, 0}};
		BN			want_wo;
		bool		was_pending;
		bool		t_ok = flow_check_time(t);

		bool		new_has_end = false;
		int64_t		new_end = 0;

		if (m.voided && ops_after_void++ > 40)
			break;				/* a voided stream has little left to test */
		op = choose_op(&m, w);
		if (m.has_end && rng_pct(20))
		{
			/* at the end, one microsecond around it */
			t = m.end + (int64_t) rng_below(3) - 1;
			if (t < m.last)
				t = m.last;
		}
		if (rng_pct(4))
		{
			op = OP_TERMS;
			new_has_end = rng_pct(70);
			new_end = rng_pct(20) ? t + (int64_t) rng_below(3) - 1 : clamp_add(t, (int64_t) rng_below(YEAR));
		}

		switch (op)
		{
			case OP_DEPOSIT:
				a = via_text(gen_deposit(s.balance, dec), dec);
				break;
			case OP_WITHDRAW:
				a = via_text(gen_amount_near(t_ok ? m_covered(&m, t) : 0, dec), dec);
				break;
			case OP_REFUND:
				a = via_text(gen_amount_near(t_ok ? m_balance128(&m) - m_covered(&m, t) : 0, dec), dec);
				break;
			case OP_RESTART:
			case OP_ADJUST:
			case OP_TERMS:
				a = via_text(gen_new_rate(m.rate), FLOW_RATE_SCALE);
				break;
			default:
				break;
		}

		want = m_expect(&m, op, &a, t, new_has_end, new_end);
		was_pending = t_ok && m_pending(&m, t);
		memcpy(&before, &s, sizeof(s));
		e = op == OP_TERMS ? flow_set_terms(&s, &a, new_has_end, new_end, t) :
			apply_op(&s, op, &a, t, &wo);
		n_ops++;
		oplog[nlog].op = op;
		oplog[nlog].a = a;
		oplog[nlog].t = t;
		oplog[nlog].got = e;
		oplog[nlog].want = want;
		nlog++;
		n_err_by[e]++;

		PCHECK(e == want, "%s returned %s, model expects %s", all_op_names[op], err_name(e), err_name(want));
		if (e != want)
			break;
		if (e != FLOW_OK)
		{
			PCHECK(memcmp(&before, &s, sizeof(s)) == 0, "failed %s changed the state", all_op_names[op]);
			continue;
		}
		n_ok++;
		m_apply(&m, op, a.units, t, &want_wo, new_has_end, new_end);
		if (op == OP_VOID)
		{
			BN			got = bn_from_u256(&wo);

			PCHECK(bn_eq(&got, &want_wo), "void wrote off %s, model %s", bns(&got, b1), bns(&want_wo, b2));
		}
		check_after(&s, &before, &m, op, was_pending, t);
		{
			FlowStatus	fs;

			if (flow_status(&s, t, &fs) == FLOW_OK && fs != FLOW_PENDING)
				m.left_pending = true;
		}
		/* and the views at a later time, where nothing happened in between */
		if (rng_pct(30))
		{
			int64_t		t2 = clamp_add(t, gen_step());

			check_views(&s, &m, t2, "later view");
		}
	}
}

/* ------------------------------------------------------------------ */
/* overflow: a literal's snapshot debt near 2^256                      */
/* ------------------------------------------------------------------ */

static void
run_overflow_cases(void)
{
	BN			two256 = bn_zero();

	two256.l[8] = 1;
	cur_stream = -1;
	nlog = 0;
	for (int i = 0; i < N_OVERFLOW_CASES; i++)
	{
		FlowState	s,
					before;
		U256		td,
					wo;
		FlowError	e;
		BN			sum,
					p,
					r,
					dt;
		bool		over;
		int64_t		t;
		FlowAmount	one = amt(1);

		memset(&s, 0, sizeof(s));
		s.decimals = (int16_t) rng_below(19);
		s.rps = rng_pct(20) ? I127_MAX : rng_bits128(1 + (int) rng_below(127));
		s.balance = rng_u128_upto(I127_MAX);
		s.st = rng_range(FLOW_TIME_MIN, FLOW_TIME_MAX);
		s.last = s.st;
		s.sd.w[3] = rng_next() | (UINT64_C(1) << 63);
		s.sd.w[2] = rng_pct(50) ? UINT64_MAX : rng_next();
		s.sd.w[1] = rng_next();
		s.sd.w[0] = rng_next();
		if (flow_state_problem(&s) != NULL)
			continue;
		{
			uint64_t	room = (uint64_t) FLOW_TIME_MAX - (uint64_t) s.st;
			uint64_t	off = rng_below(room + 1) / (rng_pct(50) ? 1 : 1000000);

			t = (int64_t) ((uint64_t) s.st + off);
		}
		r = bn_u128(s.rps);
		dt = bn_u64((uint64_t) t - (uint64_t) s.st);
		bn_mul(&p, &r, &dt);
		sum = bn_from_u256(&s.sd);
		bn_add(&sum, &sum, &p);
		over = bn_cmp(&sum, &two256) >= 0;
		e = flow_total_debt(&s, t, &td);
		if (over)
			PCHECK(e == FLOW_ERR_OVERFLOW, "overflow case %d: total debt %s, want overflow", i, err_name(e));
		else
		{
			BN			q = bn_div_pow10(&sum, 24 - s.decimals),
						got = bn_from_u256(&td);

			PCHECK(e == FLOW_OK && bn_eq(&got, &q), "overflow case %d: total debt %s %s, want %s", i,
				   err_name(e), bns(&got, b1), bns(&q, b2));
		}
		memcpy(&before, &s, sizeof(s));
		e = flow_withdraw(&s, &one, t);
		if (over)
			PCHECK(e == FLOW_ERR_OVERFLOW && memcmp(&before, &s, sizeof(s)) == 0,
				   "overflow case %d: withdraw %s", i, err_name(e));
		memcpy(&s, &before, sizeof(s));
		e = flow_void(&s, t, &wo);
		if (over)
			PCHECK(e == FLOW_ERR_OVERFLOW && memcmp(&before, &s, sizeof(s)) == 0,
				   "overflow case %d: void %s", i, err_name(e));
		memcpy(&s, &before, sizeof(s));
		e = flow_pause(&s, t);
		if (over)
			PCHECK(e == FLOW_ERR_OVERFLOW && memcmp(&before, &s, sizeof(s)) == 0,
				   "overflow case %d: pause %s", i, err_name(e));
		else
		{
			BN			got = bn_from_u256(&s.sd);

			PCHECK(e == FLOW_OK && bn_eq(&got, &sum), "overflow case %d: pause snapshot %s", i, err_name(e));
		}
	}
}

int
main(int argc, char **argv)
{
	clock_t		c0 = clock();

	seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
	printf("1..%d\n", N_PROPERTIES);
	printf("# seed %llu (at least %d streams x up to %d operations; rerun with: flow_property %llu)\n",
		   seed, N_STREAMS, OPS_PER_STREAM, seed);
	fflush(stdout);
	rng_state = seed;
	for (int d = 0; d <= FLOW_MAX_DECIMALS; d++)
		unit_bn[d] = bn_pow10(24 - d);

	/* at least N_STREAMS streams and a million operations */
	for (int i = 0; i < N_STREAMS || n_ops < 1000000; i++)
		run_stream(i);
	run_overflow_cases();

	printf("# %ld operations (%ld succeeded) in %.1f s cpu; errors:", n_ops, n_ok,
		   (double) (clock() - c0) / CLOCKS_PER_SEC);
	for (int e = 1; e <= FLOW_ERR_TOO_SMALL; e++)
		if (n_err_by[e])
			printf(" %s=%ld", err_name(e) + 9, n_err_by[e]);
	printf("; with an end: %ld streams, %ld depletions never (solvent at the end)", n_with_end,
		   n_ended_solvent);
	printf("; statuses after ops:");
	for (int st = 0; st < 8; st++)
		printf(" %s=%ld", status_name(st), n_status_seen[st]);
	printf("\n");
	for (int i = 0; i < N_PROPERTIES; i++)
	{
		if (prop_failed[i] > 0)
			printf("not ok %d - %s: %ld of %ld checks failed\n", i + 1, properties[i].what,
				   prop_failed[i], prop_failed[i] + prop_passed[i]);
		else if (prop_passed[i] == 0)
			printf("not ok %d - %s: no check ran\n", i + 1, properties[i].what);
		else
			printf("ok %d - %s (%ld checks)\n", i + 1, properties[i].what, prop_passed[i]);
	}
	printf("# flow_property: %ld checks passed, %ld failed\n", checks_passed, checks_failed);
	return checks_failed > 0 ? 1 : 0;
}
