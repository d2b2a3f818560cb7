/*-------------------------------------------------------------------------
 *
 * attempts.c
 *		Every DDL attempt gets exactly one audit row, and this file decides
 *		who writes it.
 *
 * ok			written by the backend, in the statement's own transaction
 *				(audit.c), so that it commits or rolls back with the change,
 *				when the statement ends; completed just before the
 *				transaction commits (or is prepared) with what it did to
 *				other sessions until then (inflight.c, sampler.c): the
 *				locks it took are held until the transaction ends;
 * refused		handed to the writer (queue.c) before the error is raised;
 * failed		handed to the writer from the hook's error handler;
 * rolled_back	an ok row whose transaction, or savepoint, rolled back
 *				(before or after it was written, which rolled back too):
 *				handed to the writer with its figures up to then.
 *
 * The session's facts (user names, client address, ...) are taken before
 * the statement runs, while catalog access is still allowed: the failed
 * and rolled_back paths run in error handling and may not look anything up.
 *
 * DDL can run inside DDL (a function called by CREATE TABLE AS, a volatile
 * column default, an event trigger): each nesting level has its own
 * attempt, in its own memory, so that an inner statement never touches the
 * state of the one around it.  A session that ends while statements are in
 * progress (FATAL: pg_terminate_backend, a fast shutdown) never reaches the
 * hook's error handler; a before_shmem_exit callback hands their rows to
 * the writer as failed, with the SQLSTATE of the FATAL error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "attempts.h"
#include "audit.h"
#include "inflight.h"
#include "queue.h"
#include "row.h"

/*
 * An ok row of the current transaction: completed before it commits, or
 * handed over as rolled_back if it rolls back first.
 */
typedef struct PendingRow
{
	SubTransactionId subid;		/* the (sub)transaction that wrote it */
	SafeDdlFlatRow *record;		/* flat copy, outcome ok */
	ItemPointerData tid;		/* where it went in the log */
	int64		id;				/* its id there (-1: the log has none) */
	int			inflight;		/* its slot for the crash (inflight.c), or -1 */
	bool		completed;		/* at pre-commit */
	bool		frozen;			/* impact below is final: the slot is gone */
	SafeDdlImpact impact;		/* when frozen */
} PendingRow;

static MemoryContext pending_context = NULL;

/* An ok row is being written by this backend right now. */
static bool writing_row = false;
static List *pending_rows = NIL;

/*
 * The attempts in progress, one per nesting level: levels[0] is the
 * outermost.  stmt is NULL once the level's row has been written or handed
 * over (or when its statement is not audited).
 */
typedef struct AttemptLevel
{
	MemoryContext context;		/* reset when the level is entered again */
	SafeDdlStatement *stmt;		/* the attempt whose row is still owed */
	int			inflight;		/* its slot for the crash (inflight.c), or -1 */
} AttemptLevel;

static AttemptLevel *levels = NULL;
static int	levels_allocated = 0;
static int	depth = 0;

/* The FATAL error that is ending the session, seen by emit_log_hook. */
static emit_log_hook_type prev_emit_log_hook = NULL;
static bool exit_callback_registered = false;
static int	fatal_sqlerrcode = 0;
static char fatal_message[256];

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
 * A role's name; a session whose login role was dropped meanwhile still
 * runs, and its attempts are still recorded.
 */
static char *
role_name(Oid roleid)
{
	char	   *name = GetUserNameFromId(roleid, true);

	return name ? name : psprintf("(dropped role %u)", roleid);
}

/*
 * Take down who is running the statement, where from, and when.  Nothing
 * here raises an error (but for memory): every attempt gets this far.
 */
void
safe_ddl_begin_attempt(SafeDdlStatement *stmt)
{
	if (database_name == NULL)
		database_name = MemoryContextStrdup(TopMemoryContext,
											get_database_name(MyDatabaseId));

	stmt->session.database_id = MyDatabaseId;
	stmt->session.database_name = database_name;
	stmt->session.session_user_name = role_name(GetSessionUserId());
	stmt->session.current_user_name = role_name(GetUserId());
	stmt->session.application_name = application_name && application_name[0] ?
		pstrdup(application_name) : NULL;
	stmt->session.client_addr = get_client_addr();
	stmt->session.backend_pid = MyProcPid;
	stmt->session.started_at = GetCurrentTimestamp();
}

