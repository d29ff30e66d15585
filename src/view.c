/*
 * view.c — the writes of flowstream.streams_now and flowstream.flows_now,
 * the views for SQL and ORMs: INSERT creates a stream or opens a flow,
 * UPDATE of a column calls the operation that column stands for, as the
 * caller, through api.c and api_accounts.c.  Nothing is inferred here: a
 * stream's new rate is applied by the core's rule for rates (pause at 0,
 * restart when paused, else adjust) to the locked row; a flow's rate 0
 * closes it, as DELETE does.
 *
 * The column version is the id of the row's last event: an UPDATE that
 * carries another version than the row has now was computed from a stale
 * read, and is refused (40001) rather than silently reverting what another
 * transaction did.  An UPDATE that leaves version alone works as before.
 */
#include "managed.h"

#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

/* the view's columns, by role */
static const char *const fixed_columns[] = {
	"id", "sender", "token", "transferable", "created_at", "consent_required"
};
static const char *const derived_columns[] = {
	"snapshot_debt", "snapshot_time", "total_debt", "covered_debt", "uncovered_debt",
	"withdrawable", "refundable", "status", "depletion_time"
};

typedef struct ViewRow
{
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	old;			/* NULL on INSERT */
	HeapTuple	new;
} ViewRow;

static Datum
Get(const ViewRow *v, HeapTuple tuple, const char *name, bool *isnull)
{
	int			attnum = SPI_fnumber(v->desc, name);

	if (attnum <= 0)
		elog(ERROR, "column %s of flowstream.%s is missing", name, RelationGetRelationName(v->rel));
	return heap_getattr(tuple, attnum, v->desc, isnull);
}

/* Whether column name of the new row IS DISTINCT FROM the old row's. */
static bool
Changed(const ViewRow *v, const char *name)
{
	int			attnum = SPI_fnumber(v->desc, name);
	Oid			type = TupleDescAttr(v->desc, attnum - 1)->atttypid;
	bool		null1,
				null2;
	Datum		a = heap_getattr(v->old, attnum, v->desc, &null1);
	Datum		b = heap_getattr(v->new, attnum, v->desc, &null2);
	TypeCacheEntry *tc;

	if (null1 || null2)
		return null1 != null2;
	tc = lookup_type_cache(type, TYPECACHE_EQ_OPR_FINFO);
	if (!OidIsValid(tc->eq_opr_finfo.fn_oid))
		elog(ERROR, "type %u has no equality operator", type);
	return !DatumGetBool(FunctionCall2Coll(&tc->eq_opr_finfo,
										   TupleDescAttr(v->desc, attnum - 1)->attcollation,
										   a, b));
}

static void
Refuse(const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s", message),
			 hint ? errhint("%s", hint) : 0));
}

/* The new row's column name, or NULL. */
static Datum
New(const ViewRow *v, const char *name, bool *isnull)
{
	return Get(v, v->new, name, isnull);
}

/* The row id of the view as the caller now sees it, for RETURNING; else new with its id. */
static HeapTuple
Written(const ViewRow *v, int64 id)
{
	char	   *sql = psprintf("SELECT * FROM flowstream.%s v WHERE v.id OPERATOR(pg_catalog.=) $1",
							   RelationGetRelationName(v->rel));
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	HeapTuple	result = NULL;
	int			idcol = SPI_fnumber(v->desc, "id");
	bool		null = false;
	Datum		d = Int64GetDatum(id);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.%s", RelationGetRelationName(v->rel));
	if (SPI_processed == 1)
	{
		Datum	   *vals = palloc(sizeof(Datum) * v->desc->natts);
		bool	   *nulls = palloc(sizeof(bool) * v->desc->natts);

		heap_deform_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, vals, nulls);
		result = SPI_copytuple(heap_form_tuple(v->desc, vals, nulls));
	}
	SPI_finish();
	if (result == NULL)
		result = heap_modify_tuple_by_cols(v->new, v->desc, 1, &idcol, &d, &null);
	return result;
}

