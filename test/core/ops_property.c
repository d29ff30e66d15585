/*
 * ops_property.c — a seeded randomized test of the operation model (ops.c):
 * the one apply step, the replay of a history and its audit.
 *
 *   test/core/ops_property [seed]
 *
 * Many managed streams, some with an end time, some created with
 * consent_required, each driven through random operations of the table
 * (amounts near the limits, rates, names, graces, _max forms, terms), at
 * random times, by random actors (the sender, the recipient, a stranger,
 * the sweeper, a refused actor, an operator holding random grants of the
 * sender and of the recipient; the parties too hold random grants of each
 * other at times).  For every call it checks against rules written out
 * here, independently of ops.c:
 *   - who may act (SPEC §4, §8) and for whom (flow_acts_for's acted_for:
 *     a party for itself first, then an operator whose grant holds the
 *     permission the operation needs), and the order of errors (SPEC §5):
 *     a time or status error first (SF012 after the end), whoever acts;
 *     then 42501; then the rules of agreed updates (42501 for a rate change
 *     by one party of a consent stream, SF018 for a second proposal, SF017
 *     for a confirmation or revocation of nothing, or of other terms); then
 *     the arguments;
 *   - agreed updates (SPEC §7): propose by either party (or its operator),
 *     confirm by the party that did not propose only (or its operator), and
 *     only while the proposer is still a party; revoke by either; the
 *     model keeps the open proposal and who made it;
 *   - redeem: it voids, pays the recipient the covered debt and refunds the
 *     sender the rest, three events that each replay;
 *   - an operation that fails changes nothing;
 *   - an operation that succeeds records what the table says (amount moved,
 *     new rate, debt written off; destination), and its event replays:
 *     flow_replay() accepts it.
 * flow_acts_for() is also checked exhaustively: every operation, every
 * combination of the actor's flags, every pair of grants.
 * After each stream, its whole history is audited (flow_audit_event,
 * flow_audit_finish): nothing may be reported.  Then the history is
 * corrupted, one event at a time (an amount, the state after it, its time,
 * its operation), and the audit must report the corruption.
 *
 * Prints TAP: its plan, one test (the whole property), its checks counted in
 * the description; the rest are comments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define DEFAULT_SEED	20261205ULL
#define N_STREAMS		3000
#define OPS_PER_STREAM	120
#define SEC		INT64_C(1000000)
#define DAY		(INT64_C(86400) * SEC)

static unsigned long long seed,
			rng_state;
static long passed,
			failed,
			n_ok[OP_COUNT],
			n_err[OP_COUNT];
static int	printed;

static uint64_t
Next(void)
{
	uint64_t	z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
Below(int n)
{
	return (int) (Next() % (uint64_t) n);
}

static void
Check(bool ok, const char *fmt,...)
{
	va_list		args;

	if (ok)
	{
		passed++;
		return;
	}
	failed++;
	if (printed++ < 10)
	{
		fprintf(stderr, "FAILED (seed %llu): ", seed);
		va_start(args, fmt);
		vfprintf(stderr, fmt, args);
		va_end(args);
		fputc('\n', stderr);
	}
}

/* ------------------------------------------------------------------ */
/* the rules, written out independently of ops.c                       */
/* ------------------------------------------------------------------ */

enum Who
{
	SENDER, RECIPIENT, STRANGER, SWEEPER, REFUSED, OPERATOR, N_WHO
};
static const char *const who_names[N_WHO] = {"sender", "recipient", "stranger", "sweeper", "refused",
"operator"};

/*
 * SPEC §8: the permission an operator needs for each operation, by what the
 * operation does: creating and configuring (create, grace, metadata,
 * opening a flow, funding from an account), changing rates and terms,
 * pausing and restarting, stopping (void, redeem, closing a flow), taking
 * money out (withdraw elsewhere, from an account, into an account,
 * transfers between accounts), refunds, handing a stream over.  Deposits
 * are anyone's; liquidations the sweeper's.
 */
static uint32_t
PermOf(FlowOp op)
{
	switch (op)
	{
		case OP_CREATE:
		case OP_SET_VOID_AFTER:
		case OP_SET_METADATA:
		case OP_OPEN_FLOW:
		case OP_DEPOSIT_FROM_ACCOUNT:
		case OP_SET_AUTO_TOP_UP:	/* configures the sender's funding */
			return PERM_CREATE;
		case OP_ADJUST_RATE:
		case OP_UPDATE_FLOW:
		case OP_PROPOSE_UPDATE:
		case OP_CONFIRM_UPDATE:
		case OP_REVOKE_UPDATE:
			return PERM_RATE;
		case OP_PAUSE:
		case OP_RESTART:
			return PERM_PAUSE;
		case OP_VOID:
		case OP_REDEEM:
		case OP_CLOSE_FLOW:
			return PERM_VOID;
		case OP_WITHDRAW:
		case OP_ACCOUNT_WITHDRAW:
		case OP_ACCOUNT_TRANSFER:
		case OP_WITHDRAW_TO_ACCOUNT:
		case OP_SET_AUTO_WITHDRAW:	/* takes the recipient's money out, on a schedule */
			return PERM_WITHDRAW;
		case OP_REFUND:
			return PERM_REFUND;
		case OP_TRANSFER:
			return PERM_TRANSFER;
		case OP_DEPOSIT:
		case OP_ACCOUNT_DEPOSIT:
		case OP_LIQUIDATE:
		case OP_COUNT:
			break;
	}
	return 0;
}

