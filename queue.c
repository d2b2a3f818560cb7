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
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "safe_ddl.h"
#include "queue.h"

PG_FUNCTION_INFO_V1(safe_ddl_stats);
PG_FUNCTION_INFO_V1(safe_ddl_wait_for_queue);

#define QUEUE_DUMP_FILE		PGSTAT_STAT_PERMANENT_DIRECTORY "/safe_ddl_queue.dat"
#define QUEUE_DUMP_MAGIC	0x5344444C	/* "SDDL" */

/* How long a backend waits for room before it logs the record instead. */
#define QUEUE_WAIT_MS		1000
#define QUEUE_WAIT_STEP_MS	10

const char *const safe_ddl_outcome_names[SAFE_DDL_NUM_OUTCOMES] = {
	[SAFE_DDL_OUTCOME_OK] = "ok",
	[SAFE_DDL_OUTCOME_REFUSED] = "refused",
	[SAFE_DDL_OUTCOME_FAILED] = "failed",
	[SAFE_DDL_OUTCOME_ROLLED_BACK] = "rolled_back",
};

/* The text fields of a record, each stored NUL-terminated. */
typedef enum RecordField
{
	F_DATABASE_NAME,
	F_SESSION_USER_NAME,
	F_CURRENT_USER_NAME,
	F_APPLICATION_NAME,
	F_CLIENT_ADDR,
	F_COMMAND_TAG,
	F_OBJECT_TYPE,
	F_IDENTITIES,				/* a list: strings one after another */
	F_STATEMENT,
	F_POLICY_VIOLATION,
	F_SQLSTATE,
	F_ERROR_MESSAGE,
	F_LOCK_MODE,
	F_REWRITES,
	F_RULES,					/* a list */
	NUM_FIELDS
} RecordField;

typedef enum RecordState
{
	REC_PENDING = 1,
	REC_CLAIMED,
	REC_DONE,
	REC_PADDING					/* fills the end of the ring */
} RecordState;

/* One audit row, flat, as it travels through the ring. */
typedef struct FlatRecord
{
	uint32		size;			/* bytes, header included, MAXALIGNed */
	uint32		state;			/* RecordState, in the ring */
	TransactionId written_xid;	/* the writer transaction inserting it */
	Oid			database_id;
	int32		outcome;
	int32		backend_pid;
	int32		lock_timeout_ms;
	int32		statement_timeout_ms;
	TimestampTz started_at;
	double		duration_ms;
	uint64		xid;			/* FullTransactionId, 0 for none */
	int32		len[NUM_FIELDS];	/* bytes with NULs; -1 for NULL */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} FlatRecord;

#define RECORD_HEADER_SIZE	MAXALIGN(offsetof(FlatRecord, data))
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

typedef struct QueueShared
{
	LWLock	   *lock;
	uint64		head;			/* position of the oldest record */
	uint64		tail;			/* position after the newest record */
	uint64		capacity;		/* bytes in ring[] */
	pid_t		launcher_pid;
	Latch	   *launcher_latch;
	WriterSlot	writers[MAX_WRITERS];
	pg_atomic_uint64 attempts[SAFE_DDL_NUM_OUTCOMES];
	pg_atomic_uint64 queued;	/* records handed to the writer */
	pg_atomic_uint64 written;	/* rows the writer inserted */
	pg_atomic_uint64 logged;	/* records sent to the server log instead */
	char		ring[FLEXIBLE_ARRAY_MEMBER];
} QueueShared;

static QueueShared *queue = NULL;

static void queue_forget_stale_writers(void);

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
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

#if PG_VERSION_NUM >= 150000
static void
queue_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	queue_request();
}
#endif

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
		rec->size >= RECORD_HEADER_SIZE;
}

/*
 * At postmaster exit, normal or before a crash reset: save the records
 * not yet written.  No lock: every other process is gone.
 */
