/*-------------------------------------------------------------------------
 *
 * writer.h
 *		The background launcher and writers (writer.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SAFE_DDL_WRITER_H
#define SAFE_DDL_WRITER_H

extern void safe_ddl_register_launcher(void);

/*
 * True in a safe_ddl writer process.  Nothing there should queue a row:
 * the writer would write it, and a row whose writing fails would feed the
 * queue without end.
 */
extern bool safe_ddl_in_writer;

#endif							/* SAFE_DDL_WRITER_H */
