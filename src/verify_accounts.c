/*
 * verify_accounts.c — verify()'s checks of accounts and flows (SPEC §6),
 * the same invariants as for streams:
 *
 *   - every event of accounts follows from the states before it, by the
 *     core's replay (ops.c: flow_replay_account); the states before are
 *     read with window functions, so memory does not grow with the history;
 *   - every account's row is where its history ends (state, first and last
 *     event), its netflow, buffer and open_outflows are those of its open
 *     flows, its critical_at is its critical time, its token's decimals
 *     are its own;
 *   - every flow's row is where its history ends (rate, buffer, events,
 *     open or closed), and names its accounts' parties and token;
 *   - per token, the netflows sum to 0 and the balances to the deposits
 *     less the withdrawals, exactly (ops.c: flow_audit_account).
 *
 * A deficit, the negative balance a late liquidation leaves, is reported
 * too: it is not an inconsistency but a debt of its party (SPEC §6).
 */
#include "managed.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#define BATCH	1000

typedef struct TokenAudit
{
	char		name[NAMEDATALEN * 4];	/* hash key (a token longer than this shares an entry) */
	AccountAudit audit;
} TokenAudit;

typedef struct Checker
{
	VerifyEmitFn emit;
	void	   *arg;
	HTAB	   *tokens;
	const char *token;			/* of what is reported now, or NULL */
	char	   *prefix;			/* "account 5 (alice)", "flow 3", "event 9" */
} Checker;

static void
Emitf(Checker *c, const char *fmt,...) pg_attribute_printf(2, 3);

static void
Emitf(Checker *c, const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s: ", c->prefix);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	c->emit(c->arg, c->token, buf.data);
}

/* the core's audits report through this */
static void
EmitFromCore(void *arg, const char *problem)
{
	Emitf((Checker *) arg, "%s", problem);
}

static TokenAudit *
Audit(Checker *c, const char *token)
{
	char		key[NAMEDATALEN * 4];
	TokenAudit *t;
	bool		found;

	if (token == NULL)
		return NULL;
	memset(key, 0, sizeof(key));
	strlcpy(key, token, sizeof(key));
	t = hash_search(c->tokens, key, HASH_ENTER, &found);
	if (!found)					/* a new entry is uninitialized but for its key */
		memset(&t->audit, 0, sizeof(t->audit));
	return t;
}

/* Runs a query through a cursor, calling row() on each of its rows. */
static void
EachRow(Checker *c, const char *sql, void (*row) (Checker *, HeapTuple, TupleDesc))
{
	SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);
	Portal		portal;
	MemoryContext each,
				old;

	if (plan == NULL)
		elog(ERROR, "could not prepare a query of verify()");
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	each = AllocSetContextCreate(CurrentMemoryContext, "flowstream verify accounts",
								 ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		SPITupleTable *batch;
		uint64		n;

		SPI_cursor_fetch(portal, true, BATCH);
		batch = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		for (uint64 i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			old = MemoryContextSwitchTo(each);
			c->token = NULL;
			row(c, batch->vals[i], batch->tupdesc);
			MemoryContextSwitchTo(old);
			MemoryContextReset(each);
		}
		SPI_freetuptable(batch);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(each);
}

/* Column n of a row as an account; false (and *a untouched) when NULL. */
static bool
AccountCol(HeapTuple tuple, TupleDesc desc, int n, Account *a)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, n, &isnull);

	if (isnull)
		return false;
	flow_account_arg(d, a);
	return true;
}

static int64
Int8Col(HeapTuple tuple, TupleDesc desc, int n, bool *isnull)
{
	Datum		d = SPI_getbinval(tuple, desc, n, isnull);

	return *isnull ? 0 : DatumGetInt64(d);
}

/* Whether two numerics are equal, NULL counting as 0. */
static bool
SameNumeric(Datum a, bool a_null, Datum b, bool b_null)
{
	Datum		zero = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));

	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a_null ? zero : a,
											 b_null ? zero : b)) == 0;
}

