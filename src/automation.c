/*
 * automation.c — the maintenance job (SPEC §8).  flowstream.maintain()
 * runs each scheduled part once, in this order: void insolvent streams
 * and liquidate critical accounts (sweeper.c), then here the automatic
 * top-ups, the scheduled payouts and the runway alerts.
 *
 * Each part finds its work through an index on a stored time (top_up_at,
 * payouts.next_at, depletes_at, due_at, critical_at), so a run costs what
 * is due, not what the tables hold; it takes rows with SKIP LOCKED, so two
 * runs at once never do the same work twice; and it acts through the same
 * operations as the API, as the sweeper on behalf of the party that asked
 * for it (the event's on_behalf_of).  Each item runs in a subtransaction:
 * one that fails is reported as a warning and left for the next run,
 * without undoing the others.  A replica or a subscriber does nothing.
 */
#include "managed.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#define ALERTS_LOCK_KEY		INT64CONST(7453010373645692278)
#define JOB_ACTOR			"flowstream_sweeper"

/*
 * Runs item(arg) in a subtransaction; an error is a warning, the item's
 * work is undone and the run goes on.  Returns whether it succeeded.
 * An error whose code is quiet (an expected "nothing to do") is no warning.
 */
static bool
InSubtransaction(void (*item) (void *), void *arg, int quiet)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		item(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != quiet)
			ereport(WARNING,
					(errcode(edata->sqlerrcode),
					 errmsg("flowstream.maintain() left an item for the next run: %s", edata->message),
					 edata->detail ? errdetail("%s", edata->detail) : 0));
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* A runway notification: what and which, never a party, an amount or a time. */
static void
NotifyRunway(const char *kind, int64 id, const char *event, const char *threshold)
{
	char	   *payload = threshold ?
		psprintf("{\"kind\": \"%s\", \"id\": " INT64_FORMAT ", \"event\": \"%s\", \"threshold\": \"%s\"}",
				 kind, id, event, threshold) :
		psprintf("{\"kind\": \"%s\", \"id\": " INT64_FORMAT ", \"event\": \"%s\"}", kind, id, event);

	if (flow_notifications())
		Async_Notify(FLOW_RUNWAY_CHANNEL, payload);
}

/*
 * The runway notifications for the alerts an INSERT … RETURNING kind, id,
 * event just remembered (SPI_tuptable); returns how many.
 */
static int
NotifyRemembered(const char *threshold)
{
	/* NotifyRunway() may read the settings: SPI's globals change under it */
	SPITupleTable *fresh = SPI_tuptable;
	uint64		n = SPI_processed;

	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;

		NotifyRunway(SPI_getvalue(fresh->vals[r], fresh->tupdesc, 1),
					 DatumGetInt64(SPI_getbinval(fresh->vals[r], fresh->tupdesc, 2, &isnull)),
					 SPI_getvalue(fresh->vals[r], fresh->tupdesc, 3), threshold);
	}
	return (int) n;
}

/* ---- automatic top-ups ---- */

typedef struct TopUp
{
	int64		id;
	const char *sender;
	Datum		amount;			/* numeric: what keeps it solvent */
	FlowGrace	keep;			/* the runway it keeps, which the account keeps too */
	int64		at;
	u128		paid;			/* what the account could give */
} TopUp;

static void
DoTopUp(void *arg)
{
	TopUp	   *item = (TopUp *) arg;
	FlowCall	call;

	memset(&call, 0, sizeof(call));
	call.stream_id = item->id;
	call.op = OP_DEPOSIT_FROM_ACCOUNT;
	call.actor = JOB_ACTOR;
	call.system = true;
	call.on_behalf_of = item->sender;
	call.at = item->at;
	call.amount = item->amount;
	call.args.max = true;		/* as much of it as the account can give */
	call.args.has_grace = true;
	call.args.grace = item->keep;
	flow_apply_call(&call);
	item->paid = call.res.units;
}

/*
 * Tops up the streams whose runway fell to what their sender asked to
 * keep, from the sender's account, to twice that (flow_top_up_until), as
 * far as the account can give while keeping that runway itself (see
 * flow_apply_bridge).  The streams whose accounts can give nothing are
 * not taken (they would fill every batch, run after run); they are
 * announced once instead (Shortfalls).  Returns how many streams it
 * topped up.
 */
