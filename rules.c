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

#include "access/transam.h"
#include "catalog/index.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/heap.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_shdepend.h"
#include "catalog/pg_type.h"
#include "commands/tablespace.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "storage/bufmgr.h"
#include "storage/lock.h"
#include "storage/smgr.h"
#include "utils/inval.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

#include "compat.h"
#include "rules.h"

/*
 * One rule: its name, what it warns about, what to do instead in a few
 * words (the end of the refusal's one-line message, which is all that many
 * clients show), and the safe recipe in full (the HINT).
 */
typedef struct SafeDdlRule
{
	const char *name;
	bool		by_size;		/* fires only above large_table_size */
	bool		acknowledgeable;	/* allowed by safe_ddl.allow_destructive */
	const char *danger;			/* printf format, %s: the relation */
	const char *action;
	const char *recipe;
} SafeDdlRule;

/* Indexed by SafeDdlRuleId; in the order of the README. */
static const SafeDdlRule rules[] = {
	[SAFE_DDL_RULE_INDEX] = {
		.name = "index_without_concurrently",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "building an index without CONCURRENTLY blocks writes to %s until the build ends",
		.action = "use CREATE INDEX CONCURRENTLY (REINDEX ... CONCURRENTLY) instead",
		.recipe = "Use CREATE INDEX CONCURRENTLY (or REINDEX ... CONCURRENTLY), outside a "
			   "transaction block. On a partitioned table, create the index ON ONLY the "
			   "parent, build each partition's index CONCURRENTLY, then ALTER INDEX ... "
			   "ATTACH PARTITION each one."
	},
	[SAFE_DDL_RULE_NOT_VALID] = {
		.name = "constraint_without_not_valid",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "adding the constraint validates every row of %s while it holds its lock",
		.action = "add it NOT VALID, then VALIDATE CONSTRAINT in its own transaction",
		.recipe = "Add the constraint with NOT VALID (a short lock, no scan), then run "
			   "ALTER TABLE ... VALIDATE CONSTRAINT in its own transaction: it scans "
			   "under a lock that lets reads and writes go on."
	},
	[SAFE_DDL_RULE_SET_NOT_NULL] = {
		.name = "set_not_null_without_check",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "SET NOT NULL scans %s under an ACCESS EXCLUSIVE lock: no validated CHECK (column IS NOT NULL) proves it",
		.action = "first add and validate CHECK (column IS NOT NULL) NOT VALID",
		.recipe = "Add CHECK (column IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT it "
			   "in its own transaction, then SET NOT NULL (PostgreSQL 12 and later skip "
			   "the scan when a validated CHECK proves it), then drop the CHECK."
	},
	[SAFE_DDL_RULE_UNIQUE] = {
		.name = "unique_without_using_index",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "adding a PRIMARY KEY or UNIQUE constraint builds its index on %s under an ACCESS EXCLUSIVE lock",
		.action = "build the index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
		.recipe = "Build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then ADD "
			   "CONSTRAINT ... PRIMARY KEY USING INDEX (or UNIQUE USING INDEX) it."
	},
	[SAFE_DDL_RULE_COLUMN_TYPE] = {
		.name = "column_type_rewrite",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "the type change rewrites %s and its indexes under an ACCESS EXCLUSIVE lock",
		.action = "add a column of the new type and backfill it instead",
		.recipe = "Add a new column of the new type, backfill it in batches, move the "
			   "application to it, then drop the old one; or change to a "
			   "binary-compatible type (varchar(n) to text or to a longer varchar)."
	},
	[SAFE_DDL_RULE_VOLATILE_DEFAULT] = {
		.name = "volatile_default_rewrite",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "adding a column with a volatile default rewrites %s under an ACCESS EXCLUSIVE lock",
		.action = "add the column without the default, then SET DEFAULT and backfill",
		.recipe = "Add the column with no default (or a constant one: instant since "
			   "PostgreSQL 11), then ALTER COLUMN ... SET DEFAULT for new rows, and "
			   "backfill the existing rows in batches."
	},
	[SAFE_DDL_RULE_TABLE_REWRITE] = {
		.name = "table_rewrite",
		.by_size = true,
		.acknowledgeable = false,
		.danger = "the statement rewrites %s under an ACCESS EXCLUSIVE lock",
		.action = "rebuild it online (pg_repack) or use REFRESH ... CONCURRENTLY instead",
		.recipe = "Use REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index). "
			   "Instead of VACUUM FULL or CLUSTER, let plain VACUUM make space reusable, "
			   "or rebuild the table online with a tool such as pg_repack."
	},
	[SAFE_DDL_RULE_DESTRUCTIVE] = {
		.name = "destructive_change",
		.by_size = false,
		.acknowledgeable = true,
		.danger = "it destroys data: %s",
		.action = "to proceed, SET safe_ddl.allow_destructive = on",
		.recipe = "If you mean it, run SET safe_ddl.allow_destructive = on (SET LOCAL "
			   "inside a transaction) first; the audit log records the acknowledgement."
	},
	[SAFE_DDL_RULE_RENAME] = {
		.name = "rename",
		.by_size = false,
		.acknowledgeable = true,
		.danger = "renaming %s breaks running application code that uses the old name",
		.action = "to proceed, SET safe_ddl.allow_destructive = on",
		.recipe = "Deploy application code that works with both names first (a view can "
			   "carry the old name meanwhile); then acknowledge with SET "
			   "safe_ddl.allow_destructive = on."
	},
};

StaticAssertDecl(lengthof(rules) == SAFE_DDL_NUM_RULES,
				 "rules[] must have one entry per SafeDdlRuleId");

/* Bit (1 << rule) for each rule named in safe_ddl.disabled_rules. */
static int	disabled_rules = 0;

/* The assessment of one statement, while it is being made. */
struct SafeDdlAssessment
{
	SafeDdlStatement *stmt;
	LOCKMODE	lockmode;		/* NoLock: none on an existing relation */
	bool		rewrite;
	bool		scan;
	List	   *sized;			/* OIDs already in stmt->risk.table_sizes */
	bool		allow_destructive;	/* the session acknowledges them */
	bool		recurse;		/* the statement acts on inheritance children */
	bool		quiet;			/* many relations: list only those that fire */
};

const char *
safe_ddl_rule_name(int rule)
{
	return rules[rule].name;
}

