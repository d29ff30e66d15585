/*
 * accounttext.c — the external forms of an account (account.h): its
 * literal, its binary form and its stored form.
 *
 * The literal is independent of DateStyle, TimeZone and locale, and exact:
 *   (decimals=6,balance=-1.5,netflow=-0.01,buffer=36,settled_at=2026-01-01T00:00:00Z,
 *    last_op=2026-01-01T00:00:00Z)
 * balance is the static balance at settled_at, in tokens with up to 24
 * fractional digits and a sign; netflow is in tokens per second (18
 * digits, signed); buffer in tokens (the token's decimals).
 */
#include <stdio.h>
#include <string.h>

#include "account.h"

/* Writes v / 10^scale with a sign, at least min_frac fractional digits. */
static void
FormatSigned(const I256 *v, int scale, int min_frac, char *buf)
{
	U256		abs = i256_abs(v);

	if (i256_is_neg(v))
	{
		buf[0] = '-';
		flow_format_decimal(&abs, scale, min_frac, buf + 1);
	}
	else
		flow_format_decimal(&abs, scale, min_frac, buf);
}

/* Parses an optionally negative decimal into a signed integer scaled by 10^scale. */
static bool
ParseSigned(const char *str, size_t len, int scale, I256 *out)
{
	bool		neg = len > 0 && str[0] == '-';
	U256		abs;

	if (neg)
	{
		str++;
		len--;
	}
	if (flow_parse_decimal(str, len, scale, &abs) != FLOW_OK)
		return false;
	return i256_from_sign_abs(out, neg, &abs);
}

/* the fields of the literal, in the order the output writes them */
enum
{
	A_DECIMALS, A_BALANCE, A_NETFLOW, A_BUFFER, A_SETTLED, A_LAST, A_COUNT
};
static const char *const account_fields[A_COUNT] = {
	"decimals", "balance", "netflow", "buffer", "settled_at", "last_op"
};

/* Writes the literal of a; buf needs FLOW_TEXT_MAX bytes. */
void
account_format(const Account *a, char *buf)
{
	char		balance[FLOW_DECIMAL_MAX + 1],
				netflow[FLOW_DECIMAL_MAX + 1],
				buffer[FLOW_DECIMAL_MAX],
				settled[FLOW_TIME_TEXT_MAX],
				last[FLOW_TIME_TEXT_MAX];

	FormatSigned(&a->static_balance, FLOW_DEBT_SCALE, a->decimals, balance);
	FormatSigned(&a->netflow, FLOW_RATE_SCALE, 0, netflow);
	flow_format_decimal(&a->buffer, a->decimals, 0, buffer);
	flow_format_time(a->settled_at, settled);
	flow_format_time(a->last, last);
	snprintf(buf, FLOW_TEXT_MAX,
			 "(decimals=%d,balance=%s,netflow=%s,buffer=%s,settled_at=%s,last_op=%s)",
			 a->decimals, balance, netflow, buffer, settled, last);
}

static bool
Bad(char *detail, const char *fmt, const char *name)
{
	snprintf(detail, FLOW_DETAIL_MAX, fmt, name);
	return false;
}

/*
 * Parses the literal into *a; on failure writes a sentence naming the
 * offending part into detail (FLOW_DETAIL_MAX bytes) and returns false.
 */
bool
account_parse(const char *str, Account *a, char *detail)
{
	const char *p = str;
	const char *val[A_COUNT] = {0};
	size_t		vlen[A_COUNT] = {0};
	U256		v;
	const char *problem;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != '(')
		return Bad(detail, "%s", "Expected \"(\" at the start.");
	for (;;)
	{
		const char *name = p;
		size_t		nlen;
		int			f;

		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		nlen = (size_t) (p - name);
		for (f = 0; f < A_COUNT; f++)
		{
			if (strlen(account_fields[f]) == nlen && strncmp(name, account_fields[f], nlen) == 0)
				break;
		}
		if (f == A_COUNT)
			return Bad(detail, "%s", "Expected a field name (decimals, balance, netflow, buffer, settled_at, last_op).");
		if (val[f] != NULL)
			return Bad(detail, "Field \"%s\" appears twice.", account_fields[f]);
		if (*p++ != '=')
			return Bad(detail, "Expected \"=\" after field \"%s\".", account_fields[f]);
		val[f] = p;
		while (*p != '\0' && *p != ',' && *p != ')')
			p++;
		vlen[f] = (size_t) (p - val[f]);
		if (vlen[f] == 0)
			return Bad(detail, "Field \"%s\" has no value.", account_fields[f]);
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
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '\0')
		return Bad(detail, "%s", "Unexpected text after \")\".");
	for (int f = 0; f < A_COUNT; f++)
	{
		if (val[f] == NULL)
			return Bad(detail, "Missing field \"%s\".", account_fields[f]);
	}

	memset(a, 0, sizeof(*a));
	if (vlen[A_DECIMALS] > 2 || flow_parse_decimal(val[A_DECIMALS], vlen[A_DECIMALS], 0, &v) != FLOW_OK ||
		!flow_check_decimals((int) v.w[0]))
		return Bad(detail, "Field \"%s\" must be an integer from 0 to 18.", "decimals");
	a->decimals = (int16_t) v.w[0];
	if (!ParseSigned(val[A_BALANCE], vlen[A_BALANCE], FLOW_DEBT_SCALE, &a->static_balance))
		return Bad(detail, "Field \"%s\" is not a decimal number of tokens with at most 24 fractional digits, within range.", "balance");
	if (!ParseSigned(val[A_NETFLOW], vlen[A_NETFLOW], FLOW_RATE_SCALE, &a->netflow))
		return Bad(detail, "Field \"%s\" is not a rate with at most 18 fractional digits, within range.", "netflow");
	if (flow_parse_decimal(val[A_BUFFER], vlen[A_BUFFER], a->decimals, &a->buffer) != FLOW_OK)
		return Bad(detail, "Field \"%s\" is not an unsigned amount of the token, within range.", "buffer");
	if (!flow_parse_time(val[A_SETTLED], vlen[A_SETTLED], &a->settled_at))
		return Bad(detail, "Field \"%s\" is not a time like 2026-01-31T00:00:00Z.", "settled_at");
	if (!flow_parse_time(val[A_LAST], vlen[A_LAST], &a->last))
		return Bad(detail, "Field \"%s\" is not a time like 2026-01-31T00:00:00Z.", "last_op");
	problem = account_state_problem(a);
	if (problem != NULL)
	{
		snprintf(detail, FLOW_DETAIL_MAX, "Inconsistent state: %s.", problem);
		return false;
	}
	return true;
}

