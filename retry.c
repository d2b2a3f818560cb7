/*-------------------------------------------------------------------------
 *
 * retry.c
 *		Lock retries: a DDL statement that fails because a lock was not
 *		available (lock_timeout, NOWAIT: SQLSTATE 55P03) runs again, up to
 *		safe_ddl.lock_retries times, after a sleep that lets the sessions
 *		queued behind it through.
 *
 * Each attempt runs in a subtransaction of its own, as a PL/pgSQL block
 * with an exception handler does, so that a failed attempt leaves nothing
 * behind: its locks are released before the sleep.  The sleeps grow
 * exponentially from safe_ddl.lock_retry_delay to safe_ddl.lock_retry_max_delay,
 * each drawn at random between the first delay and that attempt's ceiling
 * (full jitter), so that sessions retrying against the same lock do not
 * come back in step.  statement_timeout, armed when the statement started,
 * bounds all the attempts and the sleeps together; lock_timeout is not
 * touched (the hook pins it while the statement runs).
 *
 * Retrying must never make a pile-up worse: a transaction that, once the
 * failed attempt is rolled back, still holds a lock that other sessions
 * wait for, or one that ordinary queries would wait for (ShareLock or
 * stronger on a relation others can see), does not sleep and does not
 * retry: the lock error is raised again, and says why.  In a transaction
 * block this is also asked before the first attempt: an earlier statement
 * holding such a lock rules retries out, and the statement then runs
 * without a subtransaction; after a failed attempt, and again every
 * moment of the sleep (a session may start to wait for what it holds
 * meanwhile), which ends the sleep and the retries.
 *
 * After each sleep, the relations the statement names must still be those
 * classification resolved, and the statement is checked again from the
 * start, as before its first run: while it slept, other sessions may have
 * changed what it would do (the view it locks now reads safe_ddl's log,
 * the function of a column default is now volatile), and a retry runs
 * only what the policy and the guard allow now.  A lock error raised by
 * code the statement runs (a function, a trigger: the error has a
 * context) is not retried: that code may not be safe to run twice.
 *
 * Only a statement the client sent (nesting depth 1, top level) is
 * retried, and only one that can run in a subtransaction
 * (safe_ddl_runs_in_subtransaction); for the others, the lock error says
 * that it was not retried.  The statement keeps one audit row, whose
 * attempts column counts the times it ran.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "attempts.h"
#include "classify.h"
#include "compat.h"
#include "queue.h"
#include "retry.h"

#define HINT_FIRST_IN_TRANSACTION \
	"A statement that may wait for its lock is retried when it comes first in its transaction, or runs in a transaction of its own."

/* Relation lock modes that ordinary reads or writes (RowExclusive) wait for. */
#define STRONG_RELATION_LOCKS \
	(LOCKBIT_ON(ShareLock) | LOCKBIT_ON(ShareRowExclusiveLock) | \
	 LOCKBIT_ON(ExclusiveLock) | LOCKBIT_ON(AccessExclusiveLock))

static void
call_next(const SafeDdlUtilityCall *call, PlannedStmt *pstmt)
{
	compat_next_process_utility(pstmt, call->queryString, call->readOnlyTree,
								call->context, call->params, call->queryEnv,
								call->dest, call->qc);
}

/*
 * Raise a lock error again, with why it was not retried (or not again)
 * added to its detail, and a hint if it has none.
 */
static void
reraise(ErrorData *edata, const char *detail, const char *hint)
{
	edata->detail = edata->detail ?
		psprintf("%s\n%s", edata->detail, detail) : pstrdup(detail);
	if (hint != NULL && edata->hint == NULL)
		edata->hint = pstrdup(hint);
	ReThrowError(edata);
}

/*
 * Run the statement once, as it is; a lock error gets a detail saying
 * that it was not retried, and why.
 */
static void
run_once_noting(const SafeDdlUtilityCall *call, const char *why,
				const char *hint)
{
	MemoryContext oldcontext = CurrentMemoryContext;

	PG_TRY();
	{
		call_next(call, call->pstmt);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		reraise(edata, why, hint);
	}
	PG_END_TRY();
}

/*
 * Run one attempt in a subtransaction, on a copy of the statement (the
 * utility code may scribble on what it is given): NULL when it completed,
 * else its error, the subtransaction rolled back.  The memory context and
 * resource owner of the caller are restored either way.
 */
static ErrorData *
run_attempt(const SafeDdlUtilityCall *call)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		call_next(call, copyObject(call->pstmt));
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_END_TRY();
	return edata;
}

/*
 * Can other sessions reach this relation?  Not a temporary one, nor one
 * created by this transaction (nobody else sees it yet).  One this
 * transaction dropped counts: sessions may be queued on it.
 */
