/*
 * stream.h — the flowstream.stream type as PostgreSQL sees it: Datum
 * macros, SQLSTATEs, and the conversions between SQL values and the core.
 */
#ifndef FLOWSTREAM_STREAM_H
#define FLOWSTREAM_STREAM_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"

#include "account.h"
#include "flow.h"

/* flowstream's own SQLSTATEs (SPEC §5) */
#define ERRCODE_FLOW_NOT_FOUND		MAKE_SQLSTATE('S','F','0','0','1')
#define ERRCODE_FLOW_VOIDED			MAKE_SQLSTATE('S','F','0','0','2')
#define ERRCODE_FLOW_PAUSED			MAKE_SQLSTATE('S','F','0','0','3')
#define ERRCODE_FLOW_NOT_PAUSED		MAKE_SQLSTATE('S','F','0','0','4')
#define ERRCODE_FLOW_PENDING		MAKE_SQLSTATE('S','F','0','0','5')
#define ERRCODE_FLOW_OVERDRAW		MAKE_SQLSTATE('S','F','0','0','6')
#define ERRCODE_FLOW_OVERREFUND		MAKE_SQLSTATE('S','F','0','0','7')
#define ERRCODE_FLOW_SAME_RATE		MAKE_SQLSTATE('S','F','0','0','8')
#define ERRCODE_FLOW_TIME_ORDER		MAKE_SQLSTATE('S','F','0','1','0')
#define ERRCODE_FLOW_NOT_TRANSFERABLE	MAKE_SQLSTATE('S','F','0','1','1')
#define ERRCODE_FLOW_ENDED			MAKE_SQLSTATE('S','F','0','1','2')
#define ERRCODE_FLOW_UNAVAILABLE	MAKE_SQLSTATE('S','F','0','1','3')
#define ERRCODE_FLOW_CLOSED			MAKE_SQLSTATE('S','F','0','1','4')
#define ERRCODE_FLOW_EXISTS			MAKE_SQLSTATE('S','F','0','1','5')
#define ERRCODE_FLOW_CRITICAL		MAKE_SQLSTATE('S','F','0','1','6')
#define ERRCODE_FLOW_NO_PROPOSAL	MAKE_SQLSTATE('S','F','0','1','7')
#define ERRCODE_FLOW_PROPOSED		MAKE_SQLSTATE('S','F','0','1','8')

/*
 * A flowstream.stream value is stored in the core's stored form
 * (FLOW_STORED_LEN bytes, with its format number); functions read it into
 * a FlowState and write a FlowState back (stream_type.c).
 */
extern void flow_state_arg(Datum d, FlowState *s);
extern Datum flow_state_datum(const FlowState *s);

/* the same for flowstream.account (account_type.c) */
extern void flow_account_arg(Datum d, Account *a);
extern Datum flow_account_datum(const Account *a);
extern Datum i256_to_numeric(const I256 *v, int scale, int min_frac);

/* what an amount argument is, for messages */
typedef enum FlowArgKind
{
	FLOW_ARG_AMOUNT,
	FLOW_ARG_RATE
} FlowArgKind;

/* convert.c */
extern FlowAmount numeric_to_amount(Datum num, int scale);
extern bool numeric_to_units(Datum num, int scale, U256 *units);
extern Datum units_to_numeric(const U256 *v, int scale, int min_frac);
extern Datum u128_to_numeric(u128 v, int scale);
extern Datum rate_to_numeric(u128 rps);
extern int64 flow_time_arg(TimestampTz t);

/* settings.c: the clock of the managed layer */
extern TimestampTz flow_clock_now(void);
extern bool flow_clock_pinned(void);

/* report.c */
extern void flow_report(FlowError err, const FlowState *before, int64 t,
						const FlowAmount *amount, FlowArgKind kind) pg_attribute_noreturn();

/* Raises err unless it is FLOW_OK. */
static inline void
flow_check(FlowError err, const FlowState *before, int64 t,
		   const FlowAmount *amount, FlowArgKind kind)
{
	if (unlikely(err != FLOW_OK))
		flow_report(err, before, t, amount, kind);
}

#endif							/* FLOWSTREAM_STREAM_H */
