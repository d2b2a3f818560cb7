/*-------------------------------------------------------------------------
 *
 * statements.h
 *		What safe_ddl knows of each kind of utility statement (statements.c):
 *		whether it is DDL, how its targets are collected, how the rules
 *		assess it, what the guard refuses of it, how it is reverted.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_STATEMENTS_H
#define SAFE_DDL_STATEMENTS_H

#include "classify.h"
#include "guard.h"
#include "rules.h"
#include "safe_ddl.h"

/* Is this statement of the kind DDL, from its node's fields? */
typedef bool (*SafeDdlIsDdlFn) (Node *parsetree);

/* The statement that undoes it (stmt->revert). */
typedef void (*SafeDdlRevertFn) (SafeDdlStatement *stmt, Node *parsetree);

/*
 * One kind of statement, one node type.  A node type without an entry is
 * all zeros: DDL as log_statement = 'ddl' says, no target (its object type
 * from its command tag), nothing the rules assess (NoLock is 0), nothing
 * guarded beyond its named targets, no revert.
 */
typedef struct SafeDdlKind
{
	SafeDdlIsDdlFn is_ddl;		/* NULL: what log_statement = 'ddl' logs */
	SafeDdlClassifier targets;	/* classify.c */
	SafeDdlAssessFn assess;		/* rules.c, or NULL */
	LOCKMODE	lock;			/* on each relation it names, if that is all */
	SafeDdlGuardFn guard;		/* guard.c, or NULL */
	SafeDdlRevertFn revert;		/* or NULL */
} SafeDdlKind;

extern const SafeDdlKind *safe_ddl_statement_kind(Node *parsetree);
extern bool safe_ddl_is_ddl(Node *parsetree);

#endif							/* SAFE_DDL_STATEMENTS_H */