/*
 * Columns of the events query: 1 id, 2 op, 3 amount, 4 at, 5 account_id,
 * 6 account, 7 its state before, 8 peer_id, 9 peer, 10 its state before,
 * 11 flow_id, 12-14 op, amount and flow_buffer of the flow's event before,
 * 15 flow_buffer, 16 the account's token, 17 stream_id, 18 whether the
 * flow has a row, 19-20 account_id and peer_id of the flow's event before.
 */
static const EventColumns event_cols = {2, 3, 4, 17, 5, 6, 8, 9, 11, 15};

/*
 * The three queries of this file read the tables they are given.  On a
 * single node those are flowstream's.  On Citus (distribute()) they are
 * copies, materialized common table expressions, of the rows each query
 * reads: Citus gathers each one on the node that runs verify(), and plans
 * the rest there as a query of its own, which it could not over the
 * distributed tables (a window not partitioned by the column a table is
 * placed by, a join on other columns).  verify() reads every account's
 * whole history either way.  None of them refers to an outer row from a
 * subquery over these tables, which would scan a copy once per row.
 */
#define PLACED_COPIES \
	"ev AS MATERIALIZED (SELECT * FROM flowstream.events WHERE stream_id IS NULL " \
	"OR account_id IS NOT NULL OR peer_id IS NOT NULL OR flow_id IS NOT NULL), " \
	"ac AS MATERIALIZED (SELECT * FROM flowstream.accounts), " \
	"fl AS MATERIALIZED (SELECT * FROM flowstream.flows), " \
	"tk AS MATERIALIZED (SELECT * FROM flowstream.tokens), "

#define EVENTS_SQL(PRE, EV, AC, FL, TK) \
"WITH " PRE "sides AS (" \
" SELECT id, account_id AS acc, account AS state FROM " EV " WHERE account_id IS NOT NULL" \
" UNION ALL" \
" SELECT id, peer_id, peer FROM " EV " WHERE peer_id IS NOT NULL)," \
" before AS (" \
" SELECT id, acc, lag(state) OVER (PARTITION BY acc ORDER BY id) AS state FROM sides)," \
" flow_before AS (" \
" SELECT id, lag(op) OVER w AS op, lag(amount) OVER w AS amount, lag(flow_buffer) OVER w AS buffer," \
" lag(account_id) OVER w AS account_id, lag(peer_id) OVER w AS peer_id" \
" FROM " EV " WHERE flow_id IS NOT NULL WINDOW w AS (PARTITION BY flow_id ORDER BY id))" \
" SELECT e.id, e.op, e.amount, e.at, e.account_id, e.account, ba.state, e.peer_id, e.peer, bb.state," \
" e.flow_id, fb.op, fb.amount, fb.buffer, e.flow_buffer, a.token, e.stream_id," \
" EXISTS (SELECT FROM " FL " f WHERE f.id = e.flow_id), fb.account_id, fb.peer_id" \
" FROM " EV " e" \
" LEFT JOIN before ba ON ba.id = e.id AND ba.acc = e.account_id" \
" LEFT JOIN before bb ON bb.id = e.id AND bb.acc = e.peer_id" \
" LEFT JOIN flow_before fb ON fb.id = e.id" \
" LEFT JOIN " AC " a ON a.id = e.account_id" \
" WHERE e.stream_id IS NULL OR e.account_id IS NOT NULL OR e.peer_id IS NOT NULL" \
" OR e.flow_id IS NOT NULL" \
" ORDER BY e.id"