/* The current level, if stmt is the attempt whose row it still owes. */
static AttemptLevel *
level_of(SafeDdlStatement *stmt)
{
	return depth > 0 && levels[depth - 1].stmt == stmt ? &levels[depth - 1] : NULL;
}

/*
 * The row of stmt is written or handed over: no longer owed.  Its crash
 * slot is freed, or, for an ok row, returned to the caller, who keeps it
 * until the transaction ends.
 */
static int
row_given(SafeDdlStatement *stmt, bool keep_inflight)
{
	AttemptLevel *level = level_of(stmt);
	int			slot = -1;

	if (level != NULL)
	{
		level->stmt = NULL;
		slot = level->inflight;
		level->inflight = -1;
		if (!keep_inflight)
		{
			safe_ddl_inflight_end(slot);
			slot = -1;
		}
	}
	return slot;
}

/*
 * Hand a row to the writer; in a database without the audit log, where
 * no writer could insert it, send it to the server log straight away.
 */
static void
hand_over(SafeDdlStatement *stmt, MemoryContext context)
{
	(void) row_given(stmt, false);
	if (stmt->session.log_installed)
		safe_ddl_queue_push(safe_ddl_row_flatten(stmt, context));
	else
		safe_ddl_log_record(stmt, "safe_ddl is not installed in the database");
}

/*
 * What the attempt of the current level did to other sessions so far,
 * from its slot (nothing when it has none: its figures stay NULL).
 */
static void
take_impact(SafeDdlStatement *stmt)
{
	AttemptLevel *level = level_of(stmt);

	if (level != NULL)
		safe_ddl_inflight_impact(level->inflight, &stmt->impact);
}

/*
 * The statement completed: write its row now, in its transaction, with
 * its figures so far, and keep a copy, to complete the row before the
 * transaction commits or to hand it over if it rolls back.
 */
void
safe_ddl_record_ok(SafeDdlStatement *stmt)
{
	AttemptLevel *level;
	MemoryContext oldcontext;
	PendingRow *row;
	ItemPointerData tid;
	int64		id;
	bool		written;
	int			slot;

	stmt->result.outcome = SAFE_DDL_OUTCOME_OK;
	stmt->result.xid = GetTopFullTransactionId();
	if ((level = level_of(stmt)) != NULL)
		safe_ddl_inflight_statement_done(level->inflight);
	take_impact(stmt);
	ItemPointerSetInvalid(&tid);
	writing_row = true;			/* reset by safe_ddl_leave_level on error */
	written = safe_ddl_audit_write_row(stmt, &tid, &id);
	writing_row = false;
	slot = row_given(stmt, written);
	if (!written)
		return;

	if (pending_context == NULL)
		pending_context = AllocSetContextCreate(TopMemoryContext,
												"safe_ddl pending rows",
												ALLOCSET_DEFAULT_SIZES);
	oldcontext = MemoryContextSwitchTo(pending_context);
	row = palloc0(sizeof(PendingRow));
	row->subid = GetCurrentSubTransactionId();
	row->record = safe_ddl_row_flatten(stmt, pending_context);
	row->tid = tid;
	row->id = id;
	row->inflight = slot;

	/* After a crash: rolled_back, unless this transaction committed. */
	safe_ddl_inflight_written(slot, row->record, GetTopTransactionId());

	pending_rows = lappend(pending_rows, row);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * A kept row as it now stands, in pending_context: its figures up to now
 * (or as frozen), with outcome.
 */
static void
pending_row_now(PendingRow *row, SafeDdlOutcome outcome,
				SafeDdlStatement *stmt)
{
	safe_ddl_row_unflatten(row->record, stmt);
	if (row->frozen)
		stmt->impact = row->impact;
	else
		safe_ddl_inflight_impact(row->inflight, &stmt->impact);
	stmt->result.outcome = outcome;
}

/*
 * Have a row's figures moved since it was written?  A statement whose
 * commit follows at once (sent on its own, outside a transaction block)
 * has the same figures, to well under a millisecond, and its row needs no
 * second write; one whose transaction went on (a transaction block, a
 * pipeline of the extended protocol, a procedure) has held its locks
 * longer.
 */
static bool
impact_moved(PendingRow *row, const SafeDdlImpact *now)
{
	SafeDdlStatement written;

	safe_ddl_row_unflatten(row->record, &written);
	return now->lock_wait_ms != written.impact.lock_wait_ms ||
		now->blocked_sessions_max != written.impact.blocked_sessions_max ||
		now->blocked_ms != written.impact.blocked_ms ||
		fabs(now->lock_held_ms - written.impact.lock_held_ms) >= 1.0;
}

/*
 * Just before the transaction commits (or is prepared): complete the rows
 * it wrote with what they did until now.  An error here fails the commit,
 * and the rows go as rolled_back with the rest.
 */
static void
pre_commit_rows(void)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(pending_context);
	ListCell   *lc;

	foreach(lc, pending_rows)
	{
		PendingRow *row = (PendingRow *) lfirst(lc);
		SafeDdlStatement stmt;

		if (row->completed)
			continue;
		pending_row_now(row, SAFE_DDL_OUTCOME_OK, &stmt);
		row->completed = true;
		if (!impact_moved(row, &stmt.impact))
			continue;
		writing_row = true;		/* reset at abort on error */
		safe_ddl_audit_complete(&row->tid, row->id, &stmt);
		writing_row = false;
	}
	MemoryContextSwitchTo(oldcontext);
}