static int
TopUps(int batch, int64 t)
{
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2] = {TimestampTzGetDatum(t), Int32GetDatum(batch)};
	SPITupleTable *due;
	uint64		n;
	int			done = 0;

	if (SPI_execute_plan(flow_plan(PLAN_TOP_UPS,
								   "SELECT s.id, s.sender, s.top_up_keep, s.state "
								   "FROM flowstream.streams s JOIN flowstream.accounts a "
								   "ON a.party OPERATOR(pg_catalog.=) s.sender AND a.token OPERATOR(pg_catalog.=) s.token "
								   "WHERE s.top_up_at OPERATOR(pg_catalog.<=) $1 "
								   "AND flowstream.available(a.state, $1) OPERATOR(pg_catalog.>) 0 "
								   "AND flowstream.available(a.state, flowstream.after($1, s.top_up_keep)) "
								   "OPERATOR(pg_catalog.>) 0 "
								   "ORDER BY s.top_up_at LIMIT $2 FOR UPDATE OF s SKIP LOCKED",
								   2, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not find the streams to top up");
	due = SPI_tuptable;
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = due->vals[i];
		bool		isnull;
		FlowState	state;
		U256		need;
		TopUp		item;

		CHECK_FOR_INTERRUPTS();
		memset(&item, 0, sizeof(item));
		item.id = DatumGetInt64(SPI_getbinval(tuple, due->tupdesc, 1, &isnull));
		item.sender = SPI_getvalue(tuple, due->tupdesc, 2);
		flow_grace_of(SPI_getbinval(tuple, due->tupdesc, 3, &isnull), &item.keep);
		flow_state_arg(SPI_getbinval(tuple, due->tupdesc, 4, &isnull), &state);
		item.at = flow_operation_time(t, &state, flow_clock_pinned());
		if (flow_top_up_need(&state, flow_top_up_until(item.at, &item.keep), &need) != FLOW_OK ||
			u256_is_zero(&need))
			continue;
		item.amount = units_to_numeric(&need, state.decimals, state.decimals);
		if (InSubtransaction(DoTopUp, &item, ERRCODE_INVALID_PARAMETER_VALUE))
			done++;
	}
	return done;
}

/*
 * Announces, once, each stream due for a top-up that its sender's account
 * cannot make, or not in full (it is still due after the top-ups, and the
 * account can give nothing more: not merely one the batch did not reach): a
 * top_up_short runway alert, remembered in runway_alerts (threshold 0)
 * until the stream is no longer due (Alerts re-arms it).  Returns how many
 * it announced.
 */
static int
Shortfalls(int batch, int64 t)
{
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2] = {TimestampTzGetDatum(t), Int32GetDatum(batch)};

	if (SPI_execute_plan(flow_plan(PLAN_TOP_UP_SHORTFALLS,
								   "INSERT INTO flowstream.runway_alerts (kind, id, event, threshold, at, sent_at) "
								   "SELECT 'stream', s.id, 'top_up_short', '0', s.top_up_at, $1 "
								   "FROM flowstream.streams s LEFT JOIN flowstream.accounts a "
								   "ON a.party OPERATOR(pg_catalog.=) s.sender AND a.token OPERATOR(pg_catalog.=) s.token "
								   "WHERE s.top_up_at OPERATOR(pg_catalog.<=) $1 "
								   "AND (a.id IS NULL OR flowstream.available(a.state, $1) OPERATOR(pg_catalog.<=) 0 "
								   "OR flowstream.available(a.state, flowstream.after($1, s.top_up_keep)) "
								   "OPERATOR(pg_catalog.<=) 0) "
								   "AND NOT EXISTS (SELECT FROM flowstream.runway_alerts r WHERE r.kind = 'stream' "
								   "AND r.id OPERATOR(pg_catalog.=) s.id AND r.event = 'top_up_short') "
								   "ORDER BY s.top_up_at LIMIT $2 "
								   "ON CONFLICT DO NOTHING RETURNING kind, id, event",
								   2, types),
						 values, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not announce the top-ups that fall short");
	return NotifyRemembered(NULL);
}

/* ---- scheduled payouts ---- */

typedef struct Payout
{
	int64		id;
	const char *recipient;
	const char *to;				/* NULL: the recipient's account */
	int64		at;
} Payout;

static void
DoPayout(void *arg)
{
	Payout	   *item = (Payout *) arg;
	FlowCall	call;

	memset(&call, 0, sizeof(call));
	call.stream_id = item->id;
	call.op = item->to == NULL ? OP_WITHDRAW_TO_ACCOUNT : OP_WITHDRAW;
	call.actor = JOB_ACTOR;
	call.system = true;
	call.on_behalf_of = item->recipient;
	call.at = item->at;
	call.amount_null = true;
	call.args.max = true;
	call.args.name = item->to;
	flow_apply_call(&call);
}

static int	PayDue(SPITupleTable *due, uint64 n, int64 t);

/* the payouts due of payouts and streams (the tables, or two colocated shards on Citus) */
#define DUE_PAYOUTS(payouts, streams) \
	"SELECT p.stream_id, p.next_at, p.every, p.\"to\", s.recipient " \
	"FROM " payouts " p JOIN " streams " s ON s.id = p.stream_id " \
	"WHERE p.next_at OPERATOR(pg_catalog.<=) $1 " \
	"ORDER BY p.next_at LIMIT $2 FOR UPDATE OF p SKIP LOCKED"

/*
 * Pays out the withdrawable amount of the streams whose next payout is
 * due, and moves each schedule a period on (from its own time, so a late
 * run makes one payout, not a burst).  A payout of nothing is no event.
 * Returns how many payouts it made.  On Citus, those of the shards on this
 * node, shard by shard (see flow_local_shards).
 */
static int
Payouts(int batch, int64 t, bool distributed)
{
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		values[2] = {TimestampTzGetDatum(t), Int32GetDatum(batch)};
	int			done = 0;
	ListCell   *lc;

	if (!distributed)
	{
		if (SPI_execute_plan(flow_plan(PLAN_PAYOUTS, DUE_PAYOUTS("flowstream.payouts", "flowstream.streams"),
									   2, types),
							 values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not find the payouts due");
		return PayDue(SPI_tuptable, SPI_processed, t);
	}
	foreach(lc, flow_local_shards("payouts", "streams"))
	{
		FlowShard  *shard = (FlowShard *) lfirst(lc);

		if (done >= batch)
			break;
		values[1] = Int32GetDatum(batch - done);
		if (SPI_execute_with_args(psprintf(DUE_PAYOUTS("%s", "%s"), shard->name, shard->with),
								  2, types, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not find the payouts due in %s", shard->name);
		done += PayDue(SPI_tuptable, SPI_processed, t);
	}
	return done;
}

/* Makes the payouts (stream_id, next_at, every, to, recipient) a query found and locked. */
static int
PayDue(SPITupleTable *due, uint64 n, int64 t)
{
	int			done = 0;

	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = due->vals[i];
		bool		isnull;
		Payout		item;
		FlowGrace	every;
		int64		next_at;

		CHECK_FOR_INTERRUPTS();
		item.id = DatumGetInt64(SPI_getbinval(tuple, due->tupdesc, 1, &isnull));
		next_at = DatumGetTimestampTz(SPI_getbinval(tuple, due->tupdesc, 2, &isnull));
		flow_grace_of(SPI_getbinval(tuple, due->tupdesc, 3, &isnull), &every);
		item.to = SPI_getvalue(tuple, due->tupdesc, 4);
		item.recipient = SPI_getvalue(tuple, due->tupdesc, 5);
		item.at = t;
		/* nothing withdrawable (22023) is no payout, and no warning */
		if (InSubtransaction(DoPayout, &item, ERRCODE_INVALID_PARAMETER_VALUE))
			done++;
		flow_move_payout(item.id, flow_next_payout(next_at, &every, t));
	}
	return done;
}

/* ---- runway alerts ---- */

/* what re-arms the alerts: those whose stream or account moved away (each a table or rows) */
#define REARM_ALERTS(streams, accounts) \
	"DELETE FROM flowstream.runway_alerts a WHERE NOT EXISTS (" \
	"SELECT FROM " streams " s WHERE a.kind = 'stream' AND s.id = a.id " \
	"AND CASE a.event WHEN 'insolvent' THEN s.depletes_at " \
	"WHEN 'top_up_short' THEN s.top_up_at ELSE s.due_at END " \
	"OPERATOR(pg_catalog.<=) flowstream.after($1, a.threshold)) " \
	"AND NOT EXISTS (SELECT FROM " accounts " c " \
	"WHERE a.kind = 'account' AND c.id = a.id " \
	"AND c.critical_at OPERATOR(pg_catalog.<=) flowstream.after($1, a.threshold))"

/* the alerts of one threshold not sent yet, remembered (each a table or rows) */
#define SEND_ALERTS(streams, accounts) \
	"WITH t AS (SELECT flowstream.after($1, $2) AS until), " \
	"items AS (" \
	"SELECT 'stream' AS kind, s.id, 'insolvent' AS event, s.depletes_at AS at " \
	"FROM " streams " s, t WHERE s.depletes_at OPERATOR(pg_catalog.<=) t.until " \
	"UNION ALL SELECT 'stream', s.id, 'due', s.due_at " \
	"FROM " streams " s, t WHERE s.due_at OPERATOR(pg_catalog.<=) t.until " \
	"UNION ALL SELECT 'account', c.id, 'critical', c.critical_at " \
	"FROM " accounts " c, t WHERE c.critical_at OPERATOR(pg_catalog.<=) t.until) " \
	"INSERT INTO flowstream.runway_alerts (kind, id, event, threshold, at, sent_at) " \
	"SELECT i.kind, i.id, i.event, $2, i.at, $1 FROM items i " \
	"WHERE NOT EXISTS (SELECT FROM flowstream.runway_alerts a " \
	"WHERE a.kind = i.kind AND a.id = i.id AND a.event = i.event " \
	"AND a.threshold OPERATOR(pg_catalog.=) $2) " \
	"ORDER BY i.at LIMIT $3 RETURNING kind, id, event"

/*
 * Runs a statement over the streams and accounts: on a single node sql,
 * prepared once in slot; on Citus format, with the rows of the shards of
 * streams on this node (flow_local_rows) in place of %1$s, and those of
 * accounts, colocated with them, in place of %2$s.  Returns SPI's result
 * code.
 */
static int
OverStreams(int slot, const char *sql, const char *format, const char *rows,
			const char *accounts, int nargs, Oid *types, Datum *values)
{
	if (rows == NULL)
		return SPI_execute_plan(flow_plan(slot, sql, nargs, types), values, NULL, false, 0);
	return SPI_execute_with_args(psprintf(format, rows, accounts), nargs, types, values, NULL, false, 0);
}

/*
 * Sends one alert per stream or account, event and threshold crossed
 * (settings.runway_thresholds), remembering it in runway_alerts; an item
 * that moved away again (a top-up) loses its alerts, which re-arms them.
 * One run at a time.  Returns how many alerts it sent.  On Citus, those of
 * the streams of this node's shards, remembered in this node's
 * runway_alerts and sent from this node.
 */
static int
Alerts(int batch, int64 t, Datum thresholds, bool distributed)
{
	Oid			types[3] = {TIMESTAMPTZOID, INTERVALOID, INT4OID};
	Datum		values[3];
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			sent = 0;
	const char *rows = NULL;
	const char *accounts = "flowstream.accounts";

	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_xact_lock_int8,
										  Int64GetDatum(ALERTS_LOCK_KEY))))
		return 0;
	if (distributed && (rows = flow_local_rows("streams")) == NULL)
		return 0;
	/* the shards of accounts are colocated with those of streams */
	if (distributed && (accounts = flow_local_rows("accounts")) == NULL)
		return 0;
	values[0] = TimestampTzGetDatum(t);
	if (OverStreams(PLAN_REARM_ALERTS, REARM_ALERTS("flowstream.streams", "flowstream.accounts"),
					REARM_ALERTS("%1$s", "%2$s"), rows, accounts, 1, types, values) != SPI_OK_DELETE)
		elog(ERROR, "could not re-arm the runway alerts");

	deconstruct_array(DatumGetArrayTypeP(thresholds), INTERVALOID, sizeof(Interval), false,
					  TYPALIGN_DOUBLE, &elems, &nulls, &n);
	for (int i = 0; i < n && sent < batch; i++)
	{
		char	   *threshold;

		if (nulls[i])
			continue;
		values[1] = elems[i];
		values[2] = Int32GetDatum(batch - sent);
		threshold = DatumGetCString(DirectFunctionCall1(interval_out, elems[i]));
		if (OverStreams(PLAN_SEND_ALERTS, SEND_ALERTS("flowstream.streams", "flowstream.accounts"),
						SEND_ALERTS("%1$s", "%2$s"), rows, accounts, 3, types, values) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "could not send the runway alerts");
		sent += NotifyRemembered(threshold);
	}
	return sent;
}

/* ---- maintain() ---- */

/* What the settings say: the thresholds, and which parts to skip. */
static Datum
Settings(bool *skip)
{
	Datum		thresholds = (Datum) 0;

	memset(skip, 0, sizeof(bool) * PART_COUNT);
	if (SPI_execute("SELECT runway_thresholds, maintenance_skip FROM flowstream.settings", true, 1)
		!= SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.settings");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		thresholds = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 2, &isnull)),
						  TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			int			part = nulls[i] ? -1 : flow_maintenance_part(TextDatumGetCString(elems[i]));

			if (part >= 0)
				skip[part] = true;
		}
	}
	else
	{
		/* no settings row yet: the column's default */
		if (SPI_execute("SELECT '{7 days,1 day,00:00:00}'::pg_catalog.interval[]", true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read the default runway thresholds");
	}
	if (thresholds == (Datum) 0)
	{
		bool		isnull;

		thresholds = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	}
	return SPI_datumTransfer(thresholds, false, -1);
}

/*
 * On a Citus coordinator: maintain(batch) on every worker, each in a
 * transaction of its own, over its own shards; adds what each part did
 * there to done.
 */
static void
OnWorkers(int32 batch, const bool *skip, int32 *done)
{
	ListCell   *lc;

	foreach(lc, flow_on_workers(psprintf("SELECT pg_catalog.string_agg(coalesce(done::text, '-'), ',' "
										 "ORDER BY n) FROM flowstream.maintain(%d) WITH ORDINALITY AS m(job, done, n)",
										 batch)))
	{
		char	   *parts = (char *) lfirst(lc);
		char	   *save = NULL;
		char	   *part = strtok_r(parts, ",", &save);

		for (int i = 0; i < PART_COUNT && part != NULL; i++, part = strtok_r(NULL, ",", &save))
		{
			if (!skip[i] && strcmp(part, "-") != 0)
				done[i] += pg_strtoint32(part);
		}
	}
}

/*
 * maintain(batch) → (job, done): every part once, up to batch items each;
 * a skipped part's done is NULL.  Recorded in maintenance_runs.
 *
 * On Citus (distribute()) each node runs the parts over the shards it
 * holds, and a coordinator runs maintain() on every worker too, adding up
 * what they did: no lock spans two nodes.  The top-ups, which need the
 * accounts (not distributed), are not run there: their done is NULL.
 */
PG_FUNCTION_INFO_V1(maintain);
Datum
maintain(PG_FUNCTION_ARGS)
{
	int32		batch = PG_ARGISNULL(0) ? 1000 : PG_GETARG_INT32(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz started = GetCurrentTimestamp();
	int64		t;
	OwnerScope	scope;
	bool		skip[PART_COUNT];
	int32		done[PART_COUNT];
	Datum		thresholds;
	bool		quiet = RecoveryInProgress() || flow_catalog()->subscribed;
	bool		distributed;

	if (batch <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch must be positive")));
	InitMaterializedSRF(fcinfo, 0);
	memset(done, 0, sizeof(done));

	/* the two sweepers check for a replica and take their own locks */
	flow_enter_owner(&scope);
	thresholds = Settings(skip);
	distributed = flow_distributed();
	flow_leave_owner(&scope);
	if (distributed)
		skip[PART_TOP_UP] = true;
	if (!skip[PART_VOID])
		done[PART_VOID] = flow_void_insolvent(batch, false);
	if (!skip[PART_LIQUIDATE])
		done[PART_LIQUIDATE] = flow_liquidate_critical(batch);

	if (!quiet)
	{
		flow_enter_owner(&scope);
		t = flow_time_arg(flow_clock_now());
		if (!skip[PART_TOP_UP])
		{
			done[PART_TOP_UP] = TopUps(batch, t);
			(void) Shortfalls(batch, t);
		}
		if (!skip[PART_PAYOUT])
			done[PART_PAYOUT] = Payouts(batch, t, distributed);
		if (!skip[PART_ALERT])
			done[PART_ALERT] = Alerts(batch, t, thresholds, distributed);
		if (distributed)
		{
			/* as the caller, who connects to the workers */
			flow_leave_owner(&scope);
			OnWorkers(batch, skip, done);
			flow_enter_owner(&scope);
		}
		{
			Oid			types[7] = {TIMESTAMPTZOID, INTERVALOID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID};
			Datum		values[7];

			values[0] = TimestampTzGetDatum(started);
			values[1] = DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(GetCurrentTimestamp()),
											TimestampTzGetDatum(started));
			for (int i = 0; i < PART_COUNT; i++)
				values[2 + i] = Int32GetDatum(done[i]);
			if (SPI_execute_plan(flow_plan(PLAN_MAINTENANCE_RUN,
										   "INSERT INTO flowstream.maintenance_runs "
										   "(started_at, duration, voided, liquidated, topped_up, paid_out, alerts) "
										   "VALUES ($1, $2, $3, $4, $5, $6, $7)",
										   7, types),
								 values, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "could not record the maintenance run");
		}
		flow_leave_owner(&scope);
	}

	for (int i = 0; i < PART_COUNT; i++)
	{
		Datum		values[2] = {CStringGetTextDatum(flow_maintenance_parts[i]), Int32GetDatum(done[i])};
		bool		nulls[2] = {false, skip[i]};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
