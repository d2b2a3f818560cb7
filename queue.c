/*-------------------------------------------------------------------------
 *
 * queue.c
 *		The bounded shared-memory hand-off between backends and the writer,
 *		for audit rows that cannot commit with the statement's transaction
 *		(refused, failed, rolled back), and the counters of the stats view.
 *
 * The queue is a ring of variable-size records, protected by one LWLock.
 * A record is appended at the tail as PENDING; the writer of its database
 * marks it CLAIMED, notes the transaction that inserts its row, and marks
 * it DONE once that transaction committed; the head then moves past it.
 * Records never move, so a writer holds on to them by position.
 *
 * Nothing is lost quietly: a backend that finds the ring full waits a
 * little for room and then writes the record to the server log as one
 * parseable line (counted in "logged").  When the postmaster exits, or
 * resets shared memory after a crash, it saves the records not yet written
 * to a file that the next start loads back; a writer that finds records
 * claimed by a predecessor checks whether that writer's transaction
 * committed, so a row is neither lost nor doubled.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "access/transam.h"
#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "queue.h"
#include "workers.h"
#include "writer.h"



/* How long a backend waits for room before it logs the record instead. */
#define QUEUE_WAIT_MS		1000
#define QUEUE_WAIT_STEP_MS	10

typedef enum RecordState
{
	REC_PENDING = 1,
	REC_CLAIMED,
	REC_DONE,
	REC_PADDING					/* fills the end of the ring */
} RecordState;

/* The queue's records are audit rows in their flat form (row.c). */
typedef SafeDdlFlatRow FlatRecord;

#define RECORD_HEADER_SIZE	safe_ddl_row_header_size()
typedef struct QueueShared
{
	LWLock	   *lock;
	uint64		head;			/* position of the oldest record */
	uint64		tail;			/* position after the newest record */
	uint64		capacity;		/* bytes in ring[] */
	pg_atomic_uint64 attempts[SAFE_DDL_NUM_OUTCOMES];
	pg_atomic_uint64 queued;	/* records handed to the writer */
	pg_atomic_uint64 written;	/* rows the writer inserted */
	pg_atomic_uint64 logged;	/* records sent to the server log instead */
	pg_atomic_uint64 lock_retries;	/* failed attempts retried (retry.c) */
	char		ring[FLEXIBLE_ARRAY_MEMBER];
} QueueShared;

static QueueShared *queue = NULL;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
queue_shmem_size(void)
{
	return add_size(MAXALIGN(offsetof(QueueShared, ring)),
					(Size) safe_ddl_queue_size * 1024);
}

static void
queue_request(void)
{
	RequestAddinShmemSpace(queue_shmem_size());
	RequestNamedLWLockTranche("safe_ddl", 1);
}


static FlatRecord *
record_at(uint64 pos)
{
	return (FlatRecord *) (queue->ring + pos % queue->capacity);
}

/*
 * Append a record (caller holds the lock exclusively).  False when there
 * is no room.
 */
static bool
queue_append(const FlatRecord *rec)
{
	uint64		used = queue->tail - queue->head;
	uint64		to_end = queue->capacity - queue->tail % queue->capacity;
	uint64		need = rec->size;

	if (rec->size > to_end)
		need += to_end;			/* padding to the end of the ring */
	if (used + need > queue->capacity)
		return false;

	if (rec->size > to_end)
	{
		FlatRecord *pad = record_at(queue->tail);

		pad->size = (uint32) to_end;
		pad->state = REC_PADDING;
		queue->tail += to_end;
	}
	memcpy(record_at(queue->tail), rec, rec->size);
	queue->tail += rec->size;
	return true;
}

/* Move the head past records that are done (caller holds the lock). */
static void
queue_advance_head(void)
{
	while (queue->head < queue->tail)
	{
		FlatRecord *rec = record_at(queue->head);

		if (rec->state != REC_DONE && rec->state != REC_PADDING)
			break;
		queue->head += rec->size;
	}
}

/*
 * Is a record at this position whole and plausible?  Used on data that
 * may have outlived a crashed process.
 */
