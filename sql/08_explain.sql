--
-- safe_ddl.explain(sql): a row per statement with what the hook would
-- decide, and nothing executed.
--
SET lock_timeout = '5s';
CREATE TABLE ex_big (id int, n int, v text);
INSERT INTO ex_big SELECT i, i, 'row ' || i FROM generate_series(1, 5000) i;
CREATE TABLE ex_tiny (id int, n int, v text);
INSERT INTO ex_tiny VALUES (1, 1, 'one');
ANALYZE ex_big, ex_tiny;
-- Relations a session created are new for it: assess them from another.
\c
SET lock_timeout = '5s';
SET safe_ddl.large_table_size = '64kB';
RESET lock_timeout;
SELECT audit_mark();

-- One row per statement; SET and RESET of the timeouts and of
-- allow_destructive in the script are followed; nothing runs.
\x on
SELECT * FROM safe_ddl.explain($$
    CREATE INDEX ON ex_big (n);
    SET lock_timeout = '2s';
    CREATE INDEX ON ex_big (n);
    CREATE INDEX CONCURRENTLY ON ex_big (n);
    CREATE INDEX ON ex_tiny (n);
    DROP TABLE ex_tiny;
    SET safe_ddl.allow_destructive = on;
    DROP TABLE ex_tiny;
    CREATE TEMP TABLE scratch (id int);
    SELECT count(*) FROM ex_big;
$$);
\x off

-- Every rule, one statement each: the verdict and the rule that decides.
SELECT statement, lock_mode, rewrites, verdict,
       (SELECT string_agg(key, ',') FROM json_each_text(rules) WHERE value = 'fires') AS fires
  FROM safe_ddl.explain($$
    SET lock_timeout = '5s';
    CREATE INDEX ON ex_big (n);
    REINDEX TABLE ex_big;
    ALTER TABLE ex_big ADD CONSTRAINT positive CHECK (n > 0);
    ALTER TABLE ex_big ADD CONSTRAINT positive CHECK (n > 0) NOT VALID;
    ALTER TABLE ex_big ALTER COLUMN n SET NOT NULL;
    ALTER TABLE ex_big ADD PRIMARY KEY (id);
    ALTER TABLE ex_big ALTER COLUMN n TYPE bigint;
    ALTER TABLE ex_big ALTER COLUMN v TYPE text;
    ALTER TABLE ex_big ADD COLUMN r float8 DEFAULT random();
    ALTER TABLE ex_big ADD COLUMN k int DEFAULT 0;
    VACUUM FULL ex_big;
    VACUUM ex_big;
    CLUSTER ex_big;
    ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default;
    TRUNCATE ex_tiny;
    ALTER TABLE ex_tiny DROP COLUMN v;
    ALTER TABLE ex_tiny RENAME TO ex_small;
    ALTER TABLE ex_tiny RENAME COLUMN v TO value;
    DROP DATABASE contrib_regression;
    COMMENT ON TABLE ex_big IS 'big';
$$) WHERE statement_number > 1;

-- The verdict follows the session's settings.
SET safe_ddl.disabled_rules = 'index_without_concurrently';
SELECT verdict, rules->>'index_without_concurrently' AS rule
  FROM safe_ddl.explain('SET lock_timeout = ''1s''; CREATE INDEX ON ex_big (n)')
 WHERE statement_number = 2;
RESET safe_ddl.disabled_rules;
SET safe_ddl.mode = warn;
SELECT verdict FROM safe_ddl.explain('CREATE INDEX ON ex_big (n)');
SET safe_ddl.mode = off;
SELECT verdict FROM safe_ddl.explain('CREATE INDEX ON ex_big (n)');
RESET safe_ddl.mode;
SET safe_ddl.max_lock_timeout = '1s';
SELECT verdict, reason FROM safe_ddl.explain('SET lock_timeout = ''10s''; COMMENT ON TABLE ex_big IS ''x''')
 WHERE statement_number = 2;
RESET safe_ddl.max_lock_timeout;

-- RESET and RESET ALL go back to the reset value, as they do when the
-- script runs: here 0 (for a role with its own lock_timeout, that one:
-- below).
SELECT statement_number, verdict FROM safe_ddl.explain(
    'SET lock_timeout = ''1s''; RESET ALL; COMMENT ON TABLE ex_big IS ''x''; '
    'SET lock_timeout = ''1s''; RESET lock_timeout; COMMENT ON TABLE ex_big IS ''x''')
 WHERE command_tag = 'COMMENT';
-- Nothing was executed, nothing was logged, the session's settings are
-- untouched.
SELECT count(*) AS indexes_on_ex_big FROM pg_indexes WHERE tablename = 'ex_big';
SELECT to_regclass('ex_tiny') IS NOT NULL AS ex_tiny_still_there;
SELECT count(*) AS new_rows FROM audit_since_mark();
SHOW lock_timeout;
SHOW safe_ddl.allow_destructive;

-- A role with its own lock_timeout: RESET in the script goes back to it.
SET lock_timeout = '5s';
CREATE ROLE sddl_explain_role LOGIN;
ALTER ROLE sddl_explain_role SET lock_timeout = '3s';
RESET lock_timeout;
\c - sddl_explain_role
SELECT verdict FROM safe_ddl.explain('SET lock_timeout = 0; RESET lock_timeout; COMMENT ON TABLE ex_big IS ''x''')
 WHERE command_tag = 'COMMENT';
\c - postgres
SET lock_timeout = '5s';
DROP ROLE sddl_explain_role;
RESET lock_timeout;

-- A script that does not parse is an error, like anywhere else.
SELECT * FROM safe_ddl.explain('CREATE INDEX ON');
SELECT count(*) FROM safe_ddl.explain('');

SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP TABLE ex_big, ex_tiny;
