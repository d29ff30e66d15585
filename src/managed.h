/*
 * managed.h — what the managed layer's parts share: the operations of the
 * history, the event that an API call hands to the streams trigger, and
 * the replay of one event.
 */
#ifndef FLOWSTREAM_MANAGED_H
#define FLOWSTREAM_MANAGED_H

#include "stream.h"

#include "executor/spi.h"

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
 * The event an API call is about to cause: the API sets it, runs its one
 * UPDATE (or INSERT) of flowstream.streams, and the trigger there writes it
 * to flowstream.events.  Only C sets it, so SQL cannot forge an actor.
 */
typedef struct PendingEvent
{
	bool		active;
	int64		stream_id;		/* 0 while creating: the id is not known yet */
	FlowOp		op;
	const char *actor;
	Datum		amount;			/* numeric, tokens (or tokens per second) */
	bool		amount_null;
	const char *destination;	/* NULL when none */
	int64		at;
} PendingEvent;

/*
 * A stream row's fields that operations change: the state, the recipient
 * (transfer) and the sweeper's grace (set_void_after).
 */
typedef struct StreamWrite
{
	int64		id;
	const FlowState *state;
	const char *recipient;
	Datum		void_after;		/* interval */
	bool		void_after_null;
} StreamWrite;

extern void flow_write_stream(const StreamWrite *w, FlowOp op, const char *actor,
							  Datum amount, bool amount_null,
							  const char *destination, int64 at);

extern PendingEvent flow_pending_event;

/* settings.c */
extern char *flow_actor_setting;

/* history.c */
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

/* the slots of flow_plan's cache */
enum
{
	PLAN_LOCK, PLAN_UPDATE, PLAN_INSERT, PLAN_TOKEN, PLAN_EVENT, PLAN_LAST_EVENT,
	PLAN_PREV_EVENT, PLAN_STREAM_EXISTS, PLAN_VERIFY_ROW, PLAN_DUE, PLAN_DEFAULT_GRACE, PLAN_METADATA,
	PLAN_COUNT
};
