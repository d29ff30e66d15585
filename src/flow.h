/*
 * flow.h — the money model of SPEC §1 over a plain struct.
 *
 * This is the one place where a stream's numbers are computed: the views
 * (debts, status, depletion time) and the transitions (deposit, withdraw,
 * refund, pause, restart, adjust_rate, void).  It knows nothing of
 * PostgreSQL: it returns error codes, and the SQL layer turns them into
 * ereport()s.  The same code therefore runs in the server, in the property
 * test and under the fuzzer.
 *
 * Units:
 *   rps       10^-18 tokens per second, whatever the token's decimals
 *   balance   token base units (10^-decimals tokens)
 *   sd        10^-24 tokens: a rate times a number of microseconds, exactly
 *   times     microseconds since 2000-01-01 00:00:00 UTC, as timestamptz
 * so the total debt in base units is floor((sd + rps * dt_us) / 10^(24 - decimals)).
 */
#ifndef FLOWSTREAM_FLOW_H
#define FLOWSTREAM_FLOW_H

#include <stddef.h>

#include "wide.h"

/* The value stored in a flowstream.stream column. */
typedef struct FlowState
{
	U256		sd;				/* snapshot debt, 10^-24 tokens */
	u128_a8		rps;			/* rate, 10^-18 tokens per second */
	u128_a8		balance;		/* base units */
	int64_t		st;				/* snapshot time (the start while pending) */
	int64_t		last;			/* time of the last operation */
	int16_t		decimals;		/* 0..18 */
	bool		voided;
} FlowState;

#define FLOW_MAX_DECIMALS	18
#define FLOW_RATE_SCALE		18	/* fractional digits of a rate */
#define FLOW_DEBT_SCALE		24	/* fractional digits of the snapshot debt */

/* The supported times: 0001-01-01 00:00:00 UTC up to timestamptz's end. */
#define FLOW_TIME_MIN	INT64_C(-63082281600000000)
#define FLOW_TIME_MAX	INT64_C(9223371331199999999)

typedef enum FlowError
{
	FLOW_OK = 0,
	FLOW_ERR_VOIDED,			/* SF002 */
	FLOW_ERR_PAUSED,			/* SF003: paused or voided */
	FLOW_ERR_NOT_PAUSED,		/* SF004 */
	FLOW_ERR_PENDING,			/* SF005 */
	FLOW_ERR_OVERDRAW,			/* SF006 */
	FLOW_ERR_OVERREFUND,		/* SF007 */
	FLOW_ERR_SAME_RATE,			/* SF008 */
	FLOW_ERR_TIME_ORDER,		/* SF010 */
	FLOW_ERR_NOT_POSITIVE,		/* 22023: zero or negative amount or rate */
	FLOW_ERR_PRECISION,			/* 22023: more fractional digits than allowed */
	FLOW_ERR_NOT_A_NUMBER,		/* 22023: NaN, infinity, or not a decimal */
	FLOW_ERR_DECIMALS,			/* 22023: decimals outside 0..18 */
	FLOW_ERR_TIME_RANGE,		/* 22023: time infinite or outside the range */
	FLOW_ERR_FUTURE_PAUSED,		/* 22023: rate 0 with a start after creation */
	FLOW_ERR_OVERFLOW,			/* 22003 */
	/* accounts (account.c) */
	FLOW_ERR_UNAVAILABLE,		/* new SF code: more than the available balance */
	FLOW_ERR_SAME_ACCOUNT,		/* 22023: a flow or transfer from an account to itself */
	FLOW_ERR_TOKEN_MISMATCH,	/* 22023: accounts of different decimals */
	FLOW_ERR_BUFFER_POLICY,		/* 22023: negative buffer period, min_buffer too large */
	FLOW_ERR_FLOW_CLOSED,		/* new SF code: the flow is closed */
	FLOW_ERR_NOT_CRITICAL		/* new SF code: liquidating an account that is not critical */
} FlowError;

