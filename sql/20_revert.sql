--
-- The way back: each completed change's revert_statement and reversible,
-- computed from the catalog before it ran (names PostgreSQL generates,
-- after); NULL for what was refused or failed.
--
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
CREATE FUNCTION revert_since_mark()
RETURNS TABLE (command_tag text, outcome text, reversible boolean,
               revert_statement text)
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT safe_ddl.wait_for_queue('10s') THEN
        RAISE EXCEPTION 'the writer did not empty the queue in 10 s';
    END IF;
    RETURN QUERY
    SELECT a.command_tag, a.outcome, a.reversible, a.revert_statement
      FROM safe_ddl.audit_log a
     WHERE a.id > (SELECT last_id FROM audit_mark)
     ORDER BY a.started_at, a.id;
END
$$;
SELECT audit_mark();

-- 1. What is created is dropped, by its schema-qualified name, also when
-- it was named without a schema, or named by PostgreSQL (an index).
CREATE SCHEMA rv;
CREATE TABLE rv.t (id int PRIMARY KEY, a text, b int DEFAULT 42);
CREATE INDEX t_a_idx ON rv.t (a);
CREATE INDEX ON rv.t (b);
CREATE INDEX CONCURRENTLY ON rv.t (id, a);
CREATE VIEW rv.v AS SELECT id FROM rv.t;
CREATE MATERIALIZED VIEW rv.mv AS SELECT id FROM rv.t;
CREATE SEQUENCE rv.s;
CREATE FUNCTION rv.f(int, text) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE rv.p() LANGUAGE sql AS 'SELECT 1';
CREATE TYPE rv.mood AS ENUM ('calm');
CREATE TYPE rv.pair AS (x int, y int);
CREATE DOMAIN rv.posint AS int CHECK (VALUE > 0);
SET search_path = rv, public;
CREATE TABLE u (id int);
CREATE TABLE k AS SELECT 1 AS x;
RESET search_path;
-- Nothing created: unknown.  A function replaced: unknown too (its old
-- definition, run by a superuser after the function was dropped, would
-- create it anew, owned by that superuser).
CREATE TABLE IF NOT EXISTS rv.t (id int);
CREATE OR REPLACE FUNCTION rv.f(int, text) RETURNS int LANGUAGE sql AS 'SELECT 2';
SELECT * FROM revert_since_mark();
SELECT audit_mark();

-- 2. ALTER TABLE: each sub-command's revert, in reverse order, in one
-- statement; the old default as PostgreSQL deparses it, qualified.
ALTER TABLE rv.t ADD COLUMN c int;
ALTER TABLE rv.t ADD CONSTRAINT t_c_check CHECK (c > 0);
ALTER TABLE rv.t ADD CHECK (b < 100);
ALTER TABLE rv.t ALTER COLUMN a SET NOT NULL;
ALTER TABLE rv.t ALTER COLUMN a DROP NOT NULL;
ALTER TABLE rv.t ALTER COLUMN b SET DEFAULT 7;
ALTER TABLE rv.t ALTER COLUMN a SET DEFAULT 'it''s';
ALTER TABLE rv.t ALTER COLUMN a SET DEFAULT 'x';
ALTER TABLE rv.t ALTER COLUMN b DROP DEFAULT;
SET search_path = rv, public;
ALTER TABLE t ALTER COLUMN c SET DEFAULT f(1, 'a');
RESET search_path;
ALTER TABLE rv.t ALTER COLUMN c SET DEFAULT 5;
ALTER TABLE rv.t ADD COLUMN d int DEFAULT 0, ALTER COLUMN c SET NOT NULL,
    ADD CONSTRAINT t_d_check CHECK (d >= 0), ALTER COLUMN d SET NOT NULL;
