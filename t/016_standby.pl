# Hot standby and promotion.  A streaming standby with safe_ddl preloaded
# starts without an error, receives the audit log's rows (ok and refused)
# by replication, and leaves DDL to PostgreSQL's own read-only refusal.
# Once promoted, it writes the rows of its own refusals within seconds.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;
use Time::HiRes qw(time);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf',
	"shared_preload_libraries = 'safe_ddl'\n");
$primary->start;
$primary->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl;");

# The standby gets the primary's postgresql.conf with the backup: the
# library is preloaded there too.
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
is($standby->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'safe_ddl', 'standby: safe_ddl is preloaded');
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby: in recovery');

# One statement that runs, one that is refused, on the primary.
$primary->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE standby_ok (id int);");
my ($ret, $out, $err) = $primary->psql('postgres',
	'CREATE TABLE standby_refused (id int);',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'primary: DDL without a timeout is refused');
like($err, qr/SD001/, 'primary: refused by safe_ddl');
ok(wait_for_queue($primary, 'postgres'), 'primary: the writer wrote both rows');
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

is( $standby->safe_psql(
		'postgres',
		"SELECT string_agg(outcome, ',' ORDER BY id) FROM safe_ddl.audit_log
		  WHERE statement LIKE '%CREATE TABLE standby\\_%'"),
	'ok,refused',
	'standby: both rows arrived by replication');

my $standby_log = slurp_file($standby->logfile);
my @bad = grep {
	/\b(ERROR|FATAL|PANIC):/
	  && !/the database system is (starting up|not yet accepting connections)/
} split /\n/, $standby_log;
is(join("\n", @bad), '', 'standby: no error in the log before any DDL there');
unlike($standby_log, qr/(WARNING|ERROR|FATAL|PANIC):.*safe_ddl/,
	'standby: safe_ddl logged no warning or error');

# DDL on the standby: PostgreSQL refuses it as read-only; the session and
# the server carry on.
($ret, $out, $err) = $standby->psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE on_standby (id int);",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'standby: DDL with a timeout fails');
like(
	$err,
	qr/25006: cannot execute CREATE TABLE in a read-only transaction/,
	'standby: refused by PostgreSQL as read-only');
unlike($err, qr/safe_ddl|could not|PANIC|FATAL|WARNING/,
	'standby: nothing of safe_ddl in the error');

($ret, $out, $err) = $standby->psql('postgres',
	'CREATE TABLE on_standby (id int);',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'standby: DDL without a timeout fails');
note "standby, no timeout: $err";
like($err, qr/ERROR:  (25006|SD001):/,
	'standby: refused as read-only or for the missing timeout');
unlike($err, qr/could not|PANIC|FATAL|WARNING/,
	'standby: and nothing else broke');
is($standby->safe_psql('postgres', 'SELECT 1'),
	'1', 'standby: still accepts queries');
$standby_log = slurp_file($standby->logfile);
unlike($standby_log, qr/\b(FATAL|PANIC):.*(safe_ddl|audit)|server process .* was terminated/,
	'standby: no crash, no FATAL of safe_ddl');

# Promotion: the new primary writes its own refusals.
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'the standby did not leave recovery';
my $start = time;
($ret, $out, $err) = $standby->psql('postgres',
	'CREATE TABLE after_promotion (id int);',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/SD001/, 'promoted: DDL without a timeout is refused by safe_ddl');
my $found = 0;
while (time - $start < 30)
{
	$found = $standby->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log
		  WHERE statement LIKE '%after_promotion%' AND outcome = 'refused'");
	last if $found > 0;
	Time::HiRes::sleep(0.2);
}
my $elapsed = time - $start;
note sprintf('the refusal row was visible after %.1f s', $elapsed);
is($found, 1, 'promoted: the refused statement has one row');
cmp_ok($elapsed, '<', 10, 'promoted: written within seconds');

# The old standby's rows and the new one are all there.
is( $standby->safe_psql(
		'postgres',
		"SELECT string_agg(outcome, ',' ORDER BY id) FROM safe_ddl.audit_log
		  WHERE statement LIKE '%CREATE TABLE standby\\_%'
		     OR statement LIKE '%after_promotion%'"),
	'ok,refused,refused',
	'promoted: the replicated rows and the new one');
unlike(slurp_file($standby->logfile), qr/PANIC|server process .* was terminated/,
	'promoted: no crash');

$standby->stop;
$primary->stop;
done_testing();
