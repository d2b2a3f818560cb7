/*-------------------------------------------------------------------------
 *
 * compat.c
 *		The code of compat.h: what differs between PostgreSQL 13 and 18.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/indexing.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#if PG_VERSION_NUM >= 150000
#include "common/pg_prng.h"
#endif
#include "utils/fmgroids.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "compat.h"

/* ----------------------------------------------------------------
 * ProcessUtility
 * ----------------------------------------------------------------
 */

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static compat_process_utility_fn installed_hook = NULL;

#if PG_VERSION_NUM < 140000
static void
process_utility_pg13(PlannedStmt *pstmt, const char *queryString,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest,
					 QueryCompletion *qc)
{
	installed_hook(pstmt, queryString, false, context, params, queryEnv,
				   dest, qc);
}
#endif

void
compat_install_process_utility(compat_process_utility_fn hook)
{
	installed_hook = hook;
	prev_ProcessUtility = ProcessUtility_hook;
#if PG_VERSION_NUM >= 140000
	ProcessUtility_hook = hook;
#else
	ProcessUtility_hook = process_utility_pg13;
#endif
}

void
compat_next_process_utility(PlannedStmt *pstmt, const char *queryString,
							bool readOnlyTree, ProcessUtilityContext context,
							ParamListInfo params, QueryEnvironment *queryEnv,
							DestReceiver *dest, QueryCompletion *qc)
{
#if PG_VERSION_NUM >= 140000
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
#else
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, context, params, queryEnv,
							dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, context, params,
								queryEnv, dest, qc);
#endif
}

/* ----------------------------------------------------------------
 * Shared memory
 * ----------------------------------------------------------------
 */

#if PG_VERSION_NUM >= 150000
#define MAX_REQUESTS	4

static void (*requests[MAX_REQUESTS]) (void);
static int	nrequests = 0;
static shmem_request_hook_type prev_shmem_request_hook = NULL;

static void
shmem_request(void)
{
	int			i;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (i = 0; i < nrequests; i++)
		requests[i] ();
}
#endif

/*
 * Have request called when shared memory may be requested: from the
 * shmem_request_hook on PostgreSQL 15 and later, at once (from _PG_init,
 * while preloading) before.
 */
void
compat_request_shmem(void (*request) (void))
{
#if PG_VERSION_NUM >= 150000
	if (nrequests == 0)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = shmem_request;
	}
	if (nrequests >= MAX_REQUESTS)
		elog(ERROR, "safe_ddl: too many shared memory requests");
	requests[nrequests++] = request;
#else
	request();
#endif
}

/* ----------------------------------------------------------------
 * GUC
 * ----------------------------------------------------------------
 */

void
compat_reserve_guc_prefix(const char *prefix)
{
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved(prefix);
#else
	EmitWarningsOnPlaceholders(prefix);
#endif
}

/* The record of a setting by name (guc_tables.h), or NULL. */
void *
compat_find_guc(const char *name)
{
	struct config_generic **vars;
	int			n;
	int			i;

#if PG_VERSION_NUM >= 160000
	vars = get_guc_variables(&n);
#else
	vars = get_guc_variables();
	n = GetNumConfigOptions();
#endif
	for (i = 0; i < n; i++)
		if (vars[i] != NULL && strcmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

/* Memory for a check hook's "extra", which GUC frees with free(). */
void *
compat_guc_malloc(size_t size)
{
#if PG_VERSION_NUM >= 160000
	return guc_malloc(LOG, size);
#else
	return malloc(size);
#endif
}

/* ----------------------------------------------------------------
 * Catalog and parse trees
 * ----------------------------------------------------------------
 */

/* An object's identity; NULL when it no longer exists (14 and later). */
char *
compat_object_identity(const ObjectAddress *address)
{
#if PG_VERSION_NUM >= 140000
	return getObjectIdentity(address, true);
#else
	return getObjectIdentity(address);
#endif
}

/* The functions of a name, any number of arguments, on the search path. */
FuncCandidateList
compat_funcname_candidates(List *names)
{
#if PG_VERSION_NUM >= 140000
	return FuncnameGetCandidates(names, -1, NIL, false, false, false, true);
#else
	return FuncnameGetCandidates(names, -1, NIL, false, false, true);
#endif
}

bool
compat_reindex_concurrently(ReindexStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	ListCell   *lc;

	foreach(lc, stmt->params)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "concurrently") == 0)
			return opt->arg == NULL || defGetBoolean(opt);
	}
	return false;
#else
	return stmt->concurrent;
#endif
}

ObjectType
compat_create_table_as_objtype(CreateTableAsStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	return stmt->objtype;
#else
	return stmt->relkind;
#endif
}

ObjectType
compat_alter_table_objtype(AlterTableStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	return stmt->objtype;
#else
	return stmt->relkind;
#endif
}

/* A Boolean constant of a SET (15 and later have the node): its value. */
bool
compat_boolean_value(Node *value, bool *result)
{
#if PG_VERSION_NUM >= 150000
	if (IsA(value, Boolean))
	{
		*result = boolVal(value);
		return true;
	}
#endif
	return false;
}

