/*
 * ops.c — the operation table, the one apply step, the replay of a history
 * and the audit of a stream's history (SPEC §3–§5).
 *
 * flow.c owns the money of one stream; this file owns what the managed
 * layer adds around it: who may do what, what an event records, the rules
 * of transfers, graces and metadata, and the order in which errors rank.
 * Every write path and every check of a history go through here.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

const OpInfo flow_ops[OP_COUNT] = {
	[OP_CREATE] = {"create", KIND_STREAM, ARG_RATE, false, WHO_SENDER, "the sender",
	"create a stream for another sender", REC_NOTHING, DEST_CREATED_FOR, PERM_CREATE},
	[OP_DEPOSIT] = {"deposit", KIND_STREAM, ARG_AMOUNT, false, WHO_ANYONE, "anyone",
	"deposit into", REC_AMOUNT, DEST_NONE, PERM_NONE},
	[OP_WITHDRAW] = {"withdraw", KIND_STREAM, ARG_AMOUNT, true, WHO_PAYEE, "the recipient",
	"withdraw to another destination from", REC_AMOUNT, DEST_PAYEE, PERM_WITHDRAW},
	[OP_REFUND] = {"refund", KIND_STREAM, ARG_AMOUNT, true, WHO_SENDER, "the sender",
	"refund from", REC_AMOUNT, DEST_SENDER, PERM_REFUND},
	[OP_PAUSE] = {"pause", KIND_STREAM, ARG_NONE, false, WHO_SENDER, "the sender",
	"pause", REC_NOTHING, DEST_NONE, PERM_PAUSE},
	[OP_RESTART] = {"restart", KIND_STREAM, ARG_RATE, false, WHO_SENDER, "the sender",
	"restart", REC_RATE, DEST_NONE, PERM_PAUSE},
	[OP_ADJUST_RATE] = {"adjust_rate", KIND_STREAM, ARG_RATE, false, WHO_SENDER, "the sender",
	"change the rate of", REC_RATE, DEST_NONE, PERM_RATE},
	[OP_VOID] = {"void", KIND_STREAM, ARG_NONE, false, WHO_PARTIES, "the sender or the recipient",
	"void", REC_WRITTEN_OFF, DEST_NONE, PERM_VOID},
	[OP_TRANSFER] = {"transfer", KIND_STREAM, ARG_NAME, false, WHO_RECIPIENT, "the recipient",
	"transfer", REC_NOTHING, DEST_NEW_RECIPIENT, PERM_TRANSFER},
	[OP_SET_VOID_AFTER] = {"set_void_after", KIND_STREAM, ARG_GRACE, false, WHO_SENDER, "the sender",
	"set the grace of", REC_NOTHING, DEST_NONE, PERM_CREATE},
	[OP_SET_METADATA] = {"set_metadata", KIND_STREAM, ARG_METADATA, false, WHO_SENDER, "the sender",
	"change the metadata of", REC_NOTHING, DEST_NONE, PERM_CREATE},
	[OP_ACCOUNT_DEPOSIT] = {"account_deposit", KIND_ACCOUNT, ARG_AMOUNT, false, WHO_ANYONE, "anyone",
	"deposit into", REC_AMOUNT, DEST_NONE, PERM_NONE},
	[OP_ACCOUNT_WITHDRAW] = {"account_withdraw", KIND_ACCOUNT, ARG_AMOUNT, false, WHO_SENDER, "the party",
	"withdraw from", REC_AMOUNT, DEST_PAYEE, PERM_WITHDRAW},
	[OP_ACCOUNT_TRANSFER] = {"account_transfer", KIND_ACCOUNT, ARG_AMOUNT, false, WHO_SENDER, "the paying party",
	"transfer from", REC_AMOUNT, DEST_PEER, PERM_WITHDRAW},
	[OP_OPEN_FLOW] = {"open_flow", KIND_FLOW, ARG_RATE, false, WHO_SENDER, "the sender",
	"open a flow from", REC_RATE, DEST_PEER, PERM_CREATE},
	[OP_UPDATE_FLOW] = {"update_flow", KIND_FLOW, ARG_RATE, false, WHO_SENDER, "the sender",
	"change the rate of", REC_RATE, DEST_PEER, PERM_RATE},
	[OP_CLOSE_FLOW] = {"close_flow", KIND_FLOW, ARG_NONE, false, WHO_PARTIES, "the sender or the receiver",
	"close", REC_NOTHING, DEST_PEER, PERM_VOID},
	[OP_LIQUIDATE] = {"liquidate", KIND_FLOW, ARG_NONE, false, WHO_SYSTEM, "the sweeper",
	"liquidate", REC_NOTHING, DEST_PEER, PERM_NONE},
	[OP_DEPOSIT_FROM_ACCOUNT] = {"deposit_from_account", KIND_BRIDGE, ARG_AMOUNT, false, WHO_SENDER, "the sender",
	"deposit from the sender's account into", REC_AMOUNT, DEST_NONE, PERM_CREATE},
	[OP_WITHDRAW_TO_ACCOUNT] = {"withdraw_to_account", KIND_BRIDGE, ARG_AMOUNT, true, WHO_RECIPIENT, "the recipient",
	"withdraw into the recipient's account from", REC_AMOUNT, DEST_NONE, PERM_WITHDRAW},
	[OP_PROPOSE_UPDATE] = {"propose_update", KIND_STREAM, ARG_TERMS, false, WHO_PARTIES, "the sender or the recipient",
	"propose an update of", REC_RATE, DEST_NONE, PERM_RATE},
	[OP_CONFIRM_UPDATE] = {"confirm_update", KIND_STREAM, ARG_TERMS, false, WHO_PARTIES, "the party that did not propose it",
	"confirm the update of", REC_RATE, DEST_NONE, PERM_RATE},
	[OP_REVOKE_UPDATE] = {"revoke_update", KIND_STREAM, ARG_NONE, false, WHO_PARTIES, "the sender or the recipient",
	"revoke the proposed update of", REC_NOTHING, DEST_NONE, PERM_RATE},
	[OP_REDEEM] = {"redeem", KIND_STREAM, ARG_NONE, false, WHO_PARTIES, "the sender or the recipient",
	"redeem", REC_WRITTEN_OFF, DEST_NONE, PERM_VOID},
	[OP_SET_AUTO_TOP_UP] = {"set_auto_top_up", KIND_STREAM, ARG_GRACE, false, WHO_SENDER, "the sender",
	"set the automatic top-ups of", REC_NOTHING, DEST_NONE, PERM_CREATE},
	[OP_SET_AUTO_WITHDRAW] = {"set_auto_withdraw", KIND_STREAM, ARG_GRACE, false, WHO_RECIPIENT, "the recipient",
	"set the automatic payouts of", REC_NOTHING, DEST_PAYEE, PERM_WITHDRAW},
};

const char *const flow_permission_names[7] = {
	"create", "rate", "pause", "void", "withdraw", "refund", "transfer"
};

uint32_t
flow_permission_of(const char *name)
{
	for (int i = 0; i < 7; i++)
	{
		if (strcmp(name, flow_permission_names[i]) == 0)
			return (uint32_t) 1 << i;
	}
	return 0;
}

/*
 * Whether err ranks before "who may act" (SPEC §5): the time, then the
 * status; the arguments' errors come after it.
 */
