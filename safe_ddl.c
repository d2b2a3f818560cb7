/*-------------------------------------------------------------------------
 *
 * safe_ddl.c
 *		Entry point of safe_ddl: settings, and the ProcessUtility hook that
 *		refuses DDL no timeout guards and records every schema change.
 *
 * The hook does as little as it can for everything that is not DDL: one
 * look-up of its node type (safe_ddl_is_ddl), then straight to the next hook.
 * For DDL it asks classify.c what the statement is, policy.c whether the
 * timeouts in effect satisfy the policy, runs the statement, and hands the
 * result to audit.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"
#include "utils/timeout.h"

#include "attempts.h"
#include "audit.h"
#include "classify.h"
#include "compat.h"
#include "guard.h"
#include "ids.h"
#include "inflight.h"
#include "policy.h"
#include "queue.h"
#include "retry.h"
#include "revert.h"
#include "rules.h"
#include "statements.h"
#include "workers.h"
#include "writer.h"

SAFE_DDL_MODULE_MAGIC;

void		_PG_init(void);

/* Settings */
int			safe_ddl_mode = SAFE_DDL_MODE_ENFORCE;
int			safe_ddl_require_timeout = SAFE_DDL_REQUIRE_ANY;
int			safe_ddl_max_lock_timeout = 60000;
int			safe_ddl_max_statement_timeout = 60000;
bool		safe_ddl_audit = true;
int			safe_ddl_max_statement_length = 65536;
int			safe_ddl_queue_size = 1024;	/* kB */
int			safe_ddl_large_table_size = 10240;	/* kB */
bool		safe_ddl_allow_destructive = false;
int			safe_ddl_lock_retries = 0;
int			safe_ddl_max_lock_retries = 10;
int			safe_ddl_lock_retry_delay = 100;	/* ms */
int			safe_ddl_lock_retry_max_delay = 10000;	/* ms */
int			safe_ddl_sample_interval = 100;	/* ms */

/* Loaded through shared_preload_libraries: the queue and writer exist. */
bool		safe_ddl_preloaded = false;
static char *safe_ddl_disabled_rules = NULL;

static const struct config_enum_entry mode_options[] = {
	{"enforce", SAFE_DDL_MODE_ENFORCE, false},
	{"warn", SAFE_DDL_MODE_WARN, false},
	{"off", SAFE_DDL_MODE_OFF, false},
	{NULL, 0, false}
};

static const struct config_enum_entry require_options[] = {
	{"any", SAFE_DDL_REQUIRE_ANY, false},
	{"lock_timeout", SAFE_DDL_REQUIRE_LOCK, false},
	{"statement_timeout", SAFE_DDL_REQUIRE_STATEMENT, false},
	{"both", SAFE_DDL_REQUIRE_BOTH, false},
	{NULL, 0, false}
};

static void safe_ddl_ProcessUtility(PlannedStmt *pstmt,
									const char *queryString,
									bool readOnlyTree,
									ProcessUtilityContext context,
									ParamListInfo params,
									QueryEnvironment *queryEnv,
									DestReceiver *dest,
									QueryCompletion *qc);
static void warn_not_preloaded(void);
static void install_lock_timeout_check(void);
static bool check_lock_retries(int *newval, void **extra, GucSource source);


/*
 * Module load: declare the settings and install the hook.
 */
