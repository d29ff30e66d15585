/*
 * flowtext.c — the external forms of the model: decimals, times, the
 * flowstream.stream literal and its binary form.
 *
 * The literal is independent of DateStyle, TimeZone and locale, so a dump
 * restores to the same value on any server:
 *   (decimals=6,rate_per_second=0.001,balance=50000,snapshot_debt=2592,
 *    snapshot_time=2026-01-31T00:00:00Z,last_op=2026-01-31T00:00:00Z,voided=false)
 * Amounts are in tokens and exact: the balance has at most `decimals`
 * fractional digits, the rate 18, the snapshot debt 24.
 */
#include <stdio.h>
#include <string.h>

#include "flow.h"

#define USECS_PER_DAY	INT64_C(86400000000)
#define DAYS_1970_TO_2000	10957

/*
 * Parses an unsigned decimal "123", "123.45" into an integer scaled by
 * 10^scale.  Fractional digits beyond scale are allowed only when they are
 * zeros: they change no value, and a numeric(20,10) column may carry them.
 */
FlowError
flow_parse_decimal(const char *str, size_t len, int scale, U256 *out)
{
	U256		v = {{0, 0, 0, 0}};
	size_t		i = 0;
	int			frac = 0;
	bool		any = false;

	for (; i < len && str[i] >= '0' && str[i] <= '9'; i++)
	{
		U256		digit = u256_from_u128((u128) (str[i] - '0'));

		any = true;
		if (!u256_mul_u64(&v, &v, 10) || !u256_add(&v, &v, &digit))
			return FLOW_ERR_OVERFLOW;
	}
	if (!any)
		return FLOW_ERR_NOT_A_NUMBER;
	if (i < len && str[i] == '.')
	{
		i++;
		if (i == len)
			return FLOW_ERR_NOT_A_NUMBER;
		for (; i < len && str[i] >= '0' && str[i] <= '9'; i++)
		{
			if (frac == scale)
			{
				if (str[i] != '0')
					return FLOW_ERR_PRECISION;
				continue;
			}
			else
			{
				U256		digit = u256_from_u128((u128) (str[i] - '0'));

				if (!u256_mul_u64(&v, &v, 10) || !u256_add(&v, &v, &digit))
					return FLOW_ERR_OVERFLOW;
				frac++;
			}
		}
	}
	if (i != len)
		return FLOW_ERR_NOT_A_NUMBER;
	for (; frac < scale; frac++)
	{
		if (!u256_mul_u64(&v, &v, 10))
			return FLOW_ERR_OVERFLOW;
	}
	*out = v;
	return FLOW_OK;
}

/*
 * An amount or rate as numeric_out() prints it, scaled by 10^scale; errors
 * are kept in the result for the caller to rank (SPEC §5).
 */
FlowAmount
flow_parse_amount(const char *str, int scale)
{
	FlowAmount	a = {FLOW_OK, 0};
	bool		negative = (str[0] == '-');
	U256		v;

	if (negative)
		str++;
	a.err = flow_parse_decimal(str, strlen(str), scale, &v);
	if (a.err != FLOW_OK)
		return a;
	if (negative && !u256_is_zero(&v))
		a.err = FLOW_ERR_NOT_POSITIVE;
	else if (!u256_fits_u128(&v) || u256_low128(&v) > I127_MAX)
		a.err = FLOW_ERR_OVERFLOW;
	else
		a.units = u256_low128(&v);
	return a;
}

/*
 * Writes v / 10^scale as a decimal, keeping at least min_frac fractional
 * digits and no trailing zeros beyond them.  buf needs FLOW_DECIMAL_MAX bytes.
 */
int
flow_format_decimal(const U256 *v, int scale, int min_frac, char *buf)
{
	char		digits[80];
	int			n = u256_to_digits(v, digits);
	int			int_len,
				frac_len,
				len = 0;

	if (n <= scale)
	{
		/* left-pad with zeros so that there is one integer digit */
		memmove(digits + (scale + 1 - n), digits, n + 1);
		memset(digits, '0', scale + 1 - n);
		n = scale + 1;
	}
	int_len = n - scale;
	frac_len = scale;
	while (frac_len > min_frac && digits[int_len + frac_len - 1] == '0')
		frac_len--;

	memcpy(buf, digits, int_len);
	len = int_len;
	if (frac_len > 0)
	{
		buf[len++] = '.';
		memcpy(buf + len, digits + int_len, frac_len);
		len += frac_len;
	}
	buf[len] = '\0';
	return len;
}

