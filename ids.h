/*-------------------------------------------------------------------------
 *
 * ids.h
 *		The audit rows' ids (ids.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_IDS_H
#define SAFE_DDL_IDS_H

#include "utils/relcache.h"

extern void safe_ddl_ids_init(void);
extern int64 safe_ddl_next_audit_id(Relation log, Oid seqid);

#endif							/* SAFE_DDL_IDS_H */