const char *
safe_ddl_rule_action(int rule)
{
	return rules[rule].action;
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

	result = (int *) compat_guc_malloc(sizeof(int));
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
relation_oid(SafeDdlAssessment *a, const RangeVar *rv)
{
	ListCell   *lc;

	if (rv == NULL)
		return InvalidOid;
	/* the relation classification found for this very node */
	foreach(lc, a->stmt->what.resolved)
	{
		SafeDdlResolved *found = (SafeDdlResolved *) lfirst(lc);

		if (found->rv == rv)
			return found->relid;
	}
	return RangeVarGetRelid(rv, NoLock, true);
}

/*
 * Blocks of one relation's main fork, as the storage manager knows them.
 * Nothing here holds a lock on the relation: a concurrent rewrite or DROP
 * may have removed the file our relation cache entry still names.  Then
 * read the invalidations and look again; a relation that is gone has no
 * blocks, one whose file still cannot be found counts as very large (and
 * so as holding data: the safe side for every rule).
 */
static BlockNumber
storage_blocks(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	Relation	fresh;
	BlockNumber blocks;

	if (smgrexists(RelationGetSmgr(rel), MAIN_FORKNUM))
		return smgrnblocks(RelationGetSmgr(rel), MAIN_FORKNUM);

	AcceptInvalidationMessages();
	fresh = RelationIdGetRelation(relid);
	if (fresh == NULL)
		return 0;
	blocks = smgrexists(RelationGetSmgr(fresh), MAIN_FORKNUM) ?
		smgrnblocks(RelationGetSmgr(fresh), MAIN_FORKNUM) : MaxBlockNumber;
	RelationClose(fresh);
	return blocks;
}

/*
 * Blocks of the main fork.  A partitioned table's are its partitions'; with
 * recurse (a statement that also acts on inheritance children, as ALTER
 * TABLE without ONLY does), a parent's include its children's.
 */
static BlockNumber
relation_blocks(Relation rel, bool recurse)
{
	BlockNumber blocks = 0;
	List	   *rels;
	ListCell   *lc;

	if (!recurse && RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return storage_blocks(rel);
	if (!recurse && rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		return 0;

	/* pg_inherits read without a lock, like everything here */
	rels = find_all_inheritors(RelationGetRelid(rel), NoLock, NULL);
	foreach(lc, rels)
	{
		Relation	part = RelationIdGetRelation(lfirst_oid(lc));

		if (part == NULL)
			continue;
		if (RELKIND_HAS_STORAGE(part->rd_rel->relkind))
			blocks = Min((uint64) blocks + storage_blocks(part), MaxBlockNumber);
		RelationClose(part);
	}
	return blocks;
}

/*
 * Does the relation hold no data: it and every inheritor (partitions and
 * inheritance children), with their TOAST tables, have no block at all?
 *
 * Only the sizes the storage manager knows are read, never a page: reading
 * the heap to see whether its rows are alive would need a lock the
 * statement may not have yet, and a page read without one is not a
 * consistent answer.  The test errs on the safe side: a table whose rows
 * were all deleted keeps its blocks until VACUUM truncates them, so it
 * counts as holding data; TRUNCATE, and a table never written to, leave
 * none.  An unlogged table's main fork is its data, as for any other.
 * Views, foreign tables and other relations whose data is elsewhere never
 * count as empty.
 */
static bool
relation_is_empty(Relation rel)
{
	List	   *rels;
	ListCell   *lc;
	bool		empty = true;

	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_MATVIEW &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		return false;

	rels = find_all_inheritors(RelationGetRelid(rel), NoLock, NULL);
	foreach(lc, rels)
	{
		Relation	r = RelationIdGetRelation(lfirst_oid(lc));

		if (r == NULL)
			continue;
		if (r->rd_rel->relkind == RELKIND_FOREIGN_TABLE)
			empty = false;
		else if (RELKIND_HAS_STORAGE(r->rd_rel->relkind))
		{
			if (storage_blocks(r) > 0)
				empty = false;
			else if (OidIsValid(r->rd_rel->reltoastrelid))
			{
				Relation	toast = RelationIdGetRelation(r->rd_rel->reltoastrelid);

				if (toast != NULL)
				{
					if (storage_blocks(toast) > 0)
						empty = false;
					RelationClose(toast);
				}
			}
		}
		RelationClose(r);
		if (!empty)
			break;
	}
	list_free(rels);
	return empty;
}

/* ---------------------------------------------------------------------
 * Relations this session created
 *
 * A relation created earlier in the same transaction is invisible to every
 * other session, and the relation cache knows it (rd_createSubid).  One
 * this session created in an earlier transaction is visible, but nothing
 * outside this session has had a reason to depend on it yet: it is the
 * session's own work in progress, as a migration's new table is, or the
 * shadow table and log of an online rebuild (pg_repack creates, fills,
 * indexes and drops them in one session, each in its own transaction).  A
 * rule that refused those would refuse the recipe it recommends.
 *
 * So every relation this backend creates is remembered, whatever created
 * it, until it is dropped: an object access hook sees each creation and
 * each drop.  A creation counts once its transaction (and subtransaction)
 * commits; one rolled back, or only prepared, is forgotten, since its OID
 * may be used again.  A relation this session created and another session
 * dropped stays in the set; its OID would have to come round again, in
 * this session's lifetime, for that to matter.
 * ---------------------------------------------------------------------
 */

typedef struct CreatedRelation
{
	Oid			relid;			/* hash key */
	SubTransactionId subid;		/* the subtransaction that created it */
	bool		committed;
	SubTransactionId dropped;	/* the one that dropped it, or Invalid */
} CreatedRelation;

static HTAB *created_relations = NULL;
static object_access_hook_type prev_object_access_hook = NULL;

/*
 * End of a (sub)transaction: commit keeps creations and forgets drops;
 * abort of subtransaction "from" (InvalidSubTransactionId: of the whole
 * transaction) undoes its creations and drops, and its children's, whose
 * ids are higher.
 */
static void
end_created(bool commit, SubTransactionId from)
{
	HASH_SEQ_STATUS status;
	CreatedRelation *entry;

	if (created_relations == NULL)
		return;
	hash_seq_init(&status, created_relations);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (commit)
		{
			if (entry->dropped != InvalidSubTransactionId)
				hash_search(created_relations, &entry->relid, HASH_REMOVE, NULL);
			else
				entry->committed = true;
		}
		else if (!entry->committed && entry->subid >= from)
			hash_search(created_relations, &entry->relid, HASH_REMOVE, NULL);
		else if (entry->dropped != InvalidSubTransactionId &&
				 entry->dropped >= from)
			entry->dropped = InvalidSubTransactionId;
	}
}

static void
rules_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					int subId, void *arg)
{
	CreatedRelation *entry;

	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);

	if (classId != RelationRelationId || subId != 0)
		return;
	if (access == OAT_POST_CREATE)
	{
		if (created_relations == NULL)
		{
			HASHCTL		ctl;

			ctl.keysize = sizeof(Oid);
			ctl.entrysize = sizeof(CreatedRelation);
			ctl.hcxt = TopMemoryContext;
			created_relations = hash_create("safe_ddl created relations", 64,
											&ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		}
		entry = hash_search(created_relations, &objectId, HASH_ENTER, NULL);
		entry->subid = GetCurrentSubTransactionId();
		entry->committed = false;
		entry->dropped = InvalidSubTransactionId;
	}
	else if (access == OAT_DROP && created_relations != NULL)
	{
		entry = hash_search(created_relations, &objectId, HASH_FIND, NULL);
		if (entry != NULL && entry->dropped == InvalidSubTransactionId)
			entry->dropped = GetCurrentSubTransactionId();
	}
}

static void
rules_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			end_created(true, InvalidSubTransactionId);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* prepared: it may yet be rolled back; forget it */
			end_created(false, InvalidSubTransactionId);
			break;
		default:
			break;
	}
}

