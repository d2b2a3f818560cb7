--
-- Doors to the extension's objects that do not name them, and statements
-- whose rows used to be lost, wrong or missing.
--
SET lock_timeout = '5s';
CREATE ROLE sddl_guard_user LOGIN;
CREATE ROLE sddl_guard_owner;
CREATE ROLE sddl_guard_etl LOGIN;
-- pg_write_all_data and pg_read_all_data came with PostgreSQL 14: on 13,
-- the privileges they give, granted on the extension's objects.
SELECT CASE WHEN to_regrole('pg_write_all_data') IS NOT NULL
            THEN 'GRANT pg_write_all_data, pg_read_all_data TO sddl_guard_etl'
            ELSE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA safe_ddl TO sddl_guard_etl; '
                 'GRANT SELECT, USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA safe_ddl TO sddl_guard_etl'
       END AS grant_etl \gset
:grant_etl;
-- A role called like the schema: CREATE SCHEMA AUTHORIZATION names the
-- schema after it.
CREATE ROLE safe_ddl;
GRANT safe_ddl, sddl_guard_owner TO sddl_guard_user;
GRANT CREATE ON SCHEMA public TO sddl_guard_user, sddl_guard_etl;
SELECT current_database() AS db \gset
GRANT CREATE ON DATABASE :"db" TO sddl_guard_user;
CREATE DATABASE sddl_guard_noext;
GRANT CREATE ON DATABASE sddl_guard_noext TO sddl_guard_user, safe_ddl;
CREATE TABLE sddl_guard_t (id int PRIMARY KEY);
GRANT SELECT ON sddl_guard_t TO sddl_guard_user;
RESET lock_timeout;
SELECT audit_mark();

--
-- 1. Names that lead to the extension's schema, refused whether or not
-- the extension is installed.  First in a database without it: a schema
-- safe_ddl created there would be taken for the extension's.
--
\c sddl_guard_noext sddl_guard_user
SET lock_timeout = '5s';
SET client_min_messages = error;	-- the once-per-session SD002 warning
CREATE SCHEMA safe_ddl;
CREATE SCHEMA AUTHORIZATION safe_ddl;
CREATE SCHEMA IF NOT EXISTS safe_ddl AUTHORIZATION sddl_guard_user;
SET ROLE safe_ddl;
CREATE SCHEMA AUTHORIZATION CURRENT_USER;
RESET ROLE;
CREATE SCHEMA sddl_guard_x;
ALTER SCHEMA sddl_guard_x RENAME TO safe_ddl;
-- Other names stay allowed, the role's schema too.
CREATE SCHEMA sddl_guard_y AUTHORIZATION safe_ddl;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sddl_guard%' OR nspname = 'safe_ddl'
 ORDER BY 1;
\c :db postgres

-- In this database: renames to the name, and moves into the schema.
SET ROLE sddl_guard_user;
SET lock_timeout = '5s';
CREATE SCHEMA sddl_guard_x;
CREATE TABLE sddl_guard_mine (id int);
CREATE FUNCTION sddl_guard_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER SCHEMA sddl_guard_x RENAME TO safe_ddl;
ALTER TABLE sddl_guard_mine RENAME TO safe_ddl;
ALTER TABLE sddl_guard_mine SET SCHEMA safe_ddl;
ALTER FUNCTION sddl_guard_f() SET SCHEMA safe_ddl;
ALTER DEFAULT PRIVILEGES IN SCHEMA safe_ddl GRANT SELECT ON TABLES TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA safe_ddl TO PUBLIC;
COMMENT ON FUNCTION safe_ddl.purge(interval) IS 'mine';

--
-- 2. DROP OWNED and REASSIGN OWNED reach the extension when a role they
-- name owns part of it (here, as a superuser could arrange, its schema).
--
RESET ROLE;
SET lock_timeout = '5s';
ALTER SCHEMA safe_ddl OWNER TO sddl_guard_owner;
SET ROLE sddl_guard_user;
BEGIN;
SET LOCAL lock_timeout = '5s';
DROP OWNED BY sddl_guard_owner CASCADE;
ROLLBACK;
BEGIN;
SET LOCAL lock_timeout = '5s';
REASSIGN OWNED BY sddl_guard_owner TO sddl_guard_user;
ROLLBACK;
-- A role that owns nothing of the extension: allowed.
BEGIN;
SET LOCAL lock_timeout = '5s';
REASSIGN OWNED BY safe_ddl TO sddl_guard_user;
ROLLBACK;
RESET ROLE;
SET lock_timeout = '5s';
ALTER SCHEMA safe_ddl OWNER TO CURRENT_USER;
RESET lock_timeout;