static Datum
Insert(const ViewRow *v)
{
	static const char *const not_insertable[] = {
		"id", "snapshot_debt", "total_debt", "covered_debt", "uncovered_debt", "withdrawable",
		"refundable", "status", "depletion_time", "created_at", "version"
	};
	static const char *const insertable =
		"only sender, recipient, token, rate_per_second, snapshot_time (the start), "
		"balance (a first deposit), transferable, void_after, metadata, end_time and "
		"consent_required can be inserted";
	bool		isnull,
				null_rate,
				null_start,
				null_balance,
				null_transferable,
				null_metadata,
				null_grace,
				null_consent;
	Datum		rate,
				start,
				balance,
				transferable,
				metadata,
				grace,
				consent,
				end;
	FlowCreate	c;
	int64		id;

	for (int i = 0; i < (int) lengthof(not_insertable); i++)
	{
		(void) New(v, not_insertable[i], &isnull);
		if (!isnull)
			Refuse(insertable,
				   "The other columns are derived; flowstream.create_stream() is the function behind INSERT.");
	}
	if (DatumGetBool(New(v, "voided", &isnull)) && !isnull)
		Refuse(insertable, "A stream is created live; void it afterwards.");

	memset(&c, 0, sizeof(c));
	c.sender = New(v, "sender", &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sender must not be null")));
	c.recipient = New(v, "recipient", &isnull);
	if (isnull)
		c.null_arg = "recipient";
	c.token = New(v, "token", &c.token_null);
	if (c.token_null && c.null_arg == NULL)
		c.null_arg = "token";
	rate = New(v, "rate_per_second", &null_rate);
	start = New(v, "snapshot_time", &null_start);
	balance = New(v, "balance", &null_balance);
	transferable = New(v, "transferable", &null_transferable);
	metadata = New(v, "metadata", &null_metadata);
	grace = New(v, "void_after", &null_grace);
	consent = New(v, "consent_required", &null_consent);
	end = New(v, "end_time", &isnull);
	c.has_end = !isnull;
	c.end = isnull ? 0 : DatumGetTimestampTz(end);
	c.rate = null_rate ? DirectFunctionCall1(int4_numeric, Int32GetDatum(0)) : rate;
	c.start = null_start ? flow_clock_now() : DatumGetTimestampTz(start);
	c.deposit = null_balance ? DirectFunctionCall1(int4_numeric, Int32GetDatum(0)) : balance;
	c.transferable = null_transferable ? true : DatumGetBool(transferable);
	c.metadata = null_metadata ? DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")) : metadata;
	c.consent_required = !null_consent && DatumGetBool(consent);
	id = flow_call_create(&c);
	/* as with the API: the stream is created with the default grace, then given its own */
	if (!null_grace)
		(void) flow_call(OP_SET_VOID_AFTER, id, grace, false, false, NULL);
	return PointerGetDatum(Written(v, id));
}

/* 40001 when the new row carries another version than the old (a stale read). */
static void
CheckVersion(const ViewRow *v, const char *what, int64 id)
{
	if (Changed(v, "version"))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("%s " INT64_FORMAT " changed since it was read", what, id),
				 errdetail("The row carries version %s; the %s is at version %s.",
						   SPI_getvalue(v->new, v->desc, SPI_fnumber(v->desc, "version")), what,
						   SPI_getvalue(v->old, v->desc, SPI_fnumber(v->desc, "version"))),
				 errhint("Reload the %s and apply the change again.", what)));
}

static Datum
Update(const ViewRow *v)
{
	bool		isnull,
				old_voided,
				new_voided;
	int64		id = DatumGetInt64(Get(v, v->old, "id", &isnull));
	Datum		d;

	CheckVersion(v, "stream", id);
	for (int i = 0; i < (int) lengthof(fixed_columns); i++)
	{
		if (Changed(v, fixed_columns[i]))
			Refuse("id, sender, token, transferable, created_at and consent_required of a stream never change",
				   NULL);
	}
	if (Changed(v, "end_time"))
		Refuse("end_time is not updated directly",
			   "Its parties agree on new terms with flowstream.propose_update(id, rate, end_time) "
			   "and flowstream.confirm_update(id, rate, end_time).");
	if (Changed(v, "balance"))
		Refuse("balance is not updated directly",
			   "Call flowstream.deposit(id, amount), flowstream.withdraw(id, amount) or flowstream.refund(id, amount).");
	for (int i = 0; i < (int) lengthof(derived_columns); i++)
	{
		if (Changed(v, derived_columns[i]))
			Refuse("debts, snapshot and status are derived from the stream's state",
				   "Change rate_per_second (0 pauses), recipient (transfers), voided (voids), void_after or metadata, "
				   "or call flowstream.withdraw(), flowstream.deposit() or flowstream.refund().");
	}
	old_voided = DatumGetBool(Get(v, v->old, "voided", &isnull)) && !isnull;
	new_voided = DatumGetBool(New(v, "voided", &isnull)) && !isnull;
	if (old_voided && !new_voided)
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_VOIDED),
				 errmsg("stream is voided"),
				 errdetail("A voided stream stays voided.")));

	if (Changed(v, "metadata"))
	{
		d = New(v, "metadata", &isnull);
		(void) flow_call(OP_SET_METADATA, id, d, isnull, false, NULL);
	}
	if (Changed(v, "void_after"))
	{
		d = New(v, "void_after", &isnull);
		(void) flow_call(OP_SET_VOID_AFTER, id, d, isnull, false, NULL);
	}
	if (Changed(v, "rate_per_second"))
	{
		d = New(v, "rate_per_second", &isnull);
		flow_call_rate(id, d, isnull);
	}
	if (Changed(v, "recipient"))
	{
		d = New(v, "recipient", &isnull);
		(void) flow_call(OP_TRANSFER, id, (Datum) 0, true, false,
						 isnull ? NULL : TextDatumGetCString(d));
	}
	if (new_voided && !old_voided)
		(void) flow_call(OP_VOID, id, (Datum) 0, true, false, NULL);
	return PointerGetDatum(Written(v, id));
}

