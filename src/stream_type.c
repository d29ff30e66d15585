/*
 * stream_type.c — the flowstream.stream type: its stored form (read and
 * written through the core's versioned layout), text and binary I/O, the
 * accessors of its fields, and the comparison that gives it a btree
 * opclass (so DISTINCT, GROUP BY and ORDER BY work on it).
 */
#include "stream.h"

#include "libpq/pqformat.h"

PG_MODULE_MAGIC;

/*
 * A stored value as a FlowState.  Only values of a format this library
 * knows are read: one written by a later release is refused, not misread.
 */
void
flow_state_arg(Datum d, FlowState *s)
{
	const void *stored = DatumGetPointer(d);
	int			format = flow_stored_format(stored);

	if (unlikely(format != FLOW_FORMAT_0_1 && format != FLOW_FORMAT_END))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("flowstream.stream value of unknown format %d", format),
				 errdetail("This library reads formats %d and %d.", FLOW_FORMAT_0_1, FLOW_FORMAT_END),
				 errhint("It was written by a later release of flowstream.")));
	flow_load(stored, s);
	if (unlikely(s->decimals > FLOW_MAX_DECIMALS))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("flowstream.stream value with %d decimals", s->decimals)));
}

/* A FlowState as a stored value: every byte set, so equal values are equal bytes. */
Datum
flow_state_datum(const FlowState *s)
{
	void	   *stored = palloc(FLOW_STORED_LEN);

	flow_store(s, stored);
	return PointerGetDatum(stored);
}

/* Text input: the literal of flowtext.c, validated as a reachable state. */
PG_FUNCTION_INFO_V1(stream_in);
Datum
stream_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	FlowState	s;
	char		detail[FLOW_DETAIL_MAX];

	if (!flow_parse_state(str, &s, detail))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type flowstream.stream: \"%s\"", str),
				 errdetail("%s", detail)));
	return flow_state_datum(&s);
}

/* Text output, independent of DateStyle, TimeZone and locale. */
PG_FUNCTION_INFO_V1(stream_out);
Datum
stream_out(PG_FUNCTION_ARGS)
{
	FlowState	s;
	char	   *buf = palloc(FLOW_TEXT_MAX);

	flow_state_arg(PG_GETARG_DATUM(0), &s);
	flow_format_state(&s, buf);
	PG_RETURN_CSTRING(buf);
}

/*
 * Binary input: every field is read and the whole state validated, as for
 * text, so a client cannot store a state the model could never reach.
 */
PG_FUNCTION_INFO_V1(stream_recv);
Datum
stream_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	FlowState	s;
	const char *problem;

	/* a value of another length is malformed, not a protocol error */
	if (len != FLOW_BINARY_LEN && len != FLOW_BINARY_END_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external value for type flowstream.stream"),
				 errdetail("The value has %d bytes, not %d or %d.", len, FLOW_BINARY_LEN,
						   FLOW_BINARY_END_LEN)));
	problem = flow_decode_binary((const unsigned char *) pq_getmsgbytes(buf, len), len, &s);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external value for type flowstream.stream"),
				 errdetail("Inconsistent state: %s.", problem)));
	return flow_state_datum(&s);
}

/*
 * Binary output: decimals, voided, rate, balance, debt (256 bits), times;
 * with a format byte first and the end time last for a stream with an end.
 */
PG_FUNCTION_INFO_V1(stream_send);
Datum
stream_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	unsigned char out[FLOW_BINARY_MAX];
	FlowState	s;
	size_t		len;

	flow_state_arg(PG_GETARG_DATUM(0), &s);
	len = flow_encode_binary(&s, out);
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) out, (int) len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Argument n, read from its stored form. */
static inline FlowState
Arg(FunctionCallInfo fcinfo, int n)
{
	FlowState	s;

	flow_state_arg(PG_GETARG_DATUM(n), &s);
	return s;
}

/* The rate in tokens per second, exact. */
PG_FUNCTION_INFO_V1(stream_rate_per_second);
Datum
stream_rate_per_second(PG_FUNCTION_ARGS)
{
	return rate_to_numeric(Arg(fcinfo, 0).rps);
}

/* The balance in tokens. */
PG_FUNCTION_INFO_V1(stream_balance);
Datum
stream_balance(PG_FUNCTION_ARGS)
{
	FlowState	s = Arg(fcinfo, 0);

	return u128_to_numeric(s.balance, s.decimals);
}

/* The snapshot debt in tokens, with its sub-unit remainder. */
PG_FUNCTION_INFO_V1(stream_snapshot_debt);
Datum
stream_snapshot_debt(PG_FUNCTION_ARGS)
{
	FlowState	s = Arg(fcinfo, 0);

	return units_to_numeric(&s.sd, FLOW_DEBT_SCALE, s.decimals);
}

PG_FUNCTION_INFO_V1(stream_snapshot_time);
Datum
stream_snapshot_time(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(Arg(fcinfo, 0).st);
}

PG_FUNCTION_INFO_V1(stream_last_op);
Datum
stream_last_op(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(Arg(fcinfo, 0).last);
}

PG_FUNCTION_INFO_V1(stream_decimals);
Datum
stream_decimals(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(Arg(fcinfo, 0).decimals);
}

PG_FUNCTION_INFO_V1(stream_is_voided);
Datum
stream_is_voided(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(Arg(fcinfo, 0).voided);
}

/* The order of two values: their fields, one after the other. */
static inline int
Compare(FunctionCallInfo fcinfo)
{
	FlowState	a = Arg(fcinfo, 0),
				b = Arg(fcinfo, 1);

	return flow_state_cmp(&a, &b);
}

PG_FUNCTION_INFO_V1(stream_cmp);
Datum
stream_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(Compare(fcinfo));
}

#define STREAM_CMP_OP(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(Compare(fcinfo) op 0); \
}

STREAM_CMP_OP(stream_eq, ==)
STREAM_CMP_OP(stream_ne, !=)
STREAM_CMP_OP(stream_lt, <)
STREAM_CMP_OP(stream_le, <=)
STREAM_CMP_OP(stream_gt, >)
STREAM_CMP_OP(stream_ge, >=)
