--
-- DDL that used to escape the policy or leave no row: DDL run by user code
-- inside other DDL, a statement_timeout that is set but not armed, and
-- statements whose classification raises an error.
--
SELECT audit_mark();
SET safe_ddl.allow_destructive = on;

-- 1. DDL run by user code inside other DDL is checked and recorded on its
-- own.  A function that drops a table holding rows, the acknowledgement
-- withdrawn; the tables are another session's (a session's own are new
-- for it).
SET lock_timeout = '5s';
CREATE TABLE esc_victim (id int);
CREATE TABLE esc_data (id int);
INSERT INTO esc_data VALUES (1);
ANALYZE esc_data;
CREATE TABLE esc_source (id int);
INSERT INTO esc_source VALUES (1);
CREATE FUNCTION esc_payload() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL safe_ddl.allow_destructive = off;
    DROP TABLE esc_data;
    RETURN 1;
END
$$;
CREATE FUNCTION esc_default() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    SET LOCAL lock_timeout = 0;
    ALTER TABLE esc_victim RENAME TO esc_renamed;
    RETURN 2;
END
$$;
\c
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
SELECT audit_mark();

-- CREATE TABLE AS calling it: the inner DROP is refused, so the outer
-- statement fails; two rows.
CREATE TABLE esc_innocent AS SELECT esc_payload() AS x;
SELECT command_tag, object_identities, outcome, policy_violation IS NOT NULL AS violation
  FROM audit_since_mark();
SELECT audit_mark();

-- The other functions clear lock_timeout first, which a running DDL
-- statement's code may not do (the timeout it was checked with holds
-- until it ends): refused there, before the inner statement; the outer
-- one fails, with its row.  (No CONTEXT lines: PostgreSQL 13 names the
-- SET's line differently.)
\set SHOW_CONTEXT never
-- A volatile default evaluated by ALTER TABLE ... ADD COLUMN.
ALTER TABLE esc_source ADD COLUMN d int DEFAULT esc_default();
SELECT command_tag, object_identities, outcome, policy_violation IS NOT NULL AS violation
  FROM audit_since_mark();
SELECT audit_mark();

-- REFRESH MATERIALIZED VIEW of a view that calls it.
CREATE MATERIALIZED VIEW esc_mv AS SELECT 1 AS x WITH NO DATA;
CREATE OR REPLACE FUNCTION esc_mv_payload() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL lock_timeout = 0;
    DROP TABLE esc_victim;
    RETURN 1;
END
$$;
DROP MATERIALIZED VIEW esc_mv;
CREATE MATERIALIZED VIEW esc_mv AS SELECT esc_mv_payload() AS x WITH NO DATA;
SELECT audit_mark();
REFRESH MATERIALIZED VIEW esc_mv;
SELECT command_tag, object_identities, outcome, policy_violation IS NOT NULL AS violation
  FROM audit_since_mark();
SELECT audit_mark();

-- With a timeout the inner statements run, and each has its own ok row,
-- before the outer one's.
CREATE OR REPLACE FUNCTION esc_payload() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE esc_victim ADD COLUMN added int;
    COMMENT ON TABLE esc_victim IS 'touched';
    RETURN 1;
END
$$;
SELECT audit_mark();
CREATE TABLE esc_innocent AS SELECT esc_payload() AS x;
SELECT command_tag, object_identities, outcome FROM audit_since_mark();
SELECT audit_mark();

-- A ddl_command_end event trigger whose function runs DDL with the
-- timeout cleared: refused, so the statement that fired it fails.
CREATE FUNCTION esc_evt() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL lock_timeout = 0;
    ALTER TABLE esc_victim DROP COLUMN added;
END
$$;
CREATE EVENT TRIGGER esc_evt ON ddl_command_end
    WHEN TAG IN ('COMMENT') EXECUTE FUNCTION esc_evt();
SELECT audit_mark();
COMMENT ON TABLE esc_source IS 'fires the trigger';
SELECT command_tag, object_identities, outcome, policy_violation IS NOT NULL AS violation
  FROM audit_since_mark();
DROP EVENT TRIGGER esc_evt;
SELECT audit_mark();

\set SHOW_CONTEXT errors
-- PostgreSQL's own sub-commands stay part of their statement: one row.
CREATE TABLE esc_serial (sid serial PRIMARY KEY, LIKE esc_source INCLUDING ALL);
SELECT command_tag, object_identities, outcome FROM audit_since_mark();
SELECT audit_mark();

-- 2. A statement_timeout set inside a DO block or by a function's SET
-- clause arms nothing until the next top-level statement: it does not
-- count, and the row records the timeout that was armed (none).
CREATE FUNCTION esc_with_set() RETURNS void LANGUAGE plpgsql
SET statement_timeout = '1s' AS $$
BEGIN
    ALTER TABLE esc_source ADD COLUMN c2 int;
END
$$;
SELECT audit_mark();
RESET lock_timeout;
DO $$
BEGIN
    SET LOCAL statement_timeout = '1s';
    ALTER TABLE esc_source ADD COLUMN c1 int;
END
$$;
SELECT esc_with_set();
-- Set at top level, it is armed when the statement starts: it counts.
SET statement_timeout = '2s';
ALTER TABLE esc_source ADD COLUMN c3 int;
DO $$
BEGIN
    ALTER TABLE esc_source ADD COLUMN c4 int;
END
$$;
RESET statement_timeout;
SELECT command_tag, statement, outcome, lock_timeout_ms, statement_timeout_ms
  FROM audit_since_mark();
SELECT audit_mark();

-- 3. Statements whose classification raises an error still get a row.
SET lock_timeout = '5s';
DROP TABLE otherdb.app.t;
DROP TABLE a.b.c.d;
CREATE FUNCTION esc_ov(int) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION esc_ov(text) RETURNS int LANGUAGE sql AS 'SELECT 2';
SELECT audit_mark();
COMMENT ON FUNCTION esc_ov IS 'which one?';
SELECT safe_ddl.wait_for_queue('10s');
SELECT command_tag, statement, outcome, sqlstate, error_message
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;
SELECT count(*) AS rows_for_the_two_drops
  FROM safe_ddl.audit_log
 WHERE statement IN ('DROP TABLE otherdb.app.t', 'DROP TABLE a.b.c.d')
   AND outcome = 'failed';
-- explain() gives such a statement a row of its own and goes on.
SELECT statement_number, command_tag, verdict, reason
  FROM safe_ddl.explain('COMMENT ON FUNCTION esc_ov IS ''x''; DROP TABLE a.b.c.d; ALTER TABLE esc_source ADD COLUMN z int');
RESET lock_timeout;
RESET safe_ddl.allow_destructive;
