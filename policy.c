/*-------------------------------------------------------------------------
 *
 * policy.c
 *		Whether the timeouts in effect guard a DDL statement, and the
 *		refusal (or warning) a person reads when they do not.
 *
 * A timeout counts as set when it is non-zero and, if safe_ddl bounds it
 * (safe_ddl.max_lock_timeout / safe_ddl.max_statement_timeout), not above
 * the bound.  safe_ddl.require_timeout says which of the two must count.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"

#include "classify.h"
#include "policy.h"
#include "rules.h"
#include "statements.h"

/* What the HINT suggests when no bound says otherwise. */
#define SUGGESTED_LOCK_TIMEOUT_MS		5000
#define SUGGESTED_STATEMENT_TIMEOUT_MS	60000

static bool
timeout_counts(int value, int bound)
{
	return value > 0 && (bound == 0 || value <= bound);
}

/*
 * Why one timeout does not count, or NULL when it does.
 */
static char *
timeout_problem(const char *name, int value, const char *bound_name, int bound)
{
	if (value <= 0)
		return psprintf("%s is not set", name);
	if (bound > 0 && value > bound)
		return psprintf("%s (%d ms) is above %s (%d ms)",
						name, value, bound_name, bound);
	return NULL;
}

/*
 * The reason the policy refuses DDL under these timeouts, or NULL when it
 * lets it through.
 */
static char *
timeout_violation(SafeDdlStatement *stmt)
{
	int			lock_timeout = stmt->decision.lock_timeout_ms;
	int			statement_timeout = stmt->decision.statement_timeout_ms;
	bool		lock_ok;
	bool		stmt_ok;
	char	   *lock_problem;
	char	   *stmt_problem;

	lock_ok = timeout_counts(lock_timeout, safe_ddl_max_lock_timeout);
	stmt_ok = timeout_counts(statement_timeout, safe_ddl_max_statement_timeout);

	switch ((SafeDdlRequire) safe_ddl_require_timeout)
	{
		case SAFE_DDL_REQUIRE_ANY:
			if (lock_ok || stmt_ok)
				return NULL;
			break;
		case SAFE_DDL_REQUIRE_LOCK:
			if (lock_ok)
				return NULL;
			break;
		case SAFE_DDL_REQUIRE_STATEMENT:
			if (stmt_ok)
				return NULL;
			break;
		case SAFE_DDL_REQUIRE_BOTH:
			if (lock_ok && stmt_ok)
				return NULL;
			break;
	}

	lock_problem = timeout_problem("lock_timeout", lock_timeout,
								   "safe_ddl.max_lock_timeout",
								   safe_ddl_max_lock_timeout);
	stmt_problem = timeout_problem("statement_timeout", statement_timeout,
								   "safe_ddl.max_statement_timeout",
								   safe_ddl_max_statement_timeout);

	switch ((SafeDdlRequire) safe_ddl_require_timeout)
	{
		case SAFE_DDL_REQUIRE_ANY:
			return psprintf("neither timeout guards it: %s, and %s",
							lock_problem, stmt_problem);
		case SAFE_DDL_REQUIRE_LOCK:
			return lock_problem;
		case SAFE_DDL_REQUIRE_STATEMENT:
			return stmt_problem;
		case SAFE_DDL_REQUIRE_BOTH:
			if (lock_problem && stmt_problem)
				return psprintf("both timeouts are required: %s, and %s",
								lock_problem, stmt_problem);
			return psprintf("both timeouts are required: %s",
							lock_problem ? lock_problem : stmt_problem);
	}
	return NULL;				/* keep compiler quiet */
}

/*
 * The verdict on one DDL statement, the same for the hook and for
 * safe_ddl.explain(): what it is (classify.c: may raise an error, the
 * caller records it), and unless it touches temporary objects only, what
 * it risks (rules.c) and whether the policy refuses it.  The statement's
 * entry in statements.c, looked up once here, says how it is classified
 * and assessed.  The steps, in their order:
 *
 *	classify	object type, identities, temp_only
 *	assess		lock_mode, rewrites, table_sizes, verdicts, rules
 *	decide		policy_violation (NULL: allowed)
 */
