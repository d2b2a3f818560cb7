# The way back and the impact figures against a hostile role: what a
# review found, each case failing on the code it was written against.
#
# 1. revert_script() must not hand a superuser a statement that creates an
#    object an ordinary role defined: the revert of CREATE OR REPLACE
#    FUNCTION is the old definition as a CREATE OR REPLACE, which, once the
#    role has dropped its function, creates it anew owned by the superuser
#    who runs the script (SECURITY DEFINER included: the role then runs
#    its own body with superuser rights).
# 2. The script is to be run with psql (README): a deparsed default must
#    reach the server as it was deparsed.  A slice bound whose first token
#    is a quoted identifier comes out as  [1:"USER".f()], and psql
#    substitutes its variable :"USER" into it: such a revert is unknown.
# 3. One ordinary session cannot take every attempt slot: 128 statements
#    in one open transaction leave every other user's DDL, server-wide,
#    without its running view entry, its figures, and its crash row.
# 4. Computing the way back never fails a statement: another role's
#    overload of a function, dropped while bob's CREATE OR REPLACE of his
#    own reads the definitions of its name, fails bob's statement
#    (XX000 cache lookup failed for function: get_func_prokind() on an
#    OID the catalog list gave a moment before).  Control: the same with
#    safe_ddl.audit off for bob (no way back computed) never fails.
#    The same race makes bob's revert the DROP of alice's new overload
#    (finish_created_function takes any function of the name that was
#    not there before as the one the statement created).
# 5. The ok row of a statement in a transaction block is updated at commit
#    only when its figures changed (README): with sampling off they cannot
#    change, yet the row is updated, because the row's text columns as
#    stored (short varlena headers, TOAST pointers) never compare equal
#    to the values made again from the flat record (datumIsEqual).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;
use IPC::Run;

my $node = new_safe_ddl_node('review2');
$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE ROLE alice LOGIN;
ALTER ROLE alice SET lock_timeout = '5s';
CREATE SCHEMA alice AUTHORIZATION alice;
CREATE ROLE dbo LOGIN;
ALTER DATABASE postgres OWNER TO dbo;
});

sub run_revert_script
{
	my ($since, $name) = @_;
	my $script = $node->safe_psql('postgres',
		"SELECT s FROM safe_ddl.revert_script('$since') s");
	my $file = "${PostgreSQL::Test::Utils::tmp_check}/$name.sql";
	open my $fh, '>', $file or die;
	print $fh "$script\n";
	close $fh;
	# As the README says: psql -1 -v ON_ERROR_STOP=1, as a superuser.
	my ($ret, $stdout, $stderr) = $node->psql('postgres', undef,
		extra_params => [ '-1', '-v', 'ON_ERROR_STOP=1',
			'-c', "SET lock_timeout = '5s'", '-f', $file ]);
	return ($ret, $script, $stderr);
}

# 1.
{
	$node->safe_psql('postgres', q{
CREATE FUNCTION alice.f() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
AS $$ BEGIN EXECUTE 'ALTER ROLE alice SUPERUSER'; END $$;
}, extra_params => [ '-U', 'alice' ]);
	my $since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
	$node->safe_psql('postgres', q{
CREATE OR REPLACE FUNCTION alice.f() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
AS $$ BEGIN RAISE NOTICE 'harmless'; END $$;
DROP FUNCTION alice.f();
}, extra_params => [ '-U', 'alice' ]);
	my ($ret, $script, $stderr) = run_revert_script($since, 'revert1');
	note "revert script:\n$script\n$stderr";
	is( $node->safe_psql('postgres', q{
SELECT count(*) FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
 WHERE p.pronamespace = 'alice'::regnamespace AND r.rolsuper}),
		'0', 'the revert script creates no function of alice\'s owned by a superuser');
	$node->psql('postgres', 'SELECT alice.f()', extra_params => [ '-U', 'alice' ]);
	is($node->safe_psql('postgres',
			"SELECT rolsuper FROM pg_roles WHERE rolname = 'alice'"),
		'f', 'alice did not become a superuser through the revert script');
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; ALTER ROLE alice NOSUPERUSER;");
}