static int64_t
DaysFromCivil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	y -= (m <= 2);
	era = y / 400;				/* y >= 0 here: years start at 1 */
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - DAYS_1970_TO_2000;
}

static void
CivilFromDays(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t		z = days + DAYS_1970_TO_2000 + 719468;
	int64_t		era = z / 146097;	/* z >= 0 from year 1 on */
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
DaysInMonth(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Writes t as YYYY-MM-DDTHH:MM:SS[.ffffff]Z, in UTC. buf needs FLOW_TIME_TEXT_MAX bytes. */
void
flow_format_time(int64_t t, char *buf)
{
	int64_t		days = t / USECS_PER_DAY;
	int64_t		us = t % USECS_PER_DAY;
	int64_t		y;
	int			m,
				d,
				len;

	if (us < 0)
	{
		us += USECS_PER_DAY;
		days--;
	}
	CivilFromDays(days, &y, &m, &d);
	len = snprintf(buf, FLOW_TIME_TEXT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d",
				   (long long) y, m, d, (int) (us / 3600000000),
				   (int) (us / 60000000 % 60), (int) (us / 1000000 % 60));
	if (us % 1000000 != 0)
	{
		len += snprintf(buf + len, FLOW_TIME_TEXT_MAX - len, ".%06d",
						(int) (us % 1000000));
		while (buf[len - 1] == '0')
			len--;
	}
	buf[len++] = 'Z';
	buf[len] = '\0';
}

/* Reads exactly n digits at *p into *v; false when they are not digits. */
static bool
Digits(const char **p, const char *end, int n, int64_t *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++)
	{
		if (*p >= end || **p < '0' || **p > '9')
			return false;
		*v = *v * 10 + (**p - '0');
	}
	return true;
}

/* Parses YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}]Z (UTC, years 1 to 294276). */
bool
flow_parse_time(const char *str, size_t len, int64_t *t)
{
	const char *p = str,
			   *end = str + len;
	int64_t		y = 0,
				mo,
				d,
				h,
				mi,
				s,
				us = 0;
	int			ydigits = 0;

	while (p < end && *p >= '0' && *p <= '9' && ydigits < 7)
	{
		y = y * 10 + (*p++ - '0');
		ydigits++;
	}
	/* four digits, or more without a leading zero; and no later than 294276 */
	if (ydigits < 4 || y < 1 || y > 294276 || (ydigits > 4 && str[0] == '0'))
		return false;
	if (p >= end || *p++ != '-' || !Digits(&p, end, 2, &mo) ||
		p >= end || *p++ != '-' || !Digits(&p, end, 2, &d) ||
		p >= end || (*p != 'T' && *p != ' ') || (p++, !Digits(&p, end, 2, &h)) ||
		p >= end || *p++ != ':' || !Digits(&p, end, 2, &mi) ||
		p >= end || *p++ != ':' || !Digits(&p, end, 2, &s))
		return false;
	if (p < end && *p == '.')
	{
		int			n = 0;

		p++;
		while (p < end && *p >= '0' && *p <= '9' && n < 6)
		{
			us = us * 10 + (*p++ - '0');
			n++;
		}
		if (n == 0)
			return false;
		for (; n < 6; n++)
			us *= 10;
	}
	if (p >= end || *p++ != 'Z' || p != end)
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, (int) mo) ||
		h > 23 || mi > 59 || s > 59)
		return false;

	*t = DaysFromCivil(y, (int) mo, (int) d) * USECS_PER_DAY +
		((h * 60 + mi) * 60 + s) * INT64_C(1000000) + us;
	return flow_check_time(*t);
}

/* the fields of the literal, in the order the output writes them */
enum
{
	F_DECIMALS, F_RATE, F_BALANCE, F_DEBT, F_SNAPSHOT, F_LAST, F_END, F_VOIDED, F_COUNT
};
static const char *const field_names[F_COUNT] = {
	"decimals", "rate_per_second", "balance", "snapshot_debt",
	"snapshot_time", "last_op", "end_time", "voided"
};

static bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Says which field is bad and why. */
static bool
Bad(char *detail, const char *fmt, const char *name)
{
	snprintf(detail, FLOW_DETAIL_MAX, fmt, name);
	return false;
}

