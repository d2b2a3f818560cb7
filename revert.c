/*-------------------------------------------------------------------------
 *
 * revert.c
 *		The way back: the DDL that undoes a completed change, and whether
 *		anything can bring back what it removed.
 *
 * The revert is computed from the catalog as it stands before the
 * statement runs (the old name, the old default, the old comment), in
 * the DDL's own backend, as its user.  So it must cost little, and it
 * must never fail the user's statement: objects are looked up by name
 * without a lock and with missing_ok, and whatever is not found leaves
 * the revert unknown.  Names PostgreSQL generates (an index or a
 * constraint created without a name) are only known once the statement
 * has completed: they are looked up then, before the row is written.
 *
 * A superuser later runs what safe_ddl.revert_script() returns, and the
 * names and comments in it were chosen by ordinary roles.  Every
 * identifier goes through quote_identifier() or
 * quote_qualified_identifier(), every literal through
 * quote_literal_cstr(), types through format_type_be_qualified(), and an
 * expression (a default) only as ruleutils deparses it, with a search_path
 * that makes it qualify everything outside pg_catalog.  Nothing here
 * evaluates an expression or calls a function a user can define.
 *
 * One function per node type, exported through revert.h; the dispatchers
 * at the end only choose among them.  Each leaves a RevertPlan on the
 * statement; safe_ddl_revert_after() completes it and fills
 * stmt->revert, so a refused or failed statement (it never gets there)
 * keeps both columns NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/comment.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "compat.h"
#include "revert.h"
#include "statements.h"

struct RevertPlan;
typedef void (*RevertFinish) (struct RevertPlan *plan);

/*
 * What one statement's revert is, or what is still to be looked up once
 * it completed (finish).
 */
typedef struct RevertPlan
{
	char	   *statement;		/* the DDL that undoes it, or NULL */
	int8		reversible;		/* 1, 0, -1: as stmt->revert */
	RevertFinish finish;		/* completes the plan after the statement */

	/* an object the statement creates, found by name after it */
	Oid			nspid;
	char	   *name;

	/* an index or constraint PostgreSQL names: what was there before */
	Oid			relid;
	List	   *before_oids;
	bool		concurrent;		/* CREATE INDEX CONCURRENTLY: its own transactions */

	/* ALTER TABLE: its reverting sub-commands, in the order they run */
	char	   *alter_prefix;	/* "ALTER TABLE [ONLY] name" */
	List	   *parts;			/* RevertPart * */
} RevertPlan;

/*
 * One reverting sub-command of ALTER TABLE; text NULL: DROP CONSTRAINT of
 * the constraint of type contype the statement creates without a name.
 */
typedef struct RevertPart
{
	char	   *text;
	char		contype;
} RevertPart;

/* What a sub-command of ALTER TABLE needs to be undone. */
typedef enum SubcommandRevert
{
	SUBCMD_PARTS,				/* the parts it added */
	SUBCMD_NOTHING,				/* it changes nothing */
	SUBCMD_UNKNOWN,				/* no known revert */
	SUBCMD_IRREVERSIBLE			/* nothing brings the data back */
} SubcommandRevert;

static RevertPlan *
new_plan(SafeDdlStatement *stmt)
{
	RevertPlan *plan = palloc0(sizeof(RevertPlan));

	plan->reversible = -1;
	stmt->revert.plan = plan;
	return plan;
}

static void
plan_revert(SafeDdlStatement *stmt, char *statement)
{
	RevertPlan *plan = new_plan(stmt);

	plan->statement = statement;
	plan->reversible = 1;
}

/* The relation of a RangeVar, as classification resolved it if it did. */
static Oid
relation_of(SafeDdlStatement *stmt, const RangeVar *rv)
{
	ListCell   *lc;

	foreach(lc, stmt->what.resolved)
	{
		SafeDdlResolved *resolved = (SafeDdlResolved *) lfirst(lc);

		if (resolved->rv == rv)
			return resolved->relid;
	}
	return RangeVarGetRelid(rv, NoLock, true);
}

/* A relation's schema-qualified, quoted name; NULL if it is gone. */
static char *
relation_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));

	if (relname == NULL || nspname == NULL)
		return NULL;
	return quote_qualified_identifier(nspname, relname);
}

/* The word that names a kind of relation in DDL; NULL for the others. */
static const char *
relkind_keyword(char relkind)
{
	switch (relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			return "TABLE";
		case RELKIND_VIEW:
			return "VIEW";
		case RELKIND_MATVIEW:
			return "MATERIALIZED VIEW";
		case RELKIND_SEQUENCE:
			return "SEQUENCE";
		case RELKIND_INDEX:
		case RELKIND_PARTITIONED_INDEX:
			return "INDEX";
		case RELKIND_FOREIGN_TABLE:
			return "FOREIGN TABLE";
		default:
			return NULL;
	}
}