static void
queue_dump(int code, Datum arg)
{
	FILE	   *file;
	uint64		pos;
	uint32		magic = QUEUE_DUMP_MAGIC;
	int			saved = 0;

	if (queue == NULL || queue->head == queue->tail)
		return;

	file = AllocateFile(QUEUE_DUMP_FILE ".tmp", PG_BINARY_W);
	if (file == NULL)
		goto error;
	if (fwrite(&magic, sizeof(magic), 1, file) != 1)
		goto error;
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
			if (fwrite(rec, rec->size, 1, file) != 1)
				goto error;
			saved++;
		}
		pos += rec->size;
	}
	if (FreeFile(file))
	{
		file = NULL;
		goto error;
	}
	(void) durable_rename(QUEUE_DUMP_FILE ".tmp", QUEUE_DUMP_FILE, LOG);
	ereport(LOG,
			(errmsg("safe_ddl: saved %d audit records not yet written", saved)));
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", QUEUE_DUMP_FILE ".tmp")));
	if (file)
		FreeFile(file);
	unlink(QUEUE_DUMP_FILE ".tmp");
}

/* At start: load what the last exit saved. */
static void
queue_load(void)
{
	FILE	   *file;
	uint32		magic;
	FlatRecord	header;
	int			loaded = 0;
	int			dropped = 0;

	file = AllocateFile(QUEUE_DUMP_FILE, PG_BINARY_R);
	if (file == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", QUEUE_DUMP_FILE)));
		return;
	}

	if (fread(&magic, sizeof(magic), 1, file) != 1 || magic != QUEUE_DUMP_MAGIC)
		goto done;

	while (fread(&header, RECORD_HEADER_SIZE, 1, file) == 1)
	{
		FlatRecord *rec;

		if (header.size < RECORD_HEADER_SIZE || header.size > queue->capacity)
			break;
		rec = palloc(header.size);
		memcpy(rec, &header, RECORD_HEADER_SIZE);
		if (header.size > RECORD_HEADER_SIZE &&
			fread((char *) rec + RECORD_HEADER_SIZE,
				  header.size - RECORD_HEADER_SIZE, 1, file) != 1)
		{
			pfree(rec);
			break;
		}
		if (queue_append(rec))
			loaded++;
		else
		{
			SafeDdlStatement stmt;

			safe_ddl_record_to_statement(rec, &stmt);
			safe_ddl_log_record(&stmt, "queue full when loading saved records");
			dropped++;
		}
		pfree(rec);
	}

done:
	FreeFile(file);
	unlink(QUEUE_DUMP_FILE);
	if (loaded > 0 || dropped > 0)
		ereport(LOG,
				(errmsg("safe_ddl: loaded %d saved audit records", loaded)));
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
	}
	LWLockRelease(AddinShmemInitLock);

	/* The postmaster saves and loads the records across restarts. */
	if (!IsUnderPostmaster)
	{
		queue_load();
		on_shmem_exit(queue_dump, (Datum) 0);
	}
}

/*
 * Called from _PG_init while shared_preload_libraries is processed.
 */
void
safe_ddl_queue_init(void)
{
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = queue_shmem_request;
#else
	queue_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = queue_shmem_startup;
}

/* ----------------------------------------------------------------
 * Records
 * ----------------------------------------------------------------
 */

static const char *
field_value(SafeDdlStatement *stmt, RecordField f)
{
	switch (f)
	{
		case F_DATABASE_NAME:
			return stmt->database_name;
		case F_SESSION_USER_NAME:
			return stmt->session_user_name;
		case F_CURRENT_USER_NAME:
			return stmt->current_user_name;
		case F_APPLICATION_NAME:
			return stmt->application_name;
		case F_CLIENT_ADDR:
			return stmt->client_addr;
		case F_COMMAND_TAG:
			return stmt->command_tag;
		case F_OBJECT_TYPE:
			return stmt->object_type;
		case F_STATEMENT:
			return stmt->statement;
		case F_POLICY_VIOLATION:
			return stmt->policy_violation;
		case F_SQLSTATE:
			return stmt->sqlstate;
		case F_ERROR_MESSAGE:
			return stmt->error_message;
		case F_LOCK_MODE:
			return stmt->lock_mode;
		case F_REWRITES:
			return stmt->rewrites;
		case F_IDENTITIES:
		case F_RULES:
		case NUM_FIELDS:
			break;
	}
	return NULL;
}