SELECT command_tag, object_type, object_identities, outcome, policy_violation
  FROM audit_since_mark()
 WHERE outcome <> 'ok' OR command_tag LIKE '%OWNER%' OR command_tag LIKE '%OWNED%';
SELECT nspowner::regrole AS schema_owner,
       to_regclass('safe_ddl.audit_log') IS NOT NULL AS log_still_there
  FROM pg_namespace WHERE nspname = 'safe_ddl';
SELECT audit_mark();

--
-- 3. pg_write_all_data may write every table, the log included: LOCK in
-- any mode (which stalls every DDL statement, waiting for its row) and the
-- id sequence are refused.  Reading stays allowed.
--
SET lock_timeout = '5s';
SET ROLE sddl_guard_etl;
CREATE VIEW sddl_guard_log_view AS SELECT id FROM safe_ddl.audit_log;
RESET ROLE;
\c :db sddl_guard_etl
DO $$
DECLARE
    target text;
    mode text;
BEGIN
    FOREACH target IN ARRAY ARRAY['safe_ddl.audit_log', 'safe_ddl.audit_log_id_seq',
                                  'safe_ddl.recent_changes', 'sddl_guard_log_view'] LOOP
        FOREACH mode IN ARRAY ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE',
                                    'SHARE UPDATE EXCLUSIVE', 'SHARE',
                                    'SHARE ROW EXCLUSIVE', 'EXCLUSIVE',
                                    'ACCESS EXCLUSIVE'] LOOP
            BEGIN
                EXECUTE format('LOCK %s IN %s MODE NOWAIT', target, mode);
                RAISE NOTICE '% %: locked', target, mode;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE '% %: % %', target, mode, SQLSTATE, SQLERRM;
            END;
        END LOOP;
    END LOOP;
END
$$;
SELECT setval('safe_ddl.audit_log_id_seq', 9223372036854775800);
SELECT nextval('safe_ddl.audit_log_id_seq');
SELECT setval('safe_ddl.audit_log_id_seq'::regclass, 9223372036854775800)
  FROM safe_ddl.audit_log_id_seq;
-- Reading the sequence, as pg_dump does, is not a use of it.
SELECT last_value < 9223372036854775000 AS not_moved FROM safe_ddl.audit_log_id_seq;
\c :db postgres
SELECT last_value < 9223372036854775000 AS not_moved FROM safe_ddl.audit_log_id_seq;
SELECT command_tag, object_type, object_identities, outcome, sqlstate, count(*)
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) AND current_user_name = 'sddl_guard_etl'
 GROUP BY 1, 2, 3, 4, 5 ORDER BY min(started_at);
SELECT statement FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) AND command_tag = 'SELECT'
 ORDER BY started_at, id;
SELECT audit_mark();

--
-- 4. A refused write's text is this statement alone, cut on a character
-- boundary with the marker: it stays valid UTF-8 (readers and pg_dump's
-- restore reject anything else).  No privilege is needed to leave one.
--
SET ROLE sddl_guard_user;
SELECT repeat('€', 23334) AS big \gset
INSERT INTO safe_ddl.audit_log (statement) VALUES ( :'big');
SET client_min_messages = notice \; INSERT INTO safe_ddl.audit_log (statement) VALUES ('second') \; SELECT 3 AS three;
RESET ROLE;
SELECT safe_ddl.wait_for_queue();
SELECT octet_length(statement) AS bytes,
       convert_from(convert_to(statement, 'UTF8'), 'UTF8') = statement AS valid_utf8,
       left(statement, 52) AS starts,
       right(statement, 57) AS ends
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) AND command_tag = 'INSERT'
   AND octet_length(statement) > 1000;
SELECT statement FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) AND command_tag = 'INSERT'
   AND octet_length(statement) <= 1000;
SELECT audit_mark();

--
-- 5. LOCK TABLE ... IN ACCESS EXCLUSIVE MODE queues readers like ALTER
-- TABLE: it needs a timeout.  Weaker modes are not DDL.
--
BEGIN;
LOCK sddl_guard_t IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
BEGIN;
LOCK TABLE sddl_guard_t;	-- ACCESS EXCLUSIVE is the default
ROLLBACK;
BEGIN;
SET LOCAL lock_timeout = '5s';
LOCK sddl_guard_t IN ACCESS EXCLUSIVE MODE;
COMMIT;
BEGIN;
LOCK sddl_guard_t IN EXCLUSIVE MODE;
LOCK sddl_guard_t IN SHARE MODE;
LOCK sddl_guard_t IN ACCESS SHARE MODE;
COMMIT;
CREATE TEMP TABLE sddl_guard_tmp (id int);
BEGIN;
LOCK sddl_guard_tmp IN ACCESS EXCLUSIVE MODE;
COMMIT;
-- The refusals' rows come from the writer: wait for it.
SELECT safe_ddl.wait_for_queue('10s') AS queue_written;
SELECT command_tag, object_type, object_identities, statement, lock_mode, outcome
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY started_at, id;
SELECT audit_mark();