/*
 * The schema an object named with schemaname (or without one) is created
 * in: the first schema of the search_path that exists, as PostgreSQL
 * chooses it.  Never raises; InvalidOid if there is none.  Whatever this
 * gets wrong, the object is not found there after the statement, and the
 * revert is unknown.
 */
static Oid
creation_namespace(const char *schemaname)
{
	List	   *path;
	Oid			nspid = InvalidOid;

	if (schemaname != NULL)
		return get_namespace_oid(schemaname, true);
	path = fetch_search_path(false);
	if (path != NIL)
		nspid = linitial_oid(path);
	list_free(path);
	return nspid;
}

/* The OIDs of a table's indexes. */
static List *
index_oids(Oid relid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *oids = NIL;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	rel = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(rel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		oids = lappend_oid(oids, ((Form_pg_index) GETSTRUCT(tuple))->indexrelid);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return oids;
}

/*
 * The names of a table's constraints of type contype whose OID is not in
 * before (all of them if contype is 0).
 */
static List *
constraints_not_in(Oid relid, List *before, char contype, bool names)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *result = NIL;

	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	rel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);

		if (list_member_oid(before, con->oid) ||
			(contype != 0 && con->contype != contype))
			continue;
		if (names)
			result = lappend(result, pstrdup(NameStr(con->conname)));
		else
			result = lappend_oid(result, con->oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/* The OIDs of the functions of a name in a schema. */
static List *
function_oids(const char *name, Oid nspid)
{
	CatCList   *catlist;
	List	   *oids = NIL;
	int			i;

	catlist = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(name));
	for (i = 0; i < catlist->n_members; i++)
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&catlist->members[i]->tuple);

		if (proc->pronamespace == nspid)
			oids = lappend_oid(oids, proc->oid);
	}
	ReleaseSysCacheList(catlist);
	return oids;
}

static const char *
routine_keyword(Oid funcid)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	char		prokind;

	if (!HeapTupleIsValid(tuple))
		return NULL;			/* dropped meanwhile */
	prokind = ((Form_pg_proc) GETSTRUCT(tuple))->prokind;
	ReleaseSysCache(tuple);
	return prokind == PROKIND_PROCEDURE ? "PROCEDURE" : "FUNCTION";
}

