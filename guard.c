/*-------------------------------------------------------------------------
 *
 * guard.c
 *		Keeping the audit log tamper-proof: only the extension writes it,
 *		and no role but a superuser may change or remove it or anything
 *		else of the extension.  An attempt by anyone else is refused
 *		(SQLSTATE 42501) and itself recorded as a refused attempt.
 *
 * The doors that lead to the log:
 *
 * - DML (INSERT, UPDATE, DELETE, MERGE), seen by an ExecutorStart hook,
 *   and functions given the log's id sequence as a regclass constant
 *   (setval, nextval), seen by the same hook;
 * - COPY FROM and LOCK TABLE, utility statements that are not DDL
 *   (safe_ddl_guard_utility: a node-tag switch, nothing else for every
 *   other statement);
 * - DDL on the extension's objects (ALTER, DROP, TRUNCATE, COMMENT ...),
 *   whose targets classify.c has already named; DDL that gives the name
 *   safe_ddl, or moves an object into that schema (a schema of that name
 *   would be taken for the extension's); and DDL that reaches the
 *   extension's objects without naming them (DROP OWNED, REASSIGN OWNED,
 *   ALTER DEFAULT PRIVILEGES and GRANT ... IN SCHEMA safe_ddl).
 *
 * The executor hook costs a plain SELECT two comparisons (it has no result
 * relation, and a list of relations only when it reads one); other
 * statements compare OIDs with the log's and its sequence's, cached per
 * backend and forgotten on relcache invalidation (audit.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_rewrite.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteSupport.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "attempts.h"
#include "audit.h"
#include "classify.h"
#include "guard.h"
#include "statements.h"

#define EXTENSION_SCHEMA	"safe_ddl"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/*
 * Record the attempt as refused and raise the error.
 */
static void
refuse(SafeDdlStatement *stmt, const char *what)
{
	char	   *message = psprintf("permission denied: only a superuser may %s",
								   what);

	stmt->decision.policy_violation = message;
	if (safe_ddl_audit)
	{
		stmt->result.duration_ms = 0;
		safe_ddl_record_refused(stmt, message, ERRCODE_INSUFFICIENT_PRIVILEGE);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s", message),
			 errdetail("safe_ddl recorded this attempt by role \"%s\".",
					   stmt->session.current_user_name),
			 errhint("Ask a superuser.")));
}

/*
 * A statement that is not DDL but reaches the log or its sequence:
 * describe it the way the hook describes DDL, so that its row reads the
 * same, and refuse it.  Its text is this statement alone (location and len
 * from its PlannedStmt), truncated the way DDL's is: on a character
 * boundary, with the marker.
 */
static void
refuse_other(const char *command_tag, const char *object_type,
			 char *identity, const char *query_text, int location, int len,
			 const char *what)
{
	SafeDdlStatement *stmt = palloc0(sizeof(SafeDdlStatement));

	stmt->what.command_tag = command_tag;
	stmt->what.object_type = object_type;
	stmt->what.identities = list_make1(identity);
	stmt->what.statement = safe_ddl_statement_text(query_text, location, len);
	safe_ddl_begin_attempt(stmt);
	stmt->session.log_installed = true;
	refuse(stmt, what);
}

