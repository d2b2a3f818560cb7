/*-------------------------------------------------------------------------
 *
 * guard.h
 *		The audit log is written by safe_ddl alone (guard.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_GUARD_H
#define SAFE_DDL_GUARD_H

#include "nodes/plannodes.h"

#include "safe_ddl.h"

extern void safe_ddl_guard_init(void);
extern void safe_ddl_guard_utility(PlannedStmt *pstmt,
								   const char *queryString);
extern void safe_ddl_guard_ddl(SafeDdlStatement *stmt, Node *parsetree);

#endif							/* SAFE_DDL_GUARD_H */