/* "schema.name(argtypes)" of a function, under another name. */
static char *
routine_signature(Oid funcid, const char *name)
{
	HeapTuple	tuple;
	Form_pg_proc proc;
	StringInfoData buf;
	char	   *nspname;
	int			i;

	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	nspname = get_namespace_name(proc->pronamespace);
	if (nspname == NULL)
	{
		ReleaseSysCache(tuple);
		return NULL;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s(", quote_qualified_identifier(nspname, name));
	for (i = 0; i < proc->pronargs; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 format_type_be_qualified(proc->proargtypes.values[i]));
	appendStringInfoChar(&buf, ')');
	ReleaseSysCache(tuple);
	return buf.data;
}

/*
 * While ruleutils deparses something for a revert, the search_path is
 * pg_catalog alone: whatever lives elsewhere comes out schema-qualified,
 * and means the same whatever the search_path of who runs the revert.
 */
static int
deparse_begin(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

static void
deparse_end(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Can psql run this text as it is?  Outside quotes, psql reads a colon
 * followed by a name, a quote or a brace as one of its variables
 * (":name", ":'name'", ":\"name\"", ":{?name}") and puts the variable's
 * value in its place: a deparsed expression with an array slice written
 * [1:"USER".f()] would become another expression in the script a DBA runs.
 * ("::" is a cast.)
 */
static bool
psql_safe(const char *sql)
{
	char		quote = '\0';
	const char *p;

	for (p = sql; *p; p++)
	{
		if (quote != '\0')
		{
			if (*p == quote)
				quote = '\0';
			continue;
		}
		if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == ':' && p[1] == ':')
			p++;
		else if (*p == ':' &&
				 (isalnum((unsigned char) p[1]) || p[1] == '_' ||
				  IS_HIGHBIT_SET(p[1]) || p[1] == '\'' || p[1] == '"' ||
				  p[1] == '{'))
			return false;
	}
	return true;
}

/*
 * A column's default as ruleutils deparses it; NULL if it has none, or
 * if psql would not run it as it is.
 */
static char *
column_default(Oid relid, AttrNumber attnum)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	HeapTuple	tuple;
	char	   *result = NULL;

	ScanKeyInit(&key[0], Anum_pg_attrdef_adrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_attrdef_adnum, BTEqualStrategyNumber,
				F_INT2EQ, Int16GetDatum(attnum));
	rel = table_open(AttrDefaultRelationId, AccessShareLock);
	scan = systable_beginscan(rel, AttrDefaultIndexId, true, NULL, 2, key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		adbin = heap_getattr(tuple, Anum_pg_attrdef_adbin,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			Node	   *expr = stringToNode(TextDatumGetCString(adbin));
			char	   *relname = get_rel_name(relid);
			int			nestlevel = deparse_begin();

			result = deparse_expression(expr,
										deparse_context_for(relname, relid),
										false, false);
			deparse_end(nestlevel);
			if (!psql_safe(result))
				result = NULL;	/* unknown: psql would change it */
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/* ---- after the statement: what PostgreSQL created, found by name ---- */

/*
 * Did this transaction make that catalog row?  What is found by name
 * after the statement may be another session's: made meanwhile, by a
 * CREATE ... IF NOT EXISTS that then did nothing, or another function of
 * the name.  Dropping it is not this statement's way back.
 */
static bool
created_here(int cacheid, Oid oid)
{
	HeapTuple	tuple;
	bool		here;

	if (!OidIsValid(oid))
		return false;
	tuple = SearchSysCache1(cacheid, ObjectIdGetDatum(oid));
	if (!HeapTupleIsValid(tuple))
		return false;
	here = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
	ReleaseSysCache(tuple);
	return here;
}

static void
finish_created_relation(RevertPlan *plan)
{
	Oid			relid = get_relname_relid(plan->name, plan->nspid);
	const char *keyword;
	char	   *name;

	/*
	 * CREATE INDEX CONCURRENTLY makes its index in a transaction of its
	 * own, already committed: it is the index of that name on the table the
	 * statement names (what another role made of that name meanwhile, when
	 * IF NOT EXISTS then did nothing, is not).
	 */
	if (plan->concurrent ?
		!(OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_INDEX &&
		  IndexGetRelation(relid, true) == plan->relid) :
		!created_here(RELOID, relid))
		return;
	keyword = relkind_keyword(get_rel_relkind(relid));
	name = relation_name(relid);
	if (keyword == NULL || name == NULL)
		return;
	plan->statement = psprintf("DROP %s %s", keyword, name);
	plan->reversible = 1;
}

static void
finish_created_index(RevertPlan *plan)
{
	List	   *now = index_oids(plan->relid);
	Oid			created = InvalidOid;
	char	   *name;
	ListCell   *lc;

	foreach(lc, now)
	{
		if (list_member_oid(plan->before_oids, lfirst_oid(lc)))
			continue;
		if (OidIsValid(created))
			return;				/* more than one: which? */
		created = lfirst_oid(lc);
	}
	if (!OidIsValid(created) ||
		(!plan->concurrent && !created_here(RELOID, created)) ||
		(name = relation_name(created)) == NULL)
		return;
	plan->statement = psprintf("DROP INDEX %s", name);
	plan->reversible = 1;
}

static void
finish_created_function(RevertPlan *plan)
{
	List	   *now = function_oids(plan->name, plan->nspid);
	Oid			created = InvalidOid;
	const char *keyword;
	char	   *signature;
	ListCell   *lc;

	foreach(lc, now)
	{
		if (list_member_oid(plan->before_oids, lfirst_oid(lc)) ||
			!created_here(PROCOID, lfirst_oid(lc)))
			continue;
		if (OidIsValid(created))
			return;
		created = lfirst_oid(lc);
	}

	/*
	 * None new: an existing function was replaced.  Its old definition is
	 * not given back: run by a superuser after the function was dropped, it
	 * would create it anew, owned by that superuser (SECURITY DEFINER and
	 * all).
	 */
	if (!OidIsValid(created) ||
		(keyword = routine_keyword(created)) == NULL ||
		(signature = compat_function_signature(created)) == NULL)
		return;
	plan->statement = psprintf("DROP %s %s", keyword, signature);
	plan->reversible = 1;
}

static void
finish_created_schema(RevertPlan *plan)
{
	if (!created_here(NAMESPACEOID, get_namespace_oid(plan->name, true)))
		return;
	plan->statement = psprintf("DROP SCHEMA %s", quote_identifier(plan->name));
	plan->reversible = 1;
}

static void
finish_created_type(RevertPlan *plan)
{
	char	   *nspname = get_namespace_name(plan->nspid);
	Oid			typid;

	typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							CStringGetDatum(plan->name),
							ObjectIdGetDatum(plan->nspid));
	if (!created_here(TYPEOID, typid) || nspname == NULL)
		return;
	plan->statement = psprintf("DROP %s %s",
							   get_typtype(typid) == TYPTYPE_DOMAIN ?
							   "DOMAIN" : "TYPE",
							   quote_qualified_identifier(nspname, plan->name));
	plan->reversible = 1;
}

/* ALTER TABLE: the constraints it created without a name, now named. */
static void
finish_alter_table(RevertPlan *plan)
{
	StringInfoData buf;
	List	   *claimed = NIL;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, plan->alter_prefix);
	foreach(lc, plan->parts)
	{
		RevertPart *part = (RevertPart *) lfirst(lc);
		const char *text = part->text;

		if (text == NULL)
		{
			List	   *created;

			created = constraints_not_in(plan->relid,
										 list_concat_copy(plan->before_oids, claimed),
										 part->contype, false);
			if (list_length(created) != 1)
				return;			/* none, or which one? unknown */
			claimed = lappend_oid(claimed, linitial_oid(created));
			text = psprintf("DROP CONSTRAINT %s",
							quote_identifier(get_constraint_name(linitial_oid(created))));
		}
		appendStringInfo(&buf, "%s %s", lc != list_head(plan->parts) ? "," : "",
						 text);
	}
	plan->statement = buf.data;
	plan->reversible = 1;
}

/* ---- before the statement: one function per node type ---- */

/*
 * CREATE TABLE, FOREIGN TABLE, SEQUENCE, VIEW, MATERIALIZED VIEW, TABLE
 * AS: DROP it, if it did not exist before (IF NOT EXISTS, OR REPLACE: an
 * existing object's revert is unknown).
 */
void
revert_create_relation(SafeDdlStatement *stmt, Node *parsetree)
{
	RangeVar   *rv;
	Oid			nspid;
	RevertPlan *plan;

	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			rv = ((CreateStmt *) parsetree)->relation;
			break;
		case T_CreateForeignTableStmt:
			rv = ((CreateForeignTableStmt *) parsetree)->base.relation;
			break;
		case T_CreateSeqStmt:
			rv = ((CreateSeqStmt *) parsetree)->sequence;
			break;
		case T_ViewStmt:
			rv = ((ViewStmt *) parsetree)->view;
			break;
		case T_CreateTableAsStmt:
			rv = ((CreateTableAsStmt *) parsetree)->into->rel;
			break;
		default:
			return;
	}
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return;
	nspid = creation_namespace(rv->schemaname);
	if (!OidIsValid(nspid) || OidIsValid(get_relname_relid(rv->relname, nspid)))
		return;
	plan = new_plan(stmt);
	plan->nspid = nspid;
	plan->name = pstrdup(rv->relname);
	plan->finish = finish_created_relation;
}

/* CREATE INDEX: DROP INDEX, by the name given or the one generated. */
void
revert_create_index(SafeDdlStatement *stmt, Node *node)
{
	IndexStmt  *parsetree = castNode(IndexStmt, node);
	Oid			relid = relation_of(stmt, parsetree->relation);
	Oid			nspid;
	RevertPlan *plan;

	if (!OidIsValid(relid))
		return;
	nspid = get_rel_namespace(relid);
	if (parsetree->idxname != NULL)
	{
		if (OidIsValid(get_relname_relid(parsetree->idxname, nspid)))
			return;
		plan = new_plan(stmt);
		plan->nspid = nspid;
		plan->name = pstrdup(parsetree->idxname);
		plan->relid = relid;
		plan->concurrent = parsetree->concurrent;
		plan->finish = finish_created_relation;
		return;
	}
	plan = new_plan(stmt);
	plan->concurrent = parsetree->concurrent;
	plan->relid = relid;
	plan->before_oids = index_oids(relid);
	plan->finish = finish_created_index;
}

/*
 * CREATE FUNCTION, PROCEDURE: DROP the one it created; CREATE OR REPLACE
 * of an existing one: unknown (see finish_created_function).
 */
void
revert_create_function(SafeDdlStatement *stmt, Node *node)
{
	CreateFunctionStmt *parsetree = castNode(CreateFunctionStmt, node);
	char	   *schemaname;
	char	   *funcname;
	Oid			nspid;
	RevertPlan *plan;

	DeconstructQualifiedName(parsetree->funcname, &schemaname, &funcname);
	nspid = creation_namespace(schemaname);
	if (!OidIsValid(nspid))
		return;
	plan = new_plan(stmt);
	plan->nspid = nspid;
	plan->name = pstrdup(funcname);
	plan->before_oids = function_oids(funcname, nspid);
	plan->finish = finish_created_function;
}

/*
 * CREATE SCHEMA: DROP SCHEMA.  Not with elements: the script drops what
 * was created later, not what the schema was created with, and CASCADE
 * would drop whatever others put there since.
 */
void
revert_create_schema(SafeDdlStatement *stmt, Node *node)
{
	CreateSchemaStmt *parsetree = castNode(CreateSchemaStmt, node);
	RevertPlan *plan;

	if (parsetree->schemaname == NULL || parsetree->schemaElts != NIL ||
		OidIsValid(get_namespace_oid(parsetree->schemaname, true)))
		return;
	plan = new_plan(stmt);
	plan->name = pstrdup(parsetree->schemaname);
	plan->finish = finish_created_schema;
}

/* CREATE TYPE (composite, enum, range), CREATE DOMAIN: DROP it. */
void
revert_create_type(SafeDdlStatement *stmt, Node *parsetree)
{
	char	   *schemaname;
	char	   *typname;
	Oid			nspid;
	RevertPlan *plan;

	switch (nodeTag(parsetree))
	{
		case T_CompositeTypeStmt:
			schemaname = ((CompositeTypeStmt *) parsetree)->typevar->schemaname;
			typname = ((CompositeTypeStmt *) parsetree)->typevar->relname;
			break;
		case T_CreateEnumStmt:
			DeconstructQualifiedName(((CreateEnumStmt *) parsetree)->typeName,
									 &schemaname, &typname);
			break;
		case T_CreateRangeStmt:
			DeconstructQualifiedName(((CreateRangeStmt *) parsetree)->typeName,
									 &schemaname, &typname);
			break;
		case T_CreateDomainStmt:
			DeconstructQualifiedName(((CreateDomainStmt *) parsetree)->domainname,
									 &schemaname, &typname);
			break;
		default:
			return;
	}
	nspid = creation_namespace(schemaname);
	if (!OidIsValid(nspid) ||
		OidIsValid(GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								   CStringGetDatum(typname),
								   ObjectIdGetDatum(nspid))))
		return;
	plan = new_plan(stmt);
	plan->nspid = nspid;
	plan->name = pstrdup(typname);
	plan->finish = finish_created_type;
}

/* Is a column added earlier in the same ALTER TABLE? */
static bool
added_here(List *added, const char *colname)
{
	ListCell   *lc;

	foreach(lc, added)
	{
		if (strcmp((char *) lfirst(lc), colname) == 0)
			return true;
	}
	return false;
}

static RevertPart *
part(char *text)
{
	RevertPart *p = palloc0(sizeof(RevertPart));

	p->text = text;
	return p;
}

/* The column of a table, if it is there (not dropped); else NULL. */
static HeapTuple
column_tuple(Oid relid, const char *colname)
{
	return SearchSysCacheAttName(relid, colname);
}

/* The type of constraint PostgreSQL records for a parsed one; 0: none. */
static char
constraint_type(ConstrType contype)
{
	switch (contype)
	{
		case CONSTR_CHECK:
			return CONSTRAINT_CHECK;
		case CONSTR_FOREIGN:
			return CONSTRAINT_FOREIGN;
		case CONSTR_UNIQUE:
			return CONSTRAINT_UNIQUE;
		case CONSTR_PRIMARY:
			return CONSTRAINT_PRIMARY;
		case CONSTR_EXCLUSION:
			return CONSTRAINT_EXCLUSION;
		default:
			return 0;
	}
}

/*
 * ADD CONSTRAINT: DROP CONSTRAINT (by the name given, or the one
 * generated); a primary key also sets NOT NULL on its columns, dropped
 * after it where they were nullable before.
 */
static SubcommandRevert
revert_add_constraint(Oid relid, Constraint *con, List *added, List **parts)
{
	RevertPart *drop;
	ListCell   *lc;

	if (con->indexname != NULL)
		return SUBCMD_UNKNOWN;	/* USING INDEX: the index goes with it */
	if (con->conname != NULL)
		drop = part(psprintf("DROP CONSTRAINT %s", quote_identifier(con->conname)));
	else
	{
		drop = part(NULL);
		drop->contype = constraint_type(con->contype);
		if (drop->contype == 0)
			return SUBCMD_UNKNOWN;
	}
	*parts = lappend(*parts, drop);

	if (con->contype != CONSTR_PRIMARY)
		return SUBCMD_PARTS;
	foreach(lc, con->keys)
	{
		const char *key = strVal(lfirst(lc));
		HeapTuple	tuple;
		bool		notnull;

		if (added_here(added, key))
			continue;
		tuple = column_tuple(relid, key);
		if (!HeapTupleIsValid(tuple))
			return SUBCMD_UNKNOWN;
		notnull = ((Form_pg_attribute) GETSTRUCT(tuple))->attnotnull;
		ReleaseSysCache(tuple);
		if (!notnull)
			*parts = lappend(*parts,
							 part(psprintf("ALTER COLUMN %s DROP NOT NULL",
										   quote_identifier(key))));
	}
	return SUBCMD_PARTS;
}

/* SET / DROP NOT NULL, SET / DROP DEFAULT: back to what the column had. */
static SubcommandRevert
revert_alter_column(Oid relid, AlterTableCmd *cmd, List *added, List **parts)
{
	HeapTuple	tuple;
	Form_pg_attribute att;
	const char *col;
	char	   *text = NULL;
	SubcommandRevert result = SUBCMD_PARTS;

	if (cmd->name == NULL)
		return SUBCMD_UNKNOWN;
	if (added_here(added, cmd->name))
		return SUBCMD_NOTHING;	/* the column's DROP undoes it */
	tuple = column_tuple(relid, cmd->name);
	if (!HeapTupleIsValid(tuple))
		return SUBCMD_UNKNOWN;
	att = (Form_pg_attribute) GETSTRUCT(tuple);
	col = quote_identifier(cmd->name);

	switch (cmd->subtype)
	{
		case AT_SetNotNull:
			if (att->attnotnull)
				result = SUBCMD_NOTHING;
			else
				text = psprintf("ALTER COLUMN %s DROP NOT NULL", col);
			break;
		case AT_DropNotNull:
			if (!att->attnotnull)
				result = SUBCMD_NOTHING;
			else
				text = psprintf("ALTER COLUMN %s SET NOT NULL", col);
			break;
		case AT_ColumnDefault:
			if (att->attgenerated != '\0' || att->attidentity != '\0')
				result = SUBCMD_UNKNOWN;
			else if (att->atthasdef)
			{
				char	   *old = column_default(relid, att->attnum);

				if (old == NULL)
					result = SUBCMD_UNKNOWN;
				else
					text = psprintf("ALTER COLUMN %s SET DEFAULT %s", col, old);
			}
			else
				text = psprintf("ALTER COLUMN %s DROP DEFAULT", col);
			break;
		default:
			result = SUBCMD_UNKNOWN;
			break;
	}
	ReleaseSysCache(tuple);
	if (text != NULL)
		*parts = lappend(*parts, part(text));
	return result;
}

/* One sub-command of ALTER TABLE; its parts appended to *parts. */
static SubcommandRevert
revert_subcommand(SafeDdlStatement *stmt, Oid relid, AlterTableCmd *cmd,
				  List **added, List **parts)
{
	switch (cmd->subtype)
	{
		case AT_AddColumn:
			{
				ColumnDef  *def = castNode(ColumnDef, cmd->def);
				HeapTuple	tuple = column_tuple(relid, def->colname);

				if (HeapTupleIsValid(tuple))
				{
					ReleaseSysCache(tuple);
					/* IF NOT EXISTS: nothing added; else it fails */
					return cmd->missing_ok ? SUBCMD_NOTHING : SUBCMD_UNKNOWN;
				}
				*added = lappend(*added, pstrdup(def->colname));
				*parts = lappend(*parts,
								 part(psprintf("DROP COLUMN %s",
											   quote_identifier(def->colname))));
				return SUBCMD_PARTS;
			}
		case AT_AddConstraint:
			return revert_add_constraint(relid, castNode(Constraint, cmd->def),
										 *added, parts);
		case AT_SetNotNull:
		case AT_DropNotNull:
		case AT_ColumnDefault:
			return revert_alter_column(relid, cmd, *added, parts);
		case AT_DropColumn:
			return SUBCMD_IRREVERSIBLE;
		case AT_AlterColumnType:
			/* A rewrite loses what the old type held; else: unknown. */
			if (stmt->risk.rewrites != NULL &&
				strcmp(stmt->risk.rewrites, "rewrite") == 0)
				return SUBCMD_IRREVERSIBLE;
			return SUBCMD_UNKNOWN;
		default:
			return SUBCMD_UNKNOWN;
	}
}

/*
 * ALTER TABLE: its sub-commands' reverts in reverse order, as one ALTER
 * TABLE; irreversible if one of them is, unknown if one of them is.
 */
void
revert_alter_table(SafeDdlStatement *stmt, Node *node)
{
	AlterTableStmt *parsetree = castNode(AlterTableStmt, node);
	Oid			relid;
	char		relkind;
	char	   *name = NULL;
	List	   *added = NIL;
	List	   *parts = NIL;
	bool		unknown = false;
	bool		unnamed = false;
	ListCell   *lc;
	RevertPlan *plan;

	if (compat_alter_table_objtype(parsetree) != OBJECT_TABLE)
		return;
	relid = relation_of(stmt, parsetree->relation);
	if (!OidIsValid(relid))
		return;
	relkind = get_rel_relkind(relid);
	if ((relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE) ||
		(name = relation_name(relid)) == NULL)
		return;

	foreach(lc, parsetree->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		List	   *own = NIL;

		switch (revert_subcommand(stmt, relid, cmd, &added, &own))
		{
			case SUBCMD_IRREVERSIBLE:
				plan = new_plan(stmt);
				plan->reversible = 0;
				return;
			case SUBCMD_UNKNOWN:
				unknown = true;
				break;
			case SUBCMD_NOTHING:
			case SUBCMD_PARTS:
				break;
		}
		parts = list_concat(own, parts);
	}
	if (unknown || parts == NIL)
		return;

	plan = new_plan(stmt);
	plan->relid = relid;
	plan->alter_prefix = psprintf("ALTER TABLE %s%s",
								  parsetree->relation->inh ? "" : "ONLY ",
								  name);
	plan->parts = parts;
	foreach(lc, parts)
	{
		if (((RevertPart *) lfirst(lc))->text == NULL)
			unnamed = true;
	}
	if (unnamed)
	{
		plan->before_oids = constraints_not_in(relid, NIL, 0, false);
		plan->finish = finish_alter_table;
	}
	else
		finish_alter_table(plan);
}

/* RENAME of a relation, column, constraint, schema, function: back. */
void
revert_rename(SafeDdlStatement *stmt, Node *node)
{
	RenameStmt *parsetree = castNode(RenameStmt, node);
	const char *newname = quote_identifier(parsetree->newname);
	Oid			relid = InvalidOid;
	char	   *relname = NULL;
	const char *keyword = NULL;

	if (parsetree->relation != NULL)
	{
		relid = relation_of(stmt, parsetree->relation);
		if (!OidIsValid(relid) || (relname = relation_name(relid)) == NULL)
			return;
		keyword = relkind_keyword(get_rel_relkind(relid));
		if (keyword == NULL)
			return;
	}

	switch (parsetree->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
			{
				char	   *nspname = get_namespace_name(get_rel_namespace(relid));
				char	   *oldname = get_rel_name(relid);

				if (nspname == NULL || oldname == NULL)
					return;
				plan_revert(stmt, psprintf("ALTER %s %s RENAME TO %s", keyword,
										   quote_qualified_identifier(nspname,
																	  parsetree->newname),
										   quote_identifier(oldname)));
				break;
			}
		case OBJECT_COLUMN:
			{
				HeapTuple	tuple;

				if (strcmp(keyword, "INDEX") == 0 ||
					strcmp(keyword, "SEQUENCE") == 0)
					return;
				tuple = column_tuple(relid, parsetree->subname);
				if (!HeapTupleIsValid(tuple))
					return;
				ReleaseSysCache(tuple);
				plan_revert(stmt, psprintf("ALTER %s %s RENAME COLUMN %s TO %s",
										   keyword, relname, newname,
										   quote_identifier(parsetree->subname)));
				break;
			}
		case OBJECT_TABCONSTRAINT:
			if (!OidIsValid(get_relation_constraint_oid(relid, parsetree->subname,
														true)))
				return;
			plan_revert(stmt, psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
									   relname, newname,
									   quote_identifier(parsetree->subname)));
			break;
		case OBJECT_SCHEMA:
			if (!OidIsValid(get_namespace_oid(parsetree->subname, true)))
				return;
			plan_revert(stmt, psprintf("ALTER SCHEMA %s RENAME TO %s", newname,
									   quote_identifier(parsetree->subname)));
			break;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			{
				Oid			funcid;
				const char *routine;
				char	   *signature;
				char	   *oldname;

				funcid = LookupFuncWithArgs(parsetree->renameType,
											castNode(ObjectWithArgs, parsetree->object),
											true);
				if (!OidIsValid(funcid) ||
					(routine = routine_keyword(funcid)) == NULL ||
					(signature = routine_signature(funcid, parsetree->newname)) == NULL ||
					(oldname = get_func_name(funcid)) == NULL)
					return;
				plan_revert(stmt, psprintf("ALTER %s %s RENAME TO %s",
										   routine, signature,
										   quote_identifier(oldname)));
				break;
			}
		default:
			break;
	}
}

