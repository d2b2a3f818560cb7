/*-------------------------------------------------------------------------
 *
 * classify.c
 *		What a DDL statement is: its command tag, the type and
 *		schema-qualified identities of the objects it targets, whether every
 *		one of them is temporary, and its own text.
 *
 * The shared helpers (add_relation, add_object, ...) come first, then one
 * classify_<node> function per kind of statement that has more to it than
 * one field; statements.c says which applies to each node type, and
 * whether the statement is DDL at all.
 *
 * Targets are resolved before the statement runs, by name and without
 * taking any lock: a lock taken here and upgraded by the statement could
 * deadlock two sessions that would otherwise just queue.  An object the
 * statement creates is named from its schema (given, or the creation
 * schema of search_path).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_transform.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/proclang.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "parser/scansup.h"
#include "rewrite/rewriteDefine.h"
#include "rewrite/rewriteSupport.h"
#include "storage/lmgr.h"
#include "storage/lockdefs.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "classify.h"
#include "compat.h"

/* What classification collects about a statement's targets. */
struct SafeDdlTargets
{
	List	   *identities;		/* char * */
	int			more;			/* identities left out past MAX_IDENTITIES */
	List	   *resolved;		/* SafeDdlResolved * */
	int			count;			/* targets whose persistence we know */
	int			temp;			/* ... of which temporary */
	bool		cascades;		/* may reach permanent objects all the same */
};

/*
 * The name SQL uses for an object type, as in event triggers' object_type;
 * NULL for a type not named here.
 */
static const char *
object_type_name(ObjectType type)
{
	switch (type)
	{
		case OBJECT_ACCESS_METHOD:
			return "access method";
		case OBJECT_AGGREGATE:
			return "aggregate";
		case OBJECT_CAST:
			return "cast";
		case OBJECT_COLUMN:
			return "table column";
		case OBJECT_COLLATION:
			return "collation";
		case OBJECT_CONVERSION:
			return "conversion";
		case OBJECT_DATABASE:
			return "database";
		case OBJECT_DOMAIN:
			return "domain";
		case OBJECT_DOMCONSTRAINT:
			return "domain constraint";
		case OBJECT_EVENT_TRIGGER:
			return "event trigger";
		case OBJECT_EXTENSION:
			return "extension";
		case OBJECT_FDW:
			return "foreign-data wrapper";
		case OBJECT_FOREIGN_SERVER:
			return "server";
		case OBJECT_FOREIGN_TABLE:
			return "foreign table";
		case OBJECT_FUNCTION:
			return "function";
		case OBJECT_INDEX:
			return "index";
		case OBJECT_LANGUAGE:
			return "language";
		case OBJECT_LARGEOBJECT:
			return "large object";
		case OBJECT_MATVIEW:
			return "materialized view";
		case OBJECT_OPCLASS:
			return "operator class";
		case OBJECT_OPERATOR:
			return "operator";
		case OBJECT_OPFAMILY:
			return "operator family";
		case OBJECT_POLICY:
			return "policy";
		case OBJECT_PROCEDURE:
			return "procedure";
		case OBJECT_PUBLICATION:
			return "publication";
		case OBJECT_ROLE:
			return "role";
		case OBJECT_ROUTINE:
			return "routine";
		case OBJECT_RULE:
			return "rule";
		case OBJECT_SCHEMA:
			return "schema";
		case OBJECT_SEQUENCE:
			return "sequence";
		case OBJECT_SUBSCRIPTION:
			return "subscription";
		case OBJECT_STATISTIC_EXT:
			return "statistics object";
		case OBJECT_TABCONSTRAINT:
			return "table constraint";
		case OBJECT_TABLE:
			return "table";
		case OBJECT_TABLESPACE:
			return "tablespace";
		case OBJECT_TRANSFORM:
			return "transform";
		case OBJECT_TRIGGER:
			return "trigger";
		case OBJECT_TSCONFIGURATION:
			return "text search configuration";
		case OBJECT_TSDICTIONARY:
			return "text search dictionary";
		case OBJECT_TSPARSER:
			return "text search parser";
		case OBJECT_TSTEMPLATE:
			return "text search template";
		case OBJECT_TYPE:
			return "type";
		case OBJECT_VIEW:
			return "view";
		default:
			return NULL;
	}
}

/*
 * The object type named by a command tag: "CREATE FOREIGN TABLE" gives
 * "foreign table".  Used when the statement itself does not say.
 */
static const char *
object_type_from_tag(const char *tag)
{
	static const char *const verbs[] = {"CREATE ", "ALTER ", "DROP "};
	size_t		i;

	for (i = 0; i < lengthof(verbs); i++)
	{
		size_t		len = strlen(verbs[i]);

		if (strncmp(tag, verbs[i], len) == 0)
		{
			char	   *result = pstrdup(tag + len);
			char	   *p;

			for (p = result; *p; p++)
				*p = pg_tolower((unsigned char) *p);
			return result;
		}
	}
	return NULL;
}

