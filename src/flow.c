/*
 * flow.c — the views and transitions of SPEC §1, exactly.
 *
 * Every rule of the model lives here once (the total debt's common 128-bit
 * case inline in flow.h, for sums over many rows).  The only rounding is the
 * floor that turns 10^-24 token units into base units; the sub-unit remainder
 * stays in the snapshot debt, so that
 *     floor(sum(rps_i * dt_i) / unit) = total debt + sum(withdrawn)
 * holds after any sequence of operations.  Transitions check the time, then
 * the status, then the amount (SPEC §5's order) and change nothing on error.
 */
#include "flow.h"

#define E12 ((u128) UINT64_C(1000000000000))

/* 10^(24 - decimals) for decimals 0..18, written once for both tables */
#define UNIT_SCALES(F) \
	F(E12 * UINT64_C(1000000000000)), F(E12 * UINT64_C(100000000000)), \
	F(E12 * UINT64_C(10000000000)), F(E12 * UINT64_C(1000000000)), \
	F(E12 * UINT64_C(100000000)), F(E12 * UINT64_C(10000000)), \
	F(E12 * UINT64_C(1000000)), F(E12 * UINT64_C(100000)), F(E12 * UINT64_C(10000)), \
	F(E12 * UINT64_C(1000)), F(E12 * UINT64_C(100)), F(E12 * UINT64_C(10)), F(E12), \
	F(UINT64_C(100000000000)), F(UINT64_C(10000000000)), F(UINT64_C(1000000000)), \
	F(UINT64_C(100000000)), F(UINT64_C(10000000)), F(UINT64_C(1000000))
#define AS_IS(u) (u)
#define RECIPROCAL(u) (U128_MAX / (u))

const u128	flow_unit_scale[FLOW_MAX_DECIMALS + 1] = {UNIT_SCALES(AS_IS)};

/* floor((2^128 - 1) / unit), folded by the compiler: for u128_div_recip */
const u128	flow_unit_reciprocal[FLOW_MAX_DECIMALS + 1] = {UNIT_SCALES(RECIPROCAL)};

static inline u128
Unit(const FlowState *s)
{
	return flow_unit_scale[s->decimals];
}

/*
 * An interval's length in microseconds, counting a day as 86400 s and a
 * month as 365/12 days (twelve months make a year of 365 days): a fixed
 * length, so that rates and due times never depend on a calendar or a time
 * zone.
 */
__int128
flow_interval_usecs(int32_t months, int32_t days, int64_t usecs)
{
	return (__int128) months * (INT64_C(2628000) * INT64_C(1000000)) +
		(__int128) days * INT64_C(86400000000) + usecs;
}

/* Whether t is a finite time the type supports. */
bool
flow_check_time(int64_t t)
{
	return t >= FLOW_TIME_MIN && t <= FLOW_TIME_MAX;
}

/* Whether s is past its end time at t. */
bool
flow_has_ended(const FlowState *s, int64_t t)
{
	return s->has_end && t >= s->end;
}

/*
 * rps * (min(t, end) - st) when that is positive, else 0: exact, never more
 * than 191 bits.
 */
U256
flow_ongoing(const FlowState *s, int64_t t)
{
	U256		zero = {{0, 0, 0, 0}};

	t = flow_accrues_until(s, t);
	if (t <= s->st || s->rps == 0)
		return zero;
	/* t - st can exceed INT64_MAX across the whole range, but not UINT64_MAX */
	return u256_mul_128(s->rps, (uint64_t) t - (uint64_t) s->st);
}

/* sd + ongoing debt at t, in 10^-24 tokens. */
FlowError
flow_accrued(const FlowState *s, int64_t t, U256 *out)
{
	U256		ongoing = flow_ongoing(s, t);

	return u256_add(out, &s->sd, &ongoing) ? FLOW_OK : FLOW_ERR_OVERFLOW;
}

/* Total debt at t in base units: the one rounding point, floor. */
FlowError
flow_total_debt(const FlowState *s, int64_t t, U256 *td)
{
	U256		accrued;
	FlowError	err;
	u128		narrow;

	if (flow_total_debt_128(s, t, &narrow))
	{
		*td = u256_from_u128(narrow);
		return FLOW_OK;
	}
	err = flow_accrued(s, t, &accrued);
	if (err != FLOW_OK)
		return err;
	*td = u256_divmod_128(&accrued, Unit(s), NULL);
	return FLOW_OK;
}

