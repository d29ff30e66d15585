/*
 * managed.h — what the managed layer's files share.  Each file calls only
 * the ones listed before it here:
 *
 *   report.c    the core's errors as ereport()s, with what they concern
 *   settings.c  the actor and the test clock
 *   catalog.c   OIDs, column numbers, the owner, prepared statements
 *   events.c    writing the history, and knowing who writes it
 *   restore.c   what a restore (pg_restore, COPY) may insert into the
 *               history and the streams; the replay of an event of
 *               accounts, which verify_accounts.c shares
 *   operators.c the operators parties approve, and what they may do
 *   apply_accounts.c  one operation on locked accounts and a flow
 *   restore_accounts.c  what a restore may insert into accounts and flows
 *   apply.c     one operation on one locked stream row, handed to the trigger
 *   apply_bulk.c  many new streams, or deposits into many, their rows handed
 *               to the trigger as one batch
 *   triggers.c  the guards on the tables (they call apply.c and restore.c)
 *   api.c       the API functions of streams: arguments, who acts, then apply.c
 *   api_bulk.c  create_streams() and deposit_many(): many streams, each through api.c
 *   api_accounts.c  the API of accounts and flows, through apply_accounts.c
 *   api_operators.c approve_operator() and revoke_operator()
 *   view.c      the writable views' writes, through api*.c
 *   sweeper.c   void_insolvent() and liquidate_critical(), through apply*.c
 *   automation.c  maintain(): the sweepers, top-ups, payouts, runway alerts
 *   verify_accounts.c  verify()'s checks of accounts and flows
 *   verify.c    every invariant, through the core's replay and audit
 */
#ifndef FLOWSTREAM_MANAGED_H
#define FLOWSTREAM_MANAGED_H

#include "stream.h"
#include "ops.h"

#include "access/htup.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* ---- catalog.c ---- */

typedef struct FlowCatalog
{
	bool		valid;
	uint32		generation;		/* changes whenever it is looked up anew */
	Oid			schema;
	Oid			stream_type;
	Oid			account_type;
	Oid			op_type;
	Oid			op_label[OP_COUNT];
	Oid			streams;
	Oid			events;
	Oid			tokens;
	Oid			settings;
	Oid			accounts;
	Oid			flows;
	Oid			operators;
	Oid			accounts_seq;	/* ids are taken before the rows are written */
	Oid			flows_seq;
	Oid			owner;			/* of flowstream.streams: the role the layer writes as */
	bool		subscribed;		/* a subscription replicates into its tables */
	Oid			app_role;		/* flowstream_app, InvalidOid if missing */
	Oid			admin_role;		/* flowstream_admin, InvalidOid if missing */
	/* on Citus, after distribute(); InvalidOid and 0 on a single node */
	Oid			account_keys;	/* the reference table (party, token) → account id */
	AttrNumber	e_place;		/* events.place: the key the history is placed by */
	/* columns of flowstream.streams */
	AttrNumber	s_id,
				s_state,
				s_first_event,
				s_last_event,
				s_created_at,
				s_transferable,
				s_sender,
				s_recipient,
				s_token,
				s_void_after,
				s_due_at,
				s_metadata,
				s_consent_required,
				s_proposed_rate,
				s_proposed_end,
				s_proposed_by,
				s_depletes_at,
				s_top_up_keep,
				s_top_up_at;
	/* columns of flowstream.events */
	AttrNumber	e_id,
				e_stream_id,
				e_op,
				e_actor,
				e_amount,
				e_destination,
				e_at,
				e_state,
				e_void_after,
				e_metadata,
				e_account_id,
				e_account,
				e_peer_id,
				e_peer,
				e_flow_id,
				e_flow_buffer,
				e_end_at,
				e_on_behalf_of,
				e_consent_required,
				e_every;
	/* columns of flowstream.accounts and flowstream.flows */
	AttrNumber	a_id,
				a_state,
				a_last_event,
				a_party,
				f_id,
				f_rate,
				f_buffer,
				f_last_event,
				f_closed_at;
} FlowCatalog;