static bool
visible_to_others(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	bool		visible;

	if (rel == NULL)
		return true;
	visible = rel->rd_rel->relpersistence != RELPERSISTENCE_TEMP &&
		rel->rd_createSubid == InvalidSubTransactionId;
	RelationClose(rel);
	return visible;
}

/* The strongest of the modes in mask. */
static LOCKMODE
strongest_mode(LOCKMASK mask)
{
	LOCKMODE	mode;

	for (mode = MaxLockMode; mode > NoLock; mode--)
		if (mask & LOCKBIT_ON(mode))
			return mode;
	return NoLock;
}

/* A locked object, for a message: a relation by name, else as pg_locks has it. */
static char *
describe_lock(const LOCKTAG *tag)
{
	StringInfoData buf;

	if (tag->locktag_type == LOCKTAG_RELATION)
	{
		char	   *relname = get_rel_name(tag->locktag_field2);

		if (relname != NULL)
			return psprintf("relation \"%s\"", relname);
	}
	initStringInfo(&buf);
	DescribeLockTag(&buf, tag);
	return buf.data;
}

/*
 * Why this session may not sleep holding what it holds, or NULL: a lock
 * another session is waiting for, or a strong lock on a relation others
 * can see (ordinary queries would queue behind it while it slept).  Asked
 * once a failed attempt has been rolled back (its locks released), or
 * before the first attempt.  Reads the whole lock table: only where
 * retries are on.
 */
static char *
held_lock_conflict(void)
{
	LockData   *data = GetLockStatusData();
	LockInstanceData **mine = palloc(data->nelements * sizeof(LockInstanceData *));
	int			nmine = 0;
	int			i;
	int			j;

	for (i = 0; i < data->nelements; i++)
	{
		LockInstanceData *lock = &data->locks[i];

		if ((lock->pid == MyProcPid || lock->leaderPid == MyProcPid) &&
			lock->holdMask != 0)
			mine[nmine++] = lock;
	}

	for (i = 0; i < data->nelements; i++)
	{
		LockInstanceData *other = &data->locks[i];

		if (other->pid == MyProcPid || other->leaderPid == MyProcPid ||
			other->waitLockMode == NoLock)
			continue;
		for (j = 0; j < nmine; j++)
		{
			if (memcmp(&other->locktag, &mine[j]->locktag, sizeof(LOCKTAG)) == 0)
				return psprintf("process %d is waiting for %s on %s, which this session holds",
								other->pid,
								GetLockmodeName(other->locktag.locktag_lockmethodid,
												other->waitLockMode),
								describe_lock(&mine[j]->locktag));
		}
	}

	for (j = 0; j < nmine; j++)
	{
		LockInstanceData *lock = mine[j];
		Oid			relid = lock->locktag.locktag_field2;

		if (lock->locktag.locktag_type == LOCKTAG_RELATION &&
			lock->locktag.locktag_lockmethodid == DEFAULT_LOCKMETHOD &&
			(lock->holdMask & STRONG_RELATION_LOCKS) != 0 &&
			visible_to_others(relid))
			return psprintf("this transaction holds %s on %s, which other sessions would queue behind while it waited",
							GetLockmodeName(DEFAULT_LOCKMETHOD,
											strongest_mode(lock->holdMask)),
							describe_lock(&lock->locktag));
	}
	return NULL;
}

/*
 * Does each relation the statement names still name the relation it was
 * classified and checked against?  Between attempts, other sessions may
 * rename or drop and recreate it; the retried statement would then change
 * a relation the policy never saw.
 */
static char *
renamed_target(SafeDdlStatement *stmt)
{
	ListCell   *lc;

	AcceptInvalidationMessages();
	foreach(lc, stmt->what.resolved)
	{
		SafeDdlResolved *r = (SafeDdlResolved *) lfirst(lc);

		if (RangeVarGetRelid(r->rv, NoLock, true) != r->relid)
			return psprintf("\"%s\" no longer names the relation the statement was checked against",
							r->rv->relname);
	}
	return NULL;
}

/*
 * The sleep before retry number n (1 for the first): drawn at random
 * between the first delay and min(max delay, first delay * 2^(n-1)).
 */
static long
backoff_ms(int n)
{
	double		cap = safe_ddl_lock_retry_max_delay;
	double		floor = Min((double) safe_ddl_lock_retry_delay, cap);
	double		ceiling = floor;
	int			i;

	for (i = 1; i < n && ceiling < cap; i++)
		ceiling *= 2;
	ceiling = Min(ceiling, cap);
	return (long) (floor + compat_random_fraction() * (ceiling - floor));
}

/* While it sleeps, how often a session asks whether others wait for it. */
#define SLEEP_CHECK_MS		100

