/*
 * ops_property.c — a seeded randomized test of the operation model (ops.c):
 * the one apply step, the replay of a history and its audit.
 *
 *   test/core/ops_property [seed]
 *
 * Many managed streams, each driven through random operations of the table
 * (amounts near the limits, rates, names, graces, _max forms), at random
 * times, by random actors (the sender, the recipient, a stranger, the
 * sweeper, a refused actor).  For every call it checks against rules
 * written out here, independently of ops.c:
 *   - who may act (SPEC §4) and the order of errors (SPEC §5): a time or
 *     status error first, whoever acts; then 42501; then the arguments;
 *   - an operation that fails changes nothing;
 *   - an operation that succeeds records what the table says (amount moved,
 *     new rate, debt written off; destination), and its event replays:
 *     flow_replay() accepts it.
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
	SENDER, RECIPIENT, STRANGER, SWEEPER, REFUSED, N_WHO
};
static const char *const who_names[N_WHO] = {"sender", "recipient", "stranger", "sweeper", "refused"};

/* SPEC §4: whether who may do op (pays_recipient: a withdrawal to the recipient) */
static bool
Allowed(FlowOp op, enum Who who, bool pays_recipient)
{
	if (who == REFUSED)
		return false;
	if (who == SWEEPER)
		return true;
	switch (op)
	{
		case OP_DEPOSIT:
			return true;
		case OP_WITHDRAW:
			return pays_recipient || who == RECIPIENT;
		case OP_VOID:
			return who == SENDER || who == RECIPIENT;
		case OP_TRANSFER:
			return who == RECIPIENT;
		default:
			return who == SENDER;	/* refund, pause, restart, adjust_rate, grace, metadata */
	}
}

