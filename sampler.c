/*-------------------------------------------------------------------------
 *
 * sampler.c
 *		What a DDL attempt does to other sessions, sampled by the launcher:
 *		how long its statement waited for its locks, and how many sessions
 *		waited behind it, for how long, until its transaction ended.  And
 *		safe_ddl.running(), which shows the attempts in progress.
 *
 * The backend running the DDL adds nothing to its path but a few stores
 * into its attempt's slot (inflight.c).  Every safe_ddl.sample_interval,
 * and only while sampled attempts are in progress, the launcher looks at
 * them from outside:
 *
 *	- an attempt whose statement runs and whose backend waits for a
 *	  heavyweight lock (wait event class Lock) adds the time since the
 *	  previous sample to its lock wait;
 *	- each backend that waits for a heavyweight lock is asked about with
 *	  PostgreSQL's own pg_blocking_pids(); an attempt whose backend it
 *	  names has one more session blocked behind it.  While that count is
 *	  above zero, the time since the previous sample adds to blocked_ms.
 *	  This goes on after the statement completed, until the slot is freed
 *	  at the end of its transaction: the locks are held until then.
 *
 * Figures are therefore within a sample interval of the truth, and a
 * session blocked for less than one interval may not be seen at all.
 * Blocked sessions are counted per backend: the attempts of one
 * transaction that are still open share the sessions its locks block.
 *
 * A tick costs one pass over the slots (a spinlock each) and over the
 * PGPROC array (unlocked reads of each backend's wait event), and, for
 * each backend waiting for a heavyweight lock, one pg_blocking_pids(),
 * which takes ProcArrayLock and every lock-manager partition lock in
 * shared mode for a moment.  With no sampled attempt in progress the
 * launcher sleeps as before; the backend that starts one wakes it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "inflight.h"
#include "safe_ddl.h"
#include "sampler.h"

PG_FUNCTION_INFO_V1(safe_ddl_running);

/* The class part of a wait_event_info. */
#define WAIT_CLASS_MASK		0xFF000000U

/* Another backend's PGPROC fields, read without a lock (as pgstat does). */
#define READ_ONCE(type, x)	(*((volatile type *) &(x)))

static MemoryContext sampler_context = NULL;
static bool asleep = true;
static TimestampTz next_sample = 0;

static bool
waits_for_lock(PGPROC *proc)
{
	uint32		wait_event_info = READ_ONCE(uint32, proc->wait_event_info);

	return (wait_event_info & WAIT_CLASS_MASK) == PG_WAIT_LOCK;
}

/*
 * Count, for each attempt in active[], the backends waiting for a
 * heavyweight lock that pg_blocking_pids() says its backend blocks.
 */
static void
count_blocked(SafeDdlInflightActive *active, int n, int *blocked)
{
	uint32		i;

	for (i = 0; i < ProcGlobal->allProcCount; i++)
	{
		PGPROC	   *proc = &ProcGlobal->allProcs[i];
		int			pid = READ_ONCE(int, proc->pid);
		ArrayType  *blockers;
		Datum	   *pids;
		int			npids;
		int			j;
		int			k;

		if (pid == 0 || pid == MyProcPid || !waits_for_lock(proc))
			continue;
		blockers = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids,
														  Int32GetDatum(pid)));
		deconstruct_array(blockers, INT4OID, sizeof(int32), true, TYPALIGN_INT,
						  &pids, NULL, &npids);
		for (j = 0; j < n; j++)
			for (k = 0; k < npids; k++)
				if (DatumGetInt32(pids[k]) == active[j].pid)
				{
					blocked[j]++;
					break;
				}
	}
}

static void
sample(SafeDdlInflightActive *active, int n, TimestampTz now)
{
	int			blocked[SAFE_DDL_INFLIGHT_SLOTS];
	int			i;

	memset(blocked, 0, sizeof(blocked));
	count_blocked(active, n, blocked);
	for (i = 0; i < n; i++)
	{
		PGPROC	   *proc = active[i].proc;
		bool		waiting;

		waiting = active[i].running && proc != NULL &&
			READ_ONCE(int, proc->pid) == active[i].pid &&
			waits_for_lock(proc);
		safe_ddl_inflight_sampled(&active[i], now, waiting, blocked[i]);
	}
}

/* The launcher samples: backends starting an attempt wake it. */
void
safe_ddl_sampler_start(void)
{
	sampler_context = AllocSetContextCreate(TopMemoryContext,
											"safe_ddl sampler",
											ALLOCSET_DEFAULT_SIZES);
	asleep = true;
	safe_ddl_inflight_sampler_asleep(true);
	safe_ddl_inflight_set_sampler(MyLatch);
}

