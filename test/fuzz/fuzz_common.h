/*
 * fuzz_common.h — what the libFuzzer harnesses of test/fuzz/ share: the
 * checks that every state the core accepts must pass.
 *
 * The harnesses link the core (src/wide.c, src/flow.c, src/flowtext.c)
 * exactly as the server does, with no PostgreSQL: flow_parse_state is
 * stream_in, flow_decode_binary is stream_recv, flow_format_state is
 * stream_out and the views and transitions are the SQL functions'.
 *
 * A failed check prints what differed and abort()s, which libFuzzer (and
 * AddressSanitizer) report as a crash with the input saved as an artifact.
 * The expected values come from the naive bignum of test/core/oracle.h,
 * which shares no code with src/wide.c.
 */
#ifndef FLOWSTREAM_FUZZ_COMMON_H
#define FLOWSTREAM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/oracle.h"

#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "\nFUZZ CHECK FAILED at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* ------------------------------------------------------------------ */
/* bignum helpers over oracle.h                                        */
/* ------------------------------------------------------------------ */

static inline BN
fz_bn_unit(int decimals)
{
	return bn_pow10(FLOW_DEBT_SCALE - decimals);
}

/* 2^256 as a BN: the limit of the core's 256-bit arithmetic */
static inline BN
fz_bn_2_256(void)
{
	BN			r = bn_zero();

	r.l[8] = 1;
	return r;
}

/* whether a stream with an end could store v as its snapshot debt: below 2^192 */
static inline bool
fz_too_wide_for_end(const FlowState *s, const BN *v)
{
	BN			lim = bn_zero();

	lim.l[6] = 1;
	return s->has_end && bn_cmp(v, &lim) >= 0;
}

/* rps * (min(t, end) - st) when that is positive, else 0 */
static inline BN
fz_bn_ongoing(const FlowState *s, int64_t t)
{
	BN			r = bn_zero();

	if (s->has_end && t > s->end)
		t = s->end;
	if (t > s->st && s->rps != 0)
	{
		BN			rps = bn_u128(s->rps);
		BN			dt = bn_u64((uint64_t) t - (uint64_t) s->st);

		bn_mul(&r, &rps, &dt);
	}
	return r;
}

/* sd + ongoing at t; *overflow when it does not fit 256 bits */
static inline BN
fz_bn_accrued(const FlowState *s, int64_t t, bool *overflow)
{
	BN			sd = bn_from_u256(&s->sd);
	BN			on = fz_bn_ongoing(s, t);
	BN			r;
	BN			lim = fz_bn_2_256();

	bn_add(&r, &sd, &on);
	*overflow = bn_cmp(&r, &lim) >= 0;
	return r;
}

static inline BN
fz_bn_floor_div(const BN *a, const BN *d)
{
	BN			q,
				r;

	bn_divmod(&q, &r, a, d);
	return q;
}

static inline bool
fz_u256_eq_bn(const U256 *a, const BN *b)
{
	BN			x = bn_from_u256(a);

	return bn_eq(&x, b);
}

static inline const char *
fz_bn_str(const BN *b)
{
	static char bufs[4][130];
	static int	next = 0;
	char	   *buf = bufs[next++ % 4];

	bn_to_dec(b, buf);
	return buf;
}

/* ------------------------------------------------------------------ */
/* state checks                                                        */
/* ------------------------------------------------------------------ */

static inline void
fz_describe(const FlowState *s, char *buf)
{
	flow_format_state(s, buf);
}

/*
 * The external forms of an accepted state: text out and in, binary out and
 * in, give the very same value, and the text is never truncated.
 */
