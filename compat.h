/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every difference between the PostgreSQL majors safe_ddl supports
 *		(13 to 18), in one place: the other files call these functions and
 *		test these feature macros, never PG_VERSION_NUM.  The functions
 *		that need code are in compat.c.
 *
 * Supporting a new major: build against it, and put each difference here
 * as a function of the newest signature (or a feature macro for a case
 * label that older majors lack).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_COMPAT_H
#define SAFE_DDL_COMPAT_H

#include "access/genam.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"

/* PostgreSQL 18 names and versions a module: SAFE_DDL_MODULE_MAGIC; */
#if PG_VERSION_NUM >= 180000
#define SAFE_DDL_MODULE_MAGIC	PG_MODULE_MAGIC_EXT(.name = "safe_ddl", .version = "1.2")
#else
#define SAFE_DDL_MODULE_MAGIC	PG_MODULE_MAGIC
#endif

/* Case labels of node values that older majors do not have. */
#if PG_VERSION_NUM >= 140000
#define COMPAT_HAS_DETACH_PARTITION_FINALIZE
#endif
#if PG_VERSION_NUM >= 150000
#define COMPAT_HAS_SET_ACCESS_METHOD
#endif

/*
 * The ProcessUtility hook, spelled out with the arguments of PostgreSQL 14
 * and later (13 has no readOnlyTree: an adapter passes false).
 */
typedef void (*compat_process_utility_fn) (PlannedStmt *pstmt,
										   const char *queryString,
										   bool readOnlyTree,
										   ProcessUtilityContext context,
										   ParamListInfo params,
										   QueryEnvironment *queryEnv,
										   DestReceiver *dest,
										   QueryCompletion *qc);

extern void compat_install_process_utility(compat_process_utility_fn hook);
extern void compat_next_process_utility(PlannedStmt *pstmt,
										const char *queryString,
										bool readOnlyTree,
										ProcessUtilityContext context,
										ParamListInfo params,
										QueryEnvironment *queryEnv,
										DestReceiver *dest,
										QueryCompletion *qc);

/* Shared memory: requested in shmem_request_hook since PostgreSQL 15. */
extern void compat_request_shmem(void (*request) (void));

/* GUC */
extern void *compat_find_guc(const char *name);	/* struct config_generic */
extern void compat_reserve_guc_prefix(const char *prefix);
extern void *compat_guc_malloc(size_t size);

/* Catalog and parse trees */
extern char *compat_object_identity(const ObjectAddress *address);
extern FuncCandidateList compat_funcname_candidates(List *names);
extern bool compat_reindex_concurrently(ReindexStmt *stmt);
extern ObjectType compat_create_table_as_objtype(CreateTableAsStmt *stmt);
extern ObjectType compat_alter_table_objtype(AlterTableStmt *stmt);
extern bool compat_boolean_value(Node *value, bool *result);
extern bool compat_a_const_is_null(Node *aconst);
extern ObjectAddress compat_attrdef_column(Oid attrdefoid);
extern bool compat_detach_concurrently(AlterTableCmd *cmd);
extern char *compat_function_signature(Oid funcid);

/* Random numbers: pg_prng since PostgreSQL 15, random() before. */
extern double compat_random_fraction(void);

/* Access methods */
extern Oid	compat_primary_key_index(Relation rel);
extern IndexScanDesc compat_index_beginscan(Relation heap, Relation index,
											Snapshot snapshot);

/* Executor */
extern void compat_insert_index_tuples(ResultRelInfo *rri,
									   TupleTableSlot *slot, EState *estate);
extern void compat_update_tuple(ResultRelInfo *rri, ItemPointer otid,
								TupleTableSlot *slot, EState *estate);

#endif							/* SAFE_DDL_COMPAT_H */