/* SPEC §4, §6, §7: whose operation it is */
enum Whose
{
	ANYONE, SENDER_ONLY, RECIPIENT_ONLY, EITHER_PARTY, PAYEE, SWEEPER_ONLY
};

static enum Whose
WhoseOp(FlowOp op)
{
	switch (op)
	{
		case OP_DEPOSIT:
		case OP_ACCOUNT_DEPOSIT:
			return ANYONE;
		case OP_WITHDRAW:
			return PAYEE;		/* anyone to the recipient, else the recipient */
		case OP_TRANSFER:
		case OP_WITHDRAW_TO_ACCOUNT:
		case OP_SET_AUTO_WITHDRAW:
			return RECIPIENT_ONLY;
		case OP_VOID:
		case OP_REDEEM:
		case OP_CLOSE_FLOW:
		case OP_PROPOSE_UPDATE:
		case OP_CONFIRM_UPDATE:	/* either; which one: the rule of Confirmer() */
		case OP_REVOKE_UPDATE:
			return EITHER_PARTY;
		case OP_LIQUIDATE:
			return SWEEPER_ONLY;
		default:
			return SENDER_ONLY; /* create, refund, pause, restart, adjust_rate, grace,
								 * metadata, an account's withdrawals and transfers,
								 * opening and changing flows, funding from an account */
	}
}

/* an actor as the rules see it */
typedef struct Actor
{
	bool		as_sender,
				as_recipient,
				system,
				refused;
	uint32_t	sender_grant,
				recipient_grant;
} Actor;

/*
 * SPEC §4, §8: for whom actor may do op (pays_recipient: a withdrawal to
 * the recipient): as a party itself first, else as the operator of a party
 * whose grant holds the permission.
 */
static OpActedFor
ActsFor(FlowOp op, const Actor *a, bool pays_recipient)
{
	uint32_t	perm = PermOf(op);
	bool		for_sender = perm != 0 && (a->sender_grant & perm) == perm;
	bool		for_recipient = perm != 0 && (a->recipient_grant & perm) == perm;

	if (a->refused)
		return ACTED_NONE;
	if (a->system)
		return ACTED_SELF;
	switch (WhoseOp(op))
	{
		case ANYONE:
			return ACTED_SELF;
		case SENDER_ONLY:
			return a->as_sender ? ACTED_SELF : for_sender ? ACTED_FOR_SENDER : ACTED_NONE;
		case RECIPIENT_ONLY:
			return a->as_recipient ? ACTED_SELF : for_recipient ? ACTED_FOR_RECIPIENT : ACTED_NONE;
		case EITHER_PARTY:
			if (a->as_sender || a->as_recipient)
				return ACTED_SELF;
			return for_sender ? ACTED_FOR_SENDER : for_recipient ? ACTED_FOR_RECIPIENT : ACTED_NONE;
		case PAYEE:
			if (pays_recipient || a->as_recipient)
				return ACTED_SELF;
			return for_recipient ? ACTED_FOR_RECIPIENT : ACTED_NONE;
		case SWEEPER_ONLY:
			return ACTED_NONE;
	}
	return ACTED_NONE;
}

/* the proposal the model keeps: who made it (a party's name), and its terms */
typedef struct Proposal
{
	bool		open;
	char		by[16];
	u128		rate;
	bool		has_end;
	int64_t		end;
} Proposal;

/*
 * SPEC §7: who may confirm the proposal: the party that did not propose it
 * (or its operator, with the rate permission), while the one that did is
 * still a party; a proposal whose proposer has left (the stream was
 * transferred) has lost one of the two consents, and nobody may confirm it.
 */
static OpActedFor
Confirmer(const Proposal *p, const OpRow *row, const Actor *a)
{
	bool		by_sender = strcmp(p->by, row->sender) == 0;
	bool		by_recipient = strcmp(p->by, row->recipient) == 0;

	if (a->refused || (!by_sender && !by_recipient))
		return ACTED_NONE;
	if (by_sender)
		return a->as_recipient ? ACTED_SELF :
			(a->recipient_grant & PERM_RATE) ? ACTED_FOR_RECIPIENT : ACTED_NONE;
	return a->as_sender ? ACTED_SELF : (a->sender_grant & PERM_RATE) ? ACTED_FOR_SENDER : ACTED_NONE;
}

/* SPEC §5: the errors that come before "who may act" */
static bool
RanksFirst(FlowError e)
{
	return e == FLOW_ERR_TIME_ORDER || e == FLOW_ERR_TIME_RANGE || e == FLOW_ERR_VOIDED ||
		e == FLOW_ERR_PAUSED || e == FLOW_ERR_NOT_PAUSED || e == FLOW_ERR_PENDING ||
		e == FLOW_ERR_NOT_TRANSFERABLE || e == FLOW_ERR_ENDED;
}

static long n_ended;			/* operations tried after a stream's end */

/*
 * The same actor for the core and for the model: flags 1 the sender, 2 the
 * recipient, 4 the system, 8 refused; the grants of either party.
 */
static void
SetActors(OpActor *actor, Actor *model, int flags, uint32_t sg, uint32_t rg)
{
	memset(actor, 0, sizeof(*actor));
	actor->name = "someone";
	model->as_sender = actor->as_sender = (flags & 1) != 0;
	model->as_recipient = actor->as_recipient = (flags & 2) != 0;
	model->system = actor->system = (flags & 4) != 0;
	model->refused = actor->refused = (flags & 8) != 0;
	model->sender_grant = actor->sender_grant = sg;
	model->recipient_grant = actor->recipient_grant = rg;
}