/* Whether td, in base units, exceeds the balance. */
static inline bool
ExceedsBalance(const FlowState *s, const U256 *td)
{
	return !u256_fits_u128(td) || u256_low128(td) > s->balance;
}

/* Covered debt (= withdrawable) at t: min(balance, total debt). */
FlowError
flow_covered_debt(const FlowState *s, int64_t t, u128 *covered)
{
	U256		td;
	FlowError	err = flow_total_debt(s, t, &td);

	if (err != FLOW_OK)
		return err;
	*covered = ExceedsBalance(s, &td) ? s->balance : u256_low128(&td);
	return FLOW_OK;
}

/* Uncovered debt at t: max(total debt - balance, 0). */
FlowError
flow_uncovered_debt(const FlowState *s, int64_t t, U256 *uncovered)
{
	U256		td;
	FlowError	err = flow_total_debt(s, t, &td);

	if (err != FLOW_OK)
		return err;
	if (ExceedsBalance(s, &td))
	{
		U256		balance = u256_from_u128(s->balance);

		u256_sub(uncovered, &td, &balance);
	}
	else
		*uncovered = u256_from_u128(0);
	return FLOW_OK;
}

/* Refundable at t: balance - covered debt. */
FlowError
flow_refundable(const FlowState *s, int64_t t, u128 *refundable)
{
	u128		covered;
	FlowError	err = flow_covered_debt(s, t, &covered);

	if (err != FLOW_OK)
		return err;
	*refundable = s->balance - covered;
	return FLOW_OK;
}

/* Status at t, in SPEC §1's order. */
FlowError
flow_status(const FlowState *s, int64_t t, FlowStatus *status)
{
	U256		td;
	FlowError	err;

	if (s->st > t)
	{
		*status = FLOW_PENDING;
		return FLOW_OK;
	}
	if (s->voided)
	{
		*status = FLOW_VOIDED;
		return FLOW_OK;
	}
	err = flow_total_debt(s, t, &td);
	if (err != FLOW_OK)
		return err;
	if (flow_has_ended(s, t))
		*status = ExceedsBalance(s, &td) ? FLOW_ENDED_INSOLVENT : FLOW_ENDED_SOLVENT;
	else if (s->rps == 0)
		*status = ExceedsBalance(s, &td) ? FLOW_PAUSED_INSOLVENT : FLOW_PAUSED_SOLVENT;
	else
		*status = ExceedsBalance(s, &td) ? FLOW_STREAMING_INSOLVENT : FLOW_STREAMING_SOLVENT;
	return FLOW_OK;
}

/*
 * The first microsecond at which the total debt reaches balance + 1 base
 * units.  It depends on the state alone, never on "now", so it can be
 * indexed.  A stream that is solvent at its end never depletes.
 */
FlowDepletion
flow_depletion_time(const FlowState *s, int64_t *at)
{
	U256		target,
				need,
				delta;
	u128		rem;
	U256		room;

	if (s->rps == 0)
		return FLOW_DEPLETION_NONE;

	/* balance <= 2^127 - 1, so balance + 1 cannot wrap */
	target = u256_mul_128(s->balance + 1, Unit(s));
	if (u256_cmp(&s->sd, &target) >= 0)
	{
		*at = s->st;
		return FLOW_DEPLETION_AT;
	}
	u256_sub(&need, &target, &s->sd);
	delta = u256_divmod_128(&need, s->rps, &rem);
	if (rem != 0)
	{
		U256		one = u256_from_u128(1);

		u256_add(&delta, &delta, &one);	/* cannot overflow: delta < 2^208 */
	}
	room = u256_from_u128((uint64_t) FLOW_TIME_MAX - (uint64_t) s->st);
	if (u256_cmp(&delta, &room) > 0)
		return s->has_end ? FLOW_DEPLETION_NONE : FLOW_DEPLETION_BEYOND;
	*at = (int64_t) ((uint64_t) s->st + delta.w[0]);
	if (s->has_end && *at > s->end)
		return FLOW_DEPLETION_NONE;
	return FLOW_DEPLETION_AT;
}

#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

/* A total order over states, field by field; 0 exactly when all fields are equal. */
int
flow_state_cmp(const FlowState *a, const FlowState *b)
{
	int			c;

	CMP(a->decimals, b->decimals);
	CMP(a->rps, b->rps);
	CMP(a->balance, b->balance);
	c = u256_cmp(&a->sd, &b->sd);
	if (c != 0)
		return c;
	CMP(a->st, b->st);
	CMP(a->last, b->last);
	CMP(a->voided, b->voided);
	CMP(a->has_end, b->has_end);
	if (a->has_end)
		CMP(a->end, b->end);
	return 0;
}

