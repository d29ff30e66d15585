/*
 * account.h — accounts and flows (SPEC §6) over plain structs.
 *
 * The Superfluid constant-flow model with DFlow's buffer: a party's account
 * holds one balance per token, and every open flow moves the balances of
 * its sender and its receiver continuously.  Like flow.h, this knows
 * nothing of PostgreSQL: it returns FlowError codes, and on error it
 * changes nothing.  Which account is which party's, and which flow joins
 * which accounts, is the caller's to keep.
 *
 * Units, as in flow.h:
 *   static_balance   10^-24 tokens, signed: a netflow times microseconds, exactly
 *   netflow, rate    10^-18 tokens per second (= 10^-24 tokens per microsecond)
 *   buffer, amounts  base units (10^-decimals tokens)
 *   times            microseconds since 2000-01-01 00:00:00 UTC
 * so balance(t) = static_balance + netflow * (t - settled_at), in 10^-24
 * tokens, and it is shown floored to base units (toward minus infinity).
 *
 * Widths.  Balances and netflows are signed 256-bit integers (I256):
 *   - a netflow is a sum of flows of at most 2^127 - 1 each; flows have
 *     bigint ids, so fewer than 2^63 of them touch an account, and the sum
 *     stays below 2^190: 128 bits hold two flows at the extremes, 256 bits
 *     hold any number a database can store;
 *   - a deposit is below 2^127 * 10^24 < 2^207 units, and a flow at the
 *     largest rate over the whole time range moves below 2^191, so a
 *     balance reaches 2^255 only after 2^48 maximal deposits or 2^64
 *     maximal flows lasting all of time.
 * Buffers are unsigned 256-bit base units: a flow's buffer is below 2^172,
 * and an account's buffer never exceeds the floored balance it had when it
 * last grew.  Every result is nevertheless checked: a value that does not
 * fit is FLOW_ERR_OVERFLOW (SQLSTATE 22003), never a wrap.
 *
 * Every operation settles each account it changes at its time t
 * (static_balance = balance(t), settled_at = t) and records t as its last
 * operation; balance(t) is the same function either way, but then the
 * static balance never strays from the balance, and the critical time
 * never lies before the last operation.  Nothing is computed for a time
 * before an account's last operation (FLOW_ERR_TIME_ORDER): the state does
 * not describe earlier times; the history does.
 *
 * Checks run in this order, the first failing one giving the error:
 *   1. the time: FLOW_ERR_TIME_RANGE, then FLOW_ERR_TIME_ORDER (t before
 *      the last operation of an account involved, sender first);
 *   2. the accounts: FLOW_ERR_SAME_ACCOUNT (the same struct twice),
 *      FLOW_ERR_TOKEN_MISMATCH (different decimals);
 *   3. the flow: FLOW_ERR_FLOW_CLOSED (update, close);
 *   4. the policy: FLOW_ERR_BUFFER_POLICY (open, update);
 *   5. the argument: its parse error, FLOW_ERR_OVERFLOW above 2^127 - 1
 *      (but for account_transfer_units, whose amount the core computed),
 *      FLOW_ERR_NOT_POSITIVE at 0; then FLOW_ERR_SAME_RATE (update);
 *   6. FLOW_ERR_OVERFLOW when one of these does not fit: the balance at t
 *      of each account involved; the new netflows; the paying account's
 *      available balance at t (withdraw, transfer, open, a raise); the
 *      new balance of the account credited (deposit, transfer);
 *   7. FLOW_ERR_CRITICAL when available(t) < 0 (the buffer is burning), else
 *      FLOW_ERR_UNAVAILABLE: the amount (withdraw, transfer) or the buffer
 *      increase (open, a raise; 0 counts) exceeds floor(available(t)).
 */
#ifndef FLOWSTREAM_ACCOUNT_H
#define FLOWSTREAM_ACCOUNT_H

#include "flow.h"

