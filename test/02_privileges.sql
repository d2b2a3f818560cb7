--
-- Privileges: an ordinary role can neither read the log (until a DBA
-- grants SELECT), nor write it (even with privileges granted), nor change
-- safe_ddl's settings.  Everything happens in one transaction that is
-- rolled back, roles included.
--
\ir setup.psql

-- An ordinary role, with a schema of its own to create things in.
CREATE ROLE sddl_tap_app NOLOGIN;
CREATE SCHEMA sddl_tap_own AUTHORIZATION sddl_tap_app;

-- Statements below that drop or truncate are attempts the guard must
-- refuse.  Where safe_ddl has a setting that lets destructive DDL through
-- the risk rules, turn it on: what is tested here is the guard.
SET LOCAL safe_ddl.allow_destructive = on;

-- How many rows the log has now: nothing the role does may change it.
SELECT count(*) AS rows_before FROM safe_ddl.audit_log \gset

SELECT plan(99);

-- What an ordinary role has by default ------------------------------

SELECT table_privs_are('safe_ddl', 'audit_log', 'sddl_tap_app', ARRAY[]::text[],
    'an ordinary role has no privilege on audit_log');
SELECT ok(NOT has_table_privilege('sddl_tap_app', 'safe_ddl.audit_log', 'SELECT'), 'no SELECT on audit_log');
SELECT ok(NOT has_table_privilege('sddl_tap_app', 'safe_ddl.audit_log', 'INSERT'), 'no INSERT on audit_log');
SELECT ok(NOT has_table_privilege('sddl_tap_app', 'safe_ddl.audit_log', 'UPDATE'), 'no UPDATE on audit_log');
SELECT ok(NOT has_table_privilege('sddl_tap_app', 'safe_ddl.audit_log', 'DELETE'), 'no DELETE on audit_log');
SELECT ok(NOT has_table_privilege('sddl_tap_app', 'safe_ddl.audit_log', 'TRUNCATE'), 'no TRUNCATE on audit_log');
SELECT is((SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.relnamespace = 'safe_ddl'::regnamespace AND a.grantee = 0),
    0::bigint, 'PUBLIC has no privilege on any table, view or sequence of safe_ddl');
SELECT table_privs_are('safe_ddl', 'recent_changes', 'sddl_tap_app', ARRAY[]::text[],
    'no privilege on recent_changes');
SELECT table_privs_are('safe_ddl', 'daily_summary', 'sddl_tap_app', ARRAY[]::text[],
    'no privilege on daily_summary');
SELECT table_privs_are('safe_ddl', 'stats', 'sddl_tap_app', ARRAY[]::text[],
    'no privilege on stats');
SELECT sequence_privs_are('safe_ddl', 'audit_log_id_seq', 'sddl_tap_app', ARRAY[]::text[],
    'no privilege on audit_log_id_seq');
SELECT function_privs_are('safe_ddl', 'purge', ARRAY['interval'], 'sddl_tap_app', ARRAY[]::text[],
    'no EXECUTE on purge(interval)');
SELECT function_privs_are('safe_ddl', 'shared_stats', ARRAY[]::text[], 'sddl_tap_app', ARRAY[]::text[],
    'no EXECUTE on shared_stats()');
SELECT function_privs_are('safe_ddl', 'wait_for_queue', ARRAY['interval'], 'sddl_tap_app', ARRAY['EXECUTE'],
    'EXECUTE on wait_for_queue(interval)');
SELECT schema_privs_are('safe_ddl', 'sddl_tap_app', ARRAY['USAGE'],
    'USAGE, not CREATE, on schema safe_ddl');

-- The role tries ---------------------------------------------------------

SET LOCAL ROLE sddl_tap_app;

SELECT throws_ok('SELECT count(*) FROM safe_ddl.audit_log', '42501',
    'permission denied for table audit_log', 'the role cannot read audit_log');
SELECT throws_ok('SELECT count(*) FROM safe_ddl.recent_changes', '42501',
    'permission denied for view recent_changes', 'the role cannot read recent_changes');
