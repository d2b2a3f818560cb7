--
-- safe_ddl's settings: defaults, valid and invalid values, bounds; and the
-- policy they drive: the refusal of DDL no timeout guards (SD001), what it
-- says, and the warn and off modes.  One transaction, rolled back.
--
\ir setup.psql
SET LOCAL statement_timeout = 0;

-- The newest row of the log written in this transaction.
CREATE FUNCTION pg_temp.last_row() RETURNS safe_ddl.audit_log
LANGUAGE sql AS $$ SELECT * FROM safe_ddl.audit_log ORDER BY started_at DESC LIMIT 1 $$;

CREATE TABLE sddl_tap_accounts (id int PRIMARY KEY, balance int);

SELECT plan(103);

-- Defaults -------------------------------------------------------------

SELECT results_eq(
    $$SELECT name COLLATE "default", boot_val COLLATE "default", coalesce(unit, '') COLLATE "default"
        FROM pg_settings
       WHERE name IN ('safe_ddl.mode', 'safe_ddl.require_timeout', 'safe_ddl.max_lock_timeout',
                      'safe_ddl.max_statement_timeout', 'safe_ddl.audit',
                      'safe_ddl.max_statement_length', 'safe_ddl.queue_size')
       ORDER BY name$$,
    $$VALUES ('safe_ddl.audit', 'on', ''), ('safe_ddl.max_lock_timeout', '60000', 'ms'),
             ('safe_ddl.max_statement_length', '65536', 'B'),
             ('safe_ddl.max_statement_timeout', '60000', 'ms'), ('safe_ddl.mode', 'enforce', ''),
             ('safe_ddl.queue_size', '1024', 'kB'), ('safe_ddl.require_timeout', 'any', '')$$,
    'the documented defaults and units');
SELECT results_eq(
    $$SELECT current_setting('safe_ddl.mode'), current_setting('safe_ddl.require_timeout'),
             current_setting('safe_ddl.max_lock_timeout'), current_setting('safe_ddl.max_statement_timeout'),
             current_setting('safe_ddl.audit'), current_setting('safe_ddl.max_statement_length'),
             current_setting('safe_ddl.queue_size')$$,
    $$VALUES ('enforce', 'any', '1min', '1min', 'on', '64kB', '1MB')$$,
    'in effect: enforce, any, 1min, 1min, on, 64kB, 1MB');
SELECT results_eq(
    $$SELECT name COLLATE "default", vartype COLLATE "default", enumvals::text[]
        FROM pg_settings WHERE name IN ('safe_ddl.mode', 'safe_ddl.require_timeout', 'safe_ddl.audit')
       ORDER BY name$$,
    $$VALUES ('safe_ddl.audit', 'bool', NULL::text[]),
             ('safe_ddl.mode', 'enum', ARRAY['enforce', 'warn', 'off']),
             ('safe_ddl.require_timeout', 'enum', ARRAY['any', 'lock_timeout', 'statement_timeout', 'both'])$$,
    'mode and require_timeout are enums with the documented values; audit is a boolean');
SELECT results_eq(
    $$SELECT name COLLATE "default", vartype COLLATE "default", min_val::bigint
        FROM pg_settings WHERE name IN ('safe_ddl.max_lock_timeout', 'safe_ddl.max_statement_timeout',
                                        'safe_ddl.max_statement_length', 'safe_ddl.queue_size')
       ORDER BY name$$,
    $$VALUES ('safe_ddl.max_lock_timeout', 'integer', 0::bigint),
             ('safe_ddl.max_statement_length', 'integer', 64),
             ('safe_ddl.max_statement_timeout', 'integer', 0),
             ('safe_ddl.queue_size', 'integer', 64)$$,
    'the integer settings and their lower bounds');
SELECT results_eq(
    $$SELECT max_val::bigint FROM pg_settings
       WHERE name IN ('safe_ddl.max_lock_timeout', 'safe_ddl.max_statement_timeout', 'safe_ddl.queue_size')
       ORDER BY name$$,
    $$VALUES (2147483647::bigint), (2147483647), (1048576)$$,
    'upper bounds: INT_MAX ms for the timeout bounds, 1GB for queue_size');

-- mode -----------------------------------------------------------------

