/*
 * ops.h — the operations of the managed layer, as data, and the one step
 * that applies them.
 *
 * Every operation of a managed stream is a row of flow_ops[]: the argument
 * it takes, who may do it, what its event records and where its money
 * goes.  flow_apply() is the only place an operation is applied to a
 * stream: the API, the view's triggers and the sweeper reach it through
 * the managed layer, and the replay of a history (verify(), restores) runs
 * the same code on each recorded event.  Adding an operation is one row in
 * the table and one case in ApplyMoney() or flow_apply().
 *
 * Like flow.c, this knows nothing of PostgreSQL: names are C strings, times
 * microseconds, amounts scaled integers, and errors are FlowError codes in
 * SPEC §5's order (time, status, who may act, then the arguments).
 */
#ifndef FLOWSTREAM_OPS_H
#define FLOWSTREAM_OPS_H

#include "account.h"
#include "flow.h"

/* the labels of the SQL enum flowstream.op, in its order */
typedef enum FlowOp
{
	OP_CREATE,
	OP_DEPOSIT,
	OP_WITHDRAW,
	OP_REFUND,
	OP_PAUSE,
	OP_RESTART,
	OP_ADJUST_RATE,
	OP_VOID,
	OP_TRANSFER,
	OP_SET_VOID_AFTER,
	OP_SET_METADATA,
	/* accounts and flows (SPEC §6) */
	OP_ACCOUNT_DEPOSIT,
	OP_ACCOUNT_WITHDRAW,
	OP_ACCOUNT_TRANSFER,
	OP_OPEN_FLOW,
	OP_UPDATE_FLOW,
	OP_CLOSE_FLOW,
	OP_LIQUIDATE,
	/* where streams meet accounts */
	OP_DEPOSIT_FROM_ACCOUNT,
	OP_WITHDRAW_TO_ACCOUNT,
	/* fixed terms, agreed updates (SPEC §7) */
	OP_PROPOSE_UPDATE,
	OP_CONFIRM_UPDATE,
	OP_REVOKE_UPDATE,
	OP_REDEEM,
	/* automation (SPEC §8) */
	OP_SET_AUTO_TOP_UP,
	OP_SET_AUTO_WITHDRAW,
	OP_COUNT
} FlowOp;

/* what an operation works on */
typedef enum OpKind
{
	KIND_STREAM,				/* one stream */
	KIND_ACCOUNT,				/* one account, or two (a transfer) */
	KIND_FLOW,					/* a flow and its two accounts */
	KIND_BRIDGE					/* a stream and an account of one of its parties */
} OpKind;

/* what an operation takes besides the stream */
typedef enum OpArg
{
	ARG_NONE,
	ARG_AMOUNT,					/* tokens, at the token's decimals */
	ARG_RATE,					/* tokens per second, 18 decimals */
	ARG_NAME,					/* a party: the new recipient */
	ARG_GRACE,					/* an interval, or none */
	ARG_METADATA,				/* free-form, not money: the managed layer keeps it */
	ARG_TERMS					/* a rate and an end (or none) */
} OpArg;

/*
 * What a party may approve an operator to do for it (SPEC §8): each
 * operation needs one of these, or none when anyone may do it.
 */
typedef enum OpPermission
{
	PERM_NONE = 0,
	PERM_CREATE = 1 << 0,		/* create streams, open flows, fund and configure them */
	PERM_RATE = 1 << 1,			/* change rates and terms */
	PERM_PAUSE = 1 << 2,		/* pause and restart */
	PERM_VOID = 1 << 3,			/* void, redeem, close flows */
	PERM_WITHDRAW = 1 << 4,		/* take money out: withdraw, account withdrawals and transfers */
	PERM_REFUND = 1 << 5,
	PERM_TRANSFER = 1 << 6		/* hand a stream to another recipient */
} OpPermission;

#define PERM_ALL	0x7F

/* a permission's name ("create", ...), and the permission of a name (0 when none) */
extern const char *const flow_permission_names[7];
extern uint32_t flow_permission_of(const char *name);