static char *
relation_identity(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * How many times relid (InvalidOid: any relation) is in the plan's range
 * table.
 */
static int
rtable_count(PlannedStmt *plan, Oid relid)
{
	ListCell   *lc;
	int			n = 0;

	/* a view is a subquery that keeps its relid since PostgreSQL 16 */
	foreach(lc, plan->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (OidIsValid(rte->relid) && (!OidIsValid(relid) || rte->relid == relid))
			n++;
	}
	return n;
}

/*
 * Functions given the log's id sequence: setval() moves it (every later
 * row's id then collides), nextval() uses up ids.  A role with UPDATE or
 * USAGE on it (pg_write_all_data has both) may call them.
 *
 * The planner records each relation of the range table and each regclass
 * constant of the plan in relationOids (setrefs.c), so the sequence is
 * there once per reference of either kind; seen more often than in the
 * range table, it is given as a constant to some function.  Reading the
 * sequence (SELECT last_value FROM it, as pg_dump does) stays allowed.
 *
 * What this does not catch: a regclass that is not a constant of the plan
 * (setval(relid_column, ...), a parameter, a PL/pgSQL variable or a
 * PL/pgSQL "simple expression", which does not go through the executor's
 * start).  ids.c does not trust the sequence's position for that reason.
 * And it refuses any other use of the sequence as a constant
 * ('safe_ddl.audit_log_id_seq'::regclass in a query on pg_class, currval).
 */
static void
guard_sequence(QueryDesc *queryDesc)
{
	PlannedStmt *plan = queryDesc->plannedstmt;
	Oid			seqid;
	ListCell   *lc;
	int			n = 0;

	/* Most plans have no regclass constant: nothing more to look at. */
	if (list_length(plan->relationOids) <= rtable_count(plan, InvalidOid))
		return;
	if (!OidIsValid(safe_ddl_audit_log(&seqid)) || !OidIsValid(seqid))
		return;
	foreach(lc, plan->relationOids)
		if (lfirst_oid(lc) == seqid)
			n++;
	if (n == 0 || n <= rtable_count(plan, seqid) || superuser())
		return;
	refuse_other(GetCommandTagName(CreateCommandTag((Node *) plan)),
				 "sequence", relation_identity(seqid),
				 queryDesc->sourceText, plan->stmt_location, plan->stmt_len,
				 "use the sequence of safe_ddl.audit_log");
}

static void
guard_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	PlannedStmt *plan = queryDesc->plannedstmt;

	/* Writable CTEs make a SELECT write too: look at result relations. */
	if (plan->resultRelations != NIL && !superuser())
	{
		Oid			relid = safe_ddl_audit_log(NULL);
		ListCell   *lc;

		if (OidIsValid(relid))
			foreach(lc, plan->resultRelations)
			{
				RangeTblEntry *rte = rt_fetch(lfirst_int(lc), plan->rtable);

				if (rte->relid == relid)
					refuse_other(GetCommandTagName(CreateCommandTag((Node *) plan)),
								 "table", relation_identity(relid),
								 queryDesc->sourceText,
								 plan->stmt_location, plan->stmt_len,
								 "write to safe_ddl.audit_log");
			}
	}

	if (plan->relationOids != NIL)
		guard_sequence(queryDesc);

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * COPY ... FROM into the log.
 */
static void
guard_copy(PlannedStmt *pstmt, const char *queryString)
{
	CopyStmt   *stmt = (CopyStmt *) pstmt->utilityStmt;
	Oid			relid;

	if (!stmt->is_from || stmt->relation == NULL || superuser())
		return;
	relid = safe_ddl_audit_log(NULL);
	if (OidIsValid(relid) &&
		RangeVarGetRelid(stmt->relation, NoLock, true) == relid)
		refuse_other("COPY", "table", relation_identity(relid), queryString,
					 pstmt->stmt_location, pstmt->stmt_len,
					 "write to safe_ddl.audit_log");
}

/*
 * May the user LOCK TABLE relid in mode?  The privileges LOCK TABLE asks
 * for (SELECT for ACCESS SHARE, a write privilege for the others), at the
 * least: the guard locks nothing LOCK TABLE would refuse to lock.
 */
static bool
may_lock(Oid relid, LOCKMODE mode)
{
	AclMode		mask;

	if (mode == AccessShareLock)
		mask = ACL_SELECT;
	else if (mode == RowExclusiveLock)
		mask = ACL_INSERT | ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE;
	else
		mask = ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE;
	return pg_class_aclmask(relid, GetUserId(), mask, ACLMASK_ANY) != 0;
}

/*
 * Does LOCK TABLE on relid reach the log, its sequence or anything in the
 * extension's schema?  A view is locked with what it reads.  Each view is
 * locked before its definition is read, in the mode the statement asks
 * for (PostgreSQL takes it next anyway: no lock upgrade), NOWAIT kept, so
 * that no definition committed later (while LOCK TABLE waits, or sleeps
 * between lock retries) can make it reach the log after all.  Not a view
 * the user may not lock: LOCK TABLE refuses it next.  A LOCK TABLE that is
 * DDL (ACCESS EXCLUSIVE) does not wait here, outside its attempt (whose
 * row and lock retries a wait belongs to): a view it cannot lock at once
 * is checked as it stands, and again once LOCK TABLE holds it
 * (safe_ddl_guard_lock_held).
 */
static bool
lock_reaches_extension(Oid relid, LOCKMODE view_lock, SafeDdlViewLock how,
					   Oid logid, Oid seqid, Oid nspid)
{
	ListCell   *lc;

	if (!OidIsValid(relid))
		return false;
	foreach(lc, safe_ddl_lock_relations(relid, view_lock, how))
	{
		Oid			locked = lfirst_oid(lc);

		if (locked == logid || locked == seqid ||
			(OidIsValid(nspid) && get_rel_namespace(locked) == nspid))
			return true;
	}
	return false;
}

/*
 * The first relation LOCK TABLE names that reaches the log, its sequence or
 * the extension's schema, or InvalidOid.  before: the check before the
 * statement, which locks each view first (lock_reaches_extension);
 * otherwise the check once the statement holds them.
 */
static Oid
lock_target_reaching_extension(LockStmt *stmt, bool before)
{
	Oid			logid;
	Oid			seqid = InvalidOid;
	Oid			nspid;
	ListCell   *lc;

	logid = safe_ddl_audit_log(&seqid);
	nspid = get_namespace_oid(EXTENSION_SCHEMA, true);
	if (!OidIsValid(logid) && !OidIsValid(nspid))
		return InvalidOid;
	foreach(lc, stmt->relations)
	{
		Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc),
											 NoLock, true);
		LOCKMODE	view_lock = NoLock;
		SafeDdlViewLock how = SAFE_DDL_VIEWS_WAIT;

		if (!OidIsValid(relid))
			continue;
		if (before && may_lock(relid, stmt->mode))
		{
			view_lock = stmt->mode;
			how = stmt->nowait ? SAFE_DDL_VIEWS_NOWAIT :
				stmt->mode == AccessExclusiveLock ? SAFE_DDL_VIEWS_TRY :
				SAFE_DDL_VIEWS_WAIT;
		}
		if (lock_reaches_extension(relid, view_lock, how, logid, seqid, nspid))
			return relid;
	}
	return InvalidOid;
}

