/*-------------------------------------------------------------------------
 *
 * revert.h
 *		The way back (revert.c): the DDL that undoes a completed change,
 *		and whether the change can be undone at all.
 *
 * Each function handles one node type: it reads the catalog as it stands
 * before the statement runs, and leaves in stmt the revert statement, or
 * what is still to be looked up once the statement has completed (a name
 * PostgreSQL generates).  Each is the revert of its node type's entry in
 * kinds[] (statements.c); safe_ddl_revert_before() calls it, and
 * safe_ddl_revert_after() finishes what it left; only the latter fills stmt->revert,
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

/* One function per node type: the revert column of kinds[] (statements.c). */
extern void revert_create_relation(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_create_index(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_create_function(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_create_schema(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_create_type(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_alter_table(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_rename(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_comment(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_drop(SafeDdlStatement *stmt, Node *parsetree);
extern void revert_irreversible(SafeDdlStatement *stmt, Node *parsetree);

#endif							/* SAFE_DDL_REVERT_H */