static bool
record_is_sane(uint64 pos)
{
	uint64		offset = pos % queue->capacity;
	FlatRecord *rec = record_at(pos);

	if (offset + sizeof(uint32) * 2 > queue->capacity)
		return false;
	if (rec->size < sizeof(uint32) * 2 || rec->size % MAXIMUM_ALIGNOF != 0 ||
		offset + rec->size > queue->capacity)
		return false;
	if (rec->state == REC_PADDING || rec->state == REC_DONE)
		return true;
	return (rec->state == REC_PENDING || rec->state == REC_CLAIMED) &&
		rec->size >= RECORD_HEADER_SIZE && safe_ddl_row_is_sane(rec);
}

/*
 * Call save for each record not yet written, oldest first, and return how
 * many were offered; stop at the first record that is not whole (the
 * ring may have been damaged by a crashed process).  At postmaster exit:
 * no lock, every other process is gone.
 */
int
safe_ddl_queue_save_each(bool (*save) (SafeDdlFlatRow *row, void *arg),
						 void *arg)
{
	uint64		pos;
	int			saved = 0;

	if (queue == NULL)
		return 0;
	for (pos = queue->head; pos < queue->tail;)
	{
		FlatRecord *rec = record_at(pos);

		if (!record_is_sane(pos))
		{
			ereport(LOG,
					(errmsg("safe_ddl: audit queue damaged at position " UINT64_FORMAT ", %d records saved before it",
							pos, saved)));
			break;
		}
		if (rec->state == REC_PENDING || rec->state == REC_CLAIMED)
		{
			if (rec->state == REC_PENDING)
				rec->written_xid = InvalidTransactionId;
			if (!save(rec, arg))
				break;
			saved++;
		}
		pos += rec->size;
	}
	return saved;
}

/* Append a record loaded from the saved file; false when it does not fit. */
bool
safe_ddl_queue_append_loaded(SafeDdlFlatRow *row)
{
	if (row->size < RECORD_HEADER_SIZE || row->size > queue->capacity / 2 ||
		!safe_ddl_row_is_sane(row))
		return false;
	/*
	 * A row claimed by a transaction (a writer's, or the one that wrote an
	 * attempt's ok row before a crash) stays claimed by it: the next
	 * writer drops it if that transaction committed after all.
	 */
	row->state = TransactionIdIsValid(row->written_xid) ?
		REC_CLAIMED : REC_PENDING;
	return queue_append(row);
}

static void
queue_shmem_startup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	queue = ShmemInitStruct("safe_ddl queue", queue_shmem_size(), &found);
	if (!found)
	{
		memset(queue, 0, offsetof(QueueShared, ring));
		queue->lock = &(GetNamedLWLockTranche("safe_ddl"))->lock;
		queue->capacity = (uint64) safe_ddl_queue_size * 1024;
		for (i = 0; i < SAFE_DDL_NUM_OUTCOMES; i++)
			pg_atomic_init_u64(&queue->attempts[i], 0);
		pg_atomic_init_u64(&queue->queued, 0);
		pg_atomic_init_u64(&queue->written, 0);
		pg_atomic_init_u64(&queue->logged, 0);
		pg_atomic_init_u64(&queue->lock_retries, 0);
	}
	LWLockRelease(AddinShmemInitLock);

	/* The postmaster saves and loads the records across restarts. */
	if (!IsUnderPostmaster)
	{
		safe_ddl_queue_file_load();
		on_shmem_exit(safe_ddl_queue_file_save, (Datum) 0);
	}
}

/*
 * Called from _PG_init while shared_preload_libraries is processed.
 */
void
safe_ddl_queue_init(void)
{
	compat_request_shmem(queue_request);
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = queue_shmem_startup;
}

/*
 * Send an audit row to the server log, as one line of JSON after a fixed
 * prefix, when it cannot reach the table.
 */
void
safe_ddl_log_record(SafeDdlStatement *stmt, const char *why)
{
	char	   *json = safe_ddl_row_json(stmt);

	ereport(LOG,
			(errmsg("safe_ddl audit record (%s): %s", why, json),
			 errhidestmt(true)));
	pfree(json);
	if (queue)
		pg_atomic_fetch_add_u64(&queue->logged, 1);
}

/* ----------------------------------------------------------------
 * Backends
 * ----------------------------------------------------------------
 */

/*
 * Hand a flat record to the writer.  When the ring stays full, or there is
 * no writer to empty it, the record goes to the server log instead.
 */