/* Why s is not a state the model can reach, or NULL when it is. */
const char *
flow_state_problem(const FlowState *s)
{
	U256		cap;

	if (!flow_check_decimals(s->decimals))
		return "decimals must be between 0 and 18";
	if (s->rps > I127_MAX)
		return "rate_per_second is out of range";
	if (s->balance > I127_MAX)
		return "balance is out of range";
	if (!flow_check_time(s->st))
		return "snapshot_time is out of range";
	if (!flow_check_time(s->last))
		return "last_op is out of range";
	if (s->voided && s->rps != 0)
		return "a voided stream has rate 0";
	if (s->st > s->last && (s->voided || s->rps == 0 || !u256_is_zero(&s->sd)))
		return "a stream that has not started has a positive rate, no debt and is not voided";
	if (s->has_end && !flow_check_time(s->end))
		return "end_time is out of range";
	/* what accrues until an end stays below 2^191 (see flow_store) */
	if (s->has_end && s->sd.w[3] != 0)
		return "snapshot_debt is out of range for a stream with an end";
	if (s->has_end && s->st > s->last && s->end <= s->st)
		return "a stream ends after it starts";
	/* a voided stream keeps no uncovered debt: sd <= (balance + 1) * unit - 1 */
	cap = u256_mul_128(s->balance + 1, Unit(s));
	if (s->voided && u256_cmp(&s->sd, &cap) >= 0)
		return "a voided stream has no uncovered debt";
	return NULL;
}

/* Whether a token may have this many decimals. */
bool
flow_check_decimals(int decimals)
{
	return decimals >= 0 && decimals <= FLOW_MAX_DECIMALS;
}

