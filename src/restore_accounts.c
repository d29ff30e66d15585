/*
 * restore_accounts.c — what a restore may insert into flowstream.accounts
 * and flowstream.flows.
 *
 * pg_dump restores the history first (restore.c checks that each event
 * follows from the one before it), then the accounts, then the flows,
 * which reference their accounts.  A row is accepted only where its
 * history ends, as a stream's is:
 *
 *   - an account's state is the state its last event recorded, first_event
 *     and last_event are its first and last events, its token's decimals
 *     are its state's, open_outflows counts the flows it sends whose last
 *     event left them open; a withdrawal of a stream that paid into it
 *     paid the stream's recipient of that time (its history says who);
 *   - a flow's rate and buffer are those after its last event, it is
 *     closed exactly when that event closed it, at its time, it opened at
 *     its first event, and its accounts, parties and token are those its
 *     events moved;
 *   - the rows a history joins agree: the accounts of a transfer or a flow
 *     are of one token, and a stream and the account it moved money to or
 *     from are of one token, a deposit from an account its sender's.  Of
 *     two such rows, the one restored second checks the pair (restore.c
 *     when it is the stream's).
 *
 * critical_at is not taken from the dump: it is what the liquidation
 * finds accounts by, so it is computed from the state as the API does.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

static void
NotWhereHistoryEnds(const char *noun, int64 id, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("%s " INT64_FORMAT " is not where its history ends", noun, id),
			 errdetail("%s", problem),
			 errhint("Accounts and flows are made by flowstream's API; a restore inserts "
					 "their rows after their history.")));
}

/* The number of rel's column name, which it must have. */
static AttrNumber
Column(Relation rel, const char *name)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		elog(ERROR, "%s has no column \"%s\"", RelationGetRelationName(rel), name);
	return (AttrNumber) attnum;
}

/* Column attnum of tuple as an int8 (0 when NULL, which *isnull says). */
static int64
Int8(Relation rel, HeapTuple tuple, AttrNumber attnum, bool *isnull)
{
	Datum		d = heap_getattr(tuple, attnum, RelationGetDescr(rel), isnull);

	return *isnull ? 0 : DatumGetInt64(d);
}

/* Whether text column a of tuple equals the C string b. */
static bool
SameText(Relation rel, HeapTuple tuple, AttrNumber a, const char *b)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, a, RelationGetDescr(rel), &isnull);

	return !isnull && b != NULL && strcmp(TextDatumGetCString(d), b) == 0;
}

/*
 * Runs a statement of this file, prepared once per backend and kept.  Its
 * parameters are of built-in types, so the plan cache alone keeps it
 * right should the extension be made anew: it parses a statement again
 * when the tables it reads change.  (flow_plan()'s slots are catalog.c's.)
 * The statements are written so that any plan of theirs probes indexes
 * only, from the row's own key: a restore fills the tables they read as
 * it goes, so a plan made for its first rows must still fit its last.
 * Inside SPI; the result is in SPI_tuptable.
 */
static void
Facts(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types, Datum *values)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	prepared = SPI_prepare(sql, nargs, types);

		if (prepared == NULL || SPI_keepplan(prepared) != 0)
			elog(ERROR, "could not prepare a query of a restore: %s",
				 SPI_result_code_string(SPI_result));
		*plan = prepared;
	}
	if (SPI_execute_plan(*plan, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed > 1)
		elog(ERROR, "could not read the history of a restored row");
}

static SPIPlanPtr account_facts = NULL;
static SPIPlanPtr flow_facts = NULL;

/*
 * A direct insert into flowstream.accounts: allowed only to restore an
 * account where its history ends.  Returns the row to insert, with its
 * critical time computed.
 */
