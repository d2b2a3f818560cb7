/*-------------------------------------------------------------------------
 *
 * rules.c
 *		What a DDL statement risks on the live database, and the rules that
 *		say when that risk is too much.
 *
 * Before the statement runs we work out, from its parse tree and the
 * catalog, the strongest lock it takes on an existing relation, whether it
 * rewrites a table or scans it under that lock, and the size of each table
 * a size rule looks at.  Then every rule gives its verdict.  Nothing here
 * locks anything: relations are looked up by name and read from the
 * relation cache without a lock, the same way classify.c does, so that an
 * estimate never turns two queued sessions into a deadlock.
 *
 * Sizes come from the catalog and the file system, never from a scan: the
 * number of blocks of the main fork (what pg_relation_size reports; for a
 * partitioned table, the sum over its partitions) and reltuples, the
 * planner's row estimate.
 *
 * A relation created earlier in the same transaction is new: nobody else
 * can see it yet, so no rule applies to it.  Nor does one to a temporary
 * relation, which only its own session sees.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "storage/bufmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

#include "safe_ddl.h"

/* One rule: its name, what it warns about, and the safe recipe. */
typedef struct SafeDdlRule
{
	const char *name;
	bool		by_size;		/* fires only above large_table_size */
	bool		acknowledgeable;	/* allowed by safe_ddl.allow_destructive */
	const char *danger;			/* printf format, %s: the relation */
	const char *recipe;
} SafeDdlRule;

/* In the order of SafeDdlRuleId (safe_ddl.h) and of the README. */
static const SafeDdlRule rules[SAFE_DDL_NUM_RULES] = {
	{"index_without_concurrently", true, false,
		"building an index without CONCURRENTLY blocks writes to %s until the build ends",
		"Use CREATE INDEX CONCURRENTLY (or REINDEX ... CONCURRENTLY), outside a "
	"transaction block. On a partitioned table, create the index ON ONLY the "
	"parent, build each partition's index CONCURRENTLY, then ALTER INDEX ... "
	"ATTACH PARTITION each one."},
	{"constraint_without_not_valid", true, false,
		"adding the constraint validates every row of %s while it holds its lock",
		"Add the constraint with NOT VALID (a short lock, no scan), then run "
	"ALTER TABLE ... VALIDATE CONSTRAINT in its own transaction: it scans "
	"under a lock that lets reads and writes go on."},
	{"set_not_null_without_check", true, false,
		"SET NOT NULL scans %s under an ACCESS EXCLUSIVE lock: no validated CHECK (column IS NOT NULL) proves it",
		"Add CHECK (column IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT it "
	"in its own transaction, then SET NOT NULL (PostgreSQL 12 and later skip "
	"the scan when a validated CHECK proves it), then drop the CHECK."},
	{"unique_without_using_index", true, false,
		"adding a PRIMARY KEY or UNIQUE constraint builds its index on %s under an ACCESS EXCLUSIVE lock",
		"Build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then ADD "
	"CONSTRAINT ... PRIMARY KEY USING INDEX (or UNIQUE USING INDEX) it."},
	{"column_type_rewrite", true, false,
		"the type change rewrites %s and its indexes under an ACCESS EXCLUSIVE lock",
		"Add a new column of the new type, backfill it in batches, move the "
	"application to it, then drop the old one; or change to a "
	"binary-compatible type (varchar(n) to text or to a longer varchar)."},
	{"volatile_default_rewrite", true, false,
		"adding a column with a volatile default rewrites %s under an ACCESS EXCLUSIVE lock",
		"Add the column with no default (or a constant one: instant since "
	"PostgreSQL 11), then ALTER COLUMN ... SET DEFAULT for new rows, and "
	"backfill the existing rows in batches."},
	{"table_rewrite", true, false,
		"the statement rewrites %s under an ACCESS EXCLUSIVE lock",
		"Use REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index). "
	"Instead of VACUUM FULL or CLUSTER, let plain VACUUM make space reusable, "
	"or rebuild the table online with a tool such as pg_repack."},
	{"destructive_change", false, true,
		"it destroys data: %s",
		"If you mean it, run SET safe_ddl.allow_destructive = on (SET LOCAL "
	"inside a transaction) first; the audit log records the acknowledgement."},
	{"rename", false, true,
		"renaming %s breaks running application code that uses the old name",
		"Deploy application code that works with both names first (a view can "
	"carry the old name meanwhile); then acknowledge with SET "
	"safe_ddl.allow_destructive = on."},
};

