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
 * The slot also holds what the attempt does to other sessions (see
 * sampler.c): the launcher's sampler writes the figures while the
 * statement runs and until its transaction ends, the backend reads them
 * when it writes the row, and the running view shows them.  They have a
 * spinlock per slot of their own; the backend takes it a few times per
 * attempt, never while it waits.
 *
 * Not preloaded there is no shared memory: nothing is kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "port/atomics.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "compat.h"
#include "inflight.h"

#define INFLIGHT_SLOTS		SAFE_DDL_INFLIGHT_SLOTS

/* Room for a row; a longer statement is clipped to fit. */
#define INFLIGHT_ROW_SIZE	4096

/* The slot states, stored in the row's header "state". */
#define SLOT_FREE			0
#define SLOT_RUNNING		1	/* the statement runs: failed if it crashes */
#define SLOT_WRITTEN		2	/* ok row written by written_xid */

/*
 * What the attempt does to other sessions, and what the running view
 * shows of it: under mutex.  The backend sets it up (active) before its
 * statement runs and takes it down (inactive, generation moved on) when
 * the slot is freed; the sampler adds to the figures of an active slot of
 * the generation it looked at.
 */
typedef struct InflightImpact
{
	slock_t		mutex;
	bool		active;			/* sampled: an attempt with sampling on */
	bool		running;		/* its statement runs (else: transaction open) */
	bool		waiting;		/* last sample: waiting for a heavyweight lock */
	uint64		generation;		/* moves on each time the slot is taken */
	pid_t		pid;
	PGPROC	   *proc;			/* the backend's */
	TimestampTz row_started_at; /* the row's started_at */
	TimestampTz started_at;		/* its statement started running */
	TimestampTz run_started_at; /* its last run did (lock retries) */
	TimestampTz ended_at;		/* its statement ended (once not running) */
	TimestampTz last_sample;	/* started_at until the first sample */
	double		lock_wait_ms;	/* of all its runs */
	double		run_lock_wait_ms;	/* of its last run */
	int			blocked_now;
	int			blocked_max;
	double		blocked_ms;
	char		database_name[NAMEDATALEN];
	char		command_tag[NAMEDATALEN];
	char		statement[SAFE_DDL_RUNNING_TEXT];
} InflightImpact;

typedef struct InflightSlot
{
	pid_t		pid;
	InflightImpact impact;
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
	Latch	   *sampler_latch;	/* the launcher's, while it runs */
	pg_atomic_uint32 sampler_asleep;	/* it needs a wake-up to sample */
	InflightSlot slots[INFLIGHT_SLOTS];
} InflightShared;

static InflightShared *inflight = NULL;

/* The slots this session holds (at most SAFE_DDL_INFLIGHT_PER_SESSION). */
static int	slots_held = 0;

/*
 * The figures of a slot this session holds, or NULL: no slot, or one not
 * (any more) this session's, ended already and maybe taken by another.
 */
static InflightImpact *
own_impact(int slot)
{
	if (slot < 0 || inflight == NULL || inflight->slots[slot].pid != MyProcPid)
		return NULL;
	return &inflight->slots[slot].impact;
}
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
		int			i;

		memset(inflight, 0, sizeof(InflightShared));
		SpinLockInit(&inflight->mutex);
		pg_atomic_init_u32(&inflight->sampler_asleep, 1);
		for (i = 0; i < INFLIGHT_SLOTS; i++)
			SpinLockInit(&inflight->slots[i].impact.mutex);
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

