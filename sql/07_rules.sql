--
-- Risk rules: each fires on a table above safe_ddl.large_table_size (the
-- size rules) or on any existing table (destructive changes and renames),
-- and is silent below the size, on a table created in the same
-- transaction, and when disabled.  A refusal names the rule and gives its
-- safe recipe in the HINT.
--
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP TABLE IF EXISTS big, tiny, ref CASCADE;
RESET safe_ddl.allow_destructive;

CREATE TABLE ref (id int PRIMARY KEY);
INSERT INTO ref SELECT generate_series(1, 5000);
CREATE TABLE big (id int, n int, v text, w varchar(20), c text COLLATE "C");
INSERT INTO big SELECT i, i, 'row ' || i, 'w', 'c' FROM generate_series(1, 5000) i;
CREATE INDEX big_id_idx ON big (id);
CREATE UNIQUE INDEX big_id_uidx ON big (id);
CREATE TABLE tiny (LIKE big INCLUDING ALL);
INSERT INTO tiny VALUES (1, 1, 'one', 'w', 'c');
CREATE MATERIALIZED VIEW big_mv AS SELECT id, v FROM big;
CREATE UNIQUE INDEX ON big_mv (id);
ANALYZE big, tiny, big_mv;
-- Relations a session created are new for it: assess them from another.
\c
SET lock_timeout = '5s';

-- big is a few hundred kB, tiny one page: a 64kB threshold tells them apart.
SHOW safe_ddl.large_table_size;
SET safe_ddl.large_table_size = '64kB';
SELECT audit_mark();

-- try(sql): run one statement in a subtransaction and undo it; say
-- "ran", or the error with its SQLSTATE and HINT.
CREATE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    hint text;
BEGIN
    BEGIN
        EXECUTE sql;
        RAISE EXCEPTION 'ran';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                hint = PG_EXCEPTION_HINT;
    END;
    IF st = 'P0001' AND msg = 'ran' THEN
        RETURN 'ran: ' || sql;
    END IF;
    RETURN st || ': ' || msg || coalesce(E'\n  HINT: ' || nullif(hint, ''), '');
END
$$;
\pset tuples_only on
\pset format unaligned

-- index_without_concurrently
SELECT try('CREATE INDEX ON big (n)');
SELECT try('CREATE INDEX ON tiny (n)');
SELECT try('REINDEX TABLE big');
SELECT try('REINDEX INDEX big_id_idx');
SELECT try('REINDEX TABLE tiny');

-- constraint_without_not_valid
SELECT try('ALTER TABLE big ADD CONSTRAINT positive CHECK (n > 0)');
SELECT try('ALTER TABLE big ADD CONSTRAINT positive CHECK (n > 0) NOT VALID');
SELECT try('ALTER TABLE big ADD FOREIGN KEY (id) REFERENCES ref (id)');
SELECT try('ALTER TABLE big ADD FOREIGN KEY (id) REFERENCES ref (id) NOT VALID');
SELECT try('ALTER TABLE tiny ADD CONSTRAINT positive CHECK (n > 0)');

-- set_not_null_without_check, and the validated CHECK that proves it
SELECT try('ALTER TABLE big ALTER COLUMN n SET NOT NULL');
SELECT try('ALTER TABLE tiny ALTER COLUMN n SET NOT NULL');
BEGIN;
ALTER TABLE big ADD CONSTRAINT n_not_null CHECK (n IS NOT NULL) NOT VALID;
ALTER TABLE big VALIDATE CONSTRAINT n_not_null;
SELECT try('ALTER TABLE big ALTER COLUMN n SET NOT NULL');
ROLLBACK;

-- unique_without_using_index
SELECT try('ALTER TABLE big ADD PRIMARY KEY (id)');
SELECT try('ALTER TABLE big ADD CONSTRAINT big_id_key UNIQUE (id)');
SELECT try('ALTER TABLE big ADD CONSTRAINT big_id_key UNIQUE USING INDEX big_id_uidx');
SELECT try('ALTER TABLE tiny ADD PRIMARY KEY (id)');