/* One event of accounts: its shape, then the replay of its states (restore.c). */
static void
CheckEvent(Checker *c, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	int64		id = Int8Col(tuple, desc, 1, &isnull);
	AccountEvent e;
	AccountsBefore before;
	AccountReplay r;
	Account		a_before,
				b_before,
				a_after;
	AccountFlow f_before;
	char		problem[FLOW_DETAIL_MAX];
	const char *why;
	TokenAudit *audit;

	c->prefix = psprintf("event " INT64_FORMAT, id);
	c->token = SPI_getvalue(tuple, desc, 16);
	flow_read_account_event(tuple, desc, &event_cols, &e);
	why = flow_account_event_shape(&e, problem);
	if (why != NULL)
	{
		Emitf(c, "%s", why);
		return;
	}
	if (c->token == NULL)
		Emitf(c, "its account %s has no row in flowstream.accounts", SPI_getvalue(tuple, desc, 5));
	if (e.has_flow && !DatumGetBool(SPI_getbinval(tuple, desc, 18, &isnull)))
		Emitf(c, "its flow %s has no row in flowstream.flows", SPI_getvalue(tuple, desc, 11));

	/* the states before it, from the window query: NULL before an account's or a flow's first event */
	memset(&before, 0, sizeof(before));
	if (AccountCol(tuple, desc, 7, &a_before))
		before.account = &a_before;
	if (e.has_peer && AccountCol(tuple, desc, 10, &b_before))
		before.peer = &b_before;
	if (e.has_flow)
	{
		bool		prev_op_null,
					prev_amount_null,
					prev_buffer_null;
		Datum		prev_op = SPI_getbinval(tuple, desc, 12, &prev_op_null);
		Datum		prev_amount = SPI_getbinval(tuple, desc, 13, &prev_amount_null);
		Datum		prev_buffer = SPI_getbinval(tuple, desc, 14, &prev_buffer_null);

		(void) AccountCol(tuple, desc, 6, &a_after);
		if (!prev_op_null)
		{
			if (!flow_flow_after(flow_op_of_label(DatumGetObjectId(prev_op)), prev_amount,
								 prev_amount_null, prev_buffer, prev_buffer_null,
								 a_after.decimals, &f_before))
			{
				Emitf(c, "the flow's event before it records no rate or buffer");
				return;
			}
			before.flow = &f_before;
			before.flow_account_id = Int8Col(tuple, desc, 19, &isnull);
			before.flow_peer_id = Int8Col(tuple, desc, 20, &isnull);
		}
	}
	why = flow_replay_account_event(&e, &before, &r, problem);
	if (why != NULL)
		Emitf(c, "%s", why);
	audit = Audit(c, c->token);
	if (r.replayed && audit != NULL)
		flow_audit_account_event(&audit->audit, e.op, r.has_recorded ? &r.recorded : NULL,
								 r.a_after.decimals);
}

/*
 * Columns of the accounts query: 1 id, 2 party, 3 token, 4 state,
 * 5 first_event, 6 last_event, 7 open_outflows, 8 critical_at, 9 its
 * first event, 10 its last event, 11 the state that event recorded,
 * 12 its open outgoing flows, 13 their rates, 14 their buffers, 15 the
 * rates of its open incoming flows, 16 its token's decimals.  Its first
 * and last events are found by grouping the events by account.
 */
#define ACCOUNTS_SQL(PRE, EV, AC, FL, TK) \
"WITH " PRE "ends AS (SELECT x.a, min(x.id) AS first_id, max(x.id) AS last_id FROM (" \
"  SELECT e.account_id AS a, e.id FROM " EV " e WHERE e.account_id IS NOT NULL UNION ALL" \
"  SELECT e.peer_id, e.id FROM " EV " e WHERE e.peer_id IS NOT NULL) x GROUP BY x.a)," \
" last AS (SELECT n.a, CASE WHEN e.account_id = n.a THEN e.account ELSE e.peer END AS state" \
"  FROM ends n JOIN " EV " e ON e.id = n.last_id)," \
" outs AS (SELECT f.sender_account AS a, count(*) AS n, sum(f.rate) AS rate, sum(f.buffer) AS buffer" \
"  FROM " FL " f WHERE f.closed_at IS NULL GROUP BY f.sender_account)," \
" ins AS (SELECT f.receiver_account AS a, sum(f.rate) AS rate" \
"  FROM " FL " f WHERE f.closed_at IS NULL GROUP BY f.receiver_account)" \
" SELECT a.id, a.party, a.token, a.state, a.first_event, a.last_event, a.open_outflows," \
" a.critical_at, n.first_id, n.last_id, l.state," \
" coalesce(o.n, 0), o.rate, o.buffer, i.rate, t.decimals" \
" FROM " AC " a" \
" LEFT JOIN " TK " t ON t.token = a.token" \
" LEFT JOIN ends n ON n.a = a.id" \
" LEFT JOIN last l ON l.a = a.id" \
" LEFT JOIN outs o ON o.a = a.id" \
" LEFT JOIN ins i ON i.a = a.id" \
" ORDER BY a.id"