/* ------------------------------------------------------------------ */
/* a stream and its history                                            */
/* ------------------------------------------------------------------ */

typedef struct Event
{
	FlowOp		op;
	bool		has_amount;
	U256		amount;
	int64_t		at;
	FlowState	after;
} Event;

static Event history[OPS_PER_STREAM + 4];
static int	n_events;
static char recipients[OPS_PER_STREAM + 4][16];

static FlowAmount
Units(u128 v)
{
	FlowAmount	a = {FLOW_OK, v};

	return a;
}

/* a random amount around what the stream can take */
static FlowAmount
RandomAmount(const OpRow *row, int64_t t)
{
	u128		covered = 0,
				refundable = 0;

	(void) flow_covered_debt(&row->state, t, &covered);
	(void) flow_refundable(&row->state, t, &refundable);
	switch (Below(8))
	{
		case 0:
			return Units(0);
		case 1:
			return Units(covered);
		case 2:
			return Units(covered + 1);
		case 3:
			return Units(refundable);
		case 4:
			return Units(refundable + 1);
		case 5:
			{
				FlowAmount	a = {FLOW_ERR_PRECISION, 0};

				return a;
			}
		case 6:
			{
				FlowAmount	a = {FLOW_ERR_NULL, 0};

				return a;
			}
		default:
			return Units((u128) (Next() % 1000000) + 1);
	}
}

static FlowAmount
RandomRate(const OpRow *row)
{
	switch (Below(5))
	{
		case 0:
			return Units(0);
		case 1:
			return Units(row->state.rps);
		case 2:
			return Units((u128) (Next() % 1000000000000ULL) + 1);
		default:
			return Units((u128) (Next() % 1000000000ULL) * 1000000000ULL + 1);
	}
}

/* the event an operation that succeeded records, by the table */
static void
Record(FlowOp op, const OpResult *res, int64_t t, const FlowState *after)
{
	Event	   *e = &history[n_events++];

	e->op = op;
	e->at = t;
	e->after = *after;
	e->has_amount = flow_ops[op].records != REC_NOTHING;
	e->amount = flow_ops[op].records == REC_WRITTEN_OFF ? res->written_off :
		u256_from_u128(res->units);
}

/*
 * One of the events a redeem records (the redeem, its payment, its
 * refund), with the state after it: it must replay from the one before.
 */
static void
RecordStep(int k, FlowOp op, U256 amount, int64_t t, const FlowState *after, const char *recipient,
		   const char *what)
{
	Event	   *e = &history[n_events++];
	char		problem[FLOW_DETAIL_MAX];
	const char *why;

	e->op = op;
	e->at = t;
	e->after = *after;
	e->has_amount = true;
	e->amount = amount;
	strcpy(recipients[n_events - 1], recipient);
	why = flow_replay(&history[n_events - 2].after, op, &e->amount, t, &e->after, problem);
	Check(why == NULL, "stream %d: the replay of %s refuses it: %s", k, what, why ? why : "");
}

static int	problems;

/* Counts a problem the audit reports. */
static void
CountProblem(void *arg, const char *problem)
{
	(void) arg;
	(void) problem;
	problems++;
}

/* The audit of events[0..n): how many problems it reports. */
static int
Audit(const Event *events, int n, const FlowState *row, int64_t now)
{
	FlowAudit	a;

	memset(&a, 0, sizeof(a));
	problems = 0;
	for (int i = 0; i < n; i++)
		flow_audit_event(&a, events[i].op, events[i].has_amount ? &events[i].amount : NULL,
						 events[i].at, &events[i].after, CountProblem, NULL);
	flow_audit_finish(&a, row, now, CountProblem, NULL);
	return problems;
}

/* the operations, as often as they come up (a void or a redeem ends a stream: rarely) */
static const FlowOp random_ops[] = {
	OP_DEPOSIT, OP_DEPOSIT, OP_DEPOSIT, OP_WITHDRAW, OP_WITHDRAW, OP_WITHDRAW, OP_REFUND, OP_REFUND,
	OP_PAUSE, OP_RESTART, OP_RESTART, OP_ADJUST_RATE, OP_ADJUST_RATE, OP_TRANSFER,
	OP_SET_VOID_AFTER, OP_SET_METADATA, OP_PROPOSE_UPDATE, OP_PROPOSE_UPDATE, OP_CONFIRM_UPDATE,
	OP_CONFIRM_UPDATE, OP_CONFIRM_UPDATE, OP_REVOKE_UPDATE
};

/* random grants: none, a few permissions, or all of them */
static uint32_t
RandomGrant(void)
{
	switch (Below(4))
	{
		case 0:
			return 0;
		case 1:
			return PERM_ALL;
		default:
			return (uint32_t) (Next() & PERM_ALL);
	}
}

/* random terms around t, or the proposal's own */
static void
RandomTerms(OpArgs *args, const OpRow *row, const Proposal *p, int64_t t)
{
	if (p->open && Below(4) != 0)
	{
		args->amount = Units(p->rate);
		args->has_end = p->has_end;
		args->end = p->end;
		return;
	}
	args->amount = RandomRate(row);
	args->has_end = Below(3) != 0;
	switch (Below(4))
	{
		case 0:
			args->end = t - (int64_t) (Next() % DAY);	/* not after now: 22023 */
			break;
		case 1:
			args->end = row->state.has_end ? row->state.end : t + SEC;
			break;
		default:
			args->end = t + 1 + (int64_t) (Next() % (20 * DAY));
			break;
	}
}