/* Bit (1 << rule) for each rule named in safe_ddl.disabled_rules. */
static int	disabled_rules = 0;

/* The assessment of one statement, while it is being made. */
typedef struct Assessment
{
	SafeDdlStatement *stmt;
	LOCKMODE	lockmode;		/* NoLock: none on an existing relation */
	bool		rewrite;
	bool		scan;
	List	   *sized;			/* OIDs already in stmt->table_sizes */
	bool		allow_destructive;	/* the session acknowledges them */
} Assessment;

const char *
safe_ddl_rule_name(int rule)
{
	return rules[rule].name;
}

const char *
safe_ddl_rule_recipe(int rule)
{
	return rules[rule].recipe;
}

/*
 * GUC check hook for safe_ddl.disabled_rules: every name must be a rule.
 */
bool
safe_ddl_check_disabled_rules(char **newval, void **extra, GucSource source)
{
	char	   *rawstring = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	int			mask = 0;
	int		   *result;

	if (!SplitIdentifierString(rawstring, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		pfree(rawstring);
		list_free(names);
		return false;
	}

	foreach(lc, names)
	{
		const char *name = (const char *) lfirst(lc);
		int			rule;

		for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
			if (strcmp(name, rules[rule].name) == 0)
				break;
		if (rule == SAFE_DDL_NUM_RULES)
		{
			StringInfoData valid;

			initStringInfo(&valid);
			for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
				appendStringInfo(&valid, "%s%s", rule > 0 ? ", " : "",
								 rules[rule].name);
			GUC_check_errdetail("Unknown rule \"%s\". Valid rules are: %s.",
								name, valid.data);
			pfree(rawstring);
			list_free(names);
			return false;
		}
		mask |= 1 << rule;
	}
	pfree(rawstring);
	list_free(names);

#if PG_VERSION_NUM >= 160000
	result = (int *) guc_malloc(LOG, sizeof(int));
#else
	result = (int *) malloc(sizeof(int));
#endif
	if (result == NULL)
		return false;
	*result = mask;
	*extra = result;
	return true;
}

void
safe_ddl_assign_disabled_rules(const char *newval, void *extra)
{
	disabled_rules = *((int *) extra);
}

/* ---------------------------------------------------------------------
 * Relations, their sizes, whether they are new
 * ---------------------------------------------------------------------
 */

static Oid
relation_oid(const RangeVar *rv)
{
	if (rv == NULL)
		return InvalidOid;
	return RangeVarGetRelid(rv, NoLock, true);
}

/* Blocks of the main fork; for a partitioned table, of its partitions. */
static BlockNumber
relation_blocks(Relation rel)
{
	BlockNumber blocks = 0;

	if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return RelationGetNumberOfBlocks(rel);

	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		List	   *parts = find_all_inheritors(RelationGetRelid(rel), NoLock,
												NULL);
		ListCell   *lc;

		foreach(lc, parts)
		{
			Relation	part = RelationIdGetRelation(lfirst_oid(lc));

			if (part == NULL)
				continue;
			if (RELKIND_HAS_STORAGE(part->rd_rel->relkind))
				blocks += RelationGetNumberOfBlocks(part);
			RelationClose(part);
		}
	}
	return blocks;
}

static char *
relation_name(Oid relid)
{
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));
	char	   *relname = get_rel_name(relid);

	if (nspname == NULL || relname == NULL)
		return psprintf("relation %u", relid);
	return quote_qualified_identifier(nspname, relname);
}

