/*
 * settings.c — flowstream's settings and its clock.
 *
 * flowstream.now() is where the managed layer reads the time: now() (the
 * transaction's start), unless the superuser-only setting flowstream.clock
 * pins it to a timestamp: a test clock, for tests and simulations.  The
 * setting is parsed once, when it is set.
 *
 * flowstream.actor names the party an application acts for; only members
 * of flowstream_app are believed (api.c checks).
 */
#include "managed.h"

#include "access/xact.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

static char *clock_setting = NULL;
char	   *flow_actor_setting = NULL;
static struct config_generic *actor_guc = NULL;
static bool clock_pinned = false;
static TimestampTz clock_value = 0;

/* Accepts '' (the real clock) or a finite timestamptz within the type's range. */
static bool
check_clock(char **newval, void **extra, GucSource source)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf,
				dtype,
				tz;
	struct pg_tm tm;
	fsec_t		fsec;
	TimestampTz t;
	TimestampTz *parsed;

	(void) source;
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (ParseDateTime(*newval, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTime(field, ftype, nf, &dtype, &tm, &fsec, &tz) != 0 ||
		dtype != DTK_DATE ||
		tm2timestamp(&tm, fsec, &tz, &t) != 0 ||
		!flow_check_time(t))
	{
		GUC_check_errdetail("flowstream.clock must be empty or a finite timestamp with time zone.");
		return false;
	}
	/* PostgreSQL 15 frees a hook's extra with free() */
	parsed = (TimestampTz *) malloc(sizeof(TimestampTz));
	if (parsed == NULL)
		return false;
	*parsed = t;
	*extra = parsed;
	return true;
}

static void
assign_clock(const char *newval, void *extra)
{
	(void) newval;
	clock_pinned = (extra != NULL);
	if (extra != NULL)
		clock_value = *(TimestampTz *) extra;
}

/*
 * Whether flowstream.actor was set in the current transaction.  A plain SET
 * outlives its transaction, and behind a pooler in transaction mode the
 * next transaction on the connection may be another client's: only an
 * actor set in the current transaction (SET LOCAL, set_config(..., true),
 * or a SET within it) may act.  PostgreSQL keeps the values a transaction
 * set on the setting's stack until it ends, whichever way it was set, and
 * also when the setting was a placeholder until this library loaded; an
 * earlier transaction's SET, a connection's start-up options and a role's
 * or database's defaults leave it empty, and so does a rollback to a
 * savepoint taken before the SET.
 */
bool
flow_actor_set_here(void)
{
	return actor_guc != NULL && actor_guc->stack != NULL;
}

const char *const flow_maintenance_parts[PART_COUNT] = {
	"void", "liquidate", "top_up", "payout", "alert"
};

/* The part of maintain() of that name, or -1. */
int
flow_maintenance_part(const char *name)
{
	for (int i = 0; i < PART_COUNT; i++)
	{
		if (strcmp(name, flow_maintenance_parts[i]) == 0)
			return i;
	}
	return -1;
}

/* Whether a superuser pinned the clock with flowstream.clock. */
bool
flow_clock_pinned(void)
{
	return clock_pinned;
}

/* The time of the managed layer: the test clock when set, else now(). */
TimestampTz
flow_clock_now(void)
{
	return clock_pinned ? clock_value : GetCurrentTransactionStartTimestamp();
}

PG_FUNCTION_INFO_V1(flowstream_now);
Datum
flowstream_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(flow_clock_now());
}

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("flowstream.clock",
							   "Pins flowstream.now() to this time (a test clock); empty for the real clock.",
							   NULL,
							   &clock_setting,
							   "",
							   PGC_SUSET,
							   0,
							   check_clock,
							   assign_clock,
							   NULL);
	DefineCustomStringVariable("flowstream.actor",
							   "The party a member of flowstream_app acts for in flowstream's API.",
							   NULL,
							   &flow_actor_setting,
							   "",
							   PGC_USERSET,
							   0,
							   NULL,
							   NULL,
							   NULL);
	MarkGUCPrefixReserved("flowstream");
	for (int i = 0; i < GetNumConfigOptions(); i++)
	{
		struct config_generic *g = get_guc_variables()[i];

		if (strcmp(g->name, "flowstream.actor") == 0)
			actor_guc = g;
	}
	if (actor_guc == NULL)
		elog(ERROR, "flowstream.actor was not defined");
	flow_apply_init();
}
