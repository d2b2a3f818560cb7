/*-------------------------------------------------------------------------
 *
 * row.c
 *		The audit row, described once.
 *
 * One table, row_columns[], says what a row of safe_ddl.audit_log holds:
 * each column's name and SQL type, and where its value lives in a
 * SafeDdlStatement (its offset and C representation).  Everything that
 * handles a row is driven from it:
 *
 *	- the datums of a heap tuple of the log (audit.c inserts them),
 *	  matched to the table's columns by name, type-checked when the log is
 *	  opened;
 *	- the flat record a row becomes to travel through shared memory to the
 *	  writer, and into the file a shutdown saves;
 *	- the JSON line a row becomes when it cannot reach the table.
 *
 * Adding a column is one entry here (and a field in SafeDdlStatement that
 * something fills), plus the column in the SQL script.  Nothing here looks
 * anything up: flattening runs in error handling.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "row.h"

/* How a value is kept in SafeDdlStatement. */
typedef enum ValueKind
{
	V_ID,						/* none: drawn by ids.c at insert time */
	V_STRING,					/* const char *, NULL for SQL NULL */
	V_LIST,						/* List of char *, never NULL */
	V_INT32,					/* int; negative for NULL where nullable */
	V_DOUBLE,					/* double; negative for NULL where nullable */
	V_BOOL,						/* int8: 1 true, 0 false, negative NULL */
	V_TIMESTAMPTZ,				/* TimestampTz */
	V_FXID,						/* FullTransactionId, invalid for NULL */
	V_OUTCOME					/* SafeDdlOutcome, stored as its name */
} ValueKind;

typedef struct RowColumn
{
	const char *name;			/* column of safe_ddl.audit_log */
	Oid			type;			/* its SQL type */
	ValueKind	kind;
	size_t		offset;			/* of the value in SafeDdlStatement */
	bool		nullable;		/* a negative scalar is NULL */
} RowColumn;

#define COLUMN(name, type, kind, field) \
	{name, type, kind, offsetof(SafeDdlStatement, field), false}
#define NULLABLE(name, type, kind, field) \
	{name, type, kind, offsetof(SafeDdlStatement, field), true}

/* In the order of the table's columns (and of the JSON line). */
static const RowColumn row_columns[] = {
	{"id", INT8OID, V_ID, 0, false},
	COLUMN("started_at", TIMESTAMPTZOID, V_TIMESTAMPTZ, session.started_at),
	COLUMN("duration_ms", FLOAT8OID, V_DOUBLE, result.duration_ms),
	COLUMN("database_name", TEXTOID, V_STRING, session.database_name),
	COLUMN("session_user_name", TEXTOID, V_STRING, session.session_user_name),
	COLUMN("current_user_name", TEXTOID, V_STRING, session.current_user_name),
	COLUMN("application_name", TEXTOID, V_STRING, session.application_name),
	COLUMN("client_addr", INETOID, V_STRING, session.client_addr),
	COLUMN("backend_pid", INT4OID, V_INT32, session.backend_pid),
	COLUMN("xid", XID8OID, V_FXID, result.xid),
	COLUMN("command_tag", TEXTOID, V_STRING, what.command_tag),
	COLUMN("object_type", TEXTOID, V_STRING, what.object_type),
	COLUMN("object_identities", TEXTARRAYOID, V_LIST, what.identities),
	COLUMN("statement", TEXTOID, V_STRING, what.statement),
	COLUMN("lock_timeout_ms", INT4OID, V_INT32, decision.lock_timeout_ms),
	COLUMN("statement_timeout_ms", INT4OID, V_INT32, decision.statement_timeout_ms),
	COLUMN("outcome", TEXTOID, V_OUTCOME, result.outcome),
	COLUMN("policy_violation", TEXTOID, V_STRING, decision.policy_violation),
	COLUMN("sqlstate", TEXTOID, V_STRING, result.sqlstate),
	COLUMN("error_message", TEXTOID, V_STRING, result.error_message),
	COLUMN("lock_mode", TEXTOID, V_STRING, risk.lock_mode),
	COLUMN("rewrites", TEXTOID, V_STRING, risk.rewrites),
	COLUMN("rules", TEXTARRAYOID, V_LIST, risk.rules),
	/* 1.2 */
	NULLABLE("lock_wait_ms", FLOAT8OID, V_DOUBLE, impact.lock_wait_ms),
	NULLABLE("lock_held_ms", FLOAT8OID, V_DOUBLE, impact.lock_held_ms),
	NULLABLE("blocked_sessions_max", INT4OID, V_INT32, impact.blocked_sessions_max),
	NULLABLE("blocked_ms", FLOAT8OID, V_DOUBLE, impact.blocked_ms),
	COLUMN("attempts", INT4OID, V_INT32, result.attempts),
	COLUMN("revert_statement", TEXTOID, V_STRING, revert.statement),
	NULLABLE("reversible", BOOLOID, V_BOOL, revert.reversible),
};