static bool
is_relation_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TABLE:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			return true;
		default:
			return false;
	}
}

/* Objects named "name ON relation": their names end with the relation's. */
static bool
is_relation_subobject_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
		case OBJECT_RULE:
			return true;
		default:
			return false;
	}
}

/*
 * The schema an unqualified new object is created in, or InvalidOid.
 */
static Oid
creation_namespace(void)
{
	List	   *path = fetch_search_path(false);

	return path != NIL ? linitial_oid(path) : InvalidOid;
}

/*
 * Identities longer than this are clipped.  Each one is an entry of the
 * GIN index on object_identities, whose entries cannot exceed about 2.7 kB
 * (a third of a page): a longer one (a function with many long argument
 * types) would make the row impossible to write.  The start of the name,
 * schema included, is what a search by prefix and the guard read.
 */
#define MAX_IDENTITY_LENGTH		1024
#define MAX_IDENTITIES		100
#define CLIPPED_MARKER			"... [clipped by safe_ddl]"

static void
add_identity(SafeDdlTargets *targets, char *identity)
{
	int			len = strlen(identity);

	/*
	 * A statement naming thousands of objects (DROP TABLE a, b, c, ...) is
	 * recorded with the first MAX_IDENTITIES, and a count of the others:
	 * the row must fit the queue and the server log line stay readable.
	 */
	if (list_length(targets->identities) >= MAX_IDENTITIES)
	{
		targets->more++;
		return;
	}

	if (len > MAX_IDENTITY_LENGTH)
	{
		int			keep = pg_mbcliplen(identity, len, MAX_IDENTITY_LENGTH);

		identity = psprintf("%.*s%s", keep, identity, CLIPPED_MARKER);
	}
	targets->identities = lappend(targets->identities, identity);
}

/*
 * Add a relation target.  An existing relation is found by name, without a
 * lock; one the statement creates (or one that does not exist) is named
 * from its RangeVar.  Returns the identity added.
 */
static char *
add_relation(SafeDdlTargets *targets, const RangeVar *rv, bool creating)
{
	Oid			relid = InvalidOid;
	Oid			nspid = InvalidOid;
	bool		temp = (rv->relpersistence == RELPERSISTENCE_TEMP);
	char	   *identity;

	if (!creating)
	{
		SafeDdlResolved *found = palloc(sizeof(SafeDdlResolved));

		relid = RangeVarGetRelid(rv, NoLock, true);
		found->rv = rv;
		found->relid = relid;
		targets->resolved = lappend(targets->resolved, found);
	}

	if (OidIsValid(relid))
	{
		nspid = get_rel_namespace(relid);
		temp = (get_rel_persistence(relid) == RELPERSISTENCE_TEMP);
	}
	else if (rv->schemaname != NULL)
	{
		if (strcmp(rv->schemaname, "pg_temp") == 0)
			temp = true;
		else
			nspid = get_namespace_oid(rv->schemaname, true);
	}
	else if (!temp)
	{
		nspid = creation_namespace();
		if (OidIsValid(nspid) && isTempNamespace(nspid))
			temp = true;
	}

	if (temp)
		identity = psprintf("pg_temp.%s", quote_identifier(rv->relname));
	else if (OidIsValid(nspid))
		identity = quote_qualified_identifier(get_namespace_name(nspid),
											  rv->relname);
	else
		identity = quote_qualified_identifier(rv->schemaname, rv->relname);

	add_identity(targets, identity);
	targets->count++;
	if (temp)
		targets->temp++;
	return identity;
}

/* An existing relation target given by OID. */
static void
add_relation_oid(SafeDdlTargets *targets, Oid relid)
{
	char	   *relname = get_rel_name(relid);
	bool		temp = get_rel_persistence(relid) == RELPERSISTENCE_TEMP;

	if (relname == NULL)
		return;
	add_identity(targets, temp ?
				 psprintf("pg_temp.%s", quote_identifier(relname)) :
				 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											relname));
	targets->count++;
	if (temp)
		targets->temp++;
}

/*
 * The relations LOCK TABLE locks when given relid: relid first, and for a
 * view, the relations its query reads, recursively (PostgreSQL locks them
 * too).  Read from pg_depend; with view_lock, each view is locked first,
 * in the mode LOCK TABLE will take on it anyway (how: waiting, or not at
 * all and an error, or not at all), so that what it reads cannot change
 * until the transaction ends (CREATE OR REPLACE VIEW takes ACCESS
 * EXCLUSIVE, and one committed while LOCK TABLE waits would otherwise be
 * what LOCK TABLE locks).
 */