/* who may do it (SPEC §4) */
typedef enum OpWho
{
	WHO_ANYONE,
	WHO_SENDER,
	WHO_RECIPIENT,
	WHO_PARTIES,				/* the sender or the recipient */
	WHO_PAYEE,					/* anyone when the recipient is paid, else the recipient */
	WHO_SYSTEM					/* the sweeper only */
} OpWho;

/* what the event's amount column records */
typedef enum OpRecords
{
	REC_NOTHING,
	REC_AMOUNT,					/* the base units moved */
	REC_RATE,					/* the new rate */
	REC_WRITTEN_OFF				/* the uncovered debt a void forfeits */
} OpRecords;

/* what the event's destination column records */
typedef enum OpDestination
{
	DEST_NONE,
	DEST_PAYEE,					/* the recipient, or the destination named */
	DEST_SENDER,				/* a refund goes back to the sender */
	DEST_NEW_RECIPIENT,
	DEST_CREATED_FOR,			/* create: the recipient */
	DEST_PEER					/* a transfer's receiving party, a flow's receiver */
} OpDestination;

typedef struct OpInfo
{
	const char *label;			/* the flowstream.op label */
	OpKind		kind;
	OpArg		arg;
	bool		has_max;		/* a _max form computes the amount */
	OpWho		who;
	const char *who_text;		/* "the sender", for messages */
	const char *verb;			/* "pause", for "permission denied to pause stream 7" */
	OpRecords	records;
	OpDestination destination;
	uint32_t	perm;			/* what an operator needs to do it for a party */
} OpInfo;

extern const OpInfo flow_ops[OP_COUNT];

/* Whether op's argument is a rate (10^-18 tokens per second), not an amount. */
static inline bool
flow_op_takes_rate(FlowOp op)
{
	return flow_ops[op].arg == ARG_RATE || flow_ops[op].arg == ARG_TERMS;
}

/* Whether op's argument is a number: an amount or a rate. */
static inline bool
flow_op_takes_number(FlowOp op)
{
	return flow_ops[op].arg == ARG_AMOUNT || flow_op_takes_rate(op);
}

/* an interval as PostgreSQL keeps it: months, days and microseconds */
typedef struct FlowGrace
{
	int32_t		months;
	int32_t		days;
	int64_t		usecs;
} FlowGrace;

/* a managed stream as the rules see it */
typedef struct OpRow
{
	FlowState	state;
	const char *sender;
	const char *recipient;
	bool		transferable;
	bool		has_grace;		/* void_after is not NULL */
	FlowGrace	grace;
	bool		consent_required;	/* its rate and end change only by agreement */
	bool		has_proposal;	/* an update is proposed: */
	u128_a8		proposed_rate;
	bool		proposed_has_end;
	int64_t		proposed_end;
	const char *proposed_by;	/* the party that proposed it */
	bool		has_top_up;		/* automatic top-ups keep this runway: */
	FlowGrace	top_up_keep;
} OpRow;

/* an account as the rules see it */
typedef struct OpAccount
{
	Account		state;
	const char *party;
} OpAccount;

/* a flow as the rules see it */
typedef struct OpFlow
{
	AccountFlow state;
	const char *sender;
	const char *receiver;
} OpFlow;

/* the arguments of one operation */
typedef struct OpArgs
{
	FlowAmount	amount;			/* amount or rate, scaled; a parse error is carried */
	AccountPolicy policy;		/* the token's buffer settings (open, update) */
	bool		max;			/* withdraw_max, refund_max: the amount is computed */
	const U256 *units;			/* account_transfer of a liquidation's unburnt
								 * buffer: computed by the core, so it may
								 * exceed 2^127 - 1 (NULL: amount applies) */
	const char *name;			/* withdraw: the destination (NULL: the recipient);
								 * transfer: the new recipient (NULL: missing) */
	bool		has_grace;		/* set_void_after: NULL means never; set_auto_*:
								 * the interval; an automatic top-up (max): the
								 * runway it keeps, which the account keeps too */
	FlowGrace	grace;
	bool		has_end;		/* terms: amount is the rate; the end, if any */
	int64_t		end;
} OpArgs;

/*
 * Who acts, as far as the managed layer could tell: the rules here decide
 * what that allows.
 */