static List *
field_list(SafeDdlStatement *stmt, RecordField f)
{
	return f == F_IDENTITIES ? stmt->identities :
		f == F_RULES ? stmt->rules : NIL;
}

static bool
field_is_list(RecordField f)
{
	return f == F_IDENTITIES || f == F_RULES;
}

/*
 * A flat copy of an attempt, allocated in context.  This runs in error
 * handling too: no catalog access, nothing that can fail but palloc.
 */
void *
safe_ddl_record_flatten(SafeDdlStatement *stmt, MemoryContext context)
{
	int32		len[NUM_FIELDS];
	Size		size = RECORD_HEADER_SIZE;
	FlatRecord *rec;
	char	   *p;
	int			f;
	ListCell   *lc;

	for (f = 0; f < NUM_FIELDS; f++)
	{
		if (field_is_list(f))
		{
			len[f] = 0;
			foreach(lc, field_list(stmt, f))
				len[f] += strlen((char *) lfirst(lc)) + 1;
		}
		else
		{
			const char *value = field_value(stmt, f);

			len[f] = value ? (int32) strlen(value) + 1 : -1;
		}
		if (len[f] > 0)
			size += len[f];
	}
	size = MAXALIGN(size);

	rec = MemoryContextAllocZero(context, size);
	rec->size = (uint32) size;
	rec->state = REC_PENDING;
	rec->written_xid = InvalidTransactionId;
	rec->database_id = stmt->database_id;
	rec->outcome = stmt->outcome;
	rec->backend_pid = stmt->backend_pid;
	rec->lock_timeout_ms = stmt->lock_timeout_ms;
	rec->statement_timeout_ms = stmt->statement_timeout_ms;
	rec->started_at = stmt->started_at;
	rec->duration_ms = stmt->duration_ms;
	rec->xid = FullTransactionIdIsValid(stmt->xid) ?
		U64FromFullTransactionId(stmt->xid) : 0;
	memcpy(rec->len, len, sizeof(len));

	p = (char *) rec + RECORD_HEADER_SIZE;
	for (f = 0; f < NUM_FIELDS; f++)
	{
		if (field_is_list(f))
		{
			foreach(lc, field_list(stmt, f))
			{
				size_t		n = strlen((char *) lfirst(lc)) + 1;

				memcpy(p, lfirst(lc), n);
				p += n;
			}
		}
		else if (len[f] > 0)
		{
			memcpy(p, field_value(stmt, f), len[f]);
			p += len[f];
		}
	}
	return rec;
}

void
safe_ddl_record_set_outcome(void *record, SafeDdlOutcome outcome)
{
	((FlatRecord *) record)->outcome = outcome;
}

static List *
split_list(const char *p, int32 len)
{
	List	   *result = NIL;
	const char *end = p + len;

	while (p < end)
	{
		result = lappend(result, (char *) p);
		p += strlen(p) + 1;
	}
	return result;
}

/*
 * Fill stmt from a flat record; its strings point into the record.
 */
