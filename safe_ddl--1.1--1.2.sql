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