SELECT lives_ok($$SET LOCAL safe_ddl.mode = warn$$, 'mode accepts warn');
SELECT is(current_setting('safe_ddl.mode'), 'warn', 'mode is warn');
SELECT lives_ok($$SET LOCAL safe_ddl.mode = off$$, 'mode accepts off');
SELECT is(current_setting('safe_ddl.mode'), 'off', 'mode is off');
SELECT lives_ok($$SET LOCAL safe_ddl.mode = 'ENFORCE'$$, 'mode accepts ENFORCE, case-insensitively');
SELECT is(current_setting('safe_ddl.mode'), 'enforce', 'mode is enforce');
SELECT results_eq($$SELECT code, message, hint FROM pg_temp.error_of('SET safe_ddl.mode = block')$$,
    $$VALUES ('22023', 'invalid value for parameter "safe_ddl.mode": "block"',
              'Available values: enforce, warn, off.')$$,
    'mode rejects block (22023) and lists the valid values');
SELECT throws_ok($$SET safe_ddl.mode = ''$$, '22023',
    'invalid value for parameter "safe_ddl.mode": ""', 'mode rejects the empty string');
SELECT is(current_setting('safe_ddl.mode'), 'enforce', 'a rejected value leaves mode unchanged');

-- require_timeout --------------------------------------------------------

SELECT lives_ok($$SET LOCAL safe_ddl.require_timeout = lock_timeout$$, 'require_timeout accepts lock_timeout');
SELECT is(current_setting('safe_ddl.require_timeout'), 'lock_timeout', 'require_timeout is lock_timeout');
SELECT lives_ok($$SET LOCAL safe_ddl.require_timeout = statement_timeout$$, 'require_timeout accepts statement_timeout');
SELECT is(current_setting('safe_ddl.require_timeout'), 'statement_timeout', 'require_timeout is statement_timeout');
SELECT lives_ok($$SET LOCAL safe_ddl.require_timeout = 'both'$$, 'require_timeout accepts ''both'' (quoted)');
SELECT is(current_setting('safe_ddl.require_timeout'), 'both', 'require_timeout is both');
SELECT throws_ok($$SET LOCAL safe_ddl.require_timeout = both$$, '42601', NULL,
    'unquoted both is a syntax error (BOTH is an SQL keyword), as documented');
SELECT lives_ok($$SET LOCAL safe_ddl.require_timeout = 'any'$$, 'require_timeout accepts ''any'' (quoted: ANY is a keyword too)');
SELECT is(current_setting('safe_ddl.require_timeout'), 'any', 'require_timeout is any');
SELECT results_eq($$SELECT code, message, hint FROM pg_temp.error_of('SET safe_ddl.require_timeout = lock')$$,
    $$VALUES ('22023', 'invalid value for parameter "safe_ddl.require_timeout": "lock"',
              'Available values: any, lock_timeout, statement_timeout, both.')$$,
    'require_timeout rejects lock (22023) and lists the valid values');
SELECT results_eq($$SELECT code, hint FROM pg_temp.error_of('SET safe_ddl.require_timeout = either')$$,
    $$VALUES ('22023', 'Available values: any, lock_timeout, statement_timeout, both.')$$,
    'require_timeout rejects either');

-- audit ------------------------------------------------------------------

SELECT lives_ok($$SET LOCAL safe_ddl.audit = off$$, 'audit accepts off');
SELECT is(current_setting('safe_ddl.audit'), 'off', 'audit is off');
SELECT lives_ok($$SET LOCAL safe_ddl.audit = true$$, 'audit accepts true');
SELECT is(current_setting('safe_ddl.audit'), 'on', 'audit is on');
SELECT results_eq($$SELECT code, message FROM pg_temp.error_of('SET safe_ddl.audit = maybe')$$,
    $$VALUES ('22023', 'parameter "safe_ddl.audit" requires a Boolean value')$$,
    'audit rejects maybe (22023)');

-- max_lock_timeout / max_statement_timeout -----------------------------------

SELECT lives_ok($$SET LOCAL safe_ddl.max_lock_timeout = '2s'$$, 'max_lock_timeout accepts 2s');
SELECT is(current_setting('safe_ddl.max_lock_timeout'), '2s', 'max_lock_timeout is 2s');
SELECT lives_ok($$SET LOCAL safe_ddl.max_lock_timeout = 1500$$, 'max_lock_timeout accepts 1500 (ms)');
SELECT is(current_setting('safe_ddl.max_lock_timeout'), '1500ms', 'max_lock_timeout is 1500ms');
SELECT lives_ok($$SET LOCAL safe_ddl.max_lock_timeout = 2147483647$$, 'max_lock_timeout accepts its upper bound');
SELECT lives_ok($$SET LOCAL safe_ddl.max_lock_timeout = 0$$, 'max_lock_timeout accepts 0 (no bound)');
-- The range's bounds carry their unit from PostgreSQL 17 ("0 ms .. 2147483647 ms").
SELECT results_eq($$SELECT code, message ~ '^-1 ms is outside the valid range for parameter "safe_ddl\.max_lock_timeout" \(0( ms)? \.\. 2147483647( ms)?\)$'
        FROM pg_temp.error_of('SET safe_ddl.max_lock_timeout = -1')$$,
    $$VALUES ('22023', true)$$,
    'max_lock_timeout rejects -1 and gives the valid range');
