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
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "storage/bufmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteHandler.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "utils/xid8.h"

#include "audit.h"
#include "compat.h"
#include "ids.h"
#include "row.h"

#define AUDIT_SCHEMA	"safe_ddl"
#define AUDIT_TABLE		"audit_log"
#define AUDIT_SEQUENCE	"audit_log_id_seq"

/* This session was told that its database has no audit log. */
static bool warned_not_installed = false;

/*
 * Does an expression call only functions a superuser owns?  A column
 * default or CHECK constraint on the log is evaluated with the
 * extension's rights at every write: a function another role owns (and
 * may replace) must not be among them.
 */
static bool
not_superuser_function(Oid funcid, void *context)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	bool		foreign;

	if (!HeapTupleIsValid(tuple))
		return true;
	foreign = !superuser_arg(((Form_pg_proc) GETSTRUCT(tuple))->proowner);
	ReleaseSysCache(tuple);
	return foreign;
}

static bool type_is_trusted(Oid typid);
static bool composite_is_trusted(Oid typid);

/*
 * ... nor a value of a type it cannot trust: a value coerced to a domain
 * is checked by the domain's constraints, with their functions, and one
 * of a composite type by those of its attributes' domains (record_in).
 */
static bool
calls_foreign_function(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, not_superuser_function, context))
		return true;
	if ((IsA(node, CoerceToDomain) || IsA(node, Const) ||
		 IsA(node, CoerceViaIO) || IsA(node, FuncExpr) ||
		 IsA(node, RowExpr) || IsA(node, RelabelType) ||
		 IsA(node, ArrayCoerceExpr) || IsA(node, ConvertRowtypeExpr)) &&
		!type_is_trusted(exprType(node)))
		return true;
	return expression_tree_walker(node, calls_foreign_function, context);
}

/* Does one of the domain's own CHECK constraints call such a function? */
static bool
domain_calls_foreign_function(Oid domainid)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	ScanKeyInit(&key, Anum_pg_constraint_contypid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(domainid));
	scan = systable_beginscan(rel, ConstraintTypidIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		conbin = heap_getattr(tuple, Anum_pg_constraint_conbin,
										  RelationGetDescr(rel), &isnull);

		if (!isnull)
			found = calls_foreign_function(stringToNode(TextDatumGetCString(conbin)),
										   NULL);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * What writing a row to the log needs of the table, made when the log is
 * opened the first time after it was (re)found: the columns matched to the
 * row's description, and whether its defaults and constraints are safe to
 * evaluate.  Kept in CacheMemoryContext until an invalidation.
 */
static SafeDdlRowMap *log_map = NULL;

/*
 * Is a type safe to write with the extension's rights?  A domain checks
 * its constraints on every value written, with functions its owner chose:
 * every domain down to the base type must be a superuser's, and call only
 * superusers' functions; so must the element type of an array and the
 * attributes' types of a composite type.
 */
static bool
type_is_trusted(Oid typid)
{
	check_stack_depth();
	for (;;)
	{
		HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
		Form_pg_type form;
		Oid			owner;
		char		typtype;
		Oid			basetype;

		if (!HeapTupleIsValid(tuple))
			return false;
		form = (Form_pg_type) GETSTRUCT(tuple);
		owner = form->typowner;
		typtype = form->typtype;
		basetype = form->typbasetype;
		ReleaseSysCache(tuple);
		if (!superuser_arg(owner))
			return false;
		if (OidIsValid(get_element_type(typid)))
			return type_is_trusted(get_element_type(typid));
		if (typtype == TYPTYPE_COMPOSITE)
			return composite_is_trusted(typid);
		if (typtype != TYPTYPE_DOMAIN)
			return true;
		if (domain_calls_foreign_function(typid))
			return false;
		typid = basetype;
	}
}

/* Are the types of a composite type's attributes all trusted? */
static bool
composite_is_trusted(Oid typid)
{
	TupleDesc	desc = lookup_rowtype_tupdesc(typid, -1);
	bool		trusted = true;
	int			i;

	for (i = 0; trusted && i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			trusted = type_is_trusted(TupleDescAttr(desc, i)->atttypid);
	ReleaseTupleDesc(desc);
	return trusted;
}

static void
check_log_expressions(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	TupleConstr *constr = tupdesc->constr;
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);

		if (!attr->attisdropped && !type_is_trusted(attr->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("safe_ddl will not write to %s.%s: column %s is of type %s, which a role other than a superuser owns or checks with such a role's function",
							AUDIT_SCHEMA, AUDIT_TABLE, NameStr(attr->attname),
							format_type_be(attr->atttypid)),
					 errdetail("Writing a row would run its checks with the extension's rights."),
					 errhint("Drop the column, or give it a type a superuser owns.")));
	}
	if (constr == NULL)
		return;
	for (i = 0; i < constr->num_check; i++)
		if (calls_foreign_function(stringToNode(constr->check[i].ccbin), NULL))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("safe_ddl will not write to %s.%s: constraint %s calls a function, or makes a value of a type, that a role other than a superuser owns or checks",
							AUDIT_SCHEMA, AUDIT_TABLE, constr->check[i].ccname),
					 errdetail("Writing a row would run it with the extension's rights."),
					 errhint("Drop the constraint.")));
	for (i = 0; i < constr->num_defval; i++)
		if (calls_foreign_function(stringToNode(constr->defval[i].adbin), NULL))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("safe_ddl will not write to %s.%s: the default of column %s calls a function, or makes a value of a type, that a role other than a superuser owns or checks",
							AUDIT_SCHEMA, AUDIT_TABLE,
							NameStr(TupleDescAttr(RelationGetDescr(rel),
												  constr->defval[i].adnum - 1)->attname)),
					 errdetail("Writing a row would run it with the extension's rights."),
					 errhint("Drop the default.")));
}