bool
flow_error_before_actor(FlowError err)
{
	switch (err)
	{
		case FLOW_ERR_TIME_ORDER:
		case FLOW_ERR_TIME_RANGE:
		case FLOW_ERR_VOIDED:
		case FLOW_ERR_PAUSED:
		case FLOW_ERR_NOT_PAUSED:
		case FLOW_ERR_PENDING:
		case FLOW_ERR_NOT_TRANSFERABLE:
		case FLOW_ERR_ENDED:
		case FLOW_ERR_FLOW_CLOSED:
			return true;
		default:
			return false;
	}
}

/*
 * For whom actor may do op on a stream whose recipient is paid (or not):
 * as a party itself, or as the operator of one whose approval includes
 * the op's permission (SPEC §8), or not at all.  A party acting for itself
 * comes first.
 */
OpActedFor
flow_acts_for(FlowOp op, const OpActor *actor, bool pays_recipient)
{
	uint32_t	perm = flow_ops[op].perm;
	bool		for_sender = (actor->sender_grant & perm) != 0;
	bool		for_recipient = (actor->recipient_grant & perm) != 0;

	if (actor->refused)
		return ACTED_NONE;
	if (actor->system)
		return ACTED_SELF;
	switch (flow_ops[op].who)
	{
		case WHO_ANYONE:
			return ACTED_SELF;
		case WHO_SENDER:
			return actor->as_sender ? ACTED_SELF : for_sender ? ACTED_FOR_SENDER : ACTED_NONE;
		case WHO_RECIPIENT:
			return actor->as_recipient ? ACTED_SELF :
				for_recipient ? ACTED_FOR_RECIPIENT : ACTED_NONE;
		case WHO_PARTIES:
			return actor->as_sender || actor->as_recipient ? ACTED_SELF :
				for_sender ? ACTED_FOR_SENDER : for_recipient ? ACTED_FOR_RECIPIENT : ACTED_NONE;
		case WHO_PAYEE:
			return pays_recipient || actor->as_recipient ? ACTED_SELF :
				for_recipient ? ACTED_FOR_RECIPIENT : ACTED_NONE;
		case WHO_SYSTEM:
			return ACTED_NONE;	/* the sweeper's alone (actor->system, above) */
	}
	return ACTED_NONE;
}

/* Whether actor may do op on a stream whose recipient is paid (or not). */
bool
flow_may_act(FlowOp op, const OpActor *actor, bool pays_recipient)
{
	return flow_acts_for(op, actor, pays_recipient) != ACTED_NONE;
}

/* The scale of what the event of op records, at a token's decimals; -1 for nothing. */
int
flow_event_scale(FlowOp op, int decimals)
{
	switch (flow_ops[op].records)
	{
		case REC_AMOUNT:
		case REC_WRITTEN_OFF:
			return decimals;
		case REC_RATE:
			return FLOW_RATE_SCALE;
		case REC_NOTHING:
			break;
	}
	return -1;
}

/*
 * The money of op applied to s alone, at t: what the pure functions of the
 * type do, and what the replay of an event checks.  An operation that moves
 * no money still takes its place in time.
 */
FlowError
flow_apply_state(FlowOp op, FlowState *s, const FlowAmount *amount, int64_t t,
				 OpResult *res)
{
	FlowError	err = FLOW_OK;

	res->units = amount ? amount->units : 0;
	res->written_off = u256_from_u128(0);
	switch (op)
	{
		case OP_DEPOSIT:
		case OP_DEPOSIT_FROM_ACCOUNT:	/* the stream's part of it */
			err = flow_deposit(s, amount, t);
			break;
		case OP_WITHDRAW:
		case OP_WITHDRAW_TO_ACCOUNT:
			err = flow_withdraw(s, amount, t);
			break;
		case OP_REFUND:
			err = flow_refund(s, amount, t);
			break;
		case OP_PAUSE:
			err = flow_pause(s, t);
			break;
		case OP_RESTART:
			err = flow_restart(s, amount, t);
			break;
		case OP_ADJUST_RATE:
			err = flow_adjust_rate(s, amount, t);
			break;
		case OP_VOID:
		case OP_REDEEM:			/* its first step; a withdraw and a refund follow */
			err = flow_void(s, t, &res->written_off);
			break;
		case OP_TRANSFER:
		case OP_SET_VOID_AFTER:
		case OP_SET_METADATA:
		case OP_PROPOSE_UPDATE:
		case OP_REVOKE_UPDATE:
		case OP_SET_AUTO_TOP_UP:
		case OP_SET_AUTO_WITHDRAW:
			err = flow_touch(s, t);
			break;
		default:
			/* not an operation on a stream's state alone (confirm_update: flow_replay) */
			err = FLOW_ERR_NOT_A_NUMBER;
			break;
	}
	return err;
}

/*
 * Redeem (SPEC §7, EIP-1620's cancel): void s at t, pay the recipient its
 * covered debt, refund the sender the rest, recording the state after each
 * step in res.
 */