HeapTuple
flow_restore_account(Relation rel, HeapTuple tuple)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	first_col = Column(rel, "first_event"),
				outflows_col = Column(rel, "open_outflows"),
				critical_col = Column(rel, "critical_at"),
				token_col = Column(rel, "token");
	bool		isnull,
				state_null,
				token_null,
				party_null;
	int64		id = Int8(rel, tuple, c->a_id, &isnull);
	Datum		state_datum = heap_getattr(tuple, c->a_state, desc, &state_null);
	Datum		token = heap_getattr(tuple, token_col, desc, &token_null);
	Datum		party = heap_getattr(tuple, c->a_party, desc, &party_null);
	int			outflows = DatumGetInt32(heap_getattr(tuple, outflows_col, desc, &isnull));
	Account		state;
	HistoryEnd	end;
	Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3];
	HeapTuple	facts;
	TupleDesc	facts_desc;
	Datum		critical;
	bool		critical_null;
	int64		first;

	/* the row's constraints run after this trigger: NULLs are refused here */
	if (state_null || token_null || party_null || isnull)
		NotWhereHistoryEnds("account", id, "It has no state, token, party or open_outflows.");
	flow_account_arg(state_datum, &state);
	(void) flow_history_end(HISTORY_ACCOUNT, id, &end);
	if (end.event_id == 0)
		NotWhereHistoryEnds("account", id, "It has no history in flowstream.events.");
	if (!flow_same_account(&state, &end.account))
		NotWhereHistoryEnds("account", id, "Its state is not the state its last event recorded.");
	if (Int8(rel, tuple, c->a_last_event, &isnull) != end.event_id || isnull)
		NotWhereHistoryEnds("account", id, "Its last_event is not its last event.");

	/*
	 * Columns: 1 its first event, 2 its token's decimals, 3 how many flows
	 * it sends that their last event left open, 4 whether an account it
	 * traded with has a row of another token, 5 whether a stream it
	 * bridged to has a row of another token, or (a deposit from it) of
	 * another sender, 6 whether it was paid a withdrawal of a stream
	 * whose recipient was then another party (the stream's history says
	 * who: its create, then its transfers).
	 */
	values[0] = Int64GetDatum(id);
	values[1] = token;
	values[2] = party;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Facts(&account_facts,
		  "SELECT (SELECT pg_catalog.min(x.id) FROM ("
		  " (SELECT id FROM flowstream.events WHERE account_id OPERATOR(pg_catalog.=) $1 ORDER BY id LIMIT 1)"
		  " UNION ALL"
		  " (SELECT id FROM flowstream.events WHERE peer_id OPERATOR(pg_catalog.=) $1 ORDER BY id LIMIT 1)) x),"
		  " (SELECT t.decimals FROM flowstream.tokens t WHERE t.token OPERATOR(pg_catalog.=) $2),"
		  /* its events without a flow form one group, left out after */
		  " (SELECT pg_catalog.count(*) FROM (SELECT DISTINCT ON (flow_id) flow_id, op FROM flowstream.events"
		  "  WHERE account_id OPERATOR(pg_catalog.=) $1 ORDER BY flow_id, id DESC) l"
		  "  WHERE l.flow_id IS NOT NULL"
		  "  AND l.op OPERATOR(pg_catalog.=) ANY ('{open_flow,update_flow}'::flowstream.op[])),"
		  " EXISTS (SELECT FROM flowstream.events e WHERE e.account_id OPERATOR(pg_catalog.=) $1"
		  "  AND (SELECT o.token FROM flowstream.accounts o WHERE o.id OPERATOR(pg_catalog.=) e.peer_id)"
		  "  OPERATOR(pg_catalog.<>) $2)"
		  " OR EXISTS (SELECT FROM flowstream.events e WHERE e.peer_id OPERATOR(pg_catalog.=) $1"
		  "  AND (SELECT o.token FROM flowstream.accounts o WHERE o.id OPERATOR(pg_catalog.=) e.account_id)"
		  "  OPERATOR(pg_catalog.<>) $2),"
		  " EXISTS (SELECT FROM flowstream.events e WHERE e.account_id OPERATOR(pg_catalog.=) $1"
		  "  AND (SELECT s.token OPERATOR(pg_catalog.<>) $2"
		  "  OR (e.op OPERATOR(pg_catalog.=) 'deposit_from_account'::flowstream.op"
		  "  AND s.sender OPERATOR(pg_catalog.<>) $3)"
		  "  FROM flowstream.streams s WHERE s.id OPERATOR(pg_catalog.=) e.stream_id)),"
		  " EXISTS (SELECT FROM flowstream.events e WHERE e.account_id OPERATOR(pg_catalog.=) $1"
		  "  AND e.op OPERATOR(pg_catalog.=) 'withdraw_to_account'::flowstream.op"
		  "  AND $3 IS DISTINCT FROM (SELECT t.destination FROM flowstream.events t"
		  "  WHERE t.stream_id OPERATOR(pg_catalog.=) e.stream_id AND t.id OPERATOR(pg_catalog.<) e.id"
		  "  AND t.op OPERATOR(pg_catalog.=) ANY ('{create,transfer}'::flowstream.op[])"
		  "  ORDER BY t.id DESC LIMIT 1))",
		  3, types, values);
	facts = SPI_tuptable->vals[0];
	facts_desc = SPI_tuptable->tupdesc;
	first = DatumGetInt64(SPI_getbinval(facts, facts_desc, 1, &isnull));
	if (Int8(rel, tuple, first_col, &isnull) != first || isnull)
		NotWhereHistoryEnds("account", id, "Its first_event is not its first event.");
	{
		Datum		decimals = SPI_getbinval(facts, facts_desc, 2, &isnull);

		if (isnull || DatumGetInt16(decimals) != state.decimals)
			NotWhereHistoryEnds("account", id, "Its token is not registered with its state's decimals.");
	}
	if (DatumGetInt64(SPI_getbinval(facts, facts_desc, 3, &isnull)) != outflows)
		NotWhereHistoryEnds("account", id,
							"Its open_outflows is not the number of its flows whose last event left them open.");
	if (DatumGetBool(SPI_getbinval(facts, facts_desc, 4, &isnull)))
		NotWhereHistoryEnds("account", id, "An account it traded with is of another token.");
	if (DatumGetBool(SPI_getbinval(facts, facts_desc, 5, &isnull)))
		NotWhereHistoryEnds("account", id,
							"A stream it moved money to or from is of another token, or another sender's.");
	if (DatumGetBool(SPI_getbinval(facts, facts_desc, 6, &isnull)))
		NotWhereHistoryEnds("account", id,
							"It was paid a withdrawal of a stream whose recipient was another party.");
	SPI_finish();

	critical = flow_critical_at(&state, outflows, &critical_null);
	{
		int			col = critical_col;

		return heap_modify_tuple_by_cols(tuple, desc, 1, &col, &critical, &critical_null);
	}
}

