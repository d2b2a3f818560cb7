--
-- The SQL API of safe_ddl: schema, audit_log (columns, types, keys,
-- indexes), views, functions, and the extension's registration for
-- pg_dump.  Everything happens in one transaction that is rolled back.
--
\ir setup.psql

-- The plan of a query, one line per row.
CREATE FUNCTION pg_temp.explain_lines(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        RETURN NEXT line;
    END LOOP;
END
$$;

SELECT plan(145);

-- The extension and its schema ------------------------------------------

SELECT has_schema('safe_ddl');
SELECT has_extension('safe_ddl', 'safe_ddl', 'extension safe_ddl is installed in schema safe_ddl');
SELECT results_eq(
    $$SELECT extversion COLLATE "default", extrelocatable, extnamespace::regnamespace::text
        FROM pg_extension WHERE extname = 'safe_ddl'$$,
    $$VALUES ('1.2'::text, false, 'safe_ddl'::text)$$,
    'safe_ddl 1.2 is not relocatable and lives in schema safe_ddl');
SELECT tables_are('safe_ddl', ARRAY['audit_log'],
    'schema safe_ddl has one table: audit_log');
SELECT sequences_are('safe_ddl', ARRAY['audit_log_id_seq'],
    'schema safe_ddl has one sequence: audit_log_id_seq');

-- Every object of the extension belongs to it (DROP EXTENSION removes it).
SELECT set_has(
    $$SELECT pg_describe_object(classid, objid, objsubid)
        FROM pg_depend
       WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
         AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'safe_ddl')$$,
    $$VALUES ('table safe_ddl.audit_log'), ('sequence safe_ddl.audit_log_id_seq'),
             ('view safe_ddl.recent_changes'), ('view safe_ddl.daily_summary'),
             ('view safe_ddl.stats'), ('function safe_ddl.purge(interval)'),
             ('function safe_ddl.wait_for_queue(interval)'),
             ('function safe_ddl.shared_stats()')$$,
    'the table, sequence, views and functions are members of the extension');

-- pg_dump keeps the log's rows and its id sequence.
SELECT results_eq(
    $$SELECT c::regclass::text, cond COLLATE "default"
        FROM pg_extension e,
             unnest(e.extconfig, e.extcondition) AS u(c, cond)
       WHERE e.extname = 'safe_ddl' ORDER BY 1$$,
    $$VALUES ('safe_ddl.audit_log'::text, ''::text),
             ('safe_ddl.audit_log_id_seq', '')$$,
    'audit_log and audit_log_id_seq are registered with pg_extension_config_dump, without a filter');

-- audit_log: columns and types, as documented --------------------------

SELECT has_table('safe_ddl', 'audit_log', 'table safe_ddl.audit_log exists');
SELECT columns_are('safe_ddl', 'audit_log', ARRAY[
    'id', 'started_at', 'duration_ms', 'database_name', 'session_user_name',
    'current_user_name', 'application_name', 'client_addr', 'backend_pid',
    'xid', 'command_tag', 'object_type', 'object_identities', 'statement',
    'lock_timeout_ms', 'statement_timeout_ms', 'outcome', 'policy_violation',
    'sqlstate', 'error_message', 'lock_mode', 'rewrites', 'rules',
    'lock_wait_ms', 'lock_held_ms', 'blocked_sessions_max', 'blocked_ms',
    'attempts', 'revert_statement', 'reversible'],
    'audit_log has exactly the documented columns');
SELECT results_eq(
    $$SELECT attname::text COLLATE "default" FROM pg_attribute
       WHERE attrelid = 'safe_ddl.audit_log'::regclass AND attnum > 0
         AND NOT attisdropped ORDER BY attnum$$,
    ARRAY['id', 'started_at', 'duration_ms', 'database_name', 'session_user_name',
    'current_user_name', 'application_name', 'client_addr', 'backend_pid',
    'xid', 'command_tag', 'object_type', 'object_identities', 'statement',
    'lock_timeout_ms', 'statement_timeout_ms', 'outcome', 'policy_violation',
    'sqlstate', 'error_message', 'lock_mode', 'rewrites', 'rules',
    'lock_wait_ms', 'lock_held_ms', 'blocked_sessions_max', 'blocked_ms',
    'attempts', 'revert_statement', 'reversible'],
    'audit_log columns are in the documented order');

