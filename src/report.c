/*
 * report.c — the core's error codes as ereport()s: SPEC §5's SQLSTATEs,
 * with messages that say which amounts, times and parties were involved.
 * flow_report() serves the pure functions of the type; flow_report_call()
 * and flow_report_account() add what only an operation of the managed
 * layer can name (the stream or the account, the actor, the rule it broke,
 * the amounts an account lacked).
 */
#include "managed.h"

static const char *
KindName(FlowArgKind kind)
{
	return kind == FLOW_ARG_RATE ? "rate" : "amount";
}

/* An amount in base units, formatted in tokens for a message. */
static char *
Tokens(u128 units, int decimals)
{
	char		buf[FLOW_DECIMAL_MAX];
	U256		v = u256_from_u128(units);

	flow_format_decimal(&v, decimals, 0, buf);
	return pstrdup(buf);
}

static char *
TimeText(int64 t)
{
	char		buf[FLOW_TIME_TEXT_MAX];

	flow_format_time(t, buf);
	return pstrdup(buf);
}

/*
 * Raises the error err of an operation on before at time t with argument
 * amount (either may be NULL where they play no part).
 */
void
flow_report(FlowError err, const FlowState *before, int64 t,
			const FlowAmount *amount, FlowArgKind kind)
{
	u128		limit = 0;

	switch (err)
	{
		case FLOW_ERR_VOIDED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_VOIDED),
					 errmsg("stream is voided"),
					 errdetail("A voided stream takes no deposits, restarts or voids.")));
			break;
		case FLOW_ERR_PAUSED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_PAUSED),
					 errmsg("stream is %s", before && before->voided ? "voided" : "paused"),
					 errhint("%s", before && before->voided ? "A voided stream cannot change its rate." :
							 "Use restart to resume a paused stream.")));
			break;
		case FLOW_ERR_NOT_PAUSED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_NOT_PAUSED),
					 errmsg("stream is not paused"),
					 errhint("Use adjust_rate to change the rate of a stream that is not paused.")));
			break;
		case FLOW_ERR_PENDING:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_PENDING),
					 errmsg("stream has not started"),
					 errdetail("It starts at %s.", before ? TimeText(before->st) : "a later time")));
			break;
		case FLOW_ERR_OVERDRAW:
			if (before)
				(void) flow_covered_debt(before, t, &limit);
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_OVERDRAW),
					 errmsg("withdraw amount %s exceeds the withdrawable amount %s",
							Tokens(amount ? amount->units : 0, before ? before->decimals : 0),
							Tokens(limit, before ? before->decimals : 0))));
			break;
		case FLOW_ERR_OVERREFUND:
			if (before)
				(void) flow_refundable(before, t, &limit);
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_OVERREFUND),
					 errmsg("refund amount %s exceeds the refundable amount %s",
							Tokens(amount ? amount->units : 0, before ? before->decimals : 0),
							Tokens(limit, before ? before->decimals : 0))));
			break;
		case FLOW_ERR_SAME_RATE:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_SAME_RATE),
					 errmsg("new rate equals the current rate")));
			break;
		case FLOW_ERR_TIME_ORDER:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_TIME_ORDER),
					 errmsg("time %s is before the stream's last operation at %s",
							TimeText(t), before ? TimeText(before->last) : "?"),
					 errdetail("Operations on a stream must not go back in time.")));
			break;
		case FLOW_ERR_NOT_POSITIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be positive", KindName(kind))));
			break;
		case FLOW_ERR_PRECISION:
			if (kind == FLOW_ARG_RATE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rate has more than 18 fractional digits"),
						 errhint("Use flowstream.rate() to convert an amount per period, rounded down.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("amount has more fractional digits than the token's %d decimals",
							before ? before->decimals : 0),
					 errdetail("Amounts are never rounded.")));
			break;
		case FLOW_ERR_NOT_A_NUMBER:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a finite number", KindName(kind))));
			break;
		case FLOW_ERR_DECIMALS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("decimals must be between 0 and %d", FLOW_MAX_DECIMALS)));
			break;
		case FLOW_ERR_TIME_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time is out of range for a stream"),
					 errdetail("Stream times are finite and from 0001-01-01 00:00:00+00 on.")));
			break;
		case FLOW_ERR_FUTURE_PAUSED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a stream that starts in the future needs a positive rate")));
			break;
		case FLOW_ERR_OVERFLOW:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("flowstream value out of range"),
					 errdetail("Balances and rates are at most 2^127 - 1 units, and debts must fit 256 bits.")));
			break;
		case FLOW_ERR_ENDED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_ENDED),
					 errmsg("stream has ended"),
					 errdetail("It ended at %s; nothing accrues after its end.",
							   before && before->has_end ? TimeText(before->end) : "its end time"),
					 errhint("Its parties may agree on a later end with propose_update() and confirm_update().")));
			break;
		case FLOW_ERR_END:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("end time must be after the start and after the time of the change")));
			break;
		case FLOW_ERR_TOO_SMALL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("total is too small to stream over that period"),
					 errdetail("The rate, total / (end - start), rounds down to 0 at 18 decimals.")));
			break;
		case FLOW_ERR_NEGATIVE_GRACE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("void_after must not be negative")));
			break;
		case FLOW_ERR_INTERVAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the interval must be positive"),
					 errhint("NULL turns it off.")));
			break;
		case FLOW_ERR_UNAVAILABLE:
		case FLOW_ERR_CRITICAL:
		case FLOW_ERR_SAME_ACCOUNT:
		case FLOW_ERR_TOKEN_MISMATCH:
		case FLOW_ERR_BUFFER_POLICY:
		case FLOW_ERR_FLOW_CLOSED:
		case FLOW_ERR_NOT_CRITICAL:
		case FLOW_ERR_ALLOWANCE:
			/* accounts' errors: reported with their accounts' amounts (flow_report_account) */
		case FLOW_ERR_CONSENT:
		case FLOW_ERR_NO_PROPOSAL:
		case FLOW_ERR_PROPOSED:
		case FLOW_ERR_NOT_TRANSFERABLE:
		case FLOW_ERR_NOT_ALLOWED:
		case FLOW_ERR_NULL:
		case FLOW_ERR_EMPTY_NAME:
		case FLOW_ERR_SAME_RECIPIENT:
		case FLOW_ERR_NOTHING:
			/* only an operation of the managed layer has these: flow_report_call() */
		case FLOW_OK:
			break;
	}
	elog(ERROR, "unexpected flowstream error %d", (int) err);
}

