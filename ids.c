/*-------------------------------------------------------------------------
 *
 * ids.c
 *		The ids of audit rows: drawn from shared memory, in blocks reserved
 *		in the log's identity sequence.
 *
 * Not with nextval(): that makes the sequence the session's lastval(), so
 * that a DDL statement would change what SELECT lastval() returns to the
 * application (or make it fail on a sequence the role may not read).
 * setval() leaves lastval() alone, but costs a WAL record and a lock on
 * the sequence: too much for every row.  So ids are reserved ID_BLOCK at a
 * time, the way a sequence's CACHE does, except that the block is shared
 * by every backend of the database (and its writer): ids still increase
 * in the order rows are written.  The sequence's value is the highest id
 * reserved so far; a server restart leaves the rest of a block unused.
 *
 * A reservation reads the sequence and sets its new value under a lock on
 * the sequence that only this file takes, so reservations are serialized
 * and a block never overlaps another.  Its WAL record precedes the WAL of
 * every row that uses an id from the block: after a crash, a row that
 * survived has its block's reservation too.  A superuser's setval() on
 * the sequence takes effect when the block in hand is used up.
 *
 * Loaded without shared_preload_libraries there is no shared memory: every
 * id is then a reservation of one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/fmgrprotos.h"

#include "safe_ddl.h"

/* Ids reserved at a time: as many as nextval() WAL-logs at a time. */
#define ID_BLOCK		32

/* The logs (one per database) that can have a block in hand at once. */
#define ID_SLOTS		64

typedef struct IdSlot
{
	Oid			database_id;	/* InvalidOid: a free slot */
	Oid			sequence_id;
	int64		next;			/* ids next .. last are reserved, unused */
	int64		last;
	uint64		used;			/* when last drawn from, for eviction */
} IdSlot;

typedef struct IdsShared
{
	slock_t		mutex;
	uint64		clock;
	IdSlot		slots[ID_SLOTS];
} IdsShared;

static IdsShared *ids = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

#if PG_VERSION_NUM >= 150000
static void
ids_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(sizeof(IdsShared));
}
#endif

static void
ids_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ids = ShmemInitStruct("safe_ddl ids", sizeof(IdsShared), &found);
	if (!found)
	{
		memset(ids, 0, sizeof(IdsShared));
		SpinLockInit(&ids->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Called from _PG_init while shared_preload_libraries is processed.
 */
void
safe_ddl_ids_init(void)
{
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ids_shmem_request;
#else
	RequestAddinShmemSpace(sizeof(IdsShared));
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ids_shmem_startup;
}

/*
 * The slot of this database's log; with create, a slot for it (the least
 * recently used one when all are taken).  Called with the mutex held.
 */
static IdSlot *
find_slot(Oid seqid, bool create)
{
	IdSlot	   *victim = NULL;
	int			i;

	for (i = 0; i < ID_SLOTS; i++)
	{
		IdSlot	   *slot = &ids->slots[i];

		if (slot->database_id == MyDatabaseId && slot->sequence_id == seqid)
			return slot;
		if (victim == NULL || slot->used < victim->used)
			victim = slot;
	}
	if (!create)
		return NULL;

	victim->database_id = MyDatabaseId;
	victim->sequence_id = seqid;
	victim->next = 1;
	victim->last = 0;
	return victim;
}

/* An id from the block in hand, or 0 when there is none left. */
static int64
draw(Oid seqid)
{
	IdSlot	   *slot;
	int64		id = 0;

	SpinLockAcquire(&ids->mutex);
	slot = find_slot(seqid, false);
	if (slot != NULL && slot->next <= slot->last)
	{
		id = slot->next++;
		slot->used = ++ids->clock;
	}
	SpinLockRelease(&ids->mutex);
	return id;
}

/*
 * Reserve count ids after the sequence's value (and after last_given, the
 * last id this server handed out for the log), and return the first.
 * Runs as the bootstrap superuser: the log is written with the
 * extension's rights, not the user's; an error restores the user through
 * the transaction abort.  The caller holds the reservation lock.
 */
static int64
reserve(Oid seqid, int64 last_given, int count)
{
	Oid			save_userid;
	int			save_sec_context;
	LOCAL_FCINFO(fcinfo, 1);
	Datum		value;
	int64		first;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);

	/* NULL until the sequence's first value is taken: then that is 1 */
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seqid);
	fcinfo->args[0].isnull = false;
	value = pg_sequence_last_value(fcinfo);
	first = fcinfo->isnull ? 1 : DatumGetInt64(value) + 1;
	first = Max(first, last_given + 1);
	DirectFunctionCall3(setval3_oid, ObjectIdGetDatum(seqid),
						Int64GetDatum(first + count - 1), BoolGetDatum(true));

	SetUserIdAndSecContext(save_userid, save_sec_context);
	return first;
}

/*
 * The next id of the log whose identity sequence is seqid, in the current
 * database.
 */
int64
safe_ddl_next_audit_id(Oid seqid)
{
	IdSlot	   *slot;
	int64		id;
	int64		last_given;

	if (ids != NULL && (id = draw(seqid)) != 0)
		return id;

	/* Reserve a block; another backend may have done it meanwhile. */
	LockRelationOid(seqid, ShareUpdateExclusiveLock);
	if (ids == NULL)
	{
		id = reserve(seqid, 0, 1);
		UnlockRelationOid(seqid, ShareUpdateExclusiveLock);
		return id;
	}
	if ((id = draw(seqid)) == 0)
	{
		SpinLockAcquire(&ids->mutex);
		slot = find_slot(seqid, false);
		last_given = slot != NULL ? slot->last : 0;
		SpinLockRelease(&ids->mutex);

		id = reserve(seqid, last_given, ID_BLOCK);

		SpinLockAcquire(&ids->mutex);
		slot = find_slot(seqid, true);
		slot->next = id + 1;
		slot->last = id + ID_BLOCK - 1;
		slot->used = ++ids->clock;
		SpinLockRelease(&ids->mutex);
	}
	UnlockRelationOid(seqid, ShareUpdateExclusiveLock);
	return id;
}