/* Is an A_Const the NULL constant?  (15 and later have a flag.) */
bool
compat_a_const_is_null(Node *aconst)
{
#if PG_VERSION_NUM >= 150000
	return ((A_Const *) aconst)->isnull;
#else
	return IsA(&((A_Const *) aconst)->val, Null);
#endif
}

/* The column a pg_attrdef entry is the default of; InvalidOid if gone. */
ObjectAddress
compat_attrdef_column(Oid attrdefoid)
{
#if PG_VERSION_NUM >= 150000
	return GetAttrDefaultColumnAddress(attrdefoid);
#else
	ObjectAddress result = {InvalidOid, InvalidOid, 0};
	Relation	rel = table_open(AttrDefaultRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	ScanKeyInit(&key, Anum_pg_attrdef_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(attrdefoid));
	scan = systable_beginscan(rel, AttrDefaultOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_attrdef form = (Form_pg_attrdef) GETSTRUCT(tuple);

		result.classId = RelationRelationId;
		result.objectId = form->adrelid;
		result.objectSubId = form->adnum;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
#endif
}

/* ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (14 and later)? */
bool
compat_detach_concurrently(AlterTableCmd *cmd)
{
#if PG_VERSION_NUM >= 140000
	return cmd->subtype == AT_DetachPartition &&
		((PartitionCmd *) cmd->def)->concurrent;
#else
	return false;
#endif
}

/*
 * A function's schema-qualified signature, or NULL when it is gone
 * (dropped meanwhile): format_procedure_extended() since PostgreSQL 14;
 * before, a look-up first, then format_procedure_qualified(), which would
 * raise for a function that is gone.
 */
char *
compat_function_signature(Oid funcid)
{
#if PG_VERSION_NUM >= 140000
	return format_procedure_extended(funcid, FORMAT_PROC_FORCE_QUALIFY |
									 FORMAT_PROC_INVALID_AS_NULL);
#else
	if (!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(funcid)))
		return NULL;
	return format_procedure_qualified(funcid);
#endif
}

/* ----------------------------------------------------------------
 * Random numbers
 * ----------------------------------------------------------------
 */

/*
 * A random number in [0, 1).  The backend's generator is seeded when the
 * backend starts, on every major.
 */
double
compat_random_fraction(void)
{
#if PG_VERSION_NUM >= 150000
	return pg_prng_double(&pg_global_prng_state);
#else
	return (double) random() / ((double) PG_INT32_MAX + 1.0);
#endif
}

/* ----------------------------------------------------------------
 * Access methods
 * ----------------------------------------------------------------
 */

/* The primary key's index (18 asks whether a deferrable one will do). */
Oid
compat_primary_key_index(Relation rel)
{
#if PG_VERSION_NUM >= 180000
	return RelationGetPrimaryKeyIndex(rel, false);
#else
	return RelationGetPrimaryKeyIndex(rel);
#endif
}

/* An index scan with no keys (18 adds instrumentation). */
IndexScanDesc
compat_index_beginscan(Relation heap, Relation index, Snapshot snapshot)
{
#if PG_VERSION_NUM >= 180000
	return index_beginscan(heap, index, snapshot, NULL, 0, 0);
#else
	return index_beginscan(heap, index, snapshot, 0, 0);
#endif
}

/* ----------------------------------------------------------------
 * Executor
 * ----------------------------------------------------------------
 */

void
compat_insert_index_tuples(ResultRelInfo *rri, TupleTableSlot *slot,
						   EState *estate)
{
#if PG_VERSION_NUM >= 160000
	(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL,
								 false);
#elif PG_VERSION_NUM >= 140000
	(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
#else
	estate->es_result_relation_info = rri;
	(void) ExecInsertIndexTuples(slot, estate, false, NULL, NIL);
#endif
}

/*
 * Replace the tuple at otid of a table (not a catalog) with slot's, and
 * add the index entries the new version needs (none for a HOT update; in
 * PostgreSQL 16 and later, only the summarizing indexes' for one that
 * changed only their columns).  The update is the current transaction's,
 * of a row it can see.  The entries are added as an insert's: the hint an
 * UPDATE gives the index (no indexed column changed) would want the
 * executor's range table, which this update has none of.
 */
void
compat_update_tuple(ResultRelInfo *rri, ItemPointer otid,
					TupleTableSlot *slot, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	TU_UpdateIndexes update_indexes;

	simple_table_tuple_update(rri->ri_RelationDesc, otid, slot,
							  GetActiveSnapshot(), &update_indexes);
	if (update_indexes != TU_None && rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL,
									 update_indexes == TU_Summarizing);
#else
	bool		update_indexes;

	simple_table_tuple_update(rri->ri_RelationDesc, otid, slot,
							  GetActiveSnapshot(), &update_indexes);
	if (update_indexes && rri->ri_NumIndices > 0)
	{
#if PG_VERSION_NUM >= 140000
		(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
#else
		estate->es_result_relation_info = rri;
		(void) ExecInsertIndexTuples(slot, estate, false, NULL, NIL);
#endif
	}
#endif
}
