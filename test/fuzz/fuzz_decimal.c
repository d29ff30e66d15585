/*
 * fuzz_decimal.c — libFuzzer target: the scalar text forms of the core,
 * each against an independent reference in this file or oracle.h.
 *
 *   byte 0 = kind + 4 * scale:  kind (byte 0 % 4), scale ((byte 0 / 4) % 25)
 *   kind 0  flow_parse_decimal(rest, scale): what the literal's amounts use
 *   kind 1  flow_parse_amount(rest, scale): what every numeric argument of
 *           the SQL functions goes through (numeric_out's text)
 *   kind 2  flow_parse_time(rest): the literal's times
 *   kind 3  flow_format_time / flow_format_decimal of raw bytes, parsed back
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reference: digits [ '.' digits ], at most `scale` significant fractional
 * digits (extra zeros allowed), value * 10^scale below 2^256.
 */
static FlowError
RefDecimal(const char *s, size_t len, int scale, BN *out)
{
	size_t		i = 0,
				int_start,
				int_end,
				frac_start = 0,
				frac_end = 0;
	size_t		sig;
	BN			v = bn_zero();
	BN			lim = fz_bn_2_256();

	while (i < len && IsDigit(s[i]))
		i++;
	if (i == 0)
		return FLOW_ERR_NOT_A_NUMBER;
	int_start = 0;
	int_end = i;
	if (i < len && s[i] == '.')
	{
		frac_start = ++i;
		while (i < len && IsDigit(s[i]))
			i++;
		frac_end = i;
		if (frac_end == frac_start)
			return FLOW_ERR_NOT_A_NUMBER;
	}
	if (i != len)
		return FLOW_ERR_NOT_A_NUMBER;
	for (size_t k = frac_start + scale; k < frac_end; k++)
		if (s[k] != '0')
			return FLOW_ERR_PRECISION;
	while (int_start < int_end && s[int_start] == '0')
		int_start++;
	sig = int_end - int_start;
	if (sig + scale > 100)
		return FLOW_ERR_OVERFLOW;	/* >= 10^100 > 2^256 */
	for (size_t k = int_start; k < int_end; k++)
	{
		BN			d = bn_u64((uint64_t) (s[k] - '0'));

		bn_mul_small(&v, &v, 10);
		bn_add(&v, &v, &d);
	}
	for (int k = 0; k < scale; k++)
	{
		size_t		p = frac_start + k;
		BN			d = bn_u64(frac_start != 0 && p < frac_end ? (uint64_t) (s[p] - '0') : 0);

		bn_mul_small(&v, &v, 10);
		bn_add(&v, &v, &d);
	}
	if (bn_cmp(&v, &lim) >= 0)
		return FLOW_ERR_OVERFLOW;
	*out = v;
	return FLOW_OK;
}

/* the core's answer must be the reference's, up to which error comes first */
static void
CompareDecimal(FlowError got, const U256 *gv, FlowError want, const BN *wv, const char *what)
{
	switch (want)
	{
		case FLOW_OK:
			FUZZ_CHECK(got == FLOW_OK && fz_u256_eq_bn(gv, wv), "%s: want %s, got %s", what,
					   fz_bn_str(wv), err_name(got));
			break;
		case FLOW_ERR_NOT_A_NUMBER:
			FUZZ_CHECK(got == FLOW_ERR_NOT_A_NUMBER || got == FLOW_ERR_OVERFLOW || got == FLOW_ERR_PRECISION,
					   "%s: malformed, got %s", what, err_name(got));
			break;
		case FLOW_ERR_PRECISION:
			FUZZ_CHECK(got == FLOW_ERR_PRECISION || got == FLOW_ERR_OVERFLOW,
					   "%s: too many decimals, got %s", what, err_name(got));
			break;
		default:
			FUZZ_CHECK(got == want, "%s: want %s, got %s", what, err_name(want), err_name(got));
			break;
	}
}

/* Reference grammar of flow_parse_time: YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}]Z */
static bool
RefTime(const char *s, size_t len, int64_t *t)
{
	size_t		i = 0,
				ylen;
	int64_t		y = 0;
	int			f[5];
	const char	seps[5] = {'-', '-', 'T', ':', ':'};
	int			us = 0,
				n = 0;

	while (i < len && IsDigit(s[i]))
		i++;
	ylen = i;
	if (ylen < 4 || ylen > 6 || (ylen > 4 && s[0] == '0'))
		return false;
	for (size_t k = 0; k < ylen; k++)
		y = y * 10 + (s[k] - '0');
	if (y < 1 || y > 294276)
		return false;
	for (int k = 0; k < 5; k++)
	{
		if (i >= len || !(s[i] == seps[k] || (k == 2 && s[i] == ' ')))
			return false;
		i++;
		if (i + 2 > len || !IsDigit(s[i]) || !IsDigit(s[i + 1]))
			return false;
		f[k] = (s[i] - '0') * 10 + (s[i + 1] - '0');
		i += 2;
	}
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && IsDigit(s[i]) && n < 7)
		{
			us = us * 10 + (s[i] - '0');
			n++;
			i++;
		}
		if (n == 0 || n > 6)
			return false;
		for (; n < 6; n++)
			us *= 10;
	}
	if (i + 1 != len || s[i] != 'Z')
		return false;
	if (f[0] < 1 || f[0] > 12 || f[1] < 1 || f[1] > oracle_month_len(y, f[0]) ||
		f[2] > 23 || f[3] > 59 || f[4] > 59)
		return false;
	*t = oracle_time(y, f[0], f[1], f[2], f[3], f[4], us);
	return true;
}

