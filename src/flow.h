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

/*
 * A stream's state (read from and written to its stored form by
 * flow_load() and flow_store(); a zeroed struct is a valid start).
 */
typedef struct FlowState
{
	U256		sd;				/* snapshot debt, 10^-24 tokens */
	u128_a8		rps;			/* rate, 10^-18 tokens per second */
	u128_a8		balance;		/* base units */
	int64_t		st;				/* snapshot time (the start while pending) */
	int64_t		last;			/* time of the last operation */
	int64_t		end;			/* nothing accrues after it (when has_end) */
	int16_t		decimals;		/* 0..18 */
	bool		voided;
	bool		has_end;		/* a fixed-term stream (SPEC §7) */
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
	FLOW_ERR_ENDED,				/* SF012: past its end time (restart, re-rate, pause) */
	FLOW_ERR_END,				/* 22023: an end not after the start, or not after now */
	FLOW_ERR_TOO_SMALL,			/* 22023: a fixed total too small for its period */
	/* accounts (account.c) */
	FLOW_ERR_UNAVAILABLE,		/* SF013: more than the available balance */
	FLOW_ERR_SAME_ACCOUNT,		/* 22023: a flow or transfer from an account to itself */
	FLOW_ERR_TOKEN_MISMATCH,	/* 22023: accounts of different decimals */
	FLOW_ERR_BUFFER_POLICY,		/* 22023: negative buffer period, min_buffer too large */
	FLOW_ERR_FLOW_CLOSED,		/* SF014: the flow is closed */
	FLOW_ERR_NOT_CRITICAL,		/* liquidating an account that is not critical */
	FLOW_ERR_CRITICAL,			/* SF016: the account is critical (available < 0) */
	/* the managed layer's rules (ops.c) */
	FLOW_ERR_NOT_TRANSFERABLE,	/* SF011 */
	FLOW_ERR_NOT_ALLOWED,		/* 42501: the actor may not do this */
	FLOW_ERR_NULL,				/* 22004: a required argument is null */
	FLOW_ERR_EMPTY_NAME,		/* 22023: a party or destination that is empty */
	FLOW_ERR_SAME_RECIPIENT,	/* 22023: a transfer to the current recipient */
	FLOW_ERR_NOTHING,			/* 22023: withdraw_max or refund_max of nothing */
	FLOW_ERR_NEGATIVE_GRACE,	/* 22023: a negative void_after */
	/* agreed updates and operators (SPEC §7, §8) */
	FLOW_ERR_CONSENT,			/* 42501: one party alone changing a consent stream's rate */
	FLOW_ERR_NO_PROPOSAL,		/* SF017: no proposed update, or other terms than proposed */
	FLOW_ERR_PROPOSED,			/* SF018: an update is proposed already */
	FLOW_ERR_ALLOWANCE,			/* 42501: beyond an operator's rate allowance */
	/* automation (SPEC §8) */
	FLOW_ERR_INTERVAL			/* 22023: a runway or a payout period that is not positive */
} FlowError;

/* the labels of the SQL enum flowstream.status, in its order */
typedef enum FlowStatus
{
	FLOW_PENDING,
	FLOW_STREAMING_SOLVENT,
	FLOW_STREAMING_INSOLVENT,
	FLOW_PAUSED_SOLVENT,
	FLOW_PAUSED_INSOLVENT,
	FLOW_VOIDED,
	FLOW_ENDED_SOLVENT,			/* past its end time; nothing accrues */
	FLOW_ENDED_INSOLVENT
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

/* floor((2^128 - 1) / flow_unit_scale[decimals]), for u128_div_recip */
extern const u128 flow_unit_reciprocal[FLOW_MAX_DECIMALS + 1];

/* The time up to which s accrues, asked at t: t, or its end if earlier. */
static inline int64_t
flow_accrues_until(const FlowState *s, int64_t t)
{
	return (s->has_end && t > s->end) ? s->end : t;
}

/*
 * Total debt at t in base units when every intermediate fits 128 bits, the
 * common case: false otherwise (flow_total_debt then takes the wide path).
 * The one rounding point, floor.  Inline, with flow_debts_128, for the
 * aggregates that take it for every row.
 */
static inline bool
flow_total_debt_128(const FlowState *s, int64_t t, u128 *td)
{
	u128		sum;

	if (!u256_fits_u128(&s->sd) || (s->rps >> 64) != 0)
		return false;
	t = flow_accrues_until(s, t);
	sum = u256_low128(&s->sd);
	if (t > s->st)
	{
		u128		prod = (u128) (uint64_t) s->rps * ((uint64_t) t - (uint64_t) s->st);

		sum += prod;
		if (sum < prod)
			return false;
	}
	*td = u128_div_recip(sum, flow_unit_scale[s->decimals],
						 flow_unit_reciprocal[s->decimals]);
	return true;
}

/*
 * Total and covered debt (the lesser of it and the balance) at t in base
 * units, in the common case of flow_total_debt_128: false otherwise.
 */
static inline bool
flow_debts_128(const FlowState *s, int64_t t, u128 *total, u128 *covered)
{
	if (!flow_total_debt_128(s, t, total))
		return false;
	*covered = *total > s->balance ? s->balance : *total;
	return true;
}

/* an interval's length with a day of 86400 s and a month of 365/12 days */
extern __int128 flow_interval_usecs(int32_t months, int32_t days, int64_t usecs);

/* construction and validation */
extern FlowError flow_create(FlowState *s, const FlowAmount *rate, int decimals,
							 int64_t start, int64_t at);
extern FlowError flow_set_end(FlowState *s, int64_t end);
extern FlowError flow_fixed_rate(u128 total, int decimals, int64_t start, int64_t end,
								 FlowAmount *rate);
extern bool flow_check_time(int64_t t);
extern bool flow_check_decimals(int decimals);
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
extern FlowError flow_set_terms(FlowState *s, const FlowAmount *rate, bool has_end,
								int64_t end, int64_t t);
extern bool flow_has_ended(const FlowState *s, int64_t t);

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

/*
 * The binary form (send/recv): 0.1.0's FLOW_BINARY_LEN bytes for a stream
 * without an end; a format byte, those bytes and the end time for one with
 * an end (FLOW_BINARY_END_LEN).  flow_encode_binary() returns the length.
 */
#define FLOW_BINARY_LEN		83
#define FLOW_BINARY_END_LEN	92
#define FLOW_BINARY_MAX		FLOW_BINARY_END_LEN
extern const char *flow_decode_binary(const unsigned char *buf, size_t len, FlowState *s);
extern size_t flow_encode_binary(const FlowState *s, unsigned char *out);

/*
 * The stored form: what a flowstream.stream column holds on disk, a fixed
 * FLOW_STORED_LEN bytes in the machine's byte order.  It carries a format
 * number, so that a later release can change the layout and still read
 * what earlier ones stored; format 0 is 0.1.0's.
 */
#define FLOW_STORED_LEN		88
#define FLOW_FORMAT_0_1		0	/* 0.1.0's: no end time */
#define FLOW_FORMAT_END		2	/* with an end time: the debt in 192 bits, then the end */
extern int	flow_stored_format(const void *stored);
extern void flow_load(const void *stored, FlowState *s);
extern void flow_store(const FlowState *s, void *stored);

#endif							/* FLOWSTREAM_FLOW_H */
