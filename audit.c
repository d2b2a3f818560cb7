/*-------------------------------------------------------------------------
 *
 * audit.c
 *		Writing one row of safe_ddl.audit_log for a DDL statement.
 *
 * The row is inserted in the statement's own transaction, straight into the
 * heap and its indexes: no SQL is planned or run, no trigger fires and no
 * permission is checked (the extension writes with its owner's rights, and
 * ordinary roles have no INSERT on the log).  Columns are matched by name,
 * so a log created by another version of the extension script is written
 * correctly as long as the columns it has keep their types.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/xid8.h"

#include "safe_ddl.h"

#define AUDIT_SCHEMA	"safe_ddl"
#define AUDIT_TABLE		"audit_log"
#define AUDIT_SEQUENCE	"audit_log_id_seq"

/* The columns safe_ddl writes, by name. */
typedef enum AuditColumn
{
	COL_ID,
	COL_STARTED_AT,
	COL_DURATION_MS,
	COL_DATABASE_NAME,
	COL_SESSION_USER_NAME,
	COL_CURRENT_USER_NAME,
	COL_APPLICATION_NAME,
	COL_CLIENT_ADDR,
	COL_BACKEND_PID,
	COL_XID,
	COL_COMMAND_TAG,
	COL_OBJECT_TYPE,
	COL_OBJECT_IDENTITIES,
	COL_STATEMENT,
	COL_LOCK_TIMEOUT_MS,
	COL_STATEMENT_TIMEOUT_MS,
	COL_OUTCOME,
	COL_POLICY_VIOLATION,
	COL_SQLSTATE,
	COL_ERROR_MESSAGE,
	COL_LOCK_MODE,
	COL_REWRITES,
	COL_RULES,
	NUM_AUDIT_COLUMNS
} AuditColumn;

static const struct
{
	const char *name;
	Oid			type;
}			audit_columns[NUM_AUDIT_COLUMNS] =
{
	[COL_ID] = {"id", INT8OID},
	[COL_STARTED_AT] = {"started_at", TIMESTAMPTZOID},
	[COL_DURATION_MS] = {"duration_ms", FLOAT8OID},
	[COL_DATABASE_NAME] = {"database_name", TEXTOID},
	[COL_SESSION_USER_NAME] = {"session_user_name", TEXTOID},
	[COL_CURRENT_USER_NAME] = {"current_user_name", TEXTOID},
	[COL_APPLICATION_NAME] = {"application_name", TEXTOID},
	[COL_CLIENT_ADDR] = {"client_addr", INETOID},
	[COL_BACKEND_PID] = {"backend_pid", INT4OID},
	[COL_XID] = {"xid", XID8OID},
	[COL_COMMAND_TAG] = {"command_tag", TEXTOID},
	[COL_OBJECT_TYPE] = {"object_type", TEXTOID},
	[COL_OBJECT_IDENTITIES] = {"object_identities", TEXTARRAYOID},
	[COL_STATEMENT] = {"statement", TEXTOID},
	[COL_LOCK_TIMEOUT_MS] = {"lock_timeout_ms", INT4OID},
	[COL_STATEMENT_TIMEOUT_MS] = {"statement_timeout_ms", INT4OID},
	[COL_OUTCOME] = {"outcome", TEXTOID},
	[COL_POLICY_VIOLATION] = {"policy_violation", TEXTOID},
	[COL_SQLSTATE] = {"sqlstate", TEXTOID},
	[COL_ERROR_MESSAGE] = {"error_message", TEXTOID},
	[COL_LOCK_MODE] = {"lock_mode", TEXTOID},
	[COL_REWRITES] = {"rewrites", TEXTOID},
	[COL_RULES] = {"rules", TEXTARRAYOID},
};

/* This session was told that its database has no audit log. */
static bool warned_not_installed = false;

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static Datum
text_array(List *strings)
{
	Datum	   *elems;
	int			n = list_length(strings);
	int			i = 0;
	ListCell   *lc;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));

	elems = palloc(n * sizeof(Datum));
	foreach(lc, strings)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * The value of one column for this statement.  Returns false when safe_ddl
 * has no value for a column of that name: the column is left NULL.
 */
