# Lock retries against a hostile role: what a review found, each case
# failing on the code before its fix.
#
# 1. A pg_write_all_data member must not lock safe_ddl.audit_log through
#    LOCK TABLE of its own view redefined (CREATE OR REPLACE VIEW, same
#    OID) to read the log while the LOCK slept between retries: the
#    statement is checked again before each retry.
# 2. Nor while the LOCK waits for the view, without retries: the guard
#    locks each view (in the mode asked for) before it reads its
#    definition, or, for ACCESS EXCLUSIVE, checks it again once LOCK TABLE
#    holds it.
# 3. A database owner cannot make a superuser's migration sleep longer
#    than a superuser allows (lock_retry_max_delay is a superuser's), and
#    a session that starts to wait behind a sleeping migration's locks ends
#    the sleep (held locks are asked about through the sleep).
# 4. A 55P03 raised by code the statement runs (a function called by
#    CREATE TABLE AS) is not retried: that code runs once.
# 5. The rules are asked again before a retry: a default's function made
#    VOLATILE during the sleep gets the rewrite of a large table refused
#    (volatile_default_rewrite, a rule no one can acknowledge).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;
use Time::HiRes qw(time);

my $node = new_safe_ddl_node('review_retry', "safe_ddl.max_lock_retries = 10\n");

# A role with a write privilege on the log: a member of pg_write_all_data
# (PostgreSQL 14 and later), or one granted UPDATE on it (13 has no such
# role).
my $writer_role =
  $node->safe_psql('postgres', 'SHOW server_version_num') >= 140000
  ? 'CREATE ROLE w LOGIN IN ROLE pg_write_all_data;'
  : 'CREATE ROLE w LOGIN; GRANT UPDATE ON safe_ddl.audit_log TO w;';
$node->safe_psql('postgres', qq{
SET lock_timeout = '5s';
$writer_role
CREATE ROLE dbo LOGIN;
GRANT CREATE ON SCHEMA public TO w;
CREATE TABLE public.base (id bigint);
GRANT ALL ON public.base TO w;
});
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE VIEW v AS SELECT id FROM base; CREATE VIEW v2 AS SELECT id FROM base;",
	extra_params => [ '-U', 'w' ]);

sub log_locks_of
{
	my ($user) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(l.mode, ',' ORDER BY l.mode) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
		  . "WHERE l.relation = 'safe_ddl.audit_log'::regclass AND a.usename = '$user' AND l.mode <> 'RowExclusiveLock'"
	);
}

# 1. Retry variant.
{
	my $reader = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'w' ]);
	$reader->query_safe("BEGIN; SELECT * FROM v;");
	my $locker = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'w' ]);
	$locker->query_safe(
		"SET application_name = 'swapper'; BEGIN; SET lock_timeout = '200ms'; SET safe_ddl.lock_retries = 5; "
		  . "SET safe_ddl.lock_retry_delay = '2s';");
	$locker->query_until(qr/^$/, "LOCK TABLE v IN ACCESS EXCLUSIVE MODE;\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'swapper' AND wait_event = 'Extension'"
	) or die 'the LOCK did not sleep';
	$reader->query_safe('COMMIT');
	$node->safe_psql('postgres',
		"SET lock_timeout = '1s'; CREATE OR REPLACE VIEW v AS SELECT id FROM safe_ddl.audit_log;",
		extra_params => [ '-U', 'w' ]);
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'swapper' AND state LIKE 'idle in transaction%'"
	) or die 'the LOCK did not end';
	is(log_locks_of('w'), '',
		'1: a retried LOCK of a view redefined during the sleep does not lock the audit log');
	$locker->query('ROLLBACK');
	$locker->quit;
	$reader->quit;
	ok(wait_for_queue($node, 'postgres'), '1: the writer emptied the queue');
	is( $node->safe_psql('postgres',
			"SELECT count(*), string_agg(outcome || ' ' || sqlstate || ' ' || attempts, ',') FROM safe_ddl.audit_log "
			  . "WHERE statement = 'LOCK TABLE v IN ACCESS EXCLUSIVE MODE'"),
		'1|refused 42501 1',
		'1: the LOCK refused before its retry has one row: refused, after one run');
}

# 2. No retries: the view is redefined while the LOCK waits for it.
{
	my $redefiner = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'w' ]);
	$redefiner->query_safe(
		"SET lock_timeout = '5s'; BEGIN; CREATE OR REPLACE VIEW v2 AS SELECT id FROM safe_ddl.audit_log;");
	my $locker = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'w' ]);
	$locker->query_safe("SET application_name = 'racer'; BEGIN; SET lock_timeout = '10s';");
	$locker->query_until(qr/^$/, "LOCK TABLE v2 IN ACCESS EXCLUSIVE MODE;\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'racer' AND wait_event_type = 'Lock'"
	) or die 'the LOCK did not wait';
	$redefiner->query_safe('COMMIT');
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'racer' AND state LIKE 'idle in transaction%'"
	) or die 'the LOCK did not end';
	is(log_locks_of('w'), '',
		'2: a LOCK of a view redefined while the LOCK waits does not lock the audit log');
	$locker->query('ROLLBACK');
	$locker->quit;
	$redefiner->quit;
}

