/*-------------------------------------------------------------------------
 *
 * classify.h
 *		What a utility statement is (classify.c): its text and tag, its
 *		targets.  The classification of each kind of statement is one
 *		classify_<node> function, or one field of its node (a
 *		SafeDdlTargetField); statements.c says which for each node type.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_CLASSIFY_H
#define SAFE_DDL_CLASSIFY_H

#include "nodes/plannodes.h"
#include "storage/lockdefs.h"

#include "safe_ddl.h"

/*
 * The targets of one statement while they are collected: private to
 * classify.c, which alone fills and reads them.
 */
typedef struct SafeDdlTargets SafeDdlTargets;

/*
 * Collect one kind of statement's targets; return its object type ("table",
 * ...), or NULL for the one its command tag names.
 */
typedef const char *(*SafeDdlClassifyFn) (SafeDdlTargets *targets,
										  Node *parsetree);

/* The one field of a node that names a statement's one target. */
typedef enum SafeDdlTargetField
{
	SAFE_DDL_FIELD_NONE = 0,	/* no target (or a classify function) */
	SAFE_DDL_FIELD_NAME,		/* char *: a database, role ... by name */
	SAFE_DDL_FIELD_ROLE,		/* RoleSpec *: an existing role */
	SAFE_DDL_FIELD_RELATION,	/* RangeVar *: an existing relation */
	SAFE_DDL_FIELD_NEW_RELATION,	/* RangeVar *: a relation it creates */
	SAFE_DDL_FIELD_NEW_NAME,	/* List * of String: a name it creates */
	SAFE_DDL_FIELD_SUBOBJECT,	/* char *: "name ON relation", and the
								 * RangeVar * at relation_offset */
	SAFE_DDL_FIELD_TYPE			/* List * of String: a type or domain */
} SafeDdlTargetField;

/* How a kind of statement is classified: a function, or a field. */
typedef struct SafeDdlClassifier
{
	SafeDdlClassifyFn classify; /* NULL: the field says */
	SafeDdlTargetField field;	/* how the field is read */
	size_t		offset;			/* where it is in the node */
	size_t		relation_offset;	/* SUBOBJECT: where its relation is */
	const char *object_type;	/* of a field's target; NULL: the tag's */
} SafeDdlClassifier;

extern SafeDdlStatement *safe_ddl_describe(PlannedStmt *pstmt,
										   const char *queryString);
extern void safe_ddl_classify(SafeDdlStatement *stmt, Node *parsetree,
							  const SafeDdlClassifier *how);
/* How safe_ddl_lock_relations locks each view before reading it. */
typedef enum SafeDdlViewLock
{
	SAFE_DDL_VIEWS_WAIT,		/* wait for the lock */
	SAFE_DDL_VIEWS_NOWAIT,		/* or fail, as LOCK TABLE ... NOWAIT */
	SAFE_DDL_VIEWS_TRY			/* or go on without it */
} SafeDdlViewLock;

extern List *safe_ddl_lock_relations(Oid relid, LOCKMODE view_lock,
									  SafeDdlViewLock how);
extern bool safe_ddl_runs_in_subtransaction(Node *parsetree);
extern char *safe_ddl_statement_text(const char *queryString, int location,
									 int len);

/* One per node type that has more to it than one field (statements.c). */
extern const char *classify_create_table(SafeDdlTargets *targets,
										 Node *parsetree);
extern const char *classify_create_table_as(SafeDdlTargets *targets,
											Node *parsetree);
extern const char *classify_index(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_alter_table(SafeDdlTargets *targets,
										Node *parsetree);
extern const char *classify_drop(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_rename(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_alter_object_schema(SafeDdlTargets *targets,
												Node *parsetree);
extern const char *classify_alter_owner(SafeDdlTargets *targets,
										Node *parsetree);
extern const char *classify_comment(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_sec_label(SafeDdlTargets *targets,
									  Node *parsetree);
extern const char *classify_grant(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_truncate(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_vacuum(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_cluster(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_reindex(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_create_function(SafeDdlTargets *targets,
											Node *parsetree);
extern const char *classify_alter_function(SafeDdlTargets *targets,
										   Node *parsetree);
extern const char *classify_define(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_create_schema(SafeDdlTargets *targets,
										  Node *parsetree);
extern const char *classify_alter_extension_contents(SafeDdlTargets *targets,
													 Node *parsetree);
extern const char *classify_lock(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_explain(SafeDdlTargets *targets, Node *parsetree);
extern const char *classify_drop_role(SafeDdlTargets *targets,
									  Node *parsetree);

#endif							/* SAFE_DDL_CLASSIFY_H */
