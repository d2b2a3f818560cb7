--
-- The log is tamper-proof: only the extension writes it, and no role but
-- a superuser may change or remove it.  Every attempt by anyone else is
-- refused and recorded.
--
SET lock_timeout = '5s';
CREATE ROLE sddl_intruder LOGIN;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON safe_ddl.audit_log TO sddl_intruder;
GRANT USAGE ON SCHEMA safe_ddl TO sddl_intruder;
SELECT audit_mark();

-- Even with privileges granted on the table, writes are refused.
SET ROLE sddl_intruder;
SET lock_timeout = '5s';
INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
    session_user_name, current_user_name, backend_pid, command_tag,
    object_identities, statement, lock_timeout_ms, statement_timeout_ms,
    outcome)
VALUES (now(), 0, 'x', 'x', 'x', 0, 'FORGED', '{}', 'x', 0, 0, 'ok');
UPDATE safe_ddl.audit_log SET statement = 'forged' WHERE id > 0;
DELETE FROM safe_ddl.audit_log WHERE command_tag = 'DROP TABLE';
WITH gone AS (DELETE FROM safe_ddl.audit_log RETURNING id) SELECT count(*) FROM gone;
-- COPY from a program, not FROM stdin with inline data: after a COPY the
-- server refused before the copy began, psql 15.18 reads the inline data
-- as SQL and psql 15.20 skips it.
COPY safe_ddl.audit_log (command_tag) FROM PROGRAM 'echo FORGED';
TRUNCATE safe_ddl.audit_log;
ALTER TABLE safe_ddl.audit_log DISABLE TRIGGER ALL;
DROP TABLE safe_ddl.audit_log;
DROP SCHEMA safe_ddl CASCADE;
ALTER SCHEMA safe_ddl RENAME TO not_audited;
DROP EXTENSION safe_ddl;
-- Reading is what was granted.
SELECT count(*) > 0 AS can_read FROM safe_ddl.audit_log;
RESET ROLE;

-- Each attempt is in the log, refused, under the intruder's name (once the
-- writer has written them: wait first, then read with a new snapshot).
SELECT safe_ddl.wait_for_queue();
SELECT command_tag, current_user_name, outcome, sqlstate, policy_violation
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY started_at, id;

-- No forged row, nothing changed or removed.
SELECT count(*) AS forged FROM safe_ddl.audit_log
 WHERE command_tag = 'FORGED' OR statement = 'forged';

-- The writer and the settings are out of reach too.
SELECT pid AS launcher_pid FROM pg_stat_activity
 WHERE backend_type = 'safe_ddl launcher' \gset
SET ROLE sddl_intruder;
SELECT pg_terminate_backend(:launcher_pid);
SELECT pg_cancel_backend(:launcher_pid);
SET safe_ddl.audit = off;
ALTER SYSTEM SET safe_ddl.mode = off;
RESET ROLE;

-- A superuser may (purge, repair).
BEGIN;
UPDATE safe_ddl.audit_log SET statement = statement WHERE id = (SELECT max(id) FROM safe_ddl.audit_log);
ROLLBACK;

-- Hostile search_path: the extension's SQL is schema-qualified.
CREATE SCHEMA evil;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'infinity'::timestamptz $$;
CREATE TABLE evil.audit_log (id int);
SET search_path = evil, pg_catalog, public;
SELECT safe_ddl.purge('100 years');
SELECT count(*) > 0 AS recent_changes_still_work FROM safe_ddl.recent_changes;
RESET search_path;
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP SCHEMA evil CASCADE;

REVOKE ALL ON safe_ddl.audit_log FROM sddl_intruder;
REVOKE USAGE ON SCHEMA safe_ddl FROM sddl_intruder;
DROP ROLE sddl_intruder;
