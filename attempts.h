/*-------------------------------------------------------------------------
 *
 * attempts.h
 *		One row per DDL attempt, whatever its outcome (attempts.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_ATTEMPTS_H
#define SAFE_DDL_ATTEMPTS_H

#include "safe_ddl.h"

extern void safe_ddl_attempts_init(void);

/* nesting levels */
extern MemoryContext safe_ddl_enter_level(void);
extern void safe_ddl_owe_row(SafeDdlStatement *stmt);
extern void safe_ddl_leave_level(void);
extern int	safe_ddl_nesting_depth(void);
extern bool safe_ddl_writing_row(void);

/* an attempt and its outcome */
extern void safe_ddl_begin_attempt(SafeDdlStatement *stmt);
extern void safe_ddl_attempt_running(SafeDdlStatement *stmt);
extern void safe_ddl_attempt_runs_again(SafeDdlStatement *stmt);
extern void safe_ddl_record_ok(SafeDdlStatement *stmt);
extern void safe_ddl_record_refused(SafeDdlStatement *stmt,
									const char *message, int sqlerrcode);
extern void safe_ddl_record_failed(SafeDdlStatement *stmt,
								   MemoryContext context);

#endif							/* SAFE_DDL_ATTEMPTS_H */
