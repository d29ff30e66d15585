/*
 * restore.c — what a restore may write into the history and the streams
 * without the API.
 *
 * pg_dump dumps flowstream's tables (pg_extension_config_dump), history
 * first: the rows of streams, accounts and flows reference their first
 * event.  A restore inserts the events, then the rows.  This file checks
 * that every such event follows from the one before it by the core's
 * replay: of its stream (flow_replay), of its accounts and its flow
 * (flow_replay_account), of both for a bridge between a stream and an
 * account; and that a stream's row is exactly where its history ends
 * (restore_accounts.c does the same for the rows of accounts and flows).
 * Anything else written to the tables directly is refused by the guards
 * (triggers.c).
 *
 * An event is restored only before the rows it names exist, and only as
 * the latest event of every history it joins: each event then follows
 * from the one before it, and none restored later can slip in between two
 * that were checked one after the other.
 *
 * A COPY inserts a whole history in one command, whose earlier rows that
 * command's own queries cannot see yet: the last restored event of each
 * stream, account and flow is remembered for the transaction.  What a
 * subtransaction remembered is forgotten when it aborts, so a rolled-back
 * event never becomes a later event's "previous".
 *
 * verify() replays the events of accounts with the same code
 * (flow_account_event_shape, flow_replay_account_event), reading the
 * states before each event from a window query instead.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

static const char *const history_noun[] = {"stream", "account", "flow"};

/* the hash key of a history: zeroed whole, padding included (HASH_BLOBS) */
typedef struct HistoryKey
{
	int64		id;
	int32		kind;			/* HistoryKind */
	int32		unused;
} HistoryKey;

/*
 * The end of one history as this transaction restored it, and the end it
 * replaced when a subtransaction moved it on.  Within one subtransaction
 * a new end overwrites the old in place: an abort forgets both, so the
 * memory grows with the histories restored, not with their events.
 */
typedef struct Remembered
{
	SubTransactionId subxid;	/* the subtransaction that remembered it */
	HistoryEnd	end;
	struct Remembered *older;
} Remembered;

typedef struct RestoredHistory
{
	HistoryKey	key;
	Remembered *last;
} RestoredHistory;

static HTAB *restored = NULL;
static bool callbacks_registered = false;

/* Forgets everything at the end of the transaction. */
static void
AtXactEnd(XactEvent event, void *arg)
{
	(void) arg;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		restored = NULL;		/* its memory goes with TopTransactionContext */
}

/*
 * A subtransaction's end: an abort forgets what it remembered; a commit
 * hands it to the parent, whose abort must forget it in turn.
 */
static void
AtSubXactEnd(SubXactEvent event, SubTransactionId mySubid,
			 SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS seq;
	RestoredHistory *entry;

	(void) arg;
	if (restored == NULL ||
		(event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB))
		return;
	hash_seq_init(&seq, restored);
	while ((entry = (RestoredHistory *) hash_seq_search(&seq)) != NULL)
	{
		if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			while (entry->last != NULL && entry->last->subxid == mySubid)
				entry->last = entry->last->older;
			if (entry->last == NULL)
				(void) hash_search(restored, &entry->key, HASH_REMOVE, NULL);
		}
		else if (entry->last->subxid == mySubid)
		{
			/* the parent's end is now this one: the one it replaced goes */
			entry->last->subxid = parentSubid;
			if (entry->last->older != NULL && entry->last->older->subxid == parentSubid)
				entry->last->older = entry->last->older->older;
		}
	}
}

