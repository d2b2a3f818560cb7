/*-------------------------------------------------------------------------
 *
 * revert.h
 *		The way back (revert.c): the DDL that undoes a completed change,
 *		and whether the change can be undone at all.
 *
 * Each function handles one node type: it reads the catalog as it stands
 * before the statement runs, and leaves in stmt the revert statement, or
 * what is still to be looked up once the statement has completed (a name
 * PostgreSQL generates).  safe_ddl_revert_before() and
 * safe_ddl_revert_after() dispatch; only the latter fills stmt->revert,
 * so a statement that is refused or fails keeps both columns NULL.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_REVERT_H
#define SAFE_DDL_REVERT_H

#include "nodes/parsenodes.h"

#include "safe_ddl.h"

/* The dispatcher: before the statement runs, and once it completed. */
extern void safe_ddl_revert_before(SafeDdlStatement *stmt, Node *parsetree);
extern void safe_ddl_revert_after(SafeDdlStatement *stmt);

/* One function per node type. */
extern void revert_create_relation(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_create_index(SafeDdlStatement *stmt, IndexStmt *parsetree);
extern void revert_create_function(SafeDdlStatement *stmt,
								   CreateFunctionStmt *parsetree);
extern void revert_create_schema(SafeDdlStatement *stmt,
								 CreateSchemaStmt *parsetree);
extern void revert_create_type(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_alter_table(SafeDdlStatement *stmt,
							   AlterTableStmt *parsetree);
extern void revert_rename(SafeDdlStatement *stmt, RenameStmt *parsetree);
extern void revert_comment(SafeDdlStatement *stmt, CommentStmt *parsetree);
extern void revert_drop(SafeDdlStatement *stmt, DropStmt *parsetree);
extern void revert_irreversible(SafeDdlStatement *stmt, Node *parsetree);

#endif							/* SAFE_DDL_REVERT_H */
