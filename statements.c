/*-------------------------------------------------------------------------
 *
 * statements.c
 *		What safe_ddl knows of each kind of utility statement, in one table
 *		with one entry per node type: whether it is DDL, how its targets
 *		are collected (classify.c), how the rules assess it (rules.c), what
 *		the guard refuses of it (guard.c), how it is reverted.
 *
 * The table is indexed by node tag: finding a statement's entry is one
 * bounds check and one array read, which is all the hook does for a
 * statement that is not DDL (safe_ddl_is_ddl).  A node type without an
 * entry is all zeros, which says: DDL as log_statement = 'ddl' says, and
 * nothing more to it than its command tag.
 *
 * An entry gives, each left zero when there is nothing to say:
 *
 *	is_ddl		a function of the node's fields (LOCK, VACUUM); NULL: what
 *				log_statement = 'ddl' logs
 *	targets		BY(classify_<node>), or the one field that names its target
 *				(FIELD, SUBOBJECT): how classify.c collects its targets
 *	assess		assess_<node>: how rules.c assesses its risk
 *	lock		or just the lock it takes on each relation it names
 *	guard		guard_<node>: what guard.c refuses of it, beyond naming the
 *				extension's objects
 *	revert		the statement that undoes it
 *
 * A node type given two entries fails to compile (-Wextra's
 * -Woverride-init, with -Werror as scripts/lib.sh builds).
 *
 * Not here: COPY and LOCK TABLE on the log (guard.c's
 * safe_ddl_guard_utility), refused to anyone but a superuser before the
 * hook even asks whether a statement is DDL, and whatever it is; they are
 * doors to the log, kept with the executor's in guard.c.
 *
 * Handling a new kind of statement: its entry here, its classify_<node>
 * (or the field that names its target) and assess_<node> functions, its
 * tests.  A node type that only some majors have goes in under a feature
 * macro of compat.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "storage/lockdefs.h"
#include "tcop/utility.h"

#include "revert.h"
#include "statements.h"

/* DDL whatever log_statement says: TRUNCATE and REINDEX lock and rewrite. */
static bool
always_ddl(Node *parsetree)
{
	return true;
}

/*
 * LOCK TABLE ... IN ACCESS EXCLUSIVE MODE queues every later reader behind
 * it, the way ALTER TABLE does.  Weaker modes let plain SELECTs through and
 * are what applications use to serialize their own work: they are not DDL.
 */
static bool
lock_is_ddl(Node *parsetree)
{
	return castNode(LockStmt, parsetree)->mode == AccessExclusiveLock;
}

/* VACUUM FULL rewrites its tables; plain VACUUM and ANALYZE are not DDL. */
static bool
vacuum_is_ddl(Node *parsetree)
{
	VacuumStmt *stmt = castNode(VacuumStmt, parsetree);
	ListCell   *lc;

	if (!stmt->is_vacuumcmd)
		return false;
	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "full") == 0)
			return defGetBoolean(opt);
	}
	return false;
}

/* Targets collected by a classify_<node> function. */
#define BY(classify_fn)	{.classify = (classify_fn)}

/*
 * The one target a field of the node names: how it is read (a
 * SafeDdlTargetField without its prefix), the node's type and the field,
 * the object type's name.
 */
#define FIELD(how, node, member, name) \
	{.field = SAFE_DDL_FIELD_##how, .offset = offsetof(node, member), \
	 .object_type = (name)}

/* A "name ON relation" sub-object: the node, its two fields, its type. */
#define SUBOBJECT(node, name_member, relation_member, name) \
	{.field = SAFE_DDL_FIELD_SUBOBJECT, .offset = offsetof(node, name_member), \
	 .relation_offset = offsetof(node, relation_member), .object_type = (name)}