static FlowError
Redeem(FlowState *s, int64_t t, OpResult *res)
{
	FlowAmount	step = {FLOW_OK, 0};
	FlowError	err = flow_void(s, t, &res->written_off);

	if (err != FLOW_OK)
		return err;
	res->after_void = *s;
	if ((err = flow_covered_debt(s, t, &step.units)) != FLOW_OK ||
		(step.units > 0 && (err = flow_withdraw(s, &step, t)) != FLOW_OK))
		return err;
	res->paid = step.units;
	res->after_paid = *s;
	if ((err = flow_refundable(s, t, &step.units)) != FLOW_OK ||
		(step.units > 0 && (err = flow_refund(s, &step, t)) != FLOW_OK))
		return err;
	res->refunded = step.units;
	return FLOW_OK;
}

/* The party a proposal's confirmation is for: the other one than its proposer. */
static OpActedFor
ConfirmsFor(const OpRow *row, const OpActor *actor)
{
	bool		by_sender = strcmp(row->proposed_by, row->sender) == 0;
	bool		by_recipient = strcmp(row->proposed_by, row->recipient) == 0;

	/*
	 * a proposal whose proposer has left (the stream was transferred) lost
	 * one of its two consents: nobody confirms it; either party revokes it
	 */
	if (actor->refused || (!by_sender && !by_recipient))
		return ACTED_NONE;
	/* a stream to oneself agrees with itself */
	if (!by_sender || by_recipient)
	{
		if (actor->as_sender)
			return ACTED_SELF;
		if (actor->sender_grant & PERM_RATE)
			return ACTED_FOR_SENDER;
	}
	if (!by_recipient || by_sender)
	{
		if (actor->as_recipient)
			return ACTED_SELF;
		if (actor->recipient_grant & PERM_RATE)
			return ACTED_FOR_RECIPIENT;
	}
	return ACTED_NONE;
}

/* Whether args proposes the terms row's proposal names. */
static bool
SameTerms(const OpRow *row, const OpArgs *args)
{
	return args->amount.err == FLOW_OK && args->amount.units == row->proposed_rate &&
		args->has_end == row->proposed_has_end &&
		(!args->has_end || args->end == row->proposed_end);
}

/*
 * Applies op to row at t for actor: the one apply step of the managed
 * layer.  On success row holds the stream after it and res what it did; on
 * error row is unchanged and the error is the first of SPEC §5's order.
 */
FlowError
flow_apply(FlowOp op, OpRow *row, const OpArgs *args, const OpActor *actor,
		   int64_t t, OpResult *res)
{
	FlowState	next = row->state;
	FlowState	probe = row->state;
	FlowAmount	a = args->amount;
	FlowError	err = FLOW_OK;
	bool		pays_recipient = true;

	memset(res, 0, sizeof(*res));

	/* the time and the status */
	switch (op)
	{
		case OP_WITHDRAW:
		case OP_REFUND:
			if (args->max)
			{
				a.err = FLOW_OK;
				err = op == OP_WITHDRAW ?
					flow_covered_debt(&row->state, t, &a.units) :
					flow_refundable(&row->state, t, &a.units);
			}
			if (err == FLOW_OK)
				err = flow_apply_state(op, &next, &a, t, res);
			break;
		case OP_TRANSFER:
			err = flow_touch(&next, t);
			if (err == FLOW_OK && !row->transferable)
				err = FLOW_ERR_NOT_TRANSFERABLE;
			break;
		case OP_SET_VOID_AFTER:
		case OP_SET_AUTO_TOP_UP:
		case OP_SET_AUTO_WITHDRAW:
			err = flow_touch(&next, t);
			/* a voided stream takes no deposits, so no top-ups; its payouts may still pay */
			if (err == FLOW_OK && row->state.voided &&
				(op == OP_SET_VOID_AFTER || (op == OP_SET_AUTO_TOP_UP && args->has_grace)))
				err = FLOW_ERR_VOIDED;
			break;
		case OP_PROPOSE_UPDATE:
			/* the terms must be ones that could be confirmed now */
			err = flow_set_terms(&probe, &a, args->has_end, args->end, t);
			if (err == FLOW_OK)
				err = flow_touch(&next, t);
			break;
		case OP_CONFIRM_UPDATE:
			err = flow_set_terms(&next, &a, args->has_end, args->end, t);
			break;
		case OP_REDEEM:
			err = Redeem(&next, t, res);
			break;
		case OP_CREATE:
			return FLOW_ERR_NOT_A_NUMBER;	/* see flow_apply_create() */
		default:
			if (flow_ops[op].kind != KIND_STREAM)
				return FLOW_ERR_NOT_A_NUMBER;	/* see flow_apply_account() */
			err = flow_apply_state(op, &next, &a, t, res);
			break;
	}
	if (flow_error_before_actor(err))
		return err;

	/* who may act */
	if (op == OP_WITHDRAW)
	{
		res->destination = args->name ? args->name : row->recipient;
		pays_recipient = strcmp(res->destination, row->recipient) == 0;
	}
	res->acted_for = op == OP_CONFIRM_UPDATE && row->has_proposal ?
		ConfirmsFor(row, actor) : flow_acts_for(op, actor, pays_recipient);
	if (res->acted_for == ACTED_NONE)
		return FLOW_ERR_NOT_ALLOWED;
	/* a rate of a stream that needs consent changes only by agreement */
	if (row->consent_required && !actor->system &&
		(op == OP_ADJUST_RATE || op == OP_RESTART))
		return FLOW_ERR_CONSENT;

	/* the arguments */
	switch (op)
	{
		case OP_WITHDRAW:
		case OP_REFUND:
			if (op == OP_WITHDRAW && res->destination[0] == '\0')
				return FLOW_ERR_EMPTY_NAME;
			if (args->max && a.units == 0 && err == FLOW_ERR_NOT_POSITIVE)
				return FLOW_ERR_NOTHING;
			if (op == OP_REFUND)
				res->destination = row->sender;
			break;
		case OP_TRANSFER:
			if (args->name == NULL)
				return FLOW_ERR_NULL;
			if (args->name[0] == '\0' || strcmp(args->name, row->recipient) == 0)
				return FLOW_ERR_SAME_RECIPIENT;
			res->destination = args->name;
			break;
		case OP_SET_VOID_AFTER:
			if (args->has_grace && flow_grace_is_negative(&args->grace))
				return FLOW_ERR_NEGATIVE_GRACE;
			break;
		case OP_PROPOSE_UPDATE:
			if (row->has_proposal)
				return FLOW_ERR_PROPOSED;
			break;
		case OP_SET_AUTO_TOP_UP:
		case OP_SET_AUTO_WITHDRAW:
			if (args->has_grace && flow_grace_usecs(&args->grace) <= 0)
				return FLOW_ERR_INTERVAL;
			if (op == OP_SET_AUTO_WITHDRAW && args->name != NULL && args->name[0] == '\0')
				return FLOW_ERR_EMPTY_NAME;
			break;
		case OP_CONFIRM_UPDATE:
			if (!row->has_proposal || (a.err == FLOW_OK && !SameTerms(row, args)))
				return FLOW_ERR_NO_PROPOSAL;
			break;
		case OP_REVOKE_UPDATE:
			if (!row->has_proposal)
				return FLOW_ERR_NO_PROPOSAL;
			break;
		default:
			break;
	}
	if (err != FLOW_OK)
		return err;

	/* done: the row after the operation */
	res->units = a.units;
	row->state = next;
	switch (op)
	{
		case OP_TRANSFER:
			row->recipient = args->name;
			break;
		case OP_SET_VOID_AFTER:
			row->has_grace = args->has_grace;
			row->grace = args->grace;
			break;
		case OP_PROPOSE_UPDATE:
			row->has_proposal = true;
			row->proposed_rate = a.units;
			row->proposed_has_end = args->has_end;
			row->proposed_end = args->has_end ? args->end : 0;
			row->proposed_by = res->acted_for == ACTED_FOR_RECIPIENT ||
				(res->acted_for == ACTED_SELF && !actor->as_sender) ? row->recipient : row->sender;
			break;
		case OP_CONFIRM_UPDATE:
		case OP_REVOKE_UPDATE:
			row->has_proposal = false;
			row->proposed_by = NULL;
			break;
		case OP_SET_AUTO_TOP_UP:
			row->has_top_up = args->has_grace;
			row->top_up_keep = args->grace;
			break;
		case OP_SET_AUTO_WITHDRAW:
			res->destination = args->has_grace ? args->name : NULL;
			break;
		default:
			break;
	}
	return FLOW_OK;
}

