/*
 * account.c — the accounts and flows of SPEC §6, exactly.
 *
 * An account's balance is a straight line in time: static_balance at
 * settled_at, sloping by netflow.  Operations settle the accounts they
 * change, then move lump sums (deposit, withdraw, transfer) or slopes
 * (open, update, close a flow).  Nothing is rounded: the static balance is
 * kept in 10^-24 tokens, and the one floor (to base units) is taken where
 * a balance is shown or compared with an amount.  Every operation computes
 * its new values into locals, checks them (account.h gives the order), and
 * only then writes them, so that an error changes nothing.
 */
#include <string.h>

#include "account.h"

/* 10^-24 token units per base unit of the account's token. */
static inline u128
Unit(const Account *a)
{
	return flow_unit_scale[a->decimals];
}

/* Whether t is valid and not before the account's last operation. */
static inline FlowError
CheckTime(const Account *a, int64_t t)
{
	if (!flow_check_time(t))
		return FLOW_ERR_TIME_RANGE;
	if (t < a->last || t < a->settled_at)
		return FLOW_ERR_TIME_ORDER;
	return FLOW_OK;
}

/* The two accounts of a transfer or a flow: distinct, of one token. */
static inline FlowError
CheckPair(const Account *from, const Account *to)
{
	if (from == to)
		return FLOW_ERR_SAME_ACCOUNT;
	if (from->decimals != to->decimals)
		return FLOW_ERR_TOKEN_MISMATCH;
	return FLOW_OK;
}

/* A token's buffer settings. */
static inline FlowError
CheckPolicy(const AccountPolicy *p)
{
	if (p->buffer_period < 0 || p->min_buffer > I127_MAX)
		return FLOW_ERR_BUFFER_POLICY;
	return FLOW_OK;
}

/* An amount or rate that must be positive, as flow.c checks it. */
static inline FlowError
CheckPositive(const FlowAmount *a)
{
	if (a->err != FLOW_OK)
		return a->err;
	if (a->units > I127_MAX)
		return FLOW_ERR_OVERFLOW;
	return a->units == 0 ? FLOW_ERR_NOT_POSITIVE : FLOW_OK;
}

/*
 * balance(t) = static_balance + netflow * (t - settled_at), for
 * t >= settled_at; false exactly when it does not fit 256 signed bits
 * (the product alone may exceed them while the sum fits).
 */
static bool
BalanceAt(const Account *a, int64_t t, I256 *out)
{
	/* t - settled_at can exceed INT64_MAX across the whole range, not UINT64_MAX */
	uint64_t	dt = (uint64_t) t - (uint64_t) a->settled_at;
	U256		slope = i256_abs(&a->netflow),
				moved;

	if (dt == 0 || u256_is_zero(&slope))
	{
		*out = a->static_balance;
		return true;
	}
	if (!u256_mul_u64(&moved, &slope, dt))
		return false;
	return i256_add_abs(out, &a->static_balance, i256_is_neg(&a->netflow), &moved);
}

/* available = floor(balance / unit) - buffer, in base units; false when it does not fit. */
static bool
AvailableFrom(const Account *a, const I256 *balance, I256 *out)
{
	I256		units = i256_floor_div_128(balance, Unit(a), NULL);

	return i256_add_abs(out, &units, true, &a->buffer);
}

/* r = balance + units (or - units when neg), base units; false when it does not fit. */
static bool
MoveUnits(const Account *a, I256 *r, const I256 *balance, bool neg, const U256 *units)
{
	U256		exact;

	return u256_mul_u128(&exact, units, Unit(a)) && i256_add_abs(r, balance, neg, &exact);
}

/*
 * The error of an available balance that does not cover what is asked: the
 * account is critical (available < 0: its buffer is burning), or just short.
 */
static inline FlowError
Shortfall(const I256 *available)
{
	return i256_is_neg(available) ? FLOW_ERR_CRITICAL : FLOW_ERR_UNAVAILABLE;
}

/* Whether an available balance covers need base units (need >= 0). */
static bool
Covers(const I256 *available, const U256 *need)
{
	U256		have;

	if (i256_is_neg(available))
		return false;
	have = i256_abs(available);
	return u256_cmp(&have, need) >= 0;
}