SELECT col_type_is('safe_ddl', 'audit_log', 'id', 'bigint', 'id is bigint');
SELECT col_type_is('safe_ddl', 'audit_log', 'started_at', 'timestamp with time zone', 'started_at is timestamptz');
SELECT col_type_is('safe_ddl', 'audit_log', 'duration_ms', 'double precision', 'duration_ms is double precision');
SELECT col_type_is('safe_ddl', 'audit_log', 'database_name', 'text', 'database_name is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'session_user_name', 'text', 'session_user_name is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'current_user_name', 'text', 'current_user_name is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'application_name', 'text', 'application_name is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'client_addr', 'inet', 'client_addr is inet');
SELECT col_type_is('safe_ddl', 'audit_log', 'backend_pid', 'integer', 'backend_pid is int');
SELECT col_type_is('safe_ddl', 'audit_log', 'xid', 'xid8', 'xid is xid8');
SELECT col_type_is('safe_ddl', 'audit_log', 'command_tag', 'text', 'command_tag is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'object_type', 'text', 'object_type is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'object_identities', 'text[]', 'object_identities is text[]');
SELECT col_type_is('safe_ddl', 'audit_log', 'statement', 'text', 'statement is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'lock_timeout_ms', 'integer', 'lock_timeout_ms is int');
SELECT col_type_is('safe_ddl', 'audit_log', 'statement_timeout_ms', 'integer', 'statement_timeout_ms is int');
SELECT col_type_is('safe_ddl', 'audit_log', 'outcome', 'text', 'outcome is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'policy_violation', 'text', 'policy_violation is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'sqlstate', 'text', 'sqlstate is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'error_message', 'text', 'error_message is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'lock_mode', 'text', 'lock_mode is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'rewrites', 'text', 'rewrites is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'rules', 'text[]', 'rules is text[]');
SELECT col_type_is('safe_ddl', 'audit_log', 'lock_wait_ms', 'double precision', 'lock_wait_ms is double precision');
SELECT col_type_is('safe_ddl', 'audit_log', 'lock_held_ms', 'double precision', 'lock_held_ms is double precision');
SELECT col_type_is('safe_ddl', 'audit_log', 'blocked_sessions_max', 'integer', 'blocked_sessions_max is int');
SELECT col_type_is('safe_ddl', 'audit_log', 'blocked_ms', 'double precision', 'blocked_ms is double precision');
SELECT col_type_is('safe_ddl', 'audit_log', 'attempts', 'integer', 'attempts is int');
SELECT col_type_is('safe_ddl', 'audit_log', 'revert_statement', 'text', 'revert_statement is text');
SELECT col_type_is('safe_ddl', 'audit_log', 'reversible', 'boolean', 'reversible is boolean');

-- What is always known is NOT NULL; what may be absent is nullable.
SELECT col_not_null('safe_ddl', 'audit_log', 'id', 'id is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'started_at', 'started_at is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'duration_ms', 'duration_ms is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'database_name', 'database_name is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'session_user_name', 'session_user_name is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'current_user_name', 'current_user_name is NOT NULL');
SELECT col_is_null('safe_ddl', 'audit_log', 'application_name', 'application_name is nullable (NULL when empty)');
SELECT col_is_null('safe_ddl', 'audit_log', 'client_addr', 'client_addr is nullable (NULL for Unix sockets)');
SELECT col_not_null('safe_ddl', 'audit_log', 'backend_pid', 'backend_pid is NOT NULL');
SELECT col_is_null('safe_ddl', 'audit_log', 'xid', 'xid is nullable (NULL when the attempt had none)');
SELECT col_not_null('safe_ddl', 'audit_log', 'command_tag', 'command_tag is NOT NULL');
SELECT col_is_null('safe_ddl', 'audit_log', 'object_type', 'object_type is nullable');
SELECT col_not_null('safe_ddl', 'audit_log', 'object_identities', 'object_identities is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'statement', 'statement is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'lock_timeout_ms', 'lock_timeout_ms is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'statement_timeout_ms', 'statement_timeout_ms is NOT NULL');
SELECT col_not_null('safe_ddl', 'audit_log', 'outcome', 'outcome is NOT NULL');
SELECT col_is_null('safe_ddl', 'audit_log', 'policy_violation', 'policy_violation is nullable (NULL when compliant)');
SELECT col_is_null('safe_ddl', 'audit_log', 'sqlstate', 'sqlstate is nullable');
SELECT col_is_null('safe_ddl', 'audit_log', 'error_message', 'error_message is nullable');
SELECT col_is_null('safe_ddl', 'audit_log', 'lock_mode', 'lock_mode is nullable');
SELECT col_is_null('safe_ddl', 'audit_log', 'rewrites', 'rewrites is nullable');
SELECT col_is_null('safe_ddl', 'audit_log', 'rules', 'rules is nullable');
-- Added in 1.2: NULL in the rows written before the update.
SELECT col_is_null('safe_ddl', 'audit_log', 'lock_wait_ms', 'lock_wait_ms is nullable (not measured)');
SELECT col_is_null('safe_ddl', 'audit_log', 'lock_held_ms', 'lock_held_ms is nullable (not measured)');
SELECT col_is_null('safe_ddl', 'audit_log', 'blocked_sessions_max', 'blocked_sessions_max is nullable (not measured)');
SELECT col_is_null('safe_ddl', 'audit_log', 'blocked_ms', 'blocked_ms is nullable (not measured)');
SELECT col_is_null('safe_ddl', 'audit_log', 'attempts', 'attempts is nullable (rows before 1.2)');
SELECT col_is_null('safe_ddl', 'audit_log', 'revert_statement', 'revert_statement is nullable (no way back known)');
SELECT col_is_null('safe_ddl', 'audit_log', 'reversible', 'reversible is nullable (not known)');

-- id: bigint identity, primary key, backed by audit_log_id_seq.
SELECT col_is_pk('safe_ddl', 'audit_log', 'id', 'id is the primary key');
SELECT is((SELECT attidentity::text FROM pg_attribute
            WHERE attrelid = 'safe_ddl.audit_log'::regclass AND attname = 'id'),
          'a', 'id is GENERATED ALWAYS AS IDENTITY');
SELECT is(pg_get_serial_sequence('safe_ddl.audit_log', 'id'),
          'safe_ddl.audit_log_id_seq', 'the identity sequence of id is safe_ddl.audit_log_id_seq');
SELECT results_eq(
    $$SELECT seqtypid::regtype::text, seqincrement FROM pg_sequence
       WHERE seqrelid = 'safe_ddl.audit_log_id_seq'::regclass$$,
    $$VALUES ('bigint'::text, 1::bigint)$$,
    'audit_log_id_seq is a bigint sequence counting up by 1');

-- outcome is one of the four documented values.
SELECT col_has_check('safe_ddl', 'audit_log', 'outcome', 'outcome has a CHECK constraint');
SELECT lives_ok(
    $$INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
          session_user_name, current_user_name, backend_pid, command_tag,
          object_identities, statement, lock_timeout_ms, statement_timeout_ms, outcome)
      SELECT now(), 0, 'db', 'u', 'u', 1, 'X', '{}', 'x', 0, 0, o
        FROM unnest(ARRAY['ok', 'refused', 'failed', 'rolled_back']) AS o$$,
    'outcome accepts ok, refused, failed and rolled_back');
SELECT throws_ok(
    $$INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
          session_user_name, current_user_name, backend_pid, command_tag,
          object_identities, statement, lock_timeout_ms, statement_timeout_ms, outcome)
      VALUES (now(), 0, 'db', 'u', 'u', 1, 'X', '{}', 'x', 0, 0, 'succeeded')$$,
    '23514', NULL, 'outcome rejects any other value');
SELECT throws_ok(
    $$INSERT INTO safe_ddl.audit_log (id, started_at, duration_ms, database_name,
          session_user_name, current_user_name, backend_pid, command_tag,
          object_identities, statement, lock_timeout_ms, statement_timeout_ms, outcome)
      VALUES (1, now(), 0, 'db', 'u', 'u', 1, 'X', '{}', 'x', 0, 0, 'ok')$$,
    '428C9', NULL, 'id cannot be given explicitly (GENERATED ALWAYS)');

-- Indexes: primary key (btree), BRIN on started_at, GIN on object_identities.
SELECT indexes_are('safe_ddl', 'audit_log',
    ARRAY['audit_log_pkey', 'audit_log_started_at_idx', 'audit_log_object_identities_idx'],
    'audit_log has the primary key, a BRIN and a GIN index');
SELECT has_index('safe_ddl', 'audit_log', 'audit_log_pkey', ARRAY['id'], 'audit_log_pkey is on id');
SELECT index_is_type('safe_ddl', 'audit_log', 'audit_log_pkey', 'btree', 'audit_log_pkey is a btree');
SELECT index_is_primary('safe_ddl', 'audit_log', 'audit_log_pkey', 'audit_log_pkey is the primary key index');
SELECT has_index('safe_ddl', 'audit_log', 'audit_log_started_at_idx', ARRAY['started_at'],
    'audit_log_started_at_idx is on started_at');
SELECT index_is_type('safe_ddl', 'audit_log', 'audit_log_started_at_idx', 'brin',
    'audit_log_started_at_idx is a BRIN index');
SELECT has_index('safe_ddl', 'audit_log', 'audit_log_object_identities_idx', ARRAY['object_identities'],
    'audit_log_object_identities_idx is on object_identities');
SELECT index_is_type('safe_ddl', 'audit_log', 'audit_log_object_identities_idx', 'gin',
    'audit_log_object_identities_idx is a GIN index');

-- The GIN index serves object_identities @> '{...}' (the documented query).
SET LOCAL enable_seqscan = off;
SELECT ok(
    (SELECT string_agg(line, E'\n') FROM (
        SELECT * FROM pg_temp.explain_lines(
            $q$SELECT id FROM safe_ddl.audit_log WHERE object_identities @> '{public.accounts}'$q$)
     ) AS p(line)) LIKE '%audit_log_object_identities_idx%',
    'object_identities @> ''{public.accounts}'' can use the GIN index');
RESET enable_seqscan;

-- Views ----------------------------------------------------------------

SELECT has_view('safe_ddl', 'recent_changes', 'view safe_ddl.recent_changes exists');
SELECT columns_are('safe_ddl', 'recent_changes', ARRAY[
    'id', 'started_at', 'duration_ms', 'session_user_name', 'application_name',
    'command_tag', 'object_type', 'object_identities', 'outcome',
    'policy_violation', 'statement'],
    'recent_changes has the documented columns');
SELECT col_type_is('safe_ddl', 'recent_changes', 'id', 'bigint', 'recent_changes.id is bigint');
SELECT col_type_is('safe_ddl', 'recent_changes', 'started_at', 'timestamp with time zone', 'recent_changes.started_at is timestamptz');
SELECT col_type_is('safe_ddl', 'recent_changes', 'duration_ms', 'numeric', 'recent_changes.duration_ms is numeric (rounded)');
SELECT col_type_is('safe_ddl', 'recent_changes', 'object_identities', 'text[]', 'recent_changes.object_identities is text[]');
SELECT col_type_is('safe_ddl', 'recent_changes', 'outcome', 'text', 'recent_changes.outcome is text');

SELECT has_view('safe_ddl', 'daily_summary', 'view safe_ddl.daily_summary exists');
SELECT columns_are('safe_ddl', 'daily_summary', ARRAY[
    'day', 'command_tag', 'outcome', 'statements', 'p50_ms', 'p95_ms', 'max_ms'],
    'daily_summary has the documented columns');
SELECT col_type_is('safe_ddl', 'daily_summary', 'day', 'timestamp with time zone', 'daily_summary.day is timestamptz');
SELECT col_type_is('safe_ddl', 'daily_summary', 'statements', 'bigint', 'daily_summary.statements is bigint');
SELECT col_type_is('safe_ddl', 'daily_summary', 'p50_ms', 'numeric', 'daily_summary.p50_ms is numeric');
SELECT col_type_is('safe_ddl', 'daily_summary', 'p95_ms', 'numeric', 'daily_summary.p95_ms is numeric');
SELECT col_type_is('safe_ddl', 'daily_summary', 'max_ms', 'numeric', 'daily_summary.max_ms is numeric');

SELECT has_view('safe_ddl', 'stats', 'view safe_ddl.stats exists');
SELECT columns_are('safe_ddl', 'stats', ARRAY[
    'ok', 'refused', 'failed', 'rolled_back', 'queued', 'written', 'logged',
    'pending', 'queue_bytes_used', 'launcher_running', 'preloaded', 'lock_retries'],
    'stats has the documented columns');
SELECT results_eq(
    $$SELECT attname::text COLLATE "default", format_type(atttypid, atttypmod) FROM pg_attribute
       WHERE attrelid = 'safe_ddl.stats'::regclass AND attnum > 0 ORDER BY attnum$$,
    $$VALUES ('ok', 'bigint'), ('refused', 'bigint'), ('failed', 'bigint'),
             ('rolled_back', 'bigint'), ('queued', 'bigint'), ('written', 'bigint'),
             ('logged', 'bigint'), ('pending', 'bigint'),
             ('queue_bytes_used', 'bigint'), ('launcher_running', 'boolean'),
             ('preloaded', 'boolean'), ('lock_retries', 'bigint')$$,
    'stats: nine bigint counters, launcher_running and preloaded booleans, lock_retries, in order');
SELECT is((SELECT count(*) FROM safe_ddl.stats), 1::bigint, 'stats has exactly one row');
SELECT ok((SELECT launcher_running FROM safe_ddl.stats), 'stats says the launcher runs (library preloaded)');
SELECT ok((SELECT preloaded FROM safe_ddl.stats), 'stats says the library was preloaded');

-- recent_changes: newest (highest id) first.  The four rows inserted above
-- are the newest; the view lists them before older ones.
SELECT results_eq(
    $$SELECT id FROM safe_ddl.recent_changes$$,
    $$SELECT id FROM safe_ddl.audit_log
       WHERE started_at > now() - interval '7 days' ORDER BY id DESC$$,
    'recent_changes lists the last 7 days, highest id first');
SELECT is((SELECT count(*) FROM safe_ddl.recent_changes WHERE command_tag = 'X'), 4::bigint,
    'recent_changes shows rows of every outcome');
-- A row older than 7 days is not a recent change.
SELECT lives_ok(
    $$UPDATE safe_ddl.audit_log SET started_at = now() - interval '8 days'
       WHERE command_tag = 'X' AND outcome = 'failed'$$,
    'a superuser can backdate a row');
SELECT is((SELECT count(*) FROM safe_ddl.recent_changes WHERE command_tag = 'X'), 3::bigint,
    'recent_changes leaves out rows older than 7 days');

-- daily_summary: per day, command and outcome.
SELECT results_eq(
    $$SELECT command_tag, outcome, statements, p50_ms, max_ms
        FROM safe_ddl.daily_summary WHERE command_tag = 'X' ORDER BY day, outcome$$,
    $$VALUES ('X'::text, 'failed'::text, 1::bigint, 0.000::numeric, 0.000::numeric),
             ('X', 'ok', 1, 0.000, 0.000), ('X', 'refused', 1, 0.000, 0.000),
             ('X', 'rolled_back', 1, 0.000, 0.000)$$,
    'daily_summary groups by day, command and outcome');

-- Functions ------------------------------------------------------------

SELECT has_function('safe_ddl', 'purge', ARRAY['interval'], 'safe_ddl.purge(interval) exists');
SELECT function_returns('safe_ddl', 'purge', ARRAY['interval'], 'bigint', 'purge returns bigint');
SELECT function_lang_is('safe_ddl', 'purge', ARRAY['interval'], 'plpgsql', 'purge is PL/pgSQL');
SELECT is((SELECT pg_get_function_arguments('safe_ddl.purge(interval)'::regprocedure)),
    'older_than interval', 'purge''s argument is named older_than');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'safe_ddl.purge(interval)'::regprocedure),
    ARRAY['search_path=pg_catalog, pg_temp'], 'purge pins its search_path');
