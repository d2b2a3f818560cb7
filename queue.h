/*-------------------------------------------------------------------------
 *
 * queue.h
 *		The writer's side of the audit queue (queue.c), used by writer.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_QUEUE_H
#define SAFE_DDL_QUEUE_H

#include "safe_ddl.h"

extern void safe_ddl_record_to_statement(void *record, SafeDdlStatement *stmt);

/* the launcher */
extern void safe_ddl_queue_set_launcher(bool running);
extern int	safe_ddl_queue_pending_databases(Oid *databases, int max);
extern int	safe_ddl_queue_reserve_writer(Oid database_id);
extern bool safe_ddl_queue_release_writer(int slot);
extern void safe_ddl_queue_log_database(Oid database_id, const char *why);

/* a writer */
extern Oid	safe_ddl_queue_writer_database(int slot);
extern bool safe_ddl_queue_writer_connected(int slot);
extern void safe_ddl_queue_writer_exited(int slot);
extern void safe_ddl_queue_recover_claims(Oid database_id);
extern List *safe_ddl_queue_claim(Oid database_id, int max, List **positions);
extern void safe_ddl_queue_note_xid(List *positions, TransactionId xid);
extern void safe_ddl_queue_complete(List *positions, int written);
extern void safe_ddl_queue_unclaim(List *positions);

#endif							/* SAFE_DDL_QUEUE_H */