#define NUM_COLUMNS		((int) lengthof(row_columns))

const SafeDdlImpact safe_ddl_impact_unmeasured = {-1, -1, -1, -1};

const char *const safe_ddl_outcome_names[SAFE_DDL_NUM_OUTCOMES] = {
	[SAFE_DDL_OUTCOME_OK] = "ok",
	[SAFE_DDL_OUTCOME_REFUSED] = "refused",
	[SAFE_DDL_OUTCOME_FAILED] = "failed",
	[SAFE_DDL_OUTCOME_ROLLED_BACK] = "rolled_back",
};

/* The value's address in stmt. */
#define FIELD(stmt, col)	((char *) (stmt) + (col)->offset)

/* Is a nullable scalar column's value NULL (negative)? */
static bool
is_null_scalar(const RowColumn *col, SafeDdlStatement *stmt)
{
	void	   *field = FIELD(stmt, col);

	if (!col->nullable)
		return false;
	switch (col->kind)
	{
		case V_INT32:
			return *(int *) field < 0;
		case V_DOUBLE:
			return *(double *) field < 0;
		case V_BOOL:
			return *(int8 *) field < 0;
		default:
			return false;
	}
}

static void
set_null_scalar(const RowColumn *col, SafeDdlStatement *stmt)
{
	void	   *field = FIELD(stmt, col);

	switch (col->kind)
	{
		case V_INT32:
			*(int *) field = -1;
			break;
		case V_DOUBLE:
			*(double *) field = -1;
			break;
		case V_BOOL:
			*(int8 *) field = -1;
			break;
		default:
			break;
	}
}

/* Bytes of a scalar value in the flat form; 0 for strings and lists. */
static size_t
scalar_size(ValueKind kind)
{
	switch (kind)
	{
		case V_INT32:
			return sizeof(int);
		case V_DOUBLE:
			return sizeof(double);
		case V_BOOL:
			return sizeof(int8);
		case V_TIMESTAMPTZ:
			return sizeof(TimestampTz);
		case V_FXID:
			return sizeof(FullTransactionId);
		case V_OUTCOME:
			return sizeof(SafeDdlOutcome);
		case V_ID:
		case V_STRING:
		case V_LIST:
			break;
	}
	return 0;
}

/* ----------------------------------------------------------------
 * The flat form
 * ----------------------------------------------------------------
 */

Size
safe_ddl_row_header_size(void)
{
	return MAXALIGN(offsetof(SafeDdlFlatRow, len) + NUM_COLUMNS * sizeof(int32));
}

/* Bytes column col takes in the flat form; -1 for NULL. */
static int32
flat_length(const RowColumn *col, SafeDdlStatement *stmt)
{
	ListCell   *lc;
	int32		len = 0;

	switch (col->kind)
	{
		case V_ID:
			return -1;
		case V_STRING:
			{
				const char *s = *(const char **) FIELD(stmt, col);

				return s ? (int32) strlen(s) + 1 : -1;
			}
		case V_LIST:
			foreach(lc, *(List **) FIELD(stmt, col))
				len += strlen((char *) lfirst(lc)) + 1;
			return len;
		default:
			if (is_null_scalar(col, stmt))
				return -1;
			return (int32) scalar_size(col->kind);
	}
}

/*
 * A flat copy of an attempt's row, allocated in context.  This runs in
 * error handling too: nothing that can fail but palloc.
 */
SafeDdlFlatRow *
safe_ddl_row_flatten(SafeDdlStatement *stmt, MemoryContext context)
{
	int32		len[NUM_COLUMNS];
	Size		size = safe_ddl_row_header_size();
	SafeDdlFlatRow *row;
	char	   *p;
	int			i;
	ListCell   *lc;

	for (i = 0; i < NUM_COLUMNS; i++)
	{
		len[i] = flat_length(&row_columns[i], stmt);
		if (len[i] > 0)
			size += len[i];
	}
	size = MAXALIGN(size);

	row = MemoryContextAllocZero(context, size);
	row->size = (uint32) size;
	row->written_xid = InvalidTransactionId;
	row->database_id = stmt->session.database_id;
	memcpy(row->len, len, sizeof(len));

	p = (char *) row + safe_ddl_row_header_size();
	for (i = 0; i < NUM_COLUMNS; i++)
	{
		const RowColumn *col = &row_columns[i];

		if (len[i] <= 0)
			continue;
		if (col->kind == V_LIST)
		{
			foreach(lc, *(List **) FIELD(stmt, col))
			{
				size_t		n = strlen((char *) lfirst(lc)) + 1;

				memcpy(p, lfirst(lc), n);
				p += n;
			}
		}
		else
		{
			memcpy(p, col->kind == V_STRING ?
				   *(const char **) FIELD(stmt, col) : FIELD(stmt, col),
				   len[i]);
			p += len[i];
		}
	}
	return row;
}