static void
RunStream(int k)
{
	OpRow		row;
	OpArgs		args;
	OpActor		actor;
	OpResult	res;
	FlowError	err;
	Proposal	prop;
	int64_t		t = (int64_t) (Next() % (20 * 365 * DAY)) + 800 * DAY * (Below(2) ? 1 : -1);
	int64_t		start = t + (Below(4) == 0 ? (int64_t) (Next() % (30 * DAY)) : -(int64_t) (Next() % DAY));
	int			decimals = Below(FLOW_MAX_DECIMALS + 1);
	int			ops = 0;

	memset(&row, 0, sizeof(row));
	memset(&args, 0, sizeof(args));
	memset(&prop, 0, sizeof(prop));
	row.sender = "alice";
	row.recipient = "bob";
	row.transferable = Below(4) != 0;
	row.consent_required = Below(3) == 0;
	args.amount = Units((u128) (Next() % 1000000000000ULL) + 1);
	err = flow_apply_create(&row, &args, decimals, start, t);
	Check(err == FLOW_OK, "stream %d: create failed with %d", k, (int) err);
	if (err != FLOW_OK)
		return;
	/* a fixed term, at times: it ends 1 us to 20 days after its start */
	if (Below(3) == 0)
	{
		err = flow_set_end(&row.state, start + 1 + (int64_t) (Next() % (20 * DAY)));
		Check(err == FLOW_OK, "stream %d: an end after the start is refused (%d)", k, (int) err);
	}
	n_events = 0;
	history[n_events].op = OP_CREATE;
	history[n_events].has_amount = false;
	history[n_events].at = t;
	history[n_events].after = row.state;
	n_events++;

	while (ops < OPS_PER_STREAM)
	{
		FlowOp		op = Below(60) == 0 ? (Below(2) ? OP_VOID : OP_REDEEM) :
			random_ops[Below((int) (sizeof(random_ops) / sizeof(random_ops[0])))];
		enum Who	who = Below(3) == 0 ? (enum Who) Below(N_WHO) :
			(op == OP_WITHDRAW || op == OP_TRANSFER) ? RECIPIENT : SENDER;
		OpRow		before = row;
		Proposal	prop_before = prop;
		int64_t		at = t + (Below(10) == 0 ? -(int64_t) (Next() % DAY) :
							  Below(3) == 0 ? 0 : (int64_t) (Next() % (10 * DAY)));
		bool		pays_recipient;
		bool		agreed = op == OP_PROPOSE_UPDATE || op == OP_CONFIRM_UPDATE || op == OP_REVOKE_UPDATE;
		char	   *name = recipients[n_events];
		Actor		model;
		OpActedFor	expect;
		bool		allowed;
		bool		ended;

		ops++;
		if (row.state.voided && ops < OPS_PER_STREAM - 10)
			ops = OPS_PER_STREAM - 10;	/* a few more on a voided stream */
		/* agreed updates are the parties' business: mostly theirs */
		if (agreed && who == SWEEPER)
			who = STRANGER;
		if (op == OP_CONFIRM_UPDATE && who == SENDER && prop.open && Below(4) != 0)
			who = strcmp(prop.by, row.sender) == 0 ? RECIPIENT : SENDER;
		if (op == OP_PROPOSE_UPDATE && who == SENDER && Below(2) == 0)
			who = RECIPIENT;
		memset(&args, 0, sizeof(args));
		memset(&actor, 0, sizeof(actor));
		actor.name = who_names[who];
		actor.as_sender = who == SENDER;
		actor.as_recipient = who == RECIPIENT;
		actor.system = who == SWEEPER;
		actor.refused = who == REFUSED;
		if (who == OPERATOR || Below(4) == 0)
		{
			actor.sender_grant = RandomGrant();
			actor.recipient_grant = RandomGrant();
		}
		args.max = (op == OP_WITHDRAW || op == OP_REFUND) && Below(3) == 0;
		if (op == OP_WITHDRAW || op == OP_REFUND || op == OP_DEPOSIT)
			args.amount = RandomAmount(&row, at);
		if (op == OP_RESTART || op == OP_ADJUST_RATE)
			args.amount = RandomRate(&row);
		if (op == OP_PROPOSE_UPDATE || op == OP_CONFIRM_UPDATE)
			RandomTerms(&args, &row, &prop, at);
		if (op == OP_WITHDRAW)
		{
			int			d = Below(3);

			args.name = d == 0 ? NULL : d == 1 ? row.recipient : "elsewhere";
		}
		if (op == OP_TRANSFER)
		{
			snprintf(name, 16, "r%d", Below(4));
			args.name = Below(8) == 0 ? NULL : Below(8) == 0 ? "" : name;
		}
		if (op == OP_SET_VOID_AFTER)
		{
			args.has_grace = Below(4) != 0;
			args.grace.days = Below(5) - 1;
			args.grace.usecs = (int64_t) Below(3) * SEC;
		}
		pays_recipient = op != OP_WITHDRAW || args.name == NULL ||
			strcmp(args.name, row.recipient) == 0;

		/* the model: for whom the actor may act, and whether the stream has ended */
		model.as_sender = actor.as_sender;
		model.as_recipient = actor.as_recipient;
		model.system = actor.system;
		model.refused = actor.refused;
		model.sender_grant = actor.sender_grant;
		model.recipient_grant = actor.recipient_grant;
		expect = op == OP_CONFIRM_UPDATE && prop.open ? Confirmer(&prop, &row, &model) :
			ActsFor(op, &model, pays_recipient);
		allowed = expect != ACTED_NONE;
		ended = row.state.has_end && at >= row.state.end && !row.state.voided && at >= row.state.last &&
			row.state.st <= at;

		err = flow_apply(op, &row, &args, &actor, at, &res);
		if (err == FLOW_OK)
			n_ok[op]++;
		else
			n_err[op]++;

		/* SPEC §7: nothing changes the rate or the terms after the end */
		if (ended && (op == OP_PAUSE || op == OP_RESTART || op == OP_ADJUST_RATE ||
					  op == OP_PROPOSE_UPDATE || op == OP_CONFIRM_UPDATE) && n_ended++ >= 0)
			Check(err == FLOW_ERR_ENDED, "stream %d: %s after the end gave %d, not SF012",
				  k, flow_ops[op].label, (int) err);
		if (err == FLOW_ERR_ENDED)
			Check(ended, "stream %d: %s refused as ended before the end", k, flow_ops[op].label);

		if (err == FLOW_OK || !RanksFirst(err))
		{
			/* past the time and the status: who acts decides next */
			bool		refused_actor = err == FLOW_ERR_NOT_ALLOWED;

			Check(allowed == !refused_actor,
				  "stream %d: %s by %s (grants %x/%x, to the recipient: %d) gave %d, allowed %d",
				  k, flow_ops[op].label, who_names[who], (unsigned) actor.sender_grant,
				  (unsigned) actor.recipient_grant, (int) pays_recipient, (int) err, (int) allowed);
			if (allowed && !refused_actor)
			{
				/* then the rules of agreed updates */
				if (row.consent_required && !actor.system && (op == OP_ADJUST_RATE || op == OP_RESTART))
					Check(err == FLOW_ERR_CONSENT, "stream %d: %s of a consent stream by one party gave %d",
						  k, flow_ops[op].label, (int) err);
				else
					Check(err != FLOW_ERR_CONSENT, "stream %d: %s refused for want of consent", k,
						  flow_ops[op].label);
				if (op == OP_PROPOSE_UPDATE)
					Check((err == FLOW_ERR_PROPOSED) == prop.open,
						  "stream %d: a proposal with one open (%d) gave %d", k, (int) prop.open, (int) err);
				if (op == OP_REVOKE_UPDATE)
					Check(err == (prop.open ? FLOW_OK : FLOW_ERR_NO_PROPOSAL),
						  "stream %d: a revocation with a proposal open (%d) gave %d", k, (int) prop.open,
						  (int) err);
				if (op == OP_CONFIRM_UPDATE && args.amount.err == FLOW_OK)
				{
					bool		same = prop.open && args.amount.units == prop.rate &&
						args.has_end == prop.has_end && (!args.has_end || args.end == prop.end);

					Check((err == FLOW_ERR_NO_PROPOSAL) == !same,
						  "stream %d: a confirmation of %s terms gave %d", k,
						  !prop.open ? "no proposed" : same ? "the proposed" : "other", (int) err);
				}
				if (op == OP_REDEEM)
					Check(err == FLOW_OK, "stream %d: a redeem allowed gave %d", k, (int) err);
			}
		}
		if (err != FLOW_OK)
		{
			Check(flow_state_cmp(&row.state, &before.state) == 0 &&
				  strcmp(row.recipient, before.recipient) == 0 &&
				  row.has_grace == before.has_grace && row.has_proposal == before.has_proposal,
				  "stream %d: a failed %s changed the row", k, flow_ops[op].label);
			/* SPEC §5: an actor refused is never told a later error */
			if (err == FLOW_ERR_NOT_ALLOWED)
				Check(!allowed, "stream %d: refused but allowed", k);
			continue;
		}

		/* success: for whom it acted, what it did, and its events replay */
		{
			char		problem[FLOW_DETAIL_MAX];
			const char *why;

			if (allowed)
				Check(res.acted_for == expect, "stream %d: %s by %s (grants %x/%x) acted for %d, not %d",
					  k, flow_ops[op].label, who_names[who], (unsigned) actor.sender_grant,
					  (unsigned) actor.recipient_grant, (int) res.acted_for, (int) expect);
			if (op == OP_WITHDRAW)
				Check(strcmp(res.destination, args.name ? args.name : before.recipient) == 0,
					  "stream %d: withdrawal to the wrong destination", k);
			if (op == OP_REFUND)
				Check(strcmp(res.destination, "alice") == 0, "stream %d: refund not to the sender", k);
			if (op == OP_TRANSFER)
				Check(strcmp(row.recipient, args.name) == 0 && strcmp(res.destination, args.name) == 0,
					  "stream %d: transfer", k);
			if (op == OP_DEPOSIT || op == OP_WITHDRAW || op == OP_REFUND)
			{
				u128		moved = op == OP_DEPOSIT ? row.state.balance - before.state.balance :
					before.state.balance - row.state.balance;

				Check(res.units == moved, "stream %d: %s recorded %s units that did not move",
					  k, flow_ops[op].label, "other");
			}
			if (op == OP_SET_VOID_AFTER)
				Check(!args.has_grace || !flow_grace_is_negative(&args.grace),
					  "stream %d: a negative grace was accepted", k);
			Check(row.state.last == at, "stream %d: %s did not take its place in time", k,
				  flow_ops[op].label);

			/* the model's proposal follows */
			if (op == OP_PROPOSE_UPDATE)
			{
				const char *party = res.acted_for == ACTED_FOR_SENDER ? before.sender :
					res.acted_for == ACTED_FOR_RECIPIENT ? before.recipient :
					actor.as_sender ? before.sender : before.recipient;

				prop.open = true;
				snprintf(prop.by, sizeof(prop.by), "%s", party);
				prop.rate = args.amount.units;
				prop.has_end = args.has_end;
				prop.end = args.end;
				Check(row.has_proposal && row.proposed_by != NULL && strcmp(row.proposed_by, party) == 0 &&
					  row.proposed_rate == prop.rate && row.proposed_has_end == prop.has_end &&
					  (!prop.has_end || row.proposed_end == prop.end),
					  "stream %d: the proposal on the row is not the one made", k);
				Check(row.state.rps == before.state.rps && row.state.has_end == before.state.has_end &&
					  row.state.end == before.state.end && row.state.st == before.state.st &&
					  row.state.balance == before.state.balance &&
					  u256_cmp(&row.state.sd, &before.state.sd) == 0,
					  "stream %d: a proposal changed the stream", k);
			}
			if (op == OP_CONFIRM_UPDATE)
			{
				Check(row.state.rps == prop_before.rate && row.state.has_end == prop_before.has_end &&
					  (!row.state.has_end || row.state.end == prop_before.end),
					  "stream %d: the confirmation did not apply the terms proposed", k);
				/* the paused time is never charged, the time before it is snapshotted */
				Check(row.state.st == (before.state.st > at ? before.state.st : at),
					  "stream %d: the confirmation's snapshot time", k);
				prop.open = false;
			}
			if (op == OP_REVOKE_UPDATE)
			{
				Check(row.state.rps == before.state.rps && row.state.balance == before.state.balance,
					  "stream %d: a revocation moved money or the rate", k);
				prop.open = false;
			}
			if (op == OP_CONFIRM_UPDATE || op == OP_REVOKE_UPDATE)
				Check(!row.has_proposal, "stream %d: a proposal is left open after a %s", k,
					  flow_ops[op].label);
			if (op == OP_REDEEM)
			{
				u128		covered = 0;
				U256		uncovered;

				(void) flow_covered_debt(&before.state, at, &covered);
				(void) flow_uncovered_debt(&before.state, at, &uncovered);
				Check(res.paid == covered && res.refunded == before.state.balance - covered &&
					  u256_cmp(&res.written_off, &uncovered) == 0,
					  "stream %d: a redeem did not pay the covered debt and refund the rest", k);
				Check(row.state.voided && row.state.balance == 0 && row.state.rps == 0,
					  "stream %d: a redeemed stream is not voided and empty", k);
				Check(res.after_void.balance == before.state.balance &&
					  res.after_paid.balance == before.state.balance - res.paid,
					  "stream %d: the states of a redeem's steps", k);
			}

			/* its events: one, or a redeem's three (the last two when they move money) */
			if (op == OP_REDEEM)
			{
				RecordStep(k, OP_REDEEM, res.written_off, at, &res.after_void, row.recipient, "a redeem");
				if (res.paid > 0)
					RecordStep(k, OP_WITHDRAW, u256_from_u128(res.paid), at, &res.after_paid, row.recipient,
							   "a redeem's payment");
				if (res.refunded > 0)
					RecordStep(k, OP_REFUND, u256_from_u128(res.refunded), at, &row.state, row.recipient,
							   "a redeem's refund");
				Check(flow_state_cmp(&history[n_events - 1].after, &row.state) == 0,
					  "stream %d: a redeem's last event is not the state after it", k);
			}
			else
			{
				Record(op, &res, at, &row.state);
				strcpy(recipients[n_events - 1], row.recipient);
				why = flow_replay(&history[n_events - 2].after, op,
								  history[n_events - 1].has_amount ? &history[n_events - 1].amount : NULL,
								  at, &row.state, problem);
				Check(why == NULL, "stream %d: the replay of a %s refuses it: %s", k, flow_ops[op].label,
					  why ? why : "");
			}
			t = at;
		}
	}

	/* the whole history audits clean, at its end and later */
	Check(Audit(history, n_events, &row.state, t) == 0,
		  "stream %d: the audit of a clean history reports %d problems", k, problems);
	Check(Audit(history, n_events, &row.state, t + 3 * 365 * DAY) == 0,
		  "stream %d: the audit of a clean history later reports %d problems", k, problems);

	/* and every corruption is reported */
	for (int i = 1; i < n_events; i++)
	{
		Event		saved = history[i];
		Event	   *e = &history[i];
		int			kind = Below(4);
		FlowState	row_state = row.state;

		switch (kind)
		{
			case 0:
				/*
				 * The amount, but for a void's or redeem's written-off debt,
				 * and a proposal's rate, which moves no money: verify()
				 * checks it against the confirmation and the row, the
				 * audit of the money cannot.
				 */
				if (e->has_amount && flow_ops[e->op].records != REC_WRITTEN_OFF &&
					e->op != OP_PROPOSE_UPDATE)
				{
					U256		one = u256_from_u128(1);

					u256_add(&e->amount, &e->amount, &one);
				}
				else
					e->after.balance += 1;
				break;
			case 1:
				e->after.sd.w[0] ^= 1;
				break;
			case 2:
				e->at -= 1;
				break;
			case 3:
				e->op = e->op == OP_DEPOSIT ? OP_REFUND : OP_DEPOSIT;
				break;
		}
		if (i == n_events - 1 && kind == 1)
			row_state = e->after;	/* the row agrees with the corrupt last event */
		Check(Audit(history, n_events, &row_state, t) > 0,
			  "stream %d: corrupting event %d (%s, kind %d) is not reported", k, i,
			  flow_ops[saved.op].label, kind);
		history[i] = saved;
	}
}