List *
safe_ddl_lock_relations(Oid relid, LOCKMODE view_lock, SafeDdlViewLock how)
{
	List	   *result = list_make1_oid(relid);
	int			i;

	/* breadth first, over a list that grows; views nest 32 deep at most */
	for (i = 0; i < list_length(result) && i < 1024; i++)
	{
		Oid			viewid = list_nth_oid(result, i);
		Oid			ruleid;
		Relation	depend;
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tuple;

		if (get_rel_relkind(viewid) != RELKIND_VIEW)
			continue;
		if (view_lock == NoLock)
			;
		else if (how == SAFE_DDL_VIEWS_WAIT)
			LockRelationOid(viewid, view_lock);
		else if (!ConditionalLockRelationOid(viewid, view_lock) &&
				 how == SAFE_DDL_VIEWS_NOWAIT)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("could not obtain lock on relation \"%s\"",
							get_rel_name(viewid))));
		ruleid = get_rewrite_oid(viewid, ViewSelectRuleName, true);
		if (!OidIsValid(ruleid))
			continue;
		depend = table_open(DependRelationId, AccessShareLock);
		ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(RewriteRelationId));
		ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(ruleid));
		scan = systable_beginscan(depend, DependDependerIndexId, true, NULL,
								  2, key);
		while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

			if (dep->refclassid == RelationRelationId &&
				dep->refobjid != viewid)
				result = list_append_unique_oid(result, dep->refobjid);
		}
		systable_endscan(scan);
		table_close(depend, AccessShareLock);
	}
	return result;
}

/* A "name ON relation" sub-object, and its relation. */
static void
add_subobject(SafeDdlTargets *targets, const char *name, const RangeVar *rel,
			  bool column)
{
	SafeDdlTargets scratch = {0};
	char	   *relident = add_relation(&scratch, rel, false);

	if (name != NULL)
		add_identity(targets, column ?
					 psprintf("%s.%s", relident, quote_identifier(name)) :
					 psprintf("%s on %s", quote_identifier(name), relident));
	add_identity(targets, relident);
	targets->count += scratch.count;
	targets->temp += scratch.temp;
	targets->resolved = list_concat(targets->resolved, scratch.resolved);
}

/*
 * The tables that foreign keys among these constraints (Constraint nodes,
 * or ColumnDefs with theirs) reference: adding the key locks each one
 * SHARE ROW EXCLUSIVE, a lock that queues behind a reader's and every
 * later writer behind it.
 */
static void
add_referenced_tables(SafeDdlTargets *targets, List *elements)
{
	ListCell   *lc;

	foreach(lc, elements)
	{
		Node	   *element = lfirst(lc);

		if (IsA(element, ColumnDef))
			add_referenced_tables(targets, ((ColumnDef *) element)->constraints);
		else if (IsA(element, Constraint) &&
				 ((Constraint *) element)->contype == CONSTR_FOREIGN &&
				 ((Constraint *) element)->pktable != NULL)
			add_relation(targets, ((Constraint *) element)->pktable, false);
	}
}

/*
 * The relations an ALTER TABLE locks besides its own: parents it inherits
 * from or leaves, partitions it attaches or detaches, tables its new
 * foreign keys reference.  They are targets too, so that a temporary table
 * altered against a permanent one is not taken for a temporary-only
 * statement: the permanent one is locked as firmly.
 */
static void
add_alter_table_relations(SafeDdlTargets *targets, List *cmds)
{
	ListCell   *lc;

	foreach(lc, cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->def == NULL)
			continue;
		switch (cmd->subtype)
		{
			case AT_AddInherit:
			case AT_DropInherit:
				if (IsA(cmd->def, RangeVar))
					add_relation(targets, (RangeVar *) cmd->def, false);
				break;
			case AT_AttachPartition:
			case AT_DetachPartition:
#ifdef COMPAT_HAS_DETACH_PARTITION_FINALIZE
			case AT_DetachPartitionFinalize:
#endif
				if (IsA(cmd->def, PartitionCmd) &&
					((PartitionCmd *) cmd->def)->name != NULL)
					add_relation(targets, ((PartitionCmd *) cmd->def)->name,
								 false);
				break;
			case AT_AddColumn:
			case AT_AddConstraint:
				add_referenced_tables(targets, list_make1(cmd->def));
				break;
			default:
				break;
		}
	}
}

/*
 * A name a statement creates, given as a possibly qualified name list.
 */
static void
add_created_name(SafeDdlTargets *targets, List *names)
{
	char	   *schemaname;
	char	   *objname;
	Oid			nspid;

	DeconstructQualifiedName(names, &schemaname, &objname);
	if (schemaname == NULL && OidIsValid(nspid = creation_namespace()))
		schemaname = get_namespace_name(nspid);
	add_identity(targets, quote_qualified_identifier(schemaname, objname));
	targets->count++;
}

