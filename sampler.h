/*-------------------------------------------------------------------------
 *
 * sampler.h
 *		What DDL does to other sessions: the launcher's sampler and the
 *		running view (sampler.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_SAMPLER_H
#define SAFE_DDL_SAMPLER_H

/* the launcher */
extern void safe_ddl_sampler_start(void);
extern void safe_ddl_sampler_stop(void);
extern long safe_ddl_sampler_tick(void);

#endif							/* SAFE_DDL_SAMPLER_H */
