/*
 * apply_accounts.c — one operation on accounts and a flow (SPEC §6), on
 * locked rows: the accounts it touches are created when a party uses one
 * for the first time, locked in the order of their ids (so that two API
 * calls never deadlock), read, given to the core's flow_apply_account(),
 * and written back with the event, all as the tables' owner.  The guard on
 * flowstream.accounts and flowstream.flows lets through only what this
 * file writes, and a restore.
 *
 * An account's row keeps open_outflows and critical_at beside its state:
 * the critical time of an account with open outgoing flows, which the
 * liquidation finds through an index.
 *
 * On Citus (distribute()) accounts are placed by id and these functions
 * run on the coordinator: an account's id comes from the reference table
 * account_keys, and each row is locked by a statement of its own, which
 * Citus sends to the node that holds it.
 */
#include "managed.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

/* how many of this file's writes of accounts or flows are under way */
static int	writing_accounts = 0;

/* Whether the write now under way into accounts or flows is one of ours. */
bool
flow_writing_accounts(void)
{
	return writing_accounts > 0;
}

/* Runs one of this file's statements; its trigger lets it through. */
static int
Write(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	volatile int rc = 0;

	writing_accounts++;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_accounts--;
	}
	PG_END_TRY();
	return rc;
}

/*
 * The token's decimals and buffer settings; false for a token nobody
 * registered.  *reward receives the party paid the unburnt buffer of a
 * liquidation, or NULL.
 */
static bool
TokenPolicy(const char *token, int *decimals, AccountPolicy *policy, char **reward)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(token)};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	FlowGrace	period;
	U256		min_buffer;
	__int128	usecs;

	if (SPI_execute_plan(flow_plan(PLAN_TOKEN_POLICY,
								   "SELECT decimals, buffer_period, min_buffer, liquidation_reward "
								   "FROM flowstream.tokens WHERE token OPERATOR(pg_catalog.=) $1",
								   1, types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.tokens");
	if (SPI_processed == 0)
		return false;
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	*decimals = DatumGetInt16(SPI_getbinval(tuple, desc, 1, &isnull));
	flow_grace_of(SPI_getbinval(tuple, desc, 2, &isnull), &period);
	usecs = flow_grace_usecs(&period);
	policy->buffer_period = usecs > INT64_MAX ? INT64_MAX : usecs < 0 ? -1 : (int64) usecs;
	if (!numeric_to_units(SPI_getbinval(tuple, desc, 3, &isnull), *decimals, &min_buffer) ||
		!u256_fits_u128(&min_buffer) || u256_low128(&min_buffer) > I127_MAX)
		policy->min_buffer = U128_MAX;	/* the core refuses it: FLOW_ERR_BUFFER_POLICY */
	else
		policy->min_buffer = u256_low128(&min_buffer);
	*reward = SPI_getvalue(tuple, desc, 4);
	return true;
}

static void
UnknownToken(const char *token)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown token \"%s\"", token),
			 errhint("Tokens are registered in flowstream.tokens.")));
}

/* The token's decimals and buffer settings: 22023 for a token nobody registered. */
void
flow_token_policy(const char *token, int *decimals, AccountPolicy *policy, char **reward)
{
	if (!TokenPolicy(token, decimals, policy, reward))
		UnknownToken(token);
}

/*
 * On Citus, where accounts are placed by id and no index of theirs can hold
 * (party, token) unique across the nodes, reserves a new account's id in
 * the reference table account_keys: false when another transaction has
 * reserved one (its key made this one wait until it committed).
 */
