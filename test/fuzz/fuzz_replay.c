/*
 * fuzz_replay.c — libFuzzer target: the operation model (ops.c), its apply
 * step, the replay of a history and its audit, which verify() and every
 * restore run on what a database holds.
 *
 * Input layout:
 *   bytes 0..23   a new stream: rate (16 bytes), decimals, start offset
 *                 (7 bytes, signed microseconds from the creation time)
 *   then records of 26 bytes, each one operation through flow_apply():
 *     op      op % 11 (an operation of the table but create); bits 4..6: who
 *             acts (sender, recipient, stranger, sweeper, refused)
 *     shape   bits 0..5: the amount is the 128 raw bits >> (2 * that);
 *             bit 6: the _max form; bit 7: a destination other than the
 *             recipient, or a new recipient
 *     time    8 bytes: last + 40 raw bits, or last - 16 raw bits
 *     amount  16 bytes
 *   the last record, if the input ends with a partial one, corrupts one
 *   event of the history: which, what (amount, state, time, operation,
 *   anything), and an xor mask.
 * Checks: a failed operation changes nothing; every event of a success is
 * accepted by flow_replay(); the audit of the history finds nothing; a
 * corrupted amount, state or time of a recorded event is reported; and no
 * history, however corrupt, crashes the replay or the audit (ASan, UBSan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS	64
#define RECORD		26

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_replay: " __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

typedef struct Event
{
	FlowOp		op;
	bool		has_amount;
	U256		amount;
	int64_t		at;
	FlowState	after;
} Event;

static uint64_t
Get64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static int	problems;
static bool say_problems;		/* while a clean history is audited: each is a failure */

static void
Count(void *arg, const char *problem)
{
	(void) arg;
	CHECK(problem != NULL && problem[0] != '\0', "an empty problem");
	if (say_problems)
		fprintf(stderr, "fuzz_replay: audit: %s\n", problem);
	problems++;
}

/*
 * Appends an event to ev[0..n) and checks that its replay, from the state
 * after the event before it, gives the state recorded.  Returns the new n.
 */
static int
Record(Event *ev, int n, FlowOp op, int64_t at, const FlowState *after,
	   bool has_amount, U256 amount)
{
	char		problem[FLOW_DETAIL_MAX];

	ev[n].op = op;
	ev[n].at = at;
	ev[n].after = *after;
	ev[n].has_amount = has_amount;
	ev[n].amount = amount;
	CHECK(flow_replay(&ev[n - 1].after, op, has_amount ? &ev[n].amount : NULL, at,
					  after, problem) == NULL,
		  "the replay of a %s refuses it: %s", flow_ops[op].label, problem);
	return n + 1;
}