static HTAB *
Restored(void)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(AtXactEnd, NULL);
		RegisterSubXactCallback(AtSubXactEnd, NULL);
		callbacks_registered = true;
	}
	if (restored == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(HistoryKey);
		ctl.entrysize = sizeof(RestoredHistory);
		ctl.hcxt = TopTransactionContext;
		restored = hash_create("flowstream restored events", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return restored;
}

static RestoredHistory *
Find(HistoryKind kind, int64 id, HASHACTION action)
{
	HistoryKey	key;
	bool		found;
	RestoredHistory *entry;

	memset(&key, 0, sizeof(key));
	key.id = id;
	key.kind = kind;
	entry = hash_search(Restored(), &key, action, &found);
	if (action == HASH_ENTER && !found)
		entry->last = NULL;
	return entry;
}

/* Remembers end as the end of history kind/id, for this subtransaction. */
static void
Remember(HistoryKind kind, int64 id, const HistoryEnd *end)
{
	RestoredHistory *entry = Find(kind, id, HASH_ENTER);
	SubTransactionId subxid = GetCurrentSubTransactionId();
	Remembered *r = entry->last;

	if (r == NULL || r->subxid != subxid)
	{
		r = MemoryContextAlloc(TopTransactionContext, sizeof(Remembered));
		r->subxid = subxid;
		r->older = entry->last;
		entry->last = r;
	}
	r->end = *end;
	r->end.grace = (Datum) 0;	/* not kept: only a row's check reads it, from the table */
	r->end.grace_null = true;
}

/*
 * The rate of a flow after an event of op with amount: the amount of an
 * open_flow or an update_flow, else 0.  False when the event records none.
 */
bool
flow_rate_after(FlowOp op, Datum amount, bool amount_null, u128 *rate)
{
	U256		units;

	*rate = 0;
	if (op != OP_OPEN_FLOW && op != OP_UPDATE_FLOW)
		return true;
	if (amount_null || !numeric_to_units(amount, FLOW_RATE_SCALE, &units) ||
		!u256_fits_u128(&units) || u256_low128(&units) > I127_MAX)
		return false;
	*rate = u256_low128(&units);
	return true;
}

/*
 * The rate and buffer of a flow after an event of op with amount and
 * buffer, at decimals.  False when the event does not record them.
 */
bool
flow_flow_after(FlowOp op, Datum amount, bool amount_null, Datum buffer, bool buffer_null,
				int decimals, AccountFlow *f)
{
	u128		rate;

	memset(f, 0, sizeof(*f));
	if (!flow_rate_after(op, amount, amount_null, &rate))
		return false;
	f->rate = rate;
	return !buffer_null && numeric_to_units(buffer, decimals, &f->buffer);
}

/*
 * The end of history kind/id as the queries see it (not what this
 * transaction's current command inserted), and whether its row exists.
 * For a stream's row, token and sender (text, else (Datum) 0) ask too
 * whether a bridge of its history moved an account of another token or,
 * a deposit from an account, another party's than the sender: *astray.
 */
static bool
ReadHistoryEnd(HistoryKind kind, int64 id, Datum token, Datum sender, HistoryEnd *end,
			   bool *astray)
{
	Oid			types[5] = {INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID};
	Datum		values[5] = {Int64GetDatum(id), Int64GetDatum(id), Int64GetDatum(id), token, sender};
	char		nulls[5] = {'n', 'n', 'n', token != (Datum) 0 ? ' ' : 'n',
						   sender != (Datum) 0 ? ' ' : 'n'};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull,
				exists;

	memset(end, 0, sizeof(*end));
	end->grace_null = true;
	nulls[kind] = ' ';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * $1 a stream, $2 an account (its events name it as their account or
	 * their peer), $3 a flow; the others NULL.  Every branch is one probe
	 * of an index on (key, id); the bridges are read only for a stream's
	 * row ($4 its token, $5 its sender), each account by its key (a plan
	 * made while a restore begins must still fit when the tables are
	 * full).  Columns: 1 id, 2 at, 3 op,
	 * 4 state, 5 void_after, 6 amount, 7 account_id, 8 account, 9 peer_id,
	 * 10 peer, 11 flow_buffer, 12 whether the row exists, 13 whether a
	 * bridge went astray.
	 */
	if (SPI_execute_plan(flow_plan(PLAN_LAST_EVENT,
								   "SELECT e.id, e.at, e.op, e.state, e.void_after, e.amount, "
								   "e.account_id, e.account, e.peer_id, e.peer, e.flow_buffer, "
								   "EXISTS (SELECT FROM flowstream.streams s WHERE s.id OPERATOR(pg_catalog.=) $1) "
								   "OR EXISTS (SELECT FROM flowstream.accounts a WHERE a.id OPERATOR(pg_catalog.=) $2) "
								   "OR EXISTS (SELECT FROM flowstream.flows f WHERE f.id OPERATOR(pg_catalog.=) $3), "
								   "$4 IS NOT NULL AND EXISTS (SELECT FROM flowstream.events b "
								   "WHERE b.stream_id OPERATOR(pg_catalog.=) $1 "
								   "AND (SELECT a.token OPERATOR(pg_catalog.<>) $4 "
								   "OR (b.op OPERATOR(pg_catalog.=) 'deposit_from_account'::flowstream.op "
								   "AND a.party OPERATOR(pg_catalog.<>) $5) "
								   "FROM flowstream.accounts a WHERE a.id OPERATOR(pg_catalog.=) b.account_id)) "
								   "FROM (SELECT pg_catalog.max(x.id) AS id FROM ("
								   "(SELECT id FROM flowstream.events WHERE stream_id OPERATOR(pg_catalog.=) $1 "
								   "ORDER BY id DESC LIMIT 1) UNION ALL "
								   "(SELECT id FROM flowstream.events WHERE account_id OPERATOR(pg_catalog.=) $2 "
								   "ORDER BY id DESC LIMIT 1) UNION ALL "
								   "(SELECT id FROM flowstream.events WHERE peer_id OPERATOR(pg_catalog.=) $2 "
								   "ORDER BY id DESC LIMIT 1) UNION ALL "
								   "(SELECT id FROM flowstream.events WHERE flow_id OPERATOR(pg_catalog.=) $3 "
								   "ORDER BY id DESC LIMIT 1)) x) l "
								   "LEFT JOIN flowstream.events e ON e.id OPERATOR(pg_catalog.=) l.id",
								   5, types),
						 values, nulls, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the history of %s " INT64_FORMAT, history_noun[kind], id);
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	exists = DatumGetBool(SPI_getbinval(tuple, desc, 12, &isnull));
	*astray = DatumGetBool(SPI_getbinval(tuple, desc, 13, &isnull));
	end->event_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	if (isnull)
	{
		end->event_id = 0;
		SPI_finish();
		return exists;
	}
	end->at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 2, &isnull));
	end->op = flow_op_of_label(DatumGetObjectId(SPI_getbinval(tuple, desc, 3, &isnull)));
	switch (kind)
	{
		case HISTORY_STREAM:
			{
				Datum		state = SPI_getbinval(tuple, desc, 4, &isnull);

				if (isnull)
					elog(ERROR, "event " INT64_FORMAT " of stream " INT64_FORMAT " has no state",
						 end->event_id, id);
				flow_state_arg(state, &end->stream);
				end->grace = SPI_getbinval(tuple, desc, 5, &end->grace_null);
				if (!end->grace_null)
					end->grace = SPI_datumTransfer(end->grace, false, sizeof(Interval));
				break;
			}
		case HISTORY_ACCOUNT:
		case HISTORY_FLOW:
			{
				bool		amount_null,
							buffer_null,
							peer_null;
				Datum		account = SPI_getbinval(tuple, desc, 8, &isnull);
				Datum		amount = SPI_getbinval(tuple, desc, 6, &amount_null);
				Datum		buffer = SPI_getbinval(tuple, desc, 11, &buffer_null);

				end->peer_id = DatumGetInt64(SPI_getbinval(tuple, desc, 9, &peer_null));
				end->account_id = DatumGetInt64(SPI_getbinval(tuple, desc, 7, &isnull));
				if (isnull)
					elog(ERROR, "event " INT64_FORMAT " of %s " INT64_FORMAT " names no account",
						 end->event_id, history_noun[kind], id);
				flow_account_arg(account, &end->account);
				end->decimals = end->account.decimals;
				if (kind == HISTORY_ACCOUNT && end->account_id != id)
				{
					/* the account is this event's peer */
					Datum		peer = SPI_getbinval(tuple, desc, 10, &isnull);

					if (isnull)
						elog(ERROR, "event " INT64_FORMAT " has no state of its peer", end->event_id);
					flow_account_arg(peer, &end->account);
				}
				if (kind == HISTORY_FLOW &&
					!flow_flow_after(end->op, amount, amount_null, buffer, buffer_null,
									 end->decimals, &end->flow))
					elog(ERROR, "event " INT64_FORMAT " records no rate or buffer of flow " INT64_FORMAT,
						 end->event_id, id);
				break;
			}
	}
	SPI_finish();
	return exists;
}

/*
 * The end of history kind/id as the queries see it (not what this
 * transaction's current command inserted), and whether its row exists.
 */
bool
flow_history_end(HistoryKind kind, int64 id, HistoryEnd *end)
{
	bool		astray;

	return ReadHistoryEnd(kind, id, (Datum) 0, (Datum) 0, end, &astray);
}

/* Refuses an event; problem is what the replay said, a sentence without its capital and period. */
static void
NotFromHistory(HistoryKind kind, int64 id, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("event does not follow from the history of %s " INT64_FORMAT,
					history_noun[kind], id),
			 errdetail("%c%s.", pg_toupper((unsigned char) problem[0]), problem + 1)));
}

