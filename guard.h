/*-------------------------------------------------------------------------
 *
 * guard.h
 *		The audit log is written by safe_ddl alone (guard.c).  What must be
 *		refused of each kind of DDL statement on the extension's objects is
 *		one guard_<node> function; statements.c says which applies to each
 *		node type.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_GUARD_H
#define SAFE_DDL_GUARD_H

#include "nodes/plannodes.h"

#include "safe_ddl.h"

/* Refuse one kind of DDL statement that reaches the extension's objects. */
typedef void (*SafeDdlGuardFn) (SafeDdlStatement *stmt, Node *parsetree);

extern void safe_ddl_guard_init(void);
extern void safe_ddl_guard_utility(PlannedStmt *pstmt,
								   const char *queryString);
extern void safe_ddl_guard_ddl(SafeDdlStatement *stmt, Node *parsetree);
extern void safe_ddl_guard_lock_held(Node *parsetree);

/* One per node type that can reach them unnamed (statements.c). */
extern void guard_rename(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_create_schema(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_alter_object_schema(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_create_extension(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_vacuum(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_reindex(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_drop_owned(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_reassign_owned(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_alter_default_privileges(SafeDdlStatement *stmt,
										   Node *parsetree);
extern void guard_grant(SafeDdlStatement *stmt, Node *parsetree);
extern void guard_lock_stmt(SafeDdlStatement *stmt, Node *parsetree);

#endif							/* SAFE_DDL_GUARD_H */
