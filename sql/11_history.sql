--
-- safe_ddl.object_history(object, max_rows): one object's rows, newest
-- first, found slice of time by slice of time.
--
SELECT audit_mark();
-- Rows as a superuser may load them (a restore, say): ids not in time order.
INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
    session_user_name, current_user_name, backend_pid, command_tag,
    object_type, object_identities, statement, lock_timeout_ms,
    statement_timeout_ms, outcome)
SELECT now() - age, 1, 'db', 'u', 'u', 1, 'ALTER TABLE', kind, ids, stmt, 5000, 0, 'ok'
  FROM (VALUES (interval '3 hours',  'table',        '{public.hist}'::text[],            'three hours ago'),
               (interval '400 days', 'table',        '{public.hist}',                   'over a year ago'),
               (interval '3 days',   'index',        '{public.hist_idx,public.hist}',   'three days ago'),
               (interval '40 days',  'table column', '{public.hist.total,public.hist}', 'forty days ago'),
               (interval '2 days',   'table',        '{public.other}',                  'another table'),
               (interval '5 minutes','table',        '{public.history}',                'a longer name')
       ) AS v(age, kind, ids, stmt);

SELECT statement, object_identities
  FROM safe_ddl.object_history('public.hist');
SELECT statement FROM safe_ddl.object_history('public.hist', 2);
SELECT count(*) AS unknown_object FROM safe_ddl.object_history('public.never_named_by_a_test');
SELECT statement FROM safe_ddl.object_history('public.other');
SELECT count(*) AS none_asked FROM safe_ddl.object_history('public.hist', 0);
SELECT * FROM safe_ddl.object_history('public.hist', -1);

-- Not for everyone: a role needs EXECUTE, granted like SELECT on the log.
SET lock_timeout = '5s';
CREATE ROLE sddl_hist_reader;
SET ROLE sddl_hist_reader;
SELECT count(*) FROM safe_ddl.object_history('public.hist');
RESET ROLE;
DROP ROLE sddl_hist_reader;
DELETE FROM safe_ddl.audit_log WHERE database_name = 'db';
