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

-- A helper for the tests: the log since a mark, without what varies from
-- run to run (ids, times, pids).
SET lock_timeout = '5s';
CREATE TABLE audit_mark (last_id bigint);
INSERT INTO audit_mark SELECT max(id) FROM safe_ddl.audit_log;
CREATE FUNCTION audit_since_mark()
RETURNS TABLE (command_tag text, object_type text, object_identities text[],
               statement text, lock_timeout_ms int, statement_timeout_ms int,
               outcome text, policy_violation text)
LANGUAGE sql AS $$
    SELECT command_tag, object_type, object_identities, statement,
           lock_timeout_ms, statement_timeout_ms, outcome, policy_violation
      FROM safe_ddl.audit_log
     WHERE id > (SELECT last_id FROM audit_mark)
     ORDER BY id
$$;
CREATE FUNCTION audit_mark() RETURNS void
LANGUAGE sql AS $$
    UPDATE audit_mark SET last_id = (SELECT max(id) FROM safe_ddl.audit_log)
$$;
RESET lock_timeout;