SELECT isnt_definer('safe_ddl', 'purge', ARRAY['interval'], 'purge is not SECURITY DEFINER');

SELECT has_function('safe_ddl', 'wait_for_queue', ARRAY['interval'], 'safe_ddl.wait_for_queue(interval) exists');
SELECT function_returns('safe_ddl', 'wait_for_queue', ARRAY['interval'], 'boolean', 'wait_for_queue returns boolean');
SELECT function_lang_is('safe_ddl', 'wait_for_queue', ARRAY['interval'], 'c', 'wait_for_queue is written in C');
SELECT is((SELECT pg_get_function_arguments('safe_ddl.wait_for_queue(interval)'::regprocedure)),
    'timeout interval DEFAULT ''00:00:05''::interval', 'wait_for_queue''s timeout defaults to 5s');
SELECT is_strict('safe_ddl', 'wait_for_queue', ARRAY['interval'], 'wait_for_queue is STRICT');
SELECT isnt_definer('safe_ddl', 'wait_for_queue', ARRAY['interval'], 'wait_for_queue is not SECURITY DEFINER');

SELECT has_function('safe_ddl', 'object_history', ARRAY['text', 'integer', 'text'], 'safe_ddl.object_history(text, int, text) exists');
SELECT function_returns('safe_ddl', 'object_history', ARRAY['text', 'integer', 'text'], 'setof safe_ddl.audit_log',
    'object_history returns rows of audit_log');