/* One party's balance of one token. */
typedef struct Account
{
	I256		static_balance;	/* 10^-24 tokens at settled_at */
	I256		netflow;		/* 10^-18 tokens per second: in minus out */
	U256		buffer;			/* base units locked by its open outgoing flows */
	int64_t		settled_at;
	int64_t		last;			/* time of the last operation, >= settled_at */
	int16_t		decimals;		/* 0..18 */
} Account;

/* One flow from a sender's account to a receiver's. */
typedef struct AccountFlow
{
	u128_a8		rate;			/* 10^-18 tokens per second; 0 once closed */
	U256		buffer;			/* base units it locks in its sender's account */
} AccountFlow;

/* A token's buffer settings, passed to the operations that size a buffer. */
typedef struct AccountPolicy
{
	int64_t		buffer_period;	/* microseconds, >= 0 (DFlow: 1 hour) */
	u128_a8		min_buffer;		/* base units, <= 2^127 - 1 */
} AccountPolicy;

/* what account_critical_time and account_insolvency_time found */
typedef enum AccountTime
{
	ACCOUNT_TIME_NEVER,			/* netflow >= 0 and not already */
	ACCOUNT_TIME_ALREADY,		/* already at settled_at, which *at receives */
	ACCOUNT_TIME_AT,			/* first at *at, after settled_at */
	ACCOUNT_TIME_BEYOND			/* after the end of timestamptz */
} AccountTime;

/* construction and validation */
extern FlowError account_init(Account *a, int decimals);
extern const char *account_state_problem(const Account *a);

/* views at time t >= the last operation */
extern FlowError account_balance(const Account *a, int64_t t, I256 *exact);
extern FlowError account_balance_units(const Account *a, int64_t t, I256 *units);
extern FlowError account_available(const Account *a, int64_t t, I256 *units);
extern AccountTime account_critical_time(const Account *a, int64_t *at);
extern AccountTime account_insolvency_time(const Account *a, int64_t *at);

/* buffers */
extern FlowError account_flow_buffer(u128 rate, const AccountPolicy *p, int decimals,
									 U256 *buffer);
extern FlowError account_policy_for_buffer(u128 rate, const U256 *buffer, int decimals,
										   AccountPolicy *p);
extern FlowError account_flow_need(const AccountFlow *f, u128 rate, const AccountPolicy *p,
								   int decimals, U256 *increase);

/* lump sums at time t: on error nothing changes */
extern FlowError account_settle(Account *a, int64_t t);
extern FlowError account_deposit(Account *a, const FlowAmount *amount, int64_t t);
extern FlowError account_withdraw(Account *a, const FlowAmount *amount, int64_t t);
extern FlowError account_transfer(Account *from, Account *to, const FlowAmount *amount,
								  int64_t t);
extern FlowError account_transfer_units(Account *from, Account *to, const U256 *units,
										int64_t t);

/* flows at time t: on error nothing changes */
extern FlowError account_flow_open(Account *sender, Account *receiver, AccountFlow *f,
								   const FlowAmount *rate, const AccountPolicy *p, int64_t t);
extern FlowError account_flow_update(Account *sender, Account *receiver, AccountFlow *f,
									 const FlowAmount *rate, const AccountPolicy *p, int64_t t);
extern FlowError account_flow_close(Account *sender, Account *receiver, AccountFlow *f,
									int64_t t);

/* liquidation of a critical account */
extern FlowError account_liquidation(const Account *a, int64_t t, U256 *unburnt);

/* external forms (accounttext.c) */
#define ACCOUNT_FORMAT_1		1
#define ACCOUNT_BINARY_LEN	114
#define ACCOUNT_STORED_LEN	120
extern void account_format(const Account *a, char *buf);
extern bool account_parse(const char *str, Account *a, char *detail);
extern void account_encode_binary(const Account *a, unsigned char *out);
extern const char *account_decode_binary(const unsigned char *buf, size_t len, Account *a);
extern void account_store(const Account *a, void *stored);
extern int	account_stored_format(const void *stored);
extern void account_load(const void *stored, Account *a);

#endif							/* FLOWSTREAM_ACCOUNT_H */
