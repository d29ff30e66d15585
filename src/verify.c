/*
 * verify.c — flowstream.verify(): every invariant of SPEC §5, checked for
 * every stream against its history, one row per discrepancy.
 *
 * It reads the streams in id order and the events in (stream, id) order
 * side by side, a batch at a time, so its memory does not grow with the
 * tables: per stream, the core replays each event and audits the sums of
 * its money and of its accrual (ops.c: flow_audit_event, flow_audit_finish,
 * the code that writes is the code that checks); here are the checks that
 * need the row's other columns (recipient, grace, due time, metadata,
 * event pointers, the token's decimals).  Per token: deposits = balances +
 * withdrawn + refunded.  Then accounts and flows (verify_accounts.c),
 * whose problems name them in their text, with a NULL stream_id.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define BATCH	1000

typedef struct Report
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int64		stream_id;		/* of what is reported now, 0 for none */
	const char *token;
	int64		event_id;		/* prefixes an event's problems, 0 for none */
} Report;

/* A token's sums, in base units of its streams' decimals scaled to 18. */
typedef struct TokenSums
{
	char	   *name;
	int			decimals;
	U256		deposited;
	U256		withdrawn;
	U256		refunded;
	U256		balances;
} TokenSums;

/* One batch of a cursor's rows. */
typedef struct Cursor
{
	Portal		portal;
	SPITupleTable *batch;
	uint64		n;
	uint64		next;
} Cursor;

static void
Emit(Report *r, const char *problem)
{
	Datum		values[3];
	bool		nulls[3] = {r->stream_id == 0, r->token == NULL, false};
	char	   *text = r->event_id != 0 ?
		psprintf("event " INT64_FORMAT ": %s", r->event_id, problem) : (char *) problem;

	values[0] = Int64GetDatum(r->stream_id);
	values[1] = r->token ? CStringGetTextDatum(r->token) : (Datum) 0;
	values[2] = CStringGetTextDatum(text);
	tuplestore_putvalues(r->store, r->desc, values, nulls);
}

/* the core's audit reports through this */
static void
EmitFromCore(void *arg, const char *problem)
{
	Emit((Report *) arg, problem);
}

/* verify_accounts.c reports through this */
static void
EmitForAccounts(void *arg, const char *token, const char *problem)
{
	Report	   *r = (Report *) arg;

	r->stream_id = 0;
	r->event_id = 0;
	r->token = token;
	Emit(r, problem);
}

static void
Emitf(Report *r, const char *fmt,...) pg_attribute_printf(2, 3);

static void
Emitf(Report *r, const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;

	initStringInfo(&buf);
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
	Emit(r, buf.data);
}

/* The next row of a cursor, or NULL at its end. */
static HeapTuple
Next(Cursor *c)
{
	if (c->next >= c->n)
	{
		if (c->batch != NULL)
			SPI_freetuptable(c->batch);
		c->batch = NULL;
		SPI_cursor_fetch(c->portal, true, BATCH);
		c->batch = SPI_tuptable;
		c->n = SPI_processed;
		c->next = 0;
		if (c->n == 0)
			return NULL;
	}
	return c->batch->vals[c->next++];
}

static Portal
Open(const char *sql)
{
	SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\"", sql);
	return SPI_cursor_open(NULL, plan, NULL, NULL, true);
}

/* the registered tokens, in the byte order of their names */
typedef struct Tokens
{
	TokenSums  *sums;
	int			n;
} Tokens;

