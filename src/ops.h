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
	OP_COUNT
} FlowOp;

/* what an operation takes besides the stream */
typedef enum OpArg
{
	ARG_NONE,
	ARG_AMOUNT,					/* tokens, at the token's decimals */
	ARG_RATE,					/* tokens per second, 18 decimals */
	ARG_NAME,					/* a party: the new recipient */
	ARG_GRACE,					/* an interval, or none */
	ARG_METADATA				/* free-form, not money: the managed layer keeps it */
} OpArg;

/* who may do it (SPEC §4) */
typedef enum OpWho
{
	WHO_ANYONE,
	WHO_SENDER,
	WHO_RECIPIENT,
	WHO_PARTIES,				/* the sender or the recipient */
	WHO_PAYEE					/* anyone when the recipient is paid, else the recipient */
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
	DEST_CREATED_FOR			/* create: the recipient */
} OpDestination;

typedef struct OpInfo
{
	const char *label;			/* the flowstream.op label */
	OpArg		arg;
	bool		has_max;		/* a _max form computes the amount */
	OpWho		who;
	const char *who_text;		/* "the sender", for messages */
	const char *verb;			/* "pause", for "permission denied to pause stream 7" */
	OpRecords	records;
	OpDestination destination;
} OpInfo;

extern const OpInfo flow_ops[OP_COUNT];

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
} OpRow;

/* the arguments of one operation */
typedef struct OpArgs
{
	FlowAmount	amount;			/* amount or rate, scaled; a parse error is carried */
	bool		max;			/* withdraw_max, refund_max: the amount is computed */
	const char *name;			/* withdraw: the destination (NULL: the recipient);
								 * transfer: the new recipient (NULL: missing) */
	bool		has_grace;		/* set_void_after: NULL means never */
	FlowGrace	grace;
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
	bool		as_sender;		/* it is the sender */
	bool		as_recipient;	/* it is the recipient */
} OpActor;

/* what an operation did */
typedef struct OpResult
{
	u128		units;			/* base units moved, or the new rate */
	U256		written_off;	/* by a void, base units */
	const char *destination;	/* for the event's destination column, or NULL */
} OpResult;

/* errors that rank before "who may act" (SPEC §5) */
extern bool flow_error_before_actor(FlowError err);

/* the operations */
extern FlowError flow_apply(FlowOp op, OpRow *row, const OpArgs *args,
							const OpActor *actor, int64_t t, OpResult *res);
extern bool flow_may_act(FlowOp op, const OpActor *actor, bool pays_recipient);
extern FlowError flow_apply_create(OpRow *row, const OpArgs *args, int decimals,
								   int64_t start, int64_t t);
extern FlowError flow_apply_state(FlowOp op, FlowState *s, const FlowAmount *amount,
								  int64_t t, OpResult *res);
extern int64_t flow_operation_time(int64_t requested, const FlowState *s, bool clock_pinned);
extern FlowOp flow_rate_change_op(const FlowState *s, int64_t t, u128 new_rate);
extern int	flow_event_scale(FlowOp op, int decimals);

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
