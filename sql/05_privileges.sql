--
-- Ordinary roles can neither switch the policy off nor touch the log.
--
SET lock_timeout = '5s';
CREATE ROLE sddl_app LOGIN;
CREATE ROLE sddl_migrator LOGIN;
GRANT CREATE ON SCHEMA public TO sddl_app, sddl_migrator;
RESET lock_timeout;

SET ROLE sddl_app;
SET safe_ddl.mode = off;
SET safe_ddl.audit = off;
SET safe_ddl.require_timeout = lock_timeout;
SET safe_ddl.max_lock_timeout = 0;
SELECT set_config('safe_ddl.mode', 'warn', false);
SELECT count(*) FROM safe_ddl.audit_log;
SELECT count(*) FROM safe_ddl.recent_changes;
INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
    session_user_name, current_user_name, backend_pid, command_tag,
    object_identities, statement, lock_timeout_ms, statement_timeout_ms,
    outcome)
VALUES (now(), 0, 'x', 'x', 'x', 0, 'x', '{}', 'x', 0, 0, 'ok');
UPDATE safe_ddl.audit_log SET statement = 'forged';
DELETE FROM safe_ddl.audit_log;
SET lock_timeout = '5s';
TRUNCATE safe_ddl.audit_log;
RESET lock_timeout;
SHOW safe_ddl.mode;

-- The role's own DDL is audited under its name, written by the extension.
SET lock_timeout = '5s';
CREATE TABLE app_table (id int);
RESET lock_timeout;
RESET ROLE;
SELECT session_user_name = session_user AS session_user_name,
       current_user_name, command_tag, object_identities
  FROM safe_ddl.audit_log ORDER BY started_at DESC LIMIT 1;

-- A DBA can delegate: SELECT on the log, SET on one setting.
SET lock_timeout = '5s';
GRANT SELECT ON safe_ddl.audit_log, safe_ddl.recent_changes TO sddl_app;
GRANT SET ON PARAMETER safe_ddl.mode TO sddl_app;
RESET lock_timeout;
SET ROLE sddl_app;
SELECT count(*) > 0 AS can_read FROM safe_ddl.audit_log;
SELECT count(*) > 0 AS can_read_view FROM safe_ddl.recent_changes;
SET safe_ddl.mode = warn;
SHOW safe_ddl.mode;
UPDATE safe_ddl.audit_log SET statement = 'forged';
RESET ROLE;

-- A migration role satisfies the policy for every session it opens.
SET lock_timeout = '5s';
ALTER ROLE sddl_migrator SET lock_timeout = '3s';
RESET lock_timeout;
\c - sddl_migrator
SHOW lock_timeout;
CREATE TABLE migrated (id int);
\c - postgres
SELECT current_user_name, command_tag, object_identities, lock_timeout_ms
  FROM safe_ddl.audit_log ORDER BY started_at DESC LIMIT 1;

SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP TABLE app_table, migrated;
REVOKE SET ON PARAMETER safe_ddl.mode FROM sddl_app;
REVOKE ALL ON safe_ddl.audit_log, safe_ddl.recent_changes FROM sddl_app;
REVOKE CREATE ON SCHEMA public FROM sddl_app, sddl_migrator;
DROP ROLE sddl_app, sddl_migrator;