static inline void
fz_check_roundtrip(const FlowState *s)
{
	char		text[FLOW_TEXT_MAX + 8],
				text2[FLOW_TEXT_MAX + 8],
				detail[FLOW_DETAIL_MAX];
	unsigned char bin[FLOW_BINARY_MAX],
				bin2[FLOW_BINARY_MAX],
				stored[FLOW_STORED_LEN];
	FlowState	back,
				back2,
				back3;
	const char *problem = flow_state_problem(s);
	size_t		len,
				blen;

	memset(text, 0x5a, sizeof(text));
	flow_format_state(s, text);
	FUZZ_CHECK(problem == NULL, "accepted state has a problem: %s: %s", problem, text);
	len = strlen(text);
	FUZZ_CHECK(len < FLOW_TEXT_MAX - 1 && text[len - 1] == ')',
			   "literal truncated or malformed (%zu bytes): %s", len, text);
	FUZZ_CHECK((unsigned char) text[FLOW_TEXT_MAX] == 0x5a, "flow_format_state wrote past FLOW_TEXT_MAX");

	memset(detail, 0, sizeof(detail));
	FUZZ_CHECK(flow_parse_state(text, &back, detail), "output does not parse back: %s (%s)", text, detail);
	FUZZ_CHECK(flow_state_cmp(s, &back) == 0, "text round trip changed the value: %s", text);
	flow_format_state(&back, text2);
	FUZZ_CHECK(strcmp(text, text2) == 0, "text not canonical:\n  %s\n  %s", text, text2);

	blen = flow_encode_binary(s, bin);
	FUZZ_CHECK(blen == (s->has_end ? FLOW_BINARY_END_LEN : FLOW_BINARY_LEN), "binary length %zu: %s", blen, text);
	problem = flow_decode_binary(bin, blen, &back2);
	FUZZ_CHECK(problem == NULL, "binary form does not decode: %s: %s", problem, text);
	FUZZ_CHECK(flow_state_cmp(s, &back2) == 0, "binary round trip changed the value: %s", text);
	/* both readers zero the struct first: equal byte for byte, padding included */
	FUZZ_CHECK(memcmp(&back, &back2, sizeof(FlowState)) == 0, "text and binary readers differ in bytes: %s", text);
	FUZZ_CHECK(flow_encode_binary(&back2, bin2) == blen && memcmp(bin, bin2, blen) == 0,
			   "binary not canonical: %s", text);
	/* the stored form, in the format the end calls for */
	flow_store(s, stored);
	memset(&back3, 0, sizeof(back3));
	flow_load(stored, &back3);
	FUZZ_CHECK(flow_state_cmp(s, &back3) == 0 &&
			   flow_stored_format(stored) == (s->has_end ? FLOW_FORMAT_END : FLOW_FORMAT_0_1),
			   "stored round trip changed the value: %s", text);
}