/* An actor refused whatever it does: why. */
static void
ReportActorProblem(ActorProblem problem)
{
	if (problem == ACTOR_STALE)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("flowstream.actor was set in an earlier transaction"),
				 errdetail("An actor acts only in the transaction that names it, so that a pooled connection never acts for its previous client."),
				 errhint("Use SET LOCAL flowstream.actor = '...' or set_config('flowstream.actor', '...', true) in each transaction.")));
	if (problem == ACTOR_FORGED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to act through flowstream.actor"),
				 errdetail("Only members of flowstream_app may act for others.")));
}

/* the messages of an operation's errors, naming its stream and its actor */
void
flow_report_call(FlowError err, const FlowCall *call, const FlowState *before, int64 t)
{
	const OpInfo *info = &flow_ops[call->op];
	int64		id = call->stream_id;

	switch (err)
	{
		case FLOW_ERR_NOT_ALLOWED:
			ReportActorProblem(call->actor_problem);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 id != 0 ?
					 errmsg("permission denied to %s stream " INT64_FORMAT, info->verb, id) :
					 errmsg("permission denied to %s", info->verb),
					 errdetail("Only %s may do this; \"%s\" is acting.", info->who_text, call->actor)));
			break;
		case FLOW_ERR_NOT_TRANSFERABLE:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_NOT_TRANSFERABLE),
					 errmsg("stream " INT64_FORMAT " is not transferable", id)));
			break;
		case FLOW_ERR_NULL:
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null",
							info->arg == ARG_NAME ? "new recipient" :
							flow_op_takes_rate(call->op) ? "rate" : "amount")));
			break;
		case FLOW_ERR_EMPTY_NAME:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 call->op == OP_CREATE ?
					 errmsg("sender and recipient must not be empty") :
					 errmsg("destination must not be empty")));
			break;
		case FLOW_ERR_SAME_RECIPIENT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("new recipient must be another, non-empty name")));
			break;
		case FLOW_ERR_NOTHING:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("nothing to %s stream " INT64_FORMAT,
							call->op == OP_WITHDRAW ? "withdraw from" : "refund from", id)));
			break;
		case FLOW_ERR_CONSENT:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("stream " INT64_FORMAT " changes its rate only when both parties agree", id),
					 errdetail("It was created with consent_required; pausing and voiding it stay one-sided."),
					 errhint("Propose the new terms with flowstream.propose_update(id, rate, end_time); "
							 "the other party confirms them with flowstream.confirm_update().")));
			break;
		case FLOW_ERR_NO_PROPOSAL:
			if (call->op == OP_CONFIRM_UPDATE && call->had_proposal)
				ereport(ERROR,
						(errcode(ERRCODE_FLOW_NO_PROPOSAL),
						 errmsg("the terms differ from the update proposed for stream " INT64_FORMAT, id),
						 errdetail("Confirm restates the proposed rate and end exactly: see proposed_rate and "
								   "proposed_end in flowstream.streams.")));
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_NO_PROPOSAL),
					 errmsg("no update of stream " INT64_FORMAT " is proposed", id),
					 errhint("Propose one with flowstream.propose_update(id, rate, end_time).")));
			break;
		case FLOW_ERR_PROPOSED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_PROPOSED),
					 errmsg("an update of stream " INT64_FORMAT " is proposed already", id),
					 errhint("Confirm it, or revoke it with flowstream.revoke_update(id) first.")));
			break;
		default:
			break;
	}
	flow_report(err, before, t, &call->args.amount,
				flow_op_takes_rate(call->op) ? FLOW_ARG_RATE : FLOW_ARG_AMOUNT);
}

