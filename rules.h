/*-------------------------------------------------------------------------
 *
 * rules.h
 *		What a DDL statement risks, and the risk rules (rules.c).  The
 *		assessment of each kind of statement is one assess_<node>
 *		function; statements.c says which applies to each node type.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_RULES_H
#define SAFE_DDL_RULES_H

#include "storage/lockdefs.h"
#include "utils/guc.h"

#include "safe_ddl.h"

/*
 * The assessment of one statement while it is made: private to rules.c,
 * which alone fills and reads it.
 */
typedef struct SafeDdlAssessment SafeDdlAssessment;

/* Assess one kind of statement: its locks, rewrites, and the rules. */
typedef void (*SafeDdlAssessFn) (SafeDdlAssessment *a, Node *parsetree);

extern void safe_ddl_rules_init(void);
extern const char *safe_ddl_rule_name(int rule);
extern const char *safe_ddl_rule_action(int rule);
extern const char *safe_ddl_rule_recipe(int rule);
extern bool safe_ddl_check_disabled_rules(char **newval, void **extra,
										  GucSource source);
extern void safe_ddl_assign_disabled_rules(const char *newval, void *extra);
extern void safe_ddl_assess(SafeDdlStatement *stmt, Node *parsetree,
							SafeDdlAssessFn assess, LOCKMODE lock,
							bool allow_destructive);
extern char *safe_ddl_rule_violation(SafeDdlStatement *stmt);

/* One per node type that risks something (statements.c). */
extern void assess_alter_table(SafeDdlAssessment *a, Node *parsetree);
extern void assess_index(SafeDdlAssessment *a, Node *parsetree);
extern void assess_reindex(SafeDdlAssessment *a, Node *parsetree);
extern void assess_vacuum(SafeDdlAssessment *a, Node *parsetree);
extern void assess_cluster(SafeDdlAssessment *a, Node *parsetree);
extern void assess_refresh_mat_view(SafeDdlAssessment *a, Node *parsetree);
extern void assess_truncate(SafeDdlAssessment *a, Node *parsetree);
extern void assess_drop_owned(SafeDdlAssessment *a, Node *parsetree);
extern void assess_alter_object_schema(SafeDdlAssessment *a, Node *parsetree);
extern void assess_drop(SafeDdlAssessment *a, Node *parsetree);
extern void assess_dropdb(SafeDdlAssessment *a, Node *parsetree);
extern void assess_rename(SafeDdlAssessment *a, Node *parsetree);
extern void assess_create_table(SafeDdlAssessment *a, Node *parsetree);
extern void assess_alter_table_move_all(SafeDdlAssessment *a, Node *parsetree);
extern void assess_lock(SafeDdlAssessment *a, Node *parsetree);
extern void assess_comment(SafeDdlAssessment *a, Node *parsetree);

#endif							/* SAFE_DDL_RULES_H */
