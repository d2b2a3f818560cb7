/*-------------------------------------------------------------------------
 *
 * explain.c
 *		safe_ddl.explain(sql text): what safe_ddl would say of each
 *		statement of a script, with nothing executed.
 *
 * The script is parsed, and each statement classified and assessed the
 * way the hook does it, under the settings of the calling session.  Its
 * SET and RESET of lock_timeout, statement_timeout and
 * safe_ddl.allow_destructive are followed, since a migration usually
 * starts with them, but nothing else is: an object the script creates is
 * not there yet when a later statement of the script is assessed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/resowner.h"

#include "classify.h"
#include "compat.h"
#include "policy.h"
#include "rules.h"
#include "statements.h"

PG_FUNCTION_INFO_V1(safe_ddl_explain);

#define EXPLAIN_COLS 12

static const char *const verdict_names[] = {
	[SAFE_DDL_VERDICT_NOT_APPLICABLE] = "not applicable",
	[SAFE_DDL_VERDICT_NEW] = "new in this session",
	[SAFE_DDL_VERDICT_SMALL] = "below large_table_size",
	[SAFE_DDL_VERDICT_EMPTY] = "empty",
	[SAFE_DDL_VERDICT_FIRES] = "fires",
	[SAFE_DDL_VERDICT_DISABLED] = "disabled",
	[SAFE_DDL_VERDICT_ACKNOWLEDGED] = "acknowledged",
};

/* The timeouts and acknowledgement as the script has set them so far. */
typedef struct ScriptSettings
{
	int			lock_timeout;
	int			statement_timeout;
	bool		allow_destructive;
} ScriptSettings;

static Datum
text_array_datum(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(items), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, items)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* Every rule's verdict, as a json object in the rules' order. */
static Datum
verdicts_datum(SafeDdlStatement *stmt)
{
	StringInfoData buf;
	int			rule;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
	{
		if (rule > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, safe_ddl_rule_name(rule));
		appendStringInfoString(&buf, ": ");
		escape_json(&buf, verdict_names[stmt->risk.verdicts[rule]]);
	}
	appendStringInfoChar(&buf, '}');
	return CStringGetTextDatum(buf.data);
}

/* Set one followed setting from its text; an unparsable value is ignored. */
static void
set_followed(ScriptSettings *settings, const char *name, const char *value)
{
	int			ms;

	if (value == NULL)
		return;
	if (strcmp(name, "lock_timeout") == 0)
	{
		if (parse_int(value, &ms, GUC_UNIT_MS, NULL))
			settings->lock_timeout = ms;
	}
	else if (strcmp(name, "statement_timeout") == 0)
	{
		if (parse_int(value, &ms, GUC_UNIT_MS, NULL))
			settings->statement_timeout = ms;
	}
	else
		parse_bool(value, &settings->allow_destructive);
}

static const char *const followed_settings[] = {
	"lock_timeout", "statement_timeout", "safe_ddl.allow_destructive"
};

/*
 * Follow a SET or RESET of the settings the verdict depends on.  RESET and
 * SET ... TO DEFAULT go back to the reset value (postgresql.conf, ALTER
 * ROLE/DATABASE ... SET), as they do when the script runs.
 */
static void
follow_set(VariableSetStmt *set, ScriptSettings *settings)
{
	size_t		i;

	for (i = 0; i < lengthof(followed_settings); i++)
	{
		const char *name = followed_settings[i];

		if (set->kind == VAR_RESET_ALL)
			set_followed(settings, name, GetConfigOptionResetString(name));
		else if (set->name == NULL || strcmp(set->name, name) != 0)
			continue;
		else if (set->kind == VAR_SET_DEFAULT || set->kind == VAR_RESET)
			set_followed(settings, name, GetConfigOptionResetString(name));
		else if (set->kind == VAR_SET_VALUE && list_length(set->args) == 1 &&
				 IsA(linitial(set->args), A_Const))
		{
			A_Const    *arg = linitial_node(A_Const, set->args);
			bool		boolean;

			if (IsA(&arg->val, Integer))
				set_followed(settings, name, psprintf("%d", intVal(&arg->val)));
			else if (IsA(&arg->val, String))
				set_followed(settings, name, strVal(&arg->val));
			else if (compat_boolean_value((Node *) &arg->val, &boolean))
				set_followed(settings, name, boolean ? "on" : "off");
		}
	}
}

/*
 * One statement's row.  values/nulls are EXPLAIN_COLS long.
 */