/*
 * Does a flat row hold together: lengths that fit its size, strings and
 * lists that end with their NUL?  For rows that may have outlived a
 * crashed process, or come from a file.
 */
bool
safe_ddl_row_is_sane(SafeDdlFlatRow *row)
{
	Size		used = safe_ddl_row_header_size();
	char	   *p = (char *) row + used;
	int			i;

	if (row->size < used)
		return false;
	for (i = 0; i < NUM_COLUMNS; i++)
	{
		int32		len = row->len[i];
		const RowColumn *col = &row_columns[i];

		if (len < -1 || (len > 0 && used + len > row->size))
			return false;
		if (len > 0 && (col->kind == V_STRING || col->kind == V_LIST) &&
			p[len - 1] != '\0')
			return false;
		if (col->kind == V_STRING && len == 0)
			return false;
		if (scalar_size(col->kind) > 0 && len != -1 &&
			len != (int32) scalar_size(col->kind))
			return false;
		if (len > 0)
		{
			used += len;
			p += len;
		}
	}
	return true;
}

/* Where column i's value starts in a flat row. */
static char *
flat_value(SafeDdlFlatRow *row, int i)
{
	char	   *p = (char *) row + safe_ddl_row_header_size();
	int			j;

	for (j = 0; j < i; j++)
		if (row->len[j] > 0)
			p += row->len[j];
	return p;
}

void
safe_ddl_row_set_outcome(SafeDdlFlatRow *row, SafeDdlOutcome outcome)
{
	int			i;

	for (i = 0; i < NUM_COLUMNS; i++)
		if (row_columns[i].kind == V_OUTCOME)
			memcpy(flat_value(row, i), &outcome, sizeof(outcome));
}

static List *
split_list(const char *p, int32 len)
{
	List	   *result = NIL;
	const char *end = p + len;

	while (p < end)
	{
		result = lappend(result, (char *) p);
		p += strlen(p) + 1;
	}
	return result;
}

/*
 * Fill stmt from a flat row; its strings point into the row.
 */
void
safe_ddl_row_unflatten(SafeDdlFlatRow *row, SafeDdlStatement *stmt)
{
	char	   *p = (char *) row + safe_ddl_row_header_size();
	int			i;

	memset(stmt, 0, sizeof(SafeDdlStatement));
	stmt->session.database_id = row->database_id;
	for (i = 0; i < NUM_COLUMNS; i++)
	{
		const RowColumn *col = &row_columns[i];
		int32		len = row->len[i];

		switch (col->kind)
		{
			case V_ID:
				break;
			case V_STRING:
				*(const char **) FIELD(stmt, col) = len >= 0 ? p : NULL;
				break;
			case V_LIST:
				*(List **) FIELD(stmt, col) = split_list(p, Max(len, 0));
				break;
			default:
				if (len == (int32) scalar_size(col->kind))
					memcpy(FIELD(stmt, col), p, len);
				else if (col->nullable)
					set_null_scalar(col, stmt);
				break;
		}
		if (len > 0)
			p += len;
	}
}

/* ----------------------------------------------------------------
 * The table's datums
 * ----------------------------------------------------------------
 */