typedef enum FlowStatus
{
	FLOW_PENDING,
	FLOW_STREAMING_SOLVENT,
	FLOW_STREAMING_INSOLVENT,
	FLOW_PAUSED_SOLVENT,
	FLOW_PAUSED_INSOLVENT,
	FLOW_VOIDED
} FlowStatus;

/*
 * An amount or rate argument, already scaled to integer units.  A parse
 * failure is carried in err rather than raised, because SPEC §5 ranks
 * amount errors after the status errors of the operation.
 */
typedef struct FlowAmount
{
	FlowError	err;
	u128		units;
} FlowAmount;

/* what flow_depletion_time found */
typedef enum FlowDepletion
{
	FLOW_DEPLETION_NONE,		/* rate 0: never */
	FLOW_DEPLETION_AT,			/* at the time returned */
	FLOW_DEPLETION_BEYOND		/* after the end of timestamptz */
} FlowDepletion;

/* 10^(24 - decimals): snapshot-debt units per base unit */
extern const u128 flow_unit_scale[FLOW_MAX_DECIMALS + 1];

/* construction and validation */
extern FlowError flow_create(FlowState *s, const FlowAmount *rate, int decimals,
							 int64_t start, int64_t at);
extern bool flow_check_time(int64_t t);
extern const char *flow_state_problem(const FlowState *s);
extern int	flow_state_cmp(const FlowState *a, const FlowState *b);

/* views at time t */
extern FlowError flow_accrued(const FlowState *s, int64_t t, U256 *out);
extern FlowError flow_total_debt(const FlowState *s, int64_t t, U256 *td);
extern FlowError flow_covered_debt(const FlowState *s, int64_t t, u128 *covered);
extern FlowError flow_uncovered_debt(const FlowState *s, int64_t t, U256 *uncovered);
extern FlowError flow_refundable(const FlowState *s, int64_t t, u128 *refundable);
extern FlowError flow_status(const FlowState *s, int64_t t, FlowStatus *status);
extern FlowDepletion flow_depletion_time(const FlowState *s, int64_t *at);
extern U256 flow_ongoing(const FlowState *s, int64_t t);

/* transitions at time t: on error *s is unchanged */
extern FlowError flow_touch(FlowState *s, int64_t t);
extern FlowError flow_deposit(FlowState *s, const FlowAmount *a, int64_t t);
extern FlowError flow_withdraw(FlowState *s, const FlowAmount *a, int64_t t);
extern FlowError flow_refund(FlowState *s, const FlowAmount *a, int64_t t);
extern FlowError flow_pause(FlowState *s, int64_t t);
extern FlowError flow_restart(FlowState *s, const FlowAmount *rate, int64_t t);
extern FlowError flow_adjust_rate(FlowState *s, const FlowAmount *rate, int64_t t);
extern FlowError flow_void(FlowState *s, int64_t t, U256 *written_off);

/* text forms (flowtext.c) */
#define FLOW_DECIMAL_MAX	100	/* room for any formatted U256 with a point and a sign */
#define FLOW_TIME_TEXT_MAX	40
#define FLOW_TEXT_MAX		512
#define FLOW_DETAIL_MAX		200

extern FlowError flow_parse_decimal(const char *str, size_t len, int scale, U256 *out);
extern FlowAmount flow_parse_amount(const char *str, int scale);
extern int	flow_format_decimal(const U256 *v, int scale, int min_frac, char *buf);
extern bool flow_parse_time(const char *str, size_t len, int64_t *t);
extern void flow_format_time(int64_t t, char *buf);
extern bool flow_parse_state(const char *str, FlowState *s, char *detail);
extern void flow_format_state(const FlowState *s, char *buf);

#define FLOW_BINARY_LEN		83
extern const char *flow_decode_binary(const unsigned char *buf, size_t len, FlowState *s);
extern void flow_encode_binary(const FlowState *s, unsigned char *out);

#endif							/* FLOWSTREAM_FLOW_H */
