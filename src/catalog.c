/*
 * catalog.c — what the managed layer knows of its own objects, looked up
 * once per backend: the schema, the types and the labels of flowstream.op,
 * the tables and their column numbers, the role that owns them, and the
 * prepared statements the layer runs.  PostgreSQL's invalidation callbacks
 * forget it all when any of those objects changes (an upgrade, DROP and
 * CREATE EXTENSION), and the next call looks it up anew.
 *
 * It also runs code as the tables' owner, the way PostgreSQL's own
 * maintenance code does: a local user id change with a security-restricted
 * operation and a pinned search_path, all undone on the way out or by the
 * (sub)transaction's abort.
 */
#include "managed.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_subscription_rel.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

static FlowCatalog catalog;
static SPIPlanPtr plans[PLAN_COUNT];
static uint32 plans_generation[PLAN_COUNT];
static bool callbacks_registered = false;

/* Any change to a relation, a type, an enum or a role: look everything up again. */
static void
ForgetRelation(Datum arg, Oid relid)
{
	(void) arg;
	if (!catalog.valid)
		return;
	if (relid == InvalidOid || relid == catalog.streams || relid == catalog.events ||
		relid == catalog.tokens || relid == catalog.settings || relid == catalog.accounts ||
		relid == catalog.flows || relid == catalog.operators)
		catalog.valid = false;
}

static void
ForgetAll(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	catalog.valid = false;
}

/*
 * An object the layer needs is missing: the SQL objects are older than
 * this library (a new library before ALTER EXTENSION ... UPDATE).
 */
static void
OlderThanLibrary(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("flowstream's tables are older than its library"),
			 errdetail("%s is missing.", what),
			 errhint("Run ALTER EXTENSION flowstream UPDATE.")));
}

static Oid
LookupTable(Oid schema, const char *name)
{
	Oid			relid = get_relname_relid(name, schema);

	if (!OidIsValid(relid))
		OlderThanLibrary(psprintf("Table flowstream.%s", name));
	return relid;
}

static Oid
LookupType(Oid schema, const char *name)
{
	Oid			typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										 CStringGetDatum(name), ObjectIdGetDatum(schema));

	if (!OidIsValid(typoid))
		OlderThanLibrary(psprintf("Type flowstream.%s", name));
	return typoid;
}

/* A column the layer needs. */
static AttrNumber
Column(Oid relid, const char *table, const char *name)
{
	AttrNumber	attnum = get_attnum(relid, name);

	if (attnum == InvalidAttrNumber)
		OlderThanLibrary(psprintf("Column %s of flowstream.%s", name, table));
	return attnum;
}