void
safe_ddl_sampler_stop(void)
{
	safe_ddl_inflight_set_sampler(NULL);
}

/*
 * One turn of the launcher's loop: sample the attempts in progress if a
 * sample is due.  Returns the milliseconds until the next one, or -1 when
 * there is nothing to sample (the launcher may sleep until woken).
 */
long
safe_ddl_sampler_tick(void)
{
	SafeDdlInflightActive active[SAFE_DDL_INFLIGHT_SLOTS];
	TimestampTz now;
	MemoryContext oldcontext;
	int			n;

	if (safe_ddl_sample_interval <= 0 || sampler_context == NULL)
	{
		asleep = true;
		safe_ddl_inflight_sampler_asleep(true);
		return -1;
	}

	now = GetCurrentTimestamp();
	if (!asleep && now < next_sample)
		return Max((long) ((next_sample - now + 999) / 1000), 1L);

	/* Say so before the last look: an attempt starting now wakes us. */
	safe_ddl_inflight_sampler_asleep(true);
	n = safe_ddl_inflight_active(active, SAFE_DDL_INFLIGHT_SLOTS);
	if (n == 0)
	{
		asleep = true;
		return -1;
	}
	safe_ddl_inflight_sampler_asleep(false);
	asleep = false;

	oldcontext = MemoryContextSwitchTo(sampler_context);
	sample(active, n, now);
	MemoryContextSwitchTo(oldcontext);
	MemoryContextReset(sampler_context);

	next_sample = now + (TimestampTz) safe_ddl_sample_interval * 1000;
	return safe_ddl_sample_interval;
}

/* ----------------------------------------------------------------
 * safe_ddl.running
 * ----------------------------------------------------------------
 */

/* The columns of running_attempts(), as the SQL script declares them. */
enum
{
	RUNNING_PID,
	RUNNING_DATABASE,
	RUNNING_STARTED_AT,
	RUNNING_COMMAND_TAG,
	RUNNING_STATEMENT,
	RUNNING_STATE,
	RUNNING_LOCK_WAIT_MS,
	RUNNING_BLOCKED_SESSIONS,
	RUNNING_BLOCKED_SESSIONS_MAX,
	RUNNING_BLOCKED_MS,
	RUNNING_LOCK_HELD_MS,
	RUNNING_COLUMNS
};

/*
 * safe_ddl.running_attempts(): one row per sampled attempt whose statement
 * runs or whose transaction is still open, with the figures of the last
 * sample.
 */
Datum
safe_ddl_running(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore;
	MemoryContext oldcontext;
	SafeDdlRunning *attempts;
	int			n;
	int			i;

	if (!safe_ddl_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("safe_ddl must be loaded via shared_preload_libraries"),
				 errdetail("The attempts in progress are kept in shared memory.")));
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != RUNNING_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("safe_ddl.running_attempts() returns %d columns, the library %d",
						tupdesc->natts, RUNNING_COLUMNS),
				 errhint("Run ALTER EXTENSION safe_ddl UPDATE.")));

	attempts = palloc(SAFE_DDL_INFLIGHT_SLOTS * sizeof(SafeDdlRunning));
	n = safe_ddl_inflight_running(attempts, SAFE_DDL_INFLIGHT_SLOTS);

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	tupstore = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcontext);

	for (i = 0; i < n; i++)
	{
		SafeDdlRunning *r = &attempts[i];
		Datum		values[RUNNING_COLUMNS];
		bool		nulls[RUNNING_COLUMNS];

		memset(nulls, 0, sizeof(nulls));
		values[RUNNING_PID] = Int32GetDatum(r->pid);
		values[RUNNING_DATABASE] = CStringGetTextDatum(r->database_name);
		values[RUNNING_STARTED_AT] = TimestampTzGetDatum(r->started_at);
		values[RUNNING_COMMAND_TAG] = CStringGetTextDatum(r->command_tag);
		values[RUNNING_STATEMENT] = CStringGetTextDatum(r->statement);
		values[RUNNING_STATE] = CStringGetTextDatum(!r->running ? "transaction open" :
													r->waiting ? "waiting for lock" :
													"running");
		values[RUNNING_LOCK_WAIT_MS] = Float8GetDatum(r->lock_wait_ms);
		values[RUNNING_BLOCKED_SESSIONS] = Int32GetDatum(r->blocked_now);
		values[RUNNING_BLOCKED_SESSIONS_MAX] = Int32GetDatum(r->blocked_max);
		values[RUNNING_BLOCKED_MS] = Float8GetDatum(r->blocked_ms);
		values[RUNNING_LOCK_HELD_MS] = Float8GetDatum(r->lock_held_ms);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}
