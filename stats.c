/*-------------------------------------------------------------------------
 *
 * stats.c
 *		The SQL functions over the queue: safe_ddl.shared_stats() (the stats
 *		view) and safe_ddl.wait_for_queue().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "queue.h"

PG_FUNCTION_INFO_V1(safe_ddl_stats);
PG_FUNCTION_INFO_V1(safe_ddl_wait_for_queue);

/* The columns of shared_stats(), as the SQL script declares them. */
enum
{
	STATS_OK,
	STATS_REFUSED,
	STATS_FAILED,
	STATS_ROLLED_BACK,
	STATS_QUEUED,
	STATS_WRITTEN,
	STATS_LOGGED,
	STATS_PENDING,
	STATS_QUEUE_BYTES_USED,
	STATS_LAUNCHER_RUNNING,
	STATS_PRELOADED,
	STATS_LOCK_RETRIES,
	STATS_COLUMNS
};

StaticAssertDecl(STATS_ROLLED_BACK - STATS_OK + 1 == SAFE_DDL_NUM_OUTCOMES,
				 "one stats column per outcome");

/*
 * safe_ddl.shared_stats(): counters since the server started, and whether
 * the library was preloaded; lock_retries counts the attempts that failed
 * for want of a lock and were run again (retry.c).  Without preloading
 * there is no queue and no counter: they are NULL, preloaded is false.
 */
Datum
safe_ddl_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[STATS_COLUMNS] = {0};
	bool		nulls[STATS_COLUMNS] = {0};
	SafeDdlQueueCounters counters;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	/*
	 * Each version added columns at the end: 1.0 declared them up to
	 * launcher_running, 1.1 adds preloaded, 1.2 lock_retries.  The columns
	 * the installed version declares are filled, the others left out.
	 */
	if (tupdesc->natts != STATS_COLUMNS &&
		tupdesc->natts != STATS_LOCK_RETRIES &&
		tupdesc->natts != STATS_PRELOADED)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("safe_ddl.shared_stats() returns %d columns, the library %d",
						tupdesc->natts, STATS_COLUMNS),
				 errhint("Run ALTER EXTENSION safe_ddl UPDATE.")));

	if (!safe_ddl_queue_counters(&counters))
	{
		if (tupdesc->natts == STATS_PRELOADED)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("safe_ddl must be loaded via shared_preload_libraries"),
					 errhint("ALTER EXTENSION safe_ddl UPDATE makes the stats view say so instead.")));
		for (i = 0; i < STATS_COLUMNS; i++)
			nulls[i] = true;
		nulls[STATS_PRELOADED] = false;
		values[STATS_PRELOADED] = BoolGetDatum(false);
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
	}

	for (i = 0; i < SAFE_DDL_NUM_OUTCOMES; i++)
		values[STATS_OK + i] = Int64GetDatum((int64) counters.attempts[i]);
	values[STATS_QUEUED] = Int64GetDatum((int64) counters.queued);
	values[STATS_WRITTEN] = Int64GetDatum((int64) counters.written);
	values[STATS_LOGGED] = Int64GetDatum((int64) counters.logged);
	values[STATS_PENDING] = Int64GetDatum((int64) counters.pending);
	values[STATS_QUEUE_BYTES_USED] = Int64GetDatum((int64) counters.bytes_used);
	values[STATS_LAUNCHER_RUNNING] = BoolGetDatum(counters.launcher_running);
	values[STATS_PRELOADED] = BoolGetDatum(true);
	values[STATS_LOCK_RETRIES] = Int64GetDatum((int64) counters.lock_retries);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * safe_ddl.wait_for_queue(timeout): wait until the writer has written
 * every record of this database; false if the timeout came first.  True
 * at once without preloading: nothing is ever queued.
 */
Datum
safe_ddl_wait_for_queue(PG_FUNCTION_ARGS)
{
	Interval   *timeout = PG_GETARG_INTERVAL_P(0);
	TimestampTz deadline;
	SafeDdlQueueCounters counters;

	if (!safe_ddl_queue_counters(&counters))
		PG_RETURN_BOOL(true);

	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(GetCurrentTimestamp()),
													   IntervalPGetDatum(timeout)));
	for (;;)
	{
		if (safe_ddl_queue_count(MyDatabaseId) == 0)
			PG_RETURN_BOOL(true);
		if (GetCurrentTimestamp() >= deadline)
			PG_RETURN_BOOL(false);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}
