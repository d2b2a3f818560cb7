--
-- What a change did to other sessions: lock wait, locks held until the
-- transaction ends, sessions blocked (sampled by the launcher every
-- safe_ddl.sample_interval; the isolation specs impact_* make sessions
-- queue).  Here: the figures each outcome carries, and the running view.
--
SELECT audit_mark();
SHOW safe_ddl.sample_interval;

-- Nothing in progress: the running view is empty.
SELECT count(*) AS running_when_idle FROM safe_ddl.running;

-- A refused statement never ran: no figures.
RESET lock_timeout;
RESET statement_timeout;
CREATE TABLE impact_t (id int);
SET lock_timeout = '5s';
-- (refused, failed and rolled_back rows are the writer's: wait for it)
SELECT safe_ddl.wait_for_queue('10s');
SELECT outcome, lock_wait_ms, lock_held_ms, blocked_sessions_max, blocked_ms
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;

-- ok, nobody in the way and nobody waiting: no wait, nobody blocked, the
-- lock held for as long as its transaction lasted (at least the sleep).
SELECT audit_mark();
BEGIN;
CREATE TABLE impact_t (id int);
-- Its transaction is open: the running view shows it, as this session's.
SELECT pid = pg_backend_pid() AS this_session, command_tag, statement, state,
       lock_wait_ms = 0 AS no_wait, blocked_sessions, blocked_sessions_max,
       blocked_ms, lock_held_ms >= 0 AS held
  FROM safe_ddl.running;
-- Its row is written already, with the figures so far: the lock held for
-- as long as the statement ran.
SELECT command_tag, outcome, lock_wait_ms, blocked_sessions_max, blocked_ms,
       lock_held_ms < 300 AS held_so_far
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;
SELECT pg_sleep(0.3);
COMMIT;
SELECT count(*) AS running_after_commit FROM safe_ddl.running;
-- Completed just before the commit: the same one row, the lock held until
-- then.
SELECT command_tag, outcome, lock_wait_ms, blocked_sessions_max, blocked_ms,
       lock_held_ms >= 300 AS held_until_commit,
       lock_held_ms < 60000 AS held_not_forever,
       lock_held_ms <= extract(epoch FROM clock_timestamp() - started_at) * 1000
         AS held_within_its_life
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;

-- Completing the row is an update of it: with an index on a figure it
-- cannot be a HOT one, and every index of the log gets the new version.
CREATE INDEX impact_held_idx ON safe_ddl.audit_log (lock_held_ms);
SELECT audit_mark();
BEGIN;
ALTER TABLE impact_t ADD COLUMN d int;
SELECT pg_sleep(0.1);
COMMIT;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS found_by_the_figure
  FROM safe_ddl.audit_log
 WHERE lock_held_ms >= 100 AND statement = 'ALTER TABLE impact_t ADD COLUMN d int';
SELECT count(*) AS found_by_id, bool_and(lock_held_ms >= 100) AS completed
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark);
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX safe_ddl.impact_held_idx;

-- rolled_back, the transaction's or a savepoint's: figures up to then.
SELECT audit_mark();
BEGIN;
ALTER TABLE impact_t ADD COLUMN a int;
SELECT pg_sleep(0.2);
ROLLBACK;
BEGIN;
SAVEPOINT s;
ALTER TABLE impact_t ADD COLUMN b int;
SELECT pg_sleep(0.2);
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS running_after_rollback_to_savepoint FROM safe_ddl.running;
COMMIT;
SELECT safe_ddl.wait_for_queue('10s');
SELECT statement, outcome, lock_wait_ms, blocked_sessions_max, blocked_ms,
       lock_held_ms >= 200 AS held_until_rollback,
       lock_held_ms < 60000 AS held_not_forever
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;

-- failed: figures until the failure.
SELECT audit_mark();
ALTER TABLE impact_t ADD COLUMN id int;
SELECT safe_ddl.wait_for_queue('10s');
SELECT statement, outcome, lock_wait_ms, blocked_sessions_max, blocked_ms,
       lock_held_ms IS NOT NULL AS held_measured
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;

-- Sampling off: nothing is measured, all four are NULL, and the running
-- view does not show the attempt.
ALTER SYSTEM SET safe_ddl.sample_interval = 0;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW safe_ddl.sample_interval;
SELECT audit_mark();
BEGIN;
ALTER TABLE impact_t ADD COLUMN c int;
SELECT count(*) AS running_unsampled FROM safe_ddl.running;
COMMIT;
SELECT outcome, lock_wait_ms, lock_held_ms, blocked_sessions_max, blocked_ms
  FROM safe_ddl.audit_log WHERE id > (SELECT last_id FROM audit_mark)
 ORDER BY id;
ALTER SYSTEM RESET safe_ddl.sample_interval;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SHOW safe_ddl.sample_interval;

-- Only superusers see what is running (like the stats view).
SELECT has_table_privilege('public', 'safe_ddl.running', 'SELECT') AS public_can_read,
       has_function_privilege('public', 'safe_ddl.running_attempts()', 'EXECUTE') AS public_can_call;

SET safe_ddl.allow_destructive = on;
DROP TABLE impact_t;
RESET safe_ddl.allow_destructive;
RESET lock_timeout;