SELECT results_eq($$SELECT code, message, hint FROM pg_temp.error_of('SET safe_ddl.max_lock_timeout = 2147483648')$$,
    $$VALUES ('22023', 'invalid value for parameter "safe_ddl.max_lock_timeout": "2147483648"',
              'Value exceeds integer range.')$$,
    'max_lock_timeout rejects INT_MAX + 1');
SELECT results_eq($$SELECT code, message FROM pg_temp.error_of('SET safe_ddl.max_lock_timeout = ''5 parsecs''')$$,
    $$VALUES ('22023', 'invalid value for parameter "safe_ddl.max_lock_timeout": "5 parsecs"')$$,
    'max_lock_timeout rejects an unknown unit');

SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_timeout = '1min'$$, 'max_statement_timeout accepts 1min');
SELECT is(current_setting('safe_ddl.max_statement_timeout'), '1min', 'max_statement_timeout is 1min');
SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_timeout = 2147483647$$, 'max_statement_timeout accepts its upper bound');
SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_timeout = 0$$, 'max_statement_timeout accepts 0 (no bound)');
SELECT results_eq($$SELECT code, message ~ '^-1 ms is outside the valid range for parameter "safe_ddl\.max_statement_timeout" \(0( ms)? \.\. 2147483647( ms)?\)$'
        FROM pg_temp.error_of('SET safe_ddl.max_statement_timeout = -1')$$,
    $$VALUES ('22023', true)$$,
    'max_statement_timeout rejects -1 and gives the valid range');
SELECT throws_ok($$SET safe_ddl.max_statement_timeout = 2147483648$$, '22023',
    'invalid value for parameter "safe_ddl.max_statement_timeout": "2147483648"',
    'max_statement_timeout rejects INT_MAX + 1');

-- max_statement_length: 64 B - 512 MB ----------------------------------------

SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_length = 64$$, 'max_statement_length accepts 64 (its lower bound)');
SELECT is(current_setting('safe_ddl.max_statement_length'), '64B', 'max_statement_length is 64B');
SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_length = '1MB'$$, 'max_statement_length accepts 1MB');
SELECT is(current_setting('safe_ddl.max_statement_length'), '1MB', 'max_statement_length is 1MB');
SELECT results_eq(
    $$SELECT code, message ~ '^63 B is outside the valid range for parameter "safe_ddl\.max_statement_length" \(64( B)? \.\. '
        FROM pg_temp.error_of('SET safe_ddl.max_statement_length = 63')$$,
    $$VALUES ('22023', true)$$,
    'max_statement_length rejects 63 and gives the valid range');
SELECT throws_ok($$SET safe_ddl.max_statement_length = '1GB'$$, '22023', NULL,
    'max_statement_length rejects 1GB');
SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_length = '512MB'$$, 'max_statement_length accepts 512MB');
SELECT lives_ok($$SET LOCAL safe_ddl.max_statement_length = '64kB'$$, 'max_statement_length back to 64kB');

-- queue_size: server start only --------------------------------------------

SELECT throws_ok($$SET safe_ddl.queue_size = '2MB'$$, '55P02',
    'parameter "safe_ddl.queue_size" cannot be changed without restarting the server',
    'queue_size cannot be changed in a session');

-- The prefix is reserved: a misspelt setting is an error, not a no-op
-- (PostgreSQL 15+ reserves a prefix; before, SET makes a placeholder).
SELECT current_setting('server_version_num')::int >= 150000 AS sddl_reserved_prefix \gset
\if :sddl_reserved_prefix
SELECT throws_ok($$SET safe_ddl.moed = off$$, '42602',
    'invalid configuration parameter name "safe_ddl.moed"',
    'a misspelt safe_ddl setting is rejected');
\else
SELECT skip('a reserved setting prefix is PostgreSQL 15+', 1);
\endif