static void
rules_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		end_created(false, mySubid);
}

/* Called from _PG_init. */
void
safe_ddl_rules_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = rules_object_access;
	RegisterXactCallback(rules_xact_callback, NULL);
	RegisterSubXactCallback(rules_subxact_callback, NULL);
}

/* Did this session create the relation (and not drop it since)? */
static bool
created_by_session(Oid relid)
{
	CreatedRelation *entry;

	if (created_relations == NULL)
		return false;
	entry = hash_search(created_relations, &relid, HASH_FIND, NULL);
	return entry != NULL && entry->dropped == InvalidSubTransactionId;
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

/* Record a relation's size for the DETAIL and explain() (once). */
static char *
note_size(SafeDdlAssessment *a, Relation rel, uint64 bytes)
{
	Oid			relid = RelationGetRelid(rel);
	float4		tuples = rel->rd_rel->reltuples;
	char	   *size = text_to_cstring(DatumGetTextPP(
										DirectFunctionCall1(pg_size_pretty, Int64GetDatum(bytes))));
	char	   *name = relation_name(relid);

	if (!list_member_oid(a->sized, relid))
	{
		a->sized = lappend_oid(a->sized, relid);
		a->stmt->risk.table_sizes =
			lappend(a->stmt->risk.table_sizes,
					tuples >= 0 ?
					psprintf("%s: %s, about %.0f rows", name, size, tuples) :
					psprintf("%s: %s, never analyzed", name, size));
	}
	return psprintf("%s (%s)", name, size);
}

/*
 * Give one rule's verdict on one relation (InvalidOid: a relation that
 * does not exist, which no rule is about).
 *
 * Size rules compare the relation's size with large_table_size.  The
 * others (destructive changes, renames) fire whatever the size, but not
 * where nothing holds data: an empty table, a column of one.
 */
static void
consider(SafeDdlAssessment *a, SafeDdlRuleId rule, Oid relid,
		 const char *danger)
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
		rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP ||
		created_by_session(relid))
		verdict = SAFE_DDL_VERDICT_NEW; /* no one else depends on it yet */
	else if (!r->by_size)
	{
		bool		empty = relation_is_empty(rel);

		verdict = empty ? SAFE_DDL_VERDICT_EMPTY : SAFE_DDL_VERDICT_FIRES;
		if (!a->quiet || !empty)
			what = note_size(a, rel,
							 (uint64) relation_blocks(rel, true) * BLCKSZ);
	}
	else
	{
		uint64		bytes = (uint64) relation_blocks(rel, a->recurse) * BLCKSZ;

		verdict = bytes > (uint64) safe_ddl_large_table_size * 1024 ?
			SAFE_DDL_VERDICT_FIRES : SAFE_DDL_VERDICT_SMALL;
		if (!a->quiet || verdict == SAFE_DDL_VERDICT_FIRES)
			what = note_size(a, rel, bytes);
	}
	RelationClose(rel);

	if (verdict > stmt->risk.verdicts[rule])
	{
		stmt->risk.verdicts[rule] = verdict;

		/*
		 * The reason is read only if the rule refuses or warns: not when the
		 * session has acknowledged it, the common case of a DROP TABLE.
		 */
		if (verdict == SAFE_DDL_VERDICT_FIRES &&
			!(r->acknowledgeable && a->allow_destructive))
			stmt->risk.reasons[rule] = psprintf(danger ? danger : r->danger,
										   what ? what : relation_name(relid));
	}
}

/* A rule about something that is not one relation: it fires. */
static void
consider_other(SafeDdlAssessment *a, SafeDdlRuleId rule, const char *what)
{
	a->stmt->risk.verdicts[rule] = SAFE_DDL_VERDICT_FIRES;
	a->stmt->risk.reasons[rule] = psprintf(rules[rule].danger, what);
}

static void
take_lock(SafeDdlAssessment *a, Oid relid, LOCKMODE mode)
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
assess_set_not_null(SafeDdlAssessment *a, Oid relid, const char *column)
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
/* A function that initdb did not create (a role may own and replace it). */
static bool
not_builtin_function(Oid funcid, void *context)
{
	return funcid >= FirstNormalObjectId;
}

static bool
calls_non_builtin_function(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, not_builtin_function, context))
		return true;
	return expression_tree_walker(node, calls_non_builtin_function, context);
}

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

	/*
	 * Simplifying the cast, as ALTER TABLE does, lets the support functions
	 * of length coercions drop the no-ops (varchar(10) to varchar(20)).  It
	 * also folds constants and inlines SQL functions, that is, runs them:
	 * only when every function of the cast is one of PostgreSQL's own.  A
	 * cast through a function someone created is taken as a rewrite,
	 * unplanned: nothing of it runs while a statement is only assessed.
	 */
	if (calls_non_builtin_function(expr, NULL))
		return true;
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
assess_column_type(SafeDdlAssessment *a, Oid relid, const char *column,
				   ColumnDef *def)
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
	if (def->raw_default != NULL)
	{
		/* USING computes every value anew: USING NULL loses them all. */
		consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
				 psprintf("it can destroy data: USING replaces every value of column %s of %%s",
						  quote_identifier(column)));
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

		candidates = compat_funcname_candidates(call->funcname);
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
/*
 * A permanent table's column of a temporary table's row type: when the
 * session that owns the temporary table ends, PostgreSQL drops that table
 * with CASCADE, and the column with all its data, without any statement
 * for safe_ddl to see.  It destroys data, later: acknowledge it now.
 */
