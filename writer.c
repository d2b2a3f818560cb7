/*-------------------------------------------------------------------------
 *
 * writer.c
 *		The background processes that write queued audit rows: one launcher
 *		for the cluster, and one writer per database with rows to write.
 *
 * A background process is connected to one database for its life, so the
 * launcher (connected to none) watches the queue and starts a writer for
 * each database that has records waiting; a writer drains its database's
 * records in batches, one transaction each, and leaves after a while with
 * nothing to do.  The launcher starts only once recovery is over: on a hot
 * standby nothing runs (and nothing is queued: DDL cannot run there).
 *
 * A writer whose database has no audit log (the extension is not
 * installed there) sends the rows to the server log instead.  A database
 * no writer can connect to (dropped, say) gets the same treatment after a
 * few tries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "safe_ddl.h"
#include "queue.h"

PGDLLEXPORT void safe_ddl_launcher_main(Datum main_arg);
PGDLLEXPORT void safe_ddl_writer_main(Datum main_arg);

#define LAUNCHER_NAP_MS			500
#define WRITER_NAP_MS			200
/*
 * A writer leaves soon after its last row: a connected writer would make
 * DROP DATABASE (which waits 5 s for other sessions) or CREATE DATABASE
 * ... TEMPLATE of its database fail.
 */
#define WRITER_IDLE_EXIT_MS		1000
#define WRITER_BATCH			1000
#define MAX_CONNECT_FAILURES	3
#define MAX_DATABASES			64

/* The launcher's own view of the writers it started. */
typedef struct LauncherWriter
{
	Oid			database_id;
	int			slot;
	BackgroundWorkerHandle *handle;
} LauncherWriter;

typedef struct LauncherDatabase
{
	Oid			database_id;
	int			failures;		/* writers that could not connect */
} LauncherDatabase;

static LauncherWriter running[MAX_DATABASES];
static int	nrunning = 0;
static LauncherDatabase failing[MAX_DATABASES];
static int	nfailing = 0;

void
safe_ddl_register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "safe_ddl");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "safe_ddl_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "safe_ddl launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "safe_ddl launcher");
	RegisterBackgroundWorker(&worker);
}

/* ----------------------------------------------------------------
 * The launcher
 * ----------------------------------------------------------------
 */

static LauncherDatabase *
failing_database(Oid database_id)
{
	int			i;

	for (i = 0; i < nfailing; i++)
		if (failing[i].database_id == database_id)
			return &failing[i];
	if (nfailing == MAX_DATABASES)
		nfailing = 0;			/* forget old failures */
	failing[nfailing].database_id = database_id;
	failing[nfailing].failures = 0;
	return &failing[nfailing++];
}

/* Forget writers that stopped, noting those that never got in. */
static void
reap_writers(void)
{
	int			i = 0;

	while (i < nrunning)
	{
		pid_t		pid;

		if (GetBackgroundWorkerPid(running[i].handle, &pid) != BGWH_STOPPED)
		{
			i++;
			continue;
		}
		if (safe_ddl_queue_release_writer(running[i].slot))
			failing_database(running[i].database_id)->failures = 0;
		else
			failing_database(running[i].database_id)->failures++;
		pfree(running[i].handle);
		running[i] = running[--nrunning];
	}
}

static bool
writer_running(Oid database_id)
{
	int			i;

	for (i = 0; i < nrunning; i++)
		if (running[i].database_id == database_id)
			return true;
	return false;
}

static void
start_writer(Oid database_id)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	LauncherDatabase *db = failing_database(database_id);
	int			slot;

	if (db->failures >= MAX_CONNECT_FAILURES)
	{
		safe_ddl_queue_log_database(database_id,
									"no writer could connect to the database");
		db->failures = 0;
		return;
	}
	if (nrunning == MAX_DATABASES)
		return;
	slot = safe_ddl_queue_reserve_writer(database_id);
	if (slot < 0)
		return;					/* all slots busy: next round */

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "safe_ddl");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "safe_ddl_writer_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "safe_ddl writer for database %u",
			 database_id);
	snprintf(worker.bgw_type, BGW_MAXLEN, "safe_ddl writer");
	worker.bgw_main_arg = Int32GetDatum(slot);
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		/* No free background worker slot: try again next round. */
		(void) safe_ddl_queue_release_writer(slot);
		ereport(DEBUG1,
				(errmsg("safe_ddl: no background worker slot for a writer")));
		return;
	}
	running[nrunning].database_id = database_id;
	running[nrunning].slot = slot;
	running[nrunning].handle = handle;
	nrunning++;
}