void
safe_ddl_record_to_statement(void *record, SafeDdlStatement *stmt)
{
	FlatRecord *rec = (FlatRecord *) record;
	const char *p = (char *) rec + RECORD_HEADER_SIZE;
	const char *value[NUM_FIELDS];
	int			f;

	memset(stmt, 0, sizeof(SafeDdlStatement));
	for (f = 0; f < NUM_FIELDS; f++)
	{
		value[f] = rec->len[f] >= 0 ? p : NULL;
		if (rec->len[f] > 0)
			p += rec->len[f];
	}

	stmt->database_id = rec->database_id;
	stmt->outcome = (SafeDdlOutcome) rec->outcome;
	stmt->backend_pid = rec->backend_pid;
	stmt->lock_timeout_ms = rec->lock_timeout_ms;
	stmt->statement_timeout_ms = rec->statement_timeout_ms;
	stmt->started_at = rec->started_at;
	stmt->duration_ms = rec->duration_ms;
	stmt->xid = rec->xid ? FullTransactionIdFromU64(rec->xid) :
		InvalidFullTransactionId;
	stmt->database_name = value[F_DATABASE_NAME];
	stmt->session_user_name = value[F_SESSION_USER_NAME];
	stmt->current_user_name = value[F_CURRENT_USER_NAME];
	stmt->application_name = value[F_APPLICATION_NAME];
	stmt->client_addr = value[F_CLIENT_ADDR];
	stmt->command_tag = value[F_COMMAND_TAG];
	stmt->object_type = value[F_OBJECT_TYPE];
	stmt->identities = split_list(value[F_IDENTITIES], rec->len[F_IDENTITIES]);
	stmt->statement = (char *) value[F_STATEMENT];
	stmt->policy_violation = value[F_POLICY_VIOLATION];
	stmt->sqlstate = value[F_SQLSTATE];
	stmt->error_message = value[F_ERROR_MESSAGE];
	stmt->lock_mode = value[F_LOCK_MODE];
	stmt->rewrites = value[F_REWRITES];
	stmt->rules = split_list(value[F_RULES], rec->len[F_RULES]);
}

static void
json_field(StringInfo buf, const char *name, const char *value)
{
	appendStringInfo(buf, ",\"%s\":", name);
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

static void
json_list(StringInfo buf, const char *name, List *values)
{
	ListCell   *lc;

	appendStringInfo(buf, ",\"%s\":[", name);
	foreach(lc, values)
	{
		if (lc != list_head(values))
			appendStringInfoChar(buf, ',');
		escape_json(buf, (char *) lfirst(lc));
	}
	appendStringInfoChar(buf, ']');
}

/*
 * Send an audit row to the server log, as one line of JSON after a fixed
 * prefix, when it cannot reach the table.
 */
void
safe_ddl_log_record(SafeDdlStatement *stmt, const char *why)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"started_at\":\"%s\"",
					 timestamptz_to_str(stmt->started_at));
	appendStringInfo(&buf, ",\"duration_ms\":%.3f", stmt->duration_ms);
	json_field(&buf, "database_name", stmt->database_name);
	json_field(&buf, "session_user_name", stmt->session_user_name);
	json_field(&buf, "current_user_name", stmt->current_user_name);
	json_field(&buf, "application_name", stmt->application_name);
	json_field(&buf, "client_addr", stmt->client_addr);
	appendStringInfo(&buf, ",\"backend_pid\":%d", stmt->backend_pid);
	if (FullTransactionIdIsValid(stmt->xid))
		appendStringInfo(&buf, ",\"xid\":" UINT64_FORMAT,
						 U64FromFullTransactionId(stmt->xid));
	else
		appendStringInfoString(&buf, ",\"xid\":null");
	json_field(&buf, "command_tag", stmt->command_tag);
	json_field(&buf, "object_type", stmt->object_type);
	json_list(&buf, "object_identities", stmt->identities);
	json_field(&buf, "statement", stmt->statement);
	appendStringInfo(&buf, ",\"lock_timeout_ms\":%d,\"statement_timeout_ms\":%d",
					 stmt->lock_timeout_ms, stmt->statement_timeout_ms);
	json_field(&buf, "outcome", safe_ddl_outcome_names[stmt->outcome]);
	json_field(&buf, "policy_violation", stmt->policy_violation);
	json_field(&buf, "sqlstate", stmt->sqlstate);
	json_field(&buf, "error_message", stmt->error_message);
	json_field(&buf, "lock_mode", stmt->lock_mode);
	json_field(&buf, "rewrites", stmt->rewrites);
	json_list(&buf, "rules", stmt->rules);
	appendStringInfoChar(&buf, '}');

	ereport(LOG,
			(errmsg("safe_ddl audit record (%s): %s", why, buf.data),
			 errhidestmt(true)));
	pfree(buf.data);
	if (queue)
		pg_atomic_fetch_add_u64(&queue->logged, 1);
}