/* max(min_buffer, ceil(rate * buffer_period / unit)) for a valid policy. */
static U256
FlowBuffer(u128 rate, const AccountPolicy *p, u128 unit)
{
	/* below 2^127 * 2^63: no overflow */
	U256		exact = u256_mul_128(rate, (u128) (uint64_t) p->buffer_period),
				need,
				floor_buffer = u256_from_u128(p->min_buffer);
	u128		rem;

	need = u256_divmod_128(&exact, unit, &rem);
	if (rem != 0)
	{
		U256		one = u256_from_u128(1);

		(void) u256_add(&need, &need, &one);	/* need < 2^172 */
	}
	return u256_cmp(&need, &floor_buffer) >= 0 ? need : floor_buffer;
}

/*
 * The buffer of flow f at a new rate: the full buffer when it opens or
 * rises, never more than it had when it is lowered (Superfluid #1846: a
 * raised min_buffer must not make lowering a rate cost more).
 */
static U256
NewBuffer(const AccountFlow *f, u128 rate, const AccountPolicy *p, u128 unit)
{
	U256		full = FlowBuffer(rate, p, unit);

	if (f == NULL || f->rate == 0 || rate > f->rate)
		return full;
	return u256_cmp(&full, &f->buffer) <= 0 ? full : f->buffer;
}

/* An account nobody has used: balance 0 at every time, no operation yet. */
FlowError
account_init(Account *a, int decimals)
{
	if (decimals < 0 || decimals > FLOW_MAX_DECIMALS)
		return FLOW_ERR_DECIMALS;
	memset(a, 0, sizeof(*a));
	a->decimals = (int16_t) decimals;
	a->settled_at = FLOW_TIME_MIN;
	a->last = FLOW_TIME_MIN;
	return FLOW_OK;
}

/* Why a is not a state the model can reach, or NULL when it is. */
const char *
account_state_problem(const Account *a)
{
	if (a->decimals < 0 || a->decimals > FLOW_MAX_DECIMALS)
		return "decimals must be between 0 and 18";
	if (!flow_check_time(a->settled_at))
		return "settled_at is out of range";
	if (!flow_check_time(a->last))
		return "last_op is out of range";
	if (a->settled_at > a->last)
		return "settled_at is after the last operation";
	return NULL;
}

/* The exact balance at t, in 10^-24 tokens. */
FlowError
account_balance(const Account *a, int64_t t, I256 *exact)
{
	FlowError	err = CheckTime(a, t);

	if (err != FLOW_OK)
		return err;
	return BalanceAt(a, t, exact) ? FLOW_OK : FLOW_ERR_OVERFLOW;
}

/* The balance at t in base units, floored toward minus infinity. */
FlowError
account_balance_units(const Account *a, int64_t t, I256 *units)
{
	I256		exact;
	FlowError	err = account_balance(a, t, &exact);

	if (err != FLOW_OK)
		return err;
	*units = i256_floor_div_128(&exact, Unit(a), NULL);
	return FLOW_OK;
}

/* The available balance at t in base units: floor(balance) - buffer. */
FlowError
account_available(const Account *a, int64_t t, I256 *units)
{
	I256		exact;
	FlowError	err = account_balance(a, t, &exact);

	if (err != FLOW_OK)
		return err;
	return AvailableFrom(a, &exact, units) ? FLOW_OK : FLOW_ERR_OVERFLOW;
}

/*
 * The first microsecond t >= settled_at at which
 * balance(t) - locked * unit < 0, exactly.
 */
static AccountTime
FirstBelow(const Account *a, const U256 *locked, int64_t *at)
{
	U256		lock_exact,
				start_abs,
				slope,
				dt,
				room;
	I256		start;

	/* beyond 256 bits either way, the start lies below the lock */
	if (!u256_mul_u128(&lock_exact, locked, Unit(a)) ||
		!i256_add_abs(&start, &a->static_balance, true, &lock_exact) ||
		i256_is_neg(&start))
	{
		*at = a->settled_at;
		return ACCOUNT_TIME_ALREADY;
	}
	if (!i256_is_neg(&a->netflow))
		return ACCOUNT_TIME_NEVER;

	/* start - slope * dt < 0 first at dt = floor(start / slope) + 1 */
	start_abs = i256_abs(&start);
	slope = i256_abs(&a->netflow);
	dt = u256_divmod(&start_abs, &slope, NULL);
	room = u256_from_u128((uint64_t) FLOW_TIME_MAX - (uint64_t) a->settled_at);
	if (u256_cmp(&dt, &room) >= 0)
		return ACCOUNT_TIME_BEYOND;
	*at = (int64_t) ((uint64_t) a->settled_at + dt.w[0] + 1);
	return ACCOUNT_TIME_AT;
}