static int64 verify_now;

static void
CheckAccount(Checker *c, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull,
				null1,
				out_null,
				in_null,
				critical_null;
	int64		id = Int8Col(tuple, desc, 1, &isnull);
	Account		state,
				last;
	int			decimals;
	int			outflows = DatumGetInt32(SPI_getbinval(tuple, desc, 7, &isnull));
	int64		open = Int8Col(tuple, desc, 12, &isnull);
	Datum		out_rate = SPI_getbinval(tuple, desc, 13, &out_null);
	Datum		in_rate = SPI_getbinval(tuple, desc, 15, &in_null);
	Datum		netflow,
				critical;
	const char *why;
	TokenAudit *audit;
	I256		balance;
	int64		t;

	c->prefix = psprintf("account " INT64_FORMAT " (%s)", id, SPI_getvalue(tuple, desc, 2));
	c->token = SPI_getvalue(tuple, desc, 3);
	flow_account_arg(SPI_getbinval(tuple, desc, 4, &isnull), &state);
	why = account_state_problem(&state);
	if (why != NULL)
		Emitf(c, "inconsistent state: %s", why);

	/* where its history ends */
	if (!AccountCol(tuple, desc, 11, &last))
		Emitf(c, "account without history");
	else if (!flow_same_account(&state, &last))
		Emitf(c, "its state is not the state after its last event");
	if (Int8Col(tuple, desc, 6, &isnull) != Int8Col(tuple, desc, 10, &null1))
		Emitf(c, "last_event is %s, but its last event is %s", SPI_getvalue(tuple, desc, 6),
			  null1 ? "none" : SPI_getvalue(tuple, desc, 10));
	if (Int8Col(tuple, desc, 5, &isnull) != Int8Col(tuple, desc, 9, &null1))
		Emitf(c, "first_event is not its first event");

	/* its flows */
	netflow = DirectFunctionCall2(numeric_sub,
								  in_null ? DirectFunctionCall1(int4_numeric, Int32GetDatum(0)) : in_rate,
								  out_null ? DirectFunctionCall1(int4_numeric, Int32GetDatum(0)) : out_rate);
	if (!SameNumeric(i256_to_numeric(&state.netflow, FLOW_RATE_SCALE, 0), false, netflow, false))
		Emitf(c, "its netflow %s is not the sum of its open flows' rates %s",
			  DatumGetCString(DirectFunctionCall1(numeric_out,
												  i256_to_numeric(&state.netflow, FLOW_RATE_SCALE, 0))),
			  DatumGetCString(DirectFunctionCall1(numeric_out, netflow)));
	{
		Datum		buffers = SPI_getbinval(tuple, desc, 14, &null1);

		if (!SameNumeric(units_to_numeric(&state.buffer, state.decimals, 0), false, buffers, null1))
			Emitf(c, "its buffer is not the sum of its open outgoing flows' buffers %s",
				  null1 ? "0" : SPI_getvalue(tuple, desc, 14));
	}
	if (outflows != open)
		Emitf(c, "open_outflows is %d, but %ld of its outgoing flows are open", outflows, (long) open);
	critical = flow_critical_at(&state, (int) open, &critical_null);
	{
		Datum		stored = SPI_getbinval(tuple, desc, 8, &isnull);

		if (isnull != critical_null ||
			(!isnull && DatumGetTimestampTz(stored) != DatumGetTimestampTz(critical)))
			Emitf(c, "critical_at is not its critical time");
	}

	/* its token */
	decimals = DatumGetInt16(SPI_getbinval(tuple, desc, 16, &isnull));
	if (isnull)
		Emitf(c, "its token is not registered");
	else if (decimals != state.decimals)
		Emitf(c, "its state has %d decimals, its token %d", state.decimals, decimals);
	audit = Audit(c, c->token);
	flow_audit_account(&audit->audit, &state);

	/* a deficit: a debt of its party, repaid first by its next deposits */
	t = verify_now > state.last ? verify_now : state.last;
	if (account_balance_units(&state, t, &balance) == FLOW_OK && i256_is_neg(&balance))
	{
		U256		owed = i256_abs(&balance);

		Emitf(c, "deficit of %s: a liquidation came late, and its party owes it",
			  DatumGetCString(DirectFunctionCall1(numeric_out,
												  units_to_numeric(&owed, state.decimals, state.decimals))));
	}
}