/*
 * A type given as a TypeName (DROP TYPE, COMMENT ON TYPE) or as a list of
 * names (ALTER TYPE ... RENAME / OWNER / SET SCHEMA, GRANT ON TYPE).
 */
static TypeName *
type_name_of(Node *object)
{
	if (object == NULL)
		return NULL;
	if (IsA(object, TypeName))
		return (TypeName *) object;
	if (IsA(object, List) && list_length((List *) object) > 0 &&
		IsA(linitial((List *) object), String))
		return makeTypeNameFromNameList((List *) object);
	return NULL;
}

static Oid
type_oid_of(Node *object)
{
	TypeName   *typname = type_name_of(object);

	return typname ? LookupTypeNameOid(NULL, typname, true) : InvalidOid;
}

/*
 * The name of an object as the statement writes it, whatever node it is
 * given as: for the objects whose identity we do not look up.
 */
static char *
name_as_written(Node *object)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		last_was_name = false;

	if (object == NULL)
		return NULL;
	switch (nodeTag(object))
	{
		case T_String:
			return pstrdup(quote_identifier(strVal(object)));
		case T_TypeName:
			return TypeNameToString((TypeName *) object);
		case T_ObjectWithArgs:
			return NameListToQuotedString(((ObjectWithArgs *) object)->objname);
		case T_List:
			/* names joined by dots, other parts (types) by spaces */
			initStringInfo(&buf);
			foreach(lc, (List *) object)
			{
				char	   *name = name_as_written(lfirst(lc));

				if (name == NULL)
					continue;
				if (buf.len > 0)
					appendStringInfoString(&buf, IsA(lfirst(lc), String) &&
										   last_was_name ? "." : " ");
				appendStringInfoString(&buf, name);
				last_was_name = IsA(lfirst(lc), String);
			}
			return buf.len > 0 ? buf.data : NULL;
		default:
			return NULL;
	}
}

/*
 * An existing object given the way DROP, COMMENT, RENAME and GRANT give
 * it.  Every node is checked for its type before it is read: the parser
 * gives the same object type in different shapes in different statements.
 */
static void
add_object(SafeDdlTargets *targets, ObjectType type, Node *object)
{
	ObjectAddress address;
	char	   *identity;

	if (object == NULL)
		return;

	if (is_relation_type(type))
	{
		if (IsA(object, RangeVar))
			add_relation(targets, (RangeVar *) object, false);
		else if (IsA(object, List))
			add_relation(targets, makeRangeVarFromNameList((List *) object),
						 false);
		return;
	}

	if (is_relation_subobject_type(type) && IsA(object, List))
	{
		List	   *names = (List *) object;
		List	   *relnames = list_truncate(list_copy(names),
											 list_length(names) - 1);

		if (relnames != NIL && IsA(llast(names), String))
			add_subobject(targets, strVal(llast(names)),
						  makeRangeVarFromNameList(relnames),
						  type == OBJECT_COLUMN);
		return;
	}

	/*
	 * Functions, types, casts, domain constraints and transforms are looked
	 * up for their qualified identity; the lookups take no lock.  Other
	 * objects are named as written.
	 */
	address.classId = InvalidOid;
	address.objectId = InvalidOid;
	switch (type)
	{
		case OBJECT_AGGREGATE:
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			if (IsA(object, ObjectWithArgs))
			{
				address.classId = ProcedureRelationId;
				address.objectId = LookupFuncWithArgs(type,
													  (ObjectWithArgs *) object,
													  true);
			}
			break;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			address.classId = TypeRelationId;
			address.objectId = type_oid_of(object);
			break;
		case OBJECT_CAST:
			if (IsA(object, List) && list_length((List *) object) == 2)
			{
				Oid			source = type_oid_of(linitial((List *) object));
				Oid			target = type_oid_of(lsecond((List *) object));

				address.classId = CastRelationId;
				if (OidIsValid(source) && OidIsValid(target))
					address.objectId = get_cast_oid(source, target, true);
			}
			break;
		case OBJECT_DOMCONSTRAINT:
			if (IsA(object, List) && list_length((List *) object) == 2 &&
				IsA(lsecond((List *) object), String))
			{
				Oid			domain = type_oid_of(linitial((List *) object));

				address.classId = ConstraintRelationId;
				if (OidIsValid(domain))
					address.objectId =
						get_domain_constraint_oid(domain,
												  strVal(lsecond((List *) object)),
												  true);
			}
			break;
		case OBJECT_TRANSFORM:
			if (IsA(object, List) && list_length((List *) object) == 2 &&
				IsA(lsecond((List *) object), String))
			{
				Oid			typid = type_oid_of(linitial((List *) object));
				Oid			langid = get_language_oid(strVal(lsecond((List *) object)),
													  true);

				address.classId = TransformRelationId;
				if (OidIsValid(typid) && OidIsValid(langid))
					address.objectId = get_transform_oid(typid, langid, true);
			}
			break;
		default:
			break;
	}
	if (OidIsValid(address.objectId))
	{
		address.objectSubId = 0;
		identity = compat_object_identity(&address);
		if (identity != NULL)
		{
			add_identity(targets, identity);
			targets->count++;
			return;
		}
	}

	/* Anything else: its name as written. */
	identity = name_as_written(object);
	if (identity == NULL)
		return;
	add_identity(targets, identity);
	targets->count++;
}