/*
 * Creates the stream of row (whose sender and recipient are set) at t,
 * accruing from start: the names, then the state (args->amount is the
 * rate).  Who may create is flow_may_act()'s, asked before.
 */
FlowError
flow_apply_create(OpRow *row, const OpArgs *args, int decimals, int64_t start, int64_t t)
{
	FlowState	s;
	FlowError	err;

	if (row->sender[0] == '\0' || row->recipient[0] == '\0')
		return FLOW_ERR_EMPTY_NAME;
	memset(&s, 0, sizeof(s));
	err = flow_create(&s, &args->amount, decimals, start, t);
	if (err != FLOW_OK)
		return err;
	row->state = s;
	return FLOW_OK;
}

/*
 * The time an operation on s takes place, asked for at requested.  now()
 * is when the transaction began; one that waited for the row behind a
 * transaction that began later comes after it all the same, so on the real
 * clock an operation is dated no earlier than the stream's last one.  Only
 * a test clock set before it is refused (SF010).
 */
int64_t
flow_operation_time(int64_t requested, const FlowState *s, bool clock_pinned)
{
	return (!clock_pinned && requested < s->last) ? s->last : requested;
}

/*
 * The time of an operation on accounts asked for at requested: on the
 * real clock, not before the last operation of either account (b may be
 * NULL), as for a stream.
 */
int64_t
flow_account_operation_time(int64_t requested, const Account *a, const Account *b,
							bool clock_pinned)
{
	if (clock_pinned)
		return requested;
	if (requested < a->last)
		requested = a->last;
	if (b != NULL && requested < b->last)
		requested = b->last;
	return requested;
}

/*
 * What a new rate means for s at t, for those who write a rate rather than
 * name an operation (the view): 0 pauses, a rate on a paused stream
 * restarts it, any other changes the rate.
 */
FlowOp
flow_rate_change_op(const FlowState *s, int64_t t, u128 new_rate)
{
	if (new_rate == 0)
		return OP_PAUSE;
	if (!s->voided && s->st <= t && s->rps == 0)
		return OP_RESTART;
	return OP_ADJUST_RATE;
}

/*
 * t plus span, counting days and months as flow_grace_usecs() does; false
 * when that is past the end of time (*at is then FLOW_TIME_MAX).
 */
bool
flow_after(int64_t t, const FlowGrace *span, int64_t *at)
{
	__int128	sum = (__int128) t + flow_grace_usecs(span);

	if (sum > FLOW_TIME_MAX)
	{
		*at = FLOW_TIME_MAX;
		return false;
	}
	*at = sum < FLOW_TIME_MIN ? FLOW_TIME_MIN : (int64_t) sum;
	return true;
}

/*
 * The deposit that keeps s solvent until then (SPEC §8's top-up): its
 * total debt then, less its balance; 0 when the balance covers it.  Debt
 * only grows, so solvent then is solvent all the way.
 */
FlowError
flow_top_up_need(const FlowState *s, int64_t until, U256 *need)
{
	U256		debt,
				balance = u256_from_u128(s->balance);
	FlowError	err = flow_total_debt(s, until < s->last ? s->last : until, &debt);

	*need = u256_from_u128(0);
	if (err != FLOW_OK)
		return err;
	if (u256_cmp(&debt, &balance) > 0)
		u256_sub(need, &debt, &balance);
	return FLOW_OK;
}

/*
 * When an automatic top-up keeping keep is due: keep before the stream
 * depletes; false when it never depletes.
 */
bool
flow_top_up_at(const FlowState *s, const FlowGrace *keep, int64_t *at)
{
	int64_t		depletion;
	__int128	due;

	if (flow_depletion_time(s, &depletion) != FLOW_DEPLETION_AT)
		return false;
	due = (__int128) depletion - flow_grace_usecs(keep);
	*at = due < FLOW_TIME_MIN ? FLOW_TIME_MIN : due > FLOW_TIME_MAX ? FLOW_TIME_MAX : (int64_t) due;
	return true;
}

/*
 * What an automatic top-up due at t (its stream has keep of runway left)
 * keeps the stream solvent until: twice keep from t, so that the runway
 * never falls below keep and a top-up comes once every keep, not on every
 * run of the job.
 */
