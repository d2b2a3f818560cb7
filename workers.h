/*-------------------------------------------------------------------------
 *
 * workers.h
 *		Who writes the queued rows (workers.c): the launcher and the writer
 *		it starts for each database, in shared memory, and how a backend
 *		wakes the one that will write its row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_WORKERS_H
#define SAFE_DDL_WORKERS_H

extern void safe_ddl_workers_init(void);

/* backends */
extern void safe_ddl_workers_wake(Oid database_id);
extern bool safe_ddl_workers_launcher_running(void);

/* the launcher */
extern void safe_ddl_workers_set_launcher(bool running);
extern int	safe_ddl_workers_reserve(Oid database_id);
extern bool safe_ddl_workers_release(int slot);

/* a writer */
extern Oid	safe_ddl_workers_database(int slot);
extern bool safe_ddl_workers_connected(int slot);
extern void safe_ddl_workers_exited(int slot);

#endif							/* SAFE_DDL_WORKERS_H */