/* A signed number of base units, in tokens, for a message. */
static char *
SignedTokens(const I256 *units, int decimals)
{
	char		buf[FLOW_DECIMAL_MAX];
	U256		v = i256_abs(units);

	flow_format_decimal(&v, decimals, 0, buf);
	return i256_is_neg(units) ? psprintf("-%s", buf) : pstrdup(buf);
}

/* What an account operation is, for "permission denied to ...". */
static char *
AccountWhat(const AccountCall *call)
{
	const OpInfo *info = &flow_ops[call->op];

	if (info->kind == KIND_FLOW && call->flow_id != 0)
		return psprintf("%s flow " INT64_FORMAT, info->verb, call->flow_id);
	if (call->op == OP_OPEN_FLOW)
		return psprintf("%s \"%s\"", info->verb, call->party);
	return psprintf("%s the account of \"%s\"", info->verb, call->party);
}

/* the messages of an operation's errors on accounts, with their amounts */
void
flow_report_account(FlowError err, const AccountCall *call, const Account *before, int64 t)
{
	const OpInfo *info = &flow_ops[call->op];
	FlowState	stream;
	U256		need = call->res.shortfall_need;
	I256		have = call->res.shortfall_have;
	char		need_text[FLOW_DECIMAL_MAX];

	switch (err)
	{
		case FLOW_ERR_NOT_ALLOWED:
			ReportActorProblem(call->actor_problem);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to %s", AccountWhat(call)),
					 errdetail("Only %s may do this; \"%s\" is acting.", info->who_text, call->actor)));
			break;
		case FLOW_ERR_UNAVAILABLE:
			flow_format_decimal(&need, call->decimals, 0, need_text);
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_UNAVAILABLE),
					 errmsg("insufficient available balance: %s needed, %s available",
							need_text, SignedTokens(&have, call->decimals)),
					 errdetail("The account of \"%s\" in %s can give at most its balance less the buffer of its open flows.",
							   call->party, call->token ? call->token : "this token")));
			break;
		case FLOW_ERR_CRITICAL:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_CRITICAL),
					 errmsg("the account of \"%s\" in %s is critical",
							call->party, call->token ? call->token : "this token"),
					 errdetail("Its available balance is %s: its flows are burning their buffer.",
							   SignedTokens(&have, call->decimals)),
					 errhint("Deposit into it, or lower or close its flows.")));
			break;
		case FLOW_ERR_FLOW_CLOSED:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_CLOSED),
					 errmsg("flow " INT64_FORMAT " is closed", call->flow_id),
					 errhint("Open a new flow with open_flow().")));
			break;
		case FLOW_ERR_SAME_ACCOUNT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" cannot %s itself", call->party,
							info->kind == KIND_FLOW ? "stream to" : "transfer to")));
			break;
		case FLOW_ERR_TOKEN_MISMATCH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the accounts hold tokens of different decimals")));
			break;
		case FLOW_ERR_BUFFER_POLICY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the buffer settings of token %s are out of range",
							call->token ? call->token : "?"),
					 errdetail("buffer_period must not be negative, and min_buffer must be an amount of the token of at most 2^127 - 1 base units.")));
			break;
		case FLOW_ERR_TIME_ORDER:
			ereport(ERROR,
					(errcode(ERRCODE_FLOW_TIME_ORDER),
					 errmsg("time %s is before the account's last operation at %s",
							TimeText(t), TimeText(before->last)),
					 errdetail("Operations on an account must not go back in time.")));
			break;
		case FLOW_ERR_NULL:
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", flow_op_takes_rate(call->op) ? "rate" : "amount")));
			break;
		case FLOW_ERR_EMPTY_NAME:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parties and destinations must not be empty")));
			break;
		case FLOW_ERR_ALLOWANCE:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the rate exceeds what \"%s\" may still grant for \"%s\" in %s",
							call->actor, call->party, call->token ? call->token : "this token"),
					 errdetail("Its approval caps the rate of the flows it opens or raises (max_rate); "
							   "its rate_allowance is what is left."),
					 errhint("The party may approve it again with a higher max_rate.")));
			break;
		default:
			break;
	}
	memset(&stream, 0, sizeof(stream));
	stream.decimals = call->decimals;
	flow_report(err, &stream, t, &call->args.amount,
				flow_op_takes_rate(call->op) ? FLOW_ARG_RATE : FLOW_ARG_AMOUNT);
}