static int
Audit(const Event *ev, int n, const FlowState *row, int64_t now)
{
	FlowAudit	a;

	memset(&a, 0, sizeof(a));
	problems = 0;
	for (int i = 0; i < n; i++)
		flow_audit_event(&a, ev[i].op, ev[i].has_amount ? &ev[i].amount : NULL, ev[i].at,
						 &ev[i].after, Count, NULL);
	flow_audit_finish(&a, row, now, Count, NULL);
	return problems;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const who_names[5] = {"alice", "bob", "eve", "sweeper", "mallory"};
	Event		ev[MAX_EVENTS];
	int			n = 0;
	OpRow		row;
	OpArgs		args;
	OpActor		actor;
	OpResult	res;
	int64_t		t = INT64_C(820000000000000);	/* 2026 */
	int64_t		offset;
	size_t		off;

	if (size < 24)
		return 0;
	memset(&row, 0, sizeof(row));
	memset(&args, 0, sizeof(args));
	row.sender = "alice";
	row.recipient = "bob";
	row.transferable = (data[16] & 0x80) == 0;
	args.amount.units = (((u128) Get64(data) << 64) | Get64(data + 8)) >> (data[17] & 127);
	offset = (int64_t) (Get64(data + 16) << 8) >> 8;
	offset >>= (data[17] >> 7) ? 0 : 24;
	if (flow_apply_create(&row, &args, data[16] % (FLOW_MAX_DECIMALS + 1), t + offset, t) != FLOW_OK)
		return 0;
	ev[n].op = OP_CREATE;
	ev[n].has_amount = false;
	ev[n].at = t;
	ev[n].after = row.state;
	n++;

	for (off = 24; off + RECORD <= size && n < MAX_EVENTS - 2; off += RECORD)
	{
		const uint8_t *r = data + off;
		FlowOp		op = (FlowOp) (1 + r[0] % (OP_COUNT - 1));
		int			who = (r[0] >> 4) % 5;
		uint64_t	traw = Get64(r + 2);
		int64_t		at = (r[1] & 0x40) && (traw & 1) ?
			t - (int64_t) ((traw >> 1) & 0xffff) : t + (int64_t) (traw & 0xffffffffffULL);
		OpRow		before = row;
		char		problem[FLOW_DETAIL_MAX];
		FlowError	err;

		memset(&args, 0, sizeof(args));
		memset(&actor, 0, sizeof(actor));
		args.amount.units = (((u128) Get64(r + 10) << 64) | Get64(r + 18)) >> ((r[1] & 63) * 2);
		args.max = (r[1] & 0x40) != 0;
		args.name = (r[1] & 0x80) ? "elsewhere" : NULL;
		if (op == OP_TRANSFER && args.name == NULL)
			args.name = "carol";
		args.has_grace = (r[10] & 1) != 0;
		args.grace.days = (int32_t) (int8_t) r[11];
		actor.name = who_names[who];
		actor.as_sender = who == 0;
		actor.as_recipient = who == 1;
		actor.system = who == 3;
		actor.refused = who == 4;

		err = flow_apply(op, &row, &args, &actor, at, &res);
		if (err != FLOW_OK)
		{
			CHECK(flow_state_cmp(&row.state, &before.state) == 0 &&
				  row.recipient == before.recipient && row.has_grace == before.has_grace,
				  "a failed %s (%d) changed the row", flow_ops[op].label, (int) err);
			continue;
		}
		if (op == OP_REDEEM)
		{
			/* recorded as the managed layer writes it: the void, then the payment and the refund that move money */
			n = Record(ev, n, OP_REDEEM, at, &res.after_void, true, res.written_off);
			if (res.paid > 0)
				n = Record(ev, n, OP_WITHDRAW, at, &res.after_paid, true, u256_from_u128(res.paid));
			if (res.refunded > 0)
				n = Record(ev, n, OP_REFUND, at, &row.state, true, u256_from_u128(res.refunded));
		}
		else
			n = Record(ev, n, op, at, &row.state, flow_ops[op].records != REC_NOTHING,
					   flow_ops[op].records == REC_WRITTEN_OFF ? res.written_off :
					   u256_from_u128(res.units));
		t = at;
	}
	say_problems = true;
	CHECK(Audit(ev, n, &row.state, t) == 0, "a clean history audits with %d problems", problems);
	say_problems = false;

	/* a corruption in the partial record at the end, if any */
	if (off < size && size - off >= 4 && n > 1)
	{
		const uint8_t *c = data + off;
		int			i = 1 + c[0] % (n - 1);
		int			what = c[1] % 5;
		uint8_t		mask = c[2] ? c[2] : 1;
		FlowState	row_state = row.state;
		bool		must_report = true;

		switch (what)
		{
			case 0:
				ev[i].amount.w[c[3] % 2] ^= mask;
				/* a proposal's rate is checked against the stream's row (verify()), not its state */
				must_report = ev[i].has_amount && ev[i].op != OP_PROPOSE_UPDATE;
				break;
			case 1:
				((uint8_t *) &ev[i].after.sd)[c[3] % sizeof(U256)] ^= mask;
				break;
			case 2:
				ev[i].at ^= mask;
				break;
			case 3:
				ev[i].op = (FlowOp) (c[3] % OP_COUNT);
				must_report = false;	/* the touches are alike to the core */
				break;
			default:
				/* anything at all, reachable or not: only no crash */
				{
					uint8_t		flag;

					((uint8_t *) &ev[i].after)[c[3] % sizeof(FlowState)] ^= mask;
					/* as the stored form's loader does: a flag is 0 or 1, decimals 0..18 */
					memcpy(&flag, &ev[i].after.voided, 1);
					ev[i].after.voided = flag != 0;
					memcpy(&flag, &ev[i].after.has_end, 1);
					ev[i].after.has_end = flag != 0;
					if (ev[i].after.decimals < 0 || ev[i].after.decimals > FLOW_MAX_DECIMALS)
						ev[i].after.decimals = 6;
				}
				must_report = false;
				break;
		}
		if (i == n - 1)
			row_state = ev[i].after;
		(void) Audit(ev, n, &row_state, t);
		CHECK(!must_report || problems > 0, "corruption %d of event %d (%s) is not reported",
			  what, i, flow_ops[ev[i].op].label);
	}
	return 0;
}