static TokenSums *
Token(const Tokens *tokens, const char *name)
{
	int			lo = 0,
				hi = tokens->n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(name, tokens->sums[mid].name);

		if (c == 0)
			return &tokens->sums[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* v in base units of decimals, scaled to 18 decimals */
static void
AddScaled(U256 *sum, const U256 *v, int decimals)
{
	U256		x = *v;

	for (int k = decimals; k < FLOW_MAX_DECIMALS; k++)
		(void) u256_mul_u64(&x, &x, 10);
	(void) u256_add(sum, sum, &x);
}

/* what verify() knows of the stream whose events it is reading */
typedef struct StreamHistory
{
	FlowAudit	audit;
	int64		first_event;
	int64		last_event;
	Datum		grace;			/* after the last event */
	bool		grace_null;
	char	   *sender;			/* the party the create event acted for */
	char	   *recipient;		/* from the create event and the transfers */
	Datum		metadata;		/* the last one recorded */
	bool		metadata_null;
	bool		consent_required;	/* from the create event */
	Datum		top_up_keep;	/* the last set_auto_top_up's, NULL: none */
	bool		top_up_null;
	int64		payout_set_by;	/* the last set_auto_withdraw that set a schedule, or 0 */
	Datum		payout_every;
	char	   *payout_to;
	bool		has_proposal;	/* an update proposed and not yet confirmed or revoked: */
	Datum		proposed_rate;
	Datum		proposed_end;
	bool		proposed_has_end;
	char	   *proposed_by;	/* the party it was proposed for */
} StreamHistory;

/*
 * The proposed update an event opens or closes: a confirm restates the
 * terms of the open proposal, a revoke needs one, a propose needs none.
 */
static void
ReadTerms(Report *r, StreamHistory *h, FlowOp op, int64 event_id, HeapTuple tuple, TupleDesc desc)
{
	bool		amount_null,
				end_null;
	Datum		rate = SPI_getbinval(tuple, desc, 4, &amount_null);
	Datum		end = SPI_getbinval(tuple, desc, 10, &end_null);

	r->event_id = event_id;
	switch (op)
	{
		case OP_PROPOSE_UPDATE:
			if (h->has_proposal)
				Emit(r, "it proposes an update while another is proposed");
			h->has_proposal = !amount_null;
			h->proposed_rate = amount_null ? (Datum) 0 : datumCopy(rate, false, -1);
			h->proposed_has_end = !end_null;
			h->proposed_end = end;
			h->proposed_by = SPI_getvalue(tuple, desc, 11);
			break;
		case OP_CONFIRM_UPDATE:
			if (!h->has_proposal || amount_null ||
				DatumGetInt32(DirectFunctionCall2(numeric_cmp, rate, h->proposed_rate)) != 0 ||
				end_null != !h->proposed_has_end ||
				(!end_null && DatumGetTimestampTz(end) != DatumGetTimestampTz(h->proposed_end)))
				Emit(r, "it confirms other terms than the update proposed");
			else
			{
				/* a stream to oneself agrees with itself */
				bool		to_itself = h->sender != NULL && h->recipient != NULL &&
					strcmp(h->sender, h->recipient) == 0;

				if (!to_itself && strcmp(SPI_getvalue(tuple, desc, 11), h->proposed_by) == 0)
					Emit(r, "the party that proposed the update confirmed it");
			}
			h->has_proposal = false;
			break;
		case OP_REVOKE_UPDATE:
			if (!h->has_proposal)
				Emit(r, "it revokes an update nobody proposed");
			h->has_proposal = false;
			break;
		default:
			break;
	}
	r->event_id = 0;
}

/* One event of a stream's history, in order. */
static void
ReadEvent(Report *r, StreamHistory *h, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull,
				amount_null,
				meta_null;
	int64		event_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
	FlowOp		op = flow_op_of_label(DatumGetObjectId(SPI_getbinval(tuple, desc, 3, &isnull)));
	Datum		amount = SPI_getbinval(tuple, desc, 4, &amount_null);
	int64		at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 5, &isnull));
	Datum		meta;
	FlowState	after;
	U256		recorded;
	bool		has_recorded = !amount_null;

	flow_state_arg(SPI_getbinval(tuple, desc, 6, &isnull), &after);
	r->event_id = event_id;
	if (has_recorded &&
		!numeric_to_units(amount, flow_event_scale(op, after.decimals), &recorded))
	{
		Emit(r, "its amount is not an amount of its stream's token");
		has_recorded = false;
	}
	flow_audit_event(&h->audit, op, has_recorded ? &recorded : NULL, at, &after,
					 EmitFromCore, r);
	r->event_id = 0;

	if (h->first_event == 0)
		h->first_event = event_id;
	h->last_event = event_id;
	h->grace = SPI_getbinval(tuple, desc, 7, &h->grace_null);
	if (!h->grace_null)
		h->grace = datumCopy(h->grace, false, sizeof(Interval));
	if (op == OP_CREATE || op == OP_TRANSFER)
		h->recipient = SPI_getvalue(tuple, desc, 8);
	meta = SPI_getbinval(tuple, desc, 9, &meta_null);
	if (!meta_null)
	{
		h->metadata = datumCopy(meta, false, -1);
		h->metadata_null = false;
	}
	if (op == OP_CREATE)
	{
		Datum		consent = SPI_getbinval(tuple, desc, 12, &isnull);

		h->consent_required = !isnull && DatumGetBool(consent);
		h->sender = SPI_getvalue(tuple, desc, 11);
	}
	ReadTerms(r, h, op, event_id, tuple, desc);
	if (op == OP_SET_AUTO_TOP_UP)
	{
		Datum		keep = SPI_getbinval(tuple, desc, 13, &h->top_up_null);

		h->top_up_keep = h->top_up_null ? (Datum) 0 : datumCopy(keep, false, sizeof(Interval));
	}
	if (op == OP_SET_AUTO_WITHDRAW)
	{
		Datum		every = SPI_getbinval(tuple, desc, 13, &isnull);

		h->payout_set_by = isnull ? 0 : event_id;
		h->payout_every = isnull ? (Datum) 0 : datumCopy(every, false, sizeof(Interval));
		h->payout_to = SPI_getvalue(tuple, desc, 8);
	}
}