/*
 * The end of history kind/id before event event_id: the latest event the
 * queries see, or the one this transaction restored last, whichever is
 * later.  An event is refused once the row of its history exists, and
 * when an event of that history after it is restored already.
 */
static void
Before(HistoryKind kind, int64 id, int64 event_id, HistoryEnd *end)
{
	RestoredHistory *seen;

	if (flow_history_end(kind, id, end))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("events are written by flowstream's API"),
				 errdetail("Only a restore inserts events directly, before the row of their %s.",
						   history_noun[kind])));
	seen = Find(kind, id, HASH_FIND);
	if (seen != NULL && seen->last->end.event_id > end->event_id)
		*end = seen->last->end;
	if (end->event_id >= event_id)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("event " INT64_FORMAT " does not come after the last event of %s " INT64_FORMAT,
						event_id, history_noun[kind], id),
				 errdetail("Event " INT64_FORMAT " of that history is restored already; "
						   "a history is restored in the order of its events.", end->event_id)));
}

/* Reads the columns of an event that concern accounts and a flow. */
void
flow_read_account_event(HeapTuple tuple, TupleDesc desc, const EventColumns *cols,
						AccountEvent *e)
{
	bool		isnull;

	memset(e, 0, sizeof(*e));
	e->op = flow_op_of_label(DatumGetObjectId(heap_getattr(tuple, cols->op, desc, &isnull)));
	e->amount = heap_getattr(tuple, cols->amount, desc, &e->amount_null);
	e->at = DatumGetTimestampTz(heap_getattr(tuple, cols->at, desc, &isnull));
	e->stream_id = DatumGetInt64(heap_getattr(tuple, cols->stream_id, desc, &isnull));
	e->has_stream = !isnull;
	e->account_id = DatumGetInt64(heap_getattr(tuple, cols->account_id, desc, &isnull));
	e->has_account = !isnull;
	e->peer_id = DatumGetInt64(heap_getattr(tuple, cols->peer_id, desc, &isnull));
	e->has_peer = !isnull;
	e->flow_id = DatumGetInt64(heap_getattr(tuple, cols->flow_id, desc, &isnull));
	e->has_flow = !isnull;
	e->account = heap_getattr(tuple, cols->account, desc, &e->account_null);
	e->peer = heap_getattr(tuple, cols->peer, desc, &e->peer_null);
	e->flow_buffer = heap_getattr(tuple, cols->flow_buffer, desc, &e->flow_buffer_null);
}

