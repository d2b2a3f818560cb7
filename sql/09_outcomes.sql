--
-- Every DDL attempt leaves exactly one row, with one of four outcomes.
--
SET lock_timeout = '5s';
CREATE TABLE ledger (id int PRIMARY KEY);
SELECT audit_mark();

-- failed: the statement started and raised an error.
CREATE TABLE ledger (id int);
ALTER TABLE ledger ADD COLUMN id int;
ALTER TABLE ledger ALTER COLUMN id TYPE date;

-- failed inside a transaction: the earlier change of the same transaction
-- rolled back with it.
BEGIN;
ALTER TABLE ledger ADD COLUMN amount numeric;
ALTER TABLE no_such_table ADD COLUMN amount numeric;
COMMIT;

-- rolled_back: completed, then its savepoint rolled back; the change
-- kept outside the savepoint commits as ok.
BEGIN;
ALTER TABLE ledger ADD COLUMN amount numeric;
SAVEPOINT before_note;
ALTER TABLE ledger ADD COLUMN note text;
ROLLBACK TO SAVEPOINT before_note;
SAVEPOINT before_memo;
ALTER TABLE ledger ADD COLUMN memo text;
RELEASE SAVEPOINT before_memo;
COMMIT;

-- A released savepoint's change rolls back with its transaction.
BEGIN;
SAVEPOINT s;
ALTER TABLE ledger ADD COLUMN scratch text;
RELEASE SAVEPOINT s;
ROLLBACK;

-- An error caught in PL/pgSQL: the failed attempt is recorded, and the
-- completed one before it, rolled back with the block's subtransaction.
DO $$
BEGIN
    BEGIN
        EXECUTE 'ALTER TABLE ledger ADD COLUMN caught1 int';
        EXECUTE 'ALTER TABLE ledger ADD COLUMN caught1 int';
    EXCEPTION WHEN duplicate_column THEN
        RAISE NOTICE 'caught %', SQLSTATE;
    END;
END
$$;

-- refused, in and out of a transaction block.
RESET lock_timeout;
ALTER TABLE ledger ADD COLUMN refused1 int;
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE ledger ADD COLUMN kept int;
RESET lock_timeout;
ALTER TABLE ledger ADD COLUMN refused2 int;
ROLLBACK;
SET lock_timeout = '5s';

-- statement_timeout cancels a slow statement: failed with 57014.
SET statement_timeout = '200ms';
CREATE TABLE slow AS SELECT 1 AS x FROM pg_sleep(1);
RESET statement_timeout;

SELECT * FROM audit_since_mark();

-- The error columns of the failed and refused rows.
SELECT outcome, sqlstate, error_message, duration_ms >= 0 AS has_duration
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) AND outcome IN ('failed', 'refused')
 ORDER BY started_at, id;

-- The statement_timeout failure lasted about as long as the timeout.
SELECT duration_ms BETWEEN 150 AND 5000 AS lasted_until_the_timeout
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) AND sqlstate = '57014';

-- sqlstate and error_message are set for failed and refused rows only;
-- a refusal, and a failure before any change, ran without a transaction
-- id.
SELECT outcome,
       bool_and(sqlstate IS NULL) AS no_sqlstate,
       bool_and(error_message IS NULL) AS no_message,
       bool_and(xid IS NOT NULL) AS has_xid,
       count(*)
  FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark)
 GROUP BY outcome ORDER BY outcome;

-- The counters in shared memory moved (other tests ran before: compare
-- with at least what this file did).
SELECT ok >= 3 AS ok, refused >= 2 AS refused, failed >= 6 AS failed,
       rolled_back >= 4 AS rolled_back, queued >= 12 AS queued,
       written >= 12 AS written, pending = 0 AS nothing_pending,
       launcher_running
  FROM safe_ddl.stats;

-- The summary view: per day, command and outcome.
SELECT s.command_tag, s.outcome,
       s.statements = (SELECT count(*) FROM safe_ddl.audit_log a
                        WHERE date_trunc('day', a.started_at) = s.day
                          AND a.command_tag = s.command_tag
                          AND a.outcome = s.outcome) AS counts_match,
       s.max_ms = (SELECT round(max(duration_ms)::numeric, 3) FROM safe_ddl.audit_log a
                    WHERE date_trunc('day', a.started_at) = s.day
                      AND a.command_tag = s.command_tag
                      AND a.outcome = s.outcome) AS max_matches,
       s.p50_ms <= s.p95_ms AND s.p95_ms <= s.max_ms AS ordered
  FROM safe_ddl.daily_summary s
 WHERE s.day = date_trunc('day', now()) AND s.command_tag = 'ALTER TABLE'
 ORDER BY s.outcome;

-- purge removes what is older than its argument and says how many.  A
-- superuser may write to the log: give it three rows from last year.
INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
    session_user_name, current_user_name, backend_pid, command_tag,
    object_identities, statement, lock_timeout_ms, statement_timeout_ms,
    outcome)
SELECT now() - interval '400 days' - i * interval '1 day', 1, 'old', 'old',
       'old', 0, 'CREATE TABLE', '{public.old}', 'CREATE TABLE old ()', 0, 0,
       'ok'
  FROM generate_series(1, 3) i;
SELECT count(*) AS rows_before FROM safe_ddl.audit_log WHERE database_name = 'old';
SELECT safe_ddl.purge('1 year');
SELECT safe_ddl.purge('1 year');
SELECT count(*) AS old_rows_left FROM safe_ddl.audit_log WHERE database_name = 'old';
SELECT count(*) > 0 AS recent_rows_kept FROM safe_ddl.audit_log;
SELECT safe_ddl.purge(NULL);
SELECT safe_ddl.purge('-1 day');
SELECT audit_mark();

SET safe_ddl.allow_destructive = on;
DROP TABLE ledger;