/* The row's proposed update is the one its history left open, if any. */
static void
CheckProposal(Report *r, const StreamHistory *h, HeapTuple row, TupleDesc desc)
{
	bool		rate_null,
				end_null,
				by_null;
	Datum		rate = SPI_getbinval(row, desc, 11, &rate_null);
	Datum		end = SPI_getbinval(row, desc, 12, &end_null);
	char	   *by = SPI_getvalue(row, desc, 13);
	bool		same;

	by_null = by == NULL;
	if (!h->has_proposal)
		same = rate_null && end_null && by_null;
	else
		same = !rate_null && !by_null &&
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, rate, h->proposed_rate)) == 0 &&
			end_null == !h->proposed_has_end &&
			(end_null || DatumGetTimestampTz(end) == DatumGetTimestampTz(h->proposed_end)) &&
			strcmp(by, h->proposed_by) == 0;
	if (!same)
		Emit(r, "its proposed update is not the one its history left open");
}

/* Whether timestamptz column n of row is the time the core found (NULL when none). */
static bool
SameTime(HeapTuple row, TupleDesc desc, int n, bool found, int64 at)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, n, &isnull);

	if (!found)
		return isnull;
	return !isnull && DatumGetTimestampTz(d) == (at > FLOW_TIME_MAX ? DT_NOEND : at);
}

/*
 * The automation of a stream: depletes_at and top_up_at are what its state
 * gives, its runway to keep and its payouts what its history last set.
 */
static void
CheckAutomation(Report *r, const StreamHistory *h, HeapTuple row, TupleDesc desc,
				const FlowState *state)
{
	bool		keep_null,
				every_null,
				isnull;
	Datum		keep = SPI_getbinval(row, desc, 16, &keep_null);
	Datum		every = SPI_getbinval(row, desc, 18, &every_null);
	int64		at = 0;
	FlowGrace	g;
	FlowDepletion depletion = flow_depletion_time(state, &at);
	bool		top_up_due = false;

	if (!SameTime(row, desc, 15, depletion != FLOW_DEPLETION_NONE,
				  depletion == FLOW_DEPLETION_BEYOND ? FLOW_TIME_MAX + 1 : at))
		Emit(r, "depletes_at is not the depletion time of its state");
	if (!flow_same_grace(keep, keep_null, h->top_up_keep, h->top_up_null))
		Emit(r, "top_up_keep is not the runway its history last set");
	if (!keep_null)
	{
		flow_grace_of(keep, &g);
		top_up_due = flow_top_up_at(state, &g, &at);
	}
	if (!SameTime(row, desc, 17, top_up_due, at))
		Emit(r, "top_up_at is not when its state and runway make the next top-up due");
	if (h->payout_set_by == 0 ? !every_null :
		(every_null || DatumGetInt64(SPI_getbinval(row, desc, 20, &isnull)) != h->payout_set_by ||
		 !flow_same_grace(every, false, h->payout_every, false) ||
		 (SPI_getvalue(row, desc, 19) == NULL) != (h->payout_to == NULL) ||
		 (h->payout_to != NULL && strcmp(SPI_getvalue(row, desc, 19), h->payout_to) != 0)))
		Emit(r, "its scheduled payouts are not what its history last set");
}