/* the statements of flow_plan()'s cache */
enum
{
	PLAN_APPLY, PLAN_CREATE, PLAN_CREATE_AT, PLAN_TOKEN, PLAN_DEFAULT_GRACE, PLAN_SET_DEFAULT_GRACE,
	PLAN_EVENT, PLAN_EVENTS, PLAN_CREATE_MANY, PLAN_LOCK_MANY, PLAN_DEPOSIT_MANY, PLAN_LAST_EVENT, PLAN_STREAM_EXISTS, PLAN_DUE,
	PLAN_TOKEN_POLICY, PLAN_ACCOUNT_IDS, PLAN_LOCK_ACCOUNTS, PLAN_LOCK_FLOW, PLAN_OPEN_FLOW_OF,
	PLAN_INSERT_ACCOUNT, PLAN_UPDATE_ACCOUNT, PLAN_INSERT_FLOW, PLAN_UPDATE_FLOW, PLAN_STREAM_ACCOUNT,
	PLAN_CRITICAL, PLAN_OUTFLOWS, PLAN_LOCK_ACCOUNT_SKIP, PLAN_FLOW_ACCOUNTS,
	PLAN_CRITICAL_FLOWS, PLAN_OPERATOR_GRANT, PLAN_USE_ALLOWANCE, PLAN_OPERATOR_HISTORY,
	PLAN_APPROVE_OPERATOR, PLAN_REVOKE_OPERATOR, PLAN_RESTORE_TERMS, PLAN_TOP_UPS,
	PLAN_PAYOUTS, PLAN_TOP_UP_SHORTFALLS, PLAN_REARM_ALERTS, PLAN_SEND_ALERTS, PLAN_MAINTENANCE_RUN,
	PLAN_NOTIFICATIONS, PLAN_EVENT_PLACED, PLAN_ACCOUNT_KEY, PLAN_INSERT_ACCOUNT_KEY,
	PLAN_INSERT_ACCOUNT_PLACED, PLAN_LOCK_ACCOUNT, PLAN_LOCK_ACCOUNT_SKIP_ONE, PLAN_CRITICAL_PLACED,
	PLAN_LOCK_CRITICAL,
	PLAN_COUNT
};

typedef struct OwnerScope
{
	Oid			save_user;
	int			save_sec;
	int			guc_nest;
} OwnerScope;

extern const FlowCatalog *flow_catalog(void);
extern FlowOp flow_op_of_label(Oid label);
extern void flow_check_writable(void);
extern SPIPlanPtr flow_plan(int slot, const char *sql, int nargs, const Oid *argtypes);
extern void flow_enter_owner(OwnerScope *scope);
extern void flow_leave_owner(OwnerScope *scope);
extern bool flow_distributed(void);
extern bool flow_citus_owner_write(Relation rel);
extern bool flow_citus_coordinator(void);
extern bool flow_notifications(void);
extern Oid	flow_identity_sequence(Oid rel, AttrNumber attnum);

/* a shard of a distributed table on this node, and the shard colocated with it */
typedef struct FlowShard
{
	char	   *name;			/* qualified, quoted */
	char	   *with;
} FlowShard;
extern List *flow_local_shards(const char *table, const char *with);
extern char *flow_local_rows(const char *table);
extern List *flow_on_workers(const char *command);
extern int64 flow_next_stream_id(void);
extern int64 flow_last_stream_id(void);

/* ---- settings.c ---- */

extern char *flow_actor_setting;
extern bool flow_actor_set_here(void);

/* the parts of maintain(), in the order it runs them (settings.maintenance_skip names them) */
enum
{
	PART_VOID, PART_LIQUIDATE, PART_TOP_UP, PART_PAYOUT, PART_ALERT, PART_COUNT
};
extern const char *const flow_maintenance_parts[PART_COUNT];
extern int	flow_maintenance_part(const char *name);

/* ---- events.c ---- */

/* the LISTEN channels (SPEC §8) */
#define FLOW_EVENTS_CHANNEL	"flowstream_events"
#define FLOW_RUNWAY_CHANNEL	"flowstream_runway"