/* SPEC §5: the errors that come before "who may act" */
static bool
RanksFirst(FlowError e)
{
	return e == FLOW_ERR_TIME_ORDER || e == FLOW_ERR_TIME_RANGE || e == FLOW_ERR_VOIDED ||
		e == FLOW_ERR_PAUSED || e == FLOW_ERR_NOT_PAUSED || e == FLOW_ERR_PENDING ||
		e == FLOW_ERR_NOT_TRANSFERABLE;
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

static Event history[OPS_PER_STREAM + 2];
static int	n_events;
static char recipients[OPS_PER_STREAM + 2][16];

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

static int	problems;

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

/* the operations, as often as they come up (a void ends a stream: rarely) */
static const FlowOp random_ops[] = {
	OP_DEPOSIT, OP_DEPOSIT, OP_DEPOSIT, OP_WITHDRAW, OP_WITHDRAW, OP_WITHDRAW, OP_REFUND, OP_REFUND,
	OP_PAUSE, OP_RESTART, OP_RESTART, OP_ADJUST_RATE, OP_ADJUST_RATE, OP_TRANSFER,
	OP_SET_VOID_AFTER, OP_SET_METADATA
};

static void
RunStream(int k)
{
	OpRow		row;
	OpArgs		args;
	OpActor		actor;
	OpResult	res;
	FlowError	err;
	int64_t		t = (int64_t) (Next() % (20 * 365 * DAY)) + 800 * DAY * (Below(2) ? 1 : -1);
	int64_t		start = t + (Below(4) == 0 ? (int64_t) (Next() % (30 * DAY)) : -(int64_t) (Next() % DAY));
	int			decimals = Below(FLOW_MAX_DECIMALS + 1);
	int			ops = 0;

	memset(&row, 0, sizeof(row));
	memset(&args, 0, sizeof(args));
	row.sender = "alice";
	row.recipient = "bob";
	row.transferable = Below(4) != 0;
	args.amount = Units((u128) (Next() % 1000000000000ULL) + 1);
	err = flow_apply_create(&row, &args, decimals, start, t);
	Check(err == FLOW_OK, "stream %d: create failed with %d", k, (int) err);
	if (err != FLOW_OK)
		return;
	n_events = 0;
	history[n_events].op = OP_CREATE;
	history[n_events].has_amount = false;
	history[n_events].at = t;
	history[n_events].after = row.state;
	n_events++;

	while (ops < OPS_PER_STREAM)
	{
		FlowOp		op = Below(60) == 0 ? OP_VOID :
			random_ops[Below((int) (sizeof(random_ops) / sizeof(random_ops[0])))];
		enum Who	who = Below(3) == 0 ? (enum Who) Below(N_WHO) :
			(op == OP_WITHDRAW || op == OP_TRANSFER) ? RECIPIENT : SENDER;
		OpRow		before = row;
		int64_t		at = t + (Below(10) == 0 ? -(int64_t) (Next() % DAY) :
							  Below(3) == 0 ? 0 : (int64_t) (Next() % (10 * DAY)));
		bool		pays_recipient;
		char	   *name = recipients[n_events];

		ops++;
		if (row.state.voided && ops < OPS_PER_STREAM - 10)
			ops = OPS_PER_STREAM - 10;	/* a few more on a voided stream */
		memset(&args, 0, sizeof(args));
		memset(&actor, 0, sizeof(actor));
		actor.name = who_names[who];
		actor.as_sender = who == SENDER;
		actor.as_recipient = who == RECIPIENT;
		actor.system = who == SWEEPER;
		actor.refused = who == REFUSED;
		args.max = (op == OP_WITHDRAW || op == OP_REFUND) && Below(3) == 0;
		if (op == OP_WITHDRAW || op == OP_REFUND || op == OP_DEPOSIT)
			args.amount = RandomAmount(&row, at);
		if (op == OP_RESTART || op == OP_ADJUST_RATE)
			args.amount = RandomRate(&row);
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

		err = flow_apply(op, &row, &args, &actor, at, &res);
		if (err == FLOW_OK)
			n_ok[op]++;
		else
			n_err[op]++;

		if (err == FLOW_OK || !RanksFirst(err))
		{
			/* past the time and the status: who acts decides next */
			bool		allowed = Allowed(op, who, pays_recipient);

			Check(allowed == (err != FLOW_ERR_NOT_ALLOWED),
				  "stream %d: %s by %s (to the recipient: %d) gave %d, allowed %d",
				  k, flow_ops[op].label, who_names[who], (int) pays_recipient, (int) err, (int) allowed);
		}
		if (err != FLOW_OK)
		{
			Check(flow_state_cmp(&row.state, &before.state) == 0 &&
				  strcmp(row.recipient, before.recipient) == 0 &&
				  row.has_grace == before.has_grace,
				  "stream %d: a failed %s changed the row", k, flow_ops[op].label);
			/* SPEC §5: an actor refused is never told a later error */
			if (err == FLOW_ERR_NOT_ALLOWED)
				Check(!Allowed(op, who, pays_recipient), "stream %d: refused but allowed", k);
			continue;
		}

		/* success: what it did, and its event replays */
		{
			char		problem[FLOW_DETAIL_MAX];
			const char *why;

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
			Record(op, &res, at, &row.state);
			strcpy(recipients[n_events - 1], row.recipient);
			why = flow_replay(&history[n_events - 2].after, op,
							  history[n_events - 1].has_amount ? &history[n_events - 1].amount : NULL,
							  at, &row.state, problem);
			Check(why == NULL, "stream %d: the replay of a %s refuses it: %s", k, flow_ops[op].label,
				  why ? why : "");
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
				if (e->has_amount && flow_ops[e->op].records != REC_WRITTEN_OFF)
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
	for (int k = 0; k < N_STREAMS; k++)
		RunStream(k);
	printf("#");
	for (int op = 1; op < OP_COUNT; op++)
		printf(" %s %ld/%ld", flow_ops[op].label, n_ok[op], n_ok[op] + n_err[op]);
	printf(" (succeeded/tried)\n");
	printf("%s 1 - the operation table, apply and replay against a model; histories audited, corruptions reported (%ld checks, %ld failed)\n",
		   failed == 0 && passed > 0 ? "ok" : "not ok", passed, failed);
	return failed == 0 ? 0 : 1;
}
