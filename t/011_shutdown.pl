# A fast or a smart shutdown right after a burst of refusals: after the
# restart every refusal is in the log, once.  The writer drains the queue
# before it stops; rows it could not write (an immediate shutdown while it
# waited for the log's lock) are saved when the postmaster exits and
# loaded at start.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('shutdown');
$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE TABLE s (id int);");

my $per_session = 250;
foreach my $case ('fast', 'smart', 'immediate-blocked')
{
	my ($mode) = split /-/, $case;
	my @scripts = map {
		my $s = $_;
		join('',
			map { "COMMENT ON TABLE s IS '$case $s $_';\n" } 1 .. $per_session)
	} 1 .. 4;

	# immediate-blocked: a session holds the log's lock, so the writer has
	# written nothing when the immediate shutdown kills it.
	my $blocker;
	if ($case eq 'immediate-blocked')
	{
		$blocker = $node->background_psql('postgres', on_error_stop => 0);
		$blocker->query_safe(
			'BEGIN; SET LOCAL safe_ddl.mode = off; SET LOCAL safe_ddl.audit = off; LOCK TABLE safe_ddl.audit_log IN ACCESS EXCLUSIVE MODE;');
	}

	run_sessions($node, 'postgres', @scripts);
	$node->stop($mode);
	eval { $blocker->quit } if $blocker;
	$node->start;
	ok(wait_for_queue($node, 'postgres'),
		"$case: the writer emptied the queue after the restart");

	my $counts = outcome_counts($node, 'postgres',
		"statement LIKE 'COMMENT ON TABLE s IS ''$case %'");
	is($counts->{refused}, 4 * $per_session,
		"$case shutdown: every refusal of the burst is in the log");
	is( $node->safe_psql('postgres',
			"SELECT count(*) - count(DISTINCT statement) FROM safe_ddl.audit_log WHERE statement LIKE 'COMMENT ON TABLE s IS ''$case %'"
		),
		'0',
		"$case shutdown: none recorded twice");
}

# The immediate shutdown saved the rows the writer had not written, and
# the start loaded them.
my $log = slurp_file($node->logfile);
my @saved = $log =~ /safe_ddl: saved (\d+) audit records not yet written/g;
note 'rows saved at shutdown: ' . (join(', ', @saved) || 'none');
ok((grep { $_ > 0 } @saved), 'a shutdown saved rows the writer had not written');
like($log, qr/safe_ddl: loaded \d+ saved audit records/, 'the start loaded them');

$node->stop;
done_testing();