int64_t
flow_top_up_until(int64_t t, const FlowGrace *keep)
{
	__int128	until = (__int128) t + 2 * flow_grace_usecs(keep);

	return until > FLOW_TIME_MAX ? FLOW_TIME_MAX : until < FLOW_TIME_MIN ? FLOW_TIME_MIN : (int64_t) until;
}

/* The deposit that keeps a's available balance from going below 0 until then, or 0. */
FlowError
flow_account_top_up_need(const Account *a, int64_t until, U256 *need)
{
	I256		available;
	FlowError	err = account_available(a, until < a->last ? a->last : until, &available);

	*need = u256_from_u128(0);
	if (err != FLOW_OK)
		return err;
	if (i256_is_neg(&available))
		*need = i256_abs(&available);
	return FLOW_OK;
}

/* The payout after payout_at that is due after t: whole periods on, never a burst of them. */
int64_t
flow_next_payout(int64_t payout_at, const FlowGrace *every, int64_t t)
{
	__int128	period = flow_grace_usecs(every);
	__int128	next = payout_at;

	if (period <= 0)
		return FLOW_TIME_MAX;
	if (next <= t)
		next += ((t - next) / period + 1) * period;
	return next > FLOW_TIME_MAX ? FLOW_TIME_MAX : (int64_t) next;
}

/* A grace's length, with flow_interval_usecs()'s fixed days and months. */
__int128
flow_grace_usecs(const FlowGrace *g)
{
	return flow_interval_usecs(g->months, g->days, g->usecs);
}

/* A grace must not be negative: it is how long a stream may stay insolvent. */
bool
flow_grace_is_negative(const FlowGrace *g)
{
	return flow_grace_usecs(g) < 0;
}

/*
 * When the sweeper may void s: its depletion time plus its grace (which is
 * not negative); false when it never falls due.  *due is FLOW_TIME_MAX + 1
 * when it falls due after the end of time.
 */
bool
flow_due_time(const FlowState *s, const FlowGrace *grace, int64_t *due)
{
	int64_t		depletion;
	__int128	at;

	switch (flow_depletion_time(s, &depletion))
	{
		case FLOW_DEPLETION_NONE:
			return false;
		case FLOW_DEPLETION_BEYOND:
			*due = FLOW_TIME_MAX + 1;
			return true;
		case FLOW_DEPLETION_AT:
			break;
	}
	at = (__int128) depletion + flow_grace_usecs(grace);
	*due = at > FLOW_TIME_MAX ? FLOW_TIME_MAX + 1 : (int64_t) at;
	return true;
}

/* The first of two errors in SPEC §5's order, the status ones before the others. */
static FlowError
FirstError(FlowError a, FlowError b)
{
	if (flow_error_before_actor(a) || a == FLOW_ERR_NOT_ALLOWED)
		return a;
	if (flow_error_before_actor(b) || b == FLOW_ERR_NOT_ALLOWED)
		return b;
	return a != FLOW_OK ? a : b;
}

/*
 * The money of an operation on accounts, on copies: the account core's
 * functions, in SPEC §6's terms.  A transfer or flow between a party and
 * itself is the same account twice.
 */
static FlowError
AccountMoney(FlowOp op, Account *a, Account *b, AccountFlow *f, const FlowAmount *amount,
			 const U256 *units, const AccountPolicy *policy, bool same, int64_t t)
{
	Account    *peer = same ? a : b;

	switch (op)
	{
		case OP_ACCOUNT_DEPOSIT:
			return account_deposit(a, amount, t);
		case OP_ACCOUNT_WITHDRAW:
			return account_withdraw(a, amount, t);
		case OP_ACCOUNT_TRANSFER:
			if (units != NULL)
				return account_transfer_units(a, peer, units, t);
			return account_transfer(a, peer, amount, t);
		case OP_OPEN_FLOW:
			return account_flow_open(a, peer, f, amount, policy, t);
		case OP_UPDATE_FLOW:
			return account_flow_update(a, peer, f, amount, policy, t);
		case OP_CLOSE_FLOW:
			return account_flow_close(a, peer, f, t);
		case OP_LIQUIDATE:

			/*
			 * The sweeper closes every outgoing flow of an account that
			 * account_liquidation() found critical, one event each: once
			 * the first is closed the account may no longer be critical,
			 * so each close is a close, and only the sweeper may do it.
			 */
			return account_flow_close(a, peer, f, t);
		case OP_DEPOSIT_FROM_ACCOUNT:	/* the account's part of it */
			return account_withdraw(a, amount, t);
		case OP_WITHDRAW_TO_ACCOUNT:
			return account_deposit(a, amount, t);
		default:
			return FLOW_ERR_NOT_A_NUMBER;	/* not an operation on accounts */
	}
}

/* What an operation on a's available balance asked for, for FLOW_ERR_UNAVAILABLE. */
static void
Shortfall(FlowOp op, const OpAccount *a, const OpFlow *f, const OpArgs *args, int64_t t,
		  OpResult *res)
{
	(void) account_available(&a->state, t, &res->shortfall_have);
	if (op == OP_OPEN_FLOW || op == OP_UPDATE_FLOW)
		(void) account_flow_need(op == OP_UPDATE_FLOW && f ? &f->state : NULL,
								 args->amount.units, &args->policy, a->state.decimals,
								 &res->shortfall_need);
	else
		res->shortfall_need = u256_from_u128(args->amount.units);
}