/* A decimal field of the literal, scaled by 10^scale and at most max. */
static bool
DecimalField(const char *v, size_t len, int scale, const char *name,
			 U256 *out, bool fits127, char *detail)
{
	FlowError	err = flow_parse_decimal(v, len, scale, out);

	if (err == FLOW_ERR_PRECISION)
	{
		snprintf(detail, FLOW_DETAIL_MAX,
				 "Field \"%s\" has more than %d fractional digits.", name, scale);
		return false;
	}
	if (err == FLOW_ERR_NOT_A_NUMBER)
		return Bad(detail, "Field \"%s\" is not an unsigned decimal number.", name);
	if (err == FLOW_ERR_OVERFLOW ||
		(fits127 && (!u256_fits_u128(out) || u256_low128(out) > I127_MAX)))
		return Bad(detail, "Field \"%s\" is out of range.", name);
	return true;
}

/*
 * Parses the literal into *s.  On failure writes a sentence naming the
 * offending part into detail (FLOW_DETAIL_MAX bytes) and returns false.
 */
bool
flow_parse_state(const char *str, FlowState *s, char *detail)
{
	const char *p = str;
	const char *val[F_COUNT] = {0};
	size_t		vlen[F_COUNT] = {0};
	U256		v;
	int64_t		decimals;
	const char *problem;

	while (IsSpace(*p))
		p++;
	if (*p++ != '(')
		return Bad(detail, "%s", "Expected \"(\" at the start.");
	for (;;)
	{
		const char *name,
				   *value;
		size_t		nlen,
					len;
		int			f;

		while (IsSpace(*p))
			p++;
		name = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')
			p++;
		nlen = p - name;
		for (f = 0; f < F_COUNT; f++)
		{
			if (strlen(field_names[f]) == nlen && strncmp(name, field_names[f], nlen) == 0)
				break;
		}
		if (nlen == 0)
			return Bad(detail, "%s", "Expected a field name.");
		if (f == F_COUNT)
		{
			char		shown[41];
			size_t		show = nlen;

			snprintf(shown, sizeof(shown), "%.*s", (int) (show > 40 ? 40 : show), name);
			return Bad(detail, "Unknown field \"%s\".", shown);
		}
		if (val[f] != NULL)
			return Bad(detail, "Field \"%s\" appears twice.", field_names[f]);
		while (IsSpace(*p))
			p++;
		if (*p++ != '=')
			return Bad(detail, "Expected \"=\" after field \"%s\".", field_names[f]);
		while (IsSpace(*p))
			p++;
		value = p;
		while (*p != '\0' && *p != ',' && *p != ')')
			p++;
		len = p - value;
		while (len > 0 && IsSpace(value[len - 1]))
			len--;
		if (len == 0)
			return Bad(detail, "Field \"%s\" has no value.", field_names[f]);
		val[f] = value;
		vlen[f] = len;
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == ')')
			break;
		return Bad(detail, "%s", "Expected \")\" at the end.");
	}
	p++;
	while (IsSpace(*p))
		p++;
	if (*p != '\0')
		return Bad(detail, "%s", "Unexpected text after \")\".");
	for (int f = 0; f < F_COUNT; f++)
	{
		/* end_time is there only for a stream that has one */
		if (val[f] == NULL && f != F_END)
			return Bad(detail, "Missing field \"%s\".", field_names[f]);
	}

	memset(s, 0, sizeof(*s));
	if (vlen[F_DECIMALS] > 2 ||
		flow_parse_decimal(val[F_DECIMALS], vlen[F_DECIMALS], 0, &v) != FLOW_OK)
		return Bad(detail, "Field \"%s\" must be an integer from 0 to 18.", "decimals");
	decimals = (int64_t) v.w[0];
	if (decimals > FLOW_MAX_DECIMALS)
		return Bad(detail, "Field \"%s\" must be an integer from 0 to 18.", "decimals");
	s->decimals = (int16_t) decimals;

	if (!DecimalField(val[F_RATE], vlen[F_RATE], FLOW_RATE_SCALE, "rate_per_second",
					  &v, true, detail))
		return false;
	s->rps = u256_low128(&v);
	if (!DecimalField(val[F_BALANCE], vlen[F_BALANCE], (int) decimals, "balance",
					  &v, true, detail))
		return false;
	s->balance = u256_low128(&v);
	if (!DecimalField(val[F_DEBT], vlen[F_DEBT], FLOW_DEBT_SCALE, "snapshot_debt",
					  &s->sd, false, detail))
		return false;
	if (!flow_parse_time(val[F_SNAPSHOT], vlen[F_SNAPSHOT], &s->st))
		return Bad(detail, "Field \"%s\" is not a time like 2026-01-31T00:00:00Z.",
				   "snapshot_time");
	if (!flow_parse_time(val[F_LAST], vlen[F_LAST], &s->last))
		return Bad(detail, "Field \"%s\" is not a time like 2026-01-31T00:00:00Z.",
				   "last_op");
	if (val[F_END] != NULL)
	{
		s->has_end = true;
		if (!flow_parse_time(val[F_END], vlen[F_END], &s->end))
			return Bad(detail, "Field \"%s\" is not a time like 2026-01-31T00:00:00Z.",
					   "end_time");
	}
	if (vlen[F_VOIDED] == 4 && strncmp(val[F_VOIDED], "true", 4) == 0)
		s->voided = true;
	else if (vlen[F_VOIDED] == 5 && strncmp(val[F_VOIDED], "false", 5) == 0)
		s->voided = false;
	else
		return Bad(detail, "Field \"%s\" must be true or false.", "voided");

	problem = flow_state_problem(s);
	if (problem != NULL)
		return Bad(detail, "Inconsistent state: %s.", problem);
	return true;
}

