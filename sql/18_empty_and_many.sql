--
-- Rules that know an empty table, statements on many relations, and the
-- statements the rules used to miss.
--
-- "Empty" is read from the storage manager, never from a page: a table
-- and all its inheritors (and their TOAST) have no block.  A table whose
-- rows were all deleted keeps its blocks until VACUUM: it holds data.
--
-- Relations this session created are new for it: the tables here are
-- created by another session (\c), so that the rules apply to them.
--
SET lock_timeout = '5s';
CREATE TABLE e_empty (id int, v text);
CREATE TABLE e_full (id int, v text);
INSERT INTO e_full SELECT i, 'row ' || i FROM generate_series(1, 3000) i;
CREATE TABLE e_deleted (id int);
INSERT INTO e_deleted VALUES (1);
DELETE FROM e_deleted;
CREATE TABLE e_part (id int) PARTITION BY RANGE (id);
CREATE TABLE e_part_1 PARTITION OF e_part FOR VALUES FROM (0) TO (10);
CREATE TABLE e_part_empty (id int) PARTITION BY RANGE (id);
CREATE TABLE e_part_empty_1 PARTITION OF e_part_empty FOR VALUES FROM (0) TO (10);
INSERT INTO e_part VALUES (1);
-- a traditional inheritance parent, empty, whose child holds the rows
CREATE TABLE ip (id int, v int);
CREATE TABLE ip_child () INHERITS (ip);
INSERT INTO ip_child SELECT i, i FROM generate_series(1, 5000) i;
CREATE SCHEMA s_empty;
CREATE TABLE s_empty.t (id int);
CREATE SCHEMA s_full;
CREATE TABLE s_full.t (id int);
INSERT INTO s_full.t VALUES (1);
CREATE SCHEMA s_tiny;
CREATE TABLE s_tiny.a (id int PRIMARY KEY);
INSERT INTO s_tiny.a VALUES (1);
CREATE SCHEMA s_big;
CREATE TABLE s_big.small (id int PRIMARY KEY);
CREATE TABLE s_big.large (id int PRIMARY KEY, v text);
INSERT INTO s_big.large SELECT i, 'row ' || i FROM generate_series(1, 5000) i;
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE uses_types (id int, m mood, p posint);
INSERT INTO uses_types VALUES (1, 'sad', 1);
CREATE TYPE unused_mood AS ENUM ('x');
CREATE TABLE empty_uses (m unused_mood);
CREATE FUNCTION dbl(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE gen (id int, d int GENERATED ALWAYS AS (dbl(id)) STORED);
INSERT INTO gen VALUES (1);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM e_full;
CREATE MATERIALIZED VIEW mv_empty AS SELECT id FROM e_full WITH NO DATA;
CREATE DOMAIN rnd AS float8 DEFAULT random();
CREATE DOMAIN pos AS int NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE TABLE ref (id int PRIMARY KEY);
INSERT INTO ref VALUES (1);
CREATE TABLE fk_child (id int REFERENCES ref);
INSERT INTO fk_child VALUES (1);
CREATE ROLE sddl_alice;
CREATE TABLE alice_t (id int);
INSERT INTO alice_t VALUES (1);
ALTER TABLE alice_t OWNER TO sddl_alice;
CREATE ROLE sddl_bob;
CREATE TABLE bob_t (id int);
ALTER TABLE bob_t OWNER TO sddl_bob;
ANALYZE;
\c
SET lock_timeout = '5s';
SET safe_ddl.large_table_size = '64kB';
SELECT audit_mark();

-- try(sql): run in a subtransaction and undo it; say "ran" or the error.
CREATE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
BEGIN
    BEGIN
        EXECUTE sql;
        RAISE EXCEPTION 'ran';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    IF st = 'P0001' AND msg = 'ran' THEN
        RETURN 'ran: ' || sql;
    END IF;
    RETURN st || ': ' || msg;
END
$$;
-- What explain() says of one statement: its verdict on the two rules
-- that fire whatever the size, and the sizes it looked at.
CREATE FUNCTION verdicts(sql text) RETURNS TABLE (
    verdict text, destructive_change text, rename text, table_sizes text[])
LANGUAGE sql AS $$
    SELECT verdict, rules->>'destructive_change', rules->>'rename', table_sizes
      FROM safe_ddl.explain('SET lock_timeout = ''5s''; ' || sql)
     WHERE statement_number = 2
$$;
\pset tuples_only on
\pset format unaligned

-- 1. Empty: nothing holds data, so nothing is destroyed.
SELECT try('ALTER TABLE e_empty DROP COLUMN v CASCADE');
SELECT try('DROP TABLE e_empty');
SELECT try('TRUNCATE e_empty');
SELECT try('ALTER TABLE e_empty RENAME TO e_gone');
SELECT try('ALTER TABLE e_empty RENAME COLUMN v TO w');
SELECT try('DROP TABLE e_part_empty');
SELECT try('DROP SCHEMA s_empty CASCADE');
-- ... but rows, rows left to VACUUM, or rows in a partition are data.
SELECT try('ALTER TABLE e_full DROP COLUMN v');
SELECT try('DROP TABLE e_deleted');
SELECT try('DROP TABLE e_part');
SELECT try('DROP SCHEMA s_full CASCADE');
SELECT try('ALTER TABLE ip RENAME TO ip2');
\pset tuples_only off
\pset format aligned
SELECT * FROM verdicts('ALTER TABLE e_empty DROP COLUMN v');
SELECT * FROM verdicts('ALTER TABLE e_full DROP COLUMN v');
SELECT * FROM verdicts('DROP SCHEMA s_empty CASCADE');
\pset tuples_only on
\pset format unaligned

-- 2. Statements on many relations: assessed by what they touch.
\pset tuples_only off
\pset format aligned
REINDEX SCHEMA s_tiny;
REINDEX SCHEMA s_big;
SELECT try('ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY sddl_bob SET TABLESPACE pg_default');
-- Indexes are sized one by one too: a role's small ones move, the
-- database's large ones are named.
SELECT try('ALTER INDEX ALL IN TABLESPACE pg_default OWNED BY sddl_bob SET TABLESPACE pg_default');
SELECT verdict, rules->>'table_rewrite' AS rule, object_type, object_identities
  FROM safe_ddl.explain('SET lock_timeout = ''5s''; ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE pg_default')
 WHERE statement_number = 2;
SELECT verdict, rules->>'table_rewrite' AS rule,
       'public.ip_child: 184 kB, about 5000 rows' = ANY (table_sizes) AS names_ip_child
  FROM safe_ddl.explain('SET lock_timeout = ''5s''; ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default')
 WHERE statement_number = 2;
SELECT verdict, rules->>'index_without_concurrently' AS rule, table_sizes
  FROM safe_ddl.explain('SET lock_timeout = ''5s''; REINDEX SCHEMA s_big; REINDEX SCHEMA s_tiny')
 WHERE statement_number > 1;
\pset tuples_only on
\pset format unaligned

-- 3. What the rules missed.
-- A type, a domain, a function dropped with CASCADE takes columns along.
SELECT try('DROP TYPE mood CASCADE');
SELECT try('DROP DOMAIN posint CASCADE');
SELECT try('DROP TYPE unused_mood CASCADE');
SELECT try('DROP FUNCTION dbl(int) CASCADE');
-- A materialized view's rows.
SELECT regexp_replace(try('DROP MATERIALIZED VIEW mv'), '\(\d+ kB\)', '(N kB)') AS try;  -- the view's size varies by major
SELECT try('DROP MATERIALIZED VIEW mv_empty');
-- USING computes every value anew.
SELECT try('ALTER TABLE e_full ALTER COLUMN id TYPE int USING NULL');
SELECT try('ALTER TABLE e_empty ALTER COLUMN id TYPE int USING NULL');
-- Moving a table to another schema, renaming a schema.
SELECT try('ALTER TABLE e_full SET SCHEMA s_full');
SELECT try('ALTER SCHEMA s_full RENAME TO s_full2');
SELECT try('ALTER SCHEMA s_empty RENAME TO s_empty2');
-- DROP OWNED drops a table whose own DROP TABLE is refused.
SELECT try('DROP TABLE alice_t');
SELECT try('DROP OWNED BY sddl_alice');
SELECT try('DROP OWNED BY sddl_bob');
-- TRUNCATE ... CASCADE names what it empties by CASCADE.
SELECT try('TRUNCATE ref CASCADE');
\pset tuples_only off
\pset format aligned
SELECT * FROM verdicts('TRUNCATE ref CASCADE');
\pset tuples_only on
\pset format unaligned
-- An inheritance parent's children count, unless ONLY.
SELECT try('ALTER TABLE ip ALTER COLUMN v TYPE bigint');
SELECT try('ALTER TABLE ip ALTER COLUMN v SET NOT NULL');
SELECT try('ALTER TABLE ip ADD CONSTRAINT v_pos CHECK (v > 0)');
SELECT try('ALTER TABLE ip ADD COLUMN r float8 DEFAULT random()');
SELECT try('ALTER TABLE ONLY ip ADD CONSTRAINT v_pos CHECK (v > 0) NO INHERIT');
-- A domain's default and constraints.
SELECT try('ALTER TABLE e_full ADD COLUMN a2 rnd');
SELECT try('ALTER TABLE e_full ADD COLUMN a5 pos');
SELECT try('ALTER TABLE e_full ADD COLUMN a6 posint DEFAULT 1');
SELECT try('ALTER TABLE e_full ADD COLUMN a7 int DEFAULT 0');
-- Constraints of a new column with a non-null default scan the table.
SELECT try('ALTER TABLE e_full ADD COLUMN a3 int DEFAULT 0 CHECK (a3 >= 0)');
SELECT try('ALTER TABLE e_full ADD COLUMN a4 int DEFAULT 1 REFERENCES ref (id)');
SELECT try('ALTER TABLE e_full ADD COLUMN a8 int CHECK (a8 >= 0)');

-- 4. Relations this session created are new for it, in later
-- transactions too; forgotten when dropped or rolled back.
CREATE TABLE mine AS SELECT * FROM e_full;
SELECT try('CREATE INDEX ON mine (id)');
SELECT try('DROP TABLE mine');
SELECT rules->>'index_without_concurrently' FROM safe_ddl.explain('CREATE INDEX ON mine (id)');
BEGIN;
DROP TABLE mine;
ROLLBACK;
SELECT rules->>'index_without_concurrently' FROM safe_ddl.explain('CREATE INDEX ON mine (id)');
DROP TABLE mine;
\c
SET lock_timeout = '5s';
SET safe_ddl.large_table_size = '64kB';
SELECT try('CREATE INDEX ON e_full (id)');

\pset tuples_only off
\pset format aligned
-- The log: the rules each statement met; "(empty)" where a destructive
-- change or rename ran because nothing held data.
SELECT safe_ddl.wait_for_queue('10s');
SELECT outcome, rules, statement
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark)
   AND statement NOT LIKE 'CREATE FUNCTION%'
 ORDER BY started_at, id;

SET safe_ddl.allow_destructive = on;
DROP OWNED BY sddl_alice, sddl_bob;
DROP ROLE sddl_alice, sddl_bob;
DROP SCHEMA s_empty, s_full, s_tiny, s_big CASCADE;
DROP TABLE e_empty, e_full, e_deleted, e_part, e_part_empty, ip CASCADE;
DROP TABLE uses_types, empty_uses, gen, fk_child, ref CASCADE;
DROP TYPE mood, unused_mood CASCADE;
DROP DOMAIN posint, rnd, pos;
DROP FUNCTION dbl(int), try(text), verdicts(text);