/*
 * Sleep on the latch: cancel, statement_timeout and the postmaster's
 * death end it.  Every SLEEP_CHECK_MS, it asks again whether it may go on
 * sleeping holding what it holds: NULL when it slept its time, else why
 * it stopped.
 */
static char *
sleep_ms(long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		remaining;
		char	   *why;

		CHECK_FOR_INTERRUPTS();
		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (remaining <= 0)
			return NULL;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(remaining, SLEEP_CHECK_MS), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		if ((why = held_lock_conflict()) != NULL)
			return why;
	}
}

/*
 * Run the next ProcessUtility for a checked DDL statement, with lock
 * retries when they are on and apply.  Sets stmt->result.attempts.
 */
void
safe_ddl_run_with_lock_retries(SafeDdlStatement *stmt,
							   const SafeDdlUtilityCall *call)
{
	Node	   *parsetree = call->pstmt->utilityStmt;
	int			retries = Min(safe_ddl_lock_retries, safe_ddl_max_lock_retries);
	int			attempt;
	char	   *why;

	stmt->result.attempts = 1;
	if (safe_ddl_lock_retries == 0)
	{
		call_next(call, call->pstmt);
		return;
	}

	/*
	 * Another DDL statement around this one (this one runs inside it) is
	 * retried as a whole, if at all: say nothing here.
	 */
	if (safe_ddl_nesting_depth() > 1)
	{
		call_next(call, call->pstmt);
		return;
	}
	if (call->context != PROCESS_UTILITY_TOPLEVEL)
	{
		run_once_noting(call,
						"safe_ddl.lock_retries applies to the statements a client sends, not to DDL run by a function or DO block.",
						NULL);
		return;
	}
	if (!safe_ddl_runs_in_subtransaction(parsetree))
	{
		bool		builds_index = IsA(parsetree, IndexStmt);

		run_once_noting(call,
						psprintf("safe_ddl did not retry it: each retry runs in a subtransaction, and this %s cannot run in a transaction block.",
								 stmt->what.command_tag),
						builds_index ?
						"A CREATE INDEX CONCURRENTLY that failed can leave an INVALID index: drop it (DROP INDEX CONCURRENTLY) before building it again." :
						"Run it again when the lock is free.");
		return;
	}
	if (retries == 0)
	{
		run_once_noting(call, "safe_ddl did not retry it: safe_ddl.max_lock_retries is 0.",
						NULL);
		return;
	}

	/*
	 * In a transaction block, an earlier statement may already hold what
	 * rules a retry out: then spare the subtransaction.  (Each one that
	 * changes anything takes a subtransaction id; more than 64 in one
	 * transaction slow down every snapshot taken in the server.)
	 */
	if (IsTransactionBlock() && (why = held_lock_conflict()) != NULL)
	{
		run_once_noting(call, psprintf("safe_ddl did not retry it: %s.", why),
						HINT_FIRST_IN_TRANSACTION);
		return;
	}

	for (attempt = 1;; attempt++)
	{
		ErrorData  *edata;

		stmt->result.attempts = attempt;
		if (attempt > 1)
			safe_ddl_attempt_runs_again(stmt);
		edata = run_attempt(call);
		if (edata == NULL)
			return;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		if (edata->context != NULL)
			reraise(edata,
					"safe_ddl did not retry it: the lock error was raised by code the statement ran (a function, a trigger), which might not be safe to run twice.",
					NULL);

		if (attempt > retries)
			reraise(edata,
					safe_ddl_lock_retries > retries ?
					psprintf("safe_ddl ran it %d times (safe_ddl.lock_retries = %d, capped by safe_ddl.max_lock_retries = %d); the lock was never available.",
							 attempt, safe_ddl_lock_retries, retries) :
					psprintf("safe_ddl ran it %d times (safe_ddl.lock_retries = %d); the lock was never available.",
							 attempt, safe_ddl_lock_retries),
					NULL);

		why = held_lock_conflict();
		if (why != NULL)
			reraise(edata, psprintf("safe_ddl did not retry it: %s.", why),
					HINT_FIRST_IN_TRANSACTION);

		elog(DEBUG1, "safe_ddl: %s could not get its lock; retry %d of %d",
			 stmt->what.command_tag, attempt, retries);
		why = sleep_ms(backoff_ms(attempt));
		if (why != NULL)
			reraise(edata,
					psprintf("safe_ddl stopped waiting to retry it: %s.", why),
					HINT_FIRST_IN_TRANSACTION);

		/*
		 * What the policy checked must still be what the names name, and
		 * the statement must still pass the policy and the guard.
		 */
		why = renamed_target(stmt);
		if (why != NULL)
			reraise(edata,
					psprintf("safe_ddl did not retry it: %s.", why),
					NULL);
		call->recheck(stmt, call->recheck_arg);
		safe_ddl_count_lock_retry();
	}
}