/*
 * LOCK TABLE on the log, its sequence or anything in schema safe_ddl, in
 * any mode.  A role with a write privilege on the log (pg_write_all_data
 * has one on every table) may lock it: ACCESS EXCLUSIVE then stalls every
 * DDL statement of the database, whose row the log must take, and every
 * reader of the log; weaker modes stall the DDL just as well.
 */
static void
guard_lock(PlannedStmt *pstmt, const char *queryString)
{
	Oid			relid;

	if (superuser())
		return;
	relid = lock_target_reaching_extension((LockStmt *) pstmt->utilityStmt, true);
	if (OidIsValid(relid))
		refuse_other("LOCK TABLE", "table", relation_identity(relid),
					 queryString, pstmt->stmt_location, pstmt->stmt_len,
					 "lock the relations of safe_ddl");
}

/*
 * LOCK TABLE ... IN ACCESS EXCLUSIVE MODE (DDL), its guard: checked as
 * before the statement (safe_ddl_guard_utility did it before the attempt
 * began), again before each lock retry, where the refusal is the
 * attempt's own row.
 */
void
guard_lock_stmt(SafeDdlStatement *stmt, Node *parsetree)
{
	if (!superuser() &&
		OidIsValid(lock_target_reaching_extension(castNode(LockStmt, parsetree),
												  true)))
		refuse(stmt, "lock the relations of safe_ddl");
}

