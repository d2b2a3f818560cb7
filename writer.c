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
 * The launcher also samples what the DDL in progress does to other
 * sessions (sampler.c): between its rounds, every sample_interval while
 * attempts are in progress.
 *
 * A writer whose database has no audit log (the extension is not
 * installed there) sends the rows to the server log instead.  A database
 * no writer can connect to (dropped, say) gets the same treatment after a
 * few tries.  What the database's owner controls does not keep a writer
 * out (ALLOW_CONNECTIONS false) or change how it writes (ALTER DATABASE
 * ... SET): see writer_settings().
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

#include "audit.h"
#include "queue.h"
#include "row.h"
#include "sampler.h"
#include "workers.h"
#include "writer.h"

PGDLLEXPORT void safe_ddl_launcher_main(Datum main_arg);
PGDLLEXPORT void safe_ddl_writer_main(Datum main_arg);

/* This process is a writer (see safe_ddl.h). */
bool		safe_ddl_in_writer = false;

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

/*
 * A writer waits this long for a lock (on the log, or on its id sequence)
 * and then puts its batch back in the queue to try again after
 * WRITER_LOCKED_NAP_MS: a session holding a LOCK on the log must not stall
 * the writer for good, nor send the rows to the server log while the log
 * is only busy.  (If the lock stays, the queue fills, and backends send
 * new rows to the server log after waiting for room: nothing is lost.)
 */
#define WRITER_LOCK_TIMEOUT		"10s"
#define WRITER_LOCKED_NAP_MS	1000
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
		if (safe_ddl_workers_release(running[i].slot))
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
	slot = safe_ddl_workers_reserve(database_id);
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
		(void) safe_ddl_workers_release(slot);
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
	safe_ddl_sampler_stop();
	safe_ddl_workers_set_launcher(false);
}

void
safe_ddl_launcher_main(Datum main_arg)
{
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/* Connected to no database, but visible in pg_stat_activity. */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	safe_ddl_workers_set_launcher(true);
	safe_ddl_sampler_start();
	before_shmem_exit(launcher_exit, (Datum) 0);

	while (!ShutdownRequestPending)
	{
		Oid			databases[MAX_DATABASES];
		int			n;
		int			i;
		long		nap;

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

		/* Sooner while DDL is in progress: the sampler's next turn. */
		nap = safe_ddl_sampler_tick();
		if (nap < 0 || nap > LAUNCHER_NAP_MS)
			nap = LAUNCHER_NAP_MS;

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 nap, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	/* Exit non-zero: the postmaster restarts us unless it is stopping. */
	proc_exit(1);
}

/* ----------------------------------------------------------------
 * A writer
 * ----------------------------------------------------------------
 */

/* How a set of records fared: see write_records(). */
typedef enum WriteResult
{
	WRITE_DONE,					/* written (or logged), completed */
	WRITE_FAILED,				/* nothing written, still claimed */
	WRITE_LOCKED				/* lock timeout: nothing written, still claimed */
} WriteResult;

/*
 * Write records (at positions) in one transaction.  When it fails, the
 * error is reported and the records stay claimed, for the caller to decide
 * (last_chance: a single record, which then goes to the server log and is
 * completed).  A database without the log sends the records to the server
 * log at once.
 */
static WriteResult
write_records(List *records, List *positions, bool last_chance,
			  MemoryContext batch_context)
{
	volatile int written = 0;
	volatile bool logged = false;
	ErrorData  *volatile edata = NULL;

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

			safe_ddl_row_unflatten(lfirst(lc), &stmt);
			if (rel != NULL)
			{
				safe_ddl_audit_insert(rel, seqid, &stmt);
				written++;
			}
			else
			{
				safe_ddl_log_record(&stmt,
									"safe_ddl is not installed in the database");
				logged = true;
			}
		}
		if (rel != NULL)
			table_close(rel, NoLock);

		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(batch_context);
		edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(batch_context);

	if (edata == NULL)
	{
		safe_ddl_queue_complete(positions, written);
		return WRITE_DONE;
	}

	/*
	 * Rows already sent to the server log are not to be sent twice: a
	 * database without the log has nothing that can fail after the first
	 * row, but be sure.
	 */
	if (logged)
	{
		safe_ddl_queue_complete(positions, 0);
		return WRITE_DONE;
	}
	if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
		return WRITE_LOCKED;
	if (!last_chance)
		return WRITE_FAILED;

	/* This one record cannot be written: the server log keeps it. */
	{
		SafeDdlStatement stmt;
		char	   *why = psprintf("the writer could not insert it: %s",
								   edata->message);

		safe_ddl_row_unflatten(linitial(records), &stmt);
		safe_ddl_log_record(&stmt, why);
		safe_ddl_queue_complete(positions, 0);
	}
	return WRITE_DONE;
}