static void
CheckTimeText(int64_t t)
{
	char		a[FLOW_TIME_TEXT_MAX + 4],
				b[FLOW_TIME_TEXT_MAX + 4];
	int64_t		back = 0;

	memset(a, 0x5a, sizeof(a));
	flow_format_time(t, a);
	FUZZ_CHECK((unsigned char) a[FLOW_TIME_TEXT_MAX] == 0x5a, "time text overran its buffer");
	oracle_format_time(t, b);
	FUZZ_CHECK(strcmp(a, b) == 0, "time %lld formats as %s, oracle %s", (long long) t, a, b);
	FUZZ_CHECK(flow_parse_time(a, strlen(a), &back) && back == t, "time %s does not parse back", a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			kind,
				scale;
	const char *rest;
	size_t		len;
	char	   *str;

	if (size < 1)
		return 0;
	kind = data[0] % 4;
	scale = (data[0] / 4) % 25;
	rest = (const char *) data + 1;
	len = size - 1;

	switch (kind)
	{
		case 0:
			{
				U256		got = {{0, 0, 0, 0}};
				BN			want = bn_zero();
				FlowError	ge = flow_parse_decimal(rest, len, scale, &got);
				FlowError	we = RefDecimal(rest, len, scale, &want);

				CompareDecimal(ge, &got, we, &want, "flow_parse_decimal");
				if (ge == FLOW_OK)
				{
					char		buf[FLOW_DECIMAL_MAX + 4];
					U256		back;

					memset(buf, 0x5a, sizeof(buf));
					flow_format_decimal(&got, scale, 0, buf);
					FUZZ_CHECK((unsigned char) buf[FLOW_DECIMAL_MAX] == 0x5a, "decimal text overran its buffer");
					FUZZ_CHECK(flow_parse_decimal(buf, strlen(buf), scale, &back) == FLOW_OK &&
							   u256_cmp(&back, &got) == 0, "decimal %s does not parse back", buf);
				}
				break;
			}
		case 1:
			{
				FlowAmount	a;
				BN			want = bn_zero();
				FlowError	we;
				bool		negative;
				size_t		n;

				str = malloc(len + 1);
				memcpy(str, rest, len);
				str[len] = '\0';
				n = strlen(str);
				a = flow_parse_amount(str, scale);
				negative = str[0] == '-';
				we = RefDecimal(str + negative, n - negative, scale, &want);
				if (we == FLOW_OK)
				{
					BN			lim = bn_u128(I127_MAX);

					if (negative && !bn_is_zero(&want))
						we = FLOW_ERR_NOT_POSITIVE;
					else if (bn_cmp(&want, &lim) > 0)
						we = FLOW_ERR_OVERFLOW;
				}
				{
					U256		got = u256_from_u128(a.units);

					CompareDecimal(a.err, &got, we, &want, "flow_parse_amount");
				}
				if (a.err == FLOW_OK)
					FUZZ_CHECK(a.units <= I127_MAX, "amount above 2^127 - 1 accepted");
				free(str);
				break;
			}
		case 2:
			{
				int64_t		got = 0,
							want = 0;
				bool		gok = flow_parse_time(rest, len, &got);
				bool		wok = RefTime(rest, len, &want);

				FUZZ_CHECK(gok == wok, "flow_parse_time says %d, reference %d on \"%.*s\"", gok, wok,
						   (int) len, rest);
				if (gok)
				{
					FUZZ_CHECK(got == want, "time %lld, oracle %lld", (long long) got, (long long) want);
					FUZZ_CHECK(flow_check_time(got), "accepted time out of range");
					CheckTimeText(got);
				}
				break;
			}
		default:
			{
				uint8_t		buf[8 + 32 + 1];
				uint64_t	raw = 0;
				const u128	span = (u128) ((uint64_t) FLOW_TIME_MAX - (uint64_t) FLOW_TIME_MIN) + 1;
				U256		v;
				char		text[FLOW_DECIMAL_MAX + 4],
							ref[140];
				int			min_frac = data[0] & 1 ? scale : 0;
				int			rlen;

				memset(buf, 0, sizeof(buf));
				memcpy(buf, rest, len < sizeof(buf) ? len : sizeof(buf));
				for (int i = 0; i < 8; i++)
					raw = (raw << 8) | buf[i];
				CheckTimeText((int64_t) ((uint64_t) FLOW_TIME_MIN + (uint64_t) ((u128) raw % span)));
				for (int i = 0; i < 4; i++)
				{
					v.w[i] = 0;
					for (int k = 0; k < 8; k++)
						v.w[i] = (v.w[i] << 8) | buf[8 + 8 * i + k];
				}
				/* the widest value a caller formats is a full U256 at scale 24 */
				memset(text, 0x5a, sizeof(text));
				flow_format_decimal(&v, scale, min_frac, text);
				FUZZ_CHECK((unsigned char) text[FLOW_DECIMAL_MAX] == 0x5a, "decimal text overran its buffer");
				{
					BN			b = bn_from_u256(&v);

					bn_to_dec_scaled(&b, scale, ref);
				}
				rlen = (int) strlen(ref);
				if (scale > 0)
				{
					int			frac = scale;

					while (frac > min_frac && ref[rlen - 1] == '0')
						rlen--, frac--;
					if (frac == 0)
						rlen--;		/* the point */
					ref[rlen] = '\0';
				}
				FUZZ_CHECK(strcmp(text, ref) == 0, "format_decimal(scale %d, min %d): %s, oracle %s", scale,
						   min_frac, text, ref);
				{
					U256		back;

					FUZZ_CHECK(flow_parse_decimal(text, strlen(text), scale, &back) == FLOW_OK &&
							   u256_cmp(&back, &v) == 0, "%s does not parse back at scale %d", text, scale);
				}
				break;
			}
	}
	return 0;
}