/*
 * Insert one row into the log and every index of it.  Columns the row's
 * description does not name (a DBA's) get their defaults; NOT NULL and
 * CHECK constraints are checked like an INSERT's.
 */
static void
insert_into_table(Relation rel, Datum *values, bool *nulls, ItemPointer tid)
{
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	TupleTableSlot *slot;
	bool		pushed_snapshot = false;
	int			i;

	/*
	 * The writer has no snapshot of its own here; index insertion and the
	 * constraints may want one.
	 */
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed_snapshot = true;
	}

	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	slot = ExecInitExtraTupleSlot(estate, tupdesc, &TTSOpsVirtual);
	ExecClearTuple(slot);
	memcpy(slot->tts_values, values, tupdesc->natts * sizeof(Datum));
	memcpy(slot->tts_isnull, nulls, tupdesc->natts * sizeof(bool));

	if (tupdesc->constr != NULL && tupdesc->constr->num_defval > 0)
		for (i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
			Expr	   *expr;

			if (log_map->column[i] >= 0 || attr->attisdropped ||
				!attr->atthasdef || attr->attgenerated)
				continue;
			expr = (Expr *) build_column_default(rel, i + 1);
			if (expr != NULL)
				slot->tts_values[i] =
					ExecEvalExpr(ExecPrepareExpr(expr, estate),
								 GetPerTupleExprContext(estate),
								 &slot->tts_isnull[i]);
		}
	ExecStoreVirtualTuple(slot);

	if (tupdesc->constr != NULL)
		ExecConstraints(rri, slot, estate);
	simple_table_tuple_insert(rel, slot);
	if (tid != NULL)
		*tid = slot->tts_tid;

	if (rri->ri_NumIndices > 0)
		compat_insert_index_tuples(rri, slot, estate);

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

/* The map and the checks are made again after any invalidation. */

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
 * Does an operator family run a function another role owns: one of its
 * support functions, or an operator's function?  An index evaluates them
 * at every insert.
 */
static bool
opfamily_calls_foreign_function(Oid opfamily)
{
	CatCList   *procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamily));
	CatCList   *ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamily));
	bool		found = false;
	int			i;

	for (i = 0; !found && i < procs->n_members; i++)
		found = not_superuser_function(((Form_pg_amproc) GETSTRUCT(&procs->members[i]->tuple))->amproc,
									   NULL);
	for (i = 0; !found && i < ops->n_members; i++)
		found = not_superuser_function(get_opcode(((Form_pg_amop) GETSTRUCT(&ops->members[i]->tuple))->amopopr),
									   NULL);
	ReleaseSysCacheList(procs);
	ReleaseSysCacheList(ops);
	return found;
}

