/*-------------------------------------------------------------------------
 *
 * queue.h
 *		The shared-memory queue of audit rows on their way to the writer
 *		(queue.c), the file that keeps them across a restart (queue_file.c),
 *		and the counters of the stats view.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_QUEUE_H
#define SAFE_DDL_QUEUE_H

#include "port/atomics.h"

#include "row.h"
#include "safe_ddl.h"

extern void safe_ddl_queue_init(void);

/* backends */
extern void safe_ddl_queue_push(SafeDdlFlatRow *row);
extern void safe_ddl_count_attempt(SafeDdlOutcome outcome, int n);
extern void safe_ddl_count_lock_retry(void);
extern void safe_ddl_log_record(SafeDdlStatement *stmt, const char *why);

/* the launcher */
extern int	safe_ddl_queue_pending_databases(Oid *databases, int max);
extern void safe_ddl_queue_log_database(Oid database_id, const char *why);

/* a writer */
extern void safe_ddl_queue_recover_claims(Oid database_id);
extern List *safe_ddl_queue_claim(Oid database_id, int max, List **positions);
extern void safe_ddl_queue_note_xid(List *positions, TransactionId xid);
extern void safe_ddl_queue_complete(List *positions, int written);
extern void safe_ddl_queue_unclaim(List *positions);

/* the saved file (queue_file.c), and what it needs of the ring */
extern void safe_ddl_queue_file_load(void);
extern void safe_ddl_queue_file_save(int code, Datum arg);
extern int	safe_ddl_queue_save_each(bool (*save) (SafeDdlFlatRow *row, void *arg),
									 void *arg);
extern bool safe_ddl_queue_append_loaded(SafeDdlFlatRow *row);

/* the stats view and wait_for_queue() (stats.c) */
typedef struct SafeDdlQueueCounters
{
	uint64		attempts[SAFE_DDL_NUM_OUTCOMES];
	uint64		queued;
	uint64		written;
	uint64		logged;
	int			pending;
	uint64		bytes_used;
	bool		launcher_running;
	uint64		lock_retries;
} SafeDdlQueueCounters;

extern bool safe_ddl_queue_counters(SafeDdlQueueCounters *counters);
extern int	safe_ddl_queue_count(Oid database_id);

#endif							/* SAFE_DDL_QUEUE_H */