static int
column_by_name(const char *name)
{
	int			i;

	for (i = 0; i < NUM_COLUMNS; i++)
		if (strcmp(row_columns[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * Match a log table's columns to the description, by name: a column of a
 * described name must have the described type (a clear error otherwise);
 * other columns (a DBA's) are the caller's to fill with their defaults.
 */
SafeDdlRowMap *
safe_ddl_row_map(TupleDesc tupdesc, const char *table, MemoryContext context)
{
	SafeDdlRowMap *map = MemoryContextAlloc(context, sizeof(SafeDdlRowMap));
	int			i;

	map->natts = tupdesc->natts;
	map->id_att = -1;
	map->column = MemoryContextAlloc(context, Max(tupdesc->natts, 1) * sizeof(int));
	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
		int			col = attr->attisdropped ? -1 :
			column_by_name(NameStr(attr->attname));

		map->column[i] = col;
		if (col < 0)
			continue;
		if (attr->atttypid != row_columns[col].type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of %s has type %s, safe_ddl writes %s",
							NameStr(attr->attname), table,
							format_type_be(attr->atttypid),
							format_type_be(row_columns[col].type)),
					 errhint("Restore the column's type, or set safe_ddl.audit = off.")));
		if (row_columns[col].kind == V_ID)
			map->id_att = i;
	}
	return map;
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

/* The datum of one described column; *isnull for SQL NULL. */
static Datum
column_datum(const RowColumn *col, SafeDdlStatement *stmt, bool *isnull)
{
	void	   *field = FIELD(stmt, col);

	*isnull = false;
	if (is_null_scalar(col, stmt))
	{
		*isnull = true;
		return (Datum) 0;
	}
	switch (col->kind)
	{
		case V_STRING:
			{
				const char *s = *(const char **) field;

				if (s == NULL)
					break;
				if (col->type == INETOID)
					return DirectFunctionCall1(inet_in, CStringGetDatum(s));
				return CStringGetTextDatum(s);
			}
		case V_LIST:
			return text_array(*(List **) field);
		case V_INT32:
			return Int32GetDatum(*(int *) field);
		case V_DOUBLE:
			return Float8GetDatum(*(double *) field);
		case V_BOOL:
			return BoolGetDatum(*(int8 *) field > 0);
		case V_TIMESTAMPTZ:
			return TimestampTzGetDatum(*(TimestampTz *) field);
		case V_FXID:
			if (!FullTransactionIdIsValid(*(FullTransactionId *) field))
				break;
			return FullTransactionIdGetDatum(*(FullTransactionId *) field);
		case V_OUTCOME:
			return CStringGetTextDatum(safe_ddl_outcome_names[*(SafeDdlOutcome *) field]);
		case V_ID:
			break;				/* the caller's */
	}
	*isnull = true;
	return (Datum) 0;
}

/*
 * The values of one row for a table mapped by map.  Columns the
 * description does not name, and the id, are left NULL for the caller.
 */
void
safe_ddl_row_values(SafeDdlRowMap *map, SafeDdlStatement *stmt,
					Datum *values, bool *nulls)
{
	int			i;

	for (i = 0; i < map->natts; i++)
	{
		values[i] = (Datum) 0;
		nulls[i] = true;
		if (map->column[i] >= 0)
			values[i] = column_datum(&row_columns[map->column[i]], stmt,
									 &nulls[i]);
	}
}

/* ----------------------------------------------------------------
 * The JSON line
 * ----------------------------------------------------------------
 */

/*
 * The row as one JSON object, for the server log: every column but the
 * id, in the table's order.
 */
char *
safe_ddl_row_json(SafeDdlStatement *stmt)
{
	StringInfoData buf;
	int			i;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < NUM_COLUMNS; i++)
	{
		const RowColumn *col = &row_columns[i];
		void	   *field = FIELD(stmt, col);

		if (col->kind == V_ID)
			continue;
		if (buf.len > 1)
			appendStringInfoChar(&buf, ',');
		escape_json(&buf, col->name);
		appendStringInfoChar(&buf, ':');
		if (is_null_scalar(col, stmt))
		{
			appendStringInfoString(&buf, "null");
			continue;
		}
		switch (col->kind)
		{
			case V_STRING:
				if (*(const char **) field)
					escape_json(&buf, *(const char **) field);
				else
					appendStringInfoString(&buf, "null");
				break;
			case V_LIST:
				appendStringInfoChar(&buf, '[');
				foreach(lc, *(List **) field)
				{
					if (lc != list_head(*(List **) field))
						appendStringInfoChar(&buf, ',');
					escape_json(&buf, (char *) lfirst(lc));
				}
				appendStringInfoChar(&buf, ']');
				break;
			case V_INT32:
				appendStringInfo(&buf, "%d", *(int *) field);
				break;
			case V_DOUBLE:
				appendStringInfo(&buf, "%.3f", *(double *) field);
				break;
			case V_BOOL:
				appendStringInfoString(&buf, *(int8 *) field > 0 ? "true" : "false");
				break;
			case V_TIMESTAMPTZ:
				escape_json(&buf, timestamptz_to_str(*(TimestampTz *) field));
				break;
			case V_FXID:
				if (FullTransactionIdIsValid(*(FullTransactionId *) field))
					appendStringInfo(&buf, UINT64_FORMAT,
									 U64FromFullTransactionId(*(FullTransactionId *) field));
				else
					appendStringInfoString(&buf, "null");
				break;
			case V_OUTCOME:
				escape_json(&buf, safe_ddl_outcome_names[*(SafeDdlOutcome *) field]);
				break;
			case V_ID:
				break;
		}
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