/* The word COMMENT ON takes for a kind of object; NULL: not handled. */
static const char *
comment_keyword(ObjectType objtype)
{
	switch (objtype)
	{
		case OBJECT_TABLE:
			return "TABLE";
		case OBJECT_VIEW:
			return "VIEW";
		case OBJECT_MATVIEW:
			return "MATERIALIZED VIEW";
		case OBJECT_INDEX:
			return "INDEX";
		case OBJECT_SEQUENCE:
			return "SEQUENCE";
		case OBJECT_FOREIGN_TABLE:
			return "FOREIGN TABLE";
		case OBJECT_COLUMN:
			return "COLUMN";
		case OBJECT_TABCONSTRAINT:
			return "CONSTRAINT";
		case OBJECT_SCHEMA:
			return "SCHEMA";
		case OBJECT_FUNCTION:
			return "FUNCTION";
		case OBJECT_PROCEDURE:
			return "PROCEDURE";
		default:
			return NULL;
	}
}

/* The relation named by all but the last drop names of a list. */
static Oid
relation_of_names(List *names, int drop)
{
	List	   *relnames;

	if (list_length(names) <= drop || list_length(names) > 3 + drop)
		return InvalidOid;
	relnames = list_truncate(list_copy(names), list_length(names) - drop);
	return RangeVarGetRelid(makeRangeVarFromNameList(relnames), NoLock, true);
}