/*
 * LOCK TABLE ... IN ACCESS EXCLUSIVE MODE has taken its locks: the views
 * it names can no longer change.  If one now reaches the log (redefined
 * while the statement waited for it), fail the statement, which releases
 * what it took: its attempt's row says so.
 */
void
safe_ddl_guard_lock_held(Node *parsetree)
{
	Oid			relid;

	if (superuser())
		return;
	relid = lock_target_reaching_extension(castNode(LockStmt, parsetree), false);
	if (OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("safe_ddl refused LOCK TABLE of %s: only a superuser may lock the relations of safe_ddl",
						relation_identity(relid)),
				 errdetail("The view was changed to read a relation of safe_ddl while the statement waited for it.")));
}

/*
 * Utility statements that are not DDL but reach the log.  Called for every
 * utility statement: a switch on the node tag, nothing more, for the
 * others.
 */
void
safe_ddl_guard_utility(PlannedStmt *pstmt, const char *queryString)
{
	switch (nodeTag(pstmt->utilityStmt))
	{
		case T_CopyStmt:
			guard_copy(pstmt, queryString);
			break;
		case T_LockStmt:
			guard_lock(pstmt, queryString);
			break;
		default:
			break;
	}
}

/*
 * The owner of a catalog object, or InvalidOid for an object without one
 * (or gone).
 */
static Oid
object_owner(Oid classId, Oid objectId)
{
	AttrNumber	attnum = get_object_attnum_owner(classId);
	Relation	catalog;
	HeapTuple	tuple;
	Oid			owner = InvalidOid;

	if (attnum == InvalidAttrNumber || !OidIsValid(objectId))
		return InvalidOid;
	catalog = table_open(classId, AccessShareLock);
	tuple = get_catalog_object_by_oid(catalog, get_object_attnum_oid(classId),
									  objectId);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		datum = heap_getattr(tuple, attnum,
										 RelationGetDescr(catalog), &isnull);

		if (!isnull)
			owner = DatumGetObjectId(datum);
	}
	table_close(catalog, AccessShareLock);
	return owner;
}

/*
 * The roles that own something of the extension: the extension, schema
 * safe_ddl, every member of the extension (pg_depend, deptype 'e'), the
 * log and its sequence.  A superuser owns them all after CREATE EXTENSION,
 * but an ALTER ... OWNER, or a schema the extension adopted, can make
 * another role an owner.
 */
static List *
extension_owners(void)
{
	List	   *owners = NIL;
	Oid			extoid = get_extension_oid(EXTENSION_SCHEMA, true);
	Oid			seqid = InvalidOid;
	Oid			logid = safe_ddl_audit_log(&seqid);

	owners = list_append_unique_oid(owners,
									object_owner(NamespaceRelationId,
												 get_namespace_oid(EXTENSION_SCHEMA, true)));
	owners = list_append_unique_oid(owners,
									object_owner(RelationRelationId, logid));
	owners = list_append_unique_oid(owners,
									object_owner(RelationRelationId, seqid));
	if (OidIsValid(extoid))
	{
		Relation	depend;
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tuple;

		owners = list_append_unique_oid(owners,
										object_owner(ExtensionRelationId,
													 extoid));
		depend = table_open(DependRelationId, AccessShareLock);
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(ExtensionRelationId));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(extoid));
		scan = systable_beginscan(depend, DependReferenceIndexId, true, NULL,
								  2, key);
		while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

			if (dep->deptype == DEPENDENCY_EXTENSION)
				owners = list_append_unique_oid(owners,
												object_owner(dep->classid,
															 dep->objid));
		}
		systable_endscan(scan);
		table_close(depend, AccessShareLock);
	}
	return owners;
}