/*
 * The session is ending (attempts_at_exit): the slots go before the
 * transaction aborts, so the figures of the rows kept are taken now.
 */
static void
freeze_rows(void)
{
	ListCell   *lc;

	foreach(lc, pending_rows)
	{
		PendingRow *row = (PendingRow *) lfirst(lc);

		if (row->frozen)
			continue;
		row->impact = safe_ddl_impact_unmeasured;
		safe_ddl_inflight_impact(row->inflight, &row->impact);
		row->frozen = true;
	}
}

/*
 * The policy (or the guard) refuses the statement: hand its row to the
 * writer.  The caller raises the error next.
 */
void
safe_ddl_record_refused(SafeDdlStatement *stmt, const char *message,
						int sqlerrcode)
{
	stmt->result.outcome = SAFE_DDL_OUTCOME_REFUSED;
	stmt->result.xid = GetTopFullTransactionIdIfAny();
	stmt->result.sqlstate = pstrdup(unpack_sql_state(sqlerrcode));
	stmt->result.error_message = message;
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

	stmt->result.outcome = SAFE_DDL_OUTCOME_FAILED;
	stmt->result.xid = GetTopFullTransactionIdIfAny();
	stmt->result.sqlstate = pstrdup(unpack_sql_state(edata->sqlerrcode));
	stmt->result.error_message = edata->message;
	take_impact(stmt);
	safe_ddl_count_attempt(SAFE_DDL_OUTCOME_FAILED, 1);
	hand_over(stmt, context);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * The rows of aborted (sub)transactions went with them: hand them to the
 * writer as rolled_back, with their figures up to now; subid
 * InvalidSubTransactionId means all of them.
 */
static void
roll_back_rows(SubTransactionId subid)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(pending_context);
	ListCell   *lc;

	foreach(lc, pending_rows)
	{
		PendingRow *row = (PendingRow *) lfirst(lc);
		SafeDdlStatement stmt;

		if (subid != InvalidSubTransactionId && row->subid != subid)
			continue;
		pending_row_now(row, SAFE_DDL_OUTCOME_ROLLED_BACK, &stmt);
		safe_ddl_queue_push(safe_ddl_row_flatten(&stmt, pending_context));
		safe_ddl_count_attempt(SAFE_DDL_OUTCOME_ROLLED_BACK, 1);
		safe_ddl_inflight_end(row->inflight);
		pending_rows = foreach_delete_current(pending_rows, lc);
	}
	MemoryContextSwitchTo(oldcontext);
}

static void
forget_rows(void)
{
	ListCell   *lc;

	foreach(lc, pending_rows)
		safe_ddl_inflight_end(((PendingRow *) lfirst(lc))->inflight);
	pending_rows = NIL;
}

static void
xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		writing_row = false;
	if (pending_rows == NIL)
		return;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			pre_commit_rows();
			break;
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
	if (pending_rows == NIL)
		MemoryContextReset(pending_context);
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

/* ----------------------------------------------------------------
 * Nesting levels, and the attempts a FATAL error interrupts
 * ----------------------------------------------------------------
 */

/*
 * The session is ending with statements in progress: the hook's error
 * handler will not run.  Hand their rows over, innermost first, as failed
 * with the error that ends the session.  The transaction is still open
 * here (ShutdownPostgres, which aborts it, was registered earlier and runs
 * later), so the rolled_back rows follow through the abort callback.
 */