/* ----------------------------------------------------------------
 * Backends
 * ----------------------------------------------------------------
 */

/* Wake the writer of a database, or the launcher when it has none. */
static void
wake_writer(Oid database_id)
{
	int			i;

	for (i = 0; i < MAX_WRITERS; i++)
		if (queue->writers[i].state == WRITER_CONNECTED &&
			queue->writers[i].database_id == database_id &&
			queue->writers[i].latch)
		{
			SetLatch(queue->writers[i].latch);
			return;
		}
	if (queue->launcher_latch)
		SetLatch(queue->launcher_latch);
}

/*
 * Hand a flat record to the writer.  When the ring stays full, or there is
 * no writer to empty it, the record goes to the server log instead.
 */
void
safe_ddl_queue_push(void *record)
{
	FlatRecord *rec = (FlatRecord *) record;
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
			bool		writer_running;

			LWLockAcquire(queue->lock, LW_EXCLUSIVE);
			if (queue_append(rec))
			{
				wake_writer(rec->database_id);
				LWLockRelease(queue->lock);
				pg_atomic_fetch_add_u64(&queue->queued, 1);
				return;
			}
			writer_running = (queue->launcher_pid != 0);
			if (writer_running)
				wake_writer(rec->database_id);
			LWLockRelease(queue->lock);

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

	safe_ddl_record_to_statement(rec, &stmt);
	safe_ddl_log_record(&stmt, why);
}

void
safe_ddl_count_attempt(SafeDdlOutcome outcome, int n)
{
	if (queue)
		pg_atomic_fetch_add_u64(&queue->attempts[outcome], n);
}

/* ----------------------------------------------------------------
 * The launcher and the writers
 * ----------------------------------------------------------------
 */

void
safe_ddl_queue_set_launcher(bool running)
{
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	if (running)
		queue_forget_stale_writers();
	queue->launcher_pid = running ? MyProcPid : 0;
	queue->launcher_latch = running ? MyLatch : NULL;
	LWLockRelease(queue->lock);
}

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
 * The launcher reserves a writer slot for a database before it starts the
 * writer; the writer marks it connected once it is in.  A slot released
 * while still "starting" tells the launcher the writer never got in (the
 * database is gone, say).  Returns the slot, or -1 when all are taken or
 * the database already has one.
 */