void
safe_ddl_queue_push(SafeDdlFlatRow *rec)
{
	int			waited = 0;
	const char *why = "safe_ddl is not in shared_preload_libraries";
	SafeDdlStatement stmt;

	rec->state = REC_PENDING;
	rec->written_xid = InvalidTransactionId;

	/*
	 * A row produced inside the writer itself (by DDL that ran while it
	 * wrote: nothing safe_ddl runs there does that) would come back to the
	 * same writer, and if its writing failed too, without end.
	 */
	if (safe_ddl_in_writer)
		why = "produced inside the safe_ddl writer";
	else if (queue != NULL && rec->size <= queue->capacity / 2)
	{
		for (;;)
		{
			bool		appended;
			bool		writer_running;

			LWLockAcquire(queue->lock, LW_EXCLUSIVE);
			appended = queue_append(rec);
			LWLockRelease(queue->lock);
			if (appended)
			{
				safe_ddl_workers_wake(rec->database_id);
				pg_atomic_fetch_add_u64(&queue->queued, 1);
				return;
			}
			writer_running = safe_ddl_workers_launcher_running();
			if (writer_running)
				safe_ddl_workers_wake(rec->database_id);

			if (!writer_running)
			{
				why = "queue full, writer not running";
				break;
			}
			if (waited >= QUEUE_WAIT_MS)
			{
				why = "queue full";
				break;
			}
			pg_usleep(QUEUE_WAIT_STEP_MS * 1000L);
			waited += QUEUE_WAIT_STEP_MS;
		}
	}
	else if (queue != NULL)
		why = "record larger than half of safe_ddl.queue_size";

	safe_ddl_row_unflatten(rec, &stmt);
	safe_ddl_log_record(&stmt, why);
}

void
safe_ddl_count_attempt(SafeDdlOutcome outcome, int n)
{
	if (queue)
		pg_atomic_fetch_add_u64(&queue->attempts[outcome], n);
}

/* An attempt failed for want of a lock and is retried (retry.c). */
void
safe_ddl_count_lock_retry(void)
{
	if (queue)
		pg_atomic_fetch_add_u64(&queue->lock_retries, 1);
}

/* ----------------------------------------------------------------
 * The launcher and the writers
 * ----------------------------------------------------------------
 */

/*
 * The databases that have records waiting, at most max of them.
 */
int
safe_ddl_queue_pending_databases(Oid *databases, int max)
{
	int			n = 0;
	uint64		pos;

	LWLockAcquire(queue->lock, LW_SHARED);
	for (pos = queue->head; pos < queue->tail; pos += record_at(pos)->size)
	{
		FlatRecord *rec = record_at(pos);
		int			i;

		if (rec->state != REC_PENDING && rec->state != REC_CLAIMED)
			continue;
		for (i = 0; i < n; i++)
			if (databases[i] == rec->database_id)
				break;
		if (i == n && n < max)
			databases[n++] = rec->database_id;
	}
	LWLockRelease(queue->lock);
	return n;
}

/*
 * Send the pending records of a database no writer can reach to the
 * server log, and free their room.
 */
void
safe_ddl_queue_log_database(Oid database_id, const char *why)
{
	List	   *positions;
	List	   *records = safe_ddl_queue_claim(database_id, INT_MAX, &positions);
	ListCell   *lc;

	foreach(lc, records)
	{
		SafeDdlStatement stmt;

		safe_ddl_row_unflatten(lfirst(lc), &stmt);
		safe_ddl_log_record(&stmt, why);
	}
	safe_ddl_queue_complete(positions, 0);
	list_free_deep(records);
	list_free_deep(positions);
}

/*
 * A new writer's first task: records of its database that a predecessor
 * claimed are done if that writer's transaction committed, pending again
 * otherwise.
 */
void
safe_ddl_queue_recover_claims(Oid database_id)
{
	List	   *claimed = NIL;
	List	   *committed = NIL;
	uint64		pos;
	ListCell   *lc;

	LWLockAcquire(queue->lock, LW_SHARED);
	for (pos = queue->head; pos < queue->tail; pos += record_at(pos)->size)
	{
		FlatRecord *rec = record_at(pos);

		if (rec->state == REC_CLAIMED && rec->database_id == database_id &&
			TransactionIdIsValid(rec->written_xid))
			claimed = lappend(claimed, record_at(pos));
	}
	LWLockRelease(queue->lock);

	/* No other writer serves this database: the claims cannot change. */
	foreach(lc, claimed)
	{
		FlatRecord *rec = (FlatRecord *) lfirst(lc);

		if (TransactionIdDidCommit(rec->written_xid))
			committed = lappend(committed, rec);
	}

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	for (pos = queue->head; pos < queue->tail; pos += record_at(pos)->size)
	{
		FlatRecord *rec = record_at(pos);

		if (rec->state != REC_CLAIMED || rec->database_id != database_id)
			continue;
		rec->state = list_member_ptr(committed, rec) ? REC_DONE : REC_PENDING;
		rec->written_xid = InvalidTransactionId;
	}
	queue_advance_head();
	LWLockRelease(queue->lock);
	list_free(claimed);
	list_free(committed);
}