/*
 * Give one rule's verdict on one relation (InvalidOid: a relation that
 * does not exist, which no rule is about).
 */
static void
consider(Assessment *a, SafeDdlRuleId rule, Oid relid, const char *danger)
{
	SafeDdlStatement *stmt = a->stmt;
	const SafeDdlRule *r = &rules[rule];
	SafeDdlVerdict verdict;
	Relation	rel;
	char	   *what;

	if (!OidIsValid(relid))
		return;
	rel = RelationIdGetRelation(relid);
	if (rel == NULL)
		return;

	what = NULL;
	if (rel->rd_createSubid != InvalidSubTransactionId ||
		rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		verdict = SAFE_DDL_VERDICT_NEW; /* no other session sees it */
	else if (!r->by_size)
		verdict = SAFE_DDL_VERDICT_FIRES;
	else
	{
		uint64		bytes = (uint64) relation_blocks(rel) * BLCKSZ;
		float4		tuples = rel->rd_rel->reltuples;
		char	   *size = text_to_cstring(DatumGetTextPP(
											DirectFunctionCall1(pg_size_pretty, Int64GetDatum(bytes))));
		char	   *name = relation_name(relid);

		if (!list_member_oid(a->sized, relid))
		{
			a->sized = lappend_oid(a->sized, relid);
			stmt->table_sizes =
				lappend(stmt->table_sizes,
						tuples >= 0 ?
						psprintf("%s: %s, about %.0f rows", name, size, tuples) :
						psprintf("%s: %s, never analyzed", name, size));
		}
		verdict = bytes > (uint64) safe_ddl_large_table_size * 1024 ?
			SAFE_DDL_VERDICT_FIRES : SAFE_DDL_VERDICT_SMALL;
		what = psprintf("%s (%s)", name, size);
	}
	RelationClose(rel);

	if (verdict > stmt->verdicts[rule])
	{
		stmt->verdicts[rule] = verdict;

		/*
		 * The reason is read only if the rule refuses or warns: not when the
		 * session has acknowledged it, the common case of a DROP TABLE.
		 */
		if (verdict == SAFE_DDL_VERDICT_FIRES &&
			!(r->acknowledgeable && a->allow_destructive))
			stmt->reasons[rule] = psprintf(danger ? danger : r->danger,
										   what ? what : relation_name(relid));
	}
}

/* A rule about something that is not one relation: it fires. */
static void
consider_other(Assessment *a, SafeDdlRuleId rule, const char *what)
{
	a->stmt->verdicts[rule] = SAFE_DDL_VERDICT_FIRES;
	a->stmt->reasons[rule] = psprintf(rules[rule].danger, what);
}

static void
take_lock(Assessment *a, Oid relid, LOCKMODE mode)
{
	if (OidIsValid(relid) && mode > a->lockmode)
		a->lockmode = mode;
}

/* ---------------------------------------------------------------------
 * ALTER TABLE
 * ---------------------------------------------------------------------
 */

static int
column_number(Relation rel, const char *name, Form_pg_attribute *attr)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
		{
			*attr = att;
			return att->attnum;
		}
	}
	return InvalidAttrNumber;
}

/* Does this CHECK expression prove "column IS NOT NULL"? */
static bool
proves_not_null(Node *expr, AttrNumber attnum)
{
	if (IsA(expr, NullTest))
	{
		NullTest   *test = (NullTest *) expr;

		return test->nulltesttype == IS_NOT_NULL && !test->argisrow &&
			IsA(test->arg, Var) && ((Var *) test->arg)->varattno == attnum;
	}
	if (is_andclause(expr))
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) expr)->args)
			if (proves_not_null(lfirst(lc), attnum))
				return true;
	}
	return false;
}

/*
 * SET NOT NULL: a scan, unless the column already is NOT NULL or a
 * validated CHECK constraint proves it (PostgreSQL 12 and later use one to
 * skip the scan).
 */