FlowError
flow_apply_account(FlowOp op, OpAccount *a, OpAccount *b, OpFlow *f, const OpArgs *args,
				   const OpActor *actor, int64_t t, OpResult *res)
{
	Account		na = a->state,
				nb;
	AccountFlow nf;
	bool		same = b != NULL && strcmp(a->party, b->party) == 0;
	FlowError	err;

	memset(res, 0, sizeof(*res));
	memset(&nb, 0, sizeof(nb));
	memset(&nf, 0, sizeof(nf));
	if (b != NULL)
		nb = b->state;
	if (f != NULL)
		nf = f->state;
	err = AccountMoney(op, &na, &nb, &nf, &args->amount, args->units, &args->policy, same, t);
	if (flow_error_before_actor(err))
		return err;
	res->acted_for = flow_acts_for(op, actor, true);
	if (res->acted_for == ACTED_NONE)
		return FLOW_ERR_NOT_ALLOWED;
	/* an operator's flows use up the rate allowance the sender gave it */
	if (res->acted_for == ACTED_FOR_SENDER && actor->has_allowance && f != NULL &&
		(op == OP_OPEN_FLOW || op == OP_UPDATE_FLOW) && args->amount.err == FLOW_OK &&
		args->amount.units > f->state.rate)
	{
		res->allowance_used = args->amount.units - f->state.rate;
		if (res->allowance_used > actor->allowance)
			return FLOW_ERR_ALLOWANCE;
	}
	if (a->party[0] == '\0' || (b != NULL && b->party[0] == '\0'))
		return FLOW_ERR_EMPTY_NAME;
	if (op == OP_ACCOUNT_WITHDRAW)
	{
		res->destination = args->name ? args->name : a->party;
		if (res->destination[0] == '\0')
			return FLOW_ERR_EMPTY_NAME;
	}
	else if (b != NULL)
		res->destination = b->party;
	if (err == FLOW_ERR_UNAVAILABLE || err == FLOW_ERR_CRITICAL)
		Shortfall(op, a, f, args, t, res);
	if (err != FLOW_OK)
		return err;

	res->units = args->amount.units;
	a->state = na;
	if (b != NULL)
		b->state = nb;
	if (f != NULL)
		f->state = nf;
	return FLOW_OK;
}

FlowError
flow_apply_bridge(FlowOp op, OpRow *row, OpAccount *a, const OpArgs *args,
				  const OpActor *actor, int64_t t, OpResult *res)
{
	FlowState	s = row->state;
	Account		na = a->state;
	FlowAmount	amount = args->amount;
	FlowError	es,
				ea;

	memset(res, 0, sizeof(*res));
	if (op == OP_WITHDRAW_TO_ACCOUNT && args->max)
	{
		amount.err = FLOW_OK;
		es = flow_covered_debt(&row->state, t, &amount.units);
		if (es != FLOW_OK)
			return es;
	}
	if (op == OP_DEPOSIT_FROM_ACCOUNT && args->max && amount.err == FLOW_OK)
	{
		/*
		 * An automatic top-up: as much of the amount as the account can
		 * give.  With the runway it keeps for the stream (args->grace), it
		 * leaves the account that runway too: what it gives is available at
		 * t and still at t + keep, so that (available being linear in time)
		 * the account is not critical before t + keep because of it.
		 */
		int64_t		horizon[2] = {t, t};

		if (args->has_grace)
			(void) flow_after(t, &args->grace, &horizon[1]);	/* at most the end of time */
		for (int i = 0; i < 2; i++)
		{
			I256		available;

			ea = account_available(&a->state, horizon[i], &available);
			if (ea != FLOW_OK)
				return ea;
			if (i256_is_neg(&available))
				amount.units = 0;
			else
			{
				U256		have = i256_abs(&available);

				if (u256_fits_u128(&have) && u256_low128(&have) < amount.units)
					amount.units = u256_low128(&have);
			}
		}
	}
	if (op == OP_DEPOSIT_FROM_ACCOUNT)
	{
		es = flow_deposit(&s, &amount, t);
		ea = account_withdraw(&na, &amount, t);
	}
	else if (op == OP_WITHDRAW_TO_ACCOUNT)
	{
		es = flow_withdraw(&s, &amount, t);
		ea = account_deposit(&na, &amount, t);
	}
	else
		return FLOW_ERR_NOT_A_NUMBER;	/* not a bridge */

	/* SPEC §5: the time (SF010), of either side, ranks before the status */
	if (es == FLOW_ERR_TIME_ORDER || ea == FLOW_ERR_TIME_ORDER)
		return es == FLOW_ERR_TIME_ORDER ? es : ea;
	if (flow_error_before_actor(es))
		return es;
	if (flow_error_before_actor(ea))
		return ea;
	res->acted_for = flow_acts_for(op, actor, true);
	if (res->acted_for == ACTED_NONE)
		return FLOW_ERR_NOT_ALLOWED;
	if (args->max && amount.units == 0 && es == FLOW_ERR_NOT_POSITIVE)
		return FLOW_ERR_NOTHING;
	if (ea == FLOW_ERR_UNAVAILABLE || ea == FLOW_ERR_CRITICAL)
		Shortfall(OP_ACCOUNT_WITHDRAW, a, NULL, args, t, res);
	if (es != FLOW_OK || ea != FLOW_OK)
		return FirstError(es, ea);

	res->units = amount.units;
	row->state = s;
	a->state = na;
	return FLOW_OK;
}

/* Whether two accounts are the same, field by field. */
bool
flow_same_account(const Account *x, const Account *y)
{
	return i256_cmp(&x->static_balance, &y->static_balance) == 0 &&
		i256_cmp(&x->netflow, &y->netflow) == 0 && u256_cmp(&x->buffer, &y->buffer) == 0 &&
		x->settled_at == y->settled_at && x->last == y->last && x->decimals == y->decimals;
}

