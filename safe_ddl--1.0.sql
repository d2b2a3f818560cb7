/* safe_ddl--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION safe_ddl" to load this file. \quit

--
-- The audit log: one row per DDL statement.  safe_ddl writes it directly
-- (no INSERT is planned, no trigger fires); ordinary roles can neither
-- write nor read it until a DBA grants SELECT.
--
CREATE TABLE @extschema@.audit_log (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at           timestamptz NOT NULL,
    duration_ms          double precision NOT NULL,
    database_name        text NOT NULL,
    session_user_name    text NOT NULL,
    current_user_name    text NOT NULL,
    application_name     text,
    client_addr          inet,
    backend_pid          integer NOT NULL,
    xid                  xid8,
    command_tag          text NOT NULL,
    object_type          text,
    object_identities    text[] NOT NULL,
    statement            text NOT NULL,
    lock_timeout_ms      integer NOT NULL,
    statement_timeout_ms integer NOT NULL,
    outcome              text NOT NULL
        CHECK (outcome IN ('ok', 'refused', 'failed', 'rolled_back')),
    policy_violation     text,
    sqlstate             text,
    error_message        text,
    lock_mode            text,
    rewrites             text,
    rules                text[]
);

COMMENT ON TABLE @extschema@.audit_log IS
    'safe_ddl: one row per DDL statement (written by the extension only)';

-- "what happened between these times" and "what changed on this object"
CREATE INDEX audit_log_started_at_idx
    ON @extschema@.audit_log (started_at);
CREATE INDEX audit_log_object_identities_idx
    ON @extschema@.audit_log USING gin (object_identities);

REVOKE ALL ON @extschema@.audit_log FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.audit_log_id_seq FROM PUBLIC;
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- pg_dump keeps the log's rows
SELECT pg_catalog.pg_extension_config_dump('@extschema@.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.audit_log_id_seq', '');

--
-- What changed recently, and how long it took: the newest first.
--
CREATE VIEW @extschema@.recent_changes AS
SELECT id,
       started_at,
       round(duration_ms::numeric, 3) AS duration_ms,
       session_user_name,
       application_name,
       command_tag,
       object_type,
       object_identities,
       outcome,
       policy_violation,
       statement
  FROM @extschema@.audit_log
 WHERE started_at > pg_catalog.now() - interval '7 days'
 ORDER BY started_at DESC, id DESC;

COMMENT ON VIEW @extschema@.recent_changes IS
    'safe_ddl: DDL statements of the last 7 days, newest first';

REVOKE ALL ON @extschema@.recent_changes FROM PUBLIC;
