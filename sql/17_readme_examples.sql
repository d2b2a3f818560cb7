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

-- "During and after a migration": the queries run as written (their rows
-- vary from run to run: only errors would show).
\o /dev/null
SELECT pid, state, round(lock_wait_ms) AS waited_ms, blocked_sessions,
       blocked_sessions_max, round(lock_held_ms) AS held_ms, statement
  FROM safe_ddl.running
 ORDER BY started_at;
SELECT r.pid AS ddl_pid, b.pid AS blocker, b.state, b.xact_start, b.query
  FROM safe_ddl.running r
 CROSS JOIN LATERAL unnest(pg_blocking_pids(r.pid)) AS blocker(pid)
  JOIN pg_stat_activity b ON b.pid = blocker.pid
 WHERE r.state = 'waiting for lock';
SELECT started_at, command_tag, round(duration_ms) AS ms,
       round(lock_wait_ms) AS waited_ms, attempts, object_identities
  FROM safe_ddl.audit_log
 WHERE outcome = 'ok' AND started_at > now() - interval '7 days'
 ORDER BY duration_ms DESC LIMIT 20;
SELECT started_at, blocked_sessions_max, round(blocked_ms) AS blocked_ms,
       round(lock_held_ms) AS held_ms, application_name, statement
  FROM safe_ddl.audit_log
 WHERE blocked_sessions_max > 0 AND started_at > now() - interval '7 days'
 ORDER BY blocked_sessions_max DESC, blocked_ms DESC LIMIT 20;
SELECT id, started_at, session_user_name, command_tag, object_identities
  FROM safe_ddl.audit_log
 WHERE outcome = 'ok' AND reversible IS FALSE
   AND started_at > now() - interval '7 days'
 ORDER BY id DESC;
SELECT started_at, outcome, attempts, round(duration_ms) AS ms, statement
  FROM safe_ddl.audit_log
 WHERE attempts > 1 AND started_at > now() - interval '7 days'
 ORDER BY attempts DESC;
SELECT * FROM safe_ddl.revert_script(now() - interval '1 hour');
\o
