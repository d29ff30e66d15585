/*
 * managed.h — what the managed layer's parts share: the operations of the
 * history, the event that an API call hands to the streams trigger, and
 * the replay of one event.
 */
#ifndef FLOWSTREAM_MANAGED_H
#define FLOWSTREAM_MANAGED_H

#include "stream.h"

#include "access/htup.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
#include "utils/rel.h"

/* the labels of the enum flowstream.op, in its order */
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
	OP_COUNT
} FlowOp;

extern const char *const flow_op_labels[OP_COUNT];

/*
 * The operation an API call is about to apply: the API fills it in, runs
 * one UPDATE (or INSERT) of flowstream.streams, and the BEFORE trigger
 * there, with the row locked, checks it in SPEC §5's order, applies it and
 * writes its event (operations.c).  Only C sets it, so SQL cannot forge an
 * actor.
 */
typedef struct PendingOp
{
	bool		active;
	int64		stream_id;		/* 0 while creating: the id is not known yet */
	FlowOp		op;
	bool		set_metadata;	/* set_metadata(): no operation, no event */
	const char *actor;
	bool		spoofed;		/* flowstream.actor set by a non-member of flowstream_app */
	bool		by_sweeper;		/* the sweeper acts as itself: nobody to authorize */
	int64		at;
	/* the arguments */
	Datum		amount;			/* numeric: tokens, or tokens per second */
	bool		amount_null;
	bool		max;			/* withdraw_max, refund_max */
	const char *to;				/* destination; new recipient; creation's recipient */
	Datum		grace;			/* set_void_after */
	bool		grace_null;
	Datum		metadata;		/* set_metadata */
	/* the results */
	bool		applied;		/* the trigger did apply it */
	u128		paid;			/* withdrawn or refunded, base units */
	U256		written_off;	/* by a void, base units */
	int			decimals;
} PendingOp;

extern PendingOp flow_pending;

/* operations.c */
extern HeapTuple flow_apply_pending(Relation rel, HeapTuple old, HeapTuple new);
extern void flow_authorize(const PendingOp *p, int64 id, bool allowed,
						   const char *who, const char *what);
extern void flow_check_grace(Datum grace, bool isnull);
extern int64 flow_operation_time(int64 t, const FlowState *s);

/* settings.c */
extern char *flow_actor_setting;

/* history.c */
extern int	flow_column(Relation rel, const char *name);
extern Datum flow_get(HeapTuple tuple, Relation rel, const char *name, bool *isnull);
extern FlowState *flow_get_state(HeapTuple tuple, Relation rel);
extern int64 flow_write_event(int64 stream_id, FlowOp op, const char *actor, Datum amount,
							  bool amount_null, const char *destination, int64 at,
							  const FlowState *state, Datum void_after, bool void_after_null);
extern const char *flow_replay(const FlowState *prev, FlowOp op, Datum amount,
							   bool amount_null, int64 at, const FlowState *after);
extern FlowOp flow_op_from_label(const char *label);
extern bool flow_same_grace(Datum a, bool a_null, Datum b, bool b_null);
extern Oid	flow_schema_oid(void);
extern Oid	flow_stream_type_oid(void);

#endif							/* FLOWSTREAM_MANAGED_H */

/* api.c: running as the owner of the extension's tables */
typedef struct OwnerScope
{
	Oid			save_user;
	int			save_sec;
	int			guc_nest;
} OwnerScope;

extern void flow_enter_owner(OwnerScope *scope);
extern void flow_leave_owner(OwnerScope *scope);
extern SPIPlanPtr flow_plan(int slot, const char *sql, int nargs, const Oid *argtypes);
extern bool flow_sweep_void(int64 id, int64 t, const FlowState *state);

/* sweeper.c */
extern bool flow_due_time(const FlowState *s, const Interval *grace, int64 *due);

/* the slots of flow_plan's cache */
enum
{
	PLAN_APPLY, PLAN_INSERT, PLAN_TOKEN, PLAN_EVENT,
	PLAN_PREV_EVENT, PLAN_STREAM_EXISTS, PLAN_VERIFY_ROW, PLAN_DUE, PLAN_DEFAULT_GRACE,
	PLAN_COUNT
};
