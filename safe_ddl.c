/*-------------------------------------------------------------------------
 *
 * safe_ddl.c
 *		Entry point of safe_ddl: settings, and the ProcessUtility hook that
 *		refuses DDL no timeout guards and records every schema change.
 *
 * The hook does as little as it can for everything that is not DDL: one
 * switch on the node type (safe_ddl_is_ddl), then straight to the next hook.
 * For DDL it asks classify.c what the statement is, policy.c whether the
 * timeouts in effect satisfy the policy, runs the statement, and hands the
 * result to audit.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xlog.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "safe_ddl.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "safe_ddl",.version = "1.0");
#else
PG_MODULE_MAGIC;
#endif

void		_PG_init(void);

/* Settings */
int			safe_ddl_mode = SAFE_DDL_MODE_ENFORCE;
int			safe_ddl_require_timeout = SAFE_DDL_REQUIRE_ANY;
int			safe_ddl_max_lock_timeout = 0;
int			safe_ddl_max_statement_timeout = 0;
bool		safe_ddl_audit = true;
int			safe_ddl_max_statement_length = 65536;
int			safe_ddl_queue_size = 1024;	/* kB */
int			safe_ddl_large_table_size = 10240;	/* kB */
bool		safe_ddl_allow_destructive = false;
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

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/*
 * How deep we are inside a DDL statement this hook has taken on.  Anything
 * that reaches the hook while it is above zero (sub-commands, the serial
 * sequence of a CREATE TABLE, statements of triggers fired by the DDL) is
 * part of that outer statement: it is neither checked nor audited alone.
 */
static int	nesting_level = 0;

/* Per-statement memory, reset when the next DDL statement starts. */
static MemoryContext statement_context = NULL;

#if PG_VERSION_NUM >= 140000
#define PROCESS_UTILITY_PARAMS \
	PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define PROCESS_UTILITY_ARGS \
	pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc
#else
#define PROCESS_UTILITY_PARAMS \
	PlannedStmt *pstmt, const char *queryString, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define PROCESS_UTILITY_ARGS \
	pstmt, queryString, context, params, queryEnv, dest, qc
#endif

static void safe_ddl_ProcessUtility(PROCESS_UTILITY_PARAMS);

static void
call_next_ProcessUtility(PROCESS_UTILITY_PARAMS)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(PROCESS_UTILITY_ARGS);
	else
		standard_ProcessUtility(PROCESS_UTILITY_ARGS);
}

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
							"0 means no upper bound.",
							&safe_ddl_max_lock_timeout,
							0, 0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("safe_ddl.max_statement_timeout",
							"A statement_timeout above this does not count as set.",
							"0 means no upper bound.",
							&safe_ddl_max_statement_timeout,
							0, 0, INT_MAX,
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

	DefineCustomIntVariable("safe_ddl.queue_size",
							"Shared memory for audit rows on their way to the writer.",
							"Refused, failed and rolled-back attempts wait here "
							"until the background writer inserts them.",
							&safe_ddl_queue_size,
							1024, 64, 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
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

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("safe_ddl");
#else
	EmitWarningsOnPlaceholders("safe_ddl");
#endif

	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = safe_ddl_ProcessUtility;
	safe_ddl_audit_init();
	safe_ddl_guard_init();
	safe_ddl_attempts_init();

	/*
	 * The queue and its writer need shared memory: only when preloaded.
	 * Loaded otherwise, rows that need the writer go to the server log.
	 */
	if (process_shared_preload_libraries_in_progress)
	{
		safe_ddl_queue_init();
		safe_ddl_ids_init();
		safe_ddl_register_launcher();
	}
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
 * The hook.
 */
static void
safe_ddl_ProcessUtility(PROCESS_UTILITY_PARAMS)
{
	SafeDdlStatement *stmt;
	MemoryContext oldcontext;
	instr_time	start;

	/*
	 * Fast path: not DDL, part of a statement already taken on, part of an
	 * extension script (covered by its CREATE/ALTER EXTENSION), or in a
	 * process that cannot write.
	 */
	safe_ddl_guard_utility(pstmt, queryString);

	if (nesting_level > 0 ||
		!safe_ddl_is_ddl(pstmt->utilityStmt) ||
		creating_extension ||
		IsParallelWorker() ||
		RecoveryInProgress() ||
		(safe_ddl_mode == SAFE_DDL_MODE_OFF && !safe_ddl_audit))
	{
		call_next_ProcessUtility(PROCESS_UTILITY_ARGS);
		return;
	}

	if (statement_context == NULL)
		statement_context = AllocSetContextCreate(TopMemoryContext,
												  "safe_ddl statement",
												  ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(statement_context);

	/*
	 * Read everything we need from pstmt and queryString now: the next hook
	 * may scribble on them.
	 */
	oldcontext = MemoryContextSwitchTo(statement_context);
	stmt = safe_ddl_classify(pstmt, queryString);
	MemoryContextSwitchTo(oldcontext);

	if (stmt->temp_only)
	{
		call_next_ProcessUtility(PROCESS_UTILITY_ARGS);
		return;
	}

	stmt->lock_timeout_ms = LockTimeout;
	stmt->statement_timeout_ms = StatementTimeout;

	oldcontext = MemoryContextSwitchTo(statement_context);
	safe_ddl_begin_attempt(stmt);
	MemoryContextSwitchTo(oldcontext);

	/*
	 * From here on, every way out leaves one row: refused (written when the
	 * refusal is raised), failed (in PG_CATCH) or ok.  The duration
	 * counts from here: the assessment is part of the statement's time.
	 */
	INSTR_TIME_SET_CURRENT(start);
	PG_TRY();
	{
		/* What it risks, then the policy: the timeouts and the rules. */
		oldcontext = MemoryContextSwitchTo(statement_context);
		safe_ddl_assess(stmt, pstmt->utilityStmt,
						safe_ddl_allow_destructive);
		if (safe_ddl_mode != SAFE_DDL_MODE_OFF)
			stmt->policy_violation = safe_ddl_policy_violation(stmt);
		MemoryContextSwitchTo(oldcontext);

		/* The extension's own objects: superusers only, whatever the mode. */
		safe_ddl_guard_ddl(stmt, pstmt->utilityStmt);

		if (stmt->policy_violation != NULL)
		{
			if (safe_ddl_mode == SAFE_DDL_MODE_ENFORCE && safe_ddl_audit)
				safe_ddl_record_refused(stmt, safe_ddl_refusal_message(stmt),
										ERRCODE_SAFE_DDL_REFUSED);
			safe_ddl_report_violation(stmt,
									  safe_ddl_mode == SAFE_DDL_MODE_ENFORCE ?
									  ERROR : WARNING);
		}

		/*
		 * Run the statement.  Its row is written in its transaction when it
		 * completes (and the write is part of it: if the write fails, so
		 * does the statement), or handed to the writer when it fails.
		 */
		nesting_level++;
		call_next_ProcessUtility(PROCESS_UTILITY_ARGS);
		nesting_level--;
		stmt->duration_ms = elapsed_ms(start);
		if (safe_ddl_audit)
			safe_ddl_record_ok(stmt);
	}
	PG_CATCH();
	{
		nesting_level = 0;
		stmt->duration_ms = elapsed_ms(start);
		if (safe_ddl_audit && stmt->outcome != SAFE_DDL_OUTCOME_REFUSED)
			safe_ddl_record_failed(stmt, statement_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
}