/*
 * Claim up to max pending records of a database.  Returns copies, in
 * order, allocated in the current memory context; *positions receives
 * where they are.
 */
List *
safe_ddl_queue_claim(Oid database_id, int max, List **positions)
{
	List	   *records = NIL;
	uint64		pos;

	*positions = NIL;
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	for (pos = queue->head;
		 pos < queue->tail && list_length(records) < max;
		 pos += record_at(pos)->size)
	{
		FlatRecord *rec = record_at(pos);
		FlatRecord *copy;
		uint64	   *where;

		if (rec->state != REC_PENDING || rec->database_id != database_id)
			continue;
		rec->state = REC_CLAIMED;
		copy = palloc(rec->size);
		memcpy(copy, rec, rec->size);
		records = lappend(records, copy);
		where = palloc(sizeof(uint64));
		*where = pos;
		*positions = lappend(*positions, where);
	}
	LWLockRelease(queue->lock);
	return records;
}

/* Note the transaction that is inserting the claimed records' rows. */
void
safe_ddl_queue_note_xid(List *positions, TransactionId xid)
{
	ListCell   *lc;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	foreach(lc, positions)
		record_at(*(uint64 *) lfirst(lc))->written_xid = xid;
	LWLockRelease(queue->lock);
}

/* The claimed records are written (or logged): free their room. */
void
safe_ddl_queue_complete(List *positions, int written)
{
	ListCell   *lc;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	foreach(lc, positions)
		record_at(*(uint64 *) lfirst(lc))->state = REC_DONE;
	queue_advance_head();
	LWLockRelease(queue->lock);
	pg_atomic_fetch_add_u64(&queue->written, written);
}

/* The claimed records could not be written yet: pending again. */
void
safe_ddl_queue_unclaim(List *positions)
{
	ListCell   *lc;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	foreach(lc, positions)
	{
		FlatRecord *rec = record_at(*(uint64 *) lfirst(lc));

		rec->state = REC_PENDING;
		rec->written_xid = InvalidTransactionId;
	}
	LWLockRelease(queue->lock);
}

/* Records of a database (InvalidOid: of all), pending or claimed. */
int
safe_ddl_queue_count(Oid database_id)
{
	int			n = 0;
	uint64		pos;

	LWLockAcquire(queue->lock, LW_SHARED);
	for (pos = queue->head; pos < queue->tail; pos += record_at(pos)->size)
	{
		FlatRecord *rec = record_at(pos);

		if ((rec->state == REC_PENDING || rec->state == REC_CLAIMED) &&
			(database_id == InvalidOid || rec->database_id == database_id))
			n++;
	}
	LWLockRelease(queue->lock);
	return n;
}

/*
 * The counters of the stats view, and the ring's use; false when the
 * library was not preloaded (there is no queue).
 */
bool
safe_ddl_queue_counters(SafeDdlQueueCounters *counters)
{
	int			i;

	if (queue == NULL)
		return false;
	for (i = 0; i < SAFE_DDL_NUM_OUTCOMES; i++)
		counters->attempts[i] = pg_atomic_read_u64(&queue->attempts[i]);
	counters->queued = pg_atomic_read_u64(&queue->queued);
	counters->written = pg_atomic_read_u64(&queue->written);
	counters->logged = pg_atomic_read_u64(&queue->logged);
	counters->lock_retries = pg_atomic_read_u64(&queue->lock_retries);
	counters->pending = safe_ddl_queue_count(InvalidOid);
	LWLockAcquire(queue->lock, LW_SHARED);
	counters->bytes_used = queue->tail - queue->head;
	LWLockRelease(queue->lock);
	counters->launcher_running = safe_ddl_workers_launcher_running();
	return true;
}