static Datum
column_value(AuditColumn col, SafeDdlStatement *stmt, Relation rel,
			 Oid seqid, bool *isnull)
{
	/* Every value comes from stmt: this runs in the writer too. */
	*isnull = false;
	switch (col)
	{
		case COL_ID:
			return Int64GetDatum(safe_ddl_next_audit_id(rel, seqid));
		case COL_STARTED_AT:
			return TimestampTzGetDatum(stmt->started_at);
		case COL_DURATION_MS:
			return Float8GetDatum(stmt->duration_ms);
		case COL_DATABASE_NAME:
			return text_or_null(stmt->database_name, isnull);
		case COL_SESSION_USER_NAME:
			return text_or_null(stmt->session_user_name, isnull);
		case COL_CURRENT_USER_NAME:
			return text_or_null(stmt->current_user_name, isnull);
		case COL_APPLICATION_NAME:
			return text_or_null(stmt->application_name, isnull);
		case COL_CLIENT_ADDR:
			if (stmt->client_addr == NULL)
				break;
			return DirectFunctionCall1(inet_in,
									   CStringGetDatum(stmt->client_addr));
		case COL_BACKEND_PID:
			return Int32GetDatum(stmt->backend_pid);
		case COL_XID:
			if (!FullTransactionIdIsValid(stmt->xid))
				break;
			return FullTransactionIdGetDatum(stmt->xid);
		case COL_COMMAND_TAG:
			return CStringGetTextDatum(stmt->command_tag);
		case COL_OBJECT_TYPE:
			return text_or_null(stmt->object_type, isnull);
		case COL_OBJECT_IDENTITIES:
			return text_array(stmt->identities);
		case COL_STATEMENT:
			return CStringGetTextDatum(stmt->statement);
		case COL_LOCK_TIMEOUT_MS:
			return Int32GetDatum(stmt->lock_timeout_ms);
		case COL_STATEMENT_TIMEOUT_MS:
			return Int32GetDatum(stmt->statement_timeout_ms);
		case COL_OUTCOME:
			return CStringGetTextDatum(safe_ddl_outcome_names[stmt->outcome]);
		case COL_POLICY_VIOLATION:
			return text_or_null(stmt->policy_violation, isnull);
		case COL_LOCK_MODE:
			return text_or_null(stmt->lock_mode, isnull);
		case COL_REWRITES:
			return text_or_null(stmt->rewrites, isnull);
		case COL_RULES:
			return text_array(stmt->rules);
		case COL_SQLSTATE:
			return text_or_null(stmt->sqlstate, isnull);
		case COL_ERROR_MESSAGE:
			return text_or_null(stmt->error_message, isnull);
		case NUM_AUDIT_COLUMNS:
			break;
	}
	*isnull = true;
	return (Datum) 0;
}

static AuditColumn
column_by_name(const char *name)
{
	int			i;

	for (i = 0; i < NUM_AUDIT_COLUMNS; i++)
		if (strcmp(audit_columns[i].name, name) == 0)
			return (AuditColumn) i;
	return NUM_AUDIT_COLUMNS;
}

/*
 * Insert a heap tuple into rel and every index of rel.
 */
static void
insert_into_table(Relation rel, HeapTuple tuple)
{
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TupleTableSlot *slot;
	bool		pushed_snapshot = false;

	/*
	 * The writer has no snapshot of its own here; index insertion may want
	 * one (there are no index expressions: check_log_indexes()).
	 */
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed_snapshot = true;
	}

	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel),
								  &TTSOpsHeapTuple);
	ExecStoreHeapTuple(tuple, slot, false);

	simple_table_tuple_insert(rel, slot);

	if (rri->ri_NumIndices > 0)
	{
#if PG_VERSION_NUM >= 160000
		(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL,
									 NIL, false);
#elif PG_VERSION_NUM >= 140000
		(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL,
									 NIL);
#else
		estate->es_result_relation_info = rri;
		(void) ExecInsertIndexTuples(slot, estate, false, NULL, NIL);
#endif
	}

	ExecCloseIndices(rri);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);

	if (pushed_snapshot)
		PopActiveSnapshot();
}