static void
consider_temp_row_type(SafeDdlAssessment *a, const char *table, ColumnDef *def)
{
	Oid			typid;
	Oid			typrelid;

	if (def->typeName == NULL)
		return;
	typid = LookupTypeNameOid(NULL, def->typeName, true);
	if (!OidIsValid(typid))
		return;
	typrelid = get_typ_typrelid(getBaseType(typid));
	if (OidIsValid(typrelid) &&
		get_rel_persistence(typrelid) == RELPERSISTENCE_TEMP)
		consider_other(a, SAFE_DDL_RULE_DESTRUCTIVE,
					   psprintf("column %s of %s, of the row type of temporary table %s, is dropped with its data when that session ends",
								quote_identifier(def->colname), table,
								quote_identifier(get_rel_name(typrelid))));
}

static void
assess_add_column(SafeDdlAssessment *a, Oid relid, ColumnDef *def)
{
	bool		rewrite = false;
	bool		has_default = false;
	Oid			typid = InvalidOid;
	ListCell   *lc;

	if (OidIsValid(relid) && get_rel_persistence(relid) != RELPERSISTENCE_TEMP)
		consider_temp_row_type(a, relation_name(relid), def);
	if (def->raw_default != NULL &&
		raw_expression_is_volatile(def->raw_default, NULL))
		rewrite = true;
	if (def->raw_default != NULL)
		has_default = !(IsA(def->raw_default, A_Const) &&
						compat_a_const_is_null(def->raw_default));
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
			!(IsA(con->raw_expr, A_Const) && compat_a_const_is_null(con->raw_expr)))
			has_default = true;
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

	/*
	 * A constraint of the new column is checked against every row, under
	 * the ACCESS EXCLUSIVE lock, when the rows get a value: a non-null
	 * default.
	 */
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if ((con->contype == CONSTR_CHECK || con->contype == CONSTR_FOREIGN) &&
			has_default && !con->skip_validation)
		{
			a->scan = true;
			consider(a, SAFE_DDL_RULE_NOT_VALID, relid, NULL);
		}
		if (con->contype == CONSTR_FOREIGN)
			take_lock(a, relation_oid(a, con->pktable), ShareRowExclusiveLock);
	}

	/*
	 * A domain's constraints are checked by writing every row; its default,
	 * when the column has none of its own, is the column's.
	 */
	if (def->typeName != NULL)
	{
		Type		type = LookupTypeName(NULL, def->typeName, NULL, true);

		if (type != NULL)
		{
			typid = typeTypeId(type);
			ReleaseSysCache(type);
		}
	}
	if (!rewrite && OidIsValid(typid) && get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		Node	   *typdefault = has_default ? NULL : get_typdefault(typid);

		if (DomainHasConstraints(typid))
		{
			a->rewrite = true;
			consider(a, SAFE_DDL_RULE_VOLATILE_DEFAULT, relid,
					 psprintf("adding a column of domain %s, whose constraints are checked on every row, rewrites %%s under an ACCESS EXCLUSIVE lock",
							  format_type_be(typid)));
		}
		else if (typdefault != NULL && contain_volatile_functions(typdefault))
			rewrite = true;
	}
	if (rewrite)
	{
		a->rewrite = true;
		consider(a, SAFE_DDL_RULE_VOLATILE_DEFAULT, relid, NULL);
	}
}

static void
assess_add_constraint(SafeDdlAssessment *a, Oid relid, Constraint *con)
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
				take_lock(a, relation_oid(a, con->pktable), ShareRowExclusiveLock);
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

void
assess_alter_table(SafeDdlAssessment *a, Node *parsetree)
{
	AlterTableStmt *stmt = castNode(AlterTableStmt, parsetree);
	Oid			relid = relation_oid(a, stmt->relation);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	take_lock(a, relid, AlterTableGetLockLevel(stmt->cmds));
	/* Without ONLY, ALTER TABLE acts on inheritance children too. */
	a->recurse = stmt->relation->inh;

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
#ifdef COMPAT_HAS_SET_ACCESS_METHOD
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
 * What a CASCADE takes with it, and the relations of a schema
 *
 * Found the way DROP ... CASCADE finds it: from pg_depend, read without a
 * lock on anything but the catalog.  Only what holds data matters here:
 * tables, partitioned tables and materialized views dropped whole, and
 * columns dropped from a table that stays (a column of a dropped type or
 * domain, a generated column whose function goes).
 * ---------------------------------------------------------------------
 */

/* More objects than this in one CASCADE: assume it destroys data. */
#define MAX_CASCADE_OBJECTS 10000

typedef struct Cascade
{
	List	   *seen;			/* ObjectAddress *, visited */
	List	   *relations;		/* OIDs of relations dropped whole */
	List	   *columns;		/* ObjectAddress *: relation and attnum */
	bool		too_many;
} Cascade;

static bool
data_relkind(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW ||
		relkind == RELKIND_PARTITIONED_TABLE;
}

static void
cascade_from(Cascade *c, Oid classid, Oid objid, int32 objsubid)
{
	Relation	depRel;
	ScanKeyData key[3];
	int			nkeys = 2;
	SysScanDesc scan;
	HeapTuple	tup;
	ListCell   *lc;
	ObjectAddress *addr;

	foreach(lc, c->seen)
	{
		ObjectAddress *o = lfirst(lc);

		if (o->classId == classid && o->objectId == objid &&
			(o->objectSubId == 0 || o->objectSubId == objsubid))
			return;
	}
	if (list_length(c->seen) >= MAX_CASCADE_OBJECTS)
	{
		c->too_many = true;
		return;
	}
	addr = palloc(sizeof(ObjectAddress));
	addr->classId = classid;
	addr->objectId = objid;
	addr->objectSubId = objsubid;
	c->seen = lappend(c->seen, addr);

	if (classid == RelationRelationId)
	{
		char		relkind = get_rel_relkind(objid);

		if (objsubid == 0 && data_relkind(relkind))
			c->relations = list_append_unique_oid(c->relations, objid);
		else if (objsubid > 0 && data_relkind(relkind))
		{
			c->columns = lappend(c->columns, addr);
			return;				/* what depends on a column holds no data */
		}
	}
	else if (classid == AttrDefaultRelationId)
	{
		/* A generated column goes with its expression; a default does not. */
		ObjectAddress col = compat_attrdef_column(objid);

		if (OidIsValid(col.objectId) &&
			get_attgenerated(col.objectId, col.objectSubId) != '\0')
			cascade_from(c, RelationRelationId, col.objectId, col.objectSubId);
		return;
	}

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(classid));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objid));
	if (objsubid != 0)
	{
		ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
					F_INT4EQ, Int32GetDatum(objsubid));
		nkeys = 3;
	}
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL,
							  nkeys, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)) && !c->too_many)
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		/* An extension's members do not go with the objects they use. */
		if (dep->deptype == DEPENDENCY_EXTENSION)
			continue;
		cascade_from(c, dep->classid, dep->objid, dep->objsubid);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
}