static void
assess_set_not_null(Assessment *a, Oid relid, const char *column)
{
	Relation	rel = RelationIdGetRelation(relid);
	Form_pg_attribute attr;
	AttrNumber	attnum;
	bool		proven = false;

	if (rel == NULL)
		return;
	attnum = column_number(rel, column, &attr);
	if (attnum == InvalidAttrNumber || attr->attnotnull)
		proven = true;
	else if (rel->rd_att->constr != NULL)
	{
		TupleConstr *constr = rel->rd_att->constr;
		int			i;

		for (i = 0; i < constr->num_check && !proven; i++)
			if (constr->check[i].ccvalid)
				proven = proves_not_null(stringToNode(constr->check[i].ccbin),
										 attnum);
	}
	RelationClose(rel);

	if (!proven)
	{
		a->scan = true;
		consider(a, SAFE_DDL_RULE_SET_NOT_NULL, relid, NULL);
	}
}

/*
 * Would converting the column to this type rewrite the table?  The same
 * test PostgreSQL makes: coerce the old column to the new type, simplify,
 * and see whether anything but relabelling is left.
 */
static bool
type_change_rewrites(Form_pg_attribute attr, ColumnDef *def)
{
	Type		newtype;
	Oid			newtypid;
	int32		newtypmod;
	Node	   *expr;

	if (def->raw_default != NULL)	/* USING: assume it computes */
		return true;
	newtype = LookupTypeName(NULL, def->typeName, &newtypmod, true);
	if (newtype == NULL)
		return false;			/* the statement will fail */
	newtypid = typeTypeId(newtype);
	ReleaseSysCache(newtype);

	expr = (Node *) makeVar(1, attr->attnum, attr->atttypid, attr->atttypmod,
							attr->attcollation, 0);
	expr = coerce_to_target_type(NULL, expr, attr->atttypid,
								 newtypid, newtypmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		return false;			/* no cast: the statement will fail */
	expr = (Node *) expression_planner((Expr *) expr);

	for (;;)
	{
		if (IsA(expr, Var))
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
		{
			CoerceToDomain *d = (CoerceToDomain *) expr;

			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		}
		else if (IsA(expr, FuncExpr) &&
				 (((FuncExpr *) expr)->funcid == F_TIMESTAMPTZ_TIMESTAMP ||
				  ((FuncExpr *) expr)->funcid == F_TIMESTAMP_TIMESTAMPTZ) &&
				 !TimestampTimestampTzRequiresRewrite())
			expr = linitial(((FuncExpr *) expr)->args);
		else
			return true;
	}
}

static void
assess_column_type(Assessment *a, Oid relid, const char *column, ColumnDef *def)
{
	Relation	rel = RelationIdGetRelation(relid);
	Form_pg_attribute attr;
	bool		rewrite = false;
	bool		recollate = false;

	if (rel == NULL)
		return;
	if (column_number(rel, column, &attr) != InvalidAttrNumber)
	{
		rewrite = type_change_rewrites(attr, def);
		if (!rewrite && def->collClause != NULL && OidIsValid(attr->attcollation))
		{
			Oid			collid = get_collation_oid(def->collClause->collname, true);

			recollate = OidIsValid(collid) && collid != attr->attcollation;
		}
	}
	RelationClose(rel);

	if (rewrite)
	{
		a->rewrite = true;
		consider(a, SAFE_DDL_RULE_COLUMN_TYPE, relid, NULL);
	}
	else if (recollate)
	{
		/* A new collation keeps the rows but rebuilds the column's indexes. */
		a->scan = true;
		consider(a, SAFE_DDL_RULE_COLUMN_TYPE, relid,
				 "the collation change rebuilds the indexes of %s under an ACCESS EXCLUSIVE lock");
	}
}

/* Does a raw (untransformed) expression call a volatile function? */
static bool
raw_expression_is_volatile(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *call = (FuncCall *) node;
		FuncCandidateList candidates;

#if PG_VERSION_NUM >= 140000
		candidates = FuncnameGetCandidates(call->funcname, -1, NIL,
										   false, false, false, true);
#else
		candidates = FuncnameGetCandidates(call->funcname, -1, NIL,
										   false, false, true);
#endif
		for (; candidates != NULL; candidates = candidates->next)
			if (func_volatile(candidates->oid) == PROVOLATILE_VOLATILE)
				return true;
	}
	return raw_expression_tree_walker(node, raw_expression_is_volatile, context);
}