/*
 * Whether an event fills the columns its kind of operation fills: a
 * stream's, its accounts' (one, or two distinct for a transfer and a
 * flow) with their states, a flow's with its buffer.  NULL, or the problem
 * in problem (FLOW_DETAIL_MAX bytes).
 */
const char *
flow_account_event_shape(const AccountEvent *e, char *problem)
{
	const OpInfo *info = &flow_ops[e->op];

	if (e->has_stream != (info->kind == KIND_STREAM || info->kind == KIND_BRIDGE) ||
		e->has_account != (info->kind != KIND_STREAM) ||
		e->has_peer != (info->kind == KIND_FLOW || e->op == OP_ACCOUNT_TRANSFER) ||
		e->has_flow != (info->kind == KIND_FLOW))
		snprintf(problem, FLOW_DETAIL_MAX,
				 "a %s event with the wrong stream, account, peer or flow columns", info->label);
	else if ((e->has_account && e->account_null) || (e->has_peer && e->peer_null))
		snprintf(problem, FLOW_DETAIL_MAX,
				 "a %s event without the states of its accounts", info->label);
	else if ((!e->has_account && !e->account_null) || (!e->has_peer && !e->peer_null) ||
			 (!e->has_flow && !e->flow_buffer_null))
		snprintf(problem, FLOW_DETAIL_MAX,
				 "a %s event with the state of an account or a flow it does not name", info->label);
	else if (e->has_peer && e->peer_id == e->account_id)
		snprintf(problem, FLOW_DETAIL_MAX,
				 "a %s event from an account to itself", info->label);
	else
		return NULL;
	return problem;
}