SELECT throws_ok('SELECT count(*) FROM safe_ddl.daily_summary', '42501',
    'permission denied for view daily_summary', 'the role cannot read daily_summary');
SELECT throws_ok('SELECT * FROM safe_ddl.stats', '42501',
    'permission denied for view stats', 'the role cannot read stats');
SELECT throws_ok('SELECT * FROM safe_ddl.shared_stats()', '42501',
    'permission denied for function shared_stats', 'the role cannot call shared_stats()');
SELECT throws_ok($$SELECT safe_ddl.purge('1 day')$$, '42501',
    'permission denied for function purge', 'the role cannot purge');
SELECT is(safe_ddl.wait_for_queue('1s'), true, 'the role can call wait_for_queue');

-- Writes without any grant: the guard refuses them first.
SELECT throws_ok(
    $$INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
          session_user_name, current_user_name, backend_pid, command_tag,
          object_identities, statement, lock_timeout_ms, statement_timeout_ms, outcome)
      VALUES (now(), 0, 'x', 'x', 'x', 0, 'FORGED', '{}', 'x', 0, 0, 'ok')$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'INSERT without a grant is refused by safe_ddl');
SELECT throws_ok($$UPDATE safe_ddl.audit_log SET statement = 'forged'$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'UPDATE without a grant is refused by safe_ddl');
SELECT throws_ok($$DELETE FROM safe_ddl.audit_log$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'DELETE without a grant is refused by safe_ddl');
SELECT throws_ok($$TRUNCATE safe_ddl.audit_log$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'TRUNCATE without a grant is refused by safe_ddl');

-- The settings: superuser-only (PGC_SUSET), whatever the way of setting them.
SELECT throws_ok($$SET safe_ddl.mode = off$$, '42501',
    'permission denied to set parameter "safe_ddl.mode"', 'SET safe_ddl.mode is refused');
SELECT throws_ok($$SET safe_ddl.require_timeout = statement_timeout$$, '42501',
    'permission denied to set parameter "safe_ddl.require_timeout"', 'SET safe_ddl.require_timeout is refused');
SELECT throws_ok($$SET safe_ddl.max_lock_timeout = '1h'$$, '42501',
    'permission denied to set parameter "safe_ddl.max_lock_timeout"', 'SET safe_ddl.max_lock_timeout is refused');
SELECT throws_ok($$SET safe_ddl.max_statement_timeout = '1h'$$, '42501',
    'permission denied to set parameter "safe_ddl.max_statement_timeout"', 'SET safe_ddl.max_statement_timeout is refused');
SELECT throws_ok($$SET safe_ddl.audit = off$$, '42501',
    'permission denied to set parameter "safe_ddl.audit"', 'SET safe_ddl.audit is refused');
SELECT throws_ok($$SET safe_ddl.max_statement_length = 64$$, '42501',
    'permission denied to set parameter "safe_ddl.max_statement_length"', 'SET safe_ddl.max_statement_length is refused');
SELECT throws_ok($$SET LOCAL safe_ddl.mode = warn$$, '42501',
    'permission denied to set parameter "safe_ddl.mode"', 'SET LOCAL safe_ddl.mode is refused');
SELECT throws_ok($$SELECT set_config('safe_ddl.mode', 'off', false)$$, '42501',
    'permission denied to set parameter "safe_ddl.mode"', 'set_config(''safe_ddl.mode'') is refused');
SELECT throws_ok($$SELECT set_config('safe_ddl.audit', 'off', true)$$, '42501',
    'permission denied to set parameter "safe_ddl.audit"', 'set_config(''safe_ddl.audit'', ..., true) is refused');
SELECT throws_ok($$ALTER ROLE sddl_tap_app SET safe_ddl.mode = off$$, '42501',
    'permission denied to set parameter "safe_ddl.mode"', 'ALTER ROLE ... SET safe_ddl.mode for itself is refused');