/*
 * flow_acts_for() against ActsFor(), exhaustively: every operation, every
 * combination of the actor's flags, every pair of grants, both kinds of
 * withdrawal; and the permissions' names.
 */
static void
ActsForRules(void)
{
	long		wrong = 0;

	for (int op = 0; op < OP_COUNT; op++)
	{
		Check(flow_ops[op].perm == PermOf((FlowOp) op), "%s needs permission %x, not %x",
			  flow_ops[op].label, (unsigned) PermOf((FlowOp) op), (unsigned) flow_ops[op].perm);
		for (int flags = 0; flags < 16; flags++)
			for (uint32_t sg = 0; sg <= PERM_ALL; sg++)
				for (uint32_t rg = 0; rg <= PERM_ALL; rg++)
					for (int pays = 0; pays < 2; pays++)
					{
						OpActor		actor;
						Actor		model;
						OpActedFor	got,
									want;

						SetActors(&actor, &model, flags, sg, rg);
						got = flow_acts_for((FlowOp) op, &actor, pays != 0);
						want = ActsFor((FlowOp) op, &model, pays != 0);
						if (got != want && wrong++ < 3)
							Check(false, "flow_acts_for(%s, flags %d, grants %x/%x, pays %d) = %d, not %d",
								  flow_ops[op].label, flags, (unsigned) sg, (unsigned) rg, pays,
								  (int) got, (int) want);
						if (got == want)
							passed++;
						if (flow_may_act((FlowOp) op, &actor, pays != 0) != (want != ACTED_NONE) && wrong++ < 3)
							Check(false, "flow_may_act(%s) disagrees with flow_acts_for", flow_ops[op].label);
					}
	}
	if (wrong > 3)
		Check(false, "flow_acts_for: %ld more disagreements", wrong - 3);
	for (int i = 0; i < 7; i++)
		Check(flow_permission_of(flow_permission_names[i]) == (uint32_t) 1 << i &&
			  PermOf(OP_COUNT) == 0, "permission %s", flow_permission_names[i]);
	Check(strcmp(flow_permission_names[0], "create") == 0 && strcmp(flow_permission_names[1], "rate") == 0 &&
		  strcmp(flow_permission_names[2], "pause") == 0 && strcmp(flow_permission_names[3], "void") == 0 &&
		  strcmp(flow_permission_names[4], "withdraw") == 0 && strcmp(flow_permission_names[5], "refund") == 0 &&
		  strcmp(flow_permission_names[6], "transfer") == 0 &&
		  PERM_CREATE == 1 && PERM_RATE == 2 && PERM_PAUSE == 4 && PERM_VOID == 8 && PERM_WITHDRAW == 16 &&
		  PERM_REFUND == 32 && PERM_TRANSFER == 64, "the permissions' names and bits");
	Check(flow_permission_of("") == 0 && flow_permission_of("Create") == 0 && flow_permission_of("all") == 0,
		  "unknown permissions have no bit");
}