/* The views at time t agree with the oracle and with each other. */
static inline void
fz_check_views(const FlowState *s, int64_t t)
{
	bool		overflow;
	BN			accrued = fz_bn_accrued(s, t, &overflow);
	BN			unit = fz_bn_unit(s->decimals);
	BN			bal = bn_u128(s->balance);
	U256		td,
				unc,
				acc,
				on;
	u128		covered,
				refundable;
	FlowStatus	status;
	FlowError	e;
	char		text[FLOW_TEXT_MAX];
	BN			bon = fz_bn_ongoing(s, t);

	if (!flow_check_time(t))
		return;
	flow_format_state(s, text);

	on = flow_ongoing(s, t);
	FUZZ_CHECK(fz_u256_eq_bn(&on, &bon), "ongoing at %lld: %s", (long long) t, text);

	e = flow_accrued(s, t, &acc);
	FUZZ_CHECK(overflow ? e == FLOW_ERR_OVERFLOW : (e == FLOW_OK && fz_u256_eq_bn(&acc, &accrued)),
			   "accrued at %lld: err %s, oracle %s: %s", (long long) t, err_name(e),
			   overflow ? "overflow" : fz_bn_str(&accrued), text);

	e = flow_total_debt(s, t, &td);
	if (overflow)
	{
		FUZZ_CHECK(e == FLOW_ERR_OVERFLOW, "total debt should overflow at %lld: %s", (long long) t, text);
		FUZZ_CHECK(flow_covered_debt(s, t, &covered) == FLOW_ERR_OVERFLOW, "covered: %s", text);
		FUZZ_CHECK(flow_uncovered_debt(s, t, &unc) == FLOW_ERR_OVERFLOW, "uncovered: %s", text);
		FUZZ_CHECK(flow_refundable(s, t, &refundable) == FLOW_ERR_OVERFLOW, "refundable: %s", text);
		e = flow_status(s, t, &status);
		FUZZ_CHECK(e == FLOW_ERR_OVERFLOW || (e == FLOW_OK && (status == FLOW_PENDING || status == FLOW_VOIDED)),
				   "status with overflowing debt: %s", text);
		return;
	}
	{
		BN			btd = bn_div_pow10(&accrued, FLOW_DEBT_SCALE - s->decimals);
		BN			bcov = bn_min(&bal, &btd);
		BN			bunc,
					bref;
		bool		insolvent = bn_cmp(&btd, &bal) > 0;

		FUZZ_CHECK(e == FLOW_OK && fz_u256_eq_bn(&td, &btd), "total debt at %lld: %s vs oracle %s: %s",
				   (long long) t, err_name(e), fz_bn_str(&btd), text);
		e = flow_covered_debt(s, t, &covered);
		{
			BN			c = bn_u128(covered);

			FUZZ_CHECK(e == FLOW_OK && bn_eq(&c, &bcov), "covered debt at %lld: %s", (long long) t, text);
		}
		e = flow_uncovered_debt(s, t, &unc);
		if (insolvent)
			bn_sub(&bunc, &btd, &bal);
		else
			bunc = bn_zero();
		FUZZ_CHECK(e == FLOW_OK && fz_u256_eq_bn(&unc, &bunc), "uncovered debt at %lld: %s", (long long) t, text);
		e = flow_refundable(s, t, &refundable);
		bn_sub(&bref, &bal, &bcov);
		{
			BN			r = bn_u128(refundable);

			FUZZ_CHECK(e == FLOW_OK && bn_eq(&r, &bref), "refundable at %lld: %s", (long long) t, text);
		}
		FUZZ_CHECK(covered + refundable == s->balance, "balance != covered + refundable: %s", text);

		e = flow_status(s, t, &status);
		FUZZ_CHECK(e == FLOW_OK, "status error %s: %s", err_name(e), text);
		{
			FlowStatus	want;

			if (s->st > t)
				want = FLOW_PENDING;
			else if (s->voided)
				want = FLOW_VOIDED;
			else if (s->has_end && t >= s->end)
				want = insolvent ? FLOW_ENDED_INSOLVENT : FLOW_ENDED_SOLVENT;
			else if (s->rps == 0)
				want = insolvent ? FLOW_PAUSED_INSOLVENT : FLOW_PAUSED_SOLVENT;
			else
				want = insolvent ? FLOW_STREAMING_INSOLVENT : FLOW_STREAMING_SOLVENT;
			FUZZ_CHECK(status == want, "status at %lld is %s, SPEC says %s: %s", (long long) t,
					   status_name(status), status_name(want), text);
		}
	}
}

/*
 * The depletion time is the first microsecond with td >= balance + 1,
 * computed here by ceiling division in the oracle's arithmetic.
 */
