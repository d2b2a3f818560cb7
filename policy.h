/*-------------------------------------------------------------------------
 *
 * policy.h
 *		The verdict on a DDL statement (policy.c): classified, assessed,
 *		decided in one place for the hook and for explain(); the refusal.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_POLICY_H
#define SAFE_DDL_POLICY_H

#include "safe_ddl.h"

/* What a verdict is made under: the session's, or a script's (explain). */
typedef struct SafeDdlPolicyInput
{
	int			lock_timeout_ms;
	int			statement_timeout_ms;
	bool		allow_destructive;
} SafeDdlPolicyInput;

extern void safe_ddl_evaluate(SafeDdlStatement *stmt, Node *parsetree,
							  const SafeDdlPolicyInput *input);
extern const char *safe_ddl_policy_violation(SafeDdlStatement *stmt);
extern char *safe_ddl_policy_hint(SafeDdlStatement *stmt);
extern char *safe_ddl_refusal_message(SafeDdlStatement *stmt);
extern void safe_ddl_report_violation(SafeDdlStatement *stmt, int elevel);

#endif							/* SAFE_DDL_POLICY_H */