static bool
ReserveAccountKey(Datum *values, int64 id)
{
	Oid			types[3] = {TEXTOID, TEXTOID, INT8OID};
	Datum		args[3] = {values[0], values[1], Int64GetDatum(id)};

	if (SPI_execute_plan(flow_plan(PLAN_INSERT_ACCOUNT_KEY,
								   "INSERT INTO flowstream.account_keys (party, token, id) "
								   "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", 3, types),
						 args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into flowstream.account_keys");
	return SPI_processed == 1;
}

/*
 * The id of party's account of token, 0 when there is none.  With create,
 * a missing one is reserved first, and a new id is taken (*created says
 * so); the row is written with the operation.  Those who would create one
 * account wait for each other, then look again with a new snapshot: on a
 * single node an advisory lock on the party and the token serializes them;
 * on Citus the key of account_keys, where the ids are looked up.  Under
 * REPEATABLE READ or SERIALIZABLE the second cannot see the account the
 * first committed: on a single node WriteAccount() turns that into a
 * serialization failure, on Citus this function does.
 */
static int64
AccountId(const char *party, const char *token, bool create, bool *created)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(party), CStringGetTextDatum(token)};
	bool		placed = flow_distributed();
	SPIPlanPtr	plan = placed ?
		flow_plan(PLAN_ACCOUNT_KEY,
				  "SELECT id FROM flowstream.account_keys "
				  "WHERE party OPERATOR(pg_catalog.=) $1 AND token OPERATOR(pg_catalog.=) $2",
				  2, types) :
		flow_plan(PLAN_ACCOUNT_IDS,
				  "SELECT id FROM flowstream.accounts "
				  "WHERE party OPERATOR(pg_catalog.=) $1 AND token OPERATOR(pg_catalog.=) $2",
				  2, types);
	bool		isnull;
	int64		id;

	*created = false;
	for (int pass = 0; pass < 2; pass++)
	{
		if (SPI_execute_plan(plan, values, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not look up an account");
		if (SPI_processed == 1)
			return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (!create)
			return 0;
		if (pass == 1)
			break;
		if (placed)
		{
			id = DatumGetInt64(DirectFunctionCall1(nextval_oid,
												   ObjectIdGetDatum(flow_catalog()->accounts_seq)));
			if (ReserveAccountKey(values, id))
			{
				*created = true;
				return id;
			}
		}
		else
		{
			uint64		key = hash_bytes_extended((const unsigned char *) party, (int) strlen(party),
												  hash_bytes((const unsigned char *) token,
															 (int) strlen(token)));

			(void) DirectFunctionCall1(pg_advisory_xact_lock_int8, Int64GetDatum((int64) key));
		}
	}
	if (placed)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent creation of the account of \"%s\" in %s",
						party, token),
				 errhint("Retry the transaction.")));
	*created = true;
	return DatumGetInt64(DirectFunctionCall1(nextval_oid,
											 ObjectIdGetDatum(flow_catalog()->accounts_seq)));
}

/* Reads row r of SPI_tuptable, account id's, into the slots of ids that name it. */
static void
ReadLockedAccount(uint64 r, const int64 *ids, int n, Account *states, int *outflows)
{
	HeapTuple	tuple = SPI_tuptable->vals[r];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	int64		id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));

	for (int i = 0; i < n; i++)
	{
		if (ids[i] != id)
			continue;
		flow_account_arg(SPI_getbinval(tuple, desc, 2, &isnull), &states[i]);
		outflows[i] = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
	}
}

/*
 * LockAccounts() on Citus: one statement per account, each sent to the
 * node that holds it (Citus locks rows only within one shard), in the
 * order of their ids.
 */