-- The refusal ------------------------------------------------------------

SET LOCAL lock_timeout = 0;
SELECT throws_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN email text$$, 'SD001',
    'safe_ddl refused ALTER TABLE: neither timeout guards it: lock_timeout is not set, and statement_timeout is not set; run SET LOCAL lock_timeout = ''5s'' first',
    'DDL without a timeout is refused with SD001 and the documented message');
SELECT results_eq(
    $$SELECT code, hint FROM pg_temp.error_of('ALTER TABLE sddl_tap_accounts ADD COLUMN email text')$$,
    $$VALUES ('SD001', 'Run SET LOCAL lock_timeout = ''5s'' in this transaction before the statement.')$$,
    'in a transaction block the hint gives SET LOCAL lock_timeout = ''5s''');
SELECT ok(
    (SELECT detail FROM pg_temp.error_of('ALTER TABLE sddl_tap_accounts ADD COLUMN email text'))
    LIKE 'In effect: lock_timeout = 0 ms, statement_timeout = 0 ms, safe_ddl.require_timeout = any, safe_ddl.max_lock_timeout = 0 ms, safe_ddl.max_statement_timeout = 0 ms.%',
    'the detail gives the values in effect');
SELECT hasnt_column('sddl_tap_accounts', 'email', 'nothing of the refused statement ran');
SELECT throws_ok($$CREATE INDEX ON sddl_tap_accounts (balance)$$, 'SD001',
    'safe_ddl refused CREATE INDEX: neither timeout guards it: lock_timeout is not set, and statement_timeout is not set; run SET LOCAL lock_timeout = ''5s'' first',
    'CREATE INDEX without a timeout is refused');
SELECT throws_ok($$DO 'BEGIN EXECUTE ''COMMENT ON TABLE sddl_tap_accounts IS ''''x''''''; END'$$, 'SD001',
    'safe_ddl refused COMMENT: neither timeout guards it: lock_timeout is not set, and statement_timeout is not set; run SET LOCAL lock_timeout = ''5s'' first',
    'DDL inside a DO block is refused too');
SELECT lives_ok($$CREATE TEMP TABLE sddl_tap_scratch (id int)$$,
    'a temporary table is exempt');
SELECT lives_ok($$SELECT count(*) FROM sddl_tap_accounts$$, 'statements that are not DDL are not checked');
SELECT lives_ok($$INSERT INTO sddl_tap_accounts VALUES (1, 100)$$, 'DML is not checked');

-- With a timeout it runs.
SET LOCAL lock_timeout = '2s';
SELECT lives_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN email text$$,
    'with lock_timeout set the same statement runs');
SELECT has_column('sddl_tap_accounts', 'email', 'the column was added');
SELECT results_eq(
    $$SELECT command_tag, object_identities, outcome, lock_timeout_ms, statement_timeout_ms, policy_violation
        FROM pg_temp.last_row()$$,
    $$VALUES ('ALTER TABLE'::text, ARRAY['public.sddl_tap_accounts'], 'ok'::text, 2000, 0, NULL::text)$$,
    'its row: ok, compliant, with lock_timeout_ms = 2000');
SET LOCAL lock_timeout = 0;
SET LOCAL statement_timeout = '10s';
SELECT lives_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN note text$$,
    'with only statement_timeout set (require_timeout = any) it runs');
SELECT results_eq($$SELECT lock_timeout_ms, statement_timeout_ms FROM pg_temp.last_row()$$,
    $$VALUES (0, 10000)$$, 'its row records statement_timeout_ms = 10000');

-- require_timeout = lock_timeout: statement_timeout is not enough.
SET LOCAL safe_ddl.require_timeout = lock_timeout;
SELECT throws_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'x'$$, 'SD001',
    'safe_ddl refused COMMENT: lock_timeout is not set; run SET LOCAL lock_timeout = ''5s'' first',
    'require_timeout = lock_timeout: statement_timeout alone is refused');
SET LOCAL lock_timeout = '1s';
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'x'$$, 'require_timeout = lock_timeout: lock_timeout set runs');
SET LOCAL statement_timeout = 0;

-- require_timeout = statement_timeout: lock_timeout is not enough.
SET LOCAL safe_ddl.require_timeout = statement_timeout;
SELECT throws_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'y'$$, 'SD001',
    'safe_ddl refused COMMENT: statement_timeout is not set; run SET LOCAL statement_timeout = ''1min'' first',
    'require_timeout = statement_timeout: lock_timeout alone is refused');
SELECT is((SELECT hint FROM pg_temp.error_of($q$COMMENT ON TABLE sddl_tap_accounts IS 'y'$q$)),
    'Run SET LOCAL statement_timeout = ''1min'' in this transaction before the statement.',
    'its hint suggests statement_timeout = ''1min''');
