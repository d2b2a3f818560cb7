# The writer killed: the launcher comes back, writers are started again,
# and nothing queued before is lost or doubled -- whether the process was
# terminated (SIGTERM) or killed outright (SIGKILL, a crash restart).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;
use Time::HiRes;

my $node = new_safe_ddl_node('writer', "restart_after_crash = on\n");
$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE TABLE w (id int);");

# Terminate the launcher: the postmaster starts it again.
my $launcher = launcher_pid($node);
$node->safe_psql('postgres', "SELECT pg_terminate_backend($launcher)");
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'safe_ddl launcher' AND pid <> $launcher"
	),
	'a terminated launcher is restarted');

# A writer killed in the middle of a batch.  A session holding the log's
# lock keeps the writer inside its transaction (its rows claimed, not yet
# committed) while four sessions queue 400 refusals; then the writer is
# terminated (it leaves at once, even while it waits for the lock: its
# transaction aborts and a new writer claims the rows again) or killed
# outright (the postmaster restarts every process; the queue is saved and
# loaded, and the claimed rows, whose transaction never committed, are
# written again).
foreach my $signal ('TERM', 'KILL')
{
	my $per_session = 100;
	my $blocker = $node->background_psql('postgres', on_error_stop => 0);
	$blocker->query_safe(
		'BEGIN; SET LOCAL safe_ddl.mode = off; SET LOCAL safe_ddl.audit = off; LOCK TABLE safe_ddl.audit_log IN ACCESS EXCLUSIVE MODE;');

	run_sessions(
		$node, 'postgres',
		map {
			my $s = $_;
			join('',
				map { "COMMENT ON TABLE w IS '$signal $s $_';\n" }
				  1 .. $per_session)
		} 1 .. 4);

	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'safe_ddl writer' AND wait_event_type = 'Lock'"
	) or die 'no writer waiting for the log';
	my $writer = $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'safe_ddl writer'"
	);
	ok(kill($signal, $writer), "SIG$signal sent to the writer in its batch");

	if ($signal eq 'TERM')
	{
		# It leaves while the log is still locked, at once: not when its
		# lock wait ends (the writer's lock_timeout is 10 s).
		my $gone = 0;
		foreach (1 .. 50)
		{
			$gone = $node->safe_psql('postgres',
				"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $writer"
			) eq 't';
			last if $gone;
			Time::HiRes::usleep(100_000);
		}
		ok($gone,
			'SIGTERM: the writer left within 5 s, while it still waited for the lock');
		$blocker->query_safe('COMMIT;');
		$blocker->quit;
	}
	else
	{
		eval { $blocker->quit };
		$node->poll_query_until('postgres', 'SELECT 1', '1')
		  or die 'the server did not come back';
		like(slurp_file($node->logfile),
			qr/safe_ddl: saved \d+ audit records not yet written/,
			'SIGKILL: the queue was saved across the crash restart');
	}

	# The writer that was signalled is gone, so whatever empties the queue
	# now is a new one.
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM pg_stat_activity WHERE pid = $writer"),
		'0', "SIG$signal: the signalled writer is gone");
	ok(wait_for_queue($node, 'postgres'),
		"SIG$signal: a new writer emptied the queue");
	my ($rows, $distinct) = split /\|/,
	  $node->safe_psql('postgres',
		"SELECT count(*), count(DISTINCT statement) FROM safe_ddl.audit_log WHERE statement LIKE 'COMMENT ON TABLE w IS ''$signal %'"
	  );
	is($rows, 4 * $per_session, "SIG$signal: every refusal is in the log");
	is($distinct, $rows, "SIG$signal: none recorded twice");
}

$node->stop;
done_testing();