typedef struct OpActor
{
	const char *name;
	bool		system;			/* the sweeper, which acts as itself */
	bool		refused;		/* refused whatever it does (a forged or stale actor) */
	bool		as_sender;		/* it is the sender (a flow's, the paying party) */
	bool		as_recipient;	/* it is the recipient (a flow's receiver, the peer) */
	uint32_t	sender_grant;	/* what the sender approved it to do as its operator */
	uint32_t	recipient_grant;	/* what the recipient approved */
	bool		has_allowance;	/* the sender capped the rate it may grant in flows: */
	u128_a8		allowance;		/* what is left of it, 10^-18 tokens per second */
} OpActor;

/* for whom an actor acts */
typedef enum OpActedFor
{
	ACTED_NONE,					/* it may not */
	ACTED_SELF,					/* as a party, or as the sweeper, or anyone where anyone may */
	ACTED_FOR_SENDER,			/* as the sender's operator */
	ACTED_FOR_RECIPIENT			/* as the recipient's operator */
} OpActedFor;

/* what an operation did */
typedef struct OpResult
{
	u128		units;			/* base units moved, or the new rate */
	U256		written_off;	/* by a void, base units */
	const char *destination;	/* for the event's destination column, or NULL */
	U256		shortfall_need;	/* FLOW_ERR_UNAVAILABLE: what was asked, base units */
	I256		shortfall_have;	/* and the available balance */
	OpActedFor	acted_for;		/* for whom the actor acted */
	u128_a8		allowance_used;	/* of the operator's rate allowance */
	/* redeem: void, pay the recipient, refund the sender; the states after each */
	FlowState	after_void;
	u128_a8		paid;
	FlowState	after_paid;
	u128_a8		refunded;
} OpResult;

/* errors that rank before "who may act" (SPEC §5) */
extern bool flow_error_before_actor(FlowError err);

/* the operations */
extern FlowError flow_apply(FlowOp op, OpRow *row, const OpArgs *args,
							const OpActor *actor, int64_t t, OpResult *res);
extern bool flow_may_act(FlowOp op, const OpActor *actor, bool pays_recipient);
extern OpActedFor flow_acts_for(FlowOp op, const OpActor *actor, bool pays_recipient);
extern FlowError flow_apply_create(OpRow *row, const OpArgs *args, int decimals,
								   int64_t start, int64_t t);
extern FlowError flow_apply_state(FlowOp op, FlowState *s, const FlowAmount *amount,
								  int64_t t, OpResult *res);
extern int64_t flow_operation_time(int64_t requested, const FlowState *s, bool clock_pinned);
extern int64_t flow_account_operation_time(int64_t requested, const Account *a,
										   const Account *b, bool clock_pinned);
extern FlowOp flow_rate_change_op(const FlowState *s, int64_t t, u128 new_rate);
extern int	flow_event_scale(FlowOp op, int decimals);

/*
 * An operation on accounts (KIND_ACCOUNT, KIND_FLOW): a is the paying
 * account (the one deposited into, withdrawn from, or transferring; a
 * flow's sender), b the receiving one (a transfer's; a flow's receiver;
 * NULL otherwise), f the flow (NULL but for KIND_FLOW).
 */
extern FlowError flow_apply_account(FlowOp op, OpAccount *a, OpAccount *b, OpFlow *f,
									const OpArgs *args, const OpActor *actor, int64_t t,
									OpResult *res);

/*
 * An operation of a stream and an account of one of its parties
 * (KIND_BRIDGE): a deposit from the sender's account, a withdrawal into
 * the recipient's.
 */
extern FlowError flow_apply_bridge(FlowOp op, OpRow *row, OpAccount *a, const OpArgs *args,
								   const OpActor *actor, int64_t t, OpResult *res);

/* automation (SPEC §8) */
extern bool flow_after(int64_t t, const FlowGrace *span, int64_t *at);
extern FlowError flow_top_up_need(const FlowState *s, int64_t until, U256 *need);
extern bool flow_top_up_at(const FlowState *s, const FlowGrace *keep, int64_t *at);
extern int64_t flow_top_up_until(int64_t t, const FlowGrace *keep);
extern FlowError flow_account_top_up_need(const Account *a, int64_t until, U256 *need);
extern int64_t flow_next_payout(int64_t payout_at, const FlowGrace *every, int64_t t);