SELECT throws_ok($$RESET safe_ddl.mode$$, '42501',
    'permission denied to set parameter "safe_ddl.mode"', 'RESET safe_ddl.mode is refused too');

RESET ROLE;

-- Every setting is PGC_SUSET (queue_size takes effect at server start).
SELECT results_eq(
    $$SELECT name COLLATE "default", context COLLATE "default" FROM pg_settings
       WHERE name IN ('safe_ddl.mode', 'safe_ddl.require_timeout', 'safe_ddl.max_lock_timeout',
                      'safe_ddl.max_statement_timeout', 'safe_ddl.audit',
                      'safe_ddl.max_statement_length', 'safe_ddl.queue_size')
       ORDER BY name$$,
    $$VALUES ('safe_ddl.audit', 'superuser'), ('safe_ddl.max_lock_timeout', 'superuser'),
             ('safe_ddl.max_statement_length', 'superuser'),
             ('safe_ddl.max_statement_timeout', 'superuser'), ('safe_ddl.mode', 'superuser'),
             ('safe_ddl.queue_size', 'postmaster'), ('safe_ddl.require_timeout', 'superuser')$$,
    'the settings are superuser-only (queue_size: server start)');
-- Nothing the role tried changed anything.
SELECT results_eq(
    $$SELECT current_setting('safe_ddl.mode'), current_setting('safe_ddl.require_timeout'),
             current_setting('safe_ddl.max_lock_timeout'), current_setting('safe_ddl.max_statement_timeout'),
             current_setting('safe_ddl.audit'), current_setting('safe_ddl.max_statement_length')$$,
    $$VALUES ('enforce', 'any', '1min', '1min', 'on', '64kB')$$,
    'the settings kept their values');
SELECT is((SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
            WHERE r.rolname = 'sddl_tap_app'), 0::bigint,
    'the role has no per-role settings');

-- A DBA can delegate one setting with GRANT SET ON PARAMETER (PostgreSQL
-- 15+; before, only a superuser sets them).  The GRANT is audited: one row.
SELECT current_setting('server_version_num')::int >= 150000 AS sddl_pg15 \gset
\if :sddl_pg15
\set sddl_grant_set_rows 1
GRANT SET ON PARAMETER safe_ddl.mode TO sddl_tap_app;
SET LOCAL ROLE sddl_tap_app;
SELECT lives_ok($$SET LOCAL safe_ddl.mode = warn$$, 'with GRANT SET the role can set safe_ddl.mode');
SELECT is(current_setting('safe_ddl.mode'), 'warn', 'safe_ddl.mode is now warn');
SELECT lives_ok($$SET LOCAL safe_ddl.mode = enforce$$, 'and set it back');
SELECT throws_ok($$SET safe_ddl.audit = off$$, '42501',
    'permission denied to set parameter "safe_ddl.audit"', 'the other settings stay out of reach');
RESET ROLE;
\else
\set sddl_grant_set_rows 0
SELECT skip('GRANT SET ON PARAMETER is PostgreSQL 15+', 4);
\endif

-- After GRANT SELECT, the role reads --------------------------------------

GRANT SELECT ON safe_ddl.audit_log, safe_ddl.recent_changes, safe_ddl.daily_summary,
                safe_ddl.stats TO sddl_tap_app;
SELECT table_privs_are('safe_ddl', 'audit_log', 'sddl_tap_app', ARRAY['SELECT'],
    'after GRANT SELECT the role has SELECT on audit_log, and nothing else');
SET LOCAL ROLE sddl_tap_app;
SELECT is((SELECT count(*) FROM safe_ddl.audit_log), :rows_before::bigint + 1 + :sddl_grant_set_rows,
    'the role reads every row of audit_log (GRANT SET and GRANT SELECT added theirs)');
SELECT is((SELECT command_tag FROM safe_ddl.audit_log ORDER BY id LIMIT 1), 'CREATE EXTENSION',
    'the role reads the rows'' contents');