/* Creates a stream at time at that accrues from start. */
FlowError
flow_create(FlowState *s, const FlowAmount *rate, int decimals,
			int64_t start, int64_t at)
{
	if (!flow_check_time(start) || !flow_check_time(at))
		return FLOW_ERR_TIME_RANGE;
	if (!flow_check_decimals(decimals))
		return FLOW_ERR_DECIMALS;
	if (rate->err != FLOW_OK)
		return rate->err;
	/* a parsed amount never exceeds 2^127 - 1; one made by other code may */
	if (rate->units > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	if (rate->units == 0 && start > at)
		return FLOW_ERR_FUTURE_PAUSED;

	s->sd = u256_from_u128(0);
	s->rps = rate->units;
	s->balance = 0;
	s->st = start;
	s->last = at;
	s->decimals = (int16_t) decimals;
	s->voided = false;
	s->has_end = false;
	s->end = 0;
	return FLOW_OK;
}

/*
 * Gives a stream being created an end time, after its start (its snapshot
 * time, at creation): nothing accrues after it.
 */
FlowError
flow_set_end(FlowState *s, int64_t end)
{
	if (!flow_check_time(end))
		return FLOW_ERR_TIME_RANGE;
	if (end <= s->st)
		return FLOW_ERR_END;
	s->has_end = true;
	s->end = end;
	return FLOW_OK;
}

/*
 * The rate that pays total base units from start to end (EIP-1620's fixed
 * deposit): total / (end - start), rounded down to 10^-18 tokens per
 * second; what the rounding leaves unpaid at the end stays refundable.
 */
FlowError
flow_fixed_rate(u128 total, int decimals, int64_t start, int64_t end, FlowAmount *rate)
{
	U256		scaled,
				r;

	rate->err = FLOW_OK;
	rate->units = 0;
	if (!flow_check_time(start) || !flow_check_time(end))
		return FLOW_ERR_TIME_RANGE;
	if (!flow_check_decimals(decimals))
		return FLOW_ERR_DECIMALS;
	if (end <= start)
		return FLOW_ERR_END;
	if (total == 0)
		return FLOW_ERR_NOT_POSITIVE;
	if (total > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	/* base units * 10^(24 - decimals) / microseconds = 10^-18 tokens per second */
	scaled = u256_mul_128(total, flow_unit_scale[decimals]);
	r = u256_divmod_128(&scaled, (u128) ((uint64_t) end - (uint64_t) start), NULL);
	if (!u256_fits_u128(&r) || u256_low128(&r) > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	if (u256_is_zero(&r))
		return FLOW_ERR_TOO_SMALL;
	rate->units = u256_low128(&r);
	return FLOW_OK;
}

/* The first checks of every transition: a valid time, not before the last operation. */
static inline FlowError
CheckTime(const FlowState *s, int64_t t)
{
	if (!flow_check_time(t))
		return FLOW_ERR_TIME_RANGE;
	if (t < s->last)
		return FLOW_ERR_TIME_ORDER;
	return FLOW_OK;
}

/* An amount or rate that must be positive. */
static inline FlowError
CheckPositive(const FlowAmount *a)
{
	if (a->err != FLOW_OK)
		return a->err;
	if (a->units > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	return a->units == 0 ? FLOW_ERR_NOT_POSITIVE : FLOW_OK;
}

/* sd += ongoing; st = t (when st < t). */
static FlowError
Snapshot(FlowState *s, int64_t t)
{
	U256		accrued;

	if (flow_accrued(s, t, &accrued) != FLOW_OK)
		return FLOW_ERR_OVERFLOW;
	/*
	 * A stream with an end stores its debt in 192 bits (flow_store).  No
	 * history reaches that (what accrues stays below 2^191), but a state
	 * read from outside may start close enough to cross it.
	 */
	if (s->has_end && accrued.w[3] != 0)
		return FLOW_ERR_OVERFLOW;
	s->sd = accrued;
	if (s->st < t)
		s->st = t;
	return FLOW_OK;
}

/*
 * An operation that changes no money (a transfer, a new grace) still takes
 * its place in time: it may not precede the last operation, and no later
 * one may precede it.
 */
FlowError
flow_touch(FlowState *s, int64_t t)
{
	FlowError	err = CheckTime(s, t);

	if (err == FLOW_OK)
		s->last = t;
	return err;
}

FlowError
flow_deposit(FlowState *s, const FlowAmount *a, int64_t t)
{
	FlowError	err = CheckTime(s, t);

	if (err != FLOW_OK)
		return err;
	if (s->voided)
		return FLOW_ERR_VOIDED;
	err = CheckPositive(a);
	if (err != FLOW_OK)
		return err;
	/* both are below 2^127, so the sum cannot wrap */
	if (s->balance + a->units > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	s->balance += a->units;
	s->last = t;
	return FLOW_OK;
}

FlowError
flow_withdraw(FlowState *s, const FlowAmount *a, int64_t t)
{
	FlowError	err = CheckTime(s, t);
	u128		covered;
	U256		paid;

	if (err != FLOW_OK)
		return err;
	/* a pending stream has no status error here: nothing accrued, so SF006 */
	err = CheckPositive(a);
	if (err != FLOW_OK)
		return err;
	err = flow_covered_debt(s, t, &covered);
	if (err != FLOW_OK)
		return err;
	if (a->units > covered)
		return FLOW_ERR_OVERDRAW;

	paid = u256_mul_128(a->units, Unit(s));
	if (u256_cmp(&paid, &s->sd) <= 0)
		u256_sub(&s->sd, &s->sd, &paid);
	else
	{
		/* a <= floor(accrued / unit), so the snapshot covers what is paid */
		err = Snapshot(s, t);
		if (err != FLOW_OK)
			return err;
		u256_sub(&s->sd, &s->sd, &paid);
	}
	s->balance -= a->units;
	s->last = t;
	return FLOW_OK;
}

FlowError
flow_refund(FlowState *s, const FlowAmount *a, int64_t t)
{
	FlowError	err = CheckTime(s, t);
	u128		refundable;

	if (err != FLOW_OK)
		return err;
	err = CheckPositive(a);
	if (err != FLOW_OK)
		return err;
	err = flow_refundable(s, t, &refundable);
	if (err != FLOW_OK)
		return err;
	if (a->units > refundable)
		return FLOW_ERR_OVERREFUND;
	s->balance -= a->units;
	s->last = t;
	return FLOW_OK;
}

FlowError
flow_pause(FlowState *s, int64_t t)
{
	FlowError	err = CheckTime(s, t);

	if (err != FLOW_OK)
		return err;
	if (s->st > t)
		return FLOW_ERR_PENDING;
	if (s->voided)
		return FLOW_ERR_PAUSED;
	if (flow_has_ended(s, t))
		return FLOW_ERR_ENDED;
	if (s->rps == 0)
		return FLOW_ERR_PAUSED;
	err = Snapshot(s, t);
	if (err != FLOW_OK)
		return err;
	s->rps = 0;
	s->last = t;
	return FLOW_OK;
}

FlowError
flow_restart(FlowState *s, const FlowAmount *rate, int64_t t)
{
	FlowError	err = CheckTime(s, t);

	if (err != FLOW_OK)
		return err;
	if (s->st > t)
		return FLOW_ERR_NOT_PAUSED;
	if (s->voided)
		return FLOW_ERR_VOIDED;
	if (flow_has_ended(s, t))
		return FLOW_ERR_ENDED;
	if (s->rps != 0)
		return FLOW_ERR_NOT_PAUSED;
	err = CheckPositive(rate);
	if (err != FLOW_OK)
		return err;
	/* the paused interval is never charged */
	if (s->st < t)
		s->st = t;
	s->rps = rate->units;
	s->last = t;
	return FLOW_OK;
}

FlowError
flow_adjust_rate(FlowState *s, const FlowAmount *rate, int64_t t)
{
	FlowError	err = CheckTime(s, t);
	bool		pending = s->st > t;

	if (err != FLOW_OK)
		return err;
	if (!pending && s->voided)
		return FLOW_ERR_PAUSED;
	if (flow_has_ended(s, t))
		return FLOW_ERR_ENDED;
	if (!pending && s->rps == 0)
		return FLOW_ERR_PAUSED;
	err = CheckPositive(rate);
	if (err != FLOW_OK)
		return err;
	if (rate->units == s->rps)
		return FLOW_ERR_SAME_RATE;
	/* a pending stream keeps its start and its (zero) debt */
	if (!pending)
	{
		err = Snapshot(s, t);
		if (err != FLOW_OK)
			return err;
	}
	s->rps = rate->units;
	s->last = t;
	return FLOW_OK;
}

/*
 * Voids the stream for good.  Debt the balance cannot cover is forfeited;
 * *written_off receives it in base units.
 */
FlowError
flow_void(FlowState *s, int64_t t, U256 *written_off)
{
	FlowError	err = CheckTime(s, t);
	U256		accrued,
				td;

	if (err != FLOW_OK)
		return err;
	if (s->voided)
		return FLOW_ERR_VOIDED;

	*written_off = u256_from_u128(0);
	if (s->st <= t)
	{
		err = flow_accrued(s, t, &accrued);
		if (err != FLOW_OK)
			return err;
		td = u256_divmod_128(&accrued, Unit(s), NULL);
		if (ExceedsBalance(s, &td))
			accrued = u256_mul_128(s->balance, Unit(s));
		/* the width an end needs, as in Snapshot() */
		if (s->has_end && accrued.w[3] != 0)
			return FLOW_ERR_OVERFLOW;
		if (ExceedsBalance(s, &td))
		{
			U256		balance = u256_from_u128(s->balance);

			u256_sub(written_off, &td, &balance);
		}
		s->sd = accrued;
	}
	/* a pending stream's start moves back to t: it ends before it began */
	s->st = t;
	s->rps = 0;
	s->voided = true;
	s->last = t;
	return FLOW_OK;
}

/*
 * New terms for a stream, as both its parties agreed (SPEC §7): a rate and
 * an end (none when !has_end), applied as adjust_rate applies a rate, with
 * its snapshot.  The end must be after t (an end in the past would take
 * back debt already owed) and, while pending, after the start.  A paused
 * stream restarts with the new terms: on a stream that needs both parties
 * to change its rate, that is how it restarts, since a restart at a rate
 * of the sender's choosing would be a cut the recipient never agreed to.
 */
FlowError
flow_set_terms(FlowState *s, const FlowAmount *rate, bool has_end, int64_t end, int64_t t)
{
	FlowError	err = CheckTime(s, t);
	bool		pending = s->st > t;
	FlowState	next;

	if (err != FLOW_OK)
		return err;
	if (s->voided)
		return FLOW_ERR_PAUSED;
	if (flow_has_ended(s, t))
		return FLOW_ERR_ENDED;
	err = CheckPositive(rate);
	if (err != FLOW_OK)
		return err;
	if (has_end && (!flow_check_time(end) || end <= t || end <= s->st))
		return FLOW_ERR_END;
	if (rate->units == s->rps && has_end == s->has_end && (!has_end || end == s->end))
		return FLOW_ERR_SAME_RATE;
	next = *s;
	if (!pending)
	{
		err = Snapshot(&next, t);
		if (err != FLOW_OK)
			return err;
	}
	/* the width an end needs, as in Snapshot() */
	if (has_end && next.sd.w[3] != 0)
		return FLOW_ERR_OVERFLOW;
	next.rps = rate->units;
	next.has_end = has_end;
	next.end = has_end ? end : 0;
	next.last = t;
	*s = next;
	return FLOW_OK;
}