# 2.
{
	$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE SCHEMA "USER";
CREATE FUNCTION "USER".f() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 2';
CREATE TABLE public.t (c int[] DEFAULT (ARRAY[1, 2, 3])[1: "USER".f()]);
}, extra_params => [ '-U', 'dbo' ]);
	my $since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
	$node->safe_psql('postgres',
		"SET lock_timeout = '5s'; ALTER TABLE public.t ALTER COLUMN c SET DEFAULT '{}';",
		extra_params => [ '-U', 'dbo' ]);
	my ($ret, $script, $stderr) = run_revert_script($since, 'revert2');
	note "revert script:\n$script\n$stderr";
	is($ret, 0, 'the revert script runs under psql as the README says');
	is($node->safe_psql('postgres',
			"SELECT revert_statement IS NULL, reversible IS NULL FROM safe_ddl.audit_log WHERE statement LIKE 'ALTER TABLE public.t ALTER COLUMN c SET DEFAULT%'"),
		't|t', 'a default psql would read a variable in has no revert: unknown, not another expression');
	like($script, qr/^-- row \d+ \(ALTER TABLE \["public.t"\]\): no known revert/m,
		'the script calls it out');
	is($node->safe_psql('postgres',
			"SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'public.t'::regclass"),
		"'{}'::integer[]", 'and leaves the default as it is');
}

# 3.
{
	# Control: without the hog, an open DDL transaction is in the view.
	my $ctl = $node->background_psql('postgres', on_error_stop => 0);
	$ctl->query_safe("SET lock_timeout = '5s'; BEGIN; CREATE TABLE public.control ();");
	sleep 1;
	is($node->safe_psql('postgres',
			"SELECT count(*) FROM safe_ddl.running WHERE statement LIKE '%control%'"),
		'1', 'control: an open DDL transaction is in the running view');
	$ctl->query_safe('COMMIT');
	$ctl->quit;

	my $hog = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'alice' ]);
	$hog->query_safe("BEGIN; CREATE TABLE alice.t (); "
		  . join('', map { "COMMENT ON TABLE alice.t IS 'c$_'; " } 1 .. 128));
	my $dba = $node->background_psql('postgres', on_error_stop => 0);
	$dba->query_safe("SET lock_timeout = '5s'; BEGIN; CREATE TABLE public.victim ();");
	sleep 1;
	is($node->safe_psql('postgres',
			"SELECT count(*) FROM safe_ddl.running WHERE statement LIKE '%victim%'"),
		'1', 'a superuser\'s DDL is in the running view while one session of an ordinary role is open');
	$dba->query_safe('COMMIT');
	is($node->safe_psql('postgres',
			"SELECT lock_held_ms IS NOT NULL FROM safe_ddl.audit_log WHERE object_identities = '{public.victim}'"),
		't', 'and its row has its figures');
	$hog->query_safe('COMMIT');
	$hog->quit;
	$dba->quit;
}

# 4.
{
	$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE ROLE bob LOGIN;
ALTER ROLE bob SET lock_timeout = '5s';
CREATE SCHEMA app;
GRANT CREATE, USAGE ON SCHEMA app TO alice, bob;
});
	$node->safe_psql('postgres',
		'CREATE FUNCTION app.f(int) RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$',
		extra_params => [ '-U', 'bob' ]);
	my $dir = $PostgreSQL::Test::Utils::tmp_check;
	open my $h, '>', "$dir/hostile.sql" or die;
	print $h "CREATE FUNCTION app.f(text) RETURNS int LANGUAGE plpgsql AS \$\$BEGIN RETURN 2; END\$\$;\n"
	  . "DROP FUNCTION app.f(text);\n";
	close $h;
	open my $v, '>', "$dir/victim.sql" or die;
	print $v 'CREATE OR REPLACE FUNCTION app.f(int) RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN '
	  . ($_ % 2) . "; END\$\$;\n"
	  foreach 1 .. 2000;
	close $v;
	my ($hout, $vout) = ('', '');
	my $hostile = IPC::Run::start(
		[ 'pgbench', '-n', '-U', 'alice', '-c', '1', '-T', '60',
			'-f', "$dir/hostile.sql", $node->connstr('postgres') ],
		'>&', \$hout);
	# bob's statements one after the other; psql goes on after an error
	IPC::Run::run(
		[ 'psql', '-X', '-q', '-U', 'bob', '-f', "$dir/victim.sql",
			'-d', $node->connstr('postgres') ],
		'>&', \$vout);
	$hostile->kill_kill;
	wait_for_queue($node, 'postgres');
	note $node->safe_psql('postgres', q{
SELECT k || ': ' || count(*) FROM (
  SELECT outcome || ' ' || coalesce(sqlstate, '') || ' ' ||
         CASE WHEN revert_statement LIKE 'CREATE OR REPLACE%' THEN 'old definition'
              ELSE coalesce(revert_statement, 'NULL') END AS k
    FROM safe_ddl.audit_log WHERE current_user_name = 'bob') s GROUP BY k ORDER BY k});
	my $failed = $node->safe_psql('postgres',
		"SELECT count(*) || ' failed, e.g. ' || coalesce(min(sqlstate || ' ' || error_message), '-') FROM safe_ddl.audit_log "
		  . "WHERE current_user_name = 'bob' AND outcome = 'failed'");
	note "bob's failures: $failed";
	is($failed, '0 failed, e.g. -', "another role's overloads never fail bob's CREATE OR REPLACE FUNCTION");
	is($node->safe_psql('postgres', q{
SELECT count(*) FROM safe_ddl.audit_log
 WHERE current_user_name = 'bob' AND outcome = 'ok' AND statement LIKE 'CREATE OR REPLACE%'
   AND revert_statement LIKE 'DROP FUNCTION%'}),
		'0', "the revert of bob's CREATE OR REPLACE of his existing function never drops a function (alice's)");
}