ALTER TABLE ONLY rv.t ALTER COLUMN c DROP DEFAULT;
ALTER TABLE rv.k ADD PRIMARY KEY (x);
ALTER TABLE rv.u ADD COLUMN IF NOT EXISTS id int;
-- Irreversible: the data goes.
ALTER TABLE rv.t DROP COLUMN d;
ALTER TABLE rv.t ALTER COLUMN c TYPE bigint;
ALTER TABLE rv.t ADD COLUMN e int, DROP COLUMN b;
TRUNCATE rv.k;
DROP TABLE rv.k;
DROP MATERIALIZED VIEW rv.mv;
-- Unknown.
ALTER TABLE rv.t SET (fillfactor = 50);
ALTER TABLE rv.t ADD COLUMN f int, SET (fillfactor = 60);
DROP VIEW rv.v;
SELECT * FROM revert_since_mark();
SELECT audit_mark();

-- 3. RENAME back.
ALTER TABLE rv.t RENAME TO t2;
ALTER TABLE rv.t2 RENAME COLUMN a TO a2;
ALTER TABLE rv.t2 RENAME CONSTRAINT t_c_check TO t_c_check2;
ALTER INDEX rv.t_a_idx RENAME TO t_a_idx2;
CREATE VIEW rv.v AS SELECT 1 AS one;
ALTER VIEW rv.v RENAME TO v2;
ALTER SEQUENCE rv.s RENAME TO s2;
ALTER FUNCTION rv.f(int, text) RENAME TO f2;
ALTER PROCEDURE rv.p RENAME TO p2;
ALTER SCHEMA rv RENAME TO rv2;
ALTER SCHEMA rv2 RENAME TO rv;
SELECT * FROM revert_since_mark();
SELECT audit_mark();

-- 4. COMMENT: the old comment back, or IS NULL.
COMMENT ON TABLE rv.t2 IS 'first';
COMMENT ON TABLE rv.t2 IS 'second';
COMMENT ON COLUMN rv.t2.a2 IS 'a column';
COMMENT ON CONSTRAINT t_c_check2 ON rv.t2 IS 'a check';
COMMENT ON SCHEMA rv IS 'the schema';
COMMENT ON FUNCTION rv.f2(int, text) IS 'a function';
COMMENT ON INDEX rv.t_a_idx2 IS 'an index';
COMMENT ON TABLE rv.t2 IS NULL;
SELECT * FROM revert_since_mark();
SELECT audit_mark();

-- 5. Refused and failed attempts changed nothing: NULL.  A rolled-back
-- change keeps its revert (revert_script() skips it).
RESET lock_timeout;
ALTER TABLE rv.t2 ADD COLUMN z int;
COMMENT ON TABLE rv.t2 IS 'refused';
SET lock_timeout = '5s';
ALTER TABLE rv.t2 ADD COLUMN a2 int;
CREATE TABLE rv.t2 (id int);
ALTER TABLE rv.t2 RENAME TO s2;
COMMENT ON TABLE rv.nothing IS 'fails';
-- Looking up the revert never raises an error of its own: these fail with
-- the statement's own errors.
COMMENT ON FUNCTION rv.f2(nosuchtype) IS 'fails';
ALTER FUNCTION rv.nosuch(int) RENAME TO f3;
ALTER TABLE nosuchschema.t ADD COLUMN x int;
CREATE TABLE nosuchschema.t (id int);
BEGIN;
CREATE TABLE rv.rb (id int);
ROLLBACK;
SELECT * FROM revert_since_mark();
SELECT audit_mark();

