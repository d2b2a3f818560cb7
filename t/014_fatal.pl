# A DDL statement ended by FATAL never reaches the hook's error handler:
# pg_terminate_backend() on an ALTER TABLE waiting for its lock, and a
# fast shutdown meanwhile.  Each still gets exactly one row, failed with
# the SQLSTATE of the error that ended the session (57P01).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('fatal');
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE f (id int);");

# A reader holds ACCESS SHARE on f; a migration's ALTER TABLE queues behind
# it, with a lock_timeout long enough not to fire during the test.
sub start_waiting_alter
{
	my ($tag) = @_;
	my $reader = $node->background_psql('postgres', on_error_stop => 0);
	$reader->query_safe('BEGIN; SELECT count(*) FROM f;');
	my $migrator = $node->background_psql('postgres', on_error_stop => 0);
	$migrator->query_safe(
		"SET application_name = '$tag'; SET lock_timeout = '60s';");
	$migrator->query_until(qr/^$/,
		"ALTER TABLE f ADD COLUMN $tag int;\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$tag' AND wait_event_type = 'Lock'"
	) or die "the ALTER TABLE of $tag did not start waiting";
	return ($reader, $migrator);
}

sub rows_of
{
	my ($tag) = @_;
	return $node->safe_psql('postgres',
		"SELECT command_tag, outcome, sqlstate FROM safe_ddl.audit_log WHERE application_name = '$tag' ORDER BY id"
	);
}

# pg_terminate_backend
my ($reader, $migrator) = start_waiting_alter('terminated');
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'terminated'"
);
eval { $migrator->quit };
$reader->quit;
ok(wait_for_queue($node, 'postgres'), 'terminated: the writer emptied the queue');
is(rows_of('terminated'), 'ALTER TABLE|failed|57P01',
	'pg_terminate_backend: one failed row, SQLSTATE 57P01');
like(
	$node->safe_psql('postgres',
		"SELECT error_message FROM safe_ddl.audit_log WHERE application_name = 'terminated'"),
	qr/terminating connection due to administrator command/,
	'pg_terminate_backend: the row carries the FATAL message');

# A fast shutdown while the ALTER TABLE waits: the row is queued as the
# backend exits, saved at shutdown if the writer has gone, and written
# after the restart.
($reader, $migrator) = start_waiting_alter('shutdown');
$node->stop('fast');
eval { $migrator->quit };
eval { $reader->quit };
$node->start;
ok(wait_for_queue($node, 'postgres'), 'fast shutdown: the writer emptied the queue after the restart');
is(rows_of('shutdown'), 'ALTER TABLE|failed|57P01',
	'fast shutdown: one failed row, SQLSTATE 57P01');

# Nothing else went missing or twice: the table has neither column.
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'f'::regclass AND attname IN ('terminated', 'shutdown')"
	),
	'0',
	'neither ALTER TABLE took effect');

$node->stop;
done_testing();