/*
 * The audit log of the current database and its id sequence, kept until an
 * invalidation could concern them.
 *
 * They are found through the extension, never by name alone: the schema of
 * extension safe_ddl (pg_extension.extnamespace), and in it a table and a
 * sequence that are members of that extension.  A schema that merely has
 * the right name (CREATE SCHEMA s ...; ALTER SCHEMA s RENAME TO safe_ddl,
 * in a database where the extension was never created) holds tables that
 * anyone with CREATE on the database may have made, with an index whose
 * expression calls their own function: writing a row there would run that
 * function as the writer (the bootstrap superuser) or as the superuser
 * whose DDL is being audited.  Members of the extension were made by its
 * script, run by a superuser.
 *
 * What can make the cached answer wrong, and the invalidation it sends:
 * CREATE EXTENSION creates the table (a relcache invalidation for a new
 * relation: any relation's invalidation counts while no log is known);
 * DROP EXTENSION drops it (its own OID); ALTER SCHEMA ... RENAME (a
 * namespace invalidation).  pg_extension has no syscache and so no
 * callback of its own, but no change to it can give the database a log
 * without creating or dropping a relation.  (ALTER EXTENSION ... DROP
 * TABLE, which leaves the table in place, is a superuser's deliberate act;
 * a superuser can write the log anyway.)
 */
static bool log_known = false;
static Oid	log_relid = InvalidOid;
static Oid	log_seqid = InvalidOid;

/*
 * Whether the log's indexes were found free of expressions and predicates
 * since it was last looked up: checked at the first write, under the lock
 * the write takes (an index added later invalidates the log's relcache
 * entry, and with it this flag).
 */
static bool log_indexes_checked = false;

static void
log_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || !OidIsValid(log_relid) ||
		relid == log_relid || relid == log_seqid)
	{
		log_known = false;
		log_indexes_checked = false;
	}
}

static void
log_namespace_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	log_known = false;
	log_indexes_checked = false;
}

void
safe_ddl_audit_init(void)
{
	CacheRegisterRelcacheCallback(log_relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, log_namespace_callback,
								  (Datum) 0);
}

/*
 * The OID of extension safe_ddl in the current database and the schema it
 * was created in; InvalidOid when it is not installed.  (PostgreSQL 15 does
 * not export get_extension_schema(), and pg_extension has no syscache.)
 */
static Oid
find_extension(Oid *nspid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			extoid = InvalidOid;

	*nspid = InvalidOid;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(AUDIT_SCHEMA));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_extension form = (Form_pg_extension) GETSTRUCT(tuple);

		extoid = form->oid;
		*nspid = form->extnamespace;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return extoid;
}

/*
 * A relation of the extension's schema, if it is a member of the extension
 * and of the expected kind.
 */
static Oid
extension_member(const char *relname, Oid nspid, Oid extoid, char relkind)
{
	Oid			relid = get_relname_relid(relname, nspid);

	if (!OidIsValid(relid) || get_rel_relkind(relid) != relkind ||
		getExtensionOfObject(RelationRelationId, relid) != extoid)
		return InvalidOid;
	return relid;
}

/*
 * The OID of the audit log of the current database, and of its id
 * sequence; InvalidOid when the extension is not installed here.
 */
Oid
safe_ddl_audit_log(Oid *seqid)
{
	if (!log_known)
	{
		Oid			nspid;
		Oid			extoid = find_extension(&nspid);
		Oid			relid = InvalidOid;
		Oid			sequence = InvalidOid;

		if (OidIsValid(extoid) && OidIsValid(nspid))
		{
			relid = extension_member(AUDIT_TABLE, nspid, extoid,
									 RELKIND_RELATION);
			sequence = extension_member(AUDIT_SEQUENCE, nspid, extoid,
										RELKIND_SEQUENCE);
		}
		if (!OidIsValid(relid) || !OidIsValid(sequence))
			relid = sequence = InvalidOid;
		log_relid = relid;
		log_seqid = sequence;
		log_known = true;
		log_indexes_checked = false;
	}
	if (seqid != NULL)
		*seqid = log_seqid;
	return log_relid;
}

/*
 * Refuse to write a log that has an index with expressions or a predicate.
 * The row is inserted with the extension's rights (by the writer, as the
 * bootstrap superuser), so whatever such an index calls would run with
 * them.  Only a superuser can add an index to the log; this error tells
 * them what to drop, rather than have every later DDL statement run it.
 */
