-- safe_ddl--1.1--1.2.sql: ALTER EXTENSION safe_ddl UPDATE TO '1.2'
-- (and, with safe_ddl--1.1.sql, the script of a new 1.2 install)

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION safe_ddl UPDATE TO '1.2'" to load this file. \quit

--
-- What a change did to other sessions, how many times it ran, and the way
-- back.  Rows written before the update have NULL here; so do refused
-- rows (they never ran) for what is measured while a statement runs.
--
ALTER TABLE @extschema@.audit_log
    ADD COLUMN lock_wait_ms         double precision,
    ADD COLUMN lock_held_ms         double precision,
    ADD COLUMN blocked_sessions_max integer,
    ADD COLUMN blocked_ms           double precision,
    ADD COLUMN attempts             integer,
    ADD COLUMN revert_statement     text,
    ADD COLUMN reversible           boolean;

--
-- shared_stats() and the stats view: lock_retries, the attempts that failed
-- for want of a lock and were run again (safe_ddl.lock_retries).
-- (Grants a DBA made on the view must be made again.)
--
DROP VIEW @extschema@.stats;
DROP FUNCTION @extschema@.shared_stats();

CREATE FUNCTION @extschema@.shared_stats(
    OUT ok bigint,
    OUT refused bigint,
    OUT failed bigint,
    OUT rolled_back bigint,
    OUT queued bigint,
    OUT written bigint,
    OUT logged bigint,
    OUT pending bigint,
    OUT queue_bytes_used bigint,
    OUT launcher_running boolean,
    OUT preloaded boolean,
    OUT lock_retries bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'safe_ddl_stats'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW @extschema@.stats AS SELECT * FROM @extschema@.shared_stats();

COMMENT ON VIEW @extschema@.stats IS
    'safe_ddl: attempts per outcome since start; rows queued, written by the writer, sent to the server log instead; lock retries';

REVOKE ALL ON FUNCTION @extschema@.shared_stats() FROM PUBLIC;
REVOKE ALL ON @extschema@.stats FROM PUBLIC;

--
-- The statements that undo the changes made since a time, newest first:
-- one text per statement, for a superuser to read and run.  Only changes
-- that completed and committed (outcome ok) are undone; one that cannot
-- be, or whose revert is not known, is called out in a comment that holds
-- only the row's id, its command tag and its objects' names as a JSON
-- array (which escapes every line break): nothing of a user's text can
-- end the comment.  The revert statements themselves hold names only
-- quoted and expressions only as PostgreSQL deparses them (revert.c).
-- The search_path is pinned: a superuser runs this.
--
CREATE FUNCTION @extschema@.revert_script(since timestamptz)
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
             WHEN a.reversible IS NOT FALSE AND a.revert_statement IS NOT NULL
               THEN a.revert_statement OPERATOR(pg_catalog.||) ';'
             ELSE '-- row ' OPERATOR(pg_catalog.||) a.id::text
                  OPERATOR(pg_catalog.||) ' ('
                  OPERATOR(pg_catalog.||)
                  pg_catalog.regexp_replace(COALESCE(a.command_tag, ''),
                                            '[^A-Z ]', '', 'g')
                  OPERATOR(pg_catalog.||) ' '
                  OPERATOR(pg_catalog.||)
                  COALESCE(pg_catalog.to_json(a.object_identities)::text, '[]')
                  OPERATOR(pg_catalog.||)
                  CASE WHEN a.reversible IS FALSE
                       THEN '): IRREVERSIBLE, what it removed cannot be brought back'
                       ELSE '): no known revert, undo it by hand' END
           END
      FROM @extschema@.audit_log a
     WHERE a.outcome OPERATOR(pg_catalog.=) 'ok'
       AND a.started_at OPERATOR(pg_catalog.>=) since
     ORDER BY a.id DESC;
$$;

COMMENT ON FUNCTION @extschema@.revert_script(timestamptz) IS
    'safe_ddl: the statements that undo the changes completed since a time, newest first; irreversible and unknown steps as comments';

REVOKE ALL ON FUNCTION @extschema@.revert_script(timestamptz) FROM PUBLIC;

--
-- The DDL attempts in progress, or whose transaction is still open, with
-- what they do to other sessions as the launcher last sampled it
-- (safe_ddl.sample_interval).
--
CREATE FUNCTION @extschema@.running_attempts(
    OUT pid integer,
    OUT database text,
    OUT started_at timestamptz,
    OUT command_tag text,
    OUT statement text,
    OUT state text,
    OUT lock_wait_ms double precision,
    OUT blocked_sessions integer,
    OUT blocked_sessions_max integer,
    OUT blocked_ms double precision,
    OUT lock_held_ms double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'safe_ddl_running'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW @extschema@.running AS SELECT * FROM @extschema@.running_attempts();

COMMENT ON VIEW @extschema@.running IS
    'safe_ddl: DDL in progress or in an open transaction; lock wait, sessions blocked and locks held, as last sampled';

REVOKE ALL ON FUNCTION @extschema@.running_attempts() FROM PUBLIC;
REVOKE ALL ON @extschema@.running FROM PUBLIC;
