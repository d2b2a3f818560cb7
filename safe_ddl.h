/*-------------------------------------------------------------------------
 *
 * safe_ddl.h
 *		Declarations shared by the files of the safe_ddl extension.
 *
 * safe_ddl.c	entry point: _PG_init, settings, the ProcessUtility hook
 * statements.c	what safe_ddl knows of each kind of statement: DDL or not ...
 * classify.c	what a DDL statement is: its targets
 * policy.c		the decision (timeouts in effect, rules that fire), the refusal
 * rules.c		what a statement risks (lock, rewrite, size) and the rules
 * explain.c	safe_ddl.explain(): the same verdict, nothing executed
 * attempts.c	one row per attempt, whatever its outcome
 * audit.c		writing the audit row
 * ids.c		the audit rows' ids
 * queue.c		shared memory between backends and the writer
 * writer.c		the background writer
 * guard.c		the audit log is written by safe_ddl alone
 * retry.c		lock retries: a statement that timed out on a lock, run again
 * revert.c		the way back: the DDL that undoes a change
 * sampler.c	what DDL does to other sessions, the running view
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
extern int	safe_ddl_sample_interval;	/* ms, 0: off */
extern bool safe_ddl_preloaded;
extern int	safe_ddl_lock_retries;
extern int	safe_ddl_max_lock_retries;
extern int	safe_ddl_lock_retry_delay;	/* ms */
extern int	safe_ddl_lock_retry_max_delay;	/* ms */

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

/*
 * A relation of the parse tree, as classification found it: the rules
 * assess that same relation, without a second look-up by name that a
 * concurrent rename could answer differently.
 */
typedef struct SafeDdlResolved
{
	const RangeVar *rv;
	Oid			relid;
} SafeDdlResolved;

/*
 * What a DDL statement did to other sessions; -1: not measured (a refused
 * statement never ran, or sampling is off).
 */
typedef struct SafeDdlImpact
{
	double		lock_wait_ms;	/* waiting for its locks */
	double		lock_held_ms;	/* from their grant to the transaction's end */
	int			blocked_sessions_max;	/* most sessions waiting behind it */
	double		blocked_ms;		/* how long anyone waited behind it */
} SafeDdlImpact;

/* Nothing measured: every figure -1 (row.c). */
extern const SafeDdlImpact safe_ddl_impact_unmeasured;

/*
 * One DDL attempt as the hook sees it: built by classify.c before the
 * statement runs, completed by the hook and attempts.c, written by audit.c
 * (in the statement's transaction) or by the writer (through queue.c).
 * Everything an audit row holds is here, so that a row can be written by
 * another process.
 */
typedef struct SafeDdlStatement
{
	/* what it is: classify.c (describe, then classify) */
	struct
	{
		const char *command_tag;	/* "ALTER TABLE", ... */
		char	   *statement;	/* this statement's text, maybe truncated */
		const char *object_type;	/* "table", "index", ... or NULL */
		List	   *identities; /* schema-qualified names, char * */
		bool		temp_only;	/* every target is a temporary object */
		List	   *resolved;	/* SafeDdlResolved *: relations looked up */
	}			what;

	/* who runs it, where from, when: attempts.c, before it runs */
	struct
	{
		Oid			database_id;
		const char *database_name;
		const char *session_user_name;
		const char *current_user_name;
		const char *application_name;
		const char *client_addr;	/* text form, NULL for a Unix socket */
		int			backend_pid;
		TimestampTz started_at;
		bool		log_installed;	/* this database has the audit log */
	}			session;

	/* what it risks: rules.c */
	struct
	{
		const char *lock_mode;	/* strongest lock on an existing relation */
		const char *rewrites;	/* "rewrite", "scan" or NULL */
		List	   *rules;		/* names of the rules that fired, char * */
		List	   *table_sizes;	/* "name: size, about N rows", char * */
		uint8		verdicts[SAFE_DDL_NUM_RULES];	/* SafeDdlVerdict */
		const char *reasons[SAFE_DDL_NUM_RULES];	/* why, for those that fire */
	}			risk;

	/* the policy's decision: policy.c (and guard.c's refusals) */
	struct
	{
		int			lock_timeout_ms;	/* as checked */
		int			statement_timeout_ms;	/* the armed timer's */
		const char *policy_violation;	/* NULL when allowed */
	}			decision;

	/*
	 * what it did to other sessions, sampled while it ran and until its
	 * transaction ended (inflight.c, the launcher's sampler)
	 */
	SafeDdlImpact impact;

	/* the way back, computed before it ran: revert.c */
	struct
	{
		const char *statement;	/* DDL that undoes it, or NULL */
		int8		reversible; /* 1, 0 (nothing brings the data back), -1 unknown */
		void	   *plan;		/* revert.c's, from before it ran to after */
	}			revert;

	/* how it ended: the hook and attempts.c */
	struct
	{
		double		duration_ms;
		int			attempts;	/* times it ran (lock retries); 0: refused */
		FullTransactionId xid;	/* invalid: no transaction id */
		SafeDdlOutcome outcome;
		const char *sqlstate;	/* NULL for ok */
		const char *error_message;	/* NULL for ok */
	}			result;
} SafeDdlStatement;

/* The names of SafeDdlOutcome, as the outcome column holds them (row.c). */
extern const char *const safe_ddl_outcome_names[SAFE_DDL_NUM_OUTCOMES];

#endif							/* SAFE_DDL_H */