/*
 * Give destructive_change's verdict on what a CASCADE takes with it.  what:
 * the object dropped, for the reason.  A CASCADE that takes nothing holding
 * data is "empty".
 */
/*
 * Name in the row's identities a relation (or a column of it, attnum > 0)
 * that the statement drops or empties along with what it names, so that
 * object_history() of a table dropped by CASCADE shows that statement.
 */
static void
name_affected(SafeDdlAssessment *a, Oid relid, AttrNumber attnum)
{
	char	   *identity = relation_name(relid);
	ListCell   *lc;

	if (attnum > 0)
		identity = psprintf("%s.%s", identity,
							quote_identifier(get_attname(relid, attnum, false)));
	if (list_length(a->stmt->what.identities) >= 100)
		return;
	foreach(lc, a->stmt->what.identities)
		if (strcmp((char *) lfirst(lc), identity) == 0)
			return;
	a->stmt->what.identities = lappend(a->stmt->what.identities, identity);
}

static void
consider_cascade(SafeDdlAssessment *a, Cascade *c, const char *what)
{
	ListCell   *lc;

	if (c->too_many)
	{
		consider_other(a, SAFE_DDL_RULE_DESTRUCTIVE,
					   psprintf("%s and more than %d objects that depend on it",
								what, MAX_CASCADE_OBJECTS));
		return;
	}
	a->quiet = true;
	foreach(lc, c->relations)
	{
		name_affected(a, lfirst_oid(lc), 0);
		consider(a, SAFE_DDL_RULE_DESTRUCTIVE, lfirst_oid(lc),
				 psprintf("it destroys data: %s, and with it %%s and its rows",
						  what));
	}
	foreach(lc, c->columns)
	{
		ObjectAddress *col = lfirst(lc);

		if (list_member_oid(c->relations, col->objectId))
			continue;
		name_affected(a, col->objectId, col->objectSubId);
		consider(a, SAFE_DDL_RULE_DESTRUCTIVE, col->objectId,
				 psprintf("it destroys data: %s, and with it column %s of %%s",
						  what,
						  quote_identifier(get_attname(col->objectId,
													   col->objectSubId,
													   false))));
	}
	a->quiet = false;
	if (a->stmt->risk.verdicts[SAFE_DDL_RULE_DESTRUCTIVE] == SAFE_DDL_VERDICT_NOT_APPLICABLE)
		a->stmt->risk.verdicts[SAFE_DDL_RULE_DESTRUCTIVE] = SAFE_DDL_VERDICT_EMPTY;
}

/* Has the table an index CLUSTER without a table would use? */
static bool
has_clustered_index(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	List	   *indexes;
	ListCell   *lc;
	bool		found = false;

	if (rel == NULL)
		return false;
	indexes = RelationGetIndexList(rel);
	RelationClose(rel);
	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (HeapTupleIsValid(tup))
		{
			found = ((Form_pg_index) GETSTRUCT(tup))->indisclustered;
			ReleaseSysCache(tup);
		}
		if (found)
			break;
	}
	return found;
}

/*
 * The tables and materialized views a statement on many relations
 * processes: of one schema (InvalidOid: of the whole database), in one
 * tablespace (InvalidOid: any), owned by one of owners (NIL: anyone), with
 * a clustered index.  Read from pg_class without a lock, as everything
 * here.
 */
static List *
data_relations(Oid nspid, Oid tablespace, List *owners, bool clustered_only)
{
	Relation	classRel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(classRel, 0, NULL);
	HeapTuple	tup;
	List	   *result = NIL;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

		if (!data_relkind(form->relkind) ||
			form->relpersistence == RELPERSISTENCE_TEMP)
			continue;
		if (OidIsValid(nspid) && form->relnamespace != nspid)
			continue;
		if (OidIsValid(tablespace) &&
			(OidIsValid(form->reltablespace) ? form->reltablespace : MyDatabaseTableSpace)
			!= tablespace)
			continue;
		if (owners != NIL && !list_member_oid(owners, form->relowner))
			continue;
		if (clustered_only && !has_clustered_index(form->oid))
			continue;
		result = lappend_oid(result, form->oid);
	}
	table_endscan(scan);
	table_close(classRel, AccessShareLock);
	return result;
}

/*
 * The indexes ALTER INDEX ALL IN TABLESPACE moves: in that tablespace,
 * owned by one of owners (NIL: anyone), not of the system catalogs.
 */
static List *
indexes_in_tablespace(Oid tablespace, List *owners)
{
	Relation	classRel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(classRel, 0, NULL);
	HeapTuple	tup;
	List	   *result = NIL;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

		if (form->relkind != RELKIND_INDEX ||
			form->relpersistence == RELPERSISTENCE_TEMP ||
			IsCatalogNamespace(form->relnamespace) ||
			IsToastNamespace(form->relnamespace))
			continue;
		if ((OidIsValid(form->reltablespace) ? form->reltablespace : MyDatabaseTableSpace)
			!= tablespace)
			continue;
		if (owners != NIL && !list_member_oid(owners, form->relowner))
			continue;
		result = lappend_oid(result, form->oid);
	}
	table_endscan(scan);
	table_close(classRel, AccessShareLock);
	return result;
}