-- column_type_rewrite: only when the rows are rewritten (or, for a new
-- collation, the column's indexes rebuilt)
SELECT try('ALTER TABLE big ALTER COLUMN n TYPE bigint');
SELECT try('ALTER TABLE big ALTER COLUMN w TYPE varchar(10)');
SELECT try('ALTER TABLE big ALTER COLUMN w TYPE varchar(40)');
SELECT try('ALTER TABLE big ALTER COLUMN w TYPE text');
SELECT try('ALTER TABLE big ALTER COLUMN c TYPE text COLLATE "POSIX"');
SELECT try('ALTER TABLE big ALTER COLUMN c TYPE text COLLATE "C"');
SELECT try('ALTER TABLE big ALTER COLUMN n TYPE int USING n + 1');
SELECT try('ALTER TABLE tiny ALTER COLUMN n TYPE bigint');

-- volatile_default_rewrite: a constant or stable default is instant
SELECT try('ALTER TABLE big ADD COLUMN r float8 DEFAULT random()');
SELECT try('ALTER TABLE big ADD COLUMN u uuid DEFAULT gen_random_uuid()');
SELECT try('ALTER TABLE big ADD COLUMN s bigserial');
SELECT try('ALTER TABLE big ADD COLUMN g int GENERATED ALWAYS AS (n * 2) STORED');
SELECT try('ALTER TABLE big ADD COLUMN k int DEFAULT 42');
SELECT try('ALTER TABLE big ADD COLUMN t timestamptz DEFAULT now()');
SELECT try('ALTER TABLE tiny ADD COLUMN r float8 DEFAULT random()');

-- table_rewrite
SELECT try('CLUSTER big USING big_id_idx');
-- (the view's size varies by major: 224 kB on 15, 256 kB on 17)
SELECT regexp_replace(try('REFRESH MATERIALIZED VIEW big_mv'), '\(\d+ kB\)', '(N kB)') AS try;
SELECT try('ALTER TABLE big SET UNLOGGED');
SELECT try('CLUSTER tiny USING tiny_id_idx');
\pset tuples_only off
\pset format aligned
VACUUM FULL big;
VACUUM FULL tiny;
REFRESH MATERIALIZED VIEW CONCURRENTLY big_mv;
\pset tuples_only on
\pset format unaligned

-- destructive_change, whatever the size
SELECT try('DROP TABLE tiny');
SELECT try('TRUNCATE tiny');
SELECT try('ALTER TABLE tiny DROP COLUMN v');
CREATE SCHEMA doomed;
SELECT try('DROP SCHEMA doomed CASCADE');
SELECT try('DROP SCHEMA doomed');
SELECT try('DROP TABLE IF EXISTS no_such_table');

-- rename: a table, a view, a column; an index is no one's API
SELECT try('ALTER TABLE tiny RENAME TO small');
SELECT try('ALTER TABLE tiny RENAME COLUMN v TO value');
SELECT regexp_replace(try('ALTER MATERIALIZED VIEW big_mv RENAME TO big_view'), '\(\d+ kB\)', '(N kB)') AS try;
SELECT try('ALTER INDEX big_id_idx RENAME TO big_id_index');

-- The session acknowledges: they run, and their rows say which rule fired.
SET safe_ddl.allow_destructive = on;
SELECT try('DROP TABLE tiny');
SELECT try('ALTER TABLE tiny RENAME COLUMN v TO value');
RESET safe_ddl.allow_destructive;

-- A table created in this transaction is new: no rule applies to it.
BEGIN;
CREATE TABLE fresh AS SELECT * FROM big;
SELECT pg_relation_size('fresh') > 64 * 1024 AS fresh_is_large;
SELECT try('CREATE INDEX ON fresh (id)');
SELECT try('ALTER TABLE fresh ALTER COLUMN n TYPE bigint');
SELECT try('ALTER TABLE fresh RENAME COLUMN v TO value');
SELECT try('DROP TABLE fresh');
ROLLBACK;

-- Disabled rules are silent; an unknown name is rejected with the list.
SET safe_ddl.disabled_rules = 'index_without_concurrently, rename';
SELECT try('CREATE INDEX ON big (n)');
SELECT try('ALTER TABLE tiny RENAME TO small');
SELECT try('ALTER TABLE big ALTER COLUMN n TYPE bigint');
SET safe_ddl.disabled_rules = 'index_without_concurrently, no_such_rule';
SHOW safe_ddl.disabled_rules;
RESET safe_ddl.disabled_rules;

-- The default threshold, 10MB: big is small for it.
RESET safe_ddl.large_table_size;
SELECT try('CREATE INDEX ON big (n)');
SET safe_ddl.large_table_size = '64kB';

-- Several rules at once: each is named, each recipe given.
SELECT try('ALTER TABLE big ALTER COLUMN n TYPE bigint, ADD COLUMN r float8 DEFAULT random()');

-- Without a timeout too: the timeout first, then the rule.
RESET lock_timeout;
SELECT try('CREATE INDEX ON big (n)');
SET lock_timeout = '5s';

-- warn mode: the statement runs, with a WARNING, and is recorded.
SET safe_ddl.mode = warn;
BEGIN;
CREATE INDEX big_n_idx ON big (n);
ROLLBACK;
RESET safe_ddl.mode;

-- Settings: superuser only.
CREATE ROLE sddl_rules_user;
SET ROLE sddl_rules_user;
SET safe_ddl.disabled_rules = 'rename';
SET safe_ddl.large_table_size = '1GB';
SET safe_ddl.allow_destructive = on;
RESET ROLE;
DROP ROLE sddl_rules_user;

\pset tuples_only off
\pset format aligned
-- The log: every attempt with its lock, rewrite and the rules that fired
-- (acknowledged ones included: their policy_violation is empty).
SELECT safe_ddl.wait_for_queue('10s');
SELECT command_tag, outcome, lock_mode, rewrites, rules,
       policy_violation IS NOT NULL AS violation
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY started_at, id;
