-- safe_ddl--1.1.sql

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION safe_ddl" to load this file. \quit

--
-- The schema must be the one CREATE EXTENSION just made, not one that was
-- already there: CREATE EXTENSION adopts an existing schema of the name
-- silently, and whoever owns it could then drop the log with the schema
-- (DROP OWNED BY ... CASCADE), or had put objects in it.  The schema
-- CREATE EXTENSION makes is not a member of the extension (it exists
-- before the extension does, which depends on it instead): it is owned by
-- the superuser running CREATE EXTENSION and holds nothing yet.  Anything
-- else is refused.  Every operator is pinned: this runs with the schema in
-- search_path.
--
DO $check$
DECLARE
    nsp oid := '@extschema@'::pg_catalog.regnamespace;
    owner_name name;
    owner_is_superuser boolean;
    objects bigint;
    creators text;
BEGIN
    SELECT r.rolname, r.rolsuper INTO owner_name, owner_is_superuser
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.oid OPERATOR(pg_catalog.=) nsp;
    SELECT pg_catalog.count(*) INTO objects
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
       AND d.refobjid OPERATOR(pg_catalog.=) nsp
       AND d.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_extension'::pg_catalog.regclass;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
      INTO creators
      FROM pg_catalog.pg_roles r
     WHERE NOT r.rolsuper
       AND pg_catalog.has_schema_privilege(r.oid, nsp, 'CREATE');

    IF NOT owner_is_superuser OR objects OPERATOR(pg_catalog.>) 0 OR creators IS NOT NULL THEN
        RAISE EXCEPTION 'safe_ddl will not adopt the existing schema %', '@extschema@'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = pg_catalog.format(
                      'The schema is owned by %s%s, holds %s object(s), and roles that are not superusers may create in it: %s.',
                      pg_catalog.quote_ident(owner_name),
                      CASE WHEN owner_is_superuser THEN '' ELSE ' (not a superuser)' END,
                      objects, COALESCE(creators, 'none')),
                  HINT = 'Check what the schema holds and who made it, drop or rename it, and run CREATE EXTENSION safe_ddl again: it creates its own schema.';
    END IF;
END
$check$;

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

-- "what happened between these times" (BRIN: rows arrive in time order,
-- and it costs a DDL statement almost nothing to maintain) and "what
-- changed on this object"; newest first is the primary key, backwards.
CREATE INDEX audit_log_started_at_idx
    ON @extschema@.audit_log USING brin (started_at);
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
 ORDER BY id DESC;

COMMENT ON VIEW @extschema@.recent_changes IS
    'safe_ddl: DDL statements of the last 7 days, newest first';

REVOKE ALL ON @extschema@.recent_changes FROM PUBLIC;

--
-- Everything that happened to one object, newest first.  The GIN index
-- finds an object's rows but not in time order; on a large log the rows of
-- a busy object lie on as many heap pages as it has rows.  So look back in
-- slices of time (the last day, then the 3 days before, the 12 before
-- that: each slice ends where the last began and reaches 4 times as far
-- back; the last, past 700 years, reaches back to the beginning),
-- each bounded by the BRIN index, and stop as soon as max_rows are found:
-- the heap pages read are about those of the rows returned, however long
-- the log.  A plain SQL function (no SET clause, not STRICT), so that
-- the planner inlines it into the query that calls it: planned once, with
-- the caller's query.
--
-- Being inlined, its body is parsed with the caller's search_path, where a
-- database owner's public.@>(text[], text[]) would win over
-- pg_catalog.@>(anyarray, anyarray) and run as the (superuser) caller.
-- Every operator and function is therefore schema-qualified, operators
-- with OPERATOR(pg_catalog.x), which binds like any other operator: hence
-- the parentheses.
--
-- An identity names objects of different kinds alike (a table and a text
-- search dictionary can both be public.accounts), so the kind counts too:
-- object_type NULL, the default, means a relation and what belongs to it,
-- as the log names them; otherwise rows of that object_type.
--
CREATE FUNCTION @extschema@.object_history(object text, max_rows int DEFAULT 50,
                                           object_type text DEFAULT NULL)