static void
explain_statement(RawStmt *raw, const char *sql, int number,
				  ScriptSettings *settings, Datum *values, bool *nulls)
{
	Node	   *parsetree = raw->stmt;
	PlannedStmt *pstmt = makeNode(PlannedStmt);
	SafeDdlStatement *stmt;
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	const char *volatile verdict = "allowed";
	char	   *volatile reason = NULL;
	char	   *hint = NULL;

	memset(nulls, true, sizeof(bool) * EXPLAIN_COLS);
	values[0] = Int32GetDatum(number);
	nulls[0] = false;

	pstmt->commandType = CMD_UTILITY;
	pstmt->utilityStmt = parsetree;
	pstmt->stmt_location = raw->stmt_location;
	pstmt->stmt_len = raw->stmt_len;

	if (IsA(parsetree, VariableSetStmt))
		follow_set((VariableSetStmt *) parsetree, settings);

	stmt = safe_ddl_describe(pstmt, sql);
	if (!safe_ddl_is_ddl(parsetree))
	{
		/* Not DDL: only the text and the command. */
		values[1] = CStringGetTextDatum(stmt->what.statement);
		values[2] = CStringGetTextDatum(stmt->what.command_tag);
		nulls[1] = nulls[2] = false;
		values[9] = CStringGetTextDatum("not ddl");
		nulls[9] = false;
		return;
	}

	stmt->decision.lock_timeout_ms = settings->lock_timeout;
	stmt->decision.statement_timeout_ms = settings->statement_timeout;

	/*
	 * Classification looks objects up and may fail (an ambiguous function
	 * name, a cross-database reference): that statement's row says so,
	 * and the rest of the script is still explained.
	 */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		SafeDdlPolicyInput input;

		input.lock_timeout_ms = settings->lock_timeout;
		input.statement_timeout_ms = settings->statement_timeout;
		input.allow_destructive = settings->allow_destructive;
		safe_ddl_evaluate(stmt, parsetree, &input);
		if (stmt->what.temp_only)
			verdict = "allowed (temporary objects)";
		else if (stmt->decision.policy_violation)
		{
			verdict = safe_ddl_mode == SAFE_DDL_MODE_ENFORCE ?
				"refused" : "warning";
			reason = (char *) stmt->decision.policy_violation;
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		verdict = "error";
		reason = psprintf("safe_ddl could not assess it: %s", edata->message);
	}
	PG_END_TRY();

	/* outside the subtransaction, which would make it say SET LOCAL */
	if (stmt->decision.policy_violation != NULL && strcmp(verdict, "error") != 0)
		hint = safe_ddl_policy_hint(stmt);

	values[1] = CStringGetTextDatum(stmt->what.statement);
	values[2] = CStringGetTextDatum(stmt->what.command_tag);
	nulls[1] = nulls[2] = false;
	if (stmt->what.object_type)
	{
		values[3] = CStringGetTextDatum(stmt->what.object_type);
		nulls[3] = false;
	}
	values[4] = text_array_datum(stmt->what.identities);
	nulls[4] = false;
	if (stmt->risk.lock_mode)
	{
		values[5] = CStringGetTextDatum(stmt->risk.lock_mode);
		nulls[5] = false;
	}
	if (stmt->risk.rewrites)
	{
		values[6] = CStringGetTextDatum(stmt->risk.rewrites);
		nulls[6] = false;
	}
	values[7] = text_array_datum(stmt->risk.table_sizes);
	values[8] = verdicts_datum(stmt);
	values[9] = CStringGetTextDatum(verdict);
	nulls[7] = nulls[8] = nulls[9] = false;
	if (reason)
	{
		values[10] = CStringGetTextDatum(reason);
		nulls[10] = false;
	}
	if (hint)
	{
		values[11] = CStringGetTextDatum(hint);
		nulls[11] = false;
	}
}

/*
 * A syntax error in the script points into the script, not into the
 * query that called safe_ddl.explain.
 */
static void
explain_parse_error_callback(void *arg)
{
	int			position = geterrposition();

	if (position > 0)
	{
		errposition(0);
		internalerrposition(position);
		internalerrquery((const char *) arg);
	}
	errcontext("parsing the script given to safe_ddl.explain");
}

/*
 * safe_ddl.explain(sql text) returns a row per statement of sql.
 */
Datum
safe_ddl_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore;
	MemoryContext oldcontext;
	ScriptSettings settings;
	List	   *parsetrees;
	ListCell   *lc;
	int			number = 0;
	ErrorContextCallback errcallback;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("safe_ddl.explain must be called in FROM: SELECT * FROM safe_ddl.explain(...)")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != EXPLAIN_COLS)
		elog(ERROR, "safe_ddl.explain returns %d columns, not %d",
			 EXPLAIN_COLS, tupdesc->natts);

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	tupstore = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcontext);

	settings.lock_timeout = LockTimeout;
	settings.statement_timeout = StatementTimeout;
	settings.allow_destructive = safe_ddl_allow_destructive;

	errcallback.callback = explain_parse_error_callback;
	errcallback.arg = sql;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	parsetrees = pg_parse_query(sql);
	error_context_stack = errcallback.previous;
	foreach(lc, parsetrees)
	{
		Datum		values[EXPLAIN_COLS];
		bool		nulls[EXPLAIN_COLS];

		explain_statement(lfirst_node(RawStmt, lc), sql, ++number,
						  &settings, values, nulls);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}