/* Give a rule's verdict on each relation, naming only those that fire. */
static void
consider_each(SafeDdlAssessment *a, SafeDdlRuleId rule, List *relids,
			  const char *danger)
{
	ListCell   *lc;

	a->quiet = true;
	foreach(lc, relids)
		consider(a, rule, lfirst_oid(lc), danger);
	a->quiet = false;
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

void
assess_reindex(SafeDdlAssessment *a, Node *parsetree)
{
	ReindexStmt *stmt = castNode(ReindexStmt, parsetree);
	bool		concurrently = compat_reindex_concurrently(stmt);
	Oid			relid = InvalidOid;

	a->scan = true;
	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
			relid = relation_oid(a, stmt->relation);
			if (OidIsValid(relid))
				relid = IndexGetRelation(relid, true);
			break;
		case REINDEX_OBJECT_TABLE:
			relid = relation_oid(a, stmt->relation);
			break;
		default:
			{
				/* SCHEMA, DATABASE, SYSTEM: each table they rebuild. */
				Oid			nspid = InvalidOid;

				if (stmt->kind == REINDEX_OBJECT_SCHEMA)
				{
					nspid = get_namespace_oid(stmt->name, true);
					if (!OidIsValid(nspid))
						return;
				}
				else if (stmt->kind == REINDEX_OBJECT_SYSTEM)
					nspid = PG_CATALOG_NAMESPACE;
				a->lockmode = concurrently ? ShareUpdateExclusiveLock : AccessExclusiveLock;
				if (!concurrently)
					consider_each(a, SAFE_DDL_RULE_INDEX,
								  data_relations(nspid, InvalidOid, NIL, false),
								  "REINDEX without CONCURRENTLY blocks writes to %s, and reads that use the index, until it ends");
				return;
			}
	}
	/* The indexes rebuilt are locked ACCESS EXCLUSIVE, the table SHARE. */
	take_lock(a, relid, concurrently ? ShareUpdateExclusiveLock : AccessExclusiveLock);
	if (!concurrently)
		consider(a, SAFE_DDL_RULE_INDEX, relid,
				 "REINDEX without CONCURRENTLY blocks writes to %s, and reads that use the index, until it ends");
}

void
assess_drop(SafeDdlAssessment *a, Node *parsetree)
{
	DropStmt   *stmt = castNode(DropStmt, parsetree);
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
				Oid			relid = relation_oid(a, makeRangeVarFromNameList(lfirst(lc)));

				take_lock(a, relid, stmt->concurrent ? ShareUpdateExclusiveLock
						  : AccessExclusiveLock);
				if (stmt->removeType == OBJECT_TABLE)
					consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
							 "it destroys data: table %s and its rows");
				else if (stmt->removeType == OBJECT_MATVIEW)
					consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
							 "it destroys data: materialized view %s and its rows");
				if (OidIsValid(relid) && stmt->behavior == DROP_CASCADE)
				{
					Cascade		c = {0};

					cascade_from(&c, RelationRelationId, relid, 0);
					c.relations = list_delete_oid(c.relations, relid);
					consider_cascade(a, &c, psprintf("%s", relation_name(relid)));
				}
			}
			break;
		case OBJECT_SCHEMA:
			if (stmt->behavior == DROP_CASCADE)
				foreach(lc, stmt->objects)
				{
					Oid			nspid = get_namespace_oid(strVal(lfirst(lc)), true);
					Cascade		c = {0};

					if (!OidIsValid(nspid))
						continue;
					cascade_from(&c, NamespaceRelationId, nspid, 0);
					consider_cascade(a, &c,
									 psprintf("schema %s and everything in it",
											  quote_identifier(strVal(lfirst(lc)))));
				}
			break;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			/* Without CASCADE, a type or function something uses stays. */
			if (stmt->behavior != DROP_CASCADE)
				break;
			foreach(lc, stmt->objects)
			{
				Cascade		c = {0};
				Oid			classid;
				Oid			objid;

				if (stmt->removeType == OBJECT_TYPE ||
					stmt->removeType == OBJECT_DOMAIN)
				{
					classid = TypeRelationId;
					objid = LookupTypeNameOid(NULL, lfirst_node(TypeName, lc), true);
				}
				else
				{
					classid = ProcedureRelationId;
					objid = LookupFuncWithArgs(stmt->removeType,
											   lfirst_node(ObjectWithArgs, lc),
											   true);
				}
				if (!OidIsValid(objid))
					continue;
				cascade_from(&c, classid, objid, 0);
				consider_cascade(a, &c,
								 psprintf("%s %s", classid == TypeRelationId ?
										  "type" : "function",
										  compat_object_identity(&(ObjectAddress)
																 {classid, objid, 0})));
			}
			break;
		default:
			break;
	}
}

/*
 * DROP OWNED drops, in this database, what the roles own, with everything
 * that depends on it (pg_shdepend, then pg_depend).
 */
void
assess_drop_owned(SafeDdlAssessment *a, Node *parsetree)
{
	DropOwnedStmt *stmt = castNode(DropOwnedStmt, parsetree);
	Cascade		c = {0};
	ListCell   *lc;
	StringInfoData roles;
	Relation	shdep = table_open(SharedDependRelationId, AccessShareLock);

	initStringInfo(&roles);
	foreach(lc, stmt->roles)
	{
		RoleSpec   *spec = lfirst_node(RoleSpec, lc);
		Oid			roleid = get_rolespec_oid(spec, true);
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tup;

		if (!OidIsValid(roleid))
			continue;
		appendStringInfo(&roles, "%s%s", roles.len > 0 ? ", " : "",
						 quote_identifier(GetUserNameFromId(roleid, false)));
		ScanKeyInit(&key[0], Anum_pg_shdepend_refclassid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(AuthIdRelationId));
		ScanKeyInit(&key[1], Anum_pg_shdepend_refobjid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(roleid));
		scan = systable_beginscan(shdep, SharedDependReferenceIndexId, true,
								  NULL, 2, key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)) && !c.too_many)
		{
			Form_pg_shdepend dep = (Form_pg_shdepend) GETSTRUCT(tup);

			if (dep->deptype == SHARED_DEPENDENCY_OWNER &&
				dep->dbid == MyDatabaseId)
				cascade_from(&c, dep->classid, dep->objid, 0);
		}
		systable_endscan(scan);
	}
	table_close(shdep, AccessShareLock);
	if (roles.len > 0)
		consider_cascade(a, &c, psprintf("what %s own%s", roles.data,
										 list_length(stmt->roles) > 1 ? "" : "s"));
}