int
safe_ddl_queue_reserve_writer(Oid database_id)
{
	int			i;
	int			free_slot = -1;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	for (i = 0; i < MAX_WRITERS; i++)
	{
		if ((queue->writers[i].state == WRITER_STARTING ||
			 queue->writers[i].state == WRITER_CONNECTED) &&
			queue->writers[i].database_id == database_id)
		{
			free_slot = -1;
			break;
		}
		if (queue->writers[i].state == WRITER_FREE && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0)
	{
		queue->writers[free_slot].state = WRITER_STARTING;
		queue->writers[free_slot].database_id = database_id;
		queue->writers[free_slot].latch = NULL;
		queue->writers[free_slot].orphan = false;
	}
	LWLockRelease(queue->lock);
	return free_slot;
}

/* The launcher frees a stopped writer's slot: did that writer get in? */
bool
safe_ddl_queue_release_writer(int slot)
{
	bool		connected;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	connected = (queue->writers[slot].state != WRITER_STARTING);
	queue->writers[slot].state = WRITER_FREE;
	queue->writers[slot].database_id = InvalidOid;
	queue->writers[slot].latch = NULL;
	LWLockRelease(queue->lock);
	return connected;
}

/*
 * A restarted launcher lost its handles: forget slots of gone writers, and
 * let the writers still running free their own slots when they leave.
 */
static void
queue_forget_stale_writers(void)
{
	int			i;

	for (i = 0; i < MAX_WRITERS; i++)
	{
		if (queue->writers[i].state == WRITER_CONNECTED)
			queue->writers[i].orphan = true;
		else
		{
			queue->writers[i].state = WRITER_FREE;
			queue->writers[i].database_id = InvalidOid;
			queue->writers[i].latch = NULL;
		}
	}
}

Oid
safe_ddl_queue_writer_database(int slot)
{
	Oid			database_id;

	LWLockAcquire(queue->lock, LW_SHARED);
	database_id = queue->writers[slot].database_id;
	LWLockRelease(queue->lock);
	return database_id;
}

bool
safe_ddl_queue_writer_connected(int slot)
{
	bool		ok;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	ok = (queue->writers[slot].state == WRITER_STARTING &&
		  queue->writers[slot].database_id == MyDatabaseId);
	if (ok)
	{
		queue->writers[slot].state = WRITER_CONNECTED;
		queue->writers[slot].latch = MyLatch;
	}
	LWLockRelease(queue->lock);
	return ok;
}

void
safe_ddl_queue_writer_exited(int slot)
{
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	if (queue->writers[slot].state == WRITER_CONNECTED &&
		queue->writers[slot].latch == MyLatch)
	{
		queue->writers[slot].state = queue->writers[slot].orphan ?
			WRITER_FREE : WRITER_EXITED;
		queue->writers[slot].latch = NULL;
	}
	LWLockRelease(queue->lock);
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

		safe_ddl_record_to_statement(lfirst(lc), &stmt);
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

/* Records of a database, pending or claimed. */
static int
queue_count(Oid database_id)
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

/* ----------------------------------------------------------------
 * SQL functions
 * ----------------------------------------------------------------
 */

/*
 * safe_ddl.stats(): counters since the server started.
 */
Datum
safe_ddl_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10] = {0};
	int			i;
	uint64		used;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (queue == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("safe_ddl must be loaded via shared_preload_libraries")));

	for (i = 0; i < SAFE_DDL_NUM_OUTCOMES; i++)
		values[i] = Int64GetDatum((int64) pg_atomic_read_u64(&queue->attempts[i]));
	values[4] = Int64GetDatum((int64) pg_atomic_read_u64(&queue->queued));
	values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&queue->written));
	values[6] = Int64GetDatum((int64) pg_atomic_read_u64(&queue->logged));
	values[7] = Int64GetDatum((int64) queue_count(InvalidOid));
	LWLockAcquire(queue->lock, LW_SHARED);
	used = queue->tail - queue->head;
	values[9] = BoolGetDatum(queue->launcher_pid != 0);
	LWLockRelease(queue->lock);
	values[8] = Int64GetDatum((int64) used);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * safe_ddl.wait_for_queue(timeout): wait until the writer has written
 * every record of this database; false if the timeout came first.
 */
Datum
safe_ddl_wait_for_queue(PG_FUNCTION_ARGS)
{
	Interval   *timeout = PG_GETARG_INTERVAL_P(0);
	TimestampTz deadline;

	if (queue == NULL)
		PG_RETURN_BOOL(true);

	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(GetCurrentTimestamp()),
													   IntervalPGetDatum(timeout)));
	for (;;)
	{
		if (queue_count(MyDatabaseId) == 0)
			PG_RETURN_BOOL(true);
		if (GetCurrentTimestamp() >= deadline)
			PG_RETURN_BOOL(false);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}