SELECT is((SELECT count(*) FROM safe_ddl.recent_changes), :rows_before::bigint + 1 + :sddl_grant_set_rows,
    'the role reads recent_changes');
SELECT ok((SELECT sum(statements) FROM safe_ddl.daily_summary) = :rows_before::bigint + 1 + :sddl_grant_set_rows,
    'the role reads daily_summary');
SELECT throws_ok($$SELECT * FROM safe_ddl.stats$$, '42501',
    'permission denied for function shared_stats',
    'GRANT SELECT on stats alone is not enough: the view calls shared_stats()');
RESET ROLE;
GRANT EXECUTE ON FUNCTION safe_ddl.shared_stats() TO sddl_tap_app;
SET LOCAL ROLE sddl_tap_app;
SELECT lives_ok($$SELECT * FROM safe_ddl.stats$$,
    'with SELECT on stats and EXECUTE on shared_stats() (README) the role reads stats');
RESET ROLE;

-- Writes, even with every privilege granted --------------------------------

GRANT ALL ON safe_ddl.audit_log TO sddl_tap_app WITH GRANT OPTION;
SELECT table_privs_are('safe_ddl', 'audit_log', 'sddl_tap_app',
    ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'],
    'the role now has every privilege on audit_log');
SET LOCAL ROLE sddl_tap_app;

SELECT throws_ok(
    $$INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
          session_user_name, current_user_name, backend_pid, command_tag,
          object_identities, statement, lock_timeout_ms, statement_timeout_ms, outcome)
      VALUES (now(), 0, 'x', 'x', 'x', 0, 'FORGED', '{}', 'x', 0, 0, 'ok')$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'INSERT with the privilege granted is still refused');
SELECT results_eq(
    $$SELECT * FROM pg_temp.error_of($q$UPDATE safe_ddl.audit_log SET statement = 'forged'$q$)$$,
    $$VALUES ('42501'::text, 'permission denied: only a superuser may write to safe_ddl.audit_log'::text,
              'safe_ddl recorded this attempt by role "sddl_tap_app".'::text, 'Ask a superuser.'::text)$$,
    'UPDATE is refused: the error names the role and says to ask a superuser');
SELECT throws_ok($$DELETE FROM safe_ddl.audit_log WHERE id > 0$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'DELETE with the privilege granted is still refused');
SELECT throws_ok(
    $$WITH gone AS (DELETE FROM safe_ddl.audit_log RETURNING id) SELECT count(*) FROM gone$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'a writable CTE deleting from the log is refused');
-- MERGE is PostgreSQL 15+.
\if :sddl_pg15
SELECT throws_ok(
    $$MERGE INTO safe_ddl.audit_log a USING (SELECT 1::bigint AS id) s ON a.id = s.id
      WHEN MATCHED THEN DELETE$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'MERGE into the log is refused');
\else
SELECT skip('MERGE is PostgreSQL 15+', 1);
\endif
SELECT throws_ok($$COPY safe_ddl.audit_log (command_tag) FROM '/dev/null'$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'COPY ... FROM into the log is refused by safe_ddl');
-- Through an updatable view the role owns.
SELECT lives_ok(
    $$CREATE VIEW sddl_tap_own.log AS SELECT * FROM safe_ddl.audit_log$$,
    'the role may create a view on the log it can read');
SELECT throws_ok(
    $$INSERT INTO sddl_tap_own.log (started_at, duration_ms, database_name,
          session_user_name, current_user_name, backend_pid, command_tag,
          object_identities, statement, lock_timeout_ms, statement_timeout_ms, outcome)
      VALUES (now(), 0, 'x', 'x', 'x', 0, 'FORGED', '{}', 'x', 0, 0, 'ok')$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'INSERT through an updatable view is refused');
SELECT throws_ok($$DELETE FROM sddl_tap_own.log$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'DELETE through an updatable view is refused');
-- Through a function the role owns (SECURITY INVOKER: it runs as the role).
SELECT lives_ok(
    $$CREATE FUNCTION sddl_tap_own.wipe() RETURNS void LANGUAGE sql
      AS 'DELETE FROM safe_ddl.audit_log'$$,
    'the role may create a function');
