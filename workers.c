/*-------------------------------------------------------------------------
 *
 * workers.c
 *		Who writes the queued rows: the launcher, and the writer it starts
 *		for each database that has rows waiting (writer.c), registered in
 *		shared memory so that a backend that queues a row can wake the
 *		process that will write it.
 *
 * The launcher reserves a slot for a database before it starts that
 * database's writer; the writer marks the slot connected once it is in
 * the database, and exited when it leaves.  A slot the launcher releases
 * while still "starting" tells it that the writer never got in (the
 * database is gone, say).  A restarted launcher has lost its handles on
 * the writers the previous one started: it forgets the slots of writers
 * that are gone, and lets those still running free their own slots.
 *
 * A spinlock guards it all: every section is a few stores.  Latches are
 * set after it is released.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "compat.h"
#include "workers.h"

/* Databases written at once. */
#define MAX_WRITERS			16

typedef enum WriterState
{
	WRITER_FREE = 0,
	WRITER_STARTING,			/* reserved by the launcher */
	WRITER_CONNECTED,			/* the writer is in its database */
	WRITER_EXITED				/* it was, and has left */
} WriterState;

typedef struct WriterSlot
{
	WriterState state;
	Oid			database_id;
	Latch	   *latch;			/* set while connected */
	bool		orphan;			/* started by a launcher since restarted */
} WriterSlot;

typedef struct WorkersShared
{
	slock_t		mutex;
	pid_t		launcher_pid;	/* 0: not running */
	Latch	   *launcher_latch;
	WriterSlot	writers[MAX_WRITERS];
} WorkersShared;

static WorkersShared *workers = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
workers_shmem_request(void)
{
	RequestAddinShmemSpace(sizeof(WorkersShared));
}

static void
workers_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	workers = ShmemInitStruct("safe_ddl workers", sizeof(WorkersShared),
							  &found);
	if (!found)
	{
		memset(workers, 0, sizeof(WorkersShared));
		SpinLockInit(&workers->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init while shared_preload_libraries is processed. */
void
safe_ddl_workers_init(void)
{
	compat_request_shmem(workers_shmem_request);
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = workers_shmem_startup;
}

/* ----------------------------------------------------------------
 * Backends
 * ----------------------------------------------------------------
 */

/* Wake the writer of a database, or the launcher when it has none. */
void
safe_ddl_workers_wake(Oid database_id)
{
	Latch	   *latch = NULL;
	int			i;

	if (workers == NULL)
		return;
	SpinLockAcquire(&workers->mutex);
	for (i = 0; i < MAX_WRITERS; i++)
		if (workers->writers[i].state == WRITER_CONNECTED &&
			workers->writers[i].database_id == database_id &&
			workers->writers[i].latch)
		{
			latch = workers->writers[i].latch;
			break;
		}
	if (latch == NULL)
		latch = workers->launcher_latch;
	SpinLockRelease(&workers->mutex);
	if (latch)
		SetLatch(latch);
}

bool
safe_ddl_workers_launcher_running(void)
{
	bool		running;

	if (workers == NULL)
		return false;
	SpinLockAcquire(&workers->mutex);
	running = (workers->launcher_pid != 0);
	SpinLockRelease(&workers->mutex);
	return running;
}

/* ----------------------------------------------------------------
 * The launcher
 * ----------------------------------------------------------------
 */

/*
 * The launcher starts or stops.  A new one forgets the slots of writers
 * that are gone; those still connected free their own when they leave.
 */
void
safe_ddl_workers_set_launcher(bool running)
{
	int			i;

	SpinLockAcquire(&workers->mutex);
	if (running)
	{
		for (i = 0; i < MAX_WRITERS; i++)
		{
			WriterSlot *w = &workers->writers[i];

			if (w->state == WRITER_CONNECTED)
				w->orphan = true;
			else
			{
				w->state = WRITER_FREE;
				w->database_id = InvalidOid;
				w->latch = NULL;
			}
		}
	}
	workers->launcher_pid = running ? MyProcPid : 0;
	workers->launcher_latch = running ? MyLatch : NULL;
	SpinLockRelease(&workers->mutex);
}

/*
 * A slot for the writer of a database, before the launcher starts it; -1
 * when all are taken or the database already has one.
 */
int
safe_ddl_workers_reserve(Oid database_id)
{
	int			free_slot = -1;
	int			i;

	SpinLockAcquire(&workers->mutex);
	for (i = 0; i < MAX_WRITERS; i++)
	{
		WriterSlot *w = &workers->writers[i];

		if ((w->state == WRITER_STARTING || w->state == WRITER_CONNECTED) &&
			w->database_id == database_id)
		{
			free_slot = -1;
			break;
		}
		if (w->state == WRITER_FREE && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0)
	{
		WriterSlot *w = &workers->writers[free_slot];

		w->state = WRITER_STARTING;
		w->database_id = database_id;
		w->latch = NULL;
		w->orphan = false;
	}
	SpinLockRelease(&workers->mutex);
	return free_slot;
}

/* The launcher frees a stopped writer's slot: did that writer get in? */
bool
safe_ddl_workers_release(int slot)
{
	WriterSlot *w = &workers->writers[slot];
	bool		connected;

	SpinLockAcquire(&workers->mutex);
	connected = (w->state != WRITER_STARTING);
	w->state = WRITER_FREE;
	w->database_id = InvalidOid;
	w->latch = NULL;
	SpinLockRelease(&workers->mutex);
	return connected;
}

/* ----------------------------------------------------------------
 * A writer
 * ----------------------------------------------------------------
 */

/* The database a writer was started for. */
Oid
safe_ddl_workers_database(int slot)
{
	Oid			database_id;

	SpinLockAcquire(&workers->mutex);
	database_id = workers->writers[slot].database_id;
	SpinLockRelease(&workers->mutex);
	return database_id;
}

/*
 * The writer is in its database: from now on backends wake it.  False
 * when the slot is no longer its own (a new launcher forgot it).
 */
bool
safe_ddl_workers_connected(int slot)
{
	WriterSlot *w = &workers->writers[slot];
	bool		ok;

	SpinLockAcquire(&workers->mutex);
	ok = (w->state == WRITER_STARTING && w->database_id == MyDatabaseId);
	if (ok)
	{
		w->state = WRITER_CONNECTED;
		w->latch = MyLatch;
	}
	SpinLockRelease(&workers->mutex);
	return ok;
}

/* The writer leaves; an orphan frees its slot itself. */
void
safe_ddl_workers_exited(int slot)
{
	WriterSlot *w = &workers->writers[slot];

	SpinLockAcquire(&workers->mutex);
	if (w->state == WRITER_CONNECTED && w->latch == MyLatch)
	{
		w->state = w->orphan ? WRITER_FREE : WRITER_EXITED;
		w->latch = NULL;
	}
	SpinLockRelease(&workers->mutex);
}