static void
launcher_exit(int code, Datum arg)
{
	safe_ddl_queue_set_launcher(false);
}

void
safe_ddl_launcher_main(Datum main_arg)
{
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/* Connected to no database, but visible in pg_stat_activity. */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	safe_ddl_queue_set_launcher(true);
	before_shmem_exit(launcher_exit, (Datum) 0);

	while (!ShutdownRequestPending)
	{
		Oid			databases[MAX_DATABASES];
		int			n;
		int			i;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		reap_writers();
		n = safe_ddl_queue_pending_databases(databases, MAX_DATABASES);
		for (i = 0; i < n; i++)
			if (!writer_running(databases[i]))
				start_writer(databases[i]);

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_NAP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	/* Exit non-zero: the postmaster restarts us unless it is stopping. */
	proc_exit(1);
}

/* ----------------------------------------------------------------
 * A writer
 * ----------------------------------------------------------------
 */

/*
 * Write one batch of the database's records in one transaction.  Returns
 * how many records it took from the queue.  A batch that cannot be
 * written (the log was altered, say) goes to the server log, so that it
 * does not block the queue.
 */
static int
write_batch(Oid database_id, MemoryContext batch_context)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(batch_context);
	List	   *positions;
	List	   *records;
	volatile int written = 0;

	records = safe_ddl_queue_claim(database_id, WRITER_BATCH, &positions);
	if (records == NIL)
	{
		MemoryContextSwitchTo(oldcontext);
		return 0;
	}

	PG_TRY();
	{
		Relation	rel;
		Oid			seqid;
		ListCell   *lc;

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		safe_ddl_queue_note_xid(positions, GetTopTransactionId());
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "writing audit rows");

		rel = safe_ddl_audit_open(&seqid);
		foreach(lc, records)
		{
			SafeDdlStatement stmt;

			safe_ddl_record_to_statement(lfirst(lc), &stmt);
			if (rel != NULL)
			{
				safe_ddl_audit_insert(rel, seqid, &stmt);
				written++;
			}
			else
				safe_ddl_log_record(&stmt,
									"safe_ddl is not installed in the database");
		}
		if (rel != NULL)
			table_close(rel, NoLock);

		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		ListCell   *lc;

		/* Report, clean up, and send the batch to the server log. */
		MemoryContextSwitchTo(batch_context);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		written = 0;
		foreach(lc, records)
		{
			SafeDdlStatement stmt;

			safe_ddl_record_to_statement(lfirst(lc), &stmt);
			safe_ddl_log_record(&stmt, "the writer could not insert it");
		}
	}
	PG_END_TRY();

	safe_ddl_queue_complete(positions, written);
	MemoryContextSwitchTo(oldcontext);
	MemoryContextReset(batch_context);
	return list_length(positions);
}

static void
writer_exit(int code, Datum arg)
{
	safe_ddl_queue_writer_exited(DatumGetInt32(arg));
}

void
safe_ddl_writer_main(Datum main_arg)
{
	int			slot = DatumGetInt32(main_arg);
	Oid			database_id = safe_ddl_queue_writer_database(slot);
	MemoryContext batch_context;
	TimestampTz idle_since;

	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnectionByOid(database_id, InvalidOid, 0);
	if (!safe_ddl_queue_writer_connected(slot))
		proc_exit(0);
	before_shmem_exit(writer_exit, Int32GetDatum(slot));
	pgstat_report_appname("safe_ddl writer");

	batch_context = AllocSetContextCreate(TopMemoryContext,
										  "safe_ddl writer batch",
										  ALLOCSET_DEFAULT_SIZES);

	/* Rows a predecessor was writing when it stopped: done or not? */
	safe_ddl_queue_recover_claims(database_id);

	idle_since = GetCurrentTimestamp();
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		if (write_batch(database_id, batch_context) > 0)
		{
			idle_since = GetCurrentTimestamp();
			continue;
		}

		/* Nothing to write.  On shutdown, what comes later is saved. */
		if (ShutdownRequestPending ||
			TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(),
									   WRITER_IDLE_EXIT_MS))
			break;

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 WRITER_NAP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	proc_exit(0);
}
