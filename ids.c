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
 * survived has its block's reservation too.
 *
 * The sequence is not the authority, though: a role with UPDATE on it can
 * move it.  A reservation also reads the highest id in the log through its
 * primary key, and does not follow a sequence that stands where safe_ddl
 * cannot have left it (behind the log, or far ahead of it; reserve()
 * says exactly where): such a move is logged and undone.  No reservation
 * goes past 2^63 - 1; the arithmetic is checked.
 *
 * Loaded without shared_preload_libraries there is no shared memory: every
 * id is then a reservation of one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "common/int.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "ids.h"

/* Ids reserved at a time: as many as nextval() WAL-logs at a time. */
#define ID_BLOCK		32

/*
 * How far ahead of the highest id in the log the sequence may stand when
 * this server has not reserved for the log yet (see reserve()).  Far more
 * than a restart skips or a purge of the newest rows removes; far less
 * than the 2^63 ids: moving it to the edge is not trusted.
 */
#define ID_TRUST_AHEAD	(INT64CONST(1) << 32)

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

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
ids_shmem_request(void)
{
	RequestAddinShmemSpace(sizeof(IdsShared));
}

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
	compat_request_shmem(ids_shmem_request);
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
 * The highest id in the log, read backwards through its primary key: any
 * row version counts (SnapshotAny), committed, in progress or rolled back
 * and not yet vacuumed, since each holds an id that was handed out.  0 for
 * an empty log; -1 when the log has no primary key on id to read it from
 * (a superuser dropped it).
 */
static int64
highest_logged_id(Relation log)
{
	Oid			pkid = compat_primary_key_index(log);
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	int64		highest = -1;

	if (!OidIsValid(pkid))
		return -1;
	index = index_open(pkid, AccessShareLock);
	if (index->rd_rel->relam == BTREE_AM_OID &&
		index->rd_index->indnatts == 1 &&
		TupleDescAttr(RelationGetDescr(log),
					  index->rd_index->indkey.values[0] - 1)->atttypid == INT8OID &&
		strcmp(NameStr(TupleDescAttr(RelationGetDescr(log),
									 index->rd_index->indkey.values[0] - 1)->attname),
			   "id") == 0)
	{
		AttrNumber	attnum = index->rd_index->indkey.values[0];

		slot = table_slot_create(log, NULL);
		scan = compat_index_beginscan(log, index, SnapshotAny);
		index_rescan(scan, NULL, 0, NULL, 0);
		highest = 0;
		if (index_getnext_slot(scan, BackwardScanDirection, slot))
		{
			bool		isnull;
			Datum		value = slot_getattr(slot, attnum, &isnull);

			if (!isnull)
				highest = Max(DatumGetInt64(value), 0);
		}
		index_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
	}
	index_close(index, AccessShareLock);
	return highest;
}

/*
 * Reserve count ids and return the first.  last_given is the last id this
 * server reserved for the log (0: none since it started, or its slot was
 * reused).  The caller holds the reservation lock.
 *
 * The ids must never repeat and never overflow, and no one but safe_ddl
 * should be able to stop DDL by moving the sequence: a member of
 * pg_write_all_data can setval() it to just below 2^63, which would make
 * every later reservation fail (and so every DDL statement); a setval()
 * backwards would make every ok row fail on a duplicate id.  So the
 * sequence is trusted only as far as it can legitimately be from the log,
 * the authority on which ids are taken (only safe_ddl and superusers write
 * it):
 *
 * - while this server has reserved for the log, the sequence stands at
 *   last_given: nobody else reserves, and this lock is held;
 * - after a restart, it may be ahead of the highest id in the log by the
 *   rest of a block, by the ids of rolled-back rows since vacuumed away,
 *   or by the newest rows a superuser deleted: up to ID_TRUST_AHEAD;
 * - it is never behind the highest id in the log.
 *
 * A sequence anywhere else was moved by someone else: that is logged, the
 * ids go on after the highest one known (in the log or given by this
 * server), and the reservation sets the sequence back in line.
 */
static int64
reserve(Relation log, Oid seqid, int64 last_given, int count)
{
	Oid			save_userid;
	int			save_sec_context;
	LOCAL_FCINFO(fcinfo, 1);
	Datum		value;
	int64		sequence;
	int64		logged;
	int64		taken;
	int64		trusted;
	int64		base;
	int64		last;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);

	/* NULL until the sequence's first value is taken: nothing reserved */
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seqid);
	fcinfo->args[0].isnull = false;
	value = pg_sequence_last_value(fcinfo);
	sequence = fcinfo->isnull ? 0 : DatumGetInt64(value);

	logged = highest_logged_id(log);
	taken = Max(last_given, Max(logged, 0));
	if (last_given > 0)
		trusted = last_given;
	else if (logged < 0 ||
			 pg_add_s64_overflow(logged, ID_TRUST_AHEAD, &trusted))
		trusted = PG_INT64_MAX;

	/* No room after the sequence's value is no better than a move. */
	if (sequence < taken || sequence > trusted ||
		pg_add_s64_overflow(sequence, count, &last))
	{
		ereport(LOG,
				(errmsg("safe_ddl: the audit id sequence of database \"%s\" stands at " INT64_FORMAT ", where safe_ddl did not leave it",
						get_database_name(MyDatabaseId), sequence),
				 errdetail("The highest id in the log is " INT64_FORMAT "; ids go on from " INT64_FORMAT ", and the sequence is set back in line.",
						   logged, taken + 1),
				 errhint("Only safe_ddl should move the sequence; a role with UPDATE on it, or a superuser, did.")));
		base = taken;
	}
	else
		base = sequence;

	if (pg_add_s64_overflow(base, count, &last))
		ereport(ERROR,
				(errcode(ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED),
				 errmsg("safe_ddl has no audit ids left in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errdetail("The highest id in safe_ddl.audit_log is " INT64_FORMAT ".",
						   taken),
				 errhint("A superuser can renumber the log's rows, or set safe_ddl.audit = off.")));

	DirectFunctionCall3(setval3_oid, ObjectIdGetDatum(seqid),
						Int64GetDatum(last), BoolGetDatum(true));

	SetUserIdAndSecContext(save_userid, save_sec_context);
	return base + 1;
}

/*
 * The next id of the log (open, with its identity sequence seqid) in the
 * current database.
 */
int64
safe_ddl_next_audit_id(Relation log, Oid seqid)
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
		id = reserve(log, seqid, 0, 1);
		UnlockRelationOid(seqid, ShareUpdateExclusiveLock);
		return id;
	}
	if ((id = draw(seqid)) == 0)
	{
		SpinLockAcquire(&ids->mutex);
		slot = find_slot(seqid, false);
		last_given = slot != NULL ? slot->last : 0;
		SpinLockRelease(&ids->mutex);

		id = reserve(log, seqid, last_given, ID_BLOCK);

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