/*
 * The confirmation of a proposal, by every kind of actor, for a proposal
 * by the sender, by the recipient, and by a recipient since replaced (the
 * stream transferred): only the party that did not propose it, or its
 * operator with the rate permission, and nobody once the proposer left.
 */
static void
ConfirmRules(void)
{
	static const char *const proposers[3] = {"alice", "bob", "carol"};

	for (int p = 0; p < 3; p++)
		for (int flags = 0; flags < 16; flags++)
			for (uint32_t sg = 0; sg <= PERM_ALL; sg += 1)
				for (uint32_t rg = 0; rg <= PERM_ALL; rg += 3)
				{
					OpRow		row;
					OpArgs		args;
					OpActor		actor;
					OpResult	res;
					Actor		model;
					Proposal	prop;
					FlowError	err;
					OpActedFor	want;

					memset(&row, 0, sizeof(row));
					memset(&args, 0, sizeof(args));
					row.sender = "alice";
					row.recipient = "bob";
					args.amount = Units(1000);
					(void) flow_apply_create(&row, &args, 6, 0, 0);
					row.consent_required = true;
					row.has_proposal = true;
					row.proposed_rate = 2000;
					row.proposed_by = proposers[p];
					memset(&prop, 0, sizeof(prop));
					prop.open = true;
					snprintf(prop.by, sizeof(prop.by), "%s", proposers[p]);
					prop.rate = 2000;
					SetActors(&actor, &model, flags, sg, rg);
					/*
					 * A stream to itself is not this test's: an actor is one
					 * party here; and the sweeper holds no grants.
					 */
					if ((actor.as_sender && actor.as_recipient) ||
						(actor.system && (sg || rg || actor.as_sender || actor.as_recipient)))
						continue;
					/* the sweeper confirms nothing: it acts for neither party */
					want = actor.system && !actor.refused ? ACTED_NONE : Confirmer(&prop, &row, &model);
					args.amount = Units(2000);
					err = flow_apply(OP_CONFIRM_UPDATE, &row, &args, &actor, SEC, &res);
					Check(want == ACTED_NONE ? err == FLOW_ERR_NOT_ALLOWED : err == FLOW_OK && res.acted_for == want,
						  "confirm of %s's proposal by flags %d grants %x/%x: %d (acted for %d), want %d",
						  proposers[p], flags, (unsigned) sg, (unsigned) rg, (int) err, (int) res.acted_for,
						  (int) want);
				}
}

