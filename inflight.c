/*-------------------------------------------------------------------------
 *
 * inflight.c
 *		The attempts in progress, in shared memory, for the crash.
 *
 * A backend that crashes (SIGKILL, a segfault) runs no error handler and
 * no exit callback: the DDL statement it was running would leave no row,
 * and neither would one whose ok row was written in a transaction the
 * crash then lost.  So each attempt, just before its statement runs,
 * copies its row into a slot here, as it would read if the server crashed
 * now: failed, "the server crashed while the statement ran".  Once its
 * ok row is written, the slot holds the row's rolled_back copy and the
 * transaction that wrote it.  The slot is freed when the row is handed to
 * the writer or its transaction ends.
 *
 * After a crash the postmaster, which saves the queue before it resets
 * shared memory (queue_file.c), saves these slots with it.  A row whose
 * transaction is named is saved as claimed by that transaction, and the
 * writer that loads it drops it if that transaction committed after all,
 * as it does for its own claims (queue.c): one row per attempt, either
 * way.  A slot that is not whole is not saved.
 *
 * Not preloaded there is no shared memory: nothing is kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "compat.h"
#include "inflight.h"

/* Attempts in progress at once (nested ones count), across the server. */
#define INFLIGHT_SLOTS		128

/* Room for a row; a longer statement is clipped to fit. */
#define INFLIGHT_ROW_SIZE	4096

/* The slot states, stored in the row's header "state". */
#define SLOT_FREE			0
#define SLOT_RUNNING		1	/* the statement runs: failed if it crashes */
#define SLOT_WRITTEN		2	/* ok row written by written_xid */

typedef struct InflightSlot
{
	pid_t		pid;
	union
	{
		SafeDdlFlatRow row;
		char		bytes[INFLIGHT_ROW_SIZE];
		double		force_align;
	}			data;
} InflightSlot;

typedef struct InflightShared
{
	slock_t		mutex;
	InflightSlot slots[INFLIGHT_SLOTS];
} InflightShared;

static InflightShared *inflight = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
inflight_shmem_request(void)
{
	RequestAddinShmemSpace(sizeof(InflightShared));
}

static void
inflight_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	inflight = ShmemInitStruct("safe_ddl attempts in progress",
							   sizeof(InflightShared), &found);
	if (!found)
	{
		memset(inflight, 0, sizeof(InflightShared));
		SpinLockInit(&inflight->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init while shared_preload_libraries is processed. */
void
safe_ddl_inflight_init(void)
{
	compat_request_shmem(inflight_shmem_request);
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = inflight_shmem_startup;
}

/*
 * The row as it would read after a crash, flat, within the slot's room:
 * the statement's text clipped if need be, and the identities dropped if
 * even that is not enough.
 */
static SafeDdlFlatRow *
crash_row(SafeDdlStatement *stmt)
{
	SafeDdlStatement copy = *stmt;
	SafeDdlFlatRow *row;
	int			len;

	copy.result.outcome = SAFE_DDL_OUTCOME_FAILED;
	copy.result.sqlstate = NULL;
	copy.result.error_message = "the server crashed while the statement ran";
	row = safe_ddl_row_flatten(&copy, CurrentMemoryContext);
	if (row->size <= INFLIGHT_ROW_SIZE)
		return row;

	len = strlen(copy.what.statement);
	if ((int) (row->size - INFLIGHT_ROW_SIZE) + 128 < len)
	{
		int			keep = pg_mbcliplen(copy.what.statement, len,
										len - (row->size - INFLIGHT_ROW_SIZE) - 128);

		copy.what.statement = psprintf("%.*s... [truncated by safe_ddl: %d of %d bytes kept]",
								  keep, copy.what.statement, keep, len);
		pfree(row);
		row = safe_ddl_row_flatten(&copy, CurrentMemoryContext);
		if (row->size <= INFLIGHT_ROW_SIZE)
			return row;
	}
	copy.what.identities = NIL;
	copy.what.statement = "[too long to keep in shared memory]";
	pfree(row);
	row = safe_ddl_row_flatten(&copy, CurrentMemoryContext);
	return row->size <= INFLIGHT_ROW_SIZE ? row : NULL;
}

/*
 * The statement is about to run: keep its crash row.  Returns the slot, or
 * -1 (not preloaded, or every slot taken: that attempt is not covered).
 */
int
safe_ddl_inflight_begin(SafeDdlStatement *stmt)
{
	SafeDdlFlatRow *row;
	int			i;

	if (inflight == NULL || (row = crash_row(stmt)) == NULL)
		return -1;

	SpinLockAcquire(&inflight->mutex);
	for (i = 0; i < INFLIGHT_SLOTS; i++)
		if (inflight->slots[i].pid == 0)
		{
			inflight->slots[i].pid = MyProcPid;
			break;
		}
	SpinLockRelease(&inflight->mutex);
	if (i == INFLIGHT_SLOTS)
	{
		pfree(row);
		return -1;
	}

	/* Only this backend writes the slot it took. */
	memcpy(&inflight->slots[i].data.row, row, row->size);
	inflight->slots[i].data.row.written_xid = InvalidTransactionId;
	pg_write_barrier();
	inflight->slots[i].data.row.state = SLOT_RUNNING;
	pfree(row);
	return i;
}

/*
 * The ok row is written by xid: after a crash the row's rolled_back copy
 * stands, unless xid committed.
 */
void
safe_ddl_inflight_written(int slot, SafeDdlFlatRow *rolled_back,
						  TransactionId xid)
{
	InflightSlot *s;

	if (slot < 0 || inflight == NULL)
		return;
	s = &inflight->slots[slot];
	s->data.row.state = SLOT_FREE;
	pg_write_barrier();
	if (rolled_back->size <= INFLIGHT_ROW_SIZE)
	{
		memcpy(&s->data.row, rolled_back, rolled_back->size);
		s->data.row.written_xid = xid;
		pg_write_barrier();
		s->data.row.state = SLOT_WRITTEN;
	}
}

void
safe_ddl_inflight_end(int slot)
{
	if (slot < 0 || inflight == NULL)
		return;
	inflight->slots[slot].data.row.state = SLOT_FREE;
	pg_write_barrier();
	inflight->slots[slot].pid = 0;
}

/* At backend exit: every slot this backend still has. */
void
safe_ddl_inflight_end_all(void)
{
	int			i;

	if (inflight == NULL)
		return;
	for (i = 0; i < INFLIGHT_SLOTS; i++)
		if (inflight->slots[i].pid == MyProcPid)
			safe_ddl_inflight_end(i);
}

/*
 * For the postmaster's save before a crash reset (no lock: every other
 * process is gone): each slot in use, as a row for the queue — a running
 * statement's pending, a written one's claimed by its transaction.
 */
int
safe_ddl_inflight_save_each(bool (*save) (SafeDdlFlatRow *row, void *arg),
							void *arg)
{
	int			i;
	int			saved = 0;

	if (inflight == NULL)
		return 0;
	for (i = 0; i < INFLIGHT_SLOTS; i++)
	{
		SafeDdlFlatRow *row = &inflight->slots[i].data.row;
		uint32		state = row->state;

		if (inflight->slots[i].pid == 0 || state == SLOT_FREE ||
			row->size > INFLIGHT_ROW_SIZE || !safe_ddl_row_is_sane(row))
			continue;
		if (state == SLOT_WRITTEN && !TransactionIdIsValid(row->written_xid))
			continue;
		if (!save(row, arg))
			break;
		saved++;
	}
	return saved;
}