/* The checks of a stream's row against its history, and its token's sums. */
static void
CheckRow(Report *r, const StreamHistory *h, HeapTuple row, TupleDesc desc, const Tokens *tokens,
		 int64 now)
{
	bool		isnull,
				grace_null,
				due_null,
				meta_null;
	FlowState	state;
	Datum		grace = SPI_getbinval(row, desc, 6, &grace_null);
	Datum		due_at = SPI_getbinval(row, desc, 8, &due_null);
	Datum		meta = SPI_getbinval(row, desc, 9, &meta_null);
	char	   *recipient = SPI_getvalue(row, desc, 7);
	TokenSums  *t = Token(tokens, r->token);
	bool		due_ok;
	int64		due;
	U256		balance;

	flow_state_arg(SPI_getbinval(row, desc, 3, &isnull), &state);
	flow_audit_finish(&h->audit, &state, now, EmitFromCore, r);
	if (DatumGetInt64(SPI_getbinval(row, desc, 4, &isnull)) != h->last_event)
		Emitf(r, "last_event is %s, but the last event is " INT64_FORMAT,
			  SPI_getvalue(row, desc, 4), h->last_event);
	if (DatumGetInt64(SPI_getbinval(row, desc, 5, &isnull)) != h->first_event)
		Emit(r, "first_event is not the stream's first event");
	if (!flow_same_grace(grace, grace_null, h->grace, h->grace_null))
		Emit(r, "void_after is not the grace after the last event");
	if (h->recipient == NULL || strcmp(recipient, h->recipient) != 0)
		Emit(r, "the recipient is not the one its history names");
	if (!grace_null)
	{
		FlowGrace	g;

		flow_grace_of(grace, &g);
		if (flow_due_time(&state, &g, &due))
			due_ok = !due_null &&
				DatumGetTimestampTz(due_at) == (due > FLOW_TIME_MAX ? DT_NOEND : due);
		else
			due_ok = due_null;
	}
	else
		due_ok = due_null;
	if (!due_ok)
		Emit(r, "due_at is not the due time of its state and grace");
	if (!h->metadata_null &&
		(meta_null || !DatumGetBool(DirectFunctionCall2(jsonb_eq, meta, h->metadata))))
		Emit(r, "metadata is not the metadata its history last recorded");
	if (h->sender == NULL || strcmp(SPI_getvalue(row, desc, 14), h->sender) != 0)
		Emit(r, "the sender is not the one its create event acted for");
	if (DatumGetBool(SPI_getbinval(row, desc, 10, &isnull)) != h->consent_required)
		Emit(r, "consent_required is not what its create event recorded");
	CheckProposal(r, h, row, desc);
	CheckAutomation(r, h, row, desc, &state);

	if (t == NULL)
		Emit(r, "its token is not registered");
	else
	{
		if (t->decimals != state.decimals)
			Emitf(r, "its state has %d decimals, its token %d", state.decimals, t->decimals);
		balance = u256_from_u128(state.balance);
		AddScaled(&t->balances, &balance, state.decimals);
		AddScaled(&t->deposited, &h->audit.deposited, state.decimals);
		AddScaled(&t->withdrawn, &h->audit.withdrawn, state.decimals);
		AddScaled(&t->refunded, &h->audit.refunded, state.decimals);
	}
}

static char *
Decimal18(const U256 *v)
{
	char		buf[FLOW_DECIMAL_MAX];

	flow_format_decimal(v, FLOW_MAX_DECIMALS, 0, buf);
	return pstrdup(buf);
}