/* one row of flowstream.events: a stream's, or accounts' and a flow's */
typedef struct FlowEvent
{
	int64		stream_id;		/* 0: none */
	FlowOp		op;
	const char *actor;
	bool		has_amount;
	U256		amount;			/* in units of flow_event_scale() */
	int			decimals;
	const char *destination;
	int64		at;
	const FlowState *state;
	Datum		void_after;
	bool		void_after_null;
	Datum		metadata;
	bool		metadata_null;
	int64		account_id;		/* 0: none */
	const Account *account;
	int64		peer_id;		/* 0: none */
	const Account *peer;
	int64		flow_id;		/* 0: none */
	const U256 *flow_buffer;
	bool		has_end_at;		/* propose_update, confirm_update: the end, if any */
	int64		end_at;
	const char *on_behalf_of;	/* the party an operator acted for, or NULL */
	bool		consent_required;	/* create */
	Datum		every;			/* set_auto_top_up, set_auto_withdraw: the interval */
	bool		every_null;
} FlowEvent;

/* the columns of flowstream.events an event fills */
#define FLOW_EVENT_COLUMNS 19

/* events to be written by one statement (flow_events_write) */
typedef struct FlowEventBatch
{
	Oid			sequence;		/* of the table's ids */
	bool		notify;			/* flow_notifications() when it began */
	int			n;
	int			size;
	Datum	   *ids;
	Datum	   *values[FLOW_EVENT_COLUMNS];	/* per column, per event */
	bool	   *nulls[FLOW_EVENT_COLUMNS];
} FlowEventBatch;

extern int64 flow_write_event(const FlowEvent *e);
extern void flow_events_begin(FlowEventBatch *b);
extern int64 flow_events_next_id(FlowEventBatch *b);
extern void flow_events_add(FlowEventBatch *b, int64 id, const FlowEvent *e);
extern void flow_events_write(FlowEventBatch *b);
extern bool flow_writing_event(void);
extern Datum flow_grace_datum(const FlowGrace *g);
extern void flow_grace_of(Datum interval, FlowGrace *g);
extern bool flow_same_grace(Datum a, bool a_null, Datum b, bool b_null);

/* ---- restore.c ---- */

extern void flow_restore_event(Relation rel, HeapTuple tuple);
extern void flow_restore_stream(Relation rel, HeapTuple tuple);

/* the histories an event joins */
typedef enum HistoryKind
{
	HISTORY_STREAM,
	HISTORY_ACCOUNT,
	HISTORY_FLOW
} HistoryKind;

/* the end of a history: its latest event, and what it left */
typedef struct HistoryEnd
{
	int64		event_id;		/* 0: the history is empty */
	int64		at;
	FlowOp		op;
	FlowState	stream;			/* a stream's state after it */
	Datum		grace;			/* and its void_after */
	bool		grace_null;
	Account		account;		/* an account's state after it */
	AccountFlow flow;			/* a flow's rate and buffer after it */
	int			decimals;		/* a flow's: its accounts' */
	int64		account_id;		/* a flow's: the accounts it moved */
	int64		peer_id;
} HistoryEnd;

extern bool flow_history_end(HistoryKind kind, int64 id, HistoryEnd *end);

/* where the columns of an event are in a tuple (of flowstream.events, or a query's) */
typedef struct EventColumns
{
	AttrNumber	op,
				amount,
				at,
				stream_id,
				account_id,
				account,
				peer_id,
				peer,
				flow_id,
				flow_buffer;
} EventColumns;

/* an event's columns that concern accounts and a flow */
typedef struct AccountEvent
{
	FlowOp		op;
	Datum		amount;
	bool		amount_null;
	int64		at;
	bool		has_stream;		/* stream_id is set */
	bool		has_account;	/* account_id is set */
	bool		has_peer;		/* peer_id is set */
	bool		has_flow;		/* flow_id is set */
	int64		stream_id;
	int64		account_id;
	int64		peer_id;
	int64		flow_id;
	Datum		account;		/* the states after it */
	bool		account_null;
	Datum		peer;
	bool		peer_null;
	Datum		flow_buffer;
	bool		flow_buffer_null;
} AccountEvent;

