--
-- The timeout policy: every setting and value, and what a refusal says.
--
SELECT audit_mark();
SET lock_timeout = '5s';
CREATE TABLE accounts (id int PRIMARY KEY, balance int);
RESET lock_timeout;

-- No timeout: refused, with the command, what is missing, the values in
-- effect and the statement to run.
ALTER TABLE accounts ADD COLUMN email text;

-- The SQLSTATE is safe_ddl's own.
\set VERBOSITY sqlstate
ALTER TABLE accounts ADD COLUMN email text;
\set VERBOSITY default

-- Inside a transaction block the hint says SET LOCAL.
BEGIN;
ALTER TABLE accounts ADD COLUMN email text;
ROLLBACK;

-- Nothing of the refused statement ran.
SELECT attname FROM pg_attribute
 WHERE attrelid = 'accounts'::regclass AND attnum > 0 ORDER BY attnum;

-- safe_ddl.require_timeout = any (the default): either timeout will do.
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN email text;
RESET lock_timeout;
SET statement_timeout = '10s';
ALTER TABLE accounts ADD COLUMN note text;
RESET statement_timeout;

-- A value of 0 is no timeout, whatever the syntax.
SET lock_timeout = 0;
COMMENT ON TABLE accounts IS 'zero';
SELECT set_config('lock_timeout', '3s', false);
COMMENT ON TABLE accounts IS 'set_config counts';
RESET lock_timeout;

-- require_timeout = lock_timeout
SET safe_ddl.require_timeout = lock_timeout;
SET statement_timeout = '10s';
COMMENT ON TABLE accounts IS 'statement_timeout is not enough';
SET lock_timeout = '1s';
COMMENT ON TABLE accounts IS 'lock_timeout set';
RESET ALL;

-- require_timeout = statement_timeout
SET safe_ddl.require_timeout = statement_timeout;
SET lock_timeout = '1s';
COMMENT ON TABLE accounts IS 'lock_timeout is not enough';
SET statement_timeout = '30s';
COMMENT ON TABLE accounts IS 'statement_timeout set';
RESET ALL;

-- require_timeout = both
SET safe_ddl.require_timeout = 'both';  -- BOTH is a keyword: quote it
SET lock_timeout = '1s';
COMMENT ON TABLE accounts IS 'one is not enough';
RESET lock_timeout;
COMMENT ON TABLE accounts IS 'none is not enough';
SET lock_timeout = '1s';
SET statement_timeout = '30s';
COMMENT ON TABLE accounts IS 'both set';
RESET ALL;

-- max_lock_timeout: a longer lock_timeout does not count as set, and the
-- hint stays within the bound.
SET safe_ddl.max_lock_timeout = '2s';
SET lock_timeout = '1min';
COMMENT ON TABLE accounts IS 'too long a wait';
SET lock_timeout = '2s';
COMMENT ON TABLE accounts IS 'at the bound';
SET safe_ddl.max_lock_timeout = '500ms';
SET lock_timeout = '1s';
COMMENT ON TABLE accounts IS 'bound below 5s';
RESET ALL;

-- max_statement_timeout likewise.
SET safe_ddl.max_statement_timeout = '1min';
SET statement_timeout = '1h';
COMMENT ON TABLE accounts IS 'an hour is unbounded';
SET statement_timeout = '1min';
COMMENT ON TABLE accounts IS 'a minute is fine';
RESET ALL;

-- mode = warn: the statement runs, with a WARNING, and the violation is
-- recorded.
SET safe_ddl.mode = warn;
ALTER TABLE accounts ADD COLUMN warned int;
RESET ALL;

-- mode = off: nothing is checked; the statement is still audited.
SET safe_ddl.mode = off;
ALTER TABLE accounts ADD COLUMN unchecked int;
RESET ALL;

-- Invalid values are rejected with the valid ones listed.
SET safe_ddl.mode = 'block';
SET safe_ddl.require_timeout = 'lock';
SET safe_ddl.max_lock_timeout = '-1';
SET safe_ddl.max_statement_length = 10;
SET safe_ddl.audit = 'sometimes';
SET safe_ddl.no_such_setting = on;

-- What the log holds: every attempt in order, refusals included, with the
-- timeouts in effect and the violation (for warn, alongside outcome ok).
SELECT * FROM audit_since_mark();

SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP TABLE accounts;
