/*-------------------------------------------------------------------------
 *
 * rules.h
 *		What a DDL statement risks, and the risk rules (rules.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_RULES_H
#define SAFE_DDL_RULES_H

#include "utils/guc.h"

#include "safe_ddl.h"

extern void safe_ddl_rules_init(void);
extern const char *safe_ddl_rule_name(int rule);
extern const char *safe_ddl_rule_action(int rule);
extern const char *safe_ddl_rule_recipe(int rule);
extern bool safe_ddl_check_disabled_rules(char **newval, void **extra,
										  GucSource source);
extern void safe_ddl_assign_disabled_rules(const char *newval, void *extra);
extern void safe_ddl_assess(SafeDdlStatement *stmt, Node *parsetree,
							bool allow_destructive);
extern char *safe_ddl_rule_violation(SafeDdlStatement *stmt);

#endif							/* SAFE_DDL_RULES_H */