static void
check_log_indexes(Relation rel)
{
	List	   *indexes;
	ListCell   *lc;

	if (log_indexes_checked)
		return;

	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexid = lfirst_oid(lc);
		HeapTuple	tuple = SearchSysCache1(INDEXRELID,
											ObjectIdGetDatum(indexid));
		bool		unsafe;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for index %u", indexid);
		unsafe = !heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) ||
			!heap_attisnull(tuple, Anum_pg_index_indpred, NULL);
		ReleaseSysCache(tuple);
		if (unsafe)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("safe_ddl will not write to %s.%s: index %s has expressions or a predicate",
							AUDIT_SCHEMA, AUDIT_TABLE,
							quote_qualified_identifier(get_namespace_name(get_rel_namespace(indexid)),
													   get_rel_name(indexid))),
					 errdetail("Writing a row would evaluate them with the extension's rights."),
					 errhint("Drop the index; safe_ddl writes the log only through indexes on plain columns.")));
	}
	list_free(indexes);
	log_indexes_checked = true;
}

/*
 * Open the audit log of the current database with RowExclusiveLock, and
 * find its id sequence; NULL when the extension is not installed here.
 * An error when the log has an index safe_ddl will not evaluate.
 */
Relation
safe_ddl_audit_open(Oid *seqid)
{
	Oid			relid = safe_ddl_audit_log(seqid);
	Relation	rel;

	if (!OidIsValid(relid))
		return NULL;

	/*
	 * Dropped by another session since it was found (DROP EXTENSION):
	 * taking the lock has read the invalidation, so look again.
	 */
	rel = try_relation_open(relid, RowExclusiveLock);
	if (rel == NULL)
	{
		relid = safe_ddl_audit_log(seqid);
		if (OidIsValid(relid))
			rel = try_relation_open(relid, RowExclusiveLock);
	}
	if (rel != NULL)
		check_log_indexes(rel);
	return rel;
}

/*
 * Insert the row of one attempt into the open audit log.
 */
void
safe_ddl_audit_insert(Relation rel, Oid seqid, SafeDdlStatement *stmt)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Datum	   *values = palloc(tupdesc->natts * sizeof(Datum));
	bool	   *nulls = palloc(tupdesc->natts * sizeof(bool));
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
		AuditColumn col;

		values[i] = (Datum) 0;
		nulls[i] = true;
		if (attr->attisdropped)
			continue;
		col = column_by_name(NameStr(attr->attname));
		if (col == NUM_AUDIT_COLUMNS)
			continue;			/* a column a DBA added: left NULL */
		if (attr->atttypid != audit_columns[col].type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of %s.%s has type %s, safe_ddl writes %s",
							NameStr(attr->attname), AUDIT_SCHEMA, AUDIT_TABLE,
							format_type_be(attr->atttypid),
							format_type_be(audit_columns[col].type)),
					 errhint("Restore the column's type, or set safe_ddl.audit = off.")));
		values[i] = column_value(col, stmt, rel, seqid, &nulls[i]);
	}

	insert_into_table(rel, heap_form_tuple(tupdesc, values, nulls));
}

/*
 * Write the row of a statement that completed, in its transaction.  When
 * the extension is not installed in this database the statement is not
 * audited, a WARNING says so once per session, and false is returned.
 */
bool
safe_ddl_audit_write(SafeDdlStatement *stmt)
{
	Oid			seqid;
	Relation	rel = safe_ddl_audit_open(&seqid);

	if (rel == NULL)
	{
		if (!warned_not_installed)
			ereport(WARNING,
					(errcode(ERRCODE_SAFE_DDL_NOT_AUDITED),
					 errmsg("safe_ddl is not installed in database \"%s\": DDL in this session is not audited",
							stmt->database_name),
					 errdetail("%s ran, but table %s.%s does not exist to record it.",
							   stmt->command_tag, AUDIT_SCHEMA, AUDIT_TABLE),
					 errhint("Run CREATE EXTENSION safe_ddl in this database, or set safe_ddl.audit = off for it.")));
		warned_not_installed = true;
		return false;
	}
	warned_not_installed = false;

	safe_ddl_audit_insert(rel, seqid, stmt);
	table_close(rel, NoLock);
	return true;
}
