--
-- Lock retries: the settings.  Any user may ask for retries up to the
-- maximum a superuser sets; SET above it is an error, for everyone.
-- (What retries do is tested with concurrent sessions in
-- t/030_lock_retries.pl.)
--
SELECT name, setting, unit, context, min_val, max_val
  FROM pg_settings
 WHERE name IN ('safe_ddl.lock_retries', 'safe_ddl.max_lock_retries',
                'safe_ddl.lock_retry_delay', 'safe_ddl.lock_retry_max_delay')
 ORDER BY name;

SET lock_timeout = '5s';
CREATE ROLE sddl_retry_user;
SET ROLE sddl_retry_user;
-- Up to the maximum: allowed, and so is the first delay (the longest
-- sleep is a superuser's, below).
SET safe_ddl.lock_retries = 10;
SET safe_ddl.lock_retry_delay = '250ms';
SELECT current_setting('safe_ddl.lock_retries') AS lock_retries,
       current_setting('safe_ddl.lock_retry_delay') AS delay,
       current_setting('safe_ddl.lock_retry_max_delay') AS max_delay;
-- Above it: an error, and the setting stays as it was, by SET,
-- set_config(), a function's SET clause, or a value stored for the role.
SET safe_ddl.lock_retries = 11;
SELECT set_config('safe_ddl.lock_retries', '11', false);
SHOW safe_ddl.lock_retries;
CREATE FUNCTION pg_temp.many_retries() RETURNS int LANGUAGE sql
    SET safe_ddl.lock_retries = 11 AS 'SELECT 1';
ALTER ROLE sddl_retry_user SET safe_ddl.lock_retries = 11;
-- The maximum is a superuser's.
SET safe_ddl.max_lock_retries = 50;
-- So is the longest sleep, which bounds the first one too: no role makes
-- another's session (a superuser's migration, through ALTER DATABASE ...
-- SET) sleep longer than a superuser allows.  A longer first delay is
-- taken, and sleeps at most the longest sleep.
SET safe_ddl.lock_retry_max_delay = '1h';
ALTER ROLE sddl_retry_user SET safe_ddl.lock_retry_max_delay = '1h';
SET safe_ddl.lock_retry_delay = '20s';
RESET safe_ddl.lock_retry_delay;
RESET ROLE;

-- A superuser raises the maximum: the user may then ask for more.
SET safe_ddl.max_lock_retries = 50;
SET ROLE sddl_retry_user;
SET safe_ddl.lock_retries = 50;
SHOW safe_ddl.lock_retries;
RESET ROLE;
-- A superuser's own SET above the maximum is an error too.
SET safe_ddl.lock_retries = 51;
-- A superuser may store a larger value for a role (with, say, a larger
-- maximum for it too): the maximum in effect caps it when it is used.
ALTER ROLE sddl_retry_user SET safe_ddl.lock_retries = 100;
SELECT unnest(setconfig) FROM pg_db_role_setting
 WHERE setrole = 'sddl_retry_user'::regrole;
-- Lowering the maximum under a session's value is allowed: the value is
-- capped when used (the lock error then says so).
SET safe_ddl.max_lock_retries = 5;
SHOW safe_ddl.lock_retries;
RESET safe_ddl.max_lock_retries;
RESET safe_ddl.lock_retries;
RESET safe_ddl.lock_retry_delay;
RESET safe_ddl.lock_retry_max_delay;

ALTER ROLE sddl_retry_user RESET ALL;
DROP ROLE sddl_retry_user;
RESET lock_timeout;

-- The stats view counts retries.
SELECT lock_retries IS NOT NULL AS counted, lock_retries >= 0 AS not_negative
  FROM safe_ddl.stats;