/* what an event's accounts and flow were before it */
typedef struct AccountsBefore
{
	const Account *account;		/* NULL: it is the account's first event */
	const Account *peer;		/* NULL: the peer's first event */
	const AccountFlow *flow;	/* NULL: the flow's first event */
	int64		flow_account_id;	/* the accounts the flow's event before moved */
	int64		flow_peer_id;
} AccountsBefore;

/* an event of accounts as the core's replay takes it */
typedef struct AccountReplay
{
	bool		replayed;		/* its columns could be read, and were replayed */
	Account		a_before,
				a_after,
				b_before,
				b_after;
	AccountFlow f_before,
				f_after;
	bool		has_recorded;
	U256		recorded;		/* its amount, in units of flow_event_scale() */
} AccountReplay;

extern void flow_read_account_event(HeapTuple tuple, TupleDesc desc, const EventColumns *cols,
									AccountEvent *e);
extern const char *flow_account_event_shape(const AccountEvent *e, char *problem);
extern bool flow_rate_after(FlowOp op, Datum amount, bool amount_null, u128 *rate);
extern bool flow_flow_after(FlowOp op, Datum amount, bool amount_null, Datum buffer,
							bool buffer_null, int decimals, AccountFlow *f);
extern const char *flow_replay_account_event(const AccountEvent *e, const AccountsBefore *before,
											 AccountReplay *r, char *problem);

/* ---- apply.c ---- */

/* why an actor is refused whatever it does */
typedef enum ActorProblem
{
	ACTOR_OK,
	ACTOR_FORGED,				/* flowstream.actor set by a role that is not an app */
	ACTOR_STALE					/* flowstream.actor set in an earlier transaction */
} ActorProblem;

/*
 * One operation on one stream, as the API hands it to the streams trigger:
 * the trigger applies it to the locked row and leaves the results here.
 * Calls form a stack, so that a call made while another is under way finds
 * its own; each is removed when it returns, and by the end of its
 * (sub)transaction when an error skipped that.  Only C code makes one, so
 * SQL cannot forge an actor.
 */
typedef struct FlowCall
{
	int64		stream_id;		/* 0 while creating: the id is not known yet */
	FlowOp		op;
	const char *actor;
	ActorProblem actor_problem;
	bool		system;			/* the sweeper, acting as itself */
	int64		at;				/* the time asked for */
	Datum		amount;			/* numeric, converted at the stream's decimals */
	bool		amount_null;
	OpArgs		args;
	bool		rate_by_rule;	/* op is what flow_rate_column_op() makes of the rate */
	bool		consent_required;	/* create: the stream's terms change only by agreement */
	const char *on_behalf_of;	/* create: the sender an operator creates it for;
								 * the maintenance job: the party it acts for */
	Datum		metadata;		/* set_metadata, create */
	/* results */
	bool		applied;
	OpResult	res;
	int			decimals;
	int64		event_id;
	bool		had_proposal;	/* the stream had a proposed update (for messages) */
	/* the stack */
	SubTransactionId subxid;
	struct FlowCall *outer;
	struct FlowNewStreams *batch;	/* create: the rows of many new streams */
	struct FlowDeposits *deposits;	/* deposits into many streams */
} FlowCall;

extern int	flow_execute_call(FlowCall *call, SPIPlanPtr plan, Datum *values, const char *nulls);
extern void flow_apply_call(FlowCall *call);
extern int64 flow_create_call(FlowCall *call, int64 id, Datum sender, Datum recipient, Datum token,
							  const FlowState *state, bool transferable,
							  Datum void_after, bool void_after_null);
extern FlowCall *flow_call_for(int64 stream_id);
extern HeapTuple flow_apply_row(FlowCall *call, Relation rel, HeapTuple old, HeapTuple new);
extern void flow_create_event(const FlowCall *call, int64 id, const OpRow *row, Datum void_after,
							  bool void_after_null, Datum metadata, bool metadata_null,
							  FlowEvent *ev);