/* COMMENT ON: the old comment back, or IS NULL. */
void
revert_comment(SafeDdlStatement *stmt, Node *node)
{
	CommentStmt *parsetree = castNode(CommentStmt, node);
	const char *keyword = comment_keyword(parsetree->objtype);
	Oid			objid;
	Oid			classid = RelationRelationId;
	int32		subid = 0;
	char	   *target = NULL;
	char	   *old;

	if (keyword == NULL)
		return;
	switch (parsetree->objtype)
	{
		case OBJECT_COLUMN:
			{
				List	   *names = castNode(List, parsetree->object);
				const char *colname = strVal(llast(names));

				objid = relation_of_names(names, 1);
				if (!OidIsValid(objid) ||
					(subid = get_attnum(objid, colname)) == InvalidAttrNumber ||
					(target = relation_name(objid)) == NULL)
					return;
				target = psprintf("%s.%s", target, quote_identifier(colname));
				break;
			}
		case OBJECT_TABCONSTRAINT:
			{
				List	   *names = castNode(List, parsetree->object);
				const char *conname = strVal(llast(names));
				Oid			relid = relation_of_names(names, 1);
				char	   *relname;

				if (!OidIsValid(relid) || (relname = relation_name(relid)) == NULL)
					return;
				objid = get_relation_constraint_oid(relid, conname, true);
				if (!OidIsValid(objid))
					return;
				classid = ConstraintRelationId;
				target = psprintf("%s ON %s", quote_identifier(conname), relname);
				break;
			}
		case OBJECT_SCHEMA:
			objid = get_namespace_oid(strVal(parsetree->object), true);
			if (!OidIsValid(objid))
				return;
			classid = NamespaceRelationId;
			target = pstrdup(quote_identifier(strVal(parsetree->object)));
			break;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
			objid = LookupFuncWithArgs(parsetree->objtype,
									   castNode(ObjectWithArgs, parsetree->object),
									   true);
			if (!OidIsValid(objid))
				return;
			classid = ProcedureRelationId;
			target = compat_function_signature(objid);
			if (target == NULL)
				return;			/* dropped meanwhile */
			break;
		default:
			/* a relation */
			objid = relation_of_names(castNode(List, parsetree->object), 0);
			if (!OidIsValid(objid) || (target = relation_name(objid)) == NULL)
				return;
			break;
	}
	old = GetComment(objid, classid, subid);
	plan_revert(stmt, psprintf("COMMENT ON %s %s IS %s", keyword, target,
							   old != NULL ? quote_literal_cstr(old) : "NULL"));
}