static void
attempts_at_exit(int code, Datum arg)
{
	while (depth > 0)
	{
		SafeDdlStatement *stmt = levels[depth - 1].stmt;

		if (stmt != NULL)
		{
			MemoryContext oldcontext = MemoryContextSwitchTo(levels[depth - 1].context);

			stmt->result.outcome = SAFE_DDL_OUTCOME_FAILED;
			stmt->result.xid = GetTopFullTransactionIdIfAny();
			stmt->result.duration_ms =
				(double) (GetCurrentTimestamp() - stmt->session.started_at) / 1000.0;
			if (fatal_sqlerrcode != 0)
			{
				stmt->result.sqlstate = pstrdup(unpack_sql_state(fatal_sqlerrcode));
				stmt->result.error_message = pstrdup(fatal_message);
			}
			else
				stmt->result.error_message = "the session ended while the statement ran";
			take_impact(stmt);
			safe_ddl_count_attempt(SAFE_DDL_OUTCOME_FAILED, 1);
			hand_over(stmt, levels[depth - 1].context);
			MemoryContextSwitchTo(oldcontext);
		}
		depth--;
	}
	freeze_rows();
	safe_ddl_inflight_end_all();
}

/*
 * Remember the FATAL error that ends the session while a statement runs:
 * by the time attempts_at_exit runs, the error data is gone.
 */
static void
attempts_emit_log(ErrorData *edata)
{
	if (edata->elevel == FATAL && depth > 0)
	{
		fatal_sqlerrcode = edata->sqlerrcode;
		strlcpy(fatal_message, edata->message ? edata->message : "",
				sizeof(fatal_message));
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * Enter a nesting level for one DDL statement: returns the level's memory
 * context, reset.  Every call is paired with safe_ddl_leave_level, on the
 * way out or in the hook's error handler.
 */
MemoryContext
safe_ddl_enter_level(void)
{
	AttemptLevel *level;

	if (!exit_callback_registered)
	{
		/* after InitPostgres's own callbacks, so that it runs before them */
		before_shmem_exit(attempts_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	if (depth == levels_allocated)
	{
		int			n = Max(8, levels_allocated * 2);

		levels = levels == NULL ?
			MemoryContextAllocZero(TopMemoryContext, n * sizeof(AttemptLevel)) :
			repalloc(levels, n * sizeof(AttemptLevel));
		memset(levels + levels_allocated, 0,
			   (n - levels_allocated) * sizeof(AttemptLevel));
		levels_allocated = n;
	}
	level = &levels[depth];
	if (level->context == NULL)
		level->context = AllocSetContextCreate(TopMemoryContext,
											   "safe_ddl statement",
											   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(level->context);
	level->stmt = NULL;
	level->inflight = -1;
	depth++;
	return level->context;
}

/*
 * From now on the current level's attempt owes a row: if the session ends
 * before one is written, attempts_at_exit writes it.
 */
void
safe_ddl_owe_row(SafeDdlStatement *stmt)
{
	Assert(depth > 0);
	levels[depth - 1].stmt = stmt;
}

/*
 * The statement is about to run: from now on a crash leaves its row too.
 */
void
safe_ddl_attempt_running(SafeDdlStatement *stmt)
{
	Assert(level_of(stmt) != NULL);
	levels[depth - 1].inflight = safe_ddl_inflight_begin(stmt);
}

/*
 * The statement runs again after a lock error (retry.c): what its locks
 * held counts from this run.
 */
void
safe_ddl_attempt_runs_again(SafeDdlStatement *stmt)
{
	AttemptLevel *level = level_of(stmt);

	if (level != NULL)
		safe_ddl_inflight_run_again(level->inflight);
}

void
safe_ddl_leave_level(void)
{
	Assert(depth > 0);
	safe_ddl_inflight_end(levels[depth - 1].inflight);
	levels[depth - 1].inflight = -1;
	levels[depth - 1].stmt = NULL;
	depth--;
	writing_row = false;
}

/* Is this backend writing an ok row (and running what that evaluates)? */
bool
safe_ddl_writing_row(void)
{
	return writing_row;
}

/* How many DDL statements are in progress, one inside the other. */
int
safe_ddl_nesting_depth(void)
{
	return depth;
}

void
safe_ddl_attempts_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = attempts_emit_log;
}