/* the sweeper's policy */
extern __int128 flow_grace_usecs(const FlowGrace *g);
extern bool flow_grace_is_negative(const FlowGrace *g);
extern bool flow_due_time(const FlowState *s, const FlowGrace *grace, int64_t *due);

/*
 * The replay of a history, one event at a time: whether the recorded state
 * is what the recorded operation makes of the state before it (prev is NULL
 * for the first event).  recorded is the event's amount in the units of
 * flow_event_scale(), NULL when it has none.  Returns NULL, or a sentence
 * in problem (FLOW_DETAIL_MAX bytes) saying what is wrong.
 */
extern const char *flow_replay(const FlowState *prev, FlowOp op, const U256 *recorded,
							   int64_t at, const FlowState *after, char *problem);

/*
 * The replay of an event of accounts: the recorded states after it are
 * what its operation makes of the states before it.  The flow's buffer is
 * taken as recorded (it depends on the token's settings at the time);
 * that it adds up is the audit's to check.  Arguments as for
 * flow_apply_account(), the states before in a, b, f (b, f may be NULL).
 */
extern const char *flow_replay_account(FlowOp op, const Account *a, const Account *b,
									   const AccountFlow *f, const U256 *recorded,
									   int64_t at, const Account *a_after,
									   const Account *b_after, const AccountFlow *f_after,
									   char *problem);

/*
 * What verify() learns of one stream from its history: the sums of its
 * money and of its accrual, checked against its row at the end.
 */
typedef struct FlowAudit
{
	bool		started;
	int64_t		prev_at;
	FlowState	prev;
	U256		deposited;
	U256		withdrawn;
	U256		refunded;
	U256		accrued;		/* sum of rate * elapsed, 10^-24 tokens */
} FlowAudit;

/* a problem found by the audit; the message is in problem */
typedef void (*FlowProblemFn) (void *arg, const char *problem);

extern void flow_audit_event(FlowAudit *a, FlowOp op, const U256 *recorded, int64_t at,
							 const FlowState *after, FlowProblemFn report, void *arg);
extern void flow_audit_finish(const FlowAudit *a, const FlowState *row, int64_t now,
							  FlowProblemFn report, void *arg);

/*
 * What verify() learns of a token's accounts: their balances, netflows,
 * and the deposits and withdrawals of their histories, checked against
 * each other once all are read (SPEC §6: nothing is created or lost).
 */
typedef struct AccountAudit
{
	I256		held;			/* sum of static - netflow * settled_at, 10^-24 tokens */
	I256		netflow;		/* sum of the netflows: 0 */
	I256		moved;			/* deposits less withdrawals, 10^-24 tokens */
	bool		overflow;
} AccountAudit;

extern bool flow_same_account(const Account *x, const Account *y);
extern void flow_audit_account(AccountAudit *a, const Account *row);
extern void flow_audit_account_event(AccountAudit *a, FlowOp op, const U256 *recorded,
									 int decimals);
extern void flow_audit_accounts_finish(const AccountAudit *a, FlowProblemFn report, void *arg);

/*
 * A change of a stream's state kept in a user's table (derive.c): the one
 * operation that makes it, and what moved at its time.  A new value of a
 * rate column means what flow_rate_column_op() says.
 */
typedef struct FlowChange
{
	FlowOp		op;				/* OP_COUNT when no one operation makes it */
	FlowAmount	amount;			/* its argument: base units, or the rate */
	OpResult	res;			/* what it did */
	int64_t		at;				/* its time */
	bool		balance_down;	/* the balance fell by balance_moved (else rose) */
	U256		balance_moved;	/* base units */
	bool		debt_down;		/* the total debt at `at` fell by debt_moved (else rose) */
	U256		debt_moved;		/* base units */
} FlowChange;

extern FlowOp flow_rate_column_op(const FlowState *s, int64_t t, const FlowAmount *rate);
extern FlowOp flow_derive_op(const FlowState *before, const FlowState *after, FlowChange *c);
extern FlowError flow_change_amounts(const FlowState *before, const FlowState *after,
									 int64_t at, FlowChange *c);
extern bool flow_change_recorded(const FlowChange *c, const FlowState *after, U256 *recorded);

#endif							/* FLOWSTREAM_OPS_H */