static inline void
fz_check_depletion(const FlowState *s)
{
	int64_t		at = 0;
	FlowDepletion d = flow_depletion_time(s, &at);
	char		text[FLOW_TEXT_MAX];
	BN			unit = fz_bn_unit(s->decimals);
	BN			target,
				b1 = bn_u128(s->balance),
				one = bn_u64(1),
				sd = bn_from_u256(&s->sd);

	flow_format_state(s, text);
	if (s->rps == 0)
	{
		FUZZ_CHECK(d == FLOW_DEPLETION_NONE, "rate 0 but a depletion time: %s", text);
		return;
	}
	bn_add(&b1, &b1, &one);
	bn_mul(&target, &b1, &unit);
	if (bn_cmp(&sd, &target) >= 0)
	{
		FUZZ_CHECK(d == FLOW_DEPLETION_AT && at == s->st, "already depleted: want st: %s", text);
		return;
	}
	{
		BN			need,
					q,
					r,
					rps = bn_u128(s->rps),
					room = bn_u64((uint64_t) FLOW_TIME_MAX - (uint64_t) s->st);

		bn_sub(&need, &target, &sd);
		bn_divmod(&q, &r, &need, &rps);
		if (!bn_is_zero(&r))
			bn_add(&q, &q, &one);
		if (bn_cmp(&q, &room) > 0)
		{
			FUZZ_CHECK(d == (s->has_end ? FLOW_DEPLETION_NONE : FLOW_DEPLETION_BEYOND),
					   "depletion should be beyond timestamptz (got %d, %lld): %s",
					   (int) d, (long long) at, text);
			return;
		}
		/* a stream solvent at its end (or whose end is behind st) never depletes */
		if (s->has_end && (s->end < s->st ||
						   (int64_t) ((uint64_t) s->st + (uint64_t) bn_low128(&q)) > s->end))
		{
			FUZZ_CHECK(d == FLOW_DEPLETION_NONE, "solvent at its end, yet a depletion time (%d): %s",
					   (int) d, text);
			return;
		}
		FUZZ_CHECK(d == FLOW_DEPLETION_AT, "depletion should be at a time (got %d): %s", (int) d, text);
		FUZZ_CHECK((uint64_t) at == (uint64_t) s->st + (uint64_t) bn_low128(&q),
				   "depletion at %lld, oracle %s after st: %s", (long long) at, fz_bn_str(&q), text);
		FUZZ_CHECK(flow_check_time(at), "depletion time out of range: %s", text);
	}
}

/* Everything about one accepted state, viewed at a few times around t. */
static inline void
fz_check_state(const FlowState *s, int64_t t)
{
	const int64_t times[] = {
		t, s->st, s->st - 1, s->st + 1, s->last, s->last + 1,
		FLOW_TIME_MIN, FLOW_TIME_MAX, 0
	};

	fz_check_roundtrip(s);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		fz_check_views(s, times[i]);
	fz_check_depletion(s);
	{
		int64_t		at;

		if (flow_depletion_time(s, &at) == FLOW_DEPLETION_AT)
		{
			fz_check_views(s, at);
			fz_check_views(s, at - 1);
		}
	}
}

/* ------------------------------------------------------------------ */
/* the transitions against a model of SPEC §1 and §5                   */
/* ------------------------------------------------------------------ */

/*
 * What SPEC §1/§5 says op(a) at t does to before: the first error in §5's
 * order (time, status, amount, then the limits), or the new state.
 */