void
assess_rename(SafeDdlAssessment *a, Node *parsetree)
{
	RenameStmt *stmt = castNode(RenameStmt, parsetree);
	ObjectType	type = stmt->renameType == OBJECT_COLUMN ?
		stmt->relationType : stmt->renameType;
	Oid			relid;

	if (stmt->renameType == OBJECT_SCHEMA)
	{
		/* Every name in it changes: it matters if any of them holds data. */
		Oid			nspid = get_namespace_oid(stmt->subname, true);

		if (!OidIsValid(nspid))
			return;
		consider_each(a, SAFE_DDL_RULE_RENAME,
					  data_relations(nspid, InvalidOid, NIL, false),
					  psprintf("renaming schema %s renames %%s, and breaks running application code that uses the old names",
							   quote_identifier(stmt->subname)));
		if (a->stmt->risk.verdicts[SAFE_DDL_RULE_RENAME] == SAFE_DDL_VERDICT_NOT_APPLICABLE)
			a->stmt->risk.verdicts[SAFE_DDL_RULE_RENAME] = SAFE_DDL_VERDICT_EMPTY;
		return;
	}
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
	relid = relation_oid(a, stmt->relation);
	take_lock(a, relid, stmt->renameType == OBJECT_INDEX ?
			  ShareUpdateExclusiveLock : AccessExclusiveLock);
	if (type == OBJECT_TABLE || type == OBJECT_VIEW ||
		type == OBJECT_MATVIEW || type == OBJECT_FOREIGN_TABLE)
		consider(a, SAFE_DDL_RULE_RENAME, relid,
				 stmt->renameType == OBJECT_COLUMN ?
				 psprintf("renaming column %s of %%s breaks running application code that uses the old name",
						  quote_identifier(stmt->subname)) : NULL);
}

/*
 * VACUUM FULL and CLUSTER rewrite a relation, or with none named every one
 * of the database that holds data (clustered_only: that has a clustered
 * index), under an ACCESS EXCLUSIVE lock.
 */
static void
rewrite_relation(SafeDdlAssessment *a, const RangeVar *rv, bool clustered_only)
{
	Oid			relid;

	a->rewrite = true;
	if (rv == NULL)
	{
		a->lockmode = AccessExclusiveLock;
		consider_each(a, SAFE_DDL_RULE_TABLE_REWRITE,
					  data_relations(InvalidOid, InvalidOid, NIL, clustered_only),
					  NULL);
		return;
	}
	relid = relation_oid(a, rv);
	take_lock(a, relid, AccessExclusiveLock);
	consider(a, SAFE_DDL_RULE_TABLE_REWRITE, relid, NULL);
}

void
assess_vacuum(SafeDdlAssessment *a, Node *parsetree)
{
	VacuumStmt *stmt = castNode(VacuumStmt, parsetree);
	ListCell   *lc;

	if (!stmt->is_vacuumcmd || !option_is_on(stmt->options, "full"))
		return;
	if (stmt->rels == NIL)
		rewrite_relation(a, NULL, false);
	foreach(lc, stmt->rels)
		rewrite_relation(a, lfirst_node(VacuumRelation, lc)->relation, false);
}

void
assess_cluster(SafeDdlAssessment *a, Node *parsetree)
{
	rewrite_relation(a, castNode(ClusterStmt, parsetree)->relation, true);
}

/* ---------------------------------------------------------------------
 * The assessment of each kind of statement, one assess_<node> function
 * per node type (statements.c); those of ALTER TABLE, REINDEX, DROP, DROP
 * OWNED, RENAME, VACUUM and CLUSTER are above, with their helpers
 * ---------------------------------------------------------------------
 */

void
assess_index(SafeDdlAssessment *a, Node *parsetree)
{
	IndexStmt  *stmt = castNode(IndexStmt, parsetree);
	Oid			relid = relation_oid(a, stmt->relation);

	a->scan = true;
	take_lock(a, relid, stmt->concurrent ? ShareUpdateExclusiveLock
			  : ShareLock);
	if (!stmt->concurrent)
		consider(a, SAFE_DDL_RULE_INDEX, relid, NULL);
}

void
assess_refresh_mat_view(SafeDdlAssessment *a, Node *parsetree)
{
	RefreshMatViewStmt *stmt = castNode(RefreshMatViewStmt, parsetree);
	Oid			relid = relation_oid(a, stmt->relation);

	take_lock(a, relid, stmt->concurrent ? ExclusiveLock
			  : AccessExclusiveLock);
	if (!stmt->concurrent)
	{
		a->rewrite = true;
		consider(a, SAFE_DDL_RULE_TABLE_REWRITE, relid, NULL);
	}
	else
		a->scan = true;
}

void
assess_truncate(SafeDdlAssessment *a, Node *parsetree)
{
	TruncateStmt *stmt = castNode(TruncateStmt, parsetree);
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		Oid			relid = relation_oid(a, lfirst_node(RangeVar, lc));

		a->recurse = lfirst_node(RangeVar, lc)->inh;
		take_lock(a, relid, AccessExclusiveLock);
		consider(a, SAFE_DDL_RULE_DESTRUCTIVE, relid,
				 "it destroys data: every row of %s");
		if (OidIsValid(relid))
			relids = lappend_oid(relids, relid);
	}

	/*
	 * CASCADE also empties the tables whose foreign keys reference them, and
	 * theirs in turn: the same closure TRUNCATE takes.
	 */
	if (stmt->behavior == DROP_CASCADE)
	{
		List	   *all = list_copy(relids);
		List	   *more = relids;

		while (more != NIL)
		{
			List	   *next = NIL;

			foreach(lc, heap_truncate_find_FKs(more))
				if (!list_member_oid(all, lfirst_oid(lc)))
				{
					next = lappend_oid(next, lfirst_oid(lc));
					all = lappend_oid(all, lfirst_oid(lc));
					name_affected(a, lfirst_oid(lc), 0);
				}
			more = next;
			consider_each(a, SAFE_DDL_RULE_DESTRUCTIVE, next,
						  "it destroys data: every row of %s, by CASCADE");
		}
	}
}

void
assess_alter_object_schema(SafeDdlAssessment *a, Node *parsetree)
{
	AlterObjectSchemaStmt *stmt = castNode(AlterObjectSchemaStmt, parsetree);
	Oid			relid;

	if (stmt->objectType != OBJECT_TABLE &&
		stmt->objectType != OBJECT_VIEW &&
		stmt->objectType != OBJECT_MATVIEW &&
		stmt->objectType != OBJECT_FOREIGN_TABLE)
		return;
	relid = relation_oid(a, stmt->relation);
	take_lock(a, relid, AccessExclusiveLock);
	consider(a, SAFE_DDL_RULE_RENAME, relid,
			 psprintf("moving %%s to schema %s breaks running application code that uses the old name",
					  quote_identifier(stmt->newschema)));
}

void
assess_dropdb(SafeDdlAssessment *a, Node *parsetree)
{
	DropdbStmt *stmt = castNode(DropdbStmt, parsetree);

	if (OidIsValid(get_database_oid(stmt->dbname, true)))
		consider_other(a, SAFE_DDL_RULE_DESTRUCTIVE,
					   psprintf("database %s", quote_identifier(stmt->dbname)));
}