/*
 * Refuse to write a log that has an index with expressions or a predicate,
 * or an operator class calling another role's function.  The row is
 * inserted with the extension's rights (by the writer, as the bootstrap
 * superuser), so whatever such an index calls would run with them.  Only a superuser can add an index to the log; this error tells
 * them what to drop, rather than have every later DDL statement run it.
 */
static void
check_log_indexes(Relation rel)
{
	List	   *indexes;
	ListCell   *lc;

	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexid = lfirst_oid(lc);
		HeapTuple	tuple = SearchSysCache1(INDEXRELID,
											ObjectIdGetDatum(indexid));
		const char *why = NULL;
		bool		isnull;
		oidvector  *indclass;
		int			i;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for index %u", indexid);
		if (!heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) ||
			!heap_attisnull(tuple, Anum_pg_index_indpred, NULL))
			why = "has expressions or a predicate";
		indclass = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tuple,
																 Anum_pg_index_indclass,
																 &isnull));
		for (i = 0; why == NULL && !isnull && i < indclass->dim1; i++)
			if (opfamily_calls_foreign_function(get_opclass_family(indclass->values[i])))
				why = "has an operator class that calls a function a role other than a superuser owns";
		ReleaseSysCache(tuple);
		if (why != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("safe_ddl will not write to %s.%s: index %s %s",
							AUDIT_SCHEMA, AUDIT_TABLE,
							quote_qualified_identifier(get_namespace_name(get_rel_namespace(indexid)),
													   get_rel_name(indexid)),
							why),
					 errdetail("Writing a row would evaluate them with the extension's rights."),
					 errhint("Drop the index; safe_ddl writes the log only through indexes on plain columns, with operator classes whose functions superusers own.")));
	}
	list_free(indexes);
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
	if (rel != NULL && !log_indexes_checked)
	{
		check_log_indexes(rel);
		check_log_expressions(rel);
		log_map = safe_ddl_row_map(RelationGetDescr(rel),
								   AUDIT_SCHEMA "." AUDIT_TABLE,
								   CacheMemoryContext);
		log_indexes_checked = true;
	}
	return rel;
}

/*
 * Insert a row, and say where it went (tid) and its id (-1: the log has
 * no id column), when asked.
 */
static void
insert_row(Relation rel, Oid seqid, SafeDdlStatement *stmt,
		   ItemPointer tid, int64 *id)
{
	int			natts = RelationGetDescr(rel)->natts;
	Datum	   *values = palloc(natts * sizeof(Datum));
	bool	   *nulls = palloc(natts * sizeof(bool));

	Assert(log_map != NULL && log_map->natts == natts);
	safe_ddl_row_values(log_map, stmt, values, nulls);
	if (id != NULL)
		*id = -1;
	if (log_map->id_att >= 0)
	{
		int64		next = safe_ddl_next_audit_id(rel, seqid);

		values[log_map->id_att] = Int64GetDatum(next);
		nulls[log_map->id_att] = false;
		if (id != NULL)
			*id = next;
	}
	insert_into_table(rel, values, nulls, tid);
	pfree(values);
	pfree(nulls);
}

/*
 * Insert the row of one attempt into the audit log, opened by
 * safe_ddl_audit_open.
 */
void
safe_ddl_audit_insert(Relation rel, Oid seqid, SafeDdlStatement *stmt)
{
	insert_row(rel, seqid, stmt, NULL, NULL);
}

/*
 * Write the row of a statement that completed, in its transaction, and
 * say where it went and its id (for safe_ddl_audit_complete).  When the
 * extension is not installed in this database the statement is not
 * audited, a WARNING says so once per session, and false is returned.
 */