/*
 * Write one batch of the database's records.  Returns how many records it
 * took from the queue, or -1 when the log stayed locked beyond the
 * writer's lock_timeout (the records are back in the queue, for later).
 *
 * The batch is one transaction.  When that fails, each record is tried
 * again in a transaction of its own, so that one record that cannot be
 * written (an identity too long for the GIN index, say) goes to the server
 * log alone, and the rest of the batch, often other roles' rows, still
 * reaches the table.
 */
static int
write_batch(Oid database_id, MemoryContext batch_context)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(batch_context);
	List	   *positions;
	List	   *records;
	WriteResult result;
	int			taken;

	records = safe_ddl_queue_claim(database_id, WRITER_BATCH, &positions);
	taken = list_length(records);
	if (records == NIL)
	{
		MemoryContextSwitchTo(oldcontext);
		return 0;
	}

	result = write_records(records, positions, taken == 1, batch_context);
	if (result == WRITE_FAILED)
	{
		ListCell   *lc_record;
		ListCell   *lc_position;

		forboth(lc_record, records, lc_position, positions)
		{
			List	   *one_position = list_make1(lfirst(lc_position));

			if (result == WRITE_LOCKED)
			{
				/* The rest waits for the lock, like the batch below. */
				safe_ddl_queue_unclaim(one_position);
				continue;
			}
			CHECK_FOR_INTERRUPTS();
			result = write_records(list_make1(lfirst(lc_record)),
								   one_position, true, batch_context);
			if (result == WRITE_LOCKED)
				safe_ddl_queue_unclaim(one_position);
		}
	}
	else if (result == WRITE_LOCKED)
		safe_ddl_queue_unclaim(positions);

	MemoryContextSwitchTo(oldcontext);
	MemoryContextReset(batch_context);
	return result == WRITE_LOCKED ? -1 : taken;
}

/*
 * Settings the writer must not inherit.  A background process connecting
 * to a database takes the settings of ALTER DATABASE ... SET (and ALTER
 * ROLE ... IN DATABASE ... SET for its role), which the database's owner
 * controls: default_transaction_read_only = on would make every insert
 * fail, and send every refused, failed or rolled-back row of the database
 * to the server log instead; a search_path or a role would change what the
 * writer is.  These override them, whatever set them.  Settings that only
 * matter to planned queries, triggers or row security do not: the writer
 * inserts straight into the heap and its indexes (audit.c).
 */
static void
writer_settings(void)
{
	static const struct
	{
		const char *name;
		const char *value;
	}			settings[] =
	{
		{"default_transaction_read_only", "off"},
		{"default_transaction_isolation", "read committed"},
		{"default_transaction_deferrable", "off"},
		{"role", "none"},
		{"search_path", "pg_catalog, pg_temp"},
		{"synchronous_commit", "on"},
		{"exit_on_error", "off"},
		{"statement_timeout", "0"},
		{"lock_timeout", WRITER_LOCK_TIMEOUT},
		{"idle_in_transaction_session_timeout", "0"},
		/* those an older major does not have are skipped */
		{"idle_session_timeout", "0"},
		{"transaction_timeout", "0"},
	};
	size_t		i;

	for (i = 0; i < lengthof(settings); i++)
		if (GetConfigOption(settings[i].name, true, false) != NULL)
			SetConfigOption(settings[i].name, settings[i].value,
							PGC_SUSET, PGC_S_OVERRIDE);
}

static void
writer_exit(int code, Datum arg)
{
	safe_ddl_workers_exited(DatumGetInt32(arg));
}

void
safe_ddl_writer_main(Datum main_arg)
{
	int			slot = DatumGetInt32(main_arg);
	Oid			database_id = safe_ddl_workers_database(slot);
	MemoryContext batch_context;
	TimestampTz idle_since;
	int			written;

	safe_ddl_in_writer = true;

	/*
	 * SIGTERM ends the writer at once, even while it waits for a lock (a
	 * flag would only be seen between batches): its transaction aborts,
	 * and the rows it claimed are claimed again by the next writer, or
	 * saved with the queue at shutdown.
	 */
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/*
	 * ALLOW_CONNECTIONS false, which the database's owner may set, keeps
	 * clients out, not the writer of rows already queued.
	 */
	BackgroundWorkerInitializeConnectionByOid(database_id, InvalidOid,
											  BGWORKER_BYPASS_ALLOWCONN);
	writer_settings();
	if (!safe_ddl_workers_connected(slot))
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

		written = write_batch(database_id, batch_context);
		if (written > 0)
		{
			idle_since = GetCurrentTimestamp();
			continue;
		}
		if (written < 0)
		{
			/* The log is locked: try again in a while (not an idle exit). */
			idle_since = GetCurrentTimestamp();
			(void) WaitLatch(MyLatch,
							 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 WRITER_LOCKED_NAP_MS, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}

		/* Nothing to write for a while: leave. */
		if (TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(),
									   WRITER_IDLE_EXIT_MS))
			break;

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 WRITER_NAP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	proc_exit(0);
}