static inline FlowError
fz_model(const FlowState *before, int op, const FlowAmount *a, int64_t t,
		 FlowState *after, BN *written_off)
{
	bool		pending = before->st > t;
	bool		ended = before->has_end && t >= before->end;
	bool		overflow = false;
	BN			unit = fz_bn_unit(before->decimals);
	BN			accrued = bn_zero();
	BN			td = bn_zero();
	BN			bal = bn_u128(before->balance);
	FlowError	amount_err = FLOW_OK;

	*after = *before;
	*written_off = bn_zero();
	if (!flow_check_time(t))
		return FLOW_ERR_TIME_RANGE;
	if (t < before->last)
		return FLOW_ERR_TIME_ORDER;

	/* status errors */
	switch (op)
	{
		case OP_DEPOSIT:
			if (before->voided)
				return FLOW_ERR_VOIDED;
			break;
		case OP_PAUSE:
			if (pending)
				return FLOW_ERR_PENDING;
			if (before->voided)
				return FLOW_ERR_PAUSED;
			if (ended)
				return FLOW_ERR_ENDED;
			if (before->rps == 0)
				return FLOW_ERR_PAUSED;
			break;
		case OP_RESTART:
			if (pending)
				return FLOW_ERR_NOT_PAUSED;
			if (before->voided)
				return FLOW_ERR_VOIDED;
			if (ended)
				return FLOW_ERR_ENDED;
			if (before->rps != 0)
				return FLOW_ERR_NOT_PAUSED;
			break;
		case OP_ADJUST:
			if (!pending && before->voided)
				return FLOW_ERR_PAUSED;
			if (ended)
				return FLOW_ERR_ENDED;
			if (!pending && before->rps == 0)
				return FLOW_ERR_PAUSED;
			break;
		case OP_VOID:
			if (before->voided)
				return FLOW_ERR_VOIDED;
			break;
		default:
			break;
	}

	/* the amount's own errors */
	if (op != OP_PAUSE && op != OP_VOID)
	{
		if (a->err != FLOW_OK)
			amount_err = a->err;
		else if (a->units > I127_MAX)
			amount_err = FLOW_ERR_OVERFLOW;
		else if (a->units == 0)
			amount_err = FLOW_ERR_NOT_POSITIVE;
		if (amount_err != FLOW_OK)
			return amount_err;
	}

	if (!pending || op == OP_WITHDRAW || op == OP_REFUND)
	{
		accrued = fz_bn_accrued(before, t, &overflow);
		if (!overflow)
			td = bn_div_pow10(&accrued, FLOW_DEBT_SCALE - before->decimals);
	}

	switch (op)
	{
		case OP_DEPOSIT:
			{
				BN			sum,
							amt = bn_u128(a->units),
							lim = bn_u128(I127_MAX);

				bn_add(&sum, &bal, &amt);
				if (bn_cmp(&sum, &lim) > 0)
					return FLOW_ERR_OVERFLOW;
				after->balance = bn_low128(&sum);
				break;
			}
		case OP_WITHDRAW:
			{
				BN			covered,
							amt = bn_u128(a->units),
							paid,
							sd = bn_from_u256(&before->sd);

				if (overflow)
					return FLOW_ERR_OVERFLOW;
				covered = bn_min(&bal, &td);
				if (bn_cmp(&amt, &covered) > 0)
					return FLOW_ERR_OVERDRAW;
				bn_mul(&paid, &amt, &unit);
				if (bn_cmp(&paid, &sd) <= 0)
					bn_sub(&sd, &sd, &paid);
				else
				{
					if (fz_too_wide_for_end(before, &accrued))
						return FLOW_ERR_OVERFLOW;
					bn_sub(&sd, &accrued, &paid);
					if (after->st < t)
						after->st = t;
				}
				FUZZ_CHECK(bn_to_u256(&sd, &after->sd), "model: sd does not fit");
				after->balance -= a->units;
				break;
			}
		case OP_REFUND:
			{
				BN			covered,
							refundable,
							amt = bn_u128(a->units);

				if (overflow)
					return FLOW_ERR_OVERFLOW;
				covered = bn_min(&bal, &td);
				bn_sub(&refundable, &bal, &covered);
				if (bn_cmp(&amt, &refundable) > 0)
					return FLOW_ERR_OVERREFUND;
				after->balance -= a->units;
				break;
			}
		case OP_PAUSE:
			if (overflow || fz_too_wide_for_end(before, &accrued))
				return FLOW_ERR_OVERFLOW;
			bn_to_u256(&accrued, &after->sd);
			if (after->st < t)
				after->st = t;
			after->rps = 0;
			break;
		case OP_RESTART:
			if (after->st < t)
				after->st = t;
			after->rps = a->units;
			break;
		case OP_ADJUST:
			if (a->units == before->rps)
				return FLOW_ERR_SAME_RATE;
			if (!pending)
			{
				if (overflow || fz_too_wide_for_end(before, &accrued))
					return FLOW_ERR_OVERFLOW;
				bn_to_u256(&accrued, &after->sd);
				if (after->st < t)
					after->st = t;
			}
			after->rps = a->units;
			break;
		case OP_VOID:
			if (!pending)
			{
				if (overflow)
					return FLOW_ERR_OVERFLOW;
				if (bn_cmp(&td, &bal) > 0)
				{
					BN			sd;

					bn_mul(&sd, &bal, &unit);
					if (fz_too_wide_for_end(before, &sd))
						return FLOW_ERR_OVERFLOW;
					bn_sub(written_off, &td, &bal);
					bn_to_u256(&sd, &after->sd);
				}
				else
				{
					if (fz_too_wide_for_end(before, &accrued))
						return FLOW_ERR_OVERFLOW;
					bn_to_u256(&accrued, &after->sd);
				}
			}
			after->st = t;
			after->rps = 0;
			after->voided = true;
			break;
	}
	after->last = t;
	return FLOW_OK;
}

