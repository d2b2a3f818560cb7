/*-------------------------------------------------------------------------
 *
 * inflight.h
 *		The attempts in progress, kept in shared memory so that a crash
 *		does not take their rows with it (inflight.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_INFLIGHT_H
#define SAFE_DDL_INFLIGHT_H

#include "row.h"
#include "safe_ddl.h"

extern void safe_ddl_inflight_init(void);
extern int	safe_ddl_inflight_begin(SafeDdlStatement *stmt);
extern void safe_ddl_inflight_written(int slot, SafeDdlFlatRow *rolled_back,
									  TransactionId xid);
extern void safe_ddl_inflight_end(int slot);
extern void safe_ddl_inflight_end_all(void);
extern int	safe_ddl_inflight_save_each(bool (*save) (SafeDdlFlatRow *row, void *arg),
										void *arg);

#endif							/* SAFE_DDL_INFLIGHT_H */
