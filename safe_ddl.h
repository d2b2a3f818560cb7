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

#include "access/transam.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/relcache.h"
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
extern int	safe_ddl_queue_size;

/* How a DDL attempt ended: the audit row's outcome column. */
typedef enum SafeDdlOutcome
{
	SAFE_DDL_OUTCOME_OK,		/* completed and committed */
	SAFE_DDL_OUTCOME_REFUSED,	/* refused by the policy */
	SAFE_DDL_OUTCOME_FAILED,	/* started and raised an error */
	SAFE_DDL_OUTCOME_ROLLED_BACK	/* completed, then rolled back */
} SafeDdlOutcome;

#define SAFE_DDL_NUM_OUTCOMES	(SAFE_DDL_OUTCOME_ROLLED_BACK + 1)

extern const char *const safe_ddl_outcome_names[SAFE_DDL_NUM_OUTCOMES];

/*
 * One DDL attempt as the hook sees it: built by classify.c before the
 * statement runs, completed by the hook and attempts.c, written by audit.c
 * (in the statement's transaction) or by the writer (through queue.c).
 * Everything an audit row holds is here, so that a row can be written by
 * another process.
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

	/* the session, filled in before the statement runs (attempts.c) */
	Oid			database_id;
	const char *database_name;
	const char *session_user_name;
	const char *current_user_name;
	const char *application_name;
	const char *client_addr;	/* text form, NULL for a Unix socket */
	int			backend_pid;
	FullTransactionId xid;		/* invalid: no transaction id */
	bool		log_installed;	/* this database has the audit log */

	/* how it ended */
	SafeDdlOutcome outcome;
	const char *sqlstate;		/* NULL for ok */
	const char *error_message;	/* NULL for ok */
} SafeDdlStatement;

/* classify.c */
extern bool safe_ddl_is_ddl(Node *parsetree);
extern SafeDdlStatement *safe_ddl_classify(PlannedStmt *pstmt,
										   const char *queryString);

/* policy.c */
extern const char *safe_ddl_policy_violation(SafeDdlStatement *stmt);
extern char *safe_ddl_refusal_message(SafeDdlStatement *stmt);
extern void safe_ddl_report_violation(SafeDdlStatement *stmt, int elevel);

/* attempts.c */
extern void safe_ddl_attempts_init(void);
extern void safe_ddl_begin_attempt(SafeDdlStatement *stmt);
extern void safe_ddl_record_ok(SafeDdlStatement *stmt);
extern void safe_ddl_record_refused(SafeDdlStatement *stmt,
									const char *message, int sqlerrcode);
extern void safe_ddl_record_failed(SafeDdlStatement *stmt,
								   MemoryContext context);

/* audit.c */
extern bool safe_ddl_audit_installed(void);
extern Relation safe_ddl_audit_open(Oid *seqid);
extern void safe_ddl_audit_insert(Relation rel, Oid seqid,
								  SafeDdlStatement *stmt);
extern bool safe_ddl_audit_write(SafeDdlStatement *stmt);

/* queue.c */
extern void safe_ddl_queue_init(void);
extern bool safe_ddl_queue_available(void);
extern void *safe_ddl_record_flatten(SafeDdlStatement *stmt,
									 MemoryContext context);
extern void safe_ddl_record_set_outcome(void *record, SafeDdlOutcome outcome);
extern void safe_ddl_queue_push(void *record);
extern void safe_ddl_count_attempt(SafeDdlOutcome outcome, int n);
extern void safe_ddl_log_record(SafeDdlStatement *stmt, const char *why);

/* writer.c */
extern void safe_ddl_register_launcher(void);

/* guard.c */
extern void safe_ddl_guard_init(void);
extern void safe_ddl_guard_ddl(SafeDdlStatement *stmt);
extern void safe_ddl_guard_copy(Node *parsetree, const char *query_text);

#endif							/* SAFE_DDL_H */