static void
add_plain_name(SafeDdlTargets *targets, const char *name)
{
	if (name == NULL)
		return;
	add_identity(targets, pstrdup(quote_identifier(name)));
	targets->count++;
}

static void
add_role(SafeDdlTargets *targets, RoleSpec *role)
{
	if (role != NULL && role->rolename != NULL)
		add_plain_name(targets, role->rolename);
}

/* ---------------------------------------------------------------------
 * The targets of each kind of statement (statements.c names the function
 * of each node type, or the one field that names its target)
 * ---------------------------------------------------------------------
 */

/* An existing relation, or another object, and the object type's name. */
static const char *
relation_or_object(SafeDdlTargets *targets, RangeVar *relation,
				   ObjectType type, Node *object)
{
	if (relation != NULL)
		add_relation(targets, relation, false);
	else
		add_object(targets, type, object);
	return object_type_name(type);
}

const char *
classify_create_table(SafeDdlTargets *targets, Node *parsetree)
{
	CreateStmt *stmt = castNode(CreateStmt, parsetree);
	ListCell   *lc;

	add_relation(targets, stmt->relation, true);

	/*
	 * The parents (INHERITS, PARTITION OF) and the tables its foreign keys
	 * reference are locked beyond what a reader takes: a temporary table
	 * created against a permanent one waits for it like any DDL, so it is
	 * not temporary-only.
	 */
	foreach(lc, stmt->inhRelations)
		add_relation(targets, lfirst_node(RangeVar, lc), false);
	add_referenced_tables(targets, stmt->tableElts);
	return "table";
}

const char *
classify_create_table_as(SafeDdlTargets *targets, Node *parsetree)
{
	CreateTableAsStmt *stmt = castNode(CreateTableAsStmt, parsetree);

	add_relation(targets, stmt->into->rel, true);
	return object_type_name(compat_create_table_as_objtype(stmt));
}

const char *
classify_index(SafeDdlTargets *targets, Node *parsetree)
{
	IndexStmt  *stmt = castNode(IndexStmt, parsetree);
	SafeDdlTargets table = {0};
	char	   *relident = add_relation(&table, stmt->relation, false);

	if (stmt->idxname != NULL)
	{
		char	   *dot = strrchr(relident, '.');
		char	   *nspname = dot ? pnstrdup(relident, dot - relident) : NULL;

		/* relident's schema part is already quoted */
		add_identity(targets, nspname ?
					 psprintf("%s.%s", nspname,
							  quote_identifier(stmt->idxname)) :
					 pstrdup(quote_identifier(stmt->idxname)));
	}
	targets->identities = list_concat(targets->identities, table.identities);
	targets->count += table.count;
	targets->temp += table.temp;
	targets->resolved = list_concat(targets->resolved, table.resolved);
	return "index";
}

const char *
classify_alter_table(SafeDdlTargets *targets, Node *parsetree)
{
	AlterTableStmt *stmt = castNode(AlterTableStmt, parsetree);

	add_relation(targets, stmt->relation, false);
	add_alter_table_relations(targets, stmt->cmds);
	return object_type_name(compat_alter_table_objtype(stmt));
}

const char *
classify_drop(SafeDdlTargets *targets, Node *parsetree)
{
	DropStmt   *stmt = castNode(DropStmt, parsetree);
	ListCell   *lc;

	foreach(lc, stmt->objects)
		add_object(targets, stmt->removeType, lfirst(lc));

	/*
	 * DROP ... CASCADE of temporary objects can reach permanent ones (a
	 * permanent table's column of a temporary table's row type): it is
	 * checked like any other DDL.
	 */
	if (stmt->behavior == DROP_CASCADE)
		targets->cascades = true;
	return object_type_name(stmt->removeType);
}

const char *
classify_rename(SafeDdlTargets *targets, Node *parsetree)
{
	RenameStmt *stmt = castNode(RenameStmt, parsetree);

	if (stmt->relation != NULL &&
		is_relation_subobject_type(stmt->renameType))
		add_subobject(targets, stmt->subname, stmt->relation,
					  stmt->renameType == OBJECT_COLUMN);
	else if (stmt->relation == NULL && stmt->object == NULL &&
			 stmt->subname != NULL)
	{
		/* a schema, database, role, tablespace ... by name */
		add_plain_name(targets, stmt->subname);
	}
	else
		return relation_or_object(targets, stmt->relation, stmt->renameType,
								  stmt->object);
	return object_type_name(stmt->renameType);
}