/*
 * Applies op(a) at t to *s with the core and checks it against the model;
 * on success *s is the new state (checked in full), else it is unchanged.
 */
static inline FlowError
fz_apply_checked(FlowState *s, int op, const FlowAmount *a, int64_t t)
{
	FlowState	before = *s,
				want;
	BN			want_off;
	U256		off = {{0, 0, 0, 0}};
	FlowError	got,
				exp;
	char		text[FLOW_TEXT_MAX];

	exp = fz_model(&before, op, a, t, &want, &want_off);
	got = apply_op(s, op, a, t, &off);
	flow_format_state(&before, text);
	FUZZ_CHECK(got == exp, "%s(err=%s, units=%s) at %lld: core %s, SPEC %s, on %s",
			   op_names[op], err_name(a->err), u128_str(a->units, (char[64]) {0}),
			   (long long) t, err_name(got), err_name(exp), text);
	if (got != FLOW_OK)
	{
		FUZZ_CHECK(memcmp(s, &before, sizeof(FlowState)) == 0,
				   "%s failed with %s but changed the state: %s", op_names[op], err_name(got), text);
		return got;
	}
	{
		char		t1[FLOW_TEXT_MAX],
					t2[FLOW_TEXT_MAX];

		flow_format_state(s, t1);
		flow_format_state(&want, t2);
		FUZZ_CHECK(flow_state_cmp(s, &want) == 0, "%s(%s) at %lld on %s:\n  core  %s\n  model %s",
				   op_names[op], u128_str(a->units, (char[64]) {0}), (long long) t, text, t1, t2);
	}
	if (op == OP_VOID)
		FUZZ_CHECK(fz_u256_eq_bn(&off, &want_off), "void wrote off %s, model %s: %s",
				   u256_str(&off, (char[100]) {0}), fz_bn_str(&want_off), text);
	/* invariants: the state stays reachable, time and voidness never go back */
	FUZZ_CHECK(flow_state_problem(s) == NULL, "%s left an unreachable state (%s) from %s",
			   op_names[op], flow_state_problem(s), text);
	FUZZ_CHECK(s->last == t, "last op not moved to t");
	FUZZ_CHECK(!before.voided || s->voided, "a voided stream came back");
	FUZZ_CHECK(s->st >= before.st || (op == OP_VOID && before.st > t), "snapshot time went back");
	fz_check_state(s, t);
	return got;
}

/*
 * flow_touch (a transfer or a new grace: no money moves, but the operation
 * takes its place in time) at t: SF010 before the last operation, else only
 * last_op moves.
 */
static inline FlowError
fz_touch_checked(FlowState *s, int64_t t)
{
	FlowState	before = *s;
	FlowError	exp = !flow_check_time(t) ? FLOW_ERR_TIME_RANGE :
		t < before.last ? FLOW_ERR_TIME_ORDER : FLOW_OK;
	FlowError	got = flow_touch(s, t);
	char		text[FLOW_TEXT_MAX];

	flow_format_state(&before, text);
	FUZZ_CHECK(got == exp, "touch at %lld: core %s, SPEC %s, on %s", (long long) t, err_name(got),
			   err_name(exp), text);
	if (got != FLOW_OK)
	{
		FUZZ_CHECK(memcmp(s, &before, sizeof(FlowState)) == 0, "touch failed but changed the state: %s", text);
		return got;
	}
	before.last = t;
	FUZZ_CHECK(flow_state_cmp(s, &before) == 0, "touch changed more than last_op: %s", text);
	FUZZ_CHECK(flow_state_problem(s) == NULL, "touch left an unreachable state from %s", text);
	fz_check_state(s, t);
	return got;
}

#endif							/* FLOWSTREAM_FUZZ_COMMON_H */