static const SafeDdlKind kinds[] = {
	/* relations */
	[T_CreateStmt] = {.targets = BY(classify_create_table), .assess = assess_create_table,
		.revert = revert_create_relation},
	[T_CreateForeignTableStmt] = {
		.targets = FIELD(NEW_RELATION, CreateForeignTableStmt, base.relation, "foreign table"),
		.revert = revert_create_relation},
	[T_CreateTableAsStmt] = {.targets = BY(classify_create_table_as),
		.revert = revert_create_relation},
	[T_ViewStmt] = {.targets = FIELD(NEW_RELATION, ViewStmt, view, "view"),
		.revert = revert_create_relation},
	[T_CreateSeqStmt] = {.targets = FIELD(NEW_RELATION, CreateSeqStmt, sequence, "sequence"),
		.revert = revert_create_relation},
	[T_AlterSeqStmt] = {.targets = FIELD(RELATION, AlterSeqStmt, sequence, "sequence")},
	[T_IndexStmt] = {.targets = BY(classify_index), .assess = assess_index,
		.revert = revert_create_index},
	[T_AlterTableStmt] = {.targets = BY(classify_alter_table), .assess = assess_alter_table,
		.revert = revert_alter_table},
	[T_TruncateStmt] = {.is_ddl = always_ddl, .targets = BY(classify_truncate), .assess = assess_truncate,
		.revert = revert_irreversible},
	[T_VacuumStmt] = {.is_ddl = vacuum_is_ddl, .targets = BY(classify_vacuum), .assess = assess_vacuum,
		.guard = guard_vacuum},
	[T_ClusterStmt] = {.targets = BY(classify_cluster), .assess = assess_cluster},
	[T_ReindexStmt] = {.is_ddl = always_ddl, .targets = BY(classify_reindex), .assess = assess_reindex,
		.guard = guard_reindex},
	[T_RefreshMatViewStmt] = {.targets = FIELD(RELATION, RefreshMatViewStmt, relation, "materialized view"),
		.assess = assess_refresh_mat_view},
	[T_LockStmt] = {.is_ddl = lock_is_ddl, .targets = BY(classify_lock), .assess = assess_lock,
		.guard = guard_lock_stmt},
	[T_ExplainStmt] = {.targets = BY(classify_explain)},
	[T_AlterTableMoveAllStmt] = {.targets = FIELD(NAME, AlterTableMoveAllStmt, orig_tablespacename, "tablespace"),
		.assess = assess_alter_table_move_all},

	/* "name ON relation": the lock on the relation is all they risk */
	[T_CreateTrigStmt] = {.targets = SUBOBJECT(CreateTrigStmt, trigname, relation, "trigger"),
		.lock = ShareRowExclusiveLock},
	[T_CreatePolicyStmt] = {.targets = SUBOBJECT(CreatePolicyStmt, policy_name, table, "policy"),
		.lock = AccessExclusiveLock},
	[T_AlterPolicyStmt] = {.targets = SUBOBJECT(AlterPolicyStmt, policy_name, table, "policy"),
		.lock = AccessExclusiveLock},
	[T_RuleStmt] = {.targets = SUBOBJECT(RuleStmt, rulename, relation, "rule"), .lock = AccessExclusiveLock},

	/* any object */
	[T_DropStmt] = {.targets = BY(classify_drop), .assess = assess_drop,
		.revert = revert_drop},
	[T_RenameStmt] = {.targets = BY(classify_rename), .assess = assess_rename, .guard = guard_rename,
		.revert = revert_rename},
	[T_AlterObjectSchemaStmt] = {.targets = BY(classify_alter_object_schema), .assess = assess_alter_object_schema,
		.guard = guard_alter_object_schema},
	[T_AlterOwnerStmt] = {.targets = BY(classify_alter_owner)},
	[T_CommentStmt] = {.targets = BY(classify_comment), .assess = assess_comment,
		.revert = revert_comment},
	[T_SecLabelStmt] = {.targets = BY(classify_sec_label)},
	[T_GrantStmt] = {.targets = BY(classify_grant), .guard = guard_grant},
	[T_AlterDefaultPrivilegesStmt] = {.guard = guard_alter_default_privileges},
	[T_DropOwnedStmt] = {.assess = assess_drop_owned, .guard = guard_drop_owned},
	[T_ReassignOwnedStmt] = {.guard = guard_reassign_owned},

	/* functions and types */
	[T_CreateFunctionStmt] = {.targets = BY(classify_create_function),
		.revert = revert_create_function},
	[T_AlterFunctionStmt] = {.targets = BY(classify_alter_function)},
	[T_DefineStmt] = {.targets = BY(classify_define)},
	[T_CompositeTypeStmt] = {.targets = FIELD(NEW_RELATION, CompositeTypeStmt, typevar, "type"),
		.revert = revert_create_type},
	[T_CreateEnumStmt] = {.targets = FIELD(NEW_NAME, CreateEnumStmt, typeName, "type"),
		.revert = revert_create_type},
	[T_CreateRangeStmt] = {.targets = FIELD(NEW_NAME, CreateRangeStmt, typeName, "type"),
		.revert = revert_create_type},
	[T_AlterEnumStmt] = {.targets = FIELD(TYPE, AlterEnumStmt, typeName, "type")},
	[T_CreateDomainStmt] = {.targets = FIELD(NEW_NAME, CreateDomainStmt, domainname, "domain"),
		.revert = revert_create_type},
	[T_AlterDomainStmt] = {.targets = FIELD(TYPE, AlterDomainStmt, typeName, "domain")},

	/* schemas, databases, extensions */
	[T_CreateSchemaStmt] = {.targets = BY(classify_create_schema), .guard = guard_create_schema,
		.revert = revert_create_schema},
	[T_CreatedbStmt] = {.targets = FIELD(NAME, CreatedbStmt, dbname, "database")},
	[T_DropdbStmt] = {.targets = FIELD(NAME, DropdbStmt, dbname, "database"), .assess = assess_dropdb,
		.revert = revert_irreversible},
	[T_AlterDatabaseStmt] = {.targets = FIELD(NAME, AlterDatabaseStmt, dbname, "database")},
	[T_AlterDatabaseSetStmt] = {.targets = FIELD(NAME, AlterDatabaseSetStmt, dbname, "database")},
	[T_CreateExtensionStmt] = {.targets = FIELD(NAME, CreateExtensionStmt, extname, "extension"),
		.guard = guard_create_extension},
	[T_AlterExtensionStmt] = {.targets = FIELD(NAME, AlterExtensionStmt, extname, "extension")},
	[T_AlterExtensionContentsStmt] = {.targets = BY(classify_alter_extension_contents)},

	/* roles, tablespaces, event triggers */
	[T_CreateRoleStmt] = {.targets = FIELD(NAME, CreateRoleStmt, role, "role")},
	[T_AlterRoleStmt] = {.targets = FIELD(ROLE, AlterRoleStmt, role, "role")},
	[T_AlterRoleSetStmt] = {.targets = FIELD(ROLE, AlterRoleSetStmt, role, "role")},
	[T_DropRoleStmt] = {.targets = BY(classify_drop_role)},
	[T_CreateTableSpaceStmt] = {.targets = FIELD(NAME, CreateTableSpaceStmt, tablespacename, "tablespace")},
	[T_DropTableSpaceStmt] = {.targets = FIELD(NAME, DropTableSpaceStmt, tablespacename, "tablespace")},
	[T_CreateEventTrigStmt] = {.targets = FIELD(NAME, CreateEventTrigStmt, trigname, "event trigger")},
	[T_AlterEventTrigStmt] = {.targets = FIELD(NAME, AlterEventTrigStmt, trigname, "event trigger")},
};