/* Writes the literal of s; buf needs FLOW_TEXT_MAX bytes. */
void
flow_format_state(const FlowState *s, char *buf)
{
	char		rate[FLOW_DECIMAL_MAX],
				balance[FLOW_DECIMAL_MAX],
				debt[FLOW_DECIMAL_MAX],
				st[FLOW_TIME_TEXT_MAX],
				last[FLOW_TIME_TEXT_MAX],
				end[FLOW_TIME_TEXT_MAX + 10] = "";
	U256		v;

	v = u256_from_u128(s->rps);
	flow_format_decimal(&v, FLOW_RATE_SCALE, 0, rate);
	v = u256_from_u128(s->balance);
	flow_format_decimal(&v, s->decimals, 0, balance);
	flow_format_decimal(&s->sd, FLOW_DEBT_SCALE, 0, debt);
	flow_format_time(s->st, st);
	flow_format_time(s->last, last);
	if (s->has_end)
	{
		memcpy(end, ",end_time=", 10);
		flow_format_time(s->end, end + 10);
	}
	snprintf(buf, FLOW_TEXT_MAX,
			 "(decimals=%d,rate_per_second=%s,balance=%s,snapshot_debt=%s,"
			 "snapshot_time=%s,last_op=%s%s,voided=%s)",
			 s->decimals, rate, balance, debt, st, last, end,
			 s->voided ? "true" : "false");
}

static uint64_t
GetBig(const unsigned char *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
PutBig(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char) v;
}

/*
 * Reads the binary form into *s; returns why it is not a reachable state,
 * or NULL.  0.1.0's form is FLOW_BINARY_LEN bytes, big-endian: decimals
 * int16 (so its first byte is 0), voided byte, rate 128 bits, balance 128
 * bits, debt 256 bits, snapshot time, last operation.  A stream with an end
 * time has the format byte FLOW_FORMAT_END first, then those bytes, then
 * the end time.
 */
const char *
flow_decode_binary(const unsigned char *buf, size_t len, FlowState *s)
{
	int			decimals;
	int64_t		end = 0;
	bool		has_end = false;

	if (len == FLOW_BINARY_END_LEN)
	{
		if (buf[0] != FLOW_FORMAT_END)
			return "a value of 92 bytes (one with an end time) starts with the format byte 2";
		has_end = true;
		end = (int64_t) GetBig(buf + 1 + FLOW_BINARY_LEN);
		buf++;
		len = FLOW_BINARY_LEN;
	}
	if (len != FLOW_BINARY_LEN)
		return "the value has the wrong length";
	memset(s, 0, sizeof(*s));
	s->has_end = has_end;
	s->end = end;
	decimals = (int16_t) ((buf[0] << 8) | buf[1]);
	if (buf[2] > 1)
		return "voided must be 0 or 1";
	s->decimals = (int16_t) decimals;
	s->voided = buf[2] == 1;
	s->rps = ((u128) GetBig(buf + 3) << 64) | GetBig(buf + 11);
	s->balance = ((u128) GetBig(buf + 19) << 64) | GetBig(buf + 27);
	for (int i = 0; i < 4; i++)
		s->sd.w[3 - i] = GetBig(buf + 35 + 8 * i);
	s->st = (int64_t) GetBig(buf + 67);
	s->last = (int64_t) GetBig(buf + 75);
	return flow_state_problem(s);
}

/*
 * Writes the binary form of s into out (FLOW_BINARY_MAX bytes of room);
 * returns its length.
 */