-- 6. Hostile names and comments, chosen by an ordinary role: a double
-- quote, a semicolon, a newline, */ and -- stay inside their quotes, and
-- each revert is one statement.
CREATE ROLE sddl_revert_user;
CREATE SCHEMA "h""s;
--*/" AUTHORIZATION sddl_revert_user;
SET ROLE sddl_revert_user;
CREATE TABLE "h""s;
--*/"."t""; DROP TABLE x; --
*/" (id int, "c;""--
*/" text DEFAULT 'x''; DROP TABLE y; --
*/', gone int);
COMMENT ON COLUMN "h""s;
--*/"."t""; DROP TABLE x; --
*/"."c;""--
*/" IS 'it''s
-- */ ; DROP TABLE z; --';
CREATE FUNCTION "h""s;
--*/"."f;""--
*/"() RETURNS text LANGUAGE sql AS $b$SELECT '$function$ ; --'::text$b$;
RESET ROLE;
SELECT * FROM revert_since_mark();
SELECT audit_mark();
CREATE TEMP TABLE revert_start AS SELECT clock_timestamp() AS t;
SET ROLE sddl_revert_user;
ALTER TABLE "h""s;
--*/"."t""; DROP TABLE x; --
*/" ALTER COLUMN "c;""--
*/" SET DEFAULT 'plain';
COMMENT ON COLUMN "h""s;
--*/"."t""; DROP TABLE x; --
*/"."c;""--
*/" IS 'second';
ALTER TABLE "h""s;
--*/"."t""; DROP TABLE x; --
*/" RENAME TO "r;
--""";
ALTER TABLE "h""s;
--*/"."r;
--""" ADD CONSTRAINT "k;
--*/" CHECK (id > 0);
ALTER TABLE "h""s;
--*/"."r;
--""" DROP COLUMN gone;
ALTER TABLE "h""s;
--*/"."r;
--""" RENAME COLUMN "c;""--
*/" TO "d"" --
x";
CREATE OR REPLACE FUNCTION "h""s;
--*/"."f;""--
*/"() RETURNS text LANGUAGE sql AS 'SELECT ''replaced''::text';
RESET ROLE;
SELECT * FROM revert_since_mark();

-- The script: newest first, the drop called out in a comment whose names
-- are a JSON array (no line break in it).  (Row ids vary: N here.)
SELECT regexp_replace(s, '^-- row [0-9]+ ', '-- row N ') AS revert_script
  FROM safe_ddl.revert_script((SELECT t FROM revert_start)) AS s;
SELECT count(*) AS comment_lines,
       count(*) FILTER (WHERE s ~ E'[\\n\\r]') AS with_line_break
  FROM safe_ddl.revert_script((SELECT t FROM revert_start)) AS s
 WHERE s LIKE '--%';

-- Run as a superuser, statement by statement: each line is one statement
-- (one audit row, its text the line), and the table is back as it was,
-- but for the column dropped; the function keeps its replaced body.
SELECT audit_mark();
DO $$
DECLARE
    line text;
BEGIN
    FOR line IN SELECT * FROM safe_ddl.revert_script((SELECT t FROM revert_start))
    LOOP
        IF line NOT LIKE '--%' THEN
            EXECUTE line;
        END IF;
    END LOOP;
END
$$;
SELECT count(*) AS rows_written,
       count(*) FILTER (WHERE a.statement || ';' IN
           (SELECT * FROM safe_ddl.revert_script((SELECT t FROM revert_start))))
         AS rows_of_one_line
  FROM safe_ddl.audit_log a
 WHERE a.id > (SELECT last_id FROM audit_mark);
SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) AS default,
       col_description(c.oid, a.attnum) AS comment,
       (SELECT count(*) FROM pg_constraint WHERE conrelid = c.oid) AS constraints
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname LIKE 'h"s;%')
 ORDER BY c.relname, a.attnum;
SELECT p.proname, p.prosrc FROM pg_proc p
 WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname LIKE 'h"s;%');

-- Only superusers: revoked from PUBLIC.
SELECT has_function_privilege('sddl_revert_user',
                              'safe_ddl.revert_script(timestamptz)', 'EXECUTE');

SET client_min_messages = warning;
DROP SCHEMA "h""s;
--*/" CASCADE;
DROP SCHEMA rv CASCADE;
DROP ROLE sddl_revert_user;
RESET client_min_messages;
RESET safe_ddl.allow_destructive;
RESET lock_timeout;