extern HeapTuple flow_create_row(FlowCall *call, Relation rel, HeapTuple new);
extern void flow_apply_held(FlowCall *call, OpRow *row, const char *token, FlowEvent *ev);
extern void flow_read_row(HeapTuple old, TupleDesc desc, OpRow *row);
extern void flow_no_such_stream(int64 id) pg_attribute_noreturn();
extern HeapTuple flow_finish_row(Relation rel, HeapTuple tuple, int64 event_id, bool creating);
extern void flow_apply_init(void);
extern bool flow_writing_payouts(void);
extern void flow_move_payout(int64 id, int64 next_at);

/* ---- apply_bulk.c ---- */

/*
 * Streams created together: decided one by one, written by one statement
 * for their events and one for their rows, which the trigger is handed as
 * one call.
 */
typedef struct FlowNewStreams
{
	MemoryContext cxt;			/* what the batch keeps until it is written */
	Oid			sequence;		/* of the streams' ids */
	FlowCall	call;			/* the insert of the rows, for the trigger */
	FlowEventBatch events;
	int			n;
	int			size;
	int			next;			/* the row the trigger expects next */
	Datum	   *values[11];		/* per column, per row */
	bool	   *nulls[11];
} FlowNewStreams;

extern void flow_new_streams_begin(FlowNewStreams *b);
extern int64 flow_new_stream(FlowNewStreams *b, FlowCall *call, OpRow *row, Datum sender,
							 Datum recipient, Datum token, Datum void_after, bool void_after_null,
							 FlowCall *deposit);
extern void flow_new_streams_write(FlowNewStreams *b);
extern HeapTuple flow_new_stream_row(FlowCall *call, Relation rel, HeapTuple new);

/*
 * Deposits into many streams: their rows locked and read with one
 * statement, each deposit applied in memory in the order asked, then the
 * events written with one statement and the rows with another, which the
 * trigger is handed as one call.
 */
typedef struct FlowDeposits
{
	MemoryContext cxt;			/* what it keeps until it is written */
	FlowCall	call;			/* the update of the rows, for the trigger */
	FlowEventBatch events;
	const char *actor;
	ActorProblem actor_problem;
	int64		at;
	int			n;				/* the streams, by id: */
	int64	   *ids;
	int64	   *read_last;		/* last_event, as read */
	OpRow	   *rows;			/* as the deposits leave them */
	char	  **tokens;
	int64	   *last;			/* the last event of their deposits */
	bool	   *written;		/* the trigger has let its row in */
	int			writing;		/* how many rows the update writes */
	int			next;			/* how many the trigger has let in */
} FlowDeposits;

extern void flow_deposits_begin(FlowDeposits *d, const char *actor, ActorProblem problem, int64 at,
								const Datum *ids, const bool *nulls, int n);
extern void flow_deposit_held(FlowDeposits *d, int64 id, Datum amount, bool amount_null);
extern void flow_deposits_write(FlowDeposits *d);
extern bool flow_deposits_hold(const FlowDeposits *d, int64 id);
extern HeapTuple flow_deposit_row(FlowCall *call, Relation rel, HeapTuple old, HeapTuple new);

/* ---- operators.c ---- */

extern bool flow_writing_operators(void);
extern int	flow_write_operators(SPIPlanPtr plan, Datum *values, const char *nulls);
extern uint32 flow_permissions(Datum array);
extern void flow_operator_grants(OpActor *actor, const char *sender, const char *recipient,
								 const char *token);
extern void flow_use_allowance(const char *operator, const char *party, const char *token,
							   u128 used);
extern void flow_restore_operator(Relation rel, HeapTuple tuple);

/* ---- apply_accounts.c ---- */

/*
 * One operation on accounts (and a flow), as the API describes it to
 * flow_apply_account_call(): the parties' accounts are found (or made) and
 * locked there, in the order of their ids.
 */
typedef struct AccountCall
{
	FlowOp		op;
	const char *actor;
	ActorProblem actor_problem;
	bool		system;			/* the sweeper, acting as itself */
	int64		at;				/* the time asked for */
	const char *party;			/* the paying account's party; a flow's sender */
	const char *peer_party;		/* a transfer's or a flow's receiver, or NULL */
	const char *token;
	int64		flow_id;		/* update, close, liquidate: the flow */
	Datum		amount;			/* numeric amount or rate */
	bool		amount_null;
	OpArgs		args;
	/* results */
	OpResult	res;
	int			decimals;
	int64		event_id;
	int64		account_id;		/* of party */
} AccountCall;

