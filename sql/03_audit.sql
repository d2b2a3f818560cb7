--
-- What an audit row holds.
--
SELECT audit_mark();
SET lock_timeout = '5s';

-- The context columns, checked against the session that ran the DDL.
CREATE TEMP TABLE before_ddl AS SELECT clock_timestamp() AS t;
BEGIN;
CREATE TABLE users (id int PRIMARY KEY, name text);
SELECT a.database_name = current_database() AS database_name,
       a.session_user_name = session_user AS session_user_name,
       a.current_user_name = current_user AS current_user_name,
       a.application_name = current_setting('application_name') AS application_name,
       a.client_addr IS NULL AS unix_socket_has_no_addr,
       a.backend_pid = pg_backend_pid() AS backend_pid,
       a.xid = pg_current_xact_id() AS xid_is_this_transaction,
       a.started_at >= (SELECT t FROM before_ddl)
         AND a.started_at <= clock_timestamp() AS started_at_is_clock_time,
       a.started_at > now() AS started_after_transaction_start,
       a.duration_ms >= 0 AND a.duration_ms < 60000 AS duration_ms,
       a.sqlstate IS NULL AND a.error_message IS NULL AS no_error
  FROM safe_ddl.audit_log a
 WHERE a.id = (SELECT max(id) FROM safe_ddl.audit_log);
COMMIT;

-- One row and one text per statement of a multi-statement query string.
ALTER TABLE users ADD COLUMN email text \; COMMENT ON COLUMN users.email IS 'login' \; CREATE INDEX users_email_idx ON users (email);

-- Sub-commands are part of their statement: one row for a CREATE TABLE
-- with a serial column, one for an ALTER TABLE with several actions, one
-- for a CREATE SCHEMA with elements.
CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users);
ALTER TABLE orders ADD COLUMN total numeric, ADD COLUMN placed_at timestamptz,
    ALTER COLUMN total SET DEFAULT 0;
CREATE SCHEMA billing CREATE TABLE invoices (id int) CREATE VIEW open_invoices AS SELECT * FROM invoices;

-- Objects are schema-qualified however they were named.
SET search_path = billing, public;
ALTER TABLE invoices ADD COLUMN amount numeric;
CREATE INDEX ON invoices (amount);
-- A rename breaks running code: acknowledged (issue 5's rules), recorded.
SET safe_ddl.allow_destructive = on;
ALTER TABLE invoices RENAME COLUMN amount TO total;
CREATE FUNCTION invoice_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM invoices';
DROP FUNCTION invoice_count();
CREATE TRIGGER noop BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
DROP TRIGGER noop ON invoices;
RESET search_path;
SET lock_timeout = '5s';

-- Maintenance that locks or rewrites a table is DDL too; plain VACUUM and
-- ANALYZE are not.
TRUNCATE orders;
VACUUM FULL orders;
VACUUM orders;
ANALYZE orders;
REINDEX TABLE orders;
CLUSTER users USING users_pkey;

-- Statements that run outside a transaction block are checked and audited.
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);
REINDEX INDEX CONCURRENTLY users_name_idx;
RESET lock_timeout;
CREATE INDEX CONCURRENTLY users_name2_idx ON users (name);
DROP INDEX CONCURRENTLY users_name_idx;
SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY users_name_idx;

SELECT * FROM audit_since_mark();
SELECT audit_mark();

-- A rolled-back change: the row written in the statement's transaction
-- goes with it, and the writer records the attempt as rolled_back.
BEGIN;
CREATE TABLE ephemeral (id int);
ROLLBACK;
BEGIN;
SAVEPOINT s1;
CREATE TABLE ephemeral (id int);
ROLLBACK TO SAVEPOINT s1;
CREATE TABLE kept (id int);
COMMIT;
SELECT * FROM audit_since_mark();
SELECT audit_mark();

-- Long statement text is stored truncated, visibly.
SET safe_ddl.max_statement_length = 64;
COMMENT ON TABLE kept IS 'a comment far longer than sixty-four bytes, to be cut in the audit log';
COMMENT ON TABLE kept IS 'fits';
-- multibyte characters are never split
COMMENT ON TABLE kept IS 'éééééééééééééééééééééééééééééééééééééééééééééééééé';
RESET safe_ddl.max_statement_length;
SELECT statement, length(statement) FROM safe_ddl.audit_log
 WHERE id > (SELECT last_id FROM audit_mark) ORDER BY id;
SELECT audit_mark();

-- safe_ddl.audit = off: policy still enforced, nothing written.
SET safe_ddl.audit = off;
COMMENT ON TABLE kept IS 'not audited';
RESET lock_timeout;
COMMENT ON TABLE kept IS 'still refused';
SET lock_timeout = '5s';
RESET safe_ddl.audit;
SELECT count(*) AS rows_while_audit_off FROM audit_since_mark();

DROP TABLE kept, orders, users CASCADE;
DROP SCHEMA billing CASCADE;