SET LOCAL statement_timeout = '30s';
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'y'$$, 'require_timeout = statement_timeout: statement_timeout set runs');

-- require_timeout = both.
SET LOCAL safe_ddl.require_timeout = 'both';
SET LOCAL statement_timeout = 0;
SELECT throws_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'z'$$, 'SD001',
    'safe_ddl refused COMMENT: both timeouts are required: statement_timeout is not set; run SET LOCAL statement_timeout = ''1min'' first',
    'require_timeout = both: one is not enough');
SELECT is((SELECT hint FROM pg_temp.error_of($q$COMMENT ON TABLE sddl_tap_accounts IS 'z'$q$)),
    'Run SET LOCAL statement_timeout = ''1min'' in this transaction before the statement.',
    'its hint gives the statement that sets the missing one');
SET LOCAL lock_timeout = 0;
SELECT throws_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'z'$$, 'SD001',
    'safe_ddl refused COMMENT: both timeouts are required: lock_timeout is not set, and statement_timeout is not set; run SET LOCAL lock_timeout = ''5s'' and SET LOCAL statement_timeout = ''1min'' first',
    'require_timeout = both: none is not enough');
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '30s';
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'z'$$, 'require_timeout = both: both set runs');
SET LOCAL statement_timeout = 0;
SET LOCAL safe_ddl.require_timeout = 'any';

-- max_lock_timeout: a longer lock_timeout does not count; the hint stays within the bound.
SET LOCAL safe_ddl.max_lock_timeout = '2s';
SET LOCAL lock_timeout = '1min';
SELECT throws_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'long wait'$$, 'SD001',
    'safe_ddl refused COMMENT: neither timeout guards it: lock_timeout (60000 ms) is above safe_ddl.max_lock_timeout (2000 ms), and statement_timeout is not set; run SET LOCAL lock_timeout = ''2s'' first',
    'a lock_timeout above max_lock_timeout does not count');
SELECT is((SELECT hint FROM pg_temp.error_of($q$COMMENT ON TABLE sddl_tap_accounts IS 'long wait'$q$)),
    'Run SET LOCAL lock_timeout = ''2s'' in this transaction before the statement.',
    'the hint suggests the bound, 2s');
SET LOCAL lock_timeout = '2s';
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'at the bound'$$, 'a lock_timeout at the bound counts');
SET LOCAL safe_ddl.max_lock_timeout = '500ms';
SET LOCAL lock_timeout = '1s';
SELECT is((SELECT hint FROM pg_temp.error_of($q$COMMENT ON TABLE sddl_tap_accounts IS 'x'$q$)),
    'Run SET LOCAL lock_timeout = ''500ms'' in this transaction before the statement.',
    'a bound below 5s: the hint suggests 500ms');
SET LOCAL safe_ddl.max_lock_timeout = 0;

-- max_statement_timeout likewise.
SET LOCAL safe_ddl.max_statement_timeout = '1min';
SET LOCAL lock_timeout = 0;
SET LOCAL statement_timeout = '1h';
SELECT throws_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'an hour'$$, 'SD001',
    'safe_ddl refused COMMENT: neither timeout guards it: lock_timeout is not set, and statement_timeout (3600000 ms) is above safe_ddl.max_statement_timeout (60000 ms); run SET LOCAL lock_timeout = ''5s'' first',
    'a statement_timeout above max_statement_timeout does not count');
SET LOCAL statement_timeout = '1min';
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'a minute'$$, 'a statement_timeout at the bound counts');
SET LOCAL statement_timeout = 0;
SET LOCAL safe_ddl.max_statement_timeout = 0;

-- Refusals in every mode but off; the rows of what ran -----------------------

-- warn: runs, and the row records the violation.
-- (Its WARNING cannot be caught in SQL; t/002_no_extension.pl checks it.)
SET LOCAL safe_ddl.mode = warn;
SET LOCAL lock_timeout = 0;
SET LOCAL client_min_messages = error;
SELECT lives_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN warned int$$, 'mode = warn: DDL without a timeout runs');
SET LOCAL client_min_messages = notice;
SELECT has_column('sddl_tap_accounts', 'warned', 'mode = warn: the column was added');
SELECT results_eq(
    $$SELECT command_tag, outcome, lock_timeout_ms, policy_violation FROM pg_temp.last_row()$$,
    $$VALUES ('ALTER TABLE'::text, 'ok'::text, 0,
              'neither timeout guards it: lock_timeout is not set, and statement_timeout is not set'::text)$$,
    'mode = warn: the row is ok and records the violation');