bool
safe_ddl_audit_write_row(SafeDdlStatement *stmt, ItemPointer tid, int64 *id)
{
	Oid			seqid;
	Relation	rel = safe_ddl_audit_open(&seqid);

	if (rel == NULL)
	{
		if (!warned_not_installed)
			ereport(WARNING,
					(errcode(ERRCODE_SAFE_DDL_NOT_AUDITED),
					 errmsg("safe_ddl is not installed in database \"%s\": DDL in this session is not audited",
							stmt->session.database_name),
					 errdetail("%s ran, but table %s.%s does not exist to record it.",
							   stmt->what.command_tag, AUDIT_SCHEMA, AUDIT_TABLE),
					 errhint("Run CREATE EXTENSION safe_ddl in this database, or set safe_ddl.audit = off for it.")));
		warned_not_installed = true;
		return false;
	}
	warned_not_installed = false;

	insert_row(rel, seqid, stmt, tid, id);
	table_close(rel, NoLock);
	return true;
}

/*
 * Complete a row this transaction wrote (at tid, with id) with what only
 * the end of the transaction knows: the values stmt gives the columns the
 * row's description names replace the row's; the id and the columns it
 * does not name keep theirs.  An update of the row, in the transaction
 * that inserted it: one row still, whatever becomes of the transaction.
 *
 * Nothing is done when nothing differs (a log without the columns that
 * changed), or when the row is no longer there as written: the log was
 * truncated or rewritten, or a superuser changed the row since.
 */
void
safe_ddl_audit_complete(ItemPointer tid, int64 id, SafeDdlStatement *stmt)
{
	Oid			seqid;
	Relation	rel;
	TupleDesc	tupdesc;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *oldslot;
	TupleTableSlot *newslot;
	Datum	   *values;
	bool	   *nulls;
	bool		changed = false;
	int			i;

	if (!ItemPointerIsValid(tid))
		return;

	/*
	 * The row may have been inserted by the current command: make it
	 * visible, and the log's description current, before looking.
	 */
	CommandCounterIncrement();
	if ((rel = safe_ddl_audit_open(&seqid)) == NULL)
		return;
	if (ItemPointerGetBlockNumber(tid) >= RelationGetNumberOfBlocks(rel))
	{
		table_close(rel, NoLock);
		return;
	}

	PushActiveSnapshot(GetTransactionSnapshot());

	tupdesc = RelationGetDescr(rel);
	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	oldslot = ExecInitExtraTupleSlot(estate, tupdesc, table_slot_callbacks(rel));
	newslot = ExecInitExtraTupleSlot(estate, tupdesc, &TTSOpsVirtual);
	values = palloc(tupdesc->natts * sizeof(Datum));
	nulls = palloc(tupdesc->natts * sizeof(bool));

	if (table_tuple_fetch_row_version(rel, tid, SnapshotSelf, oldslot))
	{
		slot_getallattrs(oldslot);
		if (log_map->id_att >= 0 &&
			(oldslot->tts_isnull[log_map->id_att] ||
			 DatumGetInt64(oldslot->tts_values[log_map->id_att]) != id))
			goto done;

		safe_ddl_row_values(log_map, stmt, values, nulls);
		ExecClearTuple(newslot);
		for (i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
			Datum		old = oldslot->tts_values[i];
			bool		oldnull = oldslot->tts_isnull[i];

			if (log_map->column[i] < 0 || i == log_map->id_att ||
				attr->attisdropped)
			{
				values[i] = old;
				nulls[i] = oldnull;
			}
			/* the values, not their stored form (short headers, TOAST) */
			else if (nulls[i] != oldnull ||
					 (!oldnull && !datum_image_eq(old, values[i],
												  attr->attbyval,
												  attr->attlen)))
				changed = true;
		}
		if (changed)
		{
			memcpy(newslot->tts_values, values, tupdesc->natts * sizeof(Datum));
			memcpy(newslot->tts_isnull, nulls, tupdesc->natts * sizeof(bool));
			ExecStoreVirtualTuple(newslot);
			if (tupdesc->constr != NULL)
				ExecConstraints(rri, newslot, estate);
			ExecOpenIndices(rri, false);
			compat_update_tuple(rri, tid, newslot, estate);
			ExecCloseIndices(rri);
		}
	}

done:
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	PopActiveSnapshot();
	table_close(rel, NoLock);
}