/* Whether a subscription of this database replicates into relation relid. */
static bool
Subscribed(Oid relid)
{
	Relation	rel = table_open(SubscriptionRelRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	ScanKeyInit(&key, Anum_pg_subscription_rel_srrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, SubscriptionRelSrrelidSrsubidIndexId, true, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* The catalog, looked up now if anything changed since the last time. */
const FlowCatalog *
flow_catalog(void)
{
	FlowCatalog c;
	HeapTuple	tuple;

	if (catalog.valid)
		return &catalog;
	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(ForgetRelation, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, ForgetAll, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, ForgetAll, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, ForgetAll, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, ForgetAll, (Datum) 0);
		CacheRegisterSyscacheCallback(SUBSCRIPTIONRELMAP, ForgetAll, (Datum) 0);
		callbacks_registered = true;
	}

	memset(&c, 0, sizeof(c));
	c.schema = get_namespace_oid("flowstream", false);
	c.stream_type = LookupType(c.schema, "stream");
	c.op_type = LookupType(c.schema, "op");
	c.account_type = LookupType(c.schema, "account");
	for (int op = 0; op < OP_COUNT; op++)
	{
		c.op_label[op] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
										 ObjectIdGetDatum(c.op_type),
										 CStringGetDatum(flow_ops[op].label));
		if (!OidIsValid(c.op_label[op]))
			OlderThanLibrary(psprintf("Label %s of flowstream.op", flow_ops[op].label));
	}

	c.streams = LookupTable(c.schema, "streams");
	c.events = LookupTable(c.schema, "events");
	c.tokens = LookupTable(c.schema, "tokens");
	c.settings = LookupTable(c.schema, "settings");
	c.accounts = LookupTable(c.schema, "accounts");
	c.flows = LookupTable(c.schema, "flows");
	c.operators = LookupTable(c.schema, "operators");
	c.accounts_seq = LookupTable(c.schema, "accounts_id_seq");
	c.flows_seq = LookupTable(c.schema, "flows_id_seq");

	c.s_id = Column(c.streams, "streams", "id");
	c.s_state = Column(c.streams, "streams", "state");
	c.s_first_event = Column(c.streams, "streams", "first_event");
	c.s_last_event = Column(c.streams, "streams", "last_event");
	c.s_created_at = Column(c.streams, "streams", "created_at");
	c.s_transferable = Column(c.streams, "streams", "transferable");
	c.s_sender = Column(c.streams, "streams", "sender");
	c.s_recipient = Column(c.streams, "streams", "recipient");
	c.s_token = Column(c.streams, "streams", "token");
	c.s_void_after = Column(c.streams, "streams", "void_after");
	c.s_due_at = Column(c.streams, "streams", "due_at");
	c.s_metadata = Column(c.streams, "streams", "metadata");
	c.s_consent_required = Column(c.streams, "streams", "consent_required");
	c.s_proposed_rate = Column(c.streams, "streams", "proposed_rate");
	c.s_proposed_end = Column(c.streams, "streams", "proposed_end");
	c.s_proposed_by = Column(c.streams, "streams", "proposed_by");
	c.s_depletes_at = Column(c.streams, "streams", "depletes_at");
	c.s_top_up_keep = Column(c.streams, "streams", "top_up_keep");
	c.s_top_up_at = Column(c.streams, "streams", "top_up_at");

	c.e_id = Column(c.events, "events", "id");
	c.e_stream_id = Column(c.events, "events", "stream_id");
	c.e_op = Column(c.events, "events", "op");
	c.e_actor = Column(c.events, "events", "actor");
	c.e_amount = Column(c.events, "events", "amount");
	c.e_destination = Column(c.events, "events", "destination");
	c.e_at = Column(c.events, "events", "at");
	c.e_state = Column(c.events, "events", "state");
	c.e_void_after = Column(c.events, "events", "void_after");
	c.e_metadata = Column(c.events, "events", "metadata");
	c.e_account_id = Column(c.events, "events", "account_id");
	c.e_account = Column(c.events, "events", "account");
	c.e_peer_id = Column(c.events, "events", "peer_id");
	c.e_peer = Column(c.events, "events", "peer");
	c.e_flow_id = Column(c.events, "events", "flow_id");
	c.e_flow_buffer = Column(c.events, "events", "flow_buffer");
	c.e_end_at = Column(c.events, "events", "end_at");
	c.e_on_behalf_of = Column(c.events, "events", "on_behalf_of");
	c.e_consent_required = Column(c.events, "events", "consent_required");
	c.e_every = Column(c.events, "events", "every");

	c.a_id = Column(c.accounts, "accounts", "id");
	c.a_state = Column(c.accounts, "accounts", "state");
	c.a_last_event = Column(c.accounts, "accounts", "last_event");
	c.a_party = Column(c.accounts, "accounts", "party");
	c.f_id = Column(c.flows, "flows", "id");
	c.f_rate = Column(c.flows, "flows", "rate");
	c.f_buffer = Column(c.flows, "flows", "buffer");
	c.f_last_event = Column(c.flows, "flows", "last_event");
	c.f_closed_at = Column(c.flows, "flows", "closed_at");

	/* the role the layer writes as: whoever owns the streams */
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(c.streams));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", c.streams);
	c.owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);

	c.subscribed = Subscribed(c.streams) || Subscribed(c.events) || Subscribed(c.tokens) ||
		Subscribed(c.settings) || Subscribed(c.accounts) || Subscribed(c.flows);
	c.account_keys = get_relname_relid("account_keys", c.schema);
	c.e_place = get_attnum(c.events, "place");
	c.app_role = get_role_oid("flowstream_app", true);
	c.admin_role = get_role_oid("flowstream_admin", true);

	c.generation = catalog.generation + 1;
	c.valid = true;
	catalog = c;
	return &catalog;
}

/*
 * Refuses to write flowstream's tables where they are replicated into by
 * logical replication: the publisher writes them, and rows written here
 * would make the two diverge (a physical replica refuses writes by itself).
 */
void
flow_check_writable(void)
{
	if (flow_catalog()->subscribed)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("flowstream's tables in this database are a subscriber's"),
				 errdetail("A subscription replicates them from a publisher, which writes them."),
				 errhint("Call the API on the publisher.")));
}

