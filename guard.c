/*-------------------------------------------------------------------------
 *
 * guard.c
 *		Keeping the audit log tamper-proof: only the extension writes it,
 *		and no role but a superuser may change or remove it or anything
 *		else of the extension.  An attempt by anyone else is refused
 *		(SQLSTATE 42501) and itself recorded as a refused attempt.
 *
 * Three doors lead to the log: DML (INSERT, UPDATE, DELETE, MERGE), seen
 * by an ExecutorStart hook; COPY FROM, a utility statement; and DDL
 * (ALTER, DROP, TRUNCATE, DROP SCHEMA, DROP EXTENSION ...), whose targets
 * classify.c has already named.  The executor hook costs a plain SELECT
 * one comparison (it has no result relation); other statements compare
 * their result relations with the log's OID, cached per backend and
 * forgotten on relcache invalidation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"

#include "safe_ddl.h"

#define EXTENSION_SCHEMA	"safe_ddl"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/*
 * Record the attempt as refused and raise the error.
 */
static void
refuse(SafeDdlStatement *stmt, const char *what)
{
	char	   *message = psprintf("permission denied: only a superuser may %s",
								   what);

	stmt->policy_violation = message;
	if (safe_ddl_audit)
	{
		stmt->duration_ms = 0;
		safe_ddl_record_refused(stmt, message, ERRCODE_INSUFFICIENT_PRIVILEGE);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s", message),
			 errdetail("safe_ddl recorded this attempt by role \"%s\".",
					   stmt->current_user_name),
			 errhint("Ask a superuser.")));
}

/*
 * A statement that is not DDL but writes the log: describe it the way the
 * hook describes DDL, so that its row reads the same.
 */
static void
refuse_write(const char *command_tag, const char *query_text)
{
	SafeDdlStatement *stmt = palloc0(sizeof(SafeDdlStatement));

	stmt->command_tag = command_tag;
	stmt->object_type = "table";
	stmt->identities = list_make1(pstrdup(EXTENSION_SCHEMA ".audit_log"));
	stmt->statement = pstrdup(query_text ? query_text : "");
	if (strlen(stmt->statement) > (size_t) safe_ddl_max_statement_length)
		stmt->statement[safe_ddl_max_statement_length] = '\0';
	safe_ddl_begin_attempt(stmt);
	stmt->log_installed = true;
	refuse(stmt, "write to safe_ddl.audit_log");
}

static void
guard_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	PlannedStmt *plan = queryDesc->plannedstmt;

	/* Writable CTEs make a SELECT write too: look at result relations. */
	if (plan->resultRelations != NIL && !superuser())
	{
		Oid			relid = safe_ddl_audit_log(NULL);
		ListCell   *lc;

		if (OidIsValid(relid))
			foreach(lc, plan->resultRelations)
			{
				RangeTblEntry *rte = rt_fetch(lfirst_int(lc), plan->rtable);

				if (rte->relid == relid)
					refuse_write(GetCommandTagName(CreateCommandTag((Node *) plan)),
								 queryDesc->sourceText);
			}
	}

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * COPY ... FROM into the log.
 */
void
safe_ddl_guard_copy(Node *parsetree, const char *query_text)
{
	CopyStmt   *stmt = (CopyStmt *) parsetree;
	Oid			relid;

	if (!stmt->is_from || stmt->relation == NULL || superuser())
		return;
	relid = safe_ddl_audit_log(NULL);
	if (OidIsValid(relid) &&
		RangeVarGetRelid(stmt->relation, NoLock, true) == relid)
		refuse_write("COPY", query_text);
}

/*
 * DDL on anything of the extension: its schema, its objects, the
 * extension itself.
 */
void
safe_ddl_guard_ddl(SafeDdlStatement *stmt)
{
	ListCell   *lc;

	if (superuser())
		return;
	foreach(lc, stmt->identities)
	{
		const char *identity = (const char *) lfirst(lc);

		if (strncmp(identity, EXTENSION_SCHEMA ".",
					strlen(EXTENSION_SCHEMA ".")) == 0 ||
			(strcmp(identity, EXTENSION_SCHEMA) == 0 &&
			 stmt->object_type != NULL &&
			 (strcmp(stmt->object_type, "schema") == 0 ||
			  strcmp(stmt->object_type, "extension") == 0)))
			refuse(stmt, "change the objects of safe_ddl");
	}
}

void
safe_ddl_guard_init(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = guard_ExecutorStart;
}
