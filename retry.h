/*-------------------------------------------------------------------------
 *
 * retry.h
 *		Lock retries (retry.c): run the next ProcessUtility, and again when
 *		it fails for want of a lock.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_RETRY_H
#define SAFE_DDL_RETRY_H

#include "tcop/utility.h"

#include "safe_ddl.h"

/* The arguments of a ProcessUtility call, as the hook received them. */
typedef struct SafeDdlUtilityCall
{
	PlannedStmt *pstmt;
	const char *queryString;
	bool		readOnlyTree;
	ProcessUtilityContext context;
	ParamListInfo params;
	QueryEnvironment *queryEnv;
	DestReceiver *dest;
	QueryCompletion *qc;

	/*
	 * Check the statement again before a retry, as it was checked before
	 * its first run: raises the refusal if it is now refused.
	 */
	void		(*recheck) (SafeDdlStatement *stmt, void *arg);
	void	   *recheck_arg;
} SafeDdlUtilityCall;

extern void safe_ddl_run_with_lock_retries(SafeDdlStatement *stmt,
										   const SafeDdlUtilityCall *call);

#endif							/* SAFE_DDL_RETRY_H */
