/*-------------------------------------------------------------------------
 *
 * classify.h
 *		What a utility statement is (classify.c): DDL or not, its text and
 *		tag, its targets.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_CLASSIFY_H
#define SAFE_DDL_CLASSIFY_H

#include "nodes/plannodes.h"

#include "safe_ddl.h"

extern bool safe_ddl_is_ddl(Node *parsetree);
extern SafeDdlStatement *safe_ddl_describe(PlannedStmt *pstmt,
										   const char *queryString);
extern void safe_ddl_classify(SafeDdlStatement *stmt, Node *parsetree);
extern List *safe_ddl_lock_relations(Oid relid);
extern bool safe_ddl_runs_in_subtransaction(Node *parsetree);
extern char *safe_ddl_statement_text(const char *queryString, int location,
									 int len);

#endif							/* SAFE_DDL_CLASSIFY_H */
