/*-------------------------------------------------------------------------
 *
 * row.h
 *		The audit row, described once (row.c): the columns of
 *		safe_ddl.audit_log, where each value lives in a SafeDdlStatement,
 *		and the three forms a row takes from that description — the
 *		table's datums, the flat record that travels through shared memory
 *		(and the saved queue file), and the JSON line of the server log.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_ROW_H
#define SAFE_DDL_ROW_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/rel.h"

#include "safe_ddl.h"

/*
 * Bump when the flat form changes: a saved queue file of another format is
 * not read back (its rows go to the server log instead).
 */
#define SAFE_DDL_ROW_FORMAT		3

/*
 * An audit row, flat: a fixed header the queue uses, then each column's
 * value, in the order of the description.  len[i] is the byte length of
 * column i's value in data (-1: NULL); strings keep their NUL, lists are
 * strings one after another, scalars are the bytes of their C type.
 */
typedef struct SafeDdlFlatRow
{
	uint32		size;			/* bytes, header included, MAXALIGNed */
	uint32		state;			/* the queue's, in the ring */
	TransactionId written_xid;	/* the writer transaction inserting it */
	Oid			database_id;	/* the database whose log it belongs in */
	int32		len[FLEXIBLE_ARRAY_MEMBER];
} SafeDdlFlatRow;

/* The row's header size; the data follows, MAXALIGNed. */
extern Size safe_ddl_row_header_size(void);

extern SafeDdlFlatRow *safe_ddl_row_flatten(SafeDdlStatement *stmt,
											MemoryContext context);
extern void safe_ddl_row_unflatten(SafeDdlFlatRow *row,
								   SafeDdlStatement *stmt);
extern void safe_ddl_row_set_outcome(SafeDdlFlatRow *row,
									 SafeDdlOutcome outcome);
extern bool safe_ddl_row_is_sane(SafeDdlFlatRow *row);

/*
 * How the columns of one log table map onto the description: made when the
 * log is opened, checked then (a column of a described name but another
 * type is an error), reused for every row.
 */
typedef struct SafeDdlRowMap
{
	int			natts;
	int			id_att;			/* the id column's index, or -1 */
	int		   *column;			/* per attribute: description index, or -1 */
} SafeDdlRowMap;

extern SafeDdlRowMap *safe_ddl_row_map(TupleDesc tupdesc, const char *table,
									   MemoryContext context);
extern void safe_ddl_row_values(SafeDdlRowMap *map, SafeDdlStatement *stmt,
								Datum *values, bool *nulls);

extern char *safe_ddl_row_json(SafeDdlStatement *stmt);

#endif							/* SAFE_DDL_ROW_H */