/*
 * The critical time: the first microsecond at which the available balance
 * is below 0 (the buffer is burning).  Like flow_depletion_time it depends
 * on the state alone, so it can be stored and indexed.
 */
AccountTime
account_critical_time(const Account *a, int64_t *at)
{
	return FirstBelow(a, &a->buffer, at);
}

/* The insolvency time: the first microsecond at which the balance is below 0. */
AccountTime
account_insolvency_time(const Account *a, int64_t *at)
{
	U256		none = u256_from_u128(0);

	return FirstBelow(a, &none, at);
}

/* The buffer a flow at rate locks: max(min_buffer, ceil(rate * period)) in base units. */
FlowError
account_flow_buffer(u128 rate, const AccountPolicy *p, int decimals, U256 *buffer)
{
	FlowError	err;

	if (decimals < 0 || decimals > FLOW_MAX_DECIMALS)
		return FLOW_ERR_DECIMALS;
	err = CheckPolicy(p);
	if (err != FLOW_OK)
		return err;
	*buffer = FlowBuffer(rate, p, flow_unit_scale[decimals]);
	return FLOW_OK;
}

/*
 * A policy under which a flow at rate (> 0) locks buffer, for a replay of a
 * recorded buffer: min_buffer when the buffer fits it, else the shortest
 * buffer_period whose buffer reaches it (exactly it, when any period gives
 * it; a lowered rate keeps the smaller of that and its old buffer).
 */
FlowError
account_policy_for_buffer(u128 rate, const U256 *buffer, int decimals, AccountPolicy *p)
{
	U256		one = u256_from_u128(1),
				x,
				period;
	u128		rem;

	memset(p, 0, sizeof(*p));
	if (decimals < 0 || decimals > FLOW_MAX_DECIMALS)
		return FLOW_ERR_DECIMALS;
	if (u256_fits_u128(buffer) && u256_low128(buffer) <= I127_MAX)
	{
		p->min_buffer = u256_low128(buffer);
		return FLOW_OK;
	}
	if (rate == 0)
		return FLOW_ERR_OVERFLOW;
	/* the least period with rate * period > (buffer - 1) * unit */
	u256_sub(&x, buffer, &one);
	if (!u256_mul_u128(&x, &x, flow_unit_scale[decimals]) || !u256_add(&x, &x, &one))
		return FLOW_ERR_OVERFLOW;
	period = u256_divmod_128(&x, rate, &rem);
	if (rem != 0 && !u256_add(&period, &period, &one))
		return FLOW_ERR_OVERFLOW;
	if (!u256_fits_u128(&period) || u256_low128(&period) > (u128) INT64_MAX)
		return FLOW_ERR_OVERFLOW;
	p->buffer_period = (int64_t) u256_low128(&period);
	return FLOW_OK;
}

/*
 * The buffer increase that opening f (f NULL or closed) or updating it to
 * rate needs from the sender's available balance: 0 when the buffer does
 * not grow.  With account_available, what FLOW_ERR_UNAVAILABLE reports.
 */
FlowError
account_flow_need(const AccountFlow *f, u128 rate, const AccountPolicy *p, int decimals,
				  U256 *increase)
{
	U256		old = u256_from_u128(0),
				next;
	FlowError	err;

	if (decimals < 0 || decimals > FLOW_MAX_DECIMALS)
		return FLOW_ERR_DECIMALS;
	err = CheckPolicy(p);
	if (err != FLOW_OK)
		return err;
	if (f != NULL && f->rate != 0)
		old = f->buffer;
	next = NewBuffer(f, rate, p, flow_unit_scale[decimals]);
	if (u256_cmp(&next, &old) > 0)
		u256_sub(increase, &next, &old);
	else
		*increase = u256_from_u128(0);
	return FLOW_OK;
}