void
_PG_init(void)
{
	DefineCustomEnumVariable("safe_ddl.mode",
							 "What to do with DDL that no timeout guards.",
							 "enforce refuses it, warn runs it with a warning and "
							 "records the violation, off checks nothing "
							 "(auditing goes on).",
							 &safe_ddl_mode,
							 SAFE_DDL_MODE_ENFORCE,
							 mode_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("safe_ddl.require_timeout",
							 "Which timeouts must be set when DDL runs.",
							 "any: lock_timeout or statement_timeout; "
							 "both: the two of them.",
							 &safe_ddl_require_timeout,
							 SAFE_DDL_REQUIRE_ANY,
							 require_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.max_lock_timeout",
							"A lock_timeout above this does not count as set.",
							"A lock wait longer than a minute is an outage of its own; "
							"0 means no upper bound.",
							&safe_ddl_max_lock_timeout,
							60000, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.max_statement_timeout",
							"A statement_timeout above this does not count as set.",
							"Under require_timeout = any, a long statement_timeout "
							"alone lets DDL queue for that long; 0 means no upper bound.",
							&safe_ddl_max_statement_timeout,
							60000, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("safe_ddl.audit",
							 "Record every DDL statement in safe_ddl.audit_log.",
							 NULL,
							 &safe_ddl_audit,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.max_statement_length",
							"Statement text longer than this is stored truncated.",
							NULL,
							&safe_ddl_max_statement_length,
							65536, 64, 512 * 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.large_table_size",
							"Size rules fire only on tables larger than this.",
							"A small table is cheap to lock, scan or rewrite.",
							&safe_ddl_large_table_size,
							10240, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomStringVariable("safe_ddl.disabled_rules",
							   "Risk rules that do not apply (comma-separated names).",
							   NULL,
							   &safe_ddl_disabled_rules,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   safe_ddl_check_disabled_rules,
							   safe_ddl_assign_disabled_rules,
							   NULL);

	DefineCustomBoolVariable("safe_ddl.allow_destructive",
							 "Acknowledge destructive changes and renames in this session.",
							 "DROP TABLE, DROP COLUMN, TRUNCATE, DROP SCHEMA ... "
							 "CASCADE, DROP DATABASE and renames are refused "
							 "unless this is on; the audit log records them.",
							 &safe_ddl_allow_destructive,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.lock_retries",
							"Times a DDL statement that could not get a lock is run again.",
							"Only a statement the client sends, that can run in a "
							"subtransaction, and not while its transaction holds a lock "
							"others wait for; at most safe_ddl.max_lock_retries.",
							&safe_ddl_lock_retries,
							0, 0, 10000,
							PGC_USERSET,
							0,
							check_lock_retries, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.max_lock_retries",
							"The most lock retries a session may ask for.",
							"SET safe_ddl.lock_retries above it is an error; a larger "
							"value from the configuration is capped by it.",
							&safe_ddl_max_lock_retries,
							10, 0, 10000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.lock_retry_delay",
							"The sleep before the first lock retry.",
							"Each later sleep is drawn at random between this and a "
							"ceiling that doubles, up to safe_ddl.lock_retry_max_delay, "
							"which also bounds this one.",
							&safe_ddl_lock_retry_delay,
							100, 1, 3600 * 1000,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.lock_retry_max_delay",
							"The longest sleep between lock retries.",
							"Superusers only: it bounds safe_ddl.lock_retry_delay too, "
							"so that no role makes another's session sleep longer.",
							&safe_ddl_lock_retry_max_delay,
							10000, 1, 3600 * 1000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.sample_interval",
							"How often the launcher samples the DDL in progress.",
							"Lock wait, sessions blocked and locks held of each DDL "
							"attempt are sampled this often while it runs and until "
							"its transaction ends; 0 turns sampling off (the figures "
							"are then NULL).",
							&safe_ddl_sample_interval,
							100, 0, 60000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	compat_install_process_utility(safe_ddl_ProcessUtility);
	install_lock_timeout_check();
	safe_ddl_audit_init();
	safe_ddl_guard_init();
	safe_ddl_attempts_init();
	safe_ddl_rules_init();

	/*
	 * The queue and its writer need shared memory: only when preloaded.
	 * Loaded otherwise (LOAD, session_preload_libraries, CREATE EXTENSION
	 * in a session), rows that need the writer go to the server log, and
	 * the settings that only the postmaster can take are not defined: a
	 * PGC_POSTMASTER setting defined after startup is a FATAL error.
	 */
	if (process_shared_preload_libraries_in_progress)
	{
		safe_ddl_preloaded = true;
		DefineCustomIntVariable("safe_ddl.queue_size",
								"Shared memory for audit rows on their way to the writer.",
								"Refused, failed and rolled-back attempts wait here "
								"until the background writer inserts them.",
								&safe_ddl_queue_size,
								1024, 64, 1024 * 1024,
								PGC_POSTMASTER,
								GUC_UNIT_KB,
								NULL, NULL, NULL);
		safe_ddl_queue_init();
		safe_ddl_workers_init();
		safe_ddl_ids_init();
		safe_ddl_inflight_init();
		safe_ddl_register_launcher();
	}
	else if (creating_extension)
		warn_not_preloaded();

	compat_reserve_guc_prefix("safe_ddl");
}

static double
elapsed_ms(instr_time start)
{
	instr_time	duration;

	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	return INSTR_TIME_GET_DOUBLE(duration) * 1000.0;
}

/*
 * The statement timeout that will really end this statement: the one
 * armed when the top-level statement started.  A statement_timeout set
 * later (SET inside a function or DO block, a function's SET clause)
 * changes the setting but arms nothing until the next top-level
 * statement, so it does not count; nor does a timer that has fired.
 */
static int
armed_statement_timeout_ms(void)
{
	TimestampTz start;
	TimestampTz finish;

	if (!get_timeout_active(STATEMENT_TIMEOUT))
		return 0;
	start = get_timeout_start_time(STATEMENT_TIMEOUT);
	finish = get_timeout_finish_time(STATEMENT_TIMEOUT);
	if (finish <= start)
		return 0;
	return (int) Min((finish - start + 999) / 1000, (TimestampTz) INT_MAX);
}

/*
 * CREATE EXTENSION safe_ddl in a server that did not preload the library:
 * it works, but say what is missing and how to add it.
 */
static void
warn_not_preloaded(void)
{
	ereport(WARNING,
			(errcode(ERRCODE_SAFE_DDL_NOT_AUDITED),
			 errmsg("safe_ddl is not in shared_preload_libraries"),
			 errdetail("The policy holds only in sessions that load the library; ok rows are written, "
					   "refused, failed and rolled-back attempts go to the server log instead of safe_ddl.audit_log."),
			 errhint("Add safe_ddl to shared_preload_libraries (ALTER SYSTEM SET shared_preload_libraries = 'safe_ddl') and restart the server.")));
}

/*
 * The hook sees CREATE EXTENSION safe_ddl only when the library was loaded
 * before it (LOAD, session_preload_libraries); otherwise _PG_init says it,
 * when the extension's script loads the library.
 */
static void
warn_if_not_preloaded(Node *parsetree)
{
	if (!safe_ddl_preloaded && IsA(parsetree, CreateExtensionStmt) &&
		strcmp(((CreateExtensionStmt *) parsetree)->extname, "safe_ddl") == 0)
		warn_not_preloaded();
}

/*
 * The lock_timeout a running DDL statement was checked with cannot change
 * while it runs: code the statement runs (a volatile default, a function
 * called by CREATE TABLE AS, a trigger) could otherwise set it to 0 before
 * the statement's later lock waits, by SET, set_config() or a function's
 * SET clause alike.  All of them go through lock_timeout's check hook,
 * which safe_ddl wraps (in _PG_init): while a checked statement runs, a
 * change by the session is refused.
 */
static bool lock_timeout_pinned = false;
static int	pinned_lock_timeout = 0;
static GucIntCheckHook prev_lock_timeout_check = NULL;

static bool
check_lock_timeout(int *newval, void **extra, GucSource source)
{
	if (lock_timeout_pinned && source == PGC_S_SESSION &&
		*newval != pinned_lock_timeout)
	{
		GUC_check_errcode(ERRCODE_SAFE_DDL_REFUSED);
		GUC_check_errmsg("safe_ddl refused a change of lock_timeout while a DDL statement runs");
		GUC_check_errdetail("The statement was checked with lock_timeout = %d ms; code it runs may not change it.",
							pinned_lock_timeout);
		GUC_check_errhint("Set lock_timeout before the DDL statement, not inside it.");
		return false;
	}
	return prev_lock_timeout_check == NULL ||
		prev_lock_timeout_check(newval, extra, source);
}

static void
install_lock_timeout_check(void)
{
	struct config_int *record = (struct config_int *) compat_find_guc("lock_timeout");

	if (record == NULL || record->gen.vartype != PGC_INT)
		elog(ERROR, "safe_ddl: setting lock_timeout not found");
	prev_lock_timeout_check = record->check_hook;
	record->check_hook = check_lock_timeout;
}

/*
 * safe_ddl.lock_retries may not be SET above safe_ddl.max_lock_retries: a
 * clear error rather than a silent cap.  Only where the value is set by
 * SET, set_config() or a function's SET clause (PGC_S_SESSION), or
 * stored by a non-superuser with ALTER ROLE/DATABASE ... SET (PGC_S_TEST):
 * there the maximum in effect is settled.  Values from the configuration
 * files, the command line, the client's startup options and per-role or
 * per-database settings are applied in an order that can put lock_retries
 * before max_lock_retries; they are taken as they are, and retry.c caps
 * them by max_lock_retries when it retries (the lock error then says so).
 * Parallel workers restore the leader's settings in any order, and are not
 * checked either.
 */
static bool
check_lock_retries(int *newval, void **extra, GucSource source)
{
	if (*newval <= safe_ddl_max_lock_retries || InitializingParallelWorker)
		return true;
	if (source == PGC_S_SESSION ||
		(source == PGC_S_TEST && IsTransactionState() && !superuser()))
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("safe_ddl.lock_retries cannot be above safe_ddl.max_lock_retries (%d)",
						 safe_ddl_max_lock_retries);
		GUC_check_errhint("A superuser sets safe_ddl.max_lock_retries (postgresql.conf, ALTER SYSTEM, ALTER ROLE ... SET).");
		return false;
	}
	return true;
}

/*
 * Is this statement left alone?  Not DDL; a sub-command PostgreSQL runs
 * for a statement already taken on (the sequence of a serial column, the
 * elements of CREATE SCHEMA, the parts of ALTER TABLE); part of an
 * extension script (covered by its CREATE/ALTER EXTENSION, run by a
 * superuser or as a trusted extension); or in a process that cannot
 * write.  DDL that user code runs inside other DDL (a function called by
 * CREATE TABLE AS, a volatile default, an event trigger) is not a
 * sub-command: it is checked and recorded on its own.
 */
static bool
passes_through(PlannedStmt *pstmt, ProcessUtilityContext context)
{
	return !safe_ddl_is_ddl(pstmt->utilityStmt) ||
		(context == PROCESS_UTILITY_SUBCOMMAND &&
		 safe_ddl_nesting_depth() > 0) ||
		creating_extension ||
		IsParallelWorker() ||
		RecoveryInProgress() ||
		(safe_ddl_mode == SAFE_DDL_MODE_OFF && !safe_ddl_audit);
}

/* What the checks of a statement need, to run them again (recheck). */
typedef struct CheckArgs
{
	PlannedStmt *pstmt;
	MemoryContext level_context;
	bool		audited;
} CheckArgs;

/* What it is, what it risks, the policy's verdict: in the level's memory. */
static void
evaluate(SafeDdlStatement *stmt, Node *parsetree, MemoryContext level_context)
{
	SafeDdlPolicyInput input;
	MemoryContext oldcontext;

	input.lock_timeout_ms = stmt->decision.lock_timeout_ms;
	input.statement_timeout_ms = stmt->decision.statement_timeout_ms;
	input.allow_destructive = safe_ddl_allow_destructive;
	oldcontext = MemoryContextSwitchTo(level_context);
	safe_ddl_evaluate(stmt, parsetree, &input);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * The guard (the extension's own objects are superusers' only, whatever
 * the mode), then the verdict: in enforce mode a refusal, its row handed
 * over first; in warn mode a warning.
 */
static void
enforce(SafeDdlStatement *stmt, Node *parsetree, bool audited)
{
	safe_ddl_guard_ddl(stmt, parsetree);
	if (stmt->decision.policy_violation == NULL)
		return;
	if (safe_ddl_mode == SAFE_DDL_MODE_ENFORCE && audited)
		safe_ddl_record_refused(stmt, safe_ddl_refusal_message(stmt),
								ERRCODE_SAFE_DDL_REFUSED);
	safe_ddl_report_violation(stmt,
							  safe_ddl_mode == SAFE_DDL_MODE_ENFORCE ?
							  ERROR : WARNING);
}

/*
 * Before a lock retry (retry.c): check the statement again from the
 * start, as before its first run.  While it slept, other sessions may
 * have changed what it would do (a view it locks now reads the log, the
 * function of a column default is now volatile): the retry runs only what
 * the guard and the policy allow now, and its row tells what was checked
 * last.  The way back is read again too.
 */
static void
recheck(SafeDdlStatement *stmt, void *arg)
{
	CheckArgs  *args = (CheckArgs *) arg;
	Node	   *parsetree = args->pstmt->utilityStmt;

	MemSet(&stmt->risk, 0, sizeof(stmt->risk));
	stmt->decision.policy_violation = NULL;
	evaluate(stmt, parsetree, args->level_context);
	enforce(stmt, parsetree, args->audited);
	if (args->audited)
		safe_ddl_revert_before(stmt, parsetree);
}

/*
 * The hook.
 *
 * Each DDL statement is one attempt at its own nesting level, and gets
 * one row however it ends: refused (written when the refusal is raised),
 * failed (in PG_CATCH, or at exit for a FATAL error), or ok.  What can
 * raise an error (classification looks objects up) runs inside PG_TRY,
 * after the facts every row needs have been taken.
 */
static void
safe_ddl_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						bool readOnlyTree, ProcessUtilityContext context,
						ParamListInfo params, QueryEnvironment *queryEnv,
						DestReceiver *dest, QueryCompletion *qc)
{
	SafeDdlStatement *stmt;
	MemoryContext level_context;
	MemoryContext oldcontext;
	instr_time	start;
	volatile bool audited = false;
	volatile bool pinned_here = false;

	safe_ddl_guard_utility(pstmt, queryString);

	if (passes_through(pstmt, context))
	{
		compat_next_process_utility(pstmt, queryString, readOnlyTree,
									context, params, queryEnv, dest, qc);
		return;
	}

	/*
	 * Nothing safe_ddl runs while it writes a row may change the schema: an
	 * index expression on the log calling a function that runs DDL would
	 * otherwise re-enter the write with the outer row half made, and in the
	 * writer, whose rows are the refusals, feed the queue without end.
	 */
	if (safe_ddl_in_writer || safe_ddl_writing_row())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("safe_ddl refused %s while writing an audit row",
						GetCommandTagName(CreateCommandTag(pstmt->utilityStmt))),
				 errdetail("Code evaluated while a row of safe_ddl.audit_log is inserted ran DDL."),
				 errhint("Remove what runs code on the audit log (an expression or partial index).")));

	/*
	 * Read everything we need from pstmt and queryString now: the next hook
	 * may scribble on them.
	 */
	level_context = safe_ddl_enter_level();
	oldcontext = MemoryContextSwitchTo(level_context);
	stmt = safe_ddl_describe(pstmt, queryString);
	stmt->decision.lock_timeout_ms = LockTimeout;
	stmt->decision.statement_timeout_ms = armed_statement_timeout_ms();
	safe_ddl_begin_attempt(stmt);
	MemoryContextSwitchTo(oldcontext);

	INSTR_TIME_SET_CURRENT(start);
	PG_TRY();
	{
		Oid			log_relid;
		CheckArgs	check_args = {pstmt, level_context, false};

		if (safe_ddl_audit)
		{
			safe_ddl_owe_row(stmt);
			audited = true;
		}
		log_relid = safe_ddl_audit_log(NULL);
		stmt->session.log_installed = OidIsValid(log_relid);

		/* What it is, what it risks, then the policy. */
		evaluate(stmt, pstmt->utilityStmt, level_context);

		if (stmt->what.temp_only)
		{
			/* Temporary objects only: neither checked nor recorded. */
			safe_ddl_owe_row(NULL);
			audited = false;
			compat_next_process_utility(pstmt, queryString, readOnlyTree,
										context, params, queryEnv, dest, qc);
		}
		else
		{
			check_args.audited = audited;
			enforce(stmt, pstmt->utilityStmt, audited);

			/*
			 * Take the log's lock before the change, not after: a statement
			 * that cannot be undone (DROP DATABASE, ALTER SYSTEM) must not
			 * complete and then fail on its own row, waiting for a lock
			 * someone else holds on the log.
			 */
			if (audited && OidIsValid(log_relid))
				LockRelationOid(log_relid, RowExclusiveLock);

			if (audited)
				safe_ddl_attempt_running(stmt);

			/*
			 * Run the statement, again if it could not get a lock and lock
			 * retries apply (retry.c).  Its row is written in its transaction
			 * when it completes (and the write is part of it: if the write
			 * fails, so does the statement), or handed to the writer when it
			 * fails.  The way back is read from the catalog before it runs
			 * (revert.c).
			 *
			 * CREATE FUNCTION's validator applies the function's own SET
			 * clause while it checks the body: nothing of it runs.
			 */
			if (!lock_timeout_pinned &&
				!IsA(pstmt->utilityStmt, CreateFunctionStmt))
			{
				pinned_lock_timeout = LockTimeout;
				lock_timeout_pinned = pinned_here = true;
			}
			if (audited)
				safe_ddl_revert_before(stmt, pstmt->utilityStmt);
			{
				SafeDdlUtilityCall call = {pstmt, queryString, readOnlyTree,
					context, params, queryEnv, dest, qc,
				recheck, &check_args};

				safe_ddl_run_with_lock_retries(stmt, &call);
			}
			if (IsA(pstmt->utilityStmt, LockStmt))
				safe_ddl_guard_lock_held(pstmt->utilityStmt);
			if (pinned_here)
				lock_timeout_pinned = pinned_here = false;
			stmt->result.duration_ms = elapsed_ms(start);
			if (audited)
			{
				safe_ddl_revert_after(stmt);
				safe_ddl_record_ok(stmt);
			}
			warn_if_not_preloaded(pstmt->utilityStmt);
		}
	}
	PG_CATCH();
	{
		if (pinned_here)
			lock_timeout_pinned = false;
		stmt->result.duration_ms = elapsed_ms(start);
		if (audited && stmt->result.outcome != SAFE_DDL_OUTCOME_REFUSED)
			safe_ddl_record_failed(stmt, level_context);
		safe_ddl_leave_level();
		PG_RE_THROW();
	}
	PG_END_TRY();
	safe_ddl_leave_level();
}
