--
-- Installing safe_ddl is DDL like any other: it needs a timeout too.
--
CREATE EXTENSION safe_ddl;
SET lock_timeout = '5s';
CREATE EXTENSION safe_ddl;
RESET lock_timeout;

-- CREATE EXTENSION itself is the first row of the log; the statements of
-- the extension's script are covered by it, not audited one by one.
SELECT command_tag, object_type, object_identities, statement, outcome,
       lock_timeout_ms, statement_timeout_ms, policy_violation
  FROM safe_ddl.audit_log ORDER BY id;

-- A helper for the tests: the log since a mark, in the order the
-- statements started, without what varies from run to run (ids, times,
-- pids).  Refused, failed and rolled-back rows are written by the
-- background writer: wait for it first.
SET lock_timeout = '5s';
CREATE TABLE audit_mark (last_id bigint);
INSERT INTO audit_mark SELECT max(id) FROM safe_ddl.audit_log;
CREATE FUNCTION audit_since_mark()
RETURNS TABLE (command_tag text, object_type text, object_identities text[],
               statement text, lock_timeout_ms int, statement_timeout_ms int,
               outcome text, policy_violation text)
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT safe_ddl.wait_for_queue('10s') THEN
        RAISE EXCEPTION 'the writer did not empty the queue in 10 s';
    END IF;
    RETURN QUERY
    SELECT a.command_tag, a.object_type, a.object_identities, a.statement,
           a.lock_timeout_ms, a.statement_timeout_ms, a.outcome,
           a.policy_violation
      FROM safe_ddl.audit_log a
     WHERE a.id > (SELECT last_id FROM audit_mark)
     ORDER BY a.started_at, a.id;
END
$$;
CREATE FUNCTION audit_mark() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM safe_ddl.wait_for_queue('10s');
    UPDATE audit_mark SET last_id = (SELECT max(id) FROM safe_ddl.audit_log);
END
$$;
RESET lock_timeout;