/*
 * DROP: irreversible where it removes data (a table, a materialized view,
 * a sequence's state, a schema with CASCADE); the others could be rebuilt
 * from the catalog, but are left unknown.
 */
void
revert_drop(SafeDdlStatement *stmt, Node *node)
{
	DropStmt   *parsetree = castNode(DropStmt, node);
	switch (parsetree->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
			new_plan(stmt)->reversible = 0;
			break;
		case OBJECT_SCHEMA:
			if (parsetree->behavior == DROP_CASCADE)
				new_plan(stmt)->reversible = 0;
			break;
		default:
			break;
	}
}

/* TRUNCATE, DROP DATABASE: nothing brings the data back. */
void
revert_irreversible(SafeDdlStatement *stmt, Node *parsetree)
{
	new_plan(stmt)->reversible = 0;
}

/* ---- the dispatch ---- */

/*
 * Before a checked statement runs (the policy allowed it): what undoes it,
 * from the catalog as it stands.
 */
void
safe_ddl_revert_before(SafeDdlStatement *stmt, Node *parsetree)
{
	SafeDdlRevertFn revert = safe_ddl_statement_kind(parsetree)->revert;
	MemoryContext oldcontext;

	stmt->revert.plan = NULL;
	if (revert == NULL)
		return;
	oldcontext = MemoryContextSwitchTo(GetMemoryChunkContext(stmt));
	revert(stmt, parsetree);
	MemoryContextSwitchTo(oldcontext);
}

/*
 * Once the statement completed, before its row is written: the names
 * PostgreSQL generated, and the revert into the row.
 */
void
safe_ddl_revert_after(SafeDdlStatement *stmt)
{
	RevertPlan *plan = (RevertPlan *) stmt->revert.plan;
	MemoryContext oldcontext;

	if (plan == NULL)
		return;
	oldcontext = MemoryContextSwitchTo(GetMemoryChunkContext(stmt));
	if (plan->finish != NULL)
		plan->finish(plan);
	stmt->revert.statement = plan->statement;
	stmt->revert.reversible = plan->reversible;
	stmt->revert.plan = NULL;
	MemoryContextSwitchTo(oldcontext);
}