SELECT is((SELECT pg_get_function_arguments('safe_ddl.object_history(text, int, text)'::regprocedure)),
    'object text, max_rows integer DEFAULT 50, object_type text DEFAULT NULL::text',
    'object_history''s max_rows defaults to 50, its object_type to NULL (a relation and what belongs to it)');
SELECT is((SELECT concat_ws(' ', (SELECT lanname FROM pg_language WHERE oid = prolang), provolatile, proconfig IS NULL)
             FROM pg_proc WHERE oid = 'safe_ddl.object_history(text, int, text)'::regprocedure),
    'sql s t', 'object_history is a STABLE SQL function with no SET clause: the planner can inline it');

SELECT has_function('safe_ddl', 'explain', ARRAY['text'], 'safe_ddl.explain(text) exists');
SELECT function_lang_is('safe_ddl', 'explain', ARRAY['text'], 'c', 'explain is written in C');
SELECT is((SELECT pg_get_function_result('safe_ddl.explain(text)'::regprocedure)),
    'TABLE(statement_number integer, statement text, command_tag text, object_type text, '
    'object_identities text[], lock_mode text, rewrites text, table_sizes text[], rules json, '
    'verdict text, reason text, hint text)',
    'explain returns a row per statement with these columns');

SELECT has_function('safe_ddl', 'shared_stats', ARRAY[]::name[], 'safe_ddl.shared_stats() exists');
SELECT function_returns('safe_ddl', 'shared_stats', ARRAY[]::name[], 'record', 'shared_stats returns record');