/*
 * The replay of an event of accounts whose shape is right: the states
 * before it (an account's first event finds it empty, a flow's first event
 * a flow of rate 0), the states it recorded, then the core's
 * flow_replay_account.  A flow's history begins with its open_flow, and
 * all its events move the same two accounts.  NULL, or the problem in
 * problem (FLOW_DETAIL_MAX bytes); r->replayed says whether the core
 * replayed it.
 */
const char *
flow_replay_account_event(const AccountEvent *e, const AccountsBefore *before,
						  AccountReplay *r, char *problem)
{
	const char *label = flow_ops[e->op].label;

	memset(r, 0, sizeof(*r));
	flow_account_arg(e->account, &r->a_after);
	if (before->account != NULL)
		r->a_before = *before->account;
	else
		(void) account_init(&r->a_before, r->a_after.decimals);
	if (e->has_peer)
	{
		flow_account_arg(e->peer, &r->b_after);
		if (before->peer != NULL)
			r->b_before = *before->peer;
		else
			(void) account_init(&r->b_before, r->b_after.decimals);
	}
	if (e->has_flow)
	{
		if (before->flow == NULL && e->op != OP_OPEN_FLOW)
		{
			snprintf(problem, FLOW_DETAIL_MAX,
					 "the first event of its flow is a %s, not an open_flow", label);
			return problem;
		}
		if (before->flow != NULL && e->op == OP_OPEN_FLOW)
			return "an open_flow event follows other events of its flow";
		if (before->flow != NULL)
		{
			if (before->flow_account_id != e->account_id || before->flow_peer_id != e->peer_id)
				return "it moves other accounts than the events of its flow before it";
			r->f_before = *before->flow;
		}
		if (!flow_flow_after(e->op, e->amount, e->amount_null, e->flow_buffer,
							 e->flow_buffer_null, r->a_after.decimals, &r->f_after))
			return "it records no rate or buffer of its flow";
	}
	if (!e->amount_null)
	{
		if (!numeric_to_units(e->amount, flow_event_scale(e->op, r->a_after.decimals), &r->recorded))
			return "its amount is not an amount of its account's token";
		r->has_recorded = true;
	}
	r->replayed = true;
	return flow_replay_account(e->op, &r->a_before, e->has_peer ? &r->b_before : NULL,
							   e->has_flow ? &r->f_before : NULL,
							   r->has_recorded ? &r->recorded : NULL, e->at, &r->a_after,
							   e->has_peer ? &r->b_after : NULL,
							   e->has_flow ? &r->f_after : NULL, problem);
}

/* The stream's part of a restored event: the replay of its state. */
static void
RestoreStreamPart(const AccountEvent *e, int64 event_id, const FlowState *after)
{
	HistoryEnd	before;
	U256		recorded;
	char		problem[FLOW_DETAIL_MAX];
	const char *why;

	Before(HISTORY_STREAM, e->stream_id, event_id, &before);
	if (!e->amount_null &&
		!numeric_to_units(e->amount, flow_event_scale(e->op, after->decimals), &recorded))
		NotFromHistory(HISTORY_STREAM, e->stream_id, "its amount is not an amount of its stream's token");
	why = flow_replay(before.event_id != 0 ? &before.stream : NULL, e->op,
					  e->amount_null ? NULL : &recorded, e->at, after, problem);
	if (why == NULL && before.event_id != 0 && e->at < before.at)
		why = "it is earlier than the event before it";
	if (why != NULL)
		NotFromHistory(HISTORY_STREAM, e->stream_id, why);
}

/*
 * The accounts' and the flow's part of a restored event: the replay of
 * their states.  *r receives the states after it.
 */