void
safe_ddl_evaluate(SafeDdlStatement *stmt, Node *parsetree,
				  const SafeDdlPolicyInput *input)
{
	const SafeDdlKind *kind = safe_ddl_statement_kind(parsetree);

	safe_ddl_classify(stmt, parsetree, &kind->targets);
	if (stmt->what.temp_only)
		return;
	stmt->decision.lock_timeout_ms = input->lock_timeout_ms;
	stmt->decision.statement_timeout_ms = input->statement_timeout_ms;
	safe_ddl_assess(stmt, parsetree, kind->assess, kind->lock,
					input->allow_destructive);
	if (safe_ddl_mode != SAFE_DDL_MODE_OFF)
		stmt->decision.policy_violation = safe_ddl_policy_violation(stmt);
}

/*
 * The reason the policy refuses this statement: the timeouts, then the
 * risk rules that fire (rules.c has assessed it), or NULL when nothing
 * does.  The reason is what the error message and the audit row's
 * policy_violation say.
 */
const char *
safe_ddl_policy_violation(SafeDdlStatement *stmt)
{
	char	   *timeouts = timeout_violation(stmt);
	char	   *rules = safe_ddl_rule_violation(stmt);

	if (timeouts && rules)
		return psprintf("%s; %s", timeouts, rules);
	return timeouts ? timeouts : rules;
}

/*
 * Append "SET [LOCAL] name = 'Ns'" for one timeout, within its bound.
 */
static void
append_set_command(StringInfo buf, const char *name, int ms, int bound)
{
	if (bound > 0 && bound < ms)
		ms = bound;
	appendStringInfo(buf, "%s %s = ",
					 IsTransactionBlock() ? "SET LOCAL" : "SET", name);
	if (ms % 60000 == 0)
		appendStringInfo(buf, "'%dmin'", ms / 60000);
	else if (ms % 1000 == 0)
		appendStringInfo(buf, "'%ds'", ms / 1000);
	else
		appendStringInfo(buf, "'%dms'", ms);
}

/*
 * The SET statements that make the required timeouts count: "SET
 * lock_timeout = '5s'" (for "any", the one that bounds the lock wait);
 * for "both", each that does not count yet.
 */
static int
append_timeout_commands(StringInfo buf, SafeDdlStatement *stmt)
{
	SafeDdlRequire require = (SafeDdlRequire) safe_ddl_require_timeout;
	bool		lock = require != SAFE_DDL_REQUIRE_STATEMENT;
	bool		statement = require == SAFE_DDL_REQUIRE_STATEMENT;

	if (require == SAFE_DDL_REQUIRE_BOTH)
	{
		lock = !timeout_counts(stmt->decision.lock_timeout_ms, safe_ddl_max_lock_timeout);
		statement = !timeout_counts(stmt->decision.statement_timeout_ms,
									safe_ddl_max_statement_timeout);
	}
	if (lock)
		append_set_command(buf, "lock_timeout", SUGGESTED_LOCK_TIMEOUT_MS,
						   safe_ddl_max_lock_timeout);
	if (lock && statement)
		appendStringInfoString(buf, " and ");
	if (statement)
		append_set_command(buf, "statement_timeout",
						   SUGGESTED_STATEMENT_TIMEOUT_MS,
						   safe_ddl_max_statement_timeout);
	return (lock ? 1 : 0) + (statement ? 1 : 0);
}

/*
 * What to do about a refusal, in a few words: many clients (node-postgres,
 * most ORMs' logs, CI summaries) show only the primary message, so it must
 * say it.  The HINT has the full recipe.
 */
static char *
refusal_action(SafeDdlStatement *stmt)
{
	StringInfoData buf;
	const char *last = NULL;
	int			rule;

	initStringInfo(&buf);
	if (timeout_violation(stmt) != NULL)
	{
		appendStringInfoString(&buf, "run ");
		append_timeout_commands(&buf, stmt);
		appendStringInfoString(&buf, " first");
	}
	for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
	{
		const char *action = safe_ddl_rule_action(rule);

		if (stmt->risk.verdicts[rule] != SAFE_DDL_VERDICT_FIRES ||
			(last != NULL && strcmp(action, last) == 0))
			continue;
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "; " : "", action);
		last = action;
	}
	return buf.data;
}

