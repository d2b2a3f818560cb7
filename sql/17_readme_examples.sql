--
-- The README's examples run as written.
--
-- Turning a rule off with ALTER SYSTEM: it is DDL, so it needs a timeout.
SELECT audit_mark();
RESET lock_timeout;
ALTER SYSTEM SET safe_ddl.disabled_rules = 'rename, table_rewrite';
SET lock_timeout = '5s';  -- ALTER SYSTEM is DDL too
ALTER SYSTEM SET safe_ddl.disabled_rules = 'rename, table_rewrite';
SELECT pg_reload_conf();
SELECT count(*) AS in_auto_conf
  FROM pg_file_settings
 WHERE name = 'safe_ddl.disabled_rules' AND setting = 'rename, table_rewrite';
ALTER SYSTEM RESET safe_ddl.disabled_rules;
SELECT pg_reload_conf();
SELECT command_tag, outcome, lock_timeout_ms FROM audit_since_mark();
RESET lock_timeout;