static void
RestoreAccountsPart(const AccountEvent *e, int64 event_id, AccountReplay *r)
{
	HistoryEnd	account,
				peer,
				flow;
	AccountsBefore before;
	char		problem[FLOW_DETAIL_MAX];
	const char *why;

	memset(&before, 0, sizeof(before));
	Before(HISTORY_ACCOUNT, e->account_id, event_id, &account);
	if (account.event_id != 0)
		before.account = &account.account;
	if (e->has_peer)
	{
		Before(HISTORY_ACCOUNT, e->peer_id, event_id, &peer);
		if (peer.event_id != 0)
			before.peer = &peer.account;
	}
	if (e->has_flow)
	{
		Before(HISTORY_FLOW, e->flow_id, event_id, &flow);
		if (flow.event_id != 0)
		{
			before.flow = &flow.flow;
			before.flow_account_id = flow.account_id;
			before.flow_peer_id = flow.peer_id;
		}
	}
	why = flow_replay_account_event(e, &before, r, problem);
	if (why != NULL)
		NotFromHistory(e->has_flow ? HISTORY_FLOW : HISTORY_ACCOUNT,
					   e->has_flow ? e->flow_id : e->account_id, why);
}

/*
 * A direct insert into flowstream.events: allowed only to restore a
 * history, before the rows it names, one event after the other.
 */
void
flow_restore_event(Relation rel, HeapTuple tuple)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	EventColumns cols = {c->e_op, c->e_amount, c->e_at, c->e_stream_id, c->e_account_id,
	c->e_account, c->e_peer_id, c->e_peer, c->e_flow_id, c->e_flow_buffer};
	bool		id_null,
				op_null,
				at_null,
				state_null;
	int64		event_id = DatumGetInt64(heap_getattr(tuple, c->e_id, desc, &id_null));
	Datum		state;
	AccountEvent e;
	FlowState	after;
	AccountReplay r;
	HistoryEnd	end;
	char		problem[FLOW_DETAIL_MAX];
	const char *why;

	/* a NULL where the table wants a value: its constraint refuses it */
	(void) heap_getattr(tuple, c->e_op, desc, &op_null);
	(void) heap_getattr(tuple, c->e_at, desc, &at_null);
	if (id_null || op_null || at_null)
		return;

	flow_read_account_event(tuple, desc, &cols, &e);
	state = heap_getattr(tuple, c->e_state, desc, &state_null);
	why = flow_account_event_shape(&e, problem);
	if (why == NULL && state_null != !e.has_stream)
		why = e.has_stream ? "it has no state of its stream" : "it has a state but no stream";
	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("event " INT64_FORMAT " is not an event of its operation", event_id),
				 errdetail("It is %s.", why)));

	if (e.has_stream)
	{
		flow_state_arg(state, &after);
		RestoreStreamPart(&e, event_id, &after);
	}
	if (e.has_account)
	{
		RestoreAccountsPart(&e, event_id, &r);
		if (e.has_stream && r.a_after.decimals != after.decimals)
			NotFromHistory(HISTORY_ACCOUNT, e.account_id,
						   "its stream and its account have tokens of different decimals");
	}

	/* all its histories end with it now */
	memset(&end, 0, sizeof(end));
	end.event_id = event_id;
	end.at = e.at;
	end.op = e.op;
	if (e.has_stream)
	{
		end.stream = after;
		Remember(HISTORY_STREAM, e.stream_id, &end);
	}
	if (e.has_account)
	{
		end.account = r.a_after;
		Remember(HISTORY_ACCOUNT, e.account_id, &end);
	}
	if (e.has_peer)
	{
		end.account = r.b_after;
		Remember(HISTORY_ACCOUNT, e.peer_id, &end);
	}
	if (e.has_flow)
	{
		end.flow = r.f_after;
		end.decimals = r.a_after.decimals;
		end.account_id = e.account_id;
		end.peer_id = e.peer_id;
		Remember(HISTORY_FLOW, e.flow_id, &end);
	}
}

/*
 * Whether the columns a stream's history fixes besides its state are the
 * row's: its sender and consent_required (its create event's), its
 * proposed update (the last propose_update, unless a confirm or a revoke
 * came after it) and the runway its top-ups keep (the last
 * set_auto_top_up's).
 */