const char *
flow_replay_account(FlowOp op, const Account *a, const Account *b, const AccountFlow *f,
					const U256 *recorded, int64_t at, const Account *a_after,
					const Account *b_after, const AccountFlow *f_after, char *problem)
{
	const char *label = flow_ops[op].label;
	Account		na = *a,
				nb;
	AccountFlow nf;
	FlowAmount	amount = {FLOW_OK, 0};
	AccountPolicy policy = {0, 0};
	FlowError	err;

	memset(&nb, 0, sizeof(nb));
	memset(&nf, 0, sizeof(nf));
	if (b != NULL)
		nb = *b;
	if (f != NULL)
		nf = *f;
	if (recorded == NULL &&
		(flow_ops[op].records == REC_AMOUNT || flow_ops[op].records == REC_RATE))
	{
		snprintf(problem, FLOW_DETAIL_MAX, "a %s event without its amount", label);
		return problem;
	}
	if (recorded != NULL)
	{
		if (!u256_fits_u128(recorded) || u256_low128(recorded) > I127_MAX)
			amount.err = FLOW_ERR_OVERFLOW;
		else
			amount.units = u256_low128(recorded);
	}
	/* the buffer as recorded: a policy that gives exactly it */
	if (f_after != NULL && (op == OP_OPEN_FLOW || op == OP_UPDATE_FLOW) &&
		account_policy_for_buffer(f_after->rate, &f_after->buffer, a->decimals, &policy) != FLOW_OK)
	{
		snprintf(problem, FLOW_DETAIL_MAX, "the recorded buffer of a %s is out of range", label);
		return problem;
	}
	/* a liquidation's reward may exceed 2^127 - 1: a transfer replays its units */
	err = AccountMoney(op, &na, &nb, &nf, &amount,
					   op == OP_ACCOUNT_TRANSFER ? recorded : NULL, &policy, b == NULL, at);
	if (err != FLOW_OK)
	{
		snprintf(problem, FLOW_DETAIL_MAX,
				 "the recorded %s is not a legal operation on the accounts before it (error %d)",
				 label, (int) err);
		return problem;
	}
	if (!flow_same_account(&na, a_after) || (b_after != NULL && !flow_same_account(&nb, b_after)) ||
		(f_after != NULL && (nf.rate != f_after->rate || u256_cmp(&nf.buffer, &f_after->buffer) != 0)))
	{
		snprintf(problem, FLOW_DETAIL_MAX,
				 "the states after the recorded %s are not what the %s gives", label, label);
		return problem;
	}
	return NULL;
}

/* Writes a problem into buf and returns buf. */
static const char *
Problem(char *buf, const char *fmt, const char *a, const char *b)
{
	snprintf(buf, FLOW_DETAIL_MAX, fmt, a, b);
	return buf;
}

const char *
flow_replay(const FlowState *prev, FlowOp op, const U256 *recorded, int64_t at,
			const FlowState *after, char *problem)
{
	const char *label = flow_ops[op].label;
	FlowState	s;
	FlowAmount	a = {FLOW_OK, 0};
	OpResult	res;
	FlowError	err;

	if (op == OP_CREATE)
	{
		const char *why;

		if (prev != NULL)
			return Problem(problem, "a create event follows other events of its stream", NULL, NULL);
		if (after->balance != 0 || !u256_is_zero(&after->sd) || after->voided ||
			after->last != at)
			return Problem(problem, "the state after a create event is not a new stream", NULL, NULL);
		why = flow_state_problem(after);
		return why ? Problem(problem, "%s", why, NULL) : NULL;
	}
	if (prev == NULL)
		return Problem(problem, "the first event of the stream is a %s, not a create", label, NULL);
	if (recorded == NULL &&
		(flow_ops[op].records == REC_AMOUNT || flow_ops[op].records == REC_RATE))
		return Problem(problem, "a %s event without its amount", label, NULL);
	if (recorded != NULL && flow_ops[op].records != REC_WRITTEN_OFF)
	{
		if (!u256_fits_u128(recorded) || u256_low128(recorded) > I127_MAX)
			a.err = FLOW_ERR_OVERFLOW;
		else
			a.units = u256_low128(recorded);
	}

	s = *prev;
	memset(&res, 0, sizeof(res));
	/* confirmed terms: the rate is recorded, the end is the state's */
	if (op == OP_CONFIRM_UPDATE)
		err = flow_set_terms(&s, &a, after->has_end, after->end, at);
	else
		err = flow_apply_state(op, &s, &a, at, &res);
	if (err == FLOW_OK && (op == OP_VOID || op == OP_REDEEM) && recorded != NULL &&
		u256_cmp(recorded, &res.written_off) != 0)
		return Problem(problem, "the written-off amount of a void event is not the uncovered debt",
					   NULL, NULL);
	if (err != FLOW_OK)
	{
		snprintf(problem, FLOW_DETAIL_MAX,
				 "the recorded %s is not a legal operation on the state before it (error %d)",
				 label, (int) err);
		return problem;
	}
	if (flow_state_cmp(&s, after) != 0)
		return Problem(problem, "the state after the recorded %s is not what the %s gives", label, label);
	return NULL;
}

/* rate * ((to - st)+ - (from - st)+): what accrued on s between two times */
static void
AddAccrual(U256 *accrued, const FlowState *s, int64_t from, int64_t to)
{
	U256		upto = flow_ongoing(s, to);
	U256		before = flow_ongoing(s, from);
	U256		part;

	if (u256_cmp(&upto, &before) <= 0)
		return;
	u256_sub(&part, &upto, &before);
	u256_add(accrued, accrued, &part);
}

/*
 * Adds one event of a stream's history, in order, to the audit: reports
 * what its replay finds and the invariants it breaks.
 */
void
flow_audit_event(FlowAudit *a, FlowOp op, const U256 *recorded, int64_t at,
				 const FlowState *after, FlowProblemFn report, void *arg)
{
	char		problem[FLOW_DETAIL_MAX];
	const char *why = flow_replay(a->started ? &a->prev : NULL, op, recorded, at, after, problem);

	if (why != NULL)
		report(arg, why);
	if (a->started)
	{
		const FlowState *p = &a->prev;

		if (at < a->prev_at)
			report(arg, "it is earlier than the event before it");
		if (p->voided && !after->voided)
			report(arg, "it revives a voided stream");
		if (p->st <= a->prev_at && after->st > at)
			report(arg, "it returns the stream to pending");
		if (after->st < p->st && !((op == OP_VOID || op == OP_REDEEM) && p->st > at))
			report(arg, "it moves the snapshot time back");
		AddAccrual(&a->accrued, p, a->prev_at, at);
	}
	else
	{
		memset(a, 0, sizeof(*a));
		/* debt since a start in the past is owed from the first moment */
		if (op == OP_CREATE)
			a->accrued = flow_ongoing(after, at);
	}

	if (recorded != NULL && flow_ops[op].records == REC_AMOUNT)
	{
		U256	   *sum = (op == OP_DEPOSIT || op == OP_DEPOSIT_FROM_ACCOUNT) ? &a->deposited :
			(op == OP_WITHDRAW || op == OP_WITHDRAW_TO_ACCOUNT) ? &a->withdrawn : &a->refunded;

		u256_add(sum, sum, recorded);
	}
	a->prev = *after;
	a->prev_at = at;
	a->started = true;
}

/* v / 10^scale as text, for a message */
static const char *
Digits(const U256 *v, int scale, char *buf)
{
	flow_format_decimal(v, scale, 0, buf);
	return buf;
}