/*
 * ADD COLUMN: instant with no default or a non-volatile one (PostgreSQL
 * 11 and later); a rewrite with a volatile default, a serial type, an
 * identity or a stored generated column.
 */
static void
assess_add_column(Assessment *a, Oid relid, ColumnDef *def)
{
	bool		rewrite = false;
	ListCell   *lc;

	if (def->raw_default != NULL &&
		raw_expression_is_volatile(def->raw_default, NULL))
		rewrite = true;
	if (def->identity)
		rewrite = true;
	if (def->typeName != NULL && def->typeName->names != NIL &&
		list_length(def->typeName->names) == 1 && !def->typeName->pct_type)
	{
		const char *typname = strVal(linitial(def->typeName->names));

		if (strcmp(typname, "serial") == 0 || strcmp(typname, "serial4") == 0 ||
			strcmp(typname, "bigserial") == 0 || strcmp(typname, "serial8") == 0 ||
			strcmp(typname, "smallserial") == 0 || strcmp(typname, "serial2") == 0)
			rewrite = true;
	}
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_DEFAULT && con->raw_expr != NULL &&
			raw_expression_is_volatile(con->raw_expr, NULL))
			rewrite = true;
		else if (con->contype == CONSTR_IDENTITY ||
				 con->contype == CONSTR_GENERATED)
			rewrite = true;
		else if (con->contype == CONSTR_PRIMARY || con->contype == CONSTR_UNIQUE)
		{
			a->scan = true;
			consider(a, SAFE_DDL_RULE_UNIQUE, relid, NULL);
		}
	}
	if (rewrite)
	{
		a->rewrite = true;
		consider(a, SAFE_DDL_RULE_VOLATILE_DEFAULT, relid, NULL);
	}
}

static void
assess_add_constraint(Assessment *a, Oid relid, Constraint *con)
{
	switch (con->contype)
	{
		case CONSTR_CHECK:
		case CONSTR_FOREIGN:
			if (!con->skip_validation)
			{
				a->scan = true;
				consider(a, SAFE_DDL_RULE_NOT_VALID, relid, NULL);
			}
			if (con->contype == CONSTR_FOREIGN)
				take_lock(a, relation_oid(con->pktable), ShareRowExclusiveLock);
			break;
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			if (con->indexname == NULL)
			{
				a->scan = true;
				consider(a, SAFE_DDL_RULE_UNIQUE, relid, NULL);
			}
			break;
		case CONSTR_EXCLUSION:
			a->scan = true;
			break;
		default:
			break;
	}
}

static void
assess_alter_table(Assessment *a, AlterTableStmt *stmt)
{
	Oid			relid = relation_oid(stmt->relation);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	take_lock(a, relid, AlterTableGetLockLevel(stmt->cmds));

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				assess_add_column(a, relid, castNode(ColumnDef, cmd->def));
				break;
			case AT_AddConstraint:
				assess_add_constraint(a, relid, castNode(Constraint, cmd->def));
				break;
			case AT_SetNotNull:
				assess_set_not_null(a, relid, cmd->name);
				break;
			case AT_AlterColumnType:
				assess_column_type(a, relid, cmd->name,
								   castNode(ColumnDef, cmd->def));
				break;
			case AT_DropColumn:
				consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
						 psprintf("it destroys data: column %s of %%s",
								  quote_identifier(cmd->name)));
				break;
			case AT_SetTableSpace:
			case AT_SetLogged:
			case AT_SetUnLogged:
#if PG_VERSION_NUM >= 150000
			case AT_SetAccessMethod:
#endif
				a->rewrite = true;
				consider(a, SAFE_DDL_RULE_TABLE_REWRITE, relid, NULL);
				break;
			case AT_ValidateConstraint:
			case AT_AttachPartition:
				a->scan = true;
				break;
			default:
				break;
		}
	}
}

/* ---------------------------------------------------------------------
 * The other statements
 * ---------------------------------------------------------------------
 */

/* Is a boolean option (CONCURRENTLY, FULL, ...) in a DefElem list on? */
static bool
option_is_on(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, name) == 0)
			return opt->arg == NULL || defGetBoolean(opt);
	}
	return false;
}

static void
assess_reindex(Assessment *a, ReindexStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	bool		concurrently = option_is_on(stmt->params, "concurrently");
#else
	bool		concurrently = stmt->concurrent;
#endif
	Oid			relid = InvalidOid;

	a->scan = true;
	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
			relid = relation_oid(stmt->relation);
			if (OidIsValid(relid))
				relid = IndexGetRelation(relid, true);
			break;
		case REINDEX_OBJECT_TABLE:
			relid = relation_oid(stmt->relation);
			break;
		default:
			/* SCHEMA, DATABASE, SYSTEM: every table of them. */
			a->lockmode = concurrently ? ShareUpdateExclusiveLock : AccessExclusiveLock;
			if (!concurrently)
				consider_other(a, SAFE_DDL_RULE_INDEX,
							   psprintf("every table of %s %s",
										stmt->kind == REINDEX_OBJECT_SCHEMA ? "schema" : "database",
										stmt->name ? quote_identifier(stmt->name) : "this database"));
			return;
	}
	/* The indexes rebuilt are locked ACCESS EXCLUSIVE, the table SHARE. */
	take_lock(a, relid, concurrently ? ShareUpdateExclusiveLock : AccessExclusiveLock);
	if (!concurrently)
		consider(a, SAFE_DDL_RULE_INDEX, relid,
				 "REINDEX without CONCURRENTLY blocks writes to %s, and reads that use the index, until it ends");
}

static void
assess_drop(Assessment *a, DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_INDEX:
			foreach(lc, stmt->objects)
			{
				Oid			relid = relation_oid(makeRangeVarFromNameList(lfirst(lc)));

				take_lock(a, relid, stmt->concurrent ? ShareUpdateExclusiveLock
						  : AccessExclusiveLock);
				if (stmt->removeType == OBJECT_TABLE)
					consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
							 "it destroys data: table %s and its rows");
			}
			break;
		case OBJECT_SCHEMA:
			if (stmt->behavior == DROP_CASCADE)
				foreach(lc, stmt->objects)
					if (OidIsValid(get_namespace_oid(strVal(lfirst(lc)), true)))
						consider_other(a, SAFE_DDL_RULE_DESTRUCTIVE,
									   psprintf("schema %s and everything in it",
												quote_identifier(strVal(lfirst(lc)))));
			break;
		default:
			break;
	}
}

static void
assess_rename(Assessment *a, RenameStmt *stmt)
{
	ObjectType	type = stmt->renameType == OBJECT_COLUMN ?
		stmt->relationType : stmt->renameType;
	Oid			relid;

	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_INDEX:
			break;
		default:
			return;
	}
	relid = relation_oid(stmt->relation);
	take_lock(a, relid, stmt->renameType == OBJECT_INDEX ?
			  ShareUpdateExclusiveLock : AccessExclusiveLock);
	if (type == OBJECT_TABLE || type == OBJECT_VIEW ||
		type == OBJECT_MATVIEW || type == OBJECT_FOREIGN_TABLE)
		consider(a, SAFE_DDL_RULE_RENAME, relid,
				 stmt->renameType == OBJECT_COLUMN ?
				 psprintf("renaming column %s of %%s breaks running application code that uses the old name",
						  quote_identifier(stmt->subname)) : NULL);
}