RETURNS SETOF @extschema@.audit_log
LANGUAGE sql STABLE
AS $$
    SELECT a.*
      FROM pg_catalog.generate_series(0, 10) AS slice
     CROSS JOIN LATERAL (
            SELECT *
              FROM @extschema@.audit_log a
             WHERE a.object_identities OPERATOR(pg_catalog.@>) ARRAY[object]
               AND ((object_history.object_type IS NULL
                     AND a.object_type OPERATOR(pg_catalog.=) ANY (ARRAY[
                         'table', 'index', 'view', 'materialized view',
                         'sequence', 'foreign table', 'table column',
                         'table constraint', 'trigger', 'policy', 'rule']))
                    OR a.object_type OPERATOR(pg_catalog.=) object_history.object_type)
               AND a.started_at OPERATOR(pg_catalog.>=)
                   CASE WHEN slice OPERATOR(pg_catalog.<) 10
                        THEN pg_catalog.now() OPERATOR(pg_catalog.-)
                             (interval '1 day' OPERATOR(pg_catalog.*)
                              (4 OPERATOR(pg_catalog.^) slice))
                        ELSE '-infinity' END
               AND a.started_at OPERATOR(pg_catalog.<)
                   CASE WHEN slice OPERATOR(pg_catalog.>) 0
                        THEN pg_catalog.now() OPERATOR(pg_catalog.-)
                             (interval '1 day' OPERATOR(pg_catalog.*)
                              (4 OPERATOR(pg_catalog.^) (slice OPERATOR(pg_catalog.-) 1)))
                        ELSE 'infinity' END
             ORDER BY a.started_at DESC, a.id DESC) AS a
     LIMIT max_rows;
$$;

COMMENT ON FUNCTION @extschema@.object_history(text, int, text) IS
    'safe_ddl: the log of one object (schema-qualified identity; by default a relation or what belongs to it, else of the given object_type), newest first';

REVOKE ALL ON FUNCTION @extschema@.object_history(text, int, text) FROM PUBLIC;

--
-- Per day, command and outcome: how many, and how long they took.
--
CREATE VIEW @extschema@.daily_summary AS
SELECT date_trunc('day', started_at) AS day,
       command_tag,
       outcome,
       count(*) AS statements,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::numeric, 3)
           AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::numeric, 3)
           AS p95_ms,
       round(max(duration_ms)::numeric, 3) AS max_ms
  FROM @extschema@.audit_log
 GROUP BY 1, 2, 3;

COMMENT ON VIEW @extschema@.daily_summary IS
    'safe_ddl: per day, command and outcome, count and p50 / p95 / max duration';

REVOKE ALL ON @extschema@.daily_summary FROM PUBLIC;

--
-- Counters kept in shared memory since the server started, and whether
-- the library was preloaded (without it there is no queue and no counter:
-- they are NULL).
--
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
    OUT preloaded boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'safe_ddl_stats'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW @extschema@.stats AS SELECT * FROM @extschema@.shared_stats();

COMMENT ON VIEW @extschema@.stats IS
    'safe_ddl: attempts per outcome since start; rows queued, written by the writer, sent to the server log instead';

REVOKE ALL ON FUNCTION @extschema@.shared_stats() FROM PUBLIC;
REVOKE ALL ON @extschema@.stats FROM PUBLIC;

--
-- Wait until the writer has written every queued row of this database
-- (refused, failed and rolled-back attempts); false on timeout.
--
CREATE FUNCTION @extschema@.wait_for_queue(timeout interval DEFAULT '5s')
RETURNS boolean
AS 'MODULE_PATHNAME', 'safe_ddl_wait_for_queue'
LANGUAGE C STRICT VOLATILE;

--
-- Remove the rows older than older_than; returns how many.  Superusers
-- only (safe_ddl refuses any other role's writes to the log).
--
CREATE FUNCTION @extschema@.purge(older_than interval)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed bigint;
BEGIN
    IF older_than IS NULL OR older_than < interval '0' THEN
        RAISE EXCEPTION 'safe_ddl.purge: older_than must be a positive interval, not %',
            coalesce(older_than::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM @extschema@.audit_log
     WHERE started_at < pg_catalog.now() - older_than;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$$;

REVOKE ALL ON FUNCTION @extschema@.purge(interval) FROM PUBLIC;

--
-- What safe_ddl would say of each statement of a script, under the
-- current settings, with nothing executed: a migration tool or a CI job
-- asks before it runs.  rules holds every rule's verdict.
--
CREATE FUNCTION @extschema@.explain(sql text)
RETURNS TABLE (
    statement_number int,
    statement text,
    command_tag text,
    object_type text,
    object_identities text[],
    lock_mode text,
    rewrites text,
    table_sizes text[],
    rules json,
    verdict text,
    reason text,
    hint text
)
AS 'MODULE_PATHNAME', 'safe_ddl_explain'
LANGUAGE C STRICT VOLATILE;