/* flowstream.verify() → (stream_id, token, problem), nothing when all is well */
PG_FUNCTION_INFO_V1(flowstream_verify);
Datum
flowstream_verify(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	OwnerScope	scope;
	Report		r;
	int64		now = flow_clock_now();
	Tokens		tokens;
	Cursor		events,
				streams;
	HeapTuple	ev,
				row;
	MemoryContext each,
				old;
	TokenSums  *t;

	InitMaterializedSRF(fcinfo, 0);
	memset(&r, 0, sizeof(r));
	r.store = rsinfo->setResult;
	r.desc = rsinfo->setDesc;

	flow_enter_owner(&scope);

	/* the tokens, in the order strcmp() gives */
	if (SPI_execute("SELECT token, decimals FROM flowstream.tokens ORDER BY token COLLATE \"C\"",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.tokens");
	tokens.n = (int) SPI_processed;
	tokens.sums = palloc0(sizeof(TokenSums) * (tokens.n + 1));
	for (int i = 0; i < tokens.n; i++)
	{
		bool		isnull;

		t = &tokens.sums[i];
		t->name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		t->decimals = DatumGetInt16(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}

	memset(&events, 0, sizeof(events));
	memset(&streams, 0, sizeof(streams));
	events.portal = Open("SELECT stream_id, id, op, amount, at, state, void_after, destination, metadata, "
						 "end_at, coalesce(on_behalf_of, actor), consent_required, every "
						 "FROM flowstream.events WHERE stream_id IS NOT NULL ORDER BY stream_id, id");
	streams.portal = Open("SELECT s.id, s.token, s.state, s.last_event, s.first_event, s.void_after, "
						  "s.recipient, s.due_at, s.metadata, s.consent_required, s.proposed_rate, "
						  "s.proposed_end, s.proposed_by, s.sender, s.depletes_at, s.top_up_keep, "
						  "s.top_up_at, p.every, p.\"to\", p.set_by "
						  "FROM flowstream.streams s LEFT JOIN flowstream.payouts p ON p.stream_id = s.id "
						  "ORDER BY s.id");
	each = AllocSetContextCreate(CurrentMemoryContext, "flowstream verify", ALLOCSET_DEFAULT_SIZES);

	ev = Next(&events);
	row = Next(&streams);
	while (ev != NULL || row != NULL)
	{
		bool		isnull;
		int64		ev_id = ev ? DatumGetInt64(SPI_getbinval(ev, events.batch->tupdesc, 1, &isnull)) : PG_INT64_MAX;
		int64		row_id = row ? DatumGetInt64(SPI_getbinval(row, streams.batch->tupdesc, 1, &isnull)) : PG_INT64_MAX;
		int64		id = Min(ev_id, row_id);
		StreamHistory h;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(each);
		memset(&h, 0, sizeof(h));
		h.grace_null = true;
		h.metadata_null = true;
		h.top_up_null = true;
		r.stream_id = id;
		r.token = row_id == id ? SPI_getvalue(row, streams.batch->tupdesc, 2) : NULL;

		while (ev != NULL && ev_id == id)
		{
			ReadEvent(&r, &h, ev, events.batch->tupdesc);
			ev = Next(&events);
			ev_id = ev ? DatumGetInt64(SPI_getbinval(ev, events.batch->tupdesc, 1, &isnull)) : PG_INT64_MAX;
		}
		if (row_id != id)
			Emit(&r, "history without a stream row");
		else
		{
			if (h.last_event == 0)
			{
				FlowState	state;
				U256		balance;

				Emit(&r, "stream without history");
				/* its balance still counts for its token */
				flow_state_arg(SPI_getbinval(row, streams.batch->tupdesc, 3, &isnull), &state);
				balance = u256_from_u128(state.balance);
				t = Token(&tokens, r.token);
				if (t != NULL)
					AddScaled(&t->balances, &balance, state.decimals);
			}
			else
				CheckRow(&r, &h, row, streams.batch->tupdesc, &tokens, now);
			row = Next(&streams);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(each);
	}
	r.stream_id = 0;

	/* per token: deposits = balances + withdrawn + refunded */
	for (int i = 0; i < tokens.n; i++)
	{
		U256		sum;

		t = &tokens.sums[i];
		u256_add(&sum, &t->balances, &t->withdrawn);
		u256_add(&sum, &sum, &t->refunded);
		if (u256_cmp(&sum, &t->deposited) != 0)
		{
			r.token = t->name;
			Emitf(&r, "token deposits %s <> balances %s + withdrawn %s + refunded %s",
				  Decimal18(&t->deposited), Decimal18(&t->balances),
				  Decimal18(&t->withdrawn), Decimal18(&t->refunded));
		}
	}
	SPI_cursor_close(events.portal);
	SPI_cursor_close(streams.portal);
	r.token = NULL;
	flow_verify_accounts(now, EmitForAccounts, &r);
	flow_leave_owner(&scope);
	return (Datum) 0;
}