/*
 * Columns of the flows query: 1 id, 2 rate, 3 buffer, 4 first_event,
 * 5 last_event, 6 opened_at, 7 closed_at, 8 sender, 9 receiver, 10 token,
 * 11-13 the sender account's party, token and id, 14-16 the receiver
 * account's, 17-22 its last event's id, op, amount, flow_buffer,
 * account_id, peer_id, 23 that event's time, 24 its first event's id,
 * 25 op and 26 time, 27 the sender's decimals.
 */
#define FLOWS_SQL(PRE, EV, AC, FL, TK) \
"WITH " PRE "ends AS (SELECT e.flow_id, min(e.id) AS first_id, max(e.id) AS last_id" \
"  FROM " EV " e WHERE e.flow_id IS NOT NULL GROUP BY e.flow_id)" \
" SELECT f.id, f.rate, f.buffer, f.first_event, f.last_event, f.opened_at, f.closed_at," \
" f.sender, f.receiver, f.token, sa.party, sa.token, f.sender_account," \
" ra.party, ra.token, f.receiver_account," \
" le.id, le.op, le.amount, le.flow_buffer, le.account_id, le.peer_id, le.at," \
" fe.id, fe.op, fe.at, t.decimals" \
" FROM " FL " f" \
" LEFT JOIN " AC " sa ON sa.id = f.sender_account" \
" LEFT JOIN " AC " ra ON ra.id = f.receiver_account" \
" LEFT JOIN " TK " t ON t.token = f.token" \
" LEFT JOIN ends x ON x.flow_id = f.id" \
" LEFT JOIN " EV " le ON le.id = x.last_id" \
" LEFT JOIN " EV " fe ON fe.id = x.first_id" \
" ORDER BY f.id"