# 3. A database owner sets the sleep of every session of its database.
{
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE TABLE a (id int); CREATE TABLE b (id int); "
		  . "ALTER TABLE b OWNER TO dbo; ALTER DATABASE postgres OWNER TO dbo;");
	my ($r, $o, $e) = $node->psql('postgres',
		"SET lock_timeout = '5s'; ALTER DATABASE postgres SET safe_ddl.lock_retry_max_delay = '1h';",
		extra_params => [ '-U', 'dbo' ]);
	like($e, qr/permission denied to set parameter "safe_ddl.lock_retry_max_delay"/,
		'3: a database owner may not raise the longest sleep between lock retries');
	$node->safe_psql('postgres',
		"SET lock_timeout = '5s'; ALTER DATABASE postgres SET safe_ddl.lock_retry_delay = '20s'; "
		  . "ALTER DATABASE postgres SET safe_ddl.lock_retries = 3;",
		extra_params => [ '-U', 'dbo' ]);
	my $blocker = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'dbo' ]);
	$blocker->query_safe("BEGIN; LOCK TABLE b IN ACCESS SHARE MODE;");
	my $su = $node->background_psql('postgres', on_error_stop => 0);
	$su->query_safe("SET application_name = 'su_migration'; BEGIN; SELECT count(*) FROM a; SET LOCAL lock_timeout = '200ms';");
	$su->query_until(qr/^$/, "ALTER TABLE b ADD COLUMN c int; COMMIT;\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'su_migration' AND wait_event = 'Extension'"
	) or die 'the superuser migration did not sleep';
	$blocker->query_safe('COMMIT');
	my $started = time();
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET safe_ddl.lock_retries = 0; SET lock_timeout = '60s'; ALTER TABLE a ADD COLUMN z int;");
	my $waited = time() - $started;
	cmp_ok($waited, '<', 5,
		"3: a DDL statement queued behind a sleeping superuser migration's lock does not wait out the sleep (waited ${waited}s)");
	is($ret, 0, '3: and it completes');
	$su->quit;
	ok(wait_for_queue($node, 'postgres'), '3: the writer emptied the queue');
	is( $node->safe_psql('postgres',
			"SELECT outcome, sqlstate, attempts FROM safe_ddl.audit_log WHERE statement = 'ALTER TABLE b ADD COLUMN c int'"),
		'failed|55P03|1',
		'3: the migration stopped waiting to retry: one failed row, one run');
	$blocker->quit;
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; ALTER DATABASE postgres RESET ALL;");
}

# 4. 55P03 from user code.
{
	my $sql = q{
SET lock_timeout = '5s';
CREATE SEQUENCE side_effects;
CREATE FUNCTION f() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint := nextval('side_effects');
BEGIN
  IF n < 3 THEN
    RAISE EXCEPTION 'could not obtain lock on row' USING ERRCODE = '55P03';
  END IF;
  RETURN n;
END $$;
SET safe_ddl.lock_retries = 5;
SET safe_ddl.lock_retry_delay = '10ms';
CREATE TABLE t_user_code AS SELECT f() AS x;
};
	$node->psql('postgres', $sql);
	is($node->safe_psql('postgres', 'SELECT last_value FROM side_effects'),
		'1', '4: a function run by the statement runs once, not once per attempt');
}

# 5. A rule that cannot be acknowledged (volatile_default_rewrite), checked
#    before the first attempt only: the default's function is STABLE at
#    the check and VOLATILE (CREATE OR REPLACE, same OID) at the retry.
{
	$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
ALTER DATABASE postgres SET safe_ddl.large_table_size = 0;
CREATE ROLE u LOGIN; GRANT CREATE ON SCHEMA public TO u;
});
	$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE TABLE big AS SELECT g AS id FROM generate_series(1, 100000) g;
CREATE FUNCTION fdef() RETURNS int LANGUAGE plpgsql STABLE AS 'BEGIN RETURN 1; END';
}, extra_params => [ '-U', 'u' ]);
	my $filenode = $node->safe_psql('postgres', "SELECT pg_relation_filenode('big')");
	my $reader = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'u' ]);
	$reader->query_safe("BEGIN; SELECT count(*) FROM big;");
	my $alter = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'u' ]);
	$alter->query_safe(
		"SET application_name = 'rewriter'; SET lock_timeout = '200ms'; SET safe_ddl.lock_retries = 5; "
		  . "SET safe_ddl.lock_retry_delay = '2s';");
	$alter->query_until(qr/^$/, "ALTER TABLE big ADD COLUMN c1 int DEFAULT fdef();\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'rewriter' AND wait_event = 'Extension'"
	) or die 'the ALTER did not sleep';
	$reader->query_safe('COMMIT');
	$node->safe_psql('postgres',
		"SET lock_timeout = '1s'; CREATE OR REPLACE FUNCTION fdef() RETURNS int LANGUAGE plpgsql VOLATILE AS 'BEGIN RETURN 1; END';",
		extra_params => [ '-U', 'u' ]);
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'rewriter' AND state = 'idle'"
	) or die 'the ALTER did not end';
	is($node->safe_psql('postgres', "SELECT pg_relation_filenode('big')"),
		$filenode,
		'5: a retry does not rewrite a large table that the policy would refuse to rewrite (volatile default)');
	ok(wait_for_queue($node, 'postgres'), '5: the writer emptied the queue');
	is( $node->safe_psql('postgres',
			"SELECT outcome, attempts, rules FROM safe_ddl.audit_log WHERE statement = 'ALTER TABLE big ADD COLUMN c1 int DEFAULT fdef()'"),
		'refused|1|{volatile_default_rewrite}',
		'5: its one row says it ran once and was refused before its second run, and by which rule');
	$alter->quit;
	$reader->quit;
}

done_testing();