const char *
classify_alter_object_schema(SafeDdlTargets *targets, Node *parsetree)
{
	AlterObjectSchemaStmt *stmt = castNode(AlterObjectSchemaStmt, parsetree);

	return relation_or_object(targets, stmt->relation, stmt->objectType,
							  stmt->object);
}

const char *
classify_alter_owner(SafeDdlTargets *targets, Node *parsetree)
{
	AlterOwnerStmt *stmt = castNode(AlterOwnerStmt, parsetree);

	return relation_or_object(targets, stmt->relation, stmt->objectType,
							  stmt->object);
}

const char *
classify_comment(SafeDdlTargets *targets, Node *parsetree)
{
	CommentStmt *stmt = castNode(CommentStmt, parsetree);

	return relation_or_object(targets, NULL, stmt->objtype, stmt->object);
}

const char *
classify_sec_label(SafeDdlTargets *targets, Node *parsetree)
{
	SecLabelStmt *stmt = castNode(SecLabelStmt, parsetree);

	return relation_or_object(targets, NULL, stmt->objtype, stmt->object);
}

const char *
classify_grant(SafeDdlTargets *targets, Node *parsetree)
{
	GrantStmt  *stmt = castNode(GrantStmt, parsetree);
	ListCell   *lc;

	if (stmt->targtype == ACL_TARGET_OBJECT)
		foreach(lc, stmt->objects)
		{
			if (IsA(lfirst(lc), RangeVar))
				add_relation(targets, lfirst_node(RangeVar, lc), false);
			else
				add_object(targets, stmt->objtype, lfirst(lc));
		}
	return object_type_name(stmt->objtype);
}

const char *
classify_truncate(SafeDdlTargets *targets, Node *parsetree)
{
	ListCell   *lc;

	foreach(lc, castNode(TruncateStmt, parsetree)->relations)
		add_relation(targets, lfirst_node(RangeVar, lc), false);
	return "table";
}

const char *
classify_vacuum(SafeDdlTargets *targets, Node *parsetree)
{
	ListCell   *lc;

	foreach(lc, castNode(VacuumStmt, parsetree)->rels)
		add_relation(targets, lfirst_node(VacuumRelation, lc)->relation,
					 false);
	return "table";
}

const char *
classify_cluster(SafeDdlTargets *targets, Node *parsetree)
{
	ClusterStmt *stmt = castNode(ClusterStmt, parsetree);

	if (stmt->relation != NULL)
		add_relation(targets, stmt->relation, false);
	return "table";
}

const char *
classify_reindex(SafeDdlTargets *targets, Node *parsetree)
{
	ReindexStmt *stmt = castNode(ReindexStmt, parsetree);

	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
			add_relation(targets, stmt->relation, false);
			return "index";
		case REINDEX_OBJECT_TABLE:
			add_relation(targets, stmt->relation, false);
			return "table";
		case REINDEX_OBJECT_SCHEMA:
			add_plain_name(targets, stmt->name);
			return "schema";
		default:
			add_plain_name(targets, stmt->name);
			return "database";
	}
}

const char *
classify_create_function(SafeDdlTargets *targets, Node *parsetree)
{
	CreateFunctionStmt *stmt = castNode(CreateFunctionStmt, parsetree);

	add_created_name(targets, stmt->funcname);
	return stmt->is_procedure ? "procedure" : "function";
}

const char *
classify_alter_function(SafeDdlTargets *targets, Node *parsetree)
{
	AlterFunctionStmt *stmt = castNode(AlterFunctionStmt, parsetree);

	return relation_or_object(targets, NULL, stmt->objtype,
							  (Node *) stmt->func);
}

const char *
classify_define(SafeDdlTargets *targets, Node *parsetree)
{
	DefineStmt *stmt = castNode(DefineStmt, parsetree);

	add_created_name(targets, stmt->defnames);
	return object_type_name(stmt->kind);
}

const char *
classify_create_schema(SafeDdlTargets *targets, Node *parsetree)
{
	CreateSchemaStmt *stmt = castNode(CreateSchemaStmt, parsetree);

	if (stmt->schemaname != NULL)
		add_plain_name(targets, stmt->schemaname);
	else
		add_role(targets, stmt->authrole);
	return "schema";
}

const char *
classify_alter_extension_contents(SafeDdlTargets *targets, Node *parsetree)
{
	AlterExtensionContentsStmt *stmt =
		castNode(AlterExtensionContentsStmt, parsetree);

	/*
	 * The member added or dropped is a target as much as the extension:
	 * once a member of another extension, an object goes with it when that
	 * extension is dropped.
	 */
	add_plain_name(targets, stmt->extname);
	add_object(targets, stmt->objtype, stmt->object);
	return "extension";
}