/* Whether text columns a and b of tuple are both set and equal. */
static bool
SameText(HeapTuple tuple, TupleDesc desc, int a, int b)
{
	char	   *x = SPI_getvalue(tuple, desc, a);
	char	   *y = SPI_getvalue(tuple, desc, b);

	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

static void
CheckFlow(Checker *c, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull,
				closed_null,
				amount_null,
				buffer_null;
	int64		id = Int8Col(tuple, desc, 1, &isnull);
	FlowOp		op;
	u128		rate;
	Datum		recorded_rate,
				recorded_buffer;

	c->prefix = psprintf("flow " INT64_FORMAT, id);
	c->token = SPI_getvalue(tuple, desc, 10);
	if (!SameText(tuple, desc, 8, 11) || !SameText(tuple, desc, 9, 14))
		Emitf(c, "its sender and receiver are not the parties of its accounts");
	if (!SameText(tuple, desc, 10, 12) || !SameText(tuple, desc, 10, 15))
		Emitf(c, "its token is not its accounts' token");

	(void) Int8Col(tuple, desc, 17, &isnull);
	if (isnull)
	{
		Emitf(c, "flow without history");
		return;
	}
	op = flow_op_of_label(DatumGetObjectId(SPI_getbinval(tuple, desc, 18, &isnull)));
	if (Int8Col(tuple, desc, 5, &isnull) != Int8Col(tuple, desc, 17, &isnull))
		Emitf(c, "last_event is %s, but its last event is %s", SPI_getvalue(tuple, desc, 5),
			  SPI_getvalue(tuple, desc, 17));
	if (Int8Col(tuple, desc, 4, &isnull) != Int8Col(tuple, desc, 24, &isnull) ||
		flow_op_of_label(DatumGetObjectId(SPI_getbinval(tuple, desc, 25, &isnull))) != OP_OPEN_FLOW)
		Emitf(c, "first_event is not the open_flow event that begins its history");
	else if (DatumGetTimestampTz(SPI_getbinval(tuple, desc, 6, &isnull)) !=
			 DatumGetTimestampTz(SPI_getbinval(tuple, desc, 26, &isnull)))
		Emitf(c, "opened_at is not the time of its open_flow event");
	if (Int8Col(tuple, desc, 13, &isnull) != Int8Col(tuple, desc, 21, &isnull) ||
		Int8Col(tuple, desc, 16, &isnull) != Int8Col(tuple, desc, 22, &isnull))
		Emitf(c, "its last event moved other accounts than its own");

	/* its rate and buffer are the last event's */
	recorded_rate = SPI_getbinval(tuple, desc, 19, &amount_null);
	if (!flow_rate_after(op, recorded_rate, amount_null, &rate))
		Emitf(c, "its last event records no rate");
	else if (!SameNumeric(SPI_getbinval(tuple, desc, 2, &isnull), false,
						  rate_to_numeric(rate), false))
		Emitf(c, "its rate %s is not the rate after its last event", SPI_getvalue(tuple, desc, 2));
	/* read before the call: C leaves the order of a call's arguments open */
	recorded_buffer = SPI_getbinval(tuple, desc, 20, &buffer_null);
	if (!SameNumeric(SPI_getbinval(tuple, desc, 3, &isnull), false, recorded_buffer, buffer_null) ||
		buffer_null)
		Emitf(c, "its buffer %s is not the buffer after its last event", SPI_getvalue(tuple, desc, 3));

	/* closed exactly when its rate is 0, at its last event */
	(void) SPI_getbinval(tuple, desc, 7, &closed_null);
	if (closed_null != (op == OP_OPEN_FLOW || op == OP_UPDATE_FLOW))
		Emitf(c, "closed_at is %s, but its last event is a %s", closed_null ? "NULL" : "set",
			  flow_ops[op].label);
	else if (!closed_null &&
			 DatumGetTimestampTz(SPI_getbinval(tuple, desc, 7, &isnull)) !=
			 DatumGetTimestampTz(SPI_getbinval(tuple, desc, 23, &isnull)))
		Emitf(c, "closed_at is not the time of the event that closed it");
}

void
flow_verify_accounts(int64 now, VerifyEmitFn emit, void *arg)
{
	Checker		c;
	HASHCTL		ctl;
	HASH_SEQ_STATUS seq;
	TokenAudit *t;

	memset(&c, 0, sizeof(c));
	c.emit = emit;
	c.arg = arg;
	ctl.keysize = NAMEDATALEN * 4;
	ctl.entrysize = sizeof(TokenAudit);
	ctl.hcxt = CurrentMemoryContext;
	c.tokens = hash_create("flowstream verify tokens", 16, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	verify_now = now;

	if (flow_distributed())
	{
		EachRow(&c, EVENTS_SQL(PLACED_COPIES, "ev", "ac", "fl", "tk"), CheckEvent);
		EachRow(&c, ACCOUNTS_SQL(PLACED_COPIES, "ev", "ac", "fl", "tk"), CheckAccount);
		EachRow(&c, FLOWS_SQL(PLACED_COPIES, "ev", "ac", "fl", "tk"), CheckFlow);
	}
	else
	{
		EachRow(&c, EVENTS_SQL("", "flowstream.events", "flowstream.accounts", "flowstream.flows",
								"flowstream.tokens"), CheckEvent);
		EachRow(&c, ACCOUNTS_SQL("", "flowstream.events", "flowstream.accounts", "flowstream.flows",
								"flowstream.tokens"), CheckAccount);
		EachRow(&c, FLOWS_SQL("", "flowstream.events", "flowstream.accounts", "flowstream.flows",
								"flowstream.tokens"), CheckFlow);
	}

	hash_seq_init(&seq, c.tokens);
	while ((t = hash_seq_search(&seq)) != NULL)
	{
		c.token = t->name;
		c.prefix = "accounts";
		flow_audit_accounts_finish(&t->audit, EmitFromCore, &c);
	}
}