/* static_balance = balance(t), settled_at = t: nothing moves. */
FlowError
account_settle(Account *a, int64_t t)
{
	I256		balance;
	FlowError	err = CheckTime(a, t);

	if (err != FLOW_OK)
		return err;
	if (!BalanceAt(a, t, &balance))
		return FLOW_ERR_OVERFLOW;
	a->static_balance = balance;
	a->settled_at = t;
	a->last = t;
	return FLOW_OK;
}

/* Money enters the account; a deficit (a negative balance) is repaid first. */
FlowError
account_deposit(Account *a, const FlowAmount *amount, int64_t t)
{
	I256		balance;
	U256		units;
	FlowError	err = CheckTime(a, t);

	if (err != FLOW_OK)
		return err;
	err = CheckPositive(amount);
	if (err != FLOW_OK)
		return err;
	units = u256_from_u128(amount->units);
	if (!BalanceAt(a, t, &balance) || !MoveUnits(a, &balance, &balance, false, &units))
		return FLOW_ERR_OVERFLOW;
	a->static_balance = balance;
	a->settled_at = t;
	a->last = t;
	return FLOW_OK;
}

/* Money leaves the account: at most its floored available balance. */
FlowError
account_withdraw(Account *a, const FlowAmount *amount, int64_t t)
{
	I256		balance,
				available;
	U256		units;
	FlowError	err = CheckTime(a, t);

	if (err != FLOW_OK)
		return err;
	err = CheckPositive(amount);
	if (err != FLOW_OK)
		return err;
	if (!BalanceAt(a, t, &balance) || !AvailableFrom(a, &balance, &available))
		return FLOW_ERR_OVERFLOW;
	units = u256_from_u128(amount->units);
	if (!Covers(&available, &units))
		return Shortfall(&available);
	/* balance >= (amount + buffer) units: the difference is >= 0 */
	if (!MoveUnits(a, &balance, &balance, true, &units))
		return FLOW_ERR_OVERFLOW;
	a->static_balance = balance;
	a->settled_at = t;
	a->last = t;
	return FLOW_OK;
}

/* The time and pair checks of a transfer. */
static FlowError
CheckTransfer(const Account *from, const Account *to, int64_t t)
{
	FlowError	err = CheckTime(from, t);

	if (err == FLOW_OK)
		err = CheckTime(to, t);
	if (err == FLOW_OK)
		err = CheckPair(from, to);
	return err;
}

/* Moves units (> 0) from one account's available balance to another's balance. */
static FlowError
TransferUnits(Account *from, Account *to, const U256 *units, int64_t t)
{
	I256		from_balance,
				to_balance,
				available;

	if (!BalanceAt(from, t, &from_balance) || !BalanceAt(to, t, &to_balance) ||
		!AvailableFrom(from, &from_balance, &available) ||
		!MoveUnits(to, &to_balance, &to_balance, false, units))
		return FLOW_ERR_OVERFLOW;
	if (!Covers(&available, units))
		return Shortfall(&available);
	/* covered: at most floor(balance), so the difference is >= 0 */
	if (!MoveUnits(from, &from_balance, &from_balance, true, units))
		return FLOW_ERR_OVERFLOW;
	from->static_balance = from_balance;
	from->settled_at = t;
	from->last = t;
	to->static_balance = to_balance;
	to->settled_at = t;
	to->last = t;
	return FLOW_OK;
}

/* A lump sum from one account to another of the same token. */
FlowError
account_transfer(Account *from, Account *to, const FlowAmount *amount, int64_t t)
{
	U256		units;
	FlowError	err = CheckTransfer(from, to, t);

	if (err == FLOW_OK)
		err = CheckPositive(amount);
	if (err != FLOW_OK)
		return err;
	units = u256_from_u128(amount->units);
	return TransferUnits(from, to, &units, t);
}

/*
 * A transfer of an amount the core computed rather than an argument: any
 * positive number of base units below 2^256, not only up to 2^127 - 1.
 * The unburnt buffer of a liquidation (account_liquidation) is paid to a
 * reward party with it: an account's buffer may exceed 2^127 - 1.
 */