/* The op of a flowstream.op label's OID. */
FlowOp
flow_op_of_label(Oid label)
{
	const FlowCatalog *c = flow_catalog();

	for (int op = 0; op < OP_COUNT; op++)
	{
		if (c->op_label[op] == label)
			return (FlowOp) op;
	}
	elog(ERROR, "unknown label %u of flowstream.op", label);
	return OP_COUNT;			/* keep the compiler quiet */
}

/*
 * A statement prepared once per backend and kept; prepared again when the
 * catalog was looked up anew (its parameters may be of types that no
 * longer exist).  Must run inside SPI.
 */
SPIPlanPtr
flow_plan(int slot, const char *sql, int nargs, const Oid *argtypes)
{
	const FlowCatalog *c = flow_catalog();

	if (plans[slot] == NULL || plans_generation[slot] != c->generation)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, (Oid *) argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if (plans[slot] != NULL)
			SPI_freeplan(plans[slot]);
		plans[slot] = plan;
		plans_generation[slot] = c->generation;
	}
	return plans[slot];
}

/*
 * Runs as the tables' owner until flow_leave_owner(): a local user id change
 * and a security-restricted operation (no SET ROLE, no temporary objects,
 * nothing that outlives the call), with a search_path of pg_catalog only.
 * An error unwinds it all with the (sub)transaction.
 */