/*
 * The redeem of a pending stream: its history (create, deposit, redeem,
 * refund) replays and audits clean, as a void's does.
 */
static void
RedeemPending(void)
{
	OpRow		row;
	OpArgs		args;
	OpActor		actor;
	OpResult	res;
	Event		h[4];
	int			n = 0;
	FlowError	err;

	memset(&row, 0, sizeof(row));
	memset(&args, 0, sizeof(args));
	memset(&actor, 0, sizeof(actor));
	row.sender = "alice";
	row.recipient = "bob";
	actor.name = "alice";
	actor.as_sender = true;
	args.amount = Units(1000000000000ULL);	/* 10^-6 tokens a second */
	(void) flow_apply_create(&row, &args, 6, 10 * DAY, 0);	/* starts in 10 days */
	memset(h, 0, sizeof(h));
	h[n].op = OP_CREATE;
	h[n].at = 0;
	h[n++].after = row.state;
	args.amount = Units(500);
	err = flow_apply(OP_DEPOSIT, &row, &args, &actor, DAY, &res);
	h[n].op = OP_DEPOSIT;
	h[n].at = DAY;
	h[n].has_amount = true;
	h[n].amount = u256_from_u128(500);
	h[n++].after = row.state;
	memset(&args, 0, sizeof(args));
	err = err == FLOW_OK ? flow_apply(OP_REDEEM, &row, &args, &actor, 2 * DAY, &res) : err;
	Check(err == FLOW_OK && res.paid == 0 && res.refunded == 500, "the redeem of a pending stream: %d", (int) err);
	if (err != FLOW_OK)
		return;
	h[n].op = OP_REDEEM;
	h[n].at = 2 * DAY;
	h[n].has_amount = true;
	h[n].amount = res.written_off;
	h[n++].after = res.after_void;
	h[n].op = OP_REFUND;
	h[n].at = 2 * DAY;
	h[n].has_amount = true;
	h[n].amount = u256_from_u128(500);
	h[n++].after = row.state;
	Check(Audit(h, n, &row.state, 3 * DAY) == 0, "the audit of a pending stream's redeem reports %d problems",
		  problems);
	/* the same with a void: clean */
	h[2].op = OP_VOID;
	Check(Audit(h, 3, &res.after_void, 3 * DAY) == 0,
		  "the audit of a pending stream's void reports %d problems", problems);
}