const char *
classify_lock(SafeDdlTargets *targets, Node *parsetree)
{
	ListCell   *lc;

	foreach(lc, castNode(LockStmt, parsetree)->relations)
	{
		RangeVar   *rv = lfirst_node(RangeVar, lc);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);
		ListCell   *lc2;

		add_relation(targets, rv, false);

		/*
		 * LOCK on a view locks what the view reads too: a temporary view of
		 * a permanent table is not temporary-only.
		 */
		if (OidIsValid(relid))
			foreach(lc2, list_delete_first(safe_ddl_lock_relations(relid, NoLock, SAFE_DDL_VIEWS_WAIT)))
				add_relation_oid(targets, lfirst_oid(lc2));
	}
	return "table";
}

const char *
classify_explain(SafeDdlTargets *targets, Node *parsetree)
{
	/*
	 * EXPLAIN ANALYZE runs its statement, and is DDL when that is CREATE
	 * TABLE AS, SELECT INTO or CREATE MATERIALIZED VIEW (a Query wrapping a
	 * CreateTableAsStmt by now): name the table it creates.  The command
	 * tag stays EXPLAIN.
	 */
	Node	   *query = castNode(ExplainStmt, parsetree)->query;

	if (query != NULL && IsA(query, Query) &&
		((Query *) query)->commandType == CMD_UTILITY &&
		((Query *) query)->utilityStmt != NULL &&
		IsA(((Query *) query)->utilityStmt, CreateTableAsStmt))
		return classify_create_table_as(targets,
										((Query *) query)->utilityStmt);
	return NULL;
}

const char *
classify_drop_role(SafeDdlTargets *targets, Node *parsetree)
{
	ListCell   *lc;

	foreach(lc, castNode(DropRoleStmt, parsetree)->roles)
		add_role(targets, lfirst_node(RoleSpec, lc));
	return "role";
}

/*
 * The one target a field of the node names, for the statements that have
 * no more to them (statements.c gives the field and its offset).
 */
static const char *
classify_field(SafeDdlTargets *targets, Node *parsetree,
			   const SafeDdlClassifier *how)
{
	void	   *field;
	RangeVar   *relation;

	if (how->field == SAFE_DDL_FIELD_NONE)
		return how->object_type;
	field = *(void **) ((char *) parsetree + how->offset);
	switch (how->field)
	{
		case SAFE_DDL_FIELD_NONE:
			break;
		case SAFE_DDL_FIELD_NAME:
			add_plain_name(targets, (const char *) field);
			break;
		case SAFE_DDL_FIELD_ROLE:
			add_role(targets, (RoleSpec *) field);
			break;
		case SAFE_DDL_FIELD_RELATION:
		case SAFE_DDL_FIELD_NEW_RELATION:
			add_relation(targets, (RangeVar *) field,
						 how->field == SAFE_DDL_FIELD_NEW_RELATION);
			break;
		case SAFE_DDL_FIELD_NEW_NAME:
			add_created_name(targets, (List *) field);
			break;
		case SAFE_DDL_FIELD_SUBOBJECT:
			relation = *(RangeVar **) ((char *) parsetree +
									   how->relation_offset);
			add_subobject(targets, (const char *) field, relation, false);
			break;
		case SAFE_DDL_FIELD_TYPE:
			/* a domain is a type: looked up and named the same way */
			add_object(targets, OBJECT_TYPE,
					   (Node *) makeTypeNameFromNameList((List *) field));
			break;
	}
	return how->object_type;
}

/*
 * A statement's own text: cut at location/len from a (possibly
 * multi-statement) query string, as PlannedStmt's stmt_location and
 * stmt_len give them, trimmed of surrounding white space and of its
 * semicolon, and truncated past safe_ddl.max_statement_length bytes with
 * a visible marker.  The cut falls on a character boundary: a multibyte
 * character split in two would make the stored text invalid in the
 * database's encoding, which readers, and pg_dump's restore, reject.
 */
char *
safe_ddl_statement_text(const char *queryString, int location, int len)
{
	int			total;
	int			keep;

	if (queryString == NULL)
		return pstrdup("");

	total = strlen(queryString);
	if (location < 0 || location > total)
	{
		/* Unknown location: the whole string. */
		location = 0;
		len = total;
	}
	else if (len <= 0 || location + len > total)
		len = total - location;

	queryString += location;
	while (len > 0 && scanner_isspace(queryString[0]))
	{
		queryString++;
		len--;
	}
	while (len > 0 && (scanner_isspace(queryString[len - 1]) ||
					   queryString[len - 1] == ';'))
		len--;

	if (len <= safe_ddl_max_statement_length)
		return pnstrdup(queryString, len);

	keep = pg_mbcliplen(queryString, len, safe_ddl_max_statement_length);
	return psprintf("%.*s... [truncated by safe_ddl: %d of %d bytes kept]",
					keep, queryString, keep, len);
}

