/*-------------------------------------------------------------------------
 *
 * safe_ddl.h
 *		Declarations shared by the files of the safe_ddl extension.
 *
 * safe_ddl.c	entry point: _PG_init, settings, the ProcessUtility hook
 * classify.c	what a utility statement is: DDL or not, its targets
 * policy.c		whether the timeouts in effect satisfy the policy
 * audit.c		writing the audit row
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_H
#define SAFE_DDL_H

#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/timestamp.h"

/* SQLSTATE of a refusal; class SD is used by no PostgreSQL error. */
#define ERRCODE_SAFE_DDL_REFUSED	MAKE_SQLSTATE('S','D','0','0','1')
/* SQLSTATE of the warning that a statement could not be audited. */
#define ERRCODE_SAFE_DDL_NOT_AUDITED	MAKE_SQLSTATE('S','D','0','0','2')

/* safe_ddl.mode */
typedef enum SafeDdlMode
{
	SAFE_DDL_MODE_ENFORCE,
	SAFE_DDL_MODE_WARN,
	SAFE_DDL_MODE_OFF
} SafeDdlMode;

/* safe_ddl.require_timeout */
typedef enum SafeDdlRequire
{
	SAFE_DDL_REQUIRE_ANY,
	SAFE_DDL_REQUIRE_LOCK,
	SAFE_DDL_REQUIRE_STATEMENT,
	SAFE_DDL_REQUIRE_BOTH
} SafeDdlRequire;

/* Settings, defined in safe_ddl.c */
extern int	safe_ddl_mode;
extern int	safe_ddl_require_timeout;
extern int	safe_ddl_max_lock_timeout;
extern int	safe_ddl_max_statement_timeout;
extern bool safe_ddl_audit;
extern int	safe_ddl_max_statement_length;

/*
 * One DDL statement as the hook sees it: built by classify.c before the
 * statement runs, completed by the hook, written by audit.c.
 */
typedef struct SafeDdlStatement
{
	const char *command_tag;	/* "ALTER TABLE", ... */
	const char *object_type;	/* "table", "index", ... or NULL */
	List	   *identities;		/* schema-qualified names, char * */
	bool		temp_only;		/* every target is a temporary object */

	/* what the statement risks: filled by rules.c */
	const char *lock_mode;		/* strongest lock on an existing relation */
	const char *rewrites;		/* "rewrite", "scan" or NULL */
	List	   *rules;			/* names of the rules that fired, char * */
	const char *rule_hint;		/* the safe recipe of the first that fired */

	char	   *statement;		/* this statement's text, maybe truncated */

	/* filled in by the hook */
	TimestampTz started_at;
	double		duration_ms;
	int			lock_timeout_ms;
	int			statement_timeout_ms;
	const char *policy_violation;	/* NULL when compliant */
} SafeDdlStatement;

/* classify.c */
extern bool safe_ddl_is_ddl(Node *parsetree);
extern SafeDdlStatement *safe_ddl_classify(PlannedStmt *pstmt,
										   const char *queryString);

/* policy.c */
extern const char *safe_ddl_policy_violation(SafeDdlStatement *stmt);
extern void safe_ddl_report_violation(SafeDdlStatement *stmt, int elevel);

/* audit.c */
extern void safe_ddl_audit_write(SafeDdlStatement *stmt);

#endif							/* SAFE_DDL_H */
