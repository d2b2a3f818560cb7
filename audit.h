/*-------------------------------------------------------------------------
 *
 * audit.h
 *		The audit log of the current database, and writing a row to it
 *		(audit.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_AUDIT_H
#define SAFE_DDL_AUDIT_H

#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "safe_ddl.h"

extern void safe_ddl_audit_init(void);
extern Oid	safe_ddl_audit_log(Oid *seqid);
extern Relation safe_ddl_audit_open(Oid *seqid);
extern void safe_ddl_audit_insert(Relation rel, Oid seqid,
								  SafeDdlStatement *stmt);
extern bool safe_ddl_audit_write_row(SafeDdlStatement *stmt, ItemPointer tid,
									 int64 *id);
extern void safe_ddl_audit_complete(ItemPointer tid, int64 id,
									SafeDdlStatement *stmt);

#endif							/* SAFE_DDL_AUDIT_H */