/* INSTEAD OF INSERT OR UPDATE OR DELETE on flowstream.streams_now. */
PG_FUNCTION_INFO_V1(streams_now_write);
Datum
streams_now_write(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	ViewRow		v;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_INSTEAD(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "streams_now_write must run as an INSTEAD OF ... FOR EACH ROW trigger");
	if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		Refuse("streams are never deleted",
			   "Void a stream with flowstream.void(id), or UPDATE it with voided = true.");
	v.rel = trig->tg_relation;
	v.desc = RelationGetDescr(v.rel);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		v.old = NULL;
		v.new = trig->tg_trigtuple;
		return Insert(&v);
	}
	v.old = trig->tg_trigtuple;
	v.new = trig->tg_newtuple;
	return Update(&v);
}

/* A flow's text column of the new row; 22004 naming it when it is NULL. */
static const char *
NewText(const ViewRow *v, const char *name)
{
	bool		isnull;
	Datum		d = New(v, name, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return TextDatumGetCString(d);
}

static Datum
FlowInsert(const ViewRow *v)
{
	static const char *const not_insertable[] = {
		"id", "buffer", "status", "opened_at", "closed_at", "version"
	};
	bool		isnull,
				null_rate;
	const char *sender,
			   *receiver,
			   *token;
	Datum		rate;

	for (int i = 0; i < (int) lengthof(not_insertable); i++)
	{
		(void) New(v, not_insertable[i], &isnull);
		if (!isnull)
			Refuse("only sender, receiver, token and rate_per_second can be inserted",
				   "The other columns are derived; flowstream.open_flow() is the function behind INSERT.");
	}
	sender = NewText(v, "sender");
	receiver = NewText(v, "receiver");
	token = NewText(v, "token");
	rate = New(v, "rate_per_second", &null_rate);
	return PointerGetDatum(Written(v, flow_call_flow(OP_OPEN_FLOW, 0, sender, receiver, token,
													 rate, null_rate)));
}

static Datum
FlowUpdate(const ViewRow *v)
{
	static const char *const fixed[] = {"id", "sender", "receiver", "token", "opened_at"};
	static const char *const derived[] = {"buffer", "status", "closed_at"};
	bool		isnull;
	int64		id = DatumGetInt64(Get(v, v->old, "id", &isnull));
	Datum		rate;

	CheckVersion(v, "flow", id);
	for (int i = 0; i < (int) lengthof(fixed); i++)
	{
		if (Changed(v, fixed[i]))
			Refuse("id, sender, receiver, token and opened_at of a flow never change",
				   "Close it and open another.");
	}
	for (int i = 0; i < (int) lengthof(derived); i++)
	{
		if (Changed(v, derived[i]))
			Refuse("buffer, status and closed_at of a flow are derived",
				   "Change rate_per_second (0 closes the flow), or DELETE the row to close it.");
	}
	if (Changed(v, "rate_per_second"))
	{
		rate = New(v, "rate_per_second", &isnull);
		if (!isnull && DatumGetBool(DirectFunctionCall2(numeric_eq, rate,
														DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))))
			(void) flow_call_flow(OP_CLOSE_FLOW, id, NULL, NULL, NULL, (Datum) 0, true);
		else
			(void) flow_call_flow(OP_UPDATE_FLOW, id, NULL, NULL, NULL, rate, isnull);
	}
	return PointerGetDatum(Written(v, id));
}

/* INSTEAD OF INSERT OR UPDATE OR DELETE on flowstream.flows_now. */
PG_FUNCTION_INFO_V1(flows_now_write);
Datum
flows_now_write(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	ViewRow		v;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_INSTEAD(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "flows_now_write must run as an INSTEAD OF ... FOR EACH ROW trigger");
	/* on Citus the view's rows are read back as the caller after the owner wrote them */
	if (flow_distributed())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("writing through flowstream.flows_now is not supported on Citus"),
				 errhint("Call open_flow(), update_flow() and close_flow().")));
	v.rel = trig->tg_relation;
	v.desc = RelationGetDescr(v.rel);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		v.old = NULL;
		v.new = trig->tg_trigtuple;
		return FlowInsert(&v);
	}
	v.old = trig->tg_trigtuple;
	if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
	{
		/* the row stays, closed: DELETE closes the flow */
		(void) flow_call_flow(OP_CLOSE_FLOW, DatumGetInt64(Get(&v, v.old, "id", &isnull)),
							  NULL, NULL, NULL, (Datum) 0, true);
		return PointerGetDatum(v.old);
	}
	v.new = trig->tg_newtuple;
	return FlowUpdate(&v);
}