void
flow_enter_owner(OwnerScope *scope)
{
	const FlowCatalog *c = flow_catalog();

	GetUserIdAndSecContext(&scope->save_user, &scope->save_sec);
	SetUserIdAndSecContext(c->owner, scope->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	scope->guc_nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
flow_leave_owner(OwnerScope *scope)
{
	SPI_finish();
	AtEOXact_GUC(true, scope->guc_nest);
	SetUserIdAndSecContext(scope->save_user, scope->save_sec);
}

/*
 * Whether flowstream.distribute() has placed the tables on a Citus cluster:
 * it creates account_keys in the same transaction as it distributes them,
 * and the catalog, looked up again whenever flowstream's tables change,
 * finds it (InvalidOid without).  On every node of the cluster: Citus
 * copies a reference table's definition to the workers.
 */
bool
flow_distributed(void)
{
	return OidIsValid(flow_catalog()->account_keys);
}

/*
 * Whether rel's row is written by another node of a Citus cluster, as the
 * tables' owner (or a superuser): the API of accounts runs on the
 * coordinator, as the owner, and Citus sends its writes to the worker that
 * holds each row over a connection of its own, as that role; distribute()
 * copies the rows a table had into its shards so.  The guards trust such a
 * write as they trust their own backend's: only the owner can write the
 * tables at all, and the owner could as well disable their triggers.
 */
bool
flow_citus_owner_write(Relation rel)
{
	return flow_distributed() &&
		has_privs_of_role(GetUserId(), rel->rd_rel->relowner) &&
		application_name != NULL &&
		strncmp(application_name, "citus_internal gpid=", 20) == 0;
}

/*
 * Whether events and runway alerts are notifications: settings.notifications,
 * on without a settings row.  Read once per catalog: a change to the settings
 * invalidates the catalog in every session (settings_guard), and the value is
 * read with the latest snapshot, so that a session whose transaction began
 * before the change committed does not keep the old value past it.  Runs in
 * an SPI connection, as the owner.
 */
bool
flow_notifications(void)
{
	static uint32 generation = 0;
	static bool notifications = true;
	const FlowCatalog *c = flow_catalog();

	if (generation != c->generation)
	{
		bool		isnull;

		if (SPI_execute_snapshot(flow_plan(PLAN_NOTIFICATIONS,
										   "SELECT notifications FROM flowstream.settings", 0, NULL),
								 NULL, NULL, GetLatestSnapshot(), InvalidSnapshot, true, false, 1)
			!= SPI_OK_SELECT)
			elog(ERROR, "could not read flowstream.settings");
		notifications = SPI_processed == 0 ||
			DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		generation = c->generation;
	}
	return notifications;
}

/*
 * On Citus: the shards of flowstream.<table> placed on this node, each with
 * the shard of flowstream.<with> colocated with it, in the order of their
 * hash ranges.  The sweeper and the maintenance job of a node read its own
 * shards directly: Citus refuses FOR UPDATE SKIP LOCKED over a distributed
 * table, and a shard is a plain table of its node, where SKIP LOCKED skips
 * what users hold as it does on a single node.  Runs in an SPI connection,
 * as the owner; the list lives as long as that connection.
 */
List *
flow_local_shards(const char *table, const char *with)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(psprintf("flowstream.%s", table)),
	CStringGetTextDatum(psprintf("flowstream.%s", with))};
	List	   *shards = NIL;

	if (SPI_execute_with_args("SELECT pg_catalog.shard_name(s.logicalrelid, s.shardid), "
							  "pg_catalog.shard_name(w.logicalrelid, w.shardid) "
							  "FROM pg_catalog.pg_dist_shard s "
							  "JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid "
							  "JOIN pg_catalog.pg_dist_shard w "
							  "ON w.logicalrelid OPERATOR(pg_catalog.=) $2::pg_catalog.regclass "
							  "AND w.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue "
							  "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "AND p.groupid OPERATOR(pg_catalog.=) "
							  "(SELECT groupid FROM pg_catalog.pg_dist_local_group) "
							  "ORDER BY s.shardminvalue::pg_catalog.int4",
							  2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the shards of flowstream.%s", table);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		FlowShard  *shard = (FlowShard *) palloc(sizeof(FlowShard));

		shard->name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		shard->with = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		shards = lappend(shards, shard);
	}
	return shards;
}

/*
 * On Citus: the rows of flowstream.<table> on this node, the union of its
 * shards here, as a derived table for a query's FROM; NULL when it holds
 * none.  In an SPI connection, as the owner.
 */
char *
flow_local_rows(const char *table)
{
	List	   *shards = flow_local_shards(table, table);
	StringInfoData rows;
	ListCell   *lc;

	if (shards == NIL)
		return NULL;
	initStringInfo(&rows);
	appendStringInfoChar(&rows, '(');
	foreach(lc, shards)
	{
		if (lc != list_head(shards))
			appendStringInfoString(&rows, " UNION ALL ");
		appendStringInfo(&rows, "SELECT * FROM %s", ((FlowShard *) lfirst(lc))->name);
	}
	appendStringInfoChar(&rows, ')');
	return rows.data;
}

/*
 * On Citus: whether this node is the coordinator (its group is 0).  In an
 * SPI connection.
 */
bool
flow_citus_coordinator(void)
{
	bool		isnull;

	if (SPI_execute("SELECT groupid OPERATOR(pg_catalog.=) 0 FROM pg_catalog.pg_dist_local_group",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_dist_local_group");
	return SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * On a Citus coordinator: runs command on every worker, each in a
 * connection and a transaction of its own (run_command_on_workers), as the
 * caller, and returns the results of those where it succeeded; a worker
 * where it failed is a warning, and the others' work stands.  NIL on any
 * other node.  Nothing is locked across the nodes: each worker's run takes
 * its own locks.
 */
List *
flow_on_workers(const char *command)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(command)};
	List	   *results = NIL;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (flow_citus_coordinator())
	{
		if (SPI_execute_with_args("SELECT nodename, nodeport, success, result "
								  "FROM pg_catalog.run_command_on_workers($1) ORDER BY 1, 2",
								  1, types, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not run \"%s\" on the workers", command);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			char	   *result = SPI_getvalue(row, desc, 4);

			if (DatumGetBool(SPI_getbinval(row, desc, 3, &isnull)))
			{
				MemoryContext old = MemoryContextSwitchTo(caller);

				results = lappend(results, pstrdup(result ? result : ""));
				MemoryContextSwitchTo(old);
			}
			else
				ereport(WARNING,
						(errmsg("\"%s\" failed on worker %s:%s", command, SPI_getvalue(row, desc, 1),
								SPI_getvalue(row, desc, 2)),
						 errdetail("%s", result ? result : "No message.")));
		}
	}
	SPI_finish();
	return results;
}

/*
 * The last id flowstream.streams' identity column handed out, 0 when none
 * yet (as its owner, in an SPI connection).
 */
int64
flow_last_stream_id(void)
{
	const FlowCatalog *c = flow_catalog();
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(getIdentitySequence(c->streams, c->s_id, false))};
	Datum		last;
	bool		isnull;

	if (SPI_execute_with_args("SELECT pg_catalog.pg_sequence_last_value($1)",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the last stream id");
	last = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(last);
}

/* The sequence of the identity column attnum of table rel. */
Oid
flow_identity_sequence(Oid rel, AttrNumber attnum)
{
	return getIdentitySequence(rel, attnum, false);
}

/* The next id of flowstream.streams' identity column (as its owner). */
int64
flow_next_stream_id(void)
{
	const FlowCatalog *c = flow_catalog();

	return DatumGetInt64(DirectFunctionCall1(nextval_oid,
											 ObjectIdGetDatum(flow_identity_sequence(c->streams,
																					 c->s_id))));
}
