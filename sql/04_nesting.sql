--
-- DDL in functions and DO blocks is checked like top-level DDL; temporary
-- objects are exempt.
--
SET lock_timeout = '5s';
CREATE TABLE permanent (id int);
RESET lock_timeout;
SELECT audit_mark();

-- This file is about nesting and temporary objects, not destructive
-- changes: they are acknowledged throughout.
SET safe_ddl.allow_destructive = on;

-- Temporary objects need no timeout and are not audited.
CREATE TEMP TABLE scratch (id int);
CREATE INDEX ON scratch (id);
ALTER TABLE scratch ADD COLUMN note text;
CREATE TABLE pg_temp.scratch2 (id int);
CREATE TEMP VIEW scratch_view AS SELECT * FROM scratch;
CREATE TEMP SEQUENCE scratch_seq;
DROP VIEW scratch_view;
DROP SEQUENCE scratch_seq;
TRUNCATE scratch;
-- A permanent table among the targets: not exempt.
DROP TABLE scratch, permanent;
DROP TABLE scratch, scratch2;
-- The log holds one row: the refused DROP with a permanent target.
SELECT command_tag, object_identities, outcome FROM audit_since_mark();
SELECT audit_mark();

-- DDL in a DO block.
DO $$
BEGIN
    EXECUTE 'CREATE TABLE from_do (id int)';
END
$$;
DO $$
BEGIN
    SET LOCAL lock_timeout = '5s';
    EXECUTE 'CREATE TABLE from_do (id int)';
END
$$;

-- DDL in a function, and in a procedure that commits.
CREATE FUNCTION make_table(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (id int)', name);
END
$$;
SET lock_timeout = '5s';
CREATE FUNCTION make_table(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (id int)', name);
END
$$;
RESET lock_timeout;
SELECT make_table('from_function');
SET statement_timeout = '10s';
SELECT make_table('from_function');
RESET statement_timeout;

SET lock_timeout = '5s';
CREATE PROCEDURE two_steps() LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE step_one (id int);
    COMMIT;
    ALTER TABLE step_one ADD COLUMN done boolean;
END
$$;
CALL two_steps();

SELECT * FROM audit_since_mark();

DROP TABLE from_do, from_function, step_one, permanent;
DROP FUNCTION make_table(text);
DROP PROCEDURE two_steps();
