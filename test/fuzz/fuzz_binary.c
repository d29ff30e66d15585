/*
 * fuzz_binary.c — libFuzzer target: the flowstream.stream binary receive
 * (flow_decode_binary, what stream_recv calls), then the transitions.
 *
 * Input layout:
 *   bytes 0..82   the binary form of a state (big-endian, FLOW_BINARY_LEN);
 *                 when byte 0 is FLOW_FORMAT_END, bytes 0..91 are the form of a
 *                 stream with an end time (FLOW_BINARY_END_LEN), and the rest
 *                 follows from there
 *   byte  83      flags: bit 0 = when the state is rejected, repair it into
 *                 a reachable one instead of stopping (so that the fuzzer
 *                 reaches the transitions from odd states too)
 *   then records of 26 bytes, each one transition:
 *     op      op % 8 (deposit, withdraw, refund, pause, restart, adjust_rate,
 *             void, touch: what transfer and set_void_after do); bits 3..5 inject an amount error (4 not a number,
 *             5 too many decimals, 6 overflow, 7 negative)
 *     shape   bits 0..5: the amount is the 128 raw bits >> (2 * that);
 *             bits 6..7: the time is last + 40 raw bits, last + raw >> 8,
 *             last - 16 raw bits, or the raw int64 itself
 *     time    8 bytes
 *     amount  16 bytes
 * Every decode of another length must fail; every accepted state must pass
 * fz_check_state; every transition must agree with the model of SPEC §1
 * and §5's error order (fz_apply_checked).
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
Get64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static int64_t
ClampTime(__int128 t)
{
	if (t > INT64_MAX)
		return INT64_MAX;
	if (t < INT64_MIN)
		return INT64_MIN;
	return (int64_t) t;
}

/* turns any decoded state into a reachable one, deterministically */
static void
Repair(FlowState *s)
{
	const u128	span = (u128) ((uint64_t) FLOW_TIME_MAX - (uint64_t) FLOW_TIME_MIN) + 1;

	s->decimals = (int16_t) ((uint16_t) s->decimals % (FLOW_MAX_DECIMALS + 1));
	s->rps &= I127_MAX;
	s->balance &= I127_MAX;
	if (!flow_check_time(s->st))
		s->st = (int64_t) ((uint64_t) FLOW_TIME_MIN + (uint64_t) ((u128) (uint64_t) s->st % span));
	if (!flow_check_time(s->last))
		s->last = (int64_t) ((uint64_t) FLOW_TIME_MIN + (uint64_t) ((u128) (uint64_t) s->last % span));
	if (s->voided)
		s->rps = 0;
	if (s->st > s->last && (s->voided || s->rps == 0 || !u256_is_zero(&s->sd)))
		s->st = s->last;
	if (s->has_end)
	{
		if (!flow_check_time(s->end))
			s->end = FLOW_TIME_MAX;
		if (s->st > s->last && s->end <= s->st)
			s->has_end = false;
		s->sd.w[3] = 0;
	}
	if (s->voided)
	{
		U256		cap = u256_mul_128(s->balance + 1, flow_unit_scale[s->decimals]);

		if (u256_cmp(&s->sd, &cap) >= 0)
			s->sd = u256_mul_128(s->balance, flow_unit_scale[s->decimals]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FlowState	s;
	const char *problem;
	uint8_t		flags;

	size_t		len = size >= FLOW_BINARY_END_LEN && data[0] == FLOW_FORMAT_END ?
		FLOW_BINARY_END_LEN : FLOW_BINARY_LEN;

	if (size != FLOW_BINARY_LEN && size != FLOW_BINARY_END_LEN)
	{
		problem = flow_decode_binary(data, size, &s);
		FUZZ_CHECK(problem != NULL, "a binary value of %zu bytes was accepted", size);
	}
	if (size < len)
		return 0;

	problem = flow_decode_binary(data, len, &s);
	flags = size > len ? data[len] : 0;
	if (problem != NULL)
	{
		FUZZ_CHECK(problem[0] != '\0', "empty reason");
		if (!(flags & 1))
			return 0;
		Repair(&s);
		problem = flow_state_problem(&s);
		FUZZ_CHECK(problem == NULL, "harness repair left a problem: %s", problem);
	}
	fz_check_state(&s, s.last);

	for (size_t off = len + 1; off + 26 <= size; off += 26)
	{
		const uint8_t *r = data + off;
		int			op = r[0] % (OP_COUNT + 1);
		int			inject = (r[0] >> 3) & 7;
		int			shift = (r[1] & 63) * 2;
		int			tmode = r[1] >> 6;
		uint64_t	traw = Get64(r + 2);
		u128		araw = ((u128) Get64(r + 10) << 64) | Get64(r + 18);
		FlowAmount	a = {FLOW_OK, araw >> shift};
		int64_t		t;

		switch (inject)
		{
			case 4:
				a = amt_err(FLOW_ERR_NOT_A_NUMBER);
				break;
			case 5:
				a = amt_err(FLOW_ERR_PRECISION);
				break;
			case 6:
				a = amt_err(FLOW_ERR_OVERFLOW);
				break;
			case 7:
				a = amt_err(FLOW_ERR_NOT_POSITIVE);
				break;
			default:
				break;
		}
		switch (tmode)
		{
			case 0:
				t = ClampTime((__int128) s.last + (int64_t) (traw & 0xffffffffffULL));
				break;
			case 1:
				t = ClampTime((__int128) s.last + (int64_t) (traw >> 8));
				break;
			case 2:
				t = ClampTime((__int128) s.last - (int64_t) (traw & 0xffff));
				break;
			default:
				t = (int64_t) traw;
				break;
		}
		if (op == OP_COUNT)
			(void) fz_touch_checked(&s, t);
		else
			(void) fz_apply_checked(&s, op, &a, t);
	}
	return 0;
}