--
-- 6. A temporary table tied to a permanent one locks it: not exempt.
--
CREATE TEMP TABLE sddl_guard_child () INHERITS (sddl_guard_t);
CREATE TEMP TABLE sddl_guard_fk (id int REFERENCES sddl_guard_t);
ALTER TABLE sddl_guard_tmp INHERIT sddl_guard_t;
SET lock_timeout = '5s';
CREATE TEMP TABLE sddl_guard_child () INHERITS (sddl_guard_t);
RESET lock_timeout;
ALTER TABLE sddl_guard_child NO INHERIT sddl_guard_t;
-- Still exempt: temporary alone, or reading a permanent one.
CREATE TEMP TABLE sddl_guard_like (LIKE sddl_guard_t);
ALTER TABLE sddl_guard_child ADD COLUMN note text;
DROP TABLE sddl_guard_like;
SELECT command_tag, object_identities, outcome, policy_violation IS NOT NULL AS violation
  FROM audit_since_mark();
SELECT audit_mark();

--
-- 7. An identity too long for the GIN index on object_identities (whose
-- entries cannot exceed 2712 bytes, compressed) is clipped: the refusal
-- still gets its row.  md5 names, so that it does not compress.
--
SET lock_timeout = '5s';
CREATE SCHEMA sddl_guard_long_types;
DO $$
BEGIN
    FOR i IN 1..48 LOOP
        EXECUTE format('CREATE DOMAIN sddl_guard_long_types.%I AS int',
                       'd' || md5(i::text) || left(md5((-i)::text), 30));
    END LOOP;
END
$$;
SELECT string_agg(format('sddl_guard_long_types.%I', typname), ', ' ORDER BY typname) AS args
  FROM pg_type
 WHERE typnamespace = 'sddl_guard_long_types'::regnamespace AND typtype = 'd' \gset
CREATE FUNCTION sddl_guard_long(:args) RETURNS int LANGUAGE sql AS 'SELECT 1';
RESET lock_timeout;
COMMENT ON FUNCTION sddl_guard_long(:args) IS 'long';
SELECT command_tag, outcome,
       octet_length(object_identities[1]) AS bytes,
       left(object_identities[1], 30) AS starts,
       right(object_identities[1], 40) AS ends
  FROM audit_since_mark() WHERE command_tag = 'COMMENT';
SELECT audit_mark();

--
-- 8. EXPLAIN ANALYZE runs CREATE TABLE AS: its row names the table.  Plain
-- EXPLAIN runs nothing and is not DDL.
--
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    CREATE TABLE sddl_guard_ctas AS SELECT 1 AS x;
SET lock_timeout = '5s';
-- (the plans are not shown: PostgreSQL 18 prints row counts differently)
\o /dev/null
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    CREATE TABLE sddl_guard_ctas AS SELECT 1 AS x;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT 2 AS x INTO sddl_guard_into;
\o
RESET lock_timeout;
EXPLAIN (COSTS OFF) CREATE TABLE sddl_guard_never AS SELECT 1 AS x;
EXPLAIN (COSTS OFF) SELECT 1;
SELECT to_regclass('sddl_guard_never') AS never_created;
SELECT command_tag, object_type, object_identities, outcome
  FROM audit_since_mark();

-- Clean up.
SET lock_timeout = '5s';
SET client_min_messages = warning;
SET safe_ddl.allow_destructive = on;
DROP VIEW sddl_guard_log_view;
DROP TABLE sddl_guard_ctas, sddl_guard_into, sddl_guard_child, sddl_guard_tmp,
    sddl_guard_mine, sddl_guard_t;
DROP SCHEMA sddl_guard_long_types, sddl_guard_x CASCADE;
DROP FUNCTION sddl_guard_f();
DROP DATABASE sddl_guard_noext;
REVOKE CREATE ON DATABASE :"db" FROM sddl_guard_user;
REVOKE CREATE ON SCHEMA public FROM sddl_guard_user, sddl_guard_etl;
-- (on PostgreSQL 13, the privileges granted instead of pg_write_all_data)
REVOKE ALL ON ALL TABLES IN SCHEMA safe_ddl FROM sddl_guard_etl;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA safe_ddl FROM sddl_guard_etl;
DROP ROLE sddl_guard_user, sddl_guard_owner, sddl_guard_etl, safe_ddl;