void
assess_create_table(SafeDdlAssessment *a, Node *parsetree)
{
	CreateStmt *stmt = castNode(CreateStmt, parsetree);
	ListCell   *lc;

	/* CREATE TABLE ... PARTITION OF / INHERITS locks the parent */
	foreach(lc, stmt->inhRelations)
		take_lock(a, relation_oid(a, lfirst_node(RangeVar, lc)),
				  stmt->partbound ? AccessExclusiveLock
				  : ShareUpdateExclusiveLock);
	if (stmt->relation->relpersistence != RELPERSISTENCE_TEMP)
		foreach(lc, stmt->tableElts)
			if (IsA(lfirst(lc), ColumnDef))
				consider_temp_row_type(a, quote_qualified_identifier(stmt->relation->schemaname,
																	 stmt->relation->relname),
									   lfirst_node(ColumnDef, lc));
}

void
assess_alter_table_move_all(SafeDdlAssessment *a, Node *parsetree)
{
	AlterTableMoveAllStmt *stmt = castNode(AlterTableMoveAllStmt, parsetree);
	Oid			tablespace = get_tablespace_oid(stmt->orig_tablespacename, true);
	List	   *owners = NIL;
	List	   *relids = NIL;
	ListCell   *lc;

	/* Every relation of the tablespace is copied, locked. */
	a->rewrite = true;
	a->lockmode = AccessExclusiveLock;
	foreach(lc, stmt->roles)
		owners = lappend_oid(owners, get_rolespec_oid(lfirst(lc), true));
	if (!OidIsValid(tablespace))
		return;
	if (stmt->objtype == OBJECT_INDEX)
	{
		/* each index is copied, under its own lock */
		consider_each(a, SAFE_DDL_RULE_TABLE_REWRITE,
					  indexes_in_tablespace(tablespace, owners),
					  "moving index %s copies it under an ACCESS EXCLUSIVE lock");
		return;
	}
	/* The system catalogs are not moved. */
	foreach(lc, data_relations(InvalidOid, tablespace, owners, false))
	{
		Oid			moved = lfirst_oid(lc);
		char		relkind = get_rel_relkind(moved);

		if (IsCatalogNamespace(get_rel_namespace(moved)) ||
			IsToastNamespace(get_rel_namespace(moved)) ||
			relkind == RELKIND_PARTITIONED_TABLE ||
			(stmt->objtype == OBJECT_MATVIEW) != (relkind == RELKIND_MATVIEW))
			continue;
		relids = lappend_oid(relids, moved);
	}
	consider_each(a, SAFE_DDL_RULE_TABLE_REWRITE, relids, NULL);
}

void
assess_lock(SafeDdlAssessment *a, Node *parsetree)
{
	LockStmt   *stmt = castNode(LockStmt, parsetree);
	ListCell   *lc;

	/* DDL only in ACCESS EXCLUSIVE mode (statements.c) */
	foreach(lc, stmt->relations)
		take_lock(a, relation_oid(a, lfirst_node(RangeVar, lc)), stmt->mode);
}

void
assess_comment(SafeDdlAssessment *a, Node *parsetree)
{
	CommentStmt *stmt = castNode(CommentStmt, parsetree);

	if (stmt->objtype == OBJECT_TABLE || stmt->objtype == OBJECT_VIEW ||
		stmt->objtype == OBJECT_MATVIEW || stmt->objtype == OBJECT_INDEX ||
		stmt->objtype == OBJECT_SEQUENCE ||
		stmt->objtype == OBJECT_FOREIGN_TABLE)
	{
		RangeVar   *rv = makeRangeVarFromNameList(castNode(List, stmt->object));

		take_lock(a, relation_oid(a, rv), ShareUpdateExclusiveLock);
	}
}

/*
 * Assess one DDL statement: fill in its lock mode, rewrites, table sizes
 * and every rule's verdict; list the rules that fired in stmt->risk.rules.
 * assess and lock: the assessment of its kind of statement (statements.c):
 * a function, or NULL; the lock it takes on each relation classification
 * resolved (the one relation of CREATE TRIGGER, ...), or NoLock.
 * allow_destructive: the session has acknowledged destructive changes.
 */
void
safe_ddl_assess(SafeDdlStatement *stmt, Node *parsetree,
				SafeDdlAssessFn assess, LOCKMODE lock,
				bool allow_destructive)
{
	SafeDdlAssessment a = {stmt, NoLock, false, false, NIL, allow_destructive,
	false, false};
	ListCell   *lc;
	int			rule;

	if (lock != NoLock)
		foreach(lc, stmt->what.resolved)
			take_lock(&a, ((SafeDdlResolved *) lfirst(lc))->relid, lock);
	if (assess != NULL)
		assess(&a, parsetree);

	if (a.lockmode != NoLock)
		stmt->risk.lock_mode = GetLockmodeName(DEFAULT_LOCKMETHOD, a.lockmode);
	stmt->risk.rewrites = a.rewrite ? "rewrite" : a.scan ? "scan" : NULL;

	for (rule = 0; rule < SAFE_DDL_NUM_RULES; rule++)
	{
		/*
		 * A destructive change or rename let through because nothing held
		 * data is not a rule firing, but the row keeps the judgement, as it
		 * keeps an acknowledgement.
		 */
		if (stmt->risk.verdicts[rule] == SAFE_DDL_VERDICT_EMPTY)
			stmt->risk.rules = lappend(stmt->risk.rules,
								  psprintf("%s (empty)", rules[rule].name));
		if (stmt->risk.verdicts[rule] != SAFE_DDL_VERDICT_FIRES)
			continue;
		if (disabled_rules & (1 << rule))
			stmt->risk.verdicts[rule] = SAFE_DDL_VERDICT_DISABLED;
		else
		{
			stmt->risk.rules = lappend(stmt->risk.rules, (char *) rules[rule].name);
			if (rules[rule].acknowledgeable && allow_destructive)
				stmt->risk.verdicts[rule] = SAFE_DDL_VERDICT_ACKNOWLEDGED;
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
		if (stmt->risk.verdicts[rule] == SAFE_DDL_VERDICT_FIRES)
			appendStringInfo(&buf, "%s%s: %s", buf.len > 0 ? "; " : "",
							 rules[rule].name, stmt->risk.reasons[rule]);
	if (buf.len == 0)
	{
		pfree(buf.data);
		return NULL;
	}
	return buf.data;
}
