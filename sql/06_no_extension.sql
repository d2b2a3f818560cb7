--
-- A database where the library is loaded but the extension is not
-- created: the policy holds, auditing is skipped with one WARNING, and
-- DDL is never blocked by the missing log.
--
SET lock_timeout = '5s';
CREATE DATABASE sddl_noext;
RESET lock_timeout;
\c sddl_noext
CREATE TABLE t (id int);
SET lock_timeout = '5s';
CREATE TABLE t (id int);
ALTER TABLE t ADD COLUMN note text;
SELECT to_regclass('safe_ddl.audit_log') AS audit_log;
\c contrib_regression
SELECT command_tag, object_type, object_identities, outcome
  FROM safe_ddl.audit_log ORDER BY started_at DESC LIMIT 1;
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP DATABASE sddl_noext;
SELECT command_tag, object_type, object_identities, outcome
  FROM safe_ddl.audit_log ORDER BY started_at DESC LIMIT 1;
