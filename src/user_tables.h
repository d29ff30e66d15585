/*
 * user_tables.h — streams kept in users' own tables: what the arguments of
 * flowstream.stream_trigger() say about a table, shared by the trigger
 * (user_trigger.c) and the readers of its history (user_history.c).
 */
#ifndef FLOWSTREAM_USER_TABLES_H
#define FLOWSTREAM_USER_TABLES_H

#include "stream.h"
#include "ops.h"

#include "commands/trigger.h"
#include "utils/rel.h"

/*
 * One stream trigger on one table, its arguments resolved: the columns it
 * keeps in step and, if it has one, the history it appends to.
 */
typedef struct UserTable
{
	Oid			trigger;		/* the trigger's pg_trigger oid */
	Oid			table;
	Oid			stream_type;	/* flowstream.stream */
	AttrNumber	state;			/* the stream */
	AttrNumber	rate;			/* numeric, tokens per second */
	int32		rate_typmod;
	AttrNumber	voided;			/* boolean; 0 when the table has none */
	AttrNumber	at;				/* timestamptz; 0 for flowstream.now() */
	AttrNumber	decimals_column;	/* an integer column; 0 for the fixed decimals */
	Oid			decimals_type;
	int			decimals;		/* when decimals_column is 0 */
	/* the history: history is InvalidOid when there is none */
	Oid			history;
	char	   *history_name;	/* schema-qualified, quoted */
	AttrNumber	key;			/* the table's column that names a row */
	Oid			key_type;
	char	   *history_key;	/* the history's column for it, quoted */
	Oid			op_type;		/* of the history's column op */
} UserTable;

/* user_trigger.c */
extern void user_table_config(Relation rel, const Trigger *trigger, UserTable *ut);
extern Oid	user_table_history(Relation rel, const Trigger *trigger);
extern Oid	user_table_stream_type(void);
extern Oid	user_table_trigger_function(void);

#endif							/* FLOWSTREAM_USER_TABLES_H */