/*
 * A direct insert into flowstream.flows: allowed only to restore a flow
 * where its history ends, between the accounts its events moved.
 */
void
flow_restore_flow(Relation rel, HeapTuple tuple)
{
	const FlowCatalog *c = flow_catalog();
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	sender_account_col = Column(rel, "sender_account"),
				receiver_account_col = Column(rel, "receiver_account"),
				first_col = Column(rel, "first_event"),
				opened_col = Column(rel, "opened_at"),
				sender_col = Column(rel, "sender"),
				receiver_col = Column(rel, "receiver"),
				token_col = Column(rel, "token");
	bool		isnull,
				rate_null,
				buffer_null,
				closed_null,
				sender_null,
				receiver_null;
	int64		id = Int8(rel, tuple, c->f_id, &isnull);
	int64		sender_account = Int8(rel, tuple, sender_account_col, &sender_null);
	int64		receiver_account = Int8(rel, tuple, receiver_account_col, &receiver_null);
	Datum		rate = heap_getattr(tuple, c->f_rate, desc, &rate_null);
	Datum		buffer = heap_getattr(tuple, c->f_buffer, desc, &buffer_null);
	Datum		closed_at = heap_getattr(tuple, c->f_closed_at, desc, &closed_null);
	bool		open;
	HistoryEnd	end;
	U256		units;
	Oid			types[3] = {INT8OID, INT8OID, INT8OID};
	Datum		values[3];
	HeapTuple	facts;
	TupleDesc	facts_desc;

	(void) flow_history_end(HISTORY_FLOW, id, &end);
	if (end.event_id == 0)
		NotWhereHistoryEnds("flow", id, "It has no history in flowstream.events.");
	if (Int8(rel, tuple, c->f_last_event, &isnull) != end.event_id || isnull)
		NotWhereHistoryEnds("flow", id, "Its last_event is not its last event.");
	if (rate_null || !numeric_to_units(rate, FLOW_RATE_SCALE, &units) ||
		!u256_fits_u128(&units) || u256_low128(&units) != end.flow.rate)
		NotWhereHistoryEnds("flow", id, "Its rate is not the rate after its last event.");
	if (buffer_null || !numeric_to_units(buffer, end.decimals, &units) ||
		u256_cmp(&units, &end.flow.buffer) != 0)
		NotWhereHistoryEnds("flow", id, "Its buffer is not the buffer after its last event.");
	open = end.op == OP_OPEN_FLOW || end.op == OP_UPDATE_FLOW;
	if (closed_null != open ||
		(!closed_null && DatumGetTimestampTz(closed_at) != end.at))
		NotWhereHistoryEnds("flow", id,
							"Its closed_at is not the time of the event that closed it, "
							"or it is set while its last event left it open.");
	if (sender_null || receiver_null || sender_account != end.account_id ||
		receiver_account != end.peer_id)
		NotWhereHistoryEnds("flow", id, "Its accounts are not the accounts its events moved.");

	/*
	 * Columns: 1-2 its first event's id and time, 3-4 its sender account's
	 * party and token, 5-6 its receiver account's.  (restore.c saw to it
	 * that a flow's first event is its open_flow, and that all its events
	 * move the same accounts.)
	 */
	values[0] = Int64GetDatum(id);
	values[1] = Int64GetDatum(sender_account);
	values[2] = Int64GetDatum(receiver_account);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Facts(&flow_facts,
		  "SELECT fe.id, fe.at,"
		  " (SELECT a.party FROM flowstream.accounts a WHERE a.id OPERATOR(pg_catalog.=) $2),"
		  " (SELECT a.token FROM flowstream.accounts a WHERE a.id OPERATOR(pg_catalog.=) $2),"
		  " (SELECT a.party FROM flowstream.accounts a WHERE a.id OPERATOR(pg_catalog.=) $3),"
		  " (SELECT a.token FROM flowstream.accounts a WHERE a.id OPERATOR(pg_catalog.=) $3)"
		  " FROM (SELECT e.id, e.at FROM flowstream.events e"
		  "  WHERE e.flow_id OPERATOR(pg_catalog.=) $1 ORDER BY e.id LIMIT 1) fe",
		  3, types, values);
	if (SPI_processed != 1)
		elog(ERROR, "flow " INT64_FORMAT " lost its history", id);
	facts = SPI_tuptable->vals[0];
	facts_desc = SPI_tuptable->tupdesc;
	if (Int8(rel, tuple, first_col, &isnull) != DatumGetInt64(SPI_getbinval(facts, facts_desc, 1, &isnull)))
		NotWhereHistoryEnds("flow", id, "Its first_event is not the open_flow event that begins its history.");
	{
		bool		opened_null;
		Datum		opened = heap_getattr(tuple, opened_col, desc, &opened_null);

		if (opened_null ||
			DatumGetTimestampTz(opened) != DatumGetTimestampTz(SPI_getbinval(facts, facts_desc, 2, &isnull)))
			NotWhereHistoryEnds("flow", id, "Its opened_at is not the time of its open_flow event.");
	}
	if (!SameText(rel, tuple, sender_col, SPI_getvalue(facts, facts_desc, 3)) ||
		!SameText(rel, tuple, receiver_col, SPI_getvalue(facts, facts_desc, 5)))
		NotWhereHistoryEnds("flow", id, "Its sender and receiver are not the parties of its accounts.");
	if (!SameText(rel, tuple, token_col, SPI_getvalue(facts, facts_desc, 4)) ||
		!SameText(rel, tuple, token_col, SPI_getvalue(facts, facts_desc, 6)))
		NotWhereHistoryEnds("flow", id, "Its token is not its accounts' token.");
	SPI_finish();
}