/*
 * Does any of these roles (RoleSpec) own something of the extension?
 */
static bool
roles_own_extension(List *roles)
{
	List	   *owners = NIL;
	bool		looked = false;
	ListCell   *lc;

	foreach(lc, roles)
	{
		Oid			roleid = get_rolespec_oid(lfirst_node(RoleSpec, lc), true);

		if (!OidIsValid(roleid))
			continue;
		if (!looked)
		{
			owners = extension_owners();
			looked = true;
		}
		if (list_member_oid(owners, roleid))
			return true;
	}
	return false;
}

/* The option of that name in a DefElem list, or NULL. */
static DefElem *
find_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(lfirst_node(DefElem, lc)->defname, name) == 0)
			return lfirst_node(DefElem, lc);
	return NULL;
}

/* Is this a list of String nodes one of which is the extension's schema? */
static bool
names_extension_schema(List *names)
{
	ListCell   *lc;

	foreach(lc, names)
		if (IsA(lfirst(lc), String) &&
			strcmp(strVal(lfirst(lc)), EXTENSION_SCHEMA) == 0)
			return true;
	return false;
}

/*
 * The name of the schema a CREATE SCHEMA creates: its own, or its owner's
 * (CREATE SCHEMA AUTHORIZATION role).
 */
static const char *
created_schema_name(CreateSchemaStmt *stmt)
{
	if (stmt->schemaname != NULL)
		return stmt->schemaname;
	if (stmt->authrole == NULL)
		return NULL;
	if (stmt->authrole->roletype == ROLESPEC_CSTRING)
		return stmt->authrole->rolename;
	if (stmt->authrole->roletype == ROLESPEC_PUBLIC)
		return NULL;
	return get_rolespec_name(stmt->authrole);
}

/* ---------------------------------------------------------------------
 * DDL on the extension's objects, one guard_<node> function per kind of
 * statement that can reach them other than by naming them (statements.c);
 * each runs for a role that is not a superuser only.
 *
 * Names that lead to the extension's schema.  audit.c finds the log by
 * name, in schema safe_ddl: a schema of that name, or an object moved into
 * one, would be taken for the extension's (in this database, or in one
 * where the extension is created later, with the schema already there).
 * So nobody but a superuser gives the name safe_ddl to anything (a rename
 * to it, of whatever kind, is refused: that is simpler to state than which
 * kinds matter), creates a schema of that name, or moves anything into it;
 * whether or not the extension is installed in this database.
 * ---------------------------------------------------------------------
 */

void
guard_rename(SafeDdlStatement *stmt, Node *parsetree)
{
	const char *newname = castNode(RenameStmt, parsetree)->newname;

	if (newname != NULL && strcmp(newname, EXTENSION_SCHEMA) == 0)
		refuse(stmt, "give the name safe_ddl to an object");
}

void
guard_create_schema(SafeDdlStatement *stmt, Node *parsetree)
{
	CreateSchemaStmt *create = castNode(CreateSchemaStmt, parsetree);
	const char *name = created_schema_name(create);

	if (name != NULL && strcmp(name, EXTENSION_SCHEMA) == 0)
		refuse(stmt, "create a schema named safe_ddl");
}

void
guard_alter_object_schema(SafeDdlStatement *stmt, Node *parsetree)
{
	if (strcmp(castNode(AlterObjectSchemaStmt, parsetree)->newschema,
			   EXTENSION_SCHEMA) == 0)
		refuse(stmt, "move objects into schema safe_ddl");
}

void
guard_create_extension(SafeDdlStatement *stmt, Node *parsetree)
{
	CreateExtensionStmt *create = castNode(CreateExtensionStmt, parsetree);
	DefElem    *opt = find_option(create->options, "schema");

	if (opt != NULL && strcmp(defGetString(opt), EXTENSION_SCHEMA) == 0)
		refuse(stmt, "move objects into schema safe_ddl");
}