FlowError
account_transfer_units(Account *from, Account *to, const U256 *units, int64_t t)
{
	FlowError	err = CheckTransfer(from, to, t);

	if (err == FLOW_OK && u256_is_zero(units))
		err = FLOW_ERR_NOT_POSITIVE;
	if (err != FLOW_OK)
		return err;
	return TransferUnits(from, to, units, t);
}

/* The time, pair and (when f is not NULL) open-flow checks of the flow operations. */
static FlowError
CheckFlow(const Account *sender, const Account *receiver, const AccountFlow *f, int64_t t)
{
	FlowError	err = CheckTime(sender, t);

	if (err == FLOW_OK)
		err = CheckTime(receiver, t);
	if (err == FLOW_OK)
		err = CheckPair(sender, receiver);
	if (err == FLOW_OK && f != NULL && f->rate == 0)
		err = FLOW_ERR_FLOW_CLOSED;
	return err;
}

/* Settles both accounts at t and gives them their new netflows. */
static void
SettleBoth(Account *sender, const I256 *sender_balance, const I256 *sender_netflow,
		   Account *receiver, const I256 *receiver_balance, const I256 *receiver_netflow,
		   int64_t t)
{
	sender->static_balance = *sender_balance;
	sender->netflow = *sender_netflow;
	sender->settled_at = t;
	sender->last = t;
	receiver->static_balance = *receiver_balance;
	receiver->netflow = *receiver_netflow;
	receiver->settled_at = t;
	receiver->last = t;
}

/*
 * Opens flow f at rate from sender to receiver; the sender's available
 * balance must cover the flow's buffer (FLOW_ERR_UNAVAILABLE).
 */
FlowError
account_flow_open(Account *sender, Account *receiver, AccountFlow *f,
				  const FlowAmount *rate, const AccountPolicy *p, int64_t t)
{
	I256		sb,
				rb,
				sn,
				rn,
				available;
	U256		r,
				buffer,
				locked;
	FlowError	err = CheckFlow(sender, receiver, NULL, t);

	if (err == FLOW_OK)
		err = CheckPolicy(p);
	if (err == FLOW_OK)
		err = CheckPositive(rate);
	if (err != FLOW_OK)
		return err;
	r = u256_from_u128(rate->units);
	if (!BalanceAt(sender, t, &sb) || !BalanceAt(receiver, t, &rb) ||
		!i256_add_abs(&sn, &sender->netflow, true, &r) ||
		!i256_add_abs(&rn, &receiver->netflow, false, &r) ||
		!AvailableFrom(sender, &sb, &available))
		return FLOW_ERR_OVERFLOW;
	buffer = FlowBuffer(rate->units, p, Unit(sender));
	if (!Covers(&available, &buffer))
		return Shortfall(&available);
	/* covered: the new buffer is at most floor(balance), far below 2^256 */
	if (!u256_add(&locked, &sender->buffer, &buffer))
		return FLOW_ERR_OVERFLOW;

	SettleBoth(sender, &sb, &sn, receiver, &rb, &rn, t);
	sender->buffer = locked;
	f->rate = rate->units;
	f->buffer = buffer;
	return FLOW_OK;
}

/*
 * Changes the rate of open flow f.  A raise needs the sender's available
 * balance to cover the buffer's increase (and to be >= 0); a lowering is
 * always allowed and never raises the buffer.
 */
