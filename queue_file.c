/*-------------------------------------------------------------------------
 *
 * queue_file.c
 *		The audit rows still in the queue when the postmaster exits, kept in
 *		a file until the next start loads them back.
 *
 * The postmaster saves them when it exits, and also before it resets
 * shared memory after a crash.  pg_stat_statements does not trust shared
 * memory after a crash; we do, within limits, because these rows exist
 * nowhere else: a record is appended whole, under the queue's lock, before
 * the tail moves past it, so every record between head and tail was
 * complete when it was written, and each one is checked again (its size,
 * state and every length inside it, strings ending where they should)
 * before it is saved; the first that is not whole ends the save, with a
 * LOG line saying how many were kept.
 *
 * The file starts with a header naming its format (SAFE_DDL_ROW_FORMAT)
 * and the PostgreSQL major that wrote it.  A file of another format or
 * major is not read: it is kept beside, renamed, and a LOG line says
 * where, so that nothing in it is lost.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "pgstat.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "inflight.h"
#include "queue.h"

#define QUEUE_FILE			PGSTAT_STAT_PERMANENT_DIRECTORY "/safe_ddl_queue.dat"
#define QUEUE_FILE_MAGIC	0x5344444C	/* "SDDL" */

typedef struct QueueFileHeader
{
	uint32		magic;
	uint32		format;			/* SAFE_DDL_ROW_FORMAT */
	uint32		pg_major;		/* PG_VERSION_NUM / 100 */
	uint32		row_header_size;	/* safe_ddl_row_header_size() */
} QueueFileHeader;

static void
file_header(QueueFileHeader *header)
{
	header->magic = QUEUE_FILE_MAGIC;
	header->format = SAFE_DDL_ROW_FORMAT;
	header->pg_major = PG_VERSION_NUM / 100;
	header->row_header_size = (uint32) safe_ddl_row_header_size();
}

static bool
save_row(SafeDdlFlatRow *row, void *arg)
{
	return fwrite(row, row->size, 1, (FILE *) arg) == 1;
}

/*
 * on_shmem_exit of the postmaster: save the rows not yet written.
 */
void
safe_ddl_queue_file_save(int code, Datum arg)
{
	QueueFileHeader header;
	FILE	   *file;
	int			saved;

	file = AllocateFile(QUEUE_FILE ".tmp", PG_BINARY_W);
	if (file == NULL)
		goto error;
	file_header(&header);
	if (fwrite(&header, sizeof(header), 1, file) != 1)
		goto error;
	saved = safe_ddl_queue_save_each(save_row, file);
	saved += safe_ddl_inflight_save_each(save_row, file);
	if (ferror(file))
		goto error;
	if (FreeFile(file))
	{
		file = NULL;
		goto error;
	}
	if (saved == 0)
	{
		unlink(QUEUE_FILE ".tmp");
		return;
	}
	(void) durable_rename(QUEUE_FILE ".tmp", QUEUE_FILE, LOG);
	ereport(LOG,
			(errmsg("safe_ddl: saved %d audit records not yet written", saved)));
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", QUEUE_FILE ".tmp")));
	if (file)
		FreeFile(file);
	unlink(QUEUE_FILE ".tmp");
}

/*
 * At start, in the postmaster: load what the last exit saved.
 */
void
safe_ddl_queue_file_load(void)
{
	QueueFileHeader header;
	QueueFileHeader expected;
	Size		row_header = safe_ddl_row_header_size();
	SafeDdlFlatRow *first = palloc(row_header);
	FILE	   *file;
	int			loaded = 0;
	int			dropped = 0;

	file = AllocateFile(QUEUE_FILE, PG_BINARY_R);
	if (file == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", QUEUE_FILE)));
		return;
	}

	file_header(&expected);
	if (fread(&header, sizeof(header), 1, file) != 1 ||
		memcmp(&header, &expected, sizeof(header)) != 0)
	{
		FreeFile(file);
		(void) durable_rename(QUEUE_FILE, QUEUE_FILE ".rejected", LOG);
		ereport(LOG,
				(errmsg("safe_ddl: \"%s\" was saved by another version of safe_ddl or PostgreSQL (format %u, PostgreSQL %u; this is format %u, PostgreSQL %u): not loaded, kept as \"%s\"",
						QUEUE_FILE, header.format, header.pg_major,
						expected.format, expected.pg_major,
						QUEUE_FILE ".rejected")));
		return;
	}

	while (fread(first, row_header, 1, file) == 1)
	{
		SafeDdlFlatRow *row;

		if (first->size < row_header || first->size > MaxAllocSize)
			break;
		row = palloc(first->size);
		memcpy(row, first, row_header);
		if (first->size > row_header &&
			fread((char *) row + row_header, first->size - row_header, 1, file) != 1)
		{
			pfree(row);
			break;
		}
		if (!safe_ddl_row_is_sane(row))
		{
			pfree(row);
			break;
		}
		if (safe_ddl_queue_append_loaded(row))
			loaded++;
		else
		{
			SafeDdlStatement stmt;

			safe_ddl_row_unflatten(row, &stmt);
			safe_ddl_log_record(&stmt, "queue full when loading saved records");
			dropped++;
		}
		pfree(row);
	}

	FreeFile(file);
	unlink(QUEUE_FILE);
	if (loaded > 0 || dropped > 0)
		ereport(LOG,
				(errmsg("safe_ddl: loaded %d saved audit records", loaded)));
}