static void
assess_vacuum(Assessment *a, VacuumStmt *stmt)
{
	ListCell   *lc;

	if (!stmt->is_vacuumcmd || !option_is_on(stmt->options, "full"))
		return;
	a->rewrite = true;
	if (stmt->rels == NIL)
	{
		a->lockmode = AccessExclusiveLock;
		consider_other(a, SAFE_DDL_RULE_TABLE_REWRITE, "every table of this database");
		return;
	}
	foreach(lc, stmt->rels)
	{
		Oid			relid = relation_oid(lfirst_node(VacuumRelation, lc)->relation);

		take_lock(a, relid, AccessExclusiveLock);
		consider(a, SAFE_DDL_RULE_TABLE_REWRITE, relid, NULL);
	}
}

static void
assess(Assessment *a, Node *parsetree)
{
	ListCell   *lc;
	Oid			relid;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			assess_alter_table(a, (AlterTableStmt *) parsetree);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) parsetree;

				relid = relation_oid(stmt->relation);
				a->scan = true;
				take_lock(a, relid, stmt->concurrent ? ShareUpdateExclusiveLock
						  : ShareLock);
				if (!stmt->concurrent)
					consider(a, SAFE_DDL_RULE_INDEX, relid, NULL);
				break;
			}
		case T_ReindexStmt:
			assess_reindex(a, (ReindexStmt *) parsetree);
			break;
		case T_VacuumStmt:
			assess_vacuum(a, (VacuumStmt *) parsetree);
			break;
		case T_ClusterStmt:
			{
				ClusterStmt *stmt = (ClusterStmt *) parsetree;

				a->rewrite = true;
				if (stmt->relation == NULL)
				{
					a->lockmode = AccessExclusiveLock;
					consider_other(a, SAFE_DDL_RULE_TABLE_REWRITE,
								   "every clustered table of this database");
					break;
				}
				relid = relation_oid(stmt->relation);
				take_lock(a, relid, AccessExclusiveLock);
				consider(a, SAFE_DDL_RULE_TABLE_REWRITE, relid, NULL);
				break;
			}
		case T_RefreshMatViewStmt:
			{
				RefreshMatViewStmt *stmt = (RefreshMatViewStmt *) parsetree;

				relid = relation_oid(stmt->relation);
				take_lock(a, relid, stmt->concurrent ? ExclusiveLock
						  : AccessExclusiveLock);
				if (!stmt->concurrent)
				{
					a->rewrite = true;
					consider(a, SAFE_DDL_RULE_TABLE_REWRITE, relid, NULL);
				}
				else
					a->scan = true;
				break;
			}
		case T_TruncateStmt:
			foreach(lc, ((TruncateStmt *) parsetree)->relations)
			{
				relid = relation_oid(lfirst_node(RangeVar, lc));
				take_lock(a, relid, AccessExclusiveLock);
				consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
						 "it destroys data: every row of %s");
			}
			break;
		case T_DropStmt:
			assess_drop(a, (DropStmt *) parsetree);
			break;
		case T_DropdbStmt:
			{
				DropdbStmt *stmt = (DropdbStmt *) parsetree;

				if (OidIsValid(get_database_oid(stmt->dbname, true)))
					consider_other(a, SAFE_DDL_RULE_DESTRUCTIVE,
								   psprintf("database %s",
											quote_identifier(stmt->dbname)));
				break;
			}
		case T_RenameStmt:
			assess_rename(a, (RenameStmt *) parsetree);
			break;
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				/* CREATE TABLE ... PARTITION OF / INHERITS locks the parent */
				foreach(lc, stmt->inhRelations)
					take_lock(a, relation_oid(lfirst_node(RangeVar, lc)),
							  stmt->partbound ? AccessExclusiveLock
							  : ShareUpdateExclusiveLock);
				break;
			}
		case T_AlterTableMoveAllStmt:
			{
				AlterTableMoveAllStmt *stmt = (AlterTableMoveAllStmt *) parsetree;

				/* Every relation of the tablespace is copied, locked. */
				a->rewrite = true;
				a->lockmode = AccessExclusiveLock;
				consider_other(a, SAFE_DDL_RULE_TABLE_REWRITE,
							   psprintf("every relation in tablespace %s",
										quote_identifier(stmt->orig_tablespacename)));
				break;
			}
		case T_CreateTrigStmt:
			take_lock(a, relation_oid(((CreateTrigStmt *) parsetree)->relation),
					  ShareRowExclusiveLock);
			break;
		case T_RuleStmt:
			take_lock(a, relation_oid(((RuleStmt *) parsetree)->relation),
					  AccessExclusiveLock);
			break;
		case T_CreatePolicyStmt:
			take_lock(a, relation_oid(((CreatePolicyStmt *) parsetree)->table),
					  AccessExclusiveLock);
			break;
		case T_AlterPolicyStmt:
			take_lock(a, relation_oid(((AlterPolicyStmt *) parsetree)->table),
					  AccessExclusiveLock);
			break;
		case T_LockStmt:
			/* DDL only in ACCESS EXCLUSIVE mode (safe_ddl_is_ddl) */
			foreach(lc, ((LockStmt *) parsetree)->relations)
				take_lock(a, relation_oid(lfirst_node(RangeVar, lc)),
						  ((LockStmt *) parsetree)->mode);
			break;
		case T_CommentStmt:
			{
				CommentStmt *stmt = (CommentStmt *) parsetree;

				if (stmt->objtype == OBJECT_TABLE || stmt->objtype == OBJECT_VIEW ||
					stmt->objtype == OBJECT_MATVIEW || stmt->objtype == OBJECT_INDEX ||
					stmt->objtype == OBJECT_SEQUENCE ||
					stmt->objtype == OBJECT_FOREIGN_TABLE)
					take_lock(a, relation_oid(makeRangeVarFromNameList(castNode(List, stmt->object))),
							  ShareUpdateExclusiveLock);
				break;
			}
		default:
			break;
	}
}

