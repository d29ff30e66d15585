/*
 * derive.c — the core of streams kept in users' own tables: what a new
 * value of a rate column means, which one operation turns a state into
 * another, and what a change moved.
 *
 * A user's table changes its stream by plain UPDATEs of its columns and by
 * the pure transitions (SET state = flowstream.deposit(state, ...)); its
 * history records each change as an operation.  An operation is derived
 * only by replaying it with flow_apply_state(), never by a rule of its own:
 * a change is "a deposit" when a deposit of the balance's difference, at
 * the new state's time, gives exactly the new state.  Like flow.c, this
 * knows nothing of PostgreSQL.
 */
#include <string.h>

#include "ops.h"

/*
 * What a new value of a rate column means for s at t: flow_rate_change_op()'s
 * rule (0 pauses, a rate restarts a paused stream, else adjusts).  A value
 * that is not a valid rate (negative, too precise, too large) is not 0: it
 * is refused by the restart or the rate change it would be, after their
 * status checks, in SPEC §5's order.
 */
FlowOp
flow_rate_column_op(const FlowState *s, int64_t t, const FlowAmount *rate)
{
	return flow_rate_change_op(s, t, rate->err == FLOW_OK ? rate->units : I127_MAX);
}

/* |b - a| of two 256-bit values, and whether b < a */
static bool
Difference(const U256 *a, const U256 *b, U256 *abs)
{
	if (u256_cmp(b, a) < 0)
	{
		u256_sub(abs, a, b);
		return true;
	}
	u256_sub(abs, b, a);
	return false;
}

/*
 * What moved from before to after at `at`: the balance's difference, and
 * the total debt's at that time (before is NULL for a creation: from
 * nothing).  Only a withdrawal (by its amount) and a void (by the debt it
 * forfeits) move the total debt at their own time; a snapshot never does.
 */
FlowError
flow_change_amounts(const FlowState *before, const FlowState *after, int64_t at,
					FlowChange *c)
{
	U256		zero = u256_from_u128(0),
				td_before = zero,
				td_after,
				b0 = zero,
				b1 = u256_from_u128(after->balance);
	FlowError	err;

	if (before != NULL)
	{
		err = flow_total_debt(before, at, &td_before);
		if (err != FLOW_OK)
			return err;
		b0 = u256_from_u128(before->balance);
	}
	err = flow_total_debt(after, at, &td_after);
	if (err != FLOW_OK)
		return err;
	c->at = at;
	c->balance_down = Difference(&b0, &b1, &c->balance_moved);
	c->debt_down = Difference(&td_before, &td_after, &c->debt_moved);
	return FLOW_OK;
}

/* Whether op with argument units, applied to before at t, gives after. */
static bool
Replays(FlowOp op, const FlowState *before, u128 units, int64_t t,
		const FlowState *after, FlowChange *c)
{
	FlowState	s = *before;
	FlowAmount	a = {FLOW_OK, units};

	if (flow_apply_state(op, &s, &a, t, &c->res) != FLOW_OK ||
		flow_state_cmp(&s, after) != 0)
		return false;
	c->op = op;
	c->amount = a;
	return true;
}

/*
 * The one operation of the pure functions that turns before into after, at
 * after's time (the time of its last operation): c->op, with its argument
 * and what it did.  OP_COUNT when no one operation does: no change, two
 * transitions composed, a state from elsewhere.  Every single transition is
 * found, and unambiguously: a void is the only change of voided, a change
 * of the rate is what flow_rate_change_op() makes of it, a rise of the
 * balance a deposit, a fall a withdrawal (which lowers the snapshot debt)
 * or a refund (which keeps it) — never both.
 */
FlowOp
flow_derive_op(const FlowState *before, const FlowState *after, FlowChange *c)
{
	int64_t		t = after->last;

	memset(c, 0, sizeof(*c));
	c->op = OP_COUNT;
	if (before->decimals != after->decimals || before->has_end != after->has_end ||
		(after->has_end && before->end != after->end))
		return OP_COUNT;
	if (after->voided != before->voided)
	{
		if (after->voided)
			(void) Replays(OP_VOID, before, 0, t, after, c);
	}
	else if (after->rps != before->rps)
		(void) Replays(flow_rate_change_op(before, t, after->rps), before,
					   after->rps, t, after, c);
	else if (after->balance > before->balance)
		(void) Replays(OP_DEPOSIT, before, after->balance - before->balance, t, after, c);
	else if (after->balance < before->balance)
	{
		u128		fall = before->balance - after->balance;

		if (!Replays(OP_WITHDRAW, before, fall, t, after, c))
			(void) Replays(OP_REFUND, before, fall, t, after, c);
	}
	return c->op;
}

/*
 * The amount a history records for c in the units of flow_event_scale():
 * the base units moved, the new rate, the debt a void forfeited; false for
 * an operation that records none.
 */
bool
flow_change_recorded(const FlowChange *c, const FlowState *after, U256 *recorded)
{
	switch (flow_ops[c->op].records)
	{
		case REC_AMOUNT:
			*recorded = c->balance_moved;
			return true;
		case REC_RATE:
			*recorded = u256_from_u128(after->rps);
			return true;
		case REC_WRITTEN_OFF:
			*recorded = c->debt_moved;
			return true;
		case REC_NOTHING:
			break;
	}
	return false;
}