size_t
flow_encode_binary(const FlowState *s, unsigned char *out)
{
	if (s->has_end)
	{
		FlowState	without = *s;

		without.has_end = false;
		out[0] = FLOW_FORMAT_END;
		(void) flow_encode_binary(&without, out + 1);
		PutBig(out + 1 + FLOW_BINARY_LEN, (uint64_t) s->end);
		return FLOW_BINARY_END_LEN;
	}
	out[0] = (unsigned char) ((uint16_t) s->decimals >> 8);
	out[1] = (unsigned char) s->decimals;
	out[2] = s->voided ? 1 : 0;
	PutBig(out + 3, (uint64_t) (s->rps >> 64));
	PutBig(out + 11, (uint64_t) s->rps);
	PutBig(out + 19, (uint64_t) (s->balance >> 64));
	PutBig(out + 27, (uint64_t) s->balance);
	for (int i = 0; i < 4; i++)
		PutBig(out + 35 + 8 * i, s->sd.w[3 - i]);
	PutBig(out + 67, (uint64_t) s->st);
	PutBig(out + 75, (uint64_t) s->last);
	return FLOW_BINARY_LEN;
}

/*
 * The stored form of format 0 (0.1.0), in the machine's byte order: the
 * snapshot debt's four 64-bit limbs, least significant first, at 0; the
 * rate at 32 and the balance at 48 (128 bits each); the snapshot time at
 * 64; the last operation at 72; the decimals, a 16-bit integer at 80; the
 * voided flag at 82; zeros to 88.  The decimals never exceed 18, so the
 * high byte of that integer is zero in every value 0.1.0 stored: it is the
 * format byte.
 *
 * Format FLOW_FORMAT_END, a stream with an end time: the same but that the
 * snapshot debt has three limbs (what accrues until an end is below 2^191,
 * flow_state_problem() sees to it) and the end time takes the fourth, at 24.
 * A stream without an end is always stored in format 0, byte for byte as
 * 0.1.0 stored it.
 */
#define STORED_SD		0
#define STORED_END		24
#define STORED_RATE		32
#define STORED_BALANCE	48
#define STORED_ST		64
#define STORED_LAST		72
#define STORED_VOIDED	82
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define STORED_DECIMALS	81
#define STORED_FORMAT	80
#else
#define STORED_DECIMALS	80
#define STORED_FORMAT	81
#endif

/* The format number of a stored value. */
int
flow_stored_format(const void *stored)
{
	return ((const unsigned char *) stored)[STORED_FORMAT];
}

/* Reads a stored value of format 0 or FLOW_FORMAT_END into *s. */
void
flow_load(const void *stored, FlowState *s)
{
	const unsigned char *p = (const unsigned char *) stored;
	u128		rps,
				balance;

	memcpy(s->sd.w, p + STORED_SD, sizeof(s->sd.w));
	s->has_end = p[STORED_FORMAT] == FLOW_FORMAT_END;
	s->end = 0;
	if (s->has_end)
	{
		memcpy(&s->end, p + STORED_END, sizeof(int64_t));
		s->sd.w[3] = 0;
	}
	memcpy(&rps, p + STORED_RATE, sizeof(u128));
	memcpy(&balance, p + STORED_BALANCE, sizeof(u128));
	s->rps = rps;
	s->balance = balance;
	memcpy(&s->st, p + STORED_ST, sizeof(int64_t));
	memcpy(&s->last, p + STORED_LAST, sizeof(int64_t));
	s->decimals = p[STORED_DECIMALS];
	s->voided = p[STORED_VOIDED] != 0;
}

/* Writes s in the stored form; every byte is set, padding included. */
void
flow_store(const FlowState *s, void *stored)
{
	unsigned char *p = (unsigned char *) stored;
	u128		rps = s->rps,
				balance = s->balance;

	memset(p, 0, FLOW_STORED_LEN);
	memcpy(p + STORED_SD, s->sd.w, sizeof(s->sd.w));
	memcpy(p + STORED_RATE, &rps, sizeof(u128));
	memcpy(p + STORED_BALANCE, &balance, sizeof(u128));
	memcpy(p + STORED_ST, &s->st, sizeof(int64_t));
	memcpy(p + STORED_LAST, &s->last, sizeof(int64_t));
	p[STORED_DECIMALS] = (unsigned char) s->decimals;
	p[STORED_FORMAT] = FLOW_FORMAT_0_1;
	if (s->has_end)
	{
		memcpy(p + STORED_END, &s->end, sizeof(int64_t));
		p[STORED_FORMAT] = FLOW_FORMAT_END;
	}
	p[STORED_VOIDED] = s->voided ? 1 : 0;
}