static bool
SameTerms(int64 stream_id, HeapTuple tuple, TupleDesc desc)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[6] = {INT8OID, TEXTOID, BOOLOID, NUMERICOID, TIMESTAMPTZOID, INTERVALOID};
	Datum		values[6];
	char		nulls[6] = "      ";
	bool		isnull,
				same;

	values[0] = Int64GetDatum(stream_id);
	values[1] = heap_getattr(tuple, c->s_sender, desc, &isnull);
	values[2] = heap_getattr(tuple, c->s_consent_required, desc, &isnull);
	values[3] = heap_getattr(tuple, c->s_proposed_rate, desc, &isnull);
	nulls[3] = isnull ? 'n' : ' ';
	values[4] = heap_getattr(tuple, c->s_proposed_end, desc, &isnull);
	nulls[4] = isnull ? 'n' : ' ';
	values[5] = heap_getattr(tuple, c->s_top_up_keep, desc, &isnull);
	nulls[5] = isnull ? 'n' : ' ';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(flow_plan(PLAN_RESTORE_TERMS,
								   "SELECT coalesce(cr.on_behalf_of, cr.actor) = $2 "
								   "AND coalesce(cr.consent_required, false) = $3 "
								   "AND CASE WHEN p.op = 'propose_update' "
								   "THEN p.amount = $4 AND p.end_at IS NOT DISTINCT FROM $5 "
								   "ELSE $4 IS NULL AND $5 IS NULL END "
								   "AND (SELECT a.every FROM flowstream.events a "
								   "WHERE a.stream_id OPERATOR(pg_catalog.=) $1 AND a.op = 'set_auto_top_up' "
								   "ORDER BY a.id DESC LIMIT 1) IS NOT DISTINCT FROM $6, "
								   "CASE WHEN p.op = 'propose_update' THEN coalesce(p.on_behalf_of, p.actor) END "
								   "FROM (SELECT * FROM flowstream.events WHERE stream_id OPERATOR(pg_catalog.=) $1 "
								   "ORDER BY id LIMIT 1) cr "
								   "LEFT JOIN LATERAL (SELECT * FROM flowstream.events "
								   "WHERE stream_id OPERATOR(pg_catalog.=) $1 "
								   "AND op IN ('propose_update', 'confirm_update', 'revoke_update') "
								   "ORDER BY id DESC LIMIT 1) p ON true",
								   6, types),
						 values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the history of stream " INT64_FORMAT, stream_id);
	same = SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
	if (same)
	{
		char	   *by = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		bool		row_by_null;
		Datum		row_by = heap_getattr(tuple, c->s_proposed_by, desc, &row_by_null);

		same = (by == NULL) == row_by_null &&
			(by == NULL || strcmp(by, TextDatumGetCString(row_by)) == 0);
	}
	SPI_finish();
	return same;
}

/*
 * A direct insert into flowstream.streams: allowed only to restore a
 * stream whose history, ending in its state, grace and last_event, is
 * already in flowstream.events.  Its bridges must have moved accounts of
 * its token, and a deposit from an account its sender's: of those whose
 * rows exist (restore_accounts.c checks the pair when the account's row
 * comes second).
 */
void
flow_restore_stream(Relation rel, HeapTuple tuple)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull,
				grace_null,
				state_null,
				last_null,
				token_null,
				sender_null,
				astray;
	int64		id = DatumGetInt64(heap_getattr(tuple, c->s_id, desc, &isnull));
	Datum		grace = heap_getattr(tuple, c->s_void_after, desc, &grace_null);
	Datum		last_event = heap_getattr(tuple, c->s_last_event, desc, &last_null);
	Datum		state = heap_getattr(tuple, c->s_state, desc, &state_null);
	Datum		token = heap_getattr(tuple, c->s_token, desc, &token_null);
	Datum		sender = heap_getattr(tuple, c->s_sender, desc, &sender_null);
	FlowState	row;
	HistoryEnd	end;

	/* the row's constraints run after this trigger: NULLs are refused here */
	if (!state_null)
		flow_state_arg(state, &row);
	if (token_null || sender_null)
		token = sender = (Datum) 0;
	(void) ReadHistoryEnd(HISTORY_STREAM, id, token, sender, &end, &astray);
	if (astray)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("streams are created with flowstream.create_stream()"),
				 errdetail("Stream " INT64_FORMAT " moved money to or from an account of another token, "
						   "or from another account than its sender's.", id)));
	if (state_null || last_null || token_null || sender_null || end.event_id == 0 || flow_state_cmp(&end.stream, &row) != 0 ||
		!flow_same_grace(grace, grace_null, end.grace, end.grace_null) ||
		DatumGetInt64(last_event) != end.event_id || !SameTerms(id, tuple, desc))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("streams are created with flowstream.create_stream()"),
				 errdetail("A row may be inserted directly only to restore a stream whose history, "
						   "ending in its state, void_after, last_event and proposed update, and beginning "
						   "with its sender and consent_required, is already in flowstream.events.")));
}