/*
 * Assess one DDL statement: fill in its lock mode, rewrites, table sizes
 * and every rule's verdict; list the rules that fired in stmt->rules.
 * allow_destructive: the session has acknowledged destructive changes.
 */
void
safe_ddl_assess(SafeDdlStatement *stmt, Node *parsetree,
				bool allow_destructive)
{
	Assessment	a = {stmt, NoLock, false, false, NIL, allow_destructive};
	int			rule;

	assess(&a, parsetree);

	if (a.lockmode != NoLock)
		stmt->lock_mode = GetLockmodeName(DEFAULT_LOCKMETHOD, a.lockmode);
	stmt->rewrites = a.rewrite ? "rewrite" : a.scan ? "scan" : NULL;

	for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
	{
		if (stmt->verdicts[rule] != SAFE_DDL_VERDICT_FIRES)
			continue;
		if (disabled_rules & (1 << rule))
			stmt->verdicts[rule] = SAFE_DDL_VERDICT_DISABLED;
		else
		{
			stmt->rules = lappend(stmt->rules, (char *) rules[rule].name);
			if (rules[rule].acknowledgeable && allow_destructive)
				stmt->verdicts[rule] = SAFE_DDL_VERDICT_ACKNOWLEDGED;
		}
	}
}

/*
 * The reasons of the rules that refuse this statement ("rule: reason",
 * joined by "; "), or NULL when none does.
 */
char *
safe_ddl_rule_violation(SafeDdlStatement *stmt)
{
	StringInfoData buf;
	int			rule;

	initStringInfo(&buf);
	for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
		if (stmt->verdicts[rule] == SAFE_DDL_VERDICT_FIRES)
			appendStringInfo(&buf, "%s%s: %s", buf.len > 0 ? "; " : "",
							 rules[rule].name, stmt->reasons[rule]);
	if (buf.len == 0)
	{
		pfree(buf.data);
		return NULL;
	}
	return buf.data;
}
