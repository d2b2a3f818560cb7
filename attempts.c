/*-------------------------------------------------------------------------
 *
 * attempts.c
 *		Every DDL attempt gets exactly one audit row, and this file decides
 *		who writes it.
 *
 * ok			written by the backend, in the statement's own transaction
 *				(audit.c), so that it commits or rolls back with the change;
 * refused		handed to the writer (queue.c) before the error is raised;
 * failed		handed to the writer from the hook's error handler;
 * rolled_back	an ok row whose transaction, or savepoint, rolled back: the
 *				row went with it, so a copy kept until the end of the
 *				transaction is handed to the writer.
 *
 * The session's facts (user names, client address, ...) are taken before
 * the statement runs, while catalog access is still allowed: the failed
 * and rolled_back paths run in error handling and may not look anything up.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "safe_ddl.h"

/* An ok row of the current transaction, kept in case it rolls back. */
typedef struct PendingRow
{
	SubTransactionId subid;		/* the (sub)transaction that wrote it */
	void	   *record;			/* flat copy, outcome to be rolled_back */
} PendingRow;

static MemoryContext pending_context = NULL;
static List *pending_rows = NIL;

/* Facts about this backend that do not change; computed once. */
static char *database_name = NULL;
static bool client_addr_known = false;
static char *client_addr = NULL;

/*
 * The client's address as text, NULL for a Unix-socket connection or a
 * background process: what inet_client_addr() says.
 */
static const char *
get_client_addr(void)
{
	if (!client_addr_known)
	{
		LOCAL_FCINFO(fcinfo, 0);
		Datum		addr;

		InitFunctionCallInfoData(*fcinfo, NULL, 0, InvalidOid, NULL, NULL);
		addr = inet_client_addr(fcinfo);
		if (!fcinfo->isnull)
			client_addr = MemoryContextStrdup(TopMemoryContext,
											  DatumGetCString(DirectFunctionCall1(inet_out, addr)));
		client_addr_known = true;
	}
	return client_addr;
}

/*
 * Take down who is running the statement, where from, and when.
 */
void
safe_ddl_begin_attempt(SafeDdlStatement *stmt)
{
	if (database_name == NULL)
		database_name = MemoryContextStrdup(TopMemoryContext,
											get_database_name(MyDatabaseId));

	stmt->database_id = MyDatabaseId;
	stmt->database_name = database_name;
	stmt->session_user_name = GetUserNameFromId(GetSessionUserId(), false);
	stmt->current_user_name = GetUserNameFromId(GetUserId(), false);
	stmt->application_name = application_name && application_name[0] ?
		pstrdup(application_name) : NULL;
	stmt->client_addr = get_client_addr();
	stmt->backend_pid = MyProcPid;
	stmt->log_installed = OidIsValid(safe_ddl_audit_log(NULL));
	stmt->started_at = GetCurrentTimestamp();
}

/*
 * Hand a row to the writer; in a database without the audit log, where
 * no writer could insert it, send it to the server log straight away.
 */
static void
hand_over(SafeDdlStatement *stmt, MemoryContext context)
{
	if (stmt->log_installed)
		safe_ddl_queue_push(safe_ddl_record_flatten(stmt, context));
	else
		safe_ddl_log_record(stmt, "safe_ddl is not installed in the database");
}

/*
 * The statement completed: write its row now, in its transaction, and
 * keep a copy in case that transaction rolls back.
 */
void
safe_ddl_record_ok(SafeDdlStatement *stmt)
{
	MemoryContext oldcontext;
	PendingRow *row;

	stmt->outcome = SAFE_DDL_OUTCOME_OK;
	stmt->xid = GetTopFullTransactionId();
	if (!safe_ddl_audit_write(stmt))
		return;

	if (pending_context == NULL)
		pending_context = AllocSetContextCreate(TopMemoryContext,
												"safe_ddl pending rows",
												ALLOCSET_DEFAULT_SIZES);
	oldcontext = MemoryContextSwitchTo(pending_context);
	row = palloc(sizeof(PendingRow));
	row->subid = GetCurrentSubTransactionId();
	row->record = safe_ddl_record_flatten(stmt, pending_context);
	safe_ddl_record_set_outcome(row->record, SAFE_DDL_OUTCOME_ROLLED_BACK);
	pending_rows = lappend(pending_rows, row);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * The policy (or the guard) refuses the statement: hand its row to the
 * writer.  The caller raises the error next.
 */
void
safe_ddl_record_refused(SafeDdlStatement *stmt, const char *message,
						int sqlerrcode)
{
	stmt->outcome = SAFE_DDL_OUTCOME_REFUSED;
	stmt->xid = GetTopFullTransactionIdIfAny();
	stmt->sqlstate = pstrdup(unpack_sql_state(sqlerrcode));
	stmt->error_message = message;
	safe_ddl_count_attempt(SAFE_DDL_OUTCOME_REFUSED, 1);
	hand_over(stmt, CurrentMemoryContext);
}

/*
 * The statement raised an error (we are in the hook's PG_CATCH, the error
 * still to be re-thrown): hand its row, with the error, to the writer.
 * context is where to copy the error data to.
 */
void
safe_ddl_record_failed(SafeDdlStatement *stmt, MemoryContext context)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(context);
	ErrorData  *edata = CopyErrorData();

	stmt->outcome = SAFE_DDL_OUTCOME_FAILED;
	stmt->xid = GetTopFullTransactionIdIfAny();
	stmt->sqlstate = pstrdup(unpack_sql_state(edata->sqlerrcode));
	stmt->error_message = edata->message;
	safe_ddl_count_attempt(SAFE_DDL_OUTCOME_FAILED, 1);
	hand_over(stmt, context);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * Hand the rows of aborted (sub)transactions to the writer as rolled_back;
 * subid InvalidSubTransactionId means all of them.
 */
static void
roll_back_rows(SubTransactionId subid)
{
	ListCell   *lc;

	foreach(lc, pending_rows)
	{
		PendingRow *row = (PendingRow *) lfirst(lc);

		if (subid != InvalidSubTransactionId && row->subid != subid)
			continue;
		safe_ddl_count_attempt(SAFE_DDL_OUTCOME_ROLLED_BACK, 1);
		safe_ddl_queue_push(row->record);
		pending_rows = foreach_delete_current(pending_rows, lc);
	}
}

static void
forget_rows(void)
{
	pending_rows = NIL;
	MemoryContextReset(pending_context);
}

static void
xact_callback(XactEvent event, void *arg)
{
	if (pending_rows == NIL)
		return;

	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			safe_ddl_count_attempt(SAFE_DDL_OUTCOME_OK,
								   list_length(pending_rows));
			forget_rows();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			roll_back_rows(InvalidSubTransactionId);
			forget_rows();
			break;
		default:
			break;
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (pending_rows == NIL)
		return;

	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			roll_back_rows(mySubid);
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			foreach(lc, pending_rows)
			{
				PendingRow *row = (PendingRow *) lfirst(lc);

				if (row->subid == mySubid)
					row->subid = parentSubid;
			}
			break;
		default:
			break;
	}
}

void
safe_ddl_attempts_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
