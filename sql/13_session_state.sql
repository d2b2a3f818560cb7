--
-- Writing the audit row leaves the session as it was: lastval() is still
-- the application's sequence, not the log's.
--
\c -
SET lock_timeout = '5s';
CREATE TABLE DDL_before_any_sequence (id int);
SELECT lastval();
CREATE SEQUENCE app_seq;
SELECT nextval('app_seq');
CREATE TABLE after_nextval (id serial);
ALTER TABLE after_nextval ADD COLUMN note text;
SELECT lastval(), currval('app_seq');
-- A role that may not read the log's sequence still reads its own lastval.
CREATE ROLE sddl_seq_user;
GRANT USAGE ON SCHEMA public TO sddl_seq_user;
GRANT CREATE ON SCHEMA public TO sddl_seq_user;
GRANT USAGE ON SEQUENCE app_seq TO sddl_seq_user;
SET ROLE sddl_seq_user;
SELECT nextval('app_seq');
CREATE TABLE owned_by_seq_user (id int);
SELECT lastval();
RESET ROLE;
SET safe_ddl.allow_destructive = on;
DROP TABLE ddl_before_any_sequence, after_nextval, owned_by_seq_user;
DROP SEQUENCE app_seq;
REVOKE ALL ON SCHEMA public FROM sddl_seq_user;
DROP ROLE sddl_seq_user;
-- The log's ids still come in order, one per row; the sequence stands at
-- the top of the block of ids reserved (ids.c), at most 31 above the last.
SELECT count(*) = count(DISTINCT id) AS ids_unique, (SELECT last_value FROM safe_ddl.audit_log_id_seq) - max(id) BETWEEN 0 AND 31 AS sequence_covers_ids
  FROM safe_ddl.audit_log;
