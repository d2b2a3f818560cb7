-- safe_ddl--1.0--1.1.sql: ALTER EXTENSION safe_ddl UPDATE TO '1.1'

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION safe_ddl UPDATE TO '1.1'" to load this file. \quit

--
-- A schema safe_ddl that a role other than a superuser owns, or may create
-- in, was adopted by CREATE EXTENSION in 1.0: whoever owns it can drop the
-- log with it.  Say so; the DBA decides (ALTER SCHEMA safe_ddl OWNER TO a
-- superuser, REVOKE CREATE ON SCHEMA safe_ddl FROM ...).
--
DO $check$
DECLARE
    nsp oid := '@extschema@'::pg_catalog.regnamespace;
    owner_name name;
    owner_is_superuser boolean;
    creators text;
BEGIN
    SELECT r.rolname, r.rolsuper INTO owner_name, owner_is_superuser
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.oid OPERATOR(pg_catalog.=) nsp;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
      INTO creators
      FROM pg_catalog.pg_roles r
     WHERE NOT r.rolsuper
       AND pg_catalog.has_schema_privilege(r.oid, nsp, 'CREATE');
    IF NOT owner_is_superuser OR creators IS NOT NULL THEN
        RAISE WARNING 'schema % is open to roles that are not superusers', '@extschema@'
            USING DETAIL = pg_catalog.format(
                      'It is owned by %s%s; roles that are not superusers may create in it: %s.',
                      pg_catalog.quote_ident(owner_name),
                      CASE WHEN owner_is_superuser THEN '' ELSE ' (not a superuser)' END,
                      COALESCE(creators, 'none')),
                  HINT = 'ALTER SCHEMA safe_ddl OWNER TO a superuser, and REVOKE CREATE ON SCHEMA safe_ddl from the others.';
    END IF;
END
$check$;

--
-- object_history(): immune to the caller's search_path (1.0 used bare
-- operators, which a database owner could shadow in public), and by kind
-- of object.
--
DROP FUNCTION @extschema@.object_history(text, int);

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
-- shared_stats() and the stats view: whether the library was preloaded.
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
    OUT preloaded boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'safe_ddl_stats'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW @extschema@.stats AS SELECT * FROM @extschema@.shared_stats();

COMMENT ON VIEW @extschema@.stats IS
    'safe_ddl: attempts per outcome since start; rows queued, written by the writer, sent to the server log instead';

REVOKE ALL ON FUNCTION @extschema@.shared_stats() FROM PUBLIC;
REVOKE ALL ON @extschema@.stats FROM PUBLIC;