/*
 * The checks that need a stream's whole history: its row's state is where
 * the history ends, and its money adds up at now (or its last event).
 */
void
flow_audit_finish(const FlowAudit *a, const FlowState *row, int64_t now,
				  FlowProblemFn report, void *arg)
{
	const FlowState *s = &a->prev;
	int64_t		t = now > a->prev_at ? now : a->prev_at;
	int			dec = s->decimals;
	char		msg[FLOW_DETAIL_MAX + 4 * FLOW_DECIMAL_MAX];
	char		d1[FLOW_DECIMAL_MAX],
				d2[FLOW_DECIMAL_MAX],
				d3[FLOW_DECIMAL_MAX],
				d4[FLOW_DECIMAL_MAX];
	const char *why;
	U256		sum,
				balance = u256_from_u128(row->balance);

	if (flow_state_cmp(row, s) != 0)
		report(arg, "the stream's state is not the state after its last event");
	why = flow_state_problem(row);
	if (why != NULL)
	{
		snprintf(msg, sizeof(msg), "inconsistent state: %s", why);
		report(arg, msg);
	}

	/* deposits = balance + withdrawn + refunded (sums of 256 bits do not wrap here) */
	u256_add(&sum, &balance, &a->withdrawn);
	u256_add(&sum, &sum, &a->refunded);
	if (u256_cmp(&sum, &a->deposited) != 0)
	{
		snprintf(msg, sizeof(msg), "deposits %s <> balance %s + withdrawn %s + refunded %s",
				 Digits(&a->deposited, dec, d1), Digits(&balance, dec, d2),
				 Digits(&a->withdrawn, dec, d3), Digits(&a->refunded, dec, d4));
		report(arg, msg);
	}

	if (!s->voided)
	{
		U256		accrued = a->accrued,
					owed,
					td;

		AddAccrual(&accrued, s, a->prev_at, t);
		owed = u256_divmod_128(&accrued, flow_unit_scale[dec], NULL);
		if (flow_total_debt(s, t, &td) != FLOW_OK)
			report(arg, "the total debt overflows");
		else
		{
			u256_add(&sum, &td, &a->withdrawn);
			if (u256_cmp(&sum, &owed) != 0)
			{
				snprintf(msg, sizeof(msg), "accrued %s <> total debt %s + withdrawn %s",
						 Digits(&owed, dec, d1), Digits(&td, dec, d2),
						 Digits(&a->withdrawn, dec, d3));
				report(arg, msg);
			}
		}
	}
	else
	{
		U256		uncovered;

		if (flow_uncovered_debt(s, t, &uncovered) != FLOW_OK || !u256_is_zero(&uncovered))
			report(arg, "a voided stream has uncovered debt");
	}
}

/*
 * The money of a token's accounts.  Each account adds static - netflow x
 * settled_at, its balance extrapolated back to time 0; when the netflows
 * of a token sum to 0 (every flow leaves one account and enters another)
 * the sum is the sum of the balances at any one time, though the accounts
 * were last settled at different times.  Deposits and withdrawals come
 * from the history, in base units; the sums are exact in 10^-24 tokens.
 */
void
flow_audit_account(AccountAudit *a, const Account *row)
{
	u128		settled = (u128) (row->settled_at < 0 ? -(__int128) row->settled_at : row->settled_at);
	U256		abs_netflow = i256_abs(&row->netflow);
	U256		product;
	I256		held;

	/* netflow * settled_at is negative when exactly one of them is */
	bool		negative = i256_is_neg(&row->netflow) != (row->settled_at < 0);

	if (a->overflow)
		return;
	if (!i256_add(&a->netflow, &a->netflow, &row->netflow) ||
		!u256_mul_u128(&product, &abs_netflow, settled) ||
		!i256_add_abs(&held, &row->static_balance, !negative, &product) ||
		!i256_add(&a->held, &a->held, &held))
		a->overflow = true;
}

/* A recorded amount of op on a token's accounts: in, out, or neither. */
void
flow_audit_account_event(AccountAudit *a, FlowOp op, const U256 *recorded, int decimals)
{
	U256		exact;
	bool		in;

	if (recorded == NULL || a->overflow)
		return;
	switch (op)
	{
		case OP_ACCOUNT_DEPOSIT:
		case OP_WITHDRAW_TO_ACCOUNT:
			in = true;
			break;
		case OP_ACCOUNT_WITHDRAW:
		case OP_DEPOSIT_FROM_ACCOUNT:
			in = false;
			break;
		default:
			return;				/* transfers and flows move money between accounts */
	}
	if (!u256_mul_u128(&exact, recorded, flow_unit_scale[decimals]) ||
		!i256_add_abs(&a->moved, &a->moved, !in, &exact))
		a->overflow = true;
}

/*
 * The audit of a token's accounts at the end: the netflows sum to 0, and
 * the balances to what was deposited less what was withdrawn.
 */
void
flow_audit_accounts_finish(const AccountAudit *a, FlowProblemFn report, void *arg)
{
	char		msg[FLOW_DETAIL_MAX + 2 * FLOW_DECIMAL_MAX];
	char		d1[FLOW_DECIMAL_MAX],
				d2[FLOW_DECIMAL_MAX];
	U256		x,
				y;

	if (a->overflow)
	{
		report(arg, "the sums of its accounts exceed 256 bits");
		return;
	}
	if (!i256_is_zero(&a->netflow))
	{
		x = i256_abs(&a->netflow);
		snprintf(msg, sizeof(msg), "the netflows of its accounts sum to %s%s, not 0",
				 i256_is_neg(&a->netflow) ? "-" : "", Digits(&x, FLOW_RATE_SCALE, d1));
		report(arg, msg);
	}
	else if (i256_cmp(&a->held, &a->moved) != 0)
	{
		x = i256_abs(&a->held);
		y = i256_abs(&a->moved);
		snprintf(msg, sizeof(msg),
				 "its accounts hold %s%s, but deposits less withdrawals are %s%s (in 10^-24 tokens)",
				 i256_is_neg(&a->held) ? "-" : "", Digits(&x, 0, d1),
				 i256_is_neg(&a->moved) ? "-" : "", Digits(&y, 0, d2));
		report(arg, msg);
	}
}