static void
impact_begin(InflightImpact *impact, SafeDdlStatement *stmt)
{
	bool		sampled = safe_ddl_sample_interval > 0;
	TimestampTz now = GetCurrentTimestamp();
	const char *text = stmt->what.statement ? stmt->what.statement : "";
	int			len = strlen(text);

	/*
	 * What the running view shows, the text clipped on a character
	 * boundary: only this backend writes it, and nobody reads it until the
	 * slot is active.
	 */
	if (len >= SAFE_DDL_RUNNING_TEXT)
		len = pg_mbcliplen(text, len, SAFE_DDL_RUNNING_TEXT - 1);
	memcpy(impact->statement, text, len);
	impact->statement[len] = '\0';
	strlcpy(impact->database_name, stmt->session.database_name ?
			stmt->session.database_name : "", NAMEDATALEN);
	strlcpy(impact->command_tag, stmt->what.command_tag ?
			stmt->what.command_tag : "", NAMEDATALEN);

	SpinLockAcquire(&impact->mutex);
	impact->active = sampled;
	impact->running = true;
	impact->waiting = false;
	impact->generation++;
	impact->pid = MyProcPid;
	impact->proc = MyProc;
	impact->row_started_at = stmt->session.started_at;
	impact->started_at = now;
	impact->run_started_at = now;
	impact->ended_at = 0;
	impact->last_sample = now;
	impact->lock_wait_ms = 0;
	impact->run_lock_wait_ms = 0;
	impact->blocked_now = 0;
	impact->blocked_max = 0;
	impact->blocked_ms = 0;
	SpinLockRelease(&impact->mutex);

	/*
	 * A sampler with nothing to sample sleeps: wake it.  It says it is
	 * asleep before it looks at the slots one last time, so that either it
	 * sees this one or this backend sees that it sleeps.
	 */
	if (sampled)
	{
		pg_memory_barrier();
		if (pg_atomic_read_u32(&inflight->sampler_asleep) != 0)
		{
			Latch	   *latch = inflight->sampler_latch;

			if (latch != NULL)
				SetLatch(latch);
		}
	}
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

	if (inflight == NULL || slots_held >= SAFE_DDL_INFLIGHT_PER_SESSION ||
		(row = crash_row(stmt)) == NULL)
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
	slots_held++;

	/* Only this backend writes the slot it took. */
	memcpy(&inflight->slots[i].data.row, row, row->size);
	inflight->slots[i].data.row.written_xid = InvalidTransactionId;
	pg_write_barrier();
	inflight->slots[i].data.row.state = SLOT_RUNNING;
	pfree(row);
	impact_begin(&inflight->slots[i].impact, stmt);
	return i;
}

/*
 * The ok row is written by xid: after a crash its copy here stands as
 * rolled_back, unless xid committed.
 */
void
safe_ddl_inflight_written(int slot, SafeDdlFlatRow *row, TransactionId xid)
{
	InflightSlot *s;

	if (own_impact(slot) == NULL)
		return;
	s = &inflight->slots[slot];
	s->data.row.state = SLOT_FREE;
	pg_write_barrier();
	if (row->size <= INFLIGHT_ROW_SIZE)
	{
		memcpy(&s->data.row, row, row->size);
		safe_ddl_row_set_outcome(&s->data.row, SAFE_DDL_OUTCOME_ROLLED_BACK);
		s->data.row.written_xid = xid;
		pg_write_barrier();
		s->data.row.state = SLOT_WRITTEN;
	}
}