/*
 * Statements over the whole database rewrite or rebuild the log too, under
 * an ACCESS EXCLUSIVE lock that stalls every DDL statement (a database
 * owner may run them): name the tables.
 */
void
guard_vacuum(SafeDdlStatement *stmt, Node *parsetree)
{
	if (castNode(VacuumStmt, parsetree)->rels == NIL &&
		OidIsValid(safe_ddl_audit_log(NULL)))
		refuse(stmt, "run VACUUM FULL over the whole database, safe_ddl.audit_log included");
}

void
guard_reindex(SafeDdlStatement *stmt, Node *parsetree)
{
	if (castNode(ReindexStmt, parsetree)->kind == REINDEX_OBJECT_DATABASE &&
		OidIsValid(safe_ddl_audit_log(NULL)))
		refuse(stmt, "reindex the whole database, safe_ddl.audit_log included");
}

/*
 * Statements that reach the extension's objects without naming them.  DROP
 * OWNED drops, and REASSIGN OWNED gives away, whatever the roles own: the
 * log too when one of them owns it, its schema or the extension (a
 * database owner whose schema CREATE EXTENSION adopted would drop the log,
 * rows and all, and leave no row).
 */
void
guard_drop_owned(SafeDdlStatement *stmt, Node *parsetree)
{
	if (roles_own_extension(castNode(DropOwnedStmt, parsetree)->roles))
		refuse(stmt, "drop what a role owning objects of safe_ddl owns");
}

void
guard_reassign_owned(SafeDdlStatement *stmt, Node *parsetree)
{
	if (roles_own_extension(castNode(ReassignOwnedStmt, parsetree)->roles))
		refuse(stmt, "reassign what a role owning objects of safe_ddl owns");
}

void
guard_alter_default_privileges(SafeDdlStatement *stmt, Node *parsetree)
{
	AlterDefaultPrivilegesStmt *alter = castNode(AlterDefaultPrivilegesStmt,
												 parsetree);
	DefElem    *opt = find_option(alter->options, "schemas");

	if (opt != NULL && names_extension_schema((List *) opt->arg))
		refuse(stmt, "change the objects of safe_ddl");
}

void
guard_grant(SafeDdlStatement *stmt, Node *parsetree)
{
	GrantStmt  *grant = castNode(GrantStmt, parsetree);

	if (grant->targtype == ACL_TARGET_ALL_IN_SCHEMA &&
		names_extension_schema(grant->objects))
		refuse(stmt, "change the objects of safe_ddl");
}

/*
 * DDL on anything of the extension: its schema, its objects, the
 * extension itself; DDL that makes something else look like them (its kind
 * of statement's guard_<node>); DDL that reaches them without naming them.
 */
void
safe_ddl_guard_ddl(SafeDdlStatement *stmt, Node *parsetree)
{
	SafeDdlGuardFn guard = safe_ddl_statement_kind(parsetree)->guard;
	ListCell   *lc;

	if (superuser())
		return;
	if (guard != NULL)
		guard(stmt, parsetree);

	/* The extension's objects, named. */
	foreach(lc, stmt->what.identities)
	{
		const char *identity = (const char *) lfirst(lc);

		if (strncmp(identity, EXTENSION_SCHEMA ".",
					strlen(EXTENSION_SCHEMA ".")) == 0 ||
			(strcmp(identity, EXTENSION_SCHEMA) == 0 &&
			 stmt->what.object_type != NULL &&
			 (strcmp(stmt->what.object_type, "schema") == 0 ||
			  strcmp(stmt->what.object_type, "extension") == 0)))
			refuse(stmt, "change the objects of safe_ddl");
	}
}

void
safe_ddl_guard_init(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = guard_ExecutorStart;
}