FlowError
account_flow_update(Account *sender, Account *receiver, AccountFlow *f,
					const FlowAmount *rate, const AccountPolicy *p, int64_t t)
{
	I256		sb,
				rb,
				sn,
				rn,
				delta,
				available;
	U256		step,
				buffer,
				locked;
	bool		raise;
	FlowError	err = CheckFlow(sender, receiver, f, t);

	if (err == FLOW_OK)
		err = CheckPolicy(p);
	if (err == FLOW_OK)
		err = CheckPositive(rate);
	if (err == FLOW_OK && rate->units == f->rate)
		err = FLOW_ERR_SAME_RATE;
	if (err != FLOW_OK)
		return err;

	/* delta = new rate - old rate: the receiver gains it, the sender loses it */
	raise = rate->units > f->rate;
	step = u256_from_u128(raise ? rate->units - f->rate : f->rate - rate->units);
	(void) i256_from_sign_abs(&delta, !raise, &step);	/* below 2^127 */
	if (!BalanceAt(sender, t, &sb) || !BalanceAt(receiver, t, &rb) ||
		!i256_sub(&sn, &sender->netflow, &delta) ||
		!i256_add(&rn, &receiver->netflow, &delta) ||
		u256_cmp(&f->buffer, &sender->buffer) > 0)
		return FLOW_ERR_OVERFLOW;
	buffer = NewBuffer(f, rate->units, p, Unit(sender));
	u256_sub(&locked, &sender->buffer, &f->buffer);
	if (raise)
	{
		U256		increase = u256_from_u128(0);

		if (!AvailableFrom(sender, &sb, &available))
			return FLOW_ERR_OVERFLOW;
		if (u256_cmp(&buffer, &f->buffer) > 0)
			u256_sub(&increase, &buffer, &f->buffer);
		if (!Covers(&available, &increase))
			return Shortfall(&available);
	}
	/* no more than before, or covered by the balance */
	if (!u256_add(&locked, &locked, &buffer))
		return FLOW_ERR_OVERFLOW;

	SettleBoth(sender, &sb, &sn, receiver, &rb, &rn, t);
	sender->buffer = locked;
	f->rate = rate->units;
	f->buffer = buffer;
	return FLOW_OK;
}

/*
 * Closes open flow f: its buffer returns to the sender.  Liquidation closes
 * a critical sender's flows with this same call (see account_liquidation).
 */
FlowError
account_flow_close(Account *sender, Account *receiver, AccountFlow *f, int64_t t)
{
	I256		sb,
				rb,
				sn,
				rn;
	U256		r,
				locked;
	FlowError	err = CheckFlow(sender, receiver, f, t);

	if (err != FLOW_OK)
		return err;
	r = u256_from_u128(f->rate);
	if (!BalanceAt(sender, t, &sb) || !BalanceAt(receiver, t, &rb) ||
		!i256_add_abs(&sn, &sender->netflow, false, &r) ||
		!i256_add_abs(&rn, &receiver->netflow, true, &r) ||
		u256_cmp(&f->buffer, &sender->buffer) > 0)
		return FLOW_ERR_OVERFLOW;
	u256_sub(&locked, &sender->buffer, &f->buffer);

	SettleBoth(sender, &sb, &sn, receiver, &rb, &rn, t);
	sender->buffer = locked;
	f->rate = 0;
	f->buffer = u256_from_u128(0);
	return FLOW_OK;
}

/*
 * The start of a liquidation of account a at t: FLOW_ERR_NOT_CRITICAL
 * unless its available balance is below 0; else *unburnt receives what
 * is left of its buffer, clamp(floor(balance(t)), 0, buffer), and nothing
 * changes.  The caller then closes every outgoing flow of a at t with
 * account_flow_close; once they are all closed the buffer is 0 and the
 * available balance covers *unburnt, which the token's policy pays to a
 * reward party (account_transfer_units at t) or leaves with the sender.  A
 * balance already below 0 stays a deficit, repaid by the next deposits.
 */
FlowError
account_liquidation(const Account *a, int64_t t, U256 *unburnt)
{
	I256		balance,
				available,
				units;
	FlowError	err = CheckTime(a, t);

	if (err != FLOW_OK)
		return err;
	if (!BalanceAt(a, t, &balance) || !AvailableFrom(a, &balance, &available))
		return FLOW_ERR_OVERFLOW;
	if (!i256_is_neg(&available))
		return FLOW_ERR_NOT_CRITICAL;
	units = i256_floor_div_128(&balance, Unit(a), NULL);
	if (i256_is_neg(&units))
		*unburnt = u256_from_u128(0);
	else
	{
		/* available < 0: floor(balance) < buffer, so this is the balance */
		U256		have = i256_abs(&units);

		*unburnt = u256_cmp(&have, &a->buffer) <= 0 ? have : a->buffer;
	}
	return FLOW_OK;
}
