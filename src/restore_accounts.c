/*
 * restore_accounts.c — what a restore may insert into flowstream.accounts
 * and flowstream.flows.
 */
#include "managed.h"

HeapTuple
flow_restore_account(Relation rel, HeapTuple tuple)
{
	(void) rel;
	(void) tuple;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("accounts cannot be restored yet")));
	return NULL;
}

void
flow_restore_flow(Relation rel, HeapTuple tuple)
{
	(void) rel;
	(void) tuple;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("flows cannot be restored yet")));
}