static void
LockPlacedAccounts(Datum *elems, int m, const int64 *ids, int n, Account *states, int *outflows)
{
	Oid			types[1] = {INT8OID};

	if (m == 2 && DatumGetInt64(elems[0]) > DatumGetInt64(elems[1]))
	{
		Datum		first = elems[1];

		elems[1] = elems[0];
		elems[0] = first;
	}
	for (int k = 0; k < m; k++)
	{
		if (SPI_execute_plan(flow_plan(PLAN_LOCK_ACCOUNT,
									   "SELECT id, state, open_outflows FROM flowstream.accounts "
									   "WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, types),
							 &elems[k], NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not lock accounts");
		if (SPI_processed != 1)
			elog(ERROR, "an account vanished while it was locked");
		ReadLockedAccount(0, ids, n, states, outflows);
	}
}

/*
 * Locks the existing accounts among ids (at most two; 0 for none; an id
 * may repeat) in the order of their ids, and reads their states and open
 * outgoing flows.
 */
static void
LockAccounts(const int64 *ids, int n, Account *states, int *outflows)
{
	Datum		elems[2];
	int			m = 0;
	ArrayType  *arr;
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];

	for (int i = 0; i < n; i++)
	{
		bool		seen = ids[i] == 0;

		for (int j = 0; j < i && !seen; j++)
			seen = ids[j] == ids[i];
		if (!seen)
			elems[m++] = Int64GetDatum(ids[i]);
	}
	if (m == 0)
		return;
	if (flow_distributed())
	{
		LockPlacedAccounts(elems, m, ids, n, states, outflows);
		return;
	}
	arr = construct_array(elems, m, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	values[0] = PointerGetDatum(arr);
	if (SPI_execute_plan(flow_plan(PLAN_LOCK_ACCOUNTS,
								   "SELECT id, state, open_outflows FROM flowstream.accounts "
								   "WHERE id OPERATOR(pg_catalog.=) ANY ($1) "
								   "ORDER BY id FOR UPDATE", 1, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock accounts");
	if ((int) SPI_processed < m)
		elog(ERROR, "an account vanished while it was locked");
	for (uint64 r = 0; r < SPI_processed; r++)
		ReadLockedAccount(r, ids, n, states, outflows);
}

/*
 * Flow id's accounts and token, read without a lock: they never change.
 * SF001 when there is no such flow.
 */
static void
FlowAccounts(int64 id, int64 *sender_account, int64 *receiver_account, char **sender,
			 char **receiver, char **token)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;

	if (SPI_execute_plan(flow_plan(PLAN_FLOW_ACCOUNTS,
								   "SELECT sender_account, receiver_account, sender, receiver, token "
								   "FROM flowstream.flows WHERE id OPERATOR(pg_catalog.=) $1",
								   1, types),
						 values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.flows");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_NOT_FOUND),
				 errmsg("flow " INT64_FORMAT " does not exist", id)));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	*sender_account = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	*receiver_account = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
	*sender = SPI_getvalue(tuple, desc, 3);
	*receiver = SPI_getvalue(tuple, desc, 4);
	*token = SPI_getvalue(tuple, desc, 5);
}

/*
 * Locks flow id, whose accounts the caller holds locked (every writer of a
 * flow locks its accounts first, so this never waits), and reads its rate
 * and buffer at the token's decimals.
 */
static void
LockFlow(int64 id, int64 sender_account, int decimals, AccountFlow *f)
{
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2] = {Int64GetDatum(id), Int64GetDatum(sender_account)};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	U256		rate;

	if (SPI_execute_plan(flow_plan(PLAN_LOCK_FLOW,
								   "SELECT rate, buffer FROM flowstream.flows "
								   "WHERE id OPERATOR(pg_catalog.=) $1 "
								   "AND sender_account OPERATOR(pg_catalog.=) $2 FOR UPDATE",
								   2, types),
						 values, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not lock flow " INT64_FORMAT, id);
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	memset(f, 0, sizeof(*f));
	if (!numeric_to_units(SPI_getbinval(tuple, desc, 1, &isnull), FLOW_RATE_SCALE, &rate) ||
		!u256_fits_u128(&rate) || u256_low128(&rate) > I127_MAX)
		elog(ERROR, "flow " INT64_FORMAT " has a rate that is not a rate", id);
	f->rate = u256_low128(&rate);
	if (!numeric_to_units(SPI_getbinval(tuple, desc, 2, &isnull), decimals, &f->buffer))
		elog(ERROR, "flow " INT64_FORMAT " has a buffer that is not an amount", id);
}

/* The stored critical time of an account: NULL without open outgoing flows. */
Datum
flow_critical_at(const Account *a, int open_outflows, bool *isnull)
{
	int64		at = 0;

	*isnull = true;
	if (open_outflows <= 0)
		return (Datum) 0;
	switch (account_critical_time(a, &at))
	{
		case ACCOUNT_TIME_NEVER:
			return (Datum) 0;
		case ACCOUNT_TIME_BEYOND:
			*isnull = false;
			return TimestampTzGetDatum(DT_NOEND);
		case ACCOUNT_TIME_ALREADY:
		case ACCOUNT_TIME_AT:
			break;
	}
	*isnull = false;
	return TimestampTzGetDatum(at);
}

/* a new account's row; on a single node with ON CONFLICT (WriteAccount()) */
#define INSERT_ACCOUNT "INSERT INTO flowstream.accounts " \
	"(id, state, first_event, last_event, open_outflows, critical_at, party, token) " \
	"VALUES ($1, $2, $3, $3, $4, $5, $6, $7)"

/* Writes an account's row: a new one with its first event, or its new state. */
static void
WriteAccount(int64 id, bool created, const char *party, const char *token, const Account *a,
			 int open_outflows, int64 event_id)
{
	Datum		values[7];
	char		nulls[7] = "       ";
	bool		isnull;

	values[0] = Int64GetDatum(id);
	values[1] = flow_account_datum(a);
	values[2] = Int64GetDatum(event_id);
	values[3] = Int32GetDatum(open_outflows);
	values[4] = flow_critical_at(a, open_outflows, &isnull);
	if (isnull)
		nulls[4] = 'n';
	if (created)
	{
		Oid			types[7] = {INT8OID, flow_catalog()->account_type, INT8OID, INT4OID,
		TIMESTAMPTZOID, TEXTOID, TEXTOID};

		/*
		 * AccountId() serializes those who create one account, and looks
		 * again once it waited; but a REPEATABLE READ or SERIALIZABLE
		 * snapshot cannot see the row the other one committed meanwhile.
		 * ON CONFLICT DO NOTHING turns that into what those isolation
		 * levels promise: a serialization failure (40001) to retry, not a
		 * unique violation.
		 */
		SPIPlanPtr	plan;

		values[5] = CStringGetTextDatum(party);
		values[6] = CStringGetTextDatum(token);
		/* on Citus account_keys holds (party, token) unique, and serialized them */
		if (flow_distributed())
			plan = flow_plan(PLAN_INSERT_ACCOUNT_PLACED, INSERT_ACCOUNT, 7, types);
		else
			plan = flow_plan(PLAN_INSERT_ACCOUNT, INSERT_ACCOUNT " ON CONFLICT (party, token) DO NOTHING",
							 7, types);
		if (Write(plan, values, nulls) != SPI_OK_INSERT || SPI_processed != 1)
			elog(ERROR, "could not insert account " INT64_FORMAT, id);
	}
	else
	{
		Oid			types[5] = {INT8OID, flow_catalog()->account_type, INT8OID, INT4OID,
		TIMESTAMPTZOID};

		if (Write(flow_plan(PLAN_UPDATE_ACCOUNT,
							"UPDATE flowstream.accounts SET state = $2, last_event = $3, "
							"open_outflows = $4, critical_at = $5 "
							"WHERE id OPERATOR(pg_catalog.=) $1", 5, types),
				  values, nulls) != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "could not update account " INT64_FORMAT, id);
	}
}

/* Writes a flow's row: a new one, or its new rate and buffer (closed at 0). */
static void
WriteFlow(AccountCall *call, int64 id, const OpFlow *f, int64 sender_account,
		  int64 receiver_account, int64 event_id)
{
	Datum		values[10];
	char		nulls[10] = "          ";

	values[0] = Int64GetDatum(id);
	values[1] = rate_to_numeric(f->state.rate);
	values[2] = units_to_numeric(&f->state.buffer, call->decimals, call->decimals);
	values[3] = Int64GetDatum(event_id);
	values[4] = TimestampTzGetDatum(call->at);
	if (call->op == OP_OPEN_FLOW)
	{
		Oid			types[10] = {INT8OID, NUMERICOID, NUMERICOID, INT8OID, TIMESTAMPTZOID,
		INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID};

		values[5] = Int64GetDatum(sender_account);
		values[6] = Int64GetDatum(receiver_account);
		values[7] = CStringGetTextDatum(f->sender);
		values[8] = CStringGetTextDatum(f->receiver);
		values[9] = CStringGetTextDatum(call->token);
		if (Write(flow_plan(PLAN_INSERT_FLOW,
							"INSERT INTO flowstream.flows (id, rate, buffer, first_event, last_event, "
							"opened_at, sender_account, receiver_account, sender, receiver, token) "
							"VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10)",
							10, types),
				  values, nulls) != SPI_OK_INSERT || SPI_processed != 1)
			elog(ERROR, "could not insert flow " INT64_FORMAT, id);
	}
	else
	{
		Oid			types[7] = {INT8OID, NUMERICOID, NUMERICOID, INT8OID, TIMESTAMPTZOID, BOOLOID,
		INT8OID};

		/* with its sender's account, by which Citus places it */
		values[5] = BoolGetDatum(f->state.rate == 0);
		values[6] = Int64GetDatum(sender_account);
		if (Write(flow_plan(PLAN_UPDATE_FLOW,
							"UPDATE flowstream.flows SET rate = $2, buffer = $3, last_event = $4, "
							"closed_at = CASE WHEN $6 THEN $5 END "
							"WHERE id OPERATOR(pg_catalog.=) $1 "
							"AND sender_account OPERATOR(pg_catalog.=) $7", 7, types),
				  values, nulls) != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "could not update flow " INT64_FORMAT, id);
	}
}

/* Whether an open flow joins sender and receiver in token already. */
static bool
OpenFlowExists(const char *sender, const char *receiver, const char *token)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3] = {CStringGetTextDatum(sender), CStringGetTextDatum(receiver),
	CStringGetTextDatum(token)};

	if (SPI_execute_plan(flow_plan(PLAN_OPEN_FLOW_OF,
								   "SELECT 1 FROM flowstream.flows WHERE sender OPERATOR(pg_catalog.=) $1 "
								   "AND receiver OPERATOR(pg_catalog.=) $2 "
								   "AND token OPERATOR(pg_catalog.=) $3 AND closed_at IS NULL",
								   3, types),
						 values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read flowstream.flows");
	return SPI_processed > 0;
}

/* The account whose last operation is latest, for SF010's message. */
static const Account *
Latest(const OpAccount *a, const OpAccount *b)
{
	return b != NULL && b->state.last > a->state.last ? &b->state : &a->state;
}

/*
 * Applies call to its accounts and flow: locks, the core, the event, the
 * rows.
 */
void
flow_apply_account_call(AccountCall *call)
{
	const OpInfo *info = &flow_ops[call->op];
	bool		on_flow = info->kind == KIND_FLOW;
	bool		has_peer = call->op == OP_ACCOUNT_TRANSFER || on_flow;
	OpAccount	a,
				b;
	OpFlow		f;
	OpActor		actor;
	int64		ids[2] = {0, 0};
	bool		created[2] = {false, false};
	Account		states[2];
	int			outflows[2] = {0, 0};
	AccountPolicy policy;
	char	   *reward;
	FlowEvent	ev;
	FlowError	err;
	int64		t;

	flow_check_writable();
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&f, 0, sizeof(f));
	memset(states, 0, sizeof(states));

	/* the accounts: a flow's, or the parties' (a deposit may make the first) */
	if (on_flow && call->op != OP_OPEN_FLOW)
	{
		char	   *sender,
				   *receiver,
				   *token;

		FlowAccounts(call->flow_id, &ids[0], &ids[1], &sender, &receiver, &token);
		call->party = sender;
		call->peer_party = receiver;
		call->token = token;
	}
	memset(&actor, 0, sizeof(actor));
	actor.name = call->actor;
	actor.system = call->system;
	actor.refused = call->actor_problem != ACTOR_OK;
	actor.as_sender = strcmp(call->actor, call->party) == 0;
	actor.as_recipient = has_peer && strcmp(call->actor, call->peer_party) == 0;

	/* an unknown token is an argument's error: who may act ranks before it (SPEC §5) */
	if (!TokenPolicy(call->token, &call->decimals, &policy, &reward))
	{
		if (!actor.refused && !actor.system && !flow_may_act(call->op, &actor, true))
			flow_operator_grants(&actor, call->party, has_peer ? call->peer_party : NULL, call->token);
		if (!flow_may_act(call->op, &actor, true))
			flow_report_account(FLOW_ERR_NOT_ALLOWED, call, NULL, 0);
		UnknownToken(call->token);
	}
	if (ids[0] == 0)
	{
		ids[0] = AccountId(call->party, call->token,
						   call->op == OP_ACCOUNT_DEPOSIT || call->op == OP_OPEN_FLOW, &created[0]);
		if (has_peer)
			ids[1] = AccountId(call->peer_party, call->token, true, &created[1]);
	}
	{
		int64		existing[2] = {created[0] ? 0 : ids[0], created[1] ? 0 : ids[1]};

		LockAccounts(existing, 2, states, outflows);
	}
	for (int i = 0; i < 2; i++)
	{
		if (created[i] || ids[i] == 0)
		{
			(void) account_init(&states[i], call->decimals);
			outflows[i] = 0;
		}
	}
	if (on_flow && call->op != OP_OPEN_FLOW)
		LockFlow(call->flow_id, ids[0], call->decimals, &f.state);

	a.state = states[0];
	a.party = call->party;
	b.state = states[1];
	b.party = call->peer_party;
	f.sender = call->party;
	f.receiver = call->peer_party;
	/* an actor that may not act as a party may be an operator of one */
	if (!actor.refused && !actor.system && !flow_may_act(call->op, &actor, true))
		flow_operator_grants(&actor, call->party, has_peer ? call->peer_party : NULL, call->token);

	call->args.policy = policy;
	if (flow_op_takes_number(call->op) && call->args.units == NULL)
	{
		call->args.amount.err = FLOW_ERR_NULL;
		call->args.amount.units = 0;
		if (!call->amount_null)
			call->args.amount = numeric_to_amount(call->amount,
												  flow_op_takes_rate(call->op) ? FLOW_RATE_SCALE : call->decimals);
	}
	t = flow_account_operation_time(call->at, &a.state, has_peer ? &b.state : NULL,
									flow_clock_pinned());
	err = flow_apply_account(call->op, &a, has_peer ? &b : NULL, on_flow ? &f : NULL,
							 &call->args, &actor, t, &call->res);

	/*
	 * One open flow per sender, receiver and token.  It is told only to who
	 * may open the flow, so it ranks after the time (SF010) and after who
	 * may act (42501), and before the arguments' errors.
	 */
	if (call->op == OP_OPEN_FLOW && !flow_error_before_actor(err) && err != FLOW_ERR_NOT_ALLOWED &&
		OpenFlowExists(call->party, call->peer_party, call->token))
		ereport(ERROR,
				(errcode(ERRCODE_FLOW_EXISTS),
				 errmsg("a flow from \"%s\" to \"%s\" in %s is open already", call->party,
						call->peer_party, call->token),
				 errhint("Change its rate with update_flow(), or close it first.")));
	if (err != FLOW_OK)
		flow_report_account(err, call, Latest(&a, has_peer ? &b : NULL), t);
	call->at = t;
	if (call->res.allowance_used > 0)
		flow_use_allowance(call->actor, call->party, call->token, call->res.allowance_used);

	/* an account nobody used is written only when an operation succeeds on it */
	if (ids[0] == 0)
		ids[0] = AccountId(call->party, call->token, true, &created[0]);
	if (call->op == OP_OPEN_FLOW)
	{
		outflows[0]++;
		call->flow_id = DatumGetInt64(DirectFunctionCall1(nextval_oid,
														  ObjectIdGetDatum(flow_catalog()->flows_seq)));
	}
	else if (call->op == OP_CLOSE_FLOW || call->op == OP_LIQUIDATE)
		outflows[0]--;

	memset(&ev, 0, sizeof(ev));
	ev.op = call->op;
	ev.actor = call->actor;
	ev.has_amount = info->records != REC_NOTHING;
	ev.amount = call->args.units != NULL ? *call->args.units : u256_from_u128(call->res.units);
	ev.decimals = call->decimals;
	ev.destination = call->res.destination;
	ev.at = t;
	ev.void_after_null = true;
	ev.metadata_null = true;
	ev.account_id = ids[0];
	ev.account = &a.state;
	if (call->res.acted_for == ACTED_FOR_SENDER)
		ev.on_behalf_of = call->party;
	else if (call->res.acted_for == ACTED_FOR_RECIPIENT)
		ev.on_behalf_of = call->peer_party;
	if (has_peer)
	{
		ev.peer_id = ids[1];
		ev.peer = &b.state;
	}
	if (on_flow)
	{
		ev.flow_id = call->flow_id;
		ev.flow_buffer = &f.state.buffer;
	}
	call->event_id = flow_write_event(&ev);

	WriteAccount(ids[0], created[0], call->party, call->token, &a.state, outflows[0],
				 call->event_id);
	if (has_peer)
		WriteAccount(ids[1], created[1], call->peer_party, call->token, &b.state, outflows[1],
					 call->event_id);
	if (on_flow)
		WriteFlow(call, call->flow_id, &f, ids[0], ids[1], call->event_id);
	call->account_id = ids[0];
}

/*
 * Locks party's account of token for an operation of a stream that moves
 * it (a bridge), after the stream's row: *id receives its id (0 when it
 * has none and credits is false), *created whether it is new.
 */
void
flow_lock_stream_account(const char *party, const char *token, bool credits, OpAccount *a,
						 int64 *id, bool *created, int *decimals, int *outflows)
{
	AccountPolicy policy;
	char	   *reward;
	Account		state;

	flow_check_writable();
	flow_token_policy(token, decimals, &policy, &reward);
	*id = AccountId(party, token, credits, created);
	memset(a, 0, sizeof(*a));
	*outflows = 0;
	if (*created || *id == 0)
		(void) account_init(&a->state, *decimals);
	else
	{
		LockAccounts(id, 1, &state, outflows);
		a->state = state;
	}
	a->party = party;
}

/* Writes the account of a bridge, after its stream's event. */
void
flow_write_stream_account(int64 id, bool created, const char *party, const char *token,
						  const Account *a, int outflows, int64 event_id)
{
	WriteAccount(id, created, party, token, a, outflows, event_id);
}

/* Row r of SPI_tuptable, (state, id), locked for a liquidation of account id. */
static void
NoteLiquidationLock(uint64 r, int64 id, int64 *latest, Account *self)
{
	Account		state;
	bool		isnull;

	flow_account_arg(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull),
					 &state);
	if (state.last > *latest)
		*latest = state.last;
	if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull)) == id)
		*self = state;
}

static int
CompareIds(const void *x, const void *y)
{
	int64		a = *(const int64 *) x;
	int64		b = *(const int64 *) y;

	return a < b ? -1 : a > b ? 1 : 0;
}

/*
 * Locks for a liquidation of account id, which the caller holds, the
 * receivers of its open flows and the account of reward (NULL: none),
 * without waiting for those others hold: false when one could not be had.
 * Every writer of a flow holds its sender's account, so its open flows
 * cannot change meanwhile.  *flows receives their ids, *n how many,
 * *latest the latest last operation of the accounts locked, and *self the
 * account's state as it is now: an earlier liquidation of the same run may
 * have paid it a reward since the caller read it.
 */
bool
flow_lock_liquidation(int64 id, const char *token, const char *reward, int64 **flows,
					  int *n, int64 *latest, Account *self)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	Oid			array_type[1] = {INT8ARRAYOID};
	bool		created;
	int64		reward_id = reward != NULL ? AccountId(reward, token, false, &created) : 0;
	int64	   *ids;
	Datum	   *elems;
	int			m = 0;
	bool		isnull;

	if (SPI_execute_plan(flow_plan(PLAN_CRITICAL_FLOWS,
								   "SELECT id, receiver_account FROM flowstream.flows "
								   "WHERE sender_account OPERATOR(pg_catalog.=) $1 AND closed_at IS NULL "
								   "ORDER BY id",
								   1, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the flows of account " INT64_FORMAT, id);
	*n = (int) SPI_processed;
	*flows = palloc(sizeof(int64) * (*n + 1));
	ids = palloc(sizeof(int64) * (*n + 2));
	for (int i = 0; i < *n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];

		(*flows)[i] = DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull));
		ids[i] = DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
	}
	m = *n;
	ids[m++] = id;				/* the caller's lock already: not skipped */
	if (reward_id != 0 && reward_id != id)
		ids[m++] = reward_id;

	/* the distinct accounts, in the order of their ids */
	qsort(ids, m, sizeof(int64), CompareIds);
	elems = palloc(sizeof(Datum) * (m + 1));
	{
		int			k = 0;

		for (int i = 0; i < m; i++)
		{
			if (i == 0 || ids[i] != ids[i - 1])
				elems[k++] = Int64GetDatum(ids[i]);
		}
		m = k;
	}
	*latest = FLOW_TIME_MIN;
	if (flow_distributed())
	{
		/* on Citus, one statement per account (as LockPlacedAccounts()) */
		for (int k = 0; k < m; k++)
		{
			if (SPI_execute_plan(flow_plan(PLAN_LOCK_ACCOUNT_SKIP_ONE,
										   "SELECT state, id FROM flowstream.accounts "
										   "WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE SKIP LOCKED",
										   1, types),
								 &elems[k], NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not lock the accounts of a liquidation");
			if (SPI_processed != 1)
				return false;
			NoteLiquidationLock(0, id, latest, self);
		}
		return true;
	}
	values[0] = PointerGetDatum(construct_array(elems, m, INT8OID, sizeof(int64),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_plan(flow_plan(PLAN_LOCK_ACCOUNT_SKIP,
								   "SELECT state, id FROM flowstream.accounts "
								   "WHERE id OPERATOR(pg_catalog.=) ANY ($1) "
								   "ORDER BY id FOR UPDATE SKIP LOCKED",
								   1, array_type),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the accounts of a liquidation");
	for (uint64 r = 0; r < SPI_processed; r++)
		NoteLiquidationLock(r, id, latest, self);
	return SPI_processed == (uint64) m;
}
