/*-------------------------------------------------------------------------
 *
 * safe_ddl.h
 *		Declarations shared by the files of the safe_ddl extension.
 *
 * safe_ddl.c	entry point: _PG_init, settings, the ProcessUtility hook
 * classify.c	what a utility statement is: DDL or not, its targets
 * policy.c		the decision (timeouts in effect, rules that fire), the refusal
 * rules.c		what a statement risks (lock, rewrite, size) and the rules
 * explain.c	safe_ddl.explain(): the same verdict, nothing executed
 * attempts.c	one row per attempt, whatever its outcome
 * audit.c		writing the audit row
 * ids.c		the audit rows' ids
 * queue.c		shared memory between backends and the writer
 * writer.c		the background writer
 * guard.c		the audit log is written by safe_ddl alone
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_H
#define SAFE_DDL_H

#include "access/transam.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/guc.h"
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
extern int	safe_ddl_large_table_size;	/* kB */
extern bool safe_ddl_allow_destructive;
extern bool safe_ddl_preloaded;

/* The risk rules (rules.c); SAFE_DDL_NUM_RULES must follow the last. */
typedef enum SafeDdlRuleId
{
	SAFE_DDL_RULE_INDEX,		/* index_without_concurrently */
	SAFE_DDL_RULE_NOT_VALID,	/* constraint_without_not_valid */
	SAFE_DDL_RULE_SET_NOT_NULL, /* set_not_null_without_check */
	SAFE_DDL_RULE_UNIQUE,		/* unique_without_using_index */
	SAFE_DDL_RULE_COLUMN_TYPE,	/* column_type_rewrite */
	SAFE_DDL_RULE_VOLATILE_DEFAULT, /* volatile_default_rewrite */
	SAFE_DDL_RULE_TABLE_REWRITE,	/* table_rewrite */
	SAFE_DDL_RULE_DESTRUCTIVE,	/* destructive_change */
	SAFE_DDL_RULE_RENAME		/* rename */
} SafeDdlRuleId;

#define SAFE_DDL_NUM_RULES	(SAFE_DDL_RULE_RENAME + 1)

/* One rule's verdict on a statement, weakest first. */
typedef enum SafeDdlVerdict
{
	SAFE_DDL_VERDICT_NOT_APPLICABLE = 0,
	SAFE_DDL_VERDICT_NEW,		/* its table was created by this session */
	SAFE_DDL_VERDICT_SMALL,		/* its table is not above large_table_size */
	SAFE_DDL_VERDICT_EMPTY,		/* nothing it concerns holds data */
	SAFE_DDL_VERDICT_FIRES,		/* it refuses (enforce) or warns (warn) */
	SAFE_DDL_VERDICT_DISABLED,	/* it would fire: safe_ddl.disabled_rules */
	SAFE_DDL_VERDICT_ACKNOWLEDGED	/* it fired: safe_ddl.allow_destructive */
} SafeDdlVerdict;

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
	List	   *table_sizes;	/* "name: size, about N rows", char * */
	uint8		verdicts[SAFE_DDL_NUM_RULES];	/* SafeDdlVerdict */
	const char *reasons[SAFE_DDL_NUM_RULES];	/* why, for those that fire */

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
extern SafeDdlStatement *safe_ddl_describe(PlannedStmt *pstmt,
										   const char *queryString);
extern void safe_ddl_classify(SafeDdlStatement *stmt, Node *parsetree);
extern char *safe_ddl_statement_text(const char *queryString, int location,
									 int len);

/* rules.c */
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

/* policy.c */
extern const char *safe_ddl_policy_violation(SafeDdlStatement *stmt);
extern char *safe_ddl_policy_hint(SafeDdlStatement *stmt);
extern char *safe_ddl_refusal_message(SafeDdlStatement *stmt);
extern void safe_ddl_report_violation(SafeDdlStatement *stmt, int elevel);

/* attempts.c */
extern void safe_ddl_attempts_init(void);
extern MemoryContext safe_ddl_enter_level(void);
extern void safe_ddl_owe_row(SafeDdlStatement *stmt);
extern void safe_ddl_leave_level(void);
extern int	safe_ddl_nesting_depth(void);
extern bool safe_ddl_writing_row(void);
extern void safe_ddl_begin_attempt(SafeDdlStatement *stmt);
extern void safe_ddl_record_ok(SafeDdlStatement *stmt);
extern void safe_ddl_record_refused(SafeDdlStatement *stmt,
									const char *message, int sqlerrcode);
extern void safe_ddl_record_failed(SafeDdlStatement *stmt,
								   MemoryContext context);

/* audit.c */
extern void safe_ddl_audit_init(void);
extern Oid	safe_ddl_audit_log(Oid *seqid);
extern Relation safe_ddl_audit_open(Oid *seqid);
extern void safe_ddl_audit_insert(Relation rel, Oid seqid,
								  SafeDdlStatement *stmt);
extern bool safe_ddl_audit_write(SafeDdlStatement *stmt);

/* ids.c */
extern void safe_ddl_ids_init(void);
extern int64 safe_ddl_next_audit_id(Relation log, Oid seqid);

/* queue.c */
extern void safe_ddl_queue_init(void);
extern void *safe_ddl_record_flatten(SafeDdlStatement *stmt,
									 MemoryContext context);
extern void safe_ddl_record_set_outcome(void *record, SafeDdlOutcome outcome);
extern void safe_ddl_queue_push(void *record);
extern void safe_ddl_count_attempt(SafeDdlOutcome outcome, int n);
extern void safe_ddl_log_record(SafeDdlStatement *stmt, const char *why);

/* writer.c */
extern void safe_ddl_register_launcher(void);

/*
 * True in a safe_ddl writer process.  Nothing there should queue a row:
 * the writer would write it, and a row whose writing fails would feed the
 * queue without end.
 */
extern bool safe_ddl_in_writer;

/* guard.c */
extern void safe_ddl_guard_init(void);
extern void safe_ddl_guard_utility(PlannedStmt *pstmt,
								   const char *queryString);
extern void safe_ddl_guard_ddl(SafeDdlStatement *stmt, Node *parsetree);

#endif							/* SAFE_DDL_H */