/*
 * What any utility statement is, as far as its text and command tag say:
 * no catalog access, nothing that can fail but memory.  Every attempt has
 * this much, even one whose classification raises an error.
 */
SafeDdlStatement *
safe_ddl_describe(PlannedStmt *pstmt, const char *queryString)
{
	SafeDdlStatement *stmt = palloc0(sizeof(SafeDdlStatement));

	stmt->what.command_tag = GetCommandTagName(CreateCommandTag(pstmt->utilityStmt));
	stmt->what.statement = safe_ddl_statement_text(queryString,
											  pstmt->stmt_location,
											  pstmt->stmt_len);
	/* not measured, not known, until the steps that know say otherwise */
	stmt->impact = safe_ddl_impact_unmeasured;
	stmt->revert.reversible = -1;
	return stmt;
}

/*
 * What a DDL statement targets, before it runs: its object type, the
 * identities of its objects, whether all of them are temporary.  how: the
 * classification of its kind of statement (statements.c).  Looks the
 * objects up, and so may raise an error (a cross-database reference, an
 * ambiguous function name ...).
 */
void
safe_ddl_classify(SafeDdlStatement *stmt, Node *parsetree,
				  const SafeDdlClassifier *how)
{
	SafeDdlTargets targets = {0};

	stmt->what.object_type = how->classify ?
		how->classify(&targets, parsetree) :
		classify_field(&targets, parsetree, how);
	if (stmt->what.object_type == NULL)
		stmt->what.object_type = object_type_from_tag(stmt->what.command_tag);
	if (targets.more > 0)
		targets.identities = lappend(targets.identities,
									 psprintf("... [%d more, left out by safe_ddl]",
											  targets.more));
	stmt->what.identities = targets.identities;
	stmt->what.resolved = targets.resolved;
	stmt->what.temp_only = (targets.count > 0 &&
							targets.temp == targets.count &&
							!targets.cascades);
}

/*
 * A relation named by REINDEX or CLUSTER that is partitioned: its
 * partitions are processed in transactions of their own.
 */
static bool
names_partitioned(const RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);
	char		relkind = OidIsValid(relid) ? get_rel_relkind(relid) : '\0';

	return relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_PARTITIONED_INDEX;
}

/*
 * Can this statement run inside a subtransaction, as the client sent it,
 * and mean the same?  Not those that run transactions of their own and
 * so refuse a transaction block (PreventInTransactionBlock): the
 * concurrent index builds and drops, DETACH PARTITION CONCURRENTLY,
 * VACUUM, CLUSTER and REINDEX of many relations, databases, tablespaces,
 * ALTER SYSTEM, subscriptions (some forms create or drop a replication
 * slot).  Nor LOCK TABLE outside a transaction block, an error as sent,
 * and EXPLAIN, whose rows go to the client.  Lock retries (retry.c) run
 * each attempt in a subtransaction.
 */
bool
safe_ddl_runs_in_subtransaction(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_IndexStmt:
			return !((IndexStmt *) parsetree)->concurrent;
		case T_DropStmt:
			return !((DropStmt *) parsetree)->concurrent;
		case T_ReindexStmt:
			{
				ReindexStmt *stmt = (ReindexStmt *) parsetree;

				if (compat_reindex_concurrently(stmt))
					return false;
				if (stmt->kind != REINDEX_OBJECT_TABLE &&
					stmt->kind != REINDEX_OBJECT_INDEX)
					return false;
				return stmt->relation == NULL ||
					!names_partitioned(stmt->relation);
			}
		case T_ClusterStmt:
			{
				ClusterStmt *stmt = (ClusterStmt *) parsetree;

				return stmt->relation != NULL &&
					!names_partitioned(stmt->relation);
			}
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				if (compat_detach_concurrently(lfirst_node(AlterTableCmd, lc)))
					return false;
			}
			return true;
		case T_AlterDatabaseStmt:
			foreach(lc, ((AlterDatabaseStmt *) parsetree)->options)
			{
				if (strcmp(lfirst_node(DefElem, lc)->defname, "tablespace") == 0)
					return false;
			}
			return true;
		case T_LockStmt:
			return IsTransactionBlock();
		case T_VacuumStmt:
		case T_CreatedbStmt:
		case T_DropdbStmt:
		case T_CreateTableSpaceStmt:
		case T_DropTableSpaceStmt:
		case T_AlterSystemStmt:
		case T_CreateSubscriptionStmt:
		case T_AlterSubscriptionStmt:
		case T_DropSubscriptionStmt:
		case T_ExplainStmt:
			return false;
		default:
			return true;
	}
}