void
safe_ddl_inflight_end(int slot)
{
	InflightImpact *impact;

	if ((impact = own_impact(slot)) == NULL)
		return;
	SpinLockAcquire(&impact->mutex);
	impact->active = false;
	impact->generation++;
	SpinLockRelease(&impact->mutex);
	inflight->slots[slot].data.row.state = SLOT_FREE;
	pg_write_barrier();
	inflight->slots[slot].pid = 0;
	slots_held--;
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

/* ----------------------------------------------------------------
 * What an attempt does to other sessions
 * ----------------------------------------------------------------
 */

static double
ms_between(TimestampTz from, TimestampTz to)
{
	return to > from ? (double) (to - from) / 1000.0 : 0.0;
}

/*
 * The slot's statement has ended (its transaction goes on): its lock wait
 * is final, its locks are held until the slot is freed.  A statement the
 * last sample saw waiting for a lock is taken to have waited until it got
 * it: within a sample interval either way, as every figure.
 */
void
safe_ddl_inflight_statement_done(int slot)
{
	InflightImpact *impact;
	TimestampTz now;

	if ((impact = own_impact(slot)) == NULL)
		return;
	now = GetCurrentTimestamp();
	SpinLockAcquire(&impact->mutex);
	if (impact->running)
	{
		if (impact->waiting)
		{
			double		tail = ms_between(impact->last_sample, now);

			impact->lock_wait_ms += tail;
			impact->run_lock_wait_ms += tail;
		}
		impact->running = false;
		impact->waiting = false;
		impact->ended_at = now;
	}
	SpinLockRelease(&impact->mutex);
}

/*
 * The slot's statement runs again (a lock retry): the locks of the run
 * that failed went with its subtransaction, those of this one are held
 * from when it gets them.
 */
void
safe_ddl_inflight_run_again(int slot)
{
	InflightImpact *impact;

	if ((impact = own_impact(slot)) == NULL)
		return;
	SpinLockAcquire(&impact->mutex);
	impact->run_started_at = GetCurrentTimestamp();
	impact->run_lock_wait_ms = 0;
	SpinLockRelease(&impact->mutex);
}

/*
 * Lock wait and locks held of an active slot as of now: the wait of all
 * its runs, within the time its statement ran (the last sample's credit
 * may run past it), and until now if it was waiting at the last sample;
 * the locks held from the grant of its last run's.
 */
static void
wait_and_held(InflightImpact *impact, TimestampTz now, double *lock_wait,
			  double *lock_held)
{
	TimestampTz statement_end = impact->running ? now : impact->ended_at;
	double		tail = 0.0;
	double		run_wait;

	/* Still waiting since the last sample (a failure: until now). */
	if (impact->running && impact->waiting)
		tail = ms_between(impact->last_sample, now);
	run_wait = Min(impact->run_lock_wait_ms + tail,
				   ms_between(impact->run_started_at, statement_end));
	*lock_wait = Min(impact->lock_wait_ms + tail,
					 ms_between(impact->started_at, statement_end));
	*lock_held = Max(ms_between(impact->run_started_at, now) - run_wait, 0.0);
}

/*
 * The slot's figures as of now, into *out: the lock wait of its
 * statement (until it ended, or now), the locks held from then until now,
 * and the sessions blocked so far.  All four stay NULL (-1) when the
 * attempt was not sampled: no slot, or sampling off when it began.
 */
void
safe_ddl_inflight_impact(int slot, SafeDdlImpact *out)
{
	InflightImpact *impact;
	TimestampTz now;

	if ((impact = own_impact(slot)) == NULL)
		return;
	now = GetCurrentTimestamp();
	SpinLockAcquire(&impact->mutex);
	if (impact->active && impact->pid == MyProcPid)
	{
		wait_and_held(impact, now, &out->lock_wait_ms, &out->lock_held_ms);
		out->blocked_sessions_max = impact->blocked_max;
		out->blocked_ms = impact->blocked_ms;
	}
	SpinLockRelease(&impact->mutex);
}

/*
 * The launcher's latch, for backends to wake it (NULL: it is gone).
 */
void
safe_ddl_inflight_set_sampler(Latch *latch)
{
	if (inflight == NULL)
		return;
	SpinLockAcquire(&inflight->mutex);
	inflight->sampler_latch = latch;
	SpinLockRelease(&inflight->mutex);
}

/*
 * The sampler is about to sleep until woken (true), or samples (false).
 */
void
safe_ddl_inflight_sampler_asleep(bool asleep)
{
	if (inflight == NULL)
		return;
	pg_atomic_write_u32(&inflight->sampler_asleep, asleep ? 1 : 0);
	pg_memory_barrier();
}

/*
 * The sampled attempts, at most max of them (INFLIGHT_SLOTS is enough).
 */
int
safe_ddl_inflight_active(SafeDdlInflightActive *out, int max)
{
	int			i;
	int			n = 0;

	if (inflight == NULL)
		return 0;
	for (i = 0; i < INFLIGHT_SLOTS && n < max; i++)
	{
		InflightImpact *impact = &inflight->slots[i].impact;

		SpinLockAcquire(&impact->mutex);
		if (impact->active)
		{
			out[n].slot = i;
			out[n].generation = impact->generation;
			out[n].pid = impact->pid;
			out[n].proc = impact->proc;
			out[n].running = impact->running;
			n++;
		}
		SpinLockRelease(&impact->mutex);
	}
	return n;
}

/*
 * One sample of an attempt, taken at now: whether its statement waits for
 * a heavyweight lock, and how many sessions wait behind its backend.  The
 * time since the previous sample counts as lock wait, or blocked time,
 * when this sample says so.  Nothing is recorded if the slot was freed or
 * taken again since the sampler looked at it, and a lock wait only while
 * the statement still runs.
 */
void
safe_ddl_inflight_sampled(const SafeDdlInflightActive *a, TimestampTz now,
						  bool waiting, int blocked)
{
	InflightImpact *impact;

	if (inflight == NULL)
		return;
	impact = &inflight->slots[a->slot].impact;
	SpinLockAcquire(&impact->mutex);
	if (impact->active && impact->generation == a->generation &&
		now > impact->last_sample)
	{
		double		elapsed = ms_between(impact->last_sample, now);

		impact->waiting = impact->running && waiting;
		if (impact->waiting)
		{
			impact->lock_wait_ms += elapsed;
			impact->run_lock_wait_ms += elapsed;
		}
		if (blocked > 0)
			impact->blocked_ms += elapsed;
		impact->blocked_now = blocked;
		impact->blocked_max = Max(impact->blocked_max, blocked);
		impact->last_sample = now;
	}
	SpinLockRelease(&impact->mutex);
}

/*
 * The sampled attempts as the running view shows them, at most max.
 */
int
safe_ddl_inflight_running(SafeDdlRunning *out, int max)
{
	TimestampTz now = GetCurrentTimestamp();
	int			i;
	int			n = 0;

	if (inflight == NULL)
		return 0;
	for (i = 0; i < INFLIGHT_SLOTS && n < max; i++)
	{
		InflightImpact *impact = &inflight->slots[i].impact;
		SafeDdlRunning *r = &out[n];
		bool		active;
		uint64		generation = 0;

		SpinLockAcquire(&impact->mutex);
		active = impact->active;
		if (active)
		{
			generation = impact->generation;
			r->pid = impact->pid;
			r->started_at = impact->row_started_at;
			r->running = impact->running;
			r->waiting = impact->waiting;
			wait_and_held(impact, now, &r->lock_wait_ms, &r->lock_held_ms);
			if (r->waiting)
				r->lock_held_ms = 0.0;
			r->blocked_now = impact->blocked_now;
			r->blocked_max = impact->blocked_max;
			r->blocked_ms = impact->blocked_ms;
		}
		SpinLockRelease(&impact->mutex);
		if (!active)
			continue;

		/*
		 * The texts do not change while the slot is active: copy them
		 * outside the spinlock, and keep them if the slot still holds the
		 * same attempt afterwards.
		 */
		memcpy(r->database_name, impact->database_name, NAMEDATALEN);
		memcpy(r->command_tag, impact->command_tag, NAMEDATALEN);
		memcpy(r->statement, impact->statement, SAFE_DDL_RUNNING_TEXT);
		r->database_name[NAMEDATALEN - 1] = '\0';
		r->command_tag[NAMEDATALEN - 1] = '\0';
		r->statement[SAFE_DDL_RUNNING_TEXT - 1] = '\0';
		SpinLockAcquire(&impact->mutex);
		active = impact->active && impact->generation == generation;
		SpinLockRelease(&impact->mutex);
		if (active)
			n++;
	}
	return n;
}
