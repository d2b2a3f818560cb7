# Helpers shared by safe_ddl's Perl TAP tests.
package SafeDdlTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(new_safe_ddl_node run_sessions outcome_counts
  wait_for_queue launcher_pid);

# A started node with safe_ddl preloaded and created in database postgres.
sub new_safe_ddl_node
{
	my ($name, $extra_conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'safe_ddl'\n" . ($extra_conf // ''));
	$node->start;
	$node->safe_psql('postgres',
		"SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl;");
	return $node;
}

# Run each SQL script in a psql session of its own, all at once, and wait
# for all of them.  Errors are expected (refusals, failures): psql goes on.
sub run_sessions
{
	my ($node, $dbname, @scripts) = @_;
	my @runs;

	foreach my $sql (@scripts)
	{
		my ($out, $err) = ('', '');
		push @runs,
		  IPC::Run::start(
			[ 'psql', '-X', '-q', '-d', $node->connstr($dbname), '-f', '-' ],
			'<', \$sql, '>', \$out, '2>', \$err);
	}
	$_->finish foreach @runs;
	return;
}

sub wait_for_queue
{
	my ($node, $dbname) = @_;
	return $node->safe_psql($dbname,
		"SELECT safe_ddl.wait_for_queue('60s')") eq 't';
}

# Rows per outcome among those matching a condition.
sub outcome_counts
{
	my ($node, $dbname, $where) = @_;
	my %counts = (ok => 0, refused => 0, failed => 0, rolled_back => 0);
	my $rows = $node->safe_psql($dbname,
		"SELECT outcome, count(*) FROM safe_ddl.audit_log WHERE $where GROUP BY outcome"
	);
	foreach my $line (split /\n/, $rows)
	{
		my ($outcome, $n) = split /\|/, $line;
		$counts{$outcome} = $n;
	}
	return \%counts;
}

# The launcher's pid, once it runs (it starts after recovery).
sub launcher_pid
{
	my ($node) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'safe_ddl launcher'"
	) or die "safe_ddl launcher did not start";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'safe_ddl launcher'"
	);
}

1;