SELECT throws_ok($$SELECT sddl_tap_own.wipe()$$,
    '42501', 'permission denied: only a superuser may write to safe_ddl.audit_log',
    'a DELETE inside a function is refused');

-- DDL on the extension's objects.
SELECT throws_ok($$TRUNCATE safe_ddl.audit_log$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'TRUNCATE with the privilege granted is refused');
SELECT throws_ok($$GRANT SELECT ON safe_ddl.audit_log TO PUBLIC$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'GRANT on the log, with grant option, is refused');
SELECT lives_ok(
    $$CREATE FUNCTION sddl_tap_own.swallow() RETURNS trigger LANGUAGE plpgsql
      AS 'BEGIN RETURN NULL; END'$$,
    'the role may create a trigger function');
SELECT throws_ok(
    $$CREATE TRIGGER swallow BEFORE INSERT ON safe_ddl.audit_log
      FOR EACH ROW EXECUTE FUNCTION sddl_tap_own.swallow()$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'CREATE TRIGGER on the log, with the TRIGGER privilege, is refused');
SELECT throws_ok($$ALTER TABLE safe_ddl.audit_log DISABLE TRIGGER ALL$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'ALTER TABLE on the log is refused');
SELECT throws_ok($$COMMENT ON TABLE safe_ddl.audit_log IS 'forged'$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'COMMENT ON the log is refused');
SELECT throws_ok($$CREATE INDEX ON safe_ddl.audit_log (statement)$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'CREATE INDEX on the log is refused');
SELECT throws_ok($$ALTER SEQUENCE safe_ddl.audit_log_id_seq RESTART$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'ALTER SEQUENCE on the id sequence is refused');
SELECT throws_ok($$CREATE TABLE safe_ddl.audit_log_copy (id int)$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'creating a table in schema safe_ddl is refused');
SELECT throws_ok($$DROP TABLE safe_ddl.audit_log$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'DROP TABLE of the log is refused');
SELECT throws_ok($$DROP VIEW safe_ddl.recent_changes$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'DROP VIEW of recent_changes is refused');
SELECT throws_ok($$DROP SCHEMA safe_ddl CASCADE$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'DROP SCHEMA safe_ddl CASCADE is refused');
SELECT throws_ok($$DROP EXTENSION safe_ddl$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'DROP EXTENSION safe_ddl is refused');
SELECT throws_ok($$ALTER EXTENSION safe_ddl UPDATE$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'ALTER EXTENSION safe_ddl is refused');
SELECT throws_ok($$CREATE OR REPLACE FUNCTION safe_ddl.purge(older_than interval) RETURNS bigint
                   LANGUAGE sql AS 'SELECT 0::bigint'$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'replacing safe_ddl.purge is refused');
-- The guard holds whatever the policy mode and the timeouts.
SELECT throws_ok(
    $$DO 'BEGIN PERFORM set_config(''lock_timeout'', ''0'', true); EXECUTE ''COMMENT ON VIEW safe_ddl.stats IS NULL''; END'$$,
    '42501', 'permission denied: only a superuser may change the objects of safe_ddl',
    'the guard refuses before the timeout policy');

-- A role's writes to the log's sequence: refused by the guard before the
-- privilege check (which it would fail too), and recorded.
SELECT throws_ok($$SELECT nextval('safe_ddl.audit_log_id_seq')$$, '42501',
    'permission denied: only a superuser may use the sequence of safe_ddl.audit_log',
    'the role cannot advance the id sequence');
SELECT throws_ok($$SELECT setval('safe_ddl.audit_log_id_seq', 1)$$, '42501',
    'permission denied: only a superuser may use the sequence of safe_ddl.audit_log',
    'the role cannot reset the id sequence');

-- Reading is what was granted.
SELECT ok((SELECT count(*) FROM safe_ddl.audit_log) > 0, 'the role still reads the log');
RESET ROLE;