static void
Put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char) v;
}

static uint64_t
Get64(const unsigned char *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* 256 bits, most significant limb first */
static void
Put256(unsigned char *p, const uint64_t *w)
{
	for (int i = 0; i < 4; i++)
		Put64(p + 8 * i, w[3 - i]);
}

static void
Get256(const unsigned char *p, uint64_t *w)
{
	for (int i = 0; i < 4; i++)
		w[3 - i] = Get64(p + 8 * i);
}

/*
 * The binary form, ACCOUNT_BINARY_LEN bytes, big-endian: a format byte (1),
 * decimals, the static balance and the netflow (two's complement, 256 bits
 * each), the buffer (256 bits), settled_at, last_op.
 */
void
account_encode_binary(const Account *a, unsigned char *out)
{
	out[0] = ACCOUNT_FORMAT_1;
	out[1] = (unsigned char) a->decimals;
	Put256(out + 2, a->static_balance.w);
	Put256(out + 34, a->netflow.w);
	Put256(out + 66, a->buffer.w);
	Put64(out + 98, (uint64_t) a->settled_at);
	Put64(out + 106, (uint64_t) a->last);
}

/* Reads the binary form; returns why it is not a valid account, or NULL. */
const char *
account_decode_binary(const unsigned char *buf, size_t len, Account *a)
{
	if (len != ACCOUNT_BINARY_LEN)
		return "the value has the wrong length";
	if (buf[0] != ACCOUNT_FORMAT_1)
		return "the value is of an unknown format";
	memset(a, 0, sizeof(*a));
	a->decimals = buf[1];
	Get256(buf + 2, a->static_balance.w);
	Get256(buf + 34, a->netflow.w);
	Get256(buf + 66, a->buffer.w);
	a->settled_at = (int64_t) Get64(buf + 98);
	a->last = (int64_t) Get64(buf + 106);
	return account_state_problem(a);
}

/*
 * The stored form: ACCOUNT_STORED_LEN bytes in the machine's byte order,
 * the static balance at 0, the netflow at 32, the buffer at 64 (four
 * 64-bit limbs each, least significant first), settled_at at 96, last_op
 * at 104, decimals at 112, the format byte at 113, zeros to the end.
 */
void
account_store(const Account *a, void *stored)
{
	unsigned char *p = (unsigned char *) stored;

	memset(p, 0, ACCOUNT_STORED_LEN);
	memcpy(p, a->static_balance.w, 32);
	memcpy(p + 32, a->netflow.w, 32);
	memcpy(p + 64, a->buffer.w, 32);
	memcpy(p + 96, &a->settled_at, 8);
	memcpy(p + 104, &a->last, 8);
	p[112] = (unsigned char) a->decimals;
	p[113] = ACCOUNT_FORMAT_1;
}

/* The format number of a stored account. */
int
account_stored_format(const void *stored)
{
	return ((const unsigned char *) stored)[113];
}

void
account_load(const void *stored, Account *a)
{
	const unsigned char *p = (const unsigned char *) stored;

	memcpy(a->static_balance.w, p, 32);
	memcpy(a->netflow.w, p + 32, 32);
	memcpy(a->buffer.w, p + 64, 32);
	memcpy(&a->settled_at, p + 96, 8);
	memcpy(&a->last, p + 104, 8);
	a->decimals = p[112];
}
