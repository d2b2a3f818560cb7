/*-------------------------------------------------------------------------
 *
 * inflight.h
 *		The attempts in progress, kept in shared memory so that a crash
 *		does not take their rows with it, with what each does to other
 *		sessions (inflight.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_INFLIGHT_H
#define SAFE_DDL_INFLIGHT_H

#include "storage/latch.h"
#include "storage/proc.h"

#include "row.h"
#include "safe_ddl.h"

/*
 * Attempts in progress at once (nested ones count, and those done whose
 * transaction is still open), across the server, and of one session: one
 * session's long transaction cannot take them all from the others.
 */
#define SAFE_DDL_INFLIGHT_SLOTS		512
#define SAFE_DDL_INFLIGHT_PER_SESSION	32

/* Bytes of a statement's text the running view shows, NUL included. */
#define SAFE_DDL_RUNNING_TEXT		1024

extern void safe_ddl_inflight_init(void);

/* backends: the crash row */
extern int	safe_ddl_inflight_begin(SafeDdlStatement *stmt);
extern void safe_ddl_inflight_written(int slot, SafeDdlFlatRow *row,
									  TransactionId xid);
extern void safe_ddl_inflight_end(int slot);
extern void safe_ddl_inflight_end_all(void);
extern int	safe_ddl_inflight_save_each(bool (*save) (SafeDdlFlatRow *row, void *arg),
										void *arg);

/* backends: what the attempt did to other sessions */
extern void safe_ddl_inflight_run_again(int slot);
extern void safe_ddl_inflight_statement_done(int slot);
extern void safe_ddl_inflight_impact(int slot, SafeDdlImpact *out);

/* the sampler (sampler.c) */
typedef struct SafeDdlInflightActive
{
	int			slot;
	uint64		generation;
	pid_t		pid;
	PGPROC	   *proc;
	bool		running;
} SafeDdlInflightActive;

extern void safe_ddl_inflight_set_sampler(Latch *latch);
extern void safe_ddl_inflight_sampler_asleep(bool asleep);
extern int	safe_ddl_inflight_active(SafeDdlInflightActive *out, int max);
extern void safe_ddl_inflight_sampled(const SafeDdlInflightActive *a,
									  TimestampTz now, bool waiting,
									  int blocked);

/* the running view */
typedef struct SafeDdlRunning
{
	pid_t		pid;
	TimestampTz started_at;
	bool		running;
	bool		waiting;
	double		lock_wait_ms;
	double		lock_held_ms;
	int			blocked_now;
	int			blocked_max;
	double		blocked_ms;
	char		database_name[NAMEDATALEN];
	char		command_tag[NAMEDATALEN];
	char		statement[SAFE_DDL_RUNNING_TEXT];
} SafeDdlRunning;

extern int	safe_ddl_inflight_running(SafeDdlRunning *out, int max);

#endif							/* SAFE_DDL_INFLIGHT_H */