-- off: runs, checks nothing, still audited.
SET LOCAL safe_ddl.mode = off;
SELECT lives_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN unchecked int$$, 'mode = off: DDL without a timeout runs');
SELECT has_column('sddl_tap_accounts', 'unchecked', 'mode = off: the column was added');
SELECT results_eq(
    $$SELECT command_tag, outcome, lock_timeout_ms, policy_violation FROM pg_temp.last_row()$$,
    $$VALUES ('ALTER TABLE'::text, 'ok'::text, 0, NULL::text)$$,
    'mode = off: still audited, no violation recorded');

-- off and audit = off: nothing is checked or written.
SET LOCAL safe_ddl.audit = off;
SELECT count(*) AS rows_before FROM safe_ddl.audit_log \gset
SELECT lives_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN unaudited int$$, 'mode = off, audit = off: DDL runs');
SELECT is((SELECT count(*) FROM safe_ddl.audit_log), :rows_before::bigint,
    'audit = off: no row is written');

-- enforce with audit = off: still refused, not written.
SET LOCAL safe_ddl.mode = enforce;
SELECT throws_ok($$ALTER TABLE sddl_tap_accounts ADD COLUMN refused_unaudited int$$, 'SD001', NULL,
    'audit = off does not switch the policy off');
SET LOCAL lock_timeout = '5s';
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'unaudited'$$, 'audit = off: compliant DDL runs');
SELECT is((SELECT count(*) FROM safe_ddl.audit_log), :rows_before::bigint,
    'audit = off: still no row');
SET LOCAL safe_ddl.audit = on;

-- A refusal in a savepoint leaves the transaction usable.
SET LOCAL lock_timeout = 0;
SAVEPOINT before_refusal;
SELECT throws_ok($$CREATE INDEX sddl_tap_accounts_balance_idx ON sddl_tap_accounts (balance)$$, 'SD001', NULL,
    'a refusal is an ordinary error');
ROLLBACK TO SAVEPOINT before_refusal;
SET LOCAL lock_timeout = '5s';
SELECT hasnt_index('sddl_tap_accounts', 'sddl_tap_accounts_balance_idx', 'the refused statement changed nothing');

-- max_statement_length: a longer text is stored truncated, never inside a
-- multibyte character.  The prefix "COMMENT ON TABLE sddl_tap_accounts IS '"
-- is 39 bytes; 12 two-byte characters fill 63 of the 64 bytes.
SET LOCAL safe_ddl.max_statement_length = 64;
SELECT lives_ok(format('COMMENT ON TABLE sddl_tap_accounts IS %L', repeat('é', 40)),
    'a statement longer than max_statement_length runs');
SELECT is((SELECT statement FROM pg_temp.last_row()),
    'COMMENT ON TABLE sddl_tap_accounts IS ''' || repeat('é', 12)
        || '... [truncated by safe_ddl: 63 of 120 bytes kept]',
    'its text is truncated at a character boundary, saying how much was kept');
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'short'$$, 'a short statement runs');
SELECT is((SELECT statement FROM pg_temp.last_row()),
    'COMMENT ON TABLE sddl_tap_accounts IS ''short''', 'a short statement is stored whole');
SET LOCAL safe_ddl.max_statement_length = '64kB';

-- Multi-statement strings: each statement gets its own row and text.
SELECT count(*) AS rows_before FROM safe_ddl.audit_log \gset
SELECT lives_ok($$COMMENT ON TABLE sddl_tap_accounts IS 'one'; COMMENT ON COLUMN sddl_tap_accounts.id IS 'two'$$,
    'two statements in one string run');
SELECT results_eq(
    $$SELECT command_tag, statement FROM safe_ddl.audit_log WHERE id > $$ || :rows_before || $$ ORDER BY id$$,
    $$VALUES ('COMMENT'::text, 'COMMENT ON TABLE sddl_tap_accounts IS ''one'''::text),
             ('COMMENT', 'COMMENT ON COLUMN sddl_tap_accounts.id IS ''two''')$$,
    'each statement has its own row and its own text');

SELECT * FROM finish();
ROLLBACK;