-- Nothing changed ----------------------------------------------------------

-- The role's own DDL (a view, two functions) was audited, written by the
-- extension under the role's name, and the superuser's GRANT EXECUTE on
-- shared_stats(); nothing else was added or removed.
SELECT is((SELECT count(*) FROM safe_ddl.audit_log), :rows_before::bigint + 6 + :sddl_grant_set_rows,
    'the log has exactly the rows of the statements that ran');
SELECT results_eq(
    $$SELECT command_tag, current_user_name, session_user_name = session_user, outcome
        FROM safe_ddl.audit_log WHERE current_user_name = 'sddl_tap_app' ORDER BY id$$,
    $$VALUES ('CREATE VIEW'::text, 'sddl_tap_app'::text, true, 'ok'::text),
             ('CREATE FUNCTION', 'sddl_tap_app', true, 'ok'),
             ('CREATE FUNCTION', 'sddl_tap_app', true, 'ok')$$,
    'the role''s own DDL is recorded under its name');
SELECT is((SELECT count(*) FROM safe_ddl.audit_log
            WHERE command_tag = 'FORGED' OR statement = 'forged'), 0::bigint,
    'no forged row, no forged statement');
SELECT has_table('safe_ddl', 'audit_log', 'audit_log is still there');
SELECT has_view('safe_ddl', 'recent_changes', 'recent_changes is still there');
SELECT has_extension('safe_ddl', 'the extension is still there');
SELECT indexes_are('safe_ddl', 'audit_log',
    ARRAY['audit_log_pkey', 'audit_log_started_at_idx', 'audit_log_object_identities_idx'],
    'no index was added to the log');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'safe_ddl.audit_log'::regclass),
    0::bigint, 'no trigger on the log');
SELECT is(obj_description('safe_ddl.audit_log'::regclass, 'pg_class'),
    'safe_ddl: one row per DDL statement (written by the extension only)',
    'the log''s comment is unchanged');
SELECT is(obj_description('safe_ddl.stats'::regclass, 'pg_class') IS NOT NULL, true,
    'the comment of stats is unchanged');
SELECT ok(NOT has_table_privilege('public', 'safe_ddl.audit_log', 'SELECT'),
    'PUBLIC did not get SELECT on the log');
SELECT hasnt_table('safe_ddl', 'audit_log_copy', 'no table was created in schema safe_ddl');
SELECT is((SELECT prosrc FROM pg_proc WHERE oid = 'safe_ddl.purge(interval)'::regprocedure) LIKE '%DELETE FROM safe_ddl.audit_log%',
    true, 'purge was not replaced');

-- A superuser may write (purge, repair).
SELECT lives_ok($$UPDATE safe_ddl.audit_log SET statement = statement WHERE id = (SELECT min(id) FROM safe_ddl.audit_log)$$,
    'a superuser may update the log');
SELECT is(safe_ddl.purge('1 day'), 0::bigint, 'a superuser may purge');

-- A role that cannot write the sequence directly cannot set it either:
-- the sequence is an object of safe_ddl too.  A role given UPDATE on it
-- could make every ok row (and so every DDL statement) fail on a duplicate
-- id: safe_ddl refuses it like any other change (the executor guard sees
-- the constant regclass; a computed one is undone by ids.c instead).
GRANT USAGE, UPDATE ON SEQUENCE safe_ddl.audit_log_id_seq TO sddl_tap_app;
SET LOCAL ROLE sddl_tap_app;
SELECT throws_ok($$SELECT setval('safe_ddl.audit_log_id_seq', 1)$$, '42501', NULL,
    'setval on the id sequence is refused even with UPDATE granted');
RESET ROLE;

-- The role's refused and failed attempts are handed to the writer; in this
-- transaction's uncommitted log it cannot write them, but the queue empties.
SELECT is(safe_ddl.wait_for_queue('10s'), true, 'the writer took every refused attempt');

SELECT * FROM finish();
ROLLBACK;