/* The entry of a node type that has none. */
static const SafeDdlKind no_entry = {0};

StaticAssertDecl(NoLock == 0, "an entry left zero takes no lock");

/*
 * The entry of a statement's node type.  Inline, for safe_ddl_is_ddl: the
 * exported function is called through the PLT, which costs the hook's
 * path for every utility statement more than the look-up itself.
 */
static inline const SafeDdlKind *
kind_of(Node *parsetree)
{
	NodeTag		tag = nodeTag(parsetree);

	return (unsigned int) tag < lengthof(kinds) ? &kinds[tag] : &no_entry;
}

/* What safe_ddl knows of this statement's kind. */
const SafeDdlKind *
safe_ddl_statement_kind(Node *parsetree)
{
	return kind_of(parsetree);
}

/*
 * Is this utility statement DDL?  This runs for every utility statement,
 * BEGIN and SET included: one array read, no catalog access, no
 * allocation.  DDL is what log_statement = 'ddl' logs (GetCommandLogLevel
 * returns LOGSTMT_DDL), except where the entry says otherwise: TRUNCATE,
 * REINDEX and VACUUM FULL lock or rewrite an existing table the way DDL
 * does, LOCK TABLE in modes weaker than ACCESS EXCLUSIVE does not.
 */
bool
safe_ddl_is_ddl(Node *parsetree)
{
	SafeDdlIsDdlFn is_ddl = kind_of(parsetree)->is_ddl;

	if (is_ddl != NULL)
		return is_ddl(parsetree);
	return GetCommandLogLevel(parsetree) == LOGSTMT_DDL;
}