/* The core's rule for a new rate, against the one written out here. */
static void
RateRules(void)
{
	for (int i = 0; i < 20000; i++)
	{
		FlowState	s;
		int64_t		t = (int64_t) (Next() % (100 * DAY));
		u128		rate = Below(3) == 0 ? 0 : (u128) Below(1000) + 1;
		FlowOp		want;

		memset(&s, 0, sizeof(s));
		s.rps = Below(2) ? 0 : (u128) Below(1000) + 1;
		s.voided = Below(5) == 0;
		if (s.voided)
			s.rps = 0;
		s.st = t + (int64_t) (Next() % (2 * DAY)) - DAY;
		s.last = t;
		want = rate == 0 ? OP_PAUSE :
			(s.rps == 0 && !s.voided && s.st <= t) ? OP_RESTART : OP_ADJUST_RATE;
		Check(flow_rate_change_op(&s, t, rate) == want, "rate rule: rps %d voided %d pending %d rate %d",
			  (int) s.rps, (int) s.voided, (int) (s.st > t), (int) rate);
		/* the real clock dates an operation no earlier than the last one */
		Check(flow_operation_time(t - 5, &s, false) == t && flow_operation_time(t - 5, &s, true) == t - 5 &&
			  flow_operation_time(t + 5, &s, false) == t + 5, "operation time");
	}
}

int
main(int argc, char **argv)
{
	seed = argc > 1 ? strtoull(argv[1], NULL, 10) : DEFAULT_SEED;
	rng_state = seed;
	printf("1..1\n");
	printf("# seed %llu (%d streams x up to %d operations; rerun with: ops_property %llu)\n",
		   seed, N_STREAMS, OPS_PER_STREAM, seed);
	RateRules();
	ActsForRules();
	ConfirmRules();
	RedeemPending();
	for (int k = 0; k < N_STREAMS; k++)
		RunStream(k);
	printf("#");
	for (int op = 1; op < OP_COUNT; op++)
		printf(" %s %ld/%ld", flow_ops[op].label, n_ok[op], n_ok[op] + n_err[op]);
	printf(" (succeeded/tried); %ld re-ratings tried after a stream's end\n", n_ended);
	printf("%s 1 - the operation table, apply and replay against a model; histories audited, corruptions reported (%ld checks, %ld failed)\n",
		   failed == 0 && passed > 0 ? "ok" : "not ok", passed, failed);
	return failed == 0 ? 0 : 1;
}