extern bool flow_writing_accounts(void);
extern Datum flow_critical_at(const Account *a, int open_outflows, bool *isnull);
extern void flow_token_policy(const char *token, int *decimals, AccountPolicy *policy,
							  char **reward);
extern void flow_apply_account_call(AccountCall *call);
extern bool flow_lock_liquidation(int64 id, const char *token, const char *reward,
								  int64 **flows, int *n, int64 *latest, Account *self);
extern void flow_lock_stream_account(const char *party, const char *token, bool credits,
									 OpAccount *a, int64 *id, bool *created, int *decimals,
									 int *outflows);
extern void flow_write_stream_account(int64 id, bool created, const char *party,
									  const char *token, const Account *a, int outflows,
									  int64 event_id);

/* ---- restore_accounts.c ---- */

extern HeapTuple flow_restore_account(Relation rel, HeapTuple tuple);
extern void flow_restore_flow(Relation rel, HeapTuple tuple);

/* ---- api.c ---- */

/* what a stream is created with (create_stream, create_fixed_stream, the view) */
typedef struct FlowCreate
{
	Datum		sender,
				recipient,
				token;
	bool		token_null;
	const char *null_arg;		/* the first NULL argument after the sender, or NULL */
	bool		fixed;			/* the rate pays deposit (the total) by end */
	Datum		rate;			/* numeric, unless fixed */
	TimestampTz start;
	bool		has_end;
	TimestampTz end;
	Datum		deposit;		/* numeric */
	bool		transferable;
	Datum		metadata;		/* jsonb */
	bool		consent_required;
	int64		id;				/* the id allocated for it (create_stream_at), or 0 */
} FlowCreate;

/* a batch of creations (create_streams; create_stream is a batch of one) */
typedef struct FlowCreateBatch
{
	MemoryContext cxt;			/* where what the batch keeps lives */
	const char *actor;
	ActorProblem actor_problem;
	int64		at;				/* the time of every creation of the batch */
	OwnerScope	scope;
	bool		grace_read;		/* the default grace, read at the first creation */
	Datum		grace;
	bool		grace_null;
	int			tokens;			/* the tokens looked up, and their decimals */
	char	   *token[8];
	int			decimals[8];
	FlowNewStreams *rows;		/* NULL: each stream is written as it is created */
} FlowCreateBatch;

extern void flow_create_begin(FlowCreateBatch *b);
extern int64 flow_create_one(FlowCreateBatch *b, const FlowCreate *c);
extern void flow_create_end(FlowCreateBatch *b);
extern const char *flow_who_acts(ActorProblem *problem);
extern void flow_resolve_actor(FlowCall *call);
extern Datum flow_call(FlowOp op, int64 id, Datum arg, bool arg_null, bool max, const char *name);
extern void flow_call_rate(int64 id, Datum rate, bool rate_null);
extern int64 flow_call_create(const FlowCreate *c);

/* ---- api_accounts.c ---- */

extern int64 flow_call_flow(FlowOp op, int64 id, const char *sender, const char *receiver,
							const char *token, Datum rate, bool rate_null);

/* ---- sweeper.c ---- */

extern int32 flow_void_insolvent(int32 max_streams, bool on_workers);
extern int32 flow_liquidate_critical(int32 max_accounts);

/* ---- verify_accounts.c ---- */

/* how verify_accounts.c reports a problem, with the token it concerns (or NULL) */
typedef void (*VerifyEmitFn) (void *arg, const char *token, const char *problem);

extern void flow_verify_accounts(int64 now, VerifyEmitFn emit, void *arg);

/* ---- report.c ---- */

extern void flow_report_call(FlowError err, const FlowCall *call, const FlowState *before,
							 int64 t) pg_attribute_noreturn();
extern void flow_report_account(FlowError err, const AccountCall *call, const Account *before,
								int64 t) pg_attribute_noreturn();

#endif							/* FLOWSTREAM_MANAGED_H */