-- The functions work.
SELECT is(safe_ddl.wait_for_queue(), true, 'wait_for_queue() with its default returns true when nothing is queued');
SELECT is(safe_ddl.wait_for_queue('0'), true, 'wait_for_queue(''0'') returns true when nothing is queued');
SELECT is(safe_ddl.wait_for_queue(NULL), NULL, 'wait_for_queue(NULL) is NULL (STRICT)');
SELECT is(safe_ddl.purge('1 year'), 0::bigint, 'purge(''1 year'') removes nothing recent');
SELECT is(safe_ddl.purge('7 days'), 1::bigint, 'purge(''7 days'') removes the one row 8 days old, and says so');
SELECT is((SELECT count(*) FROM safe_ddl.audit_log WHERE command_tag = 'X'), 3::bigint,
    'purge left the recent rows');
SELECT throws_ok($$SELECT safe_ddl.purge('-1 day')$$, '22023',
    'safe_ddl.purge: older_than must be a positive interval, not -1 days',
    'purge refuses a negative interval');
SELECT throws_ok($$SELECT safe_ddl.purge(NULL)$$, '22023',
    'safe_ddl.purge: older_than must be a positive interval, not NULL',
    'purge refuses NULL');

-- The log records this transaction's own DDL: CREATE EXTENSION is its first row.
SELECT results_eq(
    $$SELECT command_tag, object_type, object_identities, outcome,
             lock_timeout_ms, policy_violation IS NULL, xid IS NOT NULL,
             database_name = current_database(), backend_pid = pg_backend_pid()
        FROM safe_ddl.audit_log WHERE command_tag <> 'X' ORDER BY id LIMIT 1$$,
    $$VALUES ('CREATE EXTENSION'::text, 'extension'::text, ARRAY['safe_ddl'],
              'ok'::text, 5000, true, true, true, true)$$,
    'CREATE EXTENSION safe_ddl is the first row of the log, ok, with the timeout in effect');
SELECT is((SELECT xid FROM safe_ddl.audit_log WHERE command_tag = 'CREATE EXTENSION'),
    pg_current_xact_id(), 'the ok row carries the statement''s own transaction id');

-- The comments explain the objects.
SELECT is(obj_description('safe_ddl.audit_log'::regclass, 'pg_class'),
    'safe_ddl: one row per DDL statement (written by the extension only)',
    'audit_log has its comment');
SELECT ok(obj_description('safe_ddl.recent_changes'::regclass, 'pg_class') LIKE 'safe_ddl:%'
      AND obj_description('safe_ddl.daily_summary'::regclass, 'pg_class') LIKE 'safe_ddl:%'
      AND obj_description('safe_ddl.stats'::regclass, 'pg_class') LIKE 'safe_ddl:%',
    'the views have comments');

SELECT * FROM finish();
ROLLBACK;