/*
 * The message of a refusal: what the error says and the audit row keeps.
 * One line: the command, why, and what to do.
 */
char *
safe_ddl_refusal_message(SafeDdlStatement *stmt)
{
	return psprintf("safe_ddl refused %s: %s; %s",
					stmt->what.command_tag, stmt->decision.policy_violation,
					refusal_action(stmt));
}

/*
 * The HINT of a refusal: the statement that sets a timeout when one is
 * missing, then the safe recipe of each rule that fires.
 */
char *
safe_ddl_policy_hint(SafeDdlStatement *stmt)
{
	StringInfoData hint;
	int			rule;

	initStringInfo(&hint);
	if (timeout_violation(stmt) != NULL)
	{
		int			n;

		appendStringInfoString(&hint, "Run ");
		n = append_timeout_commands(&hint, stmt);
		if (IsTransactionBlock())
			appendStringInfoString(&hint, " in this transaction before the statement.");
		else
			appendStringInfo(&hint, " before the statement, or set %s for the migration role with ALTER ROLE ... SET.",
							 n > 1 ? "them" : "it");
	}
	for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
		if (stmt->risk.verdicts[rule] == SAFE_DDL_VERDICT_FIRES)
			appendStringInfo(&hint, "%s%s: %s", hint.len > 0 ? "\n" : "",
							 safe_ddl_rule_name(rule),
							 safe_ddl_rule_recipe(rule));
	if (hint.len == 0)
	{
		pfree(hint.data);
		return NULL;
	}
	return hint.data;
}

/*
 * What the statement risks, for the DETAIL: lock, rewrite, table sizes.
 */
static char *
risk_detail(SafeDdlStatement *stmt)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (stmt->risk.lock_mode)
		appendStringInfo(&buf, " Lock: %s.", stmt->risk.lock_mode);
	if (stmt->risk.rewrites)
		appendStringInfo(&buf, " Table access under it: %s.", stmt->risk.rewrites);
	foreach(lc, stmt->risk.table_sizes)
		appendStringInfo(&buf, " Size of %s.", (char *) lfirst(lc));
	if (stmt->risk.table_sizes != NIL)
		appendStringInfo(&buf, " safe_ddl.large_table_size = %d kB.",
						 safe_ddl_large_table_size);
	return buf.data;
}

/*
 * Raise the refusal (elevel ERROR) or the warning (elevel WARNING) for a
 * statement whose policy_violation is set.
 */
void
safe_ddl_report_violation(SafeDdlStatement *stmt, int elevel)
{
	SafeDdlRequire require = (SafeDdlRequire) safe_ddl_require_timeout;
	char	   *hint = safe_ddl_policy_hint(stmt);

	ereport(elevel,
			(errcode(ERRCODE_SAFE_DDL_REFUSED),
			 elevel >= ERROR ?
			 errmsg("%s", safe_ddl_refusal_message(stmt)) :
			 errmsg("safe_ddl would refuse %s: %s; %s",
					stmt->what.command_tag, stmt->decision.policy_violation,
					refusal_action(stmt)),
			 errdetail("In effect: lock_timeout = %d ms, statement_timeout = %d ms, "
					   "safe_ddl.require_timeout = %s, "
					   "safe_ddl.max_lock_timeout = %d ms, "
					   "safe_ddl.max_statement_timeout = %d ms.%s",
					   stmt->decision.lock_timeout_ms, stmt->decision.statement_timeout_ms,
					   require == SAFE_DDL_REQUIRE_ANY ? "any" :
					   require == SAFE_DDL_REQUIRE_LOCK ? "lock_timeout" :
					   require == SAFE_DDL_REQUIRE_STATEMENT ? "statement_timeout" :
					   "both",
					   safe_ddl_max_lock_timeout,
					   safe_ddl_max_statement_timeout,
					   risk_detail(stmt)),
			 hint ? errhint("%s", hint) : 0));
}