# 5.
{
	$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
ALTER SYSTEM SET safe_ddl.sample_interval = 0;
SELECT pg_reload_conf();
});
	sleep 1;
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE TABLE public.u5 (); CREATE SCHEMA s5;");
	$node->poll_query_until('postgres', q{
SELECT n_tup_ins = (SELECT count(*) FROM safe_ddl.audit_log) + n_tup_del
  FROM pg_stat_user_tables WHERE relid = 'safe_ddl.audit_log'::regclass});
	my $before = $node->safe_psql('postgres',
		"SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'safe_ddl.audit_log'::regclass");
	$node->safe_psql('postgres',
		"SET lock_timeout = '5s'; BEGIN; COMMENT ON TABLE public.u5 IS 'five'; COMMIT;");
	$node->poll_query_until('postgres', q{
SELECT n_tup_ins = (SELECT count(*) FROM safe_ddl.audit_log) + n_tup_del
  FROM pg_stat_user_tables WHERE relid = 'safe_ddl.audit_log'::regclass});
	sleep 2;
	is($node->safe_psql('postgres',
			"SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'safe_ddl.audit_log'::regclass"),
		$before, 'with nothing sampled, the ok row of a statement in a block is not updated at commit');
	is($node->safe_psql('postgres',
			"SELECT lock_held_ms IS NULL FROM safe_ddl.audit_log WHERE command_tag = 'COMMENT' AND object_identities = '{public.u5}'"),
		't', '(its figures are NULL: not sampled)');
	$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
ALTER SYSTEM RESET safe_ddl.sample_interval;
SELECT pg_reload_conf();
});
}

# 6. A statement sent with the extended protocol, in a pipeline, outside a
#    transaction block: its transaction goes on until the Sync, holding the
#    statement's lock; the row's lock_held_ms counts that (it was written
#    once, at the statement's end, when a statement outside a transaction
#    block was taken to commit at once).  pgbench's pipelines: 14 and later.
SKIP:
{
	skip 'pgbench has no pipeline mode before PostgreSQL 14', 2
	  if $node->safe_psql('postgres', 'SHOW server_version_num') < 140000;
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE TABLE public.p6 (a int);");
	my $script = $node->basedir . '/pipeline.sql';
	open my $fh, '>', $script or die $!;
	print $fh "\\startpipeline\nALTER TABLE public.p6 ADD COLUMN b int;\nSELECT pg_sleep(1);\n\\endpipeline\n";
	close $fh;
	local $ENV{PGOPTIONS} = '-c lock_timeout=5s';
	$node->command_ok([ 'pgbench', '-n', '-t', '1', '-M', 'extended', '-f', $script, 'postgres' ],
		'6: a pipeline: the ALTER, then a second of pg_sleep before its Sync');
	cmp_ok($node->safe_psql('postgres',
			"SELECT lock_held_ms FROM safe_ddl.audit_log WHERE statement = 'ALTER TABLE public.p6 ADD COLUMN b int'"),
		'>=', 900, "6: the row counts the locks held until the pipeline's transaction ended");
}

done_testing();
